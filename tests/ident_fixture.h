/* ident_fixture.h - synthetic ten-print identities for the gallery and
 * identification tests (template-level synthesis, tern/synth.h): no real
 * print is used. */
#ifndef TERN_IDENT_FIXTURE_H
#define TERN_IDENT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/image.h"
#include "tern/template.h"

/* Fills t[k] (k = position - 1) with impression `imp` of the ten fingers
 * of synthetic identity `index` of population `seed`; fails the test on
 * error. Different imp values are different captures of the same fingers. */
void ix_fingers(uint64_t seed, uint64_t index, unsigned imp, tern_template *t[10]);
/* Frees the ten templates and sets them to NULL. */
void ix_free(tern_template *t[10]);

/* The image of finger `position` (1..10) of synthetic identity `index` of
 * population `seed` (SFinGe-style master, tern/synth.h): impression `imp`,
 * rolled or plain. Fails the test on error. */
tern_image *ix_finger_image(uint64_t seed, uint64_t index, int position, uint64_t imp,
                            bool rolled);

/* A synthetic slap of identity (seed, index): the plain impressions of the
 * slap's fingers (tern/slap.h order, left to right; positions in `absent`,
 * a bit per FGP, left out as if amputated) rotated and laid out like a hand
 * (fingertips on an arc, outer fingers splayed, little finger lower),
 * the whole hand turned by hand_deg clockwise, composed darkest-wins on a
 * light 500 ppi canvas (1600x1000; 900x1000 for the thumbs, 15). */
typedef struct ix_slap {
    tern_image *image;
    unsigned n;
    int position[4];
    tern_image *finger[4];  /* the impressions placed */
    double cx[4], cy[4];    /* where each impression's centre went */
    double angle_deg[4];    /* and its rotation, clockwise */
} ix_slap;
void ix_slap_make(uint64_t seed, uint64_t index, int slap, double hand_deg, unsigned absent,
                  ix_slap *out);
void ix_slap_free(ix_slap *s);

#endif
