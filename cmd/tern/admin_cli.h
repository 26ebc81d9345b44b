/* admin_cli.h - what the files of `tern admin` share: the opened data
 * directory (store, core, gallery, actor) and the subcommands. */
#ifndef TERN_ADMIN_CLI_H
#define TERN_ADMIN_CLI_H

#include <jansson.h>

#include "tern/core.h"
#include "tern/image.h"
#include "tern/store.h"
#include "tern/template.h"

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

/* The fingers of one enrollment (admin_enroll.c), owning their images and
 * templates: admin_fingers_free releases them. */
typedef struct admin_fingers {
    tern_core_finger f[TERN_CORE_MAX_FINGERS];
    size_t n;
    tern_image *img[TERN_CORE_MAX_FINGERS];
    tern_template *tmpl[TERN_CORE_MAX_FINGERS];
    double ppi;
} admin_fingers;
void admin_fingers_free(admin_fingers *fs);
/* Adds the Type-4 and Type-14 finger images of an ANSI/NIST-ITL file, or
 * the files a synthetic identity.json (root, read from bio_path) lists per
 * finger; reads biographic fields from JSON into idr (strings owned by
 * *root). Each returns 0, or prints the failure naming the file and
 * returns the exit status. */
int admin_fingers_nist(admin_fingers *fs, const char *path);
int admin_fingers_listed(admin_fingers *fs, const char *bio_path, json_t *root);
/* The file name of a multi-view exchange record for all fingers (`tern
 * synth --templates --format FMT`); admin_fingers_record (admin_import.c)
 * adds the first view of each finger position 1..10 of the record at path
 * (admin_fingers_listed calls it for that name). */
#define ADMIN_RECORD "templates.fmr"
int admin_fingers_record(admin_fingers *fs, const char *path);
int admin_bio_load(const char *path, json_t **root, tern_identity *idr);

int admin_enroll(admin_ctx *a, int argc, char **argv);
int admin_import(admin_ctx *a, int argc, char **argv);
int admin_identify(admin_ctx *a, int argc, char **argv);
int admin_verify(admin_ctx *a, int argc, char **argv);
int admin_watchlist(admin_ctx *a, int argc, char **argv);
int admin_alerts(admin_ctx *a, int argc, char **argv);

/* Parses a positive number of days into milliseconds; 0 on error (printed). */
int64_t admin_days(const char *opt, const char *s);

#endif
