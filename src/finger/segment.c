/* segment.c - foreground segmentation: which blocks hold ridges.
 *
 * Method (Maltoni et al., Handbook of Fingerprint Recognition, 2nd ed.,
 * section 3.4; Bazen & Gerez, "Segmentation of fingerprint images", ProRISC
 * 2001): a block is foreground when its grey-level spread is high relative
 * to the image's best blocks AND its gradients are coherent (ridges are
 * oriented; sensor noise, latent residue and blank areas are not). The block
 * mask is then cleaned by morphology (closing, opening), reduced to the
 * largest connected region, and its holes are filled (cores and scars have
 * low coherence but are finger). The pixel mask interpolates the block mask
 * bilinearly for a smooth contour; a chamfer (3-4) distance to the
 * background lets later stages drop minutiae near the border (Borgefors,
 * "Distance transformations in digital images", CVGIP 34, 1986).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "finger/finger_internal.h"

/* Second pass: blocks whose neighbourhood shows no ridge-valley structure
 * after enhancement (clarity, enhance.c) are background: sensor noise,
 * latent residue and smudges are rejected here, where grey-level spread and
 * coherence alone let them through. */
#define REFINE_CLARITY 0.3f

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

void fp_morph3(uint8_t *m, uint8_t *tmp, int bw, int bh, int op)
{
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            int any = 0, all = 1;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int X = x + dx, Y = y + dy;
                    int v = (X >= 0 && Y >= 0 && X < bw && Y < bh) ? m[Y * bw + X] : 0;
                    any |= v;
                    all &= v;
                }
            tmp[y * bw + x] = (uint8_t)(op == 0 ? any : all);
        }
    memcpy(m, tmp, (size_t)bw * bh);
}

/* Flood fill from seed over cells equal to `from`, writing `to`; returns the
 * count. stack holds bw*bh ints. */
static size_t flood(uint8_t *m, int bw, int bh, int seed, uint8_t from, uint8_t to, int *stack)
{
    size_t n = 0, sp = 0;
    m[seed] = to;
    stack[sp++] = seed;
    while (sp) {
        int i = stack[--sp], x = i % bw, y = i / bw;
        n++;
        static const int d[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
        for (int k = 0; k < 4; k++) {
            int X = x + d[k][0], Y = y + d[k][1];
            if (X < 0 || Y < 0 || X >= bw || Y >= bh || m[Y * bw + X] != from)
                continue;
            m[Y * bw + X] = to;
            stack[sp++] = Y * bw + X;
        }
    }
    return n;
}

static tern_status clean_mask(uint8_t *m, int bw, int bh, tern_error *err)
{
    size_t nb = (size_t)bw * bh;
    uint8_t *tmp = malloc(nb);
    int *stack = malloc(nb * sizeof *stack);
    if (!tmp || !stack) {
        free(tmp), free(stack);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for segmentation");
    }
    fp_morph3(m, tmp, bw, bh, 0); /* closing */
    fp_morph3(m, tmp, bw, bh, 1);
    fp_morph3(m, tmp, bw, bh, 1); /* opening */
    fp_morph3(m, tmp, bw, bh, 0);
    /* Keep the largest 4-connected region: label regions as 2, find the best. */
    size_t best = 0;
    int best_seed = -1;
    for (size_t i = 0; i < nb; i++)
        if (m[i] == 1) {
            size_t n = flood(m, bw, bh, (int)i, 1, 2, stack);
            if (n > best)
                best = n, best_seed = (int)i;
        }
    if (best_seed >= 0)
        flood(m, bw, bh, best_seed, 2, 3, stack);
    for (size_t i = 0; i < nb; i++)
        m[i] = m[i] == 3;
    /* Fill holes: background not reachable from the grid's edge. */
    for (int x = 0; x < bw; x++) {
        if (!m[x])
            flood(m, bw, bh, x, 0, 2, stack);
        if (!m[(bh - 1) * bw + x])
            flood(m, bw, bh, (bh - 1) * bw + x, 0, 2, stack);
    }
    for (int y = 0; y < bh; y++) {
        if (!m[y * bw])
            flood(m, bw, bh, y * bw, 0, 2, stack);
        if (!m[y * bw + bw - 1])
            flood(m, bw, bh, y * bw + bw - 1, 0, 2, stack);
    }
    for (size_t i = 0; i < nb; i++)
        m[i] = m[i] != 2;
    free(tmp), free(stack);
    return TERN_OK;
}

/* Pixel mask: the block mask interpolated bilinearly, thresholded at 1/2. */
static void pixel_mask(fp_work *w)
{
    const int bw = w->bw, bh = w->bh, W = w->w;
    int *xa = malloc((size_t)W * 2 * sizeof *xa);
    float *ax = malloc((size_t)W * sizeof *ax);
    if (!xa || !ax) { /* degrade: nearest block */
        for (int y = 0; y < w->h; y++)
            for (int x = 0; x < W; x++)
                w->mask[(size_t)y * W + x] = w->fg[(size_t)(y / FP_BLOCK) * bw + x / FP_BLOCK];
        free(xa), free(ax);
        return;
    }
    for (int x = 0; x < W; x++) { /* the horizontal interpolation, once per column */
        float fx = (x + 0.5f) / FP_BLOCK - 0.5f;
        int x0 = fx < 0 ? -1 : (int)fx;
        xa[2 * x] = fp_clampi(x0, 0, bw - 1);
        xa[2 * x + 1] = fp_clampi(x0 + 1, 0, bw - 1);
        ax[x] = fx - x0;
    }
    for (int y = 0; y < w->h; y++) {
        float fy = (y + 0.5f) / FP_BLOCK - 0.5f;
        int y0 = fy < 0 ? -1 : (int)fy;
        float ay = fy - y0;
        const uint8_t *r0 = w->fg + (size_t)fp_clampi(y0, 0, bh - 1) * bw;
        const uint8_t *r1 = w->fg + (size_t)fp_clampi(y0 + 1, 0, bh - 1) * bw;
        uint8_t *out = w->mask + (size_t)y * W;
        for (int x = 0; x < W; x++) {
            int a = r0[xa[2 * x]], b = r0[xa[2 * x + 1]], c = r1[xa[2 * x]], d = r1[xa[2 * x + 1]];
            if (a == b && b == c && c == d) { /* inside a uniform 2x2: no interpolation */
                out[x] = (uint8_t)a;
                continue;
            }
            float v = (1 - ay) * ((1 - ax[x]) * a + ax[x] * b) + ay * ((1 - ax[x]) * c + ax[x] * d);
            out[x] = (uint8_t)(v > 0.5f);
        }
    }
    free(xa), free(ax);
}

tern_status fp_segment(fp_work *w, tern_error *err)
{
    const int bw = w->bw, bh = w->bh;
    size_t nb = (size_t)bw * bh;
    float *sorted = malloc(nb * sizeof *sorted);
    if (!sorted)
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for segmentation");
    memcpy(sorted, w->bstd, nb * sizeof *sorted);
    qsort(sorted, nb, sizeof *sorted, cmp_float);
    float ref = sorted[(size_t)(0.95 * (double)(nb - 1))];
    free(sorted);
    float t_std = 0.22f * ref;
    if (t_std < 5.0f)
        t_std = 5.0f;
    for (size_t i = 0; i < nb; i++) {
        float s = w->bstd[i], c = w->coh[i];
        w->fg[i] = (uint8_t)(s > t_std && (c > 0.22f || (s > 0.45f * ref && c > 0.12f)));
    }
    tern_status st = clean_mask(w->fg, bw, bh, err);
    if (st != TERN_OK)
        return st;
    pixel_mask(w);
    return TERN_OK;
}

tern_status fp_segment_refine(fp_work *w, tern_error *err)
{
    const int bw = w->bw, bh = w->bh;
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            size_t b = (size_t)by * bw + bx;
            if (!w->fg[b])
                continue;
            float s = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int X = fp_clampi(bx + dx, 0, bw - 1), Y = fp_clampi(by + dy, 0, bh - 1);
                    s += w->clarity[(size_t)Y * bw + X];
                }
            if (s / 9.0f < REFINE_CLARITY)
                w->fg[b] = 0;
        }
    tern_status st = clean_mask(w->fg, bw, bh, err);
    if (st != TERN_OK)
        return st;
    pixel_mask(w);
    return fp_border_distance(w, err);
}

tern_status fp_border_distance(fp_work *w, tern_error *err)
{
    /* Chamfer 3-4 in a buffer with a one-pixel frame of background (outside
     * the image counts as background), so the passes need no bounds checks. */
    const int W = w->w, H = w->h, PW = W + 2;
    int32_t *d = malloc((size_t)PW * (H + 2) * sizeof *d);
    if (!d)
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for the border distance");
    const int32_t big = INT32_MAX / 2;
    for (int y = 0; y < H + 2; y++)
        for (int x = 0; x < PW; x++) {
            int inside = x > 0 && y > 0 && x <= W && y <= H;
            d[(size_t)y * PW + x] = inside && w->mask[(size_t)(y - 1) * W + x - 1] ? big : 0;
        }
    for (int y = 1; y <= H; y++)
        for (int x = 1; x <= W; x++) {
            int32_t *p = &d[(size_t)y * PW + x];
            if (!*p)
                continue;
            int32_t v = *p, a = p[-1] + 3, b = p[-PW] + 3, c = p[-PW - 1] + 4, e = p[-PW + 1] + 4;
            v = a < v ? a : v, v = b < v ? b : v, v = c < v ? c : v, v = e < v ? e : v;
            *p = v;
        }
    for (int y = H; y >= 1; y--)
        for (int x = W; x >= 1; x--) {
            int32_t *p = &d[(size_t)y * PW + x];
            if (!*p)
                continue;
            int32_t v = *p, a = p[1] + 3, b = p[PW] + 3, c = p[PW + 1] + 4, e = p[PW - 1] + 4;
            v = a < v ? a : v, v = b < v ? b : v, v = c < v ? c : v, v = e < v ? e : v;
            *p = v;
        }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            w->border[(size_t)y * W + x] = d[(size_t)(y + 1) * PW + x + 1] / 3.0f;
    free(d);
    return TERN_OK;
}
