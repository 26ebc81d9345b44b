/* pg.c - the PostgreSQL backend of the store (store_impl.h), through libpq.
 *
 * Every statement with values goes through PQexecParams (parameterised, the
 * extended query protocol: values never enter the SQL text). `?` markers in
 * the shared SQL are rewritten to $1..$n here. Parameters are sent in text
 * form except blobs (binary bytea); results are requested in binary form so
 * that bytea arrives unescaped, BIGINT as 8 big-endian bytes and DOUBLE
 * PRECISION as an IEEE 754 binary64 (PostgreSQL "send" functions, protocol
 * docs section 55.2). Audit appends and migrations are serialised with a
 * transaction-scoped advisory lock. Error classes map from SQLSTATE:
 * 23505 unique -> TERN_E_EXISTS, 23503 foreign key -> TERN_E_NOT_FOUND,
 * 23514 / 23502 check, not null -> TERN_E_ARG.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

#define PG_MAX_PARAMS 32
#define AUDIT_LOCK_KEY "7465726e" /* "tern" */

struct store_stmt {
    PGconn *conn;
    char *sql;
    int nparams;
    char *vals[PG_MAX_PARAMS];
    int lens[PG_MAX_PARAMS];
    int fmts[PG_MAX_PARAMS];
    PGresult *res;
    int next;     /* next row to hand out */
    int cur;      /* current row */
    bool executed;
    bool nomem;   /* a parameter could not be copied: step fails */
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

static tern_status pg_exec(void *db, const char *sql, tern_error *err)
{
    PGresult *res = PQexec(db, sql);
    ExecStatusType st = PQresultStatus(res);
    tern_status rc = TERN_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = pg_result_error(res, db, "exec", err);
    PQclear(res);
    return rc;
}

static tern_status pg_prepare(void *db, const char *sql, store_stmt **out, tern_error *err)
{
    *out = NULL;
    store_stmt *st = calloc(1, sizeof *st);
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
    st->conn = db;
    st->sql = text;
    st->nparams = k;
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

static tern_status pg_step(store_stmt *st, bool *row, tern_error *err)
{
    *row = false;
    if (!st->executed) {
        if (st->nomem)
            return tern_error_set(err, TERN_E_NOMEM, "postgresql: out of memory binding values");
        st->executed = true;
        st->res = PQexecParams(st->conn, st->sql, st->nparams, NULL,
                               (const char *const *)st->vals, st->lens, st->fmts, 1);
        ExecStatusType s = PQresultStatus(st->res);
        if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
            return pg_result_error(st->res, st->conn, "statement", err);
    }
    if (st->res && st->next < PQntuples(st->res)) {
        st->cur = st->next++;
        *row = true;
    }
    return TERN_OK;
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
    for (int i = 0; i < st->nparams; i++)
        free(st->vals[i]);
    PQclear(st->res);
    free(st->sql);
    free(st);
}

static tern_status pg_begin(void *db, tern_error *err) { return pg_exec(db, "BEGIN", err); }
static tern_status pg_commit(void *db, tern_error *err)
{
    /* COMMIT of a transaction that had failed reports ROLLBACK with command
     * status OK; treat that as a failure so that nothing is acknowledged. */
    PGresult *res = PQexec(db, "COMMIT");
    tern_status rc = TERN_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = pg_result_error(res, db, "commit", err);
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
        rc = tern_error_set(err, TERN_E_STATE, "postgresql: commit: the transaction had failed "
                                               "and was rolled back");
    PQclear(res);
    return rc;
}
static tern_status pg_rollback(void *db, tern_error *err) { return pg_exec(db, "ROLLBACK", err); }
static tern_status pg_lock_audit(void *db, tern_error *err)
{
    return pg_exec(db, "SELECT pg_advisory_xact_lock(x'" AUDIT_LOCK_KEY "'::bigint)", err);
}
static void pg_close(void *db) { PQfinish(db); }

static const store_ops pg_ops = {
    .name = "postgresql",
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_null = pg_bind_null,
    .bind_i64 = pg_bind_i64,
    .bind_f64 = pg_bind_f64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
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
    tern_status s = pg_exec(c, "SET synchronous_commit = on; SET client_encoding = 'UTF8'", err);
    if (s != TERN_OK) {
        PQfinish(c);
        return s;
    }
    *out = c;
    *ops = &pg_ops;
    return TERN_OK;
}
