/* test_tlsprobe.c - TLS probes on the real event loop against OpenSSL
 * servers forked by this program on loopback: what was served, how it
 * verifies, and how each kind of failure is reported. */
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "lw/loop.h"
#include "lw/tlsprobe.h"
#include "testpki.h"

#define NAME "link.example.test"

/* ------------------------------------------------------------------ */
/* Servers: a forked process accepting on loopback, one forked handler per
 * connection.  Handlers die with the server (PR_SET_PDEATHSIG), the
 * server is killed by its pid when the test is done. */

enum srv_kind {
    SRV_TLS,    /* handshake, then wait for the client to go */
    SRV_SILENT, /* accept, say nothing */
    SRV_CLOSE   /* accept, close after the ClientHello */
};

struct srv {
    pid_t pid;
    unsigned port;
};

/* The context for SNI = NAME; any other name (or none) gets the default. */
static SSL_CTX *sni_ctx;

static int
on_servername(SSL *ssl, int *alert, void *arg)
{
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

    (void)alert;
    (void)arg;
    if (name != NULL && strcmp(name, NAME) == 0 && sni_ctx != NULL)
        SSL_set_SSL_CTX(ssl, sni_ctx);
    return SSL_TLSEXT_ERR_OK;
}

static void
handle(int c, enum srv_kind kind, SSL_CTX *ctx)
{
    char buf[4096];
    SSL *ssl;

    switch (kind) {
    case SRV_SILENT:
        for (;;)
            pause();
    case SRV_CLOSE:
        /* Read the ClientHello first: closing with unread data would
         * send a reset instead of an end of stream. */
        if (read(c, buf, sizeof(buf)) < 0)
            _exit(1);
        close(c);
        return;
    case SRV_TLS:
        ssl = SSL_new(ctx);
        SSL_set_fd(ssl, c);
        if (SSL_accept(ssl) == 1)
            while (SSL_read(ssl, buf, sizeof(buf)) > 0)
                ;
        SSL_free(ssl);
        close(c);
        return;
    }
}

static void __attribute__((noreturn))
serve(int lfd, enum srv_kind kind, SSL_CTX *ctx)
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
            handle(c, kind, ctx);
            _exit(0);
        }
        close(c);
    }
}

/* A socket bound to loopback of family on a free port; -1 when the
 * family has no loopback here. */
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

static bool
srv_start(struct srv *s, int family, enum srv_kind kind, SSL_CTX *ctx)
{
    int fd = bound_socket(family, &s->port);

    if (fd < 0)
        return false;
    assert_int_equal(listen(fd, 16), 0);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0)
        serve(fd, kind, ctx);
    close(fd);
    return true;
}

static void
srv_stop(struct srv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
}

/* A port where nothing listens (bound, never listened on, closed). */
static unsigned
dead_port(void)
{
    unsigned port;
    int fd = bound_socket(AF_INET, &port);

    assert_true(fd >= 0);
    close(fd);
    return port;
}

/* ------------------------------------------------------------------ */
/* Certificates */

static struct tp_pki pki;
static X509 *expired_leaf, *other_leaf;
static EVP_PKEY *other_key;
static char *dir, *root_file;

static SSL_CTX *
server_ctx(X509 *leaf, EVP_PKEY *key, X509 *chain1, X509 *chain2, bool old_only)
{
    SSL_CTX *c = SSL_CTX_new(TLS_server_method());

    assert_non_null(c);
    assert_int_equal(SSL_CTX_use_certificate(c, leaf), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(c, key), 1);
    if (chain1 != NULL)
        assert_int_equal(SSL_CTX_add1_chain_cert(c, chain1), 1);
    if (chain2 != NULL)
        assert_int_equal(SSL_CTX_add1_chain_cert(c, chain2), 1);
    if (old_only) {
        /* A server stuck at TLS 1.1 (security level 0 lets it). */
        SSL_CTX_set_security_level(c, 0);
        SSL_CTX_set_min_proto_version(c, TLS1_VERSION);
        SSL_CTX_set_max_proto_version(c, TLS1_1_VERSION);
    }
    SSL_CTX_set_tlsext_servername_callback(c, on_servername);
    return c;
}

static int
group_setup(void **state)
{
    static const char *const other_sans[] = {"other.example.test", NULL};
    struct tp_cert_spec expired = {NAME, NULL, 30, -1, false};
    static const char *const sans[] = {NAME, NULL};

    (void)state;
    tp_pki_make(&pki, NAME, NULL);
    expired.sans = sans;
    expired_leaf = tp_cert(&expired, pki.leaf_key, pki.inter, pki.inter_key);
    other_key = tp_key_ec("P-256");
    {
        struct tp_cert_spec o = {"other.example.test", other_sans, 1, 90,
                                 false};
        other_leaf = tp_cert(&o, other_key, pki.inter, pki.inter_key);
    }
    dir = tp_tmpdir();
    root_file = tp_write_certs(dir, "root.pem", TP_PEM, pki.root, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    X509_free(expired_leaf);
    X509_free(other_leaf);
    EVP_PKEY_free(other_key);
    tp_pki_free(&pki);
    free(root_file);
    tp_rmtree(dir);
    lw_tls_trust_release();
    return 0;
}

/* ------------------------------------------------------------------ */
/* Running a probe */

struct got {
    int calls;
    bool connected, handshake;
    char protocol[16];
    int served;
    X509 *first; /* served[0], up-ref'd */
    long verify;
    char verify_error[160];
    int verify_depth;
    char error[256];
    char addr[64];
    long elapsed_ms;
};

static void
on_result(void *ud, const struct lw_tls_result *r)
{
    struct got *g = ud;

    g->calls++;
    g->connected = r->connected;
    g->handshake = r->handshake;
    snprintf(g->protocol, sizeof(g->protocol), "%s", r->protocol);
    g->served = r->served != NULL ? sk_X509_num(r->served) : -1;
    if (g->served > 0) {
        g->first = sk_X509_value(r->served, 0);
        X509_up_ref(g->first);
    }
    g->verify = r->verify;
    snprintf(g->verify_error, sizeof(g->verify_error), "%s", r->verify_error);
    g->verify_depth = r->verify_depth;
    snprintf(g->error, sizeof(g->error), "%s", r->error);
    snprintf(g->addr, sizeof(g->addr), "%s", r->addr);
    g->elapsed_ms = r->elapsed_ms;
}

static void
on_guard(struct lw_loop *loop, void *ud)
{
    (void)loop;
    *(bool *)ud = true;
}

/* Iterate until every probe has called back (or a 10 s guard fires,
 * which fails the test: a probe that never calls back is a bug). */
static void
run_until(struct lw_loop *loop, struct got *g, int n)
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
        if (done >= n || expired)
            break;
        assert_int_equal(lw_loop_once(loop, -1, &err), LW_OK);
    }
    assert_false(expired);
    lw_loop_timer_cancel(loop, guard);
    for (i = 0; i < n; i++)
        assert_int_equal(g[i].calls, 1);
}

/* ------------------------------------------------------------------ */
/* Handshakes against a TLS server, table-driven */

enum chain_kind {
    CH_GOOD,      /* leaf + intermediate */
    CH_NO_INTER,  /* leaf only */
    CH_WITH_ROOT, /* leaf + intermediate + root */
    CH_EXPIRED,   /* expired leaf + intermediate */
    CH_OLD        /* good chain, but TLS 1.1 at most */
};

struct hs_case {
    const char *name;
    int family;
    enum chain_kind chain;
    const char *sni;
    bool trust_root; /* ca_file = the test root */
    /* expected */
    bool handshake;
    int served;
    bool first_is_leaf; /* served[0] is the leaf for NAME */
    long verify;
    const char *verify_error;
    int verify_depth;
    const char *error; /* after "TLS handshake with ADDR port N failed: " */
};

static const struct hs_case hs_cases[] = {
    {"good chain, trusted", AF_INET, CH_GOOD, NAME, true, true, 2, true,
     X509_V_OK, "", -1, ""},
    {"good chain, root unknown", AF_INET, CH_GOOD, NAME, false, true, 2, true,
     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
     "unable to get local issuer certificate", 1, ""},
    {"leaf without intermediate", AF_INET, CH_NO_INTER, NAME, true, true, 1,
     true, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
     "unable to get local issuer certificate", 0, ""},
    {"root served too", AF_INET, CH_WITH_ROOT, NAME, true, true, 3, true,
     X509_V_OK, "", -1, ""},
    {"expired leaf", AF_INET, CH_EXPIRED, NAME, true, true, 2, false,
     X509_V_ERR_CERT_HAS_EXPIRED, "certificate has expired", 0, ""},
    {"SNI decides the certificate", AF_INET, CH_GOOD, "other.example.test",
     true, true, 2, false, X509_V_OK, "", -1, ""},
    {"no SNI sent", AF_INET, CH_GOOD, NULL, true, true, 2, false, X509_V_OK, "",
     -1, ""},
    {"server at TLS 1.1", AF_INET, CH_OLD, NAME, true, false, -1, false,
     X509_V_ERR_UNSPECIFIED, "", -1, "tlsv1 alert protocol version"},
    {"IPv6 loopback", AF_INET6, CH_GOOD, NAME, true, true, 2, true, X509_V_OK,
     "", -1, ""},
};

static void
test_handshake(void **state)
{
    const struct hs_case *c = *state;
    struct lw_tls_req req = {0};
    struct lw_loop *loop = NULL;
    struct lw_err err;
    struct got g = {0};
    SSL_CTX *main_ctx, *other;
    struct srv s = {0};
    const char *addr = c->family == AF_INET ? "127.0.0.1" : "::1";
    char want[128];

    switch (c->chain) {
    case CH_GOOD:
        sni_ctx = server_ctx(pki.leaf, pki.leaf_key, pki.inter, NULL, false);
        break;
    case CH_NO_INTER:
        sni_ctx = server_ctx(pki.leaf, pki.leaf_key, NULL, NULL, false);
        break;
    case CH_WITH_ROOT:
        sni_ctx =
            server_ctx(pki.leaf, pki.leaf_key, pki.inter, pki.root, false);
        break;
    case CH_EXPIRED:
        sni_ctx =
            server_ctx(expired_leaf, pki.leaf_key, pki.inter, NULL, false);
        break;
    case CH_OLD:
        sni_ctx = server_ctx(pki.leaf, pki.leaf_key, pki.inter, NULL, true);
        break;
    }
    /* Without SNI = NAME the server shows another certificate. */
    other =
        server_ctx(other_leaf, other_key, pki.inter, NULL, c->chain == CH_OLD);
    main_ctx = other;
    if (!srv_start(&s, c->family, SRV_TLS, main_ctx)) {
        SSL_CTX_free(sni_ctx);
        SSL_CTX_free(other);
        sni_ctx = NULL;
        skip(); /* no IPv6 loopback here */
    }

    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    req.sni = c->sni;
    req.addr = addr;
    req.port = s.port;
    req.timeout_ms = 5000;
    req.ca_file = c->trust_root ? root_file : NULL;
    assert_int_equal(lw_tls_probe(loop, &req, on_result, &g, &err), LW_OK);
    assert_int_equal(g.calls, 0); /* never from inside the call */
    run_until(loop, &g, 1);
    srv_stop(&s);

    assert_string_equal(g.addr, addr);
    assert_true(g.connected);
    assert_int_equal(g.handshake, c->handshake);
    assert_int_equal(g.served, c->served);
    assert_int_equal(g.verify, c->verify);
    assert_string_equal(g.verify_error, c->verify_error);
    assert_int_equal(g.verify_depth, c->verify_depth);
    if (c->handshake) {
        assert_string_equal(g.error, "");
        assert_string_equal(g.protocol, "TLSv1.3");
        assert_non_null(g.first);
        if (c->first_is_leaf)
            assert_int_equal(X509_cmp(g.first, pki.leaf), 0);
        else if (c->chain == CH_EXPIRED)
            assert_int_equal(X509_cmp(g.first, expired_leaf), 0);
        else
            assert_int_equal(X509_cmp(g.first, other_leaf), 0);
    } else {
        snprintf(want, sizeof(want), "TLS handshake with %s port %u failed: %s",
                 addr, s.port, c->error);
        assert_string_equal(g.error, want);
        assert_null(g.first);
    }
    X509_free(g.first);
    lw_loop_free(loop);
    SSL_CTX_free(sni_ctx);
    SSL_CTX_free(other);
    sni_ctx = NULL;
}

/* ------------------------------------------------------------------ */
/* Failures before a handshake */

static void
test_silent_server_times_out(void **state)
{
    struct lw_tls_req req = {NAME, "127.0.0.1", 0, 500, NULL};
    struct lw_loop *loop = NULL;
    struct lw_err err;
    struct got g = {0};
    struct srv s = {0};
    char want[128];

    (void)state;
    assert_true(srv_start(&s, AF_INET, SRV_SILENT, NULL));
    req.port = s.port;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(lw_tls_probe(loop, &req, on_result, &g, &err), LW_OK);
    run_until(loop, &g, 1);
    srv_stop(&s);

    assert_true(g.connected);
    assert_false(g.handshake);
    assert_int_equal(g.served, -1);
    assert_int_equal(g.verify, X509_V_ERR_UNSPECIFIED);
    snprintf(want, sizeof(want),
             "no TLS answer within 0.5 s from 127.0.0.1 port %u", s.port);
    assert_string_equal(g.error, want);
    /* One timeout, not more. */
    assert_in_range(g.elapsed_ms, 480, 1500);
    lw_loop_free(loop);
}

static void
test_closed_at_once(void **state)
{
    struct lw_tls_req req = {NAME, "127.0.0.1", 0, 3000, NULL};
    struct lw_loop *loop = NULL;
    struct lw_err err;
    struct got g = {0};
    struct srv s = {0};
    char want[128];

    (void)state;
    assert_true(srv_start(&s, AF_INET, SRV_CLOSE, NULL));
    req.port = s.port;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(lw_tls_probe(loop, &req, on_result, &g, &err), LW_OK);
    run_until(loop, &g, 1);
    srv_stop(&s);

    assert_true(g.connected);
    assert_false(g.handshake);
    snprintf(want, sizeof(want),
             "127.0.0.1 port %u closed the connection during the TLS "
             "handshake",
             s.port);
    assert_string_equal(g.error, want);
    assert_true(g.elapsed_ms < 2000);
    lw_loop_free(loop);
}

static void
test_nothing_listening(void **state)
{
    struct lw_tls_req req = {NAME, "127.0.0.1", 0, 3000, NULL};
    struct lw_loop *loop = NULL;
    struct lw_err err;
    struct got g = {0};
    char want[128];

    (void)state;
    req.port = dead_port();
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(lw_tls_probe(loop, &req, on_result, &g, &err), LW_OK);
    assert_int_equal(g.calls, 0);
    run_until(loop, &g, 1);

    assert_false(g.connected);
    assert_false(g.handshake);
    assert_int_equal(g.served, -1);
    snprintf(want, sizeof(want),
             "cannot connect to 127.0.0.1 port %u: Connection refused",
             req.port);
    assert_string_equal(g.error, want);
    lw_loop_free(loop);
}

/* ------------------------------------------------------------------ */
/* Several at once: the silent one costs one timeout, the others are not
 * held up by it. */

static void
test_concurrent(void **state)
{
    struct lw_tls_req req = {NAME, "127.0.0.1", 0, 800, NULL};
    struct lw_loop *loop = NULL;
    struct lw_err err;
    struct got g[3] = {{0}};
    struct srv good = {0}, silent = {0};

    (void)state;
    sni_ctx = server_ctx(pki.leaf, pki.leaf_key, pki.inter, NULL, false);
    assert_true(srv_start(&good, AF_INET, SRV_TLS, sni_ctx));
    assert_true(srv_start(&silent, AF_INET, SRV_SILENT, NULL));
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    req.ca_file = root_file;
    req.port = silent.port;
    assert_int_equal(lw_tls_probe(loop, &req, on_result, &g[0], &err), LW_OK);
    req.port = good.port;
    assert_int_equal(lw_tls_probe(loop, &req, on_result, &g[1], &err), LW_OK);
    assert_int_equal(lw_tls_probe(loop, &req, on_result, &g[2], &err), LW_OK);
    run_until(loop, g, 3);
    srv_stop(&good);
    srv_stop(&silent);

    assert_true(tp_contains(g[0].error, "no TLS answer within 0.8 s"));
    assert_in_range(g[0].elapsed_ms, 780, 2000);
    assert_true(g[1].handshake);
    assert_int_equal(g[1].verify, X509_V_OK);
    assert_true(g[2].handshake);
    assert_true(g[1].elapsed_ms < g[0].elapsed_ms);
    assert_true(g[2].elapsed_ms < g[0].elapsed_ms);
    X509_free(g[1].first);
    X509_free(g[2].first);
    lw_loop_free(loop);
    SSL_CTX_free(sni_ctx);
    sni_ctx = NULL;
}

/* A cancelled probe never calls back and leaves nothing on the loop. */
static void
test_cancel(void **state)
{
    struct lw_tls_req req = {NAME, "127.0.0.1", 0, 5000, NULL};
    struct lw_tls_probe *probe = NULL;
    struct lw_loop *loop = NULL;
    struct lw_err err;
    struct got g = {0};
    struct srv s = {0};
    int i;

    (void)state;
    assert_true(srv_start(&s, AF_INET, SRV_SILENT, NULL));
    req.port = s.port;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(
        lw_tls_probe_start(loop, &req, on_result, &g, &probe, &err), LW_OK);
    assert_non_null(probe);
    for (i = 0; i < 3; i++)
        assert_int_equal(lw_loop_once(loop, 50, &err), LW_OK);
    lw_tls_probe_cancel(probe);
    /* Nothing is left to wait for: run returns at once. */
    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
    assert_int_equal(g.calls, 0);
    srv_stop(&s);
    lw_loop_free(loop);
}

/* ------------------------------------------------------------------ */
/* The shared trust store */

static int
verify_leaf(X509_STORE *store)
{
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int rc;

    assert_non_null(untrusted);
    assert_non_null(ctx);
    assert_true(sk_X509_push(untrusted, pki.inter) > 0);
    assert_int_equal(X509_STORE_CTX_init(ctx, store, pki.leaf, untrusted), 1);
    rc = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    return rc;
}

/* Loaded once and shared; an edited CA file is loaded again. */
static void
test_trust_store(void **state)
{
    X509_STORE *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
    EVP_PKEY *k2 = tp_key_ec("P-256");
    X509 *root2 = tp_root("Another Root", k2);
    struct lw_err err;
    char *f;

    (void)state;
    assert_int_equal(lw_tls_trust_store(root_file, &a, &err), LW_OK);
    assert_int_equal(lw_tls_trust_store(root_file, &b, &err), LW_OK);
    assert_ptr_equal(a, b);
    assert_int_equal(verify_leaf(a), X509_V_OK);

    f = tp_write_certs(dir, "edited.pem", TP_PEM, root2, NULL);
    assert_int_equal(lw_tls_trust_store(f, &c, &err), LW_OK);
    assert_ptr_not_equal(c, a);
    assert_int_equal(verify_leaf(c),
                     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    free(tp_write_certs(dir, "edited.pem", TP_PEM, pki.root, root2, NULL));
    assert_int_equal(lw_tls_trust_store(f, &d, &err), LW_OK);
    assert_ptr_not_equal(d, c);
    assert_int_equal(verify_leaf(d), X509_V_OK);

    /* The CA file adds to the system's trust, it does not replace it:
     * with the test root as "the system's" (SSL_CERT_FILE), a CA file of
     * another root still lets the chain verify. */
    lw_tls_trust_release();
    assert_int_equal(setenv("SSL_CERT_FILE", root_file, 1), 0);
    free(tp_write_certs(dir, "edited.pem", TP_PEM, root2, NULL));
    assert_int_equal(lw_tls_trust_store(f, &e, &err), LW_OK);
    assert_int_equal(verify_leaf(e), X509_V_OK);
    assert_int_equal(unsetenv("SSL_CERT_FILE"), 0);
    lw_tls_trust_release();

    X509_STORE_free(a);
    X509_STORE_free(b);
    X509_STORE_free(c);
    X509_STORE_free(d);
    X509_STORE_free(e);
    X509_free(root2);
    EVP_PKEY_free(k2);
    free(f);
}

/* ------------------------------------------------------------------ */
/* Refused at the start: nothing runs, no callback */

struct bad_case {
    const char *name;
    const char *addr;
    const char *ca_file;
    enum lw_status status;
    const char *msg;
};

static const struct bad_case bad_cases[] = {
    {"a name, not an address", "link.example.test", NULL, LW_ERR_INPUT,
     "\"link.example.test\" is not a numeric IP address"},
    {"control characters shown sanitized", "1.2.3.4\x1b[2J", NULL, LW_ERR_INPUT,
     "\"1.2.3.4?[2J\" is not a numeric IP address"},
    {"missing CA file", "127.0.0.1", "/nonexistent/ca.pem", LW_ERR_INPUT,
     "cannot load the CA file /nonexistent/ca.pem"},
};

static void
test_refused(void **state)
{
    const struct bad_case *c = *state;
    struct lw_tls_req req = {NAME, NULL, 443, 1000, NULL};
    struct lw_loop *loop = NULL;
    struct lw_err err;
    struct got g = {0};

    req.addr = c->addr;
    req.ca_file = c->ca_file;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    lw_err_clear(&err);
    assert_int_equal(lw_tls_probe(loop, &req, on_result, &g, &err), c->status);
    assert_int_equal(err.status, c->status);
    assert_true(tp_contains(err.msg, c->msg));
    if (c->ca_file != NULL)
        assert_true(tp_contains(err.hint, "--ca-file"));
    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
    assert_int_equal(g.calls, 0);
    lw_loop_free(loop);
}

int
main(void)
{
    struct CMUnitTest tests[sizeof(hs_cases) / sizeof(hs_cases[0]) +
                            sizeof(bad_cases) / sizeof(bad_cases[0]) + 6];
    size_t i, n = 0;

    for (i = 0; i < sizeof(hs_cases) / sizeof(hs_cases[0]); i++) {
        struct CMUnitTest t = {hs_cases[i].name, test_handshake, NULL, NULL,
                               (void *)&hs_cases[i]};
        tests[n++] = t;
    }
    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct CMUnitTest t = {bad_cases[i].name, test_refused, NULL, NULL,
                               (void *)&bad_cases[i]};
        tests[n++] = t;
    }
    {
        const struct CMUnitTest more[] = {
            cmocka_unit_test(test_silent_server_times_out),
            cmocka_unit_test(test_closed_at_once),
            cmocka_unit_test(test_nothing_listening),
            cmocka_unit_test(test_concurrent),
            cmocka_unit_test(test_cancel),
            cmocka_unit_test(test_trust_store),
        };
        for (i = 0; i < sizeof(more) / sizeof(more[0]); i++)
            tests[n++] = more[i];
    }
    return _cmocka_run_group_tests("tlsprobe", tests, n, group_setup,
                                   group_teardown);
}
