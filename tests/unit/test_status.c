/* test_status.c - error messages carried back to callers. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "lw/status.h"

static void
test_set_returns_status(void **state)
{
    struct lw_err err;

    (void)state;
    lw_err_clear(&err);
    assert_int_equal(lw_err_set(&err, LW_ERR_INPUT, "bad %s at line %d",
                                "key", 4),
                     LW_ERR_INPUT);
    assert_int_equal(err.status, LW_ERR_INPUT);
    assert_string_equal(err.msg, "bad key at line 4");
    assert_string_equal(err.hint, "");
}

static void
test_null_err_is_allowed(void **state)
{
    (void)state;
    assert_int_equal(lw_err_set(NULL, LW_ERR_IO, "x"), LW_ERR_IO);
    lw_err_hint(NULL, "y");
    lw_err_prefix(NULL, "z");
    lw_err_clear(NULL);
    assert_int_equal(lw_err_errno(NULL, ENOENT, "x"), LW_ERR_IO);
}

static void
test_hint_and_prefix(void **state)
{
    struct lw_err err;

    (void)state;
    lw_err_set(&err, LW_ERR_IO, "cannot write");
    lw_err_hint(&err, "free %d MB", 10);
    lw_err_prefix(&err, "%s", "/etc/x");
    assert_string_equal(err.msg, "/etc/x: cannot write");
    assert_string_equal(err.hint, "free 10 MB");
    /* set clears a previous hint */
    lw_err_set(&err, LW_ERR_INPUT, "again");
    assert_string_equal(err.hint, "");
}

static void
test_errno_message(void **state)
{
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_err_errno(&err, ENOSPC, "cannot write %s", "/a"),
                     LW_ERR_IO);
    assert_string_equal(err.msg, "cannot write /a: No space left on device");
    assert_int_equal(lw_err_errno(&err, ENOMEM, "alloc"), LW_ERR_NOMEM);
}

static void
test_openssl_message_drains_queue(void **state)
{
    struct lw_err err;

    (void)state;
    /* Provoke a real OpenSSL error: an unknown digest name. */
    assert_null(EVP_MD_fetch(NULL, "no-such-digest", NULL));
    assert_int_equal(lw_err_openssl(&err, "digest %s", "x"), LW_ERR_CRYPTO);
    assert_non_null(strstr(err.msg, "digest x: "));
    assert_int_equal(ERR_peek_error(), 0);
    /* Without a queued error the message stands alone. */
    lw_err_openssl(&err, "plain");
    assert_string_equal(err.msg, "plain");
}

static void
test_long_message_is_cut_not_overflowed(void **state)
{
    struct lw_err err;
    char big[3000];

    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    lw_err_set(&err, LW_ERR_INPUT, "%s", big);
    assert_int_equal(strlen(err.msg), LW_ERR_MSG_MAX - 1);
    lw_err_prefix(&err, "%s", big);
    assert_int_equal(strlen(err.msg), LW_ERR_MSG_MAX - 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_returns_status),
        cmocka_unit_test(test_null_err_is_allowed),
        cmocka_unit_test(test_hint_and_prefix),
        cmocka_unit_test(test_errno_message),
        cmocka_unit_test(test_openssl_message_drains_queue),
        cmocka_unit_test(test_long_message_is_cut_not_overflowed),
    };
    return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
