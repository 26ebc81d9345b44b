/* iterate.c - reading many rows (tern/store.h): each / count with an
 * equality filter bound as the column stores it, each_upto on an integer
 * column, the gallery's templates, and the audit chain in order. SQL text
 * comes only from the column descriptors (tables.c); every value is a
 * parameter. Each walk asks its backend to stream (store_ops.stream): one
 * row in client memory at a time, whatever the size of the result
 * (docs/store.md, "Reading many rows"); a row callback may still query
 * the same store.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

#define tables store_tables

/* The column named by a filter: any but sealed, blob and hash columns. */
static tern_status filter_col(const table *t, const char *field, const col **out,
                              tern_error *err)
{
    *out = NULL;
    if (!field)
        return TERN_OK;
    for (size_t i = 0; i < t->ncols; i++) {
        if (strcmp(t->cols[i].name, field) == 0) {
            if (t->cols[i].kind == K_STEXT || t->cols[i].kind == K_SBLOB ||
                t->cols[i].kind == K_BLOB || t->cols[i].kind == K_HASH)
                return tern_error_set(err, TERN_E_ARG, "%s: cannot filter on %s", t->what,
                                      field);
            *out = &t->cols[i];
            return TERN_OK;
        }
    }
    return tern_error_set(err, TERN_E_ARG, "%s: no field named \"%.40s\"", t->what, field);
}

/* A decimal integer, the whole of text, in range; no sign but '-', no
 * blanks. */
static bool parse_i64(const char *text, int64_t *out)
{
    const char *p = text;
    bool neg = *p == '-';
    if (neg)
        p++;
    if (*p < '0' || *p > '9')
        return false;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (lim - d) / 10u)
            return false;
        v = v * 10u + d;
    }
    *out = neg ? (int64_t)(0u - v) : (int64_t)v;
    return true;
}

/* Binds the filter value of column c as the column stores it. Integer
 * columns take a decimal integer; enum columns (stored as names) take the
 * name ("confirmed") or the enumerator's number ("1"); a value no row can
 * hold is refused (TERN_E_ARG) instead of silently matching nothing. */
static tern_status bind_filter(tern_store *s, store_stmt *st, const table *t, const col *c,
                               const char *value, tern_error *err)
{
    int64_t v = 0;
    if (!value)
        return tern_error_set(err, TERN_E_ARG, "%s: filter on %s without a value", t->what,
                              c->name);
    switch (c->kind) {
    case K_I64:
        if (!parse_i64(value, &v))
            return tern_error_set(err, TERN_E_ARG,
                                  "%s: filter on %s: \"%.40s\" is not a decimal integer",
                                  t->what, c->name, value);
        s->ops->bind_i64(st, 1, v);
        return TERN_OK;
    case K_F64: {
        char *end = NULL;
        double d = strtod(value, &end);
        if (!*value || *end)
            return tern_error_set(err, TERN_E_ARG, "%s: filter on %s: \"%.40s\" is not a number",
                                  t->what, c->name, value);
        s->ops->bind_f64(st, 1, d);
        return TERN_OK;
    }
    case K_ENUM: {
        const char *name = NULL;
        if (store_enum_parse(c, value, strlen(value), &v) == TERN_OK || parse_i64(value, &v))
            name = v >= 0 ? c->enum_name(v) : NULL;
        if (!name)
            return tern_error_set(err, TERN_E_ARG,
                                  "%s: filter on %s: \"%.40s\" is neither a value name nor its "
                                  "number",
                                  t->what, c->name, value);
        s->ops->bind_text(st, 1, name, strlen(name));
        return TERN_OK;
    }
    default:
        s->ops->bind_text(st, 1, value, strlen(value));
        return TERN_OK;
    }
}

/* Steps st (already bound: bound is the binding's outcome) through its
 * rows, calling fn with each, then finalizes it. */
static tern_status run_each(tern_store *s, const table *t, store_stmt *st, tern_status bound,
                            tern_store_row_fn fn, void *ctx, tern_error *err)
{
    void *row = bound == TERN_OK ? malloc(t->size) : NULL;
    tern_status rc = bound;
    if (s->ops->stream)
        s->ops->stream(st); /* one row in memory at a time (PostgreSQL) */
    if (rc == TERN_OK && !row)
        rc = tern_error_set(err, TERN_E_NOMEM, "store: out of memory");
    while (rc == TERN_OK) {
        bool have = false;
        rc = s->ops->step(st, &have, err);
        if (rc != TERN_OK || !have)
            break;
        rc = store_read_row(s, st, t, row, err);
        if (rc != TERN_OK)
            break;
        int stop = fn(ctx, row);
        tern_store_row_clear((tern_entity)(t - tables), row);
        if (stop)
            break;
    }
    free(row);
    s->ops->finalize(st);
    return rc;
}

/* The table of e and the column a filter names (NULL: no filter). */
static tern_status filter_of(tern_entity e, const char *field, const table **t, const col **c,
                             tern_error *err)
{
    *c = NULL;
    tern_status rc = store_table_of(e, t, err);
    return rc == TERN_OK ? filter_col(*t, field, c, err) : rc;
}

tern_status tern_store_each(tern_store *s, tern_entity e, const char *field, const char *value,
                            tern_store_row_fn fn, void *ctx, tern_error *err)
{
    const table *t = NULL;
    const col *c = NULL;
    tern_status rc = filter_of(e, field, &t, &c, err);
    if (rc != TERN_OK)
        return rc;
    char where[160];
    snprintf(where, sizeof where, "%s%s%s ORDER BY %s", c ? " WHERE " : "", c ? c->name : "",
             c ? " = ?" : "", t->cols[0].name);
    store_stmt *st = NULL;
    rc = store_select(s, t, where, &st, err);
    if (rc != TERN_OK)
        return rc;
    return run_each(s, t, st, c ? bind_filter(s, st, t, c, value, err) : TERN_OK, fn, ctx, err);
}

tern_status tern_store_each_upto(tern_store *s, tern_entity e, const char *field, int64_t max,
                                 tern_store_row_fn fn, void *ctx, tern_error *err)
{
    const table *t = NULL;
    const col *c = NULL;
    tern_status rc = filter_of(e, field, &t, &c, err);
    if (rc == TERN_OK && (!c || c->kind != K_I64))
        rc = tern_error_set(err, TERN_E_ARG, "%s: \"%.40s\" is not an integer field", t->what,
                            field ? field : "(none)");
    if (rc != TERN_OK)
        return rc;
    /* Ordered by the filtered column first, so that its index serves both
     * (ORDER BY the key alone made SQLite scan the whole table in key
     * order rather than sort the few rows the index finds). */
    char where[160];
    snprintf(where, sizeof where, " WHERE %s <= ? ORDER BY %s, %s", c->name, c->name,
             t->cols[0].name);
    store_stmt *st = NULL;
    rc = store_select(s, t, where, &st, err);
    if (rc != TERN_OK)
        return rc;
    s->ops->bind_i64(st, 1, max);
    return run_each(s, t, st, TERN_OK, fn, ctx, err);
}

tern_status tern_store_count(tern_store *s, tern_entity e, const char *field, const char *value,
                             int64_t *count, tern_error *err)
{
    const table *t = NULL;
    const col *c = NULL;
    *count = 0;
    tern_status rc = filter_of(e, field, &t, &c, err);
    if (rc != TERN_OK)
        return rc;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s%s%s%s", t->name, c ? " WHERE " : "",
             c ? c->name : "", c ? " = ?" : "");
    store_stmt *st = NULL;
    rc = store_prepare(s, sql, &st, err);
    if (rc != TERN_OK)
        return rc;
    if (c)
        rc = bind_filter(s, st, t, c, value, err);
    bool have = false;
    if (rc == TERN_OK)
        rc = s->ops->step(st, &have, err);
    if (rc == TERN_OK && have)
        *count = s->ops->col_i64(st, 0);
    s->ops->finalize(st);
    return rc;
}

typedef struct tpl_ctx {
    tern_store_template_fn fn;
    void *ctx;
} tpl_ctx;

static int tpl_thunk(void *ctx, const void *row)
{
    const tpl_ctx *tc = ctx;
    return tc->fn(tc->ctx, row);
}

tern_status tern_store_templates_each(tern_store *s, const char *engine_version,
                                      const char *watchlist_id, int64_t now_ms,
                                      tern_store_template_fn fn, void *ctx, tern_error *err)
{
    const table *t = &tables[TERN_ENT_TEMPLATE];
    char cols[512], sql[1024];
    store_col_list(t, "t.", cols, sizeof cols);
    snprintf(sql, sizeof sql,
             "SELECT %s FROM templates t WHERE 1 = 1%s%s ORDER BY t.subject_id, t.position, t.id",
             cols, engine_version ? " AND t.engine_version = ?" : "",
             watchlist_id ? " AND t.subject_id IN (SELECT e.subject_id FROM watchlist_entries e"
                            " WHERE e.watchlist_id = ? AND e.status = 'active'"
                            " AND e.expires_ms > ?)"
                          : "");
    store_stmt *st = NULL;
    tern_status rc = store_prepare(s, sql, &st, err);
    if (rc != TERN_OK)
        return rc;
    int i = 1;
    if (engine_version)
        s->ops->bind_text(st, i++, engine_version, strlen(engine_version));
    if (watchlist_id) {
        s->ops->bind_text(st, i++, watchlist_id, strlen(watchlist_id));
        s->ops->bind_i64(st, i++, now_ms);
    }
    tpl_ctx tc = {fn, ctx};
    return run_each(s, t, st, TERN_OK, tpl_thunk, &tc, err);
}

tern_status tern_store_audit_each(tern_store *s, int64_t from_seq, tern_store_row_fn fn,
                                  void *ctx, tern_error *err)
{
    const table *t = &tables[TERN_ENT_AUDIT_EVENT];
    store_stmt *st = NULL;
    tern_status rc = store_select(s, t, " WHERE seq >= ? ORDER BY seq", &st, err);
    if (rc != TERN_OK)
        return rc;
    s->ops->bind_i64(st, 1, from_seq);
    return run_each(s, t, st, TERN_OK, fn, ctx, err);
}
