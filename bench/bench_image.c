/* bench_image.c - speed of resampling and of the codecs on Tern's test
 * pattern (a 500 ppi, 800 x 750 grey image: the size of a rolled print).
 * Figures are megapixels per second and, so that they can be compared across
 * machines, ratios against a baseline measured in the same run: a plain
 * memcpy-and-sum pass over the same pixels. Nothing passes or fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tern/image.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef int (*bench_fn)(const tern_image *img, void *ctx);

/* Seconds per call, running fn for at least 0.3 s. */
static double time_it(bench_fn fn, const tern_image *img, void *ctx)
{
    int n = 0;
    double t0 = now(), t;
    do {
        if (fn(img, ctx) != 0) {
            fprintf(stderr, "bench_image: a step failed\n");
            exit(1);
        }
        n++;
        t = now() - t0;
    } while (t < 0.3);
    return t / n;
}

static int baseline(const tern_image *img, void *ctx)
{
    size_t n = (size_t)img->width * img->height;
    uint8_t *copy = malloc(n);
    memcpy(copy, img->pixels, n);
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += copy[i];
    *(volatile unsigned *)ctx = sum;
    free(copy);
    return 0;
}

static int resample(const tern_image *img, void *ctx)
{
    tern_image *out;
    if (tern_image_resample(img, *(double *)ctx, &out, NULL) != TERN_OK)
        return 1;
    tern_image_free(out);
    return 0;
}

typedef struct codec_ctx {
    tern_image_format fmt;
    tern_image_encode_opts opts;
    uint8_t *data; /* the encoded image, for the decode benchmark */
    size_t len;
} codec_ctx;

static int encode(const tern_image *img, void *ctx)
{
    codec_ctx *c = ctx;
    free(c->data);
    return tern_image_encode(img, c->fmt, &c->opts, &c->data, &c->len, NULL) != TERN_OK;
}

static int decode(const tern_image *img, void *ctx)
{
    (void)img;
    codec_ctx *c = ctx;
    tern_image *out;
    if (tern_image_decode(c->data, c->len, NULL, &out, NULL) != TERN_OK)
        return 1;
    tern_image_free(out);
    return 0;
}

int main(void)
{
    tern_image *img;
    if (tern_image_pattern(800, 750, 1, 500, &img, NULL) != TERN_OK)
        return 1;
    double mp = 800 * 750 / 1e6;
    unsigned sink;
    double base = time_it(baseline, img, &sink);
    printf("image 800x750 grey at 500 ppi; baseline (copy + sum): %.2f ms\n", base * 1e3);
    static const double targets[] = {250, 569, 1000};
    for (size_t i = 0; i < 3; i++) {
        double ppi = targets[i];
        double t = time_it(resample, img, &ppi);
        printf("resample 500 -> %4.0f ppi: %7.2f ms  %6.1f Mpx/s  %6.1f x baseline\n", ppi, t * 1e3,
               mp / t, t / base);
    }
    static const struct {
        const char *name;
        tern_image_format fmt;
        tern_image_encode_opts opts;
    } codecs[] = {
        {"png", TERN_IMAGE_PNG, {.jpeg_quality = 0}},
        {"jpeg q90", TERN_IMAGE_JPEG, {.jpeg_quality = 90}},
        {"jp2 lossless", TERN_IMAGE_JP2, {.jp2_lossless = 1}},
        {"jp2 15:1", TERN_IMAGE_JP2, {.jp2_ratio = 15}},
        {"pgm", TERN_IMAGE_PGM, {.jpeg_quality = 0}},
    };
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
        codec_ctx c = {.fmt = codecs[i].fmt, .opts = codecs[i].opts};
        double te = time_it(encode, img, &c);
        double td = time_it(decode, img, &c);
        printf("%-13s encode %7.2f ms (%5.1f x)  decode %7.2f ms (%5.1f x)  %7zu bytes  %.3f bpp\n",
               codecs[i].name, te * 1e3, te / base, td * 1e3, td / base, c.len,
               c.len * 8.0 / (800.0 * 750));
        free(c.data);
    }
    tern_image_free(img);
    return 0;
}
