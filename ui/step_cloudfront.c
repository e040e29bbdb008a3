/* step_cloudfront.c - CloudFront's steps come in a later version: say so
 * plainly instead of failing. */
#include "config.h"

#include "lw/nls.h"
#include "lw/ui/step.h"

static void
cloudfront_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), y = 0;

    (void)priv;
    y += lw_ui_para(ui, win, y, 0, width, 4, LW_UI_HEAD,
                    _("The CloudFront method is coming in a later version "
                      "of linkwiz.")) + 1;
    y += lw_ui_para(ui, win, y, 0, width, 6, LW_UI_NORMAL,
                    _("It will import the certificate into ACM (us-east-1), "
                      "write the distribution config for `aws cloudfront "
                      "create-distribution`, and check the CNAME to the "
                      "distribution.")) + 1;
    lw_ui_para(ui, win, y, 0, width, 4, LW_UI_NORMAL,
               _("Press Esc to go back and choose NGINX, or q to quit. "
                 "Nothing has been written."));
}

static enum lw_step_id
cloudfront_next(struct lw_wiz *w, void *priv)
{
    (void)priv;
    lw_wiz_status(w, true, "%s",
                  _("CloudFront is not available yet: press Esc to go "
                    "back."));
    return LW_STEP_NONE;
}

const struct lw_step_ops lw_step_cloudfront = {
    .name = N_("CloudFront"),
    .title = N_("Amazon CloudFront"),
    .help = N_("This version of linkwiz sets up the NGINX method.  The "
               "CloudFront steps (ACM import, the distribution, its DNS "
               "record) come in a later version."),
    .draw = cloudfront_draw,
    .next = cloudfront_next,
};
