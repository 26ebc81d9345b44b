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
 * 2. The hand's axis and the finger columns (slap_axis.c): the rotation
 *    within 50 degrees of upright whose projection across the fingers
 *    splits into the expected number of columns with the least
 *    within-column scatter, the cuts at gaps or, where fingers touch, at
 *    notches between the fingertips (NFSEG's projection approach, NBIS;
 *    SlapSeg04, NISTIR 7209).
 * 3. Per finger column: the connected region reaching highest along the
 *    axis is the fingertip (lower phalanges lie below it). The finger's
 *    own axis is the principal axis (second moments) of that region when
 *    it is clearly elongated (a fingertip with its lower phalanges),
 *    within 25 degrees of the hand's; else the hand's. Along it, the
 *    distal phalanx runs from the tip to the first flexion crease (a light
 *    band across the finger, 1.0-1.9 finger widths down), else 1.4 finger
 *    widths (or to the region's end), and is cut out upright with
 *    bilinear sampling. Ridge blocks of other columns inside the cut are
 *    painted with the background grey so that a neighbour's edge, touching
 *    or not, does not enter the finger's template. The reported hand axis
 *    is the mean of the fingers' own axes.
 */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tern/finger.h"
#include "tern/slap.h"

#include "finger_internal.h"
#include "slap_internal.h"

#define PPI 500.0
#define MIN_REGION 150     /* blocks (~0.04 square inch): smaller regions are not fingers */
#define TIP_LENGTH 1.4     /* distal phalanx length, in finger widths, where no crease shows */
#define CREASE_DEPTH 0.35  /* a crease: darkness below this fraction of the fingertip's */
#define ELONGATION 1.5     /* a finger's blocks this much longer than wide give its own axis */
#define FINGER_TILT 25     /* degrees: a finger's axis at most this far from the hand's */
#define TIP_PROBE 240.0    /* px from the tip used to measure the finger's width */
#define MARGIN 12.0        /* px around the cut-out */
#define CLOSE_R 2          /* closing radius, blocks: joins a finger's ridge blocks */
#define CANDIDATES 3       /* regions of a column tried as its fingertip, highest first */
#define SLIDES 4           /* positions tried down a region, half a finger width apart */
#define OPEN_R 4           /* opening radius, blocks: removes text and lines up to ~70 px */

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
    double prior;          /* the axis across the ridges, radians clockwise from upright */
    double prior_coh;      /* and its coherence, 0..1 */
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
    /* the ridges' mean flow: the structure tensor summed over ridge blocks
     * (Bazen & Gerez); its dominant gradient runs across the ridges */
    double txx = 0, tyy = 0, txy = 0;
    for (int i = 0; i < nb; i++)
        if (gr->fg[i])
            txx += b[i].gxx, tyy += b[i].gyy, txy += b[i].gxy;
    double phi = 0.5 * atan2(2 * txy, txx - tyy); /* gradient direction from +x, y down */
    gr->prior = remainder(phi + M_PI / 2, M_PI);
    gr->prior_coh = txx + tyy > 0 ? sqrt((txx - tyy) * (txx - tyy) + 4 * txy * txy) / (txx + tyy) : 0;
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
    uint8_t *tmp = malloc((size_t)nb), *inv = calloc((size_t)nb, 1);
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

/* ---- one fingertip ---------------------------------------------------------- */

typedef struct tip {
    double theta, c, s;
    double v_top, length, u_lo, u_hi;
} tip;

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

/* A finger's own axis: the principal axis of its blocks `sel` (second
 * moments), when they are clearly longer than wide (a fingertip with its
 * lower phalanges); else, or if it strays more than FINGER_TILT from the
 * hand's axis, the hand's axis. Radians, clockwise from upright. */
static double finger_axis(const blocks *b, const int *sel, int m, double hand)
{
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < m; i++)
        mx += b->x[sel[i]] / m, my += b->y[sel[i]] / m;
    for (int i = 0; i < m; i++) {
        double dx = b->x[sel[i]] - mx, dy = b->y[sel[i]] - my;
        sxx += dx * dx, syy += dy * dy, sxy += dx * dy;
    }
    double tr = sxx + syy, det = sxx * syy - sxy * sxy;
    double disc = sqrt(fmax(0, tr * tr / 4 - det));
    double l1 = tr / 2 + disc, l2 = tr / 2 - disc;
    if (m < 8 || l1 < ELONGATION * ELONGATION * l2)
        return hand;
    /* the major axis, from +x with y down, turned to "clockwise from upright" */
    double alpha = 0.5 * atan2(2 * sxy, sxx - syy);
    double theta = remainder(alpha + M_PI / 2 - hand, M_PI) + hand;
    return fabs(theta - hand) <= FINGER_TILT * DEG ? theta : hand;
}

/* The distal phalanx's length from the tip (pixels along the axis): the
 * first flexion crease, a light band across the finger, between 1.0 and
 * 1.9 finger widths from the tip (where the mean darkness across the
 * middle of the finger falls below CREASE_DEPTH of the fingertip's); else
 * TIP_LENGTH widths. Never past `full`. */
static double tip_length(const grid *gr, const tip *t, double uc, double width, double full)
{
    enum { MAXS = 512 };
    double dark[MAXS], sm[MAXS];
    int ns = (int)(fmin(1.9 * width, full) / 2);
    ns = ns < MAXS ? ns : MAXS;
    for (int i = 0; i < ns; i++) {
        double v = t->v_top - 2.0 * i, sum = 0;
        int cnt = 0;
        for (double u = uc - 0.3 * width; u <= uc + 0.3 * width; u += 2, cnt++)
            sum += sample(gr->img, u * t->c + v * t->s, u * t->s - v * t->c, gr->bg);
        dark[i] = cnt ? gr->bg - sum / cnt : 0;
    }
    for (int i = 0; i < ns; i++) {
        double sum = 0;
        int cnt = 0;
        for (int j = i - 3; j <= i + 3; j++)
            if (j >= 0 && j < ns)
                sum += dark[j], cnt++;
        sm[i] = sum / cnt;
    }
    /* the fingertip's darkness: median over 0.2..0.8 widths */
    int lo = (int)(0.1 * width), hi = (int)(0.4 * width), nref = 0;
    double ref[MAXS];
    for (int i = lo; i < hi && i < ns; i++)
        ref[nref++] = sm[i];
    double tip_len = fmin(TIP_LENGTH * width, full);
    if (nref < 4)
        return tip_len;
    qsort(ref, (size_t)nref, sizeof *ref, cmp_double);
    double level = ref[nref / 2];
    int best = -1;
    for (int i = (int)(0.5 * width); i < ns; i++)
        if (sm[i] < CREASE_DEPTH * level && (best < 0 || sm[i] < sm[best]))
            best = i;
        else if (best >= 0 && sm[i] > CREASE_DEPTH * level)
            break; /* past the first crease */
    return best >= 0 ? 2.0 * best : tip_len;
}

/* The fingertip box of the blocks `sel` (indices into b), along the
 * finger's own axis (theta: the hand's), its top below v_limit (along the
 * finger's axis). */
static bool tip_box(const grid *gr, const blocks *b, const int *sel, int m, double theta,
                    double v_limit, tip *t)
{
    t->theta = finger_axis(b, sel, m, theta);
    t->c = cos(t->theta), t->s = sin(t->theta);
    /* the tip is the top of the finger's middle: a neighbour's edge that
     * touches the finger at the side of its column does not raise it */
    double ulo = INFINITY, uhi = -INFINITY, *us = malloc((size_t)(m ? m : 1) * sizeof *us);
    int nu = 0;
    if (!us)
        return false;
    for (int i = 0; i < m; i++) {
        double u = u_of(b->x[sel[i]], b->y[sel[i]], t->c, t->s);
        if (v_of(b->x[sel[i]], b->y[sel[i]], t->c, t->s) > v_limit)
            continue;
        ulo = u < ulo ? u : ulo;
        uhi = u > uhi ? u : uhi;
        us[nu++] = u;
    }
    qsort(us, (size_t)nu, sizeof *us, cmp_double);
    double um = nu ? us[nu / 2] : 0; /* the median: the finger's body, not an edge */
    free(us);
    double vmax = -INFINITY, vmin = INFINITY, band = 0.3 * (uhi - ulo);
    for (int i = 0; i < m; i++) {
        double v = v_of(b->x[sel[i]], b->y[sel[i]], t->c, t->s);
        if (v > v_limit)
            continue;
        if (fabs(u_of(b->x[sel[i]], b->y[sel[i]], t->c, t->s) - um) <= band)
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
    t->length = tip_length(gr, t, (lo + hi) / 2, width, full);
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
        for (int step = 0; step < SLIDES && tip_box(&k->gr, &k->b, k->sel, m, sp->theta, limit, t);
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
    tip_box(&k->gr, &k->b, k->sel, m, sp->theta, INFINITY, t);
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
    rc = k->b.n ? slap_find_axis(&k->b, n, gr->prior, gr->prior_coh, &sp, err) : TERN_E_QUALITY;

    if (rc == TERN_E_QUALITY)
        return tern_error_set(err, rc,
                              "slap %d: no %d finger regions found (%d ridge blocks of 8x8 px)",
                              slap, n, k->b.n);
    if (rc != TERN_OK)
        return rc;
    double axes = 0;
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
        axes += t.theta;
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
    /* the hand's axis, refined: the mean of its fingers' own axes (the
     * splay of the outer fingers cancels) */
    out->hand_angle_deg = axes / n / DEG;
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
