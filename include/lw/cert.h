/* cert.h - certificates as operators receive them.
 *
 * Reads PEM (several certificates in any order, CRLF, a UTF-8 BOM, text
 * around the blocks), PKCS#7 (PEM or DER) and DER; refuses with a precise
 * message what is not a certificate chain (a private key, an encrypted key,
 * a PKCS#12 file, a CSR).  The chain kept is leaf first, without the root. */
#ifndef LW_CERT_H
#define LW_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lw/buf.h"
#include "lw/status.h"

struct lw_chain {
    STACK_OF(X509) *certs; /* leaf first, intermediates, no root */
    bool reordered;        /* input was not leaf first */
    bool dropped_root;     /* a self-signed root was in the input */
    unsigned dropped_other; /* certificates not on the leaf's issuer path
                               (unrelated, or a root not reached) */
    time_t not_before;     /* of the leaf */
    time_t not_after;
};

/* Every certificate in data, in input order (name, e.g. the file path, is
 * only used in messages).  Refusals (a key, an encrypted key, PKCS#12, a
 * CSR, nothing found, a damaged block) are LW_ERR_INPUT.  *out owned by
 * the caller (sk_X509_pop_free(.., X509_free)). */
enum lw_status lw_cert_parse(const void *data, size_t len, const char *name,
                             STACK_OF(X509) **out, struct lw_err *err);

struct lw_cert_expect {
    EVP_PKEY *key;       /* the certificate must match this key (or NULL) */
    const char *domain;  /* and cover this name (or NULL) */
    const char *ca_file; /* extra trust anchors (or NULL) */
    time_t now;          /* 0 = time(NULL) */
    const char *key_name; /* where the key lives, for messages (or NULL) */
};

/* Parse, order leaf first, drop the root, and validate against expect:
 * key match (else both public-key fingerprints), names (else the names it
 * covers), dates (else both dates), chain verification against the system
 * store plus ca_file (else "append the intermediate certificates from your
 * CA").  The leaf is the certificate that issued no other one (and matches
 * expect->key when given); the chain follows issuer links from it, so
 * certificates off that path are left out (dropped_other).  expect may be
 * NULL (no key or name check; dates and the chain are still checked).
 * Refusals are LW_ERR_INPUT (LW_ERR_CRYPTO when OpenSSL itself fails).
 * out is filled only on LW_OK; free with lw_chain_free. */
enum lw_status lw_cert_import(const void *data, size_t len, const char *name,
                              const struct lw_cert_expect *expect,
                              struct lw_chain *out, struct lw_err *err);
void lw_chain_free(struct lw_chain *chain);

/* The chain as PEM: LF line endings, leaf first. */
enum lw_status lw_chain_to_pem(const struct lw_chain *chain,
                               struct lw_buf *out, struct lw_err *err);

/* RFC 6125 name match against the subjectAltName DNS names only: a
 * wildcard only as the whole left-most label, never matching a dot or a
 * public suffix's child directly ("*.com"). */
bool lw_cert_covers(X509 *cert, const char *domain);
/* The SAN DNS names, ", "-separated, into out (for messages). */
void lw_cert_names(X509 *cert, struct lw_buf *out);
/* SHA-256 of the certificate DER, "AB:CD:...". */
void lw_cert_fingerprint(X509 *cert, char out[96]);
/* notBefore / notAfter as time_t. */
bool lw_cert_times(X509 *cert, time_t *not_before, time_t *not_after);
/* One line for people: "CN=…, issued by CN=…" with untrusted text made
 * printable. */
void lw_cert_describe(X509 *cert, struct lw_buf *out);

#endif
