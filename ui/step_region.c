/* step_region.c - the provider's region, from the profile: it decides the
 * tracking host the proxy forwards to. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw/nls.h"
#include "lw/ui/step.h"

struct region_step {
    struct lw_choice choice;
};

static void
region_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct region_step *p = priv;
    const struct lw_profile *prof = w->opts->profile;
    size_t i;

    p->choice.n = (int)prof->n_regions;
    if (back)
        return;
    p->choice.sel = 0;
    for (i = 0; i < prof->n_regions; i++)
        if (w->cfg.region != NULL &&
            strcmp(prof->regions[i].key, w->cfg.region) == 0)
            p->choice.sel = (int)i;
}

static void
region_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct region_step *p = priv;
    const struct lw_profile *prof = w->opts->profile;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), y = 0, i;
    char line[1024];

    snprintf(line, sizeof(line),
             /* TRANSLATORS: %s is the email provider's name. */
             _("%s runs its tracking host in each region. Choose the region "
               "of your %s account: the proxy passes clicks on to that "
               "region's tracking host. (%s shows it.)"),
             prof->provider, prof->provider, prof->settings);
    y += lw_ui_para(ui, win, y, 0, width, 5, LW_UI_NORMAL, line) + 1;
    for (i = 0; i < p->choice.n && y < getmaxy(win); i++) {
        const struct lw_region *r = &prof->regions[i];
        /* TRANSLATORS: "Europe (eu): tracking host track-eu.customer.io":
         * region label, region key, host name. Use %1$s, %2$s, %3$s to
         * reorder. */
        snprintf(line, sizeof(line), _("%s (%s): tracking host %s"),
                 _(r->label), r->key, r->origin);
        lw_choice_item(ui, win, y++, 0, width, p->choice.sel == i, true, line);
    }
}

static enum lw_key_ret
region_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct region_step *p = priv;

    (void)w;
    return lw_choice_key(&p->choice, k) ? LW_KEY_HANDLED : LW_KEY_UNHANDLED;
}

static enum lw_step_id
region_next(struct lw_wiz *w, void *priv)
{
    struct region_step *p = priv;
    const struct lw_profile *prof = w->opts->profile;
    char *key;

    if (p->choice.n == 0)
        return LW_STEP_NONE;
    key = strdup(prof->regions[p->choice.sel].key);
    if (key == NULL)
        return LW_STEP_NONE;
    if (w->cfg.region == NULL || strcmp(w->cfg.region, key) != 0)
        w->unsaved = true;
    free(w->cfg.region);
    w->cfg.region = key;
    return LW_STEP_METHOD;
}

const struct lw_step_ops lw_step_region = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("Region"),
    .title = N_("The provider's region"),
    .help = N_("The region is where your account lives at the provider "
               "(the United States or Europe for the built-in provider).  "
               "Links are passed on to that region's tracking host; the "
               "wrong region makes every click fail.\n\n"
               "Keys: arrows choose, Enter goes on, Esc goes back."),
    .priv_size = sizeof(struct region_step),
    .enter = region_enter,
    .draw = region_draw,
    .key = region_key,
    .next = region_next,
};
