/* enroll.c - enrollment with de-duplication (tern/core.h): the fingers of a
 * request are checked (positions, the rolled/plain sequence, failures to
 * enroll) and turned into templates; the gallery is searched for the
 * person FIRST; then one transaction stores the subject, its identity
 * record, the encounter, the samples (WSQ, FBI WSQ 3.1) and the templates
 * (with the engine version), and a yellow link (Regulation (EU) 2019/817,
 * art. 30: "to be verified") to every known subject that matches, for an
 * examiner: never a silent merge, never a silent duplicate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident_impl.h"
#include "tern/finger.h"
#include "tern/match.h"
#include "tern/template_io.h"
#include "tern/wsq.h"

/* The plain and rolled prints of one position must be the same finger at
 * least at this false-match rate, else the sequence is wrong (fingers
 * swapped at capture). Lenient: it tests "same finger", not identity. */
#define SEQUENCE_FMR 1e-2

static bool is_rolled(int impression) { return impression == 1 || impression == 3; }

void ident_fingers_free(ident_fingers *f)
{
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++) {
        tern_template_free(f->t[k]);
        tern_gallery_finger_free(f->prepared[k]);
    }
    for (size_t i = 0; i < f->n_samples; i++)
        free(f->samples[i].wsq);
    memset(f, 0, sizeof *f);
}

/* Replaces *t by its stored form: encoded in Tern's format (1/256 px,
 * 1/65536 turn; docs/templates.md) and decoded again, so that what
 * enrollment searches and puts into the gallery is what a gallery loaded
 * from the store after a restart holds, to the bit (a full-precision
 * template prepared otherwise than its stored form: tests/test_bulk.c). */
static tern_status stored_form(tern_template **t, tern_error *err)
{
    uint8_t *data;
    size_t len;
    tern_template *back = NULL;
    tern_status rc = tern_template_encode(*t, TERN_TEMPLATE_FORMAT_TERN, &data, &len, err);
    if (rc != TERN_OK)
        return rc;
    rc = tern_template_decode(data, len, &back, err);
    free(data);
    if (rc != TERN_OK)
        return rc;
    tern_template_free(*t);
    *t = back;
    return TERN_OK;
}

/* The template of one present finger (extracted, or a copy of the given). */
static tern_status finger_template(const tern_core_finger *f, size_t i, tern_template **t,
                                   tern_error *err)
{
    tern_status rc;
    if (f->tmpl) {
        rc = tern_template_clone(f->tmpl, t, err);
    } else {
        tern_extract_opts eo = {.finger_position = (uint8_t)f->position,
                                .impression_type = (uint8_t)f->impression};
        rc = tern_extract(f->image, &eo, t, NULL, err);
    }
    if (rc == TERN_OK) {
        (*t)->finger_position = (uint8_t)f->position;
        (*t)->impression_type = (uint8_t)f->impression;
        rc = stored_form(t, err);
    }
    return rc == TERN_OK ? rc : tern_error_prefix(err, "finger %zu (position %d): ", i, f->position);
}

static bool is_slap(int position) { return position >= 13 && position <= 15; }

static tern_status check_finger(const tern_core_finger *f, size_t i, tern_error *err)
{
    if (is_slap(f->position)) {
        if (f->state != TERN_FINGER_PRESENT || !f->image || f->tmpl)
            return tern_error_set(err, TERN_E_ARG,
                                  "finger %zu: slap position %d needs an image (and only one: "
                                  "mark missing or amputated fingers by their own positions)",
                                  i, f->position);
    } else if (f->position < 1 || f->position > 10) {
        return tern_error_set(err, TERN_E_ARG,
                              "finger %zu: position %d (1..10, 11 and 12 plain thumbs, 13..15 "
                              "slaps)",
                              i, f->position);
    }
    if (f->impression < 0 || f->impression > 3)
        return tern_error_set(err, TERN_E_ARG,
                              "finger %zu: impression type %d (0..3: plain or rolled)", i,
                              f->impression);
    if (f->state != TERN_FINGER_PRESENT && f->state != TERN_FINGER_MISSING &&
        f->state != TERN_FINGER_AMPUTATED)
        return tern_error_set(err, TERN_E_ARG, "finger %zu: state %d", i, f->state);
    bool has = f->image || f->tmpl;
    if ((f->state == TERN_FINGER_PRESENT) != has)
        return tern_error_set(err, TERN_E_ARG, "finger %zu (position %d): %s", i, f->position,
                              has ? "a missing or amputated finger cannot have a print"
                                  : "no image or template given");
    return TERN_OK;
}

tern_status ident_add_sample(ident_fingers *out, const tern_image *image, int position,
                             int impression, tern_error *err)
{
    if (out->n_samples == sizeof out->samples / sizeof out->samples[0])
        return tern_error_set(err, TERN_E_LIMIT, "more than %zu images",
                              sizeof out->samples / sizeof out->samples[0]);
    ident_sample *s = &out->samples[out->n_samples];
    tern_status rc = tern_wsq_encode(image, 0, NULL, &s->wsq, &s->len, err);
    if (rc != TERN_OK)
        return tern_error_prefix(err, "position %d: WSQ: ", position);
    s->position = position;
    s->impression = impression;
    out->n_samples++;
    return TERN_OK;
}

/* A plain print of a position that also has a rolled one must be the same
 * finger. */
static tern_status check_sequence(const tern_template *rolled, const tern_template *plain,
                                  int position, tern_error *err)
{
    double score;
    tern_status rc = tern_match_compare_templates(rolled, plain, &score, err);
    if (rc != TERN_OK)
        return rc;
    if (tern_match_fmr_for_score(score, NULL) > SEQUENCE_FMR)
        return tern_error_set(err, TERN_E_STATE,
                              "finger sequence: the plain and rolled prints of position %d are "
                              "not the same finger (fingers swapped at capture?)", position);
    return TERN_OK;
}

tern_status ident_fingers_load(const tern_core_finger *fingers, size_t n, bool sequence,
                               ident_fingers *out, tern_error *err)
{
    memset(out, 0, sizeof *out);
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++)
        out->t_sample[k] = -1;
    if (n > TERN_CORE_MAX_FINGERS || (n && !fingers))
        return tern_error_set(err, TERN_E_LIMIT, "%zu fingers (at most %u)", n,
                              TERN_CORE_MAX_FINGERS);
    unsigned seen[2] = {0, 0}; /* plain, rolled */
    tern_status rc = TERN_OK;
    for (size_t i = 0; rc == TERN_OK && i < n; i++) {
        /* ANSI/NIST 11 and 12, the plain thumbs of a ten-print card, are
         * plain prints of positions 1 and 6 */
        tern_core_finger thumb = fingers[i];
        if (thumb.position == 11 || thumb.position == 12)
            thumb.position = thumb.position == 11 ? 1 : 6;
        const tern_core_finger *f = &thumb;
        rc = check_finger(f, i, err);
        if (rc != TERN_OK || is_slap(f->position))
            continue; /* slaps after every single finger is known */
        unsigned bit = 1u << (f->position - 1), cls = is_rolled(f->impression);
        if ((seen[cls] & bit) || (f->state != TERN_FINGER_PRESENT && (out->present & bit)) ||
            (f->state == TERN_FINGER_PRESENT && ((out->missing | out->amputated) & bit))) {
            rc = tern_error_set(err, TERN_E_ARG, "finger %zu: position %d given twice", i,
                                f->position);
            break;
        }
        seen[cls] |= bit;
        if (f->state == TERN_FINGER_MISSING) {
            out->missing |= bit;
            continue;
        }
        if (f->state == TERN_FINGER_AMPUTATED) {
            out->amputated |= bit;
            continue;
        }
        tern_template *t = NULL;
        rc = finger_template(f, i, &t, err);
        if (rc == TERN_OK && f->image) {
            rc = ident_add_sample(out, f->image, f->position, f->impression, err);
            if (rc != TERN_OK)
                tern_error_prefix(err, "finger %zu: ", i);
        }
        if (rc != TERN_OK) {
            tern_template_free(t);
            break;
        }
        unsigned k = (unsigned)f->position - 1;
        tern_template *keep = t;
        if (out->t[k]) { /* a plain and a rolled print of one finger */
            const tern_template *r = cls ? t : out->t[k], *p = cls ? out->t[k] : t;
            rc = sequence ? check_sequence(r, p, f->position, err) : TERN_OK;
            if (cls) { /* the rolled print is kept */
                tern_template_free(out->t[k]);
            } else {
                tern_template_free(t);
                keep = NULL;
            }
        }
        if (keep) {
            out->t[k] = keep;
            out->t_sample[k] = f->image ? (int)out->n_samples - 1 : -1;
            if (cls)
                out->rolled |= bit;
        }
        out->present |= bit;
    }
    for (size_t i = 0; rc == TERN_OK && i < n; i++)
        if (is_slap(fingers[i].position))
            rc = ident_slap_load(out, &fingers[i], i, sequence, seen[0], err);
    if (rc == TERN_OK && !out->present)
        rc = tern_error_set(err, TERN_E_ARG, "no finger with a print was given");
    if (rc != TERN_OK)
        ident_fingers_free(out);
    return rc;
}

static size_t list_mask(char *buf, size_t size, size_t n, const char *label, unsigned mask)
{
    if (!mask || n >= size)
        return n;
    n += (size_t)snprintf(buf + n, size - n, "%s%s ", n ? "; " : "", label);
    for (unsigned k = 0, first = 1; k < TERN_GALLERY_FINGERS && n < size; k++)
        if (mask & (1u << k))
            n += (size_t)snprintf(buf + n, size - n, "%s%u", first ? "" : ",", k + 1), first = 0;
    return n;
}

void ident_captured(const ident_fingers *f, char *buf, size_t size)
{
    buf[0] = 0;
    size_t n = list_mask(buf, size, 0, "fingers", f->present);
    n = list_mask(buf, size, n, "from slaps", f->slap_tips);
    for (int s = 0; s < 3 && n < size; s++)
        if (f->slaps & (1u << s))
            n += (size_t)snprintf(buf + n, size - n, "%s%d", (f->slaps & ((1u << s) - 1)) ? ","
                                                                : "; slaps ", 13 + s);
    n = list_mask(buf, size, n, "missing", f->missing);
    list_mask(buf, size, n, "amputated", f->amputated);
}

tern_status ident_probe(const ident_fingers *f, tern_gallery_probe **out, tern_error *err)
{
    return tern_gallery_probe_create((const tern_template *const *)f->t, out, err);
}

tern_status ident_store(tern_core *c, ident_fingers *f, const char *subject_id,
                        const char *encounter_id, int64_t now_ms, tern_error *err)
{
    tern_status rc = TERN_OK;
    for (size_t i = 0; rc == TERN_OK && i < f->n_samples; i++) {
        ident_sample *s = &f->samples[i];
        tern_sample row = {.position = s->position, .impression = s->impression,
                           .format = "wsq", .data = s->wsq, .data_len = s->len,
                           .created_ms = now_ms};
        snprintf(row.subject_id, sizeof row.subject_id, "%s", subject_id);
        snprintf(row.encounter_id, sizeof row.encounter_id, "%s", encounter_id);
        rc = tern_store_sample_insert(c->store, &row, err);
        memcpy(s->id, row.id, TERN_ID_MAX);
    }
    for (unsigned k = 0; rc == TERN_OK && subject_id[0] && k < TERN_GALLERY_FINGERS; k++) {
        if (!f->t[k])
            continue;
        uint8_t *data;
        size_t len;
        rc = tern_template_encode(f->t[k], TERN_TEMPLATE_FORMAT_TERN, &data, &len, err);
        if (rc != TERN_OK)
            break;
        tern_template_row row = {.position = k + 1, .engine_version = TERN_ENGINE_VERSION,
                                 .data = data, .data_len = len, .created_ms = now_ms};
        memcpy(row.subject_id, subject_id, TERN_ID_MAX);
        if (f->t_sample[k] >= 0)
            memcpy(row.sample_id, f->samples[f->t_sample[k]].id, TERN_ID_MAX);
        rc = tern_store_template_insert(c->store, &row, err);
        free(data);
    }
    return rc;
}

/* ---- the service ---------------------------------------------------------- */

typedef struct enroll_ctx {
    tern_core_gallery *g;
    const tern_enroll_request *req;
    tern_enroll_result *res;
    ident_fingers fingers;
    tern_gallery_candidate *cand;   /* de-duplication candidates above the threshold */
    size_t n_cand;
    bool ready;                     /* fingers loaded, searched, prepared (enroll_before) */
} enroll_ctx;

/* The known subjects above the threshold. */
static tern_status dedup(enroll_ctx *e, tern_gallery_candidate *cand, size_t *n,
                         tern_error *err)
{
    *n = 0;
    size_t size = tern_gallery_size(e->g->g);
    if (!size)
        return TERN_OK;
    tern_gallery_probe *p;
    tern_status rc = ident_probe(&e->fingers, &p, err);
    if (rc != TERN_OK)
        return rc;
    tern_gallery_search_opts o;
    ident_search_opts(&e->req->match, &o);
    o.max_candidates = TERN_CORE_MAX_CANDIDATES;
    size_t got = 0;
    rc = tern_gallery_search(e->g->g, p, &o, cand, &got, err);
    tern_gallery_probe_free(p);
    double t = ident_threshold(e->req->match.target_fpir, size);
    for (size_t i = 0; rc == TERN_OK && i < got && cand[i].fmr <= t; i++)
        (*n)++;
    return rc;
}

tern_status ident_retention(tern_core *c, const char *category, int64_t from_ms,
                            int64_t *until, tern_error *err)
{
    tern_status rc = tern_core_retention_until(c, category ? category : "", from_ms, until, err);
    if (rc == TERN_E_NOT_FOUND || rc == TERN_E_ARG)
        rc = tern_error_set(err, TERN_E_NOT_FOUND, "enroll: no retention rule for category "
                            "\"%.64s\"", category ? category : "");
    return rc;
}

tern_status ident_records(tern_core *c, const tern_user *actor, const tern_enroll_request *req,
                          const int64_t *retain_until, ident_fingers *f, const char *purpose,
                          const char *result, ident_ids *out, tern_error *err)
{
    tern_subject sub = {.category = (char *)req->category, .created_ms = req->now_ms};
    tern_status rc = TERN_OK;
    if (retain_until)
        sub.retain_until_ms = *retain_until;
    else
        rc = ident_retention(c, req->category, req->now_ms, &sub.retain_until_ms, err);
    if (rc == TERN_OK)
        rc = tern_store_subject_insert(c->store, &sub, err);
    if (rc != TERN_OK)
        return rc;
    memcpy(out->subject_id, sub.id, TERN_ID_MAX);
    tern_identity idr = req->identity ? *req->identity : (tern_identity){0};
    memset(idr.id, 0, sizeof idr.id);
    memcpy(idr.subject_id, sub.id, TERN_ID_MAX);
    memcpy(idr.agency_id, actor->agency_id, TERN_ID_MAX);
    idr.created_ms = req->now_ms;
    rc = tern_store_identity_insert(c->store, &idr, err);
    if (rc != TERN_OK)
        return rc;
    memcpy(out->identity_id, idr.id, TERN_ID_MAX);
    char captured[160];
    ident_captured(f, captured, sizeof captured);
    tern_encounter enc = {.at_ms = req->now_ms, .location = (char *)(req->location ? req->location : "unknown"),
                          .purpose = (char *)purpose, .captured = captured, .result = (char *)result};
    memcpy(enc.agency_id, actor->agency_id, TERN_ID_MAX);
    memcpy(enc.officer_id, actor->id, TERN_ID_MAX);
    memcpy(enc.subject_id, sub.id, TERN_ID_MAX);
    rc = tern_store_encounter_insert(c->store, &enc, err);
    if (rc != TERN_OK)
        return rc;
    memcpy(out->encounter_id, enc.id, TERN_ID_MAX);
    return ident_store(c, f, sub.id, enc.id, req->now_ms, err);
}

static tern_status enroll_records(tern_core *c, const tern_user *actor, enroll_ctx *e,
                                  tern_error *err)
{
    ident_ids ids = {0};
    tern_status rc = ident_records(c, actor, e->req, NULL, &e->fingers, "enrollment", "enrolled",
                                   &ids, err);
    memcpy(e->res->subject_id, ids.subject_id, TERN_ID_MAX);
    memcpy(e->res->identity_id, ids.identity_id, TERN_ID_MAX);
    memcpy(e->res->encounter_id, ids.encounter_id, TERN_ID_MAX);
    return rc;
}

static tern_status enroll_links(tern_core *c, const tern_user *actor, enroll_ctx *e,
                                const tern_gallery_candidate *cand, size_t n, tern_error *err)
{
    tern_enroll_result *res = e->res;
    for (size_t i = 0; i < n; i++) {
        char reason[160];
        snprintf(reason, sizeof reason,
                 "enrollment de-duplication: fused score %.2f (FMR %.2g) on %u fingers",
                 cand[i].score, cand[i].fmr, cand[i].fingers);
        tern_link l = {.colour = TERN_LINK_YELLOW, .reason = reason,
                       .created_ms = e->req->now_ms};
        memcpy(l.subject_a, res->subject_id, TERN_ID_MAX);
        memcpy(l.subject_b, cand[i].id, TERN_ID_MAX);
        memcpy(l.created_by, actor->id, TERN_ID_MAX);
        tern_status rc = tern_store_link_insert(c->store, &l, err);
        if (rc != TERN_OK)
            return rc;
        memcpy(res->link_ids[res->n_links], l.id, TERN_ID_MAX);
        memcpy(res->linked_subjects[res->n_links], cand[i].id, TERN_ID_MAX);
        res->n_links++;
    }
    return TERN_OK;
}

#define ENROLL_ROLES (TERN_ROLE_OFFICER | TERN_ROLE_ANALYST | TERN_ROLE_SUPERVISOR | TERN_ROLE_ADMIN)

/* Extraction, the de-duplication search and the gallery preparation read
 * no stored row, so they run before the call's transaction, as identify's
 * search does: the store's write lock (SQLite's is one for the whole
 * database) is then held for the writes, not for the seconds a search of
 * a large gallery takes. Only for an active user holding an enrolling role
 * (read here to spare the work, checked again in the transaction); if
 * anything fails it is redone in the transaction, where errors are
 * reported and audited. */
static void enroll_before(tern_core *c, const tern_actor *who, enroll_ctx *e)
{
    tern_user u = {0};
    if (!who || !who->user_id || tern_store_user_get(c->store, who->user_id, &u, NULL) != TERN_OK)
        return;
    bool may = u.active && (u.roles & ENROLL_ROLES);
    tern_user_clear(&u);
    if (may && ident_fingers_load(e->req->fingers, e->req->n_fingers, true, &e->fingers, NULL) ==
                   TERN_OK &&
        dedup(e, e->cand, &e->n_cand, NULL) == TERN_OK &&
        ident_gallery_prepare(&e->fingers, NULL) == TERN_OK) {
        e->ready = true;
        return;
    }
    ident_fingers_free(&e->fingers);
    e->n_cand = 0;
}

static tern_status enroll_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                               tern_error *err)
{
    enroll_ctx *e = ctx;
    tern_status rc = core_require(actor, ENROLL_ROLES, op, "enroll", err);
    if (rc == TERN_OK && !e->ready)
        rc = ident_fingers_load(e->req->fingers, e->req->n_fingers, true, &e->fingers, err);
    if (rc == TERN_OK && !e->ready)
        rc = dedup(e, e->cand, &e->n_cand, err);
    if (rc == TERN_OK && !e->ready)
        rc = ident_gallery_prepare(&e->fingers, err);
    if (rc == TERN_OK)
        rc = enroll_records(c, actor, e, err);
    if (rc == TERN_OK)
        rc = enroll_links(c, actor, e, e->cand, e->n_cand, err);
    if (rc == TERN_OK) {
        memcpy(op->object_id, e->res->subject_id, TERN_ID_MAX);
        e->res->fingers_enrolled = (unsigned)__builtin_popcount(e->fingers.present);
        snprintf(op->detail, sizeof op->detail, "fingers=%u missing=%u amputated=%u links=%zu",
                 e->res->fingers_enrolled, (unsigned)__builtin_popcount(e->fingers.missing),
                 (unsigned)__builtin_popcount(e->fingers.amputated), e->res->n_links);
    }
    return rc;
}

tern_status tern_core_enroll(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                             const tern_enroll_request *req, tern_enroll_result *res,
                             tern_error *err)
{
    memset(res, 0, sizeof *res);
    if (!c || !g || !req)
        return tern_error_set(err, TERN_E_ARG, "enroll: core, gallery and request required");
    enroll_ctx e = {.g = g, .req = req, .res = res};
    e.cand = calloc(TERN_CORE_MAX_CANDIDATES, sizeof *e.cand);
    if (!e.cand)
        return tern_error_set(err, TERN_E_NOMEM, "enroll: out of memory");
    core_op op = {.action = "subject.enroll", .object_type = "subject"};
    enroll_before(c, who, &e);
    tern_status rc = core_run(c, who, &op, enroll_body, &e, err);
    if (rc == TERN_OK)
        rc = ident_gallery_add(g, &e.fingers, res->subject_id, err);
    else
        memset(res, 0, sizeof *res);
    ident_fingers_free(&e.fingers);
    free(e.cand);
    return rc;
}
