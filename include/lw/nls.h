/* nls.h - gettext macros.  Every user-visible string goes through _(),
 * N_() (marked, translated later) or P_() (plural). */
#ifndef LW_NLS_H
#define LW_NLS_H

#include "config.h"

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

/* Set the locale from the environment and bind the message catalog. */
void lw_nls_init(void);

#endif
