/* Helpers shared by the cmocka test programs: scratch directories, small files,
 * and running the gnnrec binary as a user would. */
#ifndef GR_TEST_SUPPORT_H
#define GR_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "loaders/load.h"

/* A fresh directory under $TMPDIR (or /tmp); removed with everything in it by
 * gr_test_rmdir().  Returns a malloc'd path. */
char *gr_test_mkdtemp(void);
void gr_test_rmdir(const char *dir);

/* One scratch directory for a whole test group: pass these two to
 * cmocka_run_group_tests; gr_test_scratch() is the directory. */
int gr_test_scratch_setup(void **state);
int gr_test_scratch_teardown(void **state);
const char *gr_test_scratch(void);

/* Writes bytes (gzip when the name ends in .gz) to scratch/name and loads
 * them into ds with gr_load_file. */
gr_status gr_test_load_bytes(gr_dataset *ds, const char *name, const void *data, size_t len, const gr_load_opts *o,
                             gr_load_report *rep, char *msg);
gr_status gr_test_load_text(gr_dataset *ds, const char *name, const char *text, const gr_load_opts *o,
                            gr_load_report *rep, char *msg);

/* dir/name, malloc'd. */
char *gr_test_path(const char *dir, const char *name);

/* Writes bytes to path (plain; gzip-compressed when the name ends in .gz). */
void gr_test_write_file(const char *path, const void *data, size_t len);
void gr_test_write_text(const char *path, const char *text);
/* Reads a whole file (gunzipping .gz); malloc'd and NUL-terminated. */
char *gr_test_read_file(const char *path, size_t *len);
int gr_test_file_exists(const char *path);
/* Number of entries in dir (excluding . and ..). */
int gr_test_count_entries(const char *dir);

/* Result of running the CLI. */
typedef struct {
    int exit_code;  /* -1 when killed by a signal */
    char *out;      /* stdout */
    char *err;      /* stderr */
} gr_test_run;

/* Runs "$GNNREC_BIN args..." (build/gnnrec by default) through /bin/sh with the
 * given command line, capturing stdout and stderr.  printf-style. */
gr_test_run gr_test_cli(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gr_test_run_free(gr_test_run *r);

/* A set of (user, item) pairs as sorted "user item" strings, so files are
 * compared independently of line and token order.  Duplicates are kept, so a
 * repeated pair shows as a set one too long. */
typedef struct {
    char **v;
    size_t n, cap;
} gr_test_pairs;

void gr_test_pairs_push(gr_test_pairs *s, char *owned);
void gr_test_pairs_add(gr_test_pairs *s, const char *user, size_t ulen, const char *item, size_t ilen);
/* Adds the pairs of adjacency lines "user item item ..." (adj = 1) or edge
 * lines "user<ws>item[<ws>...]" (adj = 0), then sorts the set. */
void gr_test_pairs_parse(gr_test_pairs *s, const char *text, int adj);
/* The same for a file (gunzipped when .gz); fails the test when unreadable. */
void gr_test_pairs_read(gr_test_pairs *s, const char *path, int adj);
void gr_test_pairs_sort(gr_test_pairs *s);
void gr_test_pairs_free(gr_test_pairs *s);

/* Path of the directory holding tests/data (from $GNNREC_TEST_DATA or "tests/data"). */
const char *gr_test_data_dir(void);
/* Path of ../shared/data relative to the repository, NULL when absent. */
const char *gr_test_shared_data(void);

#endif
