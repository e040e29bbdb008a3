/* step.h - the wizard's screen model (STYLE.md, "Screens are data plus a
 * small ops table"): each step is one const struct lw_step_ops plus its
 * private state; keys reach it as named actions; the driver (ui/wizard.c)
 * owns history, the side list, the key-hint bar, help, quit and the
 * "terminal too small" state. */
#ifndef LW_UI_STEP_H
#define LW_UI_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "lw/ui/widget.h"

#include "lw/answers.h"
#include "lw/buf.h"
#include "lw/check.h"
#include "lw/domain.h"
#include "lw/loop.h"
#include "lw/setup.h"
#include "lw/state.h"
#include "lw/ui/wizard.h"
#include "lw/ui/worker.h"

enum lw_step_id {
    LW_STEP_NONE = -1,
    LW_STEP_WELCOME = 0,
    LW_STEP_DOMAIN,
    LW_STEP_CHANGE,
    LW_STEP_REGION,
    LW_STEP_METHOD,
    LW_STEP_KEY,
    LW_STEP_CSR,
    LW_STEP_CERT,
    LW_STEP_CLOUDFRONT, /* after the certificate: the files for ACM */
    LW_STEP_NGINX,
    LW_STEP_DNS,
    LW_STEP_CHECKS,
    LW_STEP_DONE,
    LW_STEP_COUNT
};

/* Keys become these before a step sees them (ui/keys.c). */
enum lw_action {
    LW_ACT_NONE,
    LW_ACT_NEXT,      /* Enter */
    LW_ACT_BACK,      /* Esc */
    LW_ACT_HELP,      /* F1 */
    LW_ACT_QUIT,      /* q (not in a text field), Ctrl-Q, F10 */
    LW_ACT_CANCEL,    /* Ctrl-C */
    LW_ACT_REDRAW,    /* Ctrl-L */
    LW_ACT_UP,
    LW_ACT_DOWN,
    LW_ACT_LEFT,
    LW_ACT_RIGHT,
    LW_ACT_TAB,
    LW_ACT_BTAB,
    LW_ACT_PGUP,
    LW_ACT_PGDN,
    LW_ACT_HOME,
    LW_ACT_END,
    LW_ACT_BACKSPACE,
    LW_ACT_DELETE,
    LW_ACT_KILL,      /* Ctrl-U: clear the field */
    LW_ACT_CHAR,      /* a printable character, in ch */
    LW_ACT_LANG       /* F2: the language menu (the driver's) */
};

struct lw_key {
    enum lw_action act;
    wchar_t ch;   /* LW_ACT_CHAR: the character (also set for letters
                     bound in navigation mode, e.g. 'r') */
    bool burst;   /* arrived with other keys at once (a paste) */
};

/* Map one wget_wch result to an action; text = a text field has focus
 * (letters are characters, not commands). */
struct lw_key lw_keys_map(int rc, wint_t wc, bool text);

struct lw_wiz;
struct lw_wiz_setup;

enum lw_key_ret {
    LW_KEY_UNHANDLED, /* the driver applies its default (next, back, …) */
    LW_KEY_HANDLED
};

/* Things that happen outside the keyboard, passed to ops->event. */
enum lw_event {
    LW_EV_JOB,   /* the worker job has news (or finished) */
    LW_EV_CHECK, /* a check result arrived, or the run ended */
    LW_EV_TICK   /* the one-second timer (countdowns, spinners) */
};

struct lw_step_ops {
    const char *name;  /* side list label, N_() */
    const char *title; /* heading, N_() */
    const char *help;  /* F1 text, N_() */
    size_t priv_size;  /* private state, zeroed, kept for the whole run */
    bool wide;         /* hide the side list (text to copy) */
    /* Called each time the step becomes current; back = reached by Esc. */
    void (*enter)(struct lw_wiz *w, void *priv, bool back);
    /* Paint from state only: no I/O.  win is the content area. */
    void (*draw)(struct lw_wiz *w, void *priv, WINDOW *win);
    enum lw_key_ret (*key)(struct lw_wiz *w, void *priv,
                           const struct lw_key *k);
    void (*event)(struct lw_wiz *w, void *priv, enum lw_event ev);
    /* Leaving (forward or back). */
    void (*leave)(struct lw_wiz *w, void *priv);
    /* Enter was pressed: the step to go to, or LW_STEP_NONE to stay
     * (the step says why on its screen). */
    enum lw_step_id (*next)(struct lw_wiz *w, void *priv);
    /* A text field has focus (letters are text). */
    bool (*text_mode)(struct lw_wiz *w, void *priv);
    /* Extra key hints for the bar ("r rerun  w watch"), translated. */
    const char *(*hints)(struct lw_wiz *w, void *priv);
    /* Free what priv owns (at exit). */
    void (*fini)(struct lw_wiz *w, void *priv);
    /* The language was switched (F2): redo the translated text kept in
     * priv (messages made when something happened).  Optional: text
     * drawn with _() at draw time needs nothing. */
    void (*relang)(struct lw_wiz *w, void *priv);
};

extern const struct lw_step_ops lw_step_welcome, lw_step_domain,
    lw_step_change, lw_step_region, lw_step_method, lw_step_key,
    lw_step_cloudfront, lw_step_csr, lw_step_cert, lw_step_nginx,
    lw_step_dns, lw_step_checks, lw_step_done;

/* What the steps share: the options, the loop, what the operator chose,
 * what is on disk, and what the setup runs reported.  One per run, its
 * fields grouped by step rather than packed:
 * NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding) */
struct lw_wiz {
    const struct lw_wizard_opts *opts;
    struct lw_loop *loop;
    struct lw_ui ui;

    struct lw_config cfg;  /* the setup being built (domain normalized) */
    struct lw_domain dom;  /* the parsed domain (display form, apex) */
    bool have_dom;

    struct lw_state old;   /* the saved setup found at start */
    bool have_old;
    char old_problem[LW_ERR_MSG_MAX]; /* a state that could not be read */
    char nginx_domain[LW_DOMAIN_MAX]; /* tracking domain found by nginx -T */
    char nginx_where[LW_PATH_MAX + 16];
    char prev_domain[LW_DOMAIN_MAX];  /* the domain to warn about, or "" */
    bool domain_change_ok;            /* typed to confirm */
    bool revalidate;                  /* came straight to the checks */

    struct lw_paths paths;  /* of cfg.domain */
    struct lw_buf csr_pem;  /* from the key + CSR run */
    char key_desc[32];
    bool key_generated;
    struct lw_buf cert_data; /* the chain given at the certificate step */
    char cert_name[LW_PATH_MAX]; /* its path, or "" when pasted */
    bool cert_ok;
    struct lw_buf changes;  /* "created …" lines of every run */
    bool installed;         /* the method's files are in place */
    bool cf_request;        /* CloudFront: the certificate is requested in
                               ACM (no key or CSR made here) */
    bool nginx_tested, nginx_reloaded;
    bool unsaved;           /* choices made that no file has yet */

    struct lw_job *job;         /* the running worker job, or NULL */
    enum lw_step_id job_owner;  /* the step it reports to */
    struct lw_wiz_setup *setup; /* the setup run behind job, or NULL */

    struct lw_check_run *check; /* the live checks, or NULL */
    bool check_done;

    char status[512];  /* the message line (translated), or "" */
    bool status_warn;
    bool dirty;        /* redraw at the end of this loop iteration */
    bool quit;         /* leave the loop */
    struct lw_wizard_result *res;
};

/* Driver services for the steps (ui/wizard.c). */
void lw_wiz_dirty(struct lw_wiz *w);
/* One line on the message bar (printf format, translated), "" clears. */
void lw_wiz_status(struct lw_wiz *w, bool warn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Leave the wizard with this end and message (printed after endwin). */
void lw_wiz_finish(struct lw_wiz *w, enum lw_wizard_end end,
                   const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Go straight to a step (pushes the current one on the history). */
void lw_wiz_goto(struct lw_wiz *w, enum lw_step_id id);
/* The private state of another step (e.g. the certificate step clears the
 * nginx step's result when the certificate changes). */
void *lw_wiz_priv(struct lw_wiz *w, enum lw_step_id id);

/* Helpers shared by several steps (ui/common.c). */
/* Start the setup transaction for w->cfg in the worker; with_cert: pass
 * the chain of the certificate step. */
enum lw_status lw_wiz_start_setup(struct lw_wiz *w, enum lw_step_id owner,
                                  bool with_cert, struct lw_err *err);
/* Cancel the worker job (if any), wait for it, free it and its run. */
void lw_wiz_stop_job(struct lw_wiz *w);
/* After a finished setup job: copy its report into w (csr, changes…). */
enum lw_status lw_wiz_setup_finished(struct lw_wiz *w, struct lw_buf *notices,
                                     struct lw_err *err);
/* Reload the saved state into w->old (after a run wrote it). */
void lw_wiz_reload_state(struct lw_wiz *w);
/* The date (UTC) of t as the locale writes it ("2027-03-03" in C,
 * "03.03.2027" in German), "-" for 0. */
void lw_wiz_date(time_t t, char *out, size_t len);

#endif
