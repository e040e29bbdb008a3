/* step_welcome.c - the first screen: what is set up already (state file,
 * or an nginx block proxying to a tracking host), and Revalidate / Change,
 * or Continue when the certificate is awaited. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lw/nls.h"
#include "lw/ui/step.h"

enum kind { K_NEW, K_INSTALLED, K_WAITING, K_NGINX };

struct welcome {
    struct lw_choice choice;
    enum kind kind;
};

static void
welcome_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct welcome *p = priv;

    if (w->have_old)
        p->kind = w->old.phase == LW_PHASE_WAITING_CERT ? K_WAITING
                                                        : K_INSTALLED;
    else if (w->nginx_domain[0] != '\0')
        p->kind = K_NGINX;
    else
        p->kind = K_NEW;
    p->choice.n = p->kind == K_NEW || p->kind == K_NGINX ? 1 : 2;
    if (!back)
        p->choice.sel = 0;
}

static void
draw_existing(struct lw_wiz *w, WINDOW *win, int *y)
{
    const struct lw_state *s = &w->old;
    const struct lw_region *reg =
        lw_profile_region(w->opts->profile, s->config.region);
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win);
    char line[512], date[32];

    *y += lw_ui_para(ui, win, *y, 0, width, 2, LW_UI_NORMAL,
                     _("linkwiz has set this server up before:"));
    (*y)++;
    /* TRANSLATORS: the labels of this block (Domain:, Method:, Region:,
     * Status:, Certificate:, Last check:) are padded with spaces so the
     * values line up: keep them aligned in your language. */
    snprintf(line, sizeof(line), _("Domain:       %s"), s->config.domain);
    lw_ui_put(ui, win, (*y)++, 2, width - 2, LW_UI_NORMAL, line);
    snprintf(line, sizeof(line), _("Method:       %s"),
             s->config.method == LW_METHOD_NGINX ? _("NGINX on this server")
                                                 : _("Amazon CloudFront"));
    lw_ui_put(ui, win, (*y)++, 2, width - 2, LW_UI_NORMAL, line);
    if (reg != NULL)
        /* TRANSLATORS: region label (e.g. Europe), then its tracking host. */
        snprintf(line, sizeof(line), _("Region:       %s (%s)"), _(reg->label),
                 reg->origin);
    else
        snprintf(line, sizeof(line), _("Region:       %s"), s->config.region);
    lw_ui_put(ui, win, (*y)++, 2, width - 2, LW_UI_NORMAL, line);
    snprintf(line, sizeof(line), _("Status:       %s"),
             s->phase == LW_PHASE_INSTALLED ? _("installed")
                                            : _("waiting for the certificate"));
    lw_ui_put(ui, win, (*y)++, 2, width - 2, LW_UI_NORMAL, line);
    if (s->cert_not_after != 0) {
        long days = (long)((s->cert_not_after - time(NULL)) / 86400);
        lw_wiz_date(s->cert_not_after, date, sizeof(date));
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: a date in the locale's form, then the days
                  * left. */
                 P_("Certificate:  valid until %s (%ld day left)",
                    "Certificate:  valid until %s (%ld days left)", days),
                 date, days);
        lw_ui_put(ui, win, (*y)++, 2, width - 2,
                  days < 21 ? LW_UI_WARN : LW_UI_NORMAL, line);
    }
    if (s->checked_at != 0) {
        size_t i, bad = 0;
        for (i = 0; i < s->n_checks; i++)
            if (strcmp(s->checks[i].status, "pass") != 0 &&
                strcmp(s->checks[i].status, "skip") != 0)
                bad++;
        lw_wiz_date(s->checked_at, date, sizeof(date));
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: a date in the locale's form, then how many
                  * checks did not pass. */
                 P_("Last check:   %s, %zu check not passing",
                    "Last check:   %s, %zu checks not passing", bad),
                 date, bad);
        lw_ui_put(ui, win, (*y)++, 2, width - 2, LW_UI_NORMAL, line);
    }
    (*y)++;
}

static void
welcome_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct welcome *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), y = 0;
    char line[1024];

    switch (p->kind) {
    case K_INSTALLED:
    case K_WAITING:
        draw_existing(w, win, &y);
        break;
    case K_NGINX:
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: the first %s is a file and line
                  * (conf.d/x.conf:3), the second the domain; use %1$s and
                  * %2$s to reorder. */
                 _("An nginx server block (%s) already proxies %s to the "
                   "provider's tracking host, but linkwiz has no saved "
                   "setup for it."),
                 w->nginx_where, w->nginx_domain);
        y += lw_ui_para(ui, win, y, 0, width, 4, LW_UI_NORMAL, line) + 1;
        y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL,
                        _("Set it up again with the same domain to take it "
                          "over; a different domain breaks the tracked "
                          "links already sent.")) + 1;
        break;
    default:
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: %s is the email provider's name (e.g.
                  * Customer.io). */
                 _("This wizard sets up HTTPS for your %s link-tracking "
                   "domain: a private key and a certificate signing "
                   "request, the certificate from your CA, an nginx proxy "
                   "that passes the link domain as Host, the DNS record, "
                   "and live checks that links work."),
                 w->opts->profile->provider);
        y += lw_ui_para(ui, win, y, 0, width, 6, LW_UI_NORMAL, line) + 1;
        y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL,
                        _("You can go back at any time with Esc; nothing "
                          "is written before the key step.")) + 1;
        if (w->old_problem[0] != '\0') {
            snprintf(line, sizeof(line),
                     /* TRANSLATORS: %s is the reason (an error message). */
                     _("The saved setup could not be read: %s. It will be "
                       "moved aside when this setup is saved."),
                     w->old_problem);
            y += lw_ui_para(ui, win, y, 0, width, 4, LW_UI_WARN, line) + 1;
        }
        break;
    }
    if (p->kind == K_INSTALLED) {
        lw_choice_item(ui, win, y++, 0, width, p->choice.sel == 0, true,
                       _("Revalidate: run the live checks now"));
        lw_choice_item(ui, win, y++, 0, width, p->choice.sel == 1, true,
                       /* TRANSLATORS: a choice on the welcome screen. */
                       _("Change the setup"));
    } else if (p->kind == K_WAITING) {
        lw_choice_item(ui, win, y++, 0, width, p->choice.sel == 0, true,
                       _("Continue: add the signed certificate"));
        lw_choice_item(ui, win, y++, 0, width, p->choice.sel == 1, true,
                       _("Change the setup"));
    } else {
        lw_choice_item(ui, win, y++, 0, width, true, true,
                       /* TRANSLATORS: the only choice on the welcome screen
                        * of a new setup. */
                       _("Start the setup"));
    }
}

static enum lw_key_ret
welcome_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct welcome *p = priv;

    (void)w;
    return lw_choice_key(&p->choice, k) ? LW_KEY_HANDLED : LW_KEY_UNHANDLED;
}

static enum lw_step_id
welcome_next(struct lw_wiz *w, void *priv)
{
    struct welcome *p = priv;

    w->revalidate = false;
    if (p->kind == K_INSTALLED && p->choice.sel == 0) {
        w->revalidate = true;
        return LW_STEP_CHECKS;
    }
    if (p->kind == K_WAITING && p->choice.sel == 0) {
        if (lw_paths_for(w->cfg.domain, &w->paths, NULL) != LW_OK)
            return LW_STEP_DOMAIN;
        return LW_STEP_CERT;
    }
    return LW_STEP_DOMAIN;
}

const struct lw_step_ops lw_step_welcome = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("Welcome"),
    .title = N_("Welcome"),
    .help = N_("linkwiz walks you through HTTPS for the link-tracking "
               "domain: the domain, the provider's region, the method, the "
               "key and CSR, the certificate, the nginx proxy, the DNS "
               "record and the live checks.\n\n"
               "Revalidate runs the live checks against the saved setup "
               "and changes nothing.  Change walks through the steps again "
               "with the saved values filled in.\n\n"
               "Keys: arrows move, Enter goes on, Esc goes back, q quits."),
    .priv_size = sizeof(struct welcome),
    .enter = welcome_enter,
    .draw = welcome_draw,
    .key = welcome_key,
    .next = welcome_next,
};
