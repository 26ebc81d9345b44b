/* util.c - what the benchmarks share (bench_util.h). */
#define _GNU_SOURCE /* program_invocation_short_name */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../tests/ident_ten.h"
#include "bench_util.h"

static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double bench_wall(void)
{
    return seconds(CLOCK_MONOTONIC);
}

double bench_cpu(void)
{
    return seconds(CLOCK_PROCESS_CPUTIME_ID);
}

void bench_die(const char *what, const tern_error *err)
{
    fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
            err ? err->message : "failed");
    exit(1);
}

void bench_ten(uint64_t seed, uint64_t index, unsigned imp, tern_template *t[10])
{
    tern_error err;
    if (ix_ten_make(seed, index, imp, t, &err) != TERN_OK)
        bench_die("synth", &err);
}

void bench_ten_free(tern_template *t[10])
{
    for (unsigned k = 0; k < 10; k++)
        tern_template_free(t[k]);
}
