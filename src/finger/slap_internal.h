/* slap_internal.h - what the slap segmenter's files share (src/finger/slap.c,
 * src/finger/slap_axis.c): block geometry and the hand's axis. Not public. */
#ifndef TERN_SLAP_INTERNAL_H
#define TERN_SLAP_INTERNAL_H

#include <stdbool.h>

#include "tern/slap.h"
#include "tern/status.h"

#define BLK 8             /* block side, pixels at 500 ppi */
#define MIN_FINGER_W 14   /* bins (112 px): narrowest finger column */

static const double DEG = 3.14159265358979323846 / 180.0;

/* Along a rotation theta (clockwise from upright), a point's coordinate
 * across the fingers (u, to the right) and along them (v, towards the
 * tips): u = x cos + y sin, v = x sin - y cos; back: x = u cos + v sin,
 * y = u sin - v cos (a rotation, not a mirror). */
static inline double u_of(double x, double y, double c, double s) { return x * c + y * s; }
static inline double v_of(double x, double y, double c, double s) { return x * s - y * c; }

typedef struct split {
    double theta;          /* radians */
    double u0;             /* u of bin 0 */
    int cut[TERN_SLAP_MAX_FINGERS + 1]; /* bin bounds: finger i is [cut[i], cut[i+1]) */
    double scatter;        /* within-column scatter of u, px^2 per block */
    double valley;         /* projection at the cuts, relative to its peak */
    bool ok;
} split;

typedef struct blocks {
    int n;
    double *x, *y; /* block centres, pixels */
    int *idx;      /* block index in the grid */
} blocks;

/* The hand's axis and its finger columns for n fingers from the ridge
 * blocks b (slap_axis.c); prior and prior_coh: the ridges' mean flow and
 * its coherence (slap.c, ridge_blocks). TERN_E_QUALITY when no rotation
 * parts the blocks into n fingers; TERN_E_NOMEM. */
tern_status slap_find_axis(const blocks *b, int n, double prior, double prior_coh, split *best,
                           tern_error *err);

#endif
