/* loop.c - the one event loop: poll() over watched descriptors, one-shot
 * timers in a binary heap, children reaped on SIGCHLD, signals through a
 * self-pipe, and an idle hook.
 *
 * Re-entrancy: callbacks may add and remove watches, timers and children
 * (their own too) while the loop dispatches.  Removal during dispatch only
 * marks an entry dead; dead entries are swept after the dispatch, and each
 * watch carries a generation number so that a poll result taken for one
 * registration is never delivered to a later one on the same fd. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lw/loop.h"
#include "lw/nls.h"

/* Signal numbers fit a byte on Linux (1..64). */
#define SIG_MAX 65

struct watch {
    int fd;
    unsigned events; /* 0: dead, swept after dispatch */
    lw_io_fn fn;
    void *ud;
    uint64_t gen;
};

struct lw_timer {
    uint64_t due;
    uint64_t seq; /* ties broken by creation order */
    size_t idx;   /* position in the heap, or FIRING */
    lw_timer_fn fn;
    void *ud;
};

#define FIRING ((size_t)-1)

struct child {
    pid_t pid; /* 0: dead, swept */
    lw_child_fn fn;
    void *ud;
};

struct sig {
    lw_signal_fn fn;
    void *ud;
    bool installed;
    struct sigaction old;
};

struct lw_loop {
    struct watch *watches;
    size_t n_watches, cap_watches;
    uint64_t watch_gen;
    bool dispatching; /* sweep deferred until the dispatch ends */

    struct lw_timer **heap;
    size_t n_timers, cap_timers;
    uint64_t timer_seq;

    struct child *children;
    size_t n_children, cap_children;
    bool chld_installed;
    struct sigaction chld_old;

    struct sig sigs[SIG_MAX];
    bool pending[SIG_MAX];
    int sigpipe[2];

    lw_idle_fn idle;
    void *idle_ud;

    uint64_t now;
    bool stopped;

    struct pollfd *pfd; /* poll set of the current iteration */
    uint64_t *pfd_gen;  /* generation of the watch behind each entry */
    size_t cap_pfd;
};

/* The write end of the self-pipe of the loop that registered each signal,
 * plus one (0: none): all a handler may touch.  A signal belongs to one
 * loop at a time. */
static volatile sig_atomic_t sig_fd[SIG_MAX];

static uint64_t
clock_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
on_signal(int signo)
{
    int saved = errno;
    unsigned char b = (unsigned char)signo;
    int fd;

    if (signo > 0 && signo < SIG_MAX) {
        fd = (int)sig_fd[signo] - 1;
        /* A full pipe already holds a wake-up; losing this byte only
         * coalesces it with one that is there. */
        if (fd >= 0 && write(fd, &b, 1) < 0) {
            /* nothing to do in a handler */
        }
    }
    errno = saved;
}

/* Room for one more element in an array of n used out of *cap: the
 * array to use from now on (perhaps moved), or NULL when out of memory
 * (the old one is still valid then). */
static void *
grow(void *arr, size_t *cap, size_t n, size_t size)
{
    size_t ncap;
    void *q;

    if (n < *cap)
        return arr;
    ncap = *cap != 0 ? *cap * 2 : 8;
    q = realloc(arr, ncap * size);
    if (q != NULL)
        *cap = ncap;
    return q;
}

enum lw_status
lw_loop_new(struct lw_loop **out, struct lw_err *err)
{
    struct lw_loop *loop;
    *out = NULL;
    loop = calloc(1, sizeof(*loop));
    if (loop == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    if (pipe2(loop->sigpipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        int e = errno;
        free(loop);
        return lw_err_errno(err, e, "%s",
                            _("cannot create the event loop's signal pipe"));
    }
    loop->now = clock_ms();
    *out = loop;
    return LW_OK;
}

static void
restore_signal(struct lw_loop *loop, int signo, struct sigaction *old)
{
    sigaction(signo, old, NULL);
    if (sig_fd[signo] == loop->sigpipe[1] + 1)
        sig_fd[signo] = 0;
}

void
lw_loop_free(struct lw_loop *loop)
{
    size_t i;

    if (loop == NULL)
        return;
    for (i = 1; i < SIG_MAX; i++) {
        if (loop->sigs[i].installed)
            restore_signal(loop, (int)i, &loop->sigs[i].old);
    }
    if (loop->chld_installed)
        restore_signal(loop, SIGCHLD, &loop->chld_old);
    for (i = 0; i < loop->n_timers; i++)
        free(loop->heap[i]);
    free(loop->heap);
    free(loop->watches);
    free(loop->children);
    free(loop->pfd);
    free(loop->pfd_gen);
    close(loop->sigpipe[0]);
    close(loop->sigpipe[1]);
    free(loop);
}

/* ---- watches ---- */

static struct watch *
find_watch(struct lw_loop *loop, int fd)
{
    size_t i;

    for (i = 0; i < loop->n_watches; i++) {
        if (loop->watches[i].fd == fd)
            return &loop->watches[i];
    }
    return NULL;
}

static void
sweep_watches(struct lw_loop *loop)
{
    size_t i, j = 0;

    for (i = 0; i < loop->n_watches; i++) {
        if (loop->watches[i].events != 0)
            loop->watches[j++] = loop->watches[i];
    }
    loop->n_watches = j;
}

enum lw_status
lw_loop_watch(struct lw_loop *loop, int fd, unsigned events, lw_io_fn fn,
              void *ud, struct lw_err *err)
{
    struct watch *w;

    events &= LW_IO_READ | LW_IO_WRITE;
    if (fd < 0 || (events != 0 && fn == NULL))
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: bad descriptor watch"));
    w = find_watch(loop, fd);
    if (events == 0) {
        if (w != NULL) {
            w->events = 0;
            w->fn = NULL;
            if (!loop->dispatching)
                sweep_watches(loop);
        }
        return LW_OK;
    }
    if (w == NULL) {
        struct watch *ws = grow(loop->watches, &loop->cap_watches,
                                loop->n_watches, sizeof(*ws));

        if (ws == NULL)
            return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        loop->watches = ws;
        w = &loop->watches[loop->n_watches++];
        w->fd = fd;
        w->events = 0;
    }
    /* A new registration (also one reviving a dead entry) gets a new
     * generation; changing the events of a live one keeps it. */
    if (w->events == 0)
        w->gen = ++loop->watch_gen;
    w->events = events;
    w->fn = fn;
    w->ud = ud;
    return LW_OK;
}

/* ---- timers: a binary min-heap ordered by (due, seq) ---- */

static bool
timer_before(const struct lw_timer *a, const struct lw_timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void
heap_set(struct lw_loop *loop, size_t i, struct lw_timer *t)
{
    loop->heap[i] = t;
    t->idx = i;
}

static void
heap_up(struct lw_loop *loop, size_t i)
{
    struct lw_timer *t = loop->heap[i];

    while (i > 0 && timer_before(t, loop->heap[(i - 1) / 2])) {
        heap_set(loop, i, loop->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(loop, i, t);
}

static void
heap_down(struct lw_loop *loop, size_t i)
{
    struct lw_timer *t = loop->heap[i];
    size_t c;

    for (;;) {
        c = 2 * i + 1;
        if (c >= loop->n_timers)
            break;
        if (c + 1 < loop->n_timers &&
            timer_before(loop->heap[c + 1], loop->heap[c]))
            c++;
        if (!timer_before(loop->heap[c], t))
            break;
        heap_set(loop, i, loop->heap[c]);
        i = c;
    }
    heap_set(loop, i, t);
}

static void
heap_remove(struct lw_loop *loop, size_t i)
{
    struct lw_timer *last = loop->heap[--loop->n_timers];

    if (i == loop->n_timers)
        return;
    heap_set(loop, i, last);
    heap_down(loop, i);
    heap_up(loop, last->idx);
}

struct lw_timer *
lw_loop_timer(struct lw_loop *loop, long ms, lw_timer_fn fn, void *ud)
{
    struct lw_timer *t, **heap;

    if (fn == NULL)
        return NULL;
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): the heap holds pointers */
    heap = grow(loop->heap, &loop->cap_timers, loop->n_timers, sizeof(*heap));
    if (heap == NULL)
        return NULL;
    loop->heap = heap;
    t = malloc(sizeof(*t));
    if (t == NULL)
        return NULL;
    /* A fresh clock, not the per-iteration cache: a timer set after a
     * long computation outside the loop must still last ms. */
    t->due = clock_ms() + (uint64_t)(ms > 0 ? ms : 0);
    t->seq = loop->timer_seq++;
    t->fn = fn;
    t->ud = ud;
    loop->heap[loop->n_timers] = t;
    t->idx = loop->n_timers++;
    heap_up(loop, t->idx);
    return t;
}

void
lw_loop_timer_cancel(struct lw_loop *loop, struct lw_timer *t)
{
    if (t == NULL)
        return;
    /* Cancelling a timer from its own callback: it is freed when the
     * callback returns. */
    if (t->idx == FIRING) {
        t->fn = NULL;
        return;
    }
    heap_remove(loop, t->idx);
    free(t);
}

/* ---- children and signals ---- */

static enum lw_status
install(struct lw_loop *loop, int signo, struct sigaction *old,
        struct lw_err *err)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* Restart slow calls elsewhere in the program; poll() itself still
     * returns EINTR, which the loop expects. */
    sa.sa_flags = SA_RESTART;
    if (signo == SIGCHLD)
        sa.sa_flags |= SA_NOCLDSTOP;
    sig_fd[signo] = loop->sigpipe[1] + 1;
    if (sigaction(signo, &sa, old) != 0) {
        int e = errno;
        sig_fd[signo] = 0;
        return lw_err_errno(err, e, _("cannot handle signal %d"), signo);
    }
    return LW_OK;
}

/* Wake the loop as if signo had arrived. */
static void
poke(struct lw_loop *loop, int signo)
{
    unsigned char b = (unsigned char)signo;

    if (write(loop->sigpipe[1], &b, 1) < 0) {
        /* a full pipe already wakes the loop */
    }
}

enum lw_status
lw_loop_child(struct lw_loop *loop, pid_t pid, lw_child_fn fn, void *ud,
              struct lw_err *err)
{
    struct child *c;
    enum lw_status st;

    if (pid <= 0 || fn == NULL)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: bad child process watch"));
    if (!loop->chld_installed) {
        st = install(loop, SIGCHLD, &loop->chld_old, err);
        if (st != LW_OK)
            return st;
        loop->chld_installed = true;
    }
    c = grow(loop->children, &loop->cap_children, loop->n_children, sizeof(*c));
    if (c == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    loop->children = c;
    c = &loop->children[loop->n_children++];
    c->pid = pid;
    c->fn = fn;
    c->ud = ud;
    /* It may have exited before the handler was there to notice. */
    poke(loop, SIGCHLD);
    return LW_OK;
}

enum lw_status
lw_loop_signal(struct lw_loop *loop, int signo, lw_signal_fn fn, void *ud,
               struct lw_err *err)
{
    struct sig *s;
    enum lw_status st;

    if (signo <= 0 || signo >= SIG_MAX || signo == SIGCHLD ||
        signo == SIGKILL || signo == SIGSTOP)
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("internal error: signal %d cannot be handled"),
                          signo);
    s = &loop->sigs[signo];
    if (fn == NULL) {
        if (s->installed)
            restore_signal(loop, signo, &s->old);
        s->installed = false;
        s->fn = NULL;
        loop->pending[signo] = false;
        return LW_OK;
    }
    if (!s->installed) {
        st = install(loop, signo, &s->old, err);
        if (st != LW_OK)
            return st;
        s->installed = true;
    }
    s->fn = fn;
    s->ud = ud;
    return LW_OK;
}

void
lw_loop_set_idle(struct lw_loop *loop, lw_idle_fn fn, void *ud)
{
    loop->idle = fn;
    loop->idle_ud = ud;
}

uint64_t
lw_loop_now_ms(struct lw_loop *loop)
{
    return loop->now;
}

void
lw_loop_stop(struct lw_loop *loop)
{
    loop->stopped = true;
}

bool
lw_loop_stopped(const struct lw_loop *loop)
{
    return loop->stopped;
}

/* ---- one iteration ---- */

static void
read_signals(struct lw_loop *loop)
{
    unsigned char buf[256];
    ssize_t n, i;

    for (;;) {
        n = read(loop->sigpipe[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        for (i = 0; i < n; i++) {
            if (buf[i] > 0 && buf[i] < SIG_MAX)
                loop->pending[buf[i]] = true;
        }
    }
}

static void
dispatch_signals(struct lw_loop *loop)
{
    int i;

    for (i = 1; i < SIG_MAX; i++) {
        if (i == SIGCHLD || !loop->pending[i])
            continue;
        loop->pending[i] = false;
        if (loop->sigs[i].fn != NULL)
            loop->sigs[i].fn(loop, i, loop->sigs[i].ud);
    }
}

static void
reap_children(struct lw_loop *loop)
{
    size_t i, j;
    pid_t pid, r;
    int status;

    if (!loop->pending[SIGCHLD])
        return;
    loop->pending[SIGCHLD] = false;
    /* By index: a callback may register more children (they are looked
     * at too, harmlessly) and the array may move. */
    for (i = 0; i < loop->n_children; i++) {
        pid = loop->children[i].pid;
        if (pid == 0)
            continue;
        do {
            r = waitpid(pid, &status, WNOHANG);
        } while (r < 0 && errno == EINTR);
        if (r == 0)
            continue;
        if (r < 0) {
            /* Reaped by someone else: nothing more will be known. */
            status = 0;
        }
        loop->children[i].pid = 0;
        loop->children[i].fn(loop, pid, status, loop->children[i].ud);
    }
    for (i = j = 0; i < loop->n_children; i++) {
        if (loop->children[i].pid != 0)
            loop->children[j++] = loop->children[i];
    }
    loop->n_children = j;
}

static void
run_timers(struct lw_loop *loop)
{
    uint64_t seq_end = loop->timer_seq;
    struct lw_timer *t;

    /* Only timers that existed before this phase: a 0 ms timer set by a
     * timer callback waits for the next iteration, so the loop never
     * spins inside one phase. */
    while (loop->n_timers > 0) {
        t = loop->heap[0];
        if (t->due > loop->now || t->seq >= seq_end)
            break;
        heap_remove(loop, 0);
        t->idx = FIRING;
        if (t->fn != NULL)
            t->fn(loop, t->ud);
        free(t);
    }
}

static bool
has_work(const struct lw_loop *loop)
{
    size_t i;

    if (loop->n_timers > 0)
        return true;
    for (i = 0; i < loop->n_children; i++) {
        if (loop->children[i].pid != 0)
            return true;
    }
    for (i = 0; i < loop->n_watches; i++) {
        if (loop->watches[i].events != 0)
            return true;
    }
    return false;
}

static unsigned
to_lw_events(short re, unsigned wanted)
{
    unsigned ev = 0;

    if (re & POLLIN)
        ev |= LW_IO_READ;
    if (re & POLLOUT)
        ev |= LW_IO_WRITE;
    /* Hang-up and errors are reported as readiness, so the owner reads
     * (or writes) and learns what happened from the call. */
    if (re & (POLLHUP | POLLERR | POLLNVAL))
        ev |= LW_IO_READ | (wanted & LW_IO_WRITE);
    return ev & wanted;
}

enum lw_status
lw_loop_once(struct lw_loop *loop, int max_wait_ms, struct lw_err *err)
{
    size_t i, n;
    int wait_ms = max_wait_ms, rc, e;
    uint64_t until;

    /* The poll set: the self-pipe first, then the live watches. */
    n = loop->n_watches + 1;
    if (n > loop->cap_pfd) {
        struct pollfd *p = realloc(loop->pfd, n * sizeof(*p));
        uint64_t *g;

        if (p == NULL)
            return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        loop->pfd = p;
        g = realloc(loop->pfd_gen, n * sizeof(*g));
        if (g == NULL)
            return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
        loop->pfd_gen = g;
        loop->cap_pfd = n;
    }
    loop->pfd[0].fd = loop->sigpipe[0];
    loop->pfd[0].events = POLLIN;
    loop->pfd[0].revents = 0;
    for (i = 0, n = 1; i < loop->n_watches; i++) {
        const struct watch *w = &loop->watches[i];

        if (w->events == 0)
            continue;
        loop->pfd[n].fd = w->fd;
        loop->pfd[n].events = (short)((w->events & LW_IO_READ ? POLLIN : 0) |
                                      (w->events & LW_IO_WRITE ? POLLOUT : 0));
        loop->pfd[n].revents = 0;
        loop->pfd_gen[n] = w->gen;
        n++;
    }

    loop->now = clock_ms();
    if (loop->n_timers > 0) {
        until =
            loop->heap[0]->due > loop->now ? loop->heap[0]->due - loop->now : 0;
        if (until > (uint64_t)1 << 30)
            until = (uint64_t)1 << 30;
        if (wait_ms < 0 || (uint64_t)wait_ms > until)
            wait_ms = (int)until;
    }
    if (loop->stopped)
        wait_ms = 0;

    rc = poll(loop->pfd, (nfds_t)n, wait_ms);
    if (rc < 0 && errno != EINTR) {
        e = errno;
        return lw_err_errno(err, e, "%s", _("the event loop cannot wait"));
    }
    loop->now = clock_ms();

    loop->dispatching = true;
    if (rc > 0) {
        if (loop->pfd[0].revents != 0)
            read_signals(loop);
        for (i = 1; i < n; i++) {
            struct watch *w;
            unsigned ev;

            if (loop->pfd[i].revents == 0)
                continue;
            /* Looked up again: earlier callbacks may have changed it. */
            w = find_watch(loop, loop->pfd[i].fd);
            if (w == NULL || w->events == 0 || w->gen != loop->pfd_gen[i])
                continue;
            ev = to_lw_events(loop->pfd[i].revents, w->events);
            if (loop->pfd[i].revents & POLLNVAL) {
                /* Closed without being unwatched: tell the owner once
                 * and forget it, or poll would report it forever. */
                lw_io_fn fn = w->fn;
                void *ud = w->ud;

                w->events = 0;
                w->fn = NULL;
                fn(loop, loop->pfd[i].fd, ev, ud);
                continue;
            }
            if (ev != 0)
                w->fn(loop, w->fd, ev, w->ud);
        }
        dispatch_signals(loop);
    }
    loop->now = clock_ms();
    run_timers(loop);
    reap_children(loop);
    loop->dispatching = false;
    sweep_watches(loop);
    if (loop->idle != NULL)
        loop->idle(loop, loop->idle_ud);
    return LW_OK;
}

enum lw_status
lw_loop_run(struct lw_loop *loop, struct lw_err *err)
{
    enum lw_status st;

    while (!loop->stopped && has_work(loop)) {
        st = lw_loop_once(loop, -1, err);
        if (st != LW_OK)
            return st;
    }
    return LW_OK;
}
