/* test_bulk.c - the bulk import for migrations (tern/import.h) on SQLite
 * and PostgreSQL, with synthetic ten-prints (template-level synthesis): a
 * batch is stored whole with an audit event per subject and is searchable
 * at once; the de-duplication run afterwards links each duplicated pair
 * exactly once, yellow, never merging; it resumes after a stop (a new
 * process: store reopened, gallery reloaded); refusals (a bad request in
 * the batch, bad biographic text, a wrong role, an empty batch) leave the
 * store unchanged and are audited; a purged subject's import is closed
 * without a search; a batch's label is the object of its import.batch
 * event and finds it exactly (bad labels refused before any work); each
 * subject's retain-until follows its own request's time and category; the
 * de-duplication reports its progress after each subject. The audit chain
 * verifies at the end of every test.
 * The queries a large node runs on every search or de-duplication run use
 * an index on both backends (EXPLAIN; PostgreSQL with sequential scans
 * disabled, since on a small table it prefers them). */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident_fixture.h"
#include "store_fixture.h"
#include "tern/audit.h"
#include "tern/core.h"
#include "tern/import.h"

#define SEED 0xb01cull

typedef ix_world world;

static const tern_actor admin1 = {"admin1", "migration from the old AFIS"};
static const tern_actor officer1 = {"officer1", "border-control"};
static const tern_actor analyst2 = {"analyst2", "case 2026/9"};

static void world_up(world *w, fx_backend backend)
{
    tern_user admin = {.id = "admin1", .agency_id = "CL-PDI", .display_name = "D",
                       .roles = TERN_ROLE_ADMIN, .active = 1};
    tern_retention_rule r = {.id = "legacy", .days = 3650, .description = "ten years"};
    ix_world_up(w, backend, &admin, 1, &r);
}

static void world_down(world *w)
{
    tern_audit_report rep;
    ix_world_down(w, &rep);
    cr_assert_eq(rep.first_bad_seq, 0, "%s", rep.reason);
}

/* A batch of synthetic identities: person[i] captured as imp[i]. */
typedef struct batch {
    size_t n;
    ix_prints p[8];
    tern_identity idr[8];
    tern_enroll_request req[8];
} batch;

static void batch_make(batch *b, size_t n, const uint64_t *person, const unsigned *imp,
                       int64_t now)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        ix_prints_make(&b->p[i], SEED, person[i], imp[i]);
        b->idr[i] = (tern_identity){.family_name = "SYNTH-Legacy", .given_names = "Ana"};
        b->req[i] = (tern_enroll_request){.identity = &b->idr[i], .category = "legacy",
                                          .location = "MIG", .n_fingers = 10,
                                          .fingers = b->p[i].f, .now_ms = now};
    }
}

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        ix_prints_free(&b->p[i]);
}

/* Imports persons person[0..n-1], captured as imp[i], in one batch into g
 * (NULL: no gallery); ids (may be NULL) receives their subjects. */
static void import(world *w, tern_core_gallery *g, size_t n, const uint64_t *person,
                   const unsigned *imp, char (*ids)[TERN_ID_MAX])
{
    tern_error err;
    batch b;
    batch_make(&b, n, person, imp, w->now);
    OK(tern_core_import(w->c, g, &admin1, NULL, b.req, b.n, ids, &err));
    batch_free(&b);
}

/* Enrolls capture imp of person as officer1 (searching the gallery). */
static void enroll(world *w, uint64_t person, unsigned imp, tern_enroll_result *res)
{
    tern_error err;
    batch b;
    batch_make(&b, 1, &person, &imp, w->now);
    OK(tern_core_enroll(w->c, w->g, &officer1, &b.req[0], res, &err));
    batch_free(&b);
}

/* Identifies capture imp of person as analyst2 into res. */
static void identify(world *w, tern_core_gallery *g, uint64_t person, unsigned imp,
                     tern_identify_result *res)
{
    tern_error err;
    ix_prints q;
    ix_prints_make(&q, SEED, person, imp);
    tern_identify_request req = {.location = "SCL", .n_fingers = 10, .fingers = q.f,
                                 .now_ms = w->now};
    OK(tern_core_identify(w->c, g, &analyst2, &req, res, &err));
    ix_prints_free(&q);
}

static int64_t rows(world *w, tern_entity e, const char *field, const char *value)
{
    tern_error err;
    int64_t n = -1;
    OK(tern_store_count(w->s, e, field, value, &n, &err));
    return n;
}

static int64_t pending(world *w)
{
    tern_error err;
    int64_t n = -1;
    OK(tern_core_import_dedup_pending(w->c, &n, &err));
    return n;
}

typedef struct audit_count {
    const char *action, *outcome;
    int64_t n;
} audit_count;

static int count_event(void *ctx, const void *row)
{
    audit_count *a = ctx;
    const tern_audit_event *ev = row;
    a->n += strcmp(ev->action, a->action) == 0 && strcmp(ev->outcome, a->outcome) == 0;
    return 0;
}

static int64_t audited(world *w, const char *action, const char *outcome)
{
    tern_error err;
    audit_count a = {action, outcome, 0};
    OK(tern_store_audit_each(w->s, 1, count_event, &a, &err));
    return a.n;
}

typedef struct pairs {
    char a[8][TERN_ID_MAX], b[8][TERN_ID_MAX];
    int64_t colour[8];
    size_t n;
} pairs;

static int collect_link(void *ctx, const void *row)
{
    pairs *p = ctx;
    const tern_link *l = row;
    cr_assert_lt(p->n, 8, "more links than expected");
    memcpy(p->a[p->n], l->subject_a, TERN_ID_MAX);
    memcpy(p->b[p->n], l->subject_b, TERN_ID_MAX);
    p->colour[p->n++] = l->colour;
    return 0;
}

static bool linked(const pairs *p, const char *x, const char *y)
{
    for (size_t i = 0; i < p->n; i++)
        if ((strcmp(p->a[i], x) == 0 && strcmp(p->b[i], y) == 0) ||
            (strcmp(p->a[i], y) == 0 && strcmp(p->b[i], x) == 0))
            return true;
    return false;
}

/* A test on both backends (STORE_TEST) in a fresh world w, whose audit
 * chain must verify at the end (world_down). */
#define BULK_TEST(name, ...)                                                                  \
    static void name##_in(world *w);                                                          \
    STORE_TEST(bulk, name, ##__VA_ARGS__)                                                     \
    {                                                                                         \
        world here;                                                                           \
        world_up(&here, backend);                                                             \
        name##_in(&here);                                                                     \
        world_down(&here);                                                                    \
    }                                                                                         \
    static void name##_in(world *w)

/* Six identities: persons 0..3, and second captures of persons 0 and 1. */
static const uint64_t six_person[6] = {0, 1, 2, 3, 0, 1};
static const unsigned six_imp[6] = {0, 0, 0, 0, 2, 2};

BULK_TEST(import_is_whole_searchable_and_deduplicated_afterwards)
{
    tern_error err;
    char ids[6][TERN_ID_MAX];
    import(w, w->g, 6, six_person, six_imp, ids);
    cr_assert_eq(rows(w, TERN_ENT_SUBJECT, NULL, NULL), 6);
    cr_assert_eq(rows(w, TERN_ENT_TEMPLATE, NULL, NULL), 60);
    cr_assert_eq(rows(w, TERN_ENT_ENCOUNTER, "purpose", "import"), 6);
    for (size_t i = 0; i < 6; i++) {
        cr_assert_eq(rows(w, TERN_ENT_TEMPLATE, "subject_id", ids[i]), 10);
        cr_assert_eq(rows(w, TERN_ENT_IDENTITY, "subject_id", ids[i]), 1);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(ids[i], ids[j], "two requests made one subject");
    }
    cr_assert_eq(audited(w, "subject.import", "ok"), 6);
    cr_assert_eq(audited(w, "import.batch", "ok"), 1);
    cr_assert_eq(rows(w, TERN_ENT_LINK, NULL, NULL), 0, "the import itself searches nothing");
    cr_assert_eq(pending(w), 6);
    cr_assert_eq(tern_core_gallery_subjects(w->g), 6);

    /* Searchable at once: another capture of person 2 finds its subject. */
    tern_identify_result *ires = calloc(1, sizeof *ires);
    identify(w, w->g, 2, 1, ires);
    cr_assert(ires->hit);
    cr_assert_str_eq(ires->candidates[0].subject_id, ids[2]);
    free(ires);

    /* De-duplication in two runs, the second after a restart. */
    tern_import_dedup_result r;
    OK(tern_core_import_dedup(w->c, w->g, &admin1, NULL, 2, w->now, NULL, NULL, &r, &err));
    cr_assert_eq(r.searched, 2);
    cr_assert_eq(r.remaining, 4);
    cr_assert_eq(pending(w), 4);
    size_t links = r.linked;
    ix_world_close(w);
    ix_world_open(w);
    cr_assert_eq(tern_core_gallery_subjects(w->g), 6);
    OK(tern_core_import_dedup(w->c, w->g, &admin1, NULL, 0, w->now, NULL, NULL, &r, &err));
    cr_assert_eq(r.searched, 4);
    cr_assert_eq(r.remaining, 0);
    links += r.linked;
    cr_assert_eq(pending(w), 0);
    cr_assert_eq(rows(w, TERN_ENT_ENCOUNTER, "result", "dedup-done"), 6);
    cr_assert_eq(audited(w, "subject.dedup", "ok"), 6);

    /* Exactly the two duplicated pairs, each once, yellow; nothing merged. */
    pairs p = {0};
    OK(tern_store_each(w->s, TERN_ENT_LINK, NULL, NULL, collect_link, &p, &err));
    cr_assert_eq(p.n, 2, "%zu links", p.n);
    cr_assert_eq(links, 2);
    cr_assert(linked(&p, ids[0], ids[4]), "persons 0 and its second capture not linked");
    cr_assert(linked(&p, ids[1], ids[5]), "persons 1 and its second capture not linked");
    for (size_t i = 0; i < p.n; i++)
        cr_assert_eq(p.colour[i], TERN_LINK_YELLOW);
    cr_assert_eq(rows(w, TERN_ENT_SUBJECT, NULL, NULL), 6);

    /* Nothing left: a third run searches no one. */
    OK(tern_core_import_dedup(w->c, w->g, &admin1, NULL, 0, w->now, NULL, NULL, &r, &err));
    cr_assert_eq(r.searched, 0);
    cr_assert_eq(rows(w, TERN_ENT_LINK, NULL, NULL), 2);
}

BULK_TEST(enrollment_after_an_import_links_to_the_imported)
{
    tern_error err;
    char ids[4][TERN_ID_MAX];
    import(w, NULL, 4, six_person, six_imp, ids); /* no gallery */
    ix_world_close(w);
    ix_world_open(w); /* loaded from the store */
    cr_assert_eq(tern_core_gallery_subjects(w->g), 4);
    tern_enroll_result res;
    enroll(w, 3, 2, &res);
    cr_assert_eq(res.n_links, 1);
    cr_assert_str_eq(res.linked_subjects[0], ids[3]);
    /* The enrolled subject is no import: the de-duplication does not
     * search it, and the imported person 3 links nothing new (the pair is
     * already linked by the enrollment). */
    tern_import_dedup_result r;
    OK(tern_core_import_dedup(w->c, w->g, &admin1, NULL, 0, w->now, NULL, NULL, &r, &err));
    cr_assert_eq(r.searched, 4);
    cr_assert_eq(r.linked, 0);
    cr_assert_eq(rows(w, TERN_ENT_LINK, NULL, NULL), 1);
}

BULK_TEST(refusals_leave_the_store_unchanged)
{
    tern_error err;
    batch b;
    batch_make(&b, 4, six_person, six_imp, w->now);
    int64_t audit0 = rows(w, TERN_ENT_AUDIT_EVENT, NULL, NULL);

    /* a wrong role, then an empty batch */
    FAILS(TERN_E_DENIED, tern_core_import(w->c, w->g, &officer1, NULL, b.req, b.n, NULL, &err));
    FAILS(TERN_E_LIMIT, tern_core_import(w->c, w->g, &admin1, NULL, b.req, 0, NULL, &err));
    /* a bad finger in request 2 */
    b.p[2].f[4].position = 0;
    FAILS(TERN_E_ARG, tern_core_import(w->c, w->g, &admin1, NULL, b.req, b.n, NULL, &err));
    cr_assert(strstr(err.message, "request 2"), "%s", err.message);
    b.p[2].f[4].position = 5;
    /* biographic text that is not UTF-8, in request 3 (refused by the store
     * inside the transaction, after requests 0..2 were written) */
    b.idr[3].family_name = "SYNTH-\xff";
    FAILS(TERN_E_FORMAT, tern_core_import(w->c, w->g, &admin1, NULL, b.req, b.n, NULL, &err));
    cr_assert(strstr(err.message, "request 3"), "%s", err.message);
    /* an unknown retention category */
    b.idr[3].family_name = "SYNTH-Legacy";
    b.req[1].category = "no-such-rule";
    FAILS(TERN_E_NOT_FOUND, tern_core_import(w->c, w->g, &admin1, NULL, b.req, b.n, NULL, &err));
    b.req[1].category = "legacy";
    tern_entity none[] = {TERN_ENT_SUBJECT, TERN_ENT_IDENTITY, TERN_ENT_ENCOUNTER,
                          TERN_ENT_TEMPLATE, TERN_ENT_LINK};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        cr_assert_eq(rows(w, none[i], NULL, NULL), 0, "entity %zu written by a refusal", i);
    cr_assert_eq(tern_core_gallery_subjects(w->g), 0);
    cr_assert_eq(audited(w, "import.batch", "denied"), 1);
    cr_assert_eq(audited(w, "import.batch", "refused"), 3);
    cr_assert_eq(rows(w, TERN_ENT_AUDIT_EVENT, NULL, NULL), audit0 + 4,
                 "the empty batch is refused before any work, unaudited");

    /* the de-duplication: an officer may not run it */
    OK(tern_core_import(w->c, w->g, &admin1, NULL, b.req, b.n, NULL, &err));
    batch_free(&b);
    tern_import_dedup_result r;
    FAILS(TERN_E_DENIED, tern_core_import_dedup(w->c, w->g, &officer1, NULL, 0, w->now, NULL,
                                                NULL, &r, &err));
    cr_assert_eq(r.searched, 0);
    cr_assert_eq(pending(w), 4);
    cr_assert_eq(audited(w, "subject.dedup", "denied"), 1);
}

BULK_TEST(a_purged_import_is_closed_without_a_search)
{
    tern_error err;
    char ids[2][TERN_ID_MAX];
    import(w, w->g, 2, six_person, six_imp, ids);
    OK(tern_core_subject_delete(w->c, w->g, &admin1, ids[0], &err));
    cr_assert_eq(pending(w), 2, "the encounter outlives its subject");
    tern_import_dedup_result r;
    OK(tern_core_import_dedup(w->c, w->g, &admin1, NULL, 0, w->now, NULL, NULL, &r, &err));
    cr_assert_eq(r.searched, 2);
    cr_assert_eq(r.linked, 0);
    cr_assert_eq(pending(w), 0);
}

/* ---- batch labels ---------------------------------------------------------- */

typedef struct batch_event {
    int64_t seq;
    char object_type[32], object_id[TERN_ID_MAX];
} batch_event;

/* The import.batch events with outcome "ok", in chain order (at most 4). */
typedef struct batch_events {
    batch_event ev[4];
    size_t n;
} batch_events;

static int collect_batch(void *ctx, const void *row)
{
    batch_events *b = ctx;
    const tern_audit_event *ev = row;
    if (strcmp(ev->action, "import.batch") != 0 || strcmp(ev->outcome, "ok") != 0)
        return 0;
    cr_assert_lt(b->n, 4, "more import.batch events than expected");
    batch_event *e = &b->ev[b->n++];
    e->seq = ev->seq;
    snprintf(e->object_type, sizeof e->object_type, "%s", ev->object_type);
    memcpy(e->object_id, ev->object_id, TERN_ID_MAX);
    return 0;
}

static int64_t committed(world *w, const char *label, int64_t after)
{
    tern_error err;
    int64_t seq = -1;
    OK(tern_core_import_committed(w->c, label, after, &seq, &err));
    return seq;
}

/* A labelled batch's import.batch event names it (object "import_batch",
 * id the label) and tern_core_import_committed finds it by that label
 * only: not before the position given, not under another label, not under
 * a label equal to an unlabelled batch's first subject (whose event keeps
 * the previous form, object "subject"). Both forms in one chain verify. */
BULK_TEST(a_labelled_batch_is_found_by_its_label_exactly)
{
    tern_error err;
    char first[2][TERN_ID_MAX];
    import(w, NULL, 2, six_person, six_imp, first); /* unlabelled, as before labels */
    batch b;
    batch_make(&b, 2, six_person + 2, six_imp + 2, w->now);
    char ids[2][TERN_ID_MAX];
    OK(tern_core_import(w->c, NULL, &admin1, "0123456789abcdef:7", b.req, b.n, ids, &err));
    batch_free(&b);
    batch_events be = {0};
    OK(tern_store_audit_each(w->s, 1, collect_batch, &be, &err));
    cr_assert_eq(be.n, 2);
    cr_assert_str_eq(be.ev[0].object_type, "subject");
    cr_assert_str_eq(be.ev[0].object_id, first[0]);
    cr_assert_str_eq(be.ev[1].object_type, "import_batch");
    cr_assert_str_eq(be.ev[1].object_id, "0123456789abcdef:7");

    cr_assert_eq(committed(w, "0123456789abcdef:7", 0), be.ev[1].seq);
    cr_assert_eq(committed(w, "0123456789abcdef:7", be.ev[1].seq - 1), be.ev[1].seq);
    cr_assert_eq(committed(w, "0123456789abcdef:7", be.ev[1].seq), 0, "found before its place");
    cr_assert_eq(committed(w, "0123456789abcdef:8", 0), 0, "found under another label");
    cr_assert_eq(committed(w, "0123456789abcdef", 0), 0, "found under a prefix of its label");
    cr_assert_eq(committed(w, first[0], 0), 0, "an unlabelled batch found by a label");
    cr_assert_eq(rows(w, TERN_ENT_SUBJECT, NULL, NULL), 4);
}

/* A refused labelled batch leaves a refusal event with its label, which
 * is not a commit. */
BULK_TEST(a_refused_labelled_batch_is_not_committed)
{
    tern_error err;
    batch b;
    batch_make(&b, 2, six_person, six_imp, w->now);
    b.req[1].category = "no-such-rule";
    FAILS(TERN_E_NOT_FOUND, tern_core_import(w->c, NULL, &admin1, "run1:1", b.req, b.n, NULL,
                                             &err));
    FAILS(TERN_E_DENIED, tern_core_import(w->c, NULL, &officer1, "run1:2", b.req, b.n, NULL,
                                          &err));
    batch_free(&b);
    cr_assert_eq(audited(w, "import.batch", "refused"), 1);
    cr_assert_eq(audited(w, "import.batch", "denied"), 1);
    cr_assert_eq(committed(w, "run1:1", 0), 0);
    cr_assert_eq(committed(w, "run1:2", 0), 0);
}

/* Labels: 1 to TERN_IMPORT_LABEL_MAX characters of A-Z a-z 0-9 . _ : -;
 * anything else is refused before any work (store and chain unchanged,
 * unaudited, as an empty batch), by the import and by the look-up. */
BULK_TEST(bad_labels_are_refused_before_any_work)
{
    tern_error err;
    batch b;
    batch_make(&b, 1, six_person, six_imp, w->now);
    int64_t audit0 = rows(w, TERN_ENT_AUDIT_EVENT, NULL, NULL);
    char longest[TERN_IMPORT_LABEL_MAX + 2];
    memset(longest, 'a', sizeof longest);
    longest[TERN_IMPORT_LABEL_MAX + 1] = 0; /* one too long */
    const struct {
        const char *label;
        tern_status want;
    } bad[] = {{"", TERN_E_ARG},         {"with space", TERN_E_ARG}, {"tab\t", TERN_E_ARG},
               {"line\n", TERN_E_ARG},   {"caf\xc3\xa9", TERN_E_ARG}, {"a/b", TERN_E_ARG},
               {"a=b", TERN_E_ARG},      {longest, TERN_E_LIMIT}};
    int64_t seq;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FAILS(bad[i].want, tern_core_import(w->c, NULL, &admin1, bad[i].label, b.req, b.n, NULL,
                                            &err));
        cr_assert(strstr(err.message, "label"), "%s", err.message);
        FAILS(bad[i].want, tern_core_import_committed(w->c, bad[i].label, 0, &seq, &err));
    }
    cr_assert_eq(rows(w, TERN_ENT_SUBJECT, NULL, NULL), 0);
    cr_assert_eq(rows(w, TERN_ENT_AUDIT_EVENT, NULL, NULL), audit0);
    longest[TERN_IMPORT_LABEL_MAX] = 0; /* the longest allowed */
    OK(tern_core_import(w->c, NULL, &admin1, longest, b.req, b.n, NULL, &err));
    batch_free(&b);
    cr_assert_gt(committed(w, longest, 0), 0);
}

/* ---- retention ------------------------------------------------------------- */

/* Each imported subject's retain-until is its request's time plus its own
 * category's rule, in a batch mixing two categories and four times (the
 * rule is read once per category and batch). */
BULK_TEST(retain_until_is_each_request_time_plus_its_category_rule)
{
    tern_error err;
    tern_retention_rule month = {.id = "short-stay", .days = 30, .description = "thirty days"};
    OK(tern_store_retention_rule_insert(w->s, &month, &err));
    batch b;
    batch_make(&b, 4, six_person, six_imp, w->now);
    const char *cat[4] = {"legacy", "short-stay", "short-stay", "legacy"};
    const int64_t days[4] = {3650, 30, 30, 3650};
    for (size_t i = 0; i < 4; i++) {
        b.req[i].category = cat[i];
        b.req[i].now_ms = w->now - (int64_t)i * 3600000 - 17;
    }
    char ids[4][TERN_ID_MAX];
    OK(tern_core_import(w->c, NULL, &admin1, NULL, b.req, b.n, ids, &err));
    for (size_t i = 0; i < 4; i++) {
        tern_subject sub = {0};
        OK(tern_store_subject_get(w->s, ids[i], &sub, &err));
        cr_assert_str_eq(sub.category, cat[i]);
        cr_assert_eq(sub.created_ms, b.req[i].now_ms);
        cr_assert_eq(sub.retain_until_ms, b.req[i].now_ms + days[i] * 86400000LL,
                     "request %zu: %lld", i, (long long)sub.retain_until_ms);
        tern_subject_clear(&sub);
    }
    /* an unknown category in the middle of the batch still names its request */
    b.req[2].category = "no-such-rule";
    FAILS(TERN_E_NOT_FOUND, tern_core_import(w->c, NULL, &admin1, NULL, b.req, b.n, NULL, &err));
    cr_assert(strstr(err.message, "request 2") && strstr(err.message, "no-such-rule"), "%s",
              err.message);
    batch_free(&b);
    cr_assert_eq(rows(w, TERN_ENT_SUBJECT, NULL, NULL), 4);
}

/* ---- de-duplication progress --------------------------------------------- */

typedef struct progress_log {
    size_t calls, done[8], total[8];
    world *w;
    int64_t pending_seen[8];
} progress_log;

static void log_progress(void *ctx, size_t done, size_t total)
{
    progress_log *p = ctx;
    cr_assert_lt(p->calls, 8, "more progress calls than subjects");
    p->done[p->calls] = done;
    p->total[p->calls] = total;
    p->pending_seen[p->calls] = pending(p->w); /* committed when told */
    p->calls++;
}

/* The progress callback is called once per subject done, after its
 * transaction, with the count done and the count the call will do. */
BULK_TEST(dedup_reports_progress_after_each_subject)
{
    tern_error err;
    import(w, w->g, 6, six_person, six_imp, NULL);
    progress_log p = {.w = w};
    tern_import_dedup_result r;
    OK(tern_core_import_dedup(w->c, w->g, &admin1, NULL, 4, w->now, log_progress, &p, &r,
                              &err));
    cr_assert_eq(r.searched, 4);
    cr_assert_eq(p.calls, 4);
    for (size_t i = 0; i < p.calls; i++) {
        cr_assert_eq(p.done[i], i + 1);
        cr_assert_eq(p.total[i], 4);
        cr_assert_eq(p.pending_seen[i], 6 - (int64_t)(i + 1));
    }
    p = (progress_log){.w = w};
    OK(tern_core_import_dedup(w->c, w->g, &admin1, NULL, 0, w->now, log_progress, &p, &r,
                              &err));
    cr_assert_eq(r.searched, 2);
    cr_assert_eq(r.remaining, 0);
    cr_assert_eq(p.calls, 2);
    cr_assert_eq(p.done[1], 2);
    cr_assert_eq(p.total[0], 2);
    /* nothing pending: never called */
    p = (progress_log){.w = w};
    OK(tern_core_import_dedup(w->c, w->g, &admin1, NULL, 0, w->now, log_progress, &p, &r,
                              &err));
    cr_assert_eq(p.calls, 0);
    /* refused: never called */
    import(w, w->g, 1, six_person, six_imp, NULL);
    FAILS(TERN_E_DENIED, tern_core_import_dedup(w->c, w->g, &officer1, NULL, 0, w->now,
                                                log_progress, &p, &r, &err));
    cr_assert_eq(p.calls, 0);
}

/* The plan of sql on f's database, as text (SQLite: EXPLAIN QUERY PLAN's
 * details; PostgreSQL: EXPLAIN with enable_seqscan off). */
static void plan(const fx *f, const char *sql, char *out, size_t size)
{
    char q[512];
    size_t n = 0;
    out[0] = 0;
    if (f->backend == FX_SQLITE) {
        char path[300];
        snprintf(path, sizeof path, "%s/tern.db", f->dir);
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
        cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
        cr_assert_eq(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
        while (sqlite3_step(st) == SQLITE_ROW && n < size)
            n += (size_t)snprintf(out + n, size - n, "%s; ", sqlite3_column_text(st, 3));
        sqlite3_finalize(st);
        sqlite3_close(db);
        return;
    }
    char conninfo[1024];
    snprintf(conninfo, sizeof conninfo, "%s options='-csearch_path=%s'", f->pg, f->schema);
    PGconn *c = PQconnectdb(conninfo);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
    PQclear(PQexec(c, "SET enable_seqscan = off"));
    snprintf(q, sizeof q, "EXPLAIN %s", sql);
    PGresult *r = PQexec(c, q);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s", PQresultErrorMessage(r));
    for (int i = 0; i < PQntuples(r) && n < size; i++)
        n += (size_t)snprintf(out + n, size - n, "%s; ", PQgetvalue(r, i, 0));
    PQclear(r);
    PQfinish(c);
}

BULK_TEST(searches_and_dedup_runs_find_their_rows_through_an_index)
{
    /* tern_core_import_dedup (pending imports; encounters grow with every
     * search) and tern_core_identify (the active watchlist entries, read
     * on every search), as tern_store_each words them */
    const struct {
        const char *sql, *index;
    } q[] = {
        {"SELECT id FROM encounters WHERE result = 'dedup-pending' ORDER BY id",
         "encounters_result"},
        {"SELECT id FROM watchlist_entries WHERE status = 'active' ORDER BY id",
         "entries_status"},
        {"SELECT id FROM templates WHERE subject_id = 'x' ORDER BY id", "templates_subject"},
        {"SELECT id FROM links WHERE subject_b = 'x' ORDER BY id", "links_b"},
        /* retention, as tern_store_each_upto words it */
        {"SELECT id FROM subjects WHERE retain_until_ms <= 0 ORDER BY retain_until_ms, id",
         "subjects_retain"},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        char text[2048];
        plan(&w->f, q[i].sql, text, sizeof text);
        cr_assert(strstr(text, q[i].index), "%s: no index %s in the plan: %s", q[i].sql,
                  q[i].index, text);
    }
}

/* A gallery loaded from the store (in chunks, by several threads) holds
 * exactly what import and enrollment put into the running one: the same
 * bytes, the same scores to the bit. Until enrollment kept the stored form
 * of each template (1/256 px, 1/65536 turn), a full-precision template was
 * prepared otherwise than after a restart (the bytes differed). More
 * fingers than one load chunk (4,096); fewer under the sanitizers. */
#ifdef TERN_SANITIZED
#define LOAD_IDENTITIES 48u
#else
#define LOAD_IDENTITIES 420u
#endif

BULK_TEST(a_reloaded_gallery_is_the_one_import_and_enrollment_built)
{
    tern_error err;
    for (size_t done = 0; done < LOAD_IDENTITIES; done += 6) {
        uint64_t person[6];
        unsigned imp[6] = {0};
        for (size_t i = 0; i < 6; i++)
            person[i] = 100 + done + i;
        import(w, w->g, 6, person, imp, NULL);
    }
    tern_enroll_result res;
    enroll(w, 99, 0, &res);
    tern_core_gallery *loaded;
    size_t n_loaded = 0, n_skipped = 1;
    OK(tern_core_gallery_load(w->c, &loaded, &n_loaded, &n_skipped, &err));
    cr_assert_eq(n_loaded, 10 * (LOAD_IDENTITIES + 1));
    cr_assert_eq(n_skipped, 0);
    cr_assert_eq(tern_core_gallery_subjects(loaded), LOAD_IDENTITIES + 1);
    cr_assert_eq(tern_core_gallery_fingers(loaded), tern_core_gallery_fingers(w->g));
    cr_assert_eq(tern_core_gallery_bytes(loaded), tern_core_gallery_bytes(w->g));
    /* the same candidates with the same scores, bit for bit */
    tern_identify_result *a = calloc(1, sizeof *a), *z = calloc(1, sizeof *z);
    const uint64_t probe[4] = {99, 100, 100 + LOAD_IDENTITIES / 2, 100 + LOAD_IDENTITIES - 1};
    for (size_t p = 0; p < 4; p++) {
        identify(w, w->g, probe[p], 1, a);
        identify(w, loaded, probe[p], 1, z);
        cr_assert(a->hit);
        cr_assert_eq(a->n_candidates, z->n_candidates);
        for (size_t i = 0; i < a->n_candidates; i++) {
            cr_assert_str_eq(a->candidates[i].subject_id, z->candidates[i].subject_id);
            cr_assert(memcmp(a->candidates[i].finger_score, z->candidates[i].finger_score,
                             sizeof a->candidates[i].finger_score) == 0);
            cr_assert(a->candidates[i].fmr == z->candidates[i].fmr);
        }
    }
    free(a);
    free(z);
    tern_core_gallery_free(loaded);
}
