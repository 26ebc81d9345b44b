/* bench_store.c - insert rate of the records store on SQLite and PostgreSQL.
 *
 * One transaction = one enrollment from templates: a subject and ten sealed
 * templates of TEMPLATE_BYTES bytes, committed durably. Baseline, in the same
 * run and on the same schema: the same rows inserted by hand through the raw
 * driver (sqlite3 prepared statements / libpq PQexecParams) without
 * encryption, validation or reference checks. Batches of the two alternate
 * (ROUNDS each) so that load from other processes hits both alike. Reported: transactions per
 * second for both and the ratio store / baseline, plus the sealing rate alone.
 * PostgreSQL runs when TERN_TEST_PG names a server (scripts/pg-test.sh run
 * build/bench/bench_store).
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tern/store.h"

#define TEMPLATE_BYTES 800
#define FINGERS 10
#define ROUNDS 6          /* store and baseline batches alternate, so that */
#define BATCH_SQLITE 50   /* both see the same load on a shared machine   */
#define BATCH_PG 25

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const tern_error *err)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static uint8_t blob[TEMPLATE_BYTES];

/* Returns the seconds n transactions took. */
static double store_run(tern_store *s, int n)
{
    tern_error err;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        if (tern_store_begin(s, &err) != TERN_OK)
            die("begin", &err);
        tern_subject sub = {.category = "bench", .created_ms = 1, .retain_until_ms = 2};
        if (tern_store_subject_insert(s, &sub, &err) != TERN_OK)
            die("subject", &err);
        for (int f = 1; f <= FINGERS; f++) {
            tern_template_row t = {.position = f, .engine_version = "bench-1", .data = blob,
                                   .data_len = sizeof blob, .created_ms = 1};
            memcpy(t.subject_id, sub.id, TERN_ID_MAX);
            if (tern_store_template_insert(s, &t, &err) != TERN_OK)
                die("template", &err);
        }
        if (tern_store_commit(s, &err) != TERN_OK)
            die("commit", &err);
    }
    return now_s() - t0;
}

static void sq_ok(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "bench_store: sqlite %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

typedef struct sq_base {
    sqlite3 *db;
    sqlite3_stmt *sub, *tpl;
} sq_base;

static void sqlite_baseline_open(sq_base *b, const char *path)
{
    sqlite3 *db;
    sq_ok(NULL, sqlite3_open(path, &db), "open");
    sq_ok(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                               " PRAGMA foreign_keys=ON", NULL, NULL, NULL), "pragma");
    sqlite3_stmt *sub, *tpl;
    sq_ok(db, sqlite3_prepare_v2(db, "INSERT INTO subjects (id, category, created_ms,"
                                     " retain_until_ms) VALUES (?, 'bench', 1, 2)", -1, &sub, NULL),
          "prepare");
    sq_ok(db, sqlite3_prepare_v2(db, "INSERT INTO templates (id, subject_id, sample_id, position,"
                                     " engine_version, data, created_ms)"
                                     " VALUES (?, ?, NULL, ?, 'bench-0', ?, 1)", -1, &tpl, NULL),
          "prepare");
    b->db = db;
    b->sub = sub;
    b->tpl = tpl;
}

static double sqlite_baseline(sq_base *b, int start, int n)
{
    sqlite3 *db = b->db;
    sqlite3_stmt *sub = b->sub, *tpl = b->tpl;
    double t0 = now_s();
    for (int i = start; i < start + n; i++) {
        char sid[40], tid[48];
        snprintf(sid, sizeof sid, "base_%d", i);
        sq_ok(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
        sqlite3_bind_text(sub, 1, sid, -1, SQLITE_TRANSIENT);
        sq_ok(db, sqlite3_step(sub), "subject");
        sqlite3_reset(sub);
        for (int f = 1; f <= FINGERS; f++) {
            snprintf(tid, sizeof tid, "%s_%d", sid, f);
            sqlite3_bind_text(tpl, 1, tid, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(tpl, 2, sid, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(tpl, 3, f);
            sqlite3_bind_blob(tpl, 4, blob, sizeof blob, SQLITE_STATIC);
            sq_ok(db, sqlite3_step(tpl), "template");
            sqlite3_reset(tpl);
        }
        sq_ok(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
    }
    return now_s() - t0;
}

static void sqlite_baseline_close(sq_base *b)
{
    sqlite3_finalize(b->sub);
    sqlite3_finalize(b->tpl);
    sqlite3_close(b->db);
}

static void pg_ok(PGconn *c, PGresult *r, const char *what)
{
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fprintf(stderr, "bench_store: postgresql %s: %s\n", what, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
}

static PGconn *pg_connect(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench_store: %s\n", PQerrorMessage(c));
        exit(1);
    }
    return c;
}

static double pg_baseline(PGconn *c, int start, int n)
{
    double t0 = now_s();
    for (int i = start; i < start + n; i++) {
        char sid[40], tid[48], pos[8];
        snprintf(sid, sizeof sid, "base_%d", i);
        pg_ok(c, PQexec(c, "BEGIN"), "begin");
        const char *p1[] = {sid};
        pg_ok(c, PQexecParams(c, "INSERT INTO subjects (id, category, created_ms, retain_until_ms)"
                                 " VALUES ($1, 'bench', 1, 2)", 1, NULL, p1, NULL, NULL, 0),
              "subject");
        for (int f = 1; f <= FINGERS; f++) {
            snprintf(tid, sizeof tid, "%s_%d", sid, f);
            snprintf(pos, sizeof pos, "%d", f);
            const char *v[] = {tid, sid, pos, (const char *)blob};
            int len[] = {0, 0, 0, TEMPLATE_BYTES}, fmt[] = {0, 0, 0, 1};
            pg_ok(c, PQexecParams(c, "INSERT INTO templates (id, subject_id, sample_id, position,"
                                     " engine_version, data, created_ms)"
                                     " VALUES ($1, $2, NULL, $3, 'bench-0', $4, 1)",
                                  4, NULL, v, len, fmt, 0),
                  "template");
        }
        pg_ok(c, PQexec(c, "COMMIT"), "commit");
    }
    return now_s() - t0;
}

static void report(const char *backend, int n, double store, double base)
{
    printf("%-10s %4d tx x (1 subject + %d sealed templates of %d B):"
           " store %8.1f tx/s (%8.1f templates/s); raw driver, no encryption %8.1f tx/s;"
           " store/baseline %.2f\n",
           backend, n, FINGERS, TEMPLATE_BYTES, store, store * FINGERS, base, store / base);
}

static void seal_rate(const tern_key *key)
{
    tern_error err;
    int n = 20000;
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        uint8_t *out;
        size_t len;
        if (tern_seal(key, "templates\0x\0data", 16, blob, sizeof blob, &out, &len, &err))
            die("seal", &err);
        free(out);
    }
    double dt = now_s() - t0;
    printf("seal alone: %.0f templates/s (%.1f MB/s) of %d B\n", n / dt,
           n * (double)TEMPLATE_BYTES / dt / 1e6, TEMPLATE_BYTES);
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

int main(void)
{
    tern_key key;
    tern_error err;
    tern_random(key.bytes, sizeof key.bytes);
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 31 + 7);
    seal_rate(&key);

    char dir[] = "/tmp/tern-bench-store-XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp", NULL);
    char path[128], url[160];
    snprintf(path, sizeof path, "%s/tern.db", dir);
    snprintf(url, sizeof url, "sqlite:%s", path);
    tern_store *s;
    if (tern_store_open(url, &key, &s, &err) != TERN_OK)
        die("open sqlite", &err);
    double t_store = 0, t_base = 0;
    sq_base sb;
    sqlite_baseline_open(&sb, path);
    for (int r = 0; r < ROUNDS; r++) {
        t_store += store_run(s, BATCH_SQLITE);
        t_base += sqlite_baseline(&sb, r * BATCH_SQLITE, BATCH_SQLITE);
    }
    sqlite_baseline_close(&sb);
    tern_store_close(s);
    int n = ROUNDS * BATCH_SQLITE;
    report("sqlite", n, n / t_store, n / t_base);
    const char *sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        unlink(p);
    }
    rmdir(dir);

    const char *pg = getenv("TERN_TEST_PG");
    if (!pg || !*pg) {
        printf("postgresql: skipped (TERN_TEST_PG unset; run under scripts/pg-test.sh run)\n");
        return 0;
    }
    char schema[48], conninfo[1024], sql[128];
    snprintf(schema, sizeof schema, "bench_%ld", (long)getpid());
    snprintf(conninfo, sizeof conninfo, "%s options='-csearch_path=%s'", pg, schema);
    PGconn *c = pg_connect(pg);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    pg_ok(c, PQexec(c, sql), "create schema");
    char pgurl[1100];
    snprintf(pgurl, sizeof pgurl, "pg:%s", conninfo);
    if (tern_store_open(pgurl, &key, &s, &err) != TERN_OK)
        die("open postgresql", &err);
    t_store = t_base = 0;
    PGconn *bc = pg_connect(conninfo);
    for (int r = 0; r < ROUNDS; r++) {
        t_store += store_run(s, BATCH_PG);
        t_base += pg_baseline(bc, r * BATCH_PG, BATCH_PG);
    }
    PQfinish(bc);
    tern_store_close(s);
    n = ROUNDS * BATCH_PG;
    report("postgresql", n, n / t_store, n / t_base);
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    PQsetNoticeProcessor(c, quiet, NULL);
    pg_ok(c, PQexec(c, sql), "drop schema");
    PQfinish(c);
    return 0;
}
