/* core.c - the core services' common frame (tern/core.h): actors are loaded
 * from the store with their roles, and each call is one transaction that
 * carries its own audit event; refused attempts are audited too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_impl.h"

tern_status tern_core_create(tern_store *store, const tern_sign_key *node_key, tern_core **out,
                             tern_error *err)
{
    *out = NULL;
    tern_core *c = calloc(1, sizeof *c);
    if (!c)
        return tern_error_set(err, TERN_E_NOMEM, "core: out of memory");
    c->store = store;
    c->key = *node_key;
    *out = c;
    return TERN_OK;
}

void tern_core_free(tern_core *c)
{
    if (!c)
        return;
    tern_key_wipe(&c->key, sizeof c->key);
    free(c);
}

static const struct {
    int64_t bit;
    const char *name;
} role_names[] = {
    {TERN_ROLE_OFFICER, "officer"},       {TERN_ROLE_EXAMINER, "examiner"},
    {TERN_ROLE_ANALYST, "analyst"},       {TERN_ROLE_SUPERVISOR, "supervisor"},
    {TERN_ROLE_AUDITOR, "auditor"},       {TERN_ROLE_ADMIN, "admin"},
    {TERN_ROLE_PARTNER, "partner"},
};
#define N_ROLES (sizeof role_names / sizeof role_names[0])

tern_status core_require(const tern_user *actor, int64_t mask, core_op *op, const char *doing,
                         tern_error *err)
{
    for (size_t i = 0; i < N_ROLES; i++) {
        if (actor->roles & mask & role_names[i].bit) {
            op->role = role_names[i].name;
            return TERN_OK;
        }
    }
    char need[128] = "";
    size_t n = 0;
    for (size_t i = 0; i < N_ROLES; i++)
        if (mask & role_names[i].bit)
            n += (size_t)snprintf(need + n, sizeof need - n, "%s%s", n ? " or " : "",
                                  role_names[i].name);
    return tern_error_set(err, TERN_E_DENIED, "user \"%s\" may not %s: it needs the role %s",
                          actor->id, doing, need);
}

tern_status core_audit(tern_core *c, const char *actor, const char *role, const core_op *op,
                       const char *purpose, const char *outcome, tern_error *err)
{
    tern_audit_event ev = {.role = (char *)role, .action = (char *)op->action,
                           .object_type = (char *)op->object_type,
                           .purpose = (char *)(purpose && *purpose ? purpose : "unstated"),
                           .outcome = (char *)outcome,
                           .detail = op->detail[0] ? (char *)op->detail : NULL};
    snprintf(ev.actor, sizeof ev.actor, "%s", actor);
    snprintf(ev.object_id, sizeof ev.object_id, "%s", op->object_id[0] ? op->object_id : "none");
    return tern_audit_append(c->store, &c->key, &ev, err);
}

/* Audits a refused attempt after the rollback; an id that is not even
 * valid is recorded as "invalid" rather than stored. */
static void audit_refusal(tern_core *c, const tern_actor *who, core_op *op, tern_status status)
{
    const char *actor =
        who && who->user_id && tern_store_check_id(who->user_id, "actor", NULL) == TERN_OK
            ? who->user_id
            : "invalid";
    if (tern_store_check_id(op->object_id, "object", NULL) != TERN_OK)
        snprintf(op->object_id, sizeof op->object_id, "invalid");
    snprintf(op->detail, sizeof op->detail, "%s", tern_status_name(status));
    const char *purpose = who && who->purpose &&
                                  tern_store_check_text(who->purpose, TERN_STORE_NAME_MAX,
                                                        "purpose", NULL) == TERN_OK
                              ? who->purpose
                              : "invalid";
    /* Best effort: the refusal itself is what the caller gets back. */
    (void)core_audit(c, actor, op->role ? op->role : "none", op, purpose,
                     status == TERN_E_DENIED ? "denied" : "refused", NULL);
}

static tern_status load_actor(tern_core *c, const tern_actor *who, tern_user *u, tern_error *err)
{
    if (!who || !who->user_id)
        return tern_error_set(err, TERN_E_DENIED, "no actor");
    tern_status rc = tern_store_user_get(c->store, who->user_id, u, err);
    if (rc == TERN_E_NOT_FOUND || rc == TERN_E_ARG)
        return tern_error_set(err, TERN_E_DENIED, "unknown user \"%.47s\"", who->user_id);
    if (rc != TERN_OK)
        return rc;
    if (!u->active)
        return tern_error_set(err, TERN_E_DENIED, "user \"%s\" is disabled", u->id);
    if (who->purpose) {
        rc = tern_store_check_text(who->purpose, TERN_STORE_NAME_MAX, "purpose", err);
        if (rc != TERN_OK)
            return rc;
    }
    return TERN_OK;
}

tern_status core_run(tern_core *c, const tern_actor *who, core_op *op, core_body body, void *ctx,
                     tern_error *err)
{
    tern_store *s = c->store;
    if (tern_store_in_transaction(s))
        return tern_error_set(err, TERN_E_STATE,
                              "core: a service call is its own transaction; one is already open");
    tern_user actor = {0};
    tern_status rc = tern_store_begin(s, err);
    if (rc != TERN_OK)
        return rc;
    rc = load_actor(c, who, &actor, err);
    if (rc == TERN_OK)
        rc = body(c, &actor, op, ctx, err);
    if (rc == TERN_OK)
        rc = core_audit(c, actor.id, op->role ? op->role : "none", op, who->purpose, "ok", err);
    if (rc == TERN_OK)
        rc = tern_store_commit(s, err);
    tern_user_clear(&actor);
    if (rc == TERN_OK)
        return TERN_OK;
    tern_store_rollback(s, NULL);
    audit_refusal(c, who, op, rc);
    return rc;
}

int core_ids_push(core_ids *l, const char *id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        void *p = realloc(l->ids, cap * TERN_ID_MAX);
        if (!p) {
            l->nomem = true;
            return 1;
        }
        l->ids = p;
        l->cap = cap;
    }
    snprintf(l->ids[l->n++], TERN_ID_MAX, "%s", id);
    return 0;
}

void core_ids_free(core_ids *l)
{
    free(l->ids);
    memset(l, 0, sizeof *l);
}
