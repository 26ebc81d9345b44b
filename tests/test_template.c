/* test_template.c - template formats: golden decodes of the FingerprintIO
 * samples against their JSON, every ISO/INCITS sample and the 320 SecuGen
 * templates, detection, round trips in every format, cross-format
 * conversion, the internal format's integrity checks and limits, and
 * malformed records. */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tern/template_io.h"
#include "tern_test.h"

#define TWO_PI 6.283185307179586

/* ---- helpers ---------------------------------------------------------------- */

static tern_template_record *decode_file(const char *path, tern_template_format f)
{
    size_t len;
    uint8_t *data = tern_test_read(path, &len);
    tern_template_record *rec = NULL;
    tern_error err;
    tern_status s = tern_template_decode_all(data, len, f, &rec, &err);
    free(data);
    cr_assert_eq(s, TERN_OK, "%s: %s", path, err.message);
    return rec;
}

static bool has_warning(const tern_template_record *rec, const char *needle)
{
    for (uint32_t i = 0; i < rec->n_warnings && i < TERN_TEMPLATE_MAX_WARNINGS; i++)
        if (strstr(rec->warnings[i], needle))
            return true;
    return false;
}

static void assert_same_template(const tern_template *a, const tern_template *b, double angle_tol,
                                 const char *what)
{
    cr_assert_eq(a->n_minutiae, b->n_minutiae, "%s: minutiae", what);
    cr_assert_eq(a->width, b->width, "%s: width", what);
    cr_assert_eq(a->height, b->height, "%s: height", what);
    cr_assert(fabs(a->ppi_x - b->ppi_x) < 1.3 && fabs(a->ppi_y - b->ppi_y) < 1.3, "%s: ppi", what);
    cr_assert_eq(a->finger_position, b->finger_position, "%s: position", what);
    cr_assert_eq(a->impression_type, b->impression_type, "%s: impression", what);
    cr_assert_eq(a->quality, b->quality, "%s: quality", what);
    for (uint32_t i = 0; i < a->n_minutiae; i++) {
        const tern_minutia *p = &a->minutiae[i], *q = &b->minutiae[i];
        double d = fabs(fmod((double)p->angle - (double)q->angle + 3 * M_PI, TWO_PI) - M_PI);
        cr_assert(p->x == q->x && p->y == q->y, "%s: minutia %u position", what, i);
        cr_assert(d <= angle_tol, "%s: minutia %u angle %g vs %g", what, i, (double)p->angle,
                  (double)q->angle);
        cr_assert_eq(p->type, q->type, "%s: minutia %u type", what, i);
        cr_assert_eq(p->quality, q->quality, "%s: minutia %u quality", what, i);
    }
    cr_assert_eq(a->n_singular, b->n_singular, "%s: singular points", what);
    for (uint32_t i = 0; i < a->n_singular; i++) {
        cr_assert(a->singular[i].x == b->singular[i].x && a->singular[i].y == b->singular[i].y,
                  "%s: singular %u", what, i);
        cr_assert_eq(a->singular[i].type, b->singular[i].type);
        if (a->singular[i].has_angle == 3 && b->singular[i].has_angle == 3)
            for (int k = 0; k < 2; k++) {
                double d = fabs(fmod((double)a->singular_angles[2 * i + k] -
                                         b->singular_angles[2 * i + k] + 3 * M_PI, TWO_PI) - M_PI);
                cr_assert(d <= angle_tol + 1e-6, "%s: delta %u angle %d", what, i, k + 1);
            }
        /* INCITS 378 flags angles per group: a group with a point without
         * one loses them all (the only lossy case, checked as such). */
        cr_assert(a->singular[i].has_angle == b->singular[i].has_angle ||
                      (angle_tol > 0 && b->singular[i].has_angle == 0),
                  "%s: singular %u angle", what, i);
    }
    cr_assert_eq(a->n_ridge_counts, b->n_ridge_counts, "%s: ridge counts", what);
    for (uint32_t i = 0; i < a->n_ridge_counts; i++)
        cr_assert(a->ridge_counts[i].a == b->ridge_counts[i].a &&
                      a->ridge_counts[i].b == b->ridge_counts[i].b &&
                      a->ridge_counts[i].count == b->ridge_counts[i].count,
                  "%s: ridge count %u", what, i);
}

static void assert_same_record(const tern_template_record *a, const tern_template_record *b,
                               const char *what)
{
    cr_assert_eq(a->n_views, b->n_views, "%s: views", what);
    for (uint32_t v = 0; v < a->n_views; v++) {
        assert_same_template(a->views[v], b->views[v], 0.0, what);
        const tern_template *p = a->views[v], *q = b->views[v];
        cr_assert_eq(p->n_blocks, q->n_blocks, "%s: blocks", what);
        for (uint32_t i = 0; i < p->n_blocks; i++)
            cr_assert(p->blocks[i].type == q->blocks[i].type &&
                      p->blocks[i].length == q->blocks[i].length &&
                      (!p->blocks[i].length ||
                       !memcmp(p->blocks[i].data, q->blocks[i].data, p->blocks[i].length)));
        cr_assert_eq(p->view_number, q->view_number);
        cr_assert_eq(p->quality_vendor, q->quality_vendor);
        cr_assert_eq(p->quality_algorithm, q->quality_algorithm);
        cr_assert(!memcmp(&p->capture_time, &q->capture_time, sizeof p->capture_time));
    }
    cr_assert_eq(a->cbeff_owner, b->cbeff_owner);
    cr_assert_eq(a->capture_equipment_id, b->capture_equipment_id);
}

static uint8_t *encode_rec(const tern_template_record *rec, tern_template_format f, size_t *len)
{
    uint8_t *out;
    tern_error err;
    tern_status s = tern_template_encode_all(rec, f, &out, len, &err);
    cr_assert_eq(s, TERN_OK, "encode as %s: %s", tern_template_format_name(f), err.message);
    return out;
}

static tern_template_record *decode_bytes(const uint8_t *d, size_t n, tern_template_format f)
{
    tern_template_record *rec;
    tern_error err;
    tern_status s = tern_template_decode_all(d, n, f, &rec, &err);
    cr_assert_eq(s, TERN_OK, "decode %s: %s", tern_template_format_name(f), err.message);
    return rec;
}

/* ---- golden decodes against FingerprintIO's JSON ------------------------------- */

static const char *const POSITIONS[] = {"UNKNOWN", "RIGHT_THUMB", "RIGHT_INDEX", "RIGHT_MIDDLE",
                                        "RIGHT_RING", "RIGHT_LITTLE", "LEFT_THUMB", "LEFT_INDEX",
                                        "LEFT_MIDDLE", "LEFT_RING", "LEFT_LITTLE"};

static int position_code(const char *name)
{
    for (int i = 0; i < 11; i++)
        if (!strcmp(name, POSITIONS[i]))
            return i;
    cr_assert_fail("unknown position %s", name);
    return -1;
}

static int minutia_type(const char *name)
{
    if (!strcmp(name, "ENDING"))
        return TERN_MINUTIA_ENDING;
    if (!strcmp(name, "BIFURCATION"))
        return TERN_MINUTIA_BIFURCATION;
    return TERN_MINUTIA_OTHER; /* OTHER, EITHER */
}

static size_t base64_decode(const char *in, uint8_t *out)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0;
    unsigned acc = 0, bits = 0;
    for (; *in && *in != '='; in++) {
        acc = acc << 6 | (unsigned)(strchr(A, *in) - A);
        if ((bits += 6) >= 8) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n;
}

static json_int_t jint(const json_t *o, const json_t *fallback, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v && fallback)
        v = json_object_get(fallback, key);
    cr_assert(json_is_integer(v), "JSON key %s", key);
    return json_integer_value(v);
}

static unsigned expected_quality(json_int_t raw, bool scheme254)
{
    if (scheme254)
        return raw > 100 ? 0 : raw == 0 ? 1 : (unsigned)raw;
    return (unsigned)raw;
}

static void check_minutiae(const tern_template *t, json_t *list, unsigned units, bool scheme254)
{
    cr_assert_eq(t->n_minutiae, json_array_size(list));
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        json_t *m = json_array_get(list, i);
        const tern_minutia *tm = &t->minutiae[i];
        cr_assert_eq(tm->x, (float)jint(m, NULL, "positionX"), "minutia %u x", i);
        cr_assert_eq(tm->y, (float)jint(m, NULL, "positionY"), "minutia %u y", i);
        double want = (double)(jint(m, NULL, "angle") % units) * TWO_PI / units;
        cr_assert(fabs(tm->angle - want) < 1e-5, "minutia %u angle", i);
        cr_assert_eq(tm->type, minutia_type(json_string_value(json_object_get(m, "type"))));
        cr_assert_eq(tm->quality, expected_quality(jint(m, NULL, "quality"), scheme254));
    }
}

static void check_counts(const tern_template_record *rec, const tern_template *t, json_t *counts)
{
    if (json_is_null(counts) || !counts) {
        cr_assert_eq(t->n_ridge_counts, 0);
        return;
    }
    json_t *edges = json_object_get(counts, "edges");
    uint32_t k = 0;
    for (size_t i = 0; i < json_array_size(edges); i++) {
        json_t *e = json_array_get(edges, i);
        json_int_t from = jint(e, NULL, "from"), to = jint(e, NULL, "to");
        if (from < 1 || to < 1 || from > t->n_minutiae || to > t->n_minutiae) {
            cr_assert(has_warning(rec, "ridge count"), "invalid edge dropped with a warning");
            continue;
        }
        cr_assert(k < t->n_ridge_counts);
        cr_assert_eq(t->ridge_counts[k].a + 1, from);
        cr_assert_eq(t->ridge_counts[k].b + 1, to);
        cr_assert_eq(t->ridge_counts[k].count, jint(e, NULL, "count"));
        k++;
    }
    cr_assert_eq(k, t->n_ridge_counts);
}

static void check_extensions(const tern_template *t, json_t *ext)
{
    cr_assert_eq(t->n_blocks, json_array_size(ext));
    for (uint32_t i = 0; i < t->n_blocks; i++) {
        json_t *e = json_array_get(ext, i);
        uint8_t buf[256];
        size_t n = base64_decode(json_string_value(json_object_get(e, "data")), buf);
        cr_assert_eq(t->blocks[i].type, jint(e, NULL, "type"));
        cr_assert_eq(t->blocks[i].length, n);
        cr_assert(!memcmp(t->blocks[i].data, buf, n));
    }
}

static void golden(const char *dir, tern_template_format format, unsigned units, bool scheme254)
{
    char rel[256];
    snprintf(rel, sizeof rel, "templates/fingerprintio/%s/%s-sample.dat", dir, dir);
    TERN_REQUIRE_DATA(dat, rel);
    snprintf(rel, sizeof rel, "templates/fingerprintio/%s/%s-sample.json", dir, dir);
    TERN_REQUIRE_DATA(js, rel);
    json_error_t jerr;
    json_t *root = json_load_file(js, 0, &jerr);
    cr_assert(root, "%s: %s", js, jerr.text);
    tern_template_record *rec = decode_file(dat, TERN_TEMPLATE_FORMAT_UNKNOWN);
    cr_assert_eq(rec->format, format, "%s detected as %s", dir,
                 tern_template_format_name(rec->format));
    json_t *fps = json_object_get(root, "fingerprints");
    cr_assert_eq(rec->n_views, json_array_size(fps));
    if (json_object_get(root, "vendorId")) {
        cr_assert_eq(rec->cbeff_owner, jint(root, NULL, "vendorId"));
        cr_assert_eq(rec->cbeff_type, jint(root, NULL, "subformat"));
    }
    if (json_object_get(root, "sensorId"))
        cr_assert_eq(rec->capture_equipment_id, jint(root, NULL, "sensorId"));
    for (uint32_t v = 0; v < rec->n_views; v++) {
        json_t *fp = json_array_get(fps, v);
        const tern_template *t = rec->views[v];
        cr_assert_eq(t->finger_position,
                     position_code(json_string_value(json_object_get(fp, "position"))));
        cr_assert_eq(t->view_number, jint(fp, NULL, "view"));
        cr_assert_eq(t->impression_type, 0); /* LIVE_PLAIN in every sample */
        cr_assert_eq(t->width, jint(fp, root, "width"));
        cr_assert_eq(t->height, jint(fp, root, "height"));
        cr_assert(fabs(t->ppi_x - 2.54 * (double)jint(fp, root, "resolutionX")) < 1e-9);
        cr_assert(fabs(t->ppi_y - 2.54 * (double)jint(fp, root, "resolutionY")) < 1e-9);
        json_t *qr = json_array_get(json_object_get(fp, "qrecords"), 0);
        if (qr) {
            cr_assert_eq(t->quality, expected_quality(jint(qr, NULL, "quality"), true));
            cr_assert_eq(t->quality_vendor, jint(qr, NULL, "vendor"));
            cr_assert_eq(t->quality_algorithm, jint(qr, NULL, "algorithm"));
            cr_assert_eq(t->device_vendor, jint(fp, NULL, "sensorVendor"));
            cr_assert_eq(t->device_type, jint(fp, NULL, "sensorId"));
            json_t *dt = json_object_get(fp, "datetime");
            cr_assert_eq(t->capture_time.year, jint(dt, NULL, "year"));
            cr_assert_eq(t->capture_time.second, jint(dt, NULL, "second"));
        } else {
            cr_assert_eq(t->quality, expected_quality(jint(fp, NULL, "quality"), scheme254));
        }
        if (json_object_get(fp, "qualityVendorId")) {
            cr_assert_eq(t->quality_vendor, jint(fp, NULL, "qualityVendorId"));
            cr_assert_eq(t->quality_algorithm, jint(fp, NULL, "qualityAlgorithmId"));
        }
        check_minutiae(t, json_object_get(fp, "minutiae"), units, scheme254);
        check_counts(rec, t, json_object_get(fp, "counts"));
        cr_assert(json_is_null(json_object_get(fp, "coredelta")));
        cr_assert_eq(t->n_singular, 0);
        check_extensions(t, json_object_get(fp, "extensions"));
    }
    json_decref(root);
    tern_template_record_free(rec);
}

Test(template_golden, ansi378_2004) { golden("ansi378v2004", TERN_TEMPLATE_FORMAT_ANSI_2004, 180, false); }
Test(template_golden, ansi378_2009) { golden("ansi378v2009", TERN_TEMPLATE_FORMAT_ANSI_2009, 180, true); }
Test(template_golden, ansi378_2009am1)
{
    golden("ansi378v2009am1", TERN_TEMPLATE_FORMAT_ANSI_2009AM1, 180, true);
}
Test(template_golden, iso19794_2_2005) { golden("iso19794p2v2005", TERN_TEMPLATE_FORMAT_ISO_2005, 256, false); }
Test(template_golden, iso19794_2_2011) { golden("iso19794p2v2011", TERN_TEMPLATE_FORMAT_ISO_2011, 256, true); }

/* ---- every reference sample -------------------------------------------------- */

typedef struct sample {
    const char *rel;
    tern_template_format format;
    uint32_t views;
    uint32_t warnings; /* errata the reader must tolerate and report */
} sample;

static const sample SAMPLES[] = {
    {"templates/fingerprintio/ansi378v2004/ansi378v2004-sample.dat", TERN_TEMPLATE_FORMAT_ANSI_2004, 2, 5},
    {"templates/fingerprintio/ansi378v2009/ansi378v2009-sample.dat", TERN_TEMPLATE_FORMAT_ANSI_2009, 2, 1},
    {"templates/fingerprintio/ansi378v2009am1/ansi378v2009am1-sample.dat", TERN_TEMPLATE_FORMAT_ANSI_2009AM1, 2, 0},
    {"templates/fingerprintio/iso19794p2v2005/iso19794p2v2005-sample.dat", TERN_TEMPLATE_FORMAT_ISO_2005, 2, 1},
    {"templates/fingerprintio/iso19794p2v2011/iso19794p2v2011-sample.dat", TERN_TEMPLATE_FORMAT_ISO_2011, 2, 0},
    {"templates/incits378/biomdi-appendix-b2.raw", TERN_TEMPLATE_FORMAT_ANSI_2004, 2, 0},
    {"templates/incits378/fmr.ansi2004", TERN_TEMPLATE_FORMAT_ANSI_2004, 3, 1},
    {"templates/incits378/fmr.ansi2007", TERN_TEMPLATE_FORMAT_ANSI_2009, 2, 1},
    {"templates/iso19794-2/biomdi-appendix-c2.raw", TERN_TEMPLATE_FORMAT_ISO_2005, 2, 1},
    {"templates/iso19794-2/fmr.iso2005", TERN_TEMPLATE_FORMAT_ISO_2005, 2, 2},
};
#define N_SAMPLES (sizeof SAMPLES / sizeof SAMPLES[0])

Test(template_samples, every_sample_decodes_detects_and_round_trips)
{
    TERN_REQUIRE_DATA(root, "templates");
    for (size_t i = 0; i < N_SAMPLES; i++) {
        char path[1024];
        cr_assert(tern_test_data_path(SAMPLES[i].rel, path, sizeof path), "%s", SAMPLES[i].rel);
        size_t len;
        uint8_t *data = tern_test_read(path, &len);
        cr_assert_eq(tern_template_detect(data, len), SAMPLES[i].format, "%s", SAMPLES[i].rel);
        tern_template_record *rec = decode_bytes(data, len, TERN_TEMPLATE_FORMAT_UNKNOWN);
        cr_assert_eq(rec->format, SAMPLES[i].format, "%s", SAMPLES[i].rel);
        cr_assert_eq(rec->n_views, SAMPLES[i].views, "%s", SAMPLES[i].rel);
        cr_assert_eq(rec->n_warnings, SAMPLES[i].warnings, "%s: %u warnings, first: %s",
                     SAMPLES[i].rel, rec->n_warnings, rec->warnings[0]);
        /* Round trip in its own format: decode -> encode -> decode equal;
         * and a record read without any leniency is rewritten byte for byte. */
        size_t n;
        uint8_t *enc = encode_rec(rec, rec->format, &n);
        tern_template_record *again = decode_bytes(enc, n, rec->format);
        cr_assert_eq(again->n_warnings, 0, "%s: re-encoded: %s", SAMPLES[i].rel, again->warnings[0]);
        assert_same_record(rec, again, SAMPLES[i].rel);
        if (rec->n_warnings == 0)
            cr_assert(n == len && !memcmp(enc, data, len), "%s: not byte-identical", SAMPLES[i].rel);
        free(enc);
        tern_template_record_free(again);
        tern_template_record_free(rec);
        free(data);
    }
}

Test(template_samples, iso2005_and_ansi2004_are_told_apart_by_their_layout)
{
    TERN_REQUIRE_DATA(iso, "templates/iso19794-2/fmr.iso2005");
    TERN_REQUIRE_DATA(ansi, "templates/incits378/fmr.ansi2004");
    /* Both start "FMR\0 20\0"; each read the wrong way must fail or be worse. */
    size_t n;
    uint8_t *d = tern_test_read(iso, &n);
    tern_template_record *rec;
    tern_error err;
    tern_status s = tern_template_decode_all(d, n, TERN_TEMPLATE_FORMAT_ANSI_2004, &rec, &err);
    cr_assert(s != TERN_OK || rec->n_warnings > 2);
    if (!s)
        tern_template_record_free(rec);
    free(d);
    d = tern_test_read(ansi, &n);
    s = tern_template_decode_all(d, n, TERN_TEMPLATE_FORMAT_ISO_2005, &rec, &err);
    cr_assert_neq(s, TERN_OK);
    cr_assert(strstr(err.message, "byte offset"), "%s", err.message);
    free(d);
}

/* Cores and deltas as the bytes of the two NIST samples hold them (ISO:
 * per-point angle flag, 360/256 units; INCITS: per-group flag, 2 degrees). */
static void check_singular(const char *rel, uint32_t view, unsigned units, bool second_has_angle)
{
    char path[1024];
    if (!tern_test_data_path(rel, path, sizeof path))
        cr_skip_test("%s not found", rel);
    tern_template_record *rec = decode_file(path, TERN_TEMPLATE_FORMAT_UNKNOWN);
    const tern_template *t = rec->views[view];
    static const int want[6][6] = {{1, 150, 250, 90, -1, -1},   {1, 100, 150, 45, -1, -1},
                                   {2, 143, 232, 100, 110, 120}, {2, 103, 104, 156, 166, 176},
                                   {2, 136, 214, 33, 43, 53},    {2, 130, 319, 57, 67, 77}};
    cr_assert_eq(t->n_singular, 6, "%s", rel);
    for (uint32_t i = 0; i < 6; i++) {
        const tern_singular *sp = &t->singular[i];
        cr_assert(sp->type == want[i][0] && sp->x == want[i][1] && sp->y == want[i][2]);
        if (i == 3 && !second_has_angle) {
            cr_assert_eq(sp->has_angle, 0);
            continue;
        }
        cr_assert_eq(sp->has_angle, sp->type == TERN_SINGULAR_DELTA ? 3 : 1);
        cr_assert(fabs(sp->angle - want[i][3] * TWO_PI / units) < 1e-5);
        if (sp->has_angle == 3)
            cr_assert(fabs(t->singular_angles[2 * i + 1] - want[i][5] * TWO_PI / units) < 1e-5);
    }
    tern_template_record_free(rec);
}

Test(template_samples, cores_and_deltas)
{
    check_singular("templates/iso19794-2/fmr.iso2005", 1, 256, false);
    check_singular("templates/incits378/fmr.ansi2004", 2, 180, true);
}

Test(template_samples, secugen_fvc2002_templates)
{
    TERN_REQUIRE_DATA(root, "templates/secugen-fvc2002");
    unsigned files = 0;
    for (int db = 1; db <= 4; db++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/DB%d_B", root, db);
        DIR *dp = opendir(dir);
        cr_assert(dp, "%s", dir);
        struct dirent *e;
        while ((e = readdir(dp))) {
            size_t l = strlen(e->d_name);
            if (l < 5 || strcmp(e->d_name + l - 4, ".iso"))
                continue;
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            tern_template_record *rec = decode_file(path, TERN_TEMPLATE_FORMAT_UNKNOWN);
            cr_assert_eq(rec->format, TERN_TEMPLATE_FORMAT_ISO_2005, "%s", path);
            cr_assert_eq(rec->n_views, 1);
            cr_assert_eq(rec->n_warnings, 0, "%s: %s", path, rec->warnings[0]);
            const tern_template *t = rec->views[0];
            cr_assert(t->width == 300 && t->height == 400, "%s", path);
            cr_assert(fabs(t->ppi_x - 197 * 2.54) < 1e-9);
            cr_assert(t->n_minutiae > 0);
            size_t n;
            uint8_t *enc = encode_rec(rec, TERN_TEMPLATE_FORMAT_TERN, &n);
            tern_template_record *again = decode_bytes(enc, n, TERN_TEMPLATE_FORMAT_TERN);
            assert_same_template(t, again->views[0], 0.0, path);
            free(enc);
            tern_template_record_free(again);
            tern_template_record_free(rec);
            files++;
        }
        closedir(dp);
    }
    cr_assert_eq(files, 320);
}

/* ---- cross-format conversion -------------------------------------------------- */

static const tern_template_format EXCHANGE[] = {
    TERN_TEMPLATE_FORMAT_ISO_2005, TERN_TEMPLATE_FORMAT_ISO_2011, TERN_TEMPLATE_FORMAT_ANSI_2004,
    TERN_TEMPLATE_FORMAT_ANSI_2009, TERN_TEMPLATE_FORMAT_ANSI_2009AM1};

static double angle_step(tern_template_format f)
{
    return f == TERN_TEMPLATE_FORMAT_ISO_2005 || f == TERN_TEMPLATE_FORMAT_ISO_2011
               ? TWO_PI / 256
               : TWO_PI / 180;
}

Test(template_convert, every_sample_to_every_format_within_quantisation)
{
    TERN_REQUIRE_DATA(root, "templates");
    for (size_t i = 0; i < N_SAMPLES; i++) {
        char path[1024];
        tern_test_data_path(SAMPLES[i].rel, path, sizeof path);
        tern_template_record *rec = decode_file(path, TERN_TEMPLATE_FORMAT_UNKNOWN);
        for (size_t f = 0; f < sizeof EXCHANGE / sizeof EXCHANGE[0]; f++) {
            size_t n;
            uint8_t *enc = encode_rec(rec, EXCHANGE[f], &n);
            cr_assert_eq(tern_template_detect(enc, n), EXCHANGE[f], "%s as %s", SAMPLES[i].rel,
                         tern_template_format_name(EXCHANGE[f]));
            tern_template_record *back = decode_bytes(enc, n, TERN_TEMPLATE_FORMAT_UNKNOWN);
            cr_assert_eq(back->format, EXCHANGE[f]);
            cr_assert_eq(back->n_views, rec->n_views);
            double tol = angle_step(EXCHANGE[f]) / 2 + 1e-6;
            for (uint32_t v = 0; v < rec->n_views; v++)
                assert_same_template(rec->views[v], back->views[v], tol, SAMPLES[i].rel);
            free(enc);
            tern_template_record_free(back);
        }
        for (uint32_t v = 0; v < rec->n_views; v++) {
            uint8_t *enc;
            size_t n;
            tern_error err;
            cr_assert_eq(tern_template_encode(rec->views[v], TERN_TEMPLATE_FORMAT_TERN, &enc, &n,
                                              &err), TERN_OK, "%s", err.message);
            tern_template *t;
            cr_assert_eq(tern_template_decode(enc, n, &t, &err), TERN_OK, "%s", err.message);
            /* the internal format keeps angles in 1/65536 turn */
            assert_same_template(rec->views[v], t, M_PI / 65536 + 1e-7, "tern");
            tern_template_free(t);
            free(enc);
        }
        tern_template_record_free(rec);
    }
}

/* ---- Tern-made templates ------------------------------------------------------- */

static uint32_t lcg(uint32_t *s) { return *s = *s * 1664525u + 1013904223u; }

static tern_template *synthetic(uint32_t seed, uint32_t n)
{
    tern_template *t;
    cr_assert_eq(tern_template_create(n, &t, NULL), TERN_OK);
    t->width = 400 + lcg(&seed) % 600;
    t->height = 400 + lcg(&seed) % 600;
    t->ppi_x = t->ppi_y = 500;
    t->finger_position = (uint8_t)(lcg(&seed) % 11);
    t->quality = (uint8_t)(lcg(&seed) % 101);
    snprintf(t->engine, sizeof t->engine, "tern test %u", seed);
    for (uint32_t i = 0; i < n; i++) {
        tern_minutia *m = &t->minutiae[i];
        m->x = (float)(lcg(&seed) % ((t->width - 1) * 16)) / 16;
        m->y = (float)(lcg(&seed) % ((t->height - 1) * 16)) / 16;
        m->angle = (float)((lcg(&seed) % 65536) * TWO_PI / 65536);
        m->type = (uint8_t)(lcg(&seed) % 3);
        m->quality = (uint8_t)(lcg(&seed) % 101);
    }
    t->n_singular = 2;
    t->singular = calloc(2, sizeof *t->singular);
    t->singular_angles = calloc(4, sizeof *t->singular_angles);
    t->singular[0] = (tern_singular){.x = 100, .y = 120, .angle = 1.0f, .type = TERN_SINGULAR_CORE, .has_angle = 1};
    t->singular[1] = (tern_singular){.x = 150, .y = 300, .angle = 2.0f, .type = TERN_SINGULAR_DELTA,
                                     .has_angle = 3};
    t->singular_angles[2] = (float)(30000 * TWO_PI / 65536); /* on the 1/65536-turn grid */
    t->singular_angles[3] = (float)(40000 * TWO_PI / 65536);
    if (n >= 2) {
        t->n_ridge_counts = 1;
        t->ridge_counts = calloc(1, sizeof *t->ridge_counts);
        t->ridge_counts[0] = (tern_ridge_count){0, (uint16_t)(n - 1), 7};
        t->ridge_count_method = TERN_RIDGE_COUNT_QUADRANT;
    }
    return t;
}

Test(template_tern, round_trip_is_exact)
{
    for (uint32_t seed = 1; seed <= 20; seed++) {
        tern_template *t = synthetic(seed, seed * 12);
        uint8_t *a, *b;
        size_t na, nb;
        tern_error err;
        cr_assert_eq(tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &a, &na, &err), TERN_OK);
        cr_assert_eq(tern_template_detect(a, na), TERN_TEMPLATE_FORMAT_TERN);
        tern_template *u;
        cr_assert_eq(tern_template_decode(a, na, &u, &err), TERN_OK, "%s", err.message);
        assert_same_template(t, u, 0.0, "synthetic");
        cr_assert_str_eq(t->engine, u->engine);
        cr_assert(fabsf(u->singular_angles[3] - t->singular_angles[3]) < 1e-4f);
        cr_assert_eq(tern_template_encode(u, TERN_TEMPLATE_FORMAT_TERN, &b, &nb, &err), TERN_OK);
        cr_assert(na == nb && !memcmp(a, b, na), "re-encoding is byte-identical");
        free(a);
        free(b);
        tern_template_free(u);
        tern_template_free(t);
    }
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* Recomputes the CRC by re-encoding through the library is not possible for
 * hand-made changes: a tiny CRC-32 here, bitwise, independent of the
 * library's table. */
static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

Test(template_tern, integrity_versions_and_unknown_sections)
{
    tern_template *t = synthetic(7, 30);
    uint8_t *a;
    size_t n;
    cr_assert_eq(tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &a, &n, NULL), TERN_OK);
    cr_assert_eq(crc32_ref(a, n - 4), (uint32_t)a[n - 4] << 24 | (uint32_t)a[n - 3] << 16 | (uint32_t)a[n - 2] << 8 | a[n - 1]);
    tern_template *u;
    tern_error err;
    for (size_t i = 0; i < n; i += 7) { /* any flipped byte is caught */
        a[i] ^= 0x20;
        cr_assert_neq(tern_template_decode(a, n, &u, &err), TERN_OK, "flip at %zu", i);
        a[i] ^= 0x20;
    }
    for (size_t cut = 0; cut < n; cut++)
        cr_assert_neq(tern_template_decode(a, cut, &u, NULL), TERN_OK);
    /* A later minor version with an unknown section is read; a new major is refused. */
    if (n < 104)
        abort(); /* a v1 template has a 100-byte header and a CRC */
    uint8_t *b = malloc(n + 12);
    memcpy(b, a, n - 4);
    const uint8_t extra[12] = {0x00, 0x63, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4};
    memcpy(b + n - 4, extra, 12);
    b[5] = 3;
    put32(b + 8, (uint32_t)(n + 12));
    put32(b + n + 8, crc32_ref(b, n + 8));
    cr_assert_eq(tern_template_decode(b, n + 12, &u, &err), TERN_OK, "%s", err.message);
    assert_same_template(t, u, 0.0, "minor version 3");
    tern_template_free(u);
    b[4] = 2;
    put32(b + n + 8, crc32_ref(b, n + 8));
    cr_assert_eq(tern_template_decode(b, n + 12, &u, &err), TERN_E_UNSUPPORTED);
    free(b);
    /* 10,000 minutiae: refused by the header check, the encoder and create. */
    a[40] = 10000 >> 8, a[41] = 10000 & 0xff;
    put32(a + n - 4, crc32_ref(a, n - 4));
    cr_assert_eq(tern_template_decode(a, n, &u, &err), TERN_E_LIMIT, "%s", err.message);
    cr_assert_eq(tern_template_create(10000, &u, NULL), TERN_E_LIMIT);
    tern_template big = *t;
    big.n_minutiae = 10000;
    uint8_t *c;
    size_t nc;
    cr_assert_eq(tern_template_encode(&big, TERN_TEMPLATE_FORMAT_TERN, &c, &nc, NULL), TERN_E_LIMIT);
    free(a);
    tern_template_free(t);
}

Test(template_tern, synthetic_templates_through_every_exchange_format)
{
    for (uint32_t seed = 1; seed <= 10; seed++) {
        tern_template *t = synthetic(seed, 40 + seed);
        for (size_t f = 0; f < sizeof EXCHANGE / sizeof EXCHANGE[0]; f++) {
            uint8_t *enc;
            size_t n;
            tern_error err;
            cr_assert_eq(tern_template_encode(t, EXCHANGE[f], &enc, &n, &err), TERN_OK, "%s", err.message);
            tern_template *u;
            cr_assert_eq(tern_template_decode(enc, n, &u, &err), TERN_OK, "%s", err.message);
            cr_assert_eq(u->n_minutiae, t->n_minutiae);
            for (uint32_t i = 0; i < t->n_minutiae; i++) {
                cr_assert(fabsf(u->minutiae[i].x - t->minutiae[i].x) <= 0.5f);
                cr_assert(fabsf(u->minutiae[i].y - t->minutiae[i].y) <= 0.5f);
                double d = fabs(fmod((double)u->minutiae[i].angle - t->minutiae[i].angle + 3 * M_PI, TWO_PI) - M_PI);
                cr_assert(d <= angle_step(EXCHANGE[f]) / 2 + 1e-6);
            }
            cr_assert_eq(u->n_singular, 2);
            cr_assert_eq(u->n_ridge_counts, 1);
            cr_assert_eq(u->ridge_counts[0].b, t->n_minutiae - 1);
            tern_template_free(u);
            free(enc);
        }
        tern_template_free(t);
    }
}

/* ---- the orientation field (section 5 of the internal format) ------------------ */

/* A 7 x 5 field of 4661/256-pixel cells (569 ppi), background and every
 * level. */
static void add_field(tern_template *t)
{
    tern_orientation_field *f = &t->orient;
    f->cols = 7, f->rows = 5;
    f->cell_x = 4661.0f / 256, f->cell_y = 4661.0f / 256;
    f->cells = calloc(35, 1);
    for (unsigned i = 0; i < 35; i++)
        f->cells[i] = (uint8_t)(i * 7 % (TERN_ORIENT_LEVELS + 1));
}

static void assert_same_field(const tern_orientation_field *a, const tern_orientation_field *b)
{
    cr_assert_eq(a->cols, b->cols);
    cr_assert_eq(a->rows, b->rows);
    cr_assert_eq(a->cell_x, b->cell_x);
    cr_assert_eq(a->cell_y, b->cell_y);
    cr_assert(!memcmp(a->cells, b->cells, (size_t)a->cols * a->rows), "cells differ");
}

/* The byte offset of section `type` in an encoded Tern template. */
static size_t find_section(const uint8_t *a, size_t n, unsigned type)
{
    for (size_t at = 100; at + 8 <= n - 4;) {
        uint32_t len = (uint32_t)a[at + 4] << 24 | (uint32_t)a[at + 5] << 16 |
                       (uint32_t)a[at + 6] << 8 | a[at + 7];
        if ((unsigned)(a[at] << 8 | a[at + 1]) == type)
            return at;
        at += 8 + len;
    }
    return 0;
}

static void put32(uint8_t *p, uint32_t v);
static uint32_t crc32_ref(const uint8_t *p, size_t n);

Test(template_tern, orientation_field_round_trip_and_checks)
{
    tern_template *t = synthetic(3, 30);
    uint8_t *plain, *a, *b;
    size_t np, na, nb;
    tern_error err;
    cr_assert_eq(tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &plain, &np, &err), TERN_OK);
    cr_assert_eq(find_section(plain, np, 5), 0, "no field, no section 5");
    add_field(t);
    cr_assert_eq(tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &a, &na, &err), TERN_OK);
    unsigned fg = 0;
    for (unsigned i = 0; i < 35; i++)
        fg += t->orient.cells[i] != 0;
    /* section header, 12-byte head, 35-bit bitmap, a nibble per foreground cell */
    cr_assert_eq(na, np + 8 + 12 + 5 + (fg + 1) / 2);
    cr_assert_eq(a[5], 1, "minor version 1.1");
    tern_template *u;
    cr_assert_eq(tern_template_decode(a, na, &u, &err), TERN_OK, "%s", err.message);
    assert_same_field(&t->orient, &u->orient);
    cr_assert_eq(tern_template_encode(u, TERN_TEMPLATE_FORMAT_TERN, &b, &nb, &err), TERN_OK);
    cr_assert(na == nb && !memcmp(a, b, na), "re-encoding is byte-identical");
    tern_template *c;
    cr_assert_eq(tern_template_clone(u, &c, &err), TERN_OK);
    cr_assert_neq(c->orient.cells, u->orient.cells, "the clone owns its cells");
    assert_same_field(&t->orient, &c->orient);
    tern_template_free(c);
    tern_template_free(u);
    free(b);
    /* exchange formats have no field */
    for (size_t f = 0; f < sizeof EXCHANGE / sizeof EXCHANGE[0]; f++) {
        cr_assert_eq(tern_template_encode(t, EXCHANGE[f], &b, &nb, &err), TERN_OK, "%s", err.message);
        cr_assert_eq(tern_template_decode(b, nb, &u, &err), TERN_OK, "%s", err.message);
        cr_assert(u->orient.cols == 0 && u->orient.rows == 0 && u->orient.cells == NULL);
        tern_template_free(u);
        free(b);
    }
    /* malformed sections: no cells, a bitmap that disagrees with the length */
    size_t at = find_section(a, na, 5);
    cr_assert_neq(at, 0);
    uint8_t save = a[at + 9];
    a[at + 9] = 0; /* cols 0 */
    put32(a + na - 4, crc32_ref(a, na - 4));
    cr_assert_eq(tern_template_decode(a, na, &u, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "orientation field at byte offset"), "%s", err.message);
    a[at + 9] = save;
    a[at + 8 + 12] ^= 0x80; /* one cell more or less in the foreground */
    put32(a + na - 4, crc32_ref(a, na - 4));
    cr_assert_eq(tern_template_decode(a, na, &u, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "foreground cells need"), "%s", err.message);
    /* a cell size beyond 65535 px in the bytes */
    a[at + 8 + 4] = 0xff;
    put32(a + na - 4, crc32_ref(a, na - 4));
    cr_assert_eq(tern_template_decode(a, na, &u, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "65535 px"), "%s", err.message);
    /* the encoder refuses a level beyond TERN_ORIENT_LEVELS, a cell size it
     * cannot store, and a grid without cells */
    t->orient.cell_x = 1e-4f;
    cr_assert_eq(tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &b, &nb, &err), TERN_E_ARG);
    t->orient.cell_x = 70000;
    cr_assert_eq(tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &b, &nb, &err), TERN_E_ARG);
    t->orient.cell_x = 16;
    t->orient.cells[3] = TERN_ORIENT_LEVELS + 1;
    cr_assert_eq(tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &b, &nb, &err), TERN_E_ARG);
    free(t->orient.cells);
    t->orient.cells = NULL;
    cr_assert_eq(tern_template_encode(t, TERN_TEMPLATE_FORMAT_TERN, &b, &nb, &err), TERN_E_ARG);
    free(a);
    free(plain);
    tern_template_free(t);
}

/* ---- malformed records ----------------------------------------------------------- */

Test(template_malformed, truncations_views_frames_and_resolution)
{
    TERN_REQUIRE_DATA(path, "templates/fingerprintio/iso19794p2v2011/iso19794p2v2011-sample.dat");
    size_t n;
    uint8_t *d = tern_test_read(path, &n);
    tern_template_record *rec;
    tern_error err;
    for (size_t cut = 0; cut < n; cut++)
        cr_assert_neq(tern_template_decode_all(d, cut, TERN_TEMPLATE_FORMAT_UNKNOWN, &rec, &err),
                      TERN_OK, "cut at %zu", cut);
    free(d);
    TERN_REQUIRE_DATA(iso, "templates/iso19794-2/biomdi-appendix-c2.raw");
    d = tern_test_read(iso, &n);
    d[22] = 200; /* 200 views in 341 bytes */
    cr_assert_eq(tern_template_decode_all(d, n, TERN_TEMPLATE_FORMAT_ISO_2005, &rec, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "view count") && strstr(err.message, "byte offset"), "%s", err.message);
    d[22] = 2;
    d[14] = 0, d[15] = 50; /* width 50: minutiae outside the frame */
    cr_assert_eq(tern_template_decode_all(d, n, TERN_TEMPLATE_FORMAT_ISO_2005, &rec, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "outside"), "%s", err.message);
    d[14] = 2, d[15] = 0;
    d[18] = 0, d[19] = 0; /* resolution 0 */
    cr_assert_eq(tern_template_decode_all(d, n, TERN_TEMPLATE_FORMAT_ISO_2005, &rec, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "resolution") && strstr(err.message, "18"), "%s", err.message);
    free(d);
    TERN_REQUIRE_DATA(cd, "templates/iso19794-2/fmr.iso2005");
    d = tern_test_read(cd, &n);
    d[16] = 300 >> 8, d[17] = 300 & 0xff; /* height 300: the delta at y 319 falls outside */
    cr_assert_eq(tern_template_decode_all(d, n, TERN_TEMPLATE_FORMAT_ISO_2005, &rec, &err), TERN_E_FORMAT);
    cr_assert(strstr(err.message, "delta 3") && strstr(err.message, "outside"), "%s", err.message);
    free(d);
    const uint8_t junk[] = "not a template";
    cr_assert_eq(tern_template_detect(junk, sizeof junk), TERN_TEMPLATE_FORMAT_UNKNOWN);
    cr_assert_eq(tern_template_decode_all(junk, sizeof junk, 0, &rec, &err), TERN_E_UNSUPPORTED);
}

Test(template_malformed, format_names_parse_and_print)
{
    for (int f = TERN_TEMPLATE_FORMAT_TERN; f < TERN_TEMPLATE_FORMAT_COUNT; f++) {
        tern_template_format g;
        cr_assert_eq(tern_template_format_parse(tern_template_format_name(f), &g, NULL), TERN_OK);
        cr_assert_eq(g, f);
    }
    tern_template_format g;
    tern_error err;
    cr_assert_eq(tern_template_format_parse("iso", &g, &err), TERN_E_ARG);
    cr_assert(strstr(err.message, "incits378:2009am1"));
}
