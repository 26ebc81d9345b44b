/* tern/import.h - bulk import of identities, for a migration from another
 * system (src/core/import.c; docs/identification.md, "Bulk import").
 *
 * tern_core_enroll searches the gallery before every enrollment, so filling
 * an empty node with N identities one by one costs N searches of a growing
 * gallery: quadratic, and bounded by the comparator, not the store. A
 * migration instead:
 *
 * 1. tern_core_import: a batch of identities, checked like enrollments
 *    (the same finger rules and sequence checks as tern_core_enroll), stored
 *    in ONE transaction: per identity its subject, identity record,
 *    encounter (purpose "import", result "dedup-pending"), samples and
 *    templates, and its own audit event "subject.import"; plus one event
 *    "import.batch" for the call. Nothing is searched; the fingers join the
 *    gallery after the commit, so imported subjects are found by identify
 *    at once.
 * 2. tern_core_import_dedup: the de-duplication that enrollment would
 *    have made, afterwards, as a 1:N batch: each subject whose import
 *    encounter is still "dedup-pending" is searched against the whole
 *    gallery (itself excluded); every other subject above the threshold
 *    gets a YELLOW link for an examiner (tern_core_link_decide), unless the
 *    pair is already linked (both of a duplicated pair were imported: the
 *    first one searched links them). Never a merge. One transaction and
 *    audit event ("subject.dedup") per subject, which marks its encounter
 *    "dedup-done"; a run stopped midway (crash, max_subjects) resumes
 *    where it stopped.
 *
 * Until a subject's de-duplication has run, a duplicate among imported
 * identities is not yet linked: the import's encounters say so
 * ("dedup-pending"), and tern_core_import_dedup_pending counts them.
 *
 * Thread safety: as tern/core.h (one thread per tern_core).
 */
#ifndef TERN_IMPORT_H
#define TERN_IMPORT_H

#include "tern/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most identities in one tern_core_import call (one transaction). */
#define TERN_IMPORT_BATCH_MAX 10000u

/* Imports reqs[0..n-1] (1 <= n <= TERN_IMPORT_BATCH_MAX) as new subjects:
 * admin only. Each request is read as tern_core_enroll reads it (identity,
 * retention category, location, fingers; its match options are unused)
 * and checked first with the same rules and typed errors, the message
 * prefixed "import: request I: "; any refusal refuses the whole batch and
 * leaves the store unchanged (the refusal is audited). Then one
 * transaction stores them all (see above), and their fingers join g (g
 * may be NULL: load the gallery afterwards). subject_ids (may be NULL)
 * receives the new subjects' ids, in request order. Errors: those of
 * tern_core_enroll, TERN_E_LIMIT (n), TERN_E_NOMEM. */
tern_status tern_core_import(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                             const tern_enroll_request *reqs, size_t n,
                             char (*subject_ids)[TERN_ID_MAX], tern_error *err);

typedef struct tern_import_dedup_result {
    size_t searched;   /* subjects whose de-duplication ran in this call */
    size_t linked;     /* yellow links made */
    size_t remaining;  /* subjects still "dedup-pending" after the call */
} tern_import_dedup_result;

/* Runs the de-duplication of up to max_subjects (0: all) imported subjects
 * still pending, oldest import first (then subject id): admin only. The
 * threshold is enrollment's: the per-candidate fused FMR for match's target
 * FPIR over the other subjects of g (tern/core.h). The search runs outside
 * the store's transaction; links, the encounter's new result and the audit
 * event are one transaction per subject. A subject purged since its import
 * is marked done without a search. out (may be NULL) receives the counts.
 * Errors: the store's, TERN_E_DENIED (role), TERN_E_NOMEM; a failure stops
 * the run with the subjects done so far committed. */
tern_status tern_core_import_dedup(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                                   const tern_core_match_opts *match, size_t max_subjects,
                                   int64_t now_ms, tern_import_dedup_result *out,
                                   tern_error *err);

/* *count receives the number of imported subjects whose de-duplication
 * has not run yet. Not audited (a count of no one). */
tern_status tern_core_import_dedup_pending(tern_core *c, int64_t *count, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
