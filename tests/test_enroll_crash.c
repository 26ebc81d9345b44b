/* test_enroll_crash.c - nothing acknowledged is lost by enrollment, on both
 * backends: a child process enrolls synthetic ten-prints through
 * tern_core_enroll in a storm and reports each subject id only after the
 * call returned (one atomic pipe write); the parent SIGKILLs it at seeded
 * random moments, reopens the store, loads the gallery and checks that every
 * acknowledged enrollment is there whole (identity record, encounter, ten
 * templates) and searchable (1:1 verify matches), that no subject is there
 * without its templates, and that the audit chain verifies. Bounded: ROUNDS
 * rounds of at most STORM_MAX enrollments and STORM_MS milliseconds. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ident_fixture.h"
#include "store_fixture.h"
#include "tern/audit.h"
#include "tern/core.h"

#ifdef TERN_SANITIZED
#define ROUNDS 2
#else
#define ROUNDS 3
#endif
#define STORM_MAX 40
#define STORM_MS 4000
#define SEED 0xc4a5ull

typedef struct ack {
    uint32_t index;
    char sid[TERN_ID_MAX];
} ack;

static const tern_actor officer1 = {"officer1", "crash test"};

static void fingers_of(uint32_t index, tern_template *t[10], tern_core_finger f[10])
{
    ix_fingers(SEED, index, 0, t);
    for (int k = 0; k < 10; k++)
        f[k] = (tern_core_finger){.position = k + 1, .impression = 1, .tmpl = t[k]};
}

static void storm(const fx *fxp, uint32_t first, int out)
{
    tern_error err;
    tern_store *s;
    tern_core *c;
    tern_core_gallery *g;
    if (tern_store_open(fxp->url, &fxp->key, &s, &err) ||
        tern_core_create(s, &fxp->node, &c, &err) ||
        tern_core_gallery_load(c, &g, NULL, NULL, &err))
        _exit(2);
    int64_t until = tern_store_now_ms() + STORM_MS;
    for (uint32_t i = first; i < first + STORM_MAX && tern_store_now_ms() < until; i++) {
        tern_template *t[10];
        tern_core_finger f[10];
        fingers_of(i, t, f);
        tern_identity idr = {.family_name = "SYNTH-Crash"};
        tern_enroll_request req = {.identity = &idr, .category = "border-control",
                                   .n_fingers = 10, .fingers = f, .now_ms = tern_store_now_ms()};
        tern_enroll_result res;
        if (tern_core_enroll(c, g, &officer1, &req, &res, &err) != TERN_OK) {
            fprintf(stderr, "storm: %s\n", err.message);
            _exit(2);
        }
        ack a = {.index = i};
        memcpy(a.sid, res.subject_id, TERN_ID_MAX);
        if (write(out, &a, sizeof a) != (ssize_t)sizeof a)
            _exit(2);
        ix_free(t);
    }
    _exit(0);
}

/* One round: returns how many enrollments were acknowledged (into acks). */
static size_t round_of(const fx *fxp, uint32_t first, int delay_ms, ack *acks)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(p[0]);
        storm(fxp, first, p[1]);
    }
    close(p[1]);
    struct timespec d = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(!WIFEXITED(st) || WEXITSTATUS(st) == 0, "storm failed (exit %d)",
              WEXITSTATUS(st));
    size_t n = 0;
    ack a;
    ssize_t r;
    while ((r = read(p[0], &a, sizeof a)) == (ssize_t)sizeof a || (r < 0 && errno == EINTR))
        if (r > 0)
            acks[n++] = a;
    close(p[0]);
    return n;
}

static void check(tern_store *s, tern_core *c, tern_core_gallery *g, const ack *a)
{
    tern_error err;
    int64_t n = 0;
    OK(tern_store_count(s, TERN_ENT_TEMPLATE, "subject_id", a->sid, &n, &err));
    cr_assert_eq(n, 10, "acknowledged %s has %lld templates", a->sid, (long long)n);
    OK(tern_store_count(s, TERN_ENT_IDENTITY, "subject_id", a->sid, &n, &err));
    cr_assert_eq(n, 1);
    OK(tern_store_count(s, TERN_ENT_ENCOUNTER, "subject_id", a->sid, &n, &err));
    cr_assert_eq(n, 1);
    tern_template *t[10];
    tern_core_finger f[10];
    fingers_of(a->index, t, f);
    int match = 0;
    OK(tern_core_verify(c, g, &officer1, a->sid, 10, f, 0, &match, NULL, &err));
    cr_assert_eq(match, 1, "acknowledged %s is not searchable", a->sid);
    ix_free(t);
}

static int count_subject(void *ctx, const void *row)
{
    const tern_subject *sub = row;
    tern_store *s = ((void **)ctx)[0];
    int64_t n = 0;
    tern_store_count(s, TERN_ENT_TEMPLATE, "subject_id", sub->id, &n, NULL);
    if (n != 10)
        (*(int *)((void **)ctx)[1])++;
    return 0;
}

STORE_TEST(enroll_crash, acknowledged_enrollments_survive_sigkill, .timeout = 300)
{
    fx f;
    tern_store *s = fx_begin(&f, backend, true);
    tern_error err;
    tern_retention_rule r = {.id = "border-control", .days = 3650, .description = "x"};
    OK(tern_store_retention_rule_insert(s, &r, &err));
    tern_store_close(s);
    srand(0x5eed);
    ack *acks = calloc(ROUNDS * STORM_MAX, sizeof *acks);
    size_t total = 0;
    for (int round = 0; round < ROUNDS; round++)
        total += round_of(&f, (uint32_t)(round * STORM_MAX), 300 + rand() % 1500, acks + total);
    s = fx_open(&f);
    tern_core *c;
    tern_core_gallery *g;
    OK(tern_core_create(s, &f.node, &c, &err));
    OK(tern_core_gallery_load(c, &g, NULL, NULL, &err));
    for (size_t i = 0; i < total; i++)
        check(s, c, g, &acks[i]);
    int partial = 0;
    void *ctx[2] = {s, &partial};
    OK(tern_store_each(s, TERN_ENT_SUBJECT, NULL, NULL, count_subject, ctx, &err));
    cr_assert_eq(partial, 0, "%d subjects stored in part", partial);
    cr_assert_geq(tern_core_gallery_subjects(g), total);
    tern_audit_report rep;
    OK(tern_audit_verify(s, f.node.pk, &rep, &err));
    cr_log_info("%zu acknowledged enrollments survived %d SIGKILLs", total, ROUNDS);
    free(acks);
    tern_core_gallery_free(g);
    tern_core_free(c);
    fx_end(&f, s);
}
