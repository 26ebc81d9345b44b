/* tern/store.h - the records store: typed rows for subjects, identity
 * records, encounters, samples, templates, watchlists and their entries,
 * alerts, identity links, agencies, users, API keys, retention rules and the
 * audit chain, on SQLite (embedded default) or PostgreSQL (libpq). The data
 * model is described in docs/data-model.md, the store in docs/store.md.
 *
 * Opening: tern_store_open("sqlite:PATH" | "postgresql://..." |
 * "postgres://..." | "pg:CONNINFO", &data_key, ...) connects and applies the
 * versioned migrations. SQLite runs in WAL mode with foreign keys on,
 * synchronous=FULL (an acknowledged commit survives SIGKILL and power loss)
 * and a busy timeout; PostgreSQL is used through parameterised statements
 * only.
 *
 * Encryption at rest: biographic fields of identity records, sample images
 * and templates are sealed with the data key (tern/crypto.h); the associated
 * data is "table\0row id\0column", so a sealed value moved to another row or
 * column does not open (TERN_E_DENIED).
 *
 * Rows: each entity E has a struct tern_E. Ids are NUL-terminated strings of
 * 1..TERN_ID_MAX-1 bytes from [A-Za-z0-9._:-]; an empty id means "none" for
 * optional references, and on insert an empty row id asks the store to
 * generate a random pseudonymous one ("sbj_" + 26 base32 characters for a
 * subject), written back into the row. Text fields are `char *`: borrowed on
 * input (NULL for an optional field), malloc'd and owned by the row on
 * output; tern_store_row_clear frees them. Text must be valid UTF-8 without
 * NUL and at most the field's documented limit.
 *
 * Errors (each with a message naming the entity, field and id):
 * TERN_E_ARG (bad id syntax, missing required field), TERN_E_LIMIT (field too
 * long), TERN_E_FORMAT (not UTF-8), TERN_E_NOT_FOUND (unknown id, including
 * a referenced one), TERN_E_EXISTS (duplicate key), TERN_E_DENIED (a sealed
 * value does not authenticate), TERN_E_IO (the database failed),
 * TERN_E_STATE (transaction misuse). A refused call changes nothing.
 *
 * Transactions: tern_store_begin / commit / rollback. Outside a transaction
 * each call is atomic by itself. Inside one, after an error the caller must
 * roll back (PostgreSQL refuses further statements in a failed transaction).
 *
 * Thread safety: a tern_store is one connection; use it from one thread at a
 * time. Open one store per thread; SQLite serialises writers with its lock
 * (busy timeout), PostgreSQL with row locks and an advisory lock for audit.
 */
#ifndef TERN_STORE_H
#define TERN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/crypto.h"
#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_ID_MAX 48u
/* Limits on text fields, in bytes (UTF-8). */
#define TERN_STORE_NAME_MAX 256u  /* names, codes, short labels */
#define TERN_STORE_NOTE_MAX 4096u /* basis, handling instructions, reasons, detail */
/* Limit on a blob (sample image, template, evidence). */
#define TERN_STORE_BLOB_MAX (64u << 20)

typedef struct tern_store tern_store;

/* Roles, a bit set in tern_user.roles. */
enum {
    TERN_ROLE_OFFICER = 1u << 0,
    TERN_ROLE_EXAMINER = 1u << 1,
    TERN_ROLE_ANALYST = 1u << 2,
    TERN_ROLE_SUPERVISOR = 1u << 3,
    TERN_ROLE_AUDITOR = 1u << 4,
    TERN_ROLE_ADMIN = 1u << 5,
    TERN_ROLE_PARTNER = 1u << 6,
};

typedef enum tern_entry_status {
    TERN_ENTRY_PROPOSED = 0,
    TERN_ENTRY_ACTIVE,
    TERN_ENTRY_EXPIRED,
    TERN_ENTRY_REMOVED,
    TERN_ENTRY_REJECTED,
} tern_entry_status;

typedef enum tern_alert_status {
    TERN_ALERT_PENDING = 0,
    TERN_ALERT_CONFIRMED,
    TERN_ALERT_REJECTED,
    TERN_ALERT_INCONCLUSIVE,
} tern_alert_status;

/* EU interoperability link colours (Regulation (EU) 2019/817, arts. 30-33):
 * yellow = to be verified; white = same person, legitimately; red = same
 * person unlawfully using different identities, or different persons sharing
 * an identity unlawfully; green = different persons, legitimately similar. */
typedef enum tern_link_colour {
    TERN_LINK_YELLOW = 0,
    TERN_LINK_WHITE,
    TERN_LINK_RED,
    TERN_LINK_GREEN,
} tern_link_colour;

/* Times are milliseconds since 1970-01-01 UTC. */

typedef struct tern_agency {
    char id[TERN_ID_MAX];     /* agency code chosen by the admin, e.g. "CL-PDI" */
    char *name;
    char *country;            /* ISO 3166-1 alpha-3 of the agency, not of persons */
    int64_t created_ms;
} tern_agency;

typedef struct tern_user {
    char id[TERN_ID_MAX];     /* user name */
    char agency_id[TERN_ID_MAX];
    char *display_name;
    int64_t roles;            /* TERN_ROLE_* bits */
    int64_t active;           /* 1 active, 0 disabled */
    int64_t created_ms;
} tern_user;

typedef struct tern_api_key {
    char id[TERN_ID_MAX];
    char user_id[TERN_ID_MAX];
    uint8_t secret_hash[TERN_HASH_BYTES]; /* tern_apikey_hash of the secret */
    int64_t created_ms;
    int64_t expires_ms;
    int64_t revoked;          /* 1 revoked */
} tern_api_key;

typedef struct tern_retention_rule {
    char id[TERN_ID_MAX];     /* the category, e.g. "watchlist", "border-control" */
    int64_t days;             /* > 0 */
    char *description;
} tern_retention_rule;

typedef struct tern_subject {
    char id[TERN_ID_MAX];     /* pseudonymous, generated: "sbj_..." */
    char *category;           /* retention category */
    int64_t created_ms;
    int64_t retain_until_ms;  /* purge after this time */
} tern_subject;

/* One agency's biographic record of a subject; aliases are several records
 * of one subject. Every biographic field is sealed at rest and optional
 * (NULL). nationality is stored for the record only: it is never an input to
 * a decision, score or threshold (docs/data-model.md, privacy rules). */
typedef struct tern_identity {
    char id[TERN_ID_MAX];     /* "idr_..." */
    char subject_id[TERN_ID_MAX];
    char agency_id[TERN_ID_MAX];
    char *family_name;
    char *given_names;
    char *date_of_birth;      /* ISO 8601 date, possibly partial */
    char *sex;
    char *place_of_birth;
    char *nationality;
    char *document_number;
    char *residence_status;
    int64_t created_ms;
} tern_identity;

typedef struct tern_encounter {
    char id[TERN_ID_MAX];     /* "enc_..." */
    int64_t at_ms;
    char *location;           /* location code, e.g. IATA "SCL" */
    char agency_id[TERN_ID_MAX];
    char officer_id[TERN_ID_MAX];
    char *purpose;            /* e.g. "border-control", "arrest" */
    char *captured;           /* what was captured, e.g. "10 rolled, 3 slaps" */
    char *result;             /* e.g. "no-hit", "hit", "pending" */
    char subject_id[TERN_ID_MAX]; /* optional: the subject it was attributed to */
} tern_encounter;

/* A compressed image of one finger (sealed at rest). */
typedef struct tern_sample {
    char id[TERN_ID_MAX];     /* "smp_..." */
    char subject_id[TERN_ID_MAX];   /* optional */
    char encounter_id[TERN_ID_MAX]; /* optional */
    int64_t position;         /* ANSI/NIST finger position 0..15 */
    int64_t impression;       /* ANSI/NIST impression type */
    char *format;             /* "wsq" or "jp2" */
    uint8_t *data;            /* sealed at rest; at most TERN_STORE_BLOB_MAX */
    size_t data_len;
    int64_t created_ms;
} tern_sample;

/* An encoded template (sealed at rest) with the engine version that made it. */
typedef struct tern_template_row {
    char id[TERN_ID_MAX];     /* "tpl_..." */
    char subject_id[TERN_ID_MAX];
    char sample_id[TERN_ID_MAX];    /* optional */
    int64_t position;
    char *engine_version;
    uint8_t *data;
    size_t data_len;
    int64_t created_ms;
} tern_template_row;

typedef struct tern_watchlist {
    char id[TERN_ID_MAX];     /* "wl_..." or chosen */
    char owner_agency_id[TERN_ID_MAX];
    char *name;
    char *category;           /* e.g. "transnational organised crime" */
    char *handling;           /* handling instructions for officers */
    int64_t created_ms;
} tern_watchlist;

typedef struct tern_watchlist_entry {
    char id[TERN_ID_MAX];     /* "wle_..." */
    char watchlist_id[TERN_ID_MAX];
    char subject_id[TERN_ID_MAX];
    char nominating_agency_id[TERN_ID_MAX];
    char nominated_by[TERN_ID_MAX];
    char *basis;              /* legal basis and case reference */
    int64_t status;           /* tern_entry_status */
    char approved_by[TERN_ID_MAX];  /* optional until approved */
    int64_t review_ms;
    int64_t expires_ms;
    int64_t created_ms;
    int64_t updated_ms;
    char *status_reason;      /* optional: why it was rejected or removed */
} tern_watchlist_entry;

typedef struct tern_alert {
    char id[TERN_ID_MAX];     /* "alr_..." */
    char encounter_id[TERN_ID_MAX];
    char entry_id[TERN_ID_MAX];     /* optional: a watchlist hit */
    char subject_id[TERN_ID_MAX];   /* optional: the candidate */
    double score;
    uint8_t *evidence;        /* JSON: per-finger scores, fused score, minutiae */
    size_t evidence_len;
    int64_t status;           /* tern_alert_status */
    char examiner_id[TERN_ID_MAX];  /* optional until decided */
    char *reasons;            /* optional */
    int64_t created_ms;
    int64_t decided_ms;
} tern_alert;

typedef struct tern_link {
    char id[TERN_ID_MAX];     /* "lnk_..." */
    char subject_a[TERN_ID_MAX];
    char subject_b[TERN_ID_MAX];
    int64_t colour;           /* tern_link_colour */
    char *reason;
    char created_by[TERN_ID_MAX];
    char decided_by[TERN_ID_MAX];   /* optional */
    int64_t created_ms;
    int64_t decided_ms;
} tern_link;

/* One audit event; see tern/audit.h for the chain. Fields name subjects only
 * by pseudonymous id. seq, prev_hash and hash are set by tern_audit_append. */
typedef struct tern_audit_event {
    int64_t seq;              /* 1, 2, 3 ... */
    int64_t at_ms;
    char actor[TERN_ID_MAX];  /* user or system id */
    char *role;
    char *action;             /* e.g. "watchlist.nominate" */
    char *object_type;        /* e.g. "watchlist_entry" */
    char object_id[TERN_ID_MAX];
    char *purpose;            /* why */
    char *outcome;            /* "ok", "denied", "error" ... */
    char *detail;             /* optional; never personal data */
    uint8_t prev_hash[TERN_HASH_BYTES];
    uint8_t hash[TERN_HASH_BYTES];
} tern_audit_event;

/* The entities, to name a table in the generic calls below. */
typedef enum tern_entity {
    TERN_ENT_AGENCY = 0,
    TERN_ENT_USER,
    TERN_ENT_API_KEY,
    TERN_ENT_RETENTION_RULE,
    TERN_ENT_SUBJECT,
    TERN_ENT_IDENTITY,
    TERN_ENT_ENCOUNTER,
    TERN_ENT_SAMPLE,
    TERN_ENT_TEMPLATE,
    TERN_ENT_WATCHLIST,
    TERN_ENT_WATCHLIST_ENTRY,
    TERN_ENT_ALERT,
    TERN_ENT_LINK,
    TERN_ENT_AUDIT_EVENT,
    TERN_ENT_COUNT
} tern_entity;

/* ---- open, close, transactions ---------------------------------------- */

/* Opens the store at url (see the top of this file) with data_key (copied,
 * wiped on close) and applies pending migrations. SQLite creates the file
 * (mode 0600) if absent. Errors: TERN_E_ARG (unknown URL scheme), TERN_E_IO
 * (cannot open or connect), TERN_E_UNSUPPORTED (the database's schema is newer
 * than this build's). */
tern_status tern_store_open(const char *url, const tern_key *data_key, tern_store **out,
                            tern_error *err);
/* Closes the connection (rolling back an open transaction); NULL allowed. */
void tern_store_close(tern_store *s);
/* "sqlite" or "postgresql". */
const char *tern_store_backend(const tern_store *s);
/* The schema version the store is at after open. */
tern_status tern_store_schema_version(tern_store *s, int64_t *version, tern_error *err);

/* Starts a write transaction; TERN_E_STATE if one is already open. */
tern_status tern_store_begin(tern_store *s, tern_error *err);
/* Commits; when it returns TERN_OK the transaction is durable. TERN_E_STATE
 * if none is open. On failure the transaction is rolled back. */
tern_status tern_store_commit(tern_store *s, tern_error *err);
/* Rolls back; a no-op returning TERN_OK if none is open. */
tern_status tern_store_rollback(tern_store *s, tern_error *err);
bool tern_store_in_transaction(const tern_store *s);
/* Bulk writing for the rest of the open transaction (tern_core_import):
 * on PostgreSQL, inserts are sent without waiting for their outcome
 * (pipeline mode), so that a batch costs a round trip per read rather than
 * per row; an insert that fails is then reported by the next call that
 * reads rows or by tern_store_commit (named as an earlier write), and the
 * transaction can only roll back. SQLite: no effect. TERN_E_STATE without
 * a transaction, TERN_E_IO. */
tern_status tern_store_bulk(tern_store *s, tern_error *err);

/* ---- generic typed rows ------------------------------------------------- */
/* `row` points at the struct of the entity's type (tern_agency for
 * TERN_ENT_AGENCY, and so on). The typed wrappers below are preferred. */

/* Validates and inserts row; fills an empty id with a generated one.
 * References (other ids) must exist: TERN_E_NOT_FOUND names the first one
 * that does not. TERN_E_EXISTS if the id is taken. Not for audit events
 * (use tern_audit_append). */
tern_status tern_store_insert(tern_store *s, tern_entity e, void *row, tern_error *err);
/* Reads the row with that id into *row (which it overwrites: clear it
 * first if it owns anything). TERN_E_NOT_FOUND if absent. */
tern_status tern_store_get(tern_store *s, tern_entity e, const char *id, void *row,
                           tern_error *err);
/* Replaces every column of the existing row with row->id. TERN_E_NOT_FOUND
 * if absent; same validation as insert. */
tern_status tern_store_update(tern_store *s, tern_entity e, const void *row, tern_error *err);
/* Deletes the row with that id, cascading as docs/data-model.md says
 * (deleting a subject removes its identity records, samples, templates,
 * watchlist entries and links). TERN_E_NOT_FOUND if absent. */
tern_status tern_store_delete(tern_store *s, tern_entity e, const char *id, tern_error *err);
/* Frees what a row read from the store owns, and zeroes it. */
void tern_store_row_clear(tern_entity e, void *row);

/* Calls fn for each row whose column `field` equals `value` (field NULL:
 * every row), in id order (audit: seq order). The row passed to fn is
 * borrowed for the call. fn returns 0 to go on, non-zero to stop (the call
 * then returns TERN_OK). field must be a column name of the entity
 * (TERN_E_ARG otherwise) and not a sealed, blob or hash column. value is
 * compared as text for text and id columns; for integer columns it must be a
 * decimal integer; for enum columns (status, colour) it is the stored name
 * ("confirmed") or the enumerator's number ("1", as TERN_ALERT_CONFIRMED).
 * A NULL value with a field, or a value the column can never hold, is
 * refused with TERN_E_ARG naming the field, rather than matching nothing. */
typedef int (*tern_store_row_fn)(void *ctx, const void *row);
tern_status tern_store_each(tern_store *s, tern_entity e, const char *field, const char *value,
                            tern_store_row_fn fn, void *ctx, tern_error *err);
/* Like tern_store_each, for the rows whose integer column `field` is at
 * most max (e.g. subjects with retain_until_ms <= now). TERN_E_ARG if field
 * is not an integer column of the entity. */
tern_status tern_store_each_upto(tern_store *s, tern_entity e, const char *field, int64_t max,
                                 tern_store_row_fn fn, void *ctx, tern_error *err);
/* Counts the rows that tern_store_each would visit. */
tern_status tern_store_count(tern_store *s, tern_entity e, const char *field, const char *value,
                             int64_t *count, tern_error *err);

/* Typed wrappers: tern_store_agency_insert(s, &agency, err), ..._get,
 * ..._update, and tern_agency_clear(&agency), for each entity. */
#define TERN_STORE_TYPED(name, type, ent)                                                     \
    static inline tern_status tern_store_##name##_insert(tern_store *s, type *row,           \
                                                         tern_error *err)                    \
    {                                                                                        \
        return tern_store_insert(s, ent, row, err);                                          \
    }                                                                                        \
    static inline tern_status tern_store_##name##_get(tern_store *s, const char *id,         \
                                                      type *row, tern_error *err)            \
    {                                                                                        \
        return tern_store_get(s, ent, id, row, err);                                         \
    }                                                                                        \
    static inline tern_status tern_store_##name##_update(tern_store *s, const type *row,     \
                                                         tern_error *err)                    \
    {                                                                                        \
        return tern_store_update(s, ent, row, err);                                          \
    }                                                                                        \
    static inline void type##_clear(type *row) { tern_store_row_clear(ent, row); }
TERN_STORE_TYPED(agency, tern_agency, TERN_ENT_AGENCY)
TERN_STORE_TYPED(user, tern_user, TERN_ENT_USER)
TERN_STORE_TYPED(api_key, tern_api_key, TERN_ENT_API_KEY)
TERN_STORE_TYPED(retention_rule, tern_retention_rule, TERN_ENT_RETENTION_RULE)
TERN_STORE_TYPED(subject, tern_subject, TERN_ENT_SUBJECT)
TERN_STORE_TYPED(identity, tern_identity, TERN_ENT_IDENTITY)
TERN_STORE_TYPED(encounter, tern_encounter, TERN_ENT_ENCOUNTER)
TERN_STORE_TYPED(sample, tern_sample, TERN_ENT_SAMPLE)
TERN_STORE_TYPED(template, tern_template_row, TERN_ENT_TEMPLATE)
TERN_STORE_TYPED(watchlist, tern_watchlist, TERN_ENT_WATCHLIST)
TERN_STORE_TYPED(watchlist_entry, tern_watchlist_entry, TERN_ENT_WATCHLIST_ENTRY)
TERN_STORE_TYPED(alert, tern_alert, TERN_ENT_ALERT)
TERN_STORE_TYPED(link, tern_link, TERN_ENT_LINK)
static inline void tern_audit_event_clear(tern_audit_event *ev)
{
    tern_store_row_clear(TERN_ENT_AUDIT_EVENT, ev);
}

/* ---- galleries ---------------------------------------------------------- */

/* Calls fn for each template (decrypted; borrowed for the call) that belongs
 * in a gallery: made by engine_version (NULL: any), and, if watchlist_id is
 * not NULL, only those of subjects with an entry in that watchlist that is
 * active and not past its expiry at now_ms. Order: subject id, then
 * position. fn returns non-zero to stop. */
typedef int (*tern_store_template_fn)(void *ctx, const tern_template_row *t);
tern_status tern_store_templates_each(tern_store *s, const char *engine_version,
                                      const char *watchlist_id, int64_t now_ms,
                                      tern_store_template_fn fn, void *ctx, tern_error *err);

/* ---- jobs (long searches run later by the node) ------------------------ */

typedef enum tern_job_status {
    TERN_JOB_QUEUED = 0,
    TERN_JOB_RUNNING,
    TERN_JOB_DONE,
    TERN_JOB_FAILED,
} tern_job_status;

/* One job. request and result are sealed at rest (associated data
 * "jobs\0id\0request" / "...result"); the request is emptied when the job
 * finishes, so the images it carries are not kept beyond the search. */
typedef struct tern_job {
    char id[TERN_ID_MAX];     /* chosen by the caller, e.g. "job_..." */
    char *kind;               /* e.g. "identify"; at most TERN_STORE_NAME_MAX */
    int64_t priority;         /* 1 (most urgent) .. 9 */
    char requester[TERN_ID_MAX]; /* a user id */
    char *purpose;            /* at most TERN_STORE_NAME_MAX */
    uint8_t *request;         /* what is needed to run it again; <= TERN_STORE_BLOB_MAX */
    size_t request_len;
    int64_t status;           /* tern_job_status */
    uint8_t *result;          /* optional: JSON once done or failed */
    size_t result_len;
    int64_t created_ms;
    int64_t finished_ms;      /* 0 until done or failed */
} tern_job;

/* Inserts job (status as given, normally queued); a committed insert is
 * durable like any other. TERN_E_ARG (bad id, kind, purpose or priority),
 * TERN_E_LIMIT, TERN_E_NOT_FOUND (requester), TERN_E_EXISTS, TERN_E_IO. */
tern_status tern_store_job_insert(tern_store *s, const tern_job *job, tern_error *err);
/* Reads job id into *out (overwritten; owned, free with tern_job_clear).
 * TERN_E_NOT_FOUND, TERN_E_DENIED (a sealed field does not open). */
tern_status tern_store_job_get(tern_store *s, const char *id, tern_job *out, tern_error *err);
/* Sets the status of job id; for done and failed also the result (may be
 * NULL) and finished_ms, and empties the request. TERN_E_NOT_FOUND. */
tern_status tern_store_job_set_status(tern_store *s, const char *id, tern_job_status status,
                                      const uint8_t *result, size_t result_len,
                                      int64_t finished_ms, tern_error *err);
/* Calls fn (row: a const tern_job *, borrowed) for each job queued or
 * running, most urgent priority first, then oldest; fn returns non-zero to
 * stop. */
tern_status tern_store_jobs_unfinished(tern_store *s, tern_store_row_fn fn, void *ctx,
                                       tern_error *err);
/* Deletes every job done or failed at or before finished_before_ms (its
 * result holds pseudonymous subject ids and scores); queued and running jobs
 * are never deleted. *purged (may be NULL) receives the count. Runs in the
 * caller's transaction if one is open. TERN_E_IO. */
tern_status tern_store_jobs_purge(tern_store *s, int64_t finished_before_ms, int64_t *purged,
                                  tern_error *err);
/* Frees what a job read from the store owns, and zeroes it. */
void tern_job_clear(tern_job *job);
/* "queued", "running", "done", "failed"; NULL if unknown. */
const char *tern_job_status_name(int64_t status);

/* ---- audit chain storage (used by tern/audit.h; not for direct use) ----- */

typedef struct tern_audit_head {
    int64_t seq;                     /* 0: empty chain */
    uint8_t hash[TERN_HASH_BYTES];   /* hash of event seq (zeros if empty) */
    uint8_t sig[TERN_SIGN_BYTES];    /* Ed25519 over tern_audit_head_message */
    bool has_sig;
} tern_audit_head;

/* Reads the chain head. With lock, also serialises audit appends until the
 * transaction ends (must be inside one: TERN_E_STATE otherwise). */
tern_status tern_store_audit_head_get(tern_store *s, bool lock, tern_audit_head *head,
                                      tern_error *err);
tern_status tern_store_audit_head_put(tern_store *s, const tern_audit_head *head,
                                      tern_error *err);
/* Inserts one event exactly as given (seq, hashes included). */
tern_status tern_store_audit_insert(tern_store *s, const tern_audit_event *ev, tern_error *err);
/* Calls fn for each event with seq >= from_seq in seq order. */
tern_status tern_store_audit_each(tern_store *s, int64_t from_seq, tern_store_row_fn fn,
                                  void *ctx, tern_error *err);

/* ---- helpers ------------------------------------------------------------ */

/* The stored form of an API key secret under this store's data key
 * (tern_apikey_hash). */
void tern_store_api_key_hash(const tern_store *s, const uint8_t secret[32],
                             uint8_t out[TERN_HASH_BYTES]);

/* Milliseconds since the epoch, UTC (CLOCK_REALTIME). */
int64_t tern_store_now_ms(void);
/* TERN_OK if id is a valid id (see above); `what` names it in the message. */
tern_status tern_store_check_id(const char *id, const char *what, tern_error *err);
/* TERN_OK if text is valid UTF-8 (no NUL, no overlong forms, no surrogates)
 * of at most max bytes; TERN_E_FORMAT (with the byte offset) or TERN_E_LIMIT. */
tern_status tern_store_check_text(const char *text, size_t max, const char *what,
                                  tern_error *err);
/* Names of enum values as stored: "proposed", "pending", "yellow" ... */
const char *tern_entry_status_name(int64_t status);
const char *tern_alert_status_name(int64_t status);
const char *tern_link_colour_name(int64_t colour);

#ifdef __cplusplus
}
#endif
#endif
