#include "cli/curve_chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/svg.h"

int gr_curve_axis_parse(const char *name)
{
    static const char *const names[] = {"epoch", "seconds", "wall", "hours"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0) return i;
    return -1;
}

const double *gr_curve_x(const gr_log_series *s, gr_curve_axis axis)
{
    switch (axis) {
    case GR_CURVE_EPOCH: return s->epoch;
    case GR_CURVE_SECONDS: return s->train_seconds;
    case GR_CURVE_WALL:
    case GR_CURVE_HOURS: break;
    }
    return s->wall_seconds;
}

static const char *x_label(gr_curve_axis axis)
{
    switch (axis) {
    case GR_CURVE_EPOCH: return "epoch";
    case GR_CURVE_SECONDS: return "training seconds (evaluations excluded)";
    case GR_CURVE_WALL: break;
    case GR_CURVE_HOURS: return "wall-clock hours (training + evaluations)";
    }
    return "wall-clock seconds (training + evaluations)";
}

gr_status gr_curve_render(gr_output *o, const gr_curve_line *lines, size_t n_lines, const gr_curve_opts *opts,
                          char *msg)
{
    gr_status status = GR_OK;
    const int hours = opts->axis == GR_CURVE_HOURS;
    gr_svg_series *series = calloc(n_lines + 1, sizeof *series); /* the lines and the target */
    double **scaled = calloc(n_lines + 1, sizeof *scaled);       /* x in hours, when asked */
    GR_CHECK_ALLOC(series, "the chart's series");
    GR_CHECK_ALLOC(scaled, "the chart's series");
    double span[2] = {INFINITY, -INFINITY}, level[2] = {opts->target, opts->target};
    for (size_t r = 0; r < n_lines; r++) {
        const gr_log_series *s = lines[r].s;
        const double *x = gr_curve_x(s, opts->axis);
        if (hours) {
            scaled[r] = malloc(s->n * sizeof *scaled[r]);
            GR_CHECK_ALLOC(scaled[r], "the chart's series");
            for (size_t i = 0; i < s->n; i++) scaled[r][i] = x[i] / 3600.0;
            x = scaled[r];
        }
        series[r] = (gr_svg_series){.name = lines[r].label, .x = x, .y = s->value, .n = s->n, .style = GR_SVG_LINES,
                                    .color = lines[r].color};
        /* the target as a line across the widest run */
        if (s->n > 0) {
            span[0] = fmin(span[0], x[0]);
            span[1] = fmax(span[1], x[s->n - 1]);
        }
    }
    char target_name[48];
    snprintf(target_name, sizeof target_name, "target %.4f", opts->target);
    size_t n_series = n_lines;
    if (!isnan(opts->target) && n_lines > 0)
        series[n_series++] = (gr_svg_series){.name = target_name, .x = span, .y = level, .n = 2,
                                             .style = GR_SVG_LINES, .color = "#888888"};
    const gr_svg_chart chart = {.title = opts->title, .x_label = x_label(opts->axis), .y_label = opts->y_key,
                                .width = opts->width, .height = opts->height, .legend_bottom = opts->legend_bottom};
    GR_TRY(gr_svg_render(o, &chart, series, n_series, msg));
fail:
    for (size_t r = 0; scaled != NULL && r < n_lines; r++) free(scaled[r]);
    free(scaled);
    free(series);
    return status;
}
