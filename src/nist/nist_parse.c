/* nist_parse.c - reader of the traditional encoding of ANSI/NIST-ITL
 * transactions (NIST SP 500-290 (1-2011), clause 7.2 and Annex B).
 *
 * The record sequence is taken from 1.003 (CNT): binary records (Types 3-8)
 * carry no type of their own. Each record's extent comes from its LEN:
 * tagged records must end with FS at offset LEN - 1, and the image field
 * x.999 runs from its tag to that FS, so image data is never scanned for
 * separators. Fields of tagged records are "T.N:value" separated by GS; a
 * field number is an integer whatever its spelling (1.01 = 1.001), and the
 * spelling is kept for byte-exact re-serialisation. Every failure names the
 * record (1-based position, type, IDC), the field and the byte offset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nist/nist_internal.h"
#include "nist/nist_utf8.h"

typedef struct parser {
    const uint8_t *data;
    size_t len;
    tern_nist *t;
    tern_error *err;
    size_t rec_no;      /* 1-based position of the record being read */
    uint32_t rec_type;
    long rec_idc;       /* from 1.003, -1 if unknown */
} parser;

static tern_status fail(parser *p, tern_status st, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static tern_status fail(parser *p, tern_status st, size_t off, const char *fmt, ...)
{
    char msg[TERN_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->rec_idc >= 0)
        return tern_error_set(p->err, st, "record %zu (Type-%u, IDC %ld) at byte offset %zu: %s",
                              p->rec_no, p->rec_type, p->rec_idc, off, msg);
    return tern_error_set(p->err, st, "record %zu (Type-%u) at byte offset %zu: %s", p->rec_no,
                          p->rec_type, off, msg);
}

/* Parses an unsigned decimal of at most max_digits digits in [pos, end);
 * returns the offset after it, or 0 if there is none. */
static size_t read_uint(const uint8_t *d, size_t pos, size_t end, unsigned max_digits,
                        uint64_t *out)
{
    uint64_t v = 0;
    size_t i = pos;
    while (i < end && d[i] >= '0' && d[i] <= '9' && i - pos < max_digits)
        v = v * 10 + (uint64_t)(d[i++] - '0');
    if (i == pos)
        return 0;
    *out = v;
    return i;
}

/* Reads a tag "T.N:" at pos (before end). On success *type and *number are
 * set, tag receives the spelling and the offset after ':' is returned. */
static tern_status read_tag(parser *p, size_t pos, size_t end, uint32_t *type, uint32_t *number,
                            char tag[TERN_NIST_TAG_MAX + 1], size_t *after)
{
    uint64_t t = 0, n = 0;
    size_t i = read_uint(p->data, pos, end, 3, &t);
    if (i && i < end && p->data[i] == '.')
        i = read_uint(p->data, i + 1, end, 9, &n);
    else
        i = 0;
    if (!i || i >= end || p->data[i] != ':' || i - pos > TERN_NIST_TAG_MAX) {
        size_t show = end - pos < 12 ? end - pos : 12;
        char buf[64];
        size_t k = 0;
        for (size_t j = 0; j < show; j++)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%02x", j ? " " : "",
                                  p->data[pos + j]);
        buf[k] = 0;
        return fail(p, TERN_E_FORMAT, pos, "expected a field tag \"T.N:\", found bytes %s", buf);
    }
    if (t != p->rec_type)
        return fail(p, TERN_E_FORMAT, pos, "field tag %.*s belongs to Type-%u, not Type-%u",
                    (int)(i - pos), (const char *)p->data + pos, (unsigned)t, p->rec_type);
    if (n == 0 || n > 999999)
        return fail(p, TERN_E_FORMAT, pos, "field number in tag %.*s is out of range",
                    (int)(i - pos), (const char *)p->data + pos);
    memcpy(tag, p->data + pos, i - pos);
    tag[i - pos] = 0;
    *type = (uint32_t)t;
    *number = (uint32_t)n;
    *after = i + 1;
    return TERN_OK;
}

static tern_status add_field(parser *p, tern_nist_record *r, uint32_t number, const char *tag,
                             size_t vstart, size_t vlen, bool binary, size_t tag_off)
{
    tern_nist_field *f = nist_record_append(r, p->err);
    tern_status s = f ? nist_field_init(f, number, p->data + vstart, vlen, binary, &p->t->items,
                                        p->err)
                      : (p->err ? p->err->status : TERN_E_LIMIT);
    if (s)
        return tern_error_prefix(p->err, "record %zu (Type-%u), field %u.%03u at byte offset %zu: ",
                                 p->rec_no, r->type, r->type, number, tag_off);
    if (tag)
        memcpy(f->tag, tag, strlen(tag) + 1);
    f->offset = tag_off;
    return TERN_OK;
}

/* Some NBIS test files (valid1.5, 1.6, 1.7, 1.11, 1.16) repeat x.999: a
 * few bytes of text, GS, then x.999 again, and so on until the image. The
 * image field is the last x.999; an earlier one is recognised by a GS
 * followed by the same "T.999:" tag within its first 64 bytes. Only those
 * 64 bytes are looked at: image data is still never scanned. Returns the
 * offset of that GS, or 0. */
static size_t repeated_999(const parser *p, size_t start, size_t end)
{
    size_t lim = end - start > 64 ? start + 64 : end;
    for (size_t i = start; i < lim; i++) {
        if (p->data[i] != TERN_NIST_GS)
            continue;
        uint64_t t = 0, n = 0;
        size_t j = read_uint(p->data, i + 1, end, 3, &t);
        if (j && j < end && p->data[j] == '.')
            j = read_uint(p->data, j + 1, end, 9, &n);
        else
            j = 0;
        if (j && j < end && p->data[j] == ':' && t == p->rec_type && n == 999)
            return i;
        return 0;
    }
    return 0;
}

/* Reads the tagged record at *pos: LEN first, then the fields up to the FS
 * at LEN - 1. */
static tern_status parse_tagged(parser *p, size_t *pos)
{
    size_t start = *pos, end = p->len, after;
    uint32_t type, number;
    char tag[TERN_NIST_TAG_MAX + 1];
    tern_status s = read_tag(p, start, end, &type, &number, tag, &after);
    if (s)
        return s;
    if (number != 1)
        return fail(p, TERN_E_FORMAT, start, "the first field is %s, not LEN (%u.001)", tag,
                    type);
    uint64_t rec_len = 0;
    size_t j = read_uint(p->data, after, end, 12, &rec_len);
    if (!j || j >= end || (p->data[j] != TERN_NIST_GS && p->data[j] != TERN_NIST_FS))
        return fail(p, TERN_E_FORMAT, after, "LEN (%u.001) is not a decimal number ended by GS",
                    type);
    if (rec_len < j + 1 - start)
        return fail(p, TERN_E_FORMAT, after,
                    "LEN (%u.001) %llu is shorter than the LEN field itself", type,
                    (unsigned long long)rec_len);
    if (rec_len > p->len - start)
        return fail(p, TERN_E_TRUNCATED, after,
                    "LEN (%u.001) %llu runs past the end of the input (%zu bytes left)", type,
                    (unsigned long long)rec_len, p->len - start);
    end = start + (size_t)rec_len; /* the FS is at end - 1 */
    if (p->data[end - 1] != TERN_NIST_FS)
        return fail(p, TERN_E_FORMAT, end - 1,
                    "LEN (%u.001) %llu puts the record's end here, but byte 0x%02x is not FS "
                    "(0x1c)", type, (unsigned long long)rec_len, p->data[end - 1]);
    tern_nist_record *r = nist_append_record(p->t, p->rec_type, p->err);
    if (!r)
        return fail(p, p->err ? p->err->status : TERN_E_LIMIT, start, "cannot add the record");
    r->offset = start;
    size_t fpos = start;
    for (;;) {
        if (fpos > start) {
            s = read_tag(p, fpos, end - 1, &type, &number, tag, &after);
            if (s)
                return s;
        }
        size_t vend;
        bool binary = nist_field_is_binary(p->rec_type, number);
        if (binary && (vend = repeated_999(p, after, end - 1)) != 0) {
            binary = false; /* a short text x.999 followed by another x.999 */
        } else if (binary) {
            vend = end - 1;
        } else {
            vend = after;
            while (vend < end - 1 && p->data[vend] != TERN_NIST_GS && p->data[vend] != TERN_NIST_FS)
                vend++;
            if (vend < end - 1 && p->data[vend] == TERN_NIST_FS)
                return fail(p, TERN_E_FORMAT, vend,
                            "FS ends field %s before the record's end given by LEN (%llu)", tag,
                            (unsigned long long)rec_len);
        }
        s = add_field(p, r, number, tag, after, vend - after, binary, fpos);
        if (s)
            return s;
        if (vend == end - 1)
            break;
        fpos = vend + 1; /* after GS */
        if (fpos >= end - 1)
            return fail(p, TERN_E_FORMAT, vend, "GS after field %s is followed by no field",
                        tag);
    }
    *pos = end;
    return TERN_OK;
}

size_t nist_binary_header_size(uint32_t type)
{
    switch (type) {
    case 3: case 4: case 5: case 6: return 18;
    case 7: return 5;
    case 8: return 12;
    default: return 0;
    }
}

uint32_t nist_binary_data_field(uint32_t type)
{
    return type == 7 ? 3 : type == 8 ? 8 : 9;
}

bool nist_field_is_binary(uint32_t type, uint32_t number)
{
    return type >= 10 && number == 999;
}

static tern_status add_uint_field(parser *p, tern_nist_record *r, uint32_t number, unsigned v)
{
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%u", v);
    tern_nist_field *f = nist_record_append(r, p->err);
    if (!f)
        return p->err ? p->err->status : TERN_E_LIMIT;
    return nist_field_init(f, number, buf, (size_t)n, false, &p->t->items, p->err);
}

/* FGP: one subfield per position byte that is not 255 (unused). If a used
 * byte follows an unused one, all six are kept so the bytes round-trip. */
static tern_status add_fgp_field(parser *p, tern_nist_record *r, const uint8_t *fgp)
{
    char buf[64];
    size_t n = 0;
    bool gap = false, keep_all = false;
    for (int i = 0; i < 6; i++) {
        if (fgp[i] == 255)
            gap = true;
        else if (gap)
            keep_all = true;
    }
    for (int i = 0; i < 6; i++) {
        if (fgp[i] == 255 && !keep_all)
            break;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%u", n ? "\x1e" : "", fgp[i]);
    }
    tern_nist_field *f = nist_record_append(r, p->err);
    if (!f)
        return p->err ? p->err->status : TERN_E_LIMIT;
    return nist_field_init(f, 4, buf, n, false, &p->t->items, p->err);
}

/* Reads a binary record (Types 3-8) at *pos: fixed header, then data to LEN. */
static tern_status parse_binary(parser *p, size_t *pos)
{
    size_t start = *pos, hdr = nist_binary_header_size(p->rec_type);
    const uint8_t *d = p->data + start;
    if (p->len - start < hdr)
        return fail(p, TERN_E_TRUNCATED, start, "%zu bytes left, fewer than the %zu-byte header",
                    p->len - start, hdr);
    uint32_t rec_len = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
    if (rec_len < hdr)
        return fail(p, TERN_E_FORMAT, start, "LEN (%u.001) %u is shorter than the %zu-byte "
                    "header", p->rec_type, rec_len, hdr);
    if (rec_len > p->len - start)
        return fail(p, TERN_E_TRUNCATED, start,
                    "LEN (%u.001) %u runs past the end of the input (%zu bytes left)",
                    p->rec_type, rec_len, p->len - start);
    if (p->rec_idc >= 0 && d[4] != p->rec_idc)
        return fail(p, TERN_E_FORMAT, start + 4, "IDC (%u.002) %u differs from the IDC %ld in "
                    "1.003", p->rec_type, d[4], p->rec_idc);
    tern_nist_record *r = nist_append_record(p->t, p->rec_type, p->err);
    if (!r)
        return fail(p, p->err ? p->err->status : TERN_E_LIMIT, start, "cannot add the record");
    r->offset = start;
    tern_status s = add_uint_field(p, r, 1, rec_len);
    if (!s)
        s = add_uint_field(p, r, 2, d[4]);
    if (!s && p->rec_type == 8) {
        s = add_uint_field(p, r, 3, d[5]);
        if (!s)
            s = add_uint_field(p, r, 4, d[6]);
        if (!s)
            s = add_uint_field(p, r, 5, d[7]);
        if (!s)
            s = add_uint_field(p, r, 6, (unsigned)d[8] << 8 | d[9]);
        if (!s)
            s = add_uint_field(p, r, 7, (unsigned)d[10] << 8 | d[11]);
    } else if (!s && p->rec_type != 7) {
        s = add_uint_field(p, r, 3, d[5]);
        if (!s)
            s = add_fgp_field(p, r, d + 6);
        if (!s)
            s = add_uint_field(p, r, 5, d[12]);
        if (!s)
            s = add_uint_field(p, r, 6, (unsigned)d[13] << 8 | d[14]);
        if (!s)
            s = add_uint_field(p, r, 7, (unsigned)d[15] << 8 | d[16]);
        if (!s)
            s = add_uint_field(p, r, 8, d[17]);
    }
    if (!s) {
        tern_nist_field *f = nist_record_append(r, p->err);
        s = f ? nist_field_init(f, nist_binary_data_field(p->rec_type), d + hdr, rec_len - hdr,
                                true, &p->t->items, p->err)
              : (p->err ? p->err->status : TERN_E_LIMIT);
    }
    if (s)
        return tern_error_prefix(p->err, "record %zu (Type-%u) at byte offset %zu: ", p->rec_no,
                                 p->rec_type, start);
    *pos = start + rec_len;
    return TERN_OK;
}

/* Checks 1.003 and returns the number of records it lists after Type-1. */
static tern_status read_cnt(parser *p, const tern_nist_field **cnt, size_t *n)
{
    const tern_nist_record *t1 = &p->t->records[0];
    const tern_nist_field *f = tern_nist_find(t1, 3);
    long first, count;
    if (!f)
        return fail(p, TERN_E_FORMAT, t1->offset, "field 1.003 (CNT) is missing");
    if (!tern_nist_item_long(f, 0, 0, &first) || first != 1 ||
        !tern_nist_item_long(f, 0, 1, &count) || count < 0)
        return fail(p, TERN_E_FORMAT, t1->offset,
                    "field 1.003 (CNT) does not begin with \"1\" and the record count");
    if ((unsigned long)count != f->n_subfields - 1)
        return fail(p, TERN_E_FORMAT, t1->offset,
                    "field 1.003 (CNT) counts %ld records but lists %u", count,
                    f->n_subfields - 1);
    if ((unsigned long)count >= TERN_NIST_MAX_RECORDS)
        return fail(p, TERN_E_LIMIT, t1->offset, "1.003 lists %ld records (at most %u)", count,
                    TERN_NIST_MAX_RECORDS - 1);
    for (uint32_t s = 1; s < f->n_subfields; s++) {
        long type, idc;
        if (!tern_nist_item_long(f, s, 0, &type) || type < 2 || type > 99 ||
            !tern_nist_item_long(f, s, 1, &idc) || idc < 0 || idc > 255)
            return fail(p, TERN_E_FORMAT, t1->offset,
                        "field 1.003 (CNT), subfield %u: not a record type 2..99 and an IDC "
                        "0..255",
                        s + 1);
    }
    *cnt = f;
    *n = (size_t)count;
    return TERN_OK;
}

tern_status tern_nist_parse(const uint8_t *data, size_t len, tern_nist **out, tern_error *err)
{
    *out = NULL;
    if (!data && len)
        return tern_error_set(err, TERN_E_ARG, "ANSI/NIST: no input");
    if (len > TERN_NIST_MAX_BYTES)
        return tern_error_set(err, TERN_E_LIMIT, "ANSI/NIST: %zu bytes (at most %u)", len,
                              TERN_NIST_MAX_BYTES);
    parser p = {.data = data, .len = len, .err = err, .rec_no = 1, .rec_type = 1, .rec_idc = -1};
    p.t = calloc(1, sizeof *p.t);
    if (!p.t)
        return tern_error_set(err, TERN_E_NOMEM, "ANSI/NIST: out of memory");
    size_t pos = 0, n = 0;
    const tern_nist_field *cnt = NULL;
    tern_status s = len ? parse_tagged(&p, &pos)
                        : fail(&p, TERN_E_TRUNCATED, 0, "the input is empty");
    if (!s)
        s = read_cnt(&p, &cnt, &n);
    for (size_t i = 1; !s && i <= n; i++) {
        long type = 0, idc = 0;
        tern_nist_item_long(cnt, (uint32_t)i, 0, &type);
        tern_nist_item_long(cnt, (uint32_t)i, 1, &idc);
        p.rec_no = i + 1;
        p.rec_type = (uint32_t)type;
        p.rec_idc = idc;
        if (pos >= len)
            s = fail(&p, TERN_E_TRUNCATED, pos,
                     "listed in 1.003 but missing: the input ends before it");
        else if (tern_nist_type_is_binary(p.rec_type))
            s = parse_binary(&p, &pos);
        else
            s = parse_tagged(&p, &pos);
    }
    if (!s && pos < len)
        s = tern_error_set(err, TERN_E_FORMAT,
                           "ANSI/NIST: %zu bytes after the last record listed in 1.003, at byte "
                           "offset %zu",
                           len - pos, pos);
    if (!s)
        s = nist_check_encoding(p.t, err);
    if (s) {
        tern_nist_free(p.t);
        return s;
    }
    *out = p.t;
    return TERN_OK;
}
