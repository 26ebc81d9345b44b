/* ident_fixture.c - synthetic ten-print identities (see ident_fixture.h). */
#include "ident_fixture.h"

#include <criterion/criterion.h>

#include "tern/synth.h"

void ix_fingers(uint64_t seed, uint64_t index, unsigned imp, tern_template *t[10])
{
    tern_synth_identity id;
    tern_synth_identity_make(seed, index, &id);
    tern_synth_timpression_opts o;
    tern_synth_timpression_defaults(&o);
    for (unsigned k = 0; k < 10; k++) {
        tern_synth_tfinger *f;
        tern_error err;
        cr_assert_eq(tern_synth_tfinger_create(id.finger_seed[k], (int)id.finger_class[k], &f,
                                               &err),
                     TERN_OK, "%s", err.message);
        cr_assert_eq(tern_synth_tfinger_impression(f, tern_synth_seed_mix(seed, index * 16 + k,
                                                                          imp),
                                                   &o, &t[k], &err),
                     TERN_OK, "%s", err.message);
        t[k]->finger_position = (uint8_t)(k + 1);
        tern_synth_tfinger_free(f);
    }
}

void ix_free(tern_template *t[10])
{
    for (unsigned k = 0; k < 10; k++) {
        tern_template_free(t[k]);
        t[k] = NULL;
    }
}
