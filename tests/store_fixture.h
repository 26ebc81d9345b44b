/* store_fixture.h - one store test, two backends. STORE_TEST(suite, name)
 * defines the test twice: suite_sqlite.name on a fresh SQLite file in a
 * temporary directory, and suite_pg.name in a fresh schema of the throw-away
 * PostgreSQL server named by $TERN_TEST_PG (scripts/pg-test.sh sets it).
 * Without TERN_TEST_PG the PostgreSQL variant skips, saying so, except under
 * CI (CI set), where it fails: CI must run both backends. */
#ifndef TERN_STORE_FIXTURE_H
#define TERN_STORE_FIXTURE_H

#include "tern/crypto.h"
#include "tern/store.h"
#include "tern_test.h"

typedef enum fx_backend { FX_SQLITE, FX_PG } fx_backend;

typedef struct fx {
    fx_backend backend;
    char dir[256];    /* SQLite: temporary directory */
    char url[1024];   /* store URL */
    char pg[768];     /* PostgreSQL conninfo of the server (no schema) */
    char schema[64];  /* PostgreSQL: this test's schema */
    tern_key key;
    tern_sign_key node;
} fx;

/* Prepares a fresh, empty store location (skips or fails the test for PG as
 * described above). */
void fx_setup(fx *f, fx_backend b);
/* Opens the store at f's URL; fails the test on error. */
tern_store *fx_open(const fx *f);
/* Runs SQL directly on the database, bypassing the store (to tamper). */
void fx_raw(const fx *f, const char *sql);
/* Removes the temporary directory or schema. */
void fx_teardown(fx *f);
/* The usual start of a store test: fx_setup, fx_open and, with seed,
 * fx_seed; returns the open store. */
tern_store *fx_begin(fx *f, fx_backend b, bool seed);
/* Closes s (NULL allowed) and tears f down. */
void fx_end(fx *f, tern_store *s);

#define STORE_TEST(suite, name, ...)                                                          \
    static void name##_body(fx_backend backend);                                             \
    Test(suite##_sqlite, name, ##__VA_ARGS__) { name##_body(FX_SQLITE); }                     \
    Test(suite##_pg, name, ##__VA_ARGS__) { name##_body(FX_PG); }                             \
    static void name##_body(fx_backend backend)

/* Asserts that call returns TERN_OK; it must report into `err` in scope. */
#define OK(call)                                                                              \
    do {                                                                                      \
        tern_error_clear(&err);                                                               \
        tern_status s_ = (call);                                                              \
        cr_assert_eq(s_, TERN_OK, "%s: %s: %s", #call, tern_status_name(s_), err.message);    \
    } while (0)
/* Asserts that call fails with status want and leaves a message. */
#define FAILS(want, call)                                                                     \
    do {                                                                                      \
        tern_error_clear(&err);                                                               \
        tern_status s_ = (call);                                                              \
        cr_assert_eq(s_, (want), "%s: want %s, got %s: %s", #call, tern_status_name(want),    \
                     tern_status_name(s_), err.message);                                      \
        cr_assert_neq(err.message[0], 0, "%s: no message", #call);                            \
    } while (0)



/* Inserts two agencies ("CL-PDI", "AR-PFA") and users "officer1" (officer,
 * CL-PDI), "examiner1" (examiner, CL-PDI) and "analyst2" (analyst,
 * AR-PFA). */
void fx_seed(tern_store *s);
/* Inserts a subject with one identity record (family name given) and
 * returns its id in subject_id. */
void fx_subject(tern_store *s, const char *family_name, char subject_id[TERN_ID_MAX]);
#endif
