/* state.c - the saved setup (state.yaml) and the run lock. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lw/install.h"
#include "lw/nls.h"
#include "lw/state.h"
#include "lw/yamlio.h"

#define STATE_RUNTIME_PATH "/var/lib/linkwiz/state.yaml"
#define SHOW 256
#define CHECKS_MAX 64
#define CHECK_ID_MAX 64
#define SUMMARY_MAX 4096
#define STAMP_MAX 64
#define LOCK_RETRY_MS 50
#define SET_ASIDE_TRIES 100

static const char *const state_keys[] = {
    "linkwiz_state",   "domain",      "region",
    "method",          "key",         "subject",
    "nginx",           "cloudfront",  "certificate_source",
    "phase",           "created",     "updated",
    "key_fingerprint", "certificate", "last_run",
    "last_check",      NULL};

static const char *const check_statuses[] = {"pass", "warn",  "fail",
                                             "skip", "error", NULL};

const char *
lw_phase_word(enum lw_phase p)
{
    switch (p) {
    case LW_PHASE_WAITING_CERT:
        return "waiting-for-certificate";
    case LW_PHASE_INSTALLED:
        return "installed";
    case LW_PHASE_NONE:
        break;
    }
    return "none";
}

static bool
phase_parse(const char *w, enum lw_phase *out)
{
    static const enum lw_phase all[] = {LW_PHASE_NONE, LW_PHASE_WAITING_CERT,
                                        LW_PHASE_INSTALLED};
    size_t i;

    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(w, lw_phase_word(all[i])) == 0) {
            *out = all[i];
            return true;
        }
    }
    return false;
}

void
lw_state_init(struct lw_state *s)
{
    memset(s, 0, sizeof(*s));
    lw_config_init(&s->config);
    s->phase = LW_PHASE_NONE;
}

void
lw_state_free(struct lw_state *s)
{
    size_t i;

    if (s == NULL)
        return;
    lw_config_free(&s->config);
    free(s->key_fingerprint);
    free(s->cert_fingerprint);
    free(s->last_run);
    for (i = 0; i < s->n_checks; i++) {
        free(s->checks[i].id);
        free(s->checks[i].status);
        free(s->checks[i].summary);
    }
    free(s->checks);
    lw_state_init(s);
}

enum lw_status
lw_state_default_path(const char *root, char *out, size_t outlen,
                      struct lw_err *err)
{
    return lw_path_under(root, STATE_RUNTIME_PATH, out, outlen, err);
}

/* ---- time stamps ------------------------------------------------------- */

/* "2026-12-03T15:05:00Z" (buf of at least 21 bytes). */
static void
format_time(time_t t, char *buf, size_t len)
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL ||
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, len, "%s", "1970-01-01T00:00:00Z");
}

static bool
parse_time(const char *s, time_t *out)
{
    static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
    int v[6];
    struct tm tm;
    char back[32];
    time_t t;
    size_t i;

    if (strlen(s) != sizeof(form) - 1)
        return false;
    for (i = 0; form[i] != '\0'; i++) {
        if (form[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != form[i])
            return false;
    }
    v[0] = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
           (s[3] - '0');
    for (i = 1; i < 6; i++)
        v[i] = (s[2 + 3 * i] - '0') * 10 + (s[3 + 3 * i] - '0');
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = v[0] - 1900;
    tm.tm_mon = v[1] - 1;
    tm.tm_mday = v[2];
    tm.tm_hour = v[3];
    tm.tm_min = v[4];
    tm.tm_sec = v[5];
    t = timegm(&tm);
    if (t < 0) /* also timegm's error value, (time_t)-1 */
        return false;
    /* timegm normalizes "02-30" to March: a date that does not come back
     * the same was not a real one. */
    format_time(t, back, sizeof(back));
    if (strcmp(back, s) != 0)
        return false;
    *out = t;
    return true;
}

/* ---- loading ----------------------------------------------------------- */

static enum lw_status
bad_value(const struct lw_ynode *node, const char *name, const char *kpath,
          const char *what, struct lw_err *err)
{
    char shown[SHOW];

    if (node != NULL && node->type == LW_Y_SCALAR)
        lw_yaml_sanitize(node->value, shown, sizeof(shown));
    else
        shown[0] = '\0';
    /* TRANSLATORS: "state.yaml:7: phase: "done" is not a valid setup
     * phase". */
    return lw_err_set(err, LW_ERR_INPUT, _("%s:%u: %s: \"%s\" is not %s"), name,
                      node != NULL ? node->line : 0, kpath, shown, what);
}

static enum lw_status
dup_into(char **dst, const char *src, struct lw_err *err)
{
    *dst = strdup(src);
    if (*dst == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    return LW_OK;
}

static enum lw_status
read_time(const struct lw_ynode *map, const char *name, const char *path,
          const char *key, time_t *out, struct lw_err *err)
{
    const char *v = NULL;
    char kp[64];
    enum lw_status st;

    st = lw_yaml_str(map, name, path, key, false, &v, err);
    if (st != LW_OK || v == NULL)
        return st;
    if (parse_time(v, out))
        return LW_OK;
    snprintf(kp, sizeof(kp), "%s%s%s", path, *path != '\0' ? "." : "", key);
    return bad_value(lw_yaml_get(map, key), name, kp,
                     _("a time of the form 2026-12-03T15:05:00Z"), err);
}

static bool
fingerprint_ok(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n >= LW_FINGERPRINT_MAX)
        return false;
    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F') ||
              s[i] == ':'))
            return false;
    return true;
}

static enum lw_status
read_fingerprint(const struct lw_ynode *map, const char *name, const char *path,
                 const char *key, char **out, struct lw_err *err)
{
    const char *v = NULL;
    char kp[64];
    enum lw_status st;

    st = lw_yaml_str(map, name, path, key, false, &v, err);
    if (st != LW_OK || v == NULL)
        return st;
    if (!fingerprint_ok(v)) {
        snprintf(kp, sizeof(kp), "%s%s%s", path, *path != '\0' ? "." : "", key);
        return bad_value(lw_yaml_get(map, key), name, kp,
                         _("a SHA-256 fingerprint (AB:CD:...)"), err);
    }
    return dup_into(out, v, err);
}

/* Check ids and backup stamps reach messages and, for the stamp, a
 * directory name: only a safe alphabet. */
static bool
word_ok(const char *s, size_t max, const char *extra)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > max)
        return false;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
              (s[i] != '\0' && strchr(extra, s[i]) != NULL)))
            return false;
    return s[0] != '.' && s[0] != '-';
}

/* Summaries were sanitized by the check engine when written; a file
 * changed by hand still must not bring control characters to a screen. */
static enum lw_status
dup_sanitized(char **dst, const char *src, struct lw_err *err)
{
    char *p;

    if (dup_into(dst, src, err) != LW_OK)
        return LW_ERR_NOMEM;
    /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): set on LW_OK */
    for (p = *dst; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            *p = '?';
    return LW_OK;
}

static enum lw_status
read_check(const struct lw_ynode *item, const char *name, size_t idx,
           struct lw_check_record *r, struct lw_err *err)
{
    static const char *const keys[] = {"id", "status", "summary", NULL};
    const char *id = NULL, *status = NULL, *summary = "";
    char path[48], kp[64];
    size_t i;
    bool known = false;
    enum lw_status st;

    snprintf(path, sizeof(path), "last_check.results[%zu]", idx);
    if ((st = lw_yaml_check_keys(item, name, path, keys, err)) != LW_OK ||
        (st = lw_yaml_str(item, name, path, "id", true, &id, err)) != LW_OK ||
        (st = lw_yaml_str(item, name, path, "status", true, &status, err)) !=
            LW_OK ||
        (st = lw_yaml_str(item, name, path, "summary", false, &summary, err)) !=
            LW_OK)
        return st;
    if (!word_ok(id, CHECK_ID_MAX, "._")) {
        snprintf(kp, sizeof(kp), "%s.id", path);
        /* TRANSLATORS: completes "state.yaml:7: id: \"x\" is not %s": what a
         * value should have been. */
        return bad_value(lw_yaml_get(item, "id"), name, kp, _("a check id"),
                         err);
    }
    for (i = 0; check_statuses[i] != NULL; i++)
        known = known || strcmp(status, check_statuses[i]) == 0;
    if (!known) {
        snprintf(kp, sizeof(kp), "%s.status", path);
        return bad_value(lw_yaml_get(item, "status"), name, kp,
                         _("a check status (pass, warn, fail, skip or "
                           "error)"),
                         err);
    }
    if (strlen(summary) > SUMMARY_MAX) {
        snprintf(kp, sizeof(kp), "%s.summary", path);
        return bad_value(lw_yaml_get(item, "summary"), name, kp,
                         _("a one-line summary"), err);
    }
    if ((st = dup_into(&r->id, id, err)) != LW_OK ||
        (st = dup_into(&r->status, status, err)) != LW_OK ||
        (st = dup_sanitized(&r->summary, summary, err)) != LW_OK)
        return st;
    return LW_OK;
}

static enum lw_status
read_last_check(const struct lw_ynode *root, const char *name,
                struct lw_state *s, struct lw_err *err)
{
    static const char *const keys[] = {"at", "elapsed_ms", "results", NULL};
    const struct lw_ynode *lc = lw_yaml_get(root, "last_check"), *res;
    unsigned long ms = 0;
    size_t i;
    enum lw_status st;

    if (lc == NULL || lw_yaml_is_null(lc))
        return LW_OK;
    if ((st = lw_yaml_check_keys(lc, name, "last_check", keys, err)) != LW_OK ||
        (st = read_time(lc, name, "last_check", "at", &s->checked_at, err)) !=
            LW_OK ||
        (st = lw_yaml_uint(lc, name, "last_check", "elapsed_ms", false,
                           LONG_MAX, &ms, err)) != LW_OK)
        return st;
    s->check_elapsed_ms = (long)ms;
    res = lw_yaml_get(lc, "results");
    if (res == NULL || lw_yaml_is_null(res))
        return LW_OK;
    if (res->type != LW_Y_SEQ || res->n > CHECKS_MAX)
        return lw_err_set(err, LW_ERR_INPUT,
                          /* TRANSLATORS: state file, line, then a key of the
                           * state file (not translated). */
                          _("%s:%u: last_check.results: expected a list of at "
                            "most %d check results"),
                          name, res->line, CHECKS_MAX);
    s->checks = calloc(res->n != 0 ? res->n : 1, sizeof(*s->checks));
    if (s->checks == NULL)
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    for (i = 0; i < res->n; i++) {
        s->n_checks++; /* freed with s, even when half filled */
        st = read_check(res->items[i], name, i, &s->checks[i], err);
        if (st != LW_OK)
            return st;
    }
    return LW_OK;
}

static enum lw_status
read_certificate(const struct lw_ynode *root, const char *name,
                 struct lw_state *s, struct lw_err *err)
{
    static const char *const keys[] = {"fingerprint", "not_after", NULL};
    const struct lw_ynode *c = lw_yaml_get(root, "certificate");
    enum lw_status st;

    if (c == NULL || lw_yaml_is_null(c))
        return LW_OK;
    if ((st = lw_yaml_check_keys(c, name, "certificate", keys, err)) != LW_OK ||
        (st = read_fingerprint(c, name, "certificate", "fingerprint",
                               &s->cert_fingerprint, err)) != LW_OK ||
        (st = read_time(c, name, "certificate", "not_after", &s->cert_not_after,
                        err)) != LW_OK)
        return st;
    return LW_OK;
}

static enum lw_status
read_state(const struct lw_ynode *root, const char *name, struct lw_state *s,
           struct lw_err *err)
{
    const char *v = NULL;
    enum lw_status st;

    if ((st = lw_yaml_check_keys(root, name, "", state_keys, err)) != LW_OK ||
        (st = lw_config_read(root, name, NULL, LW_CONFIG_STORED, &s->config,
                             err)) != LW_OK)
        return st;

    v = NULL;
    st = lw_yaml_str(root, name, "", "certificate_source", false, &v, err);
    if (st != LW_OK)
        return st;
    if (v != NULL) {
        if (v[0] != '/' || strlen(v) >= LW_PATH_MAX ||
            strpbrk(v, "\n\r\t") != NULL)
            return bad_value(lw_yaml_get(root, "certificate_source"), name,
                             /* TRANSLATORS: completes "...: \"x\" is not
                              * %s": what a value should have been. */
                             "certificate_source", _("an absolute path"), err);
        if ((st = dup_into(&s->config.certificate, v, err)) != LW_OK)
            return st;
    }

    v = NULL;
    st = lw_yaml_str(root, name, "", "phase", true, &v, err);
    if (st != LW_OK)
        return st;
    if (!phase_parse(v, &s->phase))
        return bad_value(lw_yaml_get(root, "phase"), name, "phase",
                         _("a setup phase (waiting-for-certificate or "
                           "installed)"),
                         err);

    if ((st = read_time(root, name, "", "created", &s->created, err)) !=
            LW_OK ||
        (st = read_time(root, name, "", "updated", &s->updated, err)) !=
            LW_OK ||
        (st = read_fingerprint(root, name, "", "key_fingerprint",
                               &s->key_fingerprint, err)) != LW_OK ||
        (st = read_certificate(root, name, s, err)) != LW_OK)
        return st;

    v = NULL;
    st = lw_yaml_str(root, name, "", "last_run", false, &v, err);
    if (st != LW_OK)
        return st;
    if (v != NULL) {
        if (!word_ok(v, STAMP_MAX, ""))
            return bad_value(lw_yaml_get(root, "last_run"), name, "last_run",
                             _("a backup time stamp"), err);
        if ((st = dup_into(&s->last_run, v, err)) != LW_OK)
            return st;
    }
    return read_last_check(root, name, s, err);
}

static void
hint_bad(struct lw_err *err)
{
    lw_err_hint(err, "%s",
                _("The file was damaged or changed by hand. `linkwiz setup` "
                  "moves it aside (nothing is lost) and writes a new one."));
}

enum lw_status
lw_state_parse(const char *data, size_t len, const char *name,
               struct lw_state *out, struct lw_err *err)
{
    struct lw_ynode *root = NULL;
    const struct lw_ynode *ver;
    struct lw_state s;
    unsigned long version = 0;
    enum lw_status st;

    lw_state_init(&s);
    st = lw_yaml_parse(data != NULL ? data : "", len, name, &root, err);
    if (st != LW_OK) {
        if (st == LW_ERR_INPUT)
            hint_bad(err);
        goto out;
    }
    ver = lw_yaml_get(root, "linkwiz_state");
    if (root->type != LW_Y_MAP || ver == NULL) {
        st = lw_err_set(err, LW_ERR_INPUT,
                        _("%s is not a linkwiz state file (it has no "
                          "linkwiz_state key)"),
                        name);
        lw_err_hint(err, "%s",
                    _("Check --state; `linkwiz setup` moves a foreign file "
                      "aside (nothing is lost) before it writes a new "
                      "one."));
        goto out;
    }
    st = lw_yaml_uint(root, name, "", "linkwiz_state", true, ULONG_MAX,
                      &version, err);
    if (st == LW_OK && version == 0)
        /* TRANSLATORS: completes "...: \"x\" is not %s": what a value should
         * have been. */
        st = bad_value(ver, name, "linkwiz_state", _("a state version"), err);
    if (st != LW_OK) {
        hint_bad(err);
        goto out;
    }
    if (version > LW_STATE_VERSION) {
        /* Never set aside: the newer linkwiz that wrote it still needs
         * it. */
        st = lw_err_set(err, LW_ERR_REFUSED,
                        _("%s was written by a newer linkwiz (state version "
                          "%lu; this one reads version %d)"),
                        name, version, LW_STATE_VERSION);
        lw_err_hint(err, "%s", _("Run the newer linkwiz, or install it here."));
        goto out;
    }
    st = read_state(root, name, &s, err);
    if (st != LW_OK) {
        if (st == LW_ERR_INPUT)
            hint_bad(err);
        goto out;
    }
    lw_state_free(out);
    *out = s;
    lw_state_init(&s);
out:
    lw_state_free(&s);
    lw_yaml_free(root);
    return st;
}

enum lw_status
lw_state_load(const char *path, struct lw_state *out, struct lw_err *err)
{
    struct lw_buf b = LW_BUF_INIT;
    enum lw_status st;

    st = lw_buf_read_file(&b, path, LW_YAML_MAX_BYTES, err);
    if (st == LW_ERR_NOTFOUND) {
        lw_err_set(err, LW_ERR_NOTFOUND, _("no saved setup: %s does not exist"),
                   path);
        goto out;
    }
    if (st != LW_OK)
        goto out;
    st = lw_state_parse(b.data, b.len, path, out, err);
out:
    lw_buf_free(&b);
    return st;
}

/* ---- saving ------------------------------------------------------------ */

static void
emit_time(struct lw_yemit *e, const char *key, time_t t)
{
    char buf[32];

    format_time(t, buf, sizeof(buf));
    lw_yemit_kv(e, key, buf);
}

enum lw_status
lw_state_format(const struct lw_state *s, struct lw_buf *out,
                struct lw_err *err)
{
    struct lw_yemit *e;
    char num[32];
    size_t i;
    enum lw_status st;

    st = lw_yemit_begin(&e, out, err);
    if (st != LW_OK)
        return st;
    lw_yemit_map_start(e);
    snprintf(num, sizeof(num), "%d", LW_STATE_VERSION);
    lw_yemit_kv_plain(e, "linkwiz_state", num);
    lw_config_emit(e, &s->config);
    if (s->config.certificate != NULL)
        lw_yemit_kv(e, "certificate_source", s->config.certificate);
    lw_yemit_kv(e, "phase", lw_phase_word(s->phase));
    if (s->created != 0)
        emit_time(e, "created", s->created);
    if (s->updated != 0)
        emit_time(e, "updated", s->updated);
    if (s->key_fingerprint != NULL)
        lw_yemit_kv(e, "key_fingerprint", s->key_fingerprint);
    if (s->cert_fingerprint != NULL || s->cert_not_after != 0) {
        lw_yemit_str(e, "certificate");
        lw_yemit_map_start(e);
        if (s->cert_fingerprint != NULL)
            lw_yemit_kv(e, "fingerprint", s->cert_fingerprint);
        if (s->cert_not_after != 0)
            emit_time(e, "not_after", s->cert_not_after);
        lw_yemit_map_end(e);
    }
    if (s->last_run != NULL)
        lw_yemit_kv(e, "last_run", s->last_run);
    if (s->checked_at != 0 || s->n_checks > 0) {
        lw_yemit_str(e, "last_check");
        lw_yemit_map_start(e);
        if (s->checked_at != 0)
            emit_time(e, "at", s->checked_at);
        snprintf(num, sizeof(num), "%ld",
                 s->check_elapsed_ms > 0 ? s->check_elapsed_ms : 0L);
        lw_yemit_kv_plain(e, "elapsed_ms", num);
        lw_yemit_str(e, "results");
        lw_yemit_seq_start(e, false);
        for (i = 0; i < s->n_checks; i++) {
            lw_yemit_map_start(e);
            lw_yemit_kv(e, "id", s->checks[i].id);
            lw_yemit_kv(e, "status", s->checks[i].status);
            lw_yemit_kv(e, "summary",
                        s->checks[i].summary != NULL ? s->checks[i].summary
                                                     : "");
            lw_yemit_map_end(e);
        }
        lw_yemit_seq_end(e);
        lw_yemit_map_end(e);
    }
    lw_yemit_map_end(e);
    return lw_yemit_end(e, err);
}

/* The directory part of path ("." when there is none). */
static enum lw_status
dir_of(const char *path, char *dir, size_t len, struct lw_err *err)
{
    const char *slash = strrchr(path, '/');
    size_t n;

    if (slash == NULL) {
        snprintf(dir, len, ".");
        return LW_OK;
    }
    n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= len)
        return lw_err_set(err, LW_ERR_INPUT, _("path too long: %s"), path);
    memcpy(dir, path, n);
    dir[n] = '\0';
    return LW_OK;
}

enum lw_status
lw_state_save(const char *path, const struct lw_state *s, struct lw_err *err)
{
    struct lw_buf b = LW_BUF_INIT;
    char dir[LW_PATH_MAX];
    enum lw_status st;

    if (!lw_domain_is_normalized(s->config.domain))
        return lw_err_set(err, LW_ERR_INTERNAL,
                          _("internal error: refusing to save a state without "
                            "a valid domain"));
    st = lw_state_format(s, &b, err);
    if (st == LW_OK)
        st = dir_of(path, dir, sizeof(dir), err);
    if (st == LW_OK)
        st = lw_mkdirs(dir, 0700, err);
    if (st == LW_OK)
        st = lw_write_atomic(path, b.data, b.len, 0600, err);
    lw_buf_free(&b);
    return st;
}

/* ---- setting a bad file aside ------------------------------------------ */

static void
sync_dir_of(const char *path)
{
    char dir[LW_PATH_MAX];
    int fd;

    if (dir_of(path, dir, sizeof(dir), NULL) != LW_OK)
        return;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

/* rename() that never replaces an existing to: renameat2 where the file
 * system supports it, else link + unlink. */
static int
rename_noreplace(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return -1;
    if (link(from, to) != 0)
        return -1;
    return unlink(from);
}

enum lw_status
lw_state_set_aside(const char *path, char *moved_to, size_t len,
                   struct lw_err *err)
{
    char stamp[32], dst[LW_PATH_MAX];
    struct stat st;
    struct tm tm;
    time_t now = time(NULL);
    unsigned i;
    int n;

    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return lw_err_set(err, LW_ERR_NOTFOUND, _("%s: no such file"),
                              path);
        return lw_err_errno(err, errno, _("cannot read %s"), path);
    }
    if (gmtime_r(&now, &tm) == NULL ||
        strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
        return lw_err_set(err, LW_ERR_INTERNAL, "%s",
                          _("internal error: cannot format the time"));
    for (i = 1; i <= SET_ASIDE_TRIES; i++) {
        if (i == 1)
            n = snprintf(dst, sizeof(dst), "%s.bad-%s", path, stamp);
        else
            n = snprintf(dst, sizeof(dst), "%s.bad-%s-%u", path, stamp, i);
        if (n < 0 || (size_t)n >= sizeof(dst) || (size_t)n >= len)
            return lw_err_set(err, LW_ERR_INPUT, _("path too long: %s"), path);
        if (rename_noreplace(path, dst) == 0) {
            sync_dir_of(path);
            memcpy(moved_to, dst, (size_t)n + 1);
            return LW_OK;
        }
        if (errno != EEXIST)
            return lw_err_errno(err, errno, _("cannot move %s to %s"), path,
                                dst);
    }
    return lw_err_set(err, LW_ERR_IO,
                      _("cannot move %s aside: %u copies of it already "
                        "exist"),
                      path, SET_ASIDE_TRIES);
}

/* ---- the run lock ------------------------------------------------------ */

struct lw_lock {
    int fd;
};

static long
elapsed_ms(const struct timespec *since)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - since->tv_sec) * 1000 +
           (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* The PID the holder wrote, or 0 when it is not there (yet). */
static long
holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    long pid = 0;
    ssize_t i;

    if (n <= 0)
        return 0;
    for (i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) {
        if (pid > (LONG_MAX - 9) / 10)
            return 0;
        pid = pid * 10 + (buf[i] - '0');
    }
    if (i == 0 || (i < n && buf[i] != '\n'))
        return 0;
    return pid;
}

enum lw_status
lw_lock_acquire(const char *state_path, int wait_ms, struct lw_lock **out,
                struct lw_err *err)
{
    char dir[LW_PATH_MAX], lockpath[LW_PATH_MAX], pidtext[32];
    struct timespec start, pause = {0, LOCK_RETRY_MS * 1000000L};
    struct lw_lock *lock;
    long pid, waited;
    int fd, n, e;
    enum lw_status st;

    *out = NULL;
    st = dir_of(state_path, dir, sizeof(dir), err);
    if (st != LW_OK)
        return st;
    n = snprintf(lockpath, sizeof(lockpath), "%s/lock", dir);
    if (n < 0 || (size_t)n >= sizeof(lockpath))
        return lw_err_set(err, LW_ERR_INPUT, _("path too long: %s"), dir);
    st = lw_mkdirs(dir, 0700, err);
    if (st != LW_OK)
        return st;
    fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
              0600);
    if (fd < 0)
        return lw_err_errno(err, errno, _("cannot open the lock file %s"),
                            lockpath);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            break;
        e = errno;
        if (e == EINTR)
            continue;
        if (e != EWOULDBLOCK) {
            close(fd);
            /* TRANSLATORS: %s is a path; the system's reason follows. */
            return lw_err_errno(err, e, _("cannot lock %s"), lockpath);
        }
        waited = elapsed_ms(&start);
        if (waited >= wait_ms) {
            pid = holder_pid(fd);
            close(fd);
            if (pid > 0)
                lw_err_set(err, LW_ERR_LOCKED,
                           _("another linkwiz run (PID %ld) is writing the "
                             "setup; wait for it to finish"),
                           pid);
            else
                lw_err_set(err, LW_ERR_LOCKED, "%s",
                           _("another linkwiz run is writing the setup; wait "
                             "for it to finish"));
            lw_err_hint(err,
                        _("The lock (%s) is released as soon as that run "
                          "ends."),
                        lockpath);
            return LW_ERR_LOCKED;
        }
        if (wait_ms - waited < LOCK_RETRY_MS)
            pause.tv_nsec = (wait_ms - waited) * 1000000L;
        nanosleep(&pause, NULL);
    }
    /* Ours now: say who holds it, for the message of the next run. */
    n = snprintf(pidtext, sizeof(pidtext), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pidtext, (size_t)n, 0) != n) {
        e = errno;
        close(fd);
        /* TRANSLATORS: %s is a path; the system's reason follows. */
        return lw_err_errno(err, e, _("cannot write %s"), lockpath);
    }
    lock = malloc(sizeof(*lock));
    if (lock == NULL) {
        close(fd);
        return lw_err_set(err, LW_ERR_NOMEM, "%s", _("out of memory"));
    }
    lock->fd = fd;
    *out = lock;
    return LW_OK;
}

void
lw_lock_release(struct lw_lock *lock)
{
    if (lock == NULL)
        return;
    /* Empty it while still holding it, so no stale PID is ever shown;
     * a failure here costs only that. */
    if (ftruncate(lock->fd, 0) != 0) {
        /* nothing to do: the lock itself goes with close() */
    }
    close(lock->fd);
    free(lock);
}
