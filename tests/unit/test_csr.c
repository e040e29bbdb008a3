/* test_csr.c - subject checks, CSR contents, CSR reuse checks. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lw/csr.h"
#include "testpki.h"

#define DOMAIN "link.example.com"
#define O_64 "0123456789012345678901234567890123456789012345678901234567890123"
/* 64 two-byte characters (128 bytes): counted as characters */
#define E8 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define E_64 E8 E8 E8 E8 E8 E8 E8 E8

/* ---- lw_subject_check ------------------------------------------------ */

static const struct {
    const char *org, *country;
    enum lw_status st;
    const char *msg;
} subject_cases[] = {
    {NULL, NULL, LW_OK, NULL},
    {"", "", LW_OK, NULL},
    {"Acme, Inc. /+\"", "us", LW_OK, NULL},
    {"Example Inc", "US", LW_OK, NULL},
    {O_64, "DE", LW_OK, NULL},
    {E_64, "fr", LW_OK, NULL},
    {"Müller & Söhne GmbH", "De", LW_OK, NULL},
    {NULL, "USA", LW_ERR_INPUT, "the country must be two letters"},
    {NULL, "U", LW_ERR_INPUT, "the country must be two letters"},
    {NULL, "U1", LW_ERR_INPUT, "the country must be two letters"},
    {NULL, "\xc3\xa9\xc3\xa9", LW_ERR_INPUT, "two letters"},
    {NULL, "U@", LW_ERR_INPUT, "two letters"},
    {O_64 "4", NULL, LW_ERR_INPUT,
     "the organization has 65 characters; a certificate allows at most 64"},
    {E_64 "x", NULL, LW_ERR_INPUT, "has 65 characters"},
    {"Acme\nInc", NULL, LW_ERR_INPUT,
     "the organization contains a control character (U+000A) at character "
     "5"},
    {"\x7f", NULL, LW_ERR_INPUT, "control character (U+007F) at character 1"},
    {"a\xc2\x85", NULL, LW_ERR_INPUT, "control character (U+0085)"},
    {"ab\xe2\x80\xae", NULL, LW_ERR_INPUT, "control character (U+202E)"},
    {"\xff", NULL, LW_ERR_INPUT, "the organization is not valid UTF-8 text"},
    {"\xc0\x80", NULL, LW_ERR_INPUT, "not valid UTF-8"},     /* overlong */
    {"\xed\xa0\x80", NULL, LW_ERR_INPUT, "not valid UTF-8"}, /* surrogate */
    {"abc\xc3", NULL, LW_ERR_INPUT, "not valid UTF-8"},      /* truncated */
};

static void
test_subject_check(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(subject_cases) / sizeof(subject_cases[0]);
         i++) {
        struct lw_subject s = {subject_cases[i].org, subject_cases[i].country};
        struct lw_err err;

        lw_err_clear(&err);
        print_message("# case %zu\n", i);
        assert_int_equal(lw_subject_check(&s, &err), subject_cases[i].st);
        if (subject_cases[i].msg != NULL)
            assert_true(tp_contains(err.msg, subject_cases[i].msg));
    }
    assert_int_equal(lw_subject_check(NULL, NULL), LW_OK);
}

/* ---- lw_csr_make ----------------------------------------------------- */

static X509_REQ *
read_req(const struct lw_buf *pem)
{
    BIO *bio = BIO_new_mem_buf(pem->data, (int)pem->len);
    X509_REQ *req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);

    BIO_free(bio);
    assert_non_null(req);
    return req;
}

/* The value of the only entry nid in name as UTF-8, or NULL if absent;
 * fails the test when there are several. */
static char *
entry(X509_NAME *name, int nid)
{
    int i = X509_NAME_get_index_by_NID(name, nid, -1);
    unsigned char *utf8 = NULL;
    char *copy;
    int n;

    if (i < 0)
        return NULL;
    assert_int_equal(X509_NAME_get_index_by_NID(name, nid, i), -1);
    n = ASN1_STRING_to_UTF8(
        &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    assert_true(n >= 0);
    copy = strndup((char *)utf8, (size_t)n);
    OPENSSL_free(utf8);
    return copy;
}

/* SAN DNS names of req, ", "-joined. */
static void
req_sans(X509_REQ *req, char *out, size_t n)
{
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
    GENERAL_NAMES *names =
        X509V3_get_d2i(exts, NID_subject_alt_name, NULL, NULL);

    out[0] = '\0';
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        size_t len = strlen(out);

        assert_int_equal(gn->type, GEN_DNS);
        snprintf(out + len, n - len, "%s%.*s", len ? ", " : "",
                 ASN1_STRING_length(gn->d.dNSName),
                 (const char *)ASN1_STRING_get0_data(gn->d.dNSName));
    }
    GENERAL_NAMES_free(names);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

static const struct {
    bool rsa;
    const char *domain;
    const char *org, *country;
    bool no_subject;
    const char *want_cn, *want_o, *want_c; /* NULL = absent */
    int entries;
} csr_cases[] = {
    {true, DOMAIN, NULL, NULL, true, DOMAIN, NULL, NULL, 1},
    {false, DOMAIN, NULL, NULL, false, DOMAIN, NULL, NULL, 1},
    {true, DOMAIN, "Acme, Inc. /+\"", "us", false, DOMAIN, "Acme, Inc. /+\"",
     "US", 3},
    /* Text that a string-parsing API would turn into more fields. */
    {false, DOMAIN, "Evil/CN=evil.com/O=x", "De", false, DOMAIN,
     "Evil/CN=evil.com/O=x", "DE", 3},
    {false, DOMAIN, "Evil, CN=evil.com+OU=y", NULL, false, DOMAIN,
     "Evil, CN=evil.com+OU=y", NULL, 2},
    {false, DOMAIN, "Müller & Söhne", NULL, false, DOMAIN, "Müller & Söhne",
     NULL, 2},
    {false, DOMAIN, "", "", false, DOMAIN, NULL, NULL, 1},
    /* 70 characters: too long for a CN, so only the SAN carries it. */
    {false,
     "a123456789b123456789c123456789d123456789e123456789f12345.example.com",
     NULL, NULL, true, NULL, NULL, NULL, 0},
};

static void
test_csr_make(void **state)
{
    EVP_PKEY *rsa = tp_key_rsa(2048), *ec = tp_key_ec("P-256");

    (void)state;
    for (size_t i = 0; i < sizeof(csr_cases) / sizeof(csr_cases[0]); i++) {
        struct lw_subject s = {csr_cases[i].org, csr_cases[i].country};
        EVP_PKEY *key = csr_cases[i].rsa ? rsa : ec;
        struct lw_buf pem = LW_BUF_INIT;
        struct lw_err err;
        X509_REQ *req;
        X509_NAME *name;
        char *v, sans[512];

        lw_err_clear(&err);
        print_message("# case %zu\n", i);
        assert_int_equal(lw_csr_make(key, csr_cases[i].domain,
                                     csr_cases[i].no_subject ? NULL : &s, &pem,
                                     &err),
                         LW_OK);
        assert_true(strncmp(pem.data, "-----BEGIN CERTIFICATE REQUEST-----\n",
                            36) == 0);
        req = read_req(&pem);
        assert_int_equal(X509_REQ_get_version(req), 0);
        assert_int_equal(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
        assert_int_equal(EVP_PKEY_eq(X509_REQ_get0_pubkey(req), key), 1);
        assert_int_equal(X509_REQ_get_signature_nid(req),
                         csr_cases[i].rsa ? NID_sha256WithRSAEncryption
                                          : NID_ecdsa_with_SHA256);
        name = X509_REQ_get_subject_name(req);
        assert_int_equal(X509_NAME_entry_count(name), csr_cases[i].entries);
        v = entry(name, NID_commonName);
        if (csr_cases[i].want_cn == NULL)
            assert_null(v);
        else
            assert_string_equal(v, csr_cases[i].want_cn);
        free(v);
        v = entry(name, NID_organizationName);
        if (csr_cases[i].want_o == NULL)
            assert_null(v);
        else
            assert_string_equal(v, csr_cases[i].want_o);
        free(v);
        v = entry(name, NID_countryName);
        if (csr_cases[i].want_c == NULL)
            assert_null(v);
        else
            assert_string_equal(v, csr_cases[i].want_c);
        free(v);
        req_sans(req, sans, sizeof(sans));
        assert_string_equal(sans, csr_cases[i].domain);
        assert_int_equal(lw_csr_matches_key(pem.data, pem.len, key,
                                            csr_cases[i].domain, &err),
                         LW_OK);
        X509_REQ_free(req);
        lw_buf_free(&pem);
    }
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
}

static void
test_csr_make_refuses(void **state)
{
    EVP_PKEY *ec = tp_key_ec("P-256");
    struct lw_subject bad_c = {"Acme", "USA"};
    struct lw_buf pem = LW_BUF_INIT;
    struct lw_err err;

    (void)state;
    lw_err_clear(&err);
    assert_int_equal(lw_csr_make(ec, DOMAIN, &bad_c, &pem, &err), LW_ERR_INPUT);
    assert_true(tp_contains(err.msg, "the country must be two letters"));
    assert_int_equal(pem.len, 0);
    assert_int_equal(lw_csr_make(ec, "bad domain/../x", NULL, &pem, &err),
                     LW_ERR_INTERNAL);
    assert_true(tp_contains(err.msg, "not a normalized host name"));
    assert_int_equal(pem.len, 0);
    EVP_PKEY_free(ec);
}

/* ---- lw_csr_matches_key ---------------------------------------------- */

enum match_input {
    M_SAME,
    M_OTHER_KEY,
    M_OTHER_DOMAIN,
    M_TAMPERED,
    M_GARBAGE,
    M_BOM_CRLF,
    M_NO_CHECKS
};

static const struct {
    enum match_input in;
    enum lw_status st;
    const char *msg;
} match_cases[] = {
    {M_SAME, LW_OK, NULL},
    {M_BOM_CRLF, LW_OK, NULL},
    {M_NO_CHECKS, LW_OK, NULL},
    {M_OTHER_KEY, LW_ERR_INPUT,
     "the certificate signing request was made with another private key"},
    {M_OTHER_DOMAIN, LW_ERR_INPUT,
     "the certificate signing request is not for link.example.com"},
    {M_TAMPERED, LW_ERR_INPUT, "its signature does not verify"},
    {M_GARBAGE, LW_ERR_INPUT, "no certificate signing request found"},
};

/* The CSR with the last byte of its signature changed. */
static void
tamper(const struct lw_buf *pem, struct lw_buf *out)
{
    X509_REQ *req = read_req(pem);
    unsigned char *der = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *p;
    long n;
    int len = i2d_X509_REQ(req, &der);

    assert_true(len > 0);
    der[len - 1] ^= 0x01;
    assert_true(PEM_write_bio(bio, "CERTIFICATE REQUEST", "", der, len) > 0);
    n = BIO_get_mem_data(bio, &p);
    lw_buf_append(out, p, (size_t)n);
    OPENSSL_free(der);
    BIO_free(bio);
    X509_REQ_free(req);
}

static void
test_csr_matches_key(void **state)
{
    EVP_PKEY *key = tp_key_ec("P-256"), *other = tp_key_ec("P-256");
    struct lw_buf csr = LW_BUF_INIT;
    struct lw_err err;

    (void)state;
    lw_err_clear(&err);
    assert_int_equal(lw_csr_make(key, DOMAIN, NULL, &csr, &err), LW_OK);
    for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
        struct lw_buf in = LW_BUF_INIT;
        EVP_PKEY *k = key;
        const char *d = DOMAIN;

        lw_err_clear(&err);
        print_message("# case %zu\n", i);
        switch (match_cases[i].in) {
        case M_SAME:
            lw_buf_append(&in, csr.data, csr.len);
            break;
        case M_NO_CHECKS:
            lw_buf_append(&in, csr.data, csr.len);
            k = NULL;
            d = NULL;
            break;
        case M_BOM_CRLF:
            lw_buf_puts(&in, "\xEF\xBB\xBF");
            for (size_t j = 0; j < csr.len; j++) {
                if (csr.data[j] == '\n')
                    lw_buf_putc(&in, '\r');
                lw_buf_putc(&in, csr.data[j]);
            }
            break;
        case M_OTHER_KEY:
            lw_buf_append(&in, csr.data, csr.len);
            k = other;
            break;
        case M_OTHER_DOMAIN:
            lw_err_clear(&err);
            assert_int_equal(
                lw_csr_make(key, "other.example.com", NULL, &in, &err), LW_OK);
            break;
        case M_TAMPERED:
            tamper(&csr, &in);
            break;
        case M_GARBAGE:
            lw_buf_puts(&in, "not a CSR");
            break;
        }
        assert_int_equal(lw_csr_matches_key(in.data, in.len, k, d, &err),
                         match_cases[i].st);
        if (match_cases[i].msg != NULL)
            assert_true(tp_contains(err.msg, match_cases[i].msg));
        lw_buf_free(&in);
    }
    lw_buf_free(&csr);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subject_check),
        cmocka_unit_test(test_csr_make),
        cmocka_unit_test(test_csr_make_refuses),
        cmocka_unit_test(test_csr_matches_key),
    };

    return cmocka_run_group_tests_name("csr", tests, NULL, NULL);
}
