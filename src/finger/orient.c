/* orient.c - the orientation field and its reliability.
 *
 * Method: least-squares orientation from averaged squared gradients (Kass &
 * Witkin 1987; Bazen & Gerez, "Systematic methods for the computation of the
 * directional fields and singular points of fingerprints", IEEE TPAMI 24(7),
 * 2002, eqs. 5-9; Maltoni et al., Handbook of Fingerprint Recognition, 2nd
 * ed., section 3.2.1). Sobel gradients are summed per 8x8 block; a block's
 * estimate uses its 3x3 block neighbourhood (24x24 pixels):
 *     Gxx = sum gx^2, Gyy = sum gy^2, Gxy = sum gx gy
 *     ridge doubled angle 2t = atan2(-2 Gxy, Gyy - Gxx)
 *     coherence = |(Gyy - Gxx, -2 Gxy)| / (Gxx + Gyy)
 * The unit doubled-angle vectors, weighted by coherence, are then smoothed
 * with a Gaussian over blocks; where the result is unreliable (noisy or
 * curved regions) a coarser Gaussian takes over (a two-scale field).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "finger/finger_internal.h"

tern_status fp_orient_blocks(fp_work *w, int from_enhanced, tern_error *err)
{
    const int W = w->w, H = w->h, bw = w->bw, bh = w->bh;
    size_t nb = (size_t)bw * bh;
    float *sxx = calloc(nb, sizeof *sxx), *syy = calloc(nb, sizeof *syy);
    float *sxy = calloc(nb, sizeof *sxy), *s1 = calloc(nb, sizeof *s1);
    float *s2 = calloc(nb, sizeof *s2), *cnt = calloc(nb, sizeof *cnt);
    if (!sxx || !syy || !sxy || !s1 || !s2 || !cnt) {
        free(sxx), free(syy), free(sxy), free(s1), free(s2), free(cnt);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for gradients");
    }
    const float *im = from_enhanced ? w->enh : w->img;
    for (int y = 0; y < H; y++) {
        int ym = y > 0 ? y - 1 : 0, yp = y < H - 1 ? y + 1 : H - 1;
        const float *r0 = im + (size_t)ym * W, *r1 = im + (size_t)y * W, *r2 = im + (size_t)yp * W;
        size_t brow = (size_t)(y / FP_BLOCK) * bw;
        for (int x = 0; x < W; x++) {
            int xm = x > 0 ? x - 1 : 0, xp = x < W - 1 ? x + 1 : W - 1;
            float gx = (r0[xp] + 2.0f * r1[xp] + r2[xp]) - (r0[xm] + 2.0f * r1[xm] + r2[xm]);
            float gy = (r2[xm] + 2.0f * r2[x] + r2[xp]) - (r0[xm] + 2.0f * r0[x] + r0[xp]);
            size_t b = brow + (size_t)(x / FP_BLOCK);
            sxx[b] += gx * gx;
            syy[b] += gy * gy;
            sxy[b] += gx * gy;
            s1[b] += r1[x];
            s2[b] += r1[x] * r1[x];
            cnt[b] += 1.0f;
        }
    }
    /* 3x3 block windows. */
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            double xx = 0, yy = 0, xy = 0, a1 = 0, a2 = 0, n = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int X = bx + dx, Y = by + dy;
                    if (X < 0 || Y < 0 || X >= bw || Y >= bh)
                        continue;
                    size_t b = (size_t)Y * bw + X;
                    xx += sxx[b], yy += syy[b], xy += sxy[b];
                    a1 += s1[b], a2 += s2[b], n += cnt[b];
                }
            size_t b = (size_t)by * bw + bx;
            w->gxx[b] = (float)xx;
            w->gyy[b] = (float)yy;
            w->gxy[b] = (float)xy;
            double m = a1 / n, v = a2 / n - m * m;
            if (!from_enhanced) {
                w->bmean[b] = (float)m;
                w->bstd[b] = (float)sqrt(v > 0 ? v : 0);
            }
            double e = xx + yy;
            w->coh[b] = e > 1e-6 ? (float)(sqrt((yy - xx) * (yy - xx) + 4 * xy * xy) / e) : 0.0f;
        }
    free(sxx), free(syy), free(sxy), free(s1), free(s2), free(cnt);
    return TERN_OK;
}

/* Separable Gaussian over a block grid (edges renormalised by the weights). */
static void blur_blocks(int bw, int bh, float *a, float sigma, float *tmp)
{
    int r = (int)ceilf(2.5f * sigma);
    if (r > 12)
        r = 12;
    float k[25];
    for (int i = -r; i <= r; i++)
        k[i + r] = expf(-(float)(i * i) / (2.0f * sigma * sigma));
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            float s = 0;
            for (int i = -r; i <= r; i++) {
                int X = fp_clampi(x + i, 0, bw - 1);
                s += k[i + r] * a[(size_t)y * bw + X];
            }
            tmp[(size_t)y * bw + x] = s;
        }
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            float s = 0;
            for (int i = -r; i <= r; i++) {
                int Y = fp_clampi(y + i, 0, bh - 1);
                s += k[i + r] * tmp[(size_t)Y * bw + x];
            }
            a[(size_t)y * bw + x] = s;
        }
}

void fp_smooth_vectors(int bw, int bh, const float *vx, const float *vy, const float *wgt,
                       float sigma, float *ox, float *oy, float *out_rel)
{
    size_t nb = (size_t)bw * bh;
    float *buf = malloc(4 * nb * sizeof *buf);
    if (!buf) { /* degrade gracefully: copy */
        memcpy(ox, vx, nb * sizeof *ox);
        memcpy(oy, vy, nb * sizeof *oy);
        if (out_rel)
            for (size_t i = 0; i < nb; i++)
                out_rel[i] = 0;
        return;
    }
    float *nx = buf, *ny = buf + nb, *den = buf + 2 * nb, *tmp = buf + 3 * nb;
    for (size_t i = 0; i < nb; i++) {
        float wi = wgt ? wgt[i] : 1.0f;
        nx[i] = wi * vx[i];
        ny[i] = wi * vy[i];
        den[i] = wi;
    }
    blur_blocks(bw, bh, nx, sigma, tmp);
    blur_blocks(bw, bh, ny, sigma, tmp);
    blur_blocks(bw, bh, den, sigma, tmp);
    for (size_t i = 0; i < nb; i++) {
        float d = den[i] > 1e-9f ? den[i] : 1e-9f;
        float x = nx[i] / d, y = ny[i] / d, m = sqrtf(x * x + y * y);
        if (out_rel)
            out_rel[i] = fp_clampf(m, 0, 1);
        if (m > 1e-9f)
            ox[i] = x / m, oy[i] = y / m;
        else
            ox[i] = 1, oy[i] = 0;
    }
    free(buf);
}

tern_status fp_orient_smooth(fp_work *w, tern_error *err)
{
    size_t nb = (size_t)w->bw * w->bh;
    float *buf = calloc(6 * nb, sizeof *buf);
    if (!buf)
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for orientation");
    float *vx = buf, *vy = buf + nb, *wt = buf + 2 * nb;
    float *cx = buf + 3 * nb, *cy = buf + 4 * nb, *crel = buf + 5 * nb;
    for (size_t i = 0; i < nb; i++) {
        float a = w->gyy[i] - w->gxx[i], b = -2.0f * w->gxy[i], m = sqrtf(a * a + b * b);
        vx[i] = m > 1e-9f ? a / m : 1.0f;
        vy[i] = m > 1e-9f ? b / m : 0.0f;
        /* Coherent foreground blocks lead; background follows its neighbours. */
        wt[i] = w->coh[i] * (w->fg[i] ? 1.0f : 0.05f) + 1e-4f;
    }
    fp_smooth_vectors(w->bw, w->bh, vx, vy, wt, 1.0f, w->ox, w->oy, w->orel);
    fp_smooth_vectors(w->bw, w->bh, vx, vy, wt, 2.5f, cx, cy, crel);
    for (size_t i = 0; i < nb; i++) {
        /* Blend towards the coarse field where the fine one is unreliable. */
        float r = w->orel[i], t = fp_clampf((0.6f - r) / 0.4f, 0, 1);
        float x = (1 - t) * w->ox[i] + t * cx[i], y = (1 - t) * w->oy[i] + t * cy[i];
        float m = sqrtf(x * x + y * y);
        if (m > 1e-6f)
            w->ox[i] = x / m, w->oy[i] = y / m;
        w->orel[i] = (1 - t) * r + t * crel[i];
    }
    free(buf);
    return TERN_OK;
}

float fp_orient_at(const fp_work *w, float x, float y)
{
    float fx = x / FP_BLOCK - 0.5f, fy = y / FP_BLOCK - 0.5f;
    int x0 = (int)floorf(fx), y0 = (int)floorf(fy);
    float ax = fx - x0, ay = fy - y0;
    float sx = 0, sy = 0;
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            int X = fp_clampi(x0 + i, 0, w->bw - 1), Y = fp_clampi(y0 + j, 0, w->bh - 1);
            float k = (i ? ax : 1 - ax) * (j ? ay : 1 - ay);
            size_t b = (size_t)Y * w->bw + X;
            sx += k * w->ox[b];
            sy += k * w->oy[b];
        }
    float t = 0.5f * atan2f(sy, sx);
    return t < 0 ? t + (float)FP_PI : t;
}
