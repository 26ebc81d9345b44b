/* test_slap.c - slap segmentation (tern/slap.h) on synthetic hands and on
 * NIST's ten-print card, whose slaps sit beside the rolled prints of the
 * same fingers.
 *
 * The synthetic hands (hand_make below) are built from Tern's generator
 * (tern/synth.h): per finger, a plain impression of one synthetic person's
 * finger is the distal phalanx, and below it, past a flexion crease, the
 * middle and proximal phalanges are ridge gratings across the finger (no
 * minutiae to match); the fingers are laid out as on a live-scan platen
 * (tips on an arc, the little finger lower, outer fingers splayed),
 * either apart or touching, the whole hand turned by up to 45 degrees,
 * with a finger or two missing. The test runs each of CASES over several
 * people (seeds) and logs the pass rate per seed; every case asserts the
 * number of fingertips, their labels (ANSI/NIST 2-5, 10-7, 6 and 1), that
 * each lies on the finger placed there, and that each matches the
 * impression it came from at FMR <= 1e-3 (tern_match_fmr_for_score) and
 * better than any other finger of the slap. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident_fixture.h"
#include "tern/finger.h"
#include "tern/match.h"
#include "tern/nist.h"
#include "tern/nist_types.h"
#include "tern/slap.h"
#include "tern/synth.h"
#include "tern_test.h"

#include <criterion/parameterized.h>

static const double PI = 3.14159265358979323846;

static tern_template *extract(const tern_image *img)
{
    tern_template *t = NULL;
    tern_error err;
    tern_status rc = tern_extract(img, NULL, &t, NULL, &err);
    cr_assert_eq(rc, TERN_OK, "extract: %s", err.message);
    return t;
}

static double compare(const tern_template *a, const tern_template *b)
{
    double score = 0;
    tern_error err;
    cr_assert_eq(tern_match_compare_templates(a, b, &score, &err), TERN_OK, "%s", err.message);
    return score;
}

/* ---- synthetic hands -------------------------------------------------- */

/* One case of a synthetic slap. */
typedef struct hand_case {
    int slap;          /* 13, 14, 15 */
    double hand_deg;   /* the hand's turn, clockwise; jittered by up to 4 degrees */
    int touching;      /* fingers pressed together (live-scan) rather than apart */
    unsigned absent;   /* positions left out, a bit per FGP */
} hand_case;

static const hand_case CASES[] = {
    {13, 0, 0, 0},
    {14, 25, 0, 0},
    {13, -45, 0, 0},
    {14, 45, 1, 0},
    {13, 12, 1, 0},
    {15, -10, 0, 0},
    {13, -20, 1, 1u << 3},             /* right ring finger missing: 2, 3, 5 */
    {14, 30, 0, (1u << 9) | (1u << 7)}, /* left little and middle missing: 9, 7 */
};
#define N_CASES (sizeof CASES / sizeof CASES[0])

typedef struct hand {
    tern_image *image;
    unsigned n;
    int position[4];
    tern_image *tip[4];       /* the impressions placed as distal phalanges */
    double cx[4], cy[4];      /* where each fingertip's centre went */
    double angle_deg[4];      /* each finger's axis, clockwise from upright */
    double width[4];          /* each fingertip's width, pixels */
    double hand_deg;
} hand;

/* The fingertip of an impression: bounding box of its 8x8 blocks whose grey
 * spread shows ridges, and the frame's grey level (median of the border). */
typedef struct tip_shape {
    double x0, x1, y0, y1, level;
} tip_shape;

static tip_shape tip_measure(const tern_image *f)
{
    tip_shape t = {1e9, -1e9, 1e9, -1e9, 255};
    unsigned level = ix_border_median(f);
    t.level = level > 16 ? level : 16;
    for (uint32_t by = 0; by + 8 <= f->height; by += 8)
        for (uint32_t bx = 0; bx + 8 <= f->width; bx += 8) {
            double s = 0, s2 = 0;
            for (uint32_t y = by; y < by + 8; y++)
                for (uint32_t x = bx; x < bx + 8; x++) {
                    double v = f->pixels[(size_t)y * f->width + x];
                    s += v, s2 += v * v;
                }
            double m = s / 64, sd = sqrt(fmax(0, s2 / 64 - m * m));
            if (sd < 20)
                continue;
            t.x0 = fmin(t.x0, bx), t.x1 = fmax(t.x1, bx + 8);
            t.y0 = fmin(t.y0, by), t.y1 = fmax(t.y1, by + 8);
        }
    return t;
}

/* A finger laid on the canvas: its fingertip impression with the tip's
 * top centre at (ox, oy), turned clockwise by deg, then a crease and the
 * middle and proximal phalanges (one for a thumb) as ridge gratings of the
 * finger's period. Darkest wins, as where skin meets the glass. */
static void lay_finger(tern_image *canvas, const tern_image *f, const tip_shape *ts, double ox,
                       double oy, double deg, double period, int phalanges, tern_synth_rng *rng)
{
    double a = deg * PI / 180.0, c = cos(a), s = sin(a);
    double w = ts->x1 - ts->x0, tcx = (ts->x0 + ts->x1) / 2, tip_len = ts->y1 - ts->y0;
    double crease = 18, mid = 0.85 * w, prox = 1.1 * w;
    double len = tip_len + phalanges * crease + (phalanges > 0 ? mid : 0) +
                 (phalanges > 1 ? prox : 0);
    double wobble = tern_synth_rng_range(rng, 0, 2 * PI);
    for (uint32_t y = 0; y < canvas->height; y++)
        for (uint32_t x = 0; x < canvas->width; x++) {
            double dx = x + 0.5 - ox, dy = y + 0.5 - oy;
            double u = dx * c + dy * s, d = -dx * s + dy * c; /* across, down the finger */
            if (d < -8 || d > len || fabs(u) > w / 2 + 8)
                continue;
            double v = 255;
            if (d < tip_len + 4) {
                double lx = tcx + u - 0.5, ly = ts->y0 + d - 0.5;
                if (!ix_sample(f, lx, ly, &v))
                    continue;
                v = v * 255.0 / (ts->level - 8);
            } else {
                /* a phalanx: [start, start + length) along the finger,
                 * rounded at its ends, 0.92 of the tip's width */
                double start = tip_len + crease, plen = mid;
                if (d >= start + mid + crease && phalanges > 1)
                    start += mid + crease, plen = prox;
                double half = 0.46 * w, e = d - start;
                if (e < 0 || e > plen || fabs(u) > half)
                    continue;
                double r = half * 0.5, cu = fabs(u) - (half - r);
                double ce = e < r ? r - e : (e > plen - r ? e - (plen - r) : 0);
                if (cu > 0 && ce > 0 && cu * cu + ce * ce > r * r)
                    continue;
                double phase = 2 * PI * (d + 0.0015 * u * u + 3 * sin(u / 37 + wobble)) / period;
                v = 175 + 55 * cos(phase) + (double)tern_synth_rng_below(rng, 51) - 25;
            }
            v = v > 255 ? 255 : (v < 0 ? 0 : v);
            uint8_t *q = canvas->pixels + (size_t)y * canvas->width + x;
            if (v + 0.5 < *q)
                *q = (uint8_t)(v + 0.5);
        }
}

/* The synthetic slap of case hc for person `seed` (identity 0 of that
 * population): 1600x1500 pixels at 500 ppi (1000x1000 for thumbs), the
 * fingertips' centroid at (w/2, 0.4 h). */
static void hand_make(uint64_t seed, const hand_case *hc, unsigned case_no, hand *out)
{
    /* upright, left to right: splay (degrees) and tip drop (pixels) */
    static const double splay_apart[4] = {-8, -3, 3, 8}, splay_touch[4] = {-3, -1, 1, 3};
    static const double drop_right[4] = {40, 0, 30, 150}; /* index, middle, ring, little */
    static const double thumb_deg[2] = {14, -14};
    memset(out, 0, sizeof *out);
    int pos[4];
    unsigned total = tern_slap_positions(hc->slap, pos);
    tern_synth_rng rng;
    tern_synth_rng_seed(&rng, tern_synth_seed_mix(seed, case_no, 0x5a9));
    double jitter = tern_synth_rng_range(&rng, -4, 4);
    out->hand_deg = fmax(-45, fmin(45, hc->hand_deg + jitter));
    tern_synth_identity id;
    tern_synth_identity_make(seed, 0, &id);
    tern_synth_impression_opts io;
    tern_synth_impression_defaults(&io);
    io.rotation_deg = 0;
    io.translation = 0;
    io.plain_background = true;
    tern_image *tips[4] = {0};
    tip_shape ts[4];
    double x_at[4], drop[4], deg[4];
    for (unsigned i = 0; i < total; i++) {
        int p = pos[i];
        tips[i] = ix_finger_impression(seed, 0, p, tern_synth_seed_mix(seed, case_no, (uint64_t)p),
                                       &io);
        ts[i] = tip_measure(tips[i]);
        cr_assert(ts[i].x1 > ts[i].x0 && ts[i].y1 > ts[i].y0, "position %d: blank impression", p);
        double tw = ts[i].x1 - ts[i].x0;
        if (i == 0) {
            x_at[i] = 0;
        } else {
            double pw = ts[i - 1].x1 - ts[i - 1].x0;
            double gap = hc->slap == 15 ? 140 : (hc->touching ? -0.03 * (pw + tw) / 2 : 45);
            x_at[i] = x_at[i - 1] + (pw + tw) / 2 + gap + tern_synth_rng_range(&rng, 0, 10);
        }
        if (hc->slap == 15) {
            drop[i] = 60, deg[i] = thumb_deg[i];
        } else {
            drop[i] = drop_right[hc->slap == 13 ? i : 3 - i];
            deg[i] = hc->touching ? splay_touch[i] : splay_apart[i];
        }
        drop[i] += tern_synth_rng_range(&rng, -20, 20);
    }
    uint32_t w = hc->slap == 15 ? 1000 : 1600, h = hc->slap == 15 ? 1000 : 1500;
    cr_assert_eq(tern_image_create(w, h, 1, &out->image, NULL), TERN_OK);
    out->image->ppi_x = out->image->ppi_y = 500;
    for (size_t i = 0; i < (size_t)w * h; i++)
        out->image->pixels[i] = (uint8_t)(235 + tern_synth_rng_below(&rng, 16));
    /* centroid of the tips' centres, upright, about which the hand turns */
    double mx = 0, my = 0;
    for (unsigned i = 0; i < total; i++)
        mx += x_at[i] / total, my += (drop[i] + (ts[i].y1 - ts[i].y0) / 2) / total;
    double a = out->hand_deg * PI / 180.0, c = cos(a), s = sin(a);
    for (unsigned i = 0; i < total; i++) {
        if (hc->absent & (1u << (pos[i] - 1))) {
            tern_image_free(tips[i]);
            continue;
        }
        double ux = x_at[i] - mx, uy = drop[i] - my; /* tip top, upright, about the centroid */
        double ox = w / 2.0 + ux * c - uy * s, oy = 0.4 * h + ux * s + uy * c;
        double fdeg = deg[i] + out->hand_deg, fa = fdeg * PI / 180.0;
        double half = (ts[i].y1 - ts[i].y0) / 2;
        unsigned k = out->n++;
        out->position[k] = pos[i];
        out->tip[k] = tips[i];
        out->angle_deg[k] = fdeg;
        out->width[k] = ts[i].x1 - ts[i].x0;
        out->cx[k] = ox - half * sin(fa);
        out->cy[k] = oy + half * cos(fa);
        lay_finger(out->image, tips[i], &ts[i], ox, oy, fdeg, id.finger_period[pos[i] - 1],
                   hc->slap == 15 ? 1 : 2, &rng);
    }
}

static void hand_free(hand *hd)
{
    tern_image_free(hd->image);
    for (unsigned i = 0; i < 4; i++)
        tern_image_free(hd->tip[i]);
    memset(hd, 0, sizeof *hd);
}

/* Segments one synthetic hand and checks it; returns true if it passes,
 * else writes why into why. */
static bool hand_check(const hand *hd, const hand_case *hc, char *why, size_t size)
{
    tern_slap_result r;
    tern_error err;
    tern_slap_opts o = {.absent = hc->absent};
    tern_status rc = tern_slap_segment(hd->image, hc->slap, &o, &r, &err);
    bool ok = false;
    tern_template *placed[4] = {0}, *cut[4] = {0};
    if (rc != TERN_OK) {
        snprintf(why, size, "%s: %.300s", tern_status_name(rc), err.message);
        goto done;
    }
    if (r.n != hd->n) {
        snprintf(why, size, "%zu fingertips found, %u placed", r.n, hd->n);
        goto done;
    }
    if (fabs(r.hand_angle_deg - hd->hand_deg) > 10) {
        snprintf(why, size, "hand axis %.1f deg, placed at %.1f", r.hand_angle_deg,
                 hd->hand_deg);
        goto done;
    }
    for (unsigned i = 0; i < hd->n; i++) {
        const tern_slap_finger *f = &r.finger[i];
        double d = hypot(f->cx - hd->cx[i], f->cy - hd->cy[i]);
        if (f->position != hd->position[i]) {
            snprintf(why, size, "fingertip %u labelled %d, placed %d", i, f->position,
                     hd->position[i]);
            goto done;
        }
        if (d > 0.6 * hd->width[i]) {
            snprintf(why, size, "position %d: cut-out centre (%.0f, %.0f) %.0f px from the "
                                "placed fingertip's (%.0f, %.0f)",
                     f->position, f->cx, f->cy, d, hd->cx[i], hd->cy[i]);
            goto done;
        }
        if (f->image->ppi_x != 500.0 || f->image->width < 0.6 * hd->width[i] ||
            f->image->height < hd->width[i]) {
            snprintf(why, size, "position %d: cut-out %ux%u", f->position, f->image->width,
                     f->image->height);
            goto done;
        }
        placed[i] = extract(hd->tip[i]);
        if (tern_extract(f->image, NULL, &cut[i], NULL, &err) != TERN_OK) {
            snprintf(why, size, "position %d: cut-out not enrolled: %.300s", f->position,
                     err.message);
            goto done;
        }
    }
    for (unsigned i = 0; i < hd->n; i++) {
        double own = compare(cut[i], placed[i]);
        if (tern_match_fmr_for_score(own, NULL) > 1e-3) {
            snprintf(why, size, "position %d: scores %.2f against its own finger (FMR %.1g)",
                     hd->position[i], own, tern_match_fmr_for_score(own, NULL));
            goto done;
        }
        for (unsigned j = 0; j < hd->n; j++)
            if (j != i && compare(cut[i], placed[j]) >= own) {
                snprintf(why, size, "position %d matches position %d's finger as well as its own",
                         hd->position[i], hd->position[j]);
                goto done;
            }
    }
    ok = true;
done:
    for (unsigned i = 0; i < 4; i++) {
        tern_template_free(placed[i]);
        tern_template_free(cut[i]);
    }
    tern_slap_result_clear(&r);
    return ok;
}

/* Seeds (people) the hand test runs over: 1..HAND_SEEDS (two in sanitizer
 * builds); for measuring, TERN_SLAP_SEEDS=N runs N seeds from
 * TERN_SLAP_FIRST (default 1). */
#ifdef TERN_SANITIZED
#define HAND_SEEDS 2
#else
#define HAND_SEEDS 12
#endif

ParameterizedTestParameters(slap, synthetic_hands)
{
    static uint64_t seeds[64];
    size_t n = HAND_SEEDS;
    const char *env = getenv("TERN_SLAP_SEEDS");
    if (env && atoi(env) > 0)
        n = (size_t)atoi(env) < 64 ? (size_t)atoi(env) : 64;
    const char *first = getenv("TERN_SLAP_FIRST");
    uint64_t s0 = first && atoi(first) > 0 ? (uint64_t)atoi(first) : 1;
    for (size_t i = 0; i < n; i++)
        seeds[i] = s0 + i;
    return cr_make_param_array(uint64_t, seeds, n);
}

ParameterizedTest(uint64_t *seed, slap, synthetic_hands)
{
    unsigned pass = 0;
    char failed[2048] = "";
    for (unsigned c = 0; c < N_CASES; c++) {
        hand hd;
        hand_make(*seed, &CASES[c], c, &hd);
        char why[512];
        if (hand_check(&hd, &CASES[c], why, sizeof why))
            pass++;
        else
            snprintf(failed + strlen(failed), sizeof failed - strlen(failed),
                     "\n  case %u (slap %d at %.0f deg%s): %s", c, CASES[c].slap, hd.hand_deg,
                     CASES[c].touching ? ", touching" : "", why);
        hand_free(&hd);
    }
    cr_log_info("seed %llu: %u of %zu cases pass%s", (unsigned long long)*seed, pass, N_CASES,
                failed);
    /* every case is checked and every failure logged; a seed fails when
     * more than one of its cases does (with the generator of bb048e1, 2 of
     * 96 cases fail, on two seeds: docs/identification.md, "Slaps") */
    cr_assert_geq(pass, N_CASES - 1, "seed %llu: %u of %zu cases pass:%s",
                  (unsigned long long)*seed, pass, N_CASES, failed);
}

Test(slap, positions_in_image_order)
{
    int p[4];
    cr_assert_eq(tern_slap_positions(13, p), 4);
    cr_assert(p[0] == 2 && p[1] == 3 && p[2] == 4 && p[3] == 5);
    cr_assert_eq(tern_slap_positions(14, p), 4);
    cr_assert(p[0] == 10 && p[1] == 9 && p[2] == 8 && p[3] == 7);
    cr_assert_eq(tern_slap_positions(15, p), 2);
    cr_assert(p[0] == 6 && p[1] == 1);
    cr_assert_eq(tern_slap_positions(12, p), 0);
    cr_assert_eq(tern_slap_positions(1, p), 0);
}

Test(slap, bad_input_is_refused_with_typed_errors)
{
    tern_error err;
    tern_slap_result r;
    tern_image *img;
    cr_assert_eq(tern_image_create(1600, 1000, 1, &img, NULL), TERN_OK);
    memset(img->pixels, 230, (size_t)1600 * 1000);
    cr_assert_eq(tern_slap_segment(img, 13, NULL, &r, &err), TERN_E_ARG, "unknown resolution");
    cr_assert(strstr(err.message, "resolution"), "%s", err.message);
    img->ppi_x = img->ppi_y = 500;
    cr_assert_eq(tern_slap_segment(img, 12, NULL, &r, &err), TERN_E_ARG);
    cr_assert(strstr(err.message, "12"), "%s", err.message);
    tern_slap_opts all = {.absent = 0x3ffu};
    cr_assert_eq(tern_slap_segment(img, 14, &all, &r, &err), TERN_E_ARG);
    cr_assert_eq(tern_slap_segment(img, 13, NULL, &r, &err), TERN_E_QUALITY, "a blank slap");
    cr_assert(strstr(err.message, "slap 13"), "%s", err.message);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(tern_slap_segment(NULL, 13, NULL, &r, &err), TERN_E_ARG);
    tern_image_free(img);
    cr_assert_eq(tern_image_create(200, 1000, 1, &img, NULL), TERN_OK);
    img->ppi_x = img->ppi_y = 500;
    cr_assert_eq(tern_slap_segment(img, 13, NULL, &r, &err), TERN_E_LIMIT);
    tern_image_free(img);
    /* one fingertip where four are expected: refused, not cut into quarters
     * (a whole finger with its lower phalanges is not: see
     * docs/identification.md, "Slaps") */
    ix_slap s;
    ix_slap_make(0x51a9ull, 3, 13, 0, (1u << 1) | (1u << 2) | (1u << 4), &s);
    tern_status rc = tern_slap_segment(s.image, 13, NULL, &r, &err);
    cr_assert_eq(rc, TERN_E_QUALITY, "got %s", tern_status_name(rc));
    ix_slap_free(&s);
}

/* Odd images: a ridge-like test pattern, noise, black, stripes across the
 * whole slap: each is segmented or refused with TERN_E_QUALITY, never
 * anything else, and a refusal leaves the result empty. */
Test(slap, odd_images_are_segmented_or_refused)
{
    tern_image *img[4];
    cr_assert_eq(tern_image_pattern(900, 700, 1, 500, &img[0], NULL), TERN_OK);
    cr_assert_eq(tern_image_create(800, 500, 1, &img[1], NULL), TERN_OK);
    cr_assert_eq(tern_image_create(400, 400, 1, &img[2], NULL), TERN_OK);
    cr_assert_eq(tern_image_create(1600, 1000, 1, &img[3], NULL), TERN_OK);
    uint32_t x = 12345;
    for (size_t i = 0; i < (size_t)800 * 500; i++) {
        x = x * 1103515245u + 12345u;
        img[1]->pixels[i] = (uint8_t)(x >> 24);
    }
    for (size_t i = 0; i < (size_t)1600 * 1000; i++)
        img[3]->pixels[i] = (uint8_t)(((i % 1600) / 5) % 2 ? 40 : 220);
    for (int k = 0; k < 4; k++) {
        img[k]->ppi_x = img[k]->ppi_y = 500;
        for (int slap = 13; slap <= 15; slap++) {
            tern_slap_result r;
            tern_error err;
            tern_status rc = tern_slap_segment(img[k], slap, NULL, &r, &err);
            cr_assert(rc == TERN_OK || rc == TERN_E_QUALITY, "image %d slap %d: %s: %s", k, slap,
                      tern_status_name(rc), err.message);
            if (rc != TERN_OK)
                cr_assert_eq(r.n, 0);
            tern_slap_result_clear(&r);
        }
        tern_image_free(img[k]);
    }
}

/* NIST's ten-print card (ink, with printed captions, handwriting and a
 * punch hole over the right index): the right and left slaps (13, 14) and
 * the rolled prints 2-5 and 7-10 of the same person. No fingertip may match
 * another finger's rolled print better than its own at FMR <= 1e-3 (a
 * confident mislabel), and each must match its own rolled print best.
 * Measured with the comparator of 8f7afe6 (`--verbose` prints them), own /
 * best other: right 2: 0.81 / 0.28, 3: 9.81 / 0.89, 4: 2.37 / 0.29,
 * 5: 1.13 / 0.38; left 10: 2.35 / 0.62, 9: 6.13 / 0.28, 8: 5.94 / 0.42,
 * 7: 9.70 / 0.44. (The left little finger lies under handwriting that
 * touches it; before the segmenter slid down past writing that the
 * extractor enrolls without a consistent ridge period, its cut-out was
 * the scribble, scoring 0.) */
Test(slap, nist_tenprint_card_slaps_agree_with_the_rolled_prints)
{
    TERN_REQUIRE_DATA(path, "an2k/nist-reference/type-14-tpcard-nqm.an2");
    size_t len;
    uint8_t *data = tern_test_read(path, &len);
    tern_nist *t;
    tern_error err;
    cr_assert_eq(tern_nist_parse(data, len, &t, &err), TERN_OK, "%s", err.message);
    free(data);
    tern_template *rolled[11] = {0};
    tern_image *slaps[2] = {0};
    for (size_t r = 1; r < t->n_records; r++) {
        tern_nist_image im;
        tern_image *img = NULL;
        if (tern_nist_image_get(t, r, &im, NULL) != TERN_OK)
            continue;
        cr_assert_eq(tern_nist_image_decode(&im, &img, &err), TERN_OK, "%s", err.message);
        int p = im.positions[0];
        if (p >= 1 && p <= 10 && !rolled[p]) {
            rolled[p] = extract(img);
            tern_image_free(img);
        } else if (p == 13 || p == 14) {
            slaps[p - 13] = img;
        } else {
            tern_image_free(img);
        }
    }
    tern_nist_free(t);
    double confident = tern_match_score_for_fmr(1e-3, NULL);
    for (int k = 0; k < 2; k++) {
        cr_assert_not_null(slaps[k], "slap %d not found", 13 + k);
        tern_slap_result r;
        tern_status rc = tern_slap_segment(slaps[k], 13 + k, NULL, &r, &err);
        cr_assert_eq(rc, TERN_OK, "slap %d: %s", 13 + k, err.message);
        cr_assert_eq(r.n, 4);
        int pos[4], own_best = 0;
        char scores[256] = "";
        tern_slap_positions(13 + k, pos);
        for (size_t i = 0; i < r.n; i++) {
            cr_assert_eq(r.finger[i].position, pos[i]);
            tern_template *tip = extract(r.finger[i].image);
            double own = compare(tip, rolled[pos[i]]), other = -1;
            int other_pos = 0;
            for (int j = 0; j < 4; j++) {
                double sc = j == (int)i ? -1 : compare(tip, rolled[pos[j]]);
                if (sc > other)
                    other = sc, other_pos = pos[j];
            }
            cr_assert(!(other > own && other >= confident),
                      "slap %d: the fingertip labelled %d matches rolled %d (%.2f) over its own "
                      "(%.2f)",
                      13 + k, pos[i], other_pos, other, own);
            own_best += own > other;
            snprintf(scores + strlen(scores), sizeof scores - strlen(scores), "%s%d: %.2f / %.2f",
                     i ? ", " : "", pos[i], own, other);
            tern_template_free(tip);
        }
        cr_log_info("slap %d: own / best other rolled print: %s", 13 + k, scores);
        cr_assert_eq(own_best, 4, "slap %d: %d of 4 fingertips match their rolled print best (%s)",
                      13 + k, own_best, scores);
        tern_slap_result_clear(&r);
        tern_image_free(slaps[k]);
    }
    for (int p = 1; p <= 10; p++)
        tern_template_free(rolled[p]);
}
