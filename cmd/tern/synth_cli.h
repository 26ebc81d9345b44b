/* synth_cli.h - what the two files of `tern synth` share (cmd_synth.c:
 * options, FVC databases, progress; synth_identities.c: identities). */
#ifndef TERN_SYNTH_CLI_H
#define TERN_SYNTH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/image.h"
#include "tern/status.h"

typedef struct synth_cli_opts {
    uint32_t fingers, identities, impressions;
    uint64_t seed;
    const char *out;
    const char *format; /* "png", "wsq" or "an2" */
    bool templates, rolled;
    uint32_t width, height;
} synth_cli_opts;

/* Writes len bytes to path (mode 0600, no fsync: generated files can be
 * regenerated from the seed). */
tern_status synth_cli_write(const char *path, const void *data, size_t len, tern_error *err);
/* Encodes img in the format of path's extension and writes it so. */
tern_status synth_cli_write_image(const tern_image *img, const char *path, tern_error *err);
/* Creates directory path (mode 0700) unless it exists; 0, or prints and 1. */
int synth_cli_mkdir(const char *path);
/* `tern synth --identities`: returns the exit status. */
int synth_cli_identities(const synth_cli_opts *o);
/* Writes DIR/ppi and DIR/manifest.json; 0, or prints and 1. */
int synth_cli_manifest(const synth_cli_opts *o);
/* `tern synth --identities --templates` (fast mode). */
int synth_cli_templates(const synth_cli_opts *o);

#endif
