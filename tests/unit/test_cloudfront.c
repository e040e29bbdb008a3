/* test_cloudfront.c - the CloudFront method: every field of the
 * distribution config (and python3 -m json.tool accepts the file), the
 * ARN, distribution and apex rules, the key rule, the files for ACM, the
 * commands and next steps, the tracked-link probe and Amazon's CAA, and
 * the setup flow for cloudfront under a temporary root. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/pem.h>

#include "lw/check.h"
#include "lw/cloudfront.h"
#include "lw/keygen.h"
#include "lw/proc.h"
#include "lw/setup.h"
#include "testpki.h"

#define D "link.example.com"
#define ARN                                                                    \
    "arn:aws:acm:us-east-1:123456789012:certificate/"                          \
    "12345678-90ab-cdef-1234-567890abcdef"
#define DIST "d111111abcdef8.cloudfront.net"
#define NOW ((time_t)1796000000) /* 2026-11-30T00:53:20Z */

/* ---- the distribution config ----------------------------------------- */

static json_t *
config_for(const char *origin, unsigned port, const char *ref)
{
    struct lw_cf_params p = {D, origin, port, ARN, NOW, ref};
    struct lw_buf b = LW_BUF_INIT;
    struct lw_err err;
    json_error_t jerr;
    json_t *doc;

    lw_err_clear(&err);
    assert_int_equal(lw_cloudfront_config_json(&p, &b, &err), LW_OK);
    assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
    doc = json_loadb(b.data, b.len, 0, &jerr);
    assert_non_null(doc);
    lw_buf_free(&b);
    return doc;
}

/* The value at a path of keys and [indexes], e.g.
 * "DefaultCacheBehavior.AllowedMethods.Items.2". */
static json_t *
at(json_t *doc, const char *path)
{
    char buf[256], *save = NULL, *k;
    json_t *v = doc;

    snprintf(buf, sizeof(buf), "%s", path);
    for (k = strtok_r(buf, ".", &save); k != NULL && v != NULL;
         k = strtok_r(NULL, ".", &save)) {
        if (json_is_array(v))
            v = json_array_get(v, (size_t)strtoul(k, NULL, 10));
        else
            v = json_object_get(v, k);
    }
    if (v == NULL)
        fprintf(stderr, "no value at %s\n", path);
    return v;
}

static const struct {
    const char *path;
    const char *str; /* expected string, or NULL */
    long num;        /* expected integer/bool when str is NULL; -1 = false */
} config_fields[] = {
    {"CallerReference", "linkwiz-" D "-20261130T005320Z", 0},
    {"Comment", "linkwiz: link tracking for " D, 0},
    {"Enabled", NULL, 1},
    {"Aliases.Quantity", NULL, 1},
    {"Aliases.Items.0", D, 0},
    {"Origins.Quantity", NULL, 1},
    {"Origins.Items.0.Id", "track.customer.io", 0},
    {"Origins.Items.0.DomainName", "track.customer.io", 0},
    {"Origins.Items.0.OriginPath", "", 0},
    {"Origins.Items.0.CustomOriginConfig.HTTPPort", NULL, 80},
    {"Origins.Items.0.CustomOriginConfig.HTTPSPort", NULL, 443},
    {"Origins.Items.0.CustomOriginConfig.OriginProtocolPolicy", "https-only",
     0},
    {"Origins.Items.0.CustomOriginConfig.OriginSslProtocols.Quantity", NULL,
     1},
    {"Origins.Items.0.CustomOriginConfig.OriginSslProtocols.Items.0",
     "TLSv1.2", 0},
    {"DefaultCacheBehavior.TargetOriginId", "track.customer.io", 0},
    {"DefaultCacheBehavior.ViewerProtocolPolicy", "allow-all", 0},
    {"DefaultCacheBehavior.AllowedMethods.Quantity", NULL, 7},
    {"DefaultCacheBehavior.AllowedMethods.Items.0", "GET", 0},
    {"DefaultCacheBehavior.AllowedMethods.Items.1", "HEAD", 0},
    {"DefaultCacheBehavior.AllowedMethods.Items.2", "OPTIONS", 0},
    {"DefaultCacheBehavior.AllowedMethods.Items.3", "PUT", 0},
    {"DefaultCacheBehavior.AllowedMethods.Items.4", "POST", 0},
    {"DefaultCacheBehavior.AllowedMethods.Items.5", "PATCH", 0},
    {"DefaultCacheBehavior.AllowedMethods.Items.6", "DELETE", 0},
    {"DefaultCacheBehavior.AllowedMethods.CachedMethods.Quantity", NULL, 2},
    {"DefaultCacheBehavior.AllowedMethods.CachedMethods.Items.0", "GET", 0},
    {"DefaultCacheBehavior.AllowedMethods.CachedMethods.Items.1", "HEAD", 0},
    {"DefaultCacheBehavior.ForwardedValues.QueryString", NULL, 1},
    {"DefaultCacheBehavior.ForwardedValues.Cookies.Forward", "all", 0},
    {"DefaultCacheBehavior.ForwardedValues.Headers.Quantity", NULL, 1},
    {"DefaultCacheBehavior.ForwardedValues.Headers.Items.0", "*", 0},
    {"DefaultCacheBehavior.MinTTL", NULL, 0},
    {"DefaultCacheBehavior.DefaultTTL", NULL, 0},
    {"DefaultCacheBehavior.MaxTTL", NULL, 0},
    {"ViewerCertificate.ACMCertificateArn", ARN, 0},
    {"ViewerCertificate.SSLSupportMethod", "sni-only", 0},
    {"ViewerCertificate.MinimumProtocolVersion", "TLSv1.2_2021", 0},
    {"ViewerCertificate.CloudFrontDefaultCertificate", NULL, -1},
};

static void
test_config_fields(void **state)
{
    json_t *doc = config_for("track.customer.io", 0, NULL), *v;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(config_fields) / sizeof(config_fields[0]); i++) {
        print_message("# %s\n", config_fields[i].path);
        v = at(doc, config_fields[i].path);
        assert_non_null(v);
        if (config_fields[i].str != NULL) {
            assert_true(json_is_string(v));
            assert_string_equal(json_string_value(v), config_fields[i].str);
        } else if (config_fields[i].num == -1) {
            assert_true(json_is_false(v));
        } else if (json_is_boolean(v)) {
            assert_int_equal(json_is_true(v), config_fields[i].num);
        } else {
            assert_true(json_is_integer(v));
            assert_int_equal(json_integer_value(v), config_fields[i].num);
        }
    }
    /* Exactly these: one origin, one alias, no cache policy that would
     * replace the legacy settings. */
    assert_int_equal(json_array_size(at(doc, "Origins.Items")), 1);
    assert_int_equal(json_array_size(at(doc, "Aliases.Items")), 1);
    assert_int_equal(
        json_array_size(at(doc, "DefaultCacheBehavior.AllowedMethods.Items")),
        7);
    assert_null(json_object_get(at(doc, "DefaultCacheBehavior"),
                                "CachePolicyId"));
    assert_null(json_object_get(at(doc, "DefaultCacheBehavior"),
                                "OriginRequestPolicyId"));
    json_decref(doc);
}

static void
test_config_port_and_reference(void **state)
{
    json_t *doc = config_for("track-eu.customer.io", 8443,
                             "linkwiz-" D "-20250101T000000Z");

    (void)state;
    assert_int_equal(
        json_integer_value(
            at(doc, "Origins.Items.0.CustomOriginConfig.HTTPSPort")),
        8443);
    assert_string_equal(json_string_value(at(doc, "Origins.Items.0.Id")),
                        "track-eu.customer.io");
    assert_string_equal(json_string_value(at(doc, "CallerReference")),
                        "linkwiz-" D "-20250101T000000Z");
    json_decref(doc);
}

static void
test_config_refused(void **state)
{
    static const struct {
        const char *domain, *origin, *arn, *msg;
    } cases[] = {
        {"bad domain;", "track.customer.io", ARN, "valid link domain"},
        {D, NULL, ARN, "tracking host"},
        {D, "track.customer.io", NULL, "is not an ACM certificate ARN"},
        {D, "track.customer.io",
         "arn:aws:acm:eu-west-1:123456789012:certificate/"
         "12345678-90ab-cdef-1234-567890abcdef",
         "only uses certificates from ACM in us-east-1"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lw_cf_params p = {cases[i].domain, cases[i].origin, 0,
                                 cases[i].arn, NOW, NULL};
        struct lw_buf b = LW_BUF_INIT;
        struct lw_err err;

        lw_err_clear(&err);
        assert_int_equal(lw_cloudfront_config_json(&p, &b, &err),
                         LW_ERR_INPUT);
        assert_true(tp_contains(err.msg, cases[i].msg));
        assert_int_equal(b.len, 0);
        lw_buf_free(&b);
    }
}

/* The file as written is what `aws cloudfront create-distribution
 * --distribution-config file://…` reads: JSON python accepts. */
static void
test_config_json_tool(void **state)
{
    struct lw_cf_params p = {D, "track.customer.io", 0, ARN, NOW, NULL};
    struct lw_buf b = LW_BUF_INIT;
    struct lw_proc_result r;
    struct lw_err err;
    char *dir, *path;
    const char *argv[] = {"python3", "-m", "json.tool", NULL, NULL};

    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0 &&
        access("/bin/python3", X_OK) != 0)
        skip();
    assert_int_equal(lw_cloudfront_config_json(&p, &b, &err), LW_OK);
    dir = tp_tmpdir();
    path = tp_write_file(dir, D ".json", b.data, b.len);
    argv[3] = path;
    lw_proc_result_init(&r);
    assert_int_equal(lw_proc_run(argv, 20000, &r, &err), LW_OK);
    if (r.exit_code != 0)
        fprintf(stderr, "%s\n", r.err.data ? r.err.data : "");
    assert_int_equal(r.exit_code, 0);
    assert_true(tp_contains(r.out.data, "\"ACMCertificateArn\": \"" ARN));
    lw_proc_result_free(&r);
    free(path);
    tp_rmtree(dir);
    lw_buf_free(&b);
}

static void
test_old_reference(void **state)
{
    static const struct {
        const char *doc, *want;
    } cases[] = {
        {"{\"CallerReference\": \"linkwiz-" D "-20250101T000000Z\"}",
         "linkwiz-" D "-20250101T000000Z"},
        {"{\"CallerReference\": \"linkwiz-other.example.com-20250101T000000Z\"}",
         NULL},
        {"{\"CallerReference\": \"linkwiz-" D "-x; rm\"}", NULL},
        {"{\"CallerReference\": 12}", NULL},
        {"not json", NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = lw_cloudfront_old_reference(
            cases[i].doc, strlen(cases[i].doc), D);
        if (cases[i].want == NULL)
            assert_null(got);
        else
            assert_string_equal(got, cases[i].want);
        free(got);
    }
}

/* ---- what the operator copies from AWS ------------------------------- */

static void
test_arn(void **state)
{
    static const struct {
        const char *arn;
        enum lw_status st;
        const char *msg;
    } cases[] = {
        {ARN, LW_OK, ""},
        {"arn:aws:acm:eu-west-1:123456789012:certificate/"
         "12345678-90ab-cdef-1234-567890abcdef",
         LW_ERR_INPUT,
         "is in the region eu-west-1, but CloudFront only uses certificates "
         "from ACM in us-east-1"},
        {"arn:aws:acm:us-east-1:12345678901:certificate/"
         "12345678-90ab-cdef-1234-567890abcdef",
         LW_ERR_INPUT, "is not an ACM certificate ARN"},
        {"arn:aws:acm:us-east-1:123456789012:certificate/"
         "12345678-90AB-cdef-1234-567890abcdef",
         LW_ERR_INPUT, "is not an ACM certificate ARN"},
        {"arn:aws:acm:us-east-1:123456789012:certificate/abc", LW_ERR_INPUT,
         "is not an ACM certificate ARN"},
        {"arn:aws:acm:us-east-1:123456789012:certificate/"
         "12345678-90ab-cdef-1234-567890abcdef/x",
         LW_ERR_INPUT, "is not an ACM certificate ARN"},
        {"arn:aws:iam::123456789012:role/x", LW_ERR_INPUT,
         "\"arn:aws:iam::123456789012:role/x\" is not an ACM certificate ARN"},
        {"", LW_ERR_INPUT, "\"\" is not an ACM certificate ARN"},
        {"arn:aws:acm:us-east-1:1234\x1b[2J", LW_ERR_INPUT,
         "\"arn:aws:acm:us-east-1:1234?[2J\""},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lw_err err;

        lw_err_clear(&err);
        assert_int_equal(lw_cloudfront_check_arn(cases[i].arn, &err),
                         cases[i].st);
        assert_true(tp_contains(err.msg, cases[i].msg));
        if (cases[i].st != LW_OK)
            assert_true(err.hint[0] != '\0');
    }
}

static void
test_dist(void **state)
{
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {DIST, true},
        {"d1234567890abc.cloudfront.net", true},     /* 13 */
        {"d1234567890abcd.cloudfront.net", true},    /* 14 */
        {"d123456789012.cloudfront.net", false},     /* 12 */
        {"d123456789012345.cloudfront.net", false},  /* 15 */
        {"D111111abcdef8.cloudfront.net", false},
        {"d111111ABCDEF8.cloudfront.net", false},
        {"e111111abcdef8.cloudfront.net", false},
        {"d111111abcdef8.cloudfront.net.", false},
        {"d111111abcdef8.cloudfront.com", false},
        {"d111111-bcdef8.cloudfront.net", false},
        {"x.d111111abcdef8.cloudfront.net", false},
        {"", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lw_err err;

        lw_err_clear(&err);
        print_message("# %s\n", cases[i].s);
        assert_int_equal(lw_cloudfront_dist_valid(cases[i].s), cases[i].ok);
        assert_int_equal(lw_cloudfront_check_dist(cases[i].s, &err),
                         cases[i].ok ? LW_OK : LW_ERR_INPUT);
        if (!cases[i].ok)
            assert_true(tp_contains(err.msg,
                                    "is not a CloudFront distribution "
                                    "domain"));
    }
    assert_false(lw_cloudfront_dist_valid(NULL));
}

static void
test_apex(void **state)
{
    static const struct {
        const char *d;
        enum lw_status st;
    } cases[] = {
        {D, LW_OK},
        {"a.b.example.co.uk", LW_OK},
        {"example.com", LW_ERR_INPUT},
        {"example.co.uk", LW_ERR_INPUT},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lw_err err;

        lw_err_clear(&err);
        assert_int_equal(lw_cloudfront_check_domain(cases[i].d, &err),
                         cases[i].st);
        if (cases[i].st != LW_OK) {
            assert_true(tp_contains(err.msg, "is the apex of its zone"));
            assert_true(tp_contains(err.msg, "a CNAME cannot live at a zone "
                                             "apex"));
        }
    }
}

/* ---- the key rule ------------------------------------------------------ */

static void
test_key_rule(void **state)
{
    struct {
        EVP_PKEY *key;
        enum lw_status st;
        const char *warn; /* "" none */
        const char *msg;
    } cases[4];
    size_t i;

    (void)state;
    cases[0].key = tp_key_rsa(2048);
    cases[0].st = LW_OK;
    cases[0].warn = "";
    cases[0].msg = "";
    cases[1].key = tp_key_rsa(3072);
    cases[1].st = LW_OK;
    cases[1].warn = "The key is RSA 3072. ACM may import it, but the "
                    "provider's guide says the certificate for CloudFront "
                    "cannot be more than 2048-bit RSA";
    cases[1].msg = "";
    cases[2].key = tp_key_ec("P-256");
    cases[2].st = LW_OK;
    cases[2].warn = "asks for RSA of at most 2048 bits for CloudFront";
    cases[2].msg = "";
    cases[3].key = tp_key_rsa(1024);
    cases[3].st = LW_ERR_INPUT;
    cases[3].warn = "";
    cases[3].msg = "the key is RSA 1024: too small";
    for (i = 0; i < 4; i++) {
        char warn[512] = "x";
        struct lw_err err;

        lw_err_clear(&err);
        assert_int_equal(lw_cloudfront_key_rule(cases[i].key, warn,
                                                sizeof(warn), &err),
                         cases[i].st);
        if (cases[i].warn[0] == '\0')
            assert_string_equal(warn, "");
        else
            assert_true(tp_contains(warn, cases[i].warn));
        assert_true(tp_contains(err.msg, cases[i].msg));
        EVP_PKEY_free(cases[i].key);
    }
}

/* ---- files and commands ---------------------------------------------- */

static int
pem_count(const struct lw_buf *b)
{
    int n = 0;
    const char *p = b->data;

    while (p != NULL && (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL) {
        n++;
        p++;
    }
    return n;
}

static void
test_split_chain(void **state)
{
    struct tp_pki pki;
    struct lw_chain chain;
    struct lw_buf leaf = LW_BUF_INIT, inter = LW_BUF_INIT, want = LW_BUF_INIT;
    struct lw_err err;

    (void)state;
    tp_pki_make(&pki, D, NULL);
    memset(&chain, 0, sizeof(chain));
    chain.certs = sk_X509_new_null();
    X509_up_ref(pki.leaf);
    X509_up_ref(pki.inter);
    sk_X509_push(chain.certs, pki.leaf);
    sk_X509_push(chain.certs, pki.inter);
    assert_int_equal(lw_cloudfront_split_chain(&chain, &leaf, &inter, &err),
                     LW_OK);
    assert_int_equal(pem_count(&leaf), 1);
    assert_int_equal(pem_count(&inter), 1);
    tp_certs(&want, TP_PEM, pki.leaf, NULL);
    assert_string_equal(leaf.data, want.data);
    lw_buf_reset(&want);
    tp_certs(&want, TP_PEM, pki.inter, NULL);
    assert_string_equal(inter.data, want.data);
    /* A leaf issued by a root directly: no chain file. */
    X509_free(sk_X509_pop(chain.certs));
    lw_buf_reset(&leaf);
    lw_buf_reset(&inter);
    assert_int_equal(lw_cloudfront_split_chain(&chain, &leaf, &inter, &err),
                     LW_OK);
    assert_int_equal(pem_count(&leaf), 1);
    assert_int_equal(inter.len, 0);
    lw_chain_free(&chain);
    lw_buf_free(&leaf);
    lw_buf_free(&inter);
    lw_buf_free(&want);
    tp_pki_free(&pki);
}

static void
test_commands(void **state)
{
    struct lw_cf_paths p;
    struct lw_buf b = LW_BUF_INIT;
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_cloudfront_paths(D, &p, &err), LW_OK);
    assert_string_equal(p.json, "/var/lib/linkwiz/cloudfront/" D ".json");
    lw_cloudfront_import_cmd(&p, "/etc/pki/tls/private/" D ".key", true, &b);
    assert_string_equal(
        b.data, "aws acm import-certificate --region us-east-1 --certificate "
                "fileb:///var/lib/linkwiz/cloudfront/" D ".leaf.pem "
                "--certificate-chain fileb:///var/lib/linkwiz/cloudfront/" D
                ".chain.pem --private-key fileb:///etc/pki/tls/private/" D
                ".key");
    lw_buf_reset(&b);
    lw_cloudfront_import_cmd(&p, "/k.key", false, &b);
    assert_null(strstr(b.data, "--certificate-chain"));
    assert_true(tp_contains(b.data, "--private-key fileb:///k.key"));
    lw_buf_reset(&b);
    lw_cloudfront_create_cmd(&p, &b);
    assert_string_equal(b.data,
                        "aws cloudfront create-distribution "
                        "--distribution-config "
                        "file:///var/lib/linkwiz/cloudfront/" D ".json");
    lw_buf_reset(&b);
    lw_cloudfront_request_cmd(D, &b);
    assert_string_equal(b.data, "aws acm request-certificate --region "
                                "us-east-1 --domain-name " D
                                " --validation-method DNS --key-algorithm "
                                "RSA_2048");
    lw_buf_reset(&b);
    lw_cloudfront_dns_record(D, DIST, &b);
    assert_string_equal(b.data, D ".  CNAME  " DIST ".");
    assert_int_equal(lw_cloudfront_paths("../x", &p, &err), LW_ERR_INPUT);
    lw_buf_free(&b);
}

static void
test_next_steps(void **state)
{
    struct lw_profile *prof = NULL;
    struct lw_config c;
    struct lw_buf b = LW_BUF_INIT;

    (void)state;
    assert_int_equal(lw_profile_load(NULL, &prof, NULL), LW_OK);
    lw_config_init(&c);
    snprintf(c.domain, sizeof(c.domain), D);
    c.region = strdup("us");
    c.method = LW_METHOD_CLOUDFRONT;
    /* 1. no ARN: the import command and the request alternative */
    lw_cloudfront_next_steps(&c, prof, false, true, &b);
    assert_true(tp_contains(b.data, "1. Import the certificate into ACM in "
                                    "us-east-1"));
    assert_true(tp_contains(b.data, "aws acm import-certificate --region "
                                    "us-east-1"));
    assert_true(tp_contains(b.data, "then no private key leaves AWS"));
    assert_true(tp_contains(b.data, "aws acm request-certificate"));
    assert_false(strstr(b.data, "create-distribution") != NULL);
    /* 2. ARN: the distribution, by command and by console */
    c.acm_certificate_arn = strdup(ARN);
    lw_buf_reset(&b);
    lw_cloudfront_next_steps(&c, prof, true, false, &b);
    assert_true(tp_contains(b.data, "requested in ACM: its private key never "
                                    "leaves AWS"));
    assert_true(tp_contains(b.data,
                            "aws cloudfront create-distribution "
                            "--distribution-config file:///var/lib/linkwiz/"
                            "cloudfront/" D ".json"));
    assert_true(tp_contains(b.data, "Origin domain: track.customer.io; "
                                    "Protocol: HTTPS only; Minimum origin SSL "
                                    "protocol: TLSv1.2"));
    assert_true(tp_contains(b.data, "Headers: All; Query strings: All"));
    assert_true(tp_contains(b.data, "Security policy: TLSv1.2_2021"));
    assert_true(tp_contains(b.data, "Custom SSL certificate: " ARN));
    assert_false(strstr(b.data, "import-certificate") != NULL);
    /* 3. distribution: the CNAME */
    c.distribution_domain = strdup(DIST);
    lw_buf_reset(&b);
    lw_cloudfront_next_steps(&c, prof, false, true, &b);
    assert_true(tp_contains(b.data, "1. In your DNS, create this record:\n"
                                    "     " D ".  CNAME  " DIST ".\n"));
    assert_true(tp_contains(b.data, "enter " D " and press Verify"));
    assert_false(strstr(b.data, "create-distribution") != NULL);
    lw_buf_free(&b);
    lw_config_free(&c);
    lw_profile_free(prof);
}

static void
test_acm_requested(void **state)
{
    struct lw_state s;

    (void)state;
    lw_state_init(&s);
    s.config.method = LW_METHOD_CLOUDFRONT;
    assert_false(lw_cloudfront_acm_requested(&s));
    s.config.acm_certificate_arn = strdup(ARN);
    assert_true(lw_cloudfront_acm_requested(&s));
    s.key_fingerprint = strdup("AB:CD");
    assert_false(lw_cloudfront_acm_requested(&s));
    free(s.key_fingerprint);
    s.key_fingerprint = NULL;
    s.config.method = LW_METHOD_NGINX;
    assert_false(lw_cloudfront_acm_requested(&s));
    lw_state_free(&s);
}

/* ---- check: the tracked-link probe, Amazon's CAA --------------------- */

static void
test_link_probe(void **state)
{
    static const struct {
        bool ok;
        long status;
        const char *body;
        enum lw_check_status want;
        const char *summary, *hint;
    } cases[] = {
        {true, 403, "Invalid link security token\n", LW_CHECK_FAIL,
         "answered 403 \"Invalid link security token\": the tracking host "
         "did not get the link domain as the Host header",
         "forward all headers (Headers: All)"},
        {true, 200, "<html>invalid LINK security token</html>", LW_CHECK_FAIL,
         "answered 200 \"Invalid link security token\"", "Legacy cache"},
        {true, 302, "", LW_CHECK_PASS,
         "reached the tracking host with the link domain as Host (it "
         "answered 302)",
         NULL},
        {false, 0, "", LW_CHECK_SKIP, "could not be fetched (timed out)",
         NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lw_http_resp resp;
        struct lw_check_result r;

        memset(&resp, 0, sizeof(resp));
        memset(&r, 0, sizeof(r));
        lw_buf_init(&resp.body);
        resp.ok = cases[i].ok;
        resp.status = cases[i].status;
        lw_buf_puts(&resp.body, cases[i].body);
        snprintf(resp.error, sizeof(resp.error), "timed out");
        lw_check_eval_link_probe(&resp, "https://" D LW_CF_PROBE_PATH, &r);
        assert_int_equal(r.status, cases[i].want);
        assert_true(tp_contains(r.summary, cases[i].summary));
        if (cases[i].hint != NULL)
            assert_true(tp_contains(r.hint, cases[i].hint));
        else
            assert_null(r.hint);
        lw_check_result_clear(&r);
        lw_buf_free(&resp.body);
    }
}

static void
test_caa_acm(void **state)
{
    static const struct {
        const char *rr[3];
        enum lw_check_status want;
        const char *summary;
    } cases[] = {
        {{NULL}, LW_CHECK_PASS, "No CAA record limits"},
        {{"0 issue \"amazon.com\"", NULL}, LW_CHECK_PASS, "allow Amazon"},
        {{"0 issue \"letsencrypt.org\"", "0 issue \"amazonaws.com\"", NULL},
         LW_CHECK_PASS, "allow Amazon"},
        {{"0 issue \"awstrust.com; cansignhttpexchanges=yes\"", NULL},
         LW_CHECK_PASS, "allow Amazon"},
        {{"0 iodef \"mailto:x@example.com\"", NULL}, LW_CHECK_PASS,
         "do not limit issuance"},
        {{"0 issue \"letsencrypt.org\"", NULL}, LW_CHECK_WARN,
         "allow only letsencrypt.org, not Amazon: ACM cannot issue or renew"},
    };
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lw_check_result r;

        memset(&r, 0, sizeof(r));
        for (n = 0; cases[i].rr[n] != NULL; n++)
            ;
        lw_check_eval_caa_acm(n > 0 ? cases[i].rr : NULL, n,
                              n > 0 ? "example.com" : NULL, D, &r);
        assert_int_equal(r.status, cases[i].want);
        assert_true(tp_contains(r.summary, cases[i].summary));
        if (cases[i].want == LW_CHECK_WARN)
            assert_true(tp_contains(r.hint, "0 issue \"amazon.com\""));
        lw_check_result_clear(&r);
    }
}

/* ---- setup with method cloudfront ------------------------------------ */

struct fx {
    char *dir;
    char root[512];
    char state[600];
    struct lw_profile *prof;
    struct lw_config cfg;
    struct lw_setup_env env;
    struct tp_pki pki;
    bool have_pki;
    char *ca_file;
    char notices[4096];
};

static void
on_notice(void *ud, enum lw_notice level, const char *msg)
{
    struct fx *f = ud;
    size_t len = strlen(f->notices);

    snprintf(f->notices + len, sizeof(f->notices) - len, "%s%s\n",
             level == LW_NOTICE_WARN ? "W: " : "I: ", msg);
}

static int
setup_fx(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    f->dir = tp_tmpdir();
    snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
    mkdir(f->root, 0755);
    snprintf(f->state, sizeof(f->state), "%s/var/lib/linkwiz/state.yaml",
             f->root);
    assert_int_equal(lw_profile_load(NULL, &f->prof, NULL), LW_OK);
    lw_config_init(&f->cfg);
    snprintf(f->cfg.domain, sizeof(f->cfg.domain), D);
    f->cfg.region = strdup("us");
    f->cfg.method = LW_METHOD_CLOUDFRONT;
    f->env.root = f->root;
    f->env.state_path = f->state;
    f->env.profile = f->prof;
    /* Now, not NOW: the test certificates are valid from yesterday. */
    f->env.now = time(NULL);
    f->env.ops.notice = on_notice;
    f->env.ops.ud = f;
    *state = f;
    return 0;
}

static int
teardown_fx(void **state)
{
    struct fx *f = *state;

    lw_config_free(&f->cfg);
    lw_profile_free(f->prof);
    if (f->have_pki)
        tp_pki_free(&f->pki);
    free(f->ca_file);
    tp_rmtree(f->dir);
    free(f);
    return 0;
}

static enum lw_status
run(struct fx *f, struct lw_setup_report *rep, struct lw_err *err)
{
    lw_setup_report_init(rep);
    lw_err_clear(err);
    f->notices[0] = '\0';
    return lw_setup_run(&f->env, &f->cfg, rep, err);
}

static unsigned
mode_of(const struct fx *f, const char *path)
{
    char full[1024];
    struct stat st;

    snprintf(full, sizeof(full), "%s%s", f->root, path);
    if (stat(full, &st) != 0)
        return 0;
    return st.st_mode & 07777;
}

static char *
slurp_under(const struct fx *f, const char *path)
{
    struct lw_buf b = LW_BUF_INIT;
    char full[1024];

    snprintf(full, sizeof(full), "%s%s", f->root, path);
    if (lw_buf_read_file(&b, full, 1 << 20, NULL) != LW_OK) {
        lw_buf_free(&b);
        return NULL;
    }
    return lw_buf_steal(&b, NULL);
}

/* Put key at the key path (as an operator's earlier key). */
static void
put_key(struct fx *f, EVP_PKEY *key)
{
    struct lw_buf pem = LW_BUF_INIT;
    char dir[1024];

    snprintf(dir, sizeof(dir), "%s/etc/pki/tls/private", f->root);
    assert_int_equal(lw_mkdirs(dir, 0700, NULL), LW_OK);
    tp_key_pem(&pem, key, TP_KEY_PKCS8, NULL);
    free(tp_write_file_mode(dir, D ".key", pem.data, pem.len, 0600));
    lw_buf_free_secure(&pem);
}

/* A chain for the key at the key path: files/chain.pem, the root in
 * files/root.pem; cfg.certificate points at the chain. */
static void
sign_installed_key(struct fx *f)
{
    char *pem = slurp_under(f, "/etc/pki/tls/private/" D ".key");
    EVP_PKEY *key = NULL;
    X509 *leaf;

    assert_non_null(pem);
    assert_int_equal(lw_key_parse(pem, strlen(pem), "key", &key, NULL),
                     LW_OK);
    free(pem);
    if (!f->have_pki) {
        tp_pki_make(&f->pki, "unused.example.com", NULL);
        f->have_pki = true;
        f->ca_file = tp_write_certs(f->dir, "root.pem", TP_PEM, f->pki.root,
                                    NULL);
        f->env.ca_file = f->ca_file;
    }
    leaf = tp_leaf(D, key, f->pki.inter, f->pki.inter_key);
    free(f->cfg.certificate);
    f->cfg.certificate = tp_write_certs(f->dir, "chain.pem", TP_PEM, leaf,
                                        f->pki.inter, NULL);
    X509_free(leaf);
    EVP_PKEY_free(key);
}

#define JSON_PATH "/var/lib/linkwiz/cloudfront/" D ".json"
#define LEAF_PATH "/var/lib/linkwiz/cloudfront/" D ".leaf.pem"
#define CHAIN_PATH "/var/lib/linkwiz/cloudfront/" D ".chain.pem"
#define KEY_PATH "/etc/pki/tls/private/" D ".key"

static void
test_setup_import_path(void **state)
{
    struct fx *f = *state;
    struct lw_setup_report rep;
    struct lw_err err;
    char *json1, *json2;
    struct lw_buf want = LW_BUF_INIT;

    /* 1. key + CSR (RSA 2048), waiting for the certificate */
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_WAITING);
    assert_string_equal(rep.key_desc, "RSA 2048");
    assert_int_equal(mode_of(f, KEY_PATH), 0600);
    assert_int_equal(mode_of(f, JSON_PATH), 0);
    lw_setup_report_free(&rep);

    /* 2. the certificate: the files for ACM; no ARN yet, no config */
    sign_installed_key(f);
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_INSTALLED);
    assert_true(rep.cf_chain_file);
    assert_false(rep.cf_config_written);
    assert_false(rep.cf_acm_requested);
    assert_int_equal(mode_of(f, LEAF_PATH), 0644);
    assert_int_equal(mode_of(f, CHAIN_PATH), 0644);
    assert_int_equal(mode_of(f, JSON_PATH), 0);
    json1 = slurp_under(f, LEAF_PATH);
    tp_certs(&want, TP_PEM, f->pki.inter, NULL);
    json2 = slurp_under(f, CHAIN_PATH);
    assert_string_equal(json2, want.data);
    assert_true(tp_contains(json1, "-----BEGIN CERTIFICATE-----"));
    assert_null(strstr(json1 + 1, "-----BEGIN CERTIFICATE-----"));
    free(json1);
    free(json2);
    lw_setup_report_free(&rep);

    /* 3. the ARN: the distribution config, 0644 */
    f->cfg.acm_certificate_arn = strdup(ARN);
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_INSTALLED);
    assert_true(rep.cf_config_written);
    assert_int_equal(mode_of(f, JSON_PATH), 0644);
    assert_true(tp_contains(rep.changes.data, "created " JSON_PATH));
    json1 = slurp_under(f, JSON_PATH);
    assert_true(tp_contains(json1, "\"ACMCertificateArn\": \"" ARN "\""));
    lw_setup_report_free(&rep);

    /* 4. the same again, later: nothing changes (the caller reference is
     * kept, so the file is the same) */
    f->env.now += 3600;
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_UNCHANGED);
    json2 = slurp_under(f, JSON_PATH);
    assert_string_equal(json1, json2);
    free(json2);
    lw_setup_report_free(&rep);

    /* 5. the distribution's domain: saved; the config stays */
    f->cfg.distribution_domain = strdup(DIST);
    assert_int_equal(run(f, &rep, &err), LW_OK);
    json2 = slurp_under(f, JSON_PATH);
    assert_string_equal(json1, json2);
    free(json2);
    json2 = slurp_under(f, "/var/lib/linkwiz/state.yaml");
    assert_true(tp_contains(json2, "distribution_domain: " DIST));
    free(json2);
    lw_setup_report_free(&rep);

    /* 6. a new ARN: a new config with a new caller reference */
    free(f->cfg.acm_certificate_arn);
    f->cfg.acm_certificate_arn =
        strdup("arn:aws:acm:us-east-1:123456789012:certificate/"
               "00000000-90ab-cdef-1234-567890abcdef");
    assert_int_equal(run(f, &rep, &err), LW_OK);
    json2 = slurp_under(f, JSON_PATH);
    assert_true(tp_contains(json2, "00000000-90ab"));
    {
        char *r1 = lw_cloudfront_old_reference(json1, strlen(json1), D);
        char *r2 = lw_cloudfront_old_reference(json2, strlen(json2), D);
        assert_non_null(r1);
        assert_non_null(r2);
        assert_string_not_equal(r1, r2);
        free(r1);
        free(r2);
    }
    free(json2);
    free(json1);
    lw_setup_report_free(&rep);
    lw_buf_free(&want);
}

static void
test_setup_request_path(void **state)
{
    struct fx *f = *state;
    struct lw_setup_report rep;
    struct lw_err err;
    char *st;

    f->cfg.acm_certificate_arn = strdup(ARN);
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_INSTALLED);
    assert_true(rep.cf_acm_requested);
    assert_true(rep.cf_config_written);
    assert_int_equal(rep.csr_pem.len, 0);
    /* no key, no CSR, no certificate: the key stays in AWS */
    assert_int_equal(mode_of(f, KEY_PATH), 0);
    assert_int_equal(mode_of(f, "/etc/pki/tls/certs/" D ".csr"), 0);
    assert_int_equal(mode_of(f, LEAF_PATH), 0);
    assert_int_equal(mode_of(f, JSON_PATH), 0644);
    st = slurp_under(f, "/var/lib/linkwiz/state.yaml");
    assert_true(tp_contains(st, "phase: installed"));
    assert_null(strstr(st, "key_fingerprint"));
    free(st);
    lw_setup_report_free(&rep);
}

/* Refusals leave nothing behind. */
static void
test_setup_refused(void **state)
{
    struct fx *f = *state;
    static const struct {
        const char *domain, *arn, *dist, *msg;
    } cases[] = {
        {D,
         "arn:aws:acm:eu-west-1:123456789012:certificate/"
         "12345678-90ab-cdef-1234-567890abcdef",
         NULL, "CloudFront only uses certificates from ACM in us-east-1"},
        {"example.com", NULL, NULL, "is the apex of its zone"},
        {D, ARN, "cdn.example.net",
         "is not a CloudFront distribution domain"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lw_setup_report rep;
        struct lw_err err;
        char var[1024];

        snprintf(f->cfg.domain, sizeof(f->cfg.domain), "%s", cases[i].domain);
        free(f->cfg.acm_certificate_arn);
        free(f->cfg.distribution_domain);
        f->cfg.acm_certificate_arn =
            cases[i].arn != NULL ? strdup(cases[i].arn) : NULL;
        f->cfg.distribution_domain =
            cases[i].dist != NULL ? strdup(cases[i].dist) : NULL;
        assert_int_equal(run(f, &rep, &err), LW_ERR_INPUT);
        assert_true(tp_contains(err.msg, cases[i].msg));
        snprintf(var, sizeof(var), "%s/etc", f->root);
        assert_int_equal(access(var, F_OK), -1);
        snprintf(var, sizeof(var), "%s/var", f->root);
        assert_int_equal(access(var, F_OK), -1);
        lw_setup_report_free(&rep);
    }
}

/* A key already there: larger RSA warns (the guide's limit); under 2048
 * is refused and nothing else is written. */
static void
test_setup_existing_key(void **state)
{
    struct fx *f = *state;
    struct lw_setup_report rep;
    struct lw_err err;
    EVP_PKEY *big = tp_key_rsa(3072), *small = tp_key_rsa(1024);

    put_key(f, big);
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_true(tp_contains(f->notices, "W: The key is RSA 3072. ACM may "
                                        "import it, but the provider's "
                                        "guide"));
    assert_string_equal(rep.key_desc, "RSA 3072");
    lw_setup_report_free(&rep);

    put_key(f, small);
    assert_int_equal(run(f, &rep, &err), LW_ERR_INPUT);
    assert_true(tp_contains(err.msg, KEY_PATH ": the key is RSA 1024: too "
                                     "small"));
    lw_setup_report_free(&rep);
    EVP_PKEY_free(big);
    EVP_PKEY_free(small);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_fields),
        cmocka_unit_test(test_config_port_and_reference),
        cmocka_unit_test(test_config_refused),
        cmocka_unit_test(test_config_json_tool),
        cmocka_unit_test(test_old_reference),
        cmocka_unit_test(test_arn),
        cmocka_unit_test(test_dist),
        cmocka_unit_test(test_apex),
        cmocka_unit_test(test_key_rule),
        cmocka_unit_test(test_split_chain),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_next_steps),
        cmocka_unit_test(test_acm_requested),
        cmocka_unit_test(test_link_probe),
        cmocka_unit_test(test_caa_acm),
        cmocka_unit_test_setup_teardown(test_setup_import_path, setup_fx,
                                        teardown_fx),
        cmocka_unit_test_setup_teardown(test_setup_request_path, setup_fx,
                                        teardown_fx),
        cmocka_unit_test_setup_teardown(test_setup_refused, setup_fx,
                                        teardown_fx),
        cmocka_unit_test_setup_teardown(test_setup_existing_key, setup_fx,
                                        teardown_fx),
    };

    return cmocka_run_group_tests_name("cloudfront", tests, NULL, NULL);
}
