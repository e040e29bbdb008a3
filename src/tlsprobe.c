/* tlsprobe.c - one TCP connection and one TLS handshake on the event
 * loop, keeping what the server served.  The handshake itself trusts
 * anything (SSL_VERIFY_NONE): a bad chain must still hand us the chain to
 * diagnose; the verdict comes after, from our own verification of the
 * served chain against the system's trust plus the CA file. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "lw/nls.h"
#include "lw/tlsprobe.h"

#define DEFAULT_TIMEOUT_MS 5000L

enum phase { PH_CONNECT, PH_HANDSHAKE, PH_FAILED };

struct lw_tls_probe {
    struct lw_loop *loop;
    lw_tls_cb cb;
    void *ud;
    enum phase phase;
    int fd;
    unsigned watched; /* LW_IO_* asked of the loop */
    int sock_errno;   /* the last send/recv failure */
    bool eof;         /* the server closed its side */
    bool in_callback;
    SSL_CTX *ctx;
    SSL *ssl;
    X509_STORE *store; /* system + ca_file */
    struct lw_timer *timer;
    char *sni; /* NULL: send none (no name, or an address) */
    unsigned port;
    long timeout_ms;
    int64_t start_ms;
    struct lw_tls_result res;
};

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bounded, and anything but printable ASCII replaced: names and
 * addresses come from DNS answers and operators. */
static void
copy_clean(char *out, size_t outlen, const char *s)
{
    size_t i;
    unsigned char c;

    for (i = 0; i + 1 < outlen && s[i] != '\0'; i++) {
        c = (unsigned char)s[i];
        out[i] = c < 0x20 || c >= 0x7F ? '?' : (char)c;
    }
    out[i] = '\0';
}

/* ------------------------------------------------------------------ */
/* A socket BIO that never raises SIGPIPE (send with MSG_NOSIGNAL): a
 * server that resets the connection must not kill the program, and a
 * library does not get to change the process's signal dispositions. */

static int
bio_write(BIO *b, const char *buf, int len)
{
    struct lw_tls_probe *p = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    n = send(p->fd, buf, (size_t)len, MSG_NOSIGNAL);
    if (n < 0) {
        p->sock_errno = errno;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            BIO_set_retry_write(b);
    }
    return (int)n;
}

static int
bio_read(BIO *b, char *buf, int len)
{
    struct lw_tls_probe *p = BIO_get_data(b);
    ssize_t n;

    BIO_clear_retry_flags(b);
    n = recv(p->fd, buf, (size_t)len, 0);
    if (n == 0)
        p->eof = true;
    if (n < 0) {
        p->sock_errno = errno;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            BIO_set_retry_read(b);
    }
    return (int)n;
}

static long
bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    struct lw_tls_probe *p = BIO_get_data(b);

    (void)num;
    (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_EOF:
        return p != NULL && p->eof;
    default:
        return 0;
    }
}

static int
bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

/* Made once, kept for the life of the process. */
static BIO_METHOD *
bio_method(void)
{
    static BIO_METHOD *m;

    if (m != NULL)
        return m;
    m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                     "linkwiz socket");
    if (m == NULL)
        return NULL;
    if (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
        !BIO_meth_set_ctrl(m, bio_ctrl) ||
        !BIO_meth_set_create(m, bio_create)) {
        BIO_meth_free(m);
        m = NULL;
    }
    return m;
}

/* ------------------------------------------------------------------ */
/* Ending a probe */

/* Close the connection and stop everything the loop does for us.  No
 * SSL_shutdown: we would only wait for the server's close_notify. */
static void
close_all(struct lw_tls_probe *p)
{
    struct lw_err err;

    if (p->timer != NULL) {
        lw_loop_timer_cancel(p->loop, p->timer);
        p->timer = NULL;
    }
    if (p->fd >= 0) {
        if (p->watched != 0)
            lw_loop_watch(p->loop, p->fd, 0, NULL, NULL, &err);
        p->watched = 0;
        close(p->fd);
        p->fd = -1;
    }
    SSL_free(p->ssl); /* frees the BIO too */
    p->ssl = NULL;
}

static void
probe_free(struct lw_tls_probe *p)
{
    close_all(p);
    SSL_CTX_free(p->ctx);
    X509_STORE_free(p->store);
    sk_X509_pop_free(p->res.served, X509_free);
    free(p->sni);
    free(p);
}

static void
finish(struct lw_tls_probe *p)
{
    close_all(p);
    p->res.elapsed_ms = (long)(now_ms() - p->start_ms);
    p->in_callback = true;
    p->cb(p->ud, &p->res);
    probe_free(p);
}

static void fail(struct lw_tls_probe *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct lw_tls_probe *p, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->res.error, sizeof(p->res.error), fmt, ap);
    va_end(ap);
    ERR_clear_error();
    finish(p);
}

/* ------------------------------------------------------------------ */
/* Verification of what was served */

static void
verify(struct lw_tls_probe *p)
{
    struct lw_tls_result *r = &p->res;
    X509_STORE_CTX *vctx = NULL;
    X509 *leaf;
    int rc;

    if (r->served == NULL || sk_X509_num(r->served) == 0) {
        r->verify = X509_V_ERR_UNSPECIFIED;
        snprintf(r->verify_error, sizeof(r->verify_error), "%s",
                 _("the server sent no certificate"));
        return;
    }
    leaf = sk_X509_value(r->served, 0);
    vctx = X509_STORE_CTX_new();
    if (vctx == NULL || !X509_STORE_CTX_init(vctx, p->store, leaf, r->served) ||
        !X509_STORE_CTX_set_purpose(vctx, X509_PURPOSE_SSL_SERVER)) {
        r->verify = X509_V_ERR_OUT_OF_MEM;
        goto out;
    }
    rc = X509_verify_cert(vctx);
    r->verify = rc == 1 ? X509_V_OK : X509_STORE_CTX_get_error(vctx);
    if (rc != 1 && r->verify == X509_V_OK)
        r->verify = X509_V_ERR_UNSPECIFIED;
    r->verify_depth = rc == 1 ? -1 : X509_STORE_CTX_get_error_depth(vctx);
out:
    if (r->verify != X509_V_OK)
        snprintf(r->verify_error, sizeof(r->verify_error), "%s",
                 X509_verify_cert_error_string(r->verify));
    X509_STORE_CTX_free(vctx);
    ERR_clear_error();
}

static void
handshake_done(struct lw_tls_probe *p)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(p->ssl);
    X509 *c;
    int i;

    p->res.handshake = true;
    snprintf(p->res.protocol, sizeof(p->res.protocol), "%s",
             SSL_get_version(p->ssl));
    /* Our own references: the SSL and its chain go before the callback. */
    p->res.served = sk_X509_new_null();
    if (p->res.served == NULL) {
        fail(p, _("out of memory"));
        return;
    }
    for (i = 0; chain != NULL && i < sk_X509_num(chain); i++) {
        c = sk_X509_value(chain, i);
        if (!sk_X509_push(p->res.served, c)) {
            fail(p, _("out of memory"));
            return;
        }
        X509_up_ref(c);
    }
    verify(p);
    finish(p);
}

/* ------------------------------------------------------------------ */
/* The state machine, driven by the loop */

static void on_io(struct lw_loop *loop, int fd, unsigned revents, void *ud);

static bool
watch(struct lw_tls_probe *p, unsigned events)
{
    struct lw_err err;

    if (events == p->watched)
        return true;
    if (lw_loop_watch(p->loop, p->fd, events, on_io, p, &err) != LW_OK) {
        fail(p, "%s", err.msg);
        return false;
    }
    p->watched = events;
    return true;
}

/* Why the handshake failed, in OpenSSL's words where it has some ("tlsv1
 * alert protocol version"), without its error codes. */
static void
handshake_failed(struct lw_tls_probe *p, int ssl_err)
{
    char why[200] = "";
    unsigned long e = ERR_peek_error();
    const char *reason;

    if (p->eof || p->sock_errno == ECONNRESET ||
        ssl_err == SSL_ERROR_ZERO_RETURN ||
        (ssl_err == SSL_ERROR_SYSCALL && p->sock_errno == 0)) {
        fail(p,
             _("%s port %u closed the connection during the TLS "
               "handshake"),
             p->res.addr, p->port);
        return;
    }
    if (ssl_err == SSL_ERROR_SSL && e != 0) {
        reason = ERR_reason_error_string(e);
        if (reason != NULL)
            snprintf(why, sizeof(why), "%s", reason);
        else
            ERR_error_string_n(e, why, sizeof(why));
    } else if (ssl_err == SSL_ERROR_SYSCALL) {
        snprintf(why, sizeof(why), "%s", strerror(p->sock_errno));
    } else {
        snprintf(why, sizeof(why), "SSL_get_error %d", ssl_err);
    }
    fail(p, _("TLS handshake with %s port %u failed: %s"), p->res.addr, p->port,
         why);
}

static void
step(struct lw_tls_probe *p)
{
    int rc, e;

    ERR_clear_error();
    rc = SSL_do_handshake(p->ssl);
    if (rc == 1) {
        handshake_done(p);
        return;
    }
    e = SSL_get_error(p->ssl, rc);
    if (e == SSL_ERROR_WANT_READ)
        watch(p, LW_IO_READ);
    else if (e == SSL_ERROR_WANT_WRITE)
        watch(p, LW_IO_WRITE);
    else
        handshake_failed(p, e);
}

static void
start_tls(struct lw_tls_probe *p)
{
    BIO_METHOD *m = bio_method();
    BIO *bio;

    p->ssl = SSL_new(p->ctx);
    bio = m != NULL ? BIO_new(m) : NULL;
    if (p->ssl == NULL || bio == NULL) {
        BIO_free(bio);
        fail(p, _("cannot set up TLS for %s port %u"), p->res.addr, p->port);
        return;
    }
    BIO_set_data(bio, p);
    SSL_set_bio(p->ssl, bio, bio);
    SSL_set_connect_state(p->ssl);
    if (p->sni != NULL && !SSL_set_tlsext_host_name(p->ssl, p->sni)) {
        fail(p, _("cannot set the server name %s for TLS"), p->sni);
        return;
    }
    p->phase = PH_HANDSHAKE;
    step(p);
}

static void
on_io(struct lw_loop *loop, int fd, unsigned revents, void *ud)
{
    struct lw_tls_probe *p = ud;
    int so_err = 0;
    socklen_t len = sizeof(so_err);

    (void)loop;
    (void)revents;
    if (p->phase == PH_HANDSHAKE) {
        step(p);
        return;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_err, &len) != 0)
        so_err = errno;
    if (so_err != 0) {
        fail(p, _("cannot connect to %s port %u: %s"), p->res.addr, p->port,
             strerror(so_err));
        return;
    }
    p->res.connected = true;
    start_tls(p);
}

static void
on_timer(struct lw_loop *loop, void *ud)
{
    struct lw_tls_probe *p = ud;
    char secs[32];

    (void)loop;
    p->timer = NULL;
    if (p->phase == PH_FAILED) { /* failed in lw_tls_probe_start */
        finish(p);
        return;
    }
    snprintf(secs, sizeof(secs), "%g", (double)p->timeout_ms / 1000.0);
    if (p->phase == PH_CONNECT)
        fail(p, _("%s port %u accepted no connection within %s s"), p->res.addr,
             p->port, secs);
    else
        fail(p, _("no TLS answer within %s s from %s port %u"), secs,
             p->res.addr, p->port);
}

/* ------------------------------------------------------------------ */
/* Starting */

/* The shared trust store: loading the system bundle costs tens of
 * milliseconds of CPU, which must not be spent once per probe on the
 * loop.  One entry, keyed by the CA file and its identity on disk, so a
 * rerun in the same process sees an edited file. */
static struct {
    X509_STORE *store;
    char *ca_file; /* NULL: the system's trust only */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} trust;

void
lw_tls_trust_release(void)
{
    X509_STORE_free(trust.store);
    free(trust.ca_file);
    memset(&trust, 0, sizeof(trust));
}

static bool
trust_matches(const char *ca_file, const struct stat *sb)
{
    if (trust.store == NULL)
        return false;
    if (ca_file == NULL || trust.ca_file == NULL)
        return ca_file == NULL && trust.ca_file == NULL;
    return strcmp(ca_file, trust.ca_file) == 0 && sb->st_dev == trust.dev &&
           sb->st_ino == trust.ino && sb->st_size == trust.size &&
           sb->st_mtim.tv_sec == trust.mtime.tv_sec &&
           sb->st_mtim.tv_nsec == trust.mtime.tv_nsec;
}

enum lw_status
lw_tls_trust_store(const char *ca_file, X509_STORE **out, struct lw_err *err)
{
    X509_STORE *store = NULL;
    struct stat sb;
    char shown[160], *copy = NULL;

    *out = NULL;
    memset(&sb, 0, sizeof(sb));
    if (ca_file != NULL && stat(ca_file, &sb) != 0) {
        int e = errno;

        copy_clean(shown, sizeof(shown), ca_file);
        lw_err_errno(err, e, _("cannot load the CA file %s"), shown);
        goto bad_file;
    }
    if (trust_matches(ca_file, &sb)) {
        X509_STORE_up_ref(trust.store);
        *out = trust.store;
        return LW_OK;
    }
    store = X509_STORE_new();
    if (store == NULL ||
        (ca_file != NULL && (copy = strdup(ca_file)) == NULL)) {
        X509_STORE_free(store);
        return lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
    }
    /* A missing system bundle is not an error: ca_file may be enough. */
    X509_STORE_set_default_paths(store);
    ERR_clear_error();
    if (ca_file != NULL && !X509_STORE_load_locations(store, ca_file, NULL)) {
        X509_STORE_free(store);
        free(copy);
        copy_clean(shown, sizeof(shown), ca_file);
        lw_err_openssl(err, _("cannot load the CA file %s"), shown);
        goto bad_file;
    }
    lw_tls_trust_release();
    trust.store = store;
    trust.ca_file = copy;
    trust.dev = sb.st_dev;
    trust.ino = sb.st_ino;
    trust.size = sb.st_size;
    trust.mtime = sb.st_mtim;
    X509_STORE_up_ref(store);
    *out = store;
    return LW_OK;

bad_file:
    lw_err_hint(err, _("Check the path given with --ca-file; the file "
                       "must hold PEM certificates."));
    if (err != NULL)
        err->status = LW_ERR_INPUT;
    return LW_ERR_INPUT;
}

static enum lw_status
setup_tls(struct lw_tls_probe *p, const char *ca_file, struct lw_err *err)
{
    p->ctx = SSL_CTX_new(TLS_client_method());
    if (p->ctx == NULL ||
        !SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION))
        return lw_err_openssl(err, _("cannot set up TLS"));
    SSL_CTX_set_verify(p->ctx, SSL_VERIFY_NONE, NULL);
    return lw_tls_trust_store(ca_file, &p->store, err);
}

enum lw_status
lw_tls_probe_start(struct lw_loop *loop, const struct lw_tls_req *req,
                   lw_tls_cb cb, void *ud, struct lw_tls_probe **out,
                   struct lw_err *err)
{
    struct lw_tls_probe *p = NULL;
    struct addrinfo hints, *ai = NULL;
    char port[8], shown[64];
    unsigned char bin[16];
    enum lw_status st = LW_OK;
    int rc, e;

    if (out != NULL)
        *out = NULL;
    if (req == NULL || req->addr == NULL || cb == NULL || req->port > 65535)
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("lw_tls_probe: no address, a bad port or no "
                            "callback"));
    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
    p->loop = loop;
    p->cb = cb;
    p->ud = ud;
    p->fd = -1;
    p->port = req->port != 0 ? req->port : 443;
    p->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS;
    p->res.verify = X509_V_ERR_UNSPECIFIED;
    p->res.verify_depth = -1;
    copy_clean(p->res.addr, sizeof(p->res.addr), req->addr);

    /* Numeric only: resolving here would block the loop. */
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%u", p->port);
    if (getaddrinfo(req->addr, port, &hints, &ai) != 0 || ai == NULL) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        _("\"%s\" is not a numeric IP address"), p->res.addr);
        goto out;
    }
    /* RFC 6066: no addresses in SNI. */
    if (req->sni != NULL && *req->sni != '\0' &&
        inet_pton(AF_INET, req->sni, bin) != 1 &&
        inet_pton(AF_INET6, req->sni, bin) != 1) {
        if (strlen(req->sni) > 253) {
            copy_clean(shown, sizeof(shown), req->sni);
            st = lw_err_set(err, LW_ERR_INPUT,
                            _("the server name %s... is too long"), shown);
            goto out;
        }
        p->sni = strdup(req->sni);
        if (p->sni == NULL) {
            st = lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
            goto out;
        }
    }
    st = setup_tls(p, req->ca_file, err);
    if (st != LW_OK)
        goto out;

    p->fd =
        socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd < 0) {
        e = errno;
        st =
            lw_err_errno(err, e, _("cannot open a socket for %s"), p->res.addr);
        goto out;
    }
    /* The clock starts with the network part: loading the trust store
     * above is not the server's time. */
    p->start_ms = now_ms();
    p->timer = lw_loop_timer(loop, p->timeout_ms, on_timer, p);
    if (p->timer == NULL) {
        st = lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
        goto out;
    }
    rc = connect(p->fd, ai->ai_addr, ai->ai_addrlen);
    e = rc != 0 ? errno : 0;
    if (rc != 0 && e != EINPROGRESS) {
        /* Refused or unreachable at once: still answered from the loop. */
        snprintf(p->res.error, sizeof(p->res.error),
                 _("cannot connect to %s port %u: %s"), p->res.addr, p->port,
                 strerror(e));
        p->phase = PH_FAILED;
        lw_loop_timer_cancel(loop, p->timer);
        p->timer = lw_loop_timer(loop, 0, on_timer, p);
        if (p->timer == NULL) {
            st = lw_err_set(err, LW_ERR_NOMEM, _("out of memory"));
            goto out;
        }
    } else {
        /* Connected (at once, or later): writable either way. */
        p->phase = PH_CONNECT;
        if (lw_loop_watch(loop, p->fd, LW_IO_WRITE, on_io, p, err) != LW_OK) {
            st = err != NULL ? err->status : LW_ERR_INTERNAL;
            goto out;
        }
        p->watched = LW_IO_WRITE;
    }
    if (out != NULL)
        *out = p;
    p = NULL;
out:
    if (ai != NULL)
        freeaddrinfo(ai);
    if (p != NULL)
        probe_free(p);
    return st;
}

enum lw_status
lw_tls_probe(struct lw_loop *loop, const struct lw_tls_req *req, lw_tls_cb cb,
             void *ud, struct lw_err *err)
{
    return lw_tls_probe_start(loop, req, cb, ud, NULL, err);
}

void
lw_tls_probe_cancel(struct lw_tls_probe *probe)
{
    /* From its own callback: it is freed as soon as that returns. */
    if (probe == NULL || probe->in_callback)
        return;
    probe_free(probe);
}
