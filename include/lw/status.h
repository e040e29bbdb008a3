/* status.h - the result of every fallible core call, and the message
 * that explains it.
 *
 * Core functions return enum lw_status and take struct lw_err *err last.
 * On failure they fill err with a whole, translated sentence naming what
 * failed and where (file, key, line), and optionally a hint saying what to
 * do next.  Only src/main.c turns a status into an exit code. */
#ifndef LW_STATUS_H
#define LW_STATUS_H

#include <stddef.h>

enum lw_status {
    LW_OK = 0,
    LW_ERR_INPUT,    /* bad input from the operator: answers, domain, file */
    LW_ERR_REFUSED,  /* valid input, but a rule forbids it (domain change) */
    LW_ERR_NOTFOUND, /* a file or record that should exist does not */
    LW_ERR_IO,       /* a read, write, rename or fsync failed */
    LW_ERR_LOCKED,   /* another run holds the state lock */
    LW_ERR_EXTERNAL, /* an external program (nginx) failed */
    LW_ERR_CRYPTO,   /* OpenSSL failed */
    LW_ERR_NOMEM,
    LW_ERR_INTERNAL
};

#define LW_ERR_MSG_MAX 1024
#define LW_ERR_HINT_MAX 512

struct lw_err {
    enum lw_status status;
    char msg[LW_ERR_MSG_MAX];   /* what happened, where */
    char hint[LW_ERR_HINT_MAX]; /* what to do next; may be empty */
};

/* Clear err (NULL allowed). */
void lw_err_clear(struct lw_err *err);

/* Set status and message (printf format, translated by the caller);
 * clears the hint.  Returns status, so callers write
 * `return lw_err_set(err, LW_ERR_IO, _("..."), ...);`.  err may be NULL. */
enum lw_status lw_err_set(struct lw_err *err, enum lw_status status,
                          const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set the hint of an already set error.  err may be NULL. */
void lw_err_hint(struct lw_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefix the existing message with "<prefix>: " (e.g. the file name). */
void lw_err_prefix(struct lw_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set an LW_ERR_CRYPTO error whose message ends with OpenSSL's first
 * queued error; drains the OpenSSL error queue. */
enum lw_status lw_err_openssl(struct lw_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set an LW_ERR_IO error whose message ends with strerror(errnum). */
enum lw_status lw_err_errno(struct lw_err *err, int errnum, const char *fmt,
                            ...) __attribute__((format(printf, 3, 4)));

#endif
