/* nist_write.c - writer of the traditional encoding of ANSI/NIST-ITL
 * transactions (NIST SP 500-290 (1-2011), clause 7.2 and Annex B).
 *
 * LEN is self-referential: it counts the record's bytes including its own
 * digits. The writer sums the other bytes (n), then takes the input's
 * spelling of LEN if it still equals n plus its own width (so leading zeros
 * survive a round trip), else the shortest d-digit number v = n + d.
 * Binary records (Types 3-8) get their fixed headers back from the fields
 * that the parser made of them (see tern/nist.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"
#include "nist/nist_internal.h"

static size_t ndigits(size_t v)
{
    size_t d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Writes the tag of f into buf; returns its length. A kept spelling is
 * used only if it still names this field. */
static size_t tag_of(uint32_t type, const tern_nist_field *f, char *buf, size_t size)
{
    if (f->tag[0]) {
        unsigned t, n;
        char c;
        if (sscanf(f->tag, "%u.%u%c", &t, &n, &c) == 2 && t == type && n == f->number)
            return (size_t)snprintf(buf, size, "%s", f->tag);
    }
    return (size_t)snprintf(buf, size, "%u.%03u", type, f->number);
}

static tern_status fail_field(tern_error *err, size_t rec_no, uint32_t type, uint32_t number,
                              const char *what)
{
    return tern_error_set(err, TERN_E_ARG, "record %zu (Type-%u), field %u.%03u: %s", rec_no,
                          type, type, number, what);
}

/* The LEN text: the kept spelling if it is still right, else the shortest. */
static void len_text(const tern_nist_field *len_field, size_t n, char *buf, size_t size)
{
    if (len_field && len_field->len > 0 && len_field->len < 20) {
        size_t v = 0, i = 0;
        for (; i < len_field->len && len_field->value[i] >= '0' && len_field->value[i] <= '9'; i++)
            v = v * 10 + (size_t)(len_field->value[i] - '0');
        if (i == len_field->len && v == n + len_field->len) {
            snprintf(buf, size, "%.*s", (int)len_field->len, (const char *)len_field->value);
            return;
        }
    }
    size_t d = 1;
    while (ndigits(n + d) != d)
        d++;
    snprintf(buf, size, "%zu", n + d);
}

static tern_status write_tagged(const tern_nist_record *r, size_t rec_no, tern_buf *b,
                                tern_error *err)
{
    if (r->n_fields == 0 || r->fields[0].number != 1)
        return tern_error_set(err, TERN_E_ARG, "record %zu (Type-%u): LEN is not its first field",
                              rec_no, r->type);
    char tag[TERN_NIST_TAG_MAX + 16];
    size_t n = 0;
    for (size_t i = 0; i < r->n_fields; i++) {
        const tern_nist_field *f = &r->fields[i];
        if (f->binary && i + 1 != r->n_fields)
            return fail_field(err, rec_no, r->type, f->number, "binary data must be the last field");
        if (!f->binary && (memchr(f->value, TERN_NIST_GS, f->len) ||
                           memchr(f->value, TERN_NIST_FS, f->len)))
            return fail_field(err, rec_no, r->type, f->number, "text holds a GS or FS byte");
        n += tag_of(r->type, f, tag, sizeof tag) + 2; /* ':' and GS or FS */
        if (i > 0)
            n += f->len;
    }
    char len[32];
    len_text(&r->fields[0], n, len, sizeof len);
    for (size_t i = 0; i < r->n_fields; i++) {
        const tern_nist_field *f = &r->fields[i];
        size_t tl = tag_of(r->type, f, tag, sizeof tag);
        tern_buf_put(b, tag, tl);
        tern_buf_u8(b, ':');
        if (i == 0)
            tern_buf_put(b, len, strlen(len));
        else
            tern_buf_put(b, f->value, f->len);
        tern_buf_u8(b, i + 1 == r->n_fields ? TERN_NIST_FS : TERN_NIST_GS);
    }
    return TERN_OK;
}

/* Reads header field `number` of a binary record as an integer in [0, max]. */
static tern_status header_value(const tern_nist_record *r, size_t rec_no, uint32_t number,
                                long max, long *out, tern_error *err)
{
    const tern_nist_field *f = tern_nist_find(r, number);
    if (!f || !tern_nist_item_long(f, 0, 0, out) || *out < 0 || *out > max) {
        char what[64];
        snprintf(what, sizeof what, "missing, or not an integer 0..%ld", max);
        return fail_field(err, rec_no, r->type, number, what);
    }
    return TERN_OK;
}

static tern_status write_binary(const tern_nist_record *r, size_t rec_no, tern_buf *b,
                                tern_error *err)
{
    size_t hdr = nist_binary_header_size(r->type);
    uint32_t data_no = nist_binary_data_field(r->type);
    const tern_nist_field *data = tern_nist_find(r, data_no);
    size_t dlen = data ? data->len : 0, total;
    if (!tern_size_add(hdr, dlen, &total) || total > UINT32_MAX)
        return fail_field(err, rec_no, r->type, data_no, "too long for a 4-byte LEN");
    long idc, v[6];
    tern_status s = header_value(r, rec_no, 2, 255, &idc, err);
    if (s)
        return s;
    tern_buf_u32be(b, (uint32_t)total);
    tern_buf_u8(b, (uint8_t)idc);
    if (r->type == 8) {
        static const long max8[5] = {255, 255, 255, 65535, 65535};
        for (uint32_t k = 0; k < 5; k++)
            if ((s = header_value(r, rec_no, 3 + k, max8[k], &v[k], err)))
                return s;
        tern_buf_u8(b, (uint8_t)v[0]);
        tern_buf_u8(b, (uint8_t)v[1]);
        tern_buf_u8(b, (uint8_t)v[2]);
        tern_buf_u16be(b, (uint16_t)v[3]);
        tern_buf_u16be(b, (uint16_t)v[4]);
    } else if (r->type != 7) {
        static const uint32_t num[5] = {3, 5, 6, 7, 8};
        static const long max[5] = {255, 255, 65535, 65535, 255};
        for (uint32_t k = 0; k < 5; k++)
            if ((s = header_value(r, rec_no, num[k], max[k], &v[k], err)))
                return s;
        const tern_nist_field *fgp = tern_nist_find(r, 4);
        uint8_t pos[6] = {255, 255, 255, 255, 255, 255};
        if (fgp && fgp->n_subfields > 6)
            return fail_field(err, rec_no, r->type, 4, "more than 6 finger positions");
        for (uint32_t k = 0; fgp && k < fgp->n_subfields; k++) {
            long p;
            if (!tern_nist_item_long(fgp, k, 0, &p) || p < 0 || p > 255) {
                if (fgp->len == 0)
                    break;
                return fail_field(err, rec_no, r->type, 4, "a position is not an integer 0..255");
            }
            pos[k] = (uint8_t)p;
        }
        tern_buf_u8(b, (uint8_t)v[0]);
        tern_buf_put(b, pos, 6);
        tern_buf_u8(b, (uint8_t)v[1]);
        tern_buf_u16be(b, (uint16_t)v[2]);
        tern_buf_u16be(b, (uint16_t)v[3]);
        tern_buf_u8(b, (uint8_t)v[4]);
    }
    if (dlen)
        tern_buf_put(b, data->value, dlen);
    return TERN_OK;
}

tern_status tern_nist_serialize(const tern_nist *t, uint8_t **out, size_t *len, tern_error *err)
{
    *out = NULL;
    *len = 0;
    if (!t || t->n_records == 0 || t->records[0].type != 1)
        return tern_error_set(err, TERN_E_ARG, "ANSI/NIST: the transaction has no Type-1 record");
    tern_buf b = {0};
    tern_status s = TERN_OK;
    for (size_t i = 0; i < t->n_records && !s; i++) {
        const tern_nist_record *r = &t->records[i];
        s = tern_nist_type_is_binary(r->type) ? write_binary(r, i + 1, &b, err)
                                               : write_tagged(r, i + 1, &b, err);
    }
    if (!s)
        s = tern_buf_status(&b, err);
    if (s) {
        tern_buf_free(&b);
        return s;
    }
    *out = tern_buf_take(&b, len);
    return TERN_OK;
}
