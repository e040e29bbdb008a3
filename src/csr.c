/* csr.c - certificate signing requests.
 *
 * The subject is built field by field (X509_NAME_add_entry_by_txt) and the
 * subjectAltName from a GENERAL_NAME, never by parsing a string such as
 * "/O=.../CN=..." or "DNS:...": operator text with commas, slashes, plus
 * signs or quotes is stored literally and cannot add fields. */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lw/csr.h"
#include "lw/utf8.h"
#include "lw/nls.h"

/* ub-organization-name (RFC 5280) and ub-common-name. */
#define ORG_MAX 64
#define CN_MAX 64
#define DOMAIN_MAX 253

/* Characters that would make the name misleading or unprintable:
 * C0/C1 controls, DEL, and the bidirectional overrides. */
static bool
is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) ||
           (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static bool
present(const char *s)
{
    return s != NULL && *s != '\0';
}

enum lw_status
lw_subject_check(const struct lw_subject *s, struct lw_err *err)
{
    if (s == NULL)
        return LW_OK;
    if (present(s->country)) {
        const char *c = s->country;

        if (strlen(c) != 2 || !((c[0] | 0x20) >= 'a' && (c[0] | 0x20) <= 'z') ||
            !((c[1] | 0x20) >= 'a' && (c[1] | 0x20) <= 'z')) {
            lw_err_set(err, LW_ERR_INPUT, "%s",
                       _("the country must be two letters (an ISO 3166 "
                         "code such as US, DE or FR)"));
            return LW_ERR_INPUT;
        }
    }
    if (present(s->organization)) {
        const unsigned char *p = (const unsigned char *)s->organization;
        size_t n = strlen(s->organization), chars = 0;

        while (n > 0) {
            uint32_t cp;
            size_t k = lw_utf8_decode(p, n, &cp);

            if (k == 0)
                return lw_err_set(err, LW_ERR_INPUT, "%s",
                                  _("the organization is not valid UTF-8 "
                                    "text"));
            if (is_control(cp))
                return lw_err_set(err, LW_ERR_INPUT,
                                  _("the organization contains a control "
                                    "character (U+%04X) at character %zu"),
                                  (unsigned)cp, chars + 1);
            chars++;
            p += k;
            n -= k;
        }
        if (chars > ORG_MAX)
            return lw_err_set(err, LW_ERR_INPUT,
                              _("the organization has %zu characters; a "
                                "certificate allows at most %d"),
                              chars, ORG_MAX);
    }
    return LW_OK;
}

/* The domain reaches us normalized (lw_domain_parse); this only guards
 * against a caller passing something else. */
static bool
domain_plausible(const char *d)
{
    size_t n = d != NULL ? strlen(d) : 0;

    if (n == 0 || n > DOMAIN_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = d[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static bool
add_entry(X509_NAME *name, const char *field, const char *value)
{
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      (const unsigned char *)value, -1, -1,
                                      0) == 1;
}

/* The extension list holding subjectAltName = DNS:domain, built from a
 * GENERAL_NAME so no text is ever parsed. */
static STACK_OF(X509_EXTENSION) * san_extensions(const char *domain)
{
    STACK_OF(X509_EXTENSION) *exts = NULL;
    GENERAL_NAMES *names = NULL;
    GENERAL_NAME *gn = NULL;
    ASN1_IA5STRING *ia5 = NULL;
    X509_EXTENSION *ext = NULL;

    names = sk_GENERAL_NAME_new_null();
    gn = GENERAL_NAME_new();
    ia5 = ASN1_IA5STRING_new();
    if (names == NULL || gn == NULL || ia5 == NULL ||
        !ASN1_STRING_set(ia5, domain, (int)strlen(domain)))
        goto fail;
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    ia5 = NULL;
    if (!sk_GENERAL_NAME_push(names, gn))
        goto fail;
    gn = NULL;
    ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, names);
    exts = sk_X509_EXTENSION_new_null();
    if (ext == NULL || exts == NULL || !sk_X509_EXTENSION_push(exts, ext))
        goto fail;
    GENERAL_NAMES_free(names);
    return exts;
fail:
    X509_EXTENSION_free(ext);
    sk_X509_EXTENSION_free(exts);
    ASN1_IA5STRING_free(ia5);
    GENERAL_NAME_free(gn);
    GENERAL_NAMES_free(names);
    return NULL;
}

enum lw_status
lw_csr_make(EVP_PKEY *key, const char *domain, const struct lw_subject *subject,
            struct lw_buf *out, struct lw_err *err)
{
    STACK_OF(X509_EXTENSION) *exts = NULL;
    X509_REQ *req = NULL;
    X509_NAME *name = NULL;
    BIO *bio = NULL;
    enum lw_status st;
    char *pem;
    long n;

    if (!domain_plausible(domain))
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("cannot make a certificate signing request: "
                            "the domain is not a normalized host name"));
    st = lw_subject_check(subject, err);
    if (st != LW_OK)
        return st;
    req = X509_REQ_new();
    name = X509_NAME_new();
    if (req == NULL || name == NULL || !X509_REQ_set_version(req, 0)) {
        st = lw_err_openssl(err, "%s",
                            _("cannot make a certificate signing request"));
        goto out;
    }
    if (subject != NULL && present(subject->country)) {
        char c[3] = {subject->country[0], subject->country[1], '\0'};

        /* Stored upper case: "us" and "US" mean the same country. */
        for (int i = 0; i < 2; i++)
            if (c[i] >= 'a' && c[i] <= 'z')
                c[i] = (char)(c[i] - 'a' + 'A');
        if (!add_entry(name, "C", c)) {
            st = lw_err_openssl(err, "%s",
                                _("cannot put the country in the request"));
            goto out;
        }
    }
    if (subject != NULL && present(subject->organization) &&
        !add_entry(name, "O", subject->organization)) {
        st = lw_err_openssl(err, "%s",
                            _("cannot put the organization in the request"));
        goto out;
    }
    /* A CN is limited to 64 characters; longer names live in the SAN only
     * (which is all that certificate checks look at anyway). */
    if (strlen(domain) <= CN_MAX && !add_entry(name, "CN", domain)) {
        st = lw_err_openssl(err, "%s",
                            _("cannot put the domain in the request"));
        goto out;
    }
    exts = san_extensions(domain);
    if (!X509_REQ_set_subject_name(req, name) || exts == NULL ||
        !X509_REQ_add_extensions(req, exts) || !X509_REQ_set_pubkey(req, key) ||
        X509_REQ_sign(req, key, EVP_sha256()) <= 0) {
        st = lw_err_openssl(err, "%s",
                            _("cannot sign the certificate signing request"));
        goto out;
    }
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL || !PEM_write_bio_X509_REQ(bio, req) ||
        (n = BIO_get_mem_data(bio, &pem)) <= 0) {
        st = lw_err_openssl(err, "%s",
                            _("cannot write the certificate signing request"));
        goto out;
    }
    lw_buf_append(out, pem, (size_t)n);
    st = lw_buf_status(out, err);
out:
    BIO_free(bio);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_NAME_free(name);
    X509_REQ_free(req);
    return st;
}

/* The request's CN is domain (when it has one) and its SAN lists it. */
static bool
names_match(X509_REQ *req, const char *domain)
{
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    GENERAL_NAMES *names = NULL;
    X509_NAME *subj = X509_REQ_get_subject_name(req);
    bool in_san = false;
    int i;

    i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    if (i >= 0) {
        const ASN1_STRING *cn =
            X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));

        if ((size_t)ASN1_STRING_length(cn) != strlen(domain) ||
            strncasecmp((const char *)ASN1_STRING_get0_data(cn), domain,
                        strlen(domain)) != 0)
            goto out;
    }
    if (exts != NULL)
        names = X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);
    for (i = 0; names != NULL && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        const ASN1_STRING *s;

        if (gn->type != GEN_DNS)
            continue;
        s = gn->d.dNSName;
        if ((size_t)ASN1_STRING_length(s) == strlen(domain) &&
            strncasecmp((const char *)ASN1_STRING_get0_data(s), domain,
                        strlen(domain)) == 0)
            in_san = true;
    }
out:
    GENERAL_NAMES_free(names);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    return in_san;
}

enum lw_status
lw_csr_matches_key(const void *pem, size_t len, EVP_PKEY *key,
                   const char *domain, struct lw_err *err)
{
    X509_REQ *req = NULL;
    EVP_PKEY *pub;
    BIO *bio = NULL;
    enum lw_status st = LW_OK;

    if (len >= 3 && memcmp(pem, "\xEF\xBB\xBF", 3) == 0) {
        pem = (const char *)pem + 3;
        len -= 3;
    }
    if (len > (size_t)INT_MAX)
        return lw_err_set(err, LW_ERR_INPUT, "%s",
                          _("no certificate signing request found"));
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return lw_err_openssl(err, "%s",
                              _("cannot read the certificate signing "
                                "request"));
    req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
    if (req == NULL) {
        ERR_clear_error();
        st = lw_err_set(err, LW_ERR_INPUT, "%s",
                        _("no certificate signing request found"));
        goto out;
    }
    pub = X509_REQ_get0_pubkey(req);
    if (pub == NULL || X509_REQ_verify(req, pub) <= 0) {
        ERR_clear_error();
        st = lw_err_set(err, LW_ERR_INPUT, "%s",
                        _("the certificate signing request is damaged: its "
                          "signature does not verify"));
        goto out;
    }
    if (key != NULL && EVP_PKEY_eq(pub, key) != 1) {
        ERR_clear_error();
        st = lw_err_set(err, LW_ERR_INPUT, "%s",
                        _("the certificate signing request was made with "
                          "another private key"));
        goto out;
    }
    if (domain != NULL && !names_match(req, domain)) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        _("the certificate signing request is not for %s"),
                        domain);
        goto out;
    }
out:
    X509_REQ_free(req);
    BIO_free(bio);
    return st;
}
