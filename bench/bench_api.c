/* bench_api.c - load test of the node (docs/api.md, "Load"): concurrent
 * encounter submissions over HTTP on loopback against an N-identity
 * ten-print gallery on SQLite, bounded in requests and in time.
 *
 * Set-up (not timed): N synthetic identities (template-level synthesis,
 * tern/synth.h) stored directly as rows of the current engine version, in
 * batches, and an officer's API key. The server is forked into its own
 * process (tern_api_start, as ternd runs it), so that its resident set can
 * be read from /proc and nothing of the client's is counted in it.
 *
 * Measured:
 * 1. Baseline, in the same run: the same encounters sent by ONE client, one
 *    after another (latency of an unloaded node).
 * 2. Load: C clients, each sending encounters back to back until R requests
 *    are sent or S seconds have passed. Throughput, p50 / p99 latency (wall
 *    time from connect to the last byte of the answer), answers by status,
 *    and the server's VmRSS after warm-up, during (sampled every 250 ms) and
 *    after; the ratio load / baseline throughput.
 * 3. Durability: after a graceful stop (SIGTERM), every encounter the node
 *    acknowledged (201 with an encounter_id) is read back from the store;
 *    requests that got no answer at all, and acknowledged encounters that
 *    are missing, are "lost". The audit chain is verified and the events
 *    per encounter counted.
 *
 * Probes: 3 of every 4 are another impression of an enrolled identity
 * (mates), 1 of 4 a person never enrolled; P fingers each (default 2,
 * the two index fingers, as at a border).
 *
 * With --enroll-every K, every K-th request of the load is an enrollment
 * of a new person (ten fingers, de-duplicated against the gallery) instead.
 *
 * Usage: bench_api [--identities N] [--requests R] [--clients C]
 *                  [--seconds S] [--workers W] [--probe-fingers 2|4|10]
 *                  [--enroll-every K]
 * Defaults: N 10000, R 60, C 4, S 300, W 4, P 2, K 0. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tern/api.h"
#include "tern/audit.h"
#include "tern/synth.h"
#include "tern/template.h"
#include "tern/template_io.h"

#include "server_fork.h"

#define SEED 0xa91c0deull
#define BATCH 250

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die(const char *what, const tern_error *err)
{
    fprintf(stderr, "bench_api: %s: %s\n", what, err ? err->message : strerror(errno));
    exit(1);
}

/* Impression `imp` of finger k (0..9) of synthetic identity `index`. */
static tern_template *finger(uint64_t index, unsigned k, unsigned imp)
{
    tern_synth_identity id;
    tern_synth_identity_make(SEED, index, &id);
    tern_synth_timpression_opts o;
    tern_synth_timpression_defaults(&o);
    tern_synth_tfinger *f = NULL;
    tern_template *t = NULL;
    tern_error err;
    if (tern_synth_tfinger_create(id.finger_seed[k], (int)id.finger_class[k], &f, &err) ||
        tern_synth_tfinger_impression(f, tern_synth_seed_mix(SEED, index * 16 + k, imp), &o, &t,
                                      &err))
        die("synth", &err);
    tern_synth_tfinger_free(f);
    t->finger_position = (uint8_t)(k + 1);
    return t;
}

/* ---- set-up: the gallery as stored rows --------------------------------- */

static void populate(tern_store *s, unsigned n)
{
    tern_error err;
    int64_t now = tern_store_now_ms();
    tern_agency ag = {.id = "BENCH", .name = "Bench border police", .country = "ZZZ",
                      .created_ms = now};
    tern_retention_rule rule = {.id = "default", .days = 3650, .description = "bench"};
    if (tern_store_agency_insert(s, &ag, &err) || tern_store_retention_rule_insert(s, &rule, &err))
        die("seed", &err);
    for (unsigned i = 0; i < n; i++) {
        if (i % BATCH == 0 && tern_store_begin(s, &err))
            die("begin", &err);
        tern_subject sub = {.category = "default", .created_ms = now,
                            .retain_until_ms = now + 86400000LL * 3650};
        tern_identity idr = {.agency_id = "BENCH", .family_name = "SYNTH-Bench",
                             .created_ms = now};
        if (tern_store_subject_insert(s, &sub, &err))
            die("subject", &err);
        memcpy(idr.subject_id, sub.id, TERN_ID_MAX);
        if (tern_store_identity_insert(s, &idr, &err))
            die("identity", &err);
        for (unsigned k = 0; k < 10; k++) {
            tern_template *t = finger(i, k, 0);
            uint8_t *data;
            size_t len;
            if (tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &data, &len, &err))
                die("encode", &err);
            tern_template_row row = {.position = (int)k + 1,
                                     .engine_version = (char *)TERN_ENGINE_VERSION, .data = data,
                                     .data_len = len, .created_ms = now};
            memcpy(row.subject_id, sub.id, TERN_ID_MAX);
            if (tern_store_template_insert(s, &row, &err))
                die("template", &err);
            free(data);
            tern_template_free(t);
        }
        if ((i % BATCH == BATCH - 1 || i == n - 1) && tern_store_commit(s, &err))
            die("commit", &err);
    }
}

/* Template t in Tern's format, base64 (malloc'd). */
static char *template_b64(const tern_template *t)
{
    uint8_t *buf;
    size_t len;
    tern_error err;
    if (tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &buf, &len, &err))
        die("encode", &err);
    size_t b64len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    if (!b64)
        die("out of memory", NULL);
    sodium_bin2base64(b64, b64len, buf, len, sodium_base64_VARIANT_ORIGINAL);
    free(buf);
    return b64;
}

/* The JSON body of encounter request k. */
static char *encounter_body(unsigned k, unsigned n_ident, unsigned n_fingers)
{
    static const unsigned POS[3][10] = {{2, 7}, {2, 3, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}};
    const unsigned *pos = POS[n_fingers == 2 ? 0 : n_fingers == 4 ? 1 : 2];
    bool mate = k % 4 != 3;
    uint64_t index = mate ? (uint64_t)(k * 7919u) % n_ident : (uint64_t)n_ident + 1000u + k;
    json_t *arr = json_array();
    for (unsigned i = 0; i < n_fingers; i++) {
        tern_template *t = finger(index, pos[i] - 1, 1);
        char *b64 = template_b64(t);
        json_array_append_new(arr, json_pack("{s:i,s:i,s:s}", "position", (int)pos[i],
                                             "impression", 0, "template", b64));
        free(b64);
        tern_template_free(t);
    }
    json_t *body = json_pack("{s:s,s:s,s:o}", "location", "BENCH-AIRPORT", "purpose",
                             "border-control", "fingers", arr);
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return s;
}

/* The JSON body of enrollment e: a new person (never in the gallery), ten
 * fingers. */
static char *enroll_body(unsigned e, unsigned n_ident)
{
    uint64_t index = (uint64_t)n_ident + 500000u + e;
    json_t *arr = json_array();
    for (unsigned k = 0; k < 10; k++) {
        tern_template *t = finger(index, k, 0);
        char *b64 = template_b64(t);
        json_array_append_new(arr, json_pack("{s:i,s:s}", "position", (int)k + 1, "template", b64));
        free(b64);
        tern_template_free(t);
    }
    json_t *body = json_pack("{s:s,s:s,s:s,s:o}", "family_name", "SYNTH-Load", "category",
                             "default", "location", "BENCH-AIRPORT", "fingers", arr);
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return s;
}

/* ---- the server, in its own process ------------------------------------- */

static pid_t server_fork(const tern_api_config *cfg, unsigned *port)
{
    pid_t pid = tern_test_server_fork(cfg, 60000, port);
    if (pid < 0)
        die("server did not start", NULL);
    return pid;
}

/* VmRSS of pid in KiB (0 if unreadable). */
static long rss_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long v = 0;
    size_t fl = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0)
            v = strtol(line + fl, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

/* CPU seconds (user + system) the process pid has used so far. */
static double cpu_of(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- the clients -------------------------------------------------------- */

typedef struct result {
    double seconds;
    int status;            /* 0: no answer */
    bool hit;
    bool enroll;           /* an enrollment, not an encounter */
    char encounter[TERN_ID_MAX];
} result;

typedef struct load {
    unsigned port;
    const char *token;
    char **bodies;
    unsigned n_bodies;
    char **enrolls;            /* every enroll_every-th request enrolls (0: none) */
    unsigned n_enrolls, enroll_every;
    unsigned max_requests;
    double deadline;
    atomic_uint next;
    result *res;
    /* RSS sampler */
    pid_t server;
    atomic_bool done;
    long rss_min, rss_max;
    long rss_trace[4096];          /* one sample every 250 ms */
    unsigned n_trace;
} load;

static void one(load *L, unsigned k)
{
    bool enroll = L->enroll_every && k % L->enroll_every == L->enroll_every - 1;
    const char *b = enroll ? L->enrolls[(k / L->enroll_every) % L->n_enrolls]
                           : L->bodies[k % L->n_bodies];
    tern_api_response r;
    tern_error err;
    double t0 = wall();
    tern_status rc = tern_api_call(L->port, "POST", enroll ? "/v1/identities" : "/v1/encounters",
                                   L->token, "border-control", "application/json", b, strlen(b),
                                   &r, &err);
    result *o = &L->res[k];
    o->enroll = enroll;
    o->seconds = wall() - t0;
    if (rc != TERN_OK)
        return;
    o->status = r.status;
    json_t *j = json_loadb(r.body, r.len, 0, NULL);
    const char *id = json_string_value(json_object_get(j, "encounter_id"));
    if (r.status == 201 && id)
        snprintf(o->encounter, sizeof o->encounter, "%s", id);
    o->hit = json_is_true(json_object_get(j, "hit"));
    json_decref(j);
    tern_api_response_clear(&r);
}

static void *client(void *arg)
{
    load *L = arg;
    for (;;) {
        if (wall() > L->deadline)
            break;
        unsigned k = atomic_fetch_add(&L->next, 1);
        if (k >= L->max_requests)
            break;
        one(L, k);
    }
    return NULL;
}

static void *sampler(void *arg)
{
    load *L = arg;
    while (!atomic_load(&L->done)) {
        long v = rss_kib(L->server, "VmRSS:");
        if (v && (!L->rss_min || v < L->rss_min))
            L->rss_min = v;
        if (v > L->rss_max)
            L->rss_max = v;
        if (v && L->n_trace < sizeof L->rss_trace / sizeof L->rss_trace[0])
            L->rss_trace[L->n_trace++] = v;
        usleep(250000);
    }
    return NULL;
}

static const char *loadavg(char *buf, int size)
{
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f || !fgets(buf, size, f))
        snprintf(buf, (size_t)size, "unknown\n");
    if (f)
        fclose(f);
    return buf;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

typedef struct summary {
    unsigned sent, answered, ok, acked, hits, enrolls, by_class[6];
    double seconds, p50, p99, max;
    double enroll_p50, enroll_max;   /* enrollments alone */
} summary;

static summary summarise(const result *res, unsigned n, double secs)
{
    summary s = {.sent = n, .seconds = secs};
    double *lat = malloc((n ? n : 1) * sizeof *lat);
    double *elat = malloc((n ? n : 1) * sizeof *elat);
    size_t nl = 0, ne = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!res[i].status)
            continue;
        s.answered++;
        s.by_class[res[i].status / 100 < 6 ? res[i].status / 100 : 5]++;
        s.ok += res[i].status == 201;
        s.acked += res[i].encounter[0] != 0;
        s.hits += res[i].hit;
        s.enrolls += res[i].enroll;
        if (res[i].enroll)
            elat[ne++] = res[i].seconds;
        else
            lat[nl++] = res[i].seconds;
    }
    qsort(elat, ne, sizeof *elat, cmp_double);
    s.enroll_p50 = pct(elat, ne, 0.50);
    s.enroll_max = ne ? elat[ne - 1] : 0;
    free(elat);
    qsort(lat, nl, sizeof *lat, cmp_double);
    s.p50 = pct(lat, nl, 0.50);
    s.p99 = pct(lat, nl, 0.99);
    s.max = nl ? lat[nl - 1] : 0;
    free(lat);
    return s;
}

static void print_summary(const char *name, const summary *s, unsigned clients)
{
    printf("%s: %u clients, %u requests in %.1f s: %.2f requests/s; encounter latency p50 "
           "%.0f ms, p99 %.0f ms, max %.0f ms\n",
           name, clients, s->sent, s->seconds, s->ok / s->seconds, 1e3 * s->p50, 1e3 * s->p99,
           1e3 * s->max);
    printf("  answers: %u of %u (2xx %u, 4xx %u, 5xx %u); 201 with encounter id %u; hits %u; "
           "enrollments %u\n",
           s->answered, s->sent, s->by_class[2], s->by_class[4], s->by_class[5], s->acked,
           s->hits, s->enrolls);
    if (s->enrolls)
        printf("  enrollment latency p50 %.0f ms, max %.0f ms\n", 1e3 * s->enroll_p50,
               1e3 * s->enroll_max);
}

/* ---- after the run: durability and audit -------------------------------- */

static void check_store(const tern_api_config *cfg, const result *res, unsigned n)
{
    tern_store *s;
    tern_error err;
    if (tern_store_open(cfg->store_url, &cfg->data_key, &s, &err))
        die("reopen", &err);
    unsigned missing = 0, acked = 0, no_answer = 0;
    for (unsigned i = 0; i < n; i++) {
        no_answer += res[i].status == 0;
        if (!res[i].encounter[0])
            continue;
        acked++;
        tern_encounter e;
        memset(&e, 0, sizeof e);
        if (tern_store_encounter_get(s, res[i].encounter, &e, NULL) == TERN_OK)
            tern_encounter_clear(&e);
        else
            missing++;
    }
    int64_t events = 0, encounters = 0;
    tern_store_count(s, TERN_ENT_AUDIT_EVENT, NULL, NULL, &events, NULL);
    tern_store_count(s, TERN_ENT_ENCOUNTER, NULL, NULL, &encounters, NULL);
    tern_audit_report rep;
    tern_status v = tern_audit_verify(s, cfg->node_key.pk, &rep, &err);
    printf("durability: %u acknowledged encounters, %u missing after restart; %u requests "
           "without an answer; lost %u\n",
           acked, missing, no_answer, missing + no_answer);
    printf("audit: %lld events for %lld encounters; chain %s\n", (long long)events,
           (long long)encounters, v == TERN_OK ? "verifies" : err.message);
    tern_store_close(s);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    unsigned n_ident = 10000, requests = 60, clients = 4, workers = 4, probe_fingers = 2;
    unsigned enroll_every = 0;
    double seconds = 300;
    for (int i = 1; i + 1 < argc; i += 2) {
        unsigned long v = strtoul(argv[i + 1], NULL, 10);
        if (!strcmp(argv[i], "--identities"))
            n_ident = (unsigned)v;
        else if (!strcmp(argv[i], "--requests"))
            requests = (unsigned)v;
        else if (!strcmp(argv[i], "--clients"))
            clients = (unsigned)v;
        else if (!strcmp(argv[i], "--workers"))
            workers = (unsigned)v;
        else if (!strcmp(argv[i], "--enroll-every"))
            enroll_every = (unsigned)v;
        else if (!strcmp(argv[i], "--probe-fingers"))
            probe_fingers = (unsigned)v;
        else if (!strcmp(argv[i], "--seconds"))
            seconds = (double)v;
        else {
            fprintf(stderr, "usage: bench_api [--identities N] [--requests R] [--clients C] "
                            "[--seconds S] [--workers W] [--probe-fingers 2|4|10] "
                            "[--enroll-every K]\n");
            return 2;
        }
    }
    if (!n_ident || !requests || !clients || clients > 64 || !workers ||
        (probe_fingers != 2 && probe_fingers != 4 && probe_fingers != 10)) {
        fprintf(stderr, "bench_api: bad arguments\n");
        return 2;
    }
    char dir[] = "/tmp/tern-bench-api-XXXXXX", url[128];
    if (!mkdtemp(dir))
        die("mkdtemp", NULL);
    snprintf(url, sizeof url, "sqlite:%s/tern.db", dir);
    tern_api_config cfg = {.store_url = url, .workers = workers, .max_connections = 128};
    tern_random(cfg.data_key.bytes, sizeof cfg.data_key.bytes);
    tern_sign_key_generate(&cfg.node_key);

    /* set-up */
    double t0 = wall();
    tern_store *s;
    tern_core *c;
    tern_error err;
    char token[TERN_APIKEY_TOKEN_MAX];
    if (tern_store_open(url, &cfg.data_key, &s, &err))
        die(url, &err);
    populate(s, n_ident);
    if (tern_core_create(s, &cfg.node_key, &c, &err) ||
        tern_api_bootstrap(c, s, "BENCH", "officer1", TERN_ROLE_OFFICER, 1, token, &err))
        die("bootstrap", &err);
    tern_core_free(c);
    tern_store_close(s);
    unsigned n_bodies = requests < 256 ? requests : 256;
    char **bodies = calloc(n_bodies, sizeof *bodies);
    for (unsigned k = 0; k < n_bodies; k++)
        bodies[k] = encounter_body(k, n_ident, probe_fingers);
    unsigned n_enrolls = enroll_every ? requests / enroll_every + 1 : 0;
    char **enrolls = calloc(n_enrolls + 1, sizeof *enrolls);
    for (unsigned e = 0; e < n_enrolls; e++)
        enrolls[e] = enroll_body(e, n_ident);
    printf("set-up: %u identities x 10 fingers stored, %u probe bodies (%u fingers): %.1f s\n",
           n_ident, n_bodies, probe_fingers, wall() - t0);

    t0 = wall();
    unsigned port;
    pid_t pid = server_fork(&cfg, &port);
    printf("server: pid %d, port %u, started (gallery loaded) in %.1f s; VmRSS %ld KiB\n",
           (int)pid, port, wall() - t0, rss_kib(pid, "VmRSS:"));

    /* 1. baseline: one client, in sequence */
    unsigned n_base = clients * 2 < requests ? clients * 2 : requests;
    load B = {.port = port, .token = token, .bodies = bodies, .n_bodies = n_bodies,
              .max_requests = n_base, .deadline = wall() + seconds, .server = pid};
    B.res = calloc(n_base, sizeof *B.res);
    t0 = wall();
    double c0 = cpu_of(pid);
    client(&B);
    summary sb = summarise(B.res, atomic_load(&B.next) < n_base ? atomic_load(&B.next) : n_base,
                           wall() - t0);
    print_summary("baseline (sequential)", &sb, 1);
    printf("  server CPU: %.2f s per encounter\n", sb.sent ? (cpu_of(pid) - c0) / sb.sent : 0.0);
    long rss_warm = rss_kib(pid, "VmRSS:");

    /* 2. load */
    load L = {.port = port, .token = token, .bodies = bodies, .n_bodies = n_bodies,
              .enrolls = enrolls, .n_enrolls = n_enrolls, .enroll_every = enroll_every,
              .max_requests = requests, .deadline = wall() + seconds, .server = pid};
    L.res = calloc(requests, sizeof *L.res);
    pthread_t th[64], smp;
    pthread_create(&smp, NULL, sampler, &L);
    t0 = wall();
    c0 = cpu_of(pid);
    for (unsigned i = 0; i < clients; i++)
        pthread_create(&th[i], NULL, client, &L);
    for (unsigned i = 0; i < clients; i++)
        pthread_join(th[i], NULL);
    double secs = wall() - t0;
    atomic_store(&L.done, true);
    pthread_join(smp, NULL);
    unsigned sent = atomic_load(&L.next) < requests ? atomic_load(&L.next) : requests;
    summary sl = summarise(L.res, sent, secs);
    char la[128];
    print_summary("load", &sl, clients);
    printf("  server CPU: %.2f s per encounter; machine load average %s",
           sl.sent ? (cpu_of(pid) - c0) / sl.sent : 0.0, loadavg(la, sizeof la));
    long rss_after = rss_kib(pid, "VmRSS:");
    printf("  ratio load / baseline throughput: %.2f\n",
           sb.ok && sl.seconds ? (sl.ok / sl.seconds) / (sb.ok / sb.seconds) : 0.0);
    printf("server memory (KiB): VmRSS after warm-up %ld, during load %ld..%ld, after %ld "
           "(%+.1f %%); VmHWM %ld\n",
           rss_warm, L.rss_min, L.rss_max, rss_after,
           rss_warm ? 100.0 * (double)(rss_after - rss_warm) / (double)rss_warm : 0.0,
           rss_kib(pid, "VmHWM:"));
    if (L.n_trace)
        printf("  VmRSS at 0/25/50/75/100 %% of the load: %ld %ld %ld %ld %ld KiB\n",
               L.rss_trace[0], L.rss_trace[L.n_trace / 4], L.rss_trace[L.n_trace / 2],
               L.rss_trace[3 * L.n_trace / 4], L.rss_trace[L.n_trace - 1]);

    /* 3. stop gracefully, then count what was kept */
    kill(pid, SIGTERM);
    int st = 0;
    waitpid(pid, &st, 0);
    printf("server stopped: %s\n",
           WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "exit 0" : "abnormally");
    result *all = calloc(n_base + sent, sizeof *all);
    memcpy(all, B.res, n_base * sizeof *all);
    memcpy(all + n_base, L.res, sent * sizeof *all);
    check_store(&cfg, all, n_base + sent);

    free(all);
    free(B.res);
    free(L.res);
    for (unsigned k = 0; k < n_bodies; k++)
        free(bodies[k]);
    free(bodies);
    for (unsigned e = 0; e < n_enrolls; e++)
        free(enrolls[e]);
    free(enrolls);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_api: could not remove %s\n", dir);
    return 0;
}
