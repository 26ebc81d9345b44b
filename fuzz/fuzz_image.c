/* fuzz_image.c - libFuzzer target for the image decoders: format recognition
 * (tern_image_sniff) and tern_image_decode on arbitrary bytes, through every
 * codec the magic number selects (PNG, JPEG, JPEG 2000 JP2/J2K, TIFF, PGM,
 * WSQ), plus the raw path with a size taken from the first bytes. It must
 * never crash, leak or hang; a decoded image must have the shape it claims. */
#include <stdint.h>
#include <stdlib.h>

#include "tern/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tern_image_format fmt = tern_image_sniff(data, size);
    tern_image *img = NULL;
    tern_error err;
    tern_status s = tern_image_decode(data, size, NULL, &img, &err);
    if (s == TERN_OK) {
        if (!img || img->width == 0 || img->height == 0 || fmt == TERN_IMAGE_UNKNOWN ||
            (img->channels != 1 && img->channels != 3))
            abort();
        /* Touch every byte so that a short buffer shows up under ASan. */
        size_t n = (size_t)img->width * img->height * img->channels;
        volatile uint8_t sum = 0;
        for (size_t i = 0; i < n; i++)
            sum = (uint8_t)(sum + img->pixels[i]);
        (void)sum;
        tern_image_free(img);
    } else if (img) {
        abort();
    }
    if (size >= 2) {
        tern_image_decode_opts raw = {.format = TERN_IMAGE_RAW, .raw_width = data[0] + 1u,
                                      .raw_height = data[1] + 1u};
        if (tern_image_decode(data + 2, size - 2, &raw, &img, NULL) == TERN_OK)
            tern_image_free(img);
    }
    return 0;
}
