/* nls.h - gettext macros and the locale services around them.  Every
 * user-visible string goes through _(), N_() (marked, translated later) or
 * P_() (plural).  Check ids, JSON keys, file-format words and the
 * --monitoring line are never translated. */
#ifndef LW_NLS_H
#define LW_NLS_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#define P_(s, p, n) ngettext((s), (p), (n))
#else
#define _(s) (s)
#define P_(s, p, n) ((n) == 1 ? (s) : (p))
#define textdomain(d) ((void)0)
#define bindtextdomain(d, dir) ((void)0)
#define bind_textdomain_codeset(d, c) ((void)0)
#endif
#define N_(s) (s)

/* Set the locale from the environment (LANGUAGE, LC_ALL, LC_MESSAGES,
 * LANG) and bind the message catalog: LINKWIZ_LOCALEDIR when set (the
 * catalogs of an uninstalled build), else the installed LOCALEDIR.  A
 * language without a catalog falls back to English. */
void lw_nls_init(void);

/* From now on every message is English (LC_MESSAGES = "C", which also
 * makes gettext ignore LANGUAGE): for --json and --monitoring, whose
 * output machines read.  LC_TIME becomes "C" too, so dates inside
 * messages are ISO 8601; character handling keeps the user's locale. */
void lw_nls_machine(void);

/* The directory the catalogs are read from (<dir>/<ll>/LC_MESSAGES/
 * linkwiz.mo). */
const char *lw_nls_localedir(void);

#define LW_LANG_MAX 16 /* "pt_BR", "sr@latin": a catalog directory name */

/* The languages there is a catalog for, sorted, into codes (at most max);
 * returns how many (English is not among them: it needs no catalog). */
size_t lw_nls_languages(char (*codes)[LW_LANG_MAX], size_t max);

/* The language messages come out in now: the "Language:" of the catalog
 * in use ("de", "pt_BR"), or "en" when messages are untranslated. */
void lw_nls_current(char *out, size_t len);

/* Switch the messages to code ("en" for English) at once: LANGUAGE is set
 * and LC_MESSAGES re-set, so the next gettext() call translates anew.
 * Returns false when the switch cannot take effect (NLS disabled, or the
 * LC_MESSAGES locale is "C" and no UTF-8 fallback exists). */
bool lw_nls_set_language(const char *code);

/* The name of a language in itself ("Deutsch", "日本語"); the code itself
 * for one this table does not know.  Never translated. */
const char *lw_nls_language_name(const char *code);

/* A calendar date (UTC) as people of the current locale write it (the
 * LC_TIME "%x" form; ISO 8601 "2027-03-03" in the C/POSIX locale, whose
 * "%x" is the ambiguous "03/03/27"); with_time adds " HH:MM UTC".  "-"
 * for t == 0.  Machine output uses ISO 8601 instead. */
void lw_nls_date(time_t t, bool with_time, char *out, size_t len);

#endif
