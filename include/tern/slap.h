/* tern/slap.h - slap segmentation: a plain four-finger slap (ANSI/NIST-ITL
 * finger positions 13 right, 14 left) or a two-thumb slap (15) cut into
 * single fingertips, each labelled with its finger position, so that every
 * finger is extracted and enrolled on its own (docs/identification.md,
 * "Slaps").
 *
 * Positions, in the order the fingers appear from left to right in an
 * upright slap image (the print as seen from the glass or the card):
 *   13 right four fingers: 2 index, 3 middle, 4 ring, 5 little;
 *   14 left four fingers: 10 little, 9 ring, 8 middle, 7 index;
 *   15 both thumbs: 6 left thumb, 1 right thumb.
 * A finger the hand lacks (amputated, or not printed) is named in
 * tern_slap_opts.absent: the segmenter then looks for that many fewer
 * fingers and labels the ones it finds in order, skipping it.
 *
 * Method (src/finger/slap.c, slap_axis.c): ridge blocks (grey-level spread
 * and gradient coherence), morphology and connected regions; the hand's
 * axis (within 50 degrees of upright) as the rotation whose projection
 * splits into the expected number of finger columns with the least
 * within-column scatter, cut at gaps or, for touching fingers, at notches
 * between the fingertips, with the ridges' mean flow as a prior (the
 * projection approach of NIST's NFSEG, NBIS; SlapSeg04, NISTIR 7209); per
 * finger, the highest region of its column is the fingertip, its own axis
 * the region's principal axis, and the distal phalanx (to the first
 * flexion crease, else 1.4 finger widths) is cut out upright.
 *
 * Thread safety: reentrant; no shared state.
 */
#ifndef TERN_SLAP_H
#define TERN_SLAP_H

#include <stddef.h>
#include <stdint.h>

#include "tern/image.h"
#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_SLAP_MAX_FINGERS 4u
/* A slap image must be at least this many pixels on each side at 500 ppi
 * (0.6 inch) and at most TERN_SLAP_MAX_DIM (4 inches). */
#define TERN_SLAP_MIN_DIM 300u
#define TERN_SLAP_MAX_DIM 2048u

typedef struct tern_slap_finger {
    int position;          /* ANSI/NIST FGP 1..10 */
    tern_image *image;     /* owned: the fingertip, upright, grey, 500 ppi */
    double cx, cy;         /* centre of the cut-out in the slap image, pixels of the input */
    double angle_deg;      /* the finger's own axis: degrees clockwise from upright */
    /* The cut-out's corners in the input image (pixels), clockwise from the
     * top left of the upright fingertip: the segment polygon an ANSI/NIST
     * Type-14 record carries in 14.021 / 14.025. */
    double corner[4][2];
} tern_slap_finger;

typedef struct tern_slap_result {
    int slap_position;             /* 13, 14 or 15 */
    double hand_angle_deg;         /* the hand's axis, degrees clockwise from upright: the
                                      mean of its fingers' own axes */
    size_t n;                      /* fingers found, left to right */
    tern_slap_finger finger[TERN_SLAP_MAX_FINGERS];
} tern_slap_result;

typedef struct tern_slap_opts {
    /* Positions the hand lacks, a bit per FGP (bit p - 1): amputated or
     * not printed. Bits of positions outside the slap are ignored. */
    unsigned absent;
} tern_slap_opts;

/* The finger positions of slap position slap (13, 14, 15) from left to
 * right, as listed above, into out; returns how many (4, 4, 2), or 0 for a
 * position that is not a slap. */
unsigned tern_slap_positions(int slap, int out[TERN_SLAP_MAX_FINGERS]);

/* Segments img (grey or RGB; its resolution must be known and is brought to
 * 500 ppi) as slap position `slap`; opts may be NULL. On TERN_OK *out holds
 * the fingers found, each with its own image (free them with
 * tern_slap_result_clear). Errors: TERN_E_ARG (slap not 13..15, NULL
 * arguments, resolution unknown, every finger absent), TERN_E_LIMIT (a side
 * below TERN_SLAP_MIN_DIM or above TERN_SLAP_MAX_DIM at 500 ppi),
 * TERN_E_QUALITY (fewer finger regions than expected: the message names
 * the slap position and the counts), TERN_E_NOMEM. On failure *out is
 * empty. Deterministic. */
tern_status tern_slap_segment(const tern_image *img, int slap, const tern_slap_opts *opts,
                              tern_slap_result *out, tern_error *err);

/* Frees the finger images of r and empties it; NULL allowed. */
void tern_slap_result_clear(tern_slap_result *r);

#ifdef __cplusplus
}
#endif
#endif
