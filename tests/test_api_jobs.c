/* test_api_jobs.c - jobs kept in the store (issue 7: an acknowledged write
 * survives kill -9): the jobs table's row API, and a node that accepted
 * jobs (202) and was SIGKILLed runs them all after a restart. On SQLite
 * and PostgreSQL (tests/store_fixture.h).
 *
 * The node runs in a forked process (tests/api_fixture.c). Jobs are sent
 * back to back and the node is killed right after the last 202, so some are
 * usually still queued; so that the requeue of both unfinished states is
 * exercised whatever the timing, one job is also written directly in the
 * store as "queued" and one as "running" (what a crash mid-run leaves). */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_fixture.h"
#include "tern/audit.h"
#include "store_fixture.h"

#define GALLERY 8
#define NJOBS 6
#define SEED 91

static tern_job job_row(const char *id, int64_t prio, int64_t status, const char *body)
{
    tern_job j = {.kind = "identify", .priority = prio, .requester = "u-officer",
                  .purpose = "border-control", .request = (uint8_t *)body,
                  .request_len = strlen(body), .status = status,
                  .created_ms = tern_store_now_ms()};
    snprintf(j.id, sizeof j.id, "%s", id);
    return j;
}

typedef struct seen {
    char ids[8][TERN_ID_MAX];
    size_t n;
} seen;

static int collect(void *ctx, const void *row)
{
    seen *s = ctx;
    const tern_job *j = row;
    if (s->n < 8)
        snprintf(s->ids[s->n++], TERN_ID_MAX, "%s", j->id);
    return 0;
}

STORE_TEST(api_jobs, rows_round_trip_and_unfinished_order)
{
    fx f;
    tern_store *s = fx_begin(&f, backend, false);
    tern_core *c = NULL;
    tern_error err;
    char tok[TERN_APIKEY_TOKEN_MAX];
    cr_assert_eq(tern_core_create(s, &f.node, &c, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_api_bootstrap(c, s, "CL-PDI", "u-officer", TERN_ROLE_OFFICER, 1, tok, &err),
                 TERN_OK, "%s", err.message);
    tern_job a = job_row("job_a", 5, TERN_JOB_QUEUED, "{\"a\":1}");
    tern_job b = job_row("job_b", 1, TERN_JOB_RUNNING, "{\"b\":2}");
    tern_job d = job_row("job_d", 5, TERN_JOB_QUEUED, "{\"d\":3}");
    d.created_ms = a.created_ms + 1;
    cr_assert_eq(tern_store_job_insert(s, &d, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_store_job_insert(s, &a, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_store_job_insert(s, &b, &err), TERN_OK, "%s", err.message);
    cr_expect_eq(tern_store_job_insert(s, &a, &err), TERN_E_EXISTS);
    tern_job bad = job_row("job_x", 5, TERN_JOB_QUEUED, "{}");
    snprintf(bad.requester, sizeof bad.requester, "nobody");
    cr_expect_eq(tern_store_job_insert(s, &bad, &err), TERN_E_NOT_FOUND);
    bad = job_row("job_x", 10, TERN_JOB_QUEUED, "{}");
    cr_expect_eq(tern_store_job_insert(s, &bad, &err), TERN_E_ARG);

    tern_job g;
    cr_assert_eq(tern_store_job_get(s, "job_b", &g, &err), TERN_OK, "%s", err.message);
    cr_expect_str_eq(g.kind, "identify");
    cr_expect_eq(g.priority, 1);
    cr_expect_eq(g.status, TERN_JOB_RUNNING);
    cr_expect_str_eq(g.requester, "u-officer");
    cr_expect_eq(g.request_len, strlen("{\"b\":2}"));
    cr_expect(g.request && memcmp(g.request, "{\"b\":2}", g.request_len) == 0);
    cr_expect_null(g.result);
    tern_job_clear(&g);

    /* unfinished: priority first, then oldest */
    seen sn = {.n = 0};
    cr_assert_eq(tern_store_jobs_unfinished(s, collect, &sn, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(sn.n, 3);
    cr_expect_str_eq(sn.ids[0], "job_b");
    cr_expect_str_eq(sn.ids[1], "job_a");
    cr_expect_str_eq(sn.ids[2], "job_d");

    /* finished: result kept, request emptied, no longer unfinished */
    const char *res = "{\"encounter_id\":\"enc_1\"}";
    cr_assert_eq(tern_store_job_set_status(s, "job_a", TERN_JOB_DONE, (const uint8_t *)res,
                                           strlen(res), 1234, &err),
                 TERN_OK, "%s", err.message);
    cr_assert_eq(tern_store_job_get(s, "job_a", &g, &err), TERN_OK, "%s", err.message);
    cr_expect_eq(g.status, TERN_JOB_DONE);
    cr_expect_eq(g.finished_ms, 1234);
    cr_expect_eq(g.request_len, 0u);
    cr_expect(g.result && g.result_len == strlen(res) && memcmp(g.result, res, g.result_len) == 0);
    tern_job_clear(&g);
    sn.n = 0;
    cr_assert_eq(tern_store_jobs_unfinished(s, collect, &sn, &err), TERN_OK, "%s", err.message);
    cr_expect_eq(sn.n, 2);
    cr_expect_eq(tern_store_job_set_status(s, "job_zz", TERN_JOB_DONE, NULL, 0, 1, &err),
                 TERN_E_NOT_FOUND);
    cr_expect_eq(tern_store_job_get(s, "job_zz", &g, &err), TERN_E_NOT_FOUND);

    /* the jobs table came with migration 3 */
    int64_t v = 0;
    cr_assert_eq(tern_store_schema_version(s, &v, &err), TERN_OK, "%s", err.message);
    cr_expect_geq(v, 3);
    tern_core_free(c);
    fx_end(&f, s);
}

static char *encounter_body(uint64_t who, int prio)
{
    static const unsigned POS[2] = {2, 7};
    char *fj = af_fingers_json(SEED, who, 1, 2, POS);
    size_t cap = strlen(fj) + 128;
    char *b = malloc(cap);
    cr_assert_not_null(b);
    snprintf(b, cap, "{\"location\":\"SCL\",\"priority\":%d,\"fingers\":%s}", prio, fj);
    free(fj);
    return b;
}

STORE_TEST(api_jobs, accepted_jobs_survive_sigkill, .timeout = 300)
{
    fx f;
    fx_setup(&f, backend);
    tern_api_config cfg = {.store_url = f.url, .workers = 2, .data_key = f.key,
                           .node_key = f.node};
    tern_store *s = NULL;
    tern_core *c = NULL;
    tern_error err;
    char off[TERN_APIKEY_TOKEN_MAX], ana[TERN_APIKEY_TOKEN_MAX];
    cr_assert_eq(tern_store_open(f.url, &cfg.data_key, &s, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_core_create(s, &cfg.node_key, &c, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_api_bootstrap(c, s, "CL-PDI", "u-officer", TERN_ROLE_OFFICER, 1, off, &err),
                 TERN_OK, "%s", err.message);
    cr_assert_eq(tern_api_bootstrap(c, s, "CL-PDI", "u-analyst", TERN_ROLE_ANALYST, 1, ana, &err),
                 TERN_OK, "%s", err.message);
    tern_retention_rule rule = {.id = "default", .days = 3650, .description = "test"};
    cr_assert_eq(tern_store_retention_rule_insert(s, &rule, &err), TERN_OK, "%s", err.message);
    af_store_identities(s, SEED, GALLERY, NULL);
    tern_core_free(c);
    tern_store_close(s);

    char ids[NJOBS + 2][TERN_ID_MAX];
    unsigned port;
    pid_t pid = af_server_fork(&cfg, &port);
    for (unsigned k = 0; k < NJOBS; k++) {
        char *b = encounter_body(k, 9 - (int)k % 3);
        tern_api_response r;
        cr_assert_eq(tern_api_call(port, "POST", "/v1/jobs", off, "border-control",
                                   "application/json", b, strlen(b), &r, &err),
                     TERN_OK, "%s", err.message);
        free(b);
        cr_assert_eq(r.status, 202, "%s", r.body);
        json_t *j = json_loadb(r.body, r.len, 0, NULL);
        const char *id = json_string_value(json_object_get(j, "job_id"));
        cr_assert_not_null(id, "%s", r.body);
        snprintf(ids[k], TERN_ID_MAX, "%s", id);
        cr_expect_geq(json_integer_value(json_object_get(j, "pending")), 1, "%s", r.body);
        cr_expect_str_eq(json_string_value(json_object_get(j, "state")), "queued");
        json_decref(j);
        tern_api_response_clear(&r);
    }
    cr_assert_eq(kill(pid, SIGKILL), 0);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    /* every acknowledged job is in the store; plus one queued and one
     * running left there as a crash would */
    cr_assert_eq(tern_store_open(f.url, &cfg.data_key, &s, &err), TERN_OK, "%s", err.message);
    unsigned unfinished = 0;
    for (unsigned k = 0; k < NJOBS; k++) {
        tern_job g;
        cr_assert_eq(tern_store_job_get(s, ids[k], &g, &err), TERN_OK,
                     "accepted job %s lost by SIGKILL: %s", ids[k], err.message);
        unfinished += g.status == TERN_JOB_QUEUED || g.status == TERN_JOB_RUNNING;
        tern_job_clear(&g);
    }
    cr_log_info("api_jobs: %u of %d accepted jobs unfinished at SIGKILL", unfinished, NJOBS);
    for (unsigned k = 0; k < 2; k++) {
        char *b = encounter_body(NJOBS + k, 5);
        snprintf(ids[NJOBS + k], TERN_ID_MAX, "job_left%u", k);
        tern_job row = job_row(ids[NJOBS + k], 5, k ? TERN_JOB_RUNNING : TERN_JOB_QUEUED, b);
        cr_assert_eq(tern_store_job_insert(s, &row, &err), TERN_OK, "%s", err.message);
        free(b);
    }
    tern_store_close(s);

    /* restarted: every job ends done, read over HTTP by its submitter only */
    pid = af_server_fork(&cfg, &port);
    for (unsigned k = 0; k < NJOBS + 2; k++) {
        char path[512];
        snprintf(path, sizeof path, "/v1/jobs/%s", ids[k]);
        json_t *j = NULL;
        const char *state = NULL;
        for (int tries = 0; tries < 1200; tries++) { /* bounded: 120 s */
            tern_api_response r;
            cr_assert_eq(tern_api_call(port, "GET", path, off, "border-control", NULL, NULL, 0,
                                       &r, &err),
                         TERN_OK, "%s", err.message);
            cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
            json_decref(j);
            j = json_loadb(r.body, r.len, 0, NULL);
            tern_api_response_clear(&r);
            state = json_string_value(json_object_get(j, "state"));
            if (state && (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0))
                break;
            usleep(100000);
        }
        cr_assert_str_eq(state, "done", "job %s after restart", ids[k]);
        json_t *res = json_object_get(j, "result");
        cr_expect_not_null(json_string_value(json_object_get(res, "encounter_id")),
                           "job %s has an encounter", ids[k]);
        json_decref(j);
        tern_api_response r;
        cr_assert_eq(tern_api_call(port, "GET", path, ana, "analysis", NULL, NULL, 0, &r, &err),
                     TERN_OK, "%s", err.message);
        cr_expect_eq(r.status, 404, "another user reads job %s: %s", ids[k], r.body);
        tern_api_response_clear(&r);
    }
    cr_assert_eq(kill(pid, SIGTERM), 0);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "graceful stop");

    /* in the store: done, finished, images dropped */
    cr_assert_eq(tern_store_open(f.url, &cfg.data_key, &s, &err), TERN_OK, "%s", err.message);
    for (unsigned k = 0; k < NJOBS + 2; k++) {
        tern_job g;
        cr_assert_eq(tern_store_job_get(s, ids[k], &g, &err), TERN_OK, "%s", err.message);
        cr_expect_eq(g.status, TERN_JOB_DONE, "job %s", ids[k]);
        cr_expect_gt(g.finished_ms, 0);
        cr_expect_eq(g.request_len, 0u, "job %s keeps no request once done", ids[k]);
        tern_job_clear(&g);
    }
    tern_store_close(s);
    fx_teardown(&f);
}

/* tern_gallery_subjects from /metrics (-1 if absent or the call fails).
 * Polled: no assertion here, so that a wait sends the runner no events. */
static long gallery_subjects(unsigned port)
{
    tern_api_response r;
    tern_error err;
    if (tern_api_call(port, "GET", "/metrics", NULL, NULL, NULL, NULL, 0, &r, &err) != TERN_OK)
        return -1;
    const char *p = r.body ? strstr(r.body, "\ntern_gallery_subjects ") : NULL;
    long n = p ? strtol(p + strlen("\ntern_gallery_subjects "), NULL, 10) : -1;
    tern_api_response_clear(&r);
    return n;
}

/* Sets subject id's retain-until time to now - 1 ms. */
static void past_its_time(tern_store *s, const char *id)
{
    tern_error err;
    tern_subject sub;
    cr_assert_eq(tern_store_subject_get(s, id, &sub, &err), TERN_OK, "%s", err.message);
    sub.retain_until_ms = tern_store_now_ms() - 1;
    cr_assert_eq(tern_store_subject_update(s, &sub, &err), TERN_OK, "%s", err.message);
    tern_subject_clear(&sub);
}

/* Waits (bounded: 60 s) until subject id is gone from the store and the
 * node's gallery holds `left` subjects. */
static void wait_purged(tern_store *s, unsigned port, const char *id, long left)
{
    tern_error err;
    tern_subject sub;
    tern_status rc = TERN_OK;
    long held = -1;
    for (int tries = 0; tries < 600; tries++) {
        rc = tern_store_subject_get(s, id, &sub, &err);
        if (rc == TERN_OK)
            tern_subject_clear(&sub);
        held = gallery_subjects(port);
        if (rc == TERN_E_NOT_FOUND && held == left)
            return;
        usleep(100000);
    }
    cr_assert_fail("subject %s: store %s, gallery %ld subjects (expected %ld)", id,
                   tern_status_name(rc), held, left);
}

/* The node applies retention by itself: at start and then every
 * retention_interval_s; purged subjects leave its gallery at once, and
 * finished jobs older than their days leave the store. (No .timeout: its
 * waits are bounded, and Criterion 2.4 leaks 48 bytes, which LeakSanitizer
 * reports, when two tests with timeouts run at once.) */
STORE_TEST(api_jobs, the_node_applies_retention_at_start_and_periodically)
{
    fx f;
    fx_setup(&f, backend);
    tern_api_config cfg = {.store_url = f.url, .workers = 2, .data_key = f.key,
                           .node_key = f.node, .retention_interval_s = 1};
    tern_store *s = NULL;
    tern_core *c = NULL;
    tern_error err;
    char off[TERN_APIKEY_TOKEN_MAX], subjects[3][TERN_ID_MAX];
    cr_assert_eq(tern_store_open(f.url, &cfg.data_key, &s, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_core_create(s, &cfg.node_key, &c, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_api_bootstrap(c, s, "CL-PDI", "u-officer", TERN_ROLE_OFFICER, 1, off, &err),
                 TERN_OK, "%s", err.message);
    tern_retention_rule rule = {.id = "default", .days = 3650, .description = "test"};
    cr_assert_eq(tern_store_retention_rule_insert(s, &rule, &err), TERN_OK, "%s", err.message);
    af_store_identities(s, SEED, 3, subjects);
    past_its_time(s, subjects[0]);
    tern_job old = job_row("job_old", 5, TERN_JOB_QUEUED, "{}");
    cr_assert_eq(tern_store_job_insert(s, &old, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_store_job_set_status(s, "job_old", TERN_JOB_DONE, NULL, 0,
                                           tern_store_now_ms() - 40 * 86400000LL, &err),
                 TERN_OK, "%s", err.message);

    unsigned port;
    pid_t pid = af_server_fork(&cfg, &port);
    wait_purged(s, port, subjects[0], 2); /* at start */
    tern_job g;
    cr_expect_eq(tern_store_job_get(s, "job_old", &g, &err), TERN_E_NOT_FOUND,
                 "a job finished 40 days ago is kept");
    past_its_time(s, subjects[1]);
    wait_purged(s, port, subjects[1], 1); /* a later run */
    tern_subject sub;
    cr_assert_eq(tern_store_subject_get(s, subjects[2], &sub, &err), TERN_OK, "%s", err.message);
    tern_subject_clear(&sub);

    cr_assert_eq(kill(pid, SIGTERM), 0);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "graceful stop");
    tern_audit_report rep;
    cr_assert_eq(tern_audit_verify(s, cfg.node_key.pk, &rep, &err), TERN_OK, "%s", err.message);
    tern_core_free(c);
    fx_end(&f, s);
}
