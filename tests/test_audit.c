/* test_audit.c - the hash-chained audit trail (tern/audit.h) on both
 * backends: a clean chain verifies; altering any field of any event, deleting
 * an event (middle or tail), reordering events, altering or re-signing the
 * head with another key are each detected and name the first broken event. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_fixture.h"
#include "tern/audit.h"

#define N_EVENTS 6

static void append_events(tern_store *s, const fx *f, int n)
{
    tern_error err;
    for (int i = 0; i < n; i++) {
        char detail[32];
        snprintf(detail, sizeof detail, "step %d", i);
        tern_audit_event ev = {.actor = "examiner1", .role = "examiner",
                               .action = i % 2 ? "alert.decide" : "identity.read",
                               .object_type = "subject", .object_id = "sbj_0123456789",
                               .purpose = "border-control", .outcome = "ok",
                               .detail = i == 3 ? NULL : detail};
        OK(tern_audit_append(s, &f->node, &ev, &err));
        cr_assert_eq(ev.seq, i + 1);
    }
}

/* A chain of N_EVENTS with a pristine copy kept beside it, so that each
 * tampering can be undone cheaply. */
static void chain_setup(fx *f, fx_backend backend)
{
    tern_error err;
    tern_store *s = fx_begin(f, backend, false);
    append_events(s, f, N_EVENTS);
    tern_audit_report rep;
    OK(tern_audit_verify(s, f->node.pk, &rep, &err));
    cr_assert_eq(rep.events, N_EVENTS);
    tern_store_close(s);
    fx_raw(f, "CREATE TABLE pristine_events AS SELECT * FROM audit_events;"
              " CREATE TABLE pristine_head AS SELECT * FROM audit_head");
}

/* Applies `sql` directly to the database, returns the first bad seq that
 * verify reports (0 if it verifies), then restores the pristine chain. */
static int64_t tamper(fx *f, const char *sql, const char *want_reason)
{
    tern_error err;
    fx_raw(f, sql);
    tern_store *s = fx_open(f);
    tern_audit_report rep;
    tern_status rc = tern_audit_verify(s, f->node.pk, &rep, &err);
    if (rep.first_bad_seq) {
        cr_assert_eq(rc, TERN_E_FORMAT, "%s", err.message);
        cr_assert(strstr(err.message, rep.reason), "%s", err.message);
        if (want_reason)
            cr_assert(strstr(rep.reason, want_reason), "reason \"%s\" lacks \"%s\"", rep.reason,
                      want_reason);
    } else {
        cr_assert_eq(rc, TERN_OK);
    }
    tern_store_close(s);
    fx_raw(f, "DELETE FROM audit_events; INSERT INTO audit_events SELECT * FROM pristine_events;"
              " DELETE FROM audit_head; INSERT INTO audit_head SELECT * FROM pristine_head");
    return rep.first_bad_seq;
}

STORE_TEST(audit, a_clean_chain_verifies_across_reopen)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, false);
    tern_audit_report rep;
    OK(tern_audit_verify(s, f.node.pk, &rep, &err));
    cr_assert_eq(rep.events, 0);
    append_events(s, &f, 3);
    tern_store_close(s);
    s = fx_open(&f);
    append_events(s, &f, 0);
    tern_audit_event ev = {.actor = "auditor1", .role = "auditor", .action = "audit.verify",
                           .object_type = "audit", .object_id = "chain", .purpose = "oversight",
                           .outcome = "ok"};
    OK(tern_audit_append(s, &f.node, &ev, &err));
    cr_assert_eq(ev.seq, 4);
    OK(tern_audit_verify(s, f.node.pk, &rep, &err));
    cr_assert_eq(rep.events, 4);
    cr_assert_eq(rep.first_bad_seq, 0);
    /* another node's key does not verify the head */
    tern_sign_key other;
    tern_sign_key_generate(&other);
    FAILS(TERN_E_FORMAT, tern_audit_verify(s, other.pk, &rep, &err));
    cr_assert_eq(rep.first_bad_seq, 4);
    fx_end(&f, s);
}

STORE_TEST(audit, an_event_rolled_back_with_its_transaction_leaves_no_gap)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, false);
    append_events(s, &f, 2);
    OK(tern_store_begin(s, &err));
    tern_audit_event ev = {.actor = "officer1", .role = "officer", .action = "x",
                           .object_type = "subject", .object_id = "sbj_1", .purpose = "p",
                           .outcome = "ok"};
    OK(tern_audit_append(s, &f.node, &ev, &err));
    OK(tern_store_rollback(s, &err));
    tern_audit_event bad = {.actor = "", .role = "officer", .action = "x",
                            .object_type = "subject", .object_id = "sbj_1", .purpose = "p",
                            .outcome = "ok"};
    FAILS(TERN_E_ARG, tern_audit_append(s, &f.node, &bad, &err));
    append_events(s, &f, 0);
    tern_audit_report rep;
    OK(tern_audit_verify(s, f.node.pk, &rep, &err));
    cr_assert_eq(rep.events, 2);
    fx_end(&f, s);
}

/* Every column of every event, altered one at a time. */
STORE_TEST(audit, altering_any_field_of_any_event_is_detected)
{
    static const char *const sets[] = {
        "at_ms = at_ms + 1",          "actor = 'officer1'",
        "role = 'admin'",             "action = 'identity.delete'",
        "object_type = 'alert'",      "object_id = 'sbj_other'",
        "purpose = 'curiosity'",      "outcome = 'denied'",
        "detail = 'edited'",          "prev_hash = hash",
        "hash = prev_hash",           "seq = seq + 100",
    };
    fx f;
    chain_setup(&f, backend);
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        for (int seq = 1; seq <= N_EVENTS; seq += 2) {
            char sql[256];
            snprintf(sql, sizeof sql, "UPDATE audit_events SET %s WHERE seq = %d", sets[i], seq);
            int64_t bad = tamper(&f, sql, NULL);
            cr_assert_neq(bad, 0, "undetected: %s", sql);
            cr_assert_leq(bad, seq + 1, "%s: reported %lld", sql, (long long)bad);
            cr_assert_geq(bad, seq, "%s: reported %lld", sql, (long long)bad);
        }
    }
    cr_assert_eq(tamper(&f, "UPDATE audit_events SET actor = actor", NULL), 0,
                 "the restored chain verifies");
    fx_teardown(&f);
}

STORE_TEST(audit, deleting_reordering_or_truncating_is_detected)
{
    fx f;
    chain_setup(&f, backend);
    cr_assert_eq(tamper(&f, "DELETE FROM audit_events WHERE seq = 3", "missing"), 3);
    cr_assert_eq(tamper(&f, "DELETE FROM audit_events WHERE seq = 1", "missing"), 1);
    /* the tail: only the signed head shows it */
    cr_assert_eq(tamper(&f, "DELETE FROM audit_events WHERE seq = 6", "head"), 6);
    /* truncate the tail and roll the head back too: the signature fails */
    cr_assert_eq(tamper(&f,
                        "DELETE FROM audit_events WHERE seq = 6;"
                        " UPDATE audit_head SET seq = 5,"
                        " hash = (SELECT hash FROM audit_events WHERE seq = 5)",
                        "signature"),
                 5);
    /* swap events 2 and 3 (keeping their seq numbers in order) */
    cr_assert_eq(tamper(&f,
                        "UPDATE audit_events SET seq = 1000 WHERE seq = 2;"
                        " UPDATE audit_events SET seq = 2 WHERE seq = 3;"
                        " UPDATE audit_events SET seq = 3 WHERE seq = 1000",
                        NULL),
                 2);
    /* an event added after the head */
    cr_assert_eq(tamper(&f,
                        "INSERT INTO audit_events (seq, at_ms, actor, role, action, object_type,"
                        " object_id, purpose, outcome, detail, prev_hash, hash)"
                        " SELECT 7, at_ms, actor, role, action, object_type, object_id, purpose,"
                        " outcome, detail, hash, hash FROM audit_events WHERE seq = 6",
                        NULL),
                 7);
    cr_assert_eq(tamper(&f, "UPDATE audit_head SET sig = hash", "signature"), 6);
    fx_teardown(&f);
}

/* Several processes open a fresh store at once (racing to migrate it) and
 * append at once, each through its own connection: the appends serialise,
 * so the chain has every event once and never forks. */
#define WRITERS 3
#define PER_WRITER 40

STORE_TEST(audit, concurrent_writers_never_fork_the_chain)
{
    fx f;
    fx_setup(&f, backend);
    tern_error err;
    tern_store *s = NULL;
    /* no open beforehand: the writers also race to create the schema */
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        fflush(NULL);
        pids[w] = fork();
        cr_assert_geq(pids[w], 0);
        if (pids[w] == 0) {
            tern_store *cs = NULL;
            if (tern_store_open(f.url, &f.key, &cs, &err) != TERN_OK) {
                fprintf(stderr, "writer %d: open: %s\n", w, err.message);
                _exit(2);
            }
            for (int i = 0; i < PER_WRITER; i++) {
                char actor[32];
                snprintf(actor, sizeof actor, "writer%d", w);
                tern_audit_event ev = {.role = "officer", .action = "identity.read",
                                       .object_type = "subject", .object_id = "sbj_1",
                                       .purpose = "load", .outcome = "ok"};
                snprintf(ev.actor, sizeof ev.actor, "%s", actor);
                if (tern_audit_append(cs, &f.node, &ev, &err) != TERN_OK) {
                    fprintf(stderr, "writer %d: %s\n", w, err.message);
                    _exit(3);
                }
            }
            tern_store_close(cs);
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        cr_assert_eq(waitpid(pids[w], &status, 0), pids[w]);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed (%d)", w,
                  status);
    }
    s = fx_open(&f);
    tern_audit_report rep;
    OK(tern_audit_verify(s, f.node.pk, &rep, &err));
    cr_assert_eq(rep.events, WRITERS * PER_WRITER);
    for (int w = 0; w < WRITERS; w++) {
        char actor[32];
        snprintf(actor, sizeof actor, "writer%d", w);
        int64_t n = 0;
        OK(tern_store_count(s, TERN_ENT_AUDIT_EVENT, "actor", actor, &n, &err));
        cr_assert_eq(n, PER_WRITER);
    }
    fx_end(&f, s);
}
