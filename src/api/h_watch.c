/* h_watch.c - watchlist, entry and alert routes of the node's HTTP API:
 * JSON (RFC 8259) in, core's watchlist and alert services (tern/core.h:
 * four-eyes approval, review, removal, examiner decisions, what an officer
 * is told) called, JSON out. Entries and alerts name subjects by
 * pseudonymous id only; no biographic data passes through these routes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_impl.h"

#define LIST_MAX 1000

static bool can_see_evidence(const api_req *r)
{
    return (r->user.roles & (TERN_ROLE_EXAMINER | TERN_ROLE_ANALYST | TERN_ROLE_SUPERVISOR)) != 0;
}

/* ---- watchlists ------------------------------------------------------------ */

static json_t *watchlist_json(const tern_watchlist *w)
{
    return json_pack("{s:s,s:s,s:o,s:o,s:o,s:I}", "id", w->id, "owner_agency_id",
                     w->owner_agency_id, "name", api_json_str(w->name), "category",
                     api_json_str(w->category), "handling", api_json_str(w->handling),
                     "created_ms", (json_int_t)w->created_ms);
}

static int watchlist_row(void *ctx, const void *row)
{
    json_array_append_new(ctx, watchlist_json(row));
    return json_array_size(ctx) >= LIST_MAX;
}

void api_h_watchlists_list(api_req *r)
{
    json_t *arr = json_array();
    tern_error err;
    tern_error_clear(&err);
    if (tern_store_each(r->w->store, TERN_ENT_WATCHLIST, NULL, NULL, watchlist_row, arr, &err) !=
        TERN_OK) {
        json_decref(arr);
        api_fail_status(r, &err);
        return;
    }
    api_reply(r, 200, json_pack("{s:o}", "watchlists", arr));
}

void api_h_watchlist_create(api_req *r)
{
    tern_api_request q;
    if (!api_decode(r, TERN_API_BODY_WATCHLIST, &q))
        return;
    tern_watchlist w = {.created_ms = tern_store_now_ms()};
    const char *id = tern_api_request_text(&q, "id");
    snprintf(w.id, sizeof w.id, "%s", id ? id : "");
    snprintf(w.owner_agency_id, sizeof w.owner_agency_id, "%s", r->user.agency_id);
    w.name = (char *)tern_api_request_text(&q, "name");
    w.category = (char *)tern_api_request_text(&q, "category");
    w.handling = (char *)tern_api_request_text(&q, "handling");
    tern_error err;
    tern_error_clear(&err);
    tern_actor who = api_actor(r);
    if (tern_core_watchlist_create(r->w->core, &who, &w, &err) != TERN_OK)
        api_fail_status(r, &err);
    else
        api_reply(r, 201, watchlist_json(&w));
    tern_api_request_clear(&q);
}

/* ---- entries ---------------------------------------------------------------- */

static json_t *entry_json(const tern_watchlist_entry *e)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:s,s:I,s:I,s:I,s:I,s:o}", "id", e->id,
                     "watchlist_id", e->watchlist_id, "subject_id", e->subject_id,
                     "nominating_agency_id", e->nominating_agency_id, "nominated_by",
                     e->nominated_by, "basis", api_json_str(e->basis), "status",
                     tern_entry_status_name(e->status), "approved_by", e->approved_by,
                     "review_ms", (json_int_t)e->review_ms, "expires_ms",
                     (json_int_t)e->expires_ms, "created_ms", (json_int_t)e->created_ms,
                     "updated_ms", (json_int_t)e->updated_ms, "status_reason",
                     api_json_str(e->status_reason));
}

static int entry_row(void *ctx, const void *row)
{
    json_array_append_new(ctx, entry_json(row));
    return json_array_size(ctx) >= LIST_MAX;
}

void api_h_entries_list(api_req *r)
{
    tern_error err;
    tern_error_clear(&err);
    tern_watchlist w;
    memset(&w, 0, sizeof w);
    if (tern_store_watchlist_get(r->w->store, r->params[0], &w, &err) != TERN_OK) {
        api_fail_status(r, &err);
        return;
    }
    tern_watchlist_clear(&w);
    json_t *arr = json_array();
    if (tern_store_each(r->w->store, TERN_ENT_WATCHLIST_ENTRY, "watchlist_id", r->params[0],
                        entry_row, arr, &err) != TERN_OK) {
        json_decref(arr);
        api_fail_status(r, &err);
        return;
    }
    api_reply(r, 200, json_pack("{s:o}", "entries", arr));
}

static void reply_entry(api_req *r, unsigned status, const char *id)
{
    tern_watchlist_entry e;
    memset(&e, 0, sizeof e);
    tern_error err;
    tern_error_clear(&err);
    if (tern_store_watchlist_entry_get(r->w->store, id, &e, &err) != TERN_OK) {
        api_fail_status(r, &err);
        return;
    }
    api_reply(r, status, entry_json(&e));
    tern_watchlist_entry_clear(&e);
}

void api_h_entry_nominate(api_req *r)
{
    tern_api_request q;
    if (!api_decode(r, TERN_API_BODY_NOMINATE, &q))
        return;
    char entry_id[TERN_ID_MAX] = "";
    tern_error err;
    tern_error_clear(&err);
    tern_actor who = api_actor(r);
    tern_status rc = tern_core_nominate(
        r->w->core, &who, r->params[0], tern_api_request_text(&q, "subject_id"),
        tern_api_request_text(&q, "basis"), tern_api_request_int(&q, "review_ms", 0),
        tern_api_request_int(&q, "expires_ms", 0), tern_store_now_ms(), entry_id, &err);
    tern_api_request_clear(&q);
    if (rc != TERN_OK)
        api_fail_status(r, &err);
    else
        reply_entry(r, 201, entry_id);
}

void api_h_entry_get(api_req *r)
{
    reply_entry(r, 200, r->params[0]);
}

typedef enum entry_op { OP_APPROVE, OP_REJECT, OP_REVIEW, OP_REMOVE } entry_op;

static void entry_action(api_req *r, entry_op op)
{
    tern_api_request q;
    memset(&q, 0, sizeof q);
    if (r->body_len && !api_decode(r, TERN_API_BODY_ENTRY_ACTION, &q))
        return;
    const char *reason = q.n ? tern_api_request_text(&q, "reason") : NULL;
    if (op == OP_REVIEW && (!q.n || tern_api_request_int(&q, "review_ms", -1) < 0)) {
        tern_api_request_clear(&q);
        api_fail(r, 400, "bad_request", "body: field \"review_ms\" is required");
        return;
    }
    tern_error err;
    tern_error_clear(&err);
    tern_actor who = api_actor(r);
    int64_t now = tern_store_now_ms();
    const char *id = r->params[0];
    tern_status rc = TERN_OK;
    switch (op) {
    case OP_APPROVE: rc = tern_core_approve(r->w->core, &who, id, now, &err); break;
    case OP_REJECT:
        rc = tern_core_reject(r->w->core, &who, id, reason ? reason : "", now, &err);
        break;
    case OP_REMOVE:
        rc = tern_core_remove(r->w->core, &who, id, reason ? reason : "", now, &err);
        break;
    case OP_REVIEW:
        rc = tern_core_review(r->w->core, &who, id, tern_api_request_int(&q, "review_ms", 0),
                              tern_api_request_int(&q, "expires_ms", 0), now, &err);
        break;
    }
    tern_api_request_clear(&q);
    if (rc != TERN_OK)
        api_fail_status(r, &err);
    else
        reply_entry(r, 200, id);
}

void api_h_entry_approve(api_req *r) { entry_action(r, OP_APPROVE); }
void api_h_entry_reject(api_req *r) { entry_action(r, OP_REJECT); }
void api_h_entry_review(api_req *r) { entry_action(r, OP_REVIEW); }
void api_h_entry_remove(api_req *r) { entry_action(r, OP_REMOVE); }

/* ---- alerts ------------------------------------------------------------------ */

static json_t *alert_json(const tern_alert *a)
{
    json_t *ev = NULL;
    if (a->evidence && a->evidence_len)
        ev = json_loadb((const char *)a->evidence, a->evidence_len, 0, NULL);
    return json_pack("{s:s,s:s,s:s,s:s,s:f,s:s,s:s,s:o,s:I,s:I,s:o}", "id", a->id,
                     "encounter_id", a->encounter_id, "entry_id", a->entry_id, "subject_id",
                     a->subject_id, "score", a->score, "status", tern_alert_status_name(a->status),
                     "examiner_id", a->examiner_id, "reasons", api_json_str(a->reasons),
                     "created_ms", (json_int_t)a->created_ms, "decided_ms",
                     (json_int_t)a->decided_ms, "evidence", ev ? ev : json_null());
}

typedef struct alert_q {
    json_t *arr;
    int64_t status; /* -1: any */
} alert_q;

static int alert_row(void *ctx, const void *row)
{
    alert_q *q = ctx;
    if (q->status >= 0 && ((const tern_alert *)row)->status != q->status)
        return 0;
    json_array_append_new(q->arr, alert_json(row));
    return json_array_size(q->arr) >= LIST_MAX;
}

static bool status_value(const char *name, char out[4])
{
    for (int64_t s = TERN_ALERT_PENDING; s <= TERN_ALERT_INCONCLUSIVE; s++)
        if (strcmp(name, tern_alert_status_name(s)) == 0) {
            snprintf(out, 4, "%d", (int)s);
            return true;
        }
    return false;
}

void api_h_alerts_list(api_req *r)
{
    const char *status = api_query(r, "status");
    const char *enc = api_query(r, "encounter_id");
    char sv[4];
    if (status && !status_value(status, sv)) {
        api_fail(r, 400, "bad_request", "status: pending, confirmed, rejected or inconclusive");
        return;
    }
    /* the status is filtered here: the store's equality filter on enum
     * columns binds text, which does not match the stored integers */
    alert_q q = {json_array(), status ? strtoll(sv, NULL, 10) : -1};
    tern_error err;
    tern_error_clear(&err);
    if (tern_store_each(r->w->store, TERN_ENT_ALERT, enc ? "encounter_id" : NULL, enc,
                        alert_row, &q, &err) != TERN_OK) {
        json_decref(q.arr);
        api_fail_status(r, &err);
        return;
    }
    api_reply(r, 200, json_pack("{s:o}", "alerts", q.arr));
}

static const char *const SIGNALS[] = {"green", "yellow", "red"};

/* What core lets the caller's role be told about one alert. */
json_t *api_notice_json(api_req *r, const char *alert_id)
{
    tern_alert_notice n;
    memset(&n, 0, sizeof n);
    tern_actor who = api_actor(r);
    if (tern_core_alert_notice(r->w->core, &who, alert_id, &n, NULL) != TERN_OK)
        return NULL;
    json_t *j = json_pack("{s:s,s:s,s:s,s:o,s:o}", "alert_id", alert_id, "signal",
                          SIGNALS[n.signal <= TERN_SIGNAL_RED ? n.signal : 1], "message",
                          n.message, "handling", api_json_str(n.handling), "category",
                          api_json_str(n.category));
    tern_alert_notice_clear(&n);
    return j;
}

void api_h_alert_get(api_req *r)
{
    tern_alert a;
    memset(&a, 0, sizeof a);
    tern_error err;
    tern_error_clear(&err);
    if (tern_store_alert_get(r->w->store, r->params[0], &a, &err) != TERN_OK) {
        api_fail_status(r, &err);
        return;
    }
    json_t *notice = api_notice_json(r, r->params[0]);
    json_t *out = can_see_evidence(r) ? alert_json(&a)
                                      : json_pack("{s:s,s:s}", "id", a.id, "encounter_id",
                                                  a.encounter_id);
    tern_alert_clear(&a);
    json_object_set_new(out, "notice", notice ? notice : json_null());
    api_reply(r, 200, out);
}

void api_h_alert_decide(api_req *r)
{
    tern_api_request q;
    if (!api_decode(r, TERN_API_BODY_DECISION, &q))
        return;
    const char *d = tern_api_request_text(&q, "decision");
    tern_alert_status st;
    if (strcmp(d, "confirmed") == 0)
        st = TERN_ALERT_CONFIRMED;
    else if (strcmp(d, "rejected") == 0)
        st = TERN_ALERT_REJECTED;
    else if (strcmp(d, "inconclusive") == 0)
        st = TERN_ALERT_INCONCLUSIVE;
    else {
        tern_api_request_clear(&q);
        api_fail(r, 400, "bad_request", "decision: confirmed, rejected or inconclusive");
        return;
    }
    tern_error err;
    tern_error_clear(&err);
    tern_actor who = api_actor(r);
    tern_status rc = tern_core_alert_decide(r->w->core, &who, r->params[0], st,
                                            tern_api_request_text(&q, "reasons"),
                                            tern_store_now_ms(), &err);
    tern_api_request_clear(&q);
    if (rc != TERN_OK) {
        api_fail_status(r, &err);
        return;
    }
    api_hub_publish(&r->srv->hub, "alert.decided",
                    json_pack("{s:s,s:s}", "alert_id", r->params[0], "status",
                              tern_alert_status_name(st)));
    api_h_alert_get(r);
}
