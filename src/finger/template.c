/* template.c - allocation and copying of tern_template (see tern/template.h).
 * The codecs for stored and exchanged formats are in template_*.c. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tern/template.h"

tern_status tern_template_create(uint32_t n_minutiae, tern_template **out, tern_error *err)
{
    *out = NULL;
    if (n_minutiae > TERN_TEMPLATE_MAX_MINUTIAE)
        return tern_error_set(err, TERN_E_LIMIT, "template: %u minutiae (at most %u)", n_minutiae,
                              TERN_TEMPLATE_MAX_MINUTIAE);
    tern_template *t = calloc(1, sizeof *t);
    if (!t)
        return tern_error_set(err, TERN_E_NOMEM, "template: out of memory");
    if (n_minutiae) {
        t->minutiae = calloc(n_minutiae, sizeof *t->minutiae);
        if (!t->minutiae) {
            free(t);
            return tern_error_set(err, TERN_E_NOMEM, "template: out of memory");
        }
    }
    t->n_minutiae = n_minutiae;
    *out = t;
    return TERN_OK;
}

void tern_template_free(tern_template *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; t->blocks && i < t->n_blocks; i++)
        free(t->blocks[i].data);
    free(t->blocks);
    free(t->minutiae);
    free(t->singular);
    free(t->singular_angles);
    free(t->ridge_counts);
    free(t->orient.cells);
    free(t);
}

static void *dup_array(const void *src, size_t n, size_t size)
{
    if (!n)
        return NULL;
    void *p = malloc(n * size);
    if (p)
        memcpy(p, src, n * size);
    return p;
}

static bool clone_blocks(const tern_template *t, tern_template *c)
{
    c->blocks = NULL;
    c->n_blocks = 0;
    if (!t->n_blocks)
        return true;
    c->blocks = calloc(t->n_blocks, sizeof *c->blocks);
    if (!c->blocks)
        return false;
    c->n_blocks = t->n_blocks;
    for (uint32_t i = 0; i < t->n_blocks; i++) {
        c->blocks[i] = t->blocks[i];
        c->blocks[i].data = dup_array(t->blocks[i].data, t->blocks[i].length, 1);
        if (t->blocks[i].length && !c->blocks[i].data)
            return false;
    }
    return true;
}

tern_status tern_template_clone(const tern_template *t, tern_template **out, tern_error *err)
{
    *out = NULL;
    tern_template *c = malloc(sizeof *c);
    if (!c)
        return tern_error_set(err, TERN_E_NOMEM, "template: out of memory");
    *c = *t;
    c->minutiae = dup_array(t->minutiae, t->n_minutiae, sizeof *t->minutiae);
    c->singular = dup_array(t->singular, t->n_singular, sizeof *t->singular);
    c->singular_angles = t->singular_angles
                             ? dup_array(t->singular_angles, 2 * (size_t)t->n_singular, sizeof(float))
                             : NULL;
    c->ridge_counts = dup_array(t->ridge_counts, t->n_ridge_counts, sizeof *t->ridge_counts);
    c->orient.cells = t->orient.cells ? dup_array(t->orient.cells, (size_t)t->orient.cols *
                                                  t->orient.rows, 1) : NULL;
    bool blocks_ok = clone_blocks(t, c);
    if ((t->n_minutiae && !c->minutiae) || (t->n_singular && !c->singular) ||
        (t->singular_angles && t->n_singular && !c->singular_angles) ||
        (t->n_ridge_counts && !c->ridge_counts) || !blocks_ok ||
        (t->orient.cells && t->orient.cols && t->orient.rows && !c->orient.cells)) {
        tern_template_free(c);
        return tern_error_set(err, TERN_E_NOMEM, "template: out of memory");
    }
    *out = c;
    return TERN_OK;
}
