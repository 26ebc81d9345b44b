/* evidence.c - what an alert records about why it was raised (tern/core.h,
 * docs/identification.md "Alert evidence"): the stage, the fused score and
 * false-match rate against the threshold, the engine version, and per
 * finger the score and the matched minutiae that support it, as the
 * comparator found them (tern_match_compare_evidence: the mutually
 * consistent pairs of its graph, then those paired under the graph's fit),
 * so that an examiner can check the correspondences on the two prints
 * before confirming. Minutiae are given by position (pixels of each
 * template's own frame, y down) rather than by index, so the evidence
 * stays readable against the stored probe sample and the subject's
 * template even if the comparator changes its internal order. JSON, built
 * here with fixed number formats so the same search writes the same bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident_impl.h"
#include "tern/match.h"
#include "tern/template_io.h"

/* The candidate's stored templates of the current engine, by position. */
typedef struct stored {
    tern_template *t[TERN_GALLERY_FINGERS];
    char id[TERN_GALLERY_FINGERS][TERN_ID_MAX];
    tern_status rc;
} stored;

static int keep_template(void *ctx, const void *row)
{
    stored *s = ctx;
    const tern_template_row *r = row;
    if (r->position < 1 || r->position > (int64_t)TERN_GALLERY_FINGERS ||
        strcmp(r->engine_version, TERN_ENGINE_VERSION) != 0 || s->t[r->position - 1])
        return 0;
    if (tern_template_decode(r->data, r->data_len, &s->t[r->position - 1], NULL) == TERN_OK)
        memcpy(s->id[r->position - 1], r->id, TERN_ID_MAX);
    return 0;
}

/* A bounded appender: text past the end is dropped and marks the buffer
 * full (the caller then sizes up and writes again). */
typedef struct out {
    char *p;
    size_t size, n;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    if (o->n >= o->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->p + o->n, o->size - o->n, fmt, ap);
    va_end(ap);
    o->n = k < 0 ? o->size : o->n + (size_t)k;
}

/* The matched minutiae of one finger: probe (a) against the candidate's
 * template (b). */
static void finger_pairs(out *o, tern_match_context *ctx, const tern_template *a,
                         const tern_template *b, tern_match_evidence *ev)
{
    tern_match_template *ma = NULL, *mb = NULL;
    if (tern_match_template_create(a, &ma, NULL) != TERN_OK ||
        tern_match_template_create(b, &mb, NULL) != TERN_OK) {
        put(o, ",\"pairs\":null");
        tern_match_template_free(ma);
        tern_match_template_free(mb);
        return;
    }
    tern_match_compare_evidence(ctx, ma, mb, ev);
    put(o, ",\"graph_pairs\":%u,\"rotation_deg\":%.1f,\"pairs\":[", ev->n_graph,
        ev->rotation * 180.0 / 3.14159265358979323846);
    for (uint32_t i = 0, first = 1; i < ev->n_pairs; i++) {
        if (ev->pairs[i].a >= a->n_minutiae || ev->pairs[i].b >= b->n_minutiae)
            continue; /* never, by the comparator's contract */
        const tern_minutia *pa = &a->minutiae[ev->pairs[i].a], *pb = &b->minutiae[ev->pairs[i].b];
        put(o, "%s[%.0f,%.0f,%.0f,%.0f]", first ? "" : ",", pa->x, pa->y, pb->x, pb->y);
        first = 0;
    }
    put(o, "]");
    tern_match_template_free(ma);
    tern_match_template_free(mb);
}

static void write_evidence(out *o, const ident_fingers *probe, const stored *s,
                           tern_match_context *ctx, tern_match_evidence *ev,
                           const tern_gallery_candidate *cand, double threshold,
                           const char *stage)
{
    put(o,
        "{\"stage\":\"%s\",\"fused_score\":%.4f,\"fused_fmr\":%.4g,\"threshold_fmr\":%.4g,"
        "\"engine\":\"%s\",\"fingers\":[",
        stage, cand->score, cand->fmr, threshold, TERN_ENGINE_VERSION);
    for (unsigned k = 0, first = 1; k < TERN_GALLERY_FINGERS; k++) {
        if (cand->finger_score[k] < 0)
            continue;
        put(o, "%s{\"position\":%u,\"score\":%.4f", first ? "" : ",", k + 1,
            cand->finger_score[k]);
        first = 0;
        int smp = probe ? probe->t_sample[k] : -1;
        if (smp >= 0 && probe->samples[smp].id[0])
            put(o, ",\"probe_sample\":\"%s\"", probe->samples[smp].id);
        if (s->t[k])
            put(o, ",\"template\":\"%s\"", s->id[k]);
        if (probe && probe->t[k] && s->t[k] && ctx)
            finger_pairs(o, ctx, probe->t[k], s->t[k], ev);
        put(o, "}");
    }
    put(o, "],\"pairs_are\":\"probe x, y -> candidate x, y (pixels of each print)\"}");
}

tern_status ident_evidence(tern_core *c, const ident_fingers *probe,
                           const tern_gallery_candidate *cand, double threshold,
                           const char *stage, char **json, size_t *len, tern_error *err)
{
    *json = NULL;
    stored s;
    memset(&s, 0, sizeof s);
    tern_status rc = tern_store_each(c->store, TERN_ENT_TEMPLATE, "subject_id", cand->id,
                                     keep_template, &s, err);
    tern_match_context *ctx = NULL;
    tern_match_evidence *ev = malloc(sizeof *ev);
    if (rc == TERN_OK && (!ev || tern_match_context_create(&ctx, err) != TERN_OK))
        rc = tern_error_set(err, TERN_E_NOMEM, "identify: evidence: out of memory");
    /* a first guess, doubled until the whole text fits */
    out o = {NULL, 16384, 0};
    while (rc == TERN_OK) {
        char *p = realloc(o.p, o.size);
        if (!p) {
            rc = tern_error_set(err, TERN_E_NOMEM, "identify: evidence: out of memory");
            break;
        }
        o.p = p, o.n = 0;
        write_evidence(&o, probe, &s, ctx, ev, cand, threshold, stage);
        if (o.n < o.size)
            break;
        o.size *= 2;
    }
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++)
        tern_template_free(s.t[k]);
    tern_match_context_free(ctx);
    free(ev);
    if (rc != TERN_OK) {
        free(o.p);
        return rc;
    }
    *json = o.p;
    *len = o.n;
    return TERN_OK;
}
