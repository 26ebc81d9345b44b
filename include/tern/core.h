/* tern/core.h - the domain services: the only home of Tern's rules about who
 * may do what to watchlist entries, alerts, links, API keys and retention,
 * and what an officer is told (docs/core.md); and enrollment with
 * de-duplication, identification and the in-memory galleries, below
 * (docs/identification.md).
 *
 * Every call is one store transaction holding the change and its audit event
 * (tern/audit.h): all of it is stored, or none. A refused call (bad input,
 * wrong role, wrong state) changes nothing but is itself audited with outcome
 * "denied" or "refused", in its own transaction, so that oversight sees
 * attempts as well as acts.
 *
 * The caller (the HTTP layer, the command line) authenticates the actor;
 * core loads the actor's user row and takes the roles from the store, never
 * from the caller. The actor must exist and be active (TERN_E_DENIED).
 *
 * Rules (docs/core.md):
 * - nominate: analyst or supervisor; a basis; a review date and an expiry in
 *   the future, review no later than expiry; one live (proposed or active)
 *   entry per subject and watchlist (TERN_E_EXISTS otherwise). The entry
 *   starts "proposed" and matches nothing.
 * - approve / reject a proposal: a supervisor who is not the nominator
 *   (self-approval: TERN_E_DENIED); only a proposed entry (TERN_E_STATE).
 * - review: analyst or supervisor, an active entry; sets the next review date
 *   and may shorten or extend the expiry (still in the future).
 * - remove: a supervisor or the nominator; a proposed or active entry.
 * - expire: the system; every active entry whose expiry has passed. The
 *   store's watchlist galleries already ignore entries past their expiry.
 * - decide an alert: an examiner; a pending alert only (deciding twice:
 *   TERN_E_STATE); confirmed, rejected or inconclusive, with reasons.
 * - decide a link: an examiner; a yellow link only; white, red or green.
 * - API keys: issued and revoked by an admin; a revoked or expired key, or
 *   a disabled user, does not authenticate.
 * - retention: the system purges subjects past their time unless a live
 *   watchlist entry holds them; the audit trail keeps only their ids.
 * - what the officer sees of an alert: yellow ("refer to secondary
 *   inspection, do not act on this alone") until an examiner confirms; red
 *   with the watchlist's handling instructions after confirmation; green
 *   when it was rejected. Never a score.
 *
 * Thread safety: a tern_core uses one tern_store: one thread at a time.
 */
#ifndef TERN_CORE_H
#define TERN_CORE_H

#include <stdint.h>

#include "tern/crypto.h"
#include "tern/status.h"
#include "tern/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_core tern_core;

/* Who acts and why; both are recorded in the audit event. */
typedef struct tern_actor {
    const char *user_id;   /* an active user in the store */
    const char *purpose;   /* why, e.g. "border-control", "case 2026/118" */
} tern_actor;

/* Wraps an open store (borrowed: it must outlive the core) and the node's
 * signing key (copied) for audit. TERN_E_NOMEM. */
tern_status tern_core_create(tern_store *store, const tern_sign_key *node_key, tern_core **out,
                             tern_error *err);
void tern_core_free(tern_core *c);

/* ---- watchlists -------------------------------------------------------- */

/* Creates a watchlist (admin or supervisor); fills wl->id if empty. */
tern_status tern_core_watchlist_create(tern_core *c, const tern_actor *who, tern_watchlist *wl,
                                       tern_error *err);

/* Nominates subject_id for watchlist_id; the nominating agency is the
 * actor's. entry_id receives the new entry's id. Times in ms since the
 * epoch; now_ms is the caller's clock (tern_store_now_ms()). */
tern_status tern_core_nominate(tern_core *c, const tern_actor *who, const char *watchlist_id,
                               const char *subject_id, const char *basis, int64_t review_ms,
                               int64_t expires_ms, int64_t now_ms, char entry_id[TERN_ID_MAX],
                               tern_error *err);
tern_status tern_core_approve(tern_core *c, const tern_actor *who, const char *entry_id,
                              int64_t now_ms, tern_error *err);
tern_status tern_core_reject(tern_core *c, const tern_actor *who, const char *entry_id,
                             const char *reason, int64_t now_ms, tern_error *err);
tern_status tern_core_review(tern_core *c, const tern_actor *who, const char *entry_id,
                             int64_t next_review_ms, int64_t expires_ms, int64_t now_ms,
                             tern_error *err);
tern_status tern_core_remove(tern_core *c, const tern_actor *who, const char *entry_id,
                             const char *reason, int64_t now_ms, tern_error *err);
/* Marks every active entry with expires_ms <= now_ms expired, each with its
 * audit event (actor "system"); *count receives how many (may be NULL). */
tern_status tern_core_expire(tern_core *c, int64_t now_ms, int64_t *count, tern_error *err);

/* ---- alerts -------------------------------------------------------------- */

tern_status tern_core_alert_decide(tern_core *c, const tern_actor *who, const char *alert_id,
                                   tern_alert_status decision, const char *reasons,
                                   int64_t now_ms, tern_error *err);

typedef enum tern_signal {
    TERN_SIGNAL_GREEN = 0,  /* no hit, or the examiner rejected it */
    TERN_SIGNAL_YELLOW,     /* possible hit: secondary inspection, do not act alone */
    TERN_SIGNAL_RED,        /* confirmed hit: follow the handling instructions */
} tern_signal;

typedef struct tern_alert_notice {
    tern_signal signal;
    char message[256];      /* what to tell the officer */
    char *handling;         /* red only: the watchlist's instructions (owned) */
    char *category;         /* red only: the watchlist's category (owned) */
} tern_alert_notice;

/* What an officer may be told about alert_id (audited as a disclosure).
 * Free with tern_alert_notice_clear. */
tern_status tern_core_alert_notice(tern_core *c, const tern_actor *who, const char *alert_id,
                                   tern_alert_notice *out, tern_error *err);
void tern_alert_notice_clear(tern_alert_notice *n);

/* ---- identity links ---------------------------------------------------- */

/* An examiner's verdict on a yellow link: white, red or green (see
 * tern_link_colour), with a reason appended to the link's. Only a yellow
 * link can be decided (TERN_E_STATE). */
tern_status tern_core_link_decide(tern_core *c, const tern_actor *who, const char *link_id,
                                  tern_link_colour colour, const char *reason, int64_t now_ms,
                                  tern_error *err);

/* ---- API keys -------------------------------------------------------------- */

/* A token is "<key id>.<64 hex digits of the 256-bit secret>"; only the
 * keyed hash of the secret is stored, so a token is shown once, at issue. */
#define TERN_APIKEY_TOKEN_MAX 128u

/* Issues a key for user_id (admin only), valid until expires_ms (in the
 * future). token receives the token (NUL-terminated): hand it to the user
 * and forget it. */
tern_status tern_core_apikey_issue(tern_core *c, const tern_actor *who, const char *user_id,
                                   int64_t expires_ms, int64_t now_ms,
                                   char token[TERN_APIKEY_TOKEN_MAX], tern_error *err);
/* Revokes a key (admin only); TERN_E_STATE if already revoked. */
tern_status tern_core_apikey_revoke(tern_core *c, const tern_actor *who, const char *key_id,
                                    int64_t now_ms, tern_error *err);
/* Checks a presented token: well formed, known key, secret matching (in
 * constant time), not revoked, not expired, user active. On TERN_OK *user
 * receives the user's row (clear it with tern_user_clear); otherwise
 * TERN_E_DENIED with the reason in err (for the log, not for the caller),
 * and the failure is audited ("auth.apikey", actor "anonymous"). */
tern_status tern_core_apikey_authenticate(tern_core *c, const char *token, int64_t now_ms,
                                          tern_user *user, tern_error *err);

/* ---- retention ----------------------------------------------------------- */

/* *until = from_ms + the retention days of category (a retention rule).
 * TERN_E_NOT_FOUND if there is no rule for it. */
tern_status tern_core_retention_until(tern_core *c, const char *category, int64_t from_ms,
                                      int64_t *until, tern_error *err);
/* What one retention run purged. */
typedef struct tern_retention_counts {
    int64_t purged; /* subjects deleted */
    int64_t held;   /* past their time, kept for a proposed or active entry */
    int64_t jobs;   /* finished jobs deleted */
} tern_retention_counts;

/* Days a finished job (its result: pseudonymous subject ids and scores) is
 * kept when there is no retention rule "jobs". */
#define TERN_CORE_JOB_RETENTION_DAYS 30

struct tern_core_gallery;

/* Purges every subject whose retain_until_ms <= now_ms, except those with a
 * proposed or active watchlist entry (held until the entry ends): deleting
 * the subject deletes its identity records, samples, templates, entries and
 * links (docs/data-model.md); and every job done or failed more than the
 * days of retention rule "jobs" (TERN_CORE_JOB_RETENTION_DAYS without one)
 * before now_ms. One transaction; one audit event per subject purged,
 * naming it by its pseudonymous id only, and one for the jobs purged, if
 * any (actor "system"). After the commit the purged subjects are dropped
 * from gallery g (may be NULL: other processes' galleries catch up with
 * tern_core_gallery_sync). *out (may be NULL) receives the counts. Call it
 * from one place at a time (ternd's housekeeping, `tern admin retention
 * apply`); a second run at once waits for the first's write lock. */
tern_status tern_core_retention_apply(tern_core *c, struct tern_core_gallery *g, int64_t now_ms,
                                      tern_retention_counts *out, tern_error *err);


/* ==== enrollment, identification and galleries (src/core/enroll.c,
 * identify.c, galleries.c; docs/identification.md) ======================== */

struct tern_template;
struct tern_image;

/* The engine version recorded with every template this build makes
 * (extractor and comparator): templates of another version are not loaded
 * into the galleries until tern_core_reextract has remade them. */
#define TERN_ENGINE_VERSION "tern-engine-0.1.0"

/* The in-memory galleries: every enrolled subject's fingers of the current
 * engine version, by subject id. Loaded from the store once, then kept
 * consistent by the calls below that take it (enroll, delete, re-extract,
 * sync). Watchlist searches read the active, unexpired entries from the
 * store inside the identify transaction and search only those subjects, so
 * a removed or expired entry stops matching at once, whatever called the
 * change. Thread safety: searches may share it; the calls that change it
 * are serialised by its lock (tern/gallery.h). Two enrollments of one
 * person running at the same moment do not see each other (each searches
 * before the other is added): serialise enrollments, or re-run
 * de-duplication, where that matters. */
typedef struct tern_core_gallery tern_core_gallery;

/* Loads every template of TERN_ENGINE_VERSION from the store. *loaded (may
 * be NULL) receives the number of fingers loaded; templates the comparator
 * refuses are skipped and counted in *skipped (may be NULL). Errors: those of
 * the store, TERN_E_NOMEM. Not audited (no person is searched or shown). */
tern_status tern_core_gallery_load(tern_core *c, tern_core_gallery **out, size_t *loaded,
                                   size_t *skipped, tern_error *err);
void tern_core_gallery_free(tern_core_gallery *g);
/* Subjects held, fingers held and bytes of finger data held. */
size_t tern_core_gallery_subjects(tern_core_gallery *g);
size_t tern_core_gallery_fingers(tern_core_gallery *g);
size_t tern_core_gallery_bytes(tern_core_gallery *g);
/* Drops subjects the store no longer has (after tern_core_retention_apply
 * or another process's delete); *dropped may be NULL. */
tern_status tern_core_gallery_sync(tern_core *c, tern_core_gallery *g, size_t *dropped,
                                   tern_error *err);

/* Why a finger has no print. */
typedef enum tern_finger_state {
    TERN_FINGER_PRESENT = 0,
    TERN_FINGER_MISSING,    /* not captured ("unable to print", bandaged ...) */
    TERN_FINGER_AMPUTATED,  /* ANSI/NIST "XX" */
} tern_finger_state;

/* One finger of an enrollment or an encounter: an image (stored as WSQ,
 * extracted with tern_extract) or a template (from an exchange record or
 * the synthetic generator; no sample is stored), or neither with a state
 * saying why. position is the ANSI/NIST FGP: 1..10; 11 and 12 (the plain
 * thumbs of a ten-print card) are taken as plain prints of 1 and 6; 13, 14
 * and 15 (right four fingers, left four fingers, both thumbs) are slaps,
 * given as an image (tern/slap.h): core cuts them into fingertips, each a
 * plain print of its own position (fingers marked missing or amputated in
 * the same request are not looked for), and keeps the slap image as a
 * sample. impression is the ANSI/NIST IMP (0 plain live-scan, 1 rolled,
 * 2 plain non-live-scan, 3 rolled non-live-scan; a slap is plain). */
typedef struct tern_core_finger {
    int position;
    int impression;
    int state;                            /* tern_finger_state */
    const struct tern_image *image;       /* borrowed; or NULL */
    const struct tern_template *tmpl;     /* borrowed; or NULL */
} tern_core_finger;

#define TERN_CORE_MAX_FINGERS 32u
#define TERN_CORE_MAX_CANDIDATES 100u

/* Matching parameters shared by enroll (de-duplication) and identify.
 * target_fpir: the false-positive identification rate accepted per search
 * (0: 1e-3); the per-candidate threshold on the fused FMR is
 * 1 - (1 - FPIR)^(1/N), N the enrolled subjects (docs/identification.md). */
typedef struct tern_core_match_opts {
    double target_fpir;
    size_t max_candidates;   /* ranked list length; 0: 10 */
    size_t preselect_above;  /* pre-select in galleries larger than this; 0: 20,000 */
    size_t shortlist;        /* ids the pre-selection keeps; 0: max(100, 1 %) */
} tern_core_match_opts;

typedef struct tern_enroll_request {
    const tern_identity *identity;  /* biographic data (borrowed; id, subject and
                                       agency are set by core) */
    const char *category;           /* retention category (a retention rule) */
    const char *location;           /* encounter location code; optional */
    size_t n_fingers;
    const tern_core_finger *fingers;
    tern_core_match_opts match;
    int64_t now_ms;
} tern_enroll_request;

typedef struct tern_enroll_result {
    char subject_id[TERN_ID_MAX];
    char identity_id[TERN_ID_MAX];
    char encounter_id[TERN_ID_MAX];
    unsigned fingers_enrolled;
    /* Subjects already known who match (a yellow link each, pending an
     * examiner's verdict): never merged, never silently duplicated. */
    size_t n_links;
    char link_ids[TERN_CORE_MAX_CANDIDATES][TERN_ID_MAX];
    char linked_subjects[TERN_CORE_MAX_CANDIDATES][TERN_ID_MAX];
} tern_enroll_result;

/* Enrolls a new subject: officer, analyst, supervisor or admin. Checks every
 * field first (typed errors, nothing stored): biographic text (UTF-8, limits:
 * TERN_E_FORMAT, TERN_E_LIMIT), finger positions each at most once per
 * impression class, a slap at most once and only as a plain image, and no
 * fingertip of a slap also given as a single plain print (TERN_E_ARG); the
 * finger sequence where rolled and plain prints of one position both exist
 * (the plain must match the rolled one, else TERN_E_STATE: a sequence
 * error) and where a slap and rolled prints of its hand both exist (no
 * fingertip may match another position's rolled print better than its own
 * at FMR <= 1e-3, and at least one must match its own at that rate, else
 * TERN_E_STATE naming the slap and positions); slaps whose fingers cannot
 * be found and images the engine cannot enroll (TERN_E_QUALITY), at least
 * one finger present. Then searches the
 * gallery for the person (de-duplication) and, in one transaction, stores
 * the subject, identity record, an encounter ("captured" lists the fingers
 * and the missing and amputated ones), samples (WSQ) and templates (engine
 * version), a yellow link to every already-known subject above the
 * threshold, and the audit event; then adds the fingers to g. */
tern_status tern_core_enroll(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                             const tern_enroll_request *req, tern_enroll_result *res,
                             tern_error *err);

typedef struct tern_identify_request {
    const char *location;           /* encounter location code, e.g. "SCL" */
    size_t n_fingers;
    const tern_core_finger *fingers;
    tern_core_match_opts match;
    int64_t now_ms;
} tern_identify_request;

typedef struct tern_identify_candidate {
    char subject_id[TERN_ID_MAX];
    char entry_id[TERN_ID_MAX];     /* "" unless on an active watchlist entry */
    double score;                   /* fused: -log10(fmr) */
    double fmr;                     /* fused false-match rate */
    double finger_score[10];        /* by position - 1; -1 not compared */
    int alert;                      /* 1 if above the threshold (an alert was made) */
} tern_identify_candidate;

typedef struct tern_identify_result {
    char encounter_id[TERN_ID_MAX];
    int hit;                        /* 1 if any alert was raised */
    double threshold_fmr;           /* the per-candidate threshold used */
    size_t n_alerts;
    char alert_ids[TERN_CORE_MAX_CANDIDATES][TERN_ID_MAX];
    /* The ranked list: only for examiners, analysts and supervisors (an
     * officer is told hit / no-hit and reads each alert through
     * tern_core_alert_notice: yellow until an examiner confirms). */
    size_t n_candidates;
    tern_identify_candidate candidates[TERN_CORE_MAX_CANDIDATES];
} tern_identify_result;

/* Identifies the person of an encounter: officer, examiner, analyst or
 * supervisor; or a partner node (step one of a two-step partner query,
 * ARCHITECTURE.md "Across borders": watchlists only, never the gallery).
 * Searches the subjects with an active, unexpired watchlist
 * entry first (exhaustively), then the whole gallery (with pre-selection if
 * large); candidates whose fused FMR is at or below the threshold become
 * pending alerts with evidence (JSON: fused score and FMR, threshold, and
 * per finger the score, the probe sample, the candidate's template and the
 * matched minutiae as coordinate pairs; docs/identification.md "Alert
 * evidence"). One transaction:
 * the encounter (result "hit" / "no-hit"), its samples, the alerts and the
 * audit event. No biographic or protected attribute enters the search. */
tern_status tern_core_identify(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                               const tern_identify_request *req, tern_identify_result *res,
                               tern_error *err);

/* 1:1: compares the fingers with subject_id's enrolled ones (officer,
 * examiner, analyst, supervisor). *match is 1 if the fused FMR is at or
 * below fmr_threshold (0: 1e-4); *score receives the fused score (may be
 * NULL). TERN_E_NOT_FOUND for an unknown subject or one without templates of
 * this engine. Audited. */
tern_status tern_core_verify(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                             const char *subject_id, size_t n_fingers,
                             const tern_core_finger *fingers, double fmr_threshold, int *match,
                             double *score, tern_error *err);

/* Deletes a subject and everything of it (supervisor or admin), and drops
 * it from g. Audited. */
tern_status tern_core_subject_delete(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                                     const char *subject_id, tern_error *err);

/* Re-extracts, from the stored samples, every template not made by
 * TERN_ENGINE_VERSION (admin), replacing it, and refreshes g (may be NULL).
 * Templates without a sample cannot be remade: counted in *orphaned. One
 * transaction and one audit event ("template.reextract") per template; a
 * failure stops the run with what was remade so far committed. Counts may
 * be NULL. */
tern_status tern_core_reextract(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                                size_t *remade, size_t *orphaned, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
