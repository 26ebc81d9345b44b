/* h_encounter.c - encounter, enrollment, identity and job routes of the
 * node's HTTP API. Identification (tern_core_identify) and enrollment
 * (tern_core_enroll) are not yet on main: until they land these routes
 * answer 503 "not_available" and the galleries are empty. */
#include "api/api_impl.h"

tern_status api_gallery_load(tern_api_server *srv, tern_error *err);
void api_gallery_free(tern_api_server *srv);
void api_gallery_stats(tern_api_server *srv, size_t *subjects, size_t *fingers, size_t *bytes);

tern_status api_gallery_load(tern_api_server *srv, tern_error *err)
{
    (void)err;
    srv->gallery = NULL;
    return TERN_OK;
}

void api_gallery_free(tern_api_server *srv)
{
    srv->gallery = NULL;
}

void api_gallery_stats(tern_api_server *srv, size_t *subjects, size_t *fingers, size_t *bytes)
{
    (void)srv;
    *subjects = *fingers = *bytes = 0;
}

static void not_yet(api_req *r)
{
    api_fail(r, 503, "not_available", "identification is not built into this node yet");
}

void api_h_encounter_create(api_req *r) { not_yet(r); }
void api_h_encounter_get(api_req *r) { not_yet(r); }
void api_h_identity_enroll(api_req *r) { not_yet(r); }
void api_h_identity_get(api_req *r) { not_yet(r); }
void api_h_identity_delete(api_req *r) { not_yet(r); }
void api_h_job_create(api_req *r) { not_yet(r); }
void api_h_job_get(api_req *r) { not_yet(r); }

tern_status api_jobs_start(tern_api_server *srv, tern_error *err)
{
    (void)srv;
    (void)err;
    return TERN_OK;
}

void api_jobs_stop(tern_api_server *srv)
{
    (void)srv;
}
