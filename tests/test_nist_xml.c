/* test_nist_xml.c - the XML encoding: every reference transaction goes
 * traditional -> XML -> traditional with every field kept (a walk over all
 * of them); XML written twice is identical; NIST's 2-2008 sample reads;
 * hostile XML (entity bombs, deep nesting, garbage) is refused. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "tern/nist_dump.h"
#include "tern/nist_xml.h"
#include "tern_test.h"

static int is_transaction(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".an2") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".an2k") == 0);
}

/* Every field of a is in b, same number, kind and bytes, in the same
 * place; LEN (x.001) excepted, XML having none. Returns fields compared. */
static size_t expect_same_fields(const char *name, const tern_nist *a, const tern_nist *b)
{
    size_t n = 0;
    cr_assert_eq(a->n_records, b->n_records, "%s", name);
    for (size_t r = 0; r < a->n_records; r++) {
        const tern_nist_record *x = &a->records[r], *y = &b->records[r];
        cr_assert_eq(x->type, y->type, "%s record %zu", name, r + 1);
        cr_assert_eq(x->n_fields, y->n_fields, "%s record %zu", name, r + 1);
        for (size_t i = 0; i < x->n_fields; i++) {
            const tern_nist_field *f = &x->fields[i], *g = &y->fields[i];
            cr_expect_eq(f->number, g->number, "%s record %zu field %zu", name, r + 1, i + 1);
            if (f->number == 1)
                continue;
            cr_expect_eq(f->binary, g->binary, "%s %u.%03u", name, x->type, f->number);
            cr_expect(f->len == g->len && memcmp(f->value, g->value, f->len) == 0,
                      "%s %u.%03u differs", name, x->type, f->number);
            n++;
        }
    }
    return n;
}

Test(nist_xml, traditional_to_xml_and_back_keeps_every_field)
{
    static const char *dirs[] = {"an2k/nist-reference", "an2k/nbis", "an2k/biomeval"};
    size_t files = 0, fields = 0;
    for (size_t d = 0; d < 3; d++) {
        TERN_REQUIRE_DATA(dir, dirs[d]);
        DIR *dp = opendir(dir);
        struct dirent *e;
        while ((e = readdir(dp))) {
            if (!is_transaction(e->d_name))
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            size_t len;
            uint8_t *data = tern_test_read(path, &len);
            tern_nist *t, *back;
            tern_error err;
            if (tern_nist_parse(data, len, &t, &err) != TERN_OK) {
                free(data);
                continue; /* the rejected ones: see test_nist.c */
            }
            uint8_t *xml, *xml2, *trad;
            size_t xml_len, xml2_len, trad_len;
            cr_assert_eq(tern_nist_xml_write(t, &xml, &xml_len, &err), TERN_OK, "%s: %s",
                         e->d_name, err.message);
            tern_nist_xml_report rep;
            cr_assert_eq(tern_nist_xml_read(xml, xml_len, &back, &rep, &err), TERN_OK,
                         "%s: %s", e->d_name, err.message);
            cr_expect_eq(rep.version, 2011);
            cr_expect_eq(rep.skipped, 0, "%s: %s", e->d_name, rep.first_skipped);
            fields += expect_same_fields(e->d_name, t, back);
            /* The JSON dump holds content only: the same for both. */
            char *j1, *j2;
            cr_assert_eq(tern_nist_dump(t, true, &j1, &err), TERN_OK);
            cr_assert_eq(tern_nist_dump(back, true, &j2, &err), TERN_OK);
            cr_expect_str_eq(j1, j2, "%s: JSON dumps differ", e->d_name);
            tern_nist_dump_free(j1);
            tern_nist_dump_free(j2);
            /* The XML of the copy is the same document, byte for byte. */
            cr_assert_eq(tern_nist_xml_write(back, &xml2, &xml2_len, &err), TERN_OK);
            cr_expect(xml2_len == xml_len && memcmp(xml, xml2, xml_len) == 0,
                      "%s: XML not stable", e->d_name);
            /* And the copy is a valid traditional transaction. */
            cr_assert_eq(tern_nist_serialize(back, &trad, &trad_len, &err), TERN_OK, "%s: %s",
                         e->d_name, err.message);
            tern_nist *again;
            cr_assert_eq(tern_nist_parse(trad, trad_len, &again, &err), TERN_OK, "%s: %s",
                         e->d_name, err.message);
            tern_nist_free(again);
            free(trad);
            free(xml2);
            free(xml);
            tern_nist_free(back);
            tern_nist_free(t);
            free(data);
            files++;
        }
        closedir(dp);
    }
    cr_log_info("%zu transactions, %zu fields compared", files, fields);
    cr_assert_gt(files, 40);
}

Test(nist_xml, reads_the_2008_sample)
{
    TERN_REQUIRE_DATA(path, "an2k/nbis/All-Supported-Records-test-comp.xml");
    size_t len;
    uint8_t *data = tern_test_read(path, &len);
    tern_nist *t;
    tern_nist_xml_report rep;
    tern_error err;
    cr_assert_eq(tern_nist_xml_read(data, len, &t, &rep, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(rep.version, 2008);
    cr_assert_eq(t->n_records, 23);
    char buf[64];
    const tern_nist_record *t1 = &t->records[0];
    cr_assert(tern_nist_item_str(tern_nist_find(t1, 2), 0, 0, buf, sizeof buf));
    cr_assert_str_eq(buf, "0400");
    cr_assert(tern_nist_item_str(tern_nist_find(t1, 4), 0, 0, buf, sizeof buf));
    cr_assert_str_eq(buf, "CAR");
    cr_assert(tern_nist_item_str(tern_nist_find(t1, 5), 0, 0, buf, sizeof buf));
    cr_assert_str_eq(buf, "20070706");
    cr_assert(tern_nist_item_str(tern_nist_find(t1, 14), 0, 0, buf, sizeof buf));
    cr_assert_str_eq(buf, "20051105052500Z");
    cr_assert(tern_nist_item_str(tern_nist_find(t1, 13), 0, 1, buf, sizeof buf));
    cr_assert_str_eq(buf, "7.02");
    /* Type-3 (record 3): FGP 2 and 3; the 2-2008 document lists unused 255s. */
    const tern_nist_record *t3 = &t->records[2];
    cr_assert_eq(t3->type, 3);
    const tern_nist_field *fgp = tern_nist_find(t3, 4);
    cr_assert(fgp);
    cr_assert_eq(fgp->n_subfields, 2);
    const tern_nist_field *img = tern_nist_find(t3, 9);
    cr_assert(img && img->binary && img->len > 100);
    /* Every element with text is read (test_nist_xml_walk.c checks that
     * each survives a round trip through the traditional encoding). */
    cr_assert_eq(rep.skipped, 0, "%zu elements not read; first %s", rep.skipped,
                 rep.first_skipped);
    /* Field numbers as ANSI/NIST-ITL 1-2011 Update 2013 gives them. */
    static const struct {
        size_t record;
        uint32_t field, subfield, item;
        const char *want;
    } fields[] = {
        {9, 8, 0, 0, NULL},        /* Type-8 pen vectors: checked below */
        {11, 6, 0, 0, "22"},       /* Type-9 palm position (MinutiaePalmPositionCode) */
        {12, 22, 1, 1, "SKI MASK"}, /* 10.022 PXS: FaceImageAttribute */
        {12, 26, 2, 0, "NO EAR"},  /* 10.026 SXS: FaceImageDescriptionCode */
        {12, 28, 0, 1, "GRN"},     /* 10.028 SHC: the second hair colour */
        {13, 43, 0, 2, "RED"},     /* 10.043 COL: TC3 of the first tattoo */
        {13, 43, 1, 1, "MULTI"},
        {18, 25, 1, 9, "85"},      /* 14.025 ASEG: last vertex of the second polygon */
        {22, 16, 0, 2, "3"},       /* 17.016 IPC: IST */
        {22, 17, 0, 0, "P270NEIS67830000"}, /* 17.017 DUI */
        {22, 18, 0, 0, "A2849B293059C200"}, /* 17.018 GUI */
        {22, 19, 0, 2, "2838590029395784-4"}, /* 17.019 MMS: serial */
        {22, 22, 0, 0, "500"},     /* 17.022 SHPS */
        {22, 25, 0, 0, "VIS"},     /* 17.025 EAS (ALS) */
        {22, 26, 0, 0, "304"},     /* 17.026 IRD */
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const tern_nist_record *r = &t->records[fields[i].record - 1];
        const tern_nist_field *f = tern_nist_find(r, fields[i].field);
        cr_assert(f, "record %zu: no %u.%03u", fields[i].record, r->type, fields[i].field);
        if (!fields[i].want)
            continue;
        cr_assert(tern_nist_item_str(f, fields[i].subfield, fields[i].item, buf, sizeof buf),
                  "%u.%03u", r->type, fields[i].field);
        cr_expect_str_eq(buf, fields[i].want, "%u.%03u", r->type, fields[i].field);
    }
    /* 8.008 vectors: X, Y big-endian, pressure; 2 vectors. */
    const tern_nist_field *vec = tern_nist_find(&t->records[8], 8);
    cr_assert(vec->binary && vec->len == 10);
    cr_expect(memcmp(vec->value, "\0\0\0\0\xfe\0\x05\0\x05\x01", 10) == 0);
    /* Read since: 10.025 pose angles, 13.014/13.015 major case prints, the
     * latent palm's elements (Type-13 PalmprintImage), x.030 DMM, SMT
     * descriptors (10.042). */
    bool pose = false, ppc = false, palm = false, dmm = false, smt = false;
    for (size_t i = 0; i < t->n_records; i++) {
        const tern_nist_record *r = &t->records[i];
        const tern_nist_field *f;
        if (r->type == 10 && (f = tern_nist_find(r, 25)) &&
            tern_nist_item_str(f, 0, 1, buf, sizeof buf))
            pose = strcmp(buf, "45") == 0; /* PIT, the second item */
        if (r->type == 13 && (f = tern_nist_find(r, 15)) && f->n_subfields == 2 &&
            tern_nist_item_str(f, 1, 1, buf, sizeof buf))
            ppc = strcmp(buf, "MED") == 0;
        if (r->type == 13 && (f = tern_nist_find(r, 13)) &&
            tern_nist_item_str(f, 0, 0, buf, sizeof buf) && strcmp(buf, "29") == 0)
            palm = tern_nist_find(r, 999) && tern_nist_find(r, 6) && tern_nist_find(r, 24);
        if (r->type == 10 && (f = tern_nist_find(r, 42)) && f->n_subfields == 2 &&
            tern_nist_item_str(f, 1, 3, buf, sizeof buf))
            smt = strcmp(buf, "Fist") == 0; /* TDS of the second tattoo */
        if (r->type == 17 && (f = tern_nist_find(r, 30)) &&
            tern_nist_item_str(f, 0, 0, buf, sizeof buf))
            dmm = strcmp(buf, "ASSISTED") == 0;
    }
    cr_assert(pose && ppc && palm && dmm && smt, "pose %d ppc %d palm %d dmm %d smt %d", pose, ppc,
              palm, dmm, smt);
    /* Standard-format minutiae (9.012) read from their MinutiaDetail elements. */
    const tern_nist_field *mrc = tern_nist_find(&t->records[9], 12);
    cr_assert(mrc && mrc->n_subfields == 2);
    cr_assert(tern_nist_item_str(mrc, 1, 1, buf, sizeof buf));
    cr_assert_str_eq(buf, "48590473256");
    uint8_t *trad;
    size_t trad_len;
    cr_assert_eq(tern_nist_serialize(t, &trad, &trad_len, &err), TERN_OK, "%s", err.message);
    tern_nist *again;
    cr_assert_eq(tern_nist_parse(trad, trad_len, &again, &err), TERN_OK, "%s", err.message);
    tern_nist_free(again);
    free(trad);
    tern_nist_free(t);
    free(data);
}

static tern_status read_text(const char *xml, tern_error *err)
{
    tern_nist *t = NULL;
    tern_status s = tern_nist_xml_read((const uint8_t *)xml, strlen(xml), &t, NULL, err);
    tern_nist_free(t);
    return s;
}

Test(nist_xml_hostile, entity_bomb_is_refused)
{
    const char *bomb =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\n"
        "<itl:NISTBiometricInformationExchangePackage "
        "xmlns:itl=\"http://biometrics.nist.gov/standard/2011\">&lol3;"
        "</itl:NISTBiometricInformationExchangePackage>";
    tern_error err;
    cr_assert_eq(read_text(bomb, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "DOCTYPE"), "%s", err.message);
    const char *external = "<?xml version=\"1.0\"?><!DOCTYPE x SYSTEM \"http://example.com/x\">"
                           "<x/>";
    cr_assert_eq(read_text(external, &err), TERN_E_FORMAT);
}

Test(nist_xml_hostile, deep_nesting_and_garbage)
{
    size_t depth = 100000;
    char *deep = malloc(depth * 7 + 200);
    size_t n = (size_t)sprintf(deep, "<NISTBiometricInformationExchangePackage>");
    for (size_t i = 0; i < depth; i++)
        n += (size_t)sprintf(deep + n, "<a>");
    for (size_t i = 0; i < depth; i++)
        n += (size_t)sprintf(deep + n, "</a>");
    sprintf(deep + n, "</NISTBiometricInformationExchangePackage>");
    tern_error err;
    tern_status s = read_text(deep, &err);
    cr_assert(s == TERN_E_FORMAT || s == TERN_E_LIMIT, "%s", err.message);
    free(deep);
    cr_assert_eq(read_text("<a><b></a>", &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "line 1"), "%s", err.message);
    cr_assert_eq(read_text("<other/>", &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "NISTBiometricInformationExchangePackage"), "%s", err.message);
    cr_assert_eq(read_text("", &err), TERN_E_FORMAT);
    /* A record element that is not one; and a tern:Field without a number. */
    cr_assert_eq(read_text("<NISTBiometricInformationExchangePackage><Bogus/>"
                           "</NISTBiometricInformationExchangePackage>",
                           &err),
                 TERN_E_FORMAT);
    cr_assert(strstr(err.message, "Bogus"), "%s", err.message);
    cr_assert_eq(read_text("<NISTBiometricInformationExchangePackage xmlns:tern=\""
                           "urn:tern:ansi-nist:field:1\"><PackageInformationRecord>"
                           "<tern:Field>x</tern:Field></PackageInformationRecord>"
                           "</NISTBiometricInformationExchangePackage>",
                           &err),
                 TERN_E_FORMAT);
    cr_assert(strstr(err.message, "record 1 (Type-1)"), "%s", err.message);
}

Test(nist_xml, values_that_do_not_convert_stay_exact)
{
    /* A date that is not YYYYMMDD, a control character, a binary Type-2. */
    tern_nist *t, *back;
    tern_error err;
    size_t r2;
    cr_assert_eq(tern_nist_create("0500", &t, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, 0, 5, "2026-1-1", &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 2, &r2, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r2, 3, "tab\there\x1f" "cr\rhere\x1e\x1f", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r2, 4, "<&>\"'", &err), TERN_OK);
    uint8_t *xml;
    size_t len;
    cr_assert_eq(tern_nist_xml_write(t, &xml, &len, &err), TERN_OK);
    cr_assert_eq(tern_nist_xml_read(xml, len, &back, NULL, &err), TERN_OK, "%s", err.message);
    expect_same_fields("built", t, back);
    free(xml);
    tern_nist_free(back);
    tern_nist_free(t);
}

#include "nist/nist_xml_internal.h"

/* Each field has at most one element in the mapping table (two entries
 * would read the same element twice). */
Test(nist_xml, mapping_table_has_one_entry_per_field)
{
    size_t n = 0;
    for (const xml_map *m; (m = nist_xml_map_at(n)); n++)
        for (size_t j = 0; j < n; j++) {
            const xml_map *o = nist_xml_map_at(j);
            cr_expect(o->type != m->type || o->field != m->field, "%u.%03u is mapped twice",
                      m->type, m->field);
        }
    cr_assert_gt(n, 100);
}

/* Fields written in Tern's extension (<tern:Field>) rather than a NIEM
 * element, per "T.NNN", over a written document; returns how many. */
static size_t extension_fields(const uint8_t *xml, size_t len, const char *name, size_t *forbidden)
{
    xmlDocPtr doc = xmlReadMemory((const char *)xml, (int)len, NULL, NULL, XML_PARSE_NONET);
    cr_assert(doc);
    size_t n = 0;
    for (xmlNodePtr rec = xmlDocGetRootElement(doc)->children; rec; rec = rec->next) {
        if (rec->type != XML_ELEMENT_NODE)
            continue;
        long type = 0;
        for (xmlNodePtr c = rec->children; c; c = c->next)
            if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "RecordCategoryCode") == 0) {
                xmlChar *v = xmlNodeGetContent(c);
                type = strtol((const char *)v, NULL, 10);
                xmlFree(v);
            }
        for (xmlNodePtr c = rec->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "Field") != 0)
                continue;
            xmlChar *num = xmlGetProp(c, (const xmlChar *)"number");
            long f = strtol((const char *)num, NULL, 10);
            xmlFree(num);
            n++;
            /* Type-1 and the INCITS 378 block of Type-9 all have elements. */
            if (type == 1 || (type == 9 && f >= 126 && f <= 140)) {
                (*forbidden)++;
                cr_log_error("%s: %ld.%03ld written in the extension", name, type, f);
            }
        }
    }
    xmlFreeDoc(doc);
    return n;
}

Test(nist_xml, type1_and_incits378_fields_have_niem_elements)
{
    static const char *files[] = {"an2k/nist-reference/type-9-14-m1.an2",
                                  "an2k/nist-reference/type-9-13-9-14-m1.an2",
                                  "an2k/biomeval/type9-15.an2k", "an2k/nist-reference/type-4-tpcard.an2"};
    size_t forbidden = 0, in_ext = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        TERN_REQUIRE_DATA(path, files[i]);
        size_t len;
        uint8_t *data = tern_test_read(path, &len), *xml;
        tern_nist *t;
        tern_error err;
        cr_assert_eq(tern_nist_parse(data, len, &t, &err), TERN_OK, "%s", err.message);
        cr_assert_eq(tern_nist_xml_write(t, &xml, &len, &err), TERN_OK);
        in_ext += extension_fields(xml, len, files[i], &forbidden);
        free(xml);
        tern_nist_free(t);
        free(data);
    }
    cr_log_info("%zu fields in the extension (Type-2, EFS and the like)", in_ext);
    cr_assert_eq(forbidden, 0);
}
