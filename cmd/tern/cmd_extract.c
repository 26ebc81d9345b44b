/* cmd_extract.c - `tern extract IMAGE [-o OUT] [--format F] [--ppi N]
 * [--png FILE]`: extracts the minutiae of one finger image (tern/finger.h),
 * prints its quality and minutiae count, optionally writes the template and
 * a PNG with the minutiae drawn on the image (ridge endings red, bifurcations
 * blue, each with a tick in its direction; cores green, deltas orange). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tern/finger.h"
#include "tern/bytes.h"
#include "tern/image.h"
#include "tern/template_io.h"

static const char usage[] =
    "usage: tern extract IMAGE [-o OUT] [--format tern|iso19794-2:2005|incits378:2004]\n"
    "                    [--ppi N] [--png FILE]\n\n"
    "Extracts the minutiae of the finger in IMAGE and prints its quality (0-100, with\n"
    "its components) and minutiae count. --ppi gives the resolution of an image that\n"
    "has none (FVC TIFFs: see the folder's `ppi` file). -o writes the template in the\n"
    "format --format names (default tern; every name of tern/template_io.h works).\n"
    "--png draws the minutiae on the image: ridge endings red, bifurcations blue,\n"
    "with direction ticks; cores green, deltas orange. Exit status 1 with the reason\n"
    "on a failure to enroll.\n";

static void plot(tern_image *im, long x, long y, const uint8_t rgb[3])
{
    if (x < 0 || y < 0 || x >= (long)im->width || y >= (long)im->height)
        return;
    memcpy(im->pixels + ((size_t)y * im->width + (size_t)x) * 3, rgb, 3);
}

static void ring(tern_image *im, double cx, double cy, double r, const uint8_t rgb[3])
{
    int n = (int)ceil(8 * r) + 8;
    for (int i = 0; i < n; i++) {
        double a = 2 * M_PI * i / n;
        plot(im, lround(cx + r * cos(a)), lround(cy + r * sin(a)), rgb);
    }
}

static void line(tern_image *im, double x0, double y0, double x1, double y1, const uint8_t rgb[3])
{
    int n = (int)ceil(hypot(x1 - x0, y1 - y0)) + 1;
    for (int i = 0; i <= n; i++)
        plot(im, lround(x0 + (x1 - x0) * i / n), lround(y0 + (y1 - y0) * i / n), rgb);
}

static tern_status draw(const tern_image *src, const tern_template *t, const char *path,
                        tern_error *err)
{
    tern_image *grey = NULL, *im = NULL;
    tern_status st = tern_image_to_grey(src, &grey, err);
    if (st == TERN_OK)
        st = tern_image_create(src->width, src->height, 3, &im, err);
    if (st != TERN_OK) {
        tern_image_free(grey);
        return st;
    }
    for (size_t i = 0; i < (size_t)src->width * src->height; i++)
        memset(im->pixels + 3 * i, grey->pixels[i], 3);
    tern_image_free(grey);
    im->ppi_x = t->ppi_x, im->ppi_y = t->ppi_y;
    static const uint8_t red[3] = {230, 20, 20}, blue[3] = {20, 60, 240};
    static const uint8_t green[3] = {0, 170, 0}, orange[3] = {255, 140, 0};
    double s = t->ppi_x / 500.0, r = 4 * s, tick = 12 * s;
    for (uint32_t i = 0; i < t->n_minutiae; i++) {
        const tern_minutia *m = &t->minutiae[i];
        const uint8_t *c = m->type == TERN_MINUTIA_BIFURCATION ? blue : red;
        ring(im, m->x, m->y, r, c);
        /* Template angles are counter-clockwise with y up: flip y to draw. */
        double dx = cos(m->angle), dy = -sin(m->angle);
        line(im, m->x + r * dx, m->y + r * dy, m->x + tick * dx, m->y + tick * dy, c);
    }
    for (uint32_t i = 0; i < t->n_singular; i++) {
        const tern_singular *p = &t->singular[i];
        const uint8_t *c = p->type == TERN_SINGULAR_CORE ? green : orange;
        ring(im, p->x, p->y, 2.5 * r, c);
        ring(im, p->x, p->y, 2.5 * r + 1, c);
    }
    st = tern_image_write_file(im, path, NULL, err);
    tern_image_free(im);
    return st;
}

int cmd_extract(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *png = NULL, *format = "tern";
    double ppi = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            return 0;
        }
        int has_value = i + 1 < argc;
        if (strcmp(a, "-o") == 0 && has_value)
            out = argv[++i];
        else if (strcmp(a, "--format") == 0 && has_value)
            format = argv[++i];
        else if (strcmp(a, "--png") == 0 && has_value)
            png = argv[++i];
        else if (strcmp(a, "--ppi") == 0 && has_value) {
            if (!cli_parse_double("--ppi", argv[++i], &ppi))
                return 2;
        } else if (a[0] == '-' && a[1])
            return cli_fail("extract: unknown option or missing value: %s (try --help)", a), 2;
        else if (!in)
            in = a;
        else
            return cli_fail("extract: more than one image given ('%s')", a), 2;
    }
    if (!in) {
        fputs(usage, stderr);
        return 2;
    }
    tern_error err;
    tern_error_clear(&err);
    tern_template_format fmt;
    if (tern_template_format_parse(format, &fmt, &err) != TERN_OK)
        return cli_fail_err("extract: --format", &err), 2;
    tern_image_decode_opts dopts = {0};
    dopts.ppi = ppi;
    tern_image *img = NULL;
    if (tern_image_read_file(in, &dopts, &img, &err) != TERN_OK)
        return cli_fail_err(in, &err);
    tern_extract_opts eopts = {0};
    eopts.ppi = ppi;
    tern_template *t = NULL;
    tern_finger_quality q;
    tern_status st = tern_extract(img, &eopts, &t, &q, &err);
    if (st != TERN_OK) {
        tern_image_free(img);
        return cli_fail_err(in, &err);
    }
    uint32_t ends = 0, bifs = 0;
    for (uint32_t i = 0; i < t->n_minutiae; i++)
        ends += t->minutiae[i].type == TERN_MINUTIA_ENDING,
            bifs += t->minutiae[i].type == TERN_MINUTIA_BIFURCATION;
    uint32_t cores = 0;
    for (uint32_t i = 0; i < t->n_singular; i++)
        cores += t->singular[i].type == TERN_SINGULAR_CORE;
    printf("%s: quality %u, %u minutiae (%u endings, %u bifurcations), %u cores, %u deltas\n", in,
           q.score, t->n_minutiae, ends, bifs, cores, t->n_singular - cores);
    printf("  orientation certainty %.2f, clarity %.2f, frequency consistency %.2f, ridge period "
           "%.2f mm, foreground %.0f mm^2, minutia quality %.0f\n",
           q.orientation_certainty, q.clarity, q.frequency_consistency,
           q.ridge_period_px * 25.4 / 500.0, q.foreground_mm2, q.minutiae_quality);
    int rc = 0;
    if (png && draw(img, t, png, &err) != TERN_OK)
        rc = cli_fail_err(png, &err);
    if (out && !rc) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        if (tern_template_encode(t, fmt, &bytes, &len, &err) != TERN_OK ||
            tern_file_write(out, bytes, len, &err) != TERN_OK)
            rc = cli_fail_err(out, &err);
        else
            printf("  wrote %s (%s, %zu bytes)\n", out, tern_template_format_name(fmt), len);
        free(bytes);
    }
    tern_template_free(t);
    tern_image_free(img);
    return rc;
}
