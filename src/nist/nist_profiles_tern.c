/* nist_profiles_tern.c - Tern's own transactions, an application profile of
 * ANSI/NIST-ITL 1-2011 defined in docs/nist.md ("Tern's transactions"):
 * TENR enrollment, TSRC encounter search, TSRR search response, TWLN
 * watchlist notification, TERR error. Type-2 fields follow EBTS where EBTS
 * has one (2.018 NAM, 2.022 DOB, 2.024 SEX); the others are Tern's, in
 * numbers EBTS leaves unused for these transactions. */
#include "nist/nist_profiles.h"

#define T2_ENCOUNTER                                                                         \
    {2, 10, "ENC", NP_M, TERN_NIST_ANS, 1, 64, 1, NULL},                                     \
    {2, 11, "PUR", NP_M, TERN_NIST_A, 3, 10, 1, "BORDER|ARREST|VISA|ENROLL|OTHER"},          \
    {2, 12, "LOC", NP_O, TERN_NIST_ANY, 1, 128, 1, NULL},                                    \
    {2, 13, "CTM", NP_M, TERN_NIST_GMT, 15, 15, 1, NULL}

#define T2_PERSON                                                                            \
    {2, 18, "NAM", NP_O, TERN_NIST_ANY, 1, 60, 0, NULL},                                     \
    {2, 22, "DOB", NP_O, TERN_NIST_DATE, 8, 8, 0, NULL},                                     \
    {2, 24, "SEX", NP_O, TERN_NIST_A, 1, 1, 1, "M|F|X|U"}

static const tern_nist_record_rule enrol_records[] = {
    {1, 1, 1}, {2, 1, 1}, {9, 0, 20}, {10, 0, 4}, {14, 1, 20},
};
static const tern_nist_field_rule enrol_fields[] = {
    T2_ENCOUNTER,
    T2_PERSON,
    {2, 30, "SID", NP_M, TERN_NIST_ANS, 1, 64, 1, NULL},
    {14, 11, "CGA", NP_M, TERN_NIST_AN, 3, 5, 1, "WSQ20|JP2|JP2L|PNG|NONE"},
};
const tern_nist_profile nist_profile_tern_enrollment = {
    "tern-enrollment", "TENR", "Tern enrollment: a subject's fingerprints (and face) to store",
    enrol_records, sizeof enrol_records / sizeof enrol_records[0],
    enrol_fields, sizeof enrol_fields / sizeof enrol_fields[0], true, NULL, 0,
};

static const tern_nist_record_rule search_records[] = {
    {1, 1, 1}, {2, 1, 1}, {9, 0, 20}, {10, 0, 4}, {14, 0, 20},
};
static const tern_nist_field_rule search_fields[] = {
    T2_ENCOUNTER,
    T2_PERSON,
    {2, 31, "GAL", NP_O, TERN_NIST_AN, 1, 32, 0, NULL},
    {14, 11, "CGA", NP_M, TERN_NIST_AN, 3, 5, 1, "WSQ20|JP2|JP2L|PNG|NONE"},
};
const tern_nist_profile nist_profile_tern_search = {
    "tern-search", "TSRC", "Tern encounter search: identify a person 1:N (images or templates)",
    search_records, sizeof search_records / sizeof search_records[0],
    search_fields, sizeof search_fields / sizeof search_fields[0], true, NULL, 0,
};

static const tern_nist_record_rule response_records[] = {{1, 1, 1}, {2, 1, 1}};
static const tern_nist_field_rule response_fields[] = {
    {1, 10, "TCR", NP_M, TERN_NIST_ANY, 1, 64, 1, NULL},
    {2, 10, "ENC", NP_M, TERN_NIST_ANS, 1, 64, 1, NULL},
    {2, 40, "RES", NP_M, TERN_NIST_A, 3, 5, 1, "HIT|NOHIT"},
    {2, 41, "CAN", NP_O, TERN_NIST_ANS, 1, 64, 20, NULL},
};
/* A hit names its candidates; a no-hit has none. */
static const tern_nist_cond_rule response_conds[] = {
    {2, 40, TERN_NIST_WHEN_PRESENT, "HIT", false, 41, "CAN", "Tern TSRR"},
    {2, 40, TERN_NIST_WHEN_PRESENT, "NOHIT", true, 41, "CAN", "Tern TSRR"},
};
const tern_nist_profile nist_profile_tern_response = {
    "tern-response", "TSRR", "Tern search response: hit or no hit, with candidates",
    response_records, sizeof response_records / sizeof response_records[0],
    response_fields, sizeof response_fields / sizeof response_fields[0], true,
    response_conds, sizeof response_conds / sizeof response_conds[0],
};

static const tern_nist_record_rule notify_records[] = {{1, 1, 1}, {2, 1, 1}, {10, 0, 1},
                                                      {14, 0, 10}};
static const tern_nist_field_rule notify_fields[] = {
    {2, 10, "ENC", NP_M, TERN_NIST_ANS, 1, 64, 1, NULL},
    {2, 12, "LOC", NP_O, TERN_NIST_ANY, 1, 128, 1, NULL},
    {2, 13, "CTM", NP_M, TERN_NIST_GMT, 15, 15, 1, NULL},
    {2, 50, "WLE", NP_M, TERN_NIST_ANS, 1, 64, 1, NULL},
    {2, 51, "CAT", NP_M, TERN_NIST_ANS, 1, 32, 1, NULL},
    {2, 52, "HND", NP_M, TERN_NIST_ANY, 1, 500, 1, NULL},
    {2, 53, "NAG", NP_M, TERN_NIST_ANS, 1, 64, 1, NULL},
    {2, 54, "VST", NP_M, TERN_NIST_A, 7, 12, 1, "PENDING|CONFIRMED|REJECTED|INCONCLUSIVE"},
    {14, 11, "CGA", NP_M, TERN_NIST_AN, 3, 5, 1, "WSQ20|JP2|JP2L|PNG|NONE"},
};
const tern_nist_profile nist_profile_tern_notification = {
    "tern-notification", "TWLN",
    "Tern watchlist notification: an alert to the nominating agency (pending verification "
    "until an examiner confirms it)",
    notify_records, sizeof notify_records / sizeof notify_records[0],
    notify_fields, sizeof notify_fields / sizeof notify_fields[0], true, NULL, 0,
};

static const tern_nist_record_rule error_records[] = {{1, 1, 1}, {2, 1, 1}};
static const tern_nist_field_rule error_fields[] = {
    {1, 10, "TCR", NP_M, TERN_NIST_ANY, 1, 64, 1, NULL},
    {2, 60, "ERC", NP_M, TERN_NIST_AN, 1, 32, 1, NULL},
    {2, 61, "ERM", NP_M, TERN_NIST_ANY, 1, 300, 0, NULL},
};
const tern_nist_profile nist_profile_tern_error = {
    "tern-error", "TERR", "Tern error: why a transaction was refused",
    error_records, sizeof error_records / sizeof error_records[0],
    error_fields, sizeof error_fields / sizeof error_fields[0], true, NULL, 0,
};
