/* dns.h - asynchronous DNS on the event loop (c-ares 1.18): one query to
 * one named server at a time, so every resolver's answer is its own, and
 * the CNAME chain followed explicitly.
 *
 * Answers are parsed by this module from the raw message (bounded, name
 * compression loops refused): untrusted input. */
#ifndef LW_DNS_H
#define LW_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "lw/loop.h"
#include "lw/status.h"

/* Record types used by the checks (values are the DNS type numbers). */
enum lw_dns_type {
    LW_DNS_A = 1,
    LW_DNS_NS = 2,
    LW_DNS_CNAME = 5,
    LW_DNS_SOA = 6,
    LW_DNS_TXT = 16,
    LW_DNS_AAAA = 28,
    LW_DNS_CAA = 257
};

struct lw_dns_server {
    char addr[64]; /* numeric IPv4 or IPv6 */
    unsigned port; /* 53 unless given */
    char label[80]; /* "1.1.1.1", "[::1]:5353", for messages */
};

/* "ADDR", "ADDR:PORT", "[V6]" or "[V6]:PORT" (numeric only). */
enum lw_status lw_dns_server_parse(const char *s, struct lw_dns_server *out,
                                   struct lw_err *err);
/* The system's resolvers (/etc/resolv.conf under root, as c-ares reads
 * it).  *out malloc'd (free()), *n entries. */
enum lw_status lw_dns_system_servers(const char *root,
                                     struct lw_dns_server **out, size_t *n,
                                     struct lw_err *err);

struct lw_dns_rr {
    char *name;      /* owner, lower case, no trailing dot */
    int type;        /* enum lw_dns_type or another number */
    unsigned ttl;
    char *data;      /* A/AAAA: address text; CNAME/NS: target name;
                        SOA: "mname rname serial …"; TXT: the strings
                        joined; CAA: "0 issue \"amazon.com\""; other
                        types: "\#len hex" */
};

enum lw_dns_outcome {
    LW_DNS_ANSWERED,   /* a response (see rcode) */
    LW_DNS_TIMEOUT,    /* no response in time */
    LW_DNS_BADREPLY,   /* garbage, truncated beyond use, wrong id */
    LW_DNS_NETERROR    /* could not send (refused, unreachable) */
};

struct lw_dns_answer {
    enum lw_dns_outcome outcome;
    int rcode;      /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED */
    bool aa;        /* authoritative answer */
    struct lw_dns_rr *answer; /* answer section */
    size_t n_answer;
    struct lw_dns_rr *authority; /* authority section (SOA/NS) */
    size_t n_authority;
    long elapsed_ms;
    char error[160]; /* for people, when outcome != ANSWERED */
    /* Addition: the additional section (glue: A/AAAA of the NS names of
     * an NS answer; OPT shows as type 41).  Empty when the section is
     * absent or cannot be parsed (it is optional: the reply still
     * counts). */
    struct lw_dns_rr *additional;
    size_t n_additional;
};

/* Parse one DNS reply (untrusted bytes, any length, NULL allowed) into
 * *ans, which it owns until lw_dns_answer_free.  LW_OK with outcome
 * LW_DNS_ANSWERED; LW_ERR_INPUT with outcome LW_DNS_BADREPLY when the
 * bytes are not a usable reply (the reason in ans->error and err).  Names
 * come back lower case, without the trailing dot, and all text escaped to
 * printable ASCII (\\, \DDD; \. inside a label).  elapsed_ms is 0. */
enum lw_status lw_dns_parse(const unsigned char *msg, size_t len,
                            struct lw_dns_answer *ans, struct lw_err *err);
/* Free the records of an answer from lw_dns_parse (again: harmless). */
void lw_dns_answer_free(struct lw_dns_answer *ans);

struct lw_dns;

/* A DNS client on loop; every query is bounded by timeout_ms. */
enum lw_status lw_dns_new(struct lw_loop *loop, long timeout_ms,
                          struct lw_dns **out, struct lw_err *err);
/* Cancels pending queries (their callbacks are not called) and frees. */
void lw_dns_free(struct lw_dns *dns);

/* The answer is valid only during the callback. */
typedef void (*lw_dns_cb)(void *ud, const struct lw_dns_answer *ans);

/* Ask server for name/type; recurse = RD flag (false for questions to an
 * authoritative server).  The callback runs exactly once, from the loop. */
enum lw_status lw_dns_query(struct lw_dns *dns,
                            const struct lw_dns_server *server,
                            const char *name, int type, bool recurse,
                            lw_dns_cb cb, void *ud, struct lw_err *err);

/* The result of following a name to its addresses on one server. */
struct lw_dns_chain {
    enum lw_dns_outcome outcome;
    int rcode;         /* of the last step */
    char **names;      /* name, then each CNAME target, NULL-terminated */
    size_t n_names;
    bool loop;         /* the chain came back to a name already seen */
    bool too_long;     /* more than 8 steps */
    char **v4;         /* A addresses at the end, NULL-terminated */
    size_t n_v4;
    char **v6;         /* AAAA addresses at the end */
    size_t n_v6;
    char **other;      /* other record types beside a CNAME at the name
                          ("TXT", "MX"…), NULL-terminated */
    size_t n_other;
    unsigned min_ttl;  /* smallest TTL on the way */
    long elapsed_ms;
    char error[160];
};

typedef void (*lw_dns_chain_cb)(void *ud, const struct lw_dns_chain *c);

/* Follow name on server: A and AAAA asked together at once, the CNAME
 * chain followed from whichever answer comes first (a recursive resolver
 * puts the chain in both), asked again only where a server stopped at a
 * target without giving its records; all within the one timeout.  TXT
 * and MX at the name are asked once a CNAME is seen there (for
 * c->other).  Callback exactly once. */
enum lw_status lw_dns_resolve(struct lw_dns *dns,
                              const struct lw_dns_server *server,
                              const char *name, lw_dns_chain_cb cb, void *ud,
                              struct lw_err *err);

/* Addition: flags for lw_dns_resolve_ex. */
enum {
    /* Ask TXT and MX at the name together with A and AAAA, so a CNAME
     * beside other records costs no second round trip. */
    LW_DNS_RESOLVE_OTHER_AT_ONCE = 1u << 0
};

/* lw_dns_resolve with flags (LW_DNS_RESOLVE_*; 0 = lw_dns_resolve). */
enum lw_status lw_dns_resolve_ex(struct lw_dns *dns,
                                 const struct lw_dns_server *server,
                                 const char *name, unsigned flags,
                                 lw_dns_chain_cb cb, void *ud,
                                 struct lw_err *err);

#endif
