/* wsq_huffman.c - WSQ entropy coding (FBI WSQ spec v3.1, Part 1 Annex B):
 * canonical Huffman codes given by code-length counts (as in JPEG, ITU-T
 * T.81 Annex C), the WSQ symbol alphabet of zero runs, small coefficients
 * and escapes (spec Table B.2), byte stuffing of 0xff, and, for the encoder,
 * code lengths from symbol frequencies (T.81 Annex K.2, at most 16 bits, the
 * all-ones code never used).
 *
 * Symbols: 1..100 a run of that many zeros; 101/102 a positive/negative
 * coefficient in the next 8 bits; 103/104 the same in 16 bits; 105/106 a zero
 * run whose length is in the next 8/16 bits; 107..254 the coefficient
 * (symbol - 180), i.e. -73..74. */
#include <string.h>

#include "img/wsq_internal.h"

bool wsq_huff_prepare(wsq_huff *h)
{
    int total = 0;
    for (int len = 1; len <= 16; len++)
        total += h->counts[len];
    if (total > 256 || total != h->n_values)
        return false;
    int32_t code = 0;
    int k = 0;
    memset(h->fast, 0, sizeof h->fast);
    for (int len = 1; len <= 16; len++) {
        if (code + h->counts[len] > (1 << len)) /* over-subscribed: not a prefix code */
            return false;
        for (int i = 0; len <= 8 && i < h->counts[len]; i++) {
            uint32_t first = (uint32_t)(code + i) << (8 - len);
            for (uint32_t x = 0; x < (1u << (8 - len)); x++)
                h->fast[first | x] = (uint16_t)(len << 8 | h->values[k + i]);
        }
        if (h->counts[len] == 0) {
            h->maxcode[len] = -1;
            h->mincode[len] = 0;
            h->valptr[len] = 0;
        } else {
            h->valptr[len] = k;
            h->mincode[len] = code;
            code += h->counts[len];
            k += h->counts[len];
            h->maxcode[len] = code - 1;
        }
        code <<= 1;
    }
    return true;
}

/* ---- decoding ------------------------------------------------------------ */

/* The block's bits, read ahead into a 64-bit accumulator up to the marker
 * that ends the block (0xff followed by anything but 0x00) or the end of
 * the input. Reading ahead changes nothing: every bit is still consumed in
 * order, and a block is over only when its bits run out at the marker. */
typedef struct bitin {
    tern_reader *r;
    uint64_t acc;
    int n;         /* valid bits in acc */
    bool marker;   /* the next byte is a marker: no more bits */
    bool eof;      /* the input ended before any marker */
} bitin;

static void refill(bitin *b)
{
    tern_reader *r = b->r;
    while (b->n <= 56 && !b->marker && !b->eof) {
        size_t left = tern_reader_left(r);
        if (left == 0) {
            b->eof = true;
            break;
        }
        uint8_t v = r->data[r->pos];
        if (v == 0xff) {
            if (left < 2) {
                b->eof = true;
                break;
            }
            if (r->data[r->pos + 1] != 0x00) {
                b->marker = true;
                break;
            }
            r->pos += 2;
        } else {
            r->pos++;
        }
        b->acc = (b->acc << 8) | v;
        b->n += 8;
    }
}

static tern_status out_of_bits(bitin *b, bool in_escape)
{
    tern_reader *r = b->r;
    if (b->marker && in_escape)
        return tern_reader_fail(r, TERN_E_FORMAT, "marker 0x%02x%02x inside an escaped value",
                                r->data[r->pos], r->data[r->pos + 1]);
    return tern_reader_fail(r, TERN_E_TRUNCATED,
                            "entropy-coded block ends with the input, no marker follows");
}

/* Reads n (<= 16) bits. A marker met here is an error: escapes and their
 * payload may not be cut by the end of a block. */
static tern_status get_bits(bitin *b, int n, uint32_t *out)
{
    if (b->n < n)
        refill(b);
    if (b->n < n)
        return out_of_bits(b, true);
    b->n -= n;
    *out = (uint32_t)(b->acc >> b->n) & ((1u << n) - 1);
    return TERN_OK;
}

/* One symbol, or *sym = -1 when the block's closing marker is reached (any
 * bits of an unfinished code before it are padding). Codes of up to 8 bits
 * come from a table; longer ones, and the last bits before a marker, are
 * read one bit at a time. */
static tern_status decode_symbol(bitin *b, const wsq_huff *h, int *sym)
{
    if (b->n < 16)
        refill(b);
    if (b->n >= 8) {
        uint16_t e = h->fast[(b->acc >> (b->n - 8)) & 0xff];
        if (e) {
            b->n -= e >> 8;
            *sym = e & 0xff;
            return TERN_OK;
        }
    }
    int32_t code = 0;
    for (int len = 1; len <= 16; len++) {
        if (b->n == 0) {
            refill(b);
            if (b->n == 0) {
                if (!b->marker)
                    return out_of_bits(b, false);
                *sym = -1;
                return TERN_OK;
            }
        }
        b->n--;
        code = (code << 1) | (int32_t)((b->acc >> b->n) & 1);
        if (code <= h->maxcode[len]) {
            *sym = h->values[h->valptr[len] + code - h->mincode[len]];
            return TERN_OK;
        }
    }
    return tern_reader_fail(b->r, TERN_E_FORMAT, "undefined Huffman code 0x%x (16 bits)",
                            (unsigned)code);
}

static tern_status zeros(tern_reader *r, int16_t *coef, size_t *count, size_t limit, size_t run)
{
    if (run > limit - *count)
        return tern_reader_fail(r, TERN_E_FORMAT,
                                "block data overruns the image: a run of %zu zeros after %zu of "
                                "%zu coefficients",
                                run, *count, limit);
    memset(coef + *count, 0, run * sizeof *coef);
    *count += run;
    return TERN_OK;
}

tern_status wsq_huff_decode_block(tern_reader *r, const wsq_huff *h, int16_t *coef,
                                  size_t *count, size_t limit, tern_error *err)
{
    bitin b = {r, 0, 0, false, false};
    for (;;) {
        int sym;
        tern_status s = decode_symbol(&b, h, &sym);
        if (s != TERN_OK)
            return s;
        if (sym < 0)
            return TERN_OK;
        if (sym >= 1 && sym <= 100) {
            s = zeros(r, coef, count, limit, (size_t)sym);
        } else if (sym == 105 || sym == 106) {
            uint32_t run = 0;
            s = get_bits(&b, sym == 105 ? 8 : 16, &run);
            if (s == TERN_OK)
                s = zeros(r, coef, count, limit, run);
        } else {
            int32_t v;
            if (sym >= 107 && sym <= 254) {
                v = sym - 180;
            } else if (sym >= 101 && sym <= 104) {
                uint32_t mag = 0;
                s = get_bits(&b, sym <= 102 ? 8 : 16, &mag);
                if (s != TERN_OK)
                    return s;
                v = (sym == 101 || sym == 103) ? (int32_t)mag : -(int32_t)mag;
            } else {
                return tern_reader_fail(r, TERN_E_FORMAT, "Huffman symbol %d is not a WSQ symbol",
                                        sym);
            }
            if (*count >= limit)
                return tern_reader_fail(r, TERN_E_FORMAT,
                                        "block data overruns the image's %zu coefficients", limit);
            /* The reference keeps coefficients in 16 bits. */
            coef[(*count)++] = (int16_t)(uint16_t)(uint32_t)v;
        }
        if (s != TERN_OK)
            return s;
    }
}

/* ---- code lengths from frequencies (encoder) ------------------------------ */

void wsq_huff_from_freqs(const uint32_t freq_in[256], wsq_huff *h)
{
    /* 257 symbols: the extra one (frequency 1) reserves the all-ones code. */
    enum { NS = 257 };
    uint64_t freq[NS];
    int codesize[NS], others[NS];
    for (int i = 0; i < 256; i++)
        freq[i] = freq_in[i];
    freq[256] = 1;
    for (int i = 0; i < NS; i++) {
        codesize[i] = 0;
        others[i] = -1;
    }
    for (;;) {
        int c1 = -1, c2 = -1;
        for (int i = 0; i < NS; i++)
            if (freq[i] && (c1 < 0 || freq[i] <= freq[c1]))
                c1 = i;
        for (int i = 0; i < NS; i++)
            if (freq[i] && i != c1 && (c2 < 0 || freq[i] <= freq[c2]))
                c2 = i;
        if (c2 < 0)
            break;
        freq[c1] += freq[c2];
        freq[c2] = 0;
        for (codesize[c1]++; others[c1] >= 0; codesize[c1]++)
            c1 = others[c1];
        others[c1] = c2;
        for (codesize[c2]++; others[c2] >= 0; codesize[c2]++)
            c2 = others[c2];
    }
    int bits[NS + 1] = {0}; /* a code is at most NS - 1 bits long */
    for (int i = 0; i < NS; i++)
        if (codesize[i])
            bits[codesize[i]]++;
    for (int i = NS; i > 16; i--) {
        while (bits[i] > 0) {
            int j = i - 2;
            while (bits[j] == 0)
                j--;
            bits[i] -= 2;
            bits[i - 1]++;
            bits[j + 1] += 2;
            bits[j]--;
        }
    }
    int i = 16;
    while (bits[i] == 0)
        i--;
    bits[i]--; /* drop the reserved code */
    memset(h, 0, sizeof *h);
    for (int len = 1; len <= 16; len++)
        h->counts[len] = (uint8_t)bits[len];
    int k = 0;
    for (int len = 1; len <= NS; len++)
        for (int s = 0; s < 256; s++)
            if (codesize[s] == len)
                h->values[k++] = (uint8_t)s;
    h->n_values = k;
    /* Symbols whose length was shortened by the limit keep their order of
     * increasing original length, which is what the counts describe. */
}
