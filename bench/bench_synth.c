/* bench_synth.c - synthetic fingerprints: generation speed on one core, and
 * how the generated prints compare with FVC2002 DB4_B (SFinGe prints) when
 * the reference data is present.
 *
 * Speed: masters, impressions and template-mode templates per second, each
 * beside a baseline measured in the same run (PNG encoding of the same
 * images; cloning the same templates), so figures compare across machines
 * as ratios.
 *
 * Realism (needs ../shared/data/fvc2002/DB4_B or $TERN_SHARED_DATA): a
 * generated 10 x 8 database (seed 1, the `tern synth --fingers 10` default)
 * and DB4_B are both extracted and compared by Tern's engine with the FVC
 * protocol (all 2,880 cross-finger impostor pairs): FTE, minutiae count
 * and clustering (alike minutiae within 15 px), quality and its
 * components, ridge period, orientation coherence and distribution
 * (stats.c), EER, FMR100, FMR1000 and the shape of the genuine
 * and impostor score distributions (quantiles). It also writes a contact
 * sheet, BUILD/synth_contact_sheet.png: generated prints on the top row,
 * DB4_B on the bottom (never committed: it holds FVC images). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tern/finger.h"
#include "tern/match.h"
#include "tern/synth.h"

#define NF 10
#define NI 8
#define MAX_SEEDS 16
#define N_GEN (NF * NI * (NI - 1) / 2)
#define N_IMP (NF * (NF - 1) / 2 * NI * NI)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int speed(void)
{
    tern_error err;
    const int n_masters = 8, n_imp = 8;
    tern_synth_master *m[8];
    double t0 = now();
    for (int i = 0; i < n_masters; i++)
        if (tern_synth_master_create(tern_synth_seed_mix(1, i, 0), NULL, &m[i], &err) != TERN_OK) {
            fprintf(stderr, "bench_synth: %s\n", err.message);
            return 1;
        }
    double t_master = (now() - t0) / n_masters;
    tern_image *imgs[64];
    t0 = now();
    for (int i = 0; i < n_masters; i++)
        for (int k = 0; k < n_imp; k++)
            if (tern_synth_impression(m[i], tern_synth_seed_mix(1, i, k + 1), NULL,
                                      &imgs[i * n_imp + k], &err) != TERN_OK) {
                fprintf(stderr, "bench_synth: %s\n", err.message);
                return 1;
            }
    double t_imp = (now() - t0) / (n_masters * n_imp);
    t0 = now();
    for (int i = 0; i < n_masters * n_imp; i++) {
        uint8_t *data;
        size_t len;
        if (tern_image_encode(imgs[i], TERN_IMAGE_PNG, NULL, &data, &len, &err) == TERN_OK)
            free(data);
    }
    double t_png = (now() - t0) / (n_masters * n_imp);
    printf("synth images 288x384: master %.1f ms (%.1f/s), impression %.2f ms (%.0f/s)\n",
           t_master * 1e3, 1 / t_master, t_imp * 1e3, 1 / t_imp);
    printf("  FVC-style database (1 master + 8 impressions per finger): %.2f images/s\n",
           8 / (t_master + 8 * t_imp));
    printf("  baseline PNG encode of the same images: %.2f ms; impression / PNG encode = %.2f\n",
           t_png * 1e3, t_imp / t_png);
    for (int i = 0; i < n_masters * n_imp; i++)
        tern_image_free(imgs[i]);
    for (int i = 0; i < n_masters; i++)
        tern_synth_master_free(m[i]);

    const int n_f = 2000, n_t = 5;
    tern_template **tt = malloc(sizeof *tt * n_f * n_t);
    if (!tt)
        return 1;
    double minutiae = 0, t_create = 0, t_total;
    t0 = now();
    for (int i = 0; i < n_f; i++) {
        tern_synth_tfinger *f;
        double t1 = now();
        if (tern_synth_tfinger_create(tern_synth_seed_mix(2, i, 0), -1, &f, &err) != TERN_OK)
            return 1;
        t_create += now() - t1;
        for (int k = 0; k < n_t; k++) {
            if (tern_synth_tfinger_impression(f, tern_synth_seed_mix(2, i, k + 1), NULL,
                                              &tt[i * n_t + k], &err) != TERN_OK)
                return 1;
            minutiae += tt[i * n_t + k]->n_minutiae;
        }
        tern_synth_tfinger_free(f);
    }
    t_total = now() - t0;
    double t_tmpl = (t_total - t_create) / (n_f * n_t);
    t_create /= n_f;
    t0 = now();
    for (int i = 0; i < n_f * n_t; i++) {
        tern_template *c;
        if (tern_template_clone(tt[i], &c, &err) == TERN_OK)
            tern_template_free(c);
    }
    double t_clone = (now() - t0) / (n_f * n_t);
    printf("synth templates (%d fingers x %d impressions, %.1f minutiae each): %.0f templates/s "
           "(finger %.1f us, impression %.1f us)\n",
           n_f, n_t, minutiae / (n_f * n_t), n_f * n_t / t_total, t_create * 1e6, t_tmpl * 1e6);
    printf("  100,000 ten-print identities, 1 impression each: %.1f s; baseline template clone "
           "%.2f us, impression / clone = %.1f\n",
           1e6 * (t_create + t_tmpl), t_clone * 1e6, t_tmpl / t_clone);
    for (int i = 0; i < n_f * n_t; i++)
        tern_template_free(tt[i]);
    free(tt);
    return 0;
}

/* ---- realism ----------------------------------------------------------- */

typedef struct set_stats {
    const char *name;
    int fte;
    int n_enrolled;
    double minutiae, quality, certainty, clarity, freq_cons, period_q;
    double alike; /* minutiae_alike_nearby, averaged over prints */
    double period, coherence, foreground, hist[8];
    double fg_sx, fg_sy;    /* print half-extent (foreground sd), x and y */
    double shift2;          /* squared distance of a print's centroid from its finger's mean */
    double gen[MAX_SEEDS * N_GEN], imp[MAX_SEEDS * N_IMP]; /* pooled over databases */
    size_t n_gen, n_imp;
    int n_db;
    double eer[MAX_SEEDS], fmr100[MAX_SEEDS], fmr1000[MAX_SEEDS];
    double ks_gen[MAX_SEEDS], ks_imp[MAX_SEEDS]; /* against the reference, per database */
    /* What makes each database's EER: at the threshold where the error
     * rates cross, how many genuine pairs score below it and how many
     * impostor pairs at or above it. */
    double eer_t[MAX_SEEDS];
    int gen_below[MAX_SEEDS], imp_above[MAX_SEEDS];
} set_stats;

/* How clustered a print's minutiae are: per minutia, how many others lie
 * within 15 px (0.76 mm at 500 ppi) with a direction within 30 degrees.
 * Ridge growth packs lines of such minutiae where the flow spreads
 * (docs/synth.md, sixth session); the report prints DB4_B's beside it. */
static double minutiae_alike_nearby(const tern_template *t)
{
    if (t->n_minutiae == 0)
        return 0;
    unsigned alike = 0;
    for (uint32_t i = 0; i < t->n_minutiae; i++)
        for (uint32_t j = 0; j < t->n_minutiae; j++) {
            const tern_minutia *a = &t->minutiae[i], *b = &t->minutiae[j];
            double dx = a->x - b->x, dy = a->y - b->y;
            alike += i != j && dx * dx + dy * dy < 15.0 * 15.0 &&
                     fabs(remainder(a->angle - b->angle, 2.0 * M_PI)) < M_PI / 6;
        }
    return (double)alike / t->n_minutiae;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_d);
    return v[(size_t)(q * (n - 1) + 0.5)];
}

/* Two-sample Kolmogorov-Smirnov statistic: the largest gap between the
 * empirical distribution functions of a[0..na) and b[0..nb) (both sorted
 * in place). 0: same sample distribution; 1: disjoint. */
static double ks_stat(double *a, size_t na, double *b, size_t nb)
{
    qsort(a, na, sizeof *a, cmp_d);
    qsort(b, nb, sizeof *b, cmp_d);
    size_t i = 0, j = 0;
    double d = 0;
    while (i < na && j < nb) {
        double x = a[i] < b[j] ? a[i] : b[j];
        while (i < na && a[i] <= x)
            i++;
        while (j < nb && b[j] <= x)
            j++;
        double gap = fabs((double)i / na - (double)j / nb);
        d = gap > d ? gap : d;
    }
    return d;
}

static double mean_sd(const double *v, size_t n, double *sd)
{
    double m = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        m += v[i];
    m = n ? m / n : 0;
    for (size_t i = 0; i < n; i++)
        q += (v[i] - m) * (v[i] - m);
    *sd = n > 1 ? sqrt(q / (n - 1)) : 0;
    return m;
}

/* The threshold among the scores where FNMR and FMR are closest, and the
 * counts of genuine pairs below and impostor pairs at or above it. */
static void eer_split(const double *g, size_t ng, const double *im, size_t ni, double *t,
                      int *below, int *above)
{
    double best = 2;
    for (size_t c = 0; c < ng + ni; c++) {
        double x = c < ng ? g[c] : im[c - ng];
        int nb = 0, na = 0;
        for (size_t i = 0; i < ng; i++)
            nb += g[i] < x;
        for (size_t i = 0; i < ni; i++)
            na += im[i] >= x;
        double gap = fabs((double)nb / ng - (double)na / ni);
        if (gap < best || (gap == best && x < *t)) {
            best = gap;
            *t = x;
            *below = nb;
            *above = na;
        }
    }
}

/* Extracts, measures and compares images[f][i] (owned by the caller), one
 * more database in s: its statistics are summed (report() divides by the
 * number of images), its scores appended, its error rates kept apart. */
static int evaluate(set_stats *s, tern_image *images[NF][NI])
{
    size_t gen0 = s->n_gen, imp0 = s->n_imp;
    tern_error err;
    tern_match_template *mt[NF][NI];
    int n = 0;
    for (int f = 0; f < NF; f++) {
        double cx[NI], cy[NI], mx = 0, my = 0;
        for (int i = 0; i < NI; i++) {
            tern_synth_image_stats st;
            if (tern_synth_image_stats_compute(images[f][i], &st, &err) != TERN_OK)
                return 1;
            s->period += st.period_median;
            s->coherence += st.coherence_mean;
            s->foreground += st.foreground;
            s->fg_sx += st.fg_sx;
            s->fg_sy += st.fg_sy;
            for (int b = 0; b < 8; b++)
                s->hist[b] += st.orient_hist[b];
            mx += (cx[i] = st.fg_cx) / NI;
            my += (cy[i] = st.fg_cy) / NI;
        }
        for (int i = 0; i < NI; i++)
            s->shift2 += (cx[i] - mx) * (cx[i] - mx) + (cy[i] - my) * (cy[i] - my);
    }
    for (int f = 0; f < NF; f++)
        for (int i = 0; i < NI; i++) {
            tern_template *t;
            tern_finger_quality q;
            mt[f][i] = NULL;
            if (tern_extract(images[f][i], NULL, &t, &q, &err) != TERN_OK) {
                s->fte++;
                continue;
            }
            n++;
            s->minutiae += t->n_minutiae;
            s->alike += minutiae_alike_nearby(t);
            s->quality += q.score;
            s->certainty += q.orientation_certainty;
            s->clarity += q.clarity;
            s->freq_cons += q.frequency_consistency;
            s->period_q += q.ridge_period_px;
            if (tern_match_template_create(t, &mt[f][i], &err) != TERN_OK)
                mt[f][i] = NULL;
            tern_template_free(t);
        }
    s->n_enrolled += n;
    tern_match_context *ctx;
    if (tern_match_context_create(&ctx, &err) != TERN_OK)
        return 1;
#define SCORE(a, b) ((a) && (b) ? tern_match_compare(ctx, (a), (b)) : 0.0) /* FTE scores 0 */
    for (int f = 0; f < NF; f++)
        for (int i = 0; i < NI; i++) {
            for (int j = i + 1; j < NI; j++)
                s->gen[s->n_gen++] = SCORE(mt[f][i], mt[f][j]);
            for (int g = f + 1; g < NF; g++)
                for (int j = 0; j < NI; j++)
                    s->imp[s->n_imp++] = SCORE(mt[f][i], mt[g][j]);
        }
#undef SCORE
    tern_match_context_free(ctx);
    for (int f = 0; f < NF; f++)
        for (int i = 0; i < NI; i++)
            tern_match_template_free(mt[f][i]);
    tern_match_rates r;
    if (tern_match_rates_compute(s->gen + gen0, s->n_gen - gen0, s->imp + imp0, s->n_imp - imp0,
                                 &r, &err) != TERN_OK)
        return 1;
    eer_split(s->gen + gen0, s->n_gen - gen0, s->imp + imp0, s->n_imp - imp0, &s->eer_t[s->n_db],
              &s->gen_below[s->n_db], &s->imp_above[s->n_db]);
    s->eer[s->n_db] = r.eer * 100;
    s->fmr100[s->n_db] = r.fmr100 * 100;
    s->fmr1000[s->n_db] = r.fmr1000 * 100;
    s->n_db++;
    return 0;
}

/* KS statistics of database k of a against the pooled scores of b. */
static void compare_db(set_stats *a, int k, set_stats *b)
{
    static double g[N_GEN], im[N_IMP], bg[MAX_SEEDS * N_GEN], bi[MAX_SEEDS * N_IMP];
    memcpy(g, a->gen + (size_t)k * N_GEN, sizeof g);
    memcpy(im, a->imp + (size_t)k * N_IMP, sizeof im);
    memcpy(bg, b->gen, b->n_gen * sizeof *bg);
    memcpy(bi, b->imp, b->n_imp * sizeof *bi);
    a->ks_gen[k] = ks_stat(g, N_GEN, bg, b->n_gen);
    a->ks_imp[k] = ks_stat(im, N_IMP, bi, b->n_imp);
}

/* Divides the sums of evaluate() by the counts. */
static void average(set_stats *s)
{
    double k = NF * NI * s->n_db, n = s->n_enrolled;
    s->period /= k;
    s->coherence /= k;
    s->foreground /= k;
    s->fg_sx /= k;
    s->fg_sy /= k;
    s->shift2 = sqrt(s->shift2 / k);
    for (int b = 0; b < 8; b++)
        s->hist[b] /= k;
    if (n > 0) {
        s->minutiae /= n;
        s->alike /= n;
        s->quality /= n;
        s->certainty /= n;
        s->clarity /= n;
        s->freq_cons /= n;
        s->period_q /= n;
    }
}

static double mean_of(const double *v, int n)
{
    double m = 0;
    for (int i = 0; i < n; i++)
        m += v[i];
    return n ? m / n : 0;
}

static double sd_of(const double *v, int n)
{
    double m = mean_of(v, n), q = 0;
    for (int i = 0; i < n; i++)
        q += (v[i] - m) * (v[i] - m);
    return n > 1 ? sqrt(q / (n - 1)) : 0;
}

static void print_row(const char *what, double a, double b, const char *fmt)
{
    char x[32], y[32];
    snprintf(x, sizeof x, fmt, a);
    snprintf(y, sizeof y, fmt, b);
    printf("  %-34s %12s %12s\n", what, x, y);
}

static void report(set_stats *a, set_stats *b, int first)
{
    printf("realism: %d generated databases (tern synth --fingers 10 --impressions 8 --seed "
           "%d..%d; figures averaged, quantiles pooled) vs %s\n", a->n_db, first,
           first + a->n_db - 1, b->name);
    printf("  %-34s %12s %12s\n", "", a->name, "DB4_B");
    char label[48];
    snprintf(label, sizeof label, "FTE (of %d / 80)", 80 * a->n_db);
    print_row(label, a->fte, b->fte, "%.0f");
    print_row("minutiae per print", a->minutiae, b->minutiae, "%.1f");
    print_row("  alike within 15 px, per minutia", a->alike, b->alike, "%.2f");
    print_row("quality score (0-100)", a->quality, b->quality, "%.1f");
    print_row("  orientation certainty", a->certainty, b->certainty, "%.3f");
    print_row("  ridge-valley clarity", a->clarity, b->clarity, "%.3f");
    print_row("  frequency consistency", a->freq_cons, b->freq_cons, "%.3f");
    print_row("  ridge period, extractor (px)", a->period_q, b->period_q, "%.2f");
    print_row("ridge period, stats.c (px)", a->period, b->period, "%.2f");
    print_row("block coherence, stats.c", a->coherence, b->coherence, "%.3f");
    print_row("foreground blocks", a->foreground, b->foreground, "%.2f");
    print_row("print extent sd x (px)", a->fg_sx, b->fg_sx, "%.1f");
    print_row("print extent sd y (px)", a->fg_sy, b->fg_sy, "%.1f");
    print_row("print centroid shift rms (px)", a->shift2, b->shift2, "%.1f");
    for (int k = 0; k < 8; k++) {
        snprintf(label, sizeof label, "orientation %5.1f-%5.1f deg", k * 22.5, (k + 1) * 22.5);
        print_row(label, a->hist[k], b->hist[k], "%.3f");
    }
    print_row("EER % (2,880 impostors), mean", mean_of(a->eer, a->n_db), b->eer[0], "%.2f");
    print_row("FMR100 %, mean", mean_of(a->fmr100, a->n_db), b->fmr100[0], "%.2f");
    print_row("FMR1000 %, mean", mean_of(a->fmr1000, a->n_db), b->fmr1000[0], "%.2f");
    double lo = a->eer[0], hi = a->eer[0], in = 0;
    printf("  EER per seed:");
    for (int k = 0; k < a->n_db; k++) {
        printf(" %.2f", a->eer[k]);
        lo = a->eer[k] < lo ? a->eer[k] : lo;
        hi = a->eer[k] > hi ? a->eer[k] : hi;
        in += a->eer[k] >= 0.5 * b->eer[0] && a->eer[k] <= 2 * b->eer[0];
    }
    printf(" %%\n  EER spread %.2f..%.2f %%, sd %.2f; %.0f of %d seeds within [1/2, 2] x DB4_B's\n",
           lo, hi, sd_of(a->eer, a->n_db), in, a->n_db);
    printf("  %-6s %8s %9s %8s %8s %10s %18s\n", "seed", "EER %", "FMR1000 %", "KS gen", "KS imp",
           "EER thr", "gen < / imp >= it");
    for (int k = 0; k < a->n_db; k++)
        printf("  %-6d %8.2f %9.2f %8.3f %8.3f %10.2f %8d / %-8d\n", first + k, a->eer[k],
               a->fmr1000[k], a->ks_gen[k], a->ks_imp[k], a->eer_t[k], a->gen_below[k],
               a->imp_above[k]);
    printf("  %-6s %8.2f %9.2f %8s %8s %10.2f %8d / %-8d\n", "DB4_B", b->eer[0], b->fmr1000[0], "",
           "", b->eer_t[0], b->gen_below[0], b->imp_above[0]);
    printf("  KS per seed, mean: genuine %.3f, impostor %.3f\n", mean_of(a->ks_gen, a->n_db),
           mean_of(a->ks_imp, a->n_db));
    double sa, sb, ma = mean_sd(a->gen, a->n_gen, &sa), mb = mean_sd(b->gen, b->n_gen, &sb);
    printf("  %-34s %5.2f / %-6.2f %5.2f / %-6.2f\n", "genuine score mean / sd", ma, sa, mb, sb);
    ma = mean_sd(a->imp, a->n_imp, &sa);
    mb = mean_sd(b->imp, b->n_imp, &sb);
    printf("  %-34s %5.2f / %-6.2f %5.2f / %-6.2f\n", "impostor score mean / sd", ma, sa, mb, sb);
    static const double qs[] = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95};
    for (int k = 0; k < 6; k++) {
        snprintf(label, sizeof label, "genuine score, %2.0f%% quantile", qs[k] * 100);
        print_row(label, quantile(a->gen, a->n_gen, qs[k]), quantile(b->gen, b->n_gen, qs[k]), "%.2f");
    }
    static const double qi[] = {0.5, 0.9, 0.99, 1.0};
    for (int k = 0; k < 4; k++) {
        snprintf(label, sizeof label, "impostor score, %3.0f%% quantile", qi[k] * 100);
        print_row(label, quantile(a->imp, a->n_imp, qi[k]), quantile(b->imp, b->n_imp, qi[k]), "%.2f");
    }
    printf("  KS pooled (all seeds vs DB4_B): genuine %.3f, impostor %.3f\n",
           ks_stat(a->gen, a->n_gen, b->gen, b->n_gen), ks_stat(a->imp, a->n_imp, b->imp, b->n_imp));
    /* One 10-finger database's EER hangs on one or two genuine pairs; the
     * rate of failed mates over all seeds is the steadier figure. */
    size_t below = 0;
    for (size_t i = 0; i < a->n_gen; i++)
        below += a->gen[i] < b->eer_t[0];
    printf("  genuine pairs below DB4_B's EER threshold %.2f, pooled: %zu of %zu (%.2f %%); "
           "DB4_B %d of %zu (%.2f %%)\n", b->eer_t[0], below, a->n_gen, 100.0 * below / a->n_gen,
           b->gen_below[0], b->n_gen, 100.0 * b->gen_below[0] / b->n_gen);
}

/* Top row: generated 101_1 .. 105_1 (seed 1); middle row: DB4_B's; bottom
 * row: the centres of the same prints at twice the size, generated and DB4_B
 * alternating (columns 1, 3, 5 generated; 2, 4 DB4_B). */
static void contact_sheet(tern_image *gen[NF][NI], tern_image *ref[NF][NI], const char *path)
{
    const uint32_t w = 288, h = 384, pad = 6, cols = 5;
    tern_image *sheet;
    tern_error err;
    if (tern_image_create(cols * (w + pad) + pad, 3 * (h + pad) + pad, 1, &sheet, &err) != TERN_OK)
        return;
    memset(sheet->pixels, 255, (size_t)sheet->width * sheet->height);
    for (uint32_t row = 0; row < 3; row++)
        for (uint32_t c = 0; c < cols; c++) {
            const tern_image *src = row == 1 || (row == 2 && c % 2) ? ref[c][0] : gen[c][0];
            uint32_t zoom = row == 2 ? 2 : 1, x0 = row == 2 ? w / 4 : 0, y0 = row == 2 ? h / 4 : 0;
            for (uint32_t y = 0; y < h; y++)
                for (uint32_t x = 0; x < w; x++) {
                    uint32_t sx = x0 + x / zoom, sy = y0 + y / zoom;
                    if (sx < src->width && sy < src->height)
                        sheet->pixels[(size_t)(pad + row * (h + pad) + y) * sheet->width + pad +
                                      c * (w + pad) + x] = src->pixels[(size_t)sy * src->width + sx];
                }
        }
    sheet->ppi_x = sheet->ppi_y = 500;
    if (tern_image_write_file(sheet, path, NULL, &err) == TERN_OK)
        printf("  contact sheet: %s (top: generated, middle: FVC2002 DB4_B, bottom: centres x2, "
               "generated in columns 1, 3, 5)\n", path);
    else
        fprintf(stderr, "bench_synth: %s\n", err.message);
    tern_image_free(sheet);
}

static int load_ref(const char *dir, tern_image *ref[NF][NI])
{
    tern_error err;
    tern_image_decode_opts ro = {.ppi = 500}; /* DB4_B/ppi says 500; TIFFs carry none */
    char path[1200];
    for (int f = 0; f < NF; f++)
        for (int i = 0; i < NI; i++) {
            snprintf(path, sizeof path, "%s/%d_%d.tif", dir, 101 + f, i + 1);
            if (tern_image_read_file(path, &ro, &ref[f][i], &err) != TERN_OK) {
                fprintf(stderr, "bench_synth: %s\n", err.message);
                return 1;
            }
        }
    return 0;
}

/* The database `tern synth --fingers 10 --impressions 8 --seed seed` makes. */
static int generate(uint64_t seed, tern_image *gen[NF][NI])
{
    tern_error err;
    tern_synth_impression_opts io;
    tern_synth_impression_defaults(&io);
    io.translation = TERN_SYNTH_SENSOR_TRANSLATION;
    for (int f = 0; f < NF; f++) {
        tern_synth_master *m;
        if (tern_synth_master_create(tern_synth_seed_mix(seed, f, 0), NULL, &m, &err) != TERN_OK) {
            fprintf(stderr, "bench_synth: %s\n", err.message);
            return 1;
        }
        for (int i = 0; i < NI; i++)
            if (tern_synth_impression(m, tern_synth_seed_mix(seed, f, 1 + i), &io, &gen[f][i],
                                      &err) != TERN_OK) {
                fprintf(stderr, "bench_synth: %s\n", err.message);
                tern_synth_master_free(m);
                return 1;
            }
        tern_synth_master_free(m);
    }
    return 0;
}

static void free_set(tern_image *im[NF][NI])
{
    for (int f = 0; f < NF; f++)
        for (int i = 0; i < NI; i++) {
            tern_image_free(im[f][i]);
            im[f][i] = NULL;
        }
}

static int realism(const char *build_dir, int first, int n_seeds)
{
    const char *root = getenv("TERN_SHARED_DATA");
    char dir[1024], path[1200];
    snprintf(dir, sizeof dir, "%s/fvc2002/DB4_B", root && *root ? root : "../shared/data");
    struct stat st;
    if (stat(dir, &st) != 0) {
        printf("realism: %s not found: skipped\n", dir);
        return 0;
    }
    static tern_image *gen[NF][NI], *ref[NF][NI];
    static set_stats a = {.name = "generated"}, b = {.name = "FVC2002 DB4_B"};
    if (load_ref(dir, ref) || evaluate(&b, ref))
        return 1;
    for (int k = 0; k < n_seeds; k++) {
        if (generate((uint64_t)(first + k), gen) || evaluate(&a, gen))
            return 1;
        compare_db(&a, k, &b);
        if (k == 0 && first == 1) {
            snprintf(path, sizeof path, "%s/synth_contact_sheet.png", build_dir);
            contact_sheet(gen, ref, path);
        }
        free_set(gen);
    }
    average(&a);
    average(&b);
    report(&a, &b, first);
    free_set(ref);
    return 0;
}

/* bench_synth [SEEDS [FIRST]]: SEEDS generated databases (seeds FIRST ..
 * FIRST + SEEDS - 1; default 8 from 1, at most 16) against DB4_B. The
 * contact sheet is written when FIRST is 1. BENCH_SYNTH_NO_SPEED=1 skips
 * the speed figures. */
int main(int argc, char **argv)
{
    /* BUILD/bench/bench_synth -> BUILD */
    char build_dir[1024] = "build";
    if (argc > 0 && strstr(argv[0], "/bench/")) {
        snprintf(build_dir, sizeof build_dir, "%s", argv[0]);
        *strstr(build_dir, "/bench/") = 0;
    }
    int n_seeds = argc > 1 ? atoi(argv[1]) : 8;
    int first = argc > 2 ? atoi(argv[2]) : 1;
    if (n_seeds < 1 || n_seeds > MAX_SEEDS || first < 1) {
        fprintf(stderr, "usage: bench_synth [SEEDS [FIRST]]  (1..%d generated databases, "
                        "default 8, from seed FIRST, default 1)\n", MAX_SEEDS);
        return 2;
    }
    if (!getenv("BENCH_SYNTH_NO_SPEED") && speed())
        return 1;
    return realism(build_dir, first, n_seeds);
}
