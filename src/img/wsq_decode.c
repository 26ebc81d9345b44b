/* wsq_decode.c - the WSQ decoder (FBI WSQ spec v3.1, Part 1: decoder
 * requirements; file syntax of Annex B): walks the marker segments, decodes
 * the entropy-coded blocks into quantized coefficients, dequantizes them
 * (Annex A.4), runs the synthesis filter bank and maps the result to 8-bit
 * pixels. Output is bit-exact with the NIST reference decoder (NBIS dwsq):
 *
 *   dequantized a = float(Q * (float(p) - C)) + Z/2 (p > 0), with the sum
 *                   done in double and rounded once to float (the reference
 *                   adds a double Z/2.0); - Z/2 and p + C for p < 0; 0 for 0.
 *   pixel         = t = float(float(a * R) + M); t = float(t + 0.5);
 *                   0 if t < 0, 255 if t > 255, else t truncated.
 *
 * Syntax: SOI, then tables (DTT, DQT, DHT), comments (COM) and one SOF in
 * any order, then blocks (SOB + entropy-coded data), tables and comments
 * again allowed between blocks, then EOI. Coefficients run on across blocks
 * in subband order 0..59, skipping subbands whose bin width is 0. */
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"
#include "img/wsq_internal.h"
#include "tern/wsq.h"

typedef struct com_ref {
    size_t off, len;
} com_ref;

typedef struct wsq_state {
    bool decode;                 /* false: headers and comments only */
    wsq_frame frame;
    bool have_sof, have_dtt, have_dqt;
    wsq_filters filt;
    wsq_quant quant;
    wsq_huff huff[WSQ_HUFF_TABLES];
    bool have_huff[WSQ_HUFF_TABLES];
    wsq_tree tree;
    int16_t *coef;
    size_t ncoef, total;
    int blocks;
    com_ref *com;
    size_t ncom, com_cap;
    double ppi;
    bool have_nistcom;
} wsq_state;

static const char *marker_name(uint16_t m)
{
    switch (m) {
    case WSQ_SOI: return "SOI";
    case WSQ_EOI: return "EOI";
    case WSQ_SOF: return "SOF";
    case WSQ_SOB: return "SOB";
    case WSQ_DTT: return "DTT";
    case WSQ_DQT: return "DQT";
    case WSQ_DHT: return "DHT";
    case WSQ_DRT: return "DRT";
    case WSQ_COM: return "COM";
    default: return "unknown";
    }
}

/* Opens the segment after a marker: its length field, then a reader over
 * exactly its payload. */
static tern_status open_segment(tern_reader *r, uint16_t marker, size_t at, tern_reader *seg,
                                tern_error *err)
{
    uint16_t ld;
    if (tern_reader_u16be(r, &ld) != TERN_OK)
        return tern_error_set(err, TERN_E_TRUNCATED,
                              "WSQ: %s marker at byte offset %zu: input ends before its length",
                              marker_name(marker), at);
    if (ld < 2)
        return tern_error_set(err, TERN_E_FORMAT,
                              "WSQ: %s marker at byte offset %zu: segment length %u is below 2",
                              marker_name(marker), at, ld);
    if ((size_t)ld - 2 > tern_reader_left(r))
        return tern_error_set(err, TERN_E_TRUNCATED,
                              "WSQ: %s marker at byte offset %zu: segment of %u bytes overruns "
                              "the input (%zu bytes left)",
                              marker_name(marker), at, ld, tern_reader_left(r) + 2);
    static const char *const what[] = {"WSQ SOI segment", "WSQ EOI segment", "WSQ SOF segment",
                                       "WSQ SOB segment", "WSQ DTT segment", "WSQ DQT segment",
                                       "WSQ DHT segment", "WSQ DRT segment", "WSQ COM segment"};
    unsigned mi = (unsigned)(marker - WSQ_SOI);
    tern_reader_init(seg, r->data, r->pos + ld - 2, mi < 9 ? what[mi] : "WSQ segment", err);
    seg->pos = r->pos;
    r->pos += ld - 2;
    return TERN_OK;
}

static tern_status add_comment(wsq_state *st, const tern_reader *seg, tern_error *err)
{
    size_t off = seg->pos, len = tern_reader_left(seg);
    if (!tern_array_reserve(&st->com, &st->com_cap, st->ncom, sizeof *st->com, 4))
        return tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory for comments");
    st->com[st->ncom++] = (com_ref){off, len};
    if (!st->have_nistcom) {
        double ppi = wsq_nistcom_ppi(seg->data + off, len);
        if (ppi >= 0) {
            st->have_nistcom = true;
            st->ppi = ppi;
        }
    }
    return TERN_OK;
}

/* Total coefficients transmitted: subbands with a non-zero bin width. */
static size_t coded_total(const wsq_state *st)
{
    size_t n = 0;
    for (int i = 0; i < WSQ_CODED_SUBBANDS; i++)
        if (st->quant.q[i] != 0.0f)
            n += (size_t)st->tree.q[i].w * st->tree.q[i].h;
    return n;
}

static tern_status skip_entropy(tern_reader *r)
{
    const uint8_t *d = r->data;
    size_t i = r->pos;
    while (i + 1 < r->len && !(d[i] == 0xff && d[i + 1] != 0x00))
        i++;
    if (i + 1 >= r->len) {
        r->pos = r->len;
            return tern_reader_fail(r, TERN_E_TRUNCATED,
                                "entropy-coded block runs to the end of the input without a "
                                "marker");
    }
    r->pos = i;
    return TERN_OK;
}

static tern_status start_block(wsq_state *st, tern_reader *r, size_t at, tern_error *err)
{
    tern_reader seg;
    tern_status s = open_segment(r, WSQ_SOB, at, &seg, err);
    if (s != TERN_OK)
        return s;
    uint8_t id;
    if (tern_reader_u8(&seg, &id) != TERN_OK || tern_reader_left(&seg) != 0)
        return tern_error_set(err, TERN_E_FORMAT,
                              "WSQ: SOB marker at byte offset %zu: block header must be 1 byte "
                              "(a Huffman table id)",
                              at);
    if (!st->have_sof)
        return tern_error_set(err, TERN_E_FORMAT,
                              "WSQ: SOB marker at byte offset %zu: block before the frame header "
                              "(SOF)",
                              at);
    if (!st->have_dqt)
        return tern_error_set(err, TERN_E_FORMAT,
                              "WSQ: SOB marker at byte offset %zu: block before the "
                              "quantization table (DQT)",
                              at);
    if (id >= WSQ_HUFF_TABLES || !st->have_huff[id])
        return tern_error_set(err, TERN_E_FORMAT,
                              "WSQ: SOB marker at byte offset %zu: Huffman table %u is not "
                              "defined (no DHT for it before the block)",
                              at, id);
    st->blocks++;
    if (!st->decode)
        return skip_entropy(r);
    if (!st->coef) {
        st->total = coded_total(st);
        st->coef = malloc((st->total ? st->total : 1) * sizeof *st->coef);
        if (!st->coef)
            return tern_error_set(err, TERN_E_NOMEM,
                                  "WSQ: out of memory for %zu coefficients", st->total);
    }
    r->what = "WSQ SOB block data";
    s = wsq_huff_decode_block(r, &st->huff[id], st->coef, &st->ncoef, st->total, err);
    r->what = "WSQ";
    return s;
}

static tern_status check_frame(const wsq_frame *f, size_t at, tern_error *err)
{
    if (f->width > TERN_IMAGE_MAX_DIM || f->height > TERN_IMAGE_MAX_DIM ||
        (uint64_t)f->width * f->height > TERN_IMAGE_MAX_PIXELS)
        return tern_error_set(err, TERN_E_LIMIT,
                              "WSQ: SOF marker at byte offset %zu: image %ux%u exceeds Tern's "
                              "limits (%u per side, %u pixels)",
                              at, f->width, f->height, TERN_IMAGE_MAX_DIM, TERN_IMAGE_MAX_PIXELS);
    return TERN_OK;
}

/* One marker segment other than SOB and EOI. */
static tern_status table_segment(wsq_state *st, tern_reader *r, uint16_t m, size_t at,
                                 tern_error *err)
{
    tern_reader seg;
    tern_status s = open_segment(r, m, at, &seg, err);
    if (s != TERN_OK)
        return s;
    switch (m) {
    case WSQ_SOF:
        if (st->have_sof)
            return tern_error_set(err, TERN_E_FORMAT,
                                  "WSQ: SOF marker at byte offset %zu: second frame header", at);
        s = wsq_parse_sof(&seg, &st->frame);
        if (s == TERN_OK)
            s = check_frame(&st->frame, at, err);
        if (s == TERN_OK && st->decode)
            s = wsq_check_size(st->frame.width, st->frame.height, err);
        if (s == TERN_OK) {
            st->have_sof = true;
            wsq_tree_build(st->frame.width, st->frame.height, &st->tree);
        }
        break;
    case WSQ_DTT:
        s = wsq_parse_dtt(&seg, &st->filt);
        st->have_dtt = s == TERN_OK;
        break;
    case WSQ_DQT:
        if (st->blocks > 0)
            return tern_error_set(err, TERN_E_UNSUPPORTED,
                                  "WSQ: DQT marker at byte offset %zu: quantization table "
                                  "redefined between blocks",
                                  at);
        s = wsq_parse_dqt(&seg, &st->quant);
        st->have_dqt = s == TERN_OK;
        break;
    case WSQ_DHT:
        s = wsq_parse_dht(&seg, st->huff, st->have_huff);
        break;
    case WSQ_COM:
        return add_comment(st, &seg, err);
    case WSQ_DRT: {
        uint16_t interval;
        s = tern_reader_u16be(&seg, &interval);
        if (s == TERN_OK && interval != 0)
            return tern_error_set(err, TERN_E_UNSUPPORTED,
                                  "WSQ: DRT marker at byte offset %zu: restart interval %u "
                                  "(restart markers are not supported)",
                                  at, interval);
        break;
    }
    default:
        return tern_error_set(err, TERN_E_INTERNAL, "WSQ: unexpected marker 0x%04x", m);
    }
    return s;
}

static tern_status parse(wsq_state *st, const uint8_t *data, size_t len, tern_error *err)
{
    tern_reader r;
    tern_reader_init(&r, data, len, "WSQ", err);
    uint16_t m;
    if (tern_reader_u16be(&r, &m) != TERN_OK || m != WSQ_SOI)
        return tern_error_set(err, TERN_E_FORMAT,
                              "WSQ: no SOI marker (0xffa0) at byte offset 0: not a WSQ file");
    for (;;) {
        size_t at = r.pos;
        if (tern_reader_u16be(&r, &m) != TERN_OK)
            return tern_error_set(err, TERN_E_TRUNCATED,
                                  "WSQ: input ends at byte offset %zu before the EOI marker", at);
        tern_status s;
        if (m == WSQ_EOI)
            break;
        switch (m) {
        case WSQ_SOB:
            s = start_block(st, &r, at, err);
            break;
        case WSQ_SOF:
        case WSQ_DTT:
        case WSQ_DQT:
        case WSQ_DHT:
        case WSQ_COM:
        case WSQ_DRT:
            s = table_segment(st, &r, m, at, err);
            break;
        case WSQ_SOI:
            return tern_error_set(err, TERN_E_FORMAT, "WSQ: second SOI marker at byte offset %zu",
                                  at);
        default:
            return tern_error_set(err, TERN_E_FORMAT,
                                  "WSQ: expected a marker at byte offset %zu, found 0x%04x", at,
                                  m);
        }
        if (s != TERN_OK)
            return s;
    }
    if (!st->have_sof)
        return tern_error_set(err, TERN_E_FORMAT, "WSQ: no frame header (SOF) before EOI");
    if (st->blocks == 0)
        return tern_error_set(err, TERN_E_FORMAT, "WSQ: no image data (SOB) before EOI");
    if (st->decode && !st->have_dtt)
        return tern_error_set(err, TERN_E_FORMAT, "WSQ: no transform table (DTT) in the file");
    if (st->decode && st->ncoef != st->total)
        return tern_error_set(err, TERN_E_FORMAT,
                              "WSQ: image data ends after %zu of %zu coefficients", st->ncoef,
                              st->total);
    return TERN_OK;
}

static void state_free(wsq_state *st)
{
    free(st->coef);
    free(st->com);
}

/* Places the coefficients in their subbands, dequantized, into a zeroed
 * image. */
static void dequantize(const wsq_state *st, float *img)
{
    uint32_t width = st->frame.width;
    const int16_t *p = st->coef;
    float c = st->quant.bin_center;
    for (int i = 0; i < WSQ_CODED_SUBBANDS; i++) {
        float q = st->quant.q[i];
        if (q == 0.0f)
            continue;
        double half_z = (double)st->quant.z[i] / 2.0;
        const wsq_rect *b = &st->tree.q[i];
        for (uint32_t y = 0; y < b->h; y++) {
            float *row = img + (size_t)(b->y + y) * width + b->x;
            for (uint32_t x = 0; x < b->w; x++, p++) {
                if (*p == 0)
                    continue; /* the image starts zeroed (+0.0, as the reference) */
                if (*p > 0)
                    row[x] = (float)((double)(q * ((float)*p - c)) + half_z);
                else
                    row[x] = (float)((double)(q * ((float)*p + c)) - half_z);
            }
        }
    }
}

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

/* The reference's float-to-pixel rule, four pixels at a time (lane-wise
 * float operations round exactly as scalar ones): t = x * R + M, t += 0.5,
 * 255 above 255, 0 below 0 (and for NaN, which only a hostile filter table
 * can produce), else truncated. */
static void to_pixels(const float *img, size_t n, float m_shift, float r_scale, uint8_t *out)
{
    const v4f r = {r_scale, r_scale, r_scale, r_scale};
    const v4f m = {m_shift, m_shift, m_shift, m_shift};
    const v4f half = {0.5f, 0.5f, 0.5f, 0.5f}, top = {255.0f, 255.0f, 255.0f, 255.0f};
    const v4f zero = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f x;
        memcpy(&x, img + i, sizeof x);
        v4f t = x * r + m;
        t = t + half;
        v4i over = t > top, keep = t >= zero;
        v4i bits = ((v4i)t & ~over) | ((v4i)top & over);
        v4i v = __builtin_convertvector((v4f)(bits & keep), v4i);
        for (int k = 0; k < 4; k++)
            out[i + k] = (uint8_t)v[k];
    }
    for (; i < n; i++) {
        float t = img[i] * r_scale + m_shift;
        t = t + 0.5f; /* exact in double too, so one float rounding either way */
        t = t > 255.0f ? 255.0f : t;
        out[i] = t >= 0.0f ? (uint8_t)(int)t : 0;
    }
}

tern_status tern_wsq_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err)
{
    if (!out || (!data && len))
        return tern_error_set(err, TERN_E_ARG, "WSQ: no input or output given");
    *out = NULL;
    wsq_state *st = calloc(1, sizeof *st);
    if (!st)
        return tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory");
    st->decode = true;
    tern_status s = parse(st, data, len, err);
    float *img = NULL;
    tern_image *im = NULL;
    if (s == TERN_OK) {
        size_t npix = (size_t)st->frame.width * st->frame.height;
        img = calloc(npix, sizeof *img);
        if (!img)
            s = tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory for a %ux%u image",
                               st->frame.width, st->frame.height);
    }
    if (s == TERN_OK) {
        dequantize(st, img);
        s = wsq_reconstruct(img, st->frame.width, st->frame.height, &st->tree, &st->filt, err);
    }
    if (s == TERN_OK)
        s = tern_image_create(st->frame.width, st->frame.height, 1, &im, err);
    if (s == TERN_OK) {
        to_pixels(img, (size_t)st->frame.width * st->frame.height, st->frame.m_shift,
                  st->frame.r_scale, im->pixels);
        im->ppi_x = im->ppi_y = st->ppi;
        *out = im;
    }
    free(img);
    state_free(st);
    free(st);
    return s;
}

tern_status tern_wsq_info_read(const uint8_t *data, size_t len, tern_wsq_info *info,
                               tern_error *err)
{
    if (!info || (!data && len))
        return tern_error_set(err, TERN_E_ARG, "WSQ: no input or output given");
    memset(info, 0, sizeof *info);
    wsq_state *st = calloc(1, sizeof *st);
    if (!st)
        return tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory");
    tern_status s = parse(st, data, len, err);
    if (s == TERN_OK && st->ncom) {
        info->comments = calloc(st->ncom, sizeof *info->comments);
        if (!info->comments)
            s = tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory for comments");
        for (size_t i = 0; s == TERN_OK && i < st->ncom; i++) {
            char *c = malloc(st->com[i].len + 1);
            if (!c) {
                s = tern_error_set(err, TERN_E_NOMEM, "WSQ: out of memory for comments");
                break;
            }
            memcpy(c, data + st->com[i].off, st->com[i].len);
            c[st->com[i].len] = '\0';
            info->comments[info->n_comments++] = c;
        }
    }
    if (s == TERN_OK) {
        info->width = st->frame.width;
        info->height = st->frame.height;
        info->ppi = st->ppi;
        info->bitrate = (double)len * 8.0 / ((double)st->frame.width * st->frame.height);
        info->encoder = st->frame.encoder;
        info->software = st->frame.software;
    } else {
        tern_wsq_info_free(info);
    }
    state_free(st);
    free(st);
    return s;
}

void tern_wsq_info_free(tern_wsq_info *info)
{
    if (!info)
        return;
    for (size_t i = 0; i < info->n_comments; i++)
        free(info->comments[i]);
    free(info->comments);
    memset(info, 0, sizeof *info);
}
