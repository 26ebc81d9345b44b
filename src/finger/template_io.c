/* template_io.c - the public face of the template codecs (tern/template_io.h):
 * format names, records, detection and dispatch to template_tern.c,
 * template_iso.c and template_ansi.c.
 *
 * Detection: the magic and version tell the family, except for two pairs
 * that share them. "FMR\0" " 20\0" is ISO/IEC 19794-2:2005 or INCITS
 * 378-2004; "FMR\0" "030\0" is ISO/IEC 19794-2:2011 or INCITS 378-2009. For
 * those, both layouts are read in full and the reading that succeeds wins; if
 * both succeed, the one needing fewer warnings (a length field that disagrees
 * with the content is one) wins, and ISO wins a tie. docs/templates.md gives
 * the reasons why a real record cannot satisfy both layouts cleanly. */
#include <stdlib.h>
#include <string.h>

#include "finger/template_priv.h"

static const char *const FORMAT_NAMES[TERN_TEMPLATE_FORMAT_COUNT] = {
    [TERN_TEMPLATE_FORMAT_UNKNOWN] = "unknown",
    [TERN_TEMPLATE_FORMAT_TERN] = "tern",
    [TERN_TEMPLATE_FORMAT_ISO_2005] = "iso19794-2:2005",
    [TERN_TEMPLATE_FORMAT_ISO_2011] = "iso19794-2:2011",
    [TERN_TEMPLATE_FORMAT_ANSI_2004] = "incits378:2004",
    [TERN_TEMPLATE_FORMAT_ANSI_2009] = "incits378:2009",
    [TERN_TEMPLATE_FORMAT_ANSI_2009AM1] = "incits378:2009am1",
};

const char *tern_template_format_name(tern_template_format format)
{
    if ((unsigned)format >= TERN_TEMPLATE_FORMAT_COUNT)
        return "unknown";
    return FORMAT_NAMES[format];
}

tern_status tern_template_format_parse(const char *name, tern_template_format *out,
                                       tern_error *err)
{
    for (unsigned f = TERN_TEMPLATE_FORMAT_TERN; f < TERN_TEMPLATE_FORMAT_COUNT; f++)
        if (name && strcmp(name, FORMAT_NAMES[f]) == 0) {
            *out = (tern_template_format)f;
            return TERN_OK;
        }
    return tern_error_set(err, TERN_E_ARG,
                          "unknown template format '%s' (tern, iso19794-2:2005, "
                          "iso19794-2:2011, incits378:2004, incits378:2009, incits378:2009am1)",
                          name ? name : "");
}

tern_status tpl_record_new(tern_template_format format, uint32_t n_views,
                           tern_template_record **out, tern_error *err)
{
    *out = NULL;
    if (n_views > TERN_TEMPLATE_MAX_VIEWS)
        return tern_error_set(err, TERN_E_LIMIT, "template record: %u views (at most %u)", n_views,
                              TERN_TEMPLATE_MAX_VIEWS);
    tern_template_record *rec = calloc(1, sizeof *rec);
    if (!rec)
        return tern_error_set(err, TERN_E_NOMEM, "template record: out of memory");
    rec->format = format;
    if (n_views) {
        rec->views = calloc(n_views, sizeof *rec->views);
        if (!rec->views) {
            free(rec);
            return tern_error_set(err, TERN_E_NOMEM, "template record: out of memory");
        }
    }
    *out = rec;
    return TERN_OK;
}

tern_status tern_template_record_create(tern_template_format format, uint32_t n_views,
                                        tern_template_record **out, tern_error *err)
{
    tern_status s = tpl_record_new(format, n_views, out, err);
    if (!s)
        (*out)->n_views = n_views;
    return s;
}

void tern_template_record_free(tern_template_record *rec)
{
    if (!rec)
        return;
    for (uint32_t i = 0; rec->views && i < rec->n_views; i++)
        tern_template_free(rec->views[i]);
    free(rec->views);
    free(rec);
}

/* ---- detection -------------------------------------------------------------- */

static tern_status decode_as(const uint8_t *data, size_t len, tern_template_format f,
                             tern_template_record **out, tern_error *err)
{
    switch (f) {
    case TERN_TEMPLATE_FORMAT_TERN:
        return tpl_tern_decode(data, len, out, err);
    case TERN_TEMPLATE_FORMAT_ISO_2005:
        return tpl_iso2005_decode(data, len, out, err);
    case TERN_TEMPLATE_FORMAT_ISO_2011:
        return tpl_iso2011_decode(data, len, out, err);
    case TERN_TEMPLATE_FORMAT_ANSI_2004:
        return tpl_ansi2004_decode(data, len, out, err);
    case TERN_TEMPLATE_FORMAT_ANSI_2009:
    case TERN_TEMPLATE_FORMAT_ANSI_2009AM1:
        return tpl_ansi2009_decode(data, len, f, out, err);
    default:
        *out = NULL;
        return tern_error_set(err, TERN_E_UNSUPPORTED, "template: unknown format");
    }
}

/* Reads data as iso and as ansi; returns the better reading in *out (or the
 * ISO error if neither reads). */
static tern_status decode_ambiguous(const uint8_t *data, size_t len, tern_template_format iso,
                                    tern_template_format ansi, tern_template_record **out,
                                    tern_error *err)
{
    tern_template_record *a = NULL, *b = NULL;
    tern_error ansi_err;
    tern_status sa = decode_as(data, len, iso, &a, err);
    if (sa == TERN_OK && a->n_warnings == 0) {
        *out = a;
        return TERN_OK;
    }
    tern_status sb = decode_as(data, len, ansi, &b, &ansi_err);
    if (sb == TERN_OK && (sa != TERN_OK || b->n_warnings < a->n_warnings)) {
        tern_template_record_free(a);
        *out = b;
        return TERN_OK;
    }
    tern_template_record_free(b);
    *out = a;
    return sa;
}

static tern_template_format by_magic(const uint8_t *data, size_t len, bool *ambiguous)
{
    *ambiguous = false;
    if (len >= 4 && memcmp(data, TPL_TERN_MAGIC, 4) == 0)
        return TERN_TEMPLATE_FORMAT_TERN;
    if (len < 8 || memcmp(data, "FMR\0", 4) != 0 || data[7] != 0)
        return TERN_TEMPLATE_FORMAT_UNKNOWN;
    if (memcmp(data + 4, " 20", 3) == 0) {
        *ambiguous = true;
        return TERN_TEMPLATE_FORMAT_ISO_2005;
    }
    if (memcmp(data + 4, "020", 3) == 0)
        return TERN_TEMPLATE_FORMAT_ANSI_2004; /* FingerprintIO's 2004 sample */
    if (memcmp(data + 4, "030", 3) == 0) {
        *ambiguous = true;
        return TERN_TEMPLATE_FORMAT_ISO_2011;
    }
    if (memcmp(data + 4, "035", 3) == 0)
        return TERN_TEMPLATE_FORMAT_ANSI_2009AM1;
    return TERN_TEMPLATE_FORMAT_UNKNOWN;
}

static tern_template_format ansi_twin(tern_template_format iso)
{
    return iso == TERN_TEMPLATE_FORMAT_ISO_2005 ? TERN_TEMPLATE_FORMAT_ANSI_2004
                                                : TERN_TEMPLATE_FORMAT_ANSI_2009;
}

static tern_status decode_detected(const uint8_t *data, size_t len, tern_template_record **out,
                                   tern_error *err)
{
    bool ambiguous;
    tern_template_format f = by_magic(data, len, &ambiguous);
    if (f == TERN_TEMPLATE_FORMAT_UNKNOWN) {
        *out = NULL;
        return tern_error_set(err, TERN_E_UNSUPPORTED,
                              "template: unknown format (no FMR or Tern magic at byte offset 0)");
    }
    if (ambiguous)
        return decode_ambiguous(data, len, f, ansi_twin(f), out, err);
    return decode_as(data, len, f, out, err);
}

tern_template_format tern_template_detect(const uint8_t *data, size_t len)
{
    if (!data || len > TERN_TEMPLATE_MAX_BYTES)
        return TERN_TEMPLATE_FORMAT_UNKNOWN;
    bool ambiguous;
    tern_template_format f = by_magic(data, len, &ambiguous);
    if (!ambiguous)
        return f;
    tern_template_record *rec;
    if (decode_detected(data, len, &rec, NULL) != TERN_OK) {
        /* Neither layout reads: report what the length field suggests. */
        if (f == TERN_TEMPLATE_FORMAT_ISO_2005 && len >= 10 && (data[8] | data[9]))
            return TERN_TEMPLATE_FORMAT_ANSI_2004;
        return f;
    }
    f = rec->format;
    tern_template_record_free(rec);
    return f;
}

/* ---- decoding and encoding ----------------------------------------------------- */

tern_status tern_template_decode_all(const uint8_t *data, size_t len,
                                     tern_template_format format,
                                     tern_template_record **out, tern_error *err)
{
    *out = NULL;
    if (!data && len)
        return tern_error_set(err, TERN_E_ARG, "template: no data");
    if (len > TERN_TEMPLATE_MAX_BYTES)
        return tern_error_set(err, TERN_E_LIMIT, "template: %zu bytes (at most %u)", len,
                              TERN_TEMPLATE_MAX_BYTES);
    if (format == TERN_TEMPLATE_FORMAT_UNKNOWN)
        return decode_detected(data, len, out, err);
    return decode_as(data, len, format, out, err);
}

tern_status tern_template_decode(const uint8_t *data, size_t len, tern_template **out,
                                 tern_error *err)
{
    *out = NULL;
    tern_template_record *rec;
    tern_status s = tern_template_decode_all(data, len, TERN_TEMPLATE_FORMAT_UNKNOWN, &rec, err);
    if (s)
        return s;
    if (rec->n_views == 0) {
        tern_template_record_free(rec);
        return tern_error_set(err, TERN_E_FORMAT, "template: the record holds no view");
    }
    *out = rec->views[0];
    rec->views[0] = NULL;
    tern_template_record_free(rec);
    return TERN_OK;
}

static tern_status check_record(const tern_template_record *rec, tern_template_format format,
                                tern_error *err)
{
    if (!rec || rec->n_views == 0)
        return tern_error_set(err, TERN_E_ARG, "template: a record needs at least one view");
    if (rec->n_views > TERN_TEMPLATE_MAX_VIEWS)
        return tern_error_set(err, TERN_E_LIMIT, "template: %u views (at most %u)", rec->n_views,
                              TERN_TEMPLATE_MAX_VIEWS);
    for (uint32_t v = 0; v < rec->n_views; v++) {
        if (!rec->views[v])
            return tern_error_set(err, TERN_E_ARG, "template: view %u is missing", v);
        if (format != TERN_TEMPLATE_FORMAT_TERN &&
            rec->views[v]->n_minutiae > TERN_TEMPLATE_MAX_MINUTIAE)
            return tern_error_set(err, TERN_E_LIMIT, "template: view %u: %u minutiae (at most %u)",
                                  v, rec->views[v]->n_minutiae, TERN_TEMPLATE_MAX_MINUTIAE);
    }
    if (format == TERN_TEMPLATE_FORMAT_TERN && rec->n_views != 1)
        return tern_error_set(err, TERN_E_ARG,
                              "template: the tern format holds one view, the record has %u",
                              rec->n_views);
    return TERN_OK;
}

tern_status tern_template_encode_all(const tern_template_record *rec,
                                     tern_template_format format, uint8_t **out, size_t *len,
                                     tern_error *err)
{
    *out = NULL;
    *len = 0;
    tern_status s = check_record(rec, format, err);
    if (s)
        return s;
    tern_buf b = {0};
    switch (format) {
    case TERN_TEMPLATE_FORMAT_TERN:
        s = tpl_tern_encode(rec->views[0], &b, err);
        break;
    case TERN_TEMPLATE_FORMAT_ISO_2005:
        s = tpl_iso2005_encode(rec, &b, err);
        break;
    case TERN_TEMPLATE_FORMAT_ISO_2011:
        s = tpl_iso2011_encode(rec, &b, err);
        break;
    case TERN_TEMPLATE_FORMAT_ANSI_2004:
        s = tpl_ansi2004_encode(rec, &b, err);
        break;
    case TERN_TEMPLATE_FORMAT_ANSI_2009:
    case TERN_TEMPLATE_FORMAT_ANSI_2009AM1:
        s = tpl_ansi2009_encode(rec, format, &b, err);
        break;
    default:
        s = tern_error_set(err, TERN_E_ARG, "template: cannot encode format %d", (int)format);
    }
    if (!s)
        s = tern_buf_status(&b, err);
    if (s) {
        tern_buf_free(&b);
        return s;
    }
    *out = tern_buf_take(&b, len);
    return TERN_OK;
}

tern_status tern_template_encode(const tern_template *t, tern_template_format format,
                                 uint8_t **out, size_t *len, tern_error *err)
{
    tern_template *views[1] = {(tern_template *)t};
    tern_template_record rec = {.format = format, .n_views = 1, .views = views};
    return tern_template_encode_all(&rec, format, out, len, err);
}
