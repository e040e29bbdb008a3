/* step_cloudfront.c - Amazon CloudFront: the files for ACM and the import
 * command (or the request in ACM, where no key leaves AWS), the ACM
 * certificate ARN asked for and checked, the distribution config written
 * and the command and console steps to create it, then the
 * distribution's domain asked for.  Each answer is saved by a setup run
 * in the worker, so "q" at any point leaves a setup the next run resumes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "lw/cloudfront.h"
#include "lw/nls.h"
#include "lw/ui/step.h"

enum cf_phase {
    CF_WRITING, /* a setup run in the worker */
    CF_ARN,     /* the certificate into ACM; the ARN asked for */
    CF_DIST,    /* the distribution; its domain asked for */
    CF_READY,   /* all saved: Enter goes to the DNS record */
    CF_FAILED
};

struct cf_step {
    enum cf_phase phase, after; /* after: the phase a run leads to */
    struct lw_input arn, dist;
    struct lw_view view;
    struct lw_buf text;    /* what the phase shows (unwrapped) */
    struct lw_buf wrapped; /* text wrapped to wrapped_width */
    int wrapped_width;
    int text_width; /* the width build_text laid commands out for */
    struct lw_buf notices;
    struct lw_err err;
    char msg[LW_ERR_MSG_MAX + LW_ERR_HINT_MAX];
};

static bool
requested(const struct lw_wiz *w)
{
    return w->cf_request;
}

/* A command for the screen: one option a line, ending in " \\", so it
 * pastes into a shell whole on a narrow terminal; a value too long for
 * the line goes on a line of its own. */
static void
put_cmd(struct lw_buf *out, const char *cmd, int width)
{
    const char *p = cmd, *next, *sp;
    size_t n;

    while (p != NULL && *p != '\0') {
        next = strstr(p + 1, " --");
        n = next != NULL ? (size_t)(next - p) : strlen(p);
        sp = memchr(p, ' ', n);
        lw_buf_puts(out, p == cmd ? "" : "  ");
        if (p != cmd && sp != NULL && (int)n + 4 > width) {
            lw_buf_append(out, p, (size_t)(sp - p));
            lw_buf_puts(out, " \\\n    ");
            lw_buf_append(out, sp + 1, n - (size_t)(sp - p) - 1);
        } else {
            lw_buf_append(out, p, n);
        }
        lw_buf_puts(out, next != NULL ? " \\\n" : "\n");
        p = next != NULL ? next + 1 : NULL;
    }
}

static void
build_text(struct lw_wiz *w, struct cf_step *p)
{
    const struct lw_region *reg =
        lw_profile_region(w->opts->profile, w->cfg.region);
    struct lw_buf cmd = LW_BUF_INIT;
    struct lw_cf_paths cp;

    lw_buf_reset(&p->text);
    p->wrapped_width = 0;
    p->view.top = 0;
    if (lw_cloudfront_paths(w->cfg.domain, &cp, NULL) != LW_OK)
        return;
    if (p->phase == CF_ARN && !requested(w)) {
        lw_buf_printf(&p->text,
                      _("The certificate and the files ACM wants are in "
                        "place: %s (the certificate alone), %s (the "
                        "intermediates) and the key %s.\n\n"),
                      cp.leaf, cp.chain, w->paths.key);
        lw_buf_printf(&p->text,
                      _("Import them into ACM in %s (CloudFront only uses "
                        "certificates from there):\n"),
                      LW_CF_ACM_REGION);
        lw_cloudfront_import_cmd(&cp, w->paths.key, true, &cmd);
        put_cmd(&p->text, cmd.data != NULL ? cmd.data : "", p->text_width);
        lw_buf_printf(&p->text, "\n%s\n",
                      _("It prints the certificate's ARN (CertificateArn): "
                        "paste it below. In the console: Certificate "
                        "Manager, region N. Virginia, Import, with the "
                        "same three files."));
    } else if (p->phase == CF_ARN) {
        lw_buf_printf(&p->text,
                      _("Request the certificate in ACM in %s (CloudFront "
                        "only uses certificates from there), validated by "
                        "DNS. Its private key is made in AWS and never "
                        "leaves it; nothing is written here.\n"),
                      LW_CF_ACM_REGION);
        lw_cloudfront_request_cmd(w->cfg.domain, &cmd);
        put_cmd(&p->text, cmd.data != NULL ? cmd.data : "", p->text_width);
        lw_buf_printf(&p->text, "\n%s\n",
                      _("Create the validation CNAME record ACM shows, wait "
                        "until the certificate is Issued, then paste its ARN "
                        "below."));
    } else if (p->phase == CF_DIST || p->phase == CF_READY) {
        lw_buf_printf(&p->text,
                      _("The distribution config is written to %s. Create "
                        "the distribution from it:\n"),
                      cp.json);
        lw_cloudfront_create_cmd(&cp, &cmd);
        put_cmd(&p->text, cmd.data != NULL ? cmd.data : "", p->text_width);
        lw_buf_putc(&p->text, '\n');
        lw_cloudfront_console_steps(&w->cfg, reg != NULL ? reg->origin : "?",
                                    &p->text);
        lw_buf_printf(&p->text, "\n%s\n",
                      _("The viewer side's security policy TLSv1.2_2021 is "
                        "not the origin's protocol TLSv1.2: CloudFront names "
                        "viewer settings as policies (TLS 1.2 or newer with "
                        "strong ciphers only), origin settings as "
                        "protocols."));
    }
    lw_buf_free(&cmd);
}

/* Terminal columns of the next character at s (at most n bytes); *len
 * gets its byte length.  Double-width (CJK) characters count 2; a byte
 * that is not valid UTF-8 counts 1. */
static size_t
char_cols(const char *s, size_t n, size_t *len)
{
    mbstate_t ps;
    wchar_t wc;
    size_t k;
    int w;

    memset(&ps, 0, sizeof(ps));
    k = mbrtowc(&wc, s, n, &ps);
    if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
        *len = 1;
        return 1;
    }
    *len = k;
    w = wcwidth(wc);
    return w < 0 ? 1 : (size_t)w;
}

/* Terminal columns (not bytes, not characters) of s[0..n). */
static size_t
chars_in(const char *s, size_t n)
{
    size_t i = 0, c = 0, k;

    while (i < n) {
        c += char_cols(s + i, n - i, &k);
        i += k;
    }
    return c;
}

/* Byte length of the longest start of s[0..n) that fits in max columns,
 * never cutting a character. */
static size_t
bytes_for(const char *s, size_t n, size_t max)
{
    size_t i = 0, c = 0, k, w;

    while (i < n) {
        w = char_cols(s + i, n - i, &k);
        if (c + w > max)
            break;
        c += w;
        i += k;
    }
    return i;
}

/* Wrap the text to width columns at spaces (or anywhere in text without
 * spaces, such as Japanese) (continuation lines
 * indented), keeping command lines (ending in " \") as they are. */
static void
wrap_text(struct cf_step *p, int width)
{
    const char *s = p->text.data, *nl;

    if (p->wrapped_width == width || width < 20)
        return;
    lw_buf_reset(&p->wrapped);
    p->wrapped_width = width;
    for (; s != NULL && *s != '\0'; s = nl != NULL ? nl + 1 : NULL) {
        size_t len, room = (size_t)width, lead = 0;
        nl = strchr(s, '\n');
        len = nl != NULL ? (size_t)(nl - s) : strlen(s);
        while (lead < len && s[lead] == ' ')
            lead++;
        if (lead + 1 < len && s[lead] == '-' && s[lead + 1] == ' ')
            lead += 2;
        if (len > 0 && s[len - 1] == '\\') {
            lw_buf_append(&p->wrapped, s, len);
            lw_buf_putc(&p->wrapped, '\n');
            continue;
        }
        while (chars_in(s, len) > room) {
            size_t cut = bytes_for(s, len, room), brk = cut;
            while (brk > 0 && s[brk] != ' ')
                brk--;
            if (brk == 0)
                brk = cut;
            lw_buf_append(&p->wrapped, s, brk);
            lw_buf_printf(&p->wrapped, "\n%*s", (int)lead, "");
            while (brk < len && s[brk] == ' ')
                brk++;
            s += brk;
            len -= brk;
            room = (size_t)width - lead;
        }
        lw_buf_append(&p->wrapped, s, len);
        lw_buf_putc(&p->wrapped, '\n');
    }
}

/* Save what the operator gave so far (a setup run in the worker). */
static void
run_setup(struct lw_wiz *w, struct cf_step *p, enum cf_phase after)
{
    lw_buf_reset(&p->notices);
    lw_err_clear(&p->err);
    p->after = after;
    p->phase = CF_WRITING;
    if (lw_wiz_start_setup(w, LW_STEP_CLOUDFRONT, !requested(w), &p->err) !=
        LW_OK)
        p->phase = CF_FAILED;
}

static void
cf_enter(struct lw_wiz *w, void *priv, bool back)
{
    struct cf_step *p = priv;

    if (back && p->phase != CF_FAILED && p->phase != CF_WRITING)
        return;
    p->msg[0] = '\0';
    lw_input_set(&p->arn, w->cfg.acm_certificate_arn != NULL
                              ? w->cfg.acm_certificate_arn
                              : "");
    lw_input_set(&p->dist, w->cfg.distribution_domain != NULL
                               ? w->cfg.distribution_domain
                               : "");
    if (requested(w)) {
        p->phase = CF_ARN;
        build_text(w, p);
        return;
    }
    /* The certificate and the files for ACM go in first: the import
     * command names them. */
    run_setup(w, p, CF_ARN);
}

static void
cf_event(struct lw_wiz *w, void *priv, enum lw_event ev)
{
    struct cf_step *p = priv;

    if (ev != LW_EV_JOB || w->job == NULL || p->phase != CF_WRITING)
        return;
    if (!lw_job_finished(w->job)) {
        lw_job_take_notices(w->job, &p->notices);
        return;
    }
    if (lw_wiz_setup_finished(w, &p->notices, &p->err) == LW_OK) {
        p->phase = p->after;
        build_text(w, p);
    } else {
        p->phase = CF_FAILED;
    }
}

static void
cf_draw(struct lw_wiz *w, void *priv, WINDOW *win)
{
    struct cf_step *p = priv;
    const struct lw_ui *ui = &w->ui;
    int width = getmaxx(win), height = getmaxy(win), y = 0, vh, fy;
    char line[LW_ERR_MSG_MAX + LW_ERR_HINT_MAX + 8];
    const char *s, *nl;

    switch (p->phase) {
    case CF_WRITING:
        lw_ui_put(ui, win, 0, 0, width, LW_UI_HEAD,
                  _("Writing the files and saving the setup…"));
        return;
    case CF_FAILED:
        snprintf(line, sizeof(line), "%s %s", lw_ui_glyph(ui, LW_G_FAIL),
                 p->err.msg);
        y += lw_ui_para(ui, win, y, 0, width, 8, LW_UI_FAIL, line) + 1;
        if (p->err.hint[0] != '\0')
            y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL,
                            p->err.hint) + 1;
        lw_ui_para(ui, win, y, 0, width, 3, LW_UI_NORMAL,
                   _("Every file was left as it was. Enter tries again; Esc "
                     "goes back."));
        return;
    default:
        break;
    }
    /* Notices of the last run (warnings first: the key rule). */
    for (s = p->notices.data; s != NULL && *s == '!'; s = nl + 1) {
        nl = strchr(s, '\n');
        snprintf(line, sizeof(line), "%.*s",
                 (int)(nl != NULL ? nl - s - 1 : (long)strlen(s + 1)), s + 1);
        y += lw_ui_para(ui, win, y, 0, width, 3, LW_UI_WARN, line);
        if (nl == NULL)
            break;
    }
    if (p->text_width != width - 1) {
        /* Layout, not I/O: the commands are laid out for this width. */
        p->text_width = width - 1;
        build_text(w, p);
    }
    wrap_text(p, width - 1);
    vh = height - y - (p->phase == CF_READY ? 2 : 4);
    lw_view_draw(ui, &p->view, win, y, 0, vh, width, LW_UI_NORMAL,
                 p->wrapped.data);
    y += vh + 1;
    if (p->phase == CF_READY) {
        lw_ui_put(ui, win, y, 0, width, LW_UI_OK,
                  _("Saved. Enter shows the DNS record to create."));
        return;
    }
    lw_ui_put(ui, win, y++, 0, width, LW_UI_NORMAL,
              p->phase == CF_ARN
                  ? _("ACM certificate ARN (arn:aws:acm:us-east-1:…):")
                  : _("Distribution domain name (dXXXX.cloudfront.net):"));
    fy = y++;
    if (p->msg[0] != '\0')
        lw_ui_put(ui, win, y, 0, width, LW_UI_FAIL, p->msg);
    lw_input_draw(ui, p->phase == CF_ARN ? &p->arn : &p->dist, win, fy, 0,
                  width - 1, true);
}

static enum lw_key_ret
cf_key(struct lw_wiz *w, void *priv, const struct lw_key *k)
{
    struct cf_step *p = priv;

    (void)w;
    if (p->phase == CF_ARN || p->phase == CF_DIST) {
        if (lw_input_key(p->phase == CF_ARN ? &p->arn : &p->dist, k)) {
            p->msg[0] = '\0';
            return LW_KEY_HANDLED;
        }
    }
    if (lw_view_key(&p->view, k, lw_view_lines(p->wrapped.data), 10))
        return LW_KEY_HANDLED;
    return LW_KEY_UNHANDLED;
}

static bool
take(char **dst, const char *v)
{
    char *c = strdup(v);

    if (c == NULL)
        return false;
    free(*dst);
    *dst = c;
    return true;
}

static enum lw_step_id
cf_next(struct lw_wiz *w, void *priv)
{
    struct cf_step *p = priv;
    char v[4 * LW_INPUT_MAX + 1];
    struct lw_err err;

    lw_err_clear(&err);
    switch (p->phase) {
    case CF_FAILED:
        cf_enter(w, p, false);
        return LW_STEP_NONE;
    case CF_ARN:
        lw_input_get(&p->arn, v, sizeof(v));
        if (lw_cloudfront_check_arn(v, &err) != LW_OK) {
            snprintf(p->msg, sizeof(p->msg), "%s", err.msg);
            return LW_STEP_NONE;
        }
        if (!take(&w->cfg.acm_certificate_arn, v))
            return LW_STEP_NONE;
        w->unsaved = true;
        run_setup(w, p, CF_DIST);
        return LW_STEP_NONE;
    case CF_DIST: {
        char lower[sizeof(v)];
        size_t i;

        lw_input_get(&p->dist, v, sizeof(v));
        /* As copied: case and a trailing dot forgiven. */
        for (i = 0; v[i] != '\0' && i + 1 < sizeof(lower); i++)
            lower[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
        lower[i] = '\0';
        if (i > 0 && lower[i - 1] == '.')
            lower[i - 1] = '\0';
        if (lw_cloudfront_check_dist(lower, &err) != LW_OK) {
            snprintf(p->msg, sizeof(p->msg), "%s", err.msg);
            return LW_STEP_NONE;
        }
        if (!take(&w->cfg.distribution_domain, lower))
            return LW_STEP_NONE;
        w->unsaved = true;
        run_setup(w, p, CF_READY);
        return LW_STEP_NONE;
    }
    case CF_READY:
        return LW_STEP_DNS;
    default:
        lw_wiz_status(w, false, "%s",
                      _("Please wait: the files are being written."));
        return LW_STEP_NONE;
    }
}

static bool
cf_text(struct lw_wiz *w, void *priv)
{
    struct cf_step *p = priv;

    (void)w;
    return p->phase == CF_ARN || p->phase == CF_DIST;
}

static const char *
cf_hints(struct lw_wiz *w, void *priv)
{
    (void)w;
    (void)priv;
    return _("\u2191\u2193 PgUp/PgDn scroll");
}

static void
cf_fini(struct lw_wiz *w, void *priv)
{
    struct cf_step *p = priv;

    (void)w;
    lw_buf_free(&p->text);
    lw_buf_free(&p->wrapped);
    lw_buf_free(&p->notices);
}

const struct lw_step_ops lw_step_cloudfront = {
    .name = N_("CloudFront"),
    .title = N_("Amazon CloudFront"),
    .help = N_("linkwiz does not call AWS: it writes what AWS needs and "
               "shows the commands (AWS CLI) and the console steps.\n\n"
               "1. The certificate goes into ACM in us-east-1, the only "
               "region CloudFront takes certificates from: imported from "
               "the files linkwiz wrote, or requested in ACM (then the key "
               "never leaves AWS).  Paste the ARN ACM gives it.\n\n"
               "2. The distribution: one origin, the provider's tracking "
               "host over HTTPS (TLSv1.2); all methods; legacy cache "
               "settings forwarding all headers, query strings and cookies "
               "(the tracking host must see the link domain as Host, or "
               "every click fails with \"Invalid link security token\"); "
               "nothing cached; HTTP and HTTPS for viewers; the link domain "
               "as its alternate name, with the ACM certificate.  Paste "
               "the distribution's domain name it gets.\n\n"
               "Each answer is saved at once: quitting here and running "
               "linkwiz again continues.  Keys: type or paste, Enter "
               "checks it, arrows and PgUp/PgDn scroll."),
    .priv_size = sizeof(struct cf_step),
    .wide = true,
    .enter = cf_enter,
    .draw = cf_draw,
    .key = cf_key,
    .event = cf_event,
    .next = cf_next,
    .text_mode = cf_text,
    .hints = cf_hints,
    .fini = cf_fini,
};
