/* Reading social edges (trust, friendship, follows between users) in the id
 * space of an interaction dataset that is already loaded.
 *
 * A social file is an edge list, one edge "user<sep>user" per line, sep a
 * tab, a comma or blanks (detected from the first lines, as for interaction
 * files; "::" too).  Columns after the second (a trust value, a timestamp)
 * are ignored: an edge is there or not.  '#' and '%' comment lines, blank
 * lines, CRLF line ends, gzip and a first line of column names are handled as
 * loaders/load.h handles them.
 *
 * Ids are the interactions' user ids, never new ones: under integer ids an id
 * must be below n_users (the users' id space as loaded, so 1-based ids keep
 * their numbers), under string ids it must be in the users' map.  Any other
 * id is a bad row, "path:line: unknown user 'x' ..."; bad rows stop the load
 * or, with skip_bad_rows, are counted by class and skipped.  Direction,
 * self-loops and repeats are left to the caller (graph/social.h symmetrizes
 * and drops them). */
#ifndef GR_LOADERS_SOCIAL_H
#define GR_LOADERS_SOCIAL_H

#include <stdint.h>

#include "core/error.h"
#include "loaders/idmap.h"
#include "loaders/load.h"
#include "loaders/rows.h"

/* Reads path into *out (initialized here; user = first column, item =
 * second, both user indices; out->n_users = out->n_items = n_users).
 * user_ids: the users' string-id map, NULL for integer ids.  Of opts only
 * skip_bad_rows, max_line and progress apply: format, separator and header
 * are the social file's own, detected.  report may be NULL.  On error *out
 * holds nothing and msg reads "path:line: what is wrong". */
gr_status gr_social_load(gr_rows *out, const char *path, const gr_idmap *user_ids, uint32_t n_users,
                         const gr_load_opts *opts, gr_load_report *report, char *msg);

#endif
