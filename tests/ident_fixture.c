/* ident_fixture.c - synthetic ten-print identities (see ident_fixture.h). */
#include "ident_fixture.h"
#include "ident_ten.h"

#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tern/slap.h"
#include "tern/synth.h"

void ix_fingers(uint64_t seed, uint64_t index, unsigned imp, tern_template *t[10])
{
    tern_error err;
    cr_assert_eq(ix_ten_make(seed, index, imp, t, &err), TERN_OK, "%s", err.message);
}

void ix_free(tern_template *t[10])
{
    for (unsigned k = 0; k < 10; k++) {
        tern_template_free(t[k]);
        t[k] = NULL;
    }
}

tern_image *ix_finger_impression(uint64_t seed, uint64_t index, int position,
                                 uint64_t impression_seed, const tern_synth_impression_opts *io)
{
    tern_synth_identity id;
    tern_synth_identity_make(seed, index, &id);
    tern_synth_master_opts mo;
    tern_synth_master_defaults(&mo);
    mo.finger_class = (int)id.finger_class[position - 1];
    mo.period = id.finger_period[position - 1];
    tern_synth_master *m;
    tern_error err;
    cr_assert_eq(tern_synth_master_create(id.finger_seed[position - 1], &mo, &m, &err), TERN_OK,
                 "%s", err.message);
    tern_image *img;
    cr_assert_eq(tern_synth_impression(m, impression_seed, io, &img, &err), TERN_OK, "%s",
                 err.message);
    tern_synth_master_free(m);
    return img;
}

void ix_prints_make(ix_prints *p, uint64_t seed, uint64_t index, unsigned imp)
{
    ix_fingers(seed, index, imp, p->t);
    for (int k = 0; k < 10; k++)
        p->f[k] = (tern_core_finger){.position = k + 1, .impression = 1, .tmpl = p->t[k]};
}

void ix_prints_free(ix_prints *p)
{
    ix_free(p->t);
}

void ix_world_up(ix_world *w, fx_backend backend, tern_user *users, size_t n,
                 tern_retention_rule *rule)
{
    tern_error err;
    memset(w, 0, sizeof *w);
    fx_setup(&w->f, backend);
    w->s = fx_open(&w->f);
    fx_seed(w->s);
    w->now = tern_store_now_ms();
    for (size_t i = 0; i < n; i++)
        OK(tern_store_user_insert(w->s, &users[i], &err));
    OK(tern_store_retention_rule_insert(w->s, rule, &err));
    OK(tern_core_create(w->s, &w->f.node, &w->c, &err));
    OK(tern_core_gallery_load(w->c, &w->g, NULL, NULL, &err));
}

void ix_world_open(ix_world *w)
{
    tern_error err;
    w->s = fx_open(&w->f);
    OK(tern_core_create(w->s, &w->f.node, &w->c, &err));
    OK(tern_core_gallery_load(w->c, &w->g, NULL, NULL, &err));
}

void ix_world_close(ix_world *w)
{
    tern_core_gallery_free(w->g);
    tern_core_free(w->c);
    tern_store_close(w->s);
    w->g = NULL, w->c = NULL, w->s = NULL;
}

void ix_world_down(ix_world *w, tern_audit_report *rep)
{
    tern_error err;
    OK(tern_audit_verify(w->s, w->f.node.pk, rep, &err));
    ix_world_close(w);
    fx_teardown(&w->f);
}

/* for_slap: composed onto a slap, where the layout sets the finger's angle
 * and the slap its background: no rotation of its own, no sensor frame. */
static tern_image *finger_image(uint64_t seed, uint64_t index, int position, uint64_t imp,
                                bool rolled, bool for_slap)
{
    tern_synth_impression_opts io;
    tern_synth_impression_defaults(&io);
    io.rolled = rolled;
    if (for_slap) {
        io.rotation_deg = 0;
        io.plain_background = true;
    }
    return ix_finger_impression(seed, index, position,
                                tern_synth_seed_mix(seed, index * 16 + position, imp), &io);
}

tern_image *ix_finger_image(uint64_t seed, uint64_t index, int position, uint64_t imp,
                            bool rolled)
{
    return finger_image(seed, index, position, imp, rolled, false);
}

unsigned ix_border_median(const tern_image *f)
{
    unsigned hist[256] = {0}, n = 0, half = f->width + f->height - 2;
    for (uint32_t x = 0; x < f->width; x++)
        hist[f->pixels[x]]++, hist[f->pixels[(size_t)(f->height - 1) * f->width + x]]++;
    for (uint32_t y = 1; y + 1 < f->height; y++)
        hist[f->pixels[(size_t)y * f->width]]++, hist[f->pixels[(size_t)y * f->width + f->width - 1]]++;
    for (unsigned v = 0; v < 256; v++)
        if ((n += hist[v]) >= half)
            return v;
    return 255;
}

bool ix_sample(const tern_image *f, double lx, double ly, double *v)
{
    if (lx < 0 || ly < 0 || lx >= f->width - 1 || ly >= f->height - 1)
        return false;
    int x0 = (int)lx, y0 = (int)ly;
    double wx = lx - x0, wy = ly - y0;
    const uint8_t *p = f->pixels + (size_t)y0 * f->width + x0;
    *v = (p[0] * (1 - wx) + p[1] * wx) * (1 - wy) +
         (p[f->width] * (1 - wx) + p[f->width + 1] * wx) * wy;
    return true;
}

/* Darkest-wins: the impression f, turned clockwise by deg about its centre,
 * laid with that centre at (cx, cy). */
static void lay(tern_image *canvas, const tern_image *f, double cx, double cy, double deg)
{
    /* the impression's frame is grey: stretch its border level to white, as
     * on a slap scanner's glass */
    unsigned level = ix_border_median(f);
    level = level ? level : 1;
    double a = deg * 3.14159265358979323846 / 180.0, c = cos(a), s = sin(a);
    double hw = f->width / 2.0, hh = f->height / 2.0;
    for (uint32_t y = 0; y < canvas->height; y++)
        for (uint32_t x = 0; x < canvas->width; x++) {
            double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
            double lx = dx * c + dy * s + hw - 0.5, ly = -dx * s + dy * c + hh - 0.5;
            double v;
            if (!ix_sample(f, lx, ly, &v))
                continue;
            v = v * 255.0 / (level - 8);
            v = v > 255 ? 255 : v;
            uint8_t *q = canvas->pixels + (size_t)y * canvas->width + x;
            if (v + 0.5 < *q)
                *q = (uint8_t)(v + 0.5);
        }
}

void ix_slap_make(uint64_t seed, uint64_t index, int slap, double hand_deg, unsigned absent,
                  ix_slap *out)
{
    /* hand upright, left to right: offset from the hand's centre and splay */
    static const double four_dx[4] = {-390, -130, 130, 390}, four_deg[4] = {-8, -3, 3, 8};
    static const double right_dy[4] = {40, 0, 30, 150}; /* index, middle, ring, little */
    static const double thumb_dx[2] = {-200, 200}, thumb_deg[2] = {14, -14};
    int pos[4];
    unsigned total = tern_slap_positions(slap, pos);
    cr_assert(total > 0, "ix_slap_make: %d is not a slap", slap);
    memset(out, 0, sizeof *out);
    uint32_t w = slap == 15 ? 900 : 1600, h = 1000;
    cr_assert_eq(tern_image_create(w, h, 1, &out->image, NULL), TERN_OK);
    out->image->ppi_x = out->image->ppi_y = 500;
    tern_synth_rng rng;
    tern_synth_rng_seed(&rng, tern_synth_seed_mix(seed, index, (uint64_t)slap));
    for (size_t i = 0; i < (size_t)w * h; i++)
        out->image->pixels[i] = (uint8_t)(235 + tern_synth_rng_below(&rng, 16));
    double a = hand_deg * 3.14159265358979323846 / 180.0, c = cos(a), s = sin(a);
    for (unsigned i = 0; i < total; i++) {
        if (absent & (1u << (pos[i] - 1)))
            continue;
        double dx, dy, deg;
        if (slap == 15) {
            dx = thumb_dx[i], dy = 60, deg = thumb_deg[i];
        } else {
            dx = four_dx[i], dy = right_dy[slap == 13 ? i : 3 - i], deg = four_deg[i];
        }
        dy -= 120; /* the fingertips sit in the upper part of the slap */
        unsigned k = out->n++;
        out->position[k] = pos[i];
        out->finger[k] = finger_image(seed, index, pos[i], 1, false, true);
        out->cx[k] = w / 2.0 + dx * c - dy * s;
        out->cy[k] = h / 2.0 + dx * s + dy * c;
        out->angle_deg[k] = deg + hand_deg;
        lay(out->image, out->finger[k], out->cx[k], out->cy[k], out->angle_deg[k]);
    }
}

void ix_slap_free(ix_slap *s)
{
    tern_image_free(s->image);
    for (unsigned i = 0; i < 4; i++)
        tern_image_free(s->finger[i]);
    memset(s, 0, sizeof *s);
}
