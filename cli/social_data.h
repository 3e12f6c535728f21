/* Loading a run's social edges ([data] social, --social FILE) over the users
 * of interaction data that is already loaded, with a load report like the
 * interaction files' and errors as file:line. */
#ifndef GR_CLI_SOCIAL_DATA_H
#define GR_CLI_SOCIAL_DATA_H

#include <stdint.h>

#include "cli/common.h"
#include "graph/graph.h"
#include "loaders/idmap.h"

/* Reads path (loaders/social.h) with in's --skip-bad-rows and --max-line,
 * over the users of the interactions: user_ids their string-id map (NULL for
 * integer ids), n_users their id space.  *S becomes the users x users block,
 * symmetric, sorted, without self-loops or repeats (graph/social.h).  Prints
 * its report unless in->quiet, prints errors; returns an exit code. */
int gr_cli_load_social(gr_cli_input *in, const char *path, const gr_idmap *user_ids, uint32_t n_users, gr_csr *S);

#endif
