#include "cli/social_data.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/format.h"
#include "graph/social.h"
#include "loaders/social.h"

static void print_report(const char *path, const gr_load_report *r, const gr_build_report *b, const gr_csr *S)
{
    char a[GR_FMT_LEN], e[GR_FMT_LEN], u[GR_FMT_LEN];
    fprintf(stderr, "loaded social edges %s: %s rows, %s edges (symmetric) among %s users, in %.2f s", path,
            gr_fmt_count(a, r->kept), gr_fmt_count(e, S->nnz / 2), gr_fmt_count(u, gr_csr_nonempty_rows(S)),
            r->seconds + b->seconds);
    if (b->duplicates || b->self_loops)
        fprintf(stderr, "; %s repeated or reverse pairs merged, %s self-loops dropped", gr_fmt_count(a, b->duplicates),
                gr_fmt_count(e, b->self_loops));
    fprintf(stderr, "\n");
    if (r->bad) {
        fprintf(stderr, "  %s bad row%s skipped:", gr_fmt_count(a, r->bad), r->bad == 1 ? "" : "s");
        for (int k = 0; k < GR_BAD_NCLASSES; k++)
            if (r->bad_by_class[k])
                fprintf(stderr, " %s %llu;", gr_bad_class_name((gr_bad_class)k), (unsigned long long)r->bad_by_class[k]);
        fprintf(stderr, "\n  first: %s\n", r->first_bad);
    }
}

int gr_cli_load_social(gr_cli_input *in, const char *path, const gr_idmap *user_ids, uint32_t n_users, gr_csr *S)
{
    char msg[GR_MSG_LEN] = "";
    gr_rows rows;
    gr_load_report rep;
    gr_build_report brep;
    memset(S, 0, sizeof *S);
    int show = in->quiet ? 0 : (in->progress >= 0 ? in->progress : isatty(STDERR_FILENO));
    gr_progress_start(&in->bar, "loading", show);
    gr_load_opts o = in->load;
    o.progress = &in->bar;
    gr_status s = gr_social_load(&rows, path, user_ids, n_users, &o, &rep, msg);
    gr_progress_finish(&in->bar);
    if (s != GR_OK) return gr_cli_error(s, msg);
    s = gr_social_build(S, &rows, &brep, msg); /* frees rows */
    if (s != GR_OK) return gr_cli_error(s, msg);
    if (!in->quiet) print_report(path, &rep, &brep, S);
    return GR_EXIT_OK;
}
