/* galleries.c - the identity gallery kept in memory (tern/core.h): loaded
 * from the store's templates of the current engine version at start, kept
 * consistent by enrollment, deletion and re-extraction; subject deletion;
 * re-extraction from stored samples when the engine changes; and the
 * threshold rule shared by de-duplication and identification.
 *
 * Threshold (docs/identification.md): a search of N subjects makes N
 * impostor comparisons; with a per-candidate fused false-match rate t, the
 * probability that at least one impostor passes is FPIR = 1 - (1 - t)^N,
 * hence t = 1 - (1 - FPIR)^(1/N) (about FPIR / N). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ident_impl.h"
#include "tern/finger.h"
#include "tern/image.h"
#include "tern/template_io.h"

double ident_threshold(double fpir, size_t n)
{
    if (!(fpir > 0 && fpir < 1))
        fpir = 1e-3;
    if (n < 1)
        n = 1;
    return -expm1(log1p(-fpir) / (double)n);
}

void ident_search_opts(const tern_core_match_opts *m, tern_gallery_search_opts *o)
{
    *o = (tern_gallery_search_opts){0};
    o->max_candidates = m->max_candidates ? m->max_candidates : 10;
    if (o->max_candidates > TERN_CORE_MAX_CANDIDATES)
        o->max_candidates = TERN_CORE_MAX_CANDIDATES;
    o->preselect_above = m->preselect_above ? m->preselect_above : 20000;
    o->shortlist = m->shortlist;
}

tern_status ident_gallery_prepare(ident_fingers *f, tern_error *err)
{
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++) {
        if (!f->t[k] || f->prepared[k])
            continue;
        tern_status rc = tern_gallery_finger_prepare(f->t[k], &f->prepared[k], err);
        if (rc != TERN_OK)
            return rc;
    }
    return TERN_OK;
}

tern_status ident_gallery_add(tern_core_gallery *g, ident_fingers *f, const char *subject_id,
                              tern_error *err)
{
    tern_status rc = TERN_OK;
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++) {
        if (!f->prepared[k])
            continue;
        tern_status r = tern_gallery_put(g->g, subject_id, k + 1, f->prepared[k], err);
        f->prepared[k] = NULL; /* the gallery owns it now, also on failure */
        if (rc == TERN_OK)
            rc = r;
    }
    return rc;
}

/* ---- loading ------------------------------------------------------------ */

/* Preparing a finger (about 0.3 ms) is nearly all of a load's time: 100,000
 * ten-print subjects take some 6 CPU-minutes (docs/identification.md,
 * "Measured"). Rows are read in chunks on the store's connection (one
 * thread) and each chunk is decoded and prepared by one thread per online
 * CPU (at most LOAD_THREADS), which put the fingers into the gallery under
 * its write lock. The gallery is the same whatever the order of the puts. */
#define LOAD_CHUNK 4096u
#define LOAD_THREADS 16u

typedef struct load_row {
    char subject_id[TERN_ID_MAX];
    unsigned position;
    uint8_t *data;
    size_t len;
} load_row;

typedef struct load_ctx {
    tern_gallery *g;
    load_row *rows;
    size_t n;
    unsigned threads;
    size_t loaded, skipped;
    tern_status rc;
    tern_error *err;
} load_ctx;

typedef struct load_slice {
    load_ctx *l;
    size_t from, to, loaded, skipped;
    tern_status rc;
    tern_error err;
} load_slice;

static void *load_slice_run(void *arg)
{
    load_slice *w = arg;
    for (size_t i = w->from; i < w->to && w->rc == TERN_OK; i++) {
        const load_row *row = &w->l->rows[i];
        tern_template *t;
        if (tern_template_decode(row->data, row->len, &t, NULL) != TERN_OK) {
            w->skipped++;
            continue;
        }
        tern_gallery_finger *f;
        tern_status rc = tern_gallery_finger_prepare(t, &f, NULL);
        tern_template_free(t);
        if (rc == TERN_E_NOMEM) {
            w->rc = tern_error_set(&w->err, rc, "gallery load: out of memory");
        } else if (rc != TERN_OK) {
            w->skipped++;
        } else {
            w->rc = tern_gallery_put(w->l->g, row->subject_id, row->position, f, &w->err);
            w->loaded += w->rc == TERN_OK;
        }
    }
    return NULL;
}

/* Decodes, prepares and puts the chunk's rows, then empties the chunk. */
static tern_status load_flush(load_ctx *l)
{
    load_slice w[LOAD_THREADS];
    pthread_t tid[LOAD_THREADS];
    bool started[LOAD_THREADS] = {false};
    unsigned t = l->threads;
    for (unsigned i = 0; i < t; i++) {
        w[i] = (load_slice){.l = l, .from = l->n * i / t, .to = l->n * (i + 1) / t,
                            .rc = TERN_OK};
        if (i > 0)
            started[i] = pthread_create(&tid[i], NULL, load_slice_run, &w[i]) == 0;
    }
    load_slice_run(&w[0]);
    for (unsigned i = 1; i < t; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            load_slice_run(&w[i]); /* no thread: in this one */
    }
    for (unsigned i = 0; i < t; i++) {
        l->loaded += w[i].loaded;
        l->skipped += w[i].skipped;
        if (l->rc == TERN_OK && w[i].rc != TERN_OK) {
            l->rc = w[i].rc;
            if (l->err)
                *l->err = w[i].err;
        }
    }
    for (size_t i = 0; i < l->n; i++)
        free(l->rows[i].data);
    l->n = 0;
    return l->rc;
}

static int load_one(void *ctx, const tern_template_row *row)
{
    load_ctx *l = ctx;
    if (row->position < 1 || row->position > 10) {
        l->skipped++;
        return 0;
    }
    load_row *r = &l->rows[l->n];
    r->data = malloc(row->data_len ? row->data_len : 1);
    if (!r->data)
        return (l->rc = tern_error_set(l->err, TERN_E_NOMEM, "gallery load: out of memory")), 1;
    memcpy(r->data, row->data, row->data_len);
    r->len = row->data_len;
    r->position = (unsigned)row->position;
    memcpy(r->subject_id, row->subject_id, TERN_ID_MAX);
    if (++l->n == LOAD_CHUNK && load_flush(l) != TERN_OK)
        return 1;
    return 0;
}

tern_status tern_core_gallery_load(tern_core *c, tern_core_gallery **out, size_t *loaded,
                                   size_t *skipped, tern_error *err)
{
    *out = NULL;
    tern_core_gallery *cg = calloc(1, sizeof *cg);
    load_ctx l = {.rc = TERN_OK, .err = err, .rows = calloc(LOAD_CHUNK, sizeof(load_row))};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    l.threads = cpus < 1 ? 1u : cpus > (long)LOAD_THREADS ? LOAD_THREADS : (unsigned)cpus;
    if (!cg || !l.rows) {
        free(cg);
        free(l.rows);
        return tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory");
    }
    tern_status rc = tern_gallery_create(&cg->g, err);
    l.g = cg->g;
    if (rc == TERN_OK)
        rc = tern_store_templates_each(c->store, TERN_ENGINE_VERSION, NULL, tern_store_now_ms(),
                                       load_one, &l, err);
    if (rc == TERN_OK && l.rc == TERN_OK && l.n)
        load_flush(&l);
    for (size_t i = 0; i < l.n; i++) /* after a failure mid-chunk */
        free(l.rows[i].data);
    free(l.rows);
    if (rc == TERN_OK)
        rc = l.rc;
    if (rc != TERN_OK) {
        tern_core_gallery_free(cg);
        return rc;
    }
    if (loaded)
        *loaded = l.loaded;
    if (skipped)
        *skipped = l.skipped;
    *out = cg;
    return TERN_OK;
}

void tern_core_gallery_free(tern_core_gallery *g)
{
    if (!g)
        return;
    tern_gallery_free(g->g);
    free(g);
}

size_t tern_core_gallery_subjects(tern_core_gallery *g) { return tern_gallery_size(g->g); }
size_t tern_core_gallery_fingers(tern_core_gallery *g) { return tern_gallery_fingers(g->g); }
size_t tern_core_gallery_bytes(tern_core_gallery *g) { return tern_gallery_memory(g->g); }

static int push_id(void *ctx, const char *id) { return core_ids_push(ctx, id); }

tern_status tern_core_gallery_sync(tern_core *c, tern_core_gallery *g, size_t *dropped,
                                   tern_error *err)
{
    core_ids ids = {0};
    tern_gallery_each_id(g->g, push_id, &ids);
    tern_status rc = ids.nomem ? tern_error_set(err, TERN_E_NOMEM, "gallery: out of memory")
                               : TERN_OK;
    size_t n = 0;
    for (size_t i = 0; rc == TERN_OK && i < ids.n; i++) {
        int64_t count = 0;
        rc = tern_store_count(c->store, TERN_ENT_SUBJECT, "id", ids.ids[i], &count, err);
        if (rc == TERN_OK && count == 0 && tern_gallery_remove(g->g, ids.ids[i]))
            n++;
    }
    core_ids_free(&ids);
    if (dropped)
        *dropped = n;
    return rc;
}

/* ---- deleting a subject --------------------------------------------------- */

static tern_status delete_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                               tern_error *err)
{
    tern_status rc = core_require(actor, TERN_ROLE_SUPERVISOR | TERN_ROLE_ADMIN, op,
                                  "delete a subject", err);
    if (rc == TERN_OK)
        rc = tern_store_delete(c->store, TERN_ENT_SUBJECT, op->object_id, err);
    return rc;
}

tern_status tern_core_subject_delete(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                                     const char *subject_id, tern_error *err)
{
    core_op op = {.action = "subject.delete", .object_type = "subject"};
    snprintf(op.object_id, sizeof op.object_id, "%s", subject_id ? subject_id : "");
    tern_status rc = core_run(c, who, &op, delete_body, NULL, err);
    if (rc == TERN_OK && g)
        tern_gallery_remove(g->g, op.object_id);
    return rc;
}

/* ---- re-extraction -------------------------------------------------------- */

typedef struct stale_ctx {
    core_ids ids;
    size_t orphaned;
} stale_ctx;

static int collect_stale(void *ctx, const void *row)
{
    const tern_template_row *t = row;
    stale_ctx *s = ctx;
    if (t->engine_version && strcmp(t->engine_version, TERN_ENGINE_VERSION) == 0)
        return 0;
    if (!t->sample_id[0]) {
        s->orphaned++;
        return 0;
    }
    return core_ids_push(&s->ids, t->id);
}

typedef struct remake_ctx {
    tern_template *made;
    char subject_id[TERN_ID_MAX];
    int position;
} remake_ctx;

/* Decodes the template's sample, extracts it again and replaces the row. */
static tern_status remake_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                               tern_error *err)
{
    remake_ctx *r = ctx;
    tern_status rc = core_require(actor, TERN_ROLE_ADMIN, op, "re-extract templates", err);
    if (rc != TERN_OK)
        return rc;
    tern_template_row row = {0};
    tern_sample smp = {0};
    tern_image *img = NULL;
    uint8_t *data = NULL;
    size_t len = 0;
    rc = tern_store_template_get(c->store, op->object_id, &row, err);
    if (rc == TERN_OK)
        rc = tern_store_sample_get(c->store, row.sample_id, &smp, err);
    if (rc == TERN_OK)
        rc = tern_image_decode(smp.data, smp.data_len, NULL, &img, err);
    if (rc == TERN_OK) {
        tern_extract_opts eo = {.finger_position = (uint8_t)row.position,
                                .impression_type = (uint8_t)smp.impression};
        rc = tern_extract(img, &eo, &r->made, NULL, err);
    }
    if (rc == TERN_OK)
        rc = tern_template_encode(r->made, TERN_TEMPLATE_FORMAT_TERN, &data, &len, err);
    if (rc == TERN_OK) {
        uint8_t *old_data = row.data;
        char *old_version = row.engine_version;
        row.data = data, row.data_len = len, row.engine_version = TERN_ENGINE_VERSION;
        rc = tern_store_template_update(c->store, &row, err);
        row.data = old_data, row.engine_version = old_version;
        memcpy(r->subject_id, row.subject_id, TERN_ID_MAX);
        r->position = (int)row.position;
        snprintf(op->detail, sizeof op->detail, "engine=%s position=%d", TERN_ENGINE_VERSION,
                 r->position);
    }
    free(data);
    tern_image_free(img);
    tern_sample_clear(&smp);
    tern_template_row_clear(&row);
    return rc;
}

tern_status tern_core_reextract(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                                size_t *remade, size_t *orphaned, tern_error *err)
{
    stale_ctx s = {0};
    tern_status rc = tern_store_each(c->store, TERN_ENT_TEMPLATE, NULL, NULL, collect_stale, &s,
                                     err);
    if (rc == TERN_OK && s.ids.nomem)
        rc = tern_error_set(err, TERN_E_NOMEM, "re-extract: out of memory");
    size_t n = 0;
    for (size_t i = 0; rc == TERN_OK && i < s.ids.n; i++) {
        remake_ctx r = {0};
        core_op op = {.action = "template.reextract", .object_type = "template"};
        snprintf(op.object_id, sizeof op.object_id, "%s", s.ids.ids[i]);
        rc = core_run(c, who, &op, remake_body, &r, err);
        if (rc == TERN_OK && g && r.position >= 1 && r.position <= 10)
            rc = tern_gallery_put_template(g->g, r.subject_id, (unsigned)r.position, r.made, err);
        tern_template_free(r.made);
        if (rc == TERN_OK)
            n++;
    }
    if (remade)
        *remade = n;
    if (orphaned)
        *orphaned = s.orphaned;
    core_ids_free(&s.ids);
    return rc;
}
