/* nist_xml_write.c - writer of the ANSI/NIST-ITL 1-2011 XML encoding
 * (NIST SP 500-290 Annex C, NIEM-conformant), with libxml2's tree API.
 *
 * Fields with a NIEM element in the mapping table (nist_xml_map.c) are
 * written as that element, when every item converts (a date that is not
 * YYYYMMDD stays text in Tern's extension). Every other field is written as
 * <tern:Field number="N"> in the record, holding the text, or subfields
 * and items, or (for bytes that XML 1.0 cannot carry, and binary data)
 * base64 of the whole value. So no field is lost, and reading the document
 * back gives the same fields. LEN is not written: XML has none. */
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nist/nist_internal.h"
#include "tern/bytes.h"
#include "nist/nist_utf8.h"
#include "nist/nist_xml_internal.h"
#include "tern/nist_xml.h"

typedef struct writer {
    xmlDocPtr doc;
    xmlNsPtr itl, biom, nc, tern;
    bool failed;
    bool palm;    /* write palm element names (a latent palm, a Type-9 palm position) */
    bool smt;     /* a Type-10 scar, mark or tattoo: PhysicalFeatureImage, not FaceImage */
    uint32_t nth; /* the subfield being written, for '#' path components */
} writer;

static xmlNsPtr ns_of(writer *w, const char **name)
{
    if (strncmp(*name, "nc:", 3) == 0) {
        *name += 3;
        return w->nc;
    }
    if (strncmp(*name, "itl:", 4) == 0) {
        *name += 4;
        return w->itl;
    }
    return w->biom;
}

/* The child `name` of parent: the last existing one unless `fresh`. */
static xmlNodePtr child(writer *w, xmlNodePtr parent, const char *name, bool fresh)
{
    xmlNsPtr ns = ns_of(w, &name);
    if (!fresh) {
        for (xmlNodePtr c = parent->last; c; c = c->prev)
            if (c->type == XML_ELEMENT_NODE && c->ns == ns &&
                strcmp((const char *)c->name, name) == 0)
                return c;
    }
    xmlNodePtr n = xmlNewChild(parent, ns, (const xmlChar *)name, NULL);
    if (!n)
        w->failed = true;
    return n;
}

/* The n-th child `name` of parent (0-based), created (with any missing
 * before it) if there are fewer. */
static xmlNodePtr nth_child(writer *w, xmlNodePtr parent, const char *name, uint32_t n)
{
    const char *local = name;
    xmlNsPtr ns = ns_of(w, &local);
    uint32_t k = 0;
    for (xmlNodePtr c = parent->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && c->ns == ns && strcmp((const char *)c->name, local) == 0 &&
            k++ == n)
            return c;
    xmlNodePtr made = NULL;
    for (; k <= n && !w->failed; k++)
        made = child(w, parent, name, true);
    return made;
}

/* The element name to write for a path component: '@' is the record's
 * image element; palm names stand in for finger ones when w->palm. */
static const char *element_name(writer *w, const char *comp, uint32_t type, char *buf, size_t size)
{
    const char *name = comp;
    if (strcmp(name, "@") == 0)
        name = type == 10 && w->smt ? "PhysicalFeatureImage" : nist_xml_image_name(type);
    if (!name || !w->palm)
        return name;
    const char *colon = strchr(name, ':');
    const char *alias = nist_xml_palm_alias(type, colon ? colon + 1 : name);
    if (!alias)
        return name;
    snprintf(buf, size, "%.*s%s", colon ? (int)(colon - name + 1) : 0, name, alias);
    return buf;
}

/* Walks or creates the '/'-separated path under node. Components before
 * the last are reused; the last is new if `fresh_leaf`. A '*' component is
 * always new (the caller creates one repetition per call); a '#' component
 * is the w->nth existing one. */
static xmlNodePtr make_path(writer *w, xmlNodePtr node, const char *path, size_t n,
                            uint32_t type, bool fresh_leaf)
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
        bool star = comp[0] == '*', nth = comp[0] == '#';
        char alias[160];
        const char *name = element_name(w, comp + (star || nth), type, alias, sizeof alias);
        if (!name)
            return NULL;
        node = nth ? nth_child(w, node, name, w->nth)
                   : child(w, node, name, star || (j >= n && fresh_leaf));
        i = j + 1;
    }
    return node;
}

/* An item XML 1.0 can carry as text: valid UTF-8, no control characters
 * other than tab and LF (CR would be normalised away by a reader). */
static bool xml_safe(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n')
            return false;
    return nist_utf8_invalid_at(p, len) == len;
}

static void set_text(writer *w, xmlNodePtr node, const char *text)
{
    if (!node) {
        w->failed = true;
        return;
    }
    xmlNodeAddContent(node, (const xmlChar *)text);
}

/* Converts item (s, i) for the map's kind into buf; false if it cannot. */
static bool convert_item(const xml_map *m, const tern_nist_field *f, uint32_t s, uint32_t i,
                         char *buf, size_t size)
{
    size_t len;
    const uint8_t *p = tern_nist_item(f, s, i, &len);
    char raw[512];
    if (!p || len >= sizeof raw || !xml_safe(p, len))
        return false;
    memcpy(raw, p, len);
    raw[len] = 0;
    return nist_xml_to_xml(m->kind, raw, buf, size);
}

/* The item list's shape: items before the group, and items per group. */
static void count_items(const char *items, size_t *fixed, size_t *group)
{
    const char *plus = strchr(items, '+');
    size_t n = 1;
    for (const char *c = items; *c; c++)
        n += *c == ',';
    *fixed = n;
    *group = 0;
    if (plus) {
        *fixed = 0;
        for (const char *c = items; c < plus; c++)
            *fixed += *c == ',';
        *group = n - *fixed;
    }
}

/* True if a subfield of n items fits the item list. */
static bool items_fit(const char *items, size_t n)
{
    size_t fixed, group;
    if (!items)
        return n <= 1;
    count_items(items, &fixed, &group);
    return n <= fixed || (group && (n - fixed) % group == 0);
}

static bool repeated(const tern_nist_record *r, uint32_t number)
{
    int n = 0;
    for (size_t i = 0; i < r->n_fields; i++)
        n += r->fields[i].number == number;
    return n > 1;
}

/* True if every item of f converts under m and the shape fits. */
static bool mappable(const xml_map *m, const tern_nist_field *f)
{
    if ((m->kind == XK_BASE64) != f->binary)
        return false;
    if (m->kind == XK_BASE64)
        return true;
    if (m->kind == XK_VERSION)
        return f->n_subfields == 1 && f->n_items == 1 && f->len == 4 &&
               xml_safe(f->value, f->len);
    if (!strpbrk(m->path, "*#") && f->n_subfields != 1)
        return false;
    if (m->kind == XK_XY) {
        char x[5], y[5], buf[16];
        for (uint32_t s = 0; s < f->n_subfields; s++)
            if (tern_nist_item_count(f, s) != 1 || !tern_nist_item_str(f, s, 0, buf, sizeof buf) ||
                !nist_xml_split_xyt(buf, 8, x, y, NULL))
                return false;
        return true;
    }
    char buf[512];
    for (uint32_t s = 0; s < f->n_subfields; s++) {
        uint32_t n = tern_nist_item_count(f, s);
        if (!items_fit(m->items, n))
            return false;
        for (uint32_t i = 0; i < n; i++)
            if (!convert_item(m, f, s, i, buf, sizeof buf))
                return false;
    }
    return true;
}

/* The items of subfield s under rep: fixed items by their paths, then each
 * group of items in a new element named by the group's first component. */
static void write_items(writer *w, xmlNodePtr rep, uint32_t type, const xml_map *m,
                        const tern_nist_field *f, uint32_t s)
{
    size_t fixed, group;
    count_items(m->items, &fixed, &group);
    const char *plus = strchr(m->items, '+'), *ip = m->items;
    xmlNodePtr g = NULL;
    char buf[512];
    for (uint32_t i = 0; rep && i < tern_nist_item_count(f, s); i++) {
        if (i == fixed && plus)
            ip = plus + 1;
        size_t n = strcspn(ip, ",");
        convert_item(m, f, s, i, buf, sizeof buf);
        if (i < fixed) {
            set_text(w, make_path(w, rep, ip, n, type, true), buf);
        } else {
            size_t k = strcspn(ip, "/,");
            if ((i - fixed) % group == 0) /* a new repetition of the group */
                g = make_path(w, rep, plus + 1, strcspn(plus + 1, "/,"), type, true);
            set_text(w, g && k < n ? make_path(w, g, ip + k + 1, n - k - 1, type, true) : g, buf);
        }
        ip += n + (ip[n] == ',');
        if (i >= fixed && (i - fixed) % group == group - 1)
            ip = plus + 1;
    }
}

static void write_mapped(writer *w, xmlNodePtr rec, uint32_t type, const xml_map *m,
                         const tern_nist_field *f)
{
    size_t plen = strlen(m->path);
    if (m->kind == XK_BASE64) {
        char *b = nist_base64_encode(f->value, f->len);
        if (!b) {
            w->failed = true;
            return;
        }
        set_text(w, make_path(w, rec, m->path, plen, type, true), b);
        free(b);
        return;
    }
    if (m->kind == XK_VERSION) {
        xmlNodePtr base = make_path(w, rec, m->path, plen, type, false);
        char major[3] = {(char)f->value[0], (char)f->value[1], 0};
        set_text(w, base ? child(w, base, "TransactionMajorVersionValue", true) : NULL, major);
        set_text(w, base ? child(w, base, "TransactionMinorVersionValue", true) : NULL,
                 (const char *)f->value + 2);
        return;
    }
    const char *star = strpbrk(m->path, "*#");
    size_t head = star ? (size_t)(star - m->path) : plen;
    /* The parent of the repeated element (only with '*': without one, the
     * path is made whole below, and a path cut one character short would
     * leave a stray empty element). */
    xmlNodePtr base = star && head ? make_path(w, rec, m->path, head - 1, type, false) : rec;
    char buf[512];
    for (uint32_t s = 0; s < f->n_subfields; s++) {
        w->nth = s;
        if (type == 9 && m->field == 6) { /* a palm position has its own element */
            size_t len;
            const uint8_t *p = tern_nist_item(f, s, 0, &len);
            w->palm = p && nist_xml_is_palm_code((const char *)p, len);
        }
        /* The repeated element (or, without '*', the whole path). */
        xmlNodePtr rep = star ? make_path(w, base, star, strlen(star), type, !m->items)
                              : make_path(w, rec, m->path, plen, type, !m->items);
        if (!m->items) {
            convert_item(m, f, s, 0, buf, sizeof buf);
            set_text(w, rep, buf);
            continue;
        }
        if (m->kind == XK_XY) {
            char x[5], y[5];
            tern_nist_item_str(f, s, 0, buf, sizeof buf);
            nist_xml_split_xyt(buf, 8, x, y, NULL);
            const char *comma = strchr(m->items, ',');
            set_text(w, rep ? make_path(w, rep, m->items, (size_t)(comma - m->items), type, true)
                            : NULL, x);
            set_text(w, rep ? make_path(w, rep, comma + 1, strlen(comma + 1), type, true) : NULL,
                     y);
            continue;
        }
        write_items(w, rep, type, m, f, s);
    }
    if (type == 9)
        w->palm = false;
    /* 2-2008 lists all six FGP bytes of Types 3-6, 255 for unused. */
    for (uint32_t s = f->n_subfields; type >= 3 && type <= 6 && m->field == 4 && s < 6; s++)
        set_text(w, make_path(w, base, star, strlen(star), type, true), "255");
}

static void write_fallback(writer *w, xmlNodePtr rec, const tern_nist_field *f)
{
    xmlNodePtr n = xmlNewChild(rec, w->tern, (const xmlChar *)"Field", NULL);
    if (!n) {
        w->failed = true;
        return;
    }
    char num[16];
    snprintf(num, sizeof num, "%u", f->number);
    xmlNewProp(n, (const xmlChar *)"number", (const xmlChar *)num);
    if (f->binary || !xml_safe(f->value, f->len)) {
        xmlNewProp(n, (const xmlChar *)"encoding", (const xmlChar *)"base64");
        if (f->binary)
            xmlNewProp(n, (const xmlChar *)"binary", (const xmlChar *)"true");
        char *b = nist_base64_encode(f->value, f->len);
        set_text(w, b ? n : NULL, b ? b : "");
        free(b);
        return;
    }
    if (f->n_items == 1) {
        set_text(w, n, (const char *)f->value);
        return;
    }
    for (uint32_t s = 0; s < f->n_subfields; s++) {
        xmlNodePtr sub = xmlNewChild(n, w->tern, (const xmlChar *)"Subfield", NULL);
        for (uint32_t i = 0; sub && i < tern_nist_item_count(f, s); i++) {
            char buf[TERN_ERROR_MAX];
            size_t len;
            const uint8_t *p = tern_nist_item(f, s, i, &len);
            xmlNodePtr item = xmlNewChild(sub, w->tern, (const xmlChar *)"Item", NULL);
            char *copy = len < sizeof buf ? buf : malloc(len + 1);
            if (!item || !copy) {
                w->failed = true;
                break;
            }
            memcpy(copy, p, len);
            copy[len] = 0;
            xmlNodeAddContent(item, (const xmlChar *)copy);
            if (copy != buf)
                free(copy);
        }
        if (!sub)
            w->failed = true;
    }
}

/* 9.012 MRC (standard-format minutiae): per subfield, index US XXXXYYYYTTT
 * US quality US type [US neighbour,count]..., as one MinutiaDetail each
 * (2-2008 / 2011 elements). False if a subfield does not have that shape. */
static bool mrc_shape(const tern_nist_field *f)
{
    char buf[32], x[5], y[5], t[4];
    for (uint32_t s = 0; s < f->n_subfields; s++) {
        uint32_t n = tern_nist_item_count(f, s);
        if (n < 4)
            return false;
        for (uint32_t i = 0; i < n; i++) {
            size_t len;
            const uint8_t *p = tern_nist_item(f, s, i, &len);
            if (len == 0 || len >= sizeof buf || !xml_safe(p, len))
                return false;
        }
        tern_nist_item_str(f, s, 1, buf, sizeof buf);
        if (!nist_xml_split_xyt(buf, 11, x, y, t))
            return false;
        for (uint32_t i = 4; i < n; i++) {
            tern_nist_item_str(f, s, i, buf, sizeof buf);
            size_t a = strspn(buf, "0123456789");
            if (a == 0 || buf[a] != ',' || strspn(buf + a + 1, "0123456789") != strlen(buf + a + 1) ||
                !buf[a + 1])
                return false;
        }
    }
    return true;
}

static void write_mrc(writer *w, xmlNodePtr rec, const tern_nist_field *f)
{
    xmlNodePtr base = make_path(w, rec, "itl:Minutiae/itl:MinutiaeNISTStandard", 37, 9, false);
    char buf[32], x[5], y[5], t[4];
    for (uint32_t s = 0; base && s < f->n_subfields; s++) {
        xmlNodePtr d = child(w, base, "itl:MinutiaDetail", true);
        if (!d)
            return;
        tern_nist_item_str(f, s, 1, buf, sizeof buf);
        nist_xml_split_xyt(buf, 11, x, y, t);
        set_text(w, child(w, d, "PositionHorizontalCoordinateValue", true), x);
        set_text(w, child(w, d, "PositionVerticalCoordinateValue", true), y);
        tern_nist_item_str(f, s, 0, buf, sizeof buf);
        set_text(w, make_path(w, d, "MinutiaIdentification/nc:IdentificationID", 41, 9, true), buf);
        set_text(w, child(w, d, "PositionThetaAngleMeasure", true), t);
        tern_nist_item_str(f, s, 2, buf, sizeof buf);
        set_text(w, child(w, d, "MinutiaQualityValue", true), buf);
        tern_nist_item_str(f, s, 3, buf, sizeof buf);
        set_text(w, child(w, d, "MinutiaCategoryCode", true), buf);
        for (uint32_t i = 4; i < tern_nist_item_count(f, s); i++) {
            tern_nist_item_str(f, s, i, buf, sizeof buf);
            char *comma = strchr(buf, ',');
            *comma = 0;
            xmlNodePtr rc = child(w, d, "MinutiaRidgeCount", true);
            if (!rc)
                return;
            set_text(w, make_path(w, rc, "RidgeCountReferenceIdentification/nc:IdentificationID",
                                  53, 9, true),
                     buf);
            set_text(w, child(w, rc, "RidgeCountValue", true), comma + 1);
        }
    }
}

/* True if the record's field `number` has first item `value`. */
static bool first_item_is(const tern_nist_record *r, uint32_t number, const char *value)
{
    const tern_nist_field *f = tern_nist_find(r, number);
    size_t len;
    const uint8_t *p = f && !f->binary ? tern_nist_item(f, 0, 0, &len) : NULL;
    return p && len == strlen(value) && memcmp(p, value, len) == 0;
}

/* 8.008 of a pen-vector signature (8.004 SRT 2): five bytes per vector, X
 * and Y big-endian, then pen pressure (ANSI/NIST-ITL 1-2011, 8.8.8), as
 * SignatureImageVector elements. False (base64 instead) if it is not. */
static bool write_vectors(writer *w, xmlNodePtr rec, const tern_nist_record *r,
                          const tern_nist_field *f)
{
    if (!f->binary || f->len == 0 || f->len % 5 != 0 || !first_item_is(r, 4, "2") ||
        repeated(r, 8))
        return false;
    xmlNodePtr list = make_path(w, rec, "@/SignatureImageVectorRepresentation", 36, 8, false);
    for (size_t i = 0; list && i < f->len; i += 5) {
        const uint8_t *v = f->value + i;
        char x[8], y[8], p[8];
        snprintf(x, sizeof x, "%u", (unsigned)v[0] << 8 | v[1]);
        snprintf(y, sizeof y, "%u", (unsigned)v[2] << 8 | v[3]);
        snprintf(p, sizeof p, "%u", v[4]);
        xmlNodePtr e = child(w, list, "SignatureImageVector", true);
        if (!e)
            return true;
        set_text(w, child(w, e, "VectorPenPressureValue", true), p);
        set_text(w, child(w, e, "VectorPositionVerticalCoordinateValue", true), y);
        set_text(w, child(w, e, "VectorPositionHorizontalCoordinateValue", true), x);
    }
    return true;
}

/* 9.138 RCI (INCITS 378 ridge counts): a first subfield "method US 0 US 0"
 * and then "a US b US count" per ridge count, as MinutiaeRidgeCountDetail
 * with INCITSRidgeCountAlgorithmCode and MinutiaeRidgeCountItem elements.
 * False (extension instead) for any other shape. */
static bool write_rci(writer *w, xmlNodePtr rec, const tern_nist_record *r,
                      const tern_nist_field *f)
{
    char buf[32];
    if (f->binary || repeated(r, 138) || !tern_nist_item_str(f, 0, 1, buf, sizeof buf) || strcmp(buf, "0") != 0 ||
        !tern_nist_item_str(f, 0, 2, buf, sizeof buf) || strcmp(buf, "0") != 0)
        return false;
    for (uint32_t s = 0; s < f->n_subfields; s++)
        for (uint32_t i = 0; i < 3; i++)
            if (tern_nist_item_count(f, s) != 3 || !tern_nist_item_str(f, s, i, buf, sizeof buf) ||
                !buf[0] || !xml_safe((const uint8_t *)buf, strlen(buf)))
                return false;
    xmlNodePtr d = make_path(w, rec, "INCITSMinutiae/MinutiaeRidgeCountDetail", 39, 9, false);
    tern_nist_item_str(f, 0, 0, buf, sizeof buf);
    set_text(w, d ? child(w, d, "INCITSRidgeCountAlgorithmCode", true) : NULL, buf);
    static const char *const paths[] = {"MinutiaIdentification/nc:IdentificationID",
                                        "MinutiaReferenceIdentification/nc:IdentificationID",
                                        "RidgeCountValue"};
    for (uint32_t s = 1; d && s < f->n_subfields; s++) {
        xmlNodePtr item = child(w, d, "MinutiaeRidgeCountItem", true);
        for (uint32_t i = 0; item && i < 3; i++) {
            tern_nist_item_str(f, s, i, buf, sizeof buf);
            set_text(w, make_path(w, item, paths[i], strlen(paths[i]), 9, true), buf);
        }
    }
    return true;
}

/* 1.003 CNT: the first subfield as ContentFirstRecordCategoryCode and
 * ContentRecordCount, then one ContentRecordSummary per record. */
static bool write_cnt(writer *w, xmlNodePtr rec, const tern_nist_field *f)
{
    char a[16], b[16];
    for (uint32_t s = 0; s < f->n_subfields; s++)
        if (tern_nist_item_count(f, s) != 2 || !tern_nist_item_str(f, s, 0, a, sizeof a) ||
            !tern_nist_item_str(f, s, 1, b, sizeof b) || !xml_safe((const uint8_t *)a, strlen(a)) ||
            !xml_safe((const uint8_t *)b, strlen(b)))
            return false;
    xmlNodePtr sum = make_path(w, rec, "Transaction/TransactionContentSummary", 37, 1, true);
    for (uint32_t s = 0; sum && s < f->n_subfields; s++) {
        tern_nist_item_str(f, s, 0, a, sizeof a);
        tern_nist_item_str(f, s, 1, b, sizeof b);
        if (s == 0) {
            set_text(w, child(w, sum, "ContentFirstRecordCategoryCode", true), a);
            set_text(w, child(w, sum, "ContentRecordCount", true), b);
            continue;
        }
        xmlNodePtr e = child(w, sum, "ContentRecordSummary", true);
        if (!e)
            break;
        set_text(w, make_path(w, e, "ImageReferenceIdentification/nc:IdentificationID", 48, 1,
                              true),
                 b);
        set_text(w, child(w, e, "RecordCategoryCode", true), a);
    }
    return true;
}

/* A record whose fields are not in ascending order (NIST's M1 files put
 * 9.139/9.140 before 9.137) gets <tern:FieldOrder> listing them as they
 * were, so that reading the document back restores the order. */
static void write_order(writer *w, xmlNodePtr rec, const tern_nist_record *r)
{
    bool ascending = true;
    for (size_t i = 1; i < r->n_fields; i++)
        ascending &= r->fields[i - 1].number <= r->fields[i].number;
    if (ascending)
        return;
    tern_buf b = {0};
    for (size_t i = 0; i < r->n_fields; i++)
        tern_buf_printf(&b, "%s%u", i ? " " : "", r->fields[i].number);
    tern_buf_u8(&b, 0);
    xmlNodePtr n = xmlNewChild(rec, w->tern, (const xmlChar *)"FieldOrder", NULL);
    if (!n || tern_buf_status(&b, NULL))
        w->failed = true;
    else
        xmlNodeAddContent(n, b.data);
    tern_buf_free(&b);
}

static void write_record(writer *w, xmlNodePtr root, const tern_nist_record *r)
{
    const char *name = nist_xml_record_name(r->type);
    char gen[48];
    if (!name) {
        snprintf(gen, sizeof gen, "PackageType%uRecord", r->type);
        name = gen;
    }
    xmlNodePtr rec = xmlNewChild(root, w->itl, (const xmlChar *)name, NULL);
    if (!rec) {
        w->failed = true;
        return;
    }
    /* Element names that depend on content: a latent palm (13.013 a palm
     * position) and a scar, mark or tattoo (10.003 not FACE). */
    const tern_nist_field *fgp = r->type == 13 ? tern_nist_find(r, 13) : NULL;
    size_t fgp_len;
    const uint8_t *fgp0 = fgp && !fgp->binary ? tern_nist_item(fgp, 0, 0, &fgp_len) : NULL;
    w->palm = fgp0 && nist_xml_is_palm_code((const char *)fgp0, fgp_len);
    w->smt = r->type == 10 && tern_nist_find(r, 3) && !first_item_is(r, 3, "FACE");
    char code[8];
    snprintf(code, sizeof code, "%02u", r->type);
    set_text(w, child(w, rec, "RecordCategoryCode", true), code);
    for (size_t i = 0; i < r->n_fields; i++) {
        const tern_nist_field *f = &r->fields[i];
        if (f->number == 1)
            continue;
        if (f->number == 2 && r->type != 1 && !f->binary && f->n_items == 1 &&
            xml_safe(f->value, f->len) && tern_nist_find(r, 2) == f) {
            set_text(w, make_path(w, rec, "ImageReferenceIdentification/nc:IdentificationID", 48,
                                  r->type, true),
                     (const char *)f->value);
            continue;
        }
        if (r->type == 1 && f->number == 3 && tern_nist_find(r, 3) == f && write_cnt(w, rec, f))
            continue;
        if (r->type == 8 && f->number == 8 && write_vectors(w, rec, r, f))
            continue;
        if (r->type == 9 && f->number == 138 && write_rci(w, rec, r, f))
            continue;
        if (r->type == 9 && f->number == 12 && !repeated(r, 12) && !f->binary && mrc_shape(f)) {
            write_mrc(w, rec, f);
            continue;
        }
        const xml_map *m = nist_xml_find_map(r->type, f->number);
        /* A field number that appears more than once (2.034 in libbiomeval's
         * file, x.999 in NBIS's) goes to the extension every time, in order. */
        if (m && !repeated(r, f->number) && mappable(m, f))
            write_mapped(w, rec, r->type, m, f);
        else
            write_fallback(w, rec, f);
    }
    write_order(w, rec, r);
}

tern_status tern_nist_xml_write(const tern_nist *t, uint8_t **out, size_t *len, tern_error *err)
{
    *out = NULL;
    *len = 0;
    if (!t || t->n_records == 0)
        return tern_error_set(err, TERN_E_ARG, "ANSI/NIST XML: empty transaction");
    xmlInitParser();
    writer w = {0};
    w.doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = w.doc ? xmlNewNode(NULL, (const xmlChar *)"NISTBiometricInformationExchangePackage")
                            : NULL;
    if (!root) {
        xmlFreeDoc(w.doc);
        return tern_error_set(err, TERN_E_NOMEM, "ANSI/NIST XML: out of memory");
    }
    xmlDocSetRootElement(w.doc, root);
    w.itl = xmlNewNs(root, (const xmlChar *)NIST_NS_ITL_2011, (const xmlChar *)"itl");
    w.biom = xmlNewNs(root, (const xmlChar *)NIST_NS_BIOM, (const xmlChar *)"biom");
    w.nc = xmlNewNs(root, (const xmlChar *)NIST_NS_NC, (const xmlChar *)"nc");
    w.tern = xmlNewNs(root, (const xmlChar *)NIST_NS_TERN, (const xmlChar *)"tern");
    xmlSetNs(root, w.itl);
    for (size_t i = 0; i < t->n_records && !w.failed; i++)
        write_record(&w, root, &t->records[i]);
    xmlChar *mem = NULL;
    int size = 0;
    if (!w.failed)
        xmlDocDumpFormatMemoryEnc(w.doc, &mem, &size, "UTF-8", 1);
    xmlFreeDoc(w.doc);
    if (!mem || size <= 0) {
        xmlFree(mem);
        return tern_error_set(err, TERN_E_NOMEM, "ANSI/NIST XML: out of memory writing");
    }
    *out = malloc((size_t)size);
    if (!*out) {
        xmlFree(mem);
        return tern_error_set(err, TERN_E_NOMEM, "ANSI/NIST XML: out of memory");
    }
    memcpy(*out, mem, (size_t)size);
    *len = (size_t)size;
    xmlFree(mem);
    return TERN_OK;
}
