/* test_buf.c - growable buffer and whole-file reads. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lw/buf.h"

static void
test_append_and_printf(void **state)
{
    struct lw_buf b = LW_BUF_INIT;
    int i;

    (void)state;
    lw_buf_puts(&b, "ab");
    lw_buf_putc(&b, 'c');
    lw_buf_printf(&b, "-%d-%s", 42, "x");
    assert_string_equal(b.data, "abc-42-x");
    assert_int_equal(b.len, 8);
    /* growth across many reallocations keeps content and NUL */
    for (i = 0; i < 1000; i++)
        lw_buf_printf(&b, "%04d", i);
    assert_int_equal(b.len, 8 + 4000);
    assert_memory_equal(b.data + b.len - 4, "0999", 4);
    assert_int_equal(b.data[b.len], '\0');
    assert_true(lw_buf_ok(&b));
    assert_int_equal(lw_buf_status(&b, NULL), LW_OK);
    lw_buf_free(&b);
    assert_null(b.data);
}

static void
test_binary_and_reset(void **state)
{
    struct lw_buf b = LW_BUF_INIT;

    (void)state;
    lw_buf_append(&b, "a\0b", 3);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 3);
    lw_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    lw_buf_free_secure(&b);
}

static void
test_steal(void **state)
{
    struct lw_buf b = LW_BUF_INIT;
    size_t len = 99;
    char *p;

    (void)state;
    p = lw_buf_steal(&b, &len);
    assert_non_null(p);
    assert_string_equal(p, "");
    assert_int_equal(len, 0);
    free(p);
    lw_buf_puts(&b, "hello");
    p = lw_buf_steal(&b, &len);
    assert_string_equal(p, "hello");
    assert_int_equal(len, 5);
    assert_null(b.data);
    free(p);
}

static void
test_oom_is_sticky(void **state)
{
    struct lw_buf b = LW_BUF_INIT;
    struct lw_err err;

    (void)state;
    lw_buf_puts(&b, "x");
    lw_buf_append(&b, "y", SIZE_MAX - 1); /* cannot fit: marks oom */
    assert_false(lw_buf_ok(&b));
    lw_buf_puts(&b, "z");
    assert_string_equal(b.data, "x");
    assert_int_equal(lw_buf_status(&b, &err), LW_ERR_NOMEM);
    assert_string_equal(err.msg, "out of memory");
    lw_buf_free(&b);
}

static void
test_read_file(void **state)
{
    char dir[] = "/tmp/lwbuf.XXXXXX", path[64];
    struct lw_buf b = LW_BUF_INIT;
    struct lw_err err;
    FILE *fp;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/f", dir);
    assert_int_equal(lw_buf_read_file(&b, path, 100, &err), LW_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, path));
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("0123456789", fp);
    fclose(fp);
    assert_int_equal(lw_buf_read_file(&b, path, 100, &err), LW_OK);
    assert_string_equal(b.data, "0123456789");
    lw_buf_reset(&b);
    assert_int_equal(lw_buf_read_file(&b, path, 5, &err), LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "larger than 5 bytes"));
    lw_buf_free(&b);
    unlink(path);
    /* a directory or a FIFO is refused at once, never waited on */
    assert_int_equal(lw_buf_read_file(&b, dir, 100, &err), LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "is not a regular file"));
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(lw_buf_read_file(&b, path, 100, &err), LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "is not a regular file"));
    unlink(path);
    rmdir(dir);
    lw_buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_and_printf),
        cmocka_unit_test(test_binary_and_reset),
        cmocka_unit_test(test_steal),
        cmocka_unit_test(test_oom_is_sticky),
        cmocka_unit_test(test_read_file),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
