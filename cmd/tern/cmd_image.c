/* cmd_image.c - `tern image`: inspect, convert, compare and generate images
 * (src/img; resolution rules in docs/images.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tern/bytes.h"
#include "tern/image.h"
#include "tern/wsq.h"

static const char usage_text[] =
    "usage: tern image SUBCOMMAND ...\n"
    "\n"
    "  info FILE [--ppi N] [--raw-size WxH]\n"
    "      format, size, channels, resolution (or \"unknown\"), bytes and bits per pixel\n"
    "  convert IN OUT [--ppi N] [--resample N] [--raw-size WxH] [--bitrate B]\n"
    "                 [--ratio R] [--quality Q] [--comment TEXT]\n"
    "      the output format comes from OUT's extension (.wsq .jp2 .j2k .png .pgm .jpg .raw)\n"
    "  compare A B [--raw-size WxH]\n"
    "      PSNR and largest difference (colour is compared as grey if only one is grey)\n"
    "  pattern OUT [--size WxH] [--ppi N] [--colour]\n"
    "      writes Tern's synthetic ridge-like test pattern (default 400x400 at 500 ppi)\n"
    "\n"
    "options:\n"
    "  --ppi N        supply or override the input's resolution (pixels per inch);\n"
    "                 it does not change the pixels\n"
    "  --resample N   resample to N ppi (needs a known or supplied resolution)\n"
    "  --raw-size WxH size of a .raw input (8-bit grey, no header)\n"
    "  --bitrate B    WSQ bits per pixel (default 0.75)\n"
    "  --ratio R      JPEG 2000: lossy at compression ratio R (default: lossless)\n"
    "  --quality Q    JPEG quality 1..100 (default 90)\n"
    "  --comment TEXT a comment to embed (WSQ, PNG, JPEG, PGM)\n"
    "\n"
    "A file without a resolution reports it as unknown; Tern never assumes one.\n";

typedef struct image_args {
    const char *pos[2];
    int npos;
    double ppi, resample, bitrate, ratio;
    unsigned long quality;
    uint32_t raw_w, raw_h, size_w, size_h;
    const char *comment;
    int colour;
} image_args;

static bool parse_size(const char *opt, const char *s, uint32_t *w, uint32_t *h)
{
    unsigned long a, b;
    char tail;
    if (sscanf(s, "%lux%lu%c", &a, &b, &tail) != 2 || a == 0 || b == 0 ||
        a > TERN_IMAGE_MAX_DIM || b > TERN_IMAGE_MAX_DIM) {
        cli_fail("%s: '%s' is not a size WxH (each 1..%u)", opt, s, TERN_IMAGE_MAX_DIM);
        return false;
    }
    *w = (uint32_t)a;
    *h = (uint32_t)b;
    return true;
}

/* Parses argv[2..] (argv[1] is the subcommand); at most max_pos positionals. */
static bool parse_args(int argc, char **argv, int max_pos, image_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        bool has_value = i + 1 < argc;
        if (o[0] != '-' || o[1] == '\0') {
            if (a->npos == max_pos) {
                cli_fail("image %s: unexpected argument '%s' (see tern image --help)", argv[1], o);
                return false;
            }
            a->pos[a->npos++] = o;
            continue;
        }
        if (strcmp(o, "--colour") == 0 || strcmp(o, "--color") == 0) {
            a->colour = 1;
            continue;
        }
        static const char *const valued[] = {"--ppi", "--resample", "--bitrate", "--ratio",
                                             "--quality", "--raw-size", "--size", "--comment"};
        bool known = false;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            known = known || strcmp(o, valued[k]) == 0;
        if (!known) {
            cli_fail("image %s: unknown option '%s' (see tern image --help)", argv[1], o);
            return false;
        }
        if (!has_value) {
            cli_fail("image %s: %s needs a value", argv[1], o);
            return false;
        }
        const char *v = argv[++i];
        bool ok = true;
        if (strcmp(o, "--ppi") == 0)
            ok = cli_parse_double(o, v, &a->ppi);
        else if (strcmp(o, "--resample") == 0)
            ok = cli_parse_double(o, v, &a->resample);
        else if (strcmp(o, "--bitrate") == 0)
            ok = cli_parse_double(o, v, &a->bitrate);
        else if (strcmp(o, "--ratio") == 0)
            ok = cli_parse_double(o, v, &a->ratio);
        else if (strcmp(o, "--quality") == 0)
            ok = cli_parse_uint(o, v, &a->quality) &&
                 (a->quality >= 1 && a->quality <= 100 ? true : (cli_fail("--quality: 1..100"), false));
        else if (strcmp(o, "--raw-size") == 0)
            ok = parse_size(o, v, &a->raw_w, &a->raw_h);
        else if (strcmp(o, "--size") == 0)
            ok = parse_size(o, v, &a->size_w, &a->size_h);
        else
            a->comment = v;
        if (!ok)
            return false;
    }
    if (a->npos < max_pos) {
        cli_fail("image %s: missing argument (see tern image --help)", argv[1]);
        return false;
    }
    return true;
}

static tern_status read_input(const char *path, const image_args *a, tern_image **img,
                              tern_error *err)
{
    tern_image_decode_opts o = {.ppi = a->ppi, .raw_width = a->raw_w, .raw_height = a->raw_h};
    if (a->raw_w)
        o.format = TERN_IMAGE_RAW;
    return tern_image_read_file(path, &o, img, err);
}

static void print_ppi(FILE *f, const tern_image *img)
{
    if (img->ppi_x <= 0 || img->ppi_y <= 0)
        fputs("unknown", f);
    else if (img->ppi_x == img->ppi_y)
        fprintf(f, "%g ppi", img->ppi_x);
    else
        fprintf(f, "%g x %g ppi", img->ppi_x, img->ppi_y);
}

/* WSQ's own header facts: bit rate, encoder and the comments, indented. */
static void print_wsq_info(const uint8_t *data, size_t len)
{
    tern_wsq_info info;
    tern_error err;
    if (tern_wsq_info_read(data, len, &info, &err) != TERN_OK) {
        printf("wsq: %s\n", err.message);
        return;
    }
    printf("wsq bitrate: %.3f bits per pixel\nwsq encoder: %d, software %d\n", info.bitrate,
           info.encoder, info.software);
    for (size_t i = 0; i < info.n_comments; i++) {
        printf("comment %zu:\n    ", i + 1);
        for (const char *c = info.comments[i]; *c; c++) {
            if (*c == '\n' && c[1])
                fputs("\n    ", stdout);
            else if (*c != '\n' && *c != '\r')
                putchar((unsigned char)*c >= 0x20 || *c == '\t' ? *c : '?');
        }
        putchar('\n');
    }
    tern_wsq_info_free(&info);
}

static int run_info(int argc, char **argv)
{
    image_args a;
    if (!parse_args(argc, argv, 1, &a))
        return 1;
    tern_error err;
    uint8_t *data;
    size_t len;
    if (tern_file_read(a.pos[0], TERN_IMAGE_MAX_FILE, &data, &len, &err) != TERN_OK)
        return cli_fail_err(argv[1], &err);
    tern_image_format fmt = a.raw_w ? TERN_IMAGE_RAW : tern_image_sniff(data, len);
    tern_image_decode_opts o = {.format = fmt, .ppi = a.ppi, .raw_width = a.raw_w, .raw_height = a.raw_h};
    tern_image *img;
    tern_status s = tern_image_decode(data, len, &o, &img, &err);
    if (s != TERN_OK) {
        free(data);
        tern_error_prefix(&err, "%s: ", a.pos[0]);
        return cli_fail_err(argv[1], &err);
    }
    printf("file: %s\nformat: %s\nsize: %u x %u\nchannels: %u (%s)\nresolution: ", a.pos[0],
           tern_image_format_name(fmt), img->width, img->height, img->channels,
           img->channels == 1 ? "grey" : "RGB");
    print_ppi(stdout, img);
    printf("%s\nbytes: %zu\nbits per pixel: %.3f\n", a.ppi > 0 ? " (given)" : "", len,
           len * 8.0 / ((double)img->width * img->height));
    if (fmt == TERN_IMAGE_WSQ)
        print_wsq_info(data, len);
    free(data);
    tern_image_free(img);
    return 0;
}

static int run_convert(int argc, char **argv)
{
    image_args a;
    if (!parse_args(argc, argv, 2, &a))
        return 1;
    tern_image_format out_fmt = tern_image_format_from_path(a.pos[1]);
    if (out_fmt == TERN_IMAGE_TIFF)
        return cli_fail("%s: Tern reads TIFF but does not write it (use .png or .jp2)", a.pos[1]);
    if (out_fmt == TERN_IMAGE_UNKNOWN)
        return cli_fail("%s: cannot tell the output format (use .wsq .jp2 .j2k .png .pgm .jpg .raw)",
                        a.pos[1]);
    tern_error err;
    tern_image *img;
    if (read_input(a.pos[0], &a, &img, &err) != TERN_OK)
        return cli_fail_err(argv[1], &err);
    if (a.resample > 0) {
        tern_image *r;
        if (tern_image_resample(img, a.resample, &r, &err) != TERN_OK) {
            tern_image_free(img);
            return cli_fail_err(argv[1], &err);
        }
        tern_image_free(img);
        img = r;
    }
    tern_image_encode_opts eo = {.wsq_bitrate = a.bitrate,
                                 .comment = a.comment,
                                 .jp2_lossless = a.ratio > 0 ? 0 : 1,
                                 .jp2_ratio = a.ratio,
                                 .jpeg_quality = (int)a.quality};
    uint8_t *data;
    size_t len;
    tern_status s = tern_image_encode(img, out_fmt, &eo, &data, &len, &err);
    if (s != TERN_OK)
        tern_error_prefix(&err, "%s: ", a.pos[1]);
    if (s == TERN_OK) {
        s = tern_file_write(a.pos[1], data, len, &err);
        free(data);
    }
    if (s != TERN_OK) {
        tern_image_free(img);
        return cli_fail_err(argv[1], &err);
    }
    printf("%s -> %s: %s, %u x %u, %u channel%s, ", a.pos[0], a.pos[1],
           tern_image_format_name(out_fmt), img->width, img->height, img->channels,
           img->channels == 1 ? "" : "s");
    print_ppi(stdout, img);
    if (img->ppi_x > 0 && (out_fmt == TERN_IMAGE_PGM || out_fmt == TERN_IMAGE_J2K || out_fmt == TERN_IMAGE_RAW))
        fputs(" (not stored: the format has no place for it)", stdout);
    printf(", %zu bytes, %.3f bits per pixel\n", len, len * 8.0 / ((double)img->width * img->height));
    tern_image_free(img);
    return 0;
}

static int run_compare(int argc, char **argv)
{
    image_args a;
    if (!parse_args(argc, argv, 2, &a))
        return 1;
    tern_error err;
    tern_image *img[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        if (read_input(a.pos[i], &a, &img[i], &err) != TERN_OK) {
            tern_image_free(img[0]);
            return cli_fail_err(argv[1], &err);
        }
    }
    if (img[0]->channels != img[1]->channels) {
        for (int i = 0; i < 2; i++) {
            tern_image *g;
            if (img[i]->channels == 3 && tern_image_to_grey(img[i], &g, &err) == TERN_OK) {
                tern_image_free(img[i]);
                img[i] = g;
            }
        }
    }
    double p;
    unsigned maxd;
    tern_status s = tern_image_compare(img[0], img[1], &p, &maxd, &err);
    tern_image_free(img[0]);
    tern_image_free(img[1]);
    if (s != TERN_OK)
        return cli_fail_err("compare", &err);
    if (isinf(p))
        printf("identical (PSNR infinite, largest difference 0)\n");
    else
        printf("PSNR %.2f dB, largest difference %u\n", p, maxd);
    return 0;
}

static int run_pattern(int argc, char **argv)
{
    image_args a;
    if (!parse_args(argc, argv, 1, &a))
        return 1;
    uint32_t w = a.size_w ? a.size_w : 400, h = a.size_h ? a.size_h : 400;
    double ppi = a.ppi > 0 ? a.ppi : 500;
    tern_error err;
    tern_image *img;
    if (tern_image_pattern(w, h, a.colour ? 3 : 1, ppi, &img, &err) != TERN_OK)
        return cli_fail_err("pattern", &err);
    tern_image_encode_opts eo = {.jp2_lossless = 1, .comment = a.comment};
    tern_status s = tern_image_write_file(img, a.pos[0], &eo, &err);
    tern_image_free(img);
    if (s != TERN_OK)
        return cli_fail_err(argv[1], &err);
    printf("%s: test pattern %u x %u at %g ppi\n", a.pos[0], w, h, ppi);
    return 0;
}

int cmd_image(int argc, char **argv)
{
    if (argc < 2)
        return cli_fail("image: missing subcommand: info, convert, compare or pattern (try tern image --help)");
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    for (int i = 2; i < argc; i++)
        if (cli_is_help(argv[i])) {
            fputs(usage_text, stdout);
            return 0;
        }
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } subs[] = {{"info", run_info}, {"convert", run_convert}, {"compare", run_compare}, {"pattern", run_pattern}};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc, argv);
    return cli_fail("image: unknown subcommand '%s' (try tern image --help)", argv[1]);
}
