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

static tern_status purge(tern_core *c, core_ids *d, int64_t now_ms, int64_t *purged, int64_t *held,
                         tern_error *err)
{
    tern_status rc = tern_store_each_upto(c->store, TERN_ENT_SUBJECT, "retain_until_ms", now_ms,
                                          collect, d, err);
    if (rc == TERN_OK && d->nomem)
        rc = tern_error_set(err, TERN_E_NOMEM, "retention: out of memory");
    for (size_t i = 0; i < d->n && rc == TERN_OK; i++) {
        bool live = false;
        rc = tern_store_each(c->store, TERN_ENT_WATCHLIST_ENTRY, "subject_id", d->ids[i],
                             live_entry, &live, err);
        if (rc != TERN_OK)
            break;
        if (live) {
            (*held)++;
            continue;
        }
        rc = tern_store_delete(c->store, TERN_ENT_SUBJECT, d->ids[i], err);
        core_op op = {.action = "retention.purge", .object_type = "subject",
                      .detail = "retain-until passed"};
        snprintf(op.object_id, sizeof op.object_id, "%s", d->ids[i]);
        if (rc == TERN_OK)
            rc = core_audit(c, "system", "system", &op, "retention", "ok", err);
        if (rc == TERN_OK)
            (*purged)++;
    }
    return rc;
}

tern_status tern_core_retention_apply(tern_core *c, int64_t now_ms, int64_t *purged,
                                      int64_t *held, tern_error *err)
{
    int64_t p = 0, h = 0;
    core_ids d = {0};
    tern_status rc = tern_store_begin(c->store, err);
    if (rc != TERN_OK)
        return rc;
    rc = purge(c, &d, now_ms, &p, &h, err);
    if (rc == TERN_OK)
        rc = tern_store_commit(c->store, err);
    else
        tern_store_rollback(c->store, NULL);
    core_ids_free(&d);
    if (rc != TERN_OK)
        p = h = 0;
    if (purged)
        *purged = p;
    if (held)
        *held = h;
    return rc;
}
