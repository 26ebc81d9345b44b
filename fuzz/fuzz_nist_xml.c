/* fuzz_nist_xml.c - libFuzzer target for the ANSI/NIST-ITL XML reader
 * (src/nist/nist_xml_read.c): whatever reads must write back to XML and
 * read again, and serialise in the traditional encoding or refuse cleanly. */
#include <stdint.h>
#include <stdlib.h>

#include "tern/nist.h"
#include "tern/nist_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tern_nist *t = NULL;
    tern_error err;
    if (tern_nist_xml_read(data, size, &t, NULL, &err) != TERN_OK)
        return 0;
    uint8_t *xml = NULL, *trad = NULL;
    size_t len = 0;
    if (tern_nist_xml_write(t, &xml, &len, &err) != TERN_OK)
        __builtin_trap();
    tern_nist *again = NULL;
    if (tern_nist_xml_read(xml, len, &again, NULL, &err) != TERN_OK)
        __builtin_trap();
    if (tern_nist_serialize(t, &trad, &len, &err) == TERN_OK)
        free(trad);
    tern_nist_free(again);
    free(xml);
    tern_nist_free(t);
    return 0;
}
