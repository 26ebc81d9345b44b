/* tern/audit.h - the audit trail: an append-only chain of events, each
 * carrying the BLAKE2b-256 hash of the one before, with the chain head signed
 * by the node's Ed25519 key, so that an auditor can check that no event was
 * altered, removed, reordered or added behind the node's back.
 *
 * Hash of event n (docs/store.md gives the byte layout):
 *   BLAKE2b-256("tern-audit-v1" | seq | at_ms | actor | role | action |
 *               object_type | object_id | purpose | outcome | detail |
 *               prev_hash)
 * with integers as 8 big-endian bytes and each string as a 4-byte big-endian
 * length and its bytes (0xffffffff for an absent detail); prev_hash of event
 * 1 is 32 zero bytes. The head (seq, hash of the last event) is signed as
 * "tern-audit-head-v1" | seq | hash.
 *
 * Events name people only by pseudonymous id (subject "sbj_...", user id),
 * so that retention can purge personal data while the chain stays whole.
 *
 * Thread safety: appends on one store are serialised by the store (SQLite:
 * the write transaction; PostgreSQL: an advisory lock held to the end of the
 * transaction), so the chain never forks even with many writers.
 */
#ifndef TERN_AUDIT_H
#define TERN_AUDIT_H

#include <stdint.h>

#include "tern/crypto.h"
#include "tern/status.h"
#include "tern/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Appends ev to the chain of store s and re-signs the head with node_key.
 * Caller fills actor, role, action, object_type, object_id, purpose, outcome
 * and optionally detail and at_ms (0: now); on TERN_OK, ev->seq, prev_hash
 * and hash are set. If a transaction is open the event joins it (and is
 * undone with it, as the action it records is); otherwise the append runs in
 * its own transaction. Errors: those of tern_store_insert for bad fields
 * (the chain is then unchanged), TERN_E_IO from the database. */
tern_status tern_audit_append(tern_store *s, const tern_sign_key *node_key, tern_audit_event *ev,
                              tern_error *err);

/* The hash of ev as defined above (uses ev->seq and ev->prev_hash). */
void tern_audit_event_hash(const tern_audit_event *ev, uint8_t out[TERN_HASH_BYTES]);

typedef struct tern_audit_report {
    int64_t events;         /* events checked */
    int64_t first_bad_seq;  /* 0 if the chain verifies */
    char reason[256];       /* what is wrong with first_bad_seq, or "" */
} tern_audit_report;

/* Recomputes the whole chain and checks the head signature against pk.
 * Returns TERN_OK if it verifies; TERN_E_FORMAT if it does not, with
 * report->first_bad_seq naming the first broken event (for a bad head: the
 * head's seq) and the reason in both report and err; TERN_E_IO if the
 * database cannot be read. report may be NULL. */
tern_status tern_audit_verify(tern_store *s, const uint8_t pk[TERN_SIGN_PK_BYTES],
                              tern_audit_report *report, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
