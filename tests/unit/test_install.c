/* test_install.c - atomic installs, backups, journal, undo and rollback,
 * each in its own mkdtemp root. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "lw/install.h"

#define CONF "/etc/nginx/conf.d/x.conf"
#define KEY "/etc/pki/tls/private/x.key"
#define CRT "/etc/pki/tls/certs/x.crt"
#define STATE "/var/lib/linkwiz/state.yaml"
#define BACKUPS "/var/lib/linkwiz/backups"
#define MAGIC "linkwiz-journal 1\n"

struct fx {
    char root[64];
};

/* ---- helpers ---------------------------------------------------------- */

static int
rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static int
unlock_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    if (flag == FTW_D || flag == FTW_DNR)
        chmod(p, 0700);
    (void)st;
    return 0;
}

static void
rm_rf(const char *root)
{
    /* A test that failed half-way may have left a read-only directory. */
    nftw(root, unlock_cb, 16, FTW_PHYS);
    nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static int
fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    snprintf(f->root, sizeof(f->root), "/tmp/lw-test-install-XXXXXX");
    if (mkdtemp(f->root) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int
fx_teardown(void **state)
{
    struct fx *f = *state;

    rm_rf(f->root);
    free(f);
    return 0;
}

/* An empty root again, for the next row of a table. */
static void
fx_reset(struct fx *f)
{
    rm_rf(f->root);
    assert_int_equal(mkdir(f->root, 0700), 0);
}

static void
full(const struct fx *f, const char *path, char *out)
{
    assert_int_equal(lw_path_under(f->root, path, out, LW_PATH_MAX, NULL),
                     LW_OK);
}

static void
put(const struct fx *f, const char *path, const char *content, mode_t mode)
{
    char p[LW_PATH_MAX], dir[LW_PATH_MAX];
    size_t len = strlen(content);
    int fd;

    full(f, path, p);
    snprintf(dir, sizeof(dir), "%s", p);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(lw_mkdirs(dir, 0755, NULL), LW_OK);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
    assert_int_equal(chmod(p, mode), 0);
}

/* The file's bytes (free them), or NULL when it does not exist. */
static char *
slurp(const struct fx *f, const char *path)
{
    char p[LW_PATH_MAX];
    struct lw_buf b = LW_BUF_INIT;

    full(f, path, p);
    if (lw_buf_read_file(&b, p, 1 << 20, NULL) != LW_OK) {
        lw_buf_free(&b);
        return NULL;
    }
    return lw_buf_steal(&b, NULL);
}

static void
assert_content(const struct fx *f, const char *path, const char *want)
{
    char *got = slurp(f, path);

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* Permission bits, or -1 when it does not exist (links not followed). */
static int
mode_of(const struct fx *f, const char *path)
{
    char p[LW_PATH_MAX];
    struct stat st;

    full(f, path, p);
    if (lstat(p, &st) != 0)
        return -1;
    return (int)(st.st_mode & 07777);
}

static int tmp_count;

static int
tmp_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (strstr(p, ".lwtmp") != NULL)
        tmp_count++;
    return 0;
}

static int
count_tmp(const struct fx *f)
{
    tmp_count = 0;
    nftw(f->root, tmp_cb, 16, FTW_PHYS);
    return tmp_count;
}

static struct lw_install *
begin(const struct fx *f, bool dry_run)
{
    struct lw_install_opts o = {f->root, dry_run};
    struct lw_install *in = NULL;
    struct lw_err err;

    assert_int_equal(lw_install_begin(&o, &in, &err), LW_OK);
    assert_non_null(in);
    return in;
}

static enum lw_status
inst(struct lw_install *in, const char *path, const char *data, mode_t mode,
     unsigned flags, bool *changed, struct lw_err *err)
{
    lw_err_clear(err);
    return lw_install_file(in, path, data, strlen(data), mode, 0755, flags,
                           changed, err);
}

static void
journal_of(const char *stamp, char *out)
{
    snprintf(out, LW_PATH_MAX, "%s/%s/journal", BACKUPS, stamp);
}

static void
assert_journal(const struct fx *f, const char *stamp, const char *want)
{
    char j[LW_PATH_MAX];

    journal_of(stamp, j);
    assert_content(f, j, want);
}

/* ---- tests ------------------------------------------------------------ */

static void
test_path_under(void **state)
{
    static const struct {
        const char *root, *path;
        enum lw_status st;
        const char *want; /* result, or a part of the message */
    } t[] = {
        {"/", "/etc/x", LW_OK, "/etc/x"},
        {NULL, "/etc/x", LW_OK, "/etc/x"},
        {"/tmp/r", "/etc/x", LW_OK, "/tmp/r/etc/x"},
        {"/tmp/r//", "/etc/x", LW_OK, "/tmp/r/etc/x"},
        {"/tmp/r", "/etc/../x", LW_ERR_INPUT, "contains \"..\""},
        {"/tmp/r", "/etc/nginx/..", LW_ERR_INPUT, "contains \"..\""},
        {"/tmp/r", "/../etc", LW_ERR_INPUT, "contains \"..\""},
        {"/tmp/r", "etc/x", LW_ERR_INTERNAL, "is not absolute"},
    };
    char out[LW_PATH_MAX], small[8];
    struct lw_err err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        lw_err_clear(&err);
        assert_int_equal(
            lw_path_under(t[i].root, t[i].path, out, sizeof(out), &err),
            t[i].st);
        if (t[i].st == LW_OK)
            assert_string_equal(out, t[i].want);
        else
            assert_non_null(strstr(err.msg, t[i].want));
    }
    assert_int_equal(
        lw_path_under("/tmp/r", "/etc/x", small, sizeof(small), &err),
        LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "path too long"));
}

static void
test_create(void **state)
{
    static const struct {
        const char *path;
        mode_t mode, dirmode;
        unsigned flags;
        const char *data;
        const char *dir; /* the parent the run creates */
    } t[] = {
        {CONF, 0644, 0755, 0, "server {}\n", "/etc/nginx/conf.d"},
        {KEY, 0600, 0700, LW_INSTALL_SECRET, "KEYBYTES\n",
         "/etc/pki/tls/private"},
        {STATE, 0600, 0700, 0, "domain: x\n", "/var/lib/linkwiz"},
        {CRT, 0644, 0755, 0, "", "/etc/pki/tls/certs"},
    };
    struct fx *f = *state;
    char want[512], bdir[LW_PATH_MAX];
    struct lw_buf desc = LW_BUF_INIT;
    struct lw_install *in;
    struct lw_err err;
    bool changed;
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        fx_reset(f);
        in = begin(f, false);
        lw_err_clear(&err);
        assert_int_equal(lw_install_file(in, t[i].path, t[i].data,
                                         strlen(t[i].data), t[i].mode,
                                         t[i].dirmode, t[i].flags, &changed,
                                         &err),
                         LW_OK);
        assert_true(changed);
        assert_int_equal(lw_install_count(in), 1);
        assert_content(f, t[i].path, t[i].data);
        /* Exact, although the tests run with umask 077. */
        assert_int_equal(mode_of(f, t[i].path), t[i].mode);
        assert_int_equal(mode_of(f, t[i].dir), t[i].dirmode);
        assert_int_equal(count_tmp(f), 0);

        assert_non_null(lw_install_stamp(in));
        assert_int_equal(strlen(lw_install_stamp(in)), 16);
        snprintf(bdir, sizeof(bdir), "%s/%s", BACKUPS, lw_install_stamp(in));
        assert_int_equal(mode_of(f, bdir), 0700);
        snprintf(want, sizeof(want), MAGIC "create %04o %s\n",
                 (unsigned)t[i].mode, t[i].path);
        assert_journal(f, lw_install_stamp(in), want);

        lw_buf_init(&desc);
        lw_install_describe(in, &desc);
        snprintf(want, sizeof(want), "created %s\n", t[i].path);
        assert_string_equal(desc.data, want);
        lw_buf_free(&desc);

        assert_int_equal(lw_install_commit(in, &err), LW_OK);
        snprintf(want, sizeof(want), MAGIC "create %04o %s\ncommit\n",
                 (unsigned)t[i].mode, t[i].path);
        assert_journal(f, lw_install_stamp(in), want);
        lw_install_free(in);
        /* Committed: free keeps the file. */
        assert_content(f, t[i].path, t[i].data);
    }
}

static void
test_replace_backup(void **state)
{
    static const struct {
        const char *path;
        mode_t oldmode, mode;
        unsigned flags;
    } t[] = {
        {CONF, 0640, 0644, 0},
        {KEY, 0600, 0600, LW_INSTALL_SECRET},
        {STATE, 0644, 0600, 0},
    };
    struct fx *f = *state;
    char copy[LW_PATH_MAX], want[512];
    struct lw_buf desc = LW_BUF_INIT;
    struct lw_install *in;
    struct lw_err err;
    bool changed;
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        fx_reset(f);
        put(f, t[i].path, "old contents\n", t[i].oldmode);
        in = begin(f, false);
        assert_int_equal(inst(in, t[i].path, "new contents\n", t[i].mode,
                              t[i].flags, &changed, &err),
                         LW_OK);
        assert_true(changed);
        assert_content(f, t[i].path, "new contents\n");
        assert_int_equal(mode_of(f, t[i].path), t[i].mode);

        snprintf(copy, sizeof(copy), "%s/%s%s", BACKUPS, lw_install_stamp(in),
                 t[i].path);
        assert_content(f, copy, "old contents\n");
        assert_int_equal(mode_of(f, copy), t[i].oldmode);
        *strrchr(copy, '/') = '\0';
        assert_int_equal(mode_of(f, copy), 0700);
        assert_int_equal(count_tmp(f), 0);

        snprintf(want, sizeof(want), MAGIC "replace %04o %s\n",
                 (unsigned)t[i].oldmode, t[i].path);
        assert_journal(f, lw_install_stamp(in), want);

        lw_buf_init(&desc);
        lw_install_describe(in, &desc);
        snprintf(want, sizeof(want), "replaced %s (previous copy: %s/%s%s)\n",
                 t[i].path, BACKUPS, lw_install_stamp(in), t[i].path);
        assert_string_equal(desc.data, want);
        lw_buf_free(&desc);
        assert_int_equal(lw_install_commit(in, &err), LW_OK);
        lw_install_free(in);
    }
}

static void
test_identical_no_change(void **state)
{
    struct fx *f = *state;
    struct lw_buf desc = LW_BUF_INIT;
    struct lw_install *in;
    struct lw_err err;
    bool changed = true;

    put(f, CONF, "same\n", 0644);
    in = begin(f, false);
    assert_int_equal(inst(in, CONF, "same\n", 0644, 0, &changed, &err), LW_OK);
    assert_false(changed);
    assert_int_equal(lw_install_count(in), 0);
    assert_null(lw_install_stamp(in));
    lw_install_describe(in, &desc);
    assert_int_equal(desc.len, 0);
    assert_int_equal(mode_of(f, BACKUPS), -1);
    assert_int_equal(mode_of(f, "/var/lib/linkwiz"), -1);
    assert_int_equal(lw_install_commit(in, &err), LW_OK);
    lw_install_free(in);
    assert_int_equal(mode_of(f, BACKUPS), -1);
    assert_content(f, CONF, "same\n");

    /* Same bytes, other mode: a change, backed up like any other. */
    in = begin(f, false);
    assert_int_equal(inst(in, CONF, "same\n", 0600, 0, &changed, &err), LW_OK);
    assert_true(changed);
    assert_int_equal(mode_of(f, CONF), 0600);
    assert_journal(f, lw_install_stamp(in), MAGIC "replace 0644 " CONF "\n");
    lw_install_free(in); /* not committed: undone */
    assert_int_equal(mode_of(f, CONF), 0644);
    lw_buf_free(&desc);
}

static void
test_undo(void **state)
{
    struct fx *f = *state;
    struct lw_install *in;
    struct lw_err err;
    char bdir[LW_PATH_MAX], stamp[32];

    put(f, CONF, "old\n", 0640);
    in = begin(f, false);
    assert_int_equal(inst(in, CONF, "new\n", 0644, 0, NULL, &err), LW_OK);
    assert_int_equal(inst(in, KEY, "K\n", 0600, LW_INSTALL_SECRET, NULL, &err),
                     LW_OK);
    assert_int_equal(lw_install_count(in), 2);
    snprintf(stamp, sizeof(stamp), "%s", lw_install_stamp(in));

    assert_int_equal(lw_install_undo(in, &err), LW_OK);
    assert_content(f, CONF, "old\n");
    assert_int_equal(mode_of(f, CONF), 0640);
    assert_int_equal(mode_of(f, KEY), -1);
    assert_journal(
        f, stamp, MAGIC "replace 0640 " CONF "\ncreate 0600 " KEY "\nundone\n");
    /* Kept for inspection. */
    snprintf(bdir, sizeof(bdir), "%s/%s%s", BACKUPS, stamp, CONF);
    assert_content(f, bdir, "old\n");

    assert_int_equal(lw_install_commit(in, &err), LW_ERR_INTERNAL);
    assert_int_equal(inst(in, CONF, "again\n", 0644, 0, NULL, &err),
                     LW_ERR_INTERNAL);
    lw_install_free(in);
    assert_content(f, CONF, "old\n");
    assert_int_equal(count_tmp(f), 0);

    /* An undone run is not "the last run". */
    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_ERR_NOTFOUND);
}

static void
test_free_undoes(void **state)
{
    struct fx *f = *state;
    struct lw_install *in;
    struct lw_err err;
    char stamp[32];

    put(f, CONF, "old\n", 0644);
    in = begin(f, false);
    assert_int_equal(inst(in, CONF, "new\n", 0644, 0, NULL, &err), LW_OK);
    assert_int_equal(inst(in, CRT, "CERT\n", 0644, 0, NULL, &err), LW_OK);
    snprintf(stamp, sizeof(stamp), "%s", lw_install_stamp(in));
    lw_install_free(in);
    assert_content(f, CONF, "old\n");
    assert_int_equal(mode_of(f, CRT), -1);
    assert_journal(
        f, stamp, MAGIC "replace 0644 " CONF "\ncreate 0644 " CRT "\nundone\n");
    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_ERR_NOTFOUND);
}

static void
test_same_path_twice(void **state)
{
    struct fx *f = *state;
    struct lw_install *in;
    struct lw_err err;
    char copy[LW_PATH_MAX];

    put(f, CONF, "v0\n", 0644);
    in = begin(f, false);
    assert_int_equal(inst(in, CONF, "v1\n", 0644, 0, NULL, &err), LW_OK);
    assert_int_equal(inst(in, CONF, "v2\n", 0644, 0, NULL, &err), LW_OK);
    assert_int_equal(inst(in, CRT, "c1\n", 0644, 0, NULL, &err), LW_OK);
    assert_int_equal(inst(in, CRT, "c2\n", 0644, 0, NULL, &err), LW_OK);
    assert_content(f, CONF, "v2\n");
    assert_int_equal(lw_install_count(in), 2);
    /* The copy and the journal describe the state before the run. */
    snprintf(copy, sizeof(copy), "%s/%s%s", BACKUPS, lw_install_stamp(in),
             CONF);
    assert_content(f, copy, "v0\n");
    assert_journal(f, lw_install_stamp(in),
                   MAGIC "replace 0644 " CONF "\ncreate 0644 " CRT "\n");
    assert_int_equal(lw_install_undo(in, &err), LW_OK);
    assert_content(f, CONF, "v0\n");
    assert_int_equal(mode_of(f, CRT), -1);
    lw_install_free(in);
}

static void
test_commit_rollback(void **state)
{
    struct fx *f = *state;
    struct lw_buf rep = LW_BUF_INIT;
    struct lw_install *in;
    struct lw_err err;
    char stamp[32], want[1024];

    put(f, CONF, "old\n", 0640);
    in = begin(f, false);
    assert_int_equal(inst(in, CONF, "new\n", 0644, 0, NULL, &err), LW_OK);
    assert_int_equal(inst(in, KEY, "K\n", 0600, LW_INSTALL_SECRET, NULL, &err),
                     LW_OK);
    assert_int_equal(lw_install_commit(in, &err), LW_OK);
    snprintf(stamp, sizeof(stamp), "%s", lw_install_stamp(in));
    lw_install_free(in);
    assert_content(f, CONF, "new\n");

    lw_err_clear(&err);
    assert_int_equal(lw_rollback_last(f->root, &rep, &err), LW_OK);
    assert_content(f, CONF, "old\n");
    assert_int_equal(mode_of(f, CONF), 0640);
    /* A created key is kept in the run's backups, never deleted. */
    assert_int_equal(mode_of(f, KEY), -1);
    {
        char kept[512];
        snprintf(kept, sizeof(kept), BACKUPS "/%s" KEY, stamp);
        assert_content(f, kept, "K\n");
        assert_int_equal(mode_of(f, kept), 0600);
    }
    snprintf(want, sizeof(want),
             "moved " KEY " to " BACKUPS "/%s" KEY
             " (a private key is kept, not deleted)\n"
             "restored " CONF " from " BACKUPS "/%s" CONF "\n",
             stamp, stamp);
    assert_string_equal(rep.data, want);
    assert_journal(f, stamp,
                   MAGIC "replace 0640 " CONF "\ncreate 0600 " KEY
                         "\ncommit\nrolled-back\n");
    assert_int_equal(count_tmp(f), 0);

    lw_buf_reset(&rep);
    assert_int_equal(lw_rollback_last(f->root, &rep, &err), LW_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "nothing to roll back"));
    lw_buf_free(&rep);
}

static void
test_rollback_twice(void **state)
{
    struct fx *f = *state;
    struct lw_buf rep = LW_BUF_INIT;
    struct lw_install *in;
    struct lw_err err;
    char s1[32], want[1024];

    put(f, CONF, "v0\n", 0644);
    in = begin(f, false);
    assert_int_equal(inst(in, CONF, "v1\n", 0644, 0, NULL, &err), LW_OK);
    assert_int_equal(lw_install_commit(in, &err), LW_OK);
    snprintf(s1, sizeof(s1), "%s", lw_install_stamp(in));
    lw_install_free(in);

    in = begin(f, false);
    assert_int_equal(inst(in, CONF, "v2\n", 0644, 0, NULL, &err), LW_OK);
    assert_int_equal(inst(in, CRT, "C\n", 0644, 0, NULL, &err), LW_OK);
    assert_int_equal(lw_install_commit(in, &err), LW_OK);
    /* Most likely the same second: "<stamp>-2", which must sort later. */
    assert_string_not_equal(lw_install_stamp(in), s1);
    lw_install_free(in);

    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_OK);
    assert_content(f, CONF, "v1\n");
    assert_int_equal(mode_of(f, CRT), -1);

    assert_int_equal(lw_rollback_last(f->root, &rep, &err), LW_OK);
    assert_content(f, CONF, "v0\n");
    snprintf(want, sizeof(want),
             "restored " CONF " from " BACKUPS "/%s" CONF "\n", s1);
    assert_string_equal(rep.data, want);

    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_ERR_NOTFOUND);
    assert_content(f, CONF, "v0\n");
    lw_buf_free(&rep);
}

static void
test_rollback_nothing(void **state)
{
    struct fx *f = *state;
    struct lw_err err;

    lw_err_clear(&err);
    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "does not exist"));

    /* A directory without a journal (killed before writing one), an
     * unrelated name and an empty backups directory: still nothing. */
    put(f, BACKUPS "/20240101T000000Z/etc/nginx/conf.d/x.conf", "c\n", 0600);
    put(f, BACKUPS "/notes/README", "hi\n", 0644);
    lw_err_clear(&err);
    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "is left to undo"));
}

/* What a run killed by SIGKILL leaves: a journal without "commit" (and a
 * torn last line), one file replaced, one created, one announced but
 * never written.  An older committed run sits behind it. */
static void
test_rollback_interrupted(void **state)
{
    struct fx *f = *state;
    struct lw_buf rep = LW_BUF_INIT;
    struct lw_err err;
    const char *s = "20240101T000000Z";

    put(f, BACKUPS "/20230101T000000Z/journal",
        MAGIC "create 0644 /etc/nginx/conf.d/old.conf\ncommit\n", 0600);
    put(f, "/etc/nginx/conf.d/old.conf", "older run\n", 0644);

    put(f, BACKUPS "/20240101T000000Z/journal",
        MAGIC "replace 0644 " CONF "\ncreate 0600 " KEY "\ncreate 0644 " CRT
              "\nrepl",
        0600);
    put(f, BACKUPS "/20240101T000000Z" CONF, "old\n", 0644);
    put(f, CONF, "half-way new\n", 0644);
    put(f, KEY, "K\n", 0600);

    lw_err_clear(&err);
    assert_int_equal(lw_rollback_last(f->root, &rep, &err), LW_OK);
    assert_string_equal(rep.data, CRT
                        " was already absent (the run of 20240101T000000Z had "
                        "not created it yet)\n"
                        "moved " KEY " to " BACKUPS "/20240101T000000Z" KEY
                        " (a private key is kept, not deleted)\n"
                        "restored " CONF " from " BACKUPS
                        "/20240101T000000Z" CONF "\n");
    assert_content(f, CONF, "old\n");
    assert_int_equal(mode_of(f, KEY), -1);
    assert_content(f, "/etc/nginx/conf.d/old.conf", "older run\n");
    assert_journal(f, s,
                   MAGIC "replace 0644 " CONF "\ncreate 0600 " KEY
                         "\ncreate 0644 " CRT "\nrolled-back\n");

    /* The next call goes to the older run. */
    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_OK);
    assert_int_equal(mode_of(f, "/etc/nginx/conf.d/old.conf"), -1);
    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_ERR_NOTFOUND);
    lw_buf_free(&rep);
}

/* A real run killed with SIGKILL before its commit. */
static void
test_rollback_killed(void **state)
{
    struct fx *f = *state;
    struct lw_err err;
    int status;
    pid_t pid;

    put(f, CONF, "before\n", 0644);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct lw_install_opts o = {f->root, false};
        struct lw_install *in;
        if (lw_install_begin(&o, &in, NULL) != LW_OK ||
            lw_install_file(in, CONF, "after\n", 6, 0644, 0755, 0, NULL,
                            NULL) != LW_OK ||
            lw_install_file(in, KEY, "K\n", 2, 0600, 0700, LW_INSTALL_SECRET,
                            NULL, NULL) != LW_OK)
            _exit(1);
        raise(SIGKILL);
        _exit(2);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_content(f, CONF, "after\n");
    assert_int_equal(mode_of(f, KEY), 0600);

    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_OK);
    assert_content(f, CONF, "before\n");
    assert_int_equal(mode_of(f, KEY), -1);
    assert_int_equal(count_tmp(f), 0);
    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_ERR_NOTFOUND);
}

/* Runs in the same second: "-10" is newer than "-9". */
static void
test_rollback_order(void **state)
{
    struct fx *f = *state;
    struct lw_err err;

    put(f, BACKUPS "/20240101T000000Z-9/journal",
        MAGIC "create 0644 /etc/nginx/conf.d/a.conf\ncommit\n", 0600);
    put(f, BACKUPS "/20240101T000000Z-10/journal",
        MAGIC "create 0644 /etc/nginx/conf.d/b.conf\ncommit\n", 0600);
    put(f, BACKUPS "/20240101T000000Z/journal",
        MAGIC "create 0644 /etc/nginx/conf.d/c.conf\ncommit\n", 0600);
    put(f, "/etc/nginx/conf.d/a.conf", "a\n", 0644);
    put(f, "/etc/nginx/conf.d/b.conf", "b\n", 0644);
    put(f, "/etc/nginx/conf.d/c.conf", "c\n", 0644);

    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_OK);
    assert_int_equal(mode_of(f, "/etc/nginx/conf.d/b.conf"), -1);
    assert_int_equal(mode_of(f, "/etc/nginx/conf.d/a.conf"), 0644);
    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_OK);
    assert_int_equal(mode_of(f, "/etc/nginx/conf.d/a.conf"), -1);
    assert_int_equal(mode_of(f, "/etc/nginx/conf.d/c.conf"), 0644);
    assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_OK);
    assert_int_equal(mode_of(f, "/etc/nginx/conf.d/c.conf"), -1);
}

static void
test_tampered_journal(void **state)
{
    static const struct {
        const char *journal;
        const char *msg; /* a part of the message */
    } t[] = {
        {MAGIC "create 0644 /etc/passwd\n",
         "line 2: /etc/passwd is not a file linkwiz writes"},
        {MAGIC "create 0644 /etc/nginx/conf.d/../../passwd\n",
         "line 2: /etc/nginx/conf.d/../../passwd is not a file"},
        {MAGIC "create 0644 /etc/nginx/conf.d/keep.conf\n"
               "replace 0644 /var/lib/linkwiz/backups/x/journal\n",
         "line 3: /var/lib/linkwiz/backups/x/journal is not a file"},
        {MAGIC "create 0644 /etc/nginx/conf.d/\n", "line 2:"},
        {MAGIC "create 0644 /etc/nginx/conf.d\n", "line 2:"},
        {MAGIC "create 0644 /etc/nginx/conf.d/a b\n", "line 2:"},
        {MAGIC "create 0644 etc/nginx/conf.d/keep.conf\n", "line 2:"},
        {MAGIC "create 644 /etc/nginx/conf.d/keep.conf\n",
         "line 2: \"create 644 /etc/nginx/conf.d/keep.conf\" is not a "
         "journal line"},
        {MAGIC "create 4755 /etc/nginx/conf.d/keep.conf\n", "line 2:"},
        {MAGIC "remove 0644 /etc/nginx/conf.d/keep.conf\n",
         "line 2: \"remove 0644"},
        {MAGIC "create 0644 /etc/nginx/conf.d/k\033[2Jeep.conf\n",
         "line 2: /etc/nginx/conf.d/k?[2Jeep.conf is not a file"},
        {"create 0644 /etc/nginx/conf.d/keep.conf\n", "line 1:"},
        {"linkwiz-journal 2\ncommit\n", "line 1:"},
    };
    struct fx *f = *state;
    struct lw_err err;
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        fx_reset(f);
        put(f, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644);
        put(f, "/etc/nginx/conf.d/keep.conf", "keep\n", 0644);
        put(f, BACKUPS "/20240101T000000Z/journal", t[i].journal, 0600);
        lw_err_clear(&err);
        assert_int_equal(lw_rollback_last(f->root, NULL, &err), LW_ERR_INPUT);
        if (strstr(err.msg, t[i].msg) == NULL)
            fail_msg("row %zu: \"%s\" not in \"%s\"", i, t[i].msg, err.msg);
        assert_non_null(strstr(err.msg, "refusing to roll back anything"));
        assert_non_null(strstr(err.hint, "edited or damaged"));
        assert_content(f, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n");
        assert_content(f, "/etc/nginx/conf.d/keep.conf", "keep\n");
        assert_journal(f, "20240101T000000Z", t[i].journal);
    }
}

static void
test_dry_run_diff(void **state)
{
    static const struct {
        const char *path;
        const char *old; /* NULL: no such file */
        mode_t oldmode;
        const char *data;
        mode_t mode;
        const char *diff;
    } t[] = {
        {CONF, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", 0644,
         "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n", 0644,
         "--- a" CONF "\n+++ b" CONF "\n"
         "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
        {CONF,
         "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n"
         "19\n20\n",
         0644,
         "1\ntwo\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\nfifteen\n16\n"
         "17\nX\n19\n20\n",
         0644,
         "--- a" CONF "\n+++ b" CONF "\n"
         "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
         "@@ -12,9 +12,9 @@\n 12\n 13\n 14\n-15\n+fifteen\n 16\n 17\n-18\n"
         "+X\n 19\n 20\n"},
        {CONF, "1\n2\n3\n4\n5\n", 0640, "1\n2\n3\n4\n5\n6", 0644,
         "mode 0640 → 0644\n--- a" CONF "\n+++ b" CONF "\n"
         "@@ -3,3 +3,4 @@\n 3\n 4\n 5\n+6\n\\ No newline at end of file\n"},
        {CONF, "same\n", 0600, "same\n", 0644,
         "mode 0600 → 0644\n--- a" CONF "\n+++ b" CONF "\n"},
        {CONF, "a\n", 0644, "", 0644,
         "--- a" CONF "\n+++ b" CONF "\n@@ -1 +0,0 @@\n-a\n"},
        {CONF, "bell\a\n", 0644, "ok\n", 0644,
         "--- a" CONF "\n+++ b" CONF "\n@@ -1 +1 @@\n-bell?\n+ok\n"},
        {CRT, NULL, 0, "x\ny\n", 0644,
         "new file, mode 0644\n--- /dev/null\n+++ b" CRT "\n"
         "@@ -0,0 +1,2 @@\n+x\n+y\n"},
    };
    struct fx *f = *state;
    struct lw_buf desc = LW_BUF_INIT;
    struct lw_install *in;
    struct lw_err err;
    bool changed;
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        fx_reset(f);
        if (t[i].old != NULL)
            put(f, t[i].path, t[i].old, t[i].oldmode);
        in = begin(f, true);
        assert_int_equal(
            inst(in, t[i].path, t[i].data, t[i].mode, 0, &changed, &err),
            LW_OK);
        assert_true(changed);
        assert_string_equal(lw_install_diff(in), t[i].diff);
        assert_int_equal(lw_install_count(in), 1);
        assert_null(lw_install_stamp(in));
        lw_buf_init(&desc);
        lw_install_describe(in, &desc);
        assert_string_equal(desc.data, t[i].old != NULL
                                           ? "would replace " CONF "\n"
                                           : "would create " CRT "\n");
        lw_buf_free(&desc);
        assert_int_equal(lw_install_commit(in, &err), LW_OK);
        lw_install_free(in);
        /* Nothing written at all. */
        assert_int_equal(mode_of(f, "/var"), -1);
        assert_int_equal(count_tmp(f), 0);
        if (t[i].old != NULL) {
            assert_content(f, t[i].path, t[i].old);
            assert_int_equal(mode_of(f, t[i].path), t[i].oldmode);
        } else {
            assert_int_equal(mode_of(f, "/etc/pki"), -1);
        }
    }

    /* Unchanged: no diff at all. */
    fx_reset(f);
    put(f, CONF, "same\n", 0644);
    in = begin(f, true);
    assert_int_equal(inst(in, CONF, "same\n", 0644, 0, &changed, &err), LW_OK);
    assert_false(changed);
    assert_string_equal(lw_install_diff(in), "");
    assert_int_equal(lw_install_count(in), 0);
    lw_install_free(in);
}

static void
test_dry_run_secret(void **state)
{
    static const char oldkey[] = "-----BEGIN PRIVATE KEY-----\n"
                                 "OLDSECRETOLDSECRET\n"
                                 "-----END PRIVATE KEY-----\n";
    static const char newkey[] = "-----BEGIN PRIVATE KEY-----\n"
                                 "NEWSECRETNEWSECRET\n"
                                 "-----END PRIVATE KEY-----\n";
    struct fx *f = *state;
    struct lw_install *in;
    struct lw_err err;
    const char *d;

    in = begin(f, true);
    assert_int_equal(inst(in, KEY, newkey, 0600, LW_INSTALL_SECRET, NULL, &err),
                     LW_OK);
    assert_string_equal(lw_install_diff(in),
                        "--- " KEY " (private key, contents not shown)\n"
                        "would be created with mode 0600\n");
    lw_install_free(in);
    assert_int_equal(mode_of(f, KEY), -1);

    put(f, KEY, oldkey, 0644);
    in = begin(f, true);
    assert_int_equal(inst(in, KEY, newkey, 0600, LW_INSTALL_SECRET, NULL, &err),
                     LW_OK);
    d = lw_install_diff(in);
    assert_string_equal(d, "mode 0644 → 0600\n"
                           "--- " KEY " (private key, contents not shown)\n"
                           "would be replaced\n");
    assert_null(strstr(d, "SECRET"));
    assert_null(strstr(d, "PRIVATE KEY-----"));
    lw_install_free(in);
    assert_content(f, KEY, oldkey);
    assert_int_equal(mode_of(f, BACKUPS), -1);

    /* Secret, but not a key. */
    put(f, STATE, "token: OLDSECRET\n", 0600);
    in = begin(f, true);
    assert_int_equal(inst(in, STATE, "token: NEWSECRET\n", 0600,
                          LW_INSTALL_SECRET, NULL, &err),
                     LW_OK);
    assert_string_equal(lw_install_diff(in),
                        "--- " STATE " (secret, contents not shown)\n"
                        "would be replaced\n");
    lw_install_free(in);
    assert_content(f, STATE, "token: OLDSECRET\n");
}

static void
test_refuse_not_regular(void **state)
{
    static const struct {
        int kind; /* 0 symlink, 1 directory, 2 fifo */
        const char *msg;
    } t[] = {
        {0, "it is a symbolic link"},
        {1, "it is a directory"},
        {2, "it is not a regular file"},
    };
    struct fx *f = *state;
    char p[LW_PATH_MAX], target[LW_PATH_MAX];
    struct lw_install *in;
    struct lw_err err;
    bool changed = true;
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        fx_reset(f);
        put(f, "/etc/nginx/conf.d/real.conf", "real\n", 0644);
        full(f, CONF, p);
        full(f, "/etc/nginx/conf.d/real.conf", target);
        if (t[i].kind == 0)
            assert_int_equal(symlink(target, p), 0);
        else if (t[i].kind == 1)
            assert_int_equal(mkdir(p, 0755), 0);
        else
            assert_int_equal(mkfifo(p, 0644), 0);
        in = begin(f, i == 2); /* a dry run refuses the same way */
        assert_int_equal(inst(in, CONF, "new\n", 0644, 0, &changed, &err),
                         LW_ERR_REFUSED);
        assert_false(changed);
        assert_non_null(strstr(err.msg, t[i].msg));
        assert_non_null(strstr(err.msg, p));
        if (t[i].kind == 0)
            assert_non_null(strstr(err.hint, "does not follow links"));
        lw_install_free(in);
        assert_content(f, "/etc/nginx/conf.d/real.conf", "real\n");
        assert_int_equal(mode_of(f, BACKUPS), -1);
        assert_int_equal(count_tmp(f), 0);
    }
}

static void
test_refuse_paths(void **state)
{
    static const struct {
        const char *path;
        enum lw_status st;
        const char *msg;
    } t[] = {
        {"/etc/passwd", LW_ERR_REFUSED, "linkwiz only writes under"},
        {"/etc/nginx/conf.d", LW_ERR_REFUSED, "linkwiz only writes under"},
        {BACKUPS "/x/journal", LW_ERR_REFUSED, "linkwiz only writes under"},
        {"/etc/nginx/conf.d/../x", LW_ERR_INTERNAL, "not a clean"},
        {"/etc/nginx/conf.d/./x", LW_ERR_INTERNAL, "not a clean"},
        {"/etc/nginx/conf.d//x", LW_ERR_INTERNAL, "not a clean"},
        {"/etc/nginx/conf.d/x\n", LW_ERR_INTERNAL, "x? with mode"},
        {"etc/nginx/conf.d/x", LW_ERR_INTERNAL, "not a clean"},
    };
    struct fx *f = *state;
    struct lw_install *in;
    struct lw_err err;
    size_t i;

    in = begin(f, false);
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_int_equal(inst(in, t[i].path, "x\n", 0644, 0, NULL, &err),
                         t[i].st);
        if (strstr(err.msg, t[i].msg) == NULL)
            fail_msg("row %zu: \"%s\" not in \"%s\"", i, t[i].msg, err.msg);
    }
    assert_int_equal(
        lw_install_file(in, CONF, "x", 1, 04755, 0755, 0, NULL, &err),
        LW_ERR_INTERNAL);
    lw_install_free(in);
    assert_int_equal(mode_of(f, "/etc"), -1);
    assert_int_equal(mode_of(f, "/var"), -1);
}

static void
test_readonly_dir(void **state)
{
    struct fx *f = *state;
    char dir[LW_PATH_MAX];
    struct lw_install *in;
    struct lw_err err;

    if (geteuid() == 0)
        skip(); /* root writes into a 0555 directory anyway */
    put(f, CONF, "old\n", 0644);
    full(f, "/etc/nginx/conf.d", dir);
    assert_int_equal(chmod(dir, 0555), 0);
    in = begin(f, false);
    assert_int_equal(inst(in, CONF, "new\n", 0644, 0, NULL, &err), LW_ERR_IO);
    assert_non_null(strstr(err.msg, dir));
    assert_non_null(strstr(err.msg, "mkostemp"));
    lw_install_free(in);
    assert_int_equal(chmod(dir, 0755), 0);
    assert_content(f, CONF, "old\n");
    assert_int_equal(count_tmp(f), 0);
}

/* Works as root too: a parent that is a file cannot be written into. */
static void
test_parent_is_file(void **state)
{
    struct fx *f = *state;
    char dir[LW_PATH_MAX];
    struct lw_install *in;
    struct lw_err err;
    bool changed = true;

    put(f, "/etc/nginx/conf.d", "not a directory\n", 0644);
    put(f, CRT, "old cert\n", 0644);
    full(f, "/etc/nginx/conf.d", dir);

    in = begin(f, false);
    assert_int_equal(inst(in, CRT, "new cert\n", 0644, 0, NULL, &err), LW_OK);
    assert_int_equal(inst(in, KEY, "K\n", 0600, LW_INSTALL_SECRET, NULL, &err),
                     LW_OK);
    assert_int_equal(inst(in, CONF, "server {}\n", 0644, 0, &changed, &err),
                     LW_ERR_IO);
    assert_false(changed);
    assert_non_null(strstr(err.msg, dir));
    assert_non_null(strstr(err.msg, "exists but is not a directory"));
    /* The caller gives up: the run is undone, the old files are whole. */
    lw_install_free(in);
    assert_content(f, "/etc/nginx/conf.d", "not a directory\n");
    assert_content(f, CRT, "old cert\n");
    assert_int_equal(mode_of(f, KEY), -1);
    assert_int_equal(count_tmp(f), 0);

    /* A dry run says the same, and writes nothing. */
    in = begin(f, true);
    assert_int_equal(inst(in, CONF, "server {}\n", 0644, 0, &changed, &err),
                     LW_ERR_IO);
    assert_non_null(strstr(err.msg, "exists but is not a directory"));
    lw_install_free(in);
    assert_int_equal(mode_of(f, BACKUPS), 0700);
    assert_int_equal(count_tmp(f), 0);
}

static void
test_begin_bad_root(void **state)
{
    struct fx *f = *state;
    struct lw_install_opts o = {NULL, false};
    struct lw_install *in = (struct lw_install *)1;
    char missing[LW_PATH_MAX];
    struct lw_err err;

    snprintf(missing, sizeof(missing), "%s/missing", f->root);
    o.root = missing;
    assert_int_equal(lw_install_begin(&o, &in, &err), LW_ERR_IO);
    assert_null(in);
    assert_non_null(strstr(err.msg, missing));
}

/* Only the directory asked for gets the narrow mode; missing parents are
 * 0755, so a key directory never makes /etc/pki private. */
static void
test_mkdirs_parents_0755(void **state)
{
    char dir[] = "/tmp/lwmk.XXXXXX", path[128];
    struct stat st;
    mode_t old = umask(077);

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/etc/pki/tls/private", dir);
    assert_int_equal(lw_mkdirs(path, 0700, NULL), LW_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    snprintf(path, sizeof(path), "%s/etc/pki/tls", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    snprintf(path, sizeof(path), "%s/etc", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    umask(old);
    snprintf(path, sizeof(path), "%s/etc/pki/tls/private", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/etc/pki/tls", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/etc/pki", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/etc", dir);
    rmdir(path);
    assert_int_equal(rmdir(dir), 0);
}

/* A key that was world-readable before a run is never put back that
 * way, and its backup copy is 0600 too. */
static void
test_rollback_key_mode(void **state)
{
    struct fx *f = *state;
    struct lw_buf rep = LW_BUF_INIT;
    struct lw_install *in;
    struct lw_err err;
    char stamp[64], copy[512];

    put(f, KEY, "old key\n", 0644);
    in = begin(f, false);
    assert_int_equal(inst(in, KEY, "new key\n", 0600, LW_INSTALL_SECRET, NULL,
                          &err),
                     LW_OK);
    assert_int_equal(lw_install_commit(in, &err), LW_OK);
    snprintf(stamp, sizeof(stamp), "%s", lw_install_stamp(in));
    lw_install_free(in);
    snprintf(copy, sizeof(copy), BACKUPS "/%s" KEY, stamp);
    assert_int_equal(mode_of(f, copy), 0600);
    assert_int_equal(lw_rollback_last(f->root, &rep, &err), LW_OK);
    assert_content(f, KEY, "old key\n");
    assert_int_equal(mode_of(f, KEY), 0600);
    lw_buf_free(&rep);
}

/* A temp file a killed run left beside a file (say a key copy) is
 * removed by the next write of that file. */
static void
test_stale_temp_removed(void **state)
{
    struct fx *f = *state;
    struct lw_install *in;
    struct lw_err err;

    put(f, "/etc/pki/tls/private/.x.key.lwtmp.AbC123", "K\n", 0600);
    assert_int_equal(count_tmp(f), 1);
    in = begin(f, false);
    assert_int_equal(inst(in, KEY, "K2\n", 0600, LW_INSTALL_SECRET, NULL,
                          &err),
                     LW_OK);
    assert_int_equal(lw_install_commit(in, &err), LW_OK);
    lw_install_free(in);
    assert_int_equal(count_tmp(f), 0);
    assert_content(f, KEY, "K2\n");
}

int
main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_path_under),
        cmocka_unit_test(test_mkdirs_parents_0755),
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
        T(test_create),
        T(test_replace_backup),
        T(test_identical_no_change),
        T(test_undo),
        T(test_free_undoes),
        T(test_same_path_twice),
        T(test_commit_rollback),
        T(test_rollback_key_mode),
        T(test_stale_temp_removed),
        T(test_rollback_twice),
        T(test_rollback_nothing),
        T(test_rollback_interrupted),
        T(test_rollback_killed),
        T(test_rollback_order),
        T(test_tampered_journal),
        T(test_dry_run_diff),
        T(test_dry_run_secret),
        T(test_refuse_not_regular),
        T(test_refuse_paths),
        T(test_readonly_dir),
        T(test_parent_is_file),
        T(test_begin_bad_root),
#undef T
    };

    /* Modes must come out exact whatever the umask. */
    umask(077);
    return cmocka_run_group_tests_name("install", t, NULL, NULL);
}
