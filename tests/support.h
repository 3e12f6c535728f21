/* Helpers shared by the cmocka test programs: scratch directories, small files,
 * and running the gnnrec binary as a user would. */
#ifndef GR_TEST_SUPPORT_H
#define GR_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh directory under $TMPDIR (or /tmp); removed with everything in it by
 * gr_test_rmdir().  Returns a malloc'd path. */
char *gr_test_mkdtemp(void);
void gr_test_rmdir(const char *dir);

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

/* Path of the directory holding tests/data (from $GNNREC_TEST_DATA or "tests/data"). */
const char *gr_test_data_dir(void);
/* Path of ../shared/data relative to the repository, NULL when absent. */
const char *gr_test_shared_data(void);

#endif
