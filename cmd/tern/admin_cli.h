/* admin_cli.h - what the files of `tern admin` share: the opened data
 * directory (store, core, gallery, actor) and the subcommands. */
#ifndef TERN_ADMIN_CLI_H
#define TERN_ADMIN_CLI_H

#include "tern/core.h"
#include "tern/store.h"

typedef struct admin_ctx {
    const char *data_dir;
    char url[1100];
    char data_key_path[1024], node_key_path[1024];
    tern_key key;
    tern_sign_key node;
    tern_store *store;
    tern_core *core;
    tern_core_gallery *gallery; /* loaded on demand (admin_gallery) */
    tern_actor actor;
} admin_ctx;

/* Loads the gallery if it is not yet; returns 0 or the exit status. */
int admin_gallery(admin_ctx *a);

int admin_enroll(admin_ctx *a, int argc, char **argv);
int admin_identify(admin_ctx *a, int argc, char **argv);
int admin_verify(admin_ctx *a, int argc, char **argv);
int admin_watchlist(admin_ctx *a, int argc, char **argv);
int admin_alerts(admin_ctx *a, int argc, char **argv);

/* Parses a positive number of days into milliseconds; 0 on error (printed). */
int64_t admin_days(const char *opt, const char *s);

#endif
