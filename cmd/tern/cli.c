/* cli.c - helpers shared by the subcommands of `tern`. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
