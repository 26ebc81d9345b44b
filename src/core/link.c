/* link.c - an examiner's verdict on an identity link, after the EU
 * interoperability model (Regulation (EU) 2019/817, articles 28-33): a link
 * found by a biometric or biographic match starts yellow and is verified
 * manually into white (same person, lawfully), red (unlawful: one person
 * under several identities, or several persons under one) or green
 * (different persons, lawfully similar). Nothing is merged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_impl.h"

typedef struct link_ctx {
    tern_link_colour colour;
    const char *reason;
    int64_t now_ms;
} link_ctx;

static tern_status link_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                             tern_error *err)
{
    link_ctx *x = ctx;
    tern_status rc = core_require(actor, TERN_ROLE_EXAMINER, op, "decide a link", err);
    if (rc != TERN_OK)
        return rc;
    if (x->colour != TERN_LINK_WHITE && x->colour != TERN_LINK_RED &&
        x->colour != TERN_LINK_GREEN)
        return tern_error_set(err, TERN_E_ARG, "a link verdict is white, red or green");
    if (!x->reason || !*x->reason)
        return tern_error_set(err, TERN_E_ARG, "a link verdict needs a reason");
    tern_link l;
    rc = tern_store_link_get(c->store, op->object_id, &l, err);
    if (rc != TERN_OK)
        return rc;
    if (l.colour != TERN_LINK_YELLOW) {
        rc = tern_error_set(err, TERN_E_STATE, "link \"%s\" was already decided (%s)", l.id,
                            tern_link_colour_name(l.colour));
    } else {
        size_t n = strlen(l.reason) + strlen(x->reason) + 16;
        char *both = malloc(n);
        if (!both) {
            rc = tern_error_set(err, TERN_E_NOMEM, "out of memory");
        } else {
            snprintf(both, n, "%s | verdict: %s", l.reason, x->reason);
            free(l.reason);
            l.reason = both;
            l.colour = x->colour;
            memcpy(l.decided_by, actor->id, TERN_ID_MAX);
            l.decided_ms = x->now_ms;
            rc = tern_store_link_update(c->store, &l, err);
            snprintf(op->detail, sizeof op->detail, "yellow -> %s",
                     tern_link_colour_name(x->colour));
        }
    }
    tern_link_clear(&l);
    return rc;
}

tern_status tern_core_link_decide(tern_core *c, const tern_actor *who, const char *link_id,
                                  tern_link_colour colour, const char *reason, int64_t now_ms,
                                  tern_error *err)
{
    link_ctx x = {colour, reason, now_ms};
    core_op op = {.action = "link.decide", .object_type = "link"};
    snprintf(op.object_id, sizeof op.object_id, "%s", link_id ? link_id : "");
    return core_run(c, who, &op, link_body, &x, err);
}
