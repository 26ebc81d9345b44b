/* identity.c - fictitious ten-print identities: biographic data that can
 * never be mistaken for a real person's, and ten finger classes correlated
 * as on real hands.
 *
 * Finger classes. Per finger (thumb .. little) a prior over arch, tented
 * arch, ulnar loop, radial loop and whorl, after the published per-finger
 * pattern frequencies (whorls most frequent on thumbs and ring fingers;
 * arches, tented arches and radial loops concentrated on index fingers;
 * ulnar loops dominating little and middle fingers; e.g. the FBI/NIST
 * ten-print statistics summarised in the Handbook of Fingerprint
 * Recognition, ch. "Fingerprint classification and indexing"). A loop opens
 * towards the little finger (ulnar) or the thumb (radial); in the print an
 * ulnar loop of the right hand is a right loop, of the left hand a left
 * loop. Correlations come from shared log-odds factors: a person-level
 * tendency to whorls and one to arches, and a tendency per finger shared by
 * homologous fingers (right and left index, and so on), the strongest
 * correlation real ten-prints show. With the factors averaging out, the
 * marginal frequencies stay near SFinGe's natural distribution.
 *
 * Biographic data. Names are built from syllables and prefixed "SYNTH-";
 * places are made-up towns; the country is ISO 3166-1 user-assigned "ZZ";
 * document numbers start with "SYN". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "synth_internal.h"

enum { P_ARCH, P_TENTED, P_ULNAR, P_RADIAL, P_WHORL, P_COUNT };

/* Per finger, thumb .. little: arch, tented arch, ulnar, radial, whorl (%). */
static const double finger_prior[5][P_COUNT] = {
    {3.0, 1.0, 55.0, 1.0, 40.0},
    {10.0, 8.0, 35.0, 15.0, 32.0},
    {6.0, 3.0, 70.0, 2.0, 19.0},
    {2.0, 1.0, 55.0, 1.0, 41.0},
    {1.0, 1.0, 85.0, 0.5, 12.5},
};

static const char *const finger_names[10] = {
    "right thumb", "right index", "right middle", "right ring", "right little",
    "left thumb",  "left index",  "left middle",  "left ring",  "left little",
};

static const char *const onsets[] = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r",
                                     "s", "t", "v", "z", "br", "dr", "st", "tr", "h", "j"};
static const char *const vowels[] = {"a", "e", "i", "o", "u", "ae", "ou", "ia"};
static const char *const codas[] = {"", "", "", "n", "r", "l", "s", "th", "m", "k"};
static const char *const town_suffix[] = {"ville", "ford", "stead", "mouth", "burg", "haven",
                                          " Falls", " Crossing"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void make_word(tern_synth_rng *r, int syllables, char *out, size_t size)
{
    size_t n = 0;
    out[0] = 0;
    for (int i = 0; i < syllables; i++) {
        const char *parts[3] = {onsets[tern_synth_rng_below(r, COUNT(onsets))],
                                vowels[tern_synth_rng_below(r, COUNT(vowels))],
                                i == syllables - 1 ? codas[tern_synth_rng_below(r, COUNT(codas))]
                                                   : ""};
        for (int k = 0; k < 3; k++) {
            int w = snprintf(out + n, size - n, "%s", parts[k]);
            if (w < 0 || (size_t)w >= size - n)
                return;
            n += (size_t)w;
        }
    }
    if (out[0] >= 'a' && out[0] <= 'z')
        out[0] = (char)(out[0] - 'a' + 'A');
}

static tern_synth_class map_class(int p, bool right_hand)
{
    switch (p) {
    case P_ARCH: return TERN_SYNTH_ARCH;
    case P_TENTED: return TERN_SYNTH_TENTED_ARCH;
    case P_ULNAR: return right_hand ? TERN_SYNTH_RIGHT_LOOP : TERN_SYNTH_LEFT_LOOP;
    case P_RADIAL: return right_hand ? TERN_SYNTH_LEFT_LOOP : TERN_SYNTH_RIGHT_LOOP;
    default: return TERN_SYNTH_WHORL;
    }
}

static void draw_classes(tern_synth_rng *r, tern_synth_identity *id)
{
    const double bw = 0.9, ba = 0.9, bh = 0.6; /* person and homologous factors */
    double zw = tern_synth_rng_normal(r), za = tern_synth_rng_normal(r);
    double uw[5], ua[5];
    for (int f = 0; f < 5; f++) {
        uw[f] = tern_synth_rng_normal(r);
        ua[f] = tern_synth_rng_normal(r);
    }
    for (int pos = 0; pos < 10; pos++) {
        int f = pos % 5;
        double w[P_COUNT], total = 0;
        /* exp(b z - b^2 / 2) has mean 1: the factors do not move the
         * average weights, only correlate them. */
        double fw = exp(bw * zw + bh * uw[f] - 0.5 * (bw * bw + bh * bh));
        double fa = exp(ba * za + bh * ua[f] - 0.5 * (ba * ba + bh * bh));
        for (int p = 0; p < P_COUNT; p++) {
            w[p] = finger_prior[f][p] * (p == P_WHORL ? fw : p <= P_TENTED ? fa : 1.0);
            total += w[p];
        }
        double u = tern_synth_rng_uniform(r) * total;
        int p = 0;
        while (p < P_COUNT - 1 && u >= w[p])
            u -= w[p++];
        id->finger_class[pos] = map_class(p, pos < 5);
    }
}

void tern_synth_identity_make(uint64_t seed, uint64_t index, tern_synth_identity *id)
{
    memset(id, 0, sizeof *id);
    tern_synth_rng r;
    tern_synth_rng_seed(&r, tern_synth_seed_mix(seed, index, 0x1D));
    snprintf(id->id, sizeof id->id, "SYNTH-%08llx-%06llu",
             (unsigned long long)(seed & 0xffffffffu), (unsigned long long)index);
    char word[40];
    id->sex = tern_synth_rng_below(&r, 2) ? 'F' : 'M';
    make_word(&r, 2 + (int)tern_synth_rng_below(&r, 2), word, sizeof word);
    snprintf(id->given_name, sizeof id->given_name, "SYNTH-%s", word);
    make_word(&r, 2 + (int)tern_synth_rng_below(&r, 2), word, sizeof word);
    snprintf(id->family_name, sizeof id->family_name, "SYNTH-%s", word);
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    id->birth_year = 1940 + (int)tern_synth_rng_below(&r, 67);
    id->birth_month = 1 + (int)tern_synth_rng_below(&r, 12);
    int days = mdays[id->birth_month - 1];
    if (id->birth_month == 2 && id->birth_year % 4 == 0 &&
        (id->birth_year % 100 != 0 || id->birth_year % 400 == 0))
        days = 29;
    id->birth_day = 1 + (int)tern_synth_rng_below(&r, (uint32_t)days);
    make_word(&r, 2, word, sizeof word);
    snprintf(id->birth_place, sizeof id->birth_place, "%s%s (synthetic)", word,
             town_suffix[tern_synth_rng_below(&r, COUNT(town_suffix))]);
    memcpy(id->country, "ZZ", 3);
    snprintf(id->document_number, sizeof id->document_number, "SYN%09u",
             (unsigned)tern_synth_rng_below(&r, 1000000000u));
    draw_classes(&r, id);
    /* Ridge period: a person's skin scale, thumbs coarser, little fingers finer. */
    static const double finger_scale[5] = {1.06, 1.0, 1.0, 0.98, 0.94};
    id->ridge_period = 8.6 + 0.35 * tern_synth_rng_normal(&r);
    for (int pos = 0; pos < 10; pos++)
        id->finger_seed[pos] = tern_synth_seed_mix(seed, index, 0x100 + (uint64_t)pos);
    for (int f = 0; f < 5; f++) {
        double t = id->ridge_period * finger_scale[f];
        id->finger_period[f] = id->finger_period[f + 5] = t < 6.5 ? 6.5 : t > 12 ? 12 : t;
    }
}

const char *tern_synth_finger_name(int position)
{
    return position >= 1 && position <= 10 ? finger_names[position - 1] : "unknown";
}

tern_status tern_synth_identity_json(const tern_synth_identity *id, uint32_t n_impressions,
                                     const char *const *files, char **json, tern_error *err)
{
    *json = NULL;
    char dob[16], seed[24];
    snprintf(dob, sizeof dob, "%04d-%02d-%02d", id->birth_year, id->birth_month, id->birth_day);
    json_t *fingers = json_array();
    for (int pos = 0; pos < 10 && fingers; pos++) {
        snprintf(seed, sizeof seed, "0x%016llx", (unsigned long long)id->finger_seed[pos]);
        json_t *imps = json_array();
        for (uint32_t i = 0; files && imps && i < n_impressions; i++) {
            const char *f = files[(size_t)pos * n_impressions + i];
            json_array_append_new(imps, f ? json_string(f) : json_null());
        }
        json_array_append_new(
            fingers, json_pack("{s:i, s:s, s:s, s:s, s:f, s:o*}", "position", pos + 1, "finger",
                               finger_names[pos], "class", tern_synth_class_name(id->finger_class[pos]),
                               "master_seed", seed, "ridge_period_px",
                               round(id->finger_period[pos] * 100) / 100, "files", imps));
    }
    char sex[2] = {id->sex, 0};
    json_t *root = json_pack("{s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o*}", "id",
                             id->id, "synthetic", 1, "given_name", id->given_name, "family_name",
                             id->family_name, "sex", sex, "date_of_birth", dob, "place_of_birth",
                             id->birth_place, "country", id->country, "document_number",
                             id->document_number, "ppi", 500, "fingers", fingers);
    if (root)
        *json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
    json_decref(root);
    if (!*json)
        return tern_error_set(err, TERN_E_NOMEM, "synth: out of memory writing identity %s JSON",
                              id->id);
    return TERN_OK;
}
