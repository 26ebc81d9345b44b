/* test_nist.c - the traditional encoding of ANSI/NIST-ITL transactions:
 * every reference transaction parses (or is rejected for a stated reason)
 * and re-serialises to identical bytes; the builder; hostile input. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/nist.h"
#include "tern_test.h"

/* Files in ../shared/data/an2k that break the standard, with the start of
 * the error Tern must give for each. */
typedef struct rejected {
    const char *file;
    const char *reason;
} rejected;

static const rejected known_bad[] = {
    /* libbiomeval's Type-9 record holds a field tagged 13.005: a field tag
     * must name its own record's type (SP 500-290, 7.1). */
    {"type9-13.an2k", "record 3 (Type-9, IDC 0) at byte offset 244: field tag 13.005 belongs "
                      "to Type-13, not Type-9"},
    {NULL, NULL},
};

static const char *expected_rejection(const char *name)
{
    for (size_t i = 0; known_bad[i].file; i++)
        if (strcmp(known_bad[i].file, name) == 0)
            return known_bad[i].reason;
    return NULL;
}

static int is_transaction(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".an2") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".an2k") == 0);
}

Test(nist_codec, every_reference_transaction_round_trips)
{
    static const char *dirs[] = {"an2k/nist-reference", "an2k/nbis", "an2k/biomeval"};
    int parsed = 0;
    for (size_t d = 0; d < 3; d++) {
        TERN_REQUIRE_DATA(dir, dirs[d]);
        DIR *dp = opendir(dir);
        cr_assert(dp);
        struct dirent *e;
        while ((e = readdir(dp))) {
            if (!is_transaction(e->d_name))
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            size_t len;
            uint8_t *data = tern_test_read(path, &len);
            tern_nist *t = NULL;
            tern_error err = {0};
            tern_status s = tern_nist_parse(data, len, &t, &err);
            const char *why = expected_rejection(e->d_name);
            if (why) {
                cr_expect_neq(s, TERN_OK, "%s parsed but should be rejected: %s", e->d_name, why);
                cr_expect(strstr(err.message, why), "%s: got \"%s\", expected \"%s\"", e->d_name,
                          err.message, why);
            } else {
                cr_expect_eq(s, TERN_OK, "%s: %s", e->d_name, err.message);
            }
            if (s == TERN_OK) {
                parsed++;
                uint8_t *out;
                size_t out_len;
                cr_assert_eq(tern_nist_serialize(t, &out, &out_len, &err), TERN_OK, "%s: %s",
                             e->d_name, err.message);
                cr_expect_eq(out_len, len, "%s: %zu bytes out, %zu in", e->d_name, out_len, len);
                if (out_len == len)
                    cr_expect(memcmp(out, data, len) == 0, "%s: bytes differ", e->d_name);
                free(out);
            }
            tern_nist_free(t);
            free(data);
        }
        closedir(dp);
    }
    cr_expect_gt(parsed, 40);
}

static bool contains(const uint8_t *hay, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

/* ---- builder --------------------------------------------------------------- */

/* A small transaction made with the builder: Type-1, Type-2, Type-4. */
static tern_nist *build_sample(void)
{
    tern_nist *t;
    tern_error err;
    size_t r2, r4;
    cr_assert_eq(tern_nist_create("0500", &t, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, 0, 4, "CAR", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, 0, 5, "20260101", &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 2, &r2, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r2, 18, "DOE\x1fJOHN\x1eROE\x1fRICHARD", &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 4, &r4, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r4, 3, "1", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r4, 4, "2", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r4, 5, "0", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r4, 6, "3", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r4, 7, "2", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r4, 8, "0", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_binary(t, r4, 9, "\x01\x02\x03\x04\x05\x06", 6, &err), TERN_OK);
    return t;
}

Test(nist_builder, computes_len_cnt_and_idc)
{
    tern_nist *t = build_sample();
    tern_error err;
    uint8_t *out;
    size_t len;
    cr_assert_eq(tern_nist_serialize(t, &out, &len, &err), TERN_OK, "%s", err.message);
    /* Type-1 LEN counts its own digits. */
    const char *fs = memchr(out, TERN_NIST_FS, len);
    cr_assert(fs);
    size_t t1_len = (size_t)(fs - (const char *)out) + 1;
    char expect[32];
    snprintf(expect, sizeof expect, "1.001:%zu\x1d", t1_len);
    cr_assert(memcmp(out, expect, strlen(expect)) == 0, "Type-1 LEN is not %zu", t1_len);
    static const char cnt[] = "1.003:1\x1f" "2\x1e" "2\x1f" "00\x1e" "4\x1f" "01\x1d";
    cr_assert(contains(out, len, cnt, sizeof cnt - 1));
    tern_nist *back;
    cr_assert_eq(tern_nist_parse(out, len, &back, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(back->n_records, 3);
    cr_assert_eq(back->records[2].type, 4);
    cr_assert_eq(tern_nist_record_idc(&back->records[1]), 0);
    cr_assert_eq(tern_nist_record_idc(&back->records[2]), 1);
    const tern_nist_field *name = tern_nist_find(&back->records[1], 18);
    cr_assert(name);
    cr_assert_eq(name->n_subfields, 2);
    char buf[32];
    cr_assert(tern_nist_item_str(name, 1, 1, buf, sizeof buf));
    cr_assert_str_eq(buf, "RICHARD");
    const tern_nist_field *data = tern_nist_find(&back->records[2], 9);
    cr_assert(data && data->binary && data->len == 6);
    cr_assert_eq(memcmp(data->value, "\x01\x02\x03\x04\x05\x06", 6), 0);
    /* A second serialisation of the parsed copy gives the same bytes. */
    uint8_t *again;
    size_t again_len;
    cr_assert_eq(tern_nist_serialize(back, &again, &again_len, &err), TERN_OK);
    cr_assert_eq(again_len, len);
    cr_assert_eq(memcmp(again, out, len), 0);
    /* Changing the IDC rewrites CNT. */
    cr_assert_eq(tern_nist_set_idc(t, 2, 7, &err), TERN_OK);
    cr_assert(tern_nist_item_str(tern_nist_find(&t->records[0], 3), 2, 1, buf, sizeof buf));
    cr_assert_str_eq(buf, "07");
    free(again);
    free(out);
    tern_nist_free(back);
    tern_nist_free(t);
}

Test(nist_builder, len_grows_with_its_own_digits)
{
    /* A Type-2 field sized so that LEN crosses from 2 to 3 digits. */
    for (size_t pad = 70; pad < 110; pad++) {
        tern_nist *t;
        tern_error err;
        size_t r2;
        cr_assert_eq(tern_nist_create(NULL, &t, &err), TERN_OK);
        cr_assert_eq(tern_nist_add_record(t, 2, &r2, &err), TERN_OK);
        char text[128];
        memset(text, 'x', pad);
        text[pad] = 0;
        cr_assert_eq(tern_nist_set_text(t, r2, 3, text, &err), TERN_OK);
        uint8_t *out;
        size_t len;
        cr_assert_eq(tern_nist_serialize(t, &out, &len, &err), TERN_OK);
        tern_nist *back;
        cr_assert_eq(tern_nist_parse(out, len, &back, &err), TERN_OK, "pad %zu: %s", pad,
                     err.message);
        tern_nist_free(back);
        tern_nist_free(t);
        free(out);
    }
}

Test(nist_codec, field_numbers_are_integers_and_spelling_is_kept)
{
    const char in[] = "1.01:58\x1d" "1.02:0300\x1d" "1.03:1\x1f" "1\x1e" "2\x1f" "00\x1d"
                      "1.004:X\x1d" "1.0011:Z\x1c"
                      "2.001:23\x1d" "2.02:00\x1d" "2.3:A\x1c";
    tern_nist *t;
    tern_error err;
    /* Fix up the first LEN: count the Type-1 record. */
    const char *fs = memchr(in, TERN_NIST_FS, sizeof in);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", in);
    char lenstr[8];
    snprintf(lenstr, sizeof lenstr, "%02zu", (size_t)(fs - in) + 1);
    memcpy(buf + 5, lenstr, 2);
    size_t len = strlen(buf);
    cr_assert_eq(tern_nist_parse((const uint8_t *)buf, len, &t, &err), TERN_OK, "%s", err.message);
    cr_assert(tern_nist_find(&t->records[0], 4));
    cr_assert(tern_nist_find(&t->records[0], 11));
    cr_assert_str_eq(tern_nist_find(&t->records[0], 2)->tag, "1.02");
    long v;
    cr_assert(tern_nist_item_long(tern_nist_find(&t->records[1], 2), 0, 0, &v));
    cr_assert_eq(v, 0);
    cr_assert(tern_nist_find(&t->records[1], 3));
    uint8_t *out;
    size_t out_len;
    cr_assert_eq(tern_nist_serialize(t, &out, &out_len, &err), TERN_OK);
    cr_assert_eq(out_len, len);
    cr_assert_eq(memcmp(out, buf, len), 0);
    free(out);
    tern_nist_free(t);
}

/* ---- hostile input --------------------------------------------------------- */

/* Serialises the sample, lets `mutate` damage it, parses, and returns the
 * status with the message in err. */
static tern_status parse_damaged(void (*mutate)(uint8_t **data, size_t *len), tern_error *err)
{
    tern_nist *t = build_sample();
    uint8_t *out;
    size_t len;
    cr_assert_eq(tern_nist_serialize(t, &out, &len, err), TERN_OK);
    tern_nist_free(t);
    mutate(&out, &len);
    tern_nist *back = NULL;
    tern_status s = tern_nist_parse(out, len, &back, err);
    tern_nist_free(back);
    free(out);
    return s;
}

/* Rewrites the Type-2 LEN (the record after the first FS) to `text`. */
static void set_type2_len(uint8_t **data, size_t *len, const char *text)
{
    uint8_t *p = memchr(*data, TERN_NIST_FS, *len) + 1; /* "2.001:NN" */
    uint8_t *gs = memchr(p, TERN_NIST_GS, *len - (size_t)(p - *data));
    size_t old = (size_t)(gs - p) - 6, add = strlen(text);
    uint8_t *n = malloc(*len - old + add);
    size_t head = (size_t)(p - *data) + 6;
    memcpy(n, *data, head);
    memcpy(n + head, text, add);
    memcpy(n + head + add, gs, *len - head - old);
    *len = *len - old + add;
    free(*data);
    *data = n;
}

static void len_too_long(uint8_t **d, size_t *l) { set_type2_len(d, l, "9999"); }
static void len_too_short(uint8_t **d, size_t *l) { set_type2_len(d, l, "20"); }
static void len_negative(uint8_t **d, size_t *l) { set_type2_len(d, l, "-5"); }
static void len_enormous(uint8_t **d, size_t *l) { set_type2_len(d, l, "99999999999999999999999"); }
static void truncate_last(uint8_t **d, size_t *l) { (void)d; *l -= 10; }
static void drop_terminator(uint8_t **d, size_t *l)
{
    uint8_t *fs = memchr(*d, TERN_NIST_FS, *l) + 1;
    fs = memchr(fs, TERN_NIST_FS, *l - (size_t)(fs - *d));
    *fs = 'x';
}

Test(nist_hostile, len_that_lies_is_refused_with_record_and_offset)
{
    tern_error err;
    cr_assert_eq(parse_damaged(len_too_long, &err), TERN_E_TRUNCATED);
    cr_assert(strstr(err.message, "record 2 (Type-2, IDC 0) at byte offset"), "%s", err.message);
    cr_assert(strstr(err.message, "LEN (2.001) 9999 runs past the end"), "%s", err.message);
    cr_assert_eq(parse_damaged(len_too_short, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "is not FS"), "%s", err.message);
    cr_assert_eq(parse_damaged(len_negative, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "LEN (2.001) is not a decimal number"), "%s", err.message);
    cr_assert_neq(parse_damaged(len_enormous, &err), TERN_OK);
    cr_assert(strstr(err.message, "record 2 (Type-2"), "%s", err.message);
}

Test(nist_hostile, missing_records_and_terminators)
{
    tern_error err;
    /* The Type-4 record (binary) is cut short. */
    cr_assert_eq(parse_damaged(truncate_last, &err), TERN_E_TRUNCATED);
    cr_assert(strstr(err.message, "record 3 (Type-4, IDC 1)"), "%s", err.message);
    cr_assert_eq(parse_damaged(drop_terminator, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "record 2 (Type-2, IDC 0)"), "%s", err.message);
}

Test(nist_hostile, cnt_listing_a_missing_record)
{
    tern_nist *t = build_sample();
    tern_error err;
    uint8_t *out;
    size_t len;
    cr_assert_eq(tern_nist_serialize(t, &out, &len, &err), TERN_OK);
    /* Keep Type-1 and Type-2 only: 1.003 still lists the Type-4. */
    uint8_t *fs = memchr(out, TERN_NIST_FS, len) + 1;
    fs = memchr(fs, TERN_NIST_FS, len - (size_t)(fs - out));
    size_t cut = (size_t)(fs - out) + 1;
    tern_nist *back = NULL;
    cr_assert_eq(tern_nist_parse(out, cut, &back, &err), TERN_E_TRUNCATED);
    cr_assert(strstr(err.message, "record 3 (Type-4, IDC 1)"), "%s", err.message);
    cr_assert(strstr(err.message, "listed in 1.003 but missing"), "%s", err.message);
    cr_assert_null(back);
    free(out);
    tern_nist_free(t);
}

Test(nist_hostile, ten_million_subfields_are_bounded)
{
    size_t n = 10u * 1000u * 1000u;
    const char head[] = "1.001:35\x1d" "1.002:0500\x1d" "1.003:1\x1f" "1\x1e" "2\x1f" "00\x1c";
    char t2[64];
    /* "2.001:" + 8 LEN digits + GS + "2.002:00" + GS + "2.003:" + n * "a RS" (the
     * last RS becomes the FS). */
    int hl = snprintf(t2, sizeof t2, "2.001:%08zu\x1d" "2.002:00\x1d" "2.003:", 30 + 2 * n);
    size_t len = sizeof head - 1 + (size_t)hl + n * 2;
    uint8_t *data = malloc(len);
    memcpy(data, head, sizeof head - 1);
    memcpy(data + sizeof head - 1, t2, (size_t)hl);
    uint8_t *p = data + sizeof head - 1 + hl;
    for (size_t i = 0; i < n; i++) {
        p[2 * i] = 'a';
        p[2 * i + 1] = TERN_NIST_RS;
    }
    data[len - 1] = TERN_NIST_FS;
    tern_nist *t = NULL;
    tern_error err;
    tern_status s = tern_nist_parse(data, len, &t, &err);
    cr_assert_eq(s, TERN_E_LIMIT, "%s", err.message);
    cr_assert(strstr(err.message, "field 2.003"), "%s", err.message);
    cr_assert(strstr(err.message, "information items"), "%s", err.message);
    free(data);
}

Test(nist_hostile, invalid_utf8_where_utf8_is_declared)
{
    tern_nist *t;
    tern_error err;
    size_t r2;
    cr_assert_eq(tern_nist_create(NULL, &t, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, 0, 15, "3\x1fUTF-8", &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 2, &r2, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r2, 18, "M\xc3\xbcller", &err), TERN_OK);
    uint8_t *out;
    size_t len;
    cr_assert_eq(tern_nist_serialize(t, &out, &len, &err), TERN_OK);
    tern_nist *back;
    cr_assert_eq(tern_nist_parse(out, len, &back, &err), TERN_OK, "%s", err.message);
    tern_nist_free(back);
    free(out);
    cr_assert_eq(tern_nist_set_text(t, r2, 18, "M\xc3\x28ller", &err), TERN_OK);
    cr_assert_eq(tern_nist_serialize(t, &out, &len, &err), TERN_OK);
    cr_assert_eq(tern_nist_parse(out, len, &back, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "record 2 (Type-2), field 2.018"), "%s", err.message);
    cr_assert(strstr(err.message, "invalid UTF-8"), "%s", err.message);
    free(out);
    tern_nist_free(t);
}

/* The Type-4 record of the sample, at the end of the serialised bytes:
 * 18-byte header then 6 bytes of data. */
static uint8_t *sample_bytes(size_t *len)
{
    tern_nist *t = build_sample();
    tern_error err;
    uint8_t *out;
    cr_assert_eq(tern_nist_serialize(t, &out, len, &err), TERN_OK);
    tern_nist_free(t);
    return out;
}

Test(nist_hostile, binary_record_headers_that_lie)
{
    size_t len;
    uint8_t *d = sample_bytes(&len);
    size_t t4 = len - 24;
    tern_nist *t = NULL;
    tern_error err;
    /* LEN smaller than the header. */
    d[t4 + 3] = 10;
    cr_assert_eq(tern_nist_parse(d, len, &t, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "record 3 (Type-4, IDC 1)"), "%s", err.message);
    cr_assert(strstr(err.message, "LEN (4.001) 10 is shorter than the 18-byte header"), "%s",
              err.message);
    /* LEN far past the end (a negative size read as 32 bits). */
    d[t4] = 0xff;
    cr_assert_eq(tern_nist_parse(d, len, &t, &err), TERN_E_TRUNCATED);
    cr_assert(strstr(err.message, "runs past the end of the input"), "%s", err.message);
    /* LEN shorter than the record: bytes left over after the last record. */
    d[t4] = 0;
    d[t4 + 3] = 20;
    cr_assert_eq(tern_nist_parse(d, len, &t, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "4 bytes after the last record listed in 1.003"), "%s",
              err.message);
    /* An IDC that is not the one 1.003 gives. */
    d[t4 + 3] = 24;
    d[t4 + 4] = 9;
    cr_assert_eq(tern_nist_parse(d, len, &t, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "IDC (4.002) 9 differs from the IDC 1 in 1.003"), "%s", err.message);
    cr_assert_null(t);
    free(d);
}

Test(nist_hostile, cnt_that_lies_and_garbage)
{
    tern_error err;
    tern_nist *t = NULL;
    /* CNT says 5 records but lists 1. */
    const char bad_cnt[] = "1.001:35\x1d" "1.002:0500\x1d" "1.003:1\x1f" "5\x1e" "2\x1f" "00\x1c";
    char buf[64];
    snprintf(buf, sizeof buf, "%s", bad_cnt);
    cr_assert_eq(tern_nist_parse((const uint8_t *)buf, strlen(buf), &t, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "1.003 (CNT) counts 5 records but lists 1"), "%s", err.message);
    /* Not a transaction at all, and nothing. */
    cr_assert_eq(tern_nist_parse((const uint8_t *)"GIF89a", 6, &t, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "record 1 (Type-1) at byte offset 0"), "%s", err.message);
    cr_assert_eq(tern_nist_parse((const uint8_t *)"", 0, &t, &err), TERN_E_TRUNCATED);
    /* A record type outside 2..99 in CNT. */
    const char bad_type[] = "1.001:37\x1d" "1.002:0500\x1d" "1.003:1\x1f" "1\x1e" "100\x1f" "00\x1c";
    cr_assert_eq(tern_nist_parse((const uint8_t *)bad_type, strlen(bad_type), &t, &err),
                 TERN_E_FORMAT);
    cr_assert(strstr(err.message, "subfield 2: not a record type 2..99"), "%s", err.message);
    cr_assert_null(t);
}
