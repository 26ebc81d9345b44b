/* fvc.c - the FVC protocol on a folder of fingerprints (D. Maio et al.,
 * "FVC2002: Second Fingerprint Verification Competition", ICPR 2002, Sec. 3):
 * files F_I.ext (finger F, impression I); every image is enrolled once;
 * genuine comparisons are every pair of impressions of a finger, each pair
 * once; impostor comparisons are the first impression of each finger against
 * the first of every other (the FVC rule) or, with "all", every impression
 * against every impression of every other finger, each unordered pair once.
 * An image that fails to enroll (FTE) makes each of its comparisons score 0,
 * as FVC counts them.
 *
 * Files may be images (extracted with tern_extract, the resolution from the
 * image, else from a file `ppi` in the folder, else from the caller) or
 * templates in any format tern/template_io.h reads (detected by content). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tern/bytes.h"
#include "tern/finger.h"
#include "tern/image.h"
#include "tern/match.h"
#include "tern/template_io.h"

#define FVC_MAX_FILES 100000u
#define FVC_MAX_DBS 64u

/* CPU time of this thread: comparable under load, unlike wall time. */
static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The folder's resolution from its file `ppi`, or `fallback`. */
static double folder_ppi(const char *dir, double fallback)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/ppi", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return fallback;
    double v = 0;
    int ok = fscanf(f, "%lf", &v) == 1 && v > 0 && v < 100000;
    fclose(f);
    return ok ? v : fallback;
}

tern_status tern_match_read_file(const char *path, double ppi, tern_template **out,
                                 double *extract_seconds, tern_error *err)
{
    *out = NULL;
    if (extract_seconds)
        *extract_seconds = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    tern_status s = tern_file_read(path, TERN_IMAGE_MAX_FILE, &data, &len, err);
    if (s != TERN_OK)
        return s;
    if (tern_template_detect(data, len) != TERN_TEMPLATE_FORMAT_UNKNOWN) {
        s = tern_template_decode(data, len, out, err);
        free(data);
        return s == TERN_OK ? s : tern_error_prefix(err, "%s: ", path);
    }
    tern_image *img = NULL;
    tern_image_decode_opts dopts = {TERN_IMAGE_UNKNOWN, 0, 0, 0};
    dopts.format = tern_image_format_from_path(path);
    if (dopts.format == TERN_IMAGE_RAW)
        dopts.format = TERN_IMAGE_UNKNOWN;
    s = tern_image_decode(data, len, &dopts, &img, err);
    free(data);
    if (s != TERN_OK)
        return tern_error_prefix(err, "%s: ", path);
    if (!(img->ppi_x > 0) || !(img->ppi_y > 0)) {
        if (!(ppi > 0)) {
            char folder[4096];
            snprintf(folder, sizeof folder, "%s", path);
            char *slash = strrchr(folder, '/');
            if (slash)
                *slash = 0;
            ppi = folder_ppi(slash ? folder : ".", 0);
        }
        if (!(ppi > 0)) {
            tern_image_free(img);
            return tern_error_set(err, TERN_E_ARG, "%s: the image has no resolution: give it "
                                  "(--ppi, or a file 'ppi' in its folder)", path);
        }
        img->ppi_x = img->ppi_y = ppi;
    }
    double t0 = seconds();
    s = tern_extract(img, NULL, out, NULL, err);
    if (extract_seconds)
        *extract_seconds = seconds() - t0;
    tern_image_free(img);
    return s == TERN_OK ? s : tern_error_prefix(err, "%s: ", path);
}

/* ---- the folder -------------------------------------------------------- */

typedef struct fvc_file {
    char *path;
    long finger, impression;
} fvc_file;

static int cmp_file(const void *pa, const void *pb)
{
    const fvc_file *a = pa, *b = pb;
    if (a->finger != b->finger)
        return a->finger < b->finger ? -1 : 1;
    return (a->impression > b->impression) - (a->impression < b->impression);
}

/* "F_I.ext" with F and I decimal integers: true, and the two. */
static int parse_name(const char *name, long *f, long *i)
{
    char *end;
    if (!isdigit((unsigned char)name[0]))
        return 0;
    *f = strtol(name, &end, 10);
    if (*end != '_' || !isdigit((unsigned char)end[1]))
        return 0;
    *i = strtol(end + 1, &end, 10);
    return *end == '.' && end[1] != 0 && *f >= 0 && *i >= 0 && *f < 1000000000L && *i < 1000000000L;
}

static void free_files(fvc_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(files[i].path);
    free(files);
}

static tern_status list_files(const char *dir, fvc_file **out, size_t *n_out, tern_error *err)
{
    *out = NULL, *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return tern_error_set(err, TERN_E_IO, "%s: %s", dir, strerror(errno));
    fvc_file *files = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    tern_status s = TERN_OK;
    while ((e = readdir(d)) != NULL) {
        long f, i;
        if (!parse_name(e->d_name, &f, &i))
            continue;
        if (n == FVC_MAX_FILES) {
            s = tern_error_set(err, TERN_E_LIMIT, "%s: more than %u F_I files", dir, FVC_MAX_FILES);
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 128;
            fvc_file *grown = realloc(files, cap * sizeof *files);
            if (!grown) {
                s = tern_error_set(err, TERN_E_NOMEM, "eval: out of memory");
                break;
            }
            files = grown;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        files[n].path = malloc(len);
        if (!files[n].path) {
            s = tern_error_set(err, TERN_E_NOMEM, "eval: out of memory");
            break;
        }
        snprintf(files[n].path, len, "%s/%s", dir, e->d_name);
        files[n].finger = f, files[n].impression = i;
        n++;
    }
    closedir(d);
    if (s != TERN_OK) {
        free_files(files, n);
        return s;
    }
    if (files)
        qsort(files, n, sizeof *files, cmp_file);
    *out = files, *n_out = n;
    return TERN_OK;
}

static tern_status grow_scores(double **v, size_t *n, size_t *cap, double s, tern_error *err)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 256;
        double *g = realloc(*v, c * sizeof *g);
        if (!g)
            return tern_error_set(err, TERN_E_NOMEM, "eval: out of memory");
        *v = g, *cap = c;
    }
    (*v)[(*n)++] = s;
    return TERN_OK;
}

/* Runs the protocol on one folder of F_I files. */
static tern_status run_db(const char *dir, const char *name, const tern_match_fvc_opts *o,
                          tern_match_fvc_db *db, tern_error *err)
{
    memset(db, 0, sizeof *db);
    snprintf(db->name, sizeof db->name, "%s", name);
    fvc_file *files;
    size_t n;
    tern_status s = list_files(dir, &files, &n, err);
    if (s != TERN_OK)
        return s;
    /* the first max_fingers fingers only, if asked */
    if (o->max_fingers && n) {
        size_t keep = 0;
        uint32_t fingers = 0;
        while (keep < n && (keep == 0 || files[keep].finger == files[keep - 1].finger ||
                            fingers < o->max_fingers)) {
            if (keep == 0 || files[keep].finger != files[keep - 1].finger)
                fingers++;
            if (fingers > o->max_fingers)
                break;
            keep++;
        }
        for (size_t i = keep; i < n; i++)
            free(files[i].path);
        n = keep;
    }
    if (n < 2) {
        free_files(files, n);
        return tern_error_set(err, TERN_E_NOT_FOUND, "%s: fewer than two F_I fingerprint files", dir);
    }
    double ppi = folder_ppi(dir, o->ppi);
    tern_match_template **mt = calloc(n, sizeof *mt);
    tern_match_context *ctx = NULL;
    if (!mt || tern_match_context_create(&ctx, err) != TERN_OK) {
        free(mt);
        free_files(files, n);
        return tern_error_set(err, TERN_E_NOMEM, "eval: out of memory");
    }
    double t_extract = 0;
    uint32_t extracted = 0;
    for (size_t i = 0; i < n && s == TERN_OK; i++) {
        tern_template *t = NULL;
        double dt = 0;
        tern_error e2;
        tern_status r = tern_match_read_file(files[i].path, ppi, &t, &dt, &e2);
        if (r == TERN_OK)
            r = tern_match_template_create(t, &mt[i], &e2);
        tern_template_free(t);
        if (dt > 0)
            t_extract += dt, extracted++;
        if (r == TERN_E_QUALITY) { /* failure to enroll: its comparisons score 0 */
            db->fte++;
            mt[i] = NULL;
        } else if (r != TERN_OK) {
            *err = e2;
            s = r;
        }
    }
    db->images = (uint32_t)n;
    double t_compare = 0;
    size_t compared = 0, cap_g = 0, cap_i = 0;
    for (size_t x = 0; x < n && s == TERN_OK; x++) {
        for (size_t y = x + 1; y < n && s == TERN_OK; y++) {
            int genuine = files[x].finger == files[y].finger;
            if (!genuine && o->impostors == TERN_MATCH_IMPOSTORS_FVC &&
                ((x > 0 && files[x - 1].finger == files[x].finger) ||
                 (files[y - 1].finger == files[y].finger)))
                continue; /* FVC rule: first impressions only */
            double score = 0;
            if (mt[x] && mt[y]) {
                double t0 = seconds();
                score = tern_match_compare(ctx, mt[x], mt[y]);
                t_compare += seconds() - t0;
                compared++;
            }
            s = genuine ? grow_scores(&db->genuine, &db->n_genuine, &cap_g, score, err)
                        : grow_scores(&db->impostor, &db->n_impostor, &cap_i, score, err);
        }
    }
    db->extract_ms = extracted ? 1e3 * t_extract / extracted : 0;
    db->compare_us = compared ? 1e6 * t_compare / (double)compared : 0;
    if (s == TERN_OK)
        s = tern_match_rates_compute(db->genuine, db->n_genuine, db->impostor, db->n_impostor,
                                     &db->rates, err);
    for (size_t i = 0; i < n; i++)
        tern_match_template_free(mt[i]);
    free(mt);
    tern_match_context_free(ctx);
    free_files(files, n);
    return s == TERN_OK ? s : tern_error_prefix(err, "%s: ", name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The DBn_x subfolders of dir, sorted; none if dir holds the files itself. */
static tern_status list_dbs(const char *dir, char ***out, size_t *n_out, tern_error *err)
{
    *out = NULL, *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return tern_error_set(err, TERN_E_IO, "%s: %s", dir, strerror(errno));
    char **names = calloc(FVC_MAX_DBS, sizeof *names);
    size_t n = 0;
    struct dirent *e;
    while (names && (e = readdir(d)) != NULL && n < FVC_MAX_DBS) {
        if (strncmp(e->d_name, "DB", 2) != 0 || !isdigit((unsigned char)e->d_name[2]))
            continue;
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (!names)
        return tern_error_set(err, TERN_E_NOMEM, "eval: out of memory");
    qsort(names, n, sizeof *names, cmp_str);
    *out = names, *n_out = n;
    return TERN_OK;
}

void tern_match_fvc_free(tern_match_fvc_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_db; i++) {
        free(r->db[i].genuine);
        free(r->db[i].impostor);
    }
    free(r->db);
    free(r);
}

tern_status tern_match_fvc_run(const char *dir, const tern_match_fvc_opts *opts,
                               tern_match_fvc_result **out, tern_error *err)
{
    *out = NULL;
    tern_match_fvc_opts o = {TERN_MATCH_IMPOSTORS_ALL, 0, 0, NULL};
    if (opts)
        o = *opts;
    char **names;
    size_t n_names;
    tern_status s = list_dbs(dir, &names, &n_names, err);
    if (s != TERN_OK)
        return s;
    tern_match_fvc_result *r = calloc(1, sizeof *r);
    if (r)
        r->db = calloc(n_names ? n_names : 1, sizeof *r->db);
    if (!r || !r->db) {
        for (size_t i = 0; i < n_names; i++)
            free(names[i]);
        free(names);
        free(r);
        return tern_error_set(err, TERN_E_NOMEM, "eval: out of memory");
    }
    if (n_names == 0) {
        const char *base = strrchr(dir, '/');
        base = base && base[1] ? base + 1 : dir;
        s = run_db(dir, base, &o, &r->db[0], err);
        r->n_db = 1;
    }
    for (size_t i = 0; i < n_names && s == TERN_OK; i++) {
        if (o.only_db && strcmp(o.only_db, names[i]) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        s = run_db(path, names[i], &o, &r->db[r->n_db], err);
        r->n_db++;
    }
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    if (s == TERN_OK && r->n_db == 0)
        s = tern_error_set(err, TERN_E_NOT_FOUND, "%s: no database %s", dir, o.only_db ? o.only_db : "");
    if (s != TERN_OK) {
        tern_match_fvc_free(r);
        return s;
    }
    for (size_t i = 0; i < r->n_db; i++) {
        const tern_match_fvc_db *d = &r->db[i];
        r->avg.eer += d->rates.eer / (double)r->n_db;
        r->avg.fmr100 += d->rates.fmr100 / (double)r->n_db;
        r->avg.fmr1000 += d->rates.fmr1000 / (double)r->n_db;
        r->avg.fmr10000 += d->rates.fmr10000 / (double)r->n_db;
        r->avg.zero_fmr += d->rates.zero_fmr / (double)r->n_db;
        r->avg.genuine += d->rates.genuine;
        r->avg.impostor += d->rates.impostor;
        r->max_eer = d->rates.eer > r->max_eer ? d->rates.eer : r->max_eer;
        r->fte += d->fte;
        r->images += d->images;
    }
    *out = r;
    return TERN_OK;
}
