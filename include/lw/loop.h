/* loop.h - the one event loop: poll() over file descriptors, timers,
 * child processes and signals.  Serves `linkwiz check` and the wizard
 * alike (STYLE.md, "One event loop").
 *
 * One iteration: nearest timer -> poll -> ready fds -> expired timers ->
 * reaped children -> the idle hook (the wizard redraws there, once).
 * Signals arrive through a self-pipe, so callbacks never run in a signal
 * handler.  Single-threaded; callbacks may add and remove watches and
 * timers (also their own) at any time. */
#ifndef LW_LOOP_H
#define LW_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lw/status.h"

enum lw_io_events { LW_IO_READ = 1u << 0, LW_IO_WRITE = 1u << 1 };

struct lw_loop;
struct lw_timer;

typedef void (*lw_io_fn)(struct lw_loop *loop, int fd, unsigned revents,
                         void *ud);
typedef void (*lw_timer_fn)(struct lw_loop *loop, void *ud);
/* wstatus as from waitpid. */
typedef void (*lw_child_fn)(struct lw_loop *loop, pid_t pid, int wstatus,
                            void *ud);
typedef void (*lw_signal_fn)(struct lw_loop *loop, int signo, void *ud);
typedef void (*lw_idle_fn)(struct lw_loop *loop, void *ud);

enum lw_status lw_loop_new(struct lw_loop **out, struct lw_err *err);
/* Frees the loop; pending timers are dropped, signal handlers restored. */
void lw_loop_free(struct lw_loop *loop);

/* Watch fd for events (LW_IO_*); events 0 stops watching.  Calling again
 * for the same fd replaces events, fn and ud.  revents also carries
 * LW_IO_READ on hang-up or error, so the callback reads and sees it. */
enum lw_status lw_loop_watch(struct lw_loop *loop, int fd, unsigned events,
                             lw_io_fn fn, void *ud, struct lw_err *err);

/* A one-shot timer after ms milliseconds (0 = next iteration).  The
 * handle is valid until it fires or is cancelled. */
struct lw_timer *lw_loop_timer(struct lw_loop *loop, long ms, lw_timer_fn fn,
                               void *ud);
void lw_loop_timer_cancel(struct lw_loop *loop, struct lw_timer *t);

/* Call fn when child pid exits (SIGCHLD through the self-pipe, then
 * waitpid(pid, WNOHANG)).  The loop reaps it. */
enum lw_status lw_loop_child(struct lw_loop *loop, pid_t pid, lw_child_fn fn,
                             void *ud, struct lw_err *err);
/* Deliver signo (SIGINT, SIGTERM, SIGWINCH, SIGHUP…) to fn from the loop;
 * fn NULL restores the default action. */
enum lw_status lw_loop_signal(struct lw_loop *loop, int signo,
                              lw_signal_fn fn, void *ud, struct lw_err *err);
/* Called once per iteration after all events (e.g. redraw if dirty). */
void lw_loop_set_idle(struct lw_loop *loop, lw_idle_fn fn, void *ud);

/* Monotonic milliseconds (CLOCK_MONOTONIC), cached per iteration. */
uint64_t lw_loop_now_ms(struct lw_loop *loop);

/* Run until lw_loop_stop, or until nothing is watched, timed or awaited. */
enum lw_status lw_loop_run(struct lw_loop *loop, struct lw_err *err);
/* One iteration, waiting at most max_wait_ms (-1: until something). */
enum lw_status lw_loop_once(struct lw_loop *loop, int max_wait_ms,
                            struct lw_err *err);
void lw_loop_stop(struct lw_loop *loop);
bool lw_loop_stopped(const struct lw_loop *loop);

#endif
