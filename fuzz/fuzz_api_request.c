/* fuzz_api_request.c - libFuzzer target for the node's request decoding
 * (tern_api_request_decode, src/api/decode.c) without a server: the first
 * byte picks the body kind, the rest is the JSON body. It must never crash
 * or leak; a body that decodes must hold only the kind's fields, text that
 * passes the store's validator, and at most TERN_API_MAX_FINGERS fingers,
 * each with an image or a template unless missing or amputated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/api.h"
#include "tern/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    tern_api_body kind = (tern_api_body)(data[0] % TERN_API_BODY_COUNT);
    tern_api_request q;
    tern_error err;
    if (tern_api_request_decode(kind, (const char *)data + 1, size - 1, &q, &err) != TERN_OK) {
        if (!err.message[0])
            abort(); /* every refusal says why */
        return 0;
    }
    if (q.n_fingers > TERN_API_MAX_FINGERS)
        abort();
    for (size_t i = 0; i < q.n; i++)
        if (q.text[i] && tern_store_check_text(q.text[i], TERN_STORE_NOTE_MAX, "f", NULL) != TERN_OK)
            abort();
    for (size_t i = 0; i < q.n_fingers; i++) {
        const tern_api_finger *f = &q.fingers[i];
        if (f->state == TERN_API_FINGER_PRESENT && !f->image && !f->tmpl)
            abort();
        if (f->image && f->tmpl)
            abort();
    }
    tern_api_request_clear(&q);
    return 0;
}
