/* nist_profiles_base.c - the base rules of ANSI/NIST-ITL 1-2011 (NIST SP
 * 500-290, clause 8: Type-1 Table 5 fields, and the mandatory fields of the
 * image and minutiae records Tern reads), checked for every transaction;
 * and the list of shipped profiles. Only fields every version since
 * ANSI/NIST-ITL 1-2000 makes mandatory are mandatory here, so that older
 * transactions are not faulted for what their version did not require. */
#include "nist/nist_profiles.h"

/* HLL..CGA (and BPX) are "D" fields: mandatory if an image is present in
 * x.999 (e.g. 1-2011 8.17.6-8.17.12), see IMAGE_CONDS. */
#define IMAGE_RULES(t)                                                                       \
    {t, 6, "HLL", NP_O, TERN_NIST_N, 1, 5, 1, NULL},                                         \
    {t, 7, "VLL", NP_O, TERN_NIST_N, 1, 5, 1, NULL},                                         \
    {t, 8, "SLC", NP_O, TERN_NIST_N, 1, 1, 1, "0|1|2"},                                      \
    {t, 9, "THPS", NP_O, TERN_NIST_N, 1, 5, 1, NULL},                                        \
    {t, 10, "TVPS", NP_O, TERN_NIST_N, 1, 5, 1, NULL},                                       \
    {t, 11, "CGA", NP_O, TERN_NIST_AN, 1, 5, 1, NULL},                                       \
    {t, 999, "DATA", NP_M, TERN_NIST_BINARY, 0, 0, 0, NULL}

#define WITH_IMAGE(t, f, mn)                                                                 \
    {t, 999, TERN_NIST_WHEN_PRESENT, NULL, false, f, mn,                                     \
     "ANSI/NIST-ITL 1-2011 clause 8." #t ": mandatory if an image is present in " #t ".999"}
#define IMAGE_CONDS(t)                                                                       \
    WITH_IMAGE(t, 6, "HLL"), WITH_IMAGE(t, 7, "VLL"), WITH_IMAGE(t, 8, "SLC"),              \
    WITH_IMAGE(t, 9, "THPS"), WITH_IMAGE(t, 10, "TVPS"), WITH_IMAGE(t, 11, "CGA")

#define BINARY_IMAGE_RULES(t)                                                                \
    {t, 3, "IMP", NP_M, TERN_NIST_N, 1, 3, 1, NULL},                                         \
    {t, 5, "ISR", NP_M, TERN_NIST_N, 1, 1, 1, "0|1"},                                        \
    {t, 6, "HLL", NP_M, TERN_NIST_N, 1, 5, 1, NULL},                                         \
    {t, 7, "VLL", NP_M, TERN_NIST_N, 1, 5, 1, NULL},                                         \
    {t, 9, "DATA", NP_M, TERN_NIST_BINARY, 0, 0, 0, NULL}

static const tern_nist_field_rule base_fields[] = {
    {1, 2, "VER", NP_M, TERN_NIST_N, 4, 4, 1, NULL},
    {1, 3, "CNT", NP_M, TERN_NIST_N, 1, 2, 0, NULL},
    {1, 4, "TOT", NP_M, TERN_NIST_AN, 1, 16, 1, NULL},
    {1, 5, "DAT", NP_M, TERN_NIST_DATE, 8, 8, 1, NULL},
    {1, 6, "PRY", NP_O, TERN_NIST_N, 1, 1, 1, "1|2|3|4|5|6|7|8|9"},
    {1, 7, "DAI", NP_M, TERN_NIST_ANY, 1, 0, 1, NULL},
    {1, 8, "ORI", NP_M, TERN_NIST_ANY, 1, 0, 1, NULL},
    {1, 9, "TCN", NP_M, TERN_NIST_ANY, 1, 0, 1, NULL},
    {1, 10, "TCR", NP_O, TERN_NIST_ANY, 1, 0, 1, NULL},
    {1, 11, "NSR", NP_M, TERN_NIST_NS, 4, 5, 1, NULL},
    {1, 12, "NTR", NP_M, TERN_NIST_NS, 4, 5, 1, NULL},
    {1, 14, "GMT", NP_O, TERN_NIST_GMT, 15, 15, 1, NULL},
    {2, 2, "IDC", NP_M, TERN_NIST_N, 1, 2, 1, NULL},
    BINARY_IMAGE_RULES(3),
    BINARY_IMAGE_RULES(4),
    BINARY_IMAGE_RULES(5),
    BINARY_IMAGE_RULES(6),
    {8, 3, "SIG", NP_M, TERN_NIST_N, 1, 1, 1, "0|1"},
    {8, 4, "SRT", NP_M, TERN_NIST_N, 1, 1, 1, "0|1|2"},
    {9, 3, "IMP", NP_M, TERN_NIST_N, 1, 2, 1, NULL},
    {9, 4, "FMT", NP_M, TERN_NIST_A, 1, 1, 1, "S|U"},
    {10, 3, "IMT", NP_M, TERN_NIST_A, 1, 6, 1, "FACE|SCAR|MARK|TATTOO"},
    IMAGE_RULES(10),
    {13, 3, "IMP", NP_M, TERN_NIST_N, 1, 2, 1, NULL},
    {13, 13, "FGP", NP_M, TERN_NIST_N, 1, 2, 0, NULL},
    IMAGE_RULES(13),
    {14, 3, "IMP", NP_M, TERN_NIST_N, 1, 2, 1, NULL},
    {14, 13, "FGP", NP_M, TERN_NIST_N, 1, 2, 0, NULL},
    IMAGE_RULES(14),
    {15, 3, "IMP", NP_M, TERN_NIST_N, 1, 2, 1, NULL},
    {15, 13, "PLP", NP_M, TERN_NIST_N, 1, 2, 0, NULL},
    IMAGE_RULES(15),
    IMAGE_RULES(16),
    {17, 3, "FID", NP_M, TERN_NIST_N, 1, 1, 1, "0|1|2"},
    IMAGE_RULES(17),
};

static const tern_nist_cond_rule base_conds[] = {
    IMAGE_CONDS(10),
    IMAGE_CONDS(13), WITH_IMAGE(13, 12, "BPX"),
    IMAGE_CONDS(14), WITH_IMAGE(14, 12, "BPX"),
    IMAGE_CONDS(15), WITH_IMAGE(15, 12, "BPX"),
    IMAGE_CONDS(16), WITH_IMAGE(16, 12, "BPX"),
    IMAGE_CONDS(17), WITH_IMAGE(17, 12, "BPX"),
    /* 8.10.36: SMT "shall be used only when 10.003 IMT = SCAR, MARK or TATTOO". */
    {10, 3, TERN_NIST_WHEN_NOT_VALUE, "SCAR|MARK|TATTOO", true, 40, "SMT",
     "ANSI/NIST-ITL 1-2011 clause 8.10.36"},
    /* 8.17.24: with EAS = DEFINED, 17.027 SSV "shall accompany it". */
    {17, 25, TERN_NIST_WHEN_PRESENT, "DEFINED", false, 27, "SSV",
     "ANSI/NIST-ITL 1-2011 clause 8.17.24"},
};

const tern_nist_profile nist_profile_base = {
    "ansi-nist", NULL, "ANSI/NIST-ITL 1-2011 base rules, checked for every transaction",
    NULL, 0, base_fields, sizeof base_fields / sizeof base_fields[0], false,
    base_conds, sizeof base_conds / sizeof base_conds[0],
};

const tern_nist_profile *const nist_profile_list[] = {
    &nist_profile_base,
    &nist_profile_tern_enrollment,
    &nist_profile_tern_search,
    &nist_profile_tern_response,
    &nist_profile_tern_notification,
    &nist_profile_tern_error,
    &nist_profile_ebts_car,
    &nist_profile_ebts_tpis,
    &nist_profile_ebts_srt,
    &nist_profile_ebts_sre,
    &nist_profile_ebts_errt,
    NULL,
};
