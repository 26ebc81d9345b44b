/* api_impl.h - internals of the HTTP API shared by the files of src/api: the server,
 * one request's state, the handlers' helpers, the live-alert hub, metrics
 * and the jobs queue. */
#ifndef TERN_API_IMPL_H
#define TERN_API_IMPL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "tern/api.h"
#include "tern/core.h"
#include "tern/store.h"

struct MHD_Daemon;
struct MHD_Connection;

/* One store connection and its core, lent to one request at a time. */
typedef struct api_worker {
    tern_store *store;
    tern_core *core;
    bool busy;
} api_worker;

/* Live alerts: a ring of the latest events; streams wait on the condition. */
#define API_HUB_RING 256u
typedef struct api_hub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t next;                 /* sequence number of the next event */
    char *ring[API_HUB_RING];      /* "event: ...\ndata: ...\n\n", owned */
    bool stopping;
    int streams;                   /* open streams */
} api_hub;

/* Prometheus metrics. Latency buckets in seconds. */
#define API_LAT_BUCKETS 12u
#define API_MAX_ROUTES 48u
typedef struct api_metrics {
    pthread_mutex_t mu;
    uint64_t requests[API_MAX_ROUTES + 1][6]; /* by route (last: unmatched), by status class */
    uint64_t lat_count[API_MAX_ROUTES + 1];
    double lat_sum[API_MAX_ROUTES + 1];
    uint64_t lat_bucket[API_LAT_BUCKETS];     /* all routes, cumulative on output */
} api_metrics;

typedef struct api_jobs api_jobs;
typedef struct api_housekeeping api_housekeeping;

struct tern_api_server {
    tern_api_config cfg;
    char *store_url;
    struct MHD_Daemon *mhd;
    unsigned port;
    char *tls_cert, *tls_key, *tls_ca;   /* PEM text read from the files */
    pthread_mutex_t wmu;
    pthread_cond_t wcv;
    api_worker *workers;
    size_t n_workers;
    tern_core_gallery *gallery;          /* the identity gallery, shared (rwlock) */
    api_hub hub;
    api_metrics metrics;
    api_jobs *jobs;
    api_housekeeping *housekeeping;
    atomic_int inflight;
    atomic_bool stopping;
    int64_t started_ms;
};

/* One request. */
typedef struct api_req {
    tern_api_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    const tern_api_route *route;
    int route_index;                /* into the table; -1 unmatched */
    char params[2][TERN_ID_MAX];
    char *body;
    size_t body_len;
    bool too_big;
    const char *content_type;       /* without parameters; NULL if absent */
    char ctype[96];
    api_worker *w;                  /* while the handler runs */
    tern_user user;                 /* authenticated caller */
    bool authed;
    bool core_audited;              /* a core service audited this call (api_actor) */
    char purpose[TERN_STORE_NAME_MAX];
    /* response */
    unsigned status;
    json_t *json;                   /* body to send, or */
    char *text;                     /* a text body (owned) */
    const char *text_type;
    char err_code[48];
    bool stream;                    /* SSE: the handler asked for the live stream */
    int64_t t0_ns;
} api_req;

typedef void (*api_handler)(api_req *r);

/* routes.c */
api_handler api_route_handler(const tern_api_route *r);
int api_route_index(const tern_api_route *r);

/* errors and replies (server.c) */
void api_reply(api_req *r, unsigned status, json_t *body);   /* takes body */
void api_fail(api_req *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a core / store error to its HTTP status and stable code. */
void api_fail_status(api_req *r, const tern_error *err);
/* A query-string argument, or NULL. */
const char *api_query(api_req *r, const char *name);
/* Decodes the request body as `kind` (415 unless JSON, 400 on errors);
 * returns false after replying with the error. */
bool api_decode(api_req *r, tern_api_body kind, tern_api_request *out);
/* The actor for a core service call. Core audits every call it is handed,
 * done or refused, in the call's own transaction; taking the actor marks
 * the request as audited by core, so the API writes no second event for it
 * (audit_call in server.c audits only what never reached core: table
 * refusals, bad requests, reads served from the store). */
tern_actor api_actor(api_req *r);

/* json helpers (decode.c) */
json_t *api_json_str(const char *s);   /* null for NULL */

/* hub (sse.c) */
void api_hub_init(api_hub *h);
void api_hub_destroy(api_hub *h);
void api_hub_publish(api_hub *h, const char *event, json_t *data); /* takes data */
void api_hub_stop(api_hub *h);
/* Queues the SSE response on r->conn; returns the MHD result. */
int api_hub_respond(tern_api_server *srv, struct MHD_Connection *conn);

/* metrics (metrics.c) */
void api_metrics_init(api_metrics *m);
void api_metrics_destroy(api_metrics *m);
void api_metrics_record(api_metrics *m, int route_index, unsigned status, double seconds);

/* handlers (h_*.c), named after the route actions */
void api_h_healthz(api_req *r);
void api_h_metrics(api_req *r);
void api_h_agencies_list(api_req *r);
void api_h_agency_create(api_req *r);
void api_h_users_list(api_req *r);
void api_h_user_create(api_req *r);
void api_h_key_issue(api_req *r);
void api_h_key_revoke(api_req *r);
void api_h_audit_query(api_req *r);
void api_h_audit_verify(api_req *r);
void api_h_watchlists_list(api_req *r);
void api_h_watchlist_create(api_req *r);
void api_h_entries_list(api_req *r);
void api_h_entry_nominate(api_req *r);
void api_h_entry_get(api_req *r);
void api_h_entry_approve(api_req *r);
void api_h_entry_reject(api_req *r);
void api_h_entry_review(api_req *r);
void api_h_entry_remove(api_req *r);
void api_h_alerts_list(api_req *r);
void api_h_alert_get(api_req *r);
void api_h_alert_decide(api_req *r);
void api_h_alerts_stream(api_req *r);
void api_h_encounter_create(api_req *r);
void api_h_encounter_get(api_req *r);
void api_h_identity_enroll(api_req *r);
void api_h_identity_get(api_req *r);
void api_h_identity_delete(api_req *r);
void api_h_job_create(api_req *r);
void api_h_job_get(api_req *r);
void api_h_partner_query(api_req *r);

/* encounters (h_encounter.c) */
typedef struct api_fingers {
    size_t n;
    tern_core_finger fingers[TERN_CORE_MAX_FINGERS];
    struct tern_image *images[TERN_CORE_MAX_FINGERS];       /* owned */
    struct tern_template *tmpls[TERN_CORE_MAX_FINGERS];     /* owned */
} api_fingers;
tern_status api_fingers_from_request(const tern_api_request *q, api_fingers *f, tern_error *err);
void api_fingers_clear(api_fingers *f);
bool api_context_ok(api_req *r, const tern_api_request *q);
/* Decodes a JSON encounter body (415 / 400 otherwise) into q and f, checks
 * the context is the caller's own, and takes the body's purpose, if any,
 * for the call's; false after replying with the error. On true the caller
 * clears f and q. */
bool api_encounter_decode(api_req *r, tern_api_request *q, api_fingers *f);
tern_core_match_opts api_match_opts(const tern_api_server *srv);
json_t *api_identify_json(api_req *r, const tern_identify_result *res, const char *location);
void api_identify(api_req *r, const api_fingers *f, const char *location);
bool api_core_identify(api_req *r, const api_fingers *f, const char *location,
                       tern_identify_result *res);
void api_publish_alerts(api_req *r, const tern_identify_result *res, const char *location);
tern_status api_gallery_load(tern_api_server *srv, tern_error *err);
void api_gallery_free(tern_api_server *srv);
void api_gallery_stats(tern_api_server *srv, size_t *subjects, size_t *fingers, size_t *bytes);

/* jobs (jobs.c) */
tern_status api_jobs_start(tern_api_server *srv, tern_error *err);
void api_jobs_stop(tern_api_server *srv);

/* housekeeping.c: retention at start and every cfg.retention_interval_s */
tern_status api_housekeeping_start(tern_api_server *srv, tern_error *err);
void api_housekeeping_stop(tern_api_server *srv);

/* workers (server.c): borrow one store connection and core. */
/* A condition variable whose timed waits use CLOCK_MONOTONIC. */
void api_cond_init_monotonic(pthread_cond_t *cv);
api_worker *api_worker_get(tern_api_server *srv);
void api_worker_put(tern_api_server *srv, api_worker *w);

#endif
