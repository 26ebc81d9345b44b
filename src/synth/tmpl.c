/* tmpl.c - template-level synthesis: minutiae without images, for 1:N
 * scale benchmarks (a gallery of 100,000 ten-prints in minutes).
 *
 * A "template finger" shares a master's geometry (geom.c: class, singular
 * points, orientation field, silhouette) and carries master minutiae:
 *   - count: about 55 on a 416x560 canvas, so an impression keeps 30-60
 *     after cropping and dropouts (flat prints hold about 30-60 minutiae);
 *   - positions: inside the silhouette, with a minimum spacing of 10 px
 *     (about one ridge period; real minutiae seldom come closer) and a
 *     higher density near the singular points, where ridges must end or
 *     fork to follow the flow (Q. Zhao, A. K. Jain et al., "A generative
 *     model for fingerprint minutiae", ICB 2013, relate minutiae to the
 *     orientation field);
 *   - directions: along the local ridge orientation, either way;
 *   - types: 55 % endings, 45 % bifurcations; quality around a per-finger
 *     level.
 * An impression moves the master minutiae rigidly, distorts them with the
 * same plastic-distortion model as the images (warp.c, applied forwards),
 * crops them to the frame and a contact window, drops some and adds
 * spurious ones, jitters positions and angles, and shuffles the order.
 * Angles follow tern/template.h: counter-clockwise with y pointing up. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define TF_WIDTH 416
#define TF_HEIGHT 560
#define MIN_SPACING 10.0

void tern_synth_timpression_defaults(tern_synth_timpression_opts *o)
{
    memset(o, 0, sizeof *o);
    o->width = TF_WIDTH;
    o->height = TF_HEIGHT;
    o->translation = 20;
    o->rotation_deg = 10;
    o->distortion = 1;
    o->dropout = 0.12;
    o->spurious = 0.08;
    o->jitter = 1;
}

/* Template angle (y up, [0, 2 pi)) of a direction given in image axes. */
static float up_angle(double dx, double dy)
{
    double a = atan2(-dy, dx);
    if (a < 0)
        a += 2 * M_PI;
    if (a >= 2 * M_PI)
        a = 0;
    return (float)a;
}

static double near_singular(const synth_geom *g, double x, double y)
{
    double best = 1e30;
    for (int i = 0; i < g->n_core; i++) {
        double d = (x - g->core[i][0]) * (x - g->core[i][0]) + (y - g->core[i][1]) * (y - g->core[i][1]);
        best = d < best ? d : best;
    }
    for (int i = 0; i < g->n_delta; i++) {
        double d = (x - g->delta[i][0]) * (x - g->delta[i][0]) + (y - g->delta[i][1]) * (y - g->delta[i][1]);
        best = d < best ? d : best;
    }
    return exp(-best / (2.0 * 70.0 * 70.0));
}

tern_status tern_synth_tfinger_create(uint64_t seed, int finger_class, tern_synth_tfinger **out,
                                      tern_error *err)
{
    *out = NULL;
    if (finger_class < -1 || finger_class >= TERN_SYNTH_CLASS_COUNT)
        return tern_error_set(err, TERN_E_ARG, "synth: finger class %d (-1..%d)", finger_class,
                              TERN_SYNTH_CLASS_COUNT - 1);
    tern_synth_rng r;
    tern_synth_rng_seed(&r, seed);
    tern_synth_class cls = finger_class < 0 ? tern_synth_class_draw(&r) : (tern_synth_class)finger_class;
    tern_synth_tfinger *f = calloc(1, sizeof *f);
    if (!f)
        return tern_error_set(err, TERN_E_NOMEM, "synth: out of memory");
    synth_geom_draw(&r, cls, TF_WIDTH, TF_HEIGHT, 0, &f->geom);
    int target = (int)lround(55 + 10 * tern_synth_rng_normal(&r));
    target = target < 25 ? 25 : target > 100 ? 100 : target;
    f->minutiae = calloc((size_t)target, sizeof *f->minutiae);
    if (!f->minutiae) {
        free(f);
        return tern_error_set(err, TERN_E_NOMEM, "synth: out of memory");
    }
    double base_q = tern_synth_rng_range(&r, 45, 90);
    const synth_geom *g = &f->geom;
    for (int tries = 0; (int)f->n < target && tries < 40 * target; tries++) {
        double x = tern_synth_rng_range(&r, 0, TF_WIDTH), y = tern_synth_rng_range(&r, 0, TF_HEIGHT);
        if (synth_geom_radius(g, x, y) > 0.95)
            continue;
        if (tern_synth_rng_uniform(&r) > 0.55 + 0.45 * near_singular(g, x, y))
            continue;
        bool close = false;
        for (uint32_t k = 0; k < f->n && !close; k++) {
            double dx = f->minutiae[k].x - x, dy = f->minutiae[k].y - y;
            close = dx * dx + dy * dy < MIN_SPACING * MIN_SPACING;
        }
        if (close)
            continue;
        double theta = synth_geom_orient(g, x, y);
        if (tern_synth_rng_below(&r, 2))
            theta += M_PI;
        double q = base_q + 12 * tern_synth_rng_normal(&r);
        tern_minutia *m = &f->minutiae[f->n++];
        m->x = (float)x;
        m->y = (float)y;
        m->angle = up_angle(cos(theta), sin(theta));
        m->type = tern_synth_rng_uniform(&r) < 0.55 ? TERN_MINUTIA_ENDING : TERN_MINUTIA_BIFURCATION;
        m->quality = (uint8_t)(q < 10 ? 10 : q > 100 ? 100 : lround(q));
    }
    *out = f;
    return TERN_OK;
}

void tern_synth_tfinger_free(tern_synth_tfinger *f)
{
    if (!f)
        return;
    free(f->minutiae);
    free(f);
}

tern_synth_class tern_synth_tfinger_class(const tern_synth_tfinger *f) { return f->geom.cls; }
uint32_t tern_synth_tfinger_count(const tern_synth_tfinger *f) { return f->n; }

/* The impression's mapping from canvas to frame. */
typedef struct tmap {
    double c, s, tx, ty, mcx, mcy, fcx, fcy;
    synth_warp warp;
} tmap;

static void map_point(const tmap *t, double x, double y, double *ox, double *oy)
{
    double dx = x - t->mcx, dy = y - t->mcy;
    *ox = t->fcx + t->tx + t->c * dx - t->s * dy;
    *oy = t->fcy + t->ty + t->s * dx + t->c * dy;
    synth_warp_apply(&t->warp, ox, oy);
}

static bool add_minutia(tern_template *t, const tmap *map, tern_synth_rng *r, double jitter,
                        double x, double y, double dir_x, double dir_y, uint8_t type, double q)
{
    double fx, fy, ex, ey;
    map_point(map, x, y, &fx, &fy);
    map_point(map, x + 4 * dir_x, y + 4 * dir_y, &ex, &ey);
    /* The direction is the mapped one; position jitter is added after it, so
     * that it moves the minutia without turning it. */
    double a = atan2(ey - fy, ex - fx) + 0.08 * tern_synth_rng_normal(r);
    fx += jitter * tern_synth_rng_normal(r);
    fy += jitter * tern_synth_rng_normal(r);
    if (fx < 4 || fy < 4 || fx > t->width - 5 || fy > t->height - 5 ||
        t->n_minutiae >= TERN_TEMPLATE_MAX_MINUTIAE)
        return false;
    tern_minutia *m = &t->minutiae[t->n_minutiae++];
    m->x = (float)fx;
    m->y = (float)fy;
    m->angle = up_angle(cos(a), sin(a));
    m->type = type;
    m->quality = (uint8_t)(q < 5 ? 5 : q > 100 ? 100 : lround(q));
    return true;
}

/* The finger's cores and deltas that fall inside the frame. */
static tern_status add_singular(tern_template *t, const tern_synth_tfinger *f, const tmap *map,
                                tern_error *err)
{
    const synth_geom *g = &f->geom;
    int n = g->n_core + g->n_delta;
    if (!n)
        return TERN_OK;
    t->singular = calloc((size_t)n, sizeof *t->singular);
    if (!t->singular)
        return tern_error_set(err, TERN_E_NOMEM, "synth: out of memory");
    for (int i = 0; i < n; i++) {
        bool core = i < g->n_core;
        const double *p = core ? g->core[i] : g->delta[i - g->n_core];
        double x, y;
        map_point(map, p[0], p[1], &x, &y);
        if (x < 0 || y < 0 || x >= t->width || y >= t->height)
            continue;
        t->singular[t->n_singular++] = (tern_singular){
            (float)x, (float)y, 0, core ? TERN_SINGULAR_CORE : TERN_SINGULAR_DELTA, 0};
    }
    return TERN_OK;
}

tern_status tern_synth_tfinger_impression(const tern_synth_tfinger *f, uint64_t seed,
                                          const tern_synth_timpression_opts *opts,
                                          tern_template **out, tern_error *err)
{
    *out = NULL;
    tern_synth_timpression_opts o;
    if (opts)
        o = *opts;
    else
        tern_synth_timpression_defaults(&o);
    if (!o.width)
        o.width = TF_WIDTH;
    if (!o.height)
        o.height = TF_HEIGHT;
    if (o.width < 64 || o.height < 64 || o.width > TERN_SYNTH_MAX_DIM || o.height > TERN_SYNTH_MAX_DIM ||
        !(o.dropout >= 0 && o.dropout <= 1 && o.spurious >= 0 && o.spurious <= 2 && o.jitter >= 0 &&
          o.translation >= 0 && o.rotation_deg >= 0 && o.rotation_deg <= 180 && o.distortion >= 0))
        return tern_error_set(err, TERN_E_ARG,
                              "synth: template impression options out of range (frame 64..%u, "
                              "dropout 0..1, spurious 0..2, others >= 0)",
                              TERN_SYNTH_MAX_DIM);
    tern_synth_rng r;
    tern_synth_rng_seed(&r, seed);
    tmap map;
    double rot = o.rotation_deg * M_PI / 180.0 * tern_synth_rng_range(&r, -1, 1);
    map.c = cos(rot);
    map.s = sin(rot);
    double tr = o.translation * sqrt(tern_synth_rng_uniform(&r)), ta = tern_synth_rng_range(&r, 0, 2 * M_PI);
    map.tx = tr * cos(ta);
    map.ty = tr * sin(ta);
    map.mcx = 0.5 * TF_WIDTH;
    map.mcy = 0.5 * TF_HEIGHT;
    map.fcx = 0.5 * o.width;
    map.fcy = 0.5 * o.height;
    synth_warp_draw(&r, o.distortion, 1.0, false, map.fcx, map.fcy, &map.warp);
    /* Contact window over the silhouette (canvas coordinates). */
    const synth_geom *g = &f->geom;
    double ccx = g->cx + 18 * tern_synth_rng_normal(&r), ccy = g->cy + 18 * tern_synth_rng_normal(&r);
    double csx = tern_synth_rng_range(&r, 0.85, 1.05) * 0.5 * (g->a1 + g->a2);
    double csy = tern_synth_rng_range(&r, 0.9, 1.1) * 0.5 * (g->b1 + g->b2 + g->c);
    uint32_t n_spur = (uint32_t)lround(f->n * o.spurious * tern_synth_rng_range(&r, 0.5, 1.5));
    tern_status s = tern_template_create(f->n + n_spur > TERN_TEMPLATE_MAX_MINUTIAE
                                             ? TERN_TEMPLATE_MAX_MINUTIAE : f->n + n_spur,
                                         out, err);
    if (s != TERN_OK)
        return s;
    tern_template *t = *out;
    t->n_minutiae = 0;
    t->width = o.width;
    t->height = o.height;
    t->ppi_x = t->ppi_y = TERN_SYNTH_PPI;
    s = add_singular(t, f, &map, err);
    if (s != TERN_OK) {
        tern_template_free(t);
        *out = NULL;
        return s;
    }
    for (uint32_t i = 0; i < f->n; i++) {
        const tern_minutia *m = &f->minutiae[i];
        double ex = (m->x - ccx) / csx, ey = (m->y - ccy) / csy;
        double edge = sqrt(ex * ex + ey * ey);
        if (edge > 1.0)
            continue;
        /* Dropouts are likelier near the edge of the contact area. */
        double pd = o.dropout * (edge > 0.8 ? 2.0 : 1.0);
        if (tern_synth_rng_uniform(&r) < pd)
            continue;
        double dx = cos(m->angle), dy = -sin(m->angle);
        add_minutia(t, &map, &r, o.jitter, m->x, m->y, dx, dy, m->type,
                    m->quality + 8 * tern_synth_rng_normal(&r) - (edge > 0.8 ? 15 : 0));
    }
    for (uint32_t k = 0; k < n_spur; k++) {
        double a = tern_synth_rng_range(&r, 0, 2 * M_PI), rad = sqrt(tern_synth_rng_uniform(&r));
        double x = ccx + rad * csx * cos(a), y = ccy + rad * csy * sin(a);
        if (synth_geom_radius(g, x, y) > 1.0)
            continue;
        double theta = synth_geom_orient(g, x, y) + (tern_synth_rng_below(&r, 2) ? M_PI : 0);
        add_minutia(t, &map, &r, 0, x, y, cos(theta), sin(theta),
                    tern_synth_rng_below(&r, 2) ? TERN_MINUTIA_ENDING : TERN_MINUTIA_BIFURCATION,
                    tern_synth_rng_range(&r, 10, 45));
    }
    /* Shuffle: the order must not tell true minutiae from spurious ones. */
    for (uint32_t i = t->n_minutiae; i > 1; i--) {
        uint32_t j = tern_synth_rng_below(&r, i);
        tern_minutia tmp = t->minutiae[i - 1];
        t->minutiae[i - 1] = t->minutiae[j];
        t->minutiae[j] = tmp;
    }
    double qsum = 0;
    for (uint32_t i = 0; i < t->n_minutiae; i++)
        qsum += t->minutiae[i].quality;
    double q = t->n_minutiae ? qsum / t->n_minutiae : 0;
    t->quality = (uint8_t)(q < 1 ? 1 : q > 100 ? 100 : lround(q));
    return TERN_OK;
}
