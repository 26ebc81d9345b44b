/* wsq_tables.c - reading the WSQ marker segments that carry parameters (FBI
 * WSQ spec v3.1, Part 1 Annex B.2): the frame header (SOF), the transform
 * table (DTT), the quantization table (DQT), Huffman tables (DHT), and the
 * resolution in a NISTCOM comment (NIST NBIS convention, "PPI n").
 *
 * Every parameter is a 16- or 32-bit integer with a decimal scale byte
 * (value / 10^scale). The reference decoder turns it into a float and divides
 * by ten `scale` times, rounding to float after each division; the result can
 * differ in the last bit from a single division by 10^scale, and the decoder
 * must be bit-exact, so Tern does the same (wsq_scaled_float). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img/wsq_internal.h"

float wsq_scaled_float(uint32_t value, unsigned scale)
{
    float f = (float)value;
    while (scale-- > 0)
        f = (float)(f / 10.0);
    return f;
}

/* A scaled parameter: scale byte then a 16-bit value. */
static tern_status scaled16(tern_reader *r, float *out)
{
    uint8_t scale;
    uint16_t v;
    tern_status s = tern_reader_u8(r, &scale);
    if (s == TERN_OK)
        s = tern_reader_u16be(r, &v);
    if (s == TERN_OK)
        *out = wsq_scaled_float(v, scale);
    return s;
}

/* Checks that a segment's payload was read exactly. */
static tern_status segment_end(tern_reader *seg, const char *marker)
{
    if (tern_reader_left(seg) != 0)
        return tern_reader_fail(seg, TERN_E_FORMAT,
                                "%s segment has %zu bytes beyond its content (length field "
                                "does not match)",
                                marker, tern_reader_left(seg));
    return TERN_OK;
}

tern_status wsq_parse_sof(tern_reader *seg, wsq_frame *f)
{
    uint8_t black, white, enc;
    uint16_t h, w, sw;
    tern_status s = tern_reader_u8(seg, &black);
    if (s == TERN_OK)
        s = tern_reader_u8(seg, &white);
    if (s == TERN_OK)
        s = tern_reader_u16be(seg, &h);
    if (s == TERN_OK)
        s = tern_reader_u16be(seg, &w);
    if (s == TERN_OK)
        s = scaled16(seg, &f->m_shift);
    if (s == TERN_OK)
        s = scaled16(seg, &f->r_scale);
    if (s == TERN_OK)
        s = tern_reader_u8(seg, &enc);
    if (s == TERN_OK)
        s = tern_reader_u16be(seg, &sw);
    if (s != TERN_OK)
        return s;
    f->black = black;
    f->white = white;
    f->height = h;
    f->width = w;
    f->encoder = enc;
    f->software = sw;
    if (w == 0 || h == 0)
        return tern_reader_fail(seg, TERN_E_FORMAT, "SOF declares an empty image (%ux%u)", w, h);
    /* 16-bit sizes never exceed TERN_IMAGE_MAX_DIM (32768) by more than the
     * check below catches. */
    return segment_end(seg, "SOF");
}

/* One half of the DTT: (len+1)/2 coefficients from the centre outwards, each
 * a sign byte, a scale byte and a 32-bit magnitude. The decoder's synthesis
 * filter is the analysis filter modulated by (-1)^k. */
static tern_status dtt_filter(tern_reader *seg, int len, float *out)
{
    int half = (len - 1) / 2;
    for (int k = 0; k <= half; k++) {
        uint8_t sign, scale;
        uint32_t v;
        tern_status s = tern_reader_u8(seg, &sign);
        if (s == TERN_OK)
            s = tern_reader_u8(seg, &scale);
        if (s == TERN_OK)
            s = tern_reader_u32be(seg, &v);
        if (s != TERN_OK)
            return s;
        float a = wsq_scaled_float(v, scale);
        if (sign)
            a = -a;
        if (k % 2)
            a = -a;
        out[half + k] = a;
        out[half - k] = a;
    }
    return TERN_OK;
}

tern_status wsq_parse_dtt(tern_reader *seg, wsq_filters *f)
{
    uint8_t a_lo, a_hi; /* analysis lowpass and highpass lengths */
    tern_status s = tern_reader_u8(seg, &a_lo);
    if (s == TERN_OK)
        s = tern_reader_u8(seg, &a_hi);
    if (s != TERN_OK)
        return s;
    if (a_lo % 2 == 0 || a_hi % 2 == 0 || a_lo < 3 || a_hi < 3 || a_lo >= WSQ_MAX_TAPS ||
        a_hi >= WSQ_MAX_TAPS)
        return tern_reader_fail(seg, TERN_E_UNSUPPORTED,
                                "DTT filter lengths %u/%u: Tern supports odd lengths 3..%d",
                                a_lo, a_hi, WSQ_MAX_TAPS - 1);
    /* The analysis lowpass gives the synthesis highpass, and vice versa. */
    f->hi_len = a_lo;
    f->lo_len = a_hi;
    s = dtt_filter(seg, a_lo, f->hi);
    if (s == TERN_OK)
        s = dtt_filter(seg, a_hi, f->lo);
    if (s != TERN_OK)
        return s;
    return segment_end(seg, "DTT");
}

tern_status wsq_parse_dqt(tern_reader *seg, wsq_quant *q)
{
    tern_status s = scaled16(seg, &q->bin_center);
    for (int i = 0; i < WSQ_SUBBANDS && s == TERN_OK; i++) {
        s = scaled16(seg, &q->q[i]);
        if (s == TERN_OK)
            s = scaled16(seg, &q->z[i]);
    }
    if (s != TERN_OK)
        return s;
    return segment_end(seg, "DQT");
}

tern_status wsq_parse_dht(tern_reader *seg, wsq_huff tables[WSQ_HUFF_TABLES],
                          bool defined[WSQ_HUFF_TABLES])
{
    do {
        size_t at = seg->pos;
        uint8_t id;
        tern_status s = tern_reader_u8(seg, &id);
        if (s != TERN_OK)
            return s;
        if (id >= WSQ_HUFF_TABLES)
            return tern_reader_fail(seg, TERN_E_FORMAT, "Huffman table id %u out of range 0..%d",
                                    id, WSQ_HUFF_TABLES - 1);
        wsq_huff *h = &tables[id];
        memset(h, 0, sizeof *h);
        const uint8_t *p;
        s = tern_reader_bytes(seg, 16, &p);
        if (s != TERN_OK)
            return s;
        int total = 0;
        for (int len = 1; len <= 16; len++) {
            h->counts[len] = p[len - 1];
            total += p[len - 1];
        }
        if (total == 0 || total > 256)
            return tern_reader_fail(seg, TERN_E_FORMAT,
                                    "Huffman table %u declares %d codes (must be 1..256)", id,
                                    total);
        s = tern_reader_bytes(seg, (size_t)total, &p);
        if (s != TERN_OK)
            return s;
        memcpy(h->values, p, (size_t)total);
        h->n_values = total;
        if (!wsq_huff_prepare(h)) {
            seg->pos = at;
            return tern_reader_fail(seg, TERN_E_FORMAT,
                                    "Huffman table %u: code-length counts over-subscribe the "
                                    "code space",
                                    id);
        }
        defined[id] = true;
    } while (tern_reader_left(seg) > 0);
    return TERN_OK;
}

double wsq_nistcom_ppi(const uint8_t *text, size_t len)
{
    static const char head[] = "NIST_COM";
    if (len < sizeof head - 1 || memcmp(text, head, sizeof head - 1) != 0)
        return -1; /* not a NISTCOM */
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n' && text[e] != '\0')
            e++;
        if (e - i > 4 && memcmp(text + i, "PPI ", 4) == 0) {
            char num[32];
            size_t n = e - i - 4 < sizeof num - 1 ? e - i - 4 : sizeof num - 1;
            memcpy(num, text + i + 4, n);
            num[n] = '\0';
            char *end;
            long v = strtol(num, &end, 10);
            if (end == num || v <= 0 || v == 255 || v > 100000)
                return 0; /* -1 and 255 mean unknown */
            return (double)v;
        }
        if (e < len && text[e] == '\0')
            break;
        i = e + 1;
    }
    return 0;
}
