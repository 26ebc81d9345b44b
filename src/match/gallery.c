/* gallery.c - the in-memory multi-finger gallery (tern/gallery.h): compact
 * prepared fingers, an id table (open addressing, linear probing with
 * backward-shift deletion: Knuth, TAOCP vol. 3, 6.4 Algorithm R), and the
 * read-write lock that lets searches run side by side.
 *
 * Memory: a finger keeps what a prepared template (src/match/mcc.c) cannot
 * cheaply recompute, packed; a comparison restores it into scratch memory
 * (gallery_compare) with no arithmetic that could differ from preparation,
 * so gallery scores equal tern_match_compare's bit for bit. Layout of the
 * bytes after the header:
 *   - per minutia, 8 bytes: x and y as 16-bit offsets from the origin
 *     (ox, oy) in the 1/8-unit grid preparation quantises to, the direction
 *     as its 16-bit step (2 pi / 65536), type, and quality (7 bits) with the
 *     cylinder-valid flag in bit 7;
 *   - the convex hull as n_hull minutia indices (its edges are recomputed);
 *   - per valid cylinder (in minutia order), one bit: "valid on the whole
 *     disc" (the usual case), then a bit stream: for each valid cylinder its
 *     validity mask if not whole (MCC_DISC bits), its occupancy (MCC_DISC
 *     bits: the cells with any direction bin set; about 37 % of them on
 *     synthetic ten-prints), and the Nd bins of each occupied cell. Only the
 *     disc's cells can be valid or set (mcc.c numbers them from bit 0), and
 *     invalid cylinders are never compared, so nothing else is kept;
 *   - from byte field_at, the orientation field when the template has one
 *     (fc x fr cells, the cell size kept as the prepared floats): one bit
 *     a cell, foreground or not (little-endian bit order), then the
 *     foreground cells' levels minus 1, four bits each (low nibble first).
 * The counts of set cells and the cos/sin of directions are recomputed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gallery_internal.h"

/* ---- compact fingers --------------------------------------------------- */

#define REC 8 /* bytes per minutia record */

/* Little-endian bit stream over a byte buffer that has 8 bytes of slack. */
static void put_bits(uint8_t *buf, size_t *pos, uint64_t v, uint32_t nbits)
{
    for (uint32_t b = 0; b < nbits; b++, (*pos)++)
        if ((v >> b) & 1u)
            buf[*pos >> 3] |= (uint8_t)(1u << (*pos & 7));
}

static uint64_t get_bits(const uint8_t *buf, size_t *pos, uint32_t nbits)
{
    uint64_t lo;
    memcpy(&lo, buf + (*pos >> 3), 8);
    uint32_t sh = (uint32_t)(*pos & 7);
    uint64_t v = lo >> sh;
    if (sh + nbits > 64)
        v |= (uint64_t)buf[(*pos >> 3) + 8] << (64 - sh);
    *pos += nbits;
    return nbits == 64 ? v : v & ((1ull << nbits) - 1);
}

/* Bits of spatial word w of a cylinder: the disc's cells only. */
static uint32_t word_bits(uint32_t disc, int w)
{
    uint32_t from = 64u * (uint32_t)w;
    return disc <= from ? 0 : disc - from > 64 ? 64 : disc - from;
}

static int full_disc(const uint64_t *valid, uint32_t disc)
{
    for (int w = 0; w < MCC_SWORDS; w++) {
        uint32_t nb = word_bits(disc, w);
        uint64_t all = nb == 64 ? ~0ull : (1ull << nb) - 1;
        if (valid[w] != all)
            return 0;
    }
    return 1;
}

/* The cells of a cylinder with any direction bin set, per spatial word. */
static void occupancy(const uint64_t *c, uint64_t *occ)
{
    for (int w = 0; w < MCC_SWORDS; w++) {
        occ[w] = 0;
        for (int k = 0; k < MCC_ND; k++)
            occ[w] |= c[k * MCC_SWORDS + w];
    }
}

static size_t stream_bits(const tern_match_template *mt, uint32_t disc)
{
    size_t bits = mt->n_ok;
    for (uint32_t x = 0; x < mt->n_ok; x++) {
        uint64_t occ[MCC_SWORDS];
        occupancy(&mt->cyl[(size_t)mt->ok[x] * MCC_WORDS], occ);
        bits += (size_t)disc * (1 + !full_disc(&mt->valid[(size_t)mt->ok[x] * MCC_SWORDS], disc));
        for (int w = 0; w < MCC_SWORDS; w++)
            bits += (size_t)MCC_ND * (size_t)__builtin_popcountll(occ[w]);
    }
    return bits;
}

/* The orientation field at out (room for the bitmap and the nibbles). */
static void pack_field(const tern_match_template *mt, uint8_t *out)
{
    size_t cells = (size_t)mt->fc * mt->fr, bitmap = (cells + 7) / 8, k = 0;
    for (size_t i = 0; i < cells; i++) {
        uint8_t l = mt->field[i];
        if (!l)
            continue;
        out[i >> 3] |= (uint8_t)(1u << (i & 7));
        out[bitmap + (k >> 1)] |= (uint8_t)((l - 1u) << (4 * (k & 1)));
        k++;
    }
}

static void unpack_field(tern_match_template *v, const tern_gallery_finger *f)
{
    size_t cells = (size_t)f->fc * f->fr, bitmap = (cells + 7) / 8, k = 0;
    const uint8_t *in = f->data + f->field_at, *nib = in + bitmap;
    v->fc = f->fc, v->fr = f->fr, v->fw = f->fw, v->fh = f->fh;
    memset(v->field, 0, cells);
    for (size_t i = 0; i < cells; i += 8)
        for (uint32_t b = in[i >> 3]; b; b &= b - 1, k++) {
            size_t c = i + (size_t)__builtin_ctz(b);
            v->field[c] = (uint8_t)(1u + ((nib[k >> 1] >> (4 * (k & 1))) & 15u));
        }
}

tern_status tern_gallery_finger_prepare(const tern_template *t, tern_gallery_finger **out,
                                        tern_error *err)
{
    *out = NULL;
    tern_match_template *mt;
    tern_status rc = tern_match_template_create(t, &mt, err);
    if (rc != TERN_OK)
        return rc;
    uint32_t n = mt->n, disc = match_disc_cells();
    int32_t lo[2] = {0, 0}, hi[2] = {0, 0};
    for (uint32_t i = 0; i < n; i++) {
        int32_t q[2] = {(int32_t)(mt->m[i].x * MATCH_POS_SCALE), (int32_t)(mt->m[i].y * MATCH_POS_SCALE)};
        for (int d = 0; d < 2; d++) {
            lo[d] = i == 0 || q[d] < lo[d] ? q[d] : lo[d];
            hi[d] = i == 0 || q[d] > hi[d] ? q[d] : hi[d];
        }
    }
    if ((int64_t)hi[0] - lo[0] > UINT16_MAX || (int64_t)hi[1] - lo[1] > UINT16_MAX) {
        tern_match_template_free(mt);
        return tern_error_set(err, TERN_E_LIMIT, "gallery: minutiae spread over more than %.1f "
                              "inches", UINT16_MAX / MATCH_POS_SCALE / 500.0);
    }
    size_t bits = stream_bits(mt, disc), cells = (size_t)mt->fc * mt->fr, fg = 0;
    for (size_t i = 0; i < cells; i++)
        fg += mt->field[i] != 0;
    size_t field_at = (size_t)n * REC + mt->n_hull + (bits + 7) / 8 + 9; /* the stream reads 9 bytes ahead */
    size_t total = sizeof(tern_gallery_finger) + field_at + (cells + 7) / 8 + (fg + 1) / 2 + 1;
    tern_gallery_finger *f = calloc(1, total);
    if (!f) {
        tern_match_template_free(mt);
        return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    }
    f->key = mt->key, f->bytes = (uint32_t)total, f->ox = lo[0], f->oy = lo[1];
    f->n = (uint8_t)n, f->n_hull = (uint8_t)mt->n_hull, f->n_ok = (uint8_t)mt->n_ok;
    f->sx = mt->sx, f->sy = mt->sy;
    f->fc = mt->fc, f->fr = mt->fr, f->fw = mt->fw, f->fh = mt->fh, f->field_at = (uint32_t)field_at;
    pack_field(mt, f->data + field_at);
    uint8_t *p = f->data;
    for (uint32_t i = 0; i < n; i++, p += REC) {
        const match_minutia *m = &mt->m[i];
        uint16_t dx = (uint16_t)((int32_t)(m->x * MATCH_POS_SCALE) - lo[0]);
        uint16_t dy = (uint16_t)((int32_t)(m->y * MATCH_POS_SCALE) - lo[1]);
        uint16_t qa = m->aq;
        p[0] = (uint8_t)dx, p[1] = (uint8_t)(dx >> 8), p[2] = (uint8_t)dy, p[3] = (uint8_t)(dy >> 8);
        p[4] = (uint8_t)qa, p[5] = (uint8_t)(qa >> 8), p[6] = m->type;
        p[7] = (uint8_t)(m->quality | (m->cyl_ok ? 0x80 : 0));
    }
    memcpy(p, mt->hull, mt->n_hull);
    p += mt->n_hull;
    size_t pos = 0;
    for (uint32_t x = 0; x < mt->n_ok; x++)
        put_bits(p, &pos, (uint64_t)full_disc(&mt->valid[(size_t)mt->ok[x] * MCC_SWORDS], disc), 1);
    for (uint32_t x = 0; x < mt->n_ok; x++) {
        const uint64_t *v = &mt->valid[(size_t)mt->ok[x] * MCC_SWORDS];
        const uint64_t *c = &mt->cyl[(size_t)mt->ok[x] * MCC_WORDS];
        uint64_t occ[MCC_SWORDS];
        occupancy(c, occ);
        if (!full_disc(v, disc))
            for (int w = 0; w < MCC_SWORDS; w++)
                put_bits(p, &pos, v[w], word_bits(disc, w));
        for (int w = 0; w < MCC_SWORDS; w++)
            put_bits(p, &pos, occ[w], word_bits(disc, w));
        for (int w = 0; w < MCC_SWORDS; w++)
            for (uint64_t o = occ[w]; o; o &= o - 1) {
                int cell = __builtin_ctzll(o);
                uint64_t bins = 0;
                for (int k = 0; k < MCC_ND; k++)
                    bins |= ((c[k * MCC_SWORDS + w] >> cell) & 1u) << k;
                put_bits(p, &pos, bins, MCC_ND);
            }
    }
    tern_match_template_free(mt);
    *out = f;
    return TERN_OK;
}

void tern_gallery_finger_free(tern_gallery_finger *f) { free(f); }

tern_status tern_gallery_finger_clone(const tern_gallery_finger *f, tern_gallery_finger **out,
                                      tern_error *err)
{
    *out = malloc(f->bytes);
    if (!*out)
        return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    memcpy(*out, f, f->bytes);
    return TERN_OK;
}

size_t tern_gallery_finger_bytes(const tern_gallery_finger *f) { return f ? f->bytes : 0; }

tern_status gallery_scratch_init(gallery_scratch *s, tern_error *err)
{
    memset(s, 0, sizeof *s);
    size_t n = TERN_TEMPLATE_MAX_MINUTIAE;
    tern_match_template *v = &s->view;
    v->m = calloc(n, sizeof *v->m);
    v->cyl = calloc(n * MCC_WORDS, sizeof *v->cyl);
    v->valid = calloc(n * MCC_SWORDS, sizeof *v->valid);
    v->ones = calloc(n, sizeof *v->ones);
    v->ok = calloc(n, sizeof *v->ok);
    v->soa = calloc(MATCH_SOA_WORDS(n), sizeof *v->soa);
    v->ones_ok = calloc(n + 8, sizeof *v->ones_ok);
    v->hull = calloc(n + 2, sizeof *v->hull);
    v->hull_edge = calloc(3 * (n + 2), sizeof *v->hull_edge);
    v->field = calloc(TERN_ORIENT_MAX_CELLS, 1);
    tern_status rc = v->m && v->cyl && v->valid && v->ones && v->ok && v->soa && v->ones_ok &&
                             v->hull && v->hull_edge && v->field
                         ? tern_match_context_create(&s->ctx, err)
                         : tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    if (rc != TERN_OK)
        gallery_scratch_free(s);
    return rc;
}

void gallery_scratch_free(gallery_scratch *s)
{
    tern_match_context_free(s->ctx);
    tern_match_template *v = &s->view;
    free(v->m);
    free(v->cyl);
    free(v->valid);
    free(v->ones);
    free(v->ok);
    free(v->soa);
    free(v->ones_ok);
    free(v->hull);
    free(v->hull_edge);
    free(v->field);
    memset(s, 0, sizeof *s);
}

/* Restores finger f into the scratch template: the same floats and bits as
 * tern_match_template_create made (the invalid cylinders excepted, which
 * no comparison reads). */
static void restore(tern_match_template *v, const tern_gallery_finger *f)
{
    uint32_t n = f->n, disc = match_disc_cells();
    v->n = n, v->n_hull = f->n_hull, v->n_ok = 0, v->key = f->key, v->sx = f->sx, v->sy = f->sy;
    const uint8_t *p = f->data;
    for (uint32_t i = 0; i < n; i++, p += REC) {
        match_minutia *m = &v->m[i];
        int32_t qx = f->ox + (int32_t)(p[0] | p[1] << 8), qy = f->oy + (int32_t)(p[2] | p[3] << 8);
        m->x = (float)((double)qx / MATCH_POS_SCALE);
        m->y = (float)((double)qy / MATCH_POS_SCALE);
        m->aq = (uint16_t)(p[4] | p[5] << 8);
        match_angle(m->aq, &m->angle, &m->co, &m->si);
        m->type = p[6], m->quality = p[7] & 0x7f, m->cyl_ok = p[7] >> 7;
        memset(m->pad, 0, sizeof m->pad);
        if (m->cyl_ok)
            v->ok[v->n_ok++] = (uint16_t)i;
    }
    memcpy(v->hull, p, f->n_hull);
    p += f->n_hull;
    match_hull_edges(v);
    size_t flag = 0, pos = v->n_ok;
    for (uint32_t x = 0; x < v->n_ok; x++) {
        uint64_t *val = &v->valid[(size_t)v->ok[x] * MCC_SWORDS];
        uint64_t *c = &v->cyl[(size_t)v->ok[x] * MCC_WORDS];
        int full = (int)get_bits(p, &flag, 1);
        for (int w = 0; w < MCC_SWORDS; w++) {
            uint32_t nb = word_bits(disc, w);
            val[w] = full ? (nb == 64 ? ~0ull : (1ull << nb) - 1) : get_bits(p, &pos, nb);
        }
        uint64_t occ[MCC_SWORDS];
        for (int w = 0; w < MCC_SWORDS; w++)
            occ[w] = get_bits(p, &pos, word_bits(disc, w));
        memset(c, 0, MCC_WORDS * sizeof *c);
        uint32_t ones = 0;
        for (int w = 0; w < MCC_SWORDS; w++)
            for (uint64_t o = occ[w]; o; o &= o - 1) {
                int cell = __builtin_ctzll(o);
                uint64_t bins = get_bits(p, &pos, MCC_ND);
                for (uint64_t b = bins; b; b &= b - 1)
                    ones++;
                for (int k = 0; k < MCC_ND; k++)
                    c[k * MCC_SWORDS + w] |= ((bins >> k) & 1u) << cell;
            }
        v->ones[v->ok[x]] = (uint16_t)ones;
    }
    match_template_soa(v);
    unpack_field(v, f);
}

double gallery_compare(gallery_scratch *s, const tern_match_template *probe,
                       const tern_gallery_finger *f)
{
    restore(&s->view, f);
    return tern_match_compare(s->ctx, probe, &s->view);
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
