/* wsq_wavelet.c - the WSQ two-channel filter bank (FBI WSQ spec v3.1, Part 1
 * Annex A: symmetric wavelet transform with odd-length biorthogonal filters,
 * whole-sample symmetric extension of the signal).
 *
 * Synthesis must match the NIST reference decoder bit for bit, so the order
 * in which each output sample's products are summed matters (float addition
 * is not associative). The reference computes an output sample as: the first
 * lowpass product, plus the following lowpass products, then plus each
 * highpass product, all in float, with the band samples visited by a cursor
 * that walks the band and turns around at its ends (repeating the end sample
 * once where the band's extension is half-sample symmetric). For one line
 * length and orientation that visiting order is the same for every line, so
 * it is computed once as a "plan" (source sample and tap for every product of
 * every output) and then applied to all rows or columns: columns as vector
 * passes over whole rows, rows as scalar sums.
 *
 * Analysis (encoder only) need not match anything bit for bit: it is the
 * plain symmetric-extension filter bank, lowpass samples centred on even
 * positions and highpass on odd ones. */
#include <stdlib.h>
#include <string.h>

#include "img/wsq_internal.h"

/* ---- synthesis plans ---------------------------------------------------- */

typedef struct plan {
    uint32_t n;        /* line length */
    uint32_t slots;    /* product slots per output sample */
    uint8_t *count;    /* products of output j (lowpass ones first) */
    uint32_t *src;     /* n * slots: sample index within the line */
    float *tap;        /* n * slots: filter coefficient */
    uint32_t *run;     /* outputs j, j+2, ... whose products are output j's
                          shifted by one band sample each (1 = only j) */
} plan;

/* A cursor walking one band of `len` samples. At an end it turns around; if
 * `hold_*` is set it first stays on the end sample once (half-sample
 * symmetric extension) and clears the flag. */
typedef struct cursor {
    int64_t pos;
    int dir;
    bool hold_first, hold_last;
} cursor;

static void cursor_step(cursor *c, int64_t last)
{
    if (c->pos == 0) {
        if (c->hold_first) {
            c->dir = 0;
            c->hold_first = false;
        } else {
            c->dir = 1;
        }
    }
    if (c->pos == last) {
        if (c->hold_last) {
            c->dir = 0;
            c->hold_last = false;
        } else {
            c->dir = -1;
        }
    }
    c->pos += c->dir;
}

/* The starting cursor of successive outputs only ever turns at the band's
 * first sample. */
static void start_step(cursor *c)
{
    if (c->pos == 0) {
        if (c->hold_first) {
            c->dir = 0;
            c->hold_first = false;
        } else {
            c->dir = 1;
        }
    }
    c->pos += c->dir;
}

typedef struct band {
    uint32_t offset, len;      /* where the band lies in the line */
    const float *f;
    int flen;
} band;

/* Appends to output *out the products tap, tap+2, ... of filter b->f over
 * the samples visited from cursor c; false if the walk leaves the band. */
static bool emit(plan *p, uint32_t *out, cursor c, int tap, const band *b, bool lowpass)
{
    if (*out >= p->n)
        return false;
    uint32_t j = *out;
    /* The reference assigns the first lowpass product and adds everything
     * else: a highpass product planned before its output's lowpass ones would
     * not reproduce it (never the case for the filters WSQ uses). */
    if (lowpass ? p->count[j] != 0 : p->count[j] == 0)
        return false;
    for (int i = tap; i < b->flen; i += 2) {
        if (i > tap)
            cursor_step(&c, (int64_t)b->len - 1);
        if (c.pos < 0 || c.pos >= (int64_t)b->len || p->count[j] >= p->slots)
            return false;
        size_t s = (size_t)j * p->slots + p->count[j]++;
        p->src[s] = b->offset + (uint32_t)c.pos;
        p->tap[s] = b->f[i];
    }
    (*out)++;
    return true;
}

/* Whether output b's products are output a's, each one band sample later. */
static bool shifted(const plan *p, uint32_t a, uint32_t b)
{
    if (p->count[a] != p->count[b])
        return false;
    const uint32_t *sa = p->src + (size_t)a * p->slots, *sb = p->src + (size_t)b * p->slots;
    const float *ta = p->tap + (size_t)a * p->slots, *tb = p->tap + (size_t)b * p->slots;
    for (unsigned t = 0; t < p->count[a]; t++)
        if (sb[t] != sa[t] + 1 || memcmp(&tb[t], &ta[t], sizeof ta[t]) != 0)
            return false;
    return true;
}

static void plan_free(plan *p)
{
    free(p->count);
    free(p->src);
    free(p->tap);
    free(p->run);
    memset(p, 0, sizeof *p);
}

/* Plans the synthesis of a line of n samples from its lowpass and highpass
 * halves (highpass first if inv). Filter lengths are odd. Returns false if
 * the line is too short for the filters (the reference would read outside
 * the bands) or on allocation failure (*nomem set). */
static bool plan_build(plan *p, uint32_t n, bool inv, const wsq_filters *f, bool *nomem)
{
    memset(p, 0, sizeof *p);
    *nomem = false;
    uint32_t llen = (n + 1) / 2, hlen = n / 2;
    bool odd = n % 2;
    p->n = n;
    p->slots = (uint32_t)((f->lo_len + 1) / 2 + (f->hi_len + 1) / 2);
    p->count = calloc(n ? n : 1, 1);
    p->src = malloc((size_t)(n ? n : 1) * p->slots * sizeof *p->src);
    p->tap = malloc((size_t)(n ? n : 1) * p->slots * sizeof *p->tap);
    p->run = malloc((size_t)(n ? n : 1) * sizeof *p->run);
    if (!p->count || !p->src || !p->tap || !p->run) {
        *nomem = true;
        return false;
    }
    band lo = {inv ? hlen : 0, llen, f->lo, f->lo_len};
    band hi = {inv ? 0 : llen, hlen, f->hi, f->hi_len};

    /* Where the reference starts its cursors, and at which tap (parity of
     * the first output), for odd-length filters. */
    int lo_tap0 = ((f->lo_len - 1) / 2) % 2, hi_tap0 = ((f->hi_len + 1) / 2) % 2;
    cursor ls = {(f->lo_len - 1) / 4, -1, false, !odd};
    cursor hs = {(f->hi_len + 1) / 4 - 1, -1, true, odd};
    uint32_t lo_out = 0, hi_out = 0;
    int ltap = lo_tap0, htap = hi_tap0;
    for (uint32_t k = 0; k < hlen; k++) {
        for (int t = ltap; t >= 0; t--)
            if (!emit(p, &lo_out, ls, t, &lo, true))
                return false;
        start_step(&ls);
        ltap = 1;
        for (int t = htap; t >= 0; t--)
            if (!emit(p, &hi_out, hs, t, &hi, false))
                return false;
        start_step(&hs);
        htap = 1;
    }
    int lo_last = odd ? (lo_tap0 ? 1 : 0) : (lo_tap0 ? 2 : 1);
    for (int t = 1; t >= lo_last; t--)
        if (!emit(p, &lo_out, ls, t, &lo, true))
            return false;
    int hi_last = odd ? (hi_tap0 ? 1 : 0) : (hi_tap0 ? 2 : 1);
    for (int t = 1; t >= hi_last; t--)
        if (!emit(p, &hi_out, hs, t, &hi, false))
            return false;
    if (lo_out != n || hi_out != n)
        return false;
    for (uint32_t j = n; j-- > 0;)
        p->run[j] = 1 + (j + 2 < n && shifted(p, j, j + 2) ? p->run[j + 2] : 0);
    return true;
}

/* Four floats. Lane-wise multiply and add round exactly as the scalar
 * operations do (no contraction: -ffp-contract=off), so vector code gives
 * the same bits as scalar code; it only computes several outputs at once. */
typedef float v4 __attribute__((vector_size(16)));

static inline v4 load4(const float *p)
{
    v4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store4(float *p, v4 v) { memcpy(p, &v, sizeof v); }

/* Columns: output row j of the node is a weighted sum of input rows, the
 * same for every column, so whole rows are processed four columns at a
 * time. */
static void synth_columns(const plan *p, const float *base, float *out, uint32_t w,
                          size_t stride)
{
    for (uint32_t j = 0; j < p->n; j++) {
        float *o = out + (size_t)j * stride;
        const uint32_t *src = p->src + (size_t)j * p->slots;
        const float *tap = p->tap + (size_t)j * p->slots;
        unsigned nt = p->count[j];
        const float *s[WSQ_MAX_TAPS + 2];
        for (unsigned t = 0; t < nt; t++)
            s[t] = base + (size_t)src[t] * stride;
        uint32_t c = 0;
        for (; c + 8 <= w; c += 8) {
            v4 a0 = load4(s[0] + c) * tap[0], a1 = load4(s[0] + c + 4) * tap[0];
            for (unsigned t = 1; t < nt; t++) {
                a0 += load4(s[t] + c) * tap[t];
                a1 += load4(s[t] + c + 4) * tap[t];
            }
            store4(o + c, a0);
            store4(o + c + 4, a1);
        }
        for (; c < w; c++) {
            float a = s[0][c] * tap[0];
            for (unsigned t = 1; t < nt; t++)
                a += s[t][c] * tap[t];
            o[c] = a;
        }
    }
}

/* Rows: away from the ends of a line, output j + 2 uses the products of
 * output j shifted by one band sample (plan_build records how many outputs
 * of one parity follow that pattern in `run`), so outputs j, j+2, j+4, j+6
 * are one vector sum over contiguous band samples. */
static void synth_rows(const plan *p, const float *in, float *out, uint32_t h, size_t stride)
{
    for (uint32_t r = 0; r < h; r++) {
        const float *line = in + (size_t)r * stride;
        float *o = out + (size_t)r * stride;
        for (uint32_t j0 = 0; j0 < 2 && j0 < p->n; j0++) {
            uint32_t j = j0;
            while (j < p->n) {
                const uint32_t *src = p->src + (size_t)j * p->slots;
                const float *tap = p->tap + (size_t)j * p->slots;
                if (p->run[j] >= 4) {
                    v4 a = load4(line + src[0]) * tap[0];
                    for (unsigned t = 1; t < p->count[j]; t++)
                        a += load4(line + src[t]) * tap[t];
                    o[j] = a[0];
                    o[j + 2] = a[1];
                    o[j + 4] = a[2];
                    o[j + 6] = a[3];
                    j += 8;
                } else {
                    float a = line[src[0]] * tap[0];
                    for (unsigned t = 1; t < p->count[j]; t++)
                        a += line[src[t]] * tap[t];
                    o[j] = a;
                    j += 2;
                }
            }
        }
    }
}

/* Plans already built during one reconstruction, by line length and
 * orientation: splits of one level mostly share their sizes. */
typedef struct plan_cache {
    plan p[2 * WSQ_WNODES];
    bool inv[2 * WSQ_WNODES];
    int n;
} plan_cache;

static const plan *cached_plan(plan_cache *c, uint32_t len, bool inv, const wsq_filters *f,
                               bool *nomem)
{
    *nomem = false;
    for (int i = 0; i < c->n; i++)
        if (c->p[i].n == len && c->inv[i] == inv)
            return &c->p[i];
    plan *p = &c->p[c->n];
    if (!plan_build(p, len, inv, f, nomem)) {
        plan_free(p);
        return NULL;
    }
    c->inv[c->n++] = inv;
    return p;
}

tern_status wsq_reconstruct(float *img, uint32_t width, uint32_t height, const wsq_tree *t,
                            const wsq_filters *f, tern_error *err)
{
    size_t npix = (size_t)width * height;
    float *tmp = malloc(npix * sizeof *tmp);
    plan_cache *cache = calloc(1, sizeof *cache);
    if (!tmp || !cache) {
        free(tmp);
        free(cache);
        return tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory for a %ux%u transform",
                              width, height);
    }
    tern_status s = TERN_OK;
    for (int i = WSQ_WNODES - 1; i >= 0 && s == TERN_OK; i--) {
        const wsq_wnode *nd = &t->w[i];
        bool nomem = false;
        const plan *pc = cached_plan(cache, nd->r.h, nd->inv_y, f, &nomem);
        const plan *pr = pc ? cached_plan(cache, nd->r.w, nd->inv_x, f, &nomem) : NULL;
        if (pc && pr) {
            float *base = img + (size_t)nd->r.y * width + nd->r.x;
            synth_columns(pc, base, tmp, nd->r.w, width);
            synth_rows(pr, tmp, base, nd->r.h, width);
        } else if (nomem) {
            s = tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory planning the transform");
        } else {
            s = tern_error_set(err, TERN_E_UNSUPPORTED,
                               "WSQ: image %ux%u too small for the wavelet decomposition "
                               "(split %d is %ux%u, too short for %d/%d-tap filters)",
                               width, height, i, nd->r.w, nd->r.h, f->lo_len, f->hi_len);
        }
    }
    for (int i = 0; i < cache->n; i++)
        plan_free(&cache->p[i]);
    free(cache);
    free(tmp);
    return s;
}

tern_status wsq_check_size(uint32_t width, uint32_t height, tern_error *err)
{
    wsq_filters f = {.lo_len = 7, .hi_len = 9};
    wsq_tree t;
    wsq_tree_build(width, height, &t);
    for (int i = 0; i < WSQ_WNODES; i++) {
        const wsq_wnode *nd = &t.w[i];
        plan p;
        bool nomem;
        bool ok = plan_build(&p, nd->r.h, nd->inv_y, &f, &nomem);
        plan_free(&p);
        if (ok) {
            ok = plan_build(&p, nd->r.w, nd->inv_x, &f, &nomem);
            plan_free(&p);
        }
        if (nomem)
            return tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory planning the transform");
        if (!ok)
            return tern_error_set(err, TERN_E_UNSUPPORTED,
                                  "WSQ: image %ux%u too small for the wavelet decomposition "
                                  "(split %d is %ux%u)",
                                  width, height, i, nd->r.w, nd->r.h);
    }
    return TERN_OK;
}

/* ---- analysis (encoder) -------------------------------------------------- */

/* One line's analysis. The line is first copied into `ext` with `pad`
 * samples of whole-sample symmetric extension on each side (x[-i] = x[i],
 * x[n-1+i] = x[n-1-i]), so the filters then run without index checks. */
static void analyze_line(const float *in, size_t sin, size_t n, float *out, size_t sout, bool inv,
                         const float *lo, int lo_len, const float *hi, int hi_len, float *ext,
                         size_t pad)
{
    float *x = ext + pad;
    for (size_t i = 0; i < n; i++)
        x[i] = in[i * sin];
    for (size_t i = 1; i <= pad; i++) {
        int64_t l = (int64_t)i, r = (int64_t)n - 1 - (int64_t)i;
        /* Lines shorter than the filters reflect more than once. */
        while (l < 0 || l > (int64_t)n - 1)
            l = l < 0 ? -l : 2 * ((int64_t)n - 1) - l;
        while (r < 0 || r > (int64_t)n - 1)
            r = r < 0 ? -r : 2 * ((int64_t)n - 1) - r;
        x[-(int64_t)i] = x[n > 1 ? l : 0];
        x[n - 1 + i] = x[n > 1 ? r : 0];
    }
    size_t llen = (n + 1) / 2, hlen = n / 2;
    float *low = out + (inv ? hlen : 0) * sout;
    float *high = out + (inv ? 0 : llen) * sout;
    int lc = lo_len / 2, hc = hi_len / 2;
    for (size_t k = 0; k < llen; k++) {
        const float *c = x + 2 * k - lc;
        float acc = 0;
        for (int i = 0; i < lo_len; i++)
            acc += lo[i] * c[i];
        low[k * sout] = acc;
    }
    for (size_t k = 0; k < hlen; k++) {
        const float *c = x + 2 * k + 1 - hc;
        float acc = 0;
        for (int i = 0; i < hi_len; i++)
            acc += hi[i] * c[i];
        high[k * sout] = acc;
    }
}

tern_status wsq_decompose(float *img, uint32_t width, uint32_t height, const wsq_tree *t,
                          const float *lo, int lo_len, const float *hi, int hi_len,
                          tern_error *err)
{
    size_t npix = (size_t)width * height;
    float *tmp = malloc(npix * sizeof *tmp);
    if (!tmp)
        return tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory for a %ux%u transform",
                              width, height);
    size_t pad = (size_t)(lo_len > hi_len ? lo_len : hi_len);
    size_t longest = width > height ? width : height;
    float *ext = malloc((longest + 2 * pad) * sizeof *ext);
    if (!ext) {
        free(tmp);
        return tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory for a transform");
    }
    for (int i = 0; i < WSQ_WNODES; i++) {
        const wsq_wnode *nd = &t->w[i];
        if (nd->r.w == 0 || nd->r.h == 0)
            continue;
        float *base = img + (size_t)nd->r.y * width + nd->r.x;
        for (uint32_t r = 0; r < nd->r.h; r++)
            analyze_line(base + (size_t)r * width, 1, nd->r.w, tmp + (size_t)r * width, 1,
                         nd->inv_x, lo, lo_len, hi, hi_len, ext, pad);
        for (uint32_t c = 0; c < nd->r.w; c++)
            analyze_line(tmp + c, width, nd->r.h, base + c, width, nd->inv_y, lo, lo_len, hi,
                         hi_len, ext, pad);
    }
    free(ext);
    free(tmp);
    return TERN_OK;
}
