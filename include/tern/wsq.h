/* tern/wsq.h - WSQ, the FBI's wavelet scalar quantization codec for 8-bit
 * grey fingerprint images (FBI "WSQ Gray-scale Fingerprint Image Compression
 * Specification", IAFIS-IC-0110 version 3.1). Tern's own implementation.
 *
 * The decoder is bit-exact with the NIST reference decoder (NBIS dwsq):
 * output is pixel-identical on every reference file in ../shared/data/wsq,
 * whatever the optimisation level (see docs/wsq.md for the numerics).
 * Resolution comes from the first NISTCOM comment's PPI where present and
 * plausible (255 and -1 mean unknown); otherwise it is unknown (0). Other
 * NISTCOM fields are advisory and ignored (some files claim PIX_DEPTH 24).
 *
 * Limits: images of at most TERN_IMAGE_MAX_DIM per side and
 * TERN_IMAGE_MAX_PIXELS (checked when the frame header is read, before any
 * allocation) and at least 49 pixels per side (smaller images do not fit
 * the spec's five-level decomposition with its 9/7 filters). Decoding needs
 * about 10 bytes of memory per pixel.
 *
 * Thread safety: every function is reentrant; there is no shared state.
 */
#ifndef TERN_WSQ_H
#define TERN_WSQ_H

#include <stddef.h>
#include <stdint.h>

#include "tern/image.h"
#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_WSQ_DEFAULT_BITRATE 0.75

/* What `tern image info` reports about a WSQ file without decoding it. */
typedef struct tern_wsq_info {
    uint32_t width;
    uint32_t height;
    double ppi;            /* from NISTCOM PPI; 0 = unknown */
    double bitrate;        /* compressed bits per pixel (file size * 8 / pixels) */
    int encoder;           /* SOF encoder number */
    int software;          /* SOF software implementation number */
    size_t n_comments;
    char **comments;       /* owned, NUL-terminated COM texts */
} tern_wsq_info;

/* Decodes the WSQ file data[0..len) (borrowed, untrusted) into a new
 * 1-channel image, owned by the caller (tern_image_free); its ppi_x and
 * ppi_y are the NISTCOM PPI or 0. On failure *out is NULL and err names the
 * problem, the marker and the byte offset: TERN_E_FORMAT (broken syntax:
 * missing or misplaced SOI/SOF/DQT/DHT/DTT, bad lengths, undefined Huffman
 * codes, coefficients overrunning the image or missing at EOI),
 * TERN_E_TRUNCATED (input ends early), TERN_E_LIMIT (declared size beyond
 * the limits above), TERN_E_UNSUPPORTED (restart intervals, even-length
 * filters, a DQT between blocks, an image under 49 pixels a side),
 * TERN_E_NOMEM, TERN_E_ARG (out NULL, or data NULL with len > 0). */
tern_status tern_wsq_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err);

/* Reads the headers and every COM segment without decoding the image (the
 * entropy-coded blocks are skipped, not checked). On success *info is
 * filled and owns its comments (free with tern_wsq_info_free); on failure it
 * is zeroed and err says why (same statuses as tern_wsq_decode, except that
 * image data is not validated). bitrate is len * 8 / (width * height). */
tern_status tern_wsq_info_read(const uint8_t *data, size_t len, tern_wsq_info *info,
                               tern_error *err);
/* Frees the comments of info and zeroes it; NULL and a zeroed info are fine. */
void tern_wsq_info_free(tern_wsq_info *info);

/* Encodes img (1 channel, or 3: converted to grey with tern_image_to_grey)
 * as WSQ into a new malloc'd buffer *data of *len bytes (free() it).
 *
 * `bitrate` is the spec's target rate r in bits per pixel (<= 0:
 * TERN_WSQ_DEFAULT_BITRATE, the FBI's 0.75 for 500 ppi; at most 8). The bin
 * widths follow the spec's encoder parameters (Part 3) from the subband
 * variances, as the NIST encoder does: the file achieves about 0.6 to 0.8 of
 * r (a nominal 0.75 gives about 15:1 on 500 ppi prints).
 *
 * The file holds SOI, a NISTCOM comment (NIST_COM 9, PIX_WIDTH, PIX_HEIGHT,
 * PIX_DEPTH 8, PPI from img->ppi_x or -1 if unknown, LOSSY 1, COLORSPACE
 * GRAY, COMPRESSION WSQ, WSQ_BITRATE r), then `comment` as a second COM if
 * not NULL (at most 65533 bytes), DTT, DQT, SOF, and three blocks with
 * Huffman tables built from the data, then EOI: the segment order of the
 * NIST reference encoder. Errors: TERN_E_ARG (NULL arguments, a channel
 * count other than 1 or 3, a bitrate above 8, a comment too long),
 * TERN_E_LIMIT (over the size limits), TERN_E_UNSUPPORTED (under 49
 * pixels a side), TERN_E_NOMEM. On failure *data is NULL. */
tern_status tern_wsq_encode(const tern_image *img, double bitrate, const char *comment,
                            uint8_t **data, size_t *len, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
