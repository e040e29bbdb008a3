/* check.h - the check engine of DESIGN.md ("check results"): every check
 * of a saved setup started at once on one event loop, each result handed
 * to a callback as it arrives.  Curses-free; `linkwiz check` and the
 * wizard's live check screen both drive it. */
#ifndef LW_CHECK_H
#define LW_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "lw/dns.h"
#include "lw/loop.h"
#include "lw/profile.h"
#include "lw/state.h"
#include "lw/status.h"

enum lw_check_status {
    LW_CHECK_PASS,
    LW_CHECK_WARN,
    LW_CHECK_FAIL,
    LW_CHECK_SKIP,
    LW_CHECK_ERROR /* the check itself could not run */
};

/* "pass", "warn", "fail", "skip", "error" (never translated). */
const char *lw_check_status_word(enum lw_check_status s);

/* The stable ids, in display order. */
enum lw_check_id {
    LW_CK_DNS_RECORD,
    LW_CK_DNS_AUTHORITATIVE,
    LW_CK_DNS_CAA,
    LW_CK_TLS_HANDSHAKE,
    LW_CK_TLS_CHAIN,
    LW_CK_TLS_HOSTNAME,
    LW_CK_TLS_EXPIRY,
    LW_CK_TLS_KEY,
    LW_CK_FILES_KEY,
    LW_CK_NGINX_CONFIG,
    LW_CK_HTTP_HEALTH,
    LW_CK_HTTP_HEALTH_PLAIN,
    LW_CK_ORIGIN_HEALTH,
    LW_CK_COUNT
};

/* "dns.record" … (never translated). */
const char *lw_check_id_word(enum lw_check_id id);

struct lw_check_result {
    enum lw_check_id id;
    enum lw_check_status status;
    bool done;     /* false while running */
    char *summary; /* one line, translated, sanitized */
    char *detail;  /* may be multi-line, or NULL */
    char *hint;    /* how to fix it, or NULL */
    long elapsed_ms;
};

/* One resolver's view of the name, for the propagation view and
 * dns.record's detail. */
struct lw_resolver_view {
    struct lw_dns_server server;
    bool authoritative;          /* a zone name server, asked directly */
    bool done;
    enum lw_check_status status; /* pass: expected answer */
    char *answer;                /* "CNAME a.example.net → 203.0.113.10" */
    unsigned ttl;
};

struct lw_check_opts {
    const struct lw_state *state; /* the saved setup (required) */
    const struct lw_profile *profile;
    const char *root;             /* "/" or --root */
    const struct lw_dns_server *resolvers; /* --resolver; NULL/0 = system
                                              + the profile's public ones */
    size_t n_resolvers;
    const char *const *connect_to; /* --connect-to, NULL-terminated */
    const char *ca_file;
    long timeout_ms;               /* per network step (default 5000) */
    bool run_nginx;                /* nginx -t / -T (false under --root) */
    time_t now;                    /* 0 = time(NULL) */
};

struct lw_check_run;

/* Called as each check finishes (done = true), in completion order. */
typedef void (*lw_check_fn)(void *ud, const struct lw_check_result *r);
/* Called once when every check is done. */
typedef void (*lw_check_done_fn)(void *ud, struct lw_check_run *run);

/* Start every check now on loop.  Returns at once; results arrive through
 * fn, then done.  The run stays valid until lw_check_free. */
enum lw_status lw_check_start(struct lw_loop *loop,
                              const struct lw_check_opts *opts,
                              lw_check_fn fn, lw_check_done_fn done, void *ud,
                              struct lw_check_run **out, struct lw_err *err);
/* Stop what is still running (no more callbacks) and free. */
void lw_check_free(struct lw_check_run *run);

/* All LW_CK_COUNT results, in id order (not done ones have done=false). */
const struct lw_check_result *lw_check_results(const struct lw_check_run *run);
/* Per-resolver views (updated as answers arrive). */
const struct lw_resolver_view *lw_check_resolvers(
    const struct lw_check_run *run, size_t *n);
/* Worst status over the results (skip counts as pass). */
enum lw_check_status lw_check_overall(const struct lw_check_run *run);
long lw_check_elapsed_ms(const struct lw_check_run *run);
/* Days the served certificate has left (negative: expired), or INT_MIN
 * when unknown. */
int lw_check_days_left(const struct lw_check_run *run);
/* Resolvers that gave the expected answer / were asked. */
void lw_check_agreement(const struct lw_check_run *run, size_t *agree,
                        size_t *asked);

#endif
