/* step_key.c - key type and size (only RSA 2048 for CloudFront, with the
 * reason), the optional CSR subject, and the key already there, which is
 * reused rather than replaced. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw/csr.h"
#include "lw/install.h"
#include "lw/keygen.h"
#include "lw/nls.h"
#include "lw/ui/step.h"

static const struct lw_keyspec specs[] = {
    {LW_KEY_RSA, 2048}, {LW_KEY_RSA, 3072}, {LW_KEY_RSA, 4096},
    {LW_KEY_EC, 256},   {LW_KEY_EC, 384},
};
#define N_SPECS ((int)(sizeof(specs) / sizeof(specs[0])))

enum { F_LIST, F_ORG, F_COUNTRY, F_COUNT };

struct key_step {
    struct lw_choice choice;
    int focus;
    struct lw_input org, country;
    bool filled;
    char existing[64]; /* "RSA 2048" when a key file is there */
    char msg[LW_ERR_MSG_MAX];
};

static bool
cloudfront(const struct lw_wiz *w)
{
    return w->cfg.method == LW_METHOD_CLOUDFRONT;
}

/* The key already at the key path, if any (reused by the setup). */
static void
find_existing(struct lw_wiz *w, struct key_step *p)
{
    char full[LW_PATH_MAX];
    struct lw_buf pem = LW_BUF_INIT;
    struct lw_keyspec have;
    EVP_PKEY *key = NULL;

    p->existing[0] = '\0';
    if (lw_paths_for(w->cfg.domain, &w->paths, NULL) != LW_OK ||
        lw_path_under(w->opts->root, w->paths.key, full, sizeof(full),
                      NULL) != LW_OK ||
        lw_buf_read_file(&pem, full, 64 * 1024, NULL) != LW_OK)
        goto out;
    if (lw_key_parse(pem.data, pem.len, w->paths.key, &key, NULL) == LW_OK &&
        lw_key_spec_of(key, &have))
        snprintf(p->existing, sizeof(p->existing), "%s",
                 lw_keyspec_name(&have));
    else
        /* TRANSLATORS: stands for a key type in "A %s key is already in %s",
         * when the file cannot be read. */
        snprintf(p->existing, sizeof(p->existing), "%s", _("unreadable"));
out:
    EVP_PKEY_free(key);
    lw_buf_free_secure(&pem);
}

static void
key_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct key_step *p = priv;
    int i;

    /* CloudFront: RSA 2048, or the certificate requested in ACM. */
    p->choice.n = cloudfront(w) ? 2 : N_SPECS;
    if (!p->filled) {
        p->filled = true;
        lw_input_set(&p->org, w->cfg.organization ? w->cfg.organization : "");
        lw_input_set(&p->country, w->cfg.country ? w->cfg.country : "");
    }
    if (!back) {
        p->choice.sel = 0;
        for (i = 0; i < p->choice.n && !cloudfront(w); i++)
            if (specs[i].type == w->cfg.key.type &&
                specs[i].bits == w->cfg.key.bits)
                p->choice.sel = i;
        if (cloudfront(w) && w->cf_request)
            p->choice.sel = 1;
        p->focus = F_LIST;
    }
    p->msg[0] = '\0';
    find_existing(w, p);
}

static void
key_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct key_step *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), y = 0, i, fy_org, fy_c, lc, fx;
    char line[1024];

    if (cloudfront(w)) {
        y += lw_ui_para(ui, win, y, 0, width, 4, LW_UI_NORMAL,
                        _("CloudFront: the key is RSA 2048. The provider's "
                          "guide asks for an RSA key of at most 2048 bits "
                          "for the certificate imported into ACM.")) + 1;
    } else {
        y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL,
                        _("The private key stays on this server (mode "
                          "0600). RSA 2048 works everywhere; EC keys are "
                          "smaller and faster.")) + 1;
    }
    for (i = 0; i < p->choice.n; i++) {
        if (cloudfront(w) && i == 1)
            snprintf(line, sizeof(line), "%s",
                     _("No key here: I request the certificate in ACM (the "
                       "key never leaves AWS)"));
        else
            snprintf(line, sizeof(line), "%s%s", lw_keyspec_name(&specs[i]),
                     /* TRANSLATORS: after a key type such as "RSA 2048";
                      * mind the leading space. */
                     i == 0 ? _(" (recommended)") : "");
        lw_choice_item(ui, win, y++, 0, width, p->choice.sel == i,
                       p->focus == F_LIST, line);
    }
    y++;
    lw_ui_put(ui, win, y++, 0, width, LW_UI_NORMAL,
              _("Certificate subject (optional; Tab moves between fields):"));
    /* The fields line up after the longer label, as translated (at most
     * a third of the width: a longer label is shortened). */
    lc = lw_ui_cols(ui, _("Organization:"));
    if (lw_ui_cols(ui, _("Country (2):")) > lc)
        lc = lw_ui_cols(ui, _("Country (2):"));
    fx = 2 + (lc + 1 > 16 ? lc + 1 : 16);
    if (fx > width / 3)
        fx = width / 3;
    /* TRANSLATORS: label before the field for the CSR's O= (organization
     * name). */
    lw_ui_put(ui, win, y, 2, fx - 3, LW_UI_NORMAL, _("Organization:"));
    fy_org = y++;
    lw_input_draw(ui, &p->org, win, fy_org, fx, width - fx - 1,
                  p->focus == F_ORG);
    /* TRANSLATORS: label before the field for the CSR's C= (a two-letter
     * country code such as DE). */
    lw_ui_put(ui, win, y, 2, fx - 3, LW_UI_NORMAL, _("Country (2):"));
    fy_c = y++;
    lw_input_draw(ui, &p->country, win, fy_c, fx, 4, p->focus == F_COUNTRY);
    y++;
    if (p->existing[0] != '\0') {
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: "A RSA 2048 key is already in
                  * /etc/pki/tls/private/x.key": key type, then path. Use
                  * %1$s and %2$s to reorder. */
                 _("A %s key is already in %s: it is reused, not replaced. "
                   "Remove that file first to have a new key made."),
                 p->existing, w->paths.key);
        y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_WARN, line);
    }
    if (p->msg[0] != '\0')
        lw_ui_para(ui, win, y, 0, width, 3, LW_UI_FAIL, p->msg);
    /* Leave the cursor in the focused field. */
    if (p->focus == F_ORG)
        lw_input_draw(ui, &p->org, win, fy_org, fx, width - fx - 1, true);
    else if (p->focus == F_COUNTRY)
        lw_input_draw(ui, &p->country, win, fy_c, fx, 4, true);
}

static enum lw_key_ret
key_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct key_step *p = priv;

    (void)w;
    if (k->act == LW_ACT_TAB || k->act == LW_ACT_BTAB) {
        p->focus = (p->focus + (k->act == LW_ACT_TAB ? 1 : F_COUNT - 1)) %
                   F_COUNT;
        return LW_KEY_HANDLED;
    }
    if (p->focus == F_LIST)
        return lw_choice_key(&p->choice, k) ? LW_KEY_HANDLED
                                            : LW_KEY_UNHANDLED;
    if (k->act == LW_ACT_UP || k->act == LW_ACT_DOWN) {
        p->focus = k->act == LW_ACT_UP ? p->focus - 1 : p->focus + 1;
        if (p->focus >= F_COUNT)
            p->focus = F_COUNTRY;
        return LW_KEY_HANDLED;
    }
    p->msg[0] = '\0';
    return lw_input_key(p->focus == F_ORG ? &p->org : &p->country, k)
               ? LW_KEY_HANDLED
               : LW_KEY_UNHANDLED;
}

static bool
set_str(char **dst, const char *s)
{
    char *c = s[0] != '\0' ? strdup(s) : NULL;

    if (s[0] != '\0' && c == NULL)
        return false;
    free(*dst);
    *dst = c;
    return true;
}

static enum lw_step_id
key_next(struct lw_wiz *w, void *priv)
{
    struct key_step *p = priv;
    char org[4 * LW_INPUT_MAX + 1], country[16];
    struct lw_subject subj;
    struct lw_err err;
    size_t i;

    lw_input_get(&p->org, org, sizeof(org));
    lw_input_get(&p->country, country, sizeof(country));
    for (i = 0; country[i] != '\0'; i++)
        if (country[i] >= 'a' && country[i] <= 'z')
            country[i] = (char)(country[i] - 'a' + 'A');
    subj.organization = org;
    subj.country = country;
    lw_err_clear(&err);
    if (lw_subject_check(&subj, &err) != LW_OK) {
        snprintf(p->msg, sizeof(p->msg), "%s", err.msg);
        return LW_STEP_NONE;
    }
    if (!set_str(&w->cfg.organization, org) ||
        !set_str(&w->cfg.country, country))
        return LW_STEP_NONE;
    w->unsaved = true;
    if (cloudfront(w)) {
        w->cf_request = p->choice.sel == 1;
        w->cfg.key = specs[0];
        return w->cf_request ? LW_STEP_CLOUDFRONT : LW_STEP_CSR;
    }
    w->cfg.key = specs[p->choice.sel];
    return LW_STEP_CSR;
}

static bool
key_text(struct lw_wiz *w, void *priv)
{
    struct key_step *p = priv;

    (void)w;
    return p->focus != F_LIST;
}

static const char *
key_hints(struct lw_wiz *w, void *priv)
{
    (void)w;
    (void)priv;
    /* TRANSLATORS: a key hint in the wizard's bottom bar: the key, then one
     * or two words. Keep the key name as it is; the whole bar must fit 80
     * columns. Tab moves to the next field. */
    return _("Tab field");
}

const struct lw_step_ops lw_step_key = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("Key"),
    .title = N_("Private key and certificate subject"),
    .help = N_("The key pair is made on this server and never leaves it; "
               "the CSR (certificate signing request) made from it is what "
               "you send to your certificate authority.\n\n"
               "RSA 2048 is accepted everywhere; RSA 4096 takes some "
               "seconds to make.  For CloudFront only RSA 2048 is offered: "
               "the provider's guide asks for RSA of at most 2048 bits.\n\n"
               "Organization and country are optional; many CAs ignore "
               "them for domain-validated certificates.\n\n"
               "An existing key for the domain is reused, so a certificate "
               "already issued for it stays valid."),
    .priv_size = sizeof(struct key_step),
    .enter = key_enter,
    .draw = key_draw,
    .key = key_key,
    .next = key_next,
    .text_mode = key_text,
    .hints = key_hints,
};
