/* h_admin.c - administration and oversight routes of the node's HTTP API:
 * agencies, users and API keys (admin), the audit trail (query and verify,
 * auditor), and the bootstrap of a node's first key. Plain mapping between
 * JSON (RFC 8259) and the store's rows and core's calls (tern/core.h,
 * tern/audit.h); the rules are core's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_impl.h"
#include "tern/audit.h"

#define LIST_MAX 1000

static json_t *roles_json(int64_t roles)
{
    json_t *a = json_array();
    for (unsigned b = 1; b <= TERN_ROLE_PARTNER; b <<= 1)
        if (roles & b)
            json_array_append_new(a, json_string(tern_api_role_name(b)));
    return a;
}

static int agency_row(void *ctx, const void *row)
{
    const tern_agency *a = row;
    json_array_append_new(ctx, json_pack("{s:s,s:o,s:o,s:I}", "id", a->id, "name",
                                         api_json_str(a->name), "country",
                                         api_json_str(a->country), "created_ms",
                                         (json_int_t)a->created_ms));
    return json_array_size(ctx) >= LIST_MAX;
}

void api_h_agencies_list(api_req *r)
{
    json_t *arr = json_array();
    tern_error err;
    tern_error_clear(&err);
    if (tern_store_each(r->w->store, TERN_ENT_AGENCY, NULL, NULL, agency_row, arr, &err) !=
        TERN_OK) {
        json_decref(arr);
        api_fail_status(r, &err);
        return;
    }
    api_reply(r, 200, json_pack("{s:o}", "agencies", arr));
}

void api_h_agency_create(api_req *r)
{
    tern_api_request q;
    if (!api_decode(r, TERN_API_BODY_AGENCY, &q))
        return;
    tern_agency a = {.created_ms = tern_store_now_ms()};
    snprintf(a.id, sizeof a.id, "%s", tern_api_request_text(&q, "id"));
    a.name = (char *)tern_api_request_text(&q, "name");
    a.country = (char *)tern_api_request_text(&q, "country");
    tern_error err;
    tern_error_clear(&err);
    if (tern_store_agency_insert(r->w->store, &a, &err) != TERN_OK)
        api_fail_status(r, &err);
    else
        api_reply(r, 201, json_pack("{s:s}", "id", a.id));
    tern_api_request_clear(&q);
}

static int user_row(void *ctx, const void *row)
{
    const tern_user *u = row;
    json_array_append_new(ctx, json_pack("{s:s,s:s,s:o,s:o,s:b}", "id", u->id, "agency_id",
                                         u->agency_id, "display_name",
                                         api_json_str(u->display_name), "roles",
                                         roles_json(u->roles), "active", (int)u->active));
    return json_array_size(ctx) >= LIST_MAX;
}

void api_h_users_list(api_req *r)
{
    json_t *arr = json_array();
    tern_error err;
    tern_error_clear(&err);
    const char *agency = api_query(r, "agency_id");
    if (tern_store_each(r->w->store, TERN_ENT_USER, agency ? "agency_id" : NULL, agency,
                        user_row, arr, &err) != TERN_OK) {
        json_decref(arr);
        api_fail_status(r, &err);
        return;
    }
    api_reply(r, 200, json_pack("{s:o}", "users", arr));
}

void api_h_user_create(api_req *r)
{
    tern_api_request q;
    if (!api_decode(r, TERN_API_BODY_USER, &q))
        return;
    tern_user u = {.roles = q.roles, .active = tern_api_request_int(&q, "active", 1),
                   .created_ms = tern_store_now_ms()};
    snprintf(u.id, sizeof u.id, "%s", tern_api_request_text(&q, "id"));
    snprintf(u.agency_id, sizeof u.agency_id, "%s", tern_api_request_text(&q, "agency_id"));
    u.display_name = (char *)tern_api_request_text(&q, "display_name");
    if (!u.display_name)
        u.display_name = u.id;
    tern_error err;
    tern_error_clear(&err);
    if (tern_store_user_insert(r->w->store, &u, &err) != TERN_OK)
        api_fail_status(r, &err);
    else
        api_reply(r, 201, json_pack("{s:s}", "id", u.id));
    tern_api_request_clear(&q);
}

void api_h_key_issue(api_req *r)
{
    tern_api_request q;
    if (r->body_len == 0) {
        memset(&q, 0, sizeof q);
    } else if (!api_decode(r, TERN_API_BODY_APIKEY, &q)) {
        return;
    }
    int64_t now = tern_store_now_ms();
    int64_t days = q.n ? tern_api_request_int(&q, "days", 90) : 90;
    int64_t expires = q.n ? tern_api_request_int(&q, "expires_ms", 0) : 0;
    tern_api_request_clear(&q);
    if (days <= 0 || days > 3650) {
        api_fail(r, 400, "bad_request", "days: 1..3650");
        return;
    }
    if (!expires)
        expires = now + days * 86400000LL;
    char token[TERN_APIKEY_TOKEN_MAX];
    tern_error err;
    tern_error_clear(&err);
    tern_actor who = api_actor(r);
    if (tern_core_apikey_issue(r->w->core, &who, r->params[0], expires, now, token, &err) !=
        TERN_OK) {
        api_fail_status(r, &err);
        return;
    }
    char id[TERN_ID_MAX];
    size_t idlen = strcspn(token, ".");
    snprintf(id, sizeof id, "%.*s", (int)(idlen < TERN_ID_MAX ? idlen : 0), token);
    api_reply(r, 201, json_pack("{s:s,s:s,s:s,s:I}", "id", id, "user_id", r->params[0], "token",
                                token, "expires_ms", (json_int_t)expires));
    tern_key_wipe(token, sizeof token);
}

void api_h_key_revoke(api_req *r)
{
    tern_error err;
    tern_error_clear(&err);
    tern_actor who = api_actor(r);
    if (tern_core_apikey_revoke(r->w->core, &who, r->params[0], tern_store_now_ms(), &err) !=
        TERN_OK)
        api_fail_status(r, &err);
    else
        api_reply(r, 200, json_pack("{s:s,s:b}", "id", r->params[0], "revoked", 1));
}

/* ---- audit ------------------------------------------------------------------ */

typedef struct audit_q {
    json_t *arr;
    const char *actor, *action;
    int64_t limit;
} audit_q;

static int audit_row(void *ctx, const void *row)
{
    audit_q *q = ctx;
    const tern_audit_event *e = row;
    if (q->actor && strcmp(q->actor, e->actor) != 0)
        return 0;
    if (q->action && (!e->action || strcmp(q->action, e->action) != 0))
        return 0;
    char hash[2 * TERN_HASH_BYTES + 1];
    tern_hex(e->hash, TERN_HASH_BYTES, hash);
    json_array_append_new(
        q->arr, json_pack("{s:I,s:I,s:s,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:s}", "seq",
                          (json_int_t)e->seq, "at_ms", (json_int_t)e->at_ms, "actor", e->actor,
                          "role", api_json_str(e->role), "action", api_json_str(e->action),
                          "object_type", api_json_str(e->object_type), "object_id",
                          e->object_id, "purpose", api_json_str(e->purpose), "outcome",
                          api_json_str(e->outcome), "detail", api_json_str(e->detail), "hash",
                          hash));
    return (int64_t)json_array_size(q->arr) >= q->limit;
}

void api_h_audit_query(api_req *r)
{
    const char *from = api_query(r, "from");
    const char *limit = api_query(r, "limit");
    audit_q q = {json_array(), api_query(r, "actor"), api_query(r, "action"),
                 limit ? strtoll(limit, NULL, 10) : 100};
    if (q.limit <= 0 || q.limit > LIST_MAX)
        q.limit = LIST_MAX;
    int64_t from_seq = from ? strtoll(from, NULL, 10) : 1;
    tern_error err;
    tern_error_clear(&err);
    if (tern_store_audit_each(r->w->store, from_seq < 1 ? 1 : from_seq, audit_row, &q, &err) !=
        TERN_OK) {
        json_decref(q.arr);
        api_fail_status(r, &err);
        return;
    }
    api_reply(r, 200, json_pack("{s:o}", "events", q.arr));
}

void api_h_audit_verify(api_req *r)
{
    tern_audit_report rep;
    memset(&rep, 0, sizeof rep);
    tern_error err;
    tern_error_clear(&err);
    tern_status rc = tern_audit_verify(r->w->store, r->srv->cfg.node_key.pk, &rep, &err);
    if (rc != TERN_OK && rc != TERN_E_FORMAT) {
        api_fail_status(r, &err);
        return;
    }
    api_reply(r, 200,
              json_pack("{s:b,s:I,s:I,s:s}", "verified", rc == TERN_OK, "events",
                        (json_int_t)rep.events, "first_bad_seq", (json_int_t)rep.first_bad_seq,
                        "reason", rep.reason));
}

/* ---- bootstrap ------------------------------------------------------------- */

#define BOOTSTRAP_ADMIN "ternd-bootstrap"

static tern_status ensure_user(tern_store *s, const char *id, const char *agency,
                               int64_t roles, tern_error *err)
{
    tern_user u;
    memset(&u, 0, sizeof u);
    if (tern_store_user_get(s, id, &u, NULL) == TERN_OK) {
        tern_user_clear(&u);
        return TERN_OK;
    }
    tern_user nu = {.roles = roles, .active = 1, .created_ms = tern_store_now_ms()};
    snprintf(nu.id, sizeof nu.id, "%s", id);
    snprintf(nu.agency_id, sizeof nu.agency_id, "%s", agency);
    nu.display_name = (char *)id;
    return tern_store_user_insert(s, &nu, err);
}

tern_status tern_api_bootstrap(tern_core *core, tern_store *store, const char *agency_id,
                               const char *user_id, unsigned roles, int days,
                               char token[TERN_APIKEY_TOKEN_MAX], tern_error *err)
{
    token[0] = 0;
    if (!core || !store || !agency_id || !user_id || !roles || days <= 0)
        return tern_error_set(err, TERN_E_ARG, "bootstrap: agency, user, roles and days needed");
    tern_agency a;
    memset(&a, 0, sizeof a);
    if (tern_store_agency_get(store, agency_id, &a, NULL) == TERN_OK) {
        tern_agency_clear(&a);
    } else {
        tern_agency na = {.created_ms = tern_store_now_ms()};
        snprintf(na.id, sizeof na.id, "%s", agency_id);
        na.name = (char *)agency_id;
        na.country = "ZZZ"; /* unknown until the admin sets it (ISO 3166 user-assigned) */
        tern_status rc = tern_store_agency_insert(store, &na, err);
        if (rc != TERN_OK)
            return rc;
    }
    tern_status rc = ensure_user(store, user_id, agency_id, roles, err);
    if (rc == TERN_OK)
        rc = ensure_user(store, BOOTSTRAP_ADMIN, agency_id, TERN_ROLE_ADMIN, err);
    if (rc != TERN_OK)
        return rc;
    tern_actor who = {BOOTSTRAP_ADMIN, "bootstrap"};
    int64_t now = tern_store_now_ms();
    return tern_core_apikey_issue(core, &who, user_id, now + (int64_t)days * 86400000LL, now,
                                  token, err);
}
