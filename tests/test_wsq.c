/* test_wsq.c - Tern's WSQ codec: pixel-identical decoding of the NIST
 * reference decodes in ../shared/data/wsq, header and comment reading, the
 * encoder's round trip (PSNR and bitrate), and clear errors on corrupt
 * input. The reference decodes are 8-bit binary PGMs, read by a tiny P5
 * reader here so that this suite depends on nothing but the WSQ module. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/wsq.h"
#include "tern_test.h"

static const char *const tpcard[] = {
    "idc01_fgp01", "idc02_fgp02", "idc03_fgp03", "idc04_fgp04", "idc05_fgp05",
    "idc06_fgp06", "idc07_fgp07", "idc08_fgp08", "idc09_fgp09", "idc10_fgp10",
    "idc11_fgp14", "idc12_fgp12", "idc13_fgp11", "idc14_fgp13",
};
#define N_TPCARD (sizeof tpcard / sizeof tpcard[0])

/* Minimal binary PGM (P5, maxval 255) reader: header tokens separated by
 * whitespace, comments skipped, one whitespace byte before the raster. */
static size_t pgm_token(const uint8_t *d, size_t len, size_t *pos, long *v)
{
    size_t i = *pos;
    for (;;) {
        while (i < len && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
            i++;
        if (i < len && d[i] == '#') {
            while (i < len && d[i] != '\n')
                i++;
            continue;
        }
        break;
    }
    long x = 0;
    size_t start = i;
    while (i < len && d[i] >= '0' && d[i] <= '9')
        x = x * 10 + (d[i++] - '0');
    *v = x;
    *pos = i;
    return i - start;
}

static uint8_t *read_pgm(const char *path, uint32_t *w, uint32_t *h)
{
    size_t len;
    uint8_t *d = tern_test_read(path, &len);
    cr_assert(len > 2 && d[0] == 'P' && d[1] == '5', "%s is not a binary PGM", path);
    size_t pos = 2;
    long vw, vh, vmax;
    cr_assert(pgm_token(d, len, &pos, &vw) && pgm_token(d, len, &pos, &vh) &&
                  pgm_token(d, len, &pos, &vmax),
              "%s: bad PGM header", path);
    cr_assert_eq(vmax, 255);
    pos++;
    cr_assert(pos + (size_t)vw * vh <= len, "%s: short PGM raster", path);
    uint8_t *px = malloc((size_t)vw * vh);
    memcpy(px, d + pos, (size_t)vw * vh);
    free(d);
    *w = (uint32_t)vw;
    *h = (uint32_t)vh;
    return px;
}

/* Decodes `wsq` and compares with the reference `pgm`, pixel for pixel. */
static void expect_identical(const char *wsq, const char *pgm)
{
    size_t len;
    uint8_t *data = tern_test_read(wsq, &len);
    tern_image *img = NULL;
    tern_error err;
    tern_status s = tern_wsq_decode(data, len, &img, &err);
    cr_assert_eq(s, TERN_OK, "%s: %s", wsq, err.message);
    uint32_t w, h;
    uint8_t *ref = read_pgm(pgm, &w, &h);
    cr_assert_eq(img->width, w, "%s: width", wsq);
    cr_assert_eq(img->height, h, "%s: height", wsq);
    cr_assert_eq(img->channels, 1);
    size_t diff = 0, first = (size_t)-1;
    int maxd = 0;
    for (size_t i = 0; i < (size_t)w * h; i++)
        if (img->pixels[i] != ref[i]) {
            if (first == (size_t)-1)
                first = i;
            diff++;
            int d = abs((int)img->pixels[i] - (int)ref[i]);
            if (d > maxd)
                maxd = d;
        }
    cr_expect_eq(diff, 0,
                 "%s: %zu pixels differ from the NIST decode (first at x=%zu y=%zu, max |d|=%d)",
                 wsq, diff, first == (size_t)-1 ? 0 : first % w, first == (size_t)-1 ? 0 : first / w,
                 maxd);
    free(ref);
    tern_image_free(img);
    free(data);
}

Test(wsq_decode, sample_is_pixel_identical_to_nbis)
{
    TERN_REQUIRE_DATA(wsq, "wsq/sample.wsq");
    TERN_REQUIRE_DATA(pgm, "wsq/sample.nbis.pgm");
    expect_identical(wsq, pgm);
}

Test(wsq_decode, tpcard_prints_are_pixel_identical_to_nbis)
{
    TERN_REQUIRE_DATA(dir, "wsq/tpcard");
    for (size_t i = 0; i < N_TPCARD; i++) {
        char wsq[1200], pgm[1200];
        snprintf(wsq, sizeof wsq, "%s/%s.wsq", dir, tpcard[i]);
        snprintf(pgm, sizeof pgm, "%s/%s.nbis.pgm", dir, tpcard[i]);
        expect_identical(wsq, pgm);
    }
}

/* ---- headers and comments ------------------------------------------------ */

Test(wsq_info, sample_size_resolution_comments_and_bitrate)
{
    TERN_REQUIRE_DATA(wsq, "wsq/sample.wsq");
    TERN_REQUIRE_DATA(pgm, "wsq/sample.nbis.pgm");
    size_t len;
    uint8_t *data = tern_test_read(wsq, &len);
    uint32_t w, h;
    free(read_pgm(pgm, &w, &h));
    tern_wsq_info info;
    tern_error err;
    cr_assert_eq(tern_wsq_info_read(data, len, &info, &err), TERN_OK, "%s", err.message);
    cr_expect_eq(info.width, w);
    cr_expect_eq(info.height, h);
    /* NISTCOM says PPI 500 (and PIX_DEPTH 24, which is ignored). */
    cr_expect_eq(info.ppi, 500.0);
    cr_expect_float_eq(info.bitrate, (double)len * 8.0 / ((double)w * h), 1e-12);
    cr_assert_eq(info.n_comments, 2);
    cr_expect(strncmp(info.comments[0], "NIST_COM", 8) == 0);
    cr_expect(strstr(info.comments[0], "PIX_DEPTH 24") != NULL);
    cr_expect_str_eq(info.comments[1], "Cognaxon");
    tern_wsq_info_free(&info);
    cr_expect_eq(info.n_comments, 0);

    tern_image *img;
    cr_assert_eq(tern_wsq_decode(data, len, &img, &err), TERN_OK, "%s", err.message);
    cr_expect_eq(img->ppi_x, 500.0);
    cr_expect_eq(img->ppi_y, 500.0);
    tern_image_free(img);
    free(data);
}

Test(wsq_info, ppi_255_means_unknown)
{
    TERN_REQUIRE_DATA(dir, "wsq/tpcard");
    int unknown = 0, known = 0;
    for (size_t i = 0; i < N_TPCARD; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s.wsq", dir, tpcard[i]);
        size_t len;
        uint8_t *data = tern_test_read(path, &len);
        tern_wsq_info info;
        tern_error err;
        cr_assert_eq(tern_wsq_info_read(data, len, &info, &err), TERN_OK, "%s: %s", path,
                     err.message);
        cr_assert(info.n_comments >= 1, "%s: no NISTCOM", path);
        if (strstr(info.comments[0], "\nPPI 255\n")) {
            cr_expect_eq(info.ppi, 0.0, "%s: PPI 255 must read as unknown", path);
            unknown++;
        } else {
            cr_expect(strstr(info.comments[0], "\nPPI 500\n") != NULL);
            cr_expect_eq(info.ppi, 500.0, "%s", path);
            known++;
        }
        tern_wsq_info_free(&info);
        free(data);
    }
    cr_expect_eq(unknown, 4, "the data README lists four prints with PPI 255");
    cr_expect_eq(known, 10);
}

/* ---- corrupt input --------------------------------------------------------- */

/* Offset of the first marker `m` in a WSQ file, walking the segments from SOI
 * (the reference files have no marker inside entropy data before it). */
static size_t find_marker(const uint8_t *d, size_t len, uint16_t m)
{
    size_t i = 2;
    while (i + 4 <= len) {
        uint16_t mk = (uint16_t)(d[i] << 8 | d[i + 1]);
        if (mk == m)
            return i;
        if (mk == 0xffa3) /* SOB: skip entropy data to the next marker */
        {
            i += 2 + (size_t)(d[i + 2] << 8 | d[i + 3]);
            while (i + 1 < len && !(d[i] == 0xff && d[i + 1] != 0))
                i++;
            continue;
        }
        i += 2 + (size_t)(d[i + 2] << 8 | d[i + 3]);
    }
    cr_assert_fail("marker 0x%04x not found", m);
    return 0;
}

typedef struct corrupt_case {
    tern_status status;
    const char *must_contain; /* in the message */
} corrupt_case;

static void expect_error(const uint8_t *d, size_t len, tern_status want, const char *needle,
                         const char *what)
{
    tern_image *img = (tern_image *)1;
    tern_error err;
    tern_error_clear(&err);
    tern_status s = tern_wsq_decode(d, len, &img, &err);
    cr_expect_eq(s, want, "%s: got %s (%s)", what, tern_status_name(s), err.message);
    cr_expect_null(img, "%s: output must be NULL on failure", what);
    cr_expect(strstr(err.message, needle) != NULL, "%s: message \"%s\" lacks \"%s\"", what,
              err.message, needle);
}

static uint8_t *sample_bytes(size_t *len)
{
    char path[1024];
    if (!tern_test_data_path("wsq/sample.wsq", path, sizeof path))
        cr_skip_test("reference data wsq/sample.wsq not found: skipping");
    return tern_test_read(path, len);
}

Test(wsq_errors, every_truncation_fails_cleanly)
{
    size_t len;
    uint8_t *full = sample_bytes(&len);
    size_t step = 1;
#ifdef TERN_SANITIZED
    step = 7;
#endif
    for (size_t cut = 0; cut < len; cut += (cut < 1200 ? step : 97)) {
        uint8_t *d = malloc(cut ? cut : 1); /* exact size: ASan sees any overread */
        memcpy(d, full, cut);
        tern_image *img = NULL;
        tern_error err;
        tern_status s = tern_wsq_decode(d, cut, &img, &err);
        cr_assert_neq(s, TERN_OK, "truncated to %zu bytes yet decoded", cut);
        cr_assert_null(img);
        cr_assert(cut < 2 || strstr(err.message, "byte offset") != NULL,
                  "cut %zu: message \"%s\" names no offset", cut, err.message);
        tern_wsq_info info;
        cr_assert_neq(tern_wsq_info_read(d, cut, &info, &err), TERN_OK);
        free(d);
    }
    free(full);
}

Test(wsq_errors, corrupt_headers_name_marker_and_offset)
{
    size_t len;
    uint8_t *orig = sample_bytes(&len);
    uint8_t *d = malloc(len);
    char want[128];

    /* A huge declared size is refused before any allocation. */
    memcpy(d, orig, len);
    size_t sof = find_marker(d, len, 0xffa2);
    d[sof + 6] = d[sof + 7] = d[sof + 8] = d[sof + 9] = 0xff;
    snprintf(want, sizeof want, "SOF marker at byte offset %zu", sof);
    expect_error(d, len, TERN_E_LIMIT, want, "65535x65535 frame");

    /* A block that names a Huffman table never defined. */
    memcpy(d, orig, len);
    size_t sob = find_marker(d, len, 0xffa3);
    d[sob + 4] = 5;
    snprintf(want, sizeof want, "SOB marker at byte offset %zu: Huffman table 5", sob);
    expect_error(d, len, TERN_E_FORMAT, want, "undefined table");

    /* No quantization table: the DQT marker turned into a comment. */
    memcpy(d, orig, len);
    size_t dqt = find_marker(d, len, 0xffa5);
    d[dqt + 1] = 0xa8;
    expect_error(d, len, TERN_E_FORMAT, "before the quantization table (DQT)", "no DQT");

    /* Wrong order: without its SOF (turned into a comment) the block comes first. */
    memcpy(d, orig, len);
    d[sof + 1] = 0xa8;
    expect_error(d, len, TERN_E_FORMAT, "block before the frame header (SOF)", "no SOF");

    /* A zero-length segment. */
    memcpy(d, orig, len);
    size_t com = find_marker(d, len, 0xffa8);
    d[com + 2] = d[com + 3] = 0;
    snprintf(want, sizeof want, "COM marker at byte offset %zu: segment length 0", com);
    expect_error(d, len, TERN_E_FORMAT, want, "zero-length COM");

    /* A segment whose length runs past the end of the file. */
    memcpy(d, orig, len);
    size_t dht = find_marker(d, len, 0xffa6);
    d[dht + 2] = d[dht + 3] = 0xff;
    snprintf(want, sizeof want, "DHT marker at byte offset %zu", dht);
    expect_error(d, len, TERN_E_TRUNCATED, want, "overlong DHT");

    /* Huffman counts that over-subscribe the code space. */
    memcpy(d, orig, len);
    d[dht + 5] = (uint8_t)(d[dht + 5] + d[dht + 7]); /* codes of length 3 become length 1 */
    d[dht + 7] = 0;
    expect_error(d, len, TERN_E_FORMAT, "over-subscribe", "bad code counts");

    /* A DQT shorter than its 64 subbands: its length no longer covers them. */
    memcpy(d, orig, len);
    d[dqt + 3] = (uint8_t)(d[dqt + 3] - 6);
    expect_error(d, len, TERN_E_TRUNCATED, "WSQ DQT segment", "short DQT");

    /* An unknown marker where a segment should start. */
    memcpy(d, orig, len);
    d[dht] = 0x12;
    snprintf(want, sizeof want, "expected a marker at byte offset %zu", dht);
    expect_error(d, len, TERN_E_FORMAT, want, "garbage marker");

    /* Not a WSQ file at all. */
    expect_error((const uint8_t *)"\x89PNG\r\n", 6, TERN_E_FORMAT, "no SOI", "PNG bytes");
    free(d);
    free(orig);
}

Test(wsq_errors, corrupt_entropy_data)
{
    size_t len;
    uint8_t *orig = sample_bytes(&len);
    uint8_t *d = malloc(len);
    size_t sob = find_marker(orig, len, 0xffa3);

    /* Sixteen one-bits (stuffed 0xff 0x00 pairs) are never a code. */
    memcpy(d, orig, len);
    for (size_t i = sob + 5; i < sob + 5 + 8; i += 2) {
        d[i] = 0xff;
        d[i + 1] = 0x00;
    }
    expect_error(d, len, TERN_E_FORMAT, "undefined Huffman code", "all-ones code");

    /* Fewer subbands transmitted (bin widths zeroed) than the data holds:
     * the coefficients overrun the image. */
    memcpy(d, orig, len);
    size_t dqt = find_marker(d, len, 0xffa5);
    for (int b = 0; b < 64; b++) {
        size_t q = dqt + 4 + 3 + (size_t)b * 6;
        d[q + 1] = d[q + 2] = 0;
    }
    expect_error(d, len, TERN_E_FORMAT, "overruns the image", "overrun");

    /* A block whose data ends early (EOI put in its middle): a clear error,
     * either for the missing coefficients or for a marker inside an escape. */
    int missing = 0;
    for (size_t at = sob + 40; at < sob + 80; at++) {
        memcpy(d, orig, len);
        d[at] = 0xff;
        d[at + 1] = 0xa1;
        tern_image *img = NULL;
        tern_error err;
        cr_expect_eq(tern_wsq_decode(d, len, &img, &err), TERN_E_FORMAT, "EOI at %zu", at);
        cr_expect_null(img);
        if (strstr(err.message, "image data ends after"))
            missing++;
        else
            cr_expect(strstr(err.message, "inside an escaped value"), "%s", err.message);
    }
    cr_expect_gt(missing, 0);
    free(d);
    free(orig);
}

/* ---- encoder ------------------------------------------------------------------ */

static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        se += d * d;
    }
    return se == 0 ? INFINITY : 10.0 * log10(255.0 * 255.0 / (se / (double)n));
}

/* Encodes a grey image at `rate`, decodes it; returns PSNR, fills bpp. */
static double round_trip(const uint8_t *px, uint32_t w, uint32_t h, double ppi, double rate,
                         double *bpp)
{
    tern_image *img;
    tern_error err;
    cr_assert_eq(tern_image_create(w, h, 1, &img, &err), TERN_OK);
    memcpy(img->pixels, px, (size_t)w * h);
    img->ppi_x = img->ppi_y = ppi;
    uint8_t *data;
    size_t len;
    cr_assert_eq(tern_wsq_encode(img, rate, "made by test_wsq", &data, &len, &err), TERN_OK, "%s",
                 err.message);
    tern_image *back;
    cr_assert_eq(tern_wsq_decode(data, len, &back, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(back->width, w);
    cr_assert_eq(back->height, h);
    cr_expect_eq(back->ppi_x, ppi > 0 ? ppi : 0.0);
    tern_wsq_info info;
    cr_assert_eq(tern_wsq_info_read(data, len, &info, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(info.n_comments, 2);
    cr_expect(strstr(info.comments[0], "NIST_COM 9\nPIX_WIDTH ") == info.comments[0]);
    cr_expect(strstr(info.comments[0], "\nPIX_DEPTH 8\n") != NULL);
    cr_expect(strstr(info.comments[0], "\nCOMPRESSION WSQ\n") != NULL);
    cr_expect(strstr(info.comments[0], ppi > 0 ? "\nPPI 500\n" : "\nPPI -1\n") != NULL, "%s",
              info.comments[0]);
    cr_expect_str_eq(info.comments[1], "made by test_wsq");
    tern_wsq_info_free(&info);
    *bpp = (double)len * 8.0 / ((double)w * h);
    double p = psnr(px, back->pixels, (size_t)w * h);
    tern_image_free(img);
    tern_image_free(back);
    free(data);
    return p;
}

Test(wsq_encode, tpcard_round_trip_quality_and_bitrate)
{
    TERN_REQUIRE_DATA(dir, "wsq/tpcard");
    size_t n = N_TPCARD;
#ifdef TERN_SANITIZED
    n = 3;
#endif
    for (size_t i = 0; i < n; i++) {
        char pgm[1200];
        snprintf(pgm, sizeof pgm, "%s/%s.nbis.pgm", dir, tpcard[i]);
        uint32_t w, h;
        uint8_t *px = read_pgm(pgm, &w, &h);
        double bpp;
        double p = round_trip(px, w, h, 500, 0.75, &bpp);
        cr_log_info("%s %ux%u: %.2f dB at %.3f bpp (ratio %.1f:1)", tpcard[i], w, h, p, bpp,
                    8.0 / bpp);
        /* Re-encoding a WSQ decode at the rate it was made with is nearly
         * lossless (measured 39.1..46.4 dB); the spec's rate control gives
         * 0.46..0.57 bpp for a nominal 0.75, like the NIST encoder (~15:1). */
        cr_expect_geq(p, 36.0, "%s: PSNR %.2f dB", tpcard[i], p);
        cr_expect(bpp >= 0.55 * 0.75 && bpp <= 1.05 * 0.75, "%s: %.3f bpp for 0.75", tpcard[i],
                  bpp);
        free(px);
    }
}

#include "tern/synth.h"

/* Tern's own synthetic impressions: never WSQ-coded before, so this measures
 * the codec's real loss (measured 32.3..35.4 dB at 0.75, 41.8..45.9 dB at
 * 2.25 for these seeds). */
Test(wsq_encode, synthetic_prints_quality_and_bitrate)
{
    static const struct {
        double rate, floor_db;
    } cases[] = {{0.75, 30.0}, {2.25, 38.0}};
    for (uint64_t seed = 1; seed <= 3; seed++) {
        tern_synth_master *m;
        tern_image *im;
        tern_error err;
        cr_assert_eq(tern_synth_master_create(seed, NULL, &m, &err), TERN_OK, "%s", err.message);
        cr_assert_eq(tern_synth_impression(m, seed, NULL, &im, &err), TERN_OK, "%s", err.message);
        for (size_t c = 0; c < 2; c++) {
            double bpp;
            double p = round_trip(im->pixels, im->width, im->height, 500, cases[c].rate, &bpp);
            cr_log_info("synthetic %u: %.2f dB at %.3f bpp (nominal %.2f)", (unsigned)seed, p, bpp,
                        cases[c].rate);
            cr_expect_geq(p, cases[c].floor_db, "seed %u rate %.2f: %.2f dB", (unsigned)seed,
                          cases[c].rate, p);
            /* prints on a smooth background undershoot the target: FVC2002
             * DB4's first impressions come out at 0.49..0.63 bpp for 0.75,
             * a generated print over a third of the frame at 0.37 */
            cr_expect(bpp >= 0.45 * cases[c].rate && bpp <= 1.05 * cases[c].rate,
                      "seed %u: %.3f bpp for %.2f", (unsigned)seed, bpp, cases[c].rate);
        }
        tern_image_free(im);
        tern_synth_master_free(m);
    }
}

/* Odd sizes exercise every split parity; the smallest side is 49 pixels. */
Test(wsq_encode, odd_sizes_round_trip_and_tiny_images_are_refused)
{
    static const uint32_t sizes[][2] = {{49, 49}, {101, 77}, {257, 263}, {64, 1001}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint32_t w = sizes[i][0], h = sizes[i][1];
        uint8_t *px = malloc((size_t)w * h);
        for (uint32_t y = 0; y < h; y++)
            for (uint32_t x = 0; x < w; x++)
                px[(size_t)y * w + x] =
                    (uint8_t)(128 + 100 * sin(x * 0.7 + y * 0.3) * cos(y * 0.05));
        double bpp;
        double p = round_trip(px, w, h, 0, 2.25, &bpp);
        cr_expect_geq(p, 30.0, "%ux%u: %.2f dB", w, h, p);
        free(px);
    }
    tern_image *img;
    tern_error err;
    cr_assert_eq(tern_image_create(48, 300, 1, &img, &err), TERN_OK);
    uint8_t *data = NULL;
    size_t len = 0;
    cr_expect_eq(tern_wsq_encode(img, 0, NULL, &data, &len, &err), TERN_E_UNSUPPORTED);
    cr_expect(strstr(err.message, "too small") != NULL, "%s", err.message);
    cr_expect_null(data);
    tern_image_free(img);
}

/* A constant image has no variance in any subband: nothing is transmitted
 * but the mean, and it decodes back exactly. RGB input is coded as grey. */
Test(wsq_encode, flat_and_rgb_images)
{
    tern_image *img, *back;
    tern_error err;
    cr_assert_eq(tern_image_create(120, 90, 1, &img, &err), TERN_OK);
    memset(img->pixels, 77, 120 * 90);
    uint8_t *data;
    size_t len;
    cr_assert_eq(tern_wsq_encode(img, 0, NULL, &data, &len, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_wsq_decode(data, len, &back, &err), TERN_OK, "%s", err.message);
    cr_expect_eq(back->ppi_x, 0.0, "unknown resolution stays unknown");
    for (size_t i = 0; i < 120 * 90; i++)
        cr_assert_eq(back->pixels[i], 77, "pixel %zu", i);
    tern_image_free(back);
    tern_image_free(img);
    free(data);

    cr_assert_eq(tern_image_create(100, 100, 3, &img, &err), TERN_OK);
    for (size_t i = 0; i < 100 * 100; i++) {
        img->pixels[3 * i] = (uint8_t)(i % 100 * 2);
        img->pixels[3 * i + 1] = (uint8_t)(i / 100 * 2);
        img->pixels[3 * i + 2] = 128;
    }
    cr_assert_eq(tern_wsq_encode(img, 1.5, NULL, &data, &len, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_wsq_decode(data, len, &back, &err), TERN_OK, "%s", err.message);
    cr_expect_eq(back->channels, 1);
    tern_image_free(back);
    tern_image_free(img);
    free(data);
}

/* The file follows the reference encoder's segment order. */
Test(wsq_encode, segment_order)
{
    tern_image *img;
    tern_error err;
    cr_assert_eq(tern_image_create(200, 160, 1, &img, &err), TERN_OK);
    for (size_t i = 0; i < 200 * 160; i++)
        img->pixels[i] = (uint8_t)((i * 2654435761u) >> 24);
    uint8_t *d;
    size_t len;
    cr_assert_eq(tern_wsq_encode(img, 0.75, NULL, &d, &len, &err), TERN_OK, "%s", err.message);
    static const uint16_t want[] = {0xffa8, 0xffa4, 0xffa5, 0xffa2, 0xffa6, 0xffa3,
                                    0xffa6, 0xffa3, 0xffa3, 0xffa1};
    cr_assert_eq(d[0], 0xff);
    cr_assert_eq(d[1], 0xa0);
    size_t at = 2;
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        uint16_t m = (uint16_t)(d[at] << 8 | d[at + 1]);
        cr_assert_eq(m, want[k], "segment %zu: 0x%04x, expected 0x%04x", k, m, want[k]);
        if (m == 0xffa1)
            break;
        at += 2 + (size_t)(d[at + 2] << 8 | d[at + 3]);
        if (m == 0xffa3)
            while (at + 1 < len && !(d[at] == 0xff && d[at + 1] != 0))
                at++;
    }
    cr_expect_eq(at + 2, len, "EOI ends the file");
    free(d);
    tern_image_free(img);
}

/* ---- syntax variations a conformant decoder must accept -------------------- */

static uint8_t *splice(const uint8_t *d, size_t len, size_t at, size_t drop, const uint8_t *ins,
                       size_t nins, size_t *out_len)
{
    *out_len = len - drop + nins;
    uint8_t *o = malloc(*out_len);
    memcpy(o, d, at);
    if (nins)
        memcpy(o + at, ins, nins);
    memcpy(o + at + nins, d + at + drop, len - at - drop);
    return o;
}

static void expect_same_decode(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                               const char *what)
{
    tern_image *ia, *ib;
    tern_error err;
    cr_assert_eq(tern_wsq_decode(a, alen, &ia, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_wsq_decode(b, blen, &ib, &err), TERN_OK, "%s: %s", what, err.message);
    cr_assert_eq(ia->width, ib->width);
    cr_assert_eq(ia->height, ib->height);
    cr_expect(memcmp(ia->pixels, ib->pixels, (size_t)ia->width * ia->height) == 0,
              "%s: pixels differ", what);
    tern_image_free(ia);
    tern_image_free(ib);
}

Test(wsq_syntax, comment_after_the_blocks_and_two_tables_in_one_dht)
{
    size_t len;
    uint8_t *orig = sample_bytes(&len);

    /* A COM between the last block and EOI. */
    static const uint8_t com[] = {0xff, 0xa8, 0x00, 0x07, 'l', 'a', 't', 'e', '!'};
    size_t l2;
    uint8_t *d = splice(orig, len, len - 2, 0, com, sizeof com, &l2);
    tern_wsq_info info;
    tern_error err;
    cr_assert_eq(tern_wsq_info_read(d, l2, &info, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(info.n_comments, 3);
    cr_expect_str_eq(info.comments[2], "late!");
    tern_wsq_info_free(&info);
    expect_same_decode(orig, len, d, l2, "late COM");
    free(d);
    free(orig);

    /* Tern's encoder writes one DHT per table; merged into one segment
     * before the first block, the file must decode the same. */
    tern_image *img;
    cr_assert_eq(tern_image_create(300, 220, 1, &img, &err), TERN_OK);
    for (size_t i = 0; i < 300 * 220; i++)
        img->pixels[i] = (uint8_t)(128 + 90 * sin((double)(i % 300) * 0.6) * cos((double)(i / 300) * 0.2));
    uint8_t *enc;
    size_t elen;
    cr_assert_eq(tern_wsq_encode(img, 1.0, NULL, &enc, &elen, &err), TERN_OK, "%s", err.message);
    tern_image_free(img);
    size_t dht0 = find_marker(enc, elen, 0xffa6);
    size_t sob0 = find_marker(enc, elen, 0xffa3);
    size_t dht1 = sob0 + 5;
    while (!(enc[dht1] == 0xff && enc[dht1 + 1] != 0))
        dht1++;
    cr_assert_eq(enc[dht1 + 1], 0xa6, "a DHT follows block 1");
    size_t len0 = (size_t)(enc[dht0 + 2] << 8 | enc[dht0 + 3]);
    size_t len1 = (size_t)(enc[dht1 + 2] << 8 | enc[dht1 + 3]);
    /* Drop DHT 1, then append its table to DHT 0 and fix DHT 0's length. */
    size_t l3, l4;
    uint8_t *no1 = splice(enc, elen, dht1, 2 + len1, NULL, 0, &l3);
    uint8_t *both = splice(no1, l3, dht0 + 2 + len0, 0, enc + dht1 + 4, len1 - 2, &l4);
    both[dht0 + 2] = (uint8_t)((len0 + len1 - 2) >> 8);
    both[dht0 + 3] = (uint8_t)(len0 + len1 - 2);
    expect_same_decode(enc, elen, both, l4, "merged DHT");
    free(no1);
    free(both);
    free(enc);
}
