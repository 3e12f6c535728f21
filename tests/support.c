#include "tests/support.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

char *gr_test_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char *path = NULL;
    if (asprintf(&path, "%s/gnnrec-test-XXXXXX", base && *base ? base : "/tmp") < 0) abort();
    if (mkdtemp(path) == NULL) {
        fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
        abort();
    }
    return path;
}

void gr_test_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *p = gr_test_path(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            gr_test_rmdir(p);
        else
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

char *gr_test_path(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0) abort();
    return p;
}

void gr_test_write_file(const char *path, const void *data, size_t len)
{
    size_t n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".gz") == 0) {
        gzFile gz = gzopen(path, "wb");
        assert_non_null(gz);
        if (len > 0) assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
        assert_int_equal(gzclose(gz), Z_OK);
        return;
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len > 0) assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

void gr_test_write_text(const char *path, const char *text) { gr_test_write_file(path, text, strlen(text)); }

char *gr_test_read_file(const char *path, size_t *len)
{
    gzFile gz = gzopen(path, "rb");
    if (gz == NULL) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        int got = gzread(gz, buf + n, (unsigned)(cap - n));
        if (got <= 0) break;
        n += (size_t)got;
    }
    gzclose(gz);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

int gr_test_file_exists(const char *path) { return access(path, F_OK) == 0; }

double gr_test_json_number(const char *dir, const char *name, const char *key)
{
    char *path = gr_test_path(dir, name);
    char *text = gr_test_read_file(path, NULL);
    if (text == NULL) fail_msg("cannot read %s", path);
    char quoted[128];
    snprintf(quoted, sizeof quoted, "\"%s\":", key);
    const char *at = strstr(text, quoted);
    if (at == NULL) fail_msg("%s has no %s:\n%s", path, key, text);
    double v = strtod(at + strlen(quoted), NULL);
    free(text);
    free(path);
    return v;
}

int gr_test_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

static char *slurp_fd(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        n += (size_t)got;
    }
    buf[n] = '\0';
    return buf;
}

gr_test_run gr_test_cli(const char *fmt, ...)
{
    char *args = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&args, fmt, ap) < 0) abort();
    va_end(ap);
    const char *bin = getenv("GNNREC_BIN");
    if (bin == NULL || *bin == '\0') bin = "build/gnnrec";

    /* stdout and stderr go to temporary files so a large output cannot
     * deadlock a pipe. */
    char out_path[] = "/tmp/gnnrec-out-XXXXXX";
    char err_path[] = "/tmp/gnnrec-err-XXXXXX";
    int out_fd = mkstemp(out_path);
    int err_fd = mkstemp(err_path);
    if (out_fd < 0 || err_fd < 0) abort();
    char *cmd = NULL;
    if (asprintf(&cmd, "%s %s >%s 2>%s </dev/null", bin, args, out_path, err_path) < 0) abort();
    int rc = system(cmd);
    gr_test_run r;
    r.exit_code = (rc != -1 && WIFEXITED(rc)) ? WEXITSTATUS(rc) : -1;
    r.out = slurp_fd(out_fd);
    r.err = slurp_fd(err_fd);
    close(out_fd);
    close(err_fd);
    unlink(out_path);
    unlink(err_path);
    free(cmd);
    free(args);
    return r;
}

void gr_test_run_free(gr_test_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

const char *gr_test_data_dir(void)
{
    const char *d = getenv("GNNREC_TEST_DATA");
    return d && *d ? d : "tests/data";
}

const char *gr_test_shared_data(void)
{
    static const char *const candidates[] = {"../shared/data", NULL};
    for (int i = 0; candidates[i]; i++)
        if (access(candidates[i], R_OK) == 0) return candidates[i];
    return NULL;
}

void gr_test_pairs_push(gr_test_pairs *s, char *owned)
{
    assert_non_null(owned);
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n++] = owned;
}

void gr_test_pairs_add(gr_test_pairs *s, const char *user, size_t ulen, const char *item, size_t ilen)
{
    char *p = malloc(ulen + ilen + 2);
    assert_non_null(p);
    memcpy(p, user, ulen);
    p[ulen] = ' ';
    memcpy(p + ulen + 1, item, ilen);
    p[ulen + 1 + ilen] = '\0';
    gr_test_pairs_push(s, p);
}

static int pairs_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void gr_test_pairs_sort(gr_test_pairs *s) { qsort(s->v, s->n, sizeof *s->v, pairs_cmp); }

void gr_test_pairs_parse(gr_test_pairs *s, const char *text, int adj)
{
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        if (end == NULL) end = line + strlen(line);
        const char *tok[64];
        size_t len[64], n = 0;
        for (const char *p = line; p < end && n < 64;) {
            while (p < end && (*p == ' ' || *p == '\t')) p++;
            if (p == end) break;
            tok[n] = p;
            while (p < end && *p != ' ' && *p != '\t') p++;
            len[n] = (size_t)(p - tok[n]);
            n++;
        }
        for (size_t i = 1; i < n && (adj || i == 1); i++) gr_test_pairs_add(s, tok[0], len[0], tok[i], len[i]);
        line = *end ? end + 1 : end;
    }
    gr_test_pairs_sort(s);
}

void gr_test_pairs_read(gr_test_pairs *s, const char *path, int adj)
{
    char *text = gr_test_read_file(path, NULL);
    if (text == NULL) fail_msg("cannot read %s", path);
    gr_test_pairs_parse(s, text, adj);
    free(text);
}

void gr_test_pairs_free(gr_test_pairs *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static char *scratch_dir; /* the group's scratch directory (test-only state) */

static char *split_dir; /* the group's generated split (test-only state) */

int gr_test_split_setup(void **state)
{
    (void)state;
    split_dir = gr_test_generated_split("--users 600 --items 400 --edges 24000 --communities 8 --exponent 0.5 "
                                        "--p-in 0.9 --seed 3");
    return 0;
}

int gr_test_split_teardown(void **state)
{
    (void)state;
    gr_test_rmdir(split_dir);
    free(split_dir);
    split_dir = NULL;
    return 0;
}

const char *gr_test_split_dir(void) { return split_dir; }

double gr_test_split_itempop_recall(void)
{
    const char *d = split_dir;
    gr_test_run r = gr_test_cli("eval --baseline itempop --train %s/split/train.txt --test %s/split/test.txt "
                                "--json %s/pop.json", d, d, d);
    if (r.exit_code != 0) fail_msg("itempop: %s", r.err);
    gr_test_run_free(&r);
    return gr_test_json_number(d, "pop.json", "recall@20");
}

int gr_test_scratch_setup(void **state)
{
    (void)state;
    scratch_dir = gr_test_mkdtemp();
    return 0;
}

int gr_test_scratch_teardown(void **state)
{
    (void)state;
    gr_test_rmdir(scratch_dir);
    free(scratch_dir);
    scratch_dir = NULL;
    return 0;
}

const char *gr_test_scratch(void) { return scratch_dir; }

gr_status gr_test_load_bytes(gr_dataset *ds, const char *name, const void *data, size_t len, const gr_load_opts *o,
                             gr_load_report *rep, char *msg)
{
    char *path = gr_test_path(scratch_dir, name);
    gr_test_write_file(path, data, len);
    gr_status s = gr_load_file(ds, path, o, rep, msg);
    free(path);
    return s;
}

gr_status gr_test_load_text(gr_dataset *ds, const char *name, const char *text, const gr_load_opts *o,
                            gr_load_report *rep, char *msg)
{
    return gr_test_load_bytes(ds, name, text, strlen(text), o, rep, msg);
}

/* ---- evaluation fixtures ------------------------------------------------- */

void gr_test_graph_from_pairs(gr_graph *g, uint32_t nu, uint32_t ni, const uint32_t *u, const uint32_t *i, size_t n)
{
    char msg[GR_MSG_LEN];
    assert_int_equal(gr_graph_from_pairs(g, nu, ni, u, i, n, msg), GR_OK);
}

void gr_test_assert_near(double got, double want)
{
    if (fabs(got - want) > 1e-6) fail_msg("got %.12f, want %.12f", got, want);
}

static gr_status fixed_score(void *ctx, const uint32_t *users, size_t n, float *scores, char *msg)
{
    gr_test_fixed_scorer *f = ctx;
    f->calls++;
    if (f->calls == f->fail_at) return gr_fail(msg, GR_ERR_LIB, "fixed scorer: told to fail");
    if (n > f->max_block) f->max_block = n;
    for (size_t r = 0; r < n; r++) {
        assert_true(users[r] < f->n_users);
        memcpy(scores + r * f->n_items, f->full + (size_t)users[r] * f->n_items, f->n_items * sizeof(float));
    }
    return GR_OK;
}

gr_scorer gr_test_fixed_scorer_of(gr_test_fixed_scorer *f)
{
    return (gr_scorer){f->n_items, f, fixed_score};
}

const float gr_test_hand_scores[4 * 6] = {
    .5f, .9f, .9f, .1f, .7f, .3f,  /* user 0 */
    .2f, .2f, .2f, .2f, .2f, .2f,  /* user 1 */
    .8f, .1f, .4f, .3f, .2f, .6f,  /* user 2 */
    1.f, 1.f, 1.f, 1.f, .1f, .2f,  /* user 3 */
};

void gr_test_hand_case_make(gr_test_hand_case *h)
{
    const uint32_t tu[] = {0, 3, 3, 3, 3, 2}, ti[] = {1, 0, 1, 2, 3, 0};
    const uint32_t mu[] = {1}, mi[] = {0};
    const uint32_t su[] = {0, 0, 1, 3, 3}, si[] = {2, 3, 5, 4, 5};
    gr_test_graph_from_pairs(&h->train, 4, 6, tu, ti, 6);
    gr_test_graph_from_pairs(&h->mask2, 4, 6, mu, mi, 1);
    gr_test_graph_from_pairs(&h->test, 4, 6, su, si, 5);
}

void gr_test_hand_case_free(gr_test_hand_case *h)
{
    gr_graph_free(&h->train);
    gr_graph_free(&h->mask2);
    gr_graph_free(&h->test);
}

char *gr_test_generated_split(const char *gen_args)
{
    char *dir = gr_test_mkdtemp();
    gr_test_run r = gr_test_cli("generate %s --quiet -o %s/all.tsv", gen_args, dir);
    if (r.exit_code != 0) fail_msg("generate: %s", r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("split %s/all.tsv --test 0.2 --seed 1 --quiet -o %s/split", dir, dir);
    if (r.exit_code != 0) fail_msg("split: %s", r.err);
    gr_test_run_free(&r);
    return dir;
}
