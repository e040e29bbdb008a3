/* common.c - what several steps share: the setup transaction run in the
 * worker, and small formatting helpers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lw/nls.h"
#include "lw/ui/step.h"

/* One lw_setup_run in the worker: everything it reads is its own copy,
 * so the screen can go on drawing from w meanwhile. */
struct lw_wiz_setup {
    struct lw_setup_env env;
    struct lw_config cfg;
    struct lw_setup_report rep;
    struct lw_buf cert; /* pasted chain, or empty */
};

static enum lw_status
setup_fn(struct lw_job *job, void *ud, struct lw_err *err)
{
    struct lw_wiz_setup *s = ud;

    s->env.ops.ud = job;
    return lw_setup_run(&s->env, &s->cfg, &s->rep, err);
}

static void
setup_free(struct lw_wiz_setup *s)
{
    if (s == NULL)
        return;
    lw_config_free(&s->cfg);
    lw_setup_report_free(&s->rep);
    lw_buf_free_secure(&s->cert);
    free(s);
}

static void
on_job_wake(struct lw_job *job, void *ud)
{
    struct lw_wiz *w = ud;
    const struct lw_step_ops *ops;

    (void)job;
    w->dirty = true;
    ops = NULL;
    switch (w->job_owner) {
    case LW_STEP_CSR:
        ops = &lw_step_csr;
        break;
    case LW_STEP_NGINX:
        ops = &lw_step_nginx;
        break;
    case LW_STEP_CLOUDFRONT:
        ops = &lw_step_cloudfront;
        break;
    default:
        break;
    }
    if (ops != NULL && ops->event != NULL)
        ops->event(w, lw_wiz_priv(w, w->job_owner), LW_EV_JOB);
}

enum lw_status
lw_wiz_start_setup(struct lw_wiz *w, enum lw_step_id owner, bool with_cert,
                   struct lw_err *err)
{
    struct lw_wiz_setup *s;
    enum lw_status st;

    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    lw_config_init(&s->cfg);
    lw_setup_report_init(&s->rep);
    lw_buf_init(&s->cert);
    st = lw_config_copy(&s->cfg, &w->cfg, err);
    if (st != LW_OK)
        goto fail;
    s->cfg.allow_domain_change = w->domain_change_ok;
    free(s->cfg.certificate);
    s->cfg.certificate = NULL;
    if (with_cert) {
        if (w->cert_name[0] != '\0') {
            s->cfg.certificate = strdup(w->cert_name);
            if (s->cfg.certificate == NULL) {
                st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
                goto fail;
            }
        } else {
            lw_buf_append(&s->cert, w->cert_data.data, w->cert_data.len);
            st = lw_buf_status(&s->cert, err);
            if (st != LW_OK)
                goto fail;
            s->env.cert_data = s->cert.data;
            s->env.cert_len = s->cert.len;
        }
    }
    s->env.root = w->opts->root;
    s->env.state_path = w->opts->state_path;
    s->env.profile = w->opts->profile;
    s->env.ca_file = w->opts->ca_file;
    s->env.run_nginx = w->opts->run_nginx;
    s->env.lock_wait_ms = 2000;
    s->env.ops.notice = lw_job_setup_notice;
    s->env.ops.progress = lw_job_setup_progress;
    st = lw_job_start(w->loop, setup_fn, s, on_job_wake, w, &w->job, err);
    if (st != LW_OK)
        goto fail;
    w->setup = s;
    w->job_owner = owner;
    return LW_OK;
fail:
    setup_free(s);
    return st;
}

void
lw_wiz_stop_job(struct lw_wiz *w)
{
    /* Cancel first: key generation stops at its next step, and the
     * transaction puts back whatever it had written. */
    lw_job_free(w->job);
    w->job = NULL;
    setup_free(w->setup);
    w->setup = NULL;
}

enum lw_status
lw_wiz_setup_finished(struct lw_wiz *w, struct lw_buf *notices,
                      struct lw_err *err)
{
    struct lw_wiz_setup *s = w->setup;
    enum lw_status st;

    lw_job_take_notices(w->job, notices);
    st = lw_job_result(w->job, err);
    lw_job_free(w->job);
    w->job = NULL;
    w->setup = NULL;
    if (st == LW_OK) {
        w->paths = s->rep.paths;
        if (s->rep.csr_pem.len > 0) {
            lw_buf_reset(&w->csr_pem);
            lw_buf_append(&w->csr_pem, s->rep.csr_pem.data,
                          s->rep.csr_pem.len);
        }
        if (s->rep.changes.len > 0)
            lw_buf_append(&w->changes, s->rep.changes.data,
                          s->rep.changes.len);
        snprintf(w->key_desc, sizeof(w->key_desc), "%s", s->rep.key_desc);
        w->key_generated = w->key_generated || s->rep.key_generated;
        w->installed = s->rep.phase == LW_PHASE_INSTALLED;
        w->nginx_tested = s->rep.nginx_tested;
        w->nginx_reloaded = s->rep.nginx_reloaded;
        /* The state now holds this setup: a rerun finds it. */
        w->unsaved = false;
        lw_wiz_reload_state(w);
    }
    setup_free(s);
    return st;
}

void
lw_wiz_reload_state(struct lw_wiz *w)
{
    struct lw_state s;

    lw_state_init(&s);
    if (lw_state_load(w->opts->state_path, &s, NULL) == LW_OK) {
        lw_state_free(&w->old);
        w->old = s;
        w->have_old = true;
        return;
    }
    lw_state_free(&s);
}

void
lw_wiz_date(time_t t, char *out, size_t len)
{
    /* People read these: the locale's own date form. */
    lw_nls_date(t, false, out, len);
}
