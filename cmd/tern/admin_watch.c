/* admin_watch.c - `tern admin watchlist ...` and `tern admin alerts ...`:
 * the watchlist entry life (nominate, four-eyes approval, reject, remove,
 * expire) and examiners' decisions on alerts, through the core services
 * (tern/core.h, docs/core.md). Listings show pseudonymous ids, states and
 * dates only, never biographic data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_cli.h"
#include "cli.h"

/* Value of option `name` in argv[from..], or NULL. */
static const char *opt(int argc, char **argv, int from, const char *name)
{
    for (int i = from; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static int need(const char *v, const char *what)
{
    return v ? 0 : cli_fail("%s is required", what);
}

static int print_entry(void *ctx, const void *row)
{
    const tern_watchlist_entry *e = row;
    const char *wl = ctx;
    if (wl && strcmp(wl, e->watchlist_id) != 0)
        return 0;
    printf("%s  watchlist %s  subject %s  %s  nominated by %s%s%s  expires %lld\n", e->id,
           e->watchlist_id, e->subject_id, tern_entry_status_name(e->status), e->nominated_by,
           e->approved_by[0] ? ", approved by " : "", e->approved_by,
           (long long)(e->expires_ms / 1000));
    return 0;
}

static int watch_create(admin_ctx *a, int argc, char **argv)
{
    if (argc < 3)
        return cli_fail("usage: watchlist create ID --name N --category C --handling H");
    tern_user me = {0};
    tern_error err;
    if (tern_store_user_get(a->store, a->actor.user_id, &me, &err) != TERN_OK)
        return cli_fail_err(a->actor.user_id, &err);
    tern_watchlist wl = {.name = (char *)opt(argc, argv, 3, "--name"),
                         .category = (char *)opt(argc, argv, 3, "--category"),
                         .handling = (char *)opt(argc, argv, 3, "--handling"),
                         .created_ms = tern_store_now_ms()};
    snprintf(wl.id, sizeof wl.id, "%s", argv[2]);
    snprintf(wl.owner_agency_id, sizeof wl.owner_agency_id, "%s", me.agency_id);
    tern_user_clear(&me);
    int rc = need(wl.name, "--name") || need(wl.category, "--category") ||
             need(wl.handling, "--handling");
    if (rc)
        return rc;
    if (tern_core_watchlist_create(a->core, &a->actor, &wl, &err) != TERN_OK)
        return cli_fail_err("watchlist create", &err);
    printf("watchlist %s created\n", wl.id);
    return 0;
}

static int watch_nominate(admin_ctx *a, int argc, char **argv)
{
    if (argc < 4)
        return cli_fail("usage: watchlist nominate WATCHLIST SUBJECT --basis B "
                        "--review-days N --expires-days N");
    const char *basis = opt(argc, argv, 4, "--basis");
    const char *rd = opt(argc, argv, 4, "--review-days"), *ed = opt(argc, argv, 4, "--expires-days");
    int rc = need(basis, "--basis") || need(rd, "--review-days") || need(ed, "--expires-days");
    if (rc)
        return rc;
    int64_t review = admin_days("--review-days", rd), expires = admin_days("--expires-days", ed);
    if (!review || !expires)
        return 1;
    int64_t now = tern_store_now_ms();
    char entry[TERN_ID_MAX];
    tern_error err;
    if (tern_core_nominate(a->core, &a->actor, argv[2], argv[3], basis, now + review,
                           now + expires, now, entry, &err) != TERN_OK)
        return cli_fail_err("nominate", &err);
    printf("entry %s proposed: it matches nothing until a second supervisor approves it\n", entry);
    return 0;
}

static int watch_change(admin_ctx *a, int argc, char **argv)
{
    if (argc < 3)
        return cli_fail("usage: watchlist %s ENTRY [--reason R]", argv[1]);
    const char *what = argv[1], *reason = opt(argc, argv, 3, "--reason");
    int64_t now = tern_store_now_ms();
    tern_error err;
    tern_status rc;
    if (strcmp(what, "approve") == 0) {
        rc = tern_core_approve(a->core, &a->actor, argv[2], now, &err);
    } else {
        if (need(reason, "--reason"))
            return 1;
        rc = strcmp(what, "reject") == 0
                 ? tern_core_reject(a->core, &a->actor, argv[2], reason, now, &err)
                 : tern_core_remove(a->core, &a->actor, argv[2], reason, now, &err);
    }
    if (rc != TERN_OK)
        return cli_fail_err(what, &err);
    printf("entry %s: %s done\n", argv[2], what);
    return 0;
}

int admin_watchlist(admin_ctx *a, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    tern_error err;
    if (strcmp(sub, "create") == 0)
        return watch_create(a, argc, argv);
    if (strcmp(sub, "nominate") == 0)
        return watch_nominate(a, argc, argv);
    if (strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0 || strcmp(sub, "remove") == 0)
        return watch_change(a, argc, argv);
    if (strcmp(sub, "expire") == 0) {
        int64_t n = 0;
        if (tern_core_expire(a->core, tern_store_now_ms(), &n, &err) != TERN_OK)
            return cli_fail_err("expire", &err);
        printf("%lld entries expired\n", (long long)n);
        return 0;
    }
    if (strcmp(sub, "list") == 0) {
        if (tern_store_each(a->store, TERN_ENT_WATCHLIST_ENTRY, NULL, NULL, print_entry,
                            argc > 2 ? argv[2] : NULL, &err) != TERN_OK)
            return cli_fail_err("list", &err);
        return 0;
    }
    return cli_fail("usage: tern admin ... watchlist create|nominate|approve|reject|remove|"
                    "expire|list");
}

static int print_alert(void *ctx, const void *row)
{
    const tern_alert *al = row;
    printf("%s  encounter %s  subject %s%s%s  %s%s%s\n", al->id, al->encounter_id,
           al->subject_id, al->entry_id[0] ? "  entry " : "", al->entry_id,
           tern_alert_status_name(al->status), al->examiner_id[0] ? " by " : "",
           al->examiner_id);
    return 0;
}

static const char *const signal_names[] = {"GREEN", "YELLOW", "RED"};

int admin_alerts(admin_ctx *a, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    tern_error err;
    if (strcmp(sub, "list") == 0) {
        const char *status = opt(argc, argv, 2, "--status");
        if (tern_store_each(a->store, TERN_ENT_ALERT, status ? "status" : NULL, status,
                            print_alert, NULL, &err) != TERN_OK)
            return cli_fail_err("alerts list", &err);
        return 0;
    }
    if (strcmp(sub, "show") == 0 && argc == 3) {
        tern_alert_notice n;
        if (tern_core_alert_notice(a->core, &a->actor, argv[2], &n, &err) != TERN_OK)
            return cli_fail_err(argv[2], &err);
        printf("%s: %s\n", signal_names[n.signal], n.message);
        if (n.category)
            printf("category: %s\n", n.category);
        if (n.handling)
            printf("handling: %s\n", n.handling);
        tern_alert_notice_clear(&n);
        return 0;
    }
    if (strcmp(sub, "decide") == 0 && argc >= 4) {
        static const struct {
            const char *name;
            tern_alert_status st;
        } d[] = {{"confirmed", TERN_ALERT_CONFIRMED},
                 {"rejected", TERN_ALERT_REJECTED},
                 {"inconclusive", TERN_ALERT_INCONCLUSIVE}};
        size_t i = 0;
        while (i < 3 && strcmp(argv[3], d[i].name) != 0)
            i++;
        if (i == 3)
            return cli_fail("decide: confirmed, rejected or inconclusive");
        const char *reasons = opt(argc, argv, 4, "--reasons");
        if (need(reasons, "--reasons"))
            return 1;
        if (tern_core_alert_decide(a->core, &a->actor, argv[2], d[i].st, reasons,
                                   tern_store_now_ms(), &err) != TERN_OK)
            return cli_fail_err("decide", &err);
        printf("alert %s %s\n", argv[2], d[i].name);
        return 0;
    }
    return cli_fail("usage: tern admin ... alerts list [--status S] | show ALERT | "
                    "decide ALERT confirmed|rejected|inconclusive --reasons R");
}
