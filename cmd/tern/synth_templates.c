/* synth_templates.c - `tern synth --identities N --templates`: the fast
 * mode for scale. Each identity's fingers are template fingers
 * (tern_synth_tfinger: minutiae without images) written with Tern's
 * template codecs (tern/template_io.h): one internal-format file per view
 * (FF_I.tern), or one multi-view exchange record per identity
 * (templates.<format>) when --format names an ISO/INCITS format. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "synth_cli.h"
#include "tern/bytes.h"
#include "tern/synth.h"
#include "tern/template_io.h"

/* Makes the 10 x k views of identity id into views[] (position-major). */
static tern_status make_views(const synth_cli_opts *o, const tern_synth_identity *id,
                              tern_template **views, tern_error *err)
{
    tern_synth_timpression_opts to;
    tern_synth_timpression_defaults(&to);
    to.width = o->width;
    to.height = o->height;
    for (int pos = 1; pos <= 10; pos++) {
        tern_synth_tfinger *f;
        tern_status s = tern_synth_tfinger_create(id->finger_seed[pos - 1],
                                                  (int)id->finger_class[pos - 1], &f, err);
        if (s != TERN_OK)
            return s;
        for (uint32_t i = 0; i < o->impressions && s == TERN_OK; i++) {
            tern_template **t = &views[(size_t)(pos - 1) * o->impressions + i];
            s = tern_synth_tfinger_impression(f, tern_synth_seed_mix(id->finger_seed[pos - 1], 2, i),
                                              &to, t, err);
            if (s == TERN_OK)
                (*t)->finger_position = (uint8_t)pos;
        }
        tern_synth_tfinger_free(f);
        if (s != TERN_OK)
            return s;
    }
    return TERN_OK;
}

/* Writes the views: one file each, or one record. names[] receives the file
 * name of each view. */
static tern_status write_views(const synth_cli_opts *o, const char *dir, tern_template **views,
                               size_t n, char **names, tern_error *err)
{
    tern_template_format fmt;
    tern_status s = tern_template_format_parse(o->format, &fmt, err);
    char path[4096];
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (s != TERN_OK)
        return s;
    if (fmt == TERN_TEMPLATE_FORMAT_TERN) {
        for (size_t v = 0; v < n && s == TERN_OK; v++) {
            char name[32];
            snprintf(name, sizeof name, "%02u_%zu.tern", views[v]->finger_position,
                     v % o->impressions + 1);
            snprintf(path, sizeof path, "%s/%s", dir, name);
            s = tern_template_encode(views[v], fmt, &bytes, &len, err);
            if (s == TERN_OK)
                s = synth_cli_write(path, bytes, len, err);
            free(bytes);
            names[v] = strdup(name);
        }
        return s;
    }
    tern_template_record *rec;
    s = tern_template_record_create(fmt, (uint32_t)n, &rec, err);
    if (s != TERN_OK)
        return s;
    memcpy(rec->views, views, n * sizeof *views);
    s = tern_template_encode_all(rec, fmt, &bytes, &len, err);
    memset(rec->views, 0, n * sizeof *views); /* the caller still owns them */
    tern_template_record_free(rec);
    if (s != TERN_OK)
        return s;
    char name[64];
    snprintf(name, sizeof name, "templates.%s", "fmr");
    snprintf(path, sizeof path, "%s/%s", dir, name);
    s = synth_cli_write(path, bytes, len, err);
    free(bytes);
    for (size_t v = 0; v < n; v++)
        names[v] = strdup(name);
    return s;
}

static int write_identity(const synth_cli_opts *o, uint64_t index, tern_template **views,
                          char **names)
{
    tern_synth_identity id;
    tern_synth_identity_make(o->seed, index, &id);
    char dir[2048], path[4096];
    snprintf(dir, sizeof dir, "%s/%06" PRIu64, o->out, index + 1);
    if (synth_cli_mkdir(dir))
        return 1;
    const size_t n = (size_t)10 * o->impressions;
    tern_error err;
    tern_status s = make_views(o, &id, views, &err);
    if (s == TERN_OK)
        s = write_views(o, dir, views, n, names, &err);
    char *json = NULL;
    if (s == TERN_OK)
        s = tern_synth_identity_json(&id, o->impressions, (const char *const *)names, &json, &err);
    if (s == TERN_OK) {
        snprintf(path, sizeof path, "%s/identity.json", dir);
        s = synth_cli_write(path, json, strlen(json), &err);
    }
    free(json);
    for (size_t v = 0; v < n; v++) {
        tern_template_free(views[v]);
        views[v] = NULL;
        free(names[v]);
        names[v] = NULL;
    }
    return s == TERN_OK ? 0 : cli_fail_err(dir, &err);
}

int synth_cli_templates(const synth_cli_opts *o)
{
    if ((uint64_t)10 * o->impressions > TERN_TEMPLATE_MAX_VIEWS)
        return cli_fail("--impressions: at most %u with --templates (10 fingers x K views)",
                        TERN_TEMPLATE_MAX_VIEWS / 10);
    if (synth_cli_mkdir(o->out) || synth_cli_manifest(o))
        return 1;
    const size_t n = (size_t)10 * o->impressions;
    tern_template **views = calloc(n, sizeof *views);
    char **names = calloc(n, sizeof *names);
    if (!views || !names) {
        free(views);
        free(names);
        return cli_fail("out of memory");
    }
    cli_progress prog;
    cli_progress_start(&prog, "synth", o->identities, "identities");
    int rc = 0;
    for (uint64_t i = 0; i < o->identities && !rc; i++) {
        rc = write_identity(o, i, views, names);
        cli_progress_show(&prog, i + 1);
    }
    free(views);
    free(names);
    return rc;
}
