/* proc.h - external programs, run through an argument vector
 * (posix_spawn), never a shell.  Output is captured, bounded. */
#ifndef LW_PROC_H
#define LW_PROC_H

#include <stdbool.h>

#include "lw/buf.h"
#include "lw/loop.h"
#include "lw/status.h"

#define LW_PROC_OUT_MAX (16u * 1024 * 1024) /* stdout bytes kept */
#define LW_PROC_ERR_MAX (1u * 1024 * 1024)  /* stderr bytes kept */

struct lw_proc_result {
    int exit_code;      /* exit status, or -1 when killed by a signal */
    int term_signal;    /* the signal, or 0 */
    bool timed_out;     /* killed by us after timeout_ms */
    struct lw_buf out;  /* stdout (at most 16 MiB kept) */
    struct lw_buf err;  /* stderr (at most 1 MiB kept) */
    bool out_truncated; /* stdout was longer; the rest was discarded */
    bool err_truncated; /* stderr was longer; the rest was discarded */
};

/* Empty result (exit_code -1).  Free with lw_proc_result_free. */
void lw_proc_result_init(struct lw_proc_result *r);
void lw_proc_result_free(struct lw_proc_result *r);

/* Run argv[0] (a path, or looked up in the child's PATH below) with argv,
 * stdin from /dev/null, and wait at most timeout_ms (<= 0: no limit), then
 * SIGKILL its process group.  The child gets only PATH=/usr/sbin:/usr/bin:
 * /sbin:/bin and LANG=C (predictable messages), in its own process group.
 * r must be initialized; its previous contents are replaced.
 * LW_OK when it ran (whatever its exit code: look at r); LW_ERR_EXTERNAL
 * when it could not be started (the message names the program, the hint
 * says which package to install for nginx). */
enum lw_status lw_proc_run(const char *const argv[], int timeout_ms,
                           struct lw_proc_result *r, struct lw_err *err);

/* The result of lw_proc_start; r is owned by proc and valid only during
 * the call. */
typedef void (*lw_proc_done_fn)(void *ud, struct lw_proc_result *r);

/* The same as lw_proc_run (environment, process group, bounded capture,
 * timeout, a grandchild holding the pipes given up shortly after the
 * exit), without waiting: the pipes are watched on loop and the child
 * awaited with lw_loop_child; done runs exactly once, from the loop, when
 * it is over.  LW_OK when it started; otherwise an error as lw_proc_run's
 * and done is never called.  The loop must outlive the program. */
enum lw_status lw_proc_start(struct lw_loop *loop, const char *const argv[],
                             int timeout_ms, lw_proc_done_fn done, void *ud,
                             struct lw_err *err);

#endif
