/* install.c - atomic writes, backups and the per-run journal.
 *
 * A run's backup directory is <root>/var/lib/linkwiz/backups/<stamp>/
 * (0700, made when the run first changes something).  It holds a copy of
 * every file the run replaced, at the file's own path and with its mode,
 * and the journal: a text file, one line each, every line appended and
 * fsynced before the change it announces:
 *
 *   linkwiz-journal 1                           first line, always
 *   replace 0644 /etc/nginx/conf.d/x.conf       existed with mode 0644;
 *                                               its copy is <stamp>/etc/...
 *   create 0600 /etc/pki/tls/private/x.key      did not exist
 *   commit                                      the run finished
 *   undone | rolled-back                        it has been put back
 *
 * Because the intent is on disk before the change, a run killed at any
 * point can be put back: restoring the copy of a file that was never
 * replaced rewrites the same bytes, and removing a file that was never
 * created finds nothing to remove.  A torn last line (no newline) was never
 * acted on and is ignored.  Rollback trusts nothing else in the journal:
 * paths must be clean and under the directories linkwiz writes. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lw/install.h"
#include "lw/nls.h"

#define JOURNAL_MAGIC "linkwiz-journal 1"
#define JOURNAL_NAME "journal"
#define BACKUPS_DIR "/var/lib/linkwiz/backups"
#define FILE_MAX (16u * 1024 * 1024) /* nothing linkwiz writes is larger */
#define JOURNAL_MAX (1024u * 1024)
#define DIFF_SHOW_MAX (1024u * 1024) /* larger files: no line diff */
#define DIFF_LINE_MAX 1024           /* bytes of one diff line shown */
#define DIFF_CONTEXT 3
#define LCS_MAX_CELLS 2000000u /* 8 MB table; beyond: replace wholesale */
#define STAMP_LEN 16           /* YYYYmmddTHHMMSSZ */

/* The only places linkwiz writes, so the only paths a journal may name. */
static const char *const writable_dirs[] = {
    "/etc/pki/tls/",
    "/etc/nginx/conf.d/",
    "/var/lib/linkwiz/",
};

enum change_kind { CH_CREATE, CH_REPLACE };

struct change {
    enum change_kind kind;
    mode_t mode; /* CH_REPLACE: the old mode; CH_CREATE: the new one */
    bool done;   /* known to have happened (failures of others ignored) */
    char *path;  /* run-time absolute path */
};

struct change_list {
    struct change *v;
    size_t n, cap;
};

struct lw_install {
    char *root;
    bool dry_run;
    bool committed;
    bool finished; /* undone: no more changes */
    char stamp[STAMP_LEN + 8];
    char rundir[LW_PATH_MAX]; /* full path of backups/<stamp> */
    char jpath[LW_PATH_MAX];  /* rundir/journal */
    int jfd;                  /* journal, O_APPEND; -1 until first change */
    struct change_list ch;
    struct lw_buf diff;
};

/* ---- paths ------------------------------------------------------------ */

enum lw_status
lw_path_under(const char *root, const char *path, char *out, size_t outlen,
              struct lw_err *err)
{
    size_t rlen, plen;
    int n;

    if (root == NULL || *root == '\0')
        root = "/";
    if (path == NULL || path[0] != '/')
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("internal error: path %s is not absolute"),
                          path != NULL ? path : "(null)");
    plen = strlen(path);
    if (strstr(path, "/../") != NULL ||
        (plen >= 3 && strcmp(path + plen - 3, "/..") == 0))
        return lw_err_set(err, LW_ERR_INPUT,
                          _("refusing path %s: it contains \"..\""), path);
    rlen = strlen(root);
    while (rlen > 1 && root[rlen - 1] == '/')
        rlen--;
    if (rlen == 1 && root[0] == '/')
        rlen = 0;
    n = snprintf(out, outlen, "%.*s%s", (int)rlen, root, path);
    if (n < 0 || (size_t)n >= outlen)
        return lw_err_set(err, LW_ERR_INPUT, _("path too long: %s%s"), root,
                          path);
    return LW_OK;
}

/* The directory part of path ("/" for "/x"), into out (LW_PATH_MAX). */
static void
parent_of(const char *path, char *out)
{
    char *slash;

    snprintf(out, LW_PATH_MAX, "%s", path);
    slash = strrchr(out, '/');
    if (slash == NULL)
        snprintf(out, LW_PATH_MAX, ".");
    else if (slash == out)
        out[1] = '\0';
    else
        *slash = '\0';
}

/* out (LW_PATH_MAX bytes) = a b c; too long is an error naming it. */
static enum lw_status
join3(char *out, const char *a, const char *b, const char *c,
      struct lw_err *err)
{
    int n = snprintf(out, LW_PATH_MAX, "%s%s%s", a, b, c);

    if (n < 0 || n >= LW_PATH_MAX)
        return lw_err_set(err, LW_ERR_INPUT, _("path too long: %s%s%s"), a, b,
                          c);
    return LW_OK;
}

static int
fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc, e;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* A clean absolute path: printable ASCII without spaces, no empty, "." or
 * ".." component, no trailing slash.  Safe to put on one journal line and
 * to join to the root. */
static bool
path_is_clean(const char *path)
{
    const char *p, *comp;
    size_t len;

    if (path == NULL || path[0] != '/')
        return false;
    len = strlen(path);
    if (len < 2 || len >= LW_PATH_MAX / 2)
        return false;
    for (p = path; *p != '\0'; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return false;
    for (comp = path + 1;; comp = p + 1) {
        p = strchr(comp, '/');
        len = p != NULL ? (size_t)(p - comp) : strlen(comp);
        if (len == 0 || (len == 1 && comp[0] == '.') ||
            (len == 2 && comp[0] == '.' && comp[1] == '.'))
            return false;
        if (p == NULL)
            break;
    }
    return true;
}

/* Clean, strictly under one of writable_dirs, and not in the backups
 * (rollback must never delete its own records). */
static bool
path_is_writable(const char *path)
{
    size_t i, n;

    if (!path_is_clean(path))
        return false;
    if (strncmp(path, BACKUPS_DIR, strlen(BACKUPS_DIR)) == 0 &&
        (path[strlen(BACKUPS_DIR)] == '/' || path[strlen(BACKUPS_DIR)] == '\0'))
        return false;
    for (i = 0; i < sizeof(writable_dirs) / sizeof(writable_dirs[0]); i++) {
        n = strlen(writable_dirs[i]);
        if (strncmp(path, writable_dirs[i], n) == 0 && path[n] != '\0')
            return true;
    }
    return false;
}

/* Untrusted text for a message: control and non-ASCII bytes become '?',
 * and it is cut to fit out. */
static const char *
sanitize(const char *s, size_t len, char *out, size_t outlen)
{
    size_t i, n = 0;

    for (i = 0; i < len && n + 4 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        out[n++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    if (i < len && n + 3 < outlen) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

enum lw_status
lw_mkdirs(const char *dir, mode_t mode, struct lw_err *err)
{
    char tmp[LW_PATH_MAX], parent[LW_PATH_MAX];
    struct stat st;
    size_t len = strlen(dir);
    char *p;

    if (len == 0 || len >= sizeof(tmp))
        return lw_err_set(err, LW_ERR_INPUT, _("bad directory name: %s"), dir);
    memcpy(tmp, dir, len + 1);
    for (p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        bool last = saved == '\0' || p[1] == '\0';
        /* Only the directory asked for gets mode: missing parents are
         * ordinary 0755 directories (/etc/pki on a fresh Debian must not
         * become 0700 because the key directory is). */
        mode_t want = last ? mode : 0755;
        *p = '\0';
        if (mkdir(tmp, want) == 0) {
            /* The umask may have narrowed it; the caller asked for this
             * mode.  The parent is synced so a crash cannot lose the new
             * directory while keeping files written into it. */
            if (chmod(tmp, want) != 0)
                return lw_err_errno(err, errno,
                                    _("cannot set the mode of directory %s "
                                      "(chmod)"),
                                    tmp);
            parent_of(tmp, parent);
            if (fsync_dir(parent) != 0)
                return lw_err_errno(
                    err, errno, _("cannot sync directory %s (fsync)"), parent);
        } else {
            int e = errno;
            if (e != EEXIST)
                return lw_err_errno(
                    err, e, _("cannot create directory %s (mkdir)"), tmp);
            if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode))
                return lw_err_set(err, LW_ERR_IO,
                                  _("%s exists but is not a directory"), tmp);
        }
        *p = saved;
        if (saved == '\0' || p[1] == '\0')
            break;
    }
    return LW_OK;
}

/* What lw_mkdirs(dir) would refuse, without creating anything: an
 * existing component that is not a directory (for a dry run). */
static enum lw_status
check_dirs(const char *dir, struct lw_err *err)
{
    char tmp[LW_PATH_MAX];
    struct stat st;
    char *p;

    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (stat(tmp, &st) != 0)
            return LW_OK; /* the rest would be created */
        if (!S_ISDIR(st.st_mode))
            return lw_err_set(err, LW_ERR_IO,
                              _("%s exists but is not a directory"), tmp);
        *p = saved;
        if (saved == '\0')
            return LW_OK;
    }
}

enum lw_status
lw_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                struct lw_err *err)
{
    char dir[LW_PATH_MAX], tmp[LW_PATH_MAX];
    const char *base, *call;
    const unsigned char *p = data;
    size_t off = 0;
    int fd, e, n;

    if (strlen(path) >= sizeof(dir))
        return lw_err_set(err, LW_ERR_INPUT, _("path too long: %s"), path);
    parent_of(path, dir);
    base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    n = snprintf(tmp, sizeof(tmp), "%s/.%s.lwtmp.XXXXXX",
                 strcmp(dir, "/") == 0 ? "" : dir, base);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return lw_err_set(err, LW_ERR_INPUT, _("path too long: %s"), path);

    /* mkostemp creates 0600; the final mode is set before any byte is
     * written, so a wider mode is never seen with partial content and a
     * key never exists with a wider one. */
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return lw_err_errno(err, errno,
                            _("cannot create a temporary file in %s "
                              "(mkostemp)"),
                            dir);
    call = "fchmod";
    if (fchmod(fd, mode) != 0) {
        e = errno;
        goto fail;
    }
    call = "write";
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            goto fail;
        }
        off += (size_t)w;
    }
    call = "fsync";
    if (fsync(fd) != 0) {
        e = errno;
        goto fail;
    }
    call = "close";
    if (close(fd) != 0) {
        e = errno;
        fd = -1;
        goto fail;
    }
    fd = -1;
    call = "rename";
    if (rename(tmp, path) != 0) {
        e = errno;
        goto fail;
    }
    if (fsync_dir(dir) != 0)
        return lw_err_errno(err, errno, _("cannot sync directory %s (fsync)"),
                            dir);
    return LW_OK;

fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    /* TRANSLATORS: the second %s is a system call name (write, rename). */
    return lw_err_errno(err, e, _("cannot write %s (%s)"), path, call);
}

/* Read a regular file (never through a symlink) into b, at most max bytes.
 * LW_ERR_NOTFOUND when it does not exist. */
static enum lw_status
read_regular(const char *path, struct lw_buf *b, size_t max, struct lw_err *err)
{
    char chunk[8192];
    struct stat st;
    size_t total = 0;
    ssize_t n;
    int fd, e;
    enum lw_status st_ = LW_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        e = errno;
        if (e == ENOENT || e == ENOTDIR)
            return lw_err_set(err, LW_ERR_NOTFOUND, _("%s: no such file"),
                              path);
        if (e == ELOOP)
            return lw_err_set(err, LW_ERR_REFUSED,
                              _("%s is a symbolic link; linkwiz does not "
                                "follow links here"),
                              path);
        return lw_err_errno(err, e, _("cannot open %s (open)"), path);
    }
    if (fstat(fd, &st) != 0) {
        st_ = lw_err_errno(err, errno, _("cannot inspect %s (fstat)"), path);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        st_ = lw_err_set(err, LW_ERR_REFUSED, _("%s is not a regular file"),
                         path);
        goto out;
    }
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            st_ = lw_err_errno(err, errno, _("cannot read %s (read)"), path);
            goto out;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total > max) {
            st_ = lw_err_set(err, LW_ERR_INPUT,
                             _("%s is larger than %zu bytes; linkwiz never "
                               "writes a file that large"),
                             path, max);
            goto out;
        }
        lw_buf_append(b, chunk, (size_t)n);
    }
    st_ = lw_buf_status(b, err);
out:
    OPENSSL_cleanse(chunk, sizeof(chunk)); /* it may have held a key */
    close(fd);
    return st_;
}

/* Append one whole line to an O_APPEND descriptor and make it durable. */
static enum lw_status
append_line(int fd, const char *jpath, const char *line, struct lw_err *err)
{
    size_t len = strlen(line), off = 0;
    off_t end = lseek(fd, 0, SEEK_END);
    int e;

    while (off < len) {
        ssize_t w = write(fd, line + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            /* No half line for the next one to be glued to. */
            if (off > 0 && end >= 0 && ftruncate(fd, end) != 0)
                e = errno;
            return lw_err_errno(err, e, _("cannot write %s (write)"), jpath);
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        return lw_err_errno(err, errno, _("cannot sync %s (fsync)"), jpath);
    return LW_OK;
}

/* ---- changes: record, undo ------------------------------------------- */

static struct change *
change_find(struct change_list *l, const char *path)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, path) == 0)
            return &l->v[i];
    return NULL;
}

static struct change *
change_add(struct change_list *l, enum change_kind kind, mode_t mode,
           const char *path)
{
    struct change *c;

    if (l->n == l->cap) {
        size_t cap = l->cap != 0 ? l->cap * 2 : 8;
        struct change *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        l->v = v;
        l->cap = cap;
    }
    c = &l->v[l->n];
    c->path = strdup(path);
    if (c->path == NULL)
        return NULL;
    c->kind = kind;
    c->mode = mode;
    c->done = false;
    l->n++;
    return c;
}

static void
change_list_free(struct change_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* A private key: its copies are never wider than 0600, and a rollback
 * keeps it instead of deleting it (a certificate may still be issued for
 * the CSR made with it). */
static bool
is_private_key(const char *path)
{
    static const char dir[] = "/etc/pki/tls/private/";

    return strncmp(path, dir, sizeof(dir) - 1) == 0;
}

/* Put c->path back from its copy in rundir. */
static enum lw_status
restore_one(const char *root, const char *stamp, const char *rundir,
            const struct change *c, struct lw_buf *report, struct lw_err *err)
{
    char target[LW_PATH_MAX], copy[LW_PATH_MAX];
    struct lw_buf data = LW_BUF_INIT;
    struct stat st;
    enum lw_status s;

    s = lw_path_under(root, c->path, target, sizeof(target), err);
    if (s != LW_OK)
        return s;
    s = join3(copy, rundir, c->path, "", err);
    if (s != LW_OK)
        return s;
    s = read_regular(copy, &data, FILE_MAX, err);
    if (s == LW_ERR_NOTFOUND) {
        s = lw_err_set(err, LW_ERR_NOTFOUND,
                       _("cannot restore %s: its saved copy %s is missing"),
                       target, copy);
        lw_err_hint(err, _("%s was left as it is."), target);
    }
    if (s != LW_OK)
        goto out;
    if (lstat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
        s = lw_err_set(err, LW_ERR_REFUSED,
                       _("cannot restore %s: it is now a directory"), target);
        goto out;
    }
    s = lw_write_atomic(target, data.data != NULL ? data.data : "", data.len,
                        is_private_key(c->path) ? c->mode & 0600 : c->mode,
                        err);
    if (s == LW_OK && report != NULL)
        /* TRANSLATORS: path, then the saved copy it came from. */
        lw_buf_printf(report, _("restored %s from %s/%s%s\n"), c->path,
                      BACKUPS_DIR, stamp, c->path);
out:
    lw_buf_free_secure(&data);
    return s;
}

/* Remove c->path, which the run created; already gone is fine. */
static enum lw_status
remove_one(const char *root, const char *stamp, const char *rundir,
           bool keep_keys, const struct change *c, struct lw_buf *report,
           struct lw_err *err)
{
    char target[LW_PATH_MAX], dir[LW_PATH_MAX], keep[LW_PATH_MAX];
    struct stat st;
    enum lw_status s;

    s = lw_path_under(root, c->path, target, sizeof(target), err);
    if (s != LW_OK)
        return s;
    if (lstat(target, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            return lw_err_errno(err, errno, _("cannot inspect %s (lstat)"),
                                target);
        if (report != NULL)
            lw_buf_printf(report,
                          _("%s was already absent (the run of %s had not "
                            "created it yet)\n"),
                          c->path, stamp);
        return LW_OK;
    }
    if (S_ISDIR(st.st_mode))
        return lw_err_set(err, LW_ERR_REFUSED,
                          _("cannot remove %s: it is now a directory"), target);
    if (keep_keys && is_private_key(c->path) && S_ISREG(st.st_mode)) {
        /* Moved, not deleted: the run's backup directory (0700) keeps it,
         * with its mode, on the same file system. */
        s = join3(keep, rundir, c->path, "", err);
        if (s == LW_OK) {
            parent_of(keep, dir);
            s = lw_mkdirs(dir, 0700, err);
        }
        if (s != LW_OK)
            return s;
        if (rename(target, keep) != 0)
            return lw_err_errno(err, errno, _("cannot remove %s (unlink)"),
                                target);
        parent_of(target, dir);
        fsync_dir(dir);
        if (report != NULL)
            /* TRANSLATORS: %1$s the key's path, %2$s the backups
             * directory, %3$s the run's stamp. */
            lw_buf_printf(report,
                          _("moved %1$s to %2$s/%3$s%1$s (a private key is "
                            "kept, not deleted)\n"),
                          c->path, BACKUPS_DIR, stamp);
        return LW_OK;
    }
    if (unlink(target) != 0)
        return lw_err_errno(err, errno, _("cannot remove %s (unlink)"), target);
    parent_of(target, dir);
    if (fsync_dir(dir) != 0)
        return lw_err_errno(err, errno, _("cannot sync directory %s (fsync)"),
                            dir);
    if (report != NULL)
        lw_buf_printf(report, _("removed %s (the run of %s created it)\n"),
                      c->path, stamp);
    return LW_OK;
}

/* Put back v[0..n) newest first.  Every entry is tried; the first failure
 * of an entry known to have happened is returned.  A change not known to
 * have happened may fail harmlessly (its target is as it was). */
static enum lw_status
undo_changes(const char *root, const char *stamp, const char *rundir,
             const struct change *v, size_t n, bool keep_keys,
             struct lw_buf *report, struct lw_err *err)
{
    enum lw_status first = LW_OK, s;
    struct lw_err one;
    size_t i;

    for (i = n; i-- > 0;) {
        lw_err_clear(&one);
        if (v[i].kind == CH_REPLACE)
            s = restore_one(root, stamp, rundir, &v[i], report, &one);
        else
            s = remove_one(root, stamp, rundir, keep_keys, &v[i], report,
                           &one);
        if (s != LW_OK && v[i].done && first == LW_OK) {
            first = s;
            if (err != NULL)
                *err = one;
        }
    }
    return first;
}

/* ---- the diff shown by a dry run ------------------------------------- */

struct line {
    const char *p;
    size_t n; /* with its '\n', when it has one */
};

struct op {
    char kind; /* ' ', '-', '+' */
    size_t a;  /* line of the old file (or where an insertion goes) */
    size_t b;  /* line of the new file (or where a deletion was) */
};

static bool
split_lines(const char *s, size_t len, struct line **out, size_t *nout)
{
    size_t n = 0, i, cap = 1;
    struct line *v;

    for (i = 0; i < len; i++)
        if (s[i] == '\n')
            cap++;
    v = malloc(cap * sizeof(*v));
    if (v == NULL)
        return false;
    i = 0;
    while (i < len) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t end = nl != NULL ? (size_t)(nl - s) + 1 : len;
        v[n].p = s + i;
        v[n].n = end - i;
        n++;
        i = end;
    }
    *out = v;
    *nout = n;
    return true;
}

static bool
line_eq(const struct line *x, const struct line *y)
{
    return x->n == y->n && memcmp(x->p, y->p, x->n) == 0;
}

/* An edit script from a to b: the common head and tail are kept as they
 * are, the middle is aligned by longest common subsequence (files here
 * are small; a middle too big for the table is replaced wholesale, which
 * is still a correct diff). */
static bool
diff_ops(const struct line *a, size_t na, const struct line *b, size_t nb,
         struct op **out, size_t *nout)
{
    size_t pre = 0, suf = 0, n, m, i, j, k = 0;
    uint32_t *L = NULL;
    struct op *ops;

    ops = malloc((na + nb + 1) * sizeof(*ops));
    if (ops == NULL)
        return false;
    while (pre < na && pre < nb && line_eq(&a[pre], &b[pre]))
        pre++;
    while (suf < na - pre && suf < nb - pre &&
           line_eq(&a[na - 1 - suf], &b[nb - 1 - suf]))
        suf++;
    for (i = 0; i < pre; i++)
        ops[k++] = (struct op){' ', i, i};
    n = na - pre - suf;
    m = nb - pre - suf;
    if (n > 0 && m > 0 && n + 1 <= LCS_MAX_CELLS / (m + 1))
        L = calloc((n + 1) * (m + 1), sizeof(*L));
#define AT(x, y) L[(size_t)(x) * (m + 1) + (y)]
    if (L != NULL) {
        for (i = n; i-- > 0;)
            for (j = m; j-- > 0;)
                AT(i, j) = line_eq(&a[pre + i], &b[pre + j])
                               ? AT(i + 1, j + 1) + 1
                           : AT(i + 1, j) >= AT(i, j + 1) ? AT(i + 1, j)
                                                          : AT(i, j + 1);
        i = j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && line_eq(&a[pre + i], &b[pre + j])) {
                ops[k++] = (struct op){' ', pre + i, pre + j};
                i++;
                j++;
            } else if (j == m || (i < n && AT(i + 1, j) >= AT(i, j + 1))) {
                ops[k++] = (struct op){'-', pre + i, pre + j};
                i++;
            } else {
                ops[k++] = (struct op){'+', pre + i, pre + j};
                j++;
            }
        }
        free(L);
    } else {
        for (i = 0; i < n; i++)
            ops[k++] = (struct op){'-', pre + i, pre};
        for (j = 0; j < m; j++)
            ops[k++] = (struct op){'+', pre + n, pre + j};
    }
#undef AT
    for (i = 0; i < suf; i++)
        ops[k++] = (struct op){' ', na - suf + i, nb - suf + i};
    *out = ops;
    *nout = k;
    return true;
}

/* "start,count" as diff writes it: an empty range names the line before
 * it, a single line has no count. */
static void
put_range(struct lw_buf *d, size_t start0, size_t count)
{
    if (count == 0)
        lw_buf_printf(d, "%zu,0", start0);
    else if (count == 1)
        lw_buf_printf(d, "%zu", start0 + 1);
    else
        lw_buf_printf(d, "%zu,%zu", start0 + 1, count);
}

/* One diff line; the old side is untrusted text from disk, so control
 * characters are replaced and a line is cut at DIFF_LINE_MAX bytes. */
static void
put_line(struct lw_buf *d, char kind, const struct line *l)
{
    /* diff_ops gives '+' ops b < nb and the others a < na:
     * NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign) */
    size_t i, n = l->n;
    bool nl = n > 0 && l->p[n - 1] == '\n';

    if (nl)
        n--;
    lw_buf_putc(d, kind);
    for (i = 0; i < n && i < DIFF_LINE_MAX; i++) {
        unsigned char c = (unsigned char)l->p[i];
        lw_buf_putc(d, (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c);
    }
    if (i < n)
        lw_buf_puts(d, "...");
    lw_buf_putc(d, '\n');
    if (!nl)
        lw_buf_puts(d, "\\ No newline at end of file\n");
}

static void
put_hunks(struct lw_buf *d, const struct op *ops, size_t nops,
          const struct line *a, const struct line *b)
{
    size_t k = 0, start, end, stop, e, i, na, nb;

    while (k < nops) {
        while (k < nops && ops[k].kind == ' ')
            k++;
        if (k == nops)
            break;
        start = k >= DIFF_CONTEXT ? k - DIFF_CONTEXT : 0;
        end = k;
        /* Changes closer than twice the context share a hunk. */
        for (;;) {
            while (end < nops && ops[end].kind != ' ')
                end++;
            e = end;
            while (e < nops && ops[e].kind == ' ')
                e++;
            if (e < nops && e - end <= 2 * DIFF_CONTEXT) {
                end = e;
                continue;
            }
            break;
        }
        stop = end + DIFF_CONTEXT < nops ? end + DIFF_CONTEXT : nops;
        na = nb = 0;
        for (i = start; i < stop; i++) {
            na += ops[i].kind != '+';
            nb += ops[i].kind != '-';
        }
        lw_buf_puts(d, "@@ -");
        put_range(d, ops[start].a, na);
        lw_buf_puts(d, " +");
        put_range(d, ops[start].b, nb);
        lw_buf_puts(d, " @@\n");
        for (i = start; i < stop; i++)
            put_line(d, ops[i].kind,
                     ops[i].kind == '+' ? &b[ops[i].b] : &a[ops[i].a]);
        k = stop;
    }
}

/* Append what installing data at path would do to in->diff. */
static enum lw_status
dry_run_diff(struct lw_install *in, const char *path, bool exists,
             mode_t oldmode, const struct lw_buf *old, const void *data,
             size_t len, mode_t mode, unsigned flags, struct lw_err *err)
{
    struct lw_buf *d = &in->diff;
    struct line *la = NULL, *lb = NULL;
    struct op *ops = NULL;
    size_t na = 0, nb = 0, nops = 0;
    bool same = exists && old->len == len &&
                (len == 0 || memcmp(old->data, data, len) == 0);
    enum lw_status s = LW_OK;

    if (exists && oldmode != mode)
        /* TRANSLATORS: a file's permission bits before and after. */
        lw_buf_printf(d, _("mode %04o → %04o\n"), (unsigned)oldmode,
                      (unsigned)mode);
    if (flags & LW_INSTALL_SECRET) {
        /* state.yaml is secret too, but not a key: say what it is. */
        if (strncmp(path, "/etc/pki/tls/private/", 21) == 0)
            lw_buf_printf(d, _("--- %s (private key, contents not shown)\n"),
                          path);
        else
            lw_buf_printf(d, _("--- %s (secret, contents not shown)\n"), path);
        if (!exists)
            lw_buf_printf(d, _("would be created with mode %04o\n"),
                          (unsigned)mode);
        else if (!same)
            lw_buf_puts(d, _("would be replaced\n"));
        return lw_buf_status(d, err);
    }
    if (!exists)
        lw_buf_printf(d, _("new file, mode %04o\n"), (unsigned)mode);
    if (exists)
        lw_buf_printf(d, "--- a%s\n", path);
    else
        lw_buf_puts(d, "--- /dev/null\n");
    lw_buf_printf(d, "+++ b%s\n", path);
    if (same)
        return lw_buf_status(d, err);
    if (old->len > DIFF_SHOW_MAX || len > DIFF_SHOW_MAX ||
        (old->len > 0 && memchr(old->data, '\0', old->len) != NULL) ||
        (len > 0 && memchr(data, '\0', len) != NULL)) {
        lw_buf_puts(d, _("(contents differ; binary or larger than 1 MiB, "
                         "not shown)\n"));
        return lw_buf_status(d, err);
    }
    if ((exists && !split_lines(old->data, old->len, &la, &na)) ||
        !split_lines(data, len, &lb, &nb) ||
        !diff_ops(la, na, lb, nb, &ops, &nops)) {
        s = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        goto out;
    }
    put_hunks(d, ops, nops, la, lb);
    s = lw_buf_status(d, err);
out:
    free(la);
    free(lb);
    free(ops);
    return s;
}

/* ---- the run ---------------------------------------------------------- */

enum lw_status
lw_install_begin(const struct lw_install_opts *opts, struct lw_install **out,
                 struct lw_err *err)
{
    const char *root =
        opts != NULL && opts->root != NULL && *opts->root ? opts->root : "/";
    struct lw_install *in;
    struct stat st;

    *out = NULL;
    if (stat(root, &st) != 0)
        return lw_err_errno(err, errno, _("cannot use %s as the root (stat)"),
                            root);
    if (!S_ISDIR(st.st_mode))
        return lw_err_set(err, LW_ERR_INPUT,
                          _("cannot use %s as the root: not a directory"),
                          root);
    in = calloc(1, sizeof(*in));
    if (in == NULL || (in->root = strdup(root)) == NULL) {
        free(in);
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    in->dry_run = opts != NULL && opts->dry_run;
    in->jfd = -1;
    lw_buf_init(&in->diff);
    *out = in;
    return LW_OK;
}

/* Make this run's backup directory and journal, once. */
static enum lw_status
start_run(struct lw_install *in, struct lw_err *err)
{
    char backups[LW_PATH_MAX], base[STAMP_LEN + 1];
    time_t now = time(NULL);
    struct tm tm;
    enum lw_status s;
    unsigned k;

    if (in->jfd >= 0)
        return LW_OK;
    s = lw_path_under(in->root, BACKUPS_DIR, backups, sizeof(backups), err);
    if (s == LW_OK)
        s = lw_mkdirs(backups, 0700, err);
    if (s != LW_OK)
        return s;
    if (gmtime_r(&now, &tm) == NULL ||
        strftime(base, sizeof(base), "%Y%m%dT%H%M%SZ", &tm) != STAMP_LEN)
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("internal error: cannot format the time"));
    for (k = 1;; k++) {
        if (k > 999)
            return lw_err_set(err, LW_ERR_IO,
                              _("cannot create a backup directory in %s: "
                                "too many runs in one second"),
                              backups);
        if (k == 1)
            snprintf(in->stamp, sizeof(in->stamp), "%s", base);
        else
            snprintf(in->stamp, sizeof(in->stamp), "%s-%u", base, k);
        s = join3(in->rundir, backups, "/", in->stamp, err);
        if (s != LW_OK)
            return s;
        if (mkdir(in->rundir, 0700) == 0)
            break;
        if (errno != EEXIST) {
            s = lw_err_errno(err, errno,
                             _("cannot create directory %s (mkdir)"),
                             in->rundir);
            goto fail;
        }
    }
    if (fsync_dir(backups) != 0) {
        s = lw_err_errno(err, errno, _("cannot sync directory %s (fsync)"),
                         backups);
        goto fail;
    }
    s = join3(in->jpath, in->rundir, "/", JOURNAL_NAME, err);
    if (s != LW_OK)
        goto fail;
    /* Written whole by rename: a journal either has its first line or is
     * not there at all. */
    s = lw_write_atomic(in->jpath, JOURNAL_MAGIC "\n",
                        sizeof(JOURNAL_MAGIC "\n") - 1, 0600, err);
    if (s != LW_OK)
        goto fail;
    in->jfd = open(in->jpath, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (in->jfd < 0) {
        s = lw_err_errno(err, errno, _("cannot open %s (open)"), in->jpath);
        goto fail;
    }
    return LW_OK;
fail:
    /* An empty or journal-less directory is ignored by rollback. */
    in->stamp[0] = '\0';
    return s;
}

static enum lw_status
journal_append(struct lw_install *in, const char *line, struct lw_err *err)
{
    return append_line(in->jfd, in->jpath, line, err);
}

/* Remove ".<name>.lwtmp.*" files beside path: temp files of an atomic
 * write that a killed run never renamed.  Errors are ignored (they are
 * only litter). */
static void
remove_stale_temps(const char *path)
{
    char dir[LW_PATH_MAX], prefix[LW_PATH_MAX];
    const char *base = strrchr(path, '/');
    struct dirent *de;
    size_t plen;
    DIR *d;

    if (base == NULL)
        return;
    parent_of(path, dir);
    if (snprintf(prefix, sizeof(prefix), ".%s.lwtmp.", base + 1) >=
        (int)sizeof(prefix))
        return;
    plen = strlen(prefix);
    d = opendir(dir);
    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, prefix, plen) == 0)
            unlinkat(dirfd(d), de->d_name, 0);
    closedir(d);
}

enum lw_status
lw_install_file(struct lw_install *in, const char *path, const void *data,
                size_t len, mode_t mode, mode_t dirmode, unsigned flags,
                bool *changed, struct lw_err *err)
{
    char full[LW_PATH_MAX], dir[LW_PATH_MAX], copy[LW_PATH_MAX];
    char line[LW_PATH_MAX + 32], shown[256];
    struct lw_buf old = LW_BUF_INIT;
    struct change *c;
    struct stat st;
    mode_t oldmode = 0;
    bool exists = false;
    enum lw_status s;

    if (changed != NULL)
        *changed = false;
    if (in->committed || in->finished)
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("internal error: cannot install %s: the run is "
                            "already committed or undone"),
                          sanitize(path, strlen(path), shown, sizeof(shown)));
    if (!path_is_clean(path) || (mode & ~0777u) != 0 || (dirmode & ~0777u) != 0)
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("internal error: refusing to install %s with mode "
                            "%04o: not a clean absolute path or mode"),
                          sanitize(path, strlen(path), shown, sizeof(shown)),
                          (unsigned)mode);
    if (!path_is_writable(path))
        return lw_err_set(err, LW_ERR_REFUSED,
                          _("refusing to install %s: linkwiz only writes under "
                            "/etc/pki/tls/, /etc/nginx/conf.d/ and "
                            "/var/lib/linkwiz/"),
                          path);
    s = lw_path_under(in->root, path, full, sizeof(full), err);
    if (s != LW_OK)
        return s;

    if (lstat(full, &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            s = lw_err_set(err, LW_ERR_REFUSED,
                           _("refusing to replace %s: it is a symbolic "
                             "link"),
                           full);
            lw_err_hint(err,
                        _("linkwiz does not follow links when it writes. "
                          "Replace the link with the file it points to, or "
                          "remove it, and run again."));
            return s;
        }
        if (S_ISDIR(st.st_mode))
            return lw_err_set(err, LW_ERR_REFUSED,
                              _("refusing to replace %s: it is a directory"),
                              full);
        if (!S_ISREG(st.st_mode))
            return lw_err_set(err, LW_ERR_REFUSED,
                              _("refusing to replace %s: it is not a regular "
                                "file"),
                              full);
        exists = true;
        oldmode = st.st_mode & 0777;
        s = read_regular(full, &old, FILE_MAX, err);
        if (s != LW_OK)
            goto out;
        if (oldmode == mode && old.len == len &&
            (len == 0 || memcmp(old.data, data, len) == 0))
            goto out; /* already in place */
    } else if (errno != ENOENT && errno != ENOTDIR) {
        /* ENOTDIR: a parent is a file; lw_mkdirs says so below. */
        s = lw_err_errno(err, errno, _("cannot inspect %s (lstat)"), full);
        goto out;
    }

    if (in->dry_run) {
        parent_of(full, dir);
        s = exists ? LW_OK : check_dirs(dir, err);
        if (s == LW_OK)
            s = dry_run_diff(in, path, exists, oldmode, &old, data, len, mode,
                             flags, err);
        if (s == LW_OK && change_find(&in->ch, path) == NULL) {
            c = change_add(&in->ch, exists ? CH_REPLACE : CH_CREATE,
                           exists ? oldmode : mode, path);
            if (c == NULL)
                s = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
            else
                c->done = true;
        }
        if (s == LW_OK && changed != NULL)
            *changed = true;
        goto out;
    }

    parent_of(full, dir);
    if (!exists) {
        s = lw_mkdirs(dir, dirmode, err);
        if (s != LW_OK)
            goto out;
    }
    /* A path changed earlier in this run keeps its first journal entry
     * and copy: those describe the state before the run. */
    c = change_find(&in->ch, path);
    if (c == NULL) {
        s = start_run(in, err);
        if (s != LW_OK)
            goto out;
        if (exists) {
            s = join3(copy, in->rundir, path, "", err);
            if (s != LW_OK)
                goto out;
            parent_of(copy, dir);
            s = lw_mkdirs(dir, 0700, err);
            if (s == LW_OK)
                s = lw_write_atomic(copy, old.data, old.len,
                                    is_private_key(path) ? oldmode & 0600
                                                         : oldmode,
                                    err);
            if (s != LW_OK) {
                lw_err_hint(err, _("%s was left as it is."), full);
                goto out;
            }
        }
        c = change_add(&in->ch, exists ? CH_REPLACE : CH_CREATE,
                       exists ? oldmode : mode, path);
        if (c == NULL) {
            s = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
            goto out;
        }
        snprintf(line, sizeof(line), "%s %04o %s\n",
                 exists ? "replace" : "create", (unsigned)c->mode, path);
        s = journal_append(in, line, err);
        if (s != LW_OK) {
            /* Not journaled, so not to be undone either. */
            free(c->path);
            in->ch.n--;
            goto out;
        }
    }
    /* Temp files a killed run left beside this file (possibly a copy of
     * a key) go now: the lock is held, so none is being written. */
    remove_stale_temps(full);
    s = lw_write_atomic(full, data, len, mode, err);
    if (s != LW_OK)
        goto out;
    c->done = true;
    if (changed != NULL)
        *changed = true;
out:
    lw_buf_free_secure(&old);
    return s;
}

size_t
lw_install_count(const struct lw_install *in)
{
    size_t i, n = 0;

    for (i = 0; i < in->ch.n; i++)
        n += in->ch.v[i].done;
    return n;
}

const char *
lw_install_diff(const struct lw_install *in)
{
    return in->diff.data != NULL && !in->diff.oom ? in->diff.data : "";
}

const char *
lw_install_stamp(const struct lw_install *in)
{
    return in->dry_run || in->stamp[0] == '\0' || lw_install_count(in) == 0
               ? NULL
               : in->stamp;
}

void
lw_install_describe(const struct lw_install *in, struct lw_buf *out)
{
    size_t i;

    for (i = 0; i < in->ch.n; i++) {
        const struct change *c = &in->ch.v[i];
        if (!c->done)
            continue;
        if (in->dry_run && c->kind == CH_CREATE)
            lw_buf_printf(out, _("would create %s\n"), c->path);
        else if (in->dry_run)
            lw_buf_printf(out, _("would replace %s\n"), c->path);
        else if (c->kind == CH_CREATE)
            /* TRANSLATORS: a line of the list of changes; %s is a path. */
            lw_buf_printf(out, _("created %s\n"), c->path);
        else
            /* TRANSLATORS: path, then where its previous copy is (backup
             * directory, then the path inside it); %1$s ... %4$s to reorder. */
            lw_buf_printf(out, _("replaced %s (previous copy: %s/%s%s)\n"),
                          c->path, BACKUPS_DIR, in->stamp, c->path);
    }
}

enum lw_status
lw_install_undo(struct lw_install *in, struct lw_err *err)
{
    enum lw_status s;

    if (in->dry_run || in->finished || in->ch.n == 0) {
        in->finished = true;
        return LW_OK;
    }
    in->finished = true;
    s = undo_changes(in->root, in->stamp, in->rundir, in->ch.v, in->ch.n,
                     false, NULL,
                     err);
    /* Left unmarked after a failure, so lw_rollback_last can retry. */
    if (s == LW_OK)
        s = journal_append(in, "undone\n", err);
    return s;
}

enum lw_status
lw_install_commit(struct lw_install *in, struct lw_err *err)
{
    enum lw_status s;

    if (in->finished)
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("internal error: cannot commit a run that was "
                            "undone"));
    if (in->committed || in->dry_run || in->jfd < 0) {
        in->committed = true;
        return LW_OK;
    }
    s = journal_append(in, "commit\n", err);
    if (s == LW_OK)
        in->committed = true;
    return s;
}

void
lw_install_free(struct lw_install *in)
{
    if (in == NULL)
        return;
    if (!in->committed && !in->finished)
        (void)lw_install_undo(in, NULL);
    if (in->jfd >= 0)
        close(in->jfd);
    change_list_free(&in->ch);
    lw_buf_free(&in->diff);
    free(in->root);
    free(in);
}

/* ---- rollback --------------------------------------------------------- */

struct journal {
    struct change_list ch;
    bool committed;
    bool marked;      /* undone or rolled back */
    size_t valid_len; /* up to the end of the last whole line */
};

/* Parse a journal; any line linkwiz would not have written refuses the
 * whole journal, so a tampered one cannot make rollback touch anything. */
static enum lw_status
parse_journal(const char *jpath, const char *data, size_t len,
              struct journal *j, struct lw_err *err)
{
    char line[LW_PATH_MAX + 32], shown[128];
    /* cppcheck-suppress unreadVariable ; n is read after any `goto bad` */
    size_t off = 0, lineno = 0, n = 0;
    const char *p, *path, *start = data;
    enum change_kind kind;
    mode_t mode;
    struct change *c;

    while (off < len) {
        const char *nl = memchr(data + off, '\n', len - off);
        if (nl == NULL)
            break; /* torn last line: it was never acted on */
        start = data + off;
        n = (size_t)(nl - start);
        off += n + 1;
        j->valid_len = off;
        lineno++;
        if (n >= sizeof(line) || memchr(start, '\0', n) != NULL)
            goto bad;
        memcpy(line, start, n);
        line[n] = '\0';
        if (lineno == 1) {
            if (strcmp(line, JOURNAL_MAGIC) != 0)
                goto bad;
            continue;
        }
        if (strcmp(line, "commit") == 0) {
            j->committed = true;
            continue;
        }
        if (strcmp(line, "undone") == 0 || strcmp(line, "rolled-back") == 0) {
            j->marked = true;
            continue;
        }
        if (strncmp(line, "create ", 7) == 0) {
            kind = CH_CREATE;
            p = line + 7;
        } else if (strncmp(line, "replace ", 8) == 0) {
            kind = CH_REPLACE;
            p = line + 8;
        } else {
            goto bad;
        }
        /* Four octal digits, the first 0: permission bits only. */
        if (p[0] != '0' || p[1] < '0' || p[1] > '7' || p[2] < '0' ||
            p[2] > '7' || p[3] < '0' || p[3] > '7' || p[4] != ' ')
            goto bad;
        mode =
            (mode_t)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
        path = p + 5;
        if (!path_is_writable(path)) {
            lw_err_set(err, LW_ERR_INPUT,
                       _("%s, line %zu: %s is not a file linkwiz writes; "
                         "refusing to roll back anything"),
                       jpath, lineno,
                       sanitize(path, strlen(path), shown, sizeof(shown)));
            goto hint;
        }
        c = change_add(&j->ch, kind, mode, path);
        if (c == NULL)
            return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        c->done = true;
    }
    if (lineno == 0 && len > 0) {
        /* Only a torn first line: the header is written whole, by rename,
         * so this is not a journal linkwiz made. */
        lineno = 1;
        n = len;
        goto bad;
    }
    return LW_OK;
bad:
    lw_err_set(err, LW_ERR_INPUT,
               _("%s, line %zu: \"%s\" is not a journal line linkwiz writes; "
                 "refusing to roll back anything"),
               jpath, lineno, sanitize(start, n, shown, sizeof(shown)));
hint:
    lw_err_hint(err, _("The journal was edited or damaged. Check the files it "
                       "names by hand; the saved copies are next to it."));
    return LW_ERR_INPUT;
}

/* A backup directory name: YYYYmmddTHHMMSSZ, maybe "-N". */
static bool
is_stamp(const char *s)
{
    size_t i, len = strlen(s);

    if (len < STAMP_LEN)
        return false;
    for (i = 0; i < STAMP_LEN; i++) {
        char want = i == 8 ? 'T' : i == 15 ? 'Z' : '9';
        if (want == '9' ? (s[i] < '0' || s[i] > '9') : s[i] != want)
            return false;
    }
    if (len == STAMP_LEN)
        return true;
    if (s[STAMP_LEN] != '-' || len > STAMP_LEN + 4 || s[STAMP_LEN + 1] == '0')
        return false;
    for (i = STAMP_LEN + 1; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return len > STAMP_LEN + 1;
}

/* Newest first: by time, then by the "-N" of runs in the same second. */
static int
cmp_stamp_desc(const void *x, const void *y)
{
    const char *a = *(const char *const *)x, *b = *(const char *const *)y;
    long na, nb;
    int c = strncmp(a, b, STAMP_LEN);

    if (c != 0)
        return -c;
    na = a[STAMP_LEN] == '-' ? strtol(a + STAMP_LEN + 1, NULL, 10) : 1;
    nb = b[STAMP_LEN] == '-' ? strtol(b + STAMP_LEN + 1, NULL, 10) : 1;
    return na < nb ? 1 : na > nb ? -1 : 0;
}

static enum lw_status
mark_rolled_back(const char *jpath, size_t valid_len, struct lw_err *err)
{
    enum lw_status s;
    int fd = open(jpath, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0)
        return lw_err_errno(err, errno, _("cannot open %s (open)"), jpath);
    /* A torn last line was never acted on; dropping it keeps the journal
     * parseable once the mark follows it. */
    if (ftruncate(fd, (off_t)valid_len) != 0)
        s = lw_err_errno(err, errno, _("cannot write %s (ftruncate)"), jpath);
    else
        s = append_line(fd, jpath, "rolled-back\n", err);
    close(fd);
    return s;
}

enum lw_status
lw_rollback_last(const char *root, struct lw_buf *report, struct lw_err *err)
{
    char backups[LW_PATH_MAX], rundir[LW_PATH_MAX], jpath[LW_PATH_MAX];
    struct lw_buf jb = LW_BUF_INIT;
    struct journal j;
    struct dirent *de;
    struct stat st;
    char **names = NULL, **tmp;
    size_t nnames = 0, cap = 0, i;
    enum lw_status s;
    DIR *d;

    memset(&j, 0, sizeof(j));
    s = lw_path_under(root, BACKUPS_DIR, backups, sizeof(backups), err);
    if (s != LW_OK)
        return s;
    d = opendir(backups);
    if (d == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return lw_err_set(err, LW_ERR_NOTFOUND,
                              _("nothing to roll back: %s does not exist"),
                              backups);
        return lw_err_errno(err, errno, _("cannot read directory %s (opendir)"),
                            backups);
    }
    while ((de = readdir(d)) != NULL) {
        if (!is_stamp(de->d_name))
            continue;
        if (nnames == cap) {
            cap = cap != 0 ? cap * 2 : 16;
            tmp = realloc(names, cap * sizeof(*names));
            if (tmp == NULL)
                break;
            names = tmp;
        }
        names[nnames] = strdup(de->d_name);
        if (names[nnames] == NULL)
            break;
        nnames++;
    }
    closedir(d);
    if (de != NULL) {
        s = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        goto out;
    }
    if (nnames > 1)
        qsort(names, nnames, sizeof(*names), cmp_stamp_desc);

    for (i = 0; i < nnames; i++) {
        s = join3(rundir, backups, "/", names[i], err);
        if (s == LW_OK)
            s = join3(jpath, rundir, "/", JOURNAL_NAME, err);
        if (s != LW_OK)
            goto out;
        if (lstat(rundir, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        lw_buf_free(&jb);
        s = read_regular(jpath, &jb, JOURNAL_MAX, err);
        if (s == LW_ERR_NOTFOUND)
            continue; /* killed before its journal existed: no changes */
        if (s != LW_OK)
            goto out;
        change_list_free(&j.ch);
        memset(&j, 0, sizeof(j));
        s = parse_journal(jpath, jb.data != NULL ? jb.data : "", jb.len, &j,
                          err);
        if (s != LW_OK)
            goto out;
        if (j.marked || j.ch.n == 0)
            continue;
        s = undo_changes(root, names[i], rundir, j.ch.v, j.ch.n, true, report,
                         err);
        if (s == LW_OK)
            s = mark_rolled_back(jpath, j.valid_len, err);
        if (s == LW_OK && report != NULL)
            s = lw_buf_status(report, err);
        goto out;
    }
    s = lw_err_set(err, LW_ERR_NOTFOUND,
                   _("nothing to roll back: no run recorded in %s is left "
                     "to undo"),
                   backups);
out:
    for (i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    change_list_free(&j.ch);
    lw_buf_free(&jb);
    return s;
}
