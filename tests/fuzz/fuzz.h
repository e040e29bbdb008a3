/* fuzz.h - what every fuzz target shares.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput (libFuzzer).  A
 * target returns 0 for any input the code under test refuses cleanly;
 * a crash, a sanitizer report, a leak or a broken invariant (FUZZ_ASSERT)
 * is a finding.  Built by tests/fuzz/build.sh, never by the normal build. */
#ifndef LW_FUZZ_H
#define LW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lw/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant of the code under test: print where it broke and abort,
 * so libFuzzer keeps the input as a crash. */
#define FUZZ_ASSERT(cond)                                                  \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,     \
                    __LINE__, #cond);                                      \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* Text for people carries no terminal controls: untrusted bytes are
 * sanitized before they reach a message (C0 controls but newline and tab,
 * DEL, and the C1 controls U+0080..U+009F, which include CSI). */
static inline void
fuzz_check_shown(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    for (; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f ||
            (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
            fprintf(stderr, "terminal control 0x%02x at offset %zu in "
                    "text for people: \"%s\"\n", *p,
                    (size_t)(p - (const unsigned char *)s), s);
            abort();
        }
    }
}

/* Every refusal must come with a message: an empty one would reach the
 * operator as a bare "error". */
static inline void
fuzz_check_err(enum lw_status st, const struct lw_err *err)
{
    if (st == LW_OK)
        return;
    FUZZ_ASSERT(err->status == st);
    FUZZ_ASSERT(err->msg[0] != '\0');
    FUZZ_ASSERT(memchr(err->msg, '\0', sizeof(err->msg)) != NULL);
    FUZZ_ASSERT(memchr(err->hint, '\0', sizeof(err->hint)) != NULL);
    fuzz_check_shown(err->msg);
    fuzz_check_shown(err->hint);
}

/* With LW_FUZZ_VERBOSE set in the environment, say what each call gave
 * (to check that the seeds reach the paths they are meant for). */
static inline void
fuzz_say(const char *what, enum lw_status st, const struct lw_err *err)
{
    if (getenv("LW_FUZZ_VERBOSE") != NULL)
        fprintf(stderr, "%s: %d%s%s\n", what, (int)st,
                st != LW_OK ? ": " : "", st != LW_OK ? err->msg : "");
}

/* A NUL-terminated copy of the input (the caller frees it). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* An exact-size heap copy, so ASan sees any read past the end (the
 * parsers take a length and must not rely on a terminating NUL). */
static inline char *
fuzz_copy(const uint8_t *data, size_t size)
{
    char *s = malloc(size > 0 ? size : 1);

    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    return s;
}

#endif
