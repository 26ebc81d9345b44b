/* jobs.c - long searches as jobs, in the asynchronous shape of the MOSIP
 * ABIS API and the OSIA biometrics interface: POST /v1/jobs answers 202
 * Accepted with the job's URL, its priority and the count of pending jobs;
 * one worker thread runs the queue, most urgent priority (1) first, then
 * oldest; GET /v1/jobs/{id} gives the state and, when done, the same result
 * as POST /v1/encounters.
 *
 * Jobs are kept in the store (the jobs table, tern_store_job_*): a job is
 * committed, with the request body needed to run it again, before the 202
 * is sent, and its state and result are written there; GET reads the store.
 * On start the node queues again every job left queued or running by a
 * crash (a job killed while running runs again: at least once, so its
 * search may be recorded as two encounters). Only the decoded fingers of
 * the jobs waiting to run are held in memory, at most JOBS_MAX of them;
 * beyond that POST answers 503 (and, at start, the rest wait in the store
 * for the next start). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_impl.h"

#define JOBS_MAX 256

typedef enum job_state { JOB_FREE, JOB_QUEUED, JOB_RUNNING } job_state;

typedef struct job {
    job_state state;
    char id[TERN_ID_MAX];
    uint64_t seq;
    int priority;
    tern_user user;          /* id, agency, roles of the submitter (no owned text) */
    char purpose[TERN_STORE_NAME_MAX];
    char location[TERN_STORE_NAME_MAX];
    api_fingers fingers;     /* owned until run */
    char error[TERN_ERROR_MAX]; /* requeued job that cannot run: why */
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
        if (j->state != JOB_QUEUED)
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
        tern_error err;
        tern_error_clear(&err);
        tern_status rc = tern_store_job_set_status(r.w->store, j->id, TERN_JOB_RUNNING, NULL, 0,
                                                   0, &err);
        if (rc != TERN_OK)
            fprintf(stderr, "ternd: jobs: %s\n", err.message);
        if (j->error[0])
            api_fail(&r, 400, "bad_request", "cannot run again: %s", j->error);
        else
            api_identify(&r, &j->fingers, j->location);
        api_fingers_clear(&j->fingers);
        char *text = r.json ? json_dumps(r.json, JSON_COMPACT) : NULL;
        rc = tern_store_job_set_status(r.w->store, j->id,
                                       r.status < 300 ? TERN_JOB_DONE : TERN_JOB_FAILED,
                                       (const uint8_t *)text, text ? strlen(text) : 0,
                                       tern_store_now_ms(), &err);
        if (rc != TERN_OK) /* stays running in the store: runs again at the next start */
            fprintf(stderr, "ternd: jobs: %s\n", err.message);
        free(text);
        json_decref(r.json);
        free(r.text);
        api_worker_put(srv, r.w);
        pthread_mutex_lock(&q->mu);
        memset(j, 0, sizeof *j);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* Fills slot j (free) from a stored job: decodes its request again and
 * takes the requester's current roles; a job that cannot run gets an error
 * and is recorded as failed by the worker. */
static void requeue(tern_store *s, api_jobs *q, job *j, const tern_job *row)
{
    snprintf(j->id, sizeof j->id, "%s", row->id);
    j->seq = ++q->seq;
    j->priority = (int)row->priority;
    j->state = JOB_QUEUED;
    snprintf(j->purpose, sizeof j->purpose, "%s", row->purpose);
    tern_error err;
    tern_error_clear(&err);
    tern_user u;
    memset(&u, 0, sizeof u);
    tern_api_request rq;
    memset(&rq, 0, sizeof rq);
    tern_status rc = tern_store_user_get(s, row->requester, &u, &err);
    if (rc == TERN_OK && !u.active)
        rc = tern_error_set(&err, TERN_E_DENIED, "user \"%s\" is disabled", u.id);
    if (rc == TERN_OK) {
        memcpy(j->user.id, u.id, sizeof j->user.id);
        memcpy(j->user.agency_id, u.agency_id, sizeof j->user.agency_id);
        j->user.roles = u.roles;
        j->user.active = 1;
        rc = row->request ? tern_api_request_decode(TERN_API_BODY_JOB, (const char *)row->request,
                                                    row->request_len, &rq, &err)
                          : tern_error_set(&err, TERN_E_FORMAT, "the request is empty");
    }
    if (rc == TERN_OK)
        rc = api_fingers_from_request(&rq, &j->fingers, &err);
    if (rc == TERN_OK) {
        const char *loc = tern_api_request_text(&rq, "location");
        snprintf(j->location, sizeof j->location, "%s", loc ? loc : "");
    } else {
        memcpy(j->error, err.message, sizeof j->error);
    }
    tern_user_clear(&u);
    tern_api_request_clear(&rq);
}

typedef struct requeue_ctx {
    tern_store *s;
    api_jobs *q;
    size_t n;
} requeue_ctx;

static int requeue_row(void *ctx, const void *row)
{
    requeue_ctx *c = ctx;
    if (c->n == JOBS_MAX)
        return 1;
    requeue(c->s, c->q, &c->q->slots[c->n++], row);
    c->q->pending++;
    return 0;
}

tern_status api_jobs_start(tern_api_server *srv, tern_error *err)
{
    api_jobs *q = calloc(1, sizeof *q);
    if (!q)
        return tern_error_set(err, TERN_E_NOMEM, "jobs: out of memory");
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    srv->jobs = q;
    if (srv->n_workers == 0)
        return tern_error_set(err, TERN_E_INTERNAL, "jobs: no store connection");
    /* jobs left queued or running by a crash: queued again, before any
     * request is served */
    requeue_ctx c = {srv->workers[0].store, q, 0};
    tern_status rc = tern_store_jobs_unfinished(c.s, requeue_row, &c, err);
    if (rc != TERN_OK)
        return tern_error_prefix(err, "jobs: requeue: ");
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
    for (size_t i = 0; i < JOBS_MAX; i++)
        api_fingers_clear(&q->slots[i].fingers);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
    srv->jobs = NULL;
}

static json_t *job_json(const char *id, int priority, size_t pending, const char *state)
{
    char url[96];
    snprintf(url, sizeof url, "/v1/jobs/%s", id);
    return json_pack("{s:s,s:s,s:i,s:I,s:s}", "job_id", id, "url", url, "priority", priority,
                     "pending", (json_int_t)pending, "state", state);
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
    job *j = NULL;
    for (size_t i = 0; i < JOBS_MAX && !j; i++)
        if (jq->slots[i].state == JOB_FREE)
            j = &jq->slots[i];
    if (!j) {
        pthread_mutex_unlock(&jq->mu);
        api_fingers_clear(&f);
        tern_api_request_clear(&q);
        api_fail(r, 503, "queue_full", "%d jobs are queued or running", JOBS_MAX);
        return;
    }
    uint8_t rnd[8];
    tern_random(rnd, sizeof rnd);
    char hex[17];
    tern_hex(rnd, sizeof rnd, hex);
    snprintf(j->id, sizeof j->id, "job_%s", hex);
    const char *purpose = tern_api_request_text(&q, "purpose");
    snprintf(j->purpose, sizeof j->purpose, "%s", purpose ? purpose : r->purpose);
    /* committed (autocommit, durable) before the 202 is sent */
    tern_job row = {.kind = "identify", .priority = prio, .purpose = j->purpose,
                    .request = (uint8_t *)r->body, .request_len = r->body_len,
                    .status = TERN_JOB_QUEUED, .created_ms = tern_store_now_ms()};
    memcpy(row.id, j->id, sizeof j->id);
    memcpy(row.requester, r->user.id, sizeof row.requester);
    if (tern_store_job_insert(r->w->store, &row, &err) != TERN_OK) {
        memset(j, 0, sizeof *j);
        pthread_mutex_unlock(&jq->mu);
        api_fingers_clear(&f);
        tern_api_request_clear(&q);
        api_fail_status(r, &err);
        return;
    }
    j->seq = ++jq->seq;
    j->priority = (int)prio;
    j->state = JOB_QUEUED;
    memcpy(j->user.id, r->user.id, sizeof j->user.id);
    memcpy(j->user.agency_id, r->user.agency_id, sizeof j->user.agency_id);
    j->user.roles = r->user.roles;
    j->user.active = 1;
    const char *loc = tern_api_request_text(&q, "location");
    snprintf(j->location, sizeof j->location, "%s", loc ? loc : "");
    j->fingers = f;
    /* the job now owns the decoded images and templates */
    jq->pending++;
    json_t *out = job_json(j->id, j->priority, jq->pending, "queued");
    snprintf(r->params[0], sizeof r->params[0], "%s", j->id);
    pthread_cond_signal(&jq->cv);
    pthread_mutex_unlock(&jq->mu);
    tern_api_request_clear(&q);
    api_reply(r, 202, out);
}

void api_h_job_get(api_req *r)
{
    tern_job row;
    tern_error err;
    tern_error_clear(&err);
    tern_status rc = tern_store_job_get(r->w->store, r->params[0], &row, &err);
    if (rc == TERN_E_NOT_FOUND || rc == TERN_E_ARG ||
        (rc == TERN_OK && strcmp(row.requester, r->user.id) != 0)) {
        if (rc == TERN_OK)
            tern_job_clear(&row);
        api_fail(r, 404, "not_found", "no job \"%s\" of yours", r->params[0]);
        return;
    }
    if (rc != TERN_OK) {
        api_fail_status(r, &err);
        return;
    }
    api_jobs *jq = r->srv->jobs;
    pthread_mutex_lock(&jq->mu);
    size_t pending = jq->pending;
    pthread_mutex_unlock(&jq->mu);
    json_t *out = job_json(row.id, (int)row.priority, pending, tern_job_status_name(row.status));
    json_t *res = row.result ? json_loadb((const char *)row.result, row.result_len, 0, NULL) : NULL;
    if (res && row.status == TERN_JOB_DONE)
        json_object_set(out, "result", res);
    else if (res && row.status == TERN_JOB_FAILED)
        json_object_set(out, "error", json_object_get(res, "error"));
    json_decref(res);
    tern_job_clear(&row);
    api_reply(r, 200, out);
}
