/* answers.c - the setup an operator chose: read from and written to the
 * strict YAML answers file, and the keys of it that the state shares. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lw/answers.h"
#include "lw/cloudfront.h"
#include "lw/install.h"
#include "lw/nls.h"

#define SHOW 256
#define ORGANIZATION_MAX 64 /* X.509 ub-organization-name */
#define ADDRESSES_MAX 16
#define ARN_MAX 2048
#define REGION_KEY_MAX 16

const char *
lw_method_word(enum lw_method m)
{
    return m == LW_METHOD_CLOUDFRONT ? "cloudfront" : "nginx";
}

bool
lw_method_parse(const char *word, enum lw_method *out)
{
    if (word == NULL)
        return false;
    if (strcmp(word, "nginx") == 0) {
        *out = LW_METHOD_NGINX;
        return true;
    }
    if (strcmp(word, "cloudfront") == 0) {
        *out = LW_METHOD_CLOUDFRONT;
        return true;
    }
    return false;
}

/* ---- struct lw_config -------------------------------------------------- */

void
lw_config_init(struct lw_config *c)
{
    static const struct lw_keyspec def = LW_KEYSPEC_DEFAULT;

    memset(c, 0, sizeof(*c));
    c->method = LW_METHOD_NGINX;
    c->key = def;
}

void
lw_config_free(struct lw_config *c)
{
    if (c == NULL)
        return;
    free(c->region);
    free(c->organization);
    free(c->country);
    free(c->certificate);
    lw_strv_free(c->addresses);
    free(c->distribution_domain);
    free(c->acm_certificate_arn);
    lw_config_init(c);
}

static bool
dup_opt(char **dst, const char *src)
{
    if (src == NULL) {
        *dst = NULL;
        return true;
    }
    *dst = strdup(src);
    return *dst != NULL;
}

enum lw_status
lw_config_copy(struct lw_config *dst, const struct lw_config *src,
               struct lw_err *err)
{
    struct lw_config c;
    size_t i;

    c = *src;
    c.region = c.organization = c.country = c.certificate = NULL;
    c.distribution_domain = c.acm_certificate_arn = NULL;
    c.addresses = NULL;
    c.n_addresses = 0;
    if (!dup_opt(&c.region, src->region) ||
        !dup_opt(&c.organization, src->organization) ||
        !dup_opt(&c.country, src->country) ||
        !dup_opt(&c.certificate, src->certificate) ||
        !dup_opt(&c.distribution_domain, src->distribution_domain) ||
        !dup_opt(&c.acm_certificate_arn, src->acm_certificate_arn))
        goto nomem;
    if (src->addresses != NULL) {
        c.addresses = calloc(src->n_addresses + 1, sizeof(*c.addresses));
        if (c.addresses == NULL)
            goto nomem;
        for (i = 0; i < src->n_addresses; i++) {
            if (!dup_opt(&c.addresses[i], src->addresses[i]))
                goto nomem;
            c.n_addresses++;
        }
    }
    *dst = c;
    return LW_OK;
nomem:
    lw_config_free(&c);
    lw_config_init(dst);
    return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
}

static bool
str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

bool
lw_config_equal(const struct lw_config *a, const struct lw_config *b)
{
    size_t i;

    if (strcmp(a->domain, b->domain) != 0 || !str_eq(a->region, b->region) ||
        a->method != b->method || a->key.type != b->key.type ||
        a->key.bits != b->key.bits ||
        !str_eq(a->organization, b->organization) ||
        !str_eq(a->country, b->country) ||
        !str_eq(a->certificate, b->certificate) ||
        a->nginx_reload != b->nginx_reload ||
        a->n_addresses != b->n_addresses ||
        !str_eq(a->distribution_domain, b->distribution_domain) ||
        !str_eq(a->acm_certificate_arn, b->acm_certificate_arn) ||
        a->allow_domain_change != b->allow_domain_change)
        return false;
    for (i = 0; i < a->n_addresses; i++)
        if (!str_eq(a->addresses[i], b->addresses[i]))
            return false;
    return true;
}

/* ---- reading ----------------------------------------------------------- */

static const char *const top_keys[] = {
    "domain", "region",     "method",
    "key",    "subject",    "certificate",
    "nginx",  "cloudfront", "allow_domain_change",
    NULL};

static unsigned
line_of(const struct lw_ynode *map, const char *key)
{
    const struct lw_ynode *v = lw_yaml_get(map, key);

    return v != NULL ? v->line : (map != NULL ? map->line : 0);
}

static enum lw_status
set_dup(char **dst, const char *src, struct lw_err *err)
{
    char *p = strdup(src);

    if (p == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    free(*dst);
    *dst = p;
    return LW_OK;
}

static bool
has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return true;
    return false;
}

static enum lw_status
read_domain(const struct lw_ynode *map, const char *name, unsigned flags,
            struct lw_config *c, struct lw_err *err)
{
    const char *v = NULL;
    char shown[SHOW];
    struct lw_domain d;
    struct lw_err derr;
    enum lw_status st;

    st = lw_yaml_str(map, name, "", "domain", true, &v, err);
    if (st != LW_OK)
        return st;
    if (flags & LW_CONFIG_STORED) {
        if (!lw_domain_is_normalized(v)) {
            lw_yaml_sanitize(v, shown, sizeof(shown));
            return lw_err_set(err, LW_ERR_INPUT,
                              /* TRANSLATORS: "answers.yaml:4: key.bits:
                               * ...": the answers file, its line, then the
                               * key of the answers file (not translated),
                               * then the message. Keep the words of the
                               * answers file (nginx, cloudfront, rsa, ec,
                               * true) as they are. */
                              _("%s:%u: domain: \"%s\" is not a valid host "
                                "name"),
                              name, line_of(map, "domain"), shown);
        }
        snprintf(c->domain, sizeof(c->domain), "%s", v);
        return LW_OK;
    }
    lw_err_clear(&derr);
    if (lw_domain_parse(v, &d, &derr) != LW_OK) {
        *err = derr;
        lw_err_prefix(err, "%s:%u: domain", name, line_of(map, "domain"));
        return err->status != LW_OK ? err->status : LW_ERR_INPUT;
    }
    snprintf(c->domain, sizeof(c->domain), "%s", d.name);
    return LW_OK;
}

static bool
region_form_ok(const char *k)
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
read_region(const struct lw_ynode *map, const char *name,
            const struct lw_profile *profile, struct lw_config *c,
            struct lw_err *err)
{
    const char *v = NULL;
    char shown[SHOW], keys[256];
    enum lw_status st;

    st = lw_yaml_str(map, name, "", "region", true, &v, err);
    if (st != LW_OK)
        return st;
    lw_yaml_sanitize(v, shown, sizeof(shown));
    if (profile != NULL && lw_profile_region(profile, v) == NULL) {
        lw_profile_region_keys(profile, keys, sizeof(keys));
        return lw_err_set(err, LW_ERR_INPUT,
                          /* TRANSLATORS: "answers.yaml:4: key.bits: ...":
                           * the answers file, its line, then the key of the
                           * answers file (not translated), then the message.
                           * Keep the words of the answers file (nginx,
                           * cloudfront, rsa, ec, true) as they are. */
                          _("%s:%u: region: \"%s\" is not a region of %s; use "
                            "one of: %s"),
                          name, line_of(map, "region"), shown,
                          profile->provider, keys);
    }
    if (profile == NULL && !region_form_ok(v))
        return lw_err_set(err, LW_ERR_INPUT,
                          /* TRANSLATORS: "answers.yaml:4: key.bits: ...":
                           * the answers file, its line, then the key of the
                           * answers file (not translated), then the message.
                           * Keep the words of the answers file (nginx,
                           * cloudfront, rsa, ec, true) as they are. */
                          _("%s:%u: region: \"%s\" is not a region key"), name,
                          line_of(map, "region"), shown);
    return set_dup(&c->region, v, err);
}

static enum lw_status
read_method(const struct lw_ynode *map, const char *name, struct lw_config *c,
            struct lw_err *err)
{
    const char *v = NULL;
    char shown[SHOW];
    enum lw_status st;

    st = lw_yaml_str(map, name, "", "method", true, &v, err);
    if (st != LW_OK)
        return st;
    if (!lw_method_parse(v, &c->method)) {
        lw_yaml_sanitize(v, shown, sizeof(shown));
        return lw_err_set(err, LW_ERR_INPUT,
                          /* TRANSLATORS: "answers.yaml:4: key.bits: ...":
                           * the answers file, its line, then the key of the
                           * answers file (not translated), then the message.
                           * Keep the words of the answers file (nginx,
                           * cloudfront, rsa, ec, true) as they are. */
                          _("%s:%u: method: \"%s\" is not a method; use nginx "
                            "or cloudfront"),
                          name, line_of(map, "method"), shown);
    }
    return LW_OK;
}

static enum lw_status
read_key(const struct lw_ynode *map, const char *name, struct lw_config *c,
         struct lw_err *err)
{
    static const char *const keys[] = {"type", "bits", "curve", NULL};
    const struct lw_ynode *k = lw_yaml_get(map, "key");
    const char *type = "rsa", *curve = NULL;
    unsigned long bits = 0;
    bool has_bits;
    struct lw_err kerr;
    enum lw_status st;

    if (k == NULL || lw_yaml_is_null(k))
        return LW_OK; /* the default: RSA 2048 */
    if ((st = lw_yaml_check_keys(k, name, "key", keys, err)) != LW_OK ||
        (st = lw_yaml_str(k, name, "key", "type", false, &type, err)) !=
            LW_OK ||
        (st = lw_yaml_uint(k, name, "key", "bits", false, ULONG_MAX, &bits,
                           err)) != LW_OK ||
        (st = lw_yaml_str(k, name, "key", "curve", false, &curve, err)) !=
            LW_OK)
        return st;
    has_bits = lw_yaml_get(k, "bits") != NULL &&
               !lw_yaml_is_null(lw_yaml_get(k, "bits"));
    if (strcasecmp(type, "ec") == 0 && has_bits)
        return lw_err_set(err, LW_ERR_INPUT,
                          /* TRANSLATORS: "answers.yaml:4: key.bits: ...":
                           * the answers file, its line, then the key of the
                           * answers file (not translated), then the message.
                           * Keep the words of the answers file (nginx,
                           * cloudfront, rsa, ec, true) as they are. */
                          _("%s:%u: key.bits: an EC key has no bits; give its "
                            "curve instead (curve: p256 or p384)"),
                          name, line_of(k, "bits"));
    if (strcasecmp(type, "ec") != 0 && curve != NULL)
        return lw_err_set(err, LW_ERR_INPUT,
                          /* TRANSLATORS: "answers.yaml:4: key.bits: ...":
                           * the answers file, its line, then the key of the
                           * answers file (not translated), then the message.
                           * Keep the words of the answers file (nginx,
                           * cloudfront, rsa, ec, true) as they are. */
                          _("%s:%u: key.curve: only EC keys have a curve; use "
                            "type: ec, or give bits for an RSA key"),
                          name, line_of(k, "curve"));
    if (!has_bits)
        bits = 2048;
    lw_err_clear(&kerr);
    if (lw_keyspec_parse(type, bits, curve, &c->key, &kerr) != LW_OK) {
        *err = kerr;
        lw_err_prefix(err, "%s:%u: key", name, k->line);
        return err->status != LW_OK ? err->status : LW_ERR_INPUT;
    }
    return LW_OK;
}

static enum lw_status
read_subject(const struct lw_ynode *map, const char *name, struct lw_config *c,
             struct lw_err *err)
{
    static const char *const keys[] = {"organization", "country", NULL};
    const struct lw_ynode *s = lw_yaml_get(map, "subject");
    const char *org = NULL, *country = NULL;
    char shown[SHOW], cc[3];
    enum lw_status st;

    if (s == NULL || lw_yaml_is_null(s))
        return LW_OK;
    if ((st = lw_yaml_check_keys(s, name, "subject", keys, err)) != LW_OK ||
        (st = lw_yaml_str(s, name, "subject", "organization", false, &org,
                          err)) != LW_OK ||
        (st = lw_yaml_str(s, name, "subject", "country", false, &country,
                          err)) != LW_OK)
        return st;
    if (org != NULL) {
        if (has_control(org) || strlen(org) > ORGANIZATION_MAX)
            return lw_err_set(err, LW_ERR_INPUT,
                              /* TRANSLATORS: "answers.yaml:4: key.bits:
                               * ...": the answers file, its line, then the
                               * key of the answers file (not translated),
                               * then the message. Keep the words of the
                               * answers file (nginx, cloudfront, rsa, ec,
                               * true) as they are. */
                              _("%s:%u: subject.organization: must be one "
                                "line of at most %d characters"),
                              name, line_of(s, "organization"),
                              ORGANIZATION_MAX);
        if ((st = set_dup(&c->organization, org, err)) != LW_OK)
            return st;
    }
    if (country != NULL) {
        /* `country: NO` is YAML 1.1's false; lw_yaml_str keeps the text. */
        if (strlen(country) != 2 ||
            !((country[0] | 0x20) >= 'a' && (country[0] | 0x20) <= 'z') ||
            !((country[1] | 0x20) >= 'a' && (country[1] | 0x20) <= 'z')) {
            lw_yaml_sanitize(country, shown, sizeof(shown));
            lw_err_set(err, LW_ERR_INPUT,
                       /* TRANSLATORS: "answers.yaml:4: key.bits: ...": the
                        * answers file, its line, then the key of the answers
                        * file (not translated), then the message. Keep the
                        * words of the answers file (nginx, cloudfront, rsa,
                        * ec, true) as they are. */
                       _("%s:%u: subject.country: \"%s\" is not a "
                         "two-letter country code"),
                       name, line_of(s, "country"), shown);
            lw_err_hint(err, "%s",
                        _("Use the ISO 3166 code, for example US, DE or FR."));
            return LW_ERR_INPUT;
        }
        cc[0] = (char)(country[0] & ~0x20);
        cc[1] = (char)(country[1] & ~0x20);
        cc[2] = '\0';
        if ((st = set_dup(&c->country, cc, err)) != LW_OK)
            return st;
    }
    return LW_OK;
}

/* The canonical text of an IP literal, or false when s is not one. */
static bool
canonical_ip(const char *s, char *out, size_t outlen)
{
    unsigned char buf[sizeof(struct in6_addr)];

    if (inet_pton(AF_INET, s, buf) == 1)
        return inet_ntop(AF_INET, buf, out, (socklen_t)outlen) != NULL;
    if (inet_pton(AF_INET6, s, buf) == 1)
        return inet_ntop(AF_INET6, buf, out, (socklen_t)outlen) != NULL;
    return false;
}

static enum lw_status
read_nginx(const struct lw_ynode *map, const char *name, struct lw_config *c,
           struct lw_err *err)
{
    static const char *const keys[] = {"reload", "addresses", NULL};
    const struct lw_ynode *n = lw_yaml_get(map, "nginx"), *a;
    char **v = NULL, shown[SHOW], canon[INET6_ADDRSTRLEN];
    size_t count = 0, i;
    enum lw_status st;

    if (n == NULL || lw_yaml_is_null(n))
        return LW_OK;
    if ((st = lw_yaml_check_keys(n, name, "nginx", keys, err)) != LW_OK ||
        (st = lw_yaml_bool(n, name, "nginx", "reload", false, &c->nginx_reload,
                           err)) != LW_OK ||
        (st = lw_yaml_strv(n, name, "nginx", "addresses", false, &v, &count,
                           err)) != LW_OK)
        return st;
    if (v == NULL)
        return LW_OK;
    a = lw_yaml_get(n, "addresses");
    if (count > ADDRESSES_MAX) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        /* TRANSLATORS: "answers.yaml:4: key.bits: ...": the
                         * answers file, its line, then the key of the
                         * answers file (not translated), then the message.
                         * Keep the words of the answers file (nginx,
                         * cloudfront, rsa, ec, true) as they are. */
                        _("%s:%u: nginx.addresses: at most %d addresses"), name,
                        a->line, ADDRESSES_MAX);
        goto out;
    }
    for (i = 0; i < count; i++) {
        if (!canonical_ip(v[i], canon, sizeof(canon))) {
            lw_yaml_sanitize(v[i], shown, sizeof(shown));
            st = lw_err_set(
                err, LW_ERR_INPUT,
                /* TRANSLATORS: "answers.yaml:4: key.bits: ...": the answers
                 * file, its line, then the key of the answers file (not
                 * translated), then the message. Keep the words of the
                 * answers file (nginx, cloudfront, rsa, ec, true) as they
                 * are. */
                _("%s:%u: nginx.addresses: \"%s\" is not an IP "
                  "address"),
                name, a->type == LW_Y_SEQ ? a->items[i]->line : a->line, shown);
            lw_err_hint(err, "%s",
                        _("List the server's public IPv4 or IPv6 addresses, "
                          "e.g. [203.0.113.10, 2001:db8::10]."));
            goto out;
        }
        if (strcmp(canon, v[i]) != 0) {
            char *p = strdup(canon);

            if (p == NULL) {
                st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
                goto out;
            }
            free(v[i]);
            v[i] = p;
        }
    }
    lw_strv_free(c->addresses);
    c->addresses = v;
    c->n_addresses = count;
    v = NULL;
out:
    lw_strv_free(v);
    return st;
}

static enum lw_status
read_cloudfront(const struct lw_ynode *map, const char *name,
                struct lw_config *c, struct lw_err *err)
{
    static const char *const keys[] = {"distribution_domain",
                                       "acm_certificate_arn", NULL};
    const struct lw_ynode *cf = lw_yaml_get(map, "cloudfront");
    const char *dist = NULL, *arn = NULL;
    char shown[SHOW];
    struct lw_domain d;
    struct lw_err derr;
    enum lw_status st;

    if (cf == NULL || lw_yaml_is_null(cf))
        return LW_OK;
    if ((st = lw_yaml_check_keys(cf, name, "cloudfront", keys, err)) != LW_OK ||
        (st = lw_yaml_str(cf, name, "cloudfront", "distribution_domain", false,
                          &dist, err)) != LW_OK ||
        (st = lw_yaml_str(cf, name, "cloudfront", "acm_certificate_arn", false,
                          &arn, err)) != LW_OK)
        return st;
    if (dist != NULL) {
        /* Case and a trailing dot as people copy them are forgiven; what
         * is kept is the console's form (lw_cloudfront_dist_valid). */
        lw_err_clear(&derr);
        if (lw_domain_parse(dist, &d, &derr) != LW_OK) {
            *err = derr;
            lw_err_prefix(err, "%s:%u: cloudfront.distribution_domain", name,
                          line_of(cf, "distribution_domain"));
            return err->status != LW_OK ? err->status : LW_ERR_INPUT;
        }
        lw_err_clear(&derr);
        if (lw_cloudfront_check_dist(d.name, &derr) != LW_OK) {
            *err = derr;
            lw_err_prefix(err, "%s:%u: cloudfront.distribution_domain", name,
                          line_of(cf, "distribution_domain"));
            return LW_ERR_INPUT;
        }
        if ((st = set_dup(&c->distribution_domain, d.name, err)) != LW_OK)
            return st;
    }
    if (arn != NULL) {
        lw_err_clear(&derr);
        if (strlen(arn) > ARN_MAX || has_control(arn) ||
            lw_cloudfront_check_arn(arn, &derr) != LW_OK) {
            if (derr.status == LW_OK) {
                lw_yaml_sanitize(arn, shown, sizeof(shown));
                lw_err_set(&derr, LW_ERR_INPUT,
                           _("\"%s\" is not an ACM certificate ARN"), shown);
            }
            *err = derr;
            lw_err_prefix(err, "%s:%u: cloudfront.acm_certificate_arn", name,
                          line_of(cf, "acm_certificate_arn"));
            return LW_ERR_INPUT;
        }
        if ((st = set_dup(&c->acm_certificate_arn, arn, err)) != LW_OK)
            return st;
    }
    return LW_OK;
}

enum lw_status
lw_config_read(const struct lw_ynode *map, const char *name,
               const struct lw_profile *profile, unsigned flags,
               struct lw_config *c, struct lw_err *err)
{
    enum lw_status st;

    if ((st = read_domain(map, name, flags, c, err)) != LW_OK ||
        (st = read_region(map, name, profile, c, err)) != LW_OK ||
        (st = read_method(map, name, c, err)) != LW_OK ||
        (st = read_key(map, name, c, err)) != LW_OK ||
        (st = read_subject(map, name, c, err)) != LW_OK ||
        (st = read_nginx(map, name, c, err)) != LW_OK ||
        (st = read_cloudfront(map, name, c, err)) != LW_OK)
        return st;
    if (c->method == LW_METHOD_CLOUDFRONT &&
        (c->key.type != LW_KEY_RSA || c->key.bits > 2048)) {
        lw_err_set(err, LW_ERR_INPUT,
                   /* TRANSLATORS: "answers.yaml:4: key.bits: ...": the
                    * answers file, its line, then the key of the answers
                    * file (not translated), then the message. Keep the words
                    * of the answers file (nginx, cloudfront, rsa, ec, true)
                    * as they are. */
                   _("%s:%u: key: method cloudfront takes an RSA key of 2048 "
                     "bits, not %s: the provider's guide allows only RSA "
                     "keys of at most 2048 bits for CloudFront"),
                   name, line_of(map, "key"), lw_keyspec_name(&c->key));
        lw_err_hint(err, "%s",
                    _("Use key: { type: rsa, bits: 2048 }, or leave key out."));
        return LW_ERR_INPUT;
    }
    /* (Not for a stored setup: setup refused an apex before saving it.) */
    if (c->method == LW_METHOD_CLOUDFRONT && !(flags & LW_CONFIG_STORED)) {
        struct lw_err aerr;

        lw_err_clear(&aerr);
        if (lw_cloudfront_check_domain(c->domain, &aerr) != LW_OK) {
            *err = aerr;
            lw_err_prefix(err, "%s:%u: domain", name, line_of(map, "domain"));
            return LW_ERR_INPUT;
        }
    }
    return LW_OK;
}

/* Relative paths in the answers file are relative to its directory, and
 * the result is made absolute so that the state keeps meaning the same
 * file whatever the working directory of a later run. */
static enum lw_status
resolve_path(const char *name, const char *path, char **out, struct lw_err *err)
{
    struct lw_buf b = LW_BUF_INIT;
    const char *slash = strrchr(name, '/');
    char cwd[LW_PATH_MAX];

    if (path[0] != '/') {
        if (name[0] != '/') {
            if (getcwd(cwd, sizeof(cwd)) == NULL)
                return lw_err_errno(err, errno, "%s",
                                    _("cannot find the current directory"));
            lw_buf_puts(&b, cwd);
            if (b.len == 0 || b.data[b.len - 1] != '/')
                lw_buf_putc(&b, '/');
        }
        if (slash != NULL)
            lw_buf_append(&b, name, (size_t)(slash - name) + 1);
    }
    lw_buf_puts(&b, path);
    if (lw_buf_status(&b, err) != LW_OK)
        return LW_ERR_NOMEM;
    if (b.len >= LW_PATH_MAX) {
        lw_buf_free(&b);
        return lw_err_set(err, LW_ERR_INPUT,
                          _("%s: certificate: the path is "
                            "too long"),
                          name);
    }
    *out = lw_buf_steal(&b, NULL);
    return LW_OK;
}

enum lw_status
lw_answers_parse(const char *data, size_t len, const char *name,
                 const struct lw_profile *profile, struct lw_config *out,
                 struct lw_err *err)
{
    struct lw_ynode *root = NULL;
    struct lw_config c;
    const char *cert = NULL;
    enum lw_status st;

    lw_config_init(&c);
    st = lw_yaml_parse(data, len, name, &root, err);
    if (st != LW_OK)
        goto out;
    if ((st = lw_yaml_check_keys(root, name, "", top_keys, err)) != LW_OK ||
        (st = lw_config_read(root, name, profile, 0, &c, err)) != LW_OK ||
        (st = lw_yaml_str(root, name, "", "certificate", false, &cert, err)) !=
            LW_OK ||
        (st = lw_yaml_bool(root, name, "", "allow_domain_change", false,
                           &c.allow_domain_change, err)) != LW_OK)
        goto out;
    if (cert != NULL) {
        if (has_control(cert)) {
            st = lw_err_set(err, LW_ERR_INPUT,
                            /* TRANSLATORS: "answers.yaml:4: key.bits: ...":
                             * the answers file, its line, then the key of
                             * the answers file (not translated), then the
                             * message. Keep the words of the answers file
                             * (nginx, cloudfront, rsa, ec, true) as they
                             * are. */
                            _("%s:%u: certificate: the path contains control "
                              "characters"),
                            name, line_of(root, "certificate"));
            goto out;
        }
        st = resolve_path(name, cert, &c.certificate, err);
        if (st != LW_OK)
            goto out;
    }
    lw_config_free(out);
    *out = c;
    lw_config_init(&c);
out:
    lw_config_free(&c);
    lw_yaml_free(root);
    return st;
}

enum lw_status
lw_answers_load(const char *path, const struct lw_profile *profile,
                struct lw_config *out, struct lw_err *err)
{
    struct lw_buf b = LW_BUF_INIT;
    enum lw_status st;

    st = lw_buf_read_file(&b, path, LW_YAML_MAX_BYTES, err);
    if (st == LW_OK)
        st = lw_answers_parse(b.data != NULL ? b.data : "", b.len, path,
                              profile, out, err);
    lw_buf_free(&b);
    return st;
}

/* ---- writing ----------------------------------------------------------- */

void
lw_config_emit(struct lw_yemit *e, const struct lw_config *c)
{
    size_t i;

    lw_yemit_kv(e, "domain", c->domain);
    lw_yemit_kv(e, "region", c->region);
    lw_yemit_kv(e, "method", lw_method_word(c->method));
    lw_yemit_str(e, "key");
    lw_yemit_map_start(e);
    lw_yemit_kv(e, "type", lw_keyspec_type_word(&c->key));
    if (c->key.type == LW_KEY_RSA)
        lw_yemit_kv_plain(e, "bits", lw_keyspec_size_word(&c->key));
    else
        lw_yemit_kv(e, "curve", lw_keyspec_size_word(&c->key));
    lw_yemit_map_end(e);
    if (c->organization != NULL || c->country != NULL) {
        lw_yemit_str(e, "subject");
        lw_yemit_map_start(e);
        if (c->organization != NULL)
            lw_yemit_kv(e, "organization", c->organization);
        if (c->country != NULL)
            lw_yemit_kv(e, "country", c->country);
        lw_yemit_map_end(e);
    }
    if (c->method == LW_METHOD_NGINX || c->nginx_reload || c->n_addresses > 0) {
        lw_yemit_str(e, "nginx");
        lw_yemit_map_start(e);
        lw_yemit_kv_plain(e, "reload", c->nginx_reload ? "true" : "false");
        if (c->n_addresses > 0) {
            lw_yemit_str(e, "addresses");
            lw_yemit_seq_start(e, true);
            for (i = 0; i < c->n_addresses; i++)
                lw_yemit_str(e, c->addresses[i]);
            lw_yemit_seq_end(e);
        }
        lw_yemit_map_end(e);
    }
    if (c->distribution_domain != NULL || c->acm_certificate_arn != NULL) {
        lw_yemit_str(e, "cloudfront");
        lw_yemit_map_start(e);
        if (c->distribution_domain != NULL)
            lw_yemit_kv(e, "distribution_domain", c->distribution_domain);
        if (c->acm_certificate_arn != NULL)
            lw_yemit_kv(e, "acm_certificate_arn", c->acm_certificate_arn);
        lw_yemit_map_end(e);
    }
}

enum lw_status
lw_answers_write(const struct lw_config *c, struct lw_buf *out,
                 struct lw_err *err)
{
    struct lw_yemit *e;
    enum lw_status st;

    st = lw_yemit_begin(&e, out, err);
    if (st != LW_OK)
        return st;
    lw_yemit_map_start(e);
    lw_config_emit(e, c);
    if (c->certificate != NULL)
        lw_yemit_kv(e, "certificate", c->certificate);
    if (c->allow_domain_change)
        lw_yemit_kv_plain(e, "allow_domain_change", "true");
    lw_yemit_map_end(e);
    return lw_yemit_end(e, err);
}
