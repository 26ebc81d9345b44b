/* fuzz_extract.c - libFuzzer target for the feature extractor: the first
 * bytes choose a size (up to 160 x 160), a resolution (250..1000 ppi) and
 * the channel count, the rest are the pixels (repeated to fill the image, so
 * short inputs still make ridge-like periodic patterns). tern_extract must
 * never crash, leak or hang, and a template it returns must be well formed:
 * minutiae inside the image, angles in [0, 2 pi), known types. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "tern/finger.h"
#include "tern/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    uint32_t w = 1 + data[0] % 160, h = 1 + data[1] % 160, ch = data[2] & 1 ? 3 : 1;
    double ppi = 250 + 3 * data[3];
    const uint8_t *px = data + 4;
    size_t n = size - 4;
    tern_image *img = NULL;
    if (tern_image_create(w, h, ch, &img, NULL) != TERN_OK)
        return 0;
    img->ppi_x = img->ppi_y = ppi;
    for (size_t i = 0; i < (size_t)w * h * ch; i++)
        img->pixels[i] = px[i % n];
    tern_template *t = NULL;
    tern_finger_quality q;
    tern_error err;
    tern_status s = tern_extract(img, NULL, &t, &q, &err);
    if (s == TERN_OK) {
        if (!t || t->width != w || t->height != h || t->n_minutiae > TERN_TEMPLATE_MAX_MINUTIAE)
            abort();
        for (uint32_t i = 0; i < t->n_minutiae; i++) {
            const tern_minutia *m = &t->minutiae[i];
            if (!(m->x >= 0 && m->x < w && m->y >= 0 && m->y < h && m->angle >= 0 &&
                  m->angle < 2 * M_PI) ||
                (m->type != TERN_MINUTIA_ENDING && m->type != TERN_MINUTIA_BIFURCATION))
                abort();
        }
    } else if (t) {
        abort();
    }
    tern_template_free(t);
    tern_image_free(img);
    return 0;
}
