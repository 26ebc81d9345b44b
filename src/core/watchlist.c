/* watchlist.c - watchlists and the life of a watchlist entry (tern/core.h):
 * proposed -> active (a second person's approval) -> expired or removed;
 * proposed -> rejected. The four-eyes rule (no self-approval) and the
 * requirement of a basis, a review date and an expiry follow the safeguards
 * of ARCHITECTURE.md and, for the periodic review, the review duties of
 * Regulation (EU) 2018/1862 (SIS police cooperation), article 53.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_impl.h"

static void set_object(core_op *op, const char *id)
{
    snprintf(op->object_id, sizeof op->object_id, "%s", id ? id : "");
}

/* ---- create a watchlist -------------------------------------------------- */

static tern_status create_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                               tern_error *err)
{
    tern_watchlist *wl = ctx;
    tern_status rc = core_require(actor, TERN_ROLE_ADMIN | TERN_ROLE_SUPERVISOR, op,
                                  "create a watchlist", err);
    if (rc == TERN_OK)
        rc = tern_store_watchlist_insert(c->store, wl, err);
    set_object(op, wl->id);
    return rc;
}

tern_status tern_core_watchlist_create(tern_core *c, const tern_actor *who, tern_watchlist *wl,
                                       tern_error *err)
{
    core_op op = {.action = "watchlist.create", .object_type = "watchlist"};
    set_object(&op, wl->id);
    return core_run(c, who, &op, create_body, wl, err);
}

/* ---- nominate ------------------------------------------------------------ */

typedef struct nominate_ctx {
    const char *watchlist_id, *subject_id, *basis;
    int64_t review_ms, expires_ms, now_ms;
    char *entry_id;
    bool live_found;
} nominate_ctx;

static int find_live(void *ctx, const void *row)
{
    nominate_ctx *n = ctx;
    const tern_watchlist_entry *e = row;
    if (strcmp(e->watchlist_id, n->watchlist_id) == 0 &&
        (e->status == TERN_ENTRY_PROPOSED || e->status == TERN_ENTRY_ACTIVE)) {
        snprintf(n->entry_id, TERN_ID_MAX, "%s", e->id);
        n->live_found = true;
        return 1;
    }
    return 0;
}

static tern_status check_dates(int64_t review_ms, int64_t expires_ms, int64_t now_ms,
                               tern_error *err)
{
    if (expires_ms <= now_ms)
        return tern_error_set(err, TERN_E_ARG, "watchlist entry: the expiry must be in the future");
    if (review_ms <= now_ms || review_ms > expires_ms)
        return tern_error_set(err, TERN_E_ARG,
                              "watchlist entry: the review date must be in the future and no "
                              "later than the expiry");
    return TERN_OK;
}

static tern_status nominate_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                                 tern_error *err)
{
    nominate_ctx *n = ctx;
    tern_status rc = core_require(actor, TERN_ROLE_ANALYST | TERN_ROLE_SUPERVISOR, op,
                                  "nominate a watchlist entry", err);
    if (rc != TERN_OK)
        return rc;
    if (!n->basis || !*n->basis)
        return tern_error_set(err, TERN_E_ARG, "watchlist entry: a basis is required");
    rc = check_dates(n->review_ms, n->expires_ms, n->now_ms, err);
    if (rc != TERN_OK)
        return rc;
    if (!n->subject_id || !n->watchlist_id)
        return tern_error_set(err, TERN_E_ARG, "watchlist entry: subject and watchlist required");
    rc = tern_store_check_id(n->subject_id, "subject", err);
    if (rc == TERN_OK)
        rc = tern_store_each(c->store, TERN_ENT_WATCHLIST_ENTRY, "subject_id", n->subject_id,
                             find_live, n, err);
    if (rc != TERN_OK)
        return rc;
    if (n->live_found)
        return tern_error_set(err, TERN_E_EXISTS,
                              "subject \"%s\" already has entry \"%s\" on watchlist \"%s\"",
                              n->subject_id, n->entry_id, n->watchlist_id);
    tern_watchlist_entry e = {.basis = (char *)n->basis, .status = TERN_ENTRY_PROPOSED,
                              .review_ms = n->review_ms, .expires_ms = n->expires_ms,
                              .created_ms = n->now_ms, .updated_ms = n->now_ms};
    snprintf(e.watchlist_id, sizeof e.watchlist_id, "%s", n->watchlist_id);
    snprintf(e.subject_id, sizeof e.subject_id, "%s", n->subject_id);
    memcpy(e.nominating_agency_id, actor->agency_id, TERN_ID_MAX);
    memcpy(e.nominated_by, actor->id, TERN_ID_MAX);
    rc = tern_store_watchlist_entry_insert(c->store, &e, err);
    if (rc != TERN_OK)
        return rc;
    memcpy(n->entry_id, e.id, TERN_ID_MAX);
    set_object(op, e.id);
    snprintf(op->detail, sizeof op->detail, "watchlist=%s subject=%s", e.watchlist_id,
             e.subject_id);
    return TERN_OK;
}

tern_status tern_core_nominate(tern_core *c, const tern_actor *who, const char *watchlist_id,
                               const char *subject_id, const char *basis, int64_t review_ms,
                               int64_t expires_ms, int64_t now_ms, char entry_id[TERN_ID_MAX],
                               tern_error *err)
{
    entry_id[0] = 0;
    nominate_ctx n = {watchlist_id, subject_id, basis, review_ms, expires_ms, now_ms, entry_id,
                      false};
    core_op op = {.action = "watchlist.nominate", .object_type = "subject"};
    set_object(&op, subject_id);
    tern_status rc = core_run(c, who, &op, nominate_body, &n, err);
    if (rc != TERN_OK)
        entry_id[0] = 0;
    return rc;
}

/* ---- transitions of an existing entry -------------------------------------- */

typedef enum transition { T_APPROVE, T_REJECT, T_REVIEW, T_REMOVE } transition;

typedef struct change_ctx {
    transition what;
    const char *reason;
    int64_t review_ms, expires_ms, now_ms;
} change_ctx;

static tern_status check_transition(const tern_user *actor, const tern_watchlist_entry *e,
                                    const change_ctx *x, core_op *op, tern_error *err)
{
    tern_status rc;
    switch (x->what) {
    case T_APPROVE:
    case T_REJECT:
        rc = core_require(actor, TERN_ROLE_SUPERVISOR, op,
                          x->what == T_APPROVE ? "approve an entry" : "reject an entry", err);
        if (rc != TERN_OK)
            return rc;
        if (strcmp(actor->id, e->nominated_by) == 0)
            return tern_error_set(err, TERN_E_DENIED,
                                  "watchlist entry \"%s\": the nominator may not %s it; a "
                                  "second person must",
                                  e->id, x->what == T_APPROVE ? "approve" : "reject");
        if (e->status != TERN_ENTRY_PROPOSED)
            return tern_error_set(err, TERN_E_STATE, "watchlist entry \"%s\" is %s, not proposed",
                                  e->id, tern_entry_status_name(e->status));
        if (x->what == T_APPROVE && e->expires_ms <= x->now_ms)
            return tern_error_set(err, TERN_E_STATE,
                                  "watchlist entry \"%s\" expired before approval", e->id);
        return TERN_OK;
    case T_REVIEW:
        rc = core_require(actor, TERN_ROLE_ANALYST | TERN_ROLE_SUPERVISOR, op,
                          "review an entry", err);
        if (rc != TERN_OK)
            return rc;
        if (e->status != TERN_ENTRY_ACTIVE)
            return tern_error_set(err, TERN_E_STATE, "watchlist entry \"%s\" is %s, not active",
                                  e->id, tern_entry_status_name(e->status));
        return check_dates(x->review_ms, x->expires_ms, x->now_ms, err);
    case T_REMOVE:
        if (strcmp(actor->id, e->nominated_by) == 0)
            op->role = "nominator";
        else if ((rc = core_require(actor, TERN_ROLE_SUPERVISOR, op, "remove an entry", err)))
            return rc;
        if (e->status != TERN_ENTRY_PROPOSED && e->status != TERN_ENTRY_ACTIVE)
            return tern_error_set(err, TERN_E_STATE, "watchlist entry \"%s\" is already %s",
                                  e->id, tern_entry_status_name(e->status));
        return TERN_OK;
    }
    return tern_error_set(err, TERN_E_INTERNAL, "unknown transition");
}

static tern_status change_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                               tern_error *err)
{
    change_ctx *x = ctx;
    if ((x->what == T_REJECT || x->what == T_REMOVE) && (!x->reason || !*x->reason))
        return tern_error_set(err, TERN_E_ARG, "a reason is required");
    tern_watchlist_entry e;
    tern_status rc = tern_store_watchlist_entry_get(c->store, op->object_id, &e, err);
    if (rc != TERN_OK)
        return rc;
    rc = check_transition(actor, &e, x, op, err);
    if (rc == TERN_OK) {
        int64_t from = e.status;
        if (x->what == T_APPROVE) {
            e.status = TERN_ENTRY_ACTIVE;
            memcpy(e.approved_by, actor->id, TERN_ID_MAX);
        } else if (x->what == T_REVIEW) {
            e.review_ms = x->review_ms;
            e.expires_ms = x->expires_ms;
        } else {
            e.status = x->what == T_REJECT ? TERN_ENTRY_REJECTED : TERN_ENTRY_REMOVED;
        }
        char *old_reason = e.status_reason;
        if (x->reason)
            e.status_reason = (char *)x->reason;
        e.updated_ms = x->now_ms;
        rc = tern_store_watchlist_entry_update(c->store, &e, err);
        e.status_reason = old_reason;
        snprintf(op->detail, sizeof op->detail, "%s -> %s", tern_entry_status_name(from),
                 tern_entry_status_name(e.status));
    }
    tern_watchlist_entry_clear(&e);
    return rc;
}

static tern_status change(tern_core *c, const tern_actor *who, const char *entry_id,
                          const char *action, change_ctx *x, tern_error *err)
{
    core_op op = {.action = action, .object_type = "watchlist_entry"};
    set_object(&op, entry_id);
    return core_run(c, who, &op, change_body, x, err);
}

tern_status tern_core_approve(tern_core *c, const tern_actor *who, const char *entry_id,
                              int64_t now_ms, tern_error *err)
{
    change_ctx x = {.what = T_APPROVE, .now_ms = now_ms};
    return change(c, who, entry_id, "watchlist.approve", &x, err);
}

tern_status tern_core_reject(tern_core *c, const tern_actor *who, const char *entry_id,
                             const char *reason, int64_t now_ms, tern_error *err)
{
    change_ctx x = {.what = T_REJECT, .reason = reason, .now_ms = now_ms};
    return change(c, who, entry_id, "watchlist.reject", &x, err);
}

tern_status tern_core_review(tern_core *c, const tern_actor *who, const char *entry_id,
                             int64_t next_review_ms, int64_t expires_ms, int64_t now_ms,
                             tern_error *err)
{
    change_ctx x = {.what = T_REVIEW, .review_ms = next_review_ms, .expires_ms = expires_ms,
                    .now_ms = now_ms};
    return change(c, who, entry_id, "watchlist.review", &x, err);
}

tern_status tern_core_remove(tern_core *c, const tern_actor *who, const char *entry_id,
                             const char *reason, int64_t now_ms, tern_error *err)
{
    change_ctx x = {.what = T_REMOVE, .reason = reason, .now_ms = now_ms};
    return change(c, who, entry_id, "watchlist.remove", &x, err);
}

/* ---- expiry ------------------------------------------------------------------ */

typedef struct expire_ctx {
    int64_t now_ms;
    core_ids due;
} expire_ctx;

static int collect_expired(void *ctx, const void *row)
{
    expire_ctx *x = ctx;
    const tern_watchlist_entry *e = row;
    return e->expires_ms > x->now_ms ? 0 : core_ids_push(&x->due, e->id);
}

static tern_status expire_all(tern_core *c, expire_ctx *x, tern_error *err)
{
    tern_status rc = tern_store_each(c->store, TERN_ENT_WATCHLIST_ENTRY, "status", "active",
                                     collect_expired, x, err);
    if (rc == TERN_OK && x->due.nomem)
        rc = tern_error_set(err, TERN_E_NOMEM, "expire: out of memory");
    for (size_t i = 0; i < x->due.n && rc == TERN_OK; i++) {
        tern_watchlist_entry e;
        rc = tern_store_watchlist_entry_get(c->store, x->due.ids[i], &e, err);
        if (rc != TERN_OK)
            break;
        e.status = TERN_ENTRY_EXPIRED;
        e.updated_ms = x->now_ms;
        rc = tern_store_watchlist_entry_update(c->store, &e, err);
        tern_watchlist_entry_clear(&e);
        core_op op = {.action = "watchlist.expire", .object_type = "watchlist_entry",
                      .detail = "active -> expired"};
        set_object(&op, x->due.ids[i]);
        if (rc == TERN_OK)
            rc = core_audit(c, "system", "system", &op, "retention", "ok", err);
    }
    return rc;
}

tern_status tern_core_expire(tern_core *c, int64_t now_ms, int64_t *count, tern_error *err)
{
    if (count)
        *count = 0;
    expire_ctx x = {.now_ms = now_ms};
    tern_status rc = tern_store_begin(c->store, err);
    if (rc != TERN_OK)
        return rc;
    rc = expire_all(c, &x, err);
    if (rc == TERN_OK)
        rc = tern_store_commit(c->store, err);
    else
        tern_store_rollback(c->store, NULL);
    if (rc == TERN_OK && count)
        *count = (int64_t)x.due.n;
    core_ids_free(&x.due);
    return rc;
}
