/* ident_ten.h - the ten fingers of a synthetic identity as templates
 * (template-level synthesis, tern/synth.h), for the tests
 * (ident_fixture.c: ix_fingers) and the benchmarks (bench/util.c:
 * bench_ten), which fail each in their own way. A static inline function
 * in a header because the two link no common object (Makefile: a test
 * links the objects of tests/, a benchmark bench/util.o). No Criterion here. */
#ifndef TERN_IDENT_TEN_H
#define TERN_IDENT_TEN_H

#include <stdint.h>

#include "tern/synth.h"
#include "tern/template.h"

/* Fills t[k] (k = position - 1) with capture `imp` of the ten fingers of
 * synthetic identity `index` of population `seed` (default impression
 * options); different imp values are different captures of the same
 * fingers. On error, returns it with t[0..k-1] filled (the caller frees
 * them) and t[k..9] untouched. */
static inline tern_status ix_ten_make(uint64_t seed, uint64_t index, unsigned imp,
                                      tern_template *t[10], tern_error *err)
{
    tern_synth_identity id;
    tern_synth_identity_make(seed, index, &id);
    tern_synth_timpression_opts o;
    tern_synth_timpression_defaults(&o);
    for (unsigned k = 0; k < 10; k++) {
        tern_synth_tfinger *f;
        tern_status rc = tern_synth_tfinger_create(id.finger_seed[k], (int)id.finger_class[k],
                                                   &f, err);
        if (rc != TERN_OK)
            return rc;
        rc = tern_synth_tfinger_impression(f, tern_synth_seed_mix(seed, index * 16 + k, imp), &o,
                                           &t[k], err);
        tern_synth_tfinger_free(f);
        if (rc != TERN_OK)
            return rc;
        t[k]->finger_position = (uint8_t)(k + 1);
    }
    return TERN_OK;
}

#endif
