/* nist_image.c - the image records of ANSI/NIST-ITL transactions (NIST SP
 * 500-290: Types 3-6 binary fingerprint images, 7 user-defined, 8
 * signature, 10 face/SMT, 13 latent, 14 fingerprint, 15 palm, 16
 * user-defined test, 17 iris): description and decoding.
 *
 * Compression codes (SP 500-290 Table 15): 0 NONE, 1 WSQ20, 2 JPEGB,
 * 3 JPEGL, 4 JP2, 5 JP2L, 6 PNG; binary Types 5/6 BCA and Type-8 SRT:
 * 0 uncompressed, 1 CCITT Group 4; SRT 2 pen vectors. Resolution: binary
 * records by ISR (0 = 1.011 NSR, 1 = 1.012 NTR), tagged ones by SLC, THPS,
 * TVPS (1 ppi, 2 ppcm). Bi-level data: 1 bit per pixel, most significant
 * bit first, bit 1 = black, each row padded to a whole byte. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nist/nist_internal.h"
#include "tern/nist_types.h"

static long field_long(const tern_nist_record *r, uint32_t number, long dflt)
{
    long v;
    return tern_nist_item_long(tern_nist_find(r, number), 0, 0, &v) ? v : dflt;
}

/* Pixels per mm to pixels per inch, rounded: 19.69 mm^-1 is 500 ppi. The
 * standard gives ppmm to two decimals, finer than which ppi means nothing. */
static double ppmm_to_ppi(double ppmm) { return ppmm > 0 ? floor(ppmm * 25.4 + 0.5) : 0; }

static tern_nist_compression compression_of(const char *name)
{
    static const struct {
        const char *name;
        tern_nist_compression c;
    } codes[] = {
        {"NONE", TERN_NIST_COMP_NONE}, {"0", TERN_NIST_COMP_NONE},
        {"WSQ20", TERN_NIST_COMP_WSQ}, {"WSQ", TERN_NIST_COMP_WSQ},
        {"1", TERN_NIST_COMP_WSQ},     {"JPEGB", TERN_NIST_COMP_JPEG},
        {"2", TERN_NIST_COMP_JPEG},    {"JPEGL", TERN_NIST_COMP_JPEG},
        {"3", TERN_NIST_COMP_JPEG},    {"JPEG", TERN_NIST_COMP_JPEG},
        {"JP2", TERN_NIST_COMP_JP2},   {"4", TERN_NIST_COMP_JP2},
        {"JP2L", TERN_NIST_COMP_JP2},  {"5", TERN_NIST_COMP_JP2},
        {"PNG", TERN_NIST_COMP_PNG},   {"6", TERN_NIST_COMP_PNG},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcasecmp(name, codes[i].name) == 0)
            return codes[i].c;
    return TERN_NIST_COMP_OTHER;
}

/* The field holding the image data: the binary record's data field, or
 * the binary x.999 (the last one, where NBIS test files repeat x.999). */
static const tern_nist_field *image_field(const tern_nist_record *r)
{
    if (tern_nist_type_is_binary(r->type))
        return tern_nist_find(r, nist_binary_data_field(r->type));
    for (size_t i = r->n_fields; i-- > 0;)
        if (r->fields[i].number == 999)
            return &r->fields[i];
    return NULL;
}

bool tern_nist_has_image(const tern_nist *t, size_t index)
{
    if (!t || index >= t->n_records)
        return false;
    const tern_nist_record *r = &t->records[index];
    bool typed = (r->type >= 3 && r->type <= 8) || r->type == 10 ||
                 (r->type >= 13 && r->type <= 17);
    const tern_nist_field *f = image_field(r);
    if (!typed || !f || f->len == 0)
        return false;
    /* Type-7 is user-defined: an image only if it is in a known format. */
    return r->type != 7 || tern_image_sniff(f->value, f->len) != TERN_IMAGE_UNKNOWN;
}

static void binary_header(const tern_nist *t, const tern_nist_record *r, tern_nist_image *im)
{
    double nsr = 0, ntr = 0;
    const tern_nist_record *t1 = &t->records[0];
    tern_nist_item_double(tern_nist_find(t1, 11), 0, 0, &nsr);
    tern_nist_item_double(tern_nist_find(t1, 12), 0, 0, &ntr);
    if (nsr <= 0)
        nsr = 19.69; /* the standard's minimum scanning resolution */
    long isr = field_long(r, 5, 0);
    double ppmm = isr ? ntr : nsr;
    if (!isr && (r->type == 3 || r->type == 6))
        ppmm = nsr / 2; /* the low-resolution records */
    im->ppi_x = im->ppi_y = ppmm_to_ppi(ppmm);
    im->width = (uint32_t)field_long(r, 6, 0);
    im->height = (uint32_t)field_long(r, 7, 0);
    long code = field_long(r, 8, -1);
    if (r->type == 8)
        code = field_long(r, 4, -1);
    snprintf(im->compression_name, sizeof im->compression_name, "%ld", code);
    if (r->type == 3 || r->type == 4) {
        im->bits_per_pixel = 8;
        im->compression = compression_of(im->compression_name);
    } else {
        im->bits_per_pixel = 1;
        im->compression = code == 0   ? TERN_NIST_COMP_NONE
                          : code == 1 ? TERN_NIST_COMP_FAX
                          : (r->type == 8 && code == 2) ? TERN_NIST_COMP_VECTOR
                                                        : TERN_NIST_COMP_OTHER;
    }
    if (r->type != 8) {
        im->impression = (int)field_long(r, 3, -1);
        const tern_nist_field *fgp = tern_nist_find(r, 4);
        for (uint32_t s = 0; fgp && s < fgp->n_subfields && im->n_positions < 6; s++) {
            long p;
            if (tern_nist_item_long(fgp, s, 0, &p) && p >= 0 && p < 255)
                im->positions[im->n_positions++] = (uint8_t)p;
        }
    }
}

static void tagged_header(const tern_nist_record *r, tern_nist_image *im)
{
    im->width = (uint32_t)field_long(r, 6, 0);
    im->height = (uint32_t)field_long(r, 7, 0);
    long slc = field_long(r, 8, 0);
    double h = 0, v = 0;
    tern_nist_item_double(tern_nist_find(r, 9), 0, 0, &h);
    tern_nist_item_double(tern_nist_find(r, 10), 0, 0, &v);
    double scale = slc == 1 ? 1.0 : slc == 2 ? 2.54 : 0.0;
    im->ppi_x = h > 0 ? h * scale : 0;
    im->ppi_y = v > 0 ? v * scale : 0;
    tern_nist_item_str(tern_nist_find(r, 11), 0, 0, im->compression_name,
                       sizeof im->compression_name);
    im->compression = im->compression_name[0] ? compression_of(im->compression_name)
                                              : TERN_NIST_COMP_OTHER;
    char csp[16] = "";
    if (r->type == 10 || r->type == 17)
        tern_nist_item_str(tern_nist_find(r, r->type == 10 ? 12 : 13), 0, 0, csp, sizeof csp);
    long bpx = r->type == 10 ? 0 : field_long(r, 12, 0);
    if (bpx > 0 && bpx <= 48)
        im->bits_per_pixel = (uint32_t)bpx;
    else if (csp[0])
        im->bits_per_pixel = strcasecmp(csp, "GRAY") == 0 ? 8 : 24;
    if (r->type == 10)
        tern_nist_item_str(tern_nist_find(r, 3), 0, 0, im->kind, sizeof im->kind);
    if (r->type >= 13 && r->type <= 15) {
        im->impression = (int)field_long(r, 3, -1);
        const tern_nist_field *fgp = tern_nist_find(r, 13);
        for (uint32_t s = 0; fgp && s < fgp->n_subfields && im->n_positions < 6; s++) {
            long p;
            if (tern_nist_item_long(fgp, s, 0, &p) && p >= 0 && p < 255)
                im->positions[im->n_positions++] = (uint8_t)p;
        }
    } else if (r->type == 17) {
        long eye = field_long(r, 3, -1);
        if (eye >= 0 && eye < 255)
            im->positions[im->n_positions++] = (uint8_t)eye;
    }
}

tern_status tern_nist_image_get(const tern_nist *t, size_t index, tern_nist_image *out,
                                tern_error *err)
{
    memset(out, 0, sizeof *out);
    if (!tern_nist_has_image(t, index))
        return tern_error_set(err, TERN_E_NOT_FOUND, "record %zu holds no image", index + 1);
    const tern_nist_record *r = &t->records[index];
    out->record = index;
    out->type = r->type;
    out->idc = tern_nist_record_idc(r);
    out->impression = -1;
    const tern_nist_field *data = image_field(r);
    out->data = data->value;
    out->len = data->len;
    if (r->type == 7) {
        out->compression = TERN_NIST_COMP_OTHER;
        snprintf(out->compression_name, sizeof out->compression_name, "%s",
                 tern_image_format_name(tern_image_sniff(data->value, data->len)));
    } else if (tern_nist_type_is_binary(r->type)) {
        binary_header(t, r, out);
    } else {
        tagged_header(r, out);
    }
    return TERN_OK;
}

/* Unpacks 1-bit data (MSB first, 1 = black, rows byte-padded, or unpadded
 * if that is what the length says) to 0/255 grey. */
static tern_status unpack_bilevel(const tern_nist_image *im, tern_image *img, tern_error *err)
{
    size_t w = im->width, h = im->height, row = (w + 7) / 8;
    bool padded = im->len >= row * h;
    if (!padded && im->len < (w * h + 7) / 8)
        return tern_error_set(err, TERN_E_TRUNCATED,
                              "record %zu (Type-%u): %zu bytes of bi-level data, %zux%zu needs %zu",
                              im->record + 1, im->type, im->len, w, h, row * h);
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            size_t bit = padded ? y * row * 8 + x : y * w + x;
            int black = (im->data[bit / 8] >> (7 - bit % 8)) & 1;
            img->pixels[y * w + x] = black ? 0 : 255;
        }
    return TERN_OK;
}

static tern_status decode_raw(const tern_nist_image *im, tern_image **out, tern_error *err)
{
    uint32_t bpp = im->bits_per_pixel ? im->bits_per_pixel : 8;
    if (bpp != 1 && bpp != 8 && bpp != 24)
        return tern_error_set(err, TERN_E_UNSUPPORTED,
                              "record %zu (Type-%u): uncompressed %u-bit images are not supported",
                              im->record + 1, im->type, bpp);
    if (im->width == 0 || im->height == 0 || im->width > TERN_IMAGE_MAX_DIM ||
        im->height > TERN_IMAGE_MAX_DIM ||
        (uint64_t)im->width * im->height > TERN_IMAGE_MAX_PIXELS)
        return tern_error_set(err, TERN_E_LIMIT,
                              "record %zu (Type-%u): image size %ux%u is empty or too large",
                              im->record + 1, im->type, im->width, im->height);
    tern_image *img;
    tern_status s = tern_image_create(im->width, im->height, bpp == 24 ? 3 : 1, &img, err);
    if (s)
        return s;
    size_t need = (size_t)im->width * im->height * (bpp == 24 ? 3 : 1);
    if (bpp == 1) {
        s = unpack_bilevel(im, img, err);
    } else if (im->len < need) {
        s = tern_error_set(err, TERN_E_TRUNCATED,
                           "record %zu (Type-%u): %zu bytes of image data, %ux%u at %u bits "
                           "needs %zu",
                           im->record + 1, im->type, im->len, im->width, im->height, bpp, need);
    } else {
        memcpy(img->pixels, im->data, need);
    }
    if (s) {
        tern_image_free(img);
        return s;
    }
    *out = img;
    return TERN_OK;
}

tern_status tern_nist_image_decode(const tern_nist_image *im, tern_image **out, tern_error *err)
{
    *out = NULL;
    uint32_t bpp = im->bits_per_pixel ? im->bits_per_pixel : 8;
    size_t raw_len = bpp == 1 ? (size_t)(im->width + 7) / 8 * im->height
                              : (size_t)im->width * im->height * (bpp / 8);
    bool raw = im->compression == TERN_NIST_COMP_NONE && im->len == raw_len;
    tern_image_format fmt = raw ? TERN_IMAGE_UNKNOWN : tern_image_sniff(im->data, im->len);
    tern_status s;
    if (fmt != TERN_IMAGE_UNKNOWN) {
        tern_image_decode_opts opts = {.format = fmt};
        s = tern_image_decode(im->data, im->len, &opts, out, err);
        if (s)
            return tern_error_prefix(err, "record %zu (Type-%u, IDC %d): ", im->record + 1,
                                     im->type, im->idc);
    } else if (im->compression == TERN_NIST_COMP_NONE) {
        s = decode_raw(im, out, err);
        if (s)
            return s;
    } else {
        return tern_error_set(err, TERN_E_UNSUPPORTED,
                              "record %zu (Type-%u, IDC %d): compression %s is not supported%s",
                              im->record + 1, im->type, im->idc, im->compression_name,
                              im->compression == TERN_NIST_COMP_VECTOR
                                  ? " (a signature as pen vectors is not an image)"
                                  : "");
    }
    if (im->ppi_x > 0 && im->ppi_y > 0) {
        (*out)->ppi_x = im->ppi_x;
        (*out)->ppi_y = im->ppi_y;
    }
    return TERN_OK;
}
