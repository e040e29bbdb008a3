/* step_method.c - NGINX on this server, or Amazon CloudFront. */
#include "config.h"

#include <stdio.h>

#include "lw/nls.h"
#include "lw/ui/step.h"

struct method_step {
    struct lw_choice choice;
};

static void
method_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct method_step *p = priv;

    p->choice.n = 2;
    if (!back)
        p->choice.sel = w->cfg.method == LW_METHOD_CLOUDFRONT ? 1 : 0;
}

static void
method_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct method_step *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), y = 0;

    y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL,
                    _("Where HTTPS ends for the link domain:")) + 1;
    lw_choice_item(ui, win, y++, 0, width, p->choice.sel == 0, true,
                   _("NGINX on this server"));
    y += lw_ui_para(ui, win, y, 4, width - 4, 4, LW_UI_DIM,
                    _("This server holds the certificate and proxies each "
                      "click to the tracking host, passing the link domain "
                      "as Host. The DNS record points here.")) + 1;
    lw_choice_item(ui, win, y++, 0, width, p->choice.sel == 1, true,
                   _("Amazon CloudFront"));
    lw_ui_para(ui, win, y, 4, width - 4, 4, LW_UI_DIM,
               _("A CloudFront distribution in front of the tracking host, "
                 "with the certificate imported into ACM (us-east-1). The "
                 "DNS record points at the distribution."));
}

static enum lw_key_ret
method_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct method_step *p = priv;

    (void)w;
    return lw_choice_key(&p->choice, k) ? LW_KEY_HANDLED : LW_KEY_UNHANDLED;
}

static enum lw_step_id
method_next(struct lw_wiz *w, void *priv)
{
    struct method_step *p = priv;
    enum lw_method m = p->choice.sel == 1 ? LW_METHOD_CLOUDFRONT
                                          : LW_METHOD_NGINX;

    if (m != w->cfg.method)
        w->unsaved = true;
    w->cfg.method = m;
    if (m == LW_METHOD_CLOUDFRONT) {
        /* The provider's guide asks for RSA of at most 2048 bits. */
        w->cfg.key.type = LW_KEY_RSA;
        w->cfg.key.bits = 2048;
    }
    return LW_STEP_KEY;
}

const struct lw_step_ops lw_step_method = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("Method"),
    .title = N_("How HTTPS is served"),
    .help = N_("NGINX: this server terminates HTTPS and proxies to the "
               "tracking host.  linkwiz writes the key, the certificate and "
               "the server block, and tests them with nginx -t.\n\n"
               "CloudFront: Amazon's CDN does it; the certificate goes to "
               "ACM (us-east-1).  linkwiz writes the files for ACM and "
               "the distribution config, and shows the AWS commands and "
               "console steps; it never calls AWS itself.\n\n"
               "Keys: arrows choose, Enter goes on, Esc goes back."),
    .priv_size = sizeof(struct method_step),
    .enter = method_enter,
    .draw = method_draw,
    .key = method_key,
    .next = method_next,
};
