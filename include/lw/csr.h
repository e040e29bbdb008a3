/* csr.h - certificate signing requests. */
#ifndef LW_CSR_H
#define LW_CSR_H

#include <openssl/evp.h>

#include "lw/buf.h"
#include "lw/status.h"

struct lw_subject {
    const char *organization; /* O, UTF-8, or NULL */
    const char *country;      /* C, two letters (ISO 3166), or NULL */
};

/* Check the optional subject fields: country two ASCII letters (upper
 * case is stored), organization 1..64 characters of printable UTF-8. */
enum lw_status lw_subject_check(const struct lw_subject *s,
                                struct lw_err *err);

/* A CSR for domain (normalized), signed with key (SHA-256): CN = domain,
 * subjectAltName = DNS:domain, plus O and C when given.  PEM appended to
 * out. */
enum lw_status lw_csr_make(EVP_PKEY *key, const char *domain,
                           const struct lw_subject *subject,
                           struct lw_buf *out, struct lw_err *err);

/* The public key of a PEM CSR matches key (used to reuse a CSR). */
enum lw_status lw_csr_matches_key(const void *pem, size_t len, EVP_PKEY *key,
                                  const char *domain, struct lw_err *err);

#endif
