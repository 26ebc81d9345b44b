/* decode.c - request bodies of the node's HTTP API: JSON (RFC 8259, read
 * with jansson) into typed requests, one field table per body kind as
 * docs/openapi.yaml specifies them; unknown fields are refused, text is
 * UTF-8 within the store's limits, images and templates arrive in base64
 * (RFC 4648 section 4). Pure and reentrant: fuzzed by
 * fuzz/fuzz_api_request.c without a server. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_impl.h"
#include "tern/core.h"

typedef enum ftype { F_TEXT, F_INT, F_BOOL, F_FINGERS, F_ROLES } ftype;

typedef struct fspec {
    const char *name;
    ftype type;
    bool required;
    size_t max;  /* text: bytes */
} fspec;

#define NAME TERN_STORE_NAME_MAX - 1
#define NOTE TERN_STORE_NOTE_MAX - 1
#define ID TERN_ID_MAX - 1

static const fspec ENCOUNTER[] = {
    {"location", F_TEXT, true, NAME}, {"purpose", F_TEXT, false, NAME},
    {"agency", F_TEXT, false, ID},    {"officer", F_TEXT, false, ID},
    {"fingers", F_FINGERS, true, 0},  {NULL, 0, 0, 0}};
static const fspec ENROLL[] = {
    {"family_name", F_TEXT, false, NAME},      {"given_names", F_TEXT, false, NAME},
    {"date_of_birth", F_TEXT, false, NAME},    {"sex", F_TEXT, false, NAME},
    {"place_of_birth", F_TEXT, false, NAME},   {"nationality", F_TEXT, false, NAME},
    {"document_number", F_TEXT, false, NAME},  {"residence_status", F_TEXT, false, NAME},
    {"category", F_TEXT, true, ID},            {"location", F_TEXT, false, NAME},
    {"fingers", F_FINGERS, true, 0},           {NULL, 0, 0, 0}};
static const fspec WATCHLIST[] = {{"id", F_TEXT, false, ID},
                                  {"name", F_TEXT, true, NAME},
                                  {"category", F_TEXT, true, NAME},
                                  {"handling", F_TEXT, true, NOTE},
                                  {NULL, 0, 0, 0}};
static const fspec NOMINATE[] = {{"subject_id", F_TEXT, true, ID},
                                 {"basis", F_TEXT, true, NOTE},
                                 {"review_ms", F_INT, true, 0},
                                 {"expires_ms", F_INT, true, 0},
                                 {NULL, 0, 0, 0}};
static const fspec ENTRY_ACTION[] = {{"reason", F_TEXT, false, NOTE},
                                     {"review_ms", F_INT, false, 0},
                                     {"expires_ms", F_INT, false, 0},
                                     {NULL, 0, 0, 0}};
static const fspec DECISION[] = {
    {"decision", F_TEXT, true, NAME}, {"reasons", F_TEXT, true, NOTE}, {NULL, 0, 0, 0}};
static const fspec AGENCY[] = {{"id", F_TEXT, true, ID},
                               {"name", F_TEXT, true, NAME},
                               {"country", F_TEXT, false, NAME},
                               {NULL, 0, 0, 0}};
static const fspec USER[] = {{"id", F_TEXT, true, ID},           {"agency_id", F_TEXT, true, ID},
                             {"display_name", F_TEXT, false, NAME}, {"roles", F_ROLES, true, 0},
                             {"active", F_BOOL, false, 0},       {NULL, 0, 0, 0}};
static const fspec APIKEY[] = {{"expires_ms", F_INT, false, 0}, {"days", F_INT, false, 0},
                               {NULL, 0, 0, 0}};
static const fspec JOB[] = {
    {"priority", F_INT, false, 0},  {"location", F_TEXT, true, NAME},
    {"purpose", F_TEXT, false, NAME}, {"agency", F_TEXT, false, ID},
    {"officer", F_TEXT, false, ID}, {"fingers", F_FINGERS, true, 0},
    {NULL, 0, 0, 0}};

static const fspec *const KINDS[TERN_API_BODY_COUNT] = {
    ENCOUNTER, ENROLL, WATCHLIST, NOMINATE, ENTRY_ACTION, DECISION, AGENCY, USER, APIKEY, JOB};

json_t *api_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

static tern_status b64(json_t *v, const char *what, uint8_t **out, size_t *out_len,
                       tern_error *err)
{
    if (!json_is_string(v))
        return tern_error_set(err, TERN_E_FORMAT, "%s: must be a base64 string", what);
    size_t len = json_string_length(v);
    if (len == 0)
        return tern_error_set(err, TERN_E_ARG, "%s: empty", what);
    size_t cap = len / 4 * 3 + 3;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return tern_error_set(err, TERN_E_NOMEM, "%s: out of memory", what);
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin(buf, cap, json_string_value(v), len, " \r\n", &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != json_string_value(v) + len) {
        free(buf);
        return tern_error_set(err, TERN_E_FORMAT, "%s: not valid base64", what);
    }
    *out = buf;
    *out_len = n;
    return TERN_OK;
}

static tern_status finger_decode(json_t *o, size_t i, tern_api_finger *f, tern_error *err)
{
    if (!json_is_object(o))
        return tern_error_set(err, TERN_E_FORMAT, "fingers[%zu]: must be an object", i);
    const char *key;
    json_t *v;
    bool has_pos = false;
    f->state = TERN_API_FINGER_PRESENT;
    json_object_foreach(o, key, v) {
        char what[64];
        snprintf(what, sizeof what, "fingers[%zu].%.24s", i, key);
        tern_status rc = TERN_OK;
        if (strcmp(key, "position") == 0 || strcmp(key, "impression") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255)
                return tern_error_set(err, TERN_E_FORMAT, "%s: must be an integer 0..255", what);
            if (key[0] == 'p') {
                f->position = (int)json_integer_value(v);
                has_pos = true;
            } else {
                f->impression = (int)json_integer_value(v);
            }
        } else if (strcmp(key, "state") == 0) {
            const char *s = json_string_value(v);
            if (s && strcmp(s, "present") == 0)
                f->state = TERN_API_FINGER_PRESENT;
            else if (s && strcmp(s, "missing") == 0)
                f->state = TERN_API_FINGER_MISSING;
            else if (s && strcmp(s, "amputated") == 0)
                f->state = TERN_API_FINGER_AMPUTATED;
            else
                return tern_error_set(err, TERN_E_FORMAT,
                                      "%s: must be \"present\", \"missing\" or \"amputated\"",
                                      what);
        } else if (strcmp(key, "image") == 0) {
            if (f->image)
                return tern_error_set(err, TERN_E_ARG, "%s: given twice", what);
            rc = b64(v, what, &f->image, &f->image_len, err);
        } else if (strcmp(key, "template") == 0) {
            if (f->tmpl)
                return tern_error_set(err, TERN_E_ARG, "%s: given twice", what);
            rc = b64(v, what, &f->tmpl, &f->tmpl_len, err);
        } else {
            return tern_error_set(err, TERN_E_ARG, "%s: unknown field", what);
        }
        if (rc != TERN_OK)
            return rc;
    }
    if (!has_pos)
        return tern_error_set(err, TERN_E_ARG, "fingers[%zu].position: required", i);
    if (f->state == TERN_API_FINGER_PRESENT && !f->image && !f->tmpl)
        return tern_error_set(err, TERN_E_ARG, "fingers[%zu]: an image or a template is required",
                              i);
    if (f->image && f->tmpl)
        return tern_error_set(err, TERN_E_ARG, "fingers[%zu]: an image or a template, not both", i);
    return TERN_OK;
}

static tern_status field_decode(const fspec *sp, size_t k, json_t *v, tern_api_request *r,
                                tern_error *err)
{
    switch (sp->type) {
    case F_TEXT: {
        if (!json_is_string(v))
            return tern_error_set(err, TERN_E_FORMAT, "%s: must be a string", sp->name);
        const char *s = json_string_value(v);
        if (strlen(s) != json_string_length(v))
            return tern_error_set(err, TERN_E_FORMAT, "%s: contains NUL", sp->name);
        tern_status rc = tern_store_check_text(s, sp->max, sp->name, err);
        if (rc != TERN_OK)
            return rc;
        r->text[k] = strdup(s);
        if (!r->text[k])
            return tern_error_set(err, TERN_E_NOMEM, "%s: out of memory", sp->name);
        return TERN_OK;
    }
    case F_INT:
        if (!json_is_integer(v))
            return tern_error_set(err, TERN_E_FORMAT, "%s: must be an integer", sp->name);
        r->num[k] = json_integer_value(v);
        return TERN_OK;
    case F_BOOL:
        if (!json_is_boolean(v))
            return tern_error_set(err, TERN_E_FORMAT, "%s: must be true or false", sp->name);
        r->num[k] = json_is_true(v);
        return TERN_OK;
    case F_ROLES: {
        if (!json_is_array(v) || json_array_size(v) == 0)
            return tern_error_set(err, TERN_E_FORMAT, "%s: must be a non-empty array of roles",
                                  sp->name);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            unsigned bit = tern_api_role_bit(json_string_value(e));
            if (!bit)
                return tern_error_set(err, TERN_E_FORMAT, "%s[%zu]: unknown role", sp->name, i);
            r->roles |= bit;
        }
        r->num[k] = r->roles;
        return TERN_OK;
    }
    case F_FINGERS: {
        if (!json_is_array(v) || json_array_size(v) == 0)
            return tern_error_set(err, TERN_E_FORMAT, "%s: must be a non-empty array", sp->name);
        if (json_array_size(v) > TERN_API_MAX_FINGERS)
            return tern_error_set(err, TERN_E_LIMIT, "%s: %zu fingers, at most %u", sp->name,
                                  json_array_size(v), TERN_API_MAX_FINGERS);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            r->n_fingers = i + 1;
            tern_status rc = finger_decode(e, i, &r->fingers[i], err);
            if (rc != TERN_OK)
                return rc;
        }
        return TERN_OK;
    }
    }
    return tern_error_set(err, TERN_E_INTERNAL, "%s: unknown field type", sp->name);
}

tern_status tern_api_request_decode(tern_api_body kind, const char *json, size_t len,
                                    tern_api_request *out, tern_error *err)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)kind >= TERN_API_BODY_COUNT || (!json && len))
        return tern_error_set(err, TERN_E_ARG, "request: unknown body kind");
    out->kind = kind;
    const fspec *spec = KINDS[kind];
    while (spec[out->n].name)
        out->names[out->n] = spec[out->n].name, out->n++;
    json_error_t jerr;
    json_t *root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return tern_error_set(err, TERN_E_FORMAT, "body: malformed JSON at byte %d: %s",
                              jerr.position, jerr.text);
    tern_status rc = TERN_OK;
    if (!json_is_object(root))
        rc = tern_error_set(err, TERN_E_FORMAT, "body: must be a JSON object");
    const char *key;
    json_t *v;
    if (rc == TERN_OK) {
        json_object_foreach(root, key, v) {
            size_t k = 0;
            while (k < out->n && strcmp(spec[k].name, key) != 0)
                k++;
            if (k == out->n) {
                rc = tern_error_set(err, TERN_E_ARG, "body: unknown field \"%.64s\"", key);
                break;
            }
            if (json_is_null(v))
                continue;
            rc = field_decode(&spec[k], k, v, out, err);
            if (rc != TERN_OK)
                break;
            out->present[k] = true;
        }
    }
    for (size_t k = 0; rc == TERN_OK && k < out->n; k++)
        if (spec[k].required && !out->present[k])
            rc = tern_error_set(err, TERN_E_ARG, "body: field \"%s\" is required", spec[k].name);
    json_decref(root);
    if (rc != TERN_OK)
        tern_api_request_clear(out);
    return rc;
}

void tern_api_request_clear(tern_api_request *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < TERN_API_MAX_FIELDS; k++)
        free(r->text[k]);
    for (size_t i = 0; i < TERN_API_MAX_FINGERS; i++) {
        free(r->fingers[i].image);
        free(r->fingers[i].tmpl);
    }
    memset(r, 0, sizeof *r);
}

static int field_index(const tern_api_request *r, const char *name)
{
    for (size_t k = 0; k < r->n; k++)
        if (strcmp(r->names[k], name) == 0)
            return (int)k;
    return -1;
}

const char *tern_api_request_text(const tern_api_request *r, const char *name)
{
    int k = field_index(r, name);
    return k >= 0 && r->present[k] ? r->text[k] : NULL;
}

int64_t tern_api_request_int(const tern_api_request *r, const char *name, int64_t dflt)
{
    int k = field_index(r, name);
    return k >= 0 && r->present[k] ? r->num[k] : dflt;
}
