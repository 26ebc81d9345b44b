/* test_store_stream.c - reading many rows (src/store/iterate.c through the
 * backends' stepping, src/store/pg.c "streamed results"): a result far
 * larger than what is in flight arrives in order, every row exactly once,
 * without the whole of it in client memory; a callback that stops early or
 * issues its own queries leaves the connection serving the next statement;
 * a server error or a lost connection after some rows is returned as a
 * failure naming it, never as a short success. Both backends where the
 * store's API allows; the PostgreSQL-only cases skip without TERN_TEST_PG
 * (store_fixture.h). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"
#include "store_fixture.h"

#ifdef TERN_SANITIZED
#define SUBJECTS 100 /* 1,000 templates, 3 MB */
#else
#define SUBJECTS 300 /* 3,000 templates, 9 MB */
#endif
#define FINGERS 10
#define TEMPLATES (SUBJECTS * FINGERS)
#define DATA_LEN 3000

/* The filled store: subject ids in the order made. */
typedef struct fill {
    char sid[SUBJECTS][TERN_ID_MAX];
} fill;

/* The bytes of template i: its number, then a pattern of it. */
static void payload(unsigned i, uint8_t *d)
{
    d[0] = (uint8_t)(i >> 24), d[1] = (uint8_t)(i >> 16), d[2] = (uint8_t)(i >> 8),
    d[3] = (uint8_t)i;
    for (size_t j = 4; j < DATA_LEN; j++)
        d[j] = (uint8_t)(i * 31u + j);
}

/* SUBJECTS subjects of FINGERS templates each, template i = subject i / 10,
 * position i % 10 + 1, in one bulk transaction. */
static void fill_store(tern_store *s, fill *fl)
{
    tern_error err;
    static uint8_t data[DATA_LEN];
    OK(tern_store_begin(s, &err));
    OK(tern_store_bulk(s, &err));
    for (unsigned k = 0; k < SUBJECTS; k++) {
        fx_subject(s, "Stream", fl->sid[k]);
        for (unsigned p = 0; p < FINGERS; p++) {
            payload(k * FINGERS + p, data);
            tern_template_row t = {.position = p + 1, .engine_version = "e1", .data = data,
                                   .data_len = DATA_LEN};
            memcpy(t.subject_id, fl->sid[k], TERN_ID_MAX);
            OK(tern_store_template_insert(s, &t, &err));
        }
    }
    OK(tern_store_commit(s, &err));
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* What a gallery walk saw. */
typedef struct walk {
    const fill *fl;
    tern_store *s;
    unsigned n, stop_at;        /* stop_at 0: never */
    bool seen[TEMPLATES];
    char last_sid[TERN_ID_MAX];
    int64_t last_pos;
    size_t base, peak;          /* heap bytes before the walk, most during it */
    bool nested;                /* query the store from the callback */
    tern_store *kill_from;      /* NULL, or: end this store's server process at row 5 */
    const fx *f;
} walk;

static int count_row(void *ctx, const void *row)
{
    (*(unsigned *)ctx)++;
    (void)row;
    return 0;
}

static void kill_backend(const fx *f)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
             "'%s'",
             f->schema);
    fx_raw(f, sql);
}

static int walk_row(void *ctx, const tern_template_row *t)
{
    walk *w = ctx;
    size_t h = heap_in_use();
    if (h > w->peak)
        w->peak = h;
    /* in order: subject id, then position; never the same row twice */
    int c = strcmp(t->subject_id, w->last_sid);
    cr_assert(w->n == 0 || c > 0 || (c == 0 && t->position > w->last_pos),
              "row %u (%s, %lld) after (%s, %lld)", w->n, t->subject_id, (long long)t->position,
              w->last_sid, (long long)w->last_pos);
    memcpy(w->last_sid, t->subject_id, TERN_ID_MAX);
    w->last_pos = t->position;
    cr_assert_eq(t->data_len, DATA_LEN);
    unsigned i = (unsigned)t->data[0] << 24 | (unsigned)t->data[1] << 16 |
                 (unsigned)t->data[2] << 8 | t->data[3];
    cr_assert_lt(i, TEMPLATES);
    cr_assert(!w->seen[i], "template %u twice", i);
    w->seen[i] = true;
    cr_assert_str_eq(t->subject_id, w->fl->sid[i / FINGERS]);
    cr_assert_eq(t->position, (int64_t)(i % FINGERS + 1));
    static uint8_t want[DATA_LEN];
    payload(i, want);
    cr_assert(memcmp(t->data, want, DATA_LEN) == 0, "template %u: bytes differ", i);
    if (w->nested) { /* the same connection, while the walk's rows are pending */
        tern_error err;
        tern_subject sub;
        OK(tern_store_get(w->s, TERN_ENT_SUBJECT, t->subject_id, &sub, &err));
        tern_store_row_clear(TERN_ENT_SUBJECT, &sub);
        if (t->position == 1) {
            unsigned mine = 0;
            OK(tern_store_each(w->s, TERN_ENT_TEMPLATE, "subject_id", t->subject_id, count_row,
                               &mine, &err));
            cr_assert_eq(mine, FINGERS);
        }
    }
    w->n++;
    if (w->kill_from && w->n == 5)
        kill_backend(w->f);
    return w->stop_at && w->n == w->stop_at;
}

static tern_status walk_gallery(tern_store *s, walk *w, tern_error *err)
{
    w->s = s;
    w->n = 0;
    memset(w->seen, 0, sizeof w->seen);
    w->base = w->peak = heap_in_use();
    return tern_store_templates_each(s, NULL, NULL, 0, walk_row, w, err);
}

/* A store filled with the test's templates, and a walk over them (static:
 * too large for a test's stack). */
static walk *filled_walk(tern_store *s)
{
    static fill fl;
    static walk w;
    fill_store(s, &fl);
    memset(&w, 0, sizeof w);
    w.fl = &fl;
    return &w;
}

STORE_TEST(store_stream, a_large_result_arrives_in_order_every_row_once_in_bounded_memory)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    walk *w = filled_walk(s);
    OK(walk_gallery(s, w, &err));
    cr_assert_eq(w->n, TEMPLATES);
    for (unsigned i = 0; i < TEMPLATES; i++)
        cr_assert(w->seen[i], "template %u missing", i);
#ifndef TERN_SANITIZED /* the sanitizers' allocator does not count into mallinfo2 */
    /* the whole result (TEMPLATES x DATA_LEN, sealed) never in memory at once:
     * a whole-result read holds all of it */
    size_t whole = (size_t)TEMPLATES * DATA_LEN;
    cr_assert_lt(w->peak - w->base, whole / 3, "%s: %zu heap bytes during the walk of %zu",
                 backend == FX_PG ? "postgresql" : "sqlite", w->peak - w->base, whole);
#endif
    fx_end(&f, s);
}

STORE_TEST(store_stream, a_walk_stopped_early_leaves_the_connection_serving_the_next_statement)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    walk *w = filled_walk(s);
    w->stop_at = 10;
    OK(walk_gallery(s, w, &err));
    cr_assert_eq(w->n, 10);
    int64_t n = 0;
    OK(tern_store_count(s, TERN_ENT_TEMPLATE, NULL, NULL, &n, &err));
    cr_assert_eq(n, TEMPLATES);
    /* a transaction, then a whole walk */
    char sid[TERN_ID_MAX];
    OK(tern_store_begin(s, &err));
    fx_subject(s, "After", sid);
    OK(tern_store_commit(s, &err));
    w->stop_at = 0;
    OK(walk_gallery(s, w, &err));
    cr_assert_eq(w->n, TEMPLATES);
    fx_end(&f, s);
}

STORE_TEST(store_stream, queries_from_the_row_callback_see_their_rows_and_the_walk_goes_on)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, backend, true);
    walk *w = filled_walk(s);
    w->nested = true;
    OK(walk_gallery(s, w, &err));
    cr_assert_eq(w->n, TEMPLATES);
    for (unsigned i = 0; i < TEMPLATES; i++)
        cr_assert(w->seen[i], "template %u missing", i);
    fx_end(&f, s);
}

/* A query whose row 3001 fails on the server (division by zero), after
 * 3000 rows were sent. */
#define FAILING_SQL                                                                           \
    "SELECT g.i, CASE WHEN g.i > 3000 THEN 1 / (g.i - g.i) ELSE g.i END"                    \
    " FROM generate_series(1, 5000) AS g(i)"

/* Steps st from row `from` (1-based) to 3000, then expects the failure. */
static void rows_then_failure(tern_store *s, store_stmt *st, int from)
{
    tern_error err;
    for (int i = from; i <= 3000; i++) {
        bool row = false;
        OK(s->ops->step(st, &row, &err));
        cr_assert(row, "row %d missing", i);
        cr_assert_eq(s->ops->col_i64(st, 0), i);
        cr_assert_eq(s->ops->col_i64(st, 1), i);
    }
    bool row = false;
    FAILS(TERN_E_IO, s->ops->step(st, &row, &err));
    cr_assert_not(row);
    cr_assert(strstr(err.message, "postgresql: reading rows (after 3000)") &&
                  strstr(err.message, "division by zero") && strstr(err.message, "22012"),
              "%s", err.message);
    cr_log_info("%s", err.message);
}

Test(store_stream_pg, a_server_error_after_some_rows_is_returned_and_the_connection_goes_on)
{
    fx f;
    tern_error err;
    tern_store *s = fx_begin(&f, FX_PG, true);
    /* streamed: the rows, then the failure */
    store_stmt *st = NULL;
    OK(s->ops->prepare(s->db, FAILING_SQL, &st, &err));
    s->ops->stream(st);
    rows_then_failure(s, st, 1);
    s->ops->finalize(st);
    int64_t n = 0;
    OK(tern_store_count(s, TERN_ENT_AGENCY, NULL, NULL, &n, &err));
    cr_assert_eq(n, 2);
    /* another query after 10 rows: the rest and the failure are read ahead,
     * the query runs, and the statement goes on to the same end */
    OK(s->ops->prepare(s->db, FAILING_SQL, &st, &err));
    s->ops->stream(st);
    for (int i = 1; i <= 10; i++) {
        bool row = false;
        OK(s->ops->step(st, &row, &err));
        cr_assert(row);
        cr_assert_eq(s->ops->col_i64(st, 0), i);
    }
    n = 0;
    OK(tern_store_count(s, TERN_ENT_USER, NULL, NULL, &n, &err));
    cr_assert_eq(n, 3);
    rows_then_failure(s, st, 11);
    s->ops->finalize(st);
    /* finalized before the failure: dropped, the connection goes on */
    OK(s->ops->prepare(s->db, FAILING_SQL, &st, &err));
    s->ops->stream(st);
    bool row = false;
    OK(s->ops->step(st, &row, &err));
    cr_assert(row);
    s->ops->finalize(st);
    OK(tern_store_count(s, TERN_ENT_AGENCY, NULL, NULL, &n, &err));
    cr_assert_eq(n, 2);
    fx_end(&f, s);
}

Test(store_stream_pg, a_connection_lost_mid_walk_is_a_failure_naming_it)
{
    fx f;
    tern_error err;
    fx_setup(&f, FX_PG);
    size_t len = strlen(f.url);
    snprintf(f.url + len, sizeof f.url - len, " application_name=%s", f.schema);
    tern_store *s = fx_open(&f);
    fx_seed(s);
    walk *w = filled_walk(s);
    w->kill_from = s;
    w->f = &f;
    tern_error_clear(&err);
    tern_status rc = walk_gallery(s, w, &err);
    cr_assert_eq(rc, TERN_E_IO, "%s after %u rows: %s", tern_status_name(rc), w->n, err.message);
    cr_assert_lt(w->n, TEMPLATES);
    cr_assert(strstr(err.message, "postgresql: reading rows (after "), "%s", err.message);
    cr_log_info("after %u rows: %s", w->n, err.message);
    fx_end(&f, s);
}
