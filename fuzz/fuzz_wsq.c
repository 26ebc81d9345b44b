/* fuzz_wsq.c - libFuzzer target for Tern's WSQ decoder: arbitrary bytes go
 * through tern_wsq_info_read and tern_wsq_decode; both must fail cleanly or
 * succeed, never crash, leak or read out of bounds. */
#include <stdlib.h>

#include "tern/wsq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tern_error err;
    tern_wsq_info info;
    if (tern_wsq_info_read(data, size, &info, &err) == TERN_OK) {
        /* Keep the fuzzer fast and its memory bounded (decoding needs about 10
         * bytes a pixel): images over 1 Mpixel are only parsed. */
        if ((uint64_t)info.width * info.height > 1024u * 1024u) {
            tern_wsq_info_free(&info);
            return 0;
        }
        tern_wsq_info_free(&info);
    }
    tern_image *img = NULL;
    if (tern_wsq_decode(data, size, &img, &err) == TERN_OK)
        tern_image_free(img);
    return 0;
}
