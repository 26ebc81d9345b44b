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

/* A minutia as the comparator sees it. Position and direction are
 * quantised at preparation (1/8 unit, 2 pi / 65536) so that the gallery's
 * compact copy (gallery.c) restores exactly the same floats. No padding:
 * the canonical order compares minutiae with memcmp. */
typedef struct match_minutia {
    float x, y;    /* u, y up */
    float angle;   /* radians [0, 2pi), counter-clockwise */
    float co, si;  /* cos and sin of angle */
    uint16_t aq;   /* angle in steps of 2 pi / 65536 */
    uint8_t type;
    uint8_t cyl_ok; /* the cylinder is valid (MCC Sec. 3.1: minVC, minM) */
    uint8_t quality;
    uint8_t pad[3]; /* 0 */
} match_minutia;

struct tern_match_template {
    uint32_t n;
    match_minutia *m;
    uint64_t *cyl;       /* n * MCC_WORDS: layer k at [k * MCC_SWORDS]; bit c = disc cell c */
    uint64_t *valid;     /* n * MCC_SWORDS: spatial validity mask */
    uint16_t *ones;      /* n: set cells of each cylinder (its popcount) */
    uint16_t *ok;        /* n_ok: indices of the valid cylinders, ascending */
    uint32_t n_ok;
    /* The valid cylinders again, as a structure of arrays for the pair loop:
     * word w of layer k of the x-th valid cylinder at
     * soa[(k * MCC_SWORDS + w) * n_pad + x], its validity at
     * soa[(MCC_WORDS + w) * n_pad + x], its popcount at ones_ok[x]; n_pad is
     * n_ok rounded up to 8, the padding empty (never valid). */
    uint64_t *soa;
    uint32_t *ones_ok;
    uint32_t n_pad;
    uint32_t n_hull;
    uint8_t *hull;       /* n_hull: minutia index of each convex hull vertex, counter-clockwise */
    float *hull_edge;    /* 3 * n_hull: outward unit normal and offset of each edge */
    float sx, sy;        /* units per pixel of the source template (x, y) */
    uint64_t key;        /* content hash, for the canonical order of a pair */
    /* The coarse orientation field (tern_template.orient; fc = fr = 0 when
     * the template has none): fc x fr cells of fw x fh units, row by row
     * from the frame's top, so a point (x, y) (units, y up) lies in cell
     * (floor(x / fw), floor(-y / fh)); each 0 (background) or the ridge
     * orientation's level 1..TERN_ORIENT_LEVELS, unchanged (angles share
     * the template's convention). */
    uint16_t fc, fr;
    float fw, fh;
    uint8_t *field;      /* fc * fr (NULL when none) */
};

/* Quantisation of positions and directions (see match_minutia). */
#define MATCH_POS_SCALE 8.0
#define MATCH_ANGLE_STEPS 65536.0

/* Cells of a cylinder inside its disc (the only ones that can be valid or
 * set), numbered from bit 0 in row order: MCC_DISC of the Ns^2. */
#define MCC_DISC match_disc_cells()
uint32_t match_disc_cells(void);

/* Finishes a template whose n, m (x, y, angle quantised, type, quality),
 * and allocations are set: cos/sin, hull, edges, cylinders, ok list and key.
 * Used by preparation (mcc.c); the gallery restores instead (gallery.c). */
void match_template_finish_geometry(tern_match_template *mt);
/* Fills soa, ones_ok and n_pad from cyl, valid, ones and ok (room for
 * TERN_TEMPLATE_MAX_MINUTIAE + 8 cylinders is enough). */
void match_template_soa(tern_match_template *mt);
#define MATCH_SOA_WORDS(n) (((size_t)(n) + 8) * (MCC_WORDS + MCC_SWORDS))
/* Copies t's orientation field into mt (fc, fr, fw, fh, field allocated):
 * TERN_E_ARG for an invalid grid, TERN_E_NOMEM. */
tern_status match_template_field(tern_match_template *mt, const tern_orientation_field *f,
                                 double sx, double sy, tern_error *err);
/* The hull's edge table from hull and m. */
void match_hull_edges(tern_match_template *mt);
/* cos/sin of a quantised direction step q (0..65535) and the direction. */
void match_angle(uint32_t q, float *angle, float *co, float *si);

/* A candidate pair of minutiae with its local similarity, quantised:
 * q = round(similarity * MATCH_Q), so that sorting and summing are exact. */
#define MATCH_Q 65535u
#ifndef MATCH_MIN_Q
#define MATCH_MIN_Q 22937u /* similarity 0.35: weaker pairs are no evidence */
#endif
typedef struct match_pair {
    uint16_t q;
    uint16_t a, b;
    uint16_t pad;   /* 0: a pair is one 64-bit word, which the vector paths store */
} match_pair;

/* Room for every pair of two templates, and 8 more: the vector paths store
 * their kept pairs 4 or 8 at a time, past the last one kept. */
#define MATCH_MAX_PAIRS (TERN_TEMPLATE_MAX_MINUTIAE * TERN_TEMPLATE_MAX_MINUTIAE + 8)

/* The pair loop's implementations; each gives the same pairs bit for bit
 * (tests/test_match.c compares them): the portable code, the same with the
 * POPCNT instruction, AVX2 (x86-64-v3) and AVX-512 VPOPCNTDQ (mcc_simd.c). */
typedef enum match_path {
    MATCH_PATH_GENERIC, MATCH_PATH_POPCNT, MATCH_PATH_AVX2, MATCH_PATH_AVX512, MATCH_PATHS
} match_path;

/* One template's minutiae as a structure of arrays, for the consolidation's
 * vector loops (compare.c fills it per comparison): positions, cos/sin of
 * the directions and the overlap weight (from the quality), padded with
 * zeros to a multiple of 4 entries. */
#define MATCH_GEO_N ((TERN_TEMPLATE_MAX_MINUTIAE + 4u) & ~3u)
typedef struct match_geo {
    float x[MATCH_GEO_N], y[MATCH_GEO_N], co[MATCH_GEO_N], si[MATCH_GEO_N], w[MATCH_GEO_N];
} match_geo;

struct tern_match_context {
    match_pair *pairs;   /* MATCH_MAX_PAIRS */
    match_pair *pairs_tmp; /* MATCH_MAX_PAIRS, for sorting */
    uint16_t *matched;   /* 2 * TERN_TEMPLATE_MAX_MINUTIAE */
    uint8_t *used_a, *used_b;
    uint16_t *best;      /* 2 * TERN_TEMPLATE_MAX_MINUTIAE */
    float *turns;        /* 2 * TERN_TEMPLATE_MAX_MINUTIAE: cos, sin per graph pair */
    uint16_t *rot;       /* MAX_CANDIDATES: each candidate's turn, in angle steps */
    struct match_cands *cands; /* the consolidation's candidates (compare.c) */
    uint16_t *list;      /* MAX_CANDIDATES + 4: the candidates one root may take */
    match_geo *geo;      /* 3: a's and b's minutiae, the global pass's predictions (compare.c) */
    int32_t *used_lane;  /* MATCH_GEO_N: -1 where b's minutia is taken */
    float sq[MCC_WORDS * 64 + 1]; /* match_sqrt_table */
    match_path path;     /* the pair loop's (match_path_default at creation) */
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
                           uint32_t j, const float *sq);
/* Fills sq[0 .. MCC_WORDS * 64] with sqrtf of each index (the norms of
 * eq. 17 by table: the same floats as sqrtf, no per-pair square roots). */
void match_sqrt_table(float *sq);

/* "generic", "popcnt", "avx2", "avx512"; "?" out of range. */
const char *match_path_name(match_path p);
/* Whether this build and CPU run path p. */
int match_path_available(match_path p);
/* The path a new context uses: the environment variable TERN_MATCH_PATH if
 * it names an available path, else the fastest available one. */
match_path match_path_default(void);

/* Fills out with every candidate pair (cylinders valid and matchable,
 * similarity above MATCH_MIN_Q), a ascending then b ascending, by the given
 * path (the portable one if this CPU lacks it); returns how many. out has
 * room for a->n * b->n + 8 pairs (MATCH_MAX_PAIRS is enough); what lies
 * past the returned count is undefined. */
uint32_t match_local_pairs(const tern_match_template *a, const tern_match_template *b,
                           match_pair *out, const float *sq, match_path path);
/* For mcc_simd.c: the scalar paths (mcc.c; popcnt on x86-64 only) and
 * MCC's minME as a count of common valid cells. */
uint32_t match_local_pairs_generic(const tern_match_template *a, const tern_match_template *b,
                                   match_pair *out, const float *sq);
uint32_t match_local_pairs_popcnt(const tern_match_template *a, const tern_match_template *b,
                                  match_pair *out, const float *sq);
extern const int match_mcc_min_common;

#endif
