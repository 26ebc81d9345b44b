/* tern/core.h - the domain services: the only home of Tern's rules about who
 * may do what to watchlist entries and alerts, and what an officer is told.
 * (Enrollment with de-duplication, identification and the galleries join
 * this header when the matcher services land.)
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
/* Purges every subject whose retain_until_ms <= now_ms, except those with a
 * proposed or active watchlist entry (held until the entry ends): deleting
 * the subject deletes its identity records, samples, templates, entries and
 * links (docs/data-model.md). One transaction; one audit event per subject
 * purged, naming it by its pseudonymous id only (actor "system"). *purged
 * and *held (either may be NULL) receive the counts. */
tern_status tern_core_retention_apply(tern_core *c, int64_t now_ms, int64_t *purged,
                                      int64_t *held, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
