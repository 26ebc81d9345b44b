/* wsq_encode.c - the WSQ encoder (FBI WSQ spec v3.1, Part 3: encoder one).
 * Placeholder until the encoder lands: refuses with TERN_E_UNSUPPORTED. */
#include "tern/wsq.h"

tern_status tern_wsq_encode(const tern_image *img, double bitrate, const char *comment,
                            uint8_t **data, size_t *len, tern_error *err)
{
    (void)img;
    (void)bitrate;
    (void)comment;
    if (data)
        *data = NULL;
    if (len)
        *len = 0;
    return tern_error_set(err, TERN_E_UNSUPPORTED, "WSQ: the encoder is not implemented yet");
}
