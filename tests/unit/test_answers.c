/* test_answers.c - the answers file: reading, refusing, writing. */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lw/answers.h"

#define NAME "answers.yaml"

static struct lw_profile *profile;

static int
setup_profile(void **state)
{
    struct lw_err err;

    (void)state;
    return lw_profile_load(NULL, &profile, &err) == LW_OK ? 0 : -1;
}

static int
teardown_profile(void **state)
{
    (void)state;
    lw_profile_free(profile);
    return 0;
}

static enum lw_status
parse(const char *doc, const char *name, struct lw_config *c,
      struct lw_err *err)
{
    lw_config_init(c);
    lw_err_clear(err);
    return lw_answers_parse(doc, strlen(doc), name, profile, c, err);
}

/* ---- accepted files ---------------------------------------------------- */

static void
test_minimal(void **state)
{
    static const char doc[] = "domain: link.example.com\n"
                              "region: us\n"
                              "method: nginx\n";
    struct lw_config c;
    struct lw_err err;

    (void)state;
    assert_int_equal(parse(doc, NAME, &c, &err), LW_OK);
    assert_string_equal(c.domain, "link.example.com");
    assert_string_equal(c.region, "us");
    assert_int_equal(c.method, LW_METHOD_NGINX);
    assert_int_equal(c.key.type, LW_KEY_RSA);
    assert_int_equal(c.key.bits, 2048);
    assert_null(c.organization);
    assert_null(c.country);
    assert_null(c.certificate);
    assert_false(c.nginx_reload);
    assert_null(c.addresses);
    assert_int_equal(c.n_addresses, 0);
    assert_null(c.distribution_domain);
    assert_null(c.acm_certificate_arn);
    assert_false(c.allow_domain_change);
    lw_config_free(&c);
}

static void
test_full_nginx(void **state)
{
    static const char doc[] =
        "# a fleet's answers\n"
        "domain: Link.Example.COM\n"
        "region: eu\n"
        "method: nginx\n"
        "key: { type: ec, curve: p384 }\n"
        "subject: { organization: Example Inc, country: NO }\n"
        "certificate: /etc/ssl/chain.pem\n"
        "nginx:\n"
        "  reload: true\n"
        "  addresses: [203.0.113.10, 2001:DB8:0::10]\n"
        "allow_domain_change: true\n";
    struct lw_config c;
    struct lw_err err;

    (void)state;
    assert_int_equal(parse(doc, NAME, &c, &err), LW_OK);
    assert_string_equal(c.domain, "link.example.com");
    assert_string_equal(c.region, "eu");
    assert_int_equal(c.key.type, LW_KEY_EC);
    assert_int_equal(c.key.bits, 384);
    assert_string_equal(c.organization, "Example Inc");
    assert_string_equal(c.country, "NO"); /* not YAML 1.1's false */
    assert_string_equal(c.certificate, "/etc/ssl/chain.pem");
    assert_true(c.nginx_reload);
    assert_int_equal(c.n_addresses, 2);
    assert_string_equal(c.addresses[0], "203.0.113.10");
    assert_string_equal(c.addresses[1], "2001:db8::10"); /* canonical */
    assert_null(c.addresses[2]);
    assert_true(c.allow_domain_change);
    lw_config_free(&c);
}

static void
test_cloudfront(void **state)
{
    static const char doc[] =
        "domain: link.example.com\n"
        "region: us\n"
        "method: cloudfront\n"
        "key: { type: rsa, bits: 2048 }\n"
        "subject: { country: de }\n"
        "cloudfront:\n"
        "  distribution_domain: d111111abcdef8.cloudfront.net\n"
        "  acm_certificate_arn: arn:aws:acm:us-east-1:123456789012:"
        "certificate/12345678-1234-1234-1234-123456789012\n";
    struct lw_config c;
    struct lw_err err;

    (void)state;
    assert_int_equal(parse(doc, NAME, &c, &err), LW_OK);
    assert_int_equal(c.method, LW_METHOD_CLOUDFRONT);
    assert_string_equal(c.country, "DE");
    assert_string_equal(c.distribution_domain, "d111111abcdef8.cloudfront.net");
    assert_string_equal(c.acm_certificate_arn,
                        "arn:aws:acm:us-east-1:123456789012:certificate/"
                        "12345678-1234-1234-1234-123456789012");
    lw_config_free(&c);
}

/* ---- refused files ----------------------------------------------------- */

struct bad_case {
    const char *what;
    const char *doc;
    enum lw_status status;
    const char *msg; /* exact message, or a prefix ending in "..." */
};

#define HEAD "domain: link.example.com\nregion: us\n"
#define HEADN HEAD "method: nginx\n"
#define HEADC HEAD "method: cloudfront\n"
#define TOP_KEYS                                                               \
    "domain, region, method, key, subject, certificate, nginx, cloudfront, "   \
    "allow_domain_change"

static const struct bad_case bad_cases[] = {
    {"unknown key", HEADN "colour: blue\n", LW_ERR_INPUT,
     NAME ":4: unknown key \"colour\"; the accepted keys here are: " TOP_KEYS},
    {"unknown nginx key", HEADN "nginx:\n  reload: true\n  relaod: true\n",
     LW_ERR_INPUT,
     NAME ":6: unknown key \"nginx.relaod\"; the accepted keys here are: "
          "reload, addresses"},
    {"unknown key key", HEADN "key: { type: rsa, size: 2048 }\n", LW_ERR_INPUT,
     NAME ":4: unknown key \"key.size\"; the accepted keys here are: type, "
          "bits, curve"},
    {"region moon", "domain: link.example.com\nmethod: nginx\nregion: moon\n",
     LW_ERR_INPUT,
     NAME ":3: region: \"moon\" is not a region of Customer.io; use one of: "
          "us, eu"},
    {"missing domain", "region: us\nmethod: nginx\n", LW_ERR_INPUT,
     NAME ": the required key \"domain\" is missing"},
    {"empty domain", "domain:\nregion: us\nmethod: nginx\n", LW_ERR_INPUT,
     NAME ":1: domain is empty; it needs a value"},
    {"missing region", "domain: link.example.com\nmethod: nginx\n",
     LW_ERR_INPUT, NAME ": the required key \"region\" is missing"},
    {"missing method", HEAD, LW_ERR_INPUT,
     NAME ": the required key \"method\" is missing"},
    {"method apache", HEAD "method: apache\n", LW_ERR_INPUT,
     NAME ":3: method: \"apache\" is not a method; use nginx or cloudfront"},
    {"bad domain", "domain: \"link example.com\"\nregion: us\nmethod: nginx\n",
     LW_ERR_INPUT, NAME ":1: domain: ..."},
    {"domain a list", "domain: [a.example, b.example]\n", LW_ERR_INPUT,
     NAME ":1: domain: expected a text value, found a list"},
    {"nginx: yes", HEADN "nginx: yes\n", LW_ERR_INPUT,
     NAME ":4: nginx must be a mapping of \"key: value\" lines, found "
          "\"yes\""},
    {"bits: big", HEADN "key:\n  type: rsa\n  bits: big\n", LW_ERR_INPUT,
     NAME ":6: key.bits: expected a whole number, found \"big\""},
    {"reload: maybe", HEADN "nginx: { reload: maybe }\n", LW_ERR_INPUT,
     NAME ":4: nginx.reload: expected true or false, found \"maybe\""},
    {"allow_domain_change: 1", HEADN "allow_domain_change: 1\n", LW_ERR_INPUT,
     NAME ":4: allow_domain_change: expected true or false, found \"1\""},
    {"subject a string", HEADN "subject: Example Inc\n", LW_ERR_INPUT,
     NAME ":4: subject must be a mapping of \"key: value\" lines, found "
          "\"Example Inc\""},
    {"addresses a map", HEADN "nginx: { addresses: { a: 1 } }\n", LW_ERR_INPUT,
     NAME ":4: nginx.addresses: expected a list of text values, found a "
          "mapping"},
    {"ec for cloudfront", HEADC "key: { type: ec, curve: p256 }\n",
     LW_ERR_INPUT,
     NAME ":4: key: method cloudfront takes an RSA key of 2048 bits, not EC "
          "P-256: the provider's guide allows only RSA keys of at most 2048 "
          "bits for CloudFront"},
    {"rsa 4096 for cloudfront", HEADC "\nkey: { type: rsa, bits: 4096 }\n",
     LW_ERR_INPUT,
     NAME ":5: key: method cloudfront takes an RSA key of 2048 bits, not RSA "
          "4096: ..."},
    {"rsa 1024", HEADN "key: { type: rsa, bits: 1024 }\n", LW_ERR_INPUT,
     NAME ":4: key: RSA keys of 1024 bits are not offered: use 2048, 3072 or "
          "4096"},
    {"dsa", HEADN "key: { type: dsa }\n", LW_ERR_INPUT,
     NAME ":4: key: the key type \"dsa\" is not offered: ..."},
    {"ec without curve", HEADN "key: { type: ec }\n", LW_ERR_INPUT,
     NAME ":4: key: an EC key needs a curve: use p256 or p384"},
    {"ec with bits", HEADN "key: { type: ec, curve: p256, bits: 256 }\n",
     LW_ERR_INPUT,
     NAME ":4: key.bits: an EC key has no bits; give its curve instead "
          "(curve: p256 or p384)"},
    {"rsa with curve", HEADN "key: { bits: 2048, curve: p256 }\n", LW_ERR_INPUT,
     NAME ":4: key.curve: only EC keys have a curve; use type: ec, or give "
          "bits for an RSA key"},
    {"country USA", HEADN "subject:\n  country: USA\n", LW_ERR_INPUT,
     NAME ":5: subject.country: \"USA\" is not a two-letter country code"},
    {"country digits", HEADN "subject: { country: \"U1\" }\n", LW_ERR_INPUT,
     NAME ":4: subject.country: \"U1\" is not a two-letter country code"},
    {"organization too long",
     HEADN "subject: { organization: "
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
           " }\n",
     LW_ERR_INPUT,
     NAME ":4: subject.organization: must be one line of at most 64 "
          "characters"},
    {"address not an IP",
     HEADN "nginx:\n  addresses:\n    - 203.0.113.10\n"
           "    - 203.0.113.300\n",
     LW_ERR_INPUT,
     NAME ":7: nginx.addresses: \"203.0.113.300\" is not an IP address"},
    {"address a name", HEADN "nginx: { addresses: server.example.com }\n",
     LW_ERR_INPUT,
     NAME ":4: nginx.addresses: \"server.example.com\" is not an IP address"},
    {"address with port", HEADN "nginx: { addresses: [\"192.0.2.1:80\"] }\n",
     LW_ERR_INPUT,
     NAME ":4: nginx.addresses: \"192.0.2.1:80\" is not an IP address"},
    {"bad distribution",
     HEADC "cloudfront:\n  distribution_domain: "
           "\"d1;rm.cloudfront.net\"\n",
     LW_ERR_INPUT, NAME ":5: cloudfront.distribution_domain: ..."},
    {"bad ARN",
     HEADC "cloudfront:\n  acm_certificate_arn: "
           "arn:aws:iam::123456789012:role/x\n",
     LW_ERR_INPUT,
     NAME ":5: cloudfront.acm_certificate_arn: "
          "\"arn:aws:iam::123456789012:role/x\" is not an ACM certificate "
          "ARN..."},
    {"ARN in eu-west-1",
     HEADC "cloudfront:\n  acm_certificate_arn: "
           "arn:aws:acm:eu-west-1:123456789012:certificate/"
           "12345678-1234-1234-1234-123456789012\n",
     LW_ERR_INPUT,
     NAME ":5: cloudfront.acm_certificate_arn: the ACM certificate "
          "arn:aws:acm:eu-west-1:123456789012:certificate/"
          "12345678-1234-1234-1234-123456789012 is in the region eu-west-1, "
          "but CloudFront only uses certificates from ACM in us-east-1 (US "
          "East, N. Virginia)"},
    {"distribution not CloudFront's",
     HEADC "cloudfront:\n  distribution_domain: cdn.example.net\n",
     LW_ERR_INPUT,
     NAME ":5: cloudfront.distribution_domain: \"cdn.example.net\" is not a "
          "CloudFront distribution domain..."},
    {"apex for cloudfront",
     "domain: example.com\nregion: us\nmethod: cloudfront\n", LW_ERR_INPUT,
     NAME ":1: domain: example.com is the apex of its zone: CloudFront needs "
          "a CNAME from the link domain to the distribution, and a CNAME "
          "cannot live at a zone apex"},
    {"duplicate key", HEADN "method: cloudfront\n", LW_ERR_INPUT,
     NAME ":4: duplicate key \"method\" (it is already at line 3)"},
    {"alias", "domain: &d link.example.com\nregion: us\nmethod: nginx\n",
     LW_ERR_INPUT, NAME ":1: anchors (&d) are not allowed"},
    {"a list, not a mapping", "- domain: link.example.com\n", LW_ERR_INPUT,
     NAME ":1: the file must be a mapping of \"key: value\" lines, found a "
          "list"},
    {"binary garbage", "\x7f\x45\x4c\x46\x02\x01\x01\x00", LW_ERR_INPUT,
     NAME ":1: not a readable YAML text file: ..."},
    {"certificate control char", HEADN "certificate: \"/a\\tb.pem\"\n",
     LW_ERR_INPUT,
     NAME ":4: certificate: the path contains control characters"},
};

static void
test_bad_files(void **state)
{
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *b = &bad_cases[i];
        struct lw_config c;
        struct lw_err err;

        assert_int_equal(parse(b->doc, NAME, &c, &err), b->status);
        print_message("# %s: %s\n", b->what, err.msg);
        /* Nothing half-read is handed back. */
        assert_string_equal(c.domain, "");
        assert_null(c.region);
        n = strlen(b->msg);
        if (n > 3 && strcmp(b->msg + n - 3, "...") == 0) {
            assert_true(strlen(err.msg) > n - 3);
            assert_memory_equal(err.msg, b->msg, n - 3);
        } else {
            assert_string_equal(err.msg, b->msg);
        }
        lw_config_free(&c);
    }
}

/* The domain module's own explanation is kept, behind file:line. */
static void
test_domain_message_kept(void **state)
{
    static const char doc[] = "region: us\n"
                              "domain: \"../etc/passwd\"\n"
                              "method: nginx\n";
    struct lw_domain d;
    struct lw_config c;
    struct lw_err err, derr;
    char expected[LW_ERR_MSG_MAX + 64];

    (void)state;
    assert_int_equal(lw_domain_parse("../etc/passwd", &d, &derr), LW_ERR_INPUT);
    snprintf(expected, sizeof(expected), NAME ":2: domain: %s", derr.msg);
    assert_int_equal(parse(doc, NAME, &c, &err), LW_ERR_INPUT);
    assert_string_equal(err.msg, expected);
    lw_config_free(&c);
}

/* A failed parse leaves the caller's config as it was. */
static void
test_failure_keeps_out(void **state)
{
    static const char good[] = HEADN;
    static const char bad[] = HEADN "bogus: 1\n";
    struct lw_config c;
    struct lw_err err;

    (void)state;
    assert_int_equal(parse(good, NAME, &c, &err), LW_OK);
    assert_int_equal(
        lw_answers_parse(bad, strlen(bad), NAME, profile, &c, &err),
        LW_ERR_INPUT);
    assert_string_equal(c.domain, "link.example.com");
    assert_string_equal(c.region, "us");
    lw_config_free(&c);
}

/* ---- certificate paths ------------------------------------------------- */

static void
test_certificate_paths(void **state)
{
    struct {
        const char *name, *cert, *want; /* want: NULL = cwd-relative */
        const char *tail;
    } cases[] = {
        {"/srv/conf/answers.yaml", "certs/chain.pem",
         "/srv/conf/certs/chain.pem", NULL},
        {"/srv/conf/answers.yaml", "/etc/ssl/chain.pem", "/etc/ssl/chain.pem",
         NULL},
        {"/answers.yaml", "chain.pem", "/chain.pem", NULL},
        {"/srv/conf/answers.yaml", "../chain.pem", "/srv/conf/../chain.pem",
         NULL},
        {"answers.yaml", "chain.pem", NULL, "/chain.pem"},
        {"conf/answers.yaml", "certs/chain.pem", NULL, "/conf/certs/chain.pem"},
    };
    char doc[512], cwd[PATH_MAX], want[PATH_MAX + 64];
    size_t i;

    (void)state;
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lw_config c;
        struct lw_err err;

        snprintf(doc, sizeof(doc), HEADN "certificate: %s\n", cases[i].cert);
        if (cases[i].want != NULL)
            snprintf(want, sizeof(want), "%s", cases[i].want);
        else
            snprintf(want, sizeof(want), "%s%s", strcmp(cwd, "/") ? cwd : "",
                     cases[i].tail);
        assert_int_equal(parse(doc, cases[i].name, &c, &err), LW_OK);
        assert_string_equal(c.certificate, want);
        lw_config_free(&c);
    }
}

static void
test_load_file(void **state)
{
    char dir[] = "/tmp/lw-test-answers-XXXXXX", path[256], want[300], msg[512];
    struct lw_config c;
    struct lw_err err;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/answers.yaml", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(HEADN "certificate: chain.pem\n", f);
    fclose(f);
    lw_config_init(&c);
    assert_int_equal(lw_answers_load(path, profile, &c, &err), LW_OK);
    snprintf(want, sizeof(want), "%s/chain.pem", dir);
    assert_string_equal(c.certificate, want);
    lw_config_free(&c);

    f = fopen(path, "w");
    assert_non_null(f);
    fputs(HEADN "\nnginx: true\n", f);
    fclose(f);
    assert_int_equal(lw_answers_load(path, profile, &c, &err), LW_ERR_INPUT);
    snprintf(msg, sizeof(msg),
             "%s:5: nginx must be a mapping of \"key: value\" lines, found "
             "\"true\"",
             path);
    assert_string_equal(err.msg, msg);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(lw_answers_load(path, profile, &c, &err), LW_ERR_NOTFOUND);
    assert_int_equal(rmdir(dir), 0);
}

/* ---- writing, copying, comparing --------------------------------------- */

static char *addrs[] = {"203.0.113.10", "2001:db8::10", NULL};

static void
fill(struct lw_config *c, int variant)
{
    lw_config_init(c);
    snprintf(c->domain, sizeof(c->domain), "%s", "link.example.com");
    c->region = "eu";
    switch (variant) {
    case 0: /* the least there can be */
        break;
    case 1: /* nginx, everything set, texts a YAML reader would type */
        c->key.type = LW_KEY_EC;
        c->key.bits = 256;
        c->organization = "Example: Inc # 1";
        c->country = "NO";
        c->certificate = "/etc/ssl/my chain.pem";
        c->nginx_reload = true;
        c->addresses = addrs;
        c->n_addresses = 2;
        c->allow_domain_change = true;
        break;
    case 2: /* cloudfront */
        c->method = LW_METHOD_CLOUDFRONT;
        c->organization = "true";
        c->distribution_domain = "d111111abcdef8.cloudfront.net";
        c->acm_certificate_arn =
            "arn:aws:acm:us-east-1:123456789012:certificate/"
            "12345678-1234-1234-1234-123456789012";
        break;
    case 3: /* RSA 4096, organization that looks like a number */
        c->key.bits = 4096;
        c->organization = "12";
        c->country = "US";
        break;
    }
}

static void
test_write_round_trip(void **state)
{
    int v;

    (void)state;
    for (v = 0; v < 4; v++) {
        struct lw_config want, got;
        struct lw_buf b = LW_BUF_INIT;
        struct lw_err err;

        fill(&want, v);
        assert_int_equal(lw_answers_write(&want, &b, &err), LW_OK);
        print_message("# variant %d:\n%s", v, b.data);
        assert_int_equal(parse(b.data, "/srv/answers.yaml", &got, &err), LW_OK);
        assert_true(lw_config_equal(&want, &got));
        lw_config_free(&got);
        lw_buf_free(&b);
    }
}

static void
test_write_golden(void **state)
{
    static const char expected[] =
        "domain: link.example.com\n"
        "region: eu\n"
        "method: nginx\n"
        "key:\n"
        "  type: ec\n"
        "  curve: p256\n"
        "subject:\n"
        "  organization: 'Example: Inc # 1'\n"
        "  country: \"NO\"\n"
        "nginx:\n"
        "  reload: true\n"
        "  addresses: [\"203.0.113.10\", \"2001:db8::10\"]\n"
        "certificate: /etc/ssl/my chain.pem\n"
        "allow_domain_change: true\n";
    struct lw_config c;
    struct lw_buf b = LW_BUF_INIT;
    struct lw_err err;

    (void)state;
    fill(&c, 1);
    assert_int_equal(lw_answers_write(&c, &b, &err), LW_OK);
    assert_string_equal(b.data, expected);
    lw_buf_free(&b);
}

static void
test_copy_equal(void **state)
{
    struct lw_config a, b;
    struct lw_err err;
    int v;

    (void)state;
    for (v = 0; v < 4; v++) {
        fill(&a, v);
        assert_int_equal(lw_config_copy(&b, &a, &err), LW_OK);
        assert_true(lw_config_equal(&a, &b));
        /* Deep: no pointer shared. */
        assert_ptr_not_equal(a.region, b.region);
        if (a.addresses != NULL) {
            assert_ptr_not_equal(a.addresses, b.addresses);
            assert_ptr_not_equal(a.addresses[0], b.addresses[0]);
            assert_null(b.addresses[b.n_addresses]);
        }
        b.region[0] = 'X';
        assert_false(lw_config_equal(&a, &b));
        lw_config_free(&b);
    }
    fill(&a, 1);
    fill(&b, 1);
    b.addresses = addrs + 1;
    b.n_addresses = 1;
    assert_false(lw_config_equal(&a, &b));
    fill(&b, 1);
    b.organization = NULL;
    assert_false(lw_config_equal(&a, &b));
    fill(&b, 1);
    b.key.bits = 384;
    assert_false(lw_config_equal(&a, &b));
}

static void
test_method_words(void **state)
{
    enum lw_method m = LW_METHOD_NGINX;

    (void)state;
    assert_string_equal(lw_method_word(LW_METHOD_NGINX), "nginx");
    assert_string_equal(lw_method_word(LW_METHOD_CLOUDFRONT), "cloudfront");
    assert_true(lw_method_parse("cloudfront", &m));
    assert_int_equal(m, LW_METHOD_CLOUDFRONT);
    assert_true(lw_method_parse("nginx", &m));
    assert_int_equal(m, LW_METHOD_NGINX);
    assert_false(lw_method_parse("NGINX", &m));
    assert_false(lw_method_parse("apache", &m));
    assert_false(lw_method_parse("", &m));
    assert_false(lw_method_parse(NULL, &m));
    assert_int_equal(m, LW_METHOD_NGINX);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_full_nginx),
        cmocka_unit_test(test_cloudfront),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_domain_message_kept),
        cmocka_unit_test(test_failure_keeps_out),
        cmocka_unit_test(test_certificate_paths),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_golden),
        cmocka_unit_test(test_copy_equal),
        cmocka_unit_test(test_method_words),
    };

    return cmocka_run_group_tests_name("answers", tests, setup_profile,
                                       teardown_profile);
}
