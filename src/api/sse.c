/* sse.c - live alerts as server-sent events (WHATWG HTML Living Standard,
 * section 9.2 "Server-sent events"; media type text/event-stream): a hub
 * holding a ring of the latest events, to which each stream is a reader
 * that blocks (its own connection thread) until an event or a keep-alive
 * comment is due. Events carry ids and signals only, never biographic
 * data. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api_impl.h"

#define KEEPALIVE_S 15

void api_hub_init(api_hub *h)
{
    memset(h, 0, sizeof *h);
    pthread_mutex_init(&h->mu, NULL);
    api_cond_init_monotonic(&h->cv);
    h->next = 1;
}

void api_hub_destroy(api_hub *h)
{
    for (size_t i = 0; i < API_HUB_RING; i++)
        free(h->ring[i]);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
}

void api_hub_publish(api_hub *h, const char *event, json_t *data)
{
    char *d = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    if (!d)
        return;
    pthread_mutex_lock(&h->mu);
    size_t need = strlen(event) + strlen(d) + 64;
    char *msg = malloc(need);
    if (msg) {
        snprintf(msg, need, "id: %llu\nevent: %s\ndata: %s\n\n", (unsigned long long)h->next,
                 event, d);
        size_t slot = h->next % API_HUB_RING;
        free(h->ring[slot]);
        h->ring[slot] = msg;
        h->next++;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    free(d);
}

void api_hub_stop(api_hub *h)
{
    pthread_mutex_lock(&h->mu);
    h->stopping = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

typedef struct stream {
    api_hub *hub;
    uint64_t next;     /* next event to send */
    char *pending;     /* being sent */
    size_t off;
} stream;

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream *s = cls;
    if (!s->pending) {
        api_hub *h = s->hub;
        pthread_mutex_lock(&h->mu);
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += KEEPALIVE_S;
        while (!h->stopping && s->next >= h->next)
            if (pthread_cond_timedwait(&h->cv, &h->mu, &dl) != 0)
                break;
        if (h->stopping) {
            pthread_mutex_unlock(&h->mu);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (s->next < h->next) {
            if (h->next - s->next > API_HUB_RING) /* fell behind: skip to the oldest kept */
                s->next = h->next - API_HUB_RING;
            const char *m = h->ring[s->next % API_HUB_RING];
            s->pending = m ? strdup(m) : NULL;
            s->next++;
        } else {
            s->pending = strdup(": keep-alive\n\n");
        }
        pthread_mutex_unlock(&h->mu);
        s->off = 0;
        if (!s->pending)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t left = strlen(s->pending) - s->off;
    size_t n = left < max ? left : max;
    memcpy(buf, s->pending + s->off, n);
    s->off += n;
    if (s->off == strlen(s->pending)) {
        free(s->pending);
        s->pending = NULL;
    }
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    stream *s = cls;
    pthread_mutex_lock(&s->hub->mu);
    s->hub->streams--;
    pthread_mutex_unlock(&s->hub->mu);
    free(s->pending);
    free(s);
}

int api_hub_respond(tern_api_server *srv, struct MHD_Connection *conn)
{
    stream *s = calloc(1, sizeof *s);
    if (!s)
        return MHD_NO;
    s->hub = &srv->hub;
    pthread_mutex_lock(&srv->hub.mu);
    s->next = srv->hub.next;
    srv->hub.streams++;
    pthread_mutex_unlock(&srv->hub.mu);
    /* a first comment so that the client sees the stream open at once */
    s->pending = strdup(": tern live alerts\n\n");
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, reader, s, stream_free);
    if (!resp) {
        stream_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    int ret = MHD_queue_response(conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

void api_h_alerts_stream(api_req *r)
{
    r->stream = true;
    r->status = 200;
}
