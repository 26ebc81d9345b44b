/* h_encounter.c - encounter, enrollment and identity routes of the node's
 * HTTP API: JSON with base64 images or templates, or an ANSI/NIST-ITL
 * 1-2011 transaction (traditional encoding, application/octet-stream; or
 * the XML encoding of ANSI/NIST-ITL 2-2013, application/xml) turned into
 * core fingers; tern_core_identify / tern_core_enroll called; the answer
 * mapped to JSON with what the caller's role may see (tern/core.h: officers
 * get hit / no-hit and core's notices, never candidates or biographic data).
 * Alerts raised are published on the live stream (sse.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_impl.h"
#include "tern/image.h"
#include "tern/nist.h"
#include "tern/nist_types.h"
#include "tern/nist_xml.h"
#include "tern/template.h"
#include "tern/template_io.h"

/* ---- galleries ------------------------------------------------------------- */

tern_status api_gallery_load(tern_api_server *srv, tern_error *err)
{
    size_t loaded = 0, skipped = 0;
    tern_core_gallery *g = NULL;
    tern_status rc = tern_core_gallery_load(srv->workers[0].core, &g, &loaded, &skipped, err);
    if (rc != TERN_OK)
        return rc;
    srv->gallery = g;
    if (srv->cfg.log_requests)
        fprintf(stderr,
                "{\"ts\":%lld,\"level\":\"info\",\"msg\":\"gallery loaded\",\"subjects\":%zu,"
                "\"fingers\":%zu,\"skipped\":%zu}\n",
                (long long)tern_store_now_ms(), tern_core_gallery_subjects(g), loaded, skipped);
    return TERN_OK;
}

void api_gallery_free(tern_api_server *srv)
{
    tern_core_gallery_free(srv->gallery);
    srv->gallery = NULL;
}

void api_gallery_stats(tern_api_server *srv, size_t *subjects, size_t *fingers, size_t *bytes)
{
    *subjects = *fingers = *bytes = 0;
    if (!srv->gallery)
        return;
    *subjects = tern_core_gallery_subjects(srv->gallery);
    *fingers = tern_core_gallery_fingers(srv->gallery);
    *bytes = tern_core_gallery_bytes(srv->gallery);
}

/* ---- fingers: from JSON or ANSI/NIST-ITL --------------------------------------- */

void api_fingers_clear(api_fingers *f)
{
    for (size_t i = 0; i < f->n; i++) {
        tern_image_free(f->images[i]);
        tern_template_free(f->tmpls[i]);
    }
    memset(f, 0, sizeof *f);
}

tern_status api_fingers_from_request(const tern_api_request *q, api_fingers *f, tern_error *err)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < q->n_fingers; i++) {
        const tern_api_finger *a = &q->fingers[i];
        tern_core_finger *c = &f->fingers[f->n];
        c->position = a->position;
        c->impression = a->impression;
        c->state = a->state;
        tern_status rc = TERN_OK;
        if (a->image)
            rc = tern_image_decode(a->image, a->image_len, NULL, &f->images[f->n], err);
        else if (a->tmpl)
            rc = tern_template_decode(a->tmpl, a->tmpl_len, &f->tmpls[f->n], err);
        c->image = f->images[f->n];
        c->tmpl = f->tmpls[f->n];
        f->n++;
        if (rc != TERN_OK) {
            tern_error_prefix(err, "fingers[%zu]: ", i);
            api_fingers_clear(f);
            return rc;
        }
    }
    return TERN_OK;
}

/* Finger images (Types 3-6, 13, 14) and minutiae (Type-9) of positions
 * 1..10; an image wins over minutiae for the same position. */
static tern_status fingers_from_nist(const tern_nist *t, api_fingers *f, tern_error *err)
{
    memset(f, 0, sizeof *f);
    for (size_t i = 0; i < t->n_records && f->n < TERN_CORE_MAX_FINGERS; i++) {
        tern_nist_image img;
        tern_error e2;
        if (tern_nist_has_image(t, i) && tern_nist_image_get(t, i, &img, &e2) == TERN_OK) {
            if (img.n_positions < 1 || img.positions[0] < 1 || img.positions[0] > 10 ||
                img.kind[0])
                continue;
            tern_status rc = tern_nist_image_decode(&img, &f->images[f->n], err);
            if (rc != TERN_OK) {
                tern_error_prefix(err, "record %zu: ", i);
                api_fingers_clear(f);
                return rc;
            }
            f->fingers[f->n] = (tern_core_finger){img.positions[0],
                                                  img.impression < 0 ? 0 : img.impression,
                                                  TERN_FINGER_PRESENT, f->images[f->n], NULL};
            f->n++;
        } else if (tern_nist_minutiae_blocks(t, i)) {
            tern_template *tp = NULL;
            if (tern_nist_template_get(t, i, 0, &tp, &e2) != TERN_OK)
                continue;
            if (tp->finger_position < 1 || tp->finger_position > 10) {
                tern_template_free(tp);
                continue;
            }
            f->tmpls[f->n] = tp;
            f->fingers[f->n] = (tern_core_finger){tp->finger_position, tp->impression_type,
                                                  TERN_FINGER_PRESENT, NULL, tp};
            f->n++;
        }
    }
    /* where a position has an image, drop its minutiae */
    for (size_t i = 0; i < f->n; i++) {
        if (!f->fingers[i].tmpl)
            continue;
        for (size_t k = 0; k < f->n; k++)
            if (k != i && f->fingers[k].image && f->fingers[k].position == f->fingers[i].position)
                f->fingers[i].state = -1;
    }
    size_t w = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (f->fingers[i].state == -1) {
            tern_template_free(f->tmpls[i]);
            continue;
        }
        f->fingers[w] = f->fingers[i];
        f->images[w] = f->images[i];
        f->tmpls[w] = f->tmpls[i];
        w++;
    }
    f->n = w;
    if (!f->n)
        return tern_error_set(err, TERN_E_ARG,
                              "ANSI/NIST-ITL: no finger image or minutiae of positions 1..10");
    return TERN_OK;
}

/* ---- encounters --------------------------------------------------------------- */

static bool sees_candidates(const api_req *r)
{
    return (r->user.roles & (TERN_ROLE_EXAMINER | TERN_ROLE_ANALYST | TERN_ROLE_SUPERVISOR)) != 0;
}

json_t *api_notice_json(api_req *r, const char *alert_id);

static const char *const SIGNAL_RANK[] = {"green", "yellow", "red"};

static int signal_rank(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, SIGNAL_RANK[i]) == 0)
            return i;
    return 1;
}

json_t *api_identify_json(api_req *r, const tern_identify_result *res, const char *location)
{
    json_t *alerts = json_array();
    int worst = 0;
    for (size_t i = 0; i < res->n_alerts; i++) {
        json_t *n = api_notice_json(r, res->alert_ids[i]);
        if (!n) /* the role may not read notices: say there is an alert */
            n = json_pack("{s:s,s:s}", "alert_id", res->alert_ids[i], "signal", "yellow");
        int rk = signal_rank(json_string_value(json_object_get(n, "signal")));
        worst = rk > worst ? rk : worst;
        json_array_append_new(alerts, n);
    }
    json_t *out = json_pack("{s:s,s:b,s:s,s:o}", "encounter_id", res->encounter_id, "hit",
                            res->hit, "signal", SIGNAL_RANK[res->hit ? (worst ? worst : 1) : 0],
                            "alerts", alerts);
    if (sees_candidates(r)) {
        json_t *cands = json_array();
        for (size_t i = 0; i < res->n_candidates; i++) {
            const tern_identify_candidate *c = &res->candidates[i];
            json_t *fs = json_array();
            for (int k = 0; k < 10; k++)
                json_array_append_new(fs, c->finger_score[k] < 0 ? json_null()
                                                                 : json_real(c->finger_score[k]));
            json_array_append_new(cands, json_pack("{s:s,s:s,s:f,s:f,s:b,s:o}", "subject_id",
                                                   c->subject_id, "entry_id", c->entry_id,
                                                   "score", c->score, "fmr", c->fmr, "alert",
                                                   c->alert, "finger_scores", fs));
        }
        json_object_set_new(out, "candidates", cands);
        json_object_set_new(out, "threshold_fmr", json_real(res->threshold_fmr));
    }
    api_publish_alerts(r, res, location);
    return out;
}

/* The live stream: ids and the signal only. */
void api_publish_alerts(api_req *r, const tern_identify_result *res, const char *location)
{
    for (size_t i = 0; i < res->n_alerts; i++)
        api_hub_publish(&r->srv->hub, "alert.raised",
                        json_pack("{s:s,s:s,s:s,s:s,s:s}", "alert_id", res->alert_ids[i],
                                  "encounter_id", res->encounter_id, "location",
                                  location ? location : "", "agency_id", r->user.agency_id,
                                  "signal", "yellow"));
}

tern_core_match_opts api_match_opts(const tern_api_server *srv)
{
    tern_core_match_opts m = {.target_fpir = srv->cfg.target_fpir,
                              .max_candidates = srv->cfg.max_candidates};
    return m;
}

/* Runs core identification for fingers f into *res (caller-allocated);
 * false after replying with the error. */
bool api_core_identify(api_req *r, const api_fingers *f, const char *location,
                       tern_identify_result *res)
{
    tern_identify_request req = {.location = location, .n_fingers = f->n, .fingers = f->fingers,
                                 .match = api_match_opts(r->srv), .now_ms = tern_store_now_ms()};
    tern_error err;
    tern_error_clear(&err);
    tern_actor who = api_actor(r);
    if (tern_core_identify(r->w->core, r->srv->gallery, &who, &req, res, &err) != TERN_OK) {
        api_fail_status(r, &err);
        return false;
    }
    return true;
}

/* Runs identification for fingers f; replies. */
void api_identify(api_req *r, const api_fingers *f, const char *location)
{
    tern_identify_result *res = calloc(1, sizeof *res);
    if (!res)
        api_fail(r, 500, "internal", "out of memory");
    else if (api_core_identify(r, f, location, res))
        api_reply(r, 201, api_identify_json(r, res, location));
    free(res);
}

/* The context fields may only restate the caller's own agency and id. */
bool api_context_ok(api_req *r, const tern_api_request *q)
{
    const char *agency = tern_api_request_text(q, "agency");
    const char *officer = tern_api_request_text(q, "officer");
    if (agency && strcmp(agency, r->user.agency_id) != 0) {
        api_fail(r, 400, "bad_request", "agency: must be the caller's agency (%s)",
                 r->user.agency_id);
        return false;
    }
    if (officer && strcmp(officer, r->user.id) != 0) {
        api_fail(r, 400, "bad_request", "officer: must be the caller (%s)", r->user.id);
        return false;
    }
    return true;
}

bool api_encounter_decode(api_req *r, tern_api_request *q, api_fingers *f)
{
    if (!api_decode(r, TERN_API_BODY_ENCOUNTER, q))
        return false;
    tern_error err;
    tern_error_clear(&err);
    if (!api_context_ok(r, q)) {
        tern_api_request_clear(q);
        return false;
    }
    if (api_fingers_from_request(q, f, &err) != TERN_OK) {
        api_fail_status(r, &err);
        tern_api_request_clear(q);
        return false;
    }
    const char *purpose = tern_api_request_text(q, "purpose");
    if (purpose)
        snprintf(r->purpose, sizeof r->purpose, "%s", purpose);
    return true;
}

static void encounter_nist(api_req *r, bool xml)
{
    const char *location = api_query(r, "location");
    if (!location || tern_store_check_text(location, TERN_STORE_NAME_MAX - 1, "location",
                                           NULL) != TERN_OK) {
        api_fail(r, 400, "bad_request", "query parameter location is required (e.g. ?location=SCL)");
        return;
    }
    tern_nist *t = NULL;
    tern_error err;
    tern_error_clear(&err);
    tern_status rc = xml ? tern_nist_xml_read((const uint8_t *)r->body, r->body_len, &t, NULL, &err)
                         : tern_nist_parse((const uint8_t *)r->body, r->body_len, &t, &err);
    api_fingers f;
    if (rc == TERN_OK)
        rc = fingers_from_nist(t, &f, &err);
    tern_nist_free(t);
    if (rc != TERN_OK) {
        api_fail_status(r, &err);
        return;
    }
    api_identify(r, &f, location);
    api_fingers_clear(&f);
}

void api_h_encounter_create(api_req *r)
{
    const char *ct = r->content_type;
    if (ct && strcasecmp(ct, "application/octet-stream") == 0) {
        encounter_nist(r, false);
        return;
    }
    if (ct && (strcasecmp(ct, "application/xml") == 0 || strcasecmp(ct, "text/xml") == 0)) {
        encounter_nist(r, true);
        return;
    }
    if (!ct || strcasecmp(ct, "application/json") != 0) {
        api_fail(r, 415, "unsupported_media_type",
                 "application/json, application/octet-stream (ANSI/NIST-ITL) or application/xml");
        return;
    }
    tern_api_request q;
    api_fingers f;
    if (!api_encounter_decode(r, &q, &f))
        return;
    api_identify(r, &f, tern_api_request_text(&q, "location"));
    api_fingers_clear(&f);
    tern_api_request_clear(&q);
}

static int alert_id_row(void *ctx, const void *row)
{
    json_array_append_new(ctx, json_string(((const tern_alert *)row)->id));
    return json_array_size(ctx) >= TERN_CORE_MAX_CANDIDATES;
}

void api_h_encounter_get(api_req *r)
{
    tern_encounter e;
    memset(&e, 0, sizeof e);
    tern_error err;
    tern_error_clear(&err);
    if (tern_store_encounter_get(r->w->store, r->params[0], &e, &err) != TERN_OK) {
        api_fail_status(r, &err);
        return;
    }
    json_t *ids = json_array();
    tern_store_each(r->w->store, TERN_ENT_ALERT, "encounter_id", e.id, alert_id_row, ids, NULL);
    json_t *out = json_pack("{s:s,s:I,s:o,s:s,s:s,s:o,s:o,s:o,s:o}", "id", e.id, "at_ms",
                            (json_int_t)e.at_ms, "location", api_json_str(e.location),
                            "agency_id", e.agency_id, "officer_id", e.officer_id, "purpose",
                            api_json_str(e.purpose), "captured", api_json_str(e.captured),
                            "result", api_json_str(e.result), "alert_ids", ids);
    if (sees_candidates(r) && e.subject_id[0])
        json_object_set_new(out, "subject_id", json_string(e.subject_id));
    tern_encounter_clear(&e);
    api_reply(r, 200, out);
}

/* ---- identities -------------------------------------------------------------------- */

void api_h_identity_enroll(api_req *r)
{
    tern_api_request q;
    if (!api_decode(r, TERN_API_BODY_ENROLL, &q))
        return;
    api_fingers f;
    tern_error err;
    tern_error_clear(&err);
    if (api_fingers_from_request(&q, &f, &err) != TERN_OK) {
        api_fail_status(r, &err);
        tern_api_request_clear(&q);
        return;
    }
    tern_identity id;
    memset(&id, 0, sizeof id);
#define BIO(field) id.field = (char *)tern_api_request_text(&q, #field)
    BIO(family_name);
    BIO(given_names);
    BIO(date_of_birth);
    BIO(sex);
    BIO(place_of_birth);
    BIO(nationality);
    BIO(document_number);
    BIO(residence_status);
#undef BIO
    tern_enroll_request req = {.identity = &id, .category = tern_api_request_text(&q, "category"),
                               .location = tern_api_request_text(&q, "location"),
                               .n_fingers = f.n, .fingers = f.fingers,
                               .match = api_match_opts(r->srv), .now_ms = tern_store_now_ms()};
    tern_enroll_result *res = calloc(1, sizeof *res);
    tern_actor who = api_actor(r);
    if (!res)
        api_fail(r, 500, "internal", "out of memory");
    else if (tern_core_enroll(r->w->core, r->srv->gallery, &who, &req, res, &err) != TERN_OK)
        api_fail_status(r, &err);
    else {
        json_t *links = json_array();
        for (size_t i = 0; i < res->n_links; i++)
            json_array_append_new(links, json_pack("{s:s,s:s,s:s}", "link_id", res->link_ids[i],
                                                   "subject_id", res->linked_subjects[i],
                                                   "colour", "yellow"));
        api_reply(r, 201, json_pack("{s:s,s:s,s:s,s:i,s:o}", "subject_id", res->subject_id,
                                    "identity_id", res->identity_id, "encounter_id",
                                    res->encounter_id, "fingers_enrolled",
                                    (int)res->fingers_enrolled, "links", links));
    }
    free(res);
    api_fingers_clear(&f);
    tern_api_request_clear(&q);
}

static int identity_row(void *ctx, const void *row)
{
    const tern_identity *i = row;
    json_array_append_new(
        ctx, json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "id", i->id, "agency_id",
                       i->agency_id, "family_name", api_json_str(i->family_name), "given_names",
                       api_json_str(i->given_names), "date_of_birth",
                       api_json_str(i->date_of_birth), "sex", api_json_str(i->sex),
                       "place_of_birth", api_json_str(i->place_of_birth), "nationality",
                       api_json_str(i->nationality), "document_number",
                       api_json_str(i->document_number), "residence_status",
                       api_json_str(i->residence_status), "created_ms",
                       (json_int_t)i->created_ms));
    return json_array_size(ctx) >= 100;
}

void api_h_identity_get(api_req *r)
{
    tern_subject s;
    memset(&s, 0, sizeof s);
    tern_error err;
    tern_error_clear(&err);
    if (tern_store_subject_get(r->w->store, r->params[0], &s, &err) != TERN_OK) {
        api_fail_status(r, &err);
        return;
    }
    json_t *recs = json_array();
    tern_status rc = tern_store_each(r->w->store, TERN_ENT_IDENTITY, "subject_id", s.id,
                                     identity_row, recs, &err);
    if (rc != TERN_OK) {
        json_decref(recs);
        tern_subject_clear(&s);
        api_fail_status(r, &err);
        return;
    }
    api_reply(r, 200, json_pack("{s:s,s:o,s:I,s:I,s:o}", "subject_id", s.id, "category",
                                api_json_str(s.category), "created_ms", (json_int_t)s.created_ms,
                                "retain_until_ms", (json_int_t)s.retain_until_ms, "identities",
                                recs));
    tern_subject_clear(&s);
}

void api_h_identity_delete(api_req *r)
{
    tern_error err;
    tern_error_clear(&err);
    tern_actor who = api_actor(r);
    if (tern_core_subject_delete(r->w->core, r->srv->gallery, &who, r->params[0], &err) !=
        TERN_OK)
        api_fail_status(r, &err);
    else
        api_reply(r, 200, json_pack("{s:s,s:b}", "subject_id", r->params[0], "deleted", 1));
}
