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
 *    "import.batch" for the call, which names the batch by the caller's
 *    label (below), so that a caller that lost track of a batch (a crash
 *    between the store's commit and its own record of it) can ask the
 *    chain whether it committed: tern_core_import_committed. Nothing is
 *    searched; the fingers join the gallery after the commit, so imported
 *    subjects are found by identify at once.
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

/* A batch label: an opaque name the caller gives a batch, recorded as the
 * object of its "import.batch" audit event (object_type "import_batch",
 * object_id the label; docs/identification.md, "Bulk import"). 1 to
 * TERN_IMPORT_LABEL_MAX characters from A-Z a-z 0-9 . _ : - (the alphabet
 * of the chain's object ids: printable ASCII, no space); anything else is
 * refused. The chain outlives
 * purged subjects: a label must carry no personal data (`tern admin
 * import` uses its journal's random id and the batch's number, e.g.
 * "3f9c0a71d2e4b856:12"). Labels are not checked for uniqueness (that
 * would read the whole chain): the caller makes them unique, or asks
 * tern_core_import_committed from a point of the chain after which only
 * it can have used the label. */
#define TERN_IMPORT_LABEL_MAX (TERN_ID_MAX - 1u)

/* Imports reqs[0..n-1] (1 <= n <= TERN_IMPORT_BATCH_MAX) as new subjects:
 * admin only. Each request is read as tern_core_enroll reads it (identity,
 * retention category, location, fingers; its match options are unused)
 * and checked first with the same rules and typed errors, the message
 * prefixed "import: request I: "; any refusal refuses the whole batch and
 * leaves the store unchanged (the refusal is audited). Then one
 * transaction stores them all (see above), and their fingers join g (g
 * may be NULL: load the gallery afterwards). Each subject's retain-until
 * is its request's now_ms plus its category's rule, the rule read once
 * per category in the transaction. subject_ids (may be NULL) receives the
 * new subjects' ids, in request order.
 *
 * label (see TERN_IMPORT_LABEL_MAX; copied, not kept) names the batch in
 * its "import.batch" event, committed or refused: object_type
 * "import_batch", object_id label. NULL: no label, and the event has the
 * form it had before labels (object_type "subject", object_id the first
 * new subject). The detail is free text for people ("subjects=N
 * fingers=F first=ID"), not an interface. Errors: those of
 * tern_core_enroll, TERN_E_LIMIT (n, or a label too long), TERN_E_ARG (a
 * label with a character outside its alphabet, or empty), TERN_E_NOMEM;
 * n and the label are checked before any work and such a refusal is not
 * audited. */
tern_status tern_core_import(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                             const char *label, const tern_enroll_request *reqs, size_t n,
                             char (*subject_ids)[TERN_ID_MAX], tern_error *err);

/* Did the batch labelled label commit? *seq receives the sequence number
 * of the first "import.batch" event with outcome "ok" and object
 * ("import_batch", label) after after_seq (0: the whole chain), or 0 if
 * there is none: the batch was not stored, or was stored at or before
 * after_seq. An exact comparison of the event's fields: the free-text
 * detail is not read. Reads the chain from after_seq + 1 (by its primary
 * key; give the position the chain had when the batch began). Not
 * audited (it reads no personal data and changes nothing). Errors:
 * TERN_E_ARG / TERN_E_LIMIT (label, as tern_core_import), the store's. */
tern_status tern_core_import_committed(tern_core *c, const char *label, int64_t after_seq,
                                       int64_t *seq, tern_error *err);

typedef struct tern_import_dedup_result {
    size_t searched;   /* subjects whose de-duplication ran in this call */
    size_t linked;     /* yellow links made */
    size_t remaining;  /* subjects still "dedup-pending" after the call */
} tern_import_dedup_result;

/* Told after each subject's de-duplication committed: done subjects of
 * the total this call will do (1 <= done <= total), from the calling
 * thread, between two of the call's transactions, with no transaction or
 * statement open: it may read the store (tern_core_import_dedup_pending
 * counts the subject just done as done); it must not write to it or call
 * tern_core_import_dedup from inside the callback. */
typedef void (*tern_import_progress_fn)(void *ctx, size_t done, size_t total);

/* Runs the de-duplication of up to max_subjects (0: all) imported subjects
 * still pending, oldest import first (then subject id): admin only. The
 * pending subjects are listed once per call, so one call with a progress
 * callback (may be NULL; ctx is passed to it) is the way to show progress
 * over a long run, rather than many calls with a small max_subjects (each
 * would list every pending import again). The
 * threshold is enrollment's: the per-candidate fused FMR for match's target
 * FPIR over the other subjects of g (tern/core.h). The search runs outside
 * the store's transaction; links, the encounter's new result and the audit
 * event are one transaction per subject. A subject purged since its import
 * is marked done without a search. out (may be NULL) receives the counts.
 * Errors: the store's, TERN_E_DENIED (role), TERN_E_NOMEM; a failure stops
 * the run with the subjects done so far committed. */
tern_status tern_core_import_dedup(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                                   const tern_core_match_opts *match, size_t max_subjects,
                                   int64_t now_ms, tern_import_progress_fn progress,
                                   void *progress_ctx, tern_import_dedup_result *out,
                                   tern_error *err);

/* *count receives the number of imported subjects whose de-duplication
 * has not run yet. Not audited (a count of no one). */
tern_status tern_core_import_dedup_pending(tern_core *c, int64_t *count, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
