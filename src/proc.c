/* proc.c - run an external program through an argument vector, capture
 * its output (bounded), never wait for it forever. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lw/nls.h"
#include "lw/proc.h"

/* The child's whole environment: nothing of ours leaks into it, and nginx
 * speaks English so its messages can be matched. */
#define SAFE_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
static char *const child_env[] = {"PATH=" SAFE_PATH, "LANG=C", NULL};

/* How often we look whether the child has exited while it keeps its pipes
 * open, and how long we keep reading after it exited: a grandchild that
 * inherited the pipes must not keep us waiting. */
#define POLL_SLICE_MS 50
#define LINGER_MS 250

void
lw_proc_result_init(struct lw_proc_result *r)
{
    r->exit_code = -1;
    r->term_signal = 0;
    r->timed_out = false;
    lw_buf_init(&r->out);
    lw_buf_init(&r->err);
    r->out_truncated = false;
    r->err_truncated = false;
}

void
lw_proc_result_free(struct lw_proc_result *r)
{
    lw_buf_free(&r->out);
    lw_buf_free(&r->err);
    lw_proc_result_init(r);
}

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Resolve a bare name in SAFE_PATH, as the child would: the caller's own
 * PATH (perhaps without /usr/sbin, perhaps hostile) plays no part.  A name
 * with a slash is used as it is. */
static int
resolve(const char *name, char *out, size_t outlen)
{
    const char *dir = SAFE_PATH, *end;
    int n, e = ENOENT;

    if (*name == '\0')
        return ENOENT;
    if (strchr(name, '/') != NULL) {
        n = snprintf(out, outlen, "%s", name);
        if (n < 0 || (size_t)n >= outlen)
            return ENAMETOOLONG;
        /* Checked here too, not only by posix_spawn: where the spawn
         * cannot report a failed exec (valgrind, older C libraries), the
         * child would just exit 127. */
        return access(out, X_OK) == 0 ? 0 : errno;
    }
    for (; *dir != '\0'; dir = *end != '\0' ? end + 1 : end) {
        end = strchr(dir, ':');
        if (end == NULL)
            end = dir + strlen(dir);
        n = snprintf(out, outlen, "%.*s/%s", (int)(end - dir), dir, name);
        if (n < 0 || (size_t)n >= outlen) {
            e = ENAMETOOLONG;
            continue;
        }
        if (access(out, X_OK) == 0)
            return 0;
        if (errno == EACCES)
            e = EACCES;
    }
    return e;
}

/* A pipe whose ends are close-on-exec and above stderr, so that the
 * child's dup2 onto 1 and 2 never lands on one of them (it would leave
 * FD_CLOEXEC set when a parent runs with 0-2 closed). */
static int
make_pipe(int fds[2])
{
    int i, moved;

    if (pipe2(fds, O_CLOEXEC) != 0)
        return errno;
    for (i = 0; i < 2; i++) {
        if (fds[i] > STDERR_FILENO)
            continue;
        moved = fcntl(fds[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        if (moved < 0) {
            int e = errno;
            close(fds[0]);
            close(fds[1]);
            return e;
        }
        close(fds[i]);
        fds[i] = moved;
    }
    /* Our end only: the child's write end stays blocking. */
    if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        return e;
    }
    return 0;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Read what is there; keep at most max bytes in b, discard the rest (the
 * child must be drained or it blocks on a full pipe).  Closes *fd at end
 * of file or on a read error. */
static void
drain(int *fd, struct lw_buf *b, size_t max, bool *truncated)
{
    char chunk[65536];
    ssize_t n;
    size_t keep;

    for (;;) {
        n = read(*fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (n <= 0) {
            close_fd(fd);
            return;
        }
        keep = (size_t)n;
        if (b->len >= max) {
            keep = 0;
        } else if (keep > max - b->len) {
            keep = max - b->len;
        }
        if (keep < (size_t)n)
            *truncated = true;
        lw_buf_append(b, chunk, keep);
    }
}

static enum lw_status
spawn_failed(struct lw_err *err, const char *prog, int e)
{
    const char *base = strrchr(prog, '/');

    base = base != NULL ? base + 1 : prog;
    lw_err_set(err, LW_ERR_EXTERNAL, _("cannot run %s: %s"), prog, strerror(e));
    if (e == ENOENT && strcmp(base, "nginx") == 0)
        lw_err_hint(err, "%s",
                    _("Install nginx (the package is called \"nginx\" on "
                      "Debian, Ubuntu, Fedora and RHEL), or set "
                      "LINKWIZ_NGINX to the path of the nginx program."));
    return LW_ERR_EXTERNAL;
}

/* Spawn the child with stdout/stderr on the pipes; *pid on success, an
 * errno value otherwise. */
static int
spawn(const char *path, const char *const argv[], int outp[2], int errp[2],
      pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t sigs;
    int e;

    e = posix_spawn_file_actions_init(&fa);
    if (e != 0)
        return e;
    e = posix_spawnattr_init(&attr);
    if (e != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return e;
    }
    /* Our read ends must not reach the child: it would keep its own pipe
     * open and never see a reader go away. */
    e = posix_spawn_file_actions_addclose(&fa, outp[0]);
    if (e == 0)
        e = posix_spawn_file_actions_addclose(&fa, errp[0]);
    if (e == 0)
        e = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
                                             O_RDONLY, 0);
    if (e == 0)
        e = posix_spawn_file_actions_adddup2(&fa, outp[1], STDOUT_FILENO);
    if (e == 0)
        e = posix_spawn_file_actions_adddup2(&fa, errp[1], STDERR_FILENO);
#if defined(__GLIBC__) &&                                                      \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    /* Descriptors some library opened without O_CLOEXEC (or that we
     * inherited) must not live on in nginx. */
    if (e == 0)
        e = posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif
    /* Ignored signals (SIGPIPE in a network program) and a blocked mask
     * survive exec; the child starts clean.  Its own process group lets a
     * timeout kill whatever it started too. */
    sigemptyset(&sigs);
    if (e == 0)
        e = posix_spawnattr_setsigmask(&attr, &sigs);
    sigfillset(&sigs);
    if (e == 0)
        e = posix_spawnattr_setsigdefault(&attr, &sigs);
    if (e == 0)
        e = posix_spawnattr_setpgroup(&attr, 0);
    if (e == 0)
        e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                                POSIX_SPAWN_SETSIGDEF |
                                                POSIX_SPAWN_SETPGROUP);
    if (e == 0)
        e = posix_spawn(pid, path, &fa, &attr, (char *const *)argv, child_env);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return e;
}

/* Has the child exited?  Leaves it a zombie (WNOWAIT) so its pid, and so
 * its process group id, cannot be reused before we kill the group. */
static bool
has_exited(pid_t pid)
{
    siginfo_t si;

    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno == ECHILD;
    return si.si_pid == pid;
}

/* Start argv with stdout and stderr on pipes: *pid, and our nonblocking
 * read ends in fds[0] (stdout) and fds[1] (stderr).  r is reset to an
 * empty result whose buffers read as empty strings.  Shared by the
 * waiting and the event-loop runners. */
static enum lw_status
start(const char *const argv[], struct lw_proc_result *r, pid_t *pid,
      int fds[2], struct lw_err *err)
{
    char path[4096];
    int outp[2] = {-1, -1}, errp[2] = {-1, -1};
    int e;

    fds[0] = fds[1] = -1;
    lw_buf_free(&r->out);
    lw_buf_free(&r->err);
    lw_proc_result_init(r);
    /* Callers may read out.data and err.data as strings, even empty. */
    lw_buf_append(&r->out, "", 0);
    lw_buf_append(&r->err, "", 0);
    if (argv == NULL || argv[0] == NULL)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: no program to run"));

    e = resolve(argv[0], path, sizeof(path));
    if (e != 0)
        return spawn_failed(err, argv[0], e);
    e = make_pipe(outp);
    if (e == 0) {
        e = make_pipe(errp);
        if (e != 0) {
            close_fd(&outp[0]);
            close_fd(&outp[1]);
        }
    }
    if (e != 0)
        return lw_err_set(err, LW_ERR_EXTERNAL, _("cannot run %s: %s"), argv[0],
                          strerror(e));
    e = spawn(path, argv, outp, errp, pid);
    close_fd(&outp[1]);
    close_fd(&errp[1]);
    if (e != 0) {
        close_fd(&outp[0]);
        close_fd(&errp[0]);
        return spawn_failed(err, argv[0], e);
    }
    fds[0] = outp[0];
    fds[1] = errp[0];
    return LW_OK;
}

static void
set_status(struct lw_proc_result *r, int status)
{
    if (WIFEXITED(status)) {
        r->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r->exit_code = -1;
        r->term_signal = WTERMSIG(status);
    }
}

enum lw_status
lw_proc_run(const char *const argv[], int timeout_ms, struct lw_proc_result *r,
            struct lw_err *err)
{
    struct pollfd pfd[2];
    int64_t deadline = 0, linger_end = 0, now, wait_ms;
    bool exited = false, killed = false;
    enum lw_status st;
    pid_t pid = -1;
    int fds[2], status;

    st = start(argv, r, &pid, fds, err);
    if (st != LW_OK)
        return st;

    pfd[0].fd = fds[0];
    pfd[1].fd = fds[1];
    pfd[0].events = pfd[1].events = POLLIN;
    if (timeout_ms > 0)
        deadline = now_ms() + timeout_ms;
    /* Until the child has exited and both pipes are closed; a pipe held
     * open by a grandchild is given up LINGER_MS after the exit. */
    while (!exited || pfd[0].fd >= 0 || pfd[1].fd >= 0) {
        now = now_ms();
        if (!killed && !exited && deadline != 0 && now >= deadline) {
            kill(-pid, SIGKILL);
            killed = true;
            r->timed_out = true;
        }
        if (exited && now >= linger_end)
            break;
        wait_ms = exited ? linger_end - now : POLL_SLICE_MS;
        if (!killed && !exited && deadline != 0 && deadline - now < wait_ms)
            wait_ms = deadline - now;
        if (poll(pfd, 2, (int)wait_ms) < 0 && errno != EINTR) {
            st = lw_err_errno(err, errno, _("cannot read the output of %s"),
                              argv[0]);
            kill(-pid, SIGKILL);
            break;
        }
        if (pfd[0].fd >= 0 && pfd[0].revents != 0)
            drain(&pfd[0].fd, &r->out, LW_PROC_OUT_MAX, &r->out_truncated);
        if (pfd[1].fd >= 0 && pfd[1].revents != 0)
            drain(&pfd[1].fd, &r->err, LW_PROC_ERR_MAX, &r->err_truncated);
        if (!exited && has_exited(pid)) {
            exited = true;
            linger_end = now_ms() + LINGER_MS;
        }
    }
    if (pfd[0].fd >= 0 || pfd[1].fd >= 0)
        kill(-pid, SIGKILL); /* leftovers of its group; the leader is a
                                zombie, so the group id is still its own */
    close_fd(&pfd[0].fd);
    close_fd(&pfd[1].fd);

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            status = 0;
            if (st == LW_OK)
                st = lw_err_errno(err, errno, _("cannot wait for %s"), argv[0]);
            break;
        }
    }
    set_status(r, status);
    if (st == LW_OK && (!lw_buf_ok(&r->out) || !lw_buf_ok(&r->err)))
        st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    return st;
}

/* ---- the same on the event loop ---- */

struct job {
    struct lw_loop *loop;
    pid_t pid;
    int fds[2]; /* stdout, stderr read ends; -1 closed */
    bool exited;
    struct lw_timer *deadline; /* timeout_ms after the start */
    struct lw_timer *linger;   /* LINGER_MS after the exit */
    struct lw_proc_result r;
    lw_proc_done_fn done;
    void *ud;
};

/* Report and free the job: once the child is reaped and both pipes are
 * closed (or given up after the linger). */
static void
job_finish(struct job *j)
{
    int i;

    for (i = 0; i < 2; i++) {
        if (j->fds[i] >= 0) {
            lw_loop_watch(j->loop, j->fds[i], 0, NULL, NULL, NULL);
            close_fd(&j->fds[i]);
        }
    }
    lw_loop_timer_cancel(j->loop, j->deadline);
    lw_loop_timer_cancel(j->loop, j->linger);
    j->done(j->ud, &j->r);
    lw_proc_result_free(&j->r);
    free(j);
}

static void
job_io(struct lw_loop *loop, int fd, unsigned revents, void *ud)
{
    struct job *j = ud;
    int i = fd == j->fds[0] ? 0 : 1;

    (void)revents;
    if (i == 0)
        drain(&j->fds[0], &j->r.out, LW_PROC_OUT_MAX, &j->r.out_truncated);
    else
        drain(&j->fds[1], &j->r.err, LW_PROC_ERR_MAX, &j->r.err_truncated);
    if (j->fds[i] < 0) {
        lw_loop_watch(loop, fd, 0, NULL, NULL, NULL);
        if (j->exited && j->fds[0] < 0 && j->fds[1] < 0)
            job_finish(j);
    }
}

static void
job_deadline(struct lw_loop *loop, void *ud)
{
    struct job *j = ud;

    (void)loop;
    j->deadline = NULL;
    /* Not reaped yet (the child callback cancels this timer), so the
     * process group id is still the child's own. */
    kill(-j->pid, SIGKILL);
    j->r.timed_out = true;
}

static void
job_linger(struct lw_loop *loop, void *ud)
{
    struct job *j = ud;

    (void)loop;
    j->linger = NULL;
    /* A grandchild in the group still holds a pipe: the group exists, so
     * its id cannot have been reused. */
    kill(-j->pid, SIGKILL);
    job_finish(j);
}

static void
job_child(struct lw_loop *loop, pid_t pid, int wstatus, void *ud)
{
    struct job *j = ud;

    (void)pid;
    j->exited = true;
    set_status(&j->r, wstatus);
    lw_loop_timer_cancel(loop, j->deadline);
    j->deadline = NULL;
    if (j->fds[0] < 0 && j->fds[1] < 0) {
        job_finish(j);
        return;
    }
    j->linger = lw_loop_timer(loop, LINGER_MS, job_linger, j);
    if (j->linger == NULL)
        job_finish(j); /* out of memory: report what we have */
}

enum lw_status
lw_proc_start(struct lw_loop *loop, const char *const argv[], int timeout_ms,
              lw_proc_done_fn done, void *ud, struct lw_err *err)
{
    struct job *j;
    enum lw_status st;
    int i;

    if (done == NULL)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: no program to run"));
    j = calloc(1, sizeof(*j));
    if (j == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    j->loop = loop;
    j->done = done;
    j->ud = ud;
    lw_proc_result_init(&j->r);
    st = start(argv, &j->r, &j->pid, j->fds, err);
    if (st != LW_OK) {
        lw_proc_result_free(&j->r);
        free(j);
        return st;
    }
    for (i = 0; i < 2 && st == LW_OK; i++)
        st = lw_loop_watch(loop, j->fds[i], LW_IO_READ, job_io, j, err);
    if (st == LW_OK && timeout_ms > 0) {
        j->deadline = lw_loop_timer(loop, timeout_ms, job_deadline, j);
        if (j->deadline == NULL)
            st = lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    if (st == LW_OK)
        st = lw_loop_child(loop, j->pid, job_child, j, err);
    if (st != LW_OK) {
        /* Nothing of it may outlive this call. */
        int status;

        kill(-j->pid, SIGKILL);
        while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
            ;
        for (i = 0; i < 2; i++) {
            lw_loop_watch(loop, j->fds[i], 0, NULL, NULL, NULL);
            close_fd(&j->fds[i]);
        }
        lw_loop_timer_cancel(loop, j->deadline);
        lw_proc_result_free(&j->r);
        free(j);
    }
    return st;
}
