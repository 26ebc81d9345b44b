/* master.c - master fingerprints: the ridge pattern of one synthetic finger
 * (SFinGe's "master fingerprint", Cappelli, Maio, Maltoni, ICPR 2002): its
 * geometry (geom.c) and its ridges grown by Gabor filtering (ridge.c). */
#include <math.h>
#include <stdlib.h>

#include "synth_internal.h"

void tern_synth_master_defaults(tern_synth_master_opts *opts)
{
    opts->width = 288;
    opts->height = 384;
    opts->finger_class = -1;
    opts->period = 0;
}

tern_status tern_synth_master_create(uint64_t seed, const tern_synth_master_opts *opts,
                                     tern_synth_master **out, tern_error *err)
{
    *out = NULL;
    tern_synth_master_opts o;
    tern_synth_master_defaults(&o);
    if (opts) {
        o = *opts;
        if (!o.width)
            o.width = 288;
        if (!o.height)
            o.height = 384;
    }
    if (o.width < 64 || o.height < 64 || o.width > TERN_SYNTH_MAX_DIM ||
        o.height > TERN_SYNTH_MAX_DIM)
        return tern_error_set(err, TERN_E_ARG, "synth: master size %ux%u (each side 64..%u)",
                              o.width, o.height, TERN_SYNTH_MAX_DIM);
    if (o.finger_class < -1 || o.finger_class >= TERN_SYNTH_CLASS_COUNT)
        return tern_error_set(err, TERN_E_ARG, "synth: finger class %d (-1..%d)", o.finger_class,
                              TERN_SYNTH_CLASS_COUNT - 1);
    if (o.period < 0 || (o.period > 0 && (o.period < 5.5 || o.period > 14.0)))
        return tern_error_set(err, TERN_E_ARG, "synth: ridge period %g px (5.5..14, or 0)",
                              o.period);
    tern_synth_master *m = calloc(1, sizeof *m);
    if (!m)
        return tern_error_set(err, TERN_E_NOMEM, "synth: out of memory");
    m->width = o.width;
    m->height = o.height;
    m->ridge = calloc((size_t)o.width * o.height, sizeof *m->ridge);
    if (!m->ridge) {
        free(m);
        return tern_error_set(err, TERN_E_NOMEM, "synth: out of memory for a %ux%u master",
                              o.width, o.height);
    }
    /* Pores are drawn from their own stream, so the ridge pattern of a seed
     * does not depend on them. */
    m->pore_key = tern_synth_seed_mix(seed, 0x706f726573ull, 0);
    m->pore_prob = 0.45 + 0.4 * (double)(m->pore_key >> 11) * 0x1.0p-53;
    tern_synth_rng rng;
    tern_synth_rng_seed(&rng, seed);
    tern_synth_class cls = o.finger_class < 0 ? tern_synth_class_draw(&rng)
                                              : (tern_synth_class)o.finger_class;
    synth_geom_draw(&rng, cls, o.width, o.height, o.period, &m->geom);
    tern_status s = synth_ridge_grow(m, &rng, err);
    if (s != TERN_OK) {
        tern_synth_master_free(m);
        return s;
    }
    *out = m;
    return TERN_OK;
}

void tern_synth_master_free(tern_synth_master *m)
{
    if (!m)
        return;
    free(m->ridge);
    free(m);
}

tern_synth_class tern_synth_master_class(const tern_synth_master *m) { return m->geom.cls; }

uint32_t tern_synth_master_singular(const tern_synth_master *m, tern_singular *out, uint32_t max)
{
    const synth_geom *g = &m->geom;
    uint32_t n = 0;
    for (int i = 0; i < g->n_core; i++, n++)
        if (n < max)
            out[n] = (tern_singular){(float)g->core[i][0], (float)g->core[i][1], 0,
                                     TERN_SINGULAR_CORE, 0};
    for (int i = 0; i < g->n_delta; i++, n++)
        if (n < max)
            out[n] = (tern_singular){(float)g->delta[i][0], (float)g->delta[i][1], 0,
                                     TERN_SINGULAR_DELTA, 0};
    return n;
}

tern_status tern_synth_master_render(const tern_synth_master *m, tern_image **out,
                                     tern_error *err)
{
    tern_status s = tern_image_create(m->width, m->height, 1, out, err);
    if (s != TERN_OK)
        return s;
    size_t n = (size_t)m->width * m->height;
    for (size_t i = 0; i < n; i++) {
        double v = 127.5 * (1.0 - m->ridge[i]);
        (*out)->pixels[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
    }
    (*out)->ppi_x = (*out)->ppi_y = TERN_SYNTH_PPI;
    return TERN_OK;
}
