/* tern/template_io.h - reading and writing fingerprint templates: Tern's own
 * internal format and the minutiae interchange records of ISO/IEC 19794-2
 * (2005, 2011) and ANSI INCITS 378 (2004, 2009, 2009/Amd 1).
 *
 * An exchange record holds one or more finger views; decoding gives a
 * tern_template_record with every view as a tern_template, plus the
 * record-level fields needed to write it back, plus warnings for deviations
 * that were tolerated (a length field that disagrees with otherwise
 * unambiguous content, a ridge count naming a minutia that does not exist).
 * Truly malformed records are refused with TERN_E_FORMAT or
 * TERN_E_TRUNCATED and a message naming the field and its byte offset.
 *
 * Units: every view is converted to Tern's conventions (tern/template.h):
 * pixels, radians counter-clockwise with y down in the image, ppi. Each
 * format's units and the exact rules for telling the versions apart are in
 * docs/templates.md.
 *
 * Thread safety: every function is reentrant; a record is immutable once
 * decoded and may be read from several threads.
 */
#ifndef TERN_TEMPLATE_IO_H
#define TERN_TEMPLATE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"
#include "tern/template.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tern_template_format {
    TERN_TEMPLATE_FORMAT_UNKNOWN = 0,
    TERN_TEMPLATE_FORMAT_TERN,          /* "tern": Tern's internal format */
    TERN_TEMPLATE_FORMAT_ISO_2005,      /* "iso19794-2:2005" */
    TERN_TEMPLATE_FORMAT_ISO_2011,      /* "iso19794-2:2011" */
    TERN_TEMPLATE_FORMAT_ANSI_2004,     /* "incits378:2004" */
    TERN_TEMPLATE_FORMAT_ANSI_2009,     /* "incits378:2009" */
    TERN_TEMPLATE_FORMAT_ANSI_2009AM1,  /* "incits378:2009am1" */
    TERN_TEMPLATE_FORMAT_COUNT
} tern_template_format;

/* Largest input any template decoder accepts (an ISO record of 255 views of
 * 255 minutiae with full extended data stays far below it). */
#define TERN_TEMPLATE_MAX_BYTES (16u << 20)
/* Largest number of finger views in one record (the formats count in a byte). */
#define TERN_TEMPLATE_MAX_VIEWS 255u
/* Warnings kept in a record (further ones are counted, not kept). */
#define TERN_TEMPLATE_MAX_WARNINGS 16u
#define TERN_TEMPLATE_WARNING_MAX 192u

/* A decoded record: its views and the record-level fields of the format it
 * came from. Free with tern_template_record_free. */
typedef struct tern_template_record {
    tern_template_format format;  /* the format it was decoded from */
    uint32_t n_views;
    tern_template **views;        /* owned, n_views entries, each owned */
    uint16_t cbeff_owner;         /* INCITS 378: CBEFF product identifier */
    uint16_t cbeff_type;
    uint16_t capture_equipment_id;      /* ISO 2005, INCITS 378: 12 bits (16 in 2009) */
    uint8_t capture_equipment_compliance; /* 4 bits (2004/2005); a byte in 378-2009 */
    uint8_t certification_flag;   /* ISO/IEC 19794-2:2011 record header */
    uint32_t n_warnings;          /* warnings issued; at most TERN_TEMPLATE_MAX_WARNINGS kept */
    char warnings[TERN_TEMPLATE_MAX_WARNINGS][TERN_TEMPLATE_WARNING_MAX];
} tern_template_record;

/* The stable name of a format ("tern", "iso19794-2:2005", ...); "unknown"
 * for anything else. Never NULL. */
const char *tern_template_format_name(tern_template_format format);
/* Parses a format name as printed by tern_template_format_name (case
 * sensitive). Returns TERN_E_ARG with a message listing the names if it is
 * not one. */
tern_status tern_template_format_parse(const char *name, tern_template_format *out,
                                       tern_error *err);

/* Identifies the format of len bytes at data without decoding them fully:
 * by magic and version, and, for the two pairs that share them
 * (ISO 2005 / INCITS 378-2004: "FMR\0 20\0"; ISO 2011 / INCITS 378-2009:
 * "FMR\0030\0"), by which header layout is consistent with the length field
 * and the data (rule in docs/templates.md). TERN_TEMPLATE_FORMAT_UNKNOWN if
 * none fits. Never reads past len. */
tern_template_format tern_template_detect(const uint8_t *data, size_t len);

/* Creates an empty record of format `format` with room for n_views views
 * (all NULL: the caller fills them). n_views <= TERN_TEMPLATE_MAX_VIEWS.
 * Errors: TERN_E_LIMIT, TERN_E_NOMEM. */
tern_status tern_template_record_create(tern_template_format format, uint32_t n_views,
                                        tern_template_record **out, tern_error *err);
/* Frees the record and every view; NULL allowed. */
void tern_template_record_free(tern_template_record *rec);

/* Decodes every view of a record. `format` is the format to read, or
 * TERN_TEMPLATE_FORMAT_UNKNOWN to detect it. On success *out is a new record
 * (free it) with n_views >= 1 for exchange formats. Tolerated deviations are
 * listed in (*out)->warnings. Errors: TERN_E_FORMAT (malformed: message names
 * the field and byte offset), TERN_E_TRUNCATED, TERN_E_UNSUPPORTED (an
 * unknown format or a newer major version of the internal format),
 * TERN_E_LIMIT (more than TERN_TEMPLATE_MAX_BYTES, or more minutiae, views or
 * blocks than the documented limits), TERN_E_NOMEM. *out is NULL on error. */
tern_status tern_template_decode_all(const uint8_t *data, size_t len,
                                     tern_template_format format,
                                     tern_template_record **out, tern_error *err);

/* Convenience: detects the format and returns the first view only (warnings
 * are dropped; use tern_template_decode_all to see them and the other
 * views). Same errors as tern_template_decode_all. */
tern_status tern_template_decode(const uint8_t *data, size_t len, tern_template **out,
                                 tern_error *err);

/* Encodes every view of rec in `format` into a new malloc'd buffer (*out,
 * *len; free it). The record-level fields of rec are used where the format
 * has them. The internal format holds exactly one view. ISO 2005 and
 * INCITS 378-2004 hold one frame size and resolution for the whole record:
 * views that differ in them are refused (TERN_E_ARG). Values a format cannot
 * hold (a coordinate beyond 14 bits, a negative one, more than 15 cores) are
 * refused with TERN_E_ARG naming the view and item. Angles and positions are
 * rounded to the format's units (docs/templates.md lists the quantisation).
 * Errors: TERN_E_ARG, TERN_E_LIMIT, TERN_E_NOMEM. */
tern_status tern_template_encode_all(const tern_template_record *rec,
                                     tern_template_format format, uint8_t **out,
                                     size_t *len, tern_error *err);

/* Encodes one template as a one-view record of `format`, the record-level
 * fields zero (CBEFF product identifier, capture equipment, certification
 * flag). Same errors as tern_template_encode_all. */
tern_status tern_template_encode(const tern_template *t, tern_template_format format,
                                 uint8_t **out, size_t *len, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
