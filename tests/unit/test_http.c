/* test_http.c - GETs through libcurl's multi interface on the real event
 * loop, against HTTP and HTTPS servers forked by this program on
 * loopback: what comes back, and how each kind of failure is reported. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lw/http.h"
#include "lw/loop.h"
#include "lw/tlsprobe.h"
#include "testpki.h"

#define NAME "link.example.test"

/* ------------------------------------------------------------------ */
/* The server: one forked process accepting on 127.0.0.1, one forked
 * handler per connection (they die with the server: PR_SET_PDEATHSIG);
 * the server is killed by its pid when the tests are done. */

static const char health[] = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: application/json\r\n"
                             "Server: test-srv/1.0\r\n"
                             "Via: 1.1 edge.test\r\n"
                             "X-Cache: Hit from test\r\n"
                             "Content-Length: 2\r\n"
                             "Connection: close\r\n"
                             "\r\n"
                             "{}";

#define BAD_BODY "<html><body><h1>502 Bad Gateway</h1></body></html>\n"

static const char bad[] = "HTTP/1.1 502 Bad Gateway\r\n"
                          "Content-Type: text/html\r\n"
                          "Server: nginx\r\n"
                          "Content-Length: 51\r\n"
                          "Connection: close\r\n"
                          "\r\n" BAD_BODY;

static const char loop_redirect[] = "HTTP/1.1 302 Found\r\n"
                                    "Location: /loop\r\n"
                                    "Content-Length: 0\r\n"
                                    "Connection: close\r\n"
                                    "\r\n";

static const char moved[] = "HTTP/1.1 301 Moved Permanently\r\n"
                            "Location: /health\r\n"
                            "Content-Length: 0\r\n"
                            "Connection: close\r\n"
                            "\r\n";

static const char ctl[] = "HTTP/1.1 200 OK\r\n"
                          "Server: evil\x1b[31mred\x07\r\n"
                          "Content-Type: text/plain\x01x\r\n"
                          "X-Amz-Cf-Id: abc\x7f\r\n"
                          "Content-Length: 2\r\n"
                          "Connection: close\r\n"
                          "\r\n"
                          "ok";

static const char endless_head[] = "HTTP/1.1 200 OK\r\n"
                                   "Content-Type: text/plain\r\n"
                                   "Connection: close\r\n"
                                   "\r\n";

struct conn {
    int fd;
    SSL *ssl;
};

static long
conn_write(struct conn *k, const void *buf, size_t len)
{
    if (k->ssl != NULL)
        return SSL_write(k->ssl, buf, (int)len);
    return (long)write(k->fd, buf, len);
}

static long
conn_read(struct conn *k, void *buf, size_t len)
{
    if (k->ssl != NULL)
        return SSL_read(k->ssl, buf, (int)len);
    return (long)read(k->fd, buf, len);
}

/* The value of request header name (without a port for Host), "" when
 * absent. */
static void
header_of(const char *req, const char *name, char *out, size_t outlen)
{
    const char *p = req, *v;
    size_t n = strlen(name), i = 0;

    out[0] = '\0';
    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, n) != 0 || p[n] != ':')
            continue;
        for (v = p + n + 1; *v == ' '; v++)
            ;
        while (v[i] != '\r' && v[i] != '\0' && i + 1 < outlen &&
               !(strcmp(name, "Host") == 0 && v[i] == ':'))
            i++;
        memcpy(out, v, i);
        out[i] = '\0';
        return;
    }
}

/* What the server saw: Host, SNI, User-Agent, Accept-Encoding. */
static void
echo(struct conn *k, const char *req)
{
    char host[128], ua[128], ae[64], body[512], head[256];
    const char *sni =
        k->ssl != NULL ? SSL_get_servername(k->ssl, TLSEXT_NAMETYPE_host_name)
                       : NULL;
    int n;

    header_of(req, "Host", host, sizeof(host));
    header_of(req, "User-Agent", ua, sizeof(ua));
    header_of(req, "Accept-Encoding", ae, sizeof(ae));
    n = snprintf(body, sizeof(body), "host=%s sni=%s ua=%s ae=%s", host,
                 sni != NULL ? sni : "", ua, ae);
    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
             "Connection: close\r\n\r\n",
             n);
    conn_write(k, head, strlen(head));
    conn_write(k, body, (size_t)n);
    if (k->ssl != NULL)
        SSL_shutdown(k->ssl);
}

static void
handle(int fd, SSL_CTX *ctx)
{
    struct conn k = {fd, NULL};
    char req[4096], chunk[16384];
    size_t used = 0;
    long n;
    const char *reply = NULL;

    if (ctx != NULL) {
        k.ssl = SSL_new(ctx);
        SSL_set_fd(k.ssl, fd);
        if (SSL_accept(k.ssl) != 1)
            return;
    }
    while (used < sizeof(req) - 1) {
        n = conn_read(&k, req + used, sizeof(req) - 1 - used);
        if (n <= 0)
            return;
        used += (size_t)n;
        req[used] = '\0';
        if (strstr(req, "\r\n\r\n") != NULL)
            break;
    }
    if (strncmp(req, "GET /echo ", 10) == 0) {
        echo(&k, req);
        return;
    }
    if (strncmp(req, "GET /health ", 12) == 0)
        reply = health;
    else if (strncmp(req, "GET /bad ", 9) == 0)
        reply = bad;
    else if (strncmp(req, "GET /loop ", 10) == 0)
        reply = loop_redirect;
    else if (strncmp(req, "GET /moved ", 11) == 0)
        reply = moved;
    else if (strncmp(req, "GET /ctl ", 9) == 0)
        reply = ctl;
    else if (strncmp(req, "GET /endless ", 13) == 0) {
        conn_write(&k, endless_head, strlen(endless_head));
        memset(chunk, 'x', sizeof(chunk));
        while (conn_write(&k, chunk, sizeof(chunk)) > 0)
            ;
        return;
    } else if (strncmp(req, "GET /silent ", 12) == 0) {
        for (;;)
            pause();
    }
    if (reply != NULL)
        conn_write(&k, reply, strlen(reply));
    /* Let the client read it all before the close. */
    if (k.ssl != NULL)
        SSL_shutdown(k.ssl);
    shutdown(fd, SHUT_WR);
    while (conn_read(&k, req, sizeof(req)) > 0)
        ;
}

static void __attribute__((noreturn)) serve(int lfd, SSL_CTX *ctx)
{
    int c;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGCHLD, SIG_IGN); /* handlers reap themselves */
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        c = accept(lfd, NULL, NULL);
        if (c < 0)
            continue;
        if (fork() == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close(lfd);
            alarm(30);
            handle(c, ctx);
            _exit(0);
        }
        close(c);
    }
}

/* A socket bound to the loopback address of family on a free port; -1
 * when this machine has no such loopback (IPv6 switched off). */
static int
bound_socket(int family, unsigned *port)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    socklen_t len;
    int fd, one = 1;

    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        in4->sin_family = AF_INET;
        in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*in4);
    } else {
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_loopback;
        len = sizeof(*in6);
    }
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 ||
        getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(family == AF_INET ? in4->sin_port : in6->sin6_port);
    return fd;
}

/* The server's pid, or 0 when family has no loopback here. */
static pid_t
srv_start(int family, SSL_CTX *ctx, unsigned *port)
{
    int fd = bound_socket(family, port);
    pid_t pid;

    if (fd < 0)
        return 0;
    assert_int_equal(listen(fd, 16), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        serve(fd, ctx);
    close(fd);
    return pid;
}

static void
srv_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Fixtures shared by all tests: a plain server, a TLS server for NAME
 * (leaf + intermediate), a port where nothing listens, the test root in
 * a CA file. */

static struct tp_pki pki;
static SSL_CTX *server_tls;
static pid_t plain_pid, tls_pid, plain6_pid;
static unsigned plain_port, tls_port, plain6_port, dead_port;
static char *dir, *root_file, *empty_file;

static int
group_setup(void **state)
{
    int fd;

    (void)state;
    signal(SIGPIPE, SIG_IGN);
    tp_pki_make(&pki, NAME, NULL);
    server_tls = SSL_CTX_new(TLS_server_method());
    assert_non_null(server_tls);
    assert_int_equal(SSL_CTX_use_certificate(server_tls, pki.leaf), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(server_tls, pki.leaf_key), 1);
    assert_int_equal(SSL_CTX_add1_chain_cert(server_tls, pki.inter), 1);
    plain_pid = srv_start(AF_INET, NULL, &plain_port);
    tls_pid = srv_start(AF_INET, server_tls, &tls_port);
    assert_true(plain_pid > 0 && tls_pid > 0);
    plain6_pid = srv_start(AF_INET6, NULL, &plain6_port);
    fd = bound_socket(AF_INET, &dead_port);
    assert_true(fd >= 0);
    close(fd);
    dir = tp_tmpdir();
    root_file = tp_write_certs(dir, "root.pem", TP_PEM, pki.root, NULL);
    empty_file = tp_write_file(dir, "empty.pem", "no PEM here\n", 12);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    srv_stop(plain_pid);
    srv_stop(tls_pid);
    srv_stop(plain6_pid);
    SSL_CTX_free(server_tls);
    tp_pki_free(&pki);
    free(root_file);
    free(empty_file);
    lw_tls_trust_release();
    tp_rmtree(dir);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Running requests */

struct got {
    int calls;
    bool ok;
    long status;
    char *content_type, *server, *location, *via, *primary_ip;
    char *body;
    size_t body_len;
    bool truncated;
    int redirects;
    char error[256];
    int curl_code;
    long elapsed_ms;
    struct lw_http *free_me; /* lw_http_free from inside the callback */
};

static char *
dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void
on_resp(void *ud, const struct lw_http_resp *r)
{
    struct got *g = ud;

    g->calls++;
    g->ok = r->ok;
    g->status = r->status;
    g->content_type = dup_or_null(r->content_type);
    g->server = dup_or_null(r->server);
    g->location = dup_or_null(r->location);
    g->via = dup_or_null(r->via);
    g->primary_ip = dup_or_null(r->primary_ip);
    g->body = malloc(r->body.len + 1);
    assert_non_null(g->body);
    if (r->body.len > 0)
        memcpy(g->body, r->body.data, r->body.len);
    g->body[r->body.len] = '\0';
    g->body_len = r->body.len;
    g->truncated = r->body_truncated;
    g->redirects = r->redirects;
    snprintf(g->error, sizeof(g->error), "%s", r->error);
    g->curl_code = r->curl_code;
    g->elapsed_ms = r->elapsed_ms;
    if (g->free_me != NULL)
        lw_http_free(g->free_me);
}

static void
got_free(struct got *g)
{
    free(g->content_type);
    free(g->server);
    free(g->location);
    free(g->via);
    free(g->primary_ip);
    free(g->body);
}

static void
on_guard(struct lw_loop *loop, void *ud)
{
    (void)loop;
    *(bool *)ud = true;
}

/* Iterate until n callbacks have come (a 10 s guard fails the test). */
static void
run_until(struct lw_loop *loop, struct got *g, int n, int want)
{
    struct lw_err err;
    struct lw_timer *guard;
    bool expired = false;
    int i, done;

    guard = lw_loop_timer(loop, 10000, on_guard, &expired);
    assert_non_null(guard);
    for (;;) {
        for (done = 0, i = 0; i < n; i++)
            done += g[i].calls;
        if (done >= want || expired)
            break;
        assert_int_equal(lw_loop_once(loop, -1, &err), LW_OK);
    }
    assert_false(expired);
    lw_loop_timer_cancel(loop, guard);
}

/* ------------------------------------------------------------------ */
/* One request each, table-driven */

enum which { PLAIN, TLS, DEAD, PLAIN6 };
enum route { DIRECT, CONNECT_TO, PIN };

struct http_case {
    const char *name;
    enum which srv;
    const char *host; /* in the URL; NULL: 127.0.0.1 */
    const char *path;
    enum route route;
    const char *pin; /* NULL: 127.0.0.1 */
    bool trust;      /* ca_file = the test root */
    size_t max_body;
    int max_redirects;
    long timeout_ms;
    /* expected */
    bool ok;
    long status;
    int curl_code;
    const char *body; /* exact, or NULL: see body_len */
    size_t body_len;
    bool truncated;
    const char *content_type, *server, *location, *via;
    int redirects;
    const char *error; /* part of it; "" when ok */
    long min_ms, max_ms;
};

static const struct http_case http_cases[] = {
    {.name = "200 with {} and its headers",
     .srv = PLAIN,
     .path = "/health",
     .ok = true,
     .status = 200,
     .body = "{}",
     .content_type = "application/json",
     .server = "test-srv/1.0",
     .via = "Via: 1.1 edge.test; X-Cache: Hit from test",
     .error = ""},
    {.name = "502 with an HTML page",
     .srv = PLAIN,
     .path = "/bad",
     .ok = true,
     .status = 502,
     .body = BAD_BODY,
     .content_type = "text/html",
     .server = "nginx",
     .error = ""},
    {.name = "a redirect loop is capped",
     .srv = PLAIN,
     .path = "/loop",
     .max_redirects = 3,
     .ok = false,
     .status = 302,
     .curl_code = 47,
     .body = "",
     .location = "/loop",
     .redirects = 3,
     .error = "Maximum (3) redirects followed"},
    {.name = "one redirect followed",
     .srv = PLAIN,
     .path = "/moved",
     .max_redirects = 3,
     .ok = true,
     .status = 200,
     .body = "{}",
     .content_type = "application/json",
     .server = "test-srv/1.0",
     .via = "Via: 1.1 edge.test; X-Cache: Hit from test",
     .redirects = 1,
     .error = ""},
    {.name = "redirects not followed when told so",
     .srv = PLAIN,
     .path = "/moved",
     .ok = true,
     .status = 301,
     .body = "",
     .location = "/health",
     .error = ""},
    {.name = "an endless body is cut at max_body",
     .srv = PLAIN,
     .path = "/endless",
     .max_body = 1000,
     .ok = true,
     .status = 200,
     .body_len = 1000,
     .truncated = true,
     .content_type = "text/plain",
     .error = "",
     .max_ms = 3000},
    {.name = "a silent server costs one timeout",
     .srv = PLAIN,
     .path = "/silent",
     .timeout_ms = 500,
     .ok = false,
     .curl_code = 28,
     .body = "",
     .error = "Operation timed out after",
     .min_ms = 480,
     .max_ms = 1500},
    {.name = "connect-to reaches a name that resolves nowhere",
     .srv = PLAIN,
     .host = "link.invalid",
     .path = "/health",
     .route = CONNECT_TO,
     .ok = true,
     .status = 200,
     .body = "{}",
     .content_type = "application/json",
     .server = "test-srv/1.0",
     .via = "Via: 1.1 edge.test; X-Cache: Hit from test",
     .error = ""},
    {.name = "a pinned address over plain HTTP",
     .srv = PLAIN,
     .host = "link.invalid",
     .path = "/health",
     .route = PIN,
     .ok = true,
     .status = 200,
     .body = "{}",
     .content_type = "application/json",
     .server = "test-srv/1.0",
     .via = "Via: 1.1 edge.test; X-Cache: Hit from test",
     .error = ""},
    {.name = "HTTPS from an untrusted root fails verification",
     .srv = TLS,
     .host = NAME,
     .path = "/health",
     .route = CONNECT_TO,
     .ok = false,
     .curl_code = 60,
     .body = "",
     .error = "SSL certificate problem: unable to get local issuer "
              "certificate"},
    {.name = "HTTPS verifies once the CA file trusts the root",
     .srv = TLS,
     .host = NAME,
     .path = "/health",
     .route = CONNECT_TO,
     .trust = true,
     .ok = true,
     .status = 200,
     .body = "{}",
     .content_type = "application/json",
     .server = "test-srv/1.0",
     .via = "Via: 1.1 edge.test; X-Cache: Hit from test",
     .error = ""},
    {.name = "HTTPS to a pinned address keeps SNI and Host",
     .srv = TLS,
     .host = NAME,
     .path = "/health",
     .route = PIN,
     .trust = true,
     .ok = true,
     .status = 200,
     .body = "{}",
     .content_type = "application/json",
     .server = "test-srv/1.0",
     .via = "Via: 1.1 edge.test; X-Cache: Hit from test",
     .error = ""},
    {.name = "a pin keeps Host and SNI; identity, our User-Agent",
     .srv = TLS,
     .host = NAME,
     .path = "/echo",
     .route = PIN,
     .trust = true,
     .ok = true,
     .status = 200,
     .body = "host=" NAME " sni=" NAME " ua=linkwiz/" PACKAGE_VERSION
             " ae=identity",
     .error = ""},
    {.name = "connect-to keeps Host",
     .srv = PLAIN,
     .host = "link.invalid",
     .path = "/echo",
     .route = CONNECT_TO,
     .ok = true,
     .status = 200,
     .body =
         "host=link.invalid sni= ua=linkwiz/" PACKAGE_VERSION " ae=identity",
     .error = ""},
    {.name = "a pinned IPv6 address",
     .srv = PLAIN6,
     .host = "link.invalid",
     .path = "/echo",
     .route = PIN,
     .pin = "::1",
     .ok = true,
     .status = 200,
     .body =
         "host=link.invalid sni= ua=linkwiz/" PACKAGE_VERSION " ae=identity",
     .error = ""},
    {.name = "HTTPS checks the name even when the chain is trusted",
     .srv = TLS,
     .path = "/health",
     .trust = true,
     .ok = false,
     .curl_code = 60,
     .body = "",
     .error = "no alternative certificate subject name matches target host "
              "name '127.0.0.1'"},
    {.name = "control characters in headers come back sanitized",
     .srv = PLAIN,
     .path = "/ctl",
     .ok = true,
     .status = 200,
     .body = "ok",
     .content_type = "text/plain?x",
     .server = "evil?[31mred?",
     .via = "X-Amz-Cf-Id: abc?",
     .error = ""},
    {.name = "nothing listening",
     .srv = DEAD,
     .path = "/health",
     .ok = false,
     .curl_code = 7,
     .body = "",
     .error = "Failed to connect to 127.0.0.1 port"},
};

static void
check_str(const char *got, const char *want)
{
    if (want == NULL)
        assert_null(got);
    else
        assert_string_equal(got, want);
}

static void
test_get(void **state)
{
    const struct http_case *c = *state;
    const char *host = c->host != NULL ? c->host : "127.0.0.1";
    const char *pin = c->pin != NULL ? c->pin : "127.0.0.1";
    unsigned port = c->srv == PLAIN    ? plain_port
                    : c->srv == TLS    ? tls_port
                    : c->srv == PLAIN6 ? plain6_port
                                       : dead_port;
    char url[256], entry[256];
    const char *connect_to[] = {entry, NULL};
    struct lw_http_req req = {0};
    struct lw_loop *loop = NULL;
    struct lw_http *http = NULL;
    struct lw_err err;
    struct got g = {0};

    if (c->srv == PLAIN6 && plain6_pid == 0)
        skip(); /* no IPv6 loopback here */
    snprintf(url, sizeof(url), "%s://%s:%u%s", c->srv == TLS ? "https" : "http",
             host, port, c->path);
    snprintf(entry, sizeof(entry), "%s:%u:127.0.0.1:%u", host, port, port);
    req.url = url;
    req.connect_to = c->route == CONNECT_TO ? connect_to : NULL;
    req.pin_address = c->route == PIN ? pin : NULL;
    req.ca_file = c->trust ? root_file : NULL;
    req.timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 5000;
    req.max_body = c->max_body > 0 ? c->max_body : 4096;
    req.max_redirects = c->max_redirects;

    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(lw_http_new(loop, &http, &err), LW_OK);
    assert_int_equal(lw_http_get(http, &req, on_resp, &g, &err), LW_OK);
    assert_int_equal(g.calls, 0); /* never from inside the call */
    run_until(loop, &g, 1, 1);
    lw_http_free(http);
    /* Nothing of curl's is left on the loop. */
    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
    lw_loop_free(loop);

    assert_int_equal(g.calls, 1);
    assert_true(tp_contains(g.error, c->error));
    assert_int_equal(g.ok, c->ok);
    assert_int_equal(g.curl_code, c->curl_code);
    assert_int_equal(g.status, c->status);
    if (c->body != NULL)
        assert_string_equal(g.body, c->body);
    else
        assert_int_equal(g.body_len, c->body_len);
    assert_int_equal(g.truncated, c->truncated);
    check_str(g.content_type, c->content_type);
    check_str(g.server, c->server);
    check_str(g.location, c->location);
    check_str(g.via, c->via);
    assert_int_equal(g.redirects, c->redirects);
    if (c->srv != DEAD)
        assert_string_equal(g.primary_ip,
                            c->srv == PLAIN6 ? "::1" : "127.0.0.1");
    if (c->min_ms > 0)
        assert_true(g.elapsed_ms >= c->min_ms);
    if (c->max_ms > 0)
        assert_true(g.elapsed_ms <= c->max_ms);
    got_free(&g);
}

/* ------------------------------------------------------------------ */
/* All at once: the silent server costs one timeout and holds up no one */

static void
test_concurrent(void **state)
{
    static const char *const paths[] = {"/silent", "/health", "/bad",
                                        "/endless"};
    struct got g[4] = {{0}};
    char url[4][128];
    struct lw_http_req req = {0};
    struct lw_loop *loop = NULL;
    struct lw_http *http = NULL;
    struct lw_err err;
    size_t i;

    (void)state;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(lw_http_new(loop, &http, &err), LW_OK);
    req.timeout_ms = 800;
    req.max_body = 500;
    for (i = 0; i < 4; i++) {
        snprintf(url[i], sizeof(url[i]), "http://127.0.0.1:%u%s", plain_port,
                 paths[i]);
        req.url = url[i];
        assert_int_equal(lw_http_get(http, &req, on_resp, &g[i], &err), LW_OK);
    }
    run_until(loop, g, 4, 4);
    lw_http_free(http);
    lw_loop_free(loop);

    assert_false(g[0].ok);
    assert_int_equal(g[0].curl_code, 28);
    assert_in_range(g[0].elapsed_ms, 780, 2000);
    assert_true(g[1].ok);
    assert_int_equal(g[1].status, 200);
    assert_true(g[2].ok);
    assert_int_equal(g[2].status, 502);
    assert_true(g[3].ok);
    assert_true(g[3].truncated);
    assert_int_equal(g[3].body_len, 500);
    for (i = 0; i < 4; i++) {
        assert_int_equal(g[i].calls, 1);
        if (i > 0)
            assert_true(g[i].elapsed_ms < g[0].elapsed_ms);
        got_free(&g[i]);
    }
}

/* Freeing with transfers pending: no callback, nothing left on the loop. */
static void
test_free_pending(void **state)
{
    struct got g = {0};
    char url[128];
    struct lw_http_req req = {0};
    struct lw_loop *loop = NULL;
    struct lw_http *http = NULL;
    struct lw_err err;
    int i;

    (void)state;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/silent", plain_port);
    req.url = url;
    req.timeout_ms = 5000;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(lw_http_new(loop, &http, &err), LW_OK);
    assert_int_equal(lw_http_get(http, &req, on_resp, &g, &err), LW_OK);
    for (i = 0; i < 5; i++)
        assert_int_equal(lw_loop_once(loop, 50, &err), LW_OK);
    lw_http_free(http);
    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
    assert_int_equal(g.calls, 0);
    lw_loop_free(loop);
}

/* lw_http_free from inside a callback: the other transfer is dropped
 * without its callback, and the loop is left with nothing to do. */
static void
test_free_in_callback(void **state)
{
    struct got g[2] = {{0}};
    char url[2][128];
    struct lw_http_req req = {0};
    struct lw_loop *loop = NULL;
    struct lw_http *http = NULL;
    struct lw_err err;

    (void)state;
    snprintf(url[0], sizeof(url[0]), "http://127.0.0.1:%u/health", plain_port);
    snprintf(url[1], sizeof(url[1]), "http://127.0.0.1:%u/silent", plain_port);
    req.timeout_ms = 5000;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(lw_http_new(loop, &http, &err), LW_OK);
    g[0].free_me = http;
    req.url = url[0];
    assert_int_equal(lw_http_get(http, &req, on_resp, &g[0], &err), LW_OK);
    req.url = url[1];
    assert_int_equal(lw_http_get(http, &req, on_resp, &g[1], &err), LW_OK);
    run_until(loop, g, 2, 1);
    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
    assert_int_equal(g[0].calls, 1);
    assert_int_equal(g[0].status, 200);
    assert_int_equal(g[1].calls, 0);
    got_free(&g[0]);
    lw_loop_free(loop);
}

/* ------------------------------------------------------------------ */
/* Refused at the start: nothing runs, no callback */

struct bad_case {
    const char *name;
    const char *ca_file; /* "EMPTY": a file without certificates */
    const char *pin;
    enum lw_status status;
    const char *msg;
    const char *hint;
};

static const struct bad_case bad_cases[] = {
    {"missing CA file", "/nonexistent/ca.pem", NULL, LW_ERR_INPUT,
     "cannot load the CA file /nonexistent/ca.pem: No such file or "
     "directory",
     "--ca-file"},
    {"CA file without certificates", "EMPTY", NULL, LW_ERR_INPUT,
     "cannot load the CA file ", "must hold PEM certificates"},
    {"pin that is a name", NULL, "link.example.test", LW_ERR_INPUT,
     "\"link.example.test\" is not a numeric IP address", ""},
    {"pin with control characters", NULL, "10.0.0.1\n:80", LW_ERR_INPUT,
     "\"10.0.0.1?:80\" is not a numeric IP address", ""},
};

static void
test_refused(void **state)
{
    const struct bad_case *c = *state;
    struct lw_http_req req = {0};
    struct lw_loop *loop = NULL;
    struct lw_http *http = NULL;
    struct lw_err err;
    struct got g = {0};

    req.url = "https://" NAME "/health";
    req.ca_file = c->ca_file != NULL && strcmp(c->ca_file, "EMPTY") == 0
                      ? empty_file
                      : c->ca_file;
    req.pin_address = c->pin;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(lw_http_new(loop, &http, &err), LW_OK);
    lw_err_clear(&err);
    assert_int_equal(lw_http_get(http, &req, on_resp, &g, &err), c->status);
    assert_true(tp_contains(err.msg, c->msg));
    assert_true(tp_contains(err.hint, c->hint));
    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
    assert_int_equal(g.calls, 0);
    lw_http_free(http);
    lw_loop_free(loop);
}

int
main(void)
{
    enum {
        N_HTTP = sizeof(http_cases) / sizeof(http_cases[0]),
        N_BAD = sizeof(bad_cases) / sizeof(bad_cases[0])
    };
    struct CMUnitTest tests[N_HTTP + N_BAD + 3];
    size_t i, n = 0;

    for (i = 0; i < N_HTTP; i++) {
        struct CMUnitTest t = {http_cases[i].name, test_get, NULL, NULL,
                               (void *)&http_cases[i]};
        tests[n++] = t;
    }
    for (i = 0; i < N_BAD; i++) {
        struct CMUnitTest t = {bad_cases[i].name, test_refused, NULL, NULL,
                               (void *)&bad_cases[i]};
        tests[n++] = t;
    }
    {
        const struct CMUnitTest more[] = {
            cmocka_unit_test(test_concurrent),
            cmocka_unit_test(test_free_pending),
            cmocka_unit_test(test_free_in_callback),
        };
        for (i = 0; i < sizeof(more) / sizeof(more[0]); i++)
            tests[n++] = more[i];
    }
    return _cmocka_run_group_tests("http", tests, n, group_setup,
                                   group_teardown);
}
