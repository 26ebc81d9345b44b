/* bench_synth.c - generation speed on one core: masters, impressions and
 * template-mode templates per second, each beside a baseline measured in the
 * same run (PNG encoding of the same images; cloning the same templates), so
 * the figures can be compared across machines as ratios. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tern/synth.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
    tern_error err;
    const int n_masters = 8, n_imp = 8;
    tern_synth_master_opts mo;
    tern_synth_master_defaults(&mo);
    tern_synth_master *m[8];
    double t0 = now();
    for (int i = 0; i < n_masters; i++)
        if (tern_synth_master_create(tern_synth_seed_mix(1, i, 0), &mo, &m[i], &err) != TERN_OK) {
            fprintf(stderr, "bench_synth: %s\n", err.message);
            return 1;
        }
    double t_master = (now() - t0) / n_masters;
    tern_image *imgs[64];
    t0 = now();
    for (int i = 0; i < n_masters; i++)
        for (int k = 0; k < n_imp; k++)
            if (tern_synth_impression(m[i], tern_synth_seed_mix(1, i, k + 1), NULL,
                                      &imgs[i * n_imp + k], &err) != TERN_OK) {
                fprintf(stderr, "bench_synth: %s\n", err.message);
                return 1;
            }
    double t_imp = (now() - t0) / (n_masters * n_imp);
    t0 = now();
    size_t bytes = 0;
    for (int i = 0; i < n_masters * n_imp; i++) {
        uint8_t *data;
        size_t len;
        if (tern_image_encode(imgs[i], TERN_IMAGE_PNG, NULL, &data, &len, &err) == TERN_OK) {
            bytes += len;
            free(data);
        }
    }
    double t_png = (now() - t0) / (n_masters * n_imp);
    printf("synth images 288x384: master %.1f ms (%.1f/s), impression %.2f ms (%.0f/s)\n",
           t_master * 1e3, 1 / t_master, t_imp * 1e3, 1 / t_imp);
    printf("  FVC-style database (1 master + 8 impressions per finger): %.2f images/s\n",
           8 / (t_master + 8 * t_imp));
    printf("  baseline PNG encode of the same images: %.2f ms; impression / PNG encode = %.2f\n",
           t_png * 1e3, t_imp / t_png);
    for (int i = 0; i < n_masters * n_imp; i++)
        tern_image_free(imgs[i]);
    for (int i = 0; i < n_masters; i++)
        tern_synth_master_free(m[i]);

    /* Template mode: 2,000 fingers x 5 impressions. */
    const int n_f = 2000, n_t = 5;
    tern_template **tt = malloc(sizeof *tt * n_f * n_t);
    if (!tt)
        return 1;
    t0 = now();
    double minutiae = 0;
    for (int i = 0; i < n_f; i++) {
        tern_synth_tfinger *f;
        if (tern_synth_tfinger_create(tern_synth_seed_mix(2, i, 0), -1, &f, &err) != TERN_OK)
            return 1;
        for (int k = 0; k < n_t; k++) {
            if (tern_synth_tfinger_impression(f, tern_synth_seed_mix(2, i, k + 1), NULL,
                                              &tt[i * n_t + k], &err) != TERN_OK)
                return 1;
            minutiae += tt[i * n_t + k]->n_minutiae;
        }
        tern_synth_tfinger_free(f);
    }
    double t_tmpl = (now() - t0) / (n_f * n_t);
    t0 = now();
    for (int i = 0; i < n_f * n_t; i++) {
        tern_template *c;
        if (tern_template_clone(tt[i], &c, &err) == TERN_OK)
            tern_template_free(c);
    }
    double t_clone = (now() - t0) / (n_f * n_t);
    printf("synth templates (%d fingers x %d impressions, %.1f minutiae each): %.0f templates/s "
           "(%.1f us each)\n",
           n_f, n_t, minutiae / (n_f * n_t), 1 / t_tmpl, t_tmpl * 1e6);
    printf("  100,000 ten-print identities x 1 impression: %.1f s; baseline template clone "
           "%.2f us, synth / clone = %.1f\n",
           1e6 * t_tmpl, t_clone * 1e6, t_tmpl / t_clone);
    for (int i = 0; i < n_f * n_t; i++)
        tern_template_free(tt[i]);
    free(tt);
    return 0;
}
