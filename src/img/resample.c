/* resample.c - changing an image's resolution, one axis at a time.
 *
 * Each axis is resampled independently (the filter is separable): shrinking
 * uses an area-weighted box filter - each output sample is the mean of the
 * input samples its footprint covers, partial samples weighted by the
 * covered fraction - which averages away detail finer than the new sampling
 * and so does not alias; enlarging uses linear interpolation between the two
 * nearest input samples (pixel centres aligned: x_in = (x_out + 0.5) s - 0.5,
 * clamped at the borders). The output size is round(size * ppi / ppi_in);
 * the scale factor used is the exact ratio of the sizes, so the footprints
 * tile the input. Arithmetic is in double with no FMA contraction (see
 * docs/build.md), so results are identical on every platform.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/image.h"

/* The taps of one output sample: n weights starting at input index first. */
typedef struct taps {
    uint32_t first;
    uint32_t n;
    size_t offset; /* into the weight array */
} taps;

typedef struct axis_filter {
    taps *t;
    double *w;
} axis_filter;

static void filter_free(axis_filter *f)
{
    free(f->t);
    free(f->w);
}

static tern_status filter_make(uint32_t in, uint32_t out, axis_filter *f, tern_error *err)
{
    double scale = (double)in / out;
    size_t max_taps = out < in ? (size_t)ceil(scale) + 2 : 2;
    f->t = calloc(out, sizeof *f->t);
    f->w = calloc((size_t)out * max_taps, sizeof *f->w);
    if (!f->t || !f->w) {
        filter_free(f);
        return tern_error_set(err, TERN_E_NOMEM, "resample: out of memory");
    }
    for (uint32_t j = 0; j < out; j++) {
        taps *t = &f->t[j];
        t->offset = (size_t)j * max_taps;
        double *w = f->w + t->offset;
        if (out < in) {
            double lo = j * scale, hi = (j + 1) * scale;
            if (hi > in)
                hi = in;
            uint32_t a = (uint32_t)floor(lo), b = (uint32_t)ceil(hi);
            if (b > in)
                b = in;
            t->first = a;
            for (uint32_t i = a; i < b && t->n < max_taps; i++) {
                double l = i > lo ? i : lo, h = i + 1.0 < hi ? i + 1.0 : hi;
                w[t->n++] = h > l ? (h - l) / (hi - lo) : 0;
            }
        } else {
            double x = (j + 0.5) * scale - 0.5;
            if (x < 0)
                x = 0;
            if (x > in - 1)
                x = in - 1;
            uint32_t a = (uint32_t)floor(x);
            double frac = x - a;
            t->first = a;
            w[0] = 1.0 - frac;
            t->n = 1;
            if (a + 1 < in) {
                w[1] = frac;
                t->n = 2;
            }
        }
    }
    return TERN_OK;
}

static uint8_t to_byte(double v)
{
    return (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v + 0.5);
}

tern_status tern_image_resample(const tern_image *img, double ppi, tern_image **out,
                                tern_error *err)
{
    if (!out)
        return tern_error_set(err, TERN_E_ARG, "resample: no output pointer");
    *out = NULL;
    if (!img || !img->pixels)
        return tern_error_set(err, TERN_E_ARG, "resample: no image");
    if (!(ppi > 0) || !isfinite(ppi))
        return tern_error_set(err, TERN_E_ARG, "resample: target resolution %g ppi is not valid", ppi);
    if (!(img->ppi_x > 0) || !(img->ppi_y > 0))
        return tern_error_set(err, TERN_E_ARG,
                              "resample: the image's resolution is unknown (give it with --ppi)");
    double fw = floor(img->width * ppi / img->ppi_x + 0.5), fh = floor(img->height * ppi / img->ppi_y + 0.5);
    if (fw > TERN_IMAGE_MAX_DIM || fh > TERN_IMAGE_MAX_DIM || fw * fh > TERN_IMAGE_MAX_PIXELS)
        return tern_error_set(err, TERN_E_LIMIT, "resample: %.0fx%.0f is over the image limit", fw, fh);
    uint32_t ow = fw < 1 ? 1 : (uint32_t)fw, oh = fh < 1 ? 1 : (uint32_t)fh;
    uint32_t c = img->channels, iw = img->width, ih = img->height;
    axis_filter fx = {0}, fy = {0};
    double *mid = NULL;
    tern_status s = filter_make(iw, ow, &fx, err);
    if (s == TERN_OK)
        s = filter_make(ih, oh, &fy, err);
    if (s == TERN_OK && !(mid = malloc((size_t)ow * ih * c * sizeof *mid)))
        s = tern_error_set(err, TERN_E_NOMEM, "resample: out of memory");
    if (s == TERN_OK)
        s = tern_image_create(ow, oh, c, out, err);
    if (s != TERN_OK) {
        free(mid);
        filter_free(&fx);
        filter_free(&fy);
        return s;
    }
    /* Horizontal pass into doubles (no rounding between the passes). */
    for (uint32_t y = 0; y < ih; y++) {
        const uint8_t *row = img->pixels + (size_t)y * iw * c;
        double *dst = mid + (size_t)y * ow * c;
        for (uint32_t x = 0; x < ow; x++) {
            const taps *t = &fx.t[x];
            const double *w = fx.w + t->offset;
            for (uint32_t k = 0; k < c; k++) {
                double v = 0;
                for (uint32_t i = 0; i < t->n; i++)
                    v += w[i] * row[(size_t)(t->first + i) * c + k];
                dst[(size_t)x * c + k] = v;
            }
        }
    }
    /* Vertical pass. */
    size_t stride = (size_t)ow * c;
    for (uint32_t y = 0; y < oh; y++) {
        const taps *t = &fy.t[y];
        const double *w = fy.w + t->offset;
        uint8_t *dst = (*out)->pixels + (size_t)y * stride;
        for (size_t x = 0; x < stride; x++) {
            double v = 0;
            for (uint32_t i = 0; i < t->n; i++)
                v += w[i] * mid[(size_t)(t->first + i) * stride + x];
            dst[x] = to_byte(v);
        }
    }
    (*out)->ppi_x = (*out)->ppi_y = ppi;
    free(mid);
    filter_free(&fx);
    filter_free(&fy);
    return TERN_OK;
}
