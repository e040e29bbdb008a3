/* test_cert.c - reading chains, ordering, refusals, checks, name rules. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include "lw/cert.h"
#include "lw/csr.h"
#include "lw/keygen.h"
#include "testpki.h"

#define DOMAIN "link.example.com"
#define FILE_NAME "/tmp/chain.pem"

/* One PKI for the whole program (keys are EC: fast). */
static struct fixture {
    struct tp_pki pki;
    EVP_PKEY *other_key;
    X509 *direct;     /* leaf signed by the root itself */
    X509 *expired;    /* leaf for DOMAIN, expired yesterday */
    X509 *future;     /* leaf for DOMAIN, valid from tomorrow */
    X509 *other_name; /* leaf for other names */
    X509 *self;       /* self-signed leaf for DOMAIN */
    X509 *unrelated;  /* a leaf for DOMAIN from another CA, other key */
    EVP_PKEY *stray_key;
    X509 *stray_root;
    char *dir;
    char *ca_file; /* the test root, PEM */
} fx;

static int
setup(void **state)
{
    static const char *const other_sans[] = {"other.example.net",
                                             "www.other.example.net", NULL};
    static const char *const dom[] = {DOMAIN, NULL};
    struct tp_cert_spec exp = {DOMAIN, dom, 30, -1, false};
    struct tp_cert_spec fut = {DOMAIN, dom, -1, 30, false};
    struct tp_cert_spec oth = {"other.example.net", other_sans, 1, 30, false};
    struct tp_cert_spec self = {DOMAIN, dom, 1, 30, false};

    (void)state;
    tp_pki_make(&fx.pki, DOMAIN, NULL);
    fx.other_key = tp_key_ec("P-256");
    fx.direct = tp_leaf(DOMAIN, fx.pki.leaf_key, fx.pki.root, fx.pki.root_key);
    fx.expired = tp_cert(&exp, fx.pki.leaf_key, fx.pki.inter, fx.pki.inter_key);
    fx.future = tp_cert(&fut, fx.pki.leaf_key, fx.pki.inter, fx.pki.inter_key);
    fx.other_name =
        tp_cert(&oth, fx.pki.leaf_key, fx.pki.inter, fx.pki.inter_key);
    fx.self = tp_cert(&self, fx.pki.leaf_key, NULL, NULL);
    fx.stray_key = tp_key_ec("P-256");
    fx.stray_root = tp_root("Stray Root", fx.stray_key);
    fx.unrelated = tp_leaf(DOMAIN, fx.other_key, fx.stray_root, fx.stray_key);
    fx.dir = tp_tmpdir();
    fx.ca_file = tp_write_certs(fx.dir, "root.pem", TP_PEM, fx.pki.root, NULL);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    X509_free(fx.direct);
    X509_free(fx.expired);
    X509_free(fx.future);
    X509_free(fx.other_name);
    X509_free(fx.self);
    X509_free(fx.unrelated);
    X509_free(fx.stray_root);
    EVP_PKEY_free(fx.stray_key);
    EVP_PKEY_free(fx.other_key);
    tp_pki_free(&fx.pki);
    free(fx.ca_file);
    tp_rmtree(fx.dir);
    return 0;
}

/* ---- inputs ------------------------------------------------------------ */

enum input {
    IN_LEAF_INT,
    IN_INT_LEAF,
    IN_LEAF_INT_ROOT,
    IN_ROOT_INT_LEAF,
    IN_INT_ROOT_LEAF,
    IN_CRLF_BOM_TEXT,
    IN_P7_PEM,
    IN_P7_DER,
    IN_DER_DIRECT,
    IN_DER_TWO,
    IN_TRUSTED_LABEL,
    IN_WITH_UNRELATED,
    IN_WITH_KEY,
    IN_LEAF_ONLY,
    IN_EXPIRED,
    IN_FUTURE,
    IN_OTHER_NAME,
    IN_SELF,
    IN_ROOT_NOT_TRUSTED,
    IN_KEY_PKCS8,
    IN_KEY_TRAD,
    IN_KEY_DER,
    IN_KEY_ENC,
    IN_KEY_TRAD_ENC,
    IN_P12,
    IN_CSR_PEM,
    IN_CSR_DER,
    IN_GARBAGE,
    IN_EMPTY,
    IN_DAMAGED,
    IN_DER_TRAILING,
};

static void
crlf(struct lw_buf *out, const struct lw_buf *in)
{
    for (size_t i = 0; i < in->len; i++) {
        if (in->data[i] == '\n')
            lw_buf_putc(out, '\r');
        lw_buf_putc(out, in->data[i]);
    }
}

static void
make_input(struct lw_buf *b, enum input in)
{
    struct tp_pki *p = &fx.pki;
    struct lw_buf t = LW_BUF_INIT;
    struct lw_err err;
    char *s;

    switch (in) {
    case IN_LEAF_INT:
        tp_certs(b, TP_PEM, p->leaf, p->inter, NULL);
        break;
    case IN_INT_LEAF:
        tp_certs(b, TP_PEM, p->inter, p->leaf, NULL);
        break;
    case IN_LEAF_INT_ROOT:
        tp_certs(b, TP_PEM, p->leaf, p->inter, p->root, NULL);
        break;
    case IN_ROOT_INT_LEAF:
        tp_certs(b, TP_PEM, p->root, p->inter, p->leaf, NULL);
        break;
    case IN_INT_ROOT_LEAF:
        tp_certs(b, TP_PEM, p->inter, p->root, p->leaf, NULL);
        break;
    case IN_CRLF_BOM_TEXT:
        lw_buf_puts(&t, "Subject: link.example.com\nIssuer: Test\n");
        tp_certs(&t, TP_PEM, p->inter, NULL);
        lw_buf_puts(&t, "\nthe leaf comes next\n\n");
        tp_certs(&t, TP_PEM, p->leaf, NULL);
        lw_buf_puts(&t, "trailing words");
        lw_buf_puts(b, "\xEF\xBB\xBF");
        crlf(b, &t);
        break;
    case IN_P7_PEM:
        tp_certs(b, TP_P7_PEM, p->root, p->leaf, p->inter, NULL);
        break;
    case IN_P7_DER:
        tp_certs(b, TP_P7_DER, p->inter, p->leaf, NULL);
        break;
    case IN_DER_DIRECT:
        tp_certs(b, TP_DER, fx.direct, NULL);
        break;
    case IN_DER_TWO:
        tp_certs(b, TP_DER, p->inter, p->leaf, NULL);
        break;
    case IN_TRUSTED_LABEL:
        tp_certs(&t, TP_PEM, p->leaf, p->inter, NULL);
        /* Same blocks labelled the old way ("X509 CERTIFICATE"). */
        for (s = t.data; *s != '\0'; s++) {
            if (strncmp(s, "-----BEGIN CERTIFICATE", 22) == 0) {
                lw_buf_puts(b, "-----BEGIN X509 CERTIFICATE");
                s += 21;
            } else if (strncmp(s, "-----END CERTIFICATE", 20) == 0) {
                lw_buf_puts(b, "-----END X509 CERTIFICATE");
                s += 19;
            } else {
                lw_buf_putc(b, *s);
            }
        }
        break;
    case IN_WITH_UNRELATED:
        tp_certs(b, TP_PEM, fx.unrelated, p->leaf, p->inter, NULL);
        break;
    case IN_WITH_KEY:
        tp_certs(b, TP_PEM, p->leaf, NULL);
        tp_key_pem(b, p->leaf_key, TP_KEY_PKCS8, NULL);
        tp_certs(b, TP_PEM, p->inter, NULL);
        break;
    case IN_LEAF_ONLY:
        tp_certs(b, TP_PEM, p->leaf, NULL);
        break;
    case IN_EXPIRED:
        tp_certs(b, TP_PEM, fx.expired, p->inter, NULL);
        break;
    case IN_FUTURE:
        tp_certs(b, TP_PEM, fx.future, p->inter, NULL);
        break;
    case IN_OTHER_NAME:
        tp_certs(b, TP_PEM, fx.other_name, p->inter, NULL);
        break;
    case IN_SELF:
        tp_certs(b, TP_PEM, fx.self, NULL);
        break;
    case IN_ROOT_NOT_TRUSTED:
        tp_certs(b, TP_PEM, fx.unrelated, fx.stray_root, NULL);
        break;
    case IN_KEY_PKCS8:
        tp_key_pem(b, p->leaf_key, TP_KEY_PKCS8, NULL);
        break;
    case IN_KEY_TRAD:
        tp_key_pem(b, p->leaf_key, TP_KEY_TRAD, NULL);
        break;
    case IN_KEY_DER:
        tp_key_pem(b, p->leaf_key, TP_KEY_DER, NULL);
        break;
    case IN_KEY_ENC:
        tp_key_pem(b, p->leaf_key, TP_KEY_PKCS8_ENC, "pw");
        break;
    case IN_KEY_TRAD_ENC:
        tp_key_pem(b, p->leaf_key, TP_KEY_TRAD_ENC, "pw");
        break;
    case IN_P12:
        tp_p12(b, p->leaf_key, p->leaf, "pw", p->inter, NULL);
        break;
    case IN_CSR_PEM:
        lw_err_clear(&err);
        assert_int_equal(lw_csr_make(p->leaf_key, DOMAIN, NULL, b, &err),
                         LW_OK);
        break;
    case IN_CSR_DER: {
        X509_REQ *req = X509_REQ_new();
        unsigned char *der = NULL;
        int n;

        assert_true(X509_REQ_set_pubkey(req, p->leaf_key));
        assert_true(X509_REQ_sign(req, p->leaf_key, EVP_sha256()) > 0);
        n = i2d_X509_REQ(req, &der);
        assert_true(n > 0);
        lw_buf_append(b, der, (size_t)n);
        OPENSSL_free(der);
        X509_REQ_free(req);
        break;
    }
    case IN_GARBAGE:
        lw_buf_puts(b, "hello, this is not a certificate\n");
        break;
    case IN_EMPTY:
        break;
    case IN_DAMAGED:
        tp_certs(&t, TP_PEM, p->leaf, NULL);
        /* Cut the base64 in half but keep the END line. */
        lw_buf_append(b, t.data, t.len / 2);
        lw_buf_puts(b, "\n-----END CERTIFICATE-----\n");
        break;
    case IN_DER_TRAILING:
        tp_certs(b, TP_DER, fx.direct, NULL);
        lw_buf_puts(b, "junk");
        break;
    }
    lw_buf_free(&t);
    assert_true(lw_buf_ok(b));
}

/* ---- lw_cert_import table ------------------------------------------- */

enum keyuse { K_LEAF, K_NONE, K_OTHER };

static const struct {
    const char *what;
    enum input in;
    enum keyuse key;
    bool ca; /* trust the test root (--ca-file) */
    enum lw_status st;
    int n; /* certificates kept */
    bool leaf_is_direct;
    int reordered; /* -1: either (PKCS#7 is an unordered SET) */
    bool dropped_root;
    unsigned dropped_other;
    const char *msg, *msg2; /* parts of the message (NULL: none checked) */
    const char *hint;
} import_cases[] = {
    {"leaf, intermediate", IN_LEAF_INT, K_LEAF, true, LW_OK, 2, false, false,
     false, 0, NULL, NULL, NULL},
    {"intermediate, leaf", IN_INT_LEAF, K_LEAF, true, LW_OK, 2, false, true,
     false, 0, NULL, NULL, NULL},
    {"no key given", IN_INT_LEAF, K_NONE, true, LW_OK, 2, false, true, false, 0,
     NULL, NULL, NULL},
    {"root included", IN_LEAF_INT_ROOT, K_LEAF, true, LW_OK, 2, false, false,
     true, 0, NULL, NULL, NULL},
    {"root first", IN_ROOT_INT_LEAF, K_LEAF, true, LW_OK, 2, false, true, true,
     0, NULL, NULL, NULL},
    {"shuffled", IN_INT_ROOT_LEAF, K_NONE, true, LW_OK, 2, false, true, true, 0,
     NULL, NULL, NULL},
    {"CRLF, BOM, text", IN_CRLF_BOM_TEXT, K_LEAF, true, LW_OK, 2, false, true,
     false, 0, NULL, NULL, NULL},
    {"PKCS#7 PEM", IN_P7_PEM, K_LEAF, true, LW_OK, 2, false, -1, true, 0, NULL,
     NULL, NULL},
    {"PKCS#7 DER", IN_P7_DER, K_LEAF, true, LW_OK, 2, false, -1, false, 0, NULL,
     NULL, NULL},
    {"single DER", IN_DER_DIRECT, K_LEAF, true, LW_OK, 1, true, false, false, 0,
     NULL, NULL, NULL},
    {"two DER", IN_DER_TWO, K_LEAF, true, LW_OK, 2, false, true, false, 0, NULL,
     NULL, NULL},
    {"X509 CERTIFICATE label", IN_TRUSTED_LABEL, K_LEAF, true, LW_OK, 2, false,
     false, false, 0, NULL, NULL, NULL},
    {"unrelated certificate", IN_WITH_UNRELATED, K_LEAF, true, LW_OK, 2, false,
     true, false, 1, NULL, NULL, NULL},
    {"key between the blocks", IN_WITH_KEY, K_LEAF, true, LW_OK, 2, false,
     false, false, 0, NULL, NULL, NULL},
    {"key mismatch", IN_LEAF_INT, K_OTHER, true, LW_ERR_INPUT, 0, false, false,
     false, 0, "the certificate's public key ",
     " does not match the private key ", "issued for another key"},
    {"missing intermediate", IN_LEAF_ONLY, K_LEAF, true, LW_ERR_INPUT, 0, false,
     false, false, 0,
     "the certificate chain in " FILE_NAME " does not verify: unable to get "
     "local issuer certificate",
     "CN=link.example.com, issued by CN=Test Intermediate CA",
     "Append the intermediate certificates from your CA to the file (leaf "
     "first)."},
    {"root not trusted", IN_LEAF_INT_ROOT, K_LEAF, false, LW_ERR_INPUT, 0,
     false, false, false, 0,
     "does not verify: self-signed certificate in "
     "certificate chain",
     NULL, "--ca-file"},
    {"stray root not trusted", IN_ROOT_NOT_TRUSTED, K_NONE, true, LW_ERR_INPUT,
     0, false, false, false, 0, "self-signed certificate in certificate chain",
     "(certificate 2: CN=Stray Root, issued by CN=Stray Root)", "--ca-file"},
    {"self-signed leaf", IN_SELF, K_LEAF, true, LW_ERR_INPUT, 0, false, false,
     false, 0, "does not verify: self-signed certificate",
     "CN=link.example.com, issued by CN=link.example.com", "--ca-file"},
    {"expired", IN_EXPIRED, K_LEAF, true, LW_ERR_INPUT, 0, false, false, false,
     0,
     "the certificate (CN=link.example.com, issued by CN=Test "
     "Intermediate CA) expired on ",
     NULL, "Renew it"},
    {"not yet valid", IN_FUTURE, K_LEAF, true, LW_ERR_INPUT, 0, false, false,
     false, 0, "is not valid until ", NULL, "clock"},
    {"another name", IN_OTHER_NAME, K_LEAF, true, LW_ERR_INPUT, 0, false, false,
     false, 0,
     "does not cover link.example.com; it covers: other.example.net, "
     "www.other.example.net",
     "CN=other.example.net",
     "Ask your CA for a certificate for "
     "link.example.com"},
    {"private key", IN_KEY_PKCS8, K_LEAF, true, LW_ERR_INPUT, 0, false, false,
     false, 0,
     FILE_NAME " contains a private key, not a certificate: give "
               "the certificate file your CA sent",
     NULL, "secret"},
    {"traditional key", IN_KEY_TRAD, K_LEAF, true, LW_ERR_INPUT, 0, false,
     false, false, 0, "contains a private key, not a certificate", NULL, NULL},
    {"DER key", IN_KEY_DER, K_LEAF, true, LW_ERR_INPUT, 0, false, false, false,
     0, "contains a private key, not a certificate", NULL, NULL},
    {"encrypted key", IN_KEY_ENC, K_LEAF, true, LW_ERR_INPUT, 0, false, false,
     false, 0,
     FILE_NAME " contains an encrypted private key, not a "
               "certificate",
     NULL, NULL},
    {"encrypted traditional key", IN_KEY_TRAD_ENC, K_LEAF, true, LW_ERR_INPUT,
     0, false, false, false, 0, "contains an encrypted private key", NULL,
     NULL},
    {"PKCS#12", IN_P12, K_LEAF, true, LW_ERR_INPUT, 0, false, false, false, 0,
     FILE_NAME " is a PKCS#12 file", NULL,
     "openssl pkcs12 -in " FILE_NAME " -clcerts -nokeys -out cert.pem"},
    {"CSR", IN_CSR_PEM, K_LEAF, true, LW_ERR_INPUT, 0, false, false, false, 0,
     FILE_NAME " is the certificate signing request; send it to your CA and "
               "give the certificate it returns",
     NULL, NULL},
    {"CSR DER", IN_CSR_DER, K_LEAF, true, LW_ERR_INPUT, 0, false, false, false,
     0, "is the certificate signing request", NULL, NULL},
    {"garbage", IN_GARBAGE, K_LEAF, true, LW_ERR_INPUT, 0, false, false, false,
     0, "no certificate found in " FILE_NAME, NULL, "BEGIN CERTIFICATE"},
    {"empty", IN_EMPTY, K_LEAF, true, LW_ERR_INPUT, 0, false, false, false, 0,
     "no certificate found in " FILE_NAME, NULL, NULL},
    {"damaged", IN_DAMAGED, K_LEAF, true, LW_ERR_INPUT, 0, false, false, false,
     0, "block 1 in " FILE_NAME " is damaged", NULL, NULL},
    {"DER with junk", IN_DER_TRAILING, K_LEAF, true, LW_ERR_INPUT, 0, false,
     false, false, 0,
     FILE_NAME " has data that is not a certificate after certificate 1", NULL,
     NULL},
};

static void
test_import(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(import_cases) / sizeof(import_cases[0]);
         i++) {
        struct lw_cert_expect ex = {.domain = DOMAIN};
        struct lw_chain chain;
        struct lw_buf in = LW_BUF_INIT;
        struct lw_err err;
        enum lw_status st;

        lw_err_clear(&err);
        print_message("# %s\n", import_cases[i].what);
        make_input(&in, import_cases[i].in);
        ex.key = import_cases[i].key == K_LEAF    ? fx.pki.leaf_key
                 : import_cases[i].key == K_OTHER ? fx.other_key
                                                  : NULL;
        ex.ca_file = import_cases[i].ca ? fx.ca_file : NULL;
        st = lw_cert_import(in.data, in.len, FILE_NAME, &ex, &chain, &err);
        if (st != LW_OK)
            print_message("#   %s | %s\n", err.msg, err.hint);
        assert_int_equal(st, import_cases[i].st);
        if (st == LW_OK) {
            X509 *want =
                import_cases[i].leaf_is_direct ? fx.direct : fx.pki.leaf;

            assert_int_equal(sk_X509_num(chain.certs), import_cases[i].n);
            assert_int_equal(X509_cmp(sk_X509_value(chain.certs, 0), want), 0);
            if (import_cases[i].n > 1)
                assert_int_equal(
                    X509_cmp(sk_X509_value(chain.certs, 1), fx.pki.inter), 0);
            if (import_cases[i].reordered >= 0)
                assert_int_equal(chain.reordered, import_cases[i].reordered);
            assert_int_equal(chain.dropped_root, import_cases[i].dropped_root);
            assert_int_equal(chain.dropped_other,
                             import_cases[i].dropped_other);
            assert_true(chain.not_after > time(NULL) + 80 * 86400);
            assert_true(chain.not_before < time(NULL));
            lw_chain_free(&chain);
            assert_null(chain.certs);
        } else {
            assert_int_equal(err.status, import_cases[i].st);
            assert_null(chain.certs);
            assert_true(tp_contains(err.msg, import_cases[i].msg));
            if (import_cases[i].msg2 != NULL)
                assert_true(tp_contains(err.msg, import_cases[i].msg2));
            if (import_cases[i].hint != NULL)
                assert_true(tp_contains(err.hint, import_cases[i].hint));
        }
        lw_buf_free(&in);
    }
}

/* The mismatch message carries both fingerprints and the key's path. */
static void
test_import_key_mismatch_fingerprints(void **state)
{
    struct lw_cert_expect ex = {.key = fx.other_key,
                                .domain = DOMAIN,
                                .key_name = "/etc/pki/tls/private/x.key"};
    char cfp[LW_FINGERPRINT_MAX], kfp[LW_FINGERPRINT_MAX], want[400];
    struct lw_buf in = LW_BUF_INIT;
    struct lw_chain chain;
    struct lw_err err;

    (void)state;
    ex.ca_file = fx.ca_file;
    lw_err_clear(&err);
    assert_int_equal(lw_key_fingerprint(fx.pki.leaf_key, cfp, &err), LW_OK);
    assert_int_equal(lw_key_fingerprint(fx.other_key, kfp, &err), LW_OK);
    snprintf(want, sizeof(want),
             "the certificate's public key %s does not match the private key "
             "%s in /etc/pki/tls/private/x.key",
             cfp, kfp);
    make_input(&in, IN_LEAF_INT);
    assert_int_equal(
        lw_cert_import(in.data, in.len, FILE_NAME, &ex, &chain, &err),
        LW_ERR_INPUT);
    assert_string_equal(err.msg, want);
    lw_buf_free(&in);
}

/* Dates are shown; `now` moves the clock. */
static void
test_import_dates(void **state)
{
    struct lw_cert_expect ex = {.key = fx.pki.leaf_key, .domain = DOMAIN};
    struct lw_buf in = LW_BUF_INIT;
    struct lw_chain chain;
    struct lw_err err;
    time_t nb, na;
    char a[40], b[40], want[300];

    (void)state;
    ex.ca_file = fx.ca_file;
    lw_err_clear(&err);
    make_input(&in, IN_EXPIRED);
    assert_true(lw_cert_times(fx.expired, &nb, &na));
    strftime(a, sizeof(a), "%Y-%m-%d %H:%M UTC", gmtime(&na));
    strftime(b, sizeof(b), "%Y-%m-%d %H:%M UTC", gmtime(&nb));
    snprintf(want, sizeof(want), "expired on %s (it was valid from %s)", a, b);
    assert_int_equal(
        lw_cert_import(in.data, in.len, FILE_NAME, &ex, &chain, &err),
        LW_ERR_INPUT);
    assert_true(tp_contains(err.msg, want));
    /* Two days earlier it was valid. */
    ex.now = time(NULL) - 2 * 86400;
    assert_int_equal(
        lw_cert_import(in.data, in.len, FILE_NAME, &ex, &chain, &err), LW_OK);
    lw_chain_free(&chain);
    lw_buf_free(&in);

    make_input(&in, IN_FUTURE);
    assert_true(lw_cert_times(fx.future, &nb, &na));
    strftime(b, sizeof(b), "%Y-%m-%d %H:%M UTC", gmtime(&nb));
    snprintf(want, sizeof(want), "is not valid until %s", b);
    ex.now = 0;
    assert_int_equal(
        lw_cert_import(in.data, in.len, FILE_NAME, &ex, &chain, &err),
        LW_ERR_INPUT);
    assert_true(tp_contains(err.msg, want));
    lw_buf_free(&in);
}

static void
test_import_bad_ca_file(void **state)
{
    struct lw_cert_expect ex = {.key = fx.pki.leaf_key,
                                .domain = DOMAIN,
                                .ca_file = "/nonexistent/ca.pem"};
    struct lw_buf in = LW_BUF_INIT;
    struct lw_chain chain;
    struct lw_err err;

    (void)state;
    lw_err_clear(&err);
    make_input(&in, IN_LEAF_INT);
    assert_int_equal(
        lw_cert_import(in.data, in.len, FILE_NAME, &ex, &chain, &err),
        LW_ERR_INPUT);
    assert_true(tp_contains(err.msg, "cannot read trusted certificates from "
                                     "/nonexistent/ca.pem"));
    lw_buf_free(&in);
}

/* ---- lw_cert_parse ------------------------------------------------- */

static void
test_parse_counts(void **state)
{
    static const struct {
        enum input in;
        int n;
    } cases[] = {
        {IN_LEAF_INT_ROOT, 3}, {IN_P7_PEM, 3},    {IN_P7_DER, 2},
        {IN_DER_DIRECT, 1},    {IN_DER_TWO, 2},   {IN_CRLF_BOM_TEXT, 2},
        {IN_WITH_KEY, 2},      {IN_LEAF_ONLY, 1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lw_buf in = LW_BUF_INIT;
        STACK_OF(X509) *certs = NULL;
        struct lw_err err;

        lw_err_clear(&err);
        make_input(&in, cases[i].in);
        assert_int_equal(lw_cert_parse(in.data, in.len, "x", &certs, &err),
                         LW_OK);
        assert_int_equal(sk_X509_num(certs), cases[i].n);
        sk_X509_pop_free(certs, X509_free);
        lw_buf_free(&in);
    }
}

/* ---- lw_chain_to_pem ------------------------------------------------ */

static void
test_chain_to_pem(void **state)
{
    struct lw_cert_expect ex = {.key = fx.pki.leaf_key, .domain = DOMAIN};
    struct lw_buf in = LW_BUF_INIT, pem = LW_BUF_INIT, want = LW_BUF_INIT;
    struct lw_chain chain;
    struct lw_err err;

    (void)state;
    ex.ca_file = fx.ca_file;
    lw_err_clear(&err);
    make_input(&in, IN_CRLF_BOM_TEXT);
    assert_int_equal(
        lw_cert_import(in.data, in.len, FILE_NAME, &ex, &chain, &err), LW_OK);
    assert_int_equal(lw_chain_to_pem(&chain, &pem, &err), LW_OK);
    tp_certs(&want, TP_PEM, fx.pki.leaf, fx.pki.inter, NULL);
    assert_string_equal(pem.data, want.data);
    assert_null(strchr(pem.data, '\r'));
    lw_chain_free(&chain);
    lw_buf_free(&in);
    lw_buf_free(&pem);
    lw_buf_free(&want);
}

/* ---- names ------------------------------------------------------------ */

static const struct {
    const char *sans[3];
    const char *cn;
    const char *domain;
    bool covers;
} name_cases[] = {
    {{"link.example.com"}, NULL, "link.example.com", true},
    {{"LINK.Example.COM"}, NULL, "link.example.com", true},
    {{"link.example.com"}, NULL, "LINK.example.com", true},
    {{"other.example.com", "link.example.com"}, NULL, "link.example.com", true},
    {{"*.example.com"}, NULL, "link.example.com", true},
    {{"*.EXAMPLE.com"}, NULL, "link.example.com", true},
    {{"*.example.com"}, NULL, "a.b.example.com", false},
    {{"*.example.com"}, NULL, "example.com", false},
    {{"*.example.com"}, NULL, ".example.com", false},
    {{"*.com"}, NULL, "example.com", false},
    {{"*.co.uk"}, NULL, "example.co.uk", false},
    {{"*.example.co.uk"}, NULL, "link.example.co.uk", true},
    {{"f*.example.com"}, NULL, "foo.example.com", false},
    {{"*oo.example.com"}, NULL, "foo.example.com", false},
    {{"link.*.com"}, NULL, "link.example.com", false},
    {{"*.*.example.com"}, NULL, "a.b.example.com", false},
    {{"*"}, NULL, "link", false},
    {{"*."}, NULL, "link.", false},
    {{"link.example.com.evil"}, NULL, "link.example.com", false},
    {{"ink.example.com"}, NULL, "link.example.com", false},
    {{NULL}, "link.example.com", "link.example.com", false}, /* CN ignored */
    {{"other.example.com"}, "link.example.com", "link.example.com", false},
    {{"link.example.com"}, NULL, "", false},
};

static void
test_covers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
        struct tp_cert_spec s = {
            name_cases[i].cn, name_cases[i].sans[0] ? name_cases[i].sans : NULL,
            1, 30, false};
        X509 *x = tp_cert(&s, fx.pki.leaf_key, fx.pki.inter, fx.pki.inter_key);

        print_message("# %s vs %s\n",
                      name_cases[i].sans[0] ? name_cases[i].sans[0] : "-",
                      name_cases[i].domain);
        assert_int_equal(lw_cert_covers(x, name_cases[i].domain),
                         name_cases[i].covers);
        X509_free(x);
    }
}

/* ---- describe, names list, fingerprint ----------------------------- */

static void
test_describe_and_names(void **state)
{
    static const char *const many[] = {"a1.example.com",
                                       "a2.example.com",
                                       "a3.example.com",
                                       "a4.example.com",
                                       "a5.example.com",
                                       "a6.example.com",
                                       "a7.example.com",
                                       "a8.example.com",
                                       "a9.example.com",
                                       "a10.example.com",
                                       "a11.example.com",
                                       "a12.example.com",
                                       NULL};
    static const char *const evil[] = {"x\x1b[2J.example.com", NULL};
    static const struct {
        const char *cn;
        const char *const *sans;
        const char *describe, *names;
    } cases[] = {
        {"link.example.com", NULL,
         "CN=link.example.com, issued by CN=Test Intermediate CA", ""},
        {"evil\x1b[31m\r\nname", evil,
         "CN=evil?[31m??name, issued by CN=Test Intermediate CA",
         "x?[2J.example.com"},
        {"bidi\xe2\x80\xae"
         "evil",
         NULL, "CN=bidi?evil, issued by CN=Test Intermediate CA", ""},
        {NULL, many, "(no name), issued by CN=Test Intermediate CA",
         "a1.example.com, a2.example.com, a3.example.com, a4.example.com, "
         "a5.example.com, a6.example.com, a7.example.com, a8.example.com, "
         "a9.example.com, a10.example.com and 2 more"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct tp_cert_spec s = {cases[i].cn, cases[i].sans, 1, 30, false};
        X509 *x = tp_cert(&s, fx.pki.leaf_key, fx.pki.inter, fx.pki.inter_key);
        struct lw_buf d = LW_BUF_INIT, n = LW_BUF_INIT;

        lw_cert_describe(x, &d);
        lw_cert_names(x, &n);
        assert_string_equal(d.data, cases[i].describe);
        assert_string_equal(n.data != NULL ? n.data : "", cases[i].names);
        lw_buf_free(&d);
        lw_buf_free(&n);
        X509_free(x);
    }
}

static void
test_cert_fingerprint(void **state)
{
    unsigned char md[32];
    unsigned n = 0;
    char fp[96], want[96];

    (void)state;
    assert_true(X509_digest(fx.pki.leaf, EVP_sha256(), md, &n));
    for (unsigned i = 0; i < n; i++)
        snprintf(want + 3 * i, sizeof(want) - 3 * i, "%02X%s", md[i],
                 i + 1 < n ? ":" : "");
    lw_cert_fingerprint(fx.pki.leaf, fp);
    assert_string_equal(fp, want);
    assert_int_equal(strlen(fp), 95);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_import_key_mismatch_fingerprints),
        cmocka_unit_test(test_import_dates),
        cmocka_unit_test(test_import_bad_ca_file),
        cmocka_unit_test(test_parse_counts),
        cmocka_unit_test(test_chain_to_pem),
        cmocka_unit_test(test_covers),
        cmocka_unit_test(test_describe_and_names),
        cmocka_unit_test(test_cert_fingerprint),
    };

    return cmocka_run_group_tests_name("cert", tests, setup, teardown);
}
