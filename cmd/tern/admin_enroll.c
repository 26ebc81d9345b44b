/* admin_enroll.c - `tern admin enroll | identify | verify`: fingers from
 * image files, template files or an ANSI/NIST-ITL transaction (Type-4 and
 * Type-14 finger images, NIST SP 500-290), biographic data from JSON (Tern's
 * field names, or a synthetic identity.json of `tern synth --identities`),
 * handed to the core services. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_cli.h"
#include "cli.h"
#include "tern/bytes.h"
#include "tern/image.h"
#include "tern/nist.h"
#include "tern/nist_types.h"
#include "tern/template_io.h"

#define MAX_F TERN_CORE_MAX_FINGERS

typedef admin_fingers fingers;

void admin_fingers_free(fingers *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        tern_image_free(fs->img[i]);
        tern_template_free(fs->tmpl[i]);
    }
    fs->n = 0;
}

static int add_file(fingers *fs, const char *path, int position, int impression)
{
    if (fs->n == MAX_F)
        return cli_fail("at most %u fingers", MAX_F);
    tern_error err;
    size_t i = fs->n;
    if (tern_image_format_from_path(path) != TERN_IMAGE_UNKNOWN) {
        tern_image_decode_opts o = {.ppi = fs->ppi};
        if (tern_image_read_file(path, &o, &fs->img[i], &err) != TERN_OK)
            return cli_fail_err(path, &err);
    } else {
        uint8_t *data;
        size_t len;
        if (tern_file_read(path, TERN_TEMPLATE_MAX_BYTES, &data, &len, &err) != TERN_OK)
            return cli_fail_err(path, &err);
        tern_status rc = tern_template_decode(data, len, &fs->tmpl[i], &err);
        free(data);
        if (rc != TERN_OK)
            return cli_fail_err(path, &err);
    }
    fs->f[i] = (tern_core_finger){.position = position, .impression = impression,
                                  .image = fs->img[i], .tmpl = fs->tmpl[i]};
    fs->n++;
    return 0;
}

/* FILE@POS[:rolled|:plain] */
static int add_spec(fingers *fs, const char *spec)
{
    char buf[1200];
    snprintf(buf, sizeof buf, "%s", spec);
    char *at = strrchr(buf, '@');
    if (!at)
        return cli_fail("'%s': expected FILE@POSITION[:rolled|:plain]", spec);
    *at++ = 0;
    int impression = 0;
    char *colon = strchr(at, ':');
    if (colon) {
        *colon++ = 0;
        if (strcmp(colon, "rolled") == 0)
            impression = 1;
        else if (strcmp(colon, "plain") != 0)
            return cli_fail("'%s': impression must be rolled or plain", spec);
    }
    unsigned long pos;
    if (!cli_parse_uint("position", at, &pos) || pos > 15)
        return cli_fail("'%s': position 1..10 (13-15: slaps)", spec);
    return add_file(fs, buf, (int)pos, impression);
}

static int add_states(fingers *fs, const char *list, int state)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        unsigned long p;
        if (!cli_parse_uint("finger", t, &p) || fs->n == MAX_F)
            return 1;
        fs->f[fs->n++] = (tern_core_finger){.position = (int)p, .state = state};
    }
    return 0;
}

/* Type-4 and Type-14 finger images of an ANSI/NIST-ITL transaction. */
int admin_fingers_nist(fingers *fs, const char *path)
{
    tern_error err;
    uint8_t *data;
    size_t len;
    tern_nist *t;
    if (tern_file_read(path, TERN_NIST_MAX_BYTES, &data, &len, &err) != TERN_OK)
        return cli_fail_err(path, &err);
    tern_status rc = tern_nist_parse(data, len, &t, &err);
    free(data);
    if (rc != TERN_OK)
        return cli_fail_err(path, &err);
    int bad = 0;
    for (size_t r = 1; r < t->n_records && !bad; r++) {
        uint32_t type = t->records[r].type;
        tern_nist_image im;
        if ((type != 4 && type != 14) || tern_nist_image_get(t, r, &im, NULL) != TERN_OK)
            continue;
        if (fs->n == MAX_F) {
            bad = cli_fail("%s: more than %u finger images", path, MAX_F);
            break;
        }
        size_t i = fs->n;
        if (tern_nist_image_decode(&im, &fs->img[i], &err) != TERN_OK) {
            bad = cli_fail("%s: record %zu: %s", path, r, err.message);
            break;
        }
        fs->f[i] = (tern_core_finger){.position = im.positions[0],
                                      .impression = im.impression < 0 ? 0 : im.impression,
                                      .image = fs->img[i]};
        fs->n++;
    }
    tern_nist_free(t);
    if (!bad && fs->n == 0)
        bad = cli_fail("%s: no Type-4 or Type-14 finger image", path);
    return bad;
}

/* Biographic fields from JSON; the strings stay owned by *root. */
int admin_bio_load(const char *path, json_t **root, tern_identity *idr)
{
    json_error_t je;
    *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!*root || !json_is_object(*root))
        return cli_fail("%s: line %d: %s", path, je.line, *root ? "not an object" : je.text);
    static const struct {
        const char *key;
        size_t offset;
    } fields[] = {
        {"family_name", offsetof(tern_identity, family_name)},
        {"given_names", offsetof(tern_identity, given_names)},
        {"given_name", offsetof(tern_identity, given_names)},
        {"date_of_birth", offsetof(tern_identity, date_of_birth)},
        {"sex", offsetof(tern_identity, sex)},
        {"place_of_birth", offsetof(tern_identity, place_of_birth)},
        {"nationality", offsetof(tern_identity, nationality)},
        {"document_number", offsetof(tern_identity, document_number)},
        {"residence_status", offsetof(tern_identity, residence_status)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *v = json_object_get(*root, fields[i].key);
        if (!v)
            continue;
        if (!json_is_string(v))
            return cli_fail("%s: \"%s\" must be a string", path, fields[i].key);
        *(const char **)((char *)idr + fields[i].offset) = json_string_value(v);
    }
    return 0;
}

/* A synthetic identity.json lists its files per finger. */
int admin_fingers_listed(fingers *fs, const char *bio_path, json_t *root)
{
    json_t *list = json_object_get(root, "fingers");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", bio_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = 0;
    else
        dir[0] = 0;
    size_t i;
    json_t *f;
    json_array_foreach(list, i, f) {
        json_t *files = json_object_get(f, "files");
        json_t *pos = json_object_get(f, "position");
        const char *name = json_string_value(json_array_get(files, 0));
        if (!name || !json_is_integer(pos))
            continue;
        char path[2100];
        snprintf(path, sizeof path, "%s%s", dir, name);
        if (strcmp(name, ADMIN_RECORD) == 0) /* one record for every finger */
            return admin_fingers_record(fs, path);
        int rc = add_file(fs, path, (int)json_integer_value(pos), 0);
        if (rc)
            return rc;
    }
    return fs->n ? 0 : cli_fail("%s: no finger files listed", bio_path);
}

/* Options shared by enroll and identify; returns 0, or the exit status. */
typedef struct opts {
    const char *bio, *category, *location, *nist;
    tern_core_match_opts match;
} opts;

static int parse(int argc, char **argv, int first, fingers *fs, opts *o, bool enrolling)
{
    int rc = 0;
    for (int i = first; i < argc && !rc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (strcmp(a, "--ppi") == 0 && has)
            rc = cli_parse_double(a, argv[++i], &fs->ppi) ? 0 : 1;
        else if (strcmp(a, "--nist") == 0 && has)
            o->nist = argv[++i];
        else if (strcmp(a, "--location") == 0 && has)
            o->location = argv[++i];
        else if (strcmp(a, "--fpir") == 0 && has)
            rc = cli_parse_double(a, argv[++i], &o->match.target_fpir) ? 0 : 1;
        else if (strcmp(a, "--candidates") == 0 && has) {
            unsigned long n = 0;
            rc = cli_parse_uint(a, argv[++i], &n) && n <= TERN_CORE_MAX_CANDIDATES ? 0 : 1;
            o->match.max_candidates = n;
        }
        else if (enrolling && strcmp(a, "--bio") == 0 && has)
            o->bio = argv[++i];
        else if (enrolling && strcmp(a, "--category") == 0 && has)
            o->category = argv[++i];
        else if (enrolling && strcmp(a, "--missing") == 0 && has)
            rc = add_states(fs, argv[++i], TERN_FINGER_MISSING);
        else if (enrolling && strcmp(a, "--amputated") == 0 && has)
            rc = add_states(fs, argv[++i], TERN_FINGER_AMPUTATED);
        else if (a[0] == '-')
            rc = cli_fail("unknown option '%s'", a);
        else
            rc = add_spec(fs, a);
    }
    if (!rc && o->nist)
        rc = admin_fingers_nist(fs, o->nist);
    return rc;
}

int admin_enroll(admin_ctx *a, int argc, char **argv)
{
    fingers fs = {0};
    opts o = {.category = "default"};
    json_t *root = NULL;
    tern_identity idr = {0};
    int rc = parse(argc, argv, 1, &fs, &o, true);
    if (!rc && o.bio)
        rc = admin_bio_load(o.bio, &root, &idr);
    bool any = false;
    for (size_t i = 0; i < fs.n; i++)
        any |= fs.f[i].state == TERN_FINGER_PRESENT;
    if (!rc && !any && root)
        rc = admin_fingers_listed(&fs, o.bio, root);
    if (!rc && (rc = admin_gallery(a)) == 0) {
        tern_enroll_request req = {.identity = &idr, .category = o.category,
                                   .location = o.location, .n_fingers = fs.n,
                                   .fingers = fs.f, .match = o.match,
                                   .now_ms = tern_store_now_ms()};
        tern_enroll_result *res = calloc(1, sizeof *res);
        tern_error err;
        if (!res)
            rc = cli_fail("out of memory");
        else if (tern_core_enroll(a->core, a->gallery, &a->actor, &req, res, &err) != TERN_OK)
            rc = cli_fail_err("enroll", &err);
        else {
            printf("enrolled subject %s (identity record %s, encounter %s), %u fingers\n",
                   res->subject_id, res->identity_id, res->encounter_id, res->fingers_enrolled);
            for (size_t i = 0; i < res->n_links; i++)
                printf("possible duplicate of subject %s: yellow link %s pending an "
                       "examiner's review (not merged)\n",
                       res->linked_subjects[i], res->link_ids[i]);
        }
        free(res);
    }
    json_decref(root);
    admin_fingers_free(&fs);
    return rc;
}

static const char *const signal_names[] = {"GREEN", "YELLOW", "RED"};

int admin_identify(admin_ctx *a, int argc, char **argv)
{
    fingers fs = {0};
    opts o = {0};
    int rc = parse(argc, argv, 1, &fs, &o, false);
    if (!rc)
        rc = admin_gallery(a);
    tern_identify_result *res = rc ? NULL : calloc(1, sizeof *res);
    tern_error err;
    if (!rc && !res)
        rc = cli_fail("out of memory");
    if (!rc) {
        tern_identify_request req = {.location = o.location, .n_fingers = fs.n,
                                     .fingers = fs.f, .match = o.match,
                                     .now_ms = tern_store_now_ms()};
        if (tern_core_identify(a->core, a->gallery, &a->actor, &req, res, &err) != TERN_OK)
            rc = cli_fail_err("identify", &err);
    }
    if (!rc) {
        printf("%s (encounter %s)\n", res->hit ? "hit" : "no-hit", res->encounter_id);
        for (size_t i = 0; i < res->n_alerts && !rc; i++) {
            tern_alert_notice n;
            if (tern_core_alert_notice(a->core, &a->actor, res->alert_ids[i], &n, &err) != TERN_OK)
                rc = cli_fail_err(res->alert_ids[i], &err);
            else
                printf("alert %s: %s: %s\n", res->alert_ids[i], signal_names[n.signal],
                       n.message);
            tern_alert_notice_clear(&n);
        }
        for (size_t i = 0; i < res->n_candidates; i++)
            printf("candidate %zu: subject %s%s%s score %.2f (FMR %.2g)%s\n", i + 1,
                   res->candidates[i].subject_id, res->candidates[i].entry_id[0] ? " entry " : "",
                   res->candidates[i].entry_id, res->candidates[i].score, res->candidates[i].fmr,
                   res->candidates[i].alert ? " ALERT" : "");
    }
    free(res);
    admin_fingers_free(&fs);
    return rc;
}

int admin_verify(admin_ctx *a, int argc, char **argv)
{
    if (argc < 3)
        return cli_fail("usage: tern admin ... verify SUBJECT FILE@POS...");
    fingers fs = {0};
    opts o = {0};
    int rc = parse(argc, argv, 2, &fs, &o, false);
    if (!rc)
        rc = admin_gallery(a);
    if (!rc) {
        tern_error err;
        int match;
        double score;
        if (tern_core_verify(a->core, a->gallery, &a->actor, argv[1], fs.n, fs.f, 0, &match,
                             &score, &err) != TERN_OK)
            rc = cli_fail_err("verify", &err);
        else
            printf("%s (fused score %.2f)\n", match ? "match" : "no match", score);
    }
    admin_fingers_free(&fs);
    return rc;
}
