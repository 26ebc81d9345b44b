/* audit.c - the hash-chained, head-signed audit trail (tern/audit.h).
 *
 * A hash chain in the manner of Schneier and Kelsey, "Secure audit logs to
 * support computer forensics" (ACM TISSEC 2(2), 1999), without their
 * per-entry key evolution: every event commits to its predecessor's hash, and
 * the head (last seq and hash) carries an Ed25519 signature (RFC 8032) by the
 * node key, which is kept outside the data directory. Altering a field breaks
 * that event's hash; deleting or reordering breaks the sequence or a
 * prev_hash; truncating the tail breaks the signed head; forging a new head
 * needs the node key.
 */
#include "tern/audit.h"

#include <stdio.h>
#include <string.h>

static void put_u64(tern_hash *h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    tern_hash_update(h, b, 8);
}

static void put_str(tern_hash *h, const char *s)
{
    uint8_t b[4];
    uint32_t n = s ? (uint32_t)strlen(s) : 0xffffffffu;
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(n >> (24 - 8 * i));
    tern_hash_update(h, b, 4);
    if (s)
        tern_hash_update(h, s, n);
}

void tern_audit_event_hash(const tern_audit_event *ev, uint8_t out[TERN_HASH_BYTES])
{
    static const char domain[] = "tern-audit-v1";
    tern_hash h;
    tern_hash_init(&h);
    tern_hash_update(&h, domain, sizeof domain - 1);
    put_u64(&h, (uint64_t)ev->seq);
    put_u64(&h, (uint64_t)ev->at_ms);
    put_str(&h, ev->actor);
    put_str(&h, ev->role ? ev->role : "");
    put_str(&h, ev->action ? ev->action : "");
    put_str(&h, ev->object_type ? ev->object_type : "");
    put_str(&h, ev->object_id);
    put_str(&h, ev->purpose ? ev->purpose : "");
    put_str(&h, ev->outcome ? ev->outcome : "");
    put_str(&h, ev->detail);
    tern_hash_update(&h, ev->prev_hash, TERN_HASH_BYTES);
    tern_hash_final(&h, out);
}

#define HEAD_MSG_LEN (18 + 8 + TERN_HASH_BYTES)

static void head_message(int64_t seq, const uint8_t hash[TERN_HASH_BYTES],
                         uint8_t msg[HEAD_MSG_LEN])
{
    memcpy(msg, "tern-audit-head-v1", 18);
    for (int i = 0; i < 8; i++)
        msg[18 + i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
    memcpy(msg + 26, hash, TERN_HASH_BYTES);
}

static tern_status append_in_tx(tern_store *s, const tern_sign_key *key, tern_audit_event *ev,
                                tern_error *err)
{
    tern_audit_head head;
    tern_status rc = tern_store_audit_head_get(s, true, &head, err);
    if (rc != TERN_OK)
        return rc;
    ev->seq = head.seq + 1;
    memcpy(ev->prev_hash, head.hash, TERN_HASH_BYTES);
    if (ev->at_ms == 0)
        ev->at_ms = tern_store_now_ms();
    tern_audit_event_hash(ev, ev->hash);
    rc = tern_store_audit_insert(s, ev, err);
    if (rc != TERN_OK)
        return rc;
    head.seq = ev->seq;
    memcpy(head.hash, ev->hash, TERN_HASH_BYTES);
    uint8_t msg[HEAD_MSG_LEN];
    head_message(head.seq, head.hash, msg);
    tern_sign(key, msg, sizeof msg, head.sig);
    head.has_sig = true;
    return tern_store_audit_head_put(s, &head, err);
}

tern_status tern_audit_append(tern_store *s, const tern_sign_key *node_key, tern_audit_event *ev,
                              tern_error *err)
{
    if (tern_store_in_transaction(s))
        return append_in_tx(s, node_key, ev, err);
    tern_status rc = tern_store_begin(s, err);
    if (rc != TERN_OK)
        return rc;
    rc = append_in_tx(s, node_key, ev, err);
    if (rc == TERN_OK)
        return tern_store_commit(s, err);
    tern_store_rollback(s, NULL);
    return rc;
}

typedef struct verify_ctx {
    int64_t expect;                     /* next seq */
    uint8_t prev[TERN_HASH_BYTES];
    int64_t bad;
    char reason[256];
} verify_ctx;

static int verify_one(void *ctx, const void *row)
{
    verify_ctx *v = ctx;
    const tern_audit_event *ev = row;
    if (ev->seq != v->expect) {
        v->bad = v->expect;
        snprintf(v->reason, sizeof v->reason,
                 "event %lld is missing (the next stored event is %lld)", (long long)v->expect,
                 (long long)ev->seq);
        return 1;
    }
    if (memcmp(ev->prev_hash, v->prev, TERN_HASH_BYTES) != 0) {
        v->bad = ev->seq;
        snprintf(v->reason, sizeof v->reason,
                 "event %lld: prev_hash does not match the hash of event %lld", (long long)ev->seq,
                 (long long)ev->seq - 1);
        return 1;
    }
    uint8_t h[TERN_HASH_BYTES];
    tern_audit_event_hash(ev, h);
    if (memcmp(h, ev->hash, TERN_HASH_BYTES) != 0) {
        v->bad = ev->seq;
        snprintf(v->reason, sizeof v->reason,
                 "event %lld: stored hash does not match its contents (altered)",
                 (long long)ev->seq);
        return 1;
    }
    memcpy(v->prev, ev->hash, TERN_HASH_BYTES);
    v->expect++;
    return 0;
}

static tern_status check_head(tern_store *s, const uint8_t pk[TERN_SIGN_PK_BYTES], verify_ctx *v,
                              tern_error *err)
{
    tern_audit_head head;
    tern_status rc = tern_store_audit_head_get(s, false, &head, err);
    if (rc != TERN_OK)
        return rc;
    int64_t last = v->expect - 1;
    if (last == 0 && head.seq == 0 && !head.has_sig)
        return TERN_OK; /* empty chain, never signed */
    if (head.seq != last) {
        v->bad = head.seq > last ? last + 1 : head.seq + 1;
        snprintf(v->reason, sizeof v->reason,
                 "the signed head names event %lld but the chain ends at event %lld "
                 "(events removed or added after the head)",
                 (long long)head.seq, (long long)last);
        return TERN_OK;
    }
    if (memcmp(head.hash, v->prev, TERN_HASH_BYTES) != 0) {
        v->bad = last;
        snprintf(v->reason, sizeof v->reason,
                 "the head's hash differs from the hash of event %lld", (long long)last);
        return TERN_OK;
    }
    uint8_t msg[HEAD_MSG_LEN];
    head_message(head.seq, head.hash, msg);
    if (!head.has_sig || tern_sign_verify(pk, msg, sizeof msg, head.sig, NULL) != TERN_OK) {
        v->bad = last;
        snprintf(v->reason, sizeof v->reason,
                 "the head signature (event %lld) does not verify with the node key",
                 (long long)last);
    }
    return TERN_OK;
}

tern_status tern_audit_verify(tern_store *s, const uint8_t pk[TERN_SIGN_PK_BYTES],
                              tern_audit_report *report, tern_error *err)
{
    tern_error local;
    if (!err)
        err = &local;
    verify_ctx v = {.expect = 1, .bad = 0};
    memset(v.prev, 0, sizeof v.prev);
    v.reason[0] = 0;
    tern_status rc = tern_store_audit_each(s, 1, verify_one, &v, err);
    if (rc == TERN_E_FORMAT && v.bad == 0) { /* a stored field cannot be decoded */
        v.bad = v.expect;
        snprintf(v.reason, sizeof v.reason, "event %lld cannot be read (%.180s)",
                 (long long)v.expect, err->message);
        rc = TERN_OK;
    }
    if (rc == TERN_OK && v.bad == 0)
        rc = check_head(s, pk, &v, err);
    if (report) {
        report->events = v.expect - 1;
        report->first_bad_seq = v.bad;
        snprintf(report->reason, sizeof report->reason, "%s", v.reason);
    }
    if (rc != TERN_OK)
        return tern_error_prefix(err, "audit verify: ");
    if (v.bad)
        return tern_error_set(err, TERN_E_FORMAT, "audit chain broken: %s", v.reason);
    return TERN_OK;
}
