/* jobs.c - long searches as jobs, in the asynchronous shape of the MOSIP
 * ABIS API and the OSIA biometrics interface: POST /v1/jobs answers 202
 * Accepted with the job's URL, its priority and the count of pending jobs;
 * one worker thread runs the queue, most urgent priority (1) first, then
 * oldest; GET /v1/jobs/{id} gives the state and, when done, the same result
 * as POST /v1/encounters. Jobs live in memory (at most JOBS_MAX, finished
 * ones evicted oldest first): the encounter a job records is in the store
 * like any other, so a restart loses only the queue, never a result that
 * was acknowledged as an encounter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_impl.h"

#define JOBS_MAX 256

typedef enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED } job_state;
static const char *const STATE_NAMES[] = {"queued", "running", "done", "failed"};

typedef struct job {
    bool used;
    char id[32];
    uint64_t seq;
    int priority;
    job_state state;
    tern_user user;          /* id, agency, roles of the submitter (no owned text) */
    char purpose[TERN_STORE_NAME_MAX];
    char location[TERN_STORE_NAME_MAX];
    api_fingers fingers;     /* owned until run */
    unsigned http;
    json_t *result;          /* owned */
} job;

struct api_jobs {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool started, stop;
    uint64_t seq;
    size_t pending;
    job slots[JOBS_MAX];
};

static job *next_job(api_jobs *q)
{
    job *best = NULL;
    for (size_t i = 0; i < JOBS_MAX; i++) {
        job *j = &q->slots[i];
        if (!j->used || j->state != JOB_QUEUED)
            continue;
        if (!best || j->priority < best->priority ||
            (j->priority == best->priority && j->seq < best->seq))
            best = j;
    }
    return best;
}

static void *run(void *arg)
{
    tern_api_server *srv = arg;
    api_jobs *q = srv->jobs;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        job *j = NULL;
        while (!q->stop && !(j = next_job(q)))
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->stop)
            break;
        j->state = JOB_RUNNING;
        q->pending--;
        pthread_mutex_unlock(&q->mu);
        api_req r;
        memset(&r, 0, sizeof r);
        r.srv = srv;
        r.user = j->user;
        snprintf(r.purpose, sizeof r.purpose, "%s", j->purpose);
        r.w = api_worker_get(srv);
        api_identify(&r, &j->fingers, j->location);
        api_worker_put(srv, r.w);
        api_fingers_clear(&j->fingers);
        pthread_mutex_lock(&q->mu);
        j->http = r.status;
        j->result = r.json;
        j->state = r.status < 300 ? JOB_DONE : JOB_FAILED;
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

tern_status api_jobs_start(tern_api_server *srv, tern_error *err)
{
    api_jobs *q = calloc(1, sizeof *q);
    if (!q)
        return tern_error_set(err, TERN_E_NOMEM, "jobs: out of memory");
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    srv->jobs = q;
    if (pthread_create(&q->thread, NULL, run, srv) != 0)
        return tern_error_set(err, TERN_E_INTERNAL, "jobs: cannot start the worker thread");
    q->started = true;
    return TERN_OK;
}

void api_jobs_stop(tern_api_server *srv)
{
    api_jobs *q = srv->jobs;
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stop = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (q->started)
        pthread_join(q->thread, NULL);
    for (size_t i = 0; i < JOBS_MAX; i++) {
        api_fingers_clear(&q->slots[i].fingers);
        json_decref(q->slots[i].result);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
    srv->jobs = NULL;
}

/* A free slot, evicting the oldest finished job if needed; NULL if full. */
static job *slot(api_jobs *q)
{
    job *old = NULL;
    for (size_t i = 0; i < JOBS_MAX; i++) {
        job *j = &q->slots[i];
        if (!j->used)
            return j;
        if ((j->state == JOB_DONE || j->state == JOB_FAILED) && (!old || j->seq < old->seq))
            old = j;
    }
    if (old) {
        json_decref(old->result);
        memset(old, 0, sizeof *old);
    }
    return old;
}

static json_t *job_json(const job *j, size_t pending)
{
    char url[64];
    snprintf(url, sizeof url, "/v1/jobs/%s", j->id);
    json_t *o = json_pack("{s:s,s:s,s:i,s:I,s:s}", "job_id", j->id, "url", url, "priority",
                          j->priority, "pending", (json_int_t)pending, "state",
                          STATE_NAMES[j->state]);
    if (j->result)
        json_object_set(o, j->state == JOB_DONE ? "result" : "error",
                        j->state == JOB_DONE ? j->result : json_object_get(j->result, "error"));
    return o;
}

void api_h_job_create(api_req *r)
{
    tern_api_request q;
    if (!api_decode(r, TERN_API_BODY_JOB, &q))
        return;
    int64_t prio = tern_api_request_int(&q, "priority", 5);
    if (prio < 1 || prio > 9) {
        tern_api_request_clear(&q);
        api_fail(r, 400, "bad_request", "priority: 1 (most urgent) .. 9");
        return;
    }
    if (!api_context_ok(r, &q)) {
        tern_api_request_clear(&q);
        return;
    }
    api_fingers f;
    tern_error err;
    tern_error_clear(&err);
    if (api_fingers_from_request(&q, &f, &err) != TERN_OK) {
        tern_api_request_clear(&q);
        api_fail_status(r, &err);
        return;
    }
    api_jobs *jq = r->srv->jobs;
    pthread_mutex_lock(&jq->mu);
    job *j = slot(jq);
    if (!j) {
        pthread_mutex_unlock(&jq->mu);
        api_fingers_clear(&f);
        tern_api_request_clear(&q);
        api_fail(r, 503, "queue_full", "%d jobs are queued or running", JOBS_MAX);
        return;
    }
    j->used = true;
    j->seq = ++jq->seq;
    uint8_t rnd[8];
    tern_random(rnd, sizeof rnd);
    char hex[17];
    tern_hex(rnd, sizeof rnd, hex);
    snprintf(j->id, sizeof j->id, "job_%s", hex);
    j->priority = (int)prio;
    j->state = JOB_QUEUED;
    memcpy(j->user.id, r->user.id, sizeof j->user.id);
    memcpy(j->user.agency_id, r->user.agency_id, sizeof j->user.agency_id);
    j->user.roles = r->user.roles;
    j->user.active = 1;
    const char *purpose = tern_api_request_text(&q, "purpose");
    snprintf(j->purpose, sizeof j->purpose, "%s", purpose ? purpose : r->purpose);
    snprintf(j->location, sizeof j->location, "%s", tern_api_request_text(&q, "location"));
    j->fingers = f;
    /* the job now owns the decoded images and templates */
    jq->pending++;
    json_t *out = job_json(j, jq->pending);
    snprintf(r->params[0], sizeof r->params[0], "%s", j->id);
    pthread_cond_signal(&jq->cv);
    pthread_mutex_unlock(&jq->mu);
    tern_api_request_clear(&q);
    api_reply(r, 202, out);
}

void api_h_job_get(api_req *r)
{
    api_jobs *jq = r->srv->jobs;
    pthread_mutex_lock(&jq->mu);
    json_t *out = NULL;
    for (size_t i = 0; i < JOBS_MAX; i++) {
        job *j = &jq->slots[i];
        if (j->used && strcmp(j->id, r->params[0]) == 0 && strcmp(j->user.id, r->user.id) == 0)
            out = job_json(j, jq->pending);
    }
    pthread_mutex_unlock(&jq->mu);
    if (!out)
        api_fail(r, 404, "not_found", "no job \"%s\" of yours", r->params[0]);
    else
        api_reply(r, 200, out);
}
