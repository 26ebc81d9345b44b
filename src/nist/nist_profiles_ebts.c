/* nist_profiles_ebts.c - a faithful subset of the FBI's Electronic
 * Biometric Transmission Specification (EBTS), the best-known application
 * profile of ANSI/NIST-ITL: CAR (criminal ten-print submission, answer
 * required), TPIS (ten-print fingerprint image search), and the responses
 * SRT (search result, ten-print), SRE (submission results, electronic) and
 * ERRT (ten-print transaction error). Only the records and the Type-2
 * fields EBTS makes mandatory for these transactions that Tern is sure of
 * are listed, with their EBTS mnemonics and formats; the profiles are open
 * (other fields are allowed), as a subset must be. */
#include "nist/nist_profiles.h"

#define EBTS_T1                                                                             \
    {1, 6, "PRY", NP_M, TERN_NIST_N, 1, 1, 1, "1|2|3|4|5|6|7|8|9"},                         \
    {1, 11, "NSR", NP_M, TERN_NIST_NS, 5, 5, 1, NULL},                                      \
    {1, 12, "NTR", NP_M, TERN_NIST_NS, 5, 5, 1, NULL}

static const tern_nist_record_rule car_records[] = {
    {1, 1, 1}, {2, 1, 1}, {4, 0, 14}, {7, 0, 1}, {8, 0, 2}, {9, 0, 10}, {10, 0, 10},
    {13, 0, 1}, {14, 0, 14}, {15, 0, 8}, {17, 0, 2},
};
static const tern_nist_field_rule car_fields[] = {
    EBTS_T1,
    {2, 5, "RET", NP_M, TERN_NIST_A, 1, 1, 1, "Y|N"},
    {2, 18, "NAM", NP_M, TERN_NIST_ANS, 3, 50, 1, NULL},
    {2, 20, "POB", NP_M, TERN_NIST_AN, 2, 2, 1, NULL},
    {2, 22, "DOB", NP_M, TERN_NIST_DATE, 8, 8, 0, NULL},
    {2, 24, "SEX", NP_M, TERN_NIST_A, 1, 1, 1, "M|F|X|U"},
    {2, 25, "RAC", NP_M, TERN_NIST_A, 1, 1, 1, "A|B|I|U|W"},
    {2, 27, "HGT", NP_M, TERN_NIST_N, 3, 3, 1, NULL},
    {2, 29, "WGT", NP_M, TERN_NIST_N, 3, 3, 1, NULL},
    {2, 31, "EYE", NP_M, TERN_NIST_A, 3, 3, 1, NULL},
    {2, 32, "HAI", NP_M, TERN_NIST_A, 3, 3, 1, NULL},
    {2, 37, "RFP", NP_M, TERN_NIST_ANS, 1, 75, 1, NULL},
    {2, 38, "DPR", NP_M, TERN_NIST_DATE, 8, 8, 1, NULL},
};
const tern_nist_profile nist_profile_ebts_car = {
    "ebts-car", "CAR", "FBI EBTS CAR: criminal ten-print submission (answer required), subset",
    car_records, sizeof car_records / sizeof car_records[0],
    car_fields, sizeof car_fields / sizeof car_fields[0], false, NULL, 0,
};

static const tern_nist_record_rule tpis_records[] = {
    {1, 1, 1}, {2, 1, 1}, {4, 0, 14}, {9, 0, 10}, {14, 0, 14},
};
static const tern_nist_field_rule tpis_fields[] = {
    EBTS_T1,
    {2, 22, "DOB", NP_O, TERN_NIST_DATE, 8, 8, 0, NULL},
    {2, 24, "SEX", NP_O, TERN_NIST_A, 1, 1, 1, "M|F|X|U"},
    {2, 45, "DOA", NP_O, TERN_NIST_DATE, 8, 8, 1, NULL},
};
const tern_nist_profile nist_profile_ebts_tpis = {
    "ebts-tpis", "TPIS", "FBI EBTS TPIS: ten-print fingerprint image search, subset",
    tpis_records, sizeof tpis_records / sizeof tpis_records[0],
    tpis_fields, sizeof tpis_fields / sizeof tpis_fields[0], false, NULL, 0,
};

static const tern_nist_record_rule srt_records[] = {{1, 1, 1}, {2, 1, 1}, {4, 0, 140},
                                                   {14, 0, 140}};
static const tern_nist_field_rule srt_fields[] = {
    {1, 10, "TCR", NP_M, TERN_NIST_ANY, 1, 40, 1, NULL},
    {2, 59, "SRF", NP_M, TERN_NIST_A, 1, 1, 1, "I|N"},
    {2, 64, "CAN", NP_O, TERN_NIST_ANS, 1, 40, 99, NULL},
};
/* SRF I (identification) comes with the candidate list, N (no
 * identification) without. Tern's reading of EBTS's SRT layout: the
 * EBTS text was not at hand to check the condition's wording. */
static const tern_nist_cond_rule srt_conds[] = {
    {2, 59, TERN_NIST_WHEN_PRESENT, "I", false, 64, "CAN", "EBTS SRT"},
    {2, 59, TERN_NIST_WHEN_PRESENT, "N", true, 64, "CAN", "EBTS SRT"},
};
const tern_nist_profile nist_profile_ebts_srt = {
    "ebts-srt", "SRT", "FBI EBTS SRT: search result, ten-print (the response to TPIS), subset",
    srt_records, sizeof srt_records / sizeof srt_records[0],
    srt_fields, sizeof srt_fields / sizeof srt_fields[0], false,
    srt_conds, sizeof srt_conds / sizeof srt_conds[0],
};

static const tern_nist_record_rule sre_records[] = {{1, 1, 1}, {2, 1, 1}};
static const tern_nist_field_rule sre_fields[] = {
    {1, 10, "TCR", NP_M, TERN_NIST_ANY, 1, 40, 1, NULL},
    {2, 18, "NAM", NP_O, TERN_NIST_ANS, 3, 50, 1, NULL},
    {2, 59, "SRF", NP_M, TERN_NIST_A, 1, 1, 1, "I|N"},
};
const tern_nist_profile nist_profile_ebts_sre = {
    "ebts-sre", "SRE", "FBI EBTS SRE: submission results, electronic (the response to CAR), "
    "subset",
    sre_records, sizeof sre_records / sizeof sre_records[0],
    sre_fields, sizeof sre_fields / sizeof sre_fields[0], false, NULL, 0,
};

static const tern_nist_record_rule errt_records[] = {{1, 1, 1}, {2, 1, 1}};
static const tern_nist_field_rule errt_fields[] = {
    {1, 10, "TCR", NP_M, TERN_NIST_ANY, 1, 40, 1, NULL},
    {2, 60, "MSG", NP_M, TERN_NIST_ANY, 1, 300, 11, NULL},
};
const tern_nist_profile nist_profile_ebts_errt = {
    "ebts-errt", "ERRT", "FBI EBTS ERRT: ten-print transaction error, subset",
    errt_records, sizeof errt_records / sizeof errt_records[0],
    errt_fields, sizeof errt_fields / sizeof errt_fields[0], false, NULL, 0,
};
