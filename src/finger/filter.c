/* filter.c - removal of false minutiae on the skeleton graph, then the
 * direction, type and quality of the minutiae that remain.
 *
 * Structural rules (Maltoni et al., Handbook of Fingerprint Recognition,
 * 2nd ed., section 3.7.2 and fig. 3.41; Xiao & Raafat, "Fingerprint image
 * post-processing: a combined statistical and structural approach", Pattern
 * Recognition 24(10), 1991; Tico & Kuosmanen, "An algorithm for fingerprint
 * image postprocessing", Asilomar 2000; the SourceAFIS transparency pages on
 * pores, gaps, tails and fragments). Every distance is relative to the local
 * ridge period T, so the rules hold at any ridge density:
 *   - crossings and knots (junctions of degree 4 or more): dropped;
 *   - lakes / holes: two junctions joined by two short ridges (< 2.5 T), or a
 *     junction with a short loop: both dropped;
 *   - spurs: an ending joined to a junction by a ridge shorter than 0.6 T
 *     (about a ridge width), or shorter than 1.2 T and leaving the ridge
 *     flow by more than 35 degrees (Xiao & Raafat judge spurs by direction
 *     too: a genuine short branch runs along the flow, a thinning artefact
 *     sticks out of the ridge's side);
 *   - short ridges / islands: two endings joined by a ridge shorter than 1.5 T;
 *   - bridges: two junctions joined by a short ridge (< 1.5 T) that runs
 *     across the ridge flow (more than 35 degrees from it);
 *   - broken ridges: two endings closer than 2 T that face each other along
 *     the ridge flow;
 *   - the border: minutiae closer than 0.9 T to the background or image edge,
 *     and minutiae in blocks with an unreliable orientation (resultant
 *     length of the smoothed field under 0.2);
 *   - clusters: three or more minutiae within 0.8 T of each other.
 * Minutia quality (0..100) combines the orientation reliability and the
 * ridge-valley clarity of its block with its distance to the border; a
 * minutia in an unclear block is kept with a low quality rather than
 * dropped: the comparator weights minutiae by quality (in the spirit of
 * NIST MINDTCT's last step, "assess minutiae quality", which grades
 * minutiae by the quality map around them; NBIS user's guide, NISTIR 7392;
 * measured in docs/extraction.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "finger/minutiae_graph.h"

typedef struct cand {
    float x, y, angle; /* angle: image coordinates */
    int node;
    uint8_t type, dropped;
} cand;

static float period_at(const fp_work *w, float x, float y)
{
    int bx = fp_clampi((int)(x / FP_BLOCK), 0, w->bw - 1);
    int by = fp_clampi((int)(y / FP_BLOCK), 0, w->bh - 1);
    return w->period[(size_t)by * w->bw + bx];
}

static size_t block_of(const fp_work *w, float x, float y)
{
    int bx = fp_clampi((int)(x / FP_BLOCK), 0, w->bw - 1);
    int by = fp_clampi((int)(y / FP_BLOCK), 0, w->bh - 1);
    return (size_t)by * w->bw + bx;
}

/* |angle difference| of two directions, in [0, pi]. */
static float angdiff(float a, float b)
{
    float d = fmodf(fabsf(a - b), 2.0f * (float)FP_PI);
    return d > (float)FP_PI ? 2.0f * (float)FP_PI - d : d;
}

/* |difference| of a direction and an orientation (mod pi), in [0, pi/2]. */
static float oridiff(float a, float t)
{
    float d = fmodf(fabsf(a - t), (float)FP_PI);
    return d > (float)FP_PI / 2 ? (float)FP_PI - d : d;
}

/* Snaps a traced direction to the orientation field when they agree. */
static float refine(const fp_work *w, float x, float y, float a)
{
    float t = fp_orient_at(w, x, y), best = t;
    if (angdiff(a, t + (float)FP_PI) < angdiff(a, t))
        best = t + (float)FP_PI;
    if (angdiff(a, best) > (float)(FP_PI / 4))
        return a;
    return best;
}

static void drop_rules(fp_graph *g, const fp_work *w)
{
    for (size_t i = 0; i < g->n_node; i++) {
        fp_node *n = &g->node[i];
        if (n->kind == FP_NODE_JUNCTION && n->degree != 3)
            n->dropped = 1;
        if (n->kind == FP_NODE_ENDING && n->degree != 1)
            n->dropped = 1;
    }
    for (size_t i = 0; i < g->n_edge; i++) {
        fp_edge *e = &g->edge[i];
        fp_node *A = &g->node[e->a], *B = &g->node[e->b];
        float T = period_at(w, 0.5f * (A->x + B->x), 0.5f * (A->y + B->y));
        if (e->a == e->b) { /* a loop on one junction: a lake */
            if (e->len < 3.0f * T)
                A->dropped = 1;
            continue;
        }
        if (A->kind == FP_NODE_JUNCTION && B->kind == FP_NODE_JUNCTION) {
            for (size_t k = g->adj0[e->a]; k < g->adj0[e->a + 1]; k++) { /* lake */
                const fp_edge *f = &g->edge[g->adj[k]];
                if (f == e)
                    continue;
                if (((f->a == e->a && f->b == e->b) || (f->a == e->b && f->b == e->a)) &&
                    e->len < 2.5f * T && f->len < 2.5f * T)
                    A->dropped = B->dropped = 1;
            }
            if (e->len < 1.5f * T) { /* bridge: across the flow */
                float a = atan2f(B->y - A->y, B->x - A->x);
                float t = fp_orient_at(w, 0.5f * (A->x + B->x), 0.5f * (A->y + B->y));
                if (oridiff(a, t) > (float)(35.0 * FP_PI / 180.0))
                    A->dropped = B->dropped = 1;
            }
        } else if (A->kind != B->kind) {
            /* spur: a real short branch follows the ridge flow; a
             * thinning artefact (a bump on the ridge's side) leaves it */
            float a = atan2f(B->y - A->y, B->x - A->x);
            float t = fp_orient_at(w, 0.5f * (A->x + B->x), 0.5f * (A->y + B->y));
            if (e->len < 0.6f * T ||
                (e->len < 1.2f * T && oridiff(a, t) > (float)(35.0 * FP_PI / 180.0)))
                A->dropped = B->dropped = 1;
        } else if (e->len < 1.5f * T) {
            A->dropped = B->dropped = 1; /* short ridge */
        }
    }
}

/* Direction of every surviving node: endings along their ridge,
 * bifurcations along the valley between the two closest branches. */
static size_t directions(const fp_graph *g, const fp_work *w, cand *c)
{
    size_t nc = 0;
    float rx[3], ry[3];
    int nr;
    for (size_t i = 0; i < g->n_node; i++) {
        const fp_node *n = &g->node[i];
        if (n->dropped)
            continue;
        float T = period_at(w, n->x, n->y), reach = 1.2f * T;
        nr = 0;
        for (size_t k = g->adj0[i]; k < g->adj0[i + 1] && nr < 3; k++) {
            const fp_edge *e = &g->edge[g->adj[k]];
            float px, py;
            fp_edge_point(g, e, e->a == (int)i, reach, &px, &py);
            float dx = px - n->x, dy = py - n->y, m = sqrtf(dx * dx + dy * dy);
            if (m < 1e-3f)
                continue;
            rx[nr] = dx / m, ry[nr] = dy / m;
            nr++;
        }
        float vx, vy;
        if (n->kind == FP_NODE_ENDING) {
            if (nr != 1)
                continue;
            vx = rx[0], vy = ry[0];
        } else {
            if (nr != 3)
                continue;
            int bi = 0, bj = 1;
            float best = -2;
            for (int a = 0; a < 3; a++)
                for (int b = a + 1; b < 3; b++) {
                    float d = rx[a] * rx[b] + ry[a] * ry[b];
                    if (d > best)
                        best = d, bi = a, bj = b;
                }
            vx = rx[bi] + rx[bj], vy = ry[bi] + ry[bj];
            if (vx * vx + vy * vy < 1e-6f)
                continue;
        }
        cand *k = &c[nc++];
        k->x = n->x, k->y = n->y;
        k->angle = refine(w, n->x, n->y, atan2f(vy, vx));
        k->node = (int)i;
        k->type = n->kind == FP_NODE_ENDING ? TERN_MINUTIA_ENDING : TERN_MINUTIA_BIFURCATION;
        k->dropped = 0;
    }
    return nc;
}

static int cmp_cand_x(const void *a, const void *b)
{
    const cand *p = a, *q = b;
    if (p->x != q->x)
        return (p->x > q->x) - (p->x < q->x);
    return (p->y > q->y) - (p->y < q->y);
}

/* Candidates are sorted by x, so neighbours within `reach` are found by
 * scanning forward while x stays within reach: O(n k), not O(n^2). */
static void geometric_rules(const fp_work *w, cand *c, size_t nc)
{
    const float reach = 2.0f * FP_PERIOD_MAX;
    qsort(c, nc, sizeof *c, cmp_cand_x);
    /* Broken ridges: endings facing each other along the flow. */
    for (size_t i = 0; i < nc; i++) {
        if (c[i].type != TERN_MINUTIA_ENDING)
            continue;
        for (size_t j = i + 1; j < nc && c[j].x - c[i].x <= reach; j++) {
            if (c[j].type != TERN_MINUTIA_ENDING)
                continue;
            float dx = c[j].x - c[i].x, dy = c[j].y - c[i].y, d = sqrtf(dx * dx + dy * dy);
            float T = period_at(w, c[i].x, c[i].y);
            if (d > 2.0f * T || d < 1e-3f)
                continue;
            float g = atan2f(dy, dx); /* from i to j */
            const float lim = (float)(50.0 * FP_PI / 180.0);
            if (angdiff(c[i].angle, g + (float)FP_PI) < lim && angdiff(c[j].angle, g) < lim)
                c[i].dropped = c[j].dropped = 1;
        }
    }
    for (size_t i = 0; i < nc; i++) {
        size_t b = block_of(w, c[i].x, c[i].y);
        float T = period_at(w, c[i].x, c[i].y);
        float bd = w->border[(size_t)lrintf(c[i].y) * w->w + (size_t)lrintf(c[i].x)];
        /* Low ridge-valley clarity is not a reason to drop: it marks where
         * the enhancement and the grey image disagree, which is also where
         * many true minutiae lie; it lowers the minutia's quality instead. */
        if (bd < 0.9f * T || w->orel[b] < 0.2f)
            c[i].dropped = 1;
    }
    /* Clusters. */
    uint8_t *crowd = calloc(nc ? nc : 1, 1);
    if (!crowd)
        return;
    for (size_t i = 0; i < nc; i++) {
        int near = 0;
        float T = period_at(w, c[i].x, c[i].y);
        for (size_t j = i; j-- > 0 && c[i].x - c[j].x <= reach;) {
            float dx = c[j].x - c[i].x, dy = c[j].y - c[i].y;
            near += dx * dx + dy * dy < 0.64f * T * T;
        }
        for (size_t j = i + 1; j < nc && c[j].x - c[i].x <= reach; j++) {
            float dx = c[j].x - c[i].x, dy = c[j].y - c[i].y;
            near += dx * dx + dy * dy < 0.64f * T * T;
        }
        crowd[i] = near >= 2;
    }
    for (size_t i = 0; i < nc; i++)
        c[i].dropped |= crowd[i];
    free(crowd);
}

tern_status fp_minutiae(fp_work *w, tern_error *err)
{
    fp_graph g;
    tern_status st = fp_graph_build(&g, w, err);
    if (st != TERN_OK) {
        fp_graph_free(&g);
        return st;
    }
    drop_rules(&g, w);
    cand *c = malloc((g.n_node ? g.n_node : 1) * sizeof *c);
    if (!c) {
        fp_graph_free(&g);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for minutiae");
    }
    size_t nc = directions(&g, w, c);
    geometric_rules(w, c, nc);
    size_t keep = 0;
    for (size_t i = 0; i < nc; i++)
        keep += !c[i].dropped;
    w->min = malloc((keep ? keep : 1) * sizeof *w->min);
    if (!w->min) {
        free(c);
        fp_graph_free(&g);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for minutiae");
    }
    w->n_min = 0;
    for (size_t i = 0; i < nc; i++) {
        if (c[i].dropped)
            continue;
        size_t b = block_of(w, c[i].x, c[i].y);
        float T = period_at(w, c[i].x, c[i].y);
        float bd = w->border[(size_t)lrintf(c[i].y) * w->w + (size_t)lrintf(c[i].x)];
        float q = 0.5f * w->orel[b] + 0.5f * fp_clampf(w->clarity[b] / 0.8f, 0, 1);
        q *= fp_clampf(0.5f + bd / (6.0f * T), 0, 1);
        fp_minutia *m = &w->min[w->n_min++];
        m->x = c[i].x, m->y = c[i].y;
        float a = fmodf(c[i].angle, 2.0f * (float)FP_PI);
        m->angle = a < 0 ? a + 2.0f * (float)FP_PI : a;
        m->type = c[i].type;
        m->quality = (uint8_t)fp_clampi((int)lrintf(100.0f * q), 1, 100);
    }
    free(c);
    fp_graph_free(&g);
    return TERN_OK;
}
