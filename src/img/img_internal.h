/* img_internal.h - what the codecs of src/img share and nothing outside it
 * may use: one decode/encode pair per format (each in its own file), the
 * declared-size check every decoder runs before it allocates, and the
 * conversions between metric and inch resolutions. */
#ifndef TERN_IMG_INTERNAL_H
#define TERN_IMG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/image.h"
#include "tern/status.h"

/* TERN_OK if a declared width x height is non-empty and within
 * TERN_IMAGE_MAX_DIM / TERN_IMAGE_MAX_PIXELS; otherwise TERN_E_FORMAT (empty)
 * or TERN_E_LIMIT, with a message naming `fmt` ("PNG", "TIFF", ...). Every
 * decoder calls it on the size a header declares, before any pixel buffer is
 * allocated. */
tern_status img_check_size(const char *fmt, uint64_t width, uint64_t height, tern_error *err);

/* Resolution units. A file states resolution as an integer (or rational) in
 * pixels per metre or per centimetre; converting to ppi gives e.g. 19685 ppm
 * = 499.9990 ppi. Where some whole number of ppi encodes to exactly the value
 * stored in the unit's precision (`step` = the unit's quantum in ppm: 1 for
 * PNG's integer ppm), that whole number is what the writer meant and is
 * returned; otherwise the exact conversion. Non-positive or non-finite input
 * gives 0 (unknown). */
double img_ppi_from_ppm(double ppm, double step);
#define IMG_INCHES_PER_METRE 39.37007874015748 /* 1 / 0.0254 */
static inline double img_ppm_from_ppi(double ppi) { return ppi * IMG_INCHES_PER_METRE; }

/* Per-format codecs (png.c, pnm.c, tiff.c, jpeg.c, jp2.c). Decoders return a
 * new image with the file's resolution (0 where it carries none); on failure
 * *out is NULL. Encoders return a malloc'd buffer. */
tern_status img_png_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err);
tern_status img_png_encode(const tern_image *img, const tern_image_encode_opts *opts,
                           uint8_t **data, size_t *len, tern_error *err);
tern_status img_pgm_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err);
tern_status img_pgm_encode(const tern_image *img, const tern_image_encode_opts *opts,
                           uint8_t **data, size_t *len, tern_error *err);
tern_status img_raw_decode(const uint8_t *data, size_t len, uint32_t width, uint32_t height,
                           tern_image **out, tern_error *err);
tern_status img_tiff_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err);
tern_status img_jpeg_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err);
tern_status img_jpeg_encode(const tern_image *img, const tern_image_encode_opts *opts,
                            uint8_t **data, size_t *len, tern_error *err);
/* Lossless JPEG (T.81 process 14, SOF3), Tern's own decoder (jpegl.c).
 * img_jpeg_is_lossless is true when the first frame marker of a JPEG stream
 * is SOF3; img_jpeg_decode then hands the stream to img_jpegl_decode. */
bool img_jpeg_is_lossless(const uint8_t *data, size_t len);
tern_status img_jpegl_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err);
/* fmt is TERN_IMAGE_JP2 or TERN_IMAGE_J2K. */
tern_status img_jp2_decode(const uint8_t *data, size_t len, tern_image_format fmt,
                           tern_image **out, tern_error *err);
tern_status img_jp2_encode(const tern_image *img, tern_image_format fmt,
                           const tern_image_encode_opts *opts, uint8_t **data, size_t *len,
                           tern_error *err);

/* The grey view of img without a copy when it is already grey: *grey is img
 * itself or a new image that *owned receives (free it after use). */
tern_status img_grey_view(const tern_image *img, const tern_image **grey, tern_image **owned,
                          tern_error *err);

#endif
