/* dns.c - DNS questions to named servers on the event loop (c-ares 1.18),
 * the replies parsed here from the raw message, and the CNAME chain
 * followed explicitly.
 *
 * c-ares carries the bytes: one channel per (server, recursion) pair,
 * created on first use, its sockets watched on the loop through
 * ARES_OPT_SOCK_STATE_CB and its retransmissions driven by a loop timer
 * from ares_timeout.  Every question also has a timer of its own, the hard
 * bound of the timeout (c-ares' own can stretch): when it fires the caller
 * hears LW_DNS_TIMEOUT and the late answer, if any, is dropped.
 *
 * Replies are untrusted: the parser below is bounded (counts checked
 * against the bytes there, names at most 255 octets, compression pointers
 * only backwards past everything read so far, so they cannot loop), and
 * every name and text it returns is escaped to printable ASCII. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <ares.h>
#include <openssl/rand.h>

#include "lw/buf.h"
#include "lw/dns.h"
#include "lw/nls.h"

#define HEADER_LEN 12
#define RR_MIN_LEN 11 /* root owner, type, class, ttl, rdlength */
#define NAME_WIRE_MAX 255
#define NAME_TEXT_MAX 1100 /* 255 octets, each escaped to at most 4 */
#define POINTER_HOPS_MAX 64
#define CHAIN_STEPS_MAX 8
#define RESOLV_CONF_MAX (1024u * 1024)
#define SYSTEM_SERVERS_MAX 32

/* ---- time ---- */

static uint64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the reply parser ---- */

struct msg {
    const unsigned char *p;
    size_t len;
    char *why; /* the reason, for people, when parsing fails */
    size_t why_len;
};

static bool __attribute__((format(printf, 2, 3)))
bad(struct msg *m, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m->why, m->why_len, fmt, ap);
    va_end(ap);
    return false;
}

/* Locale-free: DNS names are ASCII-case-insensitive only. */
static unsigned char
lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static uint16_t
get16(const unsigned char *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t
get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

enum esc {
    ESC_NAME,  /* a label: the dot and spaces escaped too */
    ESC_TEXT,  /* TXT strings */
    ESC_QUOTED /* inside double quotes: the quote escaped too */
};

/* Append byte c to out (size n, *o used), escaped so that the text is
 * printable ASCII and unambiguous: \\, \DDD for other bytes, \c for the
 * separators of the mode. */
static void
put_esc(char *out, size_t n, size_t *o, unsigned char c, enum esc mode)
{
    if (*o + 5 > n)
        return; /* callers size out for the worst case */
    if (c == '\\' || (mode == ESC_NAME && c == '.') ||
        (mode == ESC_QUOTED && c == '"')) {
        out[(*o)++] = '\\';
        out[(*o)++] = (char)c;
    } else if (c > 0x20 && c < 0x7f) {
        out[(*o)++] = (char)c;
    } else if (c == ' ' && mode != ESC_NAME) {
        out[(*o)++] = ' ';
    } else {
        out[(*o)++] = '\\';
        out[(*o)++] = (char)('0' + c / 100);
        out[(*o)++] = (char)('0' + c / 10 % 10);
        out[(*o)++] = (char)('0' + c % 10);
    }
    out[*o] = '\0';
}

/* Read the (possibly compressed) name at *off into out (lower case, no
 * trailing dot, "." for the root).  *off moves past the name as it is
 * stored at *off.  Every compression pointer must point before the start
 * of the piece that contains it, so a chain of them only goes backwards
 * and ends; the hop limit is a second guard. */
static bool
read_name(struct msg *m, size_t *off, char *out, size_t n)
{
    /* cppcheck-suppress duplicateAssignExpression ; both start at *off */
    size_t pos = *off, floor = *off, end = 0, o = 0, wire = 1;
    bool jumped = false;
    int hops = 0;
    unsigned c, i;

    out[0] = '\0';
    for (;;) {
        if (pos >= m->len)
            return bad(m,
                       _("a name runs past the end of the reply (offset "
                         "%zu)"),
                       *off);
        c = m->p[pos];
        if (c == 0) {
            if (!jumped)
                end = pos + 1;
            break;
        }
        if ((c & 0xc0) == 0xc0) {
            size_t ptr;

            if (pos + 1 >= m->len)
                return bad(m,
                           _("a name runs past the end of the reply "
                             "(offset %zu)"),
                           *off);
            ptr = (size_t)(c & 0x3f) << 8 | m->p[pos + 1];
            if (!jumped)
                end = pos + 2;
            if (ptr >= floor)
                return bad(m,
                           _("a compression pointer at offset %zu does "
                             "not point to an earlier name (a loop)"),
                           pos);
            if (++hops > POINTER_HOPS_MAX)
                return bad(m,
                           _("a name at offset %zu has too many "
                             "compression pointers"),
                           *off);
            pos = floor = ptr;
            jumped = true;
            continue;
        }
        if ((c & 0xc0) != 0)
            return bad(m,
                       _("a name at offset %zu uses an unknown label "
                         "type"),
                       *off);
        if (pos + 1 + c > m->len)
            return bad(m,
                       _("a name runs past the end of the reply (offset "
                         "%zu)"),
                       *off);
        wire += c + 1;
        if (wire > NAME_WIRE_MAX)
            return bad(m,
                       _("a name at offset %zu is longer than 255 "
                         "octets"),
                       *off);
        if (o > 0 && o + 1 < n) {
            out[o++] = '.';
            out[o] = '\0';
        }
        for (i = 0; i < c; i++)
            put_esc(out, n, &o, lower(m->p[pos + 1 + i]), ESC_NAME);
        pos += 1 + c;
    }
    if (o == 0 && n > 1) {
        out[0] = '.';
        out[1] = '\0';
    }
    *off = end;
    return true;
}

/* Text of `len` bytes, escaped (see put_esc), as a new string. */
static char *
esc_dup(const unsigned char *p, size_t len, enum esc mode)
{
    size_t n = len * 4 + 1, o = 0, i;
    char *s = malloc(n + 4);

    if (s == NULL)
        return NULL;
    s[0] = '\0';
    for (i = 0; i < len; i++)
        put_esc(s, n + 4, &o, p[i], mode);
    return s;
}

static char *dup_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static char *
dup_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* The record data as text (see struct lw_dns_rr); start..end is the
 * rdata.  Names inside may point anywhere before them. */
static bool
read_rdata(struct msg *m, int type, size_t start, size_t end, char **out)
{
    char n1[NAME_TEXT_MAX], n2[NAME_TEXT_MAX];
    size_t rdlen = end - start, off = start;
    const unsigned char *p = m->p + start;
    char addr[INET6_ADDRSTRLEN];

    *out = NULL;
    switch (type) {
    case LW_DNS_A:
    case LW_DNS_AAAA: {
        size_t want = type == LW_DNS_A ? 4 : 16;

        if (rdlen != want)
            return bad(m, _("an %s record has %zu bytes of data, not %zu"),
                       type == LW_DNS_A ? "A" : "AAAA", rdlen, want);
        inet_ntop(type == LW_DNS_A ? AF_INET : AF_INET6, p, addr, sizeof(addr));
        *out = strdup(addr);
        break;
    }
    case LW_DNS_CNAME:
    case LW_DNS_NS:
    case 12: /* PTR */
        /* The name must stay inside the data: a piece read past it would
         * belong to the next record. */
        m->len = end;
        if (!read_name(m, &off, n1, sizeof(n1)))
            return false;
        if (off != end)
            return bad(m,
                       _("a record at offset %zu has data after its "
                         "name"),
                       start);
        *out = strdup(n1);
        break;
    case 15: /* MX */
        if (rdlen < 3)
            return bad(m, _("an MX record at offset %zu is too short"), start);
        m->len = end;
        off += 2;
        if (!read_name(m, &off, n1, sizeof(n1)))
            return false;
        if (off != end)
            return bad(m,
                       _("a record at offset %zu has data after its "
                         "name"),
                       start);
        *out = dup_printf("%u %s", get16(p), n1);
        break;
    case LW_DNS_SOA:
        m->len = end;
        if (!read_name(m, &off, n1, sizeof(n1)) ||
            !read_name(m, &off, n2, sizeof(n2)))
            return false;
        if (end - off != 20)
            return bad(m,
                       _("an SOA record at offset %zu has %zu bytes of "
                         "numbers, not 20"),
                       start, end - off);
        *out = dup_printf("%s %s %lu %lu %lu %lu %lu", n1, n2,
                          (unsigned long)get32(m->p + off),
                          (unsigned long)get32(m->p + off + 4),
                          (unsigned long)get32(m->p + off + 8),
                          (unsigned long)get32(m->p + off + 12),
                          (unsigned long)get32(m->p + off + 16));
        break;
    case LW_DNS_TXT: {
        struct lw_buf b = LW_BUF_INIT;
        size_t i = 0, k;
        char *piece;

        lw_buf_append(&b, "", 0);
        while (i < rdlen) {
            k = p[i];
            if (i + 1 + k > rdlen) {
                lw_buf_free(&b);
                return bad(m,
                           _("a TXT record at offset %zu runs past its "
                             "data"),
                           start);
            }
            piece = esc_dup(p + i + 1, k, ESC_TEXT);
            if (piece == NULL) {
                lw_buf_free(&b);
                return bad(m, "%s", _("out of memory"));
            }
            lw_buf_puts(&b, piece);
            free(piece);
            i += 1 + k;
        }
        if (!lw_buf_ok(&b)) {
            lw_buf_free(&b);
            return bad(m, "%s", _("out of memory"));
        }
        *out = lw_buf_steal(&b, NULL);
        break;
    }
    case LW_DNS_CAA: {
        size_t taglen;
        char *tag, *value;

        if (rdlen < 2 || p[1] == 0 || (size_t)p[1] > rdlen - 2)
            return bad(m, _("a CAA record at offset %zu is malformed"), start);
        taglen = p[1];
        tag = esc_dup(p + 2, taglen, ESC_NAME);
        value = esc_dup(p + 2 + taglen, rdlen - 2 - taglen, ESC_QUOTED);
        if (tag != NULL && value != NULL)
            *out = dup_printf("%u %s \"%s\"", p[0], tag, value);
        free(tag);
        free(value);
        break;
    }
    default: {
        struct lw_buf b = LW_BUF_INIT;
        size_t i;

        lw_buf_printf(&b, "\\# %zu", rdlen);
        if (rdlen > 0)
            lw_buf_putc(&b, ' ');
        for (i = 0; i < rdlen; i++)
            lw_buf_printf(&b, "%02x", p[i]);
        if (!lw_buf_ok(&b)) {
            lw_buf_free(&b);
            return bad(m, "%s", _("out of memory"));
        }
        *out = lw_buf_steal(&b, NULL);
        break;
    }
    }
    if (*out == NULL)
        return bad(m, "%s", _("out of memory"));
    return true;
}

static bool
read_rrs(struct msg *m, size_t *off, unsigned count, struct lw_dns_rr **out,
         size_t *n_out)
{
    char name[NAME_TEXT_MAX];
    struct lw_dns_rr *rrs;
    size_t full = m->len, rdlen, i;
    uint32_t ttl;
    bool ok;

    *out = NULL;
    *n_out = 0;
    if (count == 0)
        return true;
    /* Never allocate for records that cannot be there. */
    if ((size_t)count * RR_MIN_LEN > m->len - *off)
        return bad(m,
                   _("the reply announces %u records but is only %zu "
                     "bytes long"),
                   count, m->len);
    rrs = calloc(count, sizeof(*rrs));
    if (rrs == NULL)
        return bad(m, "%s", _("out of memory"));
    *out = rrs;
    for (i = 0; i < count; i++) {
        size_t rr_start = *off;

        if (!read_name(m, off, name, sizeof(name)))
            return false;
        if (m->len - *off < 10)
            return bad(m,
                       _("a record at offset %zu runs past the end of "
                         "the reply"),
                       rr_start);
        rrs[i].type = get16(m->p + *off);
        ttl = get32(m->p + *off + 4);
        /* RFC 2181 8: a TTL with the top bit set is zero. */
        rrs[i].ttl = ttl > 0x7fffffffu ? 0 : (unsigned)ttl;
        rdlen = get16(m->p + *off + 8);
        *off += 10;
        if (rdlen > m->len - *off)
            return bad(m,
                       _("a record at offset %zu runs past the end of "
                         "the reply"),
                       rr_start);
        rrs[i].name = strdup(name);
        *n_out = i + 1;
        if (rrs[i].name == NULL)
            return bad(m, "%s", _("out of memory"));
        ok = read_rdata(m, rrs[i].type, *off, *off + rdlen, &rrs[i].data);
        m->len = full;
        if (!ok)
            return false;
        *off += rdlen;
    }
    return true;
}

static void
free_rrs(struct lw_dns_rr *rrs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(rrs[i].name);
        free(rrs[i].data);
    }
    free(rrs);
}

void
lw_dns_answer_free(struct lw_dns_answer *ans)
{
    free_rrs(ans->answer, ans->n_answer);
    free_rrs(ans->authority, ans->n_authority);
    free_rrs(ans->additional, ans->n_additional);
    ans->answer = ans->authority = ans->additional = NULL;
    ans->n_answer = ans->n_authority = ans->n_additional = 0;
}

enum lw_status
lw_dns_parse(const unsigned char *msg, size_t len, struct lw_dns_answer *ans,
             struct lw_err *err)
{
    const unsigned char *p = msg;
    char why[128], name[NAME_TEXT_MAX];
    struct msg m = {p, len, why, sizeof(why)};
    unsigned qd, an, ns, ar, i;
    size_t off = HEADER_LEN;
    bool ok = true, tc;

    memset(ans, 0, sizeof(*ans));
    ans->outcome = LW_DNS_BADREPLY;
    why[0] = '\0';
    if (p == NULL || len < HEADER_LEN) {
        ok = bad(&m,
                 _("the reply is %zu bytes long, shorter than a DNS "
                   "header"),
                 p == NULL ? 0 : len);
        goto out;
    }
    if ((p[2] & 0x80) == 0) {
        ok = bad(&m, "%s", _("the message is a question, not a reply"));
        goto out;
    }
    tc = (p[2] & 0x02) != 0;
    ans->aa = (p[2] & 0x04) != 0;
    ans->rcode = p[3] & 0x0f;
    qd = get16(p + 4);
    an = get16(p + 6);
    ns = get16(p + 8);
    ar = get16(p + 10);
    for (i = 0; ok && i < qd; i++) {
        ok = read_name(&m, &off, name, sizeof(name));
        if (ok && len - off < 4)
            ok = bad(&m, "%s",
                     _("the question runs past the end of the "
                       "reply"));
        off += ok ? 4 : 0;
    }
    if (ok)
        ok = read_rrs(&m, &off, an, &ans->answer, &ans->n_answer);
    if (ok)
        ok = read_rrs(&m, &off, ns, &ans->authority, &ans->n_authority);
    /* The additional section only saves questions (glue): one that
     * cannot be read is dropped, and the reply still counts. */
    if (ok && !read_rrs(&m, &off, ar, &ans->additional, &ans->n_additional)) {
        free_rrs(ans->additional, ans->n_additional);
        ans->additional = NULL;
        ans->n_additional = 0;
        why[0] = '\0';
    }
    if (!ok && tc) {
        char inner[128];

        memcpy(inner, why, sizeof(inner));
        snprintf(why, sizeof(why), _("the reply was truncated: %s"), inner);
    }
out:
    if (!ok) {
        lw_dns_answer_free(ans);
        snprintf(ans->error, sizeof(ans->error), "%s", why);
        return lw_err_set(err, LW_ERR_INPUT, _("malformed DNS reply: %s"), why);
    }
    ans->outcome = LW_DNS_ANSWERED;
    return LW_OK;
}

/* ---- servers ---- */

/* Operator or file text in a message: printable, bounded. */
static void
clean(char *out, size_t n, const char *s)
{
    size_t o = 0;

    for (; *s != '\0' && o + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;

        out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (*s != '\0' && n > 4) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static bool
parse_port(const char *s, unsigned *port)
{
    unsigned long v = 0;

    if (*s == '\0' || strlen(s) > 5)
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    if (v < 1 || v > 65535)
        return false;
    *port = (unsigned)v;
    return true;
}

static void
set_label(struct lw_dns_server *out, bool v6)
{
    if (out->port == 53)
        snprintf(out->label, sizeof(out->label), "%s", out->addr);
    else if (v6)
        snprintf(out->label, sizeof(out->label), "[%s]:%u", out->addr,
                 out->port);
    else
        snprintf(out->label, sizeof(out->label), "%s:%u", out->addr, out->port);
}

enum lw_status
lw_dns_server_parse(const char *s, struct lw_dns_server *out,
                    struct lw_err *err)
{
    char host[64], shown[80];
    const char *port = NULL, *colon, *close, *orig;
    unsigned char bin[16];
    size_t hl;
    bool v6;

    memset(out, 0, sizeof(*out));
    out->port = 53;
    if (s == NULL)
        s = "";
    orig = s;
    if (s[0] == '[') {
        close = strchr(s, ']');
        if (close == NULL)
            goto bad;
        hl = (size_t)(close - s - 1);
        if (close[1] == ':')
            port = close + 2;
        else if (close[1] != '\0')
            goto bad;
        s++;
        v6 = true;
    } else {
        colon = strchr(s, ':');
        if (colon != NULL && strchr(colon + 1, ':') == NULL) {
            hl = (size_t)(colon - s); /* ADDR:PORT */
            port = colon + 1;
            v6 = false;
        } else {
            hl = strlen(s); /* an IPv4 or a bare IPv6 address */
            v6 = colon != NULL;
        }
    }
    if (hl == 0 || hl >= sizeof(host))
        goto bad;
    memcpy(host, s, hl);
    host[hl] = '\0';
    if (inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) != 1)
        goto bad;
    if (port != NULL && !parse_port(port, &out->port)) {
        clean(shown, sizeof(shown), port);
        lw_err_set(err, LW_ERR_INPUT,
                   _("resolver port \"%s\" is not a number from 1 to 65535"),
                   shown);
        lw_err_hint(err, "%s",
                    _("Give the resolver as ADDR, ADDR:PORT or [IPv6]:PORT, "
                      "for example 1.1.1.1 or [2606:4700:4700::1111]:53."));
        return LW_ERR_INPUT;
    }
    inet_ntop(v6 ? AF_INET6 : AF_INET, bin, out->addr, sizeof(out->addr));
    set_label(out, v6);
    return LW_OK;
bad:
    clean(shown, sizeof(shown), orig);
    memset(out, 0, sizeof(*out));
    lw_err_set(err, LW_ERR_INPUT,
               _("resolver \"%s\" is not a numeric IP address with an "
                 "optional port"),
               shown);
    lw_err_hint(err, "%s",
                _("Give the resolver as ADDR, ADDR:PORT or [IPv6]:PORT, "
                  "for example 1.1.1.1 or [2606:4700:4700::1111]:53."));
    return LW_ERR_INPUT;
}

enum lw_status
lw_dns_system_servers(const char *root, struct lw_dns_server **out, size_t *n,
                      struct lw_err *err)
{
    struct lw_buf file = LW_BUF_INIT, path = LW_BUF_INIT;
    struct lw_dns_server *list = NULL;
    enum lw_status st;
    char *line, *save = NULL, *tok, *addr, *ctx = NULL;
    unsigned char bin[16];
    size_t count = 0;

    *out = NULL;
    *n = 0;
    if (root == NULL || *root == '\0')
        root = "/";
    lw_buf_puts(&path, root);
    if (path.len > 0 && path.data[path.len - 1] == '/')
        path.len--;
    lw_buf_puts(&path, "/etc/resolv.conf");
    st = lw_buf_status(&path, err);
    if (st != LW_OK)
        goto out;
    st = lw_buf_read_file(&file, path.data, RESOLV_CONF_MAX, err);
    if (st != LW_OK)
        goto out;
    list = calloc(SYSTEM_SERVERS_MAX, sizeof(*list));
    if (list == NULL) {
        st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        goto out;
    }
    lw_buf_append(&file, "", 0);
    for (line = strtok_r(file.data, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        tok = strtok_r(line, " \t\r", &ctx);
        if (tok == NULL || strcmp(tok, "nameserver") != 0)
            continue;
        addr = strtok_r(NULL, " \t\r#;", &ctx);
        if (addr == NULL || count == SYSTEM_SERVERS_MAX)
            continue;
        /* Numeric only, as c-ares and glibc read it; a scoped or broken
         * entry is skipped rather than failing the run. */
        if (inet_pton(AF_INET, addr, bin) == 1) {
            inet_ntop(AF_INET, bin, list[count].addr, sizeof(list[count].addr));
            list[count].port = 53;
            set_label(&list[count], false);
        } else if (inet_pton(AF_INET6, addr, bin) == 1) {
            inet_ntop(AF_INET6, bin, list[count].addr,
                      sizeof(list[count].addr));
            list[count].port = 53;
            set_label(&list[count], true);
        } else {
            continue;
        }
        count++;
    }
    if (count == 0) {
        st = lw_err_set(err, LW_ERR_NOTFOUND,
                        _("%s has no usable \"nameserver\" line"), path.data);
        lw_err_hint(
            err, "%s",
            _("Name the resolvers to ask with --resolver ADDR[:PORT]."));
        goto out;
    }
    *out = list;
    *n = count;
    list = NULL;
out:
    free(list);
    lw_buf_free(&file);
    lw_buf_free(&path);
    return st;
}

/* ---- the client ---- */

struct chan {
    struct lw_dns *dns;
    ares_channel ch;
    char addr[64];
    unsigned port;
    bool recurse;
    char label[80];
    struct lw_timer *timer; /* c-ares' next timeout */
    struct chan *next;
};

struct query {
    struct lw_dns *dns;
    struct chan *chan;
    lw_dns_cb cb;
    void *ud;
    bool done;    /* reported, or cancelled: never report (again) */
    bool in_ares; /* c-ares still holds it and will call back */
    bool sending; /* inside ares_send: a result now is reported later */
    bool refused; /* a refusal on its channel is reported from a timer */
    unsigned short qid; /* the DNS message ID sent */
    struct lw_timer *timer; /* the hard bound, then a deferred report */
    enum lw_dns_outcome deferred;
    char deferred_error[160];
    uint64_t start;
    struct query *prev, *next;
};

struct resolve;

struct lw_dns {
    struct lw_loop *loop;
    long timeout_ms;
    struct chan *chans;
    struct query *queries;
    struct resolve *resolves;
    int depth;  /* nesting of our calls that may run callers' callbacks */
    bool dying; /* lw_dns_free ran inside a callback: free on the way out */
};

static void dns_destroy(struct lw_dns *dns);

/* Around everything that may call a caller's callback: lw_dns_free from
 * inside one only marks the client, and the outermost leave frees it.
 * Nothing of dns may be touched after leave. */
static void
enter(struct lw_dns *dns)
{
    dns->depth++;
}

static void
leave(struct lw_dns *dns)
{
    if (--dns->depth == 0 && dns->dying)
        dns_destroy(dns);
}

static void
query_unlink_free(struct query *q)
{
    struct lw_dns *dns = q->dns;

    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        dns->queries = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
    free(q);
}

/* No callback for q from now on; freed now or when c-ares lets go. */
static void
query_cancel(struct query *q)
{
    if (q == NULL)
        return;
    q->done = true;
    lw_loop_timer_cancel(q->dns->loop, q->timer);
    q->timer = NULL;
    if (!q->in_ares && !q->dns->dying)
        query_unlink_free(q);
}

static void chan_rearm(struct chan *c);

static void
on_chan_io(struct lw_loop *loop, int fd, unsigned revents, void *ud)
{
    struct chan *c = ud;
    struct lw_dns *dns = c->dns;

    (void)loop;
    enter(dns);
    ares_process_fd(c->ch, revents & LW_IO_READ ? fd : ARES_SOCKET_BAD,
                    revents & LW_IO_WRITE ? fd : ARES_SOCKET_BAD);
    if (!dns->dying)
        chan_rearm(c);
    leave(dns);
}

static void
on_chan_timer(struct lw_loop *loop, void *ud)
{
    struct chan *c = ud;
    struct lw_dns *dns = c->dns;

    (void)loop;
    c->timer = NULL;
    enter(dns);
    ares_process_fd(c->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    if (!dns->dying)
        chan_rearm(c);
    leave(dns);
}

static void
chan_rearm(struct chan *c)
{
    struct timeval tv, *tvp;
    long ms;

    lw_loop_timer_cancel(c->dns->loop, c->timer);
    c->timer = NULL;
    tvp = ares_timeout(c->ch, NULL, &tv);
    if (tvp == NULL)
        return;
    ms = (long)tvp->tv_sec * 1000 + (long)(tvp->tv_usec + 999) / 1000;
    c->timer = lw_loop_timer(c->dns->loop, ms, on_chan_timer, c);
}

static void
on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    struct chan *c = data;
    unsigned ev = (readable ? LW_IO_READ : 0) | (writable ? LW_IO_WRITE : 0);

    /* Failing to watch (out of memory) leaves the hard timer to end the
     * question. */
    lw_loop_watch(c->dns->loop, fd, ev, ev != 0 ? on_chan_io : NULL, c, NULL);
}

static enum lw_status
chan_get(struct lw_dns *dns, const struct lw_dns_server *server, bool recurse,
         struct chan **out, struct lw_err *err)
{
    struct ares_options o;
    struct ares_addr_port_node node;
    struct chan *c;
    int rc;

    for (c = dns->chans; c != NULL; c = c->next) {
        if (c->recurse == recurse && c->port == server->port &&
            strcmp(c->addr, server->addr) == 0) {
            *out = c;
            return LW_OK;
        }
    }
    memset(&node, 0, sizeof(node));
    if (inet_pton(AF_INET, server->addr, &node.addr.addr4) == 1) {
        node.family = AF_INET;
    } else if (inet_pton(AF_INET6, server->addr, &node.addr.addr6) == 1) {
        node.family = AF_INET6;
    } else {
        return lw_err_set(err, LW_ERR_INPUT,
                          _("resolver \"%s\" is not a numeric IP address"),
                          server->label);
    }
    if (server->port < 1 || server->port > 65535)
        return lw_err_set(err, LW_ERR_INPUT,
                          _("resolver \"%s\" has no valid port"),
                          server->label);
    node.udp_port = node.tcp_port = (int)server->port;

    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    c->dns = dns;
    snprintf(c->addr, sizeof(c->addr), "%s", server->addr);
    snprintf(c->label, sizeof(c->label), "%s", server->label);
    c->port = server->port;
    c->recurse = recurse;
    memset(&o, 0, sizeof(o));
    /* NOCHECKRESP: SERVFAIL and REFUSED are answers the checks report,
     * not reasons to try elsewhere. */
    o.flags = ARES_FLAG_NOCHECKRESP | (recurse ? 0 : ARES_FLAG_NORECURSE);
    o.timeout = (int)dns->timeout_ms;
    o.tries = 1;
    o.sock_state_cb = on_sock_state;
    o.sock_state_cb_data = c;
    rc = ares_init_options(&c->ch, &o,
                           ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS |
                               ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB);
    if (rc != ARES_SUCCESS) {
        free(c);
        return lw_err_set(
            err, rc == ARES_ENOMEM ? LW_ERR_NOMEM : LW_ERR_INTERNAL,
            _("cannot set up a DNS client: %s"), ares_strerror(rc));
    }
    rc = ares_set_servers_ports(c->ch, &node);
    if (rc != ARES_SUCCESS) {
        ares_destroy(c->ch);
        free(c);
        return lw_err_set(err, LW_ERR_INTERNAL, _("cannot use resolver %s: %s"),
                          server->label, ares_strerror(rc));
    }
    c->next = dns->chans;
    dns->chans = c;
    *out = c;
    return LW_OK;
}

/* The outcome and message for a c-ares status other than success. */
static enum lw_dns_outcome
ares_outcome(const struct query *q, int status, char *msg, size_t n)
{
    switch (status) {
    case ARES_ETIMEOUT:
        snprintf(msg, n, _("no answer from %s within %ld ms"), q->chan->label,
                 q->dns->timeout_ms);
        return LW_DNS_TIMEOUT;
    case ARES_EBADRESP:
    case ARES_EFORMERR:
        snprintf(msg, n, _("malformed DNS reply from %s"), q->chan->label);
        return LW_DNS_BADREPLY;
    case ARES_ECONNREFUSED:
        snprintf(msg, n,
                 _("%s refused the connection (nothing answers DNS "
                   "there)"),
                 q->chan->label);
        return LW_DNS_NETERROR;
    default:
        snprintf(msg, n, _("cannot ask %s: %s"), q->chan->label,
                 ares_strerror(status));
        return LW_DNS_NETERROR;
    }
}

static void
report(struct query *q, struct lw_dns_answer *ans)
{
    struct lw_dns *dns = q->dns;

    q->done = true;
    lw_loop_timer_cancel(dns->loop, q->timer);
    q->timer = NULL;
    ans->elapsed_ms = (long)(mono_ms() - q->start);
    q->cb(q->ud, ans);
}

static void
on_deferred(struct lw_loop *loop, void *ud)
{
    struct query *q = ud;
    struct lw_dns *dns = q->dns;
    struct lw_dns_answer ans;

    (void)loop;
    q->timer = NULL;
    memset(&ans, 0, sizeof(ans));
    ans.outcome = q->deferred;
    snprintf(ans.error, sizeof(ans.error), "%s", q->deferred_error);
    enter(dns);
    report(q, &ans);
    /* A refused sibling stays with c-ares until it lets go. */
    if (!dns->dying && !q->in_ares)
        query_unlink_free(q);
    leave(dns);
}

/* The server at q's channel refused (ICMP port unreachable): the other
 * questions out to it are lost too, but the socket reports the error
 * only once (on loopback, often to the next send, not to the question
 * that caused it), so they would wait for the timeout.  They hear the
 * refusal now, from the loop. */
static void
refuse_siblings(struct query *q)
{
    struct lw_dns *dns = q->dns;
    struct query *o;

    for (o = dns->queries; o != NULL; o = o->next) {
        struct lw_timer *t;

        if (o == q || o->chan != q->chan || o->done || o->sending ||
            o->refused || !o->in_ares)
            continue;
        t = lw_loop_timer(dns->loop, 0, on_deferred, o);
        if (t == NULL)
            continue; /* the hard timeout still ends it */
        lw_loop_timer_cancel(dns->loop, o->timer);
        o->timer = t;
        o->refused = true;
        o->deferred = ares_outcome(o, ARES_ECONNREFUSED, o->deferred_error,
                                   sizeof(o->deferred_error));
    }
}

static void
on_hard_timeout(struct lw_loop *loop, void *ud)
{
    struct query *q = ud;
    struct lw_dns *dns = q->dns;
    struct lw_dns_answer ans;

    (void)loop;
    q->timer = NULL;
    memset(&ans, 0, sizeof(ans));
    ans.outcome = LW_DNS_TIMEOUT;
    snprintf(ans.error, sizeof(ans.error), _("no answer from %s within %ld ms"),
             q->chan->label, dns->timeout_ms);
    /* c-ares keeps the question until its own timeout; q waits for it. */
    enter(dns);
    report(q, &ans);
    leave(dns);
}

static void
on_ares(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    struct query *q = arg;
    struct lw_dns *dns = q->dns;
    struct lw_dns_answer ans;
    char why[160];

    (void)timeouts;
    q->in_ares = false;
    if (q->done) {
        if (!dns->dying)
            query_unlink_free(q);
        return;
    }
    if (q->sending) {
        /* A failure inside ares_send: reported from the loop, as
         * promised, not from inside lw_dns_query. */
        struct lw_timer *t = lw_loop_timer(dns->loop, 0, on_deferred, q);

        q->deferred = ares_outcome(q, status, q->deferred_error,
                                   sizeof(q->deferred_error));
        if (t != NULL) {
            lw_loop_timer_cancel(dns->loop, q->timer);
            q->timer = t;
        }
        if (status == ARES_ECONNREFUSED)
            refuse_siblings(q);
        return;
    }
    if (status == ARES_ECONNREFUSED)
        refuse_siblings(q);
    if (status == ARES_SUCCESS && abuf != NULL && alen >= 0) {
        lw_dns_parse(abuf, (size_t)alen, &ans, NULL);
        if (ans.outcome != LW_DNS_ANSWERED) {
            snprintf(why, sizeof(why), "%s", ans.error);
            snprintf(ans.error, sizeof(ans.error),
                     _("malformed DNS reply from %s: %s"), q->chan->label, why);
        }
    } else {
        memset(&ans, 0, sizeof(ans));
        ans.outcome = ares_outcome(q, status, ans.error, sizeof(ans.error));
    }
    report(q, &ans);
    lw_dns_answer_free(&ans);
    if (!dns->dying)
        query_unlink_free(q);
}

/* Lower case, without the trailing dot; false when it cannot be a name
 * to ask. */
static bool
normalize(const char *name, char *out, size_t n)
{
    size_t len, i;

    if (name == NULL)
        return false;
    len = strlen(name);
    if (len > 1 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > 253 || len >= n)
        return false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];

        if (c <= 0x20 || c >= 0x7f)
            return false;
        out[i] = (char)lower(c);
    }
    out[len] = '\0';
    return true;
}

/* A random message ID not used by a question still in flight on c. */
static unsigned short
new_qid(const struct lw_dns *dns, const struct chan *c)
{
    unsigned short id = 0;
    const struct query *q;
    int tries;

    for (tries = 0; tries < 64; tries++) {
        if (RAND_bytes((unsigned char *)&id, sizeof(id)) != 1)
            id = (unsigned short)(id * 31421u + 6927u + (unsigned)tries);
        for (q = dns->queries; q != NULL; q = q->next)
            if (q->chan == c && q->in_ares && q->qid == id)
                break;
        if (q == NULL)
            break;
    }
    return id;
}

static enum lw_status
query_start(struct lw_dns *dns, const struct lw_dns_server *server,
            const char *name, int type, bool recurse, lw_dns_cb cb, void *ud,
            struct query **out, struct lw_err *err)
{
    char norm[256], shown[80];
    unsigned char *qbuf = NULL;
    struct query *q;
    struct chan *c = NULL;
    enum lw_status st;
    unsigned short qid;
    int qlen = 0, rc;

    if (out != NULL)
        *out = NULL;
    if (dns->dying || cb == NULL || server == NULL)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: bad DNS question"));
    if (type < 1 || type > 65535 || !normalize(name, norm, sizeof(norm))) {
        clean(shown, sizeof(shown), name != NULL ? name : "");
        return lw_err_set(err, LW_ERR_INPUT, _("\"%s\" cannot be asked in DNS"),
                          shown);
    }
    st = chan_get(dns, server, recurse, &c, err);
    if (st != LW_OK)
        return st;
    /* c-ares 1.18 sends the ID it is given and matches replies by it:
     * each question gets a random ID, unique among those in flight on its
     * channel (a fixed ID mixes up concurrent replies, and is easy to
     * spoof). */
    qid = new_qid(dns, c);
    rc = ares_create_query(norm, 1 /* IN */, type, qid, recurse ? 1 : 0,
                           &qbuf, &qlen, 0);
    if (rc != ARES_SUCCESS) {
        clean(shown, sizeof(shown), norm);
        return lw_err_set(err, rc == ARES_ENOMEM ? LW_ERR_NOMEM : LW_ERR_INPUT,
                          _("\"%s\" cannot be asked in DNS: %s"), shown,
                          ares_strerror(rc));
    }
    q = calloc(1, sizeof(*q));
    if (q == NULL) {
        ares_free_string(qbuf);
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    q->dns = dns;
    q->chan = c;
    q->qid = qid;
    q->cb = cb;
    q->ud = ud;
    q->start = mono_ms();
    q->timer = lw_loop_timer(dns->loop, dns->timeout_ms, on_hard_timeout, q);
    if (q->timer == NULL) {
        free(q);
        ares_free_string(qbuf);
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    q->next = dns->queries;
    if (q->next != NULL)
        q->next->prev = q;
    dns->queries = q;
    q->in_ares = true;
    q->sending = true;
    /* chan_get sets c on LW_OK (lw_err_set, in another file, never
     * returns LW_OK): NOLINTNEXTLINE(clang-analyzer-core.NullDereference) */
    ares_send(c->ch, qbuf, qlen, on_ares, q);
    q->sending = false;
    ares_free_string(qbuf);
    chan_rearm(c);
    if (out != NULL)
        *out = q;
    return LW_OK;
}

enum lw_status
lw_dns_new(struct lw_loop *loop, long timeout_ms, struct lw_dns **out,
           struct lw_err *err)
{
    struct lw_dns *dns;
    int rc;

    *out = NULL;
    if (loop == NULL || timeout_ms <= 0 || timeout_ms > 3600000)
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("internal error: DNS timeout of %ld ms"),
                          timeout_ms);
    rc = ares_library_init(ARES_LIB_INIT_ALL);
    if (rc != ARES_SUCCESS)
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("cannot set up a DNS client: %s"),
                          ares_strerror(rc));
    dns = calloc(1, sizeof(*dns));
    if (dns == NULL) {
        ares_library_cleanup();
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    dns->loop = loop;
    dns->timeout_ms = timeout_ms;
    *out = dns;
    return LW_OK;
}

enum lw_status
lw_dns_query(struct lw_dns *dns, const struct lw_dns_server *server,
             const char *name, int type, bool recurse, lw_dns_cb cb, void *ud,
             struct lw_err *err)
{
    return query_start(dns, server, name, type, recurse, cb, ud, NULL, err);
}

/* ---- following a name ---- */

struct strv {
    char **v; /* NULL-terminated */
    size_t n;
};

/* One address type followed along the chain. */
struct lookup {
    int type;        /* LW_DNS_A or LW_DNS_AAAA */
    struct query *q; /* the pending question, or NULL */
    size_t at;       /* index in names of the name last asked */
    int asks;        /* questions sent: bounded */
    bool done;
};

struct resolve {
    struct lw_dns *dns;
    struct lw_dns_server server;
    lw_dns_chain_cb cb;
    void *ud;
    struct strv names, v4, v6, other;
    bool loop, too_long;
    unsigned min_ttl;
    bool have_ttl;
    unsigned neg_ttl; /* from an SOA, when no record gave a TTL */
    bool have_neg_ttl;
    struct lookup a, aaaa; /* asked together, from the start */
    struct query *qtxt, *qmx;
    struct lw_timer *deadline;
    bool side_asked; /* TXT and MX asked at the name */
    bool cname_at_name;
    int at_name[16]; /* record types seen at the name itself */
    size_t n_at_name;
    enum lw_dns_outcome outcome;
    int rcode;
    char error[160];
    uint64_t start;
    bool oom;
    struct resolve *prev, *next;
};

static bool
strv_has(const struct strv *s, const char *x)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        if (strcmp(s->v[i], x) == 0)
            return true;
    }
    return false;
}

static bool
strv_add(struct strv *s, const char *x)
{
    char **v, *d;

    if (strv_has(s, x))
        return true;
    d = strdup(x);
    v = d != NULL ? realloc(s->v, (s->n + 2) * sizeof(*v)) : NULL;
    if (v == NULL) {
        free(d);
        return false;
    }
    v[s->n++] = d;
    v[s->n] = NULL;
    s->v = v;
    return true;
}

static void
strv_free(struct strv *s)
{
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static void
ttl_seen(struct resolve *r, unsigned ttl)
{
    if (!r->have_ttl || ttl < r->min_ttl)
        r->min_ttl = ttl;
    r->have_ttl = true;
}

static void
resolve_unlink(struct resolve *r)
{
    if (r->prev != NULL)
        r->prev->next = r->next;
    else if (r->dns->resolves == r)
        r->dns->resolves = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

/* Cancel every question r still waits for. */
static void
resolve_cancel_all(struct resolve *r)
{
    query_cancel(r->a.q);
    query_cancel(r->aaaa.q);
    query_cancel(r->qtxt);
    query_cancel(r->qmx);
    r->a.q = r->aaaa.q = r->qtxt = r->qmx = NULL;
}

static void
resolve_free(struct resolve *r)
{
    lw_loop_timer_cancel(r->dns->loop, r->deadline);
    resolve_cancel_all(r);
    strv_free(&r->names);
    strv_free(&r->v4);
    strv_free(&r->v6);
    strv_free(&r->other);
    free(r);
}

static const char *
type_name(int type, char *buf, size_t n)
{
    switch (type) {
    case LW_DNS_A:
        return "A";
    case LW_DNS_NS:
        return "NS";
    case LW_DNS_CNAME:
        return "CNAME";
    case LW_DNS_SOA:
        return "SOA";
    case 15:
        return "MX";
    case LW_DNS_TXT:
        return "TXT";
    case LW_DNS_AAAA:
        return "AAAA";
    case LW_DNS_CAA:
        return "CAA";
    default:
        snprintf(buf, n, "TYPE%d", type);
        return buf;
    }
}

/* Report and free r (the caller holds enter()). */
static void
resolve_finish(struct resolve *r)
{
    struct lw_dns_chain c;
    char buf[16];
    size_t i;

    resolve_unlink(r);
    lw_loop_timer_cancel(r->dns->loop, r->deadline);
    r->deadline = NULL;
    resolve_cancel_all(r);
    if (r->cname_at_name) {
        for (i = 0; i < r->n_at_name; i++) {
            if (!strv_add(&r->other,
                          type_name(r->at_name[i], buf, sizeof(buf))))
                r->oom = true;
        }
    }
    memset(&c, 0, sizeof(c));
    c.outcome = r->outcome;
    c.rcode = r->rcode;
    if (r->oom && c.outcome == LW_DNS_ANSWERED) {
        c.outcome = LW_DNS_NETERROR;
        snprintf(r->error, sizeof(r->error), "%s", _("out of memory"));
    }
    /* Empty lists are still NULL-terminated arrays; names has the name. */
    if ((r->v4.v != NULL || (r->v4.v = calloc(1, sizeof(char *))) != NULL) &&
        (r->v6.v != NULL || (r->v6.v = calloc(1, sizeof(char *))) != NULL) &&
        (r->other.v != NULL ||
         (r->other.v = calloc(1, sizeof(char *))) != NULL)) {
        c.names = r->names.v;
        c.n_names = r->names.n;
        c.v4 = r->v4.v;
        c.n_v4 = r->v4.n;
        c.v6 = r->v6.v;
        c.n_v6 = r->v6.n;
        c.other = r->other.v;
        c.n_other = r->other.n;
    } else {
        static char *empty[1] = {NULL};

        c.names = c.v4 = c.v6 = c.other = empty;
        c.outcome = LW_DNS_NETERROR;
        snprintf(r->error, sizeof(r->error), "%s", _("out of memory"));
    }
    c.loop = r->loop;
    c.too_long = r->too_long;
    c.min_ttl = r->have_ttl ? r->min_ttl : r->have_neg_ttl ? r->neg_ttl : 0;
    c.elapsed_ms = (long)(mono_ms() - r->start);
    snprintf(c.error, sizeof(c.error), "%s", r->error);
    r->cb(r->ud, &c);
    resolve_free(r);
}

/* Report once A and AAAA are settled and, when a CNAME is at the name,
 * TXT and MX too (without one, records beside the name do not matter). */
static void
resolve_maybe_finish(struct resolve *r)
{
    if (!r->a.done || !r->aaaa.done)
        return;
    if (!r->cname_at_name) {
        query_cancel(r->qtxt);
        query_cancel(r->qmx);
        r->qtxt = r->qmx = NULL;
    }
    if (r->qtxt == NULL && r->qmx == NULL)
        resolve_finish(r);
}

static void
note_at_name(struct resolve *r, const struct lw_dns_answer *ans)
{
    size_t i, j;

    if (r->names.n == 0)
        return;
    for (i = 0; i < ans->n_answer; i++) {
        const struct lw_dns_rr *rr = &ans->answer[i];

        if (strcmp(rr->name, r->names.v[0]) != 0)
            continue;
        if (rr->type == LW_DNS_CNAME) {
            r->cname_at_name = true;
            continue;
        }
        if (rr->type == 46) /* RRSIG: signatures go with anything */
            continue;
        for (j = 0; j < r->n_at_name; j++) {
            if (r->at_name[j] == rr->type)
                break;
        }
        if (j == r->n_at_name && r->n_at_name < 16)
            r->at_name[r->n_at_name++] = rr->type;
    }
}

/* The SOA in the authority section gives the negative-caching time. */
static void
note_negative_ttl(struct resolve *r, const struct lw_dns_answer *ans)
{
    size_t i;

    for (i = 0; i < ans->n_authority; i++) {
        const struct lw_dns_rr *rr = &ans->authority[i];
        const char *sp = rr->data;
        unsigned long minimum;
        int k;

        if (rr->type != LW_DNS_SOA)
            continue;
        /* The seventh field of "mname rname serial refresh retry expire
         * minimum" (names are escaped: no spaces in them). */
        for (k = 0; k < 6 && sp != NULL; k++) {
            sp = strchr(sp, ' ');
            if (sp != NULL)
                sp++;
        }
        if (sp == NULL)
            continue;
        minimum = strtoul(sp, NULL, 10);
        r->neg_ttl = rr->ttl < minimum ? rr->ttl : (unsigned)minimum;
        r->have_neg_ttl = true;
        return;
    }
}

enum { FOLLOW_OVER = -1, FOLLOW_DIVERGES = -2 };

/* Follow the CNAMEs of ans from names[at], merging with the chain known
 * so far (the other type's answer may have brought it already): a known
 * step is walked, a new one added at the end.  Returns the index in
 * r->names where the answer's chain stops; FOLLOW_OVER when it loops,
 * grows too long or memory ran out (the chain is over); FOLLOW_DIVERGES
 * when it leaves the known chain (the answers disagree). */
static long
follow(struct resolve *r, const struct lw_dns_answer *ans, size_t at)
{
    size_t i;
    bool moved;

    do {
        const char *cur = r->names.v[at];

        moved = false;
        for (i = 0; i < ans->n_answer; i++) {
            const struct lw_dns_rr *rr = &ans->answer[i];

            if (rr->type != LW_DNS_CNAME || strcmp(rr->name, cur) != 0)
                continue;
            ttl_seen(r, rr->ttl);
            if (at + 1 < r->names.n) {
                if (strcmp(r->names.v[at + 1], rr->data) != 0)
                    return FOLLOW_DIVERGES;
            } else if (strv_has(&r->names, rr->data)) {
                r->loop = true;
                return FOLLOW_OVER;
            } else if (r->names.n > CHAIN_STEPS_MAX) {
                r->too_long = true;
                return FOLLOW_OVER;
            } else if (!strv_add(&r->names, rr->data)) {
                r->oom = true;
                return FOLLOW_OVER;
            }
            at++;
            moved = true;
            break;
        }
    } while (moved);
    return (long)at;
}

/* Whether the authority section of ans holds the SOA of a zone that name
 * is in: the server looked at name and it has no such records (RFC 2308
 * NODATA), rather than stopping before it. */
static bool
nodata_at(const struct lw_dns_answer *ans, const char *name)
{
    size_t i, nl = strlen(name), zl;

    for (i = 0; i < ans->n_authority; i++) {
        const struct lw_dns_rr *rr = &ans->authority[i];

        if (rr->type != LW_DNS_SOA)
            continue;
        zl = strlen(rr->name);
        if (strcmp(rr->name, ".") == 0 || strcmp(rr->name, name) == 0 ||
            (nl > zl && name[nl - zl - 1] == '.' &&
             strcmp(name + nl - zl, rr->name) == 0))
            return true;
    }
    return false;
}

static void
collect(struct resolve *r, const struct lw_dns_answer *ans, const char *owner,
        int type, struct strv *into)
{
    size_t i;

    for (i = 0; i < ans->n_answer; i++) {
        const struct lw_dns_rr *rr = &ans->answer[i];

        if (rr->type != type || strcmp(rr->name, owner) != 0)
            continue;
        ttl_seen(r, rr->ttl);
        if (!strv_add(into, rr->data))
            r->oom = true;
    }
}

static void on_a(void *ud, const struct lw_dns_answer *ans);
static void on_aaaa(void *ud, const struct lw_dns_answer *ans);
static void on_txt(void *ud, const struct lw_dns_answer *ans);
static void on_mx(void *ud, const struct lw_dns_answer *ans);

/* Ask server for type at names[at] (a lookup's next question) or at the
 * name (TXT, MX). */
static enum lw_status
resolve_ask(struct resolve *r, int type, size_t at, struct lw_err *err)
{
    struct lookup *lk = type == LW_DNS_A      ? &r->a
                        : type == LW_DNS_AAAA ? &r->aaaa
                                              : NULL;
    struct query **slot = lk != NULL ? &lk->q
                          : type == LW_DNS_TXT ? &r->qtxt
                                               : &r->qmx;
    lw_dns_cb cb = type == LW_DNS_A      ? on_a
                   : type == LW_DNS_AAAA ? on_aaaa
                   : type == LW_DNS_TXT  ? on_txt
                                         : on_mx;

    if (lk != NULL) {
        lk->at = at;
        lk->asks++;
    }
    return query_start(r->dns, &r->server, r->names.v[at], type, true, cb, r,
                       slot, err);
}

static void
ask_side(struct resolve *r)
{
    struct lw_err err;

    if (r->side_asked)
        return;
    r->side_asked = true;
    /* Best effort: without them only the diagnosis is poorer. */
    resolve_ask(r, LW_DNS_TXT, 0, &err);
    resolve_ask(r, 15, 0, &err);
}

/* The chain is over (a loop, too long): no more addresses to ask for. */
static void
chain_over(struct resolve *r)
{
    query_cancel(r->a.q);
    query_cancel(r->aaaa.q);
    r->a.q = r->aaaa.q = NULL;
    r->a.done = r->aaaa.done = true;
    resolve_maybe_finish(r);
}

/* An answer to lookup lk (A or AAAA) of r. */
static void
on_addr(struct resolve *r, struct lookup *lk, const struct lw_dns_answer *ans)
{
    struct strv *into = lk->type == LW_DNS_A ? &r->v4 : &r->v6;
    struct lw_err err;
    size_t last;
    long end;

    lk->q = NULL;
    if (ans->outcome != LW_DNS_ANSWERED) {
        if (lk->type == LW_DNS_A) {
            /* No chain: the rest does not matter. */
            r->outcome = ans->outcome;
            snprintf(r->error, sizeof(r->error), "%s", ans->error);
            resolve_finish(r);
            return;
        }
        if (ans->outcome == LW_DNS_NETERROR && !r->a.done) {
            /* The server cannot be asked (a refusal on the socket both
             * questions share may reach only one of them). */
            r->outcome = ans->outcome;
            snprintf(r->error, sizeof(r->error), "%s", ans->error);
            resolve_finish(r);
            return;
        }
        snprintf(r->error, sizeof(r->error), _("no AAAA answer: %s"),
                 ans->error);
        lk->done = true;
        resolve_maybe_finish(r);
        return;
    }
    if (lk->type == LW_DNS_A) {
        r->rcode = ans->rcode; /* of the last step */
        note_negative_ttl(r, ans);
    }
    note_at_name(r, ans);
    if (r->cname_at_name)
        ask_side(r);
    end = follow(r, ans, lk->at);
    if (end == FOLLOW_OVER) {
        chain_over(r);
        return;
    }
    last = r->names.n - 1;
    if (ans->rcode != 0) {
        lk->done = true; /* NXDOMAIN, SERVFAIL…: nothing more to ask */
    } else if (end == (long)last) {
        collect(r, ans, r->names.v[last], lk->type, into);
        /* No records: the end of the chain, unless the server stopped
         * at a target it did not look at (a CNAME out of its data, a
         * step limit): then that target is asked for itself. */
        lk->done = into->n > 0 || last == lk->at ||
                   nodata_at(ans, r->names.v[last]);
    } else {
        /* The other answer went further, or this one disagrees: ask at
         * the end of the chain known so far. */
        lk->done = false;
    }
    if (!lk->done && lk->asks > CHAIN_STEPS_MAX + 1)
        lk->done = true;
    if (!lk->done && resolve_ask(r, lk->type, last, &err) != LW_OK) {
        lk->done = true;
        if (lk->type == LW_DNS_A) {
            r->outcome = LW_DNS_NETERROR;
            snprintf(r->error, sizeof(r->error), "%.159s", err.msg);
            resolve_finish(r);
            return;
        }
    }
    resolve_maybe_finish(r);
}

static void
on_a(void *ud, const struct lw_dns_answer *ans)
{
    struct resolve *r = ud;

    on_addr(r, &r->a, ans);
}

static void
on_aaaa(void *ud, const struct lw_dns_answer *ans)
{
    struct resolve *r = ud;

    on_addr(r, &r->aaaa, ans);
}

static void
on_side(struct resolve *r, const struct lw_dns_answer *ans,
        struct query **slot)
{
    *slot = NULL;
    if (ans->outcome == LW_DNS_ANSWERED && ans->rcode == 0)
        note_at_name(r, ans);
    resolve_maybe_finish(r);
}

static void
on_txt(void *ud, const struct lw_dns_answer *ans)
{
    struct resolve *r = ud;

    on_side(r, ans, &r->qtxt);
}

static void
on_mx(void *ud, const struct lw_dns_answer *ans)
{
    struct resolve *r = ud;

    on_side(r, ans, &r->qmx);
}

static void
on_resolve_deadline(struct lw_loop *loop, void *ud)
{
    struct resolve *r = ud;
    struct lw_dns *dns = r->dns;

    (void)loop;
    r->deadline = NULL;
    if (!r->a.done) {
        r->outcome = LW_DNS_TIMEOUT;
        snprintf(r->error, sizeof(r->error),
                 _("no answer from %s within %ld ms"), r->server.label,
                 dns->timeout_ms);
    } else if (!r->aaaa.done && r->error[0] == '\0') {
        snprintf(r->error, sizeof(r->error),
                 _("no AAAA answer from %s within %ld ms"), r->server.label,
                 dns->timeout_ms);
    }
    enter(dns);
    resolve_finish(r);
    leave(dns);
}

enum lw_status
lw_dns_resolve_ex(struct lw_dns *dns, const struct lw_dns_server *server,
                  const char *name, unsigned flags, lw_dns_chain_cb cb,
                  void *ud, struct lw_err *err)
{
    char norm[256], shown[80];
    struct resolve *r;
    enum lw_status st;

    if (dns->dying || cb == NULL || server == NULL)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: bad DNS question"));
    if (!normalize(name, norm, sizeof(norm))) {
        clean(shown, sizeof(shown), name != NULL ? name : "");
        return lw_err_set(err, LW_ERR_INPUT, _("\"%s\" cannot be asked in DNS"),
                          shown);
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    r->dns = dns;
    r->server = *server;
    r->cb = cb;
    r->ud = ud;
    r->start = mono_ms();
    r->outcome = LW_DNS_ANSWERED;
    r->a.type = LW_DNS_A;
    r->aaaa.type = LW_DNS_AAAA;
    if (!strv_add(&r->names, norm)) {
        free(r);
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    r->deadline =
        lw_loop_timer(dns->loop, dns->timeout_ms, on_resolve_deadline, r);
    if (r->deadline == NULL) {
        resolve_free(r);
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    /* All at once: one round trip when the server follows the chain. */
    st = resolve_ask(r, LW_DNS_A, 0, err);
    if (st == LW_OK && resolve_ask(r, LW_DNS_AAAA, 0, err) != LW_OK)
        r->aaaa.done = true; /* A alone still says where the name goes */
    if (st != LW_OK) {
        resolve_free(r);
        return st;
    }
    if (flags & LW_DNS_RESOLVE_OTHER_AT_ONCE)
        ask_side(r);
    r->next = dns->resolves;
    if (r->next != NULL)
        r->next->prev = r;
    dns->resolves = r;
    return LW_OK;
}

enum lw_status
lw_dns_resolve(struct lw_dns *dns, const struct lw_dns_server *server,
               const char *name, lw_dns_chain_cb cb, void *ud,
               struct lw_err *err)
{
    return lw_dns_resolve_ex(dns, server, name, 0, cb, ud, err);
}

/* ---- the end ---- */

static void
dns_destroy(struct lw_dns *dns)
{
    struct chan *c, *cn;
    struct query *q, *qn;

    /* ares_destroy calls back every question it still holds (they are
     * all cancelled) and closes its sockets through on_sock_state. */
    for (c = dns->chans; c != NULL; c = cn) {
        cn = c->next;
        ares_destroy(c->ch);
        lw_loop_timer_cancel(dns->loop, c->timer);
        free(c);
    }
    for (q = dns->queries; q != NULL; q = qn) {
        qn = q->next;
        lw_loop_timer_cancel(dns->loop, q->timer);
        free(q);
    }
    free(dns);
    ares_library_cleanup();
}

void
lw_dns_free(struct lw_dns *dns)
{
    struct resolve *r, *rn;
    struct query *q;

    if (dns == NULL || dns->dying)
        return;
    for (r = dns->resolves; r != NULL; r = rn) {
        rn = r->next;
        resolve_unlink(r);
        resolve_free(r);
    }
    dns->dying = true;
    for (q = dns->queries; q != NULL; q = q->next) {
        q->done = true;
        lw_loop_timer_cancel(dns->loop, q->timer);
        q->timer = NULL;
    }
    if (dns->depth == 0)
        dns_destroy(dns);
}
