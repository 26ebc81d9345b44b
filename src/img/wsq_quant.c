/* wsq_quant.c - the WSQ encoder's quantizer (FBI WSQ spec v3.1, Part 3
 * "FBI parameter settings, encoder number one", and Part 1 Annex A.4).
 *
 * 1. Subband variances: over a central window of each subband (x from w/8,
 *    3w/4 wide; y from 9h/32, 7h/16 high); if the four lowest subbands then
 *    sum to less than 20000, every subband's variance is taken over its whole
 *    area instead (a low-contrast image).
 * 2. Bin widths for a target bitrate r: with relative widths Q'_k = 1 for
 *    k < 4 and 10 / (A_k ln(var_k)) otherwise, Q_k = Q'_k / q where
 *      q = (2^(r/S - 1) / 2.5) / (prod_k (sigma_k / Q'_k)^(m_k))^(1/S),
 *    S = sum m_k, m_k the fraction of the image a subband covers, over the
 *    subbands expected to get a positive bitrate; those with
 *    Q'_k / q >= 5 sigma_k are dropped from the set and q recomputed until
 *    none is. Subbands with variance below 1.01 are not transmitted (Q = 0).
 *    Zero bins are Z_k = 1.2 Q_k; the bin centre C is 0.44.
 * 3. Quantization: p = 0 inside the zero bin, else
 *    sign(a) * (floor((|a| - Z/2) / Q) + 1). */
#include <math.h>
#include <string.h>

#include "img/wsq_internal.h"

#define VARIANCE_MIN 1.01

static double window_variance(const float *img, uint32_t width, const wsq_rect *b, bool cropped)
{
    uint32_t x0 = 0, y0 = 0, w = b->w, h = b->h;
    if (cropped) {
        x0 = b->w / 8;
        y0 = 9 * b->h / 32;
        w = 3 * b->w / 4;
        h = 7 * b->h / 16;
    }
    if ((uint64_t)w * h < 2)
        return 0;
    double sum = 0, ssq = 0;
    for (uint32_t y = 0; y < h; y++) {
        const float *row = img + (size_t)(b->y + y0 + y) * width + b->x + x0;
        for (uint32_t x = 0; x < w; x++) {
            sum += row[x];
            ssq += (double)row[x] * row[x];
        }
    }
    double n = (double)w * h;
    double v = (ssq - sum * sum / n) / (n - 1.0);
    return v > 0 ? v : 0;
}

void wsq_quant_variances(const float *img, uint32_t width, const wsq_tree *t,
                         double var[WSQ_CODED_SUBBANDS])
{
    double low = 0;
    for (int k = 0; k < 4; k++) {
        var[k] = window_variance(img, width, &t->q[k], true);
        low += var[k];
    }
    bool whole = low < 20000.0;
    for (int k = whole ? 0 : 4; k < WSQ_CODED_SUBBANDS; k++)
        var[k] = window_variance(img, width, &t->q[k], !whole);
}

static double subband_weight(int k)
{
    /* A_k of Part 3: 1 except in the eight highest-frequency subbands. */
    static const double a_high[8] = {1.32, 1.08, 1.42, 1.08, 1.32, 1.42, 1.08, 1.08};
    return k >= WSQ_BLOCK3_START ? a_high[k - WSQ_BLOCK3_START] : 1.0;
}

static double subband_area(int k)
{
    /* m_k: 1/1024 for the 4 lowest, 1/256 up to 50, 1/16 for 51..59. */
    return k < 4 ? 1.0 / 1024 : k < 51 ? 1.0 / 256 : 1.0 / 16;
}

void wsq_quant_bins(const double var[WSQ_CODED_SUBBANDS], double bitrate,
                    double q_out[WSQ_CODED_SUBBANDS])
{
    double rel[WSQ_CODED_SUBBANDS], sigma[WSQ_CODED_SUBBANDS];
    bool coded[WSQ_CODED_SUBBANDS], in_set[WSQ_CODED_SUBBANDS];
    int n_coded = 0;
    for (int k = 0; k < WSQ_CODED_SUBBANDS; k++) {
        coded[k] = var[k] >= VARIANCE_MIN;
        in_set[k] = coded[k];
        n_coded += coded[k];
        sigma[k] = sqrt(var[k]);
        rel[k] = !coded[k] ? 0 : k < 4 ? 1.0 : 10.0 / (subband_weight(k) * log(var[k]));
    }
    double q = 1.0;
    for (int round = 0; round < WSQ_CODED_SUBBANDS && n_coded > 0; round++) {
        double s = 0, log_p = 0;
        for (int k = 0; k < WSQ_CODED_SUBBANDS; k++)
            if (in_set[k]) {
                s += subband_area(k);
                log_p += subband_area(k) * log(sigma[k] / rel[k]);
            }
        if (s <= 0)
            break;
        q = (pow(2.0, bitrate / s - 1.0) / 2.5) / exp(log_p / s);
        int dropped = 0;
        for (int k = 0; k < WSQ_CODED_SUBBANDS; k++)
            if (in_set[k] && rel[k] / q >= 5.0 * sigma[k]) {
                in_set[k] = false;
                dropped++;
            }
        if (!dropped)
            break;
    }
    for (int k = 0; k < WSQ_CODED_SUBBANDS; k++)
        q_out[k] = coded[k] ? rel[k] / q : 0.0;
}

int16_t wsq_quantize(float a, float q, float z)
{
    float half = z / 2.0f;
    if (-half <= a && a <= half)
        return 0;
    double p = a > 0 ? floor((a - half) / q) + 1.0 : -(floor((-a - half) / q) + 1.0);
    if (p > 32767.0)
        p = 32767.0;
    if (p < -32767.0)
        p = -32767.0;
    return (int16_t)p;
}
