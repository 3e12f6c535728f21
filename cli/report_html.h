/* index.html of `gnnrec compare`: one self-contained page (inline CSS and
 * SVG, no script, nothing fetched) with the results table, recall@K and
 * ndcg@K against K per run, each run's training curve (its selection metric
 * against epochs and against training seconds, from its training log), and
 * each seed's details.  Every string from a config, a path or an error is
 * escaped. */
#ifndef GR_CLI_REPORT_HTML_H
#define GR_CLI_REPORT_HTML_H

#include <stddef.h>

#include "cli/compare_plan.h"
#include "cli/compare_results.h"
#include "core/error.h"

/* Writes dir/index.html atomically; reads the runs' logs under dir/logs. */
gr_status gr_report_html_write(const char *dir, const gr_compare_plan *p, const gr_compare_result *rs, size_t n,
                               char *msg);

#endif
