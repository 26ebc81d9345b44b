/* minutiae.c - minutiae from the skeleton, as a graph.
 *
 * Detection: the crossing number on the thinned ridge skeleton (Maltoni et
 * al., Handbook of Fingerprint Recognition, 2nd ed., section 3.7.1): after
 * thin.c a skeleton pixel with one neighbour ends a ridge and one with three
 * or more neighbours is a junction (8-connected junction pixels form one
 * node). Rather than judging minutiae one by one, we trace the skeleton
 * into a graph whose nodes are endings and junctions and whose edges are the
 * ridge lines between them, as SourceAFIS does ("skeleton", "dots, pores,
 * gaps, tails, fragments" on its transparency pages), and apply structural
 * rules for false minutiae (Handbook section 3.7.2; Xiao & Raafat 1991;
 * Tico & Kuosmanen 2000): filter.c holds the rules.
 *
 * Direction (ISO/IEC 19794-2:2005 and ANSI/NIST-ITL EFS semantics): a ridge
 * ending points from the ending along its ridge; a bifurcation points along
 * the valley between its two branches (the bisector of the two rays that
 * form the smallest angle). Rays are traced along the skeleton and the angle
 * is then snapped to the smoothed orientation field, which is more precise
 * than a short digital line.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "finger/minutiae_graph.h"

static const int DX[8] = {1, 1, 0, -1, -1, -1, 0, 1};
static const int DY[8] = {0, -1, -1, -1, 0, 1, 1, 1};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return 0;
    *p = q;
    *cap = c;
    return 1;
}

void fp_graph_free(fp_graph *g)
{
    free(g->node), free(g->edge), free(g->path), free(g->nodeid), free(g->adj0), free(g->adj);
    memset(g, 0, sizeof *g);
}

static int add_node(fp_graph *g, float x, float y, int degree_hint)
{
    if (!grow((void **)&g->node, &g->cap_node, g->n_node + 1, sizeof *g->node))
        return -1;
    fp_node *n = &g->node[g->n_node];
    memset(n, 0, sizeof *n);
    n->x = x, n->y = y;
    n->kind = degree_hint == 1 ? FP_NODE_ENDING : FP_NODE_JUNCTION;
    return (int)g->n_node++;
}

/* Labels node pixels: endings alone, junction pixels by 8-connected groups. */
static tern_status label_nodes(fp_graph *g, const fp_work *w, const uint8_t *deg, tern_error *err)
{
    const int W = w->w, H = w->h;
    size_t n = (size_t)W * H;
    int *stack = malloc(n * sizeof *stack);
    if (!stack)
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for the skeleton graph");
    for (size_t i = 0; i < n; i++)
        g->nodeid[i] = -1;
    for (int y = 1; y < H - 1; y++)
        for (int x = 1; x < W - 1; x++) {
            size_t i = (size_t)y * W + x;
            if (!w->skel[i] || deg[i] == 2 || deg[i] == 0 || g->nodeid[i] >= 0)
                continue;
            if (deg[i] == 1) {
                int id = add_node(g, (float)x, (float)y, 1);
                if (id < 0)
                    goto nomem;
                g->nodeid[i] = id;
                continue;
            }
            int id = add_node(g, 0, 0, 3);
            if (id < 0)
                goto nomem;
            size_t sp = 0, cnt = 0;
            double sx = 0, sy = 0;
            stack[sp++] = (int)i;
            g->nodeid[i] = id;
            while (sp) {
                int p = stack[--sp], px = p % W, py = p / W;
                sx += px, sy += py, cnt++;
                for (int k = 0; k < 8; k++) {
                    int q = p + DY[k] * W + DX[k];
                    if (w->skel[q] && deg[q] >= 3 && g->nodeid[q] < 0) {
                        g->nodeid[q] = id;
                        stack[sp++] = q;
                    }
                }
            }
            g->node[id].x = (float)(sx / cnt);
            g->node[id].y = (float)(sy / cnt);
        }
    free(stack);
    return TERN_OK;
nomem:
    free(stack);
    return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for the skeleton graph");
}

static int add_edge(fp_graph *g, int a, int b, size_t path0, size_t npath, float len)
{
    if (!grow((void **)&g->edge, &g->cap_edge, g->n_edge + 1, sizeof *g->edge))
        return 0;
    fp_edge *e = &g->edge[g->n_edge++];
    e->a = a, e->b = b;
    e->path0 = path0, e->npath = npath;
    e->len = len;
    e->alive = 1;
    g->node[a].degree++;
    if (b >= 0)
        g->node[b].degree++;
    return 1;
}

static int push_path(fp_graph *g, int p)
{
    if (!grow((void **)&g->path, &g->cap_path, g->n_path + 1, sizeof *g->path))
        return 0;
    g->path[g->n_path++] = p;
    return 1;
}

/* Traces every ridge line between nodes once. */
static tern_status trace_edges(fp_graph *g, const fp_work *w, const uint8_t *deg, tern_error *err)
{
    const int W = w->w;
    size_t n = (size_t)W * w->h;
    uint8_t *seen = calloc(n, 1);
    if (!seen)
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for the skeleton graph");
    for (size_t i = 0; i < n; i++) {
        int a = g->nodeid[i];
        if (a < 0)
            continue;
        for (int k = 0; k < 8; k++) {
            int q = (int)i + DY[k] * W + DX[k];
            if (!w->skel[q])
                continue;
            int bq = g->nodeid[q];
            if (bq == a)
                continue;
            if (bq >= 0) { /* two nodes touching: an edge of length 1, once */
                if (a < bq) {
                    int dup = 0;
                    for (size_t e = 0; e < g->n_edge; e++)
                        dup |= g->edge[e].a == a && g->edge[e].b == bq && g->edge[e].npath == 0;
                    if (!dup && !add_edge(g, a, bq, g->n_path, 0, 1.0f))
                        goto nomem;
                }
                continue;
            }
            if (seen[q])
                continue;
            size_t p0 = g->n_path;
            float len = (k & 1) ? 1.41421356f : 1.0f;
            int prev = (int)i, cur = q, end = -1;
            while (!seen[cur]) {
                /* cur is a plain ridge pixel: exactly two neighbours (thin.c). */
                seen[cur] = 1;
                if (!push_path(g, cur))
                    goto nomem;
                int next = -1, nk = 0;
                for (int j = 0; j < 8 && next < 0; j++) {
                    int r = cur + DY[j] * W + DX[j];
                    if (w->skel[r] && r != prev)
                        next = r, nk = j;
                }
                if (next < 0)
                    break;
                len += (nk & 1) ? 1.41421356f : 1.0f;
                if (g->nodeid[next] >= 0) {
                    end = g->nodeid[next];
                    break;
                }
                prev = cur, cur = next;
            }
            (void)deg;
            if (end >= 0 && !add_edge(g, a, end, p0, g->n_path - p0, len))
                goto nomem;
        }
    }
    free(seen);
    return TERN_OK;
nomem:
    free(seen);
    return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for the skeleton graph");
}

tern_status fp_graph_build(fp_graph *g, const fp_work *w, tern_error *err)
{
    const int W = w->w, H = w->h;
    size_t n = (size_t)W * H;
    memset(g, 0, sizeof *g);
    g->w = W;
    g->nodeid = malloc(n * sizeof *g->nodeid);
    uint8_t *deg = calloc(n, 1);
    if (!g->nodeid || !deg) {
        free(deg);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for the skeleton graph");
    }
    for (int y = 1; y < H - 1; y++)
        for (int x = 1; x < W - 1; x++) {
            size_t i = (size_t)y * W + x;
            if (!w->skel[i])
                continue;
            int c = 0;
            for (int k = 0; k < 8; k++)
                c += w->skel[i + DY[k] * W + DX[k]];
            deg[i] = (uint8_t)c;
        }
    tern_status st = label_nodes(g, w, deg, err);
    if (st == TERN_OK)
        st = trace_edges(g, w, deg, err);
    free(deg);
    if (st != TERN_OK)
        return st;
    /* Incidence lists (a loop appears twice at its node). */
    g->adj0 = calloc(g->n_node + 1, sizeof *g->adj0);
    g->adj = malloc((2 * g->n_edge + 1) * sizeof *g->adj);
    if (!g->adj0 || !g->adj)
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for the skeleton graph");
    for (size_t e = 0; e < g->n_edge; e++)
        g->adj0[g->edge[e].a + 1]++, g->adj0[g->edge[e].b + 1]++;
    for (size_t i = 0; i < g->n_node; i++)
        g->adj0[i + 1] += g->adj0[i];
    size_t *fill = calloc(g->n_node + 1, sizeof *fill);
    if (!fill)
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for the skeleton graph");
    for (size_t e = 0; e < g->n_edge; e++) {
        int a = g->edge[e].a, b = g->edge[e].b;
        g->adj[g->adj0[a] + fill[a]++] = e;
        g->adj[g->adj0[b] + fill[b]++] = e;
    }
    free(fill);
    return TERN_OK;
}

/* The point at arc length `dist` from node `from` along edge e (the far end
 * if the edge is shorter). */
void fp_edge_point(const fp_graph *g, const fp_edge *e, int from_a, float dist, float *x, float *y)
{
    size_t n = e->npath;
    const fp_node *far = &g->node[from_a ? e->b : e->a];
    if (n == 0) {
        *x = far->x, *y = far->y;
        return;
    }
    size_t k = (size_t)dist;
    if (k >= n) {
        *x = far->x, *y = far->y;
        return;
    }
    int p = g->path[e->path0 + (from_a ? k : n - 1 - k)];
    *x = (float)(p % g->w), *y = (float)(p / g->w);
}
