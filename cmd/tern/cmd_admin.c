/* cmd_admin.c - `tern admin --data DIR ...`: the operator's command line on
 * a local data directory (the store, SQLite by default) with its keys kept
 * OUTSIDE it (docs/store.md): init, user, enroll, identify, verify,
 * watchlist, alerts, audit, reextract, import. Every change goes through the core
 * services (tern/core.h), so it is one transaction and audited; the actor
 * is `--as USER` with its roles from the store. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin_cli.h"
#include "cli.h"
#include "tern/audit.h"

static const char usage_text[] =
    "usage: tern admin --data DIR [--keys KEYDIR] [--store URL] [--as USER] [--purpose WHY]\n"
    "                  COMMAND [ARGS...]\n\n"
    "Operates a local Tern node: DIR holds the SQLite store (DIR/tern.db, or --store URL,\n"
    "e.g. postgresql://...); KEYDIR (default DIR.keys, never inside DIR; or $TERN_KEYS)\n"
    "holds data.key (encryption at rest) and node.key (Ed25519, signs the audit chain).\n"
    "USER (default $TERN_USER or \"admin\") acts; its roles come from the store.\n\n"
    "commands:\n"
    "  init [--agency CODE] [--country ISO3] [--admin USER]\n"
    "                                        create DIR, the keys, the store, an agency,\n"
    "                                        an admin user and the retention rule \"default\"\n"
    "  user add ID --roles R1,R2 [--agency CODE] [--name NAME]\n"
    "                                        roles: officer examiner analyst supervisor\n"
    "                                        auditor admin partner\n"
    "  retention add CATEGORY DAYS           a retention rule (category \"jobs\": finished\n"
    "                                        jobs, default 30 days)\n"
    "  retention apply                       purge subjects past their time (unless a live\n"
    "                                        watchlist entry holds them) and old jobs\n"
    "  enroll [--bio FILE.json] [--category C] [--location L] [--missing P,..]\n"
    "         [--amputated P,..] (FILE@POS[:rolled|:plain]... | --nist FILE)\n"
    "                                        FILE: an image or a template; with no FILE\n"
    "                                        and a synthetic identity.json, its files\n"
    "  identify [--location L] [--fpir X] [--candidates N] (FILE@POS... | --nist FILE)\n"
    "                                        prints hit or no-hit and the alerts\n"
    "  verify SUBJECT FILE@POS...            1:1 against a claimed identity\n"
    "  watchlist create|nominate|approve|reject|remove|expire|list ...\n"
    "  alerts list | show ALERT | decide ALERT confirmed|rejected|inconclusive --reasons R\n"
    "  audit verify                          check the hash chain and its signed head\n"
    "  reextract                             remake templates of older engine versions\n"
    "  import [--batch N] [--dedup] DIR | import dedup [--max N]\n"
    "                                        bulk import of identity folders, then the\n"
    "                                        deferred duplicate search (import --help)\n";

int64_t admin_days(const char *opt, const char *s)
{
    unsigned long d;
    if (!cli_parse_uint(opt, s, &d) || d == 0 || d > 36500) {
        cli_fail("%s: 1..36500 days", opt);
        return 0;
    }
    return (int64_t)d * 86400000LL;
}

int admin_gallery(admin_ctx *a)
{
    if (a->gallery)
        return 0;
    tern_error err;
    size_t loaded, skipped;
    if (tern_core_gallery_load(a->core, &a->gallery, &loaded, &skipped, &err) != TERN_OK)
        return cli_fail_err("loading the gallery", &err);
    if (skipped)
        fprintf(stderr, "tern: gallery: %zu templates skipped (unreadable)\n", skipped);
    return 0;
}

static int open_node(admin_ctx *a)
{
    tern_error err;
    if (tern_key_load(a->data_key_path, NULL, a->data_dir, &a->key, &err) != TERN_OK)
        return cli_fail_err(a->data_key_path, &err);
    if (tern_sign_key_load(a->node_key_path, a->data_dir, &a->node, &err) != TERN_OK)
        return cli_fail_err(a->node_key_path, &err);
    if (tern_store_open(a->url, &a->key, &a->store, &err) != TERN_OK)
        return cli_fail_err("opening the store", &err);
    if (tern_core_create(a->store, &a->node, &a->core, &err) != TERN_OK)
        return cli_fail_err("core", &err);
    return 0;
}

static int create_key(const char *path, const char *what)
{
    tern_error err;
    tern_status rc = tern_key_file_create(path, &err);
    if (rc == TERN_OK)
        printf("created %s %s (mode 0600)\n", what, path);
    else if (rc != TERN_E_EXISTS)
        return cli_fail_err(path, &err);
    return 0;
}

static int audit_admin(admin_ctx *a, const char *action, const char *type, const char *id)
{
    tern_audit_event ev = {.role = "admin", .action = (char *)action, .object_type = (char *)type,
                           .purpose = (char *)a->actor.purpose, .outcome = "ok"};
    snprintf(ev.actor, sizeof ev.actor, "%s", a->actor.user_id);
    snprintf(ev.object_id, sizeof ev.object_id, "%s", id);
    tern_error err;
    return tern_audit_append(a->store, &a->node, &ev, &err) == TERN_OK
               ? 0
               : cli_fail_err("audit", &err);
}

static int cmd_init(admin_ctx *a, int argc, char **argv)
{
    const char *agency = "LOCAL", *admin = "admin", *country = "ZZZ";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--agency") == 0 && i + 1 < argc)
            agency = argv[++i];
        else if (strcmp(argv[i], "--admin") == 0 && i + 1 < argc)
            admin = argv[++i];
        else if (strcmp(argv[i], "--country") == 0 && i + 1 < argc)
            country = argv[++i];
        else
            return cli_fail("init: unexpected '%s'", argv[i]);
    }
    if (mkdir(a->data_dir, 0700) != 0 && errno != EEXIST)
        return cli_fail("init: cannot create %s: %s", a->data_dir, strerror(errno));
    char keydir[1024];
    snprintf(keydir, sizeof keydir, "%s", a->data_key_path);
    char *slash = strrchr(keydir, '/');
    if (slash)
        *slash = 0;
    if (slash && mkdir(keydir, 0700) != 0 && errno != EEXIST)
        return cli_fail("init: cannot create %s: %s", keydir, strerror(errno));
    char rd[4096], rk[4096];
    if (slash && realpath(a->data_dir, rd) && realpath(keydir, rk)) {
        size_t n = strlen(rd);
        if (strncmp(rk, rd, n) == 0 && (rk[n] == '/' || rk[n] == 0))
            return cli_fail("init: the keys (%s) must not lie inside the data directory", keydir);
    }
    int rc = create_key(a->data_key_path, "data key");
    if (!rc)
        rc = create_key(a->node_key_path, "node signing key");
    if (!rc)
        rc = open_node(a);
    if (rc)
        return rc;
    tern_error err;
    int64_t now = tern_store_now_ms();
    tern_agency ag = {.name = (char *)agency, .country = (char *)country, .created_ms = now};
    snprintf(ag.id, sizeof ag.id, "%s", agency);
    tern_user u = {.display_name = (char *)admin, .roles = TERN_ROLE_ADMIN | TERN_ROLE_SUPERVISOR,
                   .active = 1, .created_ms = now};
    snprintf(u.id, sizeof u.id, "%s", admin);
    snprintf(u.agency_id, sizeof u.agency_id, "%s", agency);
    tern_retention_rule r = {.id = "default", .days = 3650,
                             .description = "default retention (ten years)"};
    tern_status s = tern_store_begin(a->store, &err);
    if (s == TERN_OK)
        s = tern_store_agency_insert(a->store, &ag, &err);
    if (s == TERN_OK)
        s = tern_store_user_insert(a->store, &u, &err);
    if (s == TERN_OK)
        s = tern_store_retention_rule_insert(a->store, &r, &err);
    if (s == TERN_OK) {
        a->actor.user_id = u.id;
        rc = audit_admin(a, "node.init", "agency", ag.id);
        s = rc ? TERN_E_IO : tern_store_commit(a->store, &err);
    }
    if (s != TERN_OK) {
        tern_store_rollback(a->store, NULL);
        return rc ? rc : cli_fail_err("init", &err);
    }
    printf("initialised %s (%s): agency %s, admin user %s, retention rule \"default\"\n",
           a->data_dir, tern_store_backend(a->store), ag.id, u.id);
    return 0;
}

static const char *const role_names[] = {"officer", "examiner", "analyst", "supervisor",
                                         "auditor", "admin",    "partner"};

static int parse_roles(const char *s, int64_t *roles)
{
    *roles = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t i = 0;
        while (i < 7 && strcmp(tok, role_names[i]) != 0)
            i++;
        if (i == 7)
            return cli_fail("--roles: unknown role '%s'", tok);
        *roles |= 1LL << i;
    }
    return *roles ? 0 : cli_fail("--roles: none given");
}

/* user add: admin only. (User management has no core service yet; the
 * admin check and the audit event are made here until it has.) */
static int cmd_user(admin_ctx *a, int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "add") != 0)
        return cli_fail("usage: tern admin ... user add ID --roles R1,R2 [--agency CODE]");
    tern_error err;
    tern_user me = {0}, u = {.active = 1, .created_ms = tern_store_now_ms()};
    if (tern_store_user_get(a->store, a->actor.user_id, &me, &err) != TERN_OK)
        return cli_fail_err(a->actor.user_id, &err);
    snprintf(u.agency_id, sizeof u.agency_id, "%s", me.agency_id);
    int is_admin = me.active && (me.roles & TERN_ROLE_ADMIN);
    tern_user_clear(&me);
    if (!is_admin)
        return cli_fail("user add: \"%s\" is not an active admin", a->actor.user_id);
    snprintf(u.id, sizeof u.id, "%s", argv[2]);
    u.display_name = argv[2];
    int rc = 0;
    for (int i = 3; i < argc && !rc; i++) {
        if (strcmp(argv[i], "--roles") == 0 && i + 1 < argc)
            rc = parse_roles(argv[++i], &u.roles);
        else if (strcmp(argv[i], "--agency") == 0 && i + 1 < argc)
            snprintf(u.agency_id, sizeof u.agency_id, "%s", argv[++i]);
        else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            u.display_name = argv[++i];
        else
            rc = cli_fail("user add: unexpected '%s'", argv[i]);
    }
    if (rc || !u.roles)
        return rc ? rc : cli_fail("user add: --roles is required");
    tern_status s = tern_store_begin(a->store, &err);
    if (s == TERN_OK)
        s = tern_store_user_insert(a->store, &u, &err);
    if (s == TERN_OK)
        s = audit_admin(a, "user.add", "user", u.id) ? TERN_E_IO : tern_store_commit(a->store, &err);
    if (s != TERN_OK) {
        tern_store_rollback(a->store, NULL);
        return cli_fail_err("user add", &err);
    }
    printf("user %s added (agency %s)\n", u.id, u.agency_id);
    return 0;
}

static int cmd_retention(admin_ctx *a, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "apply") == 0) {
        tern_error err;
        tern_retention_counts n;
        if (tern_core_retention_apply(a->core, NULL, tern_store_now_ms(), &n, &err) != TERN_OK)
            return cli_fail_err("retention apply", &err);
        printf("retention: %lld subjects purged, %lld held by a live watchlist entry, "
               "%lld finished jobs purged\n",
               (long long)n.purged, (long long)n.held, (long long)n.jobs);
        return 0;
    }
    if (argc != 4 || strcmp(argv[1], "add") != 0)
        return cli_fail("usage: tern admin ... retention add CATEGORY DAYS | retention apply");
    int64_t ms = admin_days("retention", argv[3]);
    if (!ms)
        return 1;
    tern_retention_rule r = {.days = ms / 86400000LL, .description = argv[2]};
    snprintf(r.id, sizeof r.id, "%s", argv[2]);
    tern_error err;
    tern_status s = tern_store_begin(a->store, &err);
    if (s == TERN_OK)
        s = tern_store_retention_rule_insert(a->store, &r, &err);
    if (s == TERN_OK)
        s = audit_admin(a, "retention.add", "retention_rule", r.id) ? TERN_E_IO
                                                                     : tern_store_commit(a->store, &err);
    if (s != TERN_OK) {
        tern_store_rollback(a->store, NULL);
        return cli_fail_err("retention add", &err);
    }
    printf("retention rule %s: %lld days\n", r.id, (long long)r.days);
    return 0;
}

static int cmd_audit(admin_ctx *a, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "verify") != 0)
        return cli_fail("usage: tern admin ... audit verify");
    tern_audit_report rep;
    tern_error err;
    tern_status rc = tern_audit_verify(a->store, a->node.pk, &rep, &err);
    if (rc == TERN_OK) {
        printf("audit chain verified: %lld events, head signed by this node\n",
               (long long)rep.events);
        return 0;
    }
    if (rc == TERN_E_FORMAT)
        return cli_fail("audit chain BROKEN at event %lld: %s", (long long)rep.first_bad_seq,
                        rep.reason);
    return cli_fail_err("audit verify", &err);
}

static int cmd_reextract(admin_ctx *a, int argc, char **argv)
{
    tern_error err;
    size_t remade = 0, orphaned = 0;
    if (tern_core_reextract(a->core, NULL, &a->actor, &remade, &orphaned, &err) != TERN_OK)
        return cli_fail_err("reextract", &err);
    printf("re-extracted %zu templates with %s; %zu without a stored sample cannot be remade\n",
           remade, TERN_ENGINE_VERSION, orphaned);
    return 0;
}

static const struct {
    const char *name;
    int (*run)(admin_ctx *, int, char **);
} commands[] = {
    {"user", cmd_user},           {"retention", cmd_retention}, {"enroll", admin_enroll},
    {"identify", admin_identify}, {"verify", admin_verify},     {"watchlist", admin_watchlist},
    {"alerts", admin_alerts},     {"audit", cmd_audit},         {"reextract", cmd_reextract},
    {"import", admin_import},
};

static int parse_globals(admin_ctx *a, int argc, char **argv, int *next)
{
    const char *keys = getenv("TERN_KEYS"), *store = NULL;
    a->actor.user_id = getenv("TERN_USER") && *getenv("TERN_USER") ? getenv("TERN_USER") : "admin";
    a->actor.purpose = "administration";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (i + 1 >= argc)
            return cli_fail("admin: %s needs a value", argv[i]);
        if (strcmp(argv[i], "--data") == 0)
            a->data_dir = argv[++i];
        else if (strcmp(argv[i], "--keys") == 0)
            keys = argv[++i];
        else if (strcmp(argv[i], "--store") == 0)
            store = argv[++i];
        else if (strcmp(argv[i], "--as") == 0)
            a->actor.user_id = argv[++i];
        else if (strcmp(argv[i], "--purpose") == 0)
            a->actor.purpose = argv[++i];
        else
            return cli_fail("admin: unknown option '%s' (try tern admin --help)", argv[i]);
    }
    if (!a->data_dir || i >= argc)
        return cli_fail("admin: --data DIR and a command are required (try tern admin --help)");
    char kd[1024];
    size_t len = strlen(a->data_dir);
    while (len > 1 && a->data_dir[len - 1] == '/')
        len--;
    snprintf(kd, sizeof kd, "%s", keys && *keys ? keys : "");
    if (!kd[0])
        snprintf(kd, sizeof kd, "%.*s.keys", (int)len, a->data_dir);
    snprintf(a->data_key_path, sizeof a->data_key_path, "%.1000s/data.key", kd);
    snprintf(a->node_key_path, sizeof a->node_key_path, "%.1000s/node.key", kd);
    if (store)
        snprintf(a->url, sizeof a->url, "%s", store);
    else
        snprintf(a->url, sizeof a->url, "sqlite:%.*s/tern.db", (int)len, a->data_dir);
    *next = i;
    return 0;
}

int cmd_admin(int argc, char **argv)
{
    admin_ctx a = {0};
    int next = 0, rc = parse_globals(&a, argc, argv, &next);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *name = argv[next];
    if (strcmp(name, "init") == 0) {
        rc = cmd_init(&a, argc - next, argv + next);
    } else {
        size_t i = 0, n = sizeof commands / sizeof commands[0];
        while (i < n && strcmp(commands[i].name, name) != 0)
            i++;
        if (i == n)
            return cli_fail("admin: unknown command '%s' (try tern admin --help)", name);
        rc = open_node(&a);
        if (!rc)
            rc = commands[i].run(&a, argc - next, argv + next);
    }
    tern_core_gallery_free(a.gallery);
    tern_core_free(a.core);
    tern_store_close(a.store);
    tern_key_wipe(&a.key, sizeof a.key);
    tern_key_wipe(&a.node, sizeof a.node);
    return rc;
}
