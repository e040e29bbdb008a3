/* install.h - putting files in place without ever leaving half of one.
 *
 * Every write: temp file in the target's directory (created with its final
 * mode, so a key is 0600 from the first byte), write, fsync, rename, fsync
 * the directory.  One run = one transaction: whatever a write replaces is
 * first copied to <root>/var/lib/linkwiz/backups/<stamp>/<path>, and a
 * journal there (written and fsynced before each change) lists what was
 * created or replaced, so lw_install_undo() can put this run's changes back
 * and lw_rollback_last() can put back the last completed run's.
 *
 * Paths given to this module are run-time absolute paths ("/etc/nginx/..");
 * the root (DESTDIR-like, "/" by default) is prepended here only. */
#ifndef LW_INSTALL_H
#define LW_INSTALL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lw/buf.h"
#include "lw/status.h"

#define LW_PATH_MAX 4096

/* <root><path> into out; refuses a path with "..", a relative path, or a
 * result too long. */
enum lw_status lw_path_under(const char *root, const char *path, char *out,
                             size_t outlen, struct lw_err *err);

/* Create dir with exactly mode, whatever the umask, and missing parents
 * with 0755 (existing ones are left as they are); each new one is made
 * durable by syncing its parent. */
enum lw_status lw_mkdirs(const char *dir, mode_t mode, struct lw_err *err);

/* The atomic write primitive, on a full path (no root, no backup). */
enum lw_status lw_write_atomic(const char *path, const void *data,
                               size_t len, mode_t mode, struct lw_err *err);

struct lw_install_opts {
    const char *root; /* "/" when NULL */
    bool dry_run;     /* describe, as unified diffs, and write nothing */
};

enum lw_install_flags {
    LW_INSTALL_SECRET = 1u << 0 /* never show contents (dry-run diff) */
};

struct lw_install;

enum lw_status lw_install_begin(const struct lw_install_opts *opts,
                                struct lw_install **out, struct lw_err *err);

/* Put data at path with mode (parent directories created with dirmode).
 * Identical content and mode: nothing is written, *changed = false.
 * changed may be NULL.  path must be clean ("..", ".", "//", spaces,
 * control characters: LW_ERR_INTERNAL) and strictly under /etc/pki/tls/,
 * /etc/nginx/conf.d/ or /var/lib/linkwiz/ (not its backups/), else
 * LW_ERR_REFUSED; a target that is a symlink, directory or other non-regular
 * file is never replaced (LW_ERR_REFUSED).  A path installed twice in one
 * run keeps its first backup.  After commit or undo: LW_ERR_INTERNAL. */
enum lw_status lw_install_file(struct lw_install *in, const char *path,
                               const void *data, size_t len, mode_t mode,
                               mode_t dirmode, unsigned flags, bool *changed,
                               struct lw_err *err);

/* How many files this run changed (or, dry run, would change). */
size_t lw_install_count(const struct lw_install *in);
/* Dry run: the diffs ("--- a/etc/…\n+++ b/etc/…\n@@ …", 3 lines of
 * context; a new file is "new file, mode 0644\n--- /dev/null\n…"; a mode
 * change is a "mode 0644 → 0600" line before "---"), secrets named but not
 * shown ("--- /etc/…key (private key, contents not shown)\nwould be
 * replaced\n").  Lines from the old file are sanitized.  Owned by in; ""
 * when nothing would change. */
const char *lw_install_diff(const struct lw_install *in);
/* The backup stamp of this run ("20261203T150501Z"), or NULL when it
 * changed nothing. */
const char *lw_install_stamp(const struct lw_install *in);
/* One line per changed file for people: "created /etc/…" or
 * "replaced /etc/… (previous copy: /var/lib/linkwiz/backups/<stamp>/…)";
 * dry run: "would create /etc/…" / "would replace /etc/…". */
void lw_install_describe(const struct lw_install *in, struct lw_buf *out);

/* Put back everything this run changed, newest first; the journal gets
 * "undone" (the backup directory stays, ignored by lw_rollback_last).
 * No-op for a dry run. */
enum lw_status lw_install_undo(struct lw_install *in, struct lw_err *err);
/* Mark the run complete in its journal (it becomes "the last run").
 * LW_ERR_INTERNAL after lw_install_undo. */
enum lw_status lw_install_commit(struct lw_install *in, struct lw_err *err);
/* Free; an uncommitted run that changed files is undone first. */
void lw_install_free(struct lw_install *in);

/* Restore what the last completed run replaced and remove what it created;
 * that run is then marked rolled back, so a second call goes one further.
 * A run that was interrupted (no "commit" in its journal) counts as the
 * last run too.  report (may be NULL) gets one line per file.
 * LW_ERR_NOTFOUND when there is no run to roll back; LW_ERR_INPUT when the
 * journal of the run to roll back has a line linkwiz would not write (then
 * nothing is touched). */
enum lw_status lw_rollback_last(const char *root, struct lw_buf *report,
                                struct lw_err *err);

#endif
