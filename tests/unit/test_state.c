/* test_state.c - the state file and the run lock. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lw/install.h"
#include "lw/state.h"

struct fixture {
    char dir[64];
    char path[256]; /* <dir>/var/lib/linkwiz/state.yaml */
};

static int
rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int
setup_dir(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct lw_err err;

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/lw-test-state-XXXXXX");
    if (mkdtemp(f->dir) == NULL ||
        lw_state_default_path(f->dir, f->path, sizeof(f->path), &err) != LW_OK)
        return -1;
    *state = f;
    return 0;
}

static int
teardown_dir(void **state)
{
    struct fixture *f = *state;

    nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

static void
write_file(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static char *
read_text(const char *path)
{
    struct lw_buf b = LW_BUF_INIT;
    struct lw_err err;

    assert_int_equal(lw_buf_read_file(&b, path, 1 << 20, &err), LW_OK);
    return lw_buf_steal(&b, NULL);
}

static void
parent_dir(const char *path, char *dir, size_t len)
{
    snprintf(dir, len, "%s", path);
    *strrchr(dir, '/') = '\0';
}

/* ---- a full state ------------------------------------------------------ */

static struct lw_check_record records[] = {
    {"dns.record", "warn", "2 of 3 resolvers have it: 9.9.9.9 does not"},
    {"tls.expiry", "pass", "valid for 89 more days"},
    {"http.health", "fail", "answered 502: \"bad gateway\""},
};

static char *addrs[] = {"203.0.113.10", "2001:db8::10", NULL};

#define FP "AB:CD:EF:01:23:45:67:89"

static void
fill(struct lw_state *s)
{
    lw_state_init(s);
    snprintf(s->config.domain, sizeof(s->config.domain), "link.example.com");
    s->config.region = "eu";
    s->config.method = LW_METHOD_NGINX;
    s->config.key.type = LW_KEY_RSA;
    s->config.key.bits = 3072;
    s->config.organization = "Example Inc";
    s->config.country = "NO";
    s->config.certificate = "/root/chain.pem";
    s->config.nginx_reload = true;
    s->config.addresses = addrs;
    s->config.n_addresses = 2;
    s->phase = LW_PHASE_INSTALLED;
    s->created = 1796310300; /* 2026-12-03T15:05:00Z */
    s->updated = 1796310301;
    s->key_fingerprint = FP;
    s->cert_fingerprint = "01:02";
    s->cert_not_after = 1804086300;
    s->last_run = "20261203T150501Z";
    s->checked_at = 1796310360;
    s->check_elapsed_ms = 840;
    s->checks = records;
    s->n_checks = 3;
}

static const char golden[] =
    "linkwiz_state: 1\n"
    "domain: link.example.com\n"
    "region: eu\n"
    "method: nginx\n"
    "key:\n"
    "  type: rsa\n"
    "  bits: 3072\n"
    "subject:\n"
    "  organization: Example Inc\n"
    "  country: \"NO\"\n"
    "nginx:\n"
    "  reload: true\n"
    "  addresses: [\"203.0.113.10\", \"2001:db8::10\"]\n"
    "certificate_source: /root/chain.pem\n"
    "phase: installed\n"
    "created: \"2026-12-03T15:05:00Z\"\n"
    "updated: \"2026-12-03T15:05:01Z\"\n"
    "key_fingerprint: AB:CD:EF:01:23:45:67:89\n"
    "certificate:\n"
    "  fingerprint: \"01:02\"\n"
    "  not_after: \"2027-03-03T15:05:00Z\"\n"
    "last_run: \"20261203T150501Z\"\n"
    "last_check:\n"
    "  at: \"2026-12-03T15:06:00Z\"\n"
    "  elapsed_ms: 840\n"
    "  results:\n"
    "  - id: dns.record\n"
    "    status: warn\n"
    "    summary: \"2 of 3 resolvers have it: 9.9.9.9 does not\"\n"
    "  - id: tls.expiry\n"
    "    status: pass\n"
    "    summary: valid for 89 more days\n"
    "  - id: http.health\n"
    "    status: fail\n"
    "    summary: 'answered 502: \"bad gateway\"'\n";

static void
test_format_golden(void **state)
{
    struct lw_state s;
    struct lw_buf b = LW_BUF_INIT;
    struct lw_err err;

    (void)state;
    fill(&s);
    assert_int_equal(lw_state_format(&s, &b, &err), LW_OK);
    assert_string_equal(b.data, golden);
    lw_buf_free(&b);
}

static void
assert_same_state(const struct lw_state *a, const struct lw_state *b)
{
    size_t i;

    assert_true(lw_config_equal(&a->config, &b->config));
    assert_int_equal(a->phase, b->phase);
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->updated, b->updated);
    if (a->key_fingerprint == NULL)
        assert_null(b->key_fingerprint);
    else
        assert_string_equal(a->key_fingerprint, b->key_fingerprint);
    if (a->cert_fingerprint == NULL)
        assert_null(b->cert_fingerprint);
    else
        assert_string_equal(a->cert_fingerprint, b->cert_fingerprint);
    assert_int_equal(a->cert_not_after, b->cert_not_after);
    if (a->last_run == NULL)
        assert_null(b->last_run);
    else
        assert_string_equal(a->last_run, b->last_run);
    assert_int_equal(a->checked_at, b->checked_at);
    assert_int_equal(a->check_elapsed_ms, b->check_elapsed_ms);
    assert_int_equal(a->n_checks, b->n_checks);
    for (i = 0; i < a->n_checks; i++) {
        assert_string_equal(a->checks[i].id, b->checks[i].id);
        assert_string_equal(a->checks[i].status, b->checks[i].status);
        assert_string_equal(a->checks[i].summary, b->checks[i].summary);
    }
}

static void
test_round_trip(void **state)
{
    struct fixture *f = *state;
    struct lw_state want[3], got;
    struct lw_err err;
    struct stat st;
    char dir[256];
    int i;

    fill(&want[0]);
    /* Waiting for the certificate, CloudFront, nothing checked yet. */
    lw_state_init(&want[1]);
    snprintf(want[1].config.domain, sizeof(want[1].config.domain),
             "xn--bcher-kva.example");
    want[1].config.region = "us";
    want[1].config.method = LW_METHOD_CLOUDFRONT;
    want[1].config.distribution_domain = "d111111abcdef8.cloudfront.net";
    want[1].phase = LW_PHASE_WAITING_CERT;
    want[1].created = want[1].updated = 1796310300;
    want[1].key_fingerprint = FP;
    /* EC, a last check with no results. */
    lw_state_init(&want[2]);
    snprintf(want[2].config.domain, sizeof(want[2].config.domain),
             "t.example.org");
    want[2].config.region = "test-1";
    want[2].config.key.type = LW_KEY_EC;
    want[2].config.key.bits = 384;
    want[2].phase = LW_PHASE_INSTALLED;
    want[2].checked_at = 1796310300;
    want[2].check_elapsed_ms = 0;

    for (i = 0; i < 3; i++) {
        assert_int_equal(lw_state_save(f->path, &want[i], &err), LW_OK);
        assert_int_equal(stat(f->path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        parent_dir(f->path, dir, sizeof(dir));
        assert_int_equal(stat(dir, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        lw_state_init(&got);
        assert_int_equal(lw_state_load(f->path, &got, &err), LW_OK);
        assert_same_state(&want[i], &got);
        lw_state_free(&got);
    }
}

static void
test_not_found(void **state)
{
    struct fixture *f = *state;
    struct lw_state s;
    struct lw_err err;
    char msg[512];

    lw_state_init(&s);
    assert_int_equal(lw_state_load(f->path, &s, &err), LW_ERR_NOTFOUND);
    snprintf(msg, sizeof(msg), "no saved setup: %s does not exist", f->path);
    assert_string_equal(err.msg, msg);
}

/* ---- bad files --------------------------------------------------------- */

#define OKHEAD                                                                 \
    "linkwiz_state: 1\ndomain: link.example.com\nregion: us\nmethod: nginx\n"  \
    "phase: installed\n"

struct bad_case {
    const char *what;
    const char *data;
    size_t len;      /* 0: strlen */
    const char *msg; /* after "<path>"; "..." at the end: a prefix */
};

static const struct bad_case bad_cases[] = {
    {"garbage bytes", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff", 17,
     ":1: not a readable YAML text file: ..."},
    {"not YAML", "linkwiz_state: 1\ndomain: [a,\n", 0,
     ":3: not valid YAML: ..."},
    {"a list", "- linkwiz_state\n", 0,
     " is not a linkwiz state file (it has no linkwiz_state key)"},
    {"a scalar", "hello\n", 0,
     " is not a linkwiz state file (it has no linkwiz_state key)"},
    {"foreign YAML", "apiVersion: v1\nkind: Pod\n", 0,
     " is not a linkwiz state file (it has no linkwiz_state key)"},
    {"version a word", "linkwiz_state: one\n", 0,
     ":1: linkwiz_state: expected a whole number, found \"one\""},
    {"version 0", "linkwiz_state: 0\n", 0,
     ":1: linkwiz_state: \"0\" is not a state version"},
    {"newer version", "linkwiz_state: 2\nwarp_drive: engaged\n", 0,
     " was written by a newer linkwiz (state version 2; this one reads "
     "version 1)"},
    {"unknown key", OKHEAD "colour: red\n", 0,
     ":6: unknown key \"colour\"; the accepted keys here are: ..."},
    {"domain with a path", "linkwiz_state: 1\ndomain: ../../etc\n", 0,
     ":2: domain: \"../../etc\" is not a valid host name"},
    {"domain not normalized", "linkwiz_state: 1\ndomain: Link.Example.com\n", 0,
     ":2: domain: \"Link.Example.com\" is not a valid host name"},
    {"domain with a brace", "linkwiz_state: 1\ndomain: \"a.example}\"\n", 0,
     ":2: domain: \"a.example}\" is not a valid host name"},
    {"region with a slash",
     "linkwiz_state: 1\ndomain: a.example\nregion: ../x\n", 0,
     ":3: region: \"../x\" is not a region key"},
    {"no phase",
     "linkwiz_state: 1\ndomain: a.example\nregion: us\nmethod: nginx\n", 0,
     ": the required key \"phase\" is missing"},
    {"duplicate phase", OKHEAD "phase: done\n", 0,
     ":6: duplicate key \"phase\" (it is already at line 5)"},
    {"unknown phase",
     "linkwiz_state: 1\ndomain: a.example\nregion: us\nmethod: nginx\n"
     "phase: done\n",
     0,
     ":5: phase: \"done\" is not a setup phase (waiting-for-certificate or "
     "installed)"},
    {"bad time", OKHEAD "created: yesterday\n", 0,
     ":6: created: \"yesterday\" is not a time of the form "
     "2026-12-03T15:05:00Z"},
    {"February 30", OKHEAD "updated: 2026-02-30T00:00:00Z\n", 0,
     ":6: updated: \"2026-02-30T00:00:00Z\" is not a time of the form "
     "2026-12-03T15:05:00Z"},
    {"bad fingerprint", OKHEAD "key_fingerprint: \"sha256 abc\"\n", 0,
     ":6: key_fingerprint: \"sha256 abc\" is not a SHA-256 fingerprint "
     "(AB:CD:...)"},
    {"bad last_run", OKHEAD "last_run: ../../etc\n", 0,
     ":6: last_run: \"../../etc\" is not a backup time stamp"},
    {"relative certificate", OKHEAD "certificate_source: chain.pem\n", 0,
     ":6: certificate_source: \"chain.pem\" is not an absolute path"},
    {"bad check status",
     OKHEAD "last_check:\n  results:\n    - { id: tls.expiry, status: great "
            "}\n",
     0,
     ":8: last_check.results[0].status: \"great\" is not a check status "
     "(pass, warn, fail, skip or error)"},
    {"bad check id",
     OKHEAD "last_check:\n  results: [{ id: \"a b\", status: pass }]\n", 0,
     ":7: last_check.results[0].id: \"a b\" is not a check id"},
    {"results a map", OKHEAD "last_check: { results: { a: b } }\n", 0,
     ":6: last_check.results: expected a list of at most 64 check results"},
    {"EC for cloudfront",
     "linkwiz_state: 1\ndomain: a.example\nregion: us\nmethod: cloudfront\n"
     "key: { type: ec, curve: p256 }\nphase: installed\n",
     0, ":5: key: method cloudfront takes an RSA key of 2048 bits, ..."},
    {"alias", OKHEAD "created: &t 2026-12-03T15:05:00Z\nupdated: *t\n", 0,
     ":6: anchors (&t) are not allowed"},
};

static void
test_bad_files(void **state)
{
    struct fixture *f = *state;
    char dir[256], expected[1024];
    struct stat st;
    size_t i, n;

    parent_dir(f->path, dir, sizeof(dir));
    {
        struct lw_err err;
        assert_int_equal(lw_mkdirs(dir, 0700, &err), LW_OK);
    }
    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct lw_state s;
        struct lw_err err;

        write_file(f->path, c->data, c->len != 0 ? c->len : strlen(c->data));
        fill(&s); /* must be left as it was */
        lw_err_clear(&err);
        /* A newer version is a valid file this linkwiz must not use. */
        assert_int_equal(lw_state_load(f->path, &s, &err),
                         strcmp(c->what, "newer version") == 0
                             ? LW_ERR_REFUSED
                             : LW_ERR_INPUT);
        print_message("# %s: %s\n", c->what, err.msg);
        assert_string_equal(s.config.domain, "link.example.com");
        assert_ptr_equal(s.checks, records);
        snprintf(expected, sizeof(expected), "%s%s", f->path, c->msg);
        n = strlen(expected);
        if (strcmp(expected + n - 3, "...") == 0) {
            assert_true(strlen(err.msg) > n - 3);
            assert_memory_equal(err.msg, expected, n - 3);
        } else {
            assert_string_equal(err.msg, expected);
        }
        assert_true(err.hint[0] != '\0');
        /* Loading never moves or removes the file. */
        assert_int_equal(stat(f->path, &st), 0);
        assert_int_equal((size_t)st.st_size,
                         c->len != 0 ? c->len : strlen(c->data));
    }
}

/* A hand-edited summary with control characters loads, made harmless. */
static void
test_summary_sanitized(void **state)
{
    struct fixture *f = *state;
    static const char doc[] =
        OKHEAD "last_check:\n"
               "  results: [{ id: tls.chain, status: fail, summary: "
               "\"bad\\e[31m\\nchain\" }]\n";
    struct lw_state s;
    struct lw_err err;
    char dir[256];

    parent_dir(f->path, dir, sizeof(dir));
    assert_int_equal(lw_mkdirs(dir, 0700, &err), LW_OK);
    write_file(f->path, doc, strlen(doc));
    lw_state_init(&s);
    assert_int_equal(lw_state_load(f->path, &s, &err), LW_OK);
    assert_int_equal(s.n_checks, 1);
    assert_string_equal(s.checks[0].summary, "bad?[31m?chain");
    lw_state_free(&s);
}

static void
test_save_refuses_bad_domain(void **state)
{
    struct fixture *f = *state;
    struct lw_state s;
    struct lw_err err;
    struct stat st;

    fill(&s);
    snprintf(s.config.domain, sizeof(s.config.domain), "../etc");
    assert_int_equal(lw_state_save(f->path, &s, &err), LW_ERR_INTERNAL);
    assert_int_not_equal(stat(f->path, &st), 0);
}

/* ---- setting aside ----------------------------------------------------- */

static void
stamp_of(time_t t, char *out, size_t len)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, len, "%Y%m%dT%H%M%SZ", &tm);
}

static void
test_set_aside(void **state)
{
    struct fixture *f = *state;
    char dir[256], moved[512], taken[512], stamp[32], *text;
    const char *suffix;
    struct lw_err err;
    struct stat st;
    time_t before, t;
    size_t i;

    parent_dir(f->path, dir, sizeof(dir));
    assert_int_equal(lw_mkdirs(dir, 0700, &err), LW_OK);

    /* Missing file. */
    assert_int_equal(lw_state_set_aside(f->path, moved, sizeof(moved), &err),
                     LW_ERR_NOTFOUND);

    /* The name: <path>.bad-YYYYmmddTHHMMSSZ, stamped now. */
    write_file(f->path, "first", 5);
    before = time(NULL);
    assert_int_equal(lw_state_set_aside(f->path, moved, sizeof(moved), &err),
                     LW_OK);
    assert_int_equal(strncmp(moved, f->path, strlen(f->path)), 0);
    suffix = moved + strlen(f->path);
    assert_int_equal(strlen(suffix), strlen(".bad-20261203T150500Z"));
    assert_memory_equal(suffix, ".bad-", 5);
    for (i = 5; i < strlen(suffix); i++) {
        if (i == 13)
            assert_int_equal(suffix[i], 'T');
        else if (i == 20)
            assert_int_equal(suffix[i], 'Z');
        else
            assert_true(suffix[i] >= '0' && suffix[i] <= '9');
    }
    stamp_of(before, stamp, sizeof(stamp));
    if (strcmp(suffix + 5, stamp) != 0) { /* the second may have turned */
        stamp_of(before + 1, stamp, sizeof(stamp));
        assert_string_equal(suffix + 5, stamp);
    }
    assert_int_not_equal(stat(f->path, &st), 0);
    text = read_text(moved);
    assert_string_equal(text, "first");
    free(text);
    assert_int_equal(unlink(moved), 0);

    /* Never over an earlier one: with the names of this second and the
     * next two taken, the new one gets "-2" and the others are kept. */
    before = time(NULL);
    for (t = before; t < before + 3; t++) {
        stamp_of(t, stamp, sizeof(stamp));
        snprintf(taken, sizeof(taken), "%s.bad-%s", f->path, stamp);
        write_file(taken, "older", 5);
    }
    write_file(f->path, "second", 6);
    assert_int_equal(lw_state_set_aside(f->path, moved, sizeof(moved), &err),
                     LW_OK);
    assert_string_equal(moved + strlen(moved) - 2, "-2");
    text = read_text(moved);
    assert_string_equal(text, "second");
    free(text);
    for (t = before; t < before + 3; t++) {
        stamp_of(t, stamp, sizeof(stamp));
        snprintf(taken, sizeof(taken), "%s.bad-%s", f->path, stamp);
        text = read_text(taken);
        assert_string_equal(text, "older");
        free(text);
    }

    /* moved_to too small: nothing is moved. */
    write_file(f->path, "third", 5);
    assert_int_equal(lw_state_set_aside(f->path, moved, 10, &err),
                     LW_ERR_INPUT);
    assert_int_equal(stat(f->path, &st), 0);
}

static void
test_default_path(void **state)
{
    char out[256];
    struct lw_err err;

    (void)state;
    assert_int_equal(lw_state_default_path("/", out, sizeof(out), &err), LW_OK);
    assert_string_equal(out, "/var/lib/linkwiz/state.yaml");
    assert_int_equal(
        lw_state_default_path("/srv/root/", out, sizeof(out), &err), LW_OK);
    assert_string_equal(out, "/srv/root/var/lib/linkwiz/state.yaml");
    assert_int_equal(lw_state_default_path("/srv/root", out, 10, &err),
                     LW_ERR_INPUT);
}

static void
test_phase_words(void **state)
{
    (void)state;
    assert_string_equal(lw_phase_word(LW_PHASE_WAITING_CERT),
                        "waiting-for-certificate");
    assert_string_equal(lw_phase_word(LW_PHASE_INSTALLED), "installed");
    assert_string_equal(lw_phase_word(LW_PHASE_NONE), "none");
}

/* ---- the lock ---------------------------------------------------------- */

static long
ms_since(const struct timespec *t0)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - t0->tv_sec) * 1000 +
           (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Child: take the lock, say so on ready, hold it until a byte arrives on
 * go (or, with hold_ms > 0, for that long), then release and exit. */
static pid_t
spawn_holder(const char *state_path, int hold_ms, int *go_fd)
{
    int ready[2], go[2];
    pid_t pid;
    char c;

    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct lw_lock *lock;
        struct lw_err err;

        close(ready[0]);
        close(go[1]);
        if (lw_lock_acquire(state_path, 0, &lock, &err) != LW_OK)
            _exit(1);
        if (write(ready[1], "r", 1) != 1)
            _exit(2);
        if (hold_ms > 0) {
            struct timespec ts = {hold_ms / 1000,
                                  (long)(hold_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        } else if (read(go[0], &c, 1) != 1) {
            _exit(3);
        }
        lw_lock_release(lock);
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    *go_fd = go[1];
    return pid;
}

static void
reap(pid_t pid)
{
    int status;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_lock_contention(void **state)
{
    struct fixture *f = *state;
    struct lw_lock *lock = NULL;
    struct lw_err err;
    struct timespec t0;
    char expected[256], lockpath[300], dir[256], *text;
    struct stat st;
    long waited;
    pid_t pid;
    int go;

    parent_dir(f->path, dir, sizeof(dir));
    snprintf(lockpath, sizeof(lockpath), "%s/lock", dir);
    pid = spawn_holder(f->path, 0, &go);

    /* Held: refused at once with wait 0, naming the holder. */
    snprintf(expected, sizeof(expected),
             "another linkwiz run (PID %ld) is writing the setup; wait for "
             "it to finish",
             (long)pid);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(lw_lock_acquire(f->path, 0, &lock, &err), LW_ERR_LOCKED);
    assert_true(ms_since(&t0) < 200); /* no retry pause */
    assert_null(lock);
    assert_string_equal(err.msg, expected);
    assert_non_null(strstr(err.hint, lockpath));

    /* With a wait: retried for that long, then refused. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(lw_lock_acquire(f->path, 300, &lock, &err), LW_ERR_LOCKED);
    waited = ms_since(&t0);
    assert_true(waited >= 290 && waited < 2000);
    assert_string_equal(err.msg, expected);

    /* Released: ours, with our PID in the file. */
    assert_int_equal(write(go, "g", 1), 1);
    close(go);
    assert_int_equal(lw_lock_acquire(f->path, 5000, &lock, &err), LW_OK);
    reap(pid);
    assert_int_equal(stat(lockpath, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    text = read_text(lockpath);
    snprintf(expected, sizeof(expected), "%ld\n", (long)getpid());
    assert_string_equal(text, expected);
    free(text);
    lw_lock_release(lock);
    text = read_text(lockpath);
    assert_string_equal(text, "");
    free(text);
    lw_lock_release(NULL);
}

/* Waiting succeeds when the holder finishes in time. */
static void
test_lock_wait_then_get(void **state)
{
    struct fixture *f = *state;
    struct lw_lock *lock = NULL;
    struct lw_err err;
    struct timespec t0;
    long waited;
    pid_t pid;
    int go;

    pid = spawn_holder(f->path, 200, &go);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(lw_lock_acquire(f->path, 5000, &lock, &err), LW_OK);
    waited = ms_since(&t0);
    assert_true(waited >= 100 && waited < 4000);
    lw_lock_release(lock);
    close(go);
    reap(pid);

    /* Free: taken at once, twice in a row (released in between). */
    assert_int_equal(lw_lock_acquire(f->path, 0, &lock, &err), LW_OK);
    lw_lock_release(lock);
    assert_int_equal(lw_lock_acquire(f->path, 0, &lock, &err), LW_OK);
    lw_lock_release(lock);
}

/* lw_state_parse (added for the fuzz target, used by lw_state_load): the
 * same reading from memory, with the name in messages and no terminating
 * NUL needed. */
static void
test_parse_memory(void **state)
{
    struct lw_state want, got;
    struct lw_err err;
    size_t len = sizeof(golden) - 1;
    char *copy = malloc(len);

    (void)state;
    assert_non_null(copy);
    memcpy(copy, golden, len); /* exactly len bytes: no NUL after them */
    fill(&want);
    lw_state_init(&got);
    assert_int_equal(lw_state_parse(copy, len, "mem.yaml", &got, &err), LW_OK);
    assert_same_state(&want, &got);

    /* A failure leaves out as it was and names the given name. */
    assert_int_equal(lw_state_parse("a: [", 4, "mem.yaml", &got, &err),
                     LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "mem.yaml"));
    assert_string_equal(got.config.domain, "link.example.com");
    assert_int_equal(lw_state_parse("linkwiz_state: 2\n", 17, "mem.yaml", &got,
                                    &err),
                     LW_ERR_REFUSED);
    assert_non_null(strstr(err.msg, "mem.yaml was written by a newer linkwiz"));
    assert_int_equal(lw_state_parse(NULL, 0, "mem.yaml", &got, &err),
                     LW_ERR_INPUT);
    assert_non_null(strstr(err.msg, "mem.yaml is not a linkwiz state file"));
    lw_state_free(&got);
    free(copy);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_golden),
        cmocka_unit_test_setup_teardown(test_round_trip, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_not_found, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_bad_files, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_summary_sanitized, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_save_refuses_bad_domain, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_set_aside, setup_dir,
                                        teardown_dir),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_phase_words),
        cmocka_unit_test_setup_teardown(test_lock_contention, setup_dir,
                                        teardown_dir),
        cmocka_unit_test_setup_teardown(test_lock_wait_then_get, setup_dir,
                                        teardown_dir),
        cmocka_unit_test(test_parse_memory),
    };

    return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
