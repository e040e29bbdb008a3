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

/* Check the optional subject fields (NULL or "" = absent): country two
 * ASCII letters (upper case is stored), organization 1..64 characters of
 * UTF-8 without control characters.  LW_ERR_INPUT naming what is wrong. */
enum lw_status lw_subject_check(const struct lw_subject *s,
                                struct lw_err *err);

/* A CSR for domain (normalized), signed with key (SHA-256): CN = domain
 * (left out when longer than the 64 characters a CN allows),
 * subjectAltName = DNS:domain, plus O and C when given.  PEM appended to
 * out. */
enum lw_status lw_csr_make(EVP_PKEY *key, const char *domain,
                           const struct lw_subject *subject,
                           struct lw_buf *out, struct lw_err *err);

/* LW_OK when the PEM CSR's signature verifies, its public key is key and
 * its CN (if any) and a SAN DNS name are domain (used to reuse a CSR);
 * otherwise LW_ERR_INPUT saying which.  key or domain NULL: not checked. */
enum lw_status lw_csr_matches_key(const void *pem, size_t len, EVP_PKEY *key,
                                  const char *domain, struct lw_err *err);

#endif
