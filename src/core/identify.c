/* identify.c - identification of an encounter and 1:1 verification
 * (tern/core.h). The subjects on active, unexpired watchlist entries are
 * searched first (read from the store inside the transaction, so a removed
 * or expired entry stops matching at once), then the whole gallery; every
 * candidate whose fused false-match rate is at or below the threshold for
 * the target FPIR becomes a pending alert with its evidence. A hit is an
 * investigative lead until an examiner verifies it (ARCHITECTURE.md): the
 * officer learns hit / no-hit and reads each alert through
 * tern_core_alert_notice (yellow until confirmed). Only fingerprints enter
 * the search: no biographic or protected attribute. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident_impl.h"

/* The active, unexpired watchlist entries: ids[i] names the entry,
 * subjects.ids[i] its subject. */
typedef struct entries {
    core_ids ids, subjects;
    int64_t now_ms;
} entries;

static int collect_entry(void *ctx, const void *row)
{
    entries *l = ctx;
    const tern_watchlist_entry *e = row;
    if (e->expires_ms <= l->now_ms)
        return 0;
    return core_ids_push(&l->ids, e->id) || core_ids_push(&l->subjects, e->subject_id);
}

typedef struct identify_ctx {
    tern_core_gallery *g;
    const tern_identify_request *req;
    tern_identify_result *res;
    ident_fingers fingers;
    tern_gallery_probe *probe;
    entries live;
    tern_gallery_candidate wl[TERN_CORE_MAX_CANDIDATES], all[TERN_CORE_MAX_CANDIDATES];
    size_t n_wl, n_all;
    bool watchlists_only;   /* a partner's query: step one searches watchlists only */
    bool searched_all;      /* the gallery search ran before the transaction */
} identify_ctx;

static tern_status search(tern_core *c, identify_ctx *x, tern_error *err)
{
    x->live.now_ms = x->req->now_ms;
    tern_status rc = tern_store_each(c->store, TERN_ENT_WATCHLIST_ENTRY, "status", "active",
                                     collect_entry, &x->live, err);
    if (rc == TERN_OK && (x->live.ids.nomem || x->live.subjects.nomem))
        rc = tern_error_set(err, TERN_E_NOMEM, "identify: out of memory");
    const char **only = NULL;
    size_t n_live = x->live.subjects.n;
    if (rc == TERN_OK && n_live) {
        only = malloc(n_live * sizeof *only);
        if (!only)
            rc = tern_error_set(err, TERN_E_NOMEM, "identify: out of memory");
        for (size_t i = 0; only && i < n_live; i++)
            only[i] = x->live.subjects.ids[i];
    }
    tern_gallery_search_opts o;
    ident_search_opts(&x->req->match, &o);
    if (rc == TERN_OK && only) { /* the rapid path: watchlists, exhaustively */
        tern_gallery_search_opts w = o;
        w.only = only, w.n_only = n_live, w.preselect_above = 0;
        w.max_candidates = TERN_CORE_MAX_CANDIDATES;
        rc = tern_gallery_search(x->g->g, x->probe, &w, x->wl, &x->n_wl, err);
    }
    free(only);
    if (rc == TERN_OK && !x->watchlists_only && !x->searched_all) {
        o.max_candidates = TERN_CORE_MAX_CANDIDATES;
        rc = tern_gallery_search(x->g->g, x->probe, &o, x->all, &x->n_all, err);
    }
    return rc;
}

static tern_status raise(tern_core *c, identify_ctx *x, const tern_gallery_candidate *cand,
                         const char *entry_id, const char *stage, double t, tern_error *err)
{
    tern_identify_result *res = x->res;
    if (res->n_alerts == TERN_CORE_MAX_CANDIDATES)
        return TERN_OK;
    char *evidence = NULL;
    size_t len = 0;
    tern_status rc = ident_evidence(c, &x->fingers, cand, t, stage, &evidence, &len, err);
    if (rc != TERN_OK)
        return rc;
    tern_alert a = {.score = cand->score, .evidence = (uint8_t *)evidence, .evidence_len = len,
                    .status = TERN_ALERT_PENDING, .created_ms = x->req->now_ms};
    memcpy(a.encounter_id, res->encounter_id, TERN_ID_MAX);
    memcpy(a.subject_id, cand->id, TERN_ID_MAX);
    snprintf(a.entry_id, sizeof a.entry_id, "%s", entry_id ? entry_id : "");
    rc = tern_store_alert_insert(c->store, &a, err);
    free(evidence);
    if (rc == TERN_OK)
        memcpy(res->alert_ids[res->n_alerts++], a.id, TERN_ID_MAX);
    return rc;
}

static void add_candidate(tern_identify_result *res, const tern_gallery_candidate *cand,
                          const char *entry_id, int alert)
{
    if (res->n_candidates == TERN_CORE_MAX_CANDIDATES)
        return;
    tern_identify_candidate *o = &res->candidates[res->n_candidates++];
    memcpy(o->subject_id, cand->id, TERN_ID_MAX);
    snprintf(o->entry_id, sizeof o->entry_id, "%s", entry_id ? entry_id : "");
    o->score = cand->score;
    o->fmr = cand->fmr;
    memcpy(o->finger_score, cand->finger_score, sizeof o->finger_score);
    o->alert = alert;
}

/* Alerts: one per active entry of a watchlist candidate above the
 * threshold, then one per other gallery candidate above it. */
static tern_status alerts(tern_core *c, identify_ctx *x, bool show, tern_error *err)
{
    double t = x->res->threshold_fmr;
    size_t max = x->req->match.max_candidates ? x->req->match.max_candidates : 10;
    tern_status rc = TERN_OK;
    for (size_t i = 0; rc == TERN_OK && i < x->n_wl; i++) {
        int above = x->wl[i].fmr <= t;
        for (size_t j = 0; rc == TERN_OK && j < x->live.ids.n; j++) {
            if (strcmp(x->live.subjects.ids[j], x->wl[i].id) != 0)
                continue;
            if (above)
                rc = raise(c, x, &x->wl[i], x->live.ids.ids[j], "watchlist", t, err);
            if (show && x->res->n_candidates < max)
                add_candidate(x->res, &x->wl[i], x->live.ids.ids[j], above);
        }
    }
    for (size_t i = 0; rc == TERN_OK && i < x->n_all; i++) {
        bool listed = false;
        for (size_t j = 0; j < x->n_wl && !listed; j++)
            listed = strcmp(x->wl[j].id, x->all[i].id) == 0;
        if (listed)
            continue;
        int above = x->all[i].fmr <= t;
        if (above)
            rc = raise(c, x, &x->all[i], NULL, "gallery", t, err);
        if (show && x->res->n_candidates < max)
            add_candidate(x->res, &x->all[i], NULL, above);
    }
    return rc;
}

static tern_status identify_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                                 tern_error *err)
{
    identify_ctx *x = ctx;
    const tern_identify_request *req = x->req;
    const int64_t national =
        TERN_ROLE_OFFICER | TERN_ROLE_EXAMINER | TERN_ROLE_ANALYST | TERN_ROLE_SUPERVISOR;
    tern_status rc = core_require(actor, national | TERN_ROLE_PARTNER, op, "identify", err);
    x->watchlists_only = !(actor->roles & national);
    if (x->watchlists_only)
        x->n_all = 0, x->searched_all = false;
    if (rc == TERN_OK && !x->probe)
        rc = ident_fingers_load(req->fingers, req->n_fingers, true, &x->fingers, err);
    if (rc == TERN_OK && !x->probe)
        rc = ident_probe(&x->fingers, &x->probe, err);
    if (rc == TERN_OK)
        rc = search(c, x, err);
    if (rc != TERN_OK)
        return rc;
    tern_identify_result *res = x->res;
    res->threshold_fmr = ident_threshold(req->match.target_fpir, tern_gallery_size(x->g->g));
    int hit = (x->n_wl && x->wl[0].fmr <= res->threshold_fmr) ||
              (x->n_all && x->all[0].fmr <= res->threshold_fmr);
    char captured[160];
    ident_captured(&x->fingers, captured, sizeof captured);
    tern_encounter enc = {.at_ms = req->now_ms, .location = (char *)(req->location ? req->location : "unknown"),
                          .purpose = "identification", .captured = captured,
                          .result = hit ? "hit" : "no-hit"};
    memcpy(enc.agency_id, actor->agency_id, TERN_ID_MAX);
    memcpy(enc.officer_id, actor->id, TERN_ID_MAX);
    rc = tern_store_encounter_insert(c->store, &enc, err);
    if (rc == TERN_OK)
        memcpy(res->encounter_id, enc.id, TERN_ID_MAX);
    if (rc == TERN_OK)
        rc = ident_store(c, &x->fingers, "", enc.id, req->now_ms, err);
    bool show = actor->roles & (TERN_ROLE_EXAMINER | TERN_ROLE_ANALYST | TERN_ROLE_SUPERVISOR);
    if (rc == TERN_OK)
        rc = alerts(c, x, show, err);
    res->hit = res->n_alerts > 0;
    memcpy(op->object_id, enc.id, TERN_ID_MAX);
    snprintf(op->detail, sizeof op->detail,
             "result=%s alerts=%zu watchlist_subjects=%zu gallery=%zu", hit ? "hit" : "no-hit",
             res->n_alerts, x->live.ids.n, tern_gallery_size(x->g->g));
    return rc;
}

/* The gallery search reads only the in-memory gallery, so it runs before
 * the call's transaction: the store's write lock (SQLite's is one for the
 * whole database, BEGIN IMMEDIATE) is then held for the writes, not for the
 * seconds a large search takes, and searches run side by side. Anything
 * that fails here is simply redone in the transaction, where errors are
 * reported and audited; the roles read here only decide whether to search
 * (the transaction re-reads them and decides what is used). */
static void search_before(tern_core *c, const tern_actor *who, identify_ctx *x)
{
    tern_user u = {0};
    if (!who || !who->user_id || tern_store_user_get(c->store, who->user_id, &u, NULL) != TERN_OK)
        return;
    bool national = u.active && (u.roles & (TERN_ROLE_OFFICER | TERN_ROLE_EXAMINER |
                                            TERN_ROLE_ANALYST | TERN_ROLE_SUPERVISOR));
    tern_user_clear(&u);
    if (!national ||
        ident_fingers_load(x->req->fingers, x->req->n_fingers, true, &x->fingers, NULL) ||
        ident_probe(&x->fingers, &x->probe, NULL)) {
        ident_fingers_free(&x->fingers);
        tern_gallery_probe_free(x->probe);
        x->probe = NULL;
        return;
    }
    tern_gallery_search_opts o;
    ident_search_opts(&x->req->match, &o);
    o.max_candidates = TERN_CORE_MAX_CANDIDATES;
    x->searched_all = tern_gallery_search(x->g->g, x->probe, &o, x->all, &x->n_all, NULL) == TERN_OK;
}

tern_status tern_core_identify(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                               const tern_identify_request *req, tern_identify_result *res,
                               tern_error *err)
{
    memset(res, 0, sizeof *res);
    if (!c || !g || !req)
        return tern_error_set(err, TERN_E_ARG, "identify: core, gallery and request required");
    identify_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return tern_error_set(err, TERN_E_NOMEM, "identify: out of memory");
    x->g = g, x->req = req, x->res = res;
    core_op op = {.action = "encounter.identify", .object_type = "encounter"};
    search_before(c, who, x);
    tern_status rc = core_run(c, who, &op, identify_body, x, err);
    if (rc != TERN_OK)
        memset(res, 0, sizeof *res);
    ident_fingers_free(&x->fingers);
    tern_gallery_probe_free(x->probe);
    core_ids_free(&x->live.ids);
    core_ids_free(&x->live.subjects);
    free(x);
    return rc;
}

/* ---- 1:1 verification --------------------------------------------------- */

typedef struct verify_ctx {
    tern_core_gallery *g;
    size_t n;
    const tern_core_finger *fingers;
    double threshold;
    int match;
    double score;
} verify_ctx;

static tern_status verify_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                               tern_error *err)
{
    verify_ctx *v = ctx;
    tern_status rc = core_require(actor,
                                  TERN_ROLE_OFFICER | TERN_ROLE_EXAMINER | TERN_ROLE_ANALYST |
                                      TERN_ROLE_SUPERVISOR,
                                  op, "verify", err);
    tern_subject sub = {0};
    if (rc == TERN_OK)
        rc = tern_store_subject_get(c->store, op->object_id, &sub, err);
    tern_subject_clear(&sub);
    ident_fingers f;
    if (rc == TERN_OK)
        rc = ident_fingers_load(v->fingers, v->n, true, &f, err);
    if (rc != TERN_OK)
        return rc;
    tern_gallery_probe *p;
    rc = ident_probe(&f, &p, err);
    ident_fingers_free(&f);
    if (rc != TERN_OK)
        return rc;
    tern_gallery_candidate cand;
    rc = tern_gallery_verify(v->g->g, p, op->object_id, &cand, err);
    tern_gallery_probe_free(p);
    if (rc == TERN_OK) {
        v->match = cand.fingers > 0 && cand.fmr <= v->threshold;
        v->score = cand.score;
        snprintf(op->detail, sizeof op->detail, "match=%s fingers=%u",
                 v->match ? "yes" : "no", cand.fingers);
    }
    return rc;
}

tern_status tern_core_verify(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                             const char *subject_id, size_t n_fingers,
                             const tern_core_finger *fingers, double fmr_threshold, int *match,
                             double *score, tern_error *err)
{
    *match = 0;
    verify_ctx v = {.g = g, .n = n_fingers, .fingers = fingers,
                    .threshold = fmr_threshold > 0 ? fmr_threshold : 1e-4};
    core_op op = {.action = "subject.verify", .object_type = "subject"};
    snprintf(op.object_id, sizeof op.object_id, "%s", subject_id ? subject_id : "");
    tern_status rc = core_run(c, who, &op, verify_body, &v, err);
    if (rc == TERN_OK) {
        *match = v.match;
        if (score)
            *score = v.score;
    }
    return rc;
}
