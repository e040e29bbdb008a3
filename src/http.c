/* http.c - HTTP(S) GETs on the event loop through libcurl's multi
 * interface: curl says which sockets and which timeout it waits for, the
 * loop says what became ready (curl docs/examples/ephiperfifo.c). */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lw/http.h"
#include "lw/nls.h"
#include "lw/tlsprobe.h"

/* Bounds for what a server can make us keep and show. */
#define VALUE_MAX 256 /* one header value, bytes */
#define VIA_MAX 512   /* all proxy headers together */
#define DEFAULT_BODY_MAX (64 * 1024)
#define DEFAULT_TIMEOUT_MS 5000L

/* Headers that name a proxy or CDN in front of the server. */
static const char *const via_headers[] = {
    "Via", "X-Cache", "X-Amz-Cf-Id", "X-Amz-Cf-Pop", "CF-Ray", "X-Served-By",
};

struct xfer {
    struct lw_http *http;
    CURL *easy;
    struct curl_slist *connect_to;
    X509_STORE *store; /* system + req->ca_file, or NULL */
    lw_http_cb cb;
    void *ud;
    size_t max_body;
    int64_t start_ms;
    bool oom;
    struct lw_http_resp resp;
    char errbuf[CURL_ERROR_SIZE];
    struct xfer *prev, *next;
};

struct lw_http {
    struct lw_loop *loop;
    CURLM *multi;
    struct lw_timer *timer;
    struct xfer *xfers; /* pending transfers */
    int draining;       /* drain() frames on the stack */
    bool free_pending;  /* lw_http_free called from a callback */
    bool closing;       /* tearing down: curl may not arm timers */
};

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Length of the valid UTF-8 sequence at p (at most left bytes), or 0 when
 * it is not one: overlong forms and surrogates included. */
static size_t
utf8_len(const unsigned char *p, size_t left)
{
    size_t n, i;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4;
    else
        return 0;
    if (n > left)
        return 0;
    for (i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0) ||
        (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))
        return 0;
    return n;
}

/* Bytes from a server made fit to show: C0 and C1 control characters and
 * invalid UTF-8 become '?'; at most outlen - 1 bytes, cut on a character
 * boundary.  out is always NUL-terminated (outlen > 0). */
static void
clean(const char *s, size_t len, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0, n;
    bool bad;

    while (i < len) {
        n = utf8_len(p + i, len - i);
        bad = n == 0 || p[i] < 0x20 || p[i] == 0x7F ||
              (n == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0);
        if (bad) {
            n = n == 0 ? 1 : n;
            if (o + 1 >= outlen)
                break;
            out[o++] = '?';
        } else {
            if (o + n >= outlen)
                break;
            memcpy(out + o, p + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
}

/* ------------------------------------------------------------------ */
/* Collecting the response */

static void
set_value(struct xfer *x, char **slot, const char *v, size_t len)
{
    char shown[VALUE_MAX];

    /* The first one counts; a repeated header adds nothing we show. */
    if (*slot != NULL)
        return;
    clean(v, len, shown, sizeof(shown));
    *slot = strdup(shown);
    if (*slot == NULL)
        x->oom = true;
}

static void
add_via(struct xfer *x, const char *name, const char *v, size_t len)
{
    char shown[VALUE_MAX], *old = x->resp.via, *joined;
    size_t used = old != NULL ? strlen(old) : 0, need;

    clean(v, len, shown, sizeof(shown));
    need = used + strlen(name) + strlen(shown) + 5;
    if (need > VIA_MAX)
        return;
    joined = realloc(old, need);
    if (joined == NULL) {
        x->oom = true;
        return;
    }
    snprintf(joined + used, need - used, "%s%s: %s", used > 0 ? "; " : "", name,
             shown);
    x->resp.via = joined;
}

/* What one response left behind; a redirect or a 1xx starts a new one. */
static void
reset_response(struct lw_http_resp *r)
{
    free(r->content_type);
    free(r->server);
    free(r->location);
    free(r->via);
    r->content_type = r->server = r->location = r->via = NULL;
    lw_buf_reset(&r->body);
    r->body_truncated = false;
}

static size_t
on_header(char *data, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n, name_len, i;
    const char *colon, *v, *end = data + len;

    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        reset_response(&x->resp);
        return len;
    }
    colon = memchr(data, ':', len);
    if (colon == NULL)
        return len;
    name_len = (size_t)(colon - data);
    v = colon + 1;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
                       end[-1] == '\t'))
        end--;

#define IS(h) (name_len == sizeof(h) - 1 && strncasecmp(data, h, name_len) == 0)
    if (IS("Content-Type"))
        set_value(x, &x->resp.content_type, v, (size_t)(end - v));
    else if (IS("Server"))
        set_value(x, &x->resp.server, v, (size_t)(end - v));
    else if (IS("Location"))
        set_value(x, &x->resp.location, v, (size_t)(end - v));
#undef IS
    for (i = 0; i < sizeof(via_headers) / sizeof(via_headers[0]); i++)
        if (strlen(via_headers[i]) == name_len &&
            strncasecmp(data, via_headers[i], name_len) == 0)
            add_via(x, via_headers[i], v, (size_t)(end - v));
    return len;
}

/* Keep max_body bytes; beyond that, stop the transfer: a wrong server
 * sending an endless body costs us nothing. */
static size_t
on_body(char *data, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n, room = x->max_body - x->resp.body.len;

    if (len <= room) {
        lw_buf_append(&x->resp.body, data, len);
        return len;
    }
    lw_buf_append(&x->resp.body, data, room);
    x->resp.body_truncated = true;
    return 0; /* anything but len: CURLE_WRITE_ERROR */
}

/* ------------------------------------------------------------------ */
/* Trust: the system's, plus the request's CA file */

/* libcurl has no "add to the default trust".  With a CA file, curl loads
 * no CA of its own (CAINFO and CAPATH unset, its CA cache off) and the
 * handshake gets the shared store of system + CA file that TLS probes
 * use too: one definition of trust, loaded once. */
static CURLcode
on_ssl_ctx(CURL *easy, void *ssl_ctx, void *ud)
{
    struct xfer *x = ud;

    (void)easy;
    SSL_CTX_set1_cert_store(ssl_ctx, x->store);
    return CURLE_OK;
}

/* ------------------------------------------------------------------ */
/* Transfers */

static void
xfer_free(struct xfer *x)
{
    if (x == NULL)
        return;
    if (x->easy != NULL)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->connect_to);
    X509_STORE_free(x->store);
    reset_response(&x->resp);
    lw_buf_free(&x->resp.body);
    free(x->resp.primary_ip);
    free(x);
}

static void
unlink_xfer(struct lw_http *http, struct xfer *x)
{
    if (x->prev != NULL)
        x->prev->next = x->next;
    else
        http->xfers = x->next;
    if (x->next != NULL)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
    curl_multi_remove_handle(http->multi, x->easy);
}

/* Fill in what curl knows about the finished transfer, call back, free. */
static void
finish(struct lw_http *http, struct xfer *x, CURLcode result)
{
    struct lw_http_resp *r = &x->resp;
    char *ip = NULL;
    long redirects = 0;
    const char *msg;

    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_COUNT, &redirects);
    r->redirects = (int)redirects;
    if (curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
        ip != NULL && *ip != '\0') {
        char shown[64];

        clean(ip, strlen(ip), shown, sizeof(shown));
        r->primary_ip = strdup(shown);
        if (r->primary_ip == NULL)
            x->oom = true;
    }
    /* Cutting the body at max_body is what we asked for, not a failure. */
    if (result == CURLE_WRITE_ERROR && r->body_truncated)
        result = CURLE_OK;
    if (!lw_buf_ok(&r->body))
        x->oom = true;
    if (x->oom && result == CURLE_OK)
        result = CURLE_OUT_OF_MEMORY;
    r->curl_code = (int)result;
    r->ok = result == CURLE_OK;
    if (!r->ok) {
        if (result == CURLE_OUT_OF_MEMORY)
            msg = _("out of memory");
        else if (x->errbuf[0] != '\0')
            msg = x->errbuf;
        else
            msg = curl_easy_strerror(result);
        clean(msg, strlen(msg), r->error, sizeof(r->error));
    }
    r->elapsed_ms = (long)(now_ms() - x->start_ms);

    unlink_xfer(http, x);
    x->cb(x->ud, r);
    xfer_free(x);
}

static void really_free(struct lw_http *http);

static void
drain(struct lw_http *http)
{
    CURLMsg *msg;
    struct xfer *x;
    CURLcode result;
    int left;

    http->draining++;
    while (!http->free_pending &&
           (msg = curl_multi_info_read(http->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        x = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        result = msg->data.result; /* msg dies with the handle's removal */
        if (x != NULL)
            finish(http, x, result);
    }
    http->draining--;
    if (http->draining == 0 && http->free_pending)
        really_free(http);
}

/* ------------------------------------------------------------------ */
/* The loop and curl talking */

static void
on_io(struct lw_loop *loop, int fd, unsigned revents, void *ud)
{
    struct lw_http *http = ud;
    int flags = 0, running;

    (void)loop;
    if (revents & LW_IO_READ)
        flags |= CURL_CSELECT_IN;
    if (revents & LW_IO_WRITE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(http->multi, fd, flags, &running);
    drain(http);
}

static void
on_timer(struct lw_loop *loop, void *ud)
{
    struct lw_http *http = ud;
    int running;

    (void)loop;
    http->timer = NULL; /* fired: the handle is gone */
    curl_multi_socket_action(http->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain(http);
}

static int
on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct lw_http *http = userp;
    struct lw_err err;
    unsigned events = 0;

    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= LW_IO_READ;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= LW_IO_WRITE;
    /* CURL_POLL_REMOVE: events 0 stops watching. */
    if (lw_loop_watch(http->loop, s, events, on_io, http, &err) != LW_OK)
        return events != 0 ? -1 : 0;
    return 0;
}

/* One loop timer for the whole multi handle: -1 cancels it, 0 means as
 * soon as possible (the next loop iteration, never from in here). */
static int
on_timerfn(CURLM *multi, long timeout_ms, void *userp)
{
    struct lw_http *http = userp;

    (void)multi;
    if (http->timer != NULL) {
        lw_loop_timer_cancel(http->loop, http->timer);
        http->timer = NULL;
    }
    if (timeout_ms < 0 || http->closing)
        return 0;
    http->timer = lw_loop_timer(http->loop, timeout_ms, on_timer, http);
    return http->timer != NULL ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* The interface */

enum lw_status
lw_http_new(struct lw_loop *loop, struct lw_http **out, struct lw_err *err)
{
    struct lw_http *http;

    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return lw_err_set(err, LW_ERR_INTERNAL, _("cannot initialize libcurl"));
    http = calloc(1, sizeof(*http));
    if (http == NULL) {
        curl_global_cleanup();
        return lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
    }
    http->loop = loop;
    http->multi = curl_multi_init();
    if (http->multi == NULL ||
        curl_multi_setopt(http->multi, CURLMOPT_SOCKETFUNCTION, on_socket) ||
        curl_multi_setopt(http->multi, CURLMOPT_SOCKETDATA, http) ||
        curl_multi_setopt(http->multi, CURLMOPT_TIMERFUNCTION, on_timerfn) ||
        curl_multi_setopt(http->multi, CURLMOPT_TIMERDATA, http)) {
        if (http->multi != NULL)
            curl_multi_cleanup(http->multi);
        free(http);
        curl_global_cleanup();
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("cannot set up a libcurl multi handle"));
    }
    *out = http;
    return LW_OK;
}

static void
really_free(struct lw_http *http)
{
    struct xfer *x;

    http->closing = true;
    while ((x = http->xfers) != NULL) {
        /* x is the head (no prev): unlink_xfer moves http->xfers on.
         * NOLINTNEXTLINE(clang-analyzer-unix.Malloc) */
        unlink_xfer(http, x);
        xfer_free(x);
    }
    curl_multi_cleanup(http->multi);
    if (http->timer != NULL)
        lw_loop_timer_cancel(http->loop, http->timer);
    free(http);
    curl_global_cleanup();
}

void
lw_http_free(struct lw_http *http)
{
    if (http == NULL)
        return;
    /* From inside a callback: finish the drain first, then free. */
    if (http->draining > 0) {
        http->free_pending = true;
        return;
    }
    really_free(http);
}

/* "HOST:PORT:[ADDR]:PORT" for the URL's own host and port.  CONNECT_TO
 * rather than CURLOPT_RESOLVE: resolve entries land in the multi
 * handle's shared DNS cache, so two transfers pinning one name to two
 * addresses (one per address, as the checks do) would see each other's. */
static enum lw_status
pin_entry(const char *url, const char *addr, struct curl_slist **list,
          struct lw_err *err)
{
    unsigned char bin[16];
    char shown[VALUE_MAX], *host = NULL, *port = NULL, *entry = NULL;
    bool v6 = inet_pton(AF_INET6, addr, bin) == 1;
    struct curl_slist *l;
    CURLU *u = NULL;
    enum lw_status st = LW_OK;
    size_t n;

    if (!v6 && inet_pton(AF_INET, addr, bin) != 1) {
        clean(addr, strlen(addr), shown, sizeof(shown));
        return lw_err_set(err, LW_ERR_INPUT,
                          _("\"%s\" is not a numeric IP address"), shown);
    }
    u = curl_url();
    if (u == NULL) {
        st = lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
        goto out;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
            CURLUE_OK) {
        clean(url, strlen(url), shown, sizeof(shown));
        st = lw_err_set(err, LW_ERR_INPUT, _("the URL %s is not valid"), shown);
        goto out;
    }
    n = strlen(host) + strlen(addr) + 2 * strlen(port) + 8;
    entry = malloc(n);
    if (entry == NULL) {
        st = lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
        goto out;
    }
    snprintf(entry, n, "%s:%s:%s%s%s:%s", host, port, v6 ? "[" : "", addr,
             v6 ? "]" : "", port);
    l = curl_slist_append(*list, entry);
    if (l == NULL) {
        st = lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
        goto out;
    }
    *list = l;
out:
    free(entry);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return st;
}

enum lw_status
lw_http_get(struct lw_http *http, const struct lw_http_req *req, lw_http_cb cb,
            void *ud, struct lw_err *err)
{
    struct xfer *x;
    struct curl_slist *l;
    enum lw_status st = LW_OK;
    size_t i;
    long timeout;

    if (req == NULL || req->url == NULL || cb == NULL || http->closing ||
        http->free_pending)
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("lw_http_get: no URL or no callback"));
    x = calloc(1, sizeof(*x));
    if (x == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
    x->http = http;
    x->cb = cb;
    x->ud = ud;
    x->max_body = req->max_body > 0 ? req->max_body : DEFAULT_BODY_MAX;
    lw_buf_init(&x->resp.body);
    timeout = req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS;

    if (req->ca_file != NULL) {
        st = lw_tls_trust_store(req->ca_file, &x->store, err);
        if (st != LW_OK)
            goto out;
    }
    /* The pin comes first: curl uses the first entry that matches. */
    if (req->pin_address != NULL) {
        st = pin_entry(req->url, req->pin_address, &x->connect_to, err);
        if (st != LW_OK)
            goto out;
    }
    for (i = 0; req->connect_to != NULL && req->connect_to[i] != NULL; i++) {
        l = curl_slist_append(x->connect_to, req->connect_to[i]);
        if (l == NULL) {
            st = lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
            goto out;
        }
        x->connect_to = l;
    }

    x->easy = curl_easy_init();
    if (x->easy == NULL) {
        st = lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
        goto out;
    }
#define SET(opt, val)                                                          \
    do {                                                                       \
        if (curl_easy_setopt(x->easy, opt, val) != CURLE_OK) {                 \
            st = lw_err_set(err, LW_ERR_INTERNAL,                              \
                            _("libcurl refused the option %s"), #opt);         \
            goto out;                                                          \
        }                                                                      \
    } while (0)
    SET(CURLOPT_PRIVATE, x);
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TIMEOUT_MS, timeout);
    /* Verification is never off: --ca-file adds trust only. */
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (x->store != NULL) {
        SET(CURLOPT_CAINFO, (char *)NULL);
        SET(CURLOPT_CAPATH, (char *)NULL);
        SET(CURLOPT_CA_CACHE_TIMEOUT, 0L);
        SET(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
        SET(CURLOPT_SSL_CTX_DATA, x);
    }
    SET(CURLOPT_FOLLOWLOCATION, req->max_redirects > 0 ? 1L : 0L);
    if (req->max_redirects > 0)
        SET(CURLOPT_MAXREDIRS, (long)req->max_redirects);
    if (x->connect_to != NULL)
        SET(CURLOPT_CONNECT_TO, x->connect_to);
    /* The check sees what the public sees from here, not a proxy's view;
     * pinned addresses would mean nothing through one either. */
    SET(CURLOPT_PROXY, "");
    SET(CURLOPT_ACCEPT_ENCODING, "identity");
    SET(CURLOPT_USERAGENT, "linkwiz/" PACKAGE_VERSION);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, x);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
#undef SET

    x->start_ms = now_ms();
    if (curl_multi_add_handle(http->multi, x->easy) != CURLM_OK) {
        st = lw_err_set(err, LW_ERR_INTERNAL,
                        _("libcurl refused a new transfer"));
        goto out;
    }
    x->next = http->xfers;
    if (x->next != NULL)
        x->next->prev = x;
    http->xfers = x;
    x = NULL;
out:
    xfer_free(x);
    return st;
}
