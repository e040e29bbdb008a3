/* test_nginx_conf.c - the server block, the config reader, server name
 * claims, and the nginx commands against a real nginx in a temp dir. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lw/install.h"
#include "lw/nginx_conf.h"
#include "lw/proc.h"

/* ------------------------------------------------------------------ */
/* Rendering */

static const char render_plain[] =
    "# Managed by linkwiz: HTTPS proxy for the link-tracking domain "
    "link.example.com\n"
    "# to track.customer.io.  Rerun `linkwiz` to change it; edits here are "
    "replaced.\n"
    "server {\n"
    "    listen 80;\n"
    "    listen 443 ssl;\n"
    "    server_name link.example.com;\n"
    "    ssl_certificate /etc/pki/tls/certs/link.example.com.crt;\n"
    "    ssl_certificate_key /etc/pki/tls/private/link.example.com.key;\n"
    "    ssl_protocols TLSv1.2 TLSv1.3;\n"
    "    location / {\n"
    "        proxy_pass https://track.customer.io;\n"
    "        # The tracking host needs the link domain here, or every click "
    "fails.\n"
    "        proxy_set_header Host link.example.com;\n"
    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
    "        proxy_set_header X-Forwarded-Proto $scheme;\n"
    "        # nginx sends no SNI to the origin unless told to.\n"
    "        proxy_ssl_server_name on;\n"
    "        proxy_ssl_name track.customer.io;\n"
    "        # Check the origin's certificate; depth 4 because nginx's "
    "default of 1\n"
    "        # fails on chains with intermediates.\n"
    "        proxy_ssl_verify on;\n"
    "        proxy_ssl_verify_depth 4;\n"
    "        proxy_ssl_trusted_certificate "
    "/etc/ssl/certs/ca-certificates.crt;\n"
    "        proxy_ssl_protocols TLSv1.2 TLSv1.3;\n"
    "    }\n"
    "}\n";

static const char render_v6_port[] =
    "# Managed by linkwiz: HTTPS proxy for the link-tracking domain "
    "l.example.org\n"
    "# to track-eu.customer.io.  Rerun `linkwiz` to change it; edits here "
    "are replaced.\n"
    "server {\n"
    "    listen 80;\n"
    "    listen [::]:80;\n"
    "    listen 443 ssl;\n"
    "    listen [::]:443 ssl;\n"
    "    server_name l.example.org;\n"
    "    ssl_certificate /c/l.crt;\n"
    "    ssl_certificate_key /k/l.key;\n"
    "    ssl_protocols TLSv1.2 TLSv1.3;\n"
    "    location / {\n"
    "        proxy_pass https://track-eu.customer.io:8443;\n"
    "        # The tracking host needs the link domain here, or every click "
    "fails.\n"
    "        proxy_set_header Host l.example.org;\n"
    "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
    "        proxy_set_header X-Forwarded-Proto $scheme;\n"
    "        # nginx sends no SNI to the origin unless told to.\n"
    "        proxy_ssl_server_name on;\n"
    "        proxy_ssl_name track-eu.customer.io;\n"
    "        # Check the origin's certificate; depth 4 because nginx's "
    "default of 1\n"
    "        # fails on chains with intermediates.\n"
    "        proxy_ssl_verify on;\n"
    "        proxy_ssl_verify_depth 4;\n"
    "        proxy_ssl_trusted_certificate /t/ca_bundle.pem;\n"
    "        proxy_ssl_protocols TLSv1.2 TLSv1.3;\n"
    "    }\n"
    "}\n";

struct render_case {
    const char *name;
    struct lw_nginx_site site;
    enum lw_status status;
    const char *expect; /* exact text, or a part of the error message */
};

#define SITE_US                                                                \
    "link.example.com", "track.customer.io", 443,                              \
        "/etc/pki/tls/certs/link.example.com.crt",                             \
        "/etc/pki/tls/private/link.example.com.key"

static const struct render_case render_cases[] = {
    {"plain", {SITE_US, NULL, false}, LW_OK, render_plain},
    {"port 0 means 443",
     {"link.example.com", "track.customer.io", 0,
      "/etc/pki/tls/certs/link.example.com.crt",
      "/etc/pki/tls/private/link.example.com.key", LW_TRUST_BUNDLE, false},
     LW_OK,
     render_plain},
    {"ipv6 and a port",
     {"l.example.org", "track-eu.customer.io", 8443, "/c/l.crt", "/k/l.key",
      "/t/ca_bundle.pem", true},
     LW_OK,
     render_v6_port},
    {"domain with ;",
     {"link.example.com;", "track.customer.io", 443, "/c", "/k", NULL, false},
     LW_ERR_INTERNAL,
     "the domain \"link.example.com;\""},
    {"origin with space",
     {"link.example.com", "track.customer.io x", 443, "/c", "/k", NULL, false},
     LW_ERR_INTERNAL,
     "the origin \"track.customer.io x\""},
    {"cert path with newline",
     {"link.example.com", "t.io", 443, "/c\nserver {", "/k", NULL, false},
     LW_ERR_INTERNAL,
     "the certificate path \"/c server {\""},
    {"key path with quote",
     {"link.example.com", "t.io", 443, "/c", "/k\"", NULL, false},
     LW_ERR_INTERNAL,
     "the key path \"/k\"\""},
    {"no key path",
     {"link.example.com", "t.io", 443, "/c", NULL, NULL, false},
     LW_ERR_INTERNAL,
     "the key path \"\""},
    {"bundle with brace",
     {"link.example.com", "t.io", 443, "/c", "/k", "/b}", false},
     LW_ERR_INTERNAL,
     "the trust bundle \"/b}\""},
    {"empty domain",
     {"", "t.io", 443, "/c", "/k", NULL, false},
     LW_ERR_INTERNAL,
     "the domain \"\""},
    {"port too large",
     {"link.example.com", "t.io", 70000, "/c", "/k", NULL, false},
     LW_ERR_INTERNAL,
     "origin port 70000"},
};

static void
test_render(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]); i++) {
        const struct render_case *c = &render_cases[i];
        struct lw_buf out = LW_BUF_INIT;
        struct lw_err err;

        print_message("# %s\n", c->name);
        lw_err_clear(&err);
        assert_int_equal(lw_nginx_render(&c->site, &out, &err), c->status);
        if (c->status == LW_OK) {
            assert_string_equal(out.data, c->expect);
        } else {
            assert_int_equal(err.status, c->status);
            if (strstr(err.msg, c->expect) == NULL)
                fail_msg("message \"%s\" lacks \"%s\"", err.msg, c->expect);
            assert_int_equal(out.len, 0);
        }
        lw_buf_free(&out);
    }
}

/* ------------------------------------------------------------------ */
/* Parsing */

struct server_expect {
    const char *file;
    unsigned line;
    const char *names;   /* joined with "," */
    const char *listens; /* joined with "," */
    const char *cert, *key, *pass, *host;
    bool sni;
    const char *ssl_name;
    bool verify;
};

struct parse_case {
    const char *name;
    const char *text;
    enum lw_status status;
    const char *msg; /* exact error message */
    size_t n;
    struct server_expect s[3];
};

static const struct parse_case parse_cases[] = {
    {"simple block",
     "server {\n"
     "    listen 443 ssl;\n"
     "    listen [::]:443 ssl http2;\n"
     "    server_name link.example.com www.example.com;\n"
     "    ssl_certificate /c.crt;\n"
     "    ssl_certificate_key /k.key;\n"
     "    location / {\n"
     "        proxy_pass https://track.customer.io;\n"
     "        proxy_set_header Host link.example.com;\n"
     "        proxy_ssl_server_name on;\n"
     "        proxy_ssl_name track.customer.io;\n"
     "        proxy_ssl_verify on;\n"
     "    }\n"
     "}\n",
     LW_OK,
     NULL,
     1,
     {{"site.conf", 1, "link.example.com,www.example.com", "443,[::]:443",
       "/c.crt", "/k.key", "https://track.customer.io", "link.example.com",
       true, "track.customer.io", true}}},
    {"quoted names, escapes and comments",
     "# a comment { with braces }\n"
     "server { # another\n"
     "  server_name \"link.example.com\" 'a b.example' c\\\"d; # x;\n"
     "  listen '80';\n"
     "  location / { proxy_pass \"https://t\\\\x\"; }\n"
     "  # location / { proxy_pass https://commented; }\n"
     "}\n",
     LW_OK,
     NULL,
     1,
     {{"site.conf", 2, "link.example.com,a b.example,c\"d", "80", NULL, NULL,
       "https://t\\x", NULL, false, NULL, false}}},
    {"quoted string over lines counts lines",
     "events {}\n"
     "http {\n"
     "  log_format x 'a\n"
     "b\n"
     "c';\n"
     "  server {\n"
     "    server_name x.example;\n"
     "  }\n"
     "}\n",
     LW_OK,
     NULL,
     1,
     {{"site.conf", 6, "x.example", "", NULL, NULL, NULL, NULL, false, NULL,
       false}}},
    {"nginx -T output, several files",
     "# configuration file /etc/nginx/nginx.conf:\n"
     "user www-data;\n"
     "events {\n"
     "}\n"
     "http {\n"
     "    include /etc/nginx/conf.d/*.conf;\n"
     "    server { listen 8080; server_name _; }\n"
     "}\n"
     "\n"
     "# configuration file /etc/nginx/conf.d/a.conf:\n"
     "\n"
     "server {\n"
     "    server_name a.example.com;\n"
     "}\n"
     "\n"
     "# configuration file /etc/nginx/conf.d/link.conf:\n"
     "# Managed by linkwiz\n"
     "server {\n"
     "    server_name link.example.com;\n"
     "    location / {\n"
     "        proxy_pass https://track-eu.customer.io;\n"
     "    }\n"
     "}\n"
     "\n",
     LW_OK,
     NULL,
     3,
     {{"/etc/nginx/nginx.conf", 6, "_", "8080", NULL, NULL, NULL, NULL, false,
       NULL, false},
      {"/etc/nginx/conf.d/a.conf", 2, "a.example.com", "", NULL, NULL, NULL,
       NULL, false, NULL, false},
      {"/etc/nginx/conf.d/link.conf", 2, "link.example.com", "", NULL, NULL,
       "https://track-eu.customer.io", NULL, false, NULL, false}}},
    {"nested and other locations do not count",
     "server {\n"
     "  server_name n.example;\n"
     "  location /api {\n"
     "    proxy_pass http://api;\n"
     "    proxy_set_header Host api;\n"
     "    location / { proxy_pass http://deep; }\n"
     "  }\n"
     "  location / {\n"
     "    if ($x) { proxy_pass http://if; }\n"
     "    proxy_pass https://origin;\n"
     "  }\n"
     "  location = / { proxy_pass http://exact; }\n"
     "}\n",
     LW_OK,
     NULL,
     1,
     {{"site.conf", 1, "n.example", "", NULL, NULL, "https://origin", NULL,
       false, NULL, false}}},
    {"Host header in lower case, quoted",
     "server { location / { proxy_set_header 'host' \"$host\"; } }",
     LW_OK,
     NULL,
     1,
     {{"site.conf", 1, "", "", NULL, NULL, NULL, "$host", false, NULL, false}}},
    {"server level values inherited",
     "server {\n"
     "  proxy_set_header HOST link.example.com;\n"
     "  proxy_ssl_server_name ON;\n"
     "  proxy_ssl_verify on;\n"
     "  proxy_ssl_name o.example;\n"
     "  location ^~ / { proxy_pass https://o.example:8443; }\n"
     "}\n",
     LW_OK,
     NULL,
     1,
     {{"site.conf", 1, "", "", NULL, NULL, "https://o.example:8443",
       "link.example.com", true, "o.example", true}}},
    {"location headers replace the server's",
     "server {\n"
     "  proxy_set_header Host link.example.com;\n"
     "  proxy_ssl_verify on;\n"
     "  location / {\n"
     "    proxy_set_header X-Real-IP $remote_addr;\n"
     "    proxy_ssl_verify off;\n"
     "  }\n"
     "}\n",
     LW_OK,
     NULL,
     1,
     {{"site.conf", 1, "", "", NULL, NULL, NULL, NULL, false, NULL, false}}},
    {"servers of stream and upstream are not http servers",
     "stream { server { listen 12345; } }\n"
     "http { upstream u { server 10.0.0.1; } map $a $b { default x; } }\n",
     LW_OK,
     NULL,
     0,
     {{NULL}}},
    {"variables with braces",
     "server { server_name ${a}b; location / { proxy_pass https://${o}; } }",
     LW_OK,
     NULL,
     1,
     {{"site.conf", 1, "${a}b", "", NULL, NULL, "https://${o}", NULL, false,
       NULL, false}}},
    {"empty", "", LW_OK, NULL, 0, {{NULL}}},
    {"unbalanced: missing }",
     "http {\n  server {\n    listen 80;\n}\n",
     LW_ERR_INPUT,
     "site.conf, line 1: the block opened there is never closed: a \"}\" is "
     "missing.",
     0,
     {{NULL}}},
    {"unbalanced: extra }",
     "server {\n  listen 80;\n}\n}\n",
     LW_ERR_INPUT,
     "site.conf, line 4: unexpected \"}\": no block is open there.",
     0,
     {{NULL}}},
    {"unbalanced in one file of nginx -T",
     "# configuration file /etc/nginx/nginx.conf:\n"
     "events {}\n"
     "# configuration file /etc/nginx/conf.d/bad.conf:\n"
     "server {\n"
     "  location / {\n"
     "}\n"
     "# configuration file /etc/nginx/conf.d/ok.conf:\n"
     "server { }\n",
     LW_ERR_INPUT,
     "/etc/nginx/conf.d/bad.conf, line 1: the block opened there is never "
     "closed: a \"}\" is missing.",
     0,
     {{NULL}}},
    {"unterminated quote",
     "server {\n  server_name \"link.example.com;\n}\n",
     LW_ERR_INPUT,
     "site.conf, line 2: the quoted string that starts there is never "
     "closed.",
     0,
     {{NULL}}},
    {"directive without ;",
     "server {\n  listen 80\n}\n",
     LW_ERR_INPUT,
     "site.conf, line 2: the directive \"listen\" is not ended by \";\".",
     0,
     {{NULL}}},
    {"directive without ; at the end",
     "server { }\nworker_processes 4",
     LW_ERR_INPUT,
     "site.conf, line 2: the directive \"worker_processes\" is not ended by "
     "\";\".",
     0,
     {{NULL}}},
    {"control characters are not shown",
     "server {\n  \"a\x1b[2Jb\"\n}\n",
     LW_ERR_INPUT,
     "site.conf, line 2: the directive \"a [2Jb\" is not ended by \";\".",
     0,
     {{NULL}}},
    /* Found by fuzz_nginx: U+009B (CSI) in UTF-8 reached the message. */
    {"C1 controls and invalid UTF-8 are not shown",
     "server {\n  \"a\xc2\x9b[2Jb\xc2\x85" "c\xff\xc3\"\n}\n",
     LW_ERR_INPUT,
     "site.conf, line 2: the directive \"a?[2Jb?c??\" is not ended by "
     "\";\".",
     0,
     {{NULL}}},
    {"UTF-8 text is shown as it is",
     "server {\n  caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x92\n}\n",
     LW_ERR_INPUT,
     "site.conf, line 2: the directive \"caf\xc3\xa9\" is not ended by "
     "\";\".",
     0,
     {{NULL}}},
};

static void
join(char *dst, size_t n, char **v)
{
    size_t o = 0;

    dst[0] = '\0';
    for (; v != NULL && *v != NULL; v++)
        o += (size_t)snprintf(dst + o, n - o, "%s%s", o > 0 ? "," : "", *v);
    assert_true(o < n);
}

static void
check_opt(const char *what, const char *got, const char *want)
{
    if (want == NULL) {
        if (got != NULL)
            fail_msg("%s: expected NULL, got \"%s\"", what, got);
        return;
    }
    if (got == NULL)
        fail_msg("%s: expected \"%s\", got NULL", what, want);
    assert_string_equal(got, want);
}

static void
check_server(const struct lw_nginx_server *s, const struct server_expect *e)
{
    char buf[512];

    assert_string_equal(s->file, e->file);
    assert_int_equal(s->line, e->line);
    join(buf, sizeof(buf), s->names);
    assert_string_equal(buf, e->names);
    join(buf, sizeof(buf), s->listens);
    assert_string_equal(buf, e->listens);
    check_opt("certificate", s->certificate, e->cert);
    check_opt("certificate_key", s->certificate_key, e->key);
    check_opt("proxy_pass", s->proxy_pass, e->pass);
    check_opt("host", s->host_header, e->host);
    assert_int_equal(s->ssl_server_name, e->sni);
    check_opt("ssl_name", s->ssl_name, e->ssl_name);
    assert_int_equal(s->ssl_verify, e->verify);
}

static void
test_parse(void **state)
{
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct lw_nginx_config cfg = {(void *)1, 99};
        struct lw_err err;

        print_message("# %s\n", c->name);
        lw_err_clear(&err);
        assert_int_equal(
            lw_nginx_parse(c->text, strlen(c->text), "site.conf", &cfg, &err),
            c->status);
        if (c->status != LW_OK) {
            assert_string_equal(err.msg, c->msg);
            assert_null(cfg.servers);
            assert_int_equal(cfg.n, 0);
            continue;
        }
        assert_int_equal(cfg.n, c->n);
        for (j = 0; j < c->n; j++)
            check_server(&cfg.servers[j], &c->s[j]);
        lw_nginx_config_free(&cfg);
        assert_null(cfg.servers);
    }
}

/* The limits: 64 levels of blocks are fine, 65 are not; more than 16 MiB
 * is refused before reading. */
static void
test_parse_limits(void **state)
{
    struct lw_nginx_config cfg;
    struct lw_err err;
    struct lw_buf b = LW_BUF_INIT;
    size_t big_len = 16u * 1024 * 1024 + 1;
    char *big;
    int i;

    (void)state;
    for (i = 0; i < 64; i++)
        lw_buf_puts(&b, "a {\n");
    for (i = 0; i < 64; i++)
        lw_buf_puts(&b, "}\n");
    assert_int_equal(lw_nginx_parse(b.data, b.len, "deep", &cfg, &err), LW_OK);
    assert_int_equal(cfg.n, 0);
    lw_buf_reset(&b);
    for (i = 0; i < 65; i++)
        lw_buf_puts(&b, "a {\n");
    assert_int_equal(lw_nginx_parse(b.data, b.len, "deep", &cfg, &err),
                     LW_ERR_INPUT);
    assert_string_equal(err.msg, "deep, line 65: blocks are nested more "
                                 "than 64 levels deep.");
    lw_buf_free(&b);

    big = malloc(big_len);
    assert_non_null(big);
    memset(big, '\n', big_len);
    assert_int_equal(lw_nginx_parse(big, big_len, "big", &cfg, &err),
                     LW_ERR_INPUT);
    assert_string_equal(err.msg, "big is larger than 16 MiB; is it really "
                                 "an nginx configuration?");
    assert_int_equal(lw_nginx_parse(big, big_len - 1, "big", &cfg, &err),
                     LW_OK); /* exactly 16 MiB is fine */
    assert_int_equal(cfg.n, 0);
    free(big);
}

/* Arbitrary bytes: any status, never a crash (the sanitizer build checks
 * the memory side). */
static void
test_parse_garbage(void **state)
{
    static const char alphabet[] = "{};'\"\\#$ \n\tab\0\xff";
    char text[512];
    struct lw_nginx_config cfg;
    struct lw_err err;
    unsigned seed = 12345;
    enum lw_status st;
    int round;
    size_t i, len;

    (void)state;
    for (round = 0; round < 3000; round++) {
        len = (size_t)(round % (int)sizeof(text));
        for (i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        st = lw_nginx_parse(text, len, "fuzz", &cfg, &err);
        assert_true(st == LW_OK || st == LW_ERR_INPUT);
        lw_nginx_config_free(&cfg);
    }
}

/* ------------------------------------------------------------------ */
/* Claims */

struct claim_case {
    const char *names[4];
    const char *domain;
    bool claims;
};

static const struct claim_case claim_cases[] = {
    {{"link.example.com", NULL}, "link.example.com", true},
    {{"LINK.Example.COM", NULL}, "link.example.com", true},
    {{"link.example.com.", NULL}, "link.example.com", true},
    {{"other.example.com", "link.example.com", NULL}, "link.example.com", true},
    {{"example.com", NULL}, "link.example.com", false},
    {{"ink.example.com", NULL}, "link.example.com", false},
    {{"*.example.com", NULL}, "link.example.com", true},
    {{"*.example.com", NULL}, "a.b.example.com", true},
    {{"*.example.com", NULL}, "example.com", false},
    {{"*.example.com", NULL}, "linkexample.com", false},
    {{".example.com", NULL}, "example.com", true},
    {{".example.com", NULL}, "link.example.com", true},
    {{".example.com", NULL}, "xexample.com", false},
    {{"link.example.*", NULL}, "link.example.org", true},
    {{"link.example.*", NULL}, "link.example", false},
    {{"~^link\\.example\\.com$", NULL}, "link.example.com", false},
    {{"~link", NULL}, "~link", false},
    {{"_", NULL}, "_", false},
    {{"_", NULL}, "link.example.com", false},
    {{"", NULL}, "link.example.com", false},
    {{"*", NULL}, "link.example.com", false},
    {{NULL}, "link.example.com", false},
};

static void
test_claims(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(claim_cases) / sizeof(claim_cases[0]); i++) {
        const struct claim_case *c = &claim_cases[i];
        struct lw_nginx_server s;

        memset(&s, 0, sizeof(s));
        s.names = (char **)c->names;
        print_message("# %s vs %s\n", c->names[0] ? c->names[0] : "(none)",
                      c->domain);
        assert_int_equal(lw_nginx_server_claims(&s, c->domain), c->claims);
    }
}

/* ------------------------------------------------------------------ */
/* A real nginx, run as whoever runs the tests, everything in a temp dir */

struct ngx {
    char dir[64];
    char conf[128], log[128], crt[128], key[128], pid[128], site[128];
    const char *args[8];
};

static void
write_file(const char *path, const char *text)
{
    struct lw_err err;

    assert_int_equal(lw_write_atomic(path, text, strlen(text), 0644, &err),
                     LW_OK);
}

static int
ngx_setup(void **state)
{
    struct ngx *n = calloc(1, sizeof(*n));
    struct lw_proc_result r;
    struct lw_buf conf = LW_BUF_INIT;
    struct lw_err err;

    /* Without nginx on this machine there is nothing to run: skip. */
    if (access(lw_nginx_bin(), X_OK) != 0) {
        free(n);
        *state = NULL;
        return 0;
    }
    assert_non_null(n);
    snprintf(n->dir, sizeof(n->dir), "/tmp/lw-test-nginx.XXXXXX");
    assert_non_null(mkdtemp(n->dir));
    snprintf(n->conf, sizeof(n->conf), "%s/nginx.conf", n->dir);
    snprintf(n->log, sizeof(n->log), "%s/error.log", n->dir);
    snprintf(n->crt, sizeof(n->crt), "%s/link.example.com.crt", n->dir);
    snprintf(n->key, sizeof(n->key), "%s/link.example.com.key", n->dir);
    snprintf(n->pid, sizeof(n->pid), "%s/nginx.pid", n->dir);
    snprintf(n->site, sizeof(n->site), "%s/site.conf", n->dir);

    const char *req[] = {"openssl",
                         "req",
                         "-x509",
                         "-newkey",
                         "ec",
                         "-pkeyopt",
                         "ec_paramgen_curve:prime256v1",
                         "-nodes",
                         "-subj",
                         "/CN=link.example.com",
                         "-days",
                         "2",
                         "-keyout",
                         n->key,
                         "-out",
                         n->crt,
                         NULL};
    lw_proc_result_init(&r);
    assert_int_equal(lw_proc_run(req, 20000, &r, &err), LW_OK);
    assert_int_equal(r.exit_code, 0);
    lw_proc_result_free(&r);

    /* Everything nginx touches is in the temp dir: no root needed. */
    lw_buf_printf(&conf,
                  "pid %s;\n"
                  "error_log %s;\n"
                  "events {}\n"
                  "http {\n"
                  "    access_log off;\n"
                  "    client_body_temp_path %s;\n"
                  "    proxy_temp_path %s;\n"
                  "    fastcgi_temp_path %s;\n"
                  "    uwsgi_temp_path %s;\n"
                  "    scgi_temp_path %s;\n"
                  "    include %s;\n"
                  "}\n",
                  n->pid, n->log, n->dir, n->dir, n->dir, n->dir, n->dir,
                  n->site);
    assert_true(lw_buf_ok(&conf));
    write_file(n->conf, conf.data);
    lw_buf_free(&conf);

    n->args[0] = "-p";
    n->args[1] = n->dir;
    n->args[2] = "-c";
    n->args[3] = n->conf;
    n->args[4] = "-e";
    n->args[5] = n->log;
    n->args[6] = NULL;
    lw_nginx_set_args(n->args);
    *state = n;
    return 0;
}

static int
ngx_teardown(void **state)
{
    struct ngx *n = *state;
    const char *rm[] = {"rm", "-rf", n->dir, NULL};
    struct lw_proc_result r;
    struct lw_err err;

    if (n == NULL)
        return 0;
    lw_nginx_set_args(NULL);
    lw_proc_result_init(&r);
    lw_proc_run(rm, 10000, &r, &err);
    lw_proc_result_free(&r);
    free(n);
    return 0;
}

static bool
have_ipv6(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* The rendered block, with this test's certificate.  nginx -t binds the
 * listen ports (tolerating "in use"), so ports 80 and 443 become high
 * ones: no root needed.  The origin must resolve without a network (nginx
 * resolves it when it loads the configuration), so it is localhost. */
static void
write_site(struct ngx *n, bool ipv6)
{
    static const char *const ports[][2] = {
        {"listen 80;", "listen 18080;"},
        {"listen [::]:80;", "listen [::]:18080;"},
        {"listen 443 ssl;", "listen 18443 ssl;"},
        {"listen [::]:443 ssl;", "listen [::]:18443 ssl;"},
    };
    struct lw_nginx_site site = {
        "link.example.com", "localhost", 8443, n->crt, n->key, n->crt, ipv6};
    struct lw_buf out = LW_BUF_INIT, moved = LW_BUF_INIT;
    struct lw_err err;
    const char *p, *hit;
    size_t i;

    assert_int_equal(lw_nginx_render(&site, &out, &err), LW_OK);
    for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
        hit = strstr(out.data, ports[i][0]);
        if (hit == NULL) {
            assert_false(ipv6 || i % 2 == 0); /* only v6 may be absent */
            continue;
        }
        p = out.data;
        lw_buf_reset(&moved);
        lw_buf_append(&moved, p, (size_t)(hit - p));
        lw_buf_puts(&moved, ports[i][1]);
        lw_buf_puts(&moved, hit + strlen(ports[i][0]));
        lw_buf_reset(&out);
        lw_buf_puts(&out, moved.data);
    }
    assert_true(lw_buf_ok(&out));
    write_file(n->site, out.data);
    lw_buf_free(&out);
    lw_buf_free(&moved);
}

static void
test_nginx_accepts_rendered(void **state)
{
    struct ngx *n = *state;
    struct lw_buf msg = LW_BUF_INIT;
    struct lw_err err;
    bool ok = false;

    if (n == NULL)
        skip();
    write_site(n, false);
    assert_int_equal(lw_nginx_test(&ok, &msg, &err), LW_OK);
    if (!ok)
        fail_msg("nginx -t: %s", msg.data);
    assert_non_null(strstr(msg.data, "test is successful"));
    lw_buf_free(&msg);

    /* IPv6 listeners too, where the host has IPv6. */
    if (!have_ipv6())
        return;
    write_site(n, true);
    assert_int_equal(lw_nginx_test(&ok, &msg, &err), LW_OK);
    if (!ok)
        fail_msg("nginx -t: %s", msg.data);
    lw_buf_free(&msg);
}

static void
test_nginx_rejects_broken(void **state)
{
    struct ngx *n = *state;
    struct lw_buf msg = LW_BUF_INIT, out = LW_BUF_INIT;
    struct lw_err err;
    char want[256];
    bool ok = true;

    if (n == NULL)
        skip();
    write_file(n->site, "server {\n    listen 80;\n    bogus_directive 1;\n"
                        "}\n");
    assert_int_equal(lw_nginx_test(&ok, &msg, &err), LW_OK);
    assert_false(ok);
    snprintf(want, sizeof(want),
             "unknown directive \"bogus_directive\" in %s:3", n->site);
    if (strstr(msg.data, want) == NULL)
        fail_msg("nginx -t said: %s", msg.data);
    assert_non_null(strstr(msg.data, "test failed"));

    /* -T fails the same way, as an error carrying nginx's words. */
    assert_int_equal(lw_nginx_dump(&out, &err), LW_ERR_EXTERNAL);
    if (strstr(err.msg, want) == NULL ||
        strstr(err.msg, "-T\" failed: ") == NULL)
        fail_msg("nginx -T error: %s", err.msg);
    assert_int_equal(out.len, 0);
    assert_non_null(strstr(err.hint, "nginx -t"));
    lw_buf_free(&msg);
    lw_buf_free(&out);
}

static void
test_nginx_dump_parses(void **state)
{
    struct ngx *n = *state;
    struct lw_buf out = LW_BUF_INIT;
    struct lw_nginx_config cfg;
    struct lw_err err;
    size_t i, found = 0;

    if (n == NULL)
        skip();
    write_site(n, false);
    assert_int_equal(lw_nginx_dump(&out, &err), LW_OK);
    assert_int_equal(lw_nginx_parse(out.data, out.len, "nginx -T", &cfg, &err),
                     LW_OK);
    for (i = 0; i < cfg.n; i++) {
        const struct lw_nginx_server *s = &cfg.servers[i];

        if (!lw_nginx_server_claims(s, "link.example.com"))
            continue;
        found++;
        assert_string_equal(s->file, n->site);
        assert_int_equal(s->line, 3); /* after the two comment lines */
        assert_string_equal(s->proxy_pass, "https://localhost:8443");
        assert_string_equal(s->host_header, "link.example.com");
        assert_true(s->ssl_server_name);
        assert_string_equal(s->ssl_name, "localhost");
        assert_true(s->ssl_verify);
        assert_string_equal(s->certificate, n->crt);
        assert_string_equal(s->certificate_key, n->key);
        assert_string_equal(s->listens[0], "18080");
        assert_string_equal(s->listens[1], "18443");
        assert_null(s->listens[2]);
    }
    assert_int_equal(found, 1);
    lw_nginx_config_free(&cfg);
    lw_buf_free(&out);
}

static void
test_nginx_reload_not_running(void **state)
{
    struct ngx *n = *state;
    struct lw_err err;
    bool running = true;
    char pidtext[32];
    pid_t dead;

    if (n == NULL)
        skip();
    write_site(n, false);
    /* No pid file. */
    unlink(n->pid);
    lw_err_clear(&err);
    assert_int_equal(lw_nginx_reload(&running, &err), LW_OK);
    assert_false(running);

    /* An empty one (what nginx -t leaves behind). */
    write_file(n->pid, "");
    running = true;
    assert_int_equal(lw_nginx_reload(&running, &err), LW_OK);
    assert_false(running);

    /* One naming a process that is gone. */
    dead = fork();
    assert_true(dead >= 0);
    if (dead == 0)
        _exit(0);
    assert_int_equal(waitpid(dead, NULL, 0), dead);
    snprintf(pidtext, sizeof(pidtext), "%d\n", (int)dead);
    write_file(n->pid, pidtext);
    running = true;
    assert_int_equal(lw_nginx_reload(&running, &err), LW_OK);
    assert_false(running);
}

static void
test_nginx_reload_broken_config(void **state)
{
    struct ngx *n = *state;
    struct lw_err err;
    bool running = true;

    if (n == NULL)
        skip();
    write_file(n->site, "server {\n    bogus_directive 1;\n}\n");
    unlink(n->pid);
    assert_int_equal(lw_nginx_reload(&running, &err), LW_ERR_EXTERNAL);
    assert_false(running);
    assert_non_null(strstr(err.msg, "-s reload\" failed: "));
    assert_non_null(strstr(err.msg, "unknown directive \"bogus_directive\""));
    assert_non_null(strstr(err.hint, "systemctl reload nginx"));
}

/* Tests that set LINKWIZ_NGINX put back what the caller had. */
static char *
save_env(void)
{
    const char *v = getenv("LINKWIZ_NGINX");
    char *d = v != NULL ? strdup(v) : NULL;

    assert_true(v == NULL || d != NULL);
    return d;
}

static void
restore_env(char *saved)
{
    if (saved != NULL)
        assert_int_equal(setenv("LINKWIZ_NGINX", saved, 1), 0);
    else
        assert_int_equal(unsetenv("LINKWIZ_NGINX"), 0);
    free(saved);
}

/* LINKWIZ_NGINX names the binary; a missing one is an error with a hint. */
static void
test_nginx_missing(void **state)
{
    struct lw_buf msg = LW_BUF_INIT;
    struct lw_err err;
    bool ok = true, running = true;
    char *saved = save_env();

    (void)state;
    assert_int_equal(setenv("LINKWIZ_NGINX", "/nonexistent/nginx", 1), 0);
    assert_string_equal(lw_nginx_bin(), "/nonexistent/nginx");
    assert_int_equal(lw_nginx_test(&ok, &msg, &err), LW_ERR_EXTERNAL);
    assert_false(ok);
    assert_string_equal(err.msg,
                        "cannot run /nonexistent/nginx: No such file or "
                        "directory");
    assert_non_null(strstr(err.hint, "Install nginx"));
    assert_int_equal(lw_nginx_reload(&running, &err), LW_ERR_EXTERNAL);
    assert_false(running);
    assert_int_equal(lw_nginx_dump(&msg, &err), LW_ERR_EXTERNAL);
    assert_int_equal(msg.len, 0);
    assert_int_equal(unsetenv("LINKWIZ_NGINX"), 0);
    assert_string_equal(lw_nginx_bin(), LW_NGINX_PATH);
    restore_env(saved);
    lw_buf_free(&msg);
}

/* What nginx prints reaches us sanitized; its exit status decides ok. */
static void
test_nginx_wrapper_output(void **state)
{
    struct ngx *n = *state;
    char wrapper[192], want[512];
    struct lw_buf msg = LW_BUF_INIT;
    struct lw_err err;
    bool ok = true, running;
    char *saved;

    if (n == NULL)
        skip();
    saved = save_env();
    snprintf(wrapper, sizeof(wrapper), "%s/fake-nginx", n->dir);
    write_file(wrapper, "#!/bin/sh\nprintf 'bad\\033[31m\\tx\\n' >&2\n"
                        "exit 1\n");
    assert_int_equal(chmod(wrapper, 0755), 0);
    assert_int_equal(setenv("LINKWIZ_NGINX", wrapper, 1), 0);
    assert_int_equal(lw_nginx_test(&ok, &msg, &err), LW_OK);
    assert_false(ok);
    assert_string_equal(msg.data, "bad?[31m\tx\n");

    /* The extra arguments come first; a successful reload means running. */
    write_file(wrapper, "#!/bin/sh\necho \"$@\"\n");
    assert_int_equal(chmod(wrapper, 0755), 0);
    lw_buf_reset(&msg);
    assert_int_equal(lw_nginx_dump(&msg, &err), LW_OK);
    snprintf(want, sizeof(want), "-p %s -c %s -e %s -T\n", n->dir, n->conf,
             n->log);
    assert_string_equal(msg.data, want);
    running = false;
    assert_int_equal(lw_nginx_reload(&running, &err), LW_OK);
    assert_true(running);

    /* Failing without a word: the status is the message. */
    write_file(wrapper, "#!/bin/sh\nexit 4\n");
    assert_int_equal(chmod(wrapper, 0755), 0);
    assert_int_equal(lw_nginx_reload(&running, &err), LW_ERR_EXTERNAL);
    assert_false(running);
    snprintf(want, sizeof(want),
             "\"%s -s reload\" failed: exit status 4, no message", wrapper);
    assert_string_equal(err.msg, want);
    restore_env(saved);
    lw_buf_free(&msg);
}

/* Found by fuzz_nginx: nginx's own output may quote configuration bytes,
 * C1 controls (U+009B is CSI) and invalid UTF-8 among them. */
static void
test_nginx_output_c1(void **state)
{
    struct ngx *n = *state;
    char wrapper[192];
    struct lw_buf msg = LW_BUF_INIT;
    struct lw_err err;
    bool ok = true;
    char *saved;

    if (n == NULL)
        skip();
    saved = save_env();
    snprintf(wrapper, sizeof(wrapper), "%s/fake-nginx", n->dir);
    write_file(wrapper, "#!/bin/sh\n"
                        "printf 'a\\302\\233[31mb\\377\\303\\251\\n' >&2\n"
                        "exit 1\n");
    assert_int_equal(chmod(wrapper, 0755), 0);
    assert_int_equal(setenv("LINKWIZ_NGINX", wrapper, 1), 0);
    assert_int_equal(lw_nginx_test(&ok, &msg, &err), LW_OK);
    assert_false(ok);
    assert_string_equal(msg.data, "a?[31mb?\xc3\xa9\n");
    restore_env(saved);
    lw_buf_free(&msg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_parse_garbage),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_nginx_missing),
        cmocka_unit_test_setup_teardown(test_nginx_accepts_rendered, ngx_setup,
                                        ngx_teardown),
        cmocka_unit_test_setup_teardown(test_nginx_rejects_broken, ngx_setup,
                                        ngx_teardown),
        cmocka_unit_test_setup_teardown(test_nginx_dump_parses, ngx_setup,
                                        ngx_teardown),
        cmocka_unit_test_setup_teardown(test_nginx_reload_not_running,
                                        ngx_setup, ngx_teardown),
        cmocka_unit_test_setup_teardown(test_nginx_reload_broken_config,
                                        ngx_setup, ngx_teardown),
        cmocka_unit_test_setup_teardown(test_nginx_wrapper_output, ngx_setup,
                                        ngx_teardown),
        cmocka_unit_test_setup_teardown(test_nginx_output_c1, ngx_setup,
                                        ngx_teardown),
    };

    return cmocka_run_group_tests_name("nginx_conf", tests, NULL, NULL);
}
