/* answers.h - the setup an operator chose (struct lw_config), read from
 * the strict YAML answers file of DESIGN.md, and written back as one. */
#ifndef LW_ANSWERS_H
#define LW_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>

#include "lw/buf.h"
#include "lw/domain.h"
#include "lw/keygen.h"
#include "lw/profile.h"
#include "lw/status.h"
#include "lw/yamlio.h"

enum lw_method { LW_METHOD_NGINX, LW_METHOD_CLOUDFRONT };

/* "nginx" / "cloudfront" (file format words, never translated). */
const char *lw_method_word(enum lw_method m);
bool lw_method_parse(const char *word, enum lw_method *out);

struct lw_config {
    char domain[LW_DOMAIN_MAX]; /* normalized */
    char *region;               /* a profile region key */
    enum lw_method method;
    struct lw_keyspec key;
    char *organization; /* optional CSR subject O */
    char *country;      /* optional CSR subject C */
    char *certificate;  /* path of the signed chain, optional */
    bool nginx_reload;
    char **addresses; /* NULL-terminated; the server's public addresses
                         (canonical text form); NULL when n_addresses
                         is 0 */
    size_t n_addresses;
    char *distribution_domain; /* CloudFront */
    char *acm_certificate_arn; /* CloudFront */
    bool allow_domain_change;
};

void lw_config_init(struct lw_config *c);
void lw_config_free(struct lw_config *c);
/* Deep copy.  dst's old contents are not freed (pass an initialized or
 * fresh struct); on failure dst is left initialized and empty. */
enum lw_status lw_config_copy(struct lw_config *dst,
                              const struct lw_config *src, struct lw_err *err);
/* True when a and b describe the same setup (every field). */
bool lw_config_equal(const struct lw_config *a, const struct lw_config *b);

/* Read an answers file.  Strict: unknown keys, wrong types, a missing
 * domain/region/method, a region not in profile, a bad domain or key spec
 * are errors naming the file, line and key.  A relative certificate path is
 * taken relative to the answers file's directory (parse: the directory
 * part of name) and made absolute.  Method cloudfront takes only RSA 2048
 * (the provider's guide).  out must be initialized (lw_config_init); on
 * success its old contents are freed and replaced, on failure it is left
 * as it was. */
enum lw_status lw_answers_load(const char *path,
                               const struct lw_profile *profile,
                               struct lw_config *out, struct lw_err *err);
enum lw_status lw_answers_parse(const char *data, size_t len, const char *name,
                                const struct lw_profile *profile,
                                struct lw_config *out, struct lw_err *err);

/* The answers file that reproduces c (for the wizard's "save answers"):
 * lw_answers_parse of it gives c back.  Appends to out. */
enum lw_status lw_answers_write(const struct lw_config *c, struct lw_buf *out,
                                struct lw_err *err);

/* For the state file (state.c), which stores the same setup: read and
 * write the shared keys domain, region, method, key, subject, nginx and
 * cloudfront of map (the caller checks for unknown keys and reads the
 * others).  c must be initialized; on failure it may hold part of the
 * values (free it).  With LW_CONFIG_STORED the domain must already be in
 * normalized form (a tampered file never brings a bad name to a path) and,
 * when profile is NULL, the region is checked for its form only. */
#define LW_CONFIG_STORED 1u
enum lw_status lw_config_read(const struct lw_ynode *map, const char *name,
                              const struct lw_profile *profile, unsigned flags,
                              struct lw_config *c, struct lw_err *err);
void lw_config_emit(struct lw_yemit *e, const struct lw_config *c);

#endif
