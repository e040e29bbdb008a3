/* worker.c - one job in a thread, reporting to the event loop through a
 * pipe (worker.h).  The thread blocks every signal, so SIGINT, SIGTERM,
 * SIGWINCH and SIGCHLD keep reaching the loop's self-pipe. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lw/nls.h"
#include "lw/ui/worker.h"

struct lw_job {
    struct lw_loop *loop;
    lw_job_fn fn;
    void *ud;
    lw_job_wake_fn wake;
    void *wake_ud;
    pthread_t thread;
    bool started;
    bool joined;
    int pipe[2];

    pthread_mutex_t mu;
    struct lw_buf notices;  /* under mu */
    atomic_ulong steps;
    atomic_bool cancel;
    atomic_bool finished;
    enum lw_status status;  /* valid once finished */
    struct lw_err err;
};

static void
poke(struct lw_job *job)
{
    char c = 1;
    ssize_t n;

    /* A full pipe already holds a wake-up: dropping this one is fine. */
    do
        n = write(job->pipe[1], &c, 1);
    while (n < 0 && errno == EINTR);
}

static void *
run(void *arg)
{
    struct lw_job *job = arg;
    struct lw_err err;

    lw_err_clear(&err);
    job->status = job->fn(job, job->ud, &err);
    job->err = err;
    atomic_store(&job->finished, true);
    poke(job);
    return NULL;
}

static void
on_pipe(struct lw_loop *loop, int fd, unsigned revents, void *ud)
{
    struct lw_job *job = ud;
    char buf[256];

    (void)loop;
    (void)revents;
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    if (atomic_load(&job->finished) && !job->joined) {
        pthread_join(job->thread, NULL);
        job->joined = true;
    }
    if (job->wake != NULL)
        job->wake(job, job->wake_ud);
}

enum lw_status
lw_job_start(struct lw_loop *loop, lw_job_fn fn, void *ud,
             lw_job_wake_fn wake, void *wake_ud, struct lw_job **out,
             struct lw_err *err)
{
    struct lw_job *job;
    sigset_t all, old;
    enum lw_status st;
    int rc;

    *out = NULL;
    job = calloc(1, sizeof(*job));
    if (job == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    job->loop = loop;
    job->fn = fn;
    job->ud = ud;
    job->wake = wake;
    job->wake_ud = wake_ud;
    job->pipe[0] = job->pipe[1] = -1;
    lw_buf_init(&job->notices);
    pthread_mutex_init(&job->mu, NULL);
    atomic_init(&job->steps, 0);
    atomic_init(&job->cancel, false);
    atomic_init(&job->finished, false);
    if (pipe2(job->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        st = lw_err_errno(err, errno, "%s",
                          _("could not create a pipe for the worker"));
        goto fail;
    }
    st = lw_loop_watch(loop, job->pipe[0], LW_IO_READ, on_pipe, job, err);
    if (st != LW_OK)
        goto fail;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(&job->thread, NULL, run, job);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        lw_loop_watch(loop, job->pipe[0], 0, NULL, NULL, NULL);
        st = lw_err_errno(err, rc, "%s", _("could not start a thread"));
        goto fail;
    }
    job->started = true;
    *out = job;
    return LW_OK;
fail:
    if (job->pipe[0] >= 0)
        close(job->pipe[0]);
    if (job->pipe[1] >= 0)
        close(job->pipe[1]);
    pthread_mutex_destroy(&job->mu);
    free(job);
    return st;
}

void
lw_job_notice(struct lw_job *job, enum lw_notice level, const char *msg)
{
    pthread_mutex_lock(&job->mu);
    if (level == LW_NOTICE_WARN)
        lw_buf_putc(&job->notices, '!');
    lw_buf_puts(&job->notices, msg);
    lw_buf_putc(&job->notices, '\n');
    pthread_mutex_unlock(&job->mu);
    poke(job);
}

bool
lw_job_progress(struct lw_job *job)
{
    unsigned long n = atomic_fetch_add(&job->steps, 1) + 1;

    /* Wake the screen now and then, not for every prime candidate. */
    if (n % 8 == 0)
        poke(job);
    return !atomic_load(&job->cancel);
}

void
lw_job_setup_notice(void *ud, enum lw_notice level, const char *msg)
{
    lw_job_notice(ud, level, msg);
}

bool
lw_job_setup_progress(void *ud, int phase, int count)
{
    (void)phase;
    (void)count;
    return lw_job_progress(ud);
}

void
lw_job_cancel(struct lw_job *job)
{
    if (job != NULL)
        atomic_store(&job->cancel, true);
}

bool
lw_job_finished(struct lw_job *job)
{
    return atomic_load(&job->finished);
}

unsigned long
lw_job_steps(struct lw_job *job)
{
    return atomic_load(&job->steps);
}

void
lw_job_take_notices(struct lw_job *job, struct lw_buf *out)
{
    pthread_mutex_lock(&job->mu);
    if (job->notices.len > 0)
        lw_buf_append(out, job->notices.data, job->notices.len);
    lw_buf_reset(&job->notices);
    pthread_mutex_unlock(&job->mu);
}

enum lw_status
lw_job_result(struct lw_job *job, struct lw_err *err)
{
    if (!atomic_load(&job->finished))
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("the worker has not finished"));
    if (err != NULL)
        *err = job->err;
    return job->status;
}

void
lw_job_free(struct lw_job *job)
{
    if (job == NULL)
        return;
    atomic_store(&job->cancel, true);
    if (job->started && !job->joined)
        pthread_join(job->thread, NULL);
    lw_loop_watch(job->loop, job->pipe[0], 0, NULL, NULL, NULL);
    close(job->pipe[0]);
    close(job->pipe[1]);
    lw_buf_free(&job->notices);
    pthread_mutex_destroy(&job->mu);
    free(job);
}
