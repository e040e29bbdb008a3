/* state.h - the saved setup (var/lib/linkwiz/state.yaml, mode 0600) and the
 * lock that keeps two runs from writing at once.
 *
 * A state file that cannot be read as linkwiz's (corrupt, foreign, newer
 * version) is moved aside to "<path>.bad-<timestamp>" and reported; it is
 * never silently overwritten. */
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

/* "waiting-for-certificate", "installed" (file words). */
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
enum lw_status lw_state_default_path(const char *root, char *out,
                                     size_t outlen, struct lw_err *err);

/* Load.  LW_ERR_NOTFOUND (with a message) when there is no file.  A file
 * that is not a valid state is moved aside and LW_ERR_INPUT returned; the
 * message names both paths. */
enum lw_status lw_state_load(const char *path, struct lw_state *out,
                             struct lw_err *err);
/* Serialize (for tests and --json show). */
enum lw_status lw_state_format(const struct lw_state *s, struct lw_buf *out,
                               struct lw_err *err);
/* Write atomically, mode 0600, creating the directory 0700. */
enum lw_status lw_state_save(const char *path, const struct lw_state *s,
                             struct lw_err *err);

/* The run lock: <dir of state>/lock, flock()ed.  When another run holds
 * it: wait up to wait_ms (0 = not at all), then LW_ERR_LOCKED naming the
 * holder's PID.  Creates the directory (0700) when needed. */
struct lw_lock;
enum lw_status lw_lock_acquire(const char *state_path, int wait_ms,
                               struct lw_lock **out, struct lw_err *err);
void lw_lock_release(struct lw_lock *lock);

#endif
