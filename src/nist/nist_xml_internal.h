/* nist_xml_internal.h - what the XML reader and writer share: the field to
 * element mapping table, record element names, value conversions, base64. */
#ifndef TERN_NIST_XML_INTERNAL_H
#define TERN_NIST_XML_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum xml_kind {
    XK_TEXT = 0,  /* the item as is */
    XK_DATE,      /* YYYYMMDD <-> nc:Date YYYY-MM-DD */
    XK_GMT,       /* YYYYMMDDhhmmssZ <-> nc:DateTime YYYY-MM-DDThh:mm:ssZ */
    XK_BASE64,    /* binary data <-> nc:BinaryBase64Object */
    XK_VERSION,   /* 1.002 "0400" <-> major "04" and minor "00" */
    XK_STDFMT,    /* 9.004 "S"/"U" <-> true/false */
    XK_BOOL01,    /* "1"/"0" <-> true/false */
    XK_XY,        /* "XXXXYYYY" <-> two elements (the first two item paths) */
} xml_kind;

typedef struct xml_map {
    uint32_t type;
    uint32_t field;
    xml_kind kind;
    const char *path;   /* '/'-separated local names; '@' = image element; '*' marks
                         * repetition, '#' the n-th existing element for subfield n */
    const char *items;  /* ','-separated child paths per item, or NULL; '+' before
                         * an item starts a repeating group of items */
} xml_map;

/* Namespaces written (1-2011) and recognised. */
#define NIST_NS_ITL_2011 "http://biometrics.nist.gov/standard/2011"
#define NIST_NS_ITL_2008 "http://biometrics.nist.gov/standard/2-2008"
#define NIST_NS_BIOM "http://niem.gov/niem/biometrics/1.0"
#define NIST_NS_NC "http://niem.gov/niem/niem-core/2.0"
#define NIST_NS_TERN "urn:tern:ansi-nist:field:1"

const xml_map *nist_xml_find_map(uint32_t type, uint32_t field);
const xml_map *nist_xml_map_at(size_t i);
const char *nist_xml_record_name(uint32_t type);
uint32_t nist_xml_record_type(const char *name);
const char *nist_xml_image_name(uint32_t type);
const char *nist_xml_palm_alias(uint32_t type, const char *local);
bool nist_xml_is_palm_code(const char *s, size_t len);
/* Converts one item between the encodings; false if it does not fit the
 * kind (the writer then uses Tern's extension element instead). */
bool nist_xml_to_xml(xml_kind kind, const char *in, char *out, size_t size);
bool nist_xml_from_xml(xml_kind kind, const char *in, char *out, size_t size);
/* Splits a standard-format minutia item "XXXXYYYYTTT" (or "XXXXYYYY"). */
bool nist_xml_split_xyt(const char *in, size_t n_digits, char x[5], char y[5], char t[4]);
char *nist_base64_encode(const uint8_t *data, size_t len);
uint8_t *nist_base64_decode(const char *s, size_t *len);

#endif
