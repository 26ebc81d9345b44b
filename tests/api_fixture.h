/* api_fixture.h - what the node's tests share: synthetic fingers as the
 * JSON of an encounter or enrollment body, a gallery stored as rows, and a
 * server forked into its own process (so that it can be killed). */
#ifndef TERN_API_FIXTURE_H
#define TERN_API_FIXTURE_H

#include <stdint.h>
#include <sys/types.h>

#include "tern/api.h"

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

/* Forks a process that runs tern_api_start(cfg) until SIGTERM (graceful
 * stop, exit 0) or until killed; returns its pid and sets *port. */
pid_t af_server_fork(const tern_api_config *cfg, unsigned *port);

#endif
