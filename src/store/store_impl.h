/* store_impl.h - what the store's backends (sqlite.c, pg.c) provide to the
 * backend-neutral code (store.c, rows.c, schema.c). Private to src/store.
 *
 * A backend is a small driver: run a script, prepare one statement with
 * positional `?` parameters (the PostgreSQL backend rewrites them to $n),
 * bind, step through result rows, read columns, and begin / commit / roll
 * back. Everything else (typed rows, validation, sealing, migrations) is
 * written once above it, so both backends behave the same by construction.
 */
#ifndef TERN_STORE_IMPL_H
#define TERN_STORE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/crypto.h"
#include "tern/store.h"

typedef struct store_stmt store_stmt;

typedef struct store_ops {
    const char *name; /* "sqlite" or "postgresql" */
    /* Runs a script of one or more statements without parameters. */
    tern_status (*exec)(void *db, const char *sql, tern_error *err);
    tern_status (*prepare)(void *db, const char *sql, store_stmt **out, tern_error *err);
    /* Parameters are numbered from 1. Text and blobs are copied or must
     * outlive the statement (both backends copy or use them before step
     * returns; callers keep them alive until finalize). */
    void (*bind_null)(store_stmt *st, int i);
    void (*bind_i64)(store_stmt *st, int i, int64_t v);
    void (*bind_f64)(store_stmt *st, int i, double v);
    void (*bind_text)(store_stmt *st, int i, const char *v, size_t len);
    void (*bind_blob)(store_stmt *st, int i, const void *v, size_t len);
    /* Asks, before the first step, for st's rows to be read as they come
     * rather than all at once (a result of many rows: iterate.c): memory
     * then stays bounded. Queries issued between its steps on the same
     * connection still work (the PostgreSQL backend reads the rest of the
     * rows ahead first). NULL: nothing to do (SQLite always steps). */
    void (*stream)(store_stmt *st);
    /* Executes (first call) or advances; *row is true while a row is ready.
     * Constraint failures map to TERN_E_EXISTS (unique), TERN_E_NOT_FOUND
     * (foreign key) and TERN_E_ARG (check, not null). */
    tern_status (*step)(store_stmt *st, bool *row, tern_error *err);
    /* Columns are numbered from 0. */
    bool (*col_null)(store_stmt *st, int i);
    int64_t (*col_i64)(store_stmt *st, int i);
    double (*col_f64)(store_stmt *st, int i);
    /* Text or blob bytes, valid until the next step or finalize. */
    const void *(*col_bytes)(store_stmt *st, int i, size_t *len);
    void (*finalize)(store_stmt *st);
    /* A write transaction (SQLite: BEGIN IMMEDIATE). */
    tern_status (*begin)(void *db, tern_error *err);
    tern_status (*commit)(void *db, tern_error *err);
    tern_status (*rollback)(void *db, tern_error *err);
    /* Serialises audit appends until the transaction ends (PostgreSQL:
     * pg_advisory_xact_lock; SQLite: nothing, the write lock already is). */
    tern_status (*lock_audit)(void *db, tern_error *err);
    /* Bulk writing until the transaction ends (tern_store_bulk): writes
     * that return no rows need not wait for their outcome; a failure is
     * reported by the next read or by commit. NULL: nothing to do. */
    tern_status (*bulk)(void *db, tern_error *err);
    void (*close)(void *db);
} store_ops;

/* Ids known to exist in the open transaction: inserted or found by a
 * reference check in it. A row's references are not looked up again (a
 * bulk import's identity, encounter and ten templates all name the
 * subject just inserted, and the same agency and officer). Few and recent:
 * the least recently used is replaced. Emptied at begin, commit and
 * rollback, and by every delete (a cascade may remove rows). */
#define STORE_KNOWN_MAX 32
typedef struct store_known {
    const char *table; /* a descriptor's static table name; NULL: empty */
    char id[TERN_ID_MAX];
    uint64_t used;     /* clock of the last add or hit */
} store_known;

struct tern_store {
    const store_ops *ops;
    void *db;
    tern_key key;
    bool in_tx;
    store_known known[STORE_KNOWN_MAX];
    uint64_t clock;
    /* The audit head this transaction wrote last, while it holds the chain
     * lock: the next append in it need not read it back (or lock again).
     * Forgotten with the known ids. */
    tern_audit_head head;
    bool head_locked; /* the chain lock was taken in this transaction */
    bool head_known;
};

/* Is (tab, id) known to exist in the open transaction? Never outside
 * one. */
bool store_known_has(tern_store *s, const char *tab, const char *id);
/* Remembers that (tab, id) exists, if a transaction is open. */
void store_known_add(tern_store *s, const char *tab, const char *id);
/* Forgets every id and the audit head (a delete ran, or the transaction
 * ended). */
void store_known_clear(tern_store *s);

/* Backend openers: target is the path (SQLite) or the libpq conninfo / URL. */
tern_status store_sqlite_open(const char *path, int busy_timeout_ms, void **db,
                              const store_ops **ops, tern_error *err);
tern_status store_pg_open(const char *conninfo, void **db, const store_ops **ops,
                          tern_error *err);

/* Applies the versioned migrations (schema.c); called by open. */
tern_status store_migrate(tern_store *s, tern_error *err);

/* Runs fn inside a transaction: the caller's if one is open, otherwise a new
 * one that commits on TERN_OK and rolls back otherwise. */
tern_status store_in_tx(tern_store *s, tern_status (*fn)(tern_store *, void *, tern_error *),
                        void *ctx, tern_error *err);

/* Prepares sql (a one-row-at-a-time helper set used by rows.c). */
tern_status store_prepare(tern_store *s, const char *sql, store_stmt **out, tern_error *err);

/* ---- the backends' statement caches ----------------------------------- */

/* Values (a backend's prepared statement) by SQL text, one cache per
 * connection. The SQL texts come from the static descriptors and a few
 * fixed strings, so they are few (about a hundred); past STORE_CACHE_MAX
 * a backend prepares without caching. Not thread-safe (one connection,
 * one thread). */
#define STORE_CACHE_MAX 512u
typedef struct store_cache_slot store_cache_slot;
typedef struct store_cache {
    store_cache_slot *slot; /* 2 * STORE_CACHE_MAX slots, open addressing */
    size_t n;
} store_cache;
/* The value cached for sql, or NULL. */
void *store_cache_get(const store_cache *c, const char *sql);
/* Caches value under a copy of sql (absent before). TERN_E_LIMIT when the
 * cache is full, TERN_E_NOMEM; either way value is not kept. */
tern_status store_cache_put(store_cache *c, const char *sql, void *value);
/* Calls free_value on each value, frees the cache and empties it. */
void store_cache_free(store_cache *c, void (*free_value)(void *));

/* ---- row descriptors (tables.c), used by rows.c ---------------------- */

typedef enum col_kind {
    K_ID,    /* char[TERN_ID_MAX] */
    K_TEXT,  /* char * */
    K_STEXT, /* char *, sealed */
    K_I64,   /* int64_t */
    K_F64,   /* double */
    K_ENUM,  /* int64_t stored as its name */
    K_BLOB,  /* uint8_t * + size_t */
    K_SBLOB, /* uint8_t * + size_t, sealed */
    K_HASH,  /* uint8_t[TERN_HASH_BYTES] */
} col_kind;

typedef struct col {
    const char *name;
    col_kind kind;
    bool opt;          /* may be empty / NULL */
    size_t off;        /* offset of the field */
    size_t off_len;    /* K_BLOB / K_SBLOB: offset of the length */
    size_t max;        /* text: bytes */
    const char *ref;   /* K_ID: table the id must exist in */
    const char *(*enum_name)(int64_t);
} col;

typedef struct store_table {
    const char *name;
    const char *what;   /* for messages */
    const char *prefix; /* generated ids: "<prefix>_<base32>"; NULL: caller names */
    size_t size;
    const col *cols;    /* cols[0] is the key */
    size_t ncols;
} table;

/* One descriptor per tern_entity, indexed by it. */
extern const table store_tables[TERN_ENT_COUNT];

/* ---- shared by rows.c and iterate.c ------------------------------------ */

/* The descriptor of entity e (TERN_E_ARG if there is none). */
tern_status store_table_of(tern_entity e, const table **t, tern_error *err);
/* "col1, col2, ..." of t, each prefixed with alias (may be NULL). */
void store_col_list(const table *t, const char *alias, char *buf, size_t size);
/* Prepares "SELECT <every column> FROM <t>" followed by where. */
tern_status store_select(tern_store *s, const table *t, const char *where, store_stmt **st,
                         tern_error *err);
/* Reads the current result row (columns in descriptor order) into row,
 * unsealing; on failure row is cleared. */
tern_status store_read_row(tern_store *s, store_stmt *st, const table *t, void *row,
                           tern_error *err);
/* The enumerator of c named by v[0..len) (TERN_E_FORMAT if none). */
tern_status store_enum_parse(const col *c, const char *v, size_t len, int64_t *out);

#endif
