/* Config files: loading INI text through libinih, and writing a config
 * back as INI text that loads to the same run.  The keys and their values
 * are in config.c. */
#include "gnn/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnn/config_keys.h"

/* A config file is a few hundred bytes; anything much bigger is not one. */
#define CONFIG_MAX_FILE (1u << 20)
/* Longest line we accept: a full-length path plus its key and some blanks. */
#define CONFIG_MAX_LINE (GR_PATH_MAX + 256)

/* ---- loading ----------------------------------------------------------- */

typedef struct {
    gr_config cfg;
    const char *name;      /* file name for messages */
    const char *pos, *end; /* text not yet handed to inih */
    int line;              /* line inih is working on */
    int err_line;          /* 0 = no error yet */
    char err[GR_MSG_LEN];
    unsigned char seen[GR_CONFIG_N_KEYS];
} load_ctx;

static void load_error(load_ctx *x, const char *fmt, const char *a, const char *b, const char *d)
{
    if (x->err_line != 0) return; /* the first error is the one to fix */
    x->err_line = x->line;
    snprintf(x->err, sizeof x->err, fmt, a, b, d);
}

/* inih's reader callback: one line per call, so x->line is the number of the
 * line the next handler call comes from.  A line longer than inih's buffer
 * would be split and its tail parsed as a line of its own, so it is refused
 * here and handed on as a blank line. */
static char *load_reader(char *str, int num, void *stream)
{
    load_ctx *x = stream;
    if (x->pos >= x->end) return NULL;
    const char *nl = memchr(x->pos, '\n', (size_t)(x->end - x->pos));
    size_t len = nl ? (size_t)(nl - x->pos) + 1 : (size_t)(x->end - x->pos);
    x->line++;
    if (len + 1 > (size_t)num) {
        char lim[32];
        snprintf(lim, sizeof lim, "%d", num - 2);
        load_error(x, "line longer than %s bytes", lim, "", "");
        strcpy(str, "\n");
    } else {
        memcpy(str, x->pos, len);
        str[len] = '\0';
    }
    x->pos += len;
    return str;
}

static int load_handler(void *user, const char *section, const char *name, const char *value)
{
    load_ctx *x = user;
    const key_def *k = gr_config_find_key(name);
    if (k == NULL) {
        load_error(x, "unknown key '%s' in [%s]%s", name, section, "");
        return 0;
    }
    if (section[0] == '\0') {
        load_error(x, "key '%s' outside a section (it belongs in [%s])%s", name, k->section, "");
        return 0;
    }
    if (strcmp(section, k->section) != 0) {
        load_error(x, "key '%s' belongs in [%s], not [%s]", name, k->section, section);
        return 0;
    }
    if (x->seen[k - gr_config_keys]) {
        /* also what an indented line after a key looks like (a continuation) */
        load_error(x, "key '%s' set twice%s%s", name, "", "");
        return 0;
    }
    x->seen[k - gr_config_keys] = 1;
    char why[WHY_LEN] = "";
    if (gr_config_set_value(&x->cfg, k, value, why) != 0) {
        load_error(x, "bad value '%s' for '%s': %s", value, name, why);
        return 0;
    }
    return 1;
}

gr_status gr_config_load_string(gr_config *c, const char *text, const char *name, char *msg)
{
    load_ctx *x = calloc(1, sizeof *x);
    if (x == NULL) return gr_fail(msg, GR_ERR_NOMEM, "%s: out of memory", name);
    gr_config_default(&x->cfg);
    x->name = name;
    x->pos = text;
    x->end = text + strlen(text);
    /* Debian's libinih keeps its line-buffer size in a global (200 by default,
     * too short for a long path).  Raising it is harmless to other users. */
    if (ini_max_line < CONFIG_MAX_LINE) ini_max_line = CONFIG_MAX_LINE;
    int rc = ini_parse_stream(load_reader, x, load_handler, x);
    gr_status status = GR_OK;
    if (rc < 0) {
        status = gr_fail(msg, GR_ERR_NOMEM, "%s: out of memory parsing the config", name);
    } else if (x->err_line != 0 && (rc == 0 || x->err_line <= rc)) {
        status = gr_fail(msg, GR_ERR_ARG, "%s:%d: %s", name, x->err_line, x->err);
    } else if (rc > 0) {
        status = gr_fail(msg, GR_ERR_ARG, "%s:%d: syntax error (expected 'key = value' or '[section]')", name, rc);
    } else if ((status = gr_config_check(&x->cfg, msg)) != GR_OK) {
        gr_msg_prefix(msg, "%s", name);
    } else {
        *c = x->cfg;
    }
    free(x);
    return status;
}

gr_status gr_config_load(gr_config *c, const char *path, char *msg)
{
    gr_status status = GR_OK;
    char *text = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) GR_FAIL(GR_ERR_IO, "%s: cannot open config: %s", path, strerror(errno));
    text = malloc(CONFIG_MAX_FILE + 1);
    GR_CHECK_ALLOC(text, "config text");
    size_t n = fread(text, 1, CONFIG_MAX_FILE + 1, f);
    if (ferror(f)) GR_FAIL(GR_ERR_IO, "%s: cannot read config: %s", path, strerror(errno));
    if (n > CONFIG_MAX_FILE) GR_FAIL(GR_ERR_ARG, "%s: larger than 1 MiB, not a config file", path);
    text[n] = '\0';
    const char *nul = memchr(text, '\0', n);
    if (nul != NULL) {
        int line = 1;
        for (const char *p = text; p < nul; p++) line += *p == '\n';
        GR_FAIL(GR_ERR_ARG, "%s:%d: NUL byte (not a text config file)", path, line);
    }
    GR_TRY(gr_config_load_string(c, text, path, msg));
fail:
    if (f != NULL) fclose(f);
    free(text);
    return status;
}

/* ---- writing ----------------------------------------------------------- */

/* Shortest decimal that reads back to the same double (or float). */
static void fmt_real(char *b, size_t n, double v, int is_float)
{
    for (int p = 6; p <= 17; p++) {
        snprintf(b, n, "%.*g", p, v);
        if (is_float ? strtof(b, NULL) == (float)v : strtod(b, NULL) == v) return;
    }
}

static void fmt_value(const gr_config *c, const key_def *k, char *b, size_t n)
{
    const char *field = (const char *)c + k->off;
    size_t used = 0;
    b[0] = '\0';
    switch (k->type) {
    case T_PATH: snprintf(b, n, "%s", field); break;
    case T_U32: snprintf(b, n, "%u", *(const uint32_t *)(const void *)field); break;
    case T_U64: snprintf(b, n, "%llu", (unsigned long long)*(const uint64_t *)(const void *)field); break;
    case T_OPT_DOUBLE:
        if (c->has_min_rating) fmt_real(b, n, c->min_rating, 0);
        break;
    case T_DOUBLE: fmt_real(b, n, *(const double *)(const void *)field, 0); break;
    case T_ENUM: snprintf(b, n, "%s", gr_config_enum_name(k->names, *(const int *)(const void *)field)); break;
    case T_WEIGHTS:
        for (uint32_t i = 0; i < c->n_layer_weights; i++) {
            if (i) b[used++] = ',';
            fmt_real(b + used, n - used, c->layer_weights[i], 1);
            used += strlen(b + used);
        }
        break;
    case T_TOPK:
        for (uint32_t i = 0; i < c->n_topk; i++) used += (size_t)snprintf(b + used, n - used, i ? ",%u" : "%u", c->topk[i]);
        break;
    case T_METRIC: snprintf(b, n, "%s@%u", gr_stop_metric_name(c->stop_metric), c->stop_k); break;
    }
}

gr_status gr_config_format(const gr_config *c, char **text, size_t *len, char *msg)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (f == NULL) return gr_fail(msg, GR_ERR_NOMEM, "out of memory formatting the config");
    static const char *const sections[] = {"data", "model", "train", "eval", "ials", "gfcf"};
    char value[GR_PATH_MAX + 64];
    fputs("# gnnrec run configuration: every key, so it loads back to the same run.\n"
          "# Relative data paths are relative to the current directory.\n", f);
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        fprintf(f, "\n[%s]\n", sections[s]);
        for (size_t i = 0; i < GR_CONFIG_N_KEYS; i++) {
            if (strcmp(gr_config_keys[i].section, sections[s]) != 0) continue;
            fmt_value(c, &gr_config_keys[i], value, sizeof value);
            if (gr_config_keys[i].comment != NULL) fprintf(f, "; %s\n", gr_config_keys[i].comment);
            fprintf(f, value[0] ? "%s = %s\n" : "%s =%s\n", gr_config_keys[i].key, value);
        }
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        return gr_fail(msg, GR_ERR_NOMEM, "out of memory formatting the config");
    }
    *text = buf;
    if (len != NULL) *len = size;
    return GR_OK;
}

gr_status gr_config_write(gr_output *o, const gr_config *c, char *msg)
{
    gr_status status = GR_OK;
    char *text = NULL;
    size_t len = 0;
    GR_TRY(gr_config_format(c, &text, &len, msg));
    GR_TRY(gr_output_write(o, text, len, msg));
fail:
    free(text);
    return status;
}
