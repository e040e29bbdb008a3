/* step_domain.c - the link-tracking domain, checked as it is typed: the
 * normalized form, what normalization changed, the zone-apex warning, or
 * what is wrong, in place. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lw/nls.h"
#include "lw/ui/step.h"

struct domain_step {
    struct lw_input in;
    bool filled;
    bool ok;
    struct lw_domain d;
    char msg[LW_ERR_MSG_MAX + LW_ERR_HINT_MAX];
};

static void
revalidate(struct domain_step *p)
{
    char text[4 * LW_INPUT_MAX + 1];
    struct lw_err err;

    lw_input_get(&p->in, text, sizeof(text));
    p->msg[0] = '\0';
    p->ok = false;
    if (text[0] == '\0')
        return;
    lw_err_clear(&err);
    if (lw_domain_parse(text, &p->d, &err) == LW_OK) {
        p->ok = true;
        return;
    }
    if (err.hint[0] != '\0')
        snprintf(p->msg, sizeof(p->msg), "%s\n%s", err.msg, err.hint);
    else
        snprintf(p->msg, sizeof(p->msg), "%s", err.msg);
}

static void
domain_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct domain_step *p = priv;

    (void)back;
    if (!p->filled) {
        p->filled = true;
        if (w->have_dom)
            lw_input_set(&p->in, w->dom.display);
        else if (w->cfg.domain[0] != '\0')
            lw_input_set(&p->in, w->cfg.domain);
        else if (w->nginx_domain[0] != '\0')
            lw_input_set(&p->in, w->nginx_domain);
    }
    revalidate(p);
}

static void
domain_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct domain_step *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), y = 0, fy;
    char line[2048];

    y += lw_ui_para(ui, win, y, 0, width, 4, LW_UI_NORMAL,
                    _("The host name your tracked links will use, a "
                      "subdomain of your own domain such as "
                      "link.example.com. The provider's setting for it "
                      "must name exactly the same host.")) + 1;
    /* TRANSLATORS: the label above the input field. */
    lw_ui_put(ui, win, y, 0, width, LW_UI_NORMAL, _("Domain:"));
    fy = ++y;
    y += 2;
    if (p->ok) {
        struct lw_buf notes = LW_BUF_INIT;
        snprintf(line, sizeof(line), _("%s %s will be used."),
                 lw_ui_glyph(ui, LW_G_OK), p->d.name);
        lw_ui_put(ui, win, y++, 0, width, LW_UI_OK, line);
        if (strcmp(p->d.display, p->d.name) != 0) {
            snprintf(line, sizeof(line), _("  (shown to people as %s)"),
                     p->d.display);
            lw_ui_put(ui, win, y++, 0, width, LW_UI_NORMAL, line);
        }
        lw_domain_describe_notes(&p->d, &notes);
        if (notes.len > 0)
            y += lw_ui_para(ui, win, y, 2, width - 2, 4, LW_UI_DIM,
                            notes.data);
        lw_buf_free(&notes);
        if (p->d.apex) {
            snprintf(line, sizeof(line),
                     _("%s %s is the apex of its zone: a CNAME cannot live "
                       "there, so its DNS record must be an A/AAAA record. "
                       "A subdomain such as link.%s is usually better."),
                     lw_ui_glyph(ui, LW_G_WARN), p->d.name, p->d.name);
            lw_ui_para(ui, win, y + 1, 0, width, 4, LW_UI_WARN, line);
        }
    } else if (p->msg[0] != '\0') {
        snprintf(line, sizeof(line), "%s %s", lw_ui_glyph(ui, LW_G_FAIL),
                 p->msg);
        lw_ui_para(ui, win, y, 0, width, 6, LW_UI_FAIL, line);
    }
    /* The cursor belongs in the field. */
    lw_input_draw(ui, &p->in, win, fy, 0, width - 1, true);
}

static enum lw_key_ret
domain_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct domain_step *p = priv;

    (void)w;
    if (!lw_input_key(&p->in, k))
        return LW_KEY_UNHANDLED;
    revalidate(p);
    return LW_KEY_HANDLED;
}

static enum lw_step_id
domain_next(struct lw_wiz *w, void *priv)
{
    struct domain_step *p = priv;
    const char *prev = "";

    if (!p->ok) {
        lw_wiz_status(w, true, "%s",
                      p->msg[0] != '\0'
                          ? _("Correct the domain first (see above).")
                          : _("Type the link-tracking domain first."));
        return LW_STEP_NONE;
    }
    if (strcmp(w->cfg.domain, p->d.name) != 0 || !w->have_old)
        w->unsaved = true;
    snprintf(w->cfg.domain, sizeof(w->cfg.domain), "%s", p->d.name);
    w->dom = p->d;
    w->have_dom = true;
    if (lw_paths_for(w->cfg.domain, &w->paths, NULL) != LW_OK)
        return LW_STEP_NONE;
    if (w->have_old && strcmp(w->old.config.domain, p->d.name) != 0)
        prev = w->old.config.domain;
    else if (!w->have_old && w->nginx_domain[0] != '\0' &&
             strcmp(w->nginx_domain, p->d.name) != 0)
        prev = w->nginx_domain;
    if (strcmp(prev, w->prev_domain) != 0)
        w->domain_change_ok = false;
    snprintf(w->prev_domain, sizeof(w->prev_domain), "%s", prev);
    return prev[0] != '\0' ? LW_STEP_CHANGE : LW_STEP_REGION;
}

/* The message under the field was made in the old language. */
static void
domain_relang(struct lw_wiz *w, void *priv)
{
    (void)w;
    revalidate(priv);
}

static bool
domain_text(struct lw_wiz *w, void *priv)
{
    (void)w;
    (void)priv;
    return true;
}

const struct lw_step_ops lw_step_domain = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("Domain"),
    .title = N_("The link-tracking domain"),
    .help = N_("Type the host name your tracked links use, for example "
               "link.example.com.  It is checked as you type: upper case "
               "is lowered, a trailing dot or an https:// prefix is "
               "removed, and international names are converted to their "
               "xn-- form.\n\n"
               "Use a subdomain: the zone apex (example.com itself) cannot "
               "have a CNAME record.\n\n"
               "Keys: type the name, Enter goes on, Esc goes back, Ctrl-U "
               "clears the field, Ctrl-Q quits."),
    .priv_size = sizeof(struct domain_step),
    .enter = domain_enter,
    .draw = domain_draw,
    .key = domain_key,
    .next = domain_next,
    .text_mode = domain_text,
    .relang = domain_relang,
};
