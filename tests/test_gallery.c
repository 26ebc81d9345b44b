/* test_gallery.c - the multi-finger in-memory gallery (tern/gallery.h) on
 * synthetic ten-prints: gallery scores equal tern_match_compare's bit for
 * bit; the mate ranks first with ten, two or one probe fingers and with
 * fingers missing on file; Fisher fusion; the id table under puts and
 * removes; pre-selection and restricted searches; concurrent searches
 * during writes; memory per finger. Gallery sizes are small and bounded. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ident_fixture.h"
#include "synth_fixture.h"
#include "tern/finger.h"
#include "tern/gallery.h"
#include "tern/match.h"
#include "tern_test.h"

#define SEED 0x6a11e7ull
#ifdef TERN_SANITIZED
#define N_IDS 12
#else
#define N_IDS 30
#endif

static void id_name(uint64_t i, char *buf) { snprintf(buf, TERN_GALLERY_ID_MAX, "sbj_%03u", (unsigned)i); }

/* A gallery of N_IDS identities, impression 0 of each finger. */
static tern_gallery *build(unsigned skip_mask_for_id0)
{
    tern_gallery *g;
    tern_error err;
    cr_assert_eq(tern_gallery_create(&g, &err), TERN_OK);
    for (uint64_t i = 0; i < N_IDS; i++) {
        tern_template *t[10];
        ix_fingers(SEED, i, 0, t);
        char id[TERN_GALLERY_ID_MAX];
        id_name(i, id);
        for (unsigned k = 0; k < 10; k++)
            if (!(i == 0 && (skip_mask_for_id0 & (1u << k))))
                cr_assert_eq(tern_gallery_put_template(g, id, k + 1, t[k], &err), TERN_OK, "%s",
                             err.message);
        ix_free(t);
    }
    return g;
}

static tern_gallery_probe *probe_of(uint64_t index, unsigned mask)
{
    tern_template *t[10];
    ix_fingers(SEED, index, 1, t);
    const tern_template *use[10] = {0};
    for (unsigned k = 0; k < 10; k++)
        if (mask & (1u << k))
            use[k] = t[k];
    tern_gallery_probe *p;
    tern_error err;
    cr_assert_eq(tern_gallery_probe_create(use, &p, &err), TERN_OK, "%s", err.message);
    ix_free(t);
    return p;
}

Test(gallery, scores_equal_the_comparator)
{
    tern_template *a[10], *b[10];
    ix_fingers(SEED, 3, 0, a);
    ix_fingers(SEED, 3, 1, b);
    tern_gallery *g;
    tern_error err;
    cr_assert_eq(tern_gallery_create(&g, &err), TERN_OK);
    for (unsigned k = 0; k < 10; k++)
        cr_assert_eq(tern_gallery_put_template(g, "x", k + 1, a[k], &err), TERN_OK);
    tern_gallery_probe *p;
    cr_assert_eq(tern_gallery_probe_create((const tern_template *const *)b, &p, &err), TERN_OK);
    tern_gallery_candidate c;
    cr_assert_eq(tern_gallery_verify(g, p, "x", &c, &err), TERN_OK);
    cr_assert_eq(c.fingers, 10);
    double fmr[10];
    for (unsigned k = 0; k < 10; k++) {
        double want;
        cr_assert_eq(tern_match_compare_templates(b[k], a[k], &want, &err), TERN_OK);
        cr_assert_eq(c.finger_score[k], want, "finger %u: gallery %.9g, comparator %.9g", k + 1,
                     c.finger_score[k], want);
        fmr[k] = tern_match_fmr_for_score(want, NULL);
    }
    cr_assert_float_eq(c.fmr, tern_gallery_fuse(fmr, 10), 1e-9 * c.fmr + 1e-300);
    cr_assert_gt(c.score, 6, "a mate's fused score %.2f is low", c.score);
    tern_gallery_probe_free(p);
    tern_gallery_free(g);
    ix_free(a);
    ix_free(b);
}

Test(gallery, fisher_fusion)
{
    double p[3] = {0.1, 0.1, 1.0};
    cr_assert_eq(tern_gallery_fuse(p, 0), 1.0);
    cr_assert_float_eq(tern_gallery_fuse(p, 1), 0.1, 1e-12);
    /* P(Gamma(2,1) >= T) = e^-T (1 + T), T = 2 ln 10 */
    double t = 2 * log(10.0);
    cr_assert_float_eq(tern_gallery_fuse(p, 2), exp(-t) * (1 + t), 1e-12);
    /* a finger that says nothing (p = 1) weakens the evidence, never strengthens it */
    cr_assert_gt(tern_gallery_fuse(p, 3), tern_gallery_fuse(p, 2));
    double strong[2] = {1e-9, 1e-9};
    cr_assert_lt(tern_gallery_fuse(strong, 2), 1e-9);
    cr_assert_gt(tern_gallery_fuse(strong, 2), 0);
}

static void expect_first(tern_gallery *g, tern_gallery_probe *p,
                         const tern_gallery_search_opts *o, uint64_t mate, unsigned fingers)
{
    tern_gallery_candidate c[10];
    size_t n;
    tern_error err;
    cr_assert_eq(tern_gallery_search(g, p, o, c, &n, &err), TERN_OK, "%s", err.message);
    cr_assert_geq(n, 1);
    char want[TERN_GALLERY_ID_MAX];
    id_name(mate, want);
    cr_assert_str_eq(c[0].id, want, "mate %s not first (got %s, score %.2f)", want, c[0].id,
                     c[0].score);
    cr_assert_eq(c[0].fingers, fingers);
    for (size_t i = 1; i < n; i++)
        cr_assert_geq(c[i - 1].score, c[i].score, "not ranked");
    cr_assert_gt(c[0].score, n > 1 ? c[1].score + 3 : 3, "no margin over the best impostor: %s %.2f (%u fingers) vs %s %.2f", c[0].id, c[0].score, c[0].fingers, n > 1 ? c[1].id : "-", n > 1 ? c[1].score : 0.0);
}

Test(gallery, mates_rank_first_with_missing_fingers)
{
    /* identity 0 has no index fingers (2, 7) and no thumbs on file */
    tern_gallery *g = build((1u << 1) | (1u << 6) | (1u << 0) | (1u << 5));
    cr_assert_eq(tern_gallery_size(g), N_IDS);
    cr_assert_eq(tern_gallery_fingers(g), N_IDS * 10 - 4);
    for (uint64_t mate = 0; mate < N_IDS; mate += 5) {
        tern_gallery_probe *p = probe_of(mate, 0x3ff);
        expect_first(g, p, NULL, mate, mate == 0 ? 6 : 10);
        tern_gallery_probe_free(p);
    }
    /* two fingers only: the index fingers (none of them on file for id 0) */
    tern_gallery_probe *p = probe_of(7, (1u << 1) | (1u << 6));
    expect_first(g, p, NULL, 7, 2);
    tern_gallery_probe_free(p);
    p = probe_of(0, (1u << 2) | (1u << 8));
    expect_first(g, p, NULL, 0, 2);
    tern_gallery_probe_free(p);
    tern_gallery_free(g);
}

Test(gallery, preselection_and_restricted_search)
{
    tern_gallery *g = build(0);
    tern_gallery_probe *p = probe_of(11 % N_IDS, 0x3ff);
    tern_gallery_search_opts o = {.preselect_above = 5, .shortlist = 4};
    expect_first(g, p, &o, 11 % N_IDS, 10);
    tern_gallery_candidate c[10];
    size_t n;
    tern_error err;
    cr_assert_eq(tern_gallery_search(g, p, &o, c, &n, &err), TERN_OK);
    cr_assert_leq(n, 4, "pre-selection kept %zu > shortlist", n);
    for (size_t i = 1; i < n; i++) /* the rest compared on all fingers too */
        cr_assert_eq(c[i].fingers, 10);
    /* restricted: the mate is not in the list, so it cannot be found */
    const char *only[] = {"sbj_001", "sbj_002", "nobody", "sbj_001"};
    o = (tern_gallery_search_opts){.only = only, .n_only = 4};
    cr_assert_eq(tern_gallery_search(g, p, &o, c, &n, &err), TERN_OK);
    cr_assert_leq(n, 2);
    for (size_t i = 0; i < n; i++)
        cr_assert(strcmp(c[i].id, "sbj_001") == 0 || strcmp(c[i].id, "sbj_002") == 0);
    if (n == 2)
        cr_assert_str_neq(c[0].id, c[1].id, "an id listed twice was searched twice");
    tern_gallery_probe_free(p);
    tern_gallery_free(g);
}

Test(gallery, id_table_under_puts_and_removes)
{
    tern_gallery *g;
    tern_error err;
    cr_assert_eq(tern_gallery_create(&g, &err), TERN_OK);
    tern_template *t[10];
    ix_fingers(SEED, 1, 0, t);
    tern_gallery_finger *f;
    cr_assert_eq(tern_gallery_finger_prepare(t[0], &f, &err), TERN_OK);
    size_t bytes = tern_gallery_finger_bytes(f);
    tern_gallery_finger_free(f);
    enum { N = 300 };
    char id[TERN_GALLERY_ID_MAX];
    for (unsigned i = 0; i < N; i++) {
        snprintf(id, sizeof id, "id%u", i);
        cr_assert_eq(tern_gallery_put_template(g, id, 1 + i % 10, t[0], &err), TERN_OK);
    }
    cr_assert_eq(tern_gallery_size(g), N);
    cr_assert_eq(tern_gallery_memory(g), N * bytes);
    /* replacing a finger does not add one */
    cr_assert_eq(tern_gallery_put_template(g, "id0", 1, t[1], &err), TERN_OK);
    cr_assert_eq(tern_gallery_fingers(g), N);
    for (unsigned i = 0; i < N; i += 3) {
        snprintf(id, sizeof id, "id%u", i);
        cr_assert(tern_gallery_remove(g, id));
        cr_assert_not(tern_gallery_remove(g, id));
    }
    for (unsigned i = 0; i < N; i++) {
        snprintf(id, sizeof id, "id%u", i);
        cr_assert_eq(tern_gallery_contains(g, id), i % 3 != 0, "%s", id);
    }
    cr_assert_eq(tern_gallery_size(g), N - (N + 2) / 3);
    /* bad input */
    cr_assert_eq(tern_gallery_put_template(g, "", 1, t[0], &err), TERN_E_ARG);
    cr_assert_eq(tern_gallery_put_template(g, "x", 11, t[0], &err), TERN_E_ARG);
    cr_assert_eq(tern_gallery_put_template(g, "x", 0, t[0], &err), TERN_E_ARG);
    char longid[TERN_GALLERY_ID_MAX + 1];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = 0;
    cr_assert_eq(tern_gallery_put_template(g, longid, 1, t[0], &err), TERN_E_ARG);
    const tern_template *none[10] = {0};
    tern_gallery_probe *p;
    cr_assert_eq(tern_gallery_probe_create(none, &p, &err), TERN_E_ARG);
    cr_assert_null(p);
    ix_free(t);
    tern_gallery_free(g);
}

Test(gallery, memory_per_finger)
{
    tern_gallery *g = build(0);
    size_t per = tern_gallery_memory(g) / tern_gallery_fingers(g);
    cr_log_info("gallery: %zu bytes of finger data per finger (%zu fingers)", per,
                tern_gallery_fingers(g));
    /* issue 6's bound: at most 2 KiB a finger on synthetic ten-prints */
    cr_assert_leq(per, 2048, "%zu bytes per finger", per);
    tern_gallery_free(g);
}

/* Templates extracted from images carry an orientation field: the packed
 * finger restores it exactly (gallery scores equal the comparator's bit for
 * bit) and stays within the bound. */
Test(gallery, extracted_prints_with_orientation_fields)
{
    tern_template *t[SF_FINGERS][SF_IMPRESSIONS];
    tern_gallery *g;
    tern_error err;
    cr_assert_eq(tern_gallery_create(&g, &err), TERN_OK);
    for (unsigned f = 0; f < SF_FINGERS; f++)
        for (unsigned i = 0; i < SF_IMPRESSIONS; i++) {
            cr_assert_eq(tern_extract(sf_image(f, i), NULL, &t[f][i], NULL, &err), TERN_OK, "%s",
                         err.message);
            cr_assert_gt(t[f][i]->orient.cols, 0, "the extractor fills the field");
            char id[TERN_GALLERY_ID_MAX];
            snprintf(id, sizeof id, "p%u_%u", f, i);
            cr_assert_eq(tern_gallery_put_template(g, id, 1, t[f][i], &err), TERN_OK, "%s",
                         err.message);
        }
    size_t per = tern_gallery_memory(g) / tern_gallery_fingers(g);
    cr_log_info("gallery: %zu bytes per extracted finger with its orientation field", per);
    cr_assert_leq(per, 2048, "%zu bytes per finger", per);
    for (unsigned f = 0; f < SF_FINGERS; f++)
        for (unsigned i = 0; i < SF_IMPRESSIONS; i++) {
            const tern_template *use[10] = {t[f][i]};
            tern_gallery_probe *p;
            cr_assert_eq(tern_gallery_probe_create(use, &p, &err), TERN_OK, "%s", err.message);
            for (unsigned f2 = 0; f2 < SF_FINGERS; f2++)
                for (unsigned i2 = 0; i2 < SF_IMPRESSIONS; i2++) {
                    char id[TERN_GALLERY_ID_MAX];
                    snprintf(id, sizeof id, "p%u_%u", f2, i2);
                    tern_gallery_candidate c;
                    cr_assert_eq(tern_gallery_verify(g, p, id, &c, &err), TERN_OK, "%s", err.message);
                    double want;
                    cr_assert_eq(tern_match_compare_templates(t[f][i], t[f2][i2], &want, &err),
                                 TERN_OK);
                    cr_assert(memcmp(&c.finger_score[0], &want, sizeof want) == 0,
                              "%u_%u vs %s: gallery %.17g, comparator %.17g", f, i, id,
                              c.finger_score[0], want);
                }
            tern_gallery_probe_free(p);
        }
    for (unsigned f = 0; f < SF_FINGERS; f++)
        for (unsigned i = 0; i < SF_IMPRESSIONS; i++)
            tern_template_free(t[f][i]);
    tern_gallery_free(g);
}

typedef struct race {
    tern_gallery *g;
    tern_gallery_probe *p;
    int ok;
} race;

static void *searcher(void *arg)
{
    race *r = arg;
    tern_gallery_candidate c[3];
    size_t n;
    r->ok = 1;
    for (int i = 0; i < 4; i++) {
        if (tern_gallery_search(r->g, r->p, &(tern_gallery_search_opts){.max_candidates = 3}, c,
                                &n, NULL) != TERN_OK ||
            n < 1 || strcmp(c[0].id, "sbj_004") != 0)
            r->ok = 0;
    }
    return NULL;
}

Test(gallery, concurrent_searches_during_writes)
{
    tern_gallery *g = build(0);
    race r[2] = {{g, probe_of(4, 0x3ff), 0}, {g, probe_of(4, 0x84), 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, searcher, &r[i]), 0);
    tern_template *t[10];
    ix_fingers(SEED, 900, 0, t);
    for (unsigned i = 0; i < 20; i++) { /* writers: other ids come and go */
        char id[TERN_GALLERY_ID_MAX];
        snprintf(id, sizeof id, "tmp%u", i);
        cr_assert_eq(tern_gallery_put_template(g, id, 1 + i % 10, t[i % 10], NULL), TERN_OK);
        if (i % 2)
            cr_assert(tern_gallery_remove(g, id));
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        cr_assert(r[i].ok, "searcher %d saw a wrong result", i);
        tern_gallery_probe_free(r[i].p);
    }
    cr_assert_eq(tern_gallery_size(g), N_IDS + 10);
    ix_free(t);
    tern_gallery_free(g);
}
