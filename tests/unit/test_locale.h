/* Test helper: switch LC_NUMERIC to a locale whose decimal point is ',' (German), to prove
 * that number formatting and parsing do not follow the locale. When no such locale is
 * installed, one is compiled with localedef (libc-bin) into a temporary LOCPATH, so the
 * tests run on bare CI machines too; only when that fails too do they skip. */
#ifndef JUMEAU_TEST_LOCALE_H
#define JUMEAU_TEST_LOCALE_H

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char test_locale_dir[] = "/tmp/jumeau-locale-XXXXXX";

static void test_locale_remove_dir(void)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", test_locale_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", test_locale_dir);
}

/* The locale really uses ',' (a name alone proves nothing). */
static const char *comma_or_null(const char *name)
{
    return name && strcmp(localeconv()->decimal_point, ",") == 0 ? name : NULL;
}

static const char *test_set_comma_locale(void)
{
    static const char *const installed[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8", "fr_FR.utf8"};
    for (size_t i = 0; i < sizeof installed / sizeof installed[0]; i++) {
        const char *name = comma_or_null(setlocale(LC_NUMERIC, installed[i]));
        if (name)
            return name;
    }
    if (!mkdtemp(test_locale_dir))
        return NULL;
    atexit(test_locale_remove_dir);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1", test_locale_dir);
    if (system(cmd) > 1) /* 1: warnings only, the locale is written */
        return NULL;
    setenv("LOCPATH", test_locale_dir, 1);
    return comma_or_null(setlocale(LC_NUMERIC, "de_DE.UTF-8"));
}

static int test_restore_c_locale(void **state)
{
    (void)state;
    setlocale(LC_NUMERIC, "C");
    return 0;
}

#endif
