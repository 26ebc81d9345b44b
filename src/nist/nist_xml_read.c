/* nist_xml_read.c - reader of the ANSI/NIST-ITL XML encoding: 2-2008
 * (NIEM 2.0) and 1-2011 (SP 500-290 Annex C), with libxml2.
 *
 * Elements are matched by local name, so the 2-2008 (ansi-nist:) and 2011
 * (biom:) namespaces read alike. Each record element gives a record; the
 * fields come from the mapping table (nist_xml_map.c), from 1.003's content
 * summary, and from Tern's <tern:Field> extension. Elements holding text
 * that none of these read are counted in the report, not silently lost.
 *
 * Hostile input: a DOCTYPE or ENTITY declaration is refused before parsing
 * (no entity can then be expanded); XML_PARSE_NONET; no XML_PARSE_HUGE, so
 * libxml2's limits on text size and nesting stay; Tern bounds the input
 * size, the depth and the element count itself too. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nist/nist_internal.h"
#include "tern/bytes.h"
#include "nist/nist_xml_internal.h"
#include "tern/nist_xml.h"

#define CONSUMED ((void *)1)

typedef struct pending {
    uint32_t number;
    bool binary;
    size_t seq;
    uint8_t *value;
    size_t len;
} pending;

typedef struct reader {
    tern_nist *t;
    tern_error *err;
    tern_nist_xml_report *report;
    size_t rec_no;
    pending *fields;
    size_t n_fields, cap_fields;
} reader;

static bool is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr first_child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
        if (is(c, name))
            return c;
    return NULL;
}

/* The element's text (its text children only, entity references are not
 * followed: there are none, DOCTYPEs being refused). malloc'd. */
static char *text_of(xmlNodePtr n)
{
    size_t len = 0;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            len += strlen((const char *)c->content);
    char *s = malloc(len + 1);
    if (!s)
        return NULL;
    size_t o = 0;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            size_t k = strlen((const char *)c->content);
            memcpy(s + o, c->content, k);
            o += k;
        }
    s[o] = 0;
    n->_private = CONSUMED;
    return s;
}

static tern_status add_pending(reader *rd, uint32_t number, bool binary, uint8_t *value,
                               size_t len)
{
    if (!tern_array_reserve(&rd->fields, &rd->cap_fields, rd->n_fields, sizeof *rd->fields, 16)) {
        free(value);
        return tern_error_set(rd->err, TERN_E_NOMEM, "ANSI/NIST XML: out of memory");
    }
    rd->fields[rd->n_fields] = (pending){number, binary, rd->n_fields, value, len};
    rd->n_fields++;
    return TERN_OK;
}

/* A value that does not convert, named by record, field and the line of
 * the element it was read from (XML's offset: libxml2 counts lines). */
static tern_status bad_value(reader *rd, xmlNodePtr at, uint32_t type, uint32_t field,
                             const char *what)
{
    return tern_error_set(rd->err, TERN_E_FORMAT, "ANSI/NIST XML: record %zu (Type-%u), field "
                          "%u.%03u at line %ld: %s", rd->rec_no, type, type, field,
                          at ? xmlGetLineNo(at) : 0L, what);
}

static const char *palm_alias(uint32_t type, const char *name)
{
    return nist_xml_palm_alias(type, name);
}

/* Follows a '/'-separated path of local names (first match at each step);
 * '@' is the record's image element. */
static xmlNodePtr follow(xmlNodePtr node, const char *path, size_t n, uint32_t type)
{
    char comp[128];
    size_t i = 0;
    while (node && i < n) {
        size_t j = i;
        while (j < n && path[j] != '/')
            j++;
        size_t len = j - i < sizeof comp - 1 ? j - i : sizeof comp - 1;
        memcpy(comp, path + i, len);
        comp[len] = 0;
        const char *name = comp[0] == '*' || comp[0] == '#' ? comp + 1 : comp;
        if (strcmp(name, "@") == 0) {
            name = nist_xml_image_name(type);
            if (!name)
                return NULL;
            if (type == 10 && !first_child(node, strchr(name, ':') + 1))
                name = "PhysicalFeatureImage"; /* 2-2008 SMT images */
        }
        const char *colon = strchr(name, ':');
        const char *local = colon ? colon + 1 : name, *alias = palm_alias(type, local);
        xmlNodePtr next = first_child(node, local);
        node = next || !alias ? next : first_child(node, alias);
        i = j + 1;
    }
    return node;
}

/* Appends item text (converted) to the value buffer. */
static bool put_item(tern_buf *b, const xml_map *m, xmlNodePtr leaf)
{
    char *raw = leaf ? text_of(leaf) : NULL;
    if (leaf && !raw)
        return false;
    char out[512];
    bool ok = !raw || nist_xml_from_xml(m->kind, raw, out, sizeof out);
    if (raw && ok)
        tern_buf_put(b, out, strlen(out));
    free(raw);
    return ok;
}

/* The local name of an item path's first component ("itl:A/B" -> "A"),
 * into buf. */
static const char *first_local(const char *path, size_t n, char *buf, size_t size)
{
    size_t k = 0;
    while (k < n && path[k] != '/')
        k++;
    const char *colon = memchr(path, ':', k);
    const char *start = colon ? colon + 1 : path;
    snprintf(buf, size, "%.*s", (int)(path + k - start), start);
    return buf;
}

/* Appends the items of m->items read under node (US-separated): the fixed
 * items up to the last present (or all of them if a group follows), then
 * one set of group items per group element. False if a value does not
 * convert. */
static bool put_items(tern_buf *b, const xml_map *m, xmlNodePtr node, uint32_t type,
                      bool *found)
{
    const char *plus = strchr(m->items, '+');
    size_t fixed_end = plus ? (size_t)(plus - m->items) : strlen(m->items);
    int last = -1, n_fixed = 0;
    for (const char *ip = m->items; ip < m->items + fixed_end; n_fixed++) {
        size_t n = strcspn(ip, ",");
        if (follow(node, ip, n, type))
            last = n_fixed;
        ip += n + (ip[n] == ',');
    }
    char group[128] = "";
    size_t n_groups = 0;
    if (plus)
        first_local(plus + 1, strcspn(plus + 1, ","), group, sizeof group);
    for (xmlNodePtr c = plus ? node->children : NULL; c; c = c->next)
        n_groups += is(c, group);
    if (n_groups)
        last = n_fixed - 1;
    *found = last >= 0 || n_groups > 0;
    bool ok = true;
    int emitted = 0;
    const char *ip = m->items;
    for (int k = 0; k <= last; k++, emitted++) {
        size_t n = strcspn(ip, ",");
        if (emitted)
            tern_buf_u8(b, TERN_NIST_US);
        ok = ok && put_item(b, m, follow(node, ip, n, type));
        ip += n + (ip[n] == ',');
    }
    for (xmlNodePtr g = n_groups ? node->children : NULL; g && ok; g = g->next) {
        if (!is(g, group))
            continue;
        for (const char *gp = plus + 1; *gp && ok; emitted++) {
            size_t n = strcspn(gp, ","), k = 0;
            while (k < n && gp[k] != '/')
                k++;
            if (emitted)
                tern_buf_u8(b, TERN_NIST_US);
            ok = put_item(b, m, k < n ? follow(g, gp + k + 1, n - k - 1, type) : g);
            gp += n + (gp[n] == ',');
        }
    }
    return ok;
}

/* Appends the element's text as a number of exactly `width` digits (the
 * standard-format minutiae fields); false if it is not a number that fits. */
static bool put_number(tern_buf *b, xmlNodePtr n, int width)
{
    char *s = n ? text_of(n) : NULL;
    if (!s)
        return false;
    char *end;
    long v = strtol(s, &end, 10);
    bool ok = end != s && *end == 0 && s[0] >= '0' && s[0] <= '9' && v >= 0 &&
              v < (width == 4 ? 10000 : 1000);
    free(s);
    if (ok)
        tern_buf_printf(b, "%0*ld", width, v);
    return ok;
}

/* Appends the element's text as is (absent: nothing). */
static void put_text(tern_buf *b, xmlNodePtr n)
{
    char *s = n ? text_of(n) : NULL;
    if (s)
        tern_buf_put(b, s, strlen(s));
    free(s);
}

/* 9.012 from the MinutiaDetail elements (see write_mrc). */
static tern_status read_mrc(reader *rd, xmlNodePtr rec)
{
    xmlNodePtr base = follow(rec, "Minutiae/MinutiaeNISTStandard", 29, 9);
    tern_buf b = {0};
    bool any = false, ok = true;
    for (xmlNodePtr d = base ? base->children : NULL; d && ok; d = d->next) {
        if (!is(d, "MinutiaDetail"))
            continue;
        d->_private = CONSUMED;
        if (any)
            tern_buf_u8(&b, TERN_NIST_RS);
        any = true;
        put_text(&b, follow(d, "MinutiaIdentification/IdentificationID", 38, 9));
        tern_buf_u8(&b, TERN_NIST_US);
        ok = put_number(&b, first_child(d, "PositionHorizontalCoordinateValue"), 4) &&
             put_number(&b, first_child(d, "PositionVerticalCoordinateValue"), 4) &&
             put_number(&b, first_child(d, "PositionThetaAngleMeasure"), 3);
        tern_buf_u8(&b, TERN_NIST_US);
        put_text(&b, first_child(d, "MinutiaQualityValue"));
        tern_buf_u8(&b, TERN_NIST_US);
        put_text(&b, first_child(d, "MinutiaCategoryCode"));
        for (xmlNodePtr rc = d->children; rc; rc = rc->next) {
            if (!is(rc, "MinutiaRidgeCount"))
                continue;
            rc->_private = CONSUMED;
            tern_buf_u8(&b, TERN_NIST_US);
            put_text(&b, follow(rc, "RidgeCountReferenceIdentification/IdentificationID", 50, 9));
            tern_buf_u8(&b, ',');
            put_text(&b, first_child(rc, "RidgeCountValue"));
        }
    }
    if (!ok || !any) {
        tern_buf_free(&b);
        return ok ? TERN_OK : bad_value(rd, base, 9, 12,
                                          "MinutiaDetail position or angle is not a number");
    }
    if (tern_buf_status(&b, rd->err))
        return TERN_E_NOMEM;
    size_t len;
    uint8_t *v = tern_buf_take(&b, &len);
    return add_pending(rd, 12, false, v, len);
}

/* True if among parent's `local` children a position other than 255
 * follows a 255. */
static bool fgp_gap(xmlNodePtr parent, const char *local)
{
    bool unused = false;
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if (!is(c, local))
            continue;
        xmlChar *v = xmlNodeGetContent(c);
        bool is255 = v && strcmp((const char *)v, "255") == 0;
        xmlFree(v);
        if (!is255 && unused)
            return true;
        unused |= is255;
    }
    return false;
}

static tern_status take_field(reader *rd, xmlNodePtr at, tern_buf *b, bool ok, bool any,
                              uint32_t type, uint32_t field)
{
    if (!ok || !any) {
        tern_buf_free(b);
        return ok ? TERN_OK : bad_value(rd, at, type, field, "element value does not convert");
    }
    if (tern_buf_status(b, rd->err))
        return TERN_E_NOMEM;
    size_t len;
    uint8_t *v = tern_buf_take(b, &len);
    return add_pending(rd, field, false, v, len);
}

static tern_status read_mapped(reader *rd, xmlNodePtr rec, uint32_t type, const xml_map *m)
{
    const char *star = strpbrk(m->path, "*#");
    size_t plen = strlen(m->path);
    tern_buf b = {0};
    bool ok = true;
    if (m->kind == XK_BASE64 || m->kind == XK_VERSION || !star) {
        xmlNodePtr node = follow(rec, m->path, plen, type);
        if (!node)
            return TERN_OK;
        if (m->kind == XK_BASE64) {
            char *s = text_of(node);
            size_t len = 0;
            uint8_t *data = s ? nist_base64_decode(s, &len) : NULL;
            free(s);
            if (!data)
                return bad_value(rd, node, type, m->field, "not base64");
            return add_pending(rd, m->field, true, data, len);
        }
        if (m->kind == XK_VERSION) {
            xmlNodePtr a = first_child(node, "TransactionMajorVersionValue");
            xmlNodePtr c = first_child(node, "TransactionMinorVersionValue");
            if (!a && !c)
                return TERN_OK;
            ok = put_item(&b, m, a) && put_item(&b, m, c);
        } else if (!m->items) {
            ok = put_item(&b, m, node);
        } else {
            bool found;
            ok = put_items(&b, m, node, type, &found);
            if (ok && !found) /* none of the items is there */
                return take_field(rd, node, &b, true, false, type, m->field);
        }
        return take_field(rd, node, &b, ok, true, type, m->field);
    }
    /* One subfield per repeated element. */
    xmlNodePtr parent = star == m->path ? rec : follow(rec, m->path, (size_t)(star - m->path) - 1, type);
    if (!parent)
        return TERN_OK;
    const char *rep = star + 1, *slash = strchr(rep, '/');
    char rep_name[128];
    snprintf(rep_name, sizeof rep_name, "%.*s", (int)(slash ? (size_t)(slash - rep) : strlen(rep)),
             rep);
    const char *colon = strchr(rep_name, ':');
    const char *local = colon ? colon + 1 : rep_name, *alt = palm_alias(type, local);
    bool any = false, content = false;
    /* 2-2008 lists all six FGP bytes of Types 3-6, 255 for unused: they
     * are dropped, as the traditional reader does, unless a used position
     * follows an unused one (then all six are fields, as there). */
    bool drop_unused = type >= 3 && type <= 6 && m->field == 4 && !fgp_gap(parent, local);
    for (xmlNodePtr c = parent->children; c && ok; c = c->next) {
        if (!is(c, local) && !(alt && is(c, alt)))
            continue;
        xmlNodePtr leaf = slash ? follow(c, slash + 1, strlen(slash + 1), type) : c;
        if (drop_unused && leaf) {
            char *v = text_of(leaf);
            bool unused = v && strcmp(v, "255") == 0;
            free(v);
            if (unused)
                continue;
        }
        if (any)
            tern_buf_u8(&b, TERN_NIST_RS);
        any = true;
        content |= leaf != NULL;
        if (!m->items) {
            ok = put_item(&b, m, leaf);
        } else if (m->kind == XK_XY) {
            const char *comma = strchr(m->items, ',');
            ok = put_number(&b, follow(c, m->items, (size_t)(comma - m->items), type), 4) &&
                 put_number(&b, follow(c, comma + 1, strlen(comma + 1), type), 4);
            c->_private = CONSUMED;
        } else if (leaf) {
            bool found;
            ok = put_items(&b, m, leaf, type, &found);
        }
        /* c itself is not marked: a child no item names must still be
         * counted as not read. */
    }
    return take_field(rd, parent, &b, ok, any && content, type, m->field);
}

/* 9.138 RCI from INCITSMinutiae/MinutiaeRidgeCountDetail: the method as
 * the first subfield "m US 0 US 0", then one subfield "a US b US count" per
 * MinutiaeRidgeCountItem (see write_rci). */
static tern_status read_rci(reader *rd, xmlNodePtr rec)
{
    xmlNodePtr d = follow(rec, "INCITSMinutiae/MinutiaeRidgeCountDetail", 39, 9);
    if (!d)
        return TERN_OK;
    tern_buf b = {0};
    put_text(&b, first_child(d, "INCITSRidgeCountAlgorithmCode"));
    tern_buf_put(&b, "\x1f" "0\x1f" "0", 4);
    for (xmlNodePtr c = d->children; c; c = c->next) {
        if (!is(c, "MinutiaeRidgeCountItem"))
            continue;
        tern_buf_u8(&b, TERN_NIST_RS);
        put_text(&b, follow(c, "MinutiaIdentification/IdentificationID", 38, 9));
        tern_buf_u8(&b, TERN_NIST_US);
        put_text(&b, follow(c, "MinutiaReferenceIdentification/IdentificationID", 47, 9));
        tern_buf_u8(&b, TERN_NIST_US);
        put_text(&b, first_child(c, "RidgeCountValue"));
    }
    return take_field(rd, d, &b, true, true, 9, 138);
}

/* 8.008 of a pen-vector signature (8.004 SRT 2) from SignatureImageVector
 * elements: 5 bytes per vector, X and Y big-endian in 2 bytes each, then
 * the pen pressure (ANSI/NIST-ITL 1-2011, 8.8.8). Only when the record has
 * no BinaryBase64Object. */
static tern_status read_vectors(reader *rd, xmlNodePtr rec)
{
    xmlNodePtr img = follow(rec, "@", 1, 8);
    xmlNodePtr list = img ? first_child(img, "SignatureImageVectorRepresentation") : NULL;
    if (!list || first_child(img, "BinaryBase64Object"))
        return TERN_OK;
    tern_buf b = {0};
    static const char *const names[] = {"VectorPositionHorizontalCoordinateValue",
                                        "VectorPositionVerticalCoordinateValue",
                                        "VectorPenPressureValue"};
    for (xmlNodePtr v = list->children; v; v = v->next) {
        if (!is(v, "SignatureImageVector"))
            continue;
        for (int k = 0; k < 3; k++) {
            xmlNodePtr e = first_child(v, names[k]);
            char *s = e ? text_of(e) : NULL, *end = NULL;
            long x = s ? strtol(s, &end, 10) : -1;
            bool ok = s && end != s && *end == 0 && x >= 0 && x <= (k < 2 ? 65535 : 255);
            free(s);
            if (!ok) {
                tern_buf_free(&b);
                return bad_value(rd, v, 8, 8, "SignatureImageVector without a number in range");
            }
            if (k < 2)
                tern_buf_u8(&b, (uint8_t)(x >> 8));
            tern_buf_u8(&b, (uint8_t)x);
        }
    }
    if (tern_buf_status(&b, rd->err))
        return TERN_E_NOMEM;
    size_t len;
    uint8_t *data = tern_buf_take(&b, &len);
    return data ? add_pending(rd, 8, true, data, len) : TERN_OK;
}

/* 1.003 from Transaction/TransactionContentSummary. */
static tern_status read_cnt(reader *rd, xmlNodePtr rec)
{
    xmlNodePtr sum = follow(rec, "Transaction/TransactionContentSummary", 37, 1);
    if (!sum)
        return TERN_OK;
    tern_buf b = {0};
    xmlNodePtr first = first_child(sum, "ContentFirstRecordCategoryCode");
    xmlNodePtr count = first_child(sum, "ContentRecordCount");
    char *a = first ? text_of(first) : NULL, *c = count ? text_of(count) : NULL;
    tern_buf_printf(&b, "%s\x1f%s", a ? a : "1", c ? c : "0");
    free(a);
    free(c);
    for (xmlNodePtr e = sum->children; e; e = e->next) {
        if (!is(e, "ContentRecordSummary"))
            continue;
        e->_private = CONSUMED;
        xmlNodePtr ty = first_child(e, "RecordCategoryCode");
        xmlNodePtr idc = follow(e, "ImageReferenceIdentification/IdentificationID", 46, 1);
        char *x = ty ? text_of(ty) : NULL, *y = idc ? text_of(idc) : NULL;
        tern_buf_printf(&b, "\x1e%s\x1f%s", x ? x : "", y ? y : "");
        free(x);
        free(y);
    }
    if (tern_buf_status(&b, rd->err))
        return TERN_E_NOMEM;
    size_t len;
    uint8_t *v = tern_buf_take(&b, &len);
    return add_pending(rd, 3, false, v, len);
}

/* <tern:Field number="N" [encoding="base64"] [binary="true"]>. */
static tern_status read_fallback(reader *rd, xmlNodePtr f, uint32_t type)
{
    f->_private = CONSUMED;
    xmlChar *num = xmlGetProp(f, (const xmlChar *)"number");
    xmlChar *enc = xmlGetProp(f, (const xmlChar *)"encoding");
    xmlChar *bin = xmlGetProp(f, (const xmlChar *)"binary");
    char *end = NULL;
    unsigned long n = num ? strtoul((const char *)num, &end, 10) : 0;
    bool base64 = enc && strcmp((const char *)enc, "base64") == 0;
    bool binary = bin && strcmp((const char *)bin, "true") == 0;
    bool numbered = num && *end == 0 && n > 0 && n <= 999999;
    xmlFree(num);
    xmlFree(enc);
    xmlFree(bin);
    if (!numbered)
        return tern_error_set(rd->err, TERN_E_FORMAT, "ANSI/NIST XML: record %zu (Type-%u): "
                              "tern:Field without a valid number", rd->rec_no, type);
    tern_buf b = {0};
    bool structured = first_child(f, "Subfield") != NULL;
    if (base64) {
        char *s = text_of(f);
        size_t len = 0;
        uint8_t *data = s ? nist_base64_decode(s, &len) : NULL;
        free(s);
        if (!data)
            return bad_value(rd, f, type, (uint32_t)n, "tern:Field is not base64");
        return add_pending(rd, (uint32_t)n, binary, data, len);
    }
    if (!structured) {
        char *s = text_of(f);
        if (s)
            tern_buf_put(&b, s, strlen(s));
        free(s);
    }
    bool first_sub = true;
    for (xmlNodePtr s = structured ? f->children : NULL; s; s = s->next) {
        if (!is(s, "Subfield"))
            continue;
        s->_private = CONSUMED;
        if (!first_sub)
            tern_buf_u8(&b, TERN_NIST_RS);
        first_sub = false;
        bool first_item = true;
        for (xmlNodePtr it = s->children; it; it = it->next) {
            if (!is(it, "Item"))
                continue;
            if (!first_item)
                tern_buf_u8(&b, TERN_NIST_US);
            first_item = false;
            char *v = text_of(it);
            if (v)
                tern_buf_put(&b, v, strlen(v));
            free(v);
        }
    }
    if (tern_buf_status(&b, rd->err))
        return TERN_E_NOMEM;
    size_t len;
    uint8_t *v = tern_buf_take(&b, &len);
    return add_pending(rd, (uint32_t)n, false, v, len);
}

static int by_number(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int by_seq(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Restores the field order written in <tern:FieldOrder>: the k-th field
 * numbered N takes the place of the k-th N in the list. Fields the list
 * does not name keep their ascending place after those it does. */
static void apply_order(reader *rd, xmlNodePtr order)
{
    if (!order || !order->ns || strcmp((const char *)order->ns->href, NIST_NS_TERN) != 0)
        return;
    char *text = text_of(order);
    if (!text)
        return;
    size_t n = 0, cap = rd->n_fields;
    uint32_t *list = calloc(cap ? cap : 1, sizeof *list);
    bool *used = calloc(cap ? cap : 1, sizeof *used);
    for (char *p = text, *end; list && used && n < cap; p = end) {
        unsigned long v = strtoul(p, &end, 10);
        if (end == p)
            break;
        list[n++] = (uint32_t)v;
    }
    for (size_t i = 0; list && used && i < rd->n_fields; i++) {
        rd->fields[i].seq = cap + i;
        for (size_t j = 0; j < n; j++)
            if (!used[j] && list[j] == rd->fields[i].number) {
                used[j] = true;
                rd->fields[i].seq = j;
                break;
            }
    }
    if (list && used)
        qsort(rd->fields, rd->n_fields, sizeof *rd->fields, by_seq);
    free(list);
    free(used);
    free(text);
}

/* Counts leaf elements with text that nothing read; records the first. */
static void count_skipped(reader *rd, xmlNodePtr n, char *path, size_t plen, size_t cap)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || c->_private == CONSUMED)
            continue;
        size_t k = (size_t)snprintf(path + plen, cap - plen, "%s%s", plen ? "/" : "",
                                    (const char *)c->name);
        size_t np = plen + k < cap ? plen + k : cap - 1;
        bool has_child = false;
        for (xmlNodePtr g = c->children; g; g = g->next)
            has_child |= g->type == XML_ELEMENT_NODE;
        if (has_child) {
            count_skipped(rd, c, path, np, cap);
            continue;
        }
        bool text = false;
        for (xmlNodePtr g = c->children; g; g = g->next)
            if (g->type == XML_TEXT_NODE)
                for (const xmlChar *p = g->content; *p; p++)
                    text |= *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t';
        if (!text || !rd->report)
            continue;
        if (rd->report->skipped++ == 0)
            snprintf(rd->report->first_skipped, sizeof rd->report->first_skipped,
                     "record %zu: %s", rd->rec_no, path);
    }
}

static tern_status read_record(reader *rd, xmlNodePtr rec)
{
    uint32_t type = nist_xml_record_type((const char *)rec->name);
    xmlNodePtr code = first_child(rec, "RecordCategoryCode");
    if (code) {
        char *s = text_of(code);
        long v = s ? strtol(s, NULL, 10) : 0;
        free(s);
        if (v >= 1 && v <= 99)
            type = (uint32_t)v;
    }
    if (type == 0)
        return tern_error_set(rd->err, TERN_E_FORMAT,
                              "ANSI/NIST XML: element %zu (%s) is not a known record",
                              rd->rec_no, (const char *)rec->name);
    if ((type == 1) != (rd->t->n_records == 0))
        return tern_error_set(rd->err, TERN_E_FORMAT, "ANSI/NIST XML: record %zu (Type-%u): "
                              "Type-1 must come first, and once", rd->rec_no, type);
    rd->n_fields = 0;
    tern_status s = add_pending(rd, 1, false, (uint8_t *)strdup("0"), 1);
    xmlNodePtr idc = follow(rec, "ImageReferenceIdentification/IdentificationID", 46, type);
    if (!s && idc && type != 1) {
        char *v = text_of(idc);
        s = v ? add_pending(rd, 2, false, (uint8_t *)v, strlen(v))
              : tern_error_set(rd->err, TERN_E_NOMEM, "ANSI/NIST XML: out of memory");
    }
    if (!s && type == 1)
        s = read_cnt(rd, rec);
    if (!s && type == 9)
        s = read_mrc(rd, rec);
    if (!s && type == 9)
        s = read_rci(rd, rec);
    if (!s && type == 8)
        s = read_vectors(rd, rec);
    for (size_t i = 0; !s; i++) {
        const xml_map *m = nist_xml_map_at(i);
        if (!m)
            break;
        if (m->type == type)
            s = read_mapped(rd, rec, type, m);
    }
    for (xmlNodePtr c = rec->children; c && !s; c = c->next)
        if (is(c, "Field") && c->ns && strcmp((const char *)c->ns->href, NIST_NS_TERN) == 0)
            s = read_fallback(rd, c, type);
    if (!s) {
        qsort(rd->fields, rd->n_fields, sizeof *rd->fields, by_number);
        apply_order(rd, first_child(rec, "FieldOrder"));
        tern_nist_record *r = nist_append_record(rd->t, type, rd->err);
        for (size_t i = 0; r && !s && i < rd->n_fields; i++) {
            pending *p = &rd->fields[i];
            tern_nist_field *f = nist_record_append(r, rd->err);
            s = f ? nist_field_init(f, p->number, p->value ? p->value : (uint8_t *)"", p->len,
                                    p->binary, &rd->t->items, rd->err)
                  : TERN_E_LIMIT;
        }
        if (!r)
            s = rd->err ? rd->err->status : TERN_E_NOMEM;
        if (s)
            tern_error_prefix(rd->err, "ANSI/NIST XML: record %zu (Type-%u): ", rd->rec_no, type);
    }
    for (size_t i = 0; i < rd->n_fields; i++)
        free(rd->fields[i].value);
    rd->n_fields = 0;
    if (!s) {
        char path[160] = "";
        count_skipped(rd, rec, path, 0, sizeof path);
    }
    return s;
}

/* Depth and element count, before anything is read. */
static bool within_limits(xmlNodePtr n, int depth, size_t *count)
{
    if (depth > TERN_NIST_XML_MAX_DEPTH)
        return false;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) {
            if (++*count > TERN_NIST_XML_MAX_ELEMENTS || !within_limits(c, depth + 1, count))
                return false;
        }
    return true;
}

/* The byte offset of the first `what` ("<!DOCTYPE", "<!ENTITY"), or len. */
static size_t declares(const uint8_t *data, size_t len, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= len; i++)
        if (data[i] == '<' && memcmp(data + i, what, n) == 0)
            return i;
    return len;
}

tern_status tern_nist_xml_read(const uint8_t *data, size_t len, tern_nist **out,
                               tern_nist_xml_report *report, tern_error *err)
{
    *out = NULL;
    tern_nist_xml_report dummy;
    if (!report)
        report = &dummy;
    memset(report, 0, sizeof *report);
    if (len > TERN_NIST_MAX_BYTES || len > INT32_MAX)
        return tern_error_set(err, TERN_E_LIMIT, "ANSI/NIST XML: %zu bytes (at most %u)", len,
                              TERN_NIST_MAX_BYTES);
    size_t decl = declares(data, len, "<!DOCTYPE"), ent = declares(data, len, "<!ENTITY");
    if (ent < decl)
        decl = ent;
    if (decl < len)
        return tern_error_set(err, TERN_E_FORMAT, "ANSI/NIST XML at byte offset %zu: a DOCTYPE "
                              "or entity declaration is not allowed", decl);
    xmlInitParser();
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return tern_error_set(err, TERN_E_NOMEM, "ANSI/NIST XML: out of memory");
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, (const char *)data, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    tern_status s = TERN_OK;
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        s = tern_error_set(err, TERN_E_FORMAT, "ANSI/NIST XML: not well-formed at line %d: %s",
                           e ? e->line : 0,
                           e && e->message ? (const char *)e->message : "parse error");
        if (err) /* libxml2's messages end with a newline */
            err->message[strcspn(err->message, "\n")] = 0;
        xmlFreeParserCtxt(ctxt);
        return s;
    }
    xmlFreeParserCtxt(ctxt);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    size_t count = 0;
    if (doc->intSubset || !root)
        s = tern_error_set(err, TERN_E_FORMAT, "ANSI/NIST XML: no root element, or a DTD");
    else if (!within_limits(root, 1, &count))
        s = tern_error_set(err, TERN_E_LIMIT, "ANSI/NIST XML: deeper than %d elements or more "
                           "than %u elements", TERN_NIST_XML_MAX_DEPTH, TERN_NIST_XML_MAX_ELEMENTS);
    else if (!is(root, "NISTBiometricInformationExchangePackage"))
        s = tern_error_set(err, TERN_E_FORMAT, "ANSI/NIST XML: root element %s is not "
                           "NISTBiometricInformationExchangePackage", (const char *)root->name);
    reader rd = {.err = err, .report = report};
    if (!s) {
        report->version = root->ns && strcmp((const char *)root->ns->href, NIST_NS_ITL_2008) == 0
                              ? 2008 : 2011;
        rd.t = calloc(1, sizeof *rd.t);
        if (!rd.t)
            s = tern_error_set(err, TERN_E_NOMEM, "ANSI/NIST XML: out of memory");
    }
    for (xmlNodePtr c = root ? root->children : NULL; c && !s; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        rd.rec_no++;
        s = read_record(&rd, c);
    }
    if (!s && rd.t->n_records == 0)
        s = tern_error_set(err, TERN_E_FORMAT, "ANSI/NIST XML: no Type-1 record");
    if (!s && !tern_nist_find(&rd.t->records[0], 3))
        s = nist_rewrite_cnt(rd.t, err);
    free(rd.fields);
    xmlFreeDoc(doc);
    if (s) {
        tern_nist_free(rd.t);
        return s;
    }
    *out = rd.t;
    return TERN_OK;
}
