/* metrics.c - GET /metrics in the Prometheus text exposition format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats): requests by route
 * and status class, a latency histogram, gallery sizes, alerts by status,
 * open live streams; and GET /healthz. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_impl.h"

static const double LAT_BOUNDS[API_LAT_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

void api_metrics_init(api_metrics *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
}

void api_metrics_destroy(api_metrics *m)
{
    pthread_mutex_destroy(&m->mu);
}

void api_metrics_record(api_metrics *m, int route_index, unsigned status, double seconds)
{
    size_t ri = route_index < 0 || route_index >= (int)API_MAX_ROUTES ? API_MAX_ROUTES
                                                                      : (size_t)route_index;
    unsigned cls = status / 100;
    if (cls > 5)
        cls = 0;
    pthread_mutex_lock(&m->mu);
    m->requests[ri][cls]++;
    m->lat_count[ri]++;
    m->lat_sum[ri] += seconds;
    for (size_t b = 0; b < API_LAT_BUCKETS; b++)
        if (seconds <= LAT_BOUNDS[b]) {
            m->lat_bucket[b]++;
            break;
        }
    pthread_mutex_unlock(&m->mu);
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (int tries = 0; tries < 2 && !b->oom; tries++) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->p && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
}


static int count_alert(void *ctx, const void *row)
{
    int64_t st = ((const tern_alert *)row)->status;
    if (st >= 0 && st < 4)
        ((int64_t *)ctx)[st]++;
    return 0;
}

void api_h_metrics(api_req *r)
{
    tern_api_server *srv = r->srv;
    sbuf b = {0};
    size_t n_routes;
    const tern_api_route *routes = tern_api_routes(&n_routes);
    api_metrics m;
    pthread_mutex_lock(&srv->metrics.mu);
    memcpy(m.requests, srv->metrics.requests, sizeof m.requests);
    memcpy(m.lat_count, srv->metrics.lat_count, sizeof m.lat_count);
    memcpy(m.lat_sum, srv->metrics.lat_sum, sizeof m.lat_sum);
    memcpy(m.lat_bucket, srv->metrics.lat_bucket, sizeof m.lat_bucket);
    pthread_mutex_unlock(&srv->metrics.mu);
    put(&b, "# HELP tern_http_requests_total HTTP requests by route and status class.\n"
            "# TYPE tern_http_requests_total counter\n");
    for (size_t i = 0; i <= n_routes; i++) {
        size_t ri = i < n_routes ? i : API_MAX_ROUTES;
        for (unsigned c = 1; c <= 5; c++)
            if (m.requests[ri][c])
                put(&b, "tern_http_requests_total{route=\"%s %s\",code=\"%uxx\"} %llu\n",
                    i < n_routes ? routes[i].method : "", i < n_routes ? routes[i].path : "unmatched",
                    c, (unsigned long long)m.requests[ri][c]);
    }
    put(&b, "# HELP tern_http_request_seconds Request latency.\n"
            "# TYPE tern_http_request_seconds histogram\n");
    uint64_t cum = 0, total = 0;
    double sum = 0;
    for (size_t i = 0; i <= API_MAX_ROUTES; i++)
        total += m.lat_count[i], sum += m.lat_sum[i];
    for (size_t k = 0; k < API_LAT_BUCKETS; k++) {
        cum += m.lat_bucket[k];
        put(&b, "tern_http_request_seconds_bucket{le=\"%g\"} %llu\n", LAT_BOUNDS[k],
            (unsigned long long)cum);
    }
    put(&b, "tern_http_request_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)total);
    put(&b, "tern_http_request_seconds_sum %.6f\ntern_http_request_seconds_count %llu\n", sum,
        (unsigned long long)total);
    size_t subjects = 0, fingers = 0, bytes = 0;
    api_gallery_stats(srv, &subjects, &fingers, &bytes);
    put(&b, "# HELP tern_gallery_subjects Subjects in the identity gallery.\n"
            "# TYPE tern_gallery_subjects gauge\ntern_gallery_subjects %zu\n"
            "# HELP tern_gallery_fingers Fingers in the identity gallery.\n"
            "# TYPE tern_gallery_fingers gauge\ntern_gallery_fingers %zu\n"
            "# HELP tern_gallery_bytes Bytes of finger data held.\n"
            "# TYPE tern_gallery_bytes gauge\ntern_gallery_bytes %zu\n",
        subjects, fingers, bytes);
    api_worker *w = api_worker_get(srv);
    put(&b, "# HELP tern_alerts Alerts by status.\n# TYPE tern_alerts gauge\n");
    /* counted by a scan: the store's equality filter on enum columns binds
     * text, which does not match the stored integers */
    int64_t by_status[4] = {0};
    if (tern_store_each(w->store, TERN_ENT_ALERT, NULL, NULL, count_alert, by_status, NULL) ==
        TERN_OK)
        for (int64_t st = TERN_ALERT_PENDING; st <= TERN_ALERT_INCONCLUSIVE; st++)
            put(&b, "tern_alerts{status=\"%s\"} %lld\n", tern_alert_status_name(st),
                (long long)by_status[st]);
    api_worker_put(srv, w);
    pthread_mutex_lock(&srv->hub.mu);
    int streams = srv->hub.streams;
    pthread_mutex_unlock(&srv->hub.mu);
    put(&b, "# HELP tern_alert_streams Open live alert streams.\n"
            "# TYPE tern_alert_streams gauge\ntern_alert_streams %d\n",
        streams);
    if (b.oom) {
        free(b.p);
        api_fail(r, 500, "internal", "out of memory");
        return;
    }
    r->status = 200;
    r->text = b.p;
    r->text_type = "text/plain; version=0.0.4";
}

void api_h_healthz(api_req *r)
{
    api_worker *w = api_worker_get(r->srv);
    int64_t version = 0;
    tern_error err;
    tern_error_clear(&err);
    tern_status rc = tern_store_schema_version(w->store, &version, &err);
    api_worker_put(r->srv, w);
    if (rc != TERN_OK) {
        api_fail(r, 503, "store_unavailable", "the store does not answer");
        return;
    }
    size_t subjects = 0, fingers = 0, bytes = 0;
    api_gallery_stats(r->srv, &subjects, &fingers, &bytes);
    api_reply(r, 200,
              json_pack("{s:s,s:s,s:I,s:I,s:I}", "status", "ok", "store",
                        tern_store_backend(w->store), "schema", (json_int_t)version,
                        "gallery_subjects", (json_int_t)subjects, "uptime_ms",
                        (json_int_t)(tern_store_now_ms() - r->srv->started_ms)));
}
