/* routes.c - the route table of the node's HTTP API and its one
 * authorisation table (route x role), checked on every request before the
 * handler runs (docs/api.md lists it; docs/openapi.yaml specifies each route;
 * tests/test_api.c asserts both). Path templates follow OpenAPI 3.1 path
 * templating ({name} matches one path segment). */
#include <string.h>

#include "api/api_impl.h"

enum {
    OFF = TERN_ROLE_OFFICER,
    EXA = TERN_ROLE_EXAMINER,
    ANA = TERN_ROLE_ANALYST,
    SUP = TERN_ROLE_SUPERVISOR,
    AUD = TERN_ROLE_AUDITOR,
    ADM = TERN_ROLE_ADMIN,
    PAR = TERN_ROLE_PARTNER,
};

/* Order matters only where a literal segment and a {param} compete
 * ("/v1/alerts/stream" before "/v1/alerts/{id}"). */
#define ROUTE_LIST(X) \
    X("GET", "/healthz", TERN_API_PUBLIC, "health", api_h_healthz) \
    X("GET", "/metrics", TERN_API_PUBLIC, "metrics", api_h_metrics) \
    X("POST", "/v1/encounters", OFF | EXA | ANA | SUP, "encounter.create", api_h_encounter_create) \
    X("GET", "/v1/encounters/{id}", OFF | EXA | ANA | SUP | AUD, "encounter.get", api_h_encounter_get) \
    X("POST", "/v1/jobs", OFF | EXA | ANA | SUP, "job.create", api_h_job_create) \
    X("GET", "/v1/jobs/{id}", OFF | EXA | ANA | SUP, "job.get", api_h_job_get) \
    X("POST", "/v1/partner/queries", PAR, "partner.query", api_h_partner_query) \
    X("POST", "/v1/identities", OFF | ANA | SUP | ADM, "identity.enroll", api_h_identity_enroll) \
    X("GET", "/v1/identities/{id}", EXA | ANA | SUP, "identity.get", api_h_identity_get) \
    X("DELETE", "/v1/identities/{id}", SUP | ADM, "identity.delete", api_h_identity_delete) \
    X("GET", "/v1/watchlists", EXA | ANA | SUP | ADM, "watchlist.list", api_h_watchlists_list) \
    X("POST", "/v1/watchlists", SUP | ADM, "watchlist.create", api_h_watchlist_create) \
    X("GET", "/v1/watchlists/{id}/entries", EXA | ANA | SUP, "entry.list", api_h_entries_list) \
    X("POST", "/v1/watchlists/{id}/entries", ANA | SUP, "entry.nominate", api_h_entry_nominate) \
    X("GET", "/v1/entries/{id}", EXA | ANA | SUP, "entry.get", api_h_entry_get) \
    X("POST", "/v1/entries/{id}/approve", SUP, "entry.approve", api_h_entry_approve) \
    X("POST", "/v1/entries/{id}/reject", SUP, "entry.reject", api_h_entry_reject) \
    X("POST", "/v1/entries/{id}/review", ANA | SUP, "entry.review", api_h_entry_review) \
    X("POST", "/v1/entries/{id}/remove", ANA | SUP, "entry.remove", api_h_entry_remove) \
    X("GET", "/v1/alerts", EXA | ANA | SUP, "alert.list", api_h_alerts_list) \
    X("GET", "/v1/alerts/stream", EXA | ANA | SUP, "alert.stream", api_h_alerts_stream) \
    X("GET", "/v1/alerts/{id}", OFF | EXA | ANA | SUP, "alert.get", api_h_alert_get) \
    X("POST", "/v1/alerts/{id}/decision", EXA, "alert.decide", api_h_alert_decide) \
    X("GET", "/v1/audit", AUD, "audit.query", api_h_audit_query) \
    X("GET", "/v1/audit/verify", AUD | ADM, "audit.verify", api_h_audit_verify) \
    X("GET", "/v1/agencies", ADM, "agency.list", api_h_agencies_list) \
    X("POST", "/v1/agencies", ADM, "agency.create", api_h_agency_create) \
    X("GET", "/v1/users", ADM, "user.list", api_h_users_list) \
    X("POST", "/v1/users", ADM, "user.create", api_h_user_create) \
    X("POST", "/v1/users/{id}/keys", ADM, "apikey.issue", api_h_key_issue) \
    X("DELETE", "/v1/keys/{id}", ADM, "apikey.revoke", api_h_key_revoke) \

#define AS_ROUTE(m, p, roles, act, fn) {m, p, roles, act},
#define AS_HANDLER(m, p, roles, act, fn) fn,
static const tern_api_route ROUTES[] = {ROUTE_LIST(AS_ROUTE)};
static const api_handler HANDLERS[] = {ROUTE_LIST(AS_HANDLER)};
#define N_ROUTES (sizeof ROUTES / sizeof ROUTES[0])
_Static_assert(N_ROUTES <= API_MAX_ROUTES, "raise API_MAX_ROUTES");

const tern_api_route *tern_api_routes(size_t *n)
{
    *n = N_ROUTES;
    return ROUTES;
}

/* Matches one template against a path; fills params. */
static bool match(const char *tmpl, const char *path, char params[2][TERN_ID_MAX])
{
    int np = 0;
    while (*tmpl && *path) {
        if (*tmpl == '{') {
            const char *close = strchr(tmpl, '}');
            if (!close || np >= 2)
                return false;
            size_t len = strcspn(path, "/");
            if (len == 0 || len >= TERN_ID_MAX)
                return false;
            if (params) {
                memcpy(params[np], path, len);
                params[np][len] = 0;
            }
            np++;
            tmpl = close + 1;
            path += len;
            continue;
        }
        if (*tmpl != *path)
            return false;
        tmpl++;
        path++;
    }
    return *tmpl == 0 && *path == 0;
}

static const tern_api_route *find_def(const char *method, const char *path,
                                 char params[2][TERN_ID_MAX], bool *path_known)
{
    char tmp[2][TERN_ID_MAX];
    if (path_known)
        *path_known = false;
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!match(ROUTES[i].path, path, tmp))
            continue;
        if (path_known)
            *path_known = true;
        if (strcmp(ROUTES[i].method, method) == 0) {
            if (params)
                memcpy(params, tmp, sizeof tmp);
            return &ROUTES[i];
        }
    }
    return NULL;
}

const tern_api_route *tern_api_route_find(const char *method, const char *path,
                                          char params[2][TERN_ID_MAX], bool *path_known)
{
    if (!method || !path)
        return NULL;
    return find_def(method, path, params, path_known);
}

api_handler api_route_handler(const tern_api_route *r)
{
    return HANDLERS[r - ROUTES];
}

int api_route_index(const tern_api_route *r)
{
    return (int)(r - ROUTES);
}

bool tern_api_allowed(const tern_api_route *r, int64_t roles)
{
    if (!r)
        return false;
    if (r->roles == TERN_API_PUBLIC)
        return true;
    return (r->roles & (unsigned)roles & TERN_API_ALL_ROLES) != 0;
}

static const char *const ROLE_NAMES[] = {"officer", "examiner", "analyst", "supervisor",
                                         "auditor", "admin",    "partner"};

unsigned tern_api_role_bit(const char *name)
{
    for (unsigned i = 0; name && i < 7; i++)
        if (strcmp(name, ROLE_NAMES[i]) == 0)
            return 1u << i;
    return 0;
}

const char *tern_api_role_name(unsigned bit)
{
    for (unsigned i = 0; i < 7; i++)
        if (bit == 1u << i)
            return ROLE_NAMES[i];
    return NULL;
}
