/* test_api_partner.c - step one of a partner node's query over HTTP
 * (POST /v1/partner/queries, docs/api.md "Partner queries"): hit / no-hit
 * against the watchlists only, one opaque reference per hit, nothing about
 * the person, the score or the watchlist; the national gallery is not
 * searched for a partner; only the partner role may call it; the query is
 * recorded and audited once, and the node's examiners see the alert. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_fixture.h"
#include "tern/audit.h"
#include "tern_test.h"

#define SEED 91
#define GALLERY 8
#define LISTED 3
#define ENROLLED_ONLY 5

typedef struct pnode {
    char dir[64], url[128];
    tern_api_config cfg;
    tern_api_server *srv;
    char partner[TERN_APIKEY_TOKEN_MAX], officer[TERN_APIKEY_TOKEN_MAX],
        examiner[TERN_APIKEY_TOKEN_MAX], auditor[TERN_APIKEY_TOKEN_MAX];
} pnode;

static void pnode_start(pnode *n)
{
    memset(n, 0, sizeof *n);
    snprintf(n->dir, sizeof n->dir, "/tmp/tern-partner-XXXXXX");
    cr_assert(mkdtemp(n->dir));
    snprintf(n->url, sizeof n->url, "sqlite:%s/tern.db", n->dir);
    n->cfg.store_url = n->url;
    n->cfg.workers = 2;
    tern_random(n->cfg.data_key.bytes, sizeof n->cfg.data_key.bytes);
    tern_sign_key_generate(&n->cfg.node_key);
    tern_store *s = NULL;
    tern_core *c = NULL;
    tern_error err;
    cr_assert_eq(tern_store_open(n->url, &n->cfg.data_key, &s, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_core_create(s, &n->cfg.node_key, &c, &err), TERN_OK, "%s", err.message);
    struct {
        const char *agency, *user;
        unsigned roles;
        char *tok;
    } users[] = {{"DE-BKA", "u-partner-de", TERN_ROLE_PARTNER, n->partner},
                 {"CL-PDI", "u-officer", TERN_ROLE_OFFICER, n->officer},
                 {"CL-PDI", "u-examiner", TERN_ROLE_EXAMINER, n->examiner},
                 {"CL-PDI", "u-auditor", TERN_ROLE_AUDITOR, n->auditor}};
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
        cr_assert_eq(tern_api_bootstrap(c, s, users[i].agency, users[i].user, users[i].roles, 1,
                                        users[i].tok, &err),
                     TERN_OK, "%s", err.message);
    char subjects[GALLERY][TERN_ID_MAX], entry[TERN_ID_MAX];
    af_listed_gallery(c, s, SEED, GALLERY, LISTED, subjects, entry);
    tern_core_free(c);
    tern_store_close(s);
    cr_assert_eq(tern_api_start(&n->cfg, &n->srv, &err), TERN_OK, "%s", err.message);
}

static void pnode_stop(pnode *n)
{
    tern_api_stop(n->srv, 5000);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", n->dir);
    cr_assert_eq(system(cmd), 0);
}

/* POSTs the two index fingers of person `who` (another capture) to path;
 * returns the status, the answer in *out and its raw text in raw. */
static int query(pnode *n, const char *tok, const char *path, uint64_t who, json_t **out,
                 char raw[4096])
{
    static const unsigned INDEX[2] = {2, 7};
    char *fj = af_fingers_json(SEED, who, 1, 2, INDEX);
    size_t cap = strlen(fj) + 128;
    char *body = malloc(cap);
    snprintf(body, cap, "{\"location\":\"FRA\",\"fingers\":%s}", fj);
    tern_api_response r;
    tern_error err;
    cr_assert_eq(tern_api_call(tern_api_port(n->srv), "POST", path, tok, "Pruem request 2026/44",
                               "application/json", body, strlen(body), &r, &err),
                 TERN_OK, "%s", err.message);
    snprintf(raw, 4096, "%s", r.body);
    *out = json_loadb(r.body, r.len, 0, NULL);
    int st = r.status;
    tern_api_response_clear(&r);
    free(body);
    free(fj);
    return st;
}

static json_t *get(pnode *n, const char *tok, const char *path)
{
    tern_api_response r;
    cr_assert_eq(tern_api_call(tern_api_port(n->srv), "GET", path, tok, "oversight", NULL, NULL,
                               0, &r, NULL),
                 TERN_OK);
    cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
    json_t *j = json_loadb(r.body, r.len, 0, NULL);
    tern_api_response_clear(&r);
    return j;
}

Test(api_partner, hit_no_hit_against_watchlists_only)
{
    pnode n;
    pnode_start(&n);
    json_t *j = NULL;
    char raw[4096];

    /* the listed person: a hit with one opaque reference, nothing else */
    cr_assert_eq(query(&n, n.partner, "/v1/partner/queries", LISTED, &j, raw), 201, "%s", raw);
    cr_expect(json_is_true(json_object_get(j, "hit")), "%s", raw);
    json_t *refs = json_object_get(j, "references");
    cr_assert_eq(json_array_size(refs), 1u, "%s", raw);
    char ref[TERN_ID_MAX];
    snprintf(ref, sizeof ref, "%s", json_string_value(json_array_get(refs, 0)));
    json_decref(j);
    static const char *const NEVER[] = {"score", "candidates", "subject", "SYNTH", "toc",
                                        "detain", "watchlist", "handling", "fmr"};
    for (size_t i = 0; i < sizeof NEVER / sizeof NEVER[0]; i++)
        cr_expect_null(strstr(raw, NEVER[i]), "a partner is told \"%s\": %s", NEVER[i], raw);

    /* enrolled but not listed: no hit for a partner (the national gallery is
     * not searched), while a national officer's encounter does hit */
    cr_assert_eq(query(&n, n.partner, "/v1/partner/queries", ENROLLED_ONLY, &j, raw), 201);
    cr_expect(json_is_false(json_object_get(j, "hit")), "%s", raw);
    cr_expect_eq(json_array_size(json_object_get(j, "references")), 0u);
    json_decref(j);
    cr_assert_eq(query(&n, n.officer, "/v1/encounters", ENROLLED_ONLY, &j, raw), 201, "%s", raw);
    cr_expect(json_is_true(json_object_get(j, "hit")), "the gallery hit for a national officer");
    json_decref(j);

    /* the table: the route is the partner's; the partner has no other */
    cr_expect_eq(query(&n, n.officer, "/v1/partner/queries", LISTED, &j, raw), 403, "%s", raw);
    json_decref(j);
    cr_expect_eq(query(&n, n.partner, "/v1/encounters", LISTED, &j, raw), 403, "%s", raw);
    json_decref(j);

    /* the node's examiners have the alert behind the reference */
    char path[128];
    snprintf(path, sizeof path, "/v1/alerts/%s", ref);
    j = get(&n, n.examiner, path);
    cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "pending");
    json_decref(j);

    /* recorded once each: core's identify events, by the partner, with its
     * purpose; no second api event; the chain verifies */
    j = get(&n, n.auditor, "/v1/audit?actor=u-partner-de");
    json_t *evs = json_object_get(j, "events");
    size_t identify = 0, api = 0, i;
    json_t *e;
    json_array_foreach(evs, i, e)
    {
        const char *action = json_string_value(json_object_get(e, "action"));
        identify += strcmp(action, "encounter.identify") == 0;
        api += strncmp(action, "api.", 4) == 0;
        if (strcmp(action, "encounter.identify") == 0)
            cr_expect_str_eq(json_string_value(json_object_get(e, "purpose")),
                             "Pruem request 2026/44");
    }
    cr_expect_eq(identify, 2u, "two partner queries");
    cr_expect_eq(api, 1u, "one api event: the refused /v1/encounters");
    json_decref(j);
    j = get(&n, n.auditor, "/v1/audit/verify");
    cr_expect(json_is_true(json_object_get(j, "verified")));
    json_decref(j);
    pnode_stop(&n);
}
