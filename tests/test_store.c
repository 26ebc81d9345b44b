/* test_store.c - the records store on both backends (store_fixture.h):
 * migrations, typed rows, sealing at rest, transactions, cascades, gallery
 * iteration, and refusal of bad input leaving the store unchanged; plus key
 * files (tern/crypto.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_fixture.h"
#include "tern/store.h"

static int64_t count(tern_store *s, tern_entity e, const char *field, const char *value)
{
    tern_error err;
    int64_t n = -1;
    OK(tern_store_count(s, e, field, value, &n, &err));
    return n;
}

static const void *find(const uint8_t *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

static int noop_row(void *ctx, const void *row)
{
    (void)ctx;
    (void)row;
    return 0;
}

STORE_TEST(store, opens_migrates_and_reopens)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, false);
    int64_t v = 0;
    OK(tern_store_schema_version(s, &v, &err));
    cr_assert_eq(v, 4);
    fx_seed(s);
    tern_store_close(s);
    s = fx_open(&f);
    OK(tern_store_schema_version(s, &v, &err));
    cr_assert_eq(v, 4);
    cr_assert_eq(count(s, TERN_ENT_AGENCY, NULL, NULL), 2);
    cr_assert_str_eq(tern_store_backend(s), backend == FX_SQLITE ? "sqlite" : "postgresql");
    fx_end(&f, s);
}

STORE_TEST(store, an_older_schema_is_upgraded_and_a_newer_one_refused)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    tern_store_close(s);
    /* take the database back to version 1, with data in it */
    fx_raw(&f, "DROP TABLE jobs; ALTER TABLE watchlist_entries DROP COLUMN status_reason;"
               " DELETE FROM schema_version WHERE version >= 2");
    s = fx_open(&f);
    int64_t v = 0;
    OK(tern_store_schema_version(s, &v, &err));
    cr_assert_eq(v, 4);
    cr_assert_eq(count(s, TERN_ENT_USER, NULL, NULL), 3);
    cr_assert_eq(count(s, TERN_ENT_WATCHLIST_ENTRY, "status_reason", "x"), 0);
    tern_store_close(s);
    fx_raw(&f, "INSERT INTO schema_version (version, applied_ms) VALUES (99, 0)");
    tern_store *s2 = NULL;
    FAILS(TERN_E_UNSUPPORTED, tern_store_open(f.url, &f.key, &s2, &err));
    cr_assert_null(s2);
    fx_teardown(&f);
}

STORE_TEST(store, identity_round_trip_and_generated_ids)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    char sid[TERN_ID_MAX];
    fx_subject(s, "Quispe Mamani", sid);
    cr_assert_eq(strncmp(sid, "sbj_", 4), 0, "generated subject id %s", sid);
    cr_assert_eq(strlen(sid), 30);
    /* a second record of the same subject: an alias from another agency */
    tern_identity alias = {.agency_id = "AR-PFA", .family_name = "Gómez Ñandú",
                           .given_names = "José", .nationality = "ARG",
                           .residence_status = "visitor", .created_ms = 42};
    memcpy(alias.subject_id, sid, TERN_ID_MAX);
    OK(tern_store_identity_insert(s, &alias, &err));
    tern_identity got;
    OK(tern_store_identity_get(s, alias.id, &got, &err));
    cr_assert_str_eq(got.family_name, "Gómez Ñandú");
    cr_assert_str_eq(got.given_names, "José");
    cr_assert_str_eq(got.nationality, "ARG");
    cr_assert_null(got.sex);
    cr_assert_null(got.document_number);
    cr_assert_str_eq(got.subject_id, sid);
    cr_assert_eq(got.created_ms, 42);
    tern_identity_clear(&got);
    cr_assert_eq(count(s, TERN_ENT_IDENTITY, "subject_id", sid), 2);
    /* update */
    OK(tern_store_identity_get(s, alias.id, &got, &err));
    free(got.document_number);
    got.document_number = strdup("P1234567");
    OK(tern_store_identity_update(s, &got, &err));
    tern_identity_clear(&got);
    OK(tern_store_identity_get(s, alias.id, &got, &err));
    cr_assert_str_eq(got.document_number, "P1234567");
    tern_identity_clear(&got);
    fx_end(&f, s);
}

STORE_TEST(store, every_entity_round_trips)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    char sid[TERN_ID_MAX], sid2[TERN_ID_MAX];
    fx_subject(s, "Rojas", sid);
    fx_subject(s, "Rojas Vidal", sid2);
    tern_encounter enc = {.at_ms = 1700000000000LL, .location = "SCL", .agency_id = "CL-PDI",
                          .officer_id = "officer1", .purpose = "border-control",
                          .captured = "10 flat", .result = "pending"};
    OK(tern_store_encounter_insert(s, &enc, &err));
    uint8_t img[300];
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 7);
    tern_sample smp = {.position = 2, .impression = 0, .format = "wsq", .data = img,
                       .data_len = sizeof img, .created_ms = 1};
    memcpy(smp.subject_id, sid, TERN_ID_MAX);
    memcpy(smp.encounter_id, enc.id, TERN_ID_MAX);
    OK(tern_store_sample_insert(s, &smp, &err));
    tern_template_row tpl = {.position = 2, .engine_version = "tern-1", .data = img,
                             .data_len = 100, .created_ms = 1};
    memcpy(tpl.subject_id, sid, TERN_ID_MAX);
    memcpy(tpl.sample_id, smp.id, TERN_ID_MAX);
    OK(tern_store_template_insert(s, &tpl, &err));
    tern_watchlist wl = {.id = "toc", .owner_agency_id = "CL-PDI", .name = "TOC",
                         .category = "transnational organised crime",
                         .handling = "Do not alert the subject; call the duty desk."};
    OK(tern_store_watchlist_insert(s, &wl, &err));
    tern_watchlist_entry we = {.watchlist_id = "toc", .nominating_agency_id = "CL-PDI",
                               .nominated_by = "officer1", .basis = "case 2026/118",
                               .status = TERN_ENTRY_PROPOSED, .review_ms = 5, .expires_ms = 6};
    memcpy(we.subject_id, sid, TERN_ID_MAX);
    OK(tern_store_watchlist_entry_insert(s, &we, &err));
    tern_alert al = {.score = 0.875, .evidence = (uint8_t *)"{\"fused\":0.875}",
                     .evidence_len = 15, .status = TERN_ALERT_PENDING};
    memcpy(al.encounter_id, enc.id, TERN_ID_MAX);
    memcpy(al.entry_id, we.id, TERN_ID_MAX);
    memcpy(al.subject_id, sid, TERN_ID_MAX);
    OK(tern_store_alert_insert(s, &al, &err));
    tern_link ln = {.colour = TERN_LINK_YELLOW, .reason = "enrollment duplicate check",
                    .created_by = "examiner1"};
    memcpy(ln.subject_a, sid, TERN_ID_MAX);
    memcpy(ln.subject_b, sid2, TERN_ID_MAX);
    OK(tern_store_link_insert(s, &ln, &err));
    tern_api_key key = {.user_id = "officer1", .expires_ms = 9};
    uint8_t secret[32] = {1, 2, 3};
    tern_apikey_hash(&f.key, secret, key.secret_hash);
    OK(tern_store_api_key_insert(s, &key, &err));
    tern_retention_rule rr = {.id = "border-control", .days = 90, .description = "EES-like"};
    OK(tern_store_retention_rule_insert(s, &rr, &err));

    tern_sample gs;
    OK(tern_store_sample_get(s, smp.id, &gs, &err));
    cr_assert_eq(gs.data_len, sizeof img);
    cr_assert_arr_eq(gs.data, img, sizeof img);
    cr_assert_str_eq(gs.format, "wsq");
    cr_assert_str_eq(gs.encounter_id, enc.id);
    tern_sample_clear(&gs);
    tern_template_row gt;
    OK(tern_store_template_get(s, tpl.id, &gt, &err));
    cr_assert_eq(gt.data_len, 100);
    cr_assert_arr_eq(gt.data, img, 100);
    cr_assert_str_eq(gt.engine_version, "tern-1");
    tern_template_row_clear(&gt);
    tern_watchlist_entry ge;
    OK(tern_store_watchlist_entry_get(s, we.id, &ge, &err));
    cr_assert_eq(ge.status, TERN_ENTRY_PROPOSED);
    cr_assert_str_eq(ge.approved_by, "");
    cr_assert_str_eq(ge.basis, "case 2026/118");
    ge.status = TERN_ENTRY_ACTIVE;
    strcpy(ge.approved_by, "analyst2");
    OK(tern_store_watchlist_entry_update(s, &ge, &err));
    tern_watchlist_entry_clear(&ge);
    OK(tern_store_watchlist_entry_get(s, we.id, &ge, &err));
    cr_assert_eq(ge.status, TERN_ENTRY_ACTIVE);
    cr_assert_str_eq(ge.approved_by, "analyst2");
    tern_watchlist_entry_clear(&ge);
    tern_alert ga;
    OK(tern_store_alert_get(s, al.id, &ga, &err));
    cr_assert_eq(ga.score, 0.875);
    cr_assert_eq(ga.evidence_len, 15);
    cr_assert_eq(memcmp(ga.evidence, "{\"fused\":0.875}", 15), 0);
    cr_assert_null(ga.reasons);
    tern_alert_clear(&ga);
    cr_assert_eq(count(s, TERN_ENT_ALERT, "status", "pending"), 1);
    tern_link gl;
    OK(tern_store_link_get(s, ln.id, &gl, &err));
    cr_assert_eq(gl.colour, TERN_LINK_YELLOW);
    tern_link_clear(&gl);
    tern_api_key gk;
    OK(tern_store_api_key_get(s, key.id, &gk, &err));
    cr_assert_arr_eq(gk.secret_hash, key.secret_hash, TERN_HASH_BYTES);
    tern_api_key_clear(&gk);
    tern_retention_rule gr;
    OK(tern_store_retention_rule_get(s, "border-control", &gr, &err));
    cr_assert_eq(gr.days, 90);
    tern_retention_rule_clear(&gr);
    tern_encounter ge2;
    OK(tern_store_encounter_get(s, enc.id, &ge2, &err));
    cr_assert_str_eq(ge2.location, "SCL");
    cr_assert_eq(ge2.at_ms, 1700000000000LL);
    cr_assert_str_eq(ge2.subject_id, "");
    tern_encounter_clear(&ge2);
    fx_end(&f, s);
}

STORE_TEST(store, sealed_values_do_not_open_in_another_row_or_with_another_key)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    char a[TERN_ID_MAX], b[TERN_ID_MAX];
    fx_subject(s, "Alpha", a);
    fx_subject(s, "Bravo", b);
    tern_store_close(s);
    /* copy subject a's sealed family name into subject b's record */
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE identities SET family_name = (SELECT family_name FROM identities"
             " WHERE subject_id = '%s') WHERE subject_id = '%s'",
             a, b);
    fx_raw(&f, sql);
    s = fx_open(&f);
    int64_t n = 0;
    OK(tern_store_count(s, TERN_ENT_IDENTITY, "subject_id", b, &n, &err));
    cr_assert_eq(n, 1);
    FAILS(TERN_E_DENIED, tern_store_each(s, TERN_ENT_IDENTITY, "subject_id", b, noop_row, NULL, &err));
    cr_assert(strstr(err.message, "family_name"), "message names the field: %s", err.message);
    tern_store_close(s);
    /* another key opens nothing */
    tern_random(f.key.bytes, sizeof f.key.bytes);
    s = fx_open(&f);
    FAILS(TERN_E_DENIED, tern_store_each(s, TERN_ENT_IDENTITY, "subject_id", a, noop_row, NULL, &err));
    fx_end(&f, s);
}

static int keep_first_name(void *ctx, const void *row)
{
    const tern_identity *r = row;
    snprintf(ctx, 64, "%s", r->family_name ? r->family_name : "(null)");
    return 0;
}

STORE_TEST(store, plaintext_names_never_reach_the_database)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    char a[TERN_ID_MAX];
    fx_subject(s, "Zyxwvutsrq", a);
    char name[64] = "";
    OK(tern_store_each(s, TERN_ENT_IDENTITY, "subject_id", a, keep_first_name, name, &err));
    cr_assert_str_eq(name, "Zyxwvutsrq");
    tern_store_close(s);
    /* The plaintext must appear nowhere: a raw query for it finds nothing.
     * Searching the sealed bytes for the name through SQL works on both. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE TABLE leak AS SELECT id FROM identities WHERE family_name = %s"
             " OR given_names = %s",
             backend == FX_SQLITE ? "CAST('Zyxwvutsrq' AS BLOB)" : "convert_to('Zyxwvutsrq','UTF8')",
             backend == FX_SQLITE ? "CAST('Ana Maria' AS BLOB)" : "convert_to('Ana Maria','UTF8')");
    fx_raw(&f, sql);
    s = fx_open(&f);
    tern_store_close(s);
    if (backend == FX_SQLITE) {
        char path[300];
        snprintf(path, sizeof path, "%s/tern.db", f.dir);
        size_t len = 0;
        uint8_t *bytes = tern_test_read(path, &len);
        cr_assert_null(find(bytes, len, "Zyxwvutsrq"), "plaintext name in the file");
        free(bytes);
        snprintf(path, sizeof path, "%s/tern.db-wal", f.dir);
        struct stat st;
        if (stat(path, &st) == 0) {
            bytes = tern_test_read(path, &len);
            cr_assert_null(find(bytes, len, "Zyxwvutsrq"), "plaintext name in the WAL");
            free(bytes);
        }
    }
    fx_teardown(&f);
}

STORE_TEST(store, bad_input_is_refused_with_typed_errors_and_changes_nothing)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    char sid[TERN_ID_MAX];
    fx_subject(s, "Base", sid);
    char long_name[TERN_STORE_NAME_MAX + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    tern_identity bad = {.agency_id = "CL-PDI", .family_name = long_name};
    memcpy(bad.subject_id, sid, TERN_ID_MAX);
    FAILS(TERN_E_LIMIT, tern_store_identity_insert(s, &bad, &err));
    cr_assert(strstr(err.message, "family_name"), "%s", err.message);
    bad.family_name = "Caf\xc3\x28";
    FAILS(TERN_E_FORMAT, tern_store_identity_insert(s, &bad, &err));
    cr_assert(strstr(err.message, "byte offset 3"), "%s", err.message);
    bad.family_name = "\xed\xa0\x80"; /* a UTF-16 surrogate */
    FAILS(TERN_E_FORMAT, tern_store_identity_insert(s, &bad, &err));
    bad.family_name = "\xc0\xaf"; /* overlong '/' */
    FAILS(TERN_E_FORMAT, tern_store_identity_insert(s, &bad, &err));
    bad.family_name = "Fine";
    strcpy(bad.subject_id, "sbj_doesnotexist");
    FAILS(TERN_E_NOT_FOUND, tern_store_identity_insert(s, &bad, &err));
    cr_assert(strstr(err.message, "sbj_doesnotexist"), "%s", err.message);
    strcpy(bad.subject_id, "bad id; DROP TABLE subjects");
    FAILS(TERN_E_ARG, tern_store_identity_insert(s, &bad, &err));
    memcpy(bad.subject_id, sid, TERN_ID_MAX);
    strcpy(bad.agency_id, "XX-NONE");
    FAILS(TERN_E_NOT_FOUND, tern_store_identity_insert(s, &bad, &err));
    tern_agency dup = {.id = "CL-PDI", .name = "again", .country = "CHL"};
    FAILS(TERN_E_EXISTS, tern_store_agency_insert(s, &dup, &err));
    tern_agency noname = {.id = "NEW"};
    FAILS(TERN_E_ARG, tern_store_agency_insert(s, &noname, &err));
    tern_watchlist_entry we = {.watchlist_id = "none", .nominating_agency_id = "CL-PDI",
                               .nominated_by = "officer1", .basis = "b", .status = 99};
    memcpy(we.subject_id, sid, TERN_ID_MAX);
    FAILS(TERN_E_ARG, tern_store_watchlist_entry_insert(s, &we, &err));
    we.status = TERN_ENTRY_PROPOSED;
    FAILS(TERN_E_NOT_FOUND, tern_store_watchlist_entry_insert(s, &we, &err));
    tern_identity got;
    FAILS(TERN_E_NOT_FOUND, tern_store_identity_get(s, "idr_nothere", &got, &err));
    FAILS(TERN_E_NOT_FOUND, tern_store_delete(s, TERN_ENT_SUBJECT, "sbj_nothere", &err));
    tern_agency ghost = {.id = "GHOST", .name = "g", .country = "x"};
    FAILS(TERN_E_NOT_FOUND, tern_store_agency_update(s, &ghost, &err));
    FAILS(TERN_E_ARG, tern_store_count(s, TERN_ENT_IDENTITY, "family_name", "x", &(int64_t){0},
                                       &err));
    FAILS(TERN_E_ARG, tern_store_count(s, TERN_ENT_IDENTITY, "1=1; --", "x", &(int64_t){0},
                                       &err));
    FAILS(TERN_E_DENIED, tern_store_insert(s, TERN_ENT_AUDIT_EVENT, &(tern_audit_event){0}, &err));
    /* nothing changed */
    cr_assert_eq(count(s, TERN_ENT_IDENTITY, NULL, NULL), 1);
    cr_assert_eq(count(s, TERN_ENT_AGENCY, NULL, NULL), 2);
    cr_assert_eq(count(s, TERN_ENT_WATCHLIST_ENTRY, NULL, NULL), 0);
    tern_agency a;
    OK(tern_store_agency_get(s, "CL-PDI", &a, &err));
    cr_assert_str_eq(a.name, "Policia de Investigaciones");
    tern_agency_clear(&a);
    fx_end(&f, s);
}

STORE_TEST(store, transactions_commit_or_roll_back_whole)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    OK(tern_store_begin(s, &err));
    FAILS(TERN_E_STATE, tern_store_begin(s, &err));
    char sid[TERN_ID_MAX];
    fx_subject(s, "Gone", sid);
    OK(tern_store_rollback(s, &err));
    cr_assert_eq(count(s, TERN_ENT_SUBJECT, NULL, NULL), 0);
    cr_assert_eq(count(s, TERN_ENT_IDENTITY, NULL, NULL), 0);
    OK(tern_store_begin(s, &err));
    fx_subject(s, "Kept", sid);
    OK(tern_store_commit(s, &err));
    FAILS(TERN_E_STATE, tern_store_commit(s, &err));
    tern_store_close(s);
    s = fx_open(&f);
    cr_assert_eq(count(s, TERN_ENT_SUBJECT, NULL, NULL), 1);
    cr_assert_eq(count(s, TERN_ENT_IDENTITY, "subject_id", sid), 1);
    /* a failed statement inside a transaction: the caller rolls back */
    OK(tern_store_begin(s, &err));
    tern_agency dup = {.id = "CL-PDI", .name = "again", .country = "CHL"};
    FAILS(TERN_E_EXISTS, tern_store_agency_insert(s, &dup, &err));
    OK(tern_store_rollback(s, &err));
    cr_assert_eq(count(s, TERN_ENT_AGENCY, NULL, NULL), 2);
    fx_end(&f, s);
}

static void add_template(tern_store *s, const char *sid, int pos, const char *engine)
{
    tern_error err;
    uint8_t data[8] = {(uint8_t)pos};
    tern_template_row t = {.position = pos, .engine_version = (char *)engine, .data = data,
                           .data_len = sizeof data};
    memcpy(t.subject_id, sid, TERN_ID_MAX);
    OK(tern_store_template_insert(s, &t, &err));
}

/* tern_store_bulk (PostgreSQL: pipeline mode, writes not waited for):
 * reads see the writes queued before them, everything commits; a write
 * that fails is reported (at once on SQLite; on PostgreSQL by the next
 * read, as an earlier write) and nothing of the transaction stays; the
 * connection then serves the next transaction. */
STORE_TEST(store, a_bulk_transaction_stores_all_or_reports_its_failed_write_and_nothing)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    FAILS(TERN_E_STATE, tern_store_bulk(s, &err));
    char sid[5][TERN_ID_MAX];
    OK(tern_store_begin(s, &err));
    OK(tern_store_bulk(s, &err));
    for (int i = 0; i < 5; i++) {
        fx_subject(s, "Bulk", sid[i]);
        add_template(s, sid[i], 1 + i, "e1");
        cr_assert_eq(count(s, TERN_ENT_IDENTITY, "subject_id", sid[i]), 1);
    }
    add_template(s, sid[0], 10, "e1");
    OK(tern_store_commit(s, &err));
    tern_store_close(s);
    s = fx_open(&f);
    cr_assert_eq(count(s, TERN_ENT_SUBJECT, NULL, NULL), 5);
    cr_assert_eq(count(s, TERN_ENT_TEMPLATE, NULL, NULL), 6);
    cr_assert_eq(count(s, TERN_ENT_TEMPLATE, "subject_id", sid[0]), 2);

    char lost[TERN_ID_MAX];
    OK(tern_store_begin(s, &err));
    OK(tern_store_bulk(s, &err));
    fx_subject(s, "Lost", lost);
    tern_agency dup = {.id = "CL-PDI", .name = "again", .country = "CHL"};
    int64_t n = 0;
    tern_error_clear(&err);
    tern_status rc = tern_store_agency_insert(s, &dup, &err);
    cr_assert(rc != TERN_OK || backend == FX_PG, "SQLite reports the insert itself");
    if (rc == TERN_OK)
        rc = tern_store_count(s, TERN_ENT_SUBJECT, NULL, NULL, &n, &err);
    cr_assert_eq(rc, TERN_E_EXISTS, "%s: %s", tern_status_name(rc), err.message);
    cr_assert(backend == FX_SQLITE || strstr(err.message, "earlier write"), "%s", err.message);
    OK(tern_store_rollback(s, &err));
    cr_assert_eq(count(s, TERN_ENT_SUBJECT, NULL, NULL), 5);
    cr_assert_eq(count(s, TERN_ENT_IDENTITY, "subject_id", lost), 0);
    cr_assert_eq(count(s, TERN_ENT_AGENCY, NULL, NULL), 2);
    /* no read after the failed write: the commit reports it and rolls back */
    OK(tern_store_begin(s, &err));
    OK(tern_store_bulk(s, &err));
    fx_subject(s, "Lost", lost);
    rc = tern_store_agency_insert(s, &dup, &err);
    if (rc == TERN_OK)
        rc = tern_store_commit(s, &err);
    cr_assert_eq(rc, TERN_E_EXISTS, "%s: %s", tern_status_name(rc), err.message);
    OK(tern_store_rollback(s, &err));
    cr_assert_eq(count(s, TERN_ENT_SUBJECT, NULL, NULL), 5);
    cr_assert_eq(count(s, TERN_ENT_AGENCY, NULL, NULL), 2);

    OK(tern_store_begin(s, &err));
    fx_subject(s, "After", lost);
    OK(tern_store_commit(s, &err));
    cr_assert_eq(count(s, TERN_ENT_SUBJECT, NULL, NULL), 6);
    fx_end(&f, s);
}

static int count_tpl(void *ctx, const tern_template_row *t)
{
    cr_assert_eq(t->data_len, 8);
    cr_assert_eq(t->data[0], t->position);
    (*(int *)ctx)++;
    return 0;
}

static int gallery(tern_store *s, const char *engine, const char *wl, int64_t now)
{
    tern_error err;
    int n = 0;
    OK(tern_store_templates_each(s, engine, wl, now, count_tpl, &n, &err));
    return n;
}

STORE_TEST(store, gallery_iteration_follows_engine_version_and_entry_status)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    char a[TERN_ID_MAX], b[TERN_ID_MAX];
    fx_subject(s, "A", a);
    fx_subject(s, "B", b);
    for (int p = 1; p <= 10; p++)
        add_template(s, a, p, "tern-1");
    for (int p = 1; p <= 4; p++)
        add_template(s, b, p, "tern-1");
    add_template(s, b, 5, "tern-0");
    tern_watchlist wl = {.id = "toc", .owner_agency_id = "CL-PDI", .name = "TOC",
                         .category = "transnational organised crime", .handling = "h"};
    OK(tern_store_watchlist_insert(s, &wl, &err));
    tern_watchlist_entry we = {.watchlist_id = "toc", .nominating_agency_id = "CL-PDI",
                               .nominated_by = "officer1", .basis = "case",
                               .status = TERN_ENTRY_PROPOSED, .expires_ms = 2000};
    memcpy(we.subject_id, b, TERN_ID_MAX);
    OK(tern_store_watchlist_entry_insert(s, &we, &err));
    cr_assert_eq(gallery(s, "tern-1", NULL, 0), 14);
    cr_assert_eq(gallery(s, NULL, NULL, 0), 15);
    cr_assert_eq(gallery(s, "tern-1", "toc", 1000), 0, "a proposed entry does not match");
    we.status = TERN_ENTRY_ACTIVE;
    strcpy(we.approved_by, "analyst2");
    OK(tern_store_watchlist_entry_update(s, &we, &err));
    cr_assert_eq(gallery(s, "tern-1", "toc", 1000), 4);
    cr_assert_eq(gallery(s, "tern-1", "toc", 2000), 0, "an expired entry does not match");
    we.status = TERN_ENTRY_REMOVED;
    OK(tern_store_watchlist_entry_update(s, &we, &err));
    cr_assert_eq(gallery(s, "tern-1", "toc", 1000), 0);
    fx_end(&f, s);
}

static int collect_alert_ids(void *ctx, const void *row)
{
    char *ids = ctx;
    const tern_alert *al = row;
    strcat(ids, al->id);
    strcat(ids, " ");
    return 0;
}

/* Enum columns are stored as names: a filter takes the name or the
 * enumerator's number, either backend, and refuses anything else rather than
 * silently matching nothing; integer filters refuse text that is not an
 * integer. */
STORE_TEST(store, enum_and_integer_filters_take_names_or_numbers_and_refuse_the_rest)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    char a[TERN_ID_MAX], b[TERN_ID_MAX];
    fx_subject(s, "A", a);
    fx_subject(s, "B", b);
    tern_encounter enc = {.at_ms = 1, .location = "SCL", .agency_id = "CL-PDI",
                          .officer_id = "officer1", .purpose = "border-control",
                          .captured = "10 flat", .result = "hit"};
    OK(tern_store_encounter_insert(s, &enc, &err));
    const int64_t statuses[] = {TERN_ALERT_PENDING, TERN_ALERT_CONFIRMED, TERN_ALERT_CONFIRMED,
                                TERN_ALERT_REJECTED};
    char confirmed_ids[256] = "";
    for (size_t i = 0; i < 4; i++) {
        tern_alert al = {.score = 1.0, .evidence = (uint8_t *)"{}", .evidence_len = 2,
                         .status = statuses[i]};
        memcpy(al.encounter_id, enc.id, TERN_ID_MAX);
        memcpy(al.subject_id, i % 2 ? a : b, TERN_ID_MAX);
        if (statuses[i] != TERN_ALERT_PENDING)
            strcpy(al.examiner_id, "examiner1");
        OK(tern_store_alert_insert(s, &al, &err));
        if (statuses[i] == TERN_ALERT_CONFIRMED) {
            strcat(confirmed_ids, al.id);
            strcat(confirmed_ids, " ");
        }
    }
    tern_link ln = {.colour = TERN_LINK_RED, .reason = "r", .created_by = "examiner1"};
    memcpy(ln.subject_a, a, TERN_ID_MAX);
    memcpy(ln.subject_b, b, TERN_ID_MAX);
    OK(tern_store_link_insert(s, &ln, &err));

    /* by name and by number, count and each agree */
    cr_assert_eq(count(s, TERN_ENT_ALERT, "status", "confirmed"), 2);
    cr_assert_eq(count(s, TERN_ENT_ALERT, "status", "1"), 2, "TERN_ALERT_CONFIRMED as a number");
    cr_assert_eq(count(s, TERN_ENT_ALERT, "status", "0"), 1);
    cr_assert_eq(count(s, TERN_ENT_ALERT, "status", "3"), 0);
    cr_assert_eq(count(s, TERN_ENT_LINK, "colour", "2"), 1, "TERN_LINK_RED as a number");
    cr_assert_eq(count(s, TERN_ENT_LINK, "colour", "red"), 1);
    cr_assert_eq(count(s, TERN_ENT_LINK, "colour", "yellow"), 0);
    char by_name[256] = "", by_number[256] = "";
    OK(tern_store_each(s, TERN_ENT_ALERT, "status", "confirmed", collect_alert_ids, by_name,
                       &err));
    OK(tern_store_each(s, TERN_ENT_ALERT, "status", "1", collect_alert_ids, by_number, &err));
    cr_assert_eq(strlen(by_name), strlen(confirmed_ids));
    cr_assert_str_eq(by_number, by_name);
    /* integer columns still compare as integers */
    cr_assert_eq(count(s, TERN_ENT_ENCOUNTER, "at_ms", "1"), 1);
    cr_assert_eq(count(s, TERN_ENT_ENCOUNTER, "at_ms", "-1"), 0);

    /* values that can never match are refused, not silently empty */
    const char *bad_enum[] = {"bogus", "4",         "-1",
                              "",      " 1",        "1x",
                              "CONFIRMED", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad_enum / sizeof bad_enum[0]; i++) {
        FAILS(TERN_E_ARG, tern_store_count(s, TERN_ENT_ALERT, "status", bad_enum[i],
                                           &(int64_t){0}, &err));
        cr_assert(strstr(err.message, "status"), "%s", err.message);
        FAILS(TERN_E_ARG, tern_store_each(s, TERN_ENT_ALERT, "status", bad_enum[i], noop_row,
                                          NULL, &err));
    }
    FAILS(TERN_E_ARG, tern_store_count(s, TERN_ENT_LINK, "colour", "4", &(int64_t){0}, &err));
    FAILS(TERN_E_ARG, tern_store_count(s, TERN_ENT_ALERT, "status", NULL, &(int64_t){0}, &err));
    const char *bad_int[] = {"", "abc", "12abc", "1.5", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad_int / sizeof bad_int[0]; i++) {
        FAILS(TERN_E_ARG, tern_store_count(s, TERN_ENT_ENCOUNTER, "at_ms", bad_int[i],
                                           &(int64_t){0}, &err));
        cr_assert(strstr(err.message, "at_ms"), "%s", err.message);
    }
    fx_end(&f, s);
}

STORE_TEST(store, deleting_a_subject_cascades_to_its_records)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    char a[TERN_ID_MAX], b[TERN_ID_MAX];
    fx_subject(s, "A", a);
    fx_subject(s, "B", b);
    uint8_t img[16] = {0};
    tern_sample smp = {.position = 1, .format = "wsq", .data = img, .data_len = sizeof img};
    memcpy(smp.subject_id, a, TERN_ID_MAX);
    OK(tern_store_sample_insert(s, &smp, &err));
    add_template(s, a, 1, "tern-1");
    add_template(s, b, 1, "tern-1");
    tern_link ln = {.colour = TERN_LINK_RED, .reason = "r", .created_by = "examiner1"};
    memcpy(ln.subject_a, a, TERN_ID_MAX);
    memcpy(ln.subject_b, b, TERN_ID_MAX);
    OK(tern_store_link_insert(s, &ln, &err));
    OK(tern_store_delete(s, TERN_ENT_SUBJECT, a, &err));
    cr_assert_eq(count(s, TERN_ENT_IDENTITY, "subject_id", a), 0);
    cr_assert_eq(count(s, TERN_ENT_SAMPLE, NULL, NULL), 0);
    cr_assert_eq(count(s, TERN_ENT_TEMPLATE, NULL, NULL), 1);
    cr_assert_eq(count(s, TERN_ENT_LINK, NULL, NULL), 0);
    cr_assert_eq(count(s, TERN_ENT_IDENTITY, "subject_id", b), 1);
    fx_end(&f, s);
}

Test(store_url, unknown_schemes_and_unreachable_servers_are_refused)
{
    tern_key k = {{0}};
    tern_store *s = NULL;
    tern_error err;
    cr_assert_eq(tern_store_open("mysql://x", &k, &s, &err), TERN_E_ARG);
    cr_assert_null(s);
    cr_assert_eq(tern_store_open("pg:host=/nonexistent port=1 connect_timeout=2", &k, &s, &err),
                 TERN_E_IO);
    cr_assert(strstr(err.message, "postgresql"), "%s", err.message);
    cr_assert_eq(tern_store_open("sqlite:/nonexistent-dir/x.db", &k, &s, &err), TERN_E_IO);
}

/* ---- key files ---------------------------------------------------------------- */

static void write_file(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    fchmod(fd, mode);
    close(fd);
}

Test(keys, key_files_must_be_private_and_outside_the_data_directory)
{
    char dir[] = "/tmp/tern-key-test-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char data_dir[64], path[80], inside[96];
    snprintf(data_dir, sizeof data_dir, "%s/data", dir);
    mkdir(data_dir, 0700);
    snprintf(path, sizeof path, "%s/data.key", dir);
    snprintf(inside, sizeof inside, "%s/data.key", data_dir);
    tern_error err;
    tern_key k, k2;
    const char *hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
    write_file(path, hex, 0644);
    FAILS(TERN_E_DENIED, tern_key_load(path, NULL, data_dir, &k, &err));
    cr_assert(strstr(err.message, "0644"), "%s", err.message);
    write_file(path, hex, 0600);
    OK(tern_key_load(path, NULL, data_dir, &k, &err));
    cr_assert_eq(k.bytes[0], 0);
    cr_assert_eq(k.bytes[31], 0x1f);
    write_file(inside, hex, 0600);
    FAILS(TERN_E_DENIED, tern_key_load(inside, NULL, data_dir, &k, &err));
    write_file(path, "not a key", 0600);
    FAILS(TERN_E_FORMAT, tern_key_load(path, NULL, NULL, &k, &err));
    unlink(path);
    FAILS(TERN_E_NOT_FOUND, tern_key_load(path, NULL, NULL, &k, &err));
    OK(tern_key_file_create(path, &err));
    FAILS(TERN_E_EXISTS, tern_key_file_create(path, &err));
    OK(tern_key_load(path, NULL, NULL, &k, &err));
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    setenv("TERN_TEST_KEY_VAR", hex, 1);
    OK(tern_key_load(NULL, "TERN_TEST_KEY_VAR", NULL, &k2, &err));
    cr_assert_eq(k2.bytes[1], 1);
    unsetenv("TERN_TEST_KEY_VAR");
    FAILS(TERN_E_NOT_FOUND, tern_key_load(NULL, "TERN_TEST_KEY_VAR", NULL, &k2, &err));
    tern_sign_key sk;
    OK(tern_sign_key_load(path, data_dir, &sk, &err));
    uint8_t sig[TERN_SIGN_BYTES];
    tern_sign(&sk, "m", 1, sig);
    OK(tern_sign_verify(sk.pk, "m", 1, sig, &err));
    FAILS(TERN_E_DENIED, tern_sign_verify(sk.pk, "n", 1, sig, &err));
    unlink(path);
    unlink(inside);
    rmdir(data_dir);
    rmdir(dir);
}

Test(keys, sealing_binds_associated_data)
{
    tern_error err;
    tern_key k;
    tern_random(k.bytes, sizeof k.bytes);
    uint8_t *sealed, *plain;
    size_t n, pn;
    OK(tern_seal(&k, "ad", 2, "secret", 6, &sealed, &n, &err));
    cr_assert_eq(n, 6 + TERN_SEAL_OVERHEAD);
    OK(tern_unseal(&k, "ad", 2, sealed, n, &plain, &pn, &err));
    cr_assert_eq(pn, 6);
    cr_assert_str_eq((char *)plain, "secret");
    free(plain);
    FAILS(TERN_E_DENIED, tern_unseal(&k, "ae", 2, sealed, n, &plain, &pn, &err));
    sealed[n - 1] ^= 1;
    FAILS(TERN_E_DENIED, tern_unseal(&k, "ad", 2, sealed, n, &plain, &pn, &err));
    FAILS(TERN_E_FORMAT, tern_unseal(&k, "ad", 2, sealed, 10, &plain, &pn, &err));
    free(sealed);
}
