/* tern/nist.h - ANSI/NIST-ITL 1-2011 transactions (NIST SP 500-290): the
 * record/field model, the traditional encoding (read and write) and a
 * builder. Typed access to the records Tern uses is in tern/nist_types.h;
 * the XML encoding in tern/nist_xml.h; application profiles in
 * tern/nist_profile.h. See docs/nist.md.
 *
 * The model. A transaction is a list of records; records[0] is the Type-1
 * record. Every record, whatever its encoding, is a list of fields; a field
 * has a number (14.999 is field 999 of a Type-14 record) and a value made of
 * subfields, each made of information items (byte strings). In the
 * traditional encoding items are separated by US (0x1F), subfields by RS
 * (0x1E), fields by GS (0x1D), and FS (0x1C) ends a record.
 *
 * Binary records (Types 3-8) have fixed headers; Tern presents them as
 * fields numbered as in the 2011 standard, values in decimal text:
 *   Type-3/4:  x.001 LEN, .002 IDC, .003 IMP, .004 FGP (the six position
 *              bytes; one subfield per position that is not 255), .005 ISR,
 *              .006 HLL, .007 VLL, .008 GCA (compression), .009 DATA (binary).
 *   Type-5/6:  the same with .008 BCA.
 *   Type-7:    7.001 LEN, 7.002 IDC, 7.003 the user-defined bytes (binary).
 *   Type-8:    8.001 LEN, .002 IDC, .003 SIG, .004 SRT, .005 ISR, .006 HLL,
 *              .007 VLL, .008 DATA (binary).
 * so that dump, XML and profiles treat every record alike.
 *
 * Byte-exact round trip. A parsed field keeps its tag as spelled ("1.01"
 * and "1.001" both mean field 1.001) and its value bytes; the writer
 * recomputes each record's LEN and keeps the input's spelling of it (leading
 * zeros) when the number is unchanged. Serialising an unchanged parsed
 * transaction therefore yields the input bytes.
 *
 * Limits (hostile input), each refused with TERN_E_LIMIT before allocation:
 * input size TERN_NIST_MAX_BYTES, records TERN_NIST_MAX_RECORDS, fields per
 * record TERN_NIST_MAX_FIELDS, information items per transaction
 * TERN_NIST_MAX_ITEMS. Parsing is linear in the input size.
 *
 * Ownership and threads: a tern_nist owns everything it points to; it may be
 * read from several threads at once, and modified by one. The structures are
 * visible for reading; change them only through the functions here.
 */
#ifndef TERN_NIST_H
#define TERN_NIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_NIST_MAX_BYTES (1024u * 1024u * 1024u)
#define TERN_NIST_MAX_RECORDS 10000u
#define TERN_NIST_MAX_FIELDS 10000u
#define TERN_NIST_MAX_ITEMS (1024u * 1024u)
/* The longest tag kept as spelled, e.g. "10.0999" (without the colon). */
#define TERN_NIST_TAG_MAX 15

/* Separators of the traditional encoding. */
#define TERN_NIST_FS 0x1C
#define TERN_NIST_GS 0x1D
#define TERN_NIST_RS 0x1E
#define TERN_NIST_US 0x1F

typedef struct tern_nist_field {
    uint32_t number;              /* field number: 999 for 10.999 */
    char tag[TERN_NIST_TAG_MAX + 1]; /* as spelled in the input ("1.01"); "" when built */
    bool binary;                  /* value is opaque bytes (image data) with no separators */
    size_t offset;                /* byte offset of its tag in the parsed input; 0 when built */
    uint8_t *value;               /* owned: len bytes, then a NUL not counted in len */
    size_t len;
    uint32_t n_subfields;         /* >= 1 */
    uint32_t *sub_first;          /* owned: n_subfields + 1 entries; subfield s holds items
                                     sub_first[s] .. sub_first[s + 1] - 1 */
    uint32_t n_items;
    uint32_t *item_start;         /* owned: n_items + 1 entries; item i is the bytes
                                     value[item_start[i] .. item_start[i + 1] - 1) */
} tern_nist_field;

typedef struct tern_nist_record {
    uint32_t type;                /* record type, 1..99 */
    size_t offset;                /* byte offset in the parsed input; 0 when built */
    size_t n_fields;
    size_t cap_fields;
    tern_nist_field *fields;      /* owned, in the input's order (ascending when built) */
} tern_nist_record;

typedef struct tern_nist {
    size_t n_records;
    size_t cap_records;
    tern_nist_record *records;    /* owned; records[0] is Type-1 */
    uint32_t items;               /* information items held, against TERN_NIST_MAX_ITEMS */
} tern_nist;

/* True for the record types with fixed binary headers (3 to 8). */
bool tern_nist_type_is_binary(uint32_t type);

/* ---- reading the traditional encoding ---------------------------------- */

/* Parses a whole transaction in the traditional encoding. The record
 * sequence comes from 1.003 (CNT); each record's extent from its LEN, so
 * image data is never scanned for separators. Where 1.015 declares UTF-8
 * (DCS 3) every text field is checked to be valid UTF-8. Errors
 * (TERN_E_FORMAT, TERN_E_TRUNCATED, TERN_E_LIMIT) name the record, its type,
 * the field and the byte offset. On success *out is a new transaction (free
 * with tern_nist_free); on failure NULL. */
tern_status tern_nist_parse(const uint8_t *data, size_t len, tern_nist **out, tern_error *err);

/* Serialises in the traditional encoding into a malloc'd buffer (free()
 * it). LEN of every record is computed here; IDC and CNT are written as the
 * fields hold them (the builder keeps them right). Fails with TERN_E_ARG if
 * a record cannot be encoded (e.g. a binary record header value out of
 * range, a separator inside a tagged text item). */
tern_status tern_nist_serialize(const tern_nist *t, uint8_t **out, size_t *len, tern_error *err);

void tern_nist_free(tern_nist *t);

/* ---- builder ------------------------------------------------------------- */

/* A new transaction holding a Type-1 record with 1.001 LEN, 1.002 VER
 * (version, e.g. "0500"; NULL for "0500") and 1.003 CNT. Add the other
 * Type-1 fields with tern_nist_set_text. */
tern_status tern_nist_create(const char *version, tern_nist **out, tern_error *err);

/* Appends a record of `type` (2..99) with its LEN and IDC fields; *index
 * receives its position in t->records. The IDC is the count of records
 * already present other than Type-1 (so Type-2 gets 0, the next 1, ...);
 * change it with tern_nist_set_idc. 1.003 CNT is rewritten. */
tern_status tern_nist_add_record(tern_nist *t, uint32_t type, size_t *index, tern_error *err);

/* Sets the IDC of record `index` (not Type-1) and rewrites 1.003 CNT. */
tern_status tern_nist_set_idc(tern_nist *t, size_t index, unsigned idc, tern_error *err);

/* Sets field `number` of record `index` to a value given in the traditional
 * form: text whose RS and US bytes separate subfields and items (so "A\x1fB"
 * is one subfield of two items). Replaces an existing field of that number,
 * or inserts it in ascending order. LEN (x.001) cannot be set: it is
 * computed. Copies value. */
tern_status tern_nist_set_value(tern_nist *t, size_t index, uint32_t number, const void *value,
                                size_t len, tern_error *err);
/* Convenience: a NUL-terminated value, as tern_nist_set_value. */
tern_status tern_nist_set_text(tern_nist *t, size_t index, uint32_t number, const char *text,
                               tern_error *err);
/* Sets a binary field (an image, x.999, or the data of a binary record):
 * opaque bytes, copied. */
tern_status tern_nist_set_binary(tern_nist *t, size_t index, uint32_t number, const void *data,
                                 size_t len, tern_error *err);
/* Removes record `index` (not Type-1) and rewrites 1.003 CNT. The IDCs of
 * the other records are unchanged. */
tern_status tern_nist_remove_record(tern_nist *t, size_t index, tern_error *err);
/* Removes field `number` of record `index` if present (not LEN or IDC). */
void tern_nist_remove_field(tern_nist *t, size_t index, uint32_t number);

/* ---- reading fields ------------------------------------------------------ */

/* The field `number` of rec, or NULL if absent. */
const tern_nist_field *tern_nist_find(const tern_nist_record *rec, uint32_t number);
/* The record's IDC (x.002), or -1 for Type-1 or when absent or not a number. */
int tern_nist_record_idc(const tern_nist_record *rec);
/* Number of items in subfield s (0 if s is out of range). */
uint32_t tern_nist_item_count(const tern_nist_field *f, uint32_t s);
/* Item i of subfield s: pointer into the field's value (not NUL-terminated)
 * and its length; NULL if out of range. */
const uint8_t *tern_nist_item(const tern_nist_field *f, uint32_t s, uint32_t i, size_t *len);
/* Copies item (s, i) as a NUL-terminated string into buf (truncating to
 * size - 1); returns false if absent. */
bool tern_nist_item_str(const tern_nist_field *f, uint32_t s, uint32_t i, char *buf, size_t size);
/* Parses item (s, i) as a decimal integer (optional sign, no other
 * characters); false if absent or not one. */
bool tern_nist_item_long(const tern_nist_field *f, uint32_t s, uint32_t i, long *out);
/* Parses item (s, i) as a decimal number; false if absent or not one. */
bool tern_nist_item_double(const tern_nist_field *f, uint32_t s, uint32_t i, double *out);

/* Writes "T.NNN" (the canonical spelling of field `number` of a record of
 * `type`) into buf (at least 16 bytes). */
void tern_nist_tag_name(uint32_t type, uint32_t number, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
