/* proc.h - external programs, run through an argument vector
 * (posix_spawn), never a shell.  Output is captured, bounded. */
#ifndef LW_PROC_H
#define LW_PROC_H

#include <stdbool.h>

#include "lw/buf.h"
#include "lw/status.h"

struct lw_proc_result {
    int exit_code;       /* exit status, or -1 when killed by a signal */
    int term_signal;     /* the signal, or 0 */
    bool timed_out;      /* killed by us after timeout_ms */
    struct lw_buf out;   /* stdout (at most 16 MiB kept) */
    struct lw_buf err;   /* stderr (at most 1 MiB kept) */
};

void lw_proc_result_init(struct lw_proc_result *r);
void lw_proc_result_free(struct lw_proc_result *r);

/* Run argv[0] (a path, or looked up in PATH) with argv, stdin from
 * /dev/null, and wait at most timeout_ms (<= 0: no limit), then SIGKILL.
 * LW_OK when it ran (whatever its exit code: look at r); an error when it
 * could not be started (the message names the program). */
enum lw_status lw_proc_run(const char *const argv[], int timeout_ms,
                           struct lw_proc_result *r, struct lw_err *err);

#endif
