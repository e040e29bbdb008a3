/* buf.h - a growable byte buffer with a sticky allocation failure flag.
 *
 * Appends never fail individually: after a run of appends, check
 * lw_buf_ok() (or the status of lw_buf_status) once.  The data is always
 * NUL-terminated while ok.  Owned by the struct; free with lw_buf_free. */
#ifndef LW_BUF_H
#define LW_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "lw/status.h"

struct lw_buf {
    char *data;
    size_t len;
    size_t cap;
    bool oom;
};

#define LW_BUF_INIT {NULL, 0, 0, false}

void lw_buf_init(struct lw_buf *b);
void lw_buf_free(struct lw_buf *b);
/* Zero the bytes (OPENSSL_cleanse) before freeing: for key material. */
void lw_buf_free_secure(struct lw_buf *b);
void lw_buf_reset(struct lw_buf *b);
void lw_buf_append(struct lw_buf *b, const void *data, size_t len);
void lw_buf_puts(struct lw_buf *b, const char *s);
void lw_buf_putc(struct lw_buf *b, char c);
void lw_buf_printf(struct lw_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool lw_buf_ok(const struct lw_buf *b);
/* LW_OK, or LW_ERR_NOMEM with a message in err. */
enum lw_status lw_buf_status(const struct lw_buf *b, struct lw_err *err);
/* Hand the data to the caller (free() it); the buffer is left empty. */
char *lw_buf_steal(struct lw_buf *b, size_t *len);

/* Read a whole file (at most max bytes; larger is an LW_ERR_INPUT error
 * naming the path).  Appends to b. */
enum lw_status lw_buf_read_file(struct lw_buf *b, const char *path,
                                size_t max, struct lw_err *err);

#endif
