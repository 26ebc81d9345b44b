/* image_test_util.c - helpers shared by the image test suites (see
 * image_test_util.h). */
#include <stdlib.h>

#include "image_test_util.h"
#include "tern_test.h"

tern_image *imgt_pattern(uint32_t w, uint32_t h, uint32_t channels, double ppi)
{
    tern_image *img;
    tern_error err;
    cr_assert_eq(tern_image_pattern(w, h, channels, ppi, &img, &err), TERN_OK, "%s", err.message);
    return img;
}

uint8_t *imgt_encode(const tern_image *img, tern_image_format fmt,
                     const tern_image_encode_opts *opts, size_t *len)
{
    uint8_t *data;
    tern_error err;
    cr_assert_eq(tern_image_encode(img, fmt, opts, &data, len, &err), TERN_OK, "%s: %s",
                 tern_image_format_name(fmt), err.message);
    return data;
}

tern_image *imgt_decode(const uint8_t *data, size_t len, const tern_image_decode_opts *opts)
{
    tern_image *img;
    tern_error err;
    cr_assert_eq(tern_image_decode(data, len, opts, &img, &err), TERN_OK, "%s", err.message);
    cr_assert_not_null(img);
    return img;
}

double imgt_psnr(const tern_image *a, const tern_image *b)
{
    double p;
    tern_error err;
    cr_assert_eq(tern_image_compare(a, b, &p, NULL, &err), TERN_OK, "%s", err.message);
    return p;
}

void imgt_expect_failure(const uint8_t *data, size_t len, tern_status want, const char *what)
{
    tern_image *img = (tern_image *)&img;
    tern_error err = {0};
    tern_status s = tern_image_decode(data, len, NULL, &img, &err);
    cr_assert_eq(s, want, "%s: got %s (%s), want %s", what, tern_status_name(s), err.message,
                 tern_status_name(want));
    cr_assert_null(img, "%s: no image on failure", what);
    cr_assert(err.message[0], "%s: a message", what);
}

uint32_t imgt_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

void imgt_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}
