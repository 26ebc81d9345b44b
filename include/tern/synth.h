/* tern/synth.h - synthetic fingerprints and identities, for the demo, the
 * tests and scale benchmarks (no real print is ever needed).
 *
 * The method is SFinGe's (R. Cappelli, D. Maio, D. Maltoni, "Synthetic
 * fingerprint-database generation", ICPR 2002; and the chapter "Synthetic
 * fingerprint generation" of Maltoni, Maio, Jain, Prabhakar, Handbook of
 * Fingerprint Recognition): a *master fingerprint* (the ridge pattern of one
 * finger) is grown from random seeds by iterative contextual Gabor filtering
 * steered by an orientation field (Sherlock & Monro's zero-pole model, 1993,
 * with SFinGe's corrections) and a ridge-frequency map inside a fingertip
 * silhouette; *impressions* of it are then made with displacement, rotation,
 * partial contact, non-linear skin distortion (Cappelli, Maio, Maltoni,
 * "Modelling plastic distortion in fingerprint images", ICAPR 2001), ridge
 * thickness (pressure, dryness), noise and background. See docs/synth.md.
 *
 * A fast template-level mode makes tern_template records directly (no image)
 * for 1:N scale benchmarks, with several impressions per finger so that
 * searches have genuine mates.
 *
 * Everything is deterministic for a seed: Tern's own PRNG (xoshiro256**,
 * seeded by splitmix64), never rand(); the same seed gives byte-identical
 * output on every run. Resolution is 500 ppi throughout.
 *
 * Thread safety: all functions are reentrant; a tern_synth_rng, a master and
 * a template finger belong to one thread while being written; masters and
 * template fingers are read-only after creation and may be shared.
 */
#ifndef TERN_SYNTH_H
#define TERN_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/image.h"
#include "tern/status.h"
#include "tern/template.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_SYNTH_PPI 500.0
/* Largest master canvas or impression side, pixels (a 1.6 inch rolled print). */
#define TERN_SYNTH_MAX_DIM 1024u

/* ---- deterministic random numbers --------------------------------------- */

/* xoshiro256** (Blackman & Vigna), seeded from one 64-bit value through
 * splitmix64. A zeroed struct is not a valid state: seed it first. */
typedef struct tern_synth_rng {
    uint64_t s[4];
} tern_synth_rng;

void tern_synth_rng_seed(tern_synth_rng *rng, uint64_t seed);
uint64_t tern_synth_rng_u64(tern_synth_rng *rng);
/* Uniform in [0, 1). */
double tern_synth_rng_uniform(tern_synth_rng *rng);
/* Uniform in [lo, hi). */
double tern_synth_rng_range(tern_synth_rng *rng, double lo, double hi);
/* Standard normal (Box-Muller; deterministic, no cached spare). */
double tern_synth_rng_normal(tern_synth_rng *rng);
/* Uniform integer in [0, n); n > 0. */
uint32_t tern_synth_rng_below(tern_synth_rng *rng, uint32_t n);
/* A well-mixed seed for a sub-object: (seed, a, b) -> seed, e.g. (database
 * seed, finger index, impression index). Distinct inputs give unrelated
 * streams. */
uint64_t tern_synth_seed_mix(uint64_t seed, uint64_t a, uint64_t b);

/* ---- fingerprint classes ------------------------------------------------- */

typedef enum tern_synth_class {
    TERN_SYNTH_ARCH = 0,
    TERN_SYNTH_TENTED_ARCH,
    TERN_SYNTH_LEFT_LOOP,  /* ridges enter and leave on the left of the image */
    TERN_SYNTH_RIGHT_LOOP,
    TERN_SYNTH_WHORL,
    TERN_SYNTH_CLASS_COUNT
} tern_synth_class;

/* "arch", "tented_arch", "left_loop", "right_loop", "whorl"; "unknown" else. */
const char *tern_synth_class_name(tern_synth_class c);
/* Draws a class at its natural frequency (SFinGe's figures: arch 3.7 %,
 * tented arch 2.9 %, left loop 33.8 %, right loop 31.7 %, whorl 27.9 %). */
tern_synth_class tern_synth_class_draw(tern_synth_rng *rng);

/* ---- master fingerprints -------------------------------------------------- */

typedef struct tern_synth_master tern_synth_master;

typedef struct tern_synth_master_opts {
    uint32_t width;     /* canvas, pixels at 500 ppi; 0: 288 */
    uint32_t height;    /* 0: 384 */
    int finger_class;   /* a tern_synth_class, or -1: drawn at natural frequency */
    double period;      /* mean ridge period in pixels; 0: drawn around 7.2 px (FVC2002 DB4) */
} tern_synth_master_opts;

/* Fills opts with the defaults above (finger_class -1). */
void tern_synth_master_defaults(tern_synth_master_opts *opts);

/* Generates the master fingerprint for `seed`. opts may be NULL (defaults).
 * Sides must be 64..TERN_SYNTH_MAX_DIM (else TERN_E_ARG). The result is
 * owned by the caller (tern_synth_master_free) and read-only. Cost: about
 * 0.1-0.5 s for 288x384 on one core. */
tern_status tern_synth_master_create(uint64_t seed, const tern_synth_master_opts *opts,
                                     tern_synth_master **out, tern_error *err);
void tern_synth_master_free(tern_synth_master *m);

tern_synth_class tern_synth_master_class(const tern_synth_master *m);
/* Copies up to max singular points (canvas coordinates; cores have an
 * angle pointing out of the loop) into out; returns how many there are. */
uint32_t tern_synth_master_singular(const tern_synth_master *m, tern_singular *out, uint32_t max);
/* The master ridge pattern as a new grey image (ridges black on white, the
 * canvas size, 500 ppi): what a perfect impression would show. */
tern_status tern_synth_master_render(const tern_synth_master *m, tern_image **out,
                                     tern_error *err);

/* ---- impressions ---------------------------------------------------------- */

typedef struct tern_synth_impression_opts {
    uint32_t width;        /* output size; 0: the master's canvas size */
    uint32_t height;
    bool rolled;           /* rolled: wider contact area, more lateral stretch */
    double translation;    /* largest displacement, pixels (default 45; normal, sd a third of
                              it; FVC-style databases use TERN_SYNTH_SENSOR_TRANSLATION) */
    double rotation_deg;   /* largest rotation, degrees (default 18) */
    double distortion;     /* scale of the skin distortion, 0 = none (default 1) */
    double noise;          /* scale of noise, dryness and background, 0 = clean (default 1) */
    double contact;        /* scale of partial-contact variation, 0 = full (default 1) */
    bool plain_background; /* no sensor effects (vignetting, shading, texture, streaks,
                              dust; grain kept): an even background, for prints to be
                              composed onto another canvas such as a slap (default false) */
} tern_synth_impression_opts;

void tern_synth_impression_defaults(tern_synth_impression_opts *opts);

/* Largest displacement of a print on a single-finger sensor, pixels: the
 * finger lands anywhere on the platen, so impressions of one finger move
 * more than a fingertip in a slap or a card's box (the default, 45). What
 * `tern synth --fingers` databases use: FVC2002 DB4's prints move 37 px rms
 * between impressions of a finger (bench_synth), at 45 Tern's moved 28. */
#define TERN_SYNTH_SENSOR_TRANSLATION 66.0

/* Makes one impression of master m for `seed` (different seeds give
 * different impressions of the same finger): a new grey 500 ppi image owned
 * by the caller. opts may be NULL (defaults). Deterministic. */
tern_status tern_synth_impression(const tern_synth_master *m, uint64_t seed,
                                  const tern_synth_impression_opts *opts, tern_image **out,
                                  tern_error *err);

/* ---- template-level synthesis (fast mode) --------------------------------- */

/* A "template finger": the master minutiae of one synthetic finger, laid on
 * the same orientation model as the masters (directions follow the ridge
 * flow; positions are spread with a minimum spacing inside the silhouette).
 * Its impressions are templates: the master minutiae displaced, rotated,
 * distorted, cropped to the frame, with dropouts and spurious minutiae. */
typedef struct tern_synth_tfinger tern_synth_tfinger;

typedef struct tern_synth_timpression_opts {
    uint32_t width;        /* frame, pixels at 500 ppi; 0: 416 */
    uint32_t height;       /* 0: 560 */
    double translation;    /* default 20 px */
    double rotation_deg;   /* default 10 */
    double distortion;     /* default 1 */
    double dropout;        /* probability a true minutia is missed; default 0.12 */
    double spurious;       /* spurious minutiae, as a fraction of true ones; default 0.08 */
    double jitter;         /* position noise, pixels (sd); default 1 */
} tern_synth_timpression_opts;

void tern_synth_timpression_defaults(tern_synth_timpression_opts *opts);

/* Master minutiae for `seed`; finger_class -1 draws one. The canvas is the
 * default frame (416x560). Owned by the caller. */
tern_status tern_synth_tfinger_create(uint64_t seed, int finger_class, tern_synth_tfinger **out,
                                      tern_error *err);
void tern_synth_tfinger_free(tern_synth_tfinger *f);
tern_synth_class tern_synth_tfinger_class(const tern_synth_tfinger *f);
uint32_t tern_synth_tfinger_count(const tern_synth_tfinger *f);

/* One impression of f as a new template (500 ppi, the frame of opts, up to
 * TERN_TEMPLATE_MAX_MINUTIAE minutiae, finger_position 0: set it yourself).
 * opts may be NULL. */
tern_status tern_synth_tfinger_impression(const tern_synth_tfinger *f, uint64_t seed,
                                          const tern_synth_timpression_opts *opts,
                                          tern_template **out, tern_error *err);

/* ---- identities ------------------------------------------------------------ */

/* A fictitious person. Every name starts with "SYNTH-", places are made-up
 * towns in the ISO 3166 user-assigned code "ZZ", and the document number
 * starts with "SYN": nothing can be mistaken for a real person. */
typedef struct tern_synth_identity {
    char id[32];              /* "SYNTH-<seed hex>-<index>" */
    char given_name[48];
    char family_name[48];
    char sex;                 /* 'F' or 'M' */
    int birth_year, birth_month, birth_day;
    char birth_place[64];
    char country[3];          /* "ZZ" */
    char document_number[16];
    /* Per finger, index = ANSI/NIST FGP - 1 (0 right thumb .. 9 left little). */
    tern_synth_class finger_class[10];
    uint64_t finger_seed[10]; /* seed of each finger's master */
    double finger_period[10]; /* mean ridge period of each finger, pixels */
    double ridge_period;      /* the person's mean ridge period, pixels */
} tern_synth_identity;

/* "right thumb" .. "left little" for ANSI/NIST FGP 1..10; "unknown" else. */
const char *tern_synth_finger_name(int position);

/* Identity number `index` of the population for `seed`. Finger classes are
 * correlated as on real hands: a person-level tendency to whorls or arches,
 * homologous fingers (same finger, other hand) sharing a tendency, per-finger
 * priors (whorls on thumbs and ring fingers, arches and radial loops on index
 * fingers) and ulnar loops (right loops on the right hand, left loops on
 * the left). */
void tern_synth_identity_make(uint64_t seed, uint64_t index, tern_synth_identity *out);

/* The identity's biographic data and finger classes as a JSON object text
 * (malloc'd, NUL-terminated; free() it; layout in docs/synth.md). `files`
 * (may be NULL) names, per finger and impression, the file written for it:
 * files[(position - 1) * n_impressions + i]; entries may be NULL. */
tern_status tern_synth_identity_json(const tern_synth_identity *id, uint32_t n_impressions,
                                     const char *const *files, char **json, tern_error *err);

/* ---- ANSI/NIST-ITL transactions --------------------------------------------- */

struct tern_nist; /* tern/nist.h */

/* A new ANSI/NIST-ITL 1-2011 transaction (version 0500) for identity id, of
 * Tern's enrollment type (1.004 TOT "TENR", valid under the tern-enrollment
 * profile of docs/nist.md once its Type-14 records are added): Type-1 (fixed
 * date 2026-01-01 so output is deterministic, agency "ZZSYNTH00", TCN = the
 * identity id, 19.69 px/mm) and a Type-2 with 2.010 ENC, 2.011 PUR
 * "ENROLL", 2.012 LOC, 2.013 CTM, 2.018 NAM (surname US given), 2.022 DOB,
 * 2.024 SEX and 2.030 SID (the identity id). Free with tern_nist_free. */
tern_status tern_synth_an2_create(const tern_synth_identity *id, struct tern_nist **out,
                                  tern_error *err);
/* Appends a Type-14 record (variable-resolution fingerprint image) holding
 * img (grey, 500 ppi) for finger position 1..10, impression type 1 (live-scan
 * rolled) or 0 (plain), compressed WSQ (14.011 "WSQ20") when Tern's WSQ
 * encoder is available, else PNG ("PNG", also a 2011 compression code). */
tern_status tern_synth_an2_add_image(struct tern_nist *t, const tern_image *img, int position,
                                     bool rolled, tern_error *err);

/* ---- realism statistics ------------------------------------------------- */

/* What tern_synth_image_stats_compute measures on one grey image, per
 * 32x32 block (step 16): used by the tests and to compare generated prints
 * with real ones (docs/synth.md). */
typedef struct tern_synth_image_stats {
    uint32_t blocks;         /* blocks examined */
    double foreground;       /* fraction of blocks with a ridge pattern */
    double coherence_mean;   /* mean orientation coherence of those, 0..1 */
    double orient_hist[8];   /* their ridge orientations, 22.5-degree bins from 0 */
    uint32_t period_blocks;  /* foreground blocks where a period was found */
    double period_mean;      /* ridge period, pixels */
    double period_median;
    double period_sd;
    double grey_mean;        /* over the whole image */
    double grey_sd;
    /* Where the print lies and its shape: centroid of the foreground block
     * centres and their standard deviations along x and y, pixels (0 when
     * there is no foreground). */
    double fg_cx, fg_cy, fg_sx, fg_sy;
} tern_synth_image_stats;

/* Measures img (1 channel, at least 32x32). Any image, generated or real. */
tern_status tern_synth_image_stats_compute(const tern_image *img, tern_synth_image_stats *st,
                                           tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
