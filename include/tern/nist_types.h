/* tern/nist_types.h - typed access to the ANSI/NIST-ITL records Tern uses:
 * Type-1 (transaction information), the image records (Types 3-8, 10, 13,
 * 14, 15, 16, 17), Type-9 minutiae (read into tern_template; the INCITS 378
 * block written from one) and Type-98 audit log entries. Type-2 is
 * user-defined text: read it with tern_nist_find on the record, field by
 * field (see tern/nist.h). NIST SP 500-290 (ANSI/NIST-ITL 1-2011).
 *
 * All functions read a parsed or built tern_nist and never modify it, except
 * tern_nist_add_template. Thread safety: as tern/nist.h.
 */
#ifndef TERN_NIST_TYPES_H
#define TERN_NIST_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/image.h"
#include "tern/nist.h"
#include "tern/status.h"
#include "tern/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Type-1 ---------------------------------------------------------------- */

typedef struct tern_nist_info {
    char version[8];          /* 1.002 VER, e.g. "0500"; "" if absent */
    char tot[16];             /* 1.004 TOT type of transaction, e.g. "CAR" */
    char date[16];            /* 1.005 DAT, YYYYMMDD */
    long priority;            /* 1.006 PRY, 0 if absent */
    char dai[64];             /* 1.007 DAI destination agency */
    char ori[64];             /* 1.008 ORI originating agency */
    char tcn[64];             /* 1.009 TCN transaction control number */
    char tcr[64];             /* 1.010 TCR control reference; "" if absent */
    double nsr;               /* 1.011 NSR native scanning resolution, pixels/mm; 0 if absent */
    double ntr;               /* 1.012 NTR nominal transmitting resolution, pixels/mm */
    char domain[64];          /* 1.013 DOM name, e.g. "NORAM" */
    char gmt[24];             /* 1.014 GMT, YYYYMMDDhhmmssZ */
    long dcs;                 /* 1.015 DCS character encoding code; -1 if absent */
} tern_nist_info;

/* Reads the Type-1 fields. Text longer than a member is truncated. Fails
 * with TERN_E_FORMAT if the transaction has no Type-1 record or a present
 * numeric field (1.006, 1.011, 1.012, 1.015) is not a number. */
tern_status tern_nist_info_get(const tern_nist *t, tern_nist_info *out, tern_error *err);

/* ---- images ------------------------------------------------------------------ */

/* How an image record's data is coded. */
typedef enum tern_nist_compression {
    TERN_NIST_COMP_NONE = 0,  /* uncompressed: raw grey/RGB, or packed bi-level */
    TERN_NIST_COMP_WSQ,       /* WSQ (Type-4 GCA 1, "WSQ20") */
    TERN_NIST_COMP_JPEG,      /* JPEGB, JPEGL */
    TERN_NIST_COMP_JP2,       /* JP2, JP2L */
    TERN_NIST_COMP_PNG,
    TERN_NIST_COMP_FAX,       /* CCITT Group 4 (Types 5, 6 BCA 1; Type-8 SRT 1) */
    TERN_NIST_COMP_VECTOR,    /* Type-8 signature as pen vectors (SRT 2): not an image */
    TERN_NIST_COMP_OTHER,     /* a code Tern does not know */
} tern_nist_compression;

typedef struct tern_nist_image {
    size_t record;            /* index in t->records */
    uint32_t type;            /* record type */
    int idc;                  /* -1 if absent */
    uint32_t n_positions;
    uint8_t positions[6];     /* FGP/PLP finger or palm positions (Types 3-6, 13-15);
                                 for Type-17 the eye (FID: 0, 1 right, 2 left) */
    int impression;           /* IMP; -1 if absent */
    uint32_t width;           /* HLL */
    uint32_t height;          /* VLL */
    double ppi_x;             /* resolution in pixels per inch; 0 unknown */
    double ppi_y;
    uint32_t bits_per_pixel;  /* 1 (bi-level), 8 (grey), 24 (RGB); 0 unknown */
    tern_nist_compression compression;
    char compression_name[16]; /* as the record spells it: "WSQ20", "JPEGB", "1", ... */
    char kind[16];            /* Type-10 IMT ("FACE", "SCAR", "MARK", "TATTOO"); else "" */
    const uint8_t *data;      /* borrowed from the transaction */
    size_t len;
} tern_nist_image;

/* True if record `index` holds an image (Types 3-8, 10, 13-17 with data). */
bool tern_nist_has_image(const tern_nist *t, size_t index);

/* Describes the image of record `index`. Resolution: for Types 3-6 from ISR
 * (0: 1.011 NSR, halved for the low-resolution Types 3 and 6; 1: 1.012 NTR),
 * Type-8 likewise; for tagged records from SLC/THPS/TVPS (1 = ppi, 2 = ppcm;
 * 0 = aspect ratio only, unknown). Pixels per mm convert to ppi rounded to
 * the nearest integer (19.69 -> 500). Errors: TERN_E_NOT_FOUND if the
 * record holds no image; TERN_E_FORMAT if a field needed is malformed. */
tern_status tern_nist_image_get(const tern_nist *t, size_t index, tern_nist_image *out,
                                tern_error *err);

/* Decodes an image through the image module (tern_image_decode): WSQ, JPEG,
 * JPEG 2000, PNG, TIFF as coded (sniffed first, so a TIFF or PNG inside a
 * binary record is read too); uncompressed grey or RGB from HLL/VLL;
 * uncompressed bi-level (Types 5, 6, 8) unpacked to 0 (black, bit 1) and
 * 255 (white). The record's resolution wins over the codec's. Vector
 * signatures and fax-coded data without a TIFF wrapper give
 * TERN_E_UNSUPPORTED. *out is a new image (tern_image_free). */
tern_status tern_nist_image_decode(const tern_nist_image *img, tern_image **out, tern_error *err);

/* ---- Type-9 minutiae --------------------------------------------------------- */

typedef enum tern_nist_minutiae_block {
    TERN_NIST_MIN_STANDARD = 1, /* 9.010-9.012 (legacy "standard format") */
    TERN_NIST_MIN_IAFIS = 2,    /* 9.014-9.023, FBI IAFIS feature set */
    TERN_NIST_MIN_INCITS378 = 4 /* 9.126-9.141, INCITS 378 feature set */
} tern_nist_minutiae_block;

/* The blocks present in Type-9 record `index` (a bit set of the above);
 * 0 if it is not a Type-9 record or holds none Tern reads. */
unsigned tern_nist_minutiae_blocks(const tern_nist *t, size_t index);

/* Reads one block of Type-9 record `index` into a new template (free with
 * tern_template_free). `block` 0 picks INCITS 378, else IAFIS, else
 * standard. Coordinates are converted to pixels with the origin at the top
 * left: INCITS 378 coordinates are pixels already (frame 9.128/9.129 at
 * 9.130-9.132); standard and IAFIS ones are 0.01 mm from the bottom left,
 * converted at 1.011 NSR (500 ppi when absent) in the frame of the image
 * record with the same IDC, or, when there is none, a frame just enclosing
 * the minutiae. Angles: standard and IAFIS theta (degrees) point the
 * opposite way to INCITS 378 and ISO 19794-2, so 180 degrees is added (as
 * NIST's fmr2an2k does); INCITS 378 angles are 2-degree units. Minutia
 * types: A/1 ending, B/2 bifurcation, others OTHER. Errors: TERN_E_NOT_FOUND
 * (no such block), TERN_E_FORMAT naming field, subfield and item. */
tern_status tern_nist_template_get(const tern_nist *t, size_t index, unsigned block,
                                   tern_template **out, tern_error *err);

/* Appends a Type-9 record holding tpl as an INCITS 378 block (9.126-9.140,
 * with 9.003 IMP, 9.004 FMT "U" and, for compatibility, 9.010 none) and
 * returns its index in *index. Coordinates are rounded to whole pixels,
 * angles to 2-degree units. Errors: TERN_E_ARG for a template with no
 * frame or resolution, or coordinates out of the 14-bit range. */
tern_status tern_nist_add_template(tern_nist *t, const tern_template *tpl, size_t *index,
                                   tern_error *err);

/* ---- Type-98 information assurance ------------------------------------------- */

typedef struct tern_nist_audit_entry {
    char event[16];           /* ALF item 1: "ADD", "DELETE", "MODIFY", "READ" ... */
    char reason[128];         /* item 2 */
    char field[32];           /* item 3: the information identified, e.g. "10.999" */
    char agency[64];          /* item 4 */
    char process[128];        /* item 5 */
    char time[24];            /* item 6: GMT */
} tern_nist_audit_entry;

/* The number of audit log entries (98.900 ALF subfields) of record
 * `index`; 0 if it is not a Type-98 record or has none. */
size_t tern_nist_audit_count(const tern_nist *t, size_t index);
/* Reads entry `i` of the audit log of Type-98 record `index`. Text longer
 * than a member is truncated. TERN_E_NOT_FOUND if out of range. */
tern_status tern_nist_audit_get(const tern_nist *t, size_t index, size_t i,
                                tern_nist_audit_entry *out, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
