#include "core/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/format.h"

#define OUTPUT_BUF (1 << 20)

struct gr_output {
    char *path;     /* final name */
    char *tmp_path; /* NULL for stdout */
    int fd;
    gzFile gz;      /* non-NULL when compressing */
    char *buf;
    size_t used;
};

int gr_path_is_gz(const char *path)
{
    size_t n = strlen(path);
    return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}

const char *gr_output_path(const gr_output *o) { return o->path; }

void gr_output_set_gzip_level(gr_output *o, int level)
{
    if (o->gz != NULL && level >= 1 && level <= 9) gzsetparams(o->gz, level, Z_DEFAULT_STRATEGY);
}

static void output_free(gr_output *o)
{
    free(o->path);
    free(o->tmp_path);
    free(o->buf);
    free(o);
}

gr_status gr_output_open(gr_output **out, const char *path, char *msg)
{
    gr_status status = GR_OK;
    gr_output *o = calloc(1, sizeof *o);
    GR_CHECK_ALLOC(o, "output");
    o->fd = -1;
    o->path = strdup(path);
    o->buf = malloc(OUTPUT_BUF);
    GR_CHECK_ALLOC(o->path, "output path");
    GR_CHECK_ALLOC(o->buf, "output buffer");
    struct stat st;
    if (strcmp(path, "-") == 0) {
        o->fd = dup(STDOUT_FILENO);
        if (o->fd < 0) GR_FAIL(GR_ERR_IO, "-: cannot write to stdout: %s", strerror(errno));
    } else if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* A device or FIFO (/dev/null, /dev/stdout, a pipe): renaming over it
         * would replace the device, so write to it directly. */
        if (S_ISDIR(st.st_mode)) GR_FAIL(GR_ERR_IO, "%s: is a directory", path);
        o->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (o->fd < 0) GR_FAIL(GR_ERR_IO, "%s: cannot open for writing: %s", path, strerror(errno));
    } else {
        /* NAME.tmp.PID.XXXXXX: the writer's pid lets the next successful
         * write of NAME tell a dead writer's leftover from a live one's
         * (remove_stale_temporaries). */
        if (asprintf(&o->tmp_path, "%s.tmp.%ld.XXXXXX", path, (long)getpid()) < 0) {
            o->tmp_path = NULL;
            GR_FAIL(GR_ERR_NOMEM, "out of memory");
        }
        o->fd = mkstemp(o->tmp_path);
        if (o->fd < 0) {
            free(o->tmp_path);
            o->tmp_path = NULL;
            GR_FAIL(GR_ERR_IO, "%s: cannot create output: %s", path, strerror(errno));
        }
        fchmod(o->fd, 0644);
    }
    if (gr_path_is_gz(path)) {
        int fd2 = dup(o->fd);
        o->gz = fd2 < 0 ? NULL : gzdopen(fd2, "wb6");
        if (o->gz == NULL) {
            if (fd2 >= 0) close(fd2);
            GR_FAIL(GR_ERR_IO, "%s: cannot start gzip stream", path);
        }
        gzbuffer(o->gz, 1 << 18);
    }
    *out = o;
    return GR_OK;
fail:
    gr_output_abort(o);
    return status;
}

static gr_status output_flush(gr_output *o, char *msg)
{
    if (o->used == 0) return GR_OK;
    if (o->gz != NULL) {
        if (gzwrite(o->gz, o->buf, (unsigned)o->used) != (int)o->used) {
            int err;
            const char *what = gzerror(o->gz, &err);
            return gr_fail(msg, GR_ERR_IO, "%s: write failed: %s", o->path,
                           err == Z_ERRNO ? strerror(errno) : what);
        }
    } else {
        size_t done = 0;
        while (done < o->used) {
            ssize_t n = write(o->fd, o->buf + done, o->used - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                return gr_fail(msg, GR_ERR_IO, "%s: write failed: %s", o->path,
                               n < 0 ? strerror(errno) : "no space written");
            done += (size_t)n;
        }
    }
    o->used = 0;
    return GR_OK;
}

gr_status gr_output_write(gr_output *o, const void *data, size_t len, char *msg)
{
    const char *p = data;
    while (len > 0) {
        if (o->used == OUTPUT_BUF) {
            gr_status s = output_flush(o, msg);
            if (s != GR_OK) return s;
        }
        size_t n = OUTPUT_BUF - o->used;
        if (n > len) n = len;
        memcpy(o->buf + o->used, p, n);
        o->used += n;
        p += n;
        len -= n;
    }
    return GR_OK;
}

gr_status gr_output_puts(gr_output *o, const char *s, char *msg)
{
    return gr_output_write(o, s, strlen(s), msg);
}

gr_status gr_output_printf(gr_output *o, char *msg, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return gr_fail(msg, GR_ERR_ARG, "%s: bad format", o->path);
    if ((size_t)n < sizeof small) return gr_output_write(o, small, (size_t)n, msg);
    char *big = malloc((size_t)n + 1);
    if (big == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory");
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    gr_status s = gr_output_write(o, big, (size_t)n, msg);
    free(big);
    return s;
}

gr_status gr_output_u64(gr_output *o, uint64_t v, char *msg)
{
    if (OUTPUT_BUF - o->used < 24) {
        gr_status s = output_flush(o, msg);
        if (s != GR_OK) return s;
    }
    char *dst = o->buf + o->used;
    o->used += (size_t)(gr_put_decimal(dst, v) - dst);
    return GR_OK;
}

gr_status gr_output_char(gr_output *o, char c, char *msg)
{
    if (o->used == OUTPUT_BUF) {
        gr_status s = output_flush(o, msg);
        if (s != GR_OK) return s;
    }
    o->buf[o->used++] = c;
    return GR_OK;
}

/* The pid in a temporary's name "BASE.tmp.PID.XXXXXX" (6 random characters),
 * or 0 when name is not one of base's temporaries. */
static long temporary_pid(const char *name, const char *base)
{
    size_t nb = strlen(base);
    if (strncmp(name, base, nb) != 0 || strncmp(name + nb, ".tmp.", 5) != 0) return 0;
    char *end = NULL;
    long pid = strtol(name + nb + 5, &end, 10);
    if (pid <= 0 || end == name + nb + 5 || end[0] != '.' || strlen(end + 1) != 6) return 0;
    return pid;
}

/* Removes the temporaries of path left by writers that were killed (kill -9,
 * a crash, power loss): those whose pid no longer runs.  A live pid's file is
 * left alone -- another process may be writing the same output right now; a
 * recycled pid only postpones the cleanup to a later write.  Best effort: the
 * output is already in place, so nothing here fails the write. */
static void remove_stale_temporaries(const char *path)
{
    char *d = strdup(path), *b = strdup(path);
    if (d == NULL || b == NULL) goto done;
    const char *dir = dirname(d), *base = basename(b);
    DIR *dh = opendir(dir);
    if (dh == NULL) goto done;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        long pid = temporary_pid(e->d_name, base);
        if (pid == 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char *stale = NULL;
        if (asprintf(&stale, "%s/%s", dir, e->d_name) >= 0) {
            unlink(stale);
            free(stale);
        }
    }
    closedir(dh);
done:
    free(d);
    free(b);
}

gr_status gr_output_commit(gr_output *o, char *msg)
{
    gr_status status = output_flush(o, msg);
    if (status != GR_OK) goto fail;
    if (o->gz != NULL) {
        int rc = gzclose(o->gz);
        o->gz = NULL;
        /* gzclose writes the stream's last block: ENOSPC often shows here */
        if (rc != Z_OK)
            GR_FAIL(GR_ERR_IO, "%s: write failed while finishing gzip stream: %s", o->path,
                    rc == Z_ERRNO ? strerror(errno) : "zlib error");
    }
    if (o->tmp_path != NULL) {
        if (fsync(o->fd) != 0) GR_FAIL(GR_ERR_IO, "%s: write failed: %s", o->path, strerror(errno));
    }
    if (close(o->fd) != 0) {
        o->fd = -1;
        GR_FAIL(GR_ERR_IO, "%s: write failed: %s", o->path, strerror(errno));
    }
    o->fd = -1;
    if (o->tmp_path != NULL && rename(o->tmp_path, o->path) != 0)
        GR_FAIL(GR_ERR_IO, "%s: cannot rename temporary file into place: %s", o->path, strerror(errno));
    if (o->tmp_path != NULL) remove_stale_temporaries(o->path);
    output_free(o);
    return GR_OK;
fail:
    gr_output_abort(o);
    return status;
}

void gr_output_abort(gr_output *o)
{
    if (o == NULL) return;
    if (o->gz != NULL) gzclose(o->gz);
    if (o->fd >= 0) close(o->fd);
    if (o->tmp_path != NULL) unlink(o->tmp_path);
    output_free(o);
}
