/* compare.c - the 1:1 comparison of two prepared templates: local similarity
 * by Minutia Cylinder-Code (Cappelli, Ferrara, Maltoni, IEEE TPAMI 32(12)
 * 2010, Sec. 4-5: bit cylinders, popcount), then consolidation by growing a
 * graph of mutually consistent minutia pairs from the best root pairs, in
 * the spirit of SourceAFIS's pairing graph (pair tables; edges compared by
 * length and by the angles of the edge relative to both end minutiae).
 *
 * The consolidation differs from MCC's LSS/LSA relaxation: a candidate pair
 * joins the graph only if it is consistent with EVERY pair already in it,
 * with a length tolerance that grows with the edge (elastic distortion
 * stretches long edges more) and angle tolerances that do not; this is a
 * stricter, global test than relaxation and it tolerates distortion because
 * the test is pairwise, never through one rigid alignment. The score weighs
 * the consistent pairs' local similarities against the number of minutiae of
 * each print that fall in the common area (estimated from the pairs), so a
 * small overlap is not penalised for minutiae it cannot contain.
 *
 * Non-minutia evidence: when both templates carry Tern's coarse orientation
 * field, the agreement of the two fields under the graph's rigid fit
 * (Qi, Yang & Wang, "Fingerprint matching combining the global orientation
 * field with minutia", Pattern Recognition Letters 26(15), 2005) raises the
 * score of an alignment that also aligns the ridge flow.
 *
 * Symmetry by construction: the two templates are put in a canonical order
 * (content hash, then content) before anything else, so compare(a, b) and
 * compare(b, a) run the same computation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include "match_internal.h"

/* Four floats or ints: GCC and Clang vector extensions (SSE2 on x86-64, NEON
 * on ARM, scalar code elsewhere). Each lane computes exactly the scalar
 * code's IEEE single-precision operations, in the same order (no FMA:
 * -ffp-contract=off), so vector and scalar decisions are the same. */
typedef float f4 __attribute__((vector_size(16)));
typedef int32_t i4 __attribute__((vector_size(16)));

static inline f4 load4(const float *p)
{
    f4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline i4 load4i(const int32_t *p)
{
    i4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline f4 splat(float x) { return (f4){x, x, x, x}; }

/* Square roots, each exactly rounded (as sqrtf). */
static inline f4 sqrt4(f4 v)
{
#ifdef __SSE__
    return (f4)_mm_sqrt_ps((__m128)v);
#else
    return (f4){sqrtf(v[0]), sqrtf(v[1]), sqrtf(v[2]), sqrtf(v[3])};
#endif
}

static inline f4 max4(f4 x, f4 y)
{
    i4 m = x > y;
    return (f4)((m & (i4)x) | (~m & (i4)y)); /* as x > y ? x : y */
}

/* Consolidation parameters, in 500-ppi units and radians. */
#ifndef ROOTS
#define ROOTS 6               /* root pairs tried */
#endif
#ifndef MAX_CANDIDATES
#define MAX_CANDIDATES 160    /* candidate pairs considered for growth */
#endif
#define ROT_TOL_STEPS 5461u  /* pair rotation vs the root's: pi / 6 in steps of 2 pi / 65536 */
#ifndef LEN_TOL_ABS
#define LEN_TOL_ABS 8.0f      /* edge length tolerance: absolute part */
#endif
#ifndef LEN_TOL_REL
#define LEN_TOL_REL 0.15f     /* ... plus this fraction of the length */
#endif
#ifndef EDGE_ANGLE_TOL
#define EDGE_ANGLE_TOL 0.40f  /* edge angle relative to a minutia (23 degrees) */
#endif
#define COS_EDGE_ANGLE_TOL 0.92106099f /* cos(EDGE_ANGLE_TOL) */
#ifndef EDGE_ANGLE_MIN_LEN
#define EDGE_ANGLE_MIN_LEN 12.0f /* shorter edges have no reliable direction */
#endif
#ifndef OVERLAP_MARGIN
#define OVERLAP_MARGIN 16.0f  /* a minutia this close to the other hull counts as inside */
#endif
#ifndef OVERLAP_FLOOR
#define OVERLAP_FLOOR 8.0f    /* minutiae assumed in the common area at least */
#endif
/* The global pass (after the graph): position tolerance T0 + TR * the
 * distance to the nearest graph pair, direction tolerance A0, and the weight
 * of each pair it adds, in units of local similarity. */
#ifndef GLOBAL_T0
#define GLOBAL_T0 10.0f
#endif
#ifndef GLOBAL_TR
#define GLOBAL_TR 0.08f
#endif
#ifndef GLOBAL_A0
#define GLOBAL_A0 0.45f       /* 26 degrees */
#endif
#ifndef GLOBAL_W
#define GLOBAL_W 0.15
#endif
#define COS_GLOBAL_A0 0.90044710f /* cos(GLOBAL_A0) */
#ifndef TYPE_W
#define TYPE_W 0.1            /* weight of a pair of the same known type */
#endif
/* The orientation fields (tern_template.orient, when both templates carry
 * one): the agreement (mean cos 2 dtheta) a true alignment reaches within
 * the fields' quantisation and estimation noise (0.9: an rms difference of
 * about 13 degrees), the score's gain per unit of agreement above it, and
 * the overlap (cells) below which the agreement says nothing. */
#ifndef FIELD_A0
#define FIELD_A0 0.9
#endif
#ifndef FIELD_BONUS
#define FIELD_BONUS 4.0
#endif
#ifndef FIELD_MIN_CELLS
#define FIELD_MIN_CELLS 16u
#endif
#ifndef FIELD_MIN_SCORE
#define FIELD_MIN_SCORE 0.5   /* minutia scores below: the fields are not compared */
#endif
#ifndef QUALITY_W0
#define QUALITY_W0 0.3f       /* overlap weight of a minutia of quality 0+ (100: 1) */
#endif

/* The candidates of one comparison (the best pairs, in order), as a
 * structure of arrays for the growth's vector tests: the positions of
 * their minutiae in a and b, their turn (cos, sin of a's direction minus
 * b's), and which candidates lie in each sector of turns (bitmaps), so a
 * root finds the candidates within ROT_TOL of its turn without reading
 * them all. */
#define SECTOR_SHIFT 12u        /* 16 sectors of 4096 angle steps (22.5 degrees) */
#define SECTORS (65536u >> SECTOR_SHIFT)
#define CAND_WORDS ((MAX_CANDIDATES + 63) / 64)
_Static_assert(2 * ROT_TOL_STEPS + 1 <= 3u << SECTOR_SHIFT, "a root's window spans 4 sectors at most");
struct match_cands {
    float ax[MAX_CANDIDATES], ay[MAX_CANDIDATES], bx[MAX_CANDIDATES], by[MAX_CANDIDATES];
    float tc[MAX_CANDIDATES], ts[MAX_CANDIDATES];
    uint64_t sector[SECTORS][CAND_WORDS];
};

tern_status tern_match_context_create(tern_match_context **out, tern_error *err)
{
    *out = NULL;
    tern_match_context *c = calloc(1, sizeof *c);
    if (!c)
        return tern_error_set(err, TERN_E_NOMEM, "match: out of memory");
    c->pairs = malloc(MATCH_MAX_PAIRS * sizeof *c->pairs);
    c->pairs_tmp = malloc(MATCH_MAX_PAIRS * sizeof *c->pairs_tmp);
    c->matched = malloc(2 * TERN_TEMPLATE_MAX_MINUTIAE * sizeof *c->matched);
    c->best = malloc(2 * TERN_TEMPLATE_MAX_MINUTIAE * sizeof *c->best);
    c->used_a = malloc(TERN_TEMPLATE_MAX_MINUTIAE);
    c->used_b = malloc(TERN_TEMPLATE_MAX_MINUTIAE);
    c->turns = malloc(2 * TERN_TEMPLATE_MAX_MINUTIAE * sizeof(float));
    c->rot = malloc(MAX_CANDIDATES * sizeof *c->rot);
    c->cands = malloc(sizeof *c->cands);
    c->list = malloc((MAX_CANDIDATES + 4) * sizeof *c->list);
    c->geo = calloc(3, sizeof *c->geo);
    c->used_lane = malloc(MATCH_GEO_N * sizeof *c->used_lane);

    if (!c->pairs || !c->pairs_tmp || !c->matched || !c->best || !c->used_a || !c->used_b ||
        !c->turns || !c->rot || !c->cands || !c->list || !c->geo || !c->used_lane) {
        tern_match_context_free(c);
        return tern_error_set(err, TERN_E_NOMEM, "match: out of memory");
    }
    match_sqrt_table(c->sq);
    c->path = match_path_default();
    *out = c;
    return TERN_OK;
}

void tern_match_context_free(tern_match_context *ctx)
{
    if (!ctx)
        return;
    free(ctx->pairs);
    free(ctx->pairs_tmp);
    free(ctx->matched);
    free(ctx->best);
    free(ctx->used_a);
    free(ctx->used_b);
    free(ctx->turns);
    free(ctx->rot);
    free(ctx->cands);
    free(ctx->list);
    free(ctx->geo);
    free(ctx->used_lane);

    free(ctx);
}

/* The descending sort key of a pair: 0 for similarity 1. */
static inline uint32_t p_key(const match_pair *p) { return MATCH_Q - p->q; }

/* Puts the `keep` best pairs first, sorted by similarity (quantised to 16
 * bits) descending; returns how many are sorted (min(n, keep)). Stable: equal
 * keys keep the order in which they were produced (match_local_pairs: a,
 * then b, ascending), so the order is total and platform-independent. A
 * histogram of the key's high byte finds the cut (the first high byte at
 * which `keep` pairs are reached); the pairs up to it are compacted in
 * place, then sorted by a two-pass LSD radix sort (low byte, then high
 * byte; each pass a stable counting scatter). Every loop is branch-free but
 * for its bounds: the comparisons of an insertion sort mispredict about
 * once a pair. A few pairs are insertion-sorted (the same order). tmp has
 * room for n pairs. */
static uint32_t top_pairs(match_pair *p, match_pair *tmp, uint32_t n, uint32_t keep)
{
    if (n <= 16) {
        for (uint32_t i = 1; i < n; i++) {
            match_pair v = p[i];
            uint32_t key = p_key(&v), j = i;
            while (j > 0 && p_key(&p[j - 1]) > key)
                p[j] = p[j - 1], j--;
            p[j] = v;
        }
        return n < keep ? n : keep;
    }
    uint32_t hi[257] = {0}, lo[257] = {0};
    for (uint32_t i = 0; i < n; i++)
        hi[(p_key(&p[i]) >> 8) + 1]++;
    uint32_t cut = 0, below = 0;
    while (cut < 255 && below + hi[cut + 1] < keep)
        below += hi[++cut];
    /* the pairs up to the cut, in place and in order; their low bytes */
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        match_pair v = p[i];
        uint32_t key = p_key(&v), in = (key >> 8) <= cut;
        p[m] = v;
        m += in;
        lo[(key & 255) + 1] += in;
    }
    for (uint32_t k = 0; k < 255; k++)
        lo[k + 1] += lo[k]; /* lo[k]: where low byte k starts */
    for (uint32_t i = 0; i < m; i++)
        tmp[lo[p_key(&p[i]) & 255]++] = p[i];
    for (uint32_t k = 0; k < cut; k++)
        hi[k + 1] += hi[k]; /* hi[k]: where high byte k starts */
    for (uint32_t i = 0; i < m; i++)
        p[hi[p_key(&tmp[i]) >> 8]++] = tmp[i];
    return m < keep ? m : keep;
}

/* cos and sin of the difference of two minutiae's directions (a's minus b's). */
typedef struct turn {
    float c, s;
} turn;

static inline turn turn_of(const match_minutia *ma, const match_minutia *mb)
{
    return (turn){ma->co * mb->co + ma->si * mb->si, ma->si * mb->co - ma->co * mb->si};
}

/* Is pair (i, j) consistent with pair (p, q): edge i-p of a against j-q of b.
 * Lengths agree within LEN_TOL_ABS + LEN_TOL_REL * the longer; and the edge's
 * direction relative to each end minutia agrees within EDGE_ANGLE_TOL. The
 * angle test needs no arctangent: with e_a = p - i, e_b = q - j and
 * tij = dir(i) - dir(j), the relative directions differ by the angle between
 * e_a and e_b turned by tij, whose cosine is e_a . R(tij) e_b / (|e_a||e_b|)
 * (at the other end, the edges reversed and turned by tpq: the same dot
 * product). Without branches (the outcome is unpredictable): every
 * quantity is computed, and the tests combined bitwise. */
static inline int consistent(const match_geo *ga, uint32_t i, uint32_t p, const match_geo *gb,
                             uint32_t j, uint32_t q, turn tij, turn tpq)
{
    float ax = ga->x[p] - ga->x[i], ay = ga->y[p] - ga->y[i];
    float bx = gb->x[q] - gb->x[j], by = gb->y[q] - gb->y[j];
    float da = sqrtf(ax * ax + ay * ay), db = sqrtf(bx * bx + by * by);
    float longer = da > db ? da : db;
    int len_ok = !(fabsf(da - db) > LEN_TOL_ABS + LEN_TOL_REL * longer);
    int is_short = longer < EDGE_ANGLE_MIN_LEN;
    float lim = COS_EDGE_ANGLE_TOL * da * db;
    float d1 = ax * (tij.c * bx - tij.s * by) + ay * (tij.s * bx + tij.c * by);
    float d2 = ax * (tpq.c * bx - tpq.s * by) + ay * (tpq.s * bx + tpq.c * by);
    return len_ok & (is_short | ((d1 >= lim) & (d2 >= lim)));
}

typedef struct growth {
    uint32_t k;       /* consistent pairs */
    uint32_t sum_q;   /* their quantised local similarities, summed */
} growth;

/* consistent() of four candidates (list[0..3]) against the root pair
 * (p, q) with turn tr: the same operations lane by lane; the result's lanes
 * are -1 where consistent, else 0. */
static inline i4 consistent_with_root(const struct match_cands *cd, const uint16_t *list,
                                      f4 px, f4 py, f4 qx, f4 qy, turn tr)
{
    uint32_t c0 = list[0], c1 = list[1], c2 = list[2], c3 = list[3];
    f4 ax = px - (f4){cd->ax[c0], cd->ax[c1], cd->ax[c2], cd->ax[c3]};
    f4 ay = py - (f4){cd->ay[c0], cd->ay[c1], cd->ay[c2], cd->ay[c3]};
    f4 bx = qx - (f4){cd->bx[c0], cd->bx[c1], cd->bx[c2], cd->bx[c3]};
    f4 by = qy - (f4){cd->by[c0], cd->by[c1], cd->by[c2], cd->by[c3]};
    f4 tc = {cd->tc[c0], cd->tc[c1], cd->tc[c2], cd->tc[c3]};
    f4 ts = {cd->ts[c0], cd->ts[c1], cd->ts[c2], cd->ts[c3]};
    f4 da = sqrt4(ax * ax + ay * ay), db = sqrt4(bx * bx + by * by);
    f4 longer = max4(da, db);
    f4 diff = (f4)((i4)(da - db) & 0x7fffffff); /* fabsf */
    i4 len_ok = ~(diff > splat(LEN_TOL_ABS) + splat(LEN_TOL_REL) * longer);
    i4 is_short = longer < splat(EDGE_ANGLE_MIN_LEN);
    f4 lim = splat(COS_EDGE_ANGLE_TOL) * da * db;
    f4 d1 = ax * (tc * bx - ts * by) + ay * (ts * bx + tc * by);
    f4 d2 = ax * (splat(tr.c) * bx - splat(tr.s) * by) + ay * (splat(tr.s) * bx + splat(tr.c) * by);
    return len_ok & (is_short | ((d1 >= lim) & (d2 >= lim)));
}

/* Grows the graph from candidate `root`; the pairs end in ctx->matched, the
 * turns of the pairs in ctx->turns. A candidate joins if neither minutia
 * is taken, its turn is within ROT_TOL of the root's, and it is consistent
 * with every pair of the graph. The tests against the root alone do not
 * depend on the graph: they are made first, without branches (the turn's
 * on the candidates of the root's sectors, the consistency four at a
 * time), leaving the few candidates that pass in ctx->list, in order; the
 * graph's other pairs are then tested on those: the same decisions, in the
 * same order, as testing each candidate in turn. */
static growth grow(tern_match_context *ctx, const tern_match_template *a,
                   const tern_match_template *b, const match_pair *cand, uint32_t root)
{
    const match_geo *ga = &ctx->geo[0], *gb = &ctx->geo[1];
    const struct match_cands *cd = ctx->cands;
    memset(ctx->used_a, 0, a->n);
    memset(ctx->used_b, 0, b->n);
    uint16_t *mp = ctx->matched, *list = ctx->list;
    turn *tu = (turn *)ctx->turns;
    const match_pair *r = &cand[root];
    const uint16_t *rot = ctx->rot;
    const uint16_t rr = rot[root];
    growth g = {1, r->q};
    mp[0] = r->a, mp[1] = r->b;
    tu[0] = (turn){cd->tc[root], cd->ts[root]};
    ctx->used_a[r->a] = ctx->used_b[r->b] = 1;
    /* |turn - the root's turn| <= ROT_TOL, in angle steps, wrapped; among
     * the candidates of the 4 sectors the window touches, in order */
    uint32_t s0 = (uint16_t)(rr - ROT_TOL_STEPS) >> SECTOR_SHIFT, n1 = 0;
    for (uint32_t w = 0; w < CAND_WORDS; w++) {
        uint64_t bits = 0;
        for (uint32_t s = 0; s < 4; s++)
            bits |= cd->sector[(s0 + s) % SECTORS][w];
        for (; bits; bits &= bits - 1) {
            uint32_t c = 64 * w + (uint32_t)__builtin_ctzll(bits);
            list[n1] = (uint16_t)c;
            n1 += (uint16_t)(rot[c] - rr + ROT_TOL_STEPS) <= 2 * ROT_TOL_STEPS;
        }
    }
    for (uint32_t x = n1; x < n1 + 3; x++)
        list[x] = (uint16_t)root; /* lanes past the end: read, then dropped */
    const f4 px = splat(ga->x[r->a]), py = splat(ga->y[r->a]);
    const f4 qx = splat(gb->x[r->b]), qy = splat(gb->y[r->b]);
    uint32_t n2 = 0;
    for (uint32_t x = 0; x < n1; x += 4) {
        uint16_t c4[4];
        memcpy(c4, &list[x], sizeof c4);
        i4 ok = consistent_with_root(cd, c4, px, py, qx, qy, tu[0]);
        for (uint32_t l = 0; l < 4 && x + l < n1; l++) {
            list[n2] = c4[l];
            n2 += (uint32_t)ok[l] & 1u;
        }
    }
    for (uint32_t x = 0; x < n2; x++) {
        uint32_t c = list[x], i = cand[c].a, j = cand[c].b;
        if (ctx->used_a[i] || ctx->used_b[j])
            continue;
        turn tij = {cd->tc[c], cd->ts[c]};
        uint32_t t = 1;
        while (t < g.k && consistent(ga, i, mp[2 * t], gb, j, mp[2 * t + 1], tij, tu[t]))
            t++;
        if (t < g.k)
            continue;
        mp[2 * g.k] = (uint16_t)i, mp[2 * g.k + 1] = (uint16_t)j;
        tu[g.k] = tij;
        g.k++;
        g.sum_q += cand[c].q;
        ctx->used_a[i] = ctx->used_b[j] = 1;
    }
    return g;
}

/* A rigid transform from a's frame to b's: rotate about ca by th, move to cb. */
typedef struct rigid {
    float ca[2], cb[2];
    float co, si;
} rigid;

/* Least-squares rigid alignment of k matched pairs (2-D Procrustes). */
static rigid fit_rigid(const tern_match_template *a, const tern_match_template *b,
                       const uint16_t *mp, uint32_t k)
{
    rigid r = {{0, 0}, {0, 0}, 1, 0};
    for (uint32_t t = 0; t < k; t++) {
        r.ca[0] += a->m[mp[2 * t]].x, r.ca[1] += a->m[mp[2 * t]].y;
        r.cb[0] += b->m[mp[2 * t + 1]].x, r.cb[1] += b->m[mp[2 * t + 1]].y;
    }
    r.ca[0] /= (float)k, r.ca[1] /= (float)k, r.cb[0] /= (float)k, r.cb[1] /= (float)k;
    float sc = 0, ss = 0;
    for (uint32_t t = 0; t < k; t++) {
        float ax = a->m[mp[2 * t]].x - r.ca[0], ay = a->m[mp[2 * t]].y - r.ca[1];
        float bx = b->m[mp[2 * t + 1]].x - r.cb[0], by = b->m[mp[2 * t + 1]].y - r.cb[1];
        sc += ax * bx + ay * by;
        ss += ax * by - ay * bx;
    }
    float norm = sqrtf(sc * sc + ss * ss);
    if (norm > 0)
        r.co = sc / norm, r.si = ss / norm;
    return r;
}

/* The overlap weight of a minutia: one of low quality that finds no
 * partner is weak evidence against a match, so it counts for less (1 when
 * quality is absent). */
static inline float overlap_weight(uint8_t q)
{
    return q ? QUALITY_W0 + (1.0f - QUALITY_W0) * (float)q / 100.0f : 1.0f;
}

/* Fills g with the n minutiae of mt (match_geo), the padding zero. */
static void geo_fill(match_geo *g, const tern_match_template *mt)
{
    uint32_t n = mt->n, pad = (n + 3u) & ~3u;
    for (uint32_t i = 0; i < n; i++) {
        const match_minutia *m = &mt->m[i];
        g->x[i] = m->x, g->y[i] = m->y, g->co[i] = m->co, g->si[i] = m->si;
        g->w[i] = overlap_weight(m->quality);
    }
    for (uint32_t i = n; i < pad; i++)
        g->x[i] = g->y[i] = g->co[i] = g->si[i] = g->w[i] = 0;
}

/* The weighted number of minutiae of `from` (n of them) that, mapped by the
 * rigid transform (rotation co/si about cf, then to ct), fall inside the
 * hull of `to` pushed out by OVERLAP_MARGIN (match_hull_contains: the same
 * tests, four minutiae at a time, every edge tested). */
static float count_inside(const match_geo *from, uint32_t n, const tern_match_template *to,
                          float co, float si, const float *cf, const float *ct)
{
    if (to->n_hull < 3)
        return 0;
    int32_t out[MATCH_GEO_N];
    const f4 cf0 = splat(cf[0]), cf1 = splat(cf[1]), ct0 = splat(ct[0]), ct1 = splat(ct[1]);
    const f4 vco = splat(co), vsi = splat(si), margin = splat(OVERLAP_MARGIN);
    for (uint32_t i = 0; i < n; i += 4) {
        f4 x = load4(&from->x[i]) - cf0, y = load4(&from->y[i]) - cf1;
        f4 px = ct0 + vco * x - vsi * y, py = ct1 + vsi * x + vco * y;
        i4 beyond = {0, 0, 0, 0};
        const float *e = to->hull_edge;
        for (uint32_t h = 0; h < to->n_hull; h++, e += 3)
            beyond |= splat(e[0]) * px + splat(e[1]) * py - splat(e[2]) > margin;
        memcpy(&out[i], &beyond, sizeof beyond);
    }
    float sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += from->w[i] * (float)(out[i] + 1); /* out: -1 outside, 0 inside */
    return sum;
}

/* The orientation fields in a total order (after the minutiae): grid, cell
 * size's bits, cells. */
static int field_cmp(const tern_match_template *a, const tern_match_template *b)
{
    if (a->fc != b->fc || a->fr != b->fr)
        return a->fc != b->fc ? (a->fc < b->fc ? -1 : 1) : (a->fr < b->fr ? -1 : 1);
    int c = memcmp(&a->fw, &b->fw, sizeof a->fw);
    if (!c)
        c = memcmp(&a->fh, &b->fh, sizeof a->fh);
    if (!c && a->fc)
        c = memcmp(a->field, b->field, (size_t)a->fc * a->fr);
    return c;
}

/* Canonical order: by content hash (of the minutiae), then by content, the
 * orientation field last. Identical content compares equal, and then the
 * order does not matter. */
static int canonical_less(const tern_match_template *a, const tern_match_template *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    if (a->n != b->n)
        return a->n < b->n;
    int c = memcmp(a->m, b->m, a->n * sizeof *a->m);
    return c ? c < 0 : field_cmp(a, b) < 0;
}

/* cos and sin of 2 d pi / TERN_ORIENT_LEVELS: the doubled angle between two
 * orientation levels d apart. */
_Static_assert(TERN_ORIENT_LEVELS == 16, "the tables below have 16 levels");
static const float COS2_LEVEL[16] = {
    1.00000000f,  0.92387953f,  0.70710678f,  0.38268343f, 0.00000000f, -0.38268343f,
    -0.70710678f, -0.92387953f, -1.00000000f, -0.92387953f, -0.70710678f, -0.38268343f,
    0.00000000f,  0.38268343f,  0.70710678f,  0.92387953f};
static const float SIN2_LEVEL[16] = {
    0.00000000f,  0.38268343f,  0.70710678f,  0.92387953f, 1.00000000f, 0.92387953f,
    0.70710678f,  0.38268343f,  0.00000000f,  -0.38268343f, -0.70710678f, -0.92387953f,
    -1.00000000f, -0.92387953f, -0.70710678f, -0.38268343f};

/* The agreement of the two orientation fields under the rigid fit r (a's
 * units onto b's): over a's foreground cells whose centre lands in a
 * foreground cell of b, the mean of cos 2 (theta_a + rotation - theta_b)
 * (1: parallel ridges, -1: crossing at right angles; about 0 for unrelated
 * fields), and how many cells it is over. The level differences are
 * counted in a histogram (integers), and the rotation enters once, by
 * cos/sin of its double: no arctangent, no per-cell trigonometry. */
typedef struct field_fit {
    uint32_t n;   /* cells compared */
    float agree;  /* mean cos 2 dtheta, 0 when n = 0 */
} field_fit;

static field_fit field_agreement(const tern_match_template *a, const tern_match_template *b,
                                 const rigid *r)
{
    field_fit ff = {0, 0};
    if (!a->fc || !b->fc)
        return ff;
    uint32_t hist[TERN_ORIENT_LEVELS] = {0};
    const float ibw = 1.0f / b->fw, ibh = 1.0f / b->fh;
    const float fbc = (float)b->fc, fbr = (float)b->fr;
    for (uint32_t row = 0; row < a->fr; row++) {
        const uint8_t *ra = a->field + (size_t)row * a->fc;
        float y = -((float)row + 0.5f) * a->fh - r->ca[1];
        /* the row's start in b, and the step of one cell along it */
        float x0 = 0.5f * a->fw - r->ca[0];
        float bx0 = r->cb[0] + (r->co * x0 - r->si * y), by0 = r->cb[1] + (r->si * x0 + r->co * y);
        float sx = r->co * a->fw, sy = r->si * a->fw;
        for (uint32_t col = 0; col < a->fc; col++) {
            if (!ra[col])
                continue;
            float u = (bx0 + (float)col * sx) * ibw, v = -(by0 + (float)col * sy) * ibh;
            if (!(u >= 0 && v >= 0 && u < fbc && v < fbr))
                continue;
            uint8_t lb = b->field[(size_t)(uint32_t)v * b->fc + (uint32_t)u];
            if (!lb)
                continue;
            hist[(uint32_t)(ra[col] - lb) & (TERN_ORIENT_LEVELS - 1)]++;
            ff.n++;
        }
    }
    if (!ff.n)
        return ff;
    float c2 = r->co * r->co - r->si * r->si, s2 = 2.0f * r->co * r->si, sum = 0;
    for (uint32_t d = 0; d < TERN_ORIENT_LEVELS; d++)
        sum += (float)hist[d] * (COS2_LEVEL[d] * c2 - SIN2_LEVEL[d] * s2);
    ff.agree = sum / (float)ff.n;
    return ff;
}

/* The global pass: under the graph's rotation, every minutia of a not in
 * the graph is predicted in b from its nearest graph pair (that pair's
 * position plus the rotated offset: a local translation, so elastic
 * distortion far from the pair does not accumulate), and paired with an
 * unpaired minutia of b within T0 + TR * (distance to that pair) and within
 * A0 in direction. Candidates are taken best first (position error relative
 * to the tolerance, quantised; ties in (i, j) order), each minutia once. The
 * pairs are appended to mp after the k graph pairs; returns how many. b's
 * minutiae are tested four at a time (few pass). */
static uint32_t global_pass(tern_match_context *ctx, const tern_match_template *a,
                            const tern_match_template *b, uint16_t *mp, uint32_t k, const rigid *r)
{
    const match_geo *ga = &ctx->geo[0], *gb = &ctx->geo[1];
    memset(ctx->used_a, 0, a->n);
    memset(ctx->used_b, 0, b->n);
    for (uint32_t t = 0; t < k; t++)
        ctx->used_a[mp[2 * t]] = ctx->used_b[mp[2 * t + 1]] = 1;
    const uint32_t nb4 = (b->n + 3u) & ~3u;
    int32_t *taken = ctx->used_lane;
    for (uint32_t j = 0; j < nb4; j++)
        taken[j] = j < b->n && !ctx->used_b[j] ? 0 : -1;
    /* a's graph minutiae and their partners in b */
    float gx[4][TERN_TEMPLATE_MAX_MINUTIAE];
    for (uint32_t t = 0; t < k; t++) {
        gx[0][t] = ga->x[mp[2 * t]], gx[1][t] = ga->y[mp[2 * t]];
        gx[2][t] = gb->x[mp[2 * t + 1]], gx[3][t] = gb->y[mp[2 * t + 1]];
    }
    /* for each minutia of a, four at a time: the nearest graph pair (the
     * first of the nearest), the prediction in b, its tolerance and the
     * direction turned by the fit */
    match_geo *pr = &ctx->geo[2]; /* x, y: prediction; co, si: direction; w: tol */
    const f4 rco = splat(r->co), rsi = splat(r->si);
    for (uint32_t i = 0; i < a->n; i += 4) {
        const f4 x = load4(&ga->x[i]), y = load4(&ga->y[i]);
        f4 best_d2 = splat(INFINITY), ax = splat(0), ay = ax, bx = ax, by = ax;
        for (uint32_t t = 0; t < k; t++) {
            f4 dx = x - splat(gx[0][t]), dy = y - splat(gx[1][t]);
            f4 d2 = dx * dx + dy * dy;
            i4 closer = d2 < best_d2;
            best_d2 = (f4)((closer & (i4)d2) | (~closer & (i4)best_d2));
            ax = (f4)((closer & (i4)splat(gx[0][t])) | (~closer & (i4)ax));
            ay = (f4)((closer & (i4)splat(gx[1][t])) | (~closer & (i4)ay));
            bx = (f4)((closer & (i4)splat(gx[2][t])) | (~closer & (i4)bx));
            by = (f4)((closer & (i4)splat(gx[3][t])) | (~closer & (i4)by));
        }
        f4 dx = x - ax, dy = y - ay;
        f4 px = bx + rco * dx - rsi * dy, py = by + rsi * dx + rco * dy;
        f4 tol = splat(GLOBAL_T0) + splat(GLOBAL_TR) * sqrt4(best_d2);
        /* the direction test without atan2: the angle between a's direction
         * turned by the fit and b's, by its cosine */
        f4 co = load4(&ga->co[i]), si = load4(&ga->si[i]);
        f4 ca = co * rco - si * rsi, sa = si * rco + co * rsi;
        memcpy(&pr->x[i], &px, sizeof px);
        memcpy(&pr->y[i], &py, sizeof py);
        memcpy(&pr->co[i], &ca, sizeof ca);
        memcpy(&pr->si[i], &sa, sizeof sa);
        memcpy(&pr->w[i], &tol, sizeof tol);
    }
    match_pair *c = ctx->pairs;
    uint32_t nc = 0;
    const f4 min_cos = splat(COS_GLOBAL_A0);
    for (uint32_t i = 0; i < a->n; i++) {
        if (ctx->used_a[i])
            continue;
        const float tol = pr->w[i];
        const f4 vpx = splat(pr->x[i]), vpy = splat(pr->y[i]), vtol2 = splat(tol * tol);
        const f4 vca = splat(pr->co[i]), vsa = splat(pr->si[i]);
        for (uint32_t j = 0; j < nb4; j += 4) {
            f4 ex = load4(&gb->x[j]) - vpx, ey = load4(&gb->y[j]) - vpy;
            f4 e2 = ex * ex + ey * ey;
            i4 hit = (e2 <= vtol2) & (vca * load4(&gb->co[j]) + vsa * load4(&gb->si[j]) >= min_cos) &
                     ~load4i(&taken[j]);
            uint64_t any[2];
            memcpy(any, &hit, sizeof any);
            if (!(any[0] | any[1]))
                continue;
            for (uint32_t l = 0; l < 4; l++) {
                if (!hit[l])
                    continue;
                float cost = sqrtf(e2[l]) / tol;
                c[nc++] = (match_pair){(uint16_t)(MATCH_Q - (uint32_t)(cost * (float)MATCH_Q)),
                                       (uint16_t)i, (uint16_t)(j + l), 0};
            }
        }
    }
    nc = top_pairs(c, ctx->pairs_tmp, nc, nc);
    uint32_t extra = 0;
    for (uint32_t x = 0; x < nc; x++) {
        if (ctx->used_a[c[x].a] || ctx->used_b[c[x].b])
            continue;
        ctx->used_a[c[x].a] = ctx->used_b[c[x].b] = 1;
        mp[2 * (k + extra)] = c[x].a, mp[2 * (k + extra) + 1] = c[x].b;
        extra++;
    }
    return extra;
}

/* The weight of the orientation fields' agreement A (Qi, Yang & Wang,
 * Pattern Recognition Letters 26(15), 2005: the global orientation field
 * compared after the minutiae's alignment): 1 + FIELD_BONUS (A - FIELD_A0)
 * for A above FIELD_A0, else 1; 1 also when the fields overlap on fewer
 * than FIELD_MIN_CELLS cells. */
static double field_weight(field_fit ff)
{
    if (ff.n < FIELD_MIN_CELLS || !(ff.agree > FIELD_A0))
        return 1.0;
    return 1.0 + FIELD_BONUS * ((double)ff.agree - FIELD_A0);
}

/* The comparison in canonical order (a before b); the graph's pairs are
 * left in ctx->best[0 .. 2k), the global pass's after them; *k_out and
 * *extra_out say how many (0 when the score is 0). When both templates
 * carry an orientation field, the minutia score is weighted by the fields'
 * agreement under the graph's fit (field_weight); without (ISO and INCITS
 * templates) the score is the minutia score alone. */
static double compare_canonical(tern_match_context *ctx, const tern_match_template *a,
                                const tern_match_template *b, uint32_t *k_out,
                                uint32_t *extra_out)
{
    *k_out = *extra_out = 0;
    if (a->n < 3 || b->n < 3)
        return 0.0;
    uint32_t np = match_local_pairs(a, b, ctx->pairs, ctx->sq, ctx->path);
    if (np == 0)
        return 0.0;
#ifdef ONLY_LOCAL
    return np;
#endif
    uint32_t n_cand = top_pairs(ctx->pairs, ctx->pairs_tmp, np, MAX_CANDIDATES);
#ifdef ONLY_TOP
    return n_cand;
#endif
    uint32_t roots = n_cand < ROOTS ? n_cand : ROOTS;
    geo_fill(&ctx->geo[0], a);
    geo_fill(&ctx->geo[1], b);
    struct match_cands *cd = ctx->cands;
    memset(cd->sector, 0, sizeof cd->sector);
    for (uint32_t c = 0; c < n_cand; c++) {
        const match_pair *p = &ctx->pairs[c];
        uint16_t rc = (uint16_t)(b->m[p->b].aq - a->m[p->a].aq);
        ctx->rot[c] = rc;
        turn t = turn_of(&a->m[p->a], &b->m[p->b]);
        cd->tc[c] = t.c, cd->ts[c] = t.s;
        cd->ax[c] = a->m[p->a].x, cd->ay[c] = a->m[p->a].y;
        cd->bx[c] = b->m[p->b].x, cd->by[c] = b->m[p->b].y;
        cd->sector[rc >> SECTOR_SHIFT][c / 64] |= 1ull << (c % 64);
    }
    growth best = {0, 0};
    for (uint32_t r = 0; r < roots; r++) {
        /* a root already in the best graph would grow much the same graph */
        uint32_t t = 0;
        while (t < best.k && (ctx->best[2 * t] != ctx->pairs[r].a || ctx->best[2 * t + 1] != ctx->pairs[r].b))
            t++;
        if (t < best.k)
            continue;
        growth g = grow(ctx, a, b, ctx->pairs, r);
        if (g.sum_q > best.sum_q) {
            best = g;
            memcpy(ctx->best, ctx->matched, 2 * g.k * sizeof *ctx->best);
        }
    }
    if (best.k < 3)
        return 0.0;
    rigid r = fit_rigid(a, b, ctx->best, best.k);
    float ov_a = count_inside(&ctx->geo[0], a->n, b, r.co, r.si, r.ca, r.cb);
    float ov_b = count_inside(&ctx->geo[1], b->n, a, r.co, -r.si, r.cb, r.ca);
    uint32_t extra = global_pass(ctx, a, b, ctx->best, best.k, &r);
    *k_out = best.k, *extra_out = extra;
    float fa = ov_a > OVERLAP_FLOOR ? ov_a : OVERLAP_FLOOR;
    float fb = ov_b > OVERLAP_FLOOR ? ov_b : OVERLAP_FLOOR;
    /* pairs whose minutiae are of the same known type */
    uint32_t same = 0;
    for (uint32_t t = 0; t < best.k + extra; t++) {
        uint8_t ta = a->m[ctx->best[2 * t]].type, tb = b->m[ctx->best[2 * t + 1]].type;
        same += ta == tb && ta != TERN_MINUTIA_OTHER;
    }
    double common = sqrt((double)fa * fb);
    double evidence = (double)best.sum_q / MATCH_Q + GLOBAL_W * extra + TYPE_W * same;
    double paired = (double)(best.k + extra) / common;
    double score = evidence * evidence / common * sqrt(sqrt(paired));
    /* the fields only where a decision can be taken: below FIELD_MIN_SCORE
     * (a false-match rate above 30 %) the agreement is not computed */
    if (a->fc && b->fc && score >= FIELD_MIN_SCORE)
        score *= field_weight(field_agreement(a, b, &r));
    return score;
}

double tern_match_compare(tern_match_context *ctx, const tern_match_template *a,
                          const tern_match_template *b)
{
    uint32_t k, extra;
    if (!canonical_less(a, b))
        return compare_canonical(ctx, b, a, &k, &extra);
    return compare_canonical(ctx, a, b, &k, &extra);
}

double tern_match_compare_evidence(tern_match_context *ctx, const tern_match_template *a,
                                   const tern_match_template *b, tern_match_evidence *ev)
{
    uint32_t k, extra;
    int swap = !canonical_less(a, b);
    double score = swap ? compare_canonical(ctx, b, a, &k, &extra)
                        : compare_canonical(ctx, a, b, &k, &extra);
    memset(ev, 0, sizeof *ev);
    ev->score = score;
    ev->transform[0] = ev->transform[4] = 1;
    if (k == 0)
        return score;
    ev->n_pairs = k + extra;
    ev->n_graph = k;
    for (uint32_t t = 0; t < k + extra; t++) {
        uint16_t ia = ctx->best[2 * t + swap], ib = ctx->best[2 * t + !swap];
        ev->pairs[t] = (tern_match_minutia_pair){ia, ib};
        ctx->matched[2 * t] = ia, ctx->matched[2 * t + 1] = ib;
    }
    /* the fit in the caller's order (a onto b), on the graph's pairs, in
     * 500-ppi units with y up, then expressed in the templates' pixels */
    rigid r = fit_rigid(a, b, ctx->matched, k);
    ev->rotation = atan2((double)r.si, (double)r.co);
    /* u_b = cb + R (u_a - ca), u = (x * sx, -y * sy); back to b's pixels */
    double co = r.co, si = r.si;
    double ax = a->sx, ay = a->sy, bx = b->sx, by = b->sy;
    ev->transform[0] = co * ax / bx;
    ev->transform[1] = si * ay / bx;
    ev->transform[2] = (r.cb[0] - co * r.ca[0] + si * r.ca[1]) / bx;
    ev->transform[3] = -si * ax / by;
    ev->transform[4] = co * ay / by;
    ev->transform[5] = -(r.cb[1] - si * r.ca[0] - co * r.ca[1]) / by;
    return score;
}

tern_status tern_match_compare_templates(const tern_template *a, const tern_template *b,
                                         double *score, tern_error *err)
{
    *score = 0;
    tern_match_template *ma = NULL, *mb = NULL;
    tern_match_context *ctx = NULL;
    tern_status s = tern_match_template_create(a, &ma, err);
    if (s == TERN_OK)
        s = tern_match_template_create(b, &mb, err);
    if (s == TERN_OK)
        s = tern_match_context_create(&ctx, err);
    if (s == TERN_OK)
        *score = tern_match_compare(ctx, ma, mb);
    tern_match_context_free(ctx);
    tern_match_template_free(ma);
    tern_match_template_free(mb);
    return s;
}
