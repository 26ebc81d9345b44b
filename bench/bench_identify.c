/* bench_identify.c - enrollment rate and identification latency
 * (docs/identification.md), with baselines measured in the same run.
 *
 * 1. Store-backed, on SQLite (and PostgreSQL if $TERN_BENCH_PG or
 *    $TERN_TEST_PG holds a conninfo): E synthetic ten-print identities
 *    (template-level synthesis, tern/synth.h; generation not timed) enrolled
 *    through tern_core_enroll (de-duplication search, one transaction,
 *    audit), against a baseline that stores the same rows directly (subject,
 *    identity record, ten encoded templates, one transaction each: no search,
 *    no audit, no preparation). Then tern_core_identify latency on that
 *    gallery (search plus the transaction: encounter, alerts, audit).
 * 2. In memory, at each gallery size N (default 10,000 and 100,000
 *    ten-print identities): identify latency of tern_gallery_search,
 *    exhaustive and with pre-selection, and the hit rate (mate ranked first)
 *    of both; the baseline is tern_match_compare on prepared templates,
 *    reported as "equivalent comparisons". Filler identities are memory
 *    copies of a pool of distinct prepared fingers (preparing 1,000,000
 *    fingers would take ~17 min); the probes' mates are unique.
 *
 * Usage: bench_identify [--sizes N1,N2] [--probes P] [--enroll E]
 *                       [--exhaustive-max N]   (skip exhaustive above N)
 * CPU time of this process (CLOCK_PROCESS_CPUTIME_ID) except where noted
 * as wall time (store commits wait for fsync). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "tern/core.h"
#include "tern/gallery.h"
#include "tern/match.h"
#include "tern/synth.h"
#include "tern/template_io.h"

#define SEED 0xbe4c1dull

/* ---- part 1: through the store ------------------------------------------ */

static void seed_store(tern_store *s)
{
    tern_error err;
    int64_t now = tern_store_now_ms();
    tern_agency ag = {.id = "BENCH", .name = "Bench", .country = "ZZZ", .created_ms = now};
    tern_user u = {.id = "officer1", .agency_id = "BENCH", .display_name = "O",
                   .roles = TERN_ROLE_OFFICER, .active = 1, .created_ms = now};
    tern_retention_rule r = {.id = "default", .days = 3650, .description = "bench"};
    if (tern_store_agency_insert(s, &ag, &err) || tern_store_user_insert(s, &u, &err) ||
        tern_store_retention_rule_insert(s, &r, &err))
        bench_die("seed", &err);
}

/* The baseline: the same rows, stored directly. */
static void store_raw(tern_store *s, tern_template *t[10], int64_t now)
{
    tern_error err;
    tern_subject sub = {.category = "default", .created_ms = now, .retain_until_ms = now + 1};
    tern_identity idr = {.agency_id = "BENCH", .family_name = "SYNTH-Bench", .created_ms = now};
    if (tern_store_begin(s, &err) || tern_store_subject_insert(s, &sub, &err))
        bench_die("raw insert", &err);
    memcpy(idr.subject_id, sub.id, TERN_ID_MAX);
    if (tern_store_identity_insert(s, &idr, &err))
        bench_die("raw identity", &err);
    for (unsigned k = 0; k < 10; k++) {
        uint8_t *data;
        size_t len;
        if (tern_template_encode(t[k], TERN_TEMPLATE_FORMAT_TERN, &data, &len, &err))
            bench_die("encode", &err);
        tern_template_row row = {.position = k + 1, .engine_version = "raw", .data = data,
                                 .data_len = len, .created_ms = now};
        memcpy(row.subject_id, sub.id, TERN_ID_MAX);
        if (tern_store_template_insert(s, &row, &err))
            bench_die("raw template", &err);
        free(data);
    }
    if (tern_store_commit(s, &err))
        bench_die("raw commit", &err);
}

static void store_part(const char *backend, const char *url, unsigned enroll_n, unsigned probes)
{
    tern_error err;
    tern_key key;
    tern_sign_key node;
    tern_random(key.bytes, sizeof key.bytes);
    tern_sign_key_generate(&node);
    tern_store *s;
    tern_core *c;
    tern_core_gallery *g;
    if (tern_store_open(url, &key, &s, &err))
        bench_die(url, &err);
    seed_store(s);
    if (tern_core_create(s, &node, &c, &err) || tern_core_gallery_load(c, &g, NULL, NULL, &err))
        bench_die("core", &err);
    tern_template *(*t)[10] = calloc(2 * (size_t)enroll_n, sizeof *t);
    for (unsigned i = 0; i < 2 * enroll_n; i++)
        bench_ten(SEED, i, 0, t[i]);
    const tern_actor who = {"officer1", "benchmark"};
    int64_t now = tern_store_now_ms();
    double w0 = bench_wall(), c0 = bench_cpu();
    for (unsigned i = 0; i < enroll_n; i++) {
        tern_core_finger f[10];
        for (int k = 0; k < 10; k++)
            f[k] = (tern_core_finger){.position = k + 1, .impression = 1, .tmpl = t[i][k]};
        tern_identity idr = {.family_name = "SYNTH-Bench"};
        tern_enroll_request req = {.identity = &idr, .category = "default", .n_fingers = 10,
                                   .fingers = f, .now_ms = now};
        tern_enroll_result res;
        if (tern_core_enroll(c, g, &who, &req, &res, &err))
            bench_die("enroll", &err);
    }
    double t_enroll = bench_wall() - w0, c_enroll = bench_cpu() - c0;
    w0 = bench_wall(), c0 = bench_cpu();
    for (unsigned i = enroll_n; i < 2 * enroll_n; i++)
        store_raw(s, t[i], now);
    double t_raw = bench_wall() - w0, c_raw = bench_cpu() - c0;
    printf("[%s] enrollment, %u identities x 10 fingers (gallery growing 0 -> %u):\n", backend,
           enroll_n, enroll_n);
    printf("  tern_core_enroll:      %8.1f identities/s (wall), %8.1f per cpu-second\n",
           enroll_n / t_enroll, enroll_n / c_enroll);
    printf("  baseline (raw rows):   %8.1f identities/s (wall), %8.1f per cpu-second\n",
           enroll_n / t_raw, enroll_n / c_raw);
    printf("  ratio core/baseline:   %8.3f (wall), %.3f (cpu)\n", t_raw / t_enroll,
           c_raw / c_enroll);
    double total = 0, total_cpu = 0;
    unsigned hits = 0;
    tern_identify_result *res = calloc(1, sizeof *res);
    for (unsigned p = 0; p < probes && p < enroll_n; p++) {
        tern_template *q[10];
        bench_ten(SEED, p, 1, q);
        tern_core_finger f[10];
        for (int k = 0; k < 10; k++)
            f[k] = (tern_core_finger){.position = k + 1, .impression = 1, .tmpl = q[k]};
        tern_identify_request req = {.location = "BENCH", .n_fingers = 10, .fingers = f,
                                     .now_ms = now};
        w0 = bench_wall(), c0 = bench_cpu();
        if (tern_core_identify(c, g, &who, &req, res, &err))
            bench_die("identify", &err);
        total += bench_wall() - w0;
        total_cpu += bench_cpu() - c0;
        hits += res->hit;
        bench_ten_free(q);
    }
    unsigned np = probes < enroll_n ? probes : enroll_n;
    printf("  tern_core_identify:    %8.1f ms per search (wall), %.1f ms cpu (%u-identity "
           "gallery, %u of %u probes hit)\n", 1e3 * total / np, 1e3 * total_cpu / np, enroll_n,
           hits, np);
    free(res);
    for (unsigned i = 0; i < 2 * enroll_n; i++)
        bench_ten_free(t[i]);
    free(t);
    tern_core_gallery_free(g);
    tern_core_free(c);
    tern_store_close(s);
}

/* ---- part 2: in memory, large galleries ---------------------------------- */

typedef struct stats {
    double seconds;
    unsigned hits, searched;
} stats;

static void run_search(tern_gallery *g, tern_gallery_probe *p, const char *mate,
                       const tern_gallery_search_opts *o, stats *st)
{
    tern_gallery_candidate c[10];
    size_t n;
    tern_error err;
    double t0 = bench_cpu();
    if (tern_gallery_search(g, p, o, c, &n, &err))
        bench_die("search", &err);
    st->seconds += bench_cpu() - t0;
    st->searched++;
    st->hits += n > 0 && strcmp(c[0].id, mate) == 0;
}

static double baseline_compare_rate(tern_gallery_finger **pool, size_t n_pool,
                                    tern_template *probe)
{
    /* tern_match_compare on fully prepared templates: the matcher's own
     * speed, without the gallery's table rebuild. */
    tern_match_context *ctx;
    tern_match_template *a, *b[64];
    tern_template *raw[10];
    bench_ten(SEED, 900000, 0, raw);
    if (tern_match_context_create(&ctx, NULL) || tern_match_template_create(probe, &a, NULL))
        bench_die("baseline", NULL);
    for (int i = 0; i < 64; i++)
        if (tern_match_template_create(raw[i % 10], &b[i], NULL))
            bench_die("baseline", NULL);
    double t0 = bench_cpu(), sink = 0;
    unsigned n = 0;
    while (bench_cpu() - t0 < 1.0)
        for (int i = 0; i < 64; i++, n++)
            sink += tern_match_compare(ctx, a, b[i]);
    double rate = n / (bench_cpu() - t0);
    for (int i = 0; i < 64; i++)
        tern_match_template_free(b[i]);
    tern_match_template_free(a);
    tern_match_context_free(ctx);
    bench_ten_free(raw);
    (void)pool, (void)n_pool;
    return sink >= 0 ? rate : 0;
}

static void memory_part(size_t n, unsigned probes, size_t exhaustive_max,
                        tern_gallery_finger **pool, size_t n_pool, double cmp_rate)
{
    tern_gallery *g;
    tern_error err;
    if (tern_gallery_create(&g, &err))
        bench_die("gallery", &err);
    char id[TERN_GALLERY_ID_MAX];
    for (unsigned i = 0; i < probes; i++) { /* the mates: unique fingers */
        tern_template *t[10];
        bench_ten(SEED, i, 0, t);
        snprintf(id, sizeof id, "mate%u", i);
        for (unsigned k = 0; k < 10; k++)
            if (tern_gallery_put_template(g, id, k + 1, t[k], &err))
                bench_die("put", &err);
        bench_ten_free(t);
    }
    for (size_t i = probes; i < n; i++) { /* fillers: copies from the pool */
        snprintf(id, sizeof id, "fill%zu", i);
        for (unsigned k = 0; k < 10; k++) {
            tern_gallery_finger *f;
            if (tern_gallery_finger_clone(pool[(i * 7 + k * 131) % n_pool], &f, &err) ||
                tern_gallery_put(g, id, k + 1, f, &err))
                bench_die("fill", &err);
        }
    }
    printf("[memory] gallery of %zu identities, %zu fingers, %.1f MB of finger data "
           "(%.0f bytes per finger)\n", tern_gallery_size(g), tern_gallery_fingers(g),
           tern_gallery_memory(g) / 1e6, (double)tern_gallery_memory(g) / tern_gallery_fingers(g));
    stats ex = {0}, pre = {0};
    tern_gallery_search_opts o_ex = {.max_candidates = 10};
    tern_gallery_search_opts o_pre = {.max_candidates = 10, .preselect_above = 1};
    for (unsigned i = 0; i < probes; i++) {
        tern_template *t[10];
        bench_ten(SEED, i, 1, t);
        tern_gallery_probe *p;
        if (tern_gallery_probe_create((const tern_template *const *)t, &p, &err))
            bench_die("probe", &err);
        snprintf(id, sizeof id, "mate%u", i);
        run_search(g, p, id, &o_pre, &pre);
        if (n <= exhaustive_max)
            run_search(g, p, id, &o_ex, &ex);
        tern_gallery_probe_free(p);
        bench_ten_free(t);
    }
    size_t shortlist = n / 100 > 100 ? n / 100 : 100;
    double equiv = 2.0 * n + 8.0 * shortlist; /* comparisons the pre-selection makes */
    printf("  pre-selection (index fingers, shortlist %zu): %8.3f s per search (cpu), "
           "%u of %u mates first; baseline: %.0f comparisons at %.0f/s = %.3f s, "
           "ratio %.2f\n", shortlist, pre.seconds / pre.searched, pre.hits, pre.searched,
           equiv, cmp_rate, equiv / cmp_rate, (pre.seconds / pre.searched) / (equiv / cmp_rate));
    if (ex.searched)
        printf("  exhaustive (all ten fingers):                 %8.3f s per search (cpu), "
               "%u of %u mates first; baseline %.3f s, ratio %.2f\n"
               "  hit rate lost by the pre-selection: %d of %u probes\n",
               ex.seconds / ex.searched, ex.hits, ex.searched, 10.0 * n / cmp_rate,
               (ex.seconds / ex.searched) / (10.0 * n / cmp_rate), (int)ex.hits - (int)pre.hits,
               ex.searched);
    else
        printf("  exhaustive: skipped above %zu identities (--exhaustive-max)\n", exhaustive_max);
    tern_gallery_free(g);
}

static char *pg_url(const char *conninfo, char *schema, size_t size)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench_identify: PostgreSQL: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    snprintf(schema, size, "bench_%ld", (long)getpid());
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    PQclear(PQexec(c, sql));
    PQfinish(c);
    static char url[1200];
    snprintf(url, sizeof url, "pg:%s options='-csearch_path=%s'", conninfo, schema);
    return url;
}

static void quiet(void *arg, const char *message)
{
    (void)arg, (void)message;
}

static void pg_drop(const char *conninfo, const char *schema)
{
    PGconn *c = PQconnectdb(conninfo);
    PQsetNoticeProcessor(c, quiet, NULL);
    char sql[128];
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    PQclear(PQexec(c, sql));
    PQfinish(c);
}

int main(int argc, char **argv)
{
    size_t sizes[8] = {10000, 100000}, n_sizes = 2, exhaustive_max = 10000;
    unsigned probes = 10, enroll_n = 200;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--sizes") == 0) {
            n_sizes = 0;
            for (char *save, *t = strtok_r(argv[i + 1], ",", &save); t && n_sizes < 8;
                 t = strtok_r(NULL, ",", &save))
                sizes[n_sizes++] = strtoul(t, NULL, 10);
        } else if (strcmp(argv[i], "--probes") == 0) {
            probes = (unsigned)strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--enroll") == 0) {
            enroll_n = (unsigned)strtoul(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "--exhaustive-max") == 0) {
            exhaustive_max = strtoul(argv[i + 1], NULL, 10);
        }
    }
    char dir[] = "/tmp/tern-bench-identify-XXXXXX", url[256];
    if (!mkdtemp(dir))
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows when redirected */
    snprintf(url, sizeof url, "sqlite:%s/tern.db", dir);
    store_part("sqlite", url, enroll_n, probes);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_identify: could not remove %s\n", dir);
    const char *pg = getenv("TERN_BENCH_PG");
    if (!pg || !*pg)
        pg = getenv("TERN_TEST_PG");
    char schema[64];
    const char *pgu = pg && *pg ? pg_url(pg, schema, sizeof schema) : NULL;
    if (pgu) {
        store_part("postgresql", pgu, enroll_n, probes);
        pg_drop(pg, schema);
    } else {
        printf("[postgresql] skipped: set TERN_BENCH_PG (or run under scripts/pg-test.sh)\n");
    }
    /* a pool of distinct prepared fingers for the fillers */
    size_t n_pool = 2000;
    tern_gallery_finger **pool = calloc(n_pool, sizeof *pool);
    for (size_t i = 0; i < n_pool / 10; i++) {
        tern_template *t[10];
        bench_ten(SEED, 100000 + i, 0, t);
        for (unsigned k = 0; k < 10; k++)
            if (tern_gallery_finger_prepare(t[k], &pool[i * 10 + k], NULL))
                bench_die("pool", NULL);
        bench_ten_free(t);
    }
    tern_template *probe[10];
    bench_ten(SEED, 0, 1, probe);
    double rate = baseline_compare_rate(pool, n_pool, probe[1]);
    bench_ten_free(probe);
    printf("baseline: tern_match_compare on prepared templates: %.0f comparisons/s (one core)\n",
           rate);
    for (size_t i = 0; i < n_sizes; i++)
        memory_part(sizes[i], probes, exhaustive_max, pool, n_pool, rate);
    for (size_t i = 0; i < n_pool; i++)
        tern_gallery_finger_free(pool[i]);
    free(pool);
    return 0;
}
