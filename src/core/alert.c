/* alert.c - an examiner's decision on an alert, and what the officer at the
 * border is told (tern/core.h). A hit is an investigative lead until a human
 * verifies it (ARCHITECTURE.md, "Safeguards are features"): until an
 * examiner confirms, the officer sees at most yellow; red, with the
 * watchlist's handling instructions, only after confirmation and while the
 * entry is still active; never a score.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_impl.h"

typedef struct decide_ctx {
    tern_alert_status decision;
    const char *reasons;
    int64_t now_ms;
} decide_ctx;

static tern_status decide_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                               tern_error *err)
{
    decide_ctx *d = ctx;
    tern_status rc = core_require(actor, TERN_ROLE_EXAMINER, op, "decide an alert", err);
    if (rc != TERN_OK)
        return rc;
    if (d->decision != TERN_ALERT_CONFIRMED && d->decision != TERN_ALERT_REJECTED &&
        d->decision != TERN_ALERT_INCONCLUSIVE)
        return tern_error_set(err, TERN_E_ARG,
                              "alert decision must be confirmed, rejected or inconclusive");
    if (!d->reasons || !*d->reasons)
        return tern_error_set(err, TERN_E_ARG, "alert decision: reasons are required");
    tern_alert a;
    rc = tern_store_alert_get(c->store, op->object_id, &a, err);
    if (rc != TERN_OK)
        return rc;
    if (a.status != TERN_ALERT_PENDING) {
        rc = tern_error_set(err, TERN_E_STATE, "alert \"%s\" was already decided (%s by %s)",
                            a.id, tern_alert_status_name(a.status), a.examiner_id);
    } else {
        char *old = a.reasons;
        a.reasons = (char *)d->reasons;
        a.status = d->decision;
        memcpy(a.examiner_id, actor->id, TERN_ID_MAX);
        a.decided_ms = d->now_ms;
        rc = tern_store_alert_update(c->store, &a, err);
        a.reasons = old;
        snprintf(op->detail, sizeof op->detail, "pending -> %s",
                 tern_alert_status_name(d->decision));
    }
    tern_alert_clear(&a);
    return rc;
}

tern_status tern_core_alert_decide(tern_core *c, const tern_actor *who, const char *alert_id,
                                   tern_alert_status decision, const char *reasons,
                                   int64_t now_ms, tern_error *err)
{
    decide_ctx d = {decision, reasons, now_ms};
    core_op op = {.action = "alert.decide", .object_type = "alert"};
    snprintf(op.object_id, sizeof op.object_id, "%s", alert_id ? alert_id : "");
    return core_run(c, who, &op, decide_body, &d, err);
}

static const char *const signal_names[] = {"green", "yellow", "red"};

static void say(tern_alert_notice *n, tern_signal s, const char *msg)
{
    n->signal = s;
    snprintf(n->message, sizeof n->message, "%s", msg);
}

/* Red needs a confirmed alert on an entry that is still active. */
static tern_status confirmed_notice(tern_core *c, const tern_alert *a, tern_alert_notice *n,
                                    tern_error *err)
{
    if (!a->entry_id[0]) {
        say(n, TERN_SIGNAL_RED,
            "confirmed: the person matches an enrolled identity under other records; "
            "no watchlist instructions");
        return TERN_OK;
    }
    tern_watchlist_entry e;
    tern_status rc = tern_store_watchlist_entry_get(c->store, a->entry_id, &e, err);
    if (rc != TERN_OK)
        return rc;
    tern_watchlist wl;
    rc = tern_store_watchlist_get(c->store, e.watchlist_id, &wl, err);
    if (rc == TERN_OK) {
        if (e.status == TERN_ENTRY_ACTIVE) {
            say(n, TERN_SIGNAL_RED, "confirmed watchlist hit: follow the handling instructions");
            n->handling = wl.handling;
            n->category = wl.category;
            wl.handling = wl.category = NULL;
        } else {
            say(n, TERN_SIGNAL_GREEN,
                "confirmed earlier, but the watchlist entry is no longer active: no action");
        }
        tern_watchlist_clear(&wl);
    }
    tern_watchlist_entry_clear(&e);
    return rc;
}

static tern_status notice_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                               tern_error *err)
{
    tern_alert_notice *n = ctx;
    tern_status rc = core_require(actor,
                                  TERN_ROLE_OFFICER | TERN_ROLE_EXAMINER | TERN_ROLE_ANALYST |
                                      TERN_ROLE_SUPERVISOR,
                                  op, "see an alert", err);
    if (rc != TERN_OK)
        return rc;
    tern_alert a;
    rc = tern_store_alert_get(c->store, op->object_id, &a, err);
    if (rc != TERN_OK)
        return rc;
    switch (a.status) {
    case TERN_ALERT_CONFIRMED:
        rc = confirmed_notice(c, &a, n, err);
        break;
    case TERN_ALERT_REJECTED:
        say(n, TERN_SIGNAL_GREEN, "the possible hit was rejected by an examiner: no action");
        break;
    default: /* pending, inconclusive */
        say(n, TERN_SIGNAL_YELLOW,
            "possible hit: refer to secondary inspection; do not act on this alone");
        break;
    }
    tern_alert_clear(&a);
    snprintf(op->detail, sizeof op->detail, "signal=%s", signal_names[n->signal]);
    return rc;
}

tern_status tern_core_alert_notice(tern_core *c, const tern_actor *who, const char *alert_id,
                                   tern_alert_notice *out, tern_error *err)
{
    memset(out, 0, sizeof *out);
    core_op op = {.action = "alert.disclose", .object_type = "alert"};
    snprintf(op.object_id, sizeof op.object_id, "%s", alert_id ? alert_id : "");
    tern_status rc = core_run(c, who, &op, notice_body, out, err);
    if (rc != TERN_OK)
        tern_alert_notice_clear(out);
    return rc;
}

void tern_alert_notice_clear(tern_alert_notice *n)
{
    if (!n)
        return;
    free(n->handling);
    free(n->category);
    memset(n, 0, sizeof *n);
}
