/* bench_extract.c - speed of tern_extract on the FVC2002 B images, one core.
 *
 * For every image of ../shared/data/fvc2002/DBn_B (or $TERN_SHARED_DATA)
 * it measures, in the same run: the TIFF decode, a 3x3 box blur over the
 * image (a baseline: the cheapest whole-image filter, to make the ratio
 * comparable across machines) and the extraction. Prints milliseconds per
 * image per database and overall, and the ratio extraction / box blur.
 * Times are the thread's CPU time (one core; robust to a loaded machine).
 * Skips, saying so, when the data is absent. The bar: at most
 * 15 ms per FVC image (MINDTCT takes about 30 ms on the same machine).
 *
 * Then, untimed, the quality check issue 3 asks for: over the 280 genuine
 * pairs of each database (every pair of impressions of a finger), the
 * Pearson correlation between the lower of the two images' quality scores
 * (0-100) and the comparator's genuine score (tern_match_compare_templates).
 * Positive means a low quality does flag captures that compare badly.
 *
 * Then, untimed, interoperability: Tern's templates, exported as ISO/IEC
 * 19794-2:2005 records and read back (what a partner receives: no
 * orientation field, the format's quantisation), compared with the SecuGen
 * ISO templates of the same images (../shared/data/templates/
 * secugen-fvc2002), every ordered pair (Tern A, SecuGen B) with A != B:
 * 560 genuine and 5,760 impostor pairs per database. The SecuGen records
 * declare a 300x400 frame whatever the image size (data README), so their
 * resolution is set from that frame and the image's true size and
 * resolution (ppi_x = ppi * 300 / width) before comparing. Where Tern and
 * the other extractor place minutiae differently (e.g. ridge endings at the
 * ridge's end or at the valley fork, ISO/IEC 19794-2 clause 4.3), this
 * cross-vendor error grows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tern/finger.h"
#include "tern/image.h"
#include "tern/match.h"
#include "tern/template_io.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Pearson correlation of min(quality) and the genuine score over the
 * genuine pairs of one database (t[f * 8 + i], NULL for a failure to enroll,
 * which scores 0 as in the FVC protocol). */
static double quality_correlation(tern_template *const *t, const uint8_t *q, int *pairs)
{
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    int n = 0;
    for (int f = 0; f < 10; f++)
        for (int i = 0; i < 8; i++)
            for (int j = i + 1; j < 8; j++) {
                tern_template *a = t[f * 8 + i], *b = t[f * 8 + j];
                double score = 0;
                tern_error err;
                if (a && b && tern_match_compare_templates(a, b, &score, &err) != TERN_OK)
                    score = 0;
                double x = q[f * 8 + i] < q[f * 8 + j] ? q[f * 8 + i] : q[f * 8 + j];
                sx += x, sy += score, sxx += x * x, syy += score * score, sxy += x * score;
                n++;
            }
    *pairs = n;
    double vx = sxx - sx * sx / n, vy = syy - sy * sy / n, cxy = sxy - sx * sy / n;
    return vx > 0 && vy > 0 ? cxy / sqrt(vx * vy) : 0;
}

/* The SecuGen template of image (f, i), its resolution mapped to the true
 * geometry of an image of width x height pixels at ppi; NULL if absent. */
static tern_template *secugen(const char *root, const char *db, int f, int i, double ppi,
                              uint32_t width, uint32_t height)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/templates/secugen-fvc2002/%s/%d_%d.iso", root, db, f, i);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    uint8_t buf[65536];
    size_t len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    tern_template *t = NULL;
    tern_error err;
    if (tern_template_decode(buf, len, &t, &err) != TERN_OK)
        return NULL;
    t->ppi_x = ppi * t->width / width;
    t->ppi_y = ppi * t->height / height;
    return t;
}

/* The template as a partner receives it: through an ISO/IEC 19794-2:2005
 * record. */
static tern_template *via_iso(const tern_template *t)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    tern_template *o = NULL;
    tern_error err;
    if (tern_template_encode(t, TERN_TEMPLATE_FORMAT_ISO_2005, &buf, &len, &err) == TERN_OK)
        tern_template_decode(buf, len, &o, &err);
    free(buf);
    return o;
}

/* Cross-vendor rates of one database (see the file comment); 0 if the
 * SecuGen templates are absent. */
static int cross_vendor(const char *root, const char *db, double ppi, tern_template *const *t,
                        tern_match_rates *r)
{
    tern_template *a[80] = {0}, *b[80] = {0};
    double *gen = malloc(80 * 80 * sizeof *gen), *imp = malloc(80 * 80 * sizeof *imp);
    size_t ng = 0, ni = 0;
    int ok = gen && imp;
    for (int k = 0; k < 80 && ok; k++) {
        if (!t[k])
            continue;
        a[k] = via_iso(t[k]);
        b[k] = secugen(root, db, 101 + k / 8, 1 + k % 8, ppi, t[k]->width, t[k]->height);
        ok = b[k] != NULL;
    }
    for (int i = 0; i < 80 && ok; i++)
        for (int j = 0; j < 80; j++) {
            if (i == j)
                continue;
            double score = 0;
            tern_error err;
            if (a[i] && b[j] && tern_match_compare_templates(a[i], b[j], &score, &err) != TERN_OK)
                score = 0;
            if (i / 8 == j / 8)
                gen[ng++] = score;
            else
                imp[ni++] = score;
        }
    tern_error err;
    ok = ok && tern_match_rates_compute(gen, ng, imp, ni, r, &err) == TERN_OK;
    for (int k = 0; k < 80; k++)
        tern_template_free(a[k]), tern_template_free(b[k]);
    free(gen), free(imp);
    return ok;
}

static unsigned box_blur(const tern_image *img, uint8_t *out)
{
    uint32_t w = img->width, h = img->height;
    unsigned check = 0;
    for (uint32_t y = 1; y + 1 < h; y++)
        for (uint32_t x = 1; x + 1 < w; x++) {
            const uint8_t *p = img->pixels + (size_t)y * w + x;
            unsigned s = p[-(long)w - 1] + p[-(long)w] + p[-(long)w + 1] + p[-1] + p[0] + p[1] +
                         p[w - 1] + p[w] + p[w + 1];
            out[(size_t)y * w + x] = (uint8_t)(s / 9);
            check += s;
        }
    return check;
}

int main(void)
{
    const char *env = getenv("TERN_SHARED_DATA");
    char root[1024];
    snprintf(root, sizeof root, "%s/fvc2002", env ? env : "../shared/data");
    static const char *dbs[] = {"DB1_B", "DB2_B", "DB3_B", "DB4_B"};
    static const double ppi[] = {500, 569, 500, 500};
    double t_dec = 0, t_box = 0, t_ext = 0;
    int n_all = 0, fte = 0;
    unsigned sink = 0;
    double corr[4] = {0};
    int corr_pairs[4] = {0};
    tern_match_rates xv[4];
    int xv_ok[4] = {0};
    char data_root[1024];
    snprintf(data_root, sizeof data_root, "%s", env ? env : "../shared/data");
    for (int d = 0; d < 4; d++) {
        double dd = 0, db = 0, de = 0;
        int n = 0;
        tern_template *tpl[80] = {0};
        uint8_t qual[80] = {0};
        for (int f = 101; f <= 110; f++)
            for (int i = 1; i <= 8; i++) {
                char path[1200];
                snprintf(path, sizeof path, "%s/%s/%d_%d.tif", root, dbs[d], f, i);
                tern_image_decode_opts o = {0};
                o.ppi = ppi[d];
                tern_image *img;
                tern_error err;
                double t0 = now_ms();
                if (tern_image_read_file(path, &o, &img, &err) != TERN_OK) {
                    if (n_all == 0 && n == 0) {
                        printf("bench_extract: %s not readable (%s): skipping (FVC2002 data "
                               "absent)\n",
                               path, err.message);
                        return 0;
                    }
                    continue;
                }
                double t1 = now_ms();
                uint8_t *tmp = malloc((size_t)img->width * img->height);
                sink += box_blur(img, tmp);
                free(tmp);
                double t2 = now_ms();
                tern_template *t = NULL;
                tern_finger_quality fq;
                tern_status st = tern_extract(img, NULL, &t, &fq, &err);
                double t3 = now_ms();
                fte += st != TERN_OK;
                tpl[(f - 101) * 8 + i - 1] = t;
                qual[(f - 101) * 8 + i - 1] = fq.score;
                tern_image_free(img);
                dd += t1 - t0, db += t2 - t1, de += t3 - t2;
                n++;
            }
        if (n == 80) {
            corr[d] = quality_correlation(tpl, qual, &corr_pairs[d]);
            xv_ok[d] = cross_vendor(data_root, dbs[d], ppi[d], tpl, &xv[d]);
        }
        for (int k = 0; k < 80; k++)
            tern_template_free(tpl[k]);
        if (!n)
            continue;
        printf("%s: %d images: extract %.2f ms/image, decode %.3f ms, 3x3 box blur %.3f ms, "
               "extract/blur %.0fx\n",
               dbs[d], n, de / n, dd / n, db / n, db > 0 ? de / db : 0);
        t_dec += dd, t_box += db, t_ext += de, n_all += n;
    }
    if (!n_all) {
        printf("bench_extract: no FVC2002 images under %s: skipping\n", root);
        return 0;
    }
    printf("all: %d images, %d failures to enroll: extract %.2f ms/image (bar 15), decode %.3f "
           "ms, box blur %.3f ms, extract/blur %.0fx (checksum %u)\n",
           n_all, fte, t_ext / n_all, t_dec / n_all, t_box / n_all, t_box > 0 ? t_ext / t_box : 0,
           sink & 0xff);
    printf("quality: Pearson r of min(quality of the two images) and the genuine score:");
    for (int d = 0; d < 4; d++)
        if (corr_pairs[d])
            printf(" %s %.2f (%d pairs)%s", dbs[d], corr[d], corr_pairs[d], d < 3 ? "," : "");
    printf("\n");
    double se = 0, sf = 0;
    int nx = 0;
    printf("cross-vendor (Tern ISO 19794-2:2005 against SecuGen ISO), EER / FMR1000:");
    for (int d = 0; d < 4; d++)
        if (xv_ok[d]) {
            printf(" %s %.2f / %.2f %%%s", dbs[d], 100 * xv[d].eer, 100 * xv[d].fmr1000,
                   d < 3 ? "," : "");
            se += xv[d].eer, sf += xv[d].fmr1000, nx++;
        }
    if (nx)
        printf("; average %.2f / %.2f %% (%zu genuine, %zu impostor pairs per database)\n",
               100 * se / nx, 100 * sf / nx, xv[0].genuine, xv[0].impostor);
    else
        printf(" SecuGen templates absent: skipped\n");
    return 0;
}
