/* api_fixture.c - shared set-up of the node's tests (api_fixture.h). */
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api_fixture.h"
#include "server_fork.h"
#include "tern/synth.h"
#include "tern/template.h"
#include "tern/template_io.h"
#include "tern_test.h"

static tern_template *af_finger(uint64_t seed, uint64_t index, unsigned k, unsigned imp)
{
    tern_synth_identity id;
    tern_synth_identity_make(seed, index, &id);
    tern_synth_timpression_opts o;
    tern_synth_timpression_defaults(&o);
    o.jitter = 0.5;
    tern_synth_tfinger *f = NULL;
    tern_template *t = NULL;
    cr_assert_eq(tern_synth_tfinger_create(id.finger_seed[k], (int)id.finger_class[k], &f, NULL),
                 TERN_OK);
    cr_assert_eq(tern_synth_tfinger_impression(f, tern_synth_seed_mix(seed, index * 16 + k, imp),
                                               &o, &t, NULL),
                 TERN_OK);
    tern_synth_tfinger_free(f);
    t->finger_position = (uint8_t)(k + 1);
    return t;
}

char *af_fingers_json(uint64_t seed, uint64_t index, unsigned imp, unsigned n,
                      const unsigned *positions)
{
    json_t *arr = json_array();
    for (unsigned i = 0; i < n; i++) {
        unsigned pos = positions ? positions[i] : i + 1;
        cr_assert(pos >= 1 && pos <= 10);
        tern_template *t = af_finger(seed, index, pos - 1, imp);
        uint8_t *buf = NULL;
        size_t len = 0;
        cr_assert_eq(tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &buf, &len, NULL), TERN_OK);
        size_t b64len = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(b64len);
        sodium_bin2base64(b64, b64len, buf, len, sodium_base64_VARIANT_ORIGINAL);
        json_array_append_new(arr, json_pack("{s:i,s:i,s:s}", "position", (int)pos, "impression",
                                             0, "template", b64));
        free(b64);
        free(buf);
        tern_template_free(t);
    }
    char *s = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return s;
}

void af_store_identities(tern_store *s, uint64_t seed, unsigned n, char (*subjects)[TERN_ID_MAX])
{
    tern_error err;
    int64_t now = tern_store_now_ms();
    cr_assert_eq(tern_store_begin(s, &err), TERN_OK, "%s", err.message);
    for (unsigned i = 0; i < n; i++) {
        tern_subject sub = {.category = "default", .created_ms = now,
                            .retain_until_ms = now + 86400000LL * 3650};
        cr_assert_eq(tern_store_subject_insert(s, &sub, &err), TERN_OK, "%s", err.message);
        tern_identity idr = {.agency_id = "CL-PDI", .family_name = "SYNTH-Fixture",
                             .created_ms = now};
        memcpy(idr.subject_id, sub.id, TERN_ID_MAX);
        cr_assert_eq(tern_store_identity_insert(s, &idr, &err), TERN_OK, "%s", err.message);
        for (unsigned k = 0; k < 10; k++) {
            tern_template *t = af_finger(seed, i, k, 0);
            uint8_t *data = NULL;
            size_t len = 0;
            cr_assert_eq(tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &data, &len, NULL),
                         TERN_OK);
            tern_template_row row = {.position = (int)k + 1,
                                     .engine_version = (char *)TERN_ENGINE_VERSION,
                                     .data = data, .data_len = len, .created_ms = now};
            memcpy(row.subject_id, sub.id, TERN_ID_MAX);
            cr_assert_eq(tern_store_template_insert(s, &row, &err), TERN_OK, "%s", err.message);
            free(data);
            tern_template_free(t);
        }
        if (subjects)
            memcpy(subjects[i], sub.id, TERN_ID_MAX);
    }
    cr_assert_eq(tern_store_commit(s, &err), TERN_OK, "%s", err.message);
}

void af_listed_gallery(tern_core *c, tern_store *s, uint64_t seed, unsigned n, unsigned listed,
                       char (*subjects)[TERN_ID_MAX], char *entry)
{
    tern_error err;
    char tok[TERN_APIKEY_TOKEN_MAX];
    cr_assert_eq(tern_api_bootstrap(c, s, "CL-PDI", "u-analyst", TERN_ROLE_ANALYST, 1, tok, &err),
                 TERN_OK, "%s", err.message);
    cr_assert_eq(tern_api_bootstrap(c, s, "CL-PDI", "u-sup", TERN_ROLE_SUPERVISOR, 1, tok, &err),
                 TERN_OK, "%s", err.message);
    tern_retention_rule rule = {.id = "default", .days = 3650, .description = "test"};
    cr_assert_eq(tern_store_retention_rule_insert(s, &rule, &err), TERN_OK, "%s", err.message);
    af_store_identities(s, seed, n, subjects);
    tern_watchlist wl = {.id = "toc", .owner_agency_id = "CL-PDI", .name = "TOC",
                         .category = "transnational organised crime", .handling = "detain"};
    tern_actor sup = {"u-sup", "test"}, ana = {"u-analyst", "test"};
    int64_t now = tern_store_now_ms();
    cr_assert_eq(tern_core_watchlist_create(c, &sup, &wl, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_core_nominate(c, &ana, "toc", subjects[listed], "case 1", now + 86400000LL,
                                    now + 86400000LL * 30, now, entry, &err),
                 TERN_OK, "%s", err.message);
    cr_assert_eq(tern_core_approve(c, &sup, entry, now, &err), TERN_OK, "%s", err.message);
}

pid_t af_server_fork(const tern_api_config *cfg, unsigned *port)
{
    pid_t pid = tern_test_server_fork(cfg, 30000, port);
    cr_assert(pid > 0, "the forked server did not start");
    return pid;
}
