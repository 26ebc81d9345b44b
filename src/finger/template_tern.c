/* template_tern.c - Tern's internal template format ("TRNT"), version 1.1:
 * a fixed header (frame, resolution as IEEE-754 binary64, finger, quality,
 * counts, engine, capture provenance), then typed sections (2-byte type,
 * 2-byte flags, 4-byte length), then a CRC-32 of everything before it. All
 * integers are big-endian. A reader skips header bytes and sections it does
 * not know, so later minor versions can add fields and sections (face,
 * latents, indexes) without breaking it; a new major version is refused.
 * 1.1 adds section 5, the coarse orientation field (optional; a 1.0 reader
 * skips it).
 * Byte-by-byte layout: docs/templates.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "finger/template_priv.h"

#define TERN_FMT_MAJOR 1u
#define TERN_FMT_MINOR 1u
#define HEADER_V1 100u
#define SECTION_HEADER 8u
#define CRC_BYTES 4u

enum section_type {
    SECTION_MINUTIAE = 1,  /* 12 bytes each */
    SECTION_SINGULAR = 2,  /* 16 bytes each */
    SECTION_RIDGE_COUNTS = 3, /* 5 bytes each */
    SECTION_BLOCKS = 4,    /* 2-byte type, 2-byte length, data; each */
    SECTION_ORIENT = 5,    /* the orientation field: grid, foreground bitmap, nibbles */
};
#define ORIENT_HEAD 12u    /* cols (2), rows (2), cell_x, cell_y (4 each, 1/256 px) */
#define ORIENT_MAX_CELL (65535u * 256u) /* 1/256 px: exact as a float */
#define MINUTIA_BYTES 12u
#define SINGULAR_BYTES 16u
#define RIDGE_COUNT_BYTES 5u

/* Positions: 1/256 pixel, signed 32 bits. Angles: 1/65536 turn. */
#define POS_SCALE 256.0
#define ANGLE_UNITS 65536u

/* CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, initial and final
 * value 0xFFFFFFFF), four bits at a time. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t nibble[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c};
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ nibble[crc & 15];
        crc = (crc >> 4) ^ nibble[crc & 15];
    }
    return crc;
}

static uint32_t crc32(const uint8_t *p, size_t n) { return ~crc32_update(~0u, p, n); }

static uint64_t double_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static double bits_double(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static tern_status fixed_position(float v, const char *what, uint32_t i, uint32_t *out,
                                  tern_error *err)
{
    double s = (double)v * POS_SCALE;
    if (!(s >= -2147483648.0 && s <= 2147483647.0))
        return tern_error_set(err, TERN_E_ARG, "template: %s %u: position %g out of range", what, i,
                              (double)v);
    *out = (uint32_t)(int32_t)lround(s);
    return TERN_OK;
}

static float from_fixed(uint32_t u) { return (float)((double)(int32_t)u / POS_SCALE); }

/* ---- writer ------------------------------------------------------------------- */

static void section(tern_buf *b, uint16_t type, size_t length)
{
    tern_buf_u16be(b, type);
    tern_buf_u16be(b, 0);
    tern_buf_u32be(b, (uint32_t)length);
}

static void write_header(tern_buf *b, const tern_template *t)
{
    tern_buf_put(b, TPL_TERN_MAGIC, 4);
    tern_buf_u8(b, TERN_FMT_MAJOR);
    tern_buf_u8(b, TERN_FMT_MINOR);
    tern_buf_u16be(b, HEADER_V1);
    tern_buf_u32be(b, 0); /* total length, patched */
    tern_buf_u32be(b, t->width);
    tern_buf_u32be(b, t->height);
    uint64_t px = double_bits(t->ppi_x), py = double_bits(t->ppi_y);
    tern_buf_u32be(b, (uint32_t)(px >> 32));
    tern_buf_u32be(b, (uint32_t)px);
    tern_buf_u32be(b, (uint32_t)(py >> 32));
    tern_buf_u32be(b, (uint32_t)py);
    tern_buf_u8(b, t->finger_position);
    tern_buf_u8(b, t->impression_type);
    tern_buf_u8(b, t->quality);
    tern_buf_u8(b, t->view_number);
    tern_buf_u16be(b, (uint16_t)t->n_minutiae);
    tern_buf_u16be(b, (uint16_t)t->n_singular);
    tern_buf_u16be(b, (uint16_t)t->n_ridge_counts);
    tern_buf_u8(b, t->ridge_count_method);
    tern_buf_u8(b, t->ridge_ending_type);
    char engine[sizeof t->engine] = {0};
    memcpy(engine, t->engine, strnlen(t->engine, sizeof engine - 1));
    tern_buf_put(b, engine, sizeof engine);
    tern_buf_u16be(b, t->quality_vendor);
    tern_buf_u16be(b, t->quality_algorithm);
    tern_buf_u16be(b, t->device_vendor);
    tern_buf_u16be(b, t->device_type);
    tern_buf_u8(b, t->device_technology);
    tern_buf_u8(b, 0);
    const tern_capture_time *ct = &t->capture_time;
    tern_buf_u16be(b, ct->year);
    tern_buf_u8(b, ct->month);
    tern_buf_u8(b, ct->day);
    tern_buf_u8(b, ct->hour);
    tern_buf_u8(b, ct->minute);
    tern_buf_u8(b, ct->second);
    tern_buf_u16be(b, ct->millisecond);
    tern_buf_u8(b, 0);
}

/* The body of section 5 after its head: which cells are foreground (one
 * bit a cell, row by row, most significant bit first), then the foreground
 * cells' orientations minus 1, four bits each, high nibble first. */
static size_t orient_body(const tern_orientation_field *f)
{
    size_t n = (size_t)f->cols * f->rows, fg = 0;
    for (size_t i = 0; i < n; i++)
        fg += f->cells[i] != 0;
    return ORIENT_HEAD + (n + 7) / 8 + (fg + 1) / 2;
}

static tern_status check_orient(const tern_orientation_field *f, tern_error *err)
{
    if (!f->cols && !f->rows && !f->cells)
        return TERN_OK;
    if (!f->cols || !f->rows || !f->cells || (size_t)f->cols * f->rows > TERN_ORIENT_MAX_CELLS ||
        !(f->cell_x * POS_SCALE >= 0.5 && f->cell_x * POS_SCALE <= ORIENT_MAX_CELL) ||
        !(f->cell_y * POS_SCALE >= 0.5 && f->cell_y * POS_SCALE <= ORIENT_MAX_CELL))
        return tern_error_set(err, TERN_E_ARG, "template: orientation field %ux%u cells of "
                              "%gx%g px is not a valid grid (at most %u cells of 1/256 to 65535 px)", f->cols, f->rows,
                              (double)f->cell_x, (double)f->cell_y, TERN_ORIENT_MAX_CELLS);
    for (size_t i = 0; i < (size_t)f->cols * f->rows; i++)
        if (f->cells[i] > TERN_ORIENT_LEVELS)
            return tern_error_set(err, TERN_E_ARG, "template: orientation field cell %zu holds "
                                  "%u (at most %u)", i, f->cells[i], TERN_ORIENT_LEVELS);
    return TERN_OK;
}

static tern_status write_orient(tern_buf *b, const tern_orientation_field *f, tern_error *err)
{
    tern_status s = check_orient(f, err);
    if (s || !f->cols)
        return s;
    size_t n = (size_t)f->cols * f->rows;
    section(b, SECTION_ORIENT, orient_body(f));
    tern_buf_u16be(b, f->cols);
    tern_buf_u16be(b, f->rows);
    tern_buf_u32be(b, (uint32_t)lround(f->cell_x * POS_SCALE));
    tern_buf_u32be(b, (uint32_t)lround(f->cell_y * POS_SCALE));
    for (size_t i = 0; i < n; i += 8) {
        uint8_t v = 0;
        for (size_t k = 0; k < 8; k++)
            v = (uint8_t)(v << 1 | (i + k < n && f->cells[i + k] != 0));
        tern_buf_u8(b, v);
    }
    int half = 0;
    uint8_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!f->cells[i])
            continue;
        v = (uint8_t)(v << 4 | (f->cells[i] - 1));
        if ((half ^= 1) == 0)
            tern_buf_u8(b, v), v = 0;
    }
    if (half)
        tern_buf_u8(b, (uint8_t)(v << 4));
    return TERN_OK;
}

static tern_status write_sections(tern_buf *b, const tern_template *t, tern_error *err)
{
    tern_status s;
    uint32_t x = 0, y = 0;
    section(b, SECTION_MINUTIAE, (size_t)t->n_minutiae * MINUTIA_BYTES);
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        const tern_minutia *m = &t->minutiae[i];
        if ((s = fixed_position(m->x, "minutia", i, &x, err)) ||
            (s = fixed_position(m->y, "minutia", i, &y, err)))
            return s;
        tern_buf_u32be(b, x);
        tern_buf_u32be(b, y);
        tern_buf_u16be(b, (uint16_t)tpl_angle_to_units(m->angle, ANGLE_UNITS));
        tern_buf_u8(b, m->type);
        tern_buf_u8(b, m->quality);
    }
    if (t->n_singular) {
        section(b, SECTION_SINGULAR, (size_t)t->n_singular * SINGULAR_BYTES);
        for (uint32_t i = 0; i < t->n_singular; i++) {
            const tern_singular *sp = &t->singular[i];
            if ((s = fixed_position(sp->x, "singular point", i, &x, err)) ||
                (s = fixed_position(sp->y, "singular point", i, &y, err)))
                return s;
            tern_buf_u32be(b, x);
            tern_buf_u32be(b, y);
            tern_buf_u8(b, sp->type);
            tern_buf_u8(b, sp->has_angle);
            tern_buf_u16be(b, (uint16_t)tpl_angle_to_units(sp->angle, ANGLE_UNITS));
            tern_buf_u16be(b, (uint16_t)tpl_angle_to_units(tpl_singular_extra(t, i, 0),
                                                           ANGLE_UNITS));
            tern_buf_u16be(b, (uint16_t)tpl_angle_to_units(tpl_singular_extra(t, i, 1),
                                                           ANGLE_UNITS));
        }
    }
    if (t->n_ridge_counts) {
        section(b, SECTION_RIDGE_COUNTS, (size_t)t->n_ridge_counts * RIDGE_COUNT_BYTES);
        for (uint32_t i = 0; i < t->n_ridge_counts; i++) {
            tern_buf_u16be(b, t->ridge_counts[i].a);
            tern_buf_u16be(b, t->ridge_counts[i].b);
            tern_buf_u8(b, t->ridge_counts[i].count);
        }
    }
    if (t->n_blocks) {
        size_t n = 0;
        for (uint32_t i = 0; i < t->n_blocks; i++)
            n += 4 + (size_t)t->blocks[i].length;
        section(b, SECTION_BLOCKS, n);
        for (uint32_t i = 0; i < t->n_blocks; i++) {
            tern_buf_u16be(b, t->blocks[i].type);
            tern_buf_u16be(b, t->blocks[i].length);
            tern_buf_put(b, t->blocks[i].data, t->blocks[i].length);
        }
    }
    return write_orient(b, &t->orient, err);
}

tern_status tpl_tern_encode(const tern_template *t, tern_buf *b, tern_error *err)
{
    if (t->n_minutiae > TERN_TEMPLATE_MAX_MINUTIAE || t->n_singular > TERN_TEMPLATE_MAX_SINGULAR ||
        t->n_ridge_counts > TERN_TEMPLATE_MAX_RIDGE_COUNTS || t->n_blocks > TERN_TEMPLATE_MAX_BLOCKS)
        return tern_error_set(err, TERN_E_LIMIT,
                              "template: %u minutiae, %u singular points, %u ridge counts, %u "
                              "blocks exceed the limits (%u, %u, %u, %u)",
                              t->n_minutiae, t->n_singular, t->n_ridge_counts, t->n_blocks,
                              TERN_TEMPLATE_MAX_MINUTIAE, TERN_TEMPLATE_MAX_SINGULAR,
                              TERN_TEMPLATE_MAX_RIDGE_COUNTS, TERN_TEMPLATE_MAX_BLOCKS);
    size_t start = b->len;
    write_header(b, t);
    tern_status s = write_sections(b, t, err);
    if (s)
        return s;
    tpl_patch_u32(b, start + 8, (uint32_t)(b->len - start + CRC_BYTES));
    if (b->failed)
        return tern_buf_status(b, err);
    tern_buf_u32be(b, crc32(b->data + start, b->len - start));
    return TERN_OK;
}

/* ---- reader -------------------------------------------------------------------- */

typedef struct counts {
    uint16_t minutiae, singular, ridge_counts;
} counts;

static tern_status read_header(tern_reader *r, tern_template *t, counts *c)
{
    uint32_t w[6];
    uint8_t b[6];
    tern_status s = TERN_OK;
    r->pos = 12;
    for (int i = 0; i < 6 && !s; i++)
        s = tern_reader_u32be(r, &w[i]);
    for (int i = 0; i < 4 && !s; i++)
        s = tern_reader_u8(r, &b[i]);
    if (s || (s = tern_reader_u16be(r, &c->minutiae)) || (s = tern_reader_u16be(r, &c->singular)) ||
        (s = tern_reader_u16be(r, &c->ridge_counts)) || (s = tern_reader_u8(r, &b[4])) ||
        (s = tern_reader_u8(r, &b[5])))
        return s;
    t->width = w[0];
    t->height = w[1];
    t->ppi_x = bits_double((uint64_t)w[2] << 32 | w[3]);
    t->ppi_y = bits_double((uint64_t)w[4] << 32 | w[5]);
    t->finger_position = b[0];
    t->impression_type = b[1];
    t->quality = b[2];
    t->view_number = b[3];
    t->ridge_count_method = b[4];
    t->ridge_ending_type = b[5];
    const uint8_t *engine;
    if ((s = tern_reader_bytes(r, sizeof t->engine, &engine)))
        return s;
    memcpy(t->engine, engine, sizeof t->engine - 1);
    t->engine[sizeof t->engine - 1] = 0;
    tern_capture_time *ct = &t->capture_time;
    uint8_t pad;
    if ((s = tern_reader_u16be(r, &t->quality_vendor)) ||
        (s = tern_reader_u16be(r, &t->quality_algorithm)) ||
        (s = tern_reader_u16be(r, &t->device_vendor)) ||
        (s = tern_reader_u16be(r, &t->device_type)) ||
        (s = tern_reader_u8(r, &t->device_technology)) || (s = tern_reader_u8(r, &pad)) ||
        (s = tern_reader_u16be(r, &ct->year)) || (s = tern_reader_u8(r, &ct->month)) ||
        (s = tern_reader_u8(r, &ct->day)) || (s = tern_reader_u8(r, &ct->hour)) ||
        (s = tern_reader_u8(r, &ct->minute)) || (s = tern_reader_u8(r, &ct->second)) ||
        (s = tern_reader_u16be(r, &ct->millisecond)))
        return s;
    if (!(t->ppi_x >= 0 && t->ppi_x < 1e6) || !(t->ppi_y >= 0 && t->ppi_y < 1e6))
        return tern_error_set(r->err, TERN_E_FORMAT,
                              "Tern template: resolution at byte offset 20 is not a number in "
                              "[0, 1e6) ppi");
    if (c->minutiae > TERN_TEMPLATE_MAX_MINUTIAE || c->singular > TERN_TEMPLATE_MAX_SINGULAR ||
        c->ridge_counts > TERN_TEMPLATE_MAX_RIDGE_COUNTS)
        return tern_error_set(r->err, TERN_E_LIMIT,
                              "Tern template: counts at byte offset 40 (%u minutiae, %u singular "
                              "points, %u ridge counts) exceed the limits (%u, %u, %u)",
                              c->minutiae, c->singular, c->ridge_counts, TERN_TEMPLATE_MAX_MINUTIAE,
                              TERN_TEMPLATE_MAX_SINGULAR, TERN_TEMPLATE_MAX_RIDGE_COUNTS);
    return TERN_OK;
}

static tern_status read_minutiae(tern_reader *r, tern_template *t)
{
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        uint32_t x, y;
        uint16_t a;
        uint8_t type, q;
        tern_reader_u32be(r, &x);
        tern_reader_u32be(r, &y);
        tern_reader_u16be(r, &a);
        tern_reader_u8(r, &type);
        tern_reader_u8(r, &q);
        if (type > TERN_MINUTIA_BIFURCATION || q > 100)
            return tern_error_set(r->err, TERN_E_FORMAT,
                                  "Tern template: minutia %u at byte offset %zu: type %u or "
                                  "quality %u out of range", i, r->pos - MINUTIA_BYTES, type, q);
        t->minutiae[i] = (tern_minutia){from_fixed(x), from_fixed(y),
                                        tpl_angle_from_units(a, ANGLE_UNITS), type, q};
    }
    return TERN_OK;
}

static tern_status read_singular(tern_reader *r, tern_template *t, uint16_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x, y;
        uint8_t type, has;
        uint16_t a[3];
        tern_reader_u32be(r, &x);
        tern_reader_u32be(r, &y);
        tern_reader_u8(r, &type);
        tern_reader_u8(r, &has);
        for (int k = 0; k < 3; k++)
            tern_reader_u16be(r, &a[k]);
        if ((type != TERN_SINGULAR_CORE && type != TERN_SINGULAR_DELTA) ||
            (has != 0 && has != 1 && has != 3))
            return tern_error_set(r->err, TERN_E_FORMAT,
                                  "Tern template: singular point %u at byte offset %zu: type %u "
                                  "or angle count %u invalid", i, r->pos - SINGULAR_BYTES, type,
                                  has);
        tern_singular sp = {.x = from_fixed(x), .y = from_fixed(y), .type = type,
                            .has_angle = has, .angle = tpl_angle_from_units(a[0], ANGLE_UNITS)};
        const float extra[2] = {tpl_angle_from_units(a[1], ANGLE_UNITS),
                                tpl_angle_from_units(a[2], ANGLE_UNITS)};
        tern_status s = tpl_add_singular(t, sp, extra, r->err);
        if (s)
            return s;
    }
    return TERN_OK;
}

static tern_status read_ridge_counts(tern_reader *r, tern_template *t, uint16_t n)
{
    t->ridge_counts = calloc(n, sizeof *t->ridge_counts);
    if (!t->ridge_counts)
        return tern_error_set(r->err, TERN_E_NOMEM, "Tern template: out of memory");
    t->n_ridge_counts = n;
    for (uint32_t i = 0; i < n; i++) {
        tern_ridge_count *rc = &t->ridge_counts[i];
        tern_reader_u16be(r, &rc->a);
        tern_reader_u16be(r, &rc->b);
        tern_reader_u8(r, &rc->count);
        if (rc->a >= t->n_minutiae || rc->b >= t->n_minutiae)
            return tern_error_set(r->err, TERN_E_FORMAT,
                                  "Tern template: ridge count %u at byte offset %zu names a "
                                  "minutia beyond %u", i, r->pos - RIDGE_COUNT_BYTES,
                                  t->n_minutiae);
    }
    return TERN_OK;
}

static tern_status read_blocks(tern_reader *r, tern_template *t, size_t end)
{
    while (r->pos < end) {
        size_t at = r->pos;
        uint16_t type, length;
        const uint8_t *d;
        if (end - r->pos < 4 || (tern_reader_u16be(r, &type), tern_reader_u16be(r, &length),
                                 length > end - r->pos))
            return tern_error_set(r->err, TERN_E_FORMAT,
                                  "Tern template: block at byte offset %zu overruns its section",
                                  at);
        if (t->n_blocks >= TERN_TEMPLATE_MAX_BLOCKS)
            return tern_error_set(r->err, TERN_E_LIMIT,
                                  "Tern template: more than %u blocks (byte offset %zu)",
                                  TERN_TEMPLATE_MAX_BLOCKS, at);
        tern_reader_bytes(r, length, &d);
        tern_template_block *bl = realloc(t->blocks, (t->n_blocks + 1) * sizeof *bl);
        if (!bl)
            return tern_error_set(r->err, TERN_E_NOMEM, "Tern template: out of memory");
        t->blocks = bl;
        bl[t->n_blocks] = (tern_template_block){type, length, NULL};
        if (length && !(bl[t->n_blocks].data = malloc(length)))
            return tern_error_set(r->err, TERN_E_NOMEM, "Tern template: out of memory");
        if (length)
            memcpy(bl[t->n_blocks].data, d, length);
        t->n_blocks++;
    }
    return TERN_OK;
}

/* Section 5 (length bytes at r): the orientation field. */
static tern_status read_orient(tern_reader *r, tern_template *t, size_t length)
{
    size_t at = r->pos;
    tern_orientation_field *f = &t->orient;
    uint32_t cx, cy;
    if (length < ORIENT_HEAD)
        return tern_error_set(r->err, TERN_E_FORMAT, "Tern template: orientation section at byte "
                              "offset %zu: %zu bytes, shorter than its head", at, length);
    tern_reader_u16be(r, &f->cols);
    tern_reader_u16be(r, &f->rows);
    tern_reader_u32be(r, &cx);
    tern_reader_u32be(r, &cy);
    size_t n = (size_t)f->cols * f->rows;
    if (!n || n > TERN_ORIENT_MAX_CELLS || !cx || !cy || cx > ORIENT_MAX_CELL || cy > ORIENT_MAX_CELL)
        return tern_error_set(r->err, TERN_E_FORMAT, "Tern template: orientation field at byte "
                              "offset %zu: %ux%u cells of %u/256 x %u/256 px (1 to %u cells, "
                              "each 1/256 to 65535 px a side)", at, f->cols, f->rows, cx, cy,
                              TERN_ORIENT_MAX_CELLS);
    f->cell_x = (float)(cx / POS_SCALE), f->cell_y = (float)(cy / POS_SCALE);
    size_t bitmap = (n + 7) / 8;
    const uint8_t *bits, *nib;
    if (length < ORIENT_HEAD + bitmap)
        return tern_error_set(r->err, TERN_E_FORMAT, "Tern template: orientation field at byte "
                              "offset %zu: %zu bytes cannot hold the bitmap of %zu cells", at,
                              length, n);
    tern_reader_bytes(r, bitmap, &bits);
    size_t fg = 0;
    for (size_t i = 0; i < n; i++)
        fg += (bits[i / 8] >> (7 - i % 8)) & 1u;
    if (length != ORIENT_HEAD + bitmap + (fg + 1) / 2)
        return tern_error_set(r->err, TERN_E_FORMAT, "Tern template: orientation field at byte "
                              "offset %zu: length %zu, its %zu foreground cells need %zu", at,
                              length, fg, ORIENT_HEAD + bitmap + (fg + 1) / 2);
    tern_reader_bytes(r, (fg + 1) / 2, &nib);
    if (!(f->cells = calloc(n, 1)))
        return tern_error_set(r->err, TERN_E_NOMEM, "Tern template: out of memory");
    for (size_t i = 0, k = 0; i < n; i++)
        if ((bits[i / 8] >> (7 - i % 8)) & 1u) {
            f->cells[i] = (uint8_t)(1 + ((nib[k / 2] >> (k % 2 ? 0 : 4)) & 15u));
            k++;
        }
    return TERN_OK;
}

/* Reads the sections between the header and the CRC. */
static tern_status read_sections(tern_reader *r, tern_template *t, const counts *c, size_t end)
{
    static const uint32_t element[] = {0, MINUTIA_BYTES, SINGULAR_BYTES, RIDGE_COUNT_BYTES};
    const uint16_t expected[] = {0, c->minutiae, c->singular, c->ridge_counts};
    bool seen[SECTION_ORIENT + 1] = {false};
    tern_status s = TERN_OK;
    while (r->pos < end && !s) {
        size_t at = r->pos;
        uint16_t type, flags;
        uint32_t length;
        if (end - r->pos < SECTION_HEADER)
            return tern_error_set(r->err, TERN_E_FORMAT,
                                  "Tern template: %zu stray bytes at byte offset %zu", end - at, at);
        tern_reader_u16be(r, &type);
        tern_reader_u16be(r, &flags);
        tern_reader_u32be(r, &length);
        if (length > end - r->pos)
            return tern_error_set(r->err, TERN_E_FORMAT,
                                  "Tern template: section %u at byte offset %zu: length %u runs "
                                  "past the CRC", type, at, length);
        if (type < SECTION_MINUTIAE || type > SECTION_ORIENT) {
            r->pos += length; /* a section of a later version */
            continue;
        }
        if (seen[type])
            return tern_error_set(r->err, TERN_E_FORMAT,
                                  "Tern template: section %u repeated at byte offset %zu", type, at);
        seen[type] = true;
        if (type < SECTION_BLOCKS && length != (size_t)expected[type] * element[type])
            return tern_error_set(r->err, TERN_E_FORMAT,
                                  "Tern template: section %u at byte offset %zu: length %u, the "
                                  "header's count needs %zu", type, at, length,
                                  (size_t)expected[type] * element[type]);
        if (type == SECTION_MINUTIAE)
            s = read_minutiae(r, t);
        else if (type == SECTION_SINGULAR)
            s = read_singular(r, t, c->singular);
        else if (type == SECTION_RIDGE_COUNTS)
            s = read_ridge_counts(r, t, c->ridge_counts);
        else if (type == SECTION_ORIENT)
            s = read_orient(r, t, length);
        else
            s = read_blocks(r, t, r->pos + length);
    }
    if (!s && ((c->minutiae && !seen[SECTION_MINUTIAE]) || (c->singular && !seen[SECTION_SINGULAR]) ||
               (c->ridge_counts && !seen[SECTION_RIDGE_COUNTS])))
        return tern_error_set(r->err, TERN_E_FORMAT,
                              "Tern template: a section announced by the header's counts is "
                              "missing");
    return s;
}

static tern_status check_frame(tern_reader *r, size_t len, uint16_t *hlen, uint32_t *total)
{
    uint8_t major, minor;
    tern_status s;
    r->pos = 4;
    if ((s = tern_reader_u8(r, &major)) || (s = tern_reader_u8(r, &minor)) ||
        (s = tern_reader_u16be(r, hlen)) || (s = tern_reader_u32be(r, total)))
        return s;
    if (major != TERN_FMT_MAJOR)
        return tern_error_set(r->err, TERN_E_UNSUPPORTED,
                              "Tern template: version %u.%u at byte offset 4 (this reader knows "
                              "%u.x)", major, minor, TERN_FMT_MAJOR);
    if (*hlen < HEADER_V1)
        return tern_error_set(r->err, TERN_E_FORMAT,
                              "Tern template: header length %u at byte offset 6 (at least %u)",
                              *hlen, HEADER_V1);
    if (*total != len)
        return tern_error_set(r->err, *total > len ? TERN_E_TRUNCATED : TERN_E_FORMAT,
                              "Tern template: total length %u at byte offset 8, but the input "
                              "holds %zu bytes", *total, len);
    if (*total < (uint32_t)*hlen + CRC_BYTES)
        return tern_error_set(r->err, TERN_E_FORMAT,
                              "Tern template: total length %u at byte offset 8 is shorter than "
                              "the header and CRC", *total);
    uint32_t stored = (uint32_t)r->data[len - 4] << 24 | (uint32_t)r->data[len - 3] << 16 |
                      (uint32_t)r->data[len - 2] << 8 | r->data[len - 1];
    uint32_t computed = crc32(r->data, len - CRC_BYTES);
    if (stored != computed)
        return tern_error_set(r->err, TERN_E_FORMAT,
                              "Tern template: CRC-32 at byte offset %zu is 0x%08x, the content's "
                              "is 0x%08x", len - CRC_BYTES, stored, computed);
    return TERN_OK;
}

tern_status tpl_tern_decode(const uint8_t *data, size_t len, tern_template_record **out,
                            tern_error *err)
{
    *out = NULL;
    tern_reader r;
    tern_reader_init(&r, data, len, "Tern template", err);
    if (len < 4 || memcmp(data, TPL_TERN_MAGIC, 4) != 0)
        return tern_reader_fail(&r, TERN_E_FORMAT, "not a Tern template (magic TRNT)");
    uint16_t hlen;
    uint32_t total;
    tern_status s = check_frame(&r, len, &hlen, &total);
    if (s)
        return s;
    tern_template tmp = {0};
    counts c;
    if ((s = read_header(&r, &tmp, &c)))
        return s;
    tern_template_record *rec;
    if ((s = tpl_record_new(TERN_TEMPLATE_FORMAT_TERN, 1, &rec, err)))
        return s;
    tern_template *t;
    if ((s = tpl_add_view(rec, c.minutiae, &t, err))) {
        tern_template_record_free(rec);
        return s;
    }
    tern_minutia *m = t->minutiae;
    *t = tmp;
    t->minutiae = m;
    t->n_minutiae = c.minutiae;
    r.pos = hlen;
    if ((s = read_sections(&r, t, &c, len - CRC_BYTES))) {
        tern_template_record_free(rec);
        return s;
    }
    *out = rec;
    return TERN_OK;
}
