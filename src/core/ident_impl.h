/* ident_impl.h - what enroll.c, identify.c and galleries.c share (private
 * to src/core): the fingers of a request turned into templates and
 * compressed samples, storing them, the search options and the threshold. */
#ifndef TERN_IDENT_IMPL_H
#define TERN_IDENT_IMPL_H

#include "core/core_impl.h"
#include "tern/gallery.h"
#include "tern/template.h"

struct tern_core_gallery {
    tern_gallery *g;
};

/* One sample to store: a finger image compressed as WSQ. */
typedef struct ident_sample {
    int position, impression;
    uint8_t *wsq;
    size_t len;
    char id[TERN_ID_MAX];   /* set once stored */
} ident_sample;

/* The fingers of a request, checked and turned into templates. */
typedef struct ident_fingers {
    tern_template *t[TERN_GALLERY_FINGERS]; /* the template kept per position (rolled first) */
    tern_gallery_finger *prepared[TERN_GALLERY_FINGERS]; /* ident_gallery_prepare */
    int t_sample[TERN_GALLERY_FINGERS];     /* index into samples, or -1 */
    /* one per image given, plus one per fingertip cut from a slap */
    ident_sample samples[TERN_CORE_MAX_FINGERS + TERN_GALLERY_FINGERS];
    size_t n_samples;
    unsigned present, missing, amputated;   /* masks, bit position - 1 */
    unsigned rolled;                        /* positions whose kept print is rolled */
    unsigned slap_tips;                     /* positions cut from a slap */
    unsigned slaps;                         /* slaps given, bit slap position - 13 */
} ident_fingers;

/* Checks and extracts the fingers (see tern_core_enroll for the rules);
 * sequence: check that plain and rolled prints of a position agree. */
tern_status ident_fingers_load(const tern_core_finger *f, size_t n, bool sequence,
                               ident_fingers *out, tern_error *err);
void ident_fingers_free(ident_fingers *f);
/* Compresses image as WSQ into the next sample of out. */
tern_status ident_add_sample(ident_fingers *out, const struct tern_image *image, int position,
                             int impression, tern_error *err);
/* Cuts slap finger f (position 13..15, an image) into fingertips
 * (tern/slap.h; the fingers already marked missing or amputated are not
 * looked for), extracts and samples each, and, with sequence, checks them
 * against the rolled prints already loaded (docs/identification.md,
 * "Slaps"). plain: positions given as single plain prints (a fingertip of
 * one of them is TERN_E_ARG). Fingertips of positions with a rolled print
 * are not kept (the rolled print is). */
tern_status ident_slap_load(ident_fingers *out, const tern_core_finger *f, size_t i,
                            bool sequence, unsigned plain, tern_error *err);
/* "rolled/plain 1,2,...; missing 9; amputated 4" for the encounter row. */
void ident_captured(const ident_fingers *f, char *buf, size_t size);
/* A probe of the kept templates. */
tern_status ident_probe(const ident_fingers *f, tern_gallery_probe **out, tern_error *err);
/* Stores the samples (subject_id may be "") and, if subject_id is set, one
 * template row per kept finger with TERN_ENGINE_VERSION. */
tern_status ident_store(tern_core *c, ident_fingers *f, const char *subject_id,
                        const char *encounter_id, int64_t now_ms, tern_error *err);
/* The ids of a new subject's records. */
typedef struct ident_ids {
    char subject_id[TERN_ID_MAX], identity_id[TERN_ID_MAX], encounter_id[TERN_ID_MAX];
} ident_ids;
/* *until = from_ms + the rule of category (NULL: ""); TERN_E_NOT_FOUND
 * naming the category if it has none. */
tern_status ident_retention(tern_core *c, const char *category, int64_t from_ms,
                            int64_t *until, tern_error *err);
/* Stores a new subject from req (enroll.c): the subject (retain-until:
 * *retain_until, or NULL: its category's rule read now, ident_retention),
 * its identity record (agency: the actor's), an encounter with purpose and
 * result, the samples and the templates of f. Inside the caller's
 * transaction. */
tern_status ident_records(tern_core *c, const tern_user *actor, const tern_enroll_request *req,
                          const int64_t *retain_until, ident_fingers *f, const char *purpose,
                          const char *result, ident_ids *out, tern_error *err);
/* Prepares the kept templates for the gallery (before commit, so that
 * adding them after it can fail only for memory). */
tern_status ident_gallery_prepare(ident_fingers *f, tern_error *err);
/* Hands the prepared fingers to the gallery under subject_id (after
 * commit); f keeps no ownership of them. */
tern_status ident_gallery_add(tern_core_gallery *g, ident_fingers *f, const char *subject_id,
                              tern_error *err);
/* The per-candidate fused-FMR threshold for a target FPIR over n subjects:
 * 1 - (1 - fpir)^(1/n). */
double ident_threshold(double fpir, size_t n);
/* Search options from the request's. */
void ident_search_opts(const tern_core_match_opts *m, tern_gallery_search_opts *o);
/* The evidence JSON of an alert for candidate cand (evidence.c): a new
 * malloc'd text in *json (*len bytes, NUL-terminated), with the matched
 * minutiae of every finger the probe and the candidate's stored templates
 * share. Errors: the store's, TERN_E_NOMEM. */
tern_status ident_evidence(tern_core *c, const ident_fingers *probe,
                           const tern_gallery_candidate *cand, double threshold,
                           const char *stage, char **json, size_t *len, tern_error *err);

#endif
