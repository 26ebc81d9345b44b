/* synth_fixture.h - a small FVC-style set of Tern's own synthetic prints for
 * the engine's unit tests (tern/synth.h, docs/synth.md): no real print and
 * no reference data needed, so the tests that use it always run. */
#ifndef TERN_SYNTH_FIXTURE_H
#define TERN_SYNTH_FIXTURE_H

#include "tern/image.h"

#define SF_FINGERS 4
#define SF_IMPRESSIONS 3

/* Impression `imp` (0..SF_IMPRESSIONS-1) of finger `finger`
 * (0..SF_FINGERS-1) of the set `tern synth --fingers 4 --impressions 3
 * --seed 1` writes (288x384, 500 ppi; file (101 + finger)_(1 + imp)).
 * Generated once per test process on first use and kept in memory; the
 * image belongs to the fixture (read-only; do not free). Fails the test on
 * error. */
const tern_image *sf_image(unsigned finger, unsigned imp);

#endif
