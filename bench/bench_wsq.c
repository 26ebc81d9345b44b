/* bench_wsq.c - single-thread speed of Tern's WSQ decoder and encoder on the
 * 14 NIST tpcard prints (../shared/data/wsq/tpcard, or $TERN_SHARED_DATA),
 * in megapixels per second: the median of several rounds, each round coding
 * every print once. Time is this thread's CPU time (the machine is shared,
 * and wall time there mostly measures the other processes); the wall-clock
 * rate is printed too. Baselines measured in the same run, so that the
 * figures compare across machines: libpng decoding the same prints' fp-N.png files
 * (called directly), and a memcpy of the decoded pixels. Nothing passes or
 * fails; without the data it says so and exits 0. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tern/bytes.h"
#include "tern/wsq.h"

#define N_PRINTS 14
#define ROUNDS 9

static const char *const names[N_PRINTS] = {
    "idc01_fgp01", "idc02_fgp02", "idc03_fgp03", "idc04_fgp04", "idc05_fgp05",
    "idc06_fgp06", "idc07_fgp07", "idc08_fgp08", "idc09_fgp09", "idc10_fgp10",
    "idc11_fgp14", "idc12_fgp12", "idc13_fgp11", "idc14_fgp13",
};

typedef struct file {
    uint8_t *data;
    size_t len;
} file;

typedef struct set {
    file wsq[N_PRINTS], png[N_PRINTS];
    tern_image *img[N_PRINTS];
    double mpix_wsq, mpix_png;
} set;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef int (*round_fn)(set *s);

/* Median CPU seconds of one round over ROUNDS rounds (after one warm-up);
 * *wall gets the median wall-clock seconds. */
static double median_round(round_fn fn, set *s, double *wall)
{
    double t[ROUNDS], w[ROUNDS];
    if (fn(s) != 0) {
        fprintf(stderr, "bench_wsq: a step failed\n");
        exit(1);
    }
    for (int i = 0; i < ROUNDS; i++) {
        double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
        if (fn(s) != 0) {
            fprintf(stderr, "bench_wsq: a step failed\n");
            exit(1);
        }
        t[i] = clock_s(CLOCK_THREAD_CPUTIME_ID) - t0;
        w[i] = clock_s(CLOCK_MONOTONIC) - w0;
    }
    qsort(t, ROUNDS, sizeof t[0], cmp_double);
    qsort(w, ROUNDS, sizeof w[0], cmp_double);
    *wall = w[ROUNDS / 2];
    return t[ROUNDS / 2];
}

static int wsq_decode_all(set *s)
{
    for (int i = 0; i < N_PRINTS; i++) {
        tern_image *img;
        if (tern_wsq_decode(s->wsq[i].data, s->wsq[i].len, &img, NULL) != TERN_OK)
            return 1;
        tern_image_free(img);
    }
    return 0;
}

static int wsq_encode_all(set *s)
{
    for (int i = 0; i < N_PRINTS; i++) {
        uint8_t *d;
        size_t n;
        if (tern_wsq_encode(s->img[i], TERN_WSQ_DEFAULT_BITRATE, NULL, &d, &n, NULL) != TERN_OK)
            return 1;
        free(d);
    }
    return 0;
}

static int png_decode_all(set *s)
{
    for (int i = 0; i < N_PRINTS; i++) {
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        if (!png_image_begin_read_from_memory(&im, s->png[i].data, s->png[i].len))
            return 1;
        size_t n = PNG_IMAGE_SIZE(im);
        void *buf = malloc(n);
        int ok = buf && png_image_finish_read(&im, NULL, buf, 0, NULL);
        free(buf);
        png_image_free(&im);
        if (!ok)
            return 1;
    }
    return 0;
}

static int memcpy_all(set *s)
{
    for (int i = 0; i < N_PRINTS; i++) {
        size_t n = (size_t)s->img[i]->width * s->img[i]->height;
        uint8_t *copy = malloc(n);
        if (!copy)
            return 1;
        memcpy(copy, s->img[i]->pixels, n);
        *(volatile uint8_t *)copy = copy[n / 2];
        free(copy);
    }
    return 0;
}

static int load(set *s, const char *dir)
{
    tern_error err;
    for (int i = 0; i < N_PRINTS; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s.wsq", dir, names[i]);
        if (tern_file_read(path, 1u << 26, &s->wsq[i].data, &s->wsq[i].len, &err) != TERN_OK)
            return fprintf(stderr, "bench_wsq: %s\n", err.message), 1;
        snprintf(path, sizeof path, "%s/fp-%d.png", dir, i + 1);
        if (tern_file_read(path, 1u << 26, &s->png[i].data, &s->png[i].len, &err) != TERN_OK)
            return fprintf(stderr, "bench_wsq: %s\n", err.message), 1;
        if (tern_wsq_decode(s->wsq[i].data, s->wsq[i].len, &s->img[i], &err) != TERN_OK)
            return fprintf(stderr, "bench_wsq: %s: %s\n", path, err.message), 1;
        s->mpix_wsq += (double)s->img[i]->width * s->img[i]->height / 1e6;
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        if (!png_image_begin_read_from_memory(&im, s->png[i].data, s->png[i].len))
            return fprintf(stderr, "bench_wsq: %s: not a PNG\n", path), 1;
        s->mpix_png += (double)im.width * im.height / 1e6;
        png_image_free(&im);
    }
    return 0;
}

int main(void)
{
    const char *root = getenv("TERN_SHARED_DATA");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/wsq/tpcard", root && *root ? root : "../shared/data");
    char probe[1200];
    snprintf(probe, sizeof probe, "%s/%s.wsq", dir, names[0]);
    FILE *f = fopen(probe, "rb");
    if (!f) {
        printf("bench_wsq: reference prints not found in %s: skipping\n", dir);
        return 0;
    }
    fclose(f);
    set *s = calloc(1, sizeof *s);
    if (!s || load(s, dir) != 0)
        return 1;
    double w_dec, w_enc, w_png, w_cpy;
    double t_dec = median_round(wsq_decode_all, s, &w_dec);
    double t_enc = median_round(wsq_encode_all, s, &w_enc);
    double t_png = median_round(png_decode_all, s, &w_png);
    double t_cpy = median_round(memcpy_all, s, &w_cpy);
    double dec = s->mpix_wsq / t_dec, encr = s->mpix_wsq / t_enc;
    double png = s->mpix_png / t_png, cpy = s->mpix_wsq / t_cpy;
    printf("bench_wsq: %d prints, %.2f Mpixel per round, median of %d rounds, one thread\n",
           N_PRINTS, s->mpix_wsq, ROUNDS);
    printf("                           CPU time     wall clock\n");
    printf("  WSQ decode (Tern)        %8.1f MP/s  %8.1f MP/s\n", dec, s->mpix_wsq / w_dec);
    printf("  WSQ encode (Tern, 0.75)  %8.1f MP/s  %8.1f MP/s\n", encr, s->mpix_wsq / w_enc);
    printf("  PNG decode (libpng)      %8.1f MP/s  %8.1f MP/s  (fp-N.png, RGB)\n", png,
           s->mpix_png / w_png);
    printf("  memcpy of the pixels     %8.1f MP/s  %8.1f MP/s\n", cpy, s->mpix_wsq / w_cpy);
    printf("  ratio WSQ decode / libpng decode: %.2f\n", dec / png);
    printf("  ratio WSQ encode / libpng decode: %.2f\n", encr / png);
    printf("  ratio WSQ decode / memcpy:        %.4f\n", dec / cpy);
    for (int i = 0; i < N_PRINTS; i++) {
        free(s->wsq[i].data);
        free(s->png[i].data);
        tern_image_free(s->img[i]);
    }
    free(s);
    return 0;
}
