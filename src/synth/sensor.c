/* sensor.c - the background and the optics of a synthetic capture, and the
 * cheap hashed noises the impression maker draws its textures from.
 *
 * SFinGe renders an impression on a background made by a sensor model
 * (Cappelli, Maio, Maltoni, ICPR 2002, section 3; Handbook of Fingerprint
 * Recognition, ch. "Synthetic fingerprint generation", "background
 * generation"): the FVC2002 DB4 prints it made show a light, smooth field,
 * darker towards the corners (vignetting: an optical sensor's illumination
 * falls off away from the axis), a mottled texture, faint streaks left on
 * the platen, a few light and dark dust spots, and little pixel grain.
 * Here each of those is a term with its own per-impression strength; the
 * illumination multiplies the whole image (ridges included), as the light
 * reaching the camera does. */
#include <math.h>

#include "synth_internal.h"

uint64_t synth_hash2(uint64_t key, long ix, long iy)
{
    uint64_t z = key ^ ((uint64_t)ix * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)iy * 0xc2b2ae3d27d4eb4full);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double lattice(uint64_t key, long ix, long iy)
{
    return (double)(synth_hash2(key, ix, iy) >> 11) * 0x1.0p-53;
}

double synth_value_noise(uint64_t key, double x, double y, double cell)
{
    double fx = x / cell, fy = y / cell;
    long ix = (long)floor(fx), iy = (long)floor(fy);
    double tx = fx - ix, ty = fy - iy;
    tx = tx * tx * (3 - 2 * tx);
    ty = ty * ty * (3 - 2 * ty);
    double a = lattice(key, ix, iy), b = lattice(key, ix + 1, iy);
    double c = lattice(key, ix, iy + 1), d = lattice(key, ix + 1, iy + 1);
    return (a + (b - a) * tx) + ((c + (d - c) * tx) - (a + (b - a) * tx)) * ty;
}

double synth_smoothstep(double e0, double e1, double x)
{
    double t = (x - e0) / (e1 - e0);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return t * t * (3 - 2 * t);
}

void synth_sensor_draw(tern_synth_rng *rng, double noise, uint32_t w, uint32_t h, synth_sensor *s)
{
    double nz = noise;
    s->w = w;
    s->h = h;
    s->paper = tern_synth_rng_range(rng, 175, 220);
    s->ink = tern_synth_rng_range(rng, 10, 55);
    s->vignette = nz * tern_synth_rng_range(rng, 0.15, 0.35);
    s->vx = 0.5 * w + 0.06 * w * tern_synth_rng_normal(rng);
    s->vy = 0.5 * h + 0.06 * h * tern_synth_rng_normal(rng);
    s->grain = nz * tern_synth_rng_range(rng, 3.0, 10.0);
    s->shade = nz * tern_synth_rng_range(rng, 2, 8);
    s->texture = nz * tern_synth_rng_range(rng, 3, 9);
    s->streak = nz * tern_synth_rng_range(rng, 0, 7);
    double a = tern_synth_rng_range(rng, 0, M_PI);
    s->streak_c = cos(a);
    s->streak_s = sin(a);
    s->light_spots = nz * tern_synth_rng_range(rng, 0, 35);
    s->dark_spots = nz * tern_synth_rng_range(rng, 0, 40);
    s->spot_level = tern_synth_rng_range(rng, 0.77, 0.83);
    s->key = tern_synth_rng_u64(rng);
    synth_smooth_draw(rng, 220.0, &s->field);
}

void synth_sensor_plain(synth_sensor *s)
{
    s->vignette = s->shade = s->texture = s->streak = s->light_spots = s->dark_spots = 0;
}

double synth_sensor_paper(const synth_sensor *s, double u, double v)
{
    double p = s->paper + s->shade * synth_smooth_at(&s->field, u, v);
    if (s->texture > 0)
        p += s->texture * (synth_value_noise(s->key, u, v, 23.0) - 0.5) +
             0.5 * s->texture * (synth_value_noise(s->key ^ 1, u, v, 6.0) - 0.5);
    if (s->streak > 0) {
        /* Thin streaks along one direction: noise stretched 20 times. */
        double along = s->streak_c * u + s->streak_s * v, across = -s->streak_s * u + s->streak_c * v;
        p += s->streak * (synth_value_noise(s->key ^ 2, across / 1.6, along / 32.0, 1.0) - 0.5);
    }
    if (s->light_spots > 0) {
        /* Two octaves, so the spots are blobs rather than lattice cells. */
        double n = 0.65 * synth_value_noise(s->key ^ 3, u, v, 13.0) +
                   0.35 * synth_value_noise(s->key ^ 5, u, v, 4.0);
        p += s->light_spots * synth_smoothstep(s->spot_level, s->spot_level + 0.06, n);
    }
    return p;
}

double synth_sensor_dust(const synth_sensor *s, double u, double v)
{
    if (s->dark_spots <= 0)
        return 0;
    double n = 0.6 * synth_value_noise(s->key ^ 4, u, v, 5.0) +
               0.4 * synth_value_noise(s->key ^ 6, u, v, 2.0);
    return s->dark_spots * synth_smoothstep(s->spot_level + 0.02, s->spot_level + 0.08, n);
}

double synth_sensor_light(const synth_sensor *s, double u, double v)
{
    double dx = (u - s->vx) / (0.5 * s->w), dy = (v - s->vy) / (0.5 * s->h);
    double r2 = 0.5 * (dx * dx + dy * dy); /* 1 in the corners */
    return 1.0 - s->vignette * r2 * r2 * r2;
}
