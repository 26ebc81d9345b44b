/* template_ansi.c - ANSI INCITS 378 finger minutiae records: 2004 (clause 6,
 * "FMR\0" " 20\0"), 2009 ("FMR\0" "030\0") and 2009/Amd 1 ("FMR\0" "035\0"),
 * readers and writers.
 *
 * 2004: the record length is 2 bytes, or 0x0000 followed by 4 bytes when the
 * record exceeds 65535 bytes; then the CBEFF product identifier, capture
 * equipment (4 compliance bits + 12-bit id), one frame size and resolution
 * (px/cm) for the record, the view count; per view a 4-byte header, 6-byte
 * minutiae (angle in 2-degree units) and extended data.
 * 2009 and 2009/Amd 1: a 4-byte length, the CBEFF product identifier, a
 * compliance byte and a 2-byte equipment id, the view count; per view its
 * own quality algorithm, frame size and resolution. Amd 1 keeps the layout.
 * NIST biomdi's "fmr.ansi2007" sample follows the 2007 draft, whose header
 * held the equipment in 2 bytes (20-byte header): it is read too, and the
 * layout whose lengths agree with the content wins (docs/templates.md). */
#include <stdlib.h>
#include <string.h>

#include "finger/template_priv.h"

static const char MAGIC_2004[8] = {'F', 'M', 'R', 0, ' ', '2', '0', 0};
/* The version as the FingerprintIO 2004 sample writes it. */
static const char MAGIC_2004_ZERO[8] = {'F', 'M', 'R', 0, '0', '2', '0', 0};
static const char MAGIC_2009[8] = {'F', 'M', 'R', 0, '0', '3', '0', 0};
static const char MAGIC_AM1[8] = {'F', 'M', 'R', 0, '0', '3', '5', 0};

#define ANSI2004_MIN_VIEW 6u
#define ANSI2009_MIN_VIEW 19u


/* ---- 2004 ----------------------------------------------------------------- */

tern_status tpl_ansi2004_decode(const uint8_t *data, size_t len, tern_template_record **out,
                                tern_error *err)
{
    *out = NULL;
    tern_reader r;
    tern_reader_init(&r, data, len, "INCITS 378-2004 record", err);
    bool zero = tpl_has_magic(data, len, MAGIC_2004_ZERO);
    if (!tpl_has_magic(data, len, MAGIC_2004) && !zero)
        return tern_reader_fail(&r, TERN_E_FORMAT, "not an INCITS 378-2004 record");
    r.pos = 8;
    uint16_t len16, owner, type, equipment, width, height, xres, yres;
    uint32_t declared;
    uint8_t n_views, reserved;
    tern_status s = tern_reader_u16be(&r, &len16);
    declared = len16;
    if (!s && len16 == 0)
        s = tern_reader_u32be(&r, &declared);
    size_t header = r.pos + 18;
    if (s || (s = tern_reader_u16be(&r, &owner)) || (s = tern_reader_u16be(&r, &type)) ||
        (s = tern_reader_u16be(&r, &equipment)) || (s = tern_reader_u16be(&r, &width)) ||
        (s = tern_reader_u16be(&r, &height)) || (s = tern_reader_u16be(&r, &xres)) ||
        (s = tern_reader_u16be(&r, &yres)) || (s = tern_reader_u8(&r, &n_views)) ||
        (s = tern_reader_u8(&r, &reserved)))
        return tern_error_prefix(err, "record header: ");
    if ((s = tpl_check_declared(&r, declared)))
        return s;
    if (declared < header)
        return tern_error_set(err, TERN_E_FORMAT,
                              "INCITS 378-2004 record: length field at byte offset 8 is %u, less "
                              "than the %zu-byte header", declared, header);
    if (!xres || !yres)
        return tern_error_set(err, TERN_E_FORMAT,
                              "INCITS 378-2004 record: resolution field at byte offset %zu is 0",
                              header - (xres ? 4 : 6));
    if ((s = tpl_check_views(&r, n_views, ANSI2004_MIN_VIEW, "finger view")))
        return s;
    tern_template_record *rec;
    if ((s = tpl_record_new(TERN_TEMPLATE_FORMAT_ANSI_2004, n_views, &rec, err)))
        return s;
    rec->cbeff_owner = owner;
    rec->cbeff_type = type;
    rec->capture_equipment_compliance = (uint8_t)(equipment >> 12);
    rec->capture_equipment_id = equipment & 0x0fff;
    const tpl_frame_2004 frame = {width, height, xres, yres};
    s = tpl_read_views_2004(&r, len, rec, n_views, &frame, TPL_ANSI_ANGLE_UNITS, TPL_FAMILY_ANSI);
    if (s) {
        tern_template_record_free(rec);
        return s;
    }
    if (zero)
        tpl_warn(rec, "version field at byte offset 4 is \"020\", the standard's is \" 20\"");
    tpl_check_record_length(rec, declared, r.pos, len);
    *out = rec;
    return TERN_OK;
}

static tern_status write_views_2004(tern_buf *b, const tern_template_record *rec, tern_error *err)
{
    for (uint32_t v = 0; v < rec->n_views; v++) {
        const tern_template *t = rec->views[v];
        tern_buf_u8(b, t->finger_position);
        tern_buf_u8(b, (uint8_t)((t->view_number & 0x0fu) << 4 | (t->impression_type & 0x0fu)));
        tern_buf_u8(b, tpl_quality_to_record(t->quality, TPL_QUALITY_ZERO_UNSET));
        tern_buf_u8(b, (uint8_t)t->n_minutiae);
        tern_status s = tpl_write_minutiae(b, t, 6, TPL_ANSI_ANGLE_UNITS, TPL_QUALITY_ZERO_UNSET,
                                           v, err);
        if (!s)
            s = tpl_write_extended(b, t, TPL_FAMILY_ANSI, v, err);
        if (s)
            return s;
    }
    return TERN_OK;
}

tern_status tpl_ansi2004_encode(const tern_template_record *rec, tern_buf *b, tern_error *err)
{
    uint16_t f[4];
    tern_status s = tpl_common_frame(rec, TERN_TEMPLATE_FORMAT_ANSI_2004, err);
    if (!s)
        s = tpl_frame_fields(rec->views[0], 0, f, err);
    if (s)
        return s;
    /* The views are written first, into a buffer of their own, because the
     * size of the length field depends on the record's size. */
    tern_buf views = {0};
    if ((s = write_views_2004(&views, rec, err)) || (s = tern_buf_status(&views, err))) {
        tern_buf_free(&views);
        return s;
    }
    size_t total = 26 + views.len;
    tern_buf_put(b, MAGIC_2004, 8);
    if (total <= 65535) {
        tern_buf_u16be(b, (uint16_t)total);
    } else {
        total += 4;
        if (total > UINT32_MAX) {
            tern_buf_free(&views);
            return tern_error_set(err, TERN_E_ARG, "template: record of %zu bytes too large",
                                  total);
        }
        tern_buf_u16be(b, 0);
        tern_buf_u32be(b, (uint32_t)total);
    }
    tern_buf_u16be(b, rec->cbeff_owner);
    tern_buf_u16be(b, rec->cbeff_type);
    tern_buf_u16be(b, (uint16_t)((rec->capture_equipment_compliance & 0x0fu) << 12 |
                                 (rec->capture_equipment_id & 0x0fffu)));
    for (int i = 0; i < 4; i++)
        tern_buf_u16be(b, f[i]);
    tern_buf_u8(b, (uint8_t)rec->n_views);
    tern_buf_u8(b, 0);
    tern_buf_put(b, views.data, views.len);
    tern_buf_free(&views);
    return TERN_OK;
}

/* ---- 2009 and 2009/Amd 1 ---------------------------------------------------- */

static tern_status read_view_2009(tern_reader *r, tern_template_record *rec, uint32_t v,
                                  size_t len)
{
    uint8_t pos, number, imp, quality, n_min;
    uint16_t qvendor, qalg, width, height, xres, yres;
    tern_status s;
    if ((s = tern_reader_u8(r, &pos)) || (s = tern_reader_u8(r, &number)) ||
        (s = tern_reader_u8(r, &imp)) || (s = tern_reader_u8(r, &quality)) ||
        (s = tern_reader_u16be(r, &qvendor)) || (s = tern_reader_u16be(r, &qalg)) ||
        (s = tern_reader_u16be(r, &width)) || (s = tern_reader_u16be(r, &height)) ||
        (s = tern_reader_u16be(r, &xres)) || (s = tern_reader_u16be(r, &yres)) ||
        (s = tern_reader_u8(r, &n_min)))
        return tern_error_prefix(r->err, "view %u header: ", v);
    if (!xres || !yres)
        return tern_error_set(r->err, TERN_E_FORMAT,
                              "%s: view %u: resolution field at byte offset %zu is 0", r->what, v,
                              r->pos - (xres ? 3 : 5));
    tern_template *t;
    if ((s = tpl_add_view(rec, n_min, &t, r->err)))
        return s;
    t->finger_position = pos;
    t->view_number = number;
    t->impression_type = imp;
    t->quality = tpl_quality_from_record(quality, TPL_QUALITY_254_UNSET);
    t->quality_vendor = qvendor;
    t->quality_algorithm = qalg;
    t->width = width;
    t->height = height;
    t->ppi_x = tpl_ppi_from_pxcm(xres);
    t->ppi_y = tpl_ppi_from_pxcm(yres);
    s = tpl_read_minutiae(r, t, n_min, 6, TPL_ANSI_ANGLE_UNITS, TPL_QUALITY_254_UNSET, rec, v);
    if (!s)
        s = tpl_read_extended(r, len, t, TPL_FAMILY_ANSI, rec, v);
    return s;
}

/* equipment_bytes: 3 (378-2009: compliance byte + 2-byte id) or 2 (2007
 * draft: 4 compliance bits + 12-bit id). */
static tern_status decode_2009_layout(const uint8_t *data, size_t len, tern_template_format format,
                                      unsigned equipment_bytes, tern_template_record **out,
                                      tern_error *err)
{
    *out = NULL;
    tern_reader r;
    tern_reader_init(&r, data, len,
                     format == TERN_TEMPLATE_FORMAT_ANSI_2009 ? "INCITS 378-2009 record"
                                                              : "INCITS 378-2009/Amd 1 record",
                     err);
    r.pos = 8;
    uint32_t declared;
    uint16_t owner, type, equipment;
    uint8_t compliance = 0, n_views, reserved;
    tern_status s;
    if ((s = tern_reader_u32be(&r, &declared)) || (s = tern_reader_u16be(&r, &owner)) ||
        (s = tern_reader_u16be(&r, &type)) ||
        (equipment_bytes == 3 && (s = tern_reader_u8(&r, &compliance))) ||
        (s = tern_reader_u16be(&r, &equipment)) || (s = tern_reader_u8(&r, &n_views)) ||
        (s = tern_reader_u8(&r, &reserved)))
        return tern_error_prefix(err, "record header: ");
    if ((s = tpl_check_declared(&r, declared)))
        return s;
    if (equipment_bytes == 2) {
        compliance = (uint8_t)(equipment >> 12);
        equipment &= 0x0fff;
    }
    if ((s = tpl_check_views(&r, n_views, ANSI2009_MIN_VIEW, "finger view")))
        return s;
    tern_template_record *rec;
    if ((s = tpl_record_new(format, n_views, &rec, err)))
        return s;
    rec->cbeff_owner = owner;
    rec->cbeff_type = type;
    rec->capture_equipment_compliance = compliance;
    rec->capture_equipment_id = equipment;
    for (uint32_t v = 0; v < n_views && !s; v++)
        s = read_view_2009(&r, rec, v, len);
    if (s) {
        tern_template_record_free(rec);
        return s;
    }
    if (equipment_bytes == 2)
        tpl_warn(rec, "header read in the INCITS 378 2007 draft layout (2-byte capture "
                 "equipment field)");
    tpl_check_record_length(rec, declared, r.pos, len);
    *out = rec;
    return TERN_OK;
}

tern_status tpl_ansi2009_decode(const uint8_t *data, size_t len, tern_template_format format,
                                tern_template_record **out, tern_error *err)
{
    *out = NULL;
    const char *magic = format == TERN_TEMPLATE_FORMAT_ANSI_2009 ? MAGIC_2009 : MAGIC_AM1;
    if (!tpl_has_magic(data, len, magic))
        return tern_error_set(err, TERN_E_FORMAT, "not an %s record",
                              tern_template_format_name(format));
    tern_template_record *std = NULL, *draft = NULL;
    tern_error draft_err;
    tern_status s = decode_2009_layout(data, len, format, 3, &std, err);
    if (s == TERN_OK && std->n_warnings == 0) {
        *out = std;
        return TERN_OK;
    }
    /* The standard layout failed or needed leniency: see whether the 2007
     * draft layout reads the same bytes cleanly (its own note aside). */
    if (decode_2009_layout(data, len, format, 2, &draft, &draft_err) == TERN_OK &&
        draft->n_warnings == 1) {
        tern_template_record_free(std);
        *out = draft;
        return TERN_OK;
    }
    tern_template_record_free(draft);
    if (s)
        return s;
    *out = std;
    return TERN_OK;
}

tern_status tpl_ansi2009_encode(const tern_template_record *rec, tern_template_format format,
                                tern_buf *b, tern_error *err)
{
    size_t start = b->len;
    tern_buf_put(b, format == TERN_TEMPLATE_FORMAT_ANSI_2009 ? MAGIC_2009 : MAGIC_AM1, 8);
    tern_buf_u32be(b, 0); /* patched below */
    tern_buf_u16be(b, rec->cbeff_owner);
    tern_buf_u16be(b, rec->cbeff_type);
    tern_buf_u8(b, rec->capture_equipment_compliance);
    tern_buf_u16be(b, rec->capture_equipment_id);
    tern_buf_u8(b, (uint8_t)rec->n_views);
    tern_buf_u8(b, 0);
    for (uint32_t v = 0; v < rec->n_views; v++) {
        const tern_template *t = rec->views[v];
        uint16_t f[4];
        tern_status s = tpl_frame_fields(t, v, f, err);
        if (s)
            return s;
        tern_buf_u8(b, t->finger_position);
        tern_buf_u8(b, t->view_number);
        tern_buf_u8(b, t->impression_type);
        tern_buf_u8(b, tpl_quality_to_record(t->quality, TPL_QUALITY_254_UNSET));
        tern_buf_u16be(b, t->quality_vendor);
        tern_buf_u16be(b, t->quality_algorithm);
        for (int i = 0; i < 4; i++)
            tern_buf_u16be(b, f[i]);
        tern_buf_u8(b, (uint8_t)t->n_minutiae);
        if ((s = tpl_write_minutiae(b, t, 6, TPL_ANSI_ANGLE_UNITS, TPL_QUALITY_254_UNSET, v,
                                    err)) ||
            (s = tpl_write_extended(b, t, TPL_FAMILY_ANSI, v, err)))
            return s;
    }
    tpl_patch_u32(b, start + 8, (uint32_t)(b->len - start));
    return TERN_OK;
}
