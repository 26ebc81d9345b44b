/* tern/template.h - the fingerprint template: the minutiae (and singular
 * points and ridge counts) extracted from one image of one finger.
 *
 * Coordinates are pixels in the template's own frame (origin at the top
 * left, x to the right, y down) at the frame's resolution ppi_x / ppi_y; a
 * comparator converts to millimetres with them, so templates from images of
 * different resolutions compare correctly. Angles are radians in [0, 2*pi),
 * counter-clockwise from the x axis as the image is viewed (that is, with y
 * pointing up), following the minutia direction convention of ISO/IEC
 * 19794-2:2005 (see docs/templates.md).
 *
 * Encoders and decoders for the internal format and for the ISO/IEC 19794-2
 * and ANSI INCITS 378 records live in src/finger/template_*.c (declared in
 * tern/template_io.h).
 *
 * Thread safety: a template is immutable once built and may be read from any
 * number of threads.
 */
#ifndef TERN_TEMPLATE_H
#define TERN_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ISO/IEC 19794-2 and INCITS 378 count minutiae in one byte. */
#define TERN_TEMPLATE_MAX_MINUTIAE 255u
#define TERN_TEMPLATE_MAX_SINGULAR 32u
#define TERN_TEMPLATE_MAX_RIDGE_COUNTS 4096u
/* Uninterpreted extended data blocks kept per template. */
#define TERN_TEMPLATE_MAX_BLOCKS 64u

typedef enum tern_minutia_type {
    TERN_MINUTIA_OTHER = 0,
    TERN_MINUTIA_ENDING = 1,
    TERN_MINUTIA_BIFURCATION = 2,
} tern_minutia_type;

typedef struct tern_minutia {
    float x;         /* pixels, in the template's frame */
    float y;
    float angle;     /* radians, [0, 2*pi) */
    uint8_t type;    /* tern_minutia_type */
    uint8_t quality; /* 0..100; 0 means not reported */
} tern_minutia;

typedef enum tern_singular_type {
    TERN_SINGULAR_CORE = 1,
    TERN_SINGULAR_DELTA = 2,
} tern_singular_type;

typedef struct tern_singular {
    float x;
    float y;
    float angle;       /* radians; meaningful only if has_angle */
    uint8_t type;      /* tern_singular_type */
    uint8_t has_angle; /* 0: no direction; 1: `angle` holds it; 3 (deltas only): `angle`
                        * and tern_template.singular_angles hold the three directions of
                        * a delta's ridges (ISO/IEC 19794-2:2005 8.2.3) */
} tern_singular;

typedef struct tern_ridge_count {
    uint16_t a;        /* minutia indices, 0-based, both < n_minutiae */
    uint16_t b;
    uint8_t count;
} tern_ridge_count;

/* Ridge count extraction method (ISO/IEC 19794-2:2005 8.2.2). */
typedef enum tern_ridge_count_method {
    TERN_RIDGE_COUNT_NONSPECIFIC = 0,
    TERN_RIDGE_COUNT_QUADRANT = 1, /* four-neighbour */
    TERN_RIDGE_COUNT_OCTANT = 2,   /* eight-neighbour */
} tern_ridge_count_method;

/* An extended data block of an exchange record that Tern does not interpret
 * (vendor-defined types, zonal quality): kept so that a conversion between
 * versions of the same family carries it through. */
typedef struct tern_template_block {
    uint16_t type;     /* the record's extended data type identifier */
    uint16_t length;   /* bytes of data (the block's own header excluded) */
    uint8_t *data;     /* owned; NULL if length is 0 */
} tern_template_block;

/* A coarse ridge orientation field (optional): what Tern's extractor
 * estimated, kept per cell of a regular grid over the frame (16 px at
 * 500 ppi), for a comparator to weigh the agreement of two fields after
 * aligning their minutiae (docs/matching.md). ISO/IEC 19794-2 and INCITS 378
 * records carry none: cols = rows = 0 and cells NULL. Stored in section 5 of
 * Tern's format (docs/templates.md). */
#define TERN_ORIENT_LEVELS 16u              /* orientations per half turn */
#define TERN_ORIENT_MAX_CELLS 65536u        /* cols * rows at most */
typedef struct tern_orientation_field {
    uint16_t cols, rows;   /* grid size in cells; 0 x 0: no field */
    float cell_x, cell_y;  /* cell size in the frame's pixels (> 0 when cols > 0): cell
                            * (c, r) covers x in [c cell_x, (c + 1) cell_x), y likewise */
    uint8_t *cells;        /* owned; cols * rows, row by row from the top: 0 background,
                            * v in 1..TERN_ORIENT_LEVELS a ridge orientation of
                            * (v - 1) * pi / TERN_ORIENT_LEVELS radians, counter-clockwise
                            * from the x axis as minutia angles are (mod pi) */
} tern_orientation_field;

/* Capture date and time (ISO/IEC 19794-1:2011 clause 10.3, UTC). year 0
 * means not recorded (the record then holds 0xFF filler). */
typedef struct tern_capture_time {
    uint16_t year;
    uint8_t month, day, hour, minute, second;
    uint16_t millisecond;
} tern_capture_time;

typedef struct tern_template {
    uint32_t width;            /* frame size, pixels */
    uint32_t height;
    double ppi_x;              /* frame resolution, pixels per inch (> 0) */
    double ppi_y;
    uint8_t finger_position;   /* ANSI/NIST FGP: 0 unknown, 1..10, 11..15 */
    uint8_t impression_type;   /* ANSI/NIST IMP: 0 live-scan plain, 1 rolled, ... */
    uint8_t quality;           /* 0..100 finger image quality; 0 = not reported */
    uint32_t n_minutiae;
    tern_minutia *minutiae;    /* owned */
    uint32_t n_singular;
    tern_singular *singular;   /* owned; cores and deltas */
    float *singular_angles;    /* owned; NULL or 2 * n_singular entries: the second and
                                * third directions of singular[i] (radians) at [2i], [2i+1]
                                * when its has_angle is 3 */
    uint8_t ridge_count_method; /* tern_ridge_count_method */
    uint32_t n_ridge_counts;
    tern_ridge_count *ridge_counts; /* owned */

    /* Provenance carried by the internal and exchange formats. All zero in a
     * fresh template; writers use documented defaults for zero fields. */
    char engine[32];           /* NUL-terminated: the extractor that produced the
                                * minutiae, e.g. "tern 0.1.0"; "" if unknown */
    uint8_t view_number;       /* 0..15: several views of one finger in a record */
    uint16_t quality_vendor;   /* owner and id of the quality algorithm */
    uint16_t quality_algorithm; /* (INCITS 378-2009, ISO/IEC 19794-2:2011) */
    uint16_t device_vendor;    /* capture device (ISO/IEC 19794-2:2011) */
    uint16_t device_type;
    uint8_t device_technology;
    tern_capture_time capture_time;
    uint8_t ridge_ending_type; /* ISO/IEC 19794-2:2011 7.3.6: 0 valley skeleton
                                * bifurcation point, 1 ridge skeleton end point */
    uint32_t n_blocks;
    tern_template_block *blocks; /* owned: uninterpreted extended data */
    tern_orientation_field orient; /* optional; zero when absent */
} tern_template;

/* Allocates a template with room for n_minutiae minutiae (zeroed) and no
 * singular points or ridge counts. n_minutiae is at most
 * TERN_TEMPLATE_MAX_MINUTIAE. */
tern_status tern_template_create(uint32_t n_minutiae, tern_template **out, tern_error *err);
/* Frees t and everything it owns (minutiae, singular points, ridge counts,
 * blocks and their data, the orientation field's cells); NULL is allowed. */
void tern_template_free(tern_template *t);
/* A new deep copy of t (every owned array and block copied). Errors:
 * TERN_E_NOMEM. */
tern_status tern_template_clone(const tern_template *t, tern_template **out, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
