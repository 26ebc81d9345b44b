/* test_admin.c - `tern admin` end to end on a temporary data directory:
 * init (keys outside the data directory), users, enrollment from synthetic
 * template files with a JSON biography, identify (hit with the officer's
 * yellow notice, no-hit), watchlist with the four-eyes rule, an examiner's
 * confirmation turning the notice red, refusals with a non-zero exit, and
 * `audit verify` (also after tampering); the bulk `import` of synthetic
 * identity folders and its `import dedup`, and the settling of a batch a
 * crash cut by its label. The binary is the one built next to this test
 * (BUILD/bin/tern). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ident_fixture.h"
#include "store_fixture.h"
#include "tern/core.h"
#include "tern/import.h"
#include "tern/template_io.h"

typedef struct env {
    char bin[1024];
    char dir[128];
    char out[8192];
} env;

static void env_up(env *e)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    cr_assert_gt(n, 0);
    self[n] = 0;
    char *slash = strrchr(self, '/');
    *slash = 0; /* BUILD/tests */
    snprintf(e->bin, sizeof e->bin, "%.900s/../bin/tern", self);
    if (access(e->bin, X_OK) != 0)
        cr_skip_test("%s not built (make all)", e->bin);
    snprintf(e->dir, sizeof e->dir, "/tmp/tern-admin-test-XXXXXX");
    cr_assert_not_null(mkdtemp(e->dir));
}

static void env_down(env *e)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
    cr_assert_eq(system(cmd), 0);
}

/* Runs the shell command line cmd and returns its exit status; stdout and
 * stderr land in e->out. */
static int capture(env *e, const char *cmd)
{
    char line[4000];
    snprintf(line, sizeof line, "{ %.3800s; } > %s/out 2>&1", cmd, e->dir);
    int st = system(line);
    char path[200];
    snprintf(path, sizeof path, "%s/out", e->dir);
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(e->out, 1, sizeof e->out - 1, f) : 0;
    e->out[len] = 0;
    if (f)
        fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs `tern admin --data DIR/data --keys DIR/keys ARGS` (as capture). */
static int run(env *e, const char *fmt, ...)
{
    char args[2048], cmd[3500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    args[sizeof args - 1] = 0;
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%.1000s admin --data %s/data --keys %s/keys %.1900s", e->bin,
             e->dir, e->dir, args);
    return capture(e, cmd);
}

#define RUN_OK(e, ...) cr_assert_eq(run(e, __VA_ARGS__), 0, "%s", (e)->out)

/* Writes the ten templates of synthetic identity `index`, capture `imp`, as
 * DIR/p<index>_<imp>_<pos>.tern and returns the FILE@POS list. */
static void write_prints(env *e, uint64_t index, unsigned imp, char *list, size_t size)
{
    tern_template *t[10];
    ix_fingers(0xad1, index, imp, t);
    size_t n = 0;
    list[0] = 0;
    for (int k = 0; k < 10; k++) {
        uint8_t *data;
        size_t len;
        cr_assert_eq(tern_template_encode(t[k], TERN_TEMPLATE_FORMAT_TERN, &data, &len, NULL),
                     TERN_OK);
        char path[256];
        snprintf(path, sizeof path, "%s/p%u_%u_%d.tern", e->dir, (unsigned)index, imp, k + 1);
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(data, 1, len, f), len);
        fclose(f);
        free(data);
        n += (size_t)snprintf(list + n, size - n, "%s@%d:rolled ", path, k + 1);
    }
    ix_free(t);
}

static void subject_of(const char *out, char sid[64])
{
    const char *p = strstr(out, "sbj_");
    cr_assert_not_null(p, "no subject id in: %s", out);
    size_t n = strcspn(p, " ,()\n");
    snprintf(sid, 64, "%.*s", (int)n, p);
}

static void id_after(const char *out, const char *prefix, char id[64])
{
    const char *p = strstr(out, prefix);
    cr_assert_not_null(p, "no %s in: %s", prefix, out);
    size_t n = strcspn(p, " :,()\n");
    snprintf(id, 64, "%.*s", (int)n, p);
}

Test(admin, node_life_end_to_end, .timeout = 120)
{
    env e;
    env_up(&e);
    RUN_OK(&e, "init --agency CL-PDI --country CHL");
    cr_assert(strstr(e.out, "initialised") != NULL);
    RUN_OK(&e, "user add off1 --roles officer");
    RUN_OK(&e, "user add ex1 --roles examiner");
    RUN_OK(&e, "user add an1 --roles analyst");
    RUN_OK(&e, "user add sup2 --roles supervisor");
    cr_assert_neq(run(&e, "--as off1 user add x --roles admin"), 0, "an officer added a user");

    char bio[256];
    snprintf(bio, sizeof bio, "%s/bio.json", e.dir);
    FILE *f = fopen(bio, "w");
    fputs("{\"family_name\": \"SYNTH-Rojas\", \"given_names\": \"SYNTH-Ana\", "
          "\"date_of_birth\": \"1990-04-01\"}", f);
    fclose(f);
    static char list[4096];
    char s1[64], s2[64];
    write_prints(&e, 1, 0, list, sizeof list);
    RUN_OK(&e, "--as off1 enroll --bio %s --location SCL %s", bio, list);
    subject_of(e.out, s1);
    write_prints(&e, 2, 0, list, sizeof list);
    RUN_OK(&e, "--as off1 enroll --bio %s %s", bio, list);
    subject_of(e.out, s2);

    /* hit: yellow for the officer */
    write_prints(&e, 1, 1, list, sizeof list);
    RUN_OK(&e, "--as off1 identify --location SCL %s", list);
    cr_assert(strncmp(e.out, "hit", 3) == 0, "%s", e.out);
    cr_assert(strstr(e.out, "YELLOW") != NULL, "%s", e.out);
    cr_assert(strstr(e.out, "candidate") == NULL, "an officer saw candidates: %s", e.out);
    /* no-hit */
    static char other[4096];
    write_prints(&e, 3, 1, other, sizeof other);
    RUN_OK(&e, "--as off1 identify %s", other);
    cr_assert(strncmp(e.out, "no-hit", 6) == 0, "%s", e.out);

    /* watchlist: four eyes, then a watchlist alert an examiner confirms */
    RUN_OK(&e, "--as sup2 watchlist create toc --name TOC --category crime "
               "--handling 'Detain; call the duty desk'");
    RUN_OK(&e, "--as an1 watchlist nominate toc %s --basis 'case 7' --review-days 30 "
               "--expires-days 90", s1);
    char entry[64];
    id_after(e.out, "wle_", entry);
    cr_assert_neq(run(&e, "--as an1 watchlist approve %s", entry), 0, "%s", e.out);
    RUN_OK(&e, "--as sup2 watchlist approve %s", entry);
    RUN_OK(&e, "--as off1 identify %s", list);
    char alert[64];
    id_after(e.out, "alr_", alert);
    RUN_OK(&e, "--as off1 alerts show %s", alert);
    cr_assert(strncmp(e.out, "YELLOW", 6) == 0, "%s", e.out);
    cr_assert_neq(run(&e, "--as off1 alerts decide %s confirmed --reasons x", alert), 0);
    RUN_OK(&e, "--as ex1 alerts decide %s confirmed --reasons 'ten fingers agree'", alert);
    RUN_OK(&e, "--as off1 alerts show %s", alert);
    cr_assert(strncmp(e.out, "RED", 3) == 0, "%s", e.out);
    cr_assert(strstr(e.out, "Detain; call the duty desk") != NULL, "%s", e.out);

    /* 1:1 */
    RUN_OK(&e, "--as off1 verify %s %s", s1, list);
    cr_assert(strncmp(e.out, "match", 5) == 0, "%s", e.out);
    RUN_OK(&e, "--as off1 verify %s %s", s2, list);
    cr_assert(strncmp(e.out, "no match", 8) == 0, "%s", e.out);

    /* bad input: typed refusal, non-zero exit */
    cr_assert_neq(run(&e, "--as off1 enroll %s/missing.tern@1", e.dir), 0);
    cr_assert_neq(run(&e, "--as off1 enroll --category nope %s", list), 0);
    cr_assert(strstr(e.out, "retention") != NULL, "%s", e.out);

    /* retention: nobody is past their time yet (the default rule is ten
     * years), and s1 is held by its active entry in any case */
    RUN_OK(&e, "retention apply");
    cr_assert(strstr(e.out, "0 subjects purged") != NULL, "%s", e.out);
    cr_assert_neq(run(&e, "retention purge"), 0, "an unknown retention verb was accepted");

    RUN_OK(&e, "audit verify");
    cr_assert(strstr(e.out, "verified") != NULL, "%s", e.out);
    /* tampering is detected */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "sqlite3 %s/data/tern.db \"UPDATE audit_events SET outcome = 'denied' WHERE seq = 3\" "
             ">/dev/null 2>&1", e.dir);
    if (system(cmd) == 0) {
        cr_assert_neq(run(&e, "audit verify"), 0, "tampering not detected: %s", e.out);
        cr_assert(strstr(e.out, "BROKEN") != NULL, "%s", e.out);
    }
    env_down(&e);
}

Test(admin, keys_never_inside_the_data_directory)
{
    env e;
    env_up(&e);
    char cmd[1500];
    snprintf(cmd, sizeof cmd, "%s admin --data %s/d --keys %s/d/keys init > /dev/null 2>&1",
             e.bin, e.dir, e.dir);
    int st = system(cmd);
    cr_assert_neq(WEXITSTATUS(st), 0, "keys inside the data directory were accepted");
    env_down(&e);
}

/* NIST's ink ten-print card (rolled 1-10, plain thumbs 11-12, slaps 13-14)
 * enrolls ten fingers with its slaps sequence-checked against the rolled
 * prints; NIST's slap-only transaction of the same person (Type-4 slaps
 * 13, 14 and a Type-14 two-thumb slap 15) enrolls ten fingers cut from the
 * three slaps, and is linked yellow to the card's subject. */
Test(admin, nist_card_and_slaps_enroll_one_person, .timeout = 120)
{
    TERN_REQUIRE_DATA(card, "an2k/nist-reference/type-14-tpcard-nqm.an2");
    TERN_REQUIRE_DATA(slaps, "an2k/nist-reference/type-4-14-slaps.an2");
    env e;
    env_up(&e);
    RUN_OK(&e, "init --agency CL-PDI --country CHL");
    RUN_OK(&e, "user add off1 --roles officer");
    char bio[256], s1[64];
    snprintf(bio, sizeof bio, "%s/bio.json", e.dir);
    FILE *f = fopen(bio, "w");
    fputs("{\"family_name\": \"NIST-Card\"}", f);
    fclose(f);
    RUN_OK(&e, "--as off1 enroll --bio %s --nist %s", bio, card);
    cr_assert(strstr(e.out, "10 fingers") != NULL, "%s", e.out);
    subject_of(e.out, s1);
    RUN_OK(&e, "--as off1 enroll --bio %s --nist %s", bio, slaps);
    cr_assert(strstr(e.out, "10 fingers") != NULL, "%s", e.out);
    cr_assert(strstr(e.out, "possible duplicate of subject") && strstr(e.out, s1), "%s", e.out);
    RUN_OK(&e, "audit verify");
    env_down(&e);
}

/* ---- tern admin import --------------------------------------------------- */

/* The data directory's store, opened in this process to check it. */
typedef struct node {
    tern_key key;
    tern_sign_key sign;
    tern_store *s;
    tern_core *c;
} node;

static void node_open(env *e, node *n)
{
    tern_error err;
    char path[300], url[300];
    snprintf(path, sizeof path, "%s/keys/data.key", e->dir);
    OK(tern_key_load(path, NULL, NULL, &n->key, &err));
    snprintf(path, sizeof path, "%s/keys/node.key", e->dir);
    OK(tern_sign_key_load(path, NULL, &n->sign, &err));
    snprintf(url, sizeof url, "sqlite:%s/data/tern.db", e->dir);
    OK(tern_store_open(url, &n->key, &n->s, &err));
    OK(tern_core_create(n->s, &n->sign, &n->c, &err));
}

static void node_close(node *n)
{
    tern_core_free(n->c);
    tern_store_close(n->s);
}

static int64_t node_rows(env *e, tern_entity what, const char *field, const char *value)
{
    tern_error err;
    node n;
    node_open(e, &n);
    int64_t count = -1;
    OK(tern_store_count(n.s, what, field, value, &count, &err));
    node_close(&n);
    return count;
}

static int64_t node_pending(env *e)
{
    tern_error err;
    node n;
    node_open(e, &n);
    int64_t count = -1;
    OK(tern_core_import_dedup_pending(n.c, &count, &err));
    node_close(&n);
    return count;
}

typedef struct event_count {
    const char *action, *outcome;
    int64_t n, last_seq;
} event_count;

static int count_events(void *ctx, const void *row)
{
    event_count *c = ctx;
    const tern_audit_event *ev = row;
    c->n += strcmp(ev->action, c->action) == 0 && strcmp(ev->outcome, c->outcome) == 0;
    c->last_seq = ev->seq;
    return 0;
}

/* Audit events of one action and outcome; *last_seq (may be NULL) gets the
 * chain's last sequence number. */
static int64_t node_events(env *e, const char *action, const char *outcome, int64_t *last_seq)
{
    tern_error err;
    node n;
    node_open(e, &n);
    event_count c = {action, outcome, 0, 0};
    OK(tern_store_audit_each(n.s, 1, count_events, &c, &err));
    node_close(&n);
    if (last_seq)
        *last_seq = c.last_seq;
    return c.n;
}

static int copy_family(void *ctx, const void *row)
{
    const tern_identity *idr = row;
    *(char **)ctx = strdup(idr->family_name ? idr->family_name : "");
    return 1;
}

typedef struct link_check {
    tern_store *s;
    size_t links, yellow, same_person;
} link_check;

/* A link joins the same person when both subjects' identity records carry
 * the same (synthetic, random) family name: a planted copy keeps it. */
static int check_link(void *ctx, const void *row)
{
    link_check *c = ctx;
    const tern_link *l = row;
    tern_error err;
    char *a = NULL, *b = NULL;
    OK(tern_store_each(c->s, TERN_ENT_IDENTITY, "subject_id", l->subject_a, copy_family, &a,
                       &err));
    OK(tern_store_each(c->s, TERN_ENT_IDENTITY, "subject_id", l->subject_b, copy_family, &b,
                       &err));
    cr_assert(a && b, "a linked subject has no identity record");
    c->links++;
    c->yellow += l->colour == TERN_LINK_YELLOW;
    c->same_person += strcmp(a, b) == 0;
    free(a);
    free(b);
    return 0;
}

/* Folder dst of src: a second capture of the identity in src (its _2 views
 * as _1), under the same biographic data. */
static void plant_copy(env *e, const char *src, const char *dst)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cp -r %s %s && for f in %s/*_2.tern; do mv \"$f\" \"${f%%_2.tern}_1.tern\"; done",
             src, dst, dst);
    cr_assert_eq(capture(e, cmd), 0, "%s", e->out);
}

static void synth(env *e, const char *out, unsigned n, unsigned seed)
{
    char cmd[1500];
    snprintf(cmd, sizeof cmd, "%.1000s synth --identities %u --impressions 2 --templates "
             "--seed %u --out %s/%s", e->bin, n, seed, e->dir, out);
    cr_assert_eq(capture(e, cmd), 0, "%s", e->out);
}

/* `tern admin import` of `tern synth --identities --templates` folders with
 * two planted second captures: admin only; batches of --batch, each one
 * transaction and one import.batch event; a second run imports nothing; a
 * batch whose commit the journal missed is found in the audit chain, and
 * one begun but never stored is imported; `import dedup` (in two runs)
 * links exactly the two planted pairs, yellow, merging nothing; identities
 * in ISO/IEC 19794-2:2011 multi-view records import; a missing
 * directory and a corrupt template file are refused naming them, leaving
 * the store as it was before the failing batch; the audit chain verifies. */
Test(admin, bulk_import_in_batches_then_dedup, .timeout = 120)
{
    env e;
    env_up(&e);
    RUN_OK(&e, "init --agency CL-PDI --country CHL");
    RUN_OK(&e, "user add off1 --roles officer");
    synth(&e, "src", 5, 7);
    char a[300], b[300];
    snprintf(a, sizeof a, "%s/src/000002", e.dir);
    snprintf(b, sizeof b, "%s/src/000006", e.dir);
    plant_copy(&e, a, b);
    snprintf(a, sizeof a, "%s/src/000004", e.dir);
    snprintf(b, sizeof b, "%s/src/000007", e.dir);
    plant_copy(&e, a, b);

    cr_assert_neq(run(&e, "--as off1 import %s/src", e.dir), 0, "an officer imported");
    cr_assert(strstr(e.out, "may not import"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 0);
    cr_assert_eq(node_events(&e, "import.batch", "denied", NULL), 1);
    cr_assert_neq(run(&e, "import --batch 0 %s/src", e.dir), 0, "--batch 0 accepted");

    RUN_OK(&e, "import --batch 3 %s/src", e.dir);
    cr_assert(strstr(e.out, "7 imported (70 prints) in 3 transactions"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 7);
    cr_assert_eq(node_rows(&e, TERN_ENT_TEMPLATE, NULL, NULL), 70);
    cr_assert_eq(node_rows(&e, TERN_ENT_ENCOUNTER, "purpose", "import"), 7);
    cr_assert_eq(node_rows(&e, TERN_ENT_LINK, NULL, NULL), 0, "the import searched");
    cr_assert_eq(node_events(&e, "import.batch", "ok", NULL), 3);
    cr_assert_eq(node_events(&e, "subject.import", "ok", NULL), 7);
    cr_assert_eq(node_pending(&e), 7);

    /* again: nothing new */
    RUN_OK(&e, "import --batch 3 %s/src", e.dir);
    cr_assert(strstr(e.out, "7 already imported"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 7);
    /* the journal lost its last commit (a crash after the store's): the
     * audit chain says the batch is in */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "sed -i '$d' %s/data/import.journal && tail -1 "
             "%s/data/import.journal", e.dir, e.dir);
    cr_assert_eq(capture(&e, cmd), 0, "%s", e.out);
    cr_assert(strstr(e.out, "/src/000007"), "the last line was not the commit: %s", e.out);
    RUN_OK(&e, "import %s/src", e.dir);
    cr_assert(strstr(e.out, "was committed"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 7);
    /* a batch begun in the journal and never stored (a crash before the
     * store's commit) is imported; this begin line has no label, as the
     * journal of a version before batch labels wrote it */
    synth(&e, "more", 2, 11);
    int64_t head = 0;
    node_events(&e, "import.batch", "ok", &head);
    snprintf(cmd, sizeof cmd, "printf 'begin %lld 2\\n%s/more/000001\\n%s/more/000002\\n' >> "
             "%s/data/import.journal", (long long)head, e.dir, e.dir, e.dir);
    cr_assert_eq(capture(&e, cmd), 0, "%s", e.out);
    RUN_OK(&e, "import %s/more", e.dir);
    cr_assert(strstr(e.out, "was not stored") && strstr(e.out, "2 imported"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 9);

    /* the deferred de-duplication, in two runs */
    RUN_OK(&e, "import dedup --max 4");
    cr_assert(strstr(e.out, "4 imported subjects searched"), "%s", e.out);
    cr_assert_eq(node_pending(&e), 5);
    RUN_OK(&e, "import dedup");
    cr_assert(strstr(e.out, "5 imported subjects searched") && strstr(e.out, "0 still pending"),
              "%s", e.out);
    cr_assert_eq(node_pending(&e), 0);
    cr_assert_eq(node_events(&e, "subject.dedup", "ok", NULL), 9);
    node n;
    node_open(&e, &n);
    tern_error err;
    link_check lc = {.s = n.s};
    OK(tern_store_each(n.s, TERN_ENT_LINK, NULL, NULL, check_link, &lc, &err));
    node_close(&n);
    cr_assert_eq(lc.links, 2, "%zu links", lc.links);
    cr_assert_eq(lc.yellow, 2);
    cr_assert_eq(lc.same_person, 2, "a link joins two different people");
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 9, "subjects merged");

    /* refusals: a missing directory; a corrupt template file */
    int64_t events = node_events(&e, "import.batch", "ok", NULL);
    cr_assert_neq(run(&e, "import %s/no-such-dir", e.dir), 0);
    cr_assert(strstr(e.out, "no-such-dir"), "%s", e.out);
    synth(&e, "bad", 3, 13);
    snprintf(cmd, sizeof cmd, "echo garbage > %s/bad/000002/05_1.tern", e.dir);
    cr_assert_eq(capture(&e, cmd), 0, "%s", e.out);
    cr_assert_neq(run(&e, "import --batch 2 %s/bad", e.dir), 0, "a corrupt file imported");
    cr_assert(strstr(e.out, "bad/000002/05_1.tern"), "the file is not named: %s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 9);
    cr_assert_eq(node_events(&e, "import.batch", "ok", NULL), events);
    /* in batches of one, the folder before it is stored, then the run stops */
    cr_assert_neq(run(&e, "import --batch 1 %s/bad", e.dir), 0);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 10);
    /* mended (regenerated from its seed), the run goes on where it stopped */
    synth(&e, "bad", 3, 13);
    RUN_OK(&e, "import %s/bad", e.dir);
    cr_assert(strstr(e.out, "1 already imported") && strstr(e.out, "2 imported"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 12);

    /* exchange-format records: one templates.fmr of 10 x 2 views each */
    int64_t templates = node_rows(&e, TERN_ENT_TEMPLATE, NULL, NULL);
    snprintf(cmd, sizeof cmd, "%.300s synth --identities 2 --impressions 2 --templates "
             "--format iso19794-2:2011 --seed 17 --out %s/iso", e.bin, e.dir);
    cr_assert_eq(capture(&e, cmd), 0, "%s", e.out);
    RUN_OK(&e, "import %s/iso", e.dir);
    cr_assert(strstr(e.out, "2 imported (20 prints)"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 14);
    cr_assert_eq(node_rows(&e, TERN_ENT_TEMPLATE, NULL, NULL), templates + 20);
    /* each finger from its own view: the second captures of two fingers
     * (the same seed in Tern's format) find the identity */
    snprintf(cmd, sizeof cmd, "%.300s synth --identities 1 --impressions 2 --templates "
             "--seed 17 --out %s/iso-tern", e.bin, e.dir);
    cr_assert_eq(capture(&e, cmd), 0, "%s", e.out);
    RUN_OK(&e, "--as off1 identify %s/iso-tern/000001/02_2.tern@2 %s/iso-tern/000001/07_2.tern@7",
           e.dir, e.dir);
    cr_assert(strncmp(e.out, "hit", 3) == 0, "%s", e.out);
    /* and enroll reads such a record the same way: a possible duplicate */
    RUN_OK(&e, "--as off1 enroll --bio %s/iso/000002/identity.json", e.dir);
    cr_assert(strstr(e.out, "possible duplicate of subject"), "%s", e.out);

    RUN_OK(&e, "audit verify");
    env_down(&e);
}

/* The label of each import.batch event with outcome "ok", in chain order,
 * and the journal's labels (its begin lines' fourth field). */
typedef struct labels {
    char v[8][TERN_ID_MAX];
    size_t n;
} labels;

static int collect_label(void *ctx, const void *row)
{
    labels *l = ctx;
    const tern_audit_event *ev = row;
    if (strcmp(ev->action, "import.batch") == 0 && strcmp(ev->outcome, "ok") == 0) {
        cr_assert_str_eq(ev->object_type, "import_batch");
        cr_assert_lt(l->n, 8);
        memcpy(l->v[l->n++], ev->object_id, TERN_ID_MAX);
    }
    return 0;
}

static void journal_labels(env *e, const char *data, labels *l)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "awk '$1 == \"begin\" { print \"L\" $4 }' %s/%s/import.journal",
             e->dir, data);
    cr_assert_eq(capture(e, cmd), 0, "%s", e->out);
    l->n = 0; /* each line "L" and the label, "L" alone if none */
    for (char *line = strtok(e->out, "\n"); line && l->n < 8; line = strtok(NULL, "\n"))
        snprintf(l->v[l->n++], TERN_ID_MAX, "%s", line + 1);
}

/* Runs `tern admin` on a second data directory DIR/data2 whose store is
 * the first one's (two nodes of one PostgreSQL store, as it were). */
static int run2(env *e, const char *args)
{
    char cmd[2500];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/data2 && %.1000s admin --data %s/data2 --keys %s/keys "
             "--store sqlite:%s/data/tern.db %.900s", e->dir, e->bin, e->dir, e->dir, e->dir,
             args);
    return capture(e, cmd);
}

/* A batch the journal shows begun and not committed is settled by its
 * label alone: the journal's begin line carries the label that the
 * batch's import.batch event records, and another batch of the same size
 * by the same user after it (here from a second data directory on the same
 * store) neither counts as it nor hides it. */
Test(admin, torn_batch_settled_by_its_label, .timeout = 120)
{
    env e;
    env_up(&e);
    RUN_OK(&e, "init --agency CL-PDI --country CHL");
    synth(&e, "a", 2, 21);
    synth(&e, "b", 2, 22);
    synth(&e, "c", 2, 23);
    synth(&e, "d", 2, 24);

    /* never stored: a batch of a begun in the journal, then a crash */
    int64_t head = 0;
    node_events(&e, "import.batch", "ok", &head);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "printf 'journal 00000000000000aa\\nbegin %lld 2 "
             "00000000000000aa:1\\n%s/a/000001\\n%s/a/000002\\n' > %s/data/import.journal",
             (long long)head, e.dir, e.dir, e.dir);
    cr_assert_eq(capture(&e, cmd), 0, "%s", e.out);
    /* meanwhile the same user imports two others through another node */
    char args[300];
    snprintf(args, sizeof args, "import --batch 2 %s/b", e.dir);
    cr_assert_eq(run2(&e, args), 0, "%s", e.out);
    cr_assert(strstr(e.out, "2 imported"), "%s", e.out);
    RUN_OK(&e, "import %s/a", e.dir);
    cr_assert(strstr(e.out, "was not stored") && strstr(e.out, "2 imported"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 4);

    /* stored, and the journal lost its commit: found by its label, though
     * another node's batch of the same size came after it */
    RUN_OK(&e, "import --batch 2 %s/c", e.dir);
    snprintf(cmd, sizeof cmd, "sed -i '$d' %s/data/import.journal && tail -1 "
             "%s/data/import.journal", e.dir, e.dir);
    cr_assert_eq(capture(&e, cmd), 0, "%s", e.out);
    cr_assert(strstr(e.out, "/c/000002"), "the last line was not the commit: %s", e.out);
    snprintf(args, sizeof args, "import --batch 2 %s/d", e.dir);
    cr_assert_eq(run2(&e, args), 0, "%s", e.out);
    RUN_OK(&e, "import %s/c", e.dir);
    cr_assert(strstr(e.out, "was committed") && strstr(e.out, "0 imported"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 8);

    /* every batch's event carries its journal's label, and the labels of
     * the two journals are distinct */
    labels in_chain = {0}, j1 = {0}, j2 = {0};
    node n;
    node_open(&e, &n);
    tern_error err;
    OK(tern_store_audit_each(n.s, 1, collect_label, &in_chain, &err));
    node_close(&n);
    journal_labels(&e, "data", &j1);
    journal_labels(&e, "data2", &j2);
    cr_assert_eq(in_chain.n, 4);
    cr_assert_eq(j1.n, 3); /* the torn one, a, c */
    cr_assert_eq(j2.n, 2);
    cr_assert_str_eq(in_chain.v[0], j2.v[0]); /* b */
    cr_assert_str_eq(in_chain.v[1], j1.v[1]); /* a, imported again */
    cr_assert_str_eq(in_chain.v[2], j1.v[2]); /* c */
    cr_assert_str_eq(in_chain.v[3], j2.v[1]); /* d */
    for (size_t i = 0; i < 4; i++)
        for (size_t k = 0; k < i; k++)
            cr_assert_str_neq(in_chain.v[i], in_chain.v[k]);
    RUN_OK(&e, "audit verify");
    env_down(&e);
}

/* Stores two identities (synthetic persons 0x70 + i) through the library
 * as `admin`, with an unlabelled batch event: the form a version before
 * batch labels wrote. */
static void import_unlabelled(env *e)
{
    tern_error err;
    node n;
    node_open(e, &n);
    ix_prints p[2];
    tern_identity idr[2];
    tern_enroll_request req[2];
    for (size_t i = 0; i < 2; i++) {
        ix_prints_make(&p[i], 0xad1, 0x70 + i, 0);
        idr[i] = (tern_identity){.family_name = "SYNTH-Old"};
        req[i] = (tern_enroll_request){.identity = &idr[i], .category = "default",
                                       .n_fingers = 10, .fingers = p[i].f,
                                       .now_ms = tern_store_now_ms()};
    }
    tern_actor admin = {"admin", "administration"};
    OK(tern_core_import(n.c, NULL, &admin, NULL, req, 2, NULL, &err));
    for (size_t i = 0; i < 2; i++)
        ix_prints_free(&p[i]);
    node_close(&n);
}

/* A journal a version before batch labels wrote (no journal id, begin
 * lines without a label) is still read: its open batch is settled by that
 * version's rule, among the events of that version's form only (a later,
 * labelled batch of the same size does not count), then it gets an id and
 * its next batches labels. */
Test(admin, journal_before_labels_is_settled_as_before, .timeout = 120)
{
    env e;
    env_up(&e);
    RUN_OK(&e, "init --agency CL-PDI --country CHL");
    synth(&e, "a", 2, 31);
    synth(&e, "b", 2, 32);
    synth(&e, "c", 2, 33);

    /* committed in the previous version's form, the journal cut before
     * its commit line: skipped */
    int64_t head = 0;
    node_events(&e, "import.batch", "ok", &head);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "printf 'begin %lld 2\\n%s/a/000001\\n%s/a/000002\\n' > "
             "%s/data/import.journal", (long long)head, e.dir, e.dir, e.dir);
    cr_assert_eq(capture(&e, cmd), 0, "%s", e.out);
    import_unlabelled(&e);
    RUN_OK(&e, "import %s/a", e.dir);
    cr_assert(strstr(e.out, "was committed") && strstr(e.out, "0 imported"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 2);

    /* begun and never stored, while a labelled batch of the same size by
     * the same user came after it: imported */
    node_events(&e, "import.batch", "ok", &head);
    snprintf(cmd, sizeof cmd, "printf 'begin %lld 2\\n%s/b/000001\\n%s/b/000002\\n' >> "
             "%s/data/import.journal", (long long)head, e.dir, e.dir, e.dir);
    cr_assert_eq(capture(&e, cmd), 0, "%s", e.out);
    char args[300];
    snprintf(args, sizeof args, "import --batch 2 %s/c", e.dir);
    cr_assert_eq(run2(&e, args), 0, "%s", e.out);
    RUN_OK(&e, "import %s/b", e.dir);
    cr_assert(strstr(e.out, "was not stored") && strstr(e.out, "2 imported"), "%s", e.out);
    cr_assert_eq(node_rows(&e, TERN_ENT_SUBJECT, NULL, NULL), 6);

    /* the journal now has an id, and b's batch a label */
    labels j = {0};
    journal_labels(&e, "data", &j);
    cr_assert_eq(j.n, 3);
    cr_assert_str_eq(j.v[0], "");
    cr_assert_str_eq(j.v[1], "");
    cr_assert(strchr(j.v[2], ':'), "no label: %s", j.v[2]);
    RUN_OK(&e, "audit verify");
    env_down(&e);
}
