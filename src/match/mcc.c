/* mcc.c - preparing a template for comparison: Minutia Cylinder-Code bit
 * cylinders (R. Cappelli, M. Ferrara, D. Maltoni, "Minutia Cylinder-Code: a
 * new representation and matching technique for fingerprint recognition",
 * IEEE TPAMI 32(12), 2010), plus the tables the consolidation step reads.
 *
 * A cylinder is centred on a minutia and turned to its direction: Ns x Ns
 * spatial cells of side 2R/Ns, each with Nd direction bins. Cell (i, j, k)
 * accumulates, over the neighbours t near its centre, a spatial Gaussian of
 * the distance (sigma_S) times the integral over bin k of a directional
 * Gaussian (sigma_D) of the neighbour's direction relative to the centre
 * minutia (Sec. 3, eqs. 4-9); the bit implementation (Sec. 5) keeps
 * "contribution > mu_Psi". A cell is valid if it lies within R of the minutia
 * and inside the convex hull of all minutiae enlarged by Omega (eq. 3). The
 * parameters are those of the paper's Table 1 (pixels at 500 ppi); all
 * geometry here is in 500-ppi units, converted from each template's own
 * resolution, so the code is resolution-aware. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

#ifndef MCC_R
#define MCC_R 70.0f                        /* cylinder radius */
#endif
#ifndef MCC_SIGMA_S
#define MCC_SIGMA_S 14.0f                  /* spatial Gaussian (paper: 28/3 for Ns = 16) */
#endif
#define MCC_SIGMA_D ((float)(2.0 * M_PI / 9.0)) /* directional Gaussian */
#ifndef MCC_MU_PSI
#define MCC_MU_PSI 0.005f                  /* bit threshold (paper: 0.01 for Ns = 16) */
#endif
#ifndef MCC_OMEGA
#define MCC_OMEGA 50.0f                    /* convex hull offset */
#endif
#ifndef MCC_MIN_VC
#define MCC_MIN_VC 0.75f                   /* min fraction of valid cells (of the disc) */
#endif
#define MCC_MIN_M 2                        /* min neighbours in the cylinder */
#ifndef MCC_MIN_ME
#define MCC_MIN_ME 0.60f                   /* min fraction of common valid cells */
#endif
/* minME as a cell count: a fraction of the disc of Ns^2 * pi / 4 cells */
#define MCC_MIN_COMMON ((int)(MCC_MIN_ME * MCC_NS * MCC_NS * 0.785398f))
#define UNITS_PER_INCH 500.0               /* geometry in 500-ppi pixel units */

/* ---- convex hull (Andrew's monotone chain) ---------------------------- */

static float cross(const match_minutia *o, const match_minutia *a, const match_minutia *b)
{
    return (a->x - o->x) * (b->y - o->y) - (a->y - o->y) * (b->x - o->x);
}

/* The hull of the minutiae as indices, counter-clockwise: idx has room for
 * n + 1 entries and is sorted by (x, y, index) first (insertion sort: n is
 * at most 255). Returns the number of vertices. */
static uint32_t convex_hull(const match_minutia *m, uint32_t n, uint8_t *idx)
{
    uint8_t order[TERN_TEMPLATE_MAX_MINUTIAE];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = i;
        while (j > 0 && (m[order[j - 1]].x > m[i].x ||
                         (m[order[j - 1]].x == m[i].x && m[order[j - 1]].y > m[i].y))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (uint8_t)i;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        while (k >= 2 && cross(&m[idx[k - 2]], &m[idx[k - 1]], &m[order[i]]) <= 0)
            k--;
        idx[k++] = order[i];
    }
    for (uint32_t i = n - 1, t = k + 1; i-- > 0;) {
        while (k >= t && cross(&m[idx[k - 2]], &m[idx[k - 1]], &m[order[i]]) <= 0)
            k--;
        idx[k++] = order[i];
    }
    return k > 1 ? k - 1 : k;
}

/* The hull's edges as outward unit normals and offsets (nx, ny, c): the
 * signed distance of (x, y) beyond edge e is nx * x + ny * y - c. */
void match_hull_edges(tern_match_template *mt)
{
    uint32_t h = mt->n_hull;
    for (uint32_t i = 0; i < h; i++) {
        const match_minutia *p = &mt->m[mt->hull[i]], *q = &mt->m[mt->hull[(i + 1) % h]];
        float dx = q->x - p->x, dy = q->y - p->y, len = sqrtf(dx * dx + dy * dy);
        float nx = len > 0 ? dy / len : 0, ny = len > 0 ? -dx / len : 0;
        mt->hull_edge[3 * i] = nx, mt->hull_edge[3 * i + 1] = ny;
        mt->hull_edge[3 * i + 2] = nx * p->x + ny * p->y;
    }
}

/* Inside the hull pushed out by `margin` along every edge normal (a mitred
 * offset: within margin of the hull along the edges, a little more at the
 * corners). */
int match_hull_contains(const tern_match_template *mt, float x, float y, float margin)
{
    uint32_t h = mt->n_hull;
    if (h < 3)
        return 0;
    const float *e = mt->hull_edge;
    for (uint32_t i = 0; i < h; i++, e += 3)
        if (e[0] * x + e[1] * y - e[2] > margin)
            return 0;
    return 1;
}

/* ---- cylinders -------------------------------------------------------- */

/* The integral of the directional Gaussian over a bin of width 2pi/Nd
 * centred at `offset` from the neighbour's relative direction (eq. 8). */
static float dir_contribution(float offset)
{
    const double half = M_PI / MCC_ND, s = MCC_SIGMA_D * M_SQRT2;
    return (float)(0.5 * (erf((offset + half) / s) - erf((offset - half) / s)));
}

static void build_cylinder(tern_match_template *mt, uint32_t c)
{
    const match_minutia *mc = &mt->m[c];
    const float delta_s = 2.0f * MCC_R / MCC_NS;
    const float co = mc->co, si = mc->si;
    const float reach = MCC_R + 3.0f * MCC_SIGMA_S;
    const float norm = 1.0f / (MCC_SIGMA_S * sqrtf((float)(2.0 * M_PI)));
    uint64_t *cyl = &mt->cyl[(size_t)c * MCC_WORDS];
    uint64_t *valid = &mt->valid[(size_t)c * MCC_SWORDS];
    /* The neighbours that can reach a cell, with their directional
     * contributions to the Nd bins (they do not depend on the cell). */
    float nb[TERN_TEMPLATE_MAX_MINUTIAE][2 + MCC_ND];
    uint32_t neighbours = 0, n_valid = 0, n_disc = 0;
    for (uint32_t t = 0; t < mt->n; t++) {
        float ex = mt->m[t].x - mc->x, ey = mt->m[t].y - mc->y;
        if (t == c || sqrtf(ex * ex + ey * ey) > reach)
            continue;
        float *e = nb[neighbours++];
        e[0] = mt->m[t].x, e[1] = mt->m[t].y;
        float rel = match_wrap(mt->m[t].angle - mc->angle);
        for (int k = 0; k < MCC_ND; k++) {
            float centre = (float)(-M_PI + (k + 0.5) * 2.0 * M_PI / MCC_ND);
            e[2 + k] = dir_contribution(match_wrap(centre - rel));
        }
    }
    for (int i = 0; i < MCC_NS; i++) {
        for (int j = 0; j < MCC_NS; j++) {
            /* eq. 2: the cell centre, in the minutia's rotated frame */
            float u = delta_s * ((float)i - (MCC_NS - 1) / 2.0f);
            float v = delta_s * ((float)j - (MCC_NS - 1) / 2.0f);
            float px = mc->x + co * u - si * v, py = mc->y + si * u + co * v;
            if (u * u + v * v > MCC_R * MCC_R)
                continue;
            uint32_t cell = n_disc++; /* disc cells are numbered from bit 0 */
            if (!match_hull_contains(mt, px, py, MCC_OMEGA))
                continue;
            n_valid++;
            valid[cell / 64] |= 1ull << (cell % 64);
            float acc[MCC_ND] = {0};
            for (uint32_t t = 0; t < neighbours; t++) {
                float dx = nb[t][0] - px, dy = nb[t][1] - py;
                float d2 = dx * dx + dy * dy;
                if (d2 > 9.0f * MCC_SIGMA_S * MCC_SIGMA_S)
                    continue;
                float gs = norm * expf(-d2 / (2.0f * MCC_SIGMA_S * MCC_SIGMA_S));
                for (int k = 0; k < MCC_ND; k++)
                    acc[k] += gs * nb[t][2 + k];
            }
            for (int k = 0; k < MCC_ND; k++)
                if (acc[k] > MCC_MU_PSI)
                    cyl[k * MCC_SWORDS + cell / 64] |= 1ull << (cell % 64);
        }
    }
    uint32_t ones = 0;
    for (int w = 0; w < MCC_WORDS; w++)
        ones += (uint32_t)__builtin_popcountll(cyl[w]);
    mt->ones[c] = (uint16_t)ones;
    mt->m[c].cyl_ok = n_valid >= MCC_MIN_VC * (float)n_disc && neighbours >= MCC_MIN_M;
}

uint32_t match_disc_cells(void)
{
    const float delta_s = 2.0f * MCC_R / MCC_NS;
    uint32_t n = 0;
    for (int i = 0; i < MCC_NS; i++)
        for (int j = 0; j < MCC_NS; j++) {
            float u = delta_s * ((float)i - (MCC_NS - 1) / 2.0f);
            float v = delta_s * ((float)j - (MCC_NS - 1) / 2.0f);
            n += u * u + v * v <= MCC_R * MCC_R;
        }
    return n;
}

/* ---- the bit-cylinder similarity (Sec. 4 and 5) ----------------------- */

/* The similarity of cylinder i of a and j of b: eq. 17 on bit vectors, where
 * the norm of a bit vector is the square root of its popcount (Sec. 5), the
 * two cylinders restricted to their common valid cells. -1 when fewer than
 * minME of the cells are valid in both (eq. 16). Cells are set only where
 * valid, so when a's validity lies within b's the restriction leaves a's
 * cylinder whole and its popcount is the precomputed `ones` (and the same
 * for b): the usual case, one popcount per layer instead of three. */
__attribute__((always_inline)) static inline float
cylinder_similarity(const uint64_t *ca, const uint64_t *va, uint32_t ones_a, const uint64_t *cb,
                    const uint64_t *vb, uint32_t ones_b, const float *sq)
{
    uint64_t mask[MCC_SWORDS], out_a = 0, out_b = 0;
    int common = 0;
    for (int w = 0; w < MCC_SWORDS; w++) {
        mask[w] = va[w] & vb[w];
        out_a |= va[w] & ~vb[w];
        out_b |= vb[w] & ~va[w];
        common += __builtin_popcountll(mask[w]);
    }
    if (common < MCC_MIN_COMMON)
        return -1.0f;
    int na = (int)ones_a, nb = (int)ones_b, nx = 0;
    for (int k = 0; k < MCC_ND; k++)
        for (int w = 0; w < MCC_SWORDS; w++)
            nx += __builtin_popcountll((ca[k * MCC_SWORDS + w] ^ cb[k * MCC_SWORDS + w]) & mask[w]);
    if (out_a) {
        na = 0;
        for (int k = 0; k < MCC_ND * MCC_SWORDS; k++)
            na += __builtin_popcountll(ca[k] & mask[k % MCC_SWORDS]);
    }
    if (out_b) {
        nb = 0;
        for (int k = 0; k < MCC_ND * MCC_SWORDS; k++)
            nb += __builtin_popcountll(cb[k] & mask[k % MCC_SWORDS]);
    }
    if (na + nb == 0)
        return 0.0f;
    return 1.0f - sq[nx] / (sq[na] + sq[nb]);
}

void match_sqrt_table(float *sq)
{
    for (uint32_t i = 0; i <= MCC_WORDS * 64; i++)
        sq[i] = sqrtf((float)i);
}

float match_mcc_similarity(const tern_match_template *a, uint32_t i, const tern_match_template *b,
                           uint32_t j, const float *sq)
{
    return cylinder_similarity(&a->cyl[(size_t)i * MCC_WORDS], &a->valid[(size_t)i * MCC_SWORDS],
                               a->ones[i], &b->cyl[(size_t)j * MCC_WORDS],
                               &b->valid[(size_t)j * MCC_SWORDS], b->ones[j], sq);
}

/* All pairs of valid cylinders whose similarity is above MATCH_MIN_Q. MCC's
 * filter on the direction difference of the two minutiae (delta_theta,
 * eq. 15) is not applied: it assumes the two prints are rotated by less
 * than delta_theta, and Tern compares at any rotation. The portable pair
 * loop, the reference for the vector paths of mcc_simd.c (which also holds
 * the dispatch, match_local_pairs). */
#define LOCAL_PAIRS_BODY                                                                     \
    uint32_t np = 0;                                                                         \
    const uint32_t pa = a->n_pad, pb = b->n_pad;                                             \
    for (uint32_t x = 0; x < a->n_ok; x++) {                                                 \
        uint64_t ca[MCC_WORDS], va[MCC_SWORDS];                                              \
        for (int w = 0; w < MCC_WORDS; w++)                                                  \
            ca[w] = a->soa[(size_t)w * pa + x];                                              \
        for (int w = 0; w < MCC_SWORDS; w++)                                                 \
            va[w] = a->soa[(size_t)(MCC_WORDS + w) * pa + x];                                \
        uint32_t ones_a = a->ones_ok[x];                                                     \
        for (uint32_t y = 0; y < b->n_ok; y++) {                                             \
            uint64_t cb[MCC_WORDS], vb[MCC_SWORDS];                                          \
            for (int w = 0; w < MCC_WORDS; w++)                                              \
                cb[w] = b->soa[(size_t)w * pb + y];                                          \
            for (int w = 0; w < MCC_SWORDS; w++)                                             \
                vb[w] = b->soa[(size_t)(MCC_WORDS + w) * pb + y];                            \
            float s = cylinder_similarity(ca, va, ones_a, cb, vb, b->ones_ok[y], sq);        \
            uint32_t q = s > 0 ? (uint32_t)(s * (float)MATCH_Q + 0.5f) : 0;                  \
            out[np] = (match_pair){(uint16_t)q, a->ok[x], b->ok[y], 0};                      \
            np += q > MATCH_MIN_Q; /* branch-free: the store is overwritten if not */        \
        }                                                                                    \
    }                                                                                        \
    return np;

uint32_t match_local_pairs_generic(const tern_match_template *a, const tern_match_template *b,
                                   match_pair *out, const float *sq)
{
    LOCAL_PAIRS_BODY
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The same code compiled for the POPCNT instruction (about twice as fast as
 * the portable bit count); identical results. */
__attribute__((target("popcnt"))) uint32_t
match_local_pairs_popcnt(const tern_match_template *a, const tern_match_template *b,
                         match_pair *out, const float *sq)
{
    LOCAL_PAIRS_BODY
}
#endif

const int match_mcc_min_common = MCC_MIN_COMMON;

void match_template_soa(tern_match_template *mt)
{
    uint32_t pad = (mt->n_ok + 7u) & ~7u;
    mt->n_pad = pad;
    memset(mt->soa, 0, (size_t)pad * (MCC_WORDS + MCC_SWORDS) * sizeof *mt->soa);
    for (uint32_t x = 0; x < pad; x++)
        mt->ones_ok[x] = 0;
    for (uint32_t x = 0; x < mt->n_ok; x++) {
        uint32_t i = mt->ok[x];
        for (int w = 0; w < MCC_WORDS; w++)
            mt->soa[(size_t)w * pad + x] = mt->cyl[(size_t)i * MCC_WORDS + w];
        for (int w = 0; w < MCC_SWORDS; w++)
            mt->soa[(size_t)(MCC_WORDS + w) * pad + x] = mt->valid[(size_t)i * MCC_SWORDS + w];
        mt->ones_ok[x] = mt->ones[i];
    }
}

/* ---- preparation ------------------------------------------------------ */

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* cos/sin of a quantised direction (step q of 2 pi / 65536). */
void match_angle(uint32_t q, float *angle, float *co, float *si)
{
    *angle = (float)((double)q * (2.0 * M_PI / MATCH_ANGLE_STEPS));
    *co = cosf(*angle);
    *si = sinf(*angle);
}

tern_status tern_match_template_create(const tern_template *t, tern_match_template **out,
                                       tern_error *err)
{
    *out = NULL;
    if (!t || !(t->ppi_x > 0) || !(t->ppi_y > 0) || !isfinite(t->ppi_x) || !isfinite(t->ppi_y))
        return tern_error_set(err, TERN_E_ARG, "match: template resolution unknown (ppi %g x %g)",
                              t ? t->ppi_x : 0.0, t ? t->ppi_y : 0.0);
    if (t->n_minutiae > TERN_TEMPLATE_MAX_MINUTIAE || (t->n_minutiae && !t->minutiae))
        return tern_error_set(err, TERN_E_ARG, "match: %u minutiae (at most %u)", t->n_minutiae,
                              TERN_TEMPLATE_MAX_MINUTIAE);
    const double sx = UNITS_PER_INCH / t->ppi_x, sy = UNITS_PER_INCH / t->ppi_y;
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        const tern_minutia *m = &t->minutiae[i];
        if (!isfinite(m->x) || !isfinite(m->y) || !isfinite(m->angle) || fabs(m->x * sx) > 1e6 ||
            fabs(m->y * sy) > 1e6)
            return tern_error_set(err, TERN_E_ARG, "match: minutia %u has a non-finite or huge "
                                  "coordinate", i);
    }
    uint32_t n = t->n_minutiae;
    tern_match_template *mt = calloc(1, sizeof *mt);
    if (!mt)
        return tern_error_set(err, TERN_E_NOMEM, "match: out of memory");
    mt->n = n;
    mt->m = calloc(n ? n : 1, sizeof *mt->m);
    mt->cyl = calloc((size_t)(n ? n : 1) * MCC_WORDS, sizeof *mt->cyl);
    mt->valid = calloc((size_t)(n ? n : 1) * MCC_SWORDS, sizeof *mt->valid);
    mt->ones = calloc(n ? n : 1, sizeof *mt->ones);
    mt->ok = calloc(n ? n : 1, sizeof *mt->ok);
    mt->soa = calloc(MATCH_SOA_WORDS(n), sizeof *mt->soa);
    mt->ones_ok = calloc((size_t)n + 8, sizeof *mt->ones_ok);
    mt->hull = calloc((size_t)n + 2, sizeof *mt->hull);
    mt->hull_edge = calloc(3 * ((size_t)n + 2), sizeof *mt->hull_edge);
    if (!mt->m || !mt->cyl || !mt->valid || !mt->ones || !mt->ok || !mt->soa || !mt->ones_ok ||
        !mt->hull || !mt->hull_edge) {
        tern_match_template_free(mt);
        return tern_error_set(err, TERN_E_NOMEM, "match: out of memory");
    }
    mt->sx = (float)sx, mt->sy = (float)sy;
    for (uint32_t i = 0; i < n; i++) {
        const tern_minutia *src = &t->minutiae[i];
        match_minutia *m = &mt->m[i];
        m->x = (float)(nearbyint(src->x * sx * MATCH_POS_SCALE) / MATCH_POS_SCALE);
        m->y = (float)(nearbyint(-src->y * sy * MATCH_POS_SCALE) / MATCH_POS_SCALE);
        double a = fmod((double)src->angle, 2.0 * M_PI);
        uint32_t q = (uint32_t)nearbyint((a < 0 ? a + 2.0 * M_PI : a) * (MATCH_ANGLE_STEPS / (2.0 * M_PI)));
        m->aq = (uint16_t)(q % (uint32_t)MATCH_ANGLE_STEPS);
        match_angle(m->aq, &m->angle, &m->co, &m->si);
        m->type = src->type;
        m->quality = src->quality < 100 ? src->quality : 100; /* 7 bits in the gallery */
    }
    tern_status st = match_template_field(mt, &t->orient, sx, sy, err);
    if (st != TERN_OK) {
        tern_match_template_free(mt);
        return st;
    }
    match_template_finish_geometry(mt);
    *out = mt;
    return TERN_OK;
}

tern_status match_template_field(tern_match_template *mt, const tern_orientation_field *f,
                                 double sx, double sy, tern_error *err)
{
    if (!f->cols && !f->rows)
        return TERN_OK;
    size_t n = (size_t)f->cols * f->rows;
    if (!f->cols || !f->rows || !f->cells || n > TERN_ORIENT_MAX_CELLS || !(f->cell_x > 0) ||
        !(f->cell_y > 0) || !isfinite(f->cell_x) || !isfinite(f->cell_y))
        return tern_error_set(err, TERN_E_ARG, "match: orientation field of %ux%u cells of "
                              "%gx%g px is not a valid grid", f->cols, f->rows,
                              (double)f->cell_x, (double)f->cell_y);
    if (!(mt->field = malloc(n)))
        return tern_error_set(err, TERN_E_NOMEM, "match: out of memory");
    for (size_t i = 0; i < n; i++)
        mt->field[i] = f->cells[i] <= TERN_ORIENT_LEVELS ? f->cells[i] : 0;
    mt->fc = f->cols, mt->fr = f->rows;
    mt->fw = (float)(f->cell_x * sx), mt->fh = (float)(f->cell_y * sy);
    return TERN_OK;
}

/* Everything that follows from the quantised minutiae; the gallery restores
 * the same (gallery.c) from its compact copy. */
void match_template_finish_geometry(tern_match_template *mt)
{
    uint32_t n = mt->n;
    uint64_t key = fnv1a(0xcbf29ce484222325ull, &n, sizeof n);
    for (uint32_t i = 0; i < n; i++) {
        key = fnv1a(key, &mt->m[i].x, sizeof mt->m[i].x);
        key = fnv1a(key, &mt->m[i].y, sizeof mt->m[i].y);
        key = fnv1a(key, &mt->m[i].angle, sizeof mt->m[i].angle);
    }
    mt->key = key; /* minutiae only: the field is compared after them (compare.c) */
    mt->n_hull = n >= 3 ? convex_hull(mt->m, n, mt->hull) : 0;
    match_hull_edges(mt);
    mt->n_ok = 0;
    for (uint32_t i = 0; i < n; i++) {
        build_cylinder(mt, i);
        if (mt->m[i].cyl_ok)
            mt->ok[mt->n_ok++] = (uint16_t)i;
    }
    match_template_soa(mt);
}

void tern_match_template_free(tern_match_template *mt)
{
    if (!mt)
        return;
    free(mt->m);
    free(mt->cyl);
    free(mt->valid);
    free(mt->ones);
    free(mt->ok);
    free(mt->soa);
    free(mt->ones_ok);
    free(mt->hull);
    free(mt->hull_edge);
    free(mt->field);
    free(mt);
}

uint32_t tern_match_template_minutiae(const tern_match_template *mt) { return mt ? mt->n : 0; }
