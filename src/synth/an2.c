/* an2.c - synthetic identities as ANSI/NIST-ITL 1-2011 transactions (NIST
 * SP 500-290) of Tern's enrollment type (TOT "TENR", profile
 * tern-enrollment in docs/nist.md): a Type-1 transaction information record,
 * a Type-2 with the encounter (2.010 ENC, 2.011 PUR, 2.012 LOC, 2.013 CTM),
 * the subject id (2.030 SID) and the fictitious biographic data (EBTS
 * numbers 2.018 NAM, 2.022 DOB, 2.024 SEX), and one Type-14 variable-resolution fingerprint
 * image record per impression (SP 500-290 section 8.14: 14.003 IMP, 14.004
 * SRC, 14.005 FCD, 14.006 HLL, 14.007 VLL, 14.008 SLC, 14.009 THPS, 14.010
 * TVPS, 14.011 CGA, 14.012 BPX, 14.013 FGP, 14.999 DATA). Encoding and the
 * record model are the nist module's (tern/nist.h); this file only fills
 * the fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tern/nist.h"
#include "synth_internal.h"

#define SYNTH_AGENCY "ZZSYNTH00"
#define SYNTH_DATE "20260101"

tern_status tern_synth_an2_create(const tern_synth_identity *id, tern_nist **out, tern_error *err)
{
    *out = NULL;
    tern_nist *t;
    tern_status s = tern_nist_create("0500", &t, err);
    if (s != TERN_OK)
        return s;
    char buf[160];
    size_t idx;
    const char *text[][2] = {
        {"4", "TENR"}, {"5", SYNTH_DATE}, {"7", SYNTH_AGENCY}, {"8", SYNTH_AGENCY},
        {"9", id->id}, {"11", "19.69"}, {"12", "19.69"}, {"14", SYNTH_DATE "000000Z"},
    };
    for (size_t i = 0; s == TERN_OK && i < sizeof text / sizeof text[0]; i++)
        s = tern_nist_set_text(t, 0, (uint32_t)atoi(text[i][0]), text[i][1], err);
    if (s == TERN_OK)
        s = tern_nist_add_record(t, 2, &idx, err);
    /* Type-2 by Tern's enrollment profile (TENR, docs/nist.md): ENC, PUR,
     * CTM, SID mandatory; LOC, NAM (surname US given), DOB, SEX. */
    char enc[48];
    snprintf(enc, sizeof enc, "%s-E1", id->id);
    snprintf(buf, sizeof buf, "%s\x1f%s", id->family_name, id->given_name);
    char dob[16], sex[2] = {id->sex, 0};
    snprintf(dob, sizeof dob, "%04d%02d%02d", id->birth_year, id->birth_month, id->birth_day);
    const struct {
        uint32_t field;
        const char *value;
    } t2[] = {{10, enc}, {11, "ENROLL"}, {12, "ZZSYNTH00 (synthetic)"}, {13, SYNTH_DATE "000000Z"},
              {18, buf}, {22, dob}, {24, sex}, {30, id->id}};
    for (size_t i = 0; s == TERN_OK && i < sizeof t2 / sizeof t2[0]; i++)
        s = tern_nist_set_text(t, idx, t2[i].field, t2[i].value, err);
    if (s != TERN_OK) {
        tern_nist_free(t);
        return tern_error_prefix(err, "synth: transaction for %s: ", id->id);
    }
    *out = t;
    return TERN_OK;
}

tern_status tern_synth_an2_add_image(tern_nist *t, const tern_image *img, int position,
                                     bool rolled, tern_error *err)
{
    if (position < 1 || position > 10 || img->channels != 1)
        return tern_error_set(err, TERN_E_ARG,
                              "synth: Type-14 needs a grey image and a finger position 1..10 "
                              "(got %d channels, position %d)", img->channels, position);
    uint8_t *data = NULL;
    size_t len = 0;
    const char *cga = "WSQ20";
    tern_error e2;
    tern_status s = tern_image_encode(img, TERN_IMAGE_WSQ, NULL, &data, &len, &e2);
    if (s == TERN_E_UNSUPPORTED) {
        cga = "PNG";
        s = tern_image_encode(img, TERN_IMAGE_PNG, NULL, &data, &len, err);
    } else if (s != TERN_OK && err) {
        *err = e2;
    }
    if (s != TERN_OK)
        return s;
    size_t idx;
    char num[16];
    s = tern_nist_add_record(t, 14, &idx, err);
    struct {
        uint32_t field;
        const char *value;
    } fields[] = {{3, rolled ? "1" : "0"}, {4, SYNTH_AGENCY}, {5, SYNTH_DATE}, {6, NULL},
                  {7, NULL}, {8, "1"}, {9, "500"}, {10, "500"}, {11, cga}, {12, "8"}, {13, NULL}};
    for (size_t i = 0; s == TERN_OK && i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = fields[i].value;
        if (!v) {
            unsigned n = fields[i].field == 6 ? img->width : fields[i].field == 7 ? img->height
                                                                                  : (unsigned)position;
            snprintf(num, sizeof num, "%u", n);
            v = num;
        }
        s = tern_nist_set_text(t, idx, fields[i].field, v, err);
    }
    if (s == TERN_OK)
        s = tern_nist_set_binary(t, idx, 999, data, len, err);
    free(data);
    return s;
}
