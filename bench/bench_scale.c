/* bench_scale.c - a node at 10,000 and 100,000 enrolled identities, on
 * SQLite and PostgreSQL (docs/identification.md, "Measured"; issue 6,
 * "Speed"): synthetic ten-print identities (template-level synthesis,
 * tern/synth.h; generation not timed) filled through the bulk import
 * (tern/import.h) in transactions of --batch identities, then, at each
 * size:
 *   - the import rate (identities/s, wall and CPU) against a baseline
 *     measured in the same run: the same rows (subject, identity record,
 *     ten sealed templates) stored through the store's row API in
 *     transactions of the same size, without checks, encounter, audit or
 *     gallery preparation, into a store of its own;
 *   - the store's size on disk (SQLite: database and WAL files;
 *     PostgreSQL: tables, indexes and TOAST of the schema);
 *   - the time to open the store and load the gallery (tern_store_open,
 *     tern_core_create, tern_core_gallery_load), and the RSS after it;
 *   - tern_core_identify latency, with pre-selection and exhaustive, for
 *     --probes probes (another capture of enrolled identities), the hits
 *     and whether a mate ranked first, against the baseline of
 *     tern_match_compare on prepared templates (the comparisons the search
 *     makes, at the rate measured in this run);
 *   - tern_core_enroll (de-duplication search of the whole gallery, one
 *     transaction, audit) of --enroll new identities: the marginal
 *     enrollment rate at that size;
 *   - tern_core_import_dedup of the --dedup oldest pending subjects (the
 *     first fill starts with --dedup second captures of identities 0..,
 *     which it must link to their originals).
 * Sizes grow in one store: 10,000 is filled, measured, then filled on to
 * 100,000.
 *
 * Usage: bench_scale [--sizes 10000,100000] [--backends sqlite,pg]
 *                    [--batch 1000] [--probes 3] [--enroll 3] [--dedup 3]
 *                    [--baseline 2000] [--exhaustive-max N (default: none)]
 *                    [--exhaustive-probes P] [--import-gallery 1|0]
 * (--import-gallery 0: the import stores rows only and the gallery is
 * prepared once, by the load that follows; 1 prepares each finger twice.)
 * PostgreSQL needs $TERN_BENCH_PG or $TERN_TEST_PG (scripts/pg-test.sh run).
 * CPU times are this process's (CLOCK_PROCESS_CPUTIME_ID): PostgreSQL's
 * server work is in wall time only. */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "tern/core.h"
#include "tern/gallery.h"
#include "tern/import.h"
#include "tern/match.h"
#include "tern/synth.h"
#include "tern/template_io.h"

#define SEED 0x5ca1eull
#define DUP_BASE 5000000u  /* identity indices of the fill's duplicates' tags */
#define NEW_BASE 8000000u  /* identities enrolled through tern_core_enroll */
#define RAW_BASE 9000000u  /* the baseline's identities */

/* VmRSS and VmHWM of this process, in MB. */
static void rss(double *now, double *peak)
{
    *now = *peak = 0;
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        long kb;
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            *now = kb / 1024.0;
        if (sscanf(line, "VmHWM: %ld", &kb) == 1)
            *peak = kb / 1024.0;
    }
    if (f)
        fclose(f);
}

/* ---- options and the store's place --------------------------------------- */

typedef struct opts {
    size_t sizes[8], n_sizes, batch, probes, enroll, dedup, baseline, exhaustive_max;
    size_t exhaustive_probes;  /* probes searched exhaustively (<= probes) */
    bool import_gallery;       /* the import prepares fingers into the gallery */
} opts;

typedef struct place {
    const char *backend;      /* "sqlite" or "postgresql" */
    char url[1200], raw_url[1200];
    char dir[64];             /* SQLite: the directory */
    const char *pg;           /* PostgreSQL: conninfo */
    char schema[64], raw_schema[64];
} place;

static void pg_exec(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        bench_die("PostgreSQL", NULL);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PQclear(PQexec(c, sql));
    PQfinish(c);
}

static void place_make(place *p, const char *backend, const char *pg)
{
    memset(p, 0, sizeof *p);
    p->backend = backend;
    if (strcmp(backend, "sqlite") == 0) {
        snprintf(p->dir, sizeof p->dir, "/tmp/tern-bench-scale-XXXXXX");
        if (!mkdtemp(p->dir))
            bench_die("mkdtemp", NULL);
        snprintf(p->url, sizeof p->url, "sqlite:%s/tern.db", p->dir);
        snprintf(p->raw_url, sizeof p->raw_url, "sqlite:%s/raw.db", p->dir);
        return;
    }
    p->pg = pg;
    char sql[256];
    snprintf(p->schema, sizeof p->schema, "bench_scale_%ld", (long)getpid());
    snprintf(p->raw_schema, sizeof p->raw_schema, "bench_scale_raw_%ld", (long)getpid());
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s; CREATE SCHEMA %s", p->schema, p->raw_schema);
    pg_exec(pg, sql);
    snprintf(p->url, sizeof p->url, "pg:%s options='-csearch_path=%s'", pg, p->schema);
    snprintf(p->raw_url, sizeof p->raw_url, "pg:%s options='-csearch_path=%s'", pg,
             p->raw_schema);
}

static void place_drop(place *p)
{
    if (p->pg) {
        char sql[256];
        snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE; DROP SCHEMA %s CASCADE", p->schema,
                 p->raw_schema);
        pg_exec(p->pg, sql);
    } else {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", p->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_scale: could not remove %s\n", p->dir);
    }
}

static double file_mb(const char *dir, const char *name)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? st.st_size / 1e6 : 0;
}

/* The store's bytes on disk, in MB. */
static double store_mb(const place *p)
{
    if (!p->pg)
        return file_mb(p->dir, "tern.db") + file_mb(p->dir, "tern.db-wal");
    PGconn *c = PQconnectdb(p->pg);
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN "
             "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '%s' AND c.relkind = "
             "'r'", p->schema);
    PGresult *r = PQexec(c, sql);
    double mb = PQresultStatus(r) == PGRES_TUPLES_OK ? atof(PQgetvalue(r, 0, 0)) / 1e6 : -1;
    PQclear(r);
    PQfinish(c);
    return mb;
}

static void seed_store(tern_store *s)
{
    tern_error err;
    int64_t now = tern_store_now_ms();
    tern_agency ag = {.id = "BENCH", .name = "Bench", .country = "ZZZ", .created_ms = now};
    tern_user u[] = {
        {.id = "admin1", .agency_id = "BENCH", .display_name = "A", .roles = TERN_ROLE_ADMIN,
         .active = 1, .created_ms = now},
        {.id = "analyst1", .agency_id = "BENCH", .display_name = "N",
         .roles = TERN_ROLE_ANALYST | TERN_ROLE_OFFICER, .active = 1, .created_ms = now},
    };
    tern_retention_rule r = {.id = "default", .days = 3650, .description = "bench"};
    if (tern_store_agency_insert(s, &ag, &err) || tern_store_user_insert(s, &u[0], &err) ||
        tern_store_user_insert(s, &u[1], &err) || tern_store_retention_rule_insert(s, &r, &err))
        bench_die("seed", &err);
}

/* ---- the node under test ------------------------------------------------- */

typedef struct node {
    place *p;
    tern_key key;
    tern_sign_key sign;
    tern_store *s;
    tern_core *c;
    tern_core_gallery *g;
    size_t filled;                 /* identities imported (0 .. filled-1) */
    char (*mates)[TERN_ID_MAX];    /* subject ids of identities 0 .. probes-1 */
    char (*dups)[TERN_ID_MAX];     /* subject ids of their second captures */
    double cmp_rate;
} node;

static const tern_actor admin1 = {"admin1", "migration"};
static const tern_actor analyst1 = {"analyst1", "benchmark"};

static void node_open(node *n, const opts *o, bool load)
{
    tern_error err;
    size_t loaded = 0;
    double r0, r1, peak, w0 = bench_wall(), c0 = bench_cpu();
    rss(&r0, &peak);
    if (tern_store_open(n->p->url, &n->key, &n->s, &err) ||
        tern_core_create(n->s, &n->sign, &n->c, &err) ||
        tern_core_gallery_load(n->c, &n->g, &loaded, NULL, &err))
        bench_die("open and load", &err);
    double w = bench_wall() - w0, c = bench_cpu() - c0;
    rss(&r1, &peak);
    if (load)
        printf("  open + gallery load: %zu fingers of %zu subjects in %.1f s wall, %.1f s cpu "
               "(%.0f fingers/s cpu); gallery %.1f MB (%.0f B/finger); RSS %.0f MB (was %.0f), "
               "peak %.0f MB\n",
               loaded, tern_core_gallery_subjects(n->g), w, c, loaded / (c > 0 ? c : 1),
               tern_core_gallery_bytes(n->g) / 1e6,
               loaded ? (double)tern_core_gallery_bytes(n->g) / (double)loaded : 0, r1, r0, peak);
    (void)o;
}

static void node_close(node *n)
{
    tern_core_gallery_free(n->g);
    tern_core_free(n->c);
    tern_store_close(n->s);
    n->g = NULL, n->c = NULL, n->s = NULL;
}

/* Requests for identities idx[0..m-1] (capture imp[i]); templates in t. */
static void requests(const uint64_t *idx, const unsigned *imp, size_t m, tern_template *(*t)[10],
                     tern_core_finger (*f)[10], tern_enroll_request *req, tern_identity *idr,
                     int64_t now)
{
    for (size_t i = 0; i < m; i++) {
        bench_ten(SEED, idx[i], imp[i], t[i]);
        for (int k = 0; k < 10; k++)
            f[i][k] = (tern_core_finger){.position = k + 1, .impression = 1, .tmpl = t[i][k]};
        idr[i] = (tern_identity){.family_name = "SYNTH-Scale"};
        req[i] = (tern_enroll_request){.identity = &idr[i], .category = "default",
                                       .location = "MIG", .n_fingers = 10, .fingers = f[i],
                                       .now_ms = now};
    }
}

typedef struct batch_mem {
    tern_template *(*t)[10];
    tern_core_finger (*f)[10];
    tern_enroll_request *req;
    tern_identity *idr;
    uint64_t *idx;
    unsigned *imp;
    char (*ids)[TERN_ID_MAX];
} batch_mem;

static void batch_alloc(batch_mem *b, size_t m)
{
    b->t = calloc(m, sizeof *b->t), b->f = calloc(m, sizeof *b->f);
    b->req = calloc(m, sizeof *b->req), b->idr = calloc(m, sizeof *b->idr);
    b->idx = calloc(m, sizeof *b->idx), b->imp = calloc(m, sizeof *b->imp);
    b->ids = calloc(m, sizeof *b->ids);
    if (!b->t || !b->f || !b->req || !b->idr || !b->idx || !b->imp || !b->ids)
        bench_die("out of memory", NULL);
}

static void batch_free(batch_mem *b)
{
    free(b->t), free(b->f), free(b->req), free(b->idr), free(b->idx), free(b->imp), free(b->ids);
}

/* Imports identities up to `size` (the first fill starts with the dedup
 * batch: second captures of identities 0 .. dedup-1, one hour older). */
static void fill(node *n, const opts *o, size_t size)
{
    tern_error err;
    batch_mem b;
    batch_alloc(&b, o->batch);
    double w_import = 0, c_import = 0;
    size_t done = 0;
    int64_t now = tern_store_now_ms();
    if (n->filled == 0 && o->dedup) {
        for (size_t i = 0; i < o->dedup; i++)
            b.idx[i] = i, b.imp[i] = 2;
        requests(b.idx, b.imp, o->dedup, b.t, b.f, b.req, b.idr, now - 3600000);
        if (tern_core_import(n->c, o->import_gallery ? n->g : NULL, &admin1, NULL, b.req,
                             o->dedup, n->dups, &err))
            bench_die("import (duplicates)", &err);
        for (size_t i = 0; i < o->dedup; i++)
            bench_ten_free(b.t[i]);
    }
    while (n->filled < size) {
        size_t m = size - n->filled < o->batch ? size - n->filled : o->batch;
        for (size_t i = 0; i < m; i++)
            b.idx[i] = n->filled + i, b.imp[i] = 0;
        requests(b.idx, b.imp, m, b.t, b.f, b.req, b.idr, now + (int64_t)n->filled);
        double w0 = bench_wall(), c0 = bench_cpu();
        if (tern_core_import(n->c, o->import_gallery ? n->g : NULL, &admin1, NULL, b.req, m,
                             b.ids, &err))
            bench_die("import", &err);
        w_import += bench_wall() - w0, c_import += bench_cpu() - c0;
        for (size_t i = 0; i < m; i++) {
            if (n->filled + i < o->probes)
                memcpy(n->mates[n->filled + i], b.ids[i], TERN_ID_MAX);
            bench_ten_free(b.t[i]);
        }
        n->filled += m, done += m;
        if ((n->filled / o->batch) % 10 == 0)
            fprintf(stderr, "  ... %zu imported\n", n->filled);
    }
    printf("  tern_core_import, %zu identities x 10 fingers in batches of %zu (%s): %.1f "
           "identities/s wall, %.1f per cpu-second (%.1f s wall, %.1f s cpu)\n",
           done, o->batch, o->import_gallery ? "fingers prepared into the gallery"
                                             : "rows only, gallery loaded after",
           done / w_import, done / c_import, w_import, c_import);
    batch_free(&b);
}

/* The baseline: the same rows stored directly, in a store of their own. */
static void baseline_rows(node *n, const opts *o, double *w_out, double *c_out)
{
    tern_error err;
    tern_store *s;
    if (tern_store_open(n->p->raw_url, &n->key, &s, &err))
        bench_die(n->p->raw_url, &err);
    seed_store(s);
    int64_t now = tern_store_now_ms();
    double w = 0, c = 0;
    for (size_t done = 0; done < o->baseline;) {
        size_t m = o->baseline - done < o->batch ? o->baseline - done : o->batch;
        tern_template *(*t)[10] = calloc(m, sizeof *t);
        for (size_t i = 0; i < m; i++)
            bench_ten(SEED, RAW_BASE + done + i, 0, t[i]);
        double w0 = bench_wall(), c0 = bench_cpu();
        if (tern_store_begin(s, &err))
            bench_die("raw begin", &err);
        for (size_t i = 0; i < m; i++) {
            tern_subject sub = {.category = "default", .created_ms = now,
                                .retain_until_ms = now + 1};
            tern_identity idr = {.agency_id = "BENCH", .family_name = "SYNTH-Scale",
                                 .created_ms = now};
            if (tern_store_subject_insert(s, &sub, &err))
                bench_die("raw subject", &err);
            memcpy(idr.subject_id, sub.id, TERN_ID_MAX);
            if (tern_store_identity_insert(s, &idr, &err))
                bench_die("raw identity", &err);
            for (unsigned k = 0; k < 10; k++) {
                uint8_t *data;
                size_t len;
                if (tern_template_encode(t[i][k], TERN_TEMPLATE_FORMAT_TERN, &data, &len, &err))
                    bench_die("encode", &err);
                tern_template_row row = {.position = k + 1, .engine_version = "raw",
                                         .data = data, .data_len = len, .created_ms = now};
                memcpy(row.subject_id, sub.id, TERN_ID_MAX);
                if (tern_store_template_insert(s, &row, &err))
                    bench_die("raw template", &err);
                free(data);
            }
        }
        if (tern_store_commit(s, &err))
            bench_die("raw commit", &err);
        w += bench_wall() - w0, c += bench_cpu() - c0;
        for (size_t i = 0; i < m; i++)
            bench_ten_free(t[i]);
        free(t);
        done += m;
    }
    tern_store_close(s);
    *w_out = w, *c_out = c;
}

/* tern_match_compare on prepared templates: comparisons per cpu-second. */
static double compare_rate(void)
{
    tern_match_context *ctx;
    tern_match_template *a, *b[64];
    tern_template *p[10], *raw[10];
    bench_ten(SEED, 0, 1, p);
    bench_ten(SEED, RAW_BASE - 1, 0, raw);
    if (tern_match_context_create(&ctx, NULL) || tern_match_template_create(p[1], &a, NULL))
        bench_die("baseline", NULL);
    for (int i = 0; i < 64; i++) {
        tern_template *q[10];
        bench_ten(SEED, RAW_BASE - 2 - (uint64_t)i / 10, 0, q);
        if (tern_match_template_create(q[i % 10], &b[i], NULL))
            bench_die("baseline", NULL);
        bench_ten_free(q);
    }
    double t0 = bench_cpu(), sink = 0;
    unsigned n = 0;
    while (bench_cpu() - t0 < 2.0)
        for (int i = 0; i < 64; i++, n++)
            sink += tern_match_compare(ctx, a, b[i]);
    double rate = n / (bench_cpu() - t0);
    for (int i = 0; i < 64; i++)
        tern_match_template_free(b[i]);
    tern_match_template_free(a);
    tern_match_context_free(ctx);
    bench_ten_free(p);
    bench_ten_free(raw);
    return sink >= 0 ? rate : 0;
}

static void identify(node *n, const opts *o, bool exhaustive)
{
    tern_error err;
    size_t size = tern_core_gallery_subjects(n->g);
    if (exhaustive && size > o->exhaustive_max) {
        printf("  tern_core_identify, exhaustive: skipped above %zu (--exhaustive-max)\n",
               o->exhaustive_max);
        return;
    }
    tern_identify_result *res = calloc(1, sizeof *res);
    double w = 0, c = 0;
    size_t hits = 0, first = 0, probes = o->probes < n->filled ? o->probes : n->filled;
    if (exhaustive && probes > o->exhaustive_probes)
        probes = o->exhaustive_probes;
    if (!probes)
        return;
    for (size_t p = 0; p < probes; p++) {
        tern_template *q[10];
        bench_ten(SEED, p, 1, q);
        tern_core_finger f[10];
        for (int k = 0; k < 10; k++)
            f[k] = (tern_core_finger){.position = k + 1, .impression = 1, .tmpl = q[k]};
        tern_identify_request req = {.location = "SCL", .n_fingers = 10, .fingers = f,
                                     .now_ms = tern_store_now_ms()};
        req.match.preselect_above = exhaustive ? SIZE_MAX : 1;
        double w0 = bench_wall(), c0 = bench_cpu();
        if (tern_core_identify(n->c, n->g, &analyst1, &req, res, &err))
            bench_die("identify", &err);
        w += bench_wall() - w0, c += bench_cpu() - c0;
        hits += res->hit;
        const char *top = res->n_candidates ? res->candidates[0].subject_id : "";
        first += strcmp(top, n->mates[p]) == 0 || (p < o->dedup && strcmp(top, n->dups[p]) == 0);
        bench_ten_free(q);
    }
    size_t shortlist = size / 100 > 100 ? size / 100 : 100;
    double cmps = exhaustive ? 10.0 * size : 2.0 * size + 8.0 * shortlist;
    double base = cmps / n->cmp_rate;
    printf("  tern_core_identify, %s, %zu subjects: %.3f s wall, %.3f s cpu per search; "
           "%zu of %zu hit, %zu mates first; baseline %.0f comparisons = %.3f s, ratio %.2f\n",
           exhaustive ? "exhaustive" : "pre-selection", size, w / probes, c / probes, hits,
           probes, first, cmps, base, (c / probes) / base);
    free(res);
}

static void enroll(node *n, const opts *o)
{
    tern_error err;
    size_t size = tern_core_gallery_subjects(n->g);
    double w = 0, c = 0;
    size_t links = 0;
    for (size_t i = 0; i < o->enroll; i++) {
        uint64_t idx = NEW_BASE + size + i;
        unsigned imp = 0;
        batch_mem b;
        batch_alloc(&b, 1);
        requests(&idx, &imp, 1, b.t, b.f, b.req, b.idr, tern_store_now_ms());
        tern_enroll_result res;
        double w0 = bench_wall(), c0 = bench_cpu();
        if (tern_core_enroll(n->c, n->g, &admin1, &b.req[0], &res, &err))
            bench_die("enroll", &err);
        w += bench_wall() - w0, c += bench_cpu() - c0;
        links += res.n_links;
        bench_ten_free(b.t[0]);
        batch_free(&b);
    }
    if (o->enroll)
        printf("  tern_core_enroll into %zu subjects (de-duplication search %s): %.3f "
               "identities/s wall, %.3f per cpu-second (%.2f s cpu each); %zu links\n",
               size, size > 20000 ? "pre-selected" : "exhaustive", o->enroll / w, o->enroll / c,
               c / o->enroll, links);
}

static void dedup(node *n, const opts *o)
{
    tern_error err;
    if (!o->dedup)
        return;
    tern_import_dedup_result r;
    double w0 = bench_wall(), c0 = bench_cpu();
    if (tern_core_import_dedup(n->c, n->g, &admin1, NULL, o->dedup, tern_store_now_ms(), NULL,
                               NULL, &r, &err))
        bench_die("dedup", &err);
    double w = bench_wall() - w0, c = bench_cpu() - c0;
    int64_t left = 0;
    double l0 = bench_wall();
    if (tern_core_import_dedup_pending(n->c, &left, &err))
        bench_die("pending", &err);
    printf("  tern_core_import_dedup, %zu subjects: %.2f s wall, %.2f s cpu each; %zu yellow "
           "links; %lld still pending (counted in %.2f s)\n",
           r.searched, w / r.searched, c / r.searched, r.linked, (long long)left, bench_wall() - l0);
}

static void run_backend(const char *backend, const char *pg, const opts *o)
{
    place p;
    place_make(&p, backend, pg);
    node n = {.p = &p};
    tern_random(n.key.bytes, sizeof n.key.bytes);
    tern_sign_key_generate(&n.sign);
    n.mates = calloc(o->probes + 1, sizeof *n.mates);
    n.dups = calloc(o->dedup + 1, sizeof *n.dups);
    n.cmp_rate = compare_rate();
    printf("[%s] baseline: tern_match_compare on prepared templates: %.0f comparisons per "
           "cpu-second\n", backend, n.cmp_rate);
    double bw, bc;
    baseline_rows(&n, o, &bw, &bc);
    printf("[%s] baseline: %zu identities as raw rows (subject, identity, 10 sealed templates) "
           "in transactions of %zu: %.1f identities/s wall, %.1f per cpu-second\n",
           backend, o->baseline, o->batch, o->baseline / bw, o->baseline / bc);
    tern_error err;
    if (tern_store_open(p.url, &n.key, &n.s, &err))
        bench_die(p.url, &err);
    seed_store(n.s);
    tern_store_close(n.s);
    node_open(&n, o, false);
    for (size_t i = 0; i < o->n_sizes; i++) {
        printf("[%s] %zu identities:\n", backend, o->sizes[i]);
        fill(&n, o, o->sizes[i]);
        node_close(&n);
        printf("  store on disk: %.1f MB (%.1f KB per identity)\n", store_mb(&p),
               store_mb(&p) * 1e3 / (double)(n.filled + o->dedup));
        node_open(&n, o, true);
        identify(&n, o, false);
        identify(&n, o, true);
        enroll(&n, o);
        dedup(&n, o);
    }
    node_close(&n);
    free(n.mates);
    free(n.dups);
    place_drop(&p);
}

static size_t arg_size(const char *s) { return (size_t)strtoull(s, NULL, 10); }

int main(int argc, char **argv)
{
    opts o = {.sizes = {10000, 100000}, .n_sizes = 2, .batch = 1000, .probes = 3, .enroll = 3,
              .dedup = 3, .baseline = 2000, .exhaustive_max = SIZE_MAX,
              .exhaustive_probes = SIZE_MAX, .import_gallery = true};
    const char *backends = "sqlite,pg";
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--sizes") == 0) {
            o.n_sizes = 0;
            char *save, *copy = strdup(v);
            for (char *t = strtok_r(copy, ",", &save); t && o.n_sizes < 8;
                 t = strtok_r(NULL, ",", &save))
                o.sizes[o.n_sizes++] = arg_size(t);
            free(copy);
        } else if (strcmp(a, "--backends") == 0) {
            backends = v;
        } else if (strcmp(a, "--batch") == 0) {
            o.batch = arg_size(v);
        } else if (strcmp(a, "--probes") == 0) {
            o.probes = arg_size(v);
        } else if (strcmp(a, "--enroll") == 0) {
            o.enroll = arg_size(v);
        } else if (strcmp(a, "--dedup") == 0) {
            o.dedup = arg_size(v);
        } else if (strcmp(a, "--baseline") == 0) {
            o.baseline = arg_size(v);
        } else if (strcmp(a, "--exhaustive-probes") == 0) {
            o.exhaustive_probes = arg_size(v);
        } else if (strcmp(a, "--import-gallery") == 0) {
            o.import_gallery = arg_size(v) != 0;
        } else if (strcmp(a, "--exhaustive-max") == 0) {
            o.exhaustive_max = arg_size(v);
        } else {
            fprintf(stderr, "bench_scale: unknown option %s\n", a);
            return 2;
        }
    }
    if (o.batch < 1 || o.batch > TERN_IMPORT_BATCH_MAX || o.dedup > o.batch ||
        o.probes > o.sizes[0]) {
        fprintf(stderr, "bench_scale: --batch 1..%u, --dedup <= --batch, --probes <= the "
                "first size\n", TERN_IMPORT_BATCH_MAX);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strstr(backends, "sqlite"))
        run_backend("sqlite", NULL, &o);
    if (strstr(backends, "pg")) {
        const char *pg = getenv("TERN_BENCH_PG");
        if (!pg || !*pg)
            pg = getenv("TERN_TEST_PG");
        if (pg && *pg)
            run_backend("postgresql", pg, &o);
        else
            printf("[postgresql] skipped: set TERN_BENCH_PG (or run under scripts/pg-test.sh)\n");
    }
    return 0;
}
