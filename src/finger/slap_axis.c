/* slap_axis.c - the hand's axis in a slap (tern/slap.h; slap_internal.h):
 * the rotation, within ANGLE_LIMIT of upright, whose projection of the
 * ridge blocks across the fingers best parts them into the expected number
 * of fingers.
 *
 * The projection approach is NIST's NFSEG (NBIS) and that of the systems
 * evaluated in SlapSeg04 (Ulery et al., "Studies of Biometric Fusion:
 * Slap Fingerprint Segmentation Evaluation", NISTIR 7209, 2005), which
 * names rotated hands and touching fingers as the main causes of
 * segmentation failure. Here, for every rotation:
 * - the columns are the partition of the projection into n fingers with
 *   the least within-column scatter (Fisher's criterion; optimal 1-D
 *   k-means by dynamic programming, Wang & Song, R Journal 3(2), 2011),
 *   each cut then moved to the projection's lowest point nearby;
 * - a rotation is scored by that scatter (relative to the least over all
 *   rotations: a finger is longer than wide, so it projects narrowest
 *   along its own axis), plus how far the projection at the cuts is from
 *   a gap (saturating at VALLEY of its peak: touching fingers have no gap,
 *   and then the scatter decides), plus the ridge-flow prior: ridges run
 *   mostly across a finger (arches and loops above the core, the
 *   transverse ridges and flexion creases of the lower phalanges), so the
 *   summed structure tensor's axis, weighted by its coherence, pulls
 *   towards the hand's axis (on NIST's ink card its coherence is 0.03-0.08
 *   and it weighs nothing);
 * - a cut with no gap must fall on a notch of the hand's upper outline,
 *   as between round fingertips that touch lower down; otherwise the
 *   rotation does not part n fingers (a lone fingertip is not cut into
 *   four).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "slap_internal.h"

#define ANGLE_LIMIT 50 /* degrees either way of upright */
#define VALLEY 0.5     /* a projection above this fraction of its peak parts no fingers */
#define NOTCH 0.05     /* touching fingertips: notch depth, in finger widths */

/* Scratch of find_axis, K bins. */
typedef struct proj {
    int K;
    double *cnt, *su, *su2; /* prefix sums over bins of count, u, u^2 */
    double *hs;             /* smoothed projection */
    double *dp;
    int *from;
} proj;

/* Scatter (sum of squared deviations of u) of the blocks in bins [p, c). */
static double col_sse(const proj *q, int p, int c)
{
    double n = q->cnt[c] - q->cnt[p], s = q->su[c] - q->su[p], s2 = q->su2[c] - q->su2[p];
    return n > 0 ? s2 - s * s / n : 0;
}

/* The n columns of a projection (bins of count h and u sums) with the least
 * within-column scatter: Fisher's criterion for 1-D clustering, solved
 * exactly by dynamic programming over the cut positions (as optimal 1-D
 * k-means, Wang & Song, R Journal 2011), each column at least
 * MIN_FINGER_W bins wide and holding min_mass blocks. Then each cut moves
 * to the lowest point of the projection within a quarter of its columns'
 * widths (touching fingers part where the projection dips). */
static bool scatter_cuts(proj *q, const int *h, const double *hu, const double *hu2,
                         const double *vt, int k, int n, double min_mass, split *sp)
{
    q->cnt[0] = q->su[0] = q->su2[0] = 0;
    for (int i = 0; i < k; i++) {
        q->cnt[i + 1] = q->cnt[i] + h[i];
        q->su[i + 1] = q->su[i] + hu[i];
        q->su2[i + 1] = q->su2[i] + hu2[i];
        q->hs[i] = (2.0 * h[i] + (i ? h[i - 1] : 0) + (i + 1 < k ? h[i + 1] : 0)) / 4.0;
    }
    sp->cut[0] = 0;
    sp->cut[n] = k;
    /* dp[j * (k + 1) + c]: least scatter of columns 0..j with column j ending at bin c */
    int K1 = k + 1;
    for (int j = 0; j < n; j++)
        for (int c = 0; c <= k; c++) {
            double best = INFINITY;
            int arg = -1;
            if (j == 0) {
                if (c >= MIN_FINGER_W && q->cnt[c] >= min_mass)
                    best = col_sse(q, 0, c), arg = 0;
            } else {
                for (int p = MIN_FINGER_W; p + MIN_FINGER_W <= c; p++) {
                    double v = q->dp[(j - 1) * K1 + p];
                    if (v == INFINITY || q->cnt[c] - q->cnt[p] < min_mass)
                        continue;
                    v += col_sse(q, p, c);
                    if (v < best)
                        best = v, arg = p;
                }
            }
            q->dp[j * K1 + c] = best;
            q->from[j * K1 + c] = arg;
        }
    double total = q->dp[(n - 1) * K1 + k];
    if (total == INFINITY)
        return false;
    int c = k;
    for (int j = n - 1; j >= 1; j--) {
        c = q->from[j * K1 + c];
        sp->cut[j] = c;
    }
    sp->scatter = total / q->cnt[k];
    for (int j = 1; j < n; j++) {
        int lo = sp->cut[j] - (sp->cut[j] - sp->cut[j - 1]) / 4;
        int hi = sp->cut[j] + (sp->cut[j + 1] - sp->cut[j]) / 4;
        int arg = sp->cut[j];
        for (int i = lo; i <= hi && i < k; i++)
            if (q->hs[i] < q->hs[arg] ||
                (q->hs[i] == q->hs[arg] && abs(i - sp->cut[j]) < abs(arg - sp->cut[j])))
                arg = i;
        if (arg - sp->cut[j - 1] >= MIN_FINGER_W / 2 && sp->cut[j + 1] - arg >= MIN_FINGER_W / 2)
            sp->cut[j] = arg;
    }
    double peak = 0;
    for (int i = 0; i < k; i++)
        peak = q->hs[i] > peak ? q->hs[i] : peak;
    sp->valley = 0;
    for (int j = 1; j < n; j++) {
        int m = sp->cut[j];
        double low = peak > 0 ? q->hs[m] / (VALLEY * peak) : 0;
        sp->valley += fmin(1, low);
        if (low < 1)
            continue;
        /* no gap: the fingers touch, and their round tips must leave a
         * notch in the hand's upper outline (vt: the highest block of
         * each bin along the axis) at the cut */
        double top_l = -INFINITY, top_r = -INFINITY, notch = INFINITY;
        for (int i = sp->cut[j - 1]; i < m; i++)
            top_l = vt[i] > top_l ? vt[i] : top_l;
        for (int i = m; i < sp->cut[j + 1]; i++)
            top_r = vt[i] > top_r ? vt[i] : top_r;
        for (int i = m - 2; i <= m + 2; i++)
            if (i >= 0 && i < k)
                notch = vt[i] < notch ? vt[i] : notch;
        double w = BLK * fmin(m - sp->cut[j - 1], sp->cut[j + 1] - m);
        if (fmin(top_l, top_r) - notch < NOTCH * w)
            return false;
    }
    return true;
}

/* The hand's axis: the rotation whose projection across the fingers splits
 * into n columns with the least within-column scatter. Each finger is
 * longer than it is wide, so its blocks project narrowest when the axis
 * runs along it; off the axis by a, a finger of length L and width w
 * spreads by (w cos a)^2 + (L sin a)^2. Rotations are searched within
 * ANGLE_MAX of the ridge prior `prior` (radians; see ridge_blocks). */
tern_status slap_find_axis(const blocks *b, int n, double prior, double prior_coh, split *best,
                           tern_error *err)
{
    double extent = 0;
    for (int i = 0; i < b->n; i++) {
        double r = sqrt(b->x[i] * b->x[i] + b->y[i] * b->y[i]);
        if (r > extent)
            extent = r;
    }
    int K = (int)(2 * extent / BLK) + 2;
    proj q = {K, NULL, NULL, NULL, NULL, NULL, NULL};
    q.cnt = malloc((size_t)(K + 1) * sizeof *q.cnt);
    q.su = malloc((size_t)(K + 1) * sizeof *q.su);
    q.su2 = malloc((size_t)(K + 1) * sizeof *q.su2);
    q.hs = malloc((size_t)K * sizeof *q.hs);
    q.dp = malloc((size_t)(K + 1) * n * sizeof *q.dp);
    q.from = malloc((size_t)(K + 1) * n * sizeof *q.from);
    int *h = malloc((size_t)K * sizeof *h);
    double *hu = malloc((size_t)K * sizeof *hu), *hu2 = malloc((size_t)K * sizeof *hu2);
    double *vt = malloc((size_t)K * sizeof *vt);
    tern_status rc = TERN_E_QUALITY;
    if (!q.cnt || !q.su || !q.su2 || !q.hs || !q.dp || !q.from || !h || !hu || !hu2 || !vt) {
        rc = tern_error_set(err, TERN_E_NOMEM, "slap: out of memory");
        goto done;
    }
    best->scatter = INFINITY;
    split all[2 * ANGLE_LIMIT + 1];
    int na = 0;
    double smin = INFINITY;
    for (int step = 0; step <= 2 * ANGLE_LIMIT; step++) {
        /* outwards from upright, so that ties keep the smaller rotation */
        int a = (step & 1) ? (step + 1) / 2 : -(step / 2);
        split sp;
        memset(&sp, 0, sizeof sp);
        sp.theta = a * DEG;
        double c = cos(sp.theta), s = sin(sp.theta), umin = INFINITY, umax = -INFINITY;
        for (int i = 0; i < b->n; i++) {
            double u = u_of(b->x[i], b->y[i], c, s);
            umin = u < umin ? u : umin;
            umax = u > umax ? u : umax;
        }
        int k = (int)((umax - umin) / BLK) + 1;
        memset(h, 0, (size_t)K * sizeof *h);
        memset(hu, 0, (size_t)K * sizeof *hu);
        memset(hu2, 0, (size_t)K * sizeof *hu2);
        for (int i = 0; i < K; i++)
            vt[i] = -INFINITY;
        for (int i = 0; i < b->n; i++) {
            double u = u_of(b->x[i], b->y[i], c, s) - umin;
            int bin = (int)(u / BLK);
            double v = v_of(b->x[i], b->y[i], c, s);
            h[bin]++, hu[bin] += u, hu2[bin] += u * u;
            vt[bin] = v > vt[bin] ? v : vt[bin];
        }
        sp.u0 = umin;
        sp.ok = scatter_cuts(&q, h, hu, hu2, vt, k, n, 0.25 * b->n / n, &sp);
        if (sp.ok) {
            all[na++] = sp;
            smin = sp.scatter < smin ? sp.scatter : smin;
        }
    }
    double best_score = INFINITY;
    for (int i = 0; i < na; i++) {
        double score = all[i].valley + (all[i].scatter / smin - 1) +
                       prior_coh * (1 - cos(2 * (all[i].theta - prior)));
        if (score < best_score - 1e-9)
            best_score = score, *best = all[i];
    }
    if (best->scatter < INFINITY)
        rc = TERN_OK;
done:
    free(q.cnt), free(q.su), free(q.su2), free(q.hs), free(q.dp), free(q.from);
    free(h), free(hu), free(hu2), free(vt);
    return rc;
}
