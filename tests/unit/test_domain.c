/* test_domain.c - host name validation and normalization (lw/domain.h).
 *
 * Table-driven: one TAP line per row.  Every refusal is also checked for
 * the things every domain message must do: be non-empty, carry no raw
 * control character, and leave the output struct cleared. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lw/buf.h"
#include "lw/domain.h"
#include "lw/status.h"

#define TR LW_DOMAIN_NOTE_TRIMMED
#define URL LW_DOMAIN_NOTE_URL
#define LOW LW_DOMAIN_NOTE_LOWERED
#define DOT LW_DOMAIN_NOTE_DOT
#define IDN LW_DOMAIN_NOTE_IDN

#define A63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B63 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C63 "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define D57 "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
/* 63+1+63+1+63+1+57+4 = 253 characters; one more 'd' makes 254. */
#define NAME253 A63 "." B63 "." C63 "." D57 ".com"
#define NAME254 A63 "." B63 "." C63 "." D57 "d.com"

/* ---- lw_domain_parse ---- */

struct parse_case {
    const char *title;
    const char *input;
    enum lw_status status;
    /* on success */
    const char *name;
    const char *display; /* NULL: the same as name */
    const char *zone;
    bool apex;
    unsigned notes;
    /* on refusal: parts the message must contain, and must not */
    const char *msg[3];
    const char *not_in_msg;
};

#define OK_(t, in, nm, disp, zn, ap, nt)                                       \
    {                                                                          \
        t, in, LW_OK, nm, disp, zn, ap, nt, {NULL, NULL, NULL}, NULL           \
    }
#define NO_(t, in, m1, m2, m3, bad)                                            \
    {                                                                          \
        t, in, LW_ERR_INPUT, NULL, NULL, NULL, false, 0, {m1, m2, m3}, bad     \
    }

static const struct parse_case parse_cases[] = {
    /* accepted, with what normalization did */
    OK_("plain", "link.example.com", "link.example.com", NULL, "example.com",
        false, 0),
    OK_("upper case and trailing dot", "Link.Example.COM.", "link.example.com",
        NULL, "example.com", false, LOW | DOT),
    OK_("https URL with slash", "https://link.example.com/", "link.example.com",
        NULL, "example.com", false, URL),
    OK_("http URL, no path", "http://link.example.com", "link.example.com",
        NULL, "example.com", false, URL),
    OK_("URL with query and fragment", "HTTPS://link.example.com?x=1#top",
        "link.example.com", NULL, "example.com", false, URL),
    OK_("spaces around", "  link.example.com  ", "link.example.com", NULL,
        "example.com", false, TR),
    OK_("pasted line with newline", "link.example.com\r\n", "link.example.com",
        NULL, "example.com", false, TR),
    OK_("no-break space and BOM around", "\xc2\xa0link.example.com\xef\xbb\xbf",
        "link.example.com", NULL, "example.com", false, TR),
    OK_("apex", "example.com", "example.com", NULL, "example.com", true, 0),
    OK_("under co.uk", "link.example.co.uk", "link.example.co.uk", NULL,
        "example.co.uk", false, 0),
    OK_("apex under co.uk", "example.co.uk", "example.co.uk", NULL,
        "example.co.uk", true, 0),
    OK_("unknown TLD for tests", "link.example.test", "link.example.test", NULL,
        "example.test", false, 0),
    OK_("253 characters", NAME253, NAME253, NULL, D57 ".com", false, 0),
    OK_("63-character label", A63 ".example.com", A63 ".example.com", NULL,
        "example.com", false, 0),
    OK_("double hyphen in an ASCII label", "ab--cd.example.com",
        "ab--cd.example.com", NULL, "example.com", false, 0),
    OK_("IDN to A-label", "bücher.example.com", "xn--bcher-kva.example.com",
        "bücher.example.com", "example.com", false, IDN),
    OK_("IDN upper case", "ÜBER.Example.com", "xn--ber-goa.example.com",
        "über.example.com", "example.com", false, LOW | IDN),
    OK_("IDN ideographic full stop",
        "bücher\xe3\x80\x82"
        "example.com",
        "xn--bcher-kva.example.com", "bücher.example.com", "example.com", false,
        IDN),
    OK_("sharp s non-transitional", "faß.example.de", "xn--fa-hia.example.de",
        "faß.example.de", "example.de", false, IDN),
    OK_("fullwidth letters", "ｌｉｎｋ.example.com", "link.example.com", NULL,
        "example.com", false, IDN),
    OK_("A-label kept, shown as U-label", "xn--bcher-kva.example.com",
        "xn--bcher-kva.example.com", "bücher.example.com", "example.com", false,
        0),
    OK_("A-label in upper case", "XN--BCHER-KVA.example.com",
        "xn--bcher-kva.example.com", "bücher.example.com", "example.com", false,
        LOW),
    OK_("IDN zone", "link.bücher.de", "link.xn--bcher-kva.de", "link.bücher.de",
        "xn--bcher-kva.de", false, IDN),

    /* refused */
    NO_("empty", "", "the domain is empty", "link.example.com", NULL, NULL),
    NO_("white space only", " \t \n", "the domain is empty", NULL, NULL, NULL),
    NO_("scheme only", "https://", "no host name in \"https://\"", NULL, NULL,
        NULL),
    NO_("port", "link.example.com:443",
        "a port is not part of the domain; remove \":443\"",
        "(accepted: link.example.com)", NULL, NULL),
    NO_("port in a URL", "HTTPS://Link.Example.com:8443/x", "\":8443\"",
        "(accepted: link.example.com)", NULL, NULL),
    NO_("address with port", "192.0.2.1:80", "\"192.0.2.1\" is an IP address",
        NULL, NULL, "accepted"),
    NO_("underscore", "link_example.com",
        "underscores (_) are not allowed in host names", "\"link_example.com\"",
        NULL, "accepted"),
    NO_("semicolon", "link.example.com;", "the character \";\" is not allowed",
        "(accepted: link.example.com)", NULL, NULL),
    NO_("path traversal", "../../etc/passwd", "the character \"/\"",
        "without a path", NULL, "accepted"),
    NO_("path without scheme", "link.example.com/click", "the character \"/\"",
        "(accepted: link.example.com)", NULL, NULL),
    NO_("newline inside", "link.example.com\nevil", "control character (\\n)",
        "\"link.example.com\\nevil\"", NULL, "accepted"),
    NO_("tab inside", "link\texample.com", "control character (\\t)",
        "\"link\\texample.com\"", NULL, NULL),
    NO_("escape inside", "link\x1b[2J.example.com", "control character (\\x1b)",
        NULL, NULL, "\x1b"),
    NO_("space inside", "link example.com", "contains a space",
        "\"link example.com\"", NULL, NULL),
    NO_("no-break space inside",
        "b\xc2\xa0"
        "c.example.com",
        "label 1 (\"b\\u{00A0}c\") becomes \"b c\" in ASCII", NULL, NULL, NULL),
    NO_("double quote after", "link.example.com\"", "quote (\")",
        "(accepted: link.example.com)", NULL, NULL),
    NO_("single quotes around", "'link.example.com'", "quote (')",
        "(accepted: link.example.com)", NULL, NULL),
    NO_("backquote", "`id`.example.com", "quote (`)", NULL, NULL, "accepted"),
    NO_("braces", "{x}.example.com", "the character \"{\" is not allowed",
        "\"{x}.example.com\"", NULL, "accepted"),
    NO_("backslash", "link\\x.example.com", "the character \"\\\"", NULL, NULL,
        NULL),
    NO_("dollar", "$host.example.com", "the character \"$\"", NULL, NULL, NULL),
    NO_("wildcard", "*.example.com", "wildcards (*) are not allowed",
        "\"*.example.com\"", NULL, "accepted"),
    NO_("email address", "user@example.com", "\"@\" is not allowed",
        "not an email address", NULL, NULL),
    NO_("user and password in URL", "https://u:p@link.example.com/",
        "\"@\" is not allowed", "without a user name", NULL, NULL),
    NO_("other scheme", "ftp://link.example.com/x", "\"ftp://\"",
        "(accepted: link.example.com)", NULL, NULL),
    NO_("two dots", "a..example.com", "label 2 of \"a..example.com\" is empty",
        NULL, NULL, NULL),
    NO_("leading dot", ".example.com", "label 1 of \".example.com\" is empty",
        NULL, NULL, NULL),
    NO_("two trailing dots", "example.com..", "label 3", "is empty", NULL,
        NULL),
    NO_("leading hyphen", "-link.example.com",
        "label 1 (\"-link\") starts with a hyphen", NULL, NULL, NULL),
    NO_("trailing hyphen", "link.example-.com",
        "label 2 (\"example-\") ends with a hyphen", NULL, NULL, NULL),
    NO_("64-character label", "link." A63 "a.example.com", "label 2",
        "is 64 characters long", "at most 63", NULL),
    NO_("254 characters", NAME254, "the name is 254 characters long",
        "at most 253", NULL, NULL),
    NO_("single label", "localhost", "\"localhost\" is a single label", NULL,
        NULL, NULL),
    NO_("public suffix co.uk", "co.uk", "\"co.uk\" is a public suffix", NULL,
        NULL, NULL),
    NO_("public suffix com", "com", "\"com\" is a public suffix", NULL, NULL,
        NULL),
    NO_("public suffix upper case", "CO.UK.", "\"co.uk\" is a public suffix",
        NULL, NULL, NULL),
    NO_("IPv4", "192.0.2.1", "\"192.0.2.1\" is an IP address",
        "use a host name, not an address", NULL, NULL),
    NO_("IPv6 in brackets", "[::1]", "\"[::1]\" is an IP address",
        "use a host name, not an address", NULL, NULL),
    NO_("IPv6 bare", "2001:db8::1", "\"2001:db8::1\" is an IP address", NULL,
        NULL, NULL),
    NO_("numeric top-level label", "1.2.3.4.5", "numeric label (\"5\")",
        "use a host name, not an address", NULL, NULL),
    NO_("bad punycode", "xn--zz.example.com", "label 1 (\"xn--zz\")",
        "not a valid international (punycode) label", "invalid punycode data",
        NULL),
    NO_("punycode of a forbidden character", "xn--a.example.com",
        "label 1 (\"xn--a\")", "punycode", NULL, NULL),
    NO_("emoji", "\xf0\x9f\x92\xa9.example.com",
        "is not a valid international name",
        "string contains a disallowed character", NULL, NULL),
    NO_("bidi override shown escaped",
        "a\xe2\x80\xae"
        "b.example.com",
        "label 1 (\"a\\u{202E}b\")", NULL, NULL, "\xe2\x80\xae"),
    NO_("invalid UTF-8", "\xff.example.com", "not valid UTF-8",
        "\"\\xff.example.com\"", NULL, "\xff"),
};

static void
check_clear(const struct lw_domain *d)
{
    assert_string_equal(d->name, "");
    assert_string_equal(d->zone, "");
    assert_int_equal(d->notes, 0);
    assert_false(d->apex);
}

static void
test_parse(void **state)
{
    const struct parse_case *c = *state;
    struct lw_domain d;
    struct lw_err err;
    enum lw_status st;
    size_t i;

    memset(&d, 0x5a, sizeof(d));
    lw_err_set(&err, LW_ERR_IO, "stale");
    st = lw_domain_parse(c->input, &d, &err);
    if (st != c->status)
        fail_msg("\"%s\": status %d, expected %d: %s", c->title, st, c->status,
                 err.msg);
    if (c->status == LW_OK) {
        assert_string_equal(d.name, c->name);
        assert_string_equal(d.display,
                            c->display != NULL ? c->display : c->name);
        assert_string_equal(d.zone, c->zone);
        assert_int_equal(d.apex, c->apex);
        assert_int_equal(d.notes, c->notes);
        assert_true(lw_domain_is_normalized(d.name));
        assert_int_equal(err.status, LW_OK);
        assert_string_equal(err.msg, "");
        return;
    }
    check_clear(&d);
    assert_int_equal(err.status, c->status);
    assert_true(err.msg[0] != '\0');
    for (i = 0; err.msg[i] != '\0'; i++)
        if ((unsigned char)err.msg[i] < 0x20 || err.msg[i] == 0x7f)
            fail_msg("raw control character 0x%02x in \"%s\"",
                     (unsigned char)err.msg[i], err.msg);
    for (i = 0; i < sizeof(c->msg) / sizeof(c->msg[0]); i++)
        if (c->msg[i] != NULL && strstr(err.msg, c->msg[i]) == NULL)
            fail_msg("message \"%s\" lacks \"%s\"", err.msg, c->msg[i]);
    if (c->not_in_msg != NULL && strstr(err.msg, c->not_in_msg) != NULL)
        fail_msg("message \"%s\" has \"%s\"", err.msg, c->not_in_msg);
}

/* NULL input is empty input; a NULL err is allowed. */
static void
test_parse_null(void **state)
{
    struct lw_domain d;
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_domain_parse(NULL, &d, &err), LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "empty"));
    assert_int_equal(lw_domain_parse("link.example.com:443", &d, NULL),
                     LW_ERR_INPUT);
    check_clear(&d);
    assert_int_equal(lw_domain_parse("link.example.com", &d, NULL), LW_OK);
    assert_string_equal(d.name, "link.example.com");
    assert_int_equal(lw_domain_parse("link.example.com", NULL, &err),
                     LW_ERR_INTERNAL);
}

/* A very long paste: refused with a bounded message, no overflow. */
static void
test_parse_huge(void **state)
{
    size_t n = 100000;
    char *in = malloc(n + 1);
    struct lw_domain d;
    struct lw_err err;

    (void)state;
    assert_non_null(in);
    memset(in, 'a', n);
    in[n / 2] = ';';
    in[n] = '\0';
    assert_int_equal(lw_domain_parse(in, &d, &err), LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "the character \";\""));
    assert_non_null(strstr(err.msg, "...\""));
    memset(in, 'a', n);
    in[n] = '\0';
    assert_int_equal(lw_domain_parse(in, &d, &err), LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "is 100000 characters long"));
    free(in);
}

/* ---- lw_domain_describe_notes ---- */

struct notes_case {
    const char *title;
    const char *input;
    const char *text;
};

static const struct notes_case notes_cases[] = {
    {"no notes", "link.example.com", ""},
    {"all notes", "  HTTPS://Bücher.Example.com./x?y ",
     "Removed the spaces around the name.\n"
     "Removed \"https://\" and the path: only the host name is used.\n"
     "Converted to lower case.\n"
     "Removed the trailing dot.\n"
     "Converted the international name to its ASCII form "
     "xn--bcher-kva.example.com.\n"},
    {"http without path", "http://link.example.com",
     "Removed \"http://\": only the host name is used.\n"},
    {"lower case and dot", "Link.Example.COM.",
     "Converted to lower case.\nRemoved the trailing dot.\n"},
};

static void
test_notes(void **state)
{
    const struct notes_case *c = *state;
    struct lw_buf b = LW_BUF_INIT;
    struct lw_domain d;
    struct lw_err err;

    assert_int_equal(lw_domain_parse(c->input, &d, &err), LW_OK);
    lw_buf_puts(&b, "");
    lw_domain_describe_notes(&d, &b);
    assert_true(lw_buf_ok(&b));
    assert_string_equal(b.data, c->text);
    lw_buf_free(&b);
}

/* ---- lw_domain_is_normalized ---- */

struct norm_case {
    const char *name;
    bool ok;
};

static const struct norm_case norm_cases[] = {
    {"link.example.com", true},
    {"xn--bcher-kva.example.com", true},
    {"a.b", true},
    {"ab--cd.example.com", true},
    {A63 ".example.com", true},
    {NAME253, true},
    {NULL, false},
    {"", false},
    {"Link.example.com", false},
    {"link.example.com.", false},
    {"localhost", false},
    {".example.com", false},
    {"a..example.com", false},
    {"-a.example.com", false},
    {"a-.example.com", false},
    {"a.example.com-", false},
    {"a_b.example.com", false},
    {"a b.example.com", false},
    {"link.example.com/x", false},
    {"link.example.com\n", false},
    {"../etc/passwd", false},
    {"bücher.example.com", false},
    {"a" A63 ".example.com", false},
    {NAME254, false},
    {"192.0.2.1", false},
};

static void
test_normalized(void **state)
{
    const struct norm_case *c = *state;

    if (lw_domain_is_normalized(c->name) != c->ok)
        fail_msg("\"%s\": expected %s", c->name ? c->name : "(null)",
                 c->ok ? "true" : "false");
}

/* ---- lw_domain_zone ---- */

struct zone_case {
    const char *name;
    bool ok;
    const char *zone;
};

static const struct zone_case zone_cases[] = {
    {"link.example.com", true, "example.com"},
    {"example.com", true, "example.com"},
    {"a.b.c.example.co.uk", true, "example.co.uk"},
    {"link.example.test", true, "example.test"},
    {"link.xn--bcher-kva.de", true, "xn--bcher-kva.de"},
    {"co.uk", false, ""},
    {"com", false, ""},
    {"Link.Example.com", false, ""},
    {NULL, false, ""},
};

static void
test_zone(void **state)
{
    const struct zone_case *c = *state;
    char zone[LW_DOMAIN_MAX];

    memset(zone, 'x', sizeof(zone));
    if (lw_domain_zone(c->name, zone) != c->ok)
        fail_msg("\"%s\": expected %s", c->name ? c->name : "(null)",
                 c->ok ? "true" : "false");
    assert_string_equal(zone, c->zone);
}

/* ---- runner ---- */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int
main(void)
{
    size_t n = COUNT(parse_cases) + COUNT(notes_cases) + COUNT(norm_cases) +
               COUNT(zone_cases) + 2;
    struct CMUnitTest *t = calloc(n, sizeof(*t));
    char **names = calloc(n, sizeof(*names));
    size_t i, k = 0;
    int rc;

    if (t == NULL || names == NULL)
        return 1;
    for (i = 0; i < COUNT(parse_cases); i++, k++) {
        t[k].name = parse_cases[i].title;
        t[k].test_func = test_parse;
        t[k].initial_state = (void *)&parse_cases[i];
    }
    t[k].name = "parse: NULL arguments";
    t[k++].test_func = test_parse_null;
    t[k].name = "parse: 100000-byte input";
    t[k++].test_func = test_parse_huge;
    for (i = 0; i < COUNT(notes_cases); i++, k++) {
        t[k].name = notes_cases[i].title;
        t[k].test_func = test_notes;
        t[k].initial_state = (void *)&notes_cases[i];
    }
    for (i = 0; i < COUNT(norm_cases); i++, k++) {
        const char *nm = norm_cases[i].name;
        size_t len = 32 + (nm != NULL ? strlen(nm) : 6);

        names[k] = malloc(len);
        if (names[k] == NULL)
            return 1;
        /* Names in TAP output must stay on one line. */
        snprintf(names[k], len, "is_normalized(%s)",
                 nm == NULL         ? "NULL"
                 : strchr(nm, '\n') ? "with newline"
                                    : nm);
        t[k].name = names[k];
        t[k].test_func = test_normalized;
        t[k].initial_state = (void *)&norm_cases[i];
    }
    for (i = 0; i < COUNT(zone_cases); i++, k++) {
        const char *nm = zone_cases[i].name;
        size_t len = 32 + (nm != NULL ? strlen(nm) : 6);

        names[k] = malloc(len);
        if (names[k] == NULL)
            return 1;
        snprintf(names[k], len, "zone(%s)", nm == NULL ? "NULL" : nm);
        t[k].name = names[k];
        t[k].test_func = test_zone;
        t[k].initial_state = (void *)&zone_cases[i];
    }
    rc = _cmocka_run_group_tests("domain", t, k, NULL, NULL);
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(t);
    return rc;
}
