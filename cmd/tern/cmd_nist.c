/* cmd_nist.c - `tern nist`: dump, validate, convert and extract ANSI/NIST-ITL
 * transactions, traditional (.an2) or XML (.xml) (docs/nist.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "tern/bytes.h"
#include "tern/nist_dump.h"
#include "tern/nist_profile.h"
#include "tern/nist_types.h"
#include "tern/nist_xml.h"
#include "tern/template_io.h"

static const char USAGE[] =
    "usage: tern nist dump FILE [--json]\n"
    "       tern nist validate FILE [--profile NAME] | --list-profiles\n"
    "       tern nist convert IN OUT\n"
    "       tern nist extract FILE DIR\n"
    "\n"
    "FILE is an ANSI/NIST-ITL transaction, traditional or XML (recognised by content).\n"
    "tern nist COMMAND --help explains each command.\n";

static const char DUMP_HELP[] =
    "usage: tern nist dump FILE [--json]\n\n"
    "Prints every record and field of the transaction; binary data and images are\n"
    "summarised (size, format, resolution, positions). --json prints the content only\n"
    "(no byte offsets, file names or encoding details): a transaction and its XML\n"
    "conversion dump identically.\n";
static const char VALIDATE_HELP[] =
    "usage: tern nist validate FILE [--profile NAME]\n"
    "       tern nist validate --list-profiles\n\n"
    "Checks the transaction against the ANSI/NIST-ITL base rules and an application\n"
    "profile (by default the one for its type of transaction, 1.004), and prints every\n"
    "violation with its record and field. Exit status 0 if there is none, 1 if any.\n";
static const char CONVERT_HELP[] =
    "usage: tern nist convert IN OUT\n\n"
    "Converts between the traditional encoding (OUT not ending in .xml) and the\n"
    "ANSI/NIST-ITL 1-2011 XML encoding (OUT ending in .xml). The same encoding in and\n"
    "out gives identical bytes (for XML: documents Tern wrote).\n";
static const char EXTRACT_HELP[] =
    "usage: tern nist extract FILE DIR\n\n"
    "Writes each image of the transaction into DIR (created if needed) in its own\n"
    "format (WSQ, JPEG, JPEG 2000, PNG; uncompressed and bi-level images as PNG),\n"
    "and each Type-9 minutiae record as an INCITS 378-2004 template, named by\n"
    "record, type, IDC and finger position: r03_type14_idc02_fgp07.wsq.\n";

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static bool looks_xml(const uint8_t *d, size_t n)
{
    size_t i = 0;
    if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
        i = 3;
    while (i < n && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
        i++;
    return i < n && d[i] == '<';
}

/* Reads FILE, traditional or XML. Prints the failure; returns NULL. */
static tern_nist *load(const char *path, bool *xml)
{
    uint8_t *data;
    size_t len;
    tern_error err;
    if (tern_file_read(path, TERN_NIST_MAX_BYTES, &data, &len, &err)) {
        cli_fail_err(path, &err);
        return NULL;
    }
    tern_nist *t = NULL;
    bool is_xml = looks_xml(data, len);
    tern_nist_xml_report rep;
    tern_status s = is_xml ? tern_nist_xml_read(data, len, &t, &rep, &err)
                           : tern_nist_parse(data, len, &t, &err);
    free(data);
    if (s) {
        cli_fail_err(path, &err);
        return NULL;
    }
    if (is_xml && rep.skipped)
        fprintf(stderr, "tern: warning: %s: %zu XML elements not read (first: %s)\n", path,
                rep.skipped, rep.first_skipped);
    if (xml)
        *xml = is_xml;
    return t;
}

static int dump(int argc, char **argv)
{
    const char *file = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(DUMP_HELP, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else
            return cli_fail("nist dump: unexpected argument '%s' (try --help)", argv[i]);
    }
    if (!file)
        return cli_fail("nist dump: no FILE (try --help)");
    tern_nist *t = load(file, NULL);
    if (!t)
        return 1;
    char *s;
    tern_error err;
    if (tern_nist_dump(t, json, &s, &err)) {
        tern_nist_free(t);
        return cli_fail_err("nist dump", &err);
    }
    fputs(s, stdout);
    if (json)
        fputc('\n', stdout);
    tern_nist_dump_free(s);
    tern_nist_free(t);
    return 0;
}

static int validate(int argc, char **argv)
{
    const char *file = NULL, *name = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(VALIDATE_HELP, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--list-profiles") == 0) {
            for (size_t k = 0; k < tern_nist_profile_count(); k++) {
                const tern_nist_profile *p = tern_nist_profile_at(k);
                printf("%-18s %-5s %s\n", p->name, p->tot ? p->tot : "-", p->description);
            }
            return 0;
        }
        if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (!file && argv[i][0] != '-')
            file = argv[i];
        else
            return cli_fail("nist validate: unexpected argument '%s' (try --help)", argv[i]);
    }
    if (!file)
        return cli_fail("nist validate: no FILE (try --help)");
    const tern_nist_profile *p = name ? tern_nist_profile_find(name) : NULL;
    if (name && !p)
        return cli_fail("nist validate: no profile '%s' (tern nist validate --list-profiles)",
                        name);
    tern_nist *t = load(file, NULL);
    if (!t)
        return 1;
    tern_nist_violation *v;
    size_t n;
    tern_error err;
    if (tern_nist_validate(t, p, &v, &n, &err)) {
        tern_nist_free(t);
        return cli_fail_err("nist validate", &err);
    }
    for (size_t i = 0; i < n; i++) {
        char line[320];
        tern_nist_violation_format(t, &v[i], line, sizeof line);
        printf("%s: %s\n", file, line);
    }
    if (n)
        fprintf(stderr, "tern: %s: %zu violation%s\n", file, n, n == 1 ? "" : "s");
    else
        printf("%s: valid\n", file);
    free(v);
    tern_nist_free(t);
    return n ? 1 : 0;
}

static int convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(CONVERT_HELP, stdout);
            return 0;
        }
        if (!in && argv[i][0] != '-')
            in = argv[i];
        else if (!out && argv[i][0] != '-')
            out = argv[i];
        else
            return cli_fail("nist convert: unexpected argument '%s' (try --help)", argv[i]);
    }
    if (!in || !out)
        return cli_fail("nist convert: need IN and OUT (try --help)");
    tern_nist *t = load(in, NULL);
    if (!t)
        return 1;
    uint8_t *bytes;
    size_t len;
    tern_error err;
    tern_status s = ends_with(out, ".xml") ? tern_nist_xml_write(t, &bytes, &len, &err)
                                           : tern_nist_serialize(t, &bytes, &len, &err);
    tern_nist_free(t);
    if (s)
        return cli_fail_err(in, &err);
    s = tern_file_write(out, bytes, len, &err);
    free(bytes);
    if (s)
        return cli_fail_err(out, &err);
    return 0;
}

static const char *extension(tern_image_format f)
{
    switch (f) {
    case TERN_IMAGE_WSQ: return "wsq";
    case TERN_IMAGE_JP2: return "jp2";
    case TERN_IMAGE_J2K: return "j2k";
    case TERN_IMAGE_PNG: return "png";
    case TERN_IMAGE_JPEG: return "jpg";
    case TERN_IMAGE_TIFF: return "tif";
    case TERN_IMAGE_PGM: return "pgm";
    default: return NULL;
    }
}

static void name_of(char *buf, size_t size, const char *dir, size_t rec, uint32_t type, int idc,
                    int fgp, const char *ext)
{
    int n = snprintf(buf, size, "%s/r%02zu_type%u", dir, rec + 1, type);
    if (idc >= 0 && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, "_idc%02d", idc);
    if (fgp >= 0 && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, "_fgp%02d", fgp);
    if (n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ".%s", ext);
}

/* Writes the image of record r; returns 0, or 1 after printing why not. */
static int extract_image(const tern_nist *t, size_t r, const char *dir)
{
    tern_nist_image im;
    tern_error err;
    char path[4096];
    if (tern_nist_image_get(t, r, &im, &err))
        return cli_fail_err("nist extract", &err);
    const char *ext = extension(tern_image_sniff(im.data, im.len));
    int fgp = im.n_positions && im.type != 17 ? im.positions[0] : -1;
    if (ext) {
        name_of(path, sizeof path, dir, r, im.type, im.idc, fgp, ext);
        if (tern_file_write(path, im.data, im.len, &err))
            return cli_fail_err(path, &err);
    } else {
        tern_image *img;
        if (tern_nist_image_decode(&im, &img, &err)) {
            fprintf(stderr, "tern: warning: %s\n", err.message);
            return 0;
        }
        name_of(path, sizeof path, dir, r, im.type, im.idc, fgp, "png");
        tern_status s = tern_image_write_file(img, path, NULL, &err);
        tern_image_free(img);
        if (s)
            return cli_fail_err(path, &err);
    }
    puts(path);
    return 0;
}

static int extract_template(const tern_nist *t, size_t r, const char *dir)
{
    tern_template *tpl;
    tern_error err;
    char path[4096];
    if (tern_nist_template_get(t, r, 0, &tpl, &err)) {
        fprintf(stderr, "tern: warning: %s\n", err.message);
        return 0;
    }
    uint8_t *bytes;
    size_t len;
    tern_status s = tern_template_encode(tpl, TERN_TEMPLATE_FORMAT_ANSI_2004, &bytes, &len, &err);
    int fgp = tpl->finger_position;
    tern_template_free(tpl);
    if (s) {
        fprintf(stderr, "tern: warning: record %zu: %s\n", r + 1, err.message);
        return 0;
    }
    name_of(path, sizeof path, dir, r, 9, tern_nist_record_idc(&t->records[r]), fgp,
            "incits378");
    s = tern_file_write(path, bytes, len, &err);
    free(bytes);
    if (s)
        return cli_fail_err(path, &err);
    puts(path);
    return 0;
}

static int extract(int argc, char **argv)
{
    const char *file = NULL, *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(EXTRACT_HELP, stdout);
            return 0;
        }
        if (!file && argv[i][0] != '-')
            file = argv[i];
        else if (!dir && argv[i][0] != '-')
            dir = argv[i];
        else
            return cli_fail("nist extract: unexpected argument '%s' (try --help)", argv[i]);
    }
    if (!file || !dir)
        return cli_fail("nist extract: need FILE and DIR (try --help)");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cli_fail("nist extract: cannot create %s: %s", dir, strerror(errno));
    tern_nist *t = load(file, NULL);
    if (!t)
        return 1;
    int rc = 0;
    for (size_t r = 1; r < t->n_records && !rc; r++) {
        if (tern_nist_has_image(t, r))
            rc = extract_image(t, r, dir);
        else if (tern_nist_minutiae_blocks(t, r))
            rc = extract_template(t, r, dir);
    }
    tern_nist_free(t);
    return rc;
}

int cmd_nist(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "dump") == 0)
        return dump(argc - 1, argv + 1);
    if (strcmp(argv[1], "validate") == 0)
        return validate(argc - 1, argv + 1);
    if (strcmp(argv[1], "convert") == 0)
        return convert(argc - 1, argv + 1);
    if (strcmp(argv[1], "extract") == 0)
        return extract(argc - 1, argv + 1);
    return cli_fail("nist: unknown command '%s' (try tern nist --help)", argv[1]);
}
