/* test_check.c - the check engine's judging, fed hand-made probe results
 * (DNS chains, TLS results, HTTP responses, files): every diagnosis of
 * issue 3, expiry boundaries, the key table, per-address TLS; one run
 * of the engine on the loop where nothing answers (it must finish); and
 * the engine's zone search against a slow tests/fixtures/dnsserver.py
 * (round trips counted by time). */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "lw/cert.h"
#include "lw/check.h"
#include "lw/install.h"
#include "lw/keygen.h"
#include "lw/loop.h"
#include "lw/nginx_conf.h"
#include "lw/state.h"
#include "testpki.h"

#define D "link.example.com"
#define DAY 86400

static const char *const origins[] = {"track.customer.io",
                                      "track-eu.customer.io"};
static const char *const server_addrs[] = {"203.0.113.10", "2001:db8::10"};

static struct lw_check_expect
nginx_expect(size_t n_addresses)
{
    struct lw_check_expect ex;

    memset(&ex, 0, sizeof(ex));
    ex.domain = D;
    ex.method = LW_METHOD_NGINX;
    ex.addresses = server_addrs;
    ex.n_addresses = n_addresses;
    ex.origins = origins;
    ex.n_origins = 2;
    ex.zone = "example.com";
    return ex;
}

static struct lw_check_expect
cf_expect(void)
{
    struct lw_check_expect ex = nginx_expect(0);

    ex.method = LW_METHOD_CLOUDFRONT;
    ex.distribution = "d111111abcdef8.cloudfront.net";
    return ex;
}

/* ---- hand-made chains ---------------------------------------------- */

struct chain_spec {
    enum lw_dns_outcome outcome;
    int rcode;
    const char *names[4];
    const char *v4[3];
    const char *v6[3];
    const char *other[3];
    bool loop;
    unsigned ttl;
};

static size_t
count(const char *const *v, size_t max)
{
    size_t n = 0;

    while (n < max && v[n] != NULL)
        n++;
    return n;
}

static void
make_chain(const struct chain_spec *s, struct lw_dns_chain *c)
{
    memset(c, 0, sizeof(*c));
    c->outcome = s->outcome;
    c->rcode = s->rcode;
    c->names = (char **)s->names;
    c->n_names = count(s->names, 4);
    c->v4 = (char **)s->v4;
    c->n_v4 = count(s->v4, 3);
    c->v6 = (char **)s->v6;
    c->n_v6 = count(s->v6, 3);
    c->other = (char **)s->other;
    c->n_other = count(s->other, 3);
    c->loop = s->loop;
    c->min_ttl = s->ttl;
    if (s->outcome == LW_DNS_TIMEOUT)
        snprintf(c->error, sizeof(c->error), "timed out");
}

/* ---- words ---------------------------------------------------------- */

static void
test_words(void **state)
{
    (void)state;
    assert_string_equal(lw_check_status_word(LW_CHECK_PASS), "pass");
    assert_string_equal(lw_check_status_word(LW_CHECK_ERROR), "error");
    assert_string_equal(lw_check_id_word(LW_CK_DNS_RECORD), "dns.record");
    assert_string_equal(lw_check_id_word(LW_CK_HTTP_HEALTH_PLAIN),
                        "http.health_plain");
    assert_string_equal(lw_check_id_word(LW_CK_ORIGIN_HEALTH), "origin.health");
}

/* ---- DNS diagnoses, one resolver ------------------------------------ */

static void
test_dns_diagnoses(void **state)
{
    static const struct {
        const char *what;
        int expect; /* 0 nginx + address, 1 cloudfront, 2 nginx, none */
        struct chain_spec chain;
        bool doubled;
        enum lw_check_status status; /* of dns.record */
        enum lw_dns_diag diag;
        const char *summary; /* part of dns.record's summary */
        const char *hint;    /* part of its hint */
    } t[] = {
        {"right address",
         0,
         {LW_DNS_ANSWERED,
          0,
          {D},
          {"203.0.113.10"},
          {NULL},
          {NULL},
          false,
          300},
         false,
         LW_CHECK_PASS,
         LW_DIAG_NONE,
         "1 resolver gives this server's address",
         NULL},
        {"provider host",
         0,
         {LW_DNS_ANSWERED,
          0,
          {D, "track.customer.io"},
          {"198.51.100.7"},
          {NULL},
          {NULL},
          false,
          300},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_PROVIDER_HOST,
         "points straight at the provider's tracking host "
         "track.customer.io, which serves the provider's own certificate, "
         "not yours; point it at this server",
         "In the DNS panel, replace the record of " D " with A 203.0.113.10"},
        {"provider host, cloudfront",
         1,
         {LW_DNS_ANSWERED,
          0,
          {D, "track-eu.customer.io"},
          {"198.51.100.7"},
          {NULL},
          {NULL},
          false,
          300},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_PROVIDER_HOST,
         "track-eu.customer.io, which serves the provider's own",
         "with CNAME d111111abcdef8.cloudfront.net"},
        {"cname and txt",
         2,
         {LW_DNS_ANSWERED,
          0,
          {D, "srv.example.net"},
          {"203.0.113.10"},
          {NULL},
          {"TXT"},
          false,
          300},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_CNAME_AND_OTHER,
         "has a CNAME and also other records (TXT)",
         "delete the TXT record(s) at " D},
        {"zone twice",
         0,
         {LW_DNS_ANSWERED, 3, {D}, {NULL}, {NULL}, {NULL}, false, 60},
         true,
         LW_CHECK_FAIL,
         LW_DIAG_ZONE_TWICE,
         D " does not exist, but " D ".example.com does",
         "rename the record to the part before .example.com"},
        {"nxdomain",
         0,
         {LW_DNS_ANSWERED, 3, {D}, {NULL}, {NULL}, {NULL}, false, 60},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_NXDOMAIN,
         D " does not exist in DNS (NXDOMAIN)",
         "create the record for " D ": A 203.0.113.10"},
        {"no address",
         2,
         {LW_DNS_ANSWERED, 0, {D}, {NULL}, {NULL}, {NULL}, false, 60},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_NO_ADDRESS,
         "exists but has no address record",
         "create the record for " D},
        {"dangling cname",
         2,
         {LW_DNS_ANSWERED,
          3,
          {D, "gone.example.net"},
          {NULL},
          {NULL},
          {NULL},
          false,
          60},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_DANGLING,
         "is a CNAME to gone.example.net, which does not resolve",
         "point the CNAME of " D " at a name that exists"},
        {"dangling, no data",
         2,
         {LW_DNS_ANSWERED,
          0,
          {D, "empty.example.net"},
          {NULL},
          {NULL},
          {NULL},
          false,
          60},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_DANGLING,
         "empty.example.net",
         NULL},
        {"extra A",
         0,
         {LW_DNS_ANSWERED,
          0,
          {D},
          {"203.0.113.10", "192.0.2.9"},
          {NULL},
          {NULL},
          false,
          300},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_EXTRA_ADDRESS,
         D " also resolves to 192.0.2.9, which is not this server",
         "delete the A/AAAA record(s) 192.0.2.9 of " D},
        {"extra AAAA",
         0,
         {LW_DNS_ANSWERED,
          0,
          {D},
          {"203.0.113.10"},
          {"2001:db8::9"},
          {NULL},
          false,
          300},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_EXTRA_ADDRESS,
         "2001:db8::9",
         NULL},
        {"both configured, v6 in another form",
         3,
         {LW_DNS_ANSWERED,
          0,
          {D},
          {"203.0.113.10"},
          {"2001:0db8:0:0::10"},
          {NULL},
          false,
          300},
         false,
         LW_CHECK_PASS,
         LW_DIAG_NONE,
         "this server's address",
         NULL},
        {"wrong address",
         0,
         {LW_DNS_ANSWERED, 0, {D}, {"192.0.2.9"}, {NULL}, {NULL}, false, 300},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_WRONG_ADDRESS,
         "resolves to 192.0.2.9, not to this server (A 203.0.113.10)",
         "change the record of " D " to A 203.0.113.10"},
        {"any address (none configured)",
         2,
         {LW_DNS_ANSWERED,
          0,
          {D, "srv.example.net"},
          {"192.0.2.9"},
          {NULL},
          {NULL},
          false,
          300},
         false,
         LW_CHECK_PASS,
         LW_DIAG_NONE,
         "resolves " D "; the TLS checks judge",
         NULL},
        {"cloudfront right",
         1,
         {LW_DNS_ANSWERED,
          0,
          {D, "d111111abcdef8.cloudfront.net"},
          {"13.32.0.1"},
          {NULL},
          {NULL},
          false,
          300},
         false,
         LW_CHECK_PASS,
         LW_DIAG_NONE,
         "leads " D " to the distribution d111111abcdef8.cloudfront.net",
         NULL},
        {"cloudfront other distribution",
         1,
         {LW_DNS_ANSWERED,
          0,
          {D, "d222222abcdef8.cloudfront.net"},
          {"13.32.0.2"},
          {NULL},
          {NULL},
          false,
          300},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_OTHER_DISTRIBUTION,
         "points at the CloudFront distribution "
         "d222222abcdef8.cloudfront.net, not at yours, "
         "d111111abcdef8.cloudfront.net",
         "change the CNAME of " D " to d111111abcdef8.cloudfront.net"},
        {"cloudfront, an A record",
         1,
         {LW_DNS_ANSWERED,
          0,
          {D},
          {"203.0.113.10"},
          {NULL},
          {NULL},
          false,
          300},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_NOT_DISTRIBUTION,
         "does not lead to the CloudFront distribution",
         "make " D " a CNAME to d111111abcdef8.cloudfront.net"},
        {"cname loop",
         2,
         {LW_DNS_ANSWERED,
          0,
          {D, "a.example.net", D},
          {NULL},
          {NULL},
          {NULL},
          true,
          60},
         false,
         LW_CHECK_FAIL,
         LW_DIAG_LOOP,
         "loops or is too long",
         NULL},
        {"timeout",
         0,
         {LW_DNS_TIMEOUT, 0, {NULL}, {NULL}, {NULL}, {NULL}, false, 0},
         false,
         LW_CHECK_ERROR,
         LW_DIAG_NO_ANSWER,
         "No resolver answered (192.0.2.53)",
         "--resolver"},
        {"servfail",
         0,
         {LW_DNS_ANSWERED, 2, {D}, {NULL}, {NULL}, {NULL}, false, 0},
         false,
         LW_CHECK_ERROR,
         LW_DIAG_NO_ANSWER,
         "No resolver answered",
         NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct lw_check_expect ex = t[i].expect == 1   ? cf_expect()
                                    : t[i].expect == 2 ? nginx_expect(0)
                                    : t[i].expect == 3 ? nginx_expect(2)
                                                       : nginx_expect(1);
        struct lw_view_eval v;
        struct lw_check_result r;
        struct lw_dns_chain c;

        memset(&v, 0, sizeof(v));
        memset(&r, 0, sizeof(r));
        make_chain(&t[i].chain, &c);
        lw_check_eval_view(&ex, &c, "192.0.2.53", t[i].doubled, NULL, &v);
        if (v.diag != t[i].diag)
            fail_msg("%s: diag %d, expected %d", t[i].what, v.diag, t[i].diag);
        lw_check_eval_dns_record(&ex, &v, 1, NULL, 0, &r);
        if (r.status != t[i].status)
            fail_msg("%s: status %s (%s)", t[i].what,
                     lw_check_status_word(r.status), r.summary);
        assert_true(tp_contains(r.summary, t[i].summary));
        if (t[i].hint != NULL)
            assert_true(tp_contains(r.hint, t[i].hint));
        /* The resolver's answer is in the detail. */
        assert_true(tp_contains(r.detail, "192.0.2.53"));
        lw_check_result_clear(&r);
        lw_view_eval_clear(&v);
    }
}

/* Untrusted names from DNS never reach the summary raw. */
static void
test_dns_sanitized(void **state)
{
    struct chain_spec s = {LW_DNS_ANSWERED, 3,      {D, "evil\033[2J.example"},
                           {NULL},          {NULL}, {NULL},
                           false,           5};
    struct lw_check_expect ex = nginx_expect(0);
    struct lw_view_eval v;
    struct lw_check_result r;
    struct lw_dns_chain c;

    (void)state;
    memset(&v, 0, sizeof(v));
    memset(&r, 0, sizeof(r));
    make_chain(&s, &c);
    lw_check_eval_view(&ex, &c, "192.0.2.53", false, NULL, &v);
    lw_check_eval_dns_record(&ex, &v, 1, NULL, 0, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "evil?[2J.example"));
    assert_null(strchr(r.summary, '\033'));
    assert_null(strchr(r.detail, '\033'));
    lw_check_result_clear(&r);
    lw_view_eval_clear(&v);
}

/* ---- dns.record across resolvers ------------------------------------ */

static void
judge_views(const struct lw_check_expect *ex, const struct chain_spec *s,
            const char *const *labels, size_t n, struct lw_view_eval *v)
{
    size_t i;

    for (i = 0; i < n; i++) {
        struct lw_dns_chain c;
        make_chain(&s[i], &c);
        memset(&v[i], 0, sizeof(v[i]));
        lw_check_eval_view(ex, &c, labels[i], false, NULL, &v[i]);
    }
}

static void
test_dns_propagation(void **state)
{
    static const char *const labels[] = {"1.1.1.1", "8.8.8.8", "9.9.9.9"};
    const struct chain_spec good = {
        LW_DNS_ANSWERED, 0, {D}, {"203.0.113.10"}, {NULL}, {NULL}, false, 300};
    const struct chain_spec old = {
        LW_DNS_ANSWERED, 0, {D}, {"192.0.2.1"}, {NULL}, {NULL}, false, 1800};
    const struct chain_spec dead = {LW_DNS_TIMEOUT, 0,      {NULL}, {NULL},
                                    {NULL},         {NULL}, false,  0};
    struct lw_check_expect ex = nginx_expect(1);
    struct chain_spec s[3];
    struct lw_view_eval v[3];
    struct lw_check_result r;
    size_t i;

    (void)state;
    /* Two of three have it: warn, naming the one that has not, with its
     * TTL as the time caches may take. */
    s[0] = good, s[1] = old, s[2] = good;
    judge_views(&ex, s, labels, 3, v);
    memset(&r, 0, sizeof(r));
    lw_check_eval_dns_record(&ex, v, 3, NULL, 0, &r);
    assert_int_equal(r.status, LW_CHECK_WARN);
    assert_string_equal(r.summary, "2 of 3 resolvers give the expected "
                                   "answer; not yet: 8.8.8.8.");
    assert_true(tp_contains(r.hint, "up to 1800 seconds (about 30 "
                                    "minutes)"));
    assert_true(
        tp_contains(r.detail, "8.8.8.8 (fail, TTL 1800): " D " -> 192.0.2.1"));
    lw_check_result_clear(&r);
    for (i = 0; i < 3; i++)
        lw_view_eval_clear(&v[i]);

    /* A dead resolver among good ones: warn, it is named. */
    s[0] = good, s[1] = good, s[2] = dead;
    judge_views(&ex, s, labels, 3, v);
    lw_check_eval_dns_record(&ex, v, 3, NULL, 0, &r);
    assert_int_equal(r.status, LW_CHECK_WARN);
    assert_true(tp_contains(r.summary, "not yet: 9.9.9.9."));
    assert_true(tp_contains(r.detail, "9.9.9.9: no answer: timed out"));
    lw_check_result_clear(&r);
    for (i = 0; i < 3; i++)
        lw_view_eval_clear(&v[i]);

    /* None has it: fail with the diagnosis. */
    s[0] = old, s[1] = old, s[2] = dead;
    judge_views(&ex, s, labels, 3, v);
    lw_check_eval_dns_record(&ex, v, 3, NULL, 0, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "resolves to 192.0.2.1, not to this "
                                       "server"));
    lw_check_result_clear(&r);
    for (i = 0; i < 3; i++)
        lw_view_eval_clear(&v[i]);

    /* No resolver at all. */
    lw_check_eval_dns_record(&ex, v, 0, NULL, 0, &r);
    assert_int_equal(r.status, LW_CHECK_ERROR);
    lw_check_result_clear(&r);
}

/* No addresses configured: an address the TLS probes found serving
 * another certificate is named. */
static void
test_dns_bad_address_by_tls(void **state)
{
    static const char *const labels[] = {"1.1.1.1"};
    const struct chain_spec s = {
        LW_DNS_ANSWERED, 0,      {D},   {"203.0.113.10", "192.0.2.9"},
        {NULL},          {NULL}, false, 300};
    struct lw_addr_note bad = {"192.0.2.9", "it serves a different "
                                            "certificate"};
    struct lw_check_expect ex = nginx_expect(0);
    struct lw_view_eval v;
    struct lw_check_result r;

    (void)state;
    judge_views(&ex, &s, labels, 1, &v);
    memset(&r, 0, sizeof(r));
    lw_check_eval_dns_record(&ex, &v, 1, &bad, 1, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_string_equal(r.summary, D " also resolves to 192.0.2.9, which is "
                                     "not this server.");
    assert_true(tp_contains(r.detail, "192.0.2.9: it serves a different "
                                      "certificate"));
    assert_true(tp_contains(r.hint, "delete the A/AAAA record(s) "
                                    "192.0.2.9 of " D));
    lw_check_result_clear(&r);
    lw_view_eval_clear(&v);
}

/* ---- dns.authoritative ---------------------------------------------- */

static void
test_authoritative(void **state)
{
    static const char *const labels[] = {"192.0.2.1", "192.0.2.2"};
    static const char *const good[] = {D, "srv.example.net", NULL};
    static const char *const none[] = {NULL};
    const struct chain_spec right = {
        LW_DNS_ANSWERED, 0, {D}, {"203.0.113.10"}, {NULL}, {NULL}, false, 300};
    const struct chain_spec wrong = {
        LW_DNS_ANSWERED, 0, {D}, {"192.0.2.9"}, {NULL}, {NULL}, false, 300};
    const struct chain_spec out_cname = {
        LW_DNS_ANSWERED, 0,  {D, "srv.example.net"}, {NULL}, {NULL}, {NULL},
        false,           300};
    const struct chain_spec cf_cname = {
        LW_DNS_ANSWERED, 0,      {D, "d111111abcdef8.cloudfront.net"},
        {NULL},          {NULL}, {NULL},
        false,           300};
    const struct chain_spec dead = {LW_DNS_TIMEOUT, 0,      {NULL}, {NULL},
                                    {NULL},         {NULL}, false,  0};
    struct lw_check_expect ex = nginx_expect(1), cf = cf_expect();
    struct lw_view_eval v[2];
    struct lw_check_result r;
    struct lw_dns_chain c;
    size_t i;

    (void)state;
    memset(&r, 0, sizeof(r));
    /* Both right. */
    {
        struct chain_spec s[2] = {right, right};
        judge_views(&ex, s, labels, 2, v);
    }
    lw_check_eval_authoritative(&ex, v, 2, NULL, &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    assert_string_equal(r.summary, "All 2 name servers of example.com give "
                                   "the expected answer.");
    for (i = 0; i < 2; i++)
        lw_view_eval_clear(&v[i]);
    /* They disagree: warn. */
    {
        struct chain_spec s[2] = {right, wrong};
        judge_views(&ex, s, labels, 2, v);
    }
    lw_check_eval_authoritative(&ex, v, 2, NULL, &r);
    assert_int_equal(r.status, LW_CHECK_WARN);
    assert_true(tp_contains(r.summary, "1 of 2 name servers of example.com "
                                       "give the expected answer; not: "
                                       "192.0.2.2"));
    for (i = 0; i < 2; i++)
        lw_view_eval_clear(&v[i]);
    /* One right, one unreachable from here: pass (it cannot disagree). */
    {
        struct chain_spec s[2] = {right, dead};
        judge_views(&ex, s, labels, 2, v);
    }
    lw_check_eval_authoritative(&ex, v, 2, NULL, &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    assert_true(tp_contains(r.detail, "192.0.2.2: no answer"));
    for (i = 0; i < 2; i++)
        lw_view_eval_clear(&v[i]);
    /* Both wrong: fail, the zone itself holds the wrong record. */
    {
        struct chain_spec s[2] = {wrong, wrong};
        judge_views(&ex, s, labels, 2, v);
    }
    lw_check_eval_authoritative(&ex, v, 2, NULL, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "The zone's own name servers say: " D
                                       " resolves to 192.0.2.9"));
    assert_true(tp_contains(r.hint, "change the record of " D));
    for (i = 0; i < 2; i++)
        lw_view_eval_clear(&v[i]);
    /* Zone not found. */
    lw_check_eval_authoritative(&ex, v, 0, "No SOA record was found.", &r);
    assert_int_equal(r.status, LW_CHECK_WARN);
    assert_string_equal(r.summary, "No SOA record was found.");

    /* A CNAME out of the zone: the zone's server cannot follow it; it is
     * right when the resolvers' expected answers went the same way. */
    make_chain(&out_cname, &c);
    memset(&v[0], 0, sizeof(v[0]));
    lw_check_eval_view(&ex, &c, "192.0.2.1", false, good, &v[0]);
    assert_int_equal(v[0].status, LW_CHECK_PASS);
    lw_view_eval_clear(&v[0]);
    lw_check_eval_view(&ex, &c, "192.0.2.1", false, none, &v[0]);
    assert_int_equal(v[0].status, LW_CHECK_FAIL);
    assert_int_equal(v[0].diag, LW_DIAG_OTHER_TARGET);
    lw_check_eval_authoritative(&ex, v, 1, NULL, &r);
    assert_true(tp_contains(r.summary, "is a CNAME to srv.example.net, "
                                       "which does not lead to this "
                                       "server"));
    lw_view_eval_clear(&v[0]);
    /* CloudFront: the CNAME to the distribution is all it can say. */
    make_chain(&cf_cname, &c);
    lw_check_eval_view(&cf, &c, "192.0.2.1", false, none, &v[0]);
    assert_int_equal(v[0].status, LW_CHECK_PASS);
    lw_view_eval_clear(&v[0]);
    lw_check_result_clear(&r);
}

/* ---- dns.caa -------------------------------------------------------- */

static void
test_caa(void **state)
{
    static const char *const le[] = {"0 issue \"letsencrypt.org\"",
                                     "0 iodef \"mailto:x@example.com\""};
    static const char *const dc[] = {"0 issue \"digicert.com; cansignhttp"
                                     "exchanges=yes\""};
    static const char *const nobody[] = {"0 issue \";\""};
    static const char *const wild[] = {"0 issuewild \"digicert.com\""};
    EVP_PKEY *ck = tp_key_ec("P-256"), *lk = tp_key_ec("P-256"),
             *uk = tp_key_ec("P-256");
    X509 *ca = tp_root("Let's Encrypt R3", ck);
    X509 *leaf = tp_leaf(D, lk, ca, ck);
    X509 *uca = tp_root("Small Private CA", uk);
    X509 *uleaf = tp_leaf(D, lk, uca, uk);
    struct lw_check_result r;

    (void)state;
    memset(&r, 0, sizeof(r));
    lw_check_eval_caa(NULL, 0, NULL, leaf, D, &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    assert_true(tp_contains(r.summary, "No CAA record"));

    lw_check_eval_caa(le, 2, "example.com", leaf, D, &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    assert_true(tp_contains(r.summary, "allow Let's Encrypt R3, which "
                                       "issued the installed certificate"));

    lw_check_eval_caa(dc, 1, "example.com", leaf, D, &r);
    assert_int_equal(r.status, LW_CHECK_WARN);
    assert_true(tp_contains(r.summary, "allow only digicert.com, not Let's "
                                       "Encrypt R3"));
    assert_true(tp_contains(r.hint, "0 issue \"letsencrypt.org\""));
    assert_true(tp_contains(r.detail, "example.com CAA 0 issue"));

    lw_check_eval_caa(nobody, 1, "example.com", leaf, D, &r);
    assert_int_equal(r.status, LW_CHECK_WARN);
    assert_true(tp_contains(r.summary, "forbid every CA"));

    lw_check_eval_caa(wild, 1, "example.com", leaf, D, &r);
    assert_int_equal(r.status, LW_CHECK_PASS);

    /* A CA linkwiz does not know: no verdict, never a warning. */
    lw_check_eval_caa(dc, 1, "example.com", uleaf, D, &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    assert_true(tp_contains(r.summary, "cannot tell"));
    lw_check_result_clear(&r);
    X509_free(leaf);
    X509_free(ca);
    X509_free(uleaf);
    X509_free(uca);
    EVP_PKEY_free(ck);
    EVP_PKEY_free(lk);
    EVP_PKEY_free(uk);
}

/* ---- tls.expiry boundaries ------------------------------------------ */

static void
test_expiry(void **state)
{
    const time_t now = 1796000000;
    static const struct {
        long nb, na; /* seconds from now */
        enum lw_check_status status;
        const char *summary;
    } t[] = {
        {-90L * DAY, 22L * DAY, LW_CHECK_PASS, "(22 days left)"},
        {-90L * DAY, 21L * DAY, LW_CHECK_PASS, "(21 days left)"},
        {-90L * DAY, 21L * DAY - 1, LW_CHECK_WARN, "expires in 20 days"},
        {-90L * DAY, 20L * DAY, LW_CHECK_WARN, "expires in 20 days"},
        {-90L * DAY, 0, LW_CHECK_WARN, "expires in 0 days"},
        {-90L * DAY, -1, LW_CHECK_FAIL,
         "expired on 2026-11-30 00:53 UTC (1 "
         "day ago)"},
        {-90L * DAY, -3L * DAY, LW_CHECK_FAIL, "(3 days ago)"},
        {60, 90L * DAY, LW_CHECK_FAIL,
         "not valid yet: valid from "
         "2026-11-30 00:54 UTC"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct lw_check_result r;
        memset(&r, 0, sizeof(r));
        lw_check_eval_expiry(now + t[i].nb, now + t[i].na, now, &r);
        if (r.status != t[i].status)
            fail_msg("row %zu: %s: %s", i, lw_check_status_word(r.status),
                     r.summary);
        assert_true(tp_contains(r.summary, t[i].summary));
        assert_true(tp_contains(r.detail, "Valid from "));
        if (r.status != LW_CHECK_PASS)
            assert_non_null(r.hint);
        lw_check_result_clear(&r);
    }
}

/* ---- tls.key table -------------------------------------------------- */

static EVP_PKEY *rsa1024, *rsa2048, *rsa3072, *ec256, *ec521, *ed;

static int
keys_setup(void **state)
{
    (void)state;
    rsa1024 = tp_key_rsa(1024);
    rsa2048 = tp_key_rsa(2048);
    rsa3072 = tp_key_rsa(3072);
    ec256 = tp_key_ec("P-256");
    ec521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
    ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    return rsa1024 && rsa2048 && rsa3072 && ec256 && ec521 && ed ? 0 : -1;
}

static int
keys_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa1024);
    EVP_PKEY_free(rsa2048);
    EVP_PKEY_free(rsa3072);
    EVP_PKEY_free(ec256);
    EVP_PKEY_free(ec521);
    EVP_PKEY_free(ed);
    return 0;
}

static void
test_key_table(void **state)
{
    struct {
        EVP_PKEY **key;
        enum lw_method m;
        enum lw_check_status status;
        const char *summary;
    } t[] = {
        {&rsa1024, LW_METHOD_NGINX, LW_CHECK_FAIL, "RSA 1024: too small"},
        {&rsa1024, LW_METHOD_CLOUDFRONT, LW_CHECK_FAIL, "RSA 1024: too small"},
        {&rsa2048, LW_METHOD_NGINX, LW_CHECK_PASS, "RSA 2048 key."},
        {&rsa2048, LW_METHOD_CLOUDFRONT, LW_CHECK_PASS,
         "RSA 2048, as the provider's guide asks"},
        {&rsa3072, LW_METHOD_NGINX, LW_CHECK_PASS, "RSA 3072 key."},
        {&rsa3072, LW_METHOD_CLOUDFRONT, LW_CHECK_WARN,
         "RSA 3072: AWS may accept it, but the provider's guide asks for RSA "
         "2048"},
        {&ec256, LW_METHOD_NGINX, LW_CHECK_PASS, "EC P-256 key."},
        {&ec256, LW_METHOD_CLOUDFRONT, LW_CHECK_WARN,
         "EC P-256: the provider's guide asks for RSA 2048"},
        {&ec521, LW_METHOD_NGINX, LW_CHECK_WARN,
         "EC P-521: not a curve linkwiz offers"},
        {&ed, LW_METHOD_NGINX, LW_CHECK_WARN, "ED25519 key: not a kind"},
    };
    struct lw_check_result r;
    size_t i;

    (void)state;
    memset(&r, 0, sizeof(r));
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        lw_check_eval_key(t[i].m, *t[i].key, &r);
        if (r.status != t[i].status)
            fail_msg("row %zu: %s: %s", i, lw_check_status_word(r.status),
                     r.summary);
        assert_true(tp_contains(r.summary, t[i].summary));
    }
    lw_check_eval_key(LW_METHOD_NGINX, NULL, &r);
    assert_int_equal(r.status, LW_CHECK_ERROR);
    lw_check_result_clear(&r);
}

/* ---- tls.chain, tls.hostname, per address --------------------------- */

struct pki3 {
    EVP_PKEY *rk, *ik, *lk, *ok;
    X509 *root, *inter, *leaf, *other;
};

static void
pki3_make(struct pki3 *p)
{
    p->rk = tp_key_ec("P-256");
    p->ik = tp_key_ec("P-256");
    p->lk = tp_key_ec("P-256");
    p->ok = tp_key_ec("P-256");
    p->root = tp_root("Test Root CA", p->rk);
    p->inter = tp_inter("Test Issuing CA 7", p->ik, p->root, p->rk);
    p->leaf = tp_leaf(D, p->lk, p->inter, p->ik);
    p->other = tp_leaf("other.example.net", p->ok, p->inter, p->ik);
}

static void
pki3_free(struct pki3 *p)
{
    X509_free(p->root);
    X509_free(p->inter);
    X509_free(p->leaf);
    X509_free(p->other);
    EVP_PKEY_free(p->rk);
    EVP_PKEY_free(p->ik);
    EVP_PKEY_free(p->lk);
    EVP_PKEY_free(p->ok);
}

static STACK_OF(X509) * stack(X509 *a, X509 *b, X509 *c)
{
    STACK_OF(X509) *s = sk_X509_new_null();
    X509 *v[3] = {a, b, c};
    int i;

    for (i = 0; i < 3 && v[i] != NULL; i++) {
        X509_up_ref(v[i]);
        sk_X509_push(s, v[i]);
    }
    return s;
}

static void
test_chain(void **state)
{
    struct pki3 p;
    struct lw_check_result r;
    STACK_OF(X509) * s;

    (void)state;
    pki3_make(&p);
    memset(&r, 0, sizeof(r));
    s = stack(p.leaf, p.inter, NULL);
    lw_check_eval_chain(s, X509_V_OK, "", &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    assert_string_equal(r.summary, "The chain verifies to a trusted root (2 "
                                   "certificates served, leaf first).");
    sk_X509_pop_free(s, X509_free);

    /* The intermediate missing: named by the leaf's issuer. */
    s = stack(p.leaf, NULL, NULL);
    lw_check_eval_chain(s, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                        "unable to get local issuer certificate", &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "does not send the intermediate "
                                       "certificate \"Test Issuing CA 7\""));
    assert_true(tp_contains(r.hint, "Append the intermediate"));
    sk_X509_pop_free(s, X509_free);

    /* The root served too: warn. */
    s = stack(p.leaf, p.inter, p.root);
    lw_check_eval_chain(s, X509_V_OK, "", &r);
    assert_int_equal(r.status, LW_CHECK_WARN);
    assert_true(tp_contains(r.summary, "also sends the root certificate "
                                       "\"Test Root CA\""));
    sk_X509_pop_free(s, X509_free);

    /* Not leaf first. */
    s = stack(p.inter, p.leaf, NULL);
    lw_check_eval_chain(s, X509_V_OK, "", &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "sends the CA certificate \"Test "
                                       "Issuing CA 7\" first"));
    sk_X509_pop_free(s, X509_free);

    /* Untrusted root: the verify error, sanitized. */
    s = stack(p.leaf, p.inter, NULL);
    lw_check_eval_chain(s, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
                        "self-signed\x1b certificate in chain", &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_string_equal(r.summary, "The served chain does not verify: "
                                   "self-signed? certificate in chain.");
    sk_X509_pop_free(s, X509_free);

    lw_check_eval_hostname(p.leaf, D, &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    lw_check_eval_hostname(p.other, D, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_string_equal(r.summary, "The certificate does not cover " D
                                   "; it covers: other.example.net.");
    lw_check_result_clear(&r);
    pki3_free(&p);
}

static void
tls_ok(struct lw_tls_result *t, const char *addr, STACK_OF(X509) * served)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->addr, sizeof(t->addr), "%s", addr);
    t->connected = t->handshake = true;
    snprintf(t->protocol, sizeof(t->protocol), "TLSv1.3");
    t->served = served;
    t->verify = X509_V_OK;
}

static void
test_tls_addresses(void **state)
{
    struct pki3 p;
    struct lw_tls_result a, b, c;
    const struct lw_tls_result *probes[3] = {&a, &b, &c};
    struct lw_check_result out[LW_CK_TLS_N];
    struct lw_check_expect ex = nginx_expect(0);
    char fp[96];
    int k;

    (void)state;
    pki3_make(&p);
    lw_cert_fingerprint(p.leaf, fp);
    ex.installed_fingerprint = fp;
    memset(out, 0, sizeof(out));

    /* One address, all right. */
    tls_ok(&a, "203.0.113.10", stack(p.leaf, p.inter, NULL));
    lw_check_eval_tls(&ex, probes, 1, time(NULL), out);
    for (k = 0; k < LW_CK_TLS_N; k++)
        if (out[k].status != LW_CHECK_PASS)
            fail_msg("check %d: %s", k, out[k].summary);
    assert_string_equal(out[0].summary, "TLSv1.3 handshake with "
                                        "203.0.113.10 (SNI " D ").");
    assert_true(tp_contains(out[3].summary, "days left"));
    assert_string_equal(out[4].summary, "EC P-256 key.");

    /* A second address serving another name: the result names it. */
    tls_ok(&b, "192.0.2.9", stack(p.other, p.inter, NULL));
    lw_check_eval_tls(&ex, probes, 2, time(NULL), out);
    assert_int_equal(out[0].status, LW_CHECK_PASS);
    assert_int_equal(out[2].status, LW_CHECK_FAIL);
    assert_true(tp_contains(out[2].summary, "At 192.0.2.9: The certificate "
                                            "does not cover " D));
    assert_true(tp_contains(out[2].detail, "203.0.113.10 (pass): "));
    assert_true(tp_contains(out[2].detail, "192.0.2.9 (fail): "));
    /* It is not the installed certificate either: both fingerprints. */
    assert_true(tp_contains(out[2].detail, "Installed: SHA-256 "));

    /* A third address where nothing listens: tls.handshake fails there,
     * the other checks keep their verdicts. */
    memset(&c, 0, sizeof(c));
    snprintf(c.addr, sizeof(c.addr), "2001:db8::9");
    snprintf(c.error, sizeof(c.error), "Connection refused");
    lw_check_eval_tls(&ex, probes, 3, time(NULL), out);
    assert_int_equal(out[0].status, LW_CHECK_FAIL);
    assert_string_equal(out[0].summary, "At 2001:db8::9: Could not connect "
                                        "to 2001:db8::9 port 443: "
                                        "Connection refused.");
    assert_int_equal(out[3].status, LW_CHECK_PASS);

    /* The right name, but not the installed certificate (nginx not
     * reloaded): tls.hostname warns. */
    ex.installed_fingerprint = "00:11";
    lw_check_eval_tls(&ex, probes, 1, time(NULL), out);
    assert_int_equal(out[2].status, LW_CHECK_WARN);
    assert_true(tp_contains(out[2].summary, "not the one installed here"));
    assert_true(tp_contains(out[2].hint, "nginx -s reload"));

    /* No address at all: skipped, pointing at dns.record. */
    lw_check_eval_tls(&ex, probes, 0, time(NULL), out);
    for (k = 0; k < LW_CK_TLS_N; k++) {
        assert_int_equal(out[k].status, LW_CHECK_SKIP);
        assert_true(tp_contains(out[k].summary, "see dns.record"));
    }
    for (k = 0; k < LW_CK_TLS_N; k++)
        lw_check_result_clear(&out[k]);
    sk_X509_pop_free(a.served, X509_free);
    sk_X509_pop_free(b.served, X509_free);
    pki3_free(&p);
}

/* ---- /health -------------------------------------------------------- */

static void
resp_make(struct lw_http_resp *r, bool ok, long status, const char *ctype,
          const char *body)
{
    memset(r, 0, sizeof(*r));
    r->ok = ok;
    r->status = status;
    r->content_type = (char *)ctype;
    lw_buf_init(&r->body);
    if (body != NULL)
        lw_buf_puts(&r->body, body);
}

static void
test_health(void **state)
{
    static const char *const u = "https://" D "/health";
    char long_body[400];
    struct lw_http_resp resp;
    struct lw_check_result r;

    (void)state;
    memset(&r, 0, sizeof(r));
    resp_make(&resp, true, 200, "application/json", " {}\r\n");
    lw_check_eval_health(&resp, u, "{}", &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    assert_string_equal(r.summary, "https://" D "/health answered 200 with "
                                   "{}.");
    lw_buf_free(&resp.body);

    resp_make(&resp, true, 502, "text/html",
              "<html>\r\n<head><title>502 Bad Gateway</title></head>");
    resp.server = "nginx/1.22.1";
    lw_check_eval_health(&resp, u, "{}", &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_string_equal(r.summary, "https://" D "/health answered 502 "
                                   "(text/html): <html>");
    assert_true(tp_contains(r.detail, "Server: nginx/1.22.1"));
    assert_true(tp_contains(r.hint, "origin.health"));
    lw_buf_free(&resp.body);

    /* Escape sequences and a long first line: replaced and cut. */
    memset(long_body, 'x', sizeof(long_body) - 1);
    long_body[sizeof(long_body) - 1] = '\0';
    memcpy(long_body, "\033[2J", 4);
    resp_make(&resp, true, 200, "text/plain", long_body);
    resp.via = "Via: 1.1 abc.cloudfront.net (CloudFront)";
    lw_check_eval_health(&resp, u, "{}", &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_null(strchr(r.summary, '\033'));
    assert_true(tp_contains(r.summary, "not with the provider's body: "
                                       "?[2Jxxxx"));
    assert_true(tp_contains(r.summary, "x..."));
    assert_true(strlen(strstr(r.summary, "?[2J")) == 120 + 3);
    assert_true(tp_contains(r.detail, "A proxy or CDN answered on the way: "
                                      "Via: 1.1 abc.cloudfront.net"));
    lw_buf_free(&resp.body);

    /* A redirect loop. */
    resp_make(&resp, false, 301, NULL, NULL);
    resp.curl_code = 47;
    snprintf(resp.error, sizeof(resp.error),
             "Maximum (5) redirects "
             "followed");
    lw_check_eval_health(&resp, u, "{}", &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "could not be fetched: Maximum (5) "
                                       "redirects followed"));
    assert_true(tp_contains(r.hint, "redirects in a loop"));
    lw_buf_free(&resp.body);

    /* Truncated "{}..." is not "{}". */
    resp_make(&resp, true, 200, "application/json", "{}");
    resp.body_truncated = true;
    lw_check_eval_health(&resp, u, "{}", &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    lw_buf_free(&resp.body);
    lw_check_result_clear(&r);
}

/* ---- files.key ------------------------------------------------------ */

static void
write_key_and_cert(const char *root, EVP_PKEY *key, X509 *leaf, unsigned mode)
{
    struct lw_buf k = LW_BUF_INIT, c = LW_BUF_INIT;
    char dir[4096];
    char *p;

    snprintf(dir, sizeof(dir), "%s/etc/pki/tls/private", root);
    assert_int_equal(lw_mkdirs(dir, 0700, NULL), LW_OK);
    snprintf(dir, sizeof(dir), "%s/etc/pki/tls/certs", root);
    assert_int_equal(lw_mkdirs(dir, 0755, NULL), LW_OK);
    tp_key_pem(&k, key, TP_KEY_PKCS8, NULL);
    snprintf(dir, sizeof(dir), "%s/etc/pki/tls/private", root);
    p = tp_write_file_mode(dir, D ".key", k.data, k.len, mode);
    free(p);
    tp_certs(&c, TP_PEM, leaf, NULL);
    snprintf(dir, sizeof(dir), "%s/etc/pki/tls/certs", root);
    p = tp_write_file(dir, D ".crt", c.data, c.len);
    free(p);
    lw_buf_free_secure(&k);
    lw_buf_free(&c);
}

static void
test_files_key(void **state)
{
    struct pki3 p;
    struct lw_check_result r;
    char *root = tp_tmpdir();

    (void)state;
    pki3_make(&p);
    memset(&r, 0, sizeof(r));
    lw_check_eval_files_key(root, D, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_string_equal(r.summary, "The private key /etc/pki/tls/private/" D
                                   ".key is missing.");

    write_key_and_cert(root, p.lk, p.leaf, 0600);
    lw_check_eval_files_key(root, D, &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    assert_true(tp_contains(r.summary, "exists, mode 0600, and matches"));

    write_key_and_cert(root, p.lk, p.leaf, 0644);
    lw_check_eval_files_key(root, D, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "has mode 0644; it must be 0600"));
    assert_string_equal(r.hint,
                        "Run: chmod 600 /etc/pki/tls/private/" D ".key");

    write_key_and_cert(root, p.ok, p.leaf, 0600);
    lw_check_eval_files_key(root, D, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "does not match the installed "
                                       "certificate"));
    assert_true(tp_contains(r.detail, "Key: SHA-256 "));
    lw_check_result_clear(&r);
    tp_rmtree(root);
    pki3_free(&p);
}

/* ---- nginx.config --------------------------------------------------- */

static char *
rendered(const char *from, const char *to)
{
    struct lw_nginx_site site = {D,
                                 "track.customer.io",
                                 443,
                                 "/etc/pki/tls/certs/" D ".crt",
                                 "/etc/pki/tls/private/" D ".key",
                                 NULL,
                                 false};
    struct lw_buf b = LW_BUF_INIT, o = LW_BUF_INIT;
    char *at;

    assert_int_equal(lw_nginx_render(&site, &b, NULL), LW_OK);
    if (from == NULL)
        return lw_buf_steal(&b, NULL);
    /* Change every occurrence (location / and any other). */
    for (at = b.data; at != NULL && *at != '\0';) {
        char *hit = strstr(at, from);
        if (hit == NULL) {
            lw_buf_puts(&o, at);
            break;
        }
        lw_buf_append(&o, at, (size_t)(hit - at));
        lw_buf_puts(&o, to);
        at = hit + strlen(from);
    }
    lw_buf_free(&b);
    return lw_buf_steal(&o, NULL);
}

static void
test_nginx(void **state)
{
    static const char *const path = "/etc/nginx/conf.d/" D ".conf";
    char *good = rendered(NULL, NULL);
    char *host =
        rendered("proxy_set_header Host " D, "proxy_set_header Host $host");
    char *sni = rendered("proxy_ssl_server_name on", "proxy_ssl_server_name "
                                                     "off");
    char dump[8192];
    struct lw_check_result r;

    (void)state;
    memset(&r, 0, sizeof(r));
    lw_check_eval_nginx(D, good, strlen(good), path, false, false, NULL, NULL,
                        0, &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    assert_true(tp_contains(r.summary, "sends Host: " D " and SNI"));
    assert_true(tp_contains(r.summary, "nginx -t not run"));

    lw_check_eval_nginx(D, good, strlen(good), path, true, true, "", NULL, 0,
                        &r);
    assert_int_equal(r.status, LW_CHECK_PASS);
    assert_true(tp_contains(r.summary, "nginx -t accepts the configuration"));

    lw_check_eval_nginx(D, host, strlen(host), path, true, true, "", NULL, 0,
                        &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "the proxy sends Host: $host, not " D));
    assert_string_equal(r.hint,
                        "In location /, set: proxy_set_header Host " D ";");

    lw_check_eval_nginx(D, sni, strlen(sni), path, true, true, "", NULL, 0, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "proxy_ssl_server_name is off"));

    lw_check_eval_nginx(D, good, strlen(good), path, true, false,
                        "nginx: [emerg] unknown directive \"proxy_pas\" in "
                        "/etc/nginx/conf.d/x.conf:12\nnginx: configuration "
                        "file /etc/nginx/nginx.conf test failed\n",
                        NULL, 0, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_string_equal(r.summary, "nginx -t rejects the configuration: "
                                   "nginx: [emerg] unknown directive "
                                   "\"proxy_pas\" in "
                                   "/etc/nginx/conf.d/x.conf:12");

    lw_check_eval_nginx(D, NULL, 0, path, true, true, "", NULL, 0, &r);
    assert_int_equal(r.status, LW_CHECK_FAIL);
    assert_true(tp_contains(r.summary, "is missing"));

    /* nginx -T: another block claims the name. */
    snprintf(dump, sizeof(dump),
             "# configuration file %s:\n%s\n"
             "# configuration file /etc/nginx/sites-enabled/old:\n"
             "server {\n    listen 443 ssl;\n    server_name *.example.com;\n"
             "}\n",
             path, good);
    lw_check_eval_nginx(D, good, strlen(good), path, true, true, "", dump,
                        strlen(dump), &r);
    assert_int_equal(r.status, LW_CHECK_WARN);
    assert_true(tp_contains(r.summary, "Another server block also claims " D
                                       ": /etc/nginx/sites-enabled/old line "
                                       "1"));
    lw_check_result_clear(&r);
    free(good);
    free(host);
    free(sni);
}

/* ---- a fake run's accessors ----------------------------------------- */

static void
test_fake_run(void **state)
{
    struct lw_check_fake f;
    struct lw_check_run *run;
    size_t agree, asked;

    (void)state;
    memset(&f, 0, sizeof(f));
    f.results[LW_CK_TLS_CHAIN] = (struct lw_check_result){
        LW_CK_TLS_CHAIN, LW_CHECK_SKIP, true, "s", NULL, NULL, 1};
    f.results[LW_CK_DNS_CAA] = (struct lw_check_result){
        LW_CK_DNS_CAA, LW_CHECK_ERROR, true, "e", NULL, NULL, 1};
    f.results[LW_CK_HTTP_HEALTH] = (struct lw_check_result){
        LW_CK_HTTP_HEALTH, LW_CHECK_FAIL, false, "not done", NULL, NULL, 1};
    f.now = 1000000;
    f.served_not_after = 1000000 - 1;
    f.agree = 3;
    f.asked = 4;
    run = lw_check_run_fake(&f);
    assert_int_equal(lw_check_overall(run), LW_CHECK_ERROR);
    assert_int_equal(lw_check_days_left(run), -1);
    lw_check_agreement(run, &agree, &asked);
    assert_int_equal(agree, 3);
    assert_int_equal(asked, 4);
    assert_null(lw_check_served_fingerprint(run));
    lw_check_free(run);

    memset(&f, 0, sizeof(f));
    run = lw_check_run_fake(&f);
    assert_int_equal(lw_check_overall(run), LW_CHECK_PASS);
    assert_int_equal(lw_check_days_left(run), INT_MIN);
    lw_check_free(run);
}

/* ---- the engine, where nothing answers ------------------------------ */

struct seen {
    int results;
    int done;
    bool ids[LW_CK_COUNT];
};

static void
on_result(void *ud, const struct lw_check_result *r)
{
    struct seen *s = ud;

    assert_true(r->done);
    assert_false(s->ids[r->id]);
    s->ids[r->id] = true;
    s->results++;
}

static void
on_done(void *ud, struct lw_check_run *run)
{
    struct seen *s = ud;

    (void)run;
    s->done++;
}

static void
test_engine_nothing_answers(void **state)
{
    struct lw_profile *prof = NULL;
    struct lw_dns_server res[2];
    struct lw_check_opts o;
    struct lw_check_run *run = NULL;
    struct lw_loop *loop = NULL;
    struct lw_state st;
    struct lw_err err;
    struct seen seen;
    const struct lw_check_result *r;
    const char *const connect_to[] = {D ":443:127.0.0.1:9", D ":80:127.0.0.1:9",
                                      NULL};
    char *root = tp_tmpdir();
    uint64_t t0;
    int k, rounds = 0;

    (void)state;
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(lw_profile_load(NULL, &prof, &err), LW_OK);
    lw_state_init(&st);
    snprintf(st.config.domain, sizeof(st.config.domain), "%s", D);
    st.config.region = strdup("us");
    st.config.method = LW_METHOD_NGINX;
    st.phase = LW_PHASE_INSTALLED;
    /* Port 9 (discard) on loopback: refused at once, or silent. */
    assert_int_equal(lw_dns_server_parse("127.0.0.1:9", &res[0], &err), LW_OK);
    assert_int_equal(lw_dns_server_parse("[::1]:9", &res[1], &err), LW_OK);
    memset(&o, 0, sizeof(o));
    o.state = &st;
    o.profile = prof;
    o.root = root;
    o.resolvers = res;
    o.n_resolvers = 2;
    o.connect_to = connect_to;
    o.timeout_ms = 400;
    o.run_nginx = false;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(
        lw_check_start(loop, &o, on_result, on_done, &seen, &run, &err), LW_OK);
    /* Nothing is reported from inside the start call. */
    assert_int_equal(seen.results, 0);
    t0 = lw_loop_now_ms(loop);
    while (seen.done == 0 && rounds++ < 1000)
        assert_int_equal(lw_loop_once(loop, 100, &err), LW_OK);
    assert_int_equal(seen.done, 1);
    assert_int_equal(seen.results, LW_CK_COUNT);
    /* About one timeout for the lot (the origin is looked up by name:
     * allow for a slow system resolver), never the sum of them. */
    assert_true(lw_loop_now_ms(loop) - t0 < 4000);
    r = lw_check_results(run);
    for (k = 0; k < LW_CK_COUNT; k++)
        assert_true(r[k].done);
    assert_int_equal(r[LW_CK_DNS_RECORD].status, LW_CHECK_ERROR);
    assert_int_equal(r[LW_CK_FILES_KEY].status, LW_CHECK_FAIL);
    assert_int_equal(r[LW_CK_TLS_HANDSHAKE].status, LW_CHECK_FAIL);
    assert_true(tp_contains(r[LW_CK_TLS_HANDSHAKE].summary, "127.0.0.1"));
    assert_int_equal(r[LW_CK_NGINX_CONFIG].status, LW_CHECK_FAIL);
    assert_int_equal(r[LW_CK_HTTP_HEALTH].status, LW_CHECK_FAIL);
    assert_int_equal(lw_check_overall(run), LW_CHECK_FAIL);
    lw_check_free(run);
    lw_loop_free(loop);
    lw_state_free(&st);
    lw_profile_free(prof);
    tp_rmtree(root);
}

/* ---- the engine's zone search, against dnsserver.py ----------------- */

/* One resolver (tests/fixtures/dnsserver.py on a free port) that waits
 * 300 ms before every answer; the zone's name server ns1.example.com is
 * at 127.0.0.251, where nothing answers DNS (port 53: refused at once).
 * With glue in the NS answer, the zone and its server's address come in
 * one round trip, and dns.authoritative is settled after it; without
 * glue, the name server's name costs one more (A and AAAA together). */

static const char zone_json[] =
    "{\"link.example.com.\": [{\"type\": \"A\", \"data\": \"127.0.0.1\"}],\n"
    " \"example.com.\": [{\"type\": \"SOA\", \"ttl\": 3600, \"data\": "
    "\"ns1.example.com. hostmaster.example.com. 1 3600 600 86400 60\"},\n"
    "   {\"type\": \"NS\", \"data\": \"ns1.example.com.\"}],\n"
    " \"ns1.example.com.\": [{\"type\": \"A\", \"data\": \"127.0.0.251\"}]}\n";

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A port free for UDP and TCP on 127.0.0.1 now. */
static unsigned
free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    unsigned port = 0;
    int u, t, tries;

    for (tries = 0; tries < 20 && port == 0; tries++) {
        u = socket(AF_INET, SOCK_DGRAM, 0);
        assert_true(u >= 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(u, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(getsockname(u, (struct sockaddr *)&sa, &len), 0);
        t = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(t >= 0);
        if (bind(t, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            port = ntohs(sa.sin_port);
        close(t);
        close(u);
    }
    assert_true(port != 0);
    return port;
}

/* dnsserver.py with the zone file and options (NULL-terminated), on
 * spec; its pid once it said "ready", or 0 when python3 cannot run it. */
static pid_t
dns_fixture(const char *zone, const char *spec, const char *const extra[])
{
    const char *top = getenv("TOP_SRCDIR");
    char script[PATH_MAX], line[64];
    const char *argv[16];
    struct pollfd pfd;
    size_t got = 0;
    int fds[2], n = 0, i;
    uint64_t end;
    pid_t pid;

    if (top != NULL && *top != '\0') {
        snprintf(script, sizeof(script), "%s/tests/fixtures/dnsserver.py", top);
    } else {
        const char *slash = strrchr(__FILE__, '/');

        snprintf(script, sizeof(script), "%.*s/../fixtures/dnsserver.py",
                 slash != NULL ? (int)(slash - __FILE__) : 1,
                 slash != NULL ? __FILE__ : ".");
    }
    argv[n++] = "python3";
    argv[n++] = script;
    argv[n++] = "--listen";
    argv[n++] = spec;
    argv[n++] = "--zone";
    argv[n++] = zone;
    for (i = 0; extra[i] != NULL; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* gone with us */
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp("python3", (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    pfd.fd = fds[0];
    pfd.events = POLLIN;
    end = now_ms() + 10000;
    line[0] = '\0';
    while (strstr(line, "ready\n") == NULL && now_ms() < end) {
        ssize_t r;

        if (poll(&pfd, 1, (int)(end - now_ms())) <= 0)
            continue;
        r = read(fds[0], line + got, sizeof(line) - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        line[got] = '\0';
    }
    close(fds[0]);
    if (strstr(line, "ready\n") == NULL) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return 0;
    }
    return pid;
}

/* One run against the slow resolver; dns.authoritative's time back. */
static long
zone_run(const char *root, const struct lw_dns_server *res, char *summary,
         size_t summary_len, char *label, size_t label_len)
{
    struct lw_profile *prof = NULL;
    struct lw_check_opts o;
    struct lw_check_run *run = NULL;
    struct lw_loop *loop = NULL;
    struct lw_state st;
    struct lw_err err;
    struct seen seen;
    const struct lw_check_result *r;
    const struct lw_resolver_view *rv;
    const char *const connect_to[] = {D ":443:127.0.0.1:9", D ":80:127.0.0.1:9",
                                      NULL};
    size_t n;
    long ms;
    int rounds = 0;

    memset(&seen, 0, sizeof(seen));
    assert_int_equal(lw_profile_load(NULL, &prof, &err), LW_OK);
    lw_state_init(&st);
    snprintf(st.config.domain, sizeof(st.config.domain), "%s", D);
    st.config.region = strdup("us");
    st.config.method = LW_METHOD_NGINX;
    st.phase = LW_PHASE_INSTALLED;
    memset(&o, 0, sizeof(o));
    o.state = &st;
    o.profile = prof;
    o.root = root;
    o.resolvers = res;
    o.n_resolvers = 1;
    o.connect_to = connect_to;
    o.timeout_ms = 3000;
    o.run_nginx = false;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(
        lw_check_start(loop, &o, on_result, on_done, &seen, &run, &err), LW_OK);
    while (seen.done == 0 && rounds++ < 1000)
        assert_int_equal(lw_loop_once(loop, 100, &err), LW_OK);
    assert_int_equal(seen.done, 1);
    r = &lw_check_results(run)[LW_CK_DNS_AUTHORITATIVE];
    assert_true(r->done);
    snprintf(summary, summary_len, "%s", r->summary);
    ms = r->elapsed_ms;
    rv = lw_check_resolvers(run, &n);
    assert_int_equal(n, 2);
    assert_false(rv[0].authoritative);
    assert_true(rv[1].authoritative);
    snprintf(label, label_len, "%s", rv[1].server.label);
    assert_int_equal(r->status, LW_CHECK_WARN);
    lw_check_free(run);
    lw_loop_free(loop);
    lw_state_free(&st);
    lw_profile_free(prof);
    return ms;
}

static void
test_engine_zone_round_trips(void **state)
{
    const char *glue[] = {"--delay-ms", "300", NULL};
    const char *no_glue[] = {"--delay-ms", "300", "--no-glue", NULL};
    char *root = tp_tmpdir();
    char zone[PATH_MAX], spec[32], summary[256], label[80];
    struct lw_dns_server res;
    struct lw_err err;
    pid_t pid;
    FILE *f;
    long ms;

    (void)state;
    snprintf(zone, sizeof(zone), "%s/zone.json", root);
    f = fopen(zone, "w");
    assert_non_null(f);
    fputs(zone_json, f);
    assert_int_equal(fclose(f), 0);

    /* With glue: one round trip (the SOA and NS questions together). */
    snprintf(spec, sizeof(spec), "127.0.0.1:%u", free_port());
    assert_int_equal(lw_dns_server_parse(spec, &res, &err), LW_OK);
    pid = dns_fixture(zone, spec, glue);
    if (pid == 0) {
        tp_rmtree(root);
        print_message("# python3 cannot run tests/fixtures/dnsserver.py\n");
        skip();
    }
    ms = zone_run(root, &res, summary, sizeof(summary), label, sizeof(label));
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    print_message("# with glue: dns.authoritative after %ld ms\n", ms);
    assert_string_equal(summary, "No name server of example.com answered "
                                 "from here (ns1.example.com (127.0.0.251)).");
    assert_string_equal(label, "ns1.example.com (127.0.0.251)");
    assert_true(ms >= 290 && ms < 550);

    /* Without: the name server's name is resolved, one more. */
    snprintf(spec, sizeof(spec), "127.0.0.1:%u", free_port());
    assert_int_equal(lw_dns_server_parse(spec, &res, &err), LW_OK);
    pid = dns_fixture(zone, spec, no_glue);
    assert_true(pid > 0);
    ms = zone_run(root, &res, summary, sizeof(summary), label, sizeof(label));
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    print_message("# without glue: dns.authoritative after %ld ms\n", ms);
    assert_string_equal(summary, "No name server of example.com answered "
                                 "from here (ns1.example.com (127.0.0.251)).");
    assert_true(ms >= 590 && ms < 850);
    tp_rmtree(root);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_dns_diagnoses),
        cmocka_unit_test(test_dns_sanitized),
        cmocka_unit_test(test_dns_propagation),
        cmocka_unit_test(test_dns_bad_address_by_tls),
        cmocka_unit_test(test_authoritative),
        cmocka_unit_test(test_caa),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test_setup_teardown(test_key_table, keys_setup,
                                        keys_teardown),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_tls_addresses),
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_files_key),
        cmocka_unit_test(test_nginx),
        cmocka_unit_test(test_fake_run),
        cmocka_unit_test(test_engine_nothing_answers),
        cmocka_unit_test(test_engine_zone_round_trips),
    };

    setenv("TZ", "UTC", 1);
    return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
