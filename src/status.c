/* status.c - error messages carried back to the caller. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "lw/status.h"

void
lw_err_clear(struct lw_err *err)
{
    if (err == NULL)
        return;
    err->status = LW_OK;
    err->msg[0] = '\0';
    err->hint[0] = '\0';
}

enum lw_status
lw_err_set(struct lw_err *err, enum lw_status status, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return status;
    err->status = status;
    err->hint[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return status;
}

void
lw_err_hint(struct lw_err *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
}

void
lw_err_prefix(struct lw_err *err, const char *fmt, ...)
{
    char prefix[LW_ERR_MSG_MAX], old[LW_ERR_MSG_MAX];
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    /* A message too long for the buffer is cut; that is acceptable. */
    if (snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old) < 0)
        err->msg[0] = '\0';
}

static enum lw_status
set_suffixed(struct lw_err *err, enum lw_status status, const char *suffix,
             const char *fmt, va_list ap)
{
    char head[LW_ERR_MSG_MAX];

    vsnprintf(head, sizeof(head), fmt, ap);
    if (suffix != NULL && *suffix != '\0')
        return lw_err_set(err, status, "%s: %s", head, suffix);
    return lw_err_set(err, status, "%s", head);
}

enum lw_status
lw_err_openssl(struct lw_err *err, const char *fmt, ...)
{
    char ssl[256] = "";
    unsigned long e = ERR_get_error();
    enum lw_status st;
    va_list ap;

    if (e != 0)
        ERR_error_string_n(e, ssl, sizeof(ssl));
    ERR_clear_error();
    if (err == NULL)
        return LW_ERR_CRYPTO;
    va_start(ap, fmt);
    st = set_suffixed(err, LW_ERR_CRYPTO, ssl, fmt, ap);
    va_end(ap);
    return st;
}

enum lw_status
lw_err_errno(struct lw_err *err, int errnum, const char *fmt, ...)
{
    enum lw_status st;
    va_list ap;

    if (err == NULL)
        return LW_ERR_IO;
    va_start(ap, fmt);
    st = set_suffixed(err, errnum == ENOMEM ? LW_ERR_NOMEM : LW_ERR_IO,
                      strerror(errnum), fmt, ap);
    va_end(ap);
    return st;
}
