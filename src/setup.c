/* setup.c - the setup flow: key, CSR, certificate, the method's files,
 * nginx, the saved state; one install transaction, all or nothing. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "lw/cert.h"
#include "lw/cloudfront.h"
#include "lw/csr.h"
#include "lw/domain.h"
#include "lw/keygen.h"
#include "lw/nginx_conf.h"
#include "lw/nls.h"
#include "lw/setup.h"

#define KEY_FILE_MAX (64 * 1024)
#define CERT_FILE_MAX (1024 * 1024)
#define STATE_DIR "/var/lib/linkwiz/"

enum lw_status
lw_paths_for(const char *domain, struct lw_paths *p, struct lw_err *err)
{
    if (!lw_domain_is_normalized(domain))
        return lw_err_set(err, LW_ERR_INPUT,
                          _("refusing to build file names from \"%s\": it is "
                            "not a valid domain"),
                          domain);
    /* A normalized name is at most 253 characters: these cannot overflow. */
    snprintf(p->key, sizeof(p->key), "/etc/pki/tls/private/%s.key", domain);
    snprintf(p->csr, sizeof(p->csr), "/etc/pki/tls/certs/%s.csr", domain);
    snprintf(p->crt, sizeof(p->crt), "/etc/pki/tls/certs/%s.crt", domain);
    snprintf(p->conf, sizeof(p->conf), "/etc/nginx/conf.d/%s.conf", domain);
    snprintf(p->json, sizeof(p->json), "/var/lib/linkwiz/cloudfront/%s.json",
             domain);
    return LW_OK;
}

void
lw_setup_report_init(struct lw_setup_report *r)
{
    memset(r, 0, sizeof(*r));
    lw_buf_init(&r->csr_pem);
    lw_buf_init(&r->changes);
    lw_buf_init(&r->diff);
}

void
lw_setup_report_free(struct lw_setup_report *r)
{
    lw_buf_free(&r->csr_pem);
    lw_buf_free(&r->changes);
    lw_buf_free(&r->diff);
}

/* Everything one run works with, so the steps stay small. */
struct run {
    const struct lw_setup_env *env;
    const struct lw_config *want;
    struct lw_setup_report *rep;
    struct lw_state old;     /* as loaded (empty when none) */
    bool have_old;
    struct lw_state next;    /* what will be saved */
    struct lw_install *txn;
    EVP_PKEY *key;
    struct lw_chain chain;
    bool have_chain;
    bool conf_changed;
    bool acm_requested; /* CloudFront: the certificate comes from ACM */
    time_t now;
};

static void
notice(const struct run *r, enum lw_notice level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
notice(const struct run *r, enum lw_notice level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (r->env->ops.notice == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->env->ops.notice(r->env->ops.ud, level, msg);
}

/* Read a file under the root (NOTFOUND when absent). */
static enum lw_status
read_under(const struct run *r, const char *path, size_t max,
           struct lw_buf *out, struct lw_err *err)
{
    char full[LW_PATH_MAX];
    enum lw_status st;

    st = lw_path_under(r->env->root, path, full, sizeof(full), err);
    if (st != LW_OK)
        return st;
    return lw_buf_read_file(out, full, max, err);
}

static bool
exists_under(const struct run *r, const char *path, struct stat *st)
{
    char full[LW_PATH_MAX];
    struct stat dummy;

    if (lw_path_under(r->env->root, path, full, sizeof(full), NULL) != LW_OK)
        return false;
    return lstat(full, st != NULL ? st : &dummy) == 0;
}

static bool
streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static enum lw_status
install(struct run *r, const char *path, const void *data, size_t len,
        mode_t mode, mode_t dirmode, unsigned flags, bool *changed,
        struct lw_err *err)
{
    return lw_install_file(r->txn, path, data, len, mode, dirmode, flags,
                           changed, err);
}

/* The state file goes through the transaction when it lives where the
 * journal may restore it; elsewhere (--state elsewhere) it is written
 * directly, atomically. */
static const char *
state_runtime_path(const struct lw_setup_env *env)
{
    const char *root = env->root != NULL ? env->root : "/";
    const char *p = env->state_path;
    size_t rlen = strlen(root);

    while (rlen > 1 && root[rlen - 1] == '/')
        rlen--;
    if (!(rlen == 1 && root[0] == '/')) {
        if (strncmp(p, root, rlen) != 0 || p[rlen] != '/')
            return NULL;
        p += rlen;
    }
    if (strncmp(p, STATE_DIR, strlen(STATE_DIR)) != 0 ||
        strstr(p, "/../") != NULL)
        return NULL;
    return p;
}

/* ---- steps ---- */

static enum lw_status
load_state(struct run *r, struct lw_err *err)
{
    struct lw_err lerr;
    char moved[LW_PATH_MAX];
    enum lw_status st;

    lw_err_clear(&lerr);
    st = lw_state_load(r->env->state_path, &r->old, &lerr);
    if (st == LW_OK) {
        r->have_old = true;
        return LW_OK;
    }
    lw_state_free(&r->old);
    lw_state_init(&r->old);
    if (st == LW_ERR_NOTFOUND)
        return LW_OK;
    /* LW_ERR_REFUSED: written by a newer linkwiz, left alone. */
    if (st != LW_ERR_INPUT || r->env->dry_run) {
        *err = lerr;
        return st;
    }
    /* Corrupt or foreign: keep it aside, never overwrite it, and stop so
     * the operator sees what happened before a fresh setup proceeds. */
    if (lw_state_set_aside(r->env->state_path, moved, sizeof(moved), err) !=
        LW_OK)
        return err->status;
    lw_err_set(err, LW_ERR_INPUT,
               _("%s; it was moved to %s and nothing else was changed"),
               lerr.msg, moved);
    lw_err_hint(err, "%s",
                _("Run the same command again to set up from scratch."));
    return LW_ERR_INPUT;
}

/* The domain of every nginx server block that proxies to one of the
 * profile's tracking hosts, other than domain itself. */
static bool
nginx_other_tracking_domain(const struct run *r, const char *domain,
                            char *found, size_t foundlen, char *where,
                            size_t wherelen)
{
    struct lw_nginx_config cfg = {NULL, 0};
    struct lw_buf dump = LW_BUF_INIT;
    bool hit = false;
    size_t i, j, k;

    if (!r->env->run_nginx || lw_nginx_dump(&dump, NULL) != LW_OK ||
        lw_nginx_parse(dump.data, dump.len, "nginx -T", &cfg, NULL) != LW_OK)
        goto out;
    for (i = 0; i < cfg.n && !hit; i++) {
        const struct lw_nginx_server *s = &cfg.servers[i];
        if (s->proxy_pass == NULL || s->names == NULL)
            continue;
        for (j = 0; j < r->env->profile->n_regions && !hit; j++) {
            const char *origin = r->env->profile->regions[j].origin;
            if (strstr(s->proxy_pass, origin) == NULL)
                continue;
            for (k = 0; s->names[k] != NULL; k++) {
                if (strcmp(s->names[k], domain) == 0)
                    break;
            }
            if (s->names[k] != NULL || s->names[0] == NULL)
                continue;
            snprintf(found, foundlen, "%s", s->names[0]);
            snprintf(where, wherelen, "%s:%u", s->file ? s->file : "?",
                     s->line);
            hit = true;
        }
    }
out:
    lw_nginx_config_free(&cfg);
    lw_buf_free(&dump);
    return hit;
}

static enum lw_status
check_domain_change(struct run *r, struct lw_err *err)
{
    const char *want = r->want->domain;
    char other[LW_DOMAIN_MAX] = "", where[LW_PATH_MAX + 16] = "";

    if (r->have_old && strcmp(r->old.config.domain, want) != 0)
        snprintf(other, sizeof(other), "%s", r->old.config.domain);
    else if (!r->have_old)
        nginx_other_tracking_domain(r, want, other, sizeof(other), where,
                                    sizeof(where));
    if (other[0] == '\0')
        return LW_OK;
    if (r->want->allow_domain_change) {
        notice(r, LW_NOTICE_WARN,
               _("Changing the link-tracking domain from %s to %s: tracked "
                 "links in messages already sent use %s and will stop "
                 "working."),
               other, want, other);
        return LW_OK;
    }
    if (where[0] != '\0')
        lw_err_set(err, LW_ERR_REFUSED,
                   _("%s already serves as the link-tracking domain (nginx "
                     "server block in %s); changing it to %s breaks every "
                     "tracked link in messages already sent"),
                   other, where, want);
    else
        lw_err_set(err, LW_ERR_REFUSED,
                   _("%s is already set up as the link-tracking domain; "
                     "changing it to %s breaks every tracked link in "
                     "messages already sent"),
                   other, want);
    lw_err_hint(err,
                _("Keep domain: %s in the answers file, or add "
                  "allow_domain_change: true if you really mean to change "
                  "it."),
                other);
    return LW_ERR_REFUSED;
}

static enum lw_status
step_key(struct run *r, struct lw_err *err)
{
    const struct lw_paths *p = &r->rep->paths;
    struct lw_buf pem = LW_BUF_INIT;
    struct lw_keyspec have;
    enum lw_status st;
    struct stat sb;

    st = read_under(r, p->key, KEY_FILE_MAX, &pem, err);
    if (st == LW_OK) {
        st = lw_key_parse(pem.data, pem.len, p->key, &r->key, err);
        if (st != LW_OK)
            goto out;
        if (lw_key_spec_of(r->key, &have) &&
            (have.type != r->want->key.type ||
             have.bits != r->want->key.bits)) {
            char h[32];
            snprintf(h, sizeof(h), "%s", lw_keyspec_name(&have));
            notice(r, LW_NOTICE_WARN,
                   _("Keeping the existing %s key in %s (the answers ask for "
                     "%s); remove the key file to have a new one made."),
                   h, p->key, lw_keyspec_name(&r->want->key));
        } else {
            notice(r, LW_NOTICE_INFO, _("Reusing the existing key %s."),
                   p->key);
        }
        if (exists_under(r, p->key, &sb) && S_ISREG(sb.st_mode) &&
            (sb.st_mode & 07777) != 0600)
            notice(r, LW_NOTICE_WARN,
                   _("%s was readable by others (mode %04o); setting it to "
                     "0600."),
                   p->key, (unsigned)(sb.st_mode & 07777));
        lw_buf_free_secure(&pem);
        lw_buf_init(&pem);
    } else if (st == LW_ERR_NOTFOUND) {
        lw_err_clear(err);
        notice(r, LW_NOTICE_INFO, _("Generating a new %s private key…"),
               lw_keyspec_name(&r->want->key));
        st = lw_keygen_generate(&r->want->key, r->env->ops.progress,
                                r->env->ops.ud, &r->key, err);
        if (st != LW_OK)
            goto out;
        r->rep->key_generated = true;
    } else {
        goto out;
    }
    if (lw_key_spec_of(r->key, &have))
        snprintf(r->rep->key_desc, sizeof(r->rep->key_desc), "%s",
                 lw_keyspec_name(&have));
    /* Written through the transaction even when it exists: that puts a
     * wrong mode right, and changes nothing otherwise. */
    st = lw_key_to_pem(r->key, &pem, err);
    if (st == LW_OK)
        st = install(r, p->key, pem.data, pem.len, 0600, 0700,
                     LW_INSTALL_SECRET, NULL, err);
    if (st == LW_OK) {
        char fp[LW_FINGERPRINT_MAX];
        st = lw_key_fingerprint(r->key, fp, err);
        if (st == LW_OK) {
            free(r->next.key_fingerprint);
            r->next.key_fingerprint = strdup(fp);
            if (r->next.key_fingerprint == NULL)
                st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        }
    }
out:
    lw_buf_free_secure(&pem);
    return st;
}

static enum lw_status
step_csr(struct run *r, struct lw_err *err)
{
    const struct lw_paths *p = &r->rep->paths;
    struct lw_subject subj = {r->want->organization, r->want->country};
    struct lw_buf old = LW_BUF_INIT;
    enum lw_status st;
    bool keep = false;

    st = read_under(r, p->csr, CERT_FILE_MAX, &old, err);
    if (st == LW_OK) {
        /* An existing CSR for this key and domain is kept, unless the
         * subject asked for changed. */
        keep = lw_csr_matches_key(old.data, old.len, r->key, r->want->domain,
                                  NULL) == LW_OK &&
               (!r->have_old ||
                (streq(r->old.config.organization, subj.organization) &&
                 streq(r->old.config.country, subj.country)));
    } else if (st != LW_ERR_NOTFOUND) {
        goto out;
    }
    lw_err_clear(err);
    if (keep) {
        lw_buf_append(&r->rep->csr_pem, old.data, old.len);
        st = lw_buf_status(&r->rep->csr_pem, err);
        goto out;
    }
    st = lw_csr_make(r->key, r->want->domain, &subj, &r->rep->csr_pem, err);
    if (st == LW_OK)
        st = install(r, p->csr, r->rep->csr_pem.data, r->rep->csr_pem.len,
                     0644, 0755, 0, NULL, err);
out:
    lw_buf_free(&old);
    return st;
}

/* Import the certificate from the answers, or keep the installed one.
 * Sets r->have_chain when a certificate is (or stays) in place. */
static enum lw_status
step_cert(struct run *r, struct lw_err *err)
{
    const struct lw_paths *p = &r->rep->paths;
    struct lw_cert_expect expect;
    const char *src = r->want->certificate;
    struct lw_buf data = LW_BUF_INIT, pem = LW_BUF_INIT;
    const char *name = src;
    enum lw_status st;

    memset(&expect, 0, sizeof(expect));
    expect.key = r->key;
    expect.domain = r->want->domain;
    expect.ca_file = r->env->ca_file;
    expect.now = r->now;
    expect.key_name = p->key;

    if (r->env->cert_data != NULL) {
        name = _("the pasted certificate");
        lw_buf_append(&data, r->env->cert_data, r->env->cert_len);
        st = lw_buf_status(&data, err);
    } else if (src != NULL) {
        st = lw_buf_read_file(&data, src, CERT_FILE_MAX, err);
    } else {
        /* No certificate given: an installed one is kept if it still fits
         * this key and domain. */
        name = p->crt;
        st = read_under(r, p->crt, CERT_FILE_MAX, &data, err);
        if (st == LW_ERR_NOTFOUND) {
            lw_err_clear(err);
            st = LW_OK;
            goto out;
        }
    }
    if (st != LW_OK)
        goto out;
    st = lw_cert_import(data.data, data.len, name, &expect, &r->chain, err);
    if (st != LW_OK) {
        if (src == NULL)
            lw_err_prefix(err, "%s",
                          _("the installed certificate is no longer usable"));
        goto out;
    }
    r->have_chain = true;
    {
        long days = (long)((r->chain.not_after - r->now) / 86400);
        if (days < 21)
            notice(r, LW_NOTICE_WARN,
                   P_("The certificate expires in %ld day: ask your CA for a "
                      "renewal now.",
                      "The certificate expires in %ld days: ask your CA for a "
                      "renewal now.",
                      (unsigned long)days),
                   days);
    }
    if (r->chain.reordered)
        notice(r, LW_NOTICE_INFO, "%s",
               _("The certificates were not in order; they are saved leaf "
                 "first."));
    if (r->chain.dropped_root)
        notice(r, LW_NOTICE_INFO, "%s",
               _("The root certificate was left out of the chain: clients "
                 "have it already."));
    st = lw_chain_to_pem(&r->chain, &pem, err);
    if (st == LW_OK)
        st = install(r, p->crt, pem.data, pem.len, 0644, 0755, 0, NULL, err);
    if (st == LW_OK) {
        char fp[96];
        X509 *leaf = sk_X509_value(r->chain.certs, 0);

        lw_cert_fingerprint(leaf, fp);
        free(r->next.cert_fingerprint);
        r->next.cert_fingerprint = strdup(fp);
        r->next.cert_not_after = r->chain.not_after;
        r->rep->cert_not_after = r->chain.not_after;
        if (r->next.cert_fingerprint == NULL)
            st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
out:
    /* a combined PEM may hold a private key too */
    lw_buf_free_secure(&data);
    lw_buf_free(&pem);
    return st;
}

static bool
host_has_ipv6(void)
{
    struct sockaddr_in6 sa;
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok;

    if (fd < 0)
        return false;
    memset(&sa, 0, sizeof(sa));
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_any;
    ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

static void
warn_other_claims(const struct run *r)
{
    struct lw_nginx_config cfg = {NULL, 0};
    struct lw_buf dump = LW_BUF_INIT;
    struct lw_err e;
    size_t i;

    lw_err_clear(&e);
    if (lw_nginx_dump(&dump, &e) != LW_OK ||
        lw_nginx_parse(dump.data, dump.len, "nginx -T", &cfg, &e) != LW_OK) {
        notice(r, LW_NOTICE_WARN,
               _("Could not read the current nginx configuration to look "
                 "for other server blocks: %s"),
               e.msg);
        goto out;
    }
    for (i = 0; i < cfg.n; i++) {
        const struct lw_nginx_server *s = &cfg.servers[i];
        if (s->file != NULL && strcmp(s->file, r->rep->paths.conf) == 0)
            continue;
        if (lw_nginx_server_claims(s, r->want->domain))
            notice(r, LW_NOTICE_WARN,
                   _("Another nginx server block also claims %s: %s, line "
                     "%u. nginx uses only one of them; remove the name "
                     "there."),
                   r->want->domain, s->file != NULL ? s->file : "?",
                   s->line);
    }
out:
    lw_nginx_config_free(&cfg);
    lw_buf_free(&dump);
}

static enum lw_status
step_nginx_conf(struct run *r, struct lw_err *err)
{
    const struct lw_region *reg;
    struct lw_nginx_site site;
    struct lw_buf conf = LW_BUF_INIT;
    enum lw_status st;

    reg = lw_profile_region(r->env->profile, r->want->region);
    if (reg == NULL)
        return lw_err_set(err, LW_ERR_INPUT,
                          _("region \"%s\" is not in the profile"),
                          r->want->region);
    memset(&site, 0, sizeof(site));
    site.domain = r->want->domain;
    site.origin = reg->origin;
    site.origin_port = reg->port;
    site.cert_path = r->rep->paths.crt;
    site.key_path = r->rep->paths.key;
    site.trust_bundle = LW_TRUST_BUNDLE;
    site.ipv6 = host_has_ipv6();
    st = lw_nginx_render(&site, &conf, err);
    if (st != LW_OK)
        goto out;
    if (r->env->run_nginx)
        warn_other_claims(r);
    st = install(r, r->rep->paths.conf, conf.data, conf.len, 0644, 0755, 0,
                 &r->conf_changed, err);
out:
    lw_buf_free(&conf);
    return st;
}

/* nginx -t after the files changed; on failure the caller undoes. */
static enum lw_status
step_nginx_test(struct run *r, struct lw_err *err)
{
    struct lw_buf msg = LW_BUF_INIT;
    enum lw_status st;
    bool ok = false;

    st = lw_nginx_test(&ok, &msg, err);
    if (st == LW_OK && !ok) {
        /* nginx's own words, trimmed: they name the file and line. */
        while (msg.len > 0 && (msg.data[msg.len - 1] == '\n' ||
                               msg.data[msg.len - 1] == ' '))
            msg.data[--msg.len] = '\0';
        st = lw_err_set(err, LW_ERR_EXTERNAL,
                        _("nginx -t rejected the configuration, so every "
                          "file was put back as it was:\n%s"),
                        msg.data != NULL ? msg.data : "");
        lw_err_hint(err, "%s",
                    _("Fix the file nginx names above (run `nginx -t` to "
                      "see it again), then run linkwiz again."));
    } else if (st == LW_OK) {
        r->rep->nginx_tested = true;
    }
    lw_buf_free(&msg);
    return st;
}

static enum lw_status
step_nginx_reload(struct run *r, struct lw_err *err)
{
    bool running = true;
    enum lw_status st;

    st = lw_nginx_reload(&running, err);
    if (st != LW_OK)
        return st;
    r->rep->nginx_running = running;
    r->rep->nginx_reloaded = running;
    if (!running)
        notice(r, LW_NOTICE_WARN, "%s",
               _("nginx is not running, so nothing was reloaded: start it "
                 "with `systemctl start nginx` (or `nginx`)."));
    return LW_OK;
}

static enum lw_status
fill_next_state(struct run *r, struct lw_err *err)
{
    enum lw_status st;

    /* Start from what was saved: keeps created, last check results. */
    st = lw_config_copy(&r->next.config, r->want, err);
    if (st != LW_OK)
        return st;
    if (r->have_old) {
        r->next.created = r->old.created;
        r->next.updated = r->old.updated;
        r->next.checked_at = r->old.checked_at;
        r->next.check_elapsed_ms = r->old.check_elapsed_ms;
        if (r->old.last_run != NULL &&
            (r->next.last_run = strdup(r->old.last_run)) == NULL)
            return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        /* The last check results stay with the state until the next
         * check replaces them. */
        r->next.checks = r->old.checks;
        r->next.n_checks = r->old.n_checks;
        r->old.checks = NULL;
        r->old.n_checks = 0;
    } else {
        r->next.created = r->now;
        r->next.updated = r->now;
    }
    if (r->want->certificate == NULL && r->have_old &&
        r->old.config.certificate != NULL) {
        free(r->next.config.certificate);
        r->next.config.certificate = strdup(r->old.config.certificate);
    }
    return LW_OK;
}

static enum lw_status
step_state(struct run *r, struct lw_err *err)
{
    struct lw_buf oldtxt = LW_BUF_INIT, newtxt = LW_BUF_INIT;
    const char *rt = state_runtime_path(r->env);
    enum lw_status st;
    bool same;

    /* Compare without the time stamp: an unchanged setup leaves the state
     * untouched, so a rerun changes nothing at all. */
    st = lw_state_format(&r->next, &newtxt, err);
    if (st != LW_OK)
        goto out;
    same = r->have_old && lw_state_format(&r->old, &oldtxt, NULL) == LW_OK &&
           oldtxt.len == newtxt.len &&
           memcmp(oldtxt.data, newtxt.data, newtxt.len) == 0;
    if (same && lw_install_count(r->txn) == 0)
        goto out;
    r->next.updated = r->now;
    if (lw_install_count(r->txn) > 0 && lw_install_stamp(r->txn) != NULL) {
        free(r->next.last_run);
        r->next.last_run = strdup(lw_install_stamp(r->txn));
    }
    lw_buf_reset(&newtxt);
    st = lw_state_format(&r->next, &newtxt, err);
    if (st != LW_OK)
        goto out;
    if (rt != NULL)
        st = install(r, rt, newtxt.data, newtxt.len, 0600, 0700,
                     LW_INSTALL_SECRET, NULL, err);
    else if (!r->env->dry_run)
        st = lw_state_save(r->env->state_path, &r->next, err);
out:
    lw_buf_free(&oldtxt);
    lw_buf_free(&newtxt);
    return st;
}

/* ---- CloudFront (cloudfront.h) ---- */

/* What the answers parser checks, again for a setup built elsewhere (the
 * wizard): no apex, an ARN CloudFront can use, a distribution's name. */
static enum lw_status
cf_check_want(const struct lw_config *want, struct lw_err *err)
{
    enum lw_status st;

    st = lw_cloudfront_check_domain(want->domain, err);
    if (st == LW_OK && want->acm_certificate_arn != NULL)
        st = lw_cloudfront_check_arn(want->acm_certificate_arn, err);
    if (st == LW_OK && want->distribution_domain != NULL)
        st = lw_cloudfront_check_dist(want->distribution_domain, err);
    return st;
}

/* The request path: an ARN, and no certificate given or installed here,
 * so the certificate was requested in ACM and its key stays in AWS. */
static bool
cf_acm_requested(const struct run *r)
{
    return r->want->acm_certificate_arn != NULL &&
           r->want->certificate == NULL && r->env->cert_data == NULL &&
           !exists_under(r, r->rep->paths.crt, NULL);
}

/* The provider's key rule, on the key the CSR and certificate are for. */
static enum lw_status
step_cf_key_rule(struct run *r, struct lw_err *err)
{
    char warn[512];
    enum lw_status st;

    st = lw_cloudfront_key_rule(r->key, warn, sizeof(warn), err);
    if (st != LW_OK) {
        lw_err_prefix(err, "%s", r->rep->paths.key);
        return st;
    }
    if (warn[0] != '\0')
        notice(r, LW_NOTICE_WARN, "%s", warn);
    return LW_OK;
}

/* The config written for the same setup before, when it differs only in
 * the caller reference, keeps that reference: an unchanged setup then
 * writes nothing, and sending the file to CloudFront twice cannot make a
 * second distribution. */
static enum lw_status
cf_config(struct run *r, const struct lw_cf_paths *cp, struct lw_buf *json,
          struct lw_err *err)
{
    const struct lw_region *reg;
    struct lw_cf_params prm;
    struct lw_buf old = LW_BUF_INIT;
    char *ref = NULL;
    enum lw_status st;

    reg = lw_profile_region(r->env->profile, r->want->region);
    if (reg == NULL)
        return lw_err_set(err, LW_ERR_INPUT,
                          _("region \"%s\" is not in the profile"),
                          r->want->region);
    memset(&prm, 0, sizeof(prm));
    prm.domain = r->want->domain;
    prm.origin = reg->origin;
    prm.origin_port = reg->port;
    prm.acm_arn = r->want->acm_certificate_arn;
    prm.now = r->now;
    if (read_under(r, cp->json, CERT_FILE_MAX, &old, NULL) == LW_OK)
        ref = lw_cloudfront_old_reference(old.data, old.len, r->want->domain);
    prm.caller_reference = ref;
    st = lw_cloudfront_config_json(&prm, json, err);
    if (st == LW_OK && ref != NULL &&
        !(json->len == old.len && memcmp(json->data, old.data, old.len) == 0)) {
        lw_buf_reset(json);
        prm.caller_reference = NULL;
        st = lw_cloudfront_config_json(&prm, json, err);
    }
    free(ref);
    lw_buf_free(&old);
    return st;
}

/* The files for ACM (the leaf alone, the intermediates) when the
 * certificate is here, and the distribution config once the ARN is
 * known. */
static enum lw_status
step_cloudfront(struct run *r, struct lw_err *err)
{
    struct lw_buf leaf = LW_BUF_INIT, inter = LW_BUF_INIT, json = LW_BUF_INIT;
    struct lw_cf_paths cp;
    enum lw_status st;

    st = lw_cloudfront_paths(r->want->domain, &cp, err);
    if (st != LW_OK)
        goto out;
    if (r->have_chain) {
        st = lw_cloudfront_split_chain(&r->chain, &leaf, &inter, err);
        if (st == LW_OK)
            st = install(r, cp.leaf, leaf.data, leaf.len, 0644, 0755, 0, NULL,
                         err);
        if (st == LW_OK && inter.len > 0) {
            st = install(r, cp.chain, inter.data, inter.len, 0644, 0755, 0,
                         NULL, err);
            r->rep->cf_chain_file = true;
        }
        if (st != LW_OK)
            goto out;
    }
    if (r->want->acm_certificate_arn != NULL) {
        st = cf_config(r, &cp, &json, err);
        if (st == LW_OK)
            st = install(r, cp.json, json.data, json.len, 0644, 0755, 0, NULL,
                         err);
        r->rep->cf_config_written = st == LW_OK;
    }
out:
    lw_buf_free(&leaf);
    lw_buf_free(&inter);
    lw_buf_free(&json);
    return st;
}

enum lw_status
lw_setup_run(const struct lw_setup_env *env, const struct lw_config *want,
             struct lw_setup_report *rep, struct lw_err *err)
{
    struct lw_install_opts iopts;
    struct lw_lock *lock = NULL;
    struct run r;
    enum lw_status st;

    memset(&r, 0, sizeof(r));
    r.env = env;
    r.want = want;
    r.rep = rep;
    r.now = env->now != 0 ? env->now : time(NULL);
    lw_state_init(&r.old);
    lw_state_init(&r.next);

    st = lw_paths_for(want->domain, &rep->paths, err);
    if (st != LW_OK)
        goto out;
    if (want->method == LW_METHOD_CLOUDFRONT) {
        st = cf_check_want(want, err);
        if (st != LW_OK)
            goto out;
    }
    if (!env->dry_run) {
        st = lw_lock_acquire(env->state_path, 0, &lock, err);
        if (st == LW_ERR_LOCKED && env->lock_wait_ms > 0) {
            notice(&r, LW_NOTICE_INFO,
                   _("%s; waiting up to %d seconds…"), err->msg,
                   (env->lock_wait_ms + 999) / 1000);
            lw_err_clear(err);
            st = lw_lock_acquire(env->state_path, env->lock_wait_ms, &lock,
                                 err);
        }
        if (st != LW_OK)
            goto out;
    }
    st = load_state(&r, err);
    if (st != LW_OK)
        goto out;
    st = check_domain_change(&r, err);
    if (st != LW_OK)
        goto out;
    {
        struct lw_domain d;
        if (want->method == LW_METHOD_NGINX &&
            lw_domain_parse(want->domain, &d, NULL) == LW_OK && d.apex)
            notice(&r, LW_NOTICE_WARN,
                   _("%s is the apex of its zone: a CNAME cannot live there, "
                     "so its DNS record must be an A/AAAA record pointing "
                     "at this server."),
                   want->domain);
    }
    st = fill_next_state(&r, err);
    if (st != LW_OK)
        goto out;

    memset(&iopts, 0, sizeof(iopts));
    iopts.root = env->root;
    iopts.dry_run = env->dry_run;
    st = lw_install_begin(&iopts, &r.txn, err);
    if (st != LW_OK)
        goto out;

    r.acm_requested = want->method == LW_METHOD_CLOUDFRONT &&
                      cf_acm_requested(&r);
    if (!r.acm_requested &&
        ((st = step_key(&r, err)) != LW_OK ||
         (want->method == LW_METHOD_CLOUDFRONT &&
          (st = step_cf_key_rule(&r, err)) != LW_OK) ||
         (st = step_csr(&r, err)) != LW_OK ||
         (st = step_cert(&r, err)) != LW_OK))
        goto undo;

    if (want->method == LW_METHOD_CLOUDFRONT) {
        if (r.have_chain || r.acm_requested) {
            st = step_cloudfront(&r, err);
            if (st != LW_OK)
                goto undo;
            r.next.phase = LW_PHASE_INSTALLED;
        } else {
            r.next.phase = LW_PHASE_WAITING_CERT;
        }
        if (!r.have_chain) {
            free(r.next.cert_fingerprint);
            r.next.cert_fingerprint = NULL;
            r.next.cert_not_after = 0;
        }
    } else if (r.have_chain) {
        st = step_nginx_conf(&r, err);
        if (st != LW_OK)
            goto undo;
        r.next.phase = LW_PHASE_INSTALLED;
    } else {
        r.next.phase = LW_PHASE_WAITING_CERT;
        free(r.next.cert_fingerprint);
        r.next.cert_fingerprint = NULL;
        r.next.cert_not_after = 0;
    }
    if (want->method == LW_METHOD_NGINX &&
        r.next.phase == LW_PHASE_INSTALLED && env->run_nginx &&
        !env->dry_run && lw_install_count(r.txn) > 0) {
        st = step_nginx_test(&r, err);
        if (st != LW_OK)
            goto undo;
    }
    st = step_state(&r, err);
    if (st != LW_OK)
        goto undo;
    if (want->method == LW_METHOD_NGINX &&
        r.next.phase == LW_PHASE_INSTALLED && env->run_nginx &&
        !env->dry_run && want->nginx_reload && lw_install_count(r.txn) > 0) {
        st = step_nginx_reload(&r, err);
        if (st != LW_OK)
            goto undo;
    }
    if (!env->dry_run) {
        st = lw_install_commit(r.txn, err);
        if (st != LW_OK)
            goto undo;
    }

    rep->phase = r.next.phase;
    rep->cf_acm_requested = r.acm_requested;
    if (lw_install_count(r.txn) == 0)
        rep->outcome = LW_SETUP_UNCHANGED;
    else if (r.next.phase == LW_PHASE_INSTALLED)
        rep->outcome = LW_SETUP_INSTALLED;
    else
        rep->outcome = LW_SETUP_WAITING;
    lw_install_describe(r.txn, &rep->changes);
    if (env->dry_run)
        lw_buf_puts(&rep->diff, lw_install_diff(r.txn));
    if (lw_install_stamp(r.txn) != NULL)
        snprintf(rep->stamp, sizeof(rep->stamp), "%s",
                 lw_install_stamp(r.txn));
    if (r.have_chain)
        rep->cert_not_after = r.chain.not_after;
    st = lw_buf_status(&rep->changes, err);
    goto out;

undo:
    if (r.txn != NULL && !env->dry_run) {
        struct lw_err uerr;
        lw_err_clear(&uerr);
        if (lw_install_undo(r.txn, &uerr) != LW_OK)
            notice(&r, LW_NOTICE_WARN,
                   _("Putting the old files back failed too: %s"), uerr.msg);
    }
out:
    lw_install_free(r.txn);
    if (r.have_chain)
        lw_chain_free(&r.chain);
    EVP_PKEY_free(r.key);
    lw_state_free(&r.old);
    lw_state_free(&r.next);
    lw_lock_release(lock);
    return st;
}

enum lw_status
lw_setup_rollback(const struct lw_setup_env *env, struct lw_buf *report,
                  struct lw_err *err)
{
    struct lw_lock *lock = NULL;
    struct lw_buf msg = LW_BUF_INIT;
    enum lw_status st;
    bool ok = false, running = false;

    st = lw_lock_acquire(env->state_path, env->lock_wait_ms, &lock, err);
    if (st != LW_OK)
        return st;
    st = lw_rollback_last(env->root, report, err);
    if (st != LW_OK || !env->run_nginx)
        goto out;
    st = lw_nginx_test(&ok, &msg, err);
    if (st != LW_OK)
        goto out;
    if (!ok) {
        lw_buf_printf(report,
                      _("nginx -t does not accept the restored "
                        "configuration, so nginx was not reloaded:\n%s\n"),
                      msg.data != NULL ? msg.data : "");
        st = lw_err_set(err, LW_ERR_EXTERNAL, "%s",
                        _("the files were restored, but nginx -t rejects "
                          "the configuration"));
        goto out;
    }
    st = lw_nginx_reload(&running, err);
    if (st == LW_OK)
        lw_buf_puts(report, running ? _("nginx reloaded.\n")
                                    : _("nginx is not running; nothing to "
                                        "reload.\n"));
out:
    lw_buf_free(&msg);
    lw_lock_release(lock);
    return st;
}
