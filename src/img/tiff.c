/* tiff.c - TIFF (TIFF 6.0, Adobe 1992) decoding through libtiff, from memory
 * (TIFFClientOpenExt with in-memory read/seek procedures; no mapping, so
 * libtiff never writes into the caller's bytes).
 *
 * The first image of the file is decoded. 8-bit grey in strips (what the
 * FVC2002 databases use) is read line by line or tile by tile; every other layout (bi-level,
 * 16-bit, palette, RGB, YCbCr, tiles) goes through libtiff's RGBA reader and
 * becomes grey if the photometric interpretation is grey, RGB otherwise.
 * WhiteIsZero is inverted. Resolution: XResolution / YResolution in the
 * ResolutionUnit (section 8: 2 = inch, 3 = centimetre, 1 = none -> unknown);
 * absent tags -> unknown. libtiff's warnings are discarded and its errors are
 * captured per handle (TIFFOpenOptionsSetErrorHandlerExtR), never printed.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "img/img_internal.h"
#include "tern/bytes.h"

typedef struct tiff_io {
    const uint8_t *data;
    size_t len;
    uint64_t pos;
    char message[256];
} tiff_io;

static tmsize_t io_read(thandle_t h, void *buf, tmsize_t n)
{
    tiff_io *io = h;
    if (n <= 0 || io->pos >= io->len)
        return 0;
    size_t left = io->len - (size_t)io->pos;
    size_t k = (size_t)n < left ? (size_t)n : left;
    memcpy(buf, io->data + io->pos, k);
    io->pos += k;
    return (tmsize_t)k;
}

static tmsize_t io_write(thandle_t h, void *buf, tmsize_t n)
{
    (void)h, (void)buf, (void)n;
    return -1;
}

static toff_t io_seek(thandle_t h, toff_t off, int whence)
{
    tiff_io *io = h;
    uint64_t base = whence == SEEK_CUR ? io->pos : whence == SEEK_END ? io->len : 0;
    if (off > UINT64_MAX - base)
        return (toff_t)-1;
    io->pos = base + off;
    return io->pos;
}

static int io_close(thandle_t h) { return (void)h, 0; }
static toff_t io_size(thandle_t h) { return ((tiff_io *)h)->len; }
static int io_map(thandle_t h, void **base, toff_t *size) { return (void)h, (void)base, (void)size, 0; }
static void io_unmap(thandle_t h, void *base, toff_t size) { (void)h, (void)base, (void)size; }

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    tiff_io *io = user;
    if (!io->message[0]) {
        int n = snprintf(io->message, sizeof io->message, "%s: ", module ? module : "libtiff");
        if (n > 0 && (size_t)n < sizeof io->message)
            vsnprintf(io->message + n, sizeof io->message - (size_t)n, fmt, ap);
    }
    return 1; /* handled: libtiff must not print it */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;
}

static tern_status lib_fail(const tiff_io *io, tern_status status, const char *doing,
                            tern_error *err)
{
    return tern_error_set(err, status, "TIFF: %s: %s", doing,
                          io->message[0] ? io->message : "libtiff failed");
}

static double axis_ppi(TIFF *tif, ttag_t tag)
{
    float res = 0;
    uint16_t unit = RESUNIT_INCH;
    if (!TIFFGetField(tif, tag, &res) || !isfinite(res) || res <= 0)
        return 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
    if (unit == RESUNIT_INCH)
        return res;
    if (unit == RESUNIT_CENTIMETER)
        return img_ppi_from_ppm(res * 100.0, res == floorf(res) ? 100 : 1);
    return 0; /* RESUNIT_NONE: an aspect ratio only */
}

/* 8-bit single-sample grey in strips: straight into the image. */
static tern_status read_grey8(TIFF *tif, tiff_io *io, tern_image *img, int invert,
                              tern_error *err)
{
    if (TIFFScanlineSize(tif) != (tmsize_t)img->width)
        return tern_error_set(err, TERN_E_FORMAT, "TIFF: scanline size %lld for width %u",
                              (long long)TIFFScanlineSize(tif), img->width);
    for (uint32_t y = 0; y < img->height; y++) {
        uint8_t *row = img->pixels + (size_t)y * img->width;
        if (TIFFReadScanline(tif, row, y, 0) < 0) {
            char doing[48];
            snprintf(doing, sizeof doing, "reading row %u", y);
            return lib_fail(io, TERN_E_FORMAT, doing, err);
        }
        if (invert)
            for (uint32_t x = 0; x < img->width; x++)
                row[x] = (uint8_t)(255 - row[x]);
    }
    return TERN_OK;
}

/* 8-bit single-sample grey in tiles. (libtiff 4.5.0's RGBA reader refuses
 * such tiles: "Invalid tile byte count", so they are read here.) */
static tern_status read_grey8_tiles(TIFF *tif, tiff_io *io, tern_image *img, int invert,
                                    tern_error *err)
{
    uint32_t tw = 0, th = 0;
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    tmsize_t size = TIFFTileSize(tif);
    if (tw == 0 || th == 0 || size != (tmsize_t)tw * th)
        return tern_error_set(err, TERN_E_FORMAT, "TIFF: tile %ux%u of %lld bytes", tw, th,
                              (long long)size);
    uint8_t *tile = malloc((size_t)size);
    if (!tile)
        return tern_error_set(err, TERN_E_NOMEM, "TIFF: out of memory for a %ux%u tile", tw, th);
    tern_status s = TERN_OK;
    for (uint32_t ty = 0; ty < img->height && s == TERN_OK; ty += th) {
        for (uint32_t tx = 0; tx < img->width && s == TERN_OK; tx += tw) {
            if (TIFFReadTile(tif, tile, tx, ty, 0, 0) < 0) {
                char doing[64];
                snprintf(doing, sizeof doing, "reading the tile at %u,%u", tx, ty);
                s = lib_fail(io, TERN_E_FORMAT, doing, err);
                break;
            }
            uint32_t w = img->width - tx < tw ? img->width - tx : tw;
            uint32_t h = img->height - ty < th ? img->height - ty : th;
            for (uint32_t y = 0; y < h; y++) {
                uint8_t *dst = img->pixels + (size_t)(ty + y) * img->width + tx;
                for (uint32_t x = 0; x < w; x++)
                    dst[x] = invert ? (uint8_t)(255 - tile[(size_t)y * tw + x])
                                    : tile[(size_t)y * tw + x];
            }
        }
    }
    free(tile);
    return s;
}

/* Everything else, through libtiff's RGBA reader (which handles WhiteIsZero,
 * bit depths, palettes and YCbCr itself). */
static tern_status read_rgba(TIFF *tif, tiff_io *io, tern_image *img, tern_error *err)
{
    size_t n = (size_t)img->width * img->height;
    uint32_t *raster = malloc(n * sizeof *raster);
    if (!raster)
        return tern_error_set(err, TERN_E_NOMEM, "TIFF: out of memory for %ux%u", img->width,
                              img->height);
    if (!TIFFReadRGBAImageOriented(tif, img->width, img->height, raster, ORIENTATION_TOPLEFT, 1)) {
        free(raster);
        return lib_fail(io, TERN_E_FORMAT, "reading the image", err);
    }
    for (size_t i = 0; i < n; i++) {
        if (img->channels == 1) {
            img->pixels[i] = (uint8_t)TIFFGetR(raster[i]);
        } else {
            img->pixels[3 * i] = (uint8_t)TIFFGetR(raster[i]);
            img->pixels[3 * i + 1] = (uint8_t)TIFFGetG(raster[i]);
            img->pixels[3 * i + 2] = (uint8_t)TIFFGetB(raster[i]);
        }
    }
    free(raster);
    return TERN_OK;
}

static tern_status decode_open(TIFF *tif, tiff_io *io, tern_image **out, tern_error *err)
{
    uint32_t w = 0, h = 0;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h))
        return tern_error_set(err, TERN_E_FORMAT, "TIFF: ImageWidth or ImageLength is missing");
    tern_status s = img_check_size("TIFF", w, h, err);
    if (s != TERN_OK)
        return s;
    uint16_t spp = 1, bps = 1, photometric = PHOTOMETRIC_MINISWHITE, planar = PLANARCONFIG_CONTIG;
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric))
        photometric = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    int grey = photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE;
    if ((s = tern_image_create(w, h, grey ? 1 : 3, out, err)) != TERN_OK)
        return s;
    int invert = photometric == PHOTOMETRIC_MINISWHITE;
    if (grey && spp == 1 && bps == 8 && planar == PLANARCONFIG_CONTIG) {
        s = TIFFIsTiled(tif) ? read_grey8_tiles(tif, io, *out, invert, err)
                             : read_grey8(tif, io, *out, invert, err);
    } else {
        char emsg[1024] = "";
        if (!TIFFRGBAImageOK(tif, emsg))
            s = tern_error_set(err, TERN_E_UNSUPPORTED, "TIFF: %s (photometric %u, %u x %u bits)",
                               emsg[0] ? emsg : "layout not supported", photometric, spp, bps);
        else
            s = read_rgba(tif, io, *out, err);
    }
    if (s != TERN_OK)
        return s;
    (*out)->ppi_x = axis_ppi(tif, TIFFTAG_XRESOLUTION);
    (*out)->ppi_y = axis_ppi(tif, TIFFTAG_YRESOLUTION);
    if ((*out)->ppi_x == 0 || (*out)->ppi_y == 0)
        (*out)->ppi_x = (*out)->ppi_y = 0; /* one axis alone is not a resolution */
    return TERN_OK;
}

tern_status img_tiff_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err)
{
    *out = NULL;
    tiff_io io = {.data = data, .len = len};
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return tern_error_set(err, TERN_E_NOMEM, "TIFF: out of memory");
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, &io);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, &io);
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)TERN_IMAGE_MAX_PIXELS * 4);
    TIFF *tif = TIFFClientOpenExt("TIFF", "rm", &io, io_read, io_write, io_seek, io_close, io_size,
                                  io_map, io_unmap, opts);
    TIFFOpenOptionsFree(opts);
    if (!tif)
        return lib_fail(&io, len < 8 ? TERN_E_TRUNCATED : TERN_E_FORMAT, "opening", err);
    tern_status s = decode_open(tif, &io, out, err);
    TIFFClose(tif);
    if (s != TERN_OK) {
        tern_image_free(*out);
        *out = NULL;
    }
    return s;
}
