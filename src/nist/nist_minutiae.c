/* nist_minutiae.c - Type-9 minutiae records (NIST SP 500-290, 8.9): the
 * legacy standard block (9.008-9.012), the FBI IAFIS block (9.014-9.023,
 * EBTS Appendix J) and the INCITS 378 block (9.126-9.141), read into a
 * tern_template; the INCITS 378 block written from one.
 *
 * Frames: INCITS 378 coordinates are pixels from the top left in the frame
 * of 9.128/9.129 at 9.130-9.132. Standard and IAFIS positions are
 * "XXXXYYYYTTT": X and Y in 0.01 mm from the bottom left, theta in degrees
 * pointing the opposite way to INCITS 378 / ISO 19794-2 (NIST biomdi
 * fmr2an2k adds 180 degrees; so do we, the other way). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/nist_types.h"

#define PI 3.14159265358979323846

typedef struct frame {
    double ppmm;    /* pixels per mm used to convert 0.01 mm units */
    double height;  /* pixels; 0 = derive from the minutiae */
    uint32_t width;
} frame;

static tern_status bad(tern_error *err, size_t index, uint32_t field, uint32_t sub,
                       const char *what)
{
    return tern_error_set(err, TERN_E_FORMAT, "record %zu (Type-9), field 9.%03u, subfield %u: %s",
                          index + 1, field, sub + 1, what);
}

unsigned tern_nist_minutiae_blocks(const tern_nist *t, size_t index)
{
    if (!t || index >= t->n_records || t->records[index].type != 9)
        return 0;
    const tern_nist_record *r = &t->records[index];
    unsigned b = 0;
    if (tern_nist_find(r, 12))
        b |= TERN_NIST_MIN_STANDARD;
    if (tern_nist_find(r, 23))
        b |= TERN_NIST_MIN_IAFIS;
    if (tern_nist_find(r, 137) || tern_nist_find(r, 136))
        b |= TERN_NIST_MIN_INCITS378;
    return b;
}

static long num(const tern_nist_field *f, uint32_t s, uint32_t i, long dflt)
{
    long v;
    return tern_nist_item_long(f, s, i, &v) ? v : dflt;
}

static float rad(double deg)
{
    double a = fmod(deg, 360.0);
    if (a < 0)
        a += 360.0;
    return (float)(a * PI / 180.0);
}

static uint8_t minutia_type(const char *code)
{
    if (strcmp(code, "A") == 0 || strcmp(code, "1") == 0)
        return TERN_MINUTIA_ENDING;
    if (strcmp(code, "B") == 0 || strcmp(code, "2") == 0)
        return TERN_MINUTIA_BIFURCATION;
    return TERN_MINUTIA_OTHER;
}

static tern_status add_singular(tern_template *tpl, float x, float y, float angle, bool has_angle,
                                uint8_t type, tern_error *err)
{
    if (tpl->n_singular >= TERN_TEMPLATE_MAX_SINGULAR)
        return tern_error_set(err, TERN_E_LIMIT, "Type-9: more than %u cores and deltas",
                              TERN_TEMPLATE_MAX_SINGULAR);
    tern_singular *p = realloc(tpl->singular, (tpl->n_singular + 1) * sizeof *p);
    if (!p)
        return tern_error_set(err, TERN_E_NOMEM, "Type-9: out of memory");
    tpl->singular = p;
    p[tpl->n_singular++] = (tern_singular){x, y, angle, type, (uint8_t)has_angle};
    return TERN_OK;
}

static tern_status add_ridge_count(tern_template *tpl, long a, long b, long count,
                                   tern_error *err)
{
    if (a < 0 || b < 0 || a >= (long)tpl->n_minutiae || b >= (long)tpl->n_minutiae || count < 0 ||
        count > 255)
        return TERN_OK; /* "no neighbour" (255) and unusable entries are skipped */
    if (tpl->n_ridge_counts >= TERN_TEMPLATE_MAX_RIDGE_COUNTS)
        return tern_error_set(err, TERN_E_LIMIT, "Type-9: more than %u ridge counts",
                              TERN_TEMPLATE_MAX_RIDGE_COUNTS);
    tern_ridge_count *p = realloc(tpl->ridge_counts, (tpl->n_ridge_counts + 1) * sizeof *p);
    if (!p)
        return tern_error_set(err, TERN_E_NOMEM, "Type-9: out of memory");
    tpl->ridge_counts = p;
    p[tpl->n_ridge_counts++] = (tern_ridge_count){(uint16_t)a, (uint16_t)b, (uint8_t)count};
    return TERN_OK;
}

/* ---- INCITS 378 block ----------------------------------------------------------- */

static tern_status read_incits(const tern_nist_record *r, size_t index, tern_template **out,
                               tern_error *err)
{
    const tern_nist_field *fmd = tern_nist_find(r, 137);
    uint32_t n = fmd && fmd->len ? fmd->n_subfields : 0;
    tern_status s = tern_template_create(n, out, err);
    if (s)
        return tern_error_prefix(err, "record %zu (Type-9), field 9.137: ", index + 1);
    tern_template *tpl = *out;
    tpl->width = (uint32_t)num(tern_nist_find(r, 128), 0, 0, 0);
    tpl->height = (uint32_t)num(tern_nist_find(r, 129), 0, 0, 0);
    long slc = num(tern_nist_find(r, 130), 0, 0, 2);
    double scale = slc == 1 ? 1.0 : 2.54;
    tpl->ppi_x = (double)num(tern_nist_find(r, 131), 0, 0, 0) * scale;
    tpl->ppi_y = (double)num(tern_nist_find(r, 132), 0, 0, 0) * scale;
    tpl->finger_position = (uint8_t)num(tern_nist_find(r, 134), 0, 0, 0);
    tpl->impression_type = (uint8_t)num(tern_nist_find(r, 3), 0, 0, 0);
    long q = num(tern_nist_find(r, 135), 0, 0, 0);
    tpl->quality = q >= 0 && q <= 100 ? (uint8_t)q : 0;
    for (uint32_t i = 0; i < n; i++) {
        long x = num(fmd, i, 1, -1), y = num(fmd, i, 2, -1), th = num(fmd, i, 3, -1);
        char type[4] = "";
        tern_nist_item_str(fmd, i, 4, type, sizeof type);
        if (x < 0 || y < 0 || th < 0 || th > 179)
            return bad(err, index, 137, i, "not index, x, y, angle 0..179, type, quality");
        long mq = num(fmd, i, 5, 0);
        tpl->minutiae[i] = (tern_minutia){(float)x, (float)y, rad(th * 2.0), minutia_type(type),
                                          (uint8_t)(mq >= 0 && mq <= 100 ? mq : 0)};
    }
    const tern_nist_field *rci = tern_nist_find(r, 138);
    if (rci) {
        tpl->ridge_count_method = (uint8_t)num(rci, 0, 0, 0);
        for (uint32_t i = 1; i < rci->n_subfields && !s; i++)
            s = add_ridge_count(tpl, num(rci, i, 0, 0) - 1, num(rci, i, 1, 0) - 1,
                                num(rci, i, 2, -1), err);
    }
    static const uint32_t sing_field[2] = {139, 140};
    for (int k = 0; k < 2 && !s; k++) {
        const tern_nist_field *f = tern_nist_find(r, sing_field[k]);
        for (uint32_t i = 0; f && f->len && i < f->n_subfields && !s; i++) {
            long a = num(f, i, 2, -1);
            s = add_singular(tpl, (float)num(f, i, 0, 0), (float)num(f, i, 1, 0),
                             a >= 0 ? rad(a * 2.0) : 0, a >= 0,
                             k ? TERN_SINGULAR_DELTA : TERN_SINGULAR_CORE, err);
        }
    }
    return s;
}

/* ---- standard and IAFIS blocks ----------------------------------------------- */

/* Parses "XXXXYYYY" (and "TTT" if theta != NULL) in 0.01 mm / degrees. */
static bool parse_xyt(const tern_nist_field *f, uint32_t s, uint32_t i, double *x, double *y,
                      double *theta)
{
    char buf[16];
    size_t want = theta ? 11 : 8;
    if (!tern_nist_item_str(f, s, i, buf, sizeof buf) || strlen(buf) < want)
        return false;
    for (size_t k = 0; k < want; k++)
        if (buf[k] < '0' || buf[k] > '9')
            return false;
    *x = (buf[0] - '0') * 1000 + (buf[1] - '0') * 100 + (buf[2] - '0') * 10 + (buf[3] - '0');
    *y = (buf[4] - '0') * 1000 + (buf[5] - '0') * 100 + (buf[6] - '0') * 10 + (buf[7] - '0');
    if (theta)
        *theta = (buf[8] - '0') * 100 + (buf[9] - '0') * 10 + (buf[10] - '0');
    return true;
}

/* The frame of the image record with the same IDC (Types 4, 13, 14), or
 * only the resolution from 1.011. */
static frame find_frame(const tern_nist *t, size_t index)
{
    frame fr = {19.69, 0, 0};
    double nsr;
    if (tern_nist_item_double(tern_nist_find(&t->records[0], 11), 0, 0, &nsr) && nsr > 0)
        fr.ppmm = nsr;
    int idc = tern_nist_record_idc(&t->records[index]);
    for (size_t i = 1; i < t->n_records && idc >= 0; i++) {
        uint32_t ty = t->records[i].type;
        tern_nist_image im;
        if ((ty == 4 || ty == 13 || ty == 14) && tern_nist_record_idc(&t->records[i]) == idc &&
            tern_nist_image_get(t, i, &im, NULL) == TERN_OK && im.height > 0) {
            fr.height = im.height;
            fr.width = im.width;
            if (im.ppi_y > 0)
                fr.ppmm = im.ppi_y / 25.4;
            break;
        }
    }
    return fr;
}

/* The quality measure (QMS) of a standard (9.012) or IAFIS (9.023)
 * minutia, item 3, into Tern's 0..100 (0 = not reported), as ANSI/NIST-ITL
 * 1-2007 9.012 and EBTS Appendix J define it: 0 = encoded by hand (taken
 * as certain: 100), 1 = no method of indicating confidence (not reported),
 * 2..63 decreasing confidence, 2 the greatest (100 down to 1, linearly).
 * NIST's reference pair type-9-14-std / type-9-14-m1 encodes the same
 * minutiae with 00 and with INCITS 378 quality 100. */
static uint8_t legacy_quality(long q)
{
    if (q == 0)
        return 100;
    if (q < 2 || q > 63)
        return 0;
    return (uint8_t)lround(100.0 - (double)(q - 2) * 99.0 / 61.0);
}

static tern_status read_legacy(const tern_nist *t, size_t index, bool iafis, tern_template **out,
                               tern_error *err)
{
    const tern_nist_record *r = &t->records[index];
    uint32_t mfield = iafis ? 23 : 12;
    const tern_nist_field *mrc = tern_nist_find(r, mfield);
    uint32_t n = mrc && mrc->len ? mrc->n_subfields : 0;
    tern_status s = tern_template_create(n, out, err);
    if (s)
        return tern_error_prefix(err, "record %zu (Type-9), field 9.%03u: ", index + 1, mfield);
    tern_template *tpl = *out;
    frame fr = find_frame(t, index);
    double max_y = 0, max_x = 0;
    double (*mm)[3] = calloc(n ? n : 1, sizeof *mm);
    if (!mm)
        return tern_error_set(err, TERN_E_NOMEM, "Type-9: out of memory");
    for (uint32_t i = 0; i < n; i++) {
        if (!parse_xyt(mrc, i, 1, &mm[i][0], &mm[i][1], &mm[i][2])) {
            free(mm);
            return bad(err, index, mfield, i, "item 2 is not XXXXYYYYTTT");
        }
        max_x = fmax(max_x, mm[i][0] / 100 * fr.ppmm);
        max_y = fmax(max_y, mm[i][1] / 100 * fr.ppmm);
    }
    double h = fr.height > 0 ? fr.height : ceil(max_y) + 1;
    tpl->height = (uint32_t)h;
    tpl->width = fr.width ? fr.width : (uint32_t)ceil(max_x) + 1;
    tpl->ppi_x = tpl->ppi_y = fr.ppmm * 25.4;
    long fgp = num(tern_nist_find(r, iafis ? 14 : 6), 0, 0, 0);
    tpl->finger_position = fgp >= 0 && fgp <= 255 ? (uint8_t)fgp : 0;
    tpl->impression_type = (uint8_t)num(tern_nist_find(r, 3), 0, 0, 0);
    for (uint32_t i = 0; i < n; i++) {
        char type[4] = "";
        tern_nist_item_str(mrc, i, 3, type, sizeof type);
        double y = mm[i][1] / 100 * fr.ppmm;
        tpl->minutiae[i] = (tern_minutia){(float)(mm[i][0] / 100 * fr.ppmm),
                                          (float)(iafis ? y : h - 1 - y),
                                          rad(mm[i][2] + (iafis ? 0.0 : 180.0)),
                                          minutia_type(type),
                                          legacy_quality(num(mrc, i, 2, 1))};
    }
    free(mm);
    tpl->ridge_count_method = 0;
    for (uint32_t i = 0; i < n && !s; i++) {
        for (uint32_t k = 4; k < tern_nist_item_count(mrc, i) && !s; k++) {
            char buf[16];
            long nb = -1, rc = -1;
            tern_nist_item_str(mrc, i, k, buf, sizeof buf);
            if (iafis && strlen(buf) == 5 && sscanf(buf, "%3ld%2ld", &nb, &rc) != 2)
                nb = -1;
            else if (!iafis && sscanf(buf, "%ld,%ld", &nb, &rc) != 2)
                nb = -1;
            if (nb > 0)
                s = add_ridge_count(tpl, (long)i, nb - 1, rc, err);
        }
    }
    /* Cores and deltas: standard 9.008/9.009 "XXXXYYYY" per subfield; IAFIS
     * 9.021/9.022 the same as the first item. */
    for (int k = 0; k < 2 && !s; k++) {
        const tern_nist_field *f = tern_nist_find(r, iafis ? 21 + k : 8 + k);
        for (uint32_t i = 0; f && f->len && i < f->n_subfields && !s; i++) {
            double x, y;
            if (parse_xyt(f, i, 0, &x, &y, NULL))
                s = add_singular(tpl, (float)(x / 100 * fr.ppmm),
                                 (float)(iafis ? y / 100 * fr.ppmm : h - 1 - y / 100 * fr.ppmm),
                                 0, false,
                                 k ? TERN_SINGULAR_DELTA : TERN_SINGULAR_CORE, err);
        }
    }
    return s;
}

tern_status tern_nist_template_get(const tern_nist *t, size_t index, unsigned block,
                                   tern_template **out, tern_error *err)
{
    *out = NULL;
    unsigned have = tern_nist_minutiae_blocks(t, index);
    if (block == 0)
        block = (have & TERN_NIST_MIN_INCITS378) ? TERN_NIST_MIN_INCITS378
                : (have & TERN_NIST_MIN_IAFIS)   ? TERN_NIST_MIN_IAFIS
                                                 : TERN_NIST_MIN_STANDARD;
    if (!(have & block))
        return tern_error_set(err, TERN_E_NOT_FOUND, "record %zu: no such Type-9 minutiae block",
                              index + 1);
    tern_status s = block == TERN_NIST_MIN_INCITS378
                        ? read_incits(&t->records[index], index, out, err)
                        : read_legacy(t, index, block == TERN_NIST_MIN_IAFIS, out, err);
    if (s) {
        tern_template_free(*out);
        *out = NULL;
    }
    return s;
}

/* ---- writing the INCITS 378 block --------------------------------------------- */

static unsigned angle2(float a)
{
    long v = lround(a * 180.0 / PI / 2.0);
    return (unsigned)(((v % 180) + 180) % 180);
}

/* Sets field `no` of record `at` from a tern_buf that holds its value. */
static tern_status put_buf(tern_nist *t, size_t at, uint32_t no, tern_buf *b, tern_error *err)
{
    tern_status s = tern_buf_status(b, err);
    if (!s)
        s = tern_nist_set_value(t, at, no, b->data ? (const void *)b->data : "", b->len, err);
    tern_buf_free(b);
    return s;
}

static tern_status put(tern_nist *t, size_t at, uint32_t no, tern_error *err, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));
static tern_status put(tern_nist *t, size_t at, uint32_t no, tern_error *err, const char *fmt,
                       ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return tern_nist_set_text(t, at, no, buf, err);
}

static tern_status write_incits(tern_nist *t, size_t at, const tern_template *tpl,
                                tern_error *err)
{
    bool rc = tpl->n_ridge_counts > 0;
    tern_status s = put(t, at, 3, err, "%u", tpl->impression_type);
    if (!s)
        s = put(t, at, 4, err, "U");
    if (!s) /* CBEFF owner 27 (INCITS M1); format 513, or 514 with ridge counts */
        s = put(t, at, 126, err, "27\x1f%u", rc ? 514u : 513u);
    if (!s)
        s = put(t, at, 127, err, "NONE\x1f" "0");
    if (!s)
        s = put(t, at, 128, err, "%u", tpl->width);
    if (!s)
        s = put(t, at, 129, err, "%u", tpl->height);
    if (!s)
        s = put(t, at, 130, err, "2"); /* pixels per cm, as INCITS 378 */
    if (!s)
        s = put(t, at, 131, err, "%ld", lround(tpl->ppi_x / 2.54));
    if (!s)
        s = put(t, at, 132, err, "%ld", lround(tpl->ppi_y / 2.54));
    if (!s)
        s = put(t, at, 133, err, "0");
    if (!s)
        s = put(t, at, 134, err, "%02u", tpl->finger_position);
    if (!s)
        s = put(t, at, 135, err, "%u\x1f" "0000\x1f" "0", tpl->quality);
    if (!s)
        s = put(t, at, 136, err, "%u", tpl->n_minutiae);
    tern_buf b = {0};
    for (uint32_t i = 0; i < tpl->n_minutiae && !s; i++) {
        const tern_minutia *m = &tpl->minutiae[i];
        tern_buf_printf(&b, "%s%03u\x1f%ld\x1f%ld\x1f%u\x1f%u\x1f%u", i ? "\x1e" : "", i + 1,
                        lround(m->x), lround(m->y), angle2(m->angle),
                        m->type == TERN_MINUTIA_ENDING        ? 1u
                        : m->type == TERN_MINUTIA_BIFURCATION ? 2u
                                                              : 0u,
                        m->quality);
    }
    if (!s && tpl->n_minutiae)
        s = put_buf(t, at, 137, &b, err);
    tern_buf_free(&b);
    if (!s && rc) {
        tern_buf_printf(&b, "%u\x1f" "0\x1f" "0", tpl->ridge_count_method);
        for (uint32_t i = 0; i < tpl->n_ridge_counts; i++)
            tern_buf_printf(&b, "\x1e%u\x1f%u\x1f%u", tpl->ridge_counts[i].a + 1u,
                            tpl->ridge_counts[i].b + 1u, tpl->ridge_counts[i].count);
        s = put_buf(t, at, 138, &b, err);
    }
    for (int k = 0; k < 2 && !s; k++) {
        uint8_t want = k ? TERN_SINGULAR_DELTA : TERN_SINGULAR_CORE;
        bool any = false;
        for (uint32_t i = 0; i < tpl->n_singular; i++) {
            const tern_singular *p = &tpl->singular[i];
            if (p->type != want)
                continue;
            tern_buf_printf(&b, "%s%ld\x1f%ld\x1f%u", any ? "\x1e" : "", lround(p->x),
                            lround(p->y), p->has_angle ? angle2(p->angle) : 0u);
            any = true;
        }
        s = any ? put_buf(t, at, k ? 140 : 139, &b, err) : TERN_OK;
        tern_buf_free(&b);
    }
    return s;
}

tern_status tern_nist_add_template(tern_nist *t, const tern_template *tpl, size_t *index,
                                   tern_error *err)
{
    if (!tpl || tpl->width == 0 || tpl->height == 0 || tpl->ppi_x <= 0 || tpl->ppi_y <= 0)
        return tern_error_set(err, TERN_E_ARG, "template has no frame size or resolution");
    for (uint32_t i = 0; i < tpl->n_minutiae; i++)
        if (!(tpl->minutiae[i].x >= 0 && tpl->minutiae[i].x < 16384 &&
              tpl->minutiae[i].y >= 0 && tpl->minutiae[i].y < 16384))
            return tern_error_set(err, TERN_E_ARG, "minutia %u lies outside 0..16383", i + 1);
    size_t at;
    tern_status s = tern_nist_add_record(t, 9, &at, err);
    if (!s)
        s = write_incits(t, at, tpl, err);
    if (s) {
        /* Leave the transaction as it was: drop the half-written record. */
        tern_nist_remove_record(t, at, NULL);
        return s;
    }
    if (index)
        *index = at;
    return TERN_OK;
}
