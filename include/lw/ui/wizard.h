/* wizard.h - the interactive wizard (`linkwiz` with no command): the entry
 * point main.c calls.  This header does not include curses; the screens
 * behind it are in ui/. */
#ifndef LW_UI_WIZARD_H
#define LW_UI_WIZARD_H

#include <stdbool.h>
#include <stddef.h>

#include "lw/profile.h"
#include "lw/status.h"

struct lw_wizard_opts {
    const char *root;       /* "/" or --root */
    const char *state_path; /* full path of the state file */
    const struct lw_profile *profile;
    const char *ca_file;    /* --ca-file, or NULL */
    const char *const *resolvers;  /* --resolver values, n_resolvers */
    size_t n_resolvers;
    const char *const *connect_to; /* --connect-to, NULL-terminated */
    long timeout_ms;        /* per network step */
    bool no_color;          /* --no-color or NO_COLOR */
    bool run_nginx;         /* run nginx -T/-t/reload (false under --root) */
};

enum lw_wizard_end {
    LW_WIZARD_DONE,        /* went through to the end */
    LW_WIZARD_WAITING,     /* "not yet": waiting for the certificate */
    LW_WIZARD_QUIT,        /* the operator quit */
    LW_WIZARD_INTERRUPTED  /* Ctrl-C, SIGTERM or SIGHUP */
};

struct lw_wizard_result {
    enum lw_wizard_end end;
    char message[2048]; /* what to print after the screen is restored
                           (translated, may be ""); ends in a newline */
};

/* Run the wizard on the terminal (stdin and stdout must be TTYs: the
 * caller checks).  Restores the terminal before returning, also after a
 * signal.  An error (curses could not start, out of memory) is returned
 * with err set; everything the operator did is described in res. */
enum lw_status lw_wizard_run(const struct lw_wizard_opts *opts,
                             struct lw_wizard_result *res,
                             struct lw_err *err);

#endif
