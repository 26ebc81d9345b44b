/* jpegl.c - Tern's own decoder for lossless JPEG: ITU-T T.81 | ISO/IEC
 * 10918-1 process 14 (Huffman-coded lossless, SOF3), "JPEGL" in ANSI/NIST-ITL
 * 1-2011 Table 15. libjpeg-turbo 2.1 (Debian 12) does not decode it.
 *
 * Markers (T.81 B.1.1.3, Table B.1): SOI, SOF3 (B.2.2: precision 2..16 bits,
 * 1 or 3 components, every sampling factor 1x1), DHT (B.2.4.2; a class 1
 * table stands in for a missing class 0 table of the same id, as NBIS writes),
 * SOS (B.2.3: Ss = predictor 1..7, Se = 0, Ah = 0, Al = point transform Pt),
 * DRI (B.2.4.4) with RSTn markers in the entropy-coded data, APPn/COM skipped
 * (a JFIF APP0 density gives the resolution, as in jpeg.c), EOI. Huffman
 * decoding per F.2.2.3 (F.16 DECODE, canonical tables built per C.2 and
 * F.15); differences per H.1.2.2 (SSSS 0..16, 16 = 32768 with no extra bits);
 * prediction per Table H.1 with the rules of H.1.2.1: the first line of a scan
 * (and of each restart interval) predicts from the left (predictor 1), its
 * first sample from 2^(P-Pt-1); the first sample of every other line from the
 * sample above. Reconstruction is modulo 2^16 (H.2.1) and the output sample
 * is the reconstructed value shifted left by Pt.
 *
 * Output: 8-bit grey (1 component) or RGB (3 components, taken as R, G, B:
 * the process has no colour transform). Precision P > 8 is scaled down by
 * shifting right by P - 8 (truncation); P < 8 is scaled up to 0..255 with
 * rounding. Restart intervals must be whole lines (the prediction reset of
 * H.1.2.1 is defined per line); others are refused as unsupported.
 * Every byte is read through tern_reader; the declared size is checked
 * against TERN_IMAGE_MAX_DIM/_MAX_PIXELS and against the data present (every
 * sample costs at least one bit) before anything is allocated.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "img/img_internal.h"
#include "tern/bytes.h"

#define JL_MAX_COMP 3

typedef struct jl_huff {
    bool defined;
    uint8_t values[256];
    int32_t mincode[17], maxcode[18], valptr[17]; /* per code length 1..16 */
} jl_huff;

typedef struct jl_comp {
    uint8_t id;
    uint16_t *plane; /* width x height reconstructed values (P - Pt bits) */
    bool decoded;
    uint8_t pt;      /* point transform of the scan that decoded it */
} jl_comp;

typedef struct jl_dec {
    tern_reader r;
    unsigned precision, width, height, ncomp;
    jl_comp comp[JL_MAX_COMP];
    jl_huff huff[8]; /* class 0 ids 0..3, then class 1 ids 0..3 */
    unsigned restart; /* Ri: MCUs per restart interval, 0 = none */
    bool have_frame;
    double ppi_x, ppi_y;
} jl_dec;

/* Bit reader over entropy-coded data (F.2.2.5): byte stuffing 0xFF00 is one
 * 0xFF data byte; any other 0xFF xx is a marker, where the data ends. Past it
 * the reader supplies zero bits but remembers how many: consuming one of
 * them is an error (the data was short). */
typedef struct jl_bits {
    const uint8_t *d;
    size_t len, pos;   /* next byte of the input */
    uint64_t acc;
    int nbits, npad;   /* bits in acc; the last npad of them are padding */
} jl_bits;

static void bits_fill(jl_bits *b)
{
    while (b->nbits <= 56) {
        uint8_t v = 0;
        bool real = false;
        if (b->npad == 0 && b->pos < b->len) {
            if (b->d[b->pos] != 0xff) {
                v = b->d[b->pos++];
                real = true;
            } else if (b->pos + 1 < b->len && b->d[b->pos + 1] == 0x00) {
                v = 0xff;
                b->pos += 2;
                real = true;
            }
        }
        b->acc = (b->acc << 8) | v;
        b->nbits += 8;
        if (!real)
            b->npad += 8;
    }
}

/* n bits (0..16) as an unsigned value; false if that reaches past the data. */
static bool bits_get(jl_bits *b, int n, uint32_t *out)
{
    if (b->nbits < n)
        bits_fill(b);
    if (n == 0) {
        *out = 0;
        return true;
    }
    b->nbits -= n;
    *out = (uint32_t)(b->acc >> b->nbits) & ((1u << n) - 1);
    return b->nbits >= b->npad;
}

static tern_status fail_at(jl_dec *dc, size_t pos, tern_status s, const char *msg, const char *marker)
{
    dc->r.pos = pos < dc->r.len ? pos : dc->r.len;
    return tern_reader_fail(&dc->r, s, "%s: %s", marker, msg);
}

/* DHT (B.2.4.2): one or more tables; tables per C.2 / F.15. */
static tern_status read_dht(jl_dec *dc, size_t end)
{
    tern_reader *r = &dc->r;
    while (r->pos < end) {
        uint8_t tcth;
        tern_status s = tern_reader_u8(r, &tcth);
        if (s != TERN_OK)
            return s;
        if ((tcth >> 4) > 1 || (tcth & 15) > 3)
            return tern_reader_fail(r, TERN_E_FORMAT, "DHT: table class/id 0x%02x", tcth);
        const uint8_t *counts;
        if ((s = tern_reader_bytes(r, 16, &counts)) != TERN_OK)
            return s;
        unsigned total = 0;
        for (int i = 0; i < 16; i++)
            total += counts[i];
        if (total > 256 || total > end - r->pos)
            return tern_reader_fail(r, TERN_E_FORMAT, "DHT: %u codes do not fit the segment", total);
        jl_huff *h = &dc->huff[(tcth >> 4) * 4 + (tcth & 15)];
        const uint8_t *vals;
        if ((s = tern_reader_bytes(r, total, &vals)) != TERN_OK)
            return s;
        memcpy(h->values, vals, total);
        int32_t code = 0, k = 0;
        for (int l = 1; l <= 16; l++) {
            unsigned n = counts[l - 1];
            h->valptr[l] = k;
            h->mincode[l] = code;
            code += (int32_t)n;
            k += (int32_t)n;
            h->maxcode[l] = n ? code - 1 : -1;
            if (code > (1 << l))
                return tern_reader_fail(r, TERN_E_FORMAT, "DHT: table %u over-subscribes %d-bit codes", tcth & 15, l);
            code <<= 1;
        }
        h->maxcode[17] = 0x7fffffff;
        h->defined = true;
    }
    return r->pos == end ? TERN_OK : tern_reader_fail(r, TERN_E_FORMAT, "DHT: length mismatch");
}

static tern_status read_sof3(jl_dec *dc, size_t end)
{
    tern_reader *r = &dc->r;
    uint8_t p, nf;
    uint16_t y, x;
    tern_status s;
    if (dc->have_frame)
        return tern_reader_fail(r, TERN_E_FORMAT, "SOF3: second frame header");
    if ((s = tern_reader_u8(r, &p)) != TERN_OK || (s = tern_reader_u16be(r, &y)) != TERN_OK ||
        (s = tern_reader_u16be(r, &x)) != TERN_OK || (s = tern_reader_u8(r, &nf)) != TERN_OK)
        return s;
    if (p < 2 || p > 16)
        return tern_reader_fail(r, TERN_E_FORMAT, "SOF3: precision %u outside 2..16", p);
    if (nf != 1 && nf != 3)
        return tern_reader_fail(r, TERN_E_UNSUPPORTED, "SOF3: %u components (1 or 3 supported)", nf);
    if (y == 0)
        return tern_reader_fail(r, TERN_E_UNSUPPORTED, "SOF3: height 0 (DNL marker) not supported");
    if (end - r->pos != 3u * nf)
        return tern_reader_fail(r, TERN_E_FORMAT, "SOF3: length does not match %u components", nf);
    for (unsigned i = 0; i < nf; i++) {
        uint8_t id, hv, tq;
        if ((s = tern_reader_u8(r, &id)) != TERN_OK || (s = tern_reader_u8(r, &hv)) != TERN_OK ||
            (s = tern_reader_u8(r, &tq)) != TERN_OK)
            return s;
        if (hv != 0x11)
            return tern_reader_fail(r, TERN_E_UNSUPPORTED, "SOF3: component %u sampling 0x%02x (only 1x1)", id, hv);
        for (unsigned j = 0; j < i; j++)
            if (dc->comp[j].id == id)
                return tern_reader_fail(r, TERN_E_FORMAT, "SOF3: component id %u twice", id);
        dc->comp[i].id = id;
    }
    if ((s = img_check_size("JPEG lossless", x, y, r->err)) != TERN_OK)
        return s;
    /* Each sample needs at least one bit of entropy-coded data. */
    size_t samples = (size_t)x * y * nf;
    if (samples / 8 > r->len - r->pos)
        return tern_reader_fail(r, TERN_E_TRUNCATED, "SOF3: %ux%ux%u samples cannot fit in %zu bytes",
                                x, y, nf, r->len - r->pos);
    for (unsigned i = 0; i < nf; i++) {
        dc->comp[i].plane = malloc((size_t)x * y * sizeof(uint16_t));
        if (!dc->comp[i].plane)
            return tern_error_set(r->err, TERN_E_NOMEM, "JPEG lossless: %ux%u plane", x, y);
    }
    dc->precision = p, dc->width = x, dc->height = y, dc->ncomp = nf;
    dc->have_frame = true;
    return TERN_OK;
}

/* Decodes one difference (H.1.2.2, F.16 DECODE + Table H.2). */
static bool decode_diff(jl_bits *b, const jl_huff *h, int32_t *diff, bool *bad_code)
{
    uint32_t bit, code = 0;
    int l = 0;
    do {
        if (!bits_get(b, 1, &bit))
            return false;
        code = (code << 1) | bit;
        l++;
        if (l > 16) {
            *bad_code = true;
            return false;
        }
    } while ((int32_t)code > h->maxcode[l]);
    unsigned ssss = h->values[h->valptr[l] + (int32_t)code - h->mincode[l]];
    if (ssss > 16) {
        *bad_code = true;
        return false;
    }
    if (ssss == 16) {
        *diff = 32768;
        return true;
    }
    uint32_t v;
    if (!bits_get(b, (int)ssss, &v))
        return false;
    *diff = ssss && v < (1u << (ssss - 1)) ? (int32_t)v - (int32_t)(1u << ssss) + 1 : (int32_t)v;
    return true;
}

static int32_t predict(unsigned psv, int32_t ra, int32_t rb, int32_t rc)
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

/* The entropy-coded data of one scan, starting at r->pos; leaves r->pos at
 * the marker that follows it. */
static tern_status decode_scan(jl_dec *dc, jl_comp **sc, const jl_huff **sh, unsigned ns,
                               unsigned psv, unsigned pt)
{
    tern_reader *r = &dc->r;
    jl_bits b = {.d = r->data, .len = r->len, .pos = r->pos};
    const unsigned w = dc->width, hgt = dc->height;
    const int32_t init = (int32_t)1 << (dc->precision - pt - 1);
    if (dc->restart && dc->restart % w != 0)
        return tern_reader_fail(r, TERN_E_UNSUPPORTED,
                                "SOS: restart interval %u is not a whole number of %u-sample lines",
                                dc->restart, w);
    const unsigned rows_per_restart = dc->restart ? dc->restart / w : 0;
    unsigned rst_n = 0, rows_left = rows_per_restart;
    bool first_row = true;
    for (unsigned y = 0; y < hgt; y++) {
        if (rows_per_restart && rows_left == 0) {
            /* RSTn (B.2.1, F.2.2.5): discard the remaining bits, expect the marker. */
            size_t at = b.pos;
            while (at + 1 < b.len && b.d[at] == 0xff && b.d[at + 1] == 0xff)
                at++;
            if (at + 1 >= b.len)
                return fail_at(dc, at, TERN_E_TRUNCATED, "data ends before a restart marker", "RST");
            if (b.d[at] != 0xff || b.d[at + 1] != 0xd0 + rst_n)
                return fail_at(dc, at, TERN_E_FORMAT, "expected the next RSTn marker", "RST");
            rst_n = (rst_n + 1) & 7;
            b = (jl_bits){.d = r->data, .len = r->len, .pos = at + 2};
            rows_left = rows_per_restart;
            first_row = true;
        }
        for (unsigned x = 0; x < w; x++) {
            for (unsigned c = 0; c < ns; c++) {
                uint16_t *row = sc[c]->plane + (size_t)y * w;
                const uint16_t *up = y ? row - w : row; /* used only when y > 0 */
                int32_t pred;
                if (first_row)
                    pred = x == 0 ? init : row[x - 1];
                else if (x == 0)
                    pred = up[0];
                else
                    pred = predict(psv, row[x - 1], up[x], up[x - 1]);
                int32_t diff = 0;
                bool bad_code = false;
                if (!decode_diff(&b, sh[c], &diff, &bad_code)) {
                    if (bad_code)
                        return fail_at(dc, b.pos, TERN_E_FORMAT,
                                       "undefined Huffman code or difference category", "SOS data");
                    bool at_end = b.pos >= b.len;
                    return fail_at(dc, b.pos, at_end ? TERN_E_TRUNCATED : TERN_E_FORMAT,
                                   at_end ? "data ends inside the scan"
                                          : "a marker interrupts the scan",
                                   "SOS data");
                }
                row[x] = (uint16_t)((pred + diff) & 0xffff);
            }
        }
        first_row = false;
        if (rows_per_restart)
            rows_left--;
    }
    r->pos = b.pos; /* the marker after the data (padding bits are never read) */
    return TERN_OK;
}

static tern_status read_sos(jl_dec *dc, size_t end)
{
    tern_reader *r = &dc->r;
    uint8_t ns;
    tern_status s;
    if (!dc->have_frame)
        return tern_reader_fail(r, TERN_E_FORMAT, "SOS: before SOF3");
    if ((s = tern_reader_u8(r, &ns)) != TERN_OK)
        return s;
    if (ns < 1 || ns > dc->ncomp || end - r->pos != 2u * ns + 3)
        return tern_reader_fail(r, TERN_E_FORMAT, "SOS: %u components or length wrong", ns);
    jl_comp *sc[JL_MAX_COMP];
    const jl_huff *sh[JL_MAX_COMP];
    for (unsigned i = 0; i < ns; i++) {
        uint8_t id, t;
        if ((s = tern_reader_u8(r, &id)) != TERN_OK || (s = tern_reader_u8(r, &t)) != TERN_OK)
            return s;
        sc[i] = NULL;
        for (unsigned j = 0; j < dc->ncomp; j++)
            if (dc->comp[j].id == id)
                sc[i] = &dc->comp[j];
        if (!sc[i] || sc[i]->decoded)
            return tern_reader_fail(r, TERN_E_FORMAT, "SOS: component %u unknown or already decoded", id);
        sc[i]->decoded = true;
        /* Lossless scans use class 0 tables (Td); NIST NBIS's encoder
         * labels its table class 1 (Tc/Th 0x10, the NIST PIV sample files):
         * the class 1 table of the same id stands in when class 0 has none. */
        unsigned td = t >> 4;
        if (td > 3 || (!dc->huff[td].defined && !dc->huff[4 + td].defined))
            return tern_reader_fail(r, TERN_E_FORMAT, "SOS: Huffman table %u not defined", td);
        sh[i] = dc->huff[td].defined ? &dc->huff[td] : &dc->huff[4 + td];
    }
    uint8_t ss, se, a;
    if ((s = tern_reader_u8(r, &ss)) != TERN_OK || (s = tern_reader_u8(r, &se)) != TERN_OK ||
        (s = tern_reader_u8(r, &a)) != TERN_OK)
        return s;
    if (ss < 1 || ss > 7 || se != 0 || (a >> 4) != 0 || (a & 15) >= dc->precision)
        return tern_reader_fail(r, TERN_E_FORMAT,
                                "SOS: predictor %u, Se %u, Ah/Al 0x%02x invalid for lossless", ss, se, a);
    for (unsigned i = 0; i < ns; i++)
        sc[i]->pt = a & 15;
    return decode_scan(dc, sc, sh, ns, ss, a & 15);
}

/* JFIF APP0 (JFIF 1.02): density in dots per inch (units 1) or per cm (2). */
static void read_app0(jl_dec *dc, size_t end)
{
    const uint8_t *p = dc->r.data + dc->r.pos;
    if (end - dc->r.pos < 12 || memcmp(p, "JFIF\0", 5) != 0)
        return;
    unsigned xd = (unsigned)p[8] << 8 | p[9], yd = (unsigned)p[10] << 8 | p[11];
    if (xd == 0 || yd == 0)
        return;
    if (p[7] == 1)
        dc->ppi_x = xd, dc->ppi_y = yd;
    else if (p[7] == 2)
        dc->ppi_x = img_ppi_from_ppm(xd * 100.0, 100), dc->ppi_y = img_ppi_from_ppm(yd * 100.0, 100);
}

static tern_status to_image(jl_dec *dc, tern_image **out)
{
    for (unsigned c = 0; c < dc->ncomp; c++)
        if (!dc->comp[c].decoded)
            return tern_reader_fail(&dc->r, TERN_E_FORMAT, "EOI: component %u has no scan", dc->comp[c].id);
    tern_image *img;
    tern_status s = tern_image_create(dc->width, dc->height, dc->ncomp, &img, dc->r.err);
    if (s != TERN_OK)
        return s;
    const unsigned p = dc->precision;
    const uint32_t maxv = (1u << p) - 1;
    const size_t n = (size_t)dc->width * dc->height;
    for (unsigned c = 0; c < dc->ncomp; c++) {
        const uint16_t *pl = dc->comp[c].plane;
        for (size_t i = 0; i < n; i++) {
            uint32_t v = (uint32_t)pl[i] << dc->comp[c].pt;
            if (v > maxv)
                v = maxv; /* only a corrupt file reconstructs out of range */
            img->pixels[i * dc->ncomp + c] =
                (uint8_t)(p >= 8 ? v >> (p - 8) : (v * 255 + maxv / 2) / maxv);
        }
    }
    img->ppi_x = dc->ppi_x;
    img->ppi_y = dc->ppi_y;
    *out = img;
    return TERN_OK;
}

/* Walks the marker segments from SOI to EOI. */
static tern_status decode_markers(jl_dec *dc, tern_image **out)
{
    tern_reader *r = &dc->r;
    uint16_t soi;
    tern_status s = tern_reader_u16be(r, &soi);
    if (s != TERN_OK)
        return s;
    if (soi != 0xffd8)
        return tern_reader_fail(r, TERN_E_FORMAT, "no SOI marker");
    bool scanned = false;
    for (;;) {
        uint8_t ff, m;
        if ((s = tern_reader_u8(r, &ff)) != TERN_OK)
            return s;
        if (ff != 0xff)
            return tern_reader_fail(r, TERN_E_FORMAT, "expected a marker, found 0x%02x", ff);
        do {
            if ((s = tern_reader_u8(r, &m)) != TERN_OK)
                return s;
        } while (m == 0xff); /* fill bytes (B.1.1.2) */
        if (m == 0xd9) {
            if (!scanned)
                return tern_reader_fail(r, TERN_E_FORMAT, "EOI before any scan");
            return to_image(dc, out);
        }
        if (m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01 || m == 0x00)
            return tern_reader_fail(r, TERN_E_FORMAT, "marker 0xff%02x out of place", m);
        uint16_t seg;
        if ((s = tern_reader_u16be(r, &seg)) != TERN_OK)
            return s;
        if (seg < 2 || seg - 2u > tern_reader_left(r))
            return tern_reader_fail(r, TERN_E_TRUNCATED, "segment 0xff%02x of %u bytes overruns the data", m, seg);
        size_t end = r->pos + seg - 2;
        if (m == 0xc3)
            s = read_sof3(dc, end);
        else if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc)
            s = tern_reader_fail(r, TERN_E_UNSUPPORTED, "frame 0xff%02x in a lossless JPEG", m);
        else if (m == 0xc4)
            s = read_dht(dc, end);
        else if (m == 0xdd) {
            uint16_t ri;
            if (seg != 4)
                return tern_reader_fail(r, TERN_E_FORMAT, "DRI: length %u", seg);
            if ((s = tern_reader_u16be(r, &ri)) == TERN_OK)
                dc->restart = ri;
        } else if (m == 0xda) {
            if ((s = read_sos(dc, end)) == TERN_OK)
                scanned = true;
            if (s != TERN_OK)
                return s;
            continue; /* r->pos is at the marker after the scan */
        } else if (m == 0xdc) {
            s = tern_reader_fail(r, TERN_E_UNSUPPORTED, "DNL marker not supported");
        } else {
            if (m == 0xe0)
                read_app0(dc, end);
            s = tern_reader_seek(r, end); /* APPn, COM, DQT, DAC...: skipped */
        }
        if (s != TERN_OK)
            return s;
        if (r->pos != end)
            return tern_reader_fail(r, TERN_E_FORMAT, "segment 0xff%02x: length mismatch", m);
    }
}

tern_status img_jpegl_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err)
{
    *out = NULL;
    jl_dec *dc = calloc(1, sizeof *dc);
    if (!dc)
        return tern_error_set(err, TERN_E_NOMEM, "JPEG lossless: decoder state");
    tern_reader_init(&dc->r, data, len, "JPEG lossless", err);
    tern_status s = decode_markers(dc, out);
    for (unsigned c = 0; c < JL_MAX_COMP; c++)
        free(dc->comp[c].plane);
    free(dc);
    return s;
}

bool img_jpeg_is_lossless(const uint8_t *data, size_t len)
{
    tern_reader r;
    tern_reader_init(&r, data, len, "JPEG", NULL);
    uint16_t v;
    if (tern_reader_u16be(&r, &v) != TERN_OK || v != 0xffd8)
        return false;
    for (;;) {
        uint8_t ff, m;
        if (tern_reader_u8(&r, &ff) != TERN_OK || ff != 0xff)
            return false;
        do {
            if (tern_reader_u8(&r, &m) != TERN_OK)
                return false;
        } while (m == 0xff);
        if (m == 0xc3)
            return true;
        if ((m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) || m == 0xda ||
            m == 0xd9 || m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01)
            return false;
        if (tern_reader_u16be(&r, &v) != TERN_OK || v < 2 || tern_reader_skip(&r, v - 2u) != TERN_OK)
            return false;
    }
}
