/* bench_util.h - what the benchmarks share (bench/util.c): clocks, failing
 * loudly, and synthetic ten-prints from the template generator. */
#ifndef TERN_BENCH_UTIL_H
#define TERN_BENCH_UTIL_H

#include <stdint.h>

#include "tern/status.h"
#include "tern/template.h"

/* Seconds on the monotonic clock, and CPU seconds of this process. */
double bench_wall(void);
double bench_cpu(void);
/* Prints "<program>: what: <err's message or "failed">" and exits 1. */
_Noreturn void bench_die(const char *what, const tern_error *err);
/* The ten fingers (positions 1..10) of synthetic identity `index` of
 * population `seed`, capture `imp` (template mode, default impression
 * options); dies on error. */
void bench_ten(uint64_t seed, uint64_t index, unsigned imp, tern_template *t[10]);
void bench_ten_free(tern_template *t[10]);

#endif
