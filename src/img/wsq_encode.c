/* wsq_encode.c - the WSQ encoder (FBI WSQ spec v3.1: Part 1 Annex B file
 * syntax, Part 3 encoder parameters). Steps: shift and scale the pixels to
 * about +-128 (M = mean, R = largest deviation / 128); the 64-subband
 * analysis with the spec's 9/7 filters; bin widths from subband variances
 * for the target bitrate (wsq_quant.c); quantization; Huffman tables built
 * from the data (block 1 with table 0, blocks 2 and 3 with table 1); then
 *
 *   SOI, COM (NISTCOM), [COM (caller's)], DTT, DQT, SOF, DHT 0, SOB 0,
 *   data, DHT 1, SOB 1, data, SOB 1, data, EOI
 *
 * the layout of the NIST reference encoder's files. Every parameter written
 * is a decimal-scaled integer; the encoder quantizes with exactly the float
 * values a decoder will read back, so encoder and decoder agree. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"
#include "img/wsq_internal.h"
#include "tern/wsq.h"

/* The spec's analysis filters (Part 1 Table A.1), centre tap first. */
static const double analysis_lo[5] = {0.85269867900940, 0.37740285561265, -0.11062440441842,
                                      -0.02384946501938, 0.03782845550699};
static const double analysis_hi[4] = {0.78848561640566, -0.41809227322221, -0.04068941760956,
                                      0.06453888262894};
#define BIN_CENTER 0.44

/* ---- scaled parameters --------------------------------------------------- */

typedef struct scaled {
    uint8_t scale;
    uint32_t value;
} scaled;

/* x >= 0 as value / 10^scale with value <= max, keeping as many digits as fit. */
static scaled to_scaled(double x, uint32_t max)
{
    scaled s = {0, 0};
    if (!(x > 0))
        return s;
    if (x >= max) {
        s.value = max;
        return s;
    }
    double t = x;
    while (s.scale < 30 && t * 10.0 <= (double)max) {
        t *= 10.0;
        s.scale++;
    }
    s.value = (uint32_t)llround(t);
    return s;
}

static void put_scaled16(tern_buf *b, scaled s)
{
    tern_buf_u8(b, s.scale);
    tern_buf_u16be(b, (uint16_t)s.value);
}

/* ---- entropy coding ------------------------------------------------------ */

typedef struct sym {
    uint8_t code;      /* WSQ symbol */
    uint8_t nbits;     /* extra bits after it (0, 8 or 16) */
    uint16_t bits;
} sym;

typedef struct symbuf {
    sym *s;
    size_t n, cap;
    bool failed;
} symbuf;

static void push(symbuf *b, uint8_t code, uint8_t nbits, uint32_t bits)
{
    if (b->failed)
        return;
    if (!tern_array_reserve(&b->s, &b->cap, b->n, sizeof *b->s, 1024)) {
        b->failed = true;
        return;
    }
    b->s[b->n++] = (sym){code, nbits, (uint16_t)bits};
}

static void flush_run(symbuf *b, size_t *run)
{
    while (*run > 0) {
        size_t r = *run;
        if (r <= 100)
            push(b, (uint8_t)r, 0, 0);
        else if (r <= 255)
            push(b, 105, 8, (uint32_t)r);
        else {
            if (r > 65535)
                r = 65535;
            push(b, 106, 16, (uint32_t)r);
        }
        *run -= r;
    }
}

/* Symbols for coefficients p[0..n) (spec Table B.2). */
static void block_symbols(const int16_t *p, size_t n, symbuf *b)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        int v = p[i];
        if (v == 0) {
            run++;
            continue;
        }
        flush_run(b, &run);
        int mag = v < 0 ? -v : v;
        if (v >= -73 && v <= 74)
            push(b, (uint8_t)(180 + v), 0, 0);
        else if (mag <= 255)
            push(b, v > 0 ? 101 : 102, 8, (uint32_t)mag);
        else
            push(b, v > 0 ? 103 : 104, 16, (uint32_t)mag);
    }
    flush_run(b, &run);
}

typedef struct bitout {
    tern_buf *b;
    uint32_t acc;
    int n;
} bitout;

static void put_bits(bitout *o, uint32_t v, int len)
{
    o->acc = (o->acc << len) | (v & ((1u << len) - 1));
    o->n += len;
    while (o->n >= 8) {
        uint8_t byte = (uint8_t)(o->acc >> (o->n - 8));
        tern_buf_u8(o->b, byte);
        if (byte == 0xff)
            tern_buf_u8(o->b, 0x00); /* byte stuffing */
        o->n -= 8;
    }
    o->acc &= (1u << o->n) - 1;
}

/* Canonical codes of table h, per symbol. */
static void huff_codes(const wsq_huff *h, uint16_t code[256], uint8_t size[256])
{
    memset(size, 0, 256);
    uint32_t c = 0;
    int k = 0;
    for (int len = 1; len <= 16; len++) {
        for (int i = 0; i < h->counts[len]; i++, k++) {
            code[h->values[k]] = (uint16_t)c++;
            size[h->values[k]] = (uint8_t)len;
        }
        c <<= 1;
    }
}

static void write_dht(tern_buf *b, int id, const wsq_huff *h)
{
    tern_buf_u16be(b, WSQ_DHT);
    tern_buf_u16be(b, (uint16_t)(2 + 1 + 16 + h->n_values));
    tern_buf_u8(b, (uint8_t)id);
    for (int len = 1; len <= 16; len++)
        tern_buf_u8(b, h->counts[len]);
    tern_buf_put(b, h->values, (size_t)h->n_values);
}

static void write_block(tern_buf *b, int id, const wsq_huff *h, const symbuf *s, size_t from,
                        size_t to)
{
    uint16_t code[256];
    uint8_t size[256];
    huff_codes(h, code, size);
    tern_buf_u16be(b, WSQ_SOB);
    tern_buf_u16be(b, 3);
    tern_buf_u8(b, (uint8_t)id);
    bitout o = {b, 0, 0};
    for (size_t i = from; i < to; i++) {
        put_bits(&o, code[s->s[i].code], size[s->s[i].code]);
        if (s->s[i].nbits)
            put_bits(&o, s->s[i].bits, s->s[i].nbits);
    }
    if (o.n)
        put_bits(&o, 0xffu, 8 - o.n); /* pad with ones */
}

static void table_for(const symbuf *s, size_t from, size_t to, wsq_huff *h)
{
    uint32_t freq[256] = {0};
    for (size_t i = from; i < to; i++)
        freq[s->s[i].code]++;
    if (from == to)
        freq[1] = 1; /* a table must hold a code */
    wsq_huff_from_freqs(freq, h);
}

/* ---- headers --------------------------------------------------------------- */

static void write_com(tern_buf *b, const char *text, size_t n)
{
    tern_buf_u16be(b, WSQ_COM);
    tern_buf_u16be(b, (uint16_t)(n + 2));
    tern_buf_put(b, text, n);
}

static void write_nistcom(tern_buf *b, const tern_image *img, double bitrate)
{
    char text[512];
    long ppi = img->ppi_x > 0 ? lround(img->ppi_x) : -1;
    int n = snprintf(text, sizeof text,
                     "NIST_COM 9\nPIX_WIDTH %u\nPIX_HEIGHT %u\nPIX_DEPTH 8\nPPI %ld\nLOSSY 1\n"
                     "COLORSPACE GRAY\nCOMPRESSION WSQ\nWSQ_BITRATE %f",
                     img->width, img->height, ppi, bitrate);
    write_com(b, text, (size_t)n);
}

static void dtt_coef(tern_buf *b, double c, float *decoded)
{
    scaled s = to_scaled(fabs(c), 0xffffffffu);
    tern_buf_u8(b, c < 0);
    tern_buf_u8(b, s.scale);
    tern_buf_u32be(b, s.value);
    float f = wsq_scaled_float(s.value, s.scale);
    *decoded = c < 0 ? -f : f;
}

/* Writes the DTT and returns the analysis filters as a decoder reads them. */
static void write_dtt(tern_buf *b, float lo[9], float hi[7])
{
    tern_buf_u16be(b, WSQ_DTT);
    tern_buf_u16be(b, 2 + 2 + 6 * (5 + 4));
    tern_buf_u8(b, 9);
    tern_buf_u8(b, 7);
    for (int k = 0; k < 5; k++) {
        dtt_coef(b, analysis_lo[k], &lo[4 + k]);
        lo[4 - k] = lo[4 + k];
    }
    for (int k = 0; k < 4; k++) {
        dtt_coef(b, analysis_hi[k], &hi[3 + k]);
        hi[3 - k] = hi[3 + k];
    }
}

/* ---- the encoder ------------------------------------------------------------ */

typedef struct enc {
    const tern_image *img;
    uint32_t w, h;
    float *coef;          /* the decomposed image */
    wsq_tree tree;
    wsq_quant quant;      /* as a decoder will read it */
    scaled qs[WSQ_SUBBANDS], zs[WSQ_SUBBANDS];
    scaled m, r;
    float mf, rf;
} enc;

static tern_status transform(enc *e, tern_buf *hdr, tern_error *err)
{
    size_t npix = (size_t)e->w * e->h;
    const uint8_t *px = e->img->pixels;
    uint64_t sum = 0;
    int lo = 255, hi = 0;
    for (size_t i = 0; i < npix; i++) {
        sum += px[i];
        lo = px[i] < lo ? px[i] : lo;
        hi = px[i] > hi ? px[i] : hi;
    }
    e->m = to_scaled((double)sum / (double)npix, 65535);
    e->mf = wsq_scaled_float(e->m.value, e->m.scale);
    double dev = fmax(e->mf - lo, hi - e->mf) / 128.0;
    e->r = to_scaled(dev > 0 ? dev : 1.0, 65535);
    e->rf = wsq_scaled_float(e->r.value, e->r.scale);
    e->coef = malloc(npix * sizeof *e->coef);
    if (!e->coef)
        return tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory encoding %ux%u", e->w, e->h);
    for (size_t i = 0; i < npix; i++)
        e->coef[i] = ((float)px[i] - e->mf) / e->rf;
    float flo[9], fhi[7];
    write_dtt(hdr, flo, fhi);
    wsq_tree_build(e->w, e->h, &e->tree);
    return wsq_decompose(e->coef, e->w, e->h, &e->tree, flo, 9, fhi, 7, err);
}

static void choose_bins(enc *e, double bitrate, tern_buf *hdr)
{
    double var[WSQ_CODED_SUBBANDS], q[WSQ_CODED_SUBBANDS];
    wsq_quant_variances(e->coef, e->w, &e->tree, var);
    wsq_quant_bins(var, bitrate, q);
    memset(&e->quant, 0, sizeof e->quant);
    scaled c = to_scaled(BIN_CENTER, 65535);
    e->quant.bin_center = wsq_scaled_float(c.value, c.scale);
    for (int k = 0; k < WSQ_SUBBANDS; k++) {
        e->qs[k] = e->zs[k] = (scaled){0, 0};
        if (k < WSQ_CODED_SUBBANDS && q[k] > 0) {
            e->qs[k] = to_scaled(q[k], 65535);
            e->zs[k] = to_scaled(1.2 * q[k], 65535);
        }
        e->quant.q[k] = wsq_scaled_float(e->qs[k].value, e->qs[k].scale);
        e->quant.z[k] = wsq_scaled_float(e->zs[k].value, e->zs[k].scale);
    }
    tern_buf_u16be(hdr, WSQ_DQT);
    tern_buf_u16be(hdr, 2 + 3 + 6 * WSQ_SUBBANDS);
    put_scaled16(hdr, c);
    for (int k = 0; k < WSQ_SUBBANDS; k++) {
        put_scaled16(hdr, e->qs[k]);
        put_scaled16(hdr, e->zs[k]);
    }
}

/* Quantizes the subbands of [first, last) in order into sym b. */
static void quantize_block(const enc *e, int first, int last, int16_t *tmp, symbuf *b)
{
    size_t n = 0;
    for (int k = first; k < last; k++) {
        if (e->quant.q[k] == 0.0f)
            continue;
        const wsq_rect *r = &e->tree.q[k];
        for (uint32_t y = 0; y < r->h; y++) {
            const float *row = e->coef + (size_t)(r->y + y) * e->w + r->x;
            for (uint32_t x = 0; x < r->w; x++)
                tmp[n++] = wsq_quantize(row[x], e->quant.q[k], e->quant.z[k]);
        }
    }
    block_symbols(tmp, n, b);
}

static tern_status check_input(const tern_image *img, double bitrate, const char *comment,
                               uint8_t **data, size_t *len, tern_error *err)
{
    if (!img || !img->pixels || !data || !len)
        return tern_error_set(err, TERN_E_ARG, "WSQ encode: no image or output given");
    if (img->channels != 1 && img->channels != 3)
        return tern_error_set(err, TERN_E_ARG, "WSQ encode: %u channels (1 or 3 expected)",
                              img->channels);
    if (img->width > 65535 || img->height > 65535 || img->width > TERN_IMAGE_MAX_DIM ||
        img->height > TERN_IMAGE_MAX_DIM ||
        (uint64_t)img->width * img->height > TERN_IMAGE_MAX_PIXELS)
        return tern_error_set(err, TERN_E_LIMIT, "WSQ encode: image %ux%u exceeds the limits",
                              img->width, img->height);
    if (!(bitrate <= 8.0))
        return tern_error_set(err, TERN_E_ARG, "WSQ encode: bitrate %g is not in (0, 8]",
                              bitrate);
    if (comment && strlen(comment) > 65533)
        return tern_error_set(err, TERN_E_ARG, "WSQ encode: comment of %zu bytes (at most 65533)",
                              strlen(comment));
    return TERN_OK;
}

tern_status tern_wsq_encode(const tern_image *in, double bitrate, const char *comment,
                            uint8_t **data, size_t *len, tern_error *err)
{
    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    tern_status s = check_input(in, bitrate, comment, data, len, err);
    if (s != TERN_OK)
        return s;
    if (bitrate <= 0)
        bitrate = TERN_WSQ_DEFAULT_BITRATE;
    tern_image *grey = NULL;
    if (in->channels == 3 && (s = tern_image_to_grey(in, &grey, err)) != TERN_OK)
        return s;
    enc e = {.img = grey ? grey : in, .w = in->width, .h = in->height};
    tern_buf out = {0}, hdr = {0};
    symbuf sb = {0};
    int16_t *tmp = NULL;

    s = wsq_check_size(e.w, e.h, err);
    if (s == TERN_OK)
        s = transform(&e, &hdr, err);
    if (s == TERN_OK) {
        choose_bins(&e, bitrate, &hdr);
        tmp = malloc(((size_t)e.w * e.h + 1) * sizeof *tmp);
        if (!tmp)
            s = tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory encoding");
    }
    if (s == TERN_OK) {
        static const int first[4] = {0, WSQ_BLOCK2_START, WSQ_BLOCK3_START, WSQ_CODED_SUBBANDS};
        size_t cut[4] = {0};
        for (int blk = 0; blk < 3; blk++) {
            quantize_block(&e, first[blk], first[blk + 1], tmp, &sb);
            cut[blk + 1] = sb.n;
        }
        if (sb.failed)
            s = tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory for symbols");
        wsq_huff t0, t1;
        table_for(&sb, cut[0], cut[1], &t0);
        table_for(&sb, cut[1], cut[3], &t1);

        tern_buf_u16be(&out, WSQ_SOI);
        write_nistcom(&out, e.img, bitrate);
        if (comment)
            write_com(&out, comment, strlen(comment));
        tern_buf_put(&out, hdr.data, hdr.len); /* DTT, DQT */
        tern_buf_u16be(&out, WSQ_SOF);
        tern_buf_u16be(&out, 17);
        tern_buf_u8(&out, 0);   /* black */
        tern_buf_u8(&out, 255); /* white */
        tern_buf_u16be(&out, (uint16_t)e.h);
        tern_buf_u16be(&out, (uint16_t)e.w);
        put_scaled16(&out, e.m);
        put_scaled16(&out, e.r);
        tern_buf_u8(&out, 0);    /* encoder number */
        tern_buf_u16be(&out, 0); /* software implementation number */
        write_dht(&out, 0, &t0);
        write_block(&out, 0, &t0, &sb, cut[0], cut[1]);
        if (cut[3] > cut[1]) {
            write_dht(&out, 1, &t1);
            if (cut[2] > cut[1])
                write_block(&out, 1, &t1, &sb, cut[1], cut[2]);
            if (cut[3] > cut[2])
                write_block(&out, 1, &t1, &sb, cut[2], cut[3]);
        }
        tern_buf_u16be(&out, WSQ_EOI);
        if (s == TERN_OK)
            s = tern_buf_status(&out, err);
        if (s == TERN_OK)
            s = tern_buf_status(&hdr, err);
    }
    if (s == TERN_OK)
        *data = tern_buf_take(&out, len);
    tern_buf_free(&out);
    tern_buf_free(&hdr);
    free(sb.s);
    free(tmp);
    free(e.coef);
    tern_image_free(grey);
    return s;
}
