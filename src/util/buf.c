/* buf.c - growable output buffer. Appends after a failed allocation are
 * no-ops, so writers check tern_buf_status() once at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/bytes.h"

bool tern_buf_reserve(tern_buf *b, size_t n)
{
    if (b->failed)
        return false;
    size_t need;
    if (!tern_size_add(b->len, n, &need)) {
        b->failed = true;
        return false;
    }
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (!tern_size_mul(cap, 2, &cap)) {
            cap = need;
            break;
        }
    }
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void tern_buf_put(tern_buf *b, const void *data, size_t n)
{
    if (n == 0 || !tern_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, data, n);
    b->len += n;
}

void tern_buf_u8(tern_buf *b, uint8_t v) { tern_buf_put(b, &v, 1); }

void tern_buf_u16be(tern_buf *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    tern_buf_put(b, p, 2);
}

void tern_buf_u32be(tern_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    tern_buf_put(b, p, 4);
}

void tern_buf_u16le(tern_buf *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    tern_buf_put(b, p, 2);
}

void tern_buf_u32le(tern_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    tern_buf_put(b, p, 4);
}

void tern_buf_printf(tern_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !tern_buf_reserve(b, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

tern_status tern_buf_status(const tern_buf *b, tern_error *err)
{
    if (b->failed)
        return tern_error_set(err, TERN_E_NOMEM, "out of memory growing an output buffer past %zu bytes",
                              b->len);
    return TERN_OK;
}

uint8_t *tern_buf_take(tern_buf *b, size_t *len)
{
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    memset(b, 0, sizeof *b);
    return p;
}

void tern_buf_free(tern_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

bool tern_array_reserve(void *items, size_t *cap, size_t n, size_t elem_size, size_t first_cap)
{
    if (n < *cap)
        return true;
    size_t want, bytes;
    if (*cap == 0)
        want = first_cap ? first_cap : 1;
    else if (!tern_size_mul(*cap, 2, &want))
        return false;
    if (!tern_size_mul(want, elem_size, &bytes))
        return false;
    void **slot = items;
    void *p = realloc(*slot, bytes);
    if (!p)
        return false;
    *slot = p;
    *cap = want;
    return true;
}
