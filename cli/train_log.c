#include "cli/train_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Byte offset where the lines after epoch `after` begin: the first line whose
 * epoch is later, or a torn last line without its newline (a kill mid-write). */
static off_t keep_until(FILE *f, uint32_t after)
{
    char *line = NULL;
    size_t cap = 0;
    off_t off = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        unsigned epoch = 0;
        if (line[len - 1] != '\n' || (sscanf(line, "{\"epoch\": %u", &epoch) == 1 && epoch > after)) break;
        off += len;
    }
    free(line);
    return off;
}

gr_status gr_train_log_open(gr_train_log *log, const char *path, uint32_t after_epoch, char *msg)
{
    log->path = path;
    log->f = after_epoch ? fopen(path, "r+") : NULL;
    if (log->f) {
        off_t off = keep_until(log->f, after_epoch);
        if (ftruncate(fileno(log->f), off) != 0 || fseeko(log->f, off, SEEK_SET) != 0) {
            int e = errno;
            fclose(log->f);
            log->f = NULL;
            return gr_fail(msg, GR_ERR_IO, "%s: cannot cut the log after epoch %u: %s", path, after_epoch, strerror(e));
        }
        return GR_OK;
    }
    if (after_epoch == 0 || errno == ENOENT) log->f = fopen(path, "w");
    if (log->f == NULL) return gr_fail(msg, GR_ERR_IO, "%s: cannot open the training log: %s", path, strerror(errno));
    return GR_OK;
}

gr_status gr_train_log_line(gr_train_log *log, const char *line, char *msg)
{
    if (fputs(line, log->f) == EOF || fputc('\n', log->f) == EOF || fflush(log->f) != 0)
        return gr_fail(msg, GR_ERR_IO, "%s: cannot write the training log: %s", log->path, strerror(errno));
    return GR_OK;
}

gr_status gr_train_log_close(gr_train_log *log, char *msg)
{
    if (log->f == NULL) return GR_OK;
    int bad = ferror(log->f) | fclose(log->f);
    log->f = NULL;
    if (bad) return gr_fail(msg, GR_ERR_IO, "%s: cannot write the training log", log->path);
    return GR_OK;
}
