/* freq.c - the local ridge period.
 *
 * Method: the x-signature of Hong, Wan & Jain, "Fingerprint image
 * enhancement: algorithm and performance evaluation", IEEE TPAMI 20(8),
 * 1998, section 2.5: in an oriented window centred on each foreground block
 * (SIG_HALF*2+1 pixels across the ridges, ALONG_HALF*2+1 along them), the
 * grey levels are averaged along the ridge direction, giving a sinusoid-like
 * profile across the ridges. Instead of peak picking we count its zero
 * crossings (mean removed, linear interpolation between samples), which is
 * less sensitive to noisy peaks: the period is twice the mean distance
 * between consecutive crossings. Estimates outside the plausible range
 * (FP_PERIOD_MIN..FP_PERIOD_MAX at 500 ppi) or from irregular profiles are
 * rejected; missing blocks are filled from their neighbours, the field is
 * smoothed with a Gaussian (Hong et al. eq. 12-13) and clamped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "finger/finger_internal.h"

#define SIG_HALF 18
#define ALONG_HALF 7

static float sample(const fp_work *w, const float *src, float x, float y)
{
    int x0 = (int)floorf(x), y0 = (int)floorf(y);
    float ax = x - x0, ay = y - y0;
    const float *p = src + (size_t)y0 * w->w + x0;
    return (1 - ay) * ((1 - ax) * p[0] + ax * p[1]) + ay * ((1 - ax) * p[w->w] + ax * p[w->w + 1]);
}

/* The period at block b, or 0 if it cannot be measured. */
static float block_period(const fp_work *w, const float *src, int bx, int by)
{
    size_t b = (size_t)by * w->bw + bx;
    float cx = bx * FP_BLOCK + FP_BLOCK * 0.5f, cy = by * FP_BLOCK + FP_BLOCK * 0.5f;
    /* Ridge direction t from the doubled-angle vector, without trig:
     * cos t = sqrt((1 + cos 2t) / 2), sin t = sign(sin 2t) sqrt((1 - cos 2t) / 2). */
    float c2 = w->ox[b], s2 = w->oy[b];
    float ct = sqrtf(fp_clampf((1 + c2) * 0.5f, 0, 1));
    float st = sqrtf(fp_clampf((1 - c2) * 0.5f, 0, 1));
    if (s2 < 0)
        st = -st;
    float nx = -st, ny = ct; /* across the ridges */
    float reach = SIG_HALF + ALONG_HALF + 2;
    if (cx - reach < 0 || cy - reach < 0 || cx + reach >= w->w - 1 || cy + reach >= w->h - 1) {
        /* Near the image edge: only if the whole window fits. */
        float ex = fabsf(nx) * SIG_HALF + fabsf(ct) * ALONG_HALF + 1;
        float ey = fabsf(ny) * SIG_HALF + fabsf(st) * ALONG_HALF + 1;
        if (cx - ex < 0 || cy - ey < 0 || cx + ex >= w->w - 1 || cy + ey >= w->h - 1)
            return 0;
    }
    float sig[2 * SIG_HALF + 1], mean = 0;
    for (int k = -SIG_HALF; k <= SIG_HALF; k++) {
        float s = 0;
        for (int j = -ALONG_HALF; j <= ALONG_HALF; j += 2)
            s += sample(w, src, cx + k * nx + j * ct, cy + k * ny + j * st);
        sig[k + SIG_HALF] = s;
        mean += s;
    }
    const int n = 2 * SIG_HALF + 1;
    mean /= n;
    /* Light smoothing [1 2 1]/4 against pores and noise. */
    float sm[2 * SIG_HALF + 1];
    for (int i = 0; i < n; i++) {
        float a = sig[i > 0 ? i - 1 : 0], c = sig[i < n - 1 ? i + 1 : n - 1];
        sm[i] = 0.25f * a + 0.5f * sig[i] + 0.25f * c - mean;
    }
    float first = -1, last = -1, prev = -1, dmin = 1e9f, dmax = 0;
    int count = 0;
    for (int i = 0; i + 1 < n; i++) {
        if ((sm[i] < 0) == (sm[i + 1] < 0))
            continue;
        float pos = i + sm[i] / (sm[i] - sm[i + 1]);
        if (count == 0)
            first = pos;
        else {
            float d = pos - prev;
            dmin = fminf(dmin, d);
            dmax = fmaxf(dmax, d);
        }
        prev = last = pos;
        count++;
    }
    if (count < 3)
        return 0;
    float period = 2.0f * (last - first) / (count - 1);
    /* Irregular crossings mean noise, a scar or two ridge systems. */
    if (dmax > 2.2f * dmin + 2.0f)
        return 0;
    if (period < FP_PERIOD_MIN || period > FP_PERIOD_MAX)
        return 0;
    return period;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

tern_status fp_frequency(fp_work *w, int from_enhanced, tern_error *err)
{
    const float *src = from_enhanced ? w->enh : w->img;
    const int bw = w->bw, bh = w->bh;
    size_t nb = (size_t)bw * bh, nvalid = 0;
    float *vals = malloc(nb * sizeof *vals), *tmp = malloc(nb * sizeof *tmp);
    if (!vals || !tmp) {
        free(vals), free(tmp);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for ridge frequency");
    }
    for (int by = 0; by < bh; by++)
        for (int bx = 0; bx < bw; bx++) {
            /* Measured on a checkerboard of blocks (the windows overlap
             * widely and the field is smoothed afterwards): half the cost;
             * the first, provisional estimate (it only tunes the smoothing
             * before the second orientation pass) on one block in 16. */
            size_t b = (size_t)by * bw + bx;
            int on_grid = from_enhanced ? ((bx + by) & 1) == 0 : ((bx | by) & 3) == 0;
            int measure = w->fg[b] && on_grid;
            float p = measure ? block_period(w, src, bx, by) : 0;
            w->period[b] = p;
            w->pvalid[b] = (uint8_t)(p > 0 ? 1 : measure ? 2 : 0);
            if (p > 0)
                vals[nvalid++] = p;
        }
    if (nvalid < 4 && !from_enhanced) { /* provisional: a typical adult period will do */
        for (size_t b = 0; b < nb; b++)
            w->period[b] = 9.0f, w->pvalid[b] = 0;
        free(vals), free(tmp);
        return TERN_OK;
    }
    if (nvalid < 4) {
        free(vals), free(tmp);
        return tern_error_set(err, TERN_E_QUALITY,
                              "extract: failure to enroll: no regular ridge pattern found "
                              "(ridge period measurable in %zu blocks)",
                              nvalid);
    }
    qsort(vals, nvalid, sizeof *vals, cmp_float);
    float med = vals[nvalid / 2];
    w->median_period = med;
    /* Reject outliers far from the median (other ridge systems, noise). */
    for (size_t b = 0; b < nb; b++)
        if (w->pvalid[b] == 1 && (w->period[b] < 0.6f * med || w->period[b] > 1.6f * med))
            w->pvalid[b] = 2, w->period[b] = 0;
    /* Fill the gaps: Gaussian-weighted mean of valid blocks, widening. */
    float *num = vals; /* reuse: nb floats */
    for (size_t b = 0; b < nb; b++)
        num[b] = w->pvalid[b] == 1 ? w->period[b] : 0;
    float *den = tmp;
    for (size_t b = 0; b < nb; b++)
        den[b] = w->pvalid[b] == 1 ? 1.0f : 0.0f;
    /* Normalised convolution (Knutsson & Westin 1993): smooth the valid
     * periods and their indicator with the same Gaussian (sigma 2 blocks). */
    {
        int r = 5;
        float k[11];
        for (int i = -r; i <= r; i++)
            k[i + r] = expf(-(float)(i * i) / (2.0f * 2.0f * 2.0f));
        float *a = malloc(nb * sizeof *a), *c = malloc(nb * sizeof *c);
        if (!a || !c) {
            free(a), free(c), free(vals), free(tmp);
            return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for ridge frequency");
        }
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++) {
                float s1 = 0, s2 = 0;
                for (int i = -r; i <= r; i++) {
                    int X = x + i;
                    if (X < 0 || X >= bw)
                        continue;
                    s1 += k[i + r] * num[(size_t)y * bw + X];
                    s2 += k[i + r] * den[(size_t)y * bw + X];
                }
                a[(size_t)y * bw + x] = s1;
                c[(size_t)y * bw + x] = s2;
            }
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++) {
                float s1 = 0, s2 = 0;
                for (int i = -r; i <= r; i++) {
                    int Y = y + i;
                    if (Y < 0 || Y >= bh)
                        continue;
                    s1 += k[i + r] * a[(size_t)Y * bw + x];
                    s2 += k[i + r] * c[(size_t)Y * bw + x];
                }
                size_t b = (size_t)y * bw + x;
                float p = s2 > 0.05f ? s1 / s2 : med;
                w->period[b] = fp_clampf(p, FP_PERIOD_MIN, FP_PERIOD_MAX);
            }
        free(a), free(c);
    }
    free(vals), free(tmp);
    return TERN_OK;
}
