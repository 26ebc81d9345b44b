/* warp.c - non-linear skin distortion, after R. Cappelli, D. Maio, D.
 * Maltoni, "Modelling plastic distortion in fingerprint images", ICAPR 2001
 * (used by SFinGe to make impressions, ICPR 2002): a close-contact region
 * (here an ellipse) does not move; the external region moves rigidly
 * (rotation plus translation); in the transitional region between them the
 * displacement is attenuated by a smooth "brake" function of the distance
 * to the close-contact region. A rolled print adds a lateral stretch that
 * grows towards the sides, as the finger's curved surface is unrolled.
 *
 * Image impressions and template impressions share this one model, so the
 * two modes distort fingers alike. */
#include <math.h>

#include "synth_internal.h"

void synth_warp_draw(tern_synth_rng *rng, double scale, double skin, bool rolled, double cx,
                     double cy, synth_warp *w)
{
    w->cx = cx + 15.0 * tern_synth_rng_normal(rng);
    w->cy = cy + 15.0 * tern_synth_rng_normal(rng);
    w->ra = tern_synth_rng_range(rng, 45, 75);
    w->rb = tern_synth_rng_range(rng, 60, 95);
    w->angle = scale * skin * 0.11 * tern_synth_rng_normal(rng);
    w->cos_a = cos(w->angle);
    w->sin_a = sin(w->angle);
    w->tx = scale * skin * 12.0 * tern_synth_rng_normal(rng);
    w->ty = scale * skin * 12.0 * tern_synth_rng_normal(rng);
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
