/* test_match.c - the 1:1 comparator (src/match): determinism, exact
 * symmetry, invariance to rotation (every 30 degrees), translation and
 * resolution, genuine above impostor, and the error-rate, DET and
 * calibration helpers. Fixtures are synthetic minutiae sets made here from a
 * fixed seed: a random "finger" of minutiae, and impressions of it that are
 * rotated, shifted, elastically distorted, cropped, with minutiae missed and
 * spurious ones added. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_internal.h"
#include "tern/match.h"
#include "tern_test.h"

/* ---- synthetic fixtures ------------------------------------------------ */

typedef struct rng {
    uint64_t s;
} rng;

static double rnd(rng *r) /* uniform [0, 1) */
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(r->s >> 11) / 9007199254740992.0;
}

static double gauss(rng *r)
{
    double u = rnd(r) + 1e-12, v = rnd(r);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* A finger: n minutiae in a 400 x 500 pixel area at 500 ppi, at least 12
 * pixels apart, directions following a smooth flow with noise. */
static tern_template *make_finger(uint64_t seed, uint32_t n)
{
    rng r = {seed};
    tern_template *t;
    cr_assert_eq(tern_template_create(n, &t, NULL), TERN_OK);
    t->width = 400, t->height = 500, t->ppi_x = t->ppi_y = 500;
    double phase = rnd(&r) * 2 * M_PI;
    for (uint32_t i = 0; i < n; i++) {
        double x, y;
        int ok;
        do {
            x = 20 + rnd(&r) * 360, y = 20 + rnd(&r) * 460;
            ok = 1;
            for (uint32_t j = 0; j < i && ok; j++)
                ok = hypot(t->minutiae[j].x - x, t->minutiae[j].y - y) >= 12;
        } while (!ok);
        double flow = 0.8 * sin(x / 90 + phase) + 0.6 * cos(y / 110) + (rnd(&r) < 0.5 ? 0 : M_PI);
        double a = fmod(flow + 0.15 * gauss(&r) + 4 * M_PI, 2 * M_PI);
        t->minutiae[i] = (tern_minutia){(float)x, (float)y, (float)a, (uint8_t)(1 + (i & 1)), 60};
    }
    return t;
}

typedef struct impression {
    double rotate;     /* radians, counter-clockwise as viewed */
    double dx, dy;     /* pixels */
    double distort;    /* amplitude of the elastic displacement, pixels */
    double jitter;     /* position noise, pixels (sigma) */
    double angle_noise; /* radians (sigma) */
    double drop;       /* fraction of minutiae missed */
    double spurious;   /* fraction of spurious minutiae added */
    double crop;       /* keep only minutiae within this radius of the centre (0: all) */
    double ppi;        /* resolution of the impression (0: 500) */
    uint64_t seed;
} impression;

/* An impression of finger f: drop, crop, distort, jitter and add spurious
 * minutiae in the finger's frame, then rotate about the centre, shift and
 * rescale to ppi: a rigid motion of the whole impression. */
static tern_template *make_impression(const tern_template *f, const impression *im)
{
    rng r = {im->seed ? im->seed : 1};
    double ppi = im->ppi > 0 ? im->ppi : 500, scale = ppi / 500;
    uint32_t cap = f->n_minutiae * 2 + 8;
    tern_minutia *out = calloc(cap, sizeof *out);
    uint32_t n = 0;
    double cx = 200, cy = 250, co = cos(im->rotate), si = sin(im->rotate);
    double p1 = rnd(&r) * 6.28, p2 = rnd(&r) * 6.28;
    for (uint32_t i = 0; i < f->n_minutiae; i++) {
        if (rnd(&r) < im->drop)
            continue;
        double x = f->minutiae[i].x, y = f->minutiae[i].y, a = f->minutiae[i].angle;
        if (im->crop > 0 && hypot(x - cx, y - cy) > im->crop)
            continue;
        /* a smooth displacement field: grows from the centre outwards */
        double rr = hypot(x - cx, y - cy) / 250;
        x += im->distort * rr * sin(y / 140 + p1);
        y += im->distort * rr * cos(x / 160 + p2);
        x += im->jitter * gauss(&r), y += im->jitter * gauss(&r);
        a += im->angle_noise * gauss(&r);
        out[n++] = (tern_minutia){(float)x, (float)y, (float)a, 1, 50};
    }
    uint32_t extra = (uint32_t)(im->spurious * n + 0.5);
    for (uint32_t k = 0; k < extra && n < cap; k++) {
        double x = 20 + rnd(&r) * 360, y = 20 + rnd(&r) * 460;
        if (im->crop > 0 && hypot(x - cx, y - cy) > im->crop)
            continue;
        out[n++] = (tern_minutia){(float)x, (float)y, (float)(rnd(&r) * 2 * M_PI), 2, 40};
    }
    for (uint32_t k = 0; k < n; k++) {
        /* rotation counter-clockwise as viewed, with y pointing down */
        double ux = out[k].x - cx, uy = out[k].y - cy;
        double rx = cx + co * ux + si * uy + im->dx, ry = cy - si * ux + co * uy + im->dy;
        out[k].x = (float)(rx * scale), out[k].y = (float)(ry * scale);
        out[k].angle = (float)fmod(out[k].angle + im->rotate + 8 * M_PI, 2 * M_PI);
    }
    tern_template *t;
    cr_assert_eq(tern_template_create(n, &t, NULL), TERN_OK);
    memcpy(t->minutiae, out, n * sizeof *out);
    free(out);
    t->width = (uint32_t)(600 * scale), t->height = (uint32_t)(700 * scale);
    t->ppi_x = t->ppi_y = ppi;
    return t;
}

static const impression typical = {0, 0, 0, 6, 1.5, 0.08, 0.15, 0.10, 0, 0, 7};

static double score(const tern_template *a, const tern_template *b)
{
    double s;
    tern_error err;
    cr_assert_eq(tern_match_compare_templates(a, b, &s, &err), TERN_OK, "%s", err.message);
    return s;
}

/* The highest score of 40 fingers' impressions against other fingers. */
static double max_impostor(void)
{
    double top = 0;
    for (uint64_t f = 0; f < 40; f++) {
        tern_template *a = make_finger(1000 + f, 40), *b = make_finger(2000 + f, 40);
        impression im = typical;
        im.seed = f + 1;
        tern_template *ia = make_impression(a, &im), *ib = make_impression(b, &im);
        double s = score(ia, ib);
        top = s > top ? s : top;
        tern_template_free(a), tern_template_free(b), tern_template_free(ia), tern_template_free(ib);
    }
    return top;
}

/* ---- the comparator ---------------------------------------------------- */

Test(match, deterministic_and_exactly_symmetric)
{
    tern_match_context *c1, *c2;
    cr_assert_eq(tern_match_context_create(&c1, NULL), TERN_OK);
    cr_assert_eq(tern_match_context_create(&c2, NULL), TERN_OK);
    for (uint64_t f = 0; f < 12; f++) {
        tern_template *fa = make_finger(10 + f, 45), *fb = make_finger(500 + f, 35);
        impression i1 = typical, i2 = typical;
        i1.seed = 3 * f + 1, i2.seed = 3 * f + 2, i2.rotate = 0.4 * (double)f, i2.dx = 30;
        tern_template *t[3] = {make_impression(fa, &i1), make_impression(fa, &i2),
                               make_impression(fb, &i1)};
        tern_match_template *m[3];
        for (int k = 0; k < 3; k++)
            cr_assert_eq(tern_match_template_create(t[k], &m[k], NULL), TERN_OK);
        for (int x = 0; x < 3; x++)
            for (int y = 0; y < 3; y++) {
                double s1 = tern_match_compare(c1, m[x], m[y]);
                double s2 = tern_match_compare(c2, m[x], m[y]);
                double s3 = tern_match_compare(c1, m[y], m[x]);
                cr_assert(memcmp(&s1, &s2, sizeof s1) == 0, "not deterministic: %.17g %.17g", s1, s2);
                cr_assert(memcmp(&s1, &s3, sizeof s1) == 0, "not symmetric: %.17g %.17g", s1, s3);
                cr_assert(s1 >= 0 && isfinite(s1));
            }
        for (int k = 0; k < 3; k++)
            tern_match_template_free(m[k]), tern_template_free(t[k]);
        tern_template_free(fa), tern_template_free(fb);
    }
    tern_match_context_free(c1);
    tern_match_context_free(c2);
}

/* The pair loop's kept pairs of a against b on the portable path, asserted
 * identical (count and bytes) on every other path this CPU has; adds the
 * number of paths compared to *paths when given. Returns the pair count. */
static uint32_t pairs_on_every_path(const tern_match_template *a, const tern_match_template *b,
                                    match_pair *p0, match_pair *p1, const float *sq,
                                    uint32_t *paths)
{
    uint32_t n0 = match_local_pairs(a, b, p0, sq, MATCH_PATH_GENERIC);
    for (match_path path = MATCH_PATH_GENERIC + 1; path < MATCH_PATHS; path++) {
        if (!match_path_available(path))
            continue;
        uint32_t n1 = match_local_pairs(a, b, p1, sq, path);
        cr_assert_eq(n0, n1, "pairs: %u portable, %u %s", n0, n1, match_path_name(path));
        cr_assert(memcmp(p0, p1, n0 * sizeof *p0) == 0, "pairs differ (%s)",
                  match_path_name(path));
        if (paths)
            (*paths)++;
    }
    return n0;
}

/* Every vectorised pair loop this CPU runs gives exactly the pairs of the
 * portable one: the scores cannot depend on the machine. */
Test(match, pair_loop_is_the_same_on_every_path)
{
    float sq[MCC_WORDS * 64 + 1];
    match_sqrt_table(sq);
    match_pair *p0 = malloc(MATCH_MAX_PAIRS * sizeof *p0), *p1 = malloc(MATCH_MAX_PAIRS * sizeof *p1);
    cr_assert(p0 && p1);
    uint32_t total = 0;
    for (uint64_t f = 0; f < 6; f++) {
        tern_template *fa = make_finger(40 + f, 30 + 9 * (uint32_t)f), *fb = make_finger(90 + f, 41);
        impression i1 = typical, i2 = typical;
        i1.seed = 5 * f + 1, i2.seed = 5 * f + 2, i2.rotate = 0.9 * (double)f, i2.crop = 150;
        tern_template *t[3] = {make_impression(fa, &i1), make_impression(fa, &i2),
                               make_impression(fb, &i1)};
        tern_match_template *m[3];
        for (int k = 0; k < 3; k++)
            cr_assert_eq(tern_match_template_create(t[k], &m[k], NULL), TERN_OK);
        for (int x = 0; x < 3; x++)
            for (int y = 0; y < 3; y++) {
                total += pairs_on_every_path(m[x], m[y], p0, p1, sq, NULL);
            }
        for (int k = 0; k < 3; k++)
            tern_match_template_free(m[k]), tern_template_free(t[k]);
        tern_template_free(fa), tern_template_free(fb);
    }
    cr_assert_gt(total, 1000, "%u pairs compared", total);
    free(p0), free(p1);
}

/* The same on random cylinders made to sit on the edges: common valid
 * cells around minME, empty cylinders (0 / 0), sparse and dense layers. The
 * cylinders of a prepared template are overwritten in its pair-loop layout
 * (match_internal.h: soa, ones_ok), keeping the invariant that a cell is
 * set only where it is valid. */
static void random_cylinders(tern_match_template *m, rng *r)
{
    m->n_ok = m->n, m->n_pad = (m->n + 7u) & ~7u;
    memset(m->soa, 0, (size_t)m->n_pad * (MCC_WORDS + MCC_SWORDS) * sizeof *m->soa);
    for (uint32_t x = 0; x < m->n; x++) {
        uint64_t v = 0;
        double keep = 0.45 + 0.5 * rnd(r), dense = x % 5 == 0 ? 0 : rnd(r);
        for (uint32_t c = 0; c < MCC_DISC; c++)
            v |= (uint64_t)(rnd(r) < keep) << c;
        m->ok[x] = (uint16_t)x, m->ones_ok[x] = 0;
        m->soa[(size_t)MCC_WORDS * m->n_pad + x] = v;
        for (int k = 0; k < MCC_ND; k++) {
            uint64_t w = 0;
            for (uint32_t c = 0; c < MCC_DISC; c++)
                w |= (uint64_t)(rnd(r) < dense) << c;
            m->soa[(size_t)k * m->n_pad + x] = w & v;
            m->ones_ok[x] += (uint32_t)__builtin_popcountll(w & v);
        }
    }
}

Test(match, pair_loop_is_the_same_on_every_path_at_the_edges)
{
    float sq[MCC_WORDS * 64 + 1];
    match_sqrt_table(sq);
    match_pair *p0 = malloc(MATCH_MAX_PAIRS * sizeof *p0), *p1 = malloc(MATCH_MAX_PAIRS * sizeof *p1);
    cr_assert(p0 && p1);
    rng r = {42};
    uint32_t total = 0, paths = 0;
    for (uint32_t round = 0; round < 8; round++) {
        tern_template *f[2] = {make_finger(60 + round, 20 + 5 * round), make_finger(70 + round, 43)};
        tern_match_template *m[2];
        for (int k = 0; k < 2; k++) {
            cr_assert_eq(tern_match_template_create(f[k], &m[k], NULL), TERN_OK);
            random_cylinders(m[k], &r);
        }
        for (int x = 0; x < 2; x++)
            for (int y = 0; y < 2; y++) {
                total += pairs_on_every_path(m[x], m[y], p0, p1, sq, &paths);
            }
        for (int k = 0; k < 2; k++)
            tern_match_template_free(m[k]), tern_template_free(f[k]);
    }
    cr_assert_gt(total, 1000, "%u pairs kept", total);
    cr_log_info("%u pairs, %u path comparisons", total, paths);
    free(p0), free(p1);
}

Test(match, genuine_scores_survive_any_rotation_and_translation)
{
    double top_impostor = max_impostor();
    tern_template *f = make_finger(77, 45);
    impression base = typical;
    base.seed = 11;
    tern_template *a = make_impression(f, &base);
    impression still = typical;
    still.seed = 12;
    tern_template *b0 = make_impression(f, &still);
    double s0 = score(a, b0);
    cr_assert_gt(s0, top_impostor, "unrotated genuine %g vs impostor max %g", s0, top_impostor);
    for (int deg = 0; deg < 360; deg += 30) {
        impression im = still;
        im.rotate = deg * M_PI / 180;
        im.dx = 150 * cos(deg * 0.7), im.dy = -120 * sin(deg * 1.3);
        tern_template *b = make_impression(f, &im);
        double s = score(a, b);
        cr_assert_gt(s, top_impostor, "rotated %d deg: genuine %g <= impostor max %g", deg, s,
                     top_impostor);
        cr_assert_gt(s, 0.8 * s0, "rotated %d deg: %g vs %g unrotated", deg, s, s0);
        cr_assert_lt(s, 1.25 * s0, "rotated %d deg: %g vs %g unrotated", deg, s, s0);
        tern_template_free(b);
    }
    tern_template_free(b0), tern_template_free(a), tern_template_free(f);
}

Test(match, exact_copy_moved_rigidly_keeps_its_score)
{
    tern_template *f = make_finger(5, 40);
    impression none = {0};
    tern_template *a = make_impression(f, &none);
    double self = score(a, a);
    for (int deg = 0; deg < 360; deg += 30) {
        impression im = {0};
        im.rotate = deg * M_PI / 180, im.dx = -70, im.dy = 55;
        tern_template *b = make_impression(f, &im);
        double s = score(a, b);
        /* the cylinders' cells sample a turned neighbourhood on another grid
         * and positions are quantised, so local similarities move a little:
         * 3 %; a mishandled rotation would lose far more */
        cr_assert(fabs(s - self) <= 0.03 * self, "%d deg: %g vs self %g", deg, s, self);
        tern_template_free(b);
    }
    tern_template_free(a), tern_template_free(f);
}

Test(match, evidence_names_the_pairs_and_the_fit)
{
    tern_template *f = make_finger(9, 40);
    impression none = {0}, moved = {0};
    moved.rotate = 0.7, moved.dx = 40, moved.dy = -25, moved.ppi = 569;
    tern_template *a = make_impression(f, &none), *b = make_impression(f, &moved);
    tern_match_template *ma, *mb;
    tern_match_context *ctx;
    cr_assert_eq(tern_match_template_create(a, &ma, NULL), TERN_OK);
    cr_assert_eq(tern_match_template_create(b, &mb, NULL), TERN_OK);
    cr_assert_eq(tern_match_context_create(&ctx, NULL), TERN_OK);
    tern_match_evidence *ev = malloc(sizeof *ev), *rev = malloc(sizeof *rev);
    double s = tern_match_compare(ctx, ma, mb);
    cr_assert(tern_match_compare_evidence(ctx, ma, mb, ev) == s, "same score");
    cr_assert(tern_match_compare_evidence(ctx, mb, ma, rev) == s, "same score, other order");
    cr_assert(ev->score == s);
    cr_assert_geq(ev->n_pairs, 36, "%u of 40 minutiae paired", ev->n_pairs);
    cr_assert_geq(ev->n_graph, 3);
    cr_assert_leq(ev->n_graph, ev->n_pairs);
    cr_assert_eq(rev->n_pairs, ev->n_pairs);
    /* a moved copy: minutia k of a is minutia k of b, and the fit maps one
     * onto the other, in pixels of each */
    for (uint32_t t = 0; t < ev->n_pairs; t++) {
        uint16_t i = ev->pairs[t].a, j = ev->pairs[t].b;
        cr_assert_eq(i, j, "pair %u: %u -> %u", t, i, j);
        cr_assert_eq(rev->pairs[t].a, j);
        cr_assert_eq(rev->pairs[t].b, i);
        const double *m = ev->transform;
        double x = a->minutiae[i].x, y = a->minutiae[i].y;
        double px = m[0] * x + m[1] * y + m[2], py = m[3] * x + m[4] * y + m[5];
        cr_assert_lt(hypot(px - b->minutiae[j].x, py - b->minutiae[j].y), 1.0,
                     "pair %u: (%g, %g) mapped to (%g, %g), not (%g, %g)", t, x, y, px, py,
                     b->minutiae[j].x, b->minutiae[j].y);
    }
    cr_assert_lt(fabs(ev->rotation - 0.7), 0.01, "rotation %g", ev->rotation);
    cr_assert_lt(fabs(rev->rotation + 0.7), 0.01, "rotation back %g", rev->rotation);
    /* an impostor: what little is paired still names real minutiae */
    tern_template *g = make_finger(77, 40), *c = make_impression(g, &none);
    tern_match_template *mc;
    cr_assert_eq(tern_match_template_create(c, &mc, NULL), TERN_OK);
    cr_assert(tern_match_compare_evidence(ctx, ma, mc, ev) == tern_match_compare(ctx, ma, mc));
    for (uint32_t t = 0; t < ev->n_pairs; t++)
        cr_assert(ev->pairs[t].a < a->n_minutiae && ev->pairs[t].b < c->n_minutiae);
    free(ev), free(rev);
    tern_match_template_free(ma), tern_match_template_free(mb), tern_match_template_free(mc);
    tern_match_context_free(ctx);
    tern_template_free(a), tern_template_free(b), tern_template_free(c);
    tern_template_free(f), tern_template_free(g);
}

Test(match, resolution_aware)
{
    tern_template *f = make_finger(21, 40);
    impression i1 = typical, i2 = typical;
    i1.seed = 1, i2.seed = 2;
    tern_template *a = make_impression(f, &i1), *b = make_impression(f, &i2);
    i2.ppi = 569; /* FVC2002 DB2's scanner: same print, more pixels */
    tern_template *b569 = make_impression(f, &i2);
    double s500 = score(a, b), s569 = score(a, b569);
    cr_assert(fabs(s500 - s569) <= 0.1 * s500, "500 ppi %g, 569 ppi %g", s500, s569);
    i2.ppi = 1000;
    tern_template *b1000 = make_impression(f, &i2);
    double s1000 = score(a, b1000);
    cr_assert(fabs(s500 - s1000) <= 0.1 * s500, "500 ppi %g, 1000 ppi %g", s500, s1000);
    /* Lying about the resolution must hurt: the geometry no longer agrees. */
    b1000->ppi_x = b1000->ppi_y = 500;
    double wrong = score(a, b1000);
    cr_assert_lt(wrong, 0.3 * s500, "wrong ppi %g vs %g", wrong, s500);
    tern_template_free(b1000);
    tern_template_free(a), tern_template_free(b), tern_template_free(b569), tern_template_free(f);
}

Test(match, genuine_above_impostor_on_a_small_fixture)
{
    double top_impostor = max_impostor();
    double low_genuine = INFINITY;
    for (uint64_t k = 0; k < 20; k++) {
        tern_template *f = make_finger(300 + k, 30 + (uint32_t)k);
        impression i1 = typical, i2 = typical;
        i1.seed = 2 * k + 1, i2.seed = 2 * k + 2;
        i2.rotate = 0.3 * (double)k, i2.dx = 5.0 * (double)k, i2.crop = 190;
        tern_template *a = make_impression(f, &i1), *b = make_impression(f, &i2);
        double s = score(a, b);
        low_genuine = s < low_genuine ? s : low_genuine;
        tern_template_free(a), tern_template_free(b), tern_template_free(f);
    }
    cr_assert_gt(low_genuine, top_impostor, "lowest genuine %g, highest impostor %g", low_genuine,
                 top_impostor);
}

/* The consolidation's rules, checked from outside on what the evidence
 * reports (an independent restatement in double precision, with
 * arctangents where the comparator uses cosines, and a small margin for
 * that difference): every two pairs of the graph agree on their edge
 * (lengths within 8 units + 15 %, and, for edges of 12 units or more, the
 * edge's direction relative to both end minutiae within 0.40 rad); every
 * pair's turn is within 30 degrees of the first (the root's); no minutia is
 * paired twice. On genuine pairs (distorted, cropped, turned) and impostors,
 * whose graphs are the accidental ones. */
static double wrap_pi(double a)
{
    return a - 2 * M_PI * floor((a + M_PI) / (2 * M_PI));
}

Test(match, graph_pairs_obey_the_consolidation_rules)
{
    tern_match_context *ctx;
    cr_assert_eq(tern_match_context_create(&ctx, NULL), TERN_OK);
    tern_match_evidence *ev = malloc(sizeof *ev);
    uint32_t graphs = 0, edges = 0;
    for (uint64_t k = 0; k < 40; k++) {
        tern_template *f = make_finger(500 + k, 30 + (uint32_t)k % 25);
        tern_template *g = make_finger(900 + k, 40);
        impression i1 = typical, i2 = typical;
        i1.seed = 2 * k + 1, i2.seed = 2 * k + 2;
        i2.rotate = 0.5 * (double)k, i2.dx = 3.0 * (double)k, i2.distort = 10;
        tern_template *a = make_impression(f, &i1);
        tern_template *b = k % 2 ? make_impression(f, &i2) : make_impression(g, &i2);
        tern_match_template *ma, *mb;
        cr_assert_eq(tern_match_template_create(a, &ma, NULL), TERN_OK);
        cr_assert_eq(tern_match_template_create(b, &mb, NULL), TERN_OK);
        tern_match_compare_evidence(ctx, ma, mb, ev);
        graphs += ev->n_graph >= 3;
        uint8_t used_a[TERN_TEMPLATE_MAX_MINUTIAE] = {0}, used_b[TERN_TEMPLATE_MAX_MINUTIAE] = {0};
        for (uint32_t t = 0; t < ev->n_pairs; t++) {
            uint16_t i = ev->pairs[t].a, j = ev->pairs[t].b;
            cr_assert(!used_a[i] && !used_b[j], "case %lu: minutia paired twice (pair %u)",
                      (unsigned long)k, t);
            used_a[i] = used_b[j] = 1;
        }
        const match_minutia *A = ma->m, *B = mb->m;
        const tern_match_minutia_pair *P = ev->pairs;
        for (uint32_t s = 0; s < ev->n_graph; s++) {
            double turn_s = (double)B[P[s].b].angle - A[P[s].a].angle;
            double turn_0 = (double)B[P[0].b].angle - A[P[0].a].angle;
            cr_assert_leq(fabs(wrap_pi(turn_s - turn_0)), M_PI / 6 + 1e-3,
                          "case %lu: pair %u turns %g from the root", (unsigned long)k, s,
                          wrap_pi(turn_s - turn_0));
            for (uint32_t t = s + 1; t < ev->n_graph; t++) {
                double ax = (double)A[P[t].a].x - A[P[s].a].x, ay = (double)A[P[t].a].y - A[P[s].a].y;
                double bx = (double)B[P[t].b].x - B[P[s].b].x, by = (double)B[P[t].b].y - B[P[s].b].y;
                double da = hypot(ax, ay), db = hypot(bx, by), longer = fmax(da, db);
                cr_assert_leq(fabs(da - db), 8 + 0.15 * longer + 1e-3,
                              "case %lu: edge %u-%u is %g units in a, %g in b", (unsigned long)k,
                              s, t, da, db);
                edges++;
                if (longer < 12 + 1e-3)
                    continue;
                /* the edge's direction relative to each end minutia */
                double e = atan2(ay, ax) - atan2(by, bx);
                for (int end = 0; end < 2; end++) {
                    uint32_t u = end ? t : s;
                    double turn = (double)A[P[u].a].angle - B[P[u].b].angle;
                    cr_assert_leq(fabs(wrap_pi(e - turn)), 0.40 + 1e-2,
                                  "case %lu: edge %u-%u disagrees by %g rad at %u",
                                  (unsigned long)k, s, t, wrap_pi(e - turn), u);
                }
            }
        }
        tern_match_template_free(ma), tern_match_template_free(mb);
        tern_template_free(a), tern_template_free(b), tern_template_free(f), tern_template_free(g);
    }
    cr_assert_geq(graphs, 30, "%u of 40 comparisons grew a graph", graphs);
    cr_assert_geq(edges, 2000, "%u edges checked", edges);
    free(ev);
    tern_match_context_free(ctx);
}

/* ---- orientation fields ------------------------------------------------ */

/* The orientation field of impression im of finger `seed` (make_finger's
 * flow, modulo pi), on 16-pixel cells at 500 ppi over the impression's
 * frame: each cell's centre is taken back to the finger's frame (the
 * inverse of make_impression's rigid motion); background outside the
 * finger's area. `turn` is added to every orientation (pi / 2: a field
 * that disagrees everywhere). */
static void add_field(tern_template *t, uint64_t seed, const impression *im, double turn)
{
    rng r = {seed};
    double phase = rnd(&r) * 2 * M_PI;
    double scale = (im->ppi > 0 ? im->ppi : 500) / 500, cell = 16 * scale;
    double co = cos(im->rotate), si = sin(im->rotate);
    tern_orientation_field *f = &t->orient;
    f->cols = (uint16_t)ceil(t->width / cell), f->rows = (uint16_t)ceil(t->height / cell);
    f->cell_x = f->cell_y = (float)cell;
    f->cells = calloc((size_t)f->cols * f->rows, 1);
    cr_assert(f->cells);
    for (unsigned row = 0; row < f->rows; row++)
        for (unsigned col = 0; col < f->cols; col++) {
            double vx = (col + 0.5) * 16 - 200 - im->dx, vy = (row + 0.5) * 16 - 250 - im->dy;
            double x = 200 + co * vx - si * vy, y = 250 + si * vx + co * vy;
            if (x < 0 || y < 0 || x > 400 || y > 500)
                continue;
            double flow = 0.8 * sin(x / 90 + phase) + 0.6 * cos(y / 110) + im->rotate + turn;
            long lv = lround(flow / (M_PI / TERN_ORIENT_LEVELS));
            f->cells[row * f->cols + col] =
                (uint8_t)(1 + ((lv % TERN_ORIENT_LEVELS) + TERN_ORIENT_LEVELS) % TERN_ORIENT_LEVELS);
        }
}

static tern_template *without_field(const tern_template *t)
{
    tern_template *c;
    cr_assert_eq(tern_template_clone(t, &c, NULL), TERN_OK);
    free(c->orient.cells);
    memset(&c->orient, 0, sizeof c->orient);
    return c;
}

static double score_ctx(tern_match_context *ctx, const tern_template *a, const tern_template *b,
                        double *reverse)
{
    tern_match_template *ma, *mb;
    cr_assert_eq(tern_match_template_create(a, &ma, NULL), TERN_OK);
    cr_assert_eq(tern_match_template_create(b, &mb, NULL), TERN_OK);
    double s = tern_match_compare(ctx, ma, mb);
    *reverse = tern_match_compare(ctx, mb, ma);
    tern_match_template_free(ma), tern_match_template_free(mb);
    return s;
}

/* Fields that agree under the minutiae's alignment raise a genuine score
 * (at any rotation, and at another resolution); a field on one side only,
 * or fields crossing at right angles, leave the minutia score exactly as
 * it is; the score stays symmetric bit for bit. */
Test(match, orientation_fields_weigh_the_alignment)
{
    tern_match_context *ctx;
    cr_assert_eq(tern_match_context_create(&ctx, NULL), TERN_OK);
    const uint64_t seed = 77;
    tern_template *f = make_finger(seed, 45);
    impression base = typical;
    base.seed = 11;
    tern_template *a = make_impression(f, &base);
    add_field(a, seed, &base, 0);
    tern_template *a0 = without_field(a);
    for (int deg = 0; deg < 360; deg += 45) {
        impression im = typical;
        im.seed = 12 + (uint64_t)deg, im.rotate = deg * M_PI / 180;
        im.dx = 60 * cos(deg * 0.7), im.dy = -50 * sin(deg * 1.3), im.ppi = deg == 90 ? 569 : 0;
        tern_template *b = make_impression(f, &im), *bx = make_impression(f, &im);
        add_field(b, seed, &im, 0);
        add_field(bx, seed, &im, M_PI / 2);
        tern_template *b0 = without_field(b);
        double r1, r2, r3, r4;
        double plain = score_ctx(ctx, a0, b0, &r1);
        double field = score_ctx(ctx, a, b, &r2);
        double one = score_ctx(ctx, a, b0, &r3);
        double crossed = score_ctx(ctx, a, bx, &r4);
        cr_assert(plain > 1, "%d deg: genuine minutia score %g", deg, plain);
        cr_assert(field > 1.15 * plain && field <= 1.4 * plain,
                  "%d deg: %g with agreeing fields vs %g without", deg, field, plain);
        cr_assert(memcmp(&one, &plain, sizeof one) == 0, "%d deg: one field changed %g to %g",
                  deg, plain, one);
        cr_assert(memcmp(&crossed, &plain, sizeof one) == 0, "%d deg: crossed fields %g vs %g",
                  deg, crossed, plain);
        cr_assert(memcmp(&r1, &plain, sizeof r1) == 0 && memcmp(&r2, &field, sizeof r2) == 0 &&
                      memcmp(&r3, &one, sizeof r3) == 0 && memcmp(&r4, &crossed, sizeof r4) == 0,
                  "%d deg: not symmetric", deg);
        tern_template_free(b), tern_template_free(bx), tern_template_free(b0);
    }
    tern_template_free(a), tern_template_free(a0), tern_template_free(f);
    tern_match_context_free(ctx);
}

Test(match, degenerate_templates)
{
    tern_template *t, *f = make_finger(9, 30);
    cr_assert_eq(tern_template_create(2, &t, NULL), TERN_OK);
    t->ppi_x = t->ppi_y = 500;
    cr_assert_eq(score(t, f), 0.0, "two minutiae must score 0");
    tern_match_template *m;
    tern_error err;
    t->ppi_x = 0;
    cr_assert_eq(tern_match_template_create(t, &m, &err), TERN_E_ARG);
    cr_assert(strstr(err.message, "resolution") != NULL, "%s", err.message);
    t->ppi_x = 500;
    t->minutiae[1].x = NAN;
    cr_assert_eq(tern_match_template_create(t, &m, &err), TERN_E_ARG);
    /* every minutia at one place: no hull, no valid cylinder, score 0 */
    tern_template *same;
    cr_assert_eq(tern_template_create(20, &same, NULL), TERN_OK);
    same->ppi_x = same->ppi_y = 500;
    for (int i = 0; i < 20; i++)
        same->minutiae[i] = (tern_minutia){100, 100, 1.0f, 1, 50};
    cr_assert_eq(score(same, same), 0.0);
    tern_template_free(same), tern_template_free(t), tern_template_free(f);
}

/* ---- error rates, DET, calibration -------------------------------------- */

Test(rates, fvc_definitions_on_a_hand_worked_example)
{
    /* 10 genuine, 10 impostor. At t = 5: FMR = 2/10 (5, 6), FNMR = 2/10 (1, 4). */
    const double g[] = {1, 4, 5.5, 7, 8, 9, 10, 11, 12, 13};
    const double im[] = {0, 0, 1, 2, 2, 3, 3, 4.5, 5, 6};
    tern_match_rates r;
    cr_assert_eq(tern_match_rates_compute(g, 10, im, 10, &r, NULL), TERN_OK);
    cr_assert_eq(r.genuine, 10);
    cr_assert_eq(r.impostor, 10);
    cr_assert_float_eq(r.eer, 0.2, 1e-12, "eer %g [%g, %g]", r.eer, r.eer_low, r.eer_high);
    /* FMR <= 1 %: no impostor at or above t, t > 6: FNMR = 3/10 (1, 4, 5.5) */
    cr_assert_float_eq(r.fmr100, 0.3, 1e-12);
    cr_assert_float_eq(r.fmr1000, 0.3, 1e-12);
    cr_assert_float_eq(r.zero_fmr, 0.3, 1e-12);
    cr_assert_eq(tern_match_rates_compute(g, 0, im, 10, &r, NULL), TERN_E_ARG);
    /* perfect separation */
    const double g2[] = {10, 11}, im2[] = {1, 2, 3};
    cr_assert_eq(tern_match_rates_compute(g2, 2, im2, 3, &r, NULL), TERN_OK);
    cr_assert_eq(r.eer, 0.0);
    cr_assert_eq(r.zero_fmr, 0.0);
}

Test(rates, det_svg_is_a_document_with_one_curve_per_set)
{
    const double g[] = {1, 4, 5.5, 7, 8}, im[] = {0, 1, 2, 3, 6};
    tern_match_curve c[2] = {{"DB1 <a&b>", g, 5, im, 5}, {"DB2", g, 5, im, 5}};
    char *svg;
    cr_assert_eq(tern_match_det_svg(c, 2, "DET", &svg, NULL), TERN_OK);
    cr_assert(strncmp(svg, "<?xml", 5) == 0);
    cr_assert(strstr(svg, "</svg>") != NULL);
    cr_assert(strstr(svg, "DB1 &lt;a&amp;b&gt;") != NULL, "names are escaped");
    int curves = 0;
    for (const char *p = svg; (p = strstr(p, "<polyline")); p++)
        curves++;
    cr_assert_eq(curves, 2);
    free(svg);
}

Test(calibration, builtin_table_is_monotone_and_flags_extrapolation)
{
    const tern_match_calibration *c = tern_match_calibration_builtin();
    cr_assert_gt(c->n_points, 1);
    cr_assert_gt(c->impostors, 0);
    for (size_t k = 1; k < c->n_points; k++) {
        cr_assert_gt(c->points[k].score, c->points[k - 1].score);
        cr_assert_lt(c->points[k].fmr, c->points[k - 1].fmr);
    }
    double last = 2;
    for (double s = 0; s < 40; s += 0.05) {
        int ex;
        double f = tern_match_fmr_for_score(s, &ex);
        cr_assert(f > 0 && f <= 1 && f <= last, "fmr(%g) = %g", s, f);
        cr_assert_eq(ex, f < 3.0 / (double)c->impostors, "flag at %g", s);
        last = f;
    }
    for (double f = 0.5; f > 1e-7; f /= 3) {
        int ex;
        double s = tern_match_score_for_fmr(f, &ex);
        double back = tern_match_fmr_for_score(s, NULL);
        cr_assert(fabs(log10(back) - log10(f)) < 1e-6, "fmr %g -> score %g -> fmr %g", f, s, back);
        cr_assert_eq(ex, f < 3.0 / (double)c->impostors);
    }
}

Test(calibration, generated_table_counts_what_it_says)
{
    double im[1000];
    for (int i = 0; i < 1000; i++)
        im[i] = (double)((i * 7919) % 1000) / 100.0; /* 0.00 .. 9.99, each once */
    char *text;
    cr_assert_eq(tern_match_calibration_write_c(im, 1000, "test \"set\"", &text, NULL), TERN_OK);
    cr_assert(strstr(text, "{9.99, 0.001}, /* 1 of 1000 */") != NULL, "%s", text);
    cr_assert(strstr(text, "{9.9, 0.01}, /* 10 of 1000 */") != NULL, "%s", text);
    cr_assert(strstr(text, "{0, 1}, /* 1000 of 1000 */") != NULL, "%s", text);
    cr_assert(strstr(text, "\"test \\\"set\\\"\"") != NULL, "%s", text);
    free(text);
    cr_assert_eq(tern_match_calibration_write_c(im, 0, "x", &text, NULL), TERN_E_ARG);
}
