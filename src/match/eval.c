/* eval.c - verification error rates from genuine and impostor scores, as the
 * Fingerprint Verification Competitions define them (D. Maio, D. Maltoni,
 * R. Cappelli, J. L. Wayman, A. K. Jain, "FVC2002: Second Fingerprint
 * Verification Competition", ICPR 2002, Sec. 3; the EER estimate of FVC2000,
 * IEEE TPAMI 24(3) 2002, Sec. 4): FMR(t) is the fraction of impostor scores
 * >= t, FNMR(t) the fraction of genuine scores < t; EER is the midpoint of
 * the interval where the two curves cross; FMR100 / FMR1000 / FMR10000 the
 * lowest FNMR at FMR <= 1 %, 0.1 %, 0.01 %; ZeroFMR the lowest FNMR with no
 * false match. Also the DET plot (FNMR against FMR on log axes) as SVG. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/match.h"

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Number of values in sorted v[0..n) that are < t. */
static size_t count_below(const double *v, size_t n, double t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static tern_status sorted_copy(const double *v, size_t n, double **out, tern_error *err)
{
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out)
        return tern_error_set(err, TERN_E_NOMEM, "eval: out of memory");
    if (n)
        memcpy(*out, v, n * sizeof *v);
    qsort(*out, n, sizeof **out, cmp_double);
    return TERN_OK;
}

/* The candidate thresholds: every score, and one above them all. */
static double threshold_at(const double *g, size_t ng, const double *im, size_t ni, size_t k,
                           size_t *count)
{
    *count = ng + ni + 1;
    if (k < ng)
        return g[k];
    if (k < ng + ni)
        return im[k - ng];
    double top = -INFINITY;
    if (ng)
        top = g[ng - 1];
    if (ni && im[ni - 1] > top)
        top = im[ni - 1];
    return nextafter(top, INFINITY);
}

tern_status tern_match_rates_compute(const double *genuine, size_t n_genuine, const double *impostor,
                                    size_t n_impostor, tern_match_rates *out, tern_error *err)
{
    memset(out, 0, sizeof *out);
    if (!n_genuine || !n_impostor)
        return tern_error_set(err, TERN_E_ARG, "eval: %zu genuine and %zu impostor scores (need both)",
                              n_genuine, n_impostor);
    double *g = NULL, *im = NULL;
    if (sorted_copy(genuine, n_genuine, &g, err) ||
        sorted_copy(impostor, n_impostor, &im, err)) {
        free(g);
        return TERN_E_NOMEM;
    }
    out->genuine = n_genuine, out->impostor = n_impostor;
    out->fmr100 = out->fmr1000 = out->fmr10000 = out->zero_fmr = 1.0;
    /* t1: the largest threshold with FNMR <= FMR; t2: the smallest with
     * FNMR >= FMR (FVC2000 Sec. 4). FMR falls and FNMR rises with t. */
    double t1 = -INFINITY, t2 = INFINITY;
    size_t count = 1;
    for (size_t k = 0; k < count; k++) {
        double t = threshold_at(g, n_genuine, im, n_impostor, k, &count);
        double fmr = (double)(n_impostor - count_below(im, n_impostor, t)) / (double)n_impostor;
        double fnmr = (double)count_below(g, n_genuine, t) / (double)n_genuine;
        if (fnmr <= fmr && t > t1)
            t1 = t;
        if (fnmr >= fmr && t < t2)
            t2 = t;
        if (fmr <= 0.01 && fnmr < out->fmr100)
            out->fmr100 = fnmr;
        if (fmr <= 0.001 && fnmr < out->fmr1000)
            out->fmr1000 = fnmr;
        if (fmr <= 0.0001 && fnmr < out->fmr10000)
            out->fmr10000 = fnmr;
        if (fmr == 0 && fnmr < out->zero_fmr)
            out->zero_fmr = fnmr;
    }
    double fmr1 = 1, fnmr1 = 0, fmr2 = 0, fnmr2 = 1;
    if (t1 > -INFINITY) {
        fmr1 = (double)(n_impostor - count_below(im, n_impostor, t1)) / (double)n_impostor;
        fnmr1 = (double)count_below(g, n_genuine, t1) / (double)n_genuine;
    }
    if (t2 < INFINITY) {
        fmr2 = (double)(n_impostor - count_below(im, n_impostor, t2)) / (double)n_impostor;
        fnmr2 = (double)count_below(g, n_genuine, t2) / (double)n_genuine;
    }
    if (fnmr1 + fmr1 <= fmr2 + fnmr2)
        out->eer_low = fnmr1, out->eer_high = fmr1;
    else
        out->eer_low = fmr2, out->eer_high = fnmr2;
    out->eer = (out->eer_low + out->eer_high) / 2;
    free(g);
    free(im);
    return TERN_OK;
}

/* ---- DET curves as SVG ------------------------------------------------- */

#define DET_W 640.0
#define DET_H 520.0
#define DET_L 70.0   /* plot area margins */
#define DET_T 30.0
#define DET_R 20.0
#define DET_B 60.0
#define DET_MIN 1e-4 /* both axes from 0.01 % to 100 % */

static double det_x(double fmr)
{
    double v = log10(fmr < DET_MIN ? DET_MIN : fmr) - log10(DET_MIN);
    return DET_L + v / -log10(DET_MIN) * (DET_W - DET_L - DET_R);
}

static double det_y(double fnmr)
{
    double v = log10(fnmr < DET_MIN ? DET_MIN : fnmr) - log10(DET_MIN);
    return DET_H - DET_B - v / -log10(DET_MIN) * (DET_H - DET_T - DET_B);
}

static void xml_text(tern_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            tern_buf_printf(b, "&lt;");
        else if (*s == '>')
            tern_buf_printf(b, "&gt;");
        else if (*s == '&')
            tern_buf_printf(b, "&amp;");
        else
            tern_buf_put(b, s, 1);
    }
}

static void det_axes(tern_buf *b, const char *title)
{
    tern_buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
                       "font-family=\"sans-serif\" font-size=\"12\">\n"
                       "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                    DET_W, DET_H);
    tern_buf_printf(b, "<text x=\"%g\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">",
                    (DET_L + DET_W - DET_R) / 2);
    xml_text(b, title);
    tern_buf_printf(b, "</text>\n");
    static const double ticks[] = {1e-4, 1e-3, 1e-2, 1e-1, 1};
    static const char *const labels[] = {"0.01%", "0.1%", "1%", "10%", "100%"};
    for (int i = 0; i < 5; i++) {
        double x = det_x(ticks[i]), y = det_y(ticks[i]);
        tern_buf_printf(b, "<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#ddd\"/>\n", x,
                        DET_T, x, DET_H - DET_B);
        tern_buf_printf(b, "<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                        DET_L, y, DET_W - DET_R, y);
        tern_buf_printf(b, "<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">%s</text>\n", x,
                        DET_H - DET_B + 16, labels[i]);
        tern_buf_printf(b, "<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", DET_L - 6,
                        y + 4, labels[i]);
    }
    tern_buf_printf(b, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
                       "stroke=\"black\"/>\n",
                    DET_L, DET_T, DET_W - DET_L - DET_R, DET_H - DET_T - DET_B);
    tern_buf_printf(b, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">FMR (false match rate)</text>\n",
                    (DET_L + DET_W - DET_R) / 2, DET_H - 20);
    tern_buf_printf(b, "<text x=\"16\" y=\"%g\" text-anchor=\"middle\" transform=\"rotate(-90 16 %g)\">"
                       "FNMR (false non-match rate)</text>\n",
                    (DET_T + DET_H - DET_B) / 2, (DET_T + DET_H - DET_B) / 2);
}

static const char *const det_colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                          "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

tern_status tern_match_det_svg(const tern_match_curve *curves, size_t n_curves, const char *title,
                              char **svg, tern_error *err)
{
    *svg = NULL;
    tern_buf b = {0};
    det_axes(&b, title ? title : "DET");
    for (size_t i = 0; i < n_curves; i++) {
        const tern_match_curve *c = &curves[i];
        if (!c->n_genuine || !c->n_impostor)
            continue;
        /* A point at every threshold (every score, ascending, and one above
         * them all): from high FMR / low FNMR to low FMR / high FNMR. */
        size_t n = c->n_genuine + c->n_impostor;
        double *g = NULL, *im = NULL, *all = malloc(n * sizeof *all);
        if (all) {
            memcpy(all, c->genuine, c->n_genuine * sizeof *all);
            memcpy(all + c->n_genuine, c->impostor, c->n_impostor * sizeof *all);
            qsort(all, n, sizeof *all, cmp_double);
        }
        if (!all || sorted_copy(c->genuine, c->n_genuine, &g, err) ||
            sorted_copy(c->impostor, c->n_impostor, &im, err)) {
            free(all);
            free(g);
            tern_buf_free(&b);
            return tern_error_set(err, TERN_E_NOMEM, "eval: out of memory");
        }
        const char *colour = det_colours[i % (sizeof det_colours / sizeof det_colours[0])];
        tern_buf_printf(&b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
                        colour);
        double last_x = -1, last_y = -1;
        for (size_t k = 0; k <= n; k++) {
            double t = k < n ? all[k] : nextafter(all[n - 1], INFINITY);
            double fmr = (double)(c->n_impostor - count_below(im, c->n_impostor, t)) /
                         (double)c->n_impostor;
            double fnmr = (double)count_below(g, c->n_genuine, t) / (double)c->n_genuine;
            double x = det_x(fmr), y = det_y(fnmr);
            if (fabs(x - last_x) < 0.25 && fabs(y - last_y) < 0.25)
                continue;
            tern_buf_printf(&b, "%.1f,%.1f ", x, y);
            last_x = x, last_y = y;
        }
        tern_buf_printf(&b, "\"/>\n");
        double ly = DET_T + 18 + 16 * (double)i;
        tern_buf_printf(&b, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" "
                            "stroke-width=\"2\"/>\n<text x=\"%g\" y=\"%g\">",
                        DET_W - DET_R - 170, ly - 4, DET_W - DET_R - 150, ly - 4, colour,
                        DET_W - DET_R - 145, ly);
        xml_text(&b, c->name ? c->name : "");
        tern_buf_printf(&b, "</text>\n");
        free(all);
        free(g);
        free(im);
    }
    tern_buf_printf(&b, "</svg>\n");
    if (tern_buf_status(&b, err) != TERN_OK) {
        tern_buf_free(&b);
        return TERN_E_NOMEM;
    }
    tern_buf_u8(&b, 0);
    size_t len;
    *svg = (char *)tern_buf_take(&b, &len);
    return *svg ? TERN_OK : tern_error_set(err, TERN_E_NOMEM, "eval: out of memory");
}
