/* image.c - the raster type: allocation, copies and the grey view. */
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/image.h"

tern_status tern_image_create(uint32_t width, uint32_t height, uint32_t channels,
                              tern_image **out, tern_error *err)
{
    *out = NULL;
    if (channels != 1 && channels != 3)
        return tern_error_set(err, TERN_E_ARG, "image: %u channels (1 or 3 supported)", channels);
    if (width == 0 || height == 0)
        return tern_error_set(err, TERN_E_FORMAT, "image: empty size %ux%u", width, height);
    if (width > TERN_IMAGE_MAX_DIM || height > TERN_IMAGE_MAX_DIM ||
        (uint64_t)width * height > TERN_IMAGE_MAX_PIXELS)
        return tern_error_set(err, TERN_E_LIMIT,
                              "image: %ux%u is over the limit (%u per side, %u pixels)", width,
                              height, TERN_IMAGE_MAX_DIM, TERN_IMAGE_MAX_PIXELS);
    tern_image *img = calloc(1, sizeof *img);
    if (!img)
        return tern_error_set(err, TERN_E_NOMEM, "image: out of memory");
    img->pixels = calloc((size_t)width * height, channels);
    if (!img->pixels) {
        free(img);
        return tern_error_set(err, TERN_E_NOMEM, "image: out of memory for %ux%ux%u", width,
                              height, channels);
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    *out = img;
    return TERN_OK;
}

void tern_image_free(tern_image *img)
{
    if (!img)
        return;
    free(img->pixels);
    free(img);
}

tern_status tern_image_clone(const tern_image *img, tern_image **out, tern_error *err)
{
    tern_status s = tern_image_create(img->width, img->height, img->channels, out, err);
    if (s != TERN_OK)
        return s;
    memcpy((*out)->pixels, img->pixels, (size_t)img->width * img->height * img->channels);
    (*out)->ppi_x = img->ppi_x;
    (*out)->ppi_y = img->ppi_y;
    return TERN_OK;
}

tern_status tern_image_to_grey(const tern_image *img, tern_image **out, tern_error *err)
{
    if (img->channels == 1)
        return tern_image_clone(img, out, err);
    tern_status s = tern_image_create(img->width, img->height, 1, out, err);
    if (s != TERN_OK)
        return s;
    size_t n = (size_t)img->width * img->height;
    const uint8_t *p = img->pixels;
    for (size_t i = 0; i < n; i++, p += 3) {
        /* BT.601 luma in fixed point: 0.299 R + 0.587 G + 0.114 B. */
        (*out)->pixels[i] = (uint8_t)((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 32768u) >> 16);
    }
    (*out)->ppi_x = img->ppi_x;
    (*out)->ppi_y = img->ppi_y;
    return TERN_OK;
}
