/* http.h - HTTP(S) requests on the event loop (libcurl multi interface,
 * CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION, curl_multi_socket_action).
 * Verification is always on: a CA file adds trust, nothing removes it. */
#ifndef LW_HTTP_H
#define LW_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "lw/buf.h"
#include "lw/loop.h"
#include "lw/status.h"

struct lw_http_req {
    const char *url;
    const char *const *connect_to; /* curl CONNECT_TO "HOST:PORT:ADDR:PORT"
                                      entries, NULL-terminated, or NULL */
    const char *ca_file;           /* extra trust anchors, or NULL */
    long timeout_ms;               /* whole transfer */
    size_t max_body;               /* bytes kept; the rest is dropped and
                                      the transfer stopped */
    int max_redirects;             /* 0: do not follow */
    const char *pin_address;       /* connect to this address (keeps SNI
                                      and Host), or NULL */
};

struct lw_http_resp {
    bool ok;             /* a response arrived (any status) */
    long status;         /* HTTP status */
    char *content_type;  /* header values (sanitized), or NULL */
    char *server;
    char *location;
    char *via;           /* Via, X-Cache, X-Amz-Cf-Id and similar proxies */
    struct lw_buf body;  /* at most max_body bytes */
    bool body_truncated;
    int redirects;
    char *primary_ip;    /* the address actually used */
    char error[256];     /* curl's message when !ok (sanitized) */
    int curl_code;
    long elapsed_ms;
};

struct lw_http;

enum lw_status lw_http_new(struct lw_loop *loop, struct lw_http **out,
                           struct lw_err *err);
/* Aborts pending transfers (their callbacks are not called) and frees. */
void lw_http_free(struct lw_http *http);

/* The response is valid only during the callback. */
typedef void (*lw_http_cb)(void *ud, const struct lw_http_resp *resp);

/* Start a GET; the callback runs exactly once, from the loop. */
enum lw_status lw_http_get(struct lw_http *http,
                           const struct lw_http_req *req, lw_http_cb cb,
                           void *ud, struct lw_err *err);

#endif
