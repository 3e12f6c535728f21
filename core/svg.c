#include "core/svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/format.h"

/* Tableau 10: distinct hues that stay distinguishable for most colour-blind
 * readers and on grey-scale print. */
static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
#define PALETTE_N (sizeof palette / sizeof palette[0])

#define MARGIN_LEFT 78
#define MARGIN_RIGHT 24
#define MARGIN_TOP 44
#define MARGIN_BOTTOM 56
#define MAX_TICKS 24
/* Data is drawn this far inside the frame, so points at the ends of a range
 * (degree 1, a count of 1) are not hidden under the axis lines. */
#define INSET 6.0

typedef struct {
    double left, right, top, bottom;
} frame;

/* One axis: data range in transformed units (log10 of the value on a log
 * axis) mapped onto a pixel interval; ticks in the same transformed units. */
typedef struct {
    gr_svg_scale scale;
    double lo, hi;       /* transformed range */
    double p0, p1;       /* pixels for lo and hi (p1 < p0 on the y axis) */
    double tick[MAX_TICKS];
    int n_ticks;
    double step;         /* tick spacing, transformed units */
} axis;

static int usable(double v, gr_svg_scale scale) { return isfinite(v) && (scale == GR_SVG_LINEAR || v > 0.0); }
static double transform(double v, gr_svg_scale scale) { return scale == GR_SVG_LOG10 ? log10(v) : v; }
static double to_pixel(const axis *a, double t) { return a->p0 + (t - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0); }

/* 1, 2 or 5 times a power of ten, close to raw: tick steps people read easily. */
static double nice_step(double raw)
{
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * mag;
}

/* Chooses the range and ticks from the data range [lo, hi] (transformed;
 * lo > hi means no data). */
static void axis_setup(axis *a, double lo, double hi)
{
    if (lo > hi) { /* no drawable data: a unit range */
        lo = 0.0;
        hi = 1.0;
    }
    if (a->scale == GR_SVG_LOG10) {
        /* Whole decades, so the ends are labelled powers of ten. */
        lo = floor(lo);
        hi = ceil(hi);
        if (hi <= lo) hi = lo + 1.0;
        a->step = ceil((hi - lo) / 8.0); /* at most ~8 labelled decades */
        hi = lo + a->step * ceil((hi - lo) / a->step); /* end on a labelled decade */
    } else {
        if (hi <= lo) { /* a single value: centre it */
            double pad = lo == 0.0 ? 1.0 : fabs(lo) * 0.5;
            lo -= pad;
            hi += pad;
        }
        a->step = nice_step((hi - lo) / 5.0);
        lo = floor(lo / a->step + 1e-9) * a->step;
        hi = ceil(hi / a->step - 1e-9) * a->step;
    }
    a->lo = lo;
    a->hi = hi;
    a->n_ticks = 0;
    for (double t = lo; t <= hi + a->step * 1e-6 && a->n_ticks < MAX_TICKS; t += a->step)
        a->tick[a->n_ticks++] = fabs(t) < a->step * 1e-9 ? 0.0 : t;
}

/* Tick label for transformed value t. */
static void tick_label(const axis *a, double t, char buf[GR_FMT_LEN])
{
    if (a->scale == GR_SVG_LOG10) {
        int k = (int)lround(t);
        if (k >= 0 && k <= 5)
            gr_fmt_count(buf, (uint64_t)llround(pow(10.0, k)));
        else if (k < 0 && k >= -4)
            snprintf(buf, GR_FMT_LEN, "%.*f", -k, pow(10.0, k));
        else
            snprintf(buf, GR_FMT_LEN, "1e%d", k);
        return;
    }
    if (fabs(t) >= 1e6 || (t != 0.0 && fabs(t) < 1e-4)) {
        snprintf(buf, GR_FMT_LEN, "%g", t);
        return;
    }
    int decimals = a->step >= 1.0 ? 0 : (int)ceil(-log10(a->step) - 1e-9);
    snprintf(buf, GR_FMT_LEN, "%.*f", decimals, t);
}

const char *gr_svg_color(size_t i) { return palette[i % PALETTE_N]; }

gr_status gr_svg_escape(gr_output *o, const char *s, char *msg)
{
    gr_status status = GR_OK;
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '&': GR_TRY(gr_output_puts(o, "&amp;", msg)); break;
        case '<': GR_TRY(gr_output_puts(o, "&lt;", msg)); break;
        case '>': GR_TRY(gr_output_puts(o, "&gt;", msg)); break;
        case '"': GR_TRY(gr_output_puts(o, "&quot;", msg)); break;
        case '\'': GR_TRY(gr_output_puts(o, "&apos;", msg)); break;
        default: GR_TRY(gr_output_char(o, *s, msg));
        }
    }
fail:
    return status;
}

/* <text ATTRS>escaped</text> */
static gr_status put_text(gr_output *o, const char *attrs, const char *text, char *msg)
{
    gr_status status = GR_OK;
    GR_TRY(gr_output_printf(o, msg, "<text %s>", attrs));
    GR_TRY(gr_svg_escape(o, text, msg));
    GR_TRY(gr_output_puts(o, "</text>\n", msg));
fail:
    return status;
}

static const char *series_color(const gr_svg_series *s, size_t i)
{
    return s->color != NULL ? s->color : gr_svg_color(i);
}

/* Grid lines, tick marks and labels of both axes, then the plot frame. */
static gr_status draw_axes(gr_output *o, const frame *f, const axis *x, const axis *y, char *msg)
{
    gr_status status = GR_OK;
    char label[GR_FMT_LEN], attrs[128];
    const double left = f->left, right = f->right, bottom = f->bottom, top = f->top;

    /* Unlabelled minor grid at 2..9 x 10^k, where decades are wide enough to
     * show them: they are what makes a log axis readable as one. */
    for (int axis_i = 0; axis_i < 2; axis_i++) {
        const axis *a = axis_i == 0 ? x : y;
        if (a->scale != GR_SVG_LOG10 || a->step != 1.0 || a->hi - a->lo > 6.0) continue;
        for (double d = a->lo; d < a->hi; d += 1.0)
            for (int m = 2; m <= 9; m++) {
                double p = to_pixel(a, d + log10((double)m));
                if (axis_i == 0)
                    GR_TRY(gr_output_printf(o, msg, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#f0f0f0\"/>\n",
                                            p, top, p, bottom));
                else
                    GR_TRY(gr_output_printf(o, msg, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#f0f0f0\"/>\n",
                                            left, p, right, p));
            }
    }
    for (int i = 0; i < x->n_ticks; i++) {
        double p = to_pixel(x, x->tick[i]);
        GR_TRY(gr_output_printf(o, msg, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>\n",
                                p, top, p, bottom + 5));
        tick_label(x, x->tick[i], label);
        snprintf(attrs, sizeof attrs, "x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\"", p, bottom + 19);
        GR_TRY(put_text(o, attrs, label, msg));
    }
    for (int i = 0; i < y->n_ticks; i++) {
        double p = to_pixel(y, y->tick[i]);
        GR_TRY(gr_output_printf(o, msg, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>\n",
                                left - 5, p, right, p));
        tick_label(y, y->tick[i], label);
        snprintf(attrs, sizeof attrs, "x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\"", left - 8, p + 4);
        GR_TRY(put_text(o, attrs, label, msg));
    }
    GR_TRY(gr_output_printf(o, msg, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333333\"/>\n",
                            left, top, right - left, bottom - top));
fail:
    return status;
}

/* One series: a path broken at unusable points, then its markers. */
static gr_status draw_series(gr_output *o, const axis *x, const axis *y, const gr_svg_series *s, const char *color,
                             char *msg)
{
    gr_status status = GR_OK;
    if (s->style != GR_SVG_POINTS) {
        GR_TRY(gr_output_puts(o, "<path fill=\"none\" stroke-width=\"1.5\" stroke=\"", msg));
        GR_TRY(gr_svg_escape(o, color, msg));
        GR_TRY(gr_output_puts(o, "\" d=\"", msg));
        int pen_down = 0;
        for (size_t i = 0; i < s->n; i++) {
            if (!usable(s->x[i], x->scale) || !usable(s->y[i], y->scale)) {
                pen_down = 0;
                continue;
            }
            GR_TRY(gr_output_printf(o, msg, "%c%.1f %.1f ", pen_down ? 'L' : 'M',
                                    to_pixel(x, transform(s->x[i], x->scale)),
                                    to_pixel(y, transform(s->y[i], y->scale))));
            pen_down = 1;
        }
        GR_TRY(gr_output_puts(o, "\"/>\n", msg));
    }
    if (s->style != GR_SVG_LINES) {
        GR_TRY(gr_output_puts(o, "<g fill=\"", msg));
        GR_TRY(gr_svg_escape(o, color, msg));
        GR_TRY(gr_output_puts(o, "\">\n", msg));
        for (size_t i = 0; i < s->n; i++) {
            if (!usable(s->x[i], x->scale) || !usable(s->y[i], y->scale)) continue;
            GR_TRY(gr_output_printf(o, msg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>\n",
                                    to_pixel(x, transform(s->x[i], x->scale)),
                                    to_pixel(y, transform(s->y[i], y->scale))));
        }
        GR_TRY(gr_output_puts(o, "</g>\n", msg));
    }
fail:
    return status;
}

/* Legend in the top-right (or bottom-right) corner of the plot, on a translucent box so data
 * behind it stays visible. */
static gr_status draw_legend(gr_output *o, const frame *f, const gr_svg_series *series, size_t n, int bottom,
                             char *msg)
{
    gr_status status = GR_OK;
    char attrs[128];
    size_t longest = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = series[i].name != NULL ? strlen(series[i].name) : 0;
        if (len > longest) longest = len;
    }
    const double w = 44.0 + 7.0 * (double)longest, h = 10.0 + 18.0 * (double)n;
    const double left = f->right - w - 10.0, top = bottom ? f->bottom - h - 10.0 : f->top + 10.0;
    GR_TRY(gr_output_printf(o, msg, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"white\" "
                                    "fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n", left, top, w, h));
    for (size_t i = 0; i < n; i++) {
        const double cy = top + 14.0 + 18.0 * (double)i;
        GR_TRY(gr_output_puts(o, "<g stroke=\"", msg));
        GR_TRY(gr_svg_escape(o, series_color(&series[i], i), msg));
        GR_TRY(gr_output_puts(o, "\" fill=\"", msg));
        GR_TRY(gr_svg_escape(o, series_color(&series[i], i), msg));
        GR_TRY(gr_output_puts(o, "\">", msg));
        if (series[i].style != GR_SVG_POINTS)
            GR_TRY(gr_output_printf(o, msg, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke-width=\"1.5\"/>",
                                    left + 8, cy, left + 30, cy));
        if (series[i].style != GR_SVG_LINES)
            GR_TRY(gr_output_printf(o, msg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" stroke=\"none\"/>", left + 19, cy));
        GR_TRY(gr_output_puts(o, "</g>\n", msg));
        snprintf(attrs, sizeof attrs, "x=\"%.1f\" y=\"%.1f\"", left + 36, cy + 4);
        GR_TRY(put_text(o, attrs, series[i].name != NULL ? series[i].name : "", msg));
    }
fail:
    return status;
}

gr_status gr_svg_render(gr_output *o, const gr_svg_chart *chart, const gr_svg_series *series, size_t n_series,
                        char *msg)
{
    gr_status status = GR_OK;
    char attrs[160];
    const int width = chart->width > 0 ? chart->width : 720;
    const int height = chart->height > 0 ? chart->height : 480;
    if (width < MARGIN_LEFT + MARGIN_RIGHT + 40 || height < MARGIN_TOP + MARGIN_BOTTOM + 40)
        GR_FAIL(GR_ERR_ARG, "chart of %dx%d pixels is too small", width, height);

    /* Data ranges over the drawable points of every series. */
    const frame f = {MARGIN_LEFT, width - MARGIN_RIGHT, MARGIN_TOP, height - MARGIN_BOTTOM};
    axis x = {.scale = chart->x_scale, .p0 = f.left + INSET, .p1 = f.right - INSET};
    axis y = {.scale = chart->y_scale, .p0 = f.bottom - INSET, .p1 = f.top + INSET};
    double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
    for (size_t k = 0; k < n_series; k++)
        for (size_t i = 0; i < series[k].n; i++) {
            if (!usable(series[k].x[i], x.scale) || !usable(series[k].y[i], y.scale)) continue;
            double tx = transform(series[k].x[i], x.scale), ty = transform(series[k].y[i], y.scale);
            x_lo = fmin(x_lo, tx);
            x_hi = fmax(x_hi, tx);
            y_lo = fmin(y_lo, ty);
            y_hi = fmax(y_hi, ty);
        }
    axis_setup(&x, x_lo, x_hi);
    axis_setup(&y, y_lo, y_hi);

    GR_TRY(gr_output_printf(o, msg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                                    "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#222222\">\n",
                            width, height, width, height));
    GR_TRY(gr_output_puts(o, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", msg));
    if (chart->title != NULL) {
        snprintf(attrs, sizeof attrs, "x=\"%.1f\" y=\"26\" text-anchor=\"middle\" font-size=\"16\"",
                 (f.left + f.right) / 2);
        GR_TRY(put_text(o, attrs, chart->title, msg));
    }
    GR_TRY(draw_axes(o, &f, &x, &y, msg));
    if (chart->x_label != NULL) {
        snprintf(attrs, sizeof attrs, "x=\"%.1f\" y=\"%d\" text-anchor=\"middle\"", (f.left + f.right) / 2, height - 12);
        GR_TRY(put_text(o, attrs, chart->x_label, msg));
    }
    if (chart->y_label != NULL) {
        snprintf(attrs, sizeof attrs, "transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\"",
                 (f.top + f.bottom) / 2);
        GR_TRY(put_text(o, attrs, chart->y_label, msg));
    }
    for (size_t k = 0; k < n_series; k++) GR_TRY(draw_series(o, &x, &y, &series[k], series_color(&series[k], k), msg));
    if (n_series > 0) GR_TRY(draw_legend(o, &f, series, n_series, chart->legend_bottom, msg));
    GR_TRY(gr_output_puts(o, "</svg>\n", msg));
fail:
    return status;
}

gr_status gr_svg_write(const char *path, const gr_svg_chart *chart, const gr_svg_series *series, size_t n_series,
                       char *msg)
{
    gr_status status = GR_OK;
    gr_output *o = NULL;
    GR_TRY(gr_output_open(&o, path, msg));
    GR_TRY(gr_svg_render(o, chart, series, n_series, msg));
    status = gr_output_commit(o, msg);
    o = NULL; /* commit frees it in every case */
    if (status != GR_OK) goto fail;
    return GR_OK;
fail:
    gr_output_abort(o);
    return status;
}
