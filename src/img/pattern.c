/* pattern.c - Tern's synthetic test pattern and image comparison (PSNR).
 *
 * The pattern stands in for a fingerprint where only the ridge frequency and
 * flow matter (codec round trips, resampling, demos): grey level
 * 128 + 110 cos(2 pi r / T) e(x, y) + background, with r the distance to a
 * centre slightly off the middle, T = 9 px at 500 ppi (a typical adult ridge
 * period, 0.46 mm) and e an elliptical envelope falling to zero at the edges.
 * PSNR = 10 log10(255^2 / MSE).
 */
#include <math.h>

#include "tern/image.h"

#define PATTERN_PERIOD_500PPI 9.0

tern_status tern_image_pattern(uint32_t width, uint32_t height, uint32_t channels, double ppi,
                               tern_image **out, tern_error *err)
{
    if (!(ppi >= 0) || !isfinite(ppi))
        return tern_error_set(err, TERN_E_ARG, "pattern: resolution %g ppi is not valid", ppi);
    tern_status s = tern_image_create(width, height, channels, out, err);
    if (s != TERN_OK)
        return s;
    tern_image *img = *out;
    double period = ppi > 0 ? PATTERN_PERIOD_500PPI * ppi / 500.0 : PATTERN_PERIOD_500PPI;
    double cx = width * 0.47, cy = height * 0.55;
    double ax = width * 0.5, ay = height * 0.5;
    const double two_pi = 6.283185307179586;
    for (uint32_t y = 0; y < height; y++) {
        for (uint32_t x = 0; x < width; x++) {
            double dx = x - cx, dy = y - cy;
            double r = sqrt(dx * dx + dy * dy);
            double ex = (x + 0.5 - width * 0.5) / ax, ey = (y + 0.5 - height * 0.5) / ay;
            double e = 1.0 - (ex * ex + ey * ey);
            e = e < 0 ? 0 : e > 0.5 ? 1.0 : 2.0 * e;
            double v = 215.0 - 95.0 * e + 100.0 * e * cos(two_pi * r / period);
            uint8_t g = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
            size_t i = ((size_t)y * width + x) * channels;
            img->pixels[i] = g;
            if (channels == 3) {
                img->pixels[i + 1] = (uint8_t)(g * 3 / 4 + 40);
                img->pixels[i + 2] = (uint8_t)(255 - g / 2);
            }
        }
    }
    img->ppi_x = img->ppi_y = ppi;
    return TERN_OK;
}

tern_status tern_image_compare(const tern_image *a, const tern_image *b, double *psnr,
                               unsigned *max_diff, tern_error *err)
{
    if (a->width != b->width || a->height != b->height || a->channels != b->channels)
        return tern_error_set(err, TERN_E_ARG, "compare: %ux%ux%u against %ux%ux%u", a->width,
                              a->height, a->channels, b->width, b->height, b->channels);
    size_t n = (size_t)a->width * a->height * a->channels;
    double sum = 0;
    unsigned worst = 0;
    for (size_t i = 0; i < n; i++) {
        int d = (int)a->pixels[i] - (int)b->pixels[i];
        unsigned ad = (unsigned)(d < 0 ? -d : d);
        if (ad > worst)
            worst = ad;
        sum += (double)d * d;
    }
    double mse = sum / (double)n;
    *psnr = mse == 0 ? INFINITY : 10.0 * log10(255.0 * 255.0 / mse);
    if (max_diff)
        *max_diff = worst;
    return TERN_OK;
}
