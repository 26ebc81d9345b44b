/* ident_fixture.h - synthetic ten-print identities for the gallery and
 * identification tests (template-level synthesis, tern/synth.h): no real
 * print is used. */
#ifndef TERN_IDENT_FIXTURE_H
#define TERN_IDENT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "store_fixture.h"
#include "tern/audit.h"
#include "tern/core.h"
#include "tern/image.h"
#include "tern/synth.h"
#include "tern/template.h"

/* Fills t[k] (k = position - 1) with impression `imp` of the ten fingers
 * of synthetic identity `index` of population `seed`; fails the test on
 * error. Different imp values are different captures of the same fingers. */
void ix_fingers(uint64_t seed, uint64_t index, unsigned imp, tern_template *t[10]);
/* Frees the ten templates and sets them to NULL. */
void ix_free(tern_template *t[10]);

/* The ten fingers of synthetic identity `index` of population `seed`,
 * capture `imp`, as the core services take them: f[k] is position k + 1,
 * rolled, with template t[k]. ix_prints_free frees the templates. */
typedef struct ix_prints {
    tern_template *t[10];
    tern_core_finger f[10];
} ix_prints;
void ix_prints_make(ix_prints *p, uint64_t seed, uint64_t index, unsigned imp);
void ix_prints_free(ix_prints *p);

/* A fresh store of either backend (fx_setup, fx_seed), its core and
 * gallery: the identification tests' world. */
typedef struct ix_world {
    fx f;
    tern_store *s;
    tern_core *c;
    tern_core_gallery *g;
    int64_t now;
} ix_world;
/* Sets up the store, seeds it (fx_seed), inserts users[0..n-1] and the
 * retention rule, then opens the core and an (empty) gallery. */
void ix_world_up(ix_world *w, fx_backend backend, tern_user *users, size_t n,
                 tern_retention_rule *rule);
/* Opens the store again, with a core and the gallery loaded from it. */
void ix_world_open(ix_world *w);
/* Frees the gallery and core and closes the store (pointers set NULL). */
void ix_world_close(ix_world *w);
/* Verifies the audit chain (the test fails unless tern_audit_verify
 * returns TERN_OK), its report into *rep, then closes and tears down. */
void ix_world_down(ix_world *w, tern_audit_report *rep);

/* The image of finger `position` (1..10) of synthetic identity `index` of
 * population `seed` (SFinGe-style master, tern/synth.h): impression `imp`,
 * rolled or plain. Fails the test on error. */
tern_image *ix_finger_image(uint64_t seed, uint64_t index, int position, uint64_t imp,
                            bool rolled);

/* The impression of finger `position` (1..10) of synthetic identity
 * `index` of population `seed` made with impression_seed and options io
 * (for hand-made layouts; ix_finger_image chooses both). Fails the test
 * on error. */
tern_image *ix_finger_impression(uint64_t seed, uint64_t index, int position,
                                 uint64_t impression_seed, const tern_synth_impression_opts *io);

/* The median grey level of f's border pixels (255 if f has none): the
 * level of an impression's frame. */
unsigned ix_border_median(const tern_image *f);
/* Bilinear sample of grey image f at pixel coordinates (lx, ly) into *v;
 * false (v untouched) unless all four neighbours lie inside f. */
bool ix_sample(const tern_image *f, double lx, double ly, double *v);

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
