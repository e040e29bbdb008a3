/* cloudfront.c - the CloudFront method: what the operator copies from AWS
 * validated, the provider's key rule, the distribution config built with
 * jansson, the files ACM wants, and the commands and console steps. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "lw/cloudfront.h"
#include "lw/domain.h"
#include "lw/install.h"
#include "lw/nls.h"
#include "lw/profile.h"

#define SHOW 160 /* characters of an operator's value shown back */
#define ARN_PREFIX "arn:aws:acm:"
#define DIST_SUFFIX ".cloudfront.net"

/* ---- what the operator copies from AWS ------------------------------- */

/* An operator's value made fit to show on one line: what is not printable
 * ASCII becomes '?' (ARNs and distribution names are ASCII), at most
 * SHOW - 4 characters, then "...".  (lw_yaml_sanitize cuts shorter than a
 * whole ARN.) */
static void
shown_value(const char *s, char *out, size_t outlen)
{
    size_t o = 0;

    for (; *s != '\0' && o + 4 < outlen; s++)
        out[o++] = (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7F ? *s
                                                                         : '?';
    if (*s != '\0') {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static bool
is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_lower_hex(char c)
{
    return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9');
}

bool
lw_cloudfront_dist_valid(const char *s)
{
    size_t n, slen = strlen(DIST_SUFFIX), i;

    if (s == NULL)
        return false;
    n = strlen(s);
    /* "d" + 13 or 14 characters + the suffix. */
    if (n != 1 + 13 + slen && n != 1 + 14 + slen)
        return false;
    if (s[0] != 'd' || strcmp(s + n - slen, DIST_SUFFIX) != 0)
        return false;
    for (i = 1; i < n - slen; i++)
        if (!is_lower_alnum(s[i]))
            return false;
    return true;
}

enum lw_status
lw_cloudfront_check_dist(const char *s, struct lw_err *err)
{
    char shown[SHOW];

    if (lw_cloudfront_dist_valid(s))
        return LW_OK;
    shown_value(s != NULL ? s : "", shown, sizeof(shown));
    lw_err_set(err, LW_ERR_INPUT,
               _("\"%s\" is not a CloudFront distribution domain (d followed "
                 "by 13 or 14 lower-case letters and digits, then "
                 ".cloudfront.net)"),
               shown);
    lw_err_hint(err, "%s",
                _("Copy the distribution's \"Distribution domain name\" from "
                  "the CloudFront console, or DomainName from the output of "
                  "`aws cloudfront create-distribution`, e.g. "
                  "d111111abcdef8.cloudfront.net."));
    return LW_ERR_INPUT;
}

/* n characters of s are all of class ok. */
static bool
all_of(const char *s, size_t n, bool (*ok)(char))
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] == '\0' || !ok(s[i]))
            return false;
    return true;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "<8>-<4>-<4>-<4>-<12>" lower-case hex, the whole of s. */
static bool
is_uuid(const char *s)
{
    static const size_t groups[] = {8, 4, 4, 4, 12};
    size_t g;

    for (g = 0; g < 5; g++) {
        if (!all_of(s, groups[g], is_lower_hex))
            return false;
        s += groups[g];
        if (g < 4 && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

static bool
is_region_char(char c)
{
    return is_lower_alnum(c) || c == '-';
}

enum lw_status
lw_cloudfront_check_arn(const char *arn, struct lw_err *err)
{
    char shown[SHOW], region[32];
    const char *p, *colon;
    size_t rlen;

    if (arn == NULL)
        arn = "";
    shown_value(arn, shown, sizeof(shown));
    if (strncmp(arn, ARN_PREFIX, strlen(ARN_PREFIX)) != 0)
        goto form;
    p = arn + strlen(ARN_PREFIX);
    colon = strchr(p, ':');
    rlen = colon != NULL ? (size_t)(colon - p) : 0;
    if (rlen == 0 || rlen >= sizeof(region) || !all_of(p, rlen, is_region_char))
        goto form;
    memcpy(region, p, rlen);
    region[rlen] = '\0';
    p = colon + 1;
    if (!all_of(p, 12, is_digit) || strncmp(p + 12, ":certificate/", 13) != 0 ||
        !is_uuid(p + 12 + 13))
        goto form;
    if (strcmp(region, LW_CF_ACM_REGION) != 0) {
        lw_err_set(err, LW_ERR_INPUT,
                   _("the ACM certificate %s is in the region %s, but "
                     "CloudFront only uses certificates from ACM in %s (US "
                     "East, N. Virginia)"),
                   shown, region, LW_CF_ACM_REGION);
        lw_err_hint(err,
                    _("Import (or request) the certificate again in ACM with "
                      "--region %s and use the ARN it prints."),
                    LW_CF_ACM_REGION);
        return LW_ERR_INPUT;
    }
    return LW_OK;
form:
    lw_err_set(err, LW_ERR_INPUT,
               _("\"%s\" is not an ACM certificate ARN (arn:aws:acm:%s:"
                 "<12-digit account>:certificate/<id>)"),
               shown, LW_CF_ACM_REGION);
    lw_err_hint(err, "%s",
                _("Copy the CertificateArn that `aws acm import-certificate` "
                  "printed, or the ARN shown in the ACM console."));
    return LW_ERR_INPUT;
}

enum lw_status
lw_cloudfront_check_domain(const char *domain, struct lw_err *err)
{
    char zone[LW_DOMAIN_MAX];

    if (!lw_domain_is_normalized(domain))
        return lw_err_set(err, LW_ERR_INPUT,
                          _("\"%s\" is not a valid domain"), domain);
    if (lw_domain_zone(domain, zone) && strcmp(zone, domain) != 0)
        return LW_OK;
    lw_err_set(err, LW_ERR_INPUT,
               _("%s is the apex of its zone: CloudFront needs a CNAME from "
                 "the link domain to the distribution, and a CNAME cannot "
                 "live at a zone apex"),
               domain);
    lw_err_hint(err,
                _("Use a subdomain such as link.%s for link tracking, or the "
                  "nginx method."),
                domain);
    return LW_ERR_INPUT;
}

/* ---- the key rule ------------------------------------------------------ */

enum lw_status
lw_cloudfront_key_rule(EVP_PKEY *key, char *warn, size_t warnlen,
                       struct lw_err *err)
{
    int id, bits;

    if (warn != NULL && warnlen > 0)
        warn[0] = '\0';
    if (key == NULL)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: no key to judge"));
    id = EVP_PKEY_get_base_id(key);
    bits = EVP_PKEY_get_bits(key);
    if (id == EVP_PKEY_RSA && bits < 2048) {
        lw_err_set(err, LW_ERR_INPUT,
                   _("the key is RSA %d: too small; the "
                     "provider's guide asks for RSA 2048 for CloudFront, and "
                     "clients refuse RSA keys under 2048 bits"),
                   bits);
        lw_err_hint(err, "%s",
                    _("Remove the old key file so linkwiz makes an RSA 2048 "
                      "key and CSR, and get a new certificate for it."));
        return LW_ERR_INPUT;
    }
    if (id == EVP_PKEY_RSA && bits > 2048) {
        if (warn != NULL)
            snprintf(warn, warnlen,
                     _("The key is RSA %d. ACM may import it, "
                       "but the provider's guide says the certificate for "
                       "CloudFront cannot be more than 2048-bit RSA; if "
                       "CloudFront refuses it, get a certificate for an RSA "
                       "2048 key."),
                     bits);
        return LW_OK;
    }
    if (id == EVP_PKEY_EC) {
        if (warn != NULL)
            snprintf(warn, warnlen, "%s",
                     _("The key is EC. ACM and CloudFront may "
                       "accept it, but the provider's guide asks for RSA of "
                       "at most 2048 bits for CloudFront; if it is refused, "
                       "get a certificate for an RSA 2048 key."));
        return LW_OK;
    }
    if (id != EVP_PKEY_RSA) {
        lw_err_set(err, LW_ERR_INPUT,
                   _("the key is of the kind %s, which ACM "
                     "cannot import; CloudFront needs RSA 2048"),
                   OBJ_nid2sn(id));
        lw_err_hint(err, "%s",
                    _("Get a certificate for an RSA 2048 key (linkwiz makes "
                      "one with its CSR)."));
        return LW_ERR_INPUT;
    }
    return LW_OK;
}

bool
lw_cloudfront_acm_requested(const struct lw_state *s)
{
    return s != NULL && s->config.method == LW_METHOD_CLOUDFRONT &&
           s->config.acm_certificate_arn != NULL &&
           s->key_fingerprint == NULL && s->cert_fingerprint == NULL;
}

/* ---- files ------------------------------------------------------------- */

enum lw_status
lw_cloudfront_paths(const char *domain, struct lw_cf_paths *p,
                    struct lw_err *err)
{
    if (!lw_domain_is_normalized(domain))
        return lw_err_set(err, LW_ERR_INPUT,
                          _("refusing to build file names from \"%s\": it is "
                            "not a valid domain"),
                          domain);
    /* A normalized name is at most 253 characters: these cannot overflow. */
    snprintf(p->json, sizeof(p->json), "%s%s.json", LW_CF_DIR, domain);
    snprintf(p->leaf, sizeof(p->leaf), "%s%s.leaf.pem", LW_CF_DIR, domain);
    snprintf(p->chain, sizeof(p->chain), "%s%s.chain.pem", LW_CF_DIR, domain);
    return LW_OK;
}

static enum lw_status
append_pem(X509 *cert, struct lw_buf *out, struct lw_err *err)
{
    BIO *bio = BIO_new(BIO_s_mem());
    enum lw_status st = LW_OK;
    char *p;
    long n;

    if (bio == NULL || !PEM_write_bio_X509(bio, cert)) {
        st = lw_err_openssl(err, "%s", _("cannot write the certificates"));
        goto out;
    }
    n = BIO_get_mem_data(bio, &p);
    if (n > 0)
        lw_buf_append(out, p, (size_t)n);
    st = lw_buf_status(out, err);
out:
    BIO_free(bio);
    return st;
}

enum lw_status
lw_cloudfront_split_chain(const struct lw_chain *chain, struct lw_buf *leaf,
                          struct lw_buf *inter, struct lw_err *err)
{
    enum lw_status st;
    int i, n = chain->certs != NULL ? sk_X509_num(chain->certs) : 0;

    if (n == 0)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: an empty certificate chain"));
    /* lw_cert_import keeps the chain leaf first and without the root,
     * which is exactly ACM's --certificate / --certificate-chain split. */
    st = append_pem(sk_X509_value(chain->certs, 0), leaf, err);
    for (i = 1; st == LW_OK && i < n; i++)
        st = append_pem(sk_X509_value(chain->certs, i), inter, err);
    return st;
}

/* ---- the distribution config ----------------------------------------- */

/* {"Quantity": n, "Items": items} - CloudFront's list shape.  Steals
 * items. */
static json_t *
cf_list(json_t *items)
{
    if (items == NULL)
        return NULL;
    return json_pack("{s:I, s:o}", "Quantity",
                     (json_int_t)json_array_size(items), "Items", items);
}

static json_t *
str_array(const char *const *v)
{
    json_t *a = json_array();

    for (; a != NULL && *v != NULL; v++)
        if (json_array_append_new(a, json_string(*v)) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

enum lw_status
lw_cloudfront_config_json(const struct lw_cf_params *p, struct lw_buf *out,
                          struct lw_err *err)
{
    static const char *const methods[] = {"GET",  "HEAD",  "OPTIONS", "PUT",
                                          "POST", "PATCH", "DELETE",  NULL};
    static const char *const cached[] = {"GET", "HEAD", NULL};
    static const char *const ssl[] = {LW_CF_ORIGIN_SSL_PROTOCOL, NULL};
    static const char *const all_headers[] = {"*", NULL};
    const char *aliases[2] = {p->domain, NULL};
    char ref[LW_DOMAIN_MAX + 64], comment[LW_DOMAIN_MAX + 64], stamp[32];
    json_t *origin, *behavior, *cfg = NULL, *allowed;
    time_t now = p->now != 0 ? p->now : time(NULL);
    struct tm tm;
    char *text = NULL;
    enum lw_status st;

    if (p->caller_reference != NULL &&
        (strlen(p->caller_reference) == 0 ||
         strlen(p->caller_reference) >= sizeof(ref)))
        return lw_err_set(err, LW_ERR_INPUT, "%s",
                          _("the distribution config's caller reference is "
                            "empty or too long"));
    if (p->domain == NULL || !lw_domain_is_normalized(p->domain))
        return lw_err_set(err, LW_ERR_INPUT, "%s",
                          _("the distribution config needs a valid link "
                            "domain"));
    if (p->origin == NULL || !lw_domain_is_normalized(p->origin))
        return lw_err_set(err, LW_ERR_INPUT, "%s",
                          _("the distribution config needs the region's "
                            "tracking host"));
    st = lw_cloudfront_check_arn(p->acm_arn, err);
    if (st != LW_OK)
        return st;
    if (gmtime_r(&now, &tm) == NULL ||
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: cannot format the time"));
    /* CloudFront creates a new distribution for every new reference; the
     * domain and the time make it unique and say where it came from. */
    if (p->caller_reference != NULL)
        snprintf(ref, sizeof(ref), "%s", p->caller_reference);
    else
        snprintf(ref, sizeof(ref), "linkwiz-%s-%s", p->domain, stamp);
    snprintf(comment, sizeof(comment), "linkwiz: link tracking for %s",
             p->domain);

    /* The tracking host as the one custom origin: HTTPS only, TLS 1.2 to
     * it, as the provider's guide asks. */
    origin = json_pack(
        "{s:s, s:s, s:s, s:{s:i}, s:{s:i, s:i, s:s, s:o, s:i, s:i}}", "Id",
        p->origin, "DomainName", p->origin, "OriginPath", "", "CustomHeaders",
        "Quantity", 0, "CustomOriginConfig", "HTTPPort", 80, "HTTPSPort",
        (int)(p->origin_port != 0 ? p->origin_port : 443),
        "OriginProtocolPolicy", "https-only", "OriginSslProtocols",
        cf_list(str_array(ssl)), "OriginReadTimeout", 30,
        "OriginKeepaliveTimeout", 5);
    allowed = cf_list(str_array(methods));
    if (allowed != NULL &&
        json_object_set_new(allowed, "CachedMethods",
                            cf_list(str_array(cached))) != 0) {
        json_decref(allowed);
        allowed = NULL;
    }
    /* Legacy cache settings (ForwardedValues), not a cache policy: only
     * they can forward every header, and the tracking host must see the
     * viewer's Host (the link domain) or each click fails with "Invalid
     * link security token".  Forwarding all headers also keeps CloudFront
     * from caching (TTLs 0 say so too): every click must reach the
     * provider to be counted. */
    behavior = json_pack(
        "{s:s, s:s, s:o, s:{s:b, s:{s:s}, s:o, s:{s:i}}, s:i, s:i, s:i, s:b, "
        "s:b}",
        "TargetOriginId", p->origin,
        /* Links already sent as http:// keep working. */
        "ViewerProtocolPolicy", "allow-all", "AllowedMethods", allowed,
        "ForwardedValues", "QueryString", 1, "Cookies", "Forward", "all",
        "Headers", cf_list(str_array(all_headers)), "QueryStringCacheKeys",
        "Quantity", 0, "MinTTL", 0, "DefaultTTL", 0, "MaxTTL", 0, "Compress",
        0, "SmoothStreaming", 0);
    /* MinimumProtocolVersion is the viewer side's *security policy*, an
     * enum of its own (SSLv3, TLSv1, TLSv1_2016, TLSv1.1_2016,
     * TLSv1.2_2018, TLSv1.2_2019, TLSv1.2_2021, ...), unlike the origin's
     * plain protocol names ("TLSv1.2").  TLSv1.2_2021 is the current
     * recommended one: TLS 1.2 or 1.3 with only strong (ECDHE, AES-GCM /
     * ChaCha20) ciphers; every mail client and browser in use speaks it. */
    cfg = json_pack("{s:s, s:o, s:o, s:{s:i}, s:o, s:s, s:b, s:{s:b, s:s, "
                    "s:s, s:s}, s:s, s:s, s:b}",
                    "CallerReference", ref, "Aliases",
                    cf_list(str_array(aliases)), "Origins",
                    cf_list(json_pack("[o]", origin)), "CacheBehaviors",
                    "Quantity", 0, "DefaultCacheBehavior", behavior, "Comment",
                    comment, "Enabled", 1, "ViewerCertificate",
                    "CloudFrontDefaultCertificate", 0, "ACMCertificateArn",
                    p->acm_arn, "SSLSupportMethod", "sni-only",
                    "MinimumProtocolVersion", LW_CF_VIEWER_MIN_PROTOCOL,
                    "PriceClass", "PriceClass_All", "HttpVersion", "http2",
                    "IsIPV6Enabled", 1);
    if (cfg == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s",
                          _("out of memory (distribution config)"));
    text = json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(cfg);
    if (text == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s",
                          _("out of memory (distribution config)"));
    lw_buf_puts(out, text);
    lw_buf_putc(out, '\n');
    free(text);
    return lw_buf_status(out, err);
}

/* ---- commands and steps for people ----------------------------------- */

void
lw_cloudfront_import_cmd(const struct lw_cf_paths *p, const char *key_path,
                         bool with_chain, struct lw_buf *out)
{
    lw_buf_printf(out,
                  "aws acm import-certificate --region %s --certificate "
                  "fileb://%s",
                  LW_CF_ACM_REGION, p->leaf);
    if (with_chain)
        lw_buf_printf(out, " --certificate-chain fileb://%s", p->chain);
    lw_buf_printf(out, " --private-key fileb://%s", key_path);
}

void
lw_cloudfront_request_cmd(const char *domain, struct lw_buf *out)
{
    lw_buf_printf(out,
                  "aws acm request-certificate --region %s --domain-name %s "
                  "--validation-method DNS --key-algorithm RSA_2048",
                  LW_CF_ACM_REGION, domain);
}

void
lw_cloudfront_create_cmd(const struct lw_cf_paths *p, struct lw_buf *out)
{
    lw_buf_printf(out,
                  "aws cloudfront create-distribution --distribution-config "
                  "file://%s",
                  p->json);
}

void
lw_cloudfront_dns_record(const char *domain, const char *dist,
                         struct lw_buf *out)
{
    lw_buf_printf(out, "%s.  CNAME  %s.", domain, dist);
}

void
lw_cloudfront_console_steps(const struct lw_config *c, const char *origin,
                            struct lw_buf *out)
{
    lw_buf_printf(
        out,
        _("In the AWS console instead: CloudFront > Create distribution, "
          "then\n"
          "   - Origin domain: %1$s; Protocol: HTTPS only; Minimum origin "
          "SSL protocol: TLSv1.2\n"
          "   - Allowed HTTP methods: GET, HEAD, OPTIONS, PUT, POST, PATCH, "
          "DELETE\n"
          "   - Viewer protocol policy: HTTP and HTTPS\n"
          "   - Cache key and origin requests: Legacy cache settings; "
          "Headers: All; Query strings: All; Cookies: All\n"
          "   - Alternate domain name (CNAME): %2$s\n"
          "   - Custom SSL certificate: %3$s; Security policy: %4$s\n"
          "   - Create distribution, and wait until it is Enabled.\n"),
        origin, c->domain,
        c->acm_certificate_arn != NULL ? c->acm_certificate_arn
                                       : _("the ACM certificate for the "
                                           "domain"),
        LW_CF_VIEWER_MIN_PROTOCOL);
}

void
lw_cloudfront_next_steps(const struct lw_config *c,
                         const struct lw_profile *prof, bool requested,
                         bool with_chain, struct lw_buf *out)
{
    const struct lw_region *reg = lw_profile_region(prof, c->region);
    const char *origin = reg != NULL ? reg->origin : "?";
    struct lw_cf_paths p;
    char key[LW_PATH_MAX];
    int n = 1;

    if (lw_cloudfront_paths(c->domain, &p, NULL) != LW_OK)
        return;
    snprintf(key, sizeof(key), "/etc/pki/tls/private/%s.key", c->domain);
    lw_buf_printf(out, "\n%s\n", _("Next steps:"));
    if (c->acm_certificate_arn == NULL) {
        lw_buf_printf(out,
                      _("%d. Import the certificate into ACM in %s (CloudFront "
                        "only uses certificates from there):\n"),
                      n++, LW_CF_ACM_REGION);
        lw_buf_puts(out, "     ");
        lw_cloudfront_import_cmd(&p, key, with_chain, out);
        lw_buf_printf(out, "\n%s\n",
                      _("   It prints the certificate's ARN: add it to the "
                        "answers file as cloudfront: { acm_certificate_arn: "
                        "… } and run linkwiz setup again; the distribution "
                        "config is written then."));
        lw_buf_printf(out, "%s\n     ",
                      _("   Or request the certificate in ACM instead (DNS "
                        "validation); then no private key leaves AWS:"));
        lw_cloudfront_request_cmd(c->domain, out);
        lw_buf_putc(out, '\n');
        lw_buf_printf(out, "%s\n",
                      _("   and give its ARN the same way, without "
                        "certificate: in the answers file."));
        return;
    }
    if (requested)
        lw_buf_printf(out, "%s\n",
                      _("The certificate was requested in ACM: its private "
                        "key never leaves AWS. Make sure it is Issued (its "
                        "DNS validation record must stay in the zone)."));
    if (c->distribution_domain == NULL) {
        lw_buf_printf(out, _("%d. Create the distribution:\n     "), n++);
        lw_cloudfront_create_cmd(&p, out);
        lw_buf_putc(out, '\n');
        lw_buf_puts(out, "   ");
        lw_cloudfront_console_steps(c, origin, out);
        lw_buf_printf(out, "%s\n",
                      _("   Then add its domain name (dXXXX.cloudfront.net) "
                        "to the answers file as cloudfront: { "
                        "distribution_domain: … } and run linkwiz setup "
                        "again."));
        return;
    }
    lw_buf_printf(out, _("%d. In your DNS, create this record:\n     "), n++);
    lw_cloudfront_dns_record(c->domain, c->distribution_domain, out);
    lw_buf_putc(out, '\n');
    lw_buf_printf(out, _("%d. Run `linkwiz check` until every check passes.\n"),
                  n++);
    lw_buf_printf(out, _("%d. In %s (%s), enter %s and press Verify.\n"), n,
                  prof->provider, prof->settings, c->domain);
}

char *
lw_cloudfront_old_reference(const char *data, size_t len, const char *domain)
{
    char prefix[LW_DOMAIN_MAX + 16];
    json_t *doc;
    const char *ref;
    char *out = NULL;

    if (data == NULL || domain == NULL)
        return NULL;
    doc = json_loadb(data, len, 0, NULL);
    ref = json_string_value(json_object_get(doc, "CallerReference"));
    snprintf(prefix, sizeof(prefix), "linkwiz-%s-", domain);
    if (ref != NULL && strncmp(ref, prefix, strlen(prefix)) == 0 &&
        strlen(ref) < strlen(prefix) + 32 &&
        strspn(ref + strlen(prefix), "0123456789TZ") ==
            strlen(ref + strlen(prefix)))
        out = strdup(ref);
    json_decref(doc);
    return out;
}
