/* template_ext.c - the pieces that ISO/IEC 19794-2 (2005 clause 7.4-7.5,
 * 2011 clause 8.4) and ANSI INCITS 378 (2004 clause 6.5-6.6, 2009) share:
 * the 6-byte minutia (2-bit type + 14-bit x, 2 reserved bits + 14-bit y,
 * 1-byte angle, 1-byte quality), the extended data area (2-byte total length,
 * then blocks of 2-byte type + 2-byte length + data) with its ridge count
 * (type 0x0001) and core/delta (type 0x0002) blocks, unit conversions and
 * warnings. The two families differ only in the angle unit and in how the
 * core/delta block flags angles (docs/templates.md). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finger/template_priv.h"

#define TWO_PI 6.283185307179586

void tpl_warn(tern_template_record *rec, const char *fmt, ...)
{
    if (!rec)
        return;
    if (rec->n_warnings < TERN_TEMPLATE_MAX_WARNINGS) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rec->warnings[rec->n_warnings], TERN_TEMPLATE_WARNING_MAX, fmt, ap);
        va_end(ap);
    }
    if (rec->n_warnings < UINT32_MAX)
        rec->n_warnings++;
}

float tpl_angle_from_units(unsigned units, unsigned per_turn)
{
    return (float)((double)(units % per_turn) * TWO_PI / (double)per_turn);
}

unsigned tpl_angle_to_units(float radians, unsigned per_turn)
{
    double a = fmod((double)radians, TWO_PI);
    if (!(a == a))
        return 0; /* NaN: no direction to keep */
    if (a < 0)
        a += TWO_PI;
    long u = lround(a * (double)per_turn / TWO_PI);
    return (unsigned)(u % (long)per_turn);
}

uint8_t tpl_quality_from_record(uint8_t q, tpl_quality_scheme scheme)
{
    if (scheme == TPL_QUALITY_254_UNSET) {
        if (q > 100)
            return 0;        /* 254 not reported, 255 failed: no value */
        return q ? q : 1;    /* 0 is the worst reported quality: Tern's 1 */
    }
    return q > 100 ? 100 : q;
}

uint8_t tpl_quality_to_record(uint8_t q, tpl_quality_scheme scheme)
{
    if (q > 100)
        q = 100;
    if (scheme == TPL_QUALITY_254_UNSET)
        return q ? q : 254;
    return q;
}

double tpl_ppi_from_pxcm(uint16_t pxcm) { return (double)pxcm * TPL_CM_PER_INCH; }

uint16_t tpl_pxcm_from_ppi(double ppi)
{
    if (!(ppi > 0))
        return 0;
    double v = ppi / TPL_CM_PER_INCH;
    return v >= 65535.0 ? 65535 : (uint16_t)lround(v);
}

/* ---- minutiae ----------------------------------------------------------- */

tern_status tpl_read_minutiae(tern_reader *r, tern_template *t, uint32_t n, unsigned size,
                              unsigned angle_units, tpl_quality_scheme scheme,
                              tern_template_record *rec, uint32_t view)
{
    uint32_t wrapped = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t at = r->pos;
        uint16_t xt, y;
        uint8_t angle, quality = 0;
        tern_status s = tern_reader_u16be(r, &xt);
        if (!s)
            s = tern_reader_u16be(r, &y);
        if (!s)
            s = tern_reader_u8(r, &angle);
        if (!s && size == 6)
            s = tern_reader_u8(r, &quality);
        if (s)
            return tern_error_prefix(r->err, "view %u minutia %u: ", view, i);
        unsigned type = xt >> 14;
        if (type == 3) {
            tpl_warn(rec, "view %u minutia %u (byte offset %zu): reserved type code 3 read as 'other'",
                     view, i, at);
            type = TERN_MINUTIA_OTHER;
        }
        if (angle >= angle_units)
            wrapped++;
        tern_minutia *m = &t->minutiae[i];
        m->x = (float)(xt & 0x3fff);
        m->y = (float)(y & 0x3fff);
        m->angle = tpl_angle_from_units(angle, angle_units);
        m->type = (uint8_t)type;
        m->quality = size == 6 ? tpl_quality_from_record(quality, scheme) : 0;
        if ((t->width && m->x >= (float)t->width) || (t->height && m->y >= (float)t->height))
            return tern_reader_fail(r, TERN_E_FORMAT,
                                    "view %u minutia %u (byte offset %zu): position (%u, %u) "
                                    "outside the declared %ux%u frame", view, i, at,
                                    xt & 0x3fffu, y & 0x3fffu, t->width, t->height);
    }
    if (wrapped)
        tpl_warn(rec, "view %u: %u of %u minutia angles exceed %u units: read modulo a turn",
                 view, wrapped, n, angle_units - 1);
    return TERN_OK;
}

static tern_status coordinate(float v, const char *what, uint32_t view, uint32_t i, uint16_t *out,
                              tern_error *err)
{
    if (!(v >= 0.0f) || v > 16383.0f)
        return tern_error_set(err, TERN_E_ARG,
                              "template: view %u %s %u: coordinate %g does not fit 14 bits", view,
                              what, i, (double)v);
    *out = (uint16_t)lroundf(v);
    if (*out > 16383)
        *out = 16383;
    return TERN_OK;
}

tern_status tpl_write_minutiae(tern_buf *b, const tern_template *t, unsigned size,
                               unsigned angle_units, tpl_quality_scheme scheme, uint32_t view,
                               tern_error *err)
{
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        const tern_minutia *m = &t->minutiae[i];
        uint16_t x = 0, y = 0;
        tern_status s = coordinate(m->x, "minutia", view, i, &x, err);
        if (!s)
            s = coordinate(m->y, "minutia", view, i, &y, err);
        if (s)
            return s;
        if (m->type > TERN_MINUTIA_BIFURCATION)
            return tern_error_set(err, TERN_E_ARG, "template: view %u minutia %u: type %u unknown",
                                  view, i, m->type);
        tern_buf_u16be(b, (uint16_t)((unsigned)m->type << 14 | x));
        tern_buf_u16be(b, y);
        tern_buf_u8(b, (uint8_t)tpl_angle_to_units(m->angle, angle_units));
        if (size == 6)
            tern_buf_u8(b, tpl_quality_to_record(m->quality, scheme));
    }
    return TERN_OK;
}

/* ---- extended data: ridge counts ---------------------------------------- */

static tern_status read_ridge_counts(const uint8_t *d, size_t n, size_t at, tern_template *t,
                                     tern_template_record *rec, uint32_t view, tern_error *err)
{
    if (n < 1)
        return tern_error_set(err, TERN_E_FORMAT,
                              "template: view %u ridge count block at byte offset %zu: no "
                              "extraction method byte", view, at);
    t->ridge_count_method = d[0];
    if (d[0] > TERN_RIDGE_COUNT_OCTANT)
        tpl_warn(rec, "view %u ridge count block at byte offset %zu: unknown extraction method %u",
                 view, at, d[0]);
    size_t triples = (n - 1) / 3;
    if ((n - 1) % 3)
        tpl_warn(rec, "view %u ridge count block at byte offset %zu: %zu stray bytes after %zu "
                 "ridge counts ignored", view, at, (n - 1) % 3, triples);
    if (t->n_ridge_counts + triples > TERN_TEMPLATE_MAX_RIDGE_COUNTS)
        return tern_error_set(err, TERN_E_LIMIT,
                              "template: view %u ridge count block at byte offset %zu: more than "
                              "%u ridge counts", view, at, TERN_TEMPLATE_MAX_RIDGE_COUNTS);
    tern_ridge_count *rc = realloc(t->ridge_counts,
                                   (t->n_ridge_counts + triples + 1) * sizeof *rc);
    if (!rc)
        return tern_error_set(err, TERN_E_NOMEM, "template: out of memory");
    t->ridge_counts = rc;
    /* Indices count from 1; 0 marks "no neighbour" (a quadrant without
     * one), which carries nothing and is skipped. */
    uint32_t dropped = 0;
    for (size_t i = 0; i < triples; i++) {
        const uint8_t *p = d + 1 + 3 * i;
        if (p[0] == 0 || p[1] == 0)
            continue;
        if (p[0] > t->n_minutiae || p[1] > t->n_minutiae) {
            dropped++;
            continue;
        }
        rc[t->n_ridge_counts++] =
            (tern_ridge_count){.a = (uint16_t)(p[0] - 1), .b = (uint16_t)(p[1] - 1), .count = p[2]};
    }
    if (dropped)
        tpl_warn(rec, "view %u ridge count block at byte offset %zu: %u ridge counts name a "
                 "minutia beyond the %u recorded: dropped", view, at, dropped, t->n_minutiae);
    return TERN_OK;
}

/* ---- extended data: cores and deltas ------------------------------------ */

tern_status tpl_add_singular(tern_template *t, tern_singular sp, const float *extra,
                             tern_error *err)
{
    if (t->n_singular >= TERN_TEMPLATE_MAX_SINGULAR)
        return tern_error_set(err, TERN_E_LIMIT, "template: more than %u cores and deltas",
                              TERN_TEMPLATE_MAX_SINGULAR);
    size_t n = t->n_singular + 1;
    tern_singular *s = realloc(t->singular, n * sizeof *s);
    if (!s)
        return tern_error_set(err, TERN_E_NOMEM, "template: out of memory");
    t->singular = s;
    float *a = realloc(t->singular_angles, 2 * n * sizeof *a);
    if (!a)
        return tern_error_set(err, TERN_E_NOMEM, "template: out of memory");
    t->singular_angles = a;
    a[2 * n - 2] = extra ? extra[0] : sp.angle;
    a[2 * n - 1] = extra ? extra[1] : sp.angle;
    s[t->n_singular++] = sp;
    return TERN_OK;
}

/* One group (cores, then deltas) of a core/delta block. */
static tern_status read_points(tern_reader *r, tern_template *t, tpl_family family, uint8_t type,
                               size_t at, uint32_t view)
{
    uint8_t info;
    tern_status s = tern_reader_u8(r, &info);
    if (s)
        return s;
    unsigned count = family == TPL_FAMILY_ANSI ? (info & 0x0f) : info;
    bool group_angles = family == TPL_FAMILY_ANSI && (info >> 6) == 1;
    unsigned units = family == TPL_FAMILY_ANSI ? TPL_ANSI_ANGLE_UNITS : TPL_ISO_ANGLE_UNITS;
    unsigned n_angles = type == TERN_SINGULAR_DELTA ? 3 : 1;
    for (unsigned i = 0; i < count; i++) {
        uint16_t x, y;
        if ((s = tern_reader_u16be(r, &x)) || (s = tern_reader_u16be(r, &y)))
            return s;
        bool has = family == TPL_FAMILY_ISO ? (x >> 14) == 1 : group_angles;
        if ((t->width && (x & 0x3fffu) >= t->width) || (t->height && (y & 0x3fffu) >= t->height))
            return tern_reader_fail(r, TERN_E_FORMAT,
                                    "%s %u at (%u, %u) outside the declared %ux%u frame",
                                    type == TERN_SINGULAR_CORE ? "core" : "delta", i, x & 0x3fffu,
                                    y & 0x3fffu, t->width, t->height);
        tern_singular sp = {.x = (float)(x & 0x3fff), .y = (float)(y & 0x3fff), .type = type};
        float extra[2] = {0, 0};
        if (has) {
            uint8_t a[3];
            for (unsigned k = 0; k < n_angles; k++)
                if ((s = tern_reader_u8(r, &a[k])))
                    return s;
            sp.has_angle = (uint8_t)n_angles;
            sp.angle = tpl_angle_from_units(a[0], units);
            if (n_angles == 3) {
                extra[0] = tpl_angle_from_units(a[1], units);
                extra[1] = tpl_angle_from_units(a[2], units);
            }
        }
        if (n_angles == 1)
            extra[0] = extra[1] = sp.angle;
        if ((s = tpl_add_singular(t, sp, extra, r->err)))
            return tern_error_prefix(r->err, "view %u block at byte offset %zu: ", view, at);
    }
    return TERN_OK;
}

/* Reads a core/delta block whose declared data length is n; the content may
 * run on up to max bytes (a reference sample under-counts it). *used gets
 * the bytes the content took. */
static tern_status read_core_delta(const uint8_t *d, size_t n, size_t max, size_t at,
                                   tern_template *t, tpl_family family, tern_template_record *rec,
                                   uint32_t view, size_t *used, tern_error *err)
{
    tern_reader r;
    tern_reader_init(&r, d, max, "template core/delta block", err);
    tern_status s = read_points(&r, t, family, TERN_SINGULAR_CORE, at, view);
    if (!s)
        s = read_points(&r, t, family, TERN_SINGULAR_DELTA, at, view);
    if (s)
        return tern_error_prefix(err, "view %u core/delta block at byte offset %zu: ", view, at);
    *used = r.pos;
    if (r.pos > n)
        tpl_warn(rec, "view %u core/delta block at byte offset %zu: length field says %zu data "
                 "bytes, the content is %zu: the content was used", view, at, n, r.pos);
    else if (r.pos < n)
        tpl_warn(rec, "view %u core/delta block at byte offset %zu: %zu stray bytes ignored", view,
                 at, n - r.pos);
    return TERN_OK;
}

static tern_status keep_block(tern_template *t, uint16_t type, const uint8_t *d, size_t n,
                              size_t at, uint32_t view, tern_error *err)
{
    if (t->n_blocks >= TERN_TEMPLATE_MAX_BLOCKS)
        return tern_error_set(err, TERN_E_LIMIT,
                              "template: view %u extended data at byte offset %zu: more than %u "
                              "blocks", view, at, TERN_TEMPLATE_MAX_BLOCKS);
    tern_template_block *bl = realloc(t->blocks, (t->n_blocks + 1) * sizeof *bl);
    if (!bl)
        return tern_error_set(err, TERN_E_NOMEM, "template: out of memory");
    t->blocks = bl;
    tern_template_block *k = &bl[t->n_blocks];
    k->type = type;
    k->length = (uint16_t)n;
    k->data = NULL;
    if (n) {
        k->data = malloc(n);
        if (!k->data)
            return tern_error_set(err, TERN_E_NOMEM, "template: out of memory");
        memcpy(k->data, d, n);
    }
    t->n_blocks++;
    return TERN_OK;
}

/* True if the blocks from `at` chain exactly to `end` (each length >= 4). */
static bool blocks_chain(const uint8_t *data, size_t at, size_t end)
{
    while (at < end) {
        if (end - at < 4)
            return false;
        size_t blen = (size_t)data[at + 2] << 8 | data[at + 3];
        if (blen < 4 || blen > end - at)
            return false;
        at += blen;
    }
    return true;
}

/* Data length of the block whose header is at `at`: the standard reading
 * (length counts the 4-byte header) unless only the reading "length counts
 * the data alone" makes the blocks chain to the end (a reference sample's
 * erratum), which is then used with a warning. */
static size_t block_data_length(const tern_reader *r, size_t at, size_t blen, size_t end,
                                tern_template_record *rec, uint32_t view)
{
    if (at + blen <= end && blocks_chain(r->data, at + blen, end))
        return blen - 4;
    if (at + 4 + blen <= end && blocks_chain(r->data, at + 4 + blen, end)) {
        tpl_warn(rec, "view %u extended data block at byte offset %zu: length %zu read as "
                 "excluding the 4-byte block header (so the blocks chain to the end)", view, at,
                 blen);
        return blen;
    }
    return blen - 4;
}

static tern_status read_block(tern_reader *r, size_t *end, size_t limit, tern_template *t,
                              tpl_family family, tern_template_record *rec, uint32_t view)
{
    size_t at = r->pos;
    uint16_t type, blen;
    tern_reader_u16be(r, &type);
    tern_reader_u16be(r, &blen);
    if (blen < 4)
        return tern_error_set(r->err, TERN_E_FORMAT,
                              "template: view %u extended data block at byte offset %zu: length "
                              "%u is less than its 4-byte header", view, at, blen);
    size_t dlen = block_data_length(r, at, blen, *end, rec, view);
    if (dlen > *end - r->pos) {
        /* Only a core/delta block is self-delimiting: its content can show
         * that the length field, not the data, is wrong. */
        if (type != 0x0002)
            return tern_error_set(r->err, TERN_E_TRUNCATED,
                                  "template: view %u extended data block type 0x%04x at byte "
                                  "offset %zu: length %u runs %zu bytes past the end", view, type,
                                  at, blen, dlen - (*end - r->pos));
        tpl_warn(rec, "view %u extended data block type 0x%04x at byte offset %zu: length %u runs "
                 "%zu bytes past the extended data: its content was read", view, type, at, blen,
                 dlen - (*end - r->pos));
        dlen = *end - r->pos;
    }
    const uint8_t *d = r->data + r->pos;
    size_t used = dlen;
    tern_status s;
    if (type == 0x0001)
        s = read_ridge_counts(d, dlen, at, t, rec, view, r->err);
    else if (type == 0x0002)
        s = read_core_delta(d, dlen, limit - r->pos, at, t, family, rec, view, &used, r->err);
    else
        s = keep_block(t, type, d, dlen, at, view, r->err);
    if (s)
        return s;
    r->pos += used > dlen ? used : dlen;
    if (r->pos > *end)
        *end = r->pos;
    return TERN_OK;
}

tern_status tpl_read_extended(tern_reader *r, size_t limit, tern_template *t, tpl_family family,
                              tern_template_record *rec, uint32_t view)
{
    size_t at = r->pos;
    uint16_t total;
    tern_status s = tern_reader_u16be(r, &total);
    if (s)
        return tern_error_prefix(r->err, "view %u extended data length: ", view);
    size_t end = r->pos + total;
    if (end > limit) {
        tpl_warn(rec, "view %u extended data length %u at byte offset %zu runs %zu bytes past "
                 "the end of the record: read to the end", view, total, at, end - limit);
        end = limit;
    }
    while (r->pos < end) {
        if (end - r->pos < 4) {
            tpl_warn(rec, "view %u extended data at byte offset %zu: %zu stray bytes ignored",
                     view, r->pos, end - r->pos);
            break;
        }
        if ((s = read_block(r, &end, limit, t, family, rec, view)))
            return s;
    }
    r->pos = end;
    return TERN_OK;
}

/* ---- extended data: writing --------------------------------------------- */

static void count_points(const tern_template *t, uint8_t type, unsigned *n, bool *all_angles)
{
    *n = 0;
    *all_angles = true;
    for (uint32_t i = 0; i < t->n_singular; i++)
        if (t->singular[i].type == type) {
            (*n)++;
            if (!t->singular[i].has_angle)
                *all_angles = false;
        }
    if (!*n)
        *all_angles = false;
}

static size_t points_size(const tern_template *t, tpl_family family, uint8_t type)
{
    unsigned n;
    bool all;
    count_points(t, type, &n, &all);
    size_t per_angles = type == TERN_SINGULAR_DELTA ? 3 : 1;
    size_t size = 1 + 4 * (size_t)n;
    for (uint32_t i = 0; i < t->n_singular; i++) {
        const tern_singular *sp = &t->singular[i];
        if (sp->type == type && sp->has_angle && (family == TPL_FAMILY_ISO || all))
            size += per_angles;
    }
    return size;
}

tern_status tpl_extended_size(const tern_template *t, tpl_family family, size_t *size,
                              uint32_t view, tern_error *err)
{
    size_t n = 2;
    if (t->n_ridge_counts || t->ridge_count_method)
        n += 4 + 1 + 3 * (size_t)t->n_ridge_counts;
    if (t->n_singular)
        n += 4 + points_size(t, family, TERN_SINGULAR_CORE) +
             points_size(t, family, TERN_SINGULAR_DELTA);
    for (uint32_t i = 0; i < t->n_blocks; i++)
        n += 4 + (size_t)t->blocks[i].length;
    if (n - 2 > 65535)
        return tern_error_set(err, TERN_E_ARG,
                              "template: view %u: extended data of %zu bytes exceeds 65535", view,
                              n - 2);
    *size = n;
    return TERN_OK;
}

static tern_status write_points(tern_buf *b, const tern_template *t, tpl_family family,
                                uint8_t type, uint32_t view, tern_error *err)
{
    unsigned n;
    bool all;
    count_points(t, type, &n, &all);
    if (n > 15)
        return tern_error_set(err, TERN_E_ARG, "template: view %u: %u %s (the formats hold 15)",
                              view, n, type == TERN_SINGULAR_CORE ? "cores" : "deltas");
    unsigned units = family == TPL_FAMILY_ANSI ? TPL_ANSI_ANGLE_UNITS : TPL_ISO_ANGLE_UNITS;
    tern_buf_u8(b, (uint8_t)(family == TPL_FAMILY_ANSI ? (all ? 0x40u : 0u) | n : n));
    for (uint32_t i = 0; i < t->n_singular; i++) {
        const tern_singular *sp = &t->singular[i];
        if (sp->type != type)
            continue;
        uint16_t x = 0, y = 0;
        tern_status s = coordinate(sp->x, "singular point", view, i, &x, err);
        if (!s)
            s = coordinate(sp->y, "singular point", view, i, &y, err);
        if (s)
            return s;
        bool has = sp->has_angle && (family == TPL_FAMILY_ISO || all);
        tern_buf_u16be(b, (uint16_t)(family == TPL_FAMILY_ISO && has ? 0x4000u | x : x));
        tern_buf_u16be(b, y);
        if (!has)
            continue;
        tern_buf_u8(b, (uint8_t)tpl_angle_to_units(sp->angle, units));
        if (type == TERN_SINGULAR_DELTA) {
            /* A delta with one recorded direction is written with it thrice. */
            bool three = sp->has_angle == 3;
            tern_buf_u8(b, (uint8_t)tpl_angle_to_units(
                               three ? tpl_singular_extra(t, i, 0) : sp->angle, units));
            tern_buf_u8(b, (uint8_t)tpl_angle_to_units(
                               three ? tpl_singular_extra(t, i, 1) : sp->angle, units));
        }
    }
    return TERN_OK;
}

tern_status tpl_write_extended(tern_buf *b, const tern_template *t, tpl_family family,
                               uint32_t view, tern_error *err)
{
    size_t size;
    tern_status s = tpl_extended_size(t, family, &size, view, err);
    if (s)
        return s;
    tern_buf_u16be(b, (uint16_t)(size - 2));
    if (t->n_ridge_counts || t->ridge_count_method) {
        tern_buf_u16be(b, 0x0001);
        tern_buf_u16be(b, (uint16_t)(4 + 1 + 3 * t->n_ridge_counts));
        tern_buf_u8(b, t->ridge_count_method);
        for (uint32_t i = 0; i < t->n_ridge_counts; i++) {
            const tern_ridge_count *rc = &t->ridge_counts[i];
            if (rc->a >= t->n_minutiae || rc->b >= t->n_minutiae || rc->a > 254 || rc->b > 254)
                return tern_error_set(err, TERN_E_ARG,
                                      "template: view %u ridge count %u: minutia index %u or %u "
                                      "beyond the minutiae", view, i, rc->a, rc->b);
            tern_buf_u8(b, (uint8_t)(rc->a + 1)); /* the formats count from 1 */
            tern_buf_u8(b, (uint8_t)(rc->b + 1));
            tern_buf_u8(b, rc->count);
        }
    }
    if (t->n_singular) {
        size_t n = 4 + points_size(t, family, TERN_SINGULAR_CORE) +
                   points_size(t, family, TERN_SINGULAR_DELTA);
        tern_buf_u16be(b, 0x0002);
        tern_buf_u16be(b, (uint16_t)n);
        if ((s = write_points(b, t, family, TERN_SINGULAR_CORE, view, err)) ||
            (s = write_points(b, t, family, TERN_SINGULAR_DELTA, view, err)))
            return s;
    }
    for (uint32_t i = 0; i < t->n_blocks; i++) {
        tern_buf_u16be(b, t->blocks[i].type);
        tern_buf_u16be(b, (uint16_t)(4 + t->blocks[i].length));
        tern_buf_put(b, t->blocks[i].data, t->blocks[i].length);
    }
    return TERN_OK;
}

/* ---- record checks ------------------------------------------------------ */

tern_status tpl_check_declared(tern_reader *r, size_t declared)
{
    if (declared > r->len)
        return tern_error_set(r->err, TERN_E_TRUNCATED,
                              "%s: length field at byte offset 8 says %zu bytes, the input holds "
                              "%zu", r->what, declared, r->len);
    return TERN_OK;
}

void tpl_check_record_length(tern_template_record *rec, size_t declared, size_t parsed,
                             size_t actual)
{
    if (declared == parsed && parsed == actual)
        return;
    if (declared != parsed)
        tpl_warn(rec, "record length field says %zu bytes but the content is %zu bytes "
                 "(%zu in the input): the content was used", declared, parsed, actual);
    else if (actual > parsed)
        tpl_warn(rec, "%zu bytes after the end of the record ignored", actual - parsed);
}

tern_status tpl_common_frame(const tern_template_record *rec, tern_template_format target,
                             tern_error *err)
{
    const tern_template *f = rec->views[0];
    for (uint32_t i = 1; i < rec->n_views; i++) {
        const tern_template *v = rec->views[i];
        if (v->width != f->width || v->height != f->height ||
            tpl_pxcm_from_ppi(v->ppi_x) != tpl_pxcm_from_ppi(f->ppi_x) ||
            tpl_pxcm_from_ppi(v->ppi_y) != tpl_pxcm_from_ppi(f->ppi_y))
            return tern_error_set(err, TERN_E_ARG,
                                  "template: view %u has another frame size or resolution than "
                                  "view 0; %s holds one per record", i,
                                  tern_template_format_name(target));
    }
    return TERN_OK;
}

tern_status tpl_add_view(tern_template_record *rec, uint32_t n_minutiae, tern_template **out,
                         tern_error *err)
{
    tern_template *t;
    tern_status s = tern_template_create(n_minutiae, &t, err);
    if (s)
        return s;
    rec->views[rec->n_views++] = t;
    *out = t;
    return TERN_OK;
}

bool tpl_has_magic(const uint8_t *data, size_t len, const char magic[8])
{
    return len >= 8 && memcmp(data, magic, 8) == 0;
}

void tpl_patch_u32(tern_buf *b, size_t offset, uint32_t v)
{
    if (b->failed || b->len < offset + 4)
        return;
    b->data[offset] = (uint8_t)(v >> 24);
    b->data[offset + 1] = (uint8_t)(v >> 16);
    b->data[offset + 2] = (uint8_t)(v >> 8);
    b->data[offset + 3] = (uint8_t)v;
}

tern_status tpl_frame_fields(const tern_template *t, uint32_t view, uint16_t f[4],
                             tern_error *err)
{
    if (t->width > 65535 || t->height > 65535)
        return tern_error_set(err, TERN_E_ARG, "template: view %u: frame %ux%u exceeds 65535",
                              view, t->width, t->height);
    f[0] = (uint16_t)t->width;
    f[1] = (uint16_t)t->height;
    f[2] = tpl_pxcm_from_ppi(t->ppi_x);
    f[3] = tpl_pxcm_from_ppi(t->ppi_y);
    if (!f[2] || !f[3])
        return tern_error_set(err, TERN_E_ARG, "template: view %u: resolution unknown (ppi 0)",
                              view);
    return TERN_OK;
}

tern_status tpl_read_views_2004(tern_reader *r, size_t len, tern_template_record *rec,
                                uint32_t n_views, const tpl_frame_2004 *frame,
                                unsigned angle_units, tpl_family family)
{
    tern_error *err = r->err;
    tern_status s = TERN_OK;
    for (uint32_t v = 0; v < n_views && !s; v++) {
        uint8_t pos, view_imp, quality, n_min;
        if ((s = tern_reader_u8(r, &pos)) || (s = tern_reader_u8(r, &view_imp)) ||
            (s = tern_reader_u8(r, &quality)) || (s = tern_reader_u8(r, &n_min))) {
            tern_error_prefix(err, "view %u header: ", v);
            break;
        }
        tern_template *t;
        if ((s = tpl_add_view(rec, n_min, &t, err)))
            break;
        t->width = frame->width;
        t->height = frame->height;
        t->ppi_x = tpl_ppi_from_pxcm(frame->xres);
        t->ppi_y = tpl_ppi_from_pxcm(frame->yres);
        t->finger_position = pos;
        t->view_number = view_imp >> 4;
        t->impression_type = view_imp & 0x0f;
        t->quality = tpl_quality_from_record(quality, TPL_QUALITY_ZERO_UNSET);
        s = tpl_read_minutiae(r, t, n_min, 6, angle_units, TPL_QUALITY_ZERO_UNSET, rec, v);
        if (!s)
            s = tpl_read_extended(r, len, t, family, rec, v);
    }
    return s;
}

tern_status tpl_check_views(tern_reader *r, unsigned n, size_t min_view, const char *what)
{
    if (n == 0)
        return tern_reader_fail(r, TERN_E_FORMAT, "%s count is 0", what);
    if ((size_t)n * min_view > tern_reader_left(r))
        return tern_reader_fail(r, TERN_E_FORMAT,
                                "%s count %u needs at least %zu bytes, only %zu remain", what, n,
                                (size_t)n * min_view, tern_reader_left(r));
    return TERN_OK;
}
