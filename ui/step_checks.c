/* step_checks.c - the live checks: the table fills in as results arrive
 * (the check engine runs on the same loop); r reruns, w watches (reruns
 * every few seconds, with a countdown, until everything passes), a shows
 * the per-resolver view; detail and hint of the selected check below. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lw/nls.h"
#include "lw/report.h"
#include "lw/ui/step.h"

#define WATCH_SECONDS 10
#define RESOLVERS_MAX 16

struct checks_step {
    int sel;
    bool resolvers;     /* the per-resolver view */
    bool watch;
    int countdown;      /* seconds to the next run while watching */
    unsigned runs;
    struct lw_dns_server servers[RESOLVERS_MAX];
    size_t n_servers;
    struct lw_buf changes; /* what changed since the last check */
    char problem[LW_ERR_MSG_MAX];
    char saved[LW_ERR_MSG_MAX]; /* why the results were not saved */
};

static struct checks_step *cur_p; /* for the engine's callbacks */

static void
on_result(void *ud, const struct lw_check_result *r)
{
    struct lw_wiz *w = ud;

    (void)r;
    lw_wiz_dirty(w);
}

/* Keep the results with the saved setup (as `linkwiz check` does), so the
 * next run can say what changed. */
static void
store_results(struct lw_wiz *w, struct checks_step *p)
{
    struct lw_lock *lock = NULL;
    struct lw_err err;

    lw_err_clear(&err);
    p->saved[0] = '\0';
    if (lw_lock_acquire(w->opts->state_path, 0, &lock, &err) != LW_OK ||
        lw_report_store(w->check, &w->old, time(NULL), &err) != LW_OK ||
        lw_state_save(w->opts->state_path, &w->old, &err) != LW_OK)
        snprintf(p->saved, sizeof(p->saved),
                 _("The results were not saved: %s"), err.msg);
    lw_lock_release(lock);
}

static void
on_done(void *ud, struct lw_check_run *run)
{
    struct lw_wiz *w = ud;
    struct checks_step *p = cur_p;

    (void)run;
    w->check_done = true;
    if (p != NULL) {
        lw_buf_reset(&p->changes);
        lw_report_changes(w->check, &w->old, &p->changes);
        store_results(w, p);
        if (p->watch) {
            if (lw_check_overall(w->check) == LW_CHECK_PASS) {
                p->watch = false;
                lw_wiz_status(w, false, "%s",
                              _("Every check passes: watching stopped."));
            } else {
                p->countdown = WATCH_SECONDS;
            }
        }
    }
    lw_wiz_dirty(w);
}

/* Start a run on the saved setup (read again: a run before may have
 * changed it).  The old run goes first: it points into w->old. */
static void
start_run(struct lw_wiz *w, struct checks_step *p)
{
    struct lw_check_opts o;
    struct lw_err err;
    size_t i;

    if (w->check != NULL)
        lw_check_free(w->check);
    w->check = NULL;
    w->check_done = false;
    lw_wiz_reload_state(w);
    p->problem[0] = '\0';
    if (!w->have_old || w->old.phase != LW_PHASE_INSTALLED) {
        snprintf(p->problem, sizeof(p->problem), "%s",
                 _("There is no installed setup to check yet."));
        return;
    }
    p->n_servers = 0;
    for (i = 0; i < w->opts->n_resolvers && p->n_servers < RESOLVERS_MAX;
         i++)
        if (lw_dns_server_parse(w->opts->resolvers[i],
                                &p->servers[p->n_servers], NULL) == LW_OK)
            p->n_servers++;
    memset(&o, 0, sizeof(o));
    o.state = &w->old;
    o.profile = w->opts->profile;
    o.root = w->opts->root;
    o.resolvers = p->n_servers > 0 ? p->servers : NULL;
    o.n_resolvers = p->n_servers;
    o.connect_to = w->opts->connect_to;
    o.ca_file = w->opts->ca_file;
    o.timeout_ms = w->opts->timeout_ms;
    o.run_nginx = w->opts->run_nginx;
    lw_err_clear(&err);
    if (lw_check_start(w->loop, &o, on_result, on_done, w, &w->check, &err) !=
        LW_OK) {
        snprintf(p->problem, sizeof(p->problem), "%s", err.msg);
        w->check = NULL;
        return;
    }
    p->runs++;
}

static void
checks_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct checks_step *p = priv;

    cur_p = p;
    if (back && w->check != NULL)
        return;
    p->sel = -1;
    p->watch = false;
    start_run(w, p);
}

static void
checks_event(struct lw_wiz *w, void *priv, enum lw_event ev)
{
    struct checks_step *p = priv;

    if (ev != LW_EV_TICK || !p->watch || !w->check_done)
        return;
    if (--p->countdown <= 0)
        start_run(w, p);
    lw_wiz_dirty(w);
}

static enum lw_ui_style
style_of(enum lw_check_status s)
{
    switch (s) {
    case LW_CHECK_PASS:
        return LW_UI_OK;
    case LW_CHECK_WARN:
        return LW_UI_WARN;
    case LW_CHECK_SKIP:
        return LW_UI_DIM;
    default:
        return LW_UI_FAIL;
    }
}

static const char *
glyph_of(const struct lw_ui *ui, const struct lw_check_result *r)
{
    if (!r->done)
        return lw_ui_glyph(ui, LW_G_RUN);
    switch (r->status) {
    case LW_CHECK_PASS:
        return lw_ui_glyph(ui, LW_G_OK);
    case LW_CHECK_WARN:
        return lw_ui_glyph(ui, LW_G_WARN);
    case LW_CHECK_SKIP:
        return "-";
    default:
        return lw_ui_glyph(ui, LW_G_FAIL);
    }
}

/* The check shown below the table: the selected one, else the first
 * that does not pass. */
static int
detail_index(const struct checks_step *p, const struct lw_check_result *res)
{
    int i;

    if (p->sel >= 0)
        return p->sel;
    for (i = 0; i < LW_CK_COUNT; i++)
        if (res[i].done && res[i].status != LW_CHECK_PASS &&
            res[i].status != LW_CHECK_SKIP)
            return i;
    return -1;
}

/* The status column of the table, for people (the check ids beside them
 * stay as they are). */
static const char *
status_text(enum lw_check_status s)
{
    static const char *const words[] = {
        /* TRANSLATORS: a check's status in the wizard's table, one short word
         * (up to 8 columns; a longer one is shortened with "…"). */
        N_("pass"),
        /* TRANSLATORS: a check's status in the wizard's table (see
         * "pass"). */
        N_("warn"),
        /* TRANSLATORS: a check's status in the wizard's table (see
         * "pass"). */
        N_("fail"),
        /* TRANSLATORS: a check's status in the wizard's table (see
         * "pass"). */
        N_("skip"),
        /* TRANSLATORS: a check's status in the wizard's table (see
         * "pass"). */
        N_("error")};

    return _(words[s]);
}

#define STATUS_COLS_MAX 8

static void
draw_table(struct lw_wiz *w, struct checks_step *p, WINDOW *win, int y)
{
    const struct lw_check_result *res = lw_check_results(w->check);
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), height = getmaxy(win), i, d, sw = 5, xid;
    struct lw_buf below = LW_BUF_INIT;

    /* The status column is as wide as its widest word in this language. */
    for (i = LW_CHECK_PASS; i <= LW_CHECK_ERROR; i++)
        if (lw_ui_cols(ui, status_text((enum lw_check_status)i)) > sw)
            sw = lw_ui_cols(ui, status_text((enum lw_check_status)i));
    if (sw > STATUS_COLS_MAX)
        sw = STATUS_COLS_MAX;
    xid = 2 + sw + 1;
    for (i = 0; i < LW_CK_COUNT; i++) {
        const struct lw_check_result *r = &res[i];
        int x = 0;
        bool sel = i == p->sel;
        lw_ui_put(ui, win, y, x, 2, r->done ? style_of(r->status) : LW_UI_DIM,
                  glyph_of(ui, r));
        x = 2;
        lw_ui_put(ui, win, y, x, sw, r->done ? style_of(r->status) : LW_UI_DIM,
                  r->done ? status_text(r->status) : "");
        x = xid;
        lw_ui_put(ui, win, y, x, 18, sel ? LW_UI_SEL : LW_UI_NORMAL,
                  lw_check_id_word((enum lw_check_id)i));
        x = xid + 18;
        if (r->done)
            lw_ui_put(ui, win, y, x, width - x, LW_UI_NORMAL,
                      r->summary != NULL ? r->summary : "");
        else
            /* TRANSLATORS: a check not finished yet. */
            lw_ui_put(ui, win, y, x, width - x, LW_UI_NORMAL, _("running"));
        y++;
    }
    y++;
    d = detail_index(p, res);
    if (d >= 0 && res[d].done) {
        lw_buf_printf(&below, "%s: ", lw_check_id_word((enum lw_check_id)d));
        if (res[d].detail != NULL)
            lw_buf_printf(&below, "%s\n", res[d].detail);
        else if (res[d].summary != NULL)
            lw_buf_printf(&below, "%s\n", res[d].summary);
        if (res[d].hint != NULL)
            lw_buf_printf(&below, "%s %s\n", lw_ui_glyph(ui, LW_G_ARROW),
                          res[d].hint);
    }
    if (p->changes.len > 0)
        lw_buf_printf(&below, _("Since the last check: %s"), p->changes.data);
    if (p->saved[0] != '\0')
        lw_buf_printf(&below, "%s\n", p->saved);
    if (below.data != NULL)
        lw_ui_para(ui, win, y, 0, width, height - y, LW_UI_NORMAL,
                   below.data);
    lw_buf_free(&below);
}

static void
draw_resolvers(struct lw_wiz *w, WINDOW *win, int y)
{
    const struct lw_ui *ui = &w->ui;
    const struct lw_resolver_view *v;
    int width = getmaxx(win), height = getmaxy(win);
    size_t n = 0, i;
    char line[512];

    v = lw_check_resolvers(w->check, &n);
    if (n == 0) {
        lw_ui_put(ui, win, y, 0, width, LW_UI_DIM,
                  _("No resolver has been asked yet."));
        return;
    }
    for (i = 0; i < n && y < height; i++) {
        lw_ui_put(ui, win, y, 0, 2,
                  v[i].done ? style_of(v[i].status) : LW_UI_DIM,
                  v[i].done ? (v[i].status == LW_CHECK_PASS
                                   ? lw_ui_glyph(ui, LW_G_OK)
                                   : lw_ui_glyph(ui, LW_G_FAIL))
                            : lw_ui_glyph(ui, LW_G_RUN));
        snprintf(line, sizeof(line), "%s%s", v[i].server.label,
                 /* TRANSLATORS: after a resolver's address: this one is
                  * an authoritative name server of the zone.  Keep it
                  * short (the column is 24 wide). */
                 v[i].authoritative ? _(" (auth.)") : "");
        lw_ui_put(ui, win, y, 2, 24, LW_UI_NORMAL, line);
        if (v[i].done && v[i].answer != NULL)
            snprintf(line, sizeof(line), "%s  TTL %u", v[i].answer, v[i].ttl);
        else
            /* TRANSLATORS: a resolver's state in the per-resolver view:
             * it gave no answer / the query is still out. */
            snprintf(line, sizeof(line), "%s",
                     v[i].done ? _("no answer") : _("asking"));
        lw_ui_put(ui, win, y, 27, width - 27, LW_UI_NORMAL, line);
        y++;
    }
}

static void
checks_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct checks_step *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), y = 0;
    const struct lw_check_result *res;
    char line[512];
    int i, done = 0;

    if (w->check == NULL) {
        lw_ui_para(ui, win, 0, 0, width, 6, LW_UI_FAIL,
                   p->problem[0] != '\0' ? p->problem
                                         : _("The checks could not start."));
        return;
    }
    res = lw_check_results(w->check);
    for (i = 0; i < LW_CK_COUNT; i++)
        done += res[i].done;
    if (!w->check_done)
        /* TRANSLATORS: "Checking link.example.com: 4 of 13 done". */
        snprintf(line, sizeof(line), _("Checking %s: %d of %d done"),
                 w->old.config.domain, done, (int)LW_CK_COUNT);
    else if (p->watch)
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: "link.example.com: fail; checking again in
                  * 5 seconds"; the second %s is a translated status word
                  * (pass, warn, fail...).  Use %1$s, %2$s, %3$d to
                  * reorder. */
                 P_("%s: %s; checking again in %d second",
                    "%s: %s; checking again in %d seconds", p->countdown),
                 w->old.config.domain,
                 status_text(lw_check_overall(w->check)), p->countdown);
    else {
        size_t agree = 0, asked = 0;
        lw_check_agreement(w->check, &agree, &asked);
        snprintf(line, sizeof(line),
                 /* TRANSLATORS: "link.example.com: pass in 0.8 s; 3 of 4
                  * resolvers agree": domain, a translated status word,
                  * seconds, how many resolvers give the expected answer,
                  * how many were asked (the plural follows this one).  Use
                  * %1$s ... %5$zu to reorder. */
                 P_("%s: %s in %.1f s; %zu of %zu resolver agrees",
                    "%s: %s in %.1f s; %zu of %zu resolvers agree", asked),
                 w->old.config.domain,
                 status_text(lw_check_overall(w->check)),
                 lw_check_elapsed_ms(w->check) / 1000.0, agree, asked);
    }
    lw_ui_put(ui, win, y++, 0, width, LW_UI_HEAD, line);
    if (p->resolvers)
        draw_resolvers(w, win, y);
    else
        draw_table(w, p, win, y);
}

static enum lw_key_ret
checks_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct checks_step *p = priv;

    switch (k->act) {
    case LW_ACT_UP:
        p->sel = p->sel <= 0 ? 0 : p->sel - 1;
        return LW_KEY_HANDLED;
    case LW_ACT_DOWN:
        p->sel = p->sel + 1 >= LW_CK_COUNT ? LW_CK_COUNT - 1 : p->sel + 1;
        return LW_KEY_HANDLED;
    case LW_ACT_CHAR:
        break;
    default:
        return LW_KEY_UNHANDLED;
    }
    switch (k->ch) {
    case L'r':
        if (w->check == NULL || w->check_done)
            start_run(w, p);
        return LW_KEY_HANDLED;
    case L'w':
        p->watch = !p->watch;
        p->countdown = w->check_done ? 1 : WATCH_SECONDS;
        lw_wiz_status(w, false, "%s",
                      p->watch ? _("Watching: the checks run again every "
                                   "10 seconds until all pass.")
                               : _("Stopped watching."));
        return LW_KEY_HANDLED;
    case L'a':
        p->resolvers = !p->resolvers;
        return LW_KEY_HANDLED;
    default:
        return LW_KEY_UNHANDLED;
    }
}

static enum lw_step_id
checks_next(struct lw_wiz *w, void *priv)
{
    struct checks_step *p = priv;

    (void)w;
    p->watch = false;
    return LW_STEP_DONE;
}

static const char *
checks_hints(struct lw_wiz *w, void *priv)
{
    struct checks_step *p = priv;

    (void)w;
    return p->resolvers ? _("r rerun  w watch  a checks")
                        : _("r rerun  w watch  a resolvers");
}

static void
checks_leave(struct lw_wiz *w, void *priv)
{
    struct checks_step *p = priv;

    (void)w;
    p->watch = false;
}

static void
checks_fini(struct lw_wiz *w, void *priv)
{
    struct checks_step *p = priv;

    (void)w;
    lw_buf_free(&p->changes);
    cur_p = NULL;
}

const struct lw_step_ops lw_step_checks = {
    /* TRANSLATORS: a step's name in the wizard's side list: at most 12
     * columns (6 Japanese characters), or it is shortened with an ellipsis. */
    .name = N_("Checks"),
    .title = N_("Live checks"),
    .help = N_("Every check runs at once: DNS at each resolver, the TLS "
               "handshake and certificate as served, the files, nginx and "
               "the provider's /health page through the proxy.\n\n"
               "A row is pass, warn, fail, skip or error; below the table "
               "is the detail and how to fix the selected check (arrows "
               "select).\n\n"
               "r runs the checks again.  w watches: they run again every "
               "10 seconds until all pass, which is handy while a new DNS "
               "record spreads.  a switches to what each resolver "
               "answers."),
    .priv_size = sizeof(struct checks_step),
    .wide = true, /* room for the summaries */
    .enter = checks_enter,
    .leave = checks_leave,
    .draw = checks_draw,
    .key = checks_key,
    .event = checks_event,
    .next = checks_next,
    .hints = checks_hints,
    .fini = checks_fini,
};
