/* retention.c - purging what is past its time (tern/core.h). A subject is
 * kept while a proposed or active watchlist entry names it; otherwise, at
 * its retain-until time, it is deleted with everything that describes it
 * (the store cascades to identity records, samples, templates, entries and
 * links). The audit trail keeps the pseudonymous id only, so it stays whole
 * (storage limitation, GDPR art. 5(1)(e); Directive (EU) 2016/680 art. 5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_impl.h"
#include "core/ident_impl.h"

tern_status tern_core_retention_until(tern_core *c, const char *category, int64_t from_ms,
                                      int64_t *until, tern_error *err)
{
    tern_retention_rule r;
    tern_status rc = tern_store_retention_rule_get(c->store, category, &r, err);
    if (rc != TERN_OK)
        return rc;
    *until = from_ms + r.days * 86400000LL;
    tern_retention_rule_clear(&r);
    return TERN_OK;
}

static int collect(void *ctx, const void *row)
{
    return core_ids_push(ctx, ((const tern_subject *)row)->id);
}

static int live_entry(void *ctx, const void *row)
{
    const tern_watchlist_entry *e = row;
    if (e->status == TERN_ENTRY_PROPOSED || e->status == TERN_ENTRY_ACTIVE) {
        *(bool *)ctx = true;
        return 1;
    }
    return 0;
}

static tern_status purge(tern_core *c, core_ids *d, int64_t now_ms, tern_retention_counts *n,
                         tern_error *err)
{
    tern_status rc = tern_store_each_upto(c->store, TERN_ENT_SUBJECT, "retain_until_ms", now_ms,
                                          collect, d, err);
    if (rc == TERN_OK && d->nomem)
        rc = tern_error_set(err, TERN_E_NOMEM, "retention: out of memory");
    size_t kept = 0; /* d->ids[0 .. kept) are the subjects purged */
    for (size_t i = 0; i < d->n && rc == TERN_OK; i++) {
        bool live = false;
        rc = tern_store_each(c->store, TERN_ENT_WATCHLIST_ENTRY, "subject_id", d->ids[i],
                             live_entry, &live, err);
        if (rc != TERN_OK)
            break;
        if (live) {
            n->held++;
            continue;
        }
        rc = tern_store_delete(c->store, TERN_ENT_SUBJECT, d->ids[i], err);
        core_op op = {.action = "retention.purge", .object_type = "subject",
                      .detail = "retain-until passed"};
        snprintf(op.object_id, sizeof op.object_id, "%s", d->ids[i]);
        if (rc == TERN_OK)
            rc = core_audit(c, "system", "system", &op, "retention", "ok", err);
        if (rc == TERN_OK) {
            n->purged++;
            memmove(d->ids[kept++], d->ids[i], TERN_ID_MAX);
        }
    }
    d->n = kept;
    return rc;
}

static tern_status purge_jobs(tern_core *c, int64_t now_ms, tern_retention_counts *n,
                              tern_error *err)
{
    tern_retention_rule r;
    int64_t days = TERN_CORE_JOB_RETENTION_DAYS;
    tern_status rc = tern_store_retention_rule_get(c->store, "jobs", &r, err);
    if (rc == TERN_OK) {
        days = r.days;
        tern_retention_rule_clear(&r);
    } else if (rc != TERN_E_NOT_FOUND) {
        return rc;
    }
    rc = tern_store_jobs_purge(c->store, now_ms - days * 86400000LL, &n->jobs, err);
    if (rc != TERN_OK || n->jobs == 0)
        return rc;
    core_op op = {.action = "retention.purge_jobs", .object_type = "job"};
    snprintf(op.detail, sizeof op.detail, "%lld finished jobs older than %lld days",
             (long long)n->jobs, (long long)days);
    return core_audit(c, "system", "system", &op, "retention", "ok", err);
}

tern_status tern_core_retention_apply(tern_core *c, struct tern_core_gallery *g, int64_t now_ms,
                                      tern_retention_counts *out, tern_error *err)
{
    tern_retention_counts n = {0};
    core_ids d = {0};
    tern_status rc = tern_store_begin(c->store, err);
    if (rc != TERN_OK)
        return rc;
    rc = purge(c, &d, now_ms, &n, err);
    if (rc == TERN_OK)
        rc = purge_jobs(c, now_ms, &n, err);
    if (rc == TERN_OK)
        rc = tern_store_commit(c->store, err);
    else
        tern_store_rollback(c->store, NULL);
    if (rc == TERN_OK && g)
        for (size_t i = 0; i < d.n; i++)
            tern_gallery_remove(g->g, d.ids[i]);
    core_ids_free(&d);
    if (out)
        *out = rc == TERN_OK ? n : (tern_retention_counts){0};
    return rc;
}
