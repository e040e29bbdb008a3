/* widget.h - drawing helpers and the few widgets the steps use: a
 * one-line input, a choice list, a scrollable text view and a paste area.
 * Widths are measured in columns (wcwidth); every string drawn goes
 * through the sanitizer (control characters and invalid UTF-8 become '?',
 * and outside a UTF-8 locale non-ASCII characters get ASCII stand-ins).
 * With curses: only ui/ includes this. */
#ifndef LW_UI_WIDGET_H
#define LW_UI_WIDGET_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include <curses.h>

#include "lw/buf.h"

/* Looks: the terminal's abilities and the operator's wishes. */
struct lw_ui {
    bool utf8;  /* the locale's codeset is UTF-8 */
    bool color; /* colours allowed and available */
};

enum lw_ui_style {
    LW_UI_NORMAL,
    LW_UI_TITLE,   /* title and hint bars */
    LW_UI_HEAD,    /* headings */
    LW_UI_SEL,     /* the selected item */
    LW_UI_OK,
    LW_UI_WARN,
    LW_UI_FAIL,
    LW_UI_DIM,
    LW_UI_FIELD    /* an input field */
};

enum lw_ui_glyph {
    LW_G_OK,      /* ✓ / + */
    LW_G_FAIL,    /* ✗ / x */
    LW_G_WARN,    /* ! */
    LW_G_RUN,     /* … / . */
    LW_G_ARROW,   /* → / -> */
    LW_G_MARK,    /* ▸ / > */
    LW_G_RADIO_ON,  /* (•) / (*) */
    LW_G_RADIO_OFF  /* ( ) */
};

/* Set up colours (after initscr) per ui->color. */
void lw_ui_init(struct lw_ui *ui);
attr_t lw_ui_attr(const struct lw_ui *ui, enum lw_ui_style s);
const char *lw_ui_glyph(const struct lw_ui *ui, enum lw_ui_glyph g);

/* Decode UTF-8 text into printable wide characters: control characters
 * and invalid bytes become '?', and without UTF-8 every non-ASCII
 * character an ASCII stand-in.  Stops at a newline when stop_nl (*used
 * tells how many bytes were read).  out gets at most outlen-1 characters
 * and a NUL. */
size_t lw_ui_decode(const struct lw_ui *ui, const char *s, size_t len,
                    bool stop_nl, wchar_t *out, size_t outlen, size_t *used);
/* Columns a wide string takes. */
int lw_ui_wcols(const wchar_t *s);
/* Columns a UTF-8 string takes as drawn. */
int lw_ui_cols(const struct lw_ui *ui, const char *s);

/* Draw one line of UTF-8 text at y,x clipped to maxcols columns (the text
 * stops at a newline).  Returns the columns used. */
int lw_ui_put(const struct lw_ui *ui, WINDOW *win, int y, int x, int maxcols,
              enum lw_ui_style style, const char *s);
/* Draw text word-wrapped to width columns from row y (newlines start new
 * lines), at most maxrows rows; returns the rows used.  With maxrows < 0
 * nothing is drawn, only counted. */
int lw_ui_para(const struct lw_ui *ui, WINDOW *win, int y, int x, int width,
               int maxrows, enum lw_ui_style style, const char *s);

/* A one-line input field. */
#define LW_INPUT_MAX 300
struct lw_input {
    wchar_t text[LW_INPUT_MAX + 1];
    size_t len;
    size_t cur;
};
struct lw_key;
void lw_input_set(struct lw_input *in, const char *utf8);
/* Edit for k; true when k was an editing key (handled). */
bool lw_input_key(struct lw_input *in, const struct lw_key *k);
/* The text as UTF-8 into out. */
void lw_input_get(const struct lw_input *in, char *out, size_t outlen);
/* Draw as a field of width columns; the cursor goes there when focus. */
void lw_input_draw(const struct lw_ui *ui, const struct lw_input *in,
                   WINDOW *win, int y, int x, int width, bool focus);

/* A list of choices: the caller draws the items through this. */
struct lw_choice {
    int n;
    int sel;
};
/* Move for k (arrows, Home, End); true when handled. */
bool lw_choice_key(struct lw_choice *c, const struct lw_key *k);
/* One item row: marker and label, highlighted when selected. */
void lw_choice_item(const struct lw_ui *ui, WINDOW *win, int y, int x,
                    int width, bool selected, bool focus, const char *label);

/* A scrollable view over lines of text (not wrapped). */
struct lw_view {
    int top;
};
/* Arrows, PgUp/PgDn, Home/End; height = visible rows. */
bool lw_view_key(struct lw_view *v, const struct lw_key *k, int nlines,
                 int height);
int lw_view_lines(const char *text);
/* Draw text from line v->top, height rows, with a scroll indicator. */
void lw_view_draw(const struct lw_ui *ui, const struct lw_view *v,
                  WINDOW *win, int y, int x, int height, int width,
                  enum lw_ui_style style, const char *text);

/* A paste area: text appended as typed or pasted (the cursor stays at the
 * end); shows the last rows. */
struct lw_area {
    struct lw_buf text;
};
/* Characters, Enter (newline), Backspace, Ctrl-U; true when handled. */
bool lw_area_key(struct lw_area *a, const struct lw_key *k);
void lw_area_draw(const struct lw_ui *ui, const struct lw_area *a,
                  WINDOW *win, int y, int x, int height, int width,
                  bool focus);

#endif
