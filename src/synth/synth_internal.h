/* synth_internal.h - what the files of src/synth share: the geometry of one
 * synthetic finger (class, singular points, orientation model, ridge-period
 * map, silhouette), the master and template-finger objects, and the
 * Cappelli plastic-distortion warp used by both impression makers. */
#ifndef TERN_SYNTH_INTERNAL_H
#define TERN_SYNTH_INTERNAL_H

#include "tern/synth.h"

#define SYNTH_MAX_SING 2   /* cores, and deltas, at most two each */
#define SYNTH_VG_HARM 3    /* harmonics of a Vizcaya-Gerhardt correction */
#define SYNTH_NOISE_TERMS 4

/* A smooth random field: a sum of a few low-frequency cosines, in [-1, 1]
 * roughly. Cheap to evaluate anywhere, deterministic. */
typedef struct synth_smooth {
    double kx[SYNTH_NOISE_TERMS], ky[SYNTH_NOISE_TERMS], phase[SYNTH_NOISE_TERMS];
} synth_smooth;

typedef struct synth_geom {
    tern_synth_class cls;
    double width, height;              /* canvas */
    /* Silhouette (SFinGe): a central rectangle of height c between four
     * quarter-ellipses, half-widths a1 (left) and a2 (right), heights b1
     * (top) and b2 (bottom), centred at (cx, cy). */
    double cx, cy, a1, a2, b1, b2, c;
    int n_core, n_delta;
    double core[SYNTH_MAX_SING][2], delta[SYNTH_MAX_SING][2];
    /* Vizcaya-Gerhardt correction of each singularity's angular term (cores
     * first, then deltas): g(alpha) = alpha + vg[0] + sum over n = 1..3 of
     * vg[2n-1] cos(n alpha) + vg[2n] sin(n alpha). */
    double vg[2 * SYNTH_MAX_SING][2 * SYNTH_VG_HARM + 1];
    /* Loops: a singularity's angular term first goes through alpha + amp *
     * cos^2(alpha - dir) within 90 degrees of dir (geom.c): the core's turns
     * the loop's axis away from the delta, the delta's turns the flow
     * between delta and core so that ridges cross that line. */
    double bend_amp[2 * SYNTH_MAX_SING], bend_dir[2 * SYNTH_MAX_SING];
    double arch_k;                     /* arch: bump steepness */
    double arch_u0, arch_skew;         /* arch: crest offset (in widths), flank asymmetry */
    double dome;                       /* fingertip correction strength */
    double spiral, spiral_r;           /* whorl: spiral twist (rad) at the centre, its reach (px) */
    double rotation;                   /* theta-infinity of the zero-pole model */
    double period;                     /* mean ridge period, pixels */
    synth_smooth period_noise, orient_noise;
    double orient_noise_amp;
} synth_geom;

/* Mean ridge period of a master whose caller sets none, and its spread
 * between fingers, pixels at 500 ppi: FVC2002 DB4's (SFinGe's) prints
 * measure 7.4 px with stats.c; an impression measures about 0.2 px more
 * than its master's mean (distortion, the contact rim). */
#define SYNTH_PERIOD_MEAN 7.2
#define SYNTH_PERIOD_SD 0.4

/* Draws the geometry of one finger of class cls on a w x h canvas with mean
 * ridge period `period` (0: drawn around SYNTH_PERIOD_MEAN). */
void synth_geom_draw(tern_synth_rng *rng, tern_synth_class cls, double w, double h,
                     double period, synth_geom *g);
/* Ridge orientation at (x, y), radians in [0, pi), image axes (y down). */
double synth_geom_orient(const synth_geom *g, double x, double y);
/* Ridge period at (x, y), pixels. */
double synth_geom_period(const synth_geom *g, double x, double y);
/* Normalised silhouette radius: < 1 inside, 1 on the border, > 1 outside. */
double synth_geom_radius(const synth_geom *g, double x, double y);
double synth_smooth_at(const synth_smooth *s, double x, double y);
void synth_smooth_draw(tern_synth_rng *rng, double wavelength, synth_smooth *s);

struct tern_synth_master {
    synth_geom geom;
    uint32_t width, height;
    float *ridge;       /* width * height, in [-1, 1]: > 0 on a ridge */
    uint64_t pore_key;  /* where this finger's sweat pores are (skin, not capture) */
    double pore_prob;   /* share of pore cells that hold a pore */
};

/* Hashed noises (sensor.c): a 64-bit hash of (key, ix, iy); value noise of
 * lattice spacing `cell`, smoothly interpolated, in [0, 1); smoothstep. */
uint64_t synth_hash2(uint64_t key, long ix, long iy);
double synth_value_noise(uint64_t key, double x, double y, double cell);
double synth_smoothstep(double e0, double e1, double x);

/* A capture's background and optics (sensor.c). */
typedef struct synth_sensor {
    uint32_t w, h;
    double paper, ink;          /* grey of the bare platen and of full ink */
    double vignette, vx, vy;    /* illumination fall-off and its centre */
    double grain;               /* pixel noise, grey levels (sd) */
    double shade, texture, streak, streak_c, streak_s;
    double light_spots, dark_spots, spot_level;
    uint64_t key;
    synth_smooth field;
} synth_sensor;

void synth_sensor_draw(tern_synth_rng *rng, double noise, uint32_t w, uint32_t h, synth_sensor *s);
/* Switches off every background effect but the grain. */
void synth_sensor_plain(synth_sensor *s);
/* Grey of the bare background at frame pixel (u, v), before illumination. */
double synth_sensor_paper(const synth_sensor *s, double u, double v);
/* Darkening by dust at (u, v), grey levels (over ridges and valleys alike). */
double synth_sensor_dust(const synth_sensor *s, double u, double v);
/* Illumination factor at (u, v), 1 on the axis, lower towards the corners. */
double synth_sensor_light(const synth_sensor *s, double u, double v);

/* Grows the ridge pattern of m (geometry set, ridge allocated) from seeds by
 * iterative contextual Gabor filtering. */
tern_status synth_ridge_grow(tern_synth_master *m, tern_synth_rng *rng, tern_error *err);

/* Cappelli's plastic distortion (ICAPR 2001): inside an elliptical
 * close-contact region nothing moves; the external region is rotated and
 * translated; in between, the displacement grows smoothly (the "brake"). */
typedef struct synth_warp {
    double cx, cy;     /* centre of the close-contact ellipse (frame coords) */
    double ra, rb;     /* its semi-axes */
    double angle;      /* rotation of the external region, radians */
    double cos_a, sin_a;
    double tx, ty;     /* translation of the external region, pixels */
    double k;          /* brake length, pixels */
    double stretch;    /* lateral stretch of a rolled print (0 = none) */
} synth_warp;

/* scale: the caller's distortion option; skin: how far the external region
 * moves (rotation 0.088 rad and translation 15 px on average, times skin,
 * with a bounded spread: warp.c). Image impressions use SYNTH_SKIN_IMAGE,
 * template impressions 1. */
void synth_warp_draw(tern_synth_rng *rng, double scale, double skin, bool rolled, double cx,
                     double cy, synth_warp *w);
/* Image impressions: about as much distortion as FVC2002 DB4 shows to
 * Tern's matcher (the genuine-score distribution, docs/synth.md). */
#define SYNTH_SKIN_IMAGE 1.7
/* Moves (x, y) by the distortion. */
void synth_warp_apply(const synth_warp *w, double *x, double *y);

struct tern_synth_tfinger {
    synth_geom geom;
    uint32_t n;
    tern_minutia *minutiae; /* canvas coordinates */
};

#endif
