/* tern/finger.h - fingerprint feature extraction and image quality: from a
 * grey image of one finger to a tern_template (minutiae, singular points)
 * and a 0-100 quality score.
 *
 * The pipeline (docs/extraction.md; src/finger/extract.c): resampling to
 * 500 ppi, foreground segmentation, orientation field with coherence
 * (Bazen & Gerez 2002), ridge period per block (Hong, Wan & Jain 1998,
 * x-signature), contextual enhancement with oriented Gabor filters applied as
 * two 1-D passes in the ridge frame, binarisation, thinning, minutiae by the
 * crossing number on a skeleton graph, removal of false minutiae (border,
 * spurs, bridges, lakes, short ridges, broken ridges), singular points by the
 * Poincare index, and a quality score in the spirit of NIST NFIQ 2.
 *
 * Resolution: the image's ppi (or opts->ppi) must be known; coordinates in
 * the template are in the ORIGINAL image's pixel frame (template width,
 * height and ppi are the input's), so exported ISO/ANSI records are faithful.
 * Angles follow tern/template.h (radians, counter-clockwise with y up; ridge
 * ending: pointing from the ending along its ridge; bifurcation: pointing
 * along the valley between the two branches, as ISO/IEC 19794-2 and ANSI/NIST
 * EFS define them).
 *
 * Minutia quality (tern_minutia.quality, 1..100): how far the image around
 * the minutia supports it, the product of two terms: the mean of the
 * orientation reliability of its block (resultant length of the smoothed
 * doubled-angle field, 0..1) and the block's ridge-valley clarity (/0.8,
 * capped at 1), times a border term min(1, 0.5 + d / 6T) (d: distance to
 * the background or image edge, T: the local ridge period), so a minutia
 * on the border of the print scores at most half. It is not a probability,
 * but it is ordered like one: on FVC2002 B (320 images, 10,561 minutiae,
 * extractor of the second session, which still dropped unclear blocks),
 * the share of Tern's minutiae that a commercial extractor (the SecuGen
 * templates in ../shared/data) also reports, within 7 px and 40 degrees,
 * is 33 % below 40, 42 % for 40-59, 71 % for 60-79 and 87 % from 80 up.
 * A comparator may weight minutiae by it.
 *
 * Thread safety: tern_extract is reentrant (no shared state); run one call per
 * thread for parallel extraction.
 */
#ifndef TERN_FINGER_H
#define TERN_FINGER_H

#include <stdint.h>

#include "tern/image.h"
#include "tern/status.h"
#include "tern/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest image extracted, in pixels per side at 500 ppi (4.1 inches, more
 * than any finger); larger images fail to enroll (TERN_E_QUALITY). */
#define TERN_EXTRACT_MAX_DIM 2048u
/* Smallest image, pixels per side at 500 ppi (4.1 mm). */
#define TERN_EXTRACT_MIN_DIM 48u
/* Failure to enroll below these. */
#define TERN_EXTRACT_MIN_MINUTIAE 6u
#define TERN_EXTRACT_MIN_AREA_MM2 20.0

/* The quality of a finger image and its components (NFIQ 2 in spirit: the
 * same features, a transparent combination, not NIST's trained model). */
typedef struct tern_finger_quality {
    uint8_t score;                 /* 0..100, higher is better; 0 on failure */
    float orientation_certainty;   /* 0..1: mean orientation coherence, foreground */
    float clarity;                 /* 0..1: ridge-valley clarity (separation of the
                                      enhanced ridge and valley levels) */
    float frequency_consistency;   /* 0..1: 1 - spread of the ridge period */
    float ridge_period_px;         /* median ridge period, pixels at 500 ppi */
    float foreground_mm2;          /* foreground area, square millimetres */
    float foreground_fraction;     /* foreground share of the image, 0..1 */
    uint32_t minutiae;             /* minutiae kept */
    float minutiae_quality;        /* mean minutia quality, 0..100 */
} tern_finger_quality;

typedef struct tern_extract_opts {
    double ppi;              /* > 0: the image's resolution (overrides the image's
                                own); 0: use img->ppi_x / ppi_y */
    uint8_t finger_position; /* copied into the template (ANSI/NIST FGP) */
    uint8_t impression_type; /* copied into the template (ANSI/NIST IMP) */
} tern_extract_opts;

/* Extracts the minutiae and singular points of the finger in img (1 grey or
 * 3 RGB channels; RGB is reduced to luma) into a new template (*out, free
 * with tern_template_free). opts may be NULL. quality may be NULL; if not,
 * it is filled whenever the image could be analysed, also on a failure to
 * enroll, so a caller can show why.
 *
 * Errors: TERN_E_ARG if the resolution is unknown (give opts->ppi, or
 * `--ppi` on the command line) or an argument is NULL; TERN_E_QUALITY (a
 * failure to enroll, with the reason in err) for an image that is too small
 * or too large to be one finger, blank, saturated, without ridge structure
 * (noise), with too little foreground or too few minutiae; TERN_E_NOMEM.
 * On failure *out is NULL. Deterministic: the same image gives the same
 * template on every run and machine (no FP contraction, no threads). */
tern_status tern_extract(const tern_image *img, const tern_extract_opts *opts, tern_template **out,
                         tern_finger_quality *quality, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
