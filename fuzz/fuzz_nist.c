/* fuzz_nist.c - libFuzzer target for the traditional ANSI/NIST-ITL reader
 * (src/nist/nist_parse.c) and writer: whatever parses must re-serialise to
 * the very bytes it came from. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/nist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tern_nist *t = NULL;
    tern_error err;
    if (tern_nist_parse(data, size, &t, &err) != TERN_OK)
        return 0;
    uint8_t *out = NULL;
    size_t len = 0;
    if (tern_nist_serialize(t, &out, &len, &err) != TERN_OK || len != size ||
        memcmp(out, data, size) != 0)
        __builtin_trap();
    free(out);
    tern_nist_free(t);
    return 0;
}
