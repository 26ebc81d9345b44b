/* sqlite.c - the SQLite backend of the store (store_impl.h), the embedded
 * default.
 *
 * Durability: WAL journal with synchronous=FULL, so the WAL is fsync'd at
 * every commit and an acknowledged transaction survives SIGKILL and power
 * loss (SQLite documentation, "PRAGMA synchronous" and "Write-Ahead
 * Logging"). Write transactions start with BEGIN IMMEDIATE, taking the write
 * lock up front: writers queue on the busy timeout instead of failing on a
 * lock upgrade, and the audit chain head read inside is stable. Foreign keys
 * are enforced (PRAGMA foreign_keys=ON, per connection). The file is created
 * with mode 0600; SQLite gives the -wal and -shm files the same mode.
 *
 * Statements are prepared once per connection and SQL text and kept
 * (SQLITE_PREPARE_PERSISTENT); finalize resets one and returns it to the
 * cache. A statement already in use (a callback of each() running the same
 * SQL) is prepared afresh for the inner use. SQLite re-prepares a cached
 * statement by itself after a schema change (sqlite3_prepare_v3).
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_impl.h"

/* The connection and its statement cache. */
typedef struct sq_db {
    sqlite3 *db;
    store_cache cache; /* of sq_cached */
} sq_db;

typedef struct sq_cached {
    sqlite3_stmt *st;
    bool busy; /* handed out by prepare, not yet finalized */
} sq_cached;

struct store_stmt {
    sqlite3_stmt *st;
    sqlite3 *db;
    sq_cached *cached; /* NULL: finalize really finalizes */
};

static tern_status map_error(sqlite3 *db, int rc, const char *doing, tern_error *err)
{
    int ext = sqlite3_extended_errcode(db);
    tern_status s = TERN_E_IO;
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        s = TERN_E_EXISTS;
    else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
        s = TERN_E_NOT_FOUND;
    else if ((rc & 0xff) == SQLITE_CONSTRAINT)
        s = TERN_E_ARG;
    else if ((rc & 0xff) == SQLITE_NOMEM)
        s = TERN_E_NOMEM;
    return tern_error_set(err, s, "sqlite: %s: %s", doing, sqlite3_errmsg(db));
}

static tern_status sq_exec(void *h, const char *sql, tern_error *err)
{
    sqlite3 *db = ((sq_db *)h)->db;
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return map_error(db, rc, "exec", err);
    return TERN_OK;
}

static tern_status sq_prepare(void *h, const char *sql, store_stmt **out, tern_error *err)
{
    *out = NULL;
    sq_db *d = h;
    store_stmt *st = malloc(sizeof *st);
    if (!st)
        return tern_error_set(err, TERN_E_NOMEM, "sqlite: out of memory");
    *st = (store_stmt){.db = d->db};
    sq_cached *c = store_cache_get(&d->cache, sql);
    if (c && !c->busy) {
        c->busy = true;
        st->st = c->st, st->cached = c;
        *out = st;
        return TERN_OK;
    }
    int rc = sqlite3_prepare_v3(d->db, sql, -1, c ? 0 : SQLITE_PREPARE_PERSISTENT, &st->st, NULL);
    if (rc != SQLITE_OK) {
        free(st);
        return map_error(d->db, rc, "prepare", err);
    }
    if (!c && (c = malloc(sizeof *c)) != NULL) {
        *c = (sq_cached){.st = st->st, .busy = true};
        if (store_cache_put(&d->cache, sql, c) == TERN_OK)
            st->cached = c;
        else
            free(c); /* full: this statement is finalized after use */
    }
    *out = st;
    return TERN_OK;
}

static void sq_bind_null(store_stmt *st, int i) { sqlite3_bind_null(st->st, i); }
static void sq_bind_i64(store_stmt *st, int i, int64_t v) { sqlite3_bind_int64(st->st, i, v); }
static void sq_bind_f64(store_stmt *st, int i, double v) { sqlite3_bind_double(st->st, i, v); }
static void sq_bind_text(store_stmt *st, int i, const char *v, size_t len)
{
    sqlite3_bind_text64(st->st, i, v, len, SQLITE_TRANSIENT, SQLITE_UTF8);
}
/* Blobs stay alive until finalize (store_impl.h), so no copy is made. */
static void sq_bind_blob(store_stmt *st, int i, const void *v, size_t len)
{
    sqlite3_bind_blob64(st->st, i, v, len, SQLITE_STATIC);
}

static tern_status sq_step(store_stmt *st, bool *row, tern_error *err)
{
    int rc = sqlite3_step(st->st);
    *row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return TERN_OK;
    return map_error(st->db, rc, "step", err);
}

static bool sq_col_null(store_stmt *st, int i)
{
    return sqlite3_column_type(st->st, i) == SQLITE_NULL;
}
static int64_t sq_col_i64(store_stmt *st, int i) { return sqlite3_column_int64(st->st, i); }
static double sq_col_f64(store_stmt *st, int i) { return sqlite3_column_double(st->st, i); }
static const void *sq_col_bytes(store_stmt *st, int i, size_t *len)
{
    const void *p = sqlite3_column_blob(st->st, i);
    *len = (size_t)sqlite3_column_bytes(st->st, i);
    return p ? p : "";
}

static void sq_finalize(store_stmt *st)
{
    if (!st)
        return;
    if (st->cached) {
        sqlite3_reset(st->st); /* ends its read of the database */
        sqlite3_clear_bindings(st->st);
        st->cached->busy = false;
    } else {
        sqlite3_finalize(st->st);
    }
    free(st);
}

static void sq_cached_free(void *v)
{
    sqlite3_finalize(((sq_cached *)v)->st);
    free(v);
}

static tern_status sq_begin(void *db, tern_error *err) { return sq_exec(db, "BEGIN IMMEDIATE", err); }
static tern_status sq_commit(void *db, tern_error *err) { return sq_exec(db, "COMMIT", err); }
static tern_status sq_rollback(void *db, tern_error *err)
{
    return sq_exec(db, "ROLLBACK", err);
}
static tern_status sq_lock_audit(void *h, tern_error *err)
{
    (void)h;
    (void)err;
    return TERN_OK; /* BEGIN IMMEDIATE already holds the only write lock */
}
static void sq_close(void *h)
{
    sq_db *d = h;
    store_cache_free(&d->cache, sq_cached_free);
    sqlite3_close_v2(d->db);
    free(d);
}

static const store_ops sqlite_ops = {
    .name = "sqlite",
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_null = sq_bind_null,
    .bind_i64 = sq_bind_i64,
    .bind_f64 = sq_bind_f64,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .step = sq_step,
    .col_null = sq_col_null,
    .col_i64 = sq_col_i64,
    .col_f64 = sq_col_f64,
    .col_bytes = sq_col_bytes,
    .finalize = sq_finalize,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .lock_audit = sq_lock_audit,
    .close = sq_close,
};

/* Switches the file to WAL. The switch needs the exclusive lock, and SQLite
 * returns SQLITE_BUSY without calling the busy handler when taking it could
 * deadlock (several processes opening a fresh file at once): retry here,
 * with short sleeps, up to the same timeout. */
static tern_status set_wal(sqlite3 *db, int busy_timeout_ms, tern_error *err)
{
    int waited = 0;
    for (int pause = 1;; pause = pause < 16 ? pause * 2 : 16) {
        int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return TERN_OK;
        if ((rc & 0xff) != SQLITE_BUSY || waited >= busy_timeout_ms)
            return map_error(db, rc, "journal_mode=WAL", err);
        waited += sqlite3_sleep(pause);
    }
}

tern_status store_sqlite_open(const char *path, int busy_timeout_ms, void **out,
                              const store_ops **ops, tern_error *err)
{
    *out = NULL;
    if (!*path)
        return tern_error_set(err, TERN_E_ARG, "sqlite: empty database path");
    /* Create the file ourselves so that it is born with mode 0600. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return tern_error_set(err, TERN_E_IO, "sqlite: %s: %s", path, strerror(errno));
    close(fd);
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        tern_status s = tern_error_set(err, TERN_E_IO, "sqlite: %s: %s", path,
                                       db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close_v2(db);
        return s;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_timeout_ms);
    sq_db *d = calloc(1, sizeof *d);
    tern_status s = d ? set_wal(db, busy_timeout_ms, err)
                      : tern_error_set(err, TERN_E_NOMEM, "sqlite: out of memory");
    if (d)
        d->db = db;
    if (s == TERN_OK)
        s = sq_exec(d, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err);
    if (s != TERN_OK) {
        free(d);
        sqlite3_close_v2(db);
        return tern_error_prefix(err, "%s: ", path);
    }
    *out = d;
    *ops = &sqlite_ops;
    return TERN_OK;
}
