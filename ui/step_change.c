/* step_change.c - the domain change warning: another domain was set up
 * before, and links already sent use it.  Keeping it is the default;
 * changing needs the new domain typed again, exactly. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lw/nls.h"
#include "lw/ui/step.h"

struct change {
    struct lw_choice choice; /* 0 keep, 1 change */
    struct lw_input confirm;
    bool mismatch;
};

static void
change_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct change *p = priv;

    p->choice.n = 2;
    if (!back) {
        p->choice.sel = w->domain_change_ok ? 1 : 0;
        if (!w->domain_change_ok)
            lw_input_set(&p->confirm, "");
        p->mismatch = false;
    }
}

static void
change_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct change *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), y = 0;
    char line[2048], item[512];

    if (w->nginx_where[0] != '\0' && !w->have_old)
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: the first %s is a warning sign (!), the
                  * second the domain set up before. */
                 _("%s %s is already the link-tracking domain on this "
                   "server (nginx server block in %s)."),
                 lw_ui_glyph(ui, LW_G_WARN), w->prev_domain, w->nginx_where);
    else
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: the first %s is a warning sign (!), the
                  * second the domain set up before. */
                 _("%s %s is already set up as the link-tracking domain."),
                 lw_ui_glyph(ui, LW_G_WARN), w->prev_domain);
    y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_WARN, line) + 1;
    snprintf(line, sizeof(line),
             _("Tracked links in messages already sent use %s. If you "
               "change to %s, every one of those links stops working "
               "(and the provider's setting must change too)."),
             w->prev_domain, w->cfg.domain);
    y += lw_ui_para(ui, win, y, 0, width, 5, LW_UI_NORMAL, line) + 1;
    /* TRANSLATORS: a choice; %s is the domain set up before. */
    snprintf(item, sizeof(item), _("Keep %s (recommended)"), w->prev_domain);
    lw_choice_item(ui, win, y++, 0, width, p->choice.sel == 0, true, item);
    /* TRANSLATORS: a choice; %s is the new domain. */
    snprintf(item, sizeof(item), _("Change to %s"), w->cfg.domain);
    lw_choice_item(ui, win, y++, 0, width, p->choice.sel == 1, true, item);
    y++;
    if (p->choice.sel == 1) {
        /* TRANSLATORS: %s is the new domain, which the operator must type
         * exactly. */
        snprintf(line, sizeof(line), _("To confirm, type %s:"),
                 w->cfg.domain);
        y += lw_ui_para(ui, win, y, 0, width, 2, LW_UI_NORMAL, line);
        if (p->mismatch)
            lw_ui_para(ui, win, y + 2, 0, width, 2, LW_UI_FAIL,
                       _("That is not the same name: type it exactly, or "
                         "choose to keep the old domain."));
        lw_input_draw(ui, &p->confirm, win, y, 0, width - 1, true);
    }
}

static enum lw_key_ret
change_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct change *p = priv;

    (void)w;
    if (k->act == LW_ACT_UP || k->act == LW_ACT_DOWN) {
        lw_choice_key(&p->choice, k);
        return LW_KEY_HANDLED;
    }
    if (p->choice.sel == 1 && lw_input_key(&p->confirm, k)) {
        p->mismatch = false;
        return LW_KEY_HANDLED;
    }
    return LW_KEY_UNHANDLED;
}

static enum lw_step_id
change_next(struct lw_wiz *w, void *priv)
{
    struct change *p = priv;
    char typed[4 * LW_INPUT_MAX + 1];
    struct lw_domain d;

    if (p->choice.sel == 0) {
        /* Keep: back to the old name, nothing to confirm. */
        snprintf(w->cfg.domain, sizeof(w->cfg.domain), "%s", w->prev_domain);
        w->have_dom = lw_domain_parse(w->cfg.domain, &w->dom, NULL) == LW_OK;
        lw_paths_for(w->cfg.domain, &w->paths, NULL);
        w->domain_change_ok = false;
        w->prev_domain[0] = '\0';
        return LW_STEP_REGION;
    }
    lw_input_get(&p->confirm, typed, sizeof(typed));
    if (lw_domain_parse(typed, &d, NULL) != LW_OK ||
        strcmp(d.name, w->cfg.domain) != 0) {
        p->mismatch = true;
        lw_wiz_status(w, true, _("Type %s exactly to change the domain."),
                      w->cfg.domain);
        return LW_STEP_NONE;
    }
    w->domain_change_ok = true;
    return LW_STEP_REGION;
}

static bool
change_text(struct lw_wiz *w, void *priv)
{
    struct change *p = priv;

    (void)w;
    return p->choice.sel == 1;
}

const struct lw_step_ops lw_step_change = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("Change?"),
    .title = N_("The link-tracking domain would change"),
    .help = N_("Every tracked link in messages you have already sent points "
               "at the old domain.  When it stops being served, those links "
               "fail.\n\n"
               "Keep the old domain unless you really mean to move, for "
               "example after you have set the new one up in the "
               "provider's settings and no old messages matter.\n\n"
               "To change, choose \"Change to\" and type the new domain "
               "again exactly."),
    .priv_size = sizeof(struct change),
    .enter = change_enter,
    .draw = change_draw,
    .key = change_key,
    .next = change_next,
    .text_mode = change_text,
};
