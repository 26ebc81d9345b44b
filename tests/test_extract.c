/* test_extract.c - the fingerprint feature extractor (tern/finger.h).
 *
 * Most fixtures are generated here: an AM-FM ridge pattern (Larkin &
 * Fletcher, "A coherent framework for fingerprint analysis: are fingerprints
 * holograms?", Optics Express 15(14), 2007) whose phase carries a smooth
 * curved carrier plus spiral terms s * atan2(v - v_i, u - u_i); each spiral
 * term is exactly one minutia at (u_i, v_i). The pattern can be drawn
 * rotated and shifted analytically, so the true position of every planted
 * minutia is known in every image. FVC2002 images are used where present.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/finger.h"
#include "tern/image.h"
#include "tern/template_io.h"
#include "synth_fixture.h"
#include "tern_test.h"

#define SYN 320
static const double planted[][3] = {/* u, v, spiral sign */
                                    {105, 100, 1}, {215, 115, -1}, {160, 165, 1},
                                    {95, 215, -1}, {220, 215, 1},  {150, 250, -1}};
#define N_PLANTED (sizeof planted / sizeof planted[0])

/* Pattern coordinates (u, v) of image pixel (x, y) when the pattern is
 * rotated by rot (image coordinates) about the centre and shifted by (dx, dy). */
static void to_pattern(double x, double y, double rot, double dx, double dy, double *u, double *v)
{
    double c = SYN / 2.0, X = x - c - dx, Y = y - c - dy;
    *u = cos(rot) * X + sin(rot) * Y + c;
    *v = -sin(rot) * X + cos(rot) * Y + c;
}

static void to_image(double u, double v, double rot, double dx, double dy, double *x, double *y)
{
    double c = SYN / 2.0, U = u - c, V = v - c;
    *x = cos(rot) * U - sin(rot) * V + c + dx;
    *y = sin(rot) * U + cos(rot) * V + c + dy;
}

static tern_image *synth(double rot, double dx, double dy)
{
    tern_image *img;
    cr_assert_eq(tern_image_create(SYN, SYN, 1, &img, NULL), TERN_OK);
    img->ppi_x = img->ppi_y = 500;
    for (int y = 0; y < SYN; y++)
        for (int x = 0; x < SYN; x++) {
            double u, v;
            to_pattern(x, y, rot, dx, dy, &u, &v);
            double eu = (u - 160) / 140, ev = (v - 175) / 150;
            double r = eu * eu + ev * ev, val = 215;
            if (r < 1) {
                double ph = 2 * M_PI * (v + 0.0015 * (u - 160) * (u - 160)) / 9.0;
                for (size_t i = 0; i < N_PLANTED; i++)
                    ph += planted[i][2] * atan2(v - planted[i][1], u - planted[i][0]);
                double fade = r > 0.85 ? (1 - r) / 0.15 : 1;
                val = 215 - fade * (95 + 85 * cos(ph));
            }
            img->pixels[(size_t)y * SYN + x] = (uint8_t)lround(val);
        }
    return img;
}

static tern_template *extract_ok(const tern_image *img)
{
    tern_template *t = NULL;
    tern_error err;
    tern_finger_quality q;
    tern_status st = tern_extract(img, NULL, &t, &q, &err);
    cr_assert_eq(st, TERN_OK, "extract failed: %s", err.message);
    cr_assert(q.score > 0 && q.score <= 100);
    return t;
}

/* Index of the minutia of t nearest to (x, y) within r pixels, or -1. */
static int nearest(const tern_template *t, double x, double y, double r)
{
    int best = -1;
    double bd = r * r;
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        double d = pow(t->minutiae[i].x - x, 2) + pow(t->minutiae[i].y - y, 2);
        if (d <= bd)
            bd = d, best = (int)i;
    }
    return best;
}

static double angdiff(double a, double b)
{
    double d = fmod(fabs(a - b), 2 * M_PI);
    return d > M_PI ? 2 * M_PI - d : d;
}

Test(extract, finds_the_planted_minutiae_of_a_synthetic_print)
{
    tern_image *img = synth(0, 0, 0);
    tern_template *t = extract_ok(img);
    int found = 0;
    for (size_t i = 0; i < N_PLANTED; i++)
        found += nearest(t, planted[i][0], planted[i][1], 8) >= 0;
    cr_expect_geq(found, (int)N_PLANTED - 1, "found %d of %zu planted minutiae", found, N_PLANTED);
    cr_expect_leq(t->n_minutiae, 2 * N_PLANTED, "%u minutiae for %zu planted", t->n_minutiae,
                  N_PLANTED);
    cr_expect_eq(t->width, SYN);
    cr_expect_eq(t->ppi_x, 500);
    tern_template_free(t);
    tern_image_free(img);
}

Test(extract, is_deterministic)
{
    tern_image *img = synth(0.3, 0, 0);
    tern_template *a = extract_ok(img), *b = extract_ok(img);
    cr_assert_eq(a->n_minutiae, b->n_minutiae);
    cr_assert(a->n_minutiae > 0);
    cr_assert_eq(memcmp(a->minutiae, b->minutiae, a->n_minutiae * sizeof *a->minutiae), 0);
    cr_assert_eq(a->n_singular, b->n_singular);
    cr_assert_eq(a->quality, b->quality);
    tern_template_free(a), tern_template_free(b);
    tern_image_free(img);
}

/* Every planted minutia found in the upright print is found in the rotated
 * and shifted one at the transformed position, with the rotated direction. */
static void check_transform(double rot, double dx, double dy)
{
    tern_image *a = synth(0, 0, 0), *b = synth(rot, dx, dy);
    tern_template *ta = extract_ok(a), *tb = extract_ok(b);
    int both = 0, agree = 0;
    for (size_t i = 0; i < N_PLANTED; i++) {
        int ia = nearest(ta, planted[i][0], planted[i][1], 8);
        double x, y;
        to_image(planted[i][0], planted[i][1], rot, dx, dy, &x, &y);
        int ib = nearest(tb, x, y, 8);
        if (ia < 0 || ib < 0)
            continue;
        both++;
        /* Template angles are counter-clockwise with y up; an image rotation
         * by rot (y down) turns them by -rot. */
        double expect = ta->minutiae[ia].angle - rot;
        agree += angdiff(expect, tb->minutiae[ib].angle) < 20 * M_PI / 180;
    }
    cr_expect_geq(both, (int)N_PLANTED - 1, "rot %.2f shift %.0f,%.0f: %d planted minutiae in both",
                  rot, dx, dy, both);
    cr_expect_eq(agree, both, "rot %.2f: %d of %d directions agree", rot, agree, both);
    tern_template_free(ta), tern_template_free(tb);
    tern_image_free(a), tern_image_free(b);
}

Test(extract, follows_rotation_and_translation)
{
    check_transform(0, 17, -11);
    check_transform(M_PI / 2, 0, 0);
    check_transform(30 * M_PI / 180, 5, 3);
    check_transform(-100 * M_PI / 180, 0, 0);
    check_transform(M_PI, -6, 9);
}

Test(extract, keeps_coordinates_inside_the_image_and_angles_in_range)
{
    tern_image *img = synth(1.0, 20, 10);
    tern_template *t = extract_ok(img);
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        const tern_minutia *m = &t->minutiae[i];
        cr_assert(m->x >= 0 && m->x < SYN && m->y >= 0 && m->y < SYN);
        cr_assert(m->angle >= 0 && m->angle < 2 * M_PI);
        cr_assert(m->type == TERN_MINUTIA_ENDING || m->type == TERN_MINUTIA_BIFURCATION);
        cr_assert(m->quality >= 1 && m->quality <= 100);
    }
    tern_template_free(t);
    tern_image_free(img);
}

Test(extract, works_at_other_resolutions_in_the_original_frame)
{
    /* The same print scanned at 1000 ppi: twice the pixels, same minutiae. */
    tern_image *a = synth(0, 0, 0), *b;
    cr_assert_eq(tern_image_create(2 * SYN, 2 * SYN, 1, &b, NULL), TERN_OK);
    b->ppi_x = b->ppi_y = 1000;
    for (int y = 0; y < 2 * SYN; y++)
        for (int x = 0; x < 2 * SYN; x++)
            b->pixels[(size_t)y * 2 * SYN + x] = a->pixels[(size_t)(y / 2) * SYN + x / 2];
    tern_template *ta = extract_ok(a), *tb = extract_ok(b);
    cr_expect_eq(tb->width, 2 * SYN);
    cr_expect_eq(tb->ppi_x, 1000);
    int found = 0;
    for (size_t i = 0; i < N_PLANTED; i++)
        found += nearest(tb, 2 * planted[i][0] + 0.5, 2 * planted[i][1] + 0.5, 16) >= 0;
    cr_expect_geq(found, (int)N_PLANTED - 1, "found %d of %zu at 1000 ppi", found, N_PLANTED);
    tern_template_free(ta), tern_template_free(tb);
    tern_image_free(a), tern_image_free(b);
}

Test(extract, accepts_rgb)
{
    tern_image *g = synth(0, 0, 0), *rgb;
    cr_assert_eq(tern_image_create(SYN, SYN, 3, &rgb, NULL), TERN_OK);
    rgb->ppi_x = rgb->ppi_y = 500;
    for (size_t i = 0; i < (size_t)SYN * SYN; i++)
        memset(rgb->pixels + 3 * i, g->pixels[i], 3);
    tern_template *a = extract_ok(g), *b = extract_ok(rgb);
    cr_expect_eq(a->n_minutiae, b->n_minutiae);
    tern_template_free(a), tern_template_free(b);
    tern_image_free(g), tern_image_free(rgb);
}

Test(extract, templates_encode_in_every_exchange_format)
{
    tern_image *img = synth(0.5, 3, -4);
    tern_template *t = extract_ok(img);
    static const tern_template_format fmts[] = {TERN_TEMPLATE_FORMAT_TERN,
                                                TERN_TEMPLATE_FORMAT_ISO_2005,
                                                TERN_TEMPLATE_FORMAT_ANSI_2004};
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        tern_error err;
        cr_assert_eq(tern_template_encode(t, fmts[f], &bytes, &len, &err), TERN_OK, "%s: %s",
                     tern_template_format_name(fmts[f]), err.message);
        tern_template *back = NULL;
        cr_assert_eq(tern_template_decode(bytes, len, &back, &err), TERN_OK, "%s", err.message);
        cr_expect_eq(back->n_minutiae, t->n_minutiae);
        for (uint32_t i = 0; i < t->n_minutiae && i < back->n_minutiae; i++) {
            cr_expect(fabs(back->minutiae[i].x - t->minutiae[i].x) <= 1.0f);
            cr_expect(angdiff(back->minutiae[i].angle, t->minutiae[i].angle) < 0.05);
        }
        tern_template_free(back);
        free(bytes);
    }
    tern_template_free(t);
    tern_image_free(img);
}

Test(extract, quality_falls_with_noise)
{
    tern_image *clean = synth(0, 0, 0), *noisy = synth(0, 0, 0);
    uint32_t seed = 7;
    for (size_t i = 0; i < (size_t)SYN * SYN; i++) {
        seed = seed * 1664525u + 1013904223u;
        int v = noisy->pixels[i] + (int)(seed >> 26) * 3 - 95; /* uniform noise, +-95 */
        noisy->pixels[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
    tern_template *t;
    tern_error err;
    tern_finger_quality qc, qn;
    cr_assert_eq(tern_extract(clean, NULL, &t, &qc, &err), TERN_OK, "%s", err.message);
    tern_template_free(t);
    tern_status st = tern_extract(noisy, NULL, &t, &qn, &err);
    tern_template_free(t);
    if (st == TERN_OK) {
        cr_expect_lt(qn.score, qc.score, "noisy %u, clean %u", qn.score, qc.score);
        cr_expect_lt(qn.clarity, qc.clarity);
    } else {
        cr_expect_eq(st, TERN_E_QUALITY, "%s", err.message);
    }
    cr_expect_geq(qc.score, 60, "clean synthetic print: quality %u", qc.score);
    cr_expect(qc.orientation_certainty > 0.5f && qc.clarity > 0.5f);
    cr_expect(qc.ridge_period_px > 8.0f && qc.ridge_period_px < 10.0f, "period %.2f (drawn: 9)",
              qc.ridge_period_px);
    tern_image_free(clean), tern_image_free(noisy);
}

/* ---- failures to enroll, never a crash -------------------------------- */

static void expect_fte(tern_image *img, tern_status want, const char *word)
{
    tern_template *t = (tern_template *)1;
    tern_error err;
    tern_finger_quality q;
    tern_status st = tern_extract(img, NULL, &t, &q, &err);
    cr_expect_eq(st, want, "status %s (%s)", tern_status_name(st), err.message);
    cr_expect_null(t);
    cr_expect_eq(q.score, 0);
    if (word)
        cr_expect(strstr(err.message, word) != NULL, "message '%s' lacks '%s'", err.message, word);
    tern_image_free(img);
}

static tern_image *filled(uint32_t w, uint32_t h, uint8_t v)
{
    tern_image *img;
    cr_assert_eq(tern_image_create(w, h, 1, &img, NULL), TERN_OK);
    memset(img->pixels, v, (size_t)w * h);
    img->ppi_x = img->ppi_y = 500;
    return img;
}

Test(extract_fte, blank) { expect_fte(filled(300, 300, 180), TERN_E_QUALITY, "blank"); }

Test(extract_fte, tiny) { expect_fte(filled(10, 10, 128), TERN_E_QUALITY, "too small"); }

Test(extract_fte, enormous)
{
    expect_fte(filled(4000, 200, 128), TERN_E_QUALITY, "too large");
}

Test(extract_fte, saturated)
{
    tern_image *img = filled(300, 300, 255);
    for (size_t i = 0; i < 300 * 300; i += 37)
        img->pixels[i] = 0;
    expect_fte(img, TERN_E_QUALITY, "saturated");
    expect_fte(filled(300, 300, 0), TERN_E_QUALITY, "saturated");
}

Test(extract_fte, pure_noise)
{
    tern_image *img = filled(320, 320, 0);
    uint32_t s = 12345;
    for (size_t i = 0; i < 320 * 320; i++) {
        s = s * 1664525u + 1013904223u;
        img->pixels[i] = (uint8_t)(s >> 24);
    }
    expect_fte(img, TERN_E_QUALITY, "failure to enroll");
}

Test(extract_fte, smooth_gradient_is_not_a_finger)
{
    tern_image *img = filled(300, 300, 0);
    for (int y = 0; y < 300; y++)
        for (int x = 0; x < 300; x++)
            img->pixels[y * 300 + x] = (uint8_t)(x * 255 / 299);
    expect_fte(img, TERN_E_QUALITY, "failure to enroll");
}

Test(extract_fte, unknown_resolution_is_an_argument_error)
{
    tern_image *img = synth(0, 0, 0);
    img->ppi_x = img->ppi_y = 0;
    expect_fte(img, TERN_E_ARG, "resolution");
}

/* ---- FVC2002, when present -------------------------------------------- */

Test(extract_fvc, plausible_minutiae_counts_on_every_database)
{
    TERN_REQUIRE_DATA(root, "fvc2002");
    static const char *dbs[] = {"DB1_B", "DB2_B", "DB3_B", "DB4_B"};
    static const double ppi[] = {500, 569, 500, 500};
#ifdef TERN_SANITIZED
    const int fingers = 1, impressions = 2;
#else
    const int fingers = 10, impressions = 8;
#endif
    for (int d = 0; d < 4; d++)
        for (int f = 1; f <= fingers; f++)
            for (int i = 1; i <= impressions; i++) {
                char path[1200];
                snprintf(path, sizeof path, "%s/%s/%d_%d.tif", root, dbs[d], 100 + f, i);
                tern_image_decode_opts o = {0};
                o.ppi = ppi[d];
                tern_image *img;
                tern_error err;
                cr_assert_eq(tern_image_read_file(path, &o, &img, &err), TERN_OK, "%s: %s", path,
                             err.message);
                tern_template *t = NULL;
                tern_finger_quality q;
                tern_status st = tern_extract(img, NULL, &t, &q, &err);
                cr_assert_eq(st, TERN_OK, "%s: %s", path, err.message);
                cr_expect(t->n_minutiae >= 10 && t->n_minutiae <= 120, "%s: %u minutiae", path,
                          t->n_minutiae);
                cr_expect_eq(t->width, img->width);
                cr_expect_eq(t->ppi_x, ppi[d]);
                for (uint32_t k = 0; k < t->n_minutiae; k++)
                    cr_assert(t->minutiae[k].x < img->width && t->minutiae[k].y < img->height);
                tern_template_free(t);
                tern_image_free(img);
            }
}

/* ---- Tern's own synthetic prints (synth_fixture.h): run without data ---- */

Test(extract_synth, plausible_minutiae_on_generated_prints)
{
#ifdef TERN_SANITIZED
    const unsigned fingers = 1;
#else
    const unsigned fingers = SF_FINGERS;
#endif
    for (unsigned f = 0; f < fingers; f++)
        for (unsigned i = 0; i < SF_IMPRESSIONS; i++) {
            const tern_image *img = sf_image(f, i);
            tern_template *t = NULL;
            tern_finger_quality q;
            tern_error err;
            cr_assert_eq(tern_extract(img, NULL, &t, &q, &err), TERN_OK,
                         "finger %u impression %u: %s", f, i, err.message);
            cr_expect(t->n_minutiae >= 10 && t->n_minutiae <= 120,
                      "finger %u impression %u: %u minutiae", f, i, t->n_minutiae);
            cr_expect_eq(t->width, img->width);
            cr_expect_eq(t->ppi_x, 500.0);
            for (uint32_t k = 0; k < t->n_minutiae; k++)
                cr_assert(t->minutiae[k].x < img->width && t->minutiae[k].y < img->height);
            tern_template_free(t);
        }
}
