/* domain.h - validate and normalize a link-tracking host name.
 *
 * The only way a domain enters linkwiz: what comes out is safe to put in a
 * file name, a path and an nginx config (ASCII letters, digits, '-' and
 * '.', lower case, no trailing dot, 1..253 characters, labels 1..63, at
 * least two labels, no label starting or ending with '-'). */
#ifndef LW_DOMAIN_H
#define LW_DOMAIN_H

#include <stdbool.h>

#include "lw/buf.h"
#include "lw/status.h"

#define LW_DOMAIN_MAX 254 /* 253 characters and the NUL */

/* What normalization changed, so the caller can say so. */
enum lw_domain_note {
    LW_DOMAIN_NOTE_TRIMMED = 1u << 0, /* surrounding white space removed */
    LW_DOMAIN_NOTE_URL = 1u << 1,     /* http(s):// and/or path removed */
    LW_DOMAIN_NOTE_LOWERED = 1u << 2, /* upper case letters lowered */
    LW_DOMAIN_NOTE_DOT = 1u << 3,     /* the trailing dot removed */
    LW_DOMAIN_NOTE_IDN = 1u << 4      /* converted to its A-label form */
};

struct lw_domain {
    char name[LW_DOMAIN_MAX];     /* normalized, A-label (punycode) form */
    char display[4 * LW_DOMAIN_MAX]; /* U-label form for people (UTF-8) */
    char zone[LW_DOMAIN_MAX];     /* registrable domain (libpsl), e.g.
                                     example.com for link.example.com */
    unsigned notes;               /* enum lw_domain_note bits */
    bool apex;                    /* name == zone: a CNAME cannot live here */
    char url_scheme[8];           /* with LW_DOMAIN_NOTE_URL: "http" or
                                     "https", as removed (lower case) */
    bool url_path;                /* with LW_DOMAIN_NOTE_URL: a path, query
                                     or fragment was removed too */
};

/* Parse operator input (UTF-8) into d.  On error, err says what is wrong,
 * with the offending character or label, and (where one exists) the form
 * that would be accepted.  LW_ERR_INPUT on any refusal. */
enum lw_status lw_domain_parse(const char *input, struct lw_domain *d,
                               struct lw_err *err);

/* Append one translated sentence per note in d->notes (each ending in a
 * newline), e.g. "Removed \"https://\" and the path: only the host name is
 * used." Nothing when there are no notes. */
void lw_domain_describe_notes(const struct lw_domain *d, struct lw_buf *out);

/* True when name is already in normalized form (cheap re-check before a
 * name from a file, e.g. the state, reaches a path). */
bool lw_domain_is_normalized(const char *name);

/* Registrable domain of an already normalized name (libpsl); copies it to
 * zone (LW_DOMAIN_MAX bytes).  False when name is itself a public suffix. */
bool lw_domain_zone(const char *name, char *zone);

#endif
