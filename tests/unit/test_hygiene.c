/* test_hygiene.c - memory that held private key bytes is cleansed.
 *
 * The test program defines OPENSSL_cleanse itself.  On ELF systems the
 * definition in the executable takes precedence over libcrypto's for every
 * call from liblinkwiz.a (linked into this program), so each call is
 * recorded: which block, how many bytes, and that they were zero
 * afterwards.  The hook really clears the bytes, so libcrypto keeps
 * working should its own calls land here too. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "lw/buf.h"
#include "lw/keygen.h"

#define MAX_CALLS 64

struct cleanse_call {
    const void *ptr;
    size_t len;
    bool zero; /* every byte was 0 when the hook returned */
};

static struct cleanse_call calls[MAX_CALLS];
static size_t ncalls;

/* Replaces libcrypto's OPENSSL_cleanse for this program (see the top). */
void
OPENSSL_cleanse(void *ptr, size_t len)
{
    volatile unsigned char *p = ptr;
    bool zero = true;

    for (size_t i = 0; i < len; i++)
        p[i] = 0;
    for (size_t i = 0; i < len; i++)
        zero = zero && p[i] == 0;
    if (ncalls < MAX_CALLS)
        calls[ncalls] = (struct cleanse_call){ptr, len, zero};
    ncalls++;
}

/* The recorded call that covers [ptr, ptr + len), or NULL. */
static const struct cleanse_call *
covered(const void *ptr, size_t len)
{
    const unsigned char *a = ptr;

    for (size_t i = 0; i < ncalls && i < MAX_CALLS; i++) {
        const unsigned char *c = calls[i].ptr;
        if (c <= a && a + len <= c + calls[i].len)
            return &calls[i];
    }
    return NULL;
}

static void
reset_calls(void)
{
    ncalls = 0;
    memset(calls, 0, sizeof(calls));
}

static const char fake_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnot+a+real+key+at\n"
    "-----END PRIVATE KEY-----\n";

/* ------------------------------------------------------------------ */

struct secure_case {
    const char *name;
    size_t fill;   /* bytes appended before the free (0: never allocated) */
    bool make_oom; /* the buffer's sticky failure flag is set */
};

static const struct secure_case secure_cases[] = {
    {"never allocated", 0, false},
    {"one byte", 1, false},
    {"a key's worth", sizeof(fake_pem) - 1, false},
    {"grown many times", 20000, false},
    {"after an allocation failure", sizeof(fake_pem) - 1, true},
};

/* lw_buf_free_secure clears the whole allocation (cap bytes, not only len:
 * a reset buffer still holds the old bytes past len) and leaves the buffer
 * empty and reusable. */
static void
test_free_secure_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(secure_cases) / sizeof(secure_cases[0]);
         i++) {
        const struct secure_case *c = &secure_cases[i];
        struct lw_buf b = LW_BUF_INIT;
        const struct cleanse_call *hit;
        void *old;
        size_t cap;

        print_message("case: %s\n", c->name);
        while (b.len < c->fill) {
            size_t n = c->fill - b.len;
            if (n > sizeof(fake_pem) - 1)
                n = sizeof(fake_pem) - 1;
            lw_buf_append(&b, fake_pem, n);
        }
        if (c->make_oom)
            b.oom = true;
        old = b.data;
        cap = b.cap;
        reset_calls();
        lw_buf_free_secure(&b);
        assert_null(b.data);
        assert_int_equal(b.len, 0);
        assert_int_equal(b.cap, 0);
        assert_false(b.oom);
        if (old == NULL) {
            assert_int_equal(ncalls, 0);
            continue;
        }
        hit = covered(old, cap);
        assert_non_null(hit);
        assert_ptr_equal(hit->ptr, old);
        assert_int_equal(hit->len, cap);
        assert_true(hit->zero);
        /* Reusable after the free. */
        lw_buf_puts(&b, "again");
        assert_string_equal(b.data, "again");
        lw_buf_free_secure(&b);
    }
}

/* A reset buffer keeps its allocation: the bytes beyond len are old key
 * bytes, and they too are cleared. */
static void
test_free_secure_after_reset(void **state)
{
    struct lw_buf b = LW_BUF_INIT;
    void *old;
    size_t cap;

    (void)state;
    lw_buf_puts(&b, fake_pem);
    lw_buf_reset(&b);
    lw_buf_puts(&b, "x");
    old = b.data;
    cap = b.cap;
    assert_true(cap > sizeof(fake_pem));
    reset_calls();
    lw_buf_free_secure(&b);
    assert_non_null(covered(old, cap));
}

/* A buffer that grows moves its bytes to a larger block: the old block
 * must not go back to the allocator with key bytes in it. */
static void
test_growth_leaves_no_copy(void **state)
{
    struct lw_buf b = LW_BUF_INIT;
    void *blocks[32], *fences[32];
    size_t caps[32], n = 0, moved = 0;

    (void)state;
    reset_calls();
    for (int i = 0; i < 200; i++) {
        lw_buf_puts(&b, fake_pem);
        if ((n == 0 || caps[n - 1] != b.cap) && n < 32) {
            blocks[n] = b.data;
            caps[n] = b.cap;
            /* An allocation right after the block keeps realloc from
             * growing it in place, so the bytes really move. */
            fences[n] = malloc(16);
            n++;
        }
    }
    assert_true(n >= 3);
    for (size_t i = 0; i + 1 < n; i++)
        moved += blocks[i] != blocks[i + 1];
    assert_true(moved >= 1);
    /* A block that was left for a new one must have been cleansed first
     * (realloc may grow a block in place: then nothing was left behind). */
    for (size_t i = 0; i + 1 < n; i++) {
        if (blocks[i] == blocks[i + 1])
            continue;
        print_message("block %zu (%zu bytes) replaced\n", i, caps[i]);
        assert_non_null(covered(blocks[i], caps[i]));
    }
    for (size_t i = 0; i < n; i++)
        free(fences[i]);
    lw_buf_free_secure(&b);
}

/* lw_buf_read_file reads through a stack buffer: it is cleared on every
 * return, also when the file turns out too large. */
struct read_case {
    const char *name;
    size_t file_size;
    size_t max;
    enum lw_status want;
};

static const struct read_case read_cases[] = {
    {"a key file", sizeof(fake_pem) - 1, 16384, LW_OK},
    {"a file over the limit", 3 * (sizeof(fake_pem) - 1), 100, LW_ERR_INPUT},
};

/* A temporary directory, removed by the teardown even when a test
 * fails. */
static char tmpdir[] = "/tmp/lw-hygiene.XXXXXX";
static char tmpfile_path[64];

static int
make_tmpdir(void **state)
{
    (void)state;
    memcpy(tmpdir + sizeof(tmpdir) - 7, "XXXXXX", 6);
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/key.pem", tmpdir);
    return 0;
}

static int
remove_tmpdir(void **state)
{
    (void)state;
    unlink(tmpfile_path);
    rmdir(tmpdir);
    return 0;
}

static void
test_read_file_clears_chunk(void **state)
{
    const char *path = tmpfile_path;

    (void)state;
    for (size_t i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
        const struct read_case *c = &read_cases[i];
        struct lw_buf b = LW_BUF_INIT;
        struct lw_err err;
        FILE *f = fopen(path, "w");
        bool chunk_cleared = false;

        print_message("case: %s\n", c->name);
        assert_non_null(f);
        for (size_t w = 0; w < c->file_size; w += sizeof(fake_pem) - 1)
            fputs(fake_pem, f);
        assert_int_equal(fclose(f), 0);
        lw_err_clear(&err);
        reset_calls();
        assert_int_equal(lw_buf_read_file(&b, path, c->max, &err), c->want);
        /* The stack chunk: a cleared block of at least a key's size that
         * is not the buffer's own. */
        for (size_t k = 0; k < ncalls && k < MAX_CALLS; k++)
            if (calls[k].len >= sizeof(fake_pem) && calls[k].zero &&
                calls[k].ptr != b.data)
                chunk_cleared = true;
        assert_true(chunk_cleared);
        if (c->want == LW_OK)
            assert_memory_equal(b.data, fake_pem, sizeof(fake_pem) - 1);
        else
            assert_non_null(strstr(err.msg, "larger than"));
        lw_buf_free_secure(&b);
        lw_err_clear(&err);
    }
}

/* The PEM text of a real key, as setup writes it: lw_key_to_pem, then
 * lw_buf_free_secure clears every byte of it. */
static void
test_key_to_pem_then_free_secure(void **state)
{
    struct lw_keyspec spec = {LW_KEY_EC, 256};
    struct lw_buf pem = LW_BUF_INIT;
    struct lw_err err;
    EVP_PKEY *key = NULL;
    void *old;
    size_t cap;

    (void)state;
    lw_err_clear(&err);
    assert_int_equal(lw_keygen_generate(&spec, NULL, NULL, &key, &err), LW_OK);
    assert_int_equal(lw_key_to_pem(key, &pem, &err), LW_OK);
    assert_non_null(strstr(pem.data, "-----BEGIN PRIVATE KEY-----"));
    old = pem.data;
    cap = pem.cap;
    reset_calls();
    lw_buf_free_secure(&pem);
    assert_non_null(covered(old, cap));
    assert_true(covered(old, cap)->zero);
    EVP_PKEY_free(key);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_secure_table),
        cmocka_unit_test(test_free_secure_after_reset),
        cmocka_unit_test(test_growth_leaves_no_copy),
        cmocka_unit_test_setup_teardown(test_read_file_clears_chunk,
                                        make_tmpdir, remove_tmpdir),
        cmocka_unit_test(test_key_to_pem_then_free_secure),
    };

    return cmocka_run_group_tests_name("hygiene", tests, NULL, NULL);
}
