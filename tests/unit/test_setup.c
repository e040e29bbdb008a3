/* test_setup.c - the setup flow under a temporary root (nginx not run):
 * waiting for the certificate, installing it, reruns, refusals that leave
 * every file as it was, dry run. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lw/keygen.h"
#include "lw/setup.h"
#include "testpki.h"

struct fx {
    char *dir;  /* temp dir: root/ and files/ */
    char root[512];
    char state[600];
    struct lw_profile *prof;
    struct lw_config cfg;
    struct lw_setup_env env;
    struct tp_pki pki; /* leaf made for the key setup generated */
    bool have_pki;
    char *ca_file;
    char notices[4096];
};

static void
on_notice(void *ud, enum lw_notice level, const char *msg)
{
    struct fx *f = ud;
    size_t len = strlen(f->notices);

    snprintf(f->notices + len, sizeof(f->notices) - len, "%s%s\n",
             level == LW_NOTICE_WARN ? "W: " : "I: ", msg);
}

static int
setup_fx(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    f->dir = tp_tmpdir();
    snprintf(f->root, sizeof(f->root), "%s/root", f->dir);
    mkdir(f->root, 0755);
    snprintf(f->state, sizeof(f->state), "%s/var/lib/linkwiz/state.yaml",
             f->root);
    assert_int_equal(lw_profile_load(NULL, &f->prof, NULL), LW_OK);
    lw_config_init(&f->cfg);
    snprintf(f->cfg.domain, sizeof(f->cfg.domain), "link.example.com");
    f->cfg.region = strdup("us");
    f->cfg.method = LW_METHOD_NGINX;
    f->cfg.key.type = LW_KEY_EC; /* fast */
    f->cfg.key.bits = 256;
    f->env.root = f->root;
    f->env.state_path = f->state;
    f->env.profile = f->prof;
    f->env.run_nginx = false;
    f->env.ops.notice = on_notice;
    f->env.ops.ud = f;
    *state = f;
    return 0;
}

static int
teardown_fx(void **state)
{
    struct fx *f = *state;

    lw_config_free(&f->cfg);
    lw_profile_free(f->prof);
    if (f->have_pki)
        tp_pki_free(&f->pki);
    free(f->ca_file);
    tp_rmtree(f->dir);
    free(f);
    return 0;
}

static enum lw_status
run(struct fx *f, struct lw_setup_report *rep, struct lw_err *err)
{
    lw_setup_report_init(rep);
    lw_err_clear(err);
    f->notices[0] = '\0';
    return lw_setup_run(&f->env, &f->cfg, rep, err);
}

static void
under(const struct fx *f, const char *path, char *out, size_t len)
{
    snprintf(out, len, "%s%s", f->root, path);
}

static unsigned
mode_of(const struct fx *f, const char *path)
{
    char full[1024];
    struct stat st;

    under(f, path, full, sizeof(full));
    if (stat(full, &st) != 0)
        return 0;
    return st.st_mode & 07777;
}

static char *
slurp(const char *path)
{
    struct lw_buf b = LW_BUF_INIT;

    if (lw_buf_read_file(&b, path, 1 << 20, NULL) != LW_OK) {
        lw_buf_free(&b);
        return NULL;
    }
    return lw_buf_steal(&b, NULL);
}

/* A signed chain for the key setup generated, written to files/chain.pem
 * and the root to files/root.pem; cfg.certificate points at the chain. */
static void
sign_for_installed_key(struct fx *f, const char *name, long days_after)
{
    struct tp_cert_spec spec;
    const char *sans[] = {name, NULL};
    char keypath[1024], *pem;
    EVP_PKEY *key = NULL;
    X509 *leaf;

    under(f, "/etc/pki/tls/private/link.example.com.key", keypath,
          sizeof(keypath));
    pem = slurp(keypath);
    assert_non_null(pem);
    assert_int_equal(lw_key_parse(pem, strlen(pem), keypath, &key, NULL),
                     LW_OK);
    free(pem);
    if (!f->have_pki) {
        tp_pki_make(&f->pki, "unused.example.com", NULL);
        f->have_pki = true;
        f->ca_file = tp_write_certs(f->dir, "root.pem", TP_PEM, f->pki.root,
                                    NULL);
        f->env.ca_file = f->ca_file;
    }
    memset(&spec, 0, sizeof(spec));
    spec.cn = name;
    spec.sans = sans;
    spec.days_before = 1;
    spec.days_after = days_after;
    leaf = tp_cert(&spec, key, f->pki.inter, f->pki.inter_key);
    free(f->cfg.certificate);
    /* intermediate first: setup must store leaf first */
    f->cfg.certificate = tp_write_certs(f->dir, "chain.pem", TP_PEM,
                                        f->pki.inter, leaf, NULL);
    X509_free(leaf);
    EVP_PKEY_free(key);
}

static void
test_waiting_then_installed_then_unchanged(void **state)
{
    struct fx *f = *state;
    struct lw_setup_report rep;
    struct lw_err err;
    char path[1024], *text;

    /* 1. no certificate: key + CSR, waiting */
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_WAITING);
    assert_int_equal(rep.phase, LW_PHASE_WAITING_CERT);
    assert_true(rep.key_generated);
    assert_string_equal(rep.key_desc, "EC P-256");
    assert_true(tp_contains(rep.csr_pem.data,
                            "-----BEGIN CERTIFICATE REQUEST-----"));
    assert_int_equal(mode_of(f, "/etc/pki/tls/private/link.example.com.key"),
                     0600);
    assert_int_equal(mode_of(f, "/etc/pki/tls/private"), 0700);
    assert_int_equal(mode_of(f, "/etc/pki/tls/certs/link.example.com.csr"),
                     0644);
    assert_int_equal(mode_of(f, "/var/lib/linkwiz/state.yaml"), 0600);
    assert_int_equal(mode_of(f, "/etc/nginx/conf.d/link.example.com.conf"),
                     0);
    assert_true(tp_contains(rep.changes.data,
                            "/etc/pki/tls/private/link.example.com.key"));
    lw_setup_report_free(&rep);

    /* 2. again, still no certificate: nothing changes, key reused */
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_UNCHANGED);
    assert_int_equal(rep.phase, LW_PHASE_WAITING_CERT);
    assert_false(rep.key_generated);
    assert_true(tp_contains(f->notices, "Reusing the existing key"));
    lw_setup_report_free(&rep);

    /* 3. with the certificate: installed */
    sign_for_installed_key(f, "link.example.com", 90);
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_INSTALLED);
    assert_int_equal(rep.phase, LW_PHASE_INSTALLED);
    assert_true(tp_contains(f->notices, "leaf first"));
    assert_true(rep.cert_not_after > time(NULL) + 80 * 86400);
    lw_setup_report_free(&rep);
    under(f, "/etc/nginx/conf.d/link.example.com.conf", path, sizeof(path));
    text = slurp(path);
    assert_non_null(text);
    assert_true(tp_contains(text, "proxy_set_header Host link.example.com;"));
    assert_true(tp_contains(text, "proxy_pass https://track.customer.io;"));
    free(text);
    text = slurp(f->state);
    assert_true(tp_contains(text, "installed"));
    free(text);

    /* 4. same again: unchanged, no new backup run */
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_UNCHANGED);
    assert_string_equal(rep.stamp, "");
    assert_true(rep.changes.len == 0);
    lw_setup_report_free(&rep);
}

/* Run setup expecting failure; every file must be as before. */
static void
expect_refusal(struct fx *f, enum lw_status want_st, const char *want_msg)
{
    char before_crt[1024], *old_crt, *old_state, *now;
    struct lw_setup_report rep;
    struct lw_err err;

    under(f, "/etc/pki/tls/certs/link.example.com.crt", before_crt,
          sizeof(before_crt));
    old_crt = slurp(before_crt);
    old_state = slurp(f->state);
    assert_int_equal(run(f, &rep, &err), want_st);
    assert_true(tp_contains(err.msg, want_msg));
    lw_setup_report_free(&rep);
    now = slurp(before_crt);
    assert_string_equal(now, old_crt);
    free(now);
    now = slurp(f->state);
    assert_string_equal(now, old_state);
    free(now);
    free(old_crt);
    free(old_state);
}

static void
install_once(struct fx *f)
{
    struct lw_setup_report rep;
    struct lw_err err;

    assert_int_equal(run(f, &rep, &err), LW_OK);
    lw_setup_report_free(&rep);
    sign_for_installed_key(f, "link.example.com", 90);
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_INSTALLED);
    lw_setup_report_free(&rep);
}

static void
test_bad_certificates_change_nothing(void **state)
{
    struct fx *f = *state;

    install_once(f);
    sign_for_installed_key(f, "other.example.com", 90);
    expect_refusal(f, LW_ERR_INPUT, "other.example.com");
    sign_for_installed_key(f, "link.example.com", -1); /* expired */
    expect_refusal(f, LW_ERR_INPUT, "expired");
}

static void
test_domain_change_refused_unless_allowed(void **state)
{
    struct fx *f = *state;
    struct lw_setup_report rep;
    struct lw_err err;
    char path[1024];

    install_once(f);
    snprintf(f->cfg.domain, sizeof(f->cfg.domain), "new.example.com");
    free(f->cfg.certificate);
    f->cfg.certificate = NULL;
    expect_refusal(f, LW_ERR_REFUSED, "link.example.com");
    under(f, "/etc/pki/tls/private/new.example.com.key", path, sizeof(path));
    assert_int_equal(access(path, F_OK), -1);

    f->cfg.allow_domain_change = true;
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_WAITING);
    assert_true(tp_contains(f->notices, "W: Changing the link-tracking "
                                        "domain from link.example.com"));
    assert_int_equal(access(path, F_OK), 0);
    lw_setup_report_free(&rep);
}

static void
test_dry_run_writes_nothing(void **state)
{
    struct fx *f = *state;
    struct lw_setup_report rep;
    struct lw_err err;
    char path[1024];

    f->env.dry_run = true;
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_int_equal(rep.outcome, LW_SETUP_WAITING);
    assert_true(tp_contains(rep.diff.data, "contents not shown"));
    assert_true(tp_contains(rep.diff.data, "link.example.com.csr"));
    lw_setup_report_free(&rep);
    under(f, "/etc", path, sizeof(path));
    assert_int_equal(access(path, F_OK), -1);
    under(f, "/var", path, sizeof(path));
    assert_int_equal(access(path, F_OK), -1);
}

static void
test_existing_key_reused_with_warning(void **state)
{
    struct fx *f = *state;
    struct lw_setup_report rep;
    struct lw_err err;

    assert_int_equal(run(f, &rep, &err), LW_OK);
    lw_setup_report_free(&rep);
    f->cfg.key.bits = 384; /* asks for P-384 now */
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_false(rep.key_generated);
    assert_string_equal(rep.key_desc, "EC P-256");
    assert_true(tp_contains(f->notices, "W: Keeping the existing EC P-256"));
    lw_setup_report_free(&rep);
}

static void
test_widened_key_mode_is_put_right(void **state)
{
    struct fx *f = *state;
    struct lw_setup_report rep;
    struct lw_err err;
    char path[1024];

    assert_int_equal(run(f, &rep, &err), LW_OK);
    lw_setup_report_free(&rep);
    under(f, "/etc/pki/tls/private/link.example.com.key", path, sizeof(path));
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(run(f, &rep, &err), LW_OK);
    assert_true(tp_contains(f->notices, "mode 0644"));
    assert_int_equal(mode_of(f, "/etc/pki/tls/private/link.example.com.key"),
                     0600);
    lw_setup_report_free(&rep);
}

static void
test_paths_refuse_bad_names(void **state)
{
    struct lw_paths p;
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_paths_for("link.example.com", &p, &err), LW_OK);
    assert_string_equal(p.key, "/etc/pki/tls/private/link.example.com.key");
    assert_string_equal(p.conf, "/etc/nginx/conf.d/link.example.com.conf");
    assert_int_equal(lw_paths_for("../../etc/passwd", &p, &err),
                     LW_ERR_INPUT);
    assert_int_equal(lw_paths_for("Link.example.com", &p, &err),
                     LW_ERR_INPUT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_waiting_then_installed_then_unchanged, setup_fx,
            teardown_fx),
        cmocka_unit_test_setup_teardown(test_bad_certificates_change_nothing,
                                        setup_fx, teardown_fx),
        cmocka_unit_test_setup_teardown(
            test_domain_change_refused_unless_allowed, setup_fx,
            teardown_fx),
        cmocka_unit_test_setup_teardown(test_dry_run_writes_nothing,
                                        setup_fx, teardown_fx),
        cmocka_unit_test_setup_teardown(test_existing_key_reused_with_warning,
                                        setup_fx, teardown_fx),
        cmocka_unit_test_setup_teardown(test_widened_key_mode_is_put_right,
                                        setup_fx, teardown_fx),
        cmocka_unit_test(test_paths_refuse_bad_names),
    };
    return cmocka_run_group_tests_name("setup", tests, NULL, NULL);
}
