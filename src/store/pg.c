/* pg.c - the PostgreSQL backend of the store (store_impl.h), through libpq.
 *
 * Every statement with values is parameterised (the extended query
 * protocol: values never enter the SQL text). `?` markers in the shared SQL
 * are rewritten to $1..$n here. Each SQL text is prepared once per
 * connection (PQprepare, a named statement "t<n>") and executed with
 * PQexecPrepared afterwards, so the server parses and plans it once, not
 * once per row: a bulk import runs the same two dozen statements per
 * identity. Named statements outlive the transaction they were made in
 * (they are not transactional), and the server re-plans them after a
 * schema change.
 *
 * Bulk transactions (tern_store_bulk, store_impl.h) run in libpq's
 * pipeline mode (PostgreSQL 14+, libpq docs "Pipeline Mode"): an INSERT
 * without RETURNING, and the audit lock, are sent without waiting for
 * their outcome; the next statement whose rows are read is sent with a
 * sync, and its round trip collects every queued outcome, reporting the
 * first failure (the server skips everything after it up to the sync, and
 * the transaction can then only roll back). A batch of imports thus costs
 * a round trip per read, not per row. Commit and rollback leave the
 * pipeline first. Parameters are sent in text
 * form except blobs (binary bytea); results are requested in binary form so
 * that bytea arrives unescaped, BIGINT as 8 big-endian bytes and DOUBLE
 * PRECISION as an IEEE 754 binary64 (PostgreSQL "send" functions, protocol
 * docs section 55.2). Audit appends and migrations are serialised with a
 * transaction-scoped advisory lock. Error classes map from SQLSTATE:
 * 23505 unique -> TERN_E_EXISTS, 23503 foreign key -> TERN_E_NOT_FOUND,
 * 23514 / 23502 check, not null -> TERN_E_ARG.
 *
 * Reading many rows (store_ops.stream, asked for by iterate.c) uses
 * libpq's single-row mode (libpq docs "Retrieving Query Results
 * Row-by-Row"): each row is handed to the caller as it arrives, so the
 * client holds one row, not the whole result. The connection is busy until
 * the last row is read; if anything else needs it first (a query issued
 * from the row callback, a commit...), the rest of the rows are read ahead
 * into memory (release(): correct, not bounded) and the statement goes on
 * from there. A failure after some rows (a server error, a lost
 * connection) is returned by the step that meets it, naming how many rows
 * came before; the connection is then read to its end and serves the next
 * statement if it is still up. A statement finalized before its last row
 * reads and drops the rest (a cancel request would fail the caller's
 * transaction). Bulk transactions read whole results.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

#define PG_MAX_PARAMS 32
#define AUDIT_LOCK_KEY "7465726e" /* "tern" */
#define PIPE_MAX 256u /* queued outcomes before a sync: bounds the unread replies */

/* The connection and its named statements. */
typedef struct pg_db {
    PGconn *conn;
    store_cache cache; /* of pg_named, by the shared SQL text */
    unsigned named;    /* statements named so far */
    bool pipe;         /* a bulk transaction: in pipeline mode */
    unsigned queued;   /* commands sent in pipeline mode, outcome unread */
    store_stmt *active; /* whose rows the connection is delivering (streamed) */
} pg_db;

typedef struct pg_named {
    char name[16];
    int nparams;
    bool deferrable;
} pg_named;

struct store_stmt {
    pg_db *d;
    PGconn *conn;
    bool deferrable;    /* an INSERT without RETURNING: no row to read */
    char *sql;          /* unnamed: the text with $n markers */
    const char *name;   /* named: prepared on the connection */
    int nparams;
    char *vals[PG_MAX_PARAMS];
    int lens[PG_MAX_PARAMS];
    int fmts[PG_MAX_PARAMS];
    PGresult *res;
    int next;     /* next row of res to hand out */
    int cur;      /* current row */
    bool executed;
    bool nomem;   /* a parameter could not be copied: step fails */
    /* streamed (store_ops.stream): res holds the rows that came in one
     * piece (one row in single-row mode) */
    bool stream;      /* asked for before the first step */
    bool streaming;   /* the connection is still delivering this result */
    long long seen;   /* rows received so far, for messages */
    PGresult **ahead; /* pieces read ahead by release(), in order */
    size_t n_ahead, used_ahead, cap_ahead;
    tern_error late;  /* a failure met while reading ahead, returned after them */
};

static tern_status pg_result_error(PGresult *res, PGconn *c, const char *doing, tern_error *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c);
    tern_status s = TERN_E_IO;
    if (state && strcmp(state, "23505") == 0)
        s = TERN_E_EXISTS;
    else if (state && strcmp(state, "23503") == 0)
        s = TERN_E_NOT_FOUND;
    else if (state && (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0))
        s = TERN_E_ARG;
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    return tern_error_set(err, s, "postgresql: %s: %.*s (SQLSTATE %s)", doing, (int)n, msg,
                          state ? state : "none");
}

/* ---- streamed results (store_ops.stream) ---------------------------------- */

/* A failure met reading st's rows, with how many came before it. */
static tern_status stream_error(store_stmt *st, PGresult *r, tern_error *err)
{
    char doing[64];
    snprintf(doing, sizeof doing, "reading rows (after %lld)", st->seen);
    return pg_result_error(r, st->conn, doing, err);
}

/* Reads what is left of st's result from the connection, to its end, and
 * frees the connection. keep: the rows go to st->ahead for st's next steps
 * and the first failure to st->late; otherwise both are dropped. */
static void stream_finish(store_stmt *st, bool keep)
{
    PGresult *r;
    while ((r = PQgetResult(st->conn)) != NULL) {
        ExecStatusType s = PQresultStatus(r);
        bool rows = s == PGRES_SINGLE_TUPLE || s == PGRES_TUPLES_OK;
        if (!keep || st->late.status != TERN_OK || (rows && PQntuples(r) == 0)) {
            PQclear(r);
            continue;
        }
        if (!rows) {
            stream_error(st, r, &st->late);
            PQclear(r);
            continue;
        }
        if (st->n_ahead == st->cap_ahead) {
            size_t cap = st->cap_ahead ? 2 * st->cap_ahead : 256;
            PGresult **a = cap < SIZE_MAX / sizeof *a ? realloc(st->ahead, cap * sizeof *a) : NULL;
            if (!a) {
                tern_error_set(&st->late, TERN_E_NOMEM,
                               "postgresql: out of memory reading rows ahead (after %lld)",
                               st->seen);
                PQclear(r);
                continue;
            }
            st->ahead = a, st->cap_ahead = cap;
        }
        st->seen += PQntuples(r);
        st->ahead[st->n_ahead++] = r;
    }
    st->streaming = false;
    if (st->d->active == st)
        st->d->active = NULL;
}

/* Frees the connection for another command: the statement whose rows it is
 * delivering has the rest read ahead. */
static void release(pg_db *d)
{
    if (d->active)
        stream_finish(d->active, true);
}

/* Sends st; its rows are then read one at a time (single-row mode). */
static tern_status stream_start(store_stmt *st, tern_error *err)
{
    const char *const *vals = (const char *const *)st->vals;
    int sent = st->name ? PQsendQueryPrepared(st->conn, st->name, st->nparams, vals, st->lens,
                                              st->fmts, 1)
                        : PQsendQueryParams(st->conn, st->sql, st->nparams, NULL, vals,
                                            st->lens, st->fmts, 1);
    if (!sent)
        return pg_result_error(NULL, st->conn, "send", err);
    /* refused (it cannot be, right after a send): the result then comes in
     * one piece, read the same way */
    (void)PQsetSingleRowMode(st->conn);
    tern_error_clear(&st->late);
    st->streaming = true;
    st->d->active = st;
    return TERN_OK;
}

/* Replaces st->res by the next piece of st's rows: read ahead, or from the
 * connection; NULL at the end. A failure is returned once its rows are
 * handed out, and leaves the connection free. */
static tern_status stream_next(store_stmt *st, tern_error *err)
{
    PQclear(st->res);
    st->res = NULL;
    st->next = 0;
    if (st->used_ahead < st->n_ahead) {
        st->res = st->ahead[st->used_ahead];
        st->ahead[st->used_ahead++] = NULL;
        return TERN_OK;
    }
    if (!st->streaming)
        return st->late.status == TERN_OK
                   ? TERN_OK
                   : tern_error_set(err, st->late.status, "%s", st->late.message);
    PGresult *r = PQgetResult(st->conn);
    ExecStatusType s = PQresultStatus(r);
    if (!r) {
        st->streaming = false;
        st->d->active = NULL;
    } else if (s == PGRES_SINGLE_TUPLE || s == PGRES_TUPLES_OK) {
        st->seen += PQntuples(r);
        st->res = r;
    } else {
        tern_status rc = stream_error(st, r, err);
        PQclear(r);
        stream_finish(st, false);
        return rc;
    }
    return TERN_OK;
}

/* ---- pipeline mode (bulk transactions) ----------------------------------- */

/* Sends a sync and reads every queued outcome up to it. *last (may be
 * NULL) receives the last command's result, the one sent just before the
 * sync. The first failure is returned, named as the last command's own
 * or as an earlier one's. */
static tern_status pipe_sync(pg_db *d, PGresult **last, tern_error *err)
{
    tern_status rc = TERN_OK;
    unsigned seen = 0, nulls = 0;
    if (!PQpipelineSync(d->conn)) {
        d->queued = 0;
        return tern_error_set(err, TERN_E_IO, "postgresql: pipeline sync: %s",
                              PQerrorMessage(d->conn));
    }
    for (;;) {
        PGresult *r = PQgetResult(d->conn);
        if (!r) { /* the end of one command's results */
            if (++nulls > 2) {
                if (rc == TERN_OK)
                    rc = tern_error_set(err, TERN_E_IO, "postgresql: pipeline: %s",
                                        PQerrorMessage(d->conn));
                break;
            }
            continue;
        }
        nulls = 0;
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        seen++;
        if (st == PGRES_FATAL_ERROR && rc == TERN_OK)
            rc = pg_result_error(r, d->conn,
                                 seen == d->queued ? "statement"
                                                   : "an earlier write of this bulk transaction",
                                 err);
        if (last && seen == d->queued)
            *last = r;
        else
            PQclear(r);
    }
    d->queued = 0;
    return rc;
}

/* Leaves pipeline mode, collecting the outcomes still queued. */
static tern_status pipe_end(pg_db *d, tern_error *err)
{
    if (!d->pipe)
        return TERN_OK;
    tern_status rc = d->queued ? pipe_sync(d, NULL, err) : TERN_OK;
    if (!PQexitPipelineMode(d->conn) && rc == TERN_OK)
        rc = tern_error_set(err, TERN_E_IO, "postgresql: leaving pipeline mode: %s",
                            PQerrorMessage(d->conn));
    d->pipe = false;
    return rc;
}

static tern_status pg_bulk(void *h, tern_error *err)
{
    pg_db *d = h;
    release(d);
    if (!d->pipe && !PQenterPipelineMode(d->conn))
        return tern_error_set(err, TERN_E_IO, "postgresql: entering pipeline mode: %s",
                              PQerrorMessage(d->conn));
    d->pipe = true;
    return TERN_OK;
}

/* Queues st (or a script-free command: sql with no parameters); a read, a
 * full queue, or anything but a deferrable command is synced at once. */
static tern_status pipe_step(pg_db *d, store_stmt *st, const char *sql, bool deferrable,
                             PGresult **res, tern_error *err)
{
    int sent;
    if (st) {
        const char *const *vals = (const char *const *)st->vals;
        sent = st->name ? PQsendQueryPrepared(d->conn, st->name, st->nparams, vals, st->lens,
                                              st->fmts, 1)
                        : PQsendQueryParams(d->conn, st->sql, st->nparams, NULL, vals,
                                            st->lens, st->fmts, 1);
    } else {
        sent = PQsendQueryParams(d->conn, sql, 0, NULL, NULL, NULL, NULL, 1);
    }
    if (!sent)
        return tern_error_set(err, TERN_E_IO, "postgresql: send: %s", PQerrorMessage(d->conn));
    d->queued++;
    if (deferrable && d->queued < PIPE_MAX)
        return TERN_OK;
    return pipe_sync(d, deferrable ? NULL : res, err);
}

static bool is_deferrable(const char *sql)
{
    return strncmp(sql, "INSERT ", 7) == 0 && !strstr(sql, "RETURNING");
}

/* ---- statements ------------------------------------------------------------- */

static tern_status conn_exec(PGconn *c, const char *sql, tern_error *err)
{
    PGresult *res = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(res);
    tern_status rc = TERN_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = pg_result_error(res, c, "exec", err);
    PQclear(res);
    return rc;
}

static tern_status pg_exec(void *h, const char *sql, tern_error *err)
{
    pg_db *d = h;
    release(d);
    if (d->pipe) /* one command (the audit lock): no rows wanted */
        return pipe_step(d, NULL, sql, true, NULL, err);
    return conn_exec(d->conn, sql, err);
}

/* Names st's text on the connection and caches the name under sql. A
 * failed PQprepare returns its error (a wrong text, or a transaction that
 * has failed: what executing it would have reported); a full cache or no
 * memory leaves st unnamed, executed by PQexecParams. */
static tern_status name_stmt(pg_db *d, const char *sql, store_stmt *st, tern_error *err)
{
    if (d->cache.n >= STORE_CACHE_MAX)
        return TERN_OK;
    release(d);
    pg_named *nm = malloc(sizeof *nm);
    if (!nm)
        return TERN_OK;
    snprintf(nm->name, sizeof nm->name, "t%u", d->named++);
    nm->nparams = st->nparams;
    nm->deferrable = st->deferrable;
    /* PQprepare waits for its reply: in pipeline mode, collect what is
     * queued and leave the pipeline for it (once per text and connection) */
    bool pipe = d->pipe;
    tern_status rc = pipe_end(d, err);
    PGresult *res = rc == TERN_OK ? PQprepare(d->conn, nm->name, st->sql, st->nparams, NULL)
                                  : NULL;
    if (rc == TERN_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_result_error(res, d->conn, "prepare", err);
    PQclear(res);
    if (pipe && pg_bulk(d, rc == TERN_OK ? err : NULL) != TERN_OK && rc == TERN_OK)
        rc = TERN_E_IO;
    if (rc == TERN_OK && store_cache_put(&d->cache, sql, nm) == TERN_OK) {
        st->name = nm->name;
        return TERN_OK;
    }
    free(nm); /* a named statement nobody will use stays on the server: harmless */
    return rc;
}

static tern_status pg_prepare(void *h, const char *sql, store_stmt **out, tern_error *err)
{
    *out = NULL;
    pg_db *d = h;
    store_stmt *st = calloc(1, sizeof *st);
    pg_named *nm = st ? store_cache_get(&d->cache, sql) : NULL;
    if (nm) {
        st->d = d;
        st->conn = d->conn;
        st->name = nm->name;
        st->nparams = nm->nparams;
        st->deferrable = nm->deferrable;
        *out = st;
        return TERN_OK;
    }
    size_t n = strlen(sql), q = 0;
    for (size_t i = 0; i < n; i++)
        q += sql[i] == '?';
    char *text = st ? malloc(n + q * 3 + 1) : NULL;
    if (!text) {
        free(st);
        return tern_error_set(err, TERN_E_NOMEM, "postgresql: out of memory");
    }
    if (q > PG_MAX_PARAMS) {
        free(text);
        free(st);
        return tern_error_set(err, TERN_E_INTERNAL, "postgresql: %zu parameters, limit %d", q,
                              PG_MAX_PARAMS);
    }
    size_t o = 0;
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        if (sql[i] == '?')
            o += (size_t)sprintf(text + o, "$%d", ++k);
        else
            text[o++] = sql[i];
    }
    text[o] = 0;
    st->d = d;
    st->conn = d->conn;
    st->sql = text;
    st->nparams = k;
    st->deferrable = is_deferrable(sql);
    tern_status rc = name_stmt(d, sql, st, err);
    if (rc != TERN_OK) {
        free(text);
        free(st);
        return rc;
    }
    *out = st;
    return TERN_OK;
}

static void set_param(store_stmt *st, int i, const void *v, size_t len, int fmt)
{
    if (i < 1 || i > st->nparams)
        return;
    free(st->vals[i - 1]);
    st->vals[i - 1] = NULL;
    st->lens[i - 1] = 0;
    st->fmts[i - 1] = fmt;
    if (!v)
        return;
    char *copy = malloc(len + 1);
    if (!copy) {
        st->nomem = true;
        return;
    }
    memcpy(copy, v, len);
    copy[len] = 0;
    st->vals[i - 1] = copy;
    st->lens[i - 1] = (int)len;
}

static void pg_bind_null(store_stmt *st, int i) { set_param(st, i, NULL, 0, 0); }
static void pg_bind_i64(store_stmt *st, int i, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    set_param(st, i, buf, (size_t)n, 0);
}
static void pg_bind_f64(store_stmt *st, int i, double v)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.17g", v);
    set_param(st, i, buf, (size_t)n, 0);
}
static void pg_bind_text(store_stmt *st, int i, const char *v, size_t len)
{
    set_param(st, i, v, len, 0);
}
static void pg_bind_blob(store_stmt *st, int i, const void *v, size_t len)
{
    set_param(st, i, v ? v : "", len, 1);
}

static void pg_stream(store_stmt *st) { st->stream = true; }

static tern_status pg_step(store_stmt *st, bool *row, tern_error *err)
{
    *row = false;
    if (!st->executed) {
        if (st->nomem)
            return tern_error_set(err, TERN_E_NOMEM, "postgresql: out of memory binding values");
        st->executed = true;
        release(st->d);
        if (st->d->pipe) {
            st->stream = false; /* bulk: whole results */
            tern_status rc = pipe_step(st->d, st, NULL, st->deferrable, &st->res, err);
            if (rc != TERN_OK)
                return rc;
        } else if (st->stream) {
            tern_status rc = stream_start(st, err);
            if (rc != TERN_OK)
                return rc;
        } else {
            const char *const *vals = (const char *const *)st->vals;
            st->res = st->name ? PQexecPrepared(st->conn, st->name, st->nparams, vals,
                                                st->lens, st->fmts, 1)
                               : PQexecParams(st->conn, st->sql, st->nparams, NULL, vals,
                                              st->lens, st->fmts, 1);
            ExecStatusType s = PQresultStatus(st->res);
            if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
                return pg_result_error(st->res, st->conn, "statement", err);
        }
    }
    for (;;) {
        if (st->res && st->next < PQntuples(st->res)) {
            st->cur = st->next++;
            *row = true;
            return TERN_OK;
        }
        if (!st->stream)
            return TERN_OK;
        tern_status rc = stream_next(st, err);
        if (rc != TERN_OK || !st->res)
            return rc;
    }
}

static uint64_t be_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static bool pg_col_null(store_stmt *st, int i) { return PQgetisnull(st->res, st->cur, i); }

static int64_t pg_col_i64(store_stmt *st, int i)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(st->res, st->cur, i);
    int len = PQgetlength(st->res, st->cur, i);
    if (len == 8)
        return (int64_t)be_u64(p);
    if (len == 4)
        return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
    if (len == 2)
        return (int16_t)((uint16_t)(p[0] << 8 | p[1]));
    return 0;
}

static double pg_col_f64(store_stmt *st, int i)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(st->res, st->cur, i);
    if (PQgetlength(st->res, st->cur, i) != 8)
        return 0.0;
    uint64_t bits = be_u64(p);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static const void *pg_col_bytes(store_stmt *st, int i, size_t *len)
{
    *len = (size_t)PQgetlength(st->res, st->cur, i);
    return PQgetvalue(st->res, st->cur, i);
}

static void pg_finalize(store_stmt *st)
{
    if (!st)
        return;
    if (st->streaming) /* finalized before its last row: the rest is dropped */
        stream_finish(st, false);
    for (size_t i = st->used_ahead; i < st->n_ahead; i++)
        PQclear(st->ahead[i]);
    free(st->ahead);
    for (int i = 0; i < st->nparams; i++)
        free(st->vals[i]);
    PQclear(st->res);
    free(st->sql);
    free(st);
}

static tern_status pg_begin(void *h, tern_error *err) { return pg_exec(h, "BEGIN", err); }
static tern_status pg_commit(void *h, tern_error *err)
{
    /* COMMIT of a transaction that had failed reports ROLLBACK with command
     * status OK; treat that as a failure so that nothing is acknowledged. */
    PGconn *db = ((pg_db *)h)->conn;
    release(h);
    tern_status rc = pipe_end(h, err); /* a queued write that failed */
    if (rc != TERN_OK)
        return rc;
    PGresult *res = PQexec(db, "COMMIT");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_result_error(res, db, "commit", err);
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
        rc = tern_error_set(err, TERN_E_STATE, "postgresql: commit: the transaction had failed "
                                               "and was rolled back");
    PQclear(res);
    return rc;
}
static tern_status pg_rollback(void *h, tern_error *err)
{
    release(h);
    (void)pipe_end(h, NULL); /* the first failure was reported already */
    return pg_exec(h, "ROLLBACK", err);
}
static tern_status pg_lock_audit(void *h, tern_error *err)
{
    return pg_exec(h, "SELECT pg_advisory_xact_lock(x'" AUDIT_LOCK_KEY "'::bigint)", err);
}
static void pg_close(void *h)
{
    pg_db *d = h;
    store_cache_free(&d->cache, free);
    PQfinish(d->conn);
    free(d);
}

static const store_ops pg_ops = {
    .name = "postgresql",
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_null = pg_bind_null,
    .bind_i64 = pg_bind_i64,
    .bind_f64 = pg_bind_f64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .stream = pg_stream,
    .step = pg_step,
    .col_null = pg_col_null,
    .col_i64 = pg_col_i64,
    .col_f64 = pg_col_f64,
    .col_bytes = pg_col_bytes,
    .finalize = pg_finalize,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .lock_audit = pg_lock_audit,
    .bulk = pg_bulk,
    .close = pg_close,
};

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* "relation already exists, skipping" and the like */
}

tern_status store_pg_open(const char *conninfo, void **out, const store_ops **ops,
                          tern_error *err)
{
    *out = NULL;
    PGconn *c = PQconnectdb(conninfo);
    if (!c)
        return tern_error_set(err, TERN_E_NOMEM, "postgresql: out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        const char *m = PQerrorMessage(c);
        size_t n = strlen(m);
        while (n > 0 && m[n - 1] == '\n')
            n--;
        tern_status s = tern_error_set(err, TERN_E_IO, "postgresql: cannot connect: %.*s", (int)n, m);
        PQfinish(c);
        return s;
    }
    PQsetNoticeProcessor(c, quiet_notices, NULL);
    /* Durable commits whatever the server default says. */
    pg_db *d = calloc(1, sizeof *d);
    tern_status s = d ? conn_exec(c, "SET synchronous_commit = on; SET client_encoding = 'UTF8'",
                                  err)
                      : tern_error_set(err, TERN_E_NOMEM, "postgresql: out of memory");
    if (s != TERN_OK) {
        free(d);
        PQfinish(c);
        return s;
    }
    d->conn = c;
    *out = d;
    *ops = &pg_ops;
    return TERN_OK;
}
