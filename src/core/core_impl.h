/* core_impl.h - what the core services share (private to src/core): the
 * actor check and the "one transaction, one audit event" runner. */
#ifndef TERN_CORE_IMPL_H
#define TERN_CORE_IMPL_H

#include "tern/audit.h"
#include "tern/core.h"

struct tern_core {
    tern_store *store;
    tern_sign_key key;
};

/* One service call as the audit trail records it. */
typedef struct core_op {
    const char *action;          /* "watchlist.nominate" ... */
    const char *object_type;     /* "watchlist_entry" ... */
    char object_id[TERN_ID_MAX]; /* set by the caller or the body */
    const char *role;            /* the role that authorised it (core_require) */
    char detail[256];            /* codes and counts only, never personal data */
} core_op;

typedef tern_status (*core_body)(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                                 tern_error *err);

/* Loads the actor (must exist and be active), runs body in a transaction
 * and appends the audit event (outcome "ok") in the same transaction. On any
 * failure the transaction is rolled back and the attempt is audited in its
 * own transaction with outcome "denied" (TERN_E_DENIED) or "refused"
 * (anything else), the status name in detail. Returns body's status. */
tern_status core_run(tern_core *c, const tern_actor *who, core_op *op, core_body body, void *ctx,
                     tern_error *err);

/* TERN_OK if actor holds one of the roles in mask (setting op->role to the
 * first it holds), TERN_E_DENIED naming the roles needed otherwise. */
tern_status core_require(const tern_user *actor, int64_t mask, core_op *op, const char *doing,
                         tern_error *err);

/* Appends one audit event (used by core_run and by system actions). */
tern_status core_audit(tern_core *c, const char *actor, const char *role, const core_op *op,
                       const char *purpose, const char *outcome, tern_error *err);

/* A growable list of ids, for calls that first collect rows and then
 * change them (never change rows while a statement iterates over them). */
typedef struct core_ids {
    char (*ids)[TERN_ID_MAX];
    size_t n, cap;
    bool nomem;
} core_ids;
/* Appends id; returns 0, or 1 (and sets nomem) if memory ran out, so that
 * a tern_store_row_fn can return it directly. */
int core_ids_push(core_ids *l, const char *id);
void core_ids_free(core_ids *l);

#endif
