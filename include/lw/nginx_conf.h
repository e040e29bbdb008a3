/* nginx_conf.h - the server block linkwiz writes, a reader of nginx
 * configuration text (one file, or `nginx -T` output), and the nginx
 * commands (-t, -T, -s reload) run through lw_proc. */
#ifndef LW_NGINX_CONF_H
#define LW_NGINX_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "lw/buf.h"
#include "lw/status.h"

#define LW_TRUST_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

struct lw_nginx_site {
    const char *domain;    /* normalized */
    const char *origin;    /* tracking host */
    unsigned origin_port;  /* 443 unless the profile says otherwise */
    const char *cert_path; /* run-time paths */
    const char *key_path;
    const char *trust_bundle; /* LW_TRUST_BUNDLE when NULL */
    bool ipv6;                /* also listen on [::] */
};

/* The server block of DESIGN.md for site, appended to out (a header
 * comment names the domain; the text never depends on the locale).
 * origin_port 0 means 443.  LW_ERR_INTERNAL when a value has a character
 * outside [A-Za-z0-9._/-]: validated values never do, and nothing may
 * inject configuration. */
enum lw_status lw_nginx_render(const struct lw_nginx_site *site,
                               struct lw_buf *out, struct lw_err *err);

/* One server { } block as read from configuration text.  Strings are the
 * raw bytes of the configuration: sanitize them before showing them.
 * Values of location / win over those at server level (for
 * proxy_set_header: when location / has any, as nginx inherits). */
struct lw_nginx_server {
    char *file;            /* "# configuration file X:" of nginx -T, or name */
    unsigned line;         /* line of "server" in that file */
    char **names;          /* server_name values, NULL-terminated */
    char **listens;        /* listen first arguments, NULL-terminated */
    char *certificate;     /* first ssl_certificate, or NULL */
    char *certificate_key; /* first ssl_certificate_key, or NULL */
    char *proxy_pass;      /* of location /, or NULL */
    char *host_header;     /* proxy_set_header Host value, or NULL */
    bool ssl_server_name;  /* proxy_ssl_server_name on */
    char *ssl_name;        /* proxy_ssl_name, or NULL */
    bool ssl_verify;       /* proxy_ssl_verify on */
};

struct lw_nginx_config {
    struct lw_nginx_server *servers;
    size_t n;
};

/* Read config text: nginx's syntax (quotes, escapes, comments, braces,
 * `# configuration file PATH:` separators of nginx -T).  name is the file
 * name used before the first separator.  Collects the server blocks at
 * top level or in http { }.  Bounded (16 MiB, 64 levels of blocks):
 * malformed text is LW_ERR_INPUT naming file and line, never a crash.
 * On success out owns its servers (free with lw_nginx_config_free); on
 * failure out is empty. */
enum lw_status lw_nginx_parse(const char *text, size_t len, const char *name,
                              struct lw_nginx_config *out, struct lw_err *err);
void lw_nginx_config_free(struct lw_nginx_config *c);

/* Does server claim domain (exact server_name, case-insensitive, or a
 * wildcard as nginx matches it: "*.x" any subdomain of x at any depth,
 * ".x" x itself and its subdomains, "www.x.*" any tail)?  Regular
 * expressions ("~...") and "_" never claim. */
bool lw_nginx_server_claims(const struct lw_nginx_server *s,
                            const char *domain);

/* The nginx binary: $LINKWIZ_NGINX, else the configure-time path. */
const char *lw_nginx_bin(void);

/* Arguments put right after the binary in every nginx command below, e.g.
 * {"-p", dir, "-c", conf, "-e", log, NULL} for tests; NULL for none.  Not
 * copied: extra and its strings must outlive the calls.  More than 16 make
 * the commands fail with LW_ERR_INTERNAL. */
void lw_nginx_set_args(const char *const *extra);

/* The commands run with a 30 s limit (exceeding it is LW_ERR_EXTERNAL).
 * nginx's messages handed back are sanitized: control characters other
 * than newline and tab replaced, length bounded.  The -T output is not. */

/* `nginx -t`.  *ok tells whether nginx accepted the config; msg gets
 * nginx's own output.  An error only when nginx could not be run. */
enum lw_status lw_nginx_test(bool *ok, struct lw_buf *msg, struct lw_err *err);
/* `nginx -T` output appended to out (LW_ERR_EXTERNAL with nginx's message
 * when it fails). */
enum lw_status lw_nginx_dump(struct lw_buf *out, struct lw_err *err);
/* `nginx -s reload`.  *running = false (and LW_OK) when nginx is not
 * running (no pid file, an empty one, or one naming a dead process), so
 * the caller can say how to start it; other failures are LW_ERR_EXTERNAL
 * with nginx's message. */
enum lw_status lw_nginx_reload(bool *running, struct lw_err *err);

#endif
