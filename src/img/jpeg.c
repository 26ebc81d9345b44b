/* jpeg.c - JPEG (ITU-T T.81 | ISO/IEC 10918-1) with JFIF resolution (JFIF
 * 1.02, APP0 density) through libjpeg-turbo, from and to memory.
 *
 * Lossless JPEG (SOF3), which libjpeg-turbo 2.1 does not decode, goes to
 * Tern's own decoder in jpegl.c. Baseline and progressive, grey and YCbCr/RGB decode to 1 or 3 channels;
 * CMYK/YCCK are refused. libjpeg's error manager longjmps back here with its
 * message formatted into the tern_error (never exit(), never stderr); its
 * warnings are counted and ignored, except a premature end of data, which is
 * TERN_E_TRUNCATED. A progress
 * monitor caps the number of scans, so that a hostile progressive file with
 * thousands of tiny scans cannot take minutes. Resolution: a JFIF APP0 with
 * units 1 (dots per inch) or 2 (dots per cm); units 0 (aspect ratio only,
 * libjpeg's 1:1 default) or no JFIF marker mean unknown. The encoder writes
 * JFIF with the density in dpi when the resolution is known, and keeps full
 * chroma resolution (4:4:4) at quality 90 and above.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "img/img_internal.h"

/* More scans than any sane progressive file uses (libjpeg-turbo's own
 * fuzzers use the same kind of cap). */
#define JPEG_MAX_SCANS 500

typedef struct jpeg_err {
    struct jpeg_error_mgr mgr; /* first: libjpeg casts cinfo->err to this */
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} jpeg_err;

static void on_error(j_common_ptr cinfo)
{
    jpeg_err *e = (jpeg_err *)cinfo->err;
    cinfo->err->format_message(cinfo, e->message);
    longjmp(e->jump, 1);
}

/* A premature end of data is only a warning to libjpeg (it pads with an EOI
 * and returns grey rows); Tern reports it as truncation. Other warnings
 * (extraneous bytes, bad Huffman codes) are counted and tolerated, as real
 * capture devices write such files. */
static void on_message(j_common_ptr cinfo, int level)
{
    if (level >= 0)
        return;
    cinfo->err->num_warnings++;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_err *e = (jpeg_err *)cinfo->err;
        cinfo->err->format_message(cinfo, e->message);
        longjmp(e->jump, 3);
    }
}

static void on_output(j_common_ptr cinfo) { (void)cinfo; }

static void on_progress(j_common_ptr cinfo)
{
    if (cinfo->is_decompressor) {
        j_decompress_ptr d = (j_decompress_ptr)cinfo;
        if (d->input_scan_number > JPEG_MAX_SCANS) {
            jpeg_err *e = (jpeg_err *)cinfo->err;
            snprintf(e->message, sizeof e->message, "more than %d scans", JPEG_MAX_SCANS);
            longjmp(e->jump, 2);
        }
    }
}

static void init_err(jpeg_err *e)
{
    jpeg_std_error(&e->mgr);
    e->mgr.error_exit = on_error;
    e->mgr.emit_message = on_message;
    e->mgr.output_message = on_output;
    e->message[0] = '\0';
}

static double density_ppi(const struct jpeg_decompress_struct *c, unsigned density)
{
    if (!c->saw_JFIF_marker || density == 0)
        return 0;
    if (c->density_unit == 1)
        return density;
    if (c->density_unit == 2)
        return img_ppi_from_ppm(density * 100.0, 100);
    return 0; /* unit 0: aspect ratio only */
}

/* The byte offset libjpeg had reached: what it consumed from the source. */
static size_t offset_of(const struct jpeg_decompress_struct *c, size_t len)
{
    return c->src ? len - c->src->bytes_in_buffer : 0;
}

tern_status img_jpeg_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err)
{
    *out = NULL;
    if (img_jpeg_is_lossless(data, len))
        return img_jpegl_decode(data, len, out, err); /* SOF3: Tern's own, jpegl.c */
    if (len > (unsigned long)-1)
        return tern_error_set(err, TERN_E_LIMIT, "JPEG: input too large");
    struct jpeg_decompress_struct c;
    jpeg_err e;
    init_err(&e);
    c.err = &e.mgr;
    struct jpeg_progress_mgr progress = {.progress_monitor = on_progress};
    tern_image *volatile img = NULL;
    int why = setjmp(e.jump);
    if (why) {
        size_t at = offset_of(&c, len);
        tern_status status = TERN_E_FORMAT;
        if (why == 2)
            status = TERN_E_LIMIT;
        else if (why == 3 || e.mgr.msg_code == JERR_INPUT_EMPTY)
            status = TERN_E_TRUNCATED;
        else if (e.mgr.msg_code == JERR_SOF_UNSUPPORTED || e.mgr.msg_code == JERR_NOT_COMPILED)
            status = TERN_E_UNSUPPORTED; /* e.g. lossless JPEG (SOF3) */
        jpeg_destroy_decompress(&c);
        tern_image_free(img);
        return tern_error_set(err, status, "JPEG: at byte offset %zu: %s", at, e.message);
    }
    jpeg_create_decompress(&c);
    c.progress = &progress;
    jpeg_mem_src(&c, data, (unsigned long)len);
    jpeg_read_header(&c, TRUE);
    tern_status s = img_check_size("JPEG", c.image_width, c.image_height, err);
    if (s == TERN_OK && c.jpeg_color_space != JCS_GRAYSCALE && c.jpeg_color_space != JCS_YCbCr &&
        c.jpeg_color_space != JCS_RGB)
        s = tern_error_set(err, TERN_E_UNSUPPORTED, "JPEG: colour space %d (CMYK/YCCK) not supported",
                           (int)c.jpeg_color_space);
    tern_image *created = NULL;
    if (s == TERN_OK) {
        c.out_color_space = c.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
        s = tern_image_create(c.image_width, c.image_height, c.num_components == 1 ? 1 : 3,
                              &created, err);
    }
    if (s != TERN_OK) {
        jpeg_destroy_decompress(&c);
        return s;
    }
    img = created;
    jpeg_start_decompress(&c);
    if (c.output_width != img->width || c.output_height != img->height ||
        (uint32_t)c.output_components != img->channels) {
        snprintf(e.message, sizeof e.message, "unexpected output %ux%ux%d", c.output_width,
                 c.output_height, c.output_components);
        longjmp(e.jump, 1);
    }
    while (c.output_scanline < c.output_height) {
        JSAMPROW row = img->pixels + (size_t)c.output_scanline * img->width * img->channels;
        jpeg_read_scanlines(&c, &row, 1);
    }
    img->ppi_x = density_ppi(&c, c.X_density);
    img->ppi_y = density_ppi(&c, c.Y_density);
    if (img->ppi_x == 0 || img->ppi_y == 0)
        img->ppi_x = img->ppi_y = 0;
    jpeg_finish_decompress(&c);
    jpeg_destroy_decompress(&c);
    *out = img;
    return TERN_OK;
}

tern_status img_jpeg_encode(const tern_image *img, const tern_image_encode_opts *opts,
                            uint8_t **data, size_t *len, tern_error *err)
{
    int quality = opts->jpeg_quality ? opts->jpeg_quality : 90;
    if (quality < 1 || quality > 100)
        return tern_error_set(err, TERN_E_ARG, "JPEG: quality %d is outside 1..100", quality);
    if (img->width > 65500 || img->height > 65500)
        return tern_error_set(err, TERN_E_LIMIT, "JPEG: %ux%u is over JPEG's 65500 limit",
                              img->width, img->height);
    struct jpeg_compress_struct c;
    jpeg_err e;
    init_err(&e);
    c.err = &e.mgr;
    /* libjpeg's memory destination (re)allocates *buf itself and leaves it to
     * the caller to free, also after an error; buf's address escapes, so it
     * lives in memory and is current after a longjmp. */
    unsigned char *buf = NULL;
    unsigned long mem_len = 0;
    if (setjmp(e.jump)) {
        jpeg_destroy_compress(&c);
        free(buf);
        return tern_error_set(err, TERN_E_INTERNAL, "JPEG: writing: %s", e.message);
    }
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &buf, &mem_len);
    c.image_width = img->width;
    c.image_height = img->height;
    c.input_components = (int)img->channels;
    c.in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    if (quality >= 90 && img->channels == 3)
        c.comp_info[0].h_samp_factor = c.comp_info[0].v_samp_factor = 1; /* 4:4:4 */
    c.write_JFIF_header = TRUE;
    if (img->ppi_x > 0 && img->ppi_y > 0 && img->ppi_x < 65535.5 && img->ppi_y < 65535.5) {
        c.density_unit = 1;
        c.X_density = (UINT16)(img->ppi_x + 0.5);
        c.Y_density = (UINT16)(img->ppi_y + 0.5);
    } else {
        c.density_unit = 0; /* aspect ratio only: resolution unknown */
        c.X_density = c.Y_density = 1;
    }
    jpeg_start_compress(&c, TRUE);
    if (opts->comment)
        jpeg_write_marker(&c, JPEG_COM, (const JOCTET *)opts->comment,
                          (unsigned)strnlen(opts->comment, 65533));
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = img->pixels + (size_t)c.next_scanline * img->width * img->channels;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *data = buf;
    *len = mem_len;
    return TERN_OK;
}
