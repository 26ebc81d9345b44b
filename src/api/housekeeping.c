/* housekeeping.c - the node's own periodic work: retention. One thread runs
 * tern_core_retention_apply on a store connection of the pool when the node
 * starts and then every retention_interval_s seconds, handing it the
 * node's identity gallery so that purged subjects stop matching at once
 * (storage limitation, GDPR art. 5(1)(e) and Directive (EU) 2016/680
 * art. 5: data past its time is deleted by the system, not on request).
 * Core audits each purge as actor "system"; a failed run is logged and
 * retried at the next interval. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "api/api_impl.h"

struct api_housekeeping {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    pthread_t thread;
    bool started, stop;
    unsigned interval_s;
    uint64_t runs;
};

static void retention_run(tern_api_server *srv)
{
    api_worker *w = api_worker_get(srv);
    tern_error err;
    tern_error_clear(&err);
    tern_retention_counts n;
    tern_status rc = tern_core_retention_apply(w->core, srv->gallery, tern_store_now_ms(),
                                               &n, &err);
    api_worker_put(srv, w);
    if (rc != TERN_OK)
        fprintf(stderr, "ternd: retention: %s\n", err.message);
    else if (n.purged || n.held || n.jobs)
        fprintf(stderr,
                "ternd: retention: %lld subjects purged, %lld held by a live entry, "
                "%lld finished jobs purged\n",
                (long long)n.purged, (long long)n.held, (long long)n.jobs);
}

static void *run(void *arg)
{
    tern_api_server *srv = arg;
    api_housekeeping *h = srv->housekeeping;
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        pthread_mutex_unlock(&h->mu);
        retention_run(srv);
        pthread_mutex_lock(&h->mu);
        h->runs++;
        pthread_cond_broadcast(&h->cv);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)h->interval_s;
        while (!h->stop && pthread_cond_timedwait(&h->cv, &h->mu, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

tern_status api_housekeeping_start(tern_api_server *srv, tern_error *err)
{
    api_housekeeping *h = calloc(1, sizeof *h);
    if (!h)
        return tern_error_set(err, TERN_E_NOMEM, "housekeeping: out of memory");
    pthread_mutex_init(&h->mu, NULL);
    api_cond_init_monotonic(&h->cv);
    h->interval_s = srv->cfg.retention_interval_s ? srv->cfg.retention_interval_s : 86400;
    srv->housekeeping = h;
    if (pthread_create(&h->thread, NULL, run, srv) != 0)
        return tern_error_set(err, TERN_E_INTERNAL,
                              "housekeeping: cannot start the retention thread");
    h->started = true;
    return TERN_OK;
}

void api_housekeeping_stop(tern_api_server *srv)
{
    api_housekeeping *h = srv->housekeeping;
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    if (h->started)
        pthread_join(h->thread, NULL);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
    srv->housekeeping = NULL;
}
