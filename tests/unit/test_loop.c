/* test_loop.c - the event loop: timer order and cancellation, descriptor
 * readiness, re-entrant removal, children, signals, run and once. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lw/loop.h"

static uint64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct lw_loop *
new_loop(void)
{
    struct lw_loop *loop = NULL;
    struct lw_err err;

    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_non_null(loop);
    return loop;
}

static void
run(struct lw_loop *loop)
{
    struct lw_err err;

    lw_err_clear(&err);
    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
}

/* ---- timers ---- */

struct order {
    char seen[32];
    size_t n;
    struct lw_timer *victim; /* cancelled by the 'c' timer */
};

struct tick {
    struct order *o;
    char tag;
};

static void
on_tick(struct lw_loop *loop, void *ud)
{
    struct tick *t = ud;

    (void)loop;
    t->o->seen[t->o->n++] = t->tag;
}

static void
on_tick_cancel(struct lw_loop *loop, void *ud)
{
    struct tick *t = ud;

    t->o->seen[t->o->n++] = t->tag;
    lw_loop_timer_cancel(loop, t->o->victim);
}

struct timer_case {
    const char *name;
    long ms[6];    /* delays of timers a, b, c… (-1 ends) */
    int cancel;    /* index cancelled before running, or -1 */
    int canceller; /* index whose callback cancels victim, or -1 */
    int victim;
    const char *order; /* exact firing order */
};

static const struct timer_case timer_cases[] = {
    {"by due time", {30, 10, 20, -1}, -1, -1, -1, "bca"},
    {"ties in creation order", {10, 10, 0, 10, -1}, -1, -1, -1, "cabd"},
    {"cancelled before run", {10, 20, 30, -1}, 1, -1, -1, "ac"},
    {"cancelled by an earlier timer", {10, 40, 30, -1}, -1, 0, 2, "ab"},
    {"cancelled by a timer due at the same time",
     {10, 10, 20, -1},
     -1,
     0,
     1,
     "ac"},
};

static void
test_timer_table(void **state)
{
    size_t i;
    int j;

    (void)state;
    for (i = 0; i < sizeof(timer_cases) / sizeof(timer_cases[0]); i++) {
        const struct timer_case *c = &timer_cases[i];
        struct lw_loop *loop = new_loop();
        struct order o;
        struct tick ticks[6];
        struct lw_timer *h[6];

        print_message("# %s\n", c->name);
        memset(&o, 0, sizeof(o));
        for (j = 0; c->ms[j] >= 0; j++) {
            ticks[j].o = &o;
            ticks[j].tag = (char)('a' + j);
            h[j] = lw_loop_timer(loop, c->ms[j],
                                 j == c->canceller ? on_tick_cancel : on_tick,
                                 &ticks[j]);
            assert_non_null(h[j]);
        }
        if (c->victim >= 0)
            o.victim = h[c->victim];
        if (c->cancel >= 0)
            lw_loop_timer_cancel(loop, h[c->cancel]);
        run(loop);
        o.seen[o.n] = '\0';
        assert_string_equal(o.seen, c->order);
        lw_loop_free(loop);
    }
}

static void
on_self_cancel(struct lw_loop *loop, void *ud)
{
    struct lw_timer **self = ud;

    /* Cancelling the timer that is firing is harmless. */
    lw_loop_timer_cancel(loop, *self);
    *self = NULL;
}

static void
test_timer_cancel_self(void **state)
{
    struct lw_loop *loop = new_loop();
    struct lw_timer *t;

    (void)state;
    t = lw_loop_timer(loop, 0, on_self_cancel, &t);
    assert_non_null(t);
    run(loop);
    assert_null(t);
    lw_loop_free(loop);
}

/* A 0 ms timer set from a timer callback runs in the next iteration. */
static void
on_rearm(struct lw_loop *loop, void *ud)
{
    int *count = ud;

    if (++*count < 3)
        assert_non_null(lw_loop_timer(loop, 0, on_rearm, ud));
}

static void
test_timer_zero_next_iteration(void **state)
{
    struct lw_loop *loop = new_loop();
    struct lw_err err;
    int count = 0;

    (void)state;
    assert_non_null(lw_loop_timer(loop, 0, on_rearm, &count));
    assert_int_equal(lw_loop_once(loop, 0, &err), LW_OK);
    assert_int_equal(count, 1);
    assert_int_equal(lw_loop_once(loop, 0, &err), LW_OK);
    assert_int_equal(count, 2);
    run(loop);
    assert_int_equal(count, 3);
    lw_loop_free(loop);
}

static void
test_timer_elapsed(void **state)
{
    struct lw_loop *loop = new_loop();
    struct order o;
    struct tick t = {&o, 'x'};
    uint64_t t0;

    (void)state;
    memset(&o, 0, sizeof(o));
    t0 = mono_ms();
    assert_non_null(lw_loop_timer(loop, 120, on_tick, &t));
    run(loop);
    assert_int_equal(o.n, 1);
    assert_true(mono_ms() - t0 >= 120);
    assert_true(mono_ms() - t0 < 1000);
    assert_true(lw_loop_now_ms(loop) - t0 >= 120);
    lw_loop_free(loop);
}

/* ---- descriptors ---- */

struct pipe_ud {
    int fds[2];
    char got[64];
    size_t n;
    int calls;
    unsigned last;
    bool unwatch; /* remove the watch from its own callback */
};

static void
on_readable(struct lw_loop *loop, int fd, unsigned revents, void *ud)
{
    struct pipe_ud *p = ud;
    struct lw_err err;
    ssize_t n;

    p->calls++;
    p->last = revents;
    n = read(fd, p->got + p->n, sizeof(p->got) - 1 - p->n);
    if (n > 0)
        p->n += (size_t)n;
    p->got[p->n] = '\0';
    if (n == 0 || p->unwatch)
        assert_int_equal(lw_loop_watch(loop, fd, 0, NULL, NULL, &err), LW_OK);
}

static void
on_write_later(struct lw_loop *loop, void *ud)
{
    struct pipe_ud *p = ud;

    (void)loop;
    assert_int_equal(write(p->fds[1], "hello", 5), 5);
    close(p->fds[1]);
    p->fds[1] = -1;
}

static void
test_fd_readiness(void **state)
{
    struct lw_loop *loop = new_loop();
    struct pipe_ud p;
    struct lw_err err;

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_int_equal(pipe2(p.fds, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(
        lw_loop_watch(loop, p.fds[0], LW_IO_READ, on_readable, &p, &err),
        LW_OK);
    /* Nothing to read yet: a bounded wait returns without a call. */
    assert_int_equal(lw_loop_once(loop, 20, &err), LW_OK);
    assert_int_equal(p.calls, 0);
    assert_non_null(lw_loop_timer(loop, 10, on_write_later, &p));
    run(loop); /* returns once the watch removed itself at end of file */
    assert_string_equal(p.got, "hello");
    assert_true(p.calls >= 2);
    assert_true(p.last & LW_IO_READ); /* hang-up is reported as readable */
    close(p.fds[0]);
    lw_loop_free(loop);
}

static void
test_fd_unwatch_self(void **state)
{
    struct lw_loop *loop = new_loop();
    struct pipe_ud a, b;
    struct lw_err err;

    (void)state;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.unwatch = b.unwatch = true;
    assert_int_equal(pipe2(a.fds, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(pipe2(b.fds, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(write(a.fds[1], "1", 1), 1);
    assert_int_equal(write(b.fds[1], "2", 1), 1);
    assert_int_equal(
        lw_loop_watch(loop, a.fds[0], LW_IO_READ, on_readable, &a, &err),
        LW_OK);
    assert_int_equal(
        lw_loop_watch(loop, b.fds[0], LW_IO_READ, on_readable, &b, &err),
        LW_OK);
    /* Both are ready in the same iteration; each removes only itself and
     * the data stays readable, yet neither is called again. */
    run(loop);
    assert_int_equal(a.calls, 1);
    assert_int_equal(b.calls, 1);
    assert_string_equal(a.got, "1");
    assert_string_equal(b.got, "2");
    close(a.fds[0]);
    close(a.fds[1]);
    close(b.fds[0]);
    close(b.fds[1]);
    lw_loop_free(loop);
}

/* The first callback removes the other watch and closes its descriptor:
 * the stale readiness of the second must not be delivered. */
struct pair {
    struct pipe_ud a, b;
    int first_calls, second_calls;
};

static void
on_second(struct lw_loop *loop, int fd, unsigned revents, void *ud)
{
    struct pair *p = ud;

    (void)loop;
    (void)fd;
    (void)revents;
    p->second_calls++;
}

static void
on_first(struct lw_loop *loop, int fd, unsigned revents, void *ud)
{
    struct pair *p = ud;
    struct lw_err err;
    int other = fd == p->a.fds[0] ? p->b.fds[0] : p->a.fds[0];

    (void)revents;
    p->first_calls++;
    assert_int_equal(lw_loop_watch(loop, other, 0, NULL, NULL, &err), LW_OK);
    assert_int_equal(lw_loop_watch(loop, fd, 0, NULL, NULL, &err), LW_OK);
}

static void
test_fd_unwatch_other(void **state)
{
    struct lw_loop *loop = new_loop();
    struct pair p;
    struct lw_err err;

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_int_equal(pipe2(p.a.fds, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(pipe2(p.b.fds, O_NONBLOCK | O_CLOEXEC), 0);
    assert_int_equal(write(p.a.fds[1], "1", 1), 1);
    assert_int_equal(write(p.b.fds[1], "2", 1), 1);
    /* Whichever is dispatched first removes both. */
    assert_int_equal(
        lw_loop_watch(loop, p.a.fds[0], LW_IO_READ, on_first, &p, &err), LW_OK);
    assert_int_equal(
        lw_loop_watch(loop, p.b.fds[0], LW_IO_READ, on_first, &p, &err), LW_OK);
    run(loop);
    assert_int_equal(p.first_calls, 1);
    assert_int_equal(p.second_calls, 0);
    close(p.a.fds[0]);
    close(p.a.fds[1]);
    close(p.b.fds[0]);
    close(p.b.fds[1]);
    lw_loop_free(loop);
}

static void
test_fd_bad_args(void **state)
{
    struct lw_loop *loop = new_loop();
    struct lw_err err;

    (void)state;
    lw_err_clear(&err);
    assert_int_equal(lw_loop_watch(loop, -1, LW_IO_READ, on_second, NULL, &err),
                     LW_ERR_INTERNAL);
    assert_string_equal(err.msg, "internal error: bad descriptor watch");
    assert_int_equal(lw_loop_watch(loop, 0, LW_IO_READ, NULL, NULL, &err),
                     LW_ERR_INTERNAL);
    /* Unwatching what is not watched is fine. */
    assert_int_equal(lw_loop_watch(loop, 5, 0, NULL, NULL, &err), LW_OK);
    lw_loop_free(loop);
}

/* ---- children ---- */

struct child_ud {
    pid_t pid;
    int status;
    int calls;
};

static void
on_child(struct lw_loop *loop, pid_t pid, int wstatus, void *ud)
{
    struct child_ud *c = ud;

    (void)loop;
    c->calls++;
    c->pid = pid;
    c->status = wstatus;
}

static void
test_child(void **state)
{
    struct lw_loop *loop = new_loop();
    struct child_ud fast, slow;
    struct lw_err err;
    pid_t p1, p2;
    int st;

    (void)state;
    memset(&fast, 0, sizeof(fast));
    memset(&slow, 0, sizeof(slow));
    p1 = fork();
    assert_true(p1 >= 0);
    if (p1 == 0)
        _exit(3);
    /* Already exited before it is registered: still reported. */
    usleep(50000);
    assert_int_equal(lw_loop_child(loop, p1, on_child, &fast, &err), LW_OK);
    p2 = fork();
    assert_true(p2 >= 0);
    if (p2 == 0) {
        usleep(100000);
        raise(SIGTERM);
        _exit(0);
    }
    assert_int_equal(lw_loop_child(loop, p2, on_child, &slow, &err), LW_OK);
    run(loop); /* returns when both are reaped */
    assert_int_equal(fast.calls, 1);
    assert_int_equal(fast.pid, p1);
    assert_true(WIFEXITED(fast.status));
    assert_int_equal(WEXITSTATUS(fast.status), 3);
    assert_int_equal(slow.calls, 1);
    assert_int_equal(slow.pid, p2);
    assert_true(WIFSIGNALED(slow.status));
    assert_int_equal(WTERMSIG(slow.status), SIGTERM);
    /* The loop reaped them. */
    assert_int_equal(waitpid(p1, &st, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    lw_loop_free(loop);
}

static void
test_child_bad_args(void **state)
{
    struct lw_loop *loop = new_loop();
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_loop_child(loop, 0, on_child, NULL, &err),
                     LW_ERR_INTERNAL);
    assert_string_equal(err.msg, "internal error: bad child process watch");
    lw_loop_free(loop);
}

/* ---- signals ---- */

struct sig_ud {
    int signo;
    int calls;
};

static void
on_usr1(struct lw_loop *loop, int signo, void *ud)
{
    struct sig_ud *s = ud;

    (void)loop;
    s->signo = signo;
    s->calls++;
}

static void
on_raise(struct lw_loop *loop, void *ud)
{
    struct sig_ud *s = ud;

    (void)loop;
    raise(SIGUSR1);
    /* The handler only wrote a byte: the callback has not run yet. */
    assert_int_equal(s->calls, 0);
    raise(SIGUSR1); /* coalesced with the first */
}

static void
test_signal(void **state)
{
    struct lw_loop *loop = new_loop();
    struct sig_ud s;
    struct sigaction before, after;
    struct lw_err err;
    int i;

    (void)state;
    memset(&s, 0, sizeof(s));
    sigaction(SIGUSR1, NULL, &before);
    assert_int_equal(lw_loop_signal(loop, SIGUSR1, on_usr1, &s, &err), LW_OK);
    assert_non_null(lw_loop_timer(loop, 0, on_raise, &s));
    /* Signals alone do not keep run going: iterate by hand. */
    for (i = 0; i < 5 && s.calls == 0; i++)
        assert_int_equal(lw_loop_once(loop, 100, &err), LW_OK);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.signo, SIGUSR1);
    /* Removing the handler restores the previous action. */
    assert_int_equal(lw_loop_signal(loop, SIGUSR1, NULL, NULL, &err), LW_OK);
    sigaction(SIGUSR1, NULL, &after);
    assert_ptr_equal(after.sa_handler, before.sa_handler);
    lw_loop_free(loop);
}

static void
test_signal_restored_on_free(void **state)
{
    struct lw_loop *loop = new_loop();
    struct sigaction before, during, after;
    struct lw_err err;
    struct sig_ud s;

    (void)state;
    sigaction(SIGUSR2, NULL, &before);
    assert_int_equal(lw_loop_signal(loop, SIGUSR2, on_usr1, &s, &err), LW_OK);
    sigaction(SIGUSR2, NULL, &during);
    assert_ptr_not_equal(during.sa_handler, before.sa_handler);
    lw_loop_free(loop);
    sigaction(SIGUSR2, NULL, &after);
    assert_ptr_equal(after.sa_handler, before.sa_handler);
}

static void
test_signal_bad(void **state)
{
    struct lw_loop *loop = new_loop();
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_loop_signal(loop, SIGKILL, on_usr1, NULL, &err),
                     LW_ERR_INTERNAL);
    assert_string_equal(err.msg, "internal error: signal 9 cannot be handled");
    lw_loop_free(loop);
}

/* ---- run, once, stop, idle ---- */

static void
test_run_empty(void **state)
{
    struct lw_loop *loop = new_loop();
    uint64_t t0 = mono_ms();

    (void)state;
    run(loop); /* nothing watched, timed or awaited */
    assert_true(mono_ms() - t0 < 100);
    assert_false(lw_loop_stopped(loop));
    lw_loop_free(loop);
}

static void
test_once_timeout(void **state)
{
    struct lw_loop *loop = new_loop();
    struct order o;
    struct tick t = {&o, 'x'};
    struct lw_err err;
    uint64_t t0, dt;

    (void)state;
    memset(&o, 0, sizeof(o));
    assert_non_null(lw_loop_timer(loop, 5000, on_tick, &t));
    t0 = mono_ms();
    assert_int_equal(lw_loop_once(loop, 80, &err), LW_OK);
    dt = mono_ms() - t0;
    assert_true(dt >= 79);
    assert_true(dt < 1000);
    assert_int_equal(o.n, 0);
    /* A nearer timer shortens the wait. */
    assert_non_null(lw_loop_timer(loop, 30, on_tick, &t));
    t0 = mono_ms();
    assert_int_equal(lw_loop_once(loop, 3000, &err), LW_OK);
    assert_true(mono_ms() - t0 < 1000);
    assert_int_equal(o.n, 1);
    lw_loop_free(loop); /* drops the pending 5 s timer */
}

static void
on_stop(struct lw_loop *loop, void *ud)
{
    (void)ud;
    lw_loop_stop(loop);
}

static void
on_idle(struct lw_loop *loop, void *ud)
{
    int *n = ud;

    (void)loop;
    (*n)++;
}

static void
test_stop_and_idle(void **state)
{
    struct lw_loop *loop = new_loop();
    struct order o;
    struct tick t = {&o, 'x'};
    int idles = 0;

    (void)state;
    memset(&o, 0, sizeof(o));
    lw_loop_set_idle(loop, on_idle, &idles);
    assert_non_null(lw_loop_timer(loop, 10, on_stop, NULL));
    assert_non_null(lw_loop_timer(loop, 5000, on_tick, &t));
    run(loop);
    assert_true(lw_loop_stopped(loop));
    assert_int_equal(o.n, 0); /* stopped before the long timer */
    assert_true(idles >= 1);
    lw_loop_free(loop);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_table),
        cmocka_unit_test(test_timer_cancel_self),
        cmocka_unit_test(test_timer_zero_next_iteration),
        cmocka_unit_test(test_timer_elapsed),
        cmocka_unit_test(test_fd_readiness),
        cmocka_unit_test(test_fd_unwatch_self),
        cmocka_unit_test(test_fd_unwatch_other),
        cmocka_unit_test(test_fd_bad_args),
        cmocka_unit_test(test_child),
        cmocka_unit_test(test_child_bad_args),
        cmocka_unit_test(test_signal),
        cmocka_unit_test(test_signal_restored_on_free),
        cmocka_unit_test(test_signal_bad),
        cmocka_unit_test(test_run_empty),
        cmocka_unit_test(test_once_timeout),
        cmocka_unit_test(test_stop_and_idle),
    };

    return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
