/* nist_profiles.h - the application profiles shipped with Tern (static
 * const tables in nist_profiles_*.c) and the list of them. */
#ifndef TERN_NIST_PROFILES_H
#define TERN_NIST_PROFILES_H

#include "tern/nist_profile.h"

/* Shorthands for the tables: M mandatory, O optional. */
#define NP_M true
#define NP_O false

extern const tern_nist_profile nist_profile_base;
extern const tern_nist_profile nist_profile_tern_enrollment;
extern const tern_nist_profile nist_profile_tern_search;
extern const tern_nist_profile nist_profile_tern_response;
extern const tern_nist_profile nist_profile_tern_notification;
extern const tern_nist_profile nist_profile_tern_error;
extern const tern_nist_profile nist_profile_ebts_car;
extern const tern_nist_profile nist_profile_ebts_tpis;
extern const tern_nist_profile nist_profile_ebts_srt;
extern const tern_nist_profile nist_profile_ebts_sre;
extern const tern_nist_profile nist_profile_ebts_errt;

/* NULL-terminated, base first. */
extern const tern_nist_profile *const nist_profile_list[];

#endif
