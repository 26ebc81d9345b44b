/* fuzz_nist.c - libFuzzer target for the traditional ANSI/NIST-ITL reader
 * (src/nist/nist_parse.c) and writer: whatever parses must re-serialise to
 * the very bytes it came from. What parses is then put through everything
 * that reads a parsed transaction: validation against the base rules and
 * the profile of its TOT (conditional rules included), the dump, typed
 * access to Type-1, images and Type-9 minutiae (each block, and the INCITS
 * 378 block written back), and the XML writer, whose output must read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/nist.h"
#include "tern/nist_dump.h"
#include "tern/nist_profile.h"
#include "tern/nist_types.h"
#include "tern/nist_xml.h"

static void exercise_minutiae(tern_nist *t, size_t i)
{
    static const unsigned blocks[] = {TERN_NIST_MIN_STANDARD, TERN_NIST_MIN_IAFIS,
                                      TERN_NIST_MIN_INCITS378};
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        tern_template *tpl = NULL;
        if (tern_nist_template_get(t, i, blocks[b], &tpl, NULL) != TERN_OK)
            continue;
        size_t at;
        if (tern_nist_add_template(t, tpl, &at, NULL) == TERN_OK) {
            tern_template *back = NULL;
            /* What Tern writes, Tern reads. */
            if (tern_nist_template_get(t, at, TERN_NIST_MIN_INCITS378, &back, NULL) != TERN_OK)
                __builtin_trap();
            tern_template_free(back);
            tern_nist_remove_record(t, at, NULL);
        }
        tern_template_free(tpl);
    }
}

static void exercise(tern_nist *t)
{
    tern_nist_violation *v = NULL;
    size_t n = 0;
    if (tern_nist_validate(t, NULL, &v, &n, NULL) == TERN_OK)
        free(v);
    char *dump = NULL;
    if (tern_nist_dump(t, true, &dump, NULL) == TERN_OK)
        tern_nist_dump_free(dump);
    tern_nist_info info;
    (void)tern_nist_info_get(t, &info, NULL);
    for (size_t i = 1; i < t->n_records; i++) {
        tern_nist_image im;
        (void)tern_nist_image_get(t, i, &im, NULL);
        if (t->records[i].type == 9)
            exercise_minutiae(t, i);
    }
    uint8_t *xml = NULL;
    size_t len = 0;
    if (tern_nist_xml_write(t, &xml, &len, NULL) != TERN_OK)
        return;
    tern_nist *back = NULL;
    if (tern_nist_xml_read(xml, len, &back, NULL, NULL) != TERN_OK)
        __builtin_trap();
    tern_nist_free(back);
    free(xml);
}

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
    exercise(t);
    tern_nist_free(t);
    return 0;
}
