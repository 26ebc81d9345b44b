/* h_partner.c - step one of a partner node's two-step query, in the shape
 * of the EU's Prüm exchange (Council Decision 2008/615/JHA, Art. 9: an
 * automated comparison answers hit / no-hit with a reference; personal data
 * follow only on a second, justified request under the requested state's
 * law) and of ARCHITECTURE.md "Across borders".
 *
 * POST /v1/partner/queries (role partner only): templates or images, as in
 * an encounter, and the partner's purpose. Core searches the watchlists
 * only (a partner never searches the national gallery) and records the
 * query as an encounter of the partner's agency with its alerts, audited
 * once; examiners learn of a hit on the live stream at once. The partner
 * is told hit / no-hit and one opaque reference per hit (the alert id), no
 * score, no candidate, no person, no watchlist: the second step, a
 * justified request for a person's core data that an examiner releases,
 * is designed in docs/api.md and not served yet. */
#include <stdlib.h>

#include "api/api_impl.h"

void api_h_partner_query(api_req *r)
{
    tern_api_request q;
    api_fingers f;
    if (!api_encounter_decode(r, &q, &f))
        return;
    const char *location = tern_api_request_text(&q, "location");
    tern_identify_result *res = calloc(1, sizeof *res);
    if (!res) {
        api_fail(r, 500, "internal", "out of memory");
    } else if (api_core_identify(r, &f, location, res)) {
        json_t *refs = json_array();
        for (size_t i = 0; i < res->n_alerts; i++)
            json_array_append_new(refs, json_string(res->alert_ids[i]));
        api_reply(r, 201,
                  json_pack("{s:s,s:b,s:o,s:s}", "query_id", res->encounter_id, "hit", res->hit,
                            "references", refs, "disclosure",
                            res->hit ? "on a second, justified request (not served yet)"
                                     : "none"));
        api_publish_alerts(r, res, location);
    }
    free(res);
    api_fingers_clear(&f);
    tern_api_request_clear(&q);
}
