/* nist_utf8.c - character encoding of ANSI/NIST-ITL text fields (NIST SP
 * 500-290, 7.2.3 and Table 6, field 1.015 DCS: 0 = 7-bit ASCII, 2 = UTF-16,
 * 3 = UTF-8, 4 = UTF-32). Where DCS declares UTF-8 every text field is
 * validated (RFC 3629). UTF-16 and UTF-32 text may hold separator bytes and
 * cannot be read by a separator-delimited parser: such transactions are
 * read as bytes, unchecked (documented in docs/nist.md). */
#include <string.h>

#include "nist/nist_utf8.h"

size_t nist_utf8_invalid_at(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (len - i < n)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n;
    }
    return len;
}

tern_status nist_check_encoding(const tern_nist *t, tern_error *err)
{
    long dcs;
    if (t->n_records == 0 || !tern_nist_item_long(tern_nist_find(&t->records[0], 15), 0, 0, &dcs) ||
        dcs != 3)
        return TERN_OK;
    for (size_t r = 0; r < t->n_records; r++) {
        const tern_nist_record *rec = &t->records[r];
        for (size_t i = 0; i < rec->n_fields; i++) {
            const tern_nist_field *f = &rec->fields[i];
            if (f->binary || tern_nist_type_is_binary(rec->type))
                continue;
            size_t at = nist_utf8_invalid_at(f->value, f->len);
            if (at < f->len) {
                char tag[24];
                tern_nist_tag_name(rec->type, f->number, tag, sizeof tag);
                size_t head = f->tag[0] ? strlen(f->tag) + 1 : 0;
                return tern_error_set(err, TERN_E_FORMAT,
                                      "record %zu (Type-%u), field %s at byte offset %zu: "
                                      "invalid UTF-8 (1.015 declares UTF-8) at byte offset %zu",
                                      r + 1, rec->type, tag, f->offset, f->offset + head + at);
            }
        }
    }
    return TERN_OK;
}
