/* test_nist_hostile.c - the "Bad input" list of the interchange issue, one
 * case each, on the traditional encoding (ANSI/NIST-ITL 1-2011 Annex B):
 * LEN fields that lie (too long, too short, negative, enormous, in tagged
 * and binary records), 1.003 CNT entries for records that are missing,
 * fields and records without their terminator, and an XML entity bomb.
 * Each error must name the record, the field and the byte offset where the
 * fault is; the offsets are computed here from the bytes, not copied from
 * the messages. (10 million subfields: tests/test_nist.c,
 * ten_million_subfields_are_bounded.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/nist.h"
#include "tern/nist_xml.h"
#include "tern_test.h"

/* Type-1, a Type-2 with 2.003 "abc", and (with_type4) a Type-4 of 6 data
 * bytes, serialised. */
static uint8_t *sample(bool with_type4, size_t *len)
{
    tern_nist *t;
    tern_error err;
    size_t r2, r4;
    cr_assert_eq(tern_nist_create("0500", &t, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, 0, 4, "TEST", &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 2, &r2, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r2, 3, "abc", &err), TERN_OK);
    if (with_type4) {
        cr_assert_eq(tern_nist_add_record(t, 4, &r4, &err), TERN_OK);
        static const char *hdr[][2] = {{"3", "0"}, {"4", "1"}, {"5", "0"}, {"6", "2"},
                                       {"7", "3"}, {"8", "0"}};
        for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++)
            cr_assert_eq(tern_nist_set_text(t, r4, (uint32_t)atoi(hdr[i][0]), hdr[i][1], &err),
                         TERN_OK);
        static const uint8_t pixels[6] = {1, 2, 3, 4, 5, 6};
        cr_assert_eq(tern_nist_set_binary(t, r4, 9, pixels, sizeof pixels, &err), TERN_OK);
    }
    uint8_t *out;
    cr_assert_eq(tern_nist_serialize(t, &out, len, &err), TERN_OK, "%s", err.message);
    tern_nist_free(t);
    return out;
}

static size_t find(const uint8_t *data, size_t len, const char *what)
{
    size_t n = strlen(what);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(data + i, what, n) == 0)
            return i;
    cr_assert_fail("\"%s\" not found", what);
    return 0;
}

/* Parses and checks status and that the message names all of `want`. */
static void expect_refused(const uint8_t *data, size_t len, tern_status status,
                           const char *const *want)
{
    tern_nist *t = NULL;
    tern_error err;
    tern_status s = tern_nist_parse(data, len, &t, &err);
    cr_assert_eq(s, status, "%s: %s", tern_status_name(s), s ? err.message : "parsed");
    cr_assert_null(t);
    cr_log_info("%s", err.message);
    for (const char *const *w = want; *w; w++)
        cr_expect(strstr(err.message, *w), "\"%s\" lacks \"%s\"", err.message, *w);
}

/* Replaces the Type-2 LEN value (digits after "2.001:") by `value`. */
static uint8_t *with_type2_len(const uint8_t *data, size_t len, const char *value, size_t *out_len,
                               size_t *rec2)
{
    *rec2 = find(data, len, "2.001:");
    size_t v = *rec2 + 6, e = v;
    while (data[e] != 0x1d)
        e++;
    size_t n = strlen(value);
    *out_len = len - (e - v) + n;
    uint8_t *out = malloc(*out_len);
    memcpy(out, data, v);
    memcpy(out + v, value, n);
    memcpy(out + v + n, data + e, len - e);
    return out;
}

Test(nist_bad_input, len_that_lies_too_long_too_short_negative_enormous)
{
    size_t len, n, rec2;
    uint8_t *data = sample(false, &len);
    char where[64];
    static const struct {
        const char *len_value;
        tern_status status;
        const char *what;
        int offset_from; /* 0: the LEN value; 1: the record's last byte by LEN */
    } cases[] = {
        {"9999", TERN_E_TRUNCATED, "LEN (2.001) 9999 runs past the end of the input", 0},
        {"20", TERN_E_FORMAT, "LEN (2.001) 20 puts the record's end here", 1},
        {"-5", TERN_E_FORMAT, "LEN (2.001) is not a decimal number", 0},
        {"99999999999999999999", TERN_E_FORMAT, "LEN (2.001) is not a decimal number", 0},
        {"3", TERN_E_FORMAT, "LEN (2.001) 3 is shorter than the LEN field itself", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *bad = with_type2_len(data, len, cases[i].len_value, &n, &rec2);
        snprintf(where, sizeof where, "record 2 (Type-2, IDC 0) at byte offset %zu",
                 cases[i].offset_from ? rec2 + 19 : rec2 + 6);
        const char *want[] = {where, cases[i].what, NULL};
        expect_refused(bad, n, cases[i].status, want);
        free(bad);
    }
    free(data);
}

Test(nist_bad_input, binary_len_that_lies_enormous_or_short)
{
    size_t len;
    uint8_t *data = sample(true, &len);
    size_t rec3 = len - 18 - 6; /* the Type-4 record: 18-byte header, 6 bytes of data */
    char where[64];
    snprintf(where, sizeof where, "record 3 (Type-4, IDC 1) at byte offset %zu", rec3);
    uint8_t *bad = malloc(len);
    memcpy(bad, data, len);
    memset(bad + rec3, 0xff, 4); /* LEN 4294967295 */
    const char *huge[] = {where, "LEN (4.001) 4294967295 runs past the end of the input", NULL};
    expect_refused(bad, len, TERN_E_TRUNCATED, huge);
    memcpy(bad + rec3, "\0\0\0\x05", 4);
    const char *small[] = {where, "LEN (4.001) 5 is shorter than the 18-byte header", NULL};
    expect_refused(bad, len, TERN_E_FORMAT, small);
    free(bad);
    free(data);
}

Test(nist_bad_input, cnt_entries_for_missing_records)
{
    size_t len;
    uint8_t *data = sample(true, &len);
    size_t rec3 = len - 18 - 6;
    char where[64];
    /* Cut the Type-4: 1.003 still lists it. */
    snprintf(where, sizeof where, "record 3 (Type-4, IDC 1) at byte offset %zu", rec3);
    const char *want[] = {where, "listed in 1.003 but missing", NULL};
    expect_refused(data, rec3, TERN_E_TRUNCATED, want);
    /* Cut inside it: its header is short. */
    const char *part[] = {where, "fewer than the 18-byte header", NULL};
    expect_refused(data, rec3 + 7, TERN_E_TRUNCATED, part);
    free(data);
}

Test(nist_bad_input, fields_and_records_without_terminator)
{
    size_t len;
    uint8_t *data = sample(false, &len);
    size_t rec2 = find(data, len, "2.001:");
    char where[80];
    uint8_t *bad = malloc(len);
    /* The record's closing FS replaced: LEN points at a byte that is not FS. */
    memcpy(bad, data, len);
    bad[len - 1] = 'x';
    snprintf(where, sizeof where, "record 2 (Type-2, IDC 0) at byte offset %zu", len - 1);
    const char *no_fs[] = {where, "LEN (2.001)", "byte 0x78 is not FS", NULL};
    expect_refused(bad, len, TERN_E_FORMAT, no_fs);
    /* An FS inside the record: field 2.002 ends with FS before LEN's end. */
    memcpy(bad, data, len);
    size_t gs = find(data, len, "2.003:") - 1;
    bad[gs] = 0x1c;
    snprintf(where, sizeof where, "record 2 (Type-2, IDC 0) at byte offset %zu", gs);
    const char *early[] = {where, "FS ends field 2.002 before the record's end", NULL};
    expect_refused(bad, len, TERN_E_FORMAT, early);
    /* The whole input ends inside a field (no GS, no FS). */
    snprintf(where, sizeof where, "record 2 (Type-2, IDC 0) at byte offset %zu", rec2 + 6);
    const char *cut[] = {where, "LEN (2.001)", "runs past the end of the input", NULL};
    expect_refused(data, len - 2, TERN_E_TRUNCATED, cut);
    /* A field tag with no value terminator before the record ends: "2.003" + FS. */
    memcpy(bad, data, len);
    size_t tag = find(data, len, "2.003:");
    memset(bad + tag + 5, '3', len - 1 - tag - 5); /* "2.0033333...": no ':' */
    snprintf(where, sizeof where, "record 2 (Type-2, IDC 0) at byte offset %zu", tag);
    const char *notag[] = {where, "expected a field tag", NULL};
    expect_refused(bad, len, TERN_E_FORMAT, notag);
    free(bad);
    free(data);
}

Test(nist_bad_input, xml_entity_bomb_names_its_offset)
{
    const char *bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                       "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\n"
                       "<NISTBiometricInformationExchangePackage>&lol2;"
                       "</NISTBiometricInformationExchangePackage>";
    tern_nist *t = NULL;
    tern_error err;
    cr_assert_eq(tern_nist_xml_read((const uint8_t *)bomb, strlen(bomb), &t, NULL, &err),
                 TERN_E_FORMAT);
    cr_assert_null(t);
    char want[64];
    snprintf(want, sizeof want, "at byte offset %zu", (size_t)(strstr(bomb, "<!DOCTYPE") - bomb));
    cr_assert(strstr(err.message, want), "%s", err.message);
    cr_assert(strstr(err.message, "DOCTYPE"), "%s", err.message);
}

/* XML values that do not convert: the error names the record, the field
 * and the line of the element (the XML's own offset). */
Test(nist_bad_input, xml_values_name_record_field_and_line)
{
    const char *doc =
        "<?xml version=\"1.0\"?>\n"
        "<itl:NISTBiometricInformationExchangePackage xmlns:itl=\"http://biometrics.nist.gov/standard/2011\"\n"
        "  xmlns:biom=\"http://niem.gov/niem/biometrics/1.0\" xmlns:nc=\"http://niem.gov/niem/niem-core/2.0\">\n"
        "<itl:PackageInformationRecord><biom:RecordCategoryCode>01</biom:RecordCategoryCode>\n"
        "<biom:Transaction><biom:TransactionDate><nc:Date>%s</nc:Date></biom:TransactionDate>\n"
        "</biom:Transaction></itl:PackageInformationRecord>\n"
        "<itl:PackageFingerprintImageRecord><biom:RecordCategoryCode>14</biom:RecordCategoryCode>\n"
        "<itl:FingerprintImage>\n"
        "<nc:BinaryBase64Object>%s</nc:BinaryBase64Object>\n"
        "</itl:FingerprintImage></itl:PackageFingerprintImageRecord>\n"
        "</itl:NISTBiometricInformationExchangePackage>\n";
    char buf[2048];
    tern_nist *t = NULL;
    tern_error err;
    snprintf(buf, sizeof buf, doc, "2026-11-28", "AAEC");
    cr_assert_eq(tern_nist_xml_read((const uint8_t *)buf, strlen(buf), &t, NULL, &err), TERN_OK,
                 "%s", err.message);
    tern_nist_free(t);
    t = NULL;
    snprintf(buf, sizeof buf, doc, "2026-11-28", "A*EC");
    cr_assert_eq(tern_nist_xml_read((const uint8_t *)buf, strlen(buf), &t, NULL, &err),
                 TERN_E_FORMAT);
    cr_assert_null(t);
    cr_assert(strstr(err.message, "record 2 (Type-14), field 14.999 at line 9: not base64"), "%s",
              err.message);
    snprintf(buf, sizeof buf, doc, "28.11.2026", "AAEC");
    cr_assert_eq(tern_nist_xml_read((const uint8_t *)buf, strlen(buf), &t, NULL, &err),
                 TERN_E_FORMAT);
    cr_assert(strstr(err.message, "record 1 (Type-1), field 1.005 at line 5"), "%s", err.message);
}
