/* codec.c - format names, recognition by magic number, and the dispatch from
 * tern_image_decode / tern_image_encode to the per-format codecs; whole-file
 * reading and atomic writing.
 *
 * Magic numbers: WSQ SOI FF A0 (FBI WSQ 3.1, Table 2); JPEG SOI FF D8 FF
 * (ITU-T T.81 B.1.1.3); JP2 signature box 0000000C 6A502020 0D0A870A and J2K
 * SOC+SIZ FF4F FF51 (ITU-T T.800 I.5.1, A.4.1); PNG 89 'PNG' 0D0A1A0A (PNG
 * 5.2); TIFF "II*\0" / "MM\0*" (TIFF 6.0 section 2; BigTIFF 43); PGM "P5" /
 * "P2" then whitespace (Netpbm pgm(5)). */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "img/img_internal.h"
#include "tern/bytes.h"
#include "tern/image.h"
#include "tern/wsq.h"

static const char *const format_names[] = {
    [TERN_IMAGE_UNKNOWN] = "unknown", [TERN_IMAGE_WSQ] = "wsq",   [TERN_IMAGE_JP2] = "jp2",
    [TERN_IMAGE_J2K] = "j2k",         [TERN_IMAGE_PNG] = "png",   [TERN_IMAGE_JPEG] = "jpeg",
    [TERN_IMAGE_TIFF] = "tiff",       [TERN_IMAGE_PGM] = "pgm",   [TERN_IMAGE_RAW] = "raw",
};

const char *tern_image_format_name(tern_image_format fmt)
{
    if ((unsigned)fmt >= sizeof format_names / sizeof format_names[0])
        return "unknown";
    return format_names[fmt];
}

static const struct {
    const char *ext;
    tern_image_format fmt;
} extensions[] = {
    {"wsq", TERN_IMAGE_WSQ},  {"jp2", TERN_IMAGE_JP2},  {"j2k", TERN_IMAGE_J2K},
    {"j2c", TERN_IMAGE_J2K},  {"png", TERN_IMAGE_PNG},  {"jpg", TERN_IMAGE_JPEG},
    {"jpeg", TERN_IMAGE_JPEG}, {"tif", TERN_IMAGE_TIFF}, {"tiff", TERN_IMAGE_TIFF},
    {"pgm", TERN_IMAGE_PGM},  {"raw", TERN_IMAGE_RAW},
};

tern_image_format tern_image_format_from_path(const char *path)
{
    if (!path)
        return TERN_IMAGE_UNKNOWN;
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash + 1 : path, '.');
    if (!dot)
        return TERN_IMAGE_UNKNOWN;
    for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++)
        if (strcasecmp(dot + 1, extensions[i].ext) == 0)
            return extensions[i].fmt;
    return TERN_IMAGE_UNKNOWN;
}

static bool starts_with(const uint8_t *data, size_t len, const void *magic, size_t n)
{
    return len >= n && memcmp(data, magic, n) == 0;
}

static bool is_pnm_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

tern_image_format tern_image_sniff(const uint8_t *data, size_t len)
{
    if (!data)
        return TERN_IMAGE_UNKNOWN;
    if (starts_with(data, len, "\xff\xa0", 2))
        return TERN_IMAGE_WSQ;
    if (starts_with(data, len, "\xff\xd8\xff", 3))
        return TERN_IMAGE_JPEG;
    if (starts_with(data, len, "\0\0\0\x0cjP  \r\n\x87\n", 12))
        return TERN_IMAGE_JP2;
    if (starts_with(data, len, "\xff\x4f\xff\x51", 4))
        return TERN_IMAGE_J2K;
    if (starts_with(data, len, "\x89PNG\r\n\x1a\n", 8))
        return TERN_IMAGE_PNG;
    if (starts_with(data, len, "II*\0", 4) || starts_with(data, len, "MM\0*", 4) ||
        starts_with(data, len, "II+\0", 4) || starts_with(data, len, "MM\0+", 4))
        return TERN_IMAGE_TIFF;
    if (len >= 3 && data[0] == 'P' && (data[1] == '5' || data[1] == '2') && is_pnm_space(data[2]))
        return TERN_IMAGE_PGM;
    return TERN_IMAGE_UNKNOWN;
}

tern_status img_check_size(const char *fmt, uint64_t width, uint64_t height, tern_error *err)
{
    if (width == 0 || height == 0)
        return tern_error_set(err, TERN_E_FORMAT, "%s: empty image size %llux%llu", fmt,
                              (unsigned long long)width, (unsigned long long)height);
    if (width > TERN_IMAGE_MAX_DIM || height > TERN_IMAGE_MAX_DIM ||
        width * height > TERN_IMAGE_MAX_PIXELS)
        return tern_error_set(err, TERN_E_LIMIT,
                              "%s: declared size %llux%llu is over Tern's limit (%u per side, "
                              "%u pixels)",
                              fmt, (unsigned long long)width, (unsigned long long)height,
                              TERN_IMAGE_MAX_DIM, TERN_IMAGE_MAX_PIXELS);
    return TERN_OK;
}

double img_ppi_from_ppm(double ppm, double step)
{
    if (!isfinite(ppm) || ppm <= 0 || ppm > 1e9)
        return 0;
    double exact = ppm / IMG_INCHES_PER_METRE;
    double whole = round(exact);
    if (whole >= 1 && fabs(img_ppm_from_ppi(whole) - ppm) <= step / 2)
        return whole;
    return exact;
}

tern_status img_grey_view(const tern_image *img, const tern_image **grey, tern_image **owned,
                          tern_error *err)
{
    *owned = NULL;
    *grey = img;
    if (img->channels == 1)
        return TERN_OK;
    tern_status s = tern_image_to_grey(img, owned, err);
    *grey = *owned;
    return s;
}

/* ---- dispatch ------------------------------------------------------------ */

static tern_status decode_as(tern_image_format fmt, const uint8_t *data, size_t len,
                             const tern_image_decode_opts *opts, tern_image **out,
                             tern_error *err)
{
    switch (fmt) {
    case TERN_IMAGE_WSQ: return tern_wsq_decode(data, len, out, err);
    case TERN_IMAGE_JP2:
    case TERN_IMAGE_J2K: return img_jp2_decode(data, len, fmt, out, err);
    case TERN_IMAGE_PNG: return img_png_decode(data, len, out, err);
    case TERN_IMAGE_JPEG: return img_jpeg_decode(data, len, out, err);
    case TERN_IMAGE_TIFF: return img_tiff_decode(data, len, out, err);
    case TERN_IMAGE_PGM: return img_pgm_decode(data, len, out, err);
    case TERN_IMAGE_RAW:
        return img_raw_decode(data, len, opts->raw_width, opts->raw_height, out, err);
    case TERN_IMAGE_UNKNOWN: break;
    }
    return tern_error_set(err, TERN_E_FORMAT,
                          "image: unrecognised format (no known magic number in the first "
                          "bytes; %zu bytes)",
                          len);
}

tern_status tern_image_decode(const uint8_t *data, size_t len, const tern_image_decode_opts *opts,
                              tern_image **out, tern_error *err)
{
    static const tern_image_decode_opts none = {0};
    if (!out)
        return tern_error_set(err, TERN_E_ARG, "image: no output pointer");
    *out = NULL;
    if (!opts)
        opts = &none;
    if (!data && len)
        return tern_error_set(err, TERN_E_ARG, "image: NULL data");
    if (opts->ppi < 0 || !isfinite(opts->ppi))
        return tern_error_set(err, TERN_E_ARG, "image: resolution %g ppi is not valid", opts->ppi);
    if (len == 0)
        return tern_error_set(err, TERN_E_TRUNCATED, "image: empty input (0 bytes)");
    tern_image_format fmt = opts->format;
    if (fmt == TERN_IMAGE_UNKNOWN)
        fmt = tern_image_sniff(data, len);
    tern_status s = decode_as(fmt, data, len, opts, out, err);
    if (s != TERN_OK) {
        tern_image_free(*out);
        *out = NULL;
        return s;
    }
    if (opts->ppi > 0)
        (*out)->ppi_x = (*out)->ppi_y = opts->ppi;
    return TERN_OK;
}

tern_status tern_image_read_file(const char *path, const tern_image_decode_opts *opts,
                                 tern_image **out, tern_error *err)
{
    if (!out)
        return tern_error_set(err, TERN_E_ARG, "image: no output pointer");
    *out = NULL;
    uint8_t *data;
    size_t len;
    tern_status s = tern_file_read(path, TERN_IMAGE_MAX_FILE, &data, &len, err);
    if (s != TERN_OK)
        return s;
    tern_image_decode_opts o = opts ? *opts : (tern_image_decode_opts){0};
    /* Raw grey has no magic: a .raw name says what it is. */
    if (o.format == TERN_IMAGE_UNKNOWN && tern_image_sniff(data, len) == TERN_IMAGE_UNKNOWN &&
        tern_image_format_from_path(path) == TERN_IMAGE_RAW)
        o.format = TERN_IMAGE_RAW;
    s = tern_image_decode(data, len, &o, out, err);
    free(data);
    if (s != TERN_OK)
        tern_error_prefix(err, "%s: ", path);
    return s;
}

tern_status tern_image_encode(const tern_image *img, tern_image_format fmt,
                              const tern_image_encode_opts *opts, uint8_t **data, size_t *len,
                              tern_error *err)
{
    static const tern_image_encode_opts none = {0};
    if (!data || !len)
        return tern_error_set(err, TERN_E_ARG, "image: no output pointer");
    *data = NULL;
    *len = 0;
    if (!img || !img->pixels || (img->channels != 1 && img->channels != 3))
        return tern_error_set(err, TERN_E_ARG, "image: nothing to encode");
    if (!opts)
        opts = &none;
    switch (fmt) {
    case TERN_IMAGE_WSQ:
        return tern_wsq_encode(img, opts->wsq_bitrate, opts->comment, data, len, err);
    case TERN_IMAGE_JP2:
    case TERN_IMAGE_J2K: return img_jp2_encode(img, fmt, opts, data, len, err);
    case TERN_IMAGE_PNG: return img_png_encode(img, opts, data, len, err);
    case TERN_IMAGE_JPEG: return img_jpeg_encode(img, opts, data, len, err);
    case TERN_IMAGE_PGM: return img_pgm_encode(img, opts, data, len, err);
    case TERN_IMAGE_RAW: {
        const tern_image *grey;
        tern_image *owned;
        tern_status s = img_grey_view(img, &grey, &owned, err);
        if (s != TERN_OK)
            return s;
        size_t n = (size_t)grey->width * grey->height;
        *data = malloc(n);
        if (*data) {
            memcpy(*data, grey->pixels, n);
            *len = n;
        }
        tern_image_free(owned);
        return *data ? TERN_OK : tern_error_set(err, TERN_E_NOMEM, "raw: out of memory");
    }
    case TERN_IMAGE_TIFF:
        return tern_error_set(err, TERN_E_UNSUPPORTED, "TIFF: Tern reads TIFF but does not write it");
    case TERN_IMAGE_UNKNOWN: break;
    }
    return tern_error_set(err, TERN_E_ARG, "image: no output format given");
}

tern_status tern_image_write_file(const tern_image *img, const char *path,
                                  const tern_image_encode_opts *opts, tern_error *err)
{
    tern_image_format fmt = tern_image_format_from_path(path);
    if (fmt == TERN_IMAGE_UNKNOWN)
        return tern_error_set(err, TERN_E_ARG,
                              "%s: unknown image extension (use .wsq .jp2 .j2k .png .pgm .jpg .raw)",
                              path ? path : "(null)");
    uint8_t *data;
    size_t len;
    tern_status s = tern_image_encode(img, fmt, opts, &data, &len, err);
    if (s != TERN_OK)
        return tern_error_prefix(err, "%s: ", path);
    s = tern_file_write(path, data, len, err);
    free(data);
    return s;
}
