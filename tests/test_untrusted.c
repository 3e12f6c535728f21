/* Model files as untrusted input: sizes read from a header are checked
 * against the file before anything is allocated, so a tiny file claiming a
 * huge model is refused at once, with a clear message, inside an address
 * space far too small for what it claims; counts that would overflow are
 * refused; and every section's CRC is checked before its contents are used
 * (for a payload that parses cleanly once its CRC is fixed up, too).
 * test_model_file.c flips every byte of a real model; test_checkpoint.c does
 * the checkpoint's own sections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/bytes.h"
#include "gnn/checkpoint.h"
#include "gnn/model_file.h"
#include "loaders/idmap_io.h"
#include "tests/support.h"

static const unsigned char MAGIC[12] = {'G', 'N', 'N', 'R', 'E', 'C', 0, 1, 1, 0, 0, 0};

/* Appends one section (tag, u64 length, payload, CRC) at f + *at. */
static void put_section(unsigned char *f, size_t *at, const char *tag, const void *data, size_t len)
{
    memcpy(f + *at, tag, 4);
    gr_put_u64(f + *at + 4, len);
    if (len > 0) memcpy(f + *at + 12, data, len);
    gr_put_u32(f + *at + 12 + len, (uint32_t)crc32(0L, f + *at + 12, (uInt)len));
    *at += 16 + len;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Writes the bytes to path and loads them as a model and as a checkpoint,
 * each of which must be refused with GR_ERR_INPUT (not GR_ERR_NOMEM: an
 * attempt to allocate what the header claims would fail here) and a message
 * holding want, in well under a second.  Returns 0 when all of that holds. */
static int refused_cleanly(const char *path, const void *bytes, size_t len, const char *want)
{
    gr_test_write_file(path, bytes, len);
    char msg[GR_MSG_LEN];
    double t0 = now();
    gr_model m;
    gr_status s = gr_model_load(&m, path, msg);
    if (s != GR_ERR_INPUT || strstr(msg, want) == NULL || strstr(msg, path) == NULL) {
        fprintf(stderr, "model: status %d, message '%s', wanted '%s'\n", (int)s, msg, want);
        return 1;
    }
    gr_checkpoint ck;
    s = gr_checkpoint_load(&ck, path, msg);
    if (s != GR_ERR_INPUT || strstr(msg, want) == NULL) {
        fprintf(stderr, "checkpoint: status %d, message '%s', wanted '%s'\n", (int)s, msg, want);
        return 1;
    }
    if (now() - t0 > 0.5) {
        fprintf(stderr, "took %.3f s\n", now() - t0);
        return 1;
    }
    return 0;
}

/* Runs the checks of refused_cleanly in a child process whose address space
 * is capped 256 MiB above what it already uses, so a hostile allocation
 * fails instead of being overcommitted.  ASan reserves terabytes of shadow,
 * so a sanitizer build runs them without the cap. */
static void expect_refused_in_small_space(const char *path, const void *bytes, size_t len, const char *want)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
#ifndef __SANITIZE_ADDRESS__
        unsigned long pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (f == NULL || fscanf(f, "%lu", &pages) != 1) _exit(3);
        fclose(f);
        rlim_t cap = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + ((rlim_t)256 << 20);
        struct rlimit rl = {cap, cap};
        if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(3);
#endif
        _exit(refused_cleanly(path, bytes, len, want));
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fail_msg("refusing '%s' failed (wait status %d)", want, st);
}

/* 40 bytes: the header and a CONF section claiming 2^64 - 1 bytes; 60 bytes:
 * a DIMS (valid CRC) claiming 2 x (2^32 - 1) rows of 4096 floats, 128 TiB. */
static void test_tiny_file_huge_claims(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "huge.gnr");
    unsigned char f[128] = {0};
    memcpy(f, MAGIC, 12);
    memcpy(f + 12, "CONF", 4);
    gr_put_u64(f + 16, UINT64_MAX);
    expect_refused_in_small_space(path, f, 40, "truncated in section CONF");
    gr_put_u64(f + 16, UINT64_MAX - 15); /* offset + length wraps around */
    expect_refused_in_small_space(path, f, 40, "truncated in section CONF");

    unsigned char dims[32] = {0};
    gr_put_u32(dims, UINT32_MAX);
    gr_put_u32(dims + 4, UINT32_MAX);
    gr_put_u32(dims + 8, 4096);
    size_t at = 12;
    put_section(f, &at, "DIMS", dims, sizeof dims);
    assert_int_equal(at, 60);
    expect_refused_in_small_space(path, f, at,
                                  "section DIMS claims 4294967295 + 4294967295 rows x 4096 floats, more than the file holds");
    gr_test_rmdir(dir);
    free(path);
    free(dir);
}

/* Id maps whose count or string length would overflow or overrun, inside a
 * model whose CRCs are all right, so only the bounds checks stand between
 * them and an allocation. */
static void test_overflowing_counts(void **state)
{
    (void)state;
    char msg[GR_MSG_LEN];
    gr_idmap *m = NULL;
    unsigned char count[8] = {0};
    gr_put_u32(count, UINT32_MAX);
    assert_int_equal(gr_idmap_deserialize(&m, count, sizeof count, msg), GR_ERR_INPUT);
    assert_non_null(strstr(msg, "claims 4294967295 ids in 8 bytes"));
    unsigned char length[12] = {1, 0, 0, 0};
    gr_put_u32(length + 4, UINT32_MAX);
    assert_int_equal(gr_idmap_deserialize(&m, length, sizeof length, msg), GR_ERR_INPUT);
    assert_non_null(strstr(msg, "id 0 claims 4294967295 bytes, 4 remain"));
    assert_null(m);

    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "ids.gnr");
    unsigned char f[256] = {0}, dims[32] = {0};
    memcpy(f, MAGIC, 12);
    gr_put_u32(dims, 1);
    gr_put_u32(dims + 4, 1);
    gr_put_u32(dims + 8, 1);
    gr_put_u32(dims + 12, 1); /* string ids */
    size_t at = 12;
    put_section(f, &at, "DIMS", dims, sizeof dims);
    put_section(f, &at, "UIDS", count, sizeof count);
    put_section(f, &at, "END ", "", 0);
    expect_refused_in_small_space(path, f, at, "section UIDS: id map: claims 4294967295 ids");
    gr_test_rmdir(dir);
    free(path);
    free(dir);
}

/* A CONF payload that would load fine, but whose CRC does not match: it must
 * be refused for the CRC, before the config parser sees it. */
static void test_crc_before_use(void **state)
{
    (void)state;
    char *dir = gr_test_mkdtemp(), *path = gr_test_path(dir, "conf.gnr");
    unsigned char f[256] = {0};
    memcpy(f, MAGIC, 12);
    const char *conf = "[model]\ndim = 8\n";
    size_t at = 12;
    put_section(f, &at, "CONF", conf, strlen(conf));
    f[at - 5] ^= 0x01; /* the last payload byte: "8" becomes "9" */
    expect_refused_in_small_space(path, f, at, "section CONF CRC mismatch");
    gr_test_rmdir(dir);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_file_huge_claims),
        cmocka_unit_test(test_overflowing_counts),
        cmocka_unit_test(test_crc_before_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
