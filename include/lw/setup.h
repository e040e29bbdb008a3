/* setup.h - the setup flow shared by `linkwiz setup` and the wizard:
 * key and CSR, certificate import, the method's files, nginx -t and
 * reload, the saved state, all in one install transaction.
 *
 * Curses-free: it reports through the callbacks in struct lw_setup_ops and
 * never prints. */
#ifndef LW_SETUP_H
#define LW_SETUP_H

#include <stdbool.h>
#include <time.h>

#include "lw/answers.h"
#include "lw/buf.h"
#include "lw/install.h"
#include "lw/profile.h"
#include "lw/state.h"
#include "lw/status.h"

/* Run-time paths of the files for one domain (DESIGN.md, "Files"). */
struct lw_paths {
    char key[LW_PATH_MAX];  /* /etc/pki/tls/private/<d>.key */
    char csr[LW_PATH_MAX];  /* /etc/pki/tls/certs/<d>.csr */
    char crt[LW_PATH_MAX];  /* /etc/pki/tls/certs/<d>.crt */
    char conf[LW_PATH_MAX]; /* /etc/nginx/conf.d/<d>.conf */
    char json[LW_PATH_MAX]; /* /var/lib/linkwiz/cloudfront/<d>.json */
};

/* Fill p for a normalized domain (refused otherwise). */
enum lw_status lw_paths_for(const char *domain, struct lw_paths *p,
                            struct lw_err *err);

enum lw_notice { LW_NOTICE_INFO, LW_NOTICE_WARN };

struct lw_setup_ops {
    /* A sentence for the operator (translated), as things happen. */
    void (*notice)(void *ud, enum lw_notice level, const char *msg);
    /* Key generation progress; return false to cancel.  May be NULL. */
    bool (*progress)(void *ud, int phase, int count);
    void *ud;
};

struct lw_setup_env {
    const char *root;       /* "/" or a DESTDIR-like directory */
    const char *state_path; /* full path of the state file */
    const struct lw_profile *profile;
    const char *ca_file; /* extra trust anchors, or NULL */
    bool dry_run;        /* show diffs, write nothing */
    bool run_nginx;      /* run nginx -T/-t/reload (false under --root) */
    int lock_wait_ms;    /* how long to wait for another run's lock */
    time_t now;          /* 0 = time(NULL) */
    struct lw_setup_ops ops;
    /* The certificate chain given in memory (the wizard's paste area),
     * used instead of want->certificate when not NULL. */
    const char *cert_data;
    size_t cert_len;
};

enum lw_setup_outcome {
    LW_SETUP_INSTALLED,   /* everything in place (something changed) */
    LW_SETUP_WAITING,     /* key + CSR in place, certificate needed */
    LW_SETUP_UNCHANGED    /* nothing needed changing */
};

struct lw_setup_report {
    enum lw_setup_outcome outcome;
    enum lw_phase phase;
    struct lw_paths paths;
    struct lw_buf csr_pem; /* the CSR, always filled on success */
    struct lw_buf changes; /* one line per file changed (or, dry run, to be) */
    struct lw_buf diff;    /* dry run: unified diffs */
    char key_desc[32];     /* "RSA 2048" */
    bool key_generated;
    bool nginx_tested;     /* nginx -t ran and passed */
    bool nginx_reloaded;
    bool nginx_running;    /* false when a reload was asked and nginx is down */
    /* CloudFront (cloudfront.h): the certificate was requested in ACM (no
     * key or CSR made here); the intermediates file for ACM was written
     * (false: the leaf was issued by a root directly); the distribution
     * config was written (needs the ARN). */
    bool cf_acm_requested;
    bool cf_chain_file;
    bool cf_config_written;
    time_t cert_not_after; /* 0 when no certificate */
    char stamp[64];        /* backup stamp of this run, "" when none */
};

void lw_setup_report_init(struct lw_setup_report *r);
void lw_setup_report_free(struct lw_setup_report *r);

/* Bring the system to the setup `want` describes.  Takes the run lock,
 * refuses a domain change unless want->allow_domain_change, reuses an
 * existing key, and on any failure puts every file back as it was.  On
 * success rep says what happened. */
enum lw_status lw_setup_run(const struct lw_setup_env *env,
                            const struct lw_config *want,
                            struct lw_setup_report *rep, struct lw_err *err);

/* Put back what the last run replaced (lw_rollback_last), then, when
 * env->run_nginx, test the config and reload a running nginx.  report gets
 * one line per file and what was done with nginx. */
enum lw_status lw_setup_rollback(const struct lw_setup_env *env,
                                 struct lw_buf *report, struct lw_err *err);

#endif
