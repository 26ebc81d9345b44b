/* cmd_eval.c - `tern eval fvc DIR [--impostors fvc|all] [--det FILE.svg]
 * [--ppi N] [--calibrate OUT.c] [--db NAME] [--fingers N]`: the FVC
 * protocol (tern_match_fvc_run) on every DBn_x folder of DIR, or on DIR
 * itself, printed per database and averaged; DET curves as SVG; and the
 * generator of the comparator's calibration table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tern/bytes.h"
#include "tern/match.h"

static const char usage[] =
    "usage: tern eval fvc DIR [--impostors fvc|all] [--det FILE.svg] [--ppi N]\n"
    "                     [--calibrate OUT.c] [--db NAME] [--fingers N]\n\n"
    "Runs the FVC protocol on every DBn_x folder in DIR, or on DIR itself when it\n"
    "holds the files: F_I.tif/.png/.wsq/... images (finger F, impression I; the\n"
    "resolution from the image, else from a file `ppi` in the folder, else --ppi)\n"
    "or templates (ISO/IEC 19794-2, INCITS 378, Tern; detected by content). Each\n"
    "file is enrolled once. Genuine: every pair of impressions of a finger, once.\n"
    "Impostors: --impostors all (default) every cross-finger pair within the\n"
    "database, once; fvc: first impressions only (the FVC rule: 45 pairs for 10\n"
    "fingers). A failure to enroll scores 0 in all its comparisons (FVC).\n"
    "Prints per database and on average: FTE, EER (FVC estimate), FMR100, FMR1000,\n"
    "ZeroFMR, genuine and impostor counts, mean extraction and comparison time.\n"
    "  --det FILE.svg      draw the DET curves (FNMR against FMR, log axes)\n"
    "  --calibrate OUT.c   write the calibration table (src/match/calibration_table.c)\n"
    "                      from all databases' impostor scores pooled\n"
    "  --db NAME           only the database folder NAME (e.g. DB1_B)\n"
    "  --fingers N         only the first N fingers of each database\n";

static int write_text(const char *path, const char *text, const char *what)
{
    tern_error err;
    if (tern_file_write(path, text, strlen(text), &err) != TERN_OK)
        return cli_fail_err(what, &err);
    return 0;
}

static int write_det(const tern_match_fvc_result *r, const char *path, const char *title)
{
    tern_match_curve *c = calloc(r->n_db, sizeof *c);
    if (!c)
        return cli_fail("out of memory");
    for (size_t i = 0; i < r->n_db; i++)
        c[i] = (tern_match_curve){r->db[i].name, r->db[i].genuine, r->db[i].n_genuine,
                                  r->db[i].impostor, r->db[i].n_impostor};
    char *svg;
    tern_error err;
    tern_status s = tern_match_det_svg(c, r->n_db, title, &svg, &err);
    free(c);
    if (s != TERN_OK)
        return cli_fail_err("--det", &err);
    int rc = write_text(path, svg, path);
    free(svg);
    return rc;
}

static int write_calibration(const tern_match_fvc_result *r, const char *dir, const char *rule,
                             const char *path)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_db; i++)
        n += r->db[i].n_impostor;
    double *all = malloc((n ? n : 1) * sizeof *all);
    if (!all)
        return cli_fail("out of memory");
    size_t k = 0;
    char names[512] = "";
    for (size_t i = 0; i < r->n_db; i++) {
        memcpy(all + k, r->db[i].impostor, r->db[i].n_impostor * sizeof *all);
        k += r->db[i].n_impostor;
        size_t used = strlen(names);
        snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", r->db[i].name);
    }
    char source[1024];
    snprintf(source, sizeof source, "%s (%s): %s, pooled; images extracted by tern_extract, "
             "templates as read", dir, names, rule);
    char *text;
    tern_error err;
    tern_status s = tern_match_calibration_write_c(all, n, source, &text, &err);
    free(all);
    if (s != TERN_OK)
        return cli_fail_err("--calibrate", &err);
    int rc = write_text(path, text, path);
    free(text);
    if (!rc)
        printf("calibration table: %zu impostor comparisons written to %s\n", n, path);
    return rc;
}

static void print_row(const char *name, uint32_t images, uint32_t fte, const tern_match_rates *r,
                      double extract_ms, double compare_us)
{
    printf("%-10s %6u %4u %8zu %9zu %7.2f%% %7.2f%% %7.2f%% %7.2f%% %9.1f %9.1f\n", name, images,
           fte, r->genuine, r->impostor, 100 * r->eer, 100 * r->fmr100, 100 * r->fmr1000,
           100 * r->zero_fmr, extract_ms, compare_us);
}

static int eval_fvc(int argc, char **argv)
{
    tern_match_fvc_opts o = {TERN_MATCH_IMPOSTORS_ALL, 0, 0, NULL};
    const char *dir = NULL, *det = NULL, *calibrate = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            return 0;
        }
        if (a[0] == '-' && i + 1 >= argc)
            return cli_fail("eval fvc: %s needs a value (tern eval fvc --help)", a);
        if (strcmp(a, "--impostors") == 0) {
            const char *v = argv[++i];
            if (strcmp(v, "fvc") == 0)
                o.impostors = TERN_MATCH_IMPOSTORS_FVC;
            else if (strcmp(v, "all") == 0)
                o.impostors = TERN_MATCH_IMPOSTORS_ALL;
            else
                return cli_fail("eval fvc: --impostors: '%s' is neither fvc nor all", v);
        } else if (strcmp(a, "--det") == 0) {
            det = argv[++i];
        } else if (strcmp(a, "--calibrate") == 0) {
            calibrate = argv[++i];
        } else if (strcmp(a, "--db") == 0) {
            o.only_db = argv[++i];
        } else if (strcmp(a, "--ppi") == 0) {
            if (!cli_parse_double("--ppi", argv[++i], &o.ppi))
                return 1;
        } else if (strcmp(a, "--fingers") == 0) {
            unsigned long v = 0;
            if (!cli_parse_uint("--fingers", argv[++i], &v))
                return 1;
            if (v == 0 || v > 1000000)
                return cli_fail("eval fvc: --fingers: %lu is not between 1 and 1000000", v);
            o.max_fingers = (uint32_t)v;
        } else if (a[0] == '-') {
            return cli_fail("eval fvc: unknown option %s (tern eval fvc --help)", a);
        } else if (!dir) {
            dir = a;
        } else {
            return cli_fail("eval fvc: one folder only ('%s' and '%s')", dir, a);
        }
    }
    if (!dir)
        return cli_fail("eval fvc: no folder given (tern eval fvc --help)");
    tern_match_fvc_result *r;
    tern_error err;
    if (tern_match_fvc_run(dir, &o, &r, &err) != TERN_OK)
        return cli_fail_err("eval fvc", &err);
    const char *rule = o.impostors == TERN_MATCH_IMPOSTORS_FVC
                           ? "impostors: FVC rule (first impression of each finger against the "
                             "first of every other)"
                           : "impostors: all (every cross-finger pair of impressions within each "
                             "database, each once)";
    printf("%-10s %6s %4s %8s %9s %8s %8s %8s %8s %9s %9s\n", "database", "images", "FTE",
           "genuine", "impostor", "EER", "FMR100", "FMR1000", "ZeroFMR", "extr_ms", "cmp_us");
    double ex = 0, cu = 0;
    for (size_t i = 0; i < r->n_db; i++) {
        const tern_match_fvc_db *d = &r->db[i];
        print_row(d->name, d->images, d->fte, &d->rates, d->extract_ms, d->compare_us);
        ex += d->extract_ms / (double)r->n_db, cu += d->compare_us / (double)r->n_db;
    }
    if (r->n_db > 1)
        print_row("average", r->images, r->fte, &r->avg, ex, cu);
    printf("%s; EER and FMRs averaged over databases, counts summed\n", rule);
    int rc = 0;
    if (det)
        rc = write_det(r, det, dir);
    if (!rc && calibrate)
        rc = write_calibration(r, dir, rule, calibrate);
    tern_match_fvc_free(r);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    if (argc < 2 || cli_is_help(argv[1])) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "fvc") == 0)
        return eval_fvc(argc - 1, argv + 1);
    return cli_fail("eval: unknown protocol '%s' (tern eval --help)", argv[1]);
}
