/* report.c - check results for people (text), machines (--json),
 * monitoring (one Nagios-style line), what changed since the last run,
 * and the run saved into the state. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include <jansson.h>

#include "lw/nls.h"
#include "lw/report.h"

/* The record that keeps what "what changed" compares, beside the checks
 * (the state has no field for it): "cert=<fp|-> not_after=<iso|->
 * agree=<n> asked=<n>", status skip so it never counts as a problem. */
#define FACTS_ID "check.facts"

int
lw_report_exit_code(enum lw_check_status overall)
{
    switch (overall) {
    case LW_CHECK_PASS:
    case LW_CHECK_SKIP:
        return 0;
    case LW_CHECK_WARN:
        return 1;
    default:
        return 2;
    }
}

/* "ok", "warning", "critical" (JSON and monitoring words). */
static const char *
overall_word(enum lw_check_status s)
{
    switch (s) {
    case LW_CHECK_PASS:
    case LW_CHECK_SKIP:
        return "ok";
    case LW_CHECK_WARN:
        return "warning";
    default:
        return "critical";
    }
}

static void
iso_time(time_t t, char *out, size_t len)
{
    struct tm tm;

    if (t == 0 || gmtime_r(&t, &tm) == NULL) {
        snprintf(out, len, "-");
        return;
    }
    if (strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, len, "-");
}

/* ---- text ------------------------------------------------------------ */

/* Status words of the text table, translated; padded by columns. */
static const char *
status_text(enum lw_check_status s)
{
    static const char *const words[] = {
        /* TRANSLATORS: status of a check in `linkwiz check`'s text table, one
         * short word (up to 5 columns, or the table shifts); FAIL, WARN and
         * ERROR are in capitals to stand out. */
        N_("ok"),
        /* TRANSLATORS: check status in the text table (see "ok"). */
        N_("WARN"),
        /* TRANSLATORS: check status in the text table (see "ok"). */
        N_("FAIL"),
        /* TRANSLATORS: check status in the text table (see "ok"). */
        N_("skip"),
        /* TRANSLATORS: check status in the text table (see "ok"). */
        N_("ERROR")};

    return _(words[s]);
}

static const char *
status_color(enum lw_check_status s)
{
    switch (s) {
    case LW_CHECK_PASS:
        return "\033[32m";
    case LW_CHECK_WARN:
        return "\033[33m";
    case LW_CHECK_SKIP:
        return "\033[2m";
    default:
        return "\033[1;31m";
    }
}

/* Columns s takes on a terminal (bytes when it is not valid text). */
static size_t
columns(const char *s)
{
    wchar_t w[64];
    size_t n = mbstowcs(w, s, 64);
    int c;

    if (n == (size_t)-1 || n == 64)
        return strlen(s);
    c = wcswidth(w, n);
    return c < 0 ? strlen(s) : (size_t)c;
}

static void
pad(struct lw_buf *out, const char *s, size_t width)
{
    size_t c = columns(s);

    lw_buf_puts(out, s);
    while (c++ < width)
        lw_buf_putc(out, ' ');
}

/* Each line of text, indented. */
static void
indented(struct lw_buf *out, const char *text, const char *lead)
{
    const char *p = text, *nl;

    while (*p != '\0') {
        nl = strchr(p, '\n');
        lw_buf_puts(out, lead);
        if (nl == NULL) {
            lw_buf_puts(out, p);
            lw_buf_putc(out, '\n');
            break;
        }
        lw_buf_append(out, p, (size_t)(nl - p + 1));
        p = nl + 1;
    }
}

#define STATUS_COLS 6
#define STATUS_COLS_MAX 12
#define ID_COLS 19

enum lw_status
lw_report_text(const struct lw_check_run *run, const struct lw_state *prev,
               bool color, struct lw_buf *out, struct lw_err *err)
{
    const struct lw_check_result *r = lw_check_results(run);
    size_t counts[LW_CHECK_ERROR + 1] = {0};
    struct lw_buf changes = LW_BUF_INIT;
    size_t status_cols = STATUS_COLS, lead_cols;
    char lead[STATUS_COLS_MAX + ID_COLS + 1];
    enum lw_status st;
    int i;

    /* The status column fits the widest status word of this language. */
    for (i = LW_CHECK_PASS; i <= LW_CHECK_ERROR; i++) {
        size_t w = columns(status_text((enum lw_check_status)i)) + 1;
        if (w > status_cols)
            status_cols = w < STATUS_COLS_MAX ? w : STATUS_COLS_MAX;
    }
    lead_cols = status_cols + ID_COLS;
    memset(lead, ' ', lead_cols);
    lead[lead_cols] = '\0';
    for (i = 0; i < LW_CK_COUNT; i++) {
        const struct lw_check_result *c = &r[i];

        if (!c->done)
            continue;
        counts[c->status]++;
        if (color)
            lw_buf_puts(out, status_color(c->status));
        pad(out, status_text(c->status), color ? 0 : status_cols);
        if (color) {
            size_t w = columns(status_text(c->status));
            lw_buf_puts(out, "\033[0m");
            while (w++ < status_cols)
                lw_buf_putc(out, ' ');
        }
        pad(out, lw_check_id_word(c->id), ID_COLS);
        lw_buf_puts(out, c->summary != NULL ? c->summary : "");
        lw_buf_putc(out, '\n');
        if (c->status == LW_CHECK_PASS || c->status == LW_CHECK_SKIP)
            continue;
        if (c->detail != NULL && *c->detail != '\0')
            indented(out, c->detail, lead);
        if (c->hint != NULL && *c->hint != '\0') {
            struct lw_buf h = LW_BUF_INIT;
            /* TRANSLATORS: put before the hint under a failing check. */
            lw_buf_printf(&h, _("Fix: %s"), c->hint);
            if (h.data != NULL)
                indented(out, h.data, lead);
            lw_buf_free(&h);
        }
    }
    lw_buf_putc(out, '\n');
    {
        size_t total =
            counts[0] + counts[1] + counts[2] + counts[3] + counts[4];
        long ms = lw_check_elapsed_ms(run);
        /* TRANSLATORS: "13 checks in 0.84 s: 11 pass, 1 warn, 1 fail,
         * 0 skipped, 0 errors." */
        lw_buf_printf(out,
                      P_("%1$zu check in %2$ld.%3$02ld s: %4$zu pass, %5$zu "
                         "warn, %6$zu fail, %7$zu skipped, %8$zu could not "
                         "run.\n",
                         "%1$zu checks in %2$ld.%3$02ld s: %4$zu pass, %5$zu "
                         "warn, %6$zu fail, %7$zu skipped, %8$zu could not "
                         "run.\n",
                         total),
                      total, ms / 1000, (ms % 1000) / 10, counts[LW_CHECK_PASS],
                      counts[LW_CHECK_WARN], counts[LW_CHECK_FAIL],
                      counts[LW_CHECK_SKIP], counts[LW_CHECK_ERROR]);
    }
    lw_report_changes(run, prev, &changes);
    if (changes.len > 0) {
        char when[32];
        iso_time(prev->checked_at, when, sizeof(when));
        /* TRANSLATORS: heading of the list of changes; %s is when the last
         * check ran (a date and time in the locale's form). */
        lw_buf_printf(out, _("Since the last check (%s):\n"), when);
        indented(out, changes.data, "  ");
    }
    st = lw_buf_status(&changes, err);
    if (st == LW_OK)
        st = lw_buf_status(out, err);
    lw_buf_free(&changes);
    return st;
}

/* ---- JSON ------------------------------------------------------------ */

static json_t *
str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

enum lw_status
lw_report_json(const struct lw_check_run *run, const struct lw_state *st,
               struct lw_buf *out, struct lw_err *err)
{
    const struct lw_check_result *r = lw_check_results(run);
    json_t *doc, *checks;
    char *text = NULL;
    int i;

    checks = json_array();
    doc = json_object();
    if (doc == NULL || checks == NULL)
        goto nomem;
    json_object_set_new(doc, "domain", json_string(st->config.domain));
    json_object_set_new(doc, "method",
                        json_string(lw_method_word(st->config.method)));
    json_object_set_new(doc, "region", str_or_null(st->config.region));
    json_object_set_new(doc, "status",
                        json_string(overall_word(lw_check_overall(run))));
    json_object_set_new(doc, "elapsed_ms",
                        json_integer(lw_check_elapsed_ms(run)));
    for (i = 0; i < LW_CK_COUNT; i++) {
        json_t *c;

        if (!r[i].done)
            continue;
        c = json_object();
        if (c == NULL)
            goto nomem;
        json_object_set_new(c, "id", json_string(lw_check_id_word(r[i].id)));
        json_object_set_new(c, "status",
                            json_string(lw_check_status_word(r[i].status)));
        json_object_set_new(c, "summary",
                            json_string(r[i].summary ? r[i].summary : ""));
        json_object_set_new(c, "detail", str_or_null(r[i].detail));
        json_object_set_new(c, "hint", str_or_null(r[i].hint));
        json_object_set_new(c, "elapsed_ms", json_integer(r[i].elapsed_ms));
        if (json_array_append_new(checks, c) != 0)
            goto nomem;
    }
    json_object_set_new(doc, "checks", checks);
    checks = NULL;
    {
        /* Beyond the schema, for monitoring dashboards. */
        int days = lw_check_days_left(run);
        size_t agree, asked;
        char iso[32];

        json_object_set_new(doc, "tls_days_left",
                            days == INT_MIN ? json_null() : json_integer(days));
        iso_time(lw_check_served_not_after(run), iso, sizeof(iso));
        json_object_set_new(doc, "tls_not_after",
                            iso[0] == '-' ? json_null() : json_string(iso));
        lw_check_agreement(run, &agree, &asked);
        json_object_set_new(doc, "resolvers_agreeing",
                            json_integer((json_int_t)agree));
        json_object_set_new(doc, "resolvers_asked",
                            json_integer((json_int_t)asked));
        iso_time(lw_check_now(run), iso, sizeof(iso));
        json_object_set_new(doc, "checked_at", json_string(iso));
    }
    text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL)
        goto nomem;
    lw_buf_puts(out, text);
    lw_buf_putc(out, '\n');
    free(text);
    json_decref(doc);
    return lw_buf_status(out, err);
nomem:
    json_decref(checks);
    json_decref(doc);
    return lw_err_set(err, LW_ERR_NOMEM, "%s",
                      _("out of memory while writing the JSON report"));
}

/* ---- monitoring ------------------------------------------------------ */

enum lw_status
lw_report_monitoring(const struct lw_check_run *run, const struct lw_state *st,
                     struct lw_buf *out, struct lw_err *err)
{
    static const char *const upper[] = {"OK", "WARNING", "CRITICAL"};
    const struct lw_check_result *r = lw_check_results(run);
    enum lw_check_status overall = lw_check_overall(run);
    size_t agree, asked, pass = 0, skipped = 0;
    int days = lw_check_days_left(run), i, code;

    code = lw_report_exit_code(overall);
    /* Monitoring systems parse this line: it stays English. */
    lw_buf_printf(out, "LINKWIZ %s - %s: ", upper[code], st->config.domain);
    for (i = 0; i < LW_CK_COUNT; i++) {
        if (!r[i].done)
            continue;
        if (r[i].status == LW_CHECK_PASS)
            pass++;
        else if (r[i].status == LW_CHECK_SKIP)
            skipped++;
    }
    if (code == 0) {
        lw_buf_printf(out, "%zu check%s pass", pass, pass == 1 ? "" : "s");
        if (skipped > 0)
            lw_buf_printf(out, ", %zu skipped", skipped);
    } else {
        static const enum lw_check_status order[] = {
            LW_CHECK_FAIL, LW_CHECK_ERROR, LW_CHECK_WARN};
        static const char *const label[] = {"fail", "error", "warn"};
        bool first_group = true;

        for (size_t k = 0; k < 3; k++) {
            bool first = true;
            for (i = 0; i < LW_CK_COUNT; i++) {
                if (!r[i].done || r[i].status != order[k])
                    continue;
                if (first) {
                    lw_buf_printf(out, "%s%s: ", first_group ? "" : "; ",
                                  label[k]);
                    first_group = false;
                } else {
                    lw_buf_puts(out, ", ");
                }
                first = false;
                lw_buf_puts(out, lw_check_id_word(r[i].id));
            }
        }
    }
    lw_check_agreement(run, &agree, &asked);
    lw_buf_puts(out, " | tls_days_left=");
    if (days == INT_MIN)
        lw_buf_puts(out, "U");
    else
        lw_buf_printf(out, "%d", days);
    lw_buf_printf(out, " elapsed_ms=%ld resolvers_agreeing=%zu;;;0;%zu\n",
                  lw_check_elapsed_ms(run), agree, asked);
    return lw_buf_status(out, err);
}

/* ---- what changed ---------------------------------------------------- */

struct facts {
    char fp[LW_FINGERPRINT_MAX];
    time_t not_after;
    long agree, asked;
    bool found;
};

static time_t
parse_iso(const char *s)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == NULL || *end != '\0')
        return 0;
    return timegm(&tm);
}

/* A whole decimal number of the facts record (which the state file may
 * carry damaged): false unless all of s is one that fits a long. */
static bool
to_long(const char *s, long *out)
{
    char *end;

    errno = 0;
    *out = strtol(s, &end, 10);
    return errno == 0 && end != s && *end == '\0';
}

/* Read the facts record of a state (found = false when absent). */
static void
prev_facts(const struct lw_state *prev, struct facts *f)
{
    size_t i;

    memset(f, 0, sizeof(*f));
    f->agree = f->asked = -1;
    for (i = 0; i < prev->n_checks; i++) {
        char fp[LW_FINGERPRINT_MAX], na[32], as[24], ns[24];
        long a, n;

        if (strcmp(prev->checks[i].id, FACTS_ID) != 0 ||
            prev->checks[i].summary == NULL)
            continue;
        if (sscanf(prev->checks[i].summary,
                   "cert=%95s not_after=%31s agree=%23s asked=%23s", fp, na,
                   as, ns) != 4 ||
            !to_long(as, &a) || !to_long(ns, &n))
            return;
        f->found = true;
        if (strcmp(fp, "-") != 0)
            snprintf(f->fp, sizeof(f->fp), "%s", fp);
        f->not_after = parse_iso(na);
        f->agree = a;
        f->asked = n;
        return;
    }
}

static int
days_between(time_t until, time_t now)
{
    time_t d = until - now;

    /* Floor, so an expired certificate is -1 on its first day. */
    return (int)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

void
lw_report_changes(const struct lw_check_run *run, const struct lw_state *prev,
                  struct lw_buf *out)
{
    const struct lw_check_result *r = lw_check_results(run);
    const char *fp = lw_check_served_fingerprint(run);
    time_t na = lw_check_served_not_after(run);
    struct facts f;
    size_t agree, asked, i;
    int k;

    if (prev == NULL || prev->n_checks == 0)
        return;
    prev_facts(prev, &f);
    if (f.found && f.fp[0] != '\0' && fp != NULL && strcmp(f.fp, fp) != 0)
        lw_buf_printf(out, "%s\n",
                      _("The certificate served was replaced since the last "
                        "check."));
    lw_check_agreement(run, &agree, &asked);
    if (f.found && f.agree >= 0 && asked > 0 && (long)agree != f.agree)
        lw_buf_printf(out,
                      /* TRANSLATORS: how many DNS resolvers now give the
                       * expected answer, and how many did at the last check. */
                      P_("%1$zu resolver now agrees (was %2$ld).\n",
                         "%1$zu resolvers now agree (was %2$ld).\n", agree),
                      agree, f.agree);
    if (f.found && f.not_after != 0 && na != 0 && prev->checked_at != 0) {
        int now_days = days_between(na, lw_check_now(run));
        int was_days = days_between(f.not_after, prev->checked_at);
        /* Days pass by themselves: say so only when the date moved or the
         * warning threshold was crossed. */
        if (na != f.not_after || (was_days >= 21 && now_days < 21))
            lw_buf_printf(out,
                          /* TRANSLATORS: days left now, and days left at the
                           * last check. */
                          P_("The certificate expires in %1$d day, was "
                             "%2$d.\n",
                             "The certificate expires in %1$d days, was "
                             "%2$d.\n",
                             now_days),
                          now_days, was_days);
    }
    for (k = 0; k < LW_CK_COUNT; k++) {
        const char *id = lw_check_id_word(r[k].id);
        const char *now_word = lw_check_status_word(r[k].status);

        if (!r[k].done)
            continue;
        for (i = 0; i < prev->n_checks; i++) {
            if (strcmp(prev->checks[i].id, id) != 0)
                continue;
            if (strcmp(prev->checks[i].status, now_word) != 0)
                /* TRANSLATORS: "tls.expiry now warn (was pass)"; the id
                 * and status words are not translated. */
                lw_buf_printf(out, _("%1$s now %2$s (was %3$s).\n"), id,
                              now_word, prev->checks[i].status);
            break;
        }
    }
}

/* ---- store ----------------------------------------------------------- */

static char *
dup(const char *s)
{
    return strdup(s != NULL ? s : "");
}

enum lw_status
lw_report_store(const struct lw_check_run *run, struct lw_state *st,
                time_t when, struct lw_err *err)
{
    const struct lw_check_result *r = lw_check_results(run);
    struct lw_check_record *recs;
    const char *fp = lw_check_served_fingerprint(run);
    size_t n = 0, i;
    size_t agree, asked;
    char na[32], facts[256];
    int k;

    recs = calloc(LW_CK_COUNT + 1, sizeof(*recs));
    if (recs == NULL)
        goto nomem;
    for (k = 0; k < LW_CK_COUNT; k++) {
        if (!r[k].done)
            continue;
        recs[n].id = dup(lw_check_id_word(r[k].id));
        recs[n].status = dup(lw_check_status_word(r[k].status));
        recs[n].summary = dup(r[k].summary);
        n++;
        if (recs[n - 1].id == NULL || recs[n - 1].status == NULL ||
            recs[n - 1].summary == NULL)
            goto nomem;
    }
    iso_time(lw_check_served_not_after(run), na, sizeof(na));
    lw_check_agreement(run, &agree, &asked);
    snprintf(facts, sizeof(facts), "cert=%s not_after=%s agree=%zu asked=%zu",
             fp != NULL ? fp : "-", na, agree, asked);
    recs[n].id = dup(FACTS_ID);
    recs[n].status = dup("skip");
    recs[n].summary = dup(facts);
    n++;
    if (recs[n - 1].id == NULL || recs[n - 1].status == NULL ||
        recs[n - 1].summary == NULL)
        goto nomem;

    for (i = 0; i < st->n_checks; i++) {
        free(st->checks[i].id);
        free(st->checks[i].status);
        free(st->checks[i].summary);
    }
    free(st->checks);
    st->checks = recs;
    st->n_checks = n;
    st->checked_at = when;
    st->check_elapsed_ms = lw_check_elapsed_ms(run);
    return LW_OK;
nomem:
    for (i = 0; recs != NULL && i < n; i++) {
        free(recs[i].id);
        free(recs[i].status);
        free(recs[i].summary);
    }
    free(recs);
    return lw_err_set(err, LW_ERR_NOMEM, "%s",
                      _("out of memory while saving the check results"));
}
