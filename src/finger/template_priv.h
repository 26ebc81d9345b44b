/* template_priv.h - what the template codecs (template_*.c) share: warnings,
 * unit conversions, the 6-byte minutia and the extended data blocks common to
 * ISO/IEC 19794-2 and INCITS 378. Not a public header. */
#ifndef TERN_TEMPLATE_PRIV_H
#define TERN_TEMPLATE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/bytes.h"
#include "tern/template.h"
#include "tern/template_io.h"

/* Angle units per turn: ISO/IEC 19794-2 counts 256 (1.40625 degrees),
 * INCITS 378 counts 180 (2 degrees). */
#define TPL_ISO_ANGLE_UNITS 256u
#define TPL_ANSI_ANGLE_UNITS 180u
#define TPL_CM_PER_INCH 2.54
/* The first four bytes of Tern's internal format. */
#define TPL_TERN_MAGIC "TRNT"

/* The extended data families: they differ in the core/delta layout and in
 * the angle unit. */
typedef enum tpl_family { TPL_FAMILY_ISO, TPL_FAMILY_ANSI } tpl_family;

/* Quality semantics: 2004/2005 use 0 = not reported, 1..100; 2009/2011 use
 * 0..100 with 254 = not reported and 255 = could not be computed. */
typedef enum tpl_quality_scheme { TPL_QUALITY_ZERO_UNSET, TPL_QUALITY_254_UNSET } tpl_quality_scheme;

/* The k-th (0 or 1) extra direction of singular point i: from
 * singular_angles, or its one angle if the template has none recorded. */
static inline float tpl_singular_extra(const tern_template *t, uint32_t i, int k)
{
    return t->singular_angles ? t->singular_angles[2 * i + (uint32_t)k] : t->singular[i].angle;
}

/* Appends a singular point with its two extra directions (extra may be
 * NULL); keeps singular_angles parallel to singular. */
tern_status tpl_add_singular(tern_template *t, tern_singular sp, const float *extra,
                             tern_error *err);

/* Records a warning in rec (kept up to TERN_TEMPLATE_MAX_WARNINGS, counted
 * beyond). rec may be NULL (the warning is then dropped). */
void tpl_warn(tern_template_record *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Angle conversions: units in [0, per_turn) <-> radians in [0, 2*pi). */
float tpl_angle_from_units(unsigned units, unsigned per_turn);
unsigned tpl_angle_to_units(float radians, unsigned per_turn);
/* Quality conversions between a record's byte and Tern's 0..100 (0 = not
 * reported). */
uint8_t tpl_quality_from_record(uint8_t q, tpl_quality_scheme scheme);
uint8_t tpl_quality_to_record(uint8_t q, tpl_quality_scheme scheme);
/* px/cm (ISO, INCITS) <-> ppi. */
double tpl_ppi_from_pxcm(uint16_t pxcm);
uint16_t tpl_pxcm_from_ppi(double ppi);

/* Reads n minutiae of `size` bytes each (6, or 5 without quality: ISO 2011)
 * into t->minutiae (already allocated). A position outside the declared
 * frame is an error (no reference sample has one; docs/templates.md). */
tern_status tpl_read_minutiae(tern_reader *r, tern_template *t, uint32_t n, unsigned size,
                              unsigned angle_units, tpl_quality_scheme scheme,
                              tern_template_record *rec, uint32_t view);
/* Writes t's minutiae, `size` bytes each; refuses coordinates that do not
 * fit 14 bits. */
tern_status tpl_write_minutiae(tern_buf *b, const tern_template *t, unsigned size,
                               unsigned angle_units, tpl_quality_scheme scheme, uint32_t view,
                               tern_error *err);

/* Reads the extended data of one view: a 2-byte total length then blocks
 * (type, length including the 4-byte block header, data). `limit` is the
 * offset the view may not cross (the record's end). Ridge counts (type 1)
 * and cores/deltas (type 2) fill t; other types are kept in t->blocks. */
tern_status tpl_read_extended(tern_reader *r, size_t limit, tern_template *t, tpl_family family,
                              tern_template_record *rec, uint32_t view);

/* Checks a record's count of views (`what`, e.g. "finger view") read at r:
 * not zero, and not more than the bytes left can hold at min_view bytes
 * each. Fails with TERN_E_FORMAT at r's offset. */
tern_status tpl_check_views(tern_reader *r, unsigned n, size_t min_view, const char *what);

/* The common frame of a first-generation record (ISO/IEC 19794-2:2005 and
 * INCITS 378-2004): image size and resolution in pixels per centimetre. */
typedef struct tpl_frame_2004 {
    uint16_t width, height, xres, yres;
} tpl_frame_2004;

/* Reads the n_views finger views of a first-generation record at r (each a
 * 4-byte header - position, view and impression, quality, minutia count -
 * then its minutiae and extended data) into rec. The two standards lay them
 * out alike and differ only in the angle unit and the extended-data family. */
tern_status tpl_read_views_2004(tern_reader *r, size_t len, tern_template_record *rec,
                                uint32_t n_views, const tpl_frame_2004 *frame,
                                unsigned angle_units, tpl_family family);
/* Bytes tpl_write_extended will write (the 2-byte length included). */
tern_status tpl_extended_size(const tern_template *t, tpl_family family, size_t *size,
                              uint32_t view, tern_error *err);
tern_status tpl_write_extended(tern_buf *b, const tern_template *t, tpl_family family,
                               uint32_t view, tern_error *err);

/* Views of one record: a growing array, handed to the record on success. */
tern_status tpl_record_new(tern_template_format format, uint32_t n_views,
                           tern_template_record **out, tern_error *err);

/* The codecs. Each decoder fills a new record; each encoder writes rec. */
tern_status tpl_tern_decode(const uint8_t *data, size_t len, tern_template_record **out,
                            tern_error *err);
tern_status tpl_tern_encode(const tern_template *t, tern_buf *b, tern_error *err);
tern_status tpl_iso2005_decode(const uint8_t *data, size_t len, tern_template_record **out,
                               tern_error *err);
tern_status tpl_iso2005_encode(const tern_template_record *rec, tern_buf *b, tern_error *err);
tern_status tpl_iso2011_decode(const uint8_t *data, size_t len, tern_template_record **out,
                               tern_error *err);
tern_status tpl_iso2011_encode(const tern_template_record *rec, tern_buf *b, tern_error *err);
tern_status tpl_ansi2004_decode(const uint8_t *data, size_t len, tern_template_record **out,
                                tern_error *err);
tern_status tpl_ansi2004_encode(const tern_template_record *rec, tern_buf *b, tern_error *err);
/* 378-2009 and 2009/Amd 1 share a layout; `format` picks the version. */
tern_status tpl_ansi2009_decode(const uint8_t *data, size_t len, tern_template_format format,
                                tern_template_record **out, tern_error *err);
tern_status tpl_ansi2009_encode(const tern_template_record *rec, tern_template_format format,
                                tern_buf *b, tern_error *err);

/* Refuses a record whose length field (at byte offset 8) claims more bytes
 * than the input holds: TERN_E_TRUNCATED. */
tern_status tpl_check_declared(tern_reader *r, size_t declared);
/* Checks the declared record length against the data: equal is fine; a
 * mismatch that the content makes unambiguous is a warning (see
 * docs/templates.md, errata of the reference samples). */
void tpl_check_record_length(tern_template_record *rec, size_t declared, size_t parsed,
                             size_t actual);

/* For ISO 2005 and INCITS 378-2004, whose record header holds one frame:
 * checks that every view agrees with the first one. */
tern_status tpl_common_frame(const tern_template_record *rec, tern_template_format target,
                             tern_error *err);
/* Frame fields of a view as written: width, height, x and y resolution in
 * px/cm; refuses a frame beyond 65535 or an unknown resolution. */
tern_status tpl_frame_fields(const tern_template *t, uint32_t view, uint16_t f[4],
                             tern_error *err);
/* Starts a view: a new template of n minutiae appended to rec. */
tern_status tpl_add_view(tern_template_record *rec, uint32_t n_minutiae, tern_template **out,
                         tern_error *err);
/* Checks the 8-byte magic and version at the start of data. */
bool tpl_has_magic(const uint8_t *data, size_t len, const char magic[8]);
/* Patches a big-endian u32 at offset in b (b holds at least offset + 4). */
void tpl_patch_u32(tern_buf *b, size_t offset, uint32_t v);

#endif
