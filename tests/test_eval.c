/* test_eval.c - the accuracy regression of the fingerprint engine: the FVC
 * protocol (tern_match_fvc_run, all impostor pairs) on
 * ../shared/data/fvc2002 (Tern's extractor + comparator) and on the SecuGen
 * ISO templates of the same images (the comparator alone). Skips, saying so,
 * when the data is absent. Under TERN_SANITIZED only DB1_B
 * is evaluated (the count is bounded; the assertions are the same).
 *
 * THE BAR of issue 3 is average EER <= 1.5 %, no database above 3 %,
 * average FMR1000 <= 4 %, FTE 0 (docs/matching.md). Tern's images meet it
 * since the third session; these assertions are a RATCHET at the level
 * measured when they were written, with a small margin: they catch
 * regressions, and are tightened as accuracy improves (never loosened). */
#include <stdio.h>
#include <string.h>

#include "tern/match.h"
#include "tern_test.h"

typedef struct bar {
    double avg_eer, max_eer, avg_fmr1000;
} bar;

/* Measured 2026-11-28 (third session), extractor of d0b7ed0 with the
 * orientation-field weight on the minutia score (FVC2002 images): average
 * EER 1.15 %, worst DB 2.13 % (DB2_B), average FMR1000 1.88 % (without the
 * field's weight 1.35 %, 2.20 %, 2.59 %). THE BAR IS MET: the average EER
 * and the worst database are asserted at the bar itself, FMR1000 at the
 * measured level plus a margin (the bar is 4 %). Under the sanitizers DB1_B
 * alone is evaluated (EER 0.35 %, FMR1000 0.71 %), with the same
 * assertions. */
static const bar images_ratchet = {0.015, 0.030, 0.025};
/* Measured 2026-11-28, same comparator (SecuGen templates): average EER
 * 1.78 %, worst DB 3.94 % (DB3_B), average FMR1000 5.18 %. */
static const bar secugen_ratchet = {0.020, 0.044, 0.057};
/* The bar, printed for the record. */
static const bar target = {0.015, 0.030, 0.040};

static void check(const char *dir, const bar *b, const char *what)
{
    tern_match_fvc_opts o = {TERN_MATCH_IMPOSTORS_ALL, 0, 0, NULL};
#ifdef TERN_SANITIZED
    o.only_db = "DB1_B";
#endif
    tern_match_fvc_result *r;
    tern_error err;
    cr_assert_eq(tern_match_fvc_run(dir, &o, &r, &err), TERN_OK, "%s", err.message);
    for (size_t i = 0; i < r->n_db; i++) {
        const tern_match_fvc_db *d = &r->db[i];
        cr_log_info("%s %s: EER %.2f%% FMR100 %.2f%% FMR1000 %.2f%% FTE %u/%u", what, d->name,
                    100 * d->rates.eer, 100 * d->rates.fmr100, 100 * d->rates.fmr1000, d->fte,
                    d->images);
        cr_assert_eq(d->rates.genuine, (size_t)(d->images / 8) * 28, "%s: genuine count", d->name);
    }
    cr_log_info("%s average: EER %.2f%% (bar %.1f%%), worst %.2f%% (bar %.1f%%), FMR1000 %.2f%% "
                "(bar %.1f%%)",
                what, 100 * r->avg.eer, 100 * target.avg_eer, 100 * r->max_eer, 100 * target.max_eer,
                100 * r->avg.fmr1000, 100 * target.avg_fmr1000);
    cr_expect_eq(r->fte, 0, "%s: %u failures to enroll", what, r->fte);
    cr_expect_leq(r->avg.eer, b->avg_eer, "%s: average EER %.2f%% above %.2f%%", what,
                  100 * r->avg.eer, 100 * b->avg_eer);
    cr_expect_leq(r->max_eer, b->max_eer, "%s: a database's EER %.2f%% above %.2f%%", what,
                  100 * r->max_eer, 100 * b->max_eer);
    cr_expect_leq(r->avg.fmr1000, b->avg_fmr1000, "%s: average FMR1000 %.2f%% above %.2f%%", what,
                  100 * r->avg.fmr1000, 100 * b->avg_fmr1000);
    tern_match_fvc_free(r);
}

Test(eval, fvc2002_images_extractor_and_comparator)
{
    TERN_REQUIRE_DATA(dir, "fvc2002");
    check(dir, &images_ratchet, "FVC2002 images");
}

Test(eval, fvc2002_secugen_templates_comparator_only)
{
    TERN_REQUIRE_DATA(dir, "templates/secugen-fvc2002");
    check(dir, &secugen_ratchet, "SecuGen templates");
}

Test(eval, fvc_rule_counts_first_impressions_only)
{
    TERN_REQUIRE_DATA(dir, "templates/secugen-fvc2002");
    tern_match_fvc_opts o = {TERN_MATCH_IMPOSTORS_FVC, 0, 0, "DB2_B"};
    tern_match_fvc_result *r;
    tern_error err;
    cr_assert_eq(tern_match_fvc_run(dir, &o, &r, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(r->n_db, 1);
    cr_assert_eq(r->db[0].n_genuine, 280);
    cr_assert_eq(r->db[0].n_impostor, 45);
    tern_match_fvc_free(r);
    o.impostors = TERN_MATCH_IMPOSTORS_ALL;
    o.max_fingers = 3;
    cr_assert_eq(tern_match_fvc_run(dir, &o, &r, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(r->db[0].n_genuine, 3 * 28);
    cr_assert_eq(r->db[0].n_impostor, 3 * 64);
    tern_match_fvc_free(r);
}

Test(eval, missing_folder_is_a_clear_error)
{
    tern_match_fvc_result *r;
    tern_error err;
    cr_assert_eq(tern_match_fvc_run("/nonexistent/fvc", NULL, &r, &err), TERN_E_IO);
    cr_assert(r == NULL);
    cr_assert(strstr(err.message, "/nonexistent/fvc") != NULL, "%s", err.message);
}
