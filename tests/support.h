/* Helpers shared by the cmocka test programs: scratch directories, small files,
 * and running the gnnrec binary as a user would. */
#ifndef GR_TEST_SUPPORT_H
#define GR_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "eval/scorer.h"
#include "graph/graph.h"
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

/* The same for a group whose tests share one generated split (600 users,
 * 400 items, 8 planted communities; `gnnrec generate ... --seed 3`):
 * gr_test_split_dir() holds split/train.txt and split/test.txt. */
int gr_test_split_setup(void **state);
int gr_test_split_teardown(void **state);
const char *gr_test_split_dir(void);
/* ItemPop's test recall@20 on that split (`gnnrec eval --baseline itempop`),
 * the bar every trained model's end-to-end test must clear. */
double gr_test_split_itempop_recall(void);

/* Writes bytes (gzip when the name ends in .gz) to scratch/name and loads
 * them into ds with gr_load_file. */
gr_status gr_test_load_bytes(gr_dataset *ds, const char *name, const void *data, size_t len, const gr_load_opts *o,
                             gr_load_report *rep, char *msg);
gr_status gr_test_load_text(gr_dataset *ds, const char *name, const char *text, const gr_load_opts *o,
                            gr_load_report *rep, char *msg);

/* A scratch directory holding DIR/all.tsv, made by `gnnrec generate GEN_ARGS`
 * (planted communities), and DIR/split/{train,test}.txt from `gnnrec split
 * --test 0.2 --seed 1`: the data of the training tests.  Malloc'd path. */
char *gr_test_generated_split(const char *gen_args);

/* dir/name, malloc'd. */
char *gr_test_path(const char *dir, const char *name);

/* Writes bytes to path (plain; gzip-compressed when the name ends in .gz). */
void gr_test_write_file(const char *path, const void *data, size_t len);
void gr_test_write_text(const char *path, const char *text);
/* Reads a whole file (gunzipping .gz); malloc'd and NUL-terminated. */
char *gr_test_read_file(const char *path, size_t *len);
int gr_test_file_exists(const char *path);
/* The number after "key": in the JSON file at dir/name (the first one);
 * fails the test when the file or the key is missing. */
double gr_test_json_number(const char *dir, const char *name, const char *key);
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

/* ---- evaluation fixtures (test_eval*.c) ----------------------------------- */

/* A graph over nu x ni from (user, item) pairs; fails the test on error. */
void gr_test_graph_from_pairs(gr_graph *g, uint32_t nu, uint32_t ni, const uint32_t *u, const uint32_t *i, size_t n);
/* Fails the test when got and want differ by more than 1e-6. */
void gr_test_assert_near(double got, double want);

/* A scorer returning rows of a fixed n_users x n_items matrix; remembers the
 * largest block asked for and can fail on the call numbered fail_at (1-based). */
typedef struct {
    const float *full;
    uint32_t n_users, n_items;
    size_t max_block, calls, fail_at;
} gr_test_fixed_scorer;

gr_scorer gr_test_fixed_scorer_of(gr_test_fixed_scorer *f);

/* The hand-computed evaluation case: 4 users x 6 items, K = 1, 3, 5.
 *   user 0: scores .5 .9 .9 .1 .7 .3, train {1}, test {2, 3}
 *           ranked 2 4 0 5 3 (item 1 masked) -> hits at ranks 0 and 4
 *   user 1: all scores .2, train {}, mask2 {0}, test {5}
 *           ranked 1 2 3 4 5 (ties by index)  -> hit at rank 4
 *   user 2: no test items: not evaluated
 *   user 3: scores 1 1 1 1 .1 .2, train {0,1,2,3}, test {4, 5}
 *           ranked 5 4 (a list of 2 only)    -> hits at ranks 0 and 1
 * Per user, IDCG(n) = sum_{r<n} 1/log2(r+2): IDCG(1) = 1, IDCG(2) = 1.6309297535714575.
 *   u0 @1: recall 1/2, prec 1, ndcg 1, hit 1, map 1/min(1,2) = 1, mrr 1
 *   u0 @3: recall 1/2, prec 1/3, ndcg 1/1.63093 = 0.6131471927654584, hit 1, map 1/2, mrr 1
 *   u0 @5: recall 1, prec 2/5, ndcg (1 + 1/log2 6)/1.63093 = 1.3868528072345416/1.6309297535714575
 *          = 0.8503449055347546, hit 1, map (1/1 + 2/5)/2 = 0.7, mrr 1
 *   u1 @1, @3: all 0
 *   u1 @5: recall 1, prec 1/5, ndcg (1/log2 6)/IDCG(1) = 0.38685280723454163, hit 1, map (1/5)/1, mrr 1/5
 *   u3 @1: recall 1/2, prec 1, ndcg 1, hit 1, map 1, mrr 1
 *   u3 @3: recall 1, prec 2/3 (K = 3 even with 2 ranked), ndcg 1, hit 1, map (1 + 2/2)/2 = 1, mrr 1
 *   u3 @5: recall 1, prec 2/5, ndcg 1, hit 1, map 1, mrr 1
 * Coverage: top-1 lists {2}, {1}, {5} -> 3/6; top-3 {2,4,0} {1,2,3} {5,4} -> 6/6. */
extern const float gr_test_hand_scores[4 * 6];

typedef struct {
    gr_graph train, mask2, test;
} gr_test_hand_case;

void gr_test_hand_case_make(gr_test_hand_case *h);
void gr_test_hand_case_free(gr_test_hand_case *h);

#endif
