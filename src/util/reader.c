/* reader.c - the bounded reader through which every parser sees untrusted
 * bytes. Invariant: pos <= len at all times; a failed read moves nothing. */
#include <stdio.h>
#include <string.h>

#include "tern/bytes.h"

void tern_reader_init(tern_reader *r, const void *data, size_t len, const char *what,
                      tern_error *err)
{
    r->data = data;
    r->len = data ? len : 0;
    r->pos = 0;
    r->what = what ? what : "input";
    r->err = err;
}

static tern_status short_read(tern_reader *r, size_t need)
{
    return tern_error_set(r->err, TERN_E_TRUNCATED,
                          "%s: truncated at byte offset %zu: need %zu bytes, %zu left", r->what,
                          r->pos, need, tern_reader_left(r));
}

tern_status tern_reader_bytes(tern_reader *r, size_t n, const uint8_t **out)
{
    if (n > tern_reader_left(r))
        return short_read(r, n);
    *out = r->data + r->pos;
    r->pos += n;
    return TERN_OK;
}

tern_status tern_reader_skip(tern_reader *r, size_t n)
{
    const uint8_t *p;
    return tern_reader_bytes(r, n, &p);
}

tern_status tern_reader_seek(tern_reader *r, size_t pos)
{
    if (pos > r->len)
        return tern_error_set(r->err, TERN_E_TRUNCATED,
                              "%s: offset %zu is past the end of the input (%zu bytes)", r->what,
                              pos, r->len);
    r->pos = pos;
    return TERN_OK;
}

tern_status tern_reader_u8(tern_reader *r, uint8_t *out)
{
    const uint8_t *p;
    tern_status s = tern_reader_bytes(r, 1, &p);
    if (s == TERN_OK)
        *out = p[0];
    return s;
}

tern_status tern_reader_u16be(tern_reader *r, uint16_t *out)
{
    const uint8_t *p;
    tern_status s = tern_reader_bytes(r, 2, &p);
    if (s == TERN_OK)
        *out = (uint16_t)((unsigned)p[0] << 8 | p[1]);
    return s;
}

tern_status tern_reader_u32be(tern_reader *r, uint32_t *out)
{
    const uint8_t *p;
    tern_status s = tern_reader_bytes(r, 4, &p);
    if (s == TERN_OK)
        *out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return s;
}

tern_status tern_reader_u16le(tern_reader *r, uint16_t *out)
{
    const uint8_t *p;
    tern_status s = tern_reader_bytes(r, 2, &p);
    if (s == TERN_OK)
        *out = (uint16_t)((unsigned)p[1] << 8 | p[0]);
    return s;
}

tern_status tern_reader_u32le(tern_reader *r, uint32_t *out)
{
    const uint8_t *p;
    tern_status s = tern_reader_bytes(r, 4, &p);
    if (s == TERN_OK)
        *out = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
    return s;
}

tern_status tern_reader_fail(tern_reader *r, tern_status status, const char *fmt, ...)
{
    char msg[TERN_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tern_error_set(r->err, status, "%s: at byte offset %zu: %.400s", r->what, r->pos, msg);
}
