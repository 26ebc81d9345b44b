/* server_fork.h - a node server in its own process, for the node's tests
 * and its load benchmark (no Criterion: bench/bench_api.c links it too). */
#ifndef TERN_SERVER_FORK_H
#define TERN_SERVER_FORK_H

#include <sys/types.h>

#include "tern/api.h"

/* Forks a process that runs tern_api_start(cfg) until SIGTERM (then
 * tern_api_stop with stop_ms to drain, and exit 0) or until killed; the
 * child is SIGKILLed if its parent dies first. Returns the child's pid and
 * sets *port to its listening port; returns -1 (no child left running,
 * *port 0) if the pipe, the fork or the server's start fails: the start's
 * error is printed on stderr by the child. */
pid_t tern_test_server_fork(const tern_api_config *cfg, unsigned stop_ms, unsigned *port);

#endif
