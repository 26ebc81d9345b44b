/* nist_dump.c - a transaction described as text (for people) or JSON (for
 * programs). The JSON holds the transaction's content only: records, their
 * type, and every field but LEN (an encoding detail) with its subfields and
 * items; binary data summarised by size, format and an FNV-1a 64 hash; image
 * records summarised (size, resolution, positions, compression). No byte
 * offsets, no tag spellings, no file names: a transaction and its round
 * trip through XML dump identically. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nist/nist_utf8.h"
#include "tern/bytes.h"
#include "tern/nist_dump.h"
#include "tern/nist_types.h"

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static const char *compression_name(tern_nist_compression c)
{
    static const char *const names[] = {"none", "wsq", "jpeg", "jpeg2000",
                                        "png",  "fax", "vector", "other"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "other";
}

/* A JSON string for an item; bytes that are not UTF-8 as {"hex": "..."}. */
static json_t *json_item(const uint8_t *p, size_t len)
{
    if (nist_utf8_invalid_at(p, len) == len)
        return json_stringn((const char *)p, len);
    char *hex = malloc(len * 2 + 1);
    if (!hex)
        return NULL;
    for (size_t i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", p[i]);
    json_t *o = json_pack("{s:s}", "hex", hex);
    free(hex);
    return o;
}

static json_t *json_binary(const tern_nist_field *f)
{
    char hash[17];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)fnv1a64(f->value, f->len));
    return json_pack("{s:I,s:s,s:s}", "bytes", (json_int_t)f->len, "format",
                     tern_image_format_name(tern_image_sniff(f->value, f->len)), "fnv1a64",
                     hash);
}

static json_t *json_field(uint32_t type, const tern_nist_field *f)
{
    char tag[24];
    tern_nist_tag_name(type, f->number, tag, sizeof tag);
    json_t *o = json_pack("{s:s}", "field", tag);
    if (!o)
        return NULL;
    if (f->binary) {
        json_object_set_new(o, "binary", json_binary(f));
        return o;
    }
    json_t *subs = json_array();
    for (uint32_t s = 0; subs && s < f->n_subfields; s++) {
        json_t *items = json_array();
        for (uint32_t i = 0; items && i < tern_nist_item_count(f, s); i++) {
            size_t len;
            const uint8_t *p = tern_nist_item(f, s, i, &len);
            json_array_append_new(items, json_item(p, len));
        }
        json_array_append_new(subs, items);
    }
    json_object_set_new(o, "subfields", subs);
    return o;
}

static json_t *json_image(const tern_nist_image *im)
{
    json_t *pos = json_array();
    for (uint32_t i = 0; pos && i < im->n_positions; i++)
        json_array_append_new(pos, json_integer(im->positions[i]));
    return json_pack("{s:i,s:i,s:f,s:f,s:i,s:s,s:s,s:o}", "width", (int)im->width, "height",
                     (int)im->height, "ppi_x", im->ppi_x, "ppi_y", im->ppi_y, "bits_per_pixel",
                     (int)im->bits_per_pixel, "compression", compression_name(im->compression),
                     "compression_code", im->compression_name, "positions", pos);
}

static tern_status dump_json(const tern_nist *t, char **out, tern_error *err)
{
    json_t *recs = json_array();
    for (size_t r = 0; recs && r < t->n_records; r++) {
        const tern_nist_record *rec = &t->records[r];
        json_t *o = json_pack("{s:i}", "type", (int)rec->type);
        json_t *fields = json_array();
        for (size_t i = 0; fields && i < rec->n_fields; i++)
            if (rec->fields[i].number != 1)
                json_array_append_new(fields, json_field(rec->type, &rec->fields[i]));
        json_object_set_new(o, "fields", fields);
        tern_nist_image im;
        if (tern_nist_image_get(t, r, &im, NULL) == TERN_OK)
            json_object_set_new(o, "image", json_image(&im));
        json_array_append_new(recs, o);
    }
    json_t *root = json_pack("{s:o}", "records", recs);
    char *s = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!s)
        return tern_error_set(err, TERN_E_NOMEM, "dump: out of memory");
    *out = s;
    return TERN_OK;
}

/* Text: one line per field but LEN; items joined by US shown as '^', subfields by
 * RS shown as " | " (the usual notation when printing the standard). */
static void text_field(tern_buf *b, uint32_t type, const tern_nist_field *f)
{
    char tag[24];
    tern_nist_tag_name(type, f->number, tag, sizeof tag);
    tern_buf_printf(b, "  %s: ", tag);
    if (f->binary) {
        tern_buf_printf(b, "<%zu bytes, %s>\n", f->len,
                        tern_image_format_name(tern_image_sniff(f->value, f->len)));
        return;
    }
    size_t shown = 0;
    for (size_t i = 0; i < f->len && shown < 200; i++, shown++) {
        uint8_t c = f->value[i];
        if (c == TERN_NIST_RS)
            tern_buf_printf(b, " | ");
        else if (c == TERN_NIST_US)
            tern_buf_u8(b, '^');
        else if (c < 0x20 || c == 0x7f)
            tern_buf_printf(b, "\\x%02x", c);
        else
            tern_buf_u8(b, c);
    }
    if (f->len > 200)
        tern_buf_printf(b, " ... (%zu bytes, %u subfields)", f->len, f->n_subfields);
    tern_buf_u8(b, '\n');
}

static tern_status dump_text(const tern_nist *t, char **out, tern_error *err)
{
    tern_buf b = {0};
    for (size_t r = 0; r < t->n_records; r++) {
        const tern_nist_record *rec = &t->records[r];
        int idc = tern_nist_record_idc(rec);
        tern_buf_printf(&b, "record %zu: Type-%u", r + 1, rec->type);
        if (idc >= 0)
            tern_buf_printf(&b, ", IDC %d", idc);
        tern_buf_u8(&b, '\n');
        tern_nist_image im;
        if (tern_nist_image_get(t, r, &im, NULL) == TERN_OK) {
            tern_buf_printf(&b, "  image: %ux%u, %g x %g ppi, %u bits, %s (%s)", im.width,
                            im.height, im.ppi_x, im.ppi_y, im.bits_per_pixel,
                            compression_name(im.compression), im.compression_name);
            for (uint32_t i = 0; i < im.n_positions; i++)
                tern_buf_printf(&b, "%s%u", i ? "," : ", positions ", im.positions[i]);
            tern_buf_u8(&b, '\n');
        }
        for (size_t i = 0; i < rec->n_fields; i++)
            if (rec->fields[i].number != 1) /* LEN: an encoding detail */
                text_field(&b, rec->type, &rec->fields[i]);
    }
    tern_buf_u8(&b, 0);
    tern_status s = tern_buf_status(&b, err);
    if (s) {
        tern_buf_free(&b);
        return s;
    }
    size_t len;
    *out = (char *)tern_buf_take(&b, &len);
    return TERN_OK;
}

tern_status tern_nist_dump(const tern_nist *t, bool json, char **out, tern_error *err)
{
    *out = NULL;
    if (!t)
        return tern_error_set(err, TERN_E_ARG, "dump: no transaction");
    return json ? dump_json(t, out, err) : dump_text(t, out, err);
}

void tern_nist_dump_free(char *s)
{
    free(s);
}
