/* cli.c - helpers shared by the subcommands of `tern`. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tern: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int cli_fail_err(const char *context, const tern_error *err)
{
    const char *msg = err && err->message[0] ? err->message : tern_status_name(err ? err->status : TERN_E_INTERNAL);
    return cli_fail("%s: %s", context, msg);
}

bool cli_is_help(const char *s) { return strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0; }

bool cli_parse_double(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v <= 0) {
        cli_fail("%s: '%s' is not a positive number", opt, s);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_uint(const char *opt, const char *s, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') {
        cli_fail("%s: '%s' is not a non-negative integer", opt, s);
        return false;
    }
    *out = v;
    return true;
}

void cli_progress_start(cli_progress *p, const char *who, uint64_t total, const char *what)
{
    *p = (cli_progress){.tty = isatty(2), .total = total, .who = who, .what = what};
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    cli_progress_show(p, 0);
}

void cli_progress_show(cli_progress *p, uint64_t done)
{
    if (!p->tty || !p->total)
        return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double s = (double)(t.tv_sec - p->t0.tv_sec) + 1e-9 * (double)(t.tv_nsec - p->t0.tv_nsec);
    if (done < p->total && done > 0 && s - p->shown < 0.1)
        return;
    p->shown = s;
    double rate = s > 0 ? (double)done / s : 0;
    int pct = (int)(done * 100 / p->total), fill = pct * 30 / 100;
    char eta[32] = "";
    if (rate > 0 && done < p->total)
        snprintf(eta, sizeof eta, ", %.0f s left", (double)(p->total - done) / rate);
    fprintf(stderr, "\rtern %s: [%.*s%*s] %3d%% %" PRIu64 "/%" PRIu64 " %s, %.1f/s%s   ", p->who,
            fill, "##############################", 30 - fill, "", pct, done, p->total, p->what,
            rate, eta);
    if (done == p->total)
        fputc('\n', stderr);
    fflush(stderr);
}
