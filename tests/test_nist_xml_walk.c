/* test_nist_xml_walk.c - XML -> traditional -> XML keeps every element.
 *
 * The walk: every leaf element holding text in NIST's ANSI/NIST-ITL 2-2008
 * sample (All-Supported-Records-test-comp.xml) is listed per record as its
 * path of local names below the record element and its text; the sample is
 * read, written as a traditional transaction (bytes), parsed again and
 * written as 1-2011 XML; the same list is made of that document, and every
 * leaf of the sample must be found in it (same record, same path, same
 * text). A leaf not found is named (record, path, text): that is content
 * lost on the way. Namespaces are not compared (2-2008 ansi-nist: and 2011
 * biom: carry the same local names). Values are compared as the standard
 * defines them: numbers by value ("0486" and "486" are one X coordinate),
 * base64 without its line breaks. */
#define _GNU_SOURCE /* memmem */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/nist_xml.h"
#include "tern_test.h"

typedef struct leaf {
    size_t record;
    char *key; /* "path=value" */
    bool matched;
} leaf;

typedef struct leaves {
    leaf *v;
    size_t n, cap;
} leaves;

static char *normalise(const char *path, const char *text)
{
    size_t n = strlen(text);
    char *v = malloc(n + 1), *o = v;
    bool b64 = strstr(path, "BinaryBase64Object") != NULL;
    const char *s = text, *e = text + n;
    while (s < e && strchr(" \t\r\n", *s))
        s++;
    while (e > s && strchr(" \t\r\n", e[-1]))
        e--;
    for (; s < e; s++)
        if (!b64 || !strchr(" \t\r\n", *s))
            *o++ = *s;
    *o = 0;
    if (v[0] && strspn(v, "0123456789") == strlen(v)) { /* numbers by value */
        size_t z = strspn(v, "0");
        if (z == strlen(v))
            z--;
        memmove(v, v + z, strlen(v + z) + 1);
    }
    size_t klen = strlen(path) + strlen(v) + 2;
    char *key = malloc(klen);
    snprintf(key, klen, "%s=%s", path, v);
    free(v);
    return key;
}

static void collect(leaves *out, size_t record, xmlNodePtr n, char *path, size_t plen)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        size_t k = (size_t)snprintf(path + plen, 512 - plen, "%s%s", plen ? "/" : "",
                                    (const char *)c->name);
        bool has_child = false;
        for (xmlNodePtr g = c->children; g; g = g->next)
            has_child |= g->type == XML_ELEMENT_NODE;
        if (has_child) {
            collect(out, record, c, path, plen + k);
            continue;
        }
        xmlChar *text = xmlNodeGetContent(c);
        if (text && strspn((const char *)text, " \t\r\n") < strlen((const char *)text)) {
            if (out->n == out->cap) {
                out->cap = out->cap ? out->cap * 2 : 256;
                out->v = realloc(out->v, out->cap * sizeof *out->v);
            }
            out->v[out->n++] = (leaf){record, normalise(path, (const char *)text), false};
        }
        xmlFree(text);
        path[plen] = 0;
    }
    path[plen] = 0;
}

static leaves leaves_of(const uint8_t *xml, size_t len, size_t *records)
{
    leaves out = {0};
    xmlDocPtr doc = xmlReadMemory((const char *)xml, (int)len, NULL, NULL, XML_PARSE_NONET);
    cr_assert(doc);
    size_t r = 0;
    char path[512] = "";
    for (xmlNodePtr c = xmlDocGetRootElement(doc)->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            collect(&out, ++r, c, path, 0);
    *records = r;
    xmlFreeDoc(doc);
    return out;
}

static void leaves_free(leaves *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].key);
    free(l->v);
}

/* XML bytes -> tern_nist -> traditional bytes -> tern_nist -> XML bytes. */
static uint8_t *through_traditional(const uint8_t *xml, size_t len, size_t *out_len)
{
    tern_nist *t, *t2;
    tern_error err;
    tern_nist_xml_report rep;
    cr_assert_eq(tern_nist_xml_read(xml, len, &t, &rep, &err), TERN_OK, "%s", err.message);
    uint8_t *trad, *out;
    size_t trad_len;
    cr_assert_eq(tern_nist_serialize(t, &trad, &trad_len, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_nist_parse(trad, trad_len, &t2, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_nist_xml_write(t2, &out, out_len, &err), TERN_OK, "%s", err.message);
    cr_log_info("read: %zu elements not read (first: %s)", rep.skipped, rep.first_skipped);
    tern_nist_free(t2);
    tern_nist_free(t);
    free(trad);
    return out;
}

/* Counts the sample's leaves not found in `after` and names each. */
static size_t lost_leaves(const uint8_t *before, size_t blen, const uint8_t *after, size_t alen,
                          size_t *total)
{
    size_t rb, ra;
    leaves a = leaves_of(before, blen, &rb), b = leaves_of(after, alen, &ra);
    cr_assert_eq(rb, ra, "record count %zu -> %zu", rb, ra);
    size_t lost = 0;
    for (size_t i = 0; i < a.n; i++) {
        bool found = false;
        for (size_t j = 0; j < b.n && !found; j++)
            if (!b.v[j].matched && b.v[j].record == a.v[i].record &&
                strcmp(b.v[j].key, a.v[i].key) == 0)
                found = b.v[j].matched = true;
        if (!found) {
            lost++;
            cr_log_error("lost: record %zu: %.200s", a.v[i].record, a.v[i].key);
        }
    }
    *total = a.n;
    leaves_free(&a);
    leaves_free(&b);
    return lost;
}

Test(nist_xml_walk, sample_2008_through_traditional_keeps_every_element)
{
    TERN_REQUIRE_DATA(path, "an2k/nbis/All-Supported-Records-test-comp.xml");
    size_t len, out_len, total;
    uint8_t *data = tern_test_read(path, &len);
    uint8_t *out = through_traditional(data, len, &out_len);
    size_t lost = lost_leaves(data, len, out, out_len, &total);
    cr_log_info("2-2008 sample: %zu text elements, %zu lost", total, lost);
    cr_expect_gt(total, 500);
    cr_expect_eq(lost, 0, "%zu of %zu elements lost (listed above)", lost, total);
    free(out);
    free(data);
}

/* A transaction using every mapping with a special shape (item groups,
 * '#' elements, palm positions in Type-9, an SMT image, pen vectors, a
 * Type-4 FGP with a gap):
 * traditional -> XML -> traditional gives the same bytes, and only the
 * Type-2 field goes to Tern's extension. */
Test(nist_xml_walk, special_shapes_convert_both_ways)
{
    tern_nist *t;
    tern_error err;
    size_t r2, r8, r9, r10, r14;
    cr_assert_eq(tern_nist_create("0500", &t, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, 0, 4, "TENR", &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 2, &r2, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r2, 10, "ENC-1", &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 8, &r8, &err), TERN_OK);
    static const char *t8[][2] = {{"3", "0"}, {"4", "2"}, {"5", "0"}, {"6", "0"}, {"7", "0"}};
    for (size_t i = 0; i < 5; i++)
        cr_assert_eq(tern_nist_set_text(t, r8, (uint32_t)atoi(t8[i][0]), t8[i][1], &err), TERN_OK);
    static const uint8_t vec[10] = {0, 1, 0, 2, 1, 0x12, 0x34, 0x56, 0x78, 255};
    cr_assert_eq(tern_nist_set_binary(t, r8, 8, vec, sizeof vec, &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 9, &r9, &err), TERN_OK);
    static const char *t9[][2] = {
        {"3", "0"}, {"4", "S"}, {"6", "01\x1e" "22"}, {"10", "2"}, {"11", "1"},
        {"12", "001\x1f" "01000500090\x1f" "00\x1f" "A\x1f" "2,5\x1e" "002\x1f" "02000600180\x1f"
               "33\x1f" "B"}};
    for (size_t i = 0; i < sizeof t9 / sizeof t9[0]; i++)
        cr_assert_eq(tern_nist_set_text(t, r9, (uint32_t)atoi(t9[i][0]), t9[i][1], &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 10, &r10, &err), TERN_OK);
    static const char *t10[][2] = {
        {"3", "TATTOO"}, {"28", "BAL\x1fGRN"}, {"40", "TAT L ARM"},
        {"42", "TATTOO\x1f" "ANIMAL\x1f" "DOG\x1fx\x1eTATTOO\x1fHUMAN"},
        {"43", "RED\x1f" "BLACK\x1f" "BLUE\x1eYELLOW"}};
    for (size_t i = 0; i < sizeof t10 / sizeof t10[0]; i++)
        cr_assert_eq(tern_nist_set_text(t, r10, (uint32_t)atoi(t10[i][0]), t10[i][1], &err),
                     TERN_OK);
    /* A Type-4 whose FGP has a used position after an unused one: all six
     * bytes are fields, and must stay so through XML. */
    size_t r4;
    cr_assert_eq(tern_nist_add_record(t, 4, &r4, &err), TERN_OK);
    static const char *t4[][2] = {{"3", "0"}, {"4", "2\x1e" "255\x1e" "3\x1e" "255\x1e" "255\x1e" "255"},
                                  {"5", "0"}, {"6", "2"}, {"7", "1"}, {"8", "0"}};
    for (size_t i = 0; i < sizeof t4 / sizeof t4[0]; i++)
        cr_assert_eq(tern_nist_set_text(t, r4, (uint32_t)atoi(t4[i][0]), t4[i][1], &err), TERN_OK);
    static const uint8_t px[2] = {7, 9};
    cr_assert_eq(tern_nist_set_binary(t, r4, 9, px, sizeof px, &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 14, &r14, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r14, 3, "1", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r14, 13, "13", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r14, 25, "07\x1f" "3\x1f" "1\x1f" "2\x1f" "3\x1f" "4\x1f" "5\x1f"
                                               "6\x1e" "08\x1f" "0",
                                    &err),
                 TERN_OK);
    uint8_t *trad, *xml, *again;
    size_t trad_len, xml_len, again_len;
    cr_assert_eq(tern_nist_serialize(t, &trad, &trad_len, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_nist_xml_write(t, &xml, &xml_len, &err), TERN_OK, "%s", err.message);
    tern_nist *back;
    cr_assert_eq(tern_nist_xml_read(xml, xml_len, &back, NULL, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_nist_serialize(back, &again, &again_len, &err), TERN_OK, "%s", err.message);
    cr_expect(again_len == trad_len && memcmp(trad, again, trad_len) == 0,
              "traditional -> XML -> traditional changed the bytes");
    /* One extension field: 2.010. */
    size_t ext = 0;
    for (const uint8_t *p = xml; (p = memmem(p, xml_len - (size_t)(p - xml), "<tern:Field ", 12)); p++)
        ext++;
    cr_expect_eq(ext, 1, "%zu fields in the extension:\n%.*s", ext, (int)xml_len, (const char *)xml);
    cr_expect(memmem(xml, xml_len, "MinutiaePalmPositionCode>22<", 28) != NULL);
    cr_expect(memmem(xml, xml_len, "<biom:PhysicalFeatureImage>", 27) != NULL);
    const tern_nist_field *fgp = tern_nist_find(&back->records[r4], 4);
    cr_expect(fgp && fgp->n_subfields == 6, "Type-4 FGP: %u subfields", fgp ? fgp->n_subfields : 0);
    tern_nist_free(back);
    free(again);
    free(xml);
    free(trad);
    tern_nist_free(t);
}
