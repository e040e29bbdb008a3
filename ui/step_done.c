/* step_done.c - what was written where, the last step in the provider's
 * settings, and the answers file that repeats this setup elsewhere. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lw/install.h"
#include "lw/nls.h"
#include "lw/ui/step.h"

struct done_step {
    bool asking;
    struct lw_input path;
    char msg[LW_ERR_MSG_MAX + 64];
    bool saved_ok;
};

static void
done_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct done_step *p = priv;
    char def[PATH_MAX + LW_DOMAIN_MAX + 16], cwd[PATH_MAX];

    (void)back;
    if (p->path.len == 0) {
        if (getcwd(cwd, sizeof(cwd)) == NULL)
            snprintf(cwd, sizeof(cwd), ".");
        snprintf(def, sizeof(def), "%s/linkwiz-%s.yaml",
                 strcmp(cwd, "/") == 0 ? "" : cwd, w->cfg.domain);
        lw_input_set(&p->path, def);
    }
}

static void
done_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct done_step *p = priv;
    const struct lw_ui *ui = &w->ui;
    const struct lw_profile *prof = w->opts->profile;
    int width = getmaxx(win), height = getmaxy(win), y = 0, fy = 0;
    char line[1024];

    if (w->changes.len > 0) {
        /* TRANSLATORS: heading above the list of files written. */
        lw_ui_put(ui, win, y++, 0, width, LW_UI_HEAD, _("Written:"));
        y += lw_ui_para(ui, win, y, 2, width - 2, 8, LW_UI_NORMAL,
                        w->changes.data);
    } else {
        y += lw_ui_para(ui, win, y, 0, width, 2, LW_UI_NORMAL,
                        _("No file was changed in this run.")) ;
    }
    y++;
    snprintf(line, sizeof(line),
             /* TRANSLATORS: provider name, where its setting is (e.g.
              * Settings > Link tracking), the domain. Use %1$s %2$s %3$s to
              * reorder. */
             _("Last step: in %s (%s), enter %s as the link-tracking "
               "domain and press Verify."),
             prof->provider, prof->settings, w->cfg.domain);
    y += lw_ui_para(ui, win, y, 0, width, 4, LW_UI_OK, line) + 1;
    if (!p->asking) {
        y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL,
                        _("Press s to save an answers file that repeats "
                          "this setup on other servers with `linkwiz setup "
                          "--answers FILE`; Enter ends the wizard.")) + 1;
    } else {
        lw_ui_put(ui, win, y++, 0, width, LW_UI_NORMAL,
                  _("Save the answers file as (Enter saves, Esc cancels):"));
        fy = y++;
        y++;
    }
    if (p->msg[0] != '\0' && y < height)
        lw_ui_para(ui, win, y, 0, width, height - y,
                   p->saved_ok ? LW_UI_OK : LW_UI_FAIL, p->msg);
    if (p->asking)
        lw_input_draw(ui, &p->path, win, fy, 0, width - 1, true);
}

static void
save_answers(struct lw_wiz *w, struct done_step *p)
{
    struct lw_config c;
    struct lw_buf out = LW_BUF_INIT;
    struct lw_err err;
    char path[4 * LW_INPUT_MAX + 1];

    lw_config_init(&c);
    lw_err_clear(&err);
    lw_input_get(&p->path, path, sizeof(path));
    p->saved_ok = false;
    if (path[0] == '\0') {
        snprintf(p->msg, sizeof(p->msg), "%s",
                 _("Type a file name for the answers file."));
        goto out;
    }
    /* Another server has its own key, so this certificate cannot go with
     * the answers: without one, setup stops after its key and CSR. */
    if (lw_config_copy(&c, &w->cfg, &err) != LW_OK)
        goto fail;
    free(c.certificate);
    c.certificate = NULL;
    c.allow_domain_change = false;
    if (lw_answers_write(&c, &out, &err) != LW_OK ||
        lw_write_atomic(path, out.data, out.len, 0644, &err) != LW_OK)
        goto fail;
    snprintf(p->msg, sizeof(p->msg),
             /* TRANSLATORS: %s is the path of the answers file. */
             _("Saved %s. It has no certificate: each server makes its own "
               "key and CSR."),
             path);
    p->saved_ok = true;
    p->asking = false;
    goto out;
fail:
    snprintf(p->msg, sizeof(p->msg), "%s", err.msg);
out:
    lw_buf_free(&out);
    lw_config_free(&c);
}

static enum lw_key_ret
done_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct done_step *p = priv;

    if (p->asking) {
        if (k->act == LW_ACT_NEXT) {
            save_answers(w, p);
            return LW_KEY_HANDLED;
        }
        if (k->act == LW_ACT_BACK) {
            p->asking = false;
            return LW_KEY_HANDLED;
        }
        return lw_input_key(&p->path, k) ? LW_KEY_HANDLED : LW_KEY_UNHANDLED;
    }
    if (k->act == LW_ACT_CHAR && (k->ch == L's' || k->ch == L'S')) {
        p->asking = true;
        p->msg[0] = '\0';
        return LW_KEY_HANDLED;
    }
    return LW_KEY_UNHANDLED;
}

static enum lw_step_id
done_next(struct lw_wiz *w, void *priv)
{
    const struct lw_profile *prof = w->opts->profile;

    (void)priv;
    lw_wiz_finish(w, LW_WIZARD_DONE,
                  /* TRANSLATORS: printed after the wizard ends: domain,
                   * provider, where its setting is, domain. Use %1$s ...
                   * %4$s to reorder. */
                  _("linkwiz: %s is set up. Last step: in %s (%s), enter %s "
                    "and press Verify.\n"),
                  w->cfg.domain, prof->provider, prof->settings,
                  w->cfg.domain);
    return LW_STEP_NONE;
}

static bool
done_text(struct lw_wiz *w, void *priv)
{
    struct done_step *p = priv;

    (void)w;
    return p->asking;
}

static const char *
done_hints(struct lw_wiz *w, void *priv)
{
    (void)w;
    (void)priv;
    /* TRANSLATORS: a key hint in the wizard's bottom bar: the key, then one
     * or two words. Keep the key name as it is; the whole bar must fit 80
     * columns. The key s is not translated: it saves an answers file. */
    return _("s save answers");
}

const struct lw_step_ops lw_step_done = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("Done"),
    .title = N_("Done"),
    .help = N_("The files listed were written (each replaced file has a "
               "backup; `linkwiz rollback` puts the last run back).\n\n"
               "The provider only sends tracked links over HTTPS once its "
               "settings name the domain: enter it there and press "
               "Verify.\n\n"
               "The answers file repeats this setup on other servers with "
               "`linkwiz setup --answers FILE`.  Run `linkwiz check` (for "
               "example from cron) to revalidate."),
    .priv_size = sizeof(struct done_step),
    .enter = done_enter,
    .draw = done_draw,
    .key = done_key,
    .next = done_next,
    .text_mode = done_text,
    .hints = done_hints,
};
