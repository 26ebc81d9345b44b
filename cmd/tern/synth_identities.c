/* synth_identities.c - `tern synth --identities N`: ten-print identities
 * with fictitious biographic data, one folder each (layout in
 * docs/synth.md): identity.json, and per finger and impression an image
 * (FF_I.png / .wsq, FF = ANSI/NIST finger position 01..10), or one
 * ANSI/NIST-ITL transaction identity.an2 holding every image. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "synth_cli.h"
#include "tern/bytes.h"
#include "tern/nist.h"
#include "tern/synth.h"

#define PATH_MAX_LEN 4096

int synth_cli_manifest(const synth_cli_opts *o)
{
    char path[PATH_MAX_LEN], text[1024];
    tern_error err;
    snprintf(path, sizeof path, "%s/ppi", o->out);
    if (synth_cli_write(path, "500\n", 4, &err) != TERN_OK)
        return cli_fail_err("writing", &err);
    int n = snprintf(text, sizeof text,
                     "{\n  \"generator\": \"tern synth\",\n  \"synthetic\": true,\n"
                     "  \"seed\": \"%" PRIu64 "\",\n  \"identities\": %u,\n"
                     "  \"impressions\": %u,\n  \"format\": \"%s\",\n  \"rolled\": %s,\n"
                     "  \"width\": %u,\n  \"height\": %u,\n  \"ppi\": 500\n}\n",
                     o->seed, o->identities, o->impressions,
                     o->templates ? "templates" : o->format, o->rolled ? "true" : "false",
                     o->width, o->height);
    snprintf(path, sizeof path, "%s/manifest.json", o->out);
    if (synth_cli_write(path, text, (size_t)n, &err) != TERN_OK)
        return cli_fail_err("writing", &err);
    return 0;
}

/* Makes impression i of finger position pos (1..10) of identity id. */
static tern_status make_image(const synth_cli_opts *o, const tern_synth_identity *id, int pos,
                              tern_synth_master **master, uint32_t i, tern_image **img,
                              tern_error *err)
{
    if (!*master) {
        tern_synth_master_opts mo;
        tern_synth_master_defaults(&mo);
        mo.width = o->width;
        mo.height = o->height;
        mo.finger_class = (int)id->finger_class[pos - 1];
        mo.period = id->finger_period[pos - 1];
        tern_status s = tern_synth_master_create(id->finger_seed[pos - 1], &mo, master, err);
        if (s != TERN_OK)
            return s;
    }
    tern_synth_impression_opts io;
    tern_synth_impression_defaults(&io);
    io.rolled = o->rolled;
    return tern_synth_impression(*master, tern_synth_seed_mix(id->finger_seed[pos - 1], 1, i),
                                 &io, img, err);
}

static int write_identity(const synth_cli_opts *o, uint64_t index, char **names)
{
    tern_synth_identity id;
    tern_synth_identity_make(o->seed, index, &id);
    char dir[PATH_MAX_LEN / 2], path[PATH_MAX_LEN];
    snprintf(dir, sizeof dir, "%s/%06" PRIu64, o->out, index + 1);
    if (synth_cli_mkdir(dir))
        return 1;
    tern_error err;
    tern_status s = TERN_OK;
    const uint32_t k = o->impressions;
    tern_nist *an2 = NULL;
    if (!strcmp(o->format, "an2") && (s = tern_synth_an2_create(&id, &an2, &err)) != TERN_OK)
        return cli_fail_err(dir, &err);
    for (int pos = 1; pos <= 10 && s == TERN_OK; pos++) {
        tern_synth_master *m = NULL;
        for (uint32_t i = 0; i < k && s == TERN_OK; i++) {
            tern_image *img = NULL;
            char name[32];
            snprintf(name, sizeof name, "%02d_%u.%s", pos, i + 1, o->format);
            s = make_image(o, &id, pos, &m, i, &img, &err);
            if (s == TERN_OK && an2) {
                s = tern_synth_an2_add_image(an2, img, pos, o->rolled, &err);
                snprintf(name, sizeof name, "identity.an2");
            } else if (s == TERN_OK) {
                snprintf(path, sizeof path, "%s/%s", dir, name);
                s = synth_cli_write_image(img, path, &err);
            }
            tern_image_free(img);
            free(names[(pos - 1) * k + i]);
            names[(pos - 1) * k + i] = s == TERN_OK ? strdup(name) : NULL;
        }
        tern_synth_master_free(m);
    }
    if (s == TERN_OK && an2) {
        uint8_t *bytes;
        size_t len;
        snprintf(path, sizeof path, "%s/identity.an2", dir);
        s = tern_nist_serialize(an2, &bytes, &len, &err);
        if (s == TERN_OK) {
            s = synth_cli_write(path, bytes, len, &err);
            free(bytes);
        }
    }
    tern_nist_free(an2);
    if (s != TERN_OK)
        return cli_fail_err(dir, &err);
    char *json;
    if (tern_synth_identity_json(&id, k, (const char *const *)names, &json, &err) != TERN_OK)
        return cli_fail_err(dir, &err);
    snprintf(path, sizeof path, "%s/identity.json", dir);
    s = synth_cli_write(path, json, strlen(json), &err);
    free(json);
    return s == TERN_OK ? 0 : cli_fail_err("writing", &err);
}

int synth_cli_identities(const synth_cli_opts *o)
{
    if (o->templates)
        return synth_cli_templates(o);
    if (o->impressions > 100)
        return cli_fail("--impressions: at most 100 with images");
    if (synth_cli_mkdir(o->out) || synth_cli_manifest(o))
        return 1;
    char **names = calloc((size_t)10 * o->impressions, sizeof *names);
    if (!names)
        return cli_fail("out of memory");
    cli_progress prog;
    cli_progress_start(&prog, "synth", o->identities, "identities");
    int rc = 0;
    for (uint64_t n = 0; n < o->identities && !rc; n++) {
        rc = write_identity(o, n, names);
        cli_progress_show(&prog, n + 1);
    }
    for (size_t i = 0; i < (size_t)10 * o->impressions; i++)
        free(names[i]);
    free(names);
    return rc;
}
