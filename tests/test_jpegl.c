/* test_jpegl.c - the lossless JPEG decoder (ITU-T T.81 process 14, SOF3,
 * src/img/jpegl.c): exact round trips against a small independent encoder
 * written here from T.81 Annex H (every predictor, precisions 2..16, point
 * transform, restart intervals, interleaved and per-component scans, the
 * SSSS = 16 difference), and hostile input (truncation, undefined Huffman
 * codes, missing restart markers, huge declared sizes). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "image_test_util.h"
#include "tern/bytes.h"
#include "tern/image.h"
#include "tern_test.h"

/* ---- a minimal lossless JPEG encoder (T.81 H.1, F.1.2, B.2) ---------------- */

/* One Huffman table for categories 0..16 (Kraft sum < 1: the all-ones 7-bit
 * code is left undefined on purpose). */
static const uint8_t BITS[16] = {0, 1, 3, 3, 3, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t HUFFVAL[17] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

typedef struct enc_opts {
    unsigned precision, ncomp, psv, pt, restart; /* restart: MCUs per interval, 0 = none */
    bool per_component_scans;
} enc_opts;

typedef struct bitw {
    tern_buf *b;
    uint32_t acc;
    int n;
} bitw;

static void put_bits(bitw *w, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        w->acc = (w->acc << 1) | ((v >> i) & 1);
        if (++w->n == 8) {
            tern_buf_u8(w->b, (uint8_t)w->acc);
            if ((w->acc & 0xff) == 0xff)
                tern_buf_u8(w->b, 0); /* byte stuffing */
            w->acc = 0;
            w->n = 0;
        }
    }
}

static void flush_bits(bitw *w)
{
    while (w->n)
        put_bits(w, 1, 1); /* pad with 1-bits (F.1.2.3) */
}

static void code_table(uint16_t code[17], uint8_t size[17])
{
    uint16_t c = 0;
    unsigned k = 0;
    for (int l = 1; l <= 16; l++, c <<= 1)
        for (unsigned i = 0; i < BITS[l - 1]; i++, k++) {
            code[HUFFVAL[k]] = c++;
            size[HUFFVAL[k]] = (uint8_t)l;
        }
}

static int32_t enc_predict(unsigned psv, int32_t ra, int32_t rb, int32_t rc)
{
    switch (psv) {
    case 1: return ra;
    case 2: return rb;
    case 3: return rc;
    case 4: return ra + rb - rc;
    case 5: return ra + ((rb - rc) >> 1);
    case 6: return rb + ((ra - rc) >> 1);
    default: return (ra + rb) >> 1;
    }
}

/* Encodes the scan of components [c0, c0 + nc) of samples (w x h x ncomp,
 * interleaved, each < 2^precision). */
static void encode_scan(tern_buf *b, const uint16_t *s, unsigned w, unsigned h, const enc_opts *o,
                        unsigned c0, unsigned nc)
{
    tern_buf_u16be(b, 0xffda);
    tern_buf_u16be(b, (uint16_t)(6 + 2 * nc));
    tern_buf_u8(b, (uint8_t)nc);
    for (unsigned c = c0; c < c0 + nc; c++) {
        tern_buf_u8(b, (uint8_t)(c + 1));
        tern_buf_u8(b, 0x00);
    }
    tern_buf_u8(b, (uint8_t)o->psv);
    tern_buf_u8(b, 0);
    tern_buf_u8(b, (uint8_t)o->pt);
    uint16_t code[17];
    uint8_t size[17];
    code_table(code, size);
    bitw bw = {.b = b};
    const unsigned nc_all = o->ncomp;
    unsigned mcus = 0, rst = 0;
    bool first_row = true;
    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w; x++) {
            if (o->restart && mcus == o->restart) {
                flush_bits(&bw);
                tern_buf_u8(b, 0xff);
                tern_buf_u8(b, (uint8_t)(0xd0 + rst));
                rst = (rst + 1) & 7;
                mcus = 0;
                first_row = true;
            }
            for (unsigned c = c0; c < c0 + nc; c++) {
#define S(xx, yy) ((int32_t)(s[((size_t)(yy) * w + (xx)) * nc_all + c] >> o->pt))
                int32_t pred;
                if (first_row)
                    pred = x == 0 ? 1 << (o->precision - o->pt - 1) : S(x - 1, y);
                else if (x == 0)
                    pred = S(x, y - 1);
                else
                    pred = enc_predict(o->psv, S(x - 1, y), S(x, y - 1), S(x - 1, y - 1));
                int32_t d = (S(x, y) - pred) & 0xffff;
#undef S
                if (d > 32768)
                    d -= 65536;
                unsigned ssss = 0;
                for (int32_t m = d < 0 ? -d : d; m; m >>= 1)
                    ssss++;
                put_bits(&bw, code[ssss], size[ssss]);
                if (ssss && ssss < 16)
                    put_bits(&bw, (uint32_t)(d < 0 ? d - 1 : d) & ((1u << ssss) - 1), (int)ssss);
            }
            mcus++;
        }
        first_row = false;
    }
    flush_bits(&bw);
}

static uint8_t *encode(const uint16_t *s, unsigned w, unsigned h, const enc_opts *o, size_t *len)
{
    tern_buf b = {0};
    tern_buf_u16be(&b, 0xffd8);
    tern_buf_u16be(&b, 0xfffe); /* a COM segment, to be skipped */
    tern_buf_u16be(&b, 6);
    tern_buf_put(&b, "tern", 4);
    tern_buf_u16be(&b, 0xffc3);
    tern_buf_u16be(&b, (uint16_t)(8 + 3 * o->ncomp));
    tern_buf_u8(&b, (uint8_t)o->precision);
    tern_buf_u16be(&b, (uint16_t)h);
    tern_buf_u16be(&b, (uint16_t)w);
    tern_buf_u8(&b, (uint8_t)o->ncomp);
    for (unsigned c = 0; c < o->ncomp; c++) {
        tern_buf_u8(&b, (uint8_t)(c + 1));
        tern_buf_u8(&b, 0x11);
        tern_buf_u8(&b, 0);
    }
    tern_buf_u16be(&b, 0xffc4);
    tern_buf_u16be(&b, 2 + 1 + 16 + sizeof HUFFVAL);
    tern_buf_u8(&b, 0x00);
    tern_buf_put(&b, BITS, 16);
    tern_buf_put(&b, HUFFVAL, sizeof HUFFVAL);
    if (o->restart) {
        tern_buf_u16be(&b, 0xffdd);
        tern_buf_u16be(&b, 4);
        tern_buf_u16be(&b, (uint16_t)o->restart);
    }
    if (o->per_component_scans)
        for (unsigned c = 0; c < o->ncomp; c++)
            encode_scan(&b, s, w, h, o, c, 1);
    else
        encode_scan(&b, s, w, h, o, 0, o->ncomp);
    tern_buf_u16be(&b, 0xffd9);
    cr_assert_eq(tern_buf_status(&b, NULL), TERN_OK);
    return tern_buf_take(&b, len);
}

/* Deterministic samples: smooth ramps plus a pseudo-random grain, with a few
 * extreme values (0 and 2^P - 1 side by side) to reach the large categories. */
static uint16_t *samples(unsigned w, unsigned h, unsigned ncomp, unsigned precision, uint32_t seed)
{
    uint16_t *s = malloc(sizeof *s * w * h * ncomp);
    cr_assert_not_null(s);
    const uint32_t maxv = (1u << precision) - 1;
    for (unsigned i = 0; i < w * h * ncomp; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned x = (i / ncomp) % w, y = (i / ncomp) / w;
        uint32_t v = ((x * 7 + y * 3) * (maxv / 64 + 1) + (seed >> 16) % (maxv / 16 + 2)) & maxv;
        if ((x + y) % 13 == 0)
            v = (x & 1) ? maxv : 0;
        s[i] = (uint16_t)v;
    }
    return s;
}

/* The 8-bit value the decoder documents for a sample of P bits. */
static uint8_t to8(uint32_t v, unsigned p)
{
    uint32_t maxv = (1u << p) - 1;
    return (uint8_t)(p >= 8 ? v >> (p - 8) : (v * 255 + maxv / 2) / maxv);
}

static void check_round_trip(unsigned w, unsigned h, const enc_opts *o)
{
    uint16_t *s = samples(w, h, o->ncomp, o->precision, w * 31 + o->psv);
    size_t len;
    uint8_t *data = encode(s, w, h, o, &len);
    tern_image *img = NULL;
    tern_error err;
    tern_status st = tern_image_decode(data, len, NULL, &img, &err);
    cr_assert_eq(st, TERN_OK, "P%u psv %u pt %u ri %u: %s", o->precision, o->psv, o->pt,
                 o->restart, err.message);
    cr_assert(img->width == w && img->height == h && img->channels == o->ncomp);
    for (size_t i = 0; i < (size_t)w * h * o->ncomp; i++) {
        uint32_t want = (uint32_t)(s[i] >> o->pt) << o->pt;
        cr_assert_eq(img->pixels[i], to8(want, o->precision),
                     "P%u psv %u pt %u ri %u: sample %zu is %u, want %u", o->precision, o->psv,
                     o->pt, o->restart, i, img->pixels[i], to8(want, o->precision));
    }
    cr_assert_eq(img->ppi_x, 0.0, "no JFIF: resolution unknown");
    tern_image_free(img);
    free(data);
    free(s);
}

Test(jpegl, every_predictor_round_trips_exactly)
{
    for (unsigned psv = 1; psv <= 7; psv++) {
        enc_opts o = {.precision = 8, .ncomp = 1, .psv = psv};
        check_round_trip(37, 23, &o);
    }
}

Test(jpegl, precisions_point_transform_and_colour)
{
    static const unsigned precisions[] = {2, 5, 8, 12, 16};
    for (size_t i = 0; i < sizeof precisions / sizeof *precisions; i++)
        for (unsigned psv = 1; psv <= 7; psv += 3) {
            enc_opts o = {.precision = precisions[i], .ncomp = 1, .psv = psv};
            check_round_trip(19, 11, &o);
            o.ncomp = 3;
            check_round_trip(19, 11, &o);
            o.per_component_scans = true;
            check_round_trip(19, 11, &o);
            o.pt = precisions[i] / 2;
            check_round_trip(19, 11, &o);
        }
}

Test(jpegl, restart_intervals_reset_prediction)
{
    for (unsigned psv = 1; psv <= 7; psv++) {
        enc_opts o = {.precision = 8, .ncomp = 1, .psv = psv, .restart = 16};
        check_round_trip(16, 40, &o); /* one line per interval: 39 RST markers, n wraps */
        o.restart = 48;
        o.ncomp = 3;
        check_round_trip(16, 40, &o);
        o.precision = 16;
        check_round_trip(16, 40, &o);
    }
}

Test(jpegl, the_32768_difference_has_no_extra_bits)
{
    /* At 16 bits the first sample is predicted as 32768: 0 and 65535 there and
     * alternating 0 / 32768 give differences of +-32768 (category 16). */
    uint16_t s[8] = {0, 32768, 0, 32768, 65535, 32767, 65535, 0};
    enc_opts o = {.precision = 16, .ncomp = 1, .psv = 1};
    size_t len;
    uint8_t *data = encode(s, 4, 2, &o, &len);
    tern_image *img = imgt_decode(data, len, NULL);
    for (unsigned i = 0; i < 8; i++)
        cr_assert_eq(img->pixels[i], s[i] >> 8, "sample %u", i);
    tern_image_free(img);
    free(data);
}

Test(jpegl, jfif_density_gives_the_resolution)
{
    uint16_t *s = samples(8, 8, 1, 8, 1);
    enc_opts o = {.precision = 8, .ncomp = 1, .psv = 1};
    size_t len;
    uint8_t *data = encode(s, 8, 8, &o, &len);
    static const uint8_t app0[] = {0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 2, 1,
                                   0x01, 0xf4, 0x01, 0xf4, 0, 0};
    uint8_t *with = malloc(len + sizeof app0);
    memcpy(with, data, 2);
    memcpy(with + 2, app0, sizeof app0);
    memcpy(with + 2 + sizeof app0, data + 2, len - 2);
    tern_image *img = imgt_decode(with, len + sizeof app0, NULL);
    cr_assert(img->ppi_x == 500.0 && img->ppi_y == 500.0, "%f", img->ppi_x);
    tern_image_free(img);
    free(with);
    free(data);
    free(s);
}

/* ---- hostile input ----------------------------------------------------------- */

static size_t find_marker(const uint8_t *d, size_t len, uint8_t m)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (d[i] == 0xff && d[i + 1] == m)
            return i;
    cr_assert_fail("marker 0xff%02x not found", m);
    return 0;
}

Test(jpegl, truncation_at_every_byte_is_an_error)
{
    uint16_t *s = samples(12, 9, 3, 8, 7);
    enc_opts o = {.precision = 8, .ncomp = 3, .psv = 4, .restart = 24};
    size_t len;
    uint8_t *data = encode(s, 12, 9, &o, &len);
    for (size_t cut = 0; cut < len; cut++) {
        tern_image *out = (tern_image *)&out;
        tern_error err;
        tern_status st = tern_image_decode(data, cut, NULL, &out, &err);
        cr_assert(st == TERN_E_TRUNCATED || st == TERN_E_FORMAT || st == TERN_E_UNSUPPORTED,
                  "cut at %zu of %zu: %s", cut, len, tern_status_name(st));
        cr_assert_null(out);
    }
    free(data);
    free(s);
}

Test(jpegl, undefined_codes_and_broken_markers_are_refused)
{
    uint16_t *s = samples(16, 8, 1, 8, 3);
    enc_opts o = {.precision = 8, .ncomp = 1, .psv = 7, .restart = 32};
    size_t len;
    uint8_t *data = encode(s, 16, 8, &o, &len);
    uint8_t *bad = malloc(len);
    tern_error err;
    tern_image *out = NULL;
    /* All-ones bits: the 7-bit code 1111111 is not in the table. */
    size_t sos = find_marker(data, len, 0xda);
    memcpy(bad, data, len);
    bad[sos + 10] = 0xff, bad[sos + 11] = 0x00, bad[sos + 12] = 0xff, bad[sos + 13] = 0x00;
    cr_assert_eq(tern_image_decode(bad, len, NULL, &out, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "Huffman") && strstr(err.message, "byte offset"), "%s", err.message);
    /* A restart marker out of sequence. */
    size_t rst = find_marker(data, len, 0xd0);
    memcpy(bad, data, len);
    bad[rst + 1] = 0xd3;
    cr_assert_eq(tern_image_decode(bad, len, NULL, &out, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "RST"), "%s", err.message);
    /* Predictor 0 (hierarchical only) and 8. */
    memcpy(bad, data, len);
    bad[sos + 7] = 0;
    imgt_expect_failure(bad, len, TERN_E_FORMAT, "predictor 0");
    bad[sos + 7] = 8;
    imgt_expect_failure(bad, len, TERN_E_FORMAT, "predictor 8");
    /* The scan names an undefined Huffman table. */
    memcpy(bad, data, len);
    bad[sos + 6] = 0x20;
    imgt_expect_failure(bad, len, TERN_E_FORMAT, "table 2");
    /* A restart interval that is not whole lines. */
    memcpy(bad, data, len);
    size_t dri = find_marker(data, len, 0xdd);
    bad[dri + 5] = 5;
    imgt_expect_failure(bad, len, TERN_E_UNSUPPORTED, "RI 5");
    /* A DHT over-subscribing 1-bit codes. */
    memcpy(bad, data, len);
    size_t dht = find_marker(data, len, 0xc4);
    bad[dht + 5] = 3;
    imgt_expect_failure(bad, len, TERN_E_FORMAT, "3 one-bit codes");
    free(bad);
    free(data);
    free(s);
}

Test(jpegl, huge_declared_sizes_are_refused_before_allocation)
{
    uint16_t *s = samples(8, 8, 1, 8, 5);
    enc_opts o = {.precision = 8, .ncomp = 1, .psv = 1};
    size_t len;
    uint8_t *data = encode(s, 8, 8, &o, &len);
    size_t sof = find_marker(data, len, 0xc3);
    data[sof + 5] = 0xea, data[sof + 6] = 0x60, data[sof + 7] = 0xea, data[sof + 8] = 0x60;
    imgt_expect_failure(data, len, TERN_E_LIMIT, "60000x60000");
    data[sof + 5] = 0x75, data[sof + 6] = 0x30, data[sof + 7] = 0x75, data[sof + 8] = 0x30;
    imgt_expect_failure(data, len, TERN_E_LIMIT, "30000x30000 (over the pixel limit)");
    /* 8000 x 8000 is within the limits but needs at least 8 MB of data. */
    data[sof + 5] = 0x1f, data[sof + 6] = 0x40, data[sof + 7] = 0x1f, data[sof + 8] = 0x40;
    imgt_expect_failure(data, len, TERN_E_TRUNCATED, "8000x8000 in a few bytes");
    data[sof + 5] = 0, data[sof + 6] = 0;
    imgt_expect_failure(data, len, TERN_E_UNSUPPORTED, "height 0 (DNL)");
    free(data);
    free(s);
}
