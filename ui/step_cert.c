/* step_cert.c - the signed certificate: a path, or the chain pasted into
 * a text area; validated against the key and the domain, with what is
 * wrong shown in place.  "Not yet" keeps the saved state (waiting for the
 * certificate) and leaves; the next run comes back here. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lw/cert.h"
#include "lw/cloudfront.h"
#include "lw/install.h"
#include "lw/keygen.h"
#include "lw/nls.h"
#include "lw/ui/step.h"

#define CERT_MAX (1024 * 1024)

enum { F_PATH, F_PASTE, F_BUTTONS, F_COUNT };

struct cert_step {
    int focus;
    struct lw_input path;
    struct lw_area area;
    struct lw_choice buttons; /* 0 check and go on, 1 not yet */
    EVP_PKEY *key;
    char key_problem[LW_ERR_MSG_MAX];
    bool ok;
    char msg[LW_ERR_MSG_MAX + LW_ERR_HINT_MAX + 64];
    size_t checked_len; /* the paste area length last checked */
    struct lw_timer *debounce;
    struct lw_wiz *w;
};

static void
load_key(struct lw_wiz *w, struct cert_step *p)
{
    char full[LW_PATH_MAX];
    struct lw_buf pem = LW_BUF_INIT;
    struct lw_err err;

    EVP_PKEY_free(p->key);
    p->key = NULL;
    p->key_problem[0] = '\0';
    lw_err_clear(&err);
    if (lw_paths_for(w->cfg.domain, &w->paths, &err) != LW_OK ||
        lw_path_under(w->opts->root, w->paths.key, full, sizeof(full),
                      &err) != LW_OK ||
        lw_buf_read_file(&pem, full, 64 * 1024, &err) != LW_OK ||
        lw_key_parse(pem.data, pem.len, w->paths.key, &p->key, &err) != LW_OK)
        snprintf(p->key_problem, sizeof(p->key_problem), "%s", err.msg);
    lw_buf_free_secure(&pem);
}

/* Validate data; on success remember it in w for the nginx step. */
static bool
validate(struct lw_wiz *w, struct cert_step *p, const char *data, size_t len,
         const char *name, bool quiet_incomplete)
{
    struct lw_cert_expect expect;
    struct lw_chain chain;
    struct lw_err err;
    char date[32];

    p->ok = false;
    if (p->key == NULL) {
        snprintf(p->msg, sizeof(p->msg),
                 _("The private key cannot be read: %s"), p->key_problem);
        return false;
    }
    memset(&expect, 0, sizeof(expect));
    expect.key = p->key;
    expect.domain = w->cfg.domain;
    expect.ca_file = w->opts->ca_file;
    expect.key_name = w->paths.key;
    lw_err_clear(&err);
    if (lw_cert_import(data, len, name, &expect, &chain, &err) != LW_OK) {
        if (quiet_incomplete && strstr(data, "-----END") == NULL) {
            p->msg[0] = '\0';
            return false;
        }
        if (err.hint[0] != '\0')
            snprintf(p->msg, sizeof(p->msg), "%s %s", err.msg, err.hint);
        else
            snprintf(p->msg, sizeof(p->msg), "%s", err.msg);
        return false;
    }
    if (w->cfg.method == LW_METHOD_CLOUDFRONT &&
        lw_cloudfront_key_rule(X509_get0_pubkey(sk_X509_value(chain.certs, 0)),
                               NULL, 0, &err) != LW_OK) {
        snprintf(p->msg, sizeof(p->msg), "%s %s", err.msg, err.hint);
        lw_chain_free(&chain);
        return false;
    }
    lw_wiz_date(chain.not_after, date, sizeof(date));
    snprintf(p->msg, sizeof(p->msg),
             P_("Certificate for %s, valid until %s, %d certificate in the "
                "chain%s.",
                "Certificate for %s, valid until %s, %d certificates in the "
                "chain%s.",
                sk_X509_num(chain.certs)),
             w->cfg.domain, date, sk_X509_num(chain.certs),
             chain.reordered ? _(" (put in order, leaf first)") : "");
    lw_chain_free(&chain);
    lw_buf_reset(&w->cert_data);
    lw_buf_append(&w->cert_data, data, len);
    snprintf(w->cert_name, sizeof(w->cert_name), "%s", name);
    p->ok = lw_buf_ok(&w->cert_data);
    return p->ok;
}

static bool
validate_paste(struct lw_wiz *w, struct cert_step *p, bool quiet)
{
    bool ok;

    p->checked_len = p->area.text.len;
    if (p->area.text.len == 0) {
        p->msg[0] = '\0';
        p->ok = false;
        return false;
    }
    ok = validate(w, p, p->area.text.data, p->area.text.len, "", quiet);
    w->cert_name[0] = '\0'; /* pasted: handed over in memory */
    return ok;
}

static bool
validate_path(struct lw_wiz *w, struct cert_step *p)
{
    char typed[4 * LW_INPUT_MAX + 1], path[LW_PATH_MAX];
    struct lw_buf data = LW_BUF_INIT;
    struct lw_err err;
    bool ok = false;

    lw_input_get(&p->path, typed, sizeof(typed));
    if (typed[0] == '\0') {
        snprintf(p->msg, sizeof(p->msg), "%s",
                 _("Type the path of the certificate file, or paste the "
                   "certificate below."));
        return false;
    }
    /* The state remembers where it came from: make it absolute. */
    if (typed[0] != '/') {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof(cwd)) == NULL)
            cwd[0] = '\0';
        snprintf(path, sizeof(path), "%s/%s", cwd, typed);
    } else {
        snprintf(path, sizeof(path), "%s", typed);
    }
    lw_err_clear(&err);
    if (lw_buf_read_file(&data, path, CERT_MAX, &err) != LW_OK) {
        snprintf(p->msg, sizeof(p->msg), "%s", err.msg);
        goto out;
    }
    ok = validate(w, p, data.data != NULL ? data.data : "", data.len, path,
                  false);
out:
    /* a combined PEM may hold a private key too */
    lw_buf_free_secure(&data);
    return ok;
}

static void
on_debounce(struct lw_loop *loop, void *ud)
{
    struct cert_step *p = ud;

    (void)loop;
    p->debounce = NULL;
    if (p->area.text.len != p->checked_len)
        validate_paste(p->w, p, true);
    lw_wiz_dirty(p->w);
}

static void
cert_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct cert_step *p = priv;

    p->w = w;
    p->buttons.n = 2;
    if (!back) {
        p->focus = F_PATH;
        p->buttons.sel = 0;
    }
    load_key(w, p);
    if (w->cfg.certificate != NULL && p->path.len == 0)
        lw_input_set(&p->path, w->cfg.certificate);
}

static void
cert_leave(struct lw_wiz *w, void *priv)
{
    struct cert_step *p = priv;

    if (p->debounce != NULL)
        lw_loop_timer_cancel(w->loop, p->debounce);
    p->debounce = NULL;
}

static void
cert_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct cert_step *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), height = getmaxy(win), y = 0, fy, ay, ah, fx;
    char line[LW_ERR_MSG_MAX + LW_ERR_HINT_MAX + 80];

    y += lw_ui_para(ui, win, y, 0, width, 2, LW_UI_NORMAL,
                    _("Give the signed certificate chain from your CA: the "
                      "path of its file, or paste it below.")) + 1;
    /* The field starts after the label, however long its translation
     * (a third of the width at most: the label is shortened then). */
    fx = lw_ui_cols(ui, _("File:")) + 1;
    if (fx < 7)
        fx = 7;
    if (fx > width / 3)
        fx = width / 3;
    /* TRANSLATORS: label before the path field of the certificate. */
    lw_ui_put(ui, win, y, 0, fx - 1, LW_UI_NORMAL, _("File:"));
    fy = y;
    lw_input_draw(ui, &p->path, win, y++, fx, width - fx - 1, false);
    y++;
    lw_ui_put(ui, win, y++, 0, width, LW_UI_NORMAL,
              _("Or paste the PEM text (then Enter on an empty line):"));
    ay = y;
    ah = height - y - 7;
    if (ah < 3)
        ah = 3;
    lw_area_draw(ui, &p->area, win, ay, 0, ah, width, false);
    y += ah + 1;
    lw_choice_item(ui, win, y++, 0, width, p->buttons.sel == 0,
                   p->focus == F_BUTTONS,
                   _("Check the certificate and go on"));
    lw_choice_item(ui, win, y++, 0, width, p->buttons.sel == 1,
                   p->focus == F_BUTTONS,
                   _("Not yet: save and exit; the next run continues here"));
    if (p->msg[0] != '\0') {
        snprintf(line, sizeof(line), "%s %s",
                 lw_ui_glyph(ui, p->ok ? LW_G_OK : LW_G_FAIL), p->msg);
        lw_ui_para(ui, win, y, 0, width, height - y,
                   p->ok ? LW_UI_OK : LW_UI_FAIL, line);
    } else if (p->key == NULL) {
        snprintf(line, sizeof(line),
                 _("The private key cannot be read: %s"), p->key_problem);
        lw_ui_para(ui, win, y, 0, width, height - y, LW_UI_FAIL, line);
    }
    if (p->focus == F_PATH)
        lw_input_draw(ui, &p->path, win, fy, fx, width - fx - 1, true);
    else if (p->focus == F_PASTE)
        lw_area_draw(ui, &p->area, win, ay, 0, ah, width, true);
}

static enum lw_key_ret
cert_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct cert_step *p = priv;

    if (k->act == LW_ACT_TAB || k->act == LW_ACT_BTAB) {
        p->focus = (p->focus + (k->act == LW_ACT_TAB ? 1 : F_COUNT - 1)) %
                   F_COUNT;
        return LW_KEY_HANDLED;
    }
    switch (p->focus) {
    case F_PATH:
        if (k->act == LW_ACT_DOWN) {
            p->focus = F_PASTE;
            return LW_KEY_HANDLED;
        }
        if (lw_input_key(&p->path, k)) {
            p->msg[0] = '\0';
            return LW_KEY_HANDLED;
        }
        return LW_KEY_UNHANDLED;
    case F_PASTE:
        /* A lone Enter on an empty line after a chain that checks out
         * goes on; inside a paste, Enter is a newline. */
        if (k->act == LW_ACT_NEXT && !k->burst && p->area.text.len > 0 &&
            p->area.text.data[p->area.text.len - 1] == '\n' &&
            validate_paste(w, p, false))
            return LW_KEY_UNHANDLED;
        if (k->act == LW_ACT_CHAR && k->ch == L'\r')
            return LW_KEY_HANDLED;
        if (lw_area_key(&p->area, k)) {
            if (p->debounce == NULL)
                p->debounce = lw_loop_timer(w->loop, 200, on_debounce, p);
            return LW_KEY_HANDLED;
        }
        return LW_KEY_UNHANDLED;
    default:
        return lw_choice_key(&p->buttons, k) ? LW_KEY_HANDLED
                                             : LW_KEY_UNHANDLED;
    }
}

static enum lw_step_id
cert_next(struct lw_wiz *w, void *priv)
{
    struct cert_step *p = priv;
    bool ok;

    if (p->focus == F_BUTTONS && p->buttons.sel == 1) {
        lw_wiz_finish(w, LW_WIZARD_WAITING,
                      _("linkwiz: the key and the CSR are saved:\n"
                        "  %s\n  %s\n"
                        "When your CA sends the certificate, run linkwiz "
                        "again: it continues at the certificate step.\n"),
                      w->paths.key, w->paths.csr);
        return LW_STEP_NONE;
    }
    if (p->focus == F_PASTE || (p->path.len == 0 && p->area.text.len > 0))
        ok = validate_paste(w, p, false);
    else
        ok = validate_path(w, p);
    if (!ok) {
        if (p->msg[0] == '\0')
            snprintf(p->msg, sizeof(p->msg), "%s",
                     _("No certificate yet: type its path or paste it."));
        return LW_STEP_NONE;
    }
    w->cert_ok = true;
    return w->cfg.method == LW_METHOD_CLOUDFRONT ? LW_STEP_CLOUDFRONT
                                                 : LW_STEP_NGINX;
}

static bool
cert_text(struct lw_wiz *w, void *priv)
{
    struct cert_step *p = priv;

    (void)w;
    return p->focus != F_BUTTONS;
}

static const char *
cert_hints(struct lw_wiz *w, void *priv)
{
    (void)w;
    (void)priv;
    /* TRANSLATORS: a key hint in the wizard's bottom bar: the key, then one
     * or two words. Keep the key name as it is; the whole bar must fit 80
     * columns. Tab moves to the next field. */
    return _("Tab field");
}

static void
cert_fini(struct lw_wiz *w, void *priv)
{
    struct cert_step *p = priv;

    (void)w;
    EVP_PKEY_free(p->key);
    lw_buf_free_secure(&p->area.text);
}

const struct lw_step_ops lw_step_cert = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("Certificate"),
    .title = N_("The signed certificate"),
    .help = N_("Your CA sends the certificate for the CSR, usually with one "
               "or more intermediate certificates.  Give the file (type "
               "its path in File) or paste all of it into the area below "
               "(Tab moves there), in any order: linkwiz puts the leaf "
               "first and leaves out a root.\n\n"
               "It is checked at once: it must match the private key, "
               "cover the domain, be valid today and chain to a trusted "
               "root.  What is wrong is shown below the buttons.\n\n"
               "\"Not yet\" keeps the key and CSR and ends the wizard; the "
               "next run of linkwiz comes back to this step.\n\n"
               "Keys: Tab moves between the file, the paste area and the "
               "buttons; Enter checks; Ctrl-U clears a field."),
    .priv_size = sizeof(struct cert_step),
    .enter = cert_enter,
    .leave = cert_leave,
    .draw = cert_draw,
    .key = cert_key,
    .next = cert_next,
    .text_mode = cert_text,
    .hints = cert_hints,
    .fini = cert_fini,
};
