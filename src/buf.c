/* buf.c - growable byte buffer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lw/buf.h"
#include "lw/nls.h"

void
lw_buf_init(struct lw_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

void
lw_buf_free(struct lw_buf *b)
{
    free(b->data);
    lw_buf_init(b);
}

void
lw_buf_free_secure(struct lw_buf *b)
{
    if (b->data != NULL)
        OPENSSL_cleanse(b->data, b->cap);
    lw_buf_free(b);
}

void
lw_buf_reset(struct lw_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

static bool
reserve(struct lw_buf *b, size_t extra)
{
    size_t want, cap;
    char *p;

    if (b->oom)
        return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->oom = true;
        return false;
    }
    want = b->len + extra + 1;
    if (want <= b->cap)
        return true;
    cap = b->cap != 0 ? b->cap : 64;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    /* Not realloc: it may move the bytes and free the old block as it is.
     * Buffers carry private keys, so the old block is cleared first. */
    p = malloc(cap);
    if (p == NULL) {
        b->oom = true;
        return false;
    }
    if (b->data != NULL) {
        memcpy(p, b->data, b->len + 1);
        OPENSSL_cleanse(b->data, b->cap);
        free(b->data);
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void
lw_buf_append(struct lw_buf *b, const void *data, size_t len)
{
    if (!reserve(b, len))
        return;
    if (len != 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void
lw_buf_puts(struct lw_buf *b, const char *s)
{
    lw_buf_append(b, s, strlen(s));
}

void
lw_buf_putc(struct lw_buf *b, char c)
{
    lw_buf_append(b, &c, 1);
}

void
lw_buf_printf(struct lw_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && reserve(b, (size_t)n)) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    } else if (n < 0) {
        b->oom = true;
    }
    va_end(ap2);
}

bool
lw_buf_ok(const struct lw_buf *b)
{
    return !b->oom;
}

enum lw_status
lw_buf_status(const struct lw_buf *b, struct lw_err *err)
{
    if (!b->oom)
        return LW_OK;
    return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
}

char *
lw_buf_steal(struct lw_buf *b, size_t *len)
{
    char *p = b->data;

    if (p == NULL && !b->oom) {
        p = calloc(1, 1);
    }
    if (len != NULL)
        *len = b->len;
    lw_buf_init(b);
    return p;
}

enum lw_status
lw_buf_read_file(struct lw_buf *b, const char *path, size_t max,
                 struct lw_err *err)
{
    char chunk[8192];
    size_t total = 0;
    enum lw_status rc;
    ssize_t n;
    int fd, e;

    /* O_NONBLOCK: a FIFO must not hang the run; it is refused below. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        e = errno;
        if (e == ENOENT)
            /* TRANSLATORS: %s is a path. */
            return lw_err_set(err, LW_ERR_NOTFOUND, _("%s: no such file"),
                              path);
        /* TRANSLATORS: %s is a path; the system's reason follows after a
         * colon. */
        return lw_err_errno(err, e, _("cannot open %s"), path);
    }
    {
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
            return lw_err_set(err, LW_ERR_INPUT,
                              _("%s is not a regular file"), path);
        }
    }
    /* The chunk may hold key bytes: every way out clears it. */
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            /* TRANSLATORS: %s is a path; the system's reason follows after a
             * colon. */
            rc = lw_err_errno(err, e, _("cannot read %s"), path);
            goto out;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total > max) {
            rc = lw_err_set(err, LW_ERR_INPUT,
                            _("%s is larger than %zu bytes; is it the right "
                              "file?"),
                            path, max);
            goto out;
        }
        lw_buf_append(b, chunk, (size_t)n);
    }
    rc = lw_buf_status(b, err);
out:
    close(fd);
    OPENSSL_cleanse(chunk, sizeof(chunk));
    return rc;
}
