/* fuzz_store.c - libFuzzer target for what the store reads from untrusted
 * callers and from the database: the UTF-8 and id validators
 * (tern_store_check_text, tern_store_check_id) and the sealed-value reader
 * (tern_unseal) on arbitrary bytes. It must never crash or leak; a value
 * that opens must be one that was sealed under the key (so never, for
 * arbitrary input), and text that passes must be free of NUL and of invalid
 * sequences by an independent check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/crypto.h"
#include "tern/store.h"

/* Independent and slow: decode each code point, refuse what RFC 3629 does. */
static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], cp, len;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0)
            len = 2, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0)
            len = 3, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0)
            len = 4, cp = c & 0x07;
        else
            return 0;
        if (i + len > n)
            return 0;
        for (unsigned k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        unsigned min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    tern_error err;
    tern_status st = tern_store_check_text(text, 64, "fuzz", &err);
    size_t len = strlen(text);
    int want = len <= 64 && valid_utf8((const unsigned char *)text, len);
    if ((st == TERN_OK) != want)
        abort();
    (void)tern_store_check_id(text, "fuzz", &err);
    free(text);

    tern_key key;
    memset(key.bytes, 7, sizeof key.bytes);
    uint8_t *plain = NULL;
    size_t plen = 0;
    if (tern_unseal(&key, "t\0i\0c", 5, data, size, &plain, &plen, &err) == TERN_OK)
        abort(); /* forging a Poly1305 tag by chance: not in this universe */
    if (plain)
        abort();
    return 0;
}
