/* test_dns.c - DNS on the event loop against tests/fixtures/dnsserver.py
 * (started here on 127.0.0.1 and a free port): CNAME chains, loops, long
 * chains, records beside a CNAME, record formats, rcodes, timeouts,
 * concurrency, garbage, TCP fallback, one round trip per lookup against a
 * slow server, glue, an authoritative server's in-zone CNAMEs; the reply
 * parser on crafted bytes (the additional section too); server parsing
 * and resolv.conf. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lw/dns.h"
#include "lw/loop.h"

/* ---- the fixture server ---- */

static const char zone_json[] =
    "{\n"
    " \"link.example.com.\": [{\"type\":\"CNAME\",\"ttl\":300,"
    "\"data\":\"mid.example.net.\"}],\n"
    " \"mid.example.net.\": [{\"type\":\"CNAME\",\"ttl\":200,"
    "\"data\":\"srv.example.net.\"}],\n"
    " \"srv.example.net.\": [{\"type\":\"A\",\"ttl\":120,"
    "\"data\":\"192.0.2.10\"},\n"
    "   {\"type\":\"A\",\"ttl\":150,\"data\":\"192.0.2.11\"},\n"
    "   {\"type\":\"AAAA\",\"ttl\":100,\"data\":\"2001:db8::10\"}],\n"
    " \"example.net.\": [{\"type\":\"SOA\",\"ttl\":3600,\"data\":"
    "\"ns1.example.net. hostmaster.example.net. 7 3600 600 86400 30\"}],\n"
    " \"example.com.\": [{\"type\":\"SOA\",\"ttl\":3600,\"data\":"
    "\"ns1.example.com. hostmaster.example.com. 1 3600 600 86400 60\"},\n"
    "   {\"type\":\"NS\",\"data\":\"ns1.example.com.\"},\n"
    "   {\"type\":\"NS\",\"data\":\"ns2.example.com.\"},\n"
    "   {\"type\":\"CAA\",\"data\":\"0 issue \\\"letsencrypt.org\\\"\"},\n"
    "   {\"type\":\"CAA\",\"data\":\"128 iodef \\\"mailto:a\\\\\\\"b@x\\\"\"}"
    "],\n"
    " \"direct.example.com.\": [{\"type\":\"A\",\"ttl\":50,"
    "\"data\":\"192.0.2.1\"}],\n"
    " \"ns1.example.com.\": [{\"type\":\"A\",\"data\":\"192.0.2.53\"},\n"
    "   {\"type\":\"AAAA\",\"data\":\"2001:db8::53\"}],\n"
    " \"inzone.example.com.\": [{\"type\":\"CNAME\","
    "\"data\":\"direct.example.com.\"}],\n"
    " \"v6only.example.com.\": [{\"type\":\"AAAA\",\"data\":\"::1\"}],\n"
    " \"loop1.example.com.\": [{\"type\":\"CNAME\","
    "\"data\":\"loop2.example.com.\"}],\n"
    " \"loop2.example.com.\": [{\"type\":\"CNAME\","
    "\"data\":\"loop1.example.com.\"}],\n"
    " \"self.example.com.\": [{\"type\":\"CNAME\","
    "\"data\":\"self.example.com.\"}],\n"
    " \"c0.example.com.\": "
    "[{\"type\":\"CNAME\",\"data\":\"c1.example.com.\"}],\n"
    " \"c1.example.com.\": "
    "[{\"type\":\"CNAME\",\"data\":\"c2.example.com.\"}],\n"
    " \"c2.example.com.\": "
    "[{\"type\":\"CNAME\",\"data\":\"c3.example.com.\"}],\n"
    " \"c3.example.com.\": "
    "[{\"type\":\"CNAME\",\"data\":\"c4.example.com.\"}],\n"
    " \"c4.example.com.\": "
    "[{\"type\":\"CNAME\",\"data\":\"c5.example.com.\"}],\n"
    " \"c5.example.com.\": "
    "[{\"type\":\"CNAME\",\"data\":\"c6.example.com.\"}],\n"
    " \"c6.example.com.\": "
    "[{\"type\":\"CNAME\",\"data\":\"c7.example.com.\"}],\n"
    " \"c7.example.com.\": "
    "[{\"type\":\"CNAME\",\"data\":\"c8.example.com.\"}],\n"
    " \"c8.example.com.\": "
    "[{\"type\":\"CNAME\",\"data\":\"c9.example.com.\"}],\n"
    " \"c9.example.com.\": "
    "[{\"type\":\"CNAME\",\"data\":\"c10.example.com.\"}],"
    "\n"
    " \"c10.example.com.\": [{\"type\":\"A\",\"data\":\"192.0.2.99\"}],\n"
    " \"withtxt.example.com.\": [{\"type\":\"CNAME\",\"ttl\":300,"
    "\"data\":\"srv.example.net.\"},\n"
    "   {\"type\":\"TXT\",\"data\":[\"v=spf1\",\" -all\"]}],\n"
    " \"withmx.example.com.\": [{\"type\":\"CNAME\","
    "\"data\":\"srv.example.net.\"},\n"
    "   {\"type\":\"MX\",\"data\":\"10 mail.example.com.\"}],\n"
    " \"dangling.example.com.\": [{\"type\":\"CNAME\",\"ttl\":40,"
    "\"data\":\"gone.example.net.\"}],\n"
    " \"outside.example.com.\": [{\"type\":\"CNAME\","
    "\"data\":\"host.other.org.\"}],\n"
    " \"odd.example.com.\": [{\"type\":\"TYPE65280\",\"data\":\"0a0b\"}]\n"
    "}\n";

struct server {
    pid_t pid;
    struct lw_dns_server addr;
};

static char tmpdir[64];
static char script[PATH_MAX];
static bool have_python;
static struct server main_srv;
/* Servers a test started: stopped after it even when an assertion fails,
 * so none outlives the run. */
static pid_t started[16];

static uint64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool
find_python(void)
{
    const char *path = getenv("PATH"), *p, *end;
    char buf[PATH_MAX];

    for (p = path != NULL ? path : "/usr/bin:/bin"; *p != '\0'; p = end) {
        end = strchr(p, ':');
        if (end == NULL)
            end = p + strlen(p);
        snprintf(buf, sizeof(buf), "%.*s/python3", (int)(end - p), p);
        if (access(buf, X_OK) == 0)
            return true;
        if (*end == ':')
            end++;
    }
    return false;
}

/* A port free for both UDP and TCP on 127.0.0.1 right now. */
static unsigned
free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int u, t, tries;
    unsigned port = 0;

    for (tries = 0; tries < 20 && port == 0; tries++) {
        u = socket(AF_INET, SOCK_DGRAM, 0);
        assert_true(u >= 0);
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(u, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(getsockname(u, (struct sockaddr *)&sa, &len), 0);
        t = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(t >= 0);
        if (bind(t, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            port = ntohs(sa.sin_port);
        close(t);
        close(u);
    }
    assert_true(port != 0);
    return port;
}

/* Start dnsserver.py with the zone and extra options (NULL-terminated);
 * wait (bounded) for its "ready". */
static void
start_server(struct server *s, const char *const extra[])
{
    char listen[64], zone[128], line[64];
    const char *argv[20];
    int fds[2], n = 0, i;
    size_t got = 0;
    uint64_t end;
    struct pollfd pfd;
    char spec[32];

    memset(s, 0, sizeof(s[0]));
    snprintf(spec, sizeof(spec), "127.0.0.1:%u", free_port());
    assert_int_equal(lw_dns_server_parse(spec, &s->addr, NULL), LW_OK);
    snprintf(listen, sizeof(listen), "%s", spec);
    snprintf(zone, sizeof(zone), "%s/zone.json", tmpdir);
    argv[n++] = "python3";
    argv[n++] = script;
    argv[n++] = "--listen";
    argv[n++] = listen;
    argv[n++] = "--zone";
    argv[n++] = zone;
    for (i = 0; extra != NULL && extra[i] != NULL; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    assert_int_equal(pipe(fds), 0);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        /* Gone with us, whatever happens to us. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execvp("python3", (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    for (i = 0; i < 16; i++) {
        if (started[i] == 0) {
            started[i] = s->pid;
            break;
        }
    }
    pfd.fd = fds[0];
    pfd.events = POLLIN;
    end = mono_ms() + 10000;
    line[0] = '\0';
    while (strstr(line, "ready\n") == NULL && mono_ms() < end) {
        ssize_t r;

        if (poll(&pfd, 1, (int)(end - mono_ms())) <= 0)
            continue;
        r = read(fds[0], line + got, sizeof(line) - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        line[got] = '\0';
    }
    close(fds[0]);
    if (strstr(line, "ready\n") == NULL) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        fail_msg("dnsserver.py did not become ready");
    }
}

static void
stop_pid(pid_t pid)
{
    int i;

    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    for (i = 0; i < 16; i++) {
        if (started[i] == pid)
            started[i] = 0;
    }
}

static void
stop_server(struct server *s)
{
    if (s->pid > 0)
        stop_pid(s->pid);
    s->pid = 0;
}

/* After each test: the servers it started and did not stop. */
static int
stop_extras(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < 16; i++) {
        if (started[i] != 0 && started[i] != main_srv.pid)
            stop_pid(started[i]);
    }
    return 0;
}

static int
group_setup(void **state)
{
    const char *top = getenv("TOP_SRCDIR");
    char zone[128];
    FILE *f;

    (void)state;
    if (top != NULL && *top != '\0') {
        snprintf(script, sizeof(script), "%s/tests/fixtures/dnsserver.py", top);
    } else {
        /* This file's directory, as the compiler was given it. */
        const char *slash = strrchr(__FILE__, '/');
        int dirlen = slash != NULL ? (int)(slash - __FILE__) : 1;

        snprintf(script, sizeof(script), "%.*s/../fixtures/dnsserver.py",
                 dirlen, slash != NULL ? __FILE__ : ".");
    }
    have_python = find_python();
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/lw-test-dns-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    snprintf(zone, sizeof(zone), "%s/zone.json", tmpdir);
    f = fopen(zone, "w");
    if (f == NULL)
        return -1;
    fputs(zone_json, f);
    fclose(f);
    if (have_python)
        start_server(&main_srv, NULL);
    return 0;
}

static int
group_teardown(void **state)
{
    char path[128];

    (void)state;
    stop_server(&main_srv);
    snprintf(path, sizeof(path), "%s/zone.json", tmpdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/etc/resolv.conf", tmpdir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/etc", tmpdir);
    rmdir(path);
    rmdir(tmpdir);
    return 0;
}

#define NEED_PYTHON()                                                          \
    do {                                                                       \
        if (!have_python) {                                                    \
            print_message("# python3 not found\n");                            \
            skip();                                                            \
        }                                                                      \
    } while (0)

/* ---- collecting results ---- */

struct got {
    int calls;
    struct lw_dns_chain c; /* scalars only */
    char names[512], v4[256], v6[256], other[64];
    char error[160];
    uint64_t at;
    struct lw_dns *free_dns; /* free the client from the callback */
};

static void
join(char *out, size_t n, char **v)
{
    size_t o = 0;

    out[0] = '\0';
    for (; v != NULL && *v != NULL; v++) {
        int k = snprintf(out + o, n - o, "%s%s", o > 0 ? " " : "", *v);

        if (k < 0 || (size_t)k >= n - o)
            return;
        o += (size_t)k;
    }
}

static void
on_chain(void *ud, const struct lw_dns_chain *c)
{
    struct got *g = ud;

    g->calls++;
    g->c = *c;
    join(g->names, sizeof(g->names), c->names);
    join(g->v4, sizeof(g->v4), c->v4);
    join(g->v6, sizeof(g->v6), c->v6);
    join(g->other, sizeof(g->other), c->other);
    assert_int_equal(c->names[c->n_names], NULL);
    snprintf(g->error, sizeof(g->error), "%s", c->error);
    g->at = mono_ms();
    if (g->free_dns != NULL)
        lw_dns_free(g->free_dns);
}

struct qgot {
    int calls;
    enum lw_dns_outcome outcome;
    int rcode;
    bool aa;
    char rrs[1024]; /* "name type ttl data|…" answer section */
    char auth[512];
    char add[512]; /* additional section */
    char error[160];
    long elapsed_ms;
};

static void
fmt_rrs(char *out, size_t n, const struct lw_dns_rr *rr, size_t count)
{
    size_t i, o = 0;

    out[0] = '\0';
    for (i = 0; i < count; i++) {
        int k = snprintf(out + o, n - o, "%s%s %d %u %s", i > 0 ? "|" : "",
                         rr[i].name, rr[i].type, rr[i].ttl, rr[i].data);

        if (k < 0 || (size_t)k >= n - o)
            return;
        o += (size_t)k;
    }
}

static void
on_query(void *ud, const struct lw_dns_answer *a)
{
    struct qgot *g = ud;

    g->calls++;
    g->outcome = a->outcome;
    g->rcode = a->rcode;
    g->aa = a->aa;
    g->elapsed_ms = a->elapsed_ms;
    fmt_rrs(g->rrs, sizeof(g->rrs), a->answer, a->n_answer);
    fmt_rrs(g->auth, sizeof(g->auth), a->authority, a->n_authority);
    fmt_rrs(g->add, sizeof(g->add), a->additional, a->n_additional);
    snprintf(g->error, sizeof(g->error), "%s", a->error);
}

static struct lw_loop *
new_loop(void)
{
    struct lw_loop *loop = NULL;
    struct lw_err err;

    assert_int_equal(lw_loop_new(&loop, &err), LW_OK);
    return loop;
}

static struct lw_dns *
new_dns(struct lw_loop *loop, long timeout_ms)
{
    struct lw_dns *dns = NULL;
    struct lw_err err;

    assert_int_equal(lw_dns_new(loop, timeout_ms, &dns, &err), LW_OK);
    return dns;
}

static void
run(struct lw_loop *loop)
{
    struct lw_err err;

    assert_int_equal(lw_loop_run(loop, &err), LW_OK);
}

/* ---- lw_dns_resolve ---- */

struct chain_case {
    const char *name;
    enum lw_dns_outcome outcome;
    int rcode;
    const char *names;
    const char *v4;
    const char *v6;
    const char *other;
    bool loop, too_long;
    unsigned min_ttl;
};

static const struct chain_case chain_cases[] = {
    {"link.example.com", LW_DNS_ANSWERED, 0,
     "link.example.com mid.example.net srv.example.net",
     "192.0.2.10 192.0.2.11", "2001:db8::10", "", false, false, 100},
    /* Case and the trailing dot do not matter. */
    {"LINK.Example.COM.", LW_DNS_ANSWERED, 0,
     "link.example.com mid.example.net srv.example.net",
     "192.0.2.10 192.0.2.11", "2001:db8::10", "", false, false, 100},
    {"direct.example.com", LW_DNS_ANSWERED, 0, "direct.example.com",
     "192.0.2.1", "", "", false, false, 50},
    {"v6only.example.com", LW_DNS_ANSWERED, 0, "v6only.example.com", "", "::1",
     "", false, false, 300},
    /* NXDOMAIN: the TTL is the zone's negative caching time. */
    {"missing.example.com", LW_DNS_ANSWERED, 3, "missing.example.com", "", "",
     "", false, false, 60},
    {"elsewhere.org", LW_DNS_ANSWERED, 5, "elsewhere.org", "", "", "", false,
     false, 0},
    {"loop1.example.com", LW_DNS_ANSWERED, 0,
     "loop1.example.com loop2.example.com", "", "", "", true, false, 300},
    {"self.example.com", LW_DNS_ANSWERED, 0, "self.example.com", "", "", "",
     true, false, 300},
    {"c0.example.com", LW_DNS_ANSWERED, 0,
     "c0.example.com c1.example.com c2.example.com c3.example.com "
     "c4.example.com c5.example.com c6.example.com c7.example.com "
     "c8.example.com",
     "", "", "", false, true, 300},
    {"withtxt.example.com", LW_DNS_ANSWERED, 0,
     "withtxt.example.com srv.example.net", "192.0.2.10 192.0.2.11",
     "2001:db8::10", "TXT", false, false, 100},
    {"withmx.example.com", LW_DNS_ANSWERED, 0,
     "withmx.example.com srv.example.net", "192.0.2.10 192.0.2.11",
     "2001:db8::10", "MX", false, false, 100},
    /* The target does not exist: NXDOMAIN after the CNAME. */
    {"dangling.example.com", LW_DNS_ANSWERED, 3,
     "dangling.example.com gone.example.net", "", "", "", false, false, 40},
    /* The server does not follow out of its data: asked again, REFUSED. */
    {"outside.example.com", LW_DNS_ANSWERED, 5,
     "outside.example.com host.other.org", "", "", "", false, false, 300},
};

static void
check_chain(const struct chain_case *c, const struct got *g)
{
    assert_int_equal(g->calls, 1);
    assert_int_equal(g->c.outcome, c->outcome);
    assert_int_equal(g->c.rcode, c->rcode);
    assert_string_equal(g->names, c->names);
    assert_string_equal(g->v4, c->v4);
    assert_string_equal(g->v6, c->v6);
    assert_string_equal(g->other, c->other);
    assert_int_equal(g->c.loop, c->loop);
    assert_int_equal(g->c.too_long, c->too_long);
    assert_int_equal(g->c.min_ttl, c->min_ttl);
}

static void
resolve_table(const struct server *srv)
{
    size_t i, n = sizeof(chain_cases) / sizeof(chain_cases[0]);
    struct lw_loop *loop = new_loop();
    struct lw_dns *dns = new_dns(loop, 3000);
    struct got *got = calloc(n, sizeof(*got));
    struct lw_err err;
    uint64_t t0 = mono_ms();

    assert_non_null(got);
    /* All at once, on one server. */
    for (i = 0; i < n; i++)
        assert_int_equal(lw_dns_resolve(dns, &srv->addr, chain_cases[i].name,
                                        on_chain, &got[i], &err),
                         LW_OK);
    run(loop);
    for (i = 0; i < n; i++) {
        print_message("# %s\n", chain_cases[i].name);
        check_chain(&chain_cases[i], &got[i]);
    }
    assert_true(mono_ms() - t0 < 2000);
    lw_dns_free(dns);
    lw_loop_free(loop);
    free(got);
}

static void
test_resolve_table(void **state)
{
    (void)state;
    NEED_PYTHON();
    resolve_table(&main_srv);
}

/* A server that follows one CNAME per answer: the chain is asked for step
 * by step, with the same result. */
static void
test_resolve_step_by_step(void **state)
{
    const char *extra[] = {"--max-chain", "1", "--log", NULL, NULL};
    char log[128], buf[4096];
    struct server s;
    FILE *f;
    size_t n;

    (void)state;
    NEED_PYTHON();
    snprintf(log, sizeof(log), "%s/queries.log", tmpdir);
    extra[3] = log;
    start_server(&s, extra);
    resolve_table(&s);
    stop_server(&s);
    f = fopen(log, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    unlink(log);
    buf[n] = '\0';
    /* The chain's targets were asked for themselves. */
    assert_non_null(strstr(buf, "mid.example.net. A rd=1 udp\n"));
    assert_non_null(strstr(buf, "srv.example.net. A rd=1 udp\n"));
    assert_non_null(strstr(buf, "srv.example.net. AAAA rd=1 udp\n"));
    assert_non_null(strstr(buf, "withtxt.example.com. TXT rd=1 udp\n"));
    assert_non_null(strstr(buf, "withtxt.example.com. MX rd=1 udp\n"));
}

/* TC over UDP: c-ares asks again over TCP and gets the whole answer. */
static void
test_resolve_truncated(void **state)
{
    const char *extra[] = {"--truncate", "--log", NULL, NULL};
    char log[128], buf[4096];
    struct server s;
    FILE *f;
    size_t n;
    struct lw_loop *loop;
    struct lw_dns *dns;
    struct got g;
    struct lw_err err;

    (void)state;
    NEED_PYTHON();
    snprintf(log, sizeof(log), "%s/queries.log", tmpdir);
    extra[2] = log;
    start_server(&s, extra);
    loop = new_loop();
    dns = new_dns(loop, 3000);
    memset(&g, 0, sizeof(g));
    assert_int_equal(
        lw_dns_resolve(dns, &s.addr, "link.example.com", on_chain, &g, &err),
        LW_OK);
    run(loop);
    check_chain(&chain_cases[0], &g);
    lw_dns_free(dns);
    lw_loop_free(loop);
    stop_server(&s);
    f = fopen(log, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    unlink(log);
    buf[n] = '\0';
    /* Each question once over UDP (truncated), then again over TCP; A
     * and AAAA both at the name (the whole chain comes with each). */
    assert_non_null(strstr(buf, "link.example.com. A rd=1 udp\n"));
    assert_non_null(strstr(buf, "link.example.com. A rd=1 tcp\n"));
    assert_non_null(strstr(buf, "link.example.com. AAAA rd=1 udp\n"));
    assert_non_null(strstr(buf, "link.example.com. AAAA rd=1 tcp\n"));
    assert_null(strstr(buf, "srv.example.net."));
}

/* Against a server that waits 300 ms before every answer, a lookup costs
 * one round trip: A and AAAA go out together and the chain comes back in
 * each; with LW_DNS_RESOLVE_OTHER_AT_ONCE, TXT and MX too.  Without it, a
 * CNAME at the name costs a second one (TXT and MX asked once it is
 * seen), and a name without one costs one. */
static void
test_resolve_one_round_trip(void **state)
{
    const char *extra[] = {"--delay-ms", "300", "--log", NULL, NULL};
    char log[128], buf[4096];
    struct server s;
    struct lw_loop *loop;
    struct lw_dns *dns;
    struct got g[5];
    struct lw_err err;
    FILE *f;
    size_t n, i;

    (void)state;
    NEED_PYTHON();
    snprintf(log, sizeof(log), "%s/queries.log", tmpdir);
    extra[3] = log;
    start_server(&s, extra);
    loop = new_loop();
    dns = new_dns(loop, 3000);
    memset(g, 0, sizeof(g));
    assert_int_equal(lw_dns_resolve_ex(dns, &s.addr, "link.example.com",
                                       LW_DNS_RESOLVE_OTHER_AT_ONCE, on_chain,
                                       &g[0], &err),
                     LW_OK);
    assert_int_equal(lw_dns_resolve(dns, &s.addr, "direct.example.com",
                                    on_chain, &g[1], &err),
                     LW_OK);
    assert_int_equal(lw_dns_resolve_ex(dns, &s.addr, "withtxt.example.com",
                                       LW_DNS_RESOLVE_OTHER_AT_ONCE, on_chain,
                                       &g[2], &err),
                     LW_OK);
    assert_int_equal(lw_dns_resolve(dns, &s.addr, "withtxt.example.com",
                                    on_chain, &g[3], &err),
                     LW_OK);
    assert_int_equal(lw_dns_resolve_ex(dns, &s.addr, "direct.example.com",
                                       LW_DNS_RESOLVE_OTHER_AT_ONCE, on_chain,
                                       &g[4], &err),
                     LW_OK);
    run(loop);
    check_chain(&chain_cases[0], &g[0]);
    check_chain(&chain_cases[2], &g[1]);
    check_chain(&chain_cases[9], &g[2]);
    check_chain(&chain_cases[9], &g[3]);
    check_chain(&chain_cases[2], &g[4]);
    for (i = 0; i < 5; i++) {
        print_message("# lookup %zu: %ld ms\n", i, g[i].c.elapsed_ms);
        if (i == 3) {
            assert_true(g[i].c.elapsed_ms >= 590);
        } else {
            assert_true(g[i].c.elapsed_ms >= 290);
            assert_true(g[i].c.elapsed_ms < 500);
        }
    }
    lw_dns_free(dns);
    lw_loop_free(loop);
    stop_server(&s);
    f = fopen(log, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    unlink(log);
    buf[n] = '\0';
    /* No target was asked for itself. */
    assert_null(strstr(buf, "mid.example.net."));
    assert_null(strstr(buf, "srv.example.net."));
}

static void
test_resolve_timeout(void **state)
{
    const char *extra[] = {"--drop", NULL};
    char want[160];
    struct server s;
    struct lw_loop *loop;
    struct lw_dns *dns;
    struct got g;
    struct lw_err err;
    uint64_t t0;

    (void)state;
    NEED_PYTHON();
    start_server(&s, extra);
    loop = new_loop();
    dns = new_dns(loop, 700);
    memset(&g, 0, sizeof(g));
    t0 = mono_ms();
    assert_int_equal(
        lw_dns_resolve(dns, &s.addr, "link.example.com", on_chain, &g, &err),
        LW_OK);
    run(loop);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.c.outcome, LW_DNS_TIMEOUT);
    assert_string_equal(g.names, "link.example.com");
    assert_string_equal(g.v4, "");
    snprintf(want, sizeof(want), "no answer from %s within 700 ms",
             s.addr.label);
    assert_string_equal(g.error, want);
    assert_true(g.at - t0 >= 690);
    assert_true(g.at - t0 < 1700);
    assert_true(mono_ms() - t0 < 2700); /* the loop let go too */
    lw_dns_free(dns);
    lw_loop_free(loop);
    stop_server(&s);
}

/* Two servers at once, one silent: the other's answer is not held up, and
 * the whole run costs one timeout. */
static void
test_resolve_concurrent(void **state)
{
    const char *extra[] = {"--drop", NULL};
    struct server s;
    struct lw_loop *loop;
    struct lw_dns *dns;
    struct got good, dead;
    struct lw_err err;
    uint64_t t0;

    (void)state;
    NEED_PYTHON();
    start_server(&s, extra);
    loop = new_loop();
    dns = new_dns(loop, 1500);
    memset(&good, 0, sizeof(good));
    memset(&dead, 0, sizeof(dead));
    t0 = mono_ms();
    assert_int_equal(
        lw_dns_resolve(dns, &s.addr, "link.example.com", on_chain, &dead, &err),
        LW_OK);
    assert_int_equal(lw_dns_resolve(dns, &main_srv.addr, "link.example.com",
                                    on_chain, &good, &err),
                     LW_OK);
    run(loop);
    check_chain(&chain_cases[0], &good);
    assert_true(good.at - t0 < 700);
    assert_int_equal(dead.calls, 1);
    assert_int_equal(dead.c.outcome, LW_DNS_TIMEOUT);
    assert_true(dead.at - t0 >= 1490);
    assert_true(dead.at - t0 < 2500);
    lw_dns_free(dns);
    lw_loop_free(loop);
    stop_server(&s);
}

static void
test_resolve_garbage(void **state)
{
    const char *extra[] = {"--garbage", NULL};
    char want[160];
    struct server s;
    struct lw_loop *loop;
    struct lw_dns *dns;
    struct got g;
    struct qgot q;
    struct lw_err err;

    (void)state;
    NEED_PYTHON();
    start_server(&s, extra);
    loop = new_loop();
    dns = new_dns(loop, 2000);
    memset(&g, 0, sizeof(g));
    memset(&q, 0, sizeof(q));
    assert_int_equal(
        lw_dns_resolve(dns, &s.addr, "link.example.com", on_chain, &g, &err),
        LW_OK);
    assert_int_equal(lw_dns_query(dns, &s.addr, "example.com", LW_DNS_SOA,
                                  false, on_query, &q, &err),
                     LW_OK);
    run(loop);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.c.outcome, LW_DNS_BADREPLY);
    /* Header 12 bytes, question 18 + 4: the answer starts at 34. */
    snprintf(want, sizeof(want),
             "malformed DNS reply from %s: a name at offset 34 uses an "
             "unknown label type",
             s.addr.label);
    assert_string_equal(g.error, want);
    assert_int_equal(q.calls, 1);
    assert_int_equal(q.outcome, LW_DNS_BADREPLY);
    assert_non_null(strstr(q.error, "unknown label type"));
    lw_dns_free(dns);
    lw_loop_free(loop);
    stop_server(&s);
}

/* Nothing listens there: the refusal comes back at once. */
static void
test_resolve_refused_port(void **state)
{
    struct lw_dns_server none;
    struct lw_loop *loop;
    struct lw_dns *dns;
    char spec[32];
    struct got g;
    struct lw_err err;
    uint64_t t0;

    (void)state;
    snprintf(spec, sizeof(spec), "127.0.0.1:%u", free_port());
    assert_int_equal(lw_dns_server_parse(spec, &none, &err), LW_OK);
    loop = new_loop();
    dns = new_dns(loop, 2000);
    memset(&g, 0, sizeof(g));
    t0 = mono_ms();
    assert_int_equal(
        lw_dns_resolve(dns, &none, "link.example.com", on_chain, &g, &err),
        LW_OK);
    run(loop);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.c.outcome, LW_DNS_NETERROR);
    print_message("# %s\n", g.error);
    assert_non_null(strstr(g.error, spec));
    assert_true(g.at - t0 < 1500);
    lw_dns_free(dns);
    lw_loop_free(loop);
}

/* Freeing the client from a callback: the other question's callback is
 * never called, and the loop ends. */
static void
test_free_from_callback(void **state)
{
    const char *extra[] = {"--drop", NULL};
    struct server s;
    struct lw_loop *loop;
    struct lw_dns *dns;
    struct got good, dead;
    struct qgot q;
    struct lw_err err;
    uint64_t t0;

    (void)state;
    NEED_PYTHON();
    start_server(&s, extra);
    loop = new_loop();
    dns = new_dns(loop, 1500);
    memset(&good, 0, sizeof(good));
    memset(&dead, 0, sizeof(dead));
    memset(&q, 0, sizeof(q));
    good.free_dns = dns;
    t0 = mono_ms();
    assert_int_equal(
        lw_dns_resolve(dns, &s.addr, "link.example.com", on_chain, &dead, &err),
        LW_OK);
    assert_int_equal(lw_dns_query(dns, &s.addr, "example.com", LW_DNS_A, true,
                                  on_query, &q, &err),
                     LW_OK);
    assert_int_equal(lw_dns_resolve(dns, &main_srv.addr, "link.example.com",
                                    on_chain, &good, &err),
                     LW_OK);
    run(loop);
    assert_int_equal(good.calls, 1);
    assert_int_equal(dead.calls, 0);
    assert_int_equal(q.calls, 0);
    assert_true(mono_ms() - t0 < 1000);
    lw_loop_free(loop);
    stop_server(&s);
}

/* Freeing with questions in flight: no callback. */
static void
test_free_pending(void **state)
{
    struct lw_loop *loop;
    struct lw_dns *dns;
    struct got g;
    struct qgot q;
    struct lw_err err;

    (void)state;
    NEED_PYTHON();
    loop = new_loop();
    dns = new_dns(loop, 1500);
    memset(&g, 0, sizeof(g));
    memset(&q, 0, sizeof(q));
    assert_int_equal(lw_dns_resolve(dns, &main_srv.addr, "link.example.com",
                                    on_chain, &g, &err),
                     LW_OK);
    assert_int_equal(lw_dns_query(dns, &main_srv.addr, "example.com", LW_DNS_NS,
                                  true, on_query, &q, &err),
                     LW_OK);
    lw_dns_free(dns);
    run(loop); /* nothing left */
    assert_int_equal(g.calls, 0);
    assert_int_equal(q.calls, 0);
    lw_loop_free(loop);
}

/* ---- lw_dns_query: record formats ---- */

struct query_case {
    const char *name;
    int type;
    bool recurse;
    int rcode;
    const char *rrs;  /* exact answer section */
    const char *auth; /* exact authority section */
};

static const struct query_case query_cases[] = {
    {"example.com", LW_DNS_SOA, true, 0,
     "example.com 6 3600 ns1.example.com hostmaster.example.com 1 3600 600 "
     "86400 60",
     ""},
    {"example.com", LW_DNS_NS, true, 0,
     "example.com 2 300 ns1.example.com|example.com 2 300 ns2.example.com", ""},
    {"example.com", LW_DNS_CAA, true, 0,
     "example.com 257 300 0 issue \"letsencrypt.org\"|"
     "example.com 257 300 128 iodef \"mailto:a\\\"b@x\"",
     ""},
    {"withtxt.example.com", LW_DNS_TXT, true, 0,
     "withtxt.example.com 16 300 v=spf1 -all", ""},
    {"withmx.example.com", 15, true, 0,
     "withmx.example.com 15 300 10 mail.example.com", ""},
    {"odd.example.com", 65280, true, 0, "odd.example.com 65280 300 \\# 2 0a0b",
     ""},
    /* Without recursion: the CNAME alone. */
    {"link.example.com", LW_DNS_A, false, 0,
     "link.example.com 5 300 mid.example.net", ""},
    {"link.example.com", LW_DNS_AAAA, true, 0,
     "link.example.com 5 300 mid.example.net|mid.example.net 5 200 "
     "srv.example.net|srv.example.net 28 100 2001:db8::10",
     ""},
    /* NODATA and NXDOMAIN carry the SOA (TTL capped at its minimum). */
    {"direct.example.com", LW_DNS_TXT, true, 0, "",
     "example.com 6 60 ns1.example.com hostmaster.example.com 1 3600 600 "
     "86400 60"},
    {"nothere.example.com", LW_DNS_A, true, 3, "",
     "example.com 6 60 ns1.example.com hostmaster.example.com 1 3600 600 "
     "86400 60"},
    {"elsewhere.org", LW_DNS_A, true, 5, "", ""},
};

static void
test_query_table(void **state)
{
    size_t i, n = sizeof(query_cases) / sizeof(query_cases[0]);
    struct lw_loop *loop;
    struct lw_dns *dns;
    struct qgot *got;
    struct lw_err err;

    (void)state;
    NEED_PYTHON();
    loop = new_loop();
    dns = new_dns(loop, 3000);
    got = calloc(n, sizeof(*got));
    assert_non_null(got);
    for (i = 0; i < n; i++)
        assert_int_equal(lw_dns_query(dns, &main_srv.addr, query_cases[i].name,
                                      query_cases[i].type,
                                      query_cases[i].recurse, on_query, &got[i],
                                      &err),
                         LW_OK);
    run(loop);
    for (i = 0; i < n; i++) {
        const struct query_case *c = &query_cases[i];

        print_message("# %s %d\n", c->name, c->type);
        assert_int_equal(got[i].calls, 1);
        assert_int_equal(got[i].outcome, LW_DNS_ANSWERED);
        assert_int_equal(got[i].rcode, c->rcode);
        assert_false(got[i].aa);
        assert_string_equal(got[i].rrs, c->rrs);
        assert_string_equal(got[i].auth, c->auth);
        /* Glue only with NS answers, for the name server the data has
         * addresses for. */
        assert_string_equal(got[i].add,
                            c->type == LW_DNS_NS
                                ? "ns1.example.com 1 300 192.0.2.53|"
                                  "ns1.example.com 28 300 2001:db8::53"
                                : "");
        assert_true(got[i].elapsed_ms >= 0 && got[i].elapsed_ms < 2000);
    }
    lw_dns_free(dns);
    lw_loop_free(loop);
    free(got);
}

static void
test_query_aa(void **state)
{
    const char *extra[] = {"--aa", NULL};
    struct server s;
    struct lw_loop *loop;
    struct lw_dns *dns;
    struct qgot q;
    struct lw_err err;

    (void)state;
    NEED_PYTHON();
    start_server(&s, extra);
    loop = new_loop();
    dns = new_dns(loop, 3000);
    memset(&q, 0, sizeof(q));
    assert_int_equal(lw_dns_query(dns, &s.addr, "direct.example.com", LW_DNS_A,
                                  false, on_query, &q, &err),
                     LW_OK);
    run(loop);
    assert_int_equal(q.calls, 1);
    assert_true(q.aa);
    assert_string_equal(q.rrs, "direct.example.com 1 50 192.0.2.1");
    lw_dns_free(dns);
    lw_loop_free(loop);
    stop_server(&s);
}

/* Without recursion an authoritative server (--aa) follows a CNAME inside
 * its zone, as real ones do, and gives one out of it alone; a server that
 * is not authoritative gives the CNAME alone either way. */
static void
test_query_aa_cname(void **state)
{
    const char *extra[] = {"--aa", NULL};
    struct server s;
    struct lw_loop *loop;
    struct lw_dns *dns;
    struct qgot q[3];
    struct lw_err err;

    (void)state;
    NEED_PYTHON();
    start_server(&s, extra);
    loop = new_loop();
    dns = new_dns(loop, 3000);
    memset(q, 0, sizeof(q));
    assert_int_equal(lw_dns_query(dns, &s.addr, "inzone.example.com", LW_DNS_A,
                                  false, on_query, &q[0], &err),
                     LW_OK);
    assert_int_equal(lw_dns_query(dns, &s.addr, "link.example.com", LW_DNS_A,
                                  false, on_query, &q[1], &err),
                     LW_OK);
    assert_int_equal(lw_dns_query(dns, &main_srv.addr, "inzone.example.com",
                                  LW_DNS_A, false, on_query, &q[2], &err),
                     LW_OK);
    run(loop);
    assert_int_equal(q[0].calls, 1);
    assert_true(q[0].aa);
    assert_int_equal(q[0].rcode, 0);
    assert_string_equal(q[0].rrs, "inzone.example.com 5 300 "
                                  "direct.example.com|direct.example.com 1 50 "
                                  "192.0.2.1");
    assert_int_equal(q[1].calls, 1);
    assert_string_equal(q[1].rrs, "link.example.com 5 300 mid.example.net");
    assert_int_equal(q[2].calls, 1);
    assert_false(q[2].aa);
    assert_string_equal(q[2].rrs,
                        "inzone.example.com 5 300 direct.example.com");
    lw_dns_free(dns);
    lw_loop_free(loop);
    stop_server(&s);
}

struct bad_query_case {
    const char *name;
    int type;
    const char *msg;
};

static const struct bad_query_case bad_query_cases[] = {
    {"", LW_DNS_A, "\"\" cannot be asked in DNS"},
    {"a b.example.com", LW_DNS_A, "\"a b.example.com\" cannot be asked in DNS"},
    {"x\n.example.com", LW_DNS_A, "\"x?.example.com\" cannot be asked in DNS"},
    {"example.com", 0, "\"example.com\" cannot be asked in DNS"},
    {"a..b", LW_DNS_A,
     "\"a..b\" cannot be asked in DNS: Misformatted domain "
     "name"},
};

static void
test_query_bad(void **state)
{
    struct lw_dns_server srv;
    struct lw_loop *loop = new_loop();
    struct lw_dns *dns = new_dns(loop, 1000);
    struct qgot q;
    struct lw_err err;
    size_t i;

    (void)state;
    assert_int_equal(lw_dns_server_parse("127.0.0.1:9", &srv, &err), LW_OK);
    for (i = 0; i < sizeof(bad_query_cases) / sizeof(bad_query_cases[0]); i++) {
        print_message("# %s\n", bad_query_cases[i].msg);
        lw_err_clear(&err);
        assert_int_equal(lw_dns_query(dns, &srv, bad_query_cases[i].name,
                                      bad_query_cases[i].type, true, on_query,
                                      &q, &err),
                         LW_ERR_INPUT);
        assert_string_equal(err.msg, bad_query_cases[i].msg);
    }
    lw_dns_free(dns);
    lw_loop_free(loop);
}

/* ---- the parser on crafted bytes ---- */

struct parse_case {
    const char *name;
    const unsigned char *msg;
    size_t len;
    enum lw_status st;
    const char *want; /* the answer section, or the error */
};

#define M(...)                                                                 \
    (const unsigned char[]){__VA_ARGS__},                                      \
        sizeof((const unsigned char[]){__VA_ARGS__})

/* A reply header: id 1, QR RD RA, qd 1, an, ns 0, ar 0; then the question
 * "a.b" A IN (at offset 12: 1 'a' 1 'b' 0 = 5 bytes, +4). */
#define HDR(an) 0, 1, 0x81, 0x80, 0, 1, 0, an, 0, 0, 0, 0
#define HDR_TC(an) 0, 1, 0x83, 0x80, 0, 1, 0, an, 0, 0, 0, 0
/* The same with ar additional records. */
#define HDR_AR(an, ar) 0, 1, 0x81, 0x80, 0, 1, 0, an, 0, 0, 0, ar
#define QUESTION 1, 'a', 1, 'b', 0, 0, 1, 0, 1
/* An owner pointer to the question name, type, class IN, ttl 60. */
#define RR(t) 0xc0, 12, 0, t, 0, 1, 0, 0, 0, 60

static const struct parse_case parse_cases[] = {
    {"an A record", M(HDR(1), QUESTION, RR(1), 0, 4, 192, 0, 2, 1), LW_OK,
     "a.b 1 60 192.0.2.1"},
    {"a CNAME compressed into the question",
     M(HDR(1), QUESTION, RR(5), 0, 4, 1, 'x', 0xc0, 12), LW_OK,
     "a.b 5 60 x.a.b"},
    {"escaped bytes in labels",
     M(HDR(1), QUESTION, RR(5), 0, 9, 7, 'A', '.', ' ', '\\', 1, 0xff, 'z', 0),
     LW_OK, "a.b 5 60 a\\.\\032\\\\\\001\\255z"},
    {"TXT strings joined and escaped",
     M(HDR(1), QUESTION, RR(16), 0, 8, 3, 'a', ' ', 'b', 3, '"', '\n', '\\'),
     LW_OK, "a.b 16 60 a b\"\\010\\\\"},
    {"a TTL with the top bit set is 0",
     M(HDR(1), QUESTION, 0xc0, 12, 0, 1, 0, 1, 0x80, 0, 0, 1, 0, 4, 1, 2, 3, 4),
     LW_OK, "a.b 1 0 1.2.3.4"},
    {"an unknown type", M(HDR(1), QUESTION, RR(99), 0, 3, 1, 2, 0xab), LW_OK,
     "a.b 99 60 \\# 3 0102ab"},
    {"an empty unknown type", M(HDR(1), QUESTION, RR(99), 0, 0), LW_OK,
     "a.b 99 60 \\# 0"},
    {"the root as a name", M(HDR(1), QUESTION, RR(2), 0, 1, 0), LW_OK,
     "a.b 2 60 ."},
    {"trailing bytes (additional section) ignored",
     M(HDR(1), QUESTION, RR(1), 0, 4, 1, 2, 3, 4, 0xde, 0xad), LW_OK,
     "a.b 1 60 1.2.3.4"},
    {"nothing", (const unsigned char *)"", 0, LW_ERR_INPUT,
     "the reply is 0 bytes long, shorter than a DNS header"},
    {"a short header", M(0, 1, 0x81, 0x80, 0), LW_ERR_INPUT,
     "the reply is 5 bytes long, shorter than a DNS header"},
    {"a question", M(0, 1, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0), LW_ERR_INPUT,
     "the message is a question, not a reply"},
    {"a pointer to itself",
     M(HDR(1), QUESTION, 0xc0, 21, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0), LW_ERR_INPUT,
     "a compression pointer at offset 21 does not point to an earlier name (a "
     "loop)"},
    {"a pointer forward", M(HDR(0), 0xc0, 14, 1, 'a', 0, 0, 1, 0, 1),
     LW_ERR_INPUT,
     "a compression pointer at offset 12 does not point to an earlier name (a "
     "loop)"},
    /* Each pointer points before itself, yet they loop: 15 -> 13 (inside
     * the label at 12) -> 12 -> the label, 15 again. */
    {"a loop of backward pointers",
     M(0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 2, 0xc0, 12, 0xc0, 13, 0, 1, 0,
       1),
     LW_ERR_INPUT,
     "a compression pointer at offset 15 does not point to an earlier name "
     "(a loop)"},
    {"a name past the end", M(HDR(0), 3, 'a', 'b'), LW_ERR_INPUT,
     "a name runs past the end of the reply (offset 12)"},
    {"an unterminated name", M(HDR(0), 1, 'a'), LW_ERR_INPUT,
     "a name runs past the end of the reply (offset 12)"},
    {"a half pointer", M(HDR(0), 0xc0), LW_ERR_INPUT,
     "a name runs past the end of the reply (offset 12)"},
    {"an extended label type", M(HDR(0), 0x41, 'a', 0), LW_ERR_INPUT,
     "a name at offset 12 uses an unknown label type"},
    {"a truncated question", M(HDR(0), 1, 'a', 0, 0, 1), LW_ERR_INPUT,
     "the question runs past the end of the reply"},
    {"more records than bytes", M(HDR(200), QUESTION, RR(1), 0, 4, 1, 2, 3, 4),
     LW_ERR_INPUT, "the reply announces 200 records but is only 37 bytes long"},
    {"record data past the end", M(HDR(1), QUESTION, RR(1), 0, 9, 1, 2, 3, 4),
     LW_ERR_INPUT, "a record at offset 21 runs past the end of the reply"},
    {"a record header past the end",
     M(HDR(1), QUESTION, 1, 'x', 1, 'y', 1, 'z', 0, 0, 1, 0, 1), LW_ERR_INPUT,
     "a record at offset 21 runs past the end of the reply"},
    {"an A of 5 bytes", M(HDR(1), QUESTION, RR(1), 0, 5, 1, 2, 3, 4, 5),
     LW_ERR_INPUT, "an A record has 5 bytes of data, not 4"},
    {"an AAAA of 4 bytes", M(HDR(1), QUESTION, RR(28), 0, 4, 1, 2, 3, 4),
     LW_ERR_INPUT, "an AAAA record has 4 bytes of data, not 16"},
    {"a CNAME with data after its name",
     M(HDR(1), QUESTION, RR(5), 0, 4, 1, 'x', 0, 7), LW_ERR_INPUT,
     "a record at offset 33 has data after its name"},
    {"a CNAME name longer than its data",
     M(HDR(1), QUESTION, RR(5), 0, 2, 1, 'x', 0), LW_ERR_INPUT,
     "a name runs past the end of the reply (offset 33)"},
    {"a TXT string past its data", M(HDR(1), QUESTION, RR(16), 0, 2, 5, 'a'),
     LW_ERR_INPUT, "a TXT record at offset 33 runs past its data"},
    {"an empty A", M(HDR(1), QUESTION, RR(1), 0, 0), LW_ERR_INPUT,
     "an A record has 0 bytes of data, not 4"},
    {"a CAA of one byte",
     M(HDR(1), QUESTION, 0xc0, 12, 1, 1, 0, 1, 0, 0, 0, 60, 0, 1, 0),
     LW_ERR_INPUT, "a CAA record at offset 33 is malformed"},
    {"a CAA tag longer than its data",
     M(HDR(1), QUESTION, 0xc0, 12, 1, 1, 0, 1, 0, 0, 0, 60, 0, 3, 0, 5, 'a'),
     LW_ERR_INPUT, "a CAA record at offset 33 is malformed"},
    {"a CAA with an empty tag",
     M(HDR(1), QUESTION, 0xc0, 12, 1, 1, 0, 1, 0, 0, 0, 60, 0, 2, 0, 0),
     LW_ERR_INPUT, "a CAA record at offset 33 is malformed"},
    {"an SOA with short numbers",
     M(HDR(1), QUESTION, RR(6), 0, 6, 0, 0, 1, 2, 3, 4), LW_ERR_INPUT,
     "an SOA record at offset 33 has 4 bytes of numbers, not 20"},
    {"an MX too short", M(HDR(1), QUESTION, RR(15), 0, 2, 0, 1), LW_ERR_INPUT,
     "an MX record at offset 33 is too short"},
    {"truncated (TC) and cut", M(HDR_TC(1), QUESTION, RR(1), 0, 4, 1),
     LW_ERR_INPUT,
     "the reply was truncated: a record at offset 21 runs past the end of "
     "the reply"},
};

static void
test_parse_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct lw_dns_answer ans;
        struct lw_err err;
        char rrs[512];

        print_message("# %s\n", c->name);
        lw_err_clear(&err);
        assert_int_equal(lw_dns_parse(c->msg, c->len, &ans, &err), c->st);
        if (c->st == LW_OK) {
            assert_int_equal(ans.outcome, LW_DNS_ANSWERED);
            fmt_rrs(rrs, sizeof(rrs), ans.answer, ans.n_answer);
            assert_string_equal(rrs, c->want);
            assert_int_equal(ans.n_additional, 0);
            assert_null(ans.additional);
        } else {
            char msg[256];

            assert_int_equal(ans.outcome, LW_DNS_BADREPLY);
            assert_string_equal(ans.error, c->want);
            snprintf(msg, sizeof(msg), "malformed DNS reply: %s", c->want);
            assert_string_equal(err.msg, msg);
            assert_int_equal(ans.n_answer, 0);
            assert_null(ans.answer);
            assert_int_equal(ans.n_additional, 0);
            assert_null(ans.additional);
        }
        lw_dns_answer_free(&ans);
    }
}

/* The additional section: glue read; a broken one dropped (it is
 * optional), the reply still usable. */
struct add_case {
    const char *name;
    const unsigned char *msg;
    size_t len;
    const char *want; /* the answer section */
    const char *add;  /* the additional section */
};

static const struct add_case add_cases[] = {
    {"glue in the additional section",
     M(HDR_AR(1, 2), QUESTION, RR(2), 0, 5, 2, 'n', 's', 0xc0, 12, 0xc0, 33,
       0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 53, 0xc0, 33, 0, 28, 0, 1, 0,
       0, 0, 60, 0, 16, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
       0x53),
     "a.b 2 60 ns.a.b", "ns.a.b 1 60 192.0.2.53|ns.a.b 28 60 2001:db8::53"},
    /* Optional: a broken one is dropped and the reply still counts. */
    {"a broken additional section",
     M(HDR_AR(1, 1), QUESTION, RR(1), 0, 4, 1, 2, 3, 4, 0xc0, 12, 0, 1),
     "a.b 1 60 1.2.3.4", ""},
    {"an additional section that announces more than there is",
     M(HDR_AR(1, 9), QUESTION, RR(1), 0, 4, 1, 2, 3, 4, RR(1), 0, 4, 5, 6, 7,
       8),
     "a.b 1 60 1.2.3.4", ""},
};

static void
test_parse_additional(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(add_cases) / sizeof(add_cases[0]); i++) {
        const struct add_case *c = &add_cases[i];
        struct lw_dns_answer ans;
        struct lw_err err;
        char rrs[512];

        print_message("# %s\n", c->name);
        lw_err_clear(&err);
        assert_int_equal(lw_dns_parse(c->msg, c->len, &ans, &err), LW_OK);
        assert_int_equal(ans.outcome, LW_DNS_ANSWERED);
        assert_string_equal(ans.error, "");
        fmt_rrs(rrs, sizeof(rrs), ans.answer, ans.n_answer);
        assert_string_equal(rrs, c->want);
        fmt_rrs(rrs, sizeof(rrs), ans.additional, ans.n_additional);
        assert_string_equal(rrs, c->add);
        assert_int_equal(ans.additional == NULL, ans.n_additional == 0);
        lw_dns_answer_free(&ans);
        assert_null(ans.additional);
        assert_int_equal(ans.n_additional, 0);
    }
}

/* Names are bounded: 255 octets, and at most 64 compression pointers
 * even when each goes properly backwards. */
static void
test_parse_limits(void **state)
{
    unsigned char msg[2048];
    struct lw_dns_answer ans;
    struct lw_err err;
    size_t o, i, prev;
    char want[128];

    (void)state;
    /* A question name of 5 labels of 63: 321 octets. */
    memcpy(msg, (const unsigned char[]){HDR(0)}, 12);
    o = 12;
    for (i = 0; i < 5; i++) {
        msg[o++] = 63;
        memset(msg + o, 'a', 63);
        o += 63;
    }
    msg[o++] = 0;
    memcpy(msg + o, "\0\1\0\1", 4);
    o += 4;
    assert_int_equal(lw_dns_parse(msg, o, &ans, &err), LW_ERR_INPUT);
    assert_string_equal(ans.error,
                        "a name at offset 12 is longer than 255 octets");
    lw_dns_answer_free(&ans);

    /* 66 questions: "x", then each "x" and a pointer to the one before,
     * so the last needs 65 hops. */
    memcpy(msg, (const unsigned char[]){HDR(0)}, 12);
    msg[5] = 66;
    o = 12;
    memcpy(msg + o, "\1x\0\0\1\0\1", 7);
    prev = o;
    o += 7;
    for (i = 1; i < 66; i++) {
        size_t here = o;

        msg[o++] = 1;
        msg[o++] = 'x';
        msg[o++] = (unsigned char)(0xc0 | prev >> 8);
        msg[o++] = (unsigned char)(prev & 0xff);
        memcpy(msg + o, "\0\1\0\1", 4);
        o += 4;
        prev = here;
    }
    assert_int_equal(lw_dns_parse(msg, o, &ans, &err), LW_ERR_INPUT);
    snprintf(want, sizeof(want),
             "a name at offset %zu has too many compression pointers", prev);
    assert_string_equal(ans.error, want);
    lw_dns_answer_free(&ans);

    /* 64 hops are fine. */
    msg[5] = 65;
    assert_int_equal(lw_dns_parse(msg, o - 8, &ans, &err), LW_OK);
    lw_dns_answer_free(&ans);
}

/* ---- servers ---- */

struct server_case {
    const char *in;
    enum lw_status st;
    const char *addr;
    unsigned port;
    const char *label;
    const char *msg;
};

static const struct server_case server_cases[] = {
    {"1.1.1.1", LW_OK, "1.1.1.1", 53, "1.1.1.1", NULL},
    {"192.0.2.1:5353", LW_OK, "192.0.2.1", 5353, "192.0.2.1:5353", NULL},
    {"[::1]:5353", LW_OK, "::1", 5353, "[::1]:5353", NULL},
    {"[2001:DB8:0::1]", LW_OK, "2001:db8::1", 53, "2001:db8::1", NULL},
    {"2001:db8::53", LW_OK, "2001:db8::53", 53, "2001:db8::53", NULL},
    {"[::1]:53", LW_OK, "::1", 53, "::1", NULL},
    {"1.1.1.1:65535", LW_OK, "1.1.1.1", 65535, "1.1.1.1:65535", NULL},
    {"1.1.1.1:0", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver port \"0\" is not a number from 1 to 65535"},
    {"1.1.1.1:65536", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver port \"65536\" is not a number from 1 to 65535"},
    {"1.1.1.1:", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver port \"\" is not a number from 1 to 65535"},
    {"1.1.1.1:53x", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver port \"53x\" is not a number from 1 to 65535"},
    {"[::1]:-1", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver port \"-1\" is not a number from 1 to 65535"},
    {"dns.google", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver \"dns.google\" is not a numeric IP address with an optional "
     "port"},
    {"1.1.1", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver \"1.1.1\" is not a numeric IP address with an optional port"},
    {"[::1", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver \"[::1\" is not a numeric IP address with an optional port"},
    {"[::1]x", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver \"[::1]x\" is not a numeric IP address with an optional port"},
    {"[1.1.1.1]", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver \"[1.1.1.1]\" is not a numeric IP address with an optional "
     "port"},
    {"", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver \"\" is not a numeric IP address with an optional port"},
    {"1.1.1.1\n", LW_ERR_INPUT, NULL, 0, NULL,
     "resolver \"1.1.1.1?\" is not a numeric IP address with an optional "
     "port"},
};

static void
test_server_parse(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(server_cases) / sizeof(server_cases[0]); i++) {
        const struct server_case *c = &server_cases[i];
        struct lw_dns_server s;
        struct lw_err err;

        print_message("# %s\n", c->in);
        lw_err_clear(&err);
        assert_int_equal(lw_dns_server_parse(c->in, &s, &err), c->st);
        if (c->st == LW_OK) {
            assert_string_equal(s.addr, c->addr);
            assert_int_equal(s.port, c->port);
            assert_string_equal(s.label, c->label);
        } else {
            assert_string_equal(err.msg, c->msg);
            assert_non_null(strstr(err.hint, "ADDR:PORT"));
        }
    }
}

static void
write_resolv(const char *text)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/etc", tmpdir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/etc/resolv.conf", tmpdir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
test_system_servers(void **state)
{
    struct lw_dns_server *s = NULL;
    struct lw_err err;
    char want[256];
    size_t n = 99;

    (void)state;
    write_resolv("# comment\n"
                 "; another\n"
                 "search example.com\n"
                 "nameserver 10.0.0.1\n"
                 "nameserver\t2001:DB8::53   # trailing\n"
                 "nameserver fe80::1%eth0\n"
                 "nameserver bogus\n"
                 "nameserver\n"
                 "#nameserver 10.9.9.9\n"
                 "options ndots:2\n"
                 "nameserver 127.0.0.53\r\n");
    assert_int_equal(lw_dns_system_servers(tmpdir, &s, &n, &err), LW_OK);
    assert_int_equal(n, 3);
    assert_string_equal(s[0].label, "10.0.0.1");
    assert_int_equal(s[0].port, 53);
    assert_string_equal(s[1].addr, "2001:db8::53");
    assert_string_equal(s[2].addr, "127.0.0.53");
    free(s);

    write_resolv("search example.com\nnameserver nope\n");
    s = NULL;
    lw_err_clear(&err);
    assert_int_equal(lw_dns_system_servers(tmpdir, &s, &n, &err),
                     LW_ERR_NOTFOUND);
    snprintf(want, sizeof(want),
             "%s/etc/resolv.conf has no usable \"nameserver\" line", tmpdir);
    assert_string_equal(err.msg, want);
    assert_non_null(strstr(err.hint, "--resolver"));
    assert_null(s);
    assert_int_equal(n, 0);

    snprintf(want, sizeof(want), "%s/etc/resolv.conf", tmpdir);
    unlink(want);
    lw_err_clear(&err);
    assert_int_equal(lw_dns_system_servers(tmpdir, &s, &n, &err),
                     LW_ERR_NOTFOUND);
    snprintf(want, sizeof(want), "%s/etc/resolv.conf: no such file", tmpdir);
    assert_string_equal(err.msg, want);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_resolve_table, stop_extras),
        cmocka_unit_test_teardown(test_resolve_step_by_step, stop_extras),
        cmocka_unit_test_teardown(test_resolve_truncated, stop_extras),
        cmocka_unit_test_teardown(test_resolve_one_round_trip, stop_extras),
        cmocka_unit_test_teardown(test_resolve_timeout, stop_extras),
        cmocka_unit_test_teardown(test_resolve_concurrent, stop_extras),
        cmocka_unit_test_teardown(test_resolve_garbage, stop_extras),
        cmocka_unit_test_teardown(test_resolve_refused_port, stop_extras),
        cmocka_unit_test_teardown(test_free_from_callback, stop_extras),
        cmocka_unit_test_teardown(test_free_pending, stop_extras),
        cmocka_unit_test_teardown(test_query_table, stop_extras),
        cmocka_unit_test_teardown(test_query_aa, stop_extras),
        cmocka_unit_test_teardown(test_query_aa_cname, stop_extras),
        cmocka_unit_test_teardown(test_query_bad, stop_extras),
        cmocka_unit_test_teardown(test_parse_table, stop_extras),
        cmocka_unit_test_teardown(test_parse_additional, stop_extras),
        cmocka_unit_test_teardown(test_parse_limits, stop_extras),
        cmocka_unit_test_teardown(test_server_parse, stop_extras),
        cmocka_unit_test_teardown(test_system_servers, stop_extras),
    };

    return cmocka_run_group_tests_name("dns", tests, group_setup,
                                       group_teardown);
}
