/* cert.c - certificate chains as operators receive them from their CA.
 *
 * Everything read here is untrusted: file names and certificate fields
 * are made printable and bounded before they reach a message. */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpsl.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "lw/cert.h"
#include "lw/utf8.h"
#include "lw/keygen.h"
#include "lw/nls.h"

#define CERTS_MAX 64  /* more is a CA bundle given by mistake */
#define NAME_SHOWN 64 /* characters of a CN shown */
#define SAN_SHOWN 10  /* names listed in a message */
#define QUOTE_MAX 1024 /* bytes of a file name shown (escapes take 4) */

/* ---- text for people ---------------------------------------------- */

/* Append s (n bytes, untrusted) to out: control characters, bidi
 * overrides and bytes that are not UTF-8 become '?'; after max characters
 * the rest is replaced by "...". */
static void
put_printable(struct lw_buf *out, const unsigned char *s, size_t n, size_t max)
{
    size_t chars = 0;

    while (n > 0) {
        uint32_t cp = 0;
        size_t k = lw_utf8_decode(s, n, &cp);

        if (chars++ == max) {
            lw_buf_puts(out, "...");
            return;
        }
        if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
            (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
            lw_buf_putc(out, '?');
            k = k == 0 ? 1 : k;
        } else {
            lw_buf_append(out, s, k);
        }
        s += k;
        n -= k;
    }
}

/* A file name for a message, into dst (QUOTE_MAX bytes). */
static const char *
quote(char *dst, const char *name)
{
    struct lw_buf b = LW_BUF_INIT;

    if (name == NULL)
        name = "";
    put_printable(&b, (const unsigned char *)name, strlen(name),
                  QUOTE_MAX / 4 - 4);
    snprintf(dst, QUOTE_MAX, "%s", lw_buf_ok(&b) && b.data ? b.data : "?");
    lw_buf_free(&b);
    return dst;
}

static const char *
str(const struct lw_buf *b)
{
    return lw_buf_ok(b) && b->data != NULL ? b->data : "";
}

/* "CN=..." (or "O=...") of a name, printable, into out. */
static void
put_name(struct lw_buf *out, const X509_NAME *name)
{
    static const struct {
        int nid;
        const char *label;
    } fields[] = {{NID_commonName, "CN="}, {NID_organizationName, "O="}};

    for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
        int i = X509_NAME_get_index_by_NID(name, fields[f].nid, -1);
        unsigned char *utf8 = NULL;
        int n;

        if (i < 0)
            continue;
        n = ASN1_STRING_to_UTF8(
            &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
        if (n < 0)
            continue;
        lw_buf_puts(out, fields[f].label);
        put_printable(out, utf8, (size_t)n, NAME_SHOWN);
        OPENSSL_free(utf8);
        return;
    }
    /* TRANSLATORS: stands for a certificate without a subject name. */
    lw_buf_puts(out, _("(no name)"));
}

void
lw_cert_describe(X509 *cert, struct lw_buf *out)
{
    struct lw_buf subj = LW_BUF_INIT, iss = LW_BUF_INIT;

    put_name(&subj, X509_get_subject_name(cert));
    put_name(&iss, X509_get_issuer_name(cert));
    /* TRANSLATORS: "CN=link.example.com, issued by CN=Some CA" */
    lw_buf_printf(out, _("%1$s, issued by %2$s"), str(&subj), str(&iss));
    lw_buf_free(&subj);
    lw_buf_free(&iss);
}

void
lw_cert_names(X509 *cert, struct lw_buf *out)
{
    GENERAL_NAMES *names;
    int shown = 0, more = 0;

    names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);

        if (gn->type != GEN_DNS)
            continue;
        if (shown == SAN_SHOWN) {
            more++;
            continue;
        }
        if (shown++ > 0)
            lw_buf_puts(out, ", ");
        put_printable(out, ASN1_STRING_get0_data(gn->d.dNSName),
                      (size_t)ASN1_STRING_length(gn->d.dNSName), 253);
    }
    if (more > 0)
        /* TRANSLATORS: ends a list of host names a certificate covers:
         * "a.example.com, b.example.com and 3 more"; mind the leading space. */
        lw_buf_printf(out, P_(" and %d more", " and %d more", more), more);
    GENERAL_NAMES_free(names);
}

void
lw_cert_fingerprint(X509 *cert, char out[96])
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    size_t o = 0;

    out[0] = '\0';
    if (!X509_digest(cert, EVP_sha256(), md, &n)) {
        ERR_clear_error();
        return;
    }
    for (unsigned i = 0; i < n && o + 3 <= 96; i++) {
        out[o++] = hex[md[i] >> 4];
        out[o++] = hex[md[i] & 0xf];
        out[o++] = ':';
    }
    out[o != 0 ? o - 1 : 0] = '\0';
}

static bool
asn1_time_t(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return false;
    *out = timegm(&tm);
    return true;
}

bool
lw_cert_times(X509 *cert, time_t *not_before, time_t *not_after)
{
    return asn1_time_t(X509_get0_notBefore(cert), not_before) &&
           asn1_time_t(X509_get0_notAfter(cert), not_after);
}

/* "2025-06-30 12:00 UTC", in the locale's date form ("30.06.2025 12:00
 * UTC" in German): people read it. */
static const char *
fmt_time(char *dst, size_t n, time_t t)
{
    lw_nls_date(t, true, dst, n);
    return dst;
}

/* ---- names (RFC 6125) --------------------------------------------- */

static bool
same_name(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && alen > 0 && strncasecmp(a, b, alen) == 0;
}

/* pattern: one SAN dNSName (not NUL-terminated, may hold anything). */
static bool
name_matches(const char *pat, size_t plen, const char *domain)
{
    size_t dlen = strlen(domain);
    const char *rest, *dot;
    size_t rlen;
    char suffix[256];

    if (memchr(pat, '\0', plen) != NULL)
        return false; /* "good.com\0.evil.com" */
    if (plen >= 2 && pat[0] == '*' && pat[1] == '.') {
        rest = pat + 2;
        rlen = plen - 2;
        /* The wildcard stands for exactly one whole label, over at least
         * two labels that are not a public suffix ("*.com", "*.co.uk"). */
        if (rlen == 0 || rlen >= sizeof(suffix) ||
            memchr(rest, '*', rlen) != NULL ||
            memchr(rest, '.', rlen) == NULL || rest[0] == '.' ||
            rest[rlen - 1] == '.')
            return false;
        memcpy(suffix, rest, rlen);
        suffix[rlen] = '\0';
        for (size_t i = 0; i < rlen; i++)
            if (suffix[i] >= 'A' && suffix[i] <= 'Z')
                suffix[i] = (char)(suffix[i] - 'A' + 'a');
        if (strstr(suffix, "..") != NULL ||
            (psl_builtin() != NULL &&
             psl_is_public_suffix2(psl_builtin(), suffix,
                                   PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE)))
            return false;
        dot = strchr(domain, '.');
        if (dot == NULL || dot == domain)
            return false;
        return same_name(rest, rlen, dot + 1,
                         dlen - (size_t)(dot + 1 - domain));
    }
    if (memchr(pat, '*', plen) != NULL)
        return false; /* partial wildcards ("f*.example.com") never match */
    return same_name(pat, plen, domain, dlen);
}

bool
lw_cert_covers(X509 *cert, const char *domain)
{
    GENERAL_NAMES *names;
    bool ok = false;

    if (cert == NULL || domain == NULL || *domain == '\0')
        return false;
    names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; !ok && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);

        if (gn->type == GEN_DNS)
            ok =
                name_matches((const char *)ASN1_STRING_get0_data(gn->d.dNSName),
                             (size_t)ASN1_STRING_length(gn->d.dNSName), domain);
    }
    GENERAL_NAMES_free(names);
    return ok;
}

/* ---- reading ------------------------------------------------------ */

/* What was seen besides certificates, to say what the file is. */
struct seen {
    bool key, enc_key, csr;
};

static bool
push_cert(STACK_OF(X509) * certs, X509 *x)
{
    if (sk_X509_num(certs) >= CERTS_MAX || !sk_X509_push(certs, x)) {
        X509_free(x);
        return false;
    }
    return true;
}

/* The certificates of a PKCS#7 SignedData, added to certs. */
static enum lw_status
p7_certs(PKCS7 *p7, STACK_OF(X509) * certs, const char *q, struct lw_err *err)
{
    STACK_OF(X509) *in = NULL;

    if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
        in = p7->d.sign->cert;
    else if (PKCS7_type_is_signedAndEnveloped(p7) &&
             p7->d.signed_and_enveloped != NULL)
        in = p7->d.signed_and_enveloped->cert;
    for (int i = 0; i < sk_X509_num(in); i++) {
        X509 *x = sk_X509_value(in, i);

        if (!X509_up_ref(x))
            return lw_err_openssl(err, _("cannot read %s"), q);
        if (!push_cert(certs, x))
            return lw_err_set(err, LW_ERR_INPUT,
                              _("%s holds more than %d certificates; give "
                                "only your certificate and its "
                                "intermediates"),
                              q, CERTS_MAX);
    }
    return LW_OK;
}

static bool
label_is(const char *label, const char *want)
{
    return strcmp(label, want) == 0;
}

static bool
label_ends(const char *label, const char *tail)
{
    size_t n = strlen(label), t = strlen(tail);

    return n >= t && strcmp(label + n - t, tail) == 0;
}

/* One PEM block: certificates go to certs, anything else is noted. */
static enum lw_status
pem_block(const char *label, const char *header, const unsigned char *der,
          long dlen, int index, STACK_OF(X509) * certs, struct seen *seen,
          const char *q, struct lw_err *err)
{
    const unsigned char *p = der;
    X509 *x = NULL;
    PKCS7 *p7;
    enum lw_status st;

    if (label_is(label, "CERTIFICATE") || label_is(label, "X509 CERTIFICATE") ||
        label_is(label, "X.509 CERTIFICATE"))
        x = d2i_X509(NULL, &p, dlen);
    else if (label_is(label, "TRUSTED CERTIFICATE"))
        x = d2i_X509_AUX(NULL, &p, dlen);
    else if (label_is(label, "PKCS7") ||
             label_is(label, "PKCS #7 SIGNED DATA") || label_is(label, "CMS")) {
        p7 = d2i_PKCS7(NULL, &p, dlen);
        if (p7 == NULL)
            return lw_err_set(err, LW_ERR_INPUT,
                              _("the PKCS#7 block %d in %s is damaged"), index,
                              q);
        st = p7_certs(p7, certs, q, err);
        PKCS7_free(p7);
        return st;
    } else {
        if (label_is(label, "ENCRYPTED PRIVATE KEY") ||
            (label_ends(label, "PRIVATE KEY") && header != NULL &&
             strstr(header, "ENCRYPTED") != NULL))
            seen->enc_key = true;
        else if (label_ends(label, "PRIVATE KEY"))
            seen->key = true;
        else if (label_ends(label, "CERTIFICATE REQUEST"))
            seen->csr = true;
        return LW_OK;
    }
    if (x == NULL)
        return lw_err_set(err, LW_ERR_INPUT,
                          _("the certificate block %d in %s is damaged"), index,
                          q);
    if (!push_cert(certs, x))
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s holds more than %d certificates; give only "
                            "your certificate and its intermediates"),
                          q, CERTS_MAX);
    return LW_OK;
}

static enum lw_status
read_pem(const void *data, size_t len, STACK_OF(X509) * certs,
         struct seen *seen, const char *q, struct lw_err *err)
{
    enum lw_status st = LW_OK;
    BIO *bio = BIO_new_mem_buf(data, (int)len);

    if (bio == NULL)
        return lw_err_openssl(err, _("cannot read %s"), q);
    for (int index = 1; st == LW_OK; index++) {
        char *label = NULL, *header = NULL;
        unsigned char *der = NULL;
        long dlen = 0;
        unsigned long e;

        ERR_set_mark();
        if (!PEM_read_bio(bio, &label, &header, &der, &dlen)) {
            e = ERR_peek_last_error();
            ERR_pop_to_mark();
            /* Running out of "-----BEGIN" lines is the normal end. */
            if (ERR_GET_LIB(e) != ERR_LIB_PEM ||
                ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
                st = lw_err_set(err, LW_ERR_INPUT,
                                _("the PEM block %d in %s is damaged (its "
                                  "base64 text or its END line)"),
                                index, q);
            break;
        }
        ERR_pop_to_mark();
        st = pem_block(label, header, der, dlen, index, certs, seen, q, err);
        OPENSSL_free(label);
        OPENSSL_free(header);
        /* The block may have been a private key. */
        OPENSSL_clear_free(der, dlen > 0 ? (size_t)dlen : 0);
    }
    BIO_free(bio);
    return st;
}

/* A binary file: DER certificate(s), PKCS#7, or what it should not be. */
static enum lw_status
read_der(const unsigned char *data, size_t len, STACK_OF(X509) * certs,
         struct seen *seen, const char *q, struct lw_err *err)
{
    const unsigned char *p = data, *end = data + len;
    enum lw_status st = LW_OK;
    PKCS12 *p12;
    PKCS7 *p7;
    X509_REQ *req;
    X509_SIG *sig;
    EVP_PKEY *key;
    X509 *x;

    ERR_set_mark();
    while (p < end && (x = d2i_X509(NULL, &p, end - p)) != NULL) {
        if (!push_cert(certs, x)) {
            st = lw_err_set(err, LW_ERR_INPUT,
                            _("%s holds more than %d certificates; give "
                              "only your certificate and its "
                              "intermediates"),
                            q, CERTS_MAX);
            goto out;
        }
    }
    if (sk_X509_num(certs) > 0) {
        if (p != end)
            st = lw_err_set(err, LW_ERR_INPUT,
                            _("%s has data that is not a certificate after "
                              "certificate %d"),
                            q, sk_X509_num(certs));
        goto out;
    }
    p = data;
    if ((p7 = d2i_PKCS7(NULL, &p, (long)len)) != NULL) {
        st = p7_certs(p7, certs, q, err);
        PKCS7_free(p7);
        goto out;
    }
    p = data;
    if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) != NULL) {
        PKCS12_free(p12);
        lw_err_set(err, LW_ERR_INPUT,
                   _("%s is a PKCS#12 file (certificate and key bundled "
                     "together); linkwiz needs the certificate chain as "
                     "PEM"),
                   q);
        lw_err_hint(err,
                    _("Convert it: openssl pkcs12 -in %1$s -clcerts -nokeys "
                      "-out cert.pem and openssl pkcs12 -in %1$s -cacerts "
                      "-nokeys -out chain.pem, then give the two joined "
                      "(cat cert.pem chain.pem > fullchain.pem)."),
                    q);
        st = LW_ERR_INPUT;
        goto out;
    }
    p = data;
    if ((req = d2i_X509_REQ(NULL, &p, (long)len)) != NULL) {
        X509_REQ_free(req);
        seen->csr = true;
        goto out;
    }
    p = data;
    if ((sig = d2i_X509_SIG(NULL, &p, (long)len)) != NULL) {
        X509_SIG_free(sig);
        seen->enc_key = true;
        goto out;
    }
    p = data;
    if ((key = d2i_AutoPrivateKey(NULL, &p, (long)len)) != NULL) {
        EVP_PKEY_free(key);
        seen->key = true;
    }
out:
    ERR_pop_to_mark();
    return st;
}

enum lw_status
lw_cert_parse(const void *data, size_t len, const char *name,
              STACK_OF(X509) * *out, struct lw_err *err)
{
    STACK_OF(X509) *certs = NULL;
    struct seen seen = {false, false, false};
    char q[QUOTE_MAX];
    enum lw_status st;

    *out = NULL;
    quote(q, name);
    /* An editor's byte order mark would hide the first "-----BEGIN". */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data = (const char *)data + 3;
        len -= 3;
    }
    if (len > (size_t)INT_MAX / 2)
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s is too large to be a certificate chain"), q);
    certs = sk_X509_new_null();
    if (certs == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    if (len > 0 && memmem(data, len, "-----BEGIN ", 11) != NULL)
        st = read_pem(data, len, certs, &seen, q, err);
    else if (len > 0)
        st = read_der(data, len, certs, &seen, q, err);
    else
        st = LW_OK;
    if (st != LW_OK || sk_X509_num(certs) > 0)
        goto out;
    if (seen.enc_key) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        _("%s contains an encrypted private key, not a "
                          "certificate: give the certificate file your CA "
                          "sent"),
                        q);
    } else if (seen.key) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        _("%s contains a private key, not a certificate: "
                          "give the certificate file your CA sent"),
                        q);
        lw_err_hint(err, "%s",
                    _("Keep the private key secret: it stays on this "
                      "server."));
    } else if (seen.csr) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        _("%s is the certificate signing request; send it "
                          "to your CA and give the certificate it returns"),
                        q);
    } else {
        st = lw_err_set(err, LW_ERR_INPUT, _("no certificate found in %s"), q);
        lw_err_hint(err, "%s",
                    _("Give the certificate file your CA sent: PEM "
                      "(\"-----BEGIN CERTIFICATE-----\"), DER or PKCS#7."));
    }
out:
    if (st != LW_OK) {
        sk_X509_pop_free(certs, X509_free);
        return st;
    }
    *out = certs;
    return LW_OK;
}

/* ---- ordering ----------------------------------------------------- */

static bool
self_signed(X509 *x)
{
    return (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
}

static bool
issued(X509 *issuer, X509 *subject)
{
    return issuer != subject && X509_check_issued(issuer, subject) == X509_V_OK;
}

struct order {
    int idx[CERTS_MAX]; /* chain, leaf first, as input indexes */
    int n;
    int root; /* input index of the dropped root, or -1 */
};

static int
pick_leaf(STACK_OF(X509) * in, EVP_PKEY *key)
{
    int n = sk_X509_num(in), best = -1;

    /* Pass 0: matches the key and issued nothing; 1: matches the key;
     * 2: issued nothing and is not a root; 3: issued nothing. */
    for (int pass = 0; pass < 4 && best < 0; pass++) {
        if (pass < 2 && key == NULL)
            continue;
        for (int i = 0; i < n && best < 0; i++) {
            X509 *x = sk_X509_value(in, i);
            bool issuer = false;

            for (int j = 0; j < n && !issuer; j++)
                issuer = issued(x, sk_X509_value(in, j));
            if (pass < 2 && EVP_PKEY_eq(X509_get0_pubkey(x), key) != 1)
                continue;
            if ((pass == 0 || pass >= 2) && issuer)
                continue;
            if (pass == 2 && self_signed(x) && n > 1)
                continue;
            best = i;
        }
    }
    ERR_clear_error(); /* EVP_PKEY_eq of different key types */
    return best < 0 ? 0 : best;
}

static void
order_chain(STACK_OF(X509) * in, EVP_PKEY *key, struct order *o)
{
    bool used[CERTS_MAX] = {false};
    int n = sk_X509_num(in), cur;

    cur = pick_leaf(in, key);
    o->n = 0;
    o->root = -1;
    o->idx[o->n++] = cur;
    used[cur] = true;
    while (!self_signed(sk_X509_value(in, cur))) {
        int next = -1;

        for (int j = 0; j < n && next < 0; j++)
            if (!used[j] &&
                issued(sk_X509_value(in, j), sk_X509_value(in, cur)))
                next = j;
        if (next < 0)
            break;
        o->idx[o->n++] = next;
        used[next] = true;
        cur = next;
    }
    /* Clients have the root; sending it only costs bytes. */
    if (o->n > 1 && self_signed(sk_X509_value(in, o->idx[o->n - 1])))
        o->root = o->idx[--o->n];
}

/* ---- checks ------------------------------------------------------- */

static enum lw_status
check_key(X509 *leaf, const struct lw_cert_expect *ex, struct lw_err *err)
{
    char cfp[LW_FINGERPRINT_MAX], kfp[LW_FINGERPRINT_MAX], q[QUOTE_MAX];
    enum lw_status st;

    if (ex->key == NULL || EVP_PKEY_eq(X509_get0_pubkey(leaf), ex->key) == 1)
        return LW_OK;
    ERR_clear_error();
    st = lw_key_fingerprint(X509_get0_pubkey(leaf), cfp, err);
    if (st == LW_OK)
        st = lw_key_fingerprint(ex->key, kfp, err);
    if (st != LW_OK)
        return st;
    if (ex->key_name != NULL)
        lw_err_set(err, LW_ERR_INPUT,
                   _("the certificate's public key %s does not match the "
                     "private key %s in %s"),
                   cfp, kfp, quote(q, ex->key_name));
    else
        lw_err_set(err, LW_ERR_INPUT,
                   _("the certificate's public key %s does not match the "
                     "private key %s"),
                   cfp, kfp);
    lw_err_hint(err, "%s",
                _("The certificate was issued for another key: give the "
                  "certificate your CA issued for the signing request made "
                  "with this key."));
    return LW_ERR_INPUT;
}

static enum lw_status
check_names(X509 *leaf, const char *domain, struct lw_err *err)
{
    struct lw_buf names = LW_BUF_INIT, desc = LW_BUF_INIT;

    if (domain == NULL || lw_cert_covers(leaf, domain))
        return LW_OK;
    lw_cert_names(leaf, &names);
    lw_cert_describe(leaf, &desc);
    if (names.len > 0)
        lw_err_set(err, LW_ERR_INPUT,
                   _("the certificate (%s) does not cover %s; it covers: %s"),
                   str(&desc), domain, str(&names));
    else
        lw_err_set(err, LW_ERR_INPUT,
                   _("the certificate (%s) does not cover %s: it lists no "
                     "DNS names in its subjectAltName"),
                   str(&desc), domain);
    lw_err_hint(err,
                _("Ask your CA for a certificate for %s: send it the "
                  "certificate signing request linkwiz made."),
                domain);
    lw_buf_free(&names);
    lw_buf_free(&desc);
    return LW_ERR_INPUT;
}

static enum lw_status
check_dates(X509 *leaf, time_t now, time_t nb, time_t na, struct lw_err *err)
{
    struct lw_buf desc = LW_BUF_INIT;
    char b[40], a[40];
    enum lw_status st = LW_OK;

    fmt_time(b, sizeof(b), nb);
    fmt_time(a, sizeof(a), na);
    lw_cert_describe(leaf, &desc);
    if (now > na) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        _("the certificate (%s) expired on %s (it was valid "
                          "from %s)"),
                        str(&desc), a, b);
        lw_err_hint(err, "%s",
                    _("Renew it with your CA and give the new "
                      "certificate."));
    } else if (now < nb) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        _("the certificate (%s) is not valid until %s (it "
                          "expires on %s)"),
                        str(&desc), b, a);
        lw_err_hint(err, "%s",
                    _("Wait until then, or check this computer's clock."));
    }
    lw_buf_free(&desc);
    return st;
}

static enum lw_status
verify_chain(STACK_OF(X509) * chain, X509 *root, const char *ca_file,
             time_t now, const char *q, struct lw_err *err)
{
    STACK_OF(X509) *untrusted = NULL;
    X509_STORE_CTX *ctx = NULL;
    X509_STORE *store = NULL;
    struct lw_buf desc = LW_BUF_INIT;
    enum lw_status st = LW_OK;
    char cq[QUOTE_MAX];
    X509 *bad;
    int code, depth;

    store = X509_STORE_new();
    ctx = X509_STORE_CTX_new();
    untrusted = sk_X509_new_null();
    if (store == NULL || ctx == NULL || untrusted == NULL ||
        !X509_STORE_set_default_paths(store)) {
        st = lw_err_openssl(err, "%s", _("cannot load the trusted roots"));
        goto out;
    }
    if (ca_file != NULL && !X509_STORE_load_file(store, ca_file)) {
        lw_err_openssl(err, _("cannot read trusted certificates from %s"),
                       quote(cq, ca_file));
        st = LW_ERR_INPUT;
        if (err != NULL)
            err->status = st;
        lw_err_hint(err, "%s",
                    _("--ca-file must name a PEM file of CA "
                      "certificates."));
        goto out;
    }
    for (int i = 1; i < sk_X509_num(chain); i++)
        if (!sk_X509_push(untrusted, sk_X509_value(chain, i)))
            goto nomem;
    /* With the root offered, an untrusted root is reported as such rather
     * than as a missing issuer. */
    if (root != NULL && !sk_X509_push(untrusted, root))
        goto nomem;
    if (!X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), untrusted))
        goto nomem;
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), now);
    if (X509_verify_cert(ctx) == 1)
        goto out;
    code = X509_STORE_CTX_get_error(ctx);
    depth = X509_STORE_CTX_get_error_depth(ctx);
    bad = X509_STORE_CTX_get_current_cert(ctx);
    if (bad == NULL)
        bad = sk_X509_value(chain, 0);
    lw_cert_describe(bad, &desc);
    ERR_clear_error();
    st = lw_err_set(err, LW_ERR_INPUT,
                    _("the certificate chain in %s does not verify: %s "
                      "(certificate %d: %s)"),
                    q, X509_verify_cert_error_string(code), depth + 1,
                    str(&desc));
    switch (code) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        lw_err_hint(err, "%s",
                    _("Append the intermediate certificates from your CA to "
                      "the file (leaf first)."));
        break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        lw_err_hint(err, "%s",
                    _("This system does not trust that root: use a "
                      "certificate from a public CA, or give your own CA's "
                      "root with --ca-file."));
        break;
    default:
        break;
    }
    goto out;
nomem:
    st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
out:
    lw_buf_free(&desc);
    sk_X509_free(untrusted); /* the certificates belong to chain */
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return st;
}

enum lw_status
lw_cert_import(const void *data, size_t len, const char *name,
               const struct lw_cert_expect *expect, struct lw_chain *out,
               struct lw_err *err)
{
    static const struct lw_cert_expect none;
    const struct lw_cert_expect *ex = expect != NULL ? expect : &none;
    STACK_OF(X509) *in = NULL, *chain = NULL;
    struct order o;
    enum lw_status st;
    time_t now = ex->now != 0 ? ex->now : time(NULL), nb = 0, na = 0;
    char q[QUOTE_MAX];
    X509 *leaf, *root;
    bool reordered = false;

    memset(out, 0, sizeof(*out));
    st = lw_cert_parse(data, len, name, &in, err);
    if (st != LW_OK)
        return st;
    quote(q, name);
    order_chain(in, ex->key, &o);
    chain = sk_X509_new_null();
    if (chain == NULL) {
        st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        goto out;
    }
    for (int i = 0; i < o.n; i++) {
        /* Anything before the leaf or between the links (a root first,
         * an unrelated certificate) means the file was not in order. */
        if (o.idx[i] != i)
            reordered = true;
        if (!sk_X509_push(chain, sk_X509_value(in, o.idx[i]))) {
            st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
            goto out;
        }
    }
    leaf = sk_X509_value(chain, 0);
    root = o.root >= 0 ? sk_X509_value(in, o.root) : NULL;
    if (!lw_cert_times(leaf, &nb, &na)) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        _("the certificate in %s has unreadable dates"), q);
        goto out;
    }
    st = check_key(leaf, ex, err);
    if (st == LW_OK)
        st = check_names(leaf, ex->domain, err);
    if (st == LW_OK)
        st = check_dates(leaf, now, nb, na, err);
    if (st == LW_OK)
        st = verify_chain(chain, root, ex->ca_file, now, q, err);
    if (st != LW_OK)
        goto out;
    /* The chain keeps its own references; the input stack goes. */
    for (int i = 0; i < sk_X509_num(chain); i++)
        X509_up_ref(sk_X509_value(chain, i));
    out->certs = chain;
    chain = NULL;
    out->reordered = reordered;
    out->dropped_root = o.root >= 0;
    out->dropped_other =
        (unsigned)(sk_X509_num(in) - o.n - (o.root >= 0 ? 1 : 0));
    out->not_before = nb;
    out->not_after = na;
out:
    sk_X509_free(chain);
    sk_X509_pop_free(in, X509_free);
    return st;
}

void
lw_chain_free(struct lw_chain *chain)
{
    if (chain == NULL)
        return;
    sk_X509_pop_free(chain->certs, X509_free);
    memset(chain, 0, sizeof(*chain));
}

enum lw_status
lw_chain_to_pem(const struct lw_chain *chain, struct lw_buf *out,
                struct lw_err *err)
{
    enum lw_status st = LW_OK;
    BIO *bio = BIO_new(BIO_s_mem());
    char *p;
    long n;

    if (bio == NULL)
        return lw_err_openssl(err, "%s", _("cannot write the certificates"));
    for (int i = 0; i < sk_X509_num(chain->certs); i++) {
        if (!PEM_write_bio_X509(bio, sk_X509_value(chain->certs, i))) {
            st = lw_err_openssl(err, "%s", _("cannot write the certificates"));
            goto out;
        }
    }
    n = BIO_get_mem_data(bio, &p);
    if (n > 0)
        lw_buf_append(out, p, (size_t)n);
    st = lw_buf_status(out, err);
out:
    BIO_free(bio);
    return st;
}
