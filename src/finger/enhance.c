/* enhance.c - contextual enhancement with oriented Gabor filters.
 *
 * Method: Hong, Wan & Jain, "Fingerprint image enhancement: algorithm and
 * performance evaluation", IEEE TPAMI 20(8), 1998, section 2.6: each pixel
 * is filtered by an even-symmetric Gabor filter tuned to the local ridge
 * orientation t and frequency 1/T,
 *     h(u, v) = exp(-u^2 / 2 sx^2 - v^2 / 2 sy^2) cos(2 pi u / T),
 * with u across and v along the ridges. Because h is a product of an
 * across-profile and an along-profile, we apply it as two 1-D passes in the
 * ridge frame (the separable form also used by SourceAFIS's "parallel" and
 * "orthogonal" smoothing): first a Gaussian along the ridge (removes pores,
 * scratches and breaks), then the cosine-modulated Gaussian across it
 * (band-pass at the ridge frequency, made exactly zero-mean). Kernels are
 * precomputed per quantised orientation (ORI_BINS) and period (0.5 px
 * steps), built lazily, as lists of (pixel offset, weight) sampled along a
 * digital line (unit steps along its dominant axis), so the inner loop is a
 * plain dot product with no trigonometry. The orientation and period are
 * looked up per 4x4 cell. Output > 0 on ridges.
 *
 * Ridge-valley clarity per block (NFIQ 2's local clarity, in spirit) is the
 * correlation between the locally standardised grey level and the sign of
 * the enhanced image: near 0.9 for clean ridges, near 0 for noise.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "finger/finger_internal.h"

#define ORI_BINS 32
#define PER_BINS 24 /* FP_PERIOD_MIN + 0.5 k */
#define MAX_TAPS 40
#define PAD 26
#define CELL 4

typedef struct kern {
    int n;
    int off[MAX_TAPS];
    float wt[MAX_TAPS];
} kern;

typedef struct kernels {
    uint8_t built[ORI_BINS][PER_BINS];
    kern along[ORI_BINS][PER_BINS];
    kern across[ORI_BINS][PER_BINS];
} kernels;

/* Sample offsets on the digital line through the origin in direction
 * (dx, dy), out to distance reach; pos[] gets the signed distance along the
 * line and dev[] the distance from it. */
static int line_samples(float dx, float dy, float reach, int stride, int *off, float *pos)
{
    int n = 0;
    int major_x = fabsf(dx) >= fabsf(dy);
    float m = major_x ? fabsf(dx) : fabsf(dy);
    int steps = (int)floorf(reach * m);
    for (int i = -steps; i <= steps && n < MAX_TAPS; i++) {
        int px, py;
        if (major_x) {
            px = dx >= 0 ? i : -i;
            py = (int)lrintf(px * dy / dx);
        } else {
            py = dy >= 0 ? i : -i;
            px = (int)lrintf(py * dx / dy);
        }
        off[n] = py * stride + px;
        pos[n] = px * dx + py * dy;
        n++;
    }
    return n;
}

static void build(kernels *K, int o, int p, int stride)
{
    float t = (float)(o * FP_PI / ORI_BINS), T = FP_PERIOD_MIN + 0.5f * p;
    float ct = cosf(t), st = sinf(t);
    float sa = 0.55f * T, sc = 0.45f * T;
    float pos[MAX_TAPS];
    kern *a = &K->along[o][p], *c = &K->across[o][p];
    a->n = line_samples(ct, st, fminf(2.0f * sa, PAD - 2), stride, a->off, pos);
    float sum = 0;
    for (int i = 0; i < a->n; i++)
        sum += a->wt[i] = expf(-pos[i] * pos[i] / (2 * sa * sa));
    for (int i = 0; i < a->n; i++)
        a->wt[i] /= sum;
    c->n = line_samples(-st, ct, fminf(2.5f * sc, PAD - 2), stride, c->off, pos);
    float g[MAX_TAPS], sg = 0, sw = 0;
    for (int i = 0; i < c->n; i++) {
        g[i] = expf(-pos[i] * pos[i] / (2 * sc * sc));
        c->wt[i] = g[i] * cosf(2.0f * (float)FP_PI * pos[i] / T);
        sg += g[i];
        sw += c->wt[i];
    }
    for (int i = 0; i < c->n; i++) /* exactly zero-mean: no response to flat grey */
        c->wt[i] -= sw / sg * g[i];
    K->built[o][p] = 1;
}

/* The kernel applied at p: four partial sums break the chain of dependent
 * additions (the loop is latency-bound otherwise); the order is fixed, so
 * the result is still deterministic. */
static inline float dot(const kern *k, const float *p)
{
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= k->n; i += 4) {
        s0 += k->wt[i] * p[k->off[i]];
        s1 += k->wt[i + 1] * p[k->off[i + 1]];
        s2 += k->wt[i + 2] * p[k->off[i + 2]];
        s3 += k->wt[i + 3] * p[k->off[i + 3]];
    }
    for (; i < k->n; i++)
        s0 += k->wt[i] * p[k->off[i]];
    return (s0 + s1) + (s2 + s3);
}

/* Replicates the border of the interior W x H of a padded image. */
static void pad_replicate(float *a, int W, int H)
{
    int PW = W + 2 * PAD;
    for (int y = 0; y < H; y++) {
        float *r = a + (size_t)(y + PAD) * PW;
        for (int x = 0; x < PAD; x++) {
            r[x] = r[PAD];
            r[PAD + W + x] = r[PAD + W - 1];
        }
    }
    for (int y = 0; y < PAD; y++) {
        memcpy(a + (size_t)y * PW, a + (size_t)PAD * PW, (size_t)PW * sizeof *a);
        memcpy(a + (size_t)(PAD + H + y) * PW, a + (size_t)(PAD + H - 1) * PW, (size_t)PW * sizeof *a);
    }
}

tern_status fp_enhance(fp_work *w, int along_only, tern_error *err)
{
    const int W = w->w, H = w->h, PW = W + 2 * PAD, PH = H + 2 * PAD;
    const int cw = (W + CELL - 1) / CELL, ch = (H + CELL - 1) / CELL;
    kernels *K = calloc(1, sizeof *K);
    float *in = malloc((size_t)PW * PH * sizeof *in), *sm = malloc((size_t)PW * PH * sizeof *sm);
    uint8_t *cori = malloc((size_t)cw * ch), *cper = malloc((size_t)cw * ch);
    if (!K || !in || !sm || !cori || !cper) {
        free(K), free(in), free(sm), free(cori), free(cper);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for enhancement");
    }
    /* Orientation and period bins per cell. */
    for (int cy = 0; cy < ch; cy++)
        for (int cx = 0; cx < cw; cx++) {
            float x = cx * CELL + CELL * 0.5f, y = cy * CELL + CELL * 0.5f;
            float t = fp_orient_at(w, x, y);
            int o = (int)lrintf(t / (float)(FP_PI / ORI_BINS)) % ORI_BINS;
            int bx = fp_clampi((int)(x / FP_BLOCK), 0, w->bw - 1);
            int by = fp_clampi((int)(y / FP_BLOCK), 0, w->bh - 1);
            float T = w->period[(size_t)by * w->bw + bx];
            int p = fp_clampi((int)lrintf((T - FP_PERIOD_MIN) * 2.0f), 0, PER_BINS - 1);
            cori[(size_t)cy * cw + cx] = (uint8_t)o;
            cper[(size_t)cy * cw + cx] = (uint8_t)p;
        }
    for (int y = 0; y < H; y++)
        memcpy(in + (size_t)(y + PAD) * PW + PAD, w->img + (size_t)y * W, (size_t)W * sizeof *in);
    pad_replicate(in, W, H);
    /* Pass 1: Gaussian along the ridges, wherever pass 2 may read: within
     * NEAR blocks of a foreground block (pass 2 reaches at most PAD pixels). */
    const int bw = w->bw, bh = w->bh;
    uint8_t *near = calloc((size_t)bw * bh, 1);
    if (!near) {
        free(K), free(in), free(sm), free(cori), free(cper);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for enhancement");
    }
    const int NEAR = (PAD + FP_BLOCK - 1) / FP_BLOCK + 1;
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            if (!w->fg[(size_t)by * bw + bx])
                continue;
            for (int y = by - NEAR; y <= by + NEAR; y++)
                for (int x = bx - NEAR; x <= bx + NEAR; x++)
                    if (x >= 0 && y >= 0 && x < bw && y < bh)
                        near[(size_t)y * bw + x] = 1;
        }
    memset(sm, 0, (size_t)PW * PH * sizeof *sm);
    for (int y = 0; y < H; y++) {
        const uint8_t *co = cori + (size_t)(y / CELL) * cw, *cp = cper + (size_t)(y / CELL) * cw;
        const uint8_t *nr = near + (size_t)(y / FP_BLOCK) * bw;
        const float *src = in + (size_t)(y + PAD) * PW + PAD;
        float *dst = sm + (size_t)(y + PAD) * PW + PAD;
        for (int x = 0; x < W; x++) {
            if (!nr[x / FP_BLOCK])
                continue;
            int o = co[x / CELL], p = cp[x / CELL];
            if (!K->built[o][p])
                build(K, o, p, PW);
            dst[x] = dot(&K->along[o][p], src + x);
        }
    }
    free(near);
    if (along_only) { /* the ridge-smoothed image, for a second orientation estimate */
        for (int y = 0; y < H; y++)
            memcpy(w->enh + (size_t)y * W, sm + (size_t)(y + PAD) * PW + PAD, (size_t)W * sizeof *sm);
        free(K), free(in), free(sm), free(cori), free(cper);
        return TERN_OK;
    }
    pad_replicate(sm, W, H);
    /* Pass 2: cosine-modulated Gaussian across the ridges, on the mask. */
    size_t nb = (size_t)w->bw * w->bh;
    float *csum = calloc(nb, sizeof *csum), *ccnt = calloc(nb, sizeof *ccnt);
    if (!csum || !ccnt) {
        free(K), free(in), free(sm), free(cori), free(cper), free(csum), free(ccnt);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for enhancement");
    }
    for (int y = 0; y < H; y++) {
        const uint8_t *co = cori + (size_t)(y / CELL) * cw, *cp = cper + (size_t)(y / CELL) * cw;
        const float *src = sm + (size_t)(y + PAD) * PW + PAD;
        const uint8_t *m = w->mask + (size_t)y * W;
        float *dst = w->enh + (size_t)y * W;
        for (int x = 0; x < W; x++) {
            if (!m[x]) {
                dst[x] = 0;
                continue;
            }
            int o = co[x / CELL], p = cp[x / CELL];
            float s = dot(&K->across[o][p], src + x);
            dst[x] = s;
            size_t b = (size_t)(y / FP_BLOCK) * w->bw + (size_t)(x / FP_BLOCK);
            float sd = w->bstd[b] > 1e-3f ? w->bstd[b] : 1e-3f;
            float z = (w->img[(size_t)y * W + x] - w->bmean[b]) / sd;
            csum[b] += s > 0 ? z : -z;
            ccnt[b] += 1;
        }
    }
    for (size_t b = 0; b < nb; b++)
        w->clarity[b] = ccnt[b] > 0 ? fp_clampf(csum[b] / ccnt[b], 0, 1) : 0;
    free(K), free(in), free(sm), free(cori), free(cper), free(csum), free(ccnt);
    return TERN_OK;
}
