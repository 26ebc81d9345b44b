/* test_api_tls.c - the node over HTTPS (RFC 8446 via GnuTLS) with client
 * certificates (RFC 5280): a throw-away CA, server and client certificates
 * made with the openssl command in a temporary directory (the test skips,
 * saying so, where openssl is absent). Checks: HTTPS answers and plain
 * HTTP on the TLS port does not; API keys work over TLS; a client
 * certificate issued by the configured CA authenticates as the user its
 * subject CN names, with that user's roles (the authorisation table
 * applies); a certificate that has expired, comes from another CA or names
 * no active user is refused with 401 even when a valid key comes with it,
 * and the refusal is in the audit trail. The client here is a minimal
 * GnuTLS one that verifies the server's certificate and host name. */
#include <arpa/inet.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tern/api.h"
#include "tern_test.h"

typedef struct pki {
    char dir[64];
    char path[16][160];
} pki;

enum { CA, SRV_CERT, SRV_KEY, GOOD_CERT, GOOD_KEY, EXPIRED_CERT, EXPIRED_KEY, ROGUE_CERT,
       ROGUE_KEY, NOBODY_CERT, NOBODY_KEY };
static const char *const FILES[] = {"ca.pem", "server.pem", "server.key", "good.pem", "good.key",
                                    "expired.pem", "expired.key", "rogue.pem", "rogue.key",
                                    "nobody.pem", "nobody.key"};

/* The throw-away PKI. Client certificates: "good" and "expired" name the
 * auditor u-aud, "rogue" too but is signed by another CA, "nobody" names
 * no user. */
static void pki_make(pki *p)
{
    if (system("command -v openssl >/dev/null 2>&1") != 0)
        cr_skip_test("the openssl command is not installed: skipping the TLS tests");
    snprintf(p->dir, sizeof p->dir, "/tmp/tern-tls-XXXXXX");
    cr_assert(mkdtemp(p->dir));
    for (size_t i = 0; i < sizeof FILES / sizeof FILES[0]; i++)
        snprintf(p->path[i], sizeof p->path[i], "%s/%s", p->dir, FILES[i]);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "set -e; cd '%s'; K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';"
             "openssl req -x509 $K -keyout ca.key -out ca.pem -subj /CN=tern-test-ca -days 2;"
             "openssl req -x509 $K -keyout rca.key -out rca.pem -subj /CN=rogue-ca -days 2;"
             "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext;"
             "openssl req $K -keyout server.key -out server.csr -subj /CN=localhost;"
             "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
             "-extfile san.ext -out server.pem -days 2;"
             "cli() { openssl req $K -keyout $1.key -out $1.csr -subj /CN=$2;"
             " openssl x509 -req -in $1.csr -CA $3.pem -CAkey $3.key -CAcreateserial "
             "-out $1.pem -days $4; };"
             "cli good u-aud ca 2; cli expired u-aud ca -1; cli rogue u-aud rca 2;"
             "cli nobody u-nobody ca 2",
             p->dir);
    char quiet[4200];
    snprintf(quiet, sizeof quiet, "(%s) >/dev/null 2>&1", cmd);
    cr_assert_eq(system(quiet), 0, "openssl could not make the test PKI");
}

static void pki_free(pki *p)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p->dir);
    cr_assert_eq(system(cmd), 0);
}

typedef struct tls_node {
    char url[128];
    tern_api_config cfg;
    tern_api_server *srv;
    unsigned port;
    char aud[TERN_APIKEY_TOKEN_MAX];   /* key of u-aud (auditor) */
    char adm[TERN_APIKEY_TOKEN_MAX];   /* key of u-adm (admin) */
} tls_node;

static void node_start(tls_node *n, const pki *p)
{
    memset(n, 0, sizeof *n);
    snprintf(n->url, sizeof n->url, "sqlite:%s/tern.db", p->dir);
    tern_random(n->cfg.data_key.bytes, sizeof n->cfg.data_key.bytes);
    tern_sign_key_generate(&n->cfg.node_key);
    n->cfg.store_url = n->url;
    n->cfg.workers = 2;
    n->cfg.tls_cert_file = p->path[SRV_CERT];
    n->cfg.tls_key_file = p->path[SRV_KEY];
    n->cfg.tls_client_ca = p->path[CA];
    tern_error err;
    tern_store *s = NULL;
    tern_core *c = NULL;
    cr_assert_eq(tern_store_open(n->url, &n->cfg.data_key, &s, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_core_create(s, &n->cfg.node_key, &c, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_api_bootstrap(c, s, "CL-PDI", "u-aud", TERN_ROLE_AUDITOR, 1, n->aud, &err),
                 TERN_OK, "%s", err.message);
    cr_assert_eq(tern_api_bootstrap(c, s, "CL-PDI", "u-adm", TERN_ROLE_ADMIN, 1, n->adm, &err),
                 TERN_OK, "%s", err.message);
    tern_core_free(c);
    tern_store_close(s);
    cr_assert_eq(tern_api_start(&n->cfg, &n->srv, &err), TERN_OK, "%s", err.message);
    n->port = tern_api_port(n->srv);
}

/* The client's certificate, sent whatever CAs the server names (a client
 * that presents a certificate from another CA on purpose). */
typedef struct client_id {
    gnutls_pcert_st pcert;
    gnutls_privkey_t key;
} client_id;

static int send_client_id(gnutls_session_t ss, const gnutls_datum_t *req_ca, int n_req,
                          const gnutls_pk_algorithm_t *algos, int n_algos,
                          gnutls_pcert_st **pcert, unsigned *n_pcert, gnutls_privkey_t *key)
{
    (void)req_ca, (void)n_req, (void)algos, (void)n_algos;
    client_id *id = gnutls_session_get_ptr(ss);
    *pcert = &id->pcert;
    *n_pcert = 1;
    *key = id->key;
    return 0;
}

static void client_id_load(client_id *id, const char *cert, const char *key)
{
    gnutls_datum_t c, k;
    cr_assert_eq(gnutls_load_file(cert, &c), 0);
    cr_assert_eq(gnutls_load_file(key, &k), 0);
    cr_assert_eq(gnutls_pcert_import_x509_raw(&id->pcert, &c, GNUTLS_X509_FMT_PEM, 0), 0);
    cr_assert_eq(gnutls_privkey_init(&id->key), 0);
    cr_assert_eq(gnutls_privkey_import_x509_raw(id->key, &k, GNUTLS_X509_FMT_PEM, NULL, 0), 0);
    gnutls_free(c.data);
    gnutls_free(k.data);
}

/* One HTTPS request (Connection: close) with an optional client
 * certificate and bearer token; returns the status (0: no HTTP answer, e.g.
 * the handshake failed) and the body in *out (may be NULL). */
static int tls_call(const tls_node *n, const pki *p, int cert, int key, const char *method,
                    const char *path, const char *token, json_t **out)
{
    if (out)
        *out = NULL;
    gnutls_certificate_credentials_t cred;
    gnutls_session_t ss;
    cr_assert_eq(gnutls_certificate_allocate_credentials(&cred), 0);
    cr_assert_gt(gnutls_certificate_set_x509_trust_file(cred, p->path[CA], GNUTLS_X509_FMT_PEM), 0);
    client_id id;
    memset(&id, 0, sizeof id);
    if (cert >= 0) {
        client_id_load(&id, p->path[cert], p->path[key]);
        gnutls_certificate_set_retrieve_function2(cred, send_client_id);
    }
    cr_assert_eq(gnutls_init(&ss, GNUTLS_CLIENT), 0);
    gnutls_session_set_ptr(ss, &id);
    cr_assert_eq(gnutls_set_default_priority(ss), 0);
    cr_assert_eq(gnutls_credentials_set(ss, GNUTLS_CRD_CERTIFICATE, cred), 0);
    gnutls_session_set_verify_cert(ss, "localhost", 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)n->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    gnutls_transport_set_int(ss, fd);
    int rc;
    do
        rc = gnutls_handshake(ss);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    int status = 0;
    if (rc == 0) {
        char req[1024];
        int len = snprintf(req, sizeof req,
                           "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                           "X-Tern-Purpose: testing\r\nContent-Length: 0\r\n%s%s%s\r\n",
                           method, path, token ? "Authorization: Bearer " : "",
                           token ? token : "", token ? "\r\n" : "");
        cr_assert_eq(gnutls_record_send(ss, req, (size_t)len), len);
        static char buf[1 << 16];
        size_t got = 0;
        for (;;) {
            ssize_t k = gnutls_record_recv(ss, buf + got, sizeof buf - 1 - got);
            if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED)
                continue;
            if (k <= 0 || got + (size_t)k >= sizeof buf - 1)
                break;
            got += (size_t)k;
        }
        buf[got] = 0;
        const char *body = strstr(buf, "\r\n\r\n");
        if (sscanf(buf, "HTTP/1.%*d %d", &status) == 1 && body && out)
            *out = json_loads(body + 4, 0, NULL);
        gnutls_bye(ss, GNUTLS_SHUT_RDWR);
    }
    close(fd);
    gnutls_deinit(ss);
    gnutls_certificate_free_credentials(cred);
    if (cert >= 0) {
        gnutls_pcert_deinit(&id.pcert);
        gnutls_privkey_deinit(id.key);
    }
    return status;
}

static const char *err_code(json_t *j)
{
    return json_string_value(json_object_get(json_object_get(j, "error"), "code"));
}

Test(api_tls, https_keys_and_client_certificates, .timeout = 120)
{
    pki p;
    pki_make(&p);
    tls_node n;
    node_start(&n, &p);
    json_t *j = NULL;

    /* HTTPS answers; plain HTTP on the TLS port gets no HTTP answer */
    cr_expect_eq(tls_call(&n, &p, -1, -1, "GET", "/healthz", NULL, NULL), 200);
    tern_api_response r;
    tern_status prc = tern_api_call(n.port, "GET", "/healthz", NULL, NULL, NULL, NULL, 0, &r, NULL);
    cr_expect(prc != TERN_OK || r.status != 200, "plain HTTP must not be served on the TLS port");
    if (prc == TERN_OK)
        tern_api_response_clear(&r);

    /* an API key over TLS, no certificate */
    cr_expect_eq(tls_call(&n, &p, -1, -1, "GET", "/v1/users", n.adm, NULL), 200);
    cr_expect_eq(tls_call(&n, &p, -1, -1, "GET", "/v1/users", NULL, &j), 401);
    cr_expect_str_eq(err_code(j), "unauthenticated");
    json_decref(j);

    /* the good certificate is u-aud: an auditor, by the table */
    cr_expect_eq(tls_call(&n, &p, GOOD_CERT, GOOD_KEY, "GET", "/v1/audit/verify", NULL, &j), 200);
    cr_expect(json_is_true(json_object_get(j, "verified")));
    json_decref(j);
    cr_expect_eq(tls_call(&n, &p, GOOD_CERT, GOOD_KEY, "GET", "/v1/users", NULL, &j), 403,
                 "an auditor's certificate does not open admin routes");
    cr_expect_str_eq(err_code(j), "forbidden");
    json_decref(j);

    /* refused certificates, even with an admin's valid key alongside */
    static const int BAD[3][2] = {{EXPIRED_CERT, EXPIRED_KEY}, {ROGUE_CERT, ROGUE_KEY},
                                  {NOBODY_CERT, NOBODY_KEY}};
    for (int i = 0; i < 3; i++) {
        int st = tls_call(&n, &p, BAD[i][0], BAD[i][1], "GET", "/v1/users", n.adm, &j);
        /* GnuTLS may also end the handshake itself (status 0): refused too */
        cr_expect(st == 401 || st == 0, "%s: got %d", FILES[BAD[i][0]], st);
        if (st == 401)
            cr_expect_str_eq(err_code(j), "unauthenticated");
        json_decref(j);
    }

    /* the calls are in the audit trail: by the certificate's user, and the
     * refusals with their reason */
    cr_assert_eq(tls_call(&n, &p, GOOD_CERT, GOOD_KEY, "GET", "/v1/audit?action=api.user.list",
                          NULL, &j),
                 200);
    json_t *evs = json_object_get(j, "events");
    cr_expect_eq(json_array_size(evs), 2u, "the key's call and the certificate's refused one");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(evs, 1), "actor")), "u-aud");
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(evs, 1), "outcome")),
                     "denied");
    json_decref(j);
    cr_assert_eq(tls_call(&n, &p, GOOD_CERT, GOOD_KEY, "GET", "/v1/audit?action=auth.certificate",
                          NULL, &j),
                 200);
    evs = json_object_get(j, "events");
    cr_expect_eq(json_array_size(evs), 3u);
    const char *want[3] = {"certificate expired", "certificate issuer not trusted",
                           "certificate names no active user"};
    const char *claimed[3] = {"u-aud", "u-aud", "u-nobody"};
    for (size_t i = 0; i < json_array_size(evs) && i < 3; i++) {
        json_t *ev = json_array_get(evs, i);
        cr_expect_str_eq(json_string_value(json_object_get(ev, "detail")), want[i]);
        cr_expect_str_eq(json_string_value(json_object_get(ev, "object_id")), claimed[i],
                         "the CN the certificate claimed");
    }
    json_decref(j);

    tern_api_stop(n.srv, 5000);
    pki_free(&p);
}

Test(api_tls, client_ca_needs_tls)
{
    pki p;
    pki_make(&p);
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/tern.db", p.dir);
    tern_api_config cfg = {.store_url = url, .tls_client_ca = p.path[CA]};
    tern_random(cfg.data_key.bytes, sizeof cfg.data_key.bytes);
    tern_sign_key_generate(&cfg.node_key);
    tern_api_server *srv = NULL;
    tern_error err;
    tern_error_clear(&err);
    cr_expect_eq(tern_api_start(&cfg, &srv, &err), TERN_E_ARG, "%s", err.message);
    cr_expect(strstr(err.message, "client certificates need TLS"), "%s", err.message);
    cr_expect_null(srv);
    cfg.tls_cert_file = p.path[SRV_CERT];
    cr_expect_eq(tern_api_start(&cfg, &srv, &err), TERN_E_ARG, "a certificate without its key");
    cr_expect_null(srv);
    pki_free(&p);
}
