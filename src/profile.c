/* profile.c - the provider and its regions: the built-in table, or a YAML
 * file that replaces it. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw/domain.h"
#include "lw/nls.h"
#include "lw/profile.h"
#include "lw/yamlio.h"

#define REGION_KEY_MAX 16
#define REGIONS_MAX 64
#define RESOLVERS_MAX 16
#define TEXT_MAX 200 /* provider, settings, labels: one line for people */
#define SHOW 256

struct builtin_region {
    const char *key;
    const char *label; /* N_(): translated when the profile is loaded */
    const char *origin;
};

static const struct builtin_region builtin_regions[] = {
    /* TRANSLATORS: a region of the provider, shown beside its key (us, eu). */
    {"us", N_("United States"), "track.customer.io"},
    {"eu", N_("Europe"), "track-eu.customer.io"},
};

static const char *const builtin_resolvers[] = {"1.1.1.1", "8.8.8.8",
                                                "9.9.9.9"};

#define BUILTIN_PROVIDER "Customer.io"
/* The path of menus in the provider's own (English) web interface: kept
 * as the operator will see it there, so not translated. */
#define BUILTIN_SETTINGS "Workspace Settings > Email > Link tracking"
#define BUILTIN_HEALTH_PATH "/health"
#define BUILTIN_HEALTH_BODY "{}"

void
lw_profile_free(struct lw_profile *p)
{
    size_t i;

    if (p == NULL)
        return;
    free(p->provider);
    free(p->settings);
    free(p->health_path);
    free(p->health_body);
    free(p->link_probe);
    for (i = 0; i < p->n_regions; i++) {
        free(p->regions[i].key);
        free(p->regions[i].label);
        free(p->regions[i].origin);
        free(p->regions[i].address);
    }
    free(p->regions);
    for (i = 0; i < p->n_resolvers; i++)
        free(p->resolvers[i]);
    free(p->resolvers);
    free(p);
}

static enum lw_status
dup_into(char **dst, const char *src, struct lw_err *err)
{
    *dst = strdup(src);
    if (*dst == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    return LW_OK;
}

/* Provider, settings, health and resolvers of the built-in profile; the
 * file's values then replace them one by one. */
static enum lw_status
fill_defaults(struct lw_profile *p, struct lw_err *err)
{
    size_t i, n = sizeof(builtin_resolvers) / sizeof(builtin_resolvers[0]);
    enum lw_status st;

    if ((st = dup_into(&p->provider, BUILTIN_PROVIDER, err)) != LW_OK ||
        (st = dup_into(&p->settings, BUILTIN_SETTINGS, err)) != LW_OK ||
        (st = dup_into(&p->health_path, BUILTIN_HEALTH_PATH, err)) != LW_OK ||
        (st = dup_into(&p->health_body, BUILTIN_HEALTH_BODY, err)) != LW_OK)
        return st;
    p->resolvers = calloc(n + 1, sizeof(*p->resolvers));
    if (p->resolvers == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    for (i = 0; i < n; i++) {
        if ((st = dup_into(&p->resolvers[i], builtin_resolvers[i], err)) !=
            LW_OK)
            return st;
        p->n_resolvers++;
    }
    return LW_OK;
}

static enum lw_status
builtin(struct lw_profile **out, struct lw_err *err)
{
    size_t i, n = sizeof(builtin_regions) / sizeof(builtin_regions[0]);
    struct lw_profile *p;
    enum lw_status st;

    p = calloc(1, sizeof(*p));
    if (p == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    st = fill_defaults(p, err);
    if (st != LW_OK)
        goto out;
    p->regions = calloc(n, sizeof(*p->regions));
    if (p->regions == NULL) {
        st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        goto out;
    }
    for (i = 0; i < n; i++) {
        struct lw_region *r = &p->regions[i];

        p->n_regions++;
        r->port = 443;
        if ((st = dup_into(&r->key, builtin_regions[i].key, err)) != LW_OK ||
            (st = dup_into(&r->label, _(builtin_regions[i].label), err)) !=
                LW_OK ||
            (st = dup_into(&r->origin, builtin_regions[i].origin, err)) !=
                LW_OK)
            goto out;
    }
    *out = p;
    p = NULL;
out:
    lw_profile_free(p);
    return st;
}

/* ---- the file ---------------------------------------------------------- */

static bool
has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return true;
    return false;
}

/* One line of text for people (provider, settings, label). */
static enum lw_status
read_text(const struct lw_ynode *map, const char *name, const char *path,
          const char *key, bool required, char **dst, struct lw_err *err)
{
    const struct lw_ynode *node = lw_yaml_get(map, key);
    const char *v = NULL;
    enum lw_status st;

    st = lw_yaml_str(map, name, path, key, required, &v, err);
    if (st != LW_OK || v == NULL)
        return st;
    if (has_control(v) || strlen(v) > TEXT_MAX)
        return lw_err_set(err, LW_ERR_INPUT,
                          /* TRANSLATORS: "profiles.yaml:4: regions: ...":
                           * the profiles file, its line, then a key of that
                           * file (not translated), then the message. */
                          _("%s:%u: %s%s%s: must be one line of at most %d "
                            "characters"),
                          name, node->line, path, *path != '\0' ? "." : "", key,
                          TEXT_MAX);
    free(*dst);
    return dup_into(dst, v, err);
}

static bool
is_ip_literal(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* "ADDR", "ADDR:PORT", "[ADDR6]:PORT" with a literal address. */
static bool
resolver_ok(const char *s)
{
    char host[64];
    const char *port = NULL, *end;
    size_t len;
    unsigned long p = 0;

    if (s[0] == '[') {
        end = strchr(s, ']');
        if (end == NULL)
            return false;
        len = (size_t)(end - s - 1);
        if (end[1] == ':')
            port = end + 2;
        else if (end[1] != '\0')
            return false;
        s++;
    } else if (strchr(s, ':') != strrchr(s, ':')) {
        len = strlen(s); /* bare IPv6 */
    } else {
        end = strchr(s, ':');
        len = end != NULL ? (size_t)(end - s) : strlen(s);
        if (end != NULL)
            port = end + 1;
    }
    if (len == 0 || len >= sizeof(host))
        return false;
    memcpy(host, s, len);
    host[len] = '\0';
    if (!is_ip_literal(host))
        return false;
    if (port == NULL)
        return true;
    if (*port == '\0' || strlen(port) > 5)
        return false;
    for (; *port != '\0'; port++) {
        if (*port < '0' || *port > '9')
            return false;
        p = p * 10 + (unsigned long)(*port - '0');
    }
    return p >= 1 && p <= 65535;
}

static enum lw_status
bad_value(const struct lw_ynode *node, const char *name, const char *kpath,
          const char *value, const char *why, struct lw_err *err)
{
    char shown[SHOW];

    lw_yaml_sanitize(value, shown, sizeof(shown));
    /* TRANSLATORS: "profiles.yaml:7: regions[1].port: "0" is not
     * accepted: it must be between 1 and 65535". */
    return lw_err_set(err, LW_ERR_INPUT,
                      /* TRANSLATORS: "profiles.yaml:4: regions: ...": the
                       * profiles file, its line, then a key of that file
                       * (not translated), then the message. */
                      _("%s:%u: %s: \"%s\" is not "
                        "accepted: %s"),
                      name, node != NULL ? node->line : 0, kpath, shown, why);
}

static enum lw_status
read_health(const struct lw_ynode *root, const char *name, struct lw_profile *p,
            struct lw_err *err)
{
    static const char *const keys[] = {"path", "body", "link_probe", NULL};
    const struct lw_ynode *h = lw_yaml_get(root, "health");
    const char *v = NULL;
    enum lw_status st;

    if (h == NULL || lw_yaml_is_null(h))
        return LW_OK;
    st = lw_yaml_check_keys(h, name, "health", keys, err);
    if (st == LW_OK)
        st = lw_yaml_str(h, name, "health", "path", false, &v, err);
    if (st != LW_OK)
        return st;
    if (v != NULL) {
        if (v[0] != '/' || strpbrk(v, " \"'<>\\^`{|}#") != NULL ||
            has_control(v) || strlen(v) > TEXT_MAX)
            return bad_value(lw_yaml_get(h, "path"), name, "health.path", v,
                             _("it must be a URL path starting with \"/\""),
                             err);
        free(p->health_path);
        if ((st = dup_into(&p->health_path, v, err)) != LW_OK)
            return st;
    }
    /* An optional tracked-link path whose answer tells whether Host reached
     * the origin as the link domain: only a profile that knows how its
     * origin answers a made-up link can offer one. */
    v = NULL;
    st = lw_yaml_str(h, name, "health", "link_probe", false, &v, err);
    if (st != LW_OK)
        return st;
    if (v != NULL) {
        if (v[0] != '/' || strpbrk(v, " \"'<>\\^`{|}#") != NULL ||
            has_control(v) || strlen(v) > TEXT_MAX)
            return bad_value(lw_yaml_get(h, "link_probe"), name,
                             "health.link_probe", v,
                             _("it must be a URL path starting with \"/\""),
                             err);
        free(p->link_probe);
        if ((st = dup_into(&p->link_probe, v, err)) != LW_OK)
            return st;
    }
    /* A quoted "" is a valid expected body; a bare `body:` is absent. */
    v = NULL;
    st = lw_yaml_str(h, name, "health", "body", false, &v, err);
    if (st != LW_OK)
        return st;
    if (v != NULL) {
        free(p->health_body);
        if ((st = dup_into(&p->health_body, v, err)) != LW_OK)
            return st;
    }
    return LW_OK;
}

static enum lw_status
read_resolvers(const struct lw_ynode *root, const char *name,
               struct lw_profile *p, struct lw_err *err)
{
    const struct lw_ynode *node = lw_yaml_get(root, "resolvers");
    char **v = NULL;
    size_t n = 0, i;
    enum lw_status st;

    st = lw_yaml_strv(root, name, "", "resolvers", false, &v, &n, err);
    if (st != LW_OK || v == NULL)
        return st;
    if (n == 0 || n > RESOLVERS_MAX) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        /* TRANSLATORS: "profiles.yaml:4: regions: ...": the
                         * profiles file, its line, then a key of that file
                         * (not translated), then the message. */
                        _("%s:%u: resolvers: give between 1 and %d "
                          "addresses"),
                        name, node->line, RESOLVERS_MAX);
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (!resolver_ok(v[i])) {
            st = bad_value(node->type == LW_Y_SEQ ? node->items[i] : node, name,
                           "resolvers", v[i],
                           _("a resolver is an IP address, optionally with "
                             ":PORT (IPv6 as [ADDRESS]:PORT)"),
                           err);
            goto out;
        }
    }
    for (i = 0; i < p->n_resolvers; i++)
        free(p->resolvers[i]);
    free(p->resolvers);
    p->resolvers = v;
    p->n_resolvers = n;
    v = NULL;
out:
    lw_strv_free(v);
    return st;
}

static bool
region_key_ok(const char *k)
{
    size_t n = strlen(k), i;

    if (n == 0 || n > REGION_KEY_MAX)
        return false;
    for (i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') ||
              k[i] == '-'))
            return false;
    return true;
}

static enum lw_status
read_region(const struct lw_ynode *item, const char *name, size_t idx,
            struct lw_profile *p, struct lw_err *err)
{
    static const char *const keys[] = {"key",  "label",   "origin",
                                       "port", "address", NULL};
    struct lw_region *r = &p->regions[p->n_regions];
    char path[32], kp[64];
    const char *v = NULL;
    unsigned long port = 443;
    struct lw_domain d;
    struct lw_err derr;
    size_t i;
    enum lw_status st;

    snprintf(path, sizeof(path), "regions[%zu]", idx);
    st = lw_yaml_check_keys(item, name, path, keys, err);
    if (st != LW_OK)
        return st;
    memset(r, 0, sizeof(*r));
    p->n_regions++; /* from here on r is freed with p */

    st = lw_yaml_str(item, name, path, "key", true, &v, err);
    if (st != LW_OK)
        return st;
    snprintf(kp, sizeof(kp), "%s.key", path);
    if (!region_key_ok(v))
        return bad_value(lw_yaml_get(item, "key"), name, kp, v,
                         _("a region key is 1 to 16 lower-case letters, "
                           "digits or \"-\""),
                         err);
    for (i = 0; i + 1 < p->n_regions; i++)
        if (strcmp(p->regions[i].key, v) == 0)
            return lw_err_set(err, LW_ERR_INPUT,
                              /* TRANSLATORS: "profiles.yaml:4: regions:
                               * ...": the profiles file, its line, then a
                               * key of that file (not translated), then the
                               * message. */
                              _("%s:%u: %s: the region \"%s\" is listed "
                                "twice"),
                              name, lw_yaml_get(item, "key")->line, kp, v);
    if ((st = dup_into(&r->key, v, err)) != LW_OK)
        return st;

    st = read_text(item, name, path, "label", false, &r->label, err);
    if (st == LW_OK && r->label == NULL)
        st = dup_into(&r->label, r->key, err);
    if (st != LW_OK)
        return st;

    v = NULL;
    st = lw_yaml_str(item, name, path, "origin", true, &v, err);
    if (st != LW_OK)
        return st;
    snprintf(kp, sizeof(kp), "%s.origin", path);
    lw_err_clear(&derr);
    if (lw_domain_parse(v, &d, &derr) != LW_OK) {
        *err = derr;
        lw_err_prefix(err, "%s:%u: %s", name, lw_yaml_get(item, "origin")->line,
                      kp);
        return LW_ERR_INPUT;
    }
    if ((st = dup_into(&r->origin, d.name, err)) != LW_OK)
        return st;

    st = lw_yaml_uint(item, name, path, "port", false, 65535, &port, err);
    if (st != LW_OK)
        return st;
    if (port == 0) {
        snprintf(kp, sizeof(kp), "%s.port", path);
        return bad_value(lw_yaml_get(item, "port"), name, kp, "0",
                         _("a port is between 1 and 65535"), err);
    }
    r->port = (unsigned)port;

    v = NULL;
    st = lw_yaml_str(item, name, path, "address", false, &v, err);
    if (st != LW_OK)
        return st;
    if (v != NULL) {
        snprintf(kp, sizeof(kp), "%s.address", path);
        if (!is_ip_literal(v))
            return bad_value(lw_yaml_get(item, "address"), name, kp, v,
                             _("it must be an IPv4 or IPv6 address"), err);
        if ((st = dup_into(&r->address, v, err)) != LW_OK)
            return st;
    }
    return LW_OK;
}

static enum lw_status
read_regions(const struct lw_ynode *root, const char *name,
             struct lw_profile *p, struct lw_err *err)
{
    const struct lw_ynode *regs = lw_yaml_get(root, "regions");
    size_t i;
    enum lw_status st;

    if (regs == NULL || lw_yaml_is_null(regs))
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s: the required key \"%s\" is missing"), name,
                          "regions");
    if (regs->type != LW_Y_SEQ || regs->n == 0 || regs->n > REGIONS_MAX)
        return lw_err_set(err, LW_ERR_INPUT,
                          /* TRANSLATORS: "profiles.yaml:4: regions: ...":
                           * the profiles file, its line, then a key of that
                           * file (not translated), then the message. */
                          _("%s:%u: regions: expected a list of 1 to %d "
                            "regions, each a mapping with key, label and "
                            "origin"),
                          name, regs->line, REGIONS_MAX);
    p->regions = calloc(regs->n, sizeof(*p->regions));
    if (p->regions == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    for (i = 0; i < regs->n; i++) {
        st = read_region(regs->items[i], name, i, p, err);
        if (st != LW_OK)
            return st;
    }
    return LW_OK;
}

enum lw_status
lw_profile_parse(const char *data, size_t len, const char *name,
                 struct lw_profile **out, struct lw_err *err)
{
    static const char *const keys[] = {"provider",  "settings", "health",
                                       "resolvers", "regions",  NULL};
    struct lw_ynode *root = NULL;
    struct lw_profile *p = NULL;
    enum lw_status st;

    *out = NULL;
    st = lw_yaml_parse(data, len, name, &root, err);
    if (st != LW_OK)
        goto out;
    st = lw_yaml_check_keys(root, name, "", keys, err);
    if (st != LW_OK)
        goto out;
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        goto out;
    }
    if ((st = fill_defaults(p, err)) != LW_OK ||
        (st = read_text(root, name, "", "provider", false, &p->provider,
                        err)) != LW_OK ||
        (st = read_text(root, name, "", "settings", false, &p->settings,
                        err)) != LW_OK ||
        (st = read_health(root, name, p, err)) != LW_OK ||
        (st = read_resolvers(root, name, p, err)) != LW_OK ||
        (st = read_regions(root, name, p, err)) != LW_OK)
        goto out;
    *out = p;
    p = NULL;
out:
    lw_profile_free(p);
    lw_yaml_free(root);
    return st;
}

enum lw_status
lw_profile_load(const char *path, struct lw_profile **out, struct lw_err *err)
{
    struct lw_buf b = LW_BUF_INIT;
    enum lw_status st;

    *out = NULL;
    if (path == NULL)
        return builtin(out, err);
    st = lw_buf_read_file(&b, path, LW_YAML_MAX_BYTES, err);
    if (st == LW_OK)
        st = lw_profile_parse(b.data != NULL ? b.data : "", b.len, path, out,
                              err);
    lw_buf_free(&b);
    return st;
}

const struct lw_region *
lw_profile_region(const struct lw_profile *p, const char *key)
{
    size_t i;

    if (p == NULL || key == NULL)
        return NULL;
    for (i = 0; i < p->n_regions; i++)
        if (strcmp(p->regions[i].key, key) == 0)
            return &p->regions[i];
    return NULL;
}

void
lw_profile_region_keys(const struct lw_profile *p, char *out, size_t outlen)
{
    size_t i, o = 0;
    int n;

    if (outlen == 0)
        return;
    out[0] = '\0';
    for (i = 0; p != NULL && i < p->n_regions; i++) {
        n = snprintf(out + o, outlen - o, "%s%s", i > 0 ? ", " : "",
                     p->regions[i].key);
        if (n < 0 || (size_t)n >= outlen - o) {
            out[o] = '\0'; /* whole keys only */
            break;
        }
        o += (size_t)n;
    }
}
