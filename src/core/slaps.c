/* slaps.c - four-finger and two-thumb slaps (ANSI/NIST-ITL finger
 * positions 13, 14, 15) in an enrollment or an encounter: each slap is cut
 * into fingertips (tern/slap.h), each fingertip is extracted and enrolled
 * as a plain print of its own position, and the slap image itself is kept
 * as a sample. Where rolled prints of the same hand exist, the fingertips
 * are checked against them (the finger sequence check of a ten-print
 * capture, as in the FBI's EBTS "sequence check" of slaps against rolled
 * prints): a fingertip that matches another position's rolled print better
 * than its own, confidently, is refused; so is a slap none of whose
 * fingertips matches its own rolled print (the other hand, or another
 * person). */
#include <stdio.h>
#include <string.h>

#include "core/ident_impl.h"
#include "tern/finger.h"
#include "tern/match.h"
#include "tern/slap.h"

/* A fingertip's match with a rolled print is taken as evidence (of the
 * right finger, or of a wrong one) at or below this false-match rate.
 * Plain slap fingertips match their rolled prints less well than single
 * plain prints (smaller area, pressure), so the rule is "confidently
 * another finger" rather than "not confidently this one", which on NIST's
 * ink ten-print card would refuse a right little finger that scores near
 * impostor level against every rolled print (tests/test_slap.c). */
#define SLAP_EVIDENCE_FMR 1e-3

static double fmr_of(double score) { return tern_match_fmr_for_score(score, NULL); }

/* The fingertips tips[0..n) of slap against the rolled prints of out. */
static tern_status slap_sequence(const ident_fingers *out, const tern_slap_result *r,
                                 tern_template *const *tips, tern_error *err)
{
    unsigned hand = 0;
    for (size_t j = 0; j < r->n; j++)
        hand |= 1u << (r->finger[j].position - 1);
    if (!(out->rolled & hand))
        return TERN_OK; /* no rolled print of this hand: nothing to check against */
    unsigned verified = 0;
    char rolled_list[32] = "";
    size_t len = 0;
    for (size_t j = 0; j < r->n; j++) {
        int p = r->finger[j].position;
        if (!(out->rolled & (1u << (p - 1))))
            continue;
        len += (size_t)snprintf(rolled_list + len, sizeof rolled_list - len, "%s%d",
                                len ? "," : "", p);
        double own;
        tern_status rc = tern_match_compare_templates(tips[j], out->t[p - 1], &own, err);
        if (rc != TERN_OK)
            return rc;
        verified += fmr_of(own) <= SLAP_EVIDENCE_FMR;
        for (size_t q = 0; q < r->n; q++) {
            int other = r->finger[q].position;
            if (q == j || !(out->rolled & (1u << (other - 1))))
                continue;
            double sc;
            rc = tern_match_compare_templates(tips[j], out->t[other - 1], &sc, err);
            if (rc != TERN_OK)
                return rc;
            if (sc > own && fmr_of(sc) <= SLAP_EVIDENCE_FMR)
                return tern_error_set(
                    err, TERN_E_STATE,
                    "finger sequence: in slap %d the fingertip in place %zu, labelled position "
                    "%d, matches the rolled print of position %d (FMR %.1g) better than that of "
                    "position %d (FMR %.1g): fingers out of order, or rolled prints swapped",
                    r->slap_position, j + 1, p, other, fmr_of(sc), p, fmr_of(own));
        }
    }
    if (!verified)
        return tern_error_set(err, TERN_E_STATE,
                              "finger sequence: no fingertip of slap %d matches its rolled print "
                              "(positions %s) at FMR <= %.0e: the other hand's slap, or another "
                              "person's?",
                              r->slap_position, rolled_list, SLAP_EVIDENCE_FMR);
    return TERN_OK;
}

/* Extracts and samples the fingertips; tips[j] receives each template. */
static tern_status load_tips(ident_fingers *out, const tern_slap_result *r, int impression,
                             unsigned plain, tern_template **tips, int *sample,
                             tern_error *err)
{
    for (size_t j = 0; j < r->n; j++) {
        int p = r->finger[j].position;
        unsigned bit = 1u << (p - 1);
        if ((plain | out->slap_tips) & bit)
            return tern_error_set(err, TERN_E_ARG,
                                  "slap %d: position %d is also given as a %s", r->slap_position,
                                  p, (plain & bit) ? "single plain print" : "fingertip of another slap");
        tern_extract_opts eo = {.finger_position = (uint8_t)p,
                                .impression_type = (uint8_t)impression};
        tern_status rc = tern_extract(r->finger[j].image, &eo, &tips[j], NULL, err);
        if (rc != TERN_OK)
            return tern_error_prefix(err, "slap %d, fingertip %zu (position %d): ",
                                     r->slap_position, j + 1, p);
        tips[j]->finger_position = (uint8_t)p;
        tips[j]->impression_type = (uint8_t)impression;
        rc = ident_add_sample(out, r->finger[j].image, p, impression, err);
        if (rc != TERN_OK)
            return rc;
        sample[j] = (int)out->n_samples - 1;
    }
    return TERN_OK;
}

tern_status ident_slap_load(ident_fingers *out, const tern_core_finger *f, size_t i,
                            bool sequence, unsigned plain, tern_error *err)
{
    unsigned sbit = 1u << (f->position - 13);
    if (out->slaps & sbit)
        return tern_error_set(err, TERN_E_ARG, "finger %zu: slap %d given twice", i,
                              f->position);
    if (f->impression == 1 || f->impression == 3)
        return tern_error_set(err, TERN_E_ARG,
                              "finger %zu: slap %d with impression type %d: a slap is plain "
                              "(0 live-scan, 2 non-live-scan)",
                              i, f->position, f->impression);
    tern_slap_opts so = {.absent = out->missing | out->amputated};
    tern_slap_result r;
    tern_status rc = tern_slap_segment(f->image, f->position, &so, &r, err);
    if (rc != TERN_OK)
        return tern_error_prefix(err, "finger %zu: ", i);
    tern_template *tips[TERN_SLAP_MAX_FINGERS] = {0};
    int sample[TERN_SLAP_MAX_FINGERS];
    rc = ident_add_sample(out, f->image, f->position, f->impression, err);
    if (rc == TERN_OK)
        rc = load_tips(out, &r, f->impression, plain, tips, sample, err);
    if (rc == TERN_OK && sequence)
        rc = slap_sequence(out, &r, tips, err);
    for (size_t j = 0; j < r.n; j++) {
        int k = r.finger[j].position - 1;
        if (rc != TERN_OK || out->t[k]) { /* refused, or a rolled print is kept */
            tern_template_free(tips[j]);
            if (rc == TERN_OK)
                out->slap_tips |= 1u << k;
            continue;
        }
        out->t[k] = tips[j];
        out->t_sample[k] = sample[j];
        out->present |= 1u << k;
        out->slap_tips |= 1u << k;
    }
    if (rc == TERN_OK)
        out->slaps |= sbit;
    tern_slap_result_clear(&r);
    return rc;
}
