/* ridge.c - the master ridge pattern, grown by iterative contextual Gabor
 * filtering (Cappelli, Maio, Maltoni, "Synthetic fingerprint-database
 * generation", ICPR 2002, section 2.3; Handbook of Fingerprint Recognition,
 * ch. "Synthetic fingerprint generation", ridge pattern generation).
 *
 * The canvas starts empty but for a few seeds (SFinGe grows a master from
 * "one or a few" seeds; here one in each cell of a 62 px grid that falls
 * on the finger, about 25 on a 288x384 canvas): small patches of ridges with the local orientation and
 * period and a random phase. Every meeting of two fronts out of phase
 * leaves minutiae, so the seed density sets the minutiae density: at one
 * seed per 38 x 38 px impressions carried 38 minutiae to DB4's 29. Each iteration
 * convolves every pixel with the Gabor filter tuned to the orientation and
 * period at that pixel, amplifies and clips the result to [-1, 1]. Ridges
 * spread outwards from the seeds; where two fronts meet out of phase, and
 * where the period or the orientation changes, the pattern must break or
 * fork, so minutiae appear as they do in real skin instead of being painted.
 *
 * Speed: kernels are precomputed for 32 orientations x period steps of
 * 0.25 px (only the pairs the finger uses), 13x13 taps, on a zero-padded
 * buffer so the inner loop has no bounds checks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define N_ORIENT 32
#define RADIUS 6
#define KSIDE (2 * RADIUS + 1)
#define KTAPS (KSIDE * KSIDE)
#define P_MIN 5.5
#define P_STEP 0.25
#define N_PERIOD 35 /* 5.5 .. 14.0 */
#define GAIN 3.0f
#define SEED_SPACING 70.0 /* pixels a front must travel, at most, to meet another */
#define SEED_CELL 62.0    /* side of the grid cell that holds one seed */
#define ITERATIONS_SETTLE 10

static int period_index(double t)
{
    int i = (int)lround((t - P_MIN) / P_STEP);
    return i < 0 ? 0 : i >= N_PERIOD ? N_PERIOD - 1 : i;
}

static int orient_index(double theta)
{
    int i = (int)lround(theta * N_ORIENT / M_PI);
    return ((i % N_ORIENT) + N_ORIENT) % N_ORIENT;
}

/* An even Gabor filter across the ridges: envelope x cos(2 pi v / T), with
 * its mean removed (so flat areas give 0) and scaled to unit response to a
 * matching sinusoid (so the gain alone sets the growth). */
static void make_kernel(float *k, double theta, double period)
{
    double c = cos(theta), s = sin(theta);
    double su = 0.42 * period, sv = 0.36 * period; /* along, across the ridge */
    double env[KTAPS], wave[KTAPS], sum_k = 0, sum_e = 0;
    for (int i = 0; i < KTAPS; i++) {
        double dx = i % KSIDE - RADIUS, dy = i / KSIDE - RADIUS;
        double u = dx * c + dy * s, v = -dx * s + dy * c;
        env[i] = exp(-0.5 * (u * u / (su * su) + v * v / (sv * sv)));
        wave[i] = cos(2.0 * M_PI * v / period);
        sum_k += env[i] * wave[i];
        sum_e += env[i];
    }
    double resp = 0;
    for (int i = 0; i < KTAPS; i++) {
        env[i] = env[i] * wave[i] - env[i] * (sum_k / sum_e);
        resp += env[i] * wave[i];
    }
    for (int i = 0; i < KTAPS; i++)
        k[i] = (float)(env[i] / resp);
}

/* Writes a seed: a disc of ridges of the local orientation and period. */
static void put_seed(float *buf, size_t stride, const tern_synth_master *m, tern_synth_rng *rng,
                     double x0, double y0)
{
    double theta = synth_geom_orient(&m->geom, x0, y0);
    double period = synth_geom_period(&m->geom, x0, y0);
    double phase = tern_synth_rng_range(rng, 0, 2.0 * M_PI);
    double c = cos(theta), s = sin(theta);
    for (int dy = -RADIUS; dy <= RADIUS; dy++)
        for (int dx = -RADIUS; dx <= RADIUS; dx++) {
            long x = lround(x0) + dx, y = lround(y0) + dy;
            if (x < 0 || y < 0 || x >= (long)m->width || y >= (long)m->height ||
                dx * dx + dy * dy > RADIUS * RADIUS)
                continue;
            double v = -dx * s + dy * c;
            buf[(size_t)(y + RADIUS) * stride + (size_t)(x + RADIUS)] =
                (float)cos(2.0 * M_PI * v / period + phase);
        }
}

tern_status synth_ridge_grow(tern_synth_master *m, tern_synth_rng *rng, tern_error *err)
{
    const uint32_t w = m->width, h = m->height;
    const size_t stride = (size_t)w + 2 * RADIUS;
    const size_t padded = stride * ((size_t)h + 2 * RADIUS);
    float *a = calloc(padded, sizeof *a), *b = calloc(padded, sizeof *b);
    uint16_t *kidx = malloc((size_t)w * h * sizeof *kidx);
    float *bank = malloc((size_t)N_ORIENT * N_PERIOD * KTAPS * sizeof *bank);
    uint8_t *made = calloc((size_t)N_ORIENT * N_PERIOD, 1);
    tern_status st = TERN_OK;
    if (!a || !b || !kidx || !bank || !made) {
        st = tern_error_set(err, TERN_E_NOMEM, "synth: out of memory growing a %ux%u master", w, h);
        goto done;
    }
    /* The filter of each pixel. Orientation and period vary slowly: sample
     * them every 2 pixels and reuse. */
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if ((x & 1) || (y & 1)) {
                kidx[i] = kidx[(size_t)(y & ~1u) * w + (x & ~1u)];
                continue;
            }
            int oi = orient_index(synth_geom_orient(&m->geom, x, y));
            int pi = period_index(synth_geom_period(&m->geom, x, y));
            int id = oi * N_PERIOD + pi;
            if (!made[id]) {
                make_kernel(bank + (size_t)id * KTAPS, oi * M_PI / N_ORIENT, P_MIN + pi * P_STEP);
                made[id] = 1;
            }
            kidx[i] = (uint16_t)id;
        }
    /* Seeds: one in each cell of a SEED_CELL grid, at a random place in it,
     * kept where it falls on the finger (or just beyond). Uniformly random
     * seeds clump: the fronts then never reached some parts of the
     * silhouette, which stayed grey in the master and printed as a smudge
     * ringed with false minutiae. */
    double cell = SEED_CELL * tern_synth_rng_range(rng, 0.93, 1.07);
    int ncx = (int)ceil(w / cell), ncy = (int)ceil(h / cell);
    double ox = tern_synth_rng_range(rng, 0, cell), oy = tern_synth_rng_range(rng, 0, cell);
    for (int cy = -1; cy < ncy; cy++)
        for (int cx = -1; cx < ncx; cx++) {
            double x = ox + (cx + tern_synth_rng_range(rng, 0, 1)) * cell;
            double y = oy + (cy + tern_synth_rng_range(rng, 0, 1)) * cell;
            if (x < 0 || y < 0 || x >= w || y >= h || synth_geom_radius(&m->geom, x, y) > 1.1)
                continue;
            put_seed(a, stride, m, rng, x, y);
        }
    int iterations = (int)(SEED_SPACING / RADIUS) + ITERATIONS_SETTLE;
    for (int it = 0; it < iterations; it++) {
        for (uint32_t y = 0; y < h; y++) {
            const uint16_t *krow = kidx + (size_t)y * w;
            float *out = b + (size_t)(y + RADIUS) * stride + RADIUS;
            for (uint32_t x = 0; x < w; x++) {
                const float *k = bank + (size_t)krow[x] * KTAPS;
                const float *src = a + (size_t)y * stride + x;
                float sum = 0;
                for (int ky = 0; ky < KSIDE; ky++, src += stride, k += KSIDE)
                    for (int kx = 0; kx < KSIDE; kx++)
                        sum += k[kx] * src[kx];
                sum *= GAIN;
                out[x] = sum > 1.0f ? 1.0f : sum < -1.0f ? -1.0f : sum;
            }
        }
        float *t = a;
        a = b;
        b = t;
    }
    for (uint32_t y = 0; y < h; y++)
        memcpy(m->ridge + (size_t)y * w, a + (size_t)(y + RADIUS) * stride + RADIUS,
               w * sizeof(float));
done:
    free(a);
    free(b);
    free(kidx);
    free(bank);
    free(made);
    return st;
}
