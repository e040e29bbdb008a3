/* cloudfront.h - the CloudFront method (DESIGN.md, "Amazon CloudFront").
 *
 * linkwiz never calls AWS: it prepares what the operator needs, exactly
 * right, and shows it.  This module validates what the operator copies
 * from AWS (the ACM certificate ARN, the distribution's domain), applies
 * the provider's key rule, builds the distribution config (JSON, through
 * jansson), splits the certificate chain into the files ACM wants, and
 * writes the commands and console steps for people.
 *
 * Two ways to the certificate, chosen by the answers (DESIGN.md's format,
 * no new key):
 *   import  - `certificate:` given (or one already installed here): the key
 *             and CSR are made here as for NGINX, the CA's chain is
 *             validated, and the leaf, the chain and the key are imported
 *             into ACM with `aws acm import-certificate`;
 *   request - no certificate given or installed, but
 *             `cloudfront.acm_certificate_arn` given: the operator
 *             requested the certificate in ACM (us-east-1, DNS
 *             validation); no key or CSR is made, and no key leaves AWS
 *             (lw_cloudfront_acm_requested). */
#ifndef LW_CLOUDFRONT_H
#define LW_CLOUDFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "lw/answers.h"
#include "lw/buf.h"
#include "lw/cert.h"
#include "lw/install.h"
#include "lw/state.h"
#include "lw/status.h"

/* CloudFront only uses ACM certificates of this region. */
#define LW_CF_ACM_REGION "us-east-1"
/* The viewer-side minimum TLS version written to the config (see
 * cloudfront.c for why it is not the origin's "TLSv1.2"). */
#define LW_CF_VIEWER_MIN_PROTOCOL "TLSv1.2_2021"
#define LW_CF_ORIGIN_SSL_PROTOCOL "TLSv1.2"
/* Where the files for ACM and the distribution config go. */
#define LW_CF_DIR "/var/lib/linkwiz/cloudfront/"
/* The path of the tracked-link probe: what the provider's links look
 * like (/e/c/<payload>/<token>), with a token no real link has. */
#define LW_CF_PROBE_PATH "/e/c/bGlua3dpeg/linkwiz-host-probe"

/* True when s is a CloudFront distribution's domain as the console shows
 * it: "d" + 13 or 14 of [a-z0-9] + ".cloudfront.net", lower case. */
bool lw_cloudfront_dist_valid(const char *s);
/* The same with a message: LW_ERR_INPUT "\"…\" is not a CloudFront
 * distribution domain …" (the value sanitized) and a hint. */
enum lw_status lw_cloudfront_check_dist(const char *s, struct lw_err *err);

/* An ACM certificate ARN CloudFront can use:
 * arn:aws:acm:us-east-1:<12 digits>:certificate/<uuid, lower-case hex>.
 * Another region is LW_ERR_INPUT with the reason (CloudFront only uses
 * us-east-1 certificates); any other form LW_ERR_INPUT naming the form.
 * The value is shown sanitized and bounded. */
enum lw_status lw_cloudfront_check_arn(const char *arn, struct lw_err *err);

/* The link domain for CloudFront: a zone apex is refused (LW_ERR_INPUT):
 * the DNS step is a CNAME, which cannot live at the apex.  domain must be
 * normalized. */
enum lw_status lw_cloudfront_check_domain(const char *domain,
                                          struct lw_err *err);

/* The provider's key rule for a certificate's (or key's) public key:
 * RSA 2048: LW_OK, warn[0] = '\0'.  RSA larger than 2048, or EC: LW_OK
 * with a warning sentence in warn (the guide's limit explained).  RSA
 * under 2048: LW_ERR_INPUT.  Any other kind: LW_ERR_INPUT.  warn may be
 * NULL. */
enum lw_status lw_cloudfront_key_rule(EVP_PKEY *key, char *warn,
                                      size_t warnlen, struct lw_err *err);

/* True when the saved setup took the request path (see above): method
 * cloudfront, an ARN, and no key or certificate made or installed here. */
bool lw_cloudfront_acm_requested(const struct lw_state *s);

/* Run-time paths of the CloudFront files of one domain. */
struct lw_cf_paths {
    char json[LW_PATH_MAX];  /* /var/lib/linkwiz/cloudfront/<d>.json */
    char leaf[LW_PATH_MAX];  /* …/<d>.leaf.pem: the certificate alone */
    char chain[LW_PATH_MAX]; /* …/<d>.chain.pem: intermediates, no root */
};
/* Fill p for a normalized domain (LW_ERR_INPUT otherwise). */
enum lw_status lw_cloudfront_paths(const char *domain, struct lw_cf_paths *p,
                                   struct lw_err *err);

/* The two PEM files ACM wants from a validated chain (leaf first, no
 * root): the leaf alone into leaf, the intermediates into chain (empty
 * when the leaf was issued by a root directly).  Appends. */
enum lw_status lw_cloudfront_split_chain(const struct lw_chain *chain,
                                         struct lw_buf *leaf,
                                         struct lw_buf *inter,
                                         struct lw_err *err);

/* What the distribution config is made from. */
struct lw_cf_params {
    const char *domain;      /* the link domain (the only alias) */
    const char *origin;      /* the region's tracking host */
    unsigned origin_port;    /* its HTTPS port (0 = 443) */
    const char *acm_arn;     /* the certificate (validated ARN) */
    time_t now;              /* for the caller reference (0 = time()) */
    const char *caller_reference; /* keep this one (a rerun that changes
                                     nothing else), or NULL: a new one */
};

/* The CallerReference of a config written before for domain (its text:
 * data, len), when it is one linkwiz made ("linkwiz-<domain>-…"); NULL
 * otherwise.  Free the result. */
char *lw_cloudfront_old_reference(const char *data, size_t len,
                                  const char *domain);

/* The DistributionConfig for `aws cloudfront create-distribution
 * --distribution-config file://…`, as pretty-printed JSON ending in a
 * newline, built with jansson: one custom origin (the tracking host,
 * https-only, TLSv1.2), all seven methods (GET/HEAD cached), legacy cache
 * settings forwarding all headers, query strings and cookies, TTLs 0,
 * viewer protocol allow-all, the domain as the only alias, the ACM
 * certificate (sni-only, TLSv1.2_2021), enabled, caller reference
 * "linkwiz-<domain>-<YYYYmmddTHHMMSSZ>", comment "linkwiz: link tracking
 * for <domain>".  Appends to out.  LW_ERR_INPUT when a value is missing
 * or invalid (domain not normalized, ARN refused by
 * lw_cloudfront_check_arn). */
enum lw_status lw_cloudfront_config_json(const struct lw_cf_params *p,
                                         struct lw_buf *out,
                                         struct lw_err *err);

/* The commands, ready to paste (one line each, no newline). */
/* aws acm import-certificate --region us-east-1 --certificate
 * fileb://<leaf> --certificate-chain fileb://<chain> --private-key
 * fileb://<key>; without --certificate-chain when with_chain is false (a
 * leaf issued by a root directly). */
void lw_cloudfront_import_cmd(const struct lw_cf_paths *p,
                              const char *key_path, bool with_chain,
                              struct lw_buf *out);
/* aws acm request-certificate --region us-east-1 --domain-name <domain>
 * --validation-method DNS --key-algorithm RSA_2048 */
void lw_cloudfront_request_cmd(const char *domain, struct lw_buf *out);
/* aws cloudfront create-distribution --distribution-config file://<json> */
void lw_cloudfront_create_cmd(const struct lw_cf_paths *p,
                              struct lw_buf *out);

/* The console steps for operators who click (translated, lines ending
 * in newlines; the first line is not indented).  origin: the region's
 * tracking host.  Appends. */
void lw_cloudfront_console_steps(const struct lw_config *c,
                                 const char *origin, struct lw_buf *out);

/* What the operator does next, for people (translated, a "Next steps:"
 * title and numbered paragraphs ending in newlines), only what is still
 * to do: without an ARN, the import command (with_chain: the chain file
 * was written) and the request alternative (no key leaves AWS); without
 * the distribution's domain, the create-distribution command and the
 * console steps; then the DNS record "<domain> CNAME <distribution>",
 * `linkwiz check`, and the provider's Verify.  requested: the request
 * path (said so).  Appends. */
struct lw_profile;
void lw_cloudfront_next_steps(const struct lw_config *c,
                              const struct lw_profile *prof, bool requested,
                              bool with_chain, struct lw_buf *out);

/* The DNS record to create, "<domain>.  CNAME  <distribution>." (no
 * newline). */
void lw_cloudfront_dns_record(const char *domain, const char *dist,
                              struct lw_buf *out);

#endif
