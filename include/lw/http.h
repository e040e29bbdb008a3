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
    long timeout_ms;               /* whole transfer (<= 0: 5000) */
    size_t max_body;               /* bytes kept; the rest is dropped and
                                      the transfer stopped (0: 64 KiB) */
    int max_redirects;             /* 0: do not follow */
    const char *pin_address;       /* connect to this numeric address
                                      (keeps SNI and Host), or NULL; for
                                      the URL's host and port only, so a
                                      redirect elsewhere is not pinned */
};

struct lw_http_resp {
    bool ok;             /* a response arrived (any status); also when
                            the body was cut at max_body */
    long status;         /* HTTP status of the last response, 0 if none
                            (may be set when !ok, e.g. too many
                            redirects) */
    char *content_type;  /* header values (sanitized), or NULL */
    char *server;
    char *location;
    char *via;           /* Via, X-Cache, X-Amz-Cf-Id, X-Amz-Cf-Pop,
                            CF-Ray, X-Served-By as "Name: value; ..." */
    struct lw_buf body;  /* at most max_body bytes */
    bool body_truncated;
    int redirects;
    char *primary_ip;    /* the address actually used */
    char error[256];     /* curl's message when !ok (sanitized) */
    int curl_code;       /* CURLcode; 0 whenever ok */
    long elapsed_ms;
};

struct lw_http;

enum lw_status lw_http_new(struct lw_loop *loop, struct lw_http **out,
                           struct lw_err *err);
/* Aborts pending transfers (their callbacks are not called) and frees.
 * Allowed inside an lw_http_cb (the rest is dropped when it returns);
 * call it before lw_loop_free. */
void lw_http_free(struct lw_http *http);

/* The response is valid only during the callback. */
typedef void (*lw_http_cb)(void *ud, const struct lw_http_resp *resp);

/* Start a GET; the callback runs exactly once, from the loop (never
 * from inside this call).  Errors returned here mean nothing started:
 * an unreadable CA file or a pin_address that is not numeric
 * (LW_ERR_INPUT), no memory.  Network failures come through the
 * callback with ok false.  No proxy from the environment is used. */
enum lw_status lw_http_get(struct lw_http *http,
                           const struct lw_http_req *req, lw_http_cb cb,
                           void *ud, struct lw_err *err);

#endif
