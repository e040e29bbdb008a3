/* testpki.h - a small in-memory PKI and temp-file helpers for unit tests.
 *
 * Linked into every unit test program.  Nothing here reports errors to
 * the caller: any failure prints why on stderr and aborts the test
 * program, so tests can use the results directly.  Everything returned is
 * owned by the caller (EVP_PKEY_free, X509_free, free).
 *
 * Typical use:
 *
 *     struct tp_pki pki;
 *     tp_pki_make(&pki, "link.example.com", NULL);   root, int, leaf
 *     char *dir = tp_tmpdir();
 *     char *ca = tp_write_certs(dir, "root.pem", TP_PEM, pki.root, NULL);
 *     char *crt = tp_write_certs(dir, "chain.pem", TP_PEM,
 *                                pki.leaf, pki.inter, NULL);
 *     ... lw_cert_import(... ca_file = ca ...) ...
 *     free(ca); free(crt); tp_rmtree(dir); tp_pki_free(&pki);
 */
#ifndef LW_TESTPKI_H
#define LW_TESTPKI_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lw/buf.h"

/* Keys.  RSA of bits; EC on "P-256" or "P-384". */
EVP_PKEY *tp_key_rsa(unsigned bits);
EVP_PKEY *tp_key_ec(const char *curve);

/* One certificate.  days_before/days_after place notBefore/notAfter
 * relative to now (notBefore = now - days_before days, notAfter = now +
 * days_after days; negative values move them the other way, e.g.
 * {-1, 30} is not yet valid, {30, -1} has expired).  sans is a
 * NULL-terminated list of DNS names (NULL: no subjectAltName); cn may be
 * NULL (no CN).  ca: basicConstraints CA:TRUE and keyCertSign, else a TLS
 * server leaf (serverAuth).  Signed (SHA-256) by issuer_key with issuer
 * as the issuer name; issuer NULL = self-signed with key. */
struct tp_cert_spec {
    const char *cn;
    const char *const *sans;
    long days_before;
    long days_after;
    bool ca;
};
X509 *tp_cert(const struct tp_cert_spec *spec, EVP_PKEY *key, X509 *issuer,
              EVP_PKEY *issuer_key);

/* Shorthands: a root CA "Test Root CA", an intermediate signed by it,
 * and a leaf for one DNS name (CN and SAN = name), valid 1 day ago ..
 * 90 days ahead.  All keys EC P-256 (fast). */
X509 *tp_root(const char *cn, EVP_PKEY *key);
X509 *tp_inter(const char *cn, EVP_PKEY *key, X509 *issuer,
               EVP_PKEY *issuer_key);
X509 *tp_leaf(const char *name, EVP_PKEY *key, X509 *issuer,
              EVP_PKEY *issuer_key);

/* A whole PKI: root -> intermediate -> leaf for domain.  leaf_key NULL:
 * a new EC P-256 key; else a reference to the given key is taken.  Free
 * with tp_pki_free. */
struct tp_pki {
    EVP_PKEY *root_key, *inter_key, *leaf_key;
    X509 *root, *inter, *leaf;
};
void tp_pki_make(struct tp_pki *pki, const char *domain, EVP_PKEY *leaf_key);
void tp_pki_free(struct tp_pki *pki);

/* Encodings of a NULL-terminated list of certificates, appended to out:
 * TP_PEM (concatenated CERTIFICATE blocks), TP_DER (concatenated DER),
 * TP_P7_PEM / TP_P7_DER (one PKCS#7 SignedData holding them all). */
enum tp_format { TP_PEM, TP_DER, TP_P7_PEM, TP_P7_DER };
void tp_certs(struct lw_buf *out, enum tp_format fmt, ...);

/* Private key encodings appended to out.  password is used by the
 * encrypted forms only (AES-256-CBC). */
enum tp_key_format {
    TP_KEY_PKCS8,     /* -----BEGIN PRIVATE KEY----- */
    TP_KEY_PKCS8_ENC, /* -----BEGIN ENCRYPTED PRIVATE KEY----- */
    TP_KEY_TRAD,      /* -----BEGIN RSA/EC PRIVATE KEY----- */
    TP_KEY_TRAD_ENC,  /* the same with Proc-Type: 4,ENCRYPTED */
    TP_KEY_DER        /* PKCS#8 DER */
};
void tp_key_pem(struct lw_buf *out, EVP_PKEY *key, enum tp_key_format fmt,
                const char *password);

/* A PKCS#12 (DER) of key, cert and the NULL-terminated CA list, appended
 * to out. */
void tp_p12(struct lw_buf *out, EVP_PKEY *key, X509 *cert, const char *password,
            ...);

/* Temp files.  tp_tmpdir: a new directory under /tmp (mkdtemp), path
 * malloc'd.  tp_write_file: dir/name with data (mode 0644 unless given
 * 0600 etc. via tp_write_file_mode); returns the malloc'd path.
 * tp_write_certs: tp_certs into a file.  tp_rmtree: remove dir and all
 * below it, then free(dir). */
char *tp_tmpdir(void);
char *tp_write_file(const char *dir, const char *name, const void *data,
                    size_t len);
char *tp_write_file_mode(const char *dir, const char *name, const void *data,
                         size_t len, unsigned mode);
char *tp_write_certs(const char *dir, const char *name, enum tp_format fmt,
                     ...);
void tp_rmtree(char *dir);

/* The substring test every message assertion needs, with the haystack
 * printed on failure (to stderr) to make a failing test readable. */
bool tp_contains(const char *haystack, const char *needle);

#endif
