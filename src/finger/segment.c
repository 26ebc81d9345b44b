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

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* op 0: dilate, 1: erode; 3x3 structuring element; outside counts as bg. */
static void morph(uint8_t *m, uint8_t *tmp, int bw, int bh, int op)
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
    morph(m, tmp, bw, bh, 0); /* closing */
    morph(m, tmp, bw, bh, 1);
    morph(m, tmp, bw, bh, 1); /* opening */
    morph(m, tmp, bw, bh, 0);
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
    /* Pixel mask: the block mask interpolated bilinearly, thresholded at 1/2. */
    for (int y = 0; y < w->h; y++) {
        float fy = (y + 0.5f) / FP_BLOCK - 0.5f;
        int y0 = fy < 0 ? -1 : (int)fy;
        float ay = fy - y0;
        for (int x = 0; x < w->w; x++) {
            float fx = (x + 0.5f) / FP_BLOCK - 0.5f;
            int x0 = fx < 0 ? -1 : (int)fx;
            float ax = fx - x0, v = 0;
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < 2; i++) {
                    int X = fp_clampi(x0 + i, 0, bw - 1), Y = fp_clampi(y0 + j, 0, bh - 1);
                    v += (i ? ax : 1 - ax) * (j ? ay : 1 - ay) * w->fg[Y * bw + X];
                }
            w->mask[(size_t)y * w->w + x] = (uint8_t)(v > 0.5f);
        }
    }
    return TERN_OK;
}

tern_status fp_border_distance(fp_work *w, tern_error *err)
{
    const int W = w->w, H = w->h;
    float *d = w->border;
    const float big = 1e9f;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            d[(size_t)y * W + x] = w->mask[(size_t)y * W + x] ? big : 0;
    /* Outside the image counts as background: distance 1 at the edge. */
#define D(X, Y) ((X) < 0 || (Y) < 0 || (X) >= W || (Y) >= H ? 0.0f : d[(size_t)(Y) * W + (X)])
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float *p = &d[(size_t)y * W + x];
            if (*p == 0)
                continue;
            float v = *p;
            v = fminf(v, D(x - 1, y) + 3), v = fminf(v, D(x, y - 1) + 3);
            v = fminf(v, D(x - 1, y - 1) + 4), v = fminf(v, D(x + 1, y - 1) + 4);
            *p = v;
        }
    for (int y = H - 1; y >= 0; y--)
        for (int x = W - 1; x >= 0; x--) {
            float *p = &d[(size_t)y * W + x];
            if (*p == 0)
                continue;
            float v = *p;
            v = fminf(v, D(x + 1, y) + 3), v = fminf(v, D(x, y + 1) + 3);
            v = fminf(v, D(x + 1, y + 1) + 4), v = fminf(v, D(x - 1, y + 1) + 4);
            *p = v;
        }
#undef D
    for (size_t i = 0; i < (size_t)W * H; i++)
        d[i] /= 3.0f;
    (void)err;
    return TERN_OK;
}
