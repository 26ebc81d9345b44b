/* wsq_tree.c - the geometry of the WSQ subband decomposition (FBI WSQ spec
 * v3.1, Part 1 Annex A, Figures A.1 and A.2): which rectangles the filter bank
 * splits, in which order, and where the 64 subbands lie.
 *
 * Every split cuts a rectangle into four quadrants. Along an odd length the
 * lowpass half is one sample longer; a split whose highpass half comes first
 * ("spectral inversion") therefore gives its first half the shorter length.
 * A region inherits its inversion from the quadrant it occupies in its parent:
 * top-left none, top-right along x, bottom-left along y, bottom-right both.
 * The tree shape (which quadrants are split again, and the numbering of the
 * splits and subbands) is fixed by the spec and held in two tables below. */
#include "img/wsq_internal.h"

enum { TL, TR, BL, BR };

/* Splits in analysis order: {parent split, quadrant of the parent}. Node 0 is
 * the whole image. */
static const int8_t wnode_parent[WSQ_WNODES][2] = {
    {-1, TL}, {0, TL},  {0, TR},  {0, BL},  {1, TR},  {1, BL},  {4, TL},
    {4, TR},  {4, BL},  {4, BR},  {5, TL},  {5, TR},  {5, BL},  {5, BR},
    {1, TL},  {14, TL}, {14, TR}, {14, BL}, {14, BR}, {15, TL},
};

/* Subbands 0..59: {split whose quadrant it is, quadrant}. */
static const int8_t subband_parent[WSQ_CODED_SUBBANDS][2] = {
    {19, TL}, {19, TR}, {19, BL}, {19, BR}, {15, TR}, {15, BL}, {15, BR},
    {16, TL}, {16, TR}, {16, BL}, {16, BR}, {17, TL}, {17, TR}, {17, BL},
    {17, BR}, {18, TL}, {18, TR}, {18, BL}, {18, BR}, {6, TL},  {6, TR},
    {6, BL},  {6, BR},  {7, TL},  {7, TR},  {7, BL},  {7, BR},  {8, TL},
    {8, TR},  {8, BL},  {8, BR},  {9, TL},  {9, TR},  {9, BL},  {9, BR},
    {10, TL}, {10, TR}, {10, BL}, {10, BR}, {11, TL}, {11, TR}, {11, BL},
    {11, BR}, {12, TL}, {12, TR}, {12, BL}, {12, BR}, {13, TL}, {13, TR},
    {13, BL}, {13, BR}, {1, BR},  {2, TL},  {2, TR},  {2, BL},  {2, BR},
    {3, TL},  {3, TR},  {3, BL},  {3, BR},
};

/* The quadrant `which` of split n. */
static wsq_rect quadrant(const wsq_wnode *n, int which)
{
    uint32_t w_first = n->inv_x ? n->r.w / 2 : (n->r.w + 1) / 2;
    uint32_t h_first = n->inv_y ? n->r.h / 2 : (n->r.h + 1) / 2;
    bool right = which == TR || which == BR, bottom = which == BL || which == BR;
    wsq_rect q;
    q.x = n->r.x + (right ? w_first : 0);
    q.y = n->r.y + (bottom ? h_first : 0);
    q.w = right ? n->r.w - w_first : w_first;
    q.h = bottom ? n->r.h - h_first : h_first;
    return q;
}

void wsq_tree_build(uint32_t width, uint32_t height, wsq_tree *t)
{
    for (int i = 0; i < WSQ_WNODES; i++) {
        wsq_wnode *n = &t->w[i];
        int parent = wnode_parent[i][0], where = wnode_parent[i][1];
        if (parent < 0)
            n->r = (wsq_rect){0, 0, width, height};
        else
            n->r = quadrant(&t->w[parent], where);
        n->inv_x = where == TR || where == BR;
        n->inv_y = where == BL || where == BR;
    }
    for (int i = 0; i < WSQ_SUBBANDS; i++)
        t->q[i] = (wsq_rect){0, 0, 0, 0};
    for (int i = 0; i < WSQ_CODED_SUBBANDS; i++)
        t->q[i] = quadrant(&t->w[subband_parent[i][0]], subband_parent[i][1]);
}
