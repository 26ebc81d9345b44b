/* test_image_codecs.c - the TIFF, JPEG and JPEG 2000 codecs: layouts,
 * resolution, round trips, reference files (FVC2002 TIFFs, face JPEGs, the
 * libbiomeval JP2) and hostile input. */
#define _GNU_SOURCE /* memmem */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

#include "image_test_util.h"
#include "tern/bytes.h"
#include "tern/image.h"
#include "tern_test.h"

/* ---- TIFF ---------------------------------------------------------------------- */

typedef struct tiff_spec {
    uint32_t w, h;
    uint16_t bps, spp, photometric, unit;
    float res; /* 0: no resolution tags */
    int tiled;
} tiff_spec;

/* Writes a TIFF of the pattern with libtiff and returns its bytes. */
static uint8_t *make_tiff(const tiff_spec *t, const tern_image *img, size_t *len)
{
    char path[] = "/tmp/tern-test-tiff-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    TIFF *tif = TIFFOpen(path, "w");
    cr_assert_not_null(tif);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, t->w);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, t->h);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, t->bps);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, t->spp);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, t->photometric);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    if (t->res > 0) {
        TIFFSetField(tif, TIFFTAG_XRESOLUTION, t->res);
        TIFFSetField(tif, TIFFTAG_YRESOLUTION, t->res);
        TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, t->unit);
    }
    size_t rowbytes = ((size_t)t->w * t->spp * t->bps + 7) / 8;
    uint8_t *row = calloc(1, rowbytes * (t->tiled ? 16 : 1) * 16);
    if (t->tiled) {
        TIFFSetField(tif, TIFFTAG_TILEWIDTH, 16);
        TIFFSetField(tif, TIFFTAG_TILELENGTH, 16);
        for (uint32_t ty = 0; ty < t->h; ty += 16)
            for (uint32_t tx = 0; tx < t->w; tx += 16) {
                uint8_t *tile = row;
                for (uint32_t y = 0; y < 16; y++)
                    for (uint32_t x = 0; x < 16; x++)
                        tile[y * 16 + x] = (tx + x < t->w && ty + y < t->h)
                                               ? img->pixels[(ty + y) * t->w + tx + x]
                                               : 0;
                TIFFWriteTile(tif, tile, tx, ty, 0, 0);
            }
    } else {
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 8);
        for (uint32_t y = 0; y < t->h; y++) {
            memset(row, 0, rowbytes);
            for (uint32_t x = 0; x < t->w; x++) {
                for (uint32_t c = 0; c < t->spp; c++) {
                    uint8_t v = img->pixels[((size_t)y * t->w + x) * img->channels + c];
                    if (t->bps == 8)
                        row[x * t->spp + c] = v;
                    else if (t->bps == 16)
                        row[2 * (x * t->spp + c)] = v, row[2 * (x * t->spp + c) + 1] = v; /* native LE */
                    else if (t->bps == 1 && v >= 128)
                        row[x / 8] |= (uint8_t)(0x80 >> (x % 8));
                }
            }
            cr_assert(TIFFWriteScanline(tif, row, y, 0) >= 0);
        }
    }
    free(row);
    TIFFClose(tif);
    uint8_t *data = tern_test_read(path, len);
    unlink(path);
    return data;
}

Test(tiff, layouts_decode_with_their_resolution)
{
    tern_image *grey = imgt_pattern(50, 37, 1, 0), *rgb = imgt_pattern(50, 37, 3, 0);
    static const tiff_spec specs[] = {
        {50, 37, 8, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0},
        {50, 37, 8, 1, PHOTOMETRIC_MINISBLACK, RESUNIT_INCH, 500, 0},
        {50, 37, 8, 1, PHOTOMETRIC_MINISBLACK, RESUNIT_CENTIMETER, 197, 0},
        {50, 37, 8, 1, PHOTOMETRIC_MINISBLACK, RESUNIT_NONE, 1, 0},
        {50, 37, 8, 3, PHOTOMETRIC_RGB, RESUNIT_INCH, 1000, 0},
        {50, 37, 16, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0},
        {50, 37, 1, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0},
        {50, 37, 8, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 1},
    };
    static const double want_ppi[] = {0, 500, 500, 0, 1000, 0, 0, 0};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        const tiff_spec *t = &specs[i];
        const tern_image *src = t->spp == 3 ? rgb : grey;
        size_t len;
        uint8_t *data = make_tiff(t, src, &len);
        cr_assert_eq(tern_image_sniff(data, len), TERN_IMAGE_TIFF);
        tern_image *img = imgt_decode(data, len, NULL);
        cr_assert_eq(img->width, 50, "spec %zu", i);
        cr_assert_eq(img->height, 37);
        cr_assert_eq(img->channels, t->spp == 3 ? 3 : 1, "spec %zu", i);
        cr_assert_eq(img->ppi_x, want_ppi[i], "spec %zu: ppi %f", i, img->ppi_x);
        if (t->bps == 1) {
            for (size_t k = 0; k < 50 * 37; k++)
                cr_assert_eq(img->pixels[k], src->pixels[k] >= 128 ? 255 : 0, "bi-level 0/255");
        } else {
            cr_assert(isinf(imgt_psnr(src, img)), "spec %zu lossless", i);
        }
        tern_image_free(img);
        free(data);
    }
    tern_image_free(grey);
    tern_image_free(rgb);
}

/* Rewrites the value of a SHORT or LONG tag in a little-endian classic TIFF. */
static void patch_tiff_tag(uint8_t *d, size_t len, uint16_t tag, uint32_t value)
{
    uint32_t ifd = d[4] | d[5] << 8 | d[6] << 16 | (uint32_t)d[7] << 24;
    cr_assert(ifd + 2 <= len);
    unsigned n = d[ifd] | d[ifd + 1] << 8;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = d + ifd + 2 + 12 * i;
        if ((e[0] | e[1] << 8) == tag) {
            e[2] = 4, e[3] = 0; /* LONG */
            e[8] = (uint8_t)value, e[9] = (uint8_t)(value >> 8), e[10] = (uint8_t)(value >> 16),
            e[11] = (uint8_t)(value >> 24);
            return;
        }
    }
    cr_assert_fail("tag %u not found", tag);
}

Test(tiff, hostile_files_are_refused)
{
    tern_image *img = imgt_pattern(40, 40, 1, 0);
    tiff_spec t = {40, 40, 8, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0};
    size_t len;
    uint8_t *data = make_tiff(&t, img, &len);
    for (size_t cut = 1; cut < len; cut += len / 9) {
        tern_image *out = (tern_image *)&out;
        tern_status s = tern_image_decode(data, cut, NULL, &out, NULL);
        cr_assert(s == TERN_E_FORMAT || s == TERN_E_TRUNCATED, "cut at %zu: %s", cut,
                  tern_status_name(s));
        cr_assert_null(out);
    }
    patch_tiff_tag(data, len, TIFFTAG_IMAGEWIDTH, 100000);
    imgt_expect_failure(data, len, TERN_E_LIMIT, "TIFF 100000 wide");
    free(data);
    tern_image_free(img);
}

Test(tiff, every_fvc2002_image_decodes_with_its_documented_size)
{
    static const struct {
        const char *db;
        uint32_t w, h;
    } dbs[] = {{"DB1_B", 388, 374}, {"DB2_B", 296, 560}, {"DB3_B", 300, 300}, {"DB4_B", 288, 384}};
    TERN_REQUIRE_DATA(root, "fvc2002");
    size_t total = 0;
    for (size_t d = 0; d < 4; d++) {
        char pattern_path[1200], ppi_path[1200];
        snprintf(pattern_path, sizeof pattern_path, "%s/%s/*.tif", root, dbs[d].db);
        snprintf(ppi_path, sizeof ppi_path, "%s/%s/ppi", root, dbs[d].db);
        size_t plen;
        char *ppi_text = (char *)tern_test_read(ppi_path, &plen);
        double ppi = strtod(ppi_text, NULL);
        free(ppi_text);
        cr_assert(ppi >= 500 && ppi <= 569, "%s: ppi file says %g", dbs[d].db, ppi);
        glob_t g;
        cr_assert_eq(glob(pattern_path, 0, NULL, &g), 0, "%s", pattern_path);
        cr_assert_eq(g.gl_pathc, 80, "%s: 80 images", dbs[d].db);
        for (size_t i = 0; i < g.gl_pathc; i++) {
            tern_image *img;
            tern_error err;
            cr_assert_eq(tern_image_read_file(g.gl_pathv[i], NULL, &img, &err), TERN_OK, "%s",
                         err.message);
            cr_assert_eq(img->width, dbs[d].w, "%s", g.gl_pathv[i]);
            cr_assert_eq(img->height, dbs[d].h, "%s", g.gl_pathv[i]);
            cr_assert_eq(img->channels, 1);
            cr_assert_eq(img->ppi_x, 0.0, "%s: no resolution tag: unknown", g.gl_pathv[i]);
            tern_image_free(img);
            tern_image_decode_opts o = {.ppi = ppi};
            cr_assert_eq(tern_image_read_file(g.gl_pathv[i], &o, &img, &err), TERN_OK);
            cr_assert_eq(img->ppi_x, ppi);
            cr_assert_eq(img->ppi_y, ppi);
            tern_image_free(img);
            total++;
        }
        globfree(&g);
    }
    cr_assert_eq(total, 320);
}

/* ---- JPEG ---------------------------------------------------------------------- */

Test(jpeg, grey_and_colour_round_trip_closely_with_density)
{
    for (uint32_t ch = 1; ch <= 3; ch += 2) {
        tern_image *img = imgt_pattern(120, 90, ch, 500);
        size_t len;
        tern_image_encode_opts eo = {.jpeg_quality = 95, .comment = "Tern test"};
        uint8_t *data = imgt_encode(img, TERN_IMAGE_JPEG, &eo, &len);
        cr_assert_eq(tern_image_sniff(data, len), TERN_IMAGE_JPEG);
        tern_image *back = imgt_decode(data, len, NULL);
        cr_assert_eq(back->channels, ch);
        double p = imgt_psnr(img, back);
        cr_assert(p > 32 && isfinite(p), "%u channels: PSNR %.1f dB", ch, p);
        cr_assert_eq(back->ppi_x, 500.0, "JFIF density in dpi");
        free(data);
        tern_image_free(back);
        img->ppi_x = img->ppi_y = 0;
        data = imgt_encode(img, TERN_IMAGE_JPEG, NULL, &len);
        back = imgt_decode(data, len, NULL);
        cr_assert_eq(back->ppi_x, 0.0, "JFIF units 0 (aspect 1:1): unknown");
        free(data);
        tern_image_free(back);
        tern_image_free(img);
    }
}

Test(jpeg, dots_per_centimetre_are_converted)
{
    tern_image *img = imgt_pattern(16, 16, 1, 500);
    size_t len;
    uint8_t *data = imgt_encode(img, TERN_IMAGE_JPEG, NULL, &len);
    /* JFIF APP0 right after SOI: FFD8 FFE0 len(2) "JFIF\0" ver(2) units Xd(2) Yd(2). */
    cr_assert(memcmp(data + 6, "JFIF", 5) == 0);
    data[13] = 2;
    data[14] = 0, data[15] = 197, data[16] = 0, data[17] = 197;
    tern_image *back = imgt_decode(data, len, NULL);
    cr_assert_eq(back->ppi_x, 500.0, "197 dots/cm is the 500 ppi of ANSI/NIST, got %f", back->ppi_x);
    tern_image_free(back);
    free(data);
    tern_image_free(img);
}

Test(jpeg, hostile_files_are_refused)
{
    tern_image *img = imgt_pattern(64, 64, 3, 0);
    size_t len;
    uint8_t *data = imgt_encode(img, TERN_IMAGE_JPEG, NULL, &len);
    for (size_t cut = 3; cut < len - 2; cut += len / 7) {
        tern_image *out = (tern_image *)&out;
        tern_status s = tern_image_decode(data, cut, NULL, &out, NULL);
        cr_assert(s == TERN_E_TRUNCATED || s == TERN_E_FORMAT, "cut at %zu: %s", cut,
                  tern_status_name(s));
        cr_assert_null(out);
    }
    /* SOF0 height and width (FFC0 len(2) P(1) Y(2) X(2)) set to 60000 x 60000. */
    size_t sof = 2;
    while (sof + 9 < len && !(data[sof] == 0xff && data[sof + 1] == 0xc0))
        sof++;
    cr_assert(sof + 9 < len);
    data[sof + 5] = 0xea, data[sof + 6] = 0x60, data[sof + 7] = 0xea, data[sof + 8] = 0x60;
    imgt_expect_failure(data, len, TERN_E_LIMIT, "JPEG 60000x60000");
    data[sof + 1] = 0xc3; /* lossless (SOF3): Tern's own decoder checks the size too */
    imgt_expect_failure(data, len, TERN_E_LIMIT, "lossless JPEG 60000x60000");
    free(data);
    tern_image_free(img);
}

Test(jpeg, face_photos_decode_in_colour)
{
    TERN_REQUIRE_DATA(root, "face-dev");
    char pat[1100];
    snprintf(pat, sizeof pat, "%s/*/*.jpg", root);
    glob_t g;
    cr_assert_eq(glob(pat, 0, NULL, &g), 0);
    cr_assert(g.gl_pathc >= 70, "%zu photos", g.gl_pathc);
#ifdef TERN_SANITIZED
    size_t count = 8; /* the sanitizers make the big ones slow */
#else
    size_t count = g.gl_pathc;
#endif
    uint32_t largest = 0;
    for (size_t i = 0; i < count && i < g.gl_pathc; i++) {
        tern_image *img;
        tern_error err;
        cr_assert_eq(tern_image_read_file(g.gl_pathv[i], NULL, &img, &err), TERN_OK, "%s",
                     err.message);
        cr_assert_eq(img->channels, 3, "%s in colour", g.gl_pathv[i]);
        if (img->height > largest)
            largest = img->height;
        tern_image_free(img);
    }
#ifndef TERN_SANITIZED
    cr_assert_eq(largest, 4600, "the largest photo is 3061x4600");
#endif
    globfree(&g);
}

/* ---- JPEG 2000 ------------------------------------------------------------------ */

Test(jp2, lossless_is_exact_and_lossy_is_close_in_both_wrappings)
{
    static const tern_image_format fmts[] = {TERN_IMAGE_JP2, TERN_IMAGE_J2K};
    for (size_t f = 0; f < 2; f++) {
        for (uint32_t ch = 1; ch <= 3; ch += 2) {
            tern_image *img = imgt_pattern(101, 67, ch, 500);
            size_t len;
            tern_image_encode_opts lossless = {.jp2_lossless = 1};
            uint8_t *data = imgt_encode(img, fmts[f], &lossless, &len);
            cr_assert_eq(tern_image_sniff(data, len), fmts[f]);
            tern_image *back = imgt_decode(data, len, NULL);
            cr_assert_eq(back->channels, ch);
            cr_assert(isinf(imgt_psnr(img, back)), "%s lossless %u channels", tern_image_format_name(fmts[f]), ch);
            cr_assert_eq(back->ppi_x, fmts[f] == TERN_IMAGE_JP2 ? 500.0 : 0.0,
                         "%s: resolution %f", tern_image_format_name(fmts[f]), back->ppi_x);
            free(data);
            tern_image_free(back);
            tern_image_encode_opts lossy = {.jp2_ratio = 8};
            data = imgt_encode(img, fmts[f], &lossy, &len);
            size_t raw = (size_t)101 * 67 * ch;
            cr_assert(len < raw / 4, "ratio 8: %zu bytes for %zu", len, raw);
            back = imgt_decode(data, len, NULL);
            double p = imgt_psnr(img, back);
            cr_assert(p > 30 && isfinite(p), "%s lossy: PSNR %.1f dB", tern_image_format_name(fmts[f]), p);
            free(data);
            tern_image_free(back);
            tern_image_free(img);
        }
    }
}

Test(jp2, resolution_box_round_trips)
{
    static const double ppis[] = {500, 1000, 569, 333.3, 19.69};
    for (size_t i = 0; i < sizeof ppis / sizeof ppis[0]; i++) {
        tern_image *img = imgt_pattern(40, 40, 1, ppis[i]);
        img->ppi_y = ppis[i] * 2;
        size_t len;
        uint8_t *data = imgt_encode(img, TERN_IMAGE_JP2, NULL, &len);
        tern_image *back = imgt_decode(data, len, NULL);
        cr_assert(fabs(back->ppi_x - ppis[i]) < 1e-3 * ppis[i], "ppi %f back as %f", ppis[i], back->ppi_x);
        cr_assert(fabs(back->ppi_y - 2 * ppis[i]) < 1e-3 * ppis[i], "ppi_y %f", back->ppi_y);
        if (ppis[i] == floor(ppis[i]))
            cr_assert_eq(back->ppi_x, ppis[i], "whole ppi exactly");
        free(data);
        tern_image_free(back);
        tern_image_free(img);
    }
}

Test(jp2, reference_file_decodes)
{
    TERN_REQUIRE_DATA(path, "an2k/biomeval/img.jp2");
    tern_image *img;
    tern_error err;
    cr_assert_eq(tern_image_read_file(path, NULL, &img, &err), TERN_OK, "%s", err.message);
    cr_assert(img->width > 100 && img->height > 100, "%ux%u", img->width, img->height);
    size_t n = (size_t)img->width * img->height * img->channels;
    unsigned lo = 255, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = img->pixels[i] < lo ? img->pixels[i] : lo;
        hi = img->pixels[i] > hi ? img->pixels[i] : hi;
    }
    cr_assert(hi - lo > 100, "real content: range %u..%u", lo, hi);
    tern_image_free(img);
}

Test(jp2, hostile_files_are_refused)
{
    tern_image *img = imgt_pattern(64, 64, 1, 500);
    tern_image_encode_opts lossless = {.jp2_lossless = 1};
    static const tern_image_format fmts[] = {TERN_IMAGE_JP2, TERN_IMAGE_J2K};
    for (size_t f = 0; f < 2; f++) {
        size_t len;
        uint8_t *data = imgt_encode(img, fmts[f], &lossless, &len);
        for (size_t cut = 12; cut < len - 2; cut += len / 9) {
            tern_image *out = (tern_image *)&out;
            tern_error err;
            tern_status s = tern_image_decode(data, cut, NULL, &out, &err);
            cr_assert(s == TERN_E_TRUNCATED || s == TERN_E_FORMAT, "%s cut at %zu of %zu: %s",
                      tern_image_format_name(fmts[f]), cut, len, tern_status_name(s));
            cr_assert_null(out);
        }
        /* SIZ (FF51 Lsiz(2) Rsiz(2) Xsiz(4) Ysiz(4) XOsiz YOsiz XTsiz YTsiz): declare
         * 100000 x 100000 in one tile. */
        size_t siz = 0;
        while (siz + 14 < len && !(data[siz] == 0xff && data[siz + 1] == 0x51))
            siz++;
        cr_assert(siz + 14 < len);
        imgt_put_be32(data + siz + 6, 100000);
        imgt_put_be32(data + siz + 10, 100000);
        imgt_put_be32(data + siz + 22, 100000);
        imgt_put_be32(data + siz + 26, 100000);
        if (fmts[f] == TERN_IMAGE_JP2) { /* and the JP2 header's ihdr box: HEIGHT WIDTH */
            uint8_t *ihdr = memmem(data, len, "ihdr", 4);
            cr_assert_not_null(ihdr);
            imgt_put_be32(ihdr + 4, 100000);
            imgt_put_be32(ihdr + 8, 100000);
        }
        imgt_expect_failure(data, len, TERN_E_LIMIT, "JPEG 2000 SIZ 100000x100000");
        free(data);
    }
    tern_image_free(img);
}

/* ---- the libraries stay quiet ------------------------------------------------------ */

Test(codecs, hostile_input_prints_nothing_on_stderr)
{
    tern_image *grey = imgt_pattern(48, 40, 1, 500);
    size_t lens[5];
    uint8_t *files[5];
    tern_image_encode_opts lossless = {.jp2_lossless = 1};
    files[0] = imgt_encode(grey, TERN_IMAGE_PNG, NULL, &lens[0]);
    files[1] = imgt_encode(grey, TERN_IMAGE_JPEG, NULL, &lens[1]);
    files[2] = imgt_encode(grey, TERN_IMAGE_JP2, &lossless, &lens[2]);
    files[3] = imgt_encode(grey, TERN_IMAGE_J2K, &lossless, &lens[3]);
    tiff_spec t = {48, 40, 8, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0};
    files[4] = make_tiff(&t, grey, &lens[4]);
    char path[] = "/tmp/tern-test-stderr-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    for (size_t f = 0; f < 5; f++) {
        for (size_t k = 0; k < 40; k++) { /* corrupt a byte at a time, and truncate */
            uint8_t *copy = malloc(lens[f]);
            memcpy(copy, files[f], lens[f]);
            size_t at = 4 + (k * 7919) % (lens[f] - 4);
            copy[at] ^= (uint8_t)(0x5a + k);
            tern_image *img;
            if (tern_image_decode(copy, lens[f], NULL, &img, NULL) == TERN_OK)
                tern_image_free(img);
            if (tern_image_decode(copy, at, NULL, &img, NULL) == TERN_OK)
                tern_image_free(img);
            free(copy);
        }
        free(files[f]);
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    tern_image_free(grey);
    cr_assert_eq(size, 0, "the codec libraries wrote %lld bytes to stderr", (long long)size);
}

Test(tiff, strips_beyond_the_end_are_refused)
{
    tern_image *img = imgt_pattern(40, 40, 1, 0);
    tiff_spec t = {40, 40, 8, 1, PHOTOMETRIC_MINISBLACK, 0, 0, 0};
    size_t len;
    uint8_t *data = make_tiff(&t, img, &len);
    patch_tiff_tag(data, len, TIFFTAG_STRIPOFFSETS, 0x7fff0000u);
    patch_tiff_tag(data, len, TIFFTAG_STRIPBYTECOUNTS, 0x10000u);
    tern_image *out = (tern_image *)&out;
    tern_error err;
    tern_status s = tern_image_decode(data, len, NULL, &out, &err);
    cr_assert(s == TERN_E_FORMAT || s == TERN_E_TRUNCATED, "%s: %s", tern_status_name(s), err.message);
    cr_assert_null(out);
    free(data);
    tern_image_free(img);
}
