/* minutiae_graph.h - the skeleton graph shared by minutiae.c (building it)
 * and filter.c (removing false minutiae and emitting the true ones). */
#ifndef TERN_MINUTIAE_GRAPH_H
#define TERN_MINUTIAE_GRAPH_H

#include "finger/finger_internal.h"

enum { FP_NODE_ENDING = 1, FP_NODE_JUNCTION = 2 };

typedef struct fp_node {
    float x, y;      /* working pixels (junctions: centroid of the cluster) */
    uint8_t kind;    /* FP_NODE_ENDING or FP_NODE_JUNCTION */
    uint8_t degree;  /* number of edge ends at the node */
    uint8_t dropped; /* judged false: not a minutia */
} fp_node;

typedef struct fp_edge {
    int a, b;        /* node ids; a == b for a loop */
    size_t path0;    /* first path pixel in fp_graph.path (from a towards b) */
    size_t npath;    /* ridge pixels strictly between the nodes */
    float len;       /* length in pixels */
    uint8_t alive;
} fp_edge;

typedef struct fp_graph {
    int w;           /* image width, to decode pixel indices */
    fp_node *node;
    size_t n_node, cap_node;
    fp_edge *edge;
    size_t n_edge, cap_edge;
    int *path;       /* pixel indices */
    size_t n_path, cap_path;
    int *nodeid;     /* per pixel: node id or -1 */
    size_t *adj0;    /* incidence lists: edges of node i are adj[adj0[i] .. adj0[i+1]) */
    size_t *adj;
} fp_graph;

tern_status fp_graph_build(fp_graph *g, const fp_work *w, tern_error *err);
void fp_graph_free(fp_graph *g);
/* The point at arc length ~dist pixels from one end of e: from node a if
 * from_a, else from node b. */
void fp_edge_point(const fp_graph *g, const fp_edge *e, int from_a, float dist, float *x, float *y);

#endif
