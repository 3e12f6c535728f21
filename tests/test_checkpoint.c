/* Checkpoints end to end: a run stopped after 4 epochs and resumed to 6 makes
 * the same model file, byte for byte, and the same test metrics as a run of 6
 * (also in the unipartite view of a follower graph, whose state has half the
 * rows);
 * a damaged checkpoint is refused naming the section, resuming on changed data
 * is refused, and so is an override that changes the maths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tests/support.h"

static char *dir, *follow_dir;

static int setup(void **state)
{
    (void)state;
    dir = gr_test_generated_split("--users 300 --items 200 --edges 8000 --communities 4 --exponent 0.5 --p-in 0.9 --seed 3");
    follow_dir = gr_test_mkdtemp();
    gr_test_run r = gr_test_cli("generate --kind follows --users 300 --edges 6000 --communities 4 --seed 3 --quiet "
                                "-o %s/all.tsv", follow_dir);
    if (r.exit_code != 0) fail_msg("generate: %s", r.err);
    gr_test_run_free(&r);
    r = gr_test_cli("split %s/all.tsv --graph directed --test 0.2 --seed 1 --quiet -o %s/split", follow_dir, follow_dir);
    if (r.exit_code != 0) fail_msg("split: %s", r.err);
    gr_test_run_free(&r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gr_test_rmdir(dir);
    free(dir);
    gr_test_rmdir(follow_dir);
    free(follow_dir);
    return 0;
}

/* eval_every=3 with checkpoints every 2: the 4-epoch run evaluates epoch 3
 * (so the checkpoint carries a best epoch) and, being its last, epoch 4 --
 * an evaluation the 6-epoch run never makes, which must not leak into the
 * checkpoint. */
static const char lightgcn[] = "dim=16 batch=256 lr=0.01 lr_decay=0.9 eval_every=3 patience=0 threads=2 checkpoint_every=2";
/* MF with SGD and one evaluation at the end: no Adam state, no best epoch. */
static const char mf_sgd[] = "model=mf optimizer=sgd dim=16 batch=256 lr=0.05 eval_every=0 threads=2 checkpoint_every=2";
/* AdaGrad: its accumulators are the state (section ADAG); MF steps on the
 * batch's rows, LightGCN on all of them. */
static const char mf_adagrad[] =
    "model=mf optimizer=adagrad dim=16 batch=256 lr=0.05 lr_decay=0.9 eval_every=3 patience=0 threads=2 checkpoint_every=2";
static const char lightgcn_adagrad[] =
    "dim=16 layers=2 optimizer=adagrad batch=256 lr=0.05 eval_every=0 threads=2 checkpoint_every=2";

static gr_test_run train(const char *settings, const char *extra)
{
    return gr_test_cli("train train=%s/split/train.txt test=%s/split/test.txt %s %s", dir, dir, settings, extra);
}

static void run_ok(gr_test_run r, const char *what)
{
    if (r.exit_code != 0) fail_msg("%s: exit %d\n%s", what, r.exit_code, r.err);
    gr_test_run_free(&r);
}

static char *path(const char *name)
{
    char *p = gr_test_path(dir, name);
    assert_non_null(p);
    return p;
}

static void assert_same_file(const char *a_name, const char *b_name)
{
    char *a = path(a_name), *b = path(b_name);
    size_t la = 0, lb = 0;
    char *fa = gr_test_read_file(a, &la), *fb = gr_test_read_file(b, &lb);
    if (fa == NULL || fb == NULL) fail_msg("cannot read %s or %s", a, b);
    assert_int_equal(la, lb);
    if (memcmp(fa, fb, la) != 0) fail_msg("%s and %s differ", a_name, b_name);
    free(fa);
    free(fb);
    free(a);
    free(b);
}

/* The metrics table train prints, without the timing line after it. */
static char *metrics_table(const char *out)
{
    const char *end = strstr(out, "coverage");
    assert_non_null(end);
    end = strchr(end, '\n');
    assert_non_null(end);
    return strndup(out, (size_t)(end - out));
}

static void check_resume(const char *settings, const char *tag)
{
    char extra[512];
    snprintf(extra, sizeof extra, "epochs=6 --quiet -o %s/%s-A.gnr", dir, tag);
    gr_test_run a = train(settings, extra);
    if (a.exit_code != 0) fail_msg("run A: %s", a.err);
    snprintf(extra, sizeof extra, "epochs=4 --quiet -o %s/%s-C.gnr --checkpoint %s/%s-4.ckpt", dir, tag, dir, tag);
    run_ok(train(settings, extra), "run of 4 epochs");
    gr_test_run b = gr_test_cli("train --resume %s/%s-4.ckpt epochs=6 --quiet -o %s/%s-B.gnr", dir, tag, dir, tag);
    if (b.exit_code != 0) fail_msg("resume: %s", b.err);

    char name_a[64], name_b[64];
    snprintf(name_a, sizeof name_a, "%s-A.gnr", tag);
    snprintf(name_b, sizeof name_b, "%s-B.gnr", tag);
    assert_same_file(name_a, name_b);
    /* Their last checkpoints (the default OUTPUT.ckpt) agree too. */
    snprintf(name_a, sizeof name_a, "%s-A.gnr.ckpt", tag);
    snprintf(name_b, sizeof name_b, "%s-B.gnr.ckpt", tag);
    assert_same_file(name_a, name_b);
    char *ta = metrics_table(a.out), *tb = metrics_table(b.out);
    assert_string_equal(ta, tb);
    free(ta);
    free(tb);
    gr_test_run_free(&a);
    gr_test_run_free(&b);
}

/* The unipartite view on the follower split (later keys win, so train= and
 * test= replace the interaction split's): LightGCN with Adam and a best
 * epoch, and tied MF with SGD. */
static void test_resume_unipartite(void **state)
{
    (void)state;
    char data[2048], settings[4096];
    snprintf(data, sizeof data, "train=%s/split/train.txt test=%s/split/test.txt graph=directed view=unipartite",
             follow_dir, follow_dir);
    snprintf(settings, sizeof settings, "%s reciprocal_weight=2 %s", data, lightgcn);
    check_resume(settings, "uni-lgcn");
    snprintf(settings, sizeof settings, "%s %s", data, mf_sgd);
    check_resume(settings, "uni-mf");
}

static void test_resume_is_exact(void **state)
{
    (void)state;
    check_resume(lightgcn, "lgcn");
    check_resume(mf_sgd, "mf");
    check_resume(mf_adagrad, "mf-ag");
    check_resume(lightgcn_adagrad, "lgcn-ag");
    /* DNS candidates come from streams of (seed, epoch, triple) */
    char settings[512];
    snprintf(settings, sizeof settings, "%s neg_sampler=dns dns_candidates=4", lightgcn);
    check_resume(settings, "lgcn-dns");
    /* A checkpoint is also a model file: eval reads it. */
    gr_test_run r = gr_test_cli("eval %s/lgcn-4.ckpt", dir);
    if (r.exit_code != 0) fail_msg("eval of a checkpoint: %s", r.err);
    assert_non_null(strstr(r.out, "recall"));
    gr_test_run_free(&r);
}

/* ---- refusals ------------------------------------------------------------ */

static void expect_refused(gr_test_run r, int code, const char *needle)
{
    if (r.exit_code != code || strstr(r.err, needle) == NULL)
        fail_msg("expected exit %d and \"%s\", got exit %d:\n%s", code, needle, r.exit_code, r.err);
    gr_test_run_free(&r);
}

/* Offset of section tag's payload in a checkpoint's bytes, or 0. */
static size_t find_section(const unsigned char *f, size_t size, const char *tag, size_t *len)
{
    size_t at = 12;
    while (at + 12 <= size) {
        uint64_t l = 0;
        for (int i = 0; i < 8; i++) l |= (uint64_t)f[at + 4 + i] << (8 * i);
        if (memcmp(f + at, tag, 4) == 0) {
            *len = (size_t)l;
            return at + 12;
        }
        at += 12 + (size_t)l + 4;
    }
    return 0;
}

static void test_corrupt_checkpoint(void **state)
{
    (void)state;
    char *good = path("lgcn-4.ckpt"), *bad = path("bad.ckpt");
    size_t size = 0;
    unsigned char *f = (unsigned char *)gr_test_read_file(good, &size);
    assert_non_null(f);
    static const char *const tags[] = {"TRST", "ADMM", "ADMV", "BEST", "EGO "};
    for (size_t k = 0; k < sizeof tags / sizeof *tags; k++) {
        size_t len = 0, at = find_section(f, size, tags[k], &len);
        if (at == 0 || len == 0) fail_msg("no section %s in the checkpoint", tags[k]);
        f[at + len / 2] ^= 0x10;
        gr_test_write_file(bad, f, size);
        f[at + len / 2] ^= 0x10;
        char needle[32];
        snprintf(needle, sizeof needle, "section %s CRC mismatch", tags[k]);
        expect_refused(gr_test_cli("train --resume %s epochs=6 --quiet", bad), 1, needle);
    }
    /* Cut inside ADMV. */
    size_t len = 0, at = find_section(f, size, "ADMV", &len);
    gr_test_write_file(bad, f, at + len / 2);
    expect_refused(gr_test_cli("train --resume %s epochs=6 --quiet", bad), 1, "truncated in section ADMV");
    /* A well-formed TRST (CRC fixed up) whose epoch disagrees with DIMS. */
    at = find_section(f, size, "TRST", &len);
    assert_int_equal(len, 48);
    f[at] ^= 1;
    uint32_t crc = (uint32_t)crc32(0L, f + at, (uInt)len);
    for (int i = 0; i < 4; i++) f[at + len + (size_t)i] = (unsigned char)(crc >> (8 * i));
    gr_test_write_file(bad, f, size);
    expect_refused(gr_test_cli("train --resume %s epochs=6 --quiet", bad), 1, "section TRST holds impossible values");
    /* AdaGrad's accumulators are checked like Adam's moments; a checkpoint
     * of another optimizer has none (its format is what it was before
     * AdaGrad, so older checkpoints load). */
    free(f);
    char *ag = path("mf-ag-4.ckpt");
    f = (unsigned char *)gr_test_read_file(ag, &size);
    assert_non_null(f);
    size_t ego_len = 0;
    assert_true(find_section(f, size, "EGO ", &ego_len) > 0);
    at = find_section(f, size, "ADAG", &len);
    if (at == 0 || len != ego_len) fail_msg("ADAG: %zu bytes, EGO %zu", len, ego_len); /* one float per parameter */
    f[at + len / 2] ^= 0x10;
    gr_test_write_file(bad, f, size);
    expect_refused(gr_test_cli("train --resume %s epochs=6 --quiet", bad), 1, "section ADAG CRC mismatch");
    f[at + len / 2] ^= 0x10;
    memcpy(f + at - 12, "XDAG", 4); /* renamed: now an unknown section, skipped, so ADAG is missing */
    gr_test_write_file(bad, f, size);
    expect_refused(gr_test_cli("train --resume %s epochs=6 --quiet", bad), 1, "section ADAG missing");
    size_t adam_len = 0, mf_len = 0;
    unsigned char *adam = (unsigned char *)gr_test_read_file(good, &adam_len);
    char *mf = path("mf-4.ckpt");
    unsigned char *sgd = (unsigned char *)gr_test_read_file(mf, &mf_len);
    assert_true(adam && sgd);
    assert_int_equal(find_section(adam, adam_len, "ADAG", &len), 0);
    assert_int_equal(find_section(sgd, mf_len, "ADAG", &len), 0);
    free(adam);
    free(sgd);
    free(mf);
    free(ag);
    /* A model file is not a checkpoint. */
    expect_refused(gr_test_cli("train --resume %s/lgcn-A.gnr epochs=6 --quiet", dir), 1, "not a checkpoint");
    free(f);
    free(good);
    free(bad);
}

/* Swaps the items of the first two users: same shape and nnz, other data. */
static void swap_first_rows(const char *file)
{
    char *text = gr_test_read_file(file, NULL);
    assert_non_null(text);
    /* Offsets (strchr on pointers derived from strchr upsets gcc's overread
     * check): row 1 is [0, e1), row 2 is [e1 + 1, e2); s1, s2 their first space. */
    size_t e1 = strcspn(text, "\n");
    assert_true(text[e1] == '\n');
    size_t e2 = e1 + 1 + strcspn(text + e1 + 1, "\n");
    assert_true(text[e2] == '\n');
    size_t s1 = strcspn(text, " "), s2 = e1 + 1 + strcspn(text + e1 + 1, " ");
    assert_true(s1 < e1 && s2 < e2);
    size_t n = strlen(text);
    char *out = malloc(n + 1), *o = out;
    assert_non_null(out);
    o += sprintf(o, "%.*s%.*s\n", (int)s1, text, (int)(e2 - s2), text + s2);
    o += sprintf(o, "%.*s%.*s\n", (int)(s2 - e1 - 1), text + e1 + 1, (int)(e1 - s1), text + s1);
    strcpy(o, text + e2 + 1);
    gr_test_write_text(file, out);
    free(out);
    free(text);
}

static void test_changed_data(void **state)
{
    (void)state;
    char *src = path("split/train.txt"), *copy = path("train-copy.txt");
    char *text = gr_test_read_file(src, NULL);
    assert_non_null(text);
    gr_test_write_text(copy, text);
    gr_test_run r = gr_test_cli("train train=%s test=%s/split/test.txt %s epochs=2 --quiet --checkpoint %s/copy.ckpt",
                                copy, dir, lightgcn, dir);
    run_ok(r, "run on the copy");
    swap_first_rows(copy);
    expect_refused(gr_test_cli("train --resume %s/copy.ckpt epochs=4 --quiet", dir), 1, "checksum mismatch");
    /* One user fewer. */
    char *cut = strchr(text, '\n');
    assert_non_null(cut);
    gr_test_write_text(copy, cut + 1);
    expect_refused(gr_test_cli("train --resume %s/copy.ckpt epochs=4 --quiet", dir), 1,
                   "the training data has changed");
    free(text);
    free(src);
    free(copy);
}

static void test_overrides(void **state)
{
    (void)state;
    expect_refused(gr_test_cli("train --resume %s/lgcn-4.ckpt epochs=6 lr=0.5 --quiet", dir), 2,
                   "lr cannot change on --resume");
    expect_refused(gr_test_cli("train --resume %s/lgcn-4.ckpt epochs=6 train.decay=0.1 --quiet", dir), 2,
                   "decay cannot change");
    expect_refused(gr_test_cli("train --resume %s/lgcn-4.ckpt epochs=6 test=%s/all.tsv --quiet", dir, dir), 2,
                   "test cannot change");
    expect_refused(gr_test_cli("train --resume %s/lgcn-4.ckpt epochs=6 --config configs/ml100k-lightgcn.ini", dir),
                   2, "drop --config");
    expect_refused(gr_test_cli("train --resume %s/lgcn-4.ckpt epochs=4 --quiet", dir), 2, "at epoch 4");
    /* The same value, and the keys that leave the maths alone, are fine. */
    char *out = path("ok.gnr");
    gr_test_run r = gr_test_cli("train --resume %s/lgcn-4.ckpt lr=0.01 epochs=5 patience=3 eval_every=1 "
                                "checkpoint_every=1 threads=1 --quiet -o %s", dir, out);
    run_ok(r, "resume with allowed overrides");
    assert_true(gr_test_file_exists(out));
    free(out);
}

/* ---- the training log ---------------------------------------------------- */

/* The log of a killed run goes on where its checkpoint was: the epochs the
 * killed run logged after it (and a line torn by the kill) are cut, so the
 * resumed log holds every epoch once.  --log-test adds test metrics. */
static void test_resumed_log(void **state)
{
    (void)state;
    char *log = path("run.log");
    char extra[512];
    snprintf(extra, sizeof extra, "epochs=4 valid_share=0.1 eval_every=1 --quiet --log %s --log-test --checkpoint %s/log.ckpt",
             log, dir);
    run_ok(train(lightgcn, extra), "run of 4 epochs with a log");
    FILE *f = fopen(log, "a");
    assert_non_null(f);
    fputs("{\"epoch\": 5, \"loss\": 99}\n{\"epoch\": 6, \"lo", f); /* what the killed run wrote */
    fclose(f);
    run_ok(gr_test_cli("train --resume %s/log.ckpt epochs=6 --quiet --log %s --log-test", dir, log), "resume with a log");

    size_t len = 0;
    char *text = gr_test_read_file(log, &len);
    assert_non_null(text);
    int lines = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        unsigned epoch = 0;
        if (sscanf(line, "{\"epoch\": %u", &epoch) != 1 || epoch != (unsigned)lines + 1) fail_msg("line %d: %s", lines + 1, line);
        if (strstr(line, "\"loss\": 99") || !strstr(line, "\"test\": {\"recall@") || line[strlen(line) - 1] != '}')
            fail_msg("line %d: %s", lines + 1, line);
    }
    assert_int_equal(lines, 6);
    free(text);

    /* gnnrec curve reads it back: six evaluations, a chart. */
    char *chart = path("curve.svg");
    gr_test_run c = gr_test_cli("curve --y test.recall@20 --x wall --target 0 -o %s run=%s", chart, log);
    if (c.exit_code != 0 || strstr(c.out, "run: 6 evaluations to epoch 6") == NULL ||
        strstr(c.out, ">= 0.0000 first at epoch 1") == NULL)
        fail_msg("curve: exit %d\n%s%s", c.exit_code, c.out, c.err);
    gr_test_run_free(&c);
    assert_true(gr_test_file_exists(chart));
    expect_refused(gr_test_cli("curve --y ndcg@20 -o %s run=%s", chart, log), 1, "no line holds \"ndcg@20\"");
    f = fopen(log, "a");
    assert_non_null(f);
    fputs("not json\n", f);
    fclose(f);
    expect_refused(gr_test_cli("curve -o %s run=%s", chart, log), 1, "run.log:7: not a training-log line");
    free(chart);
    free(log);
    char *other = path("other.log");
    char arg[512];
    snprintf(arg, sizeof arg, "epochs=1 --quiet --log-test --log %s", other);
    expect_refused(train(lightgcn, arg), 2, "--log-test needs both a validation split");
    expect_refused(train(lightgcn, "epochs=1 valid_share=0.1 --quiet --log-test"), 2, "give --log FILE too");
    free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_is_exact),
        cmocka_unit_test(test_resume_unipartite),
        cmocka_unit_test(test_resumed_log),
        cmocka_unit_test(test_corrupt_checkpoint),
        cmocka_unit_test(test_changed_data),
        cmocka_unit_test(test_overrides),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
