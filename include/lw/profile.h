/* profile.h - the provider and its regions: data, not code.
 *
 * Built in: the provider of DESIGN.md with regions us and eu.  A file given
 * with --profiles replaces it whole; only regions is required (provider,
 * settings, health and resolvers default to the built-in values).  Strict:
 * unknown keys are errors.  Region keys are [a-z0-9-]{1,16}, unique;
 * label defaults to the key; origin is a host name (lw_domain_parse); port
 * 1..65535; address an IP literal.  File format (YAML):
 *
 *   provider: Customer.io
 *   settings: "Workspace Settings > Email > Link tracking"
 *   health: { path: /health, body: "{}", link_probe: /e/c/x/probe }
 *   resolvers: [1.1.1.1, 8.8.8.8, 9.9.9.9]
 *   regions:
 *     - { key: us, label: "United States", origin: track.customer.io }
 *     - { key: eu, label: "Europe", origin: track-eu.customer.io,
 *         port: 443, address: 127.0.0.1 }
 */
#ifndef LW_PROFILE_H
#define LW_PROFILE_H

#include <stddef.h>

#include "lw/status.h"

struct lw_region {
    char *key;     /* "us" */
    char *label;   /* "United States" (built in: already translated, by
                      _() when the profile is loaded) */
    char *origin;  /* tracking host, "track.customer.io" */
    unsigned port; /* origin port, 443 unless given */
    char *address; /* optional fixed address of the origin (tests), or NULL */
};

struct lw_profile {
    char *provider;    /* "Customer.io" */
    char *settings;    /* where the provider's link domain setting lives */
    char *health_path; /* "/health" */
    char *health_body; /* "{}" */
    char *link_probe;  /* a tracked-link path whose "Invalid link security
                          token" answer means Host was wrong, or NULL (the
                          built-in profile has none: the real origin may
                          answer a made-up link that way whatever the
                          Host) */
    struct lw_region *regions;
    size_t n_regions;
    char **resolvers; /* public resolvers "ADDR[:PORT]" for propagation */
    size_t n_resolvers;
};

/* Load path, or the built-in profile when path is NULL.  *out is owned by
 * the caller (lw_profile_free).  File errors name the file, key and line;
 * a missing file is LW_ERR_NOTFOUND.  Call after lw_nls_init() so the
 * built-in labels are translated. */
enum lw_status lw_profile_load(const char *path, struct lw_profile **out,
                               struct lw_err *err);
/* Same from memory (name is used in messages). */
enum lw_status lw_profile_parse(const char *data, size_t len, const char *name,
                                struct lw_profile **out, struct lw_err *err);
void lw_profile_free(struct lw_profile *p);

/* The region with key, or NULL. */
const struct lw_region *lw_profile_region(const struct lw_profile *p,
                                          const char *key);
/* "us, eu": the region keys, for messages.  Writes into out. */
void lw_profile_region_keys(const struct lw_profile *p, char *out,
                            size_t outlen);

#endif
