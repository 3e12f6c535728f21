#include "cli/train_log.h"

#include <errno.h>
#include <math.h>
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

/* The number after "name": in [from, to), or NAN when the name is absent. */
static double field(const char *from, const char *to, const char *name)
{
    char pat[80];
    snprintf(pat, sizeof pat, "\"%s\": ", name);
    const char *at = strstr(from, pat);
    if (at == NULL || at >= to) return NAN;
    char *end;
    double v = strtod(at + strlen(pat), &end);
    return end == at + strlen(pat) ? NAN : v;
}

static gr_status series_push(gr_log_series *s, size_t *cap, double epoch, double train, double wall, double value,
                             char *msg)
{
    if (s->n == *cap) {
        size_t c = *cap ? 2 * *cap : 256;
        double *p[4] = {s->epoch, s->train_seconds, s->wall_seconds, s->value};
        for (int k = 0; k < 4; k++) {
            double *q = realloc(p[k], c * sizeof *q);
            if (q == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory reading a training log");
            p[k] = q;
            if (k == 0) s->epoch = q;
            else if (k == 1) s->train_seconds = q;
            else if (k == 2) s->wall_seconds = q;
            else s->value = q;
        }
        *cap = c;
    }
    s->epoch[s->n] = epoch;
    s->train_seconds[s->n] = train;
    s->wall_seconds[s->n] = wall;
    s->value[s->n++] = value;
    return GR_OK;
}

gr_status gr_log_series_read(gr_log_series *s, const char *path, const char *key, char *msg)
{
    gr_status status = GR_OK;
    memset(s, 0, sizeof *s);
    size_t cap = 0, line_no = 0, len_cap = 0;
    char *line = NULL;
    double train = 0, wall = 0;
    const int in_test = strncmp(key, "test.", 5) == 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) GR_FAIL(GR_ERR_IO, "%s: %s", path, strerror(errno));
    while (getline(&line, &len_cap, f) > 0) {
        line_no++;
        const char *end = line + strlen(line);
        const double epoch = field(line, end, "epoch"), seconds = field(line, end, "seconds");
        if (line[0] != '{' || !(epoch >= 1) || !(seconds >= 0))
            GR_FAIL(GR_ERR_INPUT, "%s:%zu: not a training-log line (no \"epoch\" and \"seconds\")", path, line_no);
        const double eval = field(line, end, "eval_seconds");
        train += seconds;
        wall += seconds + (eval >= 0 ? eval : 0);
        /* The selection metric sits before the "test" object, test metrics in it. */
        const char *test = strstr(line, "\"test\": {");
        const double v = in_test ? (test ? field(test, end, key + 5) : NAN) : field(line, test ? test : end, key);
        if (!isnan(v)) GR_TRY(series_push(s, &cap, epoch, train, wall, v, msg));
    }
    if (ferror(f)) GR_FAIL(GR_ERR_IO, "%s: read error", path);
    if (s->n == 0) GR_FAIL(GR_ERR_INPUT, "%s: no line holds \"%s\"%s", path, key, in_test ? " (was it trained with --log-test?)" : "");
fail:
    free(line);
    if (f) fclose(f);
    if (status != GR_OK) gr_log_series_free(s);
    return status;
}

void gr_log_series_free(gr_log_series *s)
{
    free(s->epoch);
    free(s->train_seconds);
    free(s->wall_seconds);
    free(s->value);
    memset(s, 0, sizeof *s);
}
