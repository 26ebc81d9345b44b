/* test_nist_types.c - typed access to ANSI/NIST-ITL records: Type-1, the
 * image records and their decoding, Type-9 minutiae (the three blocks read
 * from NIST's reference transactions agree with each other; the INCITS 378
 * block written reads back), Type-98 audit entries. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/nist_types.h"
#include "tern_test.h"

static tern_nist *load(const char *path)
{
    size_t len;
    uint8_t *data = tern_test_read(path, &len);
    tern_nist *t;
    tern_error err;
    cr_assert_eq(tern_nist_parse(data, len, &t, &err), TERN_OK, "%s: %s", path, err.message);
    free(data);
    return t;
}

Test(nist_types, type1_fields)
{
    TERN_REQUIRE_DATA(path, "an2k/nist-reference/type-4-tpcard.an2");
    tern_nist *t = load(path);
    tern_nist_info info;
    tern_error err;
    cr_assert_eq(tern_nist_info_get(t, &info, &err), TERN_OK, "%s", err.message);
    cr_assert_str_eq(info.version, "0400");
    cr_assert_str_eq(info.tot, "AMN");
    cr_assert_str_eq(info.date, "20090921");
    cr_assert_str_eq(info.dai, "DAI000000");
    cr_assert_str_eq(info.ori, "MDNISTIMG");
    cr_assert_str_eq(info.domain, "NORAM");
    cr_assert_float_eq(info.nsr, 19.69, 1e-9);
    cr_assert_float_eq(info.ntr, 19.69, 1e-9);
    cr_assert_eq(info.dcs, -1);
    tern_nist_free(t);
}

/* The 14 WSQ images of the tpcard transaction are the files in wsq/tpcard,
 * named by IDC and finger position: the data handed to the codec must be
 * exactly those bytes. */
Test(nist_types, tpcard_images_are_the_reference_wsq_files)
{
    TERN_REQUIRE_DATA(path, "an2k/nist-reference/type-4-tpcard.an2");
    TERN_REQUIRE_DATA(dir, "wsq/tpcard");
    tern_nist *t = load(path);
    int found = 0;
    for (size_t i = 1; i < t->n_records; i++) {
        tern_nist_image im;
        tern_error err;
        if (t->records[i].type != 4)
            continue;
        cr_assert_eq(tern_nist_image_get(t, i, &im, &err), TERN_OK, "%s", err.message);
        cr_assert_eq(im.compression, TERN_NIST_COMP_WSQ);
        cr_assert_eq(im.ppi_x, 500.0);
        cr_assert_eq(im.n_positions, 1);
        char ref[1200];
        snprintf(ref, sizeof ref, "%s/idc%02d_fgp%02u.wsq", dir, im.idc, im.positions[0]);
        FILE *f = fopen(ref, "rb");
        if (!f)
            continue;
        fclose(f);
        size_t len;
        uint8_t *want = tern_test_read(ref, &len);
        cr_expect_eq(len, im.len, "%s", ref);
        cr_expect(len == im.len && memcmp(want, im.data, len) == 0, "%s differs", ref);
        free(want);
        found++;
    }
    cr_assert_eq(found, 14);
    tern_nist_free(t);
}

static int is_transaction(const char *name)
{
    size_t n = strlen(name);
    return (n > 4 && strcmp(name + n - 4, ".an2") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".an2k") == 0);
}

/* Every image record of every reference transaction is described and
 * decoded at the size its record declares. The one failure allowed:
 * Type-8 pen vectors, which are not an image: every other image must decode.
 * Lossless JPEG (JPEGL: the two PIV images of
 * type-10-14-17-piv-index-iris.an2) must decode (src/img/jpegl.c). */
Test(nist_types, every_embedded_image_decodes)
{
    static const char *dirs[] = {"an2k/nist-reference", "an2k/nbis", "an2k/biomeval"};
    int decoded = 0, lossless = 0;
    for (size_t d = 0; d < 3; d++) {
        TERN_REQUIRE_DATA(dir, dirs[d]);
        DIR *dp = opendir(dir);
        struct dirent *e;
        while ((e = readdir(dp))) {
            if (!is_transaction(e->d_name) || strcmp(e->d_name, "type9-13.an2k") == 0)
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            tern_nist *t = load(path);
            for (size_t i = 1; i < t->n_records; i++) {
                if (!tern_nist_has_image(t, i))
                    continue;
                tern_nist_image im;
                tern_error err;
                cr_assert_eq(tern_nist_image_get(t, i, &im, &err), TERN_OK, "%s", err.message);
                tern_image *img = NULL;
                tern_status s = tern_nist_image_decode(&im, &img, &err);
                if (s == TERN_OK) {
                    decoded++;
                    lossless += strcmp(im.compression_name, "JPEGL") == 0;
                    /* NBIS valid1.8.an2 declares 14.006/14.007 of 1800x1000 and
                     * 1800x900 around WSQ images of 1600x976 and 1600x800: the
                     * record is wrong; the image decodes at its own size. */
                    bool known_wrong = strcmp(e->d_name, "valid1.8.an2") == 0 && im.width == 1800;
                    if (im.width && !known_wrong)
                        cr_expect(img->width == im.width && img->height == im.height,
                                  "%s record %zu: %ux%u decoded, %ux%u declared", e->d_name,
                                  i + 1, img->width, img->height, im.width, im.height);
                } else if (im.compression == TERN_NIST_COMP_VECTOR) {
                    cr_expect_eq(s, TERN_E_UNSUPPORTED);
                } else {
                    cr_expect(false, "%s record %zu (%s) does not decode: %s", e->d_name, i + 1,
                              im.compression_name, err.message);
                }
                tern_image_free(img);
            }
            tern_nist_free(t);
        }
        closedir(dp);
    }
    cr_log_info("%d images decoded, %d of them lossless JPEG", decoded, lossless);
    cr_assert_gt(decoded, 50);
    cr_assert_geq(lossless, 2, "the two JPEGL PIV images of type-10-14-17-piv-index-iris.an2");
}

static tern_template *first_template(const char *rel, unsigned block)
{
    char path[1024];
    if (!tern_test_data_path(rel, path, sizeof path))
        return NULL;
    tern_nist *t = load(path);
    tern_template *tpl = NULL;
    tern_error err;
    for (size_t i = 0; i < t->n_records && !tpl; i++)
        if (t->records[i].type == 9)
            cr_assert_eq(tern_nist_template_get(t, i, block, &tpl, &err), TERN_OK, "%s",
                         err.message);
    tern_nist_free(t);
    return tpl;
}

/* Every minutia of a has one in b within `dist` pixels and `deg` degrees. */
static void expect_same_minutiae(const tern_template *a, const tern_template *b, double dist,
                                 double deg)
{
    cr_assert_eq(a->n_minutiae, b->n_minutiae);
    for (uint32_t i = 0; i < a->n_minutiae; i++) {
        double best = 1e9, dang = 0;
        for (uint32_t j = 0; j < b->n_minutiae; j++) {
            double d = hypot(a->minutiae[i].x - b->minutiae[j].x,
                             a->minutiae[i].y - b->minutiae[j].y);
            if (d < best) {
                best = d;
                dang = fabs(remainder(a->minutiae[i].angle - b->minutiae[j].angle, 2 * M_PI));
            }
        }
        cr_expect_leq(best, dist, "minutia %u: nearest %.2f px away", i + 1, best);
        cr_expect_leq(dang * 180 / M_PI, deg, "minutia %u: angles differ by %.1f deg", i + 1,
                      dang * 180 / M_PI);
    }
}

/* NIST's reference files hold the same 48 minutiae in the standard, IAFIS
 * and INCITS 378 blocks: read through each block's conventions they agree. */
Test(nist_types, standard_iafis_and_incits_blocks_agree)
{
    tern_template *m1 = first_template("an2k/nist-reference/type-9-14-m1.an2", 0);
    tern_template *std = first_template("an2k/nist-reference/type-9-14-std.an2", 0);
    tern_template *iafis = first_template("an2k/nist-reference/type-9-4-iafis.an2", 0);
    if (!m1 || !std || !iafis)
        cr_skip_test("reference transactions not found in ../shared/data");
    cr_assert_eq(m1->width, 800);
    cr_assert_eq(m1->height, 768);
    cr_assert_float_eq(m1->ppi_x, 197 * 2.54, 1e-9);
    cr_assert_eq(m1->finger_position, 8);
    cr_assert_eq(m1->n_singular, 2);
    cr_assert_gt(m1->n_ridge_counts, 100);
    cr_assert_eq(std->height, 768); /* the frame of the Type-14 image with the same IDC */
    expect_same_minutiae(std, m1, 1.5, 1.5);
    expect_same_minutiae(iafis, m1, 1.5, 1.5);
    /* Quality: "00" (encoded by hand) in the standard and IAFIS blocks is
     * the INCITS block's 100, minutia by minutia (same order in all three). */
    for (uint32_t i = 0; i < m1->n_minutiae; i++) {
        cr_expect_eq(m1->minutiae[i].quality, 100, "minutia %u", i + 1);
        cr_expect_eq(std->minutiae[i].quality, m1->minutiae[i].quality, "minutia %u", i + 1);
        cr_expect_eq(iafis->minutiae[i].quality, m1->minutiae[i].quality, "minutia %u", i + 1);
    }
    tern_template_free(m1);
    tern_template_free(std);
    tern_template_free(iafis);
}

/* Standard (9.012) and IAFIS (9.023) minutia quality QMS: 0 by hand, 1 no
 * confidence method, 2..63 decreasing confidence; carried into the
 * template and through the INCITS 378 block written from it. */
static void check_legacy_quality(bool iafis)
{
    static const struct {
        const char *qms;
        uint8_t want;
    } q[] = {{"00", 100}, {"1", 0}, {"02", 100}, {"33", 50}, {"63", 1}, {"64", 0}, {"x", 0}};
    size_t n = sizeof q / sizeof q[0];
    tern_nist *t;
    tern_error err;
    size_t at;
    cr_assert_eq(tern_nist_create(NULL, &t, &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 9, &at, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, at, 3, "0", &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, at, 4, "S", &err), TERN_OK);
    char mrc[512] = "";
    for (size_t i = 0; i < n; i++) {
        size_t o = strlen(mrc);
        /* IAFIS: X, Y from the top left, theta as INCITS; standard: from the
         * bottom left, theta the other way. Either way 1 mm apart. */
        snprintf(mrc + o, sizeof mrc - o, "%s%03zu\x1f%04zu%04d%03d\x1f%s\x1f%s",
                 i ? "\x1e" : "", i + 1, 100 + i * 100, 500, 90, q[i].qms, iafis ? "A" : "B");
    }
    cr_assert_eq(tern_nist_set_text(t, at, iafis ? 23 : 12, mrc, &err), TERN_OK);
    tern_template *tpl;
    cr_assert_eq(tern_nist_template_get(t, at, iafis ? TERN_NIST_MIN_IAFIS : TERN_NIST_MIN_STANDARD,
                                        &tpl, &err),
                 TERN_OK, "%s", err.message);
    cr_assert_eq(tpl->n_minutiae, n);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(tpl->minutiae[i].quality, q[i].want, "%s QMS %s", iafis ? "IAFIS" : "standard",
                     q[i].qms);
    /* Written as an INCITS 378 block and read back, the qualities stay. */
    size_t m1;
    cr_assert_eq(tern_nist_add_template(t, tpl, &m1, &err), TERN_OK, "%s", err.message);
    tern_template *back;
    cr_assert_eq(tern_nist_template_get(t, m1, TERN_NIST_MIN_INCITS378, &back, &err), TERN_OK,
                 "%s", err.message);
    cr_assert_eq(back->n_minutiae, n);
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(back->minutiae[i].quality, q[i].want, "INCITS 378 block, minutia %zu", i + 1);
    tern_template_free(back);
    tern_template_free(tpl);
    tern_nist_free(t);
}

Test(nist_types, standard_minutia_quality_is_carried)
{
    check_legacy_quality(false);
}

Test(nist_types, iafis_minutia_quality_is_carried)
{
    check_legacy_quality(true);
}

Test(nist_types, incits378_block_written_reads_back)
{
    tern_template *tpl;
    tern_error err;
    cr_assert_eq(tern_template_create(3, &tpl, &err), TERN_OK);
    tpl->width = 400;
    tpl->height = 500;
    tpl->ppi_x = tpl->ppi_y = 500;
    tpl->finger_position = 7;
    tpl->impression_type = 1;
    tpl->quality = 60;
    for (uint32_t i = 0; i < 3; i++)
        tpl->minutiae[i] = (tern_minutia){10.0f + 100 * i, 20.0f + 50 * i,
                                          (float)(i * 2.0 * M_PI / 3.0 + 0.01),
                                          (uint8_t)(i % 3), (uint8_t)(30 + i)};
    tpl->n_ridge_counts = 1;
    tpl->ridge_counts = calloc(1, sizeof *tpl->ridge_counts);
    tpl->ridge_counts[0] = (tern_ridge_count){0, 2, 7};
    tpl->n_singular = 1;
    tpl->singular = calloc(1, sizeof *tpl->singular);
    tpl->singular[0] = (tern_singular){200, 250, 1.0f, TERN_SINGULAR_CORE, 1};
    tern_nist *t;
    size_t at;
    cr_assert_eq(tern_nist_create(NULL, &t, &err), TERN_OK);
    cr_assert_eq(tern_nist_add_template(t, tpl, &at, &err), TERN_OK, "%s", err.message);
    uint8_t *bytes;
    size_t len;
    cr_assert_eq(tern_nist_serialize(t, &bytes, &len, &err), TERN_OK, "%s", err.message);
    tern_nist *back;
    cr_assert_eq(tern_nist_parse(bytes, len, &back, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_nist_minutiae_blocks(back, at), TERN_NIST_MIN_INCITS378);
    tern_template *got;
    cr_assert_eq(tern_nist_template_get(back, at, 0, &got, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(got->width, 400);
    cr_assert_eq(got->finger_position, 7);
    cr_assert_eq(got->impression_type, 1);
    cr_assert_eq(got->quality, 60);
    cr_assert_float_eq(got->ppi_x, 197 * 2.54, 1e-9); /* 500 ppi is 197 px/cm */
    expect_same_minutiae(got, tpl, 0.01, 1.01);
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_eq(got->minutiae[i].type, tpl->minutiae[i].type);
        cr_assert_eq(got->minutiae[i].quality, tpl->minutiae[i].quality);
    }
    cr_assert_eq(got->n_ridge_counts, 1);
    cr_assert_eq(got->ridge_counts[0].b, 2);
    cr_assert_eq(got->ridge_counts[0].count, 7);
    cr_assert_eq(got->n_singular, 1);
    cr_assert_float_eq(got->singular[0].x, 200, 1e-6);
    tern_template_free(got);
    tern_template_free(tpl);
    tern_nist_free(back);
    tern_nist_free(t);
    free(bytes);
}

Test(nist_types, bilevel_type5_unpacks_to_black_and_white)
{
    tern_nist *t;
    tern_error err;
    size_t r5;
    cr_assert_eq(tern_nist_create(NULL, &t, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, 0, 11, "19.69", &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 5, &r5, &err), TERN_OK);
    static const char *hdr[] = {"1", "3", "0", "10", "2", "0"}; /* IMP FGP ISR HLL VLL BCA */
    for (uint32_t k = 0; k < 6; k++)
        cr_assert_eq(tern_nist_set_text(t, r5, 3 + k, hdr[k], &err), TERN_OK);
    /* 10 pixels per row, rows padded to 2 bytes: 1 = black. */
    const uint8_t bits[4] = {0x80, 0x40, 0x00, 0xff};
    cr_assert_eq(tern_nist_set_binary(t, r5, 9, bits, 4, &err), TERN_OK);
    tern_nist_image im;
    cr_assert_eq(tern_nist_image_get(t, r5, &im, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(im.bits_per_pixel, 1);
    cr_assert_eq(im.ppi_x, 500);
    tern_image *img;
    cr_assert_eq(tern_nist_image_decode(&im, &img, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(img->pixels[0], 0);
    cr_assert_eq(img->pixels[1], 255);
    cr_assert_eq(img->pixels[9], 0); /* 0x40 of the second byte: pixel 9 */
    cr_assert_eq(img->pixels[10], 255);
    cr_assert_eq(img->pixels[17], 255);
    cr_assert_eq(img->pixels[18], 0);
    cr_assert_eq(img->pixels[19], 0);
    tern_image_free(img);
    tern_nist_free(t);
}

Test(nist_types, type98_audit_log)
{
    tern_nist *t;
    tern_error err;
    size_t r;
    cr_assert_eq(tern_nist_create(NULL, &t, &err), TERN_OK);
    cr_assert_eq(tern_nist_add_record(t, 98, &r, &err), TERN_OK);
    cr_assert_eq(tern_nist_set_text(t, r, 900,
                                    "ADD\x1f" "capture\x1f" "10.999\x1f" "AGENCY1\x1f" "tern\x1f"
                                    "20260101120000Z\x1e"
                                    "MODIFY\x1f" "crop\x1f" "14.999\x1f" "AGENCY2\x1f" "editor\x1f"
                                    "20260102120000Z",
                                    &err),
                 TERN_OK);
    cr_assert_eq(tern_nist_audit_count(t, r), 2);
    tern_nist_audit_entry e;
    cr_assert_eq(tern_nist_audit_get(t, r, 1, &e, &err), TERN_OK);
    cr_assert_str_eq(e.event, "MODIFY");
    cr_assert_str_eq(e.field, "14.999");
    cr_assert_str_eq(e.agency, "AGENCY2");
    cr_assert_str_eq(e.time, "20260102120000Z");
    cr_assert_eq(tern_nist_audit_get(t, r, 2, &e, &err), TERN_E_NOT_FOUND);
    tern_nist_free(t);
}
