/* tlsprobe.h - connect to one address, do a TLS handshake with SNI on the
 * event loop (non-blocking OpenSSL), and keep what the server served: the
 * chain in served order, the verify result, the protocol. */
#ifndef LW_TLSPROBE_H
#define LW_TLSPROBE_H

#include <stdbool.h>

#include <openssl/x509.h>

#include "lw/loop.h"
#include "lw/status.h"

struct lw_tls_req {
    const char *sni;     /* server name sent (the link domain) */
    const char *addr;    /* numeric address to connect to */
    unsigned port;       /* 443 */
    long timeout_ms;     /* connect + handshake */
    const char *ca_file; /* extra trust anchors, or NULL */
};

struct lw_tls_result {
    char addr[64];           /* as requested */
    bool connected;          /* TCP connected */
    bool handshake;          /* TLS 1.2+ handshake completed */
    char protocol[16];       /* "TLSv1.3" */
    STACK_OF(X509) *served;  /* as served, leaf first if the server is
                                right; NULL when no handshake */
    long verify;             /* X509_V_OK or the error of verifying the
                                served chain against system + ca_file */
    char verify_error[160];
    char error[256];         /* why the connection or handshake failed */
    long elapsed_ms;
};

/* The result is valid only during the callback (the caller copies what
 * it keeps: X509_up_ref). */
typedef void (*lw_tls_cb)(void *ud, const struct lw_tls_result *res);

/* Start a probe; the callback runs exactly once, from the loop.  Never
 * blocks; a silent server costs timeout_ms. */
enum lw_status lw_tls_probe(struct lw_loop *loop, const struct lw_tls_req *req,
                            lw_tls_cb cb, void *ud, struct lw_err *err);

#endif
