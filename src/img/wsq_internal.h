/* wsq_internal.h - shared pieces of Tern's WSQ codec (FBI IAFIS-IC-0110 v3.1,
 * "WSQ Gray-scale Fingerprint Image Compression Specification"): marker
 * codes, table structures, the subband geometry, the wavelet filter bank,
 * Huffman coding and quantization. Not a public header.
 *
 * Numerics: every quantity the decoder derives from the file (filter taps,
 * bin widths, shift and scale) is a float obtained exactly as the NIST
 * reference decoder obtains it (integer -> float, then one float rounding per
 * division by ten); see docs/wsq.md. */
#ifndef TERN_WSQ_INTERNAL_H
#define TERN_WSQ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/bytes.h"
#include "tern/status.h"

/* Markers (spec Part 1, Table 1). */
enum {
    WSQ_SOI = 0xffa0,
    WSQ_EOI = 0xffa1,
    WSQ_SOF = 0xffa2,
    WSQ_SOB = 0xffa3,
    WSQ_DTT = 0xffa4,
    WSQ_DQT = 0xffa5,
    WSQ_DHT = 0xffa6,
    WSQ_DRT = 0xffa7,
    WSQ_COM = 0xffa8,
};

#define WSQ_SUBBANDS 64        /* subbands in the decomposition (spec Figure 7) */
#define WSQ_CODED_SUBBANDS 60  /* 60..63 are never transmitted */
#define WSQ_WNODES 20          /* two-dimensional splits of the filter bank */
#define WSQ_MAX_TAPS 32        /* longest filter Tern accepts */
#define WSQ_HUFF_TABLES 8      /* Huffman table ids 0..7 */
#define WSQ_BLOCK2_START 19    /* first subband of block 2 (block 1: 0..18) */
#define WSQ_BLOCK3_START 52    /* first subband of block 3 (52..59) */

/* The transform table (DTT), as the decoder uses it: the synthesis filters
 * derived from the file's analysis filters by modulation, in float. */
typedef struct wsq_filters {
    int lo_len, hi_len;          /* synthesis lowpass / highpass lengths (odd) */
    float lo[WSQ_MAX_TAPS];
    float hi[WSQ_MAX_TAPS];
} wsq_filters;

/* The quantization table (DQT). */
typedef struct wsq_quant {
    float bin_center;            /* C */
    float q[WSQ_SUBBANDS];       /* bin widths; 0 = subband not transmitted */
    float z[WSQ_SUBBANDS];       /* zero-bin widths */
} wsq_quant;

/* A Huffman table (DHT): code-length counts and symbol values. */
typedef struct wsq_huff {
    uint8_t counts[17];          /* counts[len], len 1..16 */
    uint8_t values[256];
    int n_values;
    /* decoding tables (canonical codes) */
    int32_t mincode[17], maxcode[17], valptr[17];
    uint16_t fast[256];          /* next 8 bits -> (length << 8 | symbol), 0: longer */
} wsq_huff;

typedef struct wsq_frame {
    int black, white;
    uint32_t width, height;
    float m_shift, r_scale;
    int encoder, software;
} wsq_frame;

/* ---- subband geometry (spec Part 1, Annex A: the decomposition tree) ---- */

typedef struct wsq_rect {
    uint32_t x, y, w, h;
} wsq_rect;

typedef struct wsq_wnode {
    wsq_rect r;
    bool inv_x, inv_y;           /* highpass half first along x / y */
} wsq_wnode;

typedef struct wsq_tree {
    wsq_wnode w[WSQ_WNODES];     /* splits, in analysis order */
    wsq_rect q[WSQ_SUBBANDS];    /* subbands 0..59 (60..63 left empty) */
} wsq_tree;

void wsq_tree_build(uint32_t width, uint32_t height, wsq_tree *t);

/* ---- filter bank -------------------------------------------------------- */

/* Reconstructs, in place, the float image (width*height, row-major) from its
 * 64-subband decomposition, bit-exactly as the NIST reference does. */
tern_status wsq_reconstruct(float *img, uint32_t width, uint32_t height, const wsq_tree *t,
                            const wsq_filters *f, tern_error *err);
/* Whether a width x height image can be coded with the spec's 9/7 filters
 * (every split long enough for them); TERN_E_UNSUPPORTED if not. */
tern_status wsq_check_size(uint32_t width, uint32_t height, tern_error *err);
/* The forward transform (encoder), in place. lo/hi are the analysis filters
 * (odd lengths, symmetric, centre tap in the middle). */
tern_status wsq_decompose(float *img, uint32_t width, uint32_t height, const wsq_tree *t,
                          const float *lo, int lo_len, const float *hi, int hi_len,
                          tern_error *err);

/* ---- Huffman coding ----------------------------------------------------- */

/* Builds the canonical decoding tables; false if the counts over-subscribe
 * the code space or exceed 256 values. */
bool wsq_huff_prepare(wsq_huff *h);


/* Decodes one block into coef[*count..limit), advancing *count; stops at the
 * marker that ends the block (r->pos is left on it). */
tern_status wsq_huff_decode_block(tern_reader *r, const wsq_huff *h, int16_t *coef,
                                  size_t *count, size_t limit, tern_error *err);

/* Code lengths for symbol frequencies (JPEG-style, at most 16 bits, the
 * all-ones code reserved): fills counts and values of h. */
void wsq_huff_from_freqs(const uint32_t freq[256], wsq_huff *h);

/* ---- marker segments (wsq_tables.c) ------------------------------------- */

/* Each parses the payload of one segment; seg spans exactly that payload
 * (absolute offsets, so messages name the byte offset in the file). */
tern_status wsq_parse_sof(tern_reader *seg, wsq_frame *f);
tern_status wsq_parse_dtt(tern_reader *seg, wsq_filters *f);
tern_status wsq_parse_dqt(tern_reader *seg, wsq_quant *q);
tern_status wsq_parse_dht(tern_reader *seg, wsq_huff tables[WSQ_HUFF_TABLES],
                          bool defined[WSQ_HUFF_TABLES]);
/* The PPI of a NISTCOM comment: > 0 known, 0 unknown or absent (255 and -1
 * mean unknown), -1 if the text is not a NISTCOM at all. */
double wsq_nistcom_ppi(const uint8_t *text, size_t len);

/* ---- quantization (encoder, wsq_quant.c) --------------------------------- */

/* Variances of subbands 0..59 of a decomposed image (spec Part 3). */
void wsq_quant_variances(const float *img, uint32_t width, const wsq_tree *t,
                         double var[WSQ_CODED_SUBBANDS]);
/* Bin widths Q_k for a target bitrate (bits per pixel); 0 = not coded. */
void wsq_quant_bins(const double var[WSQ_CODED_SUBBANDS], double bitrate,
                    double q[WSQ_CODED_SUBBANDS]);
/* One coefficient's quantization index, clamped to +-32767. */
int16_t wsq_quantize(float a, float q, float z);

/* ---- shared helpers ----------------------------------------------------- */

/* value / 10^scale in float, one rounding per division as the reference. */
float wsq_scaled_float(uint32_t value, unsigned scale);

#endif
