/* nist_info.c - typed reading of the Type-1 transaction information record
 * and of the Type-98 information assurance audit log (NIST SP 500-290,
 * 8.1 and 8.98; field 98.900 ALF: event, reason, information identifier,
 * agency, process, GMT). */
#include <stdio.h>
#include <string.h>

#include "tern/nist_types.h"

static void text(const tern_nist_record *r, uint32_t number, uint32_t item, char *buf,
                 size_t size)
{
    buf[0] = 0;
    tern_nist_item_str(tern_nist_find(r, number), 0, item, buf, size);
}

static tern_status number(const tern_nist_record *r, uint32_t no, double *out, tern_error *err)
{
    const tern_nist_field *f = tern_nist_find(r, no);
    if (f && f->len && !tern_nist_item_double(f, 0, 0, out))
        return tern_error_set(err, TERN_E_FORMAT, "record 1 (Type-1), field 1.%03u: \"%.20s\" "
                              "is not a number", no, (const char *)f->value);
    return TERN_OK;
}

tern_status tern_nist_info_get(const tern_nist *t, tern_nist_info *out, tern_error *err)
{
    memset(out, 0, sizeof *out);
    if (!t || t->n_records == 0 || t->records[0].type != 1)
        return tern_error_set(err, TERN_E_FORMAT, "ANSI/NIST: no Type-1 record");
    const tern_nist_record *r = &t->records[0];
    text(r, 2, 0, out->version, sizeof out->version);
    text(r, 4, 0, out->tot, sizeof out->tot);
    text(r, 5, 0, out->date, sizeof out->date);
    text(r, 7, 0, out->dai, sizeof out->dai);
    text(r, 8, 0, out->ori, sizeof out->ori);
    text(r, 9, 0, out->tcn, sizeof out->tcn);
    text(r, 10, 0, out->tcr, sizeof out->tcr);
    text(r, 13, 0, out->domain, sizeof out->domain);
    text(r, 14, 0, out->gmt, sizeof out->gmt);
    double pry = 0, dcs = -1;
    tern_status s = number(r, 6, &pry, err);
    if (!s)
        s = number(r, 11, &out->nsr, err);
    if (!s)
        s = number(r, 12, &out->ntr, err);
    if (!s)
        s = number(r, 15, &dcs, err);
    out->priority = (long)pry;
    out->dcs = (long)dcs;
    return s;
}

static const tern_nist_field *audit_log(const tern_nist *t, size_t index)
{
    if (!t || index >= t->n_records || t->records[index].type != 98)
        return NULL;
    return tern_nist_find(&t->records[index], 900);
}

size_t tern_nist_audit_count(const tern_nist *t, size_t index)
{
    const tern_nist_field *f = audit_log(t, index);
    return f ? f->n_subfields : 0;
}

tern_status tern_nist_audit_get(const tern_nist *t, size_t index, size_t i,
                                tern_nist_audit_entry *out, tern_error *err)
{
    memset(out, 0, sizeof *out);
    const tern_nist_field *f = audit_log(t, index);
    if (!f || i >= f->n_subfields)
        return tern_error_set(err, TERN_E_NOT_FOUND, "record %zu: no audit log entry %zu",
                              index + 1, i + 1);
    uint32_t s = (uint32_t)i;
    tern_nist_item_str(f, s, 0, out->event, sizeof out->event);
    tern_nist_item_str(f, s, 1, out->reason, sizeof out->reason);
    tern_nist_item_str(f, s, 2, out->field, sizeof out->field);
    tern_nist_item_str(f, s, 3, out->agency, sizeof out->agency);
    tern_nist_item_str(f, s, 4, out->process, sizeof out->process);
    tern_nist_item_str(f, s, 5, out->time, sizeof out->time);
    return TERN_OK;
}
