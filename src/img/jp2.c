/* jp2.c - JPEG 2000 (ITU-T T.800) through OpenJPEG: placeholder until the
 * codec lands. */
#include "img/img_internal.h"

tern_status img_jp2_decode(const uint8_t *data, size_t len, tern_image_format fmt,
                           tern_image **out, tern_error *err)
{
    (void)data, (void)len, (void)fmt;
    *out = NULL;
    return tern_error_set(err, TERN_E_UNSUPPORTED, "JPEG 2000 codec not yet built");
}

tern_status img_jp2_encode(const tern_image *img, tern_image_format fmt,
                           const tern_image_encode_opts *opts, uint8_t **data, size_t *len,
                           tern_error *err)
{
    (void)img, (void)fmt, (void)opts, (void)data, (void)len;
    return tern_error_set(err, TERN_E_UNSUPPORTED, "JPEG 2000 codec not yet built");
}
