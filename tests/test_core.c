/* test_core.c - the watchlist and alert services (tern/core.h) on both
 * backends: the life of an entry with the four-eyes rule, expiry that stops
 * matching, examiner decisions and what the officer is told; every refusal
 * is typed, leaves the records unchanged and is itself audited; the audit
 * chain verifies at the end of each test. */
#include <stdio.h>
#include <string.h>

#include "store_fixture.h"
#include "tern/audit.h"
#include "tern/core.h"

#define DAY 86400000LL
#define NOW 1800000000000LL

typedef struct world {
    fx f;
    tern_store *s;
    tern_core *c;
    char sid[TERN_ID_MAX];
} world;

static const tern_actor analyst1 = {"analyst1", "case 2026/118"};
static const tern_actor super1 = {"super1", "watchlist review"};
static const tern_actor officer1 = {"officer1", "border-control"};
static const tern_actor examiner1 = {"examiner1", "alert verification"};

static void world_up(world *w, fx_backend backend)
{
    tern_error err;
    fx_setup(&w->f, backend);
    w->s = fx_open(&w->f);
    fx_seed(w->s);
    tern_user more[] = {
        {.id = "analyst1", .agency_id = "CL-PDI", .display_name = "Analyst One",
         .roles = TERN_ROLE_ANALYST, .active = 1},
        {.id = "super1", .agency_id = "CL-PDI", .display_name = "Supervisor One",
         .roles = TERN_ROLE_SUPERVISOR, .active = 1},
        {.id = "retired1", .agency_id = "CL-PDI", .display_name = "Retired",
         .roles = TERN_ROLE_SUPERVISOR, .active = 0},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        OK(tern_store_user_insert(w->s, &more[i], &err));
    fx_subject(w->s, "Quispe", w->sid);
    for (int p = 1; p <= 2; p++) {
        uint8_t data[4] = {(uint8_t)p};
        tern_template_row t = {.position = p, .engine_version = "e1", .data = data,
                               .data_len = sizeof data};
        memcpy(t.subject_id, w->sid, TERN_ID_MAX);
        OK(tern_store_template_insert(w->s, &t, &err));
    }
    OK(tern_core_create(w->s, &w->f.node, &w->c, &err));
    tern_watchlist wl = {.id = "toc", .owner_agency_id = "CL-PDI", .name = "TOC",
                         .category = "transnational organised crime",
                         .handling = "Detain for questioning; notify CL-PDI duty desk."};
    FAILS(TERN_E_DENIED, tern_core_watchlist_create(w->c, &officer1, &wl, &err));
    OK(tern_core_watchlist_create(w->c, &super1, &wl, &err));
}

static void world_down(world *w)
{
    tern_error err;
    tern_audit_report rep;
    OK(tern_audit_verify(w->s, w->f.node.pk, &rep, &err));
    cr_assert_gt(rep.events, 0);
    tern_core_free(w->c);
    tern_store_close(w->s);
    fx_teardown(&w->f);
}

static int64_t entry_status(world *w, const char *id)
{
    tern_error err;
    tern_watchlist_entry e;
    OK(tern_store_watchlist_entry_get(w->s, id, &e, &err));
    int64_t st = e.status;
    tern_watchlist_entry_clear(&e);
    return st;
}

static int count_tpl(void *ctx, const tern_template_row *t)
{
    (void)t;
    (*(int *)ctx)++;
    return 0;
}

static int watchlist_gallery(world *w, int64_t now)
{
    tern_error err;
    int n = 0;
    OK(tern_store_templates_each(w->s, "e1", "toc", now, count_tpl, &n, &err));
    return n;
}

typedef struct outcome_ctx {
    const char *action, *outcome;
    int n;
} outcome_ctx;

static int count_outcome(void *ctx, const void *row)
{
    outcome_ctx *o = ctx;
    const tern_audit_event *ev = row;
    if (strcmp(ev->action, o->action) == 0 && strcmp(ev->outcome, o->outcome) == 0)
        o->n++;
    return 0;
}

static int audited(world *w, const char *action, const char *outcome)
{
    tern_error err;
    outcome_ctx o = {action, outcome, 0};
    OK(tern_store_audit_each(w->s, 1, count_outcome, &o, &err));
    return o.n;
}

static void nominate(world *w, char id[TERN_ID_MAX])
{
    tern_error err;
    OK(tern_core_nominate(w->c, &analyst1, "toc", w->sid, "case 2026/118, warrant 44",
                          NOW + 30 * DAY, NOW + 365 * DAY, NOW, id, &err));
    cr_assert_eq(strncmp(id, "wle_", 4), 0);
}

STORE_TEST(core, an_entry_needs_a_second_person_and_then_matches)
{
    world w;
    world_up(&w, backend);
    tern_error err;
    char id[TERN_ID_MAX];
    nominate(&w, id);
    cr_assert_eq(entry_status(&w, id), TERN_ENTRY_PROPOSED);
    cr_assert_eq(watchlist_gallery(&w, NOW), 0, "a proposal matches nothing");
    /* the nominator cannot approve, even as a supervisor */
    tern_user both = {.id = "boss", .agency_id = "CL-PDI", .display_name = "B",
                      .roles = TERN_ROLE_ANALYST | TERN_ROLE_SUPERVISOR, .active = 1};
    OK(tern_store_user_insert(w.s, &both, &err));
    const tern_actor boss = {"boss", "case"};
    char own[TERN_ID_MAX];
    char sid2[TERN_ID_MAX];
    fx_subject(w.s, "Other", sid2);
    OK(tern_core_nominate(w.c, &boss, "toc", sid2, "case 9", NOW + DAY, NOW + 2 * DAY, NOW, own,
                          &err));
    FAILS(TERN_E_DENIED, tern_core_approve(w.c, &boss, own, NOW, &err));
    cr_assert(strstr(err.message, "nominator"), "%s", err.message);
    cr_assert_eq(entry_status(&w, own), TERN_ENTRY_PROPOSED);
    cr_assert_eq(audited(&w, "watchlist.approve", "denied"), 1, "the attempt is audited");
    /* wrong roles */
    FAILS(TERN_E_DENIED, tern_core_approve(w.c, &officer1, id, NOW, &err));
    FAILS(TERN_E_DENIED, tern_core_approve(w.c, &analyst1, id, NOW, &err));
    FAILS(TERN_E_DENIED, tern_core_approve(w.c, &(tern_actor){"retired1", "x"}, id, NOW, &err));
    FAILS(TERN_E_DENIED, tern_core_approve(w.c, &(tern_actor){"nobody", "x"}, id, NOW, &err));
    FAILS(TERN_E_DENIED, tern_core_approve(w.c, &(tern_actor){"bad id!", "x"}, id, NOW, &err));
    cr_assert_eq(entry_status(&w, id), TERN_ENTRY_PROPOSED);
    OK(tern_core_approve(w.c, &super1, id, NOW, &err));
    cr_assert_eq(entry_status(&w, id), TERN_ENTRY_ACTIVE);
    cr_assert_eq(watchlist_gallery(&w, NOW + DAY), 2);
    FAILS(TERN_E_STATE, tern_core_approve(w.c, &super1, id, NOW, &err));
    cr_assert_eq(audited(&w, "watchlist.nominate", "ok"), 2);
    cr_assert_eq(audited(&w, "watchlist.approve", "ok"), 1);
    cr_assert_eq(audited(&w, "watchlist.approve", "denied"), 6);
    cr_assert_eq(audited(&w, "watchlist.approve", "refused"), 1);
    world_down(&w);
}

STORE_TEST(core, bad_nominations_are_refused_and_change_nothing)
{
    world w;
    world_up(&w, backend);
    tern_error err;
    char id[TERN_ID_MAX];
    nominate(&w, id);
    char dup[TERN_ID_MAX] = "x";
    FAILS(TERN_E_EXISTS, tern_core_nominate(w.c, &analyst1, "toc", w.sid, "again", NOW + DAY,
                                            NOW + 2 * DAY, NOW, dup, &err));
    cr_assert_eq(dup[0], 0);
    char sid2[TERN_ID_MAX];
    fx_subject(w.s, "Two", sid2);
    const struct {
        tern_status want;
        const tern_actor *who;
        const char *wl, *sid, *basis;
        int64_t review, expires;
    } bad[] = {
        {TERN_E_DENIED, &officer1, "toc", w.sid, "b", NOW + DAY, NOW + 2 * DAY},
        {TERN_E_ARG, &analyst1, "toc", w.sid, "", NOW + DAY, NOW + 2 * DAY},
        {TERN_E_ARG, &analyst1, "toc", w.sid, "b", NOW + 3 * DAY, NOW + 2 * DAY},
        {TERN_E_ARG, &analyst1, "toc", w.sid, "b", NOW + DAY, NOW},
        {TERN_E_FORMAT, &analyst1, "toc", sid2, "b\xff", NOW + DAY, NOW + 2 * DAY},
        {TERN_E_NOT_FOUND, &analyst1, "nolist", sid2, "b", NOW + DAY, NOW + 2 * DAY},
        {TERN_E_NOT_FOUND, &analyst1, "toc", "sbj_unknown", "b", NOW + DAY, NOW + 2 * DAY},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        FAILS(bad[i].want, tern_core_nominate(w.c, bad[i].who, bad[i].wl, bad[i].sid, bad[i].basis,
                                              bad[i].review, bad[i].expires, NOW, dup, &err));
    int64_t n = 0;
    OK(tern_store_count(w.s, TERN_ENT_WATCHLIST_ENTRY, NULL, NULL, &n, &err));
    cr_assert_eq(n, 1);
    cr_assert_eq(audited(&w, "watchlist.nominate", "refused"), 7);
    cr_assert_eq(audited(&w, "watchlist.nominate", "denied"), 1);
    world_down(&w);
}

STORE_TEST(core, reject_review_remove_and_expire)
{
    world w;
    world_up(&w, backend);
    tern_error err;
    char id[TERN_ID_MAX];
    nominate(&w, id);
    FAILS(TERN_E_ARG, tern_core_reject(w.c, &super1, id, "", NOW, &err));
    OK(tern_core_reject(w.c, &super1, id, "basis insufficient", NOW, &err));
    cr_assert_eq(entry_status(&w, id), TERN_ENTRY_REJECTED);
    FAILS(TERN_E_STATE, tern_core_approve(w.c, &super1, id, NOW, &err));
    FAILS(TERN_E_STATE, tern_core_reject(w.c, &super1, id, "again", NOW, &err));
    tern_watchlist_entry e;
    OK(tern_store_watchlist_entry_get(w.s, id, &e, &err));
    cr_assert_str_eq(e.status_reason, "basis insufficient");
    tern_watchlist_entry_clear(&e);
    /* a rejected proposal does not block a new one */
    char id2[TERN_ID_MAX];
    nominate(&w, id2);
    FAILS(TERN_E_STATE, tern_core_review(w.c, &analyst1, id2, NOW + DAY, NOW + 2 * DAY, NOW,
                                         &err));
    OK(tern_core_approve(w.c, &super1, id2, NOW, &err));
    FAILS(TERN_E_ARG, tern_core_review(w.c, &analyst1, id2, NOW + 3 * DAY, NOW + 2 * DAY, NOW,
                                       &err));
    OK(tern_core_review(w.c, &analyst1, id2, NOW + 5 * DAY, NOW + 10 * DAY, NOW, &err));
    OK(tern_store_watchlist_entry_get(w.s, id2, &e, &err));
    cr_assert_eq(e.review_ms, NOW + 5 * DAY);
    cr_assert_eq(e.expires_ms, NOW + 10 * DAY);
    tern_watchlist_entry_clear(&e);
    /* expiry: nothing before, one after; it stops matching */
    int64_t count = -1;
    OK(tern_core_expire(w.c, NOW + 9 * DAY, &count, &err));
    cr_assert_eq(count, 0);
    cr_assert_eq(watchlist_gallery(&w, NOW + 9 * DAY), 2);
    cr_assert_eq(watchlist_gallery(&w, NOW + 10 * DAY), 0, "past expiry: no match even before "
                                                          "the expire run");
    OK(tern_core_expire(w.c, NOW + 10 * DAY, &count, &err));
    cr_assert_eq(count, 1);
    cr_assert_eq(entry_status(&w, id2), TERN_ENTRY_EXPIRED);
    cr_assert_eq(audited(&w, "watchlist.expire", "ok"), 1);
    FAILS(TERN_E_STATE, tern_core_remove(w.c, &super1, id2, "done", NOW, &err));
    /* removal: by the nominator or a supervisor, not by another analyst */
    char id3[TERN_ID_MAX];
    nominate(&w, id3);
    OK(tern_core_approve(w.c, &super1, id3, NOW, &err));
    FAILS(TERN_E_DENIED, tern_core_remove(w.c, &examiner1, id3, "r", NOW, &err));
    cr_assert_eq(entry_status(&w, id3), TERN_ENTRY_ACTIVE);
    OK(tern_core_remove(w.c, &analyst1, id3, "case closed", NOW, &err));
    cr_assert_eq(entry_status(&w, id3), TERN_ENTRY_REMOVED);
    cr_assert_eq(watchlist_gallery(&w, NOW), 0, "a removed entry stops matching at once");
    FAILS(TERN_E_NOT_FOUND, tern_core_remove(w.c, &super1, "wle_nothere", "r", NOW, &err));
    world_down(&w);
}

static void make_alert(world *w, const char *entry_id, char alert_id[TERN_ID_MAX])
{
    tern_error err;
    tern_encounter enc = {.at_ms = NOW, .location = "SCL", .agency_id = "AR-PFA",
                          .officer_id = "officer1", .purpose = "border-control",
                          .captured = "4 flat", .result = "hit"};
    OK(tern_store_encounter_insert(w->s, &enc, &err));
    tern_alert a = {.score = 0.97, .evidence = (uint8_t *)"{}", .evidence_len = 2,
                    .status = TERN_ALERT_PENDING, .created_ms = NOW};
    memcpy(a.encounter_id, enc.id, TERN_ID_MAX);
    if (entry_id)
        snprintf(a.entry_id, sizeof a.entry_id, "%s", entry_id);
    memcpy(a.subject_id, w->sid, TERN_ID_MAX);
    OK(tern_store_alert_insert(w->s, &a, &err));
    memcpy(alert_id, a.id, TERN_ID_MAX);
}

static tern_signal notice(world *w, const char *alert_id, tern_alert_notice *n)
{
    tern_error err;
    OK(tern_core_alert_notice(w->c, &officer1, alert_id, n, &err));
    cr_assert_eq(strstr(n->message, "0.97"), NULL, "never a score");
    return n->signal;
}

STORE_TEST(core, alerts_are_yellow_until_an_examiner_confirms)
{
    world w;
    world_up(&w, backend);
    tern_error err;
    char id[TERN_ID_MAX], al[TERN_ID_MAX], al2[TERN_ID_MAX];
    nominate(&w, id);
    OK(tern_core_approve(w.c, &super1, id, NOW, &err));
    make_alert(&w, id, al);
    tern_alert_notice n;
    cr_assert_eq(notice(&w, al, &n), TERN_SIGNAL_YELLOW);
    cr_assert_null(n.handling, "no handling instructions before confirmation");
    cr_assert(strstr(n.message, "secondary inspection"), "%s", n.message);
    tern_alert_notice_clear(&n);
    FAILS(TERN_E_DENIED, tern_core_alert_decide(w.c, &officer1, al, TERN_ALERT_CONFIRMED,
                                                "looks like him", NOW, &err));
    FAILS(TERN_E_ARG, tern_core_alert_decide(w.c, &examiner1, al, TERN_ALERT_CONFIRMED, "",
                                             NOW, &err));
    FAILS(TERN_E_ARG, tern_core_alert_decide(w.c, &examiner1, al, TERN_ALERT_PENDING, "r", NOW,
                                             &err));
    FAILS(TERN_E_NOT_FOUND, tern_core_alert_decide(w.c, &examiner1, "alr_none",
                                                   TERN_ALERT_CONFIRMED, "r", NOW, &err));
    OK(tern_core_alert_decide(w.c, &examiner1, al, TERN_ALERT_CONFIRMED,
                              "12 corresponding minutiae on R index, ACE-V", NOW, &err));
    FAILS(TERN_E_STATE, tern_core_alert_decide(w.c, &examiner1, al, TERN_ALERT_REJECTED,
                                               "changed my mind", NOW, &err));
    tern_alert a;
    OK(tern_store_alert_get(w.s, al, &a, &err));
    cr_assert_eq(a.status, TERN_ALERT_CONFIRMED);
    cr_assert_str_eq(a.examiner_id, "examiner1");
    tern_alert_clear(&a);
    cr_assert_eq(notice(&w, al, &n), TERN_SIGNAL_RED);
    cr_assert_str_eq(n.handling, "Detain for questioning; notify CL-PDI duty desk.");
    cr_assert_str_eq(n.category, "transnational organised crime");
    tern_alert_notice_clear(&n);
    /* the entry is removed: the confirmed alert no longer calls for action */
    OK(tern_core_remove(w.c, &super1, id, "case closed", NOW, &err));
    cr_assert_eq(notice(&w, al, &n), TERN_SIGNAL_GREEN);
    cr_assert_null(n.handling);
    tern_alert_notice_clear(&n);
    /* rejected: green; inconclusive: stays yellow */
    make_alert(&w, NULL, al2);
    OK(tern_core_alert_decide(w.c, &examiner1, al2, TERN_ALERT_INCONCLUSIVE, "poor quality",
                              NOW, &err));
    cr_assert_eq(notice(&w, al2, &n), TERN_SIGNAL_YELLOW);
    tern_alert_notice_clear(&n);
    FAILS(TERN_E_DENIED, tern_core_alert_notice(w.c, &(tern_actor){"nobody", "x"}, al2, &n,
                                                &err));
    cr_assert_eq(audited(&w, "alert.disclose", "ok"), 4);
    cr_assert_eq(audited(&w, "alert.decide", "ok"), 2);
    world_down(&w);
}

STORE_TEST(core, links_are_decided_once_by_an_examiner)
{
    world w;
    world_up(&w, backend);
    tern_error err;
    char other[TERN_ID_MAX];
    fx_subject(w.s, "Gomez", other);
    tern_link l = {.colour = TERN_LINK_YELLOW, .reason = "enrollment match 0.99",
                   .created_by = "examiner1", .created_ms = NOW};
    memcpy(l.subject_a, w.sid, TERN_ID_MAX);
    memcpy(l.subject_b, other, TERN_ID_MAX);
    OK(tern_store_link_insert(w.s, &l, &err));
    FAILS(TERN_E_DENIED, tern_core_link_decide(w.c, &officer1, l.id, TERN_LINK_RED, "r", NOW,
                                               &err));
    FAILS(TERN_E_ARG, tern_core_link_decide(w.c, &examiner1, l.id, TERN_LINK_YELLOW, "r", NOW,
                                            &err));
    FAILS(TERN_E_ARG, tern_core_link_decide(w.c, &examiner1, l.id, TERN_LINK_RED, "", NOW,
                                            &err));
    OK(tern_core_link_decide(w.c, &examiner1, l.id, TERN_LINK_RED,
                             "same ten prints, two passports", NOW, &err));
    FAILS(TERN_E_STATE, tern_core_link_decide(w.c, &examiner1, l.id, TERN_LINK_GREEN, "r", NOW,
                                              &err));
    tern_link got;
    OK(tern_store_link_get(w.s, l.id, &got, &err));
    cr_assert_eq(got.colour, TERN_LINK_RED);
    cr_assert_str_eq(got.decided_by, "examiner1");
    cr_assert(strstr(got.reason, "enrollment match 0.99"), "%s", got.reason);
    cr_assert(strstr(got.reason, "two passports"), "%s", got.reason);
    tern_link_clear(&got);
    world_down(&w);
}

STORE_TEST(core, retention_purges_what_is_past_its_time_unless_a_live_entry_holds_it)
{
    world w;
    world_up(&w, backend);
    tern_error err;
    tern_retention_rule rule = {.id = "border-control", .days = 90, .description = "EES-like"};
    OK(tern_store_retention_rule_insert(w.s, &rule, &err));
    int64_t until = 0;
    OK(tern_core_retention_until(w.c, "border-control", NOW, &until, &err));
    cr_assert_eq(until, NOW + 90 * DAY);
    FAILS(TERN_E_NOT_FOUND, tern_core_retention_until(w.c, "none", NOW, &until, &err));
    /* three subjects past their time (fx_subject: one year), one held by an entry */
    char gone[TERN_ID_MAX], gone2[TERN_ID_MAX], id[TERN_ID_MAX];
    fx_subject(w.s, "Gone", gone);
    fx_subject(w.s, "Gone too", gone2);
    nominate(&w, id); /* w.sid: proposed entry holds it */
    tern_subject late = {.category = "border-control", .created_ms = NOW,
                         .retain_until_ms = NOW + 900 * DAY};
    OK(tern_store_subject_insert(w.s, &late, &err));
    tern_retention_counts rn = {-1, -1, -1};
    int64_t far = tern_store_now_ms() + 400 * DAY;
    OK(tern_core_retention_apply(w.c, NULL, far, &rn, &err));
    cr_assert_eq(rn.purged, 2);
    cr_assert_eq(rn.held, 1);
    cr_assert_eq(rn.jobs, 0);
    tern_subject s;
    FAILS(TERN_E_NOT_FOUND, tern_store_subject_get(w.s, gone, &s, &err));
    OK(tern_store_subject_get(w.s, w.sid, &s, &err));
    tern_subject_clear(&s);
    OK(tern_store_subject_get(w.s, late.id, &s, &err));
    tern_subject_clear(&s);
    int64_t n = -1;
    OK(tern_store_count(w.s, TERN_ENT_IDENTITY, "subject_id", gone, &n, &err));
    cr_assert_eq(n, 0);
    OK(tern_store_count(w.s, TERN_ENT_IDENTITY, "subject_id", w.sid, &n, &err));
    cr_assert_eq(n, 1);
    cr_assert_eq(audited(&w, "retention.purge", "ok"), 2);
    /* once the entry is rejected, the next run purges it */
    OK(tern_core_reject(w.c, &super1, id, "insufficient", NOW, &err));
    OK(tern_core_retention_apply(w.c, NULL, far, &rn, &err));
    cr_assert_eq(rn.purged, 1);
    cr_assert_eq(rn.held, 0);
    FAILS(TERN_E_NOT_FOUND, tern_store_subject_get(w.s, w.sid, &s, &err));
    FAILS(TERN_E_ARG, tern_store_each_upto(w.s, TERN_ENT_SUBJECT, "category", 0, NULL, NULL,
                                           &err));
    world_down(&w);
}

static void job_at(world *w, const char *id, tern_job_status status, int64_t finished_ms)
{
    tern_error err;
    tern_job j = {.kind = "identify", .priority = 5, .requester = "officer1",
                  .purpose = "border-control", .request = (uint8_t *)"{}", .request_len = 2,
                  .status = TERN_JOB_QUEUED, .created_ms = NOW};
    snprintf(j.id, sizeof j.id, "%s", id);
    OK(tern_store_job_insert(w->s, &j, &err));
    if (status != TERN_JOB_QUEUED)
        OK(tern_store_job_set_status(w->s, id, status, (const uint8_t *)"{\"hit\":false}", 13,
                                     finished_ms, &err));
}

STORE_TEST(core, retention_purges_finished_jobs_after_their_days)
{
    world w;
    world_up(&w, backend);
    tern_error err;
    job_at(&w, "job_old_done", TERN_JOB_DONE, NOW - 40 * DAY);
    job_at(&w, "job_old_failed", TERN_JOB_FAILED, NOW - 31 * DAY);
    job_at(&w, "job_recent", TERN_JOB_DONE, NOW - 29 * DAY);
    job_at(&w, "job_waiting", TERN_JOB_QUEUED, 0);
    /* no rule "jobs": TERN_CORE_JOB_RETENTION_DAYS (30) */
    tern_retention_counts n = {-1, -1, -1};
    OK(tern_core_retention_apply(w.c, NULL, NOW, &n, &err));
    cr_assert_eq(n.jobs, 2);
    cr_assert_eq(n.purged, 0);
    tern_job j;
    FAILS(TERN_E_NOT_FOUND, tern_store_job_get(w.s, "job_old_done", &j, &err));
    FAILS(TERN_E_NOT_FOUND, tern_store_job_get(w.s, "job_old_failed", &j, &err));
    OK(tern_store_job_get(w.s, "job_recent", &j, &err));
    tern_job_clear(&j);
    cr_assert_eq(audited(&w, "retention.purge_jobs", "ok"), 1);
    /* a rule "jobs" of 7 days: the recent one goes too, never a queued one */
    tern_retention_rule rule = {.id = "jobs", .days = 7, .description = "search results"};
    OK(tern_store_retention_rule_insert(w.s, &rule, &err));
    OK(tern_core_retention_apply(w.c, NULL, NOW + 400 * DAY, &n, &err));
    cr_assert_eq(n.jobs, 1);
    FAILS(TERN_E_NOT_FOUND, tern_store_job_get(w.s, "job_recent", &j, &err));
    OK(tern_store_job_get(w.s, "job_waiting", &j, &err));
    cr_assert_eq(j.status, TERN_JOB_QUEUED);
    tern_job_clear(&j);
    /* nothing left to purge: no event for an empty run */
    OK(tern_core_retention_apply(w.c, NULL, NOW + 400 * DAY, &n, &err));
    cr_assert_eq(n.jobs, 0);
    cr_assert_eq(audited(&w, "retention.purge_jobs", "ok"), 2);
    world_down(&w);
}

STORE_TEST(core, api_keys_authenticate_until_revoked_or_expired)
{
    world w;
    world_up(&w, backend);
    tern_error err;
    tern_user admin = {.id = "admin1", .agency_id = "CL-PDI", .display_name = "Admin",
                       .roles = TERN_ROLE_ADMIN, .active = 1};
    OK(tern_store_user_insert(w.s, &admin, &err));
    const tern_actor adm = {"admin1", "provisioning"};
    char token[TERN_APIKEY_TOKEN_MAX];
    FAILS(TERN_E_DENIED, tern_core_apikey_issue(w.c, &super1, "officer1", NOW + DAY, NOW, token,
                                                &err));
    cr_assert_eq(token[0], 0);
    FAILS(TERN_E_NOT_FOUND, tern_core_apikey_issue(w.c, &adm, "ghost", NOW + DAY, NOW, token,
                                                   &err));
    FAILS(TERN_E_ARG, tern_core_apikey_issue(w.c, &adm, "officer1", NOW, NOW, token, &err));
    OK(tern_core_apikey_issue(w.c, &adm, "officer1", NOW + DAY, NOW, token, &err));
    char *dot = strchr(token, '.');
    cr_assert_not_null(dot);
    cr_assert_eq(strlen(dot + 1), 64);
    tern_user u;
    OK(tern_core_apikey_authenticate(w.c, token, NOW, &u, &err));
    cr_assert_str_eq(u.id, "officer1");
    cr_assert_eq(u.roles, TERN_ROLE_OFFICER);
    tern_user_clear(&u);
    /* the store holds no secret */
    char key_id[TERN_ID_MAX];
    snprintf(key_id, sizeof key_id, "%.*s", (int)(dot - token), token);
    tern_api_key k;
    OK(tern_store_api_key_get(w.s, key_id, &k, &err));
    cr_assert_neq(memcmp(k.secret_hash, dot + 1, 32), 0);
    tern_api_key_clear(&k);
    /* wrong secret, malformed, expired */
    char bad[TERN_APIKEY_TOKEN_MAX];
    snprintf(bad, sizeof bad, "%s", token);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    FAILS(TERN_E_DENIED, tern_core_apikey_authenticate(w.c, bad, NOW, &u, &err));
    cr_assert(strstr(err.message, "wrong secret"), "%s", err.message);
    FAILS(TERN_E_DENIED, tern_core_apikey_authenticate(w.c, "nodot", NOW, &u, &err));
    FAILS(TERN_E_DENIED, tern_core_apikey_authenticate(w.c, "key_x.zz", NOW, &u, &err));
    FAILS(TERN_E_DENIED, tern_core_apikey_authenticate(w.c, NULL, NOW, &u, &err));
    FAILS(TERN_E_DENIED, tern_core_apikey_authenticate(w.c, token, NOW + DAY, &u, &err));
    cr_assert(strstr(err.message, "expired"), "%s", err.message);
    /* revoked */
    FAILS(TERN_E_DENIED, tern_core_apikey_revoke(w.c, &super1, key_id, NOW, &err));
    OK(tern_core_apikey_revoke(w.c, &adm, key_id, NOW, &err));
    FAILS(TERN_E_STATE, tern_core_apikey_revoke(w.c, &adm, key_id, NOW, &err));
    FAILS(TERN_E_DENIED, tern_core_apikey_authenticate(w.c, token, NOW, &u, &err));
    cr_assert(strstr(err.message, "revoked"), "%s", err.message);
    cr_assert_eq(audited(&w, "auth.apikey", "denied"), 6);
    cr_assert_eq(audited(&w, "apikey.issue", "ok"), 1);
    world_down(&w);
}
