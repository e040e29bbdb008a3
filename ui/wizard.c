/* wizard.c - the driver: curses set-up, the one event loop (keys, timers,
 * signals, the worker, the check engine), history for Esc, the side list,
 * the key-hint bar, help, quit confirmation and the "terminal too small"
 * state (STYLE.md, "Screens are data plus a small ops table"). */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lw/nginx_conf.h"
#include "lw/nls.h"
#include "lw/ui/step.h"
#include "lw/ui/wizard.h"

#define MIN_COLS 80
#define MIN_ROWS 24
#define SIDE_COLS 14 /* the side list, then a line, then the content */
#define SIDE_COLS_MAX 20 /* wider for long translations, up to this */
#define HIST_MAX 64
#define LANGS_MAX 32

static const struct lw_step_ops *const step_ops[LW_STEP_COUNT] = {
    [LW_STEP_WELCOME] = &lw_step_welcome,
    [LW_STEP_DOMAIN] = &lw_step_domain,
    [LW_STEP_CHANGE] = &lw_step_change,
    [LW_STEP_REGION] = &lw_step_region,
    [LW_STEP_METHOD] = &lw_step_method,
    [LW_STEP_KEY] = &lw_step_key,
    [LW_STEP_CLOUDFRONT] = &lw_step_cloudfront,
    [LW_STEP_CSR] = &lw_step_csr,
    [LW_STEP_CERT] = &lw_step_cert,
    [LW_STEP_NGINX] = &lw_step_nginx,
    [LW_STEP_DNS] = &lw_step_dns,
    [LW_STEP_CHECKS] = &lw_step_checks,
    [LW_STEP_DONE] = &lw_step_done,
};

struct driver {
    struct lw_wiz w;
    void *priv[LW_STEP_COUNT];
    enum lw_step_id cur;
    enum lw_step_id hist[HIST_MAX];
    int nhist;
    bool help;
    bool lang_menu;   /* F2: the language menu covers the content */
    char langs[LANGS_MAX][LW_LANG_MAX]; /* "en", then the catalogs */
    struct lw_choice lang;
    bool confirm_quit;
    bool too_small;
    WINDOW *content;
    int content_rows, content_cols;
    bool content_wide;
    struct lw_timer *tick;
    SCREEN *screen;
};

/* One wizard per process: the steps reach the driver through w. */
static struct driver *drv;

void
lw_wiz_dirty(struct lw_wiz *w)
{
    w->dirty = true;
}

void
lw_wiz_status(struct lw_wiz *w, bool warn, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(w->status, sizeof(w->status), fmt, ap);
    va_end(ap);
    w->status_warn = warn;
    w->dirty = true;
}

void
lw_wiz_finish(struct lw_wiz *w, enum lw_wizard_end end, const char *fmt, ...)
{
    va_list ap;

    w->res->end = end;
    va_start(ap, fmt);
    vsnprintf(w->res->message, sizeof(w->res->message), fmt, ap);
    va_end(ap);
    w->quit = true;
    lw_loop_stop(w->loop);
}

void *
lw_wiz_priv(struct lw_wiz *w, enum lw_step_id id)
{
    (void)w;
    return drv->priv[id];
}

static const struct lw_step_ops *
cur_ops(void)
{
    return step_ops[drv->cur];
}

static void
enter_step(enum lw_step_id id, bool back)
{
    const struct lw_step_ops *ops;

    if (cur_ops()->leave != NULL)
        cur_ops()->leave(&drv->w, drv->priv[drv->cur]);
    drv->cur = id;
    drv->w.status[0] = '\0';
    ops = cur_ops();
    if (ops->enter != NULL)
        ops->enter(&drv->w, drv->priv[id], back);
    drv->w.dirty = true;
}

void
lw_wiz_goto(struct lw_wiz *w, enum lw_step_id id)
{
    (void)w;
    if (drv->nhist < HIST_MAX)
        drv->hist[drv->nhist++] = drv->cur;
    enter_step(id, false);
}

static void
go_next(void)
{
    enum lw_step_id next;

    if (cur_ops()->next == NULL)
        return;
    next = cur_ops()->next(&drv->w, drv->priv[drv->cur]);
    if (next != LW_STEP_NONE && !drv->w.quit)
        lw_wiz_goto(&drv->w, next);
}

static void
go_back(void)
{
    if (drv->w.job != NULL) {
        lw_wiz_status(&drv->w, true, "%s",
                      _("Please wait: the files are being written."));
        return;
    }
    if (drv->nhist == 0)
        return;
    enter_step(drv->hist[--drv->nhist], true);
}

static void
request_quit(void)
{
    if (drv->w.unsaved || drv->w.job != NULL) {
        drv->confirm_quit = true;
        drv->w.dirty = true;
        return;
    }
    lw_wiz_finish(&drv->w, LW_WIZARD_QUIT, "%s", "");
}

/* Ctrl-C, SIGINT, SIGTERM, SIGHUP: stop the worker (its transaction puts
 * every file back when it is cut short), then leave; the caller restores
 * the terminal. */
static void
interrupt(void)
{
    struct lw_wiz *w = &drv->w;

    lw_wiz_stop_job(w);
    lw_wiz_finish(w, LW_WIZARD_INTERRUPTED, "%s\n",
                  _("linkwiz: interrupted. No file was left half-written."));
}

/* ---- drawing ---- */

static bool step_listed(enum lw_step_id id);

/* Columns of the side list: its names as translated now (German is long)
 * decide, from SIDE_COLS up to SIDE_COLS_MAX; a longer name is shortened
 * with an ellipsis. */
static int
side_cols(void)
{
    int cols = SIDE_COLS, i;

    for (i = 0; i < LW_STEP_COUNT; i++) {
        int c;
        if (!step_listed((enum lw_step_id)i))
            continue;
        c = lw_ui_cols(&drv->w.ui, _(step_ops[i]->name)) + 3;
        if (c > cols)
            cols = c;
    }
    return cols < SIDE_COLS_MAX ? cols : SIDE_COLS_MAX;
}

static void
make_content(void)
{
    int x = cur_ops()->wide ? 0 : side_cols() + 2;
    int rows = LINES - 5, cols = COLS - x;

    if (drv->content != NULL && drv->content_rows == rows &&
        drv->content_cols == cols && drv->content_wide == cur_ops()->wide)
        return;
    if (drv->content != NULL)
        delwin(drv->content);
    drv->content = newwin(rows, cols, 3, x);
    drv->content_rows = rows;
    drv->content_cols = cols;
    drv->content_wide = cur_ops()->wide;
    if (drv->content != NULL)
        keypad(drv->content, TRUE);
}

static bool
step_listed(enum lw_step_id id)
{
    const struct lw_wiz *w = &drv->w;

    switch (id) {
    case LW_STEP_CHANGE:
        return w->prev_domain[0] != '\0';
    case LW_STEP_CLOUDFRONT:
        return w->cfg.method == LW_METHOD_CLOUDFRONT;
    case LW_STEP_CSR:
    case LW_STEP_CERT:
        /* CloudFront with the certificate requested in ACM: no key here. */
        return w->cfg.method == LW_METHOD_NGINX || !w->cf_request;
    case LW_STEP_NGINX:
        return w->cfg.method == LW_METHOD_NGINX;
    default:
        return true;
    }
}

static void
draw_side(void)
{
    const struct lw_ui *ui = &drv->w.ui;
    int y = 3, i, side = side_cols();

    for (i = 0; i < LW_STEP_COUNT && y < LINES - 2; i++) {
        bool cur = i == (int)drv->cur;
        if (!step_listed((enum lw_step_id)i))
            continue;
        if (cur)
            lw_ui_put(ui, stdscr, y, 0, 2, LW_UI_HEAD,
                      lw_ui_glyph(ui, LW_G_MARK));
        lw_ui_put(ui, stdscr, y, 2, side - 2,
                  cur ? LW_UI_SEL : LW_UI_NORMAL, _(step_ops[i]->name));
        y++;
    }
    /* Drawn as a character, not the alternate character set, so screen
     * captures read the same everywhere. */
    for (y = 1; y < LINES - 2; y++)
        lw_ui_put(ui, stdscr, y, side, 1, LW_UI_DIM,
                  ui->utf8 ? "\u2502" : "|");
}

/* One key hint of the bottom bar; drop: 0 always shown, else the order
 * in which hints make room when the bar is too narrow (1 first). */
struct hint {
    const char *text;
    int drop;
};

static bool
hint_shown(const struct hint *h, int level)
{
    return h->text[0] != '\0' && (h->drop == 0 || h->drop > level);
}

/* Columns the bar takes with the hints of this level and this gap. */
static int
hints_cols(const struct lw_ui *ui, const struct hint *h, size_t n, int level,
           int gap)
{
    int total = 0, shown = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (!hint_shown(&h[i], level))
            continue;
        total += (shown++ > 0 ? gap : 0) + lw_ui_cols(ui, h[i].text);
    }
    return total;
}

/* Lay the hints out by their width in columns (translations differ in
 * length; Japanese characters take two columns): three spaces between
 * them, two when tight, then the droppable ones go, least needed first.
 * Whatever is still too wide is shortened with an ellipsis when drawn. */
static void
layout_hints(const struct lw_ui *ui, const struct hint *h, size_t n,
             char *out, size_t len)
{
    struct lw_buf b = LW_BUF_INIT;
    int level = 0, gap = 3;
    bool first = true;
    size_t i;

    while (hints_cols(ui, h, n, level, gap) > COLS - 1 && level < 3) {
        if (gap == 3) {
            gap = 2;
        } else {
            gap = 3;
            level++;
        }
    }
    if (hints_cols(ui, h, n, level, gap) > COLS - 1)
        gap = 2;
    lw_buf_putc(&b, ' ');
    for (i = 0; i < n; i++) {
        if (!hint_shown(&h[i], level))
            continue;
        if (!first)
            lw_buf_printf(&b, "%*s", gap, "");
        lw_buf_puts(&b, h[i].text);
        first = false;
    }
    snprintf(out, len, "%s", b.data != NULL ? b.data : "");
    lw_buf_free(&b);
}

static void
draw_bars(void)
{
    const struct lw_ui *ui = &drv->w.ui;
    const struct lw_step_ops *ops = cur_ops();
    const char *extra = NULL;
    char bar[512], title[512];
    bool text;

    /* Title. */
    attrset(lw_ui_attr(ui, LW_UI_TITLE));
    mvhline(0, 0, ' ', COLS);
    if (drv->w.cfg.domain[0] != '\0')
        /* TRANSLATORS: the title bar (80 columns); %s is the link-tracking
         * domain. */
        snprintf(title, sizeof(title), _(" linkwiz: HTTPS for %s"),
                 drv->w.have_dom ? drv->w.dom.display : drv->w.cfg.domain);
    else
        snprintf(title, sizeof(title), "%s",
                 _(" linkwiz: HTTPS for a link-tracking domain"));
    lw_ui_put(ui, stdscr, 0, 0, COLS, LW_UI_TITLE, title);
    attrset(A_NORMAL);

    /* Message line. */
    if (drv->confirm_quit)
        lw_ui_put(ui, stdscr, LINES - 2, 1, COLS - 2, LW_UI_WARN,
                  drv->w.job != NULL
                      /* TRANSLATORS: the quit question on the message line
                       * (at most 78 columns). The keys y and n are not
                       * translated: keep "y" and "n". */
                      ? _("Quit? The files are being written; they will be "
                          "put back. y quit, n stay")
                      : _("Quit? What you chose here is not saved yet. "
                          "y quit, n stay"));
    else if (drv->w.status[0] != '\0')
        lw_ui_put(ui, stdscr, LINES - 2, 1, COLS - 2,
                  drv->w.status_warn ? LW_UI_WARN : LW_UI_NORMAL,
                  drv->w.status);

    /* Key hints. */
    text = ops->text_mode != NULL &&
           ops->text_mode(&drv->w, drv->priv[drv->cur]);
    if (drv->help) {
        /* TRANSLATORS: a key hint in the wizard's bottom bar: the key, then
         * one or two words. Keep the key name as it is; the whole bar must
         * fit 80 columns. */
        const struct hint h[] = {{_("Esc close help"), 0}};
        layout_hints(ui, h, 1, bar, sizeof(bar));
    } else if (drv->lang_menu) {
        const struct hint h[] = {
            /* TRANSLATORS: a key hint of the language menu (F2): Enter
             * chooses the language.  Keep the key name as it is. */
            {_("Enter choose"), 0},
            /* TRANSLATORS: a key hint of the language menu: Esc closes
             * it. */
            {_("Esc close"), 0}};
        layout_hints(ui, h, 2, bar, sizeof(bar));
    } else {
        if (ops->hints != NULL)
            extra = ops->hints(&drv->w, drv->priv[drv->cur]);
        {
            const struct hint h[] = {
                /* TRANSLATORS: a key hint in the wizard's bottom bar: the
                 * key, then one or two words. Keep the key name as it is;
                 * the whole bar must fit 80 columns. Enter goes to the next
                 * step, Esc back to the previous one, F1 shows help, F2 the
                 * language menu, q (^Q = Ctrl-Q in a text field) quits. */
                {_("Enter next"), 0},
                /* TRANSLATORS: a key hint of the bottom bar (see "Enter
                 * next"). */
                {_("Esc back"), 3},
                /* TRANSLATORS: a key hint of the bottom bar (see "Enter
                 * next"). */
                {_("F1 help"), 2},
                /* TRANSLATORS: a key hint of the bottom bar (see "Enter
                 * next"). */
                {_("F2 language"), 1},
                /* TRANSLATORS: a key hint of the bottom bar (see "Enter
                 * next"); ^Q is Ctrl-Q. */
                {text ? _("^Q quit") : _("q quit"), 0},
                {extra != NULL ? extra : "", 0},
            };
            layout_hints(ui, h, sizeof(h) / sizeof(h[0]), bar, sizeof(bar));
        }
    }
    attrset(lw_ui_attr(ui, LW_UI_TITLE));
    mvhline(LINES - 1, 0, ' ', COLS);
    lw_ui_put(ui, stdscr, LINES - 1, 0, COLS, LW_UI_TITLE, bar);
    attrset(A_NORMAL);
}

static void
draw_too_small(void)
{
    char msg[256];
    int y = LINES / 2 - 1;

    erase();
    snprintf(msg, sizeof(msg),
             /* TRANSLATORS: %d×%d is the terminal's width×height now; use
              * %1$d and %2$d to reorder. */
             _("The terminal is too small (need 80\u00d724, have "
               "%d\u00d7%d)."),
             COLS, LINES);
    lw_ui_para(&drv->w.ui, stdscr, y > 0 ? y : 0, 1, COLS - 2, LINES,
               LW_UI_WARN, msg);
    lw_ui_para(&drv->w.ui, stdscr, y + 2 < LINES ? y + 2 : 0, 1, COLS - 2,
               2, LW_UI_NORMAL,
               _("Make the window larger to go on, or press Ctrl-Q to "
                 "quit."));
    curs_set(0);
    wnoutrefresh(stdscr);
    doupdate();
}

/* ---- the language menu (F2) ---- */

/* List English and every catalog found, the one in use selected.  The
 * directory is read here, on F2, never while drawing. */
static void
open_lang_menu(void)
{
    char cur[LW_LANG_MAX];
    size_t n, i;

    snprintf(drv->langs[0], LW_LANG_MAX, "en");
    n = 1 + lw_nls_languages(drv->langs + 1, LANGS_MAX - 1);
    lw_nls_current(cur, sizeof(cur));
    drv->lang.n = (int)n;
    drv->lang.sel = 0;
    for (i = 0; i < n; i++)
        if (strcmp(drv->langs[i], cur) == 0)
            drv->lang.sel = (int)i;
    drv->lang_menu = true;
}

/* Switch to the chosen language.  Everything typed stays where it is:
 * the steps keep their state, their static text is translated when drawn
 * and what they made earlier is made again (relang). */
static void
choose_lang(void)
{
    struct lw_wiz *w = &drv->w;
    const char *code = drv->langs[drv->lang.sel];
    int s;

    drv->lang_menu = false;
    if (!lw_nls_set_language(code)) {
        lw_wiz_status(w, true,
                      /* TRANSLATORS: %s is a language's own name (e.g.
                       * Deutsch). */
                      _("%s cannot be shown here: the system has no UTF-8 "
                        "locale for messages."),
                      lw_nls_language_name(code));
        return;
    }
    w->status[0] = '\0';
    for (s = 0; s < LW_STEP_COUNT; s++)
        if (step_ops[s]->relang != NULL)
            step_ops[s]->relang(w, drv->priv[s]);
    clearok(curscr, TRUE);
}

static void
draw_lang_menu(void)
{
    const struct lw_ui *ui = &drv->w.ui;
    WINDOW *win = drv->content;
    int width = drv->content_cols - 1, y = 0, i;

    y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL,
                    _("The language of the wizard (what you typed is "
                      "kept):")) + 1;
    for (i = 0; i < drv->lang.n && y < drv->content_rows; i++)
        lw_choice_item(ui, win, y++, 2, width - 2, i == drv->lang.sel, true,
                       lw_nls_language_name(drv->langs[i]));
    if (drv->lang.n == 1 && y + 1 < drv->content_rows) {
        char line[512];
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: %s is a directory. */
                 _("No translations were found in %s."),
                 lw_nls_localedir());
        lw_ui_para(ui, win, y + 1, 0, width, 3, LW_UI_DIM, line);
    }
}

static void
lang_key(const struct lw_key *k)
{
    if (lw_choice_key(&drv->lang, k))
        return;
    switch (k->act) {
    case LW_ACT_NEXT:
        choose_lang();
        break;
    case LW_ACT_BACK:
    case LW_ACT_LANG:
    case LW_ACT_QUIT:
        drv->lang_menu = false;
        break;
    default:
        break;
    }
}

static void
draw(void)
{
    const struct lw_step_ops *ops = cur_ops();
    struct lw_wiz *w = &drv->w;
    bool text = false;

    w->dirty = false;
    drv->too_small = COLS < MIN_COLS || LINES < MIN_ROWS;
    if (drv->too_small) {
        draw_too_small();
        return;
    }
    make_content();
    erase();
    if (!ops->wide)
        draw_side();
    lw_ui_put(&w->ui, stdscr, 1, ops->wide ? 0 : side_cols() + 2,
              COLS - (ops->wide ? 0 : side_cols() + 2), LW_UI_HEAD,
              /* TRANSLATORS: heading of the language menu (F2). */
              drv->lang_menu ? _("Language") : _(ops->title));
    draw_bars();
    wnoutrefresh(stdscr);
    if (drv->content == NULL)
        goto out;
    werase(drv->content);
    if (drv->lang_menu) {
        draw_lang_menu();
    } else if (drv->help) {
        lw_ui_para(&w->ui, drv->content, 0, 0, drv->content_cols - 1,
                   drv->content_rows, LW_UI_NORMAL, _(ops->help));
    } else {
        text = ops->text_mode != NULL && ops->text_mode(w, drv->priv[drv->cur]);
        ops->draw(w, drv->priv[drv->cur], drv->content);
    }
    curs_set(text && !drv->confirm_quit && !drv->lang_menu ? 1 : 0);
    wnoutrefresh(drv->content);
out:
    doupdate();
}

static void
on_idle(struct lw_loop *loop, void *ud)
{
    (void)loop;
    (void)ud;
    if (drv->w.dirty && !drv->w.quit)
        draw();
}

/* ---- input ---- */

static void
do_resize(void)
{
    struct winsize ws;

    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
        ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    clearok(curscr, TRUE);
    drv->w.dirty = true;
}

static void
handle_key(int rc, wint_t wc, bool burst)
{
    const struct lw_step_ops *ops = cur_ops();
    struct lw_wiz *w = &drv->w;
    bool text;
    struct lw_key k;

    if (rc == KEY_CODE_YES && wc == KEY_RESIZE) {
        do_resize();
        return;
    }
    text = !drv->help && !drv->lang_menu && !drv->confirm_quit &&
           !drv->too_small && ops->text_mode != NULL &&
           ops->text_mode(w, drv->priv[drv->cur]);
    k = lw_keys_map(rc, wc, text);
    k.burst = burst;
    w->dirty = true;
    if (k.act == LW_ACT_CANCEL) {
        interrupt();
        return;
    }
    if (k.act == LW_ACT_REDRAW) {
        clearok(curscr, TRUE);
        return;
    }
    if (drv->confirm_quit) {
        if (k.ch == L'y' || k.ch == L'Y') {
            lw_wiz_stop_job(w);
            lw_wiz_finish(w, LW_WIZARD_QUIT, "%s", "");
        } else if (k.act != LW_ACT_NONE) {
            drv->confirm_quit = false;
        }
        return;
    }
    if (drv->too_small) {
        if (k.act == LW_ACT_QUIT)
            request_quit();
        return;
    }
    if (drv->lang_menu) {
        lang_key(&k);
        return;
    }
    if (k.act == LW_ACT_LANG) {
        drv->help = false;
        open_lang_menu();
        return;
    }
    if (drv->help) {
        if (k.act == LW_ACT_BACK || k.act == LW_ACT_HELP ||
            k.act == LW_ACT_NEXT || k.act == LW_ACT_QUIT)
            drv->help = false;
        return;
    }
    if (ops->key != NULL &&
        ops->key(w, drv->priv[drv->cur], &k) == LW_KEY_HANDLED)
        return;
    switch (k.act) {
    case LW_ACT_NEXT:
        go_next();
        break;
    case LW_ACT_BACK:
        go_back();
        break;
    case LW_ACT_HELP:
        drv->help = true;
        break;
    case LW_ACT_QUIT:
        request_quit();
        break;
    default:
        break;
    }
}

#define KEYS_MAX 8192

static void
on_stdin(struct lw_loop *loop, int fd, unsigned revents, void *ud)
{
    static int rcs[KEYS_MAX];
    static wint_t wcs[KEYS_MAX];
    int n = 0, i, rc;
    wint_t wc;

    (void)loop;
    (void)fd;
    (void)ud;
    /* Drain everything there is: keys that arrive together are a paste
     * (Enter inside a paste is a newline, not "next"). */
    while (n < KEYS_MAX && (rc = wget_wch(stdscr, &wc)) != ERR) {
        rcs[n] = rc;
        wcs[n] = wc;
        n++;
    }
    if (n == 0 && (revents & LW_IO_READ)) {
        /* Readable but nothing to read: the terminal is gone. */
        char c;
        if (read(STDIN_FILENO, &c, 0) < 0 || !isatty(STDIN_FILENO)) {
            interrupt();
            return;
        }
    }
    for (i = 0; i < n && !drv->w.quit; i++)
        handle_key(rcs[i], wcs[i], n > 1);
}

static void
on_signal(struct lw_loop *loop, int signo, void *ud)
{
    (void)loop;
    (void)ud;
    if (signo == SIGWINCH)
        do_resize();
    else
        interrupt();
}

static void
on_tick(struct lw_loop *loop, void *ud)
{
    const struct lw_step_ops *ops = cur_ops();

    (void)ud;
    drv->tick = lw_loop_timer(loop, 1000, on_tick, NULL);
    if (ops->event != NULL)
        ops->event(&drv->w, drv->priv[drv->cur], LW_EV_TICK);
}

/* ---- start and end ---- */

/* An nginx server block already proxying to one of the profile's
 * tracking hosts (nginx -T), when there is no saved state to say so. */
static void
detect_nginx(struct lw_wiz *w)
{
    struct lw_nginx_config cfg = {NULL, 0};
    struct lw_buf dump = LW_BUF_INIT;
    const struct lw_profile *p = w->opts->profile;
    size_t i, j;

    if (!w->opts->run_nginx || lw_nginx_dump(&dump, NULL) != LW_OK ||
        lw_nginx_parse(dump.data, dump.len, "nginx -T", &cfg, NULL) != LW_OK)
        goto out;
    for (i = 0; i < cfg.n && w->nginx_domain[0] == '\0'; i++) {
        const struct lw_nginx_server *s = &cfg.servers[i];
        if (s->proxy_pass == NULL || s->names == NULL || s->names[0] == NULL)
            continue;
        for (j = 0; j < p->n_regions; j++) {
            if (strstr(s->proxy_pass, p->regions[j].origin) == NULL ||
                !lw_domain_is_normalized(s->names[0]))
                continue;
            snprintf(w->nginx_domain, sizeof(w->nginx_domain), "%s",
                     s->names[0]);
            snprintf(w->nginx_where, sizeof(w->nginx_where), "%s:%u",
                     s->file != NULL ? s->file : "?", s->line);
            break;
        }
    }
out:
    lw_nginx_config_free(&cfg);
    lw_buf_free(&dump);
}

static enum lw_status
wiz_init(struct lw_wiz *w, const struct lw_wizard_opts *opts,
         struct lw_wizard_result *res, struct lw_err *err)
{
    struct lw_err lerr;
    enum lw_status st;
    const char *cs;

    w->opts = opts;
    w->res = res;
    lw_config_init(&w->cfg);
    lw_state_init(&w->old);
    lw_buf_init(&w->csr_pem);
    lw_buf_init(&w->cert_data);
    lw_buf_init(&w->changes);
    w->cfg.method = LW_METHOD_NGINX;
    if (opts->profile->n_regions > 0 &&
        (w->cfg.region = strdup(opts->profile->regions[0].key)) == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));

    cs = nl_langinfo(CODESET);
    w->ui.utf8 = cs != NULL && (strcmp(cs, "UTF-8") == 0 ||
                                strcmp(cs, "utf8") == 0);
    w->ui.color = !opts->no_color;

    lw_err_clear(&lerr);
    st = lw_state_load(opts->state_path, &w->old, &lerr);
    if (st == LW_OK) {
        w->have_old = true;
        lw_config_free(&w->cfg);
        lw_config_init(&w->cfg);
        st = lw_config_copy(&w->cfg, &w->old.config, err);
        if (st != LW_OK)
            return st;
        w->have_dom = lw_domain_parse(w->cfg.domain, &w->dom, NULL) == LW_OK;
    } else if (st != LW_ERR_NOTFOUND) {
        snprintf(w->old_problem, sizeof(w->old_problem), "%s", lerr.msg);
    } else {
        detect_nginx(w);
    }
    return LW_OK;
}

static void
wiz_free(struct lw_wiz *w)
{
    lw_wiz_stop_job(w);
    if (w->check != NULL)
        lw_check_free(w->check);
    w->check = NULL;
    lw_config_free(&w->cfg);
    lw_state_free(&w->old);
    lw_buf_free(&w->csr_pem);
    lw_buf_free_secure(&w->cert_data);
    lw_buf_free(&w->changes);
}

static enum lw_status
start_curses(struct driver *d, struct lw_err *err)
{
    /* A short ESC delay: Esc is "back", and people press it often. */
    set_escdelay(25);
    d->screen = newterm(NULL, stdout, stdin);
    if (d->screen == NULL)
        return lw_err_set(err, LW_ERR_EXTERNAL,
                          _("cannot start the terminal screen (TERM=%s)"),
                          getenv("TERM") != NULL ? getenv("TERM") : "");
    raw(); /* Ctrl-C and Ctrl-Q arrive as keys */
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    lw_ui_init(&d->w.ui);
    return LW_OK;
}

enum lw_status
lw_wizard_run(const struct lw_wizard_opts *opts, struct lw_wizard_result *res,
              struct lw_err *err)
{
    static const int sigs[] = {SIGWINCH, SIGINT, SIGTERM, SIGHUP};
    struct driver d;
    enum lw_status st;
    size_t i;
    int s;

    memset(&d, 0, sizeof(d));
    memset(res, 0, sizeof(*res));
    res->end = LW_WIZARD_QUIT;
    drv = &d;
    st = wiz_init(&d.w, opts, res, err);
    if (st != LW_OK)
        goto out;
    for (s = 0; s < LW_STEP_COUNT; s++) {
        if (step_ops[s]->priv_size == 0)
            continue;
        d.priv[s] = calloc(1, step_ops[s]->priv_size);
        if (d.priv[s] == NULL) {
            st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
            goto out;
        }
    }
    st = lw_loop_new(&d.w.loop, err);
    if (st != LW_OK)
        goto out;
    /* Our SIGWINCH handler goes in before curses starts, so curses keeps
     * out of it and the loop sees every resize. */
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        st = lw_loop_signal(d.w.loop, sigs[i], on_signal, NULL, err);
        if (st != LW_OK)
            goto out;
    }
    st = start_curses(&d, err);
    if (st != LW_OK)
        goto out;
    st = lw_loop_watch(d.w.loop, STDIN_FILENO, LW_IO_READ, on_stdin, NULL,
                       err);
    if (st != LW_OK)
        goto out;
    lw_loop_set_idle(d.w.loop, on_idle, NULL);
    d.tick = lw_loop_timer(d.w.loop, 1000, on_tick, NULL);
    d.cur = LW_STEP_WELCOME;
    if (step_ops[d.cur]->enter != NULL)
        step_ops[d.cur]->enter(&d.w, d.priv[d.cur], false);
    d.w.dirty = true;
    draw();
    st = lw_loop_run(d.w.loop, err);
out:
    lw_wiz_stop_job(&d.w);
    if (d.screen != NULL) {
        if (d.content != NULL)
            delwin(d.content);
        curs_set(1);
        endwin();
        delscreen(d.screen);
    }
    for (s = 0; s < LW_STEP_COUNT; s++) {
        if (d.priv[s] != NULL && step_ops[s]->fini != NULL)
            step_ops[s]->fini(&d.w, d.priv[s]);
        free(d.priv[s]);
    }
    wiz_free(&d.w);
    if (d.w.loop != NULL)
        lw_loop_free(d.w.loop); /* puts the signal handlers back */
    drv = NULL;
    return st;
}
