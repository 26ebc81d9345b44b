/* test_image.c - format recognition and dispatch, PNG, PGM, raw grey,
 * resolution rules, resampling, and WSQ through the dispatch. Round trips use
 * Tern's own test pattern; reference files come from ../shared/data. The
 * TIFF, JPEG and JPEG 2000 codecs are tested in test_image_codecs.c. */
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_test_util.h"
#include "tern/bytes.h"
#include "tern/image.h"
#include "tern_test.h"

/* ---- names, extensions, magic ------------------------------------------------ */

Test(image_format, names_extensions_and_magic)
{
    cr_assert_str_eq(tern_image_format_name(TERN_IMAGE_WSQ), "wsq");
    cr_assert_str_eq(tern_image_format_name(TERN_IMAGE_JPEG), "jpeg");
    cr_assert_str_eq(tern_image_format_name((tern_image_format)99), "unknown");
    cr_assert_eq(tern_image_format_from_path("a/b.c/print.WSQ"), TERN_IMAGE_WSQ);
    cr_assert_eq(tern_image_format_from_path("x.jpeg"), TERN_IMAGE_JPEG);
    cr_assert_eq(tern_image_format_from_path("x.tif"), TERN_IMAGE_TIFF);
    cr_assert_eq(tern_image_format_from_path("x.j2k"), TERN_IMAGE_J2K);
    cr_assert_eq(tern_image_format_from_path("dir.png/x"), TERN_IMAGE_UNKNOWN);
    cr_assert_eq(tern_image_format_from_path("x.gif"), TERN_IMAGE_UNKNOWN);
    static const struct {
        const char *bytes;
        size_t n;
        tern_image_format fmt;
    } magic[] = {
        {"\xff\xa0\xff\xa8", 4, TERN_IMAGE_WSQ},
        {"\xff\xd8\xff\xe0", 4, TERN_IMAGE_JPEG},
        {"\0\0\0\x0cjP  \r\n\x87\n", 12, TERN_IMAGE_JP2},
        {"\xff\x4f\xff\x51", 4, TERN_IMAGE_J2K},
        {"\x89PNG\r\n\x1a\n", 8, TERN_IMAGE_PNG},
        {"II*\0", 4, TERN_IMAGE_TIFF},
        {"MM\0*", 4, TERN_IMAGE_TIFF},
        {"P5\n", 3, TERN_IMAGE_PGM},
        {"P2 ", 3, TERN_IMAGE_PGM},
        {"P6\n", 3, TERN_IMAGE_UNKNOWN},
        {"\x89PN", 3, TERN_IMAGE_UNKNOWN},
        {"", 0, TERN_IMAGE_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
        cr_assert_eq(tern_image_sniff((const uint8_t *)magic[i].bytes, magic[i].n), magic[i].fmt,
                     "magic %zu", i);
}

Test(image_format, bad_magic_and_empty_input_are_refused)
{
    imgt_expect_failure((const uint8_t *)"GIF89a......", 12, TERN_E_FORMAT, "GIF");
    imgt_expect_failure((const uint8_t *)"", 0, TERN_E_TRUNCATED, "zero bytes");
    tern_image *img;
    tern_image_decode_opts raw = {.format = TERN_IMAGE_RAW};
    cr_assert_eq(tern_image_decode((const uint8_t *)"abcd", 4, &raw, &img, NULL), TERN_E_ARG,
                 "raw without a size");
}

/* ---- PNG ---------------------------------------------------------------------- */

Test(png, grey_and_colour_round_trip_exactly_with_resolution)
{
    for (uint32_t ch = 1; ch <= 3; ch += 2) {
        tern_image *img = imgt_pattern(97, 61, ch, 500);
        size_t len;
        uint8_t *data = imgt_encode(img, TERN_IMAGE_PNG, NULL, &len);
        cr_assert_eq(tern_image_sniff(data, len), TERN_IMAGE_PNG);
        tern_image *back = imgt_decode(data, len, NULL);
        cr_assert_eq(back->channels, ch);
        cr_assert(isinf(imgt_psnr(img, back)), "PNG is lossless");
        cr_assert_eq(back->ppi_x, 500.0, "pHYs 19685 ppm reads back as 500 ppi, got %f", back->ppi_x);
        cr_assert_eq(back->ppi_y, 500.0);
        free(data);
        tern_image_free(back);
        tern_image_free(img);
    }
}

Test(png, unknown_resolution_stays_unknown_and_override_applies)
{
    tern_image *img = imgt_pattern(40, 30, 1, 0);
    size_t len;
    uint8_t *data = imgt_encode(img, TERN_IMAGE_PNG, NULL, &len);
    tern_image *back = imgt_decode(data, len, NULL);
    cr_assert_eq(back->ppi_x, 0.0, "no pHYs: unknown, never 72");
    tern_image_free(back);
    tern_image_decode_opts opts = {.ppi = 569};
    back = imgt_decode(data, len, &opts);
    cr_assert_eq(back->ppi_x, 569.0);
    cr_assert_eq(back->ppi_y, 569.0);
    tern_image_free(back);
    img->ppi_x = img->ppi_y = 333.3;
    free(data);
    data = imgt_encode(img, TERN_IMAGE_PNG, NULL, &len);
    back = imgt_decode(data, len, NULL);
    cr_assert(fabs(back->ppi_x - 333.3) < 0.02, "non-integer ppi %f", back->ppi_x);
    tern_image_free(back);
    free(data);
    tern_image_free(img);
}

Test(png, reference_sample_decodes_identically_to_the_nbis_pgm)
{
    TERN_REQUIRE_DATA(png_path, "wsq/sample.png");
    TERN_REQUIRE_DATA(pgm_path, "wsq/sample.nbis.pgm");
    tern_image *png, *pgm, *grey;
    tern_error err;
    cr_assert_eq(tern_image_read_file(png_path, NULL, &png, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_image_read_file(pgm_path, NULL, &pgm, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(png->width, 545);
    cr_assert_eq(png->height, 622);
    cr_assert_eq(tern_image_to_grey(png, &grey, &err), TERN_OK);
    unsigned maxd;
    double p;
    cr_assert_eq(tern_image_compare(grey, pgm, &p, &maxd, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(maxd, 0, "pixel-identical (max difference %u)", maxd);
    tern_image_free(grey);
    tern_image_free(png);
    tern_image_free(pgm);
}

/* ---- PNG layouts, written with libpng itself -------------------------------------- */

static void grow(png_structp png, png_bytep p, size_t n)
{
    tern_buf_put(png_get_io_ptr(png), p, n);
}

static void no_flush(png_structp png) { (void)png; }

/* A PNG of `rows` (already packed in the layout's bit depth, big-endian
 * samples) with optional palette and Adam7 interlacing. */
static uint8_t *write_png(uint32_t w, uint32_t h, int color, int depth, const uint8_t *rows,
                          size_t rowbytes, const png_color *palette, int npalette, int interlace,
                          size_t *len)
{
    tern_buf b = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    cr_assert(png && info);
    png_set_write_fn(png, &b, grow, no_flush);
    png_set_IHDR(png, info, w, h, depth, color, interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette)
        png_set_PLTE(png, info, palette, npalette);
    png_bytep *ptrs = malloc(h * sizeof *ptrs);
    for (uint32_t y = 0; y < h; y++)
        ptrs[y] = (png_bytep)rows + y * rowbytes;
    png_set_rows(png, info, ptrs);
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    png_destroy_write_struct(&png, &info);
    free(ptrs);
    cr_assert_eq(tern_buf_status(&b, NULL), TERN_OK);
    return tern_buf_take(&b, len);
}

Test(png, bit_depths_palettes_alpha_and_interlacing_become_8_bits)
{
    enum { W = 13, H = 5 };
    uint8_t rows[H][W * 8];
    size_t len;
    tern_image *img;
    /* 1-bit grey: a checkerboard, unpacked to 0/255. */
    memset(rows, 0, sizeof rows);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if ((x + y) % 2)
                rows[y][x / 8] |= (uint8_t)(0x80 >> (x % 8));
    uint8_t *data = write_png(W, H, PNG_COLOR_TYPE_GRAY, 1, &rows[0][0], sizeof rows[0], NULL, 0, 0, &len);
    img = imgt_decode(data, len, NULL);
    cr_assert_eq(img->channels, 1);
    for (int i = 0; i < W * H; i++)
        cr_assert_eq(img->pixels[i], ((i % W) + (i / W)) % 2 ? 255 : 0, "1-bit pixel %d", i);
    tern_image_free(img);
    free(data);
    /* 2-bit grey: 0..3 scale to 0, 85, 170, 255. */
    memset(rows, 0, sizeof rows);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            rows[y][x / 4] |= (uint8_t)((x % 4) << (6 - 2 * (x % 4)));
    data = write_png(W, H, PNG_COLOR_TYPE_GRAY, 2, &rows[0][0], sizeof rows[0], NULL, 0, 1, &len);
    img = imgt_decode(data, len, NULL);
    for (int i = 0; i < W * H; i++)
        cr_assert_eq(img->pixels[i], (i % W) % 4 * 85, "2-bit pixel %d (interlaced)", i);
    tern_image_free(img);
    free(data);
    /* 16-bit grey: v scales to round(v * 255 / 65535). */
    static const uint16_t wide[4] = {0, 0x8000, 0x00ff, 0xffff}; /* 0x00ff: 1, not 0 */
    static const uint8_t want16[4] = {0, 128, 1, 255};
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            rows[y][2 * x] = (uint8_t)(wide[x % 4] >> 8), rows[y][2 * x + 1] = (uint8_t)wide[x % 4];
    data = write_png(W, H, PNG_COLOR_TYPE_GRAY, 16, &rows[0][0], sizeof rows[0], NULL, 0, 0, &len);
    img = imgt_decode(data, len, NULL);
    for (int i = 0; i < W * H; i++)
        cr_assert_eq(img->pixels[i], want16[(i % W) % 4], "16-bit pixel %d: %u", i, img->pixels[i]);
    tern_image_free(img);
    free(data);
    /* Grey + alpha, 8-bit: alpha dropped. */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            rows[y][2 * x] = (uint8_t)(x * 19), rows[y][2 * x + 1] = (uint8_t)(y * 60);
    data = write_png(W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 8, &rows[0][0], sizeof rows[0], NULL, 0, 0, &len);
    img = imgt_decode(data, len, NULL);
    cr_assert_eq(img->channels, 1);
    for (int i = 0; i < W * H; i++)
        cr_assert_eq(img->pixels[i], (i % W) * 19);
    tern_image_free(img);
    free(data);
    /* 4-bit palette: expanded to RGB. */
    png_color pal[16];
    for (int k = 0; k < 16; k++)
        pal[k] = (png_color){(png_byte)(k * 16), (png_byte)(255 - k), (png_byte)(k * 3)};
    memset(rows, 0, sizeof rows);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            rows[y][x / 2] |= (uint8_t)(((x + y) % 16) << (x % 2 ? 0 : 4));
    data = write_png(W, H, PNG_COLOR_TYPE_PALETTE, 4, &rows[0][0], sizeof rows[0], pal, 16, 0, &len);
    img = imgt_decode(data, len, NULL);
    cr_assert_eq(img->channels, 3);
    for (int i = 0; i < W * H; i++) {
        const png_color *c = &pal[((i % W) + (i / W)) % 16];
        cr_assert(img->pixels[3 * i] == c->red && img->pixels[3 * i + 1] == c->green &&
                  img->pixels[3 * i + 2] == c->blue, "palette pixel %d", i);
    }
    tern_image_free(img);
    free(data);
    /* RGBA 16-bit: alpha dropped, samples scaled. */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 4; c++)
                rows[y][8 * x + 2 * c] = (uint8_t)(wide[(x + c) % 4] >> 8),
                rows[y][8 * x + 2 * c + 1] = (uint8_t)wide[(x + c) % 4];
    data = write_png(W, H, PNG_COLOR_TYPE_RGB_ALPHA, 16, &rows[0][0], sizeof rows[0], NULL, 0, 0, &len);
    img = imgt_decode(data, len, NULL);
    cr_assert_eq(img->channels, 3);
    for (int i = 0; i < W * H; i++)
        for (int c = 0; c < 3; c++)
            cr_assert_eq(img->pixels[3 * i + c], want16[((i % W) + c) % 4], "RGBA16 pixel %d", i);
    tern_image_free(img);
    free(data);
}

/* A valid 1x1 PNG whose IHDR is then rewritten to declare w x h. */
static uint8_t *png_with_size(uint32_t w, uint32_t h, size_t *len)
{
    tern_image *img = imgt_pattern(1, 1, 1, 0);
    uint8_t *data = imgt_encode(img, TERN_IMAGE_PNG, NULL, len);
    tern_image_free(img);
    cr_assert(memcmp(data + 12, "IHDR", 4) == 0);
    imgt_put_be32(data + 16, w);
    imgt_put_be32(data + 20, h);
    imgt_put_be32(data + 29, imgt_crc32(data + 12, 17));
    return data;
}

Test(png, hostile_files_are_refused)
{
    size_t len;
    uint8_t *bomb = png_with_size(100000, 100000, &len);
    imgt_expect_failure(bomb, len, TERN_E_LIMIT, "PNG IHDR 100000x100000");
    free(bomb);
    bomb = png_with_size(30000, 30000, &len); /* each side allowed, the area not */
    imgt_expect_failure(bomb, len, TERN_E_LIMIT, "PNG IHDR 30000x30000");
    free(bomb);
    tern_image *img = imgt_pattern(64, 64, 1, 500);
    uint8_t *data = imgt_encode(img, TERN_IMAGE_PNG, NULL, &len);
    for (size_t cut = 8; cut < len; cut += len / 7)
        imgt_expect_failure(data, cut, TERN_E_TRUNCATED, "truncated PNG");
    size_t idat = 8;
    while (idat + 12 < len && memcmp(data + idat + 4, "IDAT", 4) != 0)
        idat += 12 + ((size_t)data[idat] << 24 | (size_t)data[idat + 1] << 16 |
                      (size_t)data[idat + 2] << 8 | data[idat + 3]);
    cr_assert(idat + 12 < len, "an IDAT chunk");
    data[idat + 10] ^= 0x55; /* a byte of compressed data: the CRC no longer matches */
    imgt_expect_failure(data, len, TERN_E_FORMAT, "corrupt PNG");
    free(data);
    tern_image_free(img);
}

/* ---- PGM and raw ------------------------------------------------------------- */

Test(pgm, round_trip_and_variants)
{
    tern_image *img = imgt_pattern(33, 17, 1, 500);
    size_t len;
    tern_image_encode_opts eo = {.comment = "made by Tern"};
    uint8_t *data = imgt_encode(img, TERN_IMAGE_PGM, &eo, &len);
    tern_image *back = imgt_decode(data, len, NULL);
    cr_assert(isinf(imgt_psnr(img, back)));
    cr_assert_eq(back->ppi_x, 0.0, "PGM carries no resolution");
    tern_image_free(back);
    free(data);
    tern_image_free(img);

    const char plain[] = "P2\n# a comment\n3 2\n# another\n4\n0 1 2\n3 4 4\n";
    back = imgt_decode((const uint8_t *)plain, sizeof plain - 1, NULL);
    const uint8_t want[] = {0, 64, 128, 191, 255, 255};
    cr_assert_arr_eq(back->pixels, want, 6);
    tern_image_free(back);

    const uint8_t wide[] = "P5 2 1 65535\n\xff\xff\x80\x00";
    back = imgt_decode(wide, sizeof wide - 1, NULL);
    cr_assert_eq(back->pixels[0], 255);
    cr_assert_eq(back->pixels[1], 128, "16-bit 0x8000 scales to 128, got %u", back->pixels[1]);
    tern_image_free(back);

    imgt_expect_failure((const uint8_t *)"P5 2 2 255\n\1\2\3", 14, TERN_E_TRUNCATED, "short PGM");
    imgt_expect_failure((const uint8_t *)"P5 2 x", 6, TERN_E_FORMAT, "PGM without height");
    imgt_expect_failure((const uint8_t *)"P5 2 2 70000\n", 13, TERN_E_FORMAT, "PGM maxval");
    imgt_expect_failure((const uint8_t *)"P5 100000 100000 255\n", 21, TERN_E_LIMIT, "PGM bomb");
    imgt_expect_failure((const uint8_t *)"P2 2 1 9 5 10", 13, TERN_E_FORMAT, "sample > maxval");
}

Test(raw, needs_the_exact_size)
{
    const uint8_t px[6] = {1, 2, 3, 4, 5, 6};
    tern_image_decode_opts o = {.format = TERN_IMAGE_RAW, .raw_width = 3, .raw_height = 2, .ppi = 500};
    tern_image *img = imgt_decode(px, 6, &o);
    cr_assert_arr_eq(img->pixels, px, 6);
    cr_assert_eq(img->ppi_y, 500.0);
    tern_image_free(img);
    tern_error err;
    cr_assert_eq(tern_image_decode(px, 5, &o, &img, &err), TERN_E_TRUNCATED);
    o.raw_width = 2;
    cr_assert_eq(tern_image_decode(px, 6, &o, &img, &err), TERN_E_FORMAT);
}

/* ---- resampling ------------------------------------------------------------------ */

Test(resample, halving_the_resolution_halves_the_size_and_averages)
{
    tern_image *img = imgt_pattern(64, 48, 1, 1000);
    tern_image *half;
    tern_error err;
    cr_assert_eq(tern_image_resample(img, 500, &half, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(half->width, 32);
    cr_assert_eq(half->height, 24);
    cr_assert_eq(half->ppi_x, 500.0);
    for (uint32_t y = 0; y < 24; y++)
        for (uint32_t x = 0; x < 32; x++) {
            const uint8_t *p = img->pixels + (2 * y) * 64 + 2 * x;
            unsigned sum = p[0] + p[1] + p[64] + p[65];
            int want = (int)((sum + 2) / 4);
            int got = half->pixels[y * 32 + x];
            cr_assert(abs(got - want) <= 1, "(%u,%u): mean of 2x2 %d, got %d", x, y, want, got);
        }
    tern_image_free(half);
    tern_image_free(img);
}

Test(resample, smooth_pattern_survives_a_round_trip)
{
    /* Period 9 px at 500 ppi: at 1000 ppi it is 18 px, well sampled both ways. */
    tern_image *img = imgt_pattern(180, 150, 3, 500);
    tern_image *up, *down;
    tern_error err;
    cr_assert_eq(tern_image_resample(img, 1000, &up, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(up->width, 360);
    cr_assert_eq(up->height, 300);
    cr_assert_eq(tern_image_resample(up, 500, &down, &err), TERN_OK, "%s", err.message);
    double p = imgt_psnr(img, down);
    cr_assert(p > 30, "500 -> 1000 -> 500 ppi: PSNR %.1f dB", p);
    tern_image *again;
    cr_assert_eq(tern_image_resample(img, 1000, &again, &err), TERN_OK);
    cr_assert(isinf(imgt_psnr(up, again)), "deterministic");
    tern_image_free(again);
    tern_image_free(up);
    tern_image_free(down);
    tern_image_free(img);
}

Test(resample, odd_factors_and_anisotropic_input)
{
    tern_image *img = imgt_pattern(296, 560, 1, 569);
    img->ppi_y = 500;
    tern_image *out;
    tern_error err;
    cr_assert_eq(tern_image_resample(img, 500, &out, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(out->width, 260, "296 * 500 / 569 = 260.1");
    cr_assert_eq(out->height, 560);
    cr_assert_eq(out->ppi_x, 500.0);
    cr_assert_eq(out->ppi_y, 500.0);
    tern_image_free(out);
    /* A constant image stays constant whatever the factor. */
    memset(img->pixels, 77, (size_t)296 * 560);
    cr_assert_eq(tern_image_resample(img, 713, &out, &err), TERN_OK);
    for (size_t i = 0; i < (size_t)out->width * out->height; i++)
        cr_assert_eq(out->pixels[i], 77);
    tern_image_free(out);
    img->ppi_x = 0;
    cr_assert_eq(tern_image_resample(img, 500, &out, &err), TERN_E_ARG, "unknown resolution");
    cr_assert_null(out);
    tern_image_free(img);
}

/* ---- WSQ through the dispatch ------------------------------------------------------ */

Test(wsq_dispatch, sample_decodes_through_read_file_like_the_nbis_decoder)
{
    TERN_REQUIRE_DATA(wsq_path, "wsq/sample.wsq");
    TERN_REQUIRE_DATA(pgm_path, "wsq/sample.nbis.pgm");
    tern_image *wsq, *pgm;
    tern_error err;
    cr_assert_eq(tern_image_read_file(wsq_path, NULL, &wsq, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(tern_image_read_file(pgm_path, NULL, &pgm, &err), TERN_OK, "%s", err.message);
    unsigned maxd;
    double p;
    cr_assert_eq(tern_image_compare(wsq, pgm, &p, &maxd, &err), TERN_OK, "%s", err.message);
    cr_assert_eq(maxd, 0);
    tern_image_free(wsq);
    tern_image_free(pgm);
}

Test(wsq_dispatch, pattern_round_trips_through_the_wsq_encoder)
{
    tern_image *img = imgt_pattern(320, 280, 1, 500);
    tern_image_encode_opts eo = {.wsq_bitrate = 0.75, .comment = "Tern test pattern"};
    uint8_t *data;
    size_t len;
    tern_error err;
    tern_status s = tern_image_encode(img, TERN_IMAGE_WSQ, &eo, &data, &len, &err);
    if (s == TERN_E_UNSUPPORTED) {
        tern_image_free(img);
        cr_skip_test("the WSQ encoder is not built yet: %s", err.message);
    }
    cr_assert_eq(s, TERN_OK, "%s", err.message);
    cr_assert_eq(tern_image_sniff(data, len), TERN_IMAGE_WSQ);
    double bpp = len * 8.0 / (320.0 * 280.0);
    cr_assert(bpp > 0.3 && bpp < 1.5, "asked 0.75 bits per pixel, got %.3f", bpp);
    tern_image *back = imgt_decode(data, len, NULL);
    cr_assert_eq(back->width, 320);
    cr_assert_eq(back->height, 280);
    cr_assert_eq(back->ppi_x, 500.0, "NISTCOM PPI carries the resolution");
    double p = imgt_psnr(img, back);
    cr_assert(p > 25 && isfinite(p), "WSQ 0.75 bpp: PSNR %.1f dB", p);
    tern_image_free(back);
    free(data);
    tern_image_free(img);
}
