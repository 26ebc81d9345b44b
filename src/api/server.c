/* server.c - ternd's HTTP/1.1 server on libmicrohttpd (RFC 9110, RFC 9112):
 * one thread per connection, a pool of store connections lent to requests,
 * body limits (413), authentication (API keys: RFC 6750 bearer tokens; TLS
 * client certificates, RFC 8446 / RFC 5280 subject CN), the authorisation
 * table of routes.c on every route, one audit event per authenticated call,
 * JSON errors {"error": {"code", "message"}}, structured JSON logs on stderr
 * and graceful shutdown (MHD_quiesce_daemon, then wait for requests in
 * flight). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api/api_impl.h"
#include "tern/audit.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void api_cond_init_monotonic(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

/* ---- workers ------------------------------------------------------------- */

api_worker *api_worker_get(tern_api_server *srv)
{
    pthread_mutex_lock(&srv->wmu);
    for (;;) {
        for (size_t i = 0; i < srv->n_workers; i++) {
            if (!srv->workers[i].busy) {
                srv->workers[i].busy = true;
                pthread_mutex_unlock(&srv->wmu);
                return &srv->workers[i];
            }
        }
        pthread_cond_wait(&srv->wcv, &srv->wmu);
    }
}

void api_worker_put(tern_api_server *srv, api_worker *w)
{
    if (!w)
        return;
    tern_store_rollback(w->store, NULL); /* never leave a transaction open */
    pthread_mutex_lock(&srv->wmu);
    w->busy = false;
    pthread_cond_signal(&srv->wcv);
    pthread_mutex_unlock(&srv->wmu);
}

/* ---- replies ---------------------------------------------------------------- */

void api_reply(api_req *r, unsigned status, json_t *body)
{
    if (r->json)
        json_decref(r->json);
    r->status = status;
    r->json = body;
}

void api_fail(api_req *r, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[TERN_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err_code, sizeof r->err_code, "%s", code);
    api_reply(r, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

void api_fail_status(api_req *r, const tern_error *err)
{
    unsigned http = 500;
    const char *code = "internal";
    switch (err->status) {
    case TERN_E_ARG: http = 400, code = "bad_request"; break;
    case TERN_E_FORMAT:
    case TERN_E_TRUNCATED: http = 400, code = "bad_format"; break;
    case TERN_E_LIMIT: http = 400, code = "limit"; break;
    case TERN_E_UNSUPPORTED: http = 422, code = "unsupported"; break;
    case TERN_E_QUALITY: http = 422, code = "quality"; break;
    case TERN_E_NOT_FOUND: http = 404, code = "not_found"; break;
    case TERN_E_EXISTS: http = 409, code = "exists"; break;
    case TERN_E_STATE: http = 409, code = "state"; break;
    case TERN_E_DENIED: http = 403, code = "denied"; break;
    default: break;
    }
    if (http == 500) {
        /* the caller learns nothing of the inside; the operator does */
        json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "ts", (json_int_t)tern_store_now_ms(),
                              "level", "error", "msg", "internal error", "route",
                              r->route ? r->route->path : "", "status",
                              tern_status_name(err->status), "detail", err->message);
        char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (line)
            fprintf(stderr, "%s\n", line);
        free(line);
        json_decref(j);
        api_fail(r, 500, "internal", "the node could not complete the request");
    }
    else
        api_fail(r, http, code, "%s", err->message);
}

const char *api_query(api_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

tern_actor api_actor(api_req *r)
{
    r->core_audited = true;
    tern_actor a = {r->user.id, r->purpose};
    return a;
}

bool api_decode(api_req *r, tern_api_body kind, tern_api_request *out)
{
    if (!r->content_type || strcasecmp(r->content_type, "application/json") != 0) {
        api_fail(r, 415, "unsupported_media_type", "the body must be application/json");
        return false;
    }
    tern_error err;
    tern_error_clear(&err);
    if (tern_api_request_decode(kind, r->body ? r->body : "", r->body_len, out, &err) !=
        TERN_OK) {
        api_fail(r, 400, err.status == TERN_E_LIMIT ? "limit" : "bad_request", "%s",
                 err.message);
        return false;
    }
    return true;
}

/* ---- logging and audit ------------------------------------------------- */

static void log_request(const api_req *r, double secs)
{
    if (!r->srv->cfg.log_requests)
        return;
    json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:s,s:i,s:I,s:s}", "ts",
                          (json_int_t)tern_store_now_ms(), "level", "info", "msg", "request",
                          "method", r->method, "path", r->url, "status", (int)r->status, "us",
                          (json_int_t)(secs * 1e6), "user", r->authed ? r->user.id : "");
    if (!j)
        return;
    if (r->err_code[0])
        json_object_set_new(j, "error", json_string(r->err_code));
    char *s = json_dumps(j, JSON_COMPACT);
    if (s)
        fprintf(stderr, "%s\n", s);
    free(s);
    json_decref(j);
}

static void roles_text(int64_t roles, char *buf, size_t size)
{
    buf[0] = 0;
    for (unsigned b = 1; b <= TERN_ROLE_PARTNER; b <<= 1) {
        if (!(roles & b))
            continue;
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, "%s%s", n ? "," : "", tern_api_role_name(b));
    }
}

/* Who asked for what, why, and how it ended (docs/api.md: "Audit"): one
 * event per call. A call handed to a core service is audited there, with
 * the same actor and purpose, inside the service's transaction (or, if
 * refused, in its own); writing a second "api.*" event for it doubled the
 * trail and the commits. The API audits the rest: calls refused before
 * core (table, purpose, body) and reads served straight from the store. */
static void audit_call(api_req *r)
{
    if (r->core_audited)
        return;
    char role[128], action[64], detail[160];
    roles_text(r->user.roles, role, sizeof role);
    snprintf(action, sizeof action, "api.%s", r->route->action);
    snprintf(detail, sizeof detail, "%s %s -> %u", r->route->method, r->route->path, r->status);
    const char *outcome = r->status < 400 ? "ok" : r->status == 403 ? "denied"
                          : r->status < 500                  ? "refused"
                                                             : "error";
    tern_audit_event ev = {0};
    snprintf(ev.actor, sizeof ev.actor, "%s", r->user.id);
    ev.role = role;
    ev.action = action;
    ev.object_type = "route";
    /* the object named in the path, else the route's action */
    const char *obj = r->params[0][0] ? r->params[0] : r->route->action;
    snprintf(ev.object_id, sizeof ev.object_id, "%s",
             tern_store_check_id(obj, "object", NULL) == TERN_OK ? obj : "invalid-id");
    ev.purpose = r->purpose[0] ? r->purpose : "unstated";
    ev.outcome = (char *)outcome;
    ev.detail = detail;
    tern_error err;
    tern_error_clear(&err);
    if (tern_audit_append(r->w->store, &r->srv->cfg.node_key, &ev, &err) != TERN_OK) {
        fprintf(stderr, "{\"level\":\"error\",\"msg\":\"audit append failed\",\"status\":\"%s\"}\n",
                tern_status_name(err.status));
        json_decref(r->json);
        r->json = NULL;
        r->stream = false;
        api_fail(r, 500, "audit_failed", "the call could not be audited");
    }
}

/* ---- authentication -------------------------------------------------------- */

/* A TLS client certificate, if the caller presented one. */
typedef enum cert_state { CERT_NONE, CERT_VALID, CERT_INVALID } cert_state;

/* The subject CN of the peer's certificate, verified against tls_client_ca
 * (chain, signature, validity period: gnutls_certificate_verify_peers2).
 * CERT_INVALID sets why (for the audit trail, never for the caller). */
static cert_state client_cert(api_req *r, char cn[TERN_ID_MAX], const char **why)
{
    cn[0] = 0;
    *why = NULL;
    if (!r->srv->tls_ca)
        return CERT_NONE;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci || !ci->tls_session)
        return CERT_NONE;
    gnutls_session_t tls = (gnutls_session_t)ci->tls_session;
    unsigned n = 0;
    const gnutls_datum_t *chain = gnutls_certificate_get_peers(tls, &n);
    if (!chain || n == 0)
        return CERT_NONE;
    /* the subject CN first: the audit trail names what a refused
     * certificate claimed (checked as an id, never trusted) */
    gnutls_x509_crt_t crt;
    size_t len = TERN_ID_MAX;
    if (gnutls_x509_crt_init(&crt) != 0)
        return CERT_INVALID;
    if (gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) != 0 ||
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len) != 0 ||
        tern_store_check_id(cn, "certificate CN", NULL) != TERN_OK)
        cn[0] = 0;
    gnutls_x509_crt_deinit(crt);
    unsigned st = 0;
    if (gnutls_certificate_verify_peers2(tls, &st) != 0 || st != 0) {
        *why = st & GNUTLS_CERT_EXPIRED          ? "certificate expired"
               : st & GNUTLS_CERT_NOT_ACTIVATED  ? "certificate not yet valid"
               : st & GNUTLS_CERT_REVOKED        ? "certificate revoked"
               : st & GNUTLS_CERT_SIGNER_NOT_FOUND ? "certificate issuer not trusted"
                                                   : "certificate does not verify";
        return CERT_INVALID;
    }
    if (!cn[0]) {
        *why = "certificate subject CN is not a user id";
        return CERT_INVALID;
    }
    return CERT_VALID;
}

/* A refused client certificate, in the audit trail (the caller only hears
 * 401, as for a bad key). */
static void audit_cert_refusal(api_req *r, const char *cn, const char *why)
{
    tern_audit_event ev = {.role = "none", .action = "auth.certificate",
                           .object_type = "certificate", .purpose = "authentication",
                           .outcome = "denied", .detail = (char *)why};
    snprintf(ev.actor, sizeof ev.actor, "anonymous");
    snprintf(ev.object_id, sizeof ev.object_id, "%s", cn[0] ? cn : "invalid");
    (void)tern_audit_append(r->w->store, &r->srv->cfg.node_key, &ev, NULL);
}

static bool authenticate(api_req *r)
{
    tern_error err;
    tern_error_clear(&err);
    char cn[TERN_ID_MAX];
    const char *why = NULL;
    cert_state cs = client_cert(r, cn, &why);
    if (cs == CERT_VALID) {
        if (tern_store_user_get(r->w->store, cn, &r->user, &err) == TERN_OK && r->user.active) {
            r->authed = true;
            return true;
        }
        tern_user_clear(&r->user);
        cs = CERT_INVALID;
        why = "certificate names no active user";
    }
    if (cs == CERT_INVALID) {
        /* a certificate that does not hold is refused, whatever else came */
        audit_cert_refusal(r, cn, why);
        api_fail(r, 401, "unauthenticated", "the client certificate is not accepted");
        return false;
    }
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) {
        api_fail(r, 401, "unauthenticated", "credentials required: Authorization: Bearer <key>");
        return false;
    }
    const char *tok = h + 7;
    while (*tok == ' ')
        tok++;
    if (strlen(tok) >= TERN_APIKEY_TOKEN_MAX ||
        tern_core_apikey_authenticate(r->w->core, tok, tern_store_now_ms(), &r->user, &err) !=
            TERN_OK) {
        /* one answer for unknown, wrong, revoked and expired keys */
        api_fail(r, 401, "unauthenticated", "the API key is not valid");
        return false;
    }
    r->authed = true;
    return true;
}

static bool take_purpose(api_req *r)
{
    const char *p = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Tern-Purpose");
    if (!p || !*p) {
        api_fail(r, 400, "purpose_required", "state why: header X-Tern-Purpose");
        return false;
    }
    if (tern_store_check_text(p, TERN_STORE_NAME_MAX - 1, "X-Tern-Purpose", NULL) != TERN_OK) {
        api_fail(r, 400, "bad_request", "X-Tern-Purpose must be UTF-8 of at most %u bytes",
                 TERN_STORE_NAME_MAX - 1);
        return false;
    }
    snprintf(r->purpose, sizeof r->purpose, "%s", p);
    return true;
}

/* ---- dispatch ---------------------------------------------------------- */

static void dispatch(api_req *r)
{
    bool known = false;
    r->route = tern_api_route_find(r->method, r->url, r->params, &known);
    r->route_index = r->route ? api_route_index(r->route) : -1;
    if (atomic_load(&r->srv->stopping) && !r->route) {
        api_fail(r, 503, "unavailable", "the node is shutting down");
        return;
    }
    if (!r->route) {
        if (known)
            api_fail(r, 405, "method_not_allowed", "%s is not allowed on %s", r->method, r->url);
        else
            api_fail(r, 404, "not_found", "no such route");
        return;
    }
    if (r->too_big) {
        api_fail(r, 413, "payload_too_large", "the body exceeds %zu bytes", r->srv->cfg.body_max);
        return;
    }
    api_handler fn = api_route_handler(r->route);
    if (r->route->roles == TERN_API_PUBLIC) {
        fn(r);
        return;
    }
    r->w = api_worker_get(r->srv);
    if (authenticate(r)) {
        if (take_purpose(r) && !tern_api_allowed(r->route, r->user.roles))
            api_fail(r, 403, "forbidden", "role not allowed to %s", r->route->action);
        else if (!r->status)
            fn(r);
        if (!r->status)
            api_fail(r, 500, "internal", "no response");
        audit_call(r);
        tern_store_rollback(r->w->store, NULL);
    }
    api_worker_put(r->srv, r->w);
    r->w = NULL;
}

static enum MHD_Result respond(api_req *r)
{
    struct MHD_Response *resp;
    if (r->stream && r->status == 200) {
        return (enum MHD_Result)api_hub_respond(r->srv, r->conn);
    }
    if (r->text) {
        resp = MHD_create_response_from_buffer(strlen(r->text), r->text, MHD_RESPMEM_MUST_FREE);
        r->text = NULL;
        if (resp)
            MHD_add_response_header(resp, "Content-Type", r->text_type);
    } else {
        if (!r->json)
            api_fail(r, 500, "internal", "no response");
        char *s = json_dumps(r->json, JSON_COMPACT);
        if (!s)
            return MHD_NO;
        resp = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(s);
        else
            MHD_add_response_header(resp, "Content-Type", "application/json");
    }
    if (!resp)
        return MHD_NO;
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"tern\"");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(r->conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    tern_api_server *srv = cls;
    api_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->srv = srv;
        r->conn = conn;
        r->url = url;
        r->method = method;
        r->t0_ns = now_ns();
        r->route_index = -1;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > srv->cfg.body_max)
            r->too_big = true;
        atomic_fetch_add(&srv->inflight, 1);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->too_big || n > srv->cfg.body_max - r->body_len) {
            r->too_big = true;
            free(r->body);
            r->body = NULL;
            r->body_len = 0;
            return MHD_YES;
        }
        char *nb = realloc(r->body, r->body_len + n + 1);
        if (!nb)
            return MHD_NO;
        memcpy(nb + r->body_len, upload_data, n);
        r->body = nb;
        r->body_len += n;
        r->body[r->body_len] = 0;
        return MHD_YES;
    }
    const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    if (ct) {
        size_t n = strcspn(ct, "; ");
        if (n >= sizeof r->ctype)
            n = sizeof r->ctype - 1;
        memcpy(r->ctype, ct, n);
        r->ctype[n] = 0;
        r->content_type = r->ctype;
    }
    (void)version;
    dispatch(r);
    return respond(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    tern_api_server *srv = cls;
    api_req *r = *con_cls;
    if (!r)
        return;
    double secs = (double)(now_ns() - r->t0_ns) / 1e9;
    api_metrics_record(&srv->metrics, r->route_index, r->status, secs);
    log_request(r, secs);
    if (r->json)
        json_decref(r->json);
    free(r->text);
    free(r->body);
    tern_user_clear(&r->user);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->inflight, 1);
}

/* ---- start and stop ---------------------------------------------------------- */

static tern_status read_text(const char *path, char **out, tern_error *err)
{
    *out = NULL;
    if (!path)
        return TERN_OK;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tern_error_set(err, TERN_E_IO, "%s: %s", path, strerror(errno));
    char *buf = malloc(1u << 20);
    size_t n = buf ? fread(buf, 1, (1u << 20) - 1, f) : 0;
    fclose(f);
    if (!buf)
        return tern_error_set(err, TERN_E_NOMEM, "%s: out of memory", path);
    buf[n] = 0;
    *out = buf;
    return TERN_OK;
}

static void free_workers(tern_api_server *srv)
{
    for (size_t i = 0; i < srv->n_workers; i++) {
        tern_core_free(srv->workers[i].core);
        tern_store_close(srv->workers[i].store);
    }
    free(srv->workers);
    srv->workers = NULL;
    srv->n_workers = 0;
}

static void server_free(tern_api_server *srv)
{
    if (!srv)
        return;
    /* the threads that use the gallery and the workers stop first */
    api_housekeeping_stop(srv);
    api_jobs_stop(srv);
    api_gallery_free(srv);
    free_workers(srv);
    api_hub_destroy(&srv->hub);
    api_metrics_destroy(&srv->metrics);
    pthread_mutex_destroy(&srv->wmu);
    pthread_cond_destroy(&srv->wcv);
    free(srv->store_url);
    free(srv->tls_cert);
    free(srv->tls_key);
    free(srv->tls_ca);
    tern_key_wipe(&srv->cfg, sizeof srv->cfg);
    free(srv);
}


tern_status tern_api_start(const tern_api_config *cfg, tern_api_server **out, tern_error *err)
{
    *out = NULL;
    if (!cfg || !cfg->store_url)
        return tern_error_set(err, TERN_E_ARG, "ternd: no store URL configured");
    tern_api_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return tern_error_set(err, TERN_E_NOMEM, "ternd: out of memory");
    srv->cfg = *cfg;
    srv->store_url = strdup(cfg->store_url);
    srv->cfg.store_url = srv->store_url;
    srv->cfg.listen = NULL;
    if (!srv->cfg.workers)
        srv->cfg.workers = 4;
    if (!srv->cfg.max_connections)
        srv->cfg.max_connections = 256;
    if (!srv->cfg.body_max)
        srv->cfg.body_max = TERN_API_BODY_MAX_DEFAULT;
    srv->started_ms = tern_store_now_ms();
    pthread_mutex_init(&srv->wmu, NULL);
    pthread_cond_init(&srv->wcv, NULL);
    api_hub_init(&srv->hub);
    api_metrics_init(&srv->metrics);
    tern_status rc = TERN_OK;
    srv->workers = calloc(srv->cfg.workers, sizeof *srv->workers);
    if (!srv->workers || !srv->store_url)
        rc = tern_error_set(err, TERN_E_NOMEM, "ternd: out of memory");
    for (unsigned i = 0; rc == TERN_OK && i < srv->cfg.workers; i++) {
        api_worker *w = &srv->workers[i];
        rc = tern_store_open(srv->store_url, &srv->cfg.data_key, &w->store, err);
        if (rc == TERN_OK)
            rc = tern_core_create(w->store, &srv->cfg.node_key, &w->core, err);
        if (w->store)
            srv->n_workers++;
    }
    if (rc == TERN_OK)
        rc = api_gallery_load(srv, err);
    if (rc == TERN_OK)
        rc = read_text(cfg->tls_cert_file, &srv->tls_cert, err);
    if (rc == TERN_OK)
        rc = read_text(cfg->tls_key_file, &srv->tls_key, err);
    if (rc == TERN_OK)
        rc = read_text(cfg->tls_client_ca, &srv->tls_ca, err);
    if (rc == TERN_OK && (!srv->tls_cert) != (!srv->tls_key))
        rc = tern_error_set(err, TERN_E_ARG, "ternd: TLS needs both a certificate and a key");
    if (rc == TERN_OK && srv->tls_ca && !srv->tls_cert)
        rc = tern_error_set(err, TERN_E_ARG, "ternd: client certificates need TLS");
    if (rc == TERN_OK)
        rc = api_jobs_start(srv, err);
    if (rc == TERN_OK)
        rc = api_housekeeping_start(srv, err);
    if (rc != TERN_OK) {
        server_free(srv);
        return rc;
    }
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->listen ? cfg->listen : "127.0.0.1", &sa.sin_addr) != 1) {
        server_free(srv);
        return tern_error_set(err, TERN_E_ARG, "ternd: listen address \"%s\" is not IPv4",
                              cfg->listen);
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
    struct MHD_OptionItem tls_opts[4] = {{MHD_OPTION_END, 0, NULL}};
    int nt = 0;
    if (srv->tls_cert) {
        flags |= MHD_USE_TLS;
        tls_opts[nt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert};
        tls_opts[nt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key};
        if (srv->tls_ca)
            tls_opts[nt++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, srv->tls_ca};
    }
    tls_opts[nt] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    srv->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)srv->cfg.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!srv->mhd) {
        server_free(srv);
        return tern_error_set(err, TERN_E_IO, "ternd: cannot listen on %s:%u",
                              cfg->listen ? cfg->listen : "127.0.0.1", cfg->port);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : cfg->port;
    *out = srv;
    return TERN_OK;
}

unsigned tern_api_port(const tern_api_server *srv)
{
    return srv ? srv->port : 0;
}

void tern_api_stop(tern_api_server *srv, int wait_ms)
{
    if (!srv)
        return;
    atomic_store(&srv->stopping, true);
    MHD_socket ls = MHD_quiesce_daemon(srv->mhd);
    api_hub_stop(&srv->hub);
    for (int waited = 0; atomic_load(&srv->inflight) > 0 && waited < wait_ms; waited += 10)
        usleep(10000);
    MHD_stop_daemon(srv->mhd);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    server_free(srv);
}
