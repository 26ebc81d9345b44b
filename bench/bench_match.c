/* bench_match.c - comparisons per second of one probe against a gallery of
 * prepared templates (tern_match_compare), on one core, with a baseline
 * measured in the same run: a trivial comparator that only counts the
 * minutia pairs lying within 12 px and 30 degrees of each other without any
 * alignment (a floor: no real comparator can be cheaper per pair). The
 * ratio of the two is what to compare across machines and loads.
 *
 * The gallery is synthetic (a fixed seed): 2,000 minutiae sets of 25 to 55
 * minutiae in a 300 x 400 px frame at 500 ppi, about the size of FVC2002
 * templates, each with the orientation field of the flow that gives its
 * minutiae their directions (so the comparator's field agreement is timed
 * too); the probe is a rotated, shifted, jittered impression of one of
 * them. Every pair-loop path the CPU has (match_internal.h: generic, popcnt,
 * avx2, avx512) is timed in the same run, its scores checked against the
 * portable path's, and the one the dispatch chooses (the fastest, or
 * TERN_MATCH_PATH) marked. Exit status 1 if the scores differ.
 * Usage: bench_match [GALLERY_SIZE [PATH]]: with PATH, only that path is
 * timed (for a profiler). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match/match_internal.h" /* the pair-loop paths, ctx->path */
#include "tern/match.h"

static uint64_t next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

static double uniform(uint64_t *s) { return (double)next(s) / 9007199254740992.0; }

/* The orientation field of the flow that gives the minutiae their
 * directions (phase: the finger's), for an impression moved by rot radians
 * about the frame's centre and then by (tx, ty) pixels: 16-px cells over
 * the 300 x 400 frame, the finger's area an ellipse inscribed in the
 * source frame. Every comparison then weighs the fields, as on Tern's
 * extracted templates. */
static void flow_field(tern_template *t, double phase, double rot, double tx, double ty)
{
    tern_orientation_field *f = &t->orient;
    f->cols = 19, f->rows = 25, f->cell_x = f->cell_y = 16;
    if (!(f->cells = malloc((size_t)f->cols * f->rows)))
        exit(1);
    double co = cos(rot), si = sin(rot);
    for (uint32_t r = 0; r < f->rows; r++)
        for (uint32_t c = 0; c < f->cols; c++) {
            double u = (c + 0.5) * 16 - 150 - tx, v = (r + 0.5) * 16 - 200 - ty;
            double x = 150 + co * u - si * v, y = 200 + si * u + co * v;
            double e = (x - 150) * (x - 150) / (150 * 150) + (y - 200) * (y - 200) / (200 * 200);
            double th = fmod(sin(x / 80 + phase) + cos(y / 100) + rot + 8 * M_PI, M_PI);
            f->cells[r * f->cols + c] =
                e < 1 ? (uint8_t)(1 + (uint32_t)lround(th / (M_PI / TERN_ORIENT_LEVELS)) % TERN_ORIENT_LEVELS) : 0;
        }
}

static tern_template *synthetic(uint64_t seed, double *phase_out)
{
    uint64_t s = seed * 2654435761u + 1;
    uint32_t n = 25 + (uint32_t)(uniform(&s) * 31);
    tern_template *t;
    if (tern_template_create(n, &t, NULL) != TERN_OK)
        exit(1);
    t->width = 300, t->height = 400, t->ppi_x = t->ppi_y = 500;
    double phase = uniform(&s) * 6.283;
    for (uint32_t i = 0; i < n; i++) {
        double x = 10 + uniform(&s) * 280, y = 10 + uniform(&s) * 380;
        double a = fmod(sin(x / 80 + phase) + cos(y / 100) + (uniform(&s) < 0.5 ? 0 : M_PI) + 7 * M_PI,
                        2 * M_PI);
        t->minutiae[i] = (tern_minutia){(float)x, (float)y, (float)a, 1, 50};
    }
    flow_field(t, phase, 0, 0, 0);
    if (phase_out)
        *phase_out = phase;
    return t;
}

/* An impression of t (its flow's phase given): rotated by 0.5 rad about
 * the centre, shifted, jittered; one minutia in eight dropped. */
static tern_template *impression(const tern_template *t, double phase)
{
    uint64_t s = 99;
    tern_template *p;
    if (tern_template_create(t->n_minutiae, &p, NULL) != TERN_OK)
        exit(1);
    p->width = t->width, p->height = t->height, p->ppi_x = t->ppi_x, p->ppi_y = t->ppi_y;
    p->n_minutiae = 0; /* filled below */
    double co = cos(0.5), si = sin(0.5);
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        if (i % 8 == 3)
            continue;
        double x = t->minutiae[i].x - 150, y = t->minutiae[i].y - 200;
        p->minutiae[p->n_minutiae++] = (tern_minutia){
            (float)(150 + co * x + si * y + 20 + 3 * (uniform(&s) - 0.5)),
            (float)(200 - si * x + co * y - 15 + 3 * (uniform(&s) - 0.5)),
            (float)fmod(t->minutiae[i].angle + 0.5 + 0.1 * (uniform(&s) - 0.5), 2 * M_PI), 1, 50};
    }
    flow_field(p, phase, 0.5, 20, -15);
    return p;
}

/* The baseline: pairs within 12 px and 30 degrees, no alignment. */
static double trivial_compare(const tern_template *a, const tern_template *b)
{
    uint32_t close = 0;
    for (uint32_t i = 0; i < a->n_minutiae; i++)
        for (uint32_t j = 0; j < b->n_minutiae; j++) {
            float dx = a->minutiae[i].x - b->minutiae[j].x, dy = a->minutiae[i].y - b->minutiae[j].y;
            float da = fabsf(a->minutiae[i].angle - b->minutiae[j].angle);
            close += dx * dx + dy * dy < 144.0f && (da < 0.52f || da > 5.76f);
        }
    return (double)close;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
    const char *only = argc > 2 ? argv[2] : NULL;
    if (n < 10)
        n = 10;
    tern_template **raw = calloc(n, sizeof *raw);
    tern_match_template **gal = calloc(n, sizeof *gal);
    tern_match_context *ctx;
    if (!raw || !gal || tern_match_context_create(&ctx, NULL) != TERN_OK)
        return 1;
    double t0 = now(), phase7 = 0;
    for (size_t i = 0; i < n; i++) {
        raw[i] = synthetic(i, i == 7 ? &phase7 : NULL);
        if (tern_match_template_create(raw[i], &gal[i], NULL) != TERN_OK)
            return 1;
    }
    double t_prep = now() - t0;
    tern_template *probe_raw = impression(raw[7], phase7);
    tern_match_template *probe;
    if (tern_match_template_create(probe_raw, &probe, NULL) != TERN_OK)
        return 1;

    /* Several rounds, each timing the baseline and every pair-loop path the
     * CPU has in turn, keeping the fastest of each (least disturbed by
     * load). Every path must give the same scores, bit for bit. */
    double best[MATCH_PATHS], best_pairs[MATCH_PATHS], best_base = INFINITY, sink = 0;
    uint64_t pairs_per_run = 0;
    double *scores = calloc((size_t)MATCH_PATHS * n, sizeof *scores);
    if (!scores)
        return 1;
    for (int p = 0; p < MATCH_PATHS; p++)
        best[p] = best_pairs[p] = INFINITY;
    match_path chosen = ctx->path;
    for (int round = 0; round < 5; round++) {
        t0 = now();
        for (size_t i = 0; i < n; i++)
            sink += trivial_compare(probe_raw, raw[i]);
        double dt = now() - t0;
        best_base = dt < best_base ? dt : best_base;
        for (match_path p = 0; p < MATCH_PATHS; p++) {
            if (!match_path_available(p) || (only && strcmp(only, match_path_name(p)) != 0))
                continue;
            ctx->path = p;
            double *sc = &scores[(size_t)p * n];
            t0 = now();
            for (size_t i = 0; i < n; i++)
                sc[i] = tern_match_compare(ctx, probe, gal[i]);
            dt = now() - t0;
            best[p] = dt < best[p] ? dt : best[p];
            /* the pair loop alone (match_local_pairs, in canonical order
             * or not: the same work) */
            uint64_t cyl_pairs = 0;
            t0 = now();
            for (size_t i = 0; i < n; i++) {
                sink += match_local_pairs(probe, gal[i], ctx->pairs, ctx->sq, p);
                cyl_pairs += (uint64_t)probe->n_ok * gal[i]->n_ok;
            }
            dt = now() - t0;
            best_pairs[p] = dt < best_pairs[p] ? dt : best_pairs[p];
            pairs_per_run = cyl_pairs;
        }
    }
    ctx->path = chosen;
    /* the reference scores: the first path timed (the portable one unless
     * PATH was given) */
    const double *ref = NULL;
    for (int p = 0; p < MATCH_PATHS && !ref; p++)
        if (best[p] < INFINITY)
            ref = &scores[(size_t)p * n];
    if (!ref)
        return fprintf(stderr, "bench_match: no path %s on this CPU\n", only), 1;
    double base_cps = (double)n / best_base, top = -1;
    size_t top_i = 0;
    for (size_t i = 0; i < n; i++) {
        sink += ref[i];
        if (ref[i] > top)
            top = ref[i], top_i = i;
    }
    printf("gallery: %zu synthetic templates (25-55 minutiae), prepared in %.1f us each\n", n,
           1e6 * t_prep / (double)n);
    printf("baseline (trivial):     %10.0f comparisons/s (pair count, no alignment)\n", base_cps);
    int same = 1;
    for (match_path p = 0; p < MATCH_PATHS; p++) {
        if (!match_path_available(p)) {
            printf("tern_match_compare %-7s       (not on this CPU)\n", match_path_name(p));
            continue;
        }
        if (best[p] == INFINITY)
            continue; /* not timed */
        int identical = memcmp(&scores[(size_t)p * n], ref, n * sizeof *ref) == 0;
        same &= identical;
        double cps = (double)n / best[p];
        printf("tern_match_compare %-7s %10.0f comparisons/s, ratio to baseline %.3f; pair loop "
               "%.2f ns per cylinder pair, %2.0f %% of a comparison%s%s\n",
               match_path_name(p), cps, cps / base_cps, 1e9 * best_pairs[p] / (double)pairs_per_run,
               100 * best_pairs[p] / best[p], p == chosen ? "  <- dispatch" : "",
               identical ? "" : "  SCORES DIFFER FROM generic");
    }
    printf("(one core, 1 probe x gallery, CPU time, best of 5; target >= 50,000 comparisons/s; "
           "dispatch: %s%s)\n", match_path_name(chosen),
           getenv("TERN_MATCH_PATH") ? ", TERN_MATCH_PATH set" : "");
    printf("scores identical on every path: %s\n", same ? "yes" : "NO");
    printf("best candidate: #%zu (the probe's source is #7), score %.3f, FMR %.2g; checksum %.6g\n",
           top_i, top, tern_match_fmr_for_score(top, NULL), sink);
    free(scores);
    for (size_t i = 0; i < n; i++) {
        tern_match_template_free(gal[i]);
        tern_template_free(raw[i]);
    }
    tern_match_template_free(probe);
    tern_template_free(probe_raw);
    tern_match_context_free(ctx);
    free(gal);
    free(raw);
    return same ? 0 : 1;
}
