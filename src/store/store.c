/* store.c - opening a store by URL, dispatch to the backend, transactions,
 * and the validation helpers shared by every row (tern/store.h).
 *
 * UTF-8 validation follows RFC 3629 section 4 (no overlong forms, no
 * surrogates D800-DFFF, nothing above U+10FFFF); NUL is refused too, since
 * both backends' TEXT and C strings end at it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store_impl.h"

#define BUSY_TIMEOUT_MS 10000

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

tern_status tern_store_open(const char *url, const tern_key *data_key, tern_store **out,
                            tern_error *err)
{
    *out = NULL;
    if (!url || !data_key)
        return tern_error_set(err, TERN_E_ARG, "store: a URL and a data key are required");
    tern_status rc = tern_crypto_init(err);
    if (rc != TERN_OK)
        return rc;
    tern_store *s = calloc(1, sizeof *s);
    if (!s)
        return tern_error_set(err, TERN_E_NOMEM, "store: out of memory");
    if (has_prefix(url, "sqlite:")) {
        rc = store_sqlite_open(url + 7, BUSY_TIMEOUT_MS, &s->db, &s->ops, err);
    } else if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://")) {
        rc = store_pg_open(url, &s->db, &s->ops, err);
    } else if (has_prefix(url, "pg:")) {
        rc = store_pg_open(url + 3, &s->db, &s->ops, err);
    } else {
        rc = tern_error_set(err, TERN_E_ARG,
                            "store: unknown URL scheme in \"%.40s\" (want sqlite:PATH, "
                            "postgresql://... or pg:CONNINFO)",
                            url);
    }
    if (rc != TERN_OK) {
        free(s);
        return rc;
    }
    s->key = *data_key;
    rc = store_migrate(s, err);
    if (rc != TERN_OK) {
        tern_store_close(s);
        return rc;
    }
    *out = s;
    return TERN_OK;
}

void tern_store_close(tern_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        s->ops->rollback(s->db, NULL);
    s->ops->close(s->db);
    tern_key_wipe(&s->key, sizeof s->key);
    free(s);
}

const char *tern_store_backend(const tern_store *s) { return s->ops->name; }

void tern_store_api_key_hash(const tern_store *s, const uint8_t secret[32],
                             uint8_t out[TERN_HASH_BYTES])
{
    tern_apikey_hash(&s->key, secret, out);
}

bool tern_store_in_transaction(const tern_store *s) { return s->in_tx; }

tern_status tern_store_bulk(tern_store *s, tern_error *err)
{
    if (!s->in_tx)
        return tern_error_set(err, TERN_E_STATE, "store: bulk writing needs a transaction");
    return s->ops->bulk ? s->ops->bulk(s->db, err) : TERN_OK;
}

bool store_known_has(tern_store *s, const char *tab, const char *id)
{
    for (size_t i = 0; s->in_tx && i < STORE_KNOWN_MAX; i++) {
        store_known *k = &s->known[i];
        if (k->table && strcmp(k->table, tab) == 0 && strcmp(k->id, id) == 0) {
            k->used = ++s->clock;
            return true;
        }
    }
    return false;
}

void store_known_add(tern_store *s, const char *tab, const char *id)
{
    if (!s->in_tx || strlen(id) >= TERN_ID_MAX || store_known_has(s, tab, id))
        return;
    store_known *old = &s->known[0];
    for (size_t i = 1; i < STORE_KNOWN_MAX && old->table; i++)
        if (!s->known[i].table || s->known[i].used < old->used)
            old = &s->known[i];
    old->table = tab;
    memcpy(old->id, id, strlen(id) + 1);
    old->used = ++s->clock;
}

void store_known_clear(tern_store *s)
{
    memset(s->known, 0, sizeof s->known);
    s->head_locked = s->head_known = false;
}

tern_status tern_store_begin(tern_store *s, tern_error *err)
{
    if (s->in_tx)
        return tern_error_set(err, TERN_E_STATE, "store: a transaction is already open");
    store_known_clear(s);
    tern_status rc = s->ops->begin(s->db, err);
    if (rc == TERN_OK)
        s->in_tx = true;
    return rc;
}

tern_status tern_store_commit(tern_store *s, tern_error *err)
{
    if (!s->in_tx)
        return tern_error_set(err, TERN_E_STATE, "store: commit without a transaction");
    tern_status rc = s->ops->commit(s->db, err);
    if (rc != TERN_OK)
        s->ops->rollback(s->db, NULL);
    s->in_tx = false;
    store_known_clear(s);
    return rc;
}

tern_status tern_store_rollback(tern_store *s, tern_error *err)
{
    if (!s->in_tx)
        return TERN_OK;
    s->in_tx = false;
    store_known_clear(s);
    return s->ops->rollback(s->db, err);
}

tern_status store_in_tx(tern_store *s, tern_status (*fn)(tern_store *, void *, tern_error *),
                        void *ctx, tern_error *err)
{
    if (s->in_tx)
        return fn(s, ctx, err);
    tern_status rc = tern_store_begin(s, err);
    if (rc != TERN_OK)
        return rc;
    rc = fn(s, ctx, err);
    if (rc == TERN_OK)
        return tern_store_commit(s, err);
    tern_store_rollback(s, NULL);
    return rc;
}

tern_status store_prepare(tern_store *s, const char *sql, store_stmt **out, tern_error *err)
{
    return s->ops->prepare(s->db, sql, out, err);
}

struct store_cache_slot {
    char *sql;   /* NULL: empty */
    void *value;
};

#define CACHE_SLOTS (2 * STORE_CACHE_MAX)

/* FNV-1a, 64 bits: a good enough spread for a few hundred SQL texts. */
static size_t cache_home(const char *sql)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return (size_t)(h & (CACHE_SLOTS - 1));
}

void *store_cache_get(const store_cache *c, const char *sql)
{
    if (!c->slot)
        return NULL;
    for (size_t i = cache_home(sql);; i = (i + 1) & (CACHE_SLOTS - 1)) {
        if (!c->slot[i].sql)
            return NULL; /* at most half full: an empty slot always ends the probe */
        if (strcmp(c->slot[i].sql, sql) == 0)
            return c->slot[i].value;
    }
}

tern_status store_cache_put(store_cache *c, const char *sql, void *value)
{
    if (c->n >= STORE_CACHE_MAX)
        return TERN_E_LIMIT;
    if (!c->slot && !(c->slot = calloc(CACHE_SLOTS, sizeof *c->slot)))
        return TERN_E_NOMEM;
    size_t i = cache_home(sql);
    while (c->slot[i].sql)
        i = (i + 1) & (CACHE_SLOTS - 1);
    if (!(c->slot[i].sql = strdup(sql)))
        return TERN_E_NOMEM;
    c->slot[i].value = value;
    c->n++;
    return TERN_OK;
}

void store_cache_free(store_cache *c, void (*free_value)(void *))
{
    for (size_t i = 0; c->slot && i < CACHE_SLOTS; i++) {
        if (c->slot[i].sql && free_value)
            free_value(c->slot[i].value);
        free(c->slot[i].sql);
    }
    free(c->slot);
    c->slot = NULL;
    c->n = 0;
}

int64_t tern_store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

tern_status tern_store_check_id(const char *id, const char *what, tern_error *err)
{
    size_t n = strnlen(id, TERN_ID_MAX);
    if (n == 0 || n >= TERN_ID_MAX)
        return tern_error_set(err, n ? TERN_E_LIMIT : TERN_E_ARG,
                              "%s: an id is 1 to %u characters", what, TERN_ID_MAX - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok)
            return tern_error_set(err, TERN_E_ARG,
                                  "%s: character 0x%02x at offset %zu is not allowed in an id "
                                  "(A-Z a-z 0-9 . _ : -)",
                                  what, c, i);
    }
    return TERN_OK;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c >= 0x01 && c < 0x80)
        return 1;
    size_t len;
    unsigned min, cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, min = 0x80, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, min = 0x800, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

tern_status tern_store_check_text(const char *text, size_t max, const char *what,
                                  tern_error *err)
{
    size_t n = strnlen(text, max + 1);
    if (n > max)
        return tern_error_set(err, TERN_E_LIMIT, "%s: longer than the limit of %zu bytes", what,
                              max);
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (!k)
            return tern_error_set(err, TERN_E_FORMAT,
                                  "%s: not valid UTF-8 at byte offset %zu (byte 0x%02x)", what, i,
                                  p[i]);
        i += k;
    }
    return TERN_OK;
}

static const char *const entry_names[] = {"proposed", "active", "expired", "removed", "rejected"};
static const char *const alert_names[] = {"pending", "confirmed", "rejected", "inconclusive"};
static const char *const link_names[] = {"yellow", "white", "red", "green"};

#define NAME_OF(tab, v)                                                                       \
    ((v) >= 0 && (uint64_t)(v) < sizeof(tab) / sizeof(tab)[0] ? (tab)[(v)] : NULL)

const char *tern_entry_status_name(int64_t status) { return NAME_OF(entry_names, status); }
const char *tern_alert_status_name(int64_t status) { return NAME_OF(alert_names, status); }
const char *tern_link_colour_name(int64_t colour) { return NAME_OF(link_names, colour); }
