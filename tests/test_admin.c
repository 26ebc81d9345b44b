/* test_admin.c - `tern admin` end to end on a temporary data directory:
 * init (keys outside the data directory), users, enrollment from synthetic
 * template files with a JSON biography, identify (hit with the officer's
 * yellow notice, no-hit), watchlist with the four-eyes rule, an examiner's
 * confirmation turning the notice red, refusals with a non-zero exit, and
 * `audit verify` (also after tampering). The binary is the one built next
 * to this test (BUILD/bin/tern). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ident_fixture.h"
#include "tern/template_io.h"
#include "tern_test.h"

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

/* Runs `tern admin --data DIR/data --keys DIR/keys ARGS` and returns its
 * exit status; stdout and stderr land in e->out. */
static int run(env *e, const char *fmt, ...)
{
    char args[2048], cmd[3500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    args[sizeof args - 1] = 0;
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%.1000s admin --data %s/data --keys %s/keys %.1900s > %s/out 2>&1",
             e->bin, e->dir, e->dir, args, e->dir);
    int st = system(cmd);
    char path[200];
    snprintf(path, sizeof path, "%s/out", e->dir);
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(e->out, 1, sizeof e->out - 1, f) : 0;
    e->out[len] = 0;
    if (f)
        fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
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
