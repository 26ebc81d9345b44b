/* png.c - PNG (ISO/IEC 15948, W3C PNG 2nd ed.) through libpng 1.6, from and
 * to memory.
 *
 * Decoding: every colour type and bit depth becomes 1 (grey) or 3 (RGB)
 * channels of 8 bits. 1/2/4-bit grey is scaled to 0..255 (bi-level to 0/255),
 * palettes are expanded to RGB, 16-bit samples are scaled with rounding
 * (png_set_scale_16: v * 255 / 65535), alpha is dropped. Resolution comes
 * from pHYs when its unit is the metre (PNG 11.3.5.3); unit 0 is an aspect
 * ratio only, i.e. unknown. libpng's errors longjmp back here with their text
 * captured; its warnings are discarded. Declared sizes are bounded with
 * png_set_user_limits and img_check_size before the pixel buffer exists.
 */
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "img/img_internal.h"
#include "tern/bytes.h"

typedef struct png_io {
    const uint8_t *data;
    size_t len;
    size_t pos;
    tern_status status; /* what the failure was, when libpng longjmps */
    char message[200];
    tern_buf out;       /* encoder output */
} png_io;

static void on_error(png_structp png, png_const_charp msg)
{
    png_io *io = png_get_error_ptr(png);
    if (io->status == TERN_OK)
        io->status = TERN_E_FORMAT;
    if (!io->message[0])
        snprintf(io->message, sizeof io->message, "%s", msg);
    png_longjmp(png, 1);
}

/* Warnings are discarded, except that a size over png_set_user_limits (which
 * libpng reports as a warning before failing with "Invalid IHDR data") makes
 * the failure a TERN_E_LIMIT. */
static void on_warning(png_structp png, png_const_charp msg)
{
    png_io *io = png_get_error_ptr(png);
    if (strstr(msg, "exceeds user limit") && io->status == TERN_OK) {
        io->status = TERN_E_LIMIT;
        snprintf(io->message, sizeof io->message, "%s (Tern's limit: %u per side)", msg,
                 TERN_IMAGE_MAX_DIM);
    }
}

static void read_bytes(png_structp png, png_bytep dst, size_t n)
{
    png_io *io = png_get_io_ptr(png);
    if (n > io->len - io->pos) {
        io->status = TERN_E_TRUNCATED;
        snprintf(io->message, sizeof io->message, "truncated: need %zu bytes, %zu left", n,
                 io->len - io->pos);
        png_error(png, io->message);
    }
    memcpy(dst, io->data + io->pos, n);
    io->pos += n;
}

static tern_status io_fail(const png_io *io, tern_error *err)
{
    return tern_error_set(err, io->status == TERN_OK ? TERN_E_FORMAT : io->status,
                          "PNG: at byte offset %zu: %s", io->pos,
                          io->message[0] ? io->message : "libpng failed");
}

/* Sets up the transformations to 8-bit grey or RGB and returns the channel
 * count of what png_read_row will deliver. */
static uint32_t set_transforms(png_structp png, png_infop info)
{
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16)
        png_set_scale_16(png);
    if (color & PNG_COLOR_MASK_ALPHA)
        png_set_strip_alpha(png);
    /* A tRNS chunk is transparency only: ignore it rather than add alpha. */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    return (color & PNG_COLOR_MASK_COLOR) ? 3 : 1;
}

static double phys_ppi(png_structp png, png_infop info, int axis)
{
    png_uint_32 rx, ry;
    int unit;
    if (!png_get_pHYs(png, info, &rx, &ry, &unit) || unit != PNG_RESOLUTION_METER)
        return 0;
    return img_ppi_from_ppm(axis ? ry : rx, 1);
}

tern_status img_png_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err)
{
    *out = NULL;
    png_io io = {.data = data, .len = len};
    if (len < 8 || png_sig_cmp(data, 0, 8) != 0)
        return tern_error_set(err, len < 8 ? TERN_E_TRUNCATED : TERN_E_FORMAT,
                              "PNG: at byte offset 0: no PNG signature");
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &io, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return tern_error_set(err, TERN_E_NOMEM, "PNG: out of memory");
    }
    tern_image *volatile img = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        tern_image_free(img);
        png_destroy_read_struct(&png, &info, NULL);
        return io_fail(&io, err);
    }
    png_set_read_fn(png, &io, read_bytes);
    png_set_user_limits(png, TERN_IMAGE_MAX_DIM, TERN_IMAGE_MAX_DIM);
    png_set_chunk_malloc_max(png, 16u << 20);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    tern_status s = img_check_size("PNG", w, h, err);
    if (s == TERN_OK) {
        uint32_t channels = set_transforms(png, info);
        if (png_get_rowbytes(png, info) != (size_t)w * channels) {
            io.status = TERN_E_INTERNAL;
            png_error(png, "unexpected row size after transformations");
        }
        tern_image *created;
        s = tern_image_create(w, h, channels, &created, err);
        img = created;
    }
    if (s == TERN_OK)
        rows = malloc(sizeof(png_bytep) * h);
    if (s == TERN_OK && !rows)
        s = tern_error_set(err, TERN_E_NOMEM, "PNG: out of memory for %u row pointers", h);
    if (s != TERN_OK) {
        tern_image_free(img);
        png_destroy_read_struct(&png, &info, NULL);
        return s;
    }
    for (png_uint_32 y = 0; y < h; y++)
        rows[y] = img->pixels + (size_t)y * w * img->channels;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    img->ppi_x = phys_ppi(png, info, 0);
    img->ppi_y = phys_ppi(png, info, 1);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    *out = img;
    return TERN_OK;
}

static void write_bytes(png_structp png, png_bytep src, size_t n)
{
    png_io *io = png_get_io_ptr(png);
    tern_buf_put(&io->out, src, n);
}

static void flush_bytes(png_structp png) { (void)png; }

tern_status img_png_encode(const tern_image *img, const tern_image_encode_opts *opts,
                           uint8_t **data, size_t *len, tern_error *err)
{
    png_io io = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &io, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return tern_error_set(err, TERN_E_NOMEM, "PNG: out of memory");
    }
    png_bytep *volatile rows = malloc(sizeof(png_bytep) * img->height);
    if (!rows || setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_write_struct(&png, &info);
        tern_buf_free(&io.out);
        return tern_error_set(err, rows ? TERN_E_INTERNAL : TERN_E_NOMEM, "PNG: writing: %s",
                              io.message[0] ? io.message : "out of memory");
    }
    png_set_write_fn(png, &io, write_bytes, flush_bytes);
    png_set_IHDR(png, info, img->width, img->height, 8,
                 img->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (img->ppi_x > 0 && img->ppi_y > 0)
        png_set_pHYs(png, info, (png_uint_32)(img_ppm_from_ppi(img->ppi_x) + 0.5),
                     (png_uint_32)(img_ppm_from_ppi(img->ppi_y) + 0.5), PNG_RESOLUTION_METER);
    if (opts->comment) {
        png_text text = {.compression = PNG_TEXT_COMPRESSION_NONE,
                         .key = (png_charp) "Comment",
                         .text = (png_charp)opts->comment};
        png_set_text(png, info, &text, 1);
    }
    for (uint32_t y = 0; y < img->height; y++)
        rows[y] = img->pixels + (size_t)y * img->width * img->channels;
    png_set_rows(png, info, rows);
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info);
    tern_status s = tern_buf_status(&io.out, err);
    if (s != TERN_OK) {
        tern_buf_free(&io.out);
        return s;
    }
    *data = tern_buf_take(&io.out, len);
    return TERN_OK;
}
