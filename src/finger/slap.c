/* slap.c - slap segmentation (tern/slap.h): a four-finger or two-thumb
 * plain impression, ANSI/NIST-ITL 1-2011 finger positions 13-15 (Table 8),
 * cut into single upright fingertips labelled with their positions.
 *
 * Method, on 8x8 blocks at 500 ppi:
 * 1. Ridge blocks: grey-level spread high against the image's best blocks
 *    and gradient coherence high (Bazen & Gerez, ProRISC 2001), over a
 *    24x24 window; closing, opening (removes printed text, handwriting and
 *    card lines, thinner than a finger), hole filling, and regions smaller
 *    than a fingertip dropped.
 * 2. The hand's axis: for each rotation in [-40, 40] degrees, the ridge
 *    blocks are projected across the finger axis and the projection is cut
 *    into the expected number of fingers where it is lowest (dynamic
 *    programming over the cut positions, each finger wide and heavy enough);
 *    the rotation with the lowest cuts wins, ties going to the narrowest
 *    projection (fingers aligned with the axis project narrowest). This is
 *    the projection idea of NIST's NFSEG (NBIS) and of the systems in
 *    SlapSeg04 (Ulery et al., NISTIR 7209, 2005).
 * 3. Per finger column: the connected region reaching highest along the
 *    axis is the fingertip (lower phalanges lie below it); the distal
 *    phalanx is taken as 1.4 finger widths from the tip (or to the
 *    region's end) and cut out upright, along the hand's axis, with
 *    bilinear sampling. (A finger's own axis from the second moments of its
 *    region was tried and dropped: on synthetic slaps it was off by up to
 *    17 degrees, worse than the hand's axis; the comparator is
 *    rotation-invariant, so the cut-out only has to hold the fingertip.)
 *    Ridge blocks of other regions inside the cut are painted with the
 *    background grey so that a neighbour's edge does not enter the
 *    finger's template.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tern/finger.h"
#include "tern/slap.h"

#include "finger_internal.h"

#define BLK 8              /* block side, pixels at 500 ppi */
#define PPI 500.0
#define MIN_REGION 150     /* blocks (~0.04 square inch): smaller regions are not fingers */
#define ANGLE_MAX 40       /* degrees either way */
#define MIN_FINGER_W 14    /* bins (112 px): narrowest finger column */
#define TIP_LENGTH 1.4     /* distal phalanx length, in finger widths */
#define TIP_PROBE 240.0    /* px from the tip used to measure the finger's width */
#define MARGIN 12.0        /* px around the cut-out */
#define CLOSE_R 2          /* closing radius, blocks: joins a finger's ridge blocks */
#define CANDIDATES 3       /* regions of a column tried as its fingertip, highest first */
#define SLIDES 4           /* positions tried down a region, half a finger width apart */
#define OPEN_R 4           /* opening radius, blocks: removes text and lines up to ~70 px */

static const double DEG = 3.14159265358979323846 / 180.0;

unsigned tern_slap_positions(int slap, int out[TERN_SLAP_MAX_FINGERS])
{
    static const int order[3][4] = {{2, 3, 4, 5}, {10, 9, 8, 7}, {6, 1, 0, 0}};
    if (slap < 13 || slap > 15)
        return 0;
    unsigned n = slap == 15 ? 2u : 4u;
    for (unsigned i = 0; i < n; i++)
        out[i] = order[slap - 13][i];
    return n;
}

void tern_slap_result_clear(tern_slap_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < TERN_SLAP_MAX_FINGERS; i++)
        tern_image_free(r->finger[i].image);
    memset(r, 0, sizeof *r);
}

/* ---- ridge blocks ------------------------------------------------------- */

typedef struct grid {
    const tern_image *img; /* grey, 500 ppi */
    int gw, gh;
    uint8_t *fg;           /* ridge blocks after cleaning */
    int *label;            /* scratch: region labels */
    int *stack;            /* scratch: flood fill */
    double bg;             /* background grey level */
} grid;

typedef struct bsum {
    double s, s2, gxx, gyy, gxy;
} bsum;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Per-block sums of grey and of gradient products (central differences). */
static void block_sums(const tern_image *g, int gw, int gh, bsum *b)
{
    const uint8_t *p = g->pixels;
    int w = (int)g->width, h = (int)g->height;
    for (int y = 0; y < gh * BLK; y++)
        for (int x = 0; x < gw * BLK; x++) {
            double v = p[(size_t)y * w + x];
            int xl = x > 0 ? x - 1 : x, xr = x + 1 < w ? x + 1 : x;
            int yu = y > 0 ? y - 1 : y, yd = y + 1 < h ? y + 1 : y;
            double gx = (double)p[(size_t)y * w + xr] - p[(size_t)y * w + xl];
            double gy = (double)p[(size_t)yd * w + x] - p[(size_t)yu * w + x];
            bsum *s = &b[(y / BLK) * gw + x / BLK];
            s->s += v;
            s->s2 += v * v;
            s->gxx += gx * gx;
            s->gyy += gy * gy;
            s->gxy += gx * gy;
        }
}

/* Ridge blocks: spread and coherence over the 3x3-block window. Also sets
 * the background level (mean grey of the other blocks). */
static tern_status ridge_blocks(grid *gr, tern_error *err)
{
    int gw = gr->gw, gh = gr->gh, nb = gw * gh;
    bsum *b = calloc((size_t)nb, sizeof *b);
    double *sd = malloc((size_t)nb * sizeof *sd), *coh = malloc((size_t)nb * sizeof *coh);
    double *mean = malloc((size_t)nb * sizeof *mean), *sorted = malloc((size_t)nb * sizeof *sorted);
    if (!b || !sd || !coh || !mean || !sorted) {
        free(b), free(sd), free(coh), free(mean), free(sorted);
        return tern_error_set(err, TERN_E_NOMEM, "slap: out of memory");
    }
    block_sums(gr->img, gw, gh, b);
    for (int by = 0; by < gh; by++)
        for (int bx = 0; bx < gw; bx++) {
            bsum w = {0, 0, 0, 0, 0};
            double n = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int x = bx + dx, y = by + dy;
                    if (x < 0 || y < 0 || x >= gw || y >= gh)
                        continue;
                    const bsum *s = &b[y * gw + x];
                    w.s += s->s, w.s2 += s->s2, w.gxx += s->gxx, w.gyy += s->gyy;
                    w.gxy += s->gxy, n += BLK * BLK;
                }
            int i = by * gw + bx;
            mean[i] = w.s / n;
            double var = w.s2 / n - mean[i] * mean[i];
            sd[i] = var > 0 ? sqrt(var) : 0;
            double den = w.gxx + w.gyy;
            coh[i] = den > 0 ? sqrt((w.gxx - w.gyy) * (w.gxx - w.gyy) + 4 * w.gxy * w.gxy) / den
                             : 0;
        }
    memcpy(sorted, sd, (size_t)nb * sizeof *sorted);
    qsort(sorted, (size_t)nb, sizeof *sorted, cmp_double);
    double t = 0.3 * sorted[(size_t)(0.95 * (nb - 1))];
    if (t < 6)
        t = 6;
    double bgsum = 0, bgn = 0;
    for (int i = 0; i < nb; i++) {
        gr->fg[i] = sd[i] > t && coh[i] > 0.3;
        if (!gr->fg[i])
            bgsum += mean[i], bgn++;
    }
    gr->bg = bgn > 0 ? bgsum / bgn : 255;
    free(b), free(sd), free(coh), free(mean), free(sorted);
    return TERN_OK;
}

/* Labels the 4-connected regions of blocks where keep(i) holds, from 1;
 * returns the count and writes each region's size into sizes (if room). */
static int regions(grid *gr, const uint8_t *m, int *sizes, int max_sizes)
{
    int gw = gr->gw, nb = gw * gr->gh, n = 0;
    for (int i = 0; i < nb; i++)
        gr->label[i] = 0;
    for (int i = 0; i < nb; i++) {
        if (!m[i] || gr->label[i])
            continue;
        int top = 0, size = 0;
        n++;
        gr->label[i] = n;
        gr->stack[top++] = i;
        while (top) {
            int j = gr->stack[--top], x = j % gw, y = j / gw;
            size++;
            int nbr[4] = {x > 0 ? j - 1 : -1, x + 1 < gw ? j + 1 : -1, y > 0 ? j - gw : -1,
                          j + gw < nb ? j + gw : -1};
            for (int k = 0; k < 4; k++)
                if (nbr[k] >= 0 && m[nbr[k]] && !gr->label[nbr[k]]) {
                    gr->label[nbr[k]] = n;
                    gr->stack[top++] = nbr[k];
                }
        }
        if (n <= max_sizes)
            sizes[n - 1] = size;
    }
    return n;
}

/* Closing, opening, hole filling, small regions dropped. */
static tern_status clean_mask(grid *gr, tern_error *err)
{
    int gw = gr->gw, gh = gr->gh, nb = gw * gh;
    uint8_t *tmp = malloc((size_t)nb), *inv = malloc((size_t)nb);
    int *sizes = malloc((size_t)nb * sizeof *sizes);
    if (!tmp || !inv || !sizes) {
        free(tmp), free(inv), free(sizes);
        return tern_error_set(err, TERN_E_NOMEM, "slap: out of memory");
    }
    for (int k = 0; k < 2 * CLOSE_R + 2 * OPEN_R; k++) /* dilate, erode, erode, dilate */
        fp_morph3(gr->fg, tmp, gw, gh, k >= CLOSE_R && k < 2 * CLOSE_R + OPEN_R);
    /* holes: background regions not touching the border */
    for (int i = 0; i < nb; i++)
        inv[i] = !gr->fg[i];
    int n = regions(gr, inv, sizes, nb);
    uint8_t *border = calloc((size_t)n + 1, 1);
    if (!border) {
        free(tmp), free(inv), free(sizes);
        return tern_error_set(err, TERN_E_NOMEM, "slap: out of memory");
    }
    for (int i = 0; i < nb; i++) {
        int x = i % gw, y = i / gw;
        if (gr->label[i] && (x == 0 || y == 0 || x == gw - 1 || y == gh - 1))
            border[gr->label[i]] = 1;
    }
    for (int i = 0; i < nb; i++)
        if (gr->label[i] && !border[gr->label[i]])
            gr->fg[i] = 1;
    free(border);
    n = regions(gr, gr->fg, sizes, nb);
    for (int i = 0; i < nb; i++)
        if (gr->label[i] && sizes[gr->label[i] - 1] < MIN_REGION)
            gr->fg[i] = 0;
    free(tmp), free(inv), free(sizes);
    return TERN_OK;
}

/* ---- the hand's axis and the finger columns ----------------------------- */

/* Along a rotation theta (clockwise from upright), a point's coordinate
 * across the fingers (u, to the right) and along them (v, towards the
 * tips): u = x cos + y sin, v = x sin - y cos; back: x = u cos + v sin,
 * y = u sin - v cos (a rotation, not a mirror). */
static double u_of(double x, double y, double c, double s) { return x * c + y * s; }
static double v_of(double x, double y, double c, double s) { return x * s - y * c; }

typedef struct split {
    double theta;          /* radians */
    double u0;             /* u of bin 0 */
    int cut[TERN_SLAP_MAX_FINGERS + 1]; /* bin bounds: finger i is [cut[i], cut[i+1]) */
    double cost;           /* projection at the cuts, relative to its peak */
    int occupied;          /* bins holding ridge blocks */
    bool ok;
} split;

/* Best cuts of histogram h (K bins) into n columns: lowest sum of the
 * smoothed projection at the cuts, each column at least MIN_FINGER_W bins
 * wide and holding at least min_mass blocks. */
static bool best_cuts(const int *h, int K, int n, double min_mass, double *hs, int *pre,
                      double *dp, int *from, split *sp)
{
    pre[0] = 0;
    double peak = 0;
    for (int k = 0; k < K; k++) {
        pre[k + 1] = pre[k] + h[k];
        hs[k] = (2.0 * h[k] + (k ? h[k - 1] : 0) + (k + 1 < K ? h[k + 1] : 0)) / 4.0;
        if (hs[k] > peak)
            peak = hs[k];
    }
    sp->cut[0] = 0;
    sp->cut[n] = K;
    if (n == 1) {
        sp->cost = 0;
        return pre[K] >= min_mass;
    }
    /* dp[j * K + c]: best cost with cut j (1-based) at bin c */
    for (int j = 1; j < n; j++)
        for (int c = 0; c < K; c++) {
            double best = INFINITY;
            int arg = -1;
            if (j == 1) {
                if (c >= MIN_FINGER_W && pre[c] >= min_mass)
                    best = 0, arg = 0;
            } else {
                for (int p = 0; p + MIN_FINGER_W <= c; p++) {
                    double v = dp[(j - 1) * K + p];
                    if (v < best && pre[c] - pre[p] >= min_mass)
                        best = v, arg = p;
                }
            }
            dp[j * K + c] = arg >= 0 ? best + hs[c] : INFINITY;
            from[j * K + c] = arg;
        }
    double best = INFINITY;
    int arg = -1;
    for (int c = 0; c + MIN_FINGER_W <= K; c++)
        if (dp[(n - 1) * K + c] < best && pre[K] - pre[c] >= min_mass)
            best = dp[(n - 1) * K + c], arg = c;
    if (arg < 0)
        return false;
    for (int j = n - 1; j >= 1; j--) {
        sp->cut[j] = arg;
        arg = from[j * K + arg];
    }
    sp->cost = peak > 0 ? best / peak : 0;
    return true;
}

typedef struct blocks {
    int n;
    double *x, *y; /* block centres, pixels */
    int *idx;      /* block index in the grid */
} blocks;

/* The rotation and cuts that best separate n fingers. */
static tern_status find_axis(const blocks *b, int n, split *best, tern_error *err)
{
    double extent = 0;
    for (int i = 0; i < b->n; i++) {
        double r = sqrt(b->x[i] * b->x[i] + b->y[i] * b->y[i]);
        if (r > extent)
            extent = r;
    }
    int K = (int)(2 * extent / BLK) + 2;
    int *h = malloc((size_t)K * sizeof *h), *pre = malloc((size_t)(K + 1) * sizeof *pre);
    double *hs = malloc((size_t)K * sizeof *hs), *dp = malloc((size_t)K * n * sizeof *dp);
    int *from = malloc((size_t)K * n * sizeof *from);
    split *all = calloc(2 * ANGLE_MAX + 1, sizeof *all);
    if (!h || !pre || !hs || !dp || !from || !all) {
        free(h), free(pre), free(hs), free(dp), free(from), free(all);
        return tern_error_set(err, TERN_E_NOMEM, "slap: out of memory");
    }
    int occ_min = 0;
    for (int a = -ANGLE_MAX; a <= ANGLE_MAX; a++) {
        split *sp = &all[a + ANGLE_MAX];
        sp->theta = a * DEG;
        double c = cos(sp->theta), s = sin(sp->theta), umin = INFINITY, umax = -INFINITY;
        for (int i = 0; i < b->n; i++) {
            double u = u_of(b->x[i], b->y[i], c, s);
            umin = u < umin ? u : umin;
            umax = u > umax ? u : umax;
        }
        int k = (int)((umax - umin) / BLK) + 1;
        memset(h, 0, (size_t)K * sizeof *h);
        for (int i = 0; i < b->n; i++)
            h[(int)((u_of(b->x[i], b->y[i], c, s) - umin) / BLK)]++;
        sp->u0 = umin;
        for (int j = 0; j < k; j++)
            sp->occupied += h[j] > 0;
        sp->ok = best_cuts(h, k, n, 0.25 * b->n / n, hs, pre, dp, from, sp);
        if (sp->ok && (!occ_min || sp->occupied < occ_min))
            occ_min = sp->occupied;
    }
    double best_score = INFINITY;
    for (int a = 0; a <= 2 * ANGLE_MAX; a++) {
        /* scan outwards from 0 so that ties keep the smaller rotation */
        int i = ANGLE_MAX + ((a & 1) ? (a + 1) / 2 : -(a / 2));
        if (!all[i].ok)
            continue;
        double score = all[i].cost + 0.25 * ((double)all[i].occupied / occ_min - 1);
        if (score < best_score - 1e-9)
            best_score = score, *best = all[i];
    }
    free(h), free(pre), free(hs), free(dp), free(from), free(all);
    return best_score < INFINITY ? TERN_OK : TERN_E_QUALITY;
}

/* ---- one fingertip ---------------------------------------------------------- */

typedef struct tip {
    double theta, c, s;
    double v_top, length, u_lo, u_hi;
} tip;

/* The fingertip box of the blocks `sel` (indices into b) along theta. */
static bool tip_box(const blocks *b, const int *sel, int m, double theta, double v_limit, tip *t)
{
    t->theta = theta, t->c = cos(theta), t->s = sin(theta);
    double vmax = -INFINITY, vmin = INFINITY;
    for (int i = 0; i < m; i++) {
        double v = v_of(b->x[sel[i]], b->y[sel[i]], t->c, t->s);
        if (v > v_limit)
            continue;
        vmax = v > vmax ? v : vmax;
        vmin = v < vmin ? v : vmin;
    }
    if (vmax == -INFINITY)
        return false;
    t->v_top = vmax + BLK / 2.0;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < m; i++) {
        double x = b->x[sel[i]], y = b->y[sel[i]], v = v_of(x, y, t->c, t->s);
        if (v < t->v_top - TIP_PROBE || v > v_limit)
            continue;
        double u = u_of(x, y, t->c, t->s);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    double width = hi - lo + BLK, full = t->v_top - (vmin - BLK / 2.0);
    t->length = TIP_LENGTH * width < full ? TIP_LENGTH * width : full;
    t->u_lo = INFINITY, t->u_hi = -INFINITY;
    for (int i = 0; i < m; i++) {
        double x = b->x[sel[i]], y = b->y[sel[i]], v = v_of(x, y, t->c, t->s);
        if (v < t->v_top - t->length || v > v_limit)
            continue;
        double u = u_of(x, y, t->c, t->s);
        t->u_lo = u < t->u_lo ? u : t->u_lo;
        t->u_hi = u > t->u_hi ? u : t->u_hi;
    }
    t->u_lo -= BLK / 2.0, t->u_hi += BLK / 2.0;
    return true;
}

static double sample(const tern_image *g, double x, double y, double bg)
{
    if (x < 0 || y < 0 || x > g->width - 1 || y > g->height - 1)
        return bg;
    int x0 = (int)x, y0 = (int)y;
    int x1 = x0 + 1 < (int)g->width ? x0 + 1 : x0, y1 = y0 + 1 < (int)g->height ? y0 + 1 : y0;
    double fx = x - x0, fy = y - y0;
    const uint8_t *p = g->pixels;
    size_t w = g->width;
    double top = p[y0 * w + x0] * (1 - fx) + p[y0 * w + x1] * fx;
    double bot = p[y1 * w + x0] * (1 - fx) + p[y1 * w + x1] * fx;
    return top * (1 - fy) + bot * fy;
}

/* Cuts the fingertip t out upright; ridge blocks not marked `mine` in
 * owner become background. */
static tern_status cut_tip(const grid *gr, const tip *t, const uint8_t *owner, uint8_t mine,
                           tern_image **out, tern_error *err)
{
    uint32_t w = (uint32_t)(t->u_hi - t->u_lo + 2 * MARGIN + 0.5);
    uint32_t h = (uint32_t)(t->length + 2 * MARGIN + 0.5);
    tern_status rc = tern_image_create(w, h, 1, out, err);
    if (rc != TERN_OK)
        return rc;
    (*out)->ppi_x = (*out)->ppi_y = PPI;
    for (uint32_t oy = 0; oy < h; oy++)
        for (uint32_t ox = 0; ox < w; ox++) {
            double u = t->u_lo - MARGIN + ox + 0.5, v = t->v_top + MARGIN - oy - 0.5;
            double x = u * t->c + v * t->s, y = u * t->s - v * t->c;
            int bx = (int)floor(x / BLK), by = (int)floor(y / BLK);
            double val = gr->bg;
            if (bx < 0 || by < 0 || bx >= gr->gw || by >= gr->gh ||
                !gr->fg[by * gr->gw + bx] || owner[by * gr->gw + bx] == mine)
                val = sample(gr->img, x - 0.5, y - 0.5, gr->bg);
            (*out)->pixels[(size_t)oy * w + ox] = (uint8_t)(val + 0.5);
        }
    return TERN_OK;
}

/* ---- the service -------------------------------------------------------------- */

typedef struct work {
    grid gr;
    blocks b;
    uint8_t *owner, *in_col;
    int *sel, *sizes;
} work;

static void work_free(work *k)
{
    free(k->gr.fg), free(k->gr.label), free(k->gr.stack);
    free(k->b.x), free(k->b.y), free(k->b.idx);
    free(k->owner), free(k->in_col), free(k->sel), free(k->sizes);
}

static tern_status to_grey_500(const tern_image *img, tern_image **g, tern_error *err)
{
    if (!(img->ppi_x > 0) || !(img->ppi_y > 0))
        return tern_error_set(err, TERN_E_ARG, "slap: the image's resolution is unknown");
    tern_image *grey = NULL;
    tern_status rc = tern_image_to_grey(img, &grey, err);
    if (rc != TERN_OK)
        return rc;
    if (fabs(img->ppi_x - PPI) > 5 || fabs(img->ppi_y - PPI) > 5) {
        rc = tern_image_resample(grey, PPI, g, err);
        tern_image_free(grey);
        return rc;
    }
    *g = grey;
    return TERN_OK;
}

/* Labels the regions of column i (blocks whose u falls between its cuts)
 * in gr->label and returns up to max candidate regions, highest top
 * first: those of at least 30 % of the column's largest region. */
static int column_candidates(work *k, const split *sp, int i, int *cand, int max)
{
    grid *gr = &k->gr;
    int nb = gr->gw * gr->gh;
    double c = cos(sp->theta), s = sin(sp->theta);
    memset(k->in_col, 0, (size_t)nb);
    for (int j = 0; j < k->b.n; j++) {
        int bin = (int)((u_of(k->b.x[j], k->b.y[j], c, s) - sp->u0) / BLK);
        if (bin >= sp->cut[i] && bin < sp->cut[i + 1])
            k->in_col[k->b.idx[j]] = 1;
    }
    int nreg = regions(gr, k->in_col, k->sizes, nb), big = 0, n = 0;
    for (int r = 0; r < nreg; r++)
        big = k->sizes[r] > big ? k->sizes[r] : big;
    double *top = calloc((size_t)nreg + 1, sizeof *top);
    if (!top)
        return -1;
    for (int r = 0; r <= nreg; r++)
        top[r] = -INFINITY;
    for (int j = 0; j < k->b.n; j++) {
        int r = gr->label[k->b.idx[j]];
        double v = v_of(k->b.x[j], k->b.y[j], c, s);
        if (r && v > top[r])
            top[r] = v;
    }
    while (n < max) {
        int best = 0;
        for (int r = 1; r <= nreg; r++)
            if (k->sizes[r - 1] >= 0.3 * big && top[r] > -INFINITY &&
                (!best || top[r] > top[best]))
                best = r;
        if (!best)
            break;
        cand[n++] = best;
        top[best] = -INFINITY;
    }
    free(top);
    return n;
}

/* The blocks of region r (indices into k->b), marked in owner as finger
 * mark (0 clears a previous mark). */
static int region_blocks(work *k, int r, uint8_t mark, int *sel)
{
    int m = 0;
    for (int j = 0; j < k->b.n; j++)
        if (k->gr.label[k->b.idx[j]] == r) {
            sel[m++] = j;
            k->owner[k->b.idx[j]] = mark;
        }
    return m;
}

/* A cut-out is a fingertip if the extractor enrolls it with a consistent
 * ridge period: handwriting, stamps and smudges that survive the block
 * mask do not (a scribble over NIST's card enrolls 9 minutiae at frequency
 * consistency 0.01; its fingertips score 0.44-0.66). */
static bool is_print(const tern_image *img)
{
    tern_template *t = NULL;
    tern_finger_quality q;
    tern_status rc = tern_extract(img, NULL, &t, &q, NULL);
    tern_template_free(t);
    return rc == TERN_OK && q.frequency_consistency >= 0.2f;
}

/* Finger i of the slap: in the candidate regions of its column, highest
 * first, the first cut-out that is a print, moving down a region half a
 * finger width at a time when its top is not (writing that touches a
 * finger joins its region); if none is, the highest region's top, for the
 * caller's extractor to refuse with its reason. */
static tern_status column_tip(work *k, const split *sp, int i, tip *t, tern_image **out,
                              tern_error *err)
{
    int cand[CANDIDATES];
    int nc = column_candidates(k, sp, i, cand, CANDIDATES);
    if (nc < 0)
        return tern_error_set(err, TERN_E_NOMEM, "slap: out of memory");
    if (nc == 0)
        return TERN_E_QUALITY;
    uint8_t mark = (uint8_t)(i + 1);
    for (int c = 0; c < nc; c++) {
        int m = region_blocks(k, cand[c], mark, k->sel);
        double limit = INFINITY;
        for (int step = 0; step < SLIDES && tip_box(&k->b, k->sel, m, sp->theta, limit, t);
             step++) {
            tern_status rc = cut_tip(&k->gr, t, k->owner, mark, out, err);
            if (rc != TERN_OK || is_print(*out))
                return rc;
            tern_image_free(*out);
            *out = NULL;
            limit = t->v_top - BLK / 2.0 - 0.5 * (t->u_hi - t->u_lo);
        }
        region_blocks(k, cand[c], 0, k->sel);
    }
    int m = region_blocks(k, cand[0], mark, k->sel);
    tip_box(&k->b, k->sel, m, sp->theta, INFINITY, t);
    return cut_tip(&k->gr, t, k->owner, mark, out, err);
}

static tern_status segment(work *k, const tern_image *img, const tern_image *g, int slap,
                           const int *pos, int n, tern_slap_result *out, tern_error *err)
{
    grid *gr = &k->gr;
    int nb = gr->gw * gr->gh;
    tern_status rc = ridge_blocks(gr, err);
    if (rc == TERN_OK)
        rc = clean_mask(gr, err);
    if (rc != TERN_OK)
        return rc;
    for (int i = 0; i < nb; i++)
        if (gr->fg[i]) {
            k->b.x[k->b.n] = (i % gr->gw) * BLK + BLK / 2.0;
            k->b.y[k->b.n] = (i / gr->gw) * BLK + BLK / 2.0;
            k->b.idx[k->b.n++] = i;
        }
    split sp;
    memset(&sp, 0, sizeof sp);
    rc = k->b.n ? find_axis(&k->b, n, &sp, err) : TERN_E_QUALITY;
    if (rc == TERN_E_QUALITY)
        return tern_error_set(err, rc,
                              "slap %d: no %d finger regions found (%d ridge blocks of 8x8 px)",
                              slap, n, k->b.n);
    if (rc != TERN_OK)
        return rc;
    out->hand_angle_deg = sp.theta / DEG;
    double sx = img->ppi_x / PPI, sy = img->ppi_y / PPI;
    for (int i = 0; i < n; i++) {
        tip t = {0, 0, 0, 0, 0, 0, 0};
        tern_slap_finger *f = &out->finger[i];
        rc = column_tip(k, &sp, i, &t, &f->image, err);
        if (rc == TERN_E_QUALITY)
            return tern_error_set(err, rc,
                                  "slap %d: finger %d of %d (position %d) has no fingertip region",
                                  slap, i + 1, n, pos[i]);
        if (rc != TERN_OK)
            return rc;
        out->n++;
        f->position = pos[i];
        f->angle_deg = t.theta / DEG;
        double us[4] = {t.u_lo - MARGIN, t.u_hi + MARGIN, t.u_hi + MARGIN, t.u_lo - MARGIN};
        double vs[4] = {t.v_top + MARGIN, t.v_top + MARGIN, t.v_top - t.length - MARGIN,
                        t.v_top - t.length - MARGIN};
        f->cx = f->cy = 0;
        for (int q = 0; q < 4; q++) {
            f->corner[q][0] = (us[q] * t.c + vs[q] * t.s) * sx;
            f->corner[q][1] = (us[q] * t.s - vs[q] * t.c) * sy;
            f->cx += f->corner[q][0] / 4;
            f->cy += f->corner[q][1] / 4;
        }
    }
    return TERN_OK;
}

tern_status tern_slap_segment(const tern_image *img, int slap, const tern_slap_opts *opts,
                              tern_slap_result *out, tern_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!img || !out || !img->pixels)
        return tern_error_set(err, TERN_E_ARG, "slap: image and result required");
    int all[TERN_SLAP_MAX_FINGERS], pos[TERN_SLAP_MAX_FINGERS];
    unsigned total = tern_slap_positions(slap, all);
    if (!total)
        return tern_error_set(err, TERN_E_ARG,
                              "slap: position %d is not a slap (13 right, 14 left, 15 thumbs)",
                              slap);
    int n = 0;
    for (unsigned i = 0; i < total; i++)
        if (!(opts && (opts->absent & (1u << (all[i] - 1)))))
            pos[n++] = all[i];
    if (!n)
        return tern_error_set(err, TERN_E_ARG, "slap %d: every finger is marked absent", slap);
    tern_image *g = NULL;
    tern_status rc = to_grey_500(img, &g, err);
    if (rc != TERN_OK)
        return rc;
    if (g->width < TERN_SLAP_MIN_DIM || g->height < TERN_SLAP_MIN_DIM ||
        g->width > TERN_SLAP_MAX_DIM || g->height > TERN_SLAP_MAX_DIM) {
        rc = tern_error_set(err, TERN_E_LIMIT,
                            "slap %d: %ux%u pixels at 500 ppi (each side %u..%u)", slap,
                            g->width, g->height, TERN_SLAP_MIN_DIM, TERN_SLAP_MAX_DIM);
        tern_image_free(g);
        return rc;
    }
    work k;
    memset(&k, 0, sizeof k);
    k.gr.img = g;
    k.gr.gw = (int)g->width / BLK;
    k.gr.gh = (int)g->height / BLK;
    size_t nb = (size_t)k.gr.gw * k.gr.gh;
    k.gr.fg = calloc(nb, 1);
    k.gr.label = malloc(nb * sizeof *k.gr.label);
    k.gr.stack = malloc(nb * sizeof *k.gr.stack);
    k.b.x = malloc(nb * sizeof *k.b.x);
    k.b.y = malloc(nb * sizeof *k.b.y);
    k.b.idx = malloc(nb * sizeof *k.b.idx);
    k.owner = calloc(nb, 1);
    k.in_col = malloc(nb);
    k.sel = malloc(nb * sizeof *k.sel);
    k.sizes = malloc(nb * sizeof *k.sizes);
    if (!k.sizes ||!k.gr.fg || !k.gr.label || !k.gr.stack || !k.b.x || !k.b.y || !k.b.idx || !k.owner ||
        !k.in_col || !k.sel)
        rc = tern_error_set(err, TERN_E_NOMEM, "slap: out of memory");
    else
        rc = segment(&k, img, g, slap, pos, n, out, err);
    out->slap_position = slap;
    work_free(&k);
    tern_image_free(g);
    if (rc != TERN_OK)
        tern_slap_result_clear(out);
    return rc;
}
