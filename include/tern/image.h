/* tern/image.h - raster images and their codecs.
 *
 * A tern_image holds 1 (grey) or 3 (RGB) channels of 8 bits per sample, rows
 * top to bottom with no padding, and its horizontal and vertical resolution
 * in pixels per inch. A resolution of 0 means *unknown*: Tern never invents
 * one (no default of 72 or 500); where a file carries none, the caller must
 * supply it (tern_image_decode_opts.ppi, or `--ppi` on the command line).
 *
 * Codecs: WSQ (Tern's own, FBI WSQ 3.1; see tern/wsq.h), JPEG 2000 (OpenJPEG),
 * PNG (libpng), JPEG (libjpeg-turbo), TIFF (libtiff), PGM, and raw grey of a
 * given size. Bi-level sources are unpacked to 0/255 grey.
 *
 * Limits (hostile input): width and height at most TERN_IMAGE_MAX_DIM and
 * width * height at most TERN_IMAGE_MAX_PIXELS; larger declared sizes are
 * refused with TERN_E_LIMIT before any pixel buffer is allocated.
 *
 * Thread safety: all functions are reentrant; images are not shared-mutable.
 */
#ifndef TERN_IMAGE_H
#define TERN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_IMAGE_MAX_DIM 32768u
#define TERN_IMAGE_MAX_PIXELS (64u * 1024u * 1024u)

typedef struct tern_image {
    uint32_t width;
    uint32_t height;
    uint32_t channels; /* 1 (grey) or 3 (RGB, interleaved) */
    double ppi_x;      /* horizontal resolution, pixels per inch; 0 = unknown */
    double ppi_y;      /* vertical resolution; 0 = unknown */
    uint8_t *pixels;   /* owned; width * height * channels bytes */
} tern_image;

typedef enum tern_image_format {
    TERN_IMAGE_UNKNOWN = 0,
    TERN_IMAGE_WSQ,
    TERN_IMAGE_JP2,  /* JPEG 2000 in its JP2 file format (boxes) */
    TERN_IMAGE_J2K,  /* raw JPEG 2000 codestream */
    TERN_IMAGE_PNG,
    TERN_IMAGE_JPEG,
    TERN_IMAGE_TIFF,
    TERN_IMAGE_PGM,
    TERN_IMAGE_RAW,  /* 8-bit grey with no header; size given by the caller */
} tern_image_format;

/* Allocates a zero-filled image; ppi unknown. channels is 1 or 3. */
tern_status tern_image_create(uint32_t width, uint32_t height, uint32_t channels,
                              tern_image **out, tern_error *err);
/* Frees img and its pixels; NULL is allowed. */
void tern_image_free(tern_image *img);
/* A new deep copy of img. */
tern_status tern_image_clone(const tern_image *img, tern_image **out, tern_error *err);
/* The grey view used by the fingerprint engine: a new 1-channel image (ITU-R
 * BT.601 luma for RGB), same size and resolution. */
tern_status tern_image_to_grey(const tern_image *img, tern_image **out, tern_error *err);

/* The stable lower-case name of a format ("wsq", "jp2", ...). */
const char *tern_image_format_name(tern_image_format fmt);
/* The format for a file name's extension, case-insensitive (".wsq", ".jp2",
 * ".j2k"/".j2c", ".png", ".pgm", ".jpg"/".jpeg", ".tif"/".tiff", ".raw"), or
 * TERN_IMAGE_UNKNOWN. Only the last path component is looked at. */
tern_image_format tern_image_format_from_path(const char *path);
/* Recognises a format from its leading bytes (magic numbers: WSQ FFA0, JPEG
 * FFD8FF, the JP2 signature box, J2K FF4FFF51, PNG, TIFF II/MM incl.
 * BigTIFF, PGM "P5"/"P2"); never RAW. data may be NULL when len is 0. */
tern_image_format tern_image_sniff(const uint8_t *data, size_t len);

typedef struct tern_image_decode_opts {
    tern_image_format format; /* UNKNOWN: sniff */
    double ppi;               /* > 0: override (or supply) the resolution */
    uint32_t raw_width;       /* RAW only: the size, required */
    uint32_t raw_height;
} tern_image_decode_opts;

/* Decodes an image from memory into a new image (free with tern_image_free).
 * opts may be NULL (sniff; resolution from the file). The resolution is the
 * file's (0 where it carries none; see docs/images.md for each format's
 * rule) unless opts->ppi > 0, which sets both axes. Errors: TERN_E_FORMAT
 * (unrecognised or malformed), TERN_E_TRUNCATED (ends early, or empty),
 * TERN_E_LIMIT (declared size over TERN_IMAGE_MAX_DIM / _MAX_PIXELS, refused
 * before allocation), TERN_E_UNSUPPORTED (valid but not handled: CMYK JPEG,
 * lossless JPEG, subsampled JPEG 2000 components...), TERN_E_ARG (RAW without
 * a size, bad ppi), TERN_E_NOMEM. On failure *out is NULL and err names the
 * format and, where known, the byte offset. No codec library writes to
 * stderr. Reentrant. */
tern_status tern_image_decode(const uint8_t *data, size_t len, const tern_image_decode_opts *opts,
                              tern_image **out, tern_error *err);
/* Reads and decodes a file (at most TERN_IMAGE_MAX_FILE bytes, else
 * TERN_E_LIMIT; TERN_E_NOT_FOUND / TERN_E_IO from reading). A file with no
 * known magic number and a ".raw" name is decoded as RAW. Decoding errors are
 * prefixed with the path. */
#define TERN_IMAGE_MAX_FILE (512u * 1024u * 1024u)
tern_status tern_image_read_file(const char *path, const tern_image_decode_opts *opts,
                                 tern_image **out, tern_error *err);

typedef struct tern_image_encode_opts {
    double wsq_bitrate;       /* WSQ bits per pixel; 0 = 0.75 (FBI, 500 ppi) */
    const char *comment;      /* optional extra comment (WSQ COM, PNG tEXt) */
    int jp2_lossless;         /* JPEG 2000: 1 = reversible 5/3 wavelet */
    double jp2_ratio;         /* JPEG 2000 lossy: compression ratio; 0 = 10 */
    int jpeg_quality;         /* JPEG: 1..100; 0 = 90 */
} tern_image_encode_opts;

/* Encodes img in fmt into a malloc'd buffer (free() it). opts may be NULL
 * (defaults above; JPEG 2000 then lossy at 10:1). The resolution is written
 * where the format has a place for it (WSQ NISTCOM, JP2 'resc', PNG pHYs,
 * JPEG JFIF density); RGB becomes grey for WSQ, PGM and RAW. TIFF is not
 * written (TERN_E_UNSUPPORTED); UNKNOWN is TERN_E_ARG. */
tern_status tern_image_encode(const tern_image *img, tern_image_format fmt,
                              const tern_image_encode_opts *opts, uint8_t **data, size_t *len,
                              tern_error *err);
/* Encodes in the format named by path's extension (TERN_E_ARG if none) and
 * writes the file atomically (tern_file_write: mode 0600). */
tern_status tern_image_write_file(const tern_image *img, const char *path,
                                  const tern_image_encode_opts *opts, tern_error *err);

/* A new image resampled to ppi in both directions: each axis's size becomes
 * round(size * ppi / its ppi), area-weighted (box) when shrinking, bilinear
 * when enlarging; the result's resolution is ppi on both axes. The image's
 * resolution must be known (TERN_E_ARG otherwise); TERN_E_LIMIT if the result
 * would exceed the size limits. Deterministic across platforms. */
tern_status tern_image_resample(const tern_image *img, double ppi, tern_image **out,
                                tern_error *err);

/* ---- test patterns and comparison (demos, tests, benchmarks) ------------ */

/* A synthetic, ridge-like test image of width x height: concentric sinusoidal
 * rings (period 9 pixels at 500 ppi, scaled with ppi when ppi > 0) under an
 * elliptical envelope that fades to a light background, like a fingerprint's
 * ridge flow without its minutiae. channels 3 gives a tinted colour version.
 * The image's resolution is set to ppi (0 = unknown). Deterministic. */
tern_status tern_image_pattern(uint32_t width, uint32_t height, uint32_t channels, double ppi,
                               tern_image **out, tern_error *err);

/* Compares two images of the same size and channel count: *psnr receives the
 * peak signal-to-noise ratio in dB over all samples (INFINITY if identical),
 * *max_diff (may be NULL) the largest absolute sample difference.
 * TERN_E_ARG if sizes or channel counts differ. */
tern_status tern_image_compare(const tern_image *a, const tern_image *b, double *psnr,
                               unsigned *max_diff, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
