/* nls.c - locale and message catalog set-up, the language switch of the
 * wizard, and dates as people of the locale write them. */
#include "config.h"

#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lw/nls.h"

/* Where the catalogs are: set once by lw_nls_init. */
static const char *catalog_dir = LOCALEDIR;

void
lw_nls_init(void)
{
    /* LINKWIZ_LOCALEDIR lets the test suite use the catalogs of an
     * uninstalled build. */
    const char *dir = getenv("LINKWIZ_LOCALEDIR");

    if (dir != NULL && *dir != '\0')
        catalog_dir = dir;
    setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
    bindtextdomain(PACKAGE, catalog_dir);
    bind_textdomain_codeset(PACKAGE, "UTF-8");
    textdomain(PACKAGE);
#endif
}

void
lw_nls_machine(void)
{
    /* gettext ignores LANGUAGE when the LC_MESSAGES locale is "C", so
     * this one call covers every way the language may have been asked
     * for; LC_CTYPE keeps UTF-8 for the domain names in the output. */
    setlocale(LC_MESSAGES, "C");
    /* Dates inside summaries then come out as ISO 8601 (lw_nls_date). */
    setlocale(LC_TIME, "C");
}

const char *
lw_nls_localedir(void)
{
    return catalog_dir;
}

static int
cmp_code(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* A directory name that can be a language code: letters, digits, '_',
 * '@', '.', '-' (no path tricks, nothing to sanitize when shown). */
static bool
code_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= LW_LANG_MAX || s[0] == '.')
        return false;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_@.-") == n;
}

size_t
lw_nls_languages(char (*codes)[LW_LANG_MAX], size_t max)
{
    DIR *d = opendir(catalog_dir);
    struct dirent *e;
    size_t n = 0;

    if (d == NULL)
        return 0;
    while (n < max && (e = readdir(d)) != NULL) {
        char mo[4096];
        int len;

        if (!code_ok(e->d_name) || strcmp(e->d_name, "en") == 0)
            continue;
        len = snprintf(mo, sizeof(mo), "%s/%s/LC_MESSAGES/%s.mo",
                       catalog_dir, e->d_name, PACKAGE);
        if (len < 0 || (size_t)len >= sizeof(mo) || access(mo, R_OK) != 0)
            continue;
        /* code_ok: shorter than LW_LANG_MAX. */
        memcpy(codes[n++], e->d_name, strlen(e->d_name) + 1);
    }
    closedir(d);
    qsort(codes, n, sizeof(codes[0]), cmp_code);
    return n;
}

void
lw_nls_current(char *out, size_t len)
{
    /* The catalog in use answers "" with its header, which names its
     * language; no catalog answers "" itself. */
#ifdef ENABLE_NLS
    const char *h = gettext("");
#else
    const char *h = "";
#endif
    const char *l = h != NULL ? strstr(h, "Language: ") : NULL;
    size_t n;

    if (len == 0)
        return;
    if (h == NULL || *h == '\0') {
        snprintf(out, len, "en");
        return;
    }
    if (l == NULL) {
        out[0] = '\0';
        return;
    }
    l += strlen("Language: ");
    n = strcspn(l, "\n");
    snprintf(out, len, "%.*s", (int)n, l);
}

static bool
is_c_locale(const char *name)
{
    return name == NULL || strcmp(name, "C") == 0 ||
           strcmp(name, "POSIX") == 0;
}

#ifdef ENABLE_NLS
/* GNU gettext caches what it looked up per LC_MESSAGES locale name, not
 * per LANGUAGE: a changed LANGUAGE shows only after this counter moves
 * (the gettext manual's own recipe; glibc and libintl both export it). */
/* gettext's name, not ours:
 * NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
extern int _nl_msg_cat_cntr;

static void
forget_translations(void)
{
    ++_nl_msg_cat_cntr;
}
#endif

bool
lw_nls_set_language(const char *code)
{
#ifdef ENABLE_NLS
    const char *cur;
    char saved[256];

    if (setenv("LANGUAGE", code, 1) != 0)
        return false;
    cur = setlocale(LC_MESSAGES, NULL);
    if (is_c_locale(cur)) {
        /* The C locale makes gettext ignore LANGUAGE: a UTF-8 variant of
         * it does not. */
        if (setlocale(LC_MESSAGES, "C.UTF-8") == NULL &&
            setlocale(LC_MESSAGES, "C.utf8") == NULL)
            return strcmp(code, "en") == 0;
        forget_translations();
        return true;
    }
    snprintf(saved, sizeof(saved), "%s", cur);
    setlocale(LC_MESSAGES, saved);
    forget_translations();
    return true;
#else
    return strcmp(code, "en") == 0;
#endif
}

const char *
lw_nls_language_name(const char *code)
{
    static const struct {
        const char *code, *name;
    } names[] = {
        {"en", "English"},
        {"de", "Deutsch"},
        {"es", "Espa\u00f1ol"},
        {"fr", "Fran\u00e7ais"},
        {"it", "Italiano"},
        {"ja", "\u65e5\u672c\u8a9e"},
        {"ko", "\ud55c\uad6d\uc5b4"},
        {"nl", "Nederlands"},
        {"pl", "Polski"},
        {"pt", "Portugu\u00eas"},
        {"pt_BR", "Portugu\u00eas (Brasil)"},
        {"ru", "\u0420\u0443\u0441\u0441\u043a\u0438\u0439"},
        {"sv", "Svenska"},
        {"zh_CN", "\u7b80\u4f53\u4e2d\u6587"},
        {"zh_TW", "\u7e41\u9ad4\u4e2d\u6587"},
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i].code, code) == 0)
            return names[i].name;
    return code;
}

void
lw_nls_date(time_t t, bool with_time, char *out, size_t len)
{
    const char *lc = setlocale(LC_TIME, NULL);
    bool iso = is_c_locale(lc) || strncmp(lc, "C.", 2) == 0;
    struct tm tm;
    size_t n;

    if (len == 0)
        return;
    if (t == 0 || gmtime_r(&t, &tm) == NULL) {
        snprintf(out, len, "-");
        return;
    }
    if (iso && with_time)
        n = strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm);
    else if (iso)
        n = strftime(out, len, "%Y-%m-%d", &tm);
    else {
        /* The year in the locale's own date form is its choice (some use
         * two digits, as their people write it). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-y2k"
        n = with_time ? strftime(out, len, "%x %H:%M UTC", &tm)
                      : strftime(out, len, "%x", &tm);
#pragma GCC diagnostic pop
    }
    if (n == 0)
        snprintf(out, len, "-");
}
