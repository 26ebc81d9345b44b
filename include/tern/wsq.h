/* tern/wsq.h - WSQ, the FBI's wavelet scalar quantization codec for 8-bit
 * grey fingerprint images (FBI "WSQ Gray-scale Fingerprint Image Compression
 * Specification", version 3.1). Tern's own implementation.
 *
 * The decoder is bit-exact with the NIST reference decoder (NBIS dwsq):
 * output is pixel-identical on every reference file in ../shared/data/wsq.
 * Resolution comes from the NISTCOM comment's PPI where present and
 * plausible (255 and -1 mean unknown); otherwise it is unknown (0).
 *
 * Thread safety: reentrant; no shared state.
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

/* Decodes a WSQ file held in memory into a new grey image. */
tern_status tern_wsq_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err);
/* Reads the headers and comments only. Free with tern_wsq_info_free. */
tern_status tern_wsq_info_read(const uint8_t *data, size_t len, tern_wsq_info *info,
                               tern_error *err);
void tern_wsq_info_free(tern_wsq_info *info);
/* Encodes a grey image (an RGB one is converted to grey) at `bitrate` bits
 * per pixel (<= 0: TERN_WSQ_DEFAULT_BITRATE) into a malloc'd buffer. The file
 * carries a NISTCOM comment (size, ppi when known, PIX_DEPTH 8, COLORSPACE
 * GRAY, COMPRESSION WSQ, WSQ_BITRATE) and, if `comment` is not NULL, one more
 * COM segment with it. */
tern_status tern_wsq_encode(const tern_image *img, double bitrate, const char *comment,
                            uint8_t **data, size_t *len, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
