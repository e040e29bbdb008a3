/* check.h - the check engine of DESIGN.md ("check results"): every check
 * of a saved setup started at once on one event loop, each result handed
 * to a callback as it arrives.  Curses-free; `linkwiz check` and the
 * wizard's live check screen both drive it. */
#ifndef LW_CHECK_H
#define LW_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lw/answers.h"
#include "lw/dns.h"
#include "lw/http.h"
#include "lw/loop.h"
#include "lw/profile.h"
#include "lw/state.h"
#include "lw/status.h"
#include "lw/tlsprobe.h"

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
    const char *const *nginx_args; /* the extra arguments also given to
                                      lw_nginx_set_args, or NULL */
};

struct lw_check_run;

/* One --connect-to "HOST:PORT:ADDR:PORT" (curl's form): HOST or PORT may
 * be empty (any); ADDR numeric, IPv6 in brackets; its PORT may be empty
 * (the same port). */
struct lw_connect_to {
    char host[254];
    unsigned port;      /* 0 = any */
    char addr[64];
    unsigned addr_port; /* 0 = the same port */
};
enum lw_status lw_connect_to_parse(const char *s, struct lw_connect_to *out,
                                   struct lw_err *err);

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

/* ---- additions (check engine implementer) ---------------------------- */

/* Fingerprint (SHA-256, "AB:CD:...") and notAfter of the leaf served at
 * the name's addresses (the first address that completed a handshake),
 * NULL / 0 when none did.  For "what changed" and the state. */
const char *lw_check_served_fingerprint(const struct lw_check_run *run);
time_t lw_check_served_not_after(const struct lw_check_run *run);
/* The run's notion of now (opts->now, or when it started). */
time_t lw_check_now(const struct lw_check_run *run);

/* Free what a result owns (summary, detail, hint) and zero the strings. */
void lw_check_result_clear(struct lw_check_result *r);

/* For tests of the report and of anything that shows a run: a finished
 * run made from hand-made values (no loop, no network).  Strings are
 * copied.  days_left, agreement and the served certificate come from the
 * fields below.  NULL when out of memory.  Free with lw_check_free. */
struct lw_check_fake {
    struct lw_check_result results[LW_CK_COUNT]; /* .id is set from the
                                                     index */
    long elapsed_ms;
    time_t now;
    const char *served_fingerprint; /* or NULL */
    time_t served_not_after;        /* 0 = unknown */
    size_t agree, asked;
};
struct lw_check_run *lw_check_run_fake(const struct lw_check_fake *f);

/* ---- pure evaluation: probe results in, a check result out ----------
 *
 * The engine feeds these with what the probes returned; tests feed them
 * hand-made values.  Each fills r (status, and malloc'd summary, detail,
 * hint; r's old strings are freed first, so start from a zeroed r and
 * free with lw_check_result_clear).  Untrusted text is sanitized here.
 * On allocation failure r becomes an LW_CHECK_ERROR without text. */

/* What the saved setup expects. */
struct lw_check_expect {
    const char *domain;
    enum lw_method method;
    const char *distribution;        /* CloudFront distribution domain */
    const char *const *addresses;    /* NGINX: the server's addresses */
    size_t n_addresses;
    const char *const *origins;      /* every tracking host of the profile */
    size_t n_origins;
    const char *zone;                /* the name's zone when known */
    const char *installed_fingerprint; /* leaf SHA-256 from the state */
};

/* What was wrong with one resolver's answer (the diagnoses of issue 3). */
enum lw_dns_diag {
    LW_DIAG_NONE,
    LW_DIAG_NO_ANSWER,      /* timeout, network error, garbage, SERVFAIL */
    LW_DIAG_PROVIDER_HOST,  /* CNAME straight at the tracking host */
    LW_DIAG_CNAME_AND_OTHER,/* CNAME beside other records at the name */
    LW_DIAG_ZONE_TWICE,     /* NXDOMAIN, but <name>.<zone> exists */
    LW_DIAG_NXDOMAIN,       /* the name does not exist */
    LW_DIAG_NO_ADDRESS,     /* the name exists but has no A/AAAA */
    LW_DIAG_DANGLING,       /* a CNAME whose target does not resolve */
    LW_DIAG_LOOP,           /* CNAME loop or a chain too long */
    LW_DIAG_OTHER_DISTRIBUTION, /* another *.cloudfront.net */
    LW_DIAG_NOT_DISTRIBUTION,   /* does not lead to the distribution */
    LW_DIAG_EXTRA_ADDRESS,  /* an address beside the server's */
    LW_DIAG_WRONG_ADDRESS,  /* none of the server's addresses */
    LW_DIAG_OTHER_TARGET    /* (zone's servers) a CNAME out of the zone
                               that the resolvers' good answers do not
                               follow */
};

/* One resolver's (or authoritative server's) answer, judged. */
struct lw_view_eval {
    char label[80];              /* the server, "1.1.1.1" */
    enum lw_check_status status; /* pass, fail, or error (no answer) */
    enum lw_dns_diag diag;
    char answer[512];            /* "link.example.com -> a.example.net ->
                                    203.0.113.10" (sanitized) */
    char bad[256];               /* the unexpected name or addresses */
    char other[64];              /* types beside the CNAME, "TXT, MX" */
    unsigned ttl;
    char **addrs;                /* final addresses (malloc'd, NULL-term.) */
};
void lw_view_eval_clear(struct lw_view_eval *v);

/* Judge one chain.  doubled_exists: "<name>.<zone>" resolved (asked only
 * after NXDOMAIN; ex->zone names the zone).  good_names: NULL for a
 * resolver's chain; for a zone's own server (which does not follow a
 * CNAME out of its zone, ex->zone = that zone) the names on the
 * resolvers' expected chains (NULL-terminated; may be empty): a chain
 * ending out of the zone without addresses is expected when its last name
 * is one of them.  v must be zeroed or cleared before; clear it after
 * with lw_view_eval_clear. */
void lw_check_eval_view(const struct lw_check_expect *ex,
                        const struct lw_dns_chain *c, const char *label,
                        bool doubled_exists, const char *const *good_names,
                        struct lw_view_eval *v);

/* Addresses that are not the server, found by the TLS probes when no
 * address is configured: each with why (translated, e.g. "serves a
 * different certificate"). */
struct lw_addr_note {
    const char *addr;
    const char *why;
};

/* dns.record from the resolvers' views; bad: addresses that are not the
 * server (NGINX without configured addresses; may be NULL/0). */
void lw_check_eval_dns_record(const struct lw_check_expect *ex,
                              const struct lw_view_eval *v, size_t n,
                              const struct lw_addr_note *bad, size_t n_bad,
                              struct lw_check_result *r);
/* dns.authoritative from the zone's servers' views (zone in ex): pass
 * when every server that answered gives the expected answer; warn when
 * they disagree, or none answered, or (n = 0) the zone or its servers
 * were not found (why_none says why); fail when all that answered are
 * wrong (with the diagnosis and the DNS panel hint). */
void lw_check_eval_authoritative(const struct lw_check_expect *ex,
                                 const struct lw_view_eval *v, size_t n,
                                 const char *why_none,
                                 struct lw_check_result *r);

/* dns.caa (informative: warn at worst): caa = the CAA records of the
 * closest name from the domain up to the zone that has any ("0 issue
 * \"letsencrypt.org\"" as dns.h gives them; NULL/0 = none anywhere);
 * owner = that name; leaf = the installed certificate, whose issuer is
 * matched against well-known CAs' CAA domains (NULL when unknown). */
void lw_check_eval_caa(const char *const *caa, size_t n, const char *owner,
                       X509 *leaf, const char *domain,
                       struct lw_check_result *r);

/* dns.caa for CloudFront when the certificate was requested in ACM
 * (lw_cloudfront_acm_requested): Amazon (amazon.com, amazontrust.com,
 * awstrust.com or amazonaws.com) must be allowed; warn otherwise.  caa,
 * n, owner as for lw_check_eval_caa. */
void lw_check_eval_caa_acm(const char *const *caa, size_t n,
                           const char *owner, const char *domain,
                           struct lw_check_result *r);

/* The TLS checks for the probes of every address of the name: out[0..4]
 * are tls.handshake, tls.chain, tls.hostname, tls.expiry and tls.key.
 * With several addresses each is judged and the worst kept, naming the
 * address.  now: the time to judge expiry against. */
#define LW_CK_TLS_N 5
void lw_check_eval_tls(const struct lw_check_expect *ex,
                       const struct lw_tls_result *const *probes, size_t n,
                       time_t now, struct lw_check_result out[LW_CK_TLS_N]);
/* The pieces of lw_check_eval_tls, for one address. */
void lw_check_eval_chain(STACK_OF(X509) *served, long verify,
                         const char *verify_error,
                         struct lw_check_result *r);
void lw_check_eval_hostname(X509 *leaf, const char *domain,
                            struct lw_check_result *r);
void lw_check_eval_expiry(time_t not_before, time_t not_after, time_t now,
                          struct lw_check_result *r);
void lw_check_eval_key(enum lw_method method, EVP_PKEY *key,
                       struct lw_check_result *r);

/* http.health, http.health_plain, origin.health: pass on status 200 with
 * the expected body (white space trimmed on both); otherwise the status,
 * content type and first line of the body (sanitized, at most 120
 * characters), with Server, Via (a proxy or CDN on the way) and Location
 * in the detail.  url for messages. */
void lw_check_eval_health(const struct lw_http_resp *resp, const char *url,
                          const char *expected_body,
                          struct lw_check_result *r);

/* CloudFront's tracked-link probe (GET https://<domain>LW_CF_PROBE_PATH,
 * no redirects followed), part of http.health: fail when the answer says
 * "Invalid link security token" (the distribution does not forward Host;
 * the hint says to forward all headers), skip when it could not be
 * fetched, pass otherwise.  url for messages. */
void lw_check_eval_link_probe(const struct lw_http_resp *resp,
                              const char *url, struct lw_check_result *r);

/* files.key: the installed key under root exists, is mode 0600 and
 * matches the installed certificate's public key.  Reads the files. */
void lw_check_eval_files_key(const char *root, const char *domain,
                             struct lw_check_result *r);

/* nginx.config from the installed file's text (conf, its run-time path
 * conf_path), nginx -t (ran: false when not run; ok; msg = its output),
 * and the nginx -T text (dump, NULL when not run) for other blocks that
 * claim the name. */
void lw_check_eval_nginx(const char *domain, const char *conf,
                         size_t conf_len, const char *conf_path, bool ran,
                         bool ok, const char *msg, const char *dump,
                         size_t dump_len, struct lw_check_result *r);

#endif
