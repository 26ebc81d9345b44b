/* admin_import.c - `tern admin import DIR` and `tern admin import dedup`:
 * the bulk path of a migration (tern/import.h; docs/identification.md,
 * "Bulk import" and "Command line").
 *
 * DIR holds one folder per identity in the layout `tern synth --identities`
 * writes (docs/synth.md): identity.json with the biographic fields and the
 * file of each finger (a template, an image, or one multi-view exchange
 * record templates.fmr for all of them), or beside it identity.an2,
 * an ANSI/NIST-ITL transaction whose Type-4 and Type-14 finger images are
 * used instead. Folders are imported in name order, in transactions of
 * --batch identities (tern_core_import: all of a batch or none, audited by
 * the library), without the per-enrollment search; `import dedup` runs that
 * search afterwards (tern_core_import_dedup: a yellow link per possible
 * duplicate, never a merge).
 *
 * Safe to run again: DATA/import.journal records, under an exclusive lock,
 * each batch's folders (by absolute path) before its transaction and the
 * commit after it, so a second run skips what is in. Each batch has a
 * label, the journal's random id and the batch's number ("journal ID"
 * line, then "begin SEQ N ID:K"), which tern_core_import records as the
 * object of the batch's import.batch event. A batch whose commit the
 * journal did not see (a crash between the store's commit and the
 * journal's) is settled by the audit chain: an import.batch event with its
 * label after the chain position SEQ recorded with it says it committed
 * (tern_core_import_committed: an exact match of the event's fields). A
 * begin line without a label, which only a journal of a version before
 * labels holds, is settled as that version did: an import.batch event by
 * the same user after SEQ whose detail starts "subjects=N ". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin_cli.h"
#include "cli.h"
#include "tern/bytes.h"
#include "tern/crypto.h"
#include "tern/import.h"
#include "tern/template_io.h"

static const char import_usage[] =
    "usage: tern admin --data DATA import [--batch N] [--category C] [--location L]\n"
    "                                     [--ppi X] [--dedup] DIR\n"
    "       tern admin --data DATA import dedup [--max N] [--fpir X]\n\n"
    "Imports the identity folders of DIR (DIR/*/identity.json, the layout of\n"
    "`tern synth --identities`, with template or image files per finger or one\n"
    "templates.fmr record, or DIR/*/identity.an2) in name order, N per transaction (default 100, at most\n"
    "10000), without searching: admin only, audited. A folder that cannot be read\n"
    "stops the run; its batch is not stored, the batches before it are. Running\n"
    "again skips the folders DATA/import.journal records as imported; a batch a\n"
    "crash left unrecorded is looked up in the audit chain by its label. --dedup,\n"
    "or `import dedup` later, searches each imported subject against the gallery\n"
    "and makes a yellow link per possible duplicate for an examiner (never a\n"
    "merge); --max N stops after N subjects, and a later run goes on where it\n"
    "stopped. On a terminal, a bar shows the progress of both.\n";

/* ---- the journal ------------------------------------------------------ */

typedef struct names {
    char **v;
    size_t n, cap;
} names;

static int names_add(names *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        char **q = realloc(l->v, cap * sizeof *q);
        if (!q)
            return cli_fail("out of memory");
        l->v = q, l->cap = cap;
    }
    return (l->v[l->n] = strdup(s)) ? (l->n++, 0) : cli_fail("out of memory");
}

static void names_free(names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define JOURNAL_ID_HEX 16   /* 64 random bits */

typedef struct journal {
    char path[1100];
    FILE *f;
    char id[JOURNAL_ID_HEX + 1];   /* "" until known (a journal before labels) */
    size_t begun;    /* begin lines: the next batch's number is begun + 1 */
    names done;      /* folders committed, sorted after journal_open */
    names open;      /* the last batch if no commit or abort follows it */
    int64_t open_seq;
    size_t open_want;   /* folders its begin line announced */
    char open_label[TERN_ID_MAX];  /* "" on a begin line before labels */
    bool is_open, ends_nl;
} journal;

/* Appends text and makes it durable before the caller goes on. */
static int journal_put(journal *j, const char *text)
{
    if (!j->ends_nl)
        fputc('\n', j->f);
    j->ends_nl = true;
    if (fputs(text, j->f) < 0 || fflush(j->f) != 0 || fsync(fileno(j->f)) != 0)
        return cli_fail("%s: cannot write: %s", j->path, strerror(errno));
    return 0;
}

static int journal_read(journal *j)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    j->ends_nl = true;
    while (!rc && (len = getline(&line, &cap, j->f)) > 0) {
        j->ends_nl = line[len - 1] == '\n';
        if (!j->ends_nl)
            break; /* a line cut by a crash: its batch was never started */
        line[len - 1] = 0;
        long long seq;
        size_t want;
        char word[TERN_ID_MAX] = "";
        int got = sscanf(line, "begin %lld %zu %47s", &seq, &want, word);
        if (got >= 2) {
            names_free(&j->open);
            j->is_open = true, j->open_seq = seq, j->open_want = want, j->begun++;
            memcpy(j->open_label, word, sizeof word);
        } else if (sscanf(line, "journal %16[0-9a-f]", word) == 1 &&
                   strlen(word) == JOURNAL_ID_HEX) {
            memcpy(j->id, word, sizeof j->id);
        } else if (strncmp(line, "commit", 6) == 0 || strncmp(line, "abort", 5) == 0) {
            for (size_t i = 0; !rc && line[0] == 'c' && i < j->open.n; i++)
                rc = names_add(&j->done, j->open.v[i]);
            names_free(&j->open);
            j->is_open = false;
        } else if (line[0] == '/' && j->is_open) {
            rc = names_add(&j->open, line);
        }
    }
    free(line);
    return rc;
}

/* The settling of a journal written before batch labels (its begin lines
 * have none): its version's rule, kept for such a journal only, and only
 * among the events of that version's form (unlabelled: object "subject"). */
typedef struct legacy_batch {
    const char *actor;
    char prefix[32];
    int64_t seq;
} legacy_batch;

static int find_legacy_batch(void *ctx, const void *row)
{
    legacy_batch *b = ctx;
    const tern_audit_event *ev = row;
    if (strcmp(ev->action, "import.batch") != 0 || strcmp(ev->outcome, "ok") != 0 ||
        strcmp(ev->object_type, "subject") != 0 || strcmp(ev->actor, b->actor) != 0 ||
        !ev->detail ||
        strncmp(ev->detail, b->prefix, strlen(b->prefix)) != 0)
        return 0;
    b->seq = ev->seq;
    return 1;
}

/* *seq: the import.batch event of the journal's open batch, or 0. */
static tern_status open_batch_event(journal *j, admin_ctx *a, int64_t *seq, tern_error *err)
{
    if (j->open_label[0])
        return tern_core_import_committed(a->core, j->open_label, j->open_seq, seq, err);
    legacy_batch b = {.actor = a->actor.user_id};
    snprintf(b.prefix, sizeof b.prefix, "subjects=%zu ", j->open.n);
    tern_status rc = tern_store_audit_each(a->store, j->open_seq + 1, find_legacy_batch, &b, err);
    *seq = b.seq;
    return rc;
}

/* A batch begun and neither committed nor aborted in the journal: did its
 * transaction commit? Its import.batch event says so. */
static int journal_settle(journal *j, admin_ctx *a)
{
    if (!j->is_open)
        return 0;
    int64_t seq = 0;
    tern_error err;
    /* cut before all its folders were written: never handed to the store */
    if (j->open.n == j->open_want && open_batch_event(j, a, &seq, &err) != TERN_OK)
        return cli_fail_err("import: reading the audit chain", &err);
    char text[200];
    int rc = 0;
    if (seq) {
        snprintf(text, sizeof text, "commit %s (found in the audit chain: event %lld)\n",
                 j->open_label[0] ? j->open_label : "-", (long long)seq);
        for (size_t i = 0; !rc && i < j->open.n; i++)
            rc = names_add(&j->done, j->open.v[i]);
    } else {
        snprintf(text, sizeof text, "abort (no import.batch event %s after %lld)\n",
                 j->open_label[0] ? j->open_label : "", (long long)j->open_seq);
    }
    fprintf(stderr, "tern: import: the journal's last batch (%zu folders%s%s) %s\n", j->open.n,
            j->open_label[0] ? ", label " : "", j->open_label,
            seq ? "was committed: skipped" : "was not stored: imported again");
    names_free(&j->open);
    j->is_open = false;
    return rc ? rc : journal_put(j, text);
}

static int journal_open(journal *j, admin_ctx *a)
{
    snprintf(j->path, sizeof j->path, "%s/import.journal", a->data_dir);
    int fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return cli_fail("%s: %s", j->path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return cli_fail("%s: another import is running on this data directory", j->path);
    }
    j->f = fdopen(fd, "a+");
    if (!j->f) {
        close(fd);
        return cli_fail("%s: %s", j->path, strerror(errno));
    }
    rewind(j->f);
    int rc = journal_read(j);
    if (!rc)
        rc = journal_settle(j, a);
    if (!rc && !j->id[0]) { /* a new journal, or one written before labels */
        uint8_t r[JOURNAL_ID_HEX / 2];
        tern_random(r, sizeof r);
        for (size_t i = 0; i < sizeof r; i++)
            snprintf(j->id + 2 * i, 3, "%02x", r[i]);
        char text[64];
        snprintf(text, sizeof text, "journal %s\n", j->id);
        rc = journal_put(j, text);
    }
    if (!rc && j->done.n)
        qsort(j->done.v, j->done.n, sizeof *j->done.v, by_name);
    return rc;
}

static bool journal_has(const journal *j, const char *folder)
{
    return j->done.n &&
           bsearch(&folder, j->done.v, j->done.n, sizeof *j->done.v, by_name) != NULL;
}

static void journal_close(journal *j)
{
    if (j->f)
        fclose(j->f); /* and the lock with it */
    names_free(&j->done);
    names_free(&j->open);
}

/* ---- the identity folders --------------------------------------------- */

static bool file_exists(const char *dir, const char *name)
{
    char path[2 * PATH_MAX];
    struct stat st;
    return snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path &&
           stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The identity folders of src (absolute paths), in name order. */
static int list_folders(const char *src, names *out)
{
    struct dirent **ents;
    int n = scandir(src, &ents, NULL, alphasort);
    if (n < 0)
        return cli_fail("import: %s: %s", src, strerror(errno));
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", src, ents[i]->d_name);
        if (!rc && ents[i]->d_name[0] != '.' && !strchr(ents[i]->d_name, '\n') &&
            (file_exists(path, "identity.json") || file_exists(path, "identity.an2")))
            rc = names_add(out, path);
        free(ents[i]);
    }
    free(ents);
    if (!rc && out->n == 0)
        rc = cli_fail("import: %s: no identity folders (%s/*/identity.json or identity.an2)",
                      src, src);
    return rc;
}

typedef struct item {
    admin_fingers fs;
    json_t *root;
    tern_identity idr;
} item;

/* The views of a multi-view exchange record (ISO/IEC 19794-2, INCITS 378:
 * `tern synth --templates --format FMT`): the first view of each finger
 * position 1..10, as plain prints like the files of identity.json. */
int admin_fingers_record(admin_fingers *fs, const char *path)
{
    uint8_t *data;
    size_t len;
    tern_error err;
    if (tern_file_read(path, TERN_TEMPLATE_MAX_BYTES, &data, &len, &err) != TERN_OK)
        return cli_fail_err(path, &err);
    tern_template_record *rec;
    tern_status s = tern_template_decode_all(data, len, TERN_TEMPLATE_FORMAT_UNKNOWN, &rec, &err);
    free(data);
    if (s != TERN_OK)
        return cli_fail_err(path, &err);
    unsigned seen = 0;
    for (uint32_t v = 0; v < rec->n_views && fs->n < TERN_CORE_MAX_FINGERS; v++) {
        tern_template *t = rec->views[v];
        unsigned pos = t ? t->finger_position : 0;
        if (pos < 1 || pos > 10 || (seen & (1u << pos)))
            continue;
        seen |= 1u << pos;
        rec->views[v] = NULL; /* now fs's */
        fs->tmpl[fs->n] = t;
        fs->f[fs->n++] = (tern_core_finger){.position = (int)pos, .tmpl = t};
    }
    tern_template_record_free(rec);
    return seen ? 0 : cli_fail("%s: no view of a finger position 1..10", path);
}

static int item_load(item *it, const char *folder, double ppi)
{
    char bio[PATH_MAX + 32], an2[PATH_MAX + 32];
    snprintf(bio, sizeof bio, "%s/identity.json", folder);
    snprintf(an2, sizeof an2, "%s/identity.an2", folder);
    bool has_an2 = file_exists(folder, "identity.an2");
    it->fs.ppi = ppi;
    int rc = 0;
    if (file_exists(folder, "identity.json"))
        rc = admin_bio_load(bio, &it->root, &it->idr);
    if (!rc && has_an2)
        rc = admin_fingers_nist(&it->fs, an2);
    else if (!rc)
        rc = admin_fingers_listed(&it->fs, bio, it->root);
    return rc;
}

static void item_free(item *it)
{
    admin_fingers_free(&it->fs);
    json_decref(it->root);
    memset(it, 0, sizeof *it);
}

/* ---- import ------------------------------------------------------------- */

typedef struct import_opts {
    size_t batch;
    const char *category, *location, *src;
    double ppi;
    bool dedup;
} import_opts;

typedef struct tally {
    size_t imported, prints, batches;
} tally;

/* One batch: folders[0..n-1] read, journalled, imported. */
static int import_batch(admin_ctx *a, journal *j, const import_opts *o, char **folders,
                        size_t n, item *items, tern_enroll_request *reqs, tally *t)
{
    int rc = 0;
    size_t loaded = 0;
    int64_t now = tern_store_now_ms();
    for (; !rc && loaded < n; loaded++) {
        item *it = &items[loaded];
        rc = item_load(it, folders[loaded], o->ppi);
        reqs[loaded] = (tern_enroll_request){.identity = &it->idr, .category = o->category,
                                             .location = o->location, .n_fingers = it->fs.n,
                                             .fingers = it->fs.f, .now_ms = now};
    }
    if (rc)
        fprintf(stderr, "tern: import: stopped at %s; its batch (%zu from %s) was not stored\n",
                folders[loaded - 1], n, folders[0]);
    tern_error err;
    tern_audit_head head = {0};
    if (!rc && tern_store_audit_head_get(a->store, false, &head, &err) != TERN_OK)
        rc = cli_fail_err("import: reading the audit chain's head", &err);
    char text[128], label[TERN_ID_MAX];
    snprintf(label, sizeof label, "%s:%zu", j->id, j->begun + 1);
    snprintf(text, sizeof text, "begin %lld %zu %s\n", (long long)head.seq, n, label);
    if (!rc) {
        rc = journal_put(j, text);
        j->begun++;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        char line[PATH_MAX + 300];
        snprintf(line, sizeof line, "%s\n", folders[i]);
        rc = journal_put(j, line);
    }
    if (!rc) {
        char(*ids)[TERN_ID_MAX] = calloc(n, sizeof *ids);
        tern_status s = ids ? tern_core_import(a->core, NULL, &a->actor, label, reqs, n, ids,
                                               &err)
                            : tern_error_set(&err, TERN_E_NOMEM, "import: out of memory");
        if (s == TERN_OK)
            snprintf(text, sizeof text, "commit %s %s\n", label, ids[0]);
        else
            snprintf(text, sizeof text, "abort (refused)\n");
        free(ids);
        size_t bad = 0;
        if (s != TERN_OK && sscanf(err.message, "import: request %zu:", &bad) == 1 && bad < n)
            fprintf(stderr, "tern: import: %s was refused: the batch of %zu from %s was not "
                            "stored\n", folders[bad], n, folders[0]);
        rc = journal_put(j, text);
        if (s != TERN_OK)
            rc = cli_fail_err("import", &err);
    }
    for (size_t i = 0; i < n; i++) {
        if (!rc) {
            for (size_t k = 0; k < items[i].fs.n; k++)
                t->prints += items[i].fs.f[k].state == TERN_FINGER_PRESENT;
        }
        item_free(&items[i]);
    }
    if (!rc)
        t->imported += n, t->batches++;
    return rc;
}

static int run_dedup(admin_ctx *a, size_t max, double fpir);

static int import_dir(admin_ctx *a, const import_opts *o)
{
    char src[PATH_MAX];
    if (!realpath(o->src, src))
        return cli_fail("import: %s: %s", o->src, strerror(errno));
    names all = {0}, todo = {0};
    journal j = {0};
    int rc = list_folders(src, &all);
    if (!rc)
        rc = journal_open(&j, a);
    for (size_t i = 0; !rc && i < all.n; i++)
        if (!journal_has(&j, all.v[i]))
            rc = names_add(&todo, all.v[i]);
    item *items = rc ? NULL : calloc(o->batch, sizeof *items);
    tern_enroll_request *reqs = rc ? NULL : calloc(o->batch, sizeof *reqs);
    if (!rc && (!items || !reqs))
        rc = cli_fail("out of memory");
    cli_progress m;
    cli_progress_start(&m, "admin", todo.n, "identities");
    tally t = {0};
    for (size_t at = 0; !rc && at < todo.n; at += o->batch) {
        size_t n = todo.n - at < o->batch ? todo.n - at : o->batch;
        rc = import_batch(a, &j, o, todo.v + at, n, items, reqs, &t);
        cli_progress_show(&m, t.imported);
    }
    journal_close(&j);
    free(items);
    free(reqs);
    if (all.n)
        printf("import %s: %zu identity folders: %zu already imported (skipped), %zu imported "
               "(%zu prints) in %zu transactions%s\n",
               src, all.n, all.n - todo.n, t.imported, t.prints, t.batches,
               rc ? ", then stopped" : "");
    names_free(&all);
    names_free(&todo);
    int64_t pending = 0;
    tern_error err;
    if (!rc && tern_core_import_dedup_pending(a->core, &pending, &err) != TERN_OK)
        rc = cli_fail_err("import: counting pending de-duplications", &err);
    if (!rc && pending && !o->dedup)
        printf("%lld imported subjects await de-duplication: tern admin ... import dedup\n",
               (long long)pending);
    if (!rc && o->dedup)
        rc = run_dedup(a, 0, 0);
    return rc;
}

/* ---- dedup ------------------------------------------------------------- */

static void dedup_progress(void *ctx, size_t done, size_t total)
{
    cli_progress *m = ctx;
    m->total = total; /* the library's count: pending imports may have changed */
    cli_progress_show(m, done);
}

/* One library call: it lists the pending imports once and reports each
 * subject done to the bar (before the progress callback, the bar moved by
 * calls of 16 subjects, each listing every pending import again). */
static int run_dedup(admin_ctx *a, size_t max, double fpir)
{
    tern_error err;
    int64_t pending = 0;
    if (tern_core_import_dedup_pending(a->core, &pending, &err) != TERN_OK)
        return cli_fail_err("import dedup", &err);
    size_t todo = max && max < (size_t)pending ? max : (size_t)pending;
    int rc = todo ? admin_gallery(a) : 0;
    cli_progress m;
    cli_progress_start(&m, "admin", todo, "subjects searched");
    tern_core_match_opts match = {.target_fpir = fpir};
    tern_import_dedup_result r = {0};
    r.remaining = (size_t)pending;
    if (!rc && todo &&
        tern_core_import_dedup(a->core, a->gallery, &a->actor, &match, todo, tern_store_now_ms(),
                               dedup_progress, &m, &r, &err) != TERN_OK)
        rc = cli_fail_err("import dedup", &err);
    if (m.tty && r.searched && r.searched < m.total)
        fputc('\n', stderr); /* the bar stopped short */
    printf("de-duplication: %zu imported subjects searched, %zu yellow links made (possible "
           "duplicates, pending an examiner's review; nothing merged), %zu still pending\n",
           r.searched, r.linked, r.remaining);
    return rc;
}

static int dedup_cmd(admin_ctx *a, int argc, char **argv)
{
    unsigned long max = 0;
    double fpir = 0;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(import_usage, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
            if (!cli_parse_uint("--max", argv[++i], &max))
                return 1;
        } else if (strcmp(argv[i], "--fpir") == 0 && i + 1 < argc) {
            if (!cli_parse_double("--fpir", argv[++i], &fpir) || fpir >= 1)
                return cli_fail("--fpir: a rate in (0, 1)");
        } else {
            return cli_fail("import dedup: unexpected '%s' (try tern admin import --help)",
                            argv[i]);
        }
    }
    return run_dedup(a, max, fpir);
}

int admin_import(admin_ctx *a, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "dedup") == 0)
        return dedup_cmd(a, argc - 1, argv + 1);
    import_opts o = {.batch = 100, .category = "default"};
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        bool has = i + 1 < argc;
        unsigned long n;
        if (cli_is_help(s)) {
            fputs(import_usage, stdout);
            return 0;
        } else if (strcmp(s, "--batch") == 0 && has) {
            if (!cli_parse_uint(s, argv[++i], &n) || n < 1 || n > TERN_IMPORT_BATCH_MAX)
                return cli_fail("--batch: 1..%u identities per transaction",
                                TERN_IMPORT_BATCH_MAX);
            o.batch = n;
        } else if (strcmp(s, "--category") == 0 && has) {
            o.category = argv[++i];
        } else if (strcmp(s, "--location") == 0 && has) {
            o.location = argv[++i];
        } else if (strcmp(s, "--ppi") == 0 && has) {
            if (!cli_parse_double(s, argv[++i], &o.ppi))
                return 1;
        } else if (strcmp(s, "--dedup") == 0) {
            o.dedup = true;
        } else if (s[0] == '-' || o.src) {
            return cli_fail("import: unexpected '%s' (try tern admin import --help)", s);
        } else {
            o.src = s;
        }
    }
    if (!o.src)
        return cli_fail("import: a directory of identity folders is required "
                        "(try tern admin import --help)");
    return import_dir(a, &o);
}
