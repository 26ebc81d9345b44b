/* geom.c - the shape of a synthetic finger: class, singular points,
 * orientation field, ridge-period (density) map and silhouette.
 *
 * Orientation: the zero-pole model of B. G. Sherlock and D. M. Monro, "A
 * model for interpreting fingerprint topology", Pattern Recognition 26(7),
 * 1993: theta(z) = theta_inf + 1/2 [sum over cores arg(z - c_k) - sum over
 * deltas arg(z - d_k)] (a core has index +1/2, a delta -1/2), with the correction SFinGe adopts from P. Vizcaya and
 * L. Gerhardt ("A nonlinear orientation model for global description of
 * fingerprints", Pattern Recognition 29(7), 1996): each arg term passes
 * through a function g_k, the identity perturbed, which bends the ridge flow
 * away from the rigid zero-pole shape. Vizcaya and Gerhardt's g_k is
 * piecewise linear over eight sampling angles, fitted to real prints per
 * class; here it is drawn at random as a smooth (trigonometric) map, plus,
 * for loops, the class-specific bends that make a zero-pole loop look like
 * a real one (draw_singular). Arches have no singular points; their field follows
 * SFinGe's arch formula, a bump whose steepness fades towards the base of
 * the finger (Cappelli, Maio, Maltoni, ICPR 2002; Handbook of Fingerprint
 * Recognition, ch. "Synthetic fingerprint generation").
 *
 * Density: a mean period around SYNTH_PERIOD_MEAN (7.2 px at 500 ppi)
 * when the caller sets none, so FVC-style databases measure SFinGe's DB4
 * period (7.4 px with stats.c; FVC2002 DB1 and DB3 measure 8.7 and 8.4;
 * identities set their own, 8.6 on average, see identity.c), varied
 * smoothly,
 * longer above the northernmost core and near deltas (SFinGe's heuristic
 * from visual inspection of real prints), slightly shorter near the base.
 *
 * Silhouette: SFinGe's fingerprint area model, a rectangle of height c
 * between four quarter-ellipses (a1, a2, b1, b2). */
#include <math.h>

#include "synth_internal.h"

/* How far a Vizcaya-Gerhardt correction may bend the flow: the slope of
 * g_k stays within 1 -+ VG_PLAY (0.1 to 1.9), so g_k is monotone. The
 * more the fields of different fingers differ, the fewer chance
 * alignments between their minutiae (the impostor tail, docs/synth.md). */
#define VG_PLAY 0.9
/* Loops: the delta's angle off the vertical below the core, degrees
 * (Tern's extractor finds DB4_B's 24-51 degrees off, capture rotation
 * included); the core's bend (the loop's axis turned further from the
 * delta) and the delta's (the flow between them turned across their line),
 * radians. The delta's bend was 0.5-0.9 when deltas sat 14-25 degrees off
 * the vertical; with deltas 35-65 degrees off the bare model's ridges
 * already cross the line, and that bend turned every loop's tongue
 * horizontal: the ridges crossed the line at a median abs(sin) of 0.87 on
 * impressions against DB4_B's 0.67 (0.68 at 0-0.2), and impostor pairs
 * above DB4_B's EER threshold were 0.61 % against its 0.35 % (0.30 % at
 * 0-0.2; docs/synth.md, sixth session). */
#define DELTA_ANG_MIN 35
#define DELTA_ANG_MAX 65
#define OPEN_MIN 0.0
#define OPEN_MAX 0.4
#define CROSS_MIN 0.0
#define CROSS_MAX 0.2

static const char *const class_names[TERN_SYNTH_CLASS_COUNT] = {
    "arch", "tented_arch", "left_loop", "right_loop", "whorl",
};

/* Natural class frequencies (per mille), SFinGe's figures (Handbook). */
static const unsigned class_permille[TERN_SYNTH_CLASS_COUNT] = {37, 29, 338, 317, 279};

const char *tern_synth_class_name(tern_synth_class c)
{
    return (unsigned)c < TERN_SYNTH_CLASS_COUNT ? class_names[c] : "unknown";
}

tern_synth_class tern_synth_class_draw(tern_synth_rng *rng)
{
    uint32_t r = tern_synth_rng_below(rng, 1000);
    for (int c = 0; c < TERN_SYNTH_CLASS_COUNT; c++) {
        if (r < class_permille[c])
            return (tern_synth_class)c;
        r -= class_permille[c];
    }
    return TERN_SYNTH_WHORL;
}

void synth_smooth_draw(tern_synth_rng *rng, double wavelength, synth_smooth *s)
{
    for (int i = 0; i < SYNTH_NOISE_TERMS; i++) {
        double dir = tern_synth_rng_range(rng, 0, M_PI);
        double k = 2.0 * M_PI / (wavelength * tern_synth_rng_range(rng, 0.7, 1.4));
        s->kx[i] = k * cos(dir);
        s->ky[i] = k * sin(dir);
        s->phase[i] = tern_synth_rng_range(rng, 0, 2.0 * M_PI);
    }
}

double synth_smooth_at(const synth_smooth *s, double x, double y)
{
    double v = 0;
    for (int i = 0; i < SYNTH_NOISE_TERMS; i++)
        v += cos(s->kx[i] * x + s->ky[i] * y + s->phase[i]);
    return v * 0.5; /* sum of 4 unit cosines: sd ~ 1.4, scaled to ~0.7 */
}

static void draw_singular(tern_synth_rng *rng, synth_geom *g, double top, double hs)
{
    double ccx = g->cx + 0.04 * g->width * tern_synth_rng_normal(rng);
    double ccy = top + hs * tern_synth_rng_range(rng, 0.36, 0.50);
    double dist, ang, side;
    g->n_core = g->n_delta = 0;
    for (int k = 0; k < 2 * SYNTH_MAX_SING; k++)
        g->bend_amp[k] = g->bend_dir[k] = 0;
    switch (g->cls) {
    case TERN_SYNTH_ARCH:
        break;
    case TERN_SYNTH_TENTED_ARCH:
        g->n_core = g->n_delta = 1;
        g->core[0][0] = ccx;
        g->core[0][1] = ccy;
        g->delta[0][0] = ccx + 6.0 * tern_synth_rng_normal(rng);
        g->delta[0][1] = ccy + tern_synth_rng_range(rng, 45, 85);
        break;
    case TERN_SYNTH_LEFT_LOOP:
    case TERN_SYNTH_RIGHT_LOOP:
        /* Core-to-delta distance 117-195 px (about 13-22 ridges of 7-9 px
         * along the line, 10-16 crossing it), the delta 35-65 degrees off
         * the vertical below the core, on the side away from the opening of
         * the loop: a flat impression shows the loop and little of the
         * field below the delta, as FVC2002 DB4's loops do. */
        g->n_core = g->n_delta = 1;
        dist = tern_synth_rng_range(rng, 117, 195);
        ang = tern_synth_rng_range(rng, DELTA_ANG_MIN, DELTA_ANG_MAX) * M_PI / 180.0;
        if (g->cls == TERN_SYNTH_LEFT_LOOP)
            ccx -= 0.03 * g->width;
        else
            ccx += 0.03 * g->width;
        g->core[0][0] = ccx;
        g->core[0][1] = ccy;
        side = g->cls == TERN_SYNTH_LEFT_LOOP ? 1 : -1;
        g->delta[0][0] = ccx + side * dist * sin(ang);
        g->delta[0][1] = ccy + dist * cos(ang);
        /* The bare zero-pole loop opens along the mirror image of the
         * core-to-delta direction (the axis where theta = alpha around the
         * core is pi/2 + side * ang, image axes): a delta close under the
         * core gives a loop opening downwards whose limbs run along the
         * core-delta line and crowd there. Real loops open sideways; the
         * core's bend turns the axis further from the delta. */
        g->bend_dir[0] = M_PI / 2 + side * ang;
        g->bend_amp[0] = side * tern_synth_rng_range(rng, OPEN_MIN, OPEN_MAX);
        /* On the core-delta line the bare model's ridges run at ang to the
         * line (theta = theta_inf - pi/2 there whatever the line's slope),
         * so ridges between a close delta and the core converge on it. In
         * a real loop they cross it: the ridge count between core and
         * delta. The delta's correction, towards the core, turns them. */
        g->bend_dir[SYNTH_MAX_SING] = -M_PI / 2 - side * ang;
        g->bend_amp[SYNTH_MAX_SING] = -side * tern_synth_rng_range(rng, CROSS_MIN, CROSS_MAX);
        break;
    case TERN_SYNTH_WHORL:
    default: {
        g->n_core = g->n_delta = 2;
        double sep = tern_synth_rng_range(rng, 14, 50);
        double tilt = tern_synth_rng_normal(rng) * 0.5;
        g->core[0][0] = ccx - 0.5 * sep * sin(tilt);
        g->core[0][1] = ccy - 0.5 * sep * cos(tilt);
        g->core[1][0] = ccx + 0.5 * sep * sin(tilt);
        g->core[1][1] = ccy + 0.5 * sep * cos(tilt);
        for (int k = 0; k < 2; k++) {
            double wside = k ? 1.0 : -1.0;
            g->delta[k][0] = ccx + wside * tern_synth_rng_range(rng, 85, 140);
            g->delta[k][1] = ccy + tern_synth_rng_range(rng, 80, 140);
        }
        break;
    }
    }
}

void synth_geom_draw(tern_synth_rng *rng, tern_synth_class cls, double w, double h,
                     double period, synth_geom *g)
{
    g->cls = cls;
    g->width = w;
    g->height = h;
    /* Silhouette: about 80-95 % of the canvas width and 88-100 % of its
     * height, a little off centre. */
    double ws = w * tern_synth_rng_range(rng, 0.80, 0.95);
    double hs = h * tern_synth_rng_range(rng, 0.88, 1.0);
    double asym = tern_synth_rng_range(rng, -0.05, 0.05);
    g->a1 = 0.5 * ws * (1 + asym);
    g->a2 = 0.5 * ws * (1 - asym);
    g->b1 = hs * tern_synth_rng_range(rng, 0.30, 0.40);
    g->b2 = hs * tern_synth_rng_range(rng, 0.20, 0.30);
    g->c = hs - g->b1 - g->b2;
    double top = 0.5 * (h - hs) + 0.02 * h * tern_synth_rng_normal(rng);
    g->cx = 0.5 * w + 0.02 * w * tern_synth_rng_normal(rng);
    g->cy = top + g->b1 + 0.5 * g->c;

    draw_singular(rng, g, top, hs);
    /* Vizcaya-Gerhardt correction: g_k must stay a monotone map of the
     * circle onto itself (a reparametrisation of the angle around the
     * singularity), or several directions fold onto one ray. It is drawn as
     * a short Fourier series, whose slope 1 + sum n (-a_n sin + b_n cos)
     * stays within 1 -+ VG_PLAY when sum n (|a_n| + |b_n|) <= VG_PLAY. A
     * piecewise-linear g_k (Vizcaya and Gerhardt's own form, eight
     * sampling angles) bends the flow abruptly along the eight rays where
     * its slope jumps: with random slopes the ridges crowded along those
     * rays and the growth packed them with lines of minutiae, which
     * fingers of the same class then shared. */
    for (int k = 0; k < 2 * SYNTH_MAX_SING; k++) {
        double c[2 * SYNTH_VG_HARM], norm = 0;
        for (int i = 0; i < 2 * SYNTH_VG_HARM; i++) {
            int n = i / 2 + 1;
            c[i] = tern_synth_rng_range(rng, -1, 1) / n;
            norm += n * fabs(c[i]);
        }
        double budget = VG_PLAY * tern_synth_rng_range(rng, 0.4, 1.0);
        g->vg[k][0] = 0.10 * tern_synth_rng_normal(rng);
        for (int i = 0; i < 2 * SYNTH_VG_HARM; i++)
            g->vg[k][i + 1] = norm > 0 ? c[i] * budget / norm : 0;
    }
    g->arch_k = tern_synth_rng_range(rng, 0.8, 1.6);
    g->arch_u0 = 0.06 * tern_synth_rng_normal(rng);
    g->arch_skew = tern_synth_rng_range(rng, -0.35, 0.35);
    g->dome = tern_synth_rng_range(rng, 1.0, 3.0);
    g->rotation = 0.10 * tern_synth_rng_normal(rng);
    g->period = period > 0 ? period : SYNTH_PERIOD_MEAN + SYNTH_PERIOD_SD * tern_synth_rng_normal(rng);
    if (g->period < 6.0)
        g->period = 6.0;
    if (g->period > 11.5)
        g->period = 11.5;
    synth_smooth_draw(rng, 180.0, &g->period_noise);
    synth_smooth_draw(rng, 150.0, &g->orient_noise);
    /* Ridge-flow randomness of one finger against another, 6-17 degrees:
     * at 2-7 degrees (0.04-0.12 rad) impostor scores at the 99.9th
     * percentile were 2.44, at these 1.94 (docs/synth.md). */
    g->orient_noise_amp = tern_synth_rng_range(rng, 0.10, 0.30);
    /* Whorls twist into spirals, clockwise or not: 0.4-0.8 rad at the
     * centre, fading over 50-90 px. Two cores alone drew concentric rings,
     * which the growth filled with no minutiae; a print of such a centre
     * carried 13-21 minutiae and failed to match its mates (whorls failed
     * 1.9 % of their genuine pairs against loops' 0.5 %, 0.9 % with the
     * twist; docs/synth.md). Drawn last, so that other classes keep their
     * draws. */
    g->spiral = 0;
    g->spiral_r = 1;
    if (cls == TERN_SYNTH_WHORL) {
        double sign = tern_synth_rng_uniform(rng) < 0.5 ? -1.0 : 1.0;
        g->spiral = sign * tern_synth_rng_range(rng, 0.4, 0.8);
        g->spiral_r = tern_synth_rng_range(rng, 50, 90);
    }
}

/* g_k(alpha) for the direction (dx, dy) / r = (cos alpha, sin alpha): the
 * identity plus the smooth correction. */
static double vg_apply(const double *vg, double alpha, double ca, double sa)
{
    double v = alpha + vg[0], cn = ca, sn = sa;
    for (int n = 1; n <= SYNTH_VG_HARM; n++) {
        v += vg[2 * n - 1] * cn + vg[2 * n] * sn;
        double c2 = cn * ca - sn * sa;
        sn = sn * ca + cn * sa;
        cn = c2;
    }
    return v;
}

/* The corrected angular term of singularity k (cores 0.., deltas
 * SYNTH_MAX_SING..) at offset (dx, dy) from it: the bend, then g_k. */
static double sing_angle(const synth_geom *g, int k, double dx, double dy)
{
    double r = hypot(dx, dy);
    if (r == 0)
        return 0;
    double a = atan2(dy, dx);
    dx /= r;
    dy /= r;
    if (g->bend_amp[k] != 0) {
        double d = remainder(a - g->bend_dir[k], 2.0 * M_PI);
        if (fabs(d) < 0.5 * M_PI) {
            a += g->bend_amp[k] * cos(d) * cos(d);
            dx = cos(a);
            dy = sin(a);
        }
    }
    return vg_apply(g->vg[k], a, dx, dy);
}

double synth_geom_orient(const synth_geom *g, double x, double y)
{
    double theta;
    if (g->cls == TERN_SYNTH_ARCH) {
        double top = g->cy - 0.5 * g->c - g->b1;
        double hs = g->b1 + g->c + g->b2;
        double k = g->arch_k * (1.0 - (y - top) / (0.8 * hs));
        if (k < 0)
            k = 0;
        double u = (x - g->cx) / (g->a1 + g->a2) - g->arch_u0;
        k *= 1.0 + (u < 0 ? -g->arch_skew : g->arch_skew);
        theta = g->rotation + atan(k * sin(2.0 * M_PI * u));
    } else {
        double s = 0;
        for (int i = 0; i < g->n_delta; i++)
            s -= sing_angle(g, SYNTH_MAX_SING + i, x - g->delta[i][0], y - g->delta[i][1]);
        for (int i = 0; i < g->n_core; i++)
            s += sing_angle(g, i, x - g->core[i][0], y - g->core[i][1]);
        theta = g->rotation + 0.5 * s;
    }
    /* SFinGe-style correction far from the singularities: towards the tip
     * and the sides, ridges follow the rounded fingertip (a dome), where the
     * bare zero-pole field would stay horizontal. Its strength (1-3: at
     * the tip's flanks the ridges turn 45-70 degrees) also varies the
     * field from finger to finger: without it, impostor scores at the 99th
     * percentile rose from 1.55 to 2.26 (docs/synth.md). */
    double top = g->cy - 0.5 * g->c - g->b1;
    double wy = 1.0 - (y - top) / (0.8 * (g->b1 + g->c + g->b2));
    if (g->cls != TERN_SYNTH_ARCH && wy > 0)
        theta += atan(g->dome * wy * (x - g->cx) / (0.5 * (g->a1 + g->a2)));
    theta += g->orient_noise_amp * synth_smooth_at(&g->orient_noise, x, y);
    if (g->spiral != 0 && g->n_core == 2) {
        double mx = 0.5 * (g->core[0][0] + g->core[1][0]);
        double my = 0.5 * (g->core[0][1] + g->core[1][1]);
        double r2 = ((x - mx) * (x - mx) + (y - my) * (y - my)) / (g->spiral_r * g->spiral_r);
        theta += g->spiral * exp(-r2);
    }
    theta = fmod(theta, M_PI);
    if (theta < 0)
        theta += M_PI;
    return theta;
}

double synth_geom_period(const synth_geom *g, double x, double y)
{
    double f = 1.0 + 0.09 * synth_smooth_at(&g->period_noise, x, y);
    /* Longer period (lower density) above the northernmost core... */
    double ref_y = g->cy - 0.5 * g->c - 0.4 * g->b1;
    for (int i = 0; i < g->n_core; i++)
        if (g->core[i][1] < ref_y || i == 0)
            ref_y = g->core[i][1];
    double above = (ref_y - y) / 80.0;
    f *= 1.0 + 0.08 * (above < 0 ? 0 : above > 1 ? 1 : above);
    /* ...and around deltas; shorter towards the base of the finger. */
    for (int i = 0; i < g->n_delta; i++) {
        double dx = x - g->delta[i][0], dy = y - g->delta[i][1];
        f *= 1.0 + 0.06 * exp(-(dx * dx + dy * dy) / (2.0 * 45.0 * 45.0));
    }
    double base = (y - (g->cy + 0.5 * g->c)) / g->b2;
    f *= 1.0 - 0.05 * (base < 0 ? 0 : base > 1 ? 1 : base);
    double t = g->period * f;
    return t < 5.5 ? 5.5 : t > 14.0 ? 14.0 : t;
}

double synth_geom_radius(const synth_geom *g, double x, double y)
{
    double dx = x - g->cx;
    double a = dx < 0 ? g->a1 : g->a2;
    double dy = 0, b = 1;
    if (y < g->cy - 0.5 * g->c) {
        dy = (g->cy - 0.5 * g->c) - y;
        b = g->b1;
    } else if (y > g->cy + 0.5 * g->c) {
        dy = y - (g->cy + 0.5 * g->c);
        b = g->b2;
    }
    return sqrt((dx / a) * (dx / a) + (dy / b) * (dy / b));
}
