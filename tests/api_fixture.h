/* api_fixture.h - what the node's tests share: synthetic fingers as the
 * JSON of an encounter or enrollment body, a gallery stored as rows, and a
 * server forked into its own process (so that it can be killed). */
#ifndef TERN_API_FIXTURE_H
#define TERN_API_FIXTURE_H

#include <stdint.h>
#include <sys/types.h>

#include "tern/api.h"
#include "tern/core.h"

/* The JSON "fingers" array (templates in Tern's format, base64) of
 * impression `imp` of synthetic identity `index` of population `seed`, for
 * the n positions given (NULL: positions 1..n). malloc'd; fails the test
 * on error. */
char *af_fingers_json(uint64_t seed, uint64_t index, unsigned imp, unsigned n,
                      const unsigned *positions);

/* Stores n identities (impression 0, ten fingers of the current engine
 * version) of population `seed` directly as rows, in one transaction;
 * subjects (may be NULL) receives their ids. Category "default" (the
 * caller creates the retention rule). */
void af_store_identities(tern_store *s, uint64_t seed, unsigned n, char (*subjects)[TERN_ID_MAX]);

/* The gallery of the node tests, through core c on store s: an analyst
 * "u-analyst" and a supervisor "u-sup" of CL-PDI, the retention rule
 * "default", n identities of population `seed` (subjects receives their
 * ids), and watchlist "toc" (transnational organised crime, handling
 * "detain") with identity `listed` nominated by the analyst and approved by
 * the supervisor; entry receives the entry's id. Fails the test on error. */
void af_listed_gallery(tern_core *c, tern_store *s, uint64_t seed, unsigned n, unsigned listed,
                       char (*subjects)[TERN_ID_MAX], char *entry);

/* Forks a process that runs tern_api_start(cfg) until SIGTERM (graceful
 * stop, exit 0) or until killed; returns its pid and sets *port. */
pid_t af_server_fork(const tern_api_config *cfg, unsigned *port);

#endif
