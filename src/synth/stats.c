/* stats.c - image statistics used to check that prints look like
 * fingerprints and to compare generated prints with real ones: foreground
 * fraction, position and shape, ridge period, orientation coherence and
 * distribution, grey levels.
 *
 * Per 32x32 block (step 16): the ridge orientation and its coherence from
 * the averaged squared gradients (structure tensor; A. M. Bazen, S. H.
 * Gerez, "Systematic methods for the computation of the directional fields
 * and singular points of fingerprints", IEEE PAMI 24(7), 2002); the ridge
 * period from the oriented-window x-signature of L. Hong, Y. Wan, A. K.
 * Jain ("Fingerprint image enhancement: algorithm and performance
 * evaluation", IEEE PAMI 20(8), 1998): grey levels averaged along the
 * ridges and sampled across them; its autocorrelation's first peak is the
 * period (refined to sub-pixel by a parabola). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tern/synth.h"

#define BLOCK 32
#define STEP 16
#define SIG_LEN 48
#define SIG_HALF_WIDTH 7

static double pixel(const tern_image *img, double x, double y)
{
    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    if (x > img->width - 1.001)
        x = img->width - 1.001;
    if (y > img->height - 1.001)
        y = img->height - 1.001;
    long ix = (long)x, iy = (long)y;
    double tx = x - ix, ty = y - iy;
    const uint8_t *p = img->pixels + (size_t)iy * img->width + ix;
    double a = p[0], b = p[1], c = p[img->width], d = p[img->width + 1];
    return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

/* Period of the block centred at (cx, cy) across ridges of orientation
 * theta, or 0 if the signature shows no clear period. */
static double block_period(const tern_image *img, double cx, double cy, double theta)
{
    double tx = cos(theta), ty = sin(theta);   /* along the ridges */
    double nx = -ty, ny = tx;                  /* across */
    double sig[SIG_LEN], mean = 0;
    for (int k = 0; k < SIG_LEN; k++) {
        double off = k - 0.5 * SIG_LEN, acc = 0;
        for (int j = -SIG_HALF_WIDTH; j <= SIG_HALF_WIDTH; j++)
            acc += pixel(img, cx + off * nx + j * tx, cy + off * ny + j * ty);
        sig[k] = acc / (2 * SIG_HALF_WIDTH + 1);
        mean += sig[k];
    }
    mean /= SIG_LEN;
    double r[SIG_LEN / 2], r0 = 0;
    for (int k = 0; k < SIG_LEN; k++)
        r0 += (sig[k] - mean) * (sig[k] - mean);
    if (r0 <= 1e-9)
        return 0;
    for (int lag = 0; lag < SIG_LEN / 2; lag++) {
        double acc = 0;
        for (int k = 0; k + lag < SIG_LEN; k++)
            acc += (sig[k] - mean) * (sig[k + lag] - mean);
        r[lag] = acc / r0 * SIG_LEN / (SIG_LEN - lag);
    }
    for (int lag = 4; lag < SIG_LEN / 2 - 1; lag++)
        if (r[lag] > 0.25 && r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1]) {
            double den = r[lag - 1] - 2 * r[lag] + r[lag + 1];
            double d = den < 0 ? 0.5 * (r[lag - 1] - r[lag + 1]) / den : 0;
            return lag + (d > 0.5 ? 0.5 : d < -0.5 ? -0.5 : d);
        }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

tern_status tern_synth_image_stats_compute(const tern_image *img, tern_synth_image_stats *st,
                                           tern_error *err)
{
    memset(st, 0, sizeof *st);
    if (img->channels != 1 || img->width < BLOCK || img->height < BLOCK)
        return tern_error_set(err, TERN_E_ARG, "synth stats: need a grey image of at least %dx%d",
                              BLOCK, BLOCK);
    size_t n = (size_t)img->width * img->height;
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < n; i++) {
        sum += img->pixels[i];
        sum2 += (double)img->pixels[i] * img->pixels[i];
    }
    st->grey_mean = sum / n;
    st->grey_sd = sqrt(fmax(0, sum2 / n - st->grey_mean * st->grey_mean));
    uint32_t bx = (img->width - BLOCK) / STEP + 1, by = (img->height - BLOCK) / STEP + 1;
    double *periods = malloc((size_t)bx * by * sizeof *periods);
    if (!periods)
        return tern_error_set(err, TERN_E_NOMEM, "synth stats: out of memory");
    uint32_t n_fg = 0, n_per = 0;
    double coh_sum = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
    for (uint32_t j = 0; j < by; j++)
        for (uint32_t i = 0; i < bx; i++) {
            uint32_t x0 = i * STEP, y0 = j * STEP;
            double gxx = 0, gyy = 0, gxy = 0, m = 0, m2 = 0;
            for (uint32_t y = y0 + 1; y < y0 + BLOCK - 1; y++)
                for (uint32_t x = x0 + 1; x < x0 + BLOCK - 1; x++) {
                    const uint8_t *p = img->pixels + (size_t)y * img->width + x;
                    double gx = (p[1] - p[-1]) * 2.0 + (p[1 - (long)img->width] -
                                                       p[-1 - (long)img->width]) +
                                (p[1 + img->width] - p[img->width - 1]);
                    double gy = (p[img->width] - p[-(long)img->width]) * 2.0 +
                                (p[img->width + 1] - p[1 - (long)img->width]) +
                                (p[img->width - 1] - p[-1 - (long)img->width]);
                    gxx += gx * gx;
                    gyy += gy * gy;
                    gxy += gx * gy;
                    m += p[0];
                    m2 += (double)p[0] * p[0];
                }
            double cnt = (BLOCK - 2) * (BLOCK - 2);
            double var = m2 / cnt - (m / cnt) * (m / cnt);
            st->blocks++;
            if (var < 250.0) /* sd < ~16 grey levels: background */
                continue;
            double coh = (gxx + gyy) > 0 ? sqrt((gxx - gyy) * (gxx - gyy) + 4 * gxy * gxy) / (gxx + gyy) : 0;
            if (coh < 0.2)
                continue;
            n_fg++;
            coh_sum += coh;
            double bcx = x0 + 0.5 * BLOCK, bcy = y0 + 0.5 * BLOCK;
            sx += bcx;
            sy += bcy;
            sxx += bcx * bcx;
            syy += bcy * bcy;
            /* Gradient direction is across the ridges: the ridge runs at +90 deg. */
            double theta = 0.5 * atan2(2 * gxy, gxx - gyy) + 0.5 * M_PI;
            theta = fmod(theta, M_PI);
            if (theta < 0)
                theta += M_PI;
            int bin = (int)(theta / M_PI * 8);
            st->orient_hist[bin > 7 ? 7 : bin] += 1;
            double per = block_period(img, x0 + 0.5 * BLOCK, y0 + 0.5 * BLOCK, theta);
            if (per > 0)
                periods[n_per++] = per;
        }
    st->foreground = st->blocks ? (double)n_fg / st->blocks : 0;
    st->coherence_mean = n_fg ? coh_sum / n_fg : 0;
    if (n_fg) {
        st->fg_cx = sx / n_fg;
        st->fg_cy = sy / n_fg;
        st->fg_sx = sqrt(fmax(0, sxx / n_fg - st->fg_cx * st->fg_cx));
        st->fg_sy = sqrt(fmax(0, syy / n_fg - st->fg_cy * st->fg_cy));
    }
    for (int b = 0; b < 8; b++)
        st->orient_hist[b] = n_fg ? st->orient_hist[b] / n_fg : 0;
    st->period_blocks = n_per;
    if (n_per) {
        double s = 0, s2 = 0;
        for (uint32_t k = 0; k < n_per; k++) {
            s += periods[k];
            s2 += periods[k] * periods[k];
        }
        st->period_mean = s / n_per;
        st->period_sd = sqrt(fmax(0, s2 / n_per - st->period_mean * st->period_mean));
        qsort(periods, n_per, sizeof *periods, cmp_double);
        st->period_median = periods[n_per / 2];
    }
    free(periods);
    return TERN_OK;
}
