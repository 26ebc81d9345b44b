/* template_iso.c - ISO/IEC 19794-2 finger minutiae records, 2005 (clause 7,
 * "FMR\0" " 20\0") and 2011 (clause 8, "FMR\0" "030\0"): readers and writers.
 *
 * 2005: a 24-byte record header (4-byte length, capture equipment, one frame
 * size and resolution in px/cm for the record, view count), then per view a
 * 4-byte header, 6-byte minutiae and extended data.
 * 2011: a 15-byte general header (4-byte length, 2-byte representation
 * count, certification flag), then per representation its own length,
 * capture date-time, device, quality blocks, optional certification blocks,
 * frame size and resolution, 5- or 6-byte minutiae and extended data.
 * Byte-by-byte tables are in docs/templates.md. Both are read content first:
 * the length fields are checked against the content, and a disagreement the
 * content makes unambiguous is a warning (reference samples carry such
 * errata), not a failure. */
#include <stdlib.h>
#include <string.h>

#include "finger/template_priv.h"

static const char MAGIC_2005[8] = {'F', 'M', 'R', 0, ' ', '2', '0', 0};
static const char MAGIC_2011[8] = {'F', 'M', 'R', 0, '0', '3', '0', 0};

/* Smallest view: 4-byte header + 2-byte extended data length (2005);
 * a representation without minutiae or quality blocks (2011). */
#define ISO2005_MIN_VIEW 6u
#define ISO2011_MIN_REP 34u


/* ---- 2005 ----------------------------------------------------------------- */

tern_status tpl_iso2005_decode(const uint8_t *data, size_t len, tern_template_record **out,
                               tern_error *err)
{
    *out = NULL;
    tern_reader r;
    tern_reader_init(&r, data, len, "ISO/IEC 19794-2:2005 record", err);
    if (!tpl_has_magic(data, len, MAGIC_2005))
        return tern_reader_fail(&r, TERN_E_FORMAT, "not an ISO/IEC 19794-2:2005 record");
    r.pos = 8;
    uint32_t declared;
    uint16_t equipment, width, height, xres, yres;
    uint8_t n_views, reserved;
    tern_status s;
    if ((s = tern_reader_u32be(&r, &declared)) || (s = tern_reader_u16be(&r, &equipment)) ||
        (s = tern_reader_u16be(&r, &width)) || (s = tern_reader_u16be(&r, &height)) ||
        (s = tern_reader_u16be(&r, &xres)) || (s = tern_reader_u16be(&r, &yres)) ||
        (s = tern_reader_u8(&r, &n_views)) || (s = tern_reader_u8(&r, &reserved)))
        return tern_error_prefix(err, "record header: ");
    if ((s = tpl_check_declared(&r, declared)))
        return s;
    if (declared < 24)
        return tern_error_set(err, TERN_E_FORMAT,
                              "ISO/IEC 19794-2:2005 record: length field at byte offset 8 is %u, "
                              "less than the 24-byte header", declared);
    if (!xres || !yres)
        return tern_error_set(err, TERN_E_FORMAT,
                              "ISO/IEC 19794-2:2005 record: resolution field at byte offset %u "
                              "is 0", xres ? 20u : 18u);
    r.pos = 22;
    if ((s = tpl_check_views(&r, n_views, ISO2005_MIN_VIEW, "finger view")))
        return s;
    r.pos = 24;
    tern_template_record *rec;
    if ((s = tpl_record_new(TERN_TEMPLATE_FORMAT_ISO_2005, n_views, &rec, err)))
        return s;
    rec->capture_equipment_compliance = (uint8_t)(equipment >> 12);
    rec->capture_equipment_id = equipment & 0x0fff;
    const tpl_frame_2004 frame = {width, height, xres, yres};
    s = tpl_read_views_2004(&r, len, rec, n_views, &frame, TPL_ISO_ANGLE_UNITS, TPL_FAMILY_ISO);
    if (s) {
        tern_template_record_free(rec);
        return s;
    }
    tpl_check_record_length(rec, declared, r.pos, len);
    *out = rec;
    return TERN_OK;
}

tern_status tpl_iso2005_encode(const tern_template_record *rec, tern_buf *b, tern_error *err)
{
    uint16_t f[4];
    tern_status s = tpl_common_frame(rec, TERN_TEMPLATE_FORMAT_ISO_2005, err);
    if (!s)
        s = tpl_frame_fields(rec->views[0], 0, f, err);
    if (s)
        return s;
    size_t start = b->len;
    tern_buf_put(b, MAGIC_2005, 8);
    tern_buf_u32be(b, 0); /* patched below */
    tern_buf_u16be(b, (uint16_t)((rec->capture_equipment_compliance & 0x0fu) << 12 |
                                 (rec->capture_equipment_id & 0x0fffu)));
    for (int i = 0; i < 4; i++)
        tern_buf_u16be(b, f[i]);
    tern_buf_u8(b, (uint8_t)rec->n_views);
    tern_buf_u8(b, 0);
    for (uint32_t v = 0; v < rec->n_views; v++) {
        const tern_template *t = rec->views[v];
        tern_buf_u8(b, t->finger_position);
        tern_buf_u8(b, (uint8_t)((t->view_number & 0x0fu) << 4 | (t->impression_type & 0x0fu)));
        tern_buf_u8(b, tpl_quality_to_record(t->quality, TPL_QUALITY_ZERO_UNSET));
        tern_buf_u8(b, (uint8_t)t->n_minutiae);
        if ((s = tpl_write_minutiae(b, t, 6, TPL_ISO_ANGLE_UNITS, TPL_QUALITY_ZERO_UNSET, v, err)) ||
            (s = tpl_write_extended(b, t, TPL_FAMILY_ISO, v, err)))
            return s;
    }
    tpl_patch_u32(b, start + 8, (uint32_t)(b->len - start));
    return TERN_OK;
}

/* ---- 2011 ----------------------------------------------------------------- */

static tern_status read_capture_time(tern_reader *r, tern_capture_time *ct)
{
    uint16_t year, ms;
    uint8_t f[5];
    tern_status s = tern_reader_u16be(r, &year);
    for (int i = 0; i < 5 && !s; i++)
        s = tern_reader_u8(r, &f[i]);
    if (!s)
        s = tern_reader_u16be(r, &ms);
    if (s)
        return s;
    if (year == 0xffff) {
        memset(ct, 0, sizeof *ct);
        return TERN_OK;
    }
    *ct = (tern_capture_time){year, f[0], f[1], f[2], f[3], f[4], ms};
    return TERN_OK;
}

/* Capture device, quality blocks and certification blocks of one
 * representation (ISO/IEC 19794-2:2011 8.4.3-8.4.8). */
static tern_status read_rep_capture(tern_reader *r, tern_template *t, bool cert_flag,
                                    tern_template_record *rec, uint32_t v)
{
    uint8_t nq;
    tern_status s;
    if ((s = read_capture_time(r, &t->capture_time)) ||
        (s = tern_reader_u8(r, &t->device_technology)) ||
        (s = tern_reader_u16be(r, &t->device_vendor)) ||
        (s = tern_reader_u16be(r, &t->device_type)) || (s = tern_reader_u8(r, &nq)))
        return s;
    for (unsigned i = 0; i < nq; i++) {
        uint8_t q;
        uint16_t vendor, alg;
        if ((s = tern_reader_u8(r, &q)) || (s = tern_reader_u16be(r, &vendor)) ||
            (s = tern_reader_u16be(r, &alg)))
            return s;
        if (i == 0) {
            t->quality = tpl_quality_from_record(q, TPL_QUALITY_254_UNSET);
            t->quality_vendor = vendor;
            t->quality_algorithm = alg;
        }
    }
    if (nq > 1)
        tpl_warn(rec, "view %u: %u quality blocks, only the first kept", v, nq);
    if (cert_flag) {
        uint8_t nc;
        if ((s = tern_reader_u8(r, &nc)) || (s = tern_reader_skip(r, 3u * nc)))
            return s;
        if (nc)
            tpl_warn(rec, "view %u: %u certification blocks not kept", v, nc);
    }
    return TERN_OK;
}

static tern_status read_rep(tern_reader *r, tern_template_record *rec, uint32_t v, size_t len)
{
    size_t start = r->pos;
    uint32_t rep_len;
    tern_status s = tern_reader_u32be(r, &rep_len);
    if (s)
        return s;
    if (rep_len < ISO2011_MIN_REP)
        return tern_reader_fail(r, TERN_E_FORMAT, "representation %u length %u is less than %u",
                                v, rep_len, ISO2011_MIN_REP);
    if (rep_len > len - start)
        return tern_error_set(r->err, TERN_E_TRUNCATED,
                              "%s: representation %u at byte offset %zu: length %u runs past the "
                              "end of the input (%zu bytes left)", r->what, v, start, rep_len,
                              len - start);
    tern_template tmp = {0};
    if ((s = read_rep_capture(r, &tmp, rec->certification_flag, rec, v)))
        return s;
    uint8_t pos, number, imp, flags, n_min;
    uint16_t xres, yres, width, height;
    if ((s = tern_reader_u8(r, &pos)) || (s = tern_reader_u8(r, &number)) ||
        (s = tern_reader_u16be(r, &xres)) || (s = tern_reader_u16be(r, &yres)) ||
        (s = tern_reader_u8(r, &imp)) || (s = tern_reader_u16be(r, &width)) ||
        (s = tern_reader_u16be(r, &height)) || (s = tern_reader_u8(r, &flags)) ||
        (s = tern_reader_u8(r, &n_min)))
        return s;
    if (!xres || !yres)
        return tern_error_set(r->err, TERN_E_FORMAT,
                              "%s: representation %u: resolution field at byte offset %zu is 0",
                              r->what, v, r->pos - 11);
    unsigned size = flags >> 4;
    if (size != 5 && size != 6)
        return tern_error_set(r->err, TERN_E_FORMAT,
                              "%s: representation %u: minutia field length %u at byte offset %zu "
                              "(5 or 6)", r->what, v, size, r->pos - 2);
    tern_template *t;
    if ((s = tpl_add_view(rec, n_min, &t, r->err)))
        return s;
    tern_minutia *m = t->minutiae;
    *t = tmp;
    t->minutiae = m;
    t->n_minutiae = n_min;
    t->finger_position = pos;
    t->view_number = number;
    t->ppi_x = tpl_ppi_from_pxcm(xres);
    t->ppi_y = tpl_ppi_from_pxcm(yres);
    t->impression_type = imp;
    t->width = width;
    t->height = height;
    t->ridge_ending_type = flags & 0x0f;
    if ((s = tpl_read_minutiae(r, t, n_min, size, TPL_ISO_ANGLE_UNITS, TPL_QUALITY_254_UNSET, rec,
                               v)) ||
        (s = tpl_read_extended(r, len, t, TPL_FAMILY_ISO, rec, v)))
        return s;
    if (r->pos - start != rep_len)
        tpl_warn(rec, "representation %u at byte offset %zu: length field says %u bytes, the "
                 "content is %zu: the content was used", v, start, rep_len, r->pos - start);
    return TERN_OK;
}

tern_status tpl_iso2011_decode(const uint8_t *data, size_t len, tern_template_record **out,
                               tern_error *err)
{
    *out = NULL;
    tern_reader r;
    tern_reader_init(&r, data, len, "ISO/IEC 19794-2:2011 record", err);
    if (!tpl_has_magic(data, len, MAGIC_2011))
        return tern_reader_fail(&r, TERN_E_FORMAT, "not an ISO/IEC 19794-2:2011 record");
    r.pos = 8;
    uint32_t declared;
    uint16_t n_reps;
    uint8_t cert;
    tern_status s;
    if ((s = tern_reader_u32be(&r, &declared)) || (s = tern_reader_u16be(&r, &n_reps)) ||
        (s = tern_reader_u8(&r, &cert)))
        return tern_error_prefix(err, "general header: ");
    if ((s = tpl_check_declared(&r, declared)))
        return s;
    if (n_reps > TERN_TEMPLATE_MAX_VIEWS)
        return tern_error_set(err, TERN_E_LIMIT,
                              "ISO/IEC 19794-2:2011 record: %u representations (at most %u)",
                              n_reps, TERN_TEMPLATE_MAX_VIEWS);
    if (cert > 1)
        return tern_error_set(err, TERN_E_FORMAT,
                              "ISO/IEC 19794-2:2011 record: certification flag at byte offset 14 "
                              "is %u (0 or 1)", cert);
    if ((s = tpl_check_views(&r, n_reps, ISO2011_MIN_REP, "finger representation")))
        return s;
    tern_template_record *rec;
    if ((s = tpl_record_new(TERN_TEMPLATE_FORMAT_ISO_2011, n_reps, &rec, err)))
        return s;
    rec->certification_flag = cert;
    for (uint32_t v = 0; v < n_reps && !s; v++)
        s = read_rep(&r, rec, v, len);
    if (s) {
        tern_template_record_free(rec);
        return s;
    }
    /* The record-level equipment id other formats carry. */
    rec->capture_equipment_id = rec->views[0]->device_type;
    tpl_check_record_length(rec, declared, r.pos, len);
    *out = rec;
    return TERN_OK;
}

static bool has_minutia_quality(const tern_template *t)
{
    for (uint32_t i = 0; i < t->n_minutiae; i++)
        if (t->minutiae[i].quality)
            return true;
    return false;
}

/* device_type: the view's, or the record's capture equipment id when the
 * view has none (a record converted from ISO 2005 or INCITS 378). */
static void write_capture(tern_buf *b, const tern_template *t, uint16_t device_type,
                          bool cert_flag)
{
    const tern_capture_time *ct = &t->capture_time;
    if (!ct->year) {
        for (int i = 0; i < 9; i++)
            tern_buf_u8(b, 0xff);
    } else {
        tern_buf_u16be(b, ct->year);
        tern_buf_u8(b, ct->month);
        tern_buf_u8(b, ct->day);
        tern_buf_u8(b, ct->hour);
        tern_buf_u8(b, ct->minute);
        tern_buf_u8(b, ct->second);
        tern_buf_u16be(b, ct->millisecond);
    }
    tern_buf_u8(b, t->device_technology);
    tern_buf_u16be(b, t->device_vendor);
    tern_buf_u16be(b, device_type);
    bool quality = t->quality || t->quality_vendor || t->quality_algorithm;
    tern_buf_u8(b, quality ? 1 : 0);
    if (quality) {
        tern_buf_u8(b, tpl_quality_to_record(t->quality, TPL_QUALITY_254_UNSET));
        tern_buf_u16be(b, t->quality_vendor);
        tern_buf_u16be(b, t->quality_algorithm);
    }
    if (cert_flag)
        tern_buf_u8(b, 0);
}

tern_status tpl_iso2011_encode(const tern_template_record *rec, tern_buf *b, tern_error *err)
{
    size_t start = b->len;
    bool cert = rec->certification_flag != 0;
    tern_buf_put(b, MAGIC_2011, 8);
    tern_buf_u32be(b, 0); /* patched below */
    tern_buf_u16be(b, (uint16_t)rec->n_views);
    tern_buf_u8(b, cert ? 1 : 0);
    for (uint32_t v = 0; v < rec->n_views; v++) {
        const tern_template *t = rec->views[v];
        uint16_t f[4];
        tern_status s = tpl_frame_fields(t, v, f, err);
        if (s)
            return s;
        if (t->width > 16383 || t->height > 16383)
            return tern_error_set(err, TERN_E_ARG, "template: view %u: frame %ux%u exceeds 16383",
                                  v, t->width, t->height);
        unsigned size = has_minutia_quality(t) ? 6 : 5;
        size_t rep_start = b->len;
        tern_buf_u32be(b, 0); /* patched below */
        write_capture(b, t, t->device_type ? t->device_type : rec->capture_equipment_id, cert);
        tern_buf_u8(b, t->finger_position);
        tern_buf_u8(b, t->view_number);
        tern_buf_u16be(b, f[2]);
        tern_buf_u16be(b, f[3]);
        tern_buf_u8(b, t->impression_type);
        tern_buf_u16be(b, f[0]);
        tern_buf_u16be(b, f[1]);
        tern_buf_u8(b, (uint8_t)(size << 4 | (t->ridge_ending_type & 0x0fu)));
        tern_buf_u8(b, (uint8_t)t->n_minutiae);
        if ((s = tpl_write_minutiae(b, t, size, TPL_ISO_ANGLE_UNITS, TPL_QUALITY_254_UNSET, v,
                                    err)) ||
            (s = tpl_write_extended(b, t, TPL_FAMILY_ISO, v, err)))
            return s;
        tpl_patch_u32(b, rep_start, (uint32_t)(b->len - rep_start));
    }
    tpl_patch_u32(b, start + 8, (uint32_t)(b->len - start));
    return TERN_OK;
}
