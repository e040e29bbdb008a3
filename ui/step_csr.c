/* step_csr.c - key and CSR generation in the worker (the screen keeps
 * drawing while RSA 4096 takes its seconds), then the CSR shown to copy
 * and where it was saved. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lw/nls.h"
#include "lw/ui/step.h"

enum csr_state { CS_IDLE, CS_RUNNING, CS_DONE, CS_FAILED };

struct csr_step {
    enum csr_state state;
    struct lw_buf notices;
    struct lw_err err;
    struct lw_view view;
    unsigned spin;
};

static void
start(struct lw_wiz *w, struct csr_step *p)
{
    lw_buf_reset(&p->notices);
    lw_err_clear(&p->err);
    p->view.top = 0;
    if (lw_wiz_start_setup(w, LW_STEP_CSR, false, &p->err) == LW_OK)
        p->state = CS_RUNNING;
    else
        p->state = CS_FAILED;
}

static void
csr_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct csr_step *p = priv;

    if (back && p->state == CS_DONE)
        return;
    start(w, p);
}

static void
csr_event(struct lw_wiz *w, void *priv, enum lw_event ev)
{
    struct csr_step *p = priv;

    if (ev == LW_EV_TICK) {
        if (p->state == CS_RUNNING)
            lw_wiz_dirty(w);
        return;
    }
    if (ev != LW_EV_JOB || w->job == NULL)
        return;
    p->spin++;
    if (!lw_job_finished(w->job)) {
        lw_job_take_notices(w->job, &p->notices);
        return;
    }
    if (lw_wiz_setup_finished(w, &p->notices, &p->err) == LW_OK)
        p->state = CS_DONE;
    else
        p->state = CS_FAILED;
}

static void
draw_notices(const struct lw_ui *ui, WINDOW *win, int *y, int width,
             const struct lw_buf *n)
{
    const char *s = n->data, *nl;
    char line[1200];

    while (s != NULL && *s != '\0' && *y < getmaxy(win) - 1) {
        bool warn = *s == '!';
        nl = strchr(s, '\n');
        snprintf(line, sizeof(line), "%.*s",
                 (int)(nl != NULL ? nl - s : (long)strlen(s)) - (warn ? 1 : 0),
                 s + (warn ? 1 : 0));
        *y += lw_ui_para(ui, win, *y, 0, width, 3,
                         warn ? LW_UI_WARN : LW_UI_NORMAL, line);
        s = nl != NULL ? nl + 1 : NULL;
    }
}

static void
csr_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    static const char spinner[] = "|/-\\";
    struct csr_step *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), height = getmaxy(win), y = 0;
    char line[2048];

    switch (p->state) {
    case CS_RUNNING: {
        unsigned long steps = w->job != NULL ? lw_job_steps(w->job) : 0;
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: key type (RSA 2048), domain, then a spinner
                  * character. Use %1$s %2$s %3$c to reorder. */
                 _("Making the %s key and the CSR for %s %c"),
                 lw_keyspec_name(&w->cfg.key), w->cfg.domain,
                 spinner[(p->spin + steps / 4) % 4]);
        lw_ui_put(ui, win, y++, 0, width, LW_UI_HEAD, line);
        snprintf(line, sizeof(line),
                 P_("%lu candidate tried so far (RSA 4096 can take a "
                    "while).",
                    "%lu candidates tried so far (RSA 4096 can take a "
                    "while).",
                    steps),
                 steps);
        lw_ui_put(ui, win, y++, 0, width, LW_UI_DIM, line);
        y++;
        draw_notices(ui, win, &y, width, &p->notices);
        break;
    }
    case CS_FAILED:
        snprintf(line, sizeof(line), "%s %s", lw_ui_glyph(ui, LW_G_FAIL),
                 p->err.msg);
        y += lw_ui_para(ui, win, y, 0, width, 8, LW_UI_FAIL, line) + 1;
        if (p->err.hint[0] != '\0')
            y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL,
                            p->err.hint) + 1;
        draw_notices(ui, win, &y, width, &p->notices);
        lw_ui_put(ui, win, height - 1, 0, width, LW_UI_NORMAL,
                  _("Nothing was changed. Enter tries again; Esc goes "
                    "back."));
        break;
    case CS_DONE:
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: "RSA 2048 key /etc/pki/tls/private/x.key,
                  * CSR /etc/pki/tls/certs/x.csr. ...": key type, key path,
                  * CSR path (%1$s %2$s %3$s to reorder). */
                 _("%s key %s, CSR %s. Send this CSR to your CA:"),
                 w->key_desc, w->paths.key, w->paths.csr);
        y += lw_ui_para(ui, win, y, 0, width, 2, LW_UI_OK, line);
        lw_view_draw(ui, &p->view, win, y + 1, 0, height - y - 2, width,
                     LW_UI_NORMAL, w->csr_pem.data);
        break;
    default:
        break;
    }
}

static enum lw_key_ret
csr_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct csr_step *p = priv;

    if (p->state == CS_DONE &&
        lw_view_key(&p->view, k, lw_view_lines(w->csr_pem.data), 15))
        return LW_KEY_HANDLED;
    return LW_KEY_UNHANDLED;
}

static enum lw_step_id
csr_next(struct lw_wiz *w, void *priv)
{
    struct csr_step *p = priv;

    switch (p->state) {
    case CS_DONE:
        return LW_STEP_CERT;
    case CS_FAILED:
        start(w, p);
        return LW_STEP_NONE;
    default:
        lw_wiz_status(w, false, "%s",
                      _("Please wait: the key is being made."));
        return LW_STEP_NONE;
    }
}

static const char *
csr_hints(struct lw_wiz *w, void *priv)
{
    (void)w;
    (void)priv;
    /* TRANSLATORS: a key hint in the wizard's bottom bar: the key, then one
     * or two words. Keep the key name as it is; the whole bar must fit 80
     * columns. The arrows are the Up and Down keys. */
    return _("\u2191\u2193 scroll");
}

static void
csr_fini(struct lw_wiz *w, void *priv)
{
    struct csr_step *p = priv;

    (void)w;
    lw_buf_free(&p->notices);
}

const struct lw_step_ops lw_step_csr = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("Key & CSR"),
    .title = N_("The key and the certificate signing request"),
    .help = N_("The private key was written with mode 0600 and never "
               "leaves this server.  The CSR (the block between BEGIN and "
               "END CERTIFICATE REQUEST) is public: send it to your "
               "certificate authority, for example by pasting it into "
               "their order form.  It is also saved in the file named "
               "above.\n\n"
               "When the CA sends the signed certificate, go on to the "
               "next step.  If that takes a while, choose \"Not yet\" "
               "there: the next run of linkwiz continues at that step."),
    .priv_size = sizeof(struct csr_step),
    .wide = true,
    .enter = csr_enter,
    .draw = csr_draw,
    .key = csr_key,
    .event = csr_event,
    .next = csr_next,
    .hints = csr_hints,
    .fini = csr_fini,
};
