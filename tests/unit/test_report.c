/* test_report.c - the text table, --json, the monitoring line, what
 * changed since the last run, and the run stored in the state, all from
 * hand-made runs (lw_check_run_fake). */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "lw/check.h"
#include "lw/report.h"
#include "lw/state.h"
#include "testpki.h"

#define NOW ((time_t)1796000000) /* 2026-11-30 */
#define DAY 86400

/* A run: dns.record pass, tls.expiry warn (12 days), http.health fail,
 * nginx.config skip; the other checks not done.  1 of 2 resolvers
 * agree unless agree says otherwise. */
static struct lw_check_run *
sample_run(size_t agree, const char *fp)
{
    struct lw_check_fake f;
    struct lw_check_run *run;

    memset(&f, 0, sizeof(f));
    f.results[LW_CK_DNS_RECORD] = (struct lw_check_result){
        LW_CK_DNS_RECORD, LW_CHECK_PASS, true, "All 2 resolvers agree.",
        "1.1.1.1: fine",  NULL,          12};
    f.results[LW_CK_TLS_EXPIRY] = (struct lw_check_result){
        LW_CK_TLS_EXPIRY,         LW_CHECK_WARN,    true, "Expires in 12 days.",
        "Valid from A\nuntil B.", "Renew it soon.", 40};
    f.results[LW_CK_HTTP_HEALTH] = (struct lw_check_result){
        LW_CK_HTTP_HEALTH, LW_CHECK_FAIL,        true, "Answered 502.",
        "Server: nginx",   "See origin.health.", 300};
    f.results[LW_CK_NGINX_CONFIG] = (struct lw_check_result){
        LW_CK_NGINX_CONFIG, LW_CHECK_SKIP, true, "CloudFront.", NULL, NULL, 0};
    f.elapsed_ms = 840;
    f.now = NOW;
    f.served_fingerprint = fp;
    f.served_not_after = NOW + 12 * DAY + 100;
    f.agree = agree;
    f.asked = 2;
    run = lw_check_run_fake(&f);
    assert_non_null(run);
    return run;
}

static void
sample_state(struct lw_state *s)
{
    lw_state_init(s);
    snprintf(s->config.domain, sizeof(s->config.domain), "%s",
             "link.example.com");
    s->config.region = strdup("us");
    s->config.method = LW_METHOD_NGINX;
    s->phase = LW_PHASE_INSTALLED;
}

static void
test_exit_codes(void **state)
{
    static const struct {
        enum lw_check_status s;
        int code;
    } t[] = {{LW_CHECK_PASS, 0},
             {LW_CHECK_SKIP, 0},
             {LW_CHECK_WARN, 1},
             {LW_CHECK_FAIL, 2},
             {LW_CHECK_ERROR, 2}};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        assert_int_equal(lw_report_exit_code(t[i].s), t[i].code);
}

static void
test_text_exact(void **state)
{
    struct lw_check_run *run = sample_run(1, "AA:01");
    struct lw_buf out = LW_BUF_INIT;
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_report_text(run, NULL, false, &out, &err), LW_OK);
    assert_string_equal(
        out.data,
        "ok    dns.record         All 2 resolvers agree.\n"
        "WARN  tls.expiry         Expires in 12 days.\n"
        "                         Valid from A\n"
        "                         until B.\n"
        "                         Fix: Renew it soon.\n"
        "skip  nginx.config       CloudFront.\n"
        "FAIL  http.health        Answered 502.\n"
        "                         Server: nginx\n"
        "                         Fix: See origin.health.\n"
        "\n"
        "4 checks in 0.84 s: 1 pass, 1 warn, 1 fail, 1 skipped, 0 could not "
        "run.\n");
    lw_buf_free(&out);
    lw_check_free(run);
}

static void
test_text_color(void **state)
{
    struct lw_check_run *run = sample_run(1, "AA:01");
    struct lw_buf out = LW_BUF_INIT;
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_report_text(run, NULL, true, &out, &err), LW_OK);
    assert_true(tp_contains(out.data, "\033[33mWARN\033[0m  tls.expiry"));
    assert_true(tp_contains(out.data, "\033[32mok\033[0m    dns.record"));
    assert_true(tp_contains(out.data, "\033[1;31mFAIL\033[0m  http.health"));
    lw_buf_free(&out);
    lw_check_free(run);
}

static void
test_json(void **state)
{
    struct lw_check_run *run = sample_run(1, "AA:01");
    struct lw_buf out = LW_BUF_INIT;
    struct lw_state st;
    struct lw_err err;
    json_t *doc, *checks, *c;
    json_error_t jerr;

    (void)state;
    sample_state(&st);
    assert_int_equal(lw_report_json(run, &st, &out, &err), LW_OK);
    /* The schema's keys first, in DESIGN.md's order. */
    assert_true(strncmp(out.data,
                        "{\n  \"domain\": \"link.example.com\",\n"
                        "  \"method\": \"nginx\",\n  \"region\": \"us\",\n"
                        "  \"status\": \"critical\",\n"
                        "  \"elapsed_ms\": 840,\n  \"checks\": [\n",
                        strlen("{\n  \"domain\": \"link.example.com\",\n"
                               "  \"method\": \"nginx\",\n  \"region\": "
                               "\"us\",\n  \"status\": \"critical\",\n"
                               "  \"elapsed_ms\": 840,\n  \"checks\": [\n")) ==
                0);
    doc = json_loads(out.data, 0, &jerr);
    assert_non_null(doc);
    checks = json_object_get(doc, "checks");
    assert_int_equal(json_array_size(checks), 4);
    c = json_array_get(checks, 0);
    assert_string_equal(json_string_value(json_object_get(c, "id")),
                        "dns.record");
    assert_string_equal(json_string_value(json_object_get(c, "status")),
                        "pass");
    assert_true(json_is_null(json_object_get(c, "hint")));
    assert_int_equal(json_integer_value(json_object_get(c, "elapsed_ms")), 12);
    c = json_array_get(checks, 3);
    assert_string_equal(json_string_value(json_object_get(c, "id")),
                        "http.health");
    assert_string_equal(json_string_value(json_object_get(c, "hint")),
                        "See origin.health.");
    assert_int_equal(json_integer_value(json_object_get(doc, "tls_days_left")),
                     12);
    assert_string_equal(json_string_value(json_object_get(doc, "checked_at")),
                        "2026-11-30T00:53:20Z");
    json_decref(doc);
    lw_buf_free(&out);
    lw_state_free(&st);
    lw_check_free(run);
}

/* Overall status words for each worst status. */
static void
test_json_status_words(void **state)
{
    static const struct {
        enum lw_check_status s;
        const char *word, *line;
    } t[] = {
        {LW_CHECK_PASS, "ok",
         "LINKWIZ OK - link.example.com: 1 check pass | tls_days_left=U "
         "elapsed_ms=5 resolvers_agreeing=0;;;0;0\n"},
        {LW_CHECK_SKIP, "ok",
         "LINKWIZ OK - link.example.com: 0 checks pass, 1 skipped | "
         "tls_days_left=U elapsed_ms=5 resolvers_agreeing=0;;;0;0\n"},
        {LW_CHECK_WARN, "warning",
         "LINKWIZ WARNING - link.example.com: warn: tls.chain | "
         "tls_days_left=U elapsed_ms=5 resolvers_agreeing=0;;;0;0\n"},
        {LW_CHECK_ERROR, "critical",
         "LINKWIZ CRITICAL - link.example.com: error: tls.chain | "
         "tls_days_left=U elapsed_ms=5 resolvers_agreeing=0;;;0;0\n"},
    };
    struct lw_state st;
    size_t i;

    (void)state;
    sample_state(&st);
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct lw_check_fake f;
        struct lw_check_run *run;
        struct lw_buf out = LW_BUF_INIT, mon = LW_BUF_INIT;
        struct lw_err err;
        json_t *doc;

        memset(&f, 0, sizeof(f));
        f.results[LW_CK_TLS_CHAIN] = (struct lw_check_result){
            LW_CK_TLS_CHAIN, t[i].s, true, "x", NULL, NULL, 1};
        f.elapsed_ms = 5;
        run = lw_check_run_fake(&f);
        assert_int_equal(lw_report_json(run, &st, &out, &err), LW_OK);
        doc = json_loads(out.data, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(doc, "status")),
                            t[i].word);
        assert_true(json_is_null(json_object_get(doc, "tls_days_left")));
        assert_int_equal(lw_report_monitoring(run, &st, &mon, &err), LW_OK);
        assert_string_equal(mon.data, t[i].line);
        json_decref(doc);
        lw_buf_free(&out);
        lw_buf_free(&mon);
        lw_check_free(run);
    }
    lw_state_free(&st);
}

static void
test_monitoring_exact(void **state)
{
    struct lw_check_run *run = sample_run(1, "AA:01");
    struct lw_buf out = LW_BUF_INIT;
    struct lw_state st;
    struct lw_err err;

    (void)state;
    sample_state(&st);
    assert_int_equal(lw_report_monitoring(run, &st, &out, &err), LW_OK);
    assert_string_equal(out.data,
                        "LINKWIZ CRITICAL - link.example.com: fail: "
                        "http.health; warn: tls.expiry | tls_days_left=12 "
                        "elapsed_ms=840 resolvers_agreeing=1;;;0;2\n");
    lw_buf_free(&out);
    lw_state_free(&st);
    lw_check_free(run);
}

/* A state as the previous run would have left it. */
static void
prev_state(struct lw_state *s, const char *facts)
{
    static const char *const rec[][3] = {
        {"dns.record", "pass", "All 2 resolvers agree."},
        {"tls.expiry", "pass", "Valid."},
        {"http.health", "pass", "200."},
        {"check.facts", "skip", NULL}};
    size_t i;

    sample_state(s);
    s->checked_at = NOW - 28 * DAY;
    s->checks = calloc(4, sizeof(*s->checks));
    for (i = 0; i < 4; i++) {
        s->checks[i].id = strdup(rec[i][0]);
        s->checks[i].status = strdup(rec[i][1]);
        s->checks[i].summary = strdup(rec[i][2] != NULL ? rec[i][2] : facts);
    }
    s->n_checks = 4;
}

static void
test_changes(void **state)
{
    struct lw_check_run *run = sample_run(2, "BB:02");
    struct lw_buf out = LW_BUF_INIT;
    struct lw_state prev;
    char facts[200], iso[32];
    time_t was = NOW - 28 * DAY + 40 * DAY + 10;
    struct tm tm;

    (void)state;
    gmtime_r(&was, &tm);
    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(facts, sizeof(facts), "cert=AA:01 not_after=%s agree=1 asked=2",
             iso);
    prev_state(&prev, facts);
    lw_report_changes(run, &prev, &out);
    assert_string_equal(out.data,
                        "The certificate served was replaced since the last "
                        "check.\n"
                        "2 resolvers now agree (was 1).\n"
                        "The certificate expires in 12 days, was 40.\n"
                        "tls.expiry now warn (was pass).\n"
                        "http.health now fail (was pass).\n");
    lw_buf_free(&out);
    lw_state_free(&prev);
    lw_check_free(run);
}

/* The same certificate, a day later, nothing crossed: no sentence about
 * it (days pass by themselves). */
static void
test_changes_quiet(void **state)
{
    struct lw_check_run *run = sample_run(1, "AA:01");
    struct lw_buf out = LW_BUF_INIT, text = LW_BUF_INIT;
    struct lw_state prev;
    struct lw_err err;
    char facts[200], iso[32];
    time_t na = NOW + 12 * DAY + 100;
    struct tm tm;
    size_t i;

    (void)state;
    gmtime_r(&na, &tm);
    strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(facts, sizeof(facts), "cert=AA:01 not_after=%s agree=1 asked=2",
             iso);
    prev_state(&prev, facts);
    prev.checked_at = NOW - DAY;
    for (i = 0; i < prev.n_checks; i++)
        if (strcmp(prev.checks[i].id, "check.facts") != 0) {
            free(prev.checks[i].status);
            prev.checks[i].status =
                strdup(strcmp(prev.checks[i].id, "dns.record") == 0   ? "pass"
                       : strcmp(prev.checks[i].id, "tls.expiry") == 0 ? "warn"
                                                                      : "fail");
        }
    lw_report_changes(run, &prev, &out);
    assert_int_equal(out.len, 0);
    /* No previous checks at all: nothing either. */
    lw_report_changes(run, NULL, &out);
    assert_int_equal(out.len, 0);
    /* The text shows no "since" block then. */
    assert_int_equal(lw_report_text(run, &prev, false, &text, &err), LW_OK);
    assert_null(strstr(text.data, "Since the last check"));
    lw_buf_free(&text);
    lw_buf_free(&out);
    lw_state_free(&prev);
    lw_check_free(run);
}

static void
test_text_with_changes(void **state)
{
    struct lw_check_run *run = sample_run(2, "AA:01");
    struct lw_buf out = LW_BUF_INIT;
    struct lw_state prev;
    struct lw_err err;

    (void)state;
    prev_state(&prev, "cert=AA:01 not_after=- agree=1 asked=2");
    assert_int_equal(lw_report_text(run, &prev, false, &out, &err), LW_OK);
    assert_true(tp_contains(out.data,
                            "Since the last check (2026-11-02T00:53:20Z):\n"
                            "  2 resolvers now agree (was 1).\n"
                            "  tls.expiry now warn (was pass).\n"));
    lw_buf_free(&out);
    lw_state_free(&prev);
    lw_check_free(run);
}

static void
test_store(void **state)
{
    struct lw_check_run *run = sample_run(1, "AA:01");
    struct lw_buf out = LW_BUF_INIT, y = LW_BUF_INIT;
    struct lw_state st, back;
    struct lw_err err;

    (void)state;
    prev_state(&st, "cert=- not_after=- agree=0 asked=0");
    assert_int_equal(lw_report_store(run, &st, NOW + 5, &err), LW_OK);
    assert_int_equal(st.n_checks, 5);
    assert_string_equal(st.checks[0].id, "dns.record");
    assert_string_equal(st.checks[0].status, "pass");
    assert_string_equal(st.checks[0].summary, "All 2 resolvers agree.");
    assert_string_equal(st.checks[3].id, "http.health");
    assert_string_equal(st.checks[3].status, "fail");
    assert_string_equal(st.checks[4].id, "check.facts");
    assert_string_equal(st.checks[4].summary,
                        "cert=AA:01 not_after=2026-12-12T00:55:00Z agree=1 "
                        "asked=2");
    assert_true(st.checked_at == NOW + 5);
    assert_int_equal(st.check_elapsed_ms, 840);
    /* Through the state file format and back: the next run compares
     * against it and finds nothing new. */
    assert_int_equal(lw_state_format(&st, &y, &err), LW_OK);
    lw_state_init(&back);
    assert_int_equal(lw_state_parse(y.data, y.len, "state", &back, &err),
                     LW_OK);
    assert_int_equal(back.n_checks, 5);
    lw_report_changes(run, &back, &out);
    assert_int_equal(out.len, 0);
    lw_state_free(&back);
    lw_buf_free(&y);
    lw_buf_free(&out);
    lw_state_free(&st);
    lw_check_free(run);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_text_exact),
        cmocka_unit_test(test_text_color),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_status_words),
        cmocka_unit_test(test_monitoring_exact),
        cmocka_unit_test(test_changes),
        cmocka_unit_test(test_changes_quiet),
        cmocka_unit_test(test_text_with_changes),
        cmocka_unit_test(test_store),
    };

    setenv("TZ", "UTC", 1);
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
