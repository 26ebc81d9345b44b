/* singular.c - singular points (cores and deltas) by the Poincare index.
 *
 * Method: Kawagoe & Tojo, "Fingerprint pattern classification", Pattern
 * Recognition 17(3), 1984; Bazen & Gerez, IEEE TPAMI 24(7), 2002, section 4;
 * Maltoni et al., Handbook of Fingerprint Recognition, 2nd ed., section
 * 3.5.1. The orientation field is smoothed further (a Gaussian of 2 blocks
 * over the doubled-angle vectors), then around each foreground block the
 * doubled angle 2t is followed along the closed ring of its 8 neighbours,
 * each step wrapped to (-pi, pi]. The total is 2 pi times twice the index:
 * +2 pi (index +1/2) is a core (loop), -2 pi (index -1/2) a delta. The ring
 * is traversed in the same sense as angles are measured (from +x towards +y,
 * image coordinates), so the sign is convention-independent. Adjacent
 * detections of one kind are merged into their centroid.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "finger/finger_internal.h"

static const int RX[8] = {1, 1, 0, -1, -1, -1, 0, 1};
static const int RY[8] = {0, 1, 1, 1, 0, -1, -1, -1};

tern_status fp_singular_points(fp_work *w, tern_error *err)
{
    const int bw = w->bw, bh = w->bh;
    size_t nb = (size_t)bw * bh;
    float *buf = calloc(3 * nb, sizeof *buf);
    int8_t *idx = calloc(nb, 1);
    int *stack = malloc(nb * sizeof *stack);
    if (!buf || !idx || !stack) {
        free(buf), free(idx), free(stack);
        return tern_error_set(err, TERN_E_NOMEM, "extract: out of memory for singular points");
    }
    float *sx = buf, *sy = buf + nb, *wt = buf + 2 * nb;
    for (size_t i = 0; i < nb; i++)
        wt[i] = w->fg[i] ? 1.0f : 0.05f;
    fp_smooth_vectors(bw, bh, w->ox, w->oy, wt, 2.0f, sx, sy, NULL);
    for (int by = 2; by < bh - 2; by++)
        for (int bx = 2; bx < bw - 2; bx++) {
            int inside = 1;
            for (int dy = -2; dy <= 2 && inside; dy++)
                for (int dx = -2; dx <= 2; dx++)
                    inside &= w->fg[(size_t)(by + dy) * bw + bx + dx];
            if (!inside)
                continue;
            float sum = 0;
            for (int k = 0; k < 8; k++) {
                size_t a = (size_t)(by + RY[k]) * bw + bx + RX[k];
                size_t b = (size_t)(by + RY[(k + 1) & 7]) * bw + bx + RX[(k + 1) & 7];
                /* wrapped difference of doubled angles, via the cross and dot products */
                sum += atan2f(sx[a] * sy[b] - sy[a] * sx[b], sx[a] * sx[b] + sy[a] * sy[b]);
            }
            if (sum > (float)FP_PI)
                idx[(size_t)by * bw + bx] = 1;
            else if (sum < -(float)FP_PI)
                idx[(size_t)by * bw + bx] = -1;
        }
    w->n_sing = 0;
    for (size_t i = 0; i < nb; i++) {
        if (!idx[i])
            continue;
        int8_t kind = idx[i];
        double cx = 0, cy = 0;
        size_t n = 0, sp = 0;
        stack[sp++] = (int)i;
        idx[i] = 0;
        while (sp) {
            int p = stack[--sp], px = p % bw, py = p / bw;
            cx += px, cy += py, n++;
            for (int k = 0; k < 8; k++) {
                int X = px + RX[k], Y = py + RY[k];
                if (X < 0 || Y < 0 || X >= bw || Y >= bh || idx[(size_t)Y * bw + X] != kind)
                    continue;
                idx[(size_t)Y * bw + X] = 0;
                stack[sp++] = Y * bw + X;
            }
        }
        if (w->n_sing < TERN_TEMPLATE_MAX_SINGULAR) {
            fp_singular *s = &w->sing[w->n_sing++];
            s->x = (float)((cx / n + 0.5) * FP_BLOCK);
            s->y = (float)((cy / n + 0.5) * FP_BLOCK);
            s->type = kind > 0 ? TERN_SINGULAR_CORE : TERN_SINGULAR_DELTA;
        }
    }
    free(buf), free(idx), free(stack);
    return TERN_OK;
}
