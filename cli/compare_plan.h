/* The plan of `gnnrec compare`: an INI file naming the shared settings and a
 * list of runs, each a complete gnnrec config with its seeds.
 *
 *   [compare]
 *   title = Gowalla: LightGCN against its baselines   ; the report's heading
 *   seeds = 3                  ; default for every run: seeds seed, seed+1, ...
 *   config = configs/gowalla-lightgcn.ini   ; optional base config of every run
 *   train = ../shared/data/gowalla/train.txt.gz   ; any gnnrec config key:
 *   test = ../shared/data/gowalla/test.txt.gz     ; shared by every run
 *   topk = 5,10,20,50,100
 *
 *   [run lightgcn]             ; one run: a name ([A-Za-z0-9._-], used in file names)
 *   config = configs/gowalla-lightgcn.ini   ; optional, instead of [compare]'s
 *   model = lightgcn           ; any gnnrec config key, for this run only
 *   epochs = 50
 *   seeds = 1                  ; optional, instead of [compare]'s
 *
 * A run's config is built in this order, each step overriding the ones
 * before: the defaults, its base config file, [compare]'s keys, its own keys,
 * and the command line's key=value overrides (which apply to every run).  Key
 * names are those of gnn/config.h, with or without their section (train or
 * data.train).  Paths, the base configs' included, are relative to the
 * current directory, as in every config. */
#ifndef GR_CLI_COMPARE_PLAN_H
#define GR_CLI_COMPARE_PLAN_H

#include <stdint.h>

#include "core/error.h"
#include "gnn/config.h"

#define GR_COMPARE_NAME_LEN 48
#define GR_COMPARE_TITLE_LEN 256
#define GR_COMPARE_MAX_RUNS 64
#define GR_COMPARE_MAX_SEEDS 100

typedef struct {
    char name[GR_COMPARE_NAME_LEN];
    gr_config cfg;    /* complete and checked; its seed is the first seed's */
    uint32_t seeds;   /* the run is trained with seed cfg.seed + 0 .. seeds - 1 */
    int line;         /* of its [run NAME] header, for messages */
} gr_compare_run;

typedef struct {
    char path[GR_PATH_MAX];             /* the plan's file */
    char title[GR_COMPARE_TITLE_LEN];   /* "" when the file gives none */
    uint32_t n_runs;
    gr_compare_run *runs;               /* in the file's order */
} gr_compare_plan;

/* Reads the plan at path and builds every run's config, applying the
 * overrides ("key=value" or "seeds=N") last.  only: NULL, or a
 * comma-separated list of run names to keep (each must exist).  Errors name
 * path:line. */
gr_status gr_compare_plan_load(gr_compare_plan *p, const char *path, char *const *overrides, int n_overrides,
                               const char *only, char *msg);
void gr_compare_plan_free(gr_compare_plan *p);

#endif
