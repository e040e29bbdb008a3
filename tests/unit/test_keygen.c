/* test_keygen.c - key specs, generation, PEM in/out, fingerprints. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lw/keygen.h"
#include "testpki.h"

/* ---- lw_keyspec_parse ---------------------------------------------- */

static const struct {
    const char *type;
    unsigned long bits;
    const char *curve;
    enum lw_status st;
    enum lw_key_type want_type;
    unsigned want_bits;
    const char *msg; /* part of the message on failure */
} spec_cases[] = {
    {"rsa", 2048, NULL, LW_OK, LW_KEY_RSA, 2048, NULL},
    {"rsa", 3072, NULL, LW_OK, LW_KEY_RSA, 3072, NULL},
    {"rsa", 4096, "p256", LW_OK, LW_KEY_RSA, 4096, NULL},
    {"RSA", 2048, NULL, LW_OK, LW_KEY_RSA, 2048, NULL},
    {"ec", 0, "p256", LW_OK, LW_KEY_EC, 256, NULL},
    {"ec", 4096, "p384", LW_OK, LW_KEY_EC, 384, NULL},
    {"EC", 0, "P256", LW_OK, LW_KEY_EC, 256, NULL},
    {"rsa", 1024, NULL, LW_ERR_INPUT, 0, 0,
     "RSA keys of 1024 bits are not offered: use 2048, 3072 or 4096"},
    {"rsa", 0, NULL, LW_ERR_INPUT, 0, 0, "use 2048, 3072 or 4096"},
    {"rsa", 8192, NULL, LW_ERR_INPUT, 0, 0, "use 2048, 3072 or 4096"},
    {"ec", 0, "p521", LW_ERR_INPUT, 0, 0,
     "the EC curve \"p521\" is not offered: use p256 or p384"},
    {"ec", 0, "P-256", LW_ERR_INPUT, 0, 0, "use p256 or p384"},
    {"ec", 256, NULL, LW_ERR_INPUT, 0, 0, "needs a curve: use p256 or p384"},
    {"dsa", 2048, NULL, LW_ERR_INPUT, 0, 0,
     "the key type \"dsa\" is not offered: use rsa (2048, 3072 or 4096 "
     "bits) or ec (p256 or p384)"},
    {"", 2048, NULL, LW_ERR_INPUT, 0, 0, "the key type \"\" is not offered"},
    {NULL, 2048, NULL, LW_ERR_INPUT, 0, 0, "is not offered: use rsa"},
    {"rsa\n\x1b", 2048, NULL, LW_ERR_INPUT, 0, 0,
     "the key type \"rsa??\" is not offered"},
};

static void
test_keyspec_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(spec_cases) / sizeof(spec_cases[0]); i++) {
        struct lw_keyspec ks = {LW_KEY_RSA, 0};
        struct lw_err err;

        lw_err_clear(&err);
        print_message("# case %zu\n", i);
        assert_int_equal(lw_keyspec_parse(spec_cases[i].type,
                                          spec_cases[i].bits,
                                          spec_cases[i].curve, &ks, &err),
                         spec_cases[i].st);
        if (spec_cases[i].st == LW_OK) {
            assert_int_equal(ks.type, spec_cases[i].want_type);
            assert_int_equal(ks.bits, spec_cases[i].want_bits);
        } else {
            assert_int_equal(err.status, spec_cases[i].st);
            assert_true(tp_contains(err.msg, spec_cases[i].msg));
        }
    }
}

static const struct {
    struct lw_keyspec spec;
    const char *name, *type, *size;
} word_cases[] = {
    {{LW_KEY_RSA, 2048}, "RSA 2048", "rsa", "2048"},
    {{LW_KEY_RSA, 3072}, "RSA 3072", "rsa", "3072"},
    {{LW_KEY_RSA, 4096}, "RSA 4096", "rsa", "4096"},
    {{LW_KEY_EC, 256}, "EC P-256", "ec", "p256"},
    {{LW_KEY_EC, 384}, "EC P-384", "ec", "p384"},
    {{LW_KEY_RSA, 1024}, "RSA 1024", "rsa", "1024"},
    {{LW_KEY_RSA, 2000}, "RSA", "rsa", "?"},
};

static void
test_keyspec_words(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(word_cases) / sizeof(word_cases[0]); i++) {
        assert_string_equal(lw_keyspec_name(&word_cases[i].spec),
                            word_cases[i].name);
        assert_string_equal(lw_keyspec_type_word(&word_cases[i].spec),
                            word_cases[i].type);
        assert_string_equal(lw_keyspec_size_word(&word_cases[i].spec),
                            word_cases[i].size);
    }
}

/* ---- generation ------------------------------------------------------ */

static const struct lw_keyspec gen_cases[] = {
    {LW_KEY_RSA, 2048}, {LW_KEY_RSA, 3072}, {LW_KEY_RSA, 4096},
    {LW_KEY_EC, 256},   {LW_KEY_EC, 384},
};

struct counter {
    int calls;
    int stop_after; /* cancel on this call; 0 = never */
};

static bool
count_progress(void *ud, int phase, int count)
{
    struct counter *c = ud;

    (void)phase;
    (void)count;
    c->calls++;
    return c->stop_after == 0 || c->calls < c->stop_after;
}

static void
test_generate_roundtrip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(gen_cases) / sizeof(gen_cases[0]); i++) {
        struct counter c = {0, 0};
        struct lw_buf pem = LW_BUF_INIT;
        struct lw_keyspec got;
        EVP_PKEY *key = NULL, *back = NULL;
        struct lw_err err;

        lw_err_clear(&err);
        print_message("# %s\n", lw_keyspec_name(&gen_cases[i]));
        assert_int_equal(
            lw_keygen_generate(&gen_cases[i], count_progress, &c, &key, &err),
            LW_OK);
        assert_non_null(key);
        assert_true(lw_key_spec_of(key, &got));
        assert_int_equal(got.type, gen_cases[i].type);
        assert_int_equal(got.bits, gen_cases[i].bits);
        if (gen_cases[i].type == LW_KEY_RSA)
            assert_true(c.calls > 0); /* the prime search reports */

        assert_int_equal(lw_key_to_pem(key, &pem, &err), LW_OK);
        assert_true(strncmp(pem.data, "-----BEGIN PRIVATE KEY-----\n", 28) ==
                    0);
        assert_null(strstr(pem.data, "ENCRYPTED"));
        assert_int_equal(lw_key_parse(pem.data, pem.len, "k.pem", &back, &err),
                         LW_OK);
        assert_int_equal(EVP_PKEY_eq(key, back), 1);
        lw_buf_free_secure(&pem);
        EVP_PKEY_free(back);
        EVP_PKEY_free(key);
    }
}

static void
test_generate_cancel(void **state)
{
    struct lw_keyspec ks = {LW_KEY_RSA, 2048};
    struct counter c = {0, 3};
    EVP_PKEY *key = (EVP_PKEY *)&c; /* must be reset to NULL */
    struct lw_err err;

    (void)state;
    lw_err_clear(&err);
    assert_int_equal(lw_keygen_generate(&ks, count_progress, &c, &key, &err),
                     LW_ERR_INPUT);
    assert_null(key);
    assert_int_equal(c.calls, 3);
    assert_string_equal(err.msg, "key generation cancelled");
}

static void
test_generate_refuses_other_sizes(void **state)
{
    struct lw_keyspec ks = {LW_KEY_RSA, 1024};
    EVP_PKEY *key = NULL;
    struct lw_err err;

    (void)state;
    lw_err_clear(&err);
    assert_int_equal(lw_keygen_generate(&ks, NULL, NULL, &key, &err),
                     LW_ERR_INPUT);
    assert_null(key);
    assert_true(tp_contains(err.msg, "cannot generate RSA 1024 keys"));
}

static void
test_spec_of_other_kinds(void **state)
{
    EVP_PKEY *k1024 = tp_key_rsa(1024), *p521 = tp_key_ec("P-521");
    struct lw_keyspec got;

    (void)state;
    assert_true(lw_key_spec_of(k1024, &got));
    assert_int_equal(got.type, LW_KEY_RSA);
    assert_int_equal(got.bits, 1024);
    assert_string_equal(lw_keyspec_name(&got), "RSA 1024");
    assert_false(lw_key_spec_of(p521, &got));
    assert_false(lw_key_spec_of(NULL, &got));
    EVP_PKEY_free(k1024);
    EVP_PKEY_free(p521);
}

/* ---- lw_key_parse ---------------------------------------------------- */

enum parse_input {
    IN_PKCS8,
    IN_TRAD,
    IN_PKCS8_ENC,
    IN_TRAD_ENC,
    IN_BOM_CRLF,
    IN_CERT_THEN_KEY,
    IN_CERT_ONLY,
    IN_GARBAGE,
    IN_EMPTY,
};

static const struct {
    enum parse_input in;
    bool rsa;
    enum lw_status st;
    const char *msg;
    const char *hint;
} parse_cases[] = {
    {IN_PKCS8, true, LW_OK, NULL, NULL},
    {IN_PKCS8, false, LW_OK, NULL, NULL},
    {IN_TRAD, true, LW_OK, NULL, NULL},
    {IN_TRAD, false, LW_OK, NULL, NULL},
    {IN_BOM_CRLF, false, LW_OK, NULL, NULL},
    {IN_CERT_THEN_KEY, false, LW_OK, NULL, NULL},
    {IN_PKCS8_ENC, true, LW_ERR_INPUT,
     "the private key in /etc/x.key is encrypted; linkwiz needs it "
     "unencrypted: openssl pkey -in /etc/x.key -out /etc/x.key.plain",
     "pass phrase"},
    {IN_PKCS8_ENC, false, LW_ERR_INPUT, "is encrypted", NULL},
    {IN_TRAD_ENC, true, LW_ERR_INPUT,
     "the private key in /etc/x.key is encrypted; linkwiz needs it "
     "unencrypted: openssl pkey -in /etc/x.key -out /etc/x.key.plain",
     NULL},
    {IN_TRAD_ENC, false, LW_ERR_INPUT, "is encrypted", NULL},
    {IN_CERT_ONLY, false, LW_ERR_INPUT, "no private key found in /etc/x.key",
     "BEGIN PRIVATE KEY"},
    {IN_GARBAGE, false, LW_ERR_INPUT, "no private key found in /etc/x.key",
     NULL},
    {IN_EMPTY, false, LW_ERR_INPUT, "/etc/x.key is empty: it holds no private "
     "key", "Remove the empty file"},
};

static void
make_parse_input(struct lw_buf *b, enum parse_input in, EVP_PKEY *key,
                 X509 *cert)
{
    struct lw_buf tmp = LW_BUF_INIT;

    switch (in) {
    case IN_PKCS8:
        tp_key_pem(b, key, TP_KEY_PKCS8, NULL);
        break;
    case IN_TRAD:
        tp_key_pem(b, key, TP_KEY_TRAD, NULL);
        break;
    case IN_PKCS8_ENC:
        tp_key_pem(b, key, TP_KEY_PKCS8_ENC, "secret");
        break;
    case IN_TRAD_ENC:
        tp_key_pem(b, key, TP_KEY_TRAD_ENC, "secret");
        break;
    case IN_BOM_CRLF:
        tp_key_pem(&tmp, key, TP_KEY_PKCS8, NULL);
        lw_buf_puts(b, "\xEF\xBB\xBF");
        for (size_t i = 0; i < tmp.len; i++) {
            if (tmp.data[i] == '\n')
                lw_buf_putc(b, '\r');
            lw_buf_putc(b, tmp.data[i]);
        }
        break;
    case IN_CERT_THEN_KEY:
        tp_certs(b, TP_PEM, cert, NULL);
        lw_buf_puts(b, "some text\n");
        tp_key_pem(b, key, TP_KEY_PKCS8, NULL);
        break;
    case IN_CERT_ONLY:
        tp_certs(b, TP_PEM, cert, NULL);
        break;
    case IN_GARBAGE:
        lw_buf_puts(b, "hello\n-----BEGIN PRIVATE KEY-----\nnot base64!\n");
        break;
    case IN_EMPTY:
        lw_buf_puts(b, "");
        break;
    }
    lw_buf_free(&tmp);
}

static void
test_key_parse(void **state)
{
    EVP_PKEY *rsa = tp_key_rsa(2048), *ec = tp_key_ec("P-256");
    X509 *cert = tp_root("Test Root CA", ec);

    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        EVP_PKEY *want = parse_cases[i].rsa ? rsa : ec, *got = NULL;
        struct lw_buf in = LW_BUF_INIT;
        struct lw_err err;

        lw_err_clear(&err);
        print_message("# case %zu\n", i);
        make_parse_input(&in, parse_cases[i].in, want, cert);
        /* An empty file read into a buffer leaves data NULL: as setup
         * passes it. */
        assert_int_equal(lw_key_parse(in.len != 0 ? in.data : NULL, in.len,
                                      "/etc/x.key", &got, &err),
                         parse_cases[i].st);
        if (parse_cases[i].st == LW_OK) {
            assert_non_null(got);
            assert_int_equal(EVP_PKEY_eq(got, want), 1);
        } else {
            assert_null(got);
            assert_true(tp_contains(err.msg, parse_cases[i].msg));
            if (parse_cases[i].hint != NULL)
                assert_true(tp_contains(err.hint, parse_cases[i].hint));
        }
        EVP_PKEY_free(got);
        lw_buf_free_secure(&in);
    }
    X509_free(cert);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
}

/* ---- fingerprints ---------------------------------------------------- */

static void
test_fingerprint(void **state)
{
    EVP_PKEY *a = tp_key_ec("P-256"), *b = tp_key_ec("P-256");
    X509 *cert = tp_root("Test Root CA", a);
    char fa[LW_FINGERPRINT_MAX], fb[LW_FINGERPRINT_MAX], fc[LW_FINGERPRINT_MAX];
    struct lw_err err;

    (void)state;
    lw_err_clear(&err);
    assert_int_equal(lw_key_fingerprint(a, fa, &err), LW_OK);
    assert_int_equal(lw_key_fingerprint(b, fb, &err), LW_OK);
    assert_int_equal(lw_key_fingerprint(X509_get0_pubkey(cert), fc, &err),
                     LW_OK);
    assert_int_equal(strlen(fa), 95);
    for (size_t i = 0; i < 95; i++) {
        if (i % 3 == 2)
            assert_int_equal(fa[i], ':');
        else
            assert_non_null(strchr("0123456789ABCDEF", fa[i]));
    }
    assert_string_equal(fa, fc); /* private key and certificate agree */
    assert_string_not_equal(fa, fb);
    X509_free(cert);
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyspec_parse),
        cmocka_unit_test(test_keyspec_words),
        cmocka_unit_test(test_generate_roundtrip),
        cmocka_unit_test(test_generate_cancel),
        cmocka_unit_test(test_generate_refuses_other_sizes),
        cmocka_unit_test(test_spec_of_other_kinds),
        cmocka_unit_test(test_key_parse),
        cmocka_unit_test(test_fingerprint),
    };

    return cmocka_run_group_tests_name("keygen", tests, NULL, NULL);
}
