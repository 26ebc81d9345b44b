/* ident_fixture.h - synthetic ten-print identities for the gallery and
 * identification tests (template-level synthesis, tern/synth.h): no real
 * print is used. */
#ifndef TERN_IDENT_FIXTURE_H
#define TERN_IDENT_FIXTURE_H

#include <stdint.h>

#include "tern/template.h"

/* Fills t[k] (k = position - 1) with impression `imp` of the ten fingers
 * of synthetic identity `index` of population `seed`; fails the test on
 * error. Different imp values are different captures of the same fingers. */
void ix_fingers(uint64_t seed, uint64_t index, unsigned imp, tern_template *t[10]);
/* Frees the ten templates and sets them to NULL. */
void ix_free(tern_template *t[10]);

#endif
