/* One chart of training-log series: a metric against epochs, training
 * seconds or wall-clock time, one line per log and an optional target line.
 * `gnnrec curve` writes it as a file; `gnnrec compare` puts it in its HTML
 * report. */
#ifndef GR_CLI_CURVE_CHART_H
#define GR_CLI_CURVE_CHART_H

#include <stddef.h>

#include "cli/train_log.h"
#include "core/error.h"
#include "core/output.h"

typedef enum { GR_CURVE_EPOCH, GR_CURVE_SECONDS, GR_CURVE_WALL, GR_CURVE_HOURS } gr_curve_axis;

typedef struct {
    const char *label;          /* legend entry */
    const gr_log_series *s;     /* n >= 1 points */
    const char *color;          /* CSS colour; NULL: the palette's, by position */
} gr_curve_line;

/* "epoch", "seconds", "wall" or "hours"; -1 for anything else. */
int gr_curve_axis_parse(const char *name);

/* The x values of s on this axis (hours are wall seconds: scale them). */
const double *gr_curve_x(const gr_log_series *s, gr_curve_axis axis);

typedef struct {
    gr_curve_axis axis;
    const char *y_key;          /* the metric, as the y-axis label */
    double target;              /* a horizontal line at this value; NaN: none */
    const char *title;          /* NULL: none */
    int width, height;          /* pixels; 0: core/svg.h's default */
    int legend_bottom;          /* the legend bottom-right, below rising curves */
} gr_curve_opts;

/* Writes the chart as one <svg> element to o. */
gr_status gr_curve_render(gr_output *o, const gr_curve_line *lines, size_t n_lines, const gr_curve_opts *opts,
                          char *msg);

#endif
