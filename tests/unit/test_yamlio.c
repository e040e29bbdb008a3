/* test_yamlio.c - the YAML tree reader, typed reads and the writer. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lw/yamlio.h"

#define NAME "t.yaml"

/* ---- parse: refusals and acceptances ----------------------------------- */

struct parse_case {
    const char *what;
    const char *doc;
    enum lw_status status;
    const char *msg; /* substring of the message; NULL when OK */
};

static const struct parse_case parse_cases[] = {
    {"plain map", "a: 1\nb: [x, y]\nc: {d: e}\n", LW_OK, NULL},
    {"empty document", "", LW_OK, NULL},
    {"comments only", "# nothing here\n", LW_OK, NULL},
    {"document marker only", "---\n", LW_OK, NULL},
    {"standard tags", "a: !!str 12\nb: !!int 3\nc: !!map {x: 1}\n", LW_OK,
     NULL},
    {"anchor", "a: &x 1\nb: *x\n", LW_ERR_INPUT,
     NAME ":1: anchors (&x) are not allowed"},
    {"anchor on mapping", "a: 1\nb: &m {x: 1}\n", LW_ERR_INPUT,
     NAME ":2: anchors (&m) are not allowed"},
    {"alias without anchor", "a: *nothing\n", LW_ERR_INPUT, NAME ":1: "},
    {"duplicate key", "a: 1\nb: 2\na: 3\n", LW_ERR_INPUT,
     NAME ":3: duplicate key \"a\" (it is already at line 1)"},
    {"duplicate quoted key", "x:\n  k: 1\n  'k': 2\n", LW_ERR_INPUT,
     NAME ":3: duplicate key \"k\" (it is already at line 2)"},
    {"sequence key", "? [a, b]\n: 1\n", LW_ERR_INPUT,
     NAME ":1: a key must be text, not a mapping or a list"},
    {"mapping key in flow", "{ {a: 1}: 2 }\n", LW_ERR_INPUT,
     "a key must be text"},
    {"two documents", "a: 1\n---\nb: 2\n", LW_ERR_INPUT,
     NAME ":2: a second YAML document"},
    {"binary tag", "a: !!binary aGVsbG8=\n", LW_ERR_INPUT,
     NAME ":1: the tag \"tag:yaml.org,2002:binary\" is not allowed here"},
    {"local tag", "a: !thing x\n", LW_ERR_INPUT,
     NAME ":1: the tag \"!thing\" is not allowed here"},
    {"seq tag on map", "a: !!seq {x: 1}\n", LW_ERR_INPUT,
     "the tag \"tag:yaml.org,2002:seq\" is not allowed here"},
    {"unclosed flow", "a: [1, 2\nb: 3\n", LW_ERR_INPUT, "not valid YAML: "},
    {"bad indentation", "a:\n  b: 1\n c: 2\n", LW_ERR_INPUT,
     NAME ":3: not valid YAML: did not find expected key"},
    {"tab indentation", "a:\n\tb: 1\n", LW_ERR_INPUT,
     NAME ":2: not valid YAML: found character that cannot start any token"},
    {"garbage bytes", "\xff\xfe\x01\x02garbage\x80", LW_ERR_INPUT,
     NAME ":1: not a readable YAML text file: "},
    {"control character", "a: 1\nb: x\x01y\n", LW_ERR_INPUT,
     NAME ":2: not a readable YAML text file: control characters are not "
          "allowed"},
    {"NUL escape", "a: \"x\\0y\"\n", LW_ERR_INPUT,
     NAME ":1: the text contains a NUL character"},
};

static void
test_parse_cases(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct lw_ynode *root = (struct lw_ynode *)1;
        struct lw_err err;
        enum lw_status st;

        lw_err_clear(&err);
        st = lw_yaml_parse(c->doc, strlen(c->doc), NAME, &root, &err);
        print_message("# %s: %d %s\n", c->what, st, err.msg);
        assert_int_equal(st, c->status);
        if (c->msg == NULL) {
            assert_non_null(root);
            lw_yaml_free(root);
        } else {
            assert_null(root);
            assert_non_null(strstr(err.msg, c->msg));
        }
    }
}

static void
test_parse_tree(void **state)
{
    static const char doc[] = "a: 1\n"
                              "b: 'q'\n"
                              "c:\n"
                              "  - x\n"
                              "  - !!str 12\n"
                              "d: {e: true}\n";
    struct lw_ynode *root, *c, *d;
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_yaml_parse(doc, strlen(doc), NAME, &root, &err), LW_OK);
    assert_int_equal(root->type, LW_Y_MAP);
    assert_int_equal(root->n, 4);
    assert_string_equal(lw_yaml_get(root, "a")->value, "1");
    assert_true(lw_yaml_get(root, "a")->plain);
    assert_int_equal(lw_yaml_get(root, "a")->line, 1);
    assert_int_equal(lw_yaml_get(root, "a")->column, 4);
    assert_false(lw_yaml_get(root, "b")->plain);
    assert_int_equal(lw_yaml_get(root, "b")->line, 2);
    c = lw_yaml_get(root, "c");
    assert_int_equal(c->type, LW_Y_SEQ);
    assert_int_equal(c->n, 2);
    assert_int_equal(c->items[1]->line, 5);
    assert_string_equal(c->items[1]->value, "12");
    assert_false(c->items[1]->plain); /* !!str: text, not a number */
    d = lw_yaml_get(root, "d");
    assert_int_equal(d->type, LW_Y_MAP);
    assert_string_equal(lw_yaml_get(d, "e")->value, "true");
    assert_null(lw_yaml_get(root, "zz"));
    assert_null(lw_yaml_get(c, "x")); /* not a map */
    lw_yaml_free(root);
}

static void
test_parse_empty_is_map(void **state)
{
    static const char *const docs[] = {"", "\n\n", "# c\n", "---\n", "~\n"};
    struct lw_ynode *root;
    struct lw_err err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        assert_int_equal(
            lw_yaml_parse(docs[i], strlen(docs[i]), NAME, &root, &err), LW_OK);
        assert_int_equal(root->type, LW_Y_MAP);
        assert_int_equal(root->n, 0);
        lw_yaml_free(root);
    }
}

static void
test_parse_limits(void **state)
{
    struct lw_ynode *root = NULL;
    struct lw_err err;
    char *big;
    size_t i;
    char deep[200];

    (void)state;
    /* Nesting: 32 levels are fine, 33 are not. */
    memset(deep, '[', 32);
    memset(deep + 32, ']', 32);
    assert_int_equal(lw_yaml_parse(deep, 64, NAME, &root, &err), LW_OK);
    lw_yaml_free(root);
    memset(deep, '[', 33);
    memset(deep + 33, ']', 33);
    assert_int_equal(lw_yaml_parse(deep, 66, NAME, &root, &err), LW_ERR_INPUT);
    assert_string_equal(err.msg, NAME ":1: nested deeper than 32 levels");
    assert_null(root);

    /* Size. */
    big = malloc(LW_YAML_MAX_BYTES + 1);
    assert_non_null(big);
    for (i = 0; i < LW_YAML_MAX_BYTES + 1; i++)
        big[i] = i % 8 == 7 ? '\n' : '#';
    assert_int_equal(
        lw_yaml_parse(big, LW_YAML_MAX_BYTES + 1, NAME, &root, &err),
        LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "is larger than 1048576 bytes"));

    /* Node count: a flow list of 100001 one-character items (200 KB). */
    big[0] = '[';
    for (i = 0; i < 100001; i++) {
        big[2 * i + 1] = 'x';
        big[2 * i + 2] = ',';
    }
    big[2 * 100001] = ']';
    assert_int_equal(lw_yaml_parse(big, 2 * 100001 + 1, NAME, &root, &err),
                     LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "too many values (more than 100000)"));

    /* Keys in one mapping (the duplicate check is quadratic): 1000 are
     * fine, the 1001st on line 1001 is refused. */
    for (i = 0; i < 1001; i++) {
        char line[16];

        snprintf(line, sizeof(line), "k%04zu: 1\n", i);
        memcpy(big + 9 * i, line, 9);
    }
    assert_int_equal(lw_yaml_parse(big, 9 * 1000, NAME, &root, &err), LW_OK);
    assert_int_equal(root->n, 1000);
    lw_yaml_free(root);
    assert_int_equal(lw_yaml_parse(big, 9 * 1001, NAME, &root, &err),
                     LW_ERR_INPUT);
    assert_string_equal(err.msg, NAME ":1001: a mapping with more than 1000 "
                                      "keys; is it the right file?");
    free(big);
}

/* A dangling key (error while its value is being read) must not leak:
 * the sanitizer build checks this one. */
static void
test_parse_error_midway(void **state)
{
    static const char doc[] = "a:\n  b:\n    c: &x 1\n";
    struct lw_ynode *root = NULL;
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_yaml_parse(doc, strlen(doc), NAME, &root, &err),
                     LW_ERR_INPUT);
    assert_string_equal(err.msg, NAME ":3: anchors (&x) are not allowed");
    assert_non_null(strstr(err.hint, "in full"));
}

/* ---- typed reads ------------------------------------------------------- */

enum kind { K_STR, K_BOOL, K_UINT, K_STRV, K_KEYS };

struct read_case {
    const char *what;
    const char *doc;
    enum kind kind;
    const char *key;
    bool required;
    enum lw_status status;
    const char *expect; /* value read, or the exact message */
};

static const char *const allowed[] = {"a", "b", "nginx", NULL};

static const struct read_case read_cases[] = {
    {"str", "a: hello\n", K_STR, "a", true, LW_OK, "hello"},
    {"str number text", "a: 12\n", K_STR, "a", true, LW_OK, "12"},
    {"str NO stays text", "a: NO\n", K_STR, "a", true, LW_OK, "NO"},
    {"str absent optional", "b: 1\n", K_STR, "a", false, LW_OK, "(untouched)"},
    {"str null optional", "a: ~\n", K_STR, "a", false, LW_OK, "(untouched)"},
    {"str absent required", "b: 1\n", K_STR, "a", true, LW_ERR_INPUT,
     NAME ": the required key \"nginx.a\" is missing"},
    {"str empty required", "b: 1\na:\n", K_STR, "a", true, LW_ERR_INPUT,
     NAME ":2: nginx.a is empty; it needs a value"},
    {"str given a map", "a: {x: 1}\n", K_STR, "a", true, LW_ERR_INPUT,
     NAME ":1: nginx.a: expected a text value, found a mapping"},
    {"str given a list", "a: [x]\n", K_STR, "a", true, LW_ERR_INPUT,
     NAME ":1: nginx.a: expected a text value, found a list"},
    {"bool true", "a: true\n", K_BOOL, "a", true, LW_OK, "true"},
    {"bool False", "a: False\n", K_BOOL, "a", true, LW_OK, "false"},
    {"bool yes", "a: yes\n", K_BOOL, "a", true, LW_ERR_INPUT,
     NAME ":1: nginx.a: expected true or false, found \"yes\""},
    {"bool quoted", "a: 'true'\n", K_BOOL, "a", true, LW_ERR_INPUT,
     NAME ":1: nginx.a: expected true or false, found \"true\""},
    {"bool list", "\n\na: [true]\n", K_BOOL, "a", true, LW_ERR_INPUT,
     NAME ":3: nginx.a: expected true or false, found a list"},
    {"uint", "a: 4096\n", K_UINT, "a", true, LW_OK, "4096"},
    {"uint max", "a: 65535\n", K_UINT, "a", true, LW_OK, "65535"},
    {"uint over max", "a: 65536\n", K_UINT, "a", true, LW_ERR_INPUT,
     NAME ":1: nginx.a: the number is too large; the largest accepted is "
          "65535"},
    {"uint overflow", "a: 99999999999999999999999999\n", K_UINT, "a", true,
     LW_ERR_INPUT, "the number is too large"},
    {"uint word", "a: big\n", K_UINT, "a", true, LW_ERR_INPUT,
     NAME ":1: nginx.a: expected a whole number, found \"big\""},
    {"uint negative", "a: -1\n", K_UINT, "a", true, LW_ERR_INPUT,
     NAME ":1: nginx.a: expected a whole number, found \"-1\""},
    {"uint quoted", "a: \"12\"\n", K_UINT, "a", true, LW_ERR_INPUT,
     NAME ":1: nginx.a: expected a whole number, found \"12\""},
    {"strv list", "a: [x, 'y', 3]\n", K_STRV, "a", true, LW_OK, "x|y|3"},
    {"strv block list", "a:\n  - x\n  - y\n", K_STRV, "a", true, LW_OK, "x|y"},
    {"strv one scalar", "a: x\n", K_STRV, "a", true, LW_OK, "x"},
    {"strv empty list", "a: []\n", K_STRV, "a", true, LW_OK, ""},
    {"strv item map", "a:\n  - x\n  - {y: 1}\n", K_STRV, "a", true,
     LW_ERR_INPUT,
     NAME ":3: nginx.a: expected a list of text values, found "
          "a mapping"},
    {"strv item null", "a: [x, ~]\n", K_STRV, "a", true, LW_ERR_INPUT,
     NAME ":1: nginx.a: expected a list of text values, found an empty "
          "value"},
    {"strv map", "a: {x: 1}\n", K_STRV, "a", true, LW_ERR_INPUT,
     NAME ":1: nginx.a: expected a list of text values, found a mapping"},
    {"keys ok", "a: 1\nnginx: {}\n", K_KEYS, NULL, true, LW_OK, ""},
    {"keys unknown", "a: 1\n\ncolour: red\n", K_KEYS, NULL, true, LW_ERR_INPUT,
     NAME ":3: unknown key \"nginx.colour\"; the accepted keys "
          "here are: a, b, nginx"},
    {"keys unknown hostile", "a: 1\n\"x\\ty\": red\n", K_KEYS, NULL, true,
     LW_ERR_INPUT,
     NAME ":2: unknown key \"nginx.x?y\"; the accepted keys "
          "here are: a, b, nginx"},
};

static void
test_read_cases(void **state)
{
    size_t i, j, n;

    (void)state;
    for (i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
        const struct read_case *c = &read_cases[i];
        struct lw_ynode *root;
        struct lw_err err;
        enum lw_status st = LW_ERR_INTERNAL;
        const char *s = "(untouched)";
        bool b = false;
        unsigned long u = 7;
        char **v = NULL, got[256];

        print_message("# %s\n", c->what);
        assert_int_equal(
            lw_yaml_parse(c->doc, strlen(c->doc), NAME, &root, &err), LW_OK);
        lw_err_clear(&err);
        got[0] = '\0';
        switch (c->kind) {
        case K_STR:
            st =
                lw_yaml_str(root, NAME, "nginx", c->key, c->required, &s, &err);
            snprintf(got, sizeof(got), "%s", s);
            break;
        case K_BOOL:
            st = lw_yaml_bool(root, NAME, "nginx", c->key, c->required, &b,
                              &err);
            snprintf(got, sizeof(got), "%s", b ? "true" : "false");
            break;
        case K_UINT:
            st = lw_yaml_uint(root, NAME, "nginx", c->key, c->required, 65535,
                              &u, &err);
            snprintf(got, sizeof(got), "%lu", u);
            break;
        case K_STRV:
            st = lw_yaml_strv(root, NAME, "nginx", c->key, c->required, &v, &n,
                              &err);
            for (j = 0; st == LW_OK && v[j] != NULL; j++) {
                size_t o = strlen(got);
                snprintf(got + o, sizeof(got) - o, "%s%s", j ? "|" : "", v[j]);
            }
            if (st == LW_OK) {
                assert_int_equal(n, j);
                assert_null(v[n]);
            }
            lw_strv_free(v);
            break;
        case K_KEYS:
            st = lw_yaml_check_keys(root, NAME, "nginx", allowed, &err);
            break;
        }
        assert_int_equal(st, c->status);
        if (st == LW_OK)
            assert_string_equal(got, c->expect);
        else if (strncmp(c->expect, NAME, strlen(NAME)) == 0)
            assert_string_equal(err.msg, c->expect);
        else
            assert_non_null(strstr(err.msg, c->expect));
        lw_yaml_free(root);
    }
}

static void
test_check_keys_not_map(void **state)
{
    static const char doc[] = "nginx: yes\nlist: [1]\n";
    struct lw_ynode *root;
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_yaml_parse(doc, strlen(doc), NAME, &root, &err), LW_OK);
    assert_int_equal(lw_yaml_check_keys(lw_yaml_get(root, "nginx"), NAME,
                                        "nginx", allowed, &err),
                     LW_ERR_INPUT);
    assert_string_equal(err.msg, NAME ":1: nginx must be a mapping of \"key: "
                                      "value\" lines, found \"yes\"");
    assert_int_equal(
        lw_yaml_check_keys(lw_yaml_get(root, "list"), NAME, "", allowed, &err),
        LW_ERR_INPUT);
    assert_string_equal(err.msg, NAME ":2: the file must be a mapping of "
                                      "\"key: value\" lines, found a list");
    assert_int_equal(lw_yaml_check_keys(NULL, NAME, "x", allowed, &err), LW_OK);
    lw_yaml_free(root);
}

static void
test_where_and_sanitize(void **state)
{
    struct lw_ynode node = {LW_Y_SCALAR, 7, 3, NULL, true, 0, NULL};
    char out[64], small[12];
    char long_text[200];

    (void)state;
    lw_yaml_where(&node, "a.yaml", out, sizeof(out));
    assert_string_equal(out, "a.yaml:7: ");
    lw_yaml_where(NULL, "a.yaml", out, sizeof(out));
    assert_string_equal(out, "a.yaml: ");

    lw_yaml_sanitize("a\nb\x1b[31mc\x7f", out, sizeof(out));
    assert_string_equal(out, "a?b?[31mc?");
    lw_yaml_sanitize("caf\xc3\xa9 \xc2\x9b x \xff", out, sizeof(out));
    assert_string_equal(out, "caf\xc3\xa9 ?? x ?");
    memset(long_text, 'x', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    lw_yaml_sanitize(long_text, out, sizeof(out));
    assert_int_equal(strlen(out), sizeof(out) - 1);
    assert_string_equal(out + strlen(out) - 3, "...");
    lw_yaml_sanitize("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", small,
                     sizeof(small));
    /* Cut on a character boundary: 4 characters, then "...". */
    assert_string_equal(small, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
}

/* ---- the writer -------------------------------------------------------- */

static void
test_emit_golden(void **state)
{
    static const char expected[] = "name: link.example.com\n"
                                   "bool_text: \"true\"\n"
                                   "number_text: \"12\"\n"
                                   "tilde: \"~\"\n"
                                   "empty: \"\"\n"
                                   "colon: 'a: b'\n"
                                   "norway: \"NO\"\n"
                                   "ip: \"1.1.1.1\"\n"
                                   "line: \"a\\nb\"\n"
                                   "none: ~\n"
                                   "bits: 2048\n"
                                   "reload: true\n"
                                   "addresses: [\"203.0.113.10\", '::1']\n"
                                   "results:\n"
                                   "- id: tls.expiry\n"
                                   "  status: pass\n"
                                   "key:\n"
                                   "  type: rsa\n"
                                   "empty_list: []\n";
    struct lw_buf b = LW_BUF_INIT;
    struct lw_yemit *e;
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_yemit_begin(&e, &b, &err), LW_OK);
    lw_yemit_map_start(e);
    lw_yemit_kv(e, "name", "link.example.com");
    lw_yemit_kv(e, "bool_text", "true");
    lw_yemit_kv(e, "number_text", "12");
    lw_yemit_kv(e, "tilde", "~");
    lw_yemit_kv(e, "empty", "");
    lw_yemit_kv(e, "colon", "a: b");
    lw_yemit_kv(e, "norway", "NO");
    lw_yemit_kv(e, "ip", "1.1.1.1");
    lw_yemit_kv(e, "line", "a\nb");
    lw_yemit_kv(e, "none", NULL);
    lw_yemit_kv_plain(e, "bits", "2048");
    lw_yemit_kv_plain(e, "reload", "true");
    lw_yemit_str(e, "addresses");
    lw_yemit_seq_start(e, true);
    lw_yemit_str(e, "203.0.113.10");
    lw_yemit_str(e, "::1");
    lw_yemit_seq_end(e);
    lw_yemit_str(e, "results");
    lw_yemit_seq_start(e, false);
    lw_yemit_map_start(e);
    lw_yemit_kv(e, "id", "tls.expiry");
    lw_yemit_kv(e, "status", "pass");
    lw_yemit_map_end(e);
    lw_yemit_seq_end(e);
    lw_yemit_str(e, "key");
    lw_yemit_map_start(e);
    lw_yemit_kv(e, "type", "rsa");
    lw_yemit_map_end(e);
    lw_yemit_str(e, "empty_list");
    lw_yemit_seq_start(e, true);
    lw_yemit_seq_end(e);
    lw_yemit_map_end(e);
    assert_int_equal(lw_yemit_end(e, &err), LW_OK);
    assert_string_equal(b.data, expected);
    lw_buf_free(&b);
}

/* Whatever text goes in comes back as the same text, never as another
 * type. */
static void
test_emit_round_trip(void **state)
{
    static const char *const texts[] = {
        "true",
        "False",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "~",
        "null",
        "",
        "12",
        "0x1F",
        "1.5",
        "-3",
        ".inf",
        "-.inf",
        "+1",
        "1e3",
        "2026-12-03",
        "12:30",
        "<<",
        "a: b",
        "x #y",
        "#c",
        "- a",
        "[x]",
        "{y}",
        "@x",
        "`b",
        "!t",
        "&a",
        "*a",
        "|",
        ">",
        "%x",
        "? q",
        " lead",
        "trail ",
        "'q'",
        "\"dq\"",
        "tab\tx",
        "multi\nline",
        "caf\xc3\xa9",
        "Workspace Settings > Email > Link tracking",
        "arn:aws:acm:us-east-1:123456789012:certificate/abc",
        "a,b",
        "{}"};
    struct lw_buf b = LW_BUF_INIT;
    struct lw_yemit *e;
    struct lw_ynode *root, *seq;
    struct lw_err err;
    size_t i, n = sizeof(texts) / sizeof(texts[0]);
    char key[16];

    (void)state;
    assert_int_equal(lw_yemit_begin(&e, &b, &err), LW_OK);
    lw_yemit_map_start(e);
    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "k%zu", i);
        lw_yemit_kv(e, key, texts[i]);
    }
    lw_yemit_str(e, "flow");
    lw_yemit_seq_start(e, true);
    for (i = 0; i < n; i++)
        lw_yemit_str(e, texts[i]);
    lw_yemit_seq_end(e);
    lw_yemit_map_end(e);
    assert_int_equal(lw_yemit_end(e, &err), LW_OK);

    assert_int_equal(lw_yaml_parse(b.data, b.len, NAME, &root, &err), LW_OK);
    for (i = 0; i < n; i++) {
        struct lw_ynode *v;

        snprintf(key, sizeof(key), "k%zu", i);
        v = lw_yaml_get(root, key);
        assert_non_null(v);
        assert_string_equal(v->value, texts[i]);
        /* Quoted whenever a reader could type it: never plain and typed. */
        if (v->plain) {
            assert_false(lw_yaml_is_null(v));
            assert_false(texts[i][0] >= '0' && texts[i][0] <= '9');
        }
    }
    seq = lw_yaml_get(root, "flow");
    assert_int_equal(seq->n, n);
    for (i = 0; i < n; i++)
        assert_string_equal(seq->items[i]->value, texts[i]);
    lw_yaml_free(root);
    lw_buf_free(&b);
}

static void
test_emit_errors(void **state)
{
    struct lw_buf b = LW_BUF_INIT;
    struct lw_yemit *e;
    struct lw_err err;

    (void)state;
    /* Invalid UTF-8 text. */
    assert_int_equal(lw_yemit_begin(&e, &b, &err), LW_OK);
    lw_yemit_map_start(e);
    lw_yemit_kv(e, "organization", "bad \xff text");
    lw_yemit_kv(e, "later", "ignored");
    lw_yemit_map_end(e);
    assert_int_equal(lw_yemit_end(e, &err), LW_ERR_INPUT);
    assert_string_equal(err.msg, "cannot write \"bad ? text\" to a YAML file: "
                                 "it is not valid UTF-8 text");
    lw_buf_free(&b);

    /* Misuse: a mapping never closed. */
    assert_int_equal(lw_yemit_begin(&e, &b, &err), LW_OK);
    lw_yemit_map_start(e);
    lw_yemit_kv(e, "a", "b");
    assert_int_equal(lw_yemit_end(e, &err), LW_ERR_INTERNAL);
    assert_non_null(strstr(err.msg, "internal error: cannot write YAML: "));
    lw_buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_cases),
        cmocka_unit_test(test_parse_tree),
        cmocka_unit_test(test_parse_empty_is_map),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_parse_error_midway),
        cmocka_unit_test(test_read_cases),
        cmocka_unit_test(test_check_keys_not_map),
        cmocka_unit_test(test_where_and_sanitize),
        cmocka_unit_test(test_emit_golden),
        cmocka_unit_test(test_emit_round_trip),
        cmocka_unit_test(test_emit_errors),
    };

    return cmocka_run_group_tests_name("yamlio", tests, NULL, NULL);
}
