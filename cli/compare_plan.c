/* Reading a compare plan: libinih parses the file (so it follows the same
 * syntax as every config), our reader counts lines and notes section
 * headers, and the runs' configs are built only once the whole file is read,
 * so the order of sections and keys in the file does not matter. */
#include "cli/compare_plan.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_MAX_FILE (1u << 20)
#define PLAN_MAX_LINE (GR_PATH_MAX + 256)
#define SHARED (-1) /* the section index of [compare] */

typedef struct {
    int section; /* SHARED or a run's index */
    int line;
    char *key, *value;
} entry;

/* What a section says besides config keys. */
typedef struct {
    char config[GR_PATH_MAX];
    int config_line;
    uint32_t seeds; /* 0: not given */
} extras;

typedef struct {
    const char *path;
    const char *pos, *end; /* text not yet handed to inih */
    int line;
    int err_line;
    char err[GR_MSG_LEN];
    char title[GR_COMPARE_TITLE_LEN];
    extras shared;
    gr_compare_run runs[GR_COMPARE_MAX_RUNS];
    extras run_extras[GR_COMPARE_MAX_RUNS];
    uint32_t n_runs;
    int seen_shared;
    entry *entries;
    size_t n_entries, cap;
} plan_ctx;

static void plan_error(plan_ctx *x, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void plan_error(plan_ctx *x, int line, const char *fmt, ...)
{
    if (x->err_line != 0) return; /* the first error is the one to fix */
    va_list ap;
    va_start(ap, fmt);
    x->err_line = line;
    vsnprintf(x->err, sizeof x->err, fmt, ap);
    va_end(ap);
}

static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= GR_COMPARE_NAME_LEN || s[0] == '.' || s[0] == '-') return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              *s == '_' || *s == '.'))
            return 0;
    return 1;
}

/* A section header line "[...]": registers [compare] or [run NAME], so runs
 * keep the file's order, empty ones included, and know their header's line. */
static void note_section(plan_ctx *x, const char *line)
{
    while (*line == ' ' || *line == '\t') line++;
    const char *close = strchr(line, ']');
    if (*line != '[' || close == NULL) return; /* not a header: inih reports it */
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(close - line - 1), line + 1);
    if (strcmp(name, "compare") == 0) {
        if (x->seen_shared) plan_error(x, x->line, "[compare] given twice");
        x->seen_shared = 1;
        return;
    }
    const char *run = strncmp(name, "run ", 4) == 0 ? name + 4 : NULL;
    while (run && *run == ' ') run++;
    if (run == NULL) {
        plan_error(x, x->line, "unknown section [%s] (expected [compare] or [run NAME])", name);
        return;
    }
    if (!valid_name(run)) {
        plan_error(x, x->line, "bad run name '%s' (letters, digits, '.', '_' and '-', up to %d characters)", run,
                   GR_COMPARE_NAME_LEN - 1);
        return;
    }
    for (uint32_t r = 0; r < x->n_runs; r++)
        if (strcmp(x->runs[r].name, run) == 0) {
            plan_error(x, x->line, "[run %s] given twice (first at line %d)", run, x->runs[r].line);
            return;
        }
    if (x->n_runs == GR_COMPARE_MAX_RUNS) {
        plan_error(x, x->line, "more than %d runs", GR_COMPARE_MAX_RUNS);
        return;
    }
    gr_compare_run *r = &x->runs[x->n_runs++];
    snprintf(r->name, sizeof r->name, "%s", run);
    r->line = x->line;
}

/* inih's reader: one line per call, so x->line is the line of the next
 * handler call (as in gnn/config_ini.c). */
static char *plan_reader(char *str, int num, void *stream)
{
    plan_ctx *x = stream;
    if (x->pos >= x->end) return NULL;
    const char *nl = memchr(x->pos, '\n', (size_t)(x->end - x->pos));
    size_t len = nl ? (size_t)(nl - x->pos) + 1 : (size_t)(x->end - x->pos);
    x->line++;
    if (len + 1 > (size_t)num) {
        plan_error(x, x->line, "line longer than %d bytes", num - 2);
        strcpy(str, "\n");
    } else {
        memcpy(str, x->pos, len);
        str[len] = '\0';
        note_section(x, str);
    }
    x->pos += len;
    return str;
}

static int section_index(const plan_ctx *x, const char *section)
{
    if (strcmp(section, "compare") == 0) return SHARED;
    const char *run = section + 4;
    while (*run == ' ') run++;
    for (uint32_t r = 0; r < x->n_runs; r++)
        if (strcmp(x->runs[r].name, run) == 0) return (int)r;
    return -2; /* a section note_section refused */
}

static int plan_handler(void *user, const char *section, const char *name, const char *value)
{
    plan_ctx *x = user;
    if (section[0] == '\0') {
        plan_error(x, x->line, "key '%s' outside a section ([compare] or [run NAME])", name);
        return 0;
    }
    const int s = section_index(x, section);
    if (s == -2) return 0;
    extras *e = s == SHARED ? &x->shared : &x->run_extras[s];
    if (strcmp(name, "seeds") == 0) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(value, &end, 10);
        if (errno || end == value || *end || v < 1 || v > GR_COMPARE_MAX_SEEDS || value[0] == '-') {
            plan_error(x, x->line, "bad value '%s' for 'seeds': expected 1 to %d", value, GR_COMPARE_MAX_SEEDS);
            return 0;
        }
        e->seeds = (uint32_t)v;
        return 1;
    }
    if (strcmp(name, "config") == 0) {
        if (strlen(value) >= sizeof e->config) {
            plan_error(x, x->line, "config path longer than %d bytes", GR_PATH_MAX - 1);
            return 0;
        }
        snprintf(e->config, sizeof e->config, "%s", value);
        e->config_line = x->line;
        return 1;
    }
    if (strcmp(name, "title") == 0) {
        if (s != SHARED) {
            plan_error(x, x->line, "'title' belongs in [compare]");
            return 0;
        }
        snprintf(x->title, sizeof x->title, "%s", value);
        return 1;
    }
    /* Any other key is a config key: checked now against the defaults, so a
     * typo is reported at its line, and applied when the runs are built. */
    gr_config scratch;
    char why[GR_MSG_LEN];
    gr_config_default(&scratch);
    if (gr_config_set(&scratch, name, value, why) != GR_OK) {
        plan_error(x, x->line, "%s", why);
        return 0;
    }
    if (x->n_entries == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 32;
        entry *p = realloc(x->entries, cap * sizeof *p);
        if (p == NULL) {
            plan_error(x, x->line, "out of memory");
            return 0;
        }
        x->entries = p;
        x->cap = cap;
    }
    entry *en = &x->entries[x->n_entries];
    en->section = s;
    en->line = x->line;
    en->key = strdup(name);
    en->value = strdup(value);
    if (en->key == NULL || en->value == NULL) {
        free(en->key);
        free(en->value);
        plan_error(x, x->line, "out of memory");
        return 0;
    }
    x->n_entries++;
    return 1;
}

static gr_status read_text(const char *path, char **text, char *msg)
{
    gr_status status = GR_OK;
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) GR_FAIL(GR_ERR_IO, "%s: cannot open the compare plan: %s", path, strerror(errno));
    buf = malloc(PLAN_MAX_FILE + 1);
    GR_CHECK_ALLOC(buf, "the compare plan");
    size_t n = fread(buf, 1, PLAN_MAX_FILE + 1, f);
    if (ferror(f)) GR_FAIL(GR_ERR_IO, "%s: cannot read the compare plan: %s", path, strerror(errno));
    if (n > PLAN_MAX_FILE) GR_FAIL(GR_ERR_ARG, "%s: larger than 1 MiB, not a compare plan", path);
    if (memchr(buf, '\0', n) != NULL) GR_FAIL(GR_ERR_ARG, "%s: NUL byte (not a text file)", path);
    buf[n] = '\0';
    *text = buf;
    buf = NULL;
fail:
    if (f != NULL) fclose(f);
    free(buf);
    return status;
}

/* Applies the section's entries in file order; errors name their line. */
static gr_status apply_entries(const plan_ctx *x, int section, gr_config *c, char *msg)
{
    for (size_t i = 0; i < x->n_entries; i++) {
        const entry *e = &x->entries[i];
        if (e->section != section) continue;
        gr_status s = gr_config_set(c, e->key, e->value, msg);
        if (s != GR_OK) {
            gr_msg_prefix(msg, "%s:%d", x->path, e->line);
            return s;
        }
    }
    return GR_OK;
}

/* defaults < base config < [compare] < [run NAME] < command line */
static gr_status build_run(const plan_ctx *x, uint32_t r, char *const *overrides, int n_overrides, uint32_t seeds_arg,
                           gr_compare_run *out, char *msg)
{
    gr_status status = GR_OK;
    const extras *own = &x->run_extras[r];
    const extras *base = own->config[0] ? own : &x->shared;
    *out = x->runs[r];
    gr_config_default(&out->cfg);
    if (base->config[0] && (status = gr_config_load(&out->cfg, base->config, msg)) != GR_OK) {
        gr_msg_prefix(msg, "%s:%d: base config", x->path, base->config_line);
        goto fail;
    }
    GR_TRY(apply_entries(x, SHARED, &out->cfg, msg));
    GR_TRY(apply_entries(x, (int)r, &out->cfg, msg));
    for (int i = 0; i < n_overrides; i++)
        if (strncmp(overrides[i], "seeds=", 6) != 0) GR_TRY(gr_config_set_arg(&out->cfg, overrides[i], msg));
    if ((status = gr_config_check(&out->cfg, msg)) != GR_OK) {
        gr_msg_prefix(msg, "%s:%d: [run %s]", x->path, out->line, out->name);
        goto fail;
    }
    out->seeds = seeds_arg ? seeds_arg : own->seeds ? own->seeds : x->shared.seeds ? x->shared.seeds : 1;
    if (out->cfg.seed > UINT64_MAX - out->seeds)
        GR_FAIL(GR_ERR_ARG, "%s:%d: [run %s]: seed + seeds overflows", x->path, out->line, out->name);
fail:
    return status;
}

/* 1 when name is one of the comma-separated list's. */
static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        p += len + (comma != NULL);
    }
    return 0;
}

static gr_status keep_only(gr_compare_plan *p, const char *only, char *msg)
{
    for (const char *q = only; *q;) {
        const char *comma = strchr(q, ',');
        int len = comma ? (int)(comma - q) : (int)strlen(q);
        int found = 0;
        for (uint32_t r = 0; r < p->n_runs && !found; r++)
            found = (int)strlen(p->runs[r].name) == len && strncmp(p->runs[r].name, q, (size_t)len) == 0;
        if (!found) return gr_fail(msg, GR_ERR_ARG, "--only: %s has no run '%.*s'", p->path, len, q);
        q += len + (comma != NULL);
    }
    uint32_t kept = 0;
    for (uint32_t r = 0; r < p->n_runs; r++)
        if (listed(only, p->runs[r].name)) p->runs[kept++] = p->runs[r];
    p->n_runs = kept;
    return GR_OK;
}

static gr_status seeds_override(char *const *overrides, int n_overrides, uint32_t *seeds, char *msg)
{
    *seeds = 0;
    for (int i = 0; i < n_overrides; i++) {
        if (strncmp(overrides[i], "seeds=", 6) != 0) continue;
        const char *v = overrides[i] + 6;
        char *end;
        unsigned long n = strtoul(v, &end, 10);
        if (end == v || *end || n < 1 || n > GR_COMPARE_MAX_SEEDS || v[0] == '-')
            return gr_fail(msg, GR_ERR_ARG, "bad value '%s' for 'seeds': expected 1 to %d", v, GR_COMPARE_MAX_SEEDS);
        *seeds = (uint32_t)n;
    }
    return GR_OK;
}

gr_status gr_compare_plan_load(gr_compare_plan *p, const char *path, char *const *overrides, int n_overrides,
                               const char *only, char *msg)
{
    gr_status status = GR_OK;
    char *text = NULL;
    uint32_t seeds_arg = 0;
    memset(p, 0, sizeof *p);
    plan_ctx *x = calloc(1, sizeof *x);
    GR_CHECK_ALLOC(x, "the compare plan");
    if (strlen(path) >= sizeof p->path) GR_FAIL(GR_ERR_ARG, "compare plan path too long: %s", path);
    snprintf(p->path, sizeof p->path, "%s", path);
    GR_TRY(seeds_override(overrides, n_overrides, &seeds_arg, msg));
    GR_TRY(read_text(path, &text, msg));
    x->path = path;
    x->pos = text;
    x->end = text + strlen(text);
    /* Debian's libinih keeps its line-buffer size in a global (see gnn/config_ini.c). */
    if (ini_max_line < PLAN_MAX_LINE) ini_max_line = PLAN_MAX_LINE;
    int rc = ini_parse_stream(plan_reader, x, plan_handler, x);
    if (rc < 0) GR_FAIL(GR_ERR_NOMEM, "%s: out of memory parsing the compare plan", path);
    if (x->err_line != 0 && (rc == 0 || x->err_line <= rc)) GR_FAIL(GR_ERR_ARG, "%s:%d: %s", path, x->err_line, x->err);
    if (rc > 0) GR_FAIL(GR_ERR_ARG, "%s:%d: syntax error (expected 'key = value' or '[section]')", path, rc);
    if (x->n_runs == 0) GR_FAIL(GR_ERR_ARG, "%s: no runs (add a section [run NAME] with model = ...)", path);
    p->runs = calloc(x->n_runs, sizeof *p->runs);
    GR_CHECK_ALLOC(p->runs, "the compare plan");
    for (uint32_t r = 0; r < x->n_runs; r++) {
        GR_TRY(build_run(x, r, overrides, n_overrides, seeds_arg, &p->runs[r], msg));
        p->n_runs++;
    }
    snprintf(p->title, sizeof p->title, "%s", x->title);
    if (only != NULL) GR_TRY(keep_only(p, only, msg));
fail:
    if (x != NULL)
        for (size_t i = 0; i < x->n_entries; i++) {
            free(x->entries[i].key);
            free(x->entries[i].value);
        }
    if (x != NULL) free(x->entries);
    free(x);
    free(text);
    if (status != GR_OK) gr_compare_plan_free(p);
    return status;
}

void gr_compare_plan_free(gr_compare_plan *p)
{
    free(p->runs);
    p->runs = NULL;
    p->n_runs = 0;
}
