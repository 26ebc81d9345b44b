/* pnm.c - PGM (Netpbm pgm(5): binary "P5" with 8- or 16-bit samples, and
 * plain "P2") and raw 8-bit grey of a size the caller gives.
 *
 * The header is magic, width, height and maxval as ASCII decimals separated
 * by whitespace, with '#' comments running to the end of a line; exactly one
 * whitespace byte precedes the binary raster. Samples of 16 bits are big
 * endian. Samples are scaled from 0..maxval to 0..255 with rounding; a sample
 * above maxval is a format error. PGM carries no resolution (ppi 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "img/img_internal.h"
#include "tern/bytes.h"

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skips whitespace and comments, then reads one unsigned decimal. */
static tern_status read_number(tern_reader *r, const char *what, uint32_t *out)
{
    for (;;) {
        if (tern_reader_left(r) == 0)
            return tern_reader_fail(r, TERN_E_TRUNCATED, "header ends before the %s", what);
        uint8_t c = r->data[r->pos];
        if (c == '#') {
            while (tern_reader_left(r) && r->data[r->pos] != '\n' && r->data[r->pos] != '\r')
                r->pos++;
        } else if (is_space(c)) {
            r->pos++;
        } else {
            break;
        }
    }
    uint64_t v = 0;
    size_t start = r->pos;
    while (tern_reader_left(r) && r->data[r->pos] >= '0' && r->data[r->pos] <= '9') {
        v = v * 10 + (r->data[r->pos] - '0');
        if (v > UINT32_MAX) {
            r->pos = start;
            return tern_reader_fail(r, TERN_E_LIMIT, "%s is too large", what);
        }
        r->pos++;
    }
    if (r->pos == start)
        return tern_reader_fail(r, TERN_E_FORMAT, "expected the %s (a decimal number)", what);
    *out = (uint32_t)v;
    return TERN_OK;
}

static uint8_t scale(uint32_t v, uint32_t maxval)
{
    return maxval == 255 ? (uint8_t)v : (uint8_t)((v * 255u + maxval / 2) / maxval);
}

static tern_status read_binary(tern_reader *r, uint32_t maxval, tern_image *img)
{
    size_t n = (size_t)img->width * img->height;
    size_t bytes = maxval > 255 ? 2 : 1;
    const uint8_t *p;
    tern_status s = tern_reader_bytes(r, n * bytes, &p);
    if (s != TERN_OK)
        return s;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = bytes == 2 ? (uint32_t)p[2 * i] << 8 | p[2 * i + 1] : p[i];
        if (v > maxval) {
            r->pos -= (n - i) * bytes;
            return tern_reader_fail(r, TERN_E_FORMAT, "sample %u is above maxval %u", v, maxval);
        }
        img->pixels[i] = scale(v, maxval);
    }
    return TERN_OK;
}

static tern_status read_plain(tern_reader *r, uint32_t maxval, tern_image *img)
{
    size_t n = (size_t)img->width * img->height;
    for (size_t i = 0; i < n; i++) {
        uint32_t v;
        tern_status s = read_number(r, "sample", &v);
        if (s != TERN_OK)
            return s;
        if (v > maxval)
            return tern_reader_fail(r, TERN_E_FORMAT, "sample %u is above maxval %u", v, maxval);
        img->pixels[i] = scale(v, maxval);
    }
    return TERN_OK;
}

tern_status img_pgm_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err)
{
    *out = NULL;
    tern_reader r;
    tern_reader_init(&r, data, len, "PGM", err);
    const uint8_t *magic;
    tern_status s = tern_reader_bytes(&r, 2, &magic);
    if (s != TERN_OK)
        return s;
    if (magic[0] != 'P' || (magic[1] != '5' && magic[1] != '2')) {
        r.pos = 0;
        return tern_reader_fail(&r, TERN_E_FORMAT, "not a PGM (magic P5 or P2 expected)");
    }
    bool plain = magic[1] == '2';
    uint32_t w, h, maxval;
    if ((s = read_number(&r, "width", &w)) != TERN_OK ||
        (s = read_number(&r, "height", &h)) != TERN_OK ||
        (s = read_number(&r, "maxval", &maxval)) != TERN_OK)
        return s;
    if (maxval == 0 || maxval > 65535)
        return tern_reader_fail(&r, TERN_E_FORMAT, "maxval %u is outside 1..65535", maxval);
    if ((s = img_check_size("PGM", w, h, err)) != TERN_OK)
        return s;
    uint8_t sep;
    if ((s = tern_reader_u8(&r, &sep)) != TERN_OK)
        return s;
    if (!is_space(sep)) {
        r.pos--;
        return tern_reader_fail(&r, TERN_E_FORMAT, "no whitespace after maxval");
    }
    tern_image *img;
    if ((s = tern_image_create(w, h, 1, &img, err)) != TERN_OK)
        return s;
    s = plain ? read_plain(&r, maxval, img) : read_binary(&r, maxval, img);
    if (s != TERN_OK) {
        tern_image_free(img);
        return s;
    }
    *out = img;
    return TERN_OK;
}

tern_status img_pgm_encode(const tern_image *img, const tern_image_encode_opts *opts,
                           uint8_t **data, size_t *len, tern_error *err)
{
    const tern_image *grey;
    tern_image *owned;
    tern_status s = img_grey_view(img, &grey, &owned, err);
    if (s != TERN_OK)
        return s;
    tern_buf b = {0};
    tern_buf_printf(&b, "P5\n");
    if (opts->comment && !strpbrk(opts->comment, "\r\n"))
        tern_buf_printf(&b, "# %s\n", opts->comment);
    tern_buf_printf(&b, "%u %u\n255\n", grey->width, grey->height);
    tern_buf_put(&b, grey->pixels, (size_t)grey->width * grey->height);
    tern_image_free(owned);
    if ((s = tern_buf_status(&b, err)) != TERN_OK) {
        tern_buf_free(&b);
        return s;
    }
    *data = tern_buf_take(&b, len);
    return TERN_OK;
}

tern_status img_raw_decode(const uint8_t *data, size_t len, uint32_t width, uint32_t height,
                           tern_image **out, tern_error *err)
{
    *out = NULL;
    if (width == 0 || height == 0)
        return tern_error_set(err, TERN_E_ARG, "raw: the image size must be given (width x height)");
    tern_status s = img_check_size("raw", width, height, err);
    if (s != TERN_OK)
        return s;
    size_t n = (size_t)width * height;
    if (len != n)
        return tern_error_set(err, len < n ? TERN_E_TRUNCATED : TERN_E_FORMAT,
                              "raw: %zu bytes, but %ux%u 8-bit grey needs %zu", len, width, height,
                              n);
    if ((s = tern_image_create(width, height, 1, out, err)) != TERN_OK)
        return s;
    memcpy((*out)->pixels, data, n);
    return TERN_OK;
}
