/* nls.c - locale and message catalog set-up. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include "lw/nls.h"

void
lw_nls_init(void)
{
    setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
    {
        /* LINKWIZ_LOCALEDIR lets the test suite use the catalogs of an
         * uninstalled build. */
        const char *dir = getenv("LINKWIZ_LOCALEDIR");

        bindtextdomain(PACKAGE, dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
        bind_textdomain_codeset(PACKAGE, "UTF-8");
        textdomain(PACKAGE);
    }
#endif
}
