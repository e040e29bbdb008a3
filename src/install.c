/* install.c - atomic writes, backups and the per-run journal. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lw/install.h"
#include "lw/nls.h"

enum lw_status
lw_path_under(const char *root, const char *path, char *out, size_t outlen,
              struct lw_err *err)
{
    size_t rlen;
    int n;

    if (root == NULL || *root == '\0')
        root = "/";
    if (path[0] != '/')
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("internal error: path %s is not absolute"), path);
    if (strstr(path, "/../") != NULL ||
        (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
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

enum lw_status
lw_mkdirs(const char *dir, mode_t mode, struct lw_err *err)
{
    char tmp[LW_PATH_MAX];
    struct stat st;
    size_t len = strlen(dir);
    char *p;

    if (len == 0 || len >= sizeof(tmp))
        return lw_err_set(err, LW_ERR_INPUT, _("bad directory name: %s"),
                          dir);
    memcpy(tmp, dir, len + 1);
    for (p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(tmp, mode) != 0) {
            int e = errno;
            if (e != EEXIST)
                return lw_err_errno(err, e, _("cannot create directory %s"),
                                    tmp);
            if (stat(tmp, &st) != 0 || !S_ISDIR(st.st_mode))
                return lw_err_set(err, LW_ERR_IO,
                                  _("%s exists but is not a directory"), tmp);
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    return LW_OK;
}

static int
fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

enum lw_status
lw_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                struct lw_err *err)
{
    char dir[LW_PATH_MAX], tmp[LW_PATH_MAX];
    const char *base;
    const unsigned char *p = data;
    size_t off = 0;
    int fd, e, n;

    n = snprintf(dir, sizeof(dir), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(dir))
        return lw_err_set(err, LW_ERR_INPUT, _("path too long: %s"), path);
    base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    {
        char *slash = strrchr(dir, '/');
        if (slash == NULL)
            snprintf(dir, sizeof(dir), ".");
        else if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
    }
    n = snprintf(tmp, sizeof(tmp), "%s/.%s.lwtmp.XXXXXX", dir, base);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return lw_err_set(err, LW_ERR_INPUT, _("path too long: %s"), path);

    /* mkostemp creates 0600; the final mode is set before any byte is
     * written, so a wider mode is never seen with partial content and a
     * key never exists with a wider one. */
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return lw_err_errno(err, errno, _("cannot create a temporary file in %s"),
                            dir);
    if (fchmod(fd, mode) != 0) {
        e = errno;
        goto fail;
    }
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
    if (fsync(fd) != 0) {
        e = errno;
        goto fail;
    }
    if (close(fd) != 0) {
        e = errno;
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        e = errno;
        goto fail;
    }
    if (fsync_dir(dir) != 0)
        return lw_err_errno(err, errno, _("cannot sync directory %s"), dir);
    return LW_OK;

fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return lw_err_errno(err, e, _("cannot write %s"), path);
}
