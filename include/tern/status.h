/* tern/status.h - one status type for the whole library, and error messages.
 *
 * Every fallible Tern function returns a tern_status and, where it can say
 * more, fills a caller-provided tern_error with a message that names what was
 * wrong and where ("WSQ: DHT marker at byte offset 1832: table 9 out of
 * range"). Passing NULL for the tern_error is always allowed: the status alone
 * is then returned. The library never calls exit() or abort().
 *
 * Thread safety: all functions here are reentrant; a tern_error belongs to
 * one thread at a time.
 */
#ifndef TERN_STATUS_H
#define TERN_STATUS_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tern_status {
    TERN_OK = 0,
    TERN_E_ARG,          /* the caller passed something unusable */
    TERN_E_NOMEM,        /* an allocation failed */
    TERN_E_IO,           /* reading or writing a file failed */
    TERN_E_FORMAT,       /* input is malformed: it breaks its format's rules */
    TERN_E_TRUNCATED,    /* input ends before its declared content */
    TERN_E_UNSUPPORTED,  /* input is valid but uses a feature Tern lacks */
    TERN_E_LIMIT,        /* input exceeds a documented limit of Tern's */
    TERN_E_NOT_FOUND,    /* an id, file or item does not exist */
    TERN_E_QUALITY,      /* a sample is too poor to use (failure to enroll) */
    TERN_E_EXISTS,       /* the thing to create already exists */
    TERN_E_DENIED,       /* the caller is not authorised */
    TERN_E_STATE,        /* the operation is not allowed in the current state */
    TERN_E_INTERNAL,     /* a bug in Tern: an invariant does not hold */
    TERN_STATUS_COUNT
} tern_status;

/* Maximum length of an error message, terminating NUL included. */
#define TERN_ERROR_MAX 512

typedef struct tern_error {
    tern_status status;
    char message[TERN_ERROR_MAX];
} tern_error;

/* The stable name of a status, e.g. "format" for TERN_E_FORMAT; never NULL
 * ("unknown" for a value outside the enum). */
const char *tern_status_name(tern_status status);

/* Resets err to TERN_OK with an empty message. err may be NULL. */
void tern_error_clear(tern_error *err);

/* Records status and a printf-style message in err (if not NULL) and returns
 * status, so that a failing path reads `return tern_error_set(err, ...)`. */
tern_status tern_error_set(tern_error *err, tern_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
tern_status tern_error_vset(tern_error *err, tern_status status, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Prepends context to the message already in err ("record 4: " + message),
 * keeping its status, and returns that status. Use when an error passes up
 * through a layer that knows more about where it happened. */
tern_status tern_error_prefix(tern_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif
#endif
