/* domain.c - validate and normalize a link-tracking host name.
 *
 * The checks on ASCII are done here, byte by byte, before libidn2 sees
 * anything: libidn2 2.3.3 (Debian 12) passes '_', ' ', ';' and ':' through
 * untouched without IDN2_USE_STD3_ASCII_RULES, and with that flag it
 * silently drops them ("link_example.com" becomes "linkexample.com"), so
 * neither mode can be trusted to refuse them.  libidn2 is called one label
 * at a time, and only for labels that are non-ASCII or start with "xn--":
 * on whole names it refuses valid ASCII labels such as "ab--cd". */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <libpsl.h>

#include "lw/domain.h"
#include "lw/nls.h"

#define NAME_MAX_LEN 253
#define LABEL_MAX_LEN 63
#define SHOW_MAX 60   /* code points of untrusted text shown in a message */
#define SHOW_BUF 1024 /* room for SHOW_MAX escaped code points */

static const char *const example_name = "link.example.com";

/* ---- public suffix list ---- */

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl_ctx;

static void
psl_load(void)
{
    /* psl_latest picks the newer of the built-in list and the distribution
     * file (/usr/share/publicsuffix), so a newer publicsuffix package is
     * used without rebuilding libpsl.  Kept for the life of the process. */
    psl_ctx = psl_latest(NULL);
    if (psl_ctx == NULL)
        psl_ctx = psl_builtin();
}

static const psl_ctx_t *
psl_get(void)
{
    (void)pthread_once(&psl_once, psl_load);
    return psl_ctx;
}

/* ---- small character helpers ---- */

static bool
is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-';
}

static bool
is_upper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

/* Locale-independent: tolower() would map 'I' to a dotless i in a Turkish
 * locale's single-byte charset. */
static char
to_lower(char c)
{
    return is_upper((unsigned char)c) ? (char)(c - 'A' + 'a') : c;
}

static bool
ci_prefix(const char *s, size_t len, const char *prefix)
{
    size_t i, n = strlen(prefix);

    if (len < n)
        return false;
    for (i = 0; i < n; i++)
        if (to_lower(s[i]) != prefix[i])
            return false;
    return true;
}

/* Decode one UTF-8 sequence; returns its length, or 0 when it is not valid
 * (truncated, overlong, surrogate, beyond U+10FFFF). */
static size_t
utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    size_t n, i;
    uint32_t c, min;

    if (len == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2, c = s[0] & 0x1f, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3, c = s[0] & 0x0f, min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Code points that are invisible, change how a terminal lays out the
 * message, or look like a plain space: shown escaped, so that the operator
 * sees what is really there. */
static bool
is_unclear(uint32_t c)
{
    return (c >= 0x80 && c <= 0xa0) || c == 0xad || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) ||
           (c >= 0x205f && c <= 0x2069) || c == 0x3000 || c == 0xfeff ||
           (c >= 0xfff9 && c <= 0xfffb);
}

static void
show_ctl(unsigned char c, char *tmp, size_t tmpsz)
{
    switch (c) {
    case '\n':
        snprintf(tmp, tmpsz, "\\n");
        break;
    case '\t':
        snprintf(tmp, tmpsz, "\\t");
        break;
    case '\r':
        snprintf(tmp, tmpsz, "\\r");
        break;
    default:
        snprintf(tmp, tmpsz, "\\x%02x", c);
        break;
    }
}

/* Copy untrusted text into out for a message: control and invisible
 * characters escaped ("\n", "\x1b", "\u{202E}"), invalid UTF-8 bytes as
 * "\xff", at most SHOW_MAX code points then "...". */
static void
show(const char *s, size_t len, char *out, size_t outsz)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0, shown = 0, n;
    char tmp[16];
    uint32_t cp;

    out[0] = '\0';
    while (i < len) {
        if (shown == SHOW_MAX) {
            snprintf(tmp, sizeof(tmp), "...");
            n = strlen(tmp);
            if (o + n < outsz)
                memcpy(out + o, tmp, n), o += n;
            break;
        }
        n = utf8_next(p + i, len - i, &cp);
        if (n == 0) {
            snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
            n = 1;
        } else if (cp < 0x20 || cp == 0x7f) {
            show_ctl((unsigned char)cp, tmp, sizeof(tmp));
        } else if (is_unclear(cp)) {
            snprintf(tmp, sizeof(tmp), "\\u{%04X}", (unsigned)cp);
        } else {
            if (n >= sizeof(tmp))
                break;
            memcpy(tmp, p + i, n);
            tmp[n] = '\0';
        }
        i += n;
        shown++;
        n = strlen(tmp);
        if (o + n >= outsz)
            break;
        memcpy(out + o, tmp, n);
        o += n;
    }
    out[o] = '\0';
}

/* White space around a pasted name: ASCII, and the invisible kinds that
 * come along when copying from a web page or a Windows file. */
static size_t
space_at(const char *s, size_t len)
{
    static const char *const seqs[] = {
        "\xc2\xa0",     /* no-break space */
        "\xe2\x80\x8b", /* zero width space */
        "\xe3\x80\x80", /* ideographic space */
        "\xef\xbb\xbf", /* byte order mark */
    };
    size_t i, n;

    if (len > 0 && strchr(" \t\n\r\v\f", s[0]) != NULL && s[0] != '\0')
        return 1;
    for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
        n = strlen(seqs[i]);
        if (len >= n && memcmp(s, seqs[i], n) == 0)
            return n;
    }
    return 0;
}

static size_t
space_before(const char *s, size_t len)
{
    size_t n;

    for (n = 1; n <= 3 && n <= len; n++)
        if (space_at(s + len - n, n) == n)
            return n;
    return 0;
}

/* ---- refusals ---- */

struct parser {
    struct lw_domain *d;
    struct lw_err *err;
    bool suggest;     /* look for an accepted form (not when nested) */
    const char *host; /* the host part of the input: after trimming */
    size_t hostlen;   /* and removing http(s)://, /path, ?, # */
};

static enum lw_status parse(const char *in, size_t len, struct lw_domain *d,
                            struct lw_err *err, bool suggest);

/* Refuse with a message; when accepted is set, it is the normalized form
 * the operator probably meant, and the message says so. */
static enum lw_status refuse(struct parser *ps, const char *accepted,
                             const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum lw_status
refuse(struct parser *ps, const char *accepted, const char *fmt, ...)
{
    char msg[LW_ERR_MSG_MAX];
    va_list ap;

    if (ps->err == NULL)
        return LW_ERR_INPUT;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (accepted != NULL && *accepted != '\0')
        /* TRANSLATORS: the first %s is a whole error message, the second
         * a host name, e.g. "... (accepted: link.example.com)". */
        return lw_err_set(ps->err, LW_ERR_INPUT, _("%s (accepted: %s)"), msg,
                          accepted);
    return lw_err_set(ps->err, LW_ERR_INPUT, "%s", msg);
}

static void
hint_charset(struct parser *ps)
{
    lw_err_hint(ps->err,
                _("A host name contains only letters, digits, "
                  "hyphens and dots, e.g. %s."),
                example_name);
}

/* Normalized form of s[0..len), or "" when that does not parse either. */
static void
try_accept(const struct parser *ps, const char *s, size_t len,
           char out[LW_DOMAIN_MAX])
{
    struct lw_domain tmp;

    out[0] = '\0';
    if (!ps->suggest || len == 0)
        return;
    if (parse(s, len, &tmp, NULL, false) == LW_OK)
        memcpy(out, tmp.name, LW_DOMAIN_MAX);
}

/* The host without the stray punctuation that comes with copying it out
 * of a document or a config file: quotes, ';', braces, brackets. */
static void
accept_trimmed(const struct parser *ps, char out[LW_DOMAIN_MAX])
{
    static const char junk[] = "\"'`;,{}()<>";
    const char *s = ps->host;
    size_t len = ps->hostlen;

    while (len > 0 && strchr(junk, s[0]) != NULL)
        s++, len--;
    while (len > 0 && strchr(junk, s[len - 1]) != NULL)
        len--;
    if (len == ps->hostlen) {
        out[0] = '\0';
        return;
    }
    try_accept(ps, s, len, out);
}

static bool
is_ipv4(const char *s, size_t len)
{
    char buf[INET_ADDRSTRLEN + 1];
    struct in_addr a;

    if (len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return inet_pton(AF_INET, buf, &a) == 1;
}

static bool
is_ipv6(const char *s, size_t len)
{
    char buf[INET6_ADDRSTRLEN + 1];
    struct in6_addr a;

    if (len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return inet_pton(AF_INET6, buf, &a) == 1;
}

static enum lw_status
refuse_address(struct parser *ps, const char *s, size_t len)
{
    char shown[SHOW_BUF];

    show(s, len, shown, sizeof(shown));
    return refuse(ps, NULL,
                  _("\"%s\" is an IP address; use a host name, not an "
                    "address"),
                  shown);
}

/* ':' in the host: an IPv6 address, a port, or a stray character. */
static enum lw_status
refuse_colon(struct parser *ps, size_t at)
{
    const char *h = ps->host;
    size_t len = ps->hostlen, i;
    char shown[SHOW_BUF], accepted[LW_DOMAIN_MAX];
    bool digits = true;

    if (is_ipv6(h, len))
        return refuse_address(ps, h, len);
    for (i = at + 1; i < len; i++)
        if (h[i] < '0' || h[i] > '9')
            digits = false;
    if (digits && len - at - 1 <= 5) {
        if (is_ipv4(h, at))
            return refuse_address(ps, h, at);
        show(h + at, len - at, shown, sizeof(shown));
        try_accept(ps, h, at, accepted);
        return refuse(ps, accepted,
                      _("a port is not part of the domain; remove \"%s\""),
                      shown);
    }
    if (memchr(h, '@', len) != NULL) {
        show(h, len, shown, sizeof(shown));
        return refuse(ps, NULL,
                      _("\"@\" is not allowed in a host name: \"%s\"; enter "
                        "only the host name, without a user name"),
                      shown);
    }
    show(h, len, shown, sizeof(shown));
    refuse(ps, NULL,
           _("the character \":\" is not allowed in a host name: "
             "\"%s\""),
           shown);
    hint_charset(ps);
    return LW_ERR_INPUT;
}

/* The first character of the host that no host name can contain. */
static enum lw_status
refuse_char(struct parser *ps, size_t at)
{
    const char *h = ps->host;
    unsigned char c = (unsigned char)h[at];
    char shown[SHOW_BUF], ch[16], accepted[LW_DOMAIN_MAX];
    enum lw_status st;

    show(h, ps->hostlen, shown, sizeof(shown));
    accepted[0] = '\0';
    if (c < 0x20 || c == 0x7f) {
        show_ctl(c, ch, sizeof(ch));
        return refuse(ps, NULL,
                      _("the domain contains a control character (%s): "
                        "\"%s\"; enter the name on one line, without tabs"),
                      ch, shown);
    }
    switch (c) {
    case ':':
        return refuse_colon(ps, at);
    case ' ':
        return refuse(ps, NULL,
                      _("the domain contains a space: \"%s\"; a host name "
                        "cannot contain spaces"),
                      shown);
    case '/':
    case '?':
    case '#':
        try_accept(ps, h, at, accepted);
        return refuse(ps, accepted,
                      _("the character \"%c\" is not allowed in a host name: "
                        "\"%s\"; enter only the host name, without a path"),
                      c, shown);
    case '"':
    case '\'':
    case '`':
        accept_trimmed(ps, accepted);
        return refuse(ps, accepted,
                      _("the domain contains a quote (%c): \"%s\"; enter the "
                        "name without quotes"),
                      c, shown);
    case '_':
        st = refuse(ps, NULL,
                    _("underscores (_) are not allowed in host names: "
                      "\"%s\""),
                    shown);
        hint_charset(ps);
        return st;
    case '*':
        return refuse(ps, NULL,
                      _("wildcards (*) are not allowed: \"%s\"; enter the "
                        "exact host name, e.g. %s"),
                      shown, example_name);
    case '@':
        return refuse(ps, NULL,
                      _("\"@\" is not allowed in a host name: \"%s\"; enter "
                        "only the host name, not an email address"),
                      shown);
    default:
        accept_trimmed(ps, accepted);
        st = refuse(ps, accepted,
                    _("the character \"%c\" is not allowed in a host name: "
                      "\"%s\""),
                    c, shown);
        hint_charset(ps);
        return st;
    }
}

/* ---- labels ---- */

/* Append one checked, lower-case A-label to d->name (the length is checked
 * by the caller; past the limit, only the count grows). */
static void
put_label(struct parser *ps, const char *label, size_t len, size_t *total)
{
    char *name = ps->d->name;

    if (*total > 0) {
        if (*total < NAME_MAX_LEN)
            name[*total] = '.';
        (*total)++;
    }
    if (*total + len <= NAME_MAX_LEN)
        memcpy(name + *total, label, len);
    *total += len;
    if (*total <= NAME_MAX_LEN)
        name[*total] = '\0';
}

static enum lw_status
refuse_label_len(struct parser *ps, int pos, const char *label, size_t len,
                 size_t shownlen)
{
    char shown[SHOW_BUF];

    show(label, shownlen, shown, sizeof(shown));
    return refuse(ps, NULL,
                  P_("label %d (\"%s\") is %zu character long; a label (the "
                     "part between dots) can have at most 63",
                     "label %d (\"%s\") is %zu characters long; a label (the "
                     "part between dots) can have at most 63",
                     len),
                  pos, shown, len);
}

/* A label that libidn2 has to look at: non-ASCII, or an "xn--" A-label
 * whose punycode must be checked.  Appends the A-label. */
static enum lw_status
idn_label(struct parser *ps, int pos, const char *label, size_t len, bool ascii,
          size_t *total)
{
    char shown[SHOW_BUF], shown2[SHOW_BUF], *copy;
    uint8_t *out = NULL;
    size_t i, olen;
    enum lw_status st = LW_OK;
    int rc;

    copy = malloc(len + 1);
    if (copy == NULL)
        return lw_err_set(ps->err, LW_ERR_NOMEM, "%s", _("out of memory"));
    for (i = 0; i < len; i++)
        copy[i] = to_lower(label[i]);
    copy[len] = '\0';
    show(label, len, shown, sizeof(shown));
    rc = idn2_lookup_u8((const uint8_t *)copy, &out,
                        IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK && ascii) {
        st = refuse(ps, NULL,
                    _("label %d (\"%s\") starts with \"xn--\" but is not a "
                      "valid international (punycode) label: %s"),
                    pos, shown, idn2_strerror(rc));
        goto out;
    }
    if (rc == IDN2_TOO_BIG_LABEL || rc == IDN2_PUNYCODE_OVERFLOW) {
        st = refuse(ps, NULL,
                    _("label %d (\"%s\") is longer than 63 characters in its "
                      "ASCII form; a label (the part between dots) can have "
                      "at most 63"),
                    pos, shown);
        goto out;
    }
    if (rc != IDN2_OK) {
        st = refuse(ps, NULL,
                    _("label %d (\"%s\") is not a valid international name: "
                      "%s"),
                    pos, shown, idn2_strerror(rc));
        goto out;
    }
    /* TR46 maps some characters onto ASCII that a host name cannot hold
     * (a no-break space becomes ' '), or onto nothing at all. */
    olen = strlen((const char *)out);
    for (i = 0; i < olen; i++)
        if (!is_ldh(out[i]))
            break;
    if (olen == 0 || i < olen || out[0] == '-' || out[olen - 1] == '-') {
        show((const char *)out, olen, shown2, sizeof(shown2));
        st = refuse(ps, NULL,
                    _("label %d (\"%s\") becomes \"%s\" in ASCII, which is not "
                      "a valid host name label"),
                    pos, shown, shown2);
        goto out;
    }
    if (olen > LABEL_MAX_LEN) {
        st = refuse_label_len(ps, pos, (const char *)out, olen, olen);
        goto out;
    }
    if (!ascii)
        ps->d->notes |= LW_DOMAIN_NOTE_IDN;
    put_label(ps, (const char *)out, olen, total);
out:
    idn2_free(out);
    free(copy);
    return st;
}

static enum lw_status
check_label(struct parser *ps, int pos, const char *label, size_t len,
            size_t *total)
{
    char shown[SHOW_BUF], lower[LABEL_MAX_LEN];
    bool ascii = true;
    size_t i;

    for (i = 0; i < len; i++)
        if ((unsigned char)label[i] >= 0x80)
            ascii = false;
    show(label, len, shown, sizeof(shown));
    if (label[0] == '-')
        return refuse(ps, NULL,
                      _("label %d (\"%s\") starts with a hyphen; a label "
                        "cannot start or end with \"-\""),
                      pos, shown);
    if (label[len - 1] == '-')
        return refuse(ps, NULL,
                      _("label %d (\"%s\") ends with a hyphen; a label "
                        "cannot start or end with \"-\""),
                      pos, shown);
    if (ascii && len > LABEL_MAX_LEN)
        return refuse_label_len(ps, pos, label, len, len);
    if (!ascii || ci_prefix(label, len, "xn--"))
        return idn_label(ps, pos, label, len, ascii, total);
    for (i = 0; i < len; i++)
        lower[i] = to_lower(label[i]);
    put_label(ps, lower, len, total);
    return LW_OK;
}

/* Copy the host, with the full stops that IDNA treats as dots (U+3002,
 * U+FF0E, U+FF61) turned into '.'.  Checks the UTF-8 on the way. */
static enum lw_status
copy_host(struct parser *ps, char **out, size_t *outlen)
{
    const unsigned char *h = (const unsigned char *)ps->host;
    size_t i = 0, o = 0, n;
    char shown[SHOW_BUF], *buf;
    uint32_t cp;

    *out = NULL;
    buf = malloc(ps->hostlen + 1);
    if (buf == NULL)
        return lw_err_set(ps->err, LW_ERR_NOMEM, "%s", _("out of memory"));
    while (i < ps->hostlen) {
        n = utf8_next(h + i, ps->hostlen - i, &cp);
        if (n == 0) {
            show(ps->host, ps->hostlen, shown, sizeof(shown));
            free(buf);
            return refuse(ps, NULL,
                          _("the domain is not valid UTF-8 text: \"%s\""),
                          shown);
        }
        if (cp == 0x3002 || cp == 0xff0e || cp == 0xff61)
            buf[o++] = '.';
        else
            memcpy(buf + o, h + i, n), o += n;
        i += n;
    }
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return LW_OK;
}

/* ---- the whole name ---- */

static bool
all_digits(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return len > 0;
}

/* Single label, address, public suffix, zone: on the normalized name. */
static enum lw_status
check_name(struct parser *ps, int labels)
{
    struct lw_domain *d = ps->d;
    const char *last = strrchr(d->name, '.');
    const psl_ctx_t *psl = psl_get();
    const char *reg;
    enum lw_status st;

    last = last != NULL ? last + 1 : d->name;
    if (all_digits(last, strlen(last))) {
        if (is_ipv4(d->name, strlen(d->name)))
            return refuse_address(ps, d->name, strlen(d->name));
        return refuse(ps, NULL,
                      _("\"%s\" ends in a numeric label (\"%s\"), which no "
                        "top-level domain has; use a host name, not an "
                        "address"),
                      d->name, last);
    }
    if (psl == NULL)
        return lw_err_set(ps->err, LW_ERR_INTERNAL, "%s",
                          _("cannot load the public suffix list (libpsl); "
                            "install the publicsuffix package"));
    /* "com" is a public suffix; "localhost" is merely a single label (it
     * matches only the list's implicit "*" rule). */
    if (labels == 1 &&
        !psl_is_public_suffix2(psl, d->name,
                               PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE)) {
        st = refuse(ps, NULL,
                    _("\"%s\" is a single label, not a full host name; enter "
                      "the name that tracked links will use, e.g. %s"),
                    d->name, example_name);
        return st;
    }
    reg = psl_registrable_domain(psl, d->name);
    if (psl_is_public_suffix(psl, d->name) || reg == NULL) {
        st = refuse(ps, NULL,
                    _("\"%s\" is a public suffix, under which anyone can "
                      "register names; it cannot be your link domain"),
                    d->name);
        lw_err_hint(ps->err,
                    _("Enter a host name in a domain you own, e.g. "
                      "link.example.%s."),
                    d->name);
        return st;
    }
    memcpy(d->zone, reg, strlen(reg) + 1);
    d->apex = strcmp(d->name, d->zone) == 0;
    return LW_OK;
}

static void
make_display(struct lw_domain *d)
{
    char *u = NULL;
    size_t n;

    memcpy(d->display, d->name, sizeof(d->name));
    if ((d->notes & LW_DOMAIN_NOTE_IDN) == 0 && strstr(d->name, "xn--") == NULL)
        return;
    /* Every xn-- label has passed idn2_lookup_u8 already: in libidn2
     * 2.3.3 idn2_to_unicode_8z8z does not validate, it just decodes. */
    if (idn2_to_unicode_8z8z(d->name, &u, 0) == IDN2_OK && u != NULL) {
        n = strlen(u);
        if (n < sizeof(d->display))
            memcpy(d->display, u, n + 1);
    }
    idn2_free(u);
}

/* Labels, lengths, then the checks on the whole name. */
static enum lw_status
parse_host(struct parser *ps)
{
    struct lw_domain *d = ps->d;
    char shown[SHOW_BUF], *host = NULL, *p, *dot;
    size_t len = 0, total = 0;
    enum lw_status st;
    int pos = 0;

    st = copy_host(ps, &host, &len);
    if (st != LW_OK)
        return st;
    if (len > 1 && host[len - 1] == '.' && host[len - 2] != '.') {
        host[--len] = '\0';
        d->notes |= LW_DOMAIN_NOTE_DOT;
    }
    for (p = host; p <= host + len; p = dot + 1) {
        /* copy_host sets host whenever it returns LW_OK:
         * NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
        dot = memchr(p, '.', (size_t)(host + len - p));
        if (dot == NULL)
            dot = host + len;
        pos++;
        if (dot == p) {
            show(ps->host, ps->hostlen, shown, sizeof(shown));
            st = refuse(ps, NULL,
                        _("label %d of \"%s\" is empty: the name has two "
                          "dots in a row, or starts or ends with a dot"),
                        pos, shown);
            goto out;
        }
        st = check_label(ps, pos, p, (size_t)(dot - p), &total);
        if (st != LW_OK)
            goto out;
    }
    if (total > NAME_MAX_LEN) {
        st = refuse(ps, NULL,
                    P_("the name is %zu character long; a host name can "
                       "have at most 253",
                       "the name is %zu characters long; a host name can "
                       "have at most 253",
                       total),
                    total);
        goto out;
    }
    st = check_name(ps, pos);
    if (st == LW_OK)
        make_display(d);
out:
    free(host);
    return st;
}

/* Strip what comes with a pasted URL; refuse other schemes. */
static enum lw_status
strip_url(struct parser *ps, const char **s, const char **e)
{
    static const char *const schemes[] = {"https://", "http://"};
    const char *p, *sep;
    char shown[SHOW_BUF], accepted[LW_DOMAIN_MAX];
    size_t i, n;

    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        n = strlen(schemes[i]);
        if (!ci_prefix(*s, (size_t)(*e - *s), schemes[i]))
            continue;
        memcpy(ps->d->url_scheme, schemes[i], n - 3);
        ps->d->url_scheme[n - 3] = '\0';
        ps->d->notes |= LW_DOMAIN_NOTE_URL;
        *s += n;
        for (p = *s; p < *e; p++)
            if (*p == '/' || *p == '?' || *p == '#')
                break;
        if (p < *e)
            ps->d->url_path = true;
        *e = p;
        return LW_OK;
    }
    /* "ftp://host": a scheme is letters, digits, '+', '-', '.' */
    sep = NULL;
    for (p = *s; p + 3 <= *e; p++) {
        if (memcmp(p, "://", 3) == 0) {
            sep = p;
            break;
        }
        if (!is_ldh((unsigned char)*p) && *p != '+' && *p != '.')
            break;
    }
    if (sep == NULL || sep == *s)
        return LW_OK;
    show(*s, (size_t)(sep - *s) + 3, shown, sizeof(shown));
    for (p = sep + 3; p < *e; p++)
        if (*p == '/' || *p == '?' || *p == '#')
            break;
    try_accept(ps, sep + 3, (size_t)(p - sep - 3), accepted);
    return refuse(ps, accepted,
                  _("only the host name is used, and \"%s\" is not a web "
                    "address; remove it"),
                  shown);
}

static enum lw_status
parse(const char *in, size_t len, struct lw_domain *d, struct lw_err *err,
      bool suggest)
{
    /* cppcheck-suppress ctuuninitvar ; d is only written (memset below) */
    struct parser ps = {d, err, suggest, NULL, 0};
    const char *s = in, *e = in + len;
    char shown[SHOW_BUF];
    enum lw_status st;
    size_t n, i;

    memset(d, 0, sizeof(*d));
    while ((n = space_at(s, (size_t)(e - s))) > 0)
        s += n;
    while ((n = space_before(s, (size_t)(e - s))) > 0)
        e -= n;
    if (s != in || e != in + len)
        d->notes |= LW_DOMAIN_NOTE_TRIMMED;
    if (s == e)
        goto empty;
    st = strip_url(&ps, &s, &e);
    if (st != LW_OK)
        return st;
    if (s == e)
        goto empty;
    ps.host = s;
    ps.hostlen = (size_t)(e - s);
    if (s[0] == '[' && e[-1] == ']' && is_ipv6(s + 1, ps.hostlen - 2))
        return refuse_address(&ps, s, ps.hostlen);
    for (i = 0; i < ps.hostlen; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x80 || c == '.' || is_ldh(c)) {
            if (is_upper(c))
                d->notes |= LW_DOMAIN_NOTE_LOWERED;
            continue;
        }
        return refuse_char(&ps, i);
    }
    return parse_host(&ps);
empty:
    if ((d->notes & LW_DOMAIN_NOTE_URL) != 0) {
        show(in, len, shown, sizeof(shown));
        return refuse(&ps, NULL,
                      _("there is no host name in \"%s\"; enter the name "
                        "that tracked links will use, e.g. %s"),
                      shown, example_name);
    }
    return refuse(&ps, NULL,
                  _("the domain is empty; enter the name that tracked links "
                    "will use, e.g. %s"),
                  example_name);
}

/* ---- public ---- */

enum lw_status
lw_domain_parse(const char *input, struct lw_domain *d, struct lw_err *err)
{
    struct lw_domain tmp;
    enum lw_status st;

    if (d == NULL)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: no place for the domain"));
    st = parse(input != NULL ? input : "", input != NULL ? strlen(input) : 0,
               &tmp, err, true);
    if (st != LW_OK) {
        memset(d, 0, sizeof(*d));
        return st;
    }
    *d = tmp;
    lw_err_clear(err);
    return LW_OK;
}

void
lw_domain_describe_notes(const struct lw_domain *d, struct lw_buf *out)
{
    const char *scheme;

    if (d == NULL || out == NULL)
        return;
    if (d->notes & LW_DOMAIN_NOTE_TRIMMED) {
        lw_buf_puts(out, _("Removed the spaces around the name."));
        lw_buf_putc(out, '\n');
    }
    if (d->notes & LW_DOMAIN_NOTE_URL) {
        scheme = d->url_scheme[0] != '\0' ? d->url_scheme : "https";
        if (d->url_path)
            lw_buf_printf(out,
                          _("Removed \"%s://\" and the path: only the host "
                            "name is used."),
                          scheme);
        else
            lw_buf_printf(out,
                          _("Removed \"%s://\": only the host name is used."),
                          scheme);
        lw_buf_putc(out, '\n');
    }
    if (d->notes & LW_DOMAIN_NOTE_LOWERED) {
        lw_buf_puts(out, _("Converted to lower case."));
        lw_buf_putc(out, '\n');
    }
    if (d->notes & LW_DOMAIN_NOTE_DOT) {
        lw_buf_puts(out, _("Removed the trailing dot."));
        lw_buf_putc(out, '\n');
    }
    if (d->notes & LW_DOMAIN_NOTE_IDN) {
        lw_buf_printf(out,
                      _("Converted the international name to its ASCII form "
                        "%s."),
                      d->name);
        lw_buf_putc(out, '\n');
    }
}

bool
lw_domain_is_normalized(const char *name)
{
    size_t i, label = 0, labels = 1, len;
    const char *last;

    if (name == NULL)
        return false;
    len = strnlen(name, NAME_MAX_LEN + 1);
    if (len == 0 || len > NAME_MAX_LEN)
        return false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if (c == '.') {
            if (label == 0 || name[i - 1] == '-')
                return false;
            label = 0;
            labels++;
            continue;
        }
        if (!is_ldh(c) || is_upper(c) || (c == '-' && label == 0))
            return false;
        if (++label > LABEL_MAX_LEN)
            return false;
    }
    if (label == 0 || name[len - 1] == '-' || labels < 2)
        return false;
    /* parse() never gives a numeric top-level label (an address) */
    last = strrchr(name, '.') + 1;
    return !all_digits(last, strlen(last));
}

bool
lw_domain_zone(const char *name, char *zone)
{
    const psl_ctx_t *psl = psl_get();
    const char *reg;

    if (zone != NULL)
        zone[0] = '\0';
    if (psl == NULL || !lw_domain_is_normalized(name) ||
        psl_is_public_suffix(psl, name))
        return false;
    reg = psl_registrable_domain(psl, name);
    if (reg == NULL)
        return false;
    if (zone != NULL)
        memcpy(zone, reg, strlen(reg) + 1);
    return true;
}
