/* client.c - a minimal HTTP/1.1 client (RFC 9112) for Tern's own tests,
 * benchmark and tools: one request per connection to 127.0.0.1, whole
 * response read, Content-Length or close-delimited bodies (no chunked
 * decoding is needed for the node's JSON answers, which always carry a
 * length). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tern/api.h"

#define RESP_MAX (64u << 20)

static bool send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = send(fd, c, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        c += k;
        n -= (size_t)k;
    }
    return true;
}

tern_status tern_api_call(unsigned port, const char *method, const char *path,
                          const char *token, const char *purpose, const char *content_type,
                          const void *body, size_t len, tern_api_response *out, tern_error *err)
{
    memset(out, 0, sizeof *out);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return tern_error_set(err, TERN_E_IO, "client: socket: %s", strerror(errno));
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        return tern_error_set(err, TERN_E_IO, "client: connect to port %u: %s", port, strerror(e));
    }
    char head[2048];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
                     "Content-Length: %zu\r\n",
                     method, path, port, body ? len : 0);
    if (token)
        n += snprintf(head + n, sizeof head - (size_t)n, "Authorization: Bearer %s\r\n", token);
    if (purpose)
        n += snprintf(head + n, sizeof head - (size_t)n, "X-Tern-Purpose: %s\r\n", purpose);
    if (content_type)
        n += snprintf(head + n, sizeof head - (size_t)n, "Content-Type: %s\r\n", content_type);
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    if (n >= (int)sizeof head) {
        close(fd);
        return tern_error_set(err, TERN_E_ARG, "client: request head too long");
    }
    /* the server may answer (413) before reading all of a large body */
    bool sent = send_all(fd, head, (size_t)n) && (!body || send_all(fd, body, len));
    (void)sent;
    size_t cap = 65536, got = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        if (got == cap) {
            if (cap >= RESP_MAX)
                break;
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t k = recv(fd, buf + got, cap - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    if (!buf)
        return tern_error_set(err, TERN_E_NOMEM, "client: out of memory");
    buf[got] = 0;
    int status = 0;
    char *sep = strstr(buf, "\r\n\r\n");
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1 || !sep) {
        free(buf);
        return tern_error_set(err, TERN_E_IO, "client: no HTTP response (%zu bytes)", got);
    }
    size_t off = (size_t)(sep + 4 - buf);
    memmove(buf, buf + off, got - off + 1);
    out->status = status;
    out->body = buf;
    out->len = got - off;
    return TERN_OK;
}

void tern_api_response_clear(tern_api_response *r)
{
    if (!r)
        return;
    free(r->body);
    memset(r, 0, sizeof *r);
}
