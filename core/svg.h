/* A small SVG chart writer: line and point series on linear or log10 axes.
 *
 * Enough for the figures gnnrec draws (degree distributions, recall over
 * training time, model comparisons) without a plotting dependency: a title,
 * axis labels, ticks at "nice" values (1, 2, 5 x 10^k on linear axes, powers
 * of ten on log axes), light grid lines, several named series in distinct
 * colours, and a legend.  Output goes through core/output.h, so a chart file is
 * written atomically like every other output. */
#ifndef GR_SVG_H
#define GR_SVG_H

#include <stddef.h>

#include "core/error.h"
#include "core/output.h"

typedef enum { GR_SVG_LINEAR, GR_SVG_LOG10 } gr_svg_scale;

typedef enum {
    GR_SVG_LINES_POINTS = 0, /* default: markers joined by a line */
    GR_SVG_LINES,
    GR_SVG_POINTS
} gr_svg_style;

typedef struct {
    const char *name;     /* legend entry (escaped on output) */
    const double *x, *y;  /* n points, in drawing order */
    size_t n;
    gr_svg_style style;
    const char *color;    /* CSS colour, or NULL for the palette colour of its index */
} gr_svg_series;

/* Points with a non-finite coordinate, or a coordinate <= 0 on a log axis, are
 * not drawn (a line is broken there). */
typedef struct {
    const char *title;    /* NULL: none */
    const char *x_label;
    const char *y_label;
    gr_svg_scale x_scale, y_scale;
    int width, height;    /* pixels; 0 means 720 x 480 */
    int legend_bottom;    /* 1: legend in the bottom-right corner, out of the way of rising curves */
} gr_svg_chart;

/* Writes the chart as one <svg> element to o (e.g. inside an HTML report). */
gr_status gr_svg_render(gr_output *o, const gr_svg_chart *chart, const gr_svg_series *series, size_t n_series,
                        char *msg);

/* The palette colour of series i (what a series without a colour gets), so
 * that pages with several charts can give one run one colour throughout. */
const char *gr_svg_color(size_t i);

/* Writes s with XML's five special characters escaped, which is also right
 * for HTML text and attribute values.  s may be NULL (nothing is written). */
gr_status gr_svg_escape(gr_output *o, const char *s, char *msg);

/* Writes the chart to a file, atomically. */
gr_status gr_svg_write(const char *path, const gr_svg_chart *chart, const gr_svg_series *series, size_t n_series,
                       char *msg);

#endif
