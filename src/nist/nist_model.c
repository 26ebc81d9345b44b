/* nist_model.c - the record/field model of ANSI/NIST-ITL 1-2011 transactions
 * (NIST SP 500-290, clause 7: records, fields, subfields, information items)
 * and the builder: field indexes, field insertion, IDC and CNT upkeep.
 *
 * Invariant: every field's sub_first/item_start index describes its value
 * (a binary field is one subfield of one item), and t->items counts the
 * items of all fields, bounded by TERN_NIST_MAX_ITEMS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"
#include "nist/nist_internal.h"

bool tern_nist_type_is_binary(uint32_t type) { return type >= 3 && type <= 8; }

void tern_nist_tag_name(uint32_t type, uint32_t number, char *buf, size_t size)
{
    snprintf(buf, size, "%u.%03u", type, number);
}

void nist_field_clear(tern_nist_field *f)
{
    free(f->value);
    free(f->sub_first);
    free(f->item_start);
    memset(f, 0, sizeof *f);
}

static void record_clear(tern_nist_record *r)
{
    for (size_t i = 0; i < r->n_fields; i++)
        nist_field_clear(&r->fields[i]);
    free(r->fields);
    memset(r, 0, sizeof *r);
}

void tern_nist_free(tern_nist *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_records; i++)
        record_clear(&t->records[i]);
    free(t->records);
    free(t);
}

/* Builds the subfield and item index of f (whose value and binary flag are
 * set), charging the items to *items against TERN_NIST_MAX_ITEMS. Linear in
 * the value's length: one pass to count, one to fill. */
tern_status nist_field_index(tern_nist_field *f, uint32_t *items, tern_error *err)
{
    size_t n_sub = 1, n_items = 1;
    if (!f->binary) {
        for (size_t i = 0; i < f->len; i++) {
            if (f->value[i] == TERN_NIST_RS) {
                n_sub++;
                n_items++;
            } else if (f->value[i] == TERN_NIST_US) {
                n_items++;
            }
        }
    }
    if (n_items > TERN_NIST_MAX_ITEMS - *items)
        return tern_error_set(err, TERN_E_LIMIT,
                              "more than %u information items in the transaction",
                              TERN_NIST_MAX_ITEMS);
    f->sub_first = malloc((n_sub + 1) * sizeof *f->sub_first);
    f->item_start = malloc((n_items + 1) * sizeof *f->item_start);
    if (!f->sub_first || !f->item_start)
        return tern_error_set(err, TERN_E_NOMEM, "out of memory indexing a field");
    size_t s = 0, it = 0;
    f->sub_first[s++] = 0;
    f->item_start[it++] = 0;
    if (!f->binary) {
        for (size_t i = 0; i < f->len; i++) {
            uint8_t c = f->value[i];
            if (c == TERN_NIST_RS)
                f->sub_first[s++] = (uint32_t)it;
            if (c == TERN_NIST_RS || c == TERN_NIST_US)
                f->item_start[it++] = (uint32_t)(i + 1);
        }
    }
    f->sub_first[s] = (uint32_t)it;
    f->item_start[it] = (uint32_t)(f->len + 1);
    f->n_subfields = (uint32_t)n_sub;
    f->n_items = (uint32_t)n_items;
    *items += (uint32_t)n_items;
    return TERN_OK;
}

/* Fills f (zeroed) with a copy of value and indexes it. */
tern_status nist_field_init(tern_nist_field *f, uint32_t number, const void *value, size_t len,
                            bool binary, uint32_t *items, tern_error *err)
{
    if (len >= UINT32_MAX)
        return tern_error_set(err, TERN_E_LIMIT, "field value of %zu bytes is too long", len);
    f->number = number;
    f->binary = binary;
    f->value = malloc(len + 1);
    if (!f->value)
        return tern_error_set(err, TERN_E_NOMEM, "out of memory for a field of %zu bytes", len);
    if (len)
        memcpy(f->value, value, len);
    f->value[len] = 0;
    f->len = len;
    return nist_field_index(f, items, err);
}

tern_nist_field *nist_record_append(tern_nist_record *r, tern_error *err)
{
    if (r->n_fields >= TERN_NIST_MAX_FIELDS) {
        tern_error_set(err, TERN_E_LIMIT, "more than %u fields in one record",
                       TERN_NIST_MAX_FIELDS);
        return NULL;
    }
    if (!tern_array_reserve(&r->fields, &r->cap_fields, r->n_fields, sizeof *r->fields, 8)) {
        tern_error_set(err, TERN_E_NOMEM, "out of memory for fields");
        return NULL;
    }
    tern_nist_field *f = &r->fields[r->n_fields++];
    memset(f, 0, sizeof *f);
    return f;
}

tern_nist_record *nist_append_record(tern_nist *t, uint32_t type, tern_error *err)
{
    if (t->n_records >= TERN_NIST_MAX_RECORDS) {
        tern_error_set(err, TERN_E_LIMIT, "more than %u records in one transaction",
                       TERN_NIST_MAX_RECORDS);
        return NULL;
    }
    if (!tern_array_reserve(&t->records, &t->cap_records, t->n_records, sizeof *t->records, 8)) {
        tern_error_set(err, TERN_E_NOMEM, "out of memory for records");
        return NULL;
    }
    tern_nist_record *r = &t->records[t->n_records++];
    memset(r, 0, sizeof *r);
    r->type = type;
    return r;
}

/* ---- reading fields ------------------------------------------------------ */

const tern_nist_field *tern_nist_find(const tern_nist_record *rec, uint32_t number)
{
    for (size_t i = 0; i < rec->n_fields; i++)
        if (rec->fields[i].number == number)
            return &rec->fields[i];
    return NULL;
}

uint32_t tern_nist_item_count(const tern_nist_field *f, uint32_t s)
{
    if (!f || s >= f->n_subfields)
        return 0;
    return f->sub_first[s + 1] - f->sub_first[s];
}

const uint8_t *tern_nist_item(const tern_nist_field *f, uint32_t s, uint32_t i, size_t *len)
{
    if (tern_nist_item_count(f, s) <= i)
        return NULL;
    uint32_t k = f->sub_first[s] + i;
    *len = f->item_start[k + 1] - 1 - f->item_start[k];
    return f->value + f->item_start[k];
}

bool tern_nist_item_str(const tern_nist_field *f, uint32_t s, uint32_t i, char *buf, size_t size)
{
    size_t len;
    const uint8_t *p = tern_nist_item(f, s, i, &len);
    if (!p || size == 0)
        return false;
    if (len >= size)
        len = size - 1;
    memcpy(buf, p, len);
    buf[len] = 0;
    return true;
}

bool tern_nist_item_long(const tern_nist_field *f, uint32_t s, uint32_t i, long *out)
{
    char buf[32];
    size_t len;
    if (!tern_nist_item(f, s, i, &len) || len == 0 || len >= sizeof buf)
        return false;
    tern_nist_item_str(f, s, i, buf, sizeof buf);
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (errno || *end || buf[0] == ' ')
        return false;
    *out = v;
    return true;
}

bool tern_nist_item_double(const tern_nist_field *f, uint32_t s, uint32_t i, double *out)
{
    char buf[64];
    size_t len;
    if (!tern_nist_item(f, s, i, &len) || len == 0 || len >= sizeof buf)
        return false;
    tern_nist_item_str(f, s, i, buf, sizeof buf);
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (errno || *end || buf[0] == ' ')
        return false;
    *out = v;
    return true;
}

int tern_nist_record_idc(const tern_nist_record *rec)
{
    long v;
    if (rec->type == 1 || !tern_nist_item_long(tern_nist_find(rec, 2), 0, 0, &v) || v < 0 ||
        v > 255)
        return -1;
    return (int)v;
}

/* ---- builder ------------------------------------------------------------- */

static tern_status check_index(const tern_nist *t, size_t index, tern_error *err)
{
    if (!t || index >= t->n_records)
        return tern_error_set(err, TERN_E_ARG, "no record at index %zu", index);
    return TERN_OK;
}

static tern_status put_field(tern_nist *t, size_t index, uint32_t number, const void *value,
                             size_t len, bool binary, tern_error *err)
{
    tern_status s = check_index(t, index, err);
    if (s)
        return s;
    if (number == 0 || number > 999999)
        return tern_error_set(err, TERN_E_ARG, "field number %u is out of range", number);
    tern_nist_record *r = &t->records[index];
    tern_nist_field nf = {0};
    s = nist_field_init(&nf, number, value, len, binary, &t->items, err);
    if (s) {
        nist_field_clear(&nf);
        return s;
    }
    for (size_t i = 0; i < r->n_fields; i++) {
        if (r->fields[i].number == number) {
            t->items -= r->fields[i].n_items;
            memcpy(nf.tag, r->fields[i].tag, sizeof nf.tag);
            nist_field_clear(&r->fields[i]);
            r->fields[i] = nf;
            return TERN_OK;
        }
    }
    tern_nist_field *f = nist_record_append(r, err);
    if (!f) {
        t->items -= nf.n_items;
        nist_field_clear(&nf);
        return err ? err->status : TERN_E_NOMEM;
    }
    size_t at = r->n_fields - 1;
    while (at > 0 && r->fields[at - 1].number > number) {
        r->fields[at] = r->fields[at - 1];
        at--;
    }
    r->fields[at] = nf;
    return TERN_OK;
}

tern_status tern_nist_set_value(tern_nist *t, size_t index, uint32_t number, const void *value,
                                size_t len, tern_error *err)
{
    if (number == 1)
        return tern_error_set(err, TERN_E_ARG, "LEN is computed by the writer, not set");
    return put_field(t, index, number, value, len, false, err);
}

tern_status tern_nist_set_text(tern_nist *t, size_t index, uint32_t number, const char *text,
                               tern_error *err)
{
    return tern_nist_set_value(t, index, number, text, strlen(text), err);
}

tern_status tern_nist_set_binary(tern_nist *t, size_t index, uint32_t number, const void *data,
                                 size_t len, tern_error *err)
{
    if (number == 1)
        return tern_error_set(err, TERN_E_ARG, "LEN is computed by the writer, not set");
    return put_field(t, index, number, data, len, true, err);
}

void tern_nist_remove_field(tern_nist *t, size_t index, uint32_t number)
{
    if (!t || index >= t->n_records || number <= 2)
        return;
    tern_nist_record *r = &t->records[index];
    for (size_t i = 0; i < r->n_fields; i++) {
        if (r->fields[i].number == number) {
            t->items -= r->fields[i].n_items;
            nist_field_clear(&r->fields[i]);
            memmove(&r->fields[i], &r->fields[i + 1], (r->n_fields - i - 1) * sizeof *r->fields);
            r->n_fields--;
            return;
        }
    }
}

/* Rewrites 1.003 CNT from the records: "1 US n", then "type US IDC" per
 * record (SP 500-290, 8.1.3). */
tern_status nist_rewrite_cnt(tern_nist *t, tern_error *err)
{
    char *text = malloc(16 + t->n_records * 12);
    if (!text)
        return tern_error_set(err, TERN_E_NOMEM, "out of memory for 1.003");
    size_t n = (size_t)sprintf(text, "1%c%zu", TERN_NIST_US, t->n_records - 1);
    for (size_t i = 1; i < t->n_records; i++) {
        int idc = tern_nist_record_idc(&t->records[i]);
        n += (size_t)sprintf(text + n, "%c%u%c%02d", TERN_NIST_RS, t->records[i].type,
                             TERN_NIST_US, idc < 0 ? 0 : idc);
    }
    tern_status s = put_field(t, 0, 3, text, n, false, err);
    free(text);
    return s;
}

tern_status tern_nist_create(const char *version, tern_nist **out, tern_error *err)
{
    *out = NULL;
    tern_nist *t = calloc(1, sizeof *t);
    if (!t)
        return tern_error_set(err, TERN_E_NOMEM, "out of memory");
    tern_nist_record *r = nist_append_record(t, 1, err);
    tern_status s = r ? TERN_OK : TERN_E_NOMEM;
    if (!s)
        s = put_field(t, 0, 1, "0", 1, false, err);
    if (!s)
        s = tern_nist_set_text(t, 0, 2, version ? version : "0500", err);
    if (!s)
        s = nist_rewrite_cnt(t, err);
    if (s) {
        tern_nist_free(t);
        return s;
    }
    *out = t;
    return TERN_OK;
}

tern_status tern_nist_add_record(tern_nist *t, uint32_t type, size_t *index, tern_error *err)
{
    if (!t || t->n_records == 0)
        return tern_error_set(err, TERN_E_ARG, "not a transaction");
    if (type < 2 || type > 99)
        return tern_error_set(err, TERN_E_ARG, "record type %u is out of range 2..99", type);
    unsigned idc = (unsigned)(t->n_records - 1);
    if (idc > 255)
        idc = 255;
    if (!nist_append_record(t, type, err))
        return err ? err->status : TERN_E_LIMIT;
    size_t at = t->n_records - 1;
    char buf[8];
    snprintf(buf, sizeof buf, "%02u", idc);
    tern_status s = put_field(t, at, 1, "0", 1, false, err);
    if (!s)
        s = put_field(t, at, 2, buf, strlen(buf), false, err);
    if (!s)
        s = nist_rewrite_cnt(t, err);
    if (s) {
        record_clear(&t->records[at]);
        t->n_records--;
        return s;
    }
    if (index)
        *index = at;
    return TERN_OK;
}

tern_status tern_nist_set_idc(tern_nist *t, size_t index, unsigned idc, tern_error *err)
{
    tern_status s = check_index(t, index, err);
    if (s)
        return s;
    if (index == 0 || idc > 255)
        return tern_error_set(err, TERN_E_ARG, "IDC %u for record %zu is not allowed", idc, index);
    char buf[8];
    snprintf(buf, sizeof buf, "%02u", idc);
    s = put_field(t, index, 2, buf, strlen(buf), false, err);
    return s ? s : nist_rewrite_cnt(t, err);
}

tern_status tern_nist_remove_record(tern_nist *t, size_t index, tern_error *err)
{
    tern_status s = check_index(t, index, err);
    if (s)
        return s;
    if (index == 0)
        return tern_error_set(err, TERN_E_ARG, "the Type-1 record cannot be removed");
    tern_nist_record *r = &t->records[index];
    for (size_t i = 0; i < r->n_fields; i++)
        t->items -= r->fields[i].n_items;
    record_clear(r);
    memmove(r, r + 1, (t->n_records - index - 1) * sizeof *r);
    t->n_records--;
    return nist_rewrite_cnt(t, err);
}
