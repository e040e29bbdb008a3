/* test_nls.c - the locale services: the catalogs found for the language
 * menu, switching the language at run time (a .mo written here), English
 * for machine output, and dates in the locale's form. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lw/nls.h"

static char dir[64];

/* A GNU .mo file with these pairs (originals sorted, "" first). */
struct pair {
    const char *orig, *trans;
};

static void
write_mo(const char *path, const struct pair *p, uint32_t n)
{
    FILE *fp = fopen(path, "wb");
    uint32_t hdr[7], off, i;

    assert_non_null(fp);
    hdr[0] = 0x950412de;
    hdr[1] = 0;
    hdr[2] = n;
    hdr[3] = 28;
    hdr[4] = 28 + 8 * n;
    hdr[5] = 0;
    hdr[6] = 0;
    fwrite(hdr, sizeof(hdr), 1, fp);
    off = 28 + 16 * n;
    for (i = 0; i < n; i++) {
        uint32_t e[2] = {(uint32_t)strlen(p[i].orig), off};
        fwrite(e, sizeof(e), 1, fp);
        off += e[0] + 1;
    }
    for (i = 0; i < n; i++) {
        uint32_t e[2] = {(uint32_t)strlen(p[i].trans), off};
        fwrite(e, sizeof(e), 1, fp);
        off += e[0] + 1;
    }
    for (i = 0; i < n; i++)
        fwrite(p[i].orig, strlen(p[i].orig) + 1, 1, fp);
    for (i = 0; i < n; i++)
        fwrite(p[i].trans, strlen(p[i].trans) + 1, 1, fp);
    assert_int_equal(fclose(fp), 0);
}

static void
make_catalog(const char *ll, const char *lang_header, const char *enter)
{
    char path[256];
    const struct pair p[] = {{"", lang_header}, {"Enter next", enter}};

    snprintf(path, sizeof(path), "%s/%s", dir, ll);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES", dir, ll);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%s/LC_MESSAGES/%s.mo", dir, ll, PACKAGE);
    write_mo(path, p, 2);
}

static int
setup(void **state)
{
    char path[256];

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/lw-nls.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    make_catalog("de",
                 "Language: de\nContent-Type: text/plain; charset=UTF-8\n",
                 "Enter weiter");
    make_catalog("pt_BR",
                 "Language: pt_BR\nContent-Type: text/plain; "
                 "charset=UTF-8\n",
                 "Enter avan\u00e7a");
    /* Not languages: a directory without a catalog, a dot name, a file. */
    snprintf(path, sizeof(path), "%s/xx", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/.hidden", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/README", dir);
    fclose(fopen(path, "w"));
    /* English needs no catalog: one here is not listed twice. */
    make_catalog("en", "Language: en\n", "Enter next");
    unsetenv("LANGUAGE");
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    setenv("LANG", "C", 1);
    setenv("LINKWIZ_LOCALEDIR", dir, 1);
    lw_nls_init();
    return 0;
}

static int
teardown(void **state)
{
    char cmd[128];
    const char *ll[] = {"de", "pt_BR", "en"};
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++) {
        snprintf(cmd, sizeof(cmd), "%s/%s/LC_MESSAGES/%s.mo", dir, ll[i],
                 PACKAGE);
        unlink(cmd);
        snprintf(cmd, sizeof(cmd), "%s/%s/LC_MESSAGES", dir, ll[i]);
        rmdir(cmd);
        snprintf(cmd, sizeof(cmd), "%s/%s", dir, ll[i]);
        rmdir(cmd);
    }
    snprintf(cmd, sizeof(cmd), "%s/xx", dir);
    rmdir(cmd);
    snprintf(cmd, sizeof(cmd), "%s/.hidden", dir);
    rmdir(cmd);
    snprintf(cmd, sizeof(cmd), "%s/README", dir);
    unlink(cmd);
    return rmdir(dir);
}

static void
test_languages(void **state)
{
    char codes[8][LW_LANG_MAX];
    size_t n;

    (void)state;
    assert_string_equal(lw_nls_localedir(), dir);
    n = lw_nls_languages(codes, 8);
    assert_int_equal(n, 2);
    assert_string_equal(codes[0], "de");
    assert_string_equal(codes[1], "pt_BR");
    /* max is respected */
    assert_int_equal(lw_nls_languages(codes, 1), 1);
}

static void
test_language_names(void **state)
{
    static const struct {
        const char *code, *name;
    } cases[] = {
        {"en", "English"},
        {"de", "Deutsch"},
        {"ja", "\u65e5\u672c\u8a9e"},
        {"pt_BR", "Portugu\u00eas (Brasil)"},
        {"tlh", "tlh"}, /* unknown: the code itself */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(lw_nls_language_name(cases[i].code),
                            cases[i].name);
}

static void
test_switch(void **state)
{
    char cur[LW_LANG_MAX];

    (void)state;
#ifndef ENABLE_NLS
    skip();
#else
    /* LANG=C: untranslated. */
    assert_string_equal(_("Enter next"), "Enter next");
    lw_nls_current(cur, sizeof(cur));
    assert_string_equal(cur, "en");
    /* The switch works from the C locale (via C.UTF-8) and at once,
     * although gettext has this message cached. */
    if (!lw_nls_set_language("de"))
        skip(); /* no C.UTF-8 locale on this system */
    assert_string_equal(_("Enter next"), "Enter weiter");
    lw_nls_current(cur, sizeof(cur));
    assert_string_equal(cur, "de");
    assert_true(lw_nls_set_language("pt_BR"));
    assert_string_equal(_("Enter next"), "Enter avan\u00e7a");
    lw_nls_current(cur, sizeof(cur));
    assert_string_equal(cur, "pt_BR");
    /* A language without a catalog: English. */
    assert_true(lw_nls_set_language("xx"));
    assert_string_equal(_("Enter next"), "Enter next");
    assert_true(lw_nls_set_language("en"));
    assert_string_equal(_("Enter next"), "Enter next");
    lw_nls_current(cur, sizeof(cur));
    assert_string_equal(cur, "en");
    /* Machine output: English whatever LANGUAGE says. */
    assert_true(lw_nls_set_language("de"));
    assert_string_equal(_("Enter next"), "Enter weiter");
    lw_nls_machine();
    assert_string_equal(_("Enter next"), "Enter next");
    assert_string_equal(setlocale(LC_MESSAGES, NULL), "C");
    assert_string_equal(setlocale(LC_TIME, NULL), "C");
#endif
}

static void
test_date(void **state)
{
    /* 2027-03-04 05:06:07 UTC */
    const time_t t = 1804136767;
    char out[64];

    (void)state;
    assert_non_null(setlocale(LC_TIME, "C"));
    lw_nls_date(t, false, out, sizeof(out));
    assert_string_equal(out, "2027-03-04");
    lw_nls_date(t, true, out, sizeof(out));
    assert_string_equal(out, "2027-03-04 05:06 UTC");
    lw_nls_date(0, true, out, sizeof(out));
    assert_string_equal(out, "-");
    /* Too small a buffer: "-", never a cut date. */
    lw_nls_date(t, true, out, 8);
    assert_string_equal(out, "-");
    if (setlocale(LC_TIME, "C.UTF-8") != NULL) {
        lw_nls_date(t, false, out, sizeof(out));
        assert_string_equal(out, "2027-03-04");
    }
    /* The locale's own form, where the locale exists. */
    if (setlocale(LC_TIME, "de_DE.UTF-8") != NULL) {
        lw_nls_date(t, true, out, sizeof(out));
        assert_string_equal(out, "04.03.2027 05:06 UTC");
    }
    if (setlocale(LC_TIME, "ja_JP.UTF-8") != NULL) {
        lw_nls_date(t, false, out, sizeof(out));
        assert_string_equal(out, "2027\u5e7403\u670804\u65e5");
    }
    setlocale(LC_TIME, "C");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_language_names),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_switch),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
