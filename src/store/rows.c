/* rows.c - typed rows over the backend driver: one table of column
 * descriptors per entity, and generic validate / seal / bind / read code that
 * serves every entity on both backends (tern/store.h); iterate.c reads many
 * rows with the same descriptors.
 *
 * Invariants: every value is validated before any SQL runs, so a refused
 * call changes nothing; sealed columns are encrypted with associated data
 * "table\0id\0column" (tern/crypto.h) so a value cannot be moved between
 * rows or columns; SQL text is built only from the static descriptors below,
 * never from caller input (values are always bound as parameters).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

#define tables store_tables

#define AT(row, c, type) ((type *)((char *)(row) + (c)->off))
#define CAT(row, c, type) ((const type *)((const char *)(row) + (c)->off))

tern_status store_table_of(tern_entity e, const table **t, tern_error *err)
{
    if ((unsigned)e >= TERN_ENT_COUNT)
        return tern_error_set(err, TERN_E_ARG, "store: unknown entity %d", (int)e);
    *t = &tables[e];
    return TERN_OK;
}

static const char *row_key(const table *t, const void *row)
{
    return t->cols[0].kind == K_ID ? CAT(row, &t->cols[0], char) : "";
}

/* ---- validation ---------------------------------------------------------- */

static tern_status check_col(const table *t, const col *c, const void *row, tern_error *err)
{
    char what[160];
    snprintf(what, sizeof what, "%s \"%.47s\": field %s", t->what, row_key(t, row), c->name);
    switch (c->kind) {
    case K_ID: {
        const char *id = CAT(row, c, char);
        if (c->opt && id[0] == '\0')
            return TERN_OK;
        if (strnlen(id, TERN_ID_MAX) >= TERN_ID_MAX)
            return tern_error_set(err, TERN_E_LIMIT, "%s: id not terminated within %u bytes",
                                  what, TERN_ID_MAX);
        return tern_store_check_id(id, what, err);
    }
    case K_TEXT:
    case K_STEXT: {
        const char *s = *CAT(row, c, char *);
        if (!s)
            return c->opt ? TERN_OK : tern_error_set(err, TERN_E_ARG, "%s: required", what);
        return tern_store_check_text(s, c->max, what, err);
    }
    case K_ENUM:
        if (!c->enum_name(*CAT(row, c, int64_t)))
            return tern_error_set(err, TERN_E_ARG, "%s: value %lld is out of range", what,
                                  (long long)*CAT(row, c, int64_t));
        return TERN_OK;
    case K_BLOB:
    case K_SBLOB: {
        size_t len = *(const size_t *)((const char *)row + c->off_len);
        if (len > TERN_STORE_BLOB_MAX)
            return tern_error_set(err, TERN_E_LIMIT, "%s: %zu bytes is over the limit of %u",
                                  what, len, TERN_STORE_BLOB_MAX);
        if (len && !*CAT(row, c, uint8_t *))
            return tern_error_set(err, TERN_E_ARG, "%s: length %zu but no bytes", what, len);
        return TERN_OK;
    }
    default:
        return TERN_OK;
    }
}

/* Every referenced id must exist. One statement for all of a row's
 * references (one round trip on PostgreSQL): SELECT (SELECT COUNT(*) FROM
 * ref1 WHERE id = ?), (SELECT COUNT(*) FROM ref2 WHERE id = ?), ... */
static tern_status check_refs(tern_store *s, const table *t, const void *row, tern_error *err)
{
    const col *refs[16];
    size_t n = 0, len = 0;
    char sql[1024] = "SELECT ";
    len = strlen(sql);
    for (size_t i = 1; i < t->ncols && n < sizeof refs / sizeof refs[0]; i++) {
        const col *c = &t->cols[i];
        if (c->kind != K_ID || !c->ref || CAT(row, c, char)[0] == '\0' ||
            store_known_has(s, c->ref, CAT(row, c, char)))
            continue;
        len += (size_t)snprintf(sql + len, sizeof sql - len,
                                "%s(SELECT COUNT(*) FROM %s WHERE id = ?)", n ? ", " : "",
                                c->ref);
        refs[n++] = c;
    }
    if (n == 0)
        return TERN_OK;
    store_stmt *st = NULL;
    tern_status rc = store_prepare(s, sql, &st, err);
    if (rc != TERN_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const char *id = CAT(row, refs[i], char);
        s->ops->bind_text(st, (int)i + 1, id, strlen(id));
    }
    bool have = false;
    rc = s->ops->step(st, &have, err);
    for (size_t i = 0; rc == TERN_OK && i < n; i++) {
        if (!have || s->ops->col_i64(st, (int)i) == 0)
            rc = tern_error_set(err, TERN_E_NOT_FOUND, "%s \"%s\": %s \"%s\" does not exist",
                                t->what, row_key(t, row), refs[i]->name,
                                CAT(row, refs[i], char));
        else
            store_known_add(s, refs[i]->ref, CAT(row, refs[i], char));
    }
    s->ops->finalize(st);
    return rc;
}

static tern_status validate(tern_store *s, const table *t, const void *row, bool key_may_be_empty,
                            tern_error *err)
{
    for (size_t i = 0; i < t->ncols; i++) {
        const col *c = &t->cols[i];
        if (i == 0 && c->kind == K_ID && key_may_be_empty && CAT(row, c, char)[0] == '\0')
            continue;
        tern_status rc = check_col(t, c, row, err);
        if (rc != TERN_OK)
            return rc;
    }
    return check_refs(s, t, row, err);
}

/* ---- binding and reading --------------------------------------------------- */

/* Sealed buffers made while binding, freed after the statement. */
typedef struct sealed_set {
    uint8_t *buf[16];
    size_t n;
} sealed_set;

static void sealed_free(sealed_set *ss)
{
    for (size_t i = 0; i < ss->n; i++)
        free(ss->buf[i]);
    ss->n = 0;
}

static size_t make_ad(const table *t, const char *id, const col *c, char *ad, size_t size)
{
    int n = snprintf(ad, size, "%s%c%s%c%s", t->name, 0, id, 0, c->name);
    return n < 0 ? 0 : ((size_t)n < size ? (size_t)n : size - 1);
}

static tern_status bind_col(tern_store *s, store_stmt *st, int idx, const table *t, const col *c,
                            const void *row, sealed_set *ss, tern_error *err)
{
    const store_ops *o = s->ops;
    switch (c->kind) {
    case K_ID: {
        const char *id = CAT(row, c, char);
        if (id[0] == '\0')
            o->bind_null(st, idx);
        else
            o->bind_text(st, idx, id, strlen(id));
        return TERN_OK;
    }
    case K_TEXT: {
        const char *v = *CAT(row, c, char *);
        if (!v)
            o->bind_null(st, idx);
        else
            o->bind_text(st, idx, v, strlen(v));
        return TERN_OK;
    }
    case K_I64:
        o->bind_i64(st, idx, *CAT(row, c, int64_t));
        return TERN_OK;
    case K_F64:
        o->bind_f64(st, idx, *CAT(row, c, double));
        return TERN_OK;
    case K_ENUM: {
        const char *name = c->enum_name(*CAT(row, c, int64_t));
        o->bind_text(st, idx, name, strlen(name));
        return TERN_OK;
    }
    case K_HASH:
        o->bind_blob(st, idx, CAT(row, c, uint8_t), TERN_HASH_BYTES);
        return TERN_OK;
    case K_BLOB: {
        const uint8_t *p = *CAT(row, c, uint8_t *);
        size_t len = *(const size_t *)((const char *)row + c->off_len);
        o->bind_blob(st, idx, p ? (const void *)p : (const void *)"", len);
        return TERN_OK;
    }
    case K_STEXT:
    case K_SBLOB: {
        const void *p = *CAT(row, c, void *);
        size_t len = c->kind == K_STEXT ? (p ? strlen(p) : 0)
                                        : *(const size_t *)((const char *)row + c->off_len);
        if (c->kind == K_STEXT && !p) {
            o->bind_null(st, idx);
            return TERN_OK;
        }
        if (ss->n == sizeof ss->buf / sizeof ss->buf[0])
            return tern_error_set(err, TERN_E_INTERNAL, "store: too many sealed columns");
        char ad[160];
        size_t adn = make_ad(t, row_key(t, row), c, ad, sizeof ad);
        uint8_t *out;
        size_t out_len;
        tern_status rc = tern_seal(&s->key, ad, adn, p ? p : "", len, &out, &out_len, err);
        if (rc != TERN_OK)
            return rc;
        ss->buf[ss->n++] = out;
        o->bind_blob(st, idx, out, out_len);
        return TERN_OK;
    }
    }
    return tern_error_set(err, TERN_E_INTERNAL, "store: unknown column kind");
}

static tern_status dup_bytes(const void *p, size_t len, void **out, tern_error *err)
{
    char *d = malloc(len + 1);
    if (!d)
        return tern_error_set(err, TERN_E_NOMEM, "store: out of memory");
    if (len)
        memcpy(d, p, len);
    d[len] = 0;
    *out = d;
    return TERN_OK;
}

tern_status store_enum_parse(const col *c, const char *v, size_t len, int64_t *out)
{
    for (int64_t i = 0; c->enum_name(i); i++) {
        const char *name = c->enum_name(i);
        if (strlen(name) == len && memcmp(name, v, len) == 0) {
            *out = i;
            return TERN_OK;
        }
    }
    return TERN_E_FORMAT;
}

static tern_status read_col(tern_store *s, store_stmt *st, int idx, const table *t,
                            const col *c, void *row, tern_error *err)
{
    const store_ops *o = s->ops;
    if (o->col_null(st, idx))
        return TERN_OK; /* row was zeroed: empty id, NULL text, 0 */
    size_t len = 0;
    const void *p;
    switch (c->kind) {
    case K_I64:
        *AT(row, c, int64_t) = o->col_i64(st, idx);
        return TERN_OK;
    case K_F64:
        *AT(row, c, double) = o->col_f64(st, idx);
        return TERN_OK;
    default:
        break;
    }
    p = o->col_bytes(st, idx, &len);
    switch (c->kind) {
    case K_ID:
        if (len >= TERN_ID_MAX)
            return tern_error_set(err, TERN_E_FORMAT, "%s: stored %s is too long", t->what,
                                  c->name);
        memcpy(AT(row, c, char), p, len);
        AT(row, c, char)[len] = 0;
        return TERN_OK;
    case K_TEXT:
        return dup_bytes(p, len, (void **)AT(row, c, char *), err);
    case K_BLOB:
        *(size_t *)((char *)row + c->off_len) = len;
        return dup_bytes(p, len, (void **)AT(row, c, uint8_t *), err);
    case K_HASH:
        if (len != TERN_HASH_BYTES)
            return tern_error_set(err, TERN_E_FORMAT, "%s \"%s\": stored %s has %zu bytes",
                                  t->what, row_key(t, row), c->name, len);
        memcpy(AT(row, c, uint8_t), p, len);
        return TERN_OK;
    case K_ENUM:
        if (store_enum_parse(c, p, len, AT(row, c, int64_t)) != TERN_OK)
            return tern_error_set(err, TERN_E_FORMAT, "%s \"%s\": stored %s is unknown", t->what,
                                  row_key(t, row), c->name);
        return TERN_OK;
    case K_STEXT:
    case K_SBLOB: {
        char ad[160];
        size_t adn = make_ad(t, row_key(t, row), c, ad, sizeof ad);
        uint8_t *plain;
        size_t plen;
        tern_status rc = tern_unseal(&s->key, ad, adn, p, len, &plain, &plen, err);
        if (rc != TERN_OK)
            return tern_error_prefix(err, "%s \"%s\": field %s: ", t->what, row_key(t, row),
                                     c->name);
        *AT(row, c, uint8_t *) = plain;
        if (c->kind == K_SBLOB)
            *(size_t *)((char *)row + c->off_len) = plen;
        return TERN_OK;
    }
    default:
        return TERN_OK;
    }
}

/* Reads the current result row (columns in descriptor order) into row. The
 * key is read first so that sealed columns know their associated data. */
tern_status store_read_row(tern_store *s, store_stmt *st, const table *t, void *row,
                           tern_error *err)
{
    memset(row, 0, t->size);
    for (size_t i = 0; i < t->ncols; i++) {
        tern_status rc = read_col(s, st, (int)i, t, &t->cols[i], row, err);
        if (rc != TERN_OK) {
            tern_store_row_clear((tern_entity)(t - tables), row);
            return rc;
        }
    }
    return TERN_OK;
}

void tern_store_row_clear(tern_entity e, void *row)
{
    if ((unsigned)e >= TERN_ENT_COUNT || !row)
        return;
    const table *t = &tables[e];
    for (size_t i = 0; i < t->ncols; i++) {
        const col *c = &t->cols[i];
        if (c->kind == K_TEXT || c->kind == K_STEXT || c->kind == K_BLOB || c->kind == K_SBLOB)
            free(*AT(row, c, void *));
    }
    memset(row, 0, t->size);
}

/* ---- SQL text from descriptors -------------------------------------------- */

void store_col_list(const table *t, const char *alias, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < t->ncols && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s%s", i ? ", " : "", alias ? alias : "",
                              t->cols[i].name);
}


/* ---- generated ids ---------------------------------------------------------- */

static void make_id(const char *prefix, char id[TERN_ID_MAX])
{
    static const char b32[] = "0123456789abcdefghjkmnpqrstvwxyz"; /* Crockford */
    uint8_t r[17] = {0};
    tern_random(r, 16);
    size_t n = (size_t)snprintf(id, TERN_ID_MAX, "%s_", prefix);
    for (int i = 0; i < 26; i++) {
        int bit = i * 5, byte = bit / 8, shift = bit % 8;
        unsigned v = ((unsigned)r[byte] << 8 | r[byte + 1]) >> (11 - shift);
        id[n++] = b32[v & 31];
    }
    id[n] = 0;
}

/* ---- insert, get, update, delete ------------------------------------------ */

static tern_status run_one(tern_store *s, store_stmt *st, bool *row, tern_error *err)
{
    bool dummy;
    tern_status rc = s->ops->step(st, row ? row : &dummy, err);
    return rc;
}

/* Steps a statement that yields the row with key id, or nothing: then
 * TERN_E_NOT_FOUND naming it. */
static tern_status run_keyed(tern_store *s, store_stmt *st, const table *t, const char *id,
                             tern_error *err)
{
    bool found = false;
    tern_status rc = s->ops->step(st, &found, err);
    if (rc == TERN_OK && !found)
        rc = tern_error_set(err, TERN_E_NOT_FOUND, "%s \"%s\" does not exist", t->what, id);
    return rc;
}

/* The table of e for an insert, update or delete: audit events are only
 * appended, through tern_audit_append. */
static tern_status table_for_change(tern_entity e, const table **t, tern_error *err)
{
    tern_status rc = store_table_of(e, t, err);
    if (rc == TERN_OK && e == TERN_ENT_AUDIT_EVENT)
        rc = tern_error_set(err, TERN_E_DENIED,
                            "audit events are append-only, through tern_audit_append");
    return rc;
}

static tern_status insert_row(tern_store *s, const table *t, void *row, tern_error *err)
{
    char cols[512], sql[1024];
    store_col_list(t, NULL, cols, sizeof cols);
    size_t n = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES (", t->name, cols);
    for (size_t i = 0; i < t->ncols; i++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s?", i ? ", " : "");
    snprintf(sql + n, sizeof sql - n, ")");
    store_stmt *st = NULL;
    tern_status rc = store_prepare(s, sql, &st, err);
    if (rc != TERN_OK)
        return rc;
    sealed_set ss = {.n = 0};
    for (size_t i = 0; i < t->ncols && rc == TERN_OK; i++)
        rc = bind_col(s, st, (int)i + 1, t, &t->cols[i], row, &ss, err);
    if (rc == TERN_OK)
        rc = run_one(s, st, NULL, err);
    s->ops->finalize(st);
    sealed_free(&ss);
    if (rc == TERN_E_EXISTS)
        return tern_error_set(err, rc, "%s \"%s\" already exists", t->what, row_key(t, row));
    if (rc != TERN_OK)
        return tern_error_prefix(err, "%s \"%s\": insert: ", t->what, row_key(t, row));
    return TERN_OK;
}

tern_status tern_store_insert(tern_store *s, tern_entity e, void *row, tern_error *err)
{
    const table *t = NULL;
    tern_status rc = table_for_change(e, &t, err);
    if (rc != TERN_OK)
        return rc;
    bool generate = t->prefix && row_key(t, row)[0] == '\0';
    rc = validate(s, t, row, generate, err);
    if (rc != TERN_OK)
        return rc;
    if (generate)
        make_id(t->prefix, (char *)row + t->cols[0].off);
    rc = insert_row(s, t, row, err);
    if (rc == TERN_OK)
        store_known_add(s, t->name, row_key(t, row));
    return rc;
}

tern_status store_select(tern_store *s, const table *t, const char *where, store_stmt **st,
                         tern_error *err)
{
    char cols[512], sql[1024];
    store_col_list(t, NULL, cols, sizeof cols);
    snprintf(sql, sizeof sql, "SELECT %s FROM %s%s", cols, t->name, where);
    return store_prepare(s, sql, st, err);
}

tern_status tern_store_get(tern_store *s, tern_entity e, const char *id, void *row,
                           tern_error *err)
{
    const table *t = NULL;
    tern_status rc = store_table_of(e, &t, err);
    if (rc != TERN_OK)
        return rc;
    if (t->cols[0].kind != K_ID)
        return tern_error_set(err, TERN_E_ARG, "%s: not addressable by id", t->what);
    rc = tern_store_check_id(id, t->what, err);
    if (rc != TERN_OK)
        return rc;
    store_stmt *st = NULL;
    rc = store_select(s, t, " WHERE id = ?", &st, err);
    if (rc != TERN_OK)
        return rc;
    s->ops->bind_text(st, 1, id, strlen(id));
    rc = run_keyed(s, st, t, id, err);
    if (rc == TERN_OK)
        rc = store_read_row(s, st, t, row, err);
    s->ops->finalize(st);
    return rc;
}

tern_status tern_store_update(tern_store *s, tern_entity e, const void *row, tern_error *err)
{
    const table *t = NULL;
    tern_status rc = table_for_change(e, &t, err);
    if (rc != TERN_OK)
        return rc;
    rc = validate(s, t, row, false, err);
    if (rc != TERN_OK)
        return rc;
    char sql[1024];
    size_t n = (size_t)snprintf(sql, sizeof sql, "UPDATE %s SET ", t->name);
    for (size_t i = 1; i < t->ncols; i++)
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s%s = ?", i > 1 ? ", " : "",
                              t->cols[i].name);
    snprintf(sql + n, sizeof sql - n, " WHERE id = ? RETURNING id");
    store_stmt *st = NULL;
    rc = store_prepare(s, sql, &st, err);
    if (rc != TERN_OK)
        return rc;
    sealed_set ss = {.n = 0};
    for (size_t i = 1; i < t->ncols && rc == TERN_OK; i++)
        rc = bind_col(s, st, (int)i, t, &t->cols[i], row, &ss, err);
    if (rc == TERN_OK)
        rc = bind_col(s, st, (int)t->ncols, t, &t->cols[0], row, &ss, err);
    if (rc == TERN_OK)
        rc = run_keyed(s, st, t, row_key(t, row), err);
    s->ops->finalize(st);
    sealed_free(&ss);
    if (rc != TERN_OK && rc != TERN_E_NOT_FOUND)
        return tern_error_prefix(err, "%s \"%s\": update: ", t->what, row_key(t, row));
    return rc;
}

tern_status tern_store_delete(tern_store *s, tern_entity e, const char *id, tern_error *err)
{
    const table *t = NULL;
    tern_status rc = table_for_change(e, &t, err);
    if (rc != TERN_OK)
        return rc;
    rc = tern_store_check_id(id, t->what, err);
    if (rc != TERN_OK)
        return rc;
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = ? RETURNING id", t->name);
    store_stmt *st = NULL;
    rc = store_prepare(s, sql, &st, err);
    if (rc != TERN_OK)
        return rc;
    s->ops->bind_text(st, 1, id, strlen(id));
    rc = run_keyed(s, st, t, id, err);
    s->ops->finalize(st);
    store_known_clear(s); /* the delete may have cascaded */
    if (rc != TERN_OK && rc != TERN_E_NOT_FOUND)
        return tern_error_prefix(err, "%s \"%s\": delete: ", t->what, id);
    return rc;
}

/* ---- audit storage ------------------------------------------------------------- */

tern_status tern_store_audit_insert(tern_store *s, const tern_audit_event *ev, tern_error *err)
{
    const table *t = &tables[TERN_ENT_AUDIT_EVENT];
    tern_status rc = validate(s, t, ev, false, err);
    if (rc != TERN_OK)
        return rc;
    rc = insert_row(s, t, (void *)ev, err);
    if (rc == TERN_E_EXISTS)
        return tern_error_set(err, rc,
                              "audit event %lld already exists: an append without the chain lock",
                              (long long)ev->seq);
    return rc;
}

tern_status tern_store_audit_head_get(tern_store *s, bool lock, tern_audit_head *head,
                                      tern_error *err)
{
    memset(head, 0, sizeof *head);
    tern_status rc;
    if (lock && s->in_tx && s->head_known) { /* ours, under the lock we hold */
        *head = s->head;
        return TERN_OK;
    }
    if (lock) {
        if (!s->in_tx)
            return tern_error_set(err, TERN_E_STATE, "audit: the head lock needs a transaction");
        rc = s->ops->lock_audit(s->db, err);
        if (rc != TERN_OK)
            return rc;
        s->head_locked = true;
    }
    store_stmt *st = NULL;
    rc = store_prepare(s, "SELECT seq, hash, sig FROM audit_head WHERE id = 1", &st, err);
    if (rc != TERN_OK)
        return rc;
    bool have = false;
    rc = run_one(s, st, &have, err);
    if (rc == TERN_OK && have) {
        size_t hl = 0, sl = 0;
        head->seq = s->ops->col_i64(st, 0);
        const void *h = s->ops->col_bytes(st, 1, &hl);
        if (hl == TERN_HASH_BYTES)
            memcpy(head->hash, h, hl);
        const void *g = s->ops->col_bytes(st, 2, &sl);
        if (sl == TERN_SIGN_BYTES) {
            memcpy(head->sig, g, sl);
            head->has_sig = true;
        }
        if (hl != TERN_HASH_BYTES)
            rc = tern_error_set(err, TERN_E_FORMAT, "audit head: stored hash has %zu bytes", hl);
    }
    s->ops->finalize(st);
    return rc;
}

tern_status tern_store_audit_head_put(tern_store *s, const tern_audit_head *head,
                                      tern_error *err)
{
    store_stmt *st = NULL;
    tern_status rc = store_prepare(
        s,
        "INSERT INTO audit_head (id, seq, hash, sig) VALUES (1, ?, ?, ?) ON CONFLICT (id) "
        "DO UPDATE SET seq = excluded.seq, hash = excluded.hash, sig = excluded.sig",
        &st, err);
    if (rc != TERN_OK)
        return rc;
    s->ops->bind_i64(st, 1, head->seq);
    s->ops->bind_blob(st, 2, head->hash, TERN_HASH_BYTES);
    s->ops->bind_blob(st, 3, head->sig, head->has_sig ? TERN_SIGN_BYTES : 0);
    rc = run_one(s, st, NULL, err);
    s->ops->finalize(st);
    if (rc == TERN_OK && s->in_tx && s->head_locked)
        s->head = *head, s->head_known = true;
    return rc;
}
