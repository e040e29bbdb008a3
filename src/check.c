/* check.c - the check engine: every check of a saved setup started at
 * once on one event loop (DNS on each resolver, the zone's own servers,
 * CAA, a TLS probe per address, /health over HTTPS and HTTP, the origin,
 * the key file and nginx), each result handed to the caller as it
 * completes.
 *
 * The judging is done by pure functions (lw_check_eval_*) that take the
 * probes' results, so the diagnoses are tested without a network; the
 * rest of this file only gathers those results. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "lw/cert.h"
#include "lw/check.h"
#include "lw/cloudfront.h"
#include "lw/domain.h"
#include "lw/install.h"
#include "lw/keygen.h"
#include "lw/nginx_conf.h"
#include "lw/nls.h"
#include "lw/proc.h"
#include "lw/setup.h"

#define MAX_VIEWS 32    /* resolvers asked */
#define MAX_AUTH 8      /* name servers of the zone asked */
#define NS_ADDRS 4      /* addresses of a name server asked */
#define MAX_SUFFIX 8    /* the name and its parents, searched for the zone */
#define ZONE_RESOLVERS 4 /* resolvers asked for the zone */
#define MAX_ADDRS 16    /* addresses of the name probed */
#define MAX_CAA_NAMES 8 /* names from the domain up to the zone */
#define BODY_MAX 4096   /* /health bytes kept */
#define LINE_MAX_SHOWN 120
#define EXPIRY_WARN_DAYS 21

/* ---- words ----------------------------------------------------------- */

const char *
lw_check_status_word(enum lw_check_status s)
{
    static const char *const w[] = {"pass", "warn", "fail", "skip", "error"};

    return (unsigned)s < sizeof(w) / sizeof(w[0]) ? w[s] : "error";
}

const char *
lw_check_id_word(enum lw_check_id id)
{
    static const char *const w[LW_CK_COUNT] = {
        "dns.record",   "dns.authoritative", "dns.caa",     "tls.handshake",
        "tls.chain",    "tls.hostname",      "tls.expiry",  "tls.key",
        "files.key",    "nginx.config",      "http.health", "http.health_plain",
        "origin.health"};

    return (unsigned)id < LW_CK_COUNT ? w[id] : "unknown";
}

/* Severity for "the worst": skip counts as pass; a failure outranks a
 * check that could not run. */
static int
rank(enum lw_check_status s)
{
    switch (s) {
    case LW_CHECK_WARN:
        return 1;
    case LW_CHECK_ERROR:
        return 2;
    case LW_CHECK_FAIL:
        return 3;
    default:
        return 0;
    }
}

/* ---- untrusted text -------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p that is safe on a terminal, or
 * 0 (C1 controls are as dangerous as C0 ones). */
static size_t
utf8_ok(const unsigned char *p, size_t avail)
{
    unsigned v;
    size_t n, i;

    if (p[0] < 0x80)
        return p[0] >= 0x20 && p[0] != 0x7F ? 1 : 0;
    if ((p[0] & 0xE0) == 0xC0)
        n = 2, v = p[0] & 0x1F;
    else if ((p[0] & 0xF0) == 0xE0)
        n = 3, v = p[0] & 0x0F;
    else if ((p[0] & 0xF8) == 0xF0)
        n = 4, v = p[0] & 0x07;
    else
        return 0;
    if (n > avail)
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) ||
        (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF) || (v >= 0x80 && v <= 0x9F))
        return 0;
    return n;
}

/* Untrusted bytes made fit for one line: control characters and invalid
 * UTF-8 become '?', at most max characters, then "...".  Stops at a line
 * break when first_line.  out always NUL-terminated (outlen > 4). */
static void
clean_n(const char *s, size_t len, size_t max, bool first_line, char *out,
        size_t outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0, chars = 0, n;

    if (s == NULL)
        len = 0;
    while (i < len) {
        if (first_line && (p[i] == '\n' || p[i] == '\r'))
            break;
        n = utf8_ok(p + i, len - i);
        if (chars == max || o + (n == 0 ? 1 : n) + 4 > outlen) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (n == 0) {
            out[o++] = '?';
            i++;
        } else {
            memcpy(out + o, p + i, n);
            o += n;
            i += n;
        }
        chars++;
    }
    out[o] = '\0';
}

/* Copy as much of src as fits (NUL-terminated). */
static void
copy_text(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);

    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void
clean(const char *s, char *out, size_t outlen)
{
    clean_n(s, s != NULL ? strlen(s) : 0, 200, false, out, outlen);
}

/* ---- results --------------------------------------------------------- */

void
lw_check_result_clear(struct lw_check_result *r)
{
    free(r->summary);
    free(r->detail);
    free(r->hint);
    r->summary = r->detail = r->hint = NULL;
}

static char *
vformat(const char *fmt, va_list ap)
{
    va_list aq;
    char *s;
    int n;

    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (s != NULL)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* Start r over with status s and a summary. */
static void res_set(struct lw_check_result *r, enum lw_check_status s,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void
res_set(struct lw_check_result *r, enum lw_check_status s, const char *fmt, ...)
{
    va_list ap;

    lw_check_result_clear(r);
    r->status = s;
    va_start(ap, fmt);
    r->summary = vformat(fmt, ap);
    va_end(ap);
    if (r->summary == NULL)
        r->status = LW_CHECK_ERROR;
}

/* Append a line to *field (detail or hint). */
static void add_line(char **field, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
add_line(char **field, const char *fmt, ...)
{
    va_list ap;
    char *line, *joined;
    size_t a, b;

    va_start(ap, fmt);
    line = vformat(fmt, ap);
    va_end(ap);
    if (line == NULL)
        return;
    if (*field == NULL) {
        *field = line;
        return;
    }
    a = strlen(*field);
    b = strlen(line);
    joined = realloc(*field, a + b + 2);
    if (joined != NULL) {
        joined[a] = '\n';
        memcpy(joined + a + 1, line, b + 1);
        *field = joined;
    }
    free(line);
}

#define DETAIL(r, ...) add_line(&(r)->detail, __VA_ARGS__)
#define HINT(r, ...) add_line(&(r)->hint, __VA_ARGS__)

static void
res_copy(struct lw_check_result *dst, const struct lw_check_result *src)
{
    lw_check_result_clear(dst);
    dst->status = src->status;
    dst->summary = src->summary != NULL ? strdup(src->summary) : NULL;
    dst->detail = src->detail != NULL ? strdup(src->detail) : NULL;
    dst->hint = src->hint != NULL ? strdup(src->hint) : NULL;
    if (src->summary != NULL && dst->summary == NULL)
        dst->status = LW_CHECK_ERROR;
}

/* People read it: the locale's date form (ISO under --json). */
static void
date_text(time_t t, char *out, size_t len)
{
    lw_nls_date(t, true, out, len);
}

/* Whole days from now until t, rounded down (negative once past). */
static int
days_until(time_t t, time_t now)
{
    time_t d = t - now;

    return (int)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

static bool
same_addr(const char *a, const char *b)
{
    unsigned char x[16], y[16];

    if (inet_pton(AF_INET, a, x) == 1)
        return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
    if (inet_pton(AF_INET6, a, x) == 1)
        return inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
    return strcmp(a, b) == 0;
}

static bool
same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    /* Trailing dots mean the same name. */
    if (la > 0 && a[la - 1] == '.')
        la--;
    if (lb > 0 && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* name is zone or below it. */
static bool
in_zone(const char *name, const char *zone)
{
    size_t ln = strlen(name), lz = strlen(zone);

    if (same_name(name, zone))
        return true;
    return ln > lz && name[ln - lz - 1] == '.' &&
           strcasecmp(name + ln - lz, zone) == 0;
}

/* ---- DNS: one resolver's answer -------------------------------------- */

void
lw_view_eval_clear(struct lw_view_eval *v)
{
    size_t i;

    for (i = 0; v->addrs != NULL && v->addrs[i] != NULL; i++)
        free(v->addrs[i]);
    free(v->addrs);
    v->addrs = NULL;
}

/* Append ", "-separated sanitized text to a fixed buffer.  An item is
 * added whole or not at all; when one does not fit, the list ends with
 * ", …" once (room for it is always kept). */
static void
list_add(char *buf, size_t len, const char *item)
{
    static const char more[] = ", \xe2\x80\xa6"; /* ", …" */
    char shown[256];
    size_t used = strlen(buf), need;

    if (len < sizeof(more) ||
        (used >= sizeof(more) - 1 &&
         strcmp(buf + used - (sizeof(more) - 1), more) == 0))
        return; /* already cut */
    clean(item, shown, sizeof(shown));
    need = (used > 0 ? 2 : 0) + strlen(shown);
    if (used + need + sizeof(more) <= len) {
        snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "",
                 shown);
        return;
    }
    if (used + sizeof(more) <= len)
        memcpy(buf + used, more, sizeof(more));
}

static void
chain_text(const struct lw_dns_chain *c, char *out, size_t len)
{
    char shown[256];
    size_t i, used;
    bool first = true;

    out[0] = '\0';
    for (i = 0; i < c->n_names && c->names[i] != NULL; i++) {
        clean(c->names[i], shown, sizeof(shown));
        used = strlen(out);
        snprintf(out + used, len - used, "%s%s", i > 0 ? " -> " : "", shown);
    }
    for (i = 0; i < c->n_v4 + c->n_v6; i++) {
        const char *a = i < c->n_v4 ? c->v4[i] : c->v6[i - c->n_v4];
        clean(a, shown, sizeof(shown));
        used = strlen(out);
        snprintf(out + used, len - used, "%s%s", first ? " -> " : ", ", shown);
        first = false;
    }
}

static bool
is_origin(const struct lw_check_expect *ex, const char *name)
{
    size_t i;

    for (i = 0; i < ex->n_origins; i++)
        if (ex->origins[i] != NULL && same_name(ex->origins[i], name))
            return true;
    return false;
}

static bool
is_configured(const struct lw_check_expect *ex, const char *addr)
{
    size_t i;

    for (i = 0; i < ex->n_addresses; i++)
        if (same_addr(ex->addresses[i], addr))
            return true;
    return false;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

static bool
on_list(const char *const *names, const char *name)
{
    for (; names != NULL && *names != NULL; names++)
        if (same_name(*names, name))
            return true;
    return false;
}

/* Judge names and addresses (the chain has answered). */
static void
judge_chain(const struct lw_check_expect *ex, const struct lw_dns_chain *c,
            bool doubled_exists, const char *const *good_names,
            struct lw_view_eval *v)
{
    const char *last = c->n_names > 0 ? c->names[c->n_names - 1] : ex->domain;
    size_t n_addr = c->n_v4 + c->n_v6, i, known = 0;
    bool auth = good_names != NULL;
    bool outside = auth && ex->zone != NULL && !in_zone(last, ex->zone);

    v->status = LW_CHECK_FAIL;
    for (i = 1; i < c->n_names; i++)
        if (is_origin(ex, c->names[i])) {
            v->diag = LW_DIAG_PROVIDER_HOST;
            clean(c->names[i], v->bad, sizeof(v->bad));
            return;
        }
    if (c->n_other > 0 && c->n_names > 1) {
        v->diag = LW_DIAG_CNAME_AND_OTHER;
        for (i = 0; i < c->n_other && c->other[i] != NULL; i++)
            list_add(v->other, sizeof(v->other), c->other[i]);
        return;
    }
    if (c->loop || c->too_long) {
        v->diag = LW_DIAG_LOOP;
        return;
    }
    if (ex->method == LW_METHOD_CLOUDFRONT && ex->distribution != NULL) {
        bool reaches = false;
        for (i = 1; i < c->n_names; i++)
            reaches = reaches || same_name(c->names[i], ex->distribution);
        if (!reaches)
            for (i = 1; i < c->n_names; i++)
                if (ends_with(c->names[i], ".cloudfront.net")) {
                    v->diag = LW_DIAG_OTHER_DISTRIBUTION;
                    clean(c->names[i], v->bad, sizeof(v->bad));
                    return;
                }
        /* The zone's own server does not follow a CNAME out of its zone:
         * reaching the name is all it can say. */
        if (reaches && outside && n_addr == 0) {
            v->status = LW_CHECK_PASS;
            return;
        }
    }
    if (c->rcode == 3 && c->n_names <= 1) {
        v->diag = doubled_exists ? LW_DIAG_ZONE_TWICE : LW_DIAG_NXDOMAIN;
        return;
    }
    if (n_addr == 0 && outside && c->n_names > 1) {
        /* A CNAME out of the zone: expected when it is what the
         * resolvers with the expected answer followed. */
        if (ex->method == LW_METHOD_NGINX &&
            (ex->n_addresses == 0 || on_list(good_names, last))) {
            v->status = LW_CHECK_PASS;
            return;
        }
        v->diag = ex->method == LW_METHOD_CLOUDFRONT ? LW_DIAG_NOT_DISTRIBUTION
                                                     : LW_DIAG_OTHER_TARGET;
        clean(last, v->bad, sizeof(v->bad));
        return;
    }
    if (c->rcode == 3 || n_addr == 0) {
        v->diag = c->n_names > 1 ? LW_DIAG_DANGLING : LW_DIAG_NO_ADDRESS;
        if (c->n_names > 1)
            clean(last, v->bad, sizeof(v->bad));
        return;
    }
    if (ex->method == LW_METHOD_CLOUDFRONT) {
        for (i = 1; i < c->n_names; i++)
            if (ex->distribution != NULL &&
                same_name(c->names[i], ex->distribution)) {
                v->status = LW_CHECK_PASS;
                return;
            }
        v->diag = LW_DIAG_NOT_DISTRIBUTION;
        clean(last, v->bad, sizeof(v->bad));
        return;
    }
    if (ex->n_addresses == 0) {
        v->status = LW_CHECK_PASS;
        return;
    }
    for (i = 0; i < n_addr; i++) {
        const char *a = i < c->n_v4 ? c->v4[i] : c->v6[i - c->n_v4];
        if (is_configured(ex, a))
            known++;
        else
            list_add(v->bad, sizeof(v->bad), a);
    }
    if (known == n_addr)
        v->status = LW_CHECK_PASS;
    else
        v->diag = known > 0 ? LW_DIAG_EXTRA_ADDRESS : LW_DIAG_WRONG_ADDRESS;
}

static void
view_judge(const struct lw_check_expect *ex, const struct lw_dns_chain *c,
           const char *label, bool doubled_exists,
           const char *const *good_names, struct lw_view_eval *v)
{
    size_t i, n;

    lw_view_eval_clear(v);
    memset(v, 0, sizeof(*v));
    clean(label, v->label, sizeof(v->label));
    v->ttl = c->min_ttl;
    if (c->outcome != LW_DNS_ANSWERED) {
        v->status = LW_CHECK_ERROR;
        v->diag = LW_DIAG_NO_ANSWER;
        /* TRANSLATORS: a DNS resolver gave no answer. */
        clean(c->error[0] != '\0' ? c->error : _("no answer"), v->answer,
              sizeof(v->answer));
        return;
    }
    if (c->rcode != 0 && c->rcode != 3) {
        v->status = LW_CHECK_ERROR;
        v->diag = LW_DIAG_NO_ANSWER;
        copy_text(v->answer, sizeof(v->answer),
                  c->rcode == 2   ? "SERVFAIL"
                  : c->rcode == 5 ? "REFUSED"
                                  : "error");
        return;
    }
    chain_text(c, v->answer, sizeof(v->answer));
    if (c->rcode == 3) {
        size_t used = strlen(v->answer);
        snprintf(v->answer + used, sizeof(v->answer) - used, " (NXDOMAIN)");
    }
    n = c->n_v4 + c->n_v6;
    v->addrs = calloc(n + 1, sizeof(char *));
    for (i = 0; v->addrs != NULL && i < n; i++)
        v->addrs[i] = strdup(i < c->n_v4 ? c->v4[i] : c->v6[i - c->n_v4]);
    judge_chain(ex, c, doubled_exists, good_names, v);
}

void
lw_check_eval_view(const struct lw_check_expect *ex,
                   const struct lw_dns_chain *c, const char *label,
                   bool doubled_exists, const char *const *good_names,
                   struct lw_view_eval *v)
{
    view_judge(ex, c, label, doubled_exists, good_names, v);
}

/* What the record should be, for hints. */
static void
want_text(const struct lw_check_expect *ex, char *out, size_t len)
{
    size_t i;

    if (ex->method == LW_METHOD_CLOUDFRONT) {
        snprintf(out, len, "CNAME %s", ex->distribution);
        return;
    }
    if (ex->n_addresses == 0) {
        snprintf(out, len, "%s",
                 _("a CNAME to this server's host name, or A/AAAA records "
                   "with its addresses"));
        return;
    }
    out[0] = '\0';
    for (i = 0; i < ex->n_addresses; i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s %s", i > 0 ? ", " : "",
                 strchr(ex->addresses[i], ':') != NULL ? "AAAA" : "A",
                 ex->addresses[i]);
    }
}

/* Summary and hint for a failing view (the DNS panel diagnoses). */
static void
explain(const struct lw_check_expect *ex, const struct lw_view_eval *v,
        struct lw_check_result *r)
{
    const char *d = ex->domain;
    char want[512], zone[LW_DOMAIN_MAX];

    want_text(ex, want, sizeof(want));
    switch (v->diag) {
    case LW_DIAG_PROVIDER_HOST:
        res_set(r, LW_CHECK_FAIL,
                _("%s points straight at the provider's tracking host %s, "
                  "which serves the provider's own certificate, not yours; "
                  "point it at this server."),
                d, v->bad);
        HINT(r, _("In the DNS panel, replace the record of %s with %s."), d,
             want);
        break;
    case LW_DIAG_CNAME_AND_OTHER:
        res_set(r, LW_CHECK_FAIL,
                _("%s has a CNAME and also other records (%s): a CNAME must "
                  "be the only record at its name."),
                d, v->other);
        HINT(r,
             _("In the DNS panel, delete the %s record(s) at %s and keep "
               "only the CNAME."),
             v->other, d);
        break;
    case LW_DIAG_ZONE_TWICE:
        copy_text(zone, sizeof(zone), ex->zone ? ex->zone : "");
        res_set(r, LW_CHECK_FAIL,
                _("%1$s does not exist, but %1$s.%2$s does: the DNS panel "
                  "appended the zone to a name that already had it."),
                d, zone);
        HINT(r,
             _("In the DNS panel, rename the record to the part before "
               ".%s (the panel adds the zone itself)."),
             zone);
        break;
    case LW_DIAG_NXDOMAIN:
        res_set(r, LW_CHECK_FAIL, _("%s does not exist in DNS (NXDOMAIN)."), d);
        HINT(r, _("In the DNS panel, create the record for %s: %s."), d, want);
        break;
    case LW_DIAG_NO_ADDRESS:
        res_set(r, LW_CHECK_FAIL, _("%s exists but has no address record."), d);
        HINT(r, _("In the DNS panel, create the record for %s: %s."), d, want);
        break;
    case LW_DIAG_DANGLING:
        res_set(r, LW_CHECK_FAIL,
                _("%s is a CNAME to %s, which does not resolve to an "
                  "address."),
                d, v->bad);
        HINT(r,
             _("In the DNS panel, point the CNAME of %s at a name that "
               "exists (%s), or create the records of %s."),
             d, want, v->bad);
        break;
    case LW_DIAG_LOOP:
        res_set(r, LW_CHECK_FAIL,
                _("The CNAME chain of %s loops or is too long: %s"), d,
                v->answer);
        HINT(r,
             _("In the DNS panel, make %s one CNAME (or A/AAAA record): "
               "%s."),
             d, want);
        break;
    case LW_DIAG_OTHER_DISTRIBUTION:
        res_set(r, LW_CHECK_FAIL,
                _("%s points at the CloudFront distribution %s, not at "
                  "yours, %s."),
                d, v->bad, ex->distribution);
        HINT(r, _("In the DNS panel, change the CNAME of %s to %s."), d,
             ex->distribution);
        break;
    case LW_DIAG_NOT_DISTRIBUTION:
        res_set(r, LW_CHECK_FAIL,
                _("%s does not lead to the CloudFront distribution %s (it "
                  "gives: %s)."),
                d, ex->distribution, v->answer);
        HINT(r, _("In the DNS panel, make %s a CNAME to %s."), d,
             ex->distribution);
        break;
    case LW_DIAG_OTHER_TARGET:
        res_set(r, LW_CHECK_FAIL,
                _("%s is a CNAME to %s, which does not lead to this "
                  "server."),
                d, v->bad);
        HINT(r, _("In the DNS panel, change the record of %s to %s."), d, want);
        break;
    case LW_DIAG_EXTRA_ADDRESS:
        /* The same message as for several addresses (one catalog entry,
         * singular here). */
        res_set(r, LW_CHECK_FAIL,
                P_("%s also resolves to %s, which is not this server.",
                   "%s also resolves to %s, which are not this server.", 1),
                d, v->bad);
        HINT(r,
             _("In the DNS panel, delete the A/AAAA record(s) %s of %s; "
               "keep %s."),
             v->bad, d, want);
        break;
    case LW_DIAG_WRONG_ADDRESS:
        res_set(r, LW_CHECK_FAIL,
                _("%s resolves to %s, not to this server (%s)."), d, v->bad,
                want);
        HINT(r, _("In the DNS panel, change the record of %s to %s."), d, want);
        break;
    default:
        res_set(r, LW_CHECK_FAIL, _("%s: unexpected answer: %s"), d, v->answer);
        break;
    }
}

static void
view_lines(const struct lw_view_eval *v, size_t n, struct lw_check_result *r)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (v[i].status == LW_CHECK_ERROR)
            /* TRANSLATORS: "9.9.9.9: no answer: timed out" */
            DETAIL(r, _("%1$s: no answer: %2$s"), v[i].label, v[i].answer);
        else
            /* TRANSLATORS: "1.1.1.1 (pass, TTL 300): a -> b -> 1.2.3.4" */
            DETAIL(r, _("%1$s (%2$s, TTL %3$u): %4$s"), v[i].label,
                   lw_check_status_word(v[i].status), v[i].ttl, v[i].answer);
    }
}

/* Labels of the views that are not pass, ", "-separated. */
static void
lagging(const struct lw_view_eval *v, size_t n, char *out, size_t len,
        unsigned *max_ttl)
{
    size_t i;

    out[0] = '\0';
    *max_ttl = 0;
    for (i = 0; i < n; i++) {
        if (v[i].status == LW_CHECK_PASS)
            continue;
        list_add(out, len, v[i].label);
        if (v[i].status == LW_CHECK_FAIL && v[i].ttl > *max_ttl)
            *max_ttl = v[i].ttl;
    }
}

/* CloudFront before the distribution's domain is saved: there is nothing
 * to compare the record with yet. */
static bool
cf_no_distribution(const struct lw_check_expect *ex, struct lw_check_result *r)
{
    if (ex->method != LW_METHOD_CLOUDFRONT || ex->distribution != NULL)
        return false;
    res_set(r, LW_CHECK_FAIL,
            _("The CloudFront distribution's domain is not saved yet, so the "
              "record of %s cannot be checked."),
            ex->domain);
    HINT(r, "%s",
         _("Create the distribution, then give its domain name "
           "(dXXXX.cloudfront.net) as cloudfront.distribution_domain and run "
           "linkwiz setup again."));
    return true;
}

void
lw_check_eval_dns_record(const struct lw_check_expect *ex,
                         const struct lw_view_eval *v, size_t n,
                         const struct lw_addr_note *bad, size_t n_bad,
                         struct lw_check_result *r)
{
    size_t pass = 0, fail = 0, i;
    const struct lw_view_eval *first_fail = NULL;
    char names[512];
    unsigned ttl;

    if (cf_no_distribution(ex, r))
        return;

    for (i = 0; i < n; i++) {
        if (v[i].status == LW_CHECK_PASS) {
            pass++;
        } else if (v[i].status == LW_CHECK_FAIL) {
            fail++;
            if (first_fail == NULL)
                first_fail = &v[i];
        }
    }
    if (n == 0) {
        res_set(r, LW_CHECK_ERROR, "%s", _("No resolver to ask."));
        HINT(r, "%s",
             _("Give one with --resolver ADDR, or check "
               "/etc/resolv.conf."));
        return;
    }
    if (pass == n && n_bad > 0) {
        char list[512] = "";
        for (i = 0; i < n_bad; i++)
            list_add(list, sizeof(list), bad[i].addr);
        res_set(r, LW_CHECK_FAIL,
                /* TRANSLATORS: the domain, then one address or a
                 * comma-separated list of them; the plural follows their
                 * number. */
                P_("%s also resolves to %s, which is not this server.",
                   "%s also resolves to %s, which are not this server.", n_bad),
                ex->domain, list);
        for (i = 0; i < n_bad; i++) {
            char a[128];
            clean(bad[i].addr, a, sizeof(a));
            /* TRANSLATORS: "192.0.2.9: serves a different certificate" */
            DETAIL(r, _("%1$s: %2$s"), a, bad[i].why);
        }
        HINT(r,
             _("In the DNS panel, delete the A/AAAA record(s) %s of %s: "
               "visitors sent there do not reach this server."),
             list, ex->domain);
        view_lines(v, n, r);
        return;
    }
    if (pass == n) {
        if (ex->method == LW_METHOD_CLOUDFRONT)
            res_set(r, LW_CHECK_PASS,
                    P_("%1$zu resolver leads %2$s to the distribution "
                       "%3$s.",
                       "All %1$zu resolvers lead %2$s to the distribution "
                       "%3$s.",
                       n),
                    n, ex->domain, ex->distribution);
        else if (ex->n_addresses > 0)
            res_set(r, LW_CHECK_PASS,
                    P_("%1$zu resolver gives this server's address for "
                       "%2$s.",
                       "All %1$zu resolvers give this server's address for "
                       "%2$s.",
                       n),
                    n, ex->domain);
        else
            res_set(r, LW_CHECK_PASS,
                    P_("%1$zu resolver resolves %2$s; the TLS checks judge "
                       "the address.",
                       "All %1$zu resolvers resolve %2$s; the TLS checks "
                       "judge each address.",
                       n),
                    n, ex->domain);
        view_lines(v, n, r);
        return;
    }
    if (pass > 0) {
        lagging(v, n, names, sizeof(names), &ttl);
        res_set(r, LW_CHECK_WARN,
                _("%1$zu of %2$zu resolvers give the expected answer; not "
                  "yet: %3$s."),
                pass, n, names);
        view_lines(v, n, r);
        if (ttl > 0)
            HINT(r,
                 _("The record is still propagating: resolvers keep the old "
                   "answer until their cache expires, up to %1$u seconds "
                   "(about %2$u minutes) from now.  Run linkwiz check again "
                   "then."),
                 ttl, (ttl + 59) / 60);
        else
            HINT(r, "%s",
                 _("The record is still propagating, or some resolvers did "
                   "not answer: run linkwiz check again in a few "
                   "minutes."));
        return;
    }
    if (fail == 0) {
        lagging(v, n, names, sizeof(names), &ttl);
        res_set(r, LW_CHECK_ERROR, _("No resolver answered (%s)."), names);
        view_lines(v, n, r);
        HINT(r, "%s",
             _("Check the network and the resolvers (--resolver ADDR, "
               "/etc/resolv.conf), then run linkwiz check again."));
        return;
    }
    explain(ex, first_fail, r);
    view_lines(v, n, r);
}

void
lw_check_eval_authoritative(const struct lw_check_expect *ex,
                            const struct lw_view_eval *v, size_t n,
                            const char *why_none, struct lw_check_result *r)
{
    size_t pass = 0, fail = 0, i;
    const struct lw_view_eval *first_fail = NULL;
    char names[512];
    unsigned ttl;

    if (cf_no_distribution(ex, r))
        return;
    if (n == 0) {
        res_set(r, LW_CHECK_WARN, "%s",
                why_none != NULL ? why_none
                                 : _("The zone's name servers were not "
                                     "found."));
        return;
    }
    for (i = 0; i < n; i++) {
        if (v[i].status == LW_CHECK_PASS) {
            pass++;
        } else if (v[i].status == LW_CHECK_FAIL) {
            fail++;
            if (first_fail == NULL)
                first_fail = &v[i];
        }
    }
    /* A server that does not answer from here cannot disagree (an IPv6
     * address on an IPv4-only host): only a wrong answer counts. */
    if (pass > 0 && fail == 0) {
        res_set(r, LW_CHECK_PASS,
                P_("%1$zu name server of %2$s gives the expected answer.",
                   "All %1$zu name servers of %2$s give the expected "
                   "answer.",
                   pass),
                pass, ex->zone != NULL ? ex->zone : "?");
    } else if (pass > 0) {
        lagging(v, n, names, sizeof(names), &ttl);
        res_set(r, LW_CHECK_WARN,
                _("%1$zu of %2$zu name servers of %3$s give the expected "
                  "answer; not: %4$s."),
                pass, n, ex->zone != NULL ? ex->zone : "?", names);
        HINT(r, "%s",
             _("The zone's servers disagree: a secondary may not have the "
               "latest zone yet (compare their SOA serials), or the zone is "
               "served by two DNS providers with different records."));
    } else if (fail == 0) {
        lagging(v, n, names, sizeof(names), &ttl);
        res_set(r, LW_CHECK_WARN,
                _("No name server of %1$s answered from here (%2$s)."),
                ex->zone != NULL ? ex->zone : "?", names);
    } else {
        struct lw_check_result t;

        /* The zone itself holds the wrong record: say whose answer it
         * is, keep the diagnosis and its hint. */
        memset(&t, 0, sizeof(t));
        explain(ex, first_fail, &t);
        res_set(r, LW_CHECK_FAIL, _("The zone's own name servers say: %s"),
                t.summary != NULL ? t.summary : "");
        r->hint = t.hint;
        t.hint = NULL;
        lw_check_result_clear(&t);
    }
    view_lines(v, n, r);
}

/* ---- CAA ------------------------------------------------------------- */

/* CAA issuer domains of well-known CAs, matched on the issuer's O or CN:
 * enough to say "your CA is (not) allowed"; an unknown CA is reported
 * without a verdict. */
static const struct {
    const char *match;
    const char *domains[3];
} known_cas[] = {
    {"Let's Encrypt", {"letsencrypt.org", NULL, NULL}},
    {"Amazon", {"amazon.com", "amazontrust.com", "awstrust.com"}},
    {"DigiCert", {"digicert.com", "www.digicert.com", NULL}},
    {"Sectigo", {"sectigo.com", "comodoca.com", NULL}},
    {"ZeroSSL", {"sectigo.com", "zerossl.com", NULL}},
    {"GlobalSign", {"globalsign.com", NULL, NULL}},
    {"GoDaddy", {"godaddy.com", NULL, NULL}},
    {"Google Trust Services", {"pki.goog", NULL, NULL}},
    {"Entrust", {"entrust.net", NULL, NULL}},
    {"Buypass", {"buypass.com", NULL, NULL}},
};

static const char *const *
ca_domains(X509 *leaf, char *issuer, size_t len)
{
    X509_NAME *n = leaf != NULL ? X509_get_issuer_name(leaf) : NULL;
    char o[256] = "", cn[256] = "";
    size_t i;

    issuer[0] = '\0';
    if (n == NULL)
        return NULL;
    X509_NAME_get_text_by_NID(n, NID_organizationName, o, sizeof(o));
    X509_NAME_get_text_by_NID(n, NID_commonName, cn, sizeof(cn));
    clean(o[0] != '\0' ? o : cn, issuer, len);
    for (i = 0; i < sizeof(known_cas) / sizeof(known_cas[0]); i++)
        if (strstr(o, known_cas[i].match) != NULL ||
            strstr(cn, known_cas[i].match) != NULL)
            return known_cas[i].domains;
    return NULL;
}

/* "0 issue \"letsencrypt.org; accounturi=…\"" -> tag and the issuer
 * domain (before ';', trimmed, lower case). */
static bool
caa_parse(const char *rr, char *tag, size_t tlen, char *dom, size_t dlen)
{
    const char *p = rr, *q;
    size_t n;

    while (*p >= '0' && *p <= '9')
        p++;
    while (*p == ' ')
        p++;
    q = p;
    while (*q != '\0' && *q != ' ')
        q++;
    n = (size_t)(q - p);
    if (n == 0 || n >= tlen)
        return false;
    memcpy(tag, p, n);
    tag[n] = '\0';
    while (*q == ' ')
        q++;
    if (*q == '"')
        q++;
    while (*q == ' ' || *q == '\t')
        q++;
    n = 0;
    while (q[n] != '\0' && q[n] != ';' && q[n] != '"' && q[n] != ' ' &&
           n + 1 < dlen) {
        dom[n] = (char)(q[n] >= 'A' && q[n] <= 'Z' ? q[n] + 32 : q[n]);
        n++;
    }
    dom[n] = '\0';
    return true;
}

void
lw_check_eval_caa(const char *const *caa, size_t n, const char *owner,
                  X509 *leaf, const char *domain, struct lw_check_result *r)
{
    const char *const *mine;
    char allowed[512] = "", issuer[256], shown_owner[256], tag[32], dom[256];
    bool any_issue = false, ok = false;
    size_t i, k;

    clean(owner != NULL ? owner : domain, shown_owner, sizeof(shown_owner));
    if (n == 0) {
        res_set(r, LW_CHECK_PASS,
                _("No CAA record limits which CA may issue certificates for "
                  "%s."),
                domain);
        return;
    }
    mine = ca_domains(leaf, issuer, sizeof(issuer));
    for (i = 0; i < n; i++) {
        char line[256];
        clean(caa[i], line, sizeof(line));
        DETAIL(r, "%s CAA %s", shown_owner, line);
        if (!caa_parse(caa[i], tag, sizeof(tag), dom, sizeof(dom)) ||
            strcasecmp(tag, "issue") != 0)
            continue;
        any_issue = true;
        if (dom[0] != '\0')
            list_add(allowed, sizeof(allowed), dom);
        for (k = 0; mine != NULL && k < 3 && mine[k] != NULL; k++)
            ok = ok || strcmp(mine[k], dom) == 0;
    }
    {
        /* res_set clears the detail: keep the lines gathered above. */
        char *detail = r->detail;
        r->detail = NULL;
        if (!any_issue)
            res_set(r, LW_CHECK_PASS,
                    _("The CAA records at %s do not limit issuance (no "
                      "\"issue\" property)."),
                    shown_owner);
        else if (allowed[0] == '\0')
            res_set(r, LW_CHECK_WARN,
                    _("The CAA records at %s forbid every CA to issue "
                      "certificates for %s."),
                    shown_owner, domain);
        else if (ok)
            res_set(r, LW_CHECK_PASS,
                    _("The CAA records at %s allow %s, which issued the "
                      "installed certificate."),
                    shown_owner, issuer);
        else if (mine != NULL)
            res_set(r, LW_CHECK_WARN,
                    _("The CAA records at %s allow only %s, not %s, which "
                      "issued the installed certificate: the next renewal "
                      "will be refused."),
                    shown_owner, allowed, issuer);
        else
            res_set(r, LW_CHECK_PASS,
                    _("The CAA records at %s allow %s; linkwiz cannot tell "
                      "whether that includes your CA (%s)."),
                    shown_owner, allowed, issuer[0] ? issuer : "?");
        free(r->detail);
        r->detail = detail;
    }
    if (r->status == LW_CHECK_WARN)
        HINT(r,
             _("Before the next renewal, add a CAA record at %s in the DNS "
               "panel allowing your CA (e.g. 0 issue \"%s\"), or renew with "
               "a CA it allows."),
             shown_owner,
             mine != NULL && mine[0] != NULL ? mine[0] : "ca.example");
}

/* CloudFront, certificate requested in ACM: Amazon's CAA domains (ACM's
 * documentation: any one of them lets Amazon issue). */
void
lw_check_eval_caa_acm(const char *const *caa, size_t n, const char *owner,
                      const char *domain, struct lw_check_result *r)
{
    static const char *const amazon[] = {"amazon.com", "amazontrust.com",
                                         "awstrust.com", "amazonaws.com"};
    char allowed[512] = "", shown_owner[256], tag[32], dom[256], line[256];
    bool any_issue = false, ok = false;
    char *detail;
    size_t i, k;

    clean(owner != NULL ? owner : domain, shown_owner, sizeof(shown_owner));
    if (n == 0) {
        res_set(r, LW_CHECK_PASS,
                _("No CAA record limits which CA may issue certificates for "
                  "%s, so ACM (Amazon) may."),
                domain);
        return;
    }
    for (i = 0; i < n; i++) {
        clean(caa[i], line, sizeof(line));
        DETAIL(r, "%s CAA %s", shown_owner, line);
        if (!caa_parse(caa[i], tag, sizeof(tag), dom, sizeof(dom)) ||
            strcasecmp(tag, "issue") != 0)
            continue;
        any_issue = true;
        if (dom[0] != '\0')
            list_add(allowed, sizeof(allowed), dom);
        for (k = 0; k < sizeof(amazon) / sizeof(amazon[0]); k++)
            ok = ok || strcmp(amazon[k], dom) == 0;
    }
    /* res_set clears the detail: keep the lines gathered above. */
    detail = r->detail;
    r->detail = NULL;
    if (!any_issue)
        res_set(r, LW_CHECK_PASS,
                _("The CAA records at %s do not limit issuance (no "
                  "\"issue\" property), so ACM (Amazon) may issue."),
                shown_owner);
    else if (ok)
        res_set(r, LW_CHECK_PASS,
                _("The CAA records at %s allow Amazon, which issues the ACM "
                  "certificate."),
                shown_owner);
    else
        res_set(r, LW_CHECK_WARN,
                _("The CAA records at %s allow only %s, not Amazon: ACM "
                  "cannot issue or renew the requested certificate for %s."),
                shown_owner, allowed[0] != '\0' ? allowed : "-", domain);
    free(r->detail);
    r->detail = detail;
    if (r->status == LW_CHECK_WARN)
        HINT(r,
             _("In the DNS panel, add a CAA record at %s allowing Amazon: "
               "0 issue \"amazon.com\" (amazontrust.com, awstrust.com and "
               "amazonaws.com are Amazon's too)."),
             shown_owner);
}

/* ---- TLS ------------------------------------------------------------- */

static void
name_cn(X509_NAME *n, char *out, size_t len)
{
    char cn[256] = "";

    if (n == NULL ||
        X509_NAME_get_text_by_NID(n, NID_commonName, cn, sizeof(cn)) < 0) {
        char *one = n != NULL ? X509_NAME_oneline(n, NULL, 0) : NULL;
        clean(one != NULL ? one : "?", out, len);
        OPENSSL_free(one);
        return;
    }
    clean(cn, out, len);
}

void
lw_check_eval_chain(STACK_OF(X509) * served, long verify,
                    const char *verify_error, struct lw_check_result *r)
{
    int n = served != NULL ? sk_X509_num(served) : 0, i;
    X509 *leaf, *last;
    char a[256], b[256], why[256];

    if (n == 0) {
        res_set(r, LW_CHECK_ERROR, "%s", _("The server sent no certificate."));
        return;
    }
    leaf = sk_X509_value(served, 0);
    last = sk_X509_value(served, n - 1);
    clean(verify_error != NULL && *verify_error
              ? verify_error
              : X509_verify_cert_error_string(verify),
          why, sizeof(why));
    if (X509_check_ca(leaf) > 0 && n > 1) {
        name_cn(X509_get_subject_name(leaf), a, sizeof(a));
        res_set(r, LW_CHECK_FAIL,
                _("The server sends the CA certificate \"%s\" first, not the "
                  "certificate for the domain."),
                a);
        HINT(r, "%s",
             _("Put the domain's certificate first in the chain file, then "
               "the intermediates (linkwiz setup orders them for you)."));
        return;
    }
    if (verify != X509_V_OK) {
        bool missing = verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                       verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
                       verify == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
        if (missing && X509_self_signed(last, 0) != 1) {
            name_cn(X509_get_issuer_name(last), a, sizeof(a));
            name_cn(X509_get_subject_name(last), b, sizeof(b));
            res_set(r, LW_CHECK_FAIL,
                    _("The server does not send the intermediate certificate "
                      "\"%s\" (the issuer of \"%s\"), so clients cannot "
                      "verify the chain."),
                    a, b);
            /* TRANSLATORS: detail line under tls.chain; %s is the reason
             * certificate verification failed (from OpenSSL, in English). */
            DETAIL(r, _("Verification: %s"), why);
            HINT(r, "%s",
                 _("Append the intermediate certificate(s) from your CA after "
                   "the domain's certificate in the chain file and install it "
                   "again (linkwiz setup)."));
            return;
        }
        res_set(r, LW_CHECK_FAIL, _("The served chain does not verify: %s."),
                why);
        HINT(r, "%s",
             _("Install a certificate from a CA that clients trust, with its "
               "intermediates (or give the test CA with --ca-file)."));
        return;
    }
    for (i = 1; i < n; i++) {
        X509 *x = sk_X509_value(served, i);
        if (X509_self_signed(x, 0) == 1) {
            name_cn(X509_get_subject_name(x), a, sizeof(a));
            res_set(r, LW_CHECK_WARN,
                    _("The chain verifies, but the server also sends the "
                      "root certificate \"%s\", which clients must already "
                      "have."),
                    a);
            HINT(r, "%s",
                 _("Remove the root certificate from the chain file: it only "
                   "adds bytes to every handshake."));
            return;
        }
    }
    res_set(r, LW_CHECK_PASS,
            P_("The chain verifies to a trusted root (%d certificate "
               "served).",
               "The chain verifies to a trusted root (%d certificates "
               "served, leaf first).",
               n),
            n);
}

void
lw_check_eval_hostname(X509 *leaf, const char *domain,
                       struct lw_check_result *r)
{
    struct lw_buf names = LW_BUF_INIT;
    char shown[512];

    if (leaf == NULL) {
        res_set(r, LW_CHECK_ERROR, "%s", _("The server sent no certificate."));
        return;
    }
    if (lw_cert_covers(leaf, domain)) {
        res_set(r, LW_CHECK_PASS, _("The certificate covers %s."), domain);
        return;
    }
    lw_cert_names(leaf, &names);
    clean_n(names.data, names.len, 300, true, shown, sizeof(shown));
    if (shown[0] != '\0')
        res_set(r, LW_CHECK_FAIL,
                _("The certificate does not cover %s; it covers: %s."), domain,
                shown);
    else
        res_set(r, LW_CHECK_FAIL,
                _("The certificate does not cover %s: it names no host "
                  "(no subjectAltName)."),
                domain);
    HINT(r,
         _("Get a certificate for %s from your CA (the CSR linkwiz wrote "
           "asks for it) and install it with linkwiz setup."),
         domain);
    lw_buf_free(&names);
}

void
lw_check_eval_expiry(time_t not_before, time_t not_after, time_t now,
                     struct lw_check_result *r)
{
    char from[64], until[64];
    int days = days_until(not_after, now);

    date_text(not_before, from, sizeof(from));
    date_text(not_after, until, sizeof(until));
    if (now < not_before) {
        res_set(r, LW_CHECK_FAIL,
                _("The certificate is not valid yet: valid from %s until "
                  "%s."),
                from, until);
        HINT(r, "%s",
             _("Check this computer's clock (date -u); if it is right, the "
               "CA dated the certificate in the future: ask for a new "
               "one."));
    } else if (now > not_after) {
        res_set(r, LW_CHECK_FAIL,
                P_("The certificate expired on %s (%d day ago).",
                   "The certificate expired on %s (%d days ago).", -days),
                until, -days);
        HINT(r, "%s",
             _("Renew it now: send the CSR to your CA again and install the "
               "new certificate with linkwiz setup."));
    } else if (days < EXPIRY_WARN_DAYS) {
        res_set(r, LW_CHECK_WARN,
                P_("The certificate expires in %2$d day, on %1$s.",
                   "The certificate expires in %2$d days, on %1$s.", days),
                until, days);
        HINT(r, "%s",
             _("Renew it soon: send the CSR to your CA again and install the "
               "new certificate with linkwiz setup."));
    } else {
        res_set(r, LW_CHECK_PASS,
                P_("The certificate is valid until %s (%d day left).",
                   "The certificate is valid until %s (%d days left).", days),
                until, days);
        DETAIL(r, _("Valid from %s until %s."), from, until);
        return;
    }
    DETAIL(r, _("Valid from %s until %s."), from, until);
}

static const char *
curve_name(EVP_PKEY *key, char *buf, size_t len)
{
    size_t got = 0;

    if (EVP_PKEY_get_group_name(key, buf, len, &got) != 1)
        return "?";
    if (strcmp(buf, "prime256v1") == 0 || strcmp(buf, "P-256") == 0)
        return "P-256";
    if (strcmp(buf, "secp384r1") == 0 || strcmp(buf, "P-384") == 0)
        return "P-384";
    if (strcmp(buf, "secp521r1") == 0 || strcmp(buf, "P-521") == 0)
        return "P-521";
    return buf;
}

void
lw_check_eval_key(enum lw_method method, EVP_PKEY *key,
                  struct lw_check_result *r)
{
    bool cf = method == LW_METHOD_CLOUDFRONT;
    char cbuf[64];
    int bits;

    if (key == NULL) {
        res_set(r, LW_CHECK_ERROR, "%s",
                _("The certificate's public key could not be read."));
        return;
    }
    bits = EVP_PKEY_get_bits(key);
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        if (bits < 2048) {
            res_set(r, LW_CHECK_FAIL,
                    _("RSA %d: too small; clients refuse RSA keys under 2048 "
                      "bits."),
                    bits);
            HINT(r, "%s",
                 _("Generate a new key (RSA 2048) and CSR with linkwiz "
                   "setup, and get a new certificate for it."));
        } else if (cf && bits > 2048) {
            res_set(r, LW_CHECK_WARN,
                    _("RSA %d: AWS may accept it, but the provider's guide "
                      "asks for RSA 2048 at most for CloudFront."),
                    bits);
            HINT(r, "%s",
                 _("At the next renewal, let linkwiz generate an RSA 2048 "
                   "key (it does for the cloudfront method)."));
        } else if (cf) {
            res_set(r, LW_CHECK_PASS, "%s",
                    _("RSA 2048, as the provider's guide asks for "
                      "CloudFront."));
        } else if (bits == 2048 || bits == 3072 || bits == 4096) {
            /* TRANSLATORS: summary of tls.key: "RSA 2048 key."; %d is the
             * key size in bits. */
            res_set(r, LW_CHECK_PASS, _("RSA %d key."), bits);
        } else {
            res_set(r, LW_CHECK_PASS,
                    _("RSA %d key (not a size linkwiz offers, but "
                      "usable)."),
                    bits);
        }
        return;
    }
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
        const char *c = curve_name(key, cbuf, sizeof(cbuf));
        if (cf) {
            res_set(r, LW_CHECK_WARN,
                    _("EC %s: the provider's guide asks for RSA 2048 for "
                      "CloudFront."),
                    c);
            HINT(r, "%s",
                 _("At the next renewal, let linkwiz generate an RSA 2048 "
                   "key (it does for the cloudfront method)."));
        } else if (strcmp(c, "P-256") == 0 || strcmp(c, "P-384") == 0) {
            /* TRANSLATORS: summary of tls.key: "EC P-256 key."; %s is the
             * curve name. */
            res_set(r, LW_CHECK_PASS, _("EC %s key."), c);
        } else {
            res_set(r, LW_CHECK_WARN,
                    _("EC %s: not a curve linkwiz offers; some clients "
                      "cannot use it."),
                    c);
            HINT(r, "%s", _("At the next renewal, use RSA 2048 or EC P-256."));
        }
        return;
    }
    res_set(r, LW_CHECK_WARN,
            _("%s key: not a kind linkwiz offers; some clients cannot use "
              "it."),
            OBJ_nid2sn(EVP_PKEY_get_base_id(key)));
    HINT(r, "%s",
         cf ? _("At the next renewal, use RSA 2048 (the provider's "
                "guide for CloudFront).")
            : _("At the next renewal, use RSA 2048 or EC P-256."));
}

static void
tls_skip_rest(struct lw_check_result out[LW_CK_TLS_N])
{
    int k;

    for (k = 1; k < LW_CK_TLS_N; k++)
        res_set(&out[k], LW_CHECK_SKIP, "%s",
                _("No TLS handshake (see tls.handshake)."));
}

/* The five TLS checks for one address. */
static void
eval_tls_one(const struct lw_check_expect *ex, const struct lw_tls_result *t,
             time_t now, struct lw_check_result out[LW_CK_TLS_N])
{
    char addr[80], err[256], fp[LW_FINGERPRINT_MAX];
    X509 *leaf;
    time_t nb, na;

    clean(t->addr, addr, sizeof(addr));
    if (!t->connected) {
        clean(t->error, err, sizeof(err));
        res_set(&out[0], LW_CHECK_FAIL,
                _("Could not connect to %s port 443: %s."), addr, err);
        HINT(&out[0], "%s",
             ex->method == LW_METHOD_CLOUDFRONT
                 ? _("Check that the CloudFront distribution is deployed "
                     "and enabled.")
                 : _("Check that nginx runs and listens on port 443, and "
                     "that the firewall lets port 443 in."));
        tls_skip_rest(out);
        return;
    }
    if (!t->handshake || t->served == NULL || sk_X509_num(t->served) == 0) {
        clean(t->error, err, sizeof(err));
        res_set(&out[0], LW_CHECK_FAIL,
                _("The TLS handshake with %s (SNI %s) failed: %s."), addr,
                ex->domain, err);
        HINT(&out[0], "%s",
             _("Check that the server offers TLS 1.2 or 1.3 with a "
               "certificate for the name (nginx: listen 443 ssl, "
               "ssl_certificate)."));
        tls_skip_rest(out);
        return;
    }
    clean(t->protocol, err, sizeof(err));
    if (strcmp(t->protocol, "TLSv1.2") != 0 &&
        strcmp(t->protocol, "TLSv1.3") != 0) {
        res_set(&out[0], LW_CHECK_FAIL,
                _("%s negotiated %s; TLS 1.2 or newer is needed."), addr, err);
        HINT(&out[0], "%s", _("Set ssl_protocols TLSv1.2 TLSv1.3; in nginx."));
    } else {
        res_set(&out[0], LW_CHECK_PASS, _("%s handshake with %s (SNI %s)."),
                err, addr, ex->domain);
    }
    leaf = sk_X509_value(t->served, 0);
    lw_check_eval_chain(t->served, t->verify, t->verify_error, &out[1]);
    lw_check_eval_hostname(leaf, ex->domain, &out[2]);
    lw_cert_fingerprint(leaf, fp);
    if (ex->installed_fingerprint != NULL &&
        strcasecmp(fp, ex->installed_fingerprint) != 0) {
        struct lw_buf d = LW_BUF_INIT;
        char shown[512];

        lw_cert_describe(leaf, &d);
        clean_n(d.data, d.len, 300, true, shown, sizeof(shown));
        lw_buf_free(&d);
        if (out[2].status == LW_CHECK_PASS) {
            res_set(&out[2], LW_CHECK_WARN,
                    _("%s serves a certificate for %s that is not the one "
                      "installed here."),
                    addr, ex->domain);
            HINT(&out[2], "%s",
                 ex->method == LW_METHOD_CLOUDFRONT
                     ? _("Import the installed certificate into ACM again "
                         "and attach it to the distribution.")
                     : _("Reload nginx (nginx -s reload) so it serves the "
                         "installed certificate; if this address is not "
                         "this server, remove it from DNS."));
        }
        DETAIL(&out[2], _("Served: %s (SHA-256 %s)."), shown, fp);
        DETAIL(&out[2], _("Installed: SHA-256 %s."), ex->installed_fingerprint);
    }
    if (lw_cert_times(leaf, &nb, &na))
        lw_check_eval_expiry(nb, na, now, &out[3]);
    else
        res_set(&out[3], LW_CHECK_ERROR, "%s",
                _("The certificate's dates could not be read."));
    lw_check_eval_key(ex->method, X509_get0_pubkey(leaf), &out[4]);
}

void
lw_check_eval_tls(const struct lw_check_expect *ex,
                  const struct lw_tls_result *const *probes, size_t n,
                  time_t now, struct lw_check_result out[LW_CK_TLS_N])
{
    struct lw_check_result *each;
    size_t i, worst;
    int k;

    for (k = 0; k < LW_CK_TLS_N; k++)
        lw_check_result_clear(&out[k]);
    if (n == 0) {
        for (k = 0; k < LW_CK_TLS_N; k++)
            res_set(&out[k], LW_CHECK_SKIP,
                    _("%s has no address to connect to (see dns.record)."),
                    ex->domain);
        return;
    }
    each = calloc(n * LW_CK_TLS_N, sizeof(*each));
    if (each == NULL) {
        for (k = 0; k < LW_CK_TLS_N; k++)
            out[k].status = LW_CHECK_ERROR;
        return;
    }
    for (i = 0; i < n; i++)
        eval_tls_one(ex, probes[i], now, &each[i * LW_CK_TLS_N]);
    for (k = 0; k < LW_CK_TLS_N; k++) {
        bool differ = false;

        worst = 0;
        for (i = 1; i < n; i++) {
            const struct lw_check_result *c = &each[i * LW_CK_TLS_N + k];
            if (c->status != each[k].status)
                differ = true;
            if (rank(c->status) > rank(each[worst * LW_CK_TLS_N + k].status))
                worst = i;
        }
        res_copy(&out[k], &each[worst * LW_CK_TLS_N + k]);
        if (n == 1)
            continue;
        if (differ) {
            char addr[80], *s = out[k].summary;
            clean(probes[worst]->addr, addr, sizeof(addr));
            out[k].summary = NULL;
            /* The wrong address is named up front. */
            res_set(&out[k], each[worst * LW_CK_TLS_N + k].status,
                    /* TRANSLATORS: detail line: an address, then what
                     * happened there. */
                    _("At %s: %s"), addr, s != NULL ? s : "");
            free(s);
            if (each[worst * LW_CK_TLS_N + k].detail != NULL)
                DETAIL(&out[k], "%s", each[worst * LW_CK_TLS_N + k].detail);
            if (each[worst * LW_CK_TLS_N + k].hint != NULL)
                HINT(&out[k], "%s", each[worst * LW_CK_TLS_N + k].hint);
        }
        for (i = 0; i < n; i++) {
            const struct lw_check_result *c = &each[i * LW_CK_TLS_N + k];
            char addr[80];
            clean(probes[i]->addr, addr, sizeof(addr));
            /* TRANSLATORS: "192.0.2.9 (fail): the certificate does not..." */
            DETAIL(&out[k], _("%1$s (%2$s): %3$s"), addr,
                   lw_check_status_word(c->status),
                   c->summary != NULL ? c->summary : "");
        }
    }
    for (i = 0; i < n * LW_CK_TLS_N; i++)
        lw_check_result_clear(&each[i]);
    free(each);
}

/* ---- HTTP ------------------------------------------------------------ */

static void
trim(const char *s, size_t len, const char **start, size_t *n)
{
    while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
                       s[len - 1] == '\r' || s[len - 1] == '\n'))
        len--;
    *start = s;
    *n = len;
}

void
lw_check_eval_health(const struct lw_http_resp *resp, const char *url,
                     const char *expected_body, struct lw_check_result *r)
{
    const char *body, *want;
    size_t blen, wlen;
    char line[LINE_MAX_SHOWN * 4 + 8], ctype[128], err[256], u[256];

    clean(url, u, sizeof(u));
    if (!resp->ok) {
        clean(resp->error, err, sizeof(err));
        res_set(r, LW_CHECK_FAIL, _("%s could not be fetched: %s."), u, err);
        if (resp->curl_code == 47) /* CURLE_TOO_MANY_REDIRECTS */
            HINT(r, "%s",
                 _("The server redirects in a loop: check the return and "
                   "rewrite rules of the server block (and any CDN in "
                   "front)."));
        else if (resp->curl_code == 60 || resp->curl_code == 51)
            HINT(r, "%s",
                 _("The certificate is not accepted: see the tls "
                   "checks."));
        else
            HINT(r, "%s",
                 _("Check that the proxy runs and that this name reaches "
                   "it (see dns.record and tls.handshake)."));
        return;
    }
    trim(resp->body.data != NULL ? resp->body.data : "", resp->body.len, &body,
         &blen);
    want = expected_body != NULL ? expected_body : "{}";
    trim(want, strlen(want), &want, &wlen);
    if (resp->status == 200 && blen == wlen && memcmp(body, want, blen) == 0 &&
        !resp->body_truncated) {
        clean_n(want, wlen, LINE_MAX_SHOWN, true, line, sizeof(line));
        res_set(r, LW_CHECK_PASS, _("%s answered 200 with %s."), u, line);
        return;
    }
    clean_n(body, blen, LINE_MAX_SHOWN, true, line, sizeof(line));
    clean(resp->content_type != NULL ? resp->content_type : "-", ctype,
          sizeof(ctype));
    if (resp->status == 200)
        res_set(r, LW_CHECK_FAIL,
                _("%s answered 200 (%s), but not with the provider's body: "
                  "%s"),
                /* TRANSLATORS: stands for an HTTP response without a body. */
                u, ctype, blen > 0 ? line : _("(empty body)"));
    else
        res_set(r, LW_CHECK_FAIL, _("%s answered %ld (%s): %s"), u,
                resp->status, ctype, blen > 0 ? line : _("(empty body)"));
    if (resp->server != NULL) {
        clean(resp->server, err, sizeof(err));
        /* TRANSLATORS: detail line: %s is what the HTTP server answered, or
         * the error; "Server" means the web server. */
        DETAIL(r, _("Server: %s"), err);
    }
    if (resp->via != NULL) {
        clean(resp->via, err, sizeof(err));
        DETAIL(r, _("A proxy or CDN answered on the way: %s"), err);
    }
    if (resp->location != NULL) {
        clean(resp->location, err, sizeof(err));
        /* TRANSLATORS: detail line: %s is the address an HTTP redirect
         * points to (the Location header). */
        DETAIL(r, _("Location: %s"), err);
    }
    if (resp->status == 502 || resp->status == 504)
        HINT(r, "%s",
             _("The proxy could not get an answer from the tracking host: "
               "see origin.health, and nginx's error log "
               "(/var/log/nginx/error.log)."));
    else if (resp->status >= 300 && resp->status < 400)
        HINT(r, "%s",
             _("The request was redirected: remove the redirect for "
               "/health, or check what answers for this name."));
    else
        HINT(r, "%s",
             _("Something other than the provider's tracking host "
               "answered: check proxy_pass and that the Host header is the "
               "link domain (nginx.config), and what the name points at "
               "(dns.record)."));
}

/* Case-insensitive: does the body (len bytes) contain needle? */
static bool
body_has(const char *body, size_t len, const char *needle)
{
    size_t n = strlen(needle), i;

    for (i = 0; body != NULL && i + n <= len; i++)
        if (strncasecmp(body + i, needle, n) == 0)
            return true;
    return false;
}

void
lw_check_eval_link_probe(const struct lw_http_resp *resp, const char *url,
                         struct lw_check_result *r)
{
    char u[300], err[256];

    clean(url, u, sizeof(u));
    if (!resp->ok) {
        clean(resp->error, err, sizeof(err));
        res_set(r, LW_CHECK_SKIP,
                _("The tracked-link probe %s could not be fetched (%s), so "
                  "the Host header could not be checked."),
                u, err);
        return;
    }
    if (body_has(resp->body.data, resp->body.len,
                 "Invalid link security token")) {
        res_set(r, LW_CHECK_FAIL,
                _("A tracked link (%s) answered %ld \"Invalid link security "
                  "token\": the tracking host did not get the link domain "
                  "as the Host header, so every click fails."),
                u, resp->status);
        HINT(r, "%s",
             _("In the distribution's default cache behavior, choose Legacy "
               "cache settings and forward all headers (Headers: All), so "
               "that Host reaches the tracking host as the link domain; use "
               "the config linkwiz wrote (ForwardedValues, Headers \"*\"), "
               "and remove any origin request policy or custom header that "
               "sets Host."));
        return;
    }
    res_set(r, LW_CHECK_PASS,
            _("A tracked link (%s) reached the tracking host with the link "
              "domain as Host (it answered %ld)."),
            u, resp->status);
}

/* ---- files.key ------------------------------------------------------- */

static EVP_PKEY *
read_key(const char *path, struct lw_err *err)
{
    struct lw_buf b = LW_BUF_INIT;
    EVP_PKEY *key = NULL;

    if (lw_buf_read_file(&b, path, 1024 * 1024, err) == LW_OK)
        (void)lw_key_parse(b.data, b.len, path, &key, err);
    lw_buf_free_secure(&b);
    return key;
}

static X509 *
read_leaf(const char *path, struct lw_err *err)
{
    struct lw_buf b = LW_BUF_INIT;
    STACK_OF(X509) *certs = NULL;
    X509 *leaf = NULL;

    if (lw_buf_read_file(&b, path, 4 * 1024 * 1024, err) == LW_OK &&
        lw_cert_parse(b.data, b.len, path, &certs, err) == LW_OK &&
        sk_X509_num(certs) > 0) {
        /* The installed file is leaf first (linkwiz wrote it). */
        leaf = sk_X509_value(certs, 0);
        X509_up_ref(leaf);
    }
    sk_X509_pop_free(certs, X509_free);
    lw_buf_free(&b);
    return leaf;
}

void
lw_check_eval_files_key(const char *root, const char *domain,
                        struct lw_check_result *r)
{
    struct lw_paths paths;
    struct lw_err err;
    char kpath[LW_PATH_MAX], cpath[LW_PATH_MAX];
    char kfp[LW_FINGERPRINT_MAX], cfp[LW_FINGERPRINT_MAX];
    struct stat st;
    EVP_PKEY *key = NULL;
    X509 *leaf = NULL;

    lw_err_clear(&err);
    if (lw_paths_for(domain, &paths, &err) != LW_OK ||
        lw_path_under(root, paths.key, kpath, sizeof(kpath), &err) != LW_OK ||
        lw_path_under(root, paths.crt, cpath, sizeof(cpath), &err) != LW_OK) {
        res_set(r, LW_CHECK_ERROR, "%s", err.msg);
        return;
    }
    if (lstat(kpath, &st) != 0) {
        if (errno == ENOENT) {
            res_set(r, LW_CHECK_FAIL, _("The private key %s is missing."),
                    paths.key);
            HINT(r, "%s",
                 _("Put the key back (linkwiz rollback restores the last "
                   "copy), or run linkwiz setup again for a new key and "
                   "CSR."));
        } else {
            res_set(r, LW_CHECK_ERROR, _("Cannot read %s: %s."), paths.key,
                    strerror(errno));
        }
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        res_set(r, LW_CHECK_FAIL, _("%s is not a regular file."), paths.key);
        HINT(r, "%s", _("Replace it with the key file (linkwiz setup)."));
        return;
    }
    if ((st.st_mode & 07777) != 0600) {
        res_set(r, LW_CHECK_FAIL,
                _("The private key %s has mode %04o; it must be 0600 (only "
                  "its owner may read it)."),
                paths.key, (unsigned)(st.st_mode & 07777));
        HINT(r, _("Run: chmod 600 %s"), paths.key);
        return;
    }
    key = read_key(kpath, &err);
    if (key == NULL) {
        res_set(r, LW_CHECK_FAIL, _("The private key cannot be used: %s"),
                err.msg);
        goto out;
    }
    leaf = read_leaf(cpath, &err);
    if (leaf == NULL) {
        res_set(r, LW_CHECK_FAIL,
                _("The installed certificate cannot be read: %s"), err.msg);
        HINT(r, "%s", _("Install the certificate again with linkwiz setup."));
        goto out;
    }
    if (lw_key_fingerprint(key, kfp, &err) != LW_OK ||
        lw_key_fingerprint(X509_get0_pubkey(leaf), cfp, &err) != LW_OK) {
        res_set(r, LW_CHECK_ERROR, "%s", err.msg);
        goto out;
    }
    if (strcmp(kfp, cfp) != 0) {
        res_set(r, LW_CHECK_FAIL,
                _("The private key %s does not match the installed "
                  "certificate %s."),
                paths.key, paths.crt);
        /* TRANSLATORS: detail line: %s is a key fingerprint (hex). */
        DETAIL(r, _("Key: SHA-256 %s"), kfp);
        DETAIL(r, _("Certificate's public key: SHA-256 %s"), cfp);
        HINT(r, "%s",
             _("Install the certificate issued for this key's CSR "
               "(linkwiz setup), or put back the key it was issued for "
               "(linkwiz rollback)."));
        goto out;
    }
    res_set(r, LW_CHECK_PASS,
            _("%s exists, mode 0600, and matches the installed "
              "certificate."),
            paths.key);
out:
    EVP_PKEY_free(key);
    X509_free(leaf);
}

/* ---- nginx.config ---------------------------------------------------- */

void
lw_check_eval_nginx(const char *domain, const char *conf, size_t conf_len,
                    const char *conf_path, bool ran, bool ok, const char *msg,
                    const char *dump, size_t dump_len,
                    struct lw_check_result *r)
{
    struct lw_nginx_config c = {NULL, 0}, all = {NULL, 0};
    struct lw_err err;
    char shown[256], line[256];
    size_t i, claims = 0, proxies = 0;

    lw_err_clear(&err);
    if (ran && !ok) {
        clean_n(msg, msg != NULL ? strlen(msg) : 0, 200, true, line,
                sizeof(line));
        res_set(r, LW_CHECK_FAIL, _("nginx -t rejects the configuration: %s"),
                line);
        if (msg != NULL && *msg != '\0') {
            clean_n(msg, strlen(msg), 400, false, shown, sizeof(shown));
            DETAIL(r, "%s", shown);
        }
        HINT(r, "%s",
             _("Fix what nginx reports, then run nginx -t again; linkwiz "
               "rollback puts back the files the last run replaced."));
        return;
    }
    if (conf == NULL) {
        res_set(r, LW_CHECK_FAIL, _("The server block %s is missing."),
                conf_path);
        HINT(r, "%s", _("Run linkwiz setup again to write it."));
        return;
    }
    if (lw_nginx_parse(conf, conf_len, conf_path, &c, &err) != LW_OK) {
        res_set(r, LW_CHECK_FAIL, "%s", err.msg);
        HINT(r, "%s", _("Run linkwiz setup again to write it."));
        return;
    }
    res_set(r, LW_CHECK_PASS, "%s", "");
    for (i = 0; i < c.n; i++) {
        const struct lw_nginx_server *s = &c.servers[i];

        if (!lw_nginx_server_claims(s, domain))
            continue;
        claims++;
        if (s->proxy_pass == NULL)
            continue;
        proxies++;
        if (s->host_header == NULL || strcmp(s->host_header, domain) != 0) {
            clean(s->host_header != NULL ? s->host_header : "-", shown,
                  sizeof(shown));
            res_set(r, LW_CHECK_FAIL,
                    _("%s line %u: the proxy sends Host: %s, not %s; every "
                      "click would fail with \"Invalid link security "
                      "token\"."),
                    conf_path, s->line, shown, domain);
            HINT(r, _("In location /, set: proxy_set_header Host %s;"), domain);
            goto out;
        }
        if (!s->ssl_server_name) {
            res_set(r, LW_CHECK_FAIL,
                    _("%s line %u: the proxy sends no SNI to the tracking "
                      "host (proxy_ssl_server_name is off)."),
                    conf_path, s->line);
            HINT(r, "%s", _("In location /, set: proxy_ssl_server_name on;"));
            goto out;
        }
    }
    if (claims == 0 || proxies == 0) {
        res_set(r, LW_CHECK_FAIL,
                claims == 0 ? _("No server block in %s has server_name %s.")
                            : _("The server blocks in %s for %s have no "
                                "proxy_pass in location /."),
                conf_path, domain);
        HINT(r, "%s", _("Run linkwiz setup again to write the block."));
        goto out;
    }
    if (dump != NULL &&
        lw_nginx_parse(dump, dump_len, "nginx -T", &all, &err) == LW_OK) {
        for (i = 0; i < all.n; i++) {
            const struct lw_nginx_server *s = &all.servers[i];
            if (!lw_nginx_server_claims(s, domain) ||
                (s->file != NULL && strcmp(s->file, conf_path) == 0))
                continue;
            clean(s->file, shown, sizeof(shown));
            if (r->status != LW_CHECK_WARN)
                res_set(r, LW_CHECK_WARN,
                        _("Another server block also claims %s: %s line "
                          "%u; nginx uses only one of them."),
                        domain, shown, s->line);
            else
                DETAIL(r, _("Also: %s line %u."), shown, s->line);
        }
        if (r->status == LW_CHECK_WARN) {
            HINT(r,
                 _("Remove %s from the server_name of the other "
                   "block(s), then run nginx -t and reload."),
                 domain);
            goto out;
        }
    }
    if (ran)
        res_set(r, LW_CHECK_PASS,
                _("nginx -t accepts the configuration; %s sends Host: %s "
                  "and SNI to the tracking host."),
                conf_path, domain);
    else
        res_set(r, LW_CHECK_PASS,
                _("%s sends Host: %s and SNI to the tracking host (nginx -t "
                  "not run: --root is not /)."),
                conf_path, domain);
out:
    lw_nginx_config_free(&c);
    lw_nginx_config_free(&all);
}

/* ==================================================================== */
/* The engine                                                            */
/* ==================================================================== */

/* A callback's link to the run for programs (lw_proc_start cannot
 * cancel): when the run goes first, run becomes NULL and the callback
 * frees the token. */
struct token {
    struct lw_check_run *run;
    size_t idx;
    int kind; /* TOK_NGINX_T, TOK_NGINX_DUMP */
    bool fired;
};

enum { TOK_NGINX_T, TOK_NGINX_DUMP };

struct view {
    struct lw_check_run *run;
    size_t idx;
    bool done;
    struct lw_view_eval ev;
    char **names; /* the chain's names when the answer was expected */
};

/* A name server's NS record and its glue, from a resolver's NS answer. */
struct nsset {
    size_t n;
    struct {
        char name[LW_DOMAIN_MAX];
        char addr[NS_ADDRS][64];
        size_t n_addr;
    } ns[MAX_AUTH];
};

/* The name or one of its parents, while the zone is searched for. */
struct suffix {
    char name[LW_DOMAIN_MAX];
    int apex;         /* -1 not known yet, 0 no, 1 a zone's apex */
    int pending;      /* SOA and NS questions out */
    int ns_pending;   /* NS questions out */
    bool answered;    /* some resolver gave a usable answer */
    size_t ns_res;    /* the resolver of the NS answer */
    struct nsset *ns; /* its NS records (arena), NULL until known */
};

/* A or AAAA asked of one name server: each question goes to all its
 * addresses at once, and the first good answer counts. */
struct auth_lookup {
    int type;
    int round; /* the question out now; answers to older ones are late */
    int out;   /* its answers still awaited */
    int addr;  /* the address that gave the good answer, or -1 */
    int steps; /* CNAME targets asked for themselves */
    bool done, good, bad;
    int rcode;
    char asking[LW_DOMAIN_MAX];
};

struct auth {
    struct lw_check_run *run;
    size_t rv; /* index in run->rv, when has_rv */
    bool has_rv;
    char ns[LW_DOMAIN_MAX];
    struct lw_dns_server addrs[NS_ADDRS];
    size_t n_addrs;
    struct lw_dns_server server; /* for the view: "NAME (ADDRESS)" */
    struct auth_lookup look[2];  /* A, AAAA */
    bool answered;
    bool lost;           /* a CNAME target asked for had no answer */
    bool loop, too_long; /* the CNAME chain inside the zone */
    char error[160];
    char *names[10];
    size_t n_names;
    char *v4[16], *v6[16];
    size_t n_v4, n_v6;
    unsigned min_ttl;
};

struct probe {
    char addr[64];
    unsigned port;
    bool done;
    struct lw_tls_probe *handle; /* until done */
    struct lw_tls_result res;    /* served: our references */
};

struct job {
    struct lw_check_run *run;
    size_t idx;  /* resolver, name server or CAA name */
    size_t idx2; /* resolver for CAA */
    int round; /* the authoritative question it answers */
    int id; /* check id for HTTP; DNS type for the zone's questions */
    char name[LW_DOMAIN_MAX + 64]; /* room for a URL with a path */
};

struct lw_check_run {
    struct lw_loop *loop;
    struct lw_check_opts o;
    lw_check_fn fn;
    lw_check_done_fn done_fn;
    void *ud;
    struct lw_check_result res[LW_CK_COUNT];
    int pending;
    bool finished;
    uint64_t t0;
    time_t now;
    long elapsed;

    struct lw_check_expect ex;      /* for the resolvers' views */
    struct lw_check_expect ex_auth; /* the same, zone = the SOA's */
    const char **origins;
    char zone_guess[LW_DOMAIN_MAX];
    char zone[LW_DOMAIN_MAX];
    const struct lw_region *region;

    struct lw_dns *dns;
    struct lw_http *http;

    struct lw_dns_server servers[MAX_VIEWS];
    size_t n_servers;
    struct lw_resolver_view rv[MAX_VIEWS + MAX_AUTH];
    size_t n_rv;
    struct view views[MAX_VIEWS];
    size_t views_done;

    /* zone, name servers, authoritative answers */
    int zstate; /* Z_* */
    struct suffix sfx[MAX_SUFFIX];
    size_t n_sfx, zone_sfx, n_zone_res;
    char why_none[512];
    struct auth auth[MAX_AUTH];
    size_t n_auth, auth_pending;

    /* CAA: names from the domain up to the zone */
    char caa_names[MAX_CAA_NAMES][LW_DOMAIN_MAX];
    size_t n_caa;
    bool caa_have[MAX_CAA_NAMES];
    size_t caa_fail[MAX_CAA_NAMES];
    char **caa_rr[MAX_CAA_NAMES];
    size_t n_caa_rr[MAX_CAA_NAMES];
    size_t caa_left;
    X509 *installed_leaf;

    /* TLS */
    struct probe probes[MAX_ADDRS];
    size_t n_probes, probes_pending;
    bool connect_to_mode;
    char served_fp[LW_FINGERPRINT_MAX];
    time_t served_not_after;

    /* nginx */
    int ngx_pending;
    bool ngx_ran, ngx_ok, ngx_failed, ngx_dumped;
    struct lw_buf ngx_msg, ngx_dump, conf;
    bool conf_found;
    char conf_path[LW_PATH_MAX];
    char ngx_error[LW_ERR_MSG_MAX];

    /* CloudFront: http.health also waits for the tracked-link probe */
    struct lw_check_result cf_health; /* /health's own verdict */
    struct lw_check_result cf_link;   /* the probe's */
    bool cf_health_done, cf_link_done;

    struct token *tokens[4];
    size_t n_tokens;
    struct lw_timer *kick, *watchdog;
    void **arena;
    size_t n_arena, cap_arena;
};

enum { Z_SEARCH, Z_NS, Z_AUTH, Z_DONE };

static void *
arena_alloc(struct lw_check_run *run, size_t size)
{
    void *p;

    if (run->n_arena == run->cap_arena) {
        size_t cap = run->cap_arena ? run->cap_arena * 2 : 64;
        void **a = realloc(run->arena, cap * sizeof(*a));
        if (a == NULL)
            return NULL;
        run->arena = a;
        run->cap_arena = cap;
    }
    p = calloc(1, size);
    if (p != NULL)
        run->arena[run->n_arena++] = p;
    return p;
}

static struct job *
new_job(struct lw_check_run *run, size_t idx)
{
    struct job *j = arena_alloc(run, sizeof(*j));

    if (j != NULL) {
        j->run = run;
        j->idx = idx;
    }
    return j;
}

static long
since_start(struct lw_check_run *run)
{
    return (long)(lw_loop_now_ms(run->loop) - run->t0);
}

static void
maybe_finish(struct lw_check_run *run)
{
    if (run->pending > 0 || run->finished)
        return;
    run->finished = true;
    run->elapsed = since_start(run);
    if (run->watchdog != NULL) {
        lw_loop_timer_cancel(run->loop, run->watchdog);
        run->watchdog = NULL;
    }
    if (run->done_fn != NULL)
        run->done_fn(run->ud, run);
}

/* Hand a finished result over (r's strings move into the run). */
static void
complete(struct lw_check_run *run, enum lw_check_id id,
         struct lw_check_result *r)
{
    struct lw_check_result *dst = &run->res[id];

    if (dst->done) {
        lw_check_result_clear(r);
        return;
    }
    lw_check_result_clear(dst);
    dst->status = r->status;
    dst->summary = r->summary;
    dst->detail = r->detail;
    dst->hint = r->hint;
    r->summary = r->detail = r->hint = NULL;
    if (dst->summary == NULL) {
        dst->status = LW_CHECK_ERROR;
        dst->summary = strdup(_("Out of memory while judging this check."));
    }
    dst->done = true;
    dst->elapsed_ms = since_start(run);
    run->pending--;
    if (run->fn != NULL)
        run->fn(run->ud, dst);
    maybe_finish(run);
}

static void
complete_simple(struct lw_check_run *run, enum lw_check_id id,
                enum lw_check_status s, const char *summary, const char *hint)
{
    struct lw_check_result r;

    memset(&r, 0, sizeof(r));
    res_set(&r, s, "%s", summary);
    if (hint != NULL && *hint != '\0')
        HINT(&r, "%s", hint);
    complete(run, id, &r);
}

/* ---- dns.record, TLS ------------------------------------------------- */

static bool
dns_views_done(const struct lw_check_run *run)
{
    return run->views_done == run->n_servers;
}

static bool
tls_ready(const struct lw_check_run *run)
{
    return (run->connect_to_mode || dns_views_done(run)) &&
           run->probes_pending == 0;
}

static void
try_dns_record(struct lw_check_run *run)
{
    struct lw_view_eval ev[MAX_VIEWS];
    struct lw_addr_note bad[MAX_ADDRS];
    struct lw_check_result r;
    size_t i, n_bad = 0;
    bool any_installed = false;

    if (run->res[LW_CK_DNS_RECORD].done || !dns_views_done(run))
        return;
    /* Without configured addresses, an address is "the server" when it
     * serves the installed certificate: wait for the probes to say. */
    if (run->ex.method == LW_METHOD_NGINX && run->ex.n_addresses == 0 &&
        !run->connect_to_mode && run->ex.installed_fingerprint != NULL) {
        if (!tls_ready(run))
            return;
        for (i = 0; i < run->n_probes; i++) {
            const struct lw_tls_result *t = &run->probes[i].res;
            char fp[LW_FINGERPRINT_MAX];
            if (!t->handshake || t->served == NULL ||
                sk_X509_num(t->served) == 0)
                continue;
            lw_cert_fingerprint(sk_X509_value(t->served, 0), fp);
            any_installed = any_installed ||
                            strcasecmp(fp, run->ex.installed_fingerprint) == 0;
        }
        for (i = 0; any_installed && i < run->n_probes; i++) {
            const struct lw_tls_result *t = &run->probes[i].res;
            char fp[LW_FINGERPRINT_MAX];
            if (!t->connected) {
                bad[n_bad].addr = run->probes[i].addr;
                bad[n_bad++].why = _("nothing answers on port 443 there");
                continue;
            }
            if (!t->handshake || t->served == NULL ||
                sk_X509_num(t->served) == 0) {
                bad[n_bad].addr = run->probes[i].addr;
                bad[n_bad++].why = _("the TLS handshake fails there");
                continue;
            }
            lw_cert_fingerprint(sk_X509_value(t->served, 0), fp);
            if (strcasecmp(fp, run->ex.installed_fingerprint) != 0) {
                bad[n_bad].addr = run->probes[i].addr;
                bad[n_bad++].why = _("it serves a different certificate "
                                     "than the one installed here");
            }
        }
    }
    for (i = 0; i < run->n_servers; i++)
        ev[i] = run->views[i].ev;
    memset(&r, 0, sizeof(r));
    lw_check_eval_dns_record(&run->ex, ev, run->n_servers, bad, n_bad, &r);
    complete(run, LW_CK_DNS_RECORD, &r);
}

static void
try_tls(struct lw_check_run *run)
{
    const struct lw_tls_result *p[MAX_ADDRS];
    struct lw_check_result out[LW_CK_TLS_N];
    size_t i, n = 0;
    int k;

    if (run->res[LW_CK_TLS_HANDSHAKE].done || !tls_ready(run))
        return;
    for (i = 0; i < run->n_probes; i++) {
        const struct lw_tls_result *t = &run->probes[i].res;
        p[n++] = t;
        if (run->served_fp[0] == '\0' && t->handshake && t->served != NULL &&
            sk_X509_num(t->served) > 0) {
            X509 *leaf = sk_X509_value(t->served, 0);
            time_t nb;
            lw_cert_fingerprint(leaf, run->served_fp);
            if (!lw_cert_times(leaf, &nb, &run->served_not_after))
                run->served_not_after = 0;
        }
    }
    memset(out, 0, sizeof(out));
    lw_check_eval_tls(&run->ex, p, n, run->now, out);
    for (k = 0; k < LW_CK_TLS_N; k++)
        complete(run, (enum lw_check_id)(LW_CK_TLS_HANDSHAKE + k), &out[k]);
}

static void
on_tls(void *ud, const struct lw_tls_result *res)
{
    struct job *j = ud;
    struct lw_check_run *run = j->run;
    struct probe *p = &run->probes[j->idx];

    p->handle = NULL;
    p->res = *res;
    p->res.served = res->served != NULL ? X509_chain_up_ref(res->served) : NULL;
    p->done = true;
    run->probes_pending--;
    try_tls(run);
    try_dns_record(run);
}

static struct token *
new_token(struct lw_check_run *run, int kind, size_t idx)
{
    struct token *t;

    if (run->n_tokens == sizeof(run->tokens) / sizeof(run->tokens[0]))
        return NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->run = run;
    t->kind = kind;
    t->idx = idx;
    run->tokens[run->n_tokens++] = t;
    return t;
}

static void
add_probe(struct lw_check_run *run, const char *addr, unsigned port)
{
    struct lw_tls_req req;
    struct probe *p;
    struct job *j;
    struct lw_err err;
    size_t i;

    for (i = 0; i < run->n_probes; i++)
        if (same_addr(run->probes[i].addr, addr) && run->probes[i].port == port)
            return;
    if (run->n_probes == MAX_ADDRS)
        return;
    p = &run->probes[run->n_probes];
    memset(p, 0, sizeof(*p));
    copy_text(p->addr, sizeof(p->addr), addr);
    copy_text(p->res.addr, sizeof(p->res.addr), addr);
    p->port = port;
    j = new_job(run, run->n_probes);
    run->n_probes++;
    memset(&req, 0, sizeof(req));
    req.sni = run->ex.domain;
    req.addr = p->addr;
    req.port = port;
    req.timeout_ms = run->o.timeout_ms;
    req.ca_file = run->o.ca_file;
    lw_err_clear(&err);
    if (j == NULL || lw_tls_probe_start(run->loop, &req, on_tls, j, &p->handle,
                                        &err) != LW_OK) {
        p->handle = NULL;
        p->done = true;
        copy_text(p->res.error, sizeof(p->res.error),
                  j == NULL ? _("out of memory") : err.msg);
        return;
    }
    run->probes_pending++;
}

enum lw_status
lw_connect_to_parse(const char *s, struct lw_connect_to *out,
                    struct lw_err *err)
{
    const char *p1, *p2, *a, *ae;
    unsigned char bin[16];
    unsigned long port;
    char *end, num[8];
    size_t n;

    memset(out, 0, sizeof(*out));
    p1 = strchr(s, ':');
    p2 = p1 != NULL ? strchr(p1 + 1, ':') : NULL;
    if (p1 == NULL || p2 == NULL || (size_t)(p1 - s) >= sizeof(out->host) ||
        (size_t)(p2 - p1 - 1) >= sizeof(num))
        goto bad;
    memcpy(out->host, s, (size_t)(p1 - s));
    memcpy(num, p1 + 1, (size_t)(p2 - p1 - 1));
    num[p2 - p1 - 1] = '\0';
    out->port = 0;
    if (num[0] != '\0') {
        port = strtoul(num, &end, 10);
        if (*end != '\0' || port == 0 || port > 65535)
            goto bad;
        out->port = (unsigned)port;
    }
    a = p2 + 1;
    if (*a == '[') {
        a++;
        ae = strchr(a, ']');
        if (ae == NULL)
            goto bad;
    } else {
        ae = strrchr(a, ':');
        if (ae == NULL)
            ae = a + strlen(a);
    }
    n = (size_t)(ae - a);
    if (n == 0 || n >= sizeof(out->addr))
        goto bad;
    memcpy(out->addr, a, n);
    out->addr[n] = '\0';
    if (*ae == ']')
        ae++;
    out->addr_port = 0;
    if (*ae == ':' && ae[1] != '\0') {
        port = strtoul(ae + 1, &end, 10);
        if (*end != '\0' || port == 0 || port > 65535)
            goto bad;
        out->addr_port = (unsigned)port;
    } else if (*ae != '\0' && !(*ae == ':' && ae[1] == '\0')) {
        goto bad;
    }
    if (inet_pton(AF_INET, out->addr, bin) != 1 &&
        inet_pton(AF_INET6, out->addr, bin) != 1)
        goto bad;
    return LW_OK;
bad:
    return lw_err_set(err, LW_ERR_INPUT,
                      _("--connect-to \"%s\" is not HOST:PORT:ADDR:PORT "
                        "with a numeric address (e.g. "
                        "link.example.com:443:203.0.113.10:443)"),
                      s);
}

/* --connect-to HOST:PORT:ADDR:PORT entries for the domain's port 443. */
static void
connect_to_probes(struct lw_check_run *run)
{
    const char *const *c;

    for (c = run->o.connect_to; c != NULL && *c != NULL; c++) {
        struct lw_connect_to ct;

        if (lw_connect_to_parse(*c, &ct, NULL) != LW_OK)
            continue;
        if ((ct.host[0] != '\0' && !same_name(ct.host, run->ex.domain)) ||
            (ct.port != 0 && ct.port != 443))
            continue;
        run->connect_to_mode = true;
        add_probe(run, ct.addr, ct.addr_port != 0 ? ct.addr_port : 443);
    }
}

/* ---- resolvers ------------------------------------------------------- */

static void try_auth(struct lw_check_run *run);

static void
view_finish(struct lw_check_run *run, struct view *v)
{
    struct lw_resolver_view *rv = &run->rv[v->idx];

    free(rv->answer);
    rv->answer = strdup(v->ev.answer);
    rv->status = v->ev.status;
    rv->ttl = v->ev.ttl;
    rv->done = true;
    if (!v->done) {
        v->done = true;
        run->views_done++;
    }
    try_dns_record(run);
    try_tls(run);
    try_auth(run);
}

static void
keep_names(struct view *v, const struct lw_dns_chain *c)
{
    size_t i;

    if (v->names != NULL || v->ev.status != LW_CHECK_PASS)
        return;
    v->names = calloc(c->n_names + 1, sizeof(char *));
    for (i = 0; v->names != NULL && i < c->n_names; i++)
        v->names[i] = strdup(c->names[i]);
}

static void
on_doubled(void *ud, const struct lw_dns_chain *c)
{
    struct job *j = ud;
    struct lw_check_run *run = j->run;
    struct view *v = &run->views[j->idx];
    bool exists = c->outcome == LW_DNS_ANSWERED && c->rcode == 0 &&
                  c->n_v4 + c->n_v6 + (c->n_names > 1 ? 1 : 0) > 0;

    if (exists) {
        /* Judge the name's own NXDOMAIN again, knowing the doubled name
         * exists. */
        char *names[2] = {(char *)run->ex.domain, NULL};
        struct lw_dns_chain nx;
        unsigned ttl = v->ev.ttl;

        memset(&nx, 0, sizeof(nx));
        nx.outcome = LW_DNS_ANSWERED;
        nx.rcode = 3;
        nx.names = names;
        nx.n_names = 1;
        nx.min_ttl = ttl;
        view_judge(&run->ex, &nx, run->servers[j->idx].label, true, NULL,
                   &v->ev);
    }
    view_finish(run, v);
}

static void
on_chain(void *ud, const struct lw_dns_chain *c)
{
    struct job *j = ud;
    struct lw_check_run *run = j->run;
    struct view *v = &run->views[j->idx];
    struct lw_err err;
    size_t i;

    view_judge(&run->ex, c, run->servers[j->idx].label, false, NULL, &v->ev);
    keep_names(v, c);
    if (!run->connect_to_mode && c->outcome == LW_DNS_ANSWERED)
        for (i = 0; i < c->n_v4 + c->n_v6; i++)
            add_probe(run, i < c->n_v4 ? c->v4[i] : c->v6[i - c->n_v4], 443);
    if (c->outcome == LW_DNS_ANSWERED && c->rcode == 3 && c->n_names <= 1 &&
        run->zone_guess[0] != '\0' &&
        !same_name(run->zone_guess, run->ex.domain)) {
        struct job *d = new_job(run, j->idx);
        lw_err_clear(&err);
        if (d != NULL) {
            snprintf(d->name, sizeof(d->name), "%s.%s", run->ex.domain,
                     run->zone_guess);
            if (strlen(d->name) <= 253 &&
                lw_dns_resolve(run->dns, &run->servers[j->idx], d->name,
                               on_doubled, d, &err) == LW_OK)
                return;
        }
    }
    view_finish(run, v);
}

/* ---- zone, name servers, authoritative ------------------------------- */

/* The zone is searched for on every suffix of the name at once (SOA and
 * NS for link.example.com, example.com, … on the first resolvers): the
 * zone is the longest suffix that is an apex, and its NS answer, asked in
 * the same round, usually brings the name servers' addresses (glue).  A
 * name server without glue is resolved (A and AAAA together); each is
 * asked as soon as its addresses are known, on all of them at once. */

static const char *
parent_of(const char *name)
{
    const char *dot = strchr(name, '.');

    /* Stop below the top-level domain. */
    if (dot == NULL || strchr(dot + 1, '.') == NULL)
        return NULL;
    return dot + 1;
}

static void
zone_fail(struct lw_check_run *run, const char *why)
{
    copy_text(run->why_none, sizeof(run->why_none), why);
    run->zstate = Z_DONE;
    run->auth_pending = 0;
    try_auth(run);
}

static void auth_judge(struct lw_check_run *run, struct auth *a,
                       const char *const *good, struct lw_view_eval *ev);

static void
try_auth(struct lw_check_run *run)
{
    struct lw_view_eval ev[MAX_AUTH];
    const char *good[MAX_VIEWS * 10 + 1];
    struct lw_check_result r;
    size_t i, k, n = 0, m = 0;

    if (run->res[LW_CK_DNS_AUTHORITATIVE].done || run->zstate != Z_DONE ||
        run->auth_pending > 0 || !dns_views_done(run))
        return;
    for (i = 0; i < run->n_servers; i++)
        for (k = 0; run->views[i].names != NULL &&
                    run->views[i].names[k] != NULL && n < MAX_VIEWS * 10;
             k++)
            good[n++] = run->views[i].names[k];
    good[n] = NULL;
    memset(ev, 0, sizeof(ev));
    /* Name servers without an address were never asked: not a view. */
    for (i = 0; i < run->n_auth; i++)
        if (run->auth[i].has_rv)
            auth_judge(run, &run->auth[i], good, &ev[m++]);
    memset(&r, 0, sizeof(r));
    lw_check_eval_authoritative(&run->ex_auth, ev, m,
                                run->why_none[0] ? run->why_none : NULL, &r);
    for (i = 0; i < m; i++)
        lw_view_eval_clear(&ev[i]);
    complete(run, LW_CK_DNS_AUTHORITATIVE, &r);
}

static void
auth_judge(struct lw_check_run *run, struct auth *a, const char *const *good,
           struct lw_view_eval *ev)
{
    const struct auth_lookup *la = &a->look[0], *l6 = &a->look[1];
    struct lw_dns_chain c;
    struct lw_resolver_view *rv = &run->rv[a->rv];
    char *names[11], *v4[17], *v6[17];
    size_t i;

    memset(&c, 0, sizeof(c));
    /* Without the target's answer, the chain's end is not known: no
     * answer, rather than a CNAME that does not resolve. */
    c.outcome = a->answered && !a->lost ? LW_DNS_ANSWERED : LW_DNS_TIMEOUT;
    c.loop = a->loop;
    c.too_long = a->too_long;
    /* A good answer speaks for the name; SERVFAIL or REFUSED only when
     * no address gave one. */
    c.rcode = la->good ? la->rcode
              : l6->good ? l6->rcode
              : la->bad  ? la->rcode
                         : l6->rcode;
    for (i = 0; i < a->n_names; i++)
        names[i] = a->names[i];
    names[a->n_names] = NULL;
    for (i = 0; i < a->n_v4; i++)
        v4[i] = a->v4[i];
    v4[a->n_v4] = NULL;
    for (i = 0; i < a->n_v6; i++)
        v6[i] = a->v6[i];
    v6[a->n_v6] = NULL;
    c.names = names;
    c.n_names = a->n_names;
    c.v4 = v4;
    c.n_v4 = a->n_v4;
    c.v6 = v6;
    c.n_v6 = a->n_v6;
    c.min_ttl = a->min_ttl;
    copy_text(c.error, sizeof(c.error), a->error);
    view_judge(&run->ex_auth, &c, a->server.label, false, good, ev);
    rv->server = a->server;
    free(rv->answer);
    rv->answer = strdup(ev->answer);
    rv->status = ev->status;
    rv->ttl = ev->ttl;
    rv->done = true;
}

static void
push_name(char **arr, size_t *n, size_t max, const char *s)
{
    if (*n < max && (arr[*n] = strdup(s)) != NULL)
        (*n)++;
}

/* Every name server is settled: judge, or say why there is nothing to. */
static void
auth_settled(struct lw_check_run *run, struct auth *a)
{
    char msg[512];
    size_t i;

    (void)a;
    if (run->auth_pending == 0 || --run->auth_pending > 0)
        return;
    for (i = 0; i < run->n_auth; i++)
        if (run->auth[i].has_rv)
            break;
    if (i == run->n_auth) {
        snprintf(msg, sizeof(msg),
                 _("The name servers of %s could not be resolved to "
                   "addresses."),
                 run->zone);
        zone_fail(run, msg);
        return;
    }
    run->zstate = Z_DONE;
    try_auth(run);
}

static void
look_done(struct lw_check_run *run, struct auth *a, struct auth_lookup *lk)
{
    lk->done = true;
    if (a->look[0].done && a->look[1].done)
        auth_settled(run, a);
}

static void on_auth(void *ud, const struct lw_dns_answer *ans);

/* The view of a is named "NS-NAME (ADDRESS)" after address k. */
static void
auth_name(struct auth *a, size_t k)
{
    char label[160];

    snprintf(label, sizeof(label), "%.40s (%s)", a->ns, a->addrs[k].label);
    a->server = a->addrs[k];
    copy_text(a->server.label, sizeof(a->server.label), label);
}

/* Ask name server a for lk->asking, without recursion: on all its
 * addresses at once, or only on address `only` (>= 0). */
static void
look_send(struct lw_check_run *run, struct auth *a, struct auth_lookup *lk,
          int only)
{
    struct lw_err err;
    size_t i;

    lk->round++;
    lk->out = 0;
    for (i = 0; i < a->n_addrs; i++) {
        struct job *q;

        if (only >= 0 && (size_t)only != i)
            continue;
        q = new_job(run, (size_t)(a - run->auth));
        lw_err_clear(&err);
        if (q != NULL) {
            q->idx2 = i;
            q->id = lk == &a->look[0] ? 0 : 1;
            q->round = lk->round;
            if (lw_dns_query(run->dns, &a->addrs[i], lk->asking, lk->type,
                             false, on_auth, q, &err) == LW_OK) {
                lk->out++;
                continue;
            }
        }
        if (a->error[0] == '\0')
            copy_text(a->error, sizeof(a->error),
                      q == NULL ? _("out of memory") : err.msg);
    }
    if (lk->out == 0)
        look_done(run, a, lk);
}

/* Whether ans has the SOA of a zone that name is in (in the authority
 * section): the server looked at name and has no such records there. */
static bool
nodata_at(const struct lw_dns_answer *ans, const char *name)
{
    size_t i;

    for (i = 0; i < ans->n_authority; i++)
        if (ans->authority[i].type == LW_DNS_SOA &&
            in_zone(name, ans->authority[i].name))
            return true;
    return false;
}

static void
on_auth(void *ud, const struct lw_dns_answer *ans)
{
    struct job *j = ud;
    struct lw_check_run *run = j->run;
    struct auth *a = &run->auth[j->idx];
    struct auth_lookup *lk = &a->look[j->id];
    const char *cur, *last;
    size_t i, at, got = 0;

    if (j->round != lk->round || lk->done)
        return; /* another address answered first */
    lk->out--;
    if (ans->outcome == LW_DNS_ANSWERED)
        a->answered = true;
    if (ans->outcome != LW_DNS_ANSWERED ||
        (ans->rcode != 0 && ans->rcode != 3)) {
        if (ans->outcome == LW_DNS_ANSWERED) {
            lk->bad = true;
            lk->rcode = ans->rcode;
        } else if (a->error[0] == '\0') {
            copy_text(a->error, sizeof(a->error), ans->error);
        }
        if (lk->out == 0 && lk->steps > 0 && ans->outcome != LW_DNS_ANSWERED)
            a->lost = true;
        if (lk->out == 0)
            look_done(run, a, lk);
        return;
    }
    lk->round++; /* the other addresses' answers are late now */
    lk->good = true;
    lk->rcode = ans->rcode;
    if (a->look[0].addr < 0 && a->look[1].addr < 0)
        auth_name(a, j->idx2); /* after the address that answered first */
    if (lk->addr < 0)
        lk->addr = (int)j->idx2;
    /* Follow the CNAMEs inside the answer from the name asked, along
     * the chain the other lookup may have found already. */
    for (at = 0; at < a->n_names; at++)
        if (same_name(a->names[at], lk->asking))
            break;
    if (at == a->n_names)
        push_name(a->names, &a->n_names, 10, lk->asking);
    while (at < a->n_names) {
        const struct lw_dns_rr *cn = NULL;

        for (i = 0; i < ans->n_answer && cn == NULL; i++)
            if (ans->answer[i].type == LW_DNS_CNAME &&
                same_name(ans->answer[i].name, a->names[at]))
                cn = &ans->answer[i];
        if (cn == NULL)
            break;
        if (a->min_ttl == 0 || cn->ttl < a->min_ttl)
            a->min_ttl = cn->ttl;
        if (at + 1 < a->n_names) {
            if (!same_name(a->names[at + 1], cn->data))
                break; /* the answers disagree: keep the first */
        } else {
            for (i = 0; i < a->n_names; i++)
                if (same_name(a->names[i], cn->data))
                    break;
            a->loop = a->loop || i < a->n_names;
            a->too_long = a->too_long || (i == a->n_names && a->n_names == 9);
            if (a->loop || a->too_long)
                break;
            push_name(a->names, &a->n_names, 10, cn->data);
            if (at + 1 == a->n_names)
                break; /* out of memory */
        }
        at++;
    }
    if (at == a->n_names) {
        look_done(run, a, lk);
        return;
    }
    cur = a->names[at];
    for (i = 0; i < ans->n_answer; i++) {
        const struct lw_dns_rr *rr = &ans->answer[i];

        if (rr->type != lk->type || !same_name(rr->name, cur))
            continue;
        if (rr->type == LW_DNS_A)
            push_name(a->v4, &a->n_v4, 16, rr->data);
        else
            push_name(a->v6, &a->n_v6, 16, rr->data);
        if (a->min_ttl == 0 || rr->ttl < a->min_ttl)
            a->min_ttl = rr->ttl;
        got++;
    }
    /* A CNAME to a name in the same zone that the server did not follow
     * (and did not say is empty): ask it for the target before calling
     * the name dangling. */
    last = a->names[a->n_names - 1];
    if (got == 0 && ans->rcode == 0 && !a->loop && !a->too_long &&
        !same_name(last, lk->asking) &&
        in_zone(last, run->zone) && !(at + 1 == a->n_names &&
                                      nodata_at(ans, cur)) &&
        lk->steps++ < 8) {
        copy_text(lk->asking, sizeof(lk->asking), last);
        look_send(run, a, lk, lk->addr);
        return;
    }
    look_done(run, a, lk);
}

static void
auth_add_addr(struct auth *a, const char *addr)
{
    struct lw_dns_server *s;
    size_t i;

    if (a->n_addrs == NS_ADDRS)
        return;
    for (i = 0; i < a->n_addrs; i++)
        if (same_addr(a->addrs[i].addr, addr))
            return;
    s = &a->addrs[a->n_addrs];
    memset(s, 0, sizeof(*s));
    copy_text(s->addr, sizeof(s->addr), addr);
    s->port = 53;
    copy_text(s->label, sizeof(s->label), addr);
    a->n_addrs++;
}

/* The addresses of a are known: ask it A and AAAA for the name. */
static void
auth_ask(struct lw_check_run *run, struct auth *a)
{
    size_t t;

    if (a->n_addrs == 0 || run->n_rv == MAX_VIEWS + MAX_AUTH) {
        a->look[0].done = a->look[1].done = true;
        auth_settled(run, a);
        return;
    }
    auth_name(a, 0);
    a->rv = run->n_rv++;
    a->has_rv = true;
    run->rv[a->rv].server = a->server;
    run->rv[a->rv].authoritative = true;
    push_name(a->names, &a->n_names, 10, run->ex.domain);
    for (t = 0; t < 2; t++) {
        a->look[t].type = t == 0 ? LW_DNS_A : LW_DNS_AAAA;
        a->look[t].addr = -1;
        copy_text(a->look[t].asking, sizeof(a->look[t].asking),
                  run->ex.domain);
    }
    for (t = 0; t < 2; t++)
        look_send(run, a, &a->look[t], -1);
}

static void
on_ns_chain(void *ud, const struct lw_dns_chain *c)
{
    struct job *j = ud;
    struct lw_check_run *run = j->run;
    struct auth *a = &run->auth[j->idx];
    size_t i;

    if (c->outcome == LW_DNS_ANSWERED)
        for (i = 0; i < c->n_v4 + c->n_v6; i++)
            auth_add_addr(a, i < c->n_v4 ? c->v4[i] : c->v6[i - c->n_v4]);
    auth_ask(run, a);
}

/* The zone and its NS records are known: ask every name server, with
 * its glue at once, without after resolving its name. */
static void
auth_start(struct lw_check_run *run, const struct suffix *s)
{
    const struct nsset *set = s->ns;
    struct lw_err err;
    size_t i, k, n;

    run->zstate = Z_AUTH;
    n = set->n < MAX_AUTH ? set->n : MAX_AUTH;
    /* All counted first: one settled early must not end the wait. */
    run->auth_pending = n;
    /* cppcheck-suppress knownConditionTrueFalse ; ns_keep fills set->n */
    for (i = 0; i < n; i++) {
        struct auth *a = &run->auth[i];

        memset(a, 0, sizeof(*a));
        a->run = run;
        copy_text(a->ns, sizeof(a->ns), set->ns[i].name);
        for (k = 0; k < set->ns[i].n_addr; k++)
            auth_add_addr(a, set->ns[i].addr[k]);
    }
    run->n_auth = n;
    /* cppcheck-suppress knownConditionTrueFalse ; ns_keep fills set->n */
    for (i = 0; i < n; i++) {
        struct auth *a = &run->auth[i];
        struct job *q;

        if (a->n_addrs > 0) {
            auth_ask(run, a);
            continue;
        }
        q = new_job(run, i);
        lw_err_clear(&err);
        if (q == NULL || lw_dns_resolve(run->dns, &run->servers[s->ns_res],
                                        a->ns, on_ns_chain, q, &err) != LW_OK)
            auth_ask(run, a); /* no address: settled */
    }
}

/* Keep the NS records at s from ans, each with its glue. */
static void
ns_keep(struct lw_check_run *run, struct suffix *s, size_t res,
        const struct lw_dns_answer *ans)
{
    struct nsset *set = arena_alloc(run, sizeof(*set));
    size_t i, k, m;

    if (set == NULL)
        return;
    for (i = 0; i < ans->n_answer && set->n < MAX_AUTH; i++) {
        const struct lw_dns_rr *rr = &ans->answer[i];

        if (rr->type != LW_DNS_NS || !same_name(rr->name, s->name) ||
            strlen(rr->data) >= LW_DOMAIN_MAX)
            continue;
        for (k = 0; k < set->n; k++)
            if (same_name(set->ns[k].name, rr->data))
                break;
        if (k < set->n)
            continue;
        copy_text(set->ns[set->n].name, LW_DOMAIN_MAX, rr->data);
        for (m = 0; m < ans->n_additional; m++) {
            const struct lw_dns_rr *g = &ans->additional[m];

            if ((g->type == LW_DNS_A || g->type == LW_DNS_AAAA) &&
                same_name(g->name, rr->data) &&
                set->ns[set->n].n_addr < NS_ADDRS)
                copy_text(set->ns[set->n].addr[set->ns[set->n].n_addr++], 64,
                          g->data);
        }
        set->n++;
    }
    if (set->n > 0) {
        s->ns = set;
        s->ns_res = res;
    }
}

static void
set_apex(struct suffix *s, int apex)
{
    if (s->apex < 0)
        s->apex = apex;
}

static size_t
sfx_find(struct lw_check_run *run, const char *name)
{
    size_t i;

    for (i = 0; i < run->n_sfx; i++)
        if (same_name(run->sfx[i].name, name))
            return i;
    return MAX_SUFFIX;
}

static void on_zone(void *ud, const struct lw_dns_answer *ans);

/* Ask the first resolvers for the SOA and the NS records of suffix k. */
static void
zone_ask(struct lw_check_run *run, size_t k)
{
    static const int types[] = {LW_DNS_SOA, LW_DNS_NS};
    struct suffix *s = &run->sfx[k];
    struct lw_err err;
    size_t i, t;

    for (i = 0; i < run->n_zone_res; i++)
        for (t = 0; t < 2; t++) {
            struct job *q = new_job(run, i);

            lw_err_clear(&err);
            if (q == NULL)
                continue;
            q->idx2 = k;
            q->id = types[t];
            if (lw_dns_query(run->dns, &run->servers[i], s->name, types[t],
                             true, on_zone, q, &err) != LW_OK)
                continue;
            s->pending++;
            if (types[t] == LW_DNS_NS)
                s->ns_pending++;
        }
}

static size_t
sfx_add(struct lw_check_run *run, const char *name)
{
    struct suffix *s;

    if (run->n_sfx == MAX_SUFFIX || strlen(name) >= LW_DOMAIN_MAX)
        return MAX_SUFFIX;
    s = &run->sfx[run->n_sfx];
    memset(s, 0, sizeof(*s));
    copy_text(s->name, sizeof(s->name), name);
    s->apex = -1;
    return run->n_sfx++;
}

/* What a usable answer to the SOA or NS question at suffix k says. */
static void
zone_learn(struct lw_check_run *run, size_t k, size_t res, int type,
           const struct lw_dns_answer *ans)
{
    struct suffix *s = &run->sfx[k];
    bool here = false, cname = false;
    size_t i, z, t;

    for (i = 0; i < ans->n_answer; i++) {
        if (!same_name(ans->answer[i].name, s->name))
            continue;
        cname = cname || ans->answer[i].type == LW_DNS_CNAME;
        here = here || ans->answer[i].type == type;
    }
    if (here && !cname) {
        set_apex(s, 1);
        if (type == LW_DNS_NS && s->ns == NULL)
            ns_keep(run, s, res, ans);
        return;
    }
    /* No SOA or NS at the name: not an apex.  (Beside a CNAME, the SOA
     * that comes with it is the target's zone.) */
    set_apex(s, 0);
    if (cname)
        return;
    /* NODATA or NXDOMAIN: the SOA says which zone the name is in, so
     * every suffix between them is no apex either. */
    for (i = 0; i < ans->n_authority; i++) {
        const struct lw_dns_rr *rr = &ans->authority[i];

        if (rr->type != LW_DNS_SOA || !in_zone(s->name, rr->name) ||
            same_name(s->name, rr->name))
            continue;
        z = sfx_find(run, rr->name);
        if (z == MAX_SUFFIX) {
            /* Not a parent we asked about (above our last): ask now. */
            z = sfx_add(run, rr->name);
            if (z == MAX_SUFFIX)
                return;
            zone_ask(run, z);
        }
        set_apex(&run->sfx[z], 1);
        for (t = 0; t < run->n_sfx; t++)
            if (t != z && in_zone(s->name, run->sfx[t].name) &&
                in_zone(run->sfx[t].name, rr->name))
                set_apex(&run->sfx[t], 0);
        return;
    }
}

/* Decide the zone once the longest apex is known, then go on to its name
 * servers as soon as its NS answer is there. */
static void
zone_decide(struct lw_check_run *run)
{
    bool taken[MAX_SUFFIX] = {false}, answered = false;
    struct suffix *s;
    char msg[512];
    size_t i, k;

    if (run->zstate == Z_SEARCH) {
        for (;;) {
            /* The longest suffix not looked at yet. */
            k = MAX_SUFFIX;
            for (i = 0; i < run->n_sfx; i++)
                if (!taken[i] &&
                    (k == MAX_SUFFIX ||
                     strlen(run->sfx[i].name) > strlen(run->sfx[k].name)))
                    k = i;
            if (k == MAX_SUFFIX)
                break;
            taken[k] = true;
            s = &run->sfx[k];
            answered = answered || s->answered;
            if (s->apex == 1)
                break;
            if (s->apex < 0 && s->pending > 0)
                return; /* a longer suffix may still be the zone */
        }
        if (k == MAX_SUFFIX) {
            for (i = 0; i < run->n_sfx; i++)
                answered = answered || run->sfx[i].answered;
            if (answered)
                snprintf(msg, sizeof(msg),
                         _("No SOA record was found for %s or its "
                           "parents."),
                         run->ex.domain);
            else
                snprintf(msg, sizeof(msg),
                         _("No resolver answered the question for the "
                           "zone of %s."),
                         run->ex.domain);
            zone_fail(run, msg);
            return;
        }
        run->zone_sfx = k;
        clean(run->sfx[k].name, run->zone, sizeof(run->zone));
        run->ex_auth.zone = run->zone;
        run->zstate = Z_NS;
    }
    if (run->zstate != Z_NS)
        return;
    s = &run->sfx[run->zone_sfx];
    if (s->ns != NULL) {
        auth_start(run, s);
    } else if (s->ns_pending == 0) {
        snprintf(msg, sizeof(msg),
                 _("The zone %s has no NS records (asked %s)."), run->zone,
                 run->servers[s->ns_res].label);
        zone_fail(run, msg);
    }
}

static void
on_zone(void *ud, const struct lw_dns_answer *ans)
{
    struct job *j = ud;
    struct lw_check_run *run = j->run;
    struct suffix *s = &run->sfx[j->idx2];

    s->pending--;
    if (j->id == LW_DNS_NS)
        s->ns_pending--;
    /* Once the name servers are asked, the search is over. */
    if (ans->outcome == LW_DNS_ANSWERED &&
        (ans->rcode == 0 || ans->rcode == 3) &&
        (run->zstate == Z_SEARCH || run->zstate == Z_NS)) {
        s->answered = true;
        if (j->id == LW_DNS_NS && s->ns == NULL)
            s->ns_res = j->idx;
        zone_learn(run, j->idx2, j->idx, j->id, ans);
    }
    zone_decide(run);
}

/* Start the search: every suffix of the name, SOA and NS on the first
 * resolvers, all at once. */
static void
zone_start(struct lw_check_run *run)
{
    const char *name;
    size_t k;

    run->zstate = Z_SEARCH;
    run->n_zone_res =
        run->n_servers < ZONE_RESOLVERS ? run->n_servers : ZONE_RESOLVERS;
    for (name = run->ex.domain; name != NULL; name = parent_of(name))
        if (sfx_add(run, name) == MAX_SUFFIX)
            break;
    /* All asked before any is judged: answers come from the loop. */
    for (k = 0; k < run->n_sfx; k++)
        zone_ask(run, k);
    zone_decide(run);
}

/* ---- CAA ------------------------------------------------------------- */

static void
try_caa(struct lw_check_run *run)
{
    struct lw_check_result r;
    size_t i;

    if (run->res[LW_CK_DNS_CAA].done || run->caa_left > 0)
        return;
    memset(&r, 0, sizeof(r));
    for (i = 0; i < run->n_caa; i++)
        if (!run->caa_have[i])
            break;
    if (run->n_caa == 0 || i < run->n_caa) {
        res_set(&r, LW_CHECK_ERROR,
                _("No resolver answered the CAA question for %s."),
                run->n_caa > 0 ? run->caa_names[i] : run->ex.domain);
        complete(run, LW_CK_DNS_CAA, &r);
        return;
    }
    for (i = 0; i < run->n_caa; i++)
        if (run->n_caa_rr[i] > 0)
            break;
    if (lw_cloudfront_acm_requested(run->o.state))
        lw_check_eval_caa_acm(
            i == run->n_caa ? NULL : (const char *const *)run->caa_rr[i],
            i == run->n_caa ? 0 : run->n_caa_rr[i],
            i == run->n_caa ? NULL : run->caa_names[i], run->ex.domain, &r);
    else if (i == run->n_caa)
        lw_check_eval_caa(NULL, 0, NULL, run->installed_leaf, run->ex.domain,
                          &r);
    else
        lw_check_eval_caa((const char *const *)run->caa_rr[i], run->n_caa_rr[i],
                          run->caa_names[i], run->installed_leaf,
                          run->ex.domain, &r);
    complete(run, LW_CK_DNS_CAA, &r);
}

static void
on_caa(void *ud, const struct lw_dns_answer *ans)
{
    struct job *j = ud;
    struct lw_check_run *run = j->run;
    size_t k = j->idx, i, n = 0;

    if (run->caa_have[k])
        return;
    if (ans->outcome != LW_DNS_ANSWERED ||
        (ans->rcode != 0 && ans->rcode != 3)) {
        if (++run->caa_fail[k] == run->n_servers)
            run->caa_left--;
        try_caa(run);
        return;
    }
    run->caa_have[k] = true;
    run->caa_left--;
    for (i = 0; i < ans->n_answer; i++)
        n += ans->answer[i].type == LW_DNS_CAA;
    if (n > 0) {
        run->caa_rr[k] = calloc(n + 1, sizeof(char *));
        for (i = 0; run->caa_rr[k] != NULL && i < ans->n_answer; i++)
            if (ans->answer[i].type == LW_DNS_CAA)
                push_name(run->caa_rr[k], &run->n_caa_rr[k], n,
                          ans->answer[i].data);
    }
    try_caa(run);
}

static void
start_caa(struct lw_check_run *run)
{
    const char *name = run->ex.domain;
    struct lw_err err;
    size_t i, k;

    while (name != NULL && run->n_caa < MAX_CAA_NAMES) {
        snprintf(run->caa_names[run->n_caa++], LW_DOMAIN_MAX, "%s", name);
        if (run->zone_guess[0] != '\0' && same_name(name, run->zone_guess))
            break;
        name = parent_of(name);
    }
    run->caa_left = run->n_caa;
    for (k = 0; k < run->n_caa; k++)
        for (i = 0; i < run->n_servers; i++) {
            struct job *q = new_job(run, k);
            lw_err_clear(&err);
            if (q == NULL ||
                lw_dns_query(run->dns, &run->servers[i], run->caa_names[k],
                             LW_DNS_CAA, true, on_caa, q, &err) != LW_OK)
                if (++run->caa_fail[k] == run->n_servers)
                    run->caa_left--;
        }
    try_caa(run);
}

/* ---- HTTP ------------------------------------------------------------ */

/* The job id of the CloudFront tracked-link probe (not a check of its
 * own: it decides part of http.health). */
#define CF_LINK_PROBE (LW_CK_COUNT + 1)

/* CloudFront: http.health once both /health and the probe answered.  A
 * rewritten Host fails it even when /health answers {} (the provider's
 * guide: /health does not depend on Host, the links do). */
static void
cf_try_health(struct lw_check_run *run)
{
    struct lw_check_result r, *h = &run->cf_health, *l = &run->cf_link;

    if (!run->cf_health_done || !run->cf_link_done)
        return;
    memset(&r, 0, sizeof(r));
    if (l->status == LW_CHECK_FAIL) {
        r = *l;
        memset(l, 0, sizeof(*l));
        if (h->summary != NULL)
            DETAIL(&r, "%s", h->summary);
    } else {
        r = *h;
        memset(h, 0, sizeof(*h));
        if (l->summary != NULL)
            DETAIL(&r, "%s", l->summary);
    }
    lw_check_result_clear(h);
    lw_check_result_clear(l);
    complete(run, LW_CK_HTTP_HEALTH, &r);
}

static void
on_http(void *ud, const struct lw_http_resp *resp)
{
    struct job *j = ud;
    struct lw_check_run *run = j->run;
    struct lw_check_result r;

    memset(&r, 0, sizeof(r));
    if (j->id == CF_LINK_PROBE) {
        lw_check_eval_link_probe(resp, j->name, &run->cf_link);
        run->cf_link_done = true;
        cf_try_health(run);
        return;
    }
    if (j->id == LW_CK_HTTP_HEALTH && run->ex.method == LW_METHOD_CLOUDFRONT) {
        lw_check_eval_health(resp, j->name, run->o.profile->health_body,
                             &run->cf_health);
        run->cf_health_done = true;
        cf_try_health(run);
        return;
    }
    lw_check_eval_health(resp, j->name, run->o.profile->health_body, &r);
    complete(run, (enum lw_check_id)j->id, &r);
}

/* CloudFront: GET a tracked-link-like path through the link domain, not
 * following the redirect a real link answers with. */
static void
start_link_probe(struct lw_check_run *run)
{
    struct lw_http_req req;
    struct job *j = new_job(run, 0);
    struct lw_err err;

    lw_err_clear(&err);
    if (j == NULL || run->http == NULL) {
        res_set(&run->cf_link, LW_CHECK_SKIP, "%s",
                _("The tracked-link probe could not start."));
        run->cf_link_done = true;
        return;
    }
    j->id = CF_LINK_PROBE;
    snprintf(j->name, sizeof(j->name), "https://%s%s", run->ex.domain,
             run->o.profile->link_probe);
    memset(&req, 0, sizeof(req));
    req.url = j->name;
    req.connect_to = run->o.connect_to;
    req.ca_file = run->o.ca_file;
    req.timeout_ms = run->o.timeout_ms;
    req.max_body = BODY_MAX;
    req.max_redirects = 0;
    if (lw_http_get(run->http, &req, on_http, j, &err) != LW_OK) {
        res_set(&run->cf_link, LW_CHECK_SKIP,
                _("The tracked-link probe could not start: %s"), err.msg);
        run->cf_link_done = true;
    }
}

static void
start_http(struct lw_check_run *run, enum lw_check_id id, const char *url,
           const char *pin)
{
    struct lw_http_req req;
    struct job *j = new_job(run, 0);
    struct lw_err err;

    lw_err_clear(&err);
    if (j == NULL || run->http == NULL) {
        complete_simple(run, id, LW_CHECK_ERROR,
                        run->http == NULL ? run->ngx_error : _("out of memory"),
                        NULL);
        return;
    }
    j->id = id;
    copy_text(j->name, sizeof(j->name), url);
    memset(&req, 0, sizeof(req));
    req.url = j->name;
    req.connect_to = run->o.connect_to;
    req.ca_file = run->o.ca_file;
    req.timeout_ms = run->o.timeout_ms;
    req.max_body = BODY_MAX;
    req.max_redirects = 5;
    req.pin_address = pin;
    if (lw_http_get(run->http, &req, on_http, j, &err) != LW_OK)
        complete_simple(run, id, LW_CHECK_ERROR, err.msg, err.hint);
}

/* ---- nginx ----------------------------------------------------------- */

static void
try_nginx(struct lw_check_run *run)
{
    struct lw_check_result r;

    if (run->res[LW_CK_NGINX_CONFIG].done || run->ngx_pending > 0)
        return;
    memset(&r, 0, sizeof(r));
    if (run->ngx_failed) {
        res_set(&r, LW_CHECK_ERROR, "%s", run->ngx_error);
        complete(run, LW_CK_NGINX_CONFIG, &r);
        return;
    }
    lw_check_eval_nginx(
        run->ex.domain,
        run->conf_found ? (run->conf.data ? run->conf.data : "") : NULL,
        run->conf.len, run->conf_path, run->ngx_ran, run->ngx_ok,
        run->ngx_msg.data, run->ngx_dumped ? run->ngx_dump.data : NULL,
        run->ngx_dump.len, &r);
    complete(run, LW_CK_NGINX_CONFIG, &r);
}

static void
on_nginx(void *ud, struct lw_proc_result *pr)
{
    struct token *tok = ud;
    struct lw_check_run *run = tok->run;

    tok->fired = true;
    if (run == NULL) {
        free(tok);
        return;
    }
    if (tok->kind == TOK_NGINX_T) {
        run->ngx_ran = true;
        run->ngx_ok = pr->exit_code == 0 && !pr->timed_out;
        if (pr->timed_out)
            lw_buf_printf(&run->ngx_msg,
                          _("nginx -t did not finish within %ld ms."),
                          run->o.timeout_ms);
        else
            lw_buf_append(&run->ngx_msg, pr->err.data, pr->err.len);
    } else if (pr->exit_code == 0 && !pr->timed_out && !pr->out_truncated) {
        run->ngx_dumped = true;
        lw_buf_append(&run->ngx_dump, pr->out.data, pr->out.len);
    }
    run->ngx_pending--;
    try_nginx(run);
}

static void
start_nginx_cmd(struct lw_check_run *run, const char *arg, int kind)
{
    const char *argv[24];
    struct token *tok;
    struct lw_err err;
    size_t n = 0, i;

    argv[n++] = lw_nginx_bin();
    for (i = 0;
         run->o.nginx_args != NULL && run->o.nginx_args[i] != NULL && n < 20;
         i++)
        argv[n++] = run->o.nginx_args[i];
    argv[n++] = arg;
    argv[n] = NULL;
    tok = new_token(run, kind, 0);
    lw_err_clear(&err);
    if (tok == NULL) {
        run->ngx_failed = true;
        copy_text(run->ngx_error, sizeof(run->ngx_error), _("out of memory"));
        return;
    }
    if (lw_proc_start(run->loop, argv, (int)run->o.timeout_ms, on_nginx, tok,
                      &err) != LW_OK) {
        tok->fired = true;
        if (kind == TOK_NGINX_T) {
            run->ngx_failed = true;
            copy_text(run->ngx_error, sizeof(run->ngx_error), err.msg);
        }
        return;
    }
    run->ngx_pending++;
}

static void
start_nginx(struct lw_check_run *run)
{
    struct lw_paths paths;
    struct lw_err err;
    char full[LW_PATH_MAX];

    lw_err_clear(&err);
    if (lw_paths_for(run->ex.domain, &paths, &err) != LW_OK ||
        lw_path_under(run->o.root, paths.conf, full, sizeof(full), &err) !=
            LW_OK) {
        run->ngx_failed = true;
        copy_text(run->ngx_error, sizeof(run->ngx_error), err.msg);
        return;
    }
    copy_text(run->conf_path, sizeof(run->conf_path), paths.conf);
    if (lw_buf_read_file(&run->conf, full, 16u * 1024 * 1024, &err) == LW_OK) {
        run->conf_found = true;
    } else if (err.status != LW_ERR_NOTFOUND && access(full, F_OK) == 0) {
        run->ngx_failed = true;
        copy_text(run->ngx_error, sizeof(run->ngx_error), err.msg);
        return;
    }
    if (run->o.run_nginx) {
        start_nginx_cmd(run, "-t", TOK_NGINX_T);
        start_nginx_cmd(run, "-T", TOK_NGINX_DUMP);
    }
}

/* ---- start, the synchronous checks, the watchdog --------------------- */

static void
on_kick(struct lw_loop *loop, void *ud)
{
    struct lw_check_run *run = ud;
    struct lw_check_result r;

    (void)loop;
    run->kick = NULL;
    memset(&r, 0, sizeof(r));
    if (run->ex.method == LW_METHOD_CLOUDFRONT &&
        run->o.state->key_fingerprint == NULL) {
        res_set(&r, LW_CHECK_SKIP, "%s",
                _("CloudFront, certificate requested in ACM: no private key "
                  "on this server (it stays in AWS)."));
    } else {
        lw_check_eval_files_key(run->o.root, run->ex.domain, &r);
    }
    complete(run, LW_CK_FILES_KEY, &r);
    if (run->ex.method == LW_METHOD_CLOUDFRONT) {
        complete_simple(run, LW_CK_NGINX_CONFIG, LW_CHECK_SKIP,
                        _("CloudFront method: no nginx on this server."), NULL);
        complete_simple(run, LW_CK_ORIGIN_HEALTH, LW_CHECK_SKIP,
                        _("CloudFront method: CloudFront reaches the "
                          "tracking host, not this server."),
                        NULL);
    } else {
        try_nginx(run);
    }
    /* Checks that found nothing to wait for. */
    try_caa(run);
    try_tls(run);
    try_dns_record(run);
    try_auth(run);
}

static void
on_watchdog(struct lw_loop *loop, void *ud)
{
    struct lw_check_run *run = ud;
    char msg[256];
    int k;

    (void)loop;
    run->watchdog = NULL;
    snprintf(msg, sizeof(msg),
             _("The check did not finish within %ld seconds."),
             (since_start(run) + 999) / 1000);
    for (k = 0; k < LW_CK_COUNT && !run->finished; k++)
        if (!run->res[k].done)
            complete_simple(run, (enum lw_check_id)k, LW_CHECK_ERROR, msg,
                            _("Run linkwiz check again with a longer "
                              "--timeout."));
}

static void
add_server(struct lw_check_run *run, const struct lw_dns_server *s)
{
    size_t i;

    if (run->n_servers == MAX_VIEWS)
        return;
    for (i = 0; i < run->n_servers; i++)
        if (same_addr(run->servers[i].addr, s->addr) &&
            run->servers[i].port == s->port)
            return;
    run->servers[run->n_servers++] = *s;
}

static void
gather_resolvers(struct lw_check_run *run)
{
    struct lw_dns_server *sys = NULL, one;
    struct lw_err err;
    size_t n = 0, i;

    if (run->o.resolvers != NULL && run->o.n_resolvers > 0) {
        for (i = 0; i < run->o.n_resolvers; i++)
            add_server(run, &run->o.resolvers[i]);
        return;
    }
    lw_err_clear(&err);
    if (lw_dns_system_servers(run->o.root, &sys, &n, &err) == LW_OK)
        for (i = 0; i < n; i++)
            add_server(run, &sys[i]);
    free(sys);
    for (i = 0; run->o.profile != NULL && i < run->o.profile->n_resolvers;
         i++) {
        lw_err_clear(&err);
        if (lw_dns_server_parse(run->o.profile->resolvers[i], &one, &err) ==
            LW_OK)
            add_server(run, &one);
    }
}

static void
read_installed_leaf(struct lw_check_run *run)
{
    struct lw_paths paths;
    struct lw_err err;
    char full[LW_PATH_MAX];

    lw_err_clear(&err);
    if (lw_paths_for(run->ex.domain, &paths, &err) == LW_OK &&
        lw_path_under(run->o.root, paths.crt, full, sizeof(full), &err) ==
            LW_OK)
        run->installed_leaf = read_leaf(full, &err);
}

enum lw_status
lw_check_start(struct lw_loop *loop, const struct lw_check_opts *opts,
               lw_check_fn fn, lw_check_done_fn done, void *ud,
               struct lw_check_run **out, struct lw_err *err)
{
    const struct lw_config *cfg;
    struct lw_check_run *run;
    char url[LW_DOMAIN_MAX + 300];
    struct lw_err e2;
    size_t i;
    int k;

    *out = NULL;
    if (opts == NULL || opts->state == NULL || opts->profile == NULL ||
        !lw_domain_is_normalized(opts->state->config.domain))
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: the check needs a saved setup "
                            "and a profile"));
    cfg = &opts->state->config;
    run = calloc(1, sizeof(*run));
    if (run == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    run->loop = loop;
    run->o = *opts;
    if (run->o.root == NULL)
        run->o.root = "/";
    if (run->o.timeout_ms <= 0)
        run->o.timeout_ms = 5000;
    run->fn = fn;
    run->done_fn = done;
    run->ud = ud;
    run->pending = LW_CK_COUNT;
    run->t0 = lw_loop_now_ms(loop);
    run->now = opts->now != 0 ? opts->now : time(NULL);
    lw_buf_init(&run->ngx_msg);
    lw_buf_init(&run->ngx_dump);
    lw_buf_init(&run->conf);
    for (k = 0; k < LW_CK_COUNT; k++)
        run->res[k].id = (enum lw_check_id)k;

    run->region = lw_profile_region(opts->profile, cfg->region);
    run->origins = calloc(opts->profile->n_regions + 1, sizeof(char *));
    if (run->origins == NULL) {
        lw_check_free(run);
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    for (i = 0; i < opts->profile->n_regions; i++)
        run->origins[i] = opts->profile->regions[i].origin;
    run->ex.domain = cfg->domain;
    run->ex.method = cfg->method;
    run->ex.distribution = cfg->distribution_domain;
    run->ex.addresses = (const char *const *)cfg->addresses;
    run->ex.n_addresses = cfg->n_addresses;
    run->ex.origins = run->origins;
    run->ex.n_origins = opts->profile->n_regions;
    run->ex.installed_fingerprint = opts->state->cert_fingerprint;
    if (lw_domain_zone(cfg->domain, run->zone_guess))
        run->ex.zone = run->zone_guess;
    run->ex_auth = run->ex;
    run->ex_auth.zone = NULL;

    gather_resolvers(run);
    for (i = 0; i < run->n_servers; i++) {
        run->rv[i].server = run->servers[i];
        run->views[i].run = run;
        run->views[i].idx = i;
    }
    run->n_rv = run->n_servers;
    read_installed_leaf(run);

    lw_err_clear(&e2);
    if (lw_dns_new(loop, run->o.timeout_ms, &run->dns, &e2) != LW_OK) {
        lw_check_free(run);
        *err = e2;
        return e2.status;
    }
    lw_err_clear(&e2);
    if (lw_http_new(loop, &run->http, &e2) != LW_OK) {
        run->http = NULL;
        copy_text(run->ngx_error, sizeof(run->ngx_error), e2.msg);
    }

    /* Everything goes out now; results come back from the loop.  DNS
     * first, the longest chain (zone, name servers, their answers) first
     * of all: the TLS probes' set-up (trust store) costs tens of ms. */
    if (run->n_servers == 0) {
        run->zstate = Z_DONE;
        copy_text(run->why_none, sizeof(run->why_none),
                  _("No resolver to ask."));
    } else {
        zone_start(run);
    }
    for (i = 0; i < run->n_servers; i++) {
        struct job *j = new_job(run, i);
        lw_err_clear(&e2);
        /* TXT and MX with A and AAAA: a CNAME beside other records is
         * found in the same round trip. */
        if (j == NULL ||
            lw_dns_resolve_ex(run->dns, &run->servers[i], cfg->domain,
                              LW_DNS_RESOLVE_OTHER_AT_ONCE, on_chain, j,
                              &e2) != LW_OK) {
            struct lw_dns_chain c;
            memset(&c, 0, sizeof(c));
            c.outcome = LW_DNS_NETERROR;
            copy_text(c.error, sizeof(c.error),
                      j == NULL ? _("out of memory") : e2.msg);
            view_judge(&run->ex, &c, run->servers[i].label, false, NULL,
                       &run->views[i].ev);
            run->views[i].done = true;
            run->views_done++;
            run->rv[i].done = true;
            run->rv[i].status = LW_CHECK_ERROR;
        }
    }
    start_caa(run);
    connect_to_probes(run);
    snprintf(url, sizeof(url), "https://%s%s", cfg->domain,
             opts->profile->health_path);
    start_http(run, LW_CK_HTTP_HEALTH, url, NULL);
    if (cfg->method == LW_METHOD_CLOUDFRONT && opts->profile->link_probe)
        start_link_probe(run);
    else
        run->cf_link_done = true; /* no probe: /health decides alone */
    snprintf(url, sizeof(url), "http://%s%s", cfg->domain,
             opts->profile->health_path);
    start_http(run, LW_CK_HTTP_HEALTH_PLAIN, url, NULL);
    if (cfg->method == LW_METHOD_NGINX) {
        if (run->region == NULL) {
            complete_simple(run, LW_CK_ORIGIN_HEALTH, LW_CHECK_ERROR,
                            _("The saved region is not in the profile, so "
                              "the tracking host is unknown."),
                            _("Give the profiles file the setup was made "
                              "with (--profiles FILE)."));
        } else {
            if (run->region->port != 0 && run->region->port != 443)
                snprintf(url, sizeof(url), "https://%s:%u%s",
                         run->region->origin, run->region->port,
                         opts->profile->health_path);
            else
                snprintf(url, sizeof(url), "https://%s%s", run->region->origin,
                         opts->profile->health_path);
            start_http(run, LW_CK_ORIGIN_HEALTH, url, run->region->address);
        }
        start_nginx(run);
    }
    run->kick = lw_loop_timer(loop, 0, on_kick, run);
    /* A guard against a module that never calls back: every step is
     * bounded, and the zone's servers take a few steps in a row. */
    run->watchdog =
        lw_loop_timer(loop, run->o.timeout_ms * 6 + 2000, on_watchdog, run);
    *out = run;
    return LW_OK;
}

void
lw_check_free(struct lw_check_run *run)
{
    size_t i, k;

    if (run == NULL)
        return;
    if (run->kick != NULL)
        lw_loop_timer_cancel(run->loop, run->kick);
    if (run->watchdog != NULL)
        lw_loop_timer_cancel(run->loop, run->watchdog);
    lw_dns_free(run->dns);
    lw_http_free(run->http);
    for (i = 0; i < run->n_probes; i++)
        if (run->probes[i].handle != NULL)
            lw_tls_probe_cancel(run->probes[i].handle);
    for (i = 0; i < run->n_tokens; i++) {
        if (run->tokens[i]->fired)
            free(run->tokens[i]);
        else
            run->tokens[i]->run = NULL; /* the callback frees it */
    }
    for (k = 0; k < LW_CK_COUNT; k++)
        lw_check_result_clear(&run->res[k]);
    lw_check_result_clear(&run->cf_health);
    lw_check_result_clear(&run->cf_link);
    for (i = 0; i < run->n_rv; i++)
        free(run->rv[i].answer);
    for (i = 0; i < run->n_servers; i++) {
        lw_view_eval_clear(&run->views[i].ev);
        for (k = 0;
             run->views[i].names != NULL && run->views[i].names[k] != NULL; k++)
            free(run->views[i].names[k]);
        free(run->views[i].names);
    }
    for (i = 0; i < run->n_auth; i++) {
        for (k = 0; k < run->auth[i].n_names; k++)
            free(run->auth[i].names[k]);
        for (k = 0; k < run->auth[i].n_v4; k++)
            free(run->auth[i].v4[k]);
        for (k = 0; k < run->auth[i].n_v6; k++)
            free(run->auth[i].v6[k]);
    }
    for (i = 0; i < run->n_caa; i++) {
        for (k = 0; k < run->n_caa_rr[i]; k++)
            free(run->caa_rr[i][k]);
        free(run->caa_rr[i]);
    }
    for (i = 0; i < run->n_probes; i++)
        sk_X509_pop_free(run->probes[i].res.served, X509_free);
    X509_free(run->installed_leaf);
    lw_buf_free(&run->ngx_msg);
    lw_buf_free(&run->ngx_dump);
    lw_buf_free(&run->conf);
    for (i = 0; i < run->n_arena; i++)
        free(run->arena[i]);
    free(run->arena);
    free(run->origins);
    free(run);
}

/* ---- accessors ------------------------------------------------------- */

const struct lw_check_result *
lw_check_results(const struct lw_check_run *run)
{
    return run->res;
}

const struct lw_resolver_view *
lw_check_resolvers(const struct lw_check_run *run, size_t *n)
{
    *n = run->n_rv;
    return run->rv;
}

enum lw_check_status
lw_check_overall(const struct lw_check_run *run)
{
    enum lw_check_status worst = LW_CHECK_PASS;
    int k;

    for (k = 0; k < LW_CK_COUNT; k++)
        if (run->res[k].done && rank(run->res[k].status) > rank(worst))
            worst = run->res[k].status;
    return worst;
}

long
lw_check_elapsed_ms(const struct lw_check_run *run)
{
    return run->finished ? run->elapsed
                         : (long)(lw_loop_now_ms(run->loop) - run->t0);
}

int
lw_check_days_left(const struct lw_check_run *run)
{
    if (run->served_not_after == 0)
        return INT_MIN;
    return days_until(run->served_not_after, run->now);
}

void
lw_check_agreement(const struct lw_check_run *run, size_t *agree, size_t *asked)
{
    size_t i;

    *agree = 0;
    *asked = 0;
    for (i = 0; i < run->n_rv; i++) {
        if (run->rv[i].authoritative)
            continue;
        (*asked)++;
        if (run->rv[i].done && run->rv[i].status == LW_CHECK_PASS)
            (*agree)++;
    }
}

const char *
lw_check_served_fingerprint(const struct lw_check_run *run)
{
    return run->served_fp[0] != '\0' ? run->served_fp : NULL;
}

time_t
lw_check_served_not_after(const struct lw_check_run *run)
{
    return run->served_not_after;
}

time_t
lw_check_now(const struct lw_check_run *run)
{
    return run->now;
}

struct lw_check_run *
lw_check_run_fake(const struct lw_check_fake *f)
{
    struct lw_check_run *run = calloc(1, sizeof(*run));
    size_t i;
    int k;

    if (run == NULL)
        return NULL;
    run->finished = true;
    run->elapsed = f->elapsed_ms;
    run->now = f->now;
    run->served_not_after = f->served_not_after;
    if (f->served_fingerprint != NULL)
        copy_text(run->served_fp, sizeof(run->served_fp),
                  f->served_fingerprint);
    lw_buf_init(&run->ngx_msg);
    lw_buf_init(&run->ngx_dump);
    lw_buf_init(&run->conf);
    for (k = 0; k < LW_CK_COUNT; k++) {
        const struct lw_check_result *s = &f->results[k];
        run->res[k].id = (enum lw_check_id)k;
        run->res[k].done = s->done;
        run->res[k].elapsed_ms = s->elapsed_ms;
        res_copy(&run->res[k], s);
    }
    /* Resolver views that agree, then the others. */
    for (i = 0; i < f->asked && i < MAX_VIEWS; i++) {
        snprintf(run->rv[i].server.label, sizeof(run->rv[i].server.label),
                 "192.0.2.%zu", i + 1);
        run->rv[i].done = true;
        run->rv[i].status = i < f->agree ? LW_CHECK_PASS : LW_CHECK_FAIL;
    }
    run->n_rv = i;
    return run;
}
