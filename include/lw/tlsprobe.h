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
    const char *sni;     /* server name sent (the link domain); NULL or
                            an address: none sent */
    const char *addr;    /* numeric address to connect to */
    unsigned port;       /* 443 (0 means 443) */
    long timeout_ms;     /* connect + handshake (<= 0: 5000) */
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
                                served chain against system + ca_file
                                (purpose sslserver, no name check);
                                X509_V_ERR_UNSPECIFIED when no handshake */
    char verify_error[160];  /* OpenSSL's words for verify ("" when ok) */
    int verify_depth;        /* where verify failed (0 = leaf), or -1 */
    char error[256];         /* why the connection or handshake failed */
    long elapsed_ms;
};

/* The result is valid only during the callback (the caller copies what
 * it keeps: X509_up_ref). */
typedef void (*lw_tls_cb)(void *ud, const struct lw_tls_result *res);

/* Start a probe; the callback runs exactly once, from the loop (never
 * from inside this call).  Never blocks; a silent server costs
 * timeout_ms.  Errors returned here (nothing started, no callback): addr
 * not numeric, an unreadable ca_file (LW_ERR_INPUT), no memory.  Network
 * failures, even immediate ones, arrive through the callback. */
enum lw_status lw_tls_probe(struct lw_loop *loop, const struct lw_tls_req *req,
                            lw_tls_cb cb, void *ud, struct lw_err *err);

struct lw_tls_probe;

/* lw_tls_probe that also hands back the probe (out may be NULL), valid
 * until its callback returns or lw_tls_probe_cancel. */
enum lw_status lw_tls_probe_start(struct lw_loop *loop,
                                  const struct lw_tls_req *req, lw_tls_cb cb,
                                  void *ud, struct lw_tls_probe **out,
                                  struct lw_err *err);
/* Stop a probe whose callback has not run: the connection is closed, the
 * loop forgets it, the callback never runs.  Inside its own callback it
 * does nothing (the probe is freed when the callback returns). */
void lw_tls_probe_cancel(struct lw_tls_probe *probe);

/* The trust that probes and HTTPS (with a CA file) verify against: the
 * system's default paths plus ca_file's certificates (NULL: none).
 * Built once and shared while ca_file stays the same file, unchanged
 * (the system bundle costs tens of ms to load).  Hands back a new
 * reference (X509_STORE_free); an unreadable ca_file is LW_ERR_INPUT
 * naming it, with a hint. */
enum lw_status lw_tls_trust_store(const char *ca_file, X509_STORE **out,
                                  struct lw_err *err);
/* Drop the shared store (optional, e.g. before exit: leak checkers). */
void lw_tls_trust_release(void);

#endif
