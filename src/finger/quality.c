/* quality.c - a 0-100 finger image quality score in the spirit of NIST
 * NFIQ 2 (Tabassi et al., NISTIR 8382, 2021; ISO/IEC 29794-4:2017).
 *
 * NFIQ 2 feeds quality features into a trained random forest. We use the
 * same kinds of features but a transparent, documented combination that
 * needs no training data (docs/extraction.md), each mapped to 0..1:
 *   - orientation certainty (NFIQ 2 OCL): mean coherence of the squared
 *     gradients over the foreground blocks;
 *   - ridge-valley clarity (NFIQ 2 LCS/RVU in spirit): mean correlation of
 *     the standardised grey level with the binarised enhanced ridges;
 *   - frequency consistency (NFIQ 2 FDA/RPS in spirit): the share of
 *     foreground blocks whose ridge period could be measured, times one minus
 *     the spread (coefficient of variation) of those periods;
 *   - foreground area (NFIQ 2 ImgArea), relative to 150 mm^2;
 *   - minutiae count (NFIQ 2 FingerJetFX MinCount) and mean minutia quality.
 * score = 100 (0.3 OCL + 0.3 clarity + 0.1 frequency + 0.15 area
 *              + 0.15 minutiae).
 */
#include <math.h>

#include "finger/finger_internal.h"

void fp_quality(const fp_work *w, tern_finger_quality *q)
{
    size_t nb = (size_t)w->bw * w->bh, nfg = 0, nvalid = 0, nmeasured = 0;
    double coh = 0, cl = 0, ps = 0, ps2 = 0;
    for (size_t b = 0; b < nb; b++) {
        if (!w->fg[b])
            continue;
        nfg++;
        coh += w->coh_img[b];
        cl += w->clarity[b];
        nmeasured += w->pvalid[b] != 0;
        if (w->pvalid[b] == 1) {
            nvalid++;
            ps += w->period[b];
            ps2 += (double)w->period[b] * w->period[b];
        }
    }
    size_t npx = 0;
    for (size_t i = 0; i < (size_t)w->w * w->h; i++)
        npx += w->mask[i];
    double mm = 25.4 / FP_PPI;
    q->foreground_mm2 = (float)(npx * mm * mm);
    q->foreground_fraction = (float)((double)npx / ((double)w->w * w->h));
    q->orientation_certainty = nfg ? (float)(coh / nfg) : 0;
    q->clarity = nfg ? (float)(cl / nfg) : 0;
    float fc = 0;
    if (nvalid > 1) {
        double m = ps / nvalid, v = ps2 / nvalid - m * m;
        double cv = sqrt(v > 0 ? v : 0) / m;
        fc = (float)((double)nvalid / nmeasured * (1.0 - fmin(1.0, 2.0 * cv)));
    }
    q->frequency_consistency = fp_clampf(fc, 0, 1);
    q->ridge_period_px = w->median_period;
    double mq = 0;
    for (size_t i = 0; i < w->n_min; i++)
        mq += w->min[i].quality;
    q->minutiae = (uint32_t)w->n_min;
    q->minutiae_quality = w->n_min ? (float)(mq / w->n_min) : 0;
    float f_ocl = fp_clampf((q->orientation_certainty - 0.2f) / 0.5f, 0, 1);
    float f_cl = fp_clampf((q->clarity - 0.2f) / 0.6f, 0, 1);
    float f_area = fp_clampf(q->foreground_mm2 / 150.0f, 0, 1);
    float f_min = fp_clampf((float)w->n_min / 40.0f, 0, 1) * (q->minutiae_quality / 100.0f);
    float s = 0.3f * f_ocl + 0.3f * f_cl + 0.1f * q->frequency_consistency + 0.15f * f_area +
              0.15f * f_min;
    q->score = (uint8_t)fp_clampi((int)lrintf(100.0f * s), 0, 100);
}
