/* report.h - check results for people and machines: the text table, the
 * --json document of DESIGN.md, the --monitoring line, what changed since
 * the last run, and saving the run into the state. */
#ifndef LW_REPORT_H
#define LW_REPORT_H

#include <stdbool.h>

#include "lw/buf.h"
#include "lw/check.h"
#include "lw/state.h"
#include "lw/status.h"

/* Exit status of `linkwiz check` for an overall status: 0 pass, 1 warn,
 * 2 fail/error (monitoring-plugin convention). */
int lw_report_exit_code(enum lw_check_status overall);

/* Human text: one line per check (status, id, summary), detail and hint
 * below anything not passing, then "what changed" against prev (may be
 * NULL).  color: ANSI colours (only on a TTY without NO_COLOR). */
enum lw_status lw_report_text(const struct lw_check_run *run,
                              const struct lw_state *prev, bool color,
                              struct lw_buf *out, struct lw_err *err);
/* DESIGN.md's JSON: {"domain","method","region","status","elapsed_ms",
 * "checks":[{"id","status","summary","detail","hint","elapsed_ms"}]}. */
enum lw_status lw_report_json(const struct lw_check_run *run,
                              const struct lw_state *st, struct lw_buf *out,
                              struct lw_err *err);
/* "LINKWIZ OK - link.example.com: 13 checks pass | tls_days_left=89
 * elapsed_ms=412 resolvers_agreeing=4;;;0;4" (English, one line). */
enum lw_status lw_report_monitoring(const struct lw_check_run *run,
                                    const struct lw_state *st,
                                    struct lw_buf *out, struct lw_err *err);
/* Sentences about what changed since prev (certificate replaced, more
 * resolvers agree, expiry moved, a check changed status), one per line;
 * nothing when nothing changed or prev has no check. */
void lw_report_changes(const struct lw_check_run *run,
                       const struct lw_state *prev, struct lw_buf *out);
/* Copy the run's results, time and elapsed into st (for lw_state_save). */
enum lw_status lw_report_store(const struct lw_check_run *run,
                               struct lw_state *st, time_t when,
                               struct lw_err *err);

#endif
