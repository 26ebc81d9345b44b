/* jobs.c - the jobs table of the records store (migration 3 in schema.c,
 * docs/data-model.md "jobs"): long searches accepted by the node and run
 * later, kept so that an accepted job survives a crash. The request and the
 * result are sealed with the data key like sample images (tern/crypto.h,
 * associated data "jobs\0<id>\0<column>"). Same SQL on SQLite and
 * PostgreSQL, through the backend driver of store_impl.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

static const char *const JOB_STATUS[] = {"queued", "running", "done", "failed"};
#define JOB_COLS                                                                              \
    "id, kind, priority, requester, purpose, request, status, result, created_ms, finished_ms"

const char *tern_job_status_name(int64_t status)
{
    return status >= 0 && status < 4 ? JOB_STATUS[status] : NULL;
}

static size_t job_ad(const char *id, const char *column, char *ad, size_t size)
{
    int n = snprintf(ad, size, "jobs%c%s%c%s", 0, id, 0, column);
    return n < 0 ? 0 : ((size_t)n < size ? (size_t)n : size - 1);
}

static tern_status seal(tern_store *s, const char *id, const char *column, const uint8_t *p,
                        size_t len, uint8_t **out, size_t *out_len, tern_error *err)
{
    char ad[96];
    size_t adn = job_ad(id, column, ad, sizeof ad);
    return tern_seal(&s->key, ad, adn, p ? p : (const uint8_t *)"", len, out, out_len, err);
}

void tern_job_clear(tern_job *job)
{
    if (!job)
        return;
    free(job->kind);
    free(job->purpose);
    free(job->request);
    free(job->result);
    memset(job, 0, sizeof *job);
}

tern_status tern_store_job_insert(tern_store *s, const tern_job *job, tern_error *err)
{
    tern_status rc = tern_store_check_id(job->id, "job", err);
    if (rc == TERN_OK)
        rc = tern_store_check_id(job->requester, "job requester", err);
    if (rc == TERN_OK && (!job->kind || !job->purpose))
        rc = tern_error_set(err, TERN_E_ARG, "job \"%s\": kind and purpose are required",
                            job->id);
    if (rc == TERN_OK)
        rc = tern_store_check_text(job->kind, TERN_STORE_NAME_MAX, "job kind", err);
    if (rc == TERN_OK)
        rc = tern_store_check_text(job->purpose, TERN_STORE_NAME_MAX, "job purpose", err);
    if (rc == TERN_OK && (job->priority < 1 || job->priority > 9 ||
                          !tern_job_status_name(job->status)))
        rc = tern_error_set(err, TERN_E_ARG, "job \"%s\": priority 1..9 and a known status",
                            job->id);
    if (rc == TERN_OK && (job->request_len > TERN_STORE_BLOB_MAX ||
                          job->result_len > TERN_STORE_BLOB_MAX))
        rc = tern_error_set(err, TERN_E_LIMIT, "job \"%s\": request or result over %u bytes",
                            job->id, TERN_STORE_BLOB_MAX);
    if (rc != TERN_OK)
        return rc;
    uint8_t *req = NULL, *res = NULL;
    size_t req_len = 0, res_len = 0;
    rc = seal(s, job->id, "request", job->request, job->request_len, &req, &req_len, err);
    if (rc == TERN_OK && job->result)
        rc = seal(s, job->id, "result", job->result, job->result_len, &res, &res_len, err);
    store_stmt *st = NULL;
    if (rc == TERN_OK)
        rc = store_prepare(s, "INSERT INTO jobs (" JOB_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           &st, err);
    if (rc == TERN_OK) {
        const store_ops *o = s->ops;
        o->bind_text(st, 1, job->id, strlen(job->id));
        o->bind_text(st, 2, job->kind, strlen(job->kind));
        o->bind_i64(st, 3, job->priority);
        o->bind_text(st, 4, job->requester, strlen(job->requester));
        o->bind_text(st, 5, job->purpose, strlen(job->purpose));
        o->bind_blob(st, 6, req, req_len);
        const char *name = tern_job_status_name(job->status);
        o->bind_text(st, 7, name, strlen(name));
        if (res)
            o->bind_blob(st, 8, res, res_len);
        else
            o->bind_null(st, 8);
        o->bind_i64(st, 9, job->created_ms);
        o->bind_i64(st, 10, job->finished_ms);
        bool row;
        rc = o->step(st, &row, err);
        o->finalize(st);
        if (rc == TERN_E_EXISTS)
            tern_error_set(err, rc, "job \"%s\" already exists", job->id);
        else if (rc == TERN_E_NOT_FOUND)
            tern_error_set(err, rc, "job \"%s\": requester \"%s\" does not exist", job->id,
                           job->requester);
        else if (rc != TERN_OK)
            tern_error_prefix(err, "job \"%s\": insert: ", job->id);
    }
    free(req);
    free(res);
    return rc;
}

static tern_status dup_text(const void *p, size_t len, char **out, tern_error *err)
{
    *out = malloc(len + 1);
    if (!*out)
        return tern_error_set(err, TERN_E_NOMEM, "job: out of memory");
    if (len)
        memcpy(*out, p, len);
    (*out)[len] = 0;
    return TERN_OK;
}

static tern_status unseal_col(tern_store *s, store_stmt *st, int i, const char *id,
                              const char *column, uint8_t **out, size_t *out_len,
                              tern_error *err)
{
    if (s->ops->col_null(st, i))
        return TERN_OK;
    size_t len = 0;
    const uint8_t *p = s->ops->col_bytes(st, i, &len);
    if (len == 0) /* emptied once the job finished */
        return TERN_OK;
    char ad[96];
    size_t adn = job_ad(id, column, ad, sizeof ad);
    tern_status rc = tern_unseal(&s->key, ad, adn, p, len, out, out_len, err);
    if (rc != TERN_OK)
        tern_error_prefix(err, "job \"%s\": field %s: ", id, column);
    return rc;
}

/* Reads the current row (columns JOB_COLS) into j. */
static tern_status read_job(tern_store *s, store_stmt *st, tern_job *j, tern_error *err)
{
    const store_ops *o = s->ops;
    memset(j, 0, sizeof *j);
    size_t len = 0;
    const void *p = o->col_bytes(st, 0, &len);
    if (len >= TERN_ID_MAX)
        return tern_error_set(err, TERN_E_FORMAT, "job: stored id is too long");
    memcpy(j->id, p, len);
    p = o->col_bytes(st, 3, &len);
    if (len >= TERN_ID_MAX)
        return tern_error_set(err, TERN_E_FORMAT, "job \"%s\": stored requester is too long",
                              j->id);
    memcpy(j->requester, p, len);
    j->priority = o->col_i64(st, 2);
    j->created_ms = o->col_i64(st, 8);
    j->finished_ms = o->col_i64(st, 9);
    p = o->col_bytes(st, 6, &len);
    j->status = -1;
    for (int k = 0; k < 4; k++)
        if (strlen(JOB_STATUS[k]) == len && memcmp(JOB_STATUS[k], p, len) == 0)
            j->status = k;
    tern_status rc = j->status < 0 ? tern_error_set(err, TERN_E_FORMAT,
                                                    "job \"%s\": stored status is unknown", j->id)
                                   : TERN_OK;
    if (rc == TERN_OK) {
        p = o->col_bytes(st, 1, &len);
        rc = dup_text(p, len, &j->kind, err);
    }
    if (rc == TERN_OK) {
        p = o->col_bytes(st, 4, &len);
        rc = dup_text(p, len, &j->purpose, err);
    }
    if (rc == TERN_OK)
        rc = unseal_col(s, st, 5, j->id, "request", &j->request, &j->request_len, err);
    if (rc == TERN_OK)
        rc = unseal_col(s, st, 7, j->id, "result", &j->result, &j->result_len, err);
    if (rc != TERN_OK)
        tern_job_clear(j);
    return rc;
}

tern_status tern_store_job_get(tern_store *s, const char *id, tern_job *out, tern_error *err)
{
    tern_status rc = tern_store_check_id(id, "job", err);
    store_stmt *st = NULL;
    if (rc == TERN_OK)
        rc = store_prepare(s, "SELECT " JOB_COLS " FROM jobs WHERE id = ?", &st, err);
    if (rc != TERN_OK)
        return rc;
    s->ops->bind_text(st, 1, id, strlen(id));
    bool row = false;
    rc = s->ops->step(st, &row, err);
    if (rc == TERN_OK && !row)
        rc = tern_error_set(err, TERN_E_NOT_FOUND, "job \"%s\" does not exist", id);
    if (rc == TERN_OK)
        rc = read_job(s, st, out, err);
    s->ops->finalize(st);
    return rc;
}

tern_status tern_store_job_set_status(tern_store *s, const char *id, tern_job_status status,
                                      const uint8_t *result, size_t result_len,
                                      int64_t finished_ms, tern_error *err)
{
    tern_status rc = tern_store_check_id(id, "job", err);
    const char *name = tern_job_status_name(status);
    if (rc == TERN_OK && !name)
        rc = tern_error_set(err, TERN_E_ARG, "job \"%s\": unknown status %d", id, (int)status);
    if (rc == TERN_OK && result_len > TERN_STORE_BLOB_MAX)
        rc = tern_error_set(err, TERN_E_LIMIT, "job \"%s\": result over %u bytes", id,
                            TERN_STORE_BLOB_MAX);
    if (rc != TERN_OK)
        return rc;
    bool finished = status == TERN_JOB_DONE || status == TERN_JOB_FAILED;
    uint8_t *res = NULL;
    size_t res_len = 0;
    if (finished && result)
        rc = seal(s, id, "result", result, result_len, &res, &res_len, err);
    store_stmt *st = NULL;
    if (rc == TERN_OK)
        rc = store_prepare(s,
                           finished ? "UPDATE jobs SET status = ?, result = ?, finished_ms = ?,"
                                      " request = ? WHERE id = ?"
                                    : "UPDATE jobs SET status = ? WHERE id = ?",
                           &st, err);
    if (rc == TERN_OK) {
        const store_ops *o = s->ops;
        o->bind_text(st, 1, name, strlen(name));
        if (finished) {
            if (res)
                o->bind_blob(st, 2, res, res_len);
            else
                o->bind_null(st, 2);
            o->bind_i64(st, 3, finished_ms);
            o->bind_blob(st, 4, "", 0);
            o->bind_text(st, 5, id, strlen(id));
        } else {
            o->bind_text(st, 2, id, strlen(id));
        }
        bool row;
        rc = o->step(st, &row, err);
        o->finalize(st);
    }
    free(res);
    if (rc != TERN_OK)
        return tern_error_prefix(err, "job \"%s\": update: ", id);
    /* confirm it exists (an UPDATE of no row is not an error in SQL) */
    rc = store_prepare(s, "SELECT 1 FROM jobs WHERE id = ?", &st, err);
    if (rc != TERN_OK)
        return rc;
    s->ops->bind_text(st, 1, id, strlen(id));
    bool row = false;
    rc = s->ops->step(st, &row, err);
    s->ops->finalize(st);
    if (rc == TERN_OK && !row)
        rc = tern_error_set(err, TERN_E_NOT_FOUND, "job \"%s\" does not exist", id);
    return rc;
}

tern_status tern_store_jobs_unfinished(tern_store *s, tern_store_row_fn fn, void *ctx,
                                       tern_error *err)
{
    store_stmt *st = NULL;
    tern_status rc = store_prepare(s,
                                   "SELECT " JOB_COLS " FROM jobs WHERE status IN"
                                   " ('queued', 'running') ORDER BY priority, created_ms, id",
                                   &st, err);
    if (rc != TERN_OK)
        return rc;
    for (;;) {
        bool row = false;
        rc = s->ops->step(st, &row, err);
        if (rc != TERN_OK || !row)
            break;
        tern_job j;
        rc = read_job(s, st, &j, err);
        if (rc != TERN_OK)
            break;
        int stop = fn(ctx, &j);
        tern_job_clear(&j);
        if (stop)
            break;
    }
    s->ops->finalize(st);
    return rc;
}

/* One statement, bound to one cut-off: "SELECT count(*)" or "DELETE". */
static tern_status finished_before(tern_store *s, const char *verb, int64_t before_ms,
                                   int64_t *count, tern_error *err)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "%s FROM jobs WHERE status IN ('done', 'failed') AND finished_ms <= ?", verb);
    store_stmt *st = NULL;
    tern_status rc = store_prepare(s, sql, &st, err);
    if (rc != TERN_OK)
        return rc;
    s->ops->bind_i64(st, 1, before_ms);
    bool row = false;
    rc = s->ops->step(st, &row, err);
    if (rc == TERN_OK && count)
        *count = row ? s->ops->col_i64(st, 0) : 0;
    s->ops->finalize(st);
    return rc;
}

typedef struct purge_ctx {
    int64_t before_ms, n;
} purge_ctx;

static tern_status purge_body(tern_store *s, void *ctx, tern_error *err)
{
    purge_ctx *p = ctx;
    tern_status rc = finished_before(s, "SELECT count(*)", p->before_ms, &p->n, err);
    if (rc == TERN_OK && p->n > 0)
        rc = finished_before(s, "DELETE", p->before_ms, NULL, err);
    return rc;
}

tern_status tern_store_jobs_purge(tern_store *s, int64_t finished_before_ms, int64_t *purged,
                                  tern_error *err)
{
    purge_ctx p = {finished_before_ms, 0};
    tern_status rc = store_in_tx(s, purge_body, &p, err);
    if (purged)
        *purged = rc == TERN_OK ? p.n : 0;
    return rc != TERN_OK ? tern_error_prefix(err, "jobs: purge: ") : TERN_OK;
}
