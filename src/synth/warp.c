/* warp.c - non-linear skin distortion, after R. Cappelli, D. Maio, D.
 * Maltoni, "Modelling plastic distortion in fingerprint images", ICAPR 2001
 * (used by SFinGe to make impressions, ICPR 2002): a close-contact region
 * (here an ellipse) does not move; the external region moves rigidly
 * (rotation plus translation); in the transitional region between them the
 * displacement is attenuated by a smooth "brake" function of the distance
 * to the close-contact region. A rolled print adds a lateral stretch that
 * grows towards the sides, as the finger's curved surface is unrolled.
 *
 * How far the external region moves varies from one impression to the
 * next, but within bounds: its rotation and its translation each have a
 * magnitude of mean times a factor 1 + 0.35 N(0, 1) clipped to [0.3, 1.7],
 * in a uniformly random direction. Drawn as two independent normals (as
 * before the fifth session), the translation's magnitude had a Rayleigh
 * tail: one impression in ten moved its external region more than 1.7
 * times the mean, and those impressions were most of the genuine pairs
 * that failed to match in generated databases (docs/synth.md).
 *
 * Image impressions and template impressions share this one model, so the
 * two modes distort fingers alike. */
#include <math.h>

#include "synth_internal.h"

/* A magnitude's factor around its mean: 1 + 0.35 N(0, 1), within [0.3, 1.7]. */
static double bounded_factor(tern_synth_rng *rng)
{
    double f = 1.0 + 0.35 * tern_synth_rng_normal(rng);
    return f < 0.3 ? 0.3 : f > 1.7 ? 1.7 : f;
}

void synth_warp_draw(tern_synth_rng *rng, double scale, double skin, bool rolled, double cx,
                     double cy, synth_warp *w)
{
    w->cx = cx + 15.0 * tern_synth_rng_normal(rng);
    w->cy = cy + 15.0 * tern_synth_rng_normal(rng);
    w->ra = tern_synth_rng_range(rng, 45, 75);
    w->rb = tern_synth_rng_range(rng, 60, 95);
    /* Means: those of the normal draws this replaced (sd 0.11 rad per
     * angle, 12 px per axis, times skin): E|N| = sqrt(2 / pi) sd, and the
     * mean of a Rayleigh magnitude is sqrt(pi / 2) sd. */
    double sign = tern_synth_rng_uniform(rng) < 0.5 ? -1.0 : 1.0;
    w->angle = sign * scale * skin * 0.11 * sqrt(2.0 / M_PI) * bounded_factor(rng);
    w->cos_a = cos(w->angle);
    w->sin_a = sin(w->angle);
    double r = scale * skin * 12.0 * sqrt(M_PI / 2.0) * bounded_factor(rng);
    double dir = tern_synth_rng_range(rng, 0, 2.0 * M_PI);
    w->tx = r * cos(dir);
    w->ty = r * sin(dir);
    w->k = tern_synth_rng_range(rng, 50, 90);
    w->stretch = rolled ? scale * tern_synth_rng_range(rng, 0.04, 0.10) : 0.0;
}

void synth_warp_apply(const synth_warp *w, double *x, double *y)
{
    double dx = *x - w->cx, dy = *y - w->cy;
    double rho = sqrt((dx / w->ra) * (dx / w->ra) + (dy / w->rb) * (dy / w->rb));
    if (w->stretch != 0) {
        double q = dx / (3.0 * w->ra);
        *x += w->stretch * dx * (q * q < 1 ? q * q : 1);
    }
    if (rho <= 1.0)
        return;
    /* Distance to the ellipse along the ray from its centre. */
    double d = sqrt(dx * dx + dy * dy) * (1.0 - 1.0 / rho);
    double brake = 1.0 - exp(-(d / w->k) * (d / w->k));
    double mx = w->cos_a * dx - w->sin_a * dy + w->tx - dx;
    double my = w->sin_a * dx + w->cos_a * dy + w->ty - dy;
    *x += brake * mx;
    *y += brake * my;
}
