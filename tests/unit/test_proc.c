/* test_proc.c - lw_proc_run: argument vectors, capture, exit status,
 * signals, timeouts, bounds, missing programs; lw_proc_start: the same on
 * the event loop, several programs at once. */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lw/loop.h"
#include "lw/proc.h"

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run_case {
    const char *name;
    const char *argv[8];
    int exit_code;
    int term_signal;
    const char *out; /* exact stdout */
    const char *err; /* exact stderr */
};

static const struct run_case run_cases[] = {
    /* Shell syntax in an argument is just bytes: no shell ever sees it. */
    {"literal arguments",
     {"echo", "a;b", "$(touch /tmp/lw-pwned)", "`id`", "*", NULL},
     0,
     0,
     "a;b $(touch /tmp/lw-pwned) `id` *\n",
     ""},
    {"stderr captured apart",
     {"sh", "-c", "echo out; echo oops >&2", NULL},
     0,
     0,
     "out\n",
     "oops\n"},
    {"exit code", {"sh", "-c", "exit 3", NULL}, 3, 0, "", ""},
    {"killed by a signal",
     {"sh", "-c", "kill -TERM $$", NULL},
     -1,
     SIGTERM,
     "",
     ""},
    {"stdin is /dev/null", {"cat", NULL}, 0, 0, "", ""},
    {"sanitized environment",
     {"env", NULL},
     0,
     0,
     "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nLANG=C\n",
     ""},
    /* A background grandchild keeping the pipes open must not hold us. */
    {"lingering grandchild",
     {"sh", "-c", "sleep 10 & echo started", NULL},
     0,
     0,
     "started\n",
     ""},
    {"absolute path", {"/bin/echo", "-n", "x", NULL}, 0, 0, "x", ""},
};

static void
test_run_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(run_cases) / sizeof(run_cases[0]); i++) {
        const struct run_case *c = &run_cases[i];
        struct lw_proc_result r;
        struct lw_err err;
        double t0 = now_s();

        print_message("# %s\n", c->name);
        lw_proc_result_init(&r);
        lw_err_clear(&err);
        assert_int_equal(lw_proc_run(c->argv, 5000, &r, &err), LW_OK);
        assert_int_equal(r.exit_code, c->exit_code);
        assert_int_equal(r.term_signal, c->term_signal);
        assert_false(r.timed_out);
        assert_string_equal(r.out.data, c->out);
        assert_string_equal(r.err.data, c->err);
        assert_false(r.out_truncated);
        assert_false(r.err_truncated);
        assert_true(now_s() - t0 < 3.0);
        lw_proc_result_free(&r);
    }
}

static void
test_timeout(void **state)
{
    const char *argv[] = {"sleep", "5", NULL};
    struct lw_proc_result r;
    struct lw_err err;
    double t0, dt;

    (void)state;
    lw_proc_result_init(&r);
    t0 = now_s();
    assert_int_equal(lw_proc_run(argv, 200, &r, &err), LW_OK);
    dt = now_s() - t0;
    assert_true(r.timed_out);
    assert_int_equal(r.exit_code, -1);
    assert_int_equal(r.term_signal, SIGKILL);
    assert_true(dt >= 0.19);
    assert_true(dt < 3.0);
    lw_proc_result_free(&r);
}

/* A child that also started one of its own: the timeout kills both, so
 * the pipes close and we return on time. */
static void
test_timeout_kills_group(void **state)
{
    const char *argv[] = {"sh", "-c", "sleep 5; echo late", NULL};
    struct lw_proc_result r;
    struct lw_err err;
    double t0;

    (void)state;
    lw_proc_result_init(&r);
    t0 = now_s();
    assert_int_equal(lw_proc_run(argv, 200, &r, &err), LW_OK);
    assert_true(now_s() - t0 < 3.0);
    assert_true(r.timed_out);
    assert_int_equal(r.term_signal, SIGKILL);
    assert_string_equal(r.out.data, "");
    lw_proc_result_free(&r);
}

static void
test_large_output(void **state)
{
    const char *argv[] = {"head", "-c", "20000000", "/dev/zero", NULL};
    const char *eargv[] = {"sh", "-c", "head -c 3000000 /dev/zero >&2", NULL};
    struct lw_proc_result r;
    struct lw_err err;
    double t0;

    (void)state;
    lw_proc_result_init(&r);
    t0 = now_s();
    assert_int_equal(lw_proc_run(argv, 20000, &r, &err), LW_OK);
    assert_true(now_s() - t0 < 10.0);
    assert_int_equal(r.exit_code, 0); /* drained to the end, not killed */
    assert_false(r.timed_out);
    assert_int_equal(r.out.len, LW_PROC_OUT_MAX);
    assert_true(r.out_truncated);
    assert_false(r.err_truncated);

    assert_int_equal(lw_proc_run(eargv, 20000, &r, &err), LW_OK);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(r.out.len, 0);
    assert_int_equal(r.err.len, LW_PROC_ERR_MAX);
    assert_true(r.err_truncated);
    assert_false(r.out_truncated);
    lw_proc_result_free(&r);
}

struct missing_case {
    const char *prog;
    const char *msg;
    const char *hint_part; /* NULL: no hint */
};

static const struct missing_case missing_cases[] = {
    {"/nonexistent/nginx",
     "cannot run /nonexistent/nginx: No such file or directory",
     "Install nginx"},
    {"linkwiz-no-such-program",
     "cannot run linkwiz-no-such-program: No such file or directory", NULL},
    {"", "cannot run : No such file or directory", NULL},
    {"/etc/passwd", "cannot run /etc/passwd: Permission denied", NULL},
};

static void
test_missing_program(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(missing_cases) / sizeof(missing_cases[0]); i++) {
        const struct missing_case *c = &missing_cases[i];
        const char *argv[] = {c->prog, "-t", NULL};
        struct lw_proc_result r;
        struct lw_err err;

        print_message("# %s\n", c->prog);
        lw_proc_result_init(&r);
        lw_err_clear(&err);
        assert_int_equal(lw_proc_run(argv, 1000, &r, &err), LW_ERR_EXTERNAL);
        assert_int_equal(err.status, LW_ERR_EXTERNAL);
        assert_string_equal(err.msg, c->msg);
        if (c->hint_part != NULL)
            assert_non_null(strstr(err.hint, c->hint_part));
        else
            assert_string_equal(err.hint, "");
        lw_proc_result_free(&r);
    }
}

static void
test_no_program(void **state)
{
    const char *argv[] = {NULL};
    struct lw_proc_result r;
    struct lw_err err;

    (void)state;
    lw_proc_result_init(&r);
    assert_int_equal(lw_proc_run(argv, 1000, &r, &err), LW_ERR_INTERNAL);
    assert_non_null(strstr(err.msg, "no program to run"));
    lw_proc_result_free(&r);
}

/* The child sees none of our descriptors: only 0, 1, 2 (and the one ls
 * opens to read the directory). */
static void
test_no_fd_leak(void **state)
{
    const char *argv[] = {"ls", "/proc/self/fd", NULL};
    struct lw_proc_result r;
    struct lw_err err;

    (void)state;
    lw_proc_result_init(&r);
    assert_int_equal(lw_proc_run(argv, 5000, &r, &err), LW_OK);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out.data, "0\n1\n2\n3\n");
    lw_proc_result_free(&r);
}

/* ---- lw_proc_start: the same on the event loop ---- */

struct async_got {
    int calls;
    int exit_code;
    int term_signal;
    bool timed_out;
    char out[256];
    char err[256];
    size_t out_len;
    bool out_truncated;
    double at; /* when done ran */
};

static void
on_done(void *ud, struct lw_proc_result *r)
{
    struct async_got *g = ud;

    g->calls++;
    g->exit_code = r->exit_code;
    g->term_signal = r->term_signal;
    g->timed_out = r->timed_out;
    g->out_len = r->out.len;
    g->out_truncated = r->out_truncated;
    snprintf(g->out, sizeof(g->out), "%s", r->out.data);
    snprintf(g->err, sizeof(g->err), "%s", r->err.data);
    g->at = now_s();
}

static void
test_async_table(void **state)
{
    struct lw_loop *loop = NULL;
    struct async_got got[sizeof(run_cases) / sizeof(run_cases[0])];
    struct lw_err err;
    size_t i, n = sizeof(run_cases) / sizeof(run_cases[0]);
    double t0 = now_s();

    (void)state;
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    memset(got, 0, sizeof(got));
    /* All at once on one loop. */
    for (i = 0; i < n; i++)
        assert_int_equal(lw_proc_start(loop, run_cases[i].argv, 5000, on_done,
                                       &got[i], &err),
                         LW_OK);
    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
    for (i = 0; i < n; i++) {
        const struct run_case *c = &run_cases[i];

        print_message("# async: %s\n", c->name);
        assert_int_equal(got[i].calls, 1);
        assert_int_equal(got[i].exit_code, c->exit_code);
        assert_int_equal(got[i].term_signal, c->term_signal);
        assert_false(got[i].timed_out);
        assert_string_equal(got[i].out, c->out);
        assert_string_equal(got[i].err, c->err);
    }
    assert_true(now_s() - t0 < 3.0);
    lw_loop_free(loop);
}

/* A slow program does not hold up a quick one, and its timeout kills its
 * whole group. */
static void
test_async_timeout(void **state)
{
    const char *slow[] = {"sh", "-c", "sleep 5; echo late", NULL};
    const char *quick[] = {"echo", "quick", NULL};
    struct async_got gs, gq;
    struct lw_loop *loop = NULL;
    struct lw_err err;
    double t0;

    (void)state;
    memset(&gs, 0, sizeof(gs));
    memset(&gq, 0, sizeof(gq));
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    t0 = now_s();
    assert_int_equal(lw_proc_start(loop, slow, 1000, on_done, &gs, &err),
                     LW_OK);
    assert_int_equal(lw_proc_start(loop, quick, 5000, on_done, &gq, &err),
                     LW_OK);
    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
    assert_int_equal(gq.calls, 1);
    assert_string_equal(gq.out, "quick\n");
    assert_true(gq.at - t0 < 0.8); /* well before the slow one's end */
    assert_int_equal(gs.calls, 1);
    assert_true(gs.timed_out);
    assert_int_equal(gs.exit_code, -1);
    assert_int_equal(gs.term_signal, SIGKILL);
    assert_string_equal(gs.out, "");
    assert_true(gs.at - t0 >= 0.99);
    assert_true(gs.at - t0 < 3.0);
    lw_loop_free(loop);
}

static void
test_async_large_output(void **state)
{
    const char *argv[] = {"head", "-c", "20000000", "/dev/zero", NULL};
    struct lw_loop *loop = NULL;
    struct async_got g;
    struct lw_err err;

    (void)state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    assert_int_equal(lw_proc_start(loop, argv, 20000, on_done, &g, &err),
                     LW_OK);
    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.exit_code, 0);
    assert_int_equal(g.out_len, LW_PROC_OUT_MAX);
    assert_true(g.out_truncated);
    lw_loop_free(loop);
}

static void
test_async_missing(void **state)
{
    const char *argv[] = {"/nonexistent/nginx", "-t", NULL};
    const char *none[] = {NULL};
    struct lw_loop *loop = NULL;
    struct async_got g;
    struct lw_err err;

    (void)state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    lw_err_clear(&err);
    assert_int_equal(lw_proc_start(loop, argv, 1000, on_done, &g, &err),
                     LW_ERR_EXTERNAL);
    assert_string_equal(
        err.msg, "cannot run /nonexistent/nginx: No such file or directory");
    assert_non_null(strstr(err.hint, "Install nginx"));
    assert_int_equal(lw_proc_start(loop, none, 1000, on_done, &g, &err),
                     LW_ERR_INTERNAL);
    assert_int_equal(lw_loop_run(loop, &err), LW_OK); /* nothing left */
    assert_int_equal(g.calls, 0);
    lw_loop_free(loop);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_table),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_timeout_kills_group),
        cmocka_unit_test(test_large_output),
        cmocka_unit_test(test_missing_program),
        cmocka_unit_test(test_no_program),
        cmocka_unit_test(test_no_fd_leak),
        cmocka_unit_test(test_async_table),
        cmocka_unit_test(test_async_timeout),
        cmocka_unit_test(test_async_large_output),
        cmocka_unit_test(test_async_missing),
    };

    return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
