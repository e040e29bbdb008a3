/* worker.h - one job off the UI thread (key generation, the setup
 * transaction, nginx -t): the work runs in a thread whose notices and
 * progress reach the event loop through a pipe, so the screen never
 * freezes.  Curses-free. */
#ifndef LW_UI_WORKER_H
#define LW_UI_WORKER_H

#include <stdbool.h>

#include "lw/buf.h"
#include "lw/loop.h"
#include "lw/setup.h"
#include "lw/status.h"

struct lw_job;

/* Runs in the worker thread: must not touch curses or the loop. */
typedef enum lw_status (*lw_job_fn)(struct lw_job *job, void *ud,
                                    struct lw_err *err);
/* Runs in the loop (UI) thread when something new arrived: notices,
 * progress, or the end (lw_job_finished). */
typedef void (*lw_job_wake_fn)(struct lw_job *job, void *ud);

/* Start fn(job, ud) in a new thread that blocks every signal (they stay
 * with the loop).  wake is called from loop.  *out is freed with
 * lw_job_free. */
enum lw_status lw_job_start(struct lw_loop *loop, lw_job_fn fn, void *ud,
                            lw_job_wake_fn wake, void *wake_ud,
                            struct lw_job **out, struct lw_err *err);

/* Worker side: a sentence for the operator (copied). */
void lw_job_notice(struct lw_job *job, enum lw_notice level,
                   const char *msg);
/* Worker side: one more step of progress; false once cancelled. */
bool lw_job_progress(struct lw_job *job);
/* lw_setup_ops callbacks that forward to the two above (ud = job). */
void lw_job_setup_notice(void *ud, enum lw_notice level, const char *msg);
bool lw_job_setup_progress(void *ud, int phase, int count);

/* UI side. */
void lw_job_cancel(struct lw_job *job);
bool lw_job_finished(struct lw_job *job);
unsigned long lw_job_steps(struct lw_job *job);
/* Move the notices gathered so far to out ("!" prefix for a warning, one
 * per line). */
void lw_job_take_notices(struct lw_job *job, struct lw_buf *out);
/* The job's result once finished (err gets its message). */
enum lw_status lw_job_result(struct lw_job *job, struct lw_err *err);
/* Cancel, wait for the thread, stop watching, free (NULL allowed). */
void lw_job_free(struct lw_job *job);

#endif
