/* synth_fixture.c - the synthetic FVC-style set of synth_fixture.h: the
 * masters and impressions of `tern synth --seed 1` (finger F uses master
 * seed seed_mix(1, F, 0), impression I seed_mix(1, F, I + 1)), made lazily
 * and cached for the life of the test process (Criterion runs each test in
 * its own process, so each test pays for the fingers it asks for only). */
#include "synth_fixture.h"

#include <criterion/criterion.h>

#include "tern/synth.h"

#define SF_SEED 1

static tern_image *cache[SF_FINGERS][SF_IMPRESSIONS];

const tern_image *sf_image(unsigned finger, unsigned imp)
{
    cr_assert(finger < SF_FINGERS && imp < SF_IMPRESSIONS, "sf_image: finger %u impression %u",
              finger, imp);
    if (cache[finger][imp])
        return cache[finger][imp];
    tern_error err;
    tern_synth_master *m;
    tern_synth_impression_opts io; /* as `tern synth --fingers` */
    tern_synth_impression_defaults(&io);
    io.translation = TERN_SYNTH_SENSOR_TRANSLATION;
    cr_assert_eq(tern_synth_master_create(tern_synth_seed_mix(SF_SEED, finger, 0), NULL, &m, &err),
                 TERN_OK, "%s", err.message);
    for (unsigned i = 0; i < SF_IMPRESSIONS; i++)
        if (!cache[finger][i])
            cr_assert_eq(tern_synth_impression(m, tern_synth_seed_mix(SF_SEED, finger, i + 1), &io,
                                               &cache[finger][i], &err),
                         TERN_OK, "%s", err.message);
    tern_synth_master_free(m);
    return cache[finger][imp];
}
