/* keys.c - the one binding table: terminal keys to named actions, before
 * any step sees them (dialog's dlg_keys.h).  In a text field letters are
 * text, so `q` quits only outside one; Ctrl-Q and F10 quit everywhere. */
#include "config.h"

#include "lw/ui/step.h"

#define CTRL(c) ((c) & 0x1f)

struct binding {
    int code;     /* a KEY_* code, or a control character */
    bool is_key;  /* code is a KEY_* (wget_wch returned KEY_CODE_YES) */
    enum lw_action act;
};

static const struct binding bindings[] = {
    {KEY_ENTER, true, LW_ACT_NEXT},
    {'\r', false, LW_ACT_NEXT},
    {'\n', false, LW_ACT_NEXT},
    {27, false, LW_ACT_BACK},
    {KEY_F(1), true, LW_ACT_HELP},
    {KEY_F(2), true, LW_ACT_LANG},
    {KEY_F(10), true, LW_ACT_QUIT},
    {CTRL('q'), false, LW_ACT_QUIT},
    {CTRL('c'), false, LW_ACT_CANCEL},
    {CTRL('l'), false, LW_ACT_REDRAW},
    {KEY_UP, true, LW_ACT_UP},
    {KEY_DOWN, true, LW_ACT_DOWN},
    {KEY_LEFT, true, LW_ACT_LEFT},
    {KEY_RIGHT, true, LW_ACT_RIGHT},
    {'\t', false, LW_ACT_TAB},
    {KEY_BTAB, true, LW_ACT_BTAB},
    {KEY_PPAGE, true, LW_ACT_PGUP},
    {KEY_NPAGE, true, LW_ACT_PGDN},
    {KEY_HOME, true, LW_ACT_HOME},
    {KEY_END, true, LW_ACT_END},
    {CTRL('a'), false, LW_ACT_HOME},
    {CTRL('e'), false, LW_ACT_END},
    {KEY_BACKSPACE, true, LW_ACT_BACKSPACE},
    {127, false, LW_ACT_BACKSPACE},
    {CTRL('h'), false, LW_ACT_BACKSPACE},
    {KEY_DC, true, LW_ACT_DELETE},
    {CTRL('u'), false, LW_ACT_KILL},
};

/* Outside text fields: letters that navigate. */
static const struct binding nav_letters[] = {
    {'q', false, LW_ACT_QUIT},
    {'Q', false, LW_ACT_QUIT},
    {'k', false, LW_ACT_UP},
    {'j', false, LW_ACT_DOWN},
    {' ', false, LW_ACT_PGDN},
};

struct lw_key
lw_keys_map(int rc, wint_t wc, bool text)
{
    struct lw_key k = {LW_ACT_NONE, 0, false};
    bool is_key = rc == KEY_CODE_YES;
    size_t i;

    for (i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++) {
        if (bindings[i].is_key == is_key && (wint_t)bindings[i].code == wc) {
            k.act = bindings[i].act;
            return k;
        }
    }
    if (is_key || wc < 0x20)
        return k;
    k.ch = (wchar_t)wc;
    if (!text) {
        for (i = 0; i < sizeof(nav_letters) / sizeof(nav_letters[0]); i++) {
            if ((wint_t)nav_letters[i].code == wc) {
                k.act = nav_letters[i].act;
                return k;
            }
        }
    }
    k.act = LW_ACT_CHAR;
    return k;
}
