/* step_nginx.c - the nginx server block shown before it is written; then
 * the setup transaction (certificate, block, nginx -t, reload when asked)
 * in the worker, and its result: on failure everything was put back. */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lw/nginx_conf.h"
#include "lw/nls.h"
#include "lw/ui/step.h"

enum ng_state { NG_SHOW, NG_RUNNING, NG_DONE, NG_FAILED };

struct nginx_step {
    enum ng_state state;
    struct lw_buf block;
    struct lw_view view;
    struct lw_choice choice; /* 0 write, test, reload; 1 write and test */
    struct lw_buf notices;
    struct lw_err err;
};

/* The same test setup.c makes, so what is shown is what is written. */
static bool
host_has_ipv6(void)
{
    struct sockaddr_in6 sa;
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok;

    if (fd < 0)
        return false;
    memset(&sa, 0, sizeof(sa));
    sa.sin6_family = AF_INET6;
    sa.sin6_addr = in6addr_any;
    ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

static void
render(struct lw_wiz *w, struct nginx_step *p)
{
    const struct lw_region *reg =
        lw_profile_region(w->opts->profile, w->cfg.region);
    struct lw_nginx_site site;
    struct lw_err err;

    lw_buf_reset(&p->block);
    lw_paths_for(w->cfg.domain, &w->paths, NULL);
    if (reg == NULL)
        return;
    memset(&site, 0, sizeof(site));
    site.domain = w->cfg.domain;
    site.origin = reg->origin;
    site.origin_port = reg->port;
    site.cert_path = w->paths.crt;
    site.key_path = w->paths.key;
    site.trust_bundle = LW_TRUST_BUNDLE;
    site.ipv6 = host_has_ipv6();
    lw_err_clear(&err);
    if (lw_nginx_render(&site, &p->block, &err) != LW_OK)
        lw_buf_puts(&p->block, err.msg);
}

static void
nginx_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct nginx_step *p = priv;

    p->choice.n = w->opts->run_nginx ? 2 : 1;
    if (back && p->state == NG_DONE)
        return;
    p->state = NG_SHOW;
    p->view.top = 0;
    p->choice.sel = 0; /* write, test and reload: the usual answer */
    render(w, p);
}

static void
nginx_event(struct lw_wiz *w, void *priv, enum lw_event ev)
{
    struct nginx_step *p = priv;

    if (ev != LW_EV_JOB || w->job == NULL)
        return;
    if (!lw_job_finished(w->job)) {
        lw_job_take_notices(w->job, &p->notices);
        return;
    }
    p->state = lw_wiz_setup_finished(w, &p->notices, &p->err) == LW_OK
                   ? NG_DONE
                   : NG_FAILED;
}

static void
draw_result(struct lw_wiz *w, struct nginx_step *p, WINDOW *win, int y)
{
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), height = getmaxy(win);
    struct lw_buf out = LW_BUF_INIT;
    const char *s;

    if (p->state == NG_FAILED) {
        lw_buf_printf(&out, "%s %s\n", lw_ui_glyph(ui, LW_G_FAIL),
                      p->err.msg);
        if (p->err.hint[0] != '\0')
            lw_buf_printf(&out, "%s\n", p->err.hint);
    } else {
        if (w->nginx_tested)
            lw_buf_printf(&out, "%s %s\n", lw_ui_glyph(ui, LW_G_OK),
                          _("nginx -t: the configuration is valid."));
        if (w->nginx_reloaded)
            lw_buf_printf(&out, "%s %s\n", lw_ui_glyph(ui, LW_G_OK),
                          _("nginx reloaded: the proxy is live."));
        else if (w->opts->run_nginx && !w->cfg.nginx_reload)
            lw_buf_printf(&out, "%s\n",
                          _("nginx was not reloaded: run `nginx -s reload` "
                            "when ready."));
        else if (!w->opts->run_nginx)
            lw_buf_printf(&out, "%s\n",
                          _("--root is not /, so nginx was not run (no "
                            "nginx -t, no reload)."));
        if (w->changes.len > 0)
            lw_buf_puts(&out, w->changes.data);
    }
    for (s = p->notices.data; s != NULL && *s != '\0';) {
        const char *nl = strchr(s, '\n');
        size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);
        if (*s == '!') {
            s++;
            n--;
        }
        lw_buf_append(&out, s, n);
        lw_buf_putc(&out, '\n');
        s = nl != NULL ? nl + 1 : NULL;
    }
    if (out.data != NULL)
        lw_ui_para(ui, win, y, 0, width, height - y,
                   p->state == NG_FAILED ? LW_UI_FAIL : LW_UI_NORMAL,
                   out.data);
    lw_buf_free(&out);
}

static void
nginx_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct nginx_step *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), height = getmaxy(win), y = 0, vh;
    char line[512];

    /* TRANSLATORS: %s is the path of the nginx configuration file. */
    snprintf(line, sizeof(line), _("To be written to %s:"), w->paths.conf);
    lw_ui_put(ui, win, y++, 0, width, LW_UI_NORMAL, line);
    vh = p->state == NG_SHOW ? height - 5 : height - 9;
    lw_view_draw(ui, &p->view, win, y, 0, vh, width, LW_UI_DIM,
                 p->block.data);
    y += vh + 1;
    switch (p->state) {
    case NG_SHOW:
        if (w->opts->run_nginx) {
            lw_choice_item(ui, win, y++, 0, width, p->choice.sel == 0, true,
                           _("Write the files, test with nginx -t, and "
                             "reload nginx"));
            lw_choice_item(ui, win, y++, 0, width, p->choice.sel == 1, true,
                           _("Write the files and test; I will reload "
                             "nginx myself"));
        } else {
            lw_choice_item(ui, win, y++, 0, width, true, true,
                           _("Write the files (under --root nginx is not "
                             "run)"));
        }
        break;
    case NG_RUNNING:
        lw_ui_put(ui, win, y, 0, width, LW_UI_HEAD,
                  _("Writing the files and testing the configuration…"));
        break;
    default:
        draw_result(w, p, win, y);
        break;
    }
}

static enum lw_key_ret
nginx_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct nginx_step *p = priv;

    (void)w;
    if (p->state == NG_SHOW && (k->act == LW_ACT_UP || k->act == LW_ACT_DOWN))
        return lw_choice_key(&p->choice, k) ? LW_KEY_HANDLED
                                            : LW_KEY_UNHANDLED;
    if (lw_view_key(&p->view, k, lw_view_lines(p->block.data), 10))
        return LW_KEY_HANDLED;
    return LW_KEY_UNHANDLED;
}

static enum lw_step_id
nginx_next(struct lw_wiz *w, void *priv)
{
    struct nginx_step *p = priv;

    switch (p->state) {
    case NG_SHOW:
    case NG_FAILED:
        if (p->state == NG_FAILED) {
            p->state = NG_SHOW;
            return LW_STEP_NONE;
        }
        w->cfg.nginx_reload = w->opts->run_nginx && p->choice.sel == 0;
        lw_buf_reset(&p->notices);
        lw_err_clear(&p->err);
        if (lw_wiz_start_setup(w, LW_STEP_NGINX, true, &p->err) == LW_OK)
            p->state = NG_RUNNING;
        else
            p->state = NG_FAILED;
        return LW_STEP_NONE;
    case NG_DONE:
        return LW_STEP_DNS;
    default:
        lw_wiz_status(w, false, "%s",
                      _("Please wait: the files are being written."));
        return LW_STEP_NONE;
    }
}

static const char *
nginx_hints(struct lw_wiz *w, void *priv)
{
    (void)w;
    (void)priv;
    /* TRANSLATORS: a key hint in the wizard's bottom bar: the key, then one
     * or two words. Keep the key name as it is; the whole bar must fit 80
     * columns. */
    return _("PgUp/PgDn scroll");
}

static void
nginx_fini(struct lw_wiz *w, void *priv)
{
    struct nginx_step *p = priv;

    (void)w;
    lw_buf_free(&p->block);
    lw_buf_free(&p->notices);
}

const struct lw_step_ops lw_step_nginx = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("NGINX"),
    .title = N_("The nginx server block"),
    .help = N_("This is the server block linkwiz writes: HTTPS and plain "
               "HTTP for the link domain, the certificate and key, and a "
               "proxy to the provider's tracking host that passes the link "
               "domain as the Host header (without it every click fails "
               "with \"Invalid link security token\").\n\n"
               "Writing is one transaction: the certificate, the block and "
               "the saved state go in together, nginx -t tests them, and "
               "if anything fails every file is put back as it was.\n\n"
               "Keys: arrows choose, PgUp/PgDn scroll the block, Enter "
               "writes."),
    .priv_size = sizeof(struct nginx_step),
    .wide = true,
    .enter = nginx_enter,
    .draw = nginx_draw,
    .key = nginx_key,
    .event = nginx_event,
    .next = nginx_next,
    .hints = nginx_hints,
    .fini = nginx_fini,
};
