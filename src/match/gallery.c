/* gallery.c - the in-memory multi-finger gallery (tern/gallery.h): compact
 * prepared fingers, an id table (open addressing, linear probing with
 * backward-shift deletion: Knuth, TAOCP vol. 3, 6.4 Algorithm R), and the
 * read-write lock that lets searches run side by side.
 *
 * Memory: a prepared template (src/match/mcc.c) holds its minutiae, the MCC
 * bit cylinders and validity masks, the convex hull, and two n x n tables
 * (pairwise distances and directions) that dominate its size (12.8 KB of
 * its 16 KB at 40 minutiae). The gallery keeps everything but those tables
 * and rebuilds them, with the same float expressions as mcc.c, for each
 * comparison (gallery_compare), so scores equal tern_match_compare's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gallery_internal.h"

/* ---- compact fingers --------------------------------------------------- */

static size_t align8(size_t x) { return (x + 7u) & ~(size_t)7u; }
static void finger_layout(tern_gallery_finger *f);

tern_status tern_gallery_finger_prepare(const tern_template *t, tern_gallery_finger **out,
                                        tern_error *err)
{
    *out = NULL;
    tern_match_template *mt;
    tern_status rc = tern_match_template_create(t, &mt, err);
    if (rc != TERN_OK)
        return rc;
    size_t n = mt->n, h = mt->n_hull;
    size_t total = align8(align8(sizeof(tern_gallery_finger)) +
                          n * (MCC_WORDS + MCC_SWORDS) * sizeof(uint64_t) +
                          n * sizeof(match_minutia)) +
                   5 * h * sizeof(float) + n * sizeof(uint16_t);
    tern_gallery_finger *f = malloc(total);
    if (!f) {
        tern_match_template_free(mt);
        return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    }
    *f = (tern_gallery_finger){.n = (uint32_t)n, .n_hull = (uint32_t)h, .key = mt->key,
                               .bytes = total};
    finger_layout(f);
    memcpy(f->cyl, mt->cyl, n * MCC_WORDS * sizeof(uint64_t));
    memcpy(f->valid, mt->valid, n * MCC_SWORDS * sizeof(uint64_t));
    memcpy(f->m, mt->m, n * sizeof(match_minutia));
    memcpy(f->hull, mt->hull, 2 * h * sizeof(float));
    memcpy(f->hull_edge, mt->hull_edge, 3 * h * sizeof(float));
    memcpy(f->ones, mt->ones, n * sizeof(uint16_t));
    tern_match_template_free(mt);
    *out = f;
    return TERN_OK;
}

void tern_gallery_finger_free(tern_gallery_finger *f) { free(f); }

/* Points the arrays of a finger at the bytes that follow its header. */
static void finger_layout(tern_gallery_finger *f)
{
    size_t n = f->n, h = f->n_hull;
    uint8_t *p = (uint8_t *)f;
    size_t o = align8(sizeof(tern_gallery_finger));
    f->cyl = (uint64_t *)(p + o);
    o += n * MCC_WORDS * sizeof(uint64_t);
    f->valid = (uint64_t *)(p + o);
    o += n * MCC_SWORDS * sizeof(uint64_t);
    f->m = (match_minutia *)(p + o);
    o = align8(o + n * sizeof(match_minutia));
    f->hull = (float *)(p + o);
    o += 2 * h * sizeof(float);
    f->hull_edge = (float *)(p + o);
    o += 3 * h * sizeof(float);
    f->ones = (uint16_t *)(p + o);
}

tern_status tern_gallery_finger_clone(const tern_gallery_finger *f, tern_gallery_finger **out,
                                      tern_error *err)
{
    *out = malloc(f->bytes);
    if (!*out)
        return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    memcpy(*out, f, f->bytes);
    finger_layout(*out);
    return TERN_OK;
}

size_t tern_gallery_finger_bytes(const tern_gallery_finger *f) { return f ? f->bytes : 0; }

tern_status gallery_scratch_init(gallery_scratch *s, tern_error *err)
{
    memset(s, 0, sizeof *s);
    size_t nn = (size_t)TERN_TEMPLATE_MAX_MINUTIAE * TERN_TEMPLATE_MAX_MINUTIAE;
    s->dist = malloc(nn * sizeof *s->dist);
    s->dir = malloc(nn * sizeof *s->dir);
    tern_status rc = s->dist && s->dir ? tern_match_context_create(&s->ctx, err)
                                       : tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    if (rc != TERN_OK)
        gallery_scratch_free(s);
    return rc;
}

void gallery_scratch_free(gallery_scratch *s)
{
    tern_match_context_free(s->ctx);
    free(s->dist);
    free(s->dir);
    memset(s, 0, sizeof *s);
}

double gallery_compare(gallery_scratch *s, const tern_match_template *probe,
                       const tern_gallery_finger *f)
{
    tern_match_template *v = &s->view;
    uint32_t n = f->n;
    *v = (tern_match_template){.n = n, .m = f->m, .cyl = f->cyl, .valid = f->valid,
                               .ones = f->ones, .dist = s->dist, .dir = s->dir,
                               .n_hull = f->n_hull, .hull = f->hull,
                               .hull_edge = f->hull_edge, .key = f->key};
    /* The same expressions as tern_match_template_create (mcc.c). */
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            float dx = f->m[j].x - f->m[i].x, dy = f->m[j].y - f->m[i].y;
            s->dist[(size_t)i * n + j] = sqrtf(dx * dx + dy * dy);
            s->dir[(size_t)i * n + j] = atan2f(dy, dx);
        }
    return tern_match_compare(s->ctx, probe, v);
}

/* ---- the gallery and its id table --------------------------------------- */

tern_status tern_gallery_create(tern_gallery **out, tern_error *err)
{
    *out = NULL;
    tern_gallery *g = calloc(1, sizeof *g);
    if (!g)
        return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    if (pthread_rwlock_init(&g->lock, NULL) != 0) {
        free(g);
        return tern_error_set(err, TERN_E_NOMEM, "gallery: cannot create its lock");
    }
    *out = g;
    return TERN_OK;
}

void tern_gallery_free(tern_gallery *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++)
        for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++)
            free(g->e[i].f[k]);
    free(g->e);
    free(g->slot);
    pthread_rwlock_destroy(&g->lock);
    free(g);
}

static uint64_t hash_id(const char *id)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *id; id++)
        h = (h ^ (uint8_t)*id) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

size_t gallery_find(const tern_gallery *g, const char *id)
{
    if (!g->n_slot)
        return SIZE_MAX;
    size_t mask = g->n_slot - 1;
    for (size_t s = hash_id(id) & mask;; s = (s + 1) & mask) {
        uint32_t v = g->slot[s];
        if (!v)
            return SIZE_MAX;
        if (strcmp(g->e[v - 1].id, id) == 0)
            return v - 1;
    }
}

static void slot_insert(tern_gallery *g, size_t index)
{
    size_t mask = g->n_slot - 1, s = hash_id(g->e[index].id) & mask;
    while (g->slot[s])
        s = (s + 1) & mask;
    g->slot[s] = (uint32_t)(index + 1);
}

static size_t slot_of(const tern_gallery *g, size_t index)
{
    size_t mask = g->n_slot - 1;
    size_t s = hash_id(g->e[index].id) & mask;
    while (g->slot[s] != index + 1)
        s = (s + 1) & mask;
    return s;
}

/* Backward-shift deletion: no tombstones, probe chains stay short. */
static void slot_delete(tern_gallery *g, size_t s)
{
    size_t mask = g->n_slot - 1;
    g->slot[s] = 0;
    for (size_t j = (s + 1) & mask; g->slot[j]; j = (j + 1) & mask) {
        size_t home = hash_id(g->e[g->slot[j] - 1].id) & mask;
        /* move j into the hole s if its home is not in (s, j] cyclically */
        bool in_range = s <= j ? (home > s && home <= j) : (home > s || home <= j);
        if (!in_range) {
            g->slot[s] = g->slot[j];
            g->slot[j] = 0;
            s = j;
        }
    }
}

static tern_status grow(tern_gallery *g, tern_error *err)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 64;
        if (cap > UINT32_MAX - 1)
            return tern_error_set(err, TERN_E_LIMIT, "gallery: too many ids");
        gallery_entry *e = realloc(g->e, cap * sizeof *e);
        if (!e)
            return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
        g->e = e;
        g->cap = cap;
    }
    if (2 * (g->n + 1) >= g->n_slot) {
        size_t ns = g->n_slot ? 2 * g->n_slot : 128;
        uint32_t *slot = calloc(ns, sizeof *slot);
        if (!slot)
            return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
        free(g->slot);
        g->slot = slot;
        g->n_slot = ns;
        for (size_t i = 0; i < g->n; i++)
            slot_insert(g, i);
    }
    return TERN_OK;
}

static tern_status check_id(const char *id, tern_error *err)
{
    size_t len = id ? strlen(id) : 0;
    if (len == 0 || len >= TERN_GALLERY_ID_MAX)
        return tern_error_set(err, TERN_E_ARG, "gallery: id of %zu bytes (1..%u allowed)", len,
                              TERN_GALLERY_ID_MAX - 1);
    return TERN_OK;
}

tern_status tern_gallery_put(tern_gallery *g, const char *id, unsigned position,
                             tern_gallery_finger *f, tern_error *err)
{
    tern_status rc = check_id(id, err);
    if (rc == TERN_OK && (position < 1 || position > TERN_GALLERY_FINGERS))
        rc = tern_error_set(err, TERN_E_ARG, "gallery: finger position %u (1..10 allowed)",
                            position);
    if (rc == TERN_OK && !f)
        rc = tern_error_set(err, TERN_E_ARG, "gallery: no finger given for \"%s\"", id);
    if (rc != TERN_OK) {
        free(f);
        return rc;
    }
    pthread_rwlock_wrlock(&g->lock);
    size_t i = gallery_find(g, id);
    if (i == SIZE_MAX) {
        rc = grow(g, err);
        if (rc == TERN_OK) {
            i = g->n++;
            memset(&g->e[i], 0, sizeof g->e[i]);
            memcpy(g->e[i].id, id, strlen(id) + 1);
            slot_insert(g, i);
        }
    }
    if (rc == TERN_OK) {
        tern_gallery_finger **slot = &g->e[i].f[position - 1];
        if (*slot) {
            g->fingers--;
            g->bytes -= (*slot)->bytes;
            free(*slot);
        }
        *slot = f;
        g->fingers++;
        g->bytes += f->bytes;
    } else {
        free(f);
    }
    pthread_rwlock_unlock(&g->lock);
    return rc;
}

tern_status tern_gallery_put_template(tern_gallery *g, const char *id, unsigned position,
                                      const tern_template *t, tern_error *err)
{
    tern_gallery_finger *f;
    tern_status rc = tern_gallery_finger_prepare(t, &f, err);
    return rc == TERN_OK ? tern_gallery_put(g, id, position, f, err) : rc;
}

bool tern_gallery_remove(tern_gallery *g, const char *id)
{
    if (check_id(id, NULL) != TERN_OK)
        return false;
    pthread_rwlock_wrlock(&g->lock);
    size_t i = gallery_find(g, id);
    if (i != SIZE_MAX) {
        slot_delete(g, slot_of(g, i));
        for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++) {
            if (g->e[i].f[k]) {
                g->fingers--;
                g->bytes -= g->e[i].f[k]->bytes;
                free(g->e[i].f[k]);
            }
        }
        size_t last = --g->n;
        if (i != last) {
            size_t s = slot_of(g, last);
            g->e[i] = g->e[last];
            g->slot[s] = (uint32_t)(i + 1);
        }
    }
    pthread_rwlock_unlock(&g->lock);
    return i != SIZE_MAX;
}

bool tern_gallery_contains(tern_gallery *g, const char *id)
{
    if (check_id(id, NULL) != TERN_OK)
        return false;
    pthread_rwlock_rdlock(&g->lock);
    bool found = gallery_find(g, id) != SIZE_MAX;
    pthread_rwlock_unlock(&g->lock);
    return found;
}

void tern_gallery_each_id(tern_gallery *g, int (*fn)(void *ctx, const char *id), void *ctx)
{
    pthread_rwlock_rdlock(&g->lock);
    for (size_t i = 0; i < g->n; i++)
        if (fn(ctx, g->e[i].id))
            break;
    pthread_rwlock_unlock(&g->lock);
}

static size_t read_count(tern_gallery *g, int which)
{
    pthread_rwlock_rdlock(&g->lock);
    size_t v = which == 0 ? g->n : which == 1 ? g->fingers : g->bytes;
    pthread_rwlock_unlock(&g->lock);
    return v;
}

size_t tern_gallery_size(tern_gallery *g) { return read_count(g, 0); }
size_t tern_gallery_fingers(tern_gallery *g) { return read_count(g, 1); }
size_t tern_gallery_memory(tern_gallery *g) { return read_count(g, 2); }
