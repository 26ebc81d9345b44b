/* match_internal.h - the prepared template and the comparison context of
 * src/match (not installed). Geometry is in "500-ppi pixel units" (u):
 * millimetres * 500 / 25.4, so that the published Minutia Cylinder-Code
 * parameters (given in pixels at 500 ppi) apply unchanged at any resolution.
 * The y axis points up (template y is negated), so that positions and the
 * counter-clockwise minutia angles of tern/template.h share one frame. */
#ifndef TERN_MATCH_INTERNAL_H
#define TERN_MATCH_INTERNAL_H

#include <stdint.h>

#include "tern/match.h"

/* MCC bit cylinders (Cappelli et al. 2010, Sec. 3; parameters of Table 1). */
#ifndef MCC_NS
#define MCC_NS 8                               /* cells per side (paper: 16; see docs) */
#endif
#define MCC_ND 6                               /* direction bins */
#define MCC_SWORDS ((MCC_NS * MCC_NS + 63) / 64) /* 64-bit words per spatial layer */
#define MCC_WORDS (MCC_SWORDS * MCC_ND)        /* words per cylinder */

typedef struct match_minutia {
    float x, y;    /* u, y up */
    float angle;   /* radians [0, 2pi), counter-clockwise */
    uint8_t type;
    uint8_t cyl_ok; /* the cylinder is valid (MCC Sec. 3.1: minVC, minM) */
} match_minutia;

struct tern_match_template {
    uint32_t n;
    match_minutia *m;
    uint64_t *cyl;       /* n * MCC_WORDS: layer k at [k * MCC_SWORDS] */
    uint64_t *valid;     /* n * MCC_SWORDS: spatial validity mask */
    uint16_t *ones;      /* n: set cells of each cylinder (its popcount; the gallery keeps it) */
    float *dist;         /* n * n: distance between minutiae i and j (u) */
    float *dir;          /* n * n: direction of the segment i -> j (radians) */
    uint32_t n_hull;
    float *hull;         /* 2 * n_hull: convex hull vertices, counter-clockwise */
    float *hull_edge;    /* 3 * n_hull: outward unit normal and offset of each edge */
    uint64_t key;        /* content hash, for the canonical order of a pair */
};

/* A candidate pair of minutiae with its local similarity, quantised:
 * q = round(similarity * MATCH_Q), so that sorting and summing are exact. */
#define MATCH_Q 65535u
#ifndef MATCH_MIN_Q
#define MATCH_MIN_Q 19660u /* similarity 0.3: weaker pairs are no evidence */
#endif
typedef struct match_pair {
    uint16_t q;
    uint16_t a, b;
} match_pair;

#define MATCH_MAX_PAIRS (TERN_TEMPLATE_MAX_MINUTIAE * TERN_TEMPLATE_MAX_MINUTIAE)

struct tern_match_context {
    match_pair *pairs;   /* MATCH_MAX_PAIRS */
    match_pair *pairs_tmp; /* MATCH_MAX_PAIRS, for sorting */
    uint16_t *matched;   /* 2 * TERN_TEMPLATE_MAX_MINUTIAE */
    uint8_t *used_a, *used_b;
    uint16_t *best;      /* 2 * TERN_TEMPLATE_MAX_MINUTIAE */
};

/* Angle a in (-pi, pi], for a within a few turns of that range. */
static inline float match_wrap(float a)
{
    const float pi = 3.14159265358979f, two_pi = 6.28318530717959f;
    if (a > pi)
        a -= two_pi;
    if (a > pi)
        a -= two_pi;
    if (a <= -pi)
        a += two_pi;
    if (a <= -pi)
        a += two_pi;
    return a;
}

/* True if point (x, y) lies inside the convex hull of mt pushed out by
 * `margin` units along each edge's normal. A template with fewer than 3
 * hull vertices contains nothing. */
int match_hull_contains(const tern_match_template *mt, float x, float y, float margin);

/* The MCC bit-cylinder local similarity of minutia i of a and j of b
 * (Sec. 4, eq. 17 with the bit implementation of Sec. 5), or -1 when the
 * two cylinders are not matchable (too few common valid cells, minME). */
float match_mcc_similarity(const tern_match_template *a, uint32_t i, const tern_match_template *b,
                           uint32_t j);

/* Fills out with every candidate pair (cylinders valid and matchable,
 * directions within pi/2, similarity > 0); returns how many. out has room
 * for a->n * b->n pairs. */
uint32_t match_local_pairs(const tern_match_template *a, const tern_match_template *b,
                           match_pair *out);

#endif
