/* fuzz_template.c - libFuzzer target for every template reader: detection,
 * decoding as each format (ISO/IEC 19794-2:2005/2011, INCITS 378-2004/2009/
 * 2009 Amd 1, Tern's internal format), and for whatever decodes, the writers:
 * each view must survive the internal format (encode, then decode) - a
 * failure there is a bug and aborts. Never leaks, never crashes. */
#include <stdint.h>
#include <stdlib.h>

#include "tern/template_io.h"

static void exercise_writers(const tern_template_record *rec)
{
    for (int f = TERN_TEMPLATE_FORMAT_ISO_2005; f < TERN_TEMPLATE_FORMAT_COUNT; f++) {
        uint8_t *out;
        size_t len;
        if (tern_template_encode_all(rec, (tern_template_format)f, &out, &len, NULL) == TERN_OK) {
            tern_template_record *again;
            if (tern_template_decode_all(out, len, (tern_template_format)f, &again, NULL) == TERN_OK)
                tern_template_record_free(again);
            free(out);
        }
    }
    for (uint32_t v = 0; v < rec->n_views; v++) {
        uint8_t *out;
        size_t len;
        tern_template *t;
        if (tern_template_encode(rec->views[v], TERN_TEMPLATE_FORMAT_TERN, &out, &len, NULL) ||
            tern_template_decode(out, len, &t, NULL))
            abort(); /* every decoded view fits the internal format */
        tern_template_free(t);
        free(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)tern_template_detect(data, size);
    for (int f = TERN_TEMPLATE_FORMAT_UNKNOWN; f < TERN_TEMPLATE_FORMAT_COUNT; f++) {
        tern_template_record *rec;
        tern_error err;
        if (tern_template_decode_all(data, size, (tern_template_format)f, &rec, &err) != TERN_OK)
            continue;
        if (f == TERN_TEMPLATE_FORMAT_UNKNOWN)
            exercise_writers(rec);
        tern_template_record_free(rec);
    }
    return 0;
}
