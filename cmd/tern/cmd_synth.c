/* cmd_synth.c - `tern synth`: synthetic fingerprint databases and
 * ten-print identities (see docs/synth.md for the layouts).
 *
 *   tern synth --fingers N --impressions K --seed S --out DIR [--format png|wsq]
 *       an FVC-style database: DIR/F_I.<ext>, F from 101, I from 1, and
 *       DIR/ppi, so that `tern eval fvc DIR` runs on it directly.
 *   tern synth --identities N --impressions K --seed S --out DIR
 *              [--format png|wsq|an2] [--templates]
 *       ten-print identities with fictitious biographic data.
 *
 * Deterministic for a seed; a progress bar on stderr when it is a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "synth_cli.h"
#include "tern/bytes.h"
#include "tern/synth.h"
#include "tern/template_io.h"

static const char usage_text[] =
    "usage: tern synth --fingers N --impressions K --seed S --out DIR [--format png|wsq]\n"
    "                  [--size WxH] [--rolled]\n"
    "       tern synth --identities N --impressions K --seed S --out DIR\n"
    "                  [--format png|wsq|an2 | --templates [--format FMT]] [--size WxH]\n"
    "\n"
    "Generates synthetic fingerprints (SFinGe's method: see docs/synth.md).\n"
    "  --fingers N      an FVC-style database: DIR/F_I.png with F = 101..100+N,\n"
    "                   I = 1..K, and DIR/ppi (500); `tern eval fvc DIR` runs on it\n"
    "  --identities N   N ten-print identities with fictitious biographic data\n"
    "                   (names start with SYNTH-), one folder each\n"
    "  --impressions K  impressions per finger (default 8 for --fingers, 1 else)\n"
    "  --seed S         the seed (default 1): the same seed gives the same files\n"
    "  --format F       png (default), wsq, or an2 (identities: ANSI/NIST-ITL);\n"
    "                   with --templates: tern (default, one file per view) or an\n"
    "                   exchange format (iso19794-2:2011, incits378:2009, ...: one\n"
    "                   multi-view record per identity)\n"
    "  --templates      identities: fast mode, minutiae templates only (no images)\n"
    "  --size WxH       image size in pixels at 500 ppi (default 288x384 for\n"
    "                   --fingers, 416x560 for --identities)\n"
    "  --rolled         rolled rather than flat impressions\n";

static bool parse_size(const char *s, uint32_t *w, uint32_t *h)
{
    unsigned a, b;
    char tail;
    if (sscanf(s, "%ux%u%c", &a, &b, &tail) != 2 || a < 64 || b < 64 || a > TERN_SYNTH_MAX_DIM ||
        b > TERN_SYNTH_MAX_DIM) {
        cli_fail("--size: '%s' is not WxH with sides 64..%u", s, TERN_SYNTH_MAX_DIM);
        return false;
    }
    *w = a;
    *h = b;
    return true;
}

static int parse_args(int argc, char **argv, synth_cli_opts *o)
{
    memset(o, 0, sizeof *o);
    bool format_given = false;
    o->seed = 1;
    o->format = "png";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(usage_text, stdout);
            return -1;
        }
        if (!strcmp(a, "--templates")) {
            o->templates = true;
            continue;
        }
        if (!strcmp(a, "--rolled")) {
            o->rolled = true;
            continue;
        }
        if (i + 1 >= argc)
            return cli_fail("%s: missing value (try tern synth --help)", a);
        const char *v = argv[++i];
        unsigned long n;
        if (!strcmp(a, "--fingers") || !strcmp(a, "--identities") ||
            !strcmp(a, "--impressions")) {
            if (!cli_parse_uint(a, v, &n))
                return 1;
            if (n == 0 || n > 10000000ul)
                return cli_fail("%s: %lu is out of range (1..10000000)", a, n);
            if (!strcmp(a, "--fingers"))
                o->fingers = (uint32_t)n;
            else if (!strcmp(a, "--identities"))
                o->identities = (uint32_t)n;
            else
                o->impressions = (uint32_t)n;
        } else if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            o->seed = strtoull(v, &end, 0);
            if (errno || end == v || *end || v[0] == '-')
                return cli_fail("--seed: '%s' is not a non-negative integer", v);
        } else if (!strcmp(a, "--out")) {
            o->out = v;
        } else if (!strcmp(a, "--format")) {
            o->format = v;
            format_given = true;
        } else if (!strcmp(a, "--size")) {
            if (!parse_size(v, &o->width, &o->height))
                return 1;
        } else {
            return cli_fail("unknown option '%s' (try tern synth --help)", a);
        }
    }
    if (!o->out)
        return cli_fail("--out DIR is required (try tern synth --help)");
    if (strlen(o->out) > 1024)
        return cli_fail("--out: path longer than 1024 bytes");
    if (!!o->fingers == !!o->identities)
        return cli_fail("give exactly one of --fingers N and --identities N");
    if (o->templates) {
        tern_template_format tf;
        tern_error err;
        if (!format_given)
            o->format = "tern";
        else if (tern_template_format_parse(o->format, &tf, &err) != TERN_OK)
            return cli_fail_err("--format", &err);
    } else if (strcmp(o->format, "png") && strcmp(o->format, "wsq") && strcmp(o->format, "an2")) {
        return cli_fail("--format: '%s' (png, wsq or an2; with --templates a template format)",
                        o->format);
    }
    if (o->fingers && !strcmp(o->format, "an2"))
        return cli_fail("--format an2 is for --identities (an FVC database holds images)");
    if (o->fingers && o->templates)
        return cli_fail("--templates is for --identities");
    if (o->fingers > 899)
        return cli_fail("--fingers: at most 899 (FVC numbering 101..999)");
    if (!o->impressions)
        o->impressions = o->fingers ? 8 : 1;
    if (!o->width) {
        o->width = o->fingers ? 288 : 416;
        o->height = o->fingers ? 384 : 560;
    }
    return 0;
}

tern_status synth_cli_write(const char *path, const void *data, size_t len, tern_error *err)
{
    /* Generated files can be regenerated from the seed: no fsync, which
     * would dominate the time of a 100,000-identity run. Mode 0600 as for
     * every biometric output. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return tern_error_set(err, TERN_E_IO, "%s: cannot create: %s", path, strerror(errno));
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            return tern_error_set(err, TERN_E_IO, "%s: write failed: %s", path, strerror(e));
        }
        p += w;
        len -= (size_t)w;
    }
    if (close(fd) != 0)
        return tern_error_set(err, TERN_E_IO, "%s: close failed: %s", path, strerror(errno));
    return TERN_OK;
}

tern_status synth_cli_write_image(const tern_image *img, const char *path, tern_error *err)
{
    uint8_t *data;
    size_t len;
    tern_status s = tern_image_encode(img, tern_image_format_from_path(path), NULL, &data, &len, err);
    if (s != TERN_OK)
        return s;
    s = synth_cli_write(path, data, len, err);
    free(data);
    return s;
}

int synth_cli_mkdir(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        return cli_fail("%s: exists and is not a directory", path);
    }
    return cli_fail("%s: cannot create directory: %s", path, strerror(errno));
}

static int write_fvc(const synth_cli_opts *o)
{
    if (synth_cli_mkdir(o->out))
        return 1;
    tern_error err;
    char path[4096];
    snprintf(path, sizeof path, "%s/ppi", o->out);
    if (synth_cli_write(path, "500\n", 4, &err) != TERN_OK)
        return cli_fail_err(path, &err);
    tern_synth_master_opts mo;
    tern_synth_master_defaults(&mo);
    mo.width = o->width;
    mo.height = o->height;
    tern_synth_impression_opts io;
    tern_synth_impression_defaults(&io);
    io.rolled = o->rolled;
    io.translation = TERN_SYNTH_SENSOR_TRANSLATION;
    uint64_t done = 0;
    cli_progress prog;
    cli_progress_start(&prog, "synth", (uint64_t)o->fingers * o->impressions, "images");
    for (uint32_t f = 0; f < o->fingers; f++) {
        tern_synth_master *m;
        if (tern_synth_master_create(tern_synth_seed_mix(o->seed, f, 0), &mo, &m, &err) != TERN_OK)
            return cli_fail_err("master", &err);
        for (uint32_t i = 0; i < o->impressions; i++) {
            tern_image *img;
            tern_status s =
                tern_synth_impression(m, tern_synth_seed_mix(o->seed, f, 1 + (uint64_t)i), &io,
                                      &img, &err);
            if (s == TERN_OK) {
                snprintf(path, sizeof path, "%s/%u_%u.%s", o->out, 101 + f, i + 1, o->format);
                s = synth_cli_write_image(img, path, &err);
                tern_image_free(img);
            }
            if (s != TERN_OK) {
                tern_synth_master_free(m);
                if (prog.tty)
                    fputc('\n', stderr);
                return cli_fail_err("writing", &err);
            }
            cli_progress_show(&prog, ++done);
        }
        tern_synth_master_free(m);
    }
    return 0;
}

int cmd_synth(int argc, char **argv)
{
    synth_cli_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    return o.fingers ? write_fvc(&o) : synth_cli_identities(&o);
}
