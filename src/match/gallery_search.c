/* gallery_search.c - 1:N search and 1:1 verification on a multi-finger
 * gallery (tern/gallery.h): per-finger calibrated false-match rates
 * (tern_match_fmr_for_score) fused by Fisher's method (R. A. Fisher,
 * Statistical Methods for Research Workers, 1932, sec. 21.1: -2 sum ln p is
 * chi-square with 2k degrees of freedom when the p are independent and
 * uniform, i.e. -sum ln p is Gamma(k, 1)), so that the fused value is itself
 * a false-match rate whatever the number of fingers compared; and a
 * two-stage pre-selection for large galleries (index fingers first, all ten
 * for the short list). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gallery_internal.h"

struct tern_gallery_probe {
    tern_match_template *f[TERN_GALLERY_FINGERS];
    unsigned mask; /* bit p-1 set if finger p is present */
};

tern_status tern_gallery_probe_create(const tern_template *const fingers[TERN_GALLERY_FINGERS],
                                      tern_gallery_probe **out, tern_error *err)
{
    *out = NULL;
    tern_gallery_probe *p = calloc(1, sizeof *p);
    if (!p)
        return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++) {
        if (!fingers || !fingers[k])
            continue;
        tern_status rc = tern_match_template_create(fingers[k], &p->f[k], err);
        if (rc != TERN_OK) {
            tern_gallery_probe_free(p);
            return tern_error_prefix(err, "probe finger %u: ", k + 1);
        }
        p->mask |= 1u << k;
    }
    if (!p->mask) {
        tern_gallery_probe_free(p);
        return tern_error_set(err, TERN_E_ARG, "gallery: a probe needs at least one finger");
    }
    *out = p;
    return TERN_OK;
}

void tern_gallery_probe_free(tern_gallery_probe *p)
{
    if (!p)
        return;
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++)
        tern_match_template_free(p->f[k]);
    free(p);
}

/* log10 of Fisher's combined rate: P(Gamma(k,1) >= T), T = -sum ln p. */
static double fuse_log10(const double *fmr, unsigned k)
{
    if (k == 0)
        return 0.0;
    double t = 0;
    for (unsigned i = 0; i < k; i++)
        t -= log(fmr[i] > 0 ? (fmr[i] < 1 ? fmr[i] : 1.0) : 1e-300);
    double term = 1, sum = 1;
    for (unsigned j = 1; j < k; j++) {
        term *= t / j;
        sum += term;
    }
    double l = (-t + log(sum)) / log(10.0);
    return l < 0 ? l : 0.0;
}

double tern_gallery_fuse(const double *fmr, unsigned k) { return pow(10.0, fuse_log10(fmr, k)); }

/* One id being searched. */
typedef struct work {
    size_t idx;
    const char *id; /* g->e[idx].id, for sorting without a context */
    double log10_fmr;
    unsigned k, done; /* fingers compared; mask of positions done */
    double score[TERN_GALLERY_FINGERS];
} work;

static void compare_fingers(gallery_scratch *s, const tern_gallery_probe *p,
                            const gallery_entry *e, unsigned mask, work *w)
{
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++) {
        if (!(mask & p->mask & (1u << k)) || !e->f[k] || (w->done & (1u << k)))
            continue;
        w->score[k] = gallery_compare(s, p->f[k], e->f[k]);
        w->done |= 1u << k;
    }
    double fmr[TERN_GALLERY_FINGERS];
    w->k = 0;
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++)
        if (w->done & (1u << k))
            fmr[w->k++] = tern_match_fmr_for_score(w->score[k], NULL);
    w->log10_fmr = fuse_log10(fmr, w->k);
}

/* Best first: lower fused FMR, then id. */
static int cmp_work(const void *pa, const void *pb)
{
    const work *a = pa, *b = pb;
    if (a->log10_fmr != b->log10_fmr)
        return a->log10_fmr < b->log10_fmr ? -1 : 1;
    return strcmp(a->id, b->id);
}

static void fill_candidate(const tern_gallery *g, const work *w, tern_gallery_candidate *c)
{
    memset(c, 0, sizeof *c);
    memcpy(c->id, g->e[w->idx].id, sizeof c->id);
    c->score = -w->log10_fmr;
    c->fmr = pow(10.0, w->log10_fmr);
    c->fingers = w->k;
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++)
        c->finger_score[k] = (w->done & (1u << k)) ? w->score[k] : -1.0;
}

/* The fingers the pre-selection compares: the probe's index fingers, else
 * its first two. */
static unsigned preselect_mask(const tern_gallery_probe *p)
{
    unsigned m = p->mask & ((1u << 1) | (1u << 6));
    if (m)
        return m;
    for (unsigned k = 0, got = 0; k < TERN_GALLERY_FINGERS && got < 2; k++)
        if (p->mask & (1u << k))
            m |= 1u << k, got++;
    return m;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The entries to search: all, or the known ones of opts->only, once each. */
static tern_status search_list(const tern_gallery *g, const tern_gallery_search_opts *o,
                               work **out, size_t *n_out, tern_error *err)
{
    size_t n = o->only ? o->n_only : g->n;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = o->only ? (o->only[i] ? gallery_find(g, o->only[i]) : SIZE_MAX) : i;
        if (j != SIZE_MAX)
            idx[m++] = j;
    }
    qsort(idx, m, sizeof *idx, cmp_size);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || idx[u - 1] != idx[i])
            idx[u++] = idx[i];
    work *w = calloc(u ? u : 1, sizeof *w);
    if (!w) {
        free(idx);
        return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    }
    for (size_t i = 0; i < u; i++)
        w[i].idx = idx[i], w[i].id = g->e[idx[i]].id;
    free(idx);
    *out = w;
    *n_out = u;
    return TERN_OK;
}

static size_t search_locked(tern_gallery *g, const tern_gallery_probe *p,
                            const tern_gallery_search_opts *o, gallery_scratch *s, work *w,
                            size_t n)
{
    bool pre = o->preselect_above && n > o->preselect_above;
    unsigned first = pre ? preselect_mask(p) : p->mask;
    for (size_t i = 0; i < n; i++)
        compare_fingers(s, p, &g->e[w[i].idx], first, &w[i]);
    if (pre) {
        size_t keep = o->shortlist ? o->shortlist : (n / 100 > 100 ? n / 100 : 100);
        qsort(w, n, sizeof *w, cmp_work);
        n = keep < n ? keep : n;
        for (size_t i = 0; i < n; i++)
            compare_fingers(s, p, &g->e[w[i].idx], p->mask, &w[i]);
    }
    qsort(w, n, sizeof *w, cmp_work);
    return n;
}

tern_status tern_gallery_search(tern_gallery *g, const tern_gallery_probe *p,
                                const tern_gallery_search_opts *opts,
                                tern_gallery_candidate *out, size_t *n_out, tern_error *err)
{
    *n_out = 0;
    tern_gallery_search_opts o = opts ? *opts : (tern_gallery_search_opts){0};
    size_t max = o.max_candidates ? o.max_candidates : 10;
    if (!g || !p || !out || max > TERN_GALLERY_MAX_CANDIDATES)
        return tern_error_set(err, TERN_E_ARG, "gallery: search needs a gallery, a probe and "
                              "room for 1..%u candidates", TERN_GALLERY_MAX_CANDIDATES);
    gallery_scratch s;
    tern_status rc = gallery_scratch_init(&s, err);
    if (rc != TERN_OK)
        return rc;
    pthread_rwlock_rdlock(&g->lock);
    work *w = NULL;
    size_t n = 0;
    rc = search_list(g, &o, &w, &n, err);
    if (rc == TERN_OK) {
        n = search_locked(g, p, &o, &s, w, n);
        size_t m = 0;
        for (size_t i = 0; i < n && m < max; i++)
            if (w[i].log10_fmr < 0)
                fill_candidate(g, &w[i], &out[m++]);
        *n_out = m;
    }
    pthread_rwlock_unlock(&g->lock);
    free(w);
    gallery_scratch_free(&s);
    return rc;
}

tern_status tern_gallery_verify(tern_gallery *g, const tern_gallery_probe *p, const char *id,
                                tern_gallery_candidate *out, tern_error *err)
{
    memset(out, 0, sizeof *out);
    if (!g || !p || !id)
        return tern_error_set(err, TERN_E_ARG, "gallery: verify needs a gallery, probe and id");
    gallery_scratch s;
    tern_status rc = gallery_scratch_init(&s, err);
    if (rc != TERN_OK)
        return rc;
    pthread_rwlock_rdlock(&g->lock);
    size_t i = gallery_find(g, id);
    if (i == SIZE_MAX) {
        rc = tern_error_set(err, TERN_E_NOT_FOUND, "gallery: no id \"%.47s\"", id);
    } else {
        work w = {.idx = i};
        compare_fingers(&s, p, &g->e[i], p->mask, &w);
        fill_candidate(g, &w, out);
    }
    pthread_rwlock_unlock(&g->lock);
    gallery_scratch_free(&s);
    return rc;
}
