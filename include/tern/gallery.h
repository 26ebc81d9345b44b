/* tern/gallery.h - multi-finger in-memory galleries for 1:N search: ids
 * mapped to up to ten prepared finger templates (ANSI/NIST positions 1..10),
 * searched with one probe of up to ten fingers, per-finger scores fused into
 * one calibrated score that copes with missing fingers. The matcher layer
 * knows no persons and no storage: an id is an opaque string (core uses
 * subject ids), and the caller keeps the gallery consistent with its records.
 *
 * Fusion (docs/identification.md): each finger compared on both sides gives
 * a score s_f and its calibrated false-match rate p_f =
 * tern_match_fmr_for_score(s_f) (tern/match.h). The k rates are combined by
 * Fisher's method, assuming impostor scores of different fingers are
 * independent: with T = -sum ln p_f, the fused false-match rate is
 *     FMR_fused = P(Gamma(k, 1) >= T) = exp(-T) * sum_{j<k} T^j / j!
 * which is a false-match rate whatever k is, so a candidate with three
 * fingers on file compares fairly with one with ten. The fused score is
 * -log10(FMR_fused) (0 when no finger could be compared).
 *
 * Pre-selection (large galleries): the probe's two index fingers (positions
 * 2 and 7; if it has neither, its first two fingers) are compared with every
 * id; the `shortlist` best by fused score on those fingers are then compared
 * on all fingers. bench/bench_identify.c reports the hit rate this loses
 * against the exhaustive search.
 *
 * Memory: a finger keeps a packed copy of the prepared template (about
 * 1.4 KB at 45 minutiae; docs/identification.md), restored in scratch
 * memory for each comparison (the score is identical to
 * tern_match_compare's, bit for bit).
 * tern_gallery_memory() reports the bytes held.
 *
 * Thread safety: a gallery is guarded by a read-write lock: any number of
 * searches run at once, each with its own scratch; put and remove wait for
 * them and exclude each other.
 */
#ifndef TERN_GALLERY_H
#define TERN_GALLERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"
#include "tern/template.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_GALLERY_FINGERS 10u
/* Longest id, NUL included (the same as TERN_ID_MAX of tern/store.h). */
#define TERN_GALLERY_ID_MAX 48u
/* Most candidates one search returns. */
#define TERN_GALLERY_MAX_CANDIDATES 1000u

typedef struct tern_gallery tern_gallery;

/* A new, empty gallery. Errors: TERN_E_NOMEM. */
tern_status tern_gallery_create(tern_gallery **out, tern_error *err);
/* Frees the gallery and every finger; NULL allowed. No search may run. */
void tern_gallery_free(tern_gallery *g);

/* One prepared finger, made outside the lock (the slow part) and then
 * handed to tern_gallery_put, which takes ownership. */
typedef struct tern_gallery_finger tern_gallery_finger;
/* Prepares template t (see tern_match_template_create for what is
 * accepted; about 1 ms). Errors: TERN_E_ARG, TERN_E_NOMEM, TERN_E_LIMIT
 * (minutiae spread over more than 16 inches). */
tern_status tern_gallery_finger_prepare(const tern_template *t, tern_gallery_finger **out,
                                        tern_error *err);
void tern_gallery_finger_free(tern_gallery_finger *f);
/* A copy of f (a memory copy: no preparation). Errors: TERN_E_NOMEM. */
tern_status tern_gallery_finger_clone(const tern_gallery_finger *f, tern_gallery_finger **out,
                                      tern_error *err);
/* Bytes the finger holds. */
size_t tern_gallery_finger_bytes(const tern_gallery_finger *f);

/* Sets finger `position` (1..10) of `id` to f (owned by the gallery from
 * then on, also on failure), replacing what was there and adding the id if
 * new. Errors: TERN_E_ARG (bad position or id longer than
 * TERN_GALLERY_ID_MAX - 1 or empty), TERN_E_NOMEM. Takes the write lock. */
tern_status tern_gallery_put(tern_gallery *g, const char *id, unsigned position,
                             tern_gallery_finger *f, tern_error *err);
/* Convenience: prepares t and puts it. */
tern_status tern_gallery_put_template(tern_gallery *g, const char *id, unsigned position,
                                      const tern_template *t, tern_error *err);
/* Removes id and all its fingers; returns true if it was there. */
bool tern_gallery_remove(tern_gallery *g, const char *id);
bool tern_gallery_contains(tern_gallery *g, const char *id);
/* Calls fn with each id held (any order) under the read lock; fn must not
 * change the gallery; a non-zero return stops. */
void tern_gallery_each_id(tern_gallery *g, int (*fn)(void *ctx, const char *id), void *ctx);
/* Identities held, fingers held, and bytes of finger data held. */
size_t tern_gallery_size(tern_gallery *g);
size_t tern_gallery_fingers(tern_gallery *g);
size_t tern_gallery_memory(tern_gallery *g);

/* A probe: up to ten prepared fingers. */
typedef struct tern_gallery_probe tern_gallery_probe;
/* fingers[p - 1] is the template of position p or NULL. At least one.
 * Errors: TERN_E_ARG (none given, or a template the matcher refuses),
 * TERN_E_NOMEM. */
tern_status tern_gallery_probe_create(const tern_template *const fingers[TERN_GALLERY_FINGERS],
                                      tern_gallery_probe **out, tern_error *err);
void tern_gallery_probe_free(tern_gallery_probe *p);

typedef struct tern_gallery_candidate {
    char id[TERN_GALLERY_ID_MAX];
    double score;      /* fused: -log10(fmr) */
    double fmr;        /* fused false-match rate (Fisher), in (0, 1] */
    unsigned fingers;  /* fingers compared */
    double finger_score[TERN_GALLERY_FINGERS]; /* by position - 1; -1: not compared */
} tern_gallery_candidate;

typedef struct tern_gallery_search_opts {
    size_t max_candidates; /* candidates returned, best first; 0: 10 */
    size_t preselect_above; /* use pre-selection when the searched ids are more
                               than this; 0: never (exhaustive) */
    size_t shortlist;      /* ids kept by the pre-selection; 0: max(100, 1 %) */
    const char *const *only; /* if not NULL: search only these ids (n_only) */
    size_t n_only;
} tern_gallery_search_opts;

/* Searches the gallery (or the ids in opts->only; unknown ones are
 * skipped) with probe p. out receives up to max_candidates candidates with
 * fused score > 0, best first (ties by id); *n_out how many. opts may be
 * NULL (exhaustive, 10). Deterministic. Errors: TERN_E_ARG, TERN_E_NOMEM.
 * Takes the read lock. */
tern_status tern_gallery_search(tern_gallery *g, const tern_gallery_probe *p,
                                const tern_gallery_search_opts *opts,
                                tern_gallery_candidate *out, size_t *n_out, tern_error *err);
/* 1:1: compares p with id on every finger both have; *out is filled even
 * if nothing matched (score 0). TERN_E_NOT_FOUND if id is not held. */
tern_status tern_gallery_verify(tern_gallery *g, const tern_gallery_probe *p, const char *id,
                                tern_gallery_candidate *out, tern_error *err);

/* Fisher's combination of k false-match rates (see above) as the fused
 * FMR; 1 for k = 0. Pure. */
double tern_gallery_fuse(const double *fmr, unsigned k);

#ifdef __cplusplus
}
#endif
#endif
