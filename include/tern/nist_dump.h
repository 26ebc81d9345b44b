/* tern/nist_dump.h - a transaction described as text or JSON, as `tern nist
 * dump` prints it (docs/nist.md, "Dump").
 *
 * The JSON holds content only: {"records": [{"type": T, "fields": [{"field":
 * "T.NNN", "subfields": [[item, ...], ...]} or {"field": ..., "binary":
 * {"bytes", "format", "fnv1a64"}}], "image": {...}}]}. LEN fields, byte
 * offsets, tag spellings and file names are left out, so a transaction and
 * its round trip through XML dump identically. Items that are not UTF-8 are
 * {"hex": "..."}.
 *
 * Thread safety: reentrant.
 */
#ifndef TERN_NIST_DUMP_H
#define TERN_NIST_DUMP_H

#include <stdbool.h>

#include "tern/nist.h"
#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes the description (JSON if json, else text) into a new
 * NUL-terminated string *out; free it with tern_nist_dump_free. */
tern_status tern_nist_dump(const tern_nist *t, bool json, char **out, tern_error *err);
void tern_nist_dump_free(char *s);

#ifdef __cplusplus
}
#endif
#endif
