/* import.c - bulk import for a migration (tern/import.h): batches of
 * identities stored in one transaction each without the per-enrollment
 * search, and the de-duplication run afterwards as a 1:N batch whose
 * matches become yellow links (Regulation (EU) 2019/817, art. 30: "to be
 * verified") for an examiner: never a merge, never a silent duplicate,
 * since every imported subject stays "dedup-pending" until its search has
 * run. The checks of each identity are enrollment's (ident_fingers_load,
 * src/core/enroll.c); the threshold is enrollment's (ident_threshold).
 * A batch is named in the audit chain by its caller's label (the object
 * of its import.batch event), so that a caller can ask the chain whether
 * a batch it lost track of committed, comparing fields, not text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ident_impl.h"
#include "tern/import.h"
#include "tern/template_io.h"

#define IMPORT_PURPOSE "import"
#define PENDING "dedup-pending"
#define DONE "dedup-done"
#define BATCH_ACTION "import.batch"
#define BATCH_OBJECT "import_batch"   /* a labelled batch's event's object_type */

/* ---- the import ------------------------------------------------------------ */

typedef struct import_ctx {
    const tern_enroll_request *reqs;
    size_t n;
    ident_fingers *fingers;     /* n */
    bool loaded;                /* every request's fingers loaded and prepared */
    bool prepare;               /* a gallery will take the fingers */
    const char *purpose;        /* the actor's, for the per-subject events */
    bool labelled;              /* the batch event's object is the label */
    char (*ids)[TERN_ID_MAX];   /* n: the new subjects */
    int64_t *until;             /* n: their retain-until times */
    size_t *firsts;             /* n: requests whose category none before had */
} import_ctx;

static void import_unload(import_ctx *x)
{
    for (size_t i = 0; i < x->n; i++)
        ident_fingers_free(&x->fingers[i]);
    x->loaded = false;
}

static tern_status import_load(import_ctx *x, tern_error *err)
{
    tern_status rc = TERN_OK;
    for (size_t i = 0; rc == TERN_OK && i < x->n; i++) {
        const tern_enroll_request *r = &x->reqs[i];
        rc = ident_fingers_load(r->fingers, r->n_fingers, true, &x->fingers[i], err);
        if (rc == TERN_OK && x->prepare)
            rc = ident_gallery_prepare(&x->fingers[i], err);
        if (rc != TERN_OK)
            tern_error_prefix(err, "import: request %zu: ", i);
    }
    if (rc != TERN_OK)
        import_unload(x);
    x->loaded = rc == TERN_OK;
    return rc;
}

static bool same_category(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Each request's retain-until: its time plus its category's rule, the rule
 * read once per category of the batch (in the transaction, as enrollment
 * reads it), not once per identity. */
static tern_status import_retention(tern_core *c, import_ctx *x, tern_error *err)
{
    size_t n_firsts = 0;
    for (size_t i = 0; i < x->n; i++) {
        const tern_enroll_request *r = &x->reqs[i];
        size_t k = 0;
        while (k < n_firsts && !same_category(x->reqs[x->firsts[k]].category, r->category))
            k++;
        if (k < n_firsts) { /* x->until[first] - its now_ms is the rule's span */
            size_t f = x->firsts[k];
            x->until[i] = r->now_ms + (x->until[f] - x->reqs[f].now_ms);
            continue;
        }
        int64_t span;
        tern_status rc = ident_retention(c, r->category, 0, &span, err);
        if (rc != TERN_OK)
            return tern_error_prefix(err, "import: request %zu: ", i);
        x->until[i] = r->now_ms + span;
        x->firsts[n_firsts++] = i;
    }
    return TERN_OK;
}

static tern_status import_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                               tern_error *err)
{
    import_ctx *x = ctx;
    tern_status rc = core_require(actor, TERN_ROLE_ADMIN, op, "import identities", err);
    if (rc == TERN_OK && !x->loaded)
        rc = import_load(x, err);
    if (rc == TERN_OK)
        rc = import_retention(c, x, err);
    if (rc == TERN_OK) /* the rows' outcomes are collected at the reads and the commit */
        rc = tern_store_bulk(c->store, err);
    size_t fingers = 0;
    for (size_t i = 0; rc == TERN_OK && i < x->n; i++) {
        ident_ids ids = {0};
        ident_fingers *f = &x->fingers[i];
        rc = ident_records(c, actor, &x->reqs[i], &x->until[i], f, IMPORT_PURPOSE, PENDING, &ids,
                           err);
        if (rc != TERN_OK) {
            tern_error_prefix(err, "import: request %zu: ", i);
            break;
        }
        memcpy(x->ids[i], ids.subject_id, TERN_ID_MAX);
        core_op sub = {.action = "subject.import", .object_type = "subject", .role = op->role};
        memcpy(sub.object_id, ids.subject_id, TERN_ID_MAX);
        unsigned present = (unsigned)__builtin_popcount(f->present);
        fingers += present;
        snprintf(sub.detail, sizeof sub.detail,
                 "fingers=%u missing=%u amputated=%u dedup=pending encounter=%s", present,
                 (unsigned)__builtin_popcount(f->missing),
                 (unsigned)__builtin_popcount(f->amputated), ids.encounter_id);
        rc = core_audit(c, actor->id, op->role, &sub, x->purpose, "ok", err);
    }
    if (rc == TERN_OK) {
        if (!x->labelled)
            memcpy(op->object_id, x->ids[0], TERN_ID_MAX);
        snprintf(op->detail, sizeof op->detail, "subjects=%zu fingers=%zu first=%s", x->n,
                 fingers, x->ids[0]);
    }
    return rc;
}

/* A label's syntax: an object id's (tern_store_check_id). */
static tern_status check_label(const char *label, tern_error *err)
{
    return tern_store_check_id(label, "import: batch label", err);
}

static void import_ctx_free(import_ctx *x)
{
    free(x->fingers);
    free(x->ids);
    free(x->until);
    free(x->firsts);
}

tern_status tern_core_import(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                             const char *label, const tern_enroll_request *reqs, size_t n,
                             char (*subject_ids)[TERN_ID_MAX], tern_error *err)
{
    if (!c || (n && !reqs))
        return tern_error_set(err, TERN_E_ARG, "import: core and requests required");
    if (n < 1 || n > TERN_IMPORT_BATCH_MAX)
        return tern_error_set(err, TERN_E_LIMIT, "import: %zu identities in one batch (1..%u)",
                              n, TERN_IMPORT_BATCH_MAX);
    tern_status rc = label ? check_label(label, err) : TERN_OK;
    if (rc != TERN_OK)
        return rc;
    import_ctx x = {.reqs = reqs, .n = n, .prepare = g != NULL,
                    .purpose = who ? who->purpose : NULL, .labelled = label != NULL};
    x.fingers = calloc(n, sizeof *x.fingers);
    x.ids = calloc(n, sizeof *x.ids);
    x.until = calloc(n, sizeof *x.until);
    x.firsts = calloc(n, sizeof *x.firsts);
    if (!x.fingers || !x.ids || !x.until || !x.firsts) {
        import_ctx_free(&x);
        return tern_error_set(err, TERN_E_NOMEM, "import: out of memory");
    }
    /* The checks, extraction and preparation read no row: done before the
     * transaction (for an active admin) so that the store's write lock is
     * held for the writes only; redone inside it on failure, where the
     * error is reported and audited. */
    tern_user u = {0};
    if (who && who->user_id && tern_store_user_get(c->store, who->user_id, &u, NULL) == TERN_OK &&
        u.active && (u.roles & TERN_ROLE_ADMIN))
        (void)import_load(&x, NULL);
    tern_user_clear(&u);
    core_op op = {.action = BATCH_ACTION, .object_type = label ? BATCH_OBJECT : "subject"};
    if (label)
        memcpy(op.object_id, label, strlen(label) + 1);
    rc = core_run(c, who, &op, import_body, &x, err);
    for (size_t i = 0; rc == TERN_OK && g && i < n; i++)
        rc = ident_gallery_add(g, &x.fingers[i], x.ids[i], err);
    if (rc == TERN_OK && subject_ids)
        memcpy(subject_ids, x.ids, n * sizeof *x.ids);
    import_unload(&x);
    import_ctx_free(&x);
    return rc;
}

typedef struct batch_find {
    const char *label;
    int64_t seq;
} batch_find;

static int find_batch(void *ctx, const void *row)
{
    batch_find *b = ctx;
    const tern_audit_event *ev = row;
    if (strcmp(ev->action, BATCH_ACTION) != 0 || strcmp(ev->outcome, "ok") != 0 ||
        strcmp(ev->object_type, BATCH_OBJECT) != 0 || strcmp(ev->object_id, b->label) != 0)
        return 0;
    b->seq = ev->seq;
    return 1;
}

tern_status tern_core_import_committed(tern_core *c, const char *label, int64_t after_seq,
                                       int64_t *seq, tern_error *err)
{
    if (seq)
        *seq = 0;
    if (!c || !label || !seq)
        return tern_error_set(err, TERN_E_ARG, "import: core, label and seq required");
    tern_status rc = check_label(label, err);
    if (rc != TERN_OK)
        return rc;
    batch_find b = {.label = label};
    rc = tern_store_audit_each(c->store, after_seq > 0 ? after_seq + 1 : 1, find_batch, &b, err);
    if (rc == TERN_OK)
        *seq = b.seq;
    return rc;
}

/* ---- the de-duplication afterwards --------------------------------------- */

typedef struct pending {
    int64_t at_ms;
    char encounter[TERN_ID_MAX], subject[TERN_ID_MAX];
} pending;

typedef struct pending_list {
    pending *p;
    size_t n, cap;
    bool nomem;
} pending_list;

static int collect_pending(void *ctx, const void *row)
{
    pending_list *l = ctx;
    const tern_encounter *e = row;
    if (!e->purpose || strcmp(e->purpose, IMPORT_PURPOSE) != 0)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        void *q = realloc(l->p, cap * sizeof *l->p);
        if (!q)
            return (l->nomem = true), 1;
        l->p = q, l->cap = cap;
    }
    pending *p = &l->p[l->n++];
    p->at_ms = e->at_ms;
    memcpy(p->encounter, e->id, TERN_ID_MAX);
    memcpy(p->subject, e->subject_id, TERN_ID_MAX);
    return 0;
}

static int pending_order(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    int s = strcmp(x->subject, y->subject);
    return s ? s : strcmp(x->encounter, y->encounter);
}

static tern_status list_pending(tern_core *c, pending_list *l, tern_error *err)
{
    tern_status rc = tern_store_each(c->store, TERN_ENT_ENCOUNTER, "result", PENDING,
                                     collect_pending, l, err);
    if (rc == TERN_OK && l->nomem)
        rc = tern_error_set(err, TERN_E_NOMEM, "import de-duplication: out of memory");
    if (rc == TERN_OK && l->n)
        qsort(l->p, l->n, sizeof *l->p, pending_order);
    return rc;
}

tern_status tern_core_import_dedup_pending(tern_core *c, int64_t *count, tern_error *err)
{
    pending_list l = {0};
    tern_status rc = list_pending(c, &l, err);
    *count = rc == TERN_OK ? (int64_t)l.n : 0;
    free(l.p);
    return rc;
}

typedef struct probe_load {
    tern_template *t[TERN_GALLERY_FINGERS];
} probe_load;

static int probe_finger(void *ctx, const void *row)
{
    probe_load *p = ctx;
    const tern_template_row *r = row;
    if (r->position < 1 || r->position > 10 || !r->engine_version ||
        strcmp(r->engine_version, TERN_ENGINE_VERSION) != 0 || p->t[r->position - 1])
        return 0;
    tern_template *t;
    if (tern_template_decode(r->data, r->data_len, &t, NULL) == TERN_OK)
        p->t[r->position - 1] = t;
    return 0;
}

typedef struct dedup_ctx {
    const pending *p;
    tern_gallery_candidate *cand;   /* above the threshold, the subject excluded */
    size_t n_cand, linked;
    int64_t now_ms;
} dedup_ctx;

typedef struct pair_find {
    const char *other;
    bool found;
} pair_find;

static int find_other(void *ctx, const void *row)
{
    pair_find *f = ctx;
    const tern_link *l = row;
    if (strcmp(l->subject_a, f->other) == 0 || strcmp(l->subject_b, f->other) == 0)
        return (f->found = true), 1;
    return 0;
}

/* Is there a link of any colour between a and b? */
static tern_status linked(tern_core *c, const char *a, const char *b, bool *yes,
                          tern_error *err)
{
    pair_find f = {.other = b};
    tern_status rc = tern_store_each(c->store, TERN_ENT_LINK, "subject_a", a, find_other, &f, err);
    if (rc == TERN_OK && !f.found)
        rc = tern_store_each(c->store, TERN_ENT_LINK, "subject_b", a, find_other, &f, err);
    *yes = f.found;
    return rc;
}

static tern_status dedup_body(tern_core *c, const tern_user *actor, core_op *op, void *ctx,
                              tern_error *err)
{
    dedup_ctx *d = ctx;
    tern_status rc = core_require(actor, TERN_ROLE_ADMIN, op, "run import de-duplication", err);
    size_t made = 0;
    for (size_t i = 0; rc == TERN_OK && i < d->n_cand; i++) {
        const tern_gallery_candidate *k = &d->cand[i];
        bool yes = false;
        rc = linked(c, d->p->subject, k->id, &yes, err);
        if (rc != TERN_OK || yes)
            continue;
        char reason[160];
        snprintf(reason, sizeof reason,
                 "import de-duplication: fused score %.2f (FMR %.2g) on %u fingers", k->score,
                 k->fmr, k->fingers);
        tern_link l = {.colour = TERN_LINK_YELLOW, .reason = reason, .created_ms = d->now_ms};
        memcpy(l.subject_a, d->p->subject, TERN_ID_MAX);
        memcpy(l.subject_b, k->id, TERN_ID_MAX);
        memcpy(l.created_by, actor->id, TERN_ID_MAX);
        rc = tern_store_link_insert(c->store, &l, err);
        made += rc == TERN_OK;
    }
    tern_encounter e = {0};
    if (rc == TERN_OK)
        rc = tern_store_encounter_get(c->store, d->p->encounter, &e, err);
    if (rc == TERN_OK && (!e.result || strcmp(e.result, PENDING) != 0))
        rc = tern_error_set(err, TERN_E_STATE, "import de-duplication: encounter %s is no longer "
                            "pending (another run?)", d->p->encounter);
    if (rc == TERN_OK) {
        char *was = e.result;
        e.result = DONE;
        rc = tern_store_encounter_update(c->store, &e, err);
        e.result = was;
    }
    tern_encounter_clear(&e);
    if (rc == TERN_OK) {
        d->linked = made;
        snprintf(op->detail, sizeof op->detail, "candidates=%zu links=%zu encounter=%s%s",
                 d->n_cand, made, d->p->encounter, d->p->subject[0] ? "" : " subject=purged");
    }
    return rc;
}

/* Searches the gallery for p's subject: the candidates above the
 * threshold, itself excluded. */
static tern_status dedup_search(tern_core *c, tern_core_gallery *g,
                                const tern_core_match_opts *match, const pending *p,
                                tern_gallery_candidate *cand, size_t *n, tern_error *err)
{
    *n = 0;
    probe_load pl = {{0}};
    tern_status rc = tern_store_each(c->store, TERN_ENT_TEMPLATE, "subject_id", p->subject,
                                     probe_finger, &pl, err);
    bool any = false;
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++)
        any |= pl.t[k] != NULL;
    size_t size = tern_gallery_size(g->g);
    tern_gallery_probe *probe = NULL;
    if (rc == TERN_OK && any && size > 1)
        rc = tern_gallery_probe_create((const tern_template *const *)pl.t, &probe, err);
    for (unsigned k = 0; k < TERN_GALLERY_FINGERS; k++)
        tern_template_free(pl.t[k]);
    if (rc != TERN_OK || !probe)
        return rc;
    tern_gallery_search_opts o;
    ident_search_opts(match, &o);
    o.max_candidates = TERN_CORE_MAX_CANDIDATES;
    size_t got = 0;
    rc = tern_gallery_search(g->g, probe, &o, cand, &got, err);
    tern_gallery_probe_free(probe);
    double t = ident_threshold(match->target_fpir, size - 1);
    for (size_t i = 0; rc == TERN_OK && i < got && cand[i].fmr <= t; i++)
        if (strcmp(cand[i].id, p->subject) != 0)
            cand[(*n)++] = cand[i];
    return rc;
}

tern_status tern_core_import_dedup(tern_core *c, tern_core_gallery *g, const tern_actor *who,
                                   const tern_core_match_opts *match, size_t max_subjects,
                                   int64_t now_ms, tern_import_progress_fn progress,
                                   void *progress_ctx, tern_import_dedup_result *out,
                                   tern_error *err)
{
    tern_import_dedup_result r = {0};
    if (out)
        *out = r;
    if (!c || !g)
        return tern_error_set(err, TERN_E_ARG, "import de-duplication: core and gallery required");
    tern_core_match_opts m = match ? *match : (tern_core_match_opts){0};
    /* The role first, so that a search of the whole gallery is not made
     * for someone who may not run it (audited like any refusal). */
    tern_user u = {0};
    bool may = who && who->user_id &&
               tern_store_user_get(c->store, who->user_id, &u, NULL) == TERN_OK && u.active &&
               (u.roles & TERN_ROLE_ADMIN);
    tern_user_clear(&u);
    pending_list l = {0};
    tern_status rc = TERN_OK;
    if (may)
        rc = list_pending(c, &l, err);
    tern_gallery_candidate *cand = calloc(TERN_CORE_MAX_CANDIDATES, sizeof *cand);
    if (rc == TERN_OK && !cand)
        rc = tern_error_set(err, TERN_E_NOMEM, "import de-duplication: out of memory");
    size_t todo = max_subjects && max_subjects < l.n ? max_subjects : l.n;
    if (rc == TERN_OK && !may) { /* refused and audited by core_run */
        pending none = {0};
        dedup_ctx d = {.p = &none, .cand = cand, .now_ms = now_ms};
        core_op op = {.action = "subject.dedup", .object_type = "subject"};
        rc = core_run(c, who, &op, dedup_body, &d, err);
    }
    for (size_t i = 0; rc == TERN_OK && i < todo; i++) {
        dedup_ctx d = {.p = &l.p[i], .cand = cand, .now_ms = now_ms};
        if (l.p[i].subject[0])
            rc = dedup_search(c, g, &m, &l.p[i], cand, &d.n_cand, err);
        core_op op = {.action = "subject.dedup", .object_type = "subject"};
        snprintf(op.object_id, sizeof op.object_id, "%s",
                 l.p[i].subject[0] ? l.p[i].subject : l.p[i].encounter);
        if (rc == TERN_OK)
            rc = core_run(c, who, &op, dedup_body, &d, err);
        if (rc == TERN_OK) {
            r.searched++;
            r.linked += d.linked;
            if (progress)
                progress(progress_ctx, r.searched, todo);
        }
    }
    r.remaining = l.n - r.searched;
    if (out)
        *out = r;
    free(cand);
    free(l.p);
    return rc;
}
