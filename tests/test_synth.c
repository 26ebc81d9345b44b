/* test_synth.c - synthetic fingerprints: the PRNG, class frequencies,
 * determinism, realism of the images (not blank, not saturated, a ridge
 * period like a real print's), options checking, the statistics tool. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tern/synth.h"
#include "tern_test.h"

#ifdef TERN_SANITIZED
#define N_REALISM 2
#else
#define N_REALISM 6
#endif

Test(synth_rng, same_seed_same_stream_and_sane_moments)
{
    tern_synth_rng a, b;
    tern_synth_rng_seed(&a, 42);
    tern_synth_rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(tern_synth_rng_u64(&a), tern_synth_rng_u64(&b));
    tern_synth_rng_seed(&b, 43);
    cr_assert_neq(tern_synth_rng_u64(&a), tern_synth_rng_u64(&b));
    double s = 0, s2 = 0, u = 0;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        double z = tern_synth_rng_normal(&a);
        s += z;
        s2 += z * z;
        u += tern_synth_rng_uniform(&a);
        cr_assert_lt(tern_synth_rng_below(&a, 7), 7u);
    }
    cr_assert_lt(fabs(s / n), 0.02);
    cr_assert_lt(fabs(s2 / n - 1.0), 0.03);
    cr_assert_lt(fabs(u / n - 0.5), 0.01);
    cr_assert_neq(tern_synth_seed_mix(1, 2, 3), tern_synth_seed_mix(1, 3, 2));
    cr_assert_neq(tern_synth_seed_mix(1, 0, 0), tern_synth_seed_mix(2, 0, 0));
}

Test(synth_class, natural_frequencies)
{
    static const double expect[TERN_SYNTH_CLASS_COUNT] = {0.037, 0.029, 0.338, 0.317, 0.279};
    unsigned count[TERN_SYNTH_CLASS_COUNT] = {0};
    tern_synth_rng r;
    tern_synth_rng_seed(&r, 9);
    const unsigned n = 200000;
    for (unsigned i = 0; i < n; i++) {
        tern_synth_class c = tern_synth_class_draw(&r);
        cr_assert_lt((unsigned)c, (unsigned)TERN_SYNTH_CLASS_COUNT);
        count[c]++;
    }
    for (int c = 0; c < TERN_SYNTH_CLASS_COUNT; c++)
        cr_assert_lt(fabs((double)count[c] / n - expect[c]), 0.005, "%s: %.4f, expected %.3f",
                     tern_synth_class_name((tern_synth_class)c), (double)count[c] / n, expect[c]);
    cr_assert_str_eq(tern_synth_class_name(TERN_SYNTH_CLASS_COUNT), "unknown");
}

static tern_synth_master *make_master(uint64_t seed, int cls)
{
    tern_synth_master_opts o;
    tern_synth_master_defaults(&o);
    o.finger_class = cls;
    tern_synth_master *m = NULL;
    tern_error err;
    cr_assert_eq(tern_synth_master_create(seed, &o, &m, &err), TERN_OK, "%s", err.message);
    return m;
}

Test(synth_master, singular_points_match_the_class)
{
    static const uint32_t cores[] = {0, 1, 1, 1, 2}, deltas[] = {0, 1, 1, 1, 2};
    for (int c = 0; c < TERN_SYNTH_CLASS_COUNT; c++) {
        tern_synth_master *m = make_master(100 + c, c);
        cr_assert_eq(tern_synth_master_class(m), (tern_synth_class)c);
        tern_singular sp[8];
        uint32_t n = tern_synth_master_singular(m, sp, 8), nc = 0, nd = 0;
        for (uint32_t i = 0; i < n; i++) {
            nc += sp[i].type == TERN_SINGULAR_CORE;
            nd += sp[i].type == TERN_SINGULAR_DELTA;
        }
        cr_assert_eq(nc, cores[c], "%s cores", tern_synth_class_name((tern_synth_class)c));
        cr_assert_eq(nd, deltas[c], "%s deltas", tern_synth_class_name((tern_synth_class)c));
        /* Loops: the delta lies on the side away from the loop's opening. */
        if (c == TERN_SYNTH_LEFT_LOOP)
            cr_assert_gt(sp[1].x, sp[0].x);
        if (c == TERN_SYNTH_RIGHT_LOOP)
            cr_assert_lt(sp[1].x, sp[0].x);
        tern_synth_master_free(m);
    }
}

Test(synth_master, deterministic_for_a_seed)
{
    tern_error err;
    tern_image *a[2], *b[2];
    for (int k = 0; k < 2; k++) {
        tern_synth_master *m = make_master(77, -1);
        cr_assert_eq(tern_synth_master_render(m, &a[k], &err), TERN_OK);
        cr_assert_eq(tern_synth_impression(m, 5, NULL, &b[k], &err), TERN_OK, "%s", err.message);
        tern_synth_master_free(m);
    }
    size_t n = (size_t)a[0]->width * a[0]->height;
    cr_assert_eq(memcmp(a[0]->pixels, a[1]->pixels, n), 0, "master differs between runs");
    cr_assert_eq(b[0]->width, b[1]->width);
    cr_assert_eq(memcmp(b[0]->pixels, b[1]->pixels, (size_t)b[0]->width * b[0]->height), 0,
                 "impression differs between runs");
    tern_synth_master *m = make_master(78, -1);
    tern_image *c, *d;
    cr_assert_eq(tern_synth_master_render(m, &c, &err), TERN_OK);
    cr_assert_neq(memcmp(a[0]->pixels, c->pixels, n), 0, "another seed, the same master");
    cr_assert_eq(tern_synth_impression(m, 6, NULL, &d, &err), TERN_OK);
    cr_assert_neq(memcmp(b[0]->pixels, d->pixels, n), 0);
    tern_synth_master_free(m);
    for (int k = 0; k < 2; k++) {
        tern_image_free(a[k]);
        tern_image_free(b[k]);
    }
    tern_image_free(c);
    tern_image_free(d);
}

Test(synth_impression, looks_like_a_fingerprint)
{
    tern_error err;
    for (int k = 0; k < N_REALISM; k++) {
        tern_synth_master *m = make_master(500 + k, -1);
        tern_synth_impression_opts o;
        tern_synth_impression_defaults(&o);
        o.rolled = k & 1;
        tern_image *img;
        cr_assert_eq(tern_synth_impression(m, 900 + k, &o, &img, &err), TERN_OK, "%s", err.message);
        cr_assert_eq(img->ppi_x, 500.0);
        size_t n = (size_t)img->width * img->height, dark = 0, black = 0, white = 0;
        for (size_t i = 0; i < n; i++) {
            dark += img->pixels[i] < 100;
            black += img->pixels[i] == 0;
            white += img->pixels[i] == 255;
        }
        cr_assert_gt(dark, n / 10, "seed %d: almost no ridges", k);
        cr_assert_lt(black + white, n / 20, "seed %d: saturated", k);
        tern_synth_image_stats st;
        cr_assert_eq(tern_synth_image_stats_compute(img, &st, &err), TERN_OK);
        cr_assert_gt(st.foreground, 0.3, "seed %d: foreground %.2f", k, st.foreground);
        cr_assert_gt(st.period_blocks, 50);
        cr_assert(st.period_median >= 7.5 && st.period_median <= 10.5,
                  "seed %d: ridge period %.2f px", k, st.period_median);
        cr_assert_gt(st.grey_sd, 20.0);
        tern_image_free(img);
        tern_synth_master_free(m);
    }
}

Test(synth_impression, sizes_and_options_are_checked)
{
    tern_error err;
    tern_synth_master *m = NULL;
    tern_synth_master_opts o;
    tern_synth_master_defaults(&o);
    o.width = 32;
    cr_assert_eq(tern_synth_master_create(1, &o, &m, &err), TERN_E_ARG);
    cr_assert_null(m);
    tern_synth_master_defaults(&o);
    o.finger_class = 9;
    cr_assert_eq(tern_synth_master_create(1, &o, &m, &err), TERN_E_ARG);
    cr_assert(strstr(err.message, "class") != NULL, "%s", err.message);
    m = make_master(3, TERN_SYNTH_WHORL);
    tern_synth_impression_opts io;
    tern_synth_impression_defaults(&io);
    io.width = 2000;
    tern_image *img = NULL;
    cr_assert_eq(tern_synth_impression(m, 1, &io, &img, &err), TERN_E_ARG);
    cr_assert_null(img);
    tern_synth_impression_defaults(&io);
    io.contact = 2;
    cr_assert_eq(tern_synth_impression(m, 1, &io, &img, &err), TERN_E_ARG);
    /* A different output size from the canvas is fine. */
    tern_synth_impression_defaults(&io);
    io.width = 256;
    io.height = 256;
    cr_assert_eq(tern_synth_impression(m, 1, &io, &img, &err), TERN_OK);
    cr_assert_eq(img->width, 256u);
    tern_image_free(img);
    tern_synth_master_free(m);
}

Test(synth_stats, measures_a_known_period)
{
    tern_image *img;
    tern_error err;
    cr_assert_eq(tern_image_create(200, 200, 1, &img, &err), TERN_OK);
    const double period = 10.0, theta = 0.6; /* ridges at 34 degrees */
    for (uint32_t y = 0; y < 200; y++)
        for (uint32_t x = 0; x < 200; x++) {
            double v = -x * sin(theta) + y * cos(theta);
            img->pixels[y * 200 + x] = (uint8_t)lround(128 + 100 * cos(2 * M_PI * v / period));
        }
    tern_synth_image_stats st;
    cr_assert_eq(tern_synth_image_stats_compute(img, &st, &err), TERN_OK);
    cr_assert_gt(st.foreground, 0.95);
    cr_assert_lt(fabs(st.period_median - period), 0.3, "measured %.2f", st.period_median);
    cr_assert_gt(st.orient_hist[1], 0.95, "34 degrees falls in bin 1");
    cr_assert_gt(st.coherence_mean, 0.9);
    memset(img->pixels, 200, 200 * 200);
    cr_assert_eq(tern_synth_image_stats_compute(img, &st, &err), TERN_OK);
    cr_assert_eq(st.foreground, 0.0);
    cr_assert_eq(st.period_blocks, 0u);
    tern_image_free(img);
}
