/* thin.c - binarisation and thinning of the enhanced image.
 *
 * Binarisation: the sign of the zero-mean Gabor response (Hong et al. 1998,
 * section 3), inside the foreground mask.
 *
 * Thinning: Zhang & Suen, "A fast parallel algorithm for thinning digital
 * patterns", CACM 27(3), 1984, with both sub-iterations as 256-entry lookup
 * tables over the 8-neighbourhood, followed by sequential removal of the
 * remaining simple points that are not end points (Hilditch's 8-connectivity
 * crossing number X_H = 1; Lam, Lee & Suen, "Thinning methodologies - a
 * comprehensive survey", IEEE TPAMI 14(9), 1992). Afterwards every skeleton
 * pixel with two neighbours lies on a plain ridge line whose two neighbours
 * are not adjacent to each other, which the skeleton tracer relies on.
 *
 * Neighbour bit order used throughout src/finger: bit 0 = E, 1 = NE, 2 = N,
 * 3 = NW, 4 = W, 5 = SW, 6 = S, 7 = SE (counter-clockwise as displayed).
 */
#include <stdlib.h>
#include <string.h>

#include "finger/finger_internal.h"


static inline int nbits(const uint8_t *s, size_t i, int W)
{
    const uint8_t *p = s + i;
    return p[1] | p[1 - W] << 1 | p[-W] << 2 | p[-W - 1] << 3 | p[-1] << 4 | p[W - 1] << 5 |
           p[W] << 6 | p[W + 1] << 7;
}

static int popcount8(int v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* Zhang-Suen conditions for neighbourhood v, sub-iteration it (0 or 1).
 * In their notation P2 = N, P3 = NE, P4 = E, P5 = SE, P6 = S, P7 = SW,
 * P8 = W, P9 = NW. */
static int zs_removable(int v, int it)
{
    int P[10];
    static const int bit_of[10] = {0, 0, 2, 1, 0, 7, 6, 5, 4, 3};
    for (int i = 2; i <= 9; i++)
        P[i] = (v >> bit_of[i]) & 1;
    int B = popcount8(v), A = 0;
    for (int i = 2; i <= 9; i++)
        A += !P[i] && P[i == 9 ? 2 : i + 1];
    if (B < 2 || B > 6 || A != 1)
        return 0;
    if (it == 0)
        return !(P[2] && P[4] && P[6]) && !(P[4] && P[6] && P[8]);
    return !(P[2] && P[4] && P[8]) && !(P[2] && P[6] && P[8]);
}

/* Simple (8-connectivity) and not an end point: removable without changing
 * the topology or shortening a line. */
static int simple_removable(int v)
{
    int x[9];
    for (int k = 0; k < 8; k++)
        x[k] = (v >> k) & 1;
    x[8] = x[0];
    if (popcount8(v) < 2)
        return 0;
    if (x[0] && x[2] && x[4] && x[6])
        return 0; /* interior point */
    int xh = 0;
    for (int i = 0; i < 4; i++)
        xh += !x[2 * i] && (x[2 * i + 1] || x[2 * i + 2]);
    return xh == 1;
}

tern_status fp_thin(fp_work *w, tern_error *err)
{
    const int W = w->w, H = w->h;
    uint8_t *s = w->skel;
    uint8_t lut[3][256];
    for (int v = 0; v < 256; v++) {
        lut[0][v] = (uint8_t)zs_removable(v, 0);
        lut[1][v] = (uint8_t)zs_removable(v, 1);
        lut[2][v] = (uint8_t)simple_removable(v);
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            size_t i = (size_t)y * W + x;
            /* One-pixel frame of background so neighbourhoods stay inside. */
            int edge = x == 0 || y == 0 || x == W - 1 || y == H - 1;
            s[i] = (uint8_t)(!edge && w->mask[i] && w->enh[i] > 0);
        }
    /* Only set pixels can change: keep them in a list, compacted as pixels
     * are deleted, instead of scanning the whole image each sub-iteration. */
    size_t n = 0;
    for (size_t i = 0; i < (size_t)W * H; i++)
        n += s[i];
    size_t *list = malloc((n ? n : 1) * sizeof *list), *del = malloc((n ? n : 1) * sizeof *del);
    if (!list || !del) {
        free(list), free(del);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for thinning");
    }
    n = 0;
    for (size_t i = 0; i < (size_t)W * H; i++)
        if (s[i])
            list[n++] = i;
    for (int changed = 1, iter = 0; changed && iter < 100; iter++) {
        changed = 0;
        for (int it = 0; it < 2; it++) {
            size_t nd = 0;
            for (size_t k = 0; k < n; k++)
                if (lut[it][nbits(s, list[k], W)])
                    del[nd++] = k;
            for (size_t k = 0; k < nd; k++)
                s[list[del[k]]] = 0;
            if (nd) {
                size_t m = 0;
                for (size_t k = 0; k < n; k++)
                    if (s[list[k]])
                        list[m++] = list[k];
                n = m;
                changed = 1;
            }
        }
    }
    free(del);
    for (int pass = 0; pass < 3; pass++) {
        int changed = 0;
        for (size_t k = 0; k < n; k++) { /* the list is in raster order */
            size_t i = list[k];
            if (s[i] && lut[2][nbits(s, i, W)]) {
                s[i] = 0;
                changed = 1;
            }
        }
        if (!changed)
            break;
    }
    free(list);
    return TERN_OK;
}
