/* status.c - status names and error messages (see tern/status.h). */
#include "tern/status.h"

#include <stdio.h>
#include <string.h>

static const char *const status_names[TERN_STATUS_COUNT] = {
    [TERN_OK] = "ok",
    [TERN_E_ARG] = "invalid argument",
    [TERN_E_NOMEM] = "out of memory",
    [TERN_E_IO] = "i/o error",
    [TERN_E_FORMAT] = "format error",
    [TERN_E_TRUNCATED] = "truncated input",
    [TERN_E_UNSUPPORTED] = "unsupported",
    [TERN_E_LIMIT] = "limit exceeded",
    [TERN_E_NOT_FOUND] = "not found",
    [TERN_E_QUALITY] = "quality too low",
    [TERN_E_EXISTS] = "already exists",
    [TERN_E_DENIED] = "permission denied",
    [TERN_E_STATE] = "invalid state",
    [TERN_E_INTERNAL] = "internal error",
};

const char *tern_status_name(tern_status status)
{
    if ((unsigned)status >= TERN_STATUS_COUNT)
        return "unknown";
    return status_names[status];
}

void tern_error_clear(tern_error *err)
{
    if (!err)
        return;
    err->status = TERN_OK;
    err->message[0] = '\0';
}

tern_status tern_error_vset(tern_error *err, tern_status status, const char *fmt, va_list ap)
{
    if (err) {
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
    return status;
}

tern_status tern_error_set(tern_error *err, tern_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tern_error_vset(err, status, fmt, ap);
    va_end(ap);
    return status;
}

tern_status tern_error_prefix(tern_error *err, const char *fmt, ...)
{
    if (!err)
        return TERN_E_INTERNAL;
    char old[TERN_ERROR_MAX];
    memcpy(old, err->message, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    size_t used = n < 0 ? 0 : (size_t)n;
    if (used < sizeof err->message - 1) {
        size_t room = sizeof err->message - 1 - used;
        size_t oldlen = strnlen(old, sizeof old - 1);
        size_t take = oldlen < room ? oldlen : room;
        memcpy(err->message + used, old, take);
        err->message[used + take] = '\0';
    }
    return err->status;
}
