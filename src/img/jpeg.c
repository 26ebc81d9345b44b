/* jpeg.c - JPEG (ITU-T T.81, JFIF 1.02) through libjpeg-turbo: placeholder
 * until the codec lands. */
#include "img/img_internal.h"

tern_status img_jpeg_decode(const uint8_t *data, size_t len, tern_image **out, tern_error *err)
{
    (void)data, (void)len;
    *out = NULL;
    return tern_error_set(err, TERN_E_UNSUPPORTED, "JPEG codec not yet built");
}

tern_status img_jpeg_encode(const tern_image *img, const tern_image_encode_opts *opts,
                            uint8_t **data, size_t *len, tern_error *err)
{
    (void)img, (void)opts, (void)data, (void)len;
    return tern_error_set(err, TERN_E_UNSUPPORTED, "JPEG codec not yet built");
}
