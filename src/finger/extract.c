/* extract.c - tern_extract: the feature extraction pipeline (tern/finger.h).
 *
 * Stages, in order (each in its own file, each citing its method):
 *   resample to 500 ppi (here: area-weighted when shrinking, bilinear when
 *   enlarging, separable, in floating point) and invert so ridges are high;
 *   orient.c   squared-gradient blocks and coherence (Bazen & Gerez 2002);
 *   segment.c  foreground blocks and pixel mask;
 *   orient.c   smoothed two-scale orientation field;
 *   freq.c     ridge period (Hong, Wan & Jain 1998);
 *   enhance.c  oriented Gabor filtering (Hong, Wan & Jain 1998);
 *   thin.c     binarisation and thinning (Zhang & Suen 1984);
 *   minutiae.c skeleton graph; filter.c false-minutia removal, direction,
 *              type and quality;
 *   singular.c cores and deltas (Poincare index);
 *   quality.c  the NFIQ-2-like score.
 * Failure to enroll (TERN_E_QUALITY) is decided as early as possible, with a
 * reason. Coordinates go back to the original image's pixel frame, and
 * angles to the template convention (counter-clockwise with y up).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "finger/finger_internal.h"

/* 1-D resampling weights: output i takes sum_k wt[i][k] in[first[i] + k]. */
typedef struct resamp {
    int n_out, taps;
    int *first;
    float *wt; /* n_out * taps */
} resamp;

static int resamp_init(resamp *r, int n_in, int n_out)
{
    double scale = (double)n_out / n_in; /* output pixels per input pixel */
    r->n_out = n_out;
    r->taps = scale < 1.0 ? (int)ceil(1.0 / scale) + 2 : 2;
    r->first = malloc((size_t)n_out * sizeof *r->first);
    r->wt = calloc((size_t)n_out * r->taps, sizeof *r->wt);
    if (!r->first || !r->wt)
        return 0;
    for (int i = 0; i < n_out; i++) {
        float *wt = r->wt + (size_t)i * r->taps;
        if (scale < 1.0) { /* box of the output pixel's footprint, exact overlaps */
            double a = i / scale, b = (i + 1) / scale;
            int f = (int)floor(a);
            r->first[i] = f;
            double sum = 0;
            for (int k = 0; k < r->taps; k++) {
                double lo = fmax(a, f + k), hi = fmin(b, f + k + 1.0);
                double v = hi > lo && f + k < n_in ? hi - lo : 0;
                wt[k] = (float)v;
                sum += v;
            }
            for (int k = 0; k < r->taps; k++)
                wt[k] = (float)(wt[k] / sum);
        } else { /* bilinear */
            double u = (i + 0.5) / scale - 0.5;
            int f = (int)floor(u);
            double t = u - f;
            if (f < 0)
                f = 0, t = 0;
            if (f >= n_in - 1)
                f = n_in - 2 < 0 ? 0 : n_in - 2, t = n_in > 1 ? 1 : 0;
            r->first[i] = f;
            wt[0] = (float)(1 - t);
            wt[1] = n_in > 1 ? (float)t : 0;
        }
    }
    return 1;
}

static void resamp_free(resamp *r)
{
    free(r->first);
    free(r->wt);
}

/* Grey 8-bit (W x H) to the inverted float working image (w->w x w->h). */
static tern_status to_working(const tern_image *g, fp_work *w, tern_error *err)
{
    const int W = (int)g->width, H = (int)g->height;
    if (W == w->w && H == w->h) { /* already 500 ppi */
        for (size_t i = 0; i < (size_t)W * H; i++)
            w->img[i] = 255.0f - g->pixels[i];
        return TERN_OK;
    }
    resamp rx = {0}, ry = {0};
    float *tmp = malloc((size_t)w->w * H * sizeof *tmp);
    if (!tmp || !resamp_init(&rx, W, w->w) || !resamp_init(&ry, H, w->h)) {
        free(tmp), resamp_free(&rx), resamp_free(&ry);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for resampling");
    }
    for (int y = 0; y < H; y++) {
        const uint8_t *src = g->pixels + (size_t)y * W;
        for (int x = 0; x < w->w; x++) {
            const float *wt = rx.wt + (size_t)x * rx.taps;
            float s = 0;
            for (int k = 0; k < rx.taps; k++) {
                int i = rx.first[x] + k;
                if (wt[k] != 0 && i < W)
                    s += wt[k] * (255.0f - src[i]);
            }
            tmp[(size_t)y * w->w + x] = s;
        }
    }
    for (int y = 0; y < w->h; y++) {
        const float *wt = ry.wt + (size_t)y * ry.taps;
        float *dst = w->img + (size_t)y * w->w;
        for (int x = 0; x < w->w; x++)
            dst[x] = 0;
        for (int k = 0; k < ry.taps; k++) {
            int j = ry.first[y] + k;
            if (wt[k] == 0 || j >= H)
                continue;
            const float *src = tmp + (size_t)j * w->w;
            for (int x = 0; x < w->w; x++)
                dst[x] += wt[k] * src[x];
        }
    }
    free(tmp), resamp_free(&rx), resamp_free(&ry);
    return TERN_OK;
}

static void work_free(fp_work *w)
{
    free(w->img), free(w->gxx), free(w->gyy), free(w->gxy), free(w->bmean), free(w->bstd);
    free(w->coh), free(w->coh_img), free(w->ox), free(w->oy), free(w->orel), free(w->period), free(w->pvalid);
    free(w->fg), free(w->clarity), free(w->mask), free(w->border), free(w->enh), free(w->skel);
    free(w->min);
}

static tern_status work_alloc(fp_work *w, tern_error *err)
{
    size_t np = (size_t)w->w * w->h, nb = (size_t)w->bw * w->bh;
    w->img = malloc(np * sizeof *w->img);
    w->enh = malloc(np * sizeof *w->enh);
    w->border = malloc(np * sizeof *w->border);
    w->mask = calloc(np, 1);
    w->skel = calloc(np, 1);
    float **bf[] = {&w->gxx, &w->gyy, &w->gxy, &w->bmean, &w->bstd, &w->coh, &w->coh_img,
                    &w->ox,  &w->oy,  &w->orel, &w->period, &w->clarity};
    int ok = w->img && w->enh && w->border && w->mask && w->skel;
    for (size_t i = 0; i < sizeof bf / sizeof bf[0]; i++)
        ok &= (*bf[i] = calloc(nb, sizeof(float))) != NULL;
    ok &= (w->pvalid = calloc(nb, 1)) != NULL;
    ok &= (w->fg = calloc(nb, 1)) != NULL;
    return ok ? TERN_OK : tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for %dx%d",
                                         w->w, w->h);
}

/* Global checks on the grey image: blank or saturated. */
static tern_status check_levels(const tern_image *g, tern_error *err)
{
    size_t n = (size_t)g->width * g->height, dark = 0, bright = 0;
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t v = g->pixels[i];
        s += v, s2 += (double)v * v;
        dark += v <= 1;
        bright += v >= 254;
    }
    double m = s / n, sd = sqrt(fmax(0, s2 / n - m * m));
    if (dark > 0.9 * n || bright > 0.9 * n)
        return tern_error_set(err, TERN_E_QUALITY,
                              "extract: failure to enroll: saturated image (%.0f%% of pixels at "
                              "black, %.0f%% at white)",
                              100.0 * dark / n, 100.0 * bright / n);
    if (sd < 4.0)
        return tern_error_set(err, TERN_E_QUALITY,
                              "extract: failure to enroll: blank image (grey-level standard "
                              "deviation %.1f)",
                              sd);
    return TERN_OK;
}

/* The pipeline on the working image; fills q as far as it gets. */
static tern_status run(fp_work *w, tern_finger_quality *q, tern_error *err)
{
    tern_status st;
    if ((st = fp_orient_blocks(w, 0, err)) != TERN_OK || (st = fp_segment(w, err)) != TERN_OK)
        return st;
    size_t fgpx = 0;
    for (size_t i = 0; i < (size_t)w->w * w->h; i++)
        fgpx += w->mask[i];
    double mm2 = fgpx * (25.4 / FP_PPI) * (25.4 / FP_PPI);
    if (mm2 < TERN_EXTRACT_MIN_AREA_MM2) {
        q->foreground_mm2 = (float)mm2;
        return tern_error_set(err, TERN_E_QUALITY,
                              "extract: failure to enroll: %.1f mm^2 of ridge area (at least %.0f "
                              "needed): blank, noise or no finger",
                              mm2, TERN_EXTRACT_MIN_AREA_MM2);
    }
    if ((st = fp_orient_smooth(w, err)) != TERN_OK || (st = fp_frequency(w, 0, err)) != TERN_OK)
        return st;
    /* Second orientation estimate on the image smoothed along the first
     * estimate's ridges (noise, pores and creases averaged out), then the
     * full enhancement with it. */
    memcpy(w->coh_img, w->coh, (size_t)w->bw * w->bh * sizeof *w->coh);
    if ((st = fp_enhance(w, 1, err)) != TERN_OK || (st = fp_orient_blocks(w, 1, err)) != TERN_OK ||
        (st = fp_orient_smooth(w, err)) != TERN_OK || (st = fp_frequency(w, 1, err)) != TERN_OK ||
        (st = fp_enhance(w, 0, err)) != TERN_OK ||
        (st = fp_segment_refine(w, err)) != TERN_OK ||
        (st = fp_thin(w, err)) != TERN_OK || (st = fp_minutiae(w, err)) != TERN_OK ||
        (st = fp_singular_points(w, err)) != TERN_OK)
        return st;
    fp_quality(w, q);
    if (w->n_min < TERN_EXTRACT_MIN_MINUTIAE)
        return tern_error_set(err, TERN_E_QUALITY,
                              "extract: failure to enroll: %zu minutiae found (at least %u "
                              "needed; quality %u)",
                              w->n_min, TERN_EXTRACT_MIN_MINUTIAE, q->score);
    return TERN_OK;
}

static int cmp_quality_desc(const void *a, const void *b)
{
    const fp_minutia *p = a, *q = b;
    return (int)q->quality - (int)p->quality;
}

/* The coarse orientation field of the template (tern/template.h): cells of
 * ORIENT_CELL working pixels (2 x 2 blocks), foreground when at least half
 * their pixels are in the mask; the blocks' doubled-angle vectors averaged,
 * weighted by reliability, and turned into the template's angle convention
 * like the minutiae's directions. */
#define ORIENT_CELL 16
static tern_status orient_field(const fp_work *w, double sx, double sy, tern_orientation_field *f,
                                tern_error *err)
{
    int cols = (w->w + ORIENT_CELL - 1) / ORIENT_CELL, rows = (w->h + ORIENT_CELL - 1) / ORIENT_CELL;
    if (!(f->cells = calloc((size_t)cols * rows, 1)))
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory");
    f->cols = (uint16_t)cols, f->rows = (uint16_t)rows;
    f->cell_x = (float)(nearbyint(ORIENT_CELL / sx * 256.0) / 256.0);
    f->cell_y = (float)(nearbyint(ORIENT_CELL / sy * 256.0) / 256.0);
    const int k = ORIENT_CELL / FP_BLOCK;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            size_t in = 0, all = 0;
            for (int y = r * ORIENT_CELL; y < (r + 1) * ORIENT_CELL && y < w->h; y++)
                for (int x = c * ORIENT_CELL; x < (c + 1) * ORIENT_CELL && x < w->w; x++)
                    in += w->mask[(size_t)y * w->w + x], all++;
            if (2 * in < all)
                continue;
            double vx = 0, vy = 0;
            for (int by = r * k; by < (r + 1) * k && by < w->bh; by++)
                for (int bx = c * k; bx < (c + 1) * k && bx < w->bw; bx++) {
                    size_t b = (size_t)by * w->bw + bx;
                    vx += (w->orel[b] + 1e-3) * w->ox[b], vy += (w->orel[b] + 1e-3) * w->oy[b];
                }
            double t = 0.5 * atan2(vy, vx); /* ridge angle, image coordinates */
            double a = atan2(-sin(t) / sy, cos(t) / sx); /* template convention */
            long lv = lround(a / (FP_PI / TERN_ORIENT_LEVELS));
            f->cells[(size_t)r * cols + c] = (uint8_t)(1 + ((lv % (long)TERN_ORIENT_LEVELS) +
                                                           TERN_ORIENT_LEVELS) % TERN_ORIENT_LEVELS);
        }
    return TERN_OK;
}

static tern_status build_template(const fp_work *w, const tern_image *img, double ppx, double ppy,
                                  const tern_extract_opts *opts, const tern_finger_quality *q,
                                  tern_template **out, tern_error *err)
{
    size_t n = w->n_min;
    fp_minutia *m = w->min;
    if (n > TERN_TEMPLATE_MAX_MINUTIAE) { /* keep the best; stable by position */
        qsort(m, n, sizeof *m, cmp_quality_desc);
        n = TERN_TEMPLATE_MAX_MINUTIAE;
    }
    tern_template *t;
    tern_status st = tern_template_create((uint32_t)n, &t, err);
    if (st != TERN_OK)
        return st;
    double sx = FP_PPI / ppx, sy = FP_PPI / ppy; /* working pixels per original pixel */
    t->width = img->width, t->height = img->height;
    t->ppi_x = ppx, t->ppi_y = ppy;
    t->quality = q->score ? q->score : 1;
    if (opts)
        t->finger_position = opts->finger_position, t->impression_type = opts->impression_type;
    for (size_t i = 0; i < n; i++) {
        tern_minutia *o = &t->minutiae[i];
        o->x = (float)fmin(img->width - 1, fmax(0, (m[i].x + 0.5) / sx - 0.5));
        o->y = (float)fmin(img->height - 1, fmax(0, (m[i].y + 0.5) / sy - 0.5));
        /* Image (y down) to template (y up) angle; anisotropic pixels bend it. */
        double a = atan2(-sin(m[i].angle) / sy, cos(m[i].angle) / sx);
        if (a < 0)
            a += 2 * FP_PI;
        if (a >= 2 * FP_PI)
            a = 0;
        o->angle = (float)a;
        if (o->angle >= (float)(2 * FP_PI))
            o->angle = 0;
        o->type = m[i].type;
        o->quality = m[i].quality;
    }
    if (w->n_sing) {
        t->singular = calloc(w->n_sing, sizeof *t->singular);
        if (!t->singular) {
            tern_template_free(t);
            return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory");
        }
        for (size_t i = 0; i < w->n_sing; i++) {
            t->singular[i].x = (float)fmin(img->width - 1, fmax(0, (w->sing[i].x + 0.5) / sx - 0.5));
            t->singular[i].y = (float)fmin(img->height - 1, fmax(0, (w->sing[i].y + 0.5) / sy - 0.5));
            t->singular[i].type = w->sing[i].type;
        }
        t->n_singular = (uint32_t)w->n_sing;
    }
    if ((st = orient_field(w, sx, sy, &t->orient, err)) != TERN_OK) {
        tern_template_free(t);
        return st;
    }
    *out = t;
    return TERN_OK;
}

tern_status tern_extract(const tern_image *img, const tern_extract_opts *opts, tern_template **out,
                         tern_finger_quality *quality, tern_error *err)
{
    tern_finger_quality qbuf;
    tern_finger_quality *q = quality ? quality : &qbuf;
    memset(q, 0, sizeof *q);
    if (out)
        *out = NULL;
    if (!img || !out || !img->pixels)
        return tern_error_set(err, TERN_E_ARG, "extract: NULL image or output");
    double ppx = opts && opts->ppi > 0 ? opts->ppi : img->ppi_x;
    double ppy = opts && opts->ppi > 0 ? opts->ppi : (img->ppi_y > 0 ? img->ppi_y : img->ppi_x);
    if (!(ppx > 0) || !(ppy > 0) || !isfinite(ppx) || !isfinite(ppy))
        return tern_error_set(err, TERN_E_ARG,
                              "extract: the image's resolution is unknown: give it (pixels per "
                              "inch, e.g. --ppi 500)");
    if (ppx < 100 || ppx > 5000 || ppy < 100 || ppy > 5000)
        return tern_error_set(err, TERN_E_ARG,
                              "extract: resolution %.0fx%.0f ppi is outside 100..5000", ppx, ppy);
    double wmm = img->width * 25.4 / ppx, hmm = img->height * 25.4 / ppy;
    long W = lround(img->width * FP_PPI / ppx), H = lround(img->height * FP_PPI / ppy);
    if (W < (long)TERN_EXTRACT_MIN_DIM || H < (long)TERN_EXTRACT_MIN_DIM)
        return tern_error_set(err, TERN_E_QUALITY,
                              "extract: failure to enroll: image too small (%ux%u pixels, "
                              "%.1fx%.1f mm; at least %.1f mm a side needed)",
                              img->width, img->height, wmm, hmm,
                              TERN_EXTRACT_MIN_DIM * 25.4 / FP_PPI);
    if (W > (long)TERN_EXTRACT_MAX_DIM || H > (long)TERN_EXTRACT_MAX_DIM)
        return tern_error_set(err, TERN_E_QUALITY,
                              "extract: failure to enroll: image too large for one finger "
                              "(%ux%u pixels, %.0fx%.0f mm; at most %.0f mm a side)",
                              img->width, img->height, wmm, hmm,
                              TERN_EXTRACT_MAX_DIM * 25.4 / FP_PPI);
    tern_image *grey = NULL;
    tern_status st = tern_image_to_grey(img, &grey, err);
    if (st != TERN_OK)
        return st;
    if ((st = check_levels(grey, err)) != TERN_OK) {
        tern_image_free(grey);
        return st;
    }
    fp_work w;
    memset(&w, 0, sizeof w);
    w.w = (int)W, w.h = (int)H;
    w.bw = (w.w + FP_BLOCK - 1) / FP_BLOCK, w.bh = (w.h + FP_BLOCK - 1) / FP_BLOCK;
    if ((st = work_alloc(&w, err)) == TERN_OK && (st = to_working(grey, &w, err)) == TERN_OK &&
        (st = run(&w, q, err)) == TERN_OK)
        st = build_template(&w, img, ppx, ppy, opts, q, out, err);
    if (st != TERN_OK && st != TERN_E_QUALITY)
        memset(q, 0, sizeof *q);
    if (st == TERN_E_QUALITY)
        q->score = 0;
    tern_image_free(grey);
    work_free(&w);
    return st;
}
