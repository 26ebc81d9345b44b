/* cmd_template.c - `tern template`: convert fingerprint templates between
 * Tern's internal format, ISO/IEC 19794-2 (2005, 2011) and INCITS 378 (2004,
 * 2009, 2009/Amd 1), and dump their content as text or JSON (formats in
 * docs/templates.md). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tern/bytes.h"
#include "tern/template_io.h"

#define DEG_PER_RAD 57.29577951308232

static const char USAGE[] =
    "usage: tern template convert IN OUT --format F [--from F]\n"
    "       tern template dump FILE [--json]\n"
    "\n"
    "convert  reads IN (format detected, or --from F) and writes every finger view\n"
    "         to OUT in format F. Warnings about tolerated deviations go to stderr.\n"
    "dump     prints the record header, the warnings, and for each view its header,\n"
    "         minutiae (x, y in pixels, angle in degrees counter-clockwise, type,\n"
    "         quality), cores and deltas, ridge counts and extended data blocks.\n"
    "\n"
    "formats: tern, iso19794-2:2005, iso19794-2:2011, incits378:2004,\n"
    "         incits378:2009, incits378:2009am1\n";

static int load(const char *path, tern_template_format from, tern_template_record **rec)
{
    uint8_t *data;
    size_t len;
    tern_error err;
    if (tern_file_read(path, TERN_TEMPLATE_MAX_BYTES, &data, &len, &err))
        return cli_fail_err("template", &err);
    tern_status s = tern_template_decode_all(data, len, from, rec, &err);
    free(data);
    if (s)
        return cli_fail_err(path, &err);
    return 0;
}

static void print_warnings(const char *path, const tern_template_record *rec)
{
    for (uint32_t i = 0; i < rec->n_warnings && i < TERN_TEMPLATE_MAX_WARNINGS; i++)
        fprintf(stderr, "tern: warning: %s: %s\n", path, rec->warnings[i]);
    if (rec->n_warnings > TERN_TEMPLATE_MAX_WARNINGS)
        fprintf(stderr, "tern: warning: %s: %u more warnings\n", path,
                rec->n_warnings - TERN_TEMPLATE_MAX_WARNINGS);
}

static int convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *to = NULL, *from = NULL;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "--format") || !strcmp(argv[i], "--from")) && i + 1 < argc) {
            if (!strcmp(argv[i], "--format"))
                to = argv[++i];
            else
                from = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_fail("template convert: unknown or incomplete option '%s'", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else if (!out) {
            out = argv[i];
        } else {
            return cli_fail("template convert: unexpected argument '%s'", argv[i]);
        }
    }
    if (!in || !out || !to)
        return cli_fail("template convert: needs IN OUT --format F (tern template --help)");
    tern_template_format target, source = TERN_TEMPLATE_FORMAT_UNKNOWN;
    tern_error err;
    if (tern_template_format_parse(to, &target, &err))
        return cli_fail_err("--format", &err);
    if (from && tern_template_format_parse(from, &source, &err))
        return cli_fail_err("--from", &err);
    tern_template_record *rec;
    int rc = load(in, source, &rec);
    if (rc)
        return rc;
    print_warnings(in, rec);
    if (target == TERN_TEMPLATE_FORMAT_TERN && rec->n_views > 1)
        fprintf(stderr, "tern: warning: %s: %u views, the tern format holds the first only\n", in,
                rec->n_views);
    uint8_t *bytes;
    size_t len;
    tern_status s = target == TERN_TEMPLATE_FORMAT_TERN
                        ? tern_template_encode(rec->views[0], target, &bytes, &len, &err)
                        : tern_template_encode_all(rec, target, &bytes, &len, &err);
    tern_template_record_free(rec);
    if (s)
        return cli_fail_err(out, &err);
    s = tern_file_write(out, bytes, len, &err);
    free(bytes);
    if (s)
        return cli_fail_err(out, &err);
    return 0;
}

static const char *type_name(uint8_t type)
{
    return type == TERN_MINUTIA_ENDING ? "ending"
           : type == TERN_MINUTIA_BIFURCATION ? "bifurcation"
                                               : "other";
}

static double degrees(float radians) { return (double)radians * DEG_PER_RAD; }

/* ---- text ------------------------------------------------------------------- */

static void dump_view_text(const tern_template *t, uint32_t v)
{
    printf("view %u: finger position %u, view number %u, impression %u, quality %u\n", v,
           t->finger_position, t->view_number, t->impression_type, t->quality);
    printf("  frame %ux%u px at %.2fx%.2f ppi", t->width, t->height, t->ppi_x, t->ppi_y);
    if (t->engine[0])
        printf(", engine '%s'", t->engine);
    if (t->quality_vendor || t->quality_algorithm)
        printf(", quality algorithm %04x:%04x", t->quality_vendor, t->quality_algorithm);
    if (t->capture_time.year)
        printf(", captured %04u-%02u-%02u %02u:%02u:%02u.%03u", t->capture_time.year,
               t->capture_time.month, t->capture_time.day, t->capture_time.hour,
               t->capture_time.minute, t->capture_time.second, t->capture_time.millisecond);
    printf("\n  %u minutiae (x, y, angle in degrees, type, quality):\n", t->n_minutiae);
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        const tern_minutia *m = &t->minutiae[i];
        printf("  %4u %9.3f %9.3f %8.3f %-11s %3u\n", i, (double)m->x, (double)m->y,
               degrees(m->angle), type_name(m->type), m->quality);
    }
    for (uint32_t i = 0; i < t->n_singular; i++) {
        const tern_singular *sp = &t->singular[i];
        printf("  %s at (%.3f, %.3f)", sp->type == TERN_SINGULAR_CORE ? "core" : "delta",
               (double)sp->x, (double)sp->y);
        if (sp->has_angle)
            printf(" angle %.3f", degrees(sp->angle));
        if (sp->has_angle == 3 && t->singular_angles)
            printf(", %.3f, %.3f", degrees(t->singular_angles[2 * i]),
                   degrees(t->singular_angles[2 * i + 1]));
        putchar('\n');
    }
    if (t->n_ridge_counts)
        printf("  %u ridge counts (method %u):", t->n_ridge_counts, t->ridge_count_method);
    for (uint32_t i = 0; i < t->n_ridge_counts; i++)
        printf(" %u-%u:%u", t->ridge_counts[i].a, t->ridge_counts[i].b, t->ridge_counts[i].count);
    if (t->n_ridge_counts)
        putchar('\n');
    for (uint32_t i = 0; i < t->n_blocks; i++) {
        printf("  extended data type 0x%04x, %u bytes:", t->blocks[i].type, t->blocks[i].length);
        for (uint32_t k = 0; k < t->blocks[i].length && k < 32; k++)
            printf(" %02x", t->blocks[i].data[k]);
        puts(t->blocks[i].length > 32 ? " ..." : "");
    }
}

static void dump_text(const tern_template_record *rec)
{
    printf("format %s, %u views\n", tern_template_format_name(rec->format), rec->n_views);
    printf("CBEFF product %04x:%04x, capture equipment %u (compliance 0x%x)\n", rec->cbeff_owner,
           rec->cbeff_type, rec->capture_equipment_id, rec->capture_equipment_compliance);
    for (uint32_t i = 0; i < rec->n_warnings && i < TERN_TEMPLATE_MAX_WARNINGS; i++)
        printf("warning: %s\n", rec->warnings[i]);
    for (uint32_t v = 0; v < rec->n_views; v++)
        dump_view_text(rec->views[v], v);
}

/* ---- JSON ------------------------------------------------------------------- */

static json_t *view_json(const tern_template *t)
{
    json_t *o = json_object(), *mins = json_array(), *sing = json_array(), *rcs = json_array(),
           *blocks = json_array();
    json_object_set_new(o, "finger_position", json_integer(t->finger_position));
    json_object_set_new(o, "view_number", json_integer(t->view_number));
    json_object_set_new(o, "impression_type", json_integer(t->impression_type));
    json_object_set_new(o, "quality", json_integer(t->quality));
    json_object_set_new(o, "width", json_integer(t->width));
    json_object_set_new(o, "height", json_integer(t->height));
    json_object_set_new(o, "ppi_x", json_real(t->ppi_x));
    json_object_set_new(o, "ppi_y", json_real(t->ppi_y));
    json_object_set_new(o, "engine", json_string(t->engine));
    json_object_set_new(o, "quality_vendor", json_integer(t->quality_vendor));
    json_object_set_new(o, "quality_algorithm", json_integer(t->quality_algorithm));
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        const tern_minutia *m = &t->minutiae[i];
        json_array_append_new(mins, json_pack("{s:f, s:f, s:f, s:s, s:i}", "x", (double)m->x, "y",
                                              (double)m->y, "angle_deg", degrees(m->angle), "type",
                                              type_name(m->type), "quality", m->quality));
    }
    for (uint32_t i = 0; i < t->n_singular; i++) {
        const tern_singular *sp = &t->singular[i];
        json_t *p = json_pack("{s:s, s:f, s:f}", "type",
                              sp->type == TERN_SINGULAR_CORE ? "core" : "delta", "x", (double)sp->x,
                              "y", (double)sp->y);
        if (sp->has_angle) {
            json_t *angles = json_array();
            json_array_append_new(angles, json_real(degrees(sp->angle)));
            for (int k = 0; sp->has_angle == 3 && t->singular_angles && k < 2; k++)
                json_array_append_new(angles, json_real(degrees(t->singular_angles[2 * i + k])));
            json_object_set_new(p, "angles_deg", angles);
        }
        json_array_append_new(sing, p);
    }
    for (uint32_t i = 0; i < t->n_ridge_counts; i++)
        json_array_append_new(rcs, json_pack("{s:i, s:i, s:i}", "a", t->ridge_counts[i].a, "b",
                                             t->ridge_counts[i].b, "count",
                                             t->ridge_counts[i].count));
    for (uint32_t i = 0; i < t->n_blocks; i++) {
        char *hex = malloc(2 * (size_t)t->blocks[i].length + 1);
        if (!hex)
            continue;
        for (uint32_t k = 0; k < t->blocks[i].length; k++)
            snprintf(hex + 2 * k, 3, "%02x", t->blocks[i].data[k]);
        hex[2 * (size_t)t->blocks[i].length] = 0;
        json_array_append_new(blocks, json_pack("{s:i, s:s}", "type", t->blocks[i].type, "hex", hex));
        free(hex);
    }
    json_object_set_new(o, "minutiae", mins);
    json_object_set_new(o, "singular", sing);
    json_object_set_new(o, "ridge_count_method", json_integer(t->ridge_count_method));
    json_object_set_new(o, "ridge_counts", rcs);
    json_object_set_new(o, "blocks", blocks);
    return o;
}

static int dump_json(const tern_template_record *rec)
{
    json_t *root = json_object(), *views = json_array(), *warnings = json_array();
    json_object_set_new(root, "format", json_string(tern_template_format_name(rec->format)));
    json_object_set_new(root, "cbeff_owner", json_integer(rec->cbeff_owner));
    json_object_set_new(root, "cbeff_type", json_integer(rec->cbeff_type));
    json_object_set_new(root, "capture_equipment_id", json_integer(rec->capture_equipment_id));
    for (uint32_t i = 0; i < rec->n_warnings && i < TERN_TEMPLATE_MAX_WARNINGS; i++)
        json_array_append_new(warnings, json_string(rec->warnings[i]));
    for (uint32_t v = 0; v < rec->n_views; v++)
        json_array_append_new(views, view_json(rec->views[v]));
    json_object_set_new(root, "warnings", warnings);
    json_object_set_new(root, "views", views);
    int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(9)) ? 1 : 0;
    putchar('\n');
    json_decref(root);
    return rc ? cli_fail("template dump: writing JSON failed") : 0;
}

static int dump(int argc, char **argv)
{
    const char *path = NULL;
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            as_json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_fail("template dump: unknown option '%s'", argv[i]);
        else if (!path)
            path = argv[i];
        else
            return cli_fail("template dump: unexpected argument '%s'", argv[i]);
    }
    if (!path)
        return cli_fail("template dump: needs FILE (tern template --help)");
    tern_template_record *rec;
    int rc = load(path, TERN_TEMPLATE_FORMAT_UNKNOWN, &rec);
    if (rc)
        return rc;
    rc = as_json ? dump_json(rec) : (dump_text(rec), 0);
    tern_template_record_free(rec);
    return rc;
}

int cmd_template(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (int i = 2; i < argc; i++)
        if (cli_is_help(argv[i])) {
            fputs(USAGE, stdout);
            return 0;
        }
    if (!strcmp(argv[1], "convert"))
        return convert(argc - 1, argv + 1);
    if (!strcmp(argv[1], "dump"))
        return dump(argc - 1, argv + 1);
    return cli_fail("template: unknown subcommand '%s' (convert, dump)", argv[1]);
}
