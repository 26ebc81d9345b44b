/* schema.c - the versioned schema of the records store, one list of
 * migrations for both backends (see docs/data-model.md).
 *
 * The SQL is the common subset of SQLite and PostgreSQL: TEXT, BIGINT,
 * DOUBLE PRECISION and BYTEA (SQLite gives BYTEA numeric affinity, which
 * stores blobs unchanged). A migration is applied once, in one transaction
 * with its row in schema_version; migrations are never edited once released,
 * only appended. Sealed columns (biographic fields, sample and template
 * bytes) hold tern_seal output.
 */
#include <stdio.h>

#include "store/store_impl.h"

static const char *const migrations[] = {
    /* 1: the records model */
    "CREATE TABLE agencies ("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL,"
    " created_ms BIGINT NOT NULL);"
    "CREATE TABLE users ("
    " id TEXT PRIMARY KEY, agency_id TEXT NOT NULL REFERENCES agencies(id),"
    " display_name TEXT NOT NULL, roles BIGINT NOT NULL, active BIGINT NOT NULL,"
    " created_ms BIGINT NOT NULL);"
    "CREATE TABLE api_keys ("
    " id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " secret_hash BYTEA NOT NULL, created_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL,"
    " revoked BIGINT NOT NULL);"
    "CREATE TABLE retention_rules ("
    " id TEXT PRIMARY KEY, days BIGINT NOT NULL CHECK (days > 0), description TEXT NOT NULL);"
    "CREATE TABLE subjects ("
    " id TEXT PRIMARY KEY, category TEXT NOT NULL, created_ms BIGINT NOT NULL,"
    " retain_until_ms BIGINT NOT NULL);"
    "CREATE INDEX subjects_retain ON subjects(retain_until_ms);"
    "CREATE TABLE identities ("
    " id TEXT PRIMARY KEY,"
    " subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,"
    " agency_id TEXT NOT NULL REFERENCES agencies(id),"
    " family_name BYTEA, given_names BYTEA, date_of_birth BYTEA, sex BYTEA,"
    " place_of_birth BYTEA, nationality BYTEA, document_number BYTEA,"
    " residence_status BYTEA, created_ms BIGINT NOT NULL);"
    "CREATE INDEX identities_subject ON identities(subject_id);"
    "CREATE TABLE encounters ("
    " id TEXT PRIMARY KEY, at_ms BIGINT NOT NULL, location TEXT NOT NULL,"
    " agency_id TEXT NOT NULL REFERENCES agencies(id),"
    " officer_id TEXT NOT NULL REFERENCES users(id),"
    " purpose TEXT NOT NULL, captured TEXT NOT NULL, result TEXT NOT NULL,"
    " subject_id TEXT REFERENCES subjects(id) ON DELETE SET NULL);"
    "CREATE INDEX encounters_subject ON encounters(subject_id);"
    "CREATE TABLE samples ("
    " id TEXT PRIMARY KEY,"
    " subject_id TEXT REFERENCES subjects(id) ON DELETE CASCADE,"
    " encounter_id TEXT REFERENCES encounters(id) ON DELETE CASCADE,"
    " position BIGINT NOT NULL CHECK (position BETWEEN 0 AND 15),"
    " impression BIGINT NOT NULL, format TEXT NOT NULL, data BYTEA NOT NULL,"
    " created_ms BIGINT NOT NULL);"
    "CREATE INDEX samples_subject ON samples(subject_id);"
    "CREATE INDEX samples_encounter ON samples(encounter_id);"
    "CREATE TABLE templates ("
    " id TEXT PRIMARY KEY,"
    " subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,"
    " sample_id TEXT REFERENCES samples(id) ON DELETE CASCADE,"
    " position BIGINT NOT NULL CHECK (position BETWEEN 0 AND 15),"
    " engine_version TEXT NOT NULL, data BYTEA NOT NULL, created_ms BIGINT NOT NULL);"
    "CREATE INDEX templates_subject ON templates(subject_id, position);"
    "CREATE INDEX templates_sample ON templates(sample_id);"
    "CREATE TABLE watchlists ("
    " id TEXT PRIMARY KEY, owner_agency_id TEXT NOT NULL REFERENCES agencies(id),"
    " name TEXT NOT NULL, category TEXT NOT NULL, handling TEXT NOT NULL,"
    " created_ms BIGINT NOT NULL);"
    "CREATE TABLE watchlist_entries ("
    " id TEXT PRIMARY KEY,"
    " watchlist_id TEXT NOT NULL REFERENCES watchlists(id),"
    " subject_id TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,"
    " nominating_agency_id TEXT NOT NULL REFERENCES agencies(id),"
    " nominated_by TEXT NOT NULL REFERENCES users(id),"
    " basis TEXT NOT NULL,"
    " status TEXT NOT NULL"
    "  CHECK (status IN ('proposed','active','expired','removed','rejected')),"
    " approved_by TEXT REFERENCES users(id),"
    " review_ms BIGINT NOT NULL, expires_ms BIGINT NOT NULL,"
    " created_ms BIGINT NOT NULL, updated_ms BIGINT NOT NULL);"
    "CREATE INDEX entries_subject ON watchlist_entries(subject_id);"
    "CREATE INDEX entries_watchlist ON watchlist_entries(watchlist_id, status);"
    "CREATE TABLE alerts ("
    " id TEXT PRIMARY KEY,"
    " encounter_id TEXT NOT NULL REFERENCES encounters(id) ON DELETE CASCADE,"
    " entry_id TEXT REFERENCES watchlist_entries(id) ON DELETE SET NULL,"
    " subject_id TEXT REFERENCES subjects(id) ON DELETE SET NULL,"
    " score DOUBLE PRECISION NOT NULL, evidence BYTEA NOT NULL,"
    " status TEXT NOT NULL"
    "  CHECK (status IN ('pending','confirmed','rejected','inconclusive')),"
    " examiner_id TEXT REFERENCES users(id), reasons TEXT,"
    " created_ms BIGINT NOT NULL, decided_ms BIGINT NOT NULL);"
    "CREATE INDEX alerts_encounter ON alerts(encounter_id);"
    "CREATE INDEX alerts_status ON alerts(status);"
    "CREATE TABLE links ("
    " id TEXT PRIMARY KEY,"
    " subject_a TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,"
    " subject_b TEXT NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,"
    " colour TEXT NOT NULL CHECK (colour IN ('yellow','white','red','green')),"
    " reason TEXT NOT NULL,"
    " created_by TEXT NOT NULL REFERENCES users(id),"
    " decided_by TEXT REFERENCES users(id),"
    " created_ms BIGINT NOT NULL, decided_ms BIGINT NOT NULL,"
    " CHECK (subject_a <> subject_b));"
    "CREATE INDEX links_a ON links(subject_a);"
    "CREATE INDEX links_b ON links(subject_b);"
    /* Audit rows name objects by id without foreign keys: purging a subject
     * must leave the chain whole. */
    "CREATE TABLE audit_events ("
    " seq BIGINT PRIMARY KEY CHECK (seq > 0), at_ms BIGINT NOT NULL,"
    " actor TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL,"
    " object_type TEXT NOT NULL, object_id TEXT NOT NULL, purpose TEXT NOT NULL,"
    " outcome TEXT NOT NULL, detail TEXT,"
    " prev_hash BYTEA NOT NULL, hash BYTEA NOT NULL);"
    "CREATE TABLE audit_head ("
    " id BIGINT PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL,"
    " hash BYTEA NOT NULL, sig BYTEA NOT NULL);",
    /* 2: why a watchlist entry was rejected or removed */
    "ALTER TABLE watchlist_entries ADD COLUMN status_reason TEXT;",
    /* 3: long searches as jobs (src/store/jobs.c), so that an accepted job
     * survives a crash of the node */
    "CREATE TABLE jobs ("
    " id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " priority BIGINT NOT NULL CHECK (priority BETWEEN 1 AND 9),"
    " requester TEXT NOT NULL REFERENCES users(id), purpose TEXT NOT NULL,"
    " request BYTEA NOT NULL,"
    " status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed')),"
    " result BYTEA, created_ms BIGINT NOT NULL, finished_ms BIGINT NOT NULL);"
    "CREATE INDEX jobs_status ON jobs(status, priority, created_ms);",
    /* 4: indexes for the queries a large node runs on every search or
     * de-duplication run, which scanned whole tables (EXPLAIN in
     * tests/test_bulk.c): the active watchlist entries read by every
     * identify, and the imports still pending de-duplication among all
     * encounters (src/core/import.c) */
    ("CREATE INDEX IF NOT EXISTS entries_status ON watchlist_entries(status, expires_ms);"
     "CREATE INDEX IF NOT EXISTS encounters_result ON encounters(result);"), /* one script:
     * the parentheses tell clang's -Wstring-concatenation it is meant */
};

#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

static tern_status read_version(tern_store *s, int64_t *version, tern_error *err)
{
    store_stmt *st = NULL;
    tern_status rc = store_prepare(s, "SELECT MAX(version) FROM schema_version", &st, err);
    if (rc != TERN_OK)
        return rc;
    bool row = false;
    rc = s->ops->step(st, &row, err);
    *version = (rc == TERN_OK && row && !s->ops->col_null(st, 0)) ? s->ops->col_i64(st, 0) : 0;
    s->ops->finalize(st);
    return rc;
}

tern_status tern_store_schema_version(tern_store *s, int64_t *version, tern_error *err)
{
    return read_version(s, version, err);
}

static tern_status migrate_tx(tern_store *s, void *ctx, tern_error *err)
{
    (void)ctx;
    /* The audit lock doubles as the migration lock on PostgreSQL, where
     * several processes may open one database at once. */
    tern_status rc = s->ops->lock_audit(s->db, err);
    if (rc == TERN_OK)
        rc = s->ops->exec(s->db, "CREATE TABLE IF NOT EXISTS schema_version ("
                                 " version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL)",
                          err);
    int64_t have = 0;
    if (rc == TERN_OK)
        rc = read_version(s, &have, err);
    if (rc != TERN_OK)
        return rc;
    if (have > (int64_t)N_MIGRATIONS)
        return tern_error_set(err, TERN_E_UNSUPPORTED,
                              "store schema is at version %lld, newer than this build's %zu",
                              (long long)have, N_MIGRATIONS);
    for (int64_t v = have + 1; v <= (int64_t)N_MIGRATIONS; v++) {
        rc = s->ops->exec(s->db, migrations[v - 1], err);
        if (rc != TERN_OK)
            return tern_error_prefix(err, "migration %lld: ", (long long)v);
        store_stmt *st = NULL;
        rc = store_prepare(s, "INSERT INTO schema_version (version, applied_ms) VALUES (?, ?)",
                           &st, err);
        if (rc != TERN_OK)
            return rc;
        s->ops->bind_i64(st, 1, v);
        s->ops->bind_i64(st, 2, tern_store_now_ms());
        bool row;
        rc = s->ops->step(st, &row, err);
        s->ops->finalize(st);
        if (rc != TERN_OK)
            return rc;
    }
    return TERN_OK;
}

tern_status store_migrate(tern_store *s, tern_error *err)
{
    return store_in_tx(s, migrate_tx, NULL, err);
}
