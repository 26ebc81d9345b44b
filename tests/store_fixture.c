/* store_fixture.c - temporary SQLite files and PostgreSQL schemas for the
 * store tests (see store_fixture.h). */
#include "store_fixture.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fx_setup(fx *f, fx_backend b)
{
    memset(f, 0, sizeof *f);
    f->backend = b;
    tern_random(f->key.bytes, sizeof f->key.bytes);
    tern_sign_key_generate(&f->node);
    if (b == FX_SQLITE) {
        snprintf(f->dir, sizeof f->dir, "/tmp/tern-store-test-XXXXXX");
        cr_assert_not_null(mkdtemp(f->dir), "mkdtemp");
        snprintf(f->url, sizeof f->url, "sqlite:%s/tern.db", f->dir);
        return;
    }
    const char *pg = getenv("TERN_TEST_PG");
    if (!pg || !*pg) {
        const char *ci = getenv("CI");
        if (ci && *ci)
            cr_assert_fail("TERN_TEST_PG is unset under CI: the PostgreSQL tests must run "
                           "(make check starts the server with scripts/pg-test.sh)");
        cr_skip_test("TERN_TEST_PG unset: PostgreSQL variant skipped (run under "
                     "scripts/pg-test.sh run ...)");
    }
    snprintf(f->pg, sizeof f->pg, "%s", pg);
    uint8_t r[6];
    tern_random(r, sizeof r);
    char hex[13];
    tern_hex(r, sizeof r, hex);
    snprintf(f->schema, sizeof f->schema, "t_%ld_%s", (long)getpid(), hex);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
    fx_raw(f, sql);
    snprintf(f->url, sizeof f->url, "pg:%s options='-csearch_path=%s'", f->pg, f->schema);
}

tern_store *fx_open(const fx *f)
{
    tern_store *s = NULL;
    tern_error err;
    tern_status rc = tern_store_open(f->url, &f->key, &s, &err);
    cr_assert_eq(rc, TERN_OK, "open %s: %s", f->url, err.message);
    return s;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

void fx_raw(const fx *f, const char *sql)
{
    if (f->backend == FX_SQLITE) {
        char path[300];
        snprintf(path, sizeof path, "%s/tern.db", f->dir);
        sqlite3 *db = NULL;
        cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
        char *msg = NULL;
        int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
        cr_assert_eq(rc, SQLITE_OK, "raw sqlite: %s: %s", sql, msg ? msg : "");
        sqlite3_close(db);
        return;
    }
    char conninfo[1024];
    if (f->schema[0] && strncmp(sql, "CREATE SCHEMA", 13) != 0)
        snprintf(conninfo, sizeof conninfo, "%s options='-csearch_path=%s'", f->pg, f->schema);
    else
        snprintf(conninfo, sizeof conninfo, "%s", f->pg);
    PGconn *c = PQconnectdb(conninfo);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "raw pg connect: %s", PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    PGresult *res = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(res);
    cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "raw pg: %s: %s", sql,
              PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(c);
}

void fx_teardown(fx *f)
{
    if (f->backend == FX_SQLITE && f->dir[0]) {
        const char *suffix[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < 4; i++) {
            char path[300];
            snprintf(path, sizeof path, "%s/tern.db%s", f->dir, suffix[i]);
            unlink(path);
        }
        rmdir(f->dir);
    } else if (f->backend == FX_PG && f->schema[0]) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", f->schema);
        f->schema[0] = 0; /* connect without the dropped schema in the path */
        fx_raw(f, sql);
    }
    tern_key_wipe(&f->key, sizeof f->key);
}

tern_store *fx_begin(fx *f, fx_backend b, bool seed)
{
    fx_setup(f, b);
    tern_store *s = fx_open(f);
    if (seed)
        fx_seed(s);
    return s;
}

void fx_end(fx *f, tern_store *s)
{
    tern_store_close(s);
    fx_teardown(f);
}

void fx_seed(tern_store *s)
{
    tern_error err;
    int64_t now = tern_store_now_ms();
    tern_agency a1 = {.id = "CL-PDI", .name = "Policia de Investigaciones", .country = "CHL",
                      .created_ms = now};
    tern_agency a2 = {.id = "AR-PFA", .name = "Policia Federal Argentina", .country = "ARG",
                      .created_ms = now};
    OK(tern_store_agency_insert(s, &a1, &err));
    OK(tern_store_agency_insert(s, &a2, &err));
    tern_user u[] = {
        {.id = "officer1", .agency_id = "CL-PDI", .display_name = "Officer One",
         .roles = TERN_ROLE_OFFICER, .active = 1, .created_ms = now},
        {.id = "examiner1", .agency_id = "CL-PDI", .display_name = "Examiner One",
         .roles = TERN_ROLE_EXAMINER, .active = 1, .created_ms = now},
        {.id = "analyst2", .agency_id = "AR-PFA", .display_name = "Analyst Two",
         .roles = TERN_ROLE_ANALYST | TERN_ROLE_SUPERVISOR, .active = 1, .created_ms = now},
    };
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
        OK(tern_store_user_insert(s, &u[i], &err));
}

void fx_subject(tern_store *s, const char *family_name, char subject_id[TERN_ID_MAX])
{
    tern_error err;
    int64_t now = tern_store_now_ms();
    tern_subject sub = {.category = "border-control", .created_ms = now,
                        .retain_until_ms = now + 86400000LL * 365};
    OK(tern_store_subject_insert(s, &sub, &err));
    tern_identity idr = {.agency_id = "CL-PDI", .family_name = (char *)family_name,
                         .given_names = "Ana Maria", .date_of_birth = "1990-04-01",
                         .residence_status = "legal resident", .created_ms = now};
    memcpy(idr.subject_id, sub.id, TERN_ID_MAX);
    OK(tern_store_identity_insert(s, &idr, &err));
    memcpy(subject_id, sub.id, TERN_ID_MAX);
}
