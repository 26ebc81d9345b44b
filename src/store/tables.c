/* tables.c - the column descriptors of every entity: the one place that
 * says which struct field is stored in which column, of what kind (plain,
 * sealed, enumerated), within what limit, and which table an id must exist
 * in. rows.c turns them into SQL and checks; schema.c must agree with them
 * (the round-trip tests in tests/test_store.c catch any mismatch).
 */
#include <stddef.h>

#include "store/store_impl.h"

#define F(type, field) offsetof(type, field)
#define ID(T, f, o, r) {#f, K_ID, o, F(T, f), 0, 0, r, NULL}
#define TXT(T, f, o, m) {#f, K_TEXT, o, F(T, f), 0, m, NULL, NULL}
#define STX(T, f) {#f, K_STEXT, true, F(T, f), 0, TERN_STORE_NAME_MAX, NULL, NULL}
#define I64(T, f) {#f, K_I64, false, F(T, f), 0, 0, NULL, NULL}
#define F64(T, f) {#f, K_F64, false, F(T, f), 0, 0, NULL, NULL}
#define ENM(T, f, fn) {#f, K_ENUM, false, F(T, f), 0, 0, NULL, fn}
#define BLB(T, f, k) {#f, k, false, F(T, f), F(T, f##_len), 0, NULL, NULL}
#define HSH(T, f) {#f, K_HASH, false, F(T, f), 0, 0, NULL, NULL}
#define N TERN_STORE_NAME_MAX
#define L TERN_STORE_NOTE_MAX

static const col agency_cols[] = {
    ID(tern_agency, id, false, NULL), TXT(tern_agency, name, false, N),
    TXT(tern_agency, country, false, N), I64(tern_agency, created_ms)};
static const col user_cols[] = {
    ID(tern_user, id, false, NULL), ID(tern_user, agency_id, false, "agencies"),
    TXT(tern_user, display_name, false, N), I64(tern_user, roles), I64(tern_user, active),
    I64(tern_user, created_ms)};
static const col api_key_cols[] = {
    ID(tern_api_key, id, false, NULL), ID(tern_api_key, user_id, false, "users"),
    HSH(tern_api_key, secret_hash), I64(tern_api_key, created_ms),
    I64(tern_api_key, expires_ms), I64(tern_api_key, revoked)};
static const col retention_cols[] = {
    ID(tern_retention_rule, id, false, NULL), I64(tern_retention_rule, days),
    TXT(tern_retention_rule, description, false, L)};
static const col subject_cols[] = {
    ID(tern_subject, id, false, NULL), TXT(tern_subject, category, false, N),
    I64(tern_subject, created_ms), I64(tern_subject, retain_until_ms)};
static const col identity_cols[] = {
    ID(tern_identity, id, false, NULL), ID(tern_identity, subject_id, false, "subjects"),
    ID(tern_identity, agency_id, false, "agencies"), STX(tern_identity, family_name),
    STX(tern_identity, given_names), STX(tern_identity, date_of_birth),
    STX(tern_identity, sex), STX(tern_identity, place_of_birth),
    STX(tern_identity, nationality), STX(tern_identity, document_number),
    STX(tern_identity, residence_status), I64(tern_identity, created_ms)};
static const col encounter_cols[] = {
    ID(tern_encounter, id, false, NULL), I64(tern_encounter, at_ms),
    TXT(tern_encounter, location, false, N), ID(tern_encounter, agency_id, false, "agencies"),
    ID(tern_encounter, officer_id, false, "users"), TXT(tern_encounter, purpose, false, N),
    TXT(tern_encounter, captured, false, N), TXT(tern_encounter, result, false, N),
    ID(tern_encounter, subject_id, true, "subjects")};
static const col sample_cols[] = {
    ID(tern_sample, id, false, NULL), ID(tern_sample, subject_id, true, "subjects"),
    ID(tern_sample, encounter_id, true, "encounters"), I64(tern_sample, position),
    I64(tern_sample, impression), TXT(tern_sample, format, false, N),
    BLB(tern_sample, data, K_SBLOB), I64(tern_sample, created_ms)};
static const col template_cols[] = {
    ID(tern_template_row, id, false, NULL), ID(tern_template_row, subject_id, false, "subjects"),
    ID(tern_template_row, sample_id, true, "samples"), I64(tern_template_row, position),
    TXT(tern_template_row, engine_version, false, N), BLB(tern_template_row, data, K_SBLOB),
    I64(tern_template_row, created_ms)};
static const col watchlist_cols[] = {
    ID(tern_watchlist, id, false, NULL), ID(tern_watchlist, owner_agency_id, false, "agencies"),
    TXT(tern_watchlist, name, false, N), TXT(tern_watchlist, category, false, N),
    TXT(tern_watchlist, handling, false, L), I64(tern_watchlist, created_ms)};
static const col entry_cols[] = {
    ID(tern_watchlist_entry, id, false, NULL),
    ID(tern_watchlist_entry, watchlist_id, false, "watchlists"),
    ID(tern_watchlist_entry, subject_id, false, "subjects"),
    ID(tern_watchlist_entry, nominating_agency_id, false, "agencies"),
    ID(tern_watchlist_entry, nominated_by, false, "users"),
    TXT(tern_watchlist_entry, basis, false, L),
    ENM(tern_watchlist_entry, status, tern_entry_status_name),
    ID(tern_watchlist_entry, approved_by, true, "users"),
    I64(tern_watchlist_entry, review_ms), I64(tern_watchlist_entry, expires_ms),
    I64(tern_watchlist_entry, created_ms), I64(tern_watchlist_entry, updated_ms),
    TXT(tern_watchlist_entry, status_reason, true, L)};
static const col alert_cols[] = {
    ID(tern_alert, id, false, NULL), ID(tern_alert, encounter_id, false, "encounters"),
    ID(tern_alert, entry_id, true, "watchlist_entries"),
    ID(tern_alert, subject_id, true, "subjects"), F64(tern_alert, score),
    BLB(tern_alert, evidence, K_BLOB), ENM(tern_alert, status, tern_alert_status_name),
    ID(tern_alert, examiner_id, true, "users"), TXT(tern_alert, reasons, true, L),
    I64(tern_alert, created_ms), I64(tern_alert, decided_ms)};
static const col link_cols[] = {
    ID(tern_link, id, false, NULL), ID(tern_link, subject_a, false, "subjects"),
    ID(tern_link, subject_b, false, "subjects"), ENM(tern_link, colour, tern_link_colour_name),
    TXT(tern_link, reason, false, L), ID(tern_link, created_by, false, "users"),
    ID(tern_link, decided_by, true, "users"), I64(tern_link, created_ms),
    I64(tern_link, decided_ms)};
static const col audit_cols[] = {
    I64(tern_audit_event, seq), I64(tern_audit_event, at_ms),
    ID(tern_audit_event, actor, false, NULL), TXT(tern_audit_event, role, false, N),
    TXT(tern_audit_event, action, false, N), TXT(tern_audit_event, object_type, false, N),
    ID(tern_audit_event, object_id, false, NULL), TXT(tern_audit_event, purpose, false, N),
    TXT(tern_audit_event, outcome, false, N), TXT(tern_audit_event, detail, true, L),
    HSH(tern_audit_event, prev_hash), HSH(tern_audit_event, hash)};

#define T(ent, tab, what, pre, type, cols)                                                    \
    [ent] = {tab, what, pre, sizeof(type), cols, sizeof cols / sizeof cols[0]}
const table store_tables[TERN_ENT_COUNT] = {
    T(TERN_ENT_AGENCY, "agencies", "agency", NULL, tern_agency, agency_cols),
    T(TERN_ENT_USER, "users", "user", NULL, tern_user, user_cols),
    T(TERN_ENT_API_KEY, "api_keys", "API key", "key", tern_api_key, api_key_cols),
    T(TERN_ENT_RETENTION_RULE, "retention_rules", "retention rule", NULL, tern_retention_rule,
      retention_cols),
    T(TERN_ENT_SUBJECT, "subjects", "subject", "sbj", tern_subject, subject_cols),
    T(TERN_ENT_IDENTITY, "identities", "identity record", "idr", tern_identity, identity_cols),
    T(TERN_ENT_ENCOUNTER, "encounters", "encounter", "enc", tern_encounter, encounter_cols),
    T(TERN_ENT_SAMPLE, "samples", "sample", "smp", tern_sample, sample_cols),
    T(TERN_ENT_TEMPLATE, "templates", "template", "tpl", tern_template_row, template_cols),
    T(TERN_ENT_WATCHLIST, "watchlists", "watchlist", "wl", tern_watchlist, watchlist_cols),
    T(TERN_ENT_WATCHLIST_ENTRY, "watchlist_entries", "watchlist entry", "wle",
      tern_watchlist_entry, entry_cols),
    T(TERN_ENT_ALERT, "alerts", "alert", "alr", tern_alert, alert_cols),
    T(TERN_ENT_LINK, "links", "link", "lnk", tern_link, link_cols),
    T(TERN_ENT_AUDIT_EVENT, "audit_events", "audit event", NULL, tern_audit_event, audit_cols),
};

