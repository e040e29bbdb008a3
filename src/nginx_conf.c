/* nginx_conf.c - the server block linkwiz writes, a reader for nginx
 * configuration text, and the nginx commands it runs. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <strings.h>

#include "lw/nginx_conf.h"
#include "lw/nls.h"
#include "lw/proc.h"

#define PARSE_MAX_BYTES (16u * 1024 * 1024)
#define PARSE_MAX_DEPTH 64
#define NGINX_TIMEOUT_MS 30000
#define NGINX_EXTRA_MAX 16
#define SHOW_MAX 400 /* bytes of untrusted text put in a message */
#define FILE_MARK "# configuration file "

/* ------------------------------------------------------------------ */
/* Showing untrusted text                                              */

/* The character at p (at most left bytes): returns its length in bytes
 * (at least 1) and sets *text when a terminal shows it as text; not for
 * invalid UTF-8 (one byte) or a C1 control (U+0080..U+009F, two bytes;
 * among them CSI, which starts escape sequences). */
static size_t
char_at(const unsigned char *p, size_t left, bool *text)
{
    size_t n, i;
    unsigned long v;

    *text = false;
    if (p[0] < 0x80) {
        *text = p[0] >= 0x20 && p[0] != 0x7f;
        return 1;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
        v = p[0] & 0x1Fu;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
        v = p[0] & 0x0Fu;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        v = p[0] & 0x07u;
    } else {
        return 1;
    }
    if (n > left)
        return 1;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 1;
        v = (v << 6) | (p[i] & 0x3Fu);
    }
    if ((n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) ||
        (n == 4 && (v < 0x10000 || v > 0x10FFFF)))
        return 1;
    *text = v >= 0xA0;
    return n;
}

/* src[0..len) on one line into dst: C0 controls and runs of white space
 * become one space, invalid UTF-8 and C1 controls '?', cut (at a
 * character boundary, marked with "...") to fit dst. */
static void
one_line(char *dst, size_t n, const char *src, size_t len)
{
    size_t i, k, o = 0;
    bool space = false, cut = false, text;

    for (i = 0; i < len && src[i] != '\0'; i += k) {
        unsigned char c = (unsigned char)src[i];

        k = char_at((const unsigned char *)src + i, len - i, &text);
        if (c < 0x20 || c == 0x7f || c == ' ') {
            space = o > 0;
            continue;
        }
        if (o + (space ? 1 : 0) + (text ? k : 1) + 3 >= n) {
            cut = true;
            break;
        }
        if (space)
            dst[o++] = ' ';
        space = false;
        if (text) {
            memcpy(dst + o, src + i, k);
            o += k;
        } else {
            dst[o++] = '?';
        }
    }
    if (cut) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

/* Multi-line text for people: control characters other than newline and
 * tab, invalid UTF-8 and C1 controls become '?'. */
static void
append_clean(struct lw_buf *b, const char *src, size_t len)
{
    size_t i, k, start = 0;
    bool text;

    for (i = 0; i < len; i += k) {
        k = char_at((const unsigned char *)src + i, len - i, &text);
        if (!text && src[i] != '\n' && src[i] != '\t') {
            lw_buf_append(b, src + start, i - start);
            lw_buf_putc(b, '?');
            start = i + k;
        }
    }
    lw_buf_append(b, src + start, len - start);
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */

static bool
safe_value(const char *v)
{
    if (v == NULL || *v == '\0')
        return false;
    for (; *v != '\0'; v++) {
        unsigned char c = (unsigned char)*v;

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' ||
              c == '-'))
            return false;
    }
    return true;
}

static enum lw_status
refuse_value(struct lw_err *err, const char *field, const char *value)
{
    char shown[SHOW_MAX];

    one_line(shown, sizeof(shown), value != NULL ? value : "",
             value != NULL ? strlen(value) : 0);
    return lw_err_set(err, LW_ERR_INTERNAL,
                      _("internal error: refusing to put the %s \"%s\" in "
                        "an nginx server block: only letters, digits and "
                        "\".\", \"_\", \"/\", \"-\" are allowed there."),
                      field, shown);
}

/* The text is a file format: never translated, so a rerun in another
 * locale finds it unchanged. */
enum lw_status
lw_nginx_render(const struct lw_nginx_site *site, struct lw_buf *out,
                struct lw_err *err)
{
    const char *bundle =
        site->trust_bundle != NULL ? site->trust_bundle : LW_TRUST_BUNDLE;
    const struct {
        const char *field;
        const char *value;
    } values[] = {
        {"domain", site->domain},
        {"origin", site->origin},
        {"certificate path", site->cert_path},
        {"key path", site->key_path},
        {"trust bundle", bundle},
    };
    unsigned port = site->origin_port != 0 ? site->origin_port : 443;
    char port_s[8] = "";
    size_t i;

    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        if (!safe_value(values[i].value))
            return refuse_value(err, values[i].field, values[i].value);
    if (port > 65535)
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("internal error: origin port %u is out of range"),
                          port);
    if (port != 443)
        snprintf(port_s, sizeof(port_s), ":%u", port);

    lw_buf_printf(out,
                  "# Managed by linkwiz: HTTPS proxy for the link-tracking "
                  "domain %s\n"
                  "# to %s.  Rerun `linkwiz` to change it; edits here are "
                  "replaced.\n",
                  site->domain, site->origin);
    lw_buf_puts(out, "server {\n"
                     "    listen 80;\n");
    if (site->ipv6)
        lw_buf_puts(out, "    listen [::]:80;\n");
    lw_buf_puts(out, "    listen 443 ssl;\n");
    if (site->ipv6)
        lw_buf_puts(out, "    listen [::]:443 ssl;\n");
    lw_buf_printf(out,
                  "    server_name %s;\n"
                  "    ssl_certificate %s;\n"
                  "    ssl_certificate_key %s;\n"
                  "    ssl_protocols TLSv1.2 TLSv1.3;\n"
                  "    location / {\n"
                  "        proxy_pass https://%s%s;\n"
                  "        # The tracking host needs the link domain here, "
                  "or every click fails.\n"
                  "        proxy_set_header Host %s;\n"
                  "        proxy_set_header X-Forwarded-For "
                  "$proxy_add_x_forwarded_for;\n"
                  "        proxy_set_header X-Forwarded-Proto $scheme;\n"
                  "        # nginx sends no SNI to the origin unless told "
                  "to.\n"
                  "        proxy_ssl_server_name on;\n"
                  "        proxy_ssl_name %s;\n"
                  "        # Check the origin's certificate; depth 4 "
                  "because nginx's default of 1\n"
                  "        # fails on chains with intermediates.\n"
                  "        proxy_ssl_verify on;\n"
                  "        proxy_ssl_verify_depth 4;\n"
                  "        proxy_ssl_trusted_certificate %s;\n"
                  "        proxy_ssl_protocols TLSv1.2 TLSv1.3;\n"
                  "    }\n"
                  "}\n",
                  site->domain, site->cert_path, site->key_path, site->origin,
                  port_s, site->domain, site->origin, bundle);
    return lw_buf_status(out, err);
}

/* ------------------------------------------------------------------ */
/* Tokenizer: nginx's own rules (ngx_conf_read_token).  A word ends at
 * white space, ';' or '{' ('{' not right after '$', for "${var}"); '}'
 * only counts at the start of a token.  Backslash escapes \" \' \\ \t \r
 * \n, in quotes or not; other backslashes stay.  '#' at the start of a
 * token comments to the end of the line. */

enum tok { T_EOF, T_WORD, T_SEMI, T_OPEN, T_CLOSE, T_FILE, T_ERR };

struct lexer {
    const char *start, *p, *end;
    char *file;    /* current file name, owned */
    unsigned line; /* line in that file */
    unsigned tok_line;
    struct lw_buf word; /* the word, or the file name of T_FILE */
};

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Append the escape at p (a backslash, p + 1 < end) to the word; returns
 * the number of bytes used. */
static size_t
escape(struct lexer *lx, const char *p)
{
    switch (p[1]) {
    case '"':
    case '\'':
    case '\\':
        lw_buf_putc(&lx->word, p[1]);
        return 2;
    case 't':
        lw_buf_putc(&lx->word, '\t');
        return 2;
    case 'r':
        lw_buf_putc(&lx->word, '\r');
        return 2;
    case 'n':
        lw_buf_putc(&lx->word, '\n');
        return 2;
    default:
        /* Kept as written, and the next byte is taken literally. */
        if (p[1] == '\n')
            lx->line++;
        lw_buf_append(&lx->word, p, 2);
        return 2;
    }
}

/* "# configuration file NAME:" on a line of its own, at p (a '#' at the
 * start of a line)?  Then the name goes to the word. */
static bool
file_mark(struct lexer *lx)
{
    size_t mlen = strlen(FILE_MARK);
    const char *eol, *q = lx->p;

    if ((size_t)(lx->end - q) <= mlen || memcmp(q, FILE_MARK, mlen) != 0)
        return false;
    eol = memchr(q, '\n', (size_t)(lx->end - q));
    if (eol == NULL)
        eol = lx->end;
    if (eol - q <= (ptrdiff_t)mlen + 1 || eol[-1] != ':')
        return false;
    lw_buf_reset(&lx->word);
    lw_buf_append(&lx->word, q + mlen, (size_t)(eol - 1 - (q + mlen)));
    lx->p = eol; /* the newline starts line 1 of the new file */
    return true;
}

static enum tok
next_token(struct lexer *lx)
{
    const char *p = lx->p;
    bool dollar = false;
    char q;

    lw_buf_reset(&lx->word);
    for (;;) {
        while (p < lx->end && is_space(*p)) {
            if (*p == '\n')
                lx->line++;
            p++;
        }
        if (p == lx->end) {
            lx->p = p;
            lx->tok_line = lx->line;
            return T_EOF;
        }
        if (*p != '#')
            break;
        lx->p = p;
        if ((p == lx->start || p[-1] == '\n') && file_mark(lx))
            return T_FILE;
        while (p < lx->end && *p != '\n')
            p++;
    }
    lx->p = p;
    lx->tok_line = lx->line;
    switch (*p) {
    case ';':
        lx->p = p + 1;
        return T_SEMI;
    case '{':
        lx->p = p + 1;
        return T_OPEN;
    case '}':
        lx->p = p + 1;
        return T_CLOSE;
    case '"':
    case '\'':
        q = *p++;
        for (;;) {
            if (p == lx->end) {
                lx->p = p;
                return T_ERR;
            }
            if (*p == q) {
                lx->p = p + 1;
                return T_WORD;
            }
            if (*p == '\\' && p + 1 < lx->end) {
                p += escape(lx, p);
                continue;
            }
            if (*p == '\n')
                lx->line++;
            lw_buf_putc(&lx->word, *p++);
        }
    default:
        while (p < lx->end && !is_space(*p) && *p != ';') {
            if (*p == '{' && !dollar)
                break;
            dollar = *p == '$';
            if (*p == '\\' && p + 1 < lx->end) {
                p += escape(lx, p);
                continue;
            }
            lw_buf_putc(&lx->word, *p++);
        }
        lx->p = p;
        return T_WORD;
    }
}

/* ------------------------------------------------------------------ */
/* Parser: statements (words up to ';' or '{'), a stack of blocks, and
 * the server block being read. */

enum ctx { CTX_OTHER, CTX_HTTP, CTX_SERVER, CTX_LOCROOT };

struct frame {
    enum ctx kind;
    unsigned line;
};

struct proxy {
    char *pass, *host, *ssl_name;
    int server_name, verify; /* -1 unset, 0 off, 1 on */
    bool any_header;         /* some proxy_set_header seen */
};

struct parser {
    struct lexer lx;
    char **words;
    size_t nwords, capwords;
    unsigned stmt_line;
    struct frame frames[PARSE_MAX_DEPTH];
    size_t depth;
    struct lw_nginx_server cur; /* the open server block */
    size_t nnames, nlistens;
    struct proxy srv, loc;
    struct lw_nginx_config *out;
    size_t capservers;
    bool oom;
};

static char *
dup_str(struct parser *ps, const char *s)
{
    char *d = strdup(s);

    if (d == NULL)
        ps->oom = true;
    return d;
}

static void
set_str(struct parser *ps, char **slot, const char *s)
{
    char *d = dup_str(ps, s);

    if (d == NULL)
        return;
    free(*slot);
    *slot = d;
}

/* Push s on a NULL-terminated vector holding n strings. */
static void
strv_push(struct parser *ps, char ***v, size_t *n, const char *s)
{
    char **nv, *d;

    if (*n > SIZE_MAX / sizeof(char *) - 2) {
        ps->oom = true;
        return;
    }
    nv = realloc(*v, (*n + 2) * sizeof(char *));
    if (nv == NULL) {
        ps->oom = true;
        return;
    }
    *v = nv;
    d = dup_str(ps, s);
    if (d == NULL) {
        nv[*n] = NULL;
        return;
    }
    nv[(*n)++] = d;
    nv[*n] = NULL;
}

static void
strv_free(char **v)
{
    size_t i;

    if (v == NULL)
        return;
    for (i = 0; v[i] != NULL; i++)
        free(v[i]);
    free(v);
}

static void
clear_words(struct parser *ps)
{
    size_t i;

    for (i = 0; i < ps->nwords; i++)
        free(ps->words[i]);
    ps->nwords = 0;
}

static void
push_word(struct parser *ps)
{
    char **nw;

    if (ps->nwords == ps->capwords) {
        size_t cap = ps->capwords != 0 ? ps->capwords * 2 : 8;

        nw = realloc(ps->words, cap * sizeof(char *));
        if (nw == NULL) {
            ps->oom = true;
            return;
        }
        ps->words = nw;
        ps->capwords = cap;
    }
    if (ps->nwords == 0)
        ps->stmt_line = ps->lx.tok_line;
    ps->words[ps->nwords] =
        dup_str(ps, ps->lx.word.data != NULL ? ps->lx.word.data : "");
    if (ps->words[ps->nwords] != NULL)
        ps->nwords++;
}

static void
proxy_free(struct proxy *px)
{
    free(px->pass);
    free(px->host);
    free(px->ssl_name);
    memset(px, 0, sizeof(*px));
    px->server_name = px->verify = -1;
}

static void
server_free(struct lw_nginx_server *s)
{
    free(s->file);
    strv_free(s->names);
    strv_free(s->listens);
    free(s->certificate);
    free(s->certificate_key);
    free(s->proxy_pass);
    free(s->host_header);
    free(s->ssl_name);
    memset(s, 0, sizeof(*s));
}

static void
server_begin(struct parser *ps, unsigned line)
{
    server_free(&ps->cur);
    proxy_free(&ps->srv);
    proxy_free(&ps->loc);
    ps->nnames = ps->nlistens = 0;
    ps->cur.file = dup_str(ps, ps->lx.file);
    ps->cur.line = line;
    /* Empty vectors rather than NULL: callers loop until NULL. */
    ps->cur.names = calloc(1, sizeof(char *));
    ps->cur.listens = calloc(1, sizeof(char *));
    if (ps->cur.names == NULL || ps->cur.listens == NULL)
        ps->oom = true;
}

/* Take the value of location / when it has one, else the server's. */
static char *
take(char **loc, char **srv)
{
    char *v;

    if (*loc != NULL) {
        v = *loc;
        *loc = NULL;
    } else {
        v = *srv;
        *srv = NULL;
    }
    return v;
}

static void
server_end(struct parser *ps)
{
    struct lw_nginx_config *c = ps->out;
    struct lw_nginx_server *s = &ps->cur;
    char *none = NULL;

    s->proxy_pass = take(&ps->loc.pass, &ps->srv.pass);
    /* nginx inherits proxy_set_header only into a location that has none
     * of its own. */
    s->host_header = ps->loc.any_header ? take(&ps->loc.host, &none)
                                        : take(&none, &ps->srv.host);
    s->ssl_name = take(&ps->loc.ssl_name, &ps->srv.ssl_name);
    s->ssl_server_name = (ps->loc.server_name >= 0 ? ps->loc.server_name
                                                   : ps->srv.server_name) == 1;
    s->ssl_verify =
        (ps->loc.verify >= 0 ? ps->loc.verify : ps->srv.verify) == 1;
    proxy_free(&ps->srv);
    proxy_free(&ps->loc);

    if (c->n == ps->capservers) {
        size_t cap = ps->capservers != 0 ? ps->capservers * 2 : 4;
        struct lw_nginx_server *ns;

        ns = realloc(c->servers, cap * sizeof(*ns));
        if (ns == NULL) {
            ps->oom = true;
            return;
        }
        c->servers = ns;
        ps->capservers = cap;
    }
    c->servers[c->n++] = *s;
    memset(s, 0, sizeof(*s));
}

static int
flag(const char *v)
{
    return strcasecmp(v, "on") == 0 ? 1 : 0;
}

/* A proxy directive of location / or the server. */
static void
proxy_directive(struct parser *ps, struct proxy *px)
{
    const char *d = ps->words[0];

    if (ps->nwords < 2)
        return;
    if (strcmp(d, "proxy_pass") == 0) {
        set_str(ps, &px->pass, ps->words[1]);
    } else if (strcmp(d, "proxy_set_header") == 0) {
        px->any_header = true;
        if (ps->nwords >= 3 && strcasecmp(ps->words[1], "Host") == 0)
            set_str(ps, &px->host, ps->words[2]);
    } else if (strcmp(d, "proxy_ssl_server_name") == 0) {
        px->server_name = flag(ps->words[1]);
    } else if (strcmp(d, "proxy_ssl_name") == 0) {
        set_str(ps, &px->ssl_name, ps->words[1]);
    } else if (strcmp(d, "proxy_ssl_verify") == 0) {
        px->verify = flag(ps->words[1]);
    }
}

static void
directive(struct parser *ps)
{
    enum ctx kind = ps->depth > 0 ? ps->frames[ps->depth - 1].kind : CTX_OTHER;
    const char *d;
    size_t i;

    if (ps->nwords == 0)
        return;
    d = ps->words[0];
    if (kind == CTX_LOCROOT) {
        proxy_directive(ps, &ps->loc);
        return;
    }
    if (kind != CTX_SERVER)
        return;
    if (strcmp(d, "server_name") == 0) {
        for (i = 1; i < ps->nwords; i++)
            strv_push(ps, &ps->cur.names, &ps->nnames, ps->words[i]);
    } else if (strcmp(d, "listen") == 0 && ps->nwords >= 2) {
        strv_push(ps, &ps->cur.listens, &ps->nlistens, ps->words[1]);
    } else if (strcmp(d, "ssl_certificate") == 0 && ps->nwords >= 2) {
        if (ps->cur.certificate == NULL)
            ps->cur.certificate = dup_str(ps, ps->words[1]);
    } else if (strcmp(d, "ssl_certificate_key") == 0 && ps->nwords >= 2) {
        if (ps->cur.certificate_key == NULL)
            ps->cur.certificate_key = dup_str(ps, ps->words[1]);
    } else {
        proxy_directive(ps, &ps->srv);
    }
}

/* What block does the statement before '{' open? */
static enum ctx
classify(const struct parser *ps)
{
    enum ctx parent =
        ps->depth > 0 ? ps->frames[ps->depth - 1].kind : CTX_OTHER;
    bool top = ps->depth == 0;

    if (ps->nwords == 1 && top && strcmp(ps->words[0], "http") == 0)
        return CTX_HTTP;
    /* Top level too: nginx -T shows an included conf.d file on its own. */
    if (ps->nwords == 1 && (top || parent == CTX_HTTP) &&
        strcmp(ps->words[0], "server") == 0)
        return CTX_SERVER;
    if (parent == CTX_SERVER && ps->nwords >= 2 &&
        strcmp(ps->words[0], "location") == 0 &&
        strcmp(ps->words[ps->nwords - 1], "/") == 0 &&
        (ps->nwords == 2 ||
         (ps->nwords == 3 && strcmp(ps->words[1], "^~") == 0)))
        return CTX_LOCROOT;
    return CTX_OTHER;
}

enum syntax { SYN_CLOSE, SYN_OPEN, SYN_QUOTE, SYN_SEMI, SYN_DEEP };

/* An error in the current file at line; arg (a directive) is shown
 * sanitized, as is the file name. */
static enum lw_status
syntax_error(struct parser *ps, struct lw_err *err, unsigned line,
             enum syntax what, const char *arg)
{
    char file[SHOW_MAX / 2], shown[SHOW_MAX / 4];

    one_line(file, sizeof(file), ps->lx.file, strlen(ps->lx.file));
    one_line(shown, sizeof(shown), arg != NULL ? arg : "",
             arg != NULL ? strlen(arg) : 0);
    switch (what) {
    case SYN_CLOSE:
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s, line %u: unexpected \"}\": no block is "
                            "open there."),
                          file, line);
    case SYN_OPEN:
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s, line %u: the block opened there is never "
                            "closed: a \"}\" is missing."),
                          file, line);
    case SYN_QUOTE:
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s, line %u: the quoted string that starts "
                            "there is never closed."),
                          file, line);
    case SYN_SEMI:
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s, line %u: the directive \"%s\" is not "
                            "ended by \";\"."),
                          file, line, shown);
    case SYN_DEEP:
    default:
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s, line %u: blocks are nested more than %d "
                            "levels deep."),
                          file, line, PARSE_MAX_DEPTH);
    }
}

/* At the end of a file (of the text, or before the next one of nginx -T):
 * everything opened in it must be closed. */
static enum lw_status
end_of_file(struct parser *ps, struct lw_err *err)
{
    if (ps->nwords > 0)
        return syntax_error(ps, err, ps->stmt_line, SYN_SEMI, ps->words[0]);
    if (ps->depth > 0)
        return syntax_error(ps, err, ps->frames[ps->depth - 1].line, SYN_OPEN,
                            NULL);
    return LW_OK;
}

static enum lw_status
parse(struct parser *ps, struct lw_err *err)
{
    enum lw_status st;
    enum tok t;
    char *f;

    for (;;) {
        if (ps->oom || !lw_buf_ok(&ps->lx.word))
            return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        t = next_token(&ps->lx);
        switch (t) {
        case T_WORD:
            push_word(ps);
            break;
        case T_SEMI:
            directive(ps);
            clear_words(ps);
            break;
        case T_OPEN:
            if (ps->nwords == 0)
                ps->stmt_line = ps->lx.tok_line;
            if (ps->depth == PARSE_MAX_DEPTH)
                return syntax_error(ps, err, ps->lx.tok_line, SYN_DEEP, NULL);
            ps->frames[ps->depth].kind = classify(ps);
            ps->frames[ps->depth].line = ps->stmt_line;
            if (ps->frames[ps->depth].kind == CTX_SERVER)
                server_begin(ps, ps->stmt_line);
            ps->depth++;
            clear_words(ps);
            break;
        case T_CLOSE:
            if (ps->nwords > 0)
                return syntax_error(ps, err, ps->stmt_line, SYN_SEMI,
                                    ps->words[0]);
            if (ps->depth == 0)
                return syntax_error(ps, err, ps->lx.tok_line, SYN_CLOSE, NULL);
            if (ps->frames[--ps->depth].kind == CTX_SERVER)
                server_end(ps);
            break;
        case T_FILE:
            st = end_of_file(ps, err);
            if (st != LW_OK)
                return st;
            f = lw_buf_steal(&ps->lx.word, NULL);
            if (f == NULL)
                return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
            free(ps->lx.file);
            ps->lx.file = f;
            ps->lx.line = 0;
            break;
        case T_ERR:
            return syntax_error(ps, err, ps->lx.tok_line, SYN_QUOTE, NULL);
        case T_EOF:
            return end_of_file(ps, err);
        }
    }
}

void
lw_nginx_config_free(struct lw_nginx_config *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < c->n; i++)
        server_free(&c->servers[i]);
    free(c->servers);
    c->servers = NULL;
    c->n = 0;
}

enum lw_status
lw_nginx_parse(const char *text, size_t len, const char *name,
               struct lw_nginx_config *out, struct lw_err *err)
{
    struct parser ps;
    enum lw_status st;
    char shown[SHOW_MAX];

    out->servers = NULL;
    out->n = 0;
    if (name == NULL)
        name = "nginx configuration";
    if (len > PARSE_MAX_BYTES) {
        one_line(shown, sizeof(shown), name, strlen(name));
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s is larger than %u MiB; is it really an "
                            "nginx configuration?"),
                          shown, PARSE_MAX_BYTES / (1024 * 1024));
    }
    memset(&ps, 0, sizeof(ps));
    ps.lx.start = ps.lx.p = text;
    ps.lx.end = text + len;
    ps.lx.line = 1;
    lw_buf_init(&ps.lx.word);
    ps.srv.server_name = ps.srv.verify = -1;
    ps.loc.server_name = ps.loc.verify = -1;
    ps.out = out;
    ps.lx.file = strdup(name);
    if (ps.lx.file == NULL)
        st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    else
        st = parse(&ps, err);
    if (st == LW_OK && ps.oom)
        st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));

    clear_words(&ps);
    free(ps.words);
    server_free(&ps.cur);
    proxy_free(&ps.srv);
    proxy_free(&ps.loc);
    lw_buf_free(&ps.lx.word);
    free(ps.lx.file);
    if (st != LW_OK)
        lw_nginx_config_free(out);
    return st;
}

/* ------------------------------------------------------------------ */
/* Which names a server block answers for                              */

static bool
ends_with(const char *s, size_t slen, const char *suffix, size_t suflen)
{
    return slen >= suflen &&
           strncasecmp(s + slen - suflen, suffix, suflen) == 0;
}

static bool
name_claims(const char *n, const char *d)
{
    size_t nl = strlen(n), dl = strlen(d);

    /* nginx ignores a trailing dot in server names and Host headers. */
    if (nl > 1 && n[nl - 1] == '.')
        nl--;
    if (dl > 1 && d[dl - 1] == '.')
        dl--;
    if (nl == 0 || dl == 0 || n[0] == '~' || (nl == 1 && n[0] == '_'))
        return false;
    if (nl > 2 && n[0] == '*' && n[1] == '.')
        /* "*.x": at least one label before ".x", any depth. */
        return dl > nl - 1 && ends_with(d, dl, n + 1, nl - 1);
    if (nl > 1 && n[0] == '.')
        /* ".x": x itself, or anything ending in ".x". */
        return (dl == nl - 1 && strncasecmp(d, n + 1, dl) == 0) ||
               (dl > nl && ends_with(d, dl, n, nl));
    if (nl > 2 && n[nl - 1] == '*' && n[nl - 2] == '.')
        /* "www.x.*": any tail after "www.x.". */
        return dl > nl - 1 && strncasecmp(d, n, nl - 1) == 0;
    return dl == nl && strncasecmp(d, n, nl) == 0;
}

bool
lw_nginx_server_claims(const struct lw_nginx_server *s, const char *domain)
{
    char *const *n;

    if (s == NULL || s->names == NULL || domain == NULL)
        return false;
    for (n = s->names; *n != NULL; n++)
        if (name_claims(*n, domain))
            return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* Running nginx                                                       */

static const char *const *nginx_extra;

const char *
lw_nginx_bin(void)
{
    const char *env = getenv("LINKWIZ_NGINX");

    return env != NULL && *env != '\0' ? env : LW_NGINX_PATH;
}

void
lw_nginx_set_args(const char *const *extra)
{
    nginx_extra = extra;
}

/* Run nginx with the extra arguments and then args (NULL-terminated). */
static enum lw_status
run_nginx(const char *const *args, struct lw_proc_result *r, struct lw_err *err)
{
    const char *argv[1 + NGINX_EXTRA_MAX + 4];
    size_t n = 0, i;

    argv[n++] = lw_nginx_bin();
    for (i = 0; nginx_extra != NULL && nginx_extra[i] != NULL; i++) {
        if (i == NGINX_EXTRA_MAX)
            return lw_err_set(err, LW_ERR_INTERNAL,
                              _("internal error: more than %d extra nginx "
                                "arguments"),
                              NGINX_EXTRA_MAX);
        argv[n++] = nginx_extra[i];
    }
    for (i = 0; i < 3 && args[i] != NULL; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    return lw_proc_run(argv, NGINX_TIMEOUT_MS, r, err);
}

static enum lw_status
timed_out(struct lw_err *err, const char *what)
{
    return lw_err_set(err, LW_ERR_EXTERNAL,
                      _("\"%s %s\" did not finish within %d seconds and was "
                        "stopped."),
                      lw_nginx_bin(), what, NGINX_TIMEOUT_MS / 1000);
}

/* What nginx said, on one line, for an error message. */
static void
nginx_said(const struct lw_proc_result *r, char *dst, size_t n)
{
    if (r->err.len > 0)
        one_line(dst, n, r->err.data, r->err.len);
    else if (r->term_signal != 0)
        snprintf(dst, n, _("killed by signal %d"), r->term_signal);
    else
        snprintf(dst, n, _("exit status %d, no message"), r->exit_code);
}

enum lw_status
lw_nginx_test(bool *ok, struct lw_buf *msg, struct lw_err *err)
{
    static const char *const args[] = {"-t", NULL};
    struct lw_proc_result r;
    enum lw_status st;

    *ok = false;
    lw_proc_result_init(&r);
    st = run_nginx(args, &r, err);
    if (st != LW_OK)
        goto out;
    if (r.timed_out) {
        st = timed_out(err, "-t");
        goto out;
    }
    *ok = r.exit_code == 0;
    append_clean(msg, r.err.data, r.err.len);
    if (!*ok && r.err.len == 0) {
        if (r.term_signal != 0)
            lw_buf_printf(msg, _("nginx was killed by signal %d.\n"),
                          r.term_signal);
        else
            lw_buf_printf(msg,
                          _("nginx exited with status %d and said "
                            "nothing.\n"),
                          r.exit_code);
    }
    st = lw_buf_status(msg, err);
out:
    lw_proc_result_free(&r);
    return st;
}

enum lw_status
lw_nginx_dump(struct lw_buf *out, struct lw_err *err)
{
    static const char *const args[] = {"-T", NULL};
    struct lw_proc_result r;
    char said[SHOW_MAX];
    enum lw_status st;

    lw_proc_result_init(&r);
    st = run_nginx(args, &r, err);
    if (st != LW_OK)
        goto out;
    if (r.timed_out) {
        st = timed_out(err, "-T");
        goto out;
    }
    if (r.exit_code != 0) {
        nginx_said(&r, said, sizeof(said));
        st = lw_err_set(err, LW_ERR_EXTERNAL, _("\"%s -T\" failed: %s"),
                        lw_nginx_bin(), said);
        lw_err_hint(err, "%s",
                    _("Fix what nginx reports (\"nginx -t\" shows it), then "
                      "run linkwiz again."));
        goto out;
    }
    if (r.out_truncated) {
        st = lw_err_set(err, LW_ERR_EXTERNAL,
                        _("\"%s -T\" printed more than %u MiB; linkwiz "
                          "cannot read a configuration that large."),
                        lw_nginx_bin(), LW_PROC_OUT_MAX / (1024 * 1024));
        goto out;
    }
    lw_buf_append(out, r.out.data, r.out.len);
    st = lw_buf_status(out, err);
out:
    lw_proc_result_free(&r);
    return st;
}

/* Does nginx's complaint mean "no master process to signal"?  nginx
 * speaks English here (LANG=C, and it never localizes).  A missing pid
 * file is an [error] open(); a config file that fails to open is an
 * [emerg], so the two are not confused. */
static bool
has(const char *line, size_t n, const char *needle)
{
    return memmem(line, n, needle, strlen(needle)) != NULL;
}

static bool
not_running(const char *msg, size_t len)
{
    const char *line = msg, *end = msg + len, *eol;
    size_t n;

    for (; line < end; line = eol + 1) {
        eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL)
            eol = end;
        n = (size_t)(eol - line);
        if (has(line, n, "invalid PID number"))
            return true; /* empty or garbled pid file */
        if (has(line, n, "[error] open() \"") &&
            has(line, n, "(2: No such file or directory)"))
            return true; /* no pid file */
        if (has(line, n, "kill(") && has(line, n, "(3: No such process)"))
            return true; /* the pid file names a dead process */
    }
    return false;
}

enum lw_status
lw_nginx_reload(bool *running, struct lw_err *err)
{
    static const char *const args[] = {"-s", "reload", NULL};
    struct lw_proc_result r;
    char said[SHOW_MAX];
    enum lw_status st;

    *running = false;
    lw_proc_result_init(&r);
    st = run_nginx(args, &r, err);
    if (st != LW_OK)
        goto out;
    if (r.timed_out) {
        st = timed_out(err, "-s reload");
        goto out;
    }
    if (r.exit_code == 0) {
        /* `-s reload` only signals the master: for a moment old workers
         * still accept connections with the old configuration (a check
         * right after a reload saw the default site's 404).  Give them
         * the moment to hand over, so what follows sees the new one. */
        struct timespec pause = {0, 800 * 1000 * 1000};

        while (nanosleep(&pause, &pause) != 0 && errno == EINTR)
            ;
        *running = true;
        goto out;
    }
    if (r.exit_code > 0 && not_running(r.err.data, r.err.len))
        goto out;
    nginx_said(&r, said, sizeof(said));
    st = lw_err_set(err, LW_ERR_EXTERNAL, _("\"%s -s reload\" failed: %s"),
                    lw_nginx_bin(), said);
    lw_err_hint(err, "%s",
                _("Check the configuration with \"nginx -t\", then reload "
                  "nginx yourself (for example \"systemctl reload "
                  "nginx\")."));
out:
    lw_proc_result_free(&r);
    return st;
}
