/* cmd_compare.c - `tern compare A B [--ppi N]` and `tern compare --pairs
 * FILE [--ppi N]`: 1:1 comparison of fingerprints given as images or
 * template files (tern_match_read_file tells them apart by content), with
 * the calibrated false-match rate of the score (tern/match.h). In --pairs
 * mode each file is read (and extracted) once: a cache keyed by the name as
 * written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tern/match.h"

static const char usage[] =
    "usage: tern compare A B [--ppi N]\n"
    "       tern compare --pairs FILE [--ppi N]\n\n"
    "Compares two fingerprints, each an image (extracted first) or a template file\n"
    "(ISO/IEC 19794-2, INCITS 378, Tern; detected by content), and prints the score\n"
    "(higher is more similar; symmetric) and its calibrated false-match rate: the\n"
    "fraction of impostor comparisons that score as high (docs/matching.md).\n"
    "--pairs reads lines `A B` from FILE (- for standard input) and prints\n"
    "`A B SCORE` for each, A and B exactly as given; each file is read once. A file\n"
    "that fails to enroll scores 0 (with a warning on stderr). --ppi gives the\n"
    "resolution of images that carry none.\n";

typedef struct entry {
    char *name;
    tern_match_template *mt; /* NULL: failed (see failed) */
    int failed;
} entry;

/* A string-keyed open-addressing table of prepared files. */
typedef struct cache {
    entry *slots;
    size_t cap, used;
    double ppi;
    tern_match_context *ctx;
} cache;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
    return h;
}

static int cache_grow(cache *c)
{
    size_t cap = c->cap ? 2 * c->cap : 256;
    entry *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return 0;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->slots[i].name)
            continue;
        size_t k = hash_str(c->slots[i].name) & (cap - 1);
        while (slots[k].name)
            k = (k + 1) & (cap - 1);
        slots[k] = c->slots[i];
    }
    free(c->slots);
    c->slots = slots, c->cap = cap;
    return 1;
}

/* The prepared template for `name`, reading it on first use; NULL if it
 * failed (reported once on stderr), or on out-of-memory (*oom set). */
static const tern_match_template *cache_get(cache *c, const char *name, int *oom)
{
    if ((c->used + 1) * 2 > c->cap && !cache_grow(c)) {
        *oom = 1;
        return NULL;
    }
    size_t k = hash_str(name) & (c->cap - 1);
    while (c->slots[k].name && strcmp(c->slots[k].name, name) != 0)
        k = (k + 1) & (c->cap - 1);
    entry *e = &c->slots[k];
    if (e->name)
        return e->mt;
    if (!(e->name = strdup(name))) {
        *oom = 1;
        return NULL;
    }
    c->used++;
    tern_template *t = NULL;
    tern_error err;
    tern_status s = tern_match_read_file(name, c->ppi, &t, NULL, &err);
    if (s == TERN_OK)
        s = tern_match_template_create(t, &e->mt, &err);
    tern_template_free(t);
    if (s != TERN_OK) {
        e->failed = 1;
        fprintf(stderr, "tern: warning: %s (scores 0)\n", err.message);
    }
    return e->mt;
}

static void cache_free(cache *c)
{
    for (size_t i = 0; i < c->cap; i++) {
        free(c->slots[i].name);
        tern_match_template_free(c->slots[i].mt);
    }
    free(c->slots);
    tern_match_context_free(c->ctx);
}

static int compare_pairs(cache *c, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f)
        return cli_fail("compare: cannot open %s", path);
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = 0;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char *save, *a = strtok_r(line, " \t\r\n", &save);
        if (!a)
            continue; /* blank line */
        char *b = strtok_r(NULL, " \t\r\n", &save);
        if (!b || strtok_r(NULL, " \t\r\n", &save)) {
            rc = cli_fail("compare: %s line %ld: expected two names `A B`", path, lineno);
            break;
        }
        int oom = 0;
        const tern_match_template *ma = cache_get(c, a, &oom);
        const tern_match_template *mb = oom ? NULL : cache_get(c, b, &oom);
        if (oom) {
            rc = cli_fail("compare: out of memory");
            break;
        }
        double s = ma && mb ? tern_match_compare(c->ctx, ma, mb) : 0.0;
        printf("%s %s %.6f\n", a, b, s);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

static int compare_two(cache *c, const char *a, const char *b)
{
    tern_template *ta = NULL, *tb = NULL;
    tern_match_template *ma = NULL, *mb = NULL;
    tern_error err;
    int rc = 0;
    if (tern_match_read_file(a, c->ppi, &ta, NULL, &err) != TERN_OK ||
        tern_match_read_file(b, c->ppi, &tb, NULL, &err) != TERN_OK ||
        tern_match_template_create(ta, &ma, &err) != TERN_OK ||
        tern_match_template_create(tb, &mb, &err) != TERN_OK) {
        rc = cli_fail_err("compare", &err);
    } else {
        double s = tern_match_compare(c->ctx, ma, mb);
        int ex;
        const tern_match_calibration *cal = tern_match_calibration_builtin();
        double fmr = tern_match_fmr_for_score(s, &ex);
        printf("score %.6f\n", s);
        if (ex)
            printf("fmr %.3g (extrapolated: measured FMRs go down to 1/N = %.2g; below 3/N = %.2g "
                   "they are estimates)\n",
                   fmr, 1.0 / (double)cal->impostors, 3.0 / (double)cal->impostors);
        else
            printf("fmr %.3g\n", fmr);
        printf("calibration: N = %llu impostor comparisons (%s)\n",
               (unsigned long long)cal->impostors, cal->source);
    }
    tern_match_template_free(ma);
    tern_match_template_free(mb);
    tern_template_free(ta);
    tern_template_free(tb);
    return rc;
}

int cmd_compare(int argc, char **argv)
{
    const char *pairs = NULL, *files[2] = {NULL, NULL};
    int n_files = 0;
    cache c = {NULL, 0, 0, 0, NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            return 0;
        }
        if (strcmp(a, "--pairs") == 0 || strcmp(a, "--ppi") == 0) {
            if (i + 1 >= argc)
                return cli_fail("compare: %s needs a value (tern compare --help)", a);
            if (a[2] == 'p' && a[3] == 'a')
                pairs = argv[++i];
            else if (!cli_parse_double("--ppi", argv[++i], &c.ppi))
                return 1;
        } else if (a[0] == '-' && a[1] != 0) {
            return cli_fail("compare: unknown option %s (tern compare --help)", a);
        } else if (n_files < 2) {
            files[n_files++] = a;
        } else {
            return cli_fail("compare: too many files (tern compare --help)");
        }
    }
    if (pairs ? n_files != 0 : n_files != 2)
        return cli_fail(pairs ? "compare: --pairs takes no other file names"
                              : "compare: give two files A B, or --pairs FILE (tern compare --help)");
    tern_error err;
    if (tern_match_context_create(&c.ctx, &err) != TERN_OK)
        return cli_fail_err("compare", &err);
    int rc = pairs ? compare_pairs(&c, pairs) : compare_two(&c, files[0], files[1]);
    cache_free(&c);
    return rc;
}
