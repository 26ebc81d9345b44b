/* tern/nist_xml.h - the XML encoding of ANSI/NIST-ITL transactions: read
 * ANSI/NIST-ITL 2-2008 (NIEM 2.0) and 1-2011 (NIEM-conformant, NIST SP
 * 500-290 Annex C); write 1-2011. See docs/nist.md, "XML encoding", for the
 * fields that have NIEM elements and for Tern's extension element that
 * carries every other field, so that traditional -> XML -> traditional
 * keeps every field.
 *
 * Hostile input: documents with a DOCTYPE or an entity declaration are
 * refused (no entity expansion, hence no "billion laughs"); the network is
 * never used (XML_PARSE_NONET); libxml2's own size and depth limits stay on
 * (no XML_PARSE_HUGE); Tern also refuses inputs over TERN_NIST_MAX_BYTES,
 * elements nested deeper than TERN_NIST_XML_MAX_DEPTH and more than
 * TERN_NIST_XML_MAX_ELEMENTS elements.
 *
 * Thread safety: reentrant (libxml2 is initialised once, thread-safely).
 */
#ifndef TERN_NIST_XML_H
#define TERN_NIST_XML_H

#include <stddef.h>
#include <stdint.h>

#include "tern/nist.h"
#include "tern/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_NIST_XML_MAX_DEPTH 64
#define TERN_NIST_XML_MAX_ELEMENTS (8u * 1024u * 1024u)

/* What a read met that it could not carry into fields. */
typedef struct tern_nist_xml_report {
    int version;              /* 2008 or 2011, from the root element's namespace */
    size_t skipped;           /* elements holding text that no field mapping read */
    char first_skipped[160];  /* where the first one was, e.g. "record 10: FaceImage/..." */
} tern_nist_xml_report;

/* Writes t as a 1-2011 XML document (UTF-8, indented) into a malloc'd
 * buffer (free() it). Deterministic: the same transaction always gives the
 * same bytes. Types 3, 5 and 6, deprecated in 2011, are written with the
 * 2-2008 elements. LEN fields are not written (XML has none). */
tern_status tern_nist_xml_write(const tern_nist *t, uint8_t **out, size_t *len, tern_error *err);

/* Reads an XML transaction (2-2008 or 1-2011) into a new tern_nist (free
 * with tern_nist_free). report may be NULL. Errors: TERN_E_FORMAT (not
 * well-formed, with the line; not an ANSI/NIST package; a DOCTYPE or
 * entity; a malformed mapped value, naming record and element),
 * TERN_E_LIMIT. */
tern_status tern_nist_xml_read(const uint8_t *data, size_t len, tern_nist **out,
                               tern_nist_xml_report *report, tern_error *err);

#ifdef __cplusplus
}
#endif
#endif
