/* nist_internal.h - what the files of src/nist share and users do not see:
 * field construction and indexing, record appending, and message helpers. */
#ifndef TERN_NIST_INTERNAL_H
#define TERN_NIST_INTERNAL_H

#include "tern/nist.h"

/* Frees what f owns and zeroes it. */
void nist_field_clear(tern_nist_field *f);
/* Builds f's subfield/item index from its value, charging *items. */
tern_status nist_field_index(tern_nist_field *f, uint32_t *items, tern_error *err);
/* Fills a zeroed f with a copy of value (NUL-terminated) and indexes it. */
tern_status nist_field_init(tern_nist_field *f, uint32_t number, const void *value, size_t len,
                            bool binary, uint32_t *items, tern_error *err);
/* Appends a zeroed field to r (NULL and err filled past TERN_NIST_MAX_FIELDS). */
tern_nist_field *nist_record_append(tern_nist_record *r, tern_error *err);
/* Appends an empty record of `type` to t (NULL and err filled on failure). */
tern_nist_record *nist_append_record(tern_nist *t, uint32_t type, tern_error *err);

/* Rewrites 1.003 CNT from the records (type and IDC of each). */
tern_status nist_rewrite_cnt(tern_nist *t, tern_error *err);

/* Header size of the binary record types 3..8 (LEN included), 0 otherwise. */
size_t nist_binary_header_size(uint32_t type);
/* The number of the data field of binary record `type` (9, 3 or 8). */
uint32_t nist_binary_data_field(uint32_t type);
/* True if field `number` of a tagged record of `type` holds binary data
 * that runs to the end of the record (x.999 of Types 10 and above). */
bool nist_field_is_binary(uint32_t type, uint32_t number);

#endif
