/* jp2.c - JPEG 2000 (ITU-T T.800 | ISO/IEC 15444-1) through OpenJPEG 2.5:
 * the JP2 file format (Annex I) and raw J2K codestreams, from and to memory
 * through opj_stream user callbacks.
 *
 * Decoding: 1 component -> grey, 3 or more -> RGB (components 0..2; sYCC is
 * converted with the T.800 Annex G / IEC 61966-2-1 matrix), each scaled from
 * its precision to 8 bits with rounding (signed samples offset first).
 * Subsampled components are refused. OpenJPEG runs in strict mode, so a
 * truncated codestream is an error, not a partial image; its messages never
 * reach stderr: info and warnings are dropped, the first error is captured
 * into the tern_error. The declared size (SIZ) is bounded before decoding.
 *
 * Resolution: the JP2 header's resolution superbox ('res ', I.5.3.7): the
 * capture resolution 'resc' if present, else the default display resolution
 * 'resd', each VR = VRcN / VRcD * 10^VRcE pixels per metre. OpenJPEG does
 * not expose it, so the boxes are read here with the bounded reader, and the
 * encoder inserts a 'resc' box into the jp2h box that OpenJPEG wrote. A whole
 * ppi p is stored exactly as 5p / 127 * 10^3 ppm.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openjpeg.h>

#include "img/img_internal.h"
#include "tern/bytes.h"

typedef struct jp2_io {
    const uint8_t *data; /* decoding: the input */
    size_t len;
    size_t pos;
    tern_buf out;        /* encoding: the output (pos may be below out.len) */
    char message[256];   /* OpenJPEG's first error */
} jp2_io;

/* ---- OpenJPEG plumbing ------------------------------------------------------ */

static void on_quiet(const char *msg, void *user) { (void)msg, (void)user; }

static void on_error(const char *msg, void *user)
{
    jp2_io *io = user;
    if (io->message[0])
        return;
    snprintf(io->message, sizeof io->message, "%s", msg);
    size_t n = strlen(io->message);
    while (n && (io->message[n - 1] == '\n' || io->message[n - 1] == ' '))
        io->message[--n] = '\0';
}

static void quiet(opj_codec_t *codec, jp2_io *io)
{
    opj_set_info_handler(codec, on_quiet, NULL);
    opj_set_warning_handler(codec, on_quiet, NULL);
    opj_set_error_handler(codec, on_error, io);
}

static OPJ_SIZE_T io_read(void *buf, OPJ_SIZE_T n, void *user)
{
    jp2_io *io = user;
    if (io->pos >= io->len)
        return (OPJ_SIZE_T)-1;
    size_t k = n < io->len - io->pos ? n : io->len - io->pos;
    memcpy(buf, io->data + io->pos, k);
    io->pos += k;
    return k;
}

static OPJ_OFF_T io_skip(OPJ_OFF_T n, void *user)
{
    jp2_io *io = user;
    size_t end = io->data ? io->len : io->out.len;
    if (n < 0 ? (size_t)-n > io->pos : (uint64_t)n > SIZE_MAX - io->pos)
        return -1;
    io->pos = n < 0 ? io->pos - (size_t)-n : io->pos + (size_t)n;
    if (io->data && io->pos > end) {
        OPJ_OFF_T done = n - (OPJ_OFF_T)(io->pos - end);
        io->pos = end;
        return done;
    }
    return n;
}

static OPJ_BOOL io_seek(OPJ_OFF_T pos, void *user)
{
    jp2_io *io = user;
    if (pos < 0 || (io->data && (uint64_t)pos > io->len))
        return OPJ_FALSE;
    io->pos = (size_t)pos;
    return OPJ_TRUE;
}

/* Writes at pos, overwriting and extending (OpenJPEG seeks back to patch
 * box lengths); a gap left by a skip is zero-filled. */
static OPJ_SIZE_T io_write(void *buf, OPJ_SIZE_T n, void *user)
{
    jp2_io *io = user;
    tern_buf *b = &io->out;
    size_t end;
    if (!tern_size_add(io->pos, n, &end))
        return (OPJ_SIZE_T)-1;
    if (end > b->len) {
        if (!tern_buf_reserve(b, end - b->len))
            return (OPJ_SIZE_T)-1;
        if (io->pos > b->len)
            memset(b->data + b->len, 0, io->pos - b->len);
        b->len = end;
    }
    memcpy(b->data + io->pos, buf, n);
    io->pos = end;
    return n;
}

static opj_stream_t *make_stream(jp2_io *io, int input)
{
    opj_stream_t *st = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, input ? OPJ_TRUE : OPJ_FALSE);
    if (!st)
        return NULL;
    opj_stream_set_user_data(st, io, NULL);
    if (input) {
        opj_stream_set_user_data_length(st, io->len);
        opj_stream_set_read_function(st, io_read);
    } else {
        opj_stream_set_write_function(st, io_write);
    }
    opj_stream_set_skip_function(st, io_skip);
    opj_stream_set_seek_function(st, io_seek);
    return st;
}

/* OpenJPEG reads its input in large chunks, so the stream position does not
 * say where it failed; its messages say whether the data ran out. */
static tern_status read_failure(const jp2_io *io)
{
    static const char *const ran_out[] = {"short", "stream length", "truncat", "end of"};
    for (size_t i = 0; i < sizeof ran_out / sizeof ran_out[0]; i++)
        if (strstr(io->message, ran_out[i]))
            return TERN_E_TRUNCATED;
    return TERN_E_FORMAT;
}

static tern_status lib_fail(const jp2_io *io, tern_status status, const char *doing,
                            tern_error *err)
{
    return tern_error_set(err, status, "JPEG 2000: %s: %s", doing,
                          io->message[0] ? io->message : "OpenJPEG failed");
}

/* ---- resolution boxes (T.800 I.5.3.7) ---------------------------------------- */

/* Reads one box header; *end receives the offset after the box. */
static tern_status box_header(tern_reader *r, size_t limit, uint32_t *type, size_t *end)
{
    size_t start = r->pos;
    uint32_t lbox;
    tern_status s;
    if ((s = tern_reader_u32be(r, &lbox)) != TERN_OK || (s = tern_reader_u32be(r, type)) != TERN_OK)
        return s;
    uint64_t size = lbox;
    if (lbox == 1) {
        uint32_t hi, lo;
        if ((s = tern_reader_u32be(r, &hi)) != TERN_OK || (s = tern_reader_u32be(r, &lo)) != TERN_OK)
            return s;
        size = (uint64_t)hi << 32 | lo;
    } else if (lbox == 0) {
        size = limit - start;
    }
    if (size < r->pos - start || size > limit - start) {
        r->pos = start;
        return tern_reader_fail(r, TERN_E_FORMAT, "box length %llu does not fit",
                                (unsigned long long)size);
    }
    *end = start + (size_t)size;
    return TERN_OK;
}

/* Finds the box of `type` among the boxes in [r->pos, limit). */
static tern_status find_box(tern_reader *r, size_t limit, uint32_t type, size_t *body,
                            size_t *end)
{
    while (r->pos + 8 <= limit) {
        uint32_t t;
        tern_status s = box_header(r, limit, &t, end);
        if (s != TERN_OK)
            return s;
        if (t == type) {
            *body = r->pos;
            return TERN_OK;
        }
        r->pos = *end;
    }
    return TERN_E_NOT_FOUND;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define BOX(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static double axis_ppi(uint16_t num, uint16_t den, int8_t exp)
{
    if (num == 0 || den == 0 || exp < -30 || exp > 30)
        return 0;
    double scale = pow(10.0, exp);
    return img_ppi_from_ppm(num / (double)den * scale, scale / den);
}

/* The resolution recorded in a JP2 file; 0 where it records none. A broken
 * box structure only loses the resolution: OpenJPEG has already judged the
 * file decodable. */
static void read_resolution(const uint8_t *data, size_t len, double *ppi_x, double *ppi_y)
{
    *ppi_x = *ppi_y = 0;
    tern_reader r;
    tern_reader_init(&r, data, len, "JP2", NULL);
    size_t body, end, res_end;
    if (find_box(&r, len, BOX('j', 'p', '2', 'h'), &body, &end) != TERN_OK ||
        find_box(&r, end, BOX('r', 'e', 's', ' '), &body, &res_end) != TERN_OK)
        return;
    static const uint32_t kinds[2] = {BOX('r', 'e', 's', 'c'), BOX('r', 'e', 's', 'd')};
    for (int k = 0; k < 2; k++) {
        r.pos = body;
        size_t b, e;
        const uint8_t *p;
        if (find_box(&r, res_end, kinds[k], &b, &e) != TERN_OK || e - b < 10 ||
            tern_reader_bytes(&r, 10, &p) != TERN_OK)
            continue;
        double y = axis_ppi((uint16_t)(p[0] << 8 | p[1]), (uint16_t)(p[2] << 8 | p[3]), (int8_t)p[8]);
        double x = axis_ppi((uint16_t)(p[4] << 8 | p[5]), (uint16_t)(p[6] << 8 | p[7]), (int8_t)p[9]);
        if (x > 0 && y > 0) {
            *ppi_x = x;
            *ppi_y = y;
            return;
        }
    }
}

/* N / D * 10^E pixels per metre for ppi: exact for whole ppi up to 13107. */
static void rational_for(double ppi, uint8_t out[5])
{
    uint16_t num, den = 127;
    int8_t exp = 3;
    if (ppi == floor(ppi) && ppi >= 1 && ppi <= 13107) {
        num = (uint16_t)(5 * ppi);
    } else {
        double ppm = img_ppm_from_ppi(ppi);
        den = 1;
        exp = 0;
        while (ppm / pow(10.0, exp) > 65535.0 && exp < 20)
            exp++;
        while (exp > -4 && ppm / pow(10.0, exp - 1) <= 65535.0)
            exp--;
        num = (uint16_t)(ppm / pow(10.0, exp) + 0.5);
    }
    out[0] = (uint8_t)(num >> 8), out[1] = (uint8_t)num;
    out[2] = (uint8_t)(den >> 8), out[3] = (uint8_t)den;
    out[4] = (uint8_t)exp;
}

/* Appends a 'res ' box holding 'resc' to the jp2h box of the file in b. */
static tern_status add_resolution(tern_buf *b, double ppi_x, double ppi_y, tern_error *err)
{
    tern_reader r;
    tern_reader_init(&r, b->data, b->len, "JP2 (as written)", err);
    size_t body, end;
    if (find_box(&r, b->len, BOX('j', 'p', '2', 'h'), &body, &end) != TERN_OK || body < 8 ||
        be32(b->data + body - 8) != end - body + 8)
        return tern_error_set(err, TERN_E_INTERNAL, "JPEG 2000: no jp2h box in OpenJPEG's output");
    uint8_t vy[5], vx[5];
    rational_for(ppi_y, vy);
    rational_for(ppi_x, vx);
    uint8_t res[26] = {0, 0, 0, 26, 'r', 'e', 's', ' ', 0, 0, 0, 18, 'r', 'e', 's', 'c'};
    memcpy(res + 16, vy, 4);
    memcpy(res + 20, vx, 4);
    res[24] = vy[4];
    res[25] = vx[4];
    tern_buf nb = {0};
    tern_buf_put(&nb, b->data, end);
    tern_buf_put(&nb, res, sizeof res);
    tern_buf_put(&nb, b->data + end, b->len - end);
    tern_status s = tern_buf_status(&nb, err);
    if (s != TERN_OK) {
        tern_buf_free(&nb);
        return s;
    }
    uint8_t *lbox = nb.data + body - 8;
    uint32_t size = be32(lbox) + 26;
    lbox[0] = (uint8_t)(size >> 24), lbox[1] = (uint8_t)(size >> 16), lbox[2] = (uint8_t)(size >> 8),
    lbox[3] = (uint8_t)size;
    tern_buf_free(b);
    *b = nb;
    return TERN_OK;
}

/* ---- decoding ----------------------------------------------------------------- */

static uint8_t to8(OPJ_INT32 v, const opj_image_comp_t *c)
{
    int64_t x = v;
    if (c->sgnd)
        x += (int64_t)1 << (c->prec - 1);
    int64_t max = ((int64_t)1 << c->prec) - 1;
    x = x < 0 ? 0 : x > max ? max : x;
    return c->prec == 8 ? (uint8_t)x : (uint8_t)((x * 255 + max / 2) / max);
}

static uint8_t clamp8(double v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5); }

static tern_status convert(const opj_image_t *im, tern_image **out, tern_error *err)
{
    uint32_t nc = im->numcomps >= 3 ? 3 : 1;
    uint32_t w = im->comps[0].w, h = im->comps[0].h;
    for (uint32_t i = 0; i < nc; i++) {
        const opj_image_comp_t *c = &im->comps[i];
        if (c->w != w || c->h != h || c->dx != 1 || c->dy != 1 || !c->data)
            return tern_error_set(err, TERN_E_UNSUPPORTED,
                                  "JPEG 2000: component %u is subsampled (%ux%u, step %ux%u)", i,
                                  c->w, c->h, c->dx, c->dy);
    }
    if (nc == 3 && im->color_space != OPJ_CLRSPC_SRGB && im->color_space != OPJ_CLRSPC_SYCC &&
        im->color_space != OPJ_CLRSPC_UNSPECIFIED && im->color_space != OPJ_CLRSPC_UNKNOWN)
        return tern_error_set(err, TERN_E_UNSUPPORTED, "JPEG 2000: colour space %d not supported",
                              (int)im->color_space);
    tern_status s = tern_image_create(w, h, nc, out, err);
    if (s != TERN_OK)
        return s;
    size_t n = (size_t)w * h;
    uint8_t *px = (*out)->pixels;
    for (size_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < nc; k++)
            px[i * nc + k] = to8(im->comps[k].data[i], &im->comps[k]);
    if (nc == 3 && im->color_space == OPJ_CLRSPC_SYCC) {
        for (size_t i = 0; i < n; i++) {
            double y = px[3 * i], cb = px[3 * i + 1] - 128.0, cr = px[3 * i + 2] - 128.0;
            px[3 * i] = clamp8(y + 1.402 * cr);
            px[3 * i + 1] = clamp8(y - 0.344136 * cb - 0.714136 * cr);
            px[3 * i + 2] = clamp8(y + 1.772 * cb);
        }
    }
    return TERN_OK;
}

static tern_status check_header(const opj_image_t *im, tern_error *err)
{
    if (im->x1 <= im->x0 || im->y1 <= im->y0)
        return tern_error_set(err, TERN_E_FORMAT, "JPEG 2000: empty image area in SIZ");
    tern_status s = img_check_size("JPEG 2000", (uint64_t)im->x1 - im->x0,
                                   (uint64_t)im->y1 - im->y0, err);
    if (s != TERN_OK)
        return s;
    if (im->numcomps == 0 || !im->comps)
        return tern_error_set(err, TERN_E_FORMAT, "JPEG 2000: no components");
    /* OpenJPEG decodes every component into 32-bit samples: more than grey,
     * grey + alpha, RGB or RGBA would multiply memory for nothing Tern uses. */
    if (im->numcomps > 4)
        return tern_error_set(err, TERN_E_UNSUPPORTED,
                              "JPEG 2000: %u components (at most 4 supported)", im->numcomps);
    for (uint32_t i = 0; i < (im->numcomps >= 3 ? 3u : 1u); i++)
        if (im->comps[i].prec < 1 || im->comps[i].prec > 16)
            return tern_error_set(err, TERN_E_UNSUPPORTED,
                                  "JPEG 2000: component %u has %u-bit samples (1..16 supported)",
                                  i, im->comps[i].prec);
    return TERN_OK;
}

tern_status img_jp2_decode(const uint8_t *data, size_t len, tern_image_format fmt,
                           tern_image **out, tern_error *err)
{
    *out = NULL;
    jp2_io io = {.data = data, .len = len};
    opj_codec_t *codec = opj_create_decompress(fmt == TERN_IMAGE_JP2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    opj_stream_t *st = make_stream(&io, 1);
    opj_image_t *im = NULL;
    tern_status s = TERN_OK;
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!codec || !st) {
        s = tern_error_set(err, TERN_E_NOMEM, "JPEG 2000: out of memory");
    } else {
        quiet(codec, &io);
        if (!opj_setup_decoder(codec, &params) || !opj_decoder_set_strict_mode(codec, OPJ_TRUE))
            s = lib_fail(&io, TERN_E_INTERNAL, "setting up", err);
        else if (!opj_read_header(st, codec, &im))
            s = lib_fail(&io, read_failure(&io), "reading the header", err);
        else if ((s = check_header(im, err)) != TERN_OK)
            ;
        else if (!opj_decode(codec, st, im) || !opj_end_decompress(codec, st))
            s = lib_fail(&io, read_failure(&io), "decoding", err);
        else
            s = convert(im, out, err);
    }
    opj_image_destroy(im);
    opj_stream_destroy(st);
    opj_destroy_codec(codec);
    if (s == TERN_OK && fmt == TERN_IMAGE_JP2)
        read_resolution(data, len, &(*out)->ppi_x, &(*out)->ppi_y);
    return s;
}

/* ---- encoding ----------------------------------------------------------------- */

static opj_image_t *make_opj_image(const tern_image *img)
{
    uint32_t nc = img->channels;
    opj_image_cmptparm_t cp[3];
    memset(cp, 0, sizeof cp);
    for (uint32_t k = 0; k < nc; k++) {
        cp[k].dx = cp[k].dy = 1;
        cp[k].w = img->width;
        cp[k].h = img->height;
        cp[k].prec = 8;
    }
    opj_image_t *im = opj_image_create(nc, cp, nc == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY);
    if (!im)
        return NULL;
    im->x1 = img->width;
    im->y1 = img->height;
    size_t n = (size_t)img->width * img->height;
    for (uint32_t k = 0; k < nc; k++)
        for (size_t i = 0; i < n; i++)
            im->comps[k].data[i] = img->pixels[i * nc + k];
    return im;
}

tern_status img_jp2_encode(const tern_image *img, tern_image_format fmt,
                           const tern_image_encode_opts *opts, uint8_t **data, size_t *len,
                           tern_error *err)
{
    double ratio = opts->jp2_ratio > 0 ? opts->jp2_ratio : 10;
    if (!opts->jp2_lossless && (!isfinite(ratio) || ratio < 1 || ratio > 1000))
        return tern_error_set(err, TERN_E_ARG, "JPEG 2000: ratio %g is outside 1..1000", ratio);
    opj_cparameters_t p;
    opj_set_default_encoder_parameters(&p);
    p.tcp_numlayers = 1;
    p.cp_disto_alloc = 1;
    p.irreversible = opts->jp2_lossless ? 0 : 1;
    p.tcp_rates[0] = opts->jp2_lossless ? 0 : (float)ratio;
    p.tcp_mct = img->channels == 3 ? 1 : 0;
    while (p.numresolution > 1 && ((img->width >> (p.numresolution - 1)) == 0 ||
                                   (img->height >> (p.numresolution - 1)) == 0))
        p.numresolution--;
    jp2_io io = {0};
    opj_image_t *im = make_opj_image(img);
    opj_codec_t *codec = opj_create_compress(fmt == TERN_IMAGE_JP2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    opj_stream_t *st = make_stream(&io, 0);
    tern_status s = TERN_OK;
    if (!im || !codec || !st) {
        s = tern_error_set(err, TERN_E_NOMEM, "JPEG 2000: out of memory");
    } else {
        quiet(codec, &io);
        if (!opj_setup_encoder(codec, &p, im) || !opj_start_compress(codec, im, st) ||
            !opj_encode(codec, st) || !opj_end_compress(codec, st))
            s = lib_fail(&io, TERN_E_INTERNAL, "encoding", err);
    }
    opj_stream_destroy(st);
    opj_destroy_codec(codec);
    opj_image_destroy(im);
    if (s == TERN_OK)
        s = tern_buf_status(&io.out, err);
    if (s == TERN_OK && fmt == TERN_IMAGE_JP2 && img->ppi_x > 0 && img->ppi_y > 0)
        s = add_resolution(&io.out, img->ppi_x, img->ppi_y, err);
    if (s != TERN_OK) {
        tern_buf_free(&io.out);
        return s;
    }
    *data = tern_buf_take(&io.out, len);
    return TERN_OK;
}
