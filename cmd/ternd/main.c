/* ternd - the Tern node daemon (docs/operations.md): reads a key = value
 * configuration file, loads the data key and the node's signing key from
 * files outside the data directory, serves the HTTP API (tern/api.h) until
 * SIGTERM or SIGINT, then stops gracefully (requests in flight finish).
 * `--bootstrap USER:AGENCY:ROLE[,ROLE...]` creates that user and prints an
 * API key for it instead of serving (the first admin of a new node). */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/api.h"
#include "tern/store.h"

typedef struct conf {
    char listen[64], data_dir[1024], store[1200], data_key[1024], node_key[1024];
    char tls_cert[1024], tls_key[1024], tls_ca[1024], port_file[1024];
    unsigned port, workers, max_connections, retention_interval_s;
    double target_fpir;
    size_t max_candidates, body_max;
    bool log_requests;
} conf;

static void logj(const char *level, const char *msg, const char *detail)
{
    fprintf(stderr, "{\"ts\":%lld,\"level\":\"%s\",\"msg\":\"%s\"", (long long)tern_store_now_ms(),
            level, msg);
    if (detail) {
        fputs(",\"detail\":\"", stderr);
        for (const char *p = detail; *p; p++)
            if (*p == '"' || *p == '\\')
                fprintf(stderr, "\\%c", *p);
            else if ((unsigned char)*p < 0x20)
                fputc(' ', stderr);
            else
                fputc(*p, stderr);
        fputc('"', stderr);
    }
    fputs("}\n", stderr);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

static int conf_set(conf *c, const char *k, const char *v)
{
#define STR(name, field)                                                                      \
    if (strcmp(k, name) == 0)                                                                 \
        return snprintf(c->field, sizeof c->field, "%s", v) < (int)sizeof c->field ? 0 : -1;
    STR("listen", listen)
    STR("data_dir", data_dir)
    STR("store", store)
    STR("data_key_file", data_key)
    STR("node_key_file", node_key)
    STR("tls_cert", tls_cert)
    STR("tls_key", tls_key)
    STR("tls_client_ca", tls_ca)
    STR("port_file", port_file)
#undef STR
    char *end = NULL;
    errno = 0;
    if (strcmp(k, "target_fpir") == 0) {
        c->target_fpir = strtod(v, &end);
        return *end || c->target_fpir < 0 || c->target_fpir >= 1 ? -1 : 0;
    }
    if (strcmp(k, "log_requests") == 0) {
        c->log_requests = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
        return 0;
    }
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || errno)
        return -1;
    if (strcmp(k, "port") == 0 && n <= 65535)
        c->port = (unsigned)n;
    else if (strcmp(k, "workers") == 0 && n >= 1 && n <= 64)
        c->workers = (unsigned)n;
    else if (strcmp(k, "max_connections") == 0 && n >= 1 && n <= 10000)
        c->max_connections = (unsigned)n;
    else if (strcmp(k, "retention_interval_s") == 0 && n >= 1 && n <= 31 * 86400)
        c->retention_interval_s = (unsigned)n;
    else if (strcmp(k, "max_candidates") == 0 && n <= 100)
        c->max_candidates = (size_t)n;
    else if (strcmp(k, "body_max") == 0 && n >= 1024 && n <= (1ull << 30))
        c->body_max = (size_t)n;
    else
        return -1;
    return 0;
}

static int conf_read(const char *path, conf *c)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ternd: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[2048];
    int no = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        no++;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(stderr, "ternd: %s:%d: expected key = value\n", path, no);
            rc = -1;
            continue;
        }
        *eq = 0;
        if (conf_set(c, trim(s), trim(eq + 1)) != 0) {
            fprintf(stderr, "ternd: %s:%d: bad setting \"%s\"\n", path, no, trim(s));
            rc = -1;
        }
    }
    fclose(f);
    return rc;
}

static int bootstrap(const tern_api_config *cfg, const char *spec)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    char *user = buf, *agency = strchr(buf, ':'), *roles = agency ? strchr(agency + 1, ':') : NULL;
    if (!agency || !roles) {
        fprintf(stderr, "ternd: --bootstrap USER:AGENCY:ROLE[,ROLE...]\n");
        return 2;
    }
    *agency++ = 0;
    *roles++ = 0;
    unsigned bits = 0;
    for (char *r = strtok(roles, ","); r; r = strtok(NULL, ","))
        bits |= tern_api_role_bit(r);
    tern_error err;
    tern_error_clear(&err);
    tern_store *s = NULL;
    tern_core *c = NULL;
    char token[TERN_APIKEY_TOKEN_MAX];
    tern_status rc = tern_store_open(cfg->store_url, &cfg->data_key, &s, &err);
    if (rc == TERN_OK)
        rc = tern_core_create(s, &cfg->node_key, &c, &err);
    if (rc == TERN_OK)
        rc = tern_api_bootstrap(c, s, agency, user, bits, 365, token, &err);
    tern_core_free(c);
    tern_store_close(s);
    if (rc != TERN_OK) {
        fprintf(stderr, "ternd: bootstrap: %s\n", err.message);
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

/* CATEGORY:DAYS - a retention rule, created if absent (setup only). */
static int add_retention(const tern_api_config *cfg, const char *spec)
{
    char cat[TERN_ID_MAX];
    long days = 0;
    const char *colon = strchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof cat || (days = strtol(colon + 1, NULL, 10)) <= 0) {
        fprintf(stderr, "ternd: --retention CATEGORY:DAYS\n");
        return 2;
    }
    snprintf(cat, sizeof cat, "%.*s", (int)(colon - spec), spec);
    tern_error err;
    tern_error_clear(&err);
    tern_store *s = NULL;
    tern_status rc = tern_store_open(cfg->store_url, &cfg->data_key, &s, &err);
    tern_retention_rule r = {.days = days, .description = "set at node setup"};
    snprintf(r.id, sizeof r.id, "%s", cat);
    tern_retention_rule old;
    memset(&old, 0, sizeof old);
    if (rc == TERN_OK && tern_store_retention_rule_get(s, cat, &old, NULL) == TERN_OK)
        tern_retention_rule_clear(&old);
    else if (rc == TERN_OK)
        rc = tern_store_retention_rule_insert(s, &r, &err);
    tern_store_close(s);
    if (rc != TERN_OK) {
        fprintf(stderr, "ternd: retention: %s\n", err.message);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *conf_path = NULL, *boot = NULL, *retention = NULL;
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
            conf_path = argv[++i];
        else if (strcmp(argv[i], "--bootstrap") == 0 && i + 1 < argc)
            boot = argv[++i];
        else if (strcmp(argv[i], "--retention") == 0 && i + 1 < argc)
            retention = argv[++i];
        else {
            fprintf(stderr, "usage: ternd -c FILE [--bootstrap USER:AGENCY:ROLE[,ROLE...]] [--retention CAT:DAYS]\n");
            return 2;
        }
    }
    if (!conf_path) {
        fprintf(stderr, "usage: ternd -c FILE [--bootstrap USER:AGENCY:ROLE[,ROLE...]] [--retention CAT:DAYS]\n");
        return 2;
    }
    conf c = {.listen = "127.0.0.1", .port = 8443, .log_requests = true};
    if (conf_read(conf_path, &c) != 0)
        return 2;
    if (!c.store[0] && c.data_dir[0])
        snprintf(c.store, sizeof c.store, "sqlite:%s/tern.db", c.data_dir);
    tern_api_config cfg = {.listen = c.listen, .port = c.port, .store_url = c.store,
                           .workers = c.workers, .max_connections = c.max_connections,
                           .body_max = c.body_max, .target_fpir = c.target_fpir,
                           .max_candidates = c.max_candidates, .log_requests = c.log_requests,
                           .retention_interval_s = c.retention_interval_s,
                           .tls_cert_file = c.tls_cert[0] ? c.tls_cert : NULL,
                           .tls_key_file = c.tls_key[0] ? c.tls_key : NULL,
                           .tls_client_ca = c.tls_ca[0] ? c.tls_ca : NULL};
    tern_error err;
    tern_error_clear(&err);
    const char *dd = c.data_dir[0] ? c.data_dir : NULL;
    if (!c.store[0]) {
        logj("error", "no store configured (store = URL or data_dir = DIR)", NULL);
        return 2;
    }
    if (tern_key_load(c.data_key[0] ? c.data_key : NULL, "TERN_DATA_KEY", dd, &cfg.data_key,
                      &err) != TERN_OK ||
        tern_sign_key_load(c.node_key, dd, &cfg.node_key, &err) != TERN_OK) {
        logj("error", "cannot load keys", err.message);
        return 1;
    }
    if (boot || retention) {
        int rc = boot ? bootstrap(&cfg, boot) : 0;
        if (rc == 0 && retention)
            rc = add_retention(&cfg, retention);
        tern_key_wipe(&cfg, sizeof cfg);
        return rc;
    }
    /* signals are taken by sigwait below; every thread inherits the mask */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    tern_api_server *srv = NULL;
    tern_status rc = tern_api_start(&cfg, &srv, &err);
    tern_key_wipe(&cfg.data_key, sizeof cfg.data_key);
    tern_key_wipe(&cfg.node_key, sizeof cfg.node_key);
    if (rc != TERN_OK) {
        logj("error", "cannot start", err.message);
        return 1;
    }
    char where[128];
    snprintf(where, sizeof where, "%s:%u", c.listen, tern_api_port(srv));
    logj("info", "listening", where);
    if (c.port_file[0]) {
        FILE *pf = fopen(c.port_file, "w");
        if (pf) {
            fprintf(pf, "%u\n", tern_api_port(srv));
            fclose(pf);
        }
    }
    int sig = 0;
    sigwait(&set, &sig);
    logj("info", "stopping: finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    tern_api_stop(srv, 30000);
    logj("info", "stopped", NULL);
    return 0;
}
