/* tern/nist_profile.h - application profiles of ANSI/NIST-ITL and
 * validation against them.
 *
 * A profile (the FBI's EBTS, or Tern's own transactions) says, per type of
 * transaction (1.004 TOT), which records must and may appear, how many, and
 * which fields each record must and may hold, with their format: character
 * class, item length, number of subfields, allowed values. Profiles are
 * data: static const tables in src/nist/nist_profiles_*.c (see
 * docs/nist.md for why tables and not files). Every profile is checked on
 * top of the base rules of ANSI/NIST-ITL 1-2011 (profile "ansi-nist").
 *
 * Thread safety: profiles are immutable; validation is reentrant.
 */
#ifndef TERN_NIST_PROFILE_H
#define TERN_NIST_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/nist.h"
#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Character classes of a field's items. */
typedef enum tern_nist_chars {
    TERN_NIST_ANY = 0,   /* any text (no separators) */
    TERN_NIST_N,         /* digits */
    TERN_NIST_NS,        /* digits and a decimal point, e.g. "19.69" */
    TERN_NIST_A,         /* letters and space */
    TERN_NIST_AN,        /* letters, digits and space */
    TERN_NIST_ANS,       /* printable ASCII */
    TERN_NIST_DATE,      /* YYYYMMDD, a real date */
    TERN_NIST_GMT,       /* YYYYMMDDhhmmssZ */
    TERN_NIST_BINARY,    /* binary data (images) */
} tern_nist_chars;

typedef struct tern_nist_field_rule {
    uint32_t type;          /* record type */
    uint32_t field;         /* field number */
    const char *mnemonic;   /* e.g. "NAM" */
    bool mandatory;
    tern_nist_chars chars;  /* of every item checked */
    uint16_t min_len;       /* of the first item of each subfield; 0 = no bound */
    uint16_t max_len;
    uint16_t max_subfields; /* 0 = no bound */
    const char *values;     /* allowed values of the first item, "|"-separated, or NULL */
} tern_nist_field_rule;

/* When a conditional rule applies, judged on the record's field if_field
 * (its first item of the first subfield). */
typedef enum tern_nist_when {
    TERN_NIST_WHEN_PRESENT = 0, /* if_field is present (and, if values is set, is one of them) */
    TERN_NIST_WHEN_NOT_VALUE,   /* if_field is absent or is none of values */
} tern_nist_when;

/* A conditional rule: a field mandatory (or forbidden) in a record when
 * another field of that record has, or lacks, a value, e.g. EBTS's "CAN is
 * present when SRF is I" or ANSI/NIST-ITL's "HLL is mandatory if an image
 * is present in x.999". Data, like the other rules. */
typedef struct tern_nist_cond_rule {
    uint32_t type;            /* record type */
    uint32_t if_field;
    tern_nist_when when;
    const char *values;       /* "|"-separated, or NULL */
    bool forbids;             /* false: then_field is mandatory; true: it must be absent */
    uint32_t then_field;
    const char *mnemonic;     /* then_field's, e.g. "CAN" */
    const char *source;       /* the clause the rule comes from, shown in violations */
} tern_nist_cond_rule;

typedef struct tern_nist_record_rule {
    uint32_t type;
    uint16_t min;           /* records of this type required */
    uint16_t max;           /* allowed; 0 = not allowed */
} tern_nist_record_rule;

typedef struct tern_nist_profile {
    const char *name;        /* e.g. "ebts-car", "tern-enrollment" */
    const char *tot;         /* the 1.004 value it applies to; NULL for the base */
    const char *description;
    const tern_nist_record_rule *records; /* NULL: any record types */
    size_t n_records;
    const tern_nist_field_rule *fields;
    size_t n_fields;
    bool closed;             /* Type-2 fields the profile does not list are violations */
    const tern_nist_cond_rule *conds; /* conditional rules, or NULL */
    size_t n_conds;
} tern_nist_profile;

/* The profiles shipped, in a fixed order; i >= count gives NULL. */
size_t tern_nist_profile_count(void);
const tern_nist_profile *tern_nist_profile_at(size_t i);
/* The profile named `name`, or NULL. */
const tern_nist_profile *tern_nist_profile_find(const char *name);
/* The profile for a type of transaction (1.004), or NULL. */
const tern_nist_profile *tern_nist_profile_for_tot(const char *tot);

/* One violation: where and what. record is the 0-based index in
 * t->records (SIZE_MAX for the transaction as a whole); field 0 for the
 * record as a whole. */
typedef struct tern_nist_violation {
    size_t record;
    uint32_t type;
    uint32_t field;
    char message[192];
} tern_nist_violation;

/* Checks t against the base rules and against `profile` (NULL: the profile
 * for t's 1.004 TOT if one is shipped, else the base rules only). Every
 * violation is reported, in record order, into a malloc'd array (free()
 * it); none is TERN_OK with *n == 0. At most TERN_NIST_MAX_VIOLATIONS are
 * kept. Fails only for lack of memory. */
#define TERN_NIST_MAX_VIOLATIONS 10000u
tern_status tern_nist_validate(const tern_nist *t, const tern_nist_profile *profile,
                               tern_nist_violation **out, size_t *n, tern_error *err);

/* Formats a violation as one line: "record 2 (Type-2, IDC 0), field
 * 2.018 NAM: mandatory field missing". A conditional rule's violation says
 * why: "field 2.041: CAN: mandatory when 2.040 is HIT (tern-response)". */
void tern_nist_violation_format(const tern_nist *t, const tern_nist_violation *v, char *buf,
                                size_t size);

#ifdef __cplusplus
}
#endif
#endif
