/* tern/bytes.h - bounded reading of untrusted bytes, growable output buffers,
 * whole-file I/O and overflow-checked size arithmetic.
 *
 * Every parser in Tern reads untrusted input only through a tern_reader,
 * which checks each length against what remains before use and, on failure,
 * records in the tern_error what was being read and at which byte offset.
 * Writers build output in a tern_buf. Neither allocates behind the caller's
 * back beyond what it documents. Not thread-safe per object; distinct objects
 * may be used from distinct threads.
 */
#ifndef TERN_BYTES_H
#define TERN_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- bounded reader ---------------------------------------------------- */

typedef struct tern_reader {
    const uint8_t *data; /* borrowed; must outlive the reader */
    size_t len;
    size_t pos;          /* offset of the next byte to read */
    const char *what;    /* names the input in messages, e.g. "WSQ" */
    tern_error *err;     /* where failures are reported; may be NULL */
} tern_reader;

/* Starts reading len bytes at data. `what` (a static string) prefixes every
 * message: "WSQ: truncated at byte offset 20: need 2 bytes, 0 left". */
void tern_reader_init(tern_reader *r, const void *data, size_t len, const char *what,
                      tern_error *err);

static inline size_t tern_reader_left(const tern_reader *r) { return r->len - r->pos; }

/* Each reads at the current position and advances; on a short input it
 * returns TERN_E_TRUNCATED, leaves the position unchanged and fills err. */
tern_status tern_reader_u8(tern_reader *r, uint8_t *out);
tern_status tern_reader_u16be(tern_reader *r, uint16_t *out);
tern_status tern_reader_u32be(tern_reader *r, uint32_t *out);
tern_status tern_reader_u16le(tern_reader *r, uint16_t *out);
tern_status tern_reader_u32le(tern_reader *r, uint32_t *out);
/* Points *out at the next n bytes (inside the input, not a copy). */
tern_status tern_reader_bytes(tern_reader *r, size_t n, const uint8_t **out);
tern_status tern_reader_skip(tern_reader *r, size_t n);
/* Moves to absolute offset pos (<= len). */
tern_status tern_reader_seek(tern_reader *r, size_t pos);
/* Reports a format error at the current offset: "<what>: at byte offset N: <msg>". */
tern_status tern_reader_fail(tern_reader *r, tern_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- growable output buffer -------------------------------------------- */

typedef struct tern_buf {
    uint8_t *data; /* owned; NULL while empty */
    size_t len;
    size_t cap;
    bool failed;   /* an allocation failed: later appends are no-ops */
} tern_buf;

/* A zeroed tern_buf is empty and ready. Appends never fail loudly: check
 * tern_buf_status() once after a series of them. */
void tern_buf_put(tern_buf *b, const void *data, size_t n);
void tern_buf_u8(tern_buf *b, uint8_t v);
void tern_buf_u16be(tern_buf *b, uint16_t v);
void tern_buf_u32be(tern_buf *b, uint32_t v);
void tern_buf_u16le(tern_buf *b, uint16_t v);
void tern_buf_u32le(tern_buf *b, uint32_t v);
void tern_buf_printf(tern_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ensures room for n more bytes; returns false (and sets failed) if it cannot. */
bool tern_buf_reserve(tern_buf *b, size_t n);
/* TERN_OK, or TERN_E_NOMEM (with a message) if any append failed. */
tern_status tern_buf_status(const tern_buf *b, tern_error *err);
/* Hands the bytes to the caller (free() them) and empties b. */
uint8_t *tern_buf_take(tern_buf *b, size_t *len);
void tern_buf_free(tern_buf *b);

/* ---- growable arrays ----------------------------------------------------- */

/* Makes room for one more element in the malloc'd array *items, which holds
 * *cap elements of elem_size bytes of which n are used: when n == *cap it
 * doubles the capacity (first_cap for an empty array), overflow-checked.
 * Returns false, leaving *items and *cap as they were, if it cannot. */
bool tern_array_reserve(void *items, size_t *cap, size_t n, size_t elem_size, size_t first_cap);

/* ---- files --------------------------------------------------------------- */

/* Reads a whole file into a malloc'd buffer (free() it). Files larger than
 * max_bytes are refused with TERN_E_LIMIT before anything is read. */
tern_status tern_file_read(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                           tern_error *err);
/* Writes len bytes to path atomically (mode 0600: outputs may hold biometric
 * data): to a temporary file beside it, fsync,
 * then rename, so a crash leaves either the old file or the new one. */
tern_status tern_file_write(const char *path, const void *data, size_t len, tern_error *err);

/* ---- overflow-checked sizes -------------------------------------------- */

/* *out = a * b (resp. a + b); false on overflow. */
static inline bool tern_size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool tern_size_add(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

#ifdef __cplusplus
}
#endif
#endif
