/* test_nist_profile.c - application profiles: Tern's own transactions
 * validate when well made and every violation is reported with record and
 * field when not; the EBTS subset and the base rules on NIST's files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/nist_profile.h"
#include "tern_test.h"

/* A Tern enrollment (TENR) that follows the profile. */
static tern_nist *enrollment(void)
{
    tern_nist *t;
    tern_error err;
    size_t r2, r14;
    cr_assert_eq(tern_nist_create("0500", &t, &err), TERN_OK);
    static const char *t1[][2] = {{"4", "TENR"},       {"5", "20260101"}, {"7", "NODE-B"},
                                  {"8", "NODE-A"},     {"9", "TCN-1"},    {"11", "19.69"},
                                  {"12", "19.69"},     {"14", "20260101120000Z"}};
    for (size_t i = 0; i < sizeof t1 / sizeof t1[0]; i++)
        cr_assert_eq(tern_nist_set_text(t, 0, (uint32_t)atoi(t1[i][0]), t1[i][1], &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 2, &r2, &err), TERN_OK);
    static const char *t2[][2] = {{"10", "ENC-42"}, {"11", "BORDER"}, {"13", "20260101115900Z"},
                                  {"18", "DOE\x1fJOHN"}, {"30", "SUBJ-7"}};
    for (size_t i = 0; i < sizeof t2 / sizeof t2[0]; i++)
        cr_assert_eq(tern_nist_set_text(t, r2, (uint32_t)atoi(t2[i][0]), t2[i][1], &err),
                     TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 14, &r14, &err), TERN_OK);
    static const char *t14[][2] = {{"3", "0"},   {"4", "NODE-A"}, {"6", "8"},  {"7", "8"},
                                   {"8", "1"},   {"9", "500"},    {"10", "500"}, {"11", "NONE"},
                                   {"12", "8"},  {"13", "2"}};
    for (size_t i = 0; i < sizeof t14 / sizeof t14[0]; i++)
        cr_assert_eq(tern_nist_set_text(t, r14, (uint32_t)atoi(t14[i][0]), t14[i][1], &err),
                     TERN_OK);
    uint8_t pixels[64] = {0};
    cr_assert_eq(tern_nist_set_binary(t, r14, 999, pixels, sizeof pixels, &err), TERN_OK);
    return t;
}

static size_t violations(const tern_nist *t, const char *profile, char lines[][256], size_t max)
{
    tern_nist_violation *v;
    size_t n;
    tern_error err;
    const tern_nist_profile *p = profile ? tern_nist_profile_find(profile) : NULL;
    if (profile)
        cr_assert(p, "no profile %s", profile);
    cr_assert_eq(tern_nist_validate(t, p, &v, &n, &err), TERN_OK);
    for (size_t i = 0; i < n && i < max; i++)
        tern_nist_violation_format(t, &v[i], lines[i], 256);
    free(v);
    return n;
}

Test(nist_profile, a_good_enrollment_has_no_violation)
{
    tern_nist *t = enrollment();
    char lines[8][256];
    size_t n = violations(t, NULL, lines, 8); /* chosen by TOT */
    cr_assert_eq(n, 0, "%s", n ? lines[0] : "");
    tern_nist_free(t);
}

static bool has_line(char lines[][256], size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(lines[i], want))
            return true;
    return false;
}

Test(nist_profile, every_violation_is_reported_with_record_and_field)
{
    tern_nist *t = enrollment();
    tern_error err;
    size_t r17;
    tern_nist_remove_field(t, 1, 30);                                   /* SID missing */
    cr_assert_eq(tern_nist_set_text(t, 1, 11, "HOLIDAY", &err), TERN_OK); /* PUR value */
    cr_assert_eq(tern_nist_set_text(t, 1, 99, "x", &err), TERN_OK);       /* not allowed */
    cr_assert_eq(tern_nist_set_text(t, 1, 22, "19991399", &err), TERN_OK); /* bad date */
    cr_assert_eq(tern_nist_add_record(t, 17, &r17, &err), TERN_OK);      /* record type */
    char lines[32][256];
    size_t n = violations(t, "tern-enrollment", lines, 32);
    for (size_t i = 0; i < n; i++)
        cr_log_info("%s", lines[i]);
    cr_assert(has_line(lines, n, "record 2 (Type-2, IDC 0), field 2.030: SID: mandatory field "
                                 "missing"));
    cr_assert(has_line(lines, n, "field 2.011: PUR: subfield 1: \"HOLIDAY\" is not one of"));
    cr_assert(has_line(lines, n, "field 2.099: field not allowed by the profile"));
    cr_assert(has_line(lines, n, "field 2.022: DOB: subfield 1 item 1: \"19991399\" is not a "
                                 "date"));
    cr_assert(has_line(lines, n, "record 4 (Type-17, IDC 2): tern-enrollment: Type-17 records "
                                 "are not allowed"));
    /* Base rules too: the new Type-17 lacks its mandatory fields. */
    cr_assert(has_line(lines, n, "record 4 (Type-17, IDC 2), field 17.999: DATA: mandatory"));
    tern_nist_free(t);
}

Test(nist_profile, registry)
{
    size_t n = tern_nist_profile_count();
    cr_assert_geq(n, 11);
    for (size_t i = 0; i < n; i++) {
        const tern_nist_profile *p = tern_nist_profile_at(i);
        cr_assert_eq(tern_nist_profile_find(p->name), p);
        if (p->tot)
            cr_assert_eq(tern_nist_profile_for_tot(p->tot), p, "%s", p->name);
    }
    cr_assert_null(tern_nist_profile_at(n));
    cr_assert_str_eq(tern_nist_profile_for_tot("CAR")->name, "ebts-car");
    cr_assert_str_eq(tern_nist_profile_for_tot("TWLN")->name, "tern-notification");
}

static tern_nist *load(const char *rel)
{
    char path[1024];
    if (!tern_test_data_path(rel, path, sizeof path))
        return NULL;
    size_t len;
    uint8_t *data = tern_test_read(path, &len);
    tern_nist *t;
    tern_error err;
    cr_assert_eq(tern_nist_parse(data, len, &t, &err), TERN_OK, "%s", err.message);
    free(data);
    return t;
}

Test(nist_profile, nist_reference_files)
{
    tern_nist *tp = load("an2k/nist-reference/type-4-tpcard.an2");
    tern_nist *car = load("an2k/nbis/valid1.1.an2");
    tern_nist *sex = load("an2k/nbis/valid1.3.an2");
    if (!tp || !car || !sex)
        cr_skip_test("reference transactions not found in ../shared/data");
    char lines[16][256];
    size_t n = violations(tp, "ansi-nist", lines, 16);
    cr_assert_eq(n, 0, "%s", n ? lines[0] : "");
    /* NBIS's CAR lacks what EBTS requires of a CAR. */
    n = violations(car, NULL, lines, 16);
    cr_assert_eq(n, 3);
    cr_assert(has_line(lines, n, "record 1 (Type-1), field 1.006: PRY: mandatory field missing"));
    cr_assert(has_line(lines, n, "record 2 (Type-2, IDC 0), field 2.037: RFP: mandatory"));
    cr_assert(has_line(lines, n, "record 2 (Type-2, IDC 0), field 2.038: DPR: mandatory"));
    n = violations(sex, NULL, lines, 16);
    cr_assert(has_line(lines, n, "field 2.024: SEX: subfield 1: \"G\" is not one of M|F|X|U"));
    tern_nist_free(tp);
    tern_nist_free(car);
    tern_nist_free(sex);
}

/* Conditional rules, one transaction breaking each kind: mandatory when a
 * field has a value, not allowed when it has one, not allowed when it has
 * none of some values, mandatory when a field is present. */
static tern_nist *response(const char *res, bool with_can)
{
    tern_nist *t;
    tern_error err;
    size_t r2;
    cr_assert_eq(tern_nist_create("0500", &t, &err), TERN_OK);
    static const char *t1[][2] = {{"4", "TSRR"}, {"5", "20260101"}, {"7", "NODE-A"},
                                  {"8", "NODE-B"}, {"9", "TCN-2"},  {"10", "TCN-1"},
                                  {"11", "19.69"}, {"12", "19.69"}};
    for (size_t i = 0; i < sizeof t1 / sizeof t1[0]; i++)
        cr_assert_eq(tern_nist_set_text(t, 0, (uint32_t)atoi(t1[i][0]), t1[i][1], &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 2, &r2, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r2, 10, "ENC-42", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r2, 40, res, &err), TERN_OK);
    if (with_can)
        cr_assert_eq(tern_nist_set_text(t, r2, 41, "SUBJ-7\x1f" "0.93\x1f" "2", &err), TERN_OK);
    return t;
}

Test(nist_profile_conditional, a_hit_needs_candidates_and_a_no_hit_has_none)
{
    char lines[8][256];
    tern_nist *good_hit = response("HIT", true), *good_none = response("NOHIT", false);
    size_t n = violations(good_hit, NULL, lines, 8);
    cr_assert_eq(n, 0, "%s", n ? lines[0] : "");
    n = violations(good_none, NULL, lines, 8);
    cr_assert_eq(n, 0, "%s", n ? lines[0] : "");
    tern_nist *hit = response("HIT", false), *none = response("NOHIT", true);
    n = violations(hit, NULL, lines, 8);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(lines[0], "record 2 (Type-2, IDC 0), field 2.041: CAN: mandatory when "
                               "2.040 is HIT (tern-response, Tern TSRR)");
    n = violations(none, NULL, lines, 8);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(lines[0], "record 2 (Type-2, IDC 0), field 2.041: CAN: not allowed when "
                               "2.040 is NOHIT (tern-response, Tern TSRR)");
    tern_nist_free(good_hit);
    tern_nist_free(good_none);
    tern_nist_free(hit);
    tern_nist_free(none);
}

Test(nist_profile_conditional, ebts_srt_candidates_follow_srf)
{
    tern_nist *t = response("HIT", false);
    tern_error err;
    cr_assert_eq(tern_nist_set_text(t, 0, 4, "SRT", &err), TERN_OK);
    tern_nist_remove_field(t, 1, 40);
    cr_assert_eq(tern_nist_set_text(t, 1, 59, "I", &err), TERN_OK);
    char lines[8][256];
    size_t n = violations(t, NULL, lines, 8); /* ebts-srt, by TOT */
    cr_assert(has_line(lines, n, "record 2 (Type-2, IDC 0), field 2.064: CAN: mandatory when "
                                 "2.059 is I (ebts-srt, EBTS SRT)"));
    cr_assert_eq(tern_nist_set_text(t, 1, 59, "N", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, 1, 64, "1234567", &err), TERN_OK);
    n = violations(t, NULL, lines, 8);
    cr_assert(has_line(lines, n, "field 2.064: CAN: not allowed when 2.059 is N"));
    tern_nist_free(t);
}

Test(nist_profile_conditional, base_rules_image_fields_smt_and_spectrum)
{
    tern_nist *t = enrollment();
    tern_error err;
    size_t r10, r17;
    /* An image without HLL; a face with an SMT code; DEFINED spectrum
     * without SSV. */
    tern_nist_remove_field(t, 2, 6);
    cr_assert_eq(tern_nist_add_record(t, 10, &r10, &err), TERN_OK);
    static const char *t10[][2] = {{"3", "FACE"}, {"4", "NODE-A"}, {"5", "20260101"},
                                   {"40", "TAT L ARM"}};
    for (size_t i = 0; i < sizeof t10 / sizeof t10[0]; i++)
        cr_assert_eq(tern_nist_set_text(t, r10, (uint32_t)atoi(t10[i][0]), t10[i][1], &err),
                     TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 17, &r17, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r17, 25, "DEFINED", &err), TERN_OK);
    char lines[32][256];
    size_t n = violations(t, "ansi-nist", lines, 32);
    for (size_t i = 0; i < n; i++)
        cr_log_info("%s", lines[i]);
    cr_assert(has_line(lines, n, "record 3 (Type-14, IDC 1), field 14.006: HLL: mandatory when "
                                 "14.999 is present (ansi-nist, ANSI/NIST-ITL 1-2011 clause 8.14"));
    cr_assert(has_line(lines, n, "record 4 (Type-10, IDC 2), field 10.040: SMT: not allowed when "
                                 "10.003 is not SCAR|MARK|TATTOO (ansi-nist, ANSI/NIST-ITL 1-2011 "
                                 "clause 8.10.36)"));
    cr_assert(has_line(lines, n, "record 5 (Type-17, IDC 3), field 17.027: SSV: mandatory when "
                                 "17.025 is DEFINED"));
    /* The Type-10 has no image: its HLL is not asked for. */
    cr_assert(!has_line(lines, n, "field 10.006"));
    /* A tattoo may have its SMT code. */
    cr_assert_eq(tern_nist_set_text(t, r10, 3, "TATTOO", &err), TERN_OK);
    n = violations(t, "ansi-nist", lines, 32);
    cr_assert(!has_line(lines, n, "field 10.040"));
    tern_nist_free(t);
}
