/* nist_profile.c - validation of ANSI/NIST-ITL transactions against the
 * base rules of ANSI/NIST-ITL 1-2011 (NIST SP 500-290: LEN first, IDC in
 * every record but Type-1, 1.003 listing the records as they are, each
 * field once) and against an application profile's record and field rules
 * (tern/nist_profile.h), unconditional and conditional. Every violation is
 * collected, none stops the check. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"
#include "nist/nist_profiles.h"
#include "nist/nist_utf8.h"
#include "tern/nist_profile.h"

typedef struct vctx {
    const tern_nist *t;
    tern_nist_violation *v;
    size_t n, cap;
    bool oom;
} vctx;

static void add(vctx *c, size_t rec, uint32_t type, uint32_t field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void add(vctx *c, size_t rec, uint32_t type, uint32_t field, const char *fmt, ...)
{
    if (c->oom || c->n >= TERN_NIST_MAX_VIOLATIONS)
        return;
    if (!tern_array_reserve(&c->v, &c->cap, c->n, sizeof *c->v, 16)) {
        c->oom = true;
        return;
    }
    tern_nist_violation *v = &c->v[c->n++];
    v->record = rec;
    v->type = type;
    v->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->message, sizeof v->message, fmt, ap);
    va_end(ap);
}

static bool is_date(const uint8_t *p, size_t n)
{
    if (n != 8)
        return false;
    for (size_t i = 0; i < 8; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    int m = (p[4] - '0') * 10 + (p[5] - '0'), d = (p[6] - '0') * 10 + (p[7] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* True if the item's bytes fit the character class. */
static bool fits(tern_nist_chars chars, const uint8_t *p, size_t n)
{
    switch (chars) {
    case TERN_NIST_DATE:
        return is_date(p, n);
    case TERN_NIST_GMT:
        return n == 15 && is_date(p, 8) && p[14] == 'Z' && fits(TERN_NIST_N, p + 8, 6);
    case TERN_NIST_ANY:
    case TERN_NIST_BINARY:
        return true;
    default:
        break;
    }
    bool point = false;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        bool digit = ch >= '0' && ch <= '9';
        bool alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == ' ';
        bool ok = chars == TERN_NIST_N     ? digit
                  : chars == TERN_NIST_NS  ? digit || (ch == '.' && !point)
                  : chars == TERN_NIST_A   ? alpha
                  : chars == TERN_NIST_AN  ? alpha || digit
                                           : ch >= 0x20 && ch < 0x7f;
        point |= ch == '.';
        if (!ok)
            return false;
    }
    return true;
}

static const char *chars_name(tern_nist_chars c)
{
    static const char *const names[] = {"text", "N", "NS", "A", "AN", "ANS",
                                        "a date YYYYMMDD", "a GMT YYYYMMDDhhmmssZ", "binary"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

static bool value_allowed(const char *values, const uint8_t *p, size_t n)
{
    for (const char *v = values; v && *v;) {
        size_t k = strcspn(v, "|");
        if (k == n && memcmp(v, p, n) == 0)
            return true;
        v += k + (v[k] == '|');
    }
    return false;
}

static void check_field(vctx *c, size_t ri, const tern_nist_record *r,
                        const tern_nist_field_rule *rule, const tern_nist_field *f)
{
    const char *mn = rule->mnemonic ? rule->mnemonic : "";
    if ((rule->chars == TERN_NIST_BINARY) != f->binary &&
        !(tern_nist_type_is_binary(r->type) && rule->chars != TERN_NIST_BINARY)) {
        add(c, ri, r->type, f->number, "%s: %s", mn,
            f->binary ? "binary data where text is expected" : "text where binary data is expected");
        return;
    }
    if (rule->chars == TERN_NIST_BINARY)
        return;
    if (rule->max_subfields && f->n_subfields > rule->max_subfields)
        add(c, ri, r->type, f->number, "%s: %u subfields, at most %u allowed", mn,
            f->n_subfields, rule->max_subfields);
    for (uint32_t s = 0; s < f->n_subfields; s++) {
        size_t len;
        const uint8_t *p = tern_nist_item(f, s, 0, &len);
        if (rule->min_len && len < rule->min_len)
            add(c, ri, r->type, f->number, "%s: subfield %u: %zu characters, at least %u", mn,
                s + 1, len, rule->min_len);
        if (rule->max_len && len > rule->max_len)
            add(c, ri, r->type, f->number, "%s: subfield %u: %zu characters, at most %u", mn,
                s + 1, len, rule->max_len);
        if (rule->values && !value_allowed(rule->values, p, len))
            add(c, ri, r->type, f->number, "%s: subfield %u: \"%.*s\" is not one of %s", mn,
                s + 1, (int)(len > 40 ? 40 : len), (const char *)p, rule->values);
        uint32_t items = tern_nist_item_count(f, s);
        for (uint32_t i = 0; i < items; i++) {
            p = tern_nist_item(f, s, i, &len);
            if (!fits(rule->chars, p, len)) {
                add(c, ri, r->type, f->number, "%s: subfield %u item %u: \"%.*s\" is not %s", mn,
                    s + 1, i + 1, (int)(len > 40 ? 40 : len), (const char *)p,
                    chars_name(rule->chars));
                break;
            }
        }
    }
}

/* Applies the field rules of one table to record ri. */
static void check_rules(vctx *c, size_t ri, const tern_nist_field_rule *rules, size_t n,
                        bool closed)
{
    const tern_nist_record *r = &c->t->records[ri];
    bool any_rule = false;
    for (size_t k = 0; k < n; k++) {
        if (rules[k].type != r->type)
            continue;
        any_rule = true;
        const tern_nist_field *f = tern_nist_find(r, rules[k].field);
        if (!f) {
            if (rules[k].mandatory)
                add(c, ri, r->type, rules[k].field, "%s: mandatory field missing",
                    rules[k].mnemonic ? rules[k].mnemonic : "");
            continue;
        }
        check_field(c, ri, r, &rules[k], f);
    }
    /* A closed profile defines Type-2, the user-defined record, fully. */
    if (!closed || !any_rule || r->type != 2)
        return;
    for (size_t i = 0; i < r->n_fields; i++) {
        bool listed = false;
        for (size_t k = 0; k < n && !listed; k++)
            listed = rules[k].type == r->type && rules[k].field == r->fields[i].number;
        if (!listed && r->fields[i].number > 2)
            add(c, ri, r->type, r->fields[i].number, "field not allowed by the profile");
    }
}

/* Describes a rule's condition for the message, e.g. "2.040 is HIT". */
static void describe_when(const tern_nist_cond_rule *c, char *buf, size_t size)
{
    switch (c->when) {
    case TERN_NIST_WHEN_NOT_VALUE:
        snprintf(buf, size, "%u.%03u is not %s", c->type, c->if_field, c->values);
        break;
    default:
        if (c->values)
            snprintf(buf, size, "%u.%03u is %s", c->type, c->if_field, c->values);
        else
            snprintf(buf, size, "%u.%03u is present", c->type, c->if_field);
    }
}

/* Applies conditional rules to record ri. */
static void check_conds(vctx *c, size_t ri, const tern_nist_cond_rule *conds, size_t n,
                        const char *profile)
{
    const tern_nist_record *r = &c->t->records[ri];
    for (size_t k = 0; k < n; k++) {
        const tern_nist_cond_rule *cr = &conds[k];
        if (cr->type != r->type)
            continue;
        const tern_nist_field *f = tern_nist_find(r, cr->if_field);
        size_t len = 0;
        const uint8_t *p = f && !f->binary ? tern_nist_item(f, 0, 0, &len) : NULL;
        bool matches = p && cr->values && value_allowed(cr->values, p, len);
        bool applies = cr->when == TERN_NIST_WHEN_NOT_VALUE ? !matches
                                                            : f && (!cr->values || matches);
        bool present = tern_nist_find(r, cr->then_field) != NULL;
        if (!applies || present != cr->forbids)
            continue;
        char why[96];
        describe_when(cr, why, sizeof why);
        add(c, ri, r->type, cr->then_field, "%s: %s when %s (%s, %s)",
            cr->mnemonic ? cr->mnemonic : "", cr->forbids ? "not allowed" : "mandatory", why,
            profile, cr->source ? cr->source : "profile");
    }
}

/* The structure every transaction must have, whatever its profile. */
static void check_structure(vctx *c)
{
    const tern_nist *t = c->t;
    if (t->n_records == 0 || t->records[0].type != 1) {
        add(c, SIZE_MAX, 0, 0, "the first record is not Type-1");
        return;
    }
    const tern_nist_field *cnt = tern_nist_find(&t->records[0], 3);
    for (size_t ri = 0; ri < t->n_records; ri++) {
        const tern_nist_record *r = &t->records[ri];
        if (r->n_fields == 0 || r->fields[0].number != 1)
            add(c, ri, r->type, 1, "LEN is not the first field");
        if (r->type != 1 && tern_nist_record_idc(r) < 0)
            add(c, ri, r->type, 2, "IDC missing or not a number 0..255");
        for (size_t i = 0; i < r->n_fields; i++) {
            size_t times = 0;
            for (size_t j = 0; j < r->n_fields; j++)
                times += r->fields[j].number == r->fields[i].number;
            bool first = tern_nist_find(r, r->fields[i].number) == &r->fields[i];
            if (times > 1 && first)
                add(c, ri, r->type, r->fields[i].number, "field appears %zu times", times);
        }
        if (ri == 0 || !cnt)
            continue;
        long type = -1, idc = -1;
        if (!tern_nist_item_long(cnt, (uint32_t)ri, 0, &type) ||
            !tern_nist_item_long(cnt, (uint32_t)ri, 1, &idc) || type != (long)r->type ||
            idc != tern_nist_record_idc(r))
            add(c, ri, r->type, 0, "1.003 (CNT) does not list this record as Type-%u, IDC %d",
                r->type, tern_nist_record_idc(r));
    }
    if (!cnt)
        add(c, 0, 1, 3, "CNT: mandatory field missing");
    else if (cnt->n_subfields != t->n_records)
        add(c, 0, 1, 3, "CNT lists %u records, the transaction has %zu", cnt->n_subfields,
            t->n_records);
}

static void check_records(vctx *c, const tern_nist_profile *p)
{
    if (!p->records)
        return;
    const tern_nist *t = c->t;
    for (size_t k = 0; k < p->n_records; k++) {
        size_t have = 0;
        for (size_t ri = 0; ri < t->n_records; ri++)
            have += t->records[ri].type == p->records[k].type;
        if (have < p->records[k].min)
            add(c, SIZE_MAX, p->records[k].type, 0, "%s: %zu Type-%u records, at least %u required",
                p->name, have, p->records[k].type, p->records[k].min);
        else if (have > p->records[k].max)
            add(c, SIZE_MAX, p->records[k].type, 0, "%s: %zu Type-%u records, at most %u allowed",
                p->name, have, p->records[k].type, p->records[k].max);
    }
    for (size_t ri = 0; ri < t->n_records; ri++) {
        bool listed = false;
        for (size_t k = 0; k < p->n_records && !listed; k++)
            listed = p->records[k].type == t->records[ri].type;
        if (!listed)
            add(c, ri, t->records[ri].type, 0, "%s: Type-%u records are not allowed", p->name,
                t->records[ri].type);
    }
}

tern_status tern_nist_validate(const tern_nist *t, const tern_nist_profile *profile,
                               tern_nist_violation **out, size_t *n, tern_error *err)
{
    *out = NULL;
    *n = 0;
    vctx c = {.t = t};
    if (!t)
        return tern_error_set(err, TERN_E_ARG, "validate: no transaction");
    check_structure(&c);
    if (!profile && t->n_records && t->records[0].type == 1) {
        char tot[32] = "";
        tern_nist_item_str(tern_nist_find(&t->records[0], 4), 0, 0, tot, sizeof tot);
        profile = tern_nist_profile_for_tot(tot);
    }
    const tern_nist_profile *base = tern_nist_profile_find("ansi-nist");
    if (profile)
        check_records(&c, profile);
    for (size_t ri = 0; ri < t->n_records; ri++) {
        check_rules(&c, ri, base->fields, base->n_fields, false);
        check_conds(&c, ri, base->conds, base->n_conds, base->name);
        if (profile && profile != base) {
            check_rules(&c, ri, profile->fields, profile->n_fields, profile->closed);
            check_conds(&c, ri, profile->conds, profile->n_conds, profile->name);
        }
    }
    if (c.oom) {
        free(c.v);
        return tern_error_set(err, TERN_E_NOMEM, "validate: out of memory");
    }
    *out = c.v;
    *n = c.n;
    return TERN_OK;
}

void tern_nist_violation_format(const tern_nist *t, const tern_nist_violation *v, char *buf,
                                size_t size)
{
    char where[96];
    if (v->record == SIZE_MAX) {
        snprintf(where, sizeof where, "transaction");
    } else {
        int idc = v->record < t->n_records ? tern_nist_record_idc(&t->records[v->record]) : -1;
        if (idc >= 0)
            snprintf(where, sizeof where, "record %zu (Type-%u, IDC %d)", v->record + 1, v->type,
                     idc);
        else
            snprintf(where, sizeof where, "record %zu (Type-%u)", v->record + 1, v->type);
    }
    if (v->field)
        snprintf(buf, size, "%s, field %u.%03u: %s", where, v->type, v->field, v->message);
    else
        snprintf(buf, size, "%s: %s", where, v->message);
}

/* ---- the profile registry ------------------------------------------------ */

size_t tern_nist_profile_count(void)
{
    size_t n = 0;
    while (nist_profile_list[n])
        n++;
    return n;
}

const tern_nist_profile *tern_nist_profile_at(size_t i)
{
    return i < tern_nist_profile_count() ? nist_profile_list[i] : NULL;
}

const tern_nist_profile *tern_nist_profile_find(const char *name)
{
    for (size_t i = 0; name && nist_profile_list[i]; i++)
        if (strcmp(nist_profile_list[i]->name, name) == 0)
            return nist_profile_list[i];
    return NULL;
}

const tern_nist_profile *tern_nist_profile_for_tot(const char *tot)
{
    for (size_t i = 0; tot && nist_profile_list[i]; i++)
        if (nist_profile_list[i]->tot && strcmp(nist_profile_list[i]->tot, tot) == 0)
            return nist_profile_list[i];
    return NULL;
}
