/* image_test_util.h - helpers shared by the image test suites (test_image.c,
 * test_image_codecs.c): the test pattern, encode/decode that fail the test on
 * error, PSNR, the expected-failure check, and byte patching. */
#ifndef TERN_IMAGE_TEST_UTIL_H
#define TERN_IMAGE_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "tern/image.h"

tern_image *imgt_pattern(uint32_t w, uint32_t h, uint32_t channels, double ppi);
uint8_t *imgt_encode(const tern_image *img, tern_image_format fmt,
                     const tern_image_encode_opts *opts, size_t *len);
tern_image *imgt_decode(const uint8_t *data, size_t len, const tern_image_decode_opts *opts);
double imgt_psnr(const tern_image *a, const tern_image *b);
/* Expects decoding to fail with `want`, leave *out NULL and say why. */
void imgt_expect_failure(const uint8_t *data, size_t len, tern_status want, const char *what);
/* CRC-32 of PNG (ISO 3309), to forge chunks. */
uint32_t imgt_crc32(const uint8_t *p, size_t n);
void imgt_put_be32(uint8_t *p, uint32_t v);

#endif
