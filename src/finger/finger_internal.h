/* finger_internal.h - the working state of one feature extraction, shared by
 * the stages of the pipeline in src/finger/ (extract.c drives them in order).
 *
 * Everything here is at the working resolution of 500 ppi, in image
 * coordinates (x right, y down, angles measured from +x towards +y). The
 * conversion to the template's convention (y up, original frame) happens
 * once, in extract.c. Orientation is kept as doubled-angle vectors
 * (cos 2t, sin 2t) of the RIDGE direction t, so that it can be averaged
 * (Kass & Witkin 1987; Bazen & Gerez 2002). Block fields are on a grid of
 * FP_BLOCK x FP_BLOCK pixel blocks.
 */
#ifndef TERN_FINGER_INTERNAL_H
#define TERN_FINGER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tern/finger.h"
#include "tern/status.h"

#define FP_PPI 500.0
#define FP_BLOCK 8
#define FP_PI 3.14159265358979323846
/* Plausible ridge period at 500 ppi, pixels (0.2 to 0.65 mm). */
#define FP_PERIOD_MIN 4.5f
#define FP_PERIOD_MAX 16.0f

typedef struct fp_minutia {
    float x, y;      /* working pixels */
    float angle;     /* radians, image coordinates */
    uint8_t type;    /* tern_minutia_type */
    uint8_t quality; /* 0..100 */
} fp_minutia;

typedef struct fp_singular {
    float x, y;
    uint8_t type; /* tern_singular_type */
} fp_singular;

typedef struct fp_work {
    int w, h;        /* working image size */
    float *img;      /* grey at 500 ppi, inverted: ridges high, 0..255 */

    int bw, bh;      /* block grid */
    float *gxx, *gyy, *gxy; /* per-block sums of squared gradients */
    float *bmean, *bstd;    /* per-block mean and standard deviation (3x3 window) */
    float *coh;      /* per-block coherence of the 3x3 window, 0..1 */
    float *coh_img;  /* the same on the grey image (kept for quality) */
    float *ox, *oy;  /* smoothed doubled-angle ridge orientation (unit vectors) */
    float *orel;     /* reliability of the smoothed orientation, 0..1 */
    float *period;   /* ridge period per block, pixels */
    uint8_t *pvalid; /* 0 not measured, 1 measured and valid, 2 measured, invalid */
    uint8_t *fg;     /* block foreground */
    float *clarity;  /* per-block ridge-valley clarity, 0..1 */

    uint8_t *mask;   /* pixel foreground */
    float *border;   /* pixel distance to background or image edge (chamfer) */
    float *enh;      /* enhanced image: > 0 on ridges */
    uint8_t *skel;   /* skeleton: 1 on ridge skeleton pixels */

    fp_minutia *min;
    size_t n_min, cap_min;
    fp_singular sing[TERN_TEMPLATE_MAX_SINGULAR];
    size_t n_sing;

    float median_period;
} fp_work;

/* orient.c: gradients, block sums, coherence, smoothed orientation. */
/* from_enhanced: from w->enh (the ridge-smoothed image of
 * fp_enhance(w, 1, ...): a second, cleaner estimate), keeping the grey-level
 * statistics. */
tern_status fp_orient_blocks(fp_work *w, int from_enhanced, tern_error *err);
tern_status fp_orient_smooth(fp_work *w, tern_error *err);
/* The ridge angle t (image coordinates, [0, pi)) at pixel (x, y), bilinear in
 * the doubled-angle field. */
float fp_orient_at(const fp_work *w, float x, float y);
/* Gaussian smoothing of a doubled-angle field over blocks, weighted by wgt
 * (may be NULL), results normalised; out_rel gets the resultant length. */
void fp_smooth_vectors(int bw, int bh, const float *vx, const float *vy, const float *wgt,
                       float sigma, float *ox, float *oy, float *out_rel);

/* segment.c: block and pixel foreground, distance to the border. */
tern_status fp_segment(fp_work *w, tern_error *err);
tern_status fp_border_distance(fp_work *w, tern_error *err);
/* After enhancement: drops blocks without ridge-valley clarity, cleans the
 * mask again and recomputes the pixel mask and border distance. */
tern_status fp_segment_refine(fp_work *w, tern_error *err);

/* freq.c: ridge period per block, from the grey image or (from_enhanced)
 * from the ridge-smoothed image in w->enh. */
tern_status fp_frequency(fp_work *w, int from_enhanced, tern_error *err);

/* enhance.c: oriented Gabor enhancement into w->enh; clarity per block.
 * along_only: only the first pass (Gaussian along the ridges, everywhere
 * near the foreground) into w->enh, for a second orientation estimate. */
tern_status fp_enhance(fp_work *w, int along_only, tern_error *err);

/* thin.c: binarisation of w->enh within the mask and thinning into w->skel. */
tern_status fp_thin(fp_work *w, tern_error *err);

/* minutiae.c: skeleton graph, false-minutia removal, direction, quality. */
tern_status fp_minutiae(fp_work *w, tern_error *err);

/* singular.c: cores and deltas by the Poincare index. */
tern_status fp_singular_points(fp_work *w, tern_error *err);

/* quality.c: the NFIQ-2-like score. */
void fp_quality(const fp_work *w, tern_finger_quality *q);

/* One 3x3 dilation (op 0) or erosion (op 1) of the 0/1 mask m (w x h cells),
 * cells outside counting as background; tmp holds w*h bytes (segment.c). */
void fp_morph3(uint8_t *m, uint8_t *tmp, int w, int h, int op);

/* Shared small helpers. */
static inline float fp_clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }
static inline int fp_clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

#endif
