/* impress.c - impressions of a master fingerprint, SFinGe's second stage
 * (Cappelli, Maio, Maltoni, ICPR 2002, section 3; Handbook of Fingerprint
 * Recognition, ch. "Synthetic fingerprint generation"): each output pixel
 * is mapped through the skin distortion (warp.c), a rotation and a
 * displacement into the master; the ridge value found there is thickened
 * or thinned (pressure, skin moisture), broken by dryness, cut by the
 * contact region of this impression (partial contact), and rendered dark on
 * a noisy background, then lightly blurred as a sensor's optics would.
 * All randomness comes from the impression's seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

void tern_synth_impression_defaults(tern_synth_impression_opts *o)
{
    memset(o, 0, sizeof *o);
    o->translation = 45;
    o->rotation_deg = 18;
    o->distortion = 1;
    o->noise = 1;
    o->contact = 1;
}

static double sample_ridge(const tern_synth_master *m, double x, double y)
{
    if (x < 0 || y < 0 || x > m->width - 1.001 || y > m->height - 1.001)
        return -1.0; /* beyond the master: valley (no ink) */
    long ix = (long)x, iy = (long)y;
    double tx = x - ix, ty = y - iy;
    const float *p = m->ridge + (size_t)iy * m->width + ix;
    double a = p[0], b = p[1], c = p[m->width], d = p[m->width + 1];
    return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

/* Everything random about one impression, drawn up front. */
typedef struct impression_plan {
    synth_warp warp;
    double rot_c, rot_s, tx, ty;
    double contact_cx, contact_cy, contact_sx, contact_sy; /* contact ellipse scales */
    double edge_noise, rim;          /* ragged contact edge; width of its speckled rim */
    double moisture;                 /* -1 dry .. +1 wet */
    double thickness, thick_var;     /* ridge width offset, and its local variation */
    double breaks, gap_level;        /* dry skin: ridges broken into dashes */
    double pore_depth, pore_cell, pore_r2;
    double pressure_var;
    uint64_t key;
    synth_smooth thick_field, pressure_field;
    synth_sensor sensor;
} impression_plan;

static void plan_draw(tern_synth_rng *rng, const tern_synth_impression_opts *o,
                      const tern_synth_master *m, uint32_t w, uint32_t h, impression_plan *p)
{
    synth_warp_draw(rng, o->distortion, SYNTH_SKIN_IMAGE, o->rolled, 0.5 * w, 0.5 * h, &p->warp);
    double rot = o->rotation_deg * M_PI / 180.0 * tern_synth_rng_range(rng, -1, 1);
    p->rot_c = cos(rot);
    p->rot_s = sin(rot);
    /* Displacement: normal, most prints near the centre of the frame, the
     * largest ones cut by its border; clipped at o->translation. */
    p->tx = o->translation / 3.0 * tern_synth_rng_normal(rng);
    p->ty = o->translation / 3.0 * tern_synth_rng_normal(rng);
    double r = hypot(p->tx, p->ty);
    if (r > o->translation) {
        p->tx *= o->translation / r;
        p->ty *= o->translation / r;
    }
    /* Contact: an elliptical window over the silhouette; a flat print
     * touches less of the finger than a rolled one. Flat prints: 69-95 %
     * of the width, 81-107 % of the height; the print's area then spreads
     * as DB4's does (foreground quantiles 5/50/95 %: 0.45 / 0.56 / 0.68,
     * DB4_B 0.43 / 0.56 / 0.67; at 62-102 % the smallest prints had 12
     * minutiae and failed most genuine comparisons, docs/synth.md). */
    double lo = o->rolled ? 1.0 : 0.69, hi = o->rolled ? 1.2 : 0.95;
    double cv = o->contact;
    p->contact_sx = 1.0 - cv * (1.0 - tern_synth_rng_range(rng, lo, hi));
    p->contact_sy = 1.0 - cv * (1.0 - tern_synth_rng_range(rng, lo + 0.12, hi + 0.12));
    p->contact_cx = m->geom.cx + cv * 16.0 * tern_synth_rng_normal(rng);
    p->contact_cy = m->geom.cy + cv * 16.0 * tern_synth_rng_normal(rng);
    /* Skin condition and pressure, one variable: dry skin (< 0) prints thin
     * ridges broken into dashes; wet skin or a hard press (> 0) thick ones
     * that merge across the valleys and fill the pores. */
    double nz = o->noise;
    double mo = 0.45 * tern_synth_rng_normal(rng);
    p->moisture = mo < -1 ? -1 : mo > 1 ? 1 : mo;
    p->thickness = nz * (0.30 * p->moisture - 0.08);
    p->thick_var = nz * tern_synth_rng_range(rng, 0.08, 0.30);
    /* Every DB4 print, wet ones too, shows its ridges as dashes (pores
     * and skin texture at 500 ppi); wetness thickens the dashes rather
     * than joining them. */
    double br = 0.88 - 0.12 * p->moisture + 0.06 * tern_synth_rng_normal(rng);
    p->breaks = nz * (br < 0.6 ? 0.6 : br > 1 ? 1 : br);
    p->gap_level = tern_synth_rng_range(rng, 0.46, 0.58);
    double dry = p->moisture > 0 ? 1.0 - 0.4 * p->moisture : 1.0;
    p->pore_depth = nz * tern_synth_rng_range(rng, 0.75, 1.0) * dry;
    p->pore_cell = 0.75 * m->geom.period;
    double pr = tern_synth_rng_range(rng, 1.4, 2.0);
    p->pore_r2 = pr * pr;
    p->edge_noise = nz * tern_synth_rng_range(rng, 0.03, 0.10);
    p->rim = nz * tern_synth_rng_range(rng, 0.05, 0.16);
    p->pressure_var = nz * tern_synth_rng_range(rng, 0.1, 0.4);
    p->key = tern_synth_rng_u64(rng);
    synth_smooth_draw(rng, 50.0, &p->thick_field);
    synth_smooth_draw(rng, 90.0, &p->pressure_field);
    synth_sensor_draw(rng, nz, w, h, &p->sensor);
    if (o->plain_background)
        synth_sensor_plain(&p->sensor);
}

/* Sweat pores: at most one per cell of a grid in master (skin)
 * coordinates, so they stay put from one impression to the next; a light
 * disc of radius sqrt(r2) whose weight this returns, in [0, 1]. */
static double pore_at(const tern_synth_master *m, double cell, double r2, double x, double y)
{
    long ix = (long)floor(x / cell), iy = (long)floor(y / cell);
    uint64_t hsh = synth_hash2(m->pore_key, ix, iy);
    if ((double)(hsh >> 44) * 0x1.0p-20 >= m->pore_prob)
        return 0;
    double px = (ix + 0.2 + 0.6 * (double)(hsh & 0xfffff) * 0x1.0p-20) * cell;
    double py = (iy + 0.2 + 0.6 * (double)((hsh >> 20) & 0xfffff) * 0x1.0p-20) * cell;
    double t = 1.0 - ((x - px) * (x - px) + (y - py) * (y - py)) / r2;
    return t > 0 ? t * t : 0;
}

/* Ink density in [0, 1] at master point (x, y) for this impression. */
static double ink_at(const tern_synth_master *m, const impression_plan *p, double x, double y)
{
    /* Contact: inside the silhouette and inside this impression's window,
     * with a ragged edge. */
    double rho = synth_geom_radius(&m->geom, x, y);
    double ex = (x - p->contact_cx) / (m->geom.a1 + m->geom.a2) * 2.0 / p->contact_sx;
    double ey = (y - p->contact_cy) / (m->geom.b1 + m->geom.b2 + m->geom.c) * 2.0 / p->contact_sy;
    double rc = sqrt(ex * ex + ey * ey);
    double edge = (rho > rc ? rho : rc) + p->edge_noise * (synth_value_noise(p->key, x, y, 9.0) - 0.5);
    if (edge >= 1.0)
        return 0;
    double thick = p->thickness + p->thick_var * synth_smooth_at(&p->thick_field, x, y);
    double v = sample_ridge(m, x, y) + thick;
    double ink = synth_smoothstep(-0.55, 0.55, v);
    if (ink <= 0)
        return 0;
    if (p->breaks > 0) {
        double holes = synth_value_noise(p->key ^ 0x5bd1e995u, x, y, 2.5);
        ink *= 1.0 - p->breaks * synth_smoothstep(p->gap_level - 0.07, p->gap_level + 0.07, holes);
    }
    if (p->pore_depth > 0)
        ink *= 1.0 - p->pore_depth * pore_at(m, p->pore_cell, p->pore_r2, x, y);
    /* Towards the edge of the contact the skin barely touches: ridges break
     * into dots, fewer and fewer, as in DB4's speckled borders. */
    if (p->rim > 0 && edge > 1.0 - p->rim) {
        double level = (edge - (1.0 - p->rim)) / p->rim;
        double dots = synth_value_noise(p->key ^ 0x27d4eb2fu, x, y, 2.2);
        ink *= synth_smoothstep(level - 0.1, level + 0.1, dots);
    } else if (p->rim <= 0) {
        ink *= 1.0 - synth_smoothstep(0.93, 1.0, edge);
    }
    /* Uneven pressure: faint patches where the finger barely touches. */
    double press = 1.0 - p->pressure_var * (0.5 + 0.5 * synth_smooth_at(&p->pressure_field, x, y));
    return ink * (press < 0 ? 0 : press);
}

tern_status tern_synth_impression(const tern_synth_master *m, uint64_t seed,
                                  const tern_synth_impression_opts *opts, tern_image **out,
                                  tern_error *err)
{
    *out = NULL;
    tern_synth_impression_opts o;
    if (opts)
        o = *opts;
    else
        tern_synth_impression_defaults(&o);
    uint32_t w = o.width ? o.width : m->width, h = o.height ? o.height : m->height;
    if (w < 64 || h < 64 || w > TERN_SYNTH_MAX_DIM || h > TERN_SYNTH_MAX_DIM)
        return tern_error_set(err, TERN_E_ARG, "synth: impression size %ux%u (each side 64..%u)",
                              w, h, TERN_SYNTH_MAX_DIM);
    if (!(o.translation >= 0 && o.rotation_deg >= 0 && o.rotation_deg <= 180 &&
          o.distortion >= 0 && o.noise >= 0 && o.contact >= 0 && o.contact <= 1))
        return tern_error_set(err, TERN_E_ARG,
                              "synth: impression options out of range (translation, rotation "
                              "0..180, distortion, noise >= 0; contact 0..1)");
    tern_synth_rng rng;
    tern_synth_rng_seed(&rng, seed);
    impression_plan p;
    plan_draw(&rng, &o, m, w, h, &p);

    float *grey = malloc((size_t)w * h * sizeof *grey);
    tern_status s = tern_image_create(w, h, 1, out, err);
    if (s != TERN_OK || !grey) {
        free(grey);
        tern_image_free(*out);
        *out = NULL;
        return s != TERN_OK ? s : tern_error_set(err, TERN_E_NOMEM, "synth: out of memory");
    }
    double mcx = 0.5 * m->width + p.tx, mcy = 0.5 * m->height + p.ty;
    for (uint32_t v = 0; v < h; v++)
        for (uint32_t u = 0; u < w; u++) {
            double x = u, y = v;
            synth_warp_apply(&p.warp, &x, &y);
            x -= 0.5 * w;
            y -= 0.5 * h;
            double mx = mcx + p.rot_c * x - p.rot_s * y;
            double my = mcy + p.rot_s * x + p.rot_c * y;
            const synth_sensor *sn = &p.sensor;
            double paper = synth_sensor_paper(sn, u, v);
            double ink = ink_at(m, &p, mx, my);
            /* Grain: a cheap near-normal deviate (sum of four uniforms). */
            double g = tern_synth_rng_uniform(&rng) + tern_synth_rng_uniform(&rng) +
                       tern_synth_rng_uniform(&rng) + tern_synth_rng_uniform(&rng) - 2.0;
            double grey_uv = paper - (paper - sn->ink) * ink - synth_sensor_dust(sn, u, v);
            grey[(size_t)v * w + u] =
                (float)(grey_uv * synth_sensor_light(sn, u, v) + sn->grain * 1.73 * g);
        }
    /* Sensor optics: a 3x3 binomial blur. */
    uint8_t *px = (*out)->pixels;
    for (uint32_t v = 0; v < h; v++)
        for (uint32_t u = 0; u < w; u++) {
            double acc = 0, wsum = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    long uu = (long)u + dx, vv = (long)v + dy;
                    if (uu < 0 || vv < 0 || uu >= (long)w || vv >= (long)h)
                        continue;
                    double k = (dx ? 1 : 2) * (dy ? 1 : 2);
                    acc += k * grey[(size_t)vv * w + uu];
                    wsum += k;
                }
            double val = acc / wsum;
            px[(size_t)v * w + u] = (uint8_t)(val < 0 ? 0 : val > 255 ? 255 : lround(val));
        }
    free(grey);
    (*out)->ppi_x = (*out)->ppi_y = TERN_SYNTH_PPI;
    return TERN_OK;
}
