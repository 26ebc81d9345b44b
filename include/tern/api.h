/* tern/api.h - the node's HTTP API (docs/api.md, docs/openapi.yaml): an
 * HTTP/1.1 server on libmicrohttpd, optionally TLS with client certificates,
 * that authenticates callers (API keys, client certificates), checks one
 * authorisation table (route x role) on every route, parses requests, calls
 * the core services (tern/core.h) and maps their results to JSON. It holds
 * no domain rule of its own: who may approve what, what an officer is told,
 * and every threshold are core's.
 *
 * Thread safety: a server runs its own threads (one per connection, bounded
 * by max_connections) and a pool of `workers` store connections, each with
 * its own tern_core, handed to one request at a time. tern_api_start and
 * tern_api_stop are called from one controlling thread.
 */
#ifndef TERN_API_H
#define TERN_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/core.h"
#include "tern/crypto.h"
#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default limit on a request body (413 above it). */
#define TERN_API_BODY_MAX_DEFAULT (16u << 20)

typedef struct tern_api_config {
    const char *listen;          /* IPv4 address to bind; NULL: "127.0.0.1" */
    unsigned port;               /* 0: an ephemeral port (tern_api_port) */
    const char *store_url;       /* tern_store_open URL (required) */
    tern_key data_key;           /* copied */
    tern_sign_key node_key;      /* copied: signs the audit chain head */
    const char *tls_cert_file;   /* PEM; with tls_key_file: HTTPS */
    const char *tls_key_file;
    const char *tls_client_ca;   /* PEM CA bundle: client certificates issued by
                                    it, within their validity, whose subject CN
                                    is an active user, log in as that user; any
                                    other presented certificate gets 401 (even
                                    with a valid key), audited with the reason */
    unsigned workers;            /* store connections; 0: 4 */
    unsigned max_connections;    /* 0: 256 */
    size_t body_max;             /* 0: TERN_API_BODY_MAX_DEFAULT */
    double target_fpir;          /* identify / enroll threshold; 0: core's default */
    size_t max_candidates;       /* ranked list length; 0: core's default */
    bool log_requests;           /* one JSON line per request on stderr */
    unsigned retention_interval_s; /* tern_core_retention_apply at start and then
                                    every so many seconds; 0: 86400 (daily) */
} tern_api_config;

typedef struct tern_api_server tern_api_server;

/* Opens the store connections, loads the galleries and starts listening.
 * Errors: TERN_E_ARG (bad config), TERN_E_IO (cannot bind, read the TLS
 * files or open the store), those of the store and core. */
tern_status tern_api_start(const tern_api_config *cfg, tern_api_server **out, tern_error *err);
/* The port the server listens on. */
unsigned tern_api_port(const tern_api_server *srv);
/* Graceful stop: stops accepting (MHD_quiesce_daemon), ends the live
 * streams, waits up to wait_ms for requests in flight to finish, then
 * stops and frees everything. NULL allowed. */
void tern_api_stop(tern_api_server *srv, int wait_ms);

/* ---- the authorisation table -------------------------------------------- */

/* Roles bits are TERN_ROLE_* (tern/store.h). A route with roles
 * TERN_API_PUBLIC needs no credentials. */
#define TERN_API_PUBLIC 0u
#define TERN_API_ALL_ROLES 0x7fu

typedef struct tern_api_route {
    const char *method;   /* "GET", "POST", "DELETE" */
    const char *path;     /* "/v1/alerts/{id}": {x} matches one segment */
    unsigned roles;       /* roles allowed (any one suffices) */
    const char *action;   /* audit action, e.g. "alert.decide" */
} tern_api_route;

/* The route table (static, n entries). */
const tern_api_route *tern_api_routes(size_t *n);
/* The route for method + path (no query string), or NULL; params (may be
 * NULL) receives the {x} segments in order (at most 2, each < TERN_ID_MAX
 * bytes, else no match). *path_known (may be NULL) is set if the path
 * matches some route whatever the method (405 rather than 404). */
const tern_api_route *tern_api_route_find(const char *method, const char *path,
                                          char params[2][TERN_ID_MAX], bool *path_known);
/* True if a caller holding `roles` may call route r. */
bool tern_api_allowed(const tern_api_route *r, int64_t roles);
/* Role name <-> bit ("officer" ...); 0 / NULL when unknown. */
unsigned tern_api_role_bit(const char *name);
const char *tern_api_role_name(unsigned bit);

/* ---- request decoding (pure; fuzzed by fuzz/fuzz_api_request.c) ----------- */

typedef enum tern_api_body {
    TERN_API_BODY_ENCOUNTER = 0, /* location, purpose, agency, officer, fingers */
    TERN_API_BODY_ENROLL,        /* biographics, category, location, fingers */
    TERN_API_BODY_WATCHLIST,     /* id, name, category, handling */
    TERN_API_BODY_NOMINATE,      /* subject_id, basis, review_ms, expires_ms */
    TERN_API_BODY_ENTRY_ACTION,  /* reason, review_ms, expires_ms */
    TERN_API_BODY_DECISION,      /* decision, reasons */
    TERN_API_BODY_AGENCY,        /* id, name, country */
    TERN_API_BODY_USER,          /* id, agency_id, display_name, roles[], active */
    TERN_API_BODY_APIKEY,        /* expires_ms */
    TERN_API_BODY_JOB,           /* priority, encounter fields */
    TERN_API_BODY_COUNT
} tern_api_body;

#define TERN_API_MAX_FIELDS 16u
#define TERN_API_MAX_FINGERS 32u

/* Finger states as sent ("present", "missing", "amputated"); the same
 * values as core's tern_finger_state. */
enum { TERN_API_FINGER_PRESENT = 0, TERN_API_FINGER_MISSING, TERN_API_FINGER_AMPUTATED };

/* One finger as sent: base64 already decoded. */
typedef struct tern_api_finger {
    int position;
    int impression;
    int state;          /* TERN_API_FINGER_* */
    uint8_t *image;     /* encoded image (PNG, WSQ, JP2 ...) or NULL; owned */
    size_t image_len;
    uint8_t *tmpl;      /* encoded template (tern, ISO, ANSI) or NULL; owned */
    size_t tmpl_len;
} tern_api_finger;

/* A decoded request: named text and integer fields of the body kind
 * (tern_api_request_text / _int look them up), plus fingers. */
typedef struct tern_api_request {
    tern_api_body kind;
    size_t n;
    const char *names[TERN_API_MAX_FIELDS];
    char *text[TERN_API_MAX_FIELDS];   /* owned; NULL if absent or not text */
    int64_t num[TERN_API_MAX_FIELDS];
    bool present[TERN_API_MAX_FIELDS];
    unsigned roles;                    /* USER: the roles[] array as bits */
    size_t n_fingers;
    tern_api_finger fingers[TERN_API_MAX_FINGERS];
} tern_api_request;

/* Decodes a JSON body of `kind`: an object with only the kind's fields
 * (unknown field: TERN_E_ARG naming it), each of its type (TERN_E_FORMAT),
 * required ones present (TERN_E_ARG), text valid UTF-8 within the store's
 * limits (TERN_E_FORMAT / TERN_E_LIMIT), base64 valid, at most
 * TERN_API_MAX_FINGERS fingers (TERN_E_LIMIT). On error nothing is left
 * allocated. Free with tern_api_request_clear. Reentrant. */
tern_status tern_api_request_decode(tern_api_body kind, const char *json, size_t len,
                                    tern_api_request *out, tern_error *err);
void tern_api_request_clear(tern_api_request *r);
/* The text / integer of field `name`, or NULL / dflt if absent. */
const char *tern_api_request_text(const tern_api_request *r, const char *name);
int64_t tern_api_request_int(const tern_api_request *r, const char *name, int64_t dflt);

/* ---- a minimal HTTP/1.1 client (tests, benchmark, demo helpers) ---------- */

typedef struct tern_api_response {
    int status;
    char *body;         /* NUL-terminated; owned (free()) */
    size_t len;
} tern_api_response;

/* Sends one request to 127.0.0.1:port (plain HTTP, Connection: close) with
 * optional bearer token, purpose header, content type and body; reads the
 * whole response (at most 64 MiB). TERN_E_IO on connection failure. */
tern_status tern_api_call(unsigned port, const char *method, const char *path,
                          const char *token, const char *purpose, const char *content_type,
                          const void *body, size_t len, tern_api_response *out, tern_error *err);
void tern_api_response_clear(tern_api_response *r);

/* ---- bootstrap ------------------------------------------------------------ */

/* Creates, directly in the store, agency `agency_id` (if absent) and user
 * `user_id` (if absent) with `roles`, then issues an API key for that user
 * valid for `days` days (through tern_core_apikey_issue, by the user itself
 * if admin, else by a "bootstrap" admin created for the purpose). For the
 * first admin of a new node, the demo and tests. Audited by core. */
tern_status tern_api_bootstrap(tern_core *core, tern_store *store, const char *agency_id,
                               const char *user_id, unsigned roles, int days,
                               char token[TERN_APIKEY_TOKEN_MAX], tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
