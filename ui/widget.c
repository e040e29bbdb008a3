/* widget.c - drawing helpers and widgets of the wizard (widget.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lw/ui/step.h"
#include "lw/ui/widget.h"

enum { PAIR_TITLE = 1, PAIR_OK, PAIR_WARN, PAIR_FAIL, PAIR_SEL, PAIR_HEAD };

void
lw_ui_init(struct lw_ui *ui)
{
    if (ui->color && has_colors() && start_color() == OK) {
        use_default_colors();
        init_pair(PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
        init_pair(PAIR_OK, COLOR_GREEN, -1);
        init_pair(PAIR_WARN, COLOR_YELLOW, -1);
        init_pair(PAIR_FAIL, COLOR_RED, -1);
        init_pair(PAIR_SEL, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_HEAD, COLOR_CYAN, -1);
    } else {
        ui->color = false;
    }
}

/* Monochrome keeps every distinction through attributes (and the text
 * itself always says pass/fail): colour only adds. */
attr_t
lw_ui_attr(const struct lw_ui *ui, enum lw_ui_style s)
{
    switch (s) {
    case LW_UI_TITLE:
        return ui->color ? COLOR_PAIR(PAIR_TITLE) | A_BOLD : A_REVERSE;
    case LW_UI_HEAD:
        return ui->color ? COLOR_PAIR(PAIR_HEAD) | A_BOLD : A_BOLD;
    case LW_UI_SEL:
        return ui->color ? COLOR_PAIR(PAIR_SEL) : A_REVERSE;
    case LW_UI_OK:
        return ui->color ? COLOR_PAIR(PAIR_OK) | A_BOLD : A_BOLD;
    case LW_UI_WARN:
        return ui->color ? COLOR_PAIR(PAIR_WARN) | A_BOLD : A_BOLD;
    case LW_UI_FAIL:
        return ui->color ? COLOR_PAIR(PAIR_FAIL) | A_BOLD
                         : A_BOLD | A_UNDERLINE;
    case LW_UI_DIM:
        return A_DIM;
    case LW_UI_FIELD:
        return A_UNDERLINE;
    default:
        return A_NORMAL;
    }
}

const char *
lw_ui_glyph(const struct lw_ui *ui, enum lw_ui_glyph g)
{
    static const char *const utf[] = {"\u2713", "\u2717", "!", "\u2026",
                                      "\u2192", "\u25b8", "(\u2022)", "( )"};
    static const char *const ascii[] = {"+", "x", "!", ".",
                                        "->", ">", "(*)", "( )"};

    return ui->utf8 ? utf[g] : ascii[g];
}

/* ASCII stand-ins for the few non-ASCII characters linkwiz's own texts
 * use; anything else becomes '?'. */
static const char *
ascii_for(unsigned long c)
{
    switch (c) {
    case 0x2026:
        return "...";
    case 0x2192:
        return "->";
    case 0x2190:
        return "<-";
    case 0xd7:
        return "x";
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
    case 0x2212:
        return "-";
    case 0x2018: case 0x2019:
        return "'";
    case 0x201c: case 0x201d: case 0xab: case 0xbb:
        return "\"";
    case 0x2022: case 0x25b8:
        return "*";
    case 0x2713:
        return "+";
    case 0x2717:
        return "x";
    case 0xa0: case 0x2009: case 0x202f:
        return " ";
    default:
        return "?";
    }
}

/* One code point from UTF-8; returns bytes used (1 for an invalid byte,
 * with *cp = 0xFFFD). */
static size_t
utf8_next(const unsigned char *s, size_t len, unsigned long *cp)
{
    unsigned long c = s[0];
    size_t n, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        c &= 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        c &= 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        c &= 0x07;
    } else {
        *cp = 0xfffd;
        return 1;
    }
    if (len < n) {
        *cp = 0xfffd;
        return 1;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF. */
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
        (c >= 0xd800 && c <= 0xdfff)) {
        *cp = 0xfffd;
        return 1;
    }
    *cp = c;
    return n;
}

static bool
is_bidi_control(unsigned long c)
{
    return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
           c == 0x200e || c == 0x200f || c == 0x61c;
}

size_t
lw_ui_decode(const struct lw_ui *ui, const char *s, size_t len, bool stop_nl,
             wchar_t *out, size_t outlen, size_t *used)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;

    if (outlen == 0)
        return 0;
    while (i < len && o + 1 < outlen) {
        unsigned long c;
        size_t n;

        if (p[i] == '\n' && stop_nl)
            break;
        n = utf8_next(p + i, len - i, &c);
        i += n;
        if (c == '\t')
            c = ' ';
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
            c == 0xfffd || is_bidi_control(c)) {
            out[o++] = L'?';
            continue;
        }
        if (c < 0x80) {
            out[o++] = (wchar_t)c;
            continue;
        }
        if (ui->utf8) {
            int wdt = wcwidth((wchar_t)c);
            out[o++] = wdt < 0 ? L'?' : (wchar_t)c;
            continue;
        }
        {
            const char *a = ascii_for(c);
            while (*a != '\0' && o + 1 < outlen)
                out[o++] = (wchar_t)(unsigned char)*a++;
        }
    }
    out[o] = L'\0';
    if (used != NULL)
        *used = i;
    return o;
}

int
lw_ui_wcols(const wchar_t *s)
{
    int n = 0;

    for (; *s != L'\0'; s++) {
        int c = wcwidth(*s);
        n += c > 0 ? c : 0;
    }
    return n;
}

#define LINE_MAX_CHARS 1024

int
lw_ui_cols(const struct lw_ui *ui, const char *s)
{
    wchar_t buf[LINE_MAX_CHARS];

    lw_ui_decode(ui, s, strlen(s), true, buf, LINE_MAX_CHARS, NULL);
    return lw_ui_wcols(buf);
}

/* Draw ws in at most maxcols columns.  What does not fit is cut at a
 * character boundary (a double-width character never half drawn) and
 * ends in an ellipsis, so a shortened label says so and never runs into
 * its neighbour. */
static int
put_wide(const struct lw_ui *ui, WINDOW *win, int y, int x, int maxcols,
         attr_t a, const wchar_t *ws, size_t n)
{
    const wchar_t *ell = ui->utf8 ? L"\u2026" : L"...";
    int ell_cols = ui->utf8 ? 1 : 3;
    int cols = 0, total;
    size_t i;

    total = 0;
    for (i = 0; i < n; i++) {
        int c = wcwidth(ws[i]);
        total += c > 0 ? c : 0;
    }
    if (total > maxcols && maxcols > ell_cols) {
        /* Room for the ellipsis after what is kept. */
        for (i = 0; i < n; i++) {
            int c = wcwidth(ws[i]);
            if (c < 0)
                c = 0;
            if (cols + c > maxcols - ell_cols)
                break;
            cols += c;
        }
        /* No space left dangling before the ellipsis. */
        while (i > 0 && ws[i - 1] == L' ') {
            i--;
            cols--;
        }
        wattron(win, a);
        if (i > 0)
            mvwaddnwstr(win, y, x, ws, (int)i);
        mvwaddwstr(win, y, x + cols, ell);
        wattroff(win, a);
        return cols + ell_cols;
    }
    for (i = 0; i < n; i++) {
        int c = wcwidth(ws[i]);
        if (c < 0)
            c = 0;
        if (cols + c > maxcols)
            break;
        cols += c;
    }
    if (i == 0)
        return 0;
    wattron(win, a);
    mvwaddnwstr(win, y, x, ws, (int)i);
    wattroff(win, a);
    return cols;
}

int
lw_ui_put(const struct lw_ui *ui, WINDOW *win, int y, int x, int maxcols,
          enum lw_ui_style style, const char *s)
{
    wchar_t buf[LINE_MAX_CHARS];
    size_t n;

    if (s == NULL || maxcols <= 0)
        return 0;
    n = lw_ui_decode(ui, s, strlen(s), true, buf, LINE_MAX_CHARS, NULL);
    return put_wide(ui, win, y, x, maxcols, lw_ui_attr(ui, style), buf, n);
}

/* Characters a line must not start with (Japanese and Chinese closing
 * punctuation): no line break before them. */
static bool
no_break_before(wchar_t c)
{
    return c == L'\u3002' || c == L'\u3001' || c == L'\u300d' ||
           c == L'\u300f' || c == L'\uff09' || c == L'\uff0c' ||
           c == L'\uff0e' || c == L'\uff1a' || c == L'\u30fc';
}

int
lw_ui_para(const struct lw_ui *ui, WINDOW *win, int y, int x, int width,
           int maxrows, enum lw_ui_style style, const char *s)
{
    attr_t a = lw_ui_attr(ui, style);
    size_t len = strlen(s), pos = 0;
    int rows = 0;

    if (width <= 0)
        return 0;
    while (pos <= len && (maxrows < 0 || rows < maxrows)) {
        wchar_t buf[LINE_MAX_CHARS];
        size_t used, n, start = 0;

        n = lw_ui_decode(ui, s + pos, len - pos, true, buf, LINE_MAX_CHARS,
                         &used);
        /* Word-wrap this line: at a space, or after a double-width
         * character (Japanese has no spaces between words). */
        do {
            size_t end = start, brk = 0;
            int cols = 0;
            bool last;
            while (end < n) {
                int c = wcwidth(buf[end]);
                if (c < 0)
                    c = 0;
                if (cols + c > width)
                    break;
                cols += c;
                if (buf[end] == L' ')
                    brk = end;
                else if (c == 2 && end + 1 < n &&
                         !no_break_before(buf[end + 1]))
                    brk = end + 1;
                end++;
            }
            if (end < n && brk > start)
                end = brk;
            /* The last row allowed, with text left over: it ends in an
             * ellipsis instead of stopping silently. */
            last = maxrows >= 0 && rows == maxrows - 1 &&
                   (end < n || pos + used + 1 < len);
            if (maxrows >= 0 && win != NULL && last) {
                int drawn = put_wide(ui, win, y + rows, x, width, a,
                                     buf + start, n - start);
                if (end >= n && drawn + (ui->utf8 ? 1 : 3) <= width) {
                    wattron(win, a);
                    mvwaddwstr(win, y + rows, x + drawn,
                               ui->utf8 ? L"\u2026" : L"...");
                    wattroff(win, a);
                }
            } else if (maxrows >= 0 && win != NULL) {
                wattron(win, a);
                mvwaddnwstr(win, y + rows, x, buf + start,
                            (int)(end - start));
                wattroff(win, a);
            }
            rows++;
            start = end;
            while (start < n && buf[start] == L' ')
                start++;
        } while (start < n && (maxrows < 0 || rows < maxrows));
        pos += used;
        if (pos >= len)
            break;
        pos++; /* the newline */
    }
    return rows;
}

/* ---- input ---- */

void
lw_input_set(struct lw_input *in, const char *utf8)
{
    mbstate_t ps;
    const char *p = utf8;

    memset(&ps, 0, sizeof(ps));
    in->len = mbsrtowcs(in->text, &p, LW_INPUT_MAX, &ps);
    if (in->len == (size_t)-1) {
        /* Not valid in this locale: keep what is ASCII. */
        size_t i;
        in->len = 0;
        for (i = 0; utf8[i] != '\0' && in->len < LW_INPUT_MAX; i++)
            if ((unsigned char)utf8[i] < 0x80)
                in->text[in->len++] = (wchar_t)utf8[i];
    }
    in->text[in->len] = L'\0';
    in->cur = in->len;
}

bool
lw_input_key(struct lw_input *in, const struct lw_key *k)
{
    switch (k->act) {
    case LW_ACT_CHAR:
        if (in->len >= LW_INPUT_MAX || k->ch < L' ' || wcwidth(k->ch) < 0)
            return true;
        memmove(in->text + in->cur + 1, in->text + in->cur,
                (in->len - in->cur + 1) * sizeof(wchar_t));
        in->text[in->cur++] = k->ch;
        in->len++;
        return true;
    case LW_ACT_BACKSPACE:
        if (in->cur > 0) {
            memmove(in->text + in->cur - 1, in->text + in->cur,
                    (in->len - in->cur + 1) * sizeof(wchar_t));
            in->cur--;
            in->len--;
        }
        return true;
    case LW_ACT_DELETE:
        if (in->cur < in->len) {
            memmove(in->text + in->cur, in->text + in->cur + 1,
                    (in->len - in->cur) * sizeof(wchar_t));
            in->len--;
        }
        return true;
    case LW_ACT_LEFT:
        if (in->cur > 0)
            in->cur--;
        return true;
    case LW_ACT_RIGHT:
        if (in->cur < in->len)
            in->cur++;
        return true;
    case LW_ACT_HOME:
        in->cur = 0;
        return true;
    case LW_ACT_END:
        in->cur = in->len;
        return true;
    case LW_ACT_KILL:
        in->len = in->cur = 0;
        in->text[0] = L'\0';
        return true;
    default:
        return false;
    }
}

void
lw_input_get(const struct lw_input *in, char *out, size_t outlen)
{
    mbstate_t ps;
    const wchar_t *p = in->text;
    size_t n;

    memset(&ps, 0, sizeof(ps));
    n = wcsrtombs(out, &p, outlen - 1, &ps);
    if (n == (size_t)-1)
        n = 0;
    out[n] = '\0';
}

void
lw_input_draw(const struct lw_ui *ui, const struct lw_input *in, WINDOW *win,
              int y, int x, int width, bool focus)
{
    wchar_t shown[LW_INPUT_MAX + 1];
    size_t start = 0, i, n = 0;
    int cols = 0, curx = 0;
    attr_t a = lw_ui_attr(ui, focus ? LW_UI_FIELD : LW_UI_NORMAL);

    /* Scroll so the cursor stays visible (one column kept for it). */
    for (;;) {
        cols = 0;
        for (i = start; i < in->cur; i++)
            cols += wcwidth(in->text[i]) > 0 ? wcwidth(in->text[i]) : 0;
        if (cols < width || start >= in->cur)
            break;
        start++;
    }
    curx = cols;
    cols = 0;
    for (i = start; i < in->len; i++) {
        int c = wcwidth(in->text[i]);
        if (c < 0)
            c = 0;
        if (cols + c > width)
            break;
        shown[n++] = in->text[i];
        cols += c;
    }
    shown[n] = L'\0';
    wattron(win, a);
    mvwhline(win, y, x, ' ', width);
    if (n > 0)
        mvwaddnwstr(win, y, x, shown, (int)n);
    wattroff(win, a);
    if (!focus)
        mvwaddch(win, y, x + width, ' ');
    if (focus)
        wmove(win, y, x + curx);
}

/* ---- choice ---- */

bool
lw_choice_key(struct lw_choice *c, const struct lw_key *k)
{
    switch (k->act) {
    case LW_ACT_UP:
        if (c->sel > 0)
            c->sel--;
        return true;
    case LW_ACT_DOWN:
        if (c->sel + 1 < c->n)
            c->sel++;
        return true;
    case LW_ACT_HOME:
        c->sel = 0;
        return true;
    case LW_ACT_END:
        c->sel = c->n > 0 ? c->n - 1 : 0;
        return true;
    default:
        return false;
    }
}

void
lw_choice_item(const struct lw_ui *ui, WINDOW *win, int y, int x, int width,
               bool selected, bool focus, const char *label)
{
    const char *mark = lw_ui_glyph(ui, selected ? LW_G_RADIO_ON
                                                : LW_G_RADIO_OFF);
    int used;

    used = lw_ui_put(ui, win, y, x, width, LW_UI_NORMAL, mark);
    used += 1;
    lw_ui_put(ui, win, y, x + used, width - used,
              selected && focus ? LW_UI_SEL : LW_UI_NORMAL, label);
}

/* ---- view ---- */

int
lw_view_lines(const char *text)
{
    int n = 0;
    const char *p;

    if (text == NULL || *text == '\0')
        return 0;
    for (p = text; *p != '\0'; p++)
        if (*p == '\n')
            n++;
    if (p[-1] != '\n')
        n++;
    return n;
}

bool
lw_view_key(struct lw_view *v, const struct lw_key *k, int nlines, int height)
{
    int max = nlines > height ? nlines - height : 0;

    switch (k->act) {
    case LW_ACT_UP:
        v->top--;
        break;
    case LW_ACT_DOWN:
        v->top++;
        break;
    case LW_ACT_PGUP:
        v->top -= height > 1 ? height - 1 : 1;
        break;
    case LW_ACT_PGDN:
        v->top += height > 1 ? height - 1 : 1;
        break;
    case LW_ACT_HOME:
        v->top = 0;
        break;
    case LW_ACT_END:
        v->top = max;
        break;
    default:
        return false;
    }
    if (v->top > max)
        v->top = max;
    if (v->top < 0)
        v->top = 0;
    return true;
}

void
lw_view_draw(const struct lw_ui *ui, const struct lw_view *v, WINDOW *win,
             int y, int x, int height, int width, enum lw_ui_style style,
             const char *text)
{
    const char *p = text;
    int line = 0, row = 0, total = lw_view_lines(text);

    while (p != NULL && *p != '\0' && row < height) {
        const char *nl = strchr(p, '\n');
        if (line >= v->top) {
            lw_ui_put(ui, win, y + row, x, width - 1, style, p);
            row++;
        }
        line++;
        p = nl != NULL ? nl + 1 : NULL;
    }
    /* Where we are, when there is more than fits. */
    if (total > height) {
        char pos[32];
        int last = v->top + height < total ? v->top + height : total;
        snprintf(pos, sizeof(pos), "%d-%d/%d", v->top + 1, last, total);
        lw_ui_put(ui, win, y + height, x + width - 1 - (int)strlen(pos),
                  (int)strlen(pos), LW_UI_DIM, pos);
    }
}

/* ---- paste area ---- */

bool
lw_area_key(struct lw_area *a, const struct lw_key *k)
{
    switch (k->act) {
    case LW_ACT_CHAR: {
        char mb[MB_LEN_MAX];
        mbstate_t ps;
        size_t n;
        if (a->text.len > 256 * 1024)
            return true; /* a chain is never this long */
        memset(&ps, 0, sizeof(ps));
        n = wcrtomb(mb, k->ch, &ps);
        if (n != (size_t)-1)
            lw_buf_append(&a->text, mb, n);
        return true;
    }
    case LW_ACT_NEXT:
        lw_buf_putc(&a->text, '\n');
        return true;
    case LW_ACT_BACKSPACE:
        if (a->text.len > 0) {
            /* Drop a whole UTF-8 sequence. */
            do
                a->text.len--;
            while (a->text.len > 0 &&
                   ((unsigned char)a->text.data[a->text.len] & 0xc0) == 0x80);
            a->text.data[a->text.len] = '\0';
        }
        return true;
    case LW_ACT_KILL:
        lw_buf_reset(&a->text);
        return true;
    default:
        return false;
    }
}

void
lw_area_draw(const struct lw_ui *ui, const struct lw_area *a, WINDOW *win,
             int y, int x, int height, int width, bool focus)
{
    const char *text = a->text.data != NULL ? a->text.data : "";
    int total = lw_view_lines(text), i;
    struct lw_view v;
    bool ends_nl = a->text.len > 0 && text[a->text.len - 1] == '\n';

    /* The cursor line is one past the text when it ends in a newline. */
    if (ends_nl)
        total++;
    v.top = total > height ? total - height : 0;
    for (i = 0; i < height; i++) {
        wattron(win, lw_ui_attr(ui, LW_UI_DIM));
        mvwaddch(win, y + i, x, '|');
        wattroff(win, lw_ui_attr(ui, LW_UI_DIM));
        wmove(win, y + i, x + 1);
        wclrtoeol(win);
    }
    lw_view_draw(ui, &v, win, y, x + 2, height, width - 2, LW_UI_NORMAL,
                 text);
    if (focus) {
        int row = total - v.top - 1, col = 0;
        if (total == 0)
            row = 0;
        if (!ends_nl && total > 0) {
            const char *last = strrchr(text, '\n');
            col = lw_ui_cols(ui, last != NULL ? last + 1 : text);
            if (col > width - 3)
                col = width - 3;
        }
        wmove(win, y + row, x + 2 + col);
    }
}
