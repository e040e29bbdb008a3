/* state.h - the saved setup (var/lib/linkwiz/state.yaml, mode 0600) and the
 * lock that keeps two runs from writing at once.
 *
 * A state file that cannot be read as linkwiz's (corrupt, foreign) is
 * reported by lw_state_load, which leaves it where it is; a command that is
 * about to write a new state moves it aside first with lw_state_set_aside
 * ("<path>.bad-<timestamp>"), so it is never silently overwritten.  A state
 * of a newer version is reported and must not be set aside.
 *
 * Format (YAML, keys in this order; optional ones left out when unset):
 *
 *   linkwiz_state: 1
 *   domain: link.example.com
 *   region: us
 *   method: nginx                       # nginx | cloudfront
 *   key: {type: rsa, bits: 2048}        # or {type: ec, curve: p256}
 *   subject: {organization: ..., country: US}
 *   nginx: {reload: false, addresses: [203.0.113.10]}
 *   cloudfront: {distribution_domain: ..., acm_certificate_arn: ...}
 *   certificate_source: /path/chain.pem
 *   phase: installed                    # waiting-for-certificate | installed
 *   created: 2026-12-03T15:05:00Z
 *   updated: 2026-12-03T15:05:00Z
 *   key_fingerprint: AB:CD:...
 *   certificate: {fingerprint: AB:CD:..., not_after: 2027-03-03T00:00:00Z}
 *   last_run: 20261203T150501Z
 *   last_check:
 *     at: 2026-12-03T15:06:00Z
 *     elapsed_ms: 840
 *     results: [{id: tls.expiry, status: pass, summary: ...}]
 *
 * (The maps are written in block style.) */
#ifndef LW_STATE_H
#define LW_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lw/answers.h"
#include "lw/status.h"

#define LW_STATE_VERSION 1

enum lw_phase {
    LW_PHASE_NONE,
    LW_PHASE_WAITING_CERT, /* key + CSR written, no certificate yet */
    LW_PHASE_INSTALLED     /* certificate and method's files in place */
};

/* "waiting-for-certificate", "installed" (file words; "none" for
 * LW_PHASE_NONE). */
const char *lw_phase_word(enum lw_phase p);

/* One check's last result (filled by the check engine). */
struct lw_check_record {
    char *id;      /* "tls.expiry" */
    char *status;  /* "pass" | "warn" | "fail" | "skip" | "error" */
    char *summary; /* English one-liner, as --json shows it */
};

struct lw_state {
    struct lw_config config; /* certificate = path it was imported from */
    enum lw_phase phase;
    time_t created;
    time_t updated;
    char *key_fingerprint;  /* public key SHA-256 */
    char *cert_fingerprint; /* leaf SHA-256, when installed */
    time_t cert_not_after;  /* leaf expiry, when installed */
    char *last_run;         /* backup stamp of the last run that wrote */
    /* last check */
    time_t checked_at;
    long check_elapsed_ms;
    struct lw_check_record *checks;
    size_t n_checks;
};

void lw_state_init(struct lw_state *s);
void lw_state_free(struct lw_state *s);

/* Default state path under root: <root>/var/lib/linkwiz/state.yaml. */
enum lw_status lw_state_default_path(const char *root, char *out, size_t outlen,
                                     struct lw_err *err);

/* Load.  LW_ERR_NOTFOUND (with a message) when there is no file.  A file
 * that is not a valid state (not YAML, not a mapping, no linkwiz_state key,
 * bad values) gives LW_ERR_INPUT with a message naming the path (and line);
 * the file is left where it is (see lw_state_set_aside).  A state written
 * by a newer linkwiz gives LW_ERR_REFUSED "... written by a newer linkwiz
 * ..." (it must not be set aside).  The domain read back is in normalized form.  out must be
 * initialized (lw_state_init); on success its old contents are freed and
 * replaced, on failure it is left as it was. */
enum lw_status lw_state_load(const char *path, struct lw_state *out,
                             struct lw_err *err);
/* The same from memory: data (len bytes, need not be NUL-terminated) is
 * the file's text, name is used in messages in place of the path.  Same
 * results as lw_state_load except the LW_ERR_NOTFOUND and read errors. */
enum lw_status lw_state_parse(const char *data, size_t len, const char *name,
                              struct lw_state *out, struct lw_err *err);
/* Move a bad state file out of the way: rename path to
 * "<path>.bad-<YYYYmmddTHHMMSSZ>" (with "-2", "-3", ... when that exists:
 * an earlier one is never overwritten).  The new name goes to moved_to.
 * LW_ERR_NOTFOUND when path does not exist. */
enum lw_status lw_state_set_aside(const char *path, char *moved_to, size_t len,
                                  struct lw_err *err);
/* Serialize (for tests and --json show). */
enum lw_status lw_state_format(const struct lw_state *s, struct lw_buf *out,
                               struct lw_err *err);
/* Write atomically, mode 0600, creating the directory 0700. */
enum lw_status lw_state_save(const char *path, const struct lw_state *s,
                             struct lw_err *err);

/* The run lock: <dir of state>/lock (0600), flock()ed, holding the
 * holder's PID.  When another run holds it: retry every 50 ms up to
 * wait_ms (0 = not at all), then LW_ERR_LOCKED naming the holder's PID.
 * Creates the directory (0700) when needed.  The lock goes with the
 * process: a run that dies releases it.  *out is released with
 * lw_lock_release (NULL allowed). */
struct lw_lock;
enum lw_status lw_lock_acquire(const char *state_path, int wait_ms,
                               struct lw_lock **out, struct lw_err *err);
void lw_lock_release(struct lw_lock *lock);

#endif
