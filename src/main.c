/* main.c - command line: options, dispatch to the core, output, and the
 * only place where a status becomes an exit code.
 *
 * Exit codes: setup/show/rollback 0 done, 2 refused or failed; check
 * follows the monitoring-plugin convention (0 ok, 1 warning, 2 critical);
 * 3 = could not run (bad options, no saved setup). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "lw/answers.h"
#include "lw/dns.h"
#include "lw/check.h"
#include "lw/cloudfront.h"
#include "lw/install.h"
#include "lw/loop.h"
#include "lw/nls.h"
#include "lw/profile.h"
#include "lw/report.h"
#include "lw/setup.h"
#include "lw/state.h"
#include "lw/ui/wizard.h"

enum exit_code {
    EXIT_DONE = 0,
    EXIT_WARNING = 1,
    EXIT_FAILED = 2,
    EXIT_UNUSABLE = 3
};

#define MAX_RESOLVERS 16

struct opts {
    const char *command;
    const char *root;
    const char *state;
    const char *profiles;
    const char *answers;
    const char *ca_file;
    const char *resolvers[MAX_RESOLVERS];
    size_t n_resolvers;
    const char *connect_to[MAX_RESOLVERS];
    size_t n_connect_to;
    long timeout_s;
    bool json;
    bool dry_run;
    bool monitoring;
    bool no_color;
    char state_buf[LW_PATH_MAX];
};

static void
usage(FILE *fp)
{
    fprintf(fp, "%s",
            /* TRANSLATORS: the --help text. Command names, options (--root)
             * and words in capitals (FILE, DIR) are not translated; keep the
             * descriptions starting in the same column, and lines under 80
             * columns. */
            _("Usage: linkwiz [OPTIONS]                        interactive "
              "wizard\n"
              "       linkwiz setup --answers FILE [OPTIONS]   the same "
              "setup, non-interactive\n"
              "       linkwiz check [OPTIONS]                  revalidate "
              "the saved setup\n"
              "       linkwiz show [OPTIONS]                   print the "
              "saved setup\n"
              "       linkwiz rollback [OPTIONS]               put back what "
              "the last run replaced\n"
              "       linkwiz --help | --version\n"));
    fprintf(fp, "\n%s",
            _("Sets up HTTPS for an email provider's link-tracking domain: "
              "private key and\n"
              "CSR, certificate, an nginx proxy that passes the link domain "
              "as Host, and\n"
              "checks that links work.\n"));
    fprintf(fp, "\n%s",
            /* TRANSLATORS: keep each option as it is and the descriptions
             * aligned in one column; lines under 80 columns. */
            _("Options:\n"
              "  --answers FILE       setup: the answers file (YAML)\n"
              "  --root DIR           read and write every file under DIR "
              "(default /)\n"
              "  --state FILE         the saved setup (default "
              "DIR/var/lib/linkwiz/state.yaml)\n"
              "  --profiles FILE      provider and regions (default: "
              "built in)\n"
              "  --resolver ADDR[:PORT]  DNS server to query (repeatable)\n"
              "  --connect-to HOST:PORT:ADDR:PORT  reach HOST there instead "
              "of resolving it\n"
              "  --ca-file FILE       extra trusted CA certificates (PEM)\n"
              "  --timeout SECONDS    limit for each network step (default "
              "5)\n"
              "  --json               machine-readable output (setup, "
              "check, show)\n"
              "  --dry-run            setup: print what would change, "
              "write nothing\n"
              "  --monitoring         check: one Nagios-style line\n"
              "  --no-color           no colours (NO_COLOR is honoured "
              "too)\n"
              "  -h, --help           this help\n"
              "  -V, --version        the version\n"));
    fprintf(fp, "\n%s",
            _("Exit status: 0 done; 2 refused or failed (nothing "
              "half-written);\n"
              "3 could not run.  check: 0 ok, 1 warnings, 2 failures, 3 "
              "could not run.\n"));
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "linkwiz: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s\n", _("Run `linkwiz --help` for the options."));
    return EXIT_UNUSABLE;
}

enum {
    OPT_ROOT = 256,
    OPT_STATE,
    OPT_PROFILES,
    OPT_ANSWERS,
    OPT_RESOLVER,
    OPT_CONNECT_TO,
    OPT_CA_FILE,
    OPT_TIMEOUT,
    OPT_JSON,
    OPT_DRY_RUN,
    OPT_MONITORING,
    OPT_NO_COLOR
};

static const struct option long_opts[] = {
    {"root", required_argument, NULL, OPT_ROOT},
    {"state", required_argument, NULL, OPT_STATE},
    {"profiles", required_argument, NULL, OPT_PROFILES},
    {"answers", required_argument, NULL, OPT_ANSWERS},
    {"resolver", required_argument, NULL, OPT_RESOLVER},
    {"connect-to", required_argument, NULL, OPT_CONNECT_TO},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"monitoring", no_argument, NULL, OPT_MONITORING},
    {"no-color", no_argument, NULL, OPT_NO_COLOR},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

/* Returns -1 to go on, or an exit code. */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
    static const char *const commands[] = {"setup", "check", "show",
                                           "rollback", NULL};
    const char *no_color = getenv("NO_COLOR");
    int c, i;

    memset(o, 0, sizeof(*o));
    o->root = "/";
    o->timeout_s = 5;
    o->no_color = no_color != NULL && *no_color != '\0';
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hV", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_ROOT:
            o->root = optarg;
            break;
        case OPT_STATE:
            o->state = optarg;
            break;
        case OPT_PROFILES:
            o->profiles = optarg;
            break;
        case OPT_ANSWERS:
            o->answers = optarg;
            break;
        case OPT_RESOLVER:
            if (o->n_resolvers == MAX_RESOLVERS)
                return usage_error(_("too many --resolver options (at most "
                                     "16)"));
            o->resolvers[o->n_resolvers++] = optarg;
            break;
        case OPT_CONNECT_TO:
            if (o->n_connect_to == MAX_RESOLVERS)
                return usage_error(_("too many --connect-to options (at "
                                     "most 16)"));
            o->connect_to[o->n_connect_to++] = optarg;
            break;
        case OPT_CA_FILE:
            o->ca_file = optarg;
            break;
        case OPT_TIMEOUT: {
            char *end;
            errno = 0;
            o->timeout_s = strtol(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || o->timeout_s < 1 ||
                o->timeout_s > 300)
                /* TRANSLATORS: %s is the value as typed. */
                return usage_error(_("--timeout takes whole seconds from 1 "
                                     "to 300, not \"%s\""),
                                   optarg);
            break;
        }
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_DRY_RUN:
            o->dry_run = true;
            break;
        case OPT_MONITORING:
            o->monitoring = true;
            break;
        case OPT_NO_COLOR:
            o->no_color = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_DONE;
        case 'V':
            printf("linkwiz %s\n", PACKAGE_VERSION);
            return EXIT_DONE;
        case ':':
            /* TRANSLATORS: %s is the option as typed, e.g. --root. */
            return usage_error(_("option %s needs a value"),
                               argv[optind - 1]);
        default:
            /* TRANSLATORS: %s is the option as typed. */
            return usage_error(_("unknown option %s"), argv[optind - 1]);
        }
    }
    if (optind < argc) {
        o->command = argv[optind++];
        for (i = 0; commands[i] != NULL; i++)
            if (strcmp(o->command, commands[i]) == 0)
                break;
        if (commands[i] == NULL)
            return usage_error(_("unknown command \"%s\""), o->command);
    }
    if (optind < argc)
        return usage_error(_("unexpected argument \"%s\""), argv[optind]);
    if (o->root[0] != '/')
        return usage_error(_("--root needs an absolute path, not \"%s\""),
                           o->root);
    {
        struct stat sb;
        struct lw_err err;
        size_t k;

        /* A mistyped --root must not quietly grow a new tree. */
        if (stat(o->root, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return usage_error(_("--root %s is not an existing directory"),
                               o->root);
        if (o->ca_file != NULL &&
            (stat(o->ca_file, &sb) != 0 || !S_ISREG(sb.st_mode) ||
             access(o->ca_file, R_OK) != 0))
            return usage_error(_("--ca-file %s is not a readable file"),
                               o->ca_file);
        for (k = 0; k < o->n_resolvers; k++) {
            struct lw_dns_server srv;
            if (lw_dns_server_parse(o->resolvers[k], &srv, &err) != LW_OK)
                return usage_error("--resolver: %s", err.msg);
        }
        for (k = 0; k < o->n_connect_to; k++) {
            struct lw_connect_to ct;
            if (lw_connect_to_parse(o->connect_to[k], &ct, &err) != LW_OK)
                return usage_error("%s", err.msg);
        }
    }
    if (o->state == NULL) {
        struct lw_err err;
        if (lw_state_default_path(o->root, o->state_buf,
                                  sizeof(o->state_buf), &err) != LW_OK)
            return usage_error("%s", err.msg);
        o->state = o->state_buf;
    }
    if (o->dry_run &&
        (o->command == NULL || strcmp(o->command, "setup") != 0))
        /* TRANSLATORS: %s is an option such as --dry-run; `linkwiz setup` is
         * a command: keep it. */
        return usage_error(_("%s applies to `linkwiz setup` only"),
                           "--dry-run");
    if (o->answers != NULL && (o->command == NULL ||
                               strcmp(o->command, "setup") != 0))
        /* TRANSLATORS: %s is an option such as --dry-run; `linkwiz setup` is
         * a command: keep it. */
        return usage_error(_("%s applies to `linkwiz setup` only"),
                           "--answers");
    if (o->monitoring &&
        (o->command == NULL || strcmp(o->command, "check") != 0))
        /* TRANSLATORS: %s is an option such as --monitoring. */
        return usage_error(_("%s applies to `linkwiz check` only"),
                           "--monitoring");
    return -1;
}

static bool
root_is_slash(const char *root)
{
    while (*root == '/')
        root++;
    return *root == '\0';
}

static void
print_error(const struct lw_err *err)
{
    /* TRANSLATORS: the prefix of every error message; %s is the message. */
    fprintf(stderr, _("linkwiz: error: %s\n"), err->msg);
    if (err->hint[0] != '\0')
        fprintf(stderr, "%s\n", err->hint);
}

static json_t *
json_error(const struct lw_err *err)
{
    json_t *j = json_pack("{s:s}", "error", err->msg);

    if (err->hint[0] != '\0')
        json_object_set_new(j, "hint", json_string(err->hint));
    return j;
}

static void
json_print(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(j);
}

/* A date people read: the locale's form ("03.03.2027 12:00 UTC"). */
static void
format_date(time_t t, char *out, size_t len)
{
    lw_nls_date(t, true, out, len);
}

static int
days_left(time_t until, time_t now)
{
    return (int)((until - now) / 86400);
}

/* ---- setup ---- */

static volatile sig_atomic_t interrupted;

static void
on_interrupt(int signo)
{
    interrupted = signo;
}

static void
catch_interrupts(bool on)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa;
    size_t i;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on ? on_interrupt : SIG_DFL;
    sa.sa_flags = 0; /* no SA_RESTART: a blocking call returns EINTR */
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
}

/* Key generation asks this between steps: false cancels it. */
static bool
setup_progress(void *ud, int phase, int count)
{
    (void)ud;
    (void)phase;
    (void)count;
    return interrupted == 0;
}

struct setup_out {
    bool json;
    json_t *notices;
};

static void
on_notice(void *ud, enum lw_notice level, const char *msg)
{
    struct setup_out *so = ud;

    if (so->json) {
        json_array_append_new(
            so->notices,
            json_pack("{s:s, s:s}", "level",
                      level == LW_NOTICE_WARN ? "warning" : "info", "message",
                      msg));
        return;
    }
    if (level == LW_NOTICE_WARN)
        /* TRANSLATORS: prefix of a warning during setup; %s is the message. */
        fprintf(stderr, _("warning: %s\n"), msg);
    else
        printf("%s\n", msg);
    (void)fflush(stdout); /* a notice: nobody to tell if it fails */
}

static void
print_next_steps(const struct lw_config *c, const struct lw_profile *prof,
                 const struct lw_setup_report *rep)
{
    if (c->method == LW_METHOD_CLOUDFRONT) {
        struct lw_buf b = LW_BUF_INIT;

        lw_cloudfront_next_steps(c, prof, rep->cf_acm_requested,
                                 rep->cf_chain_file, &b);
        if (lw_buf_ok(&b) && b.data != NULL)
            fputs(b.data, stdout);
        lw_buf_free(&b);
        return;
    }
    /* TRANSLATORS: heading of a numbered list of what to do after setup. */
    printf("\n%s\n", _("Next steps:"));
    /* TRANSLATORS: %s is the domain. */
    printf(_("  1. In your DNS, point %s at this server: a CNAME to this "
             "server's host name,\n     or A/AAAA records with its "
             "addresses.\n"),
           c->domain);
    printf(_("  2. Run `linkwiz check` until every check passes.\n"));
    /* TRANSLATORS: provider name, where its setting is (e.g. Settings > Link
     * tracking), the domain; %1$s %2$s %3$s to reorder. "Verify" is the
     * button's name in the provider's (English) web interface. */
    printf(_("  3. In %s (%s), enter %s and press Verify.\n"),
           prof->provider, prof->settings, c->domain);
}

static const char *
outcome_word(enum lw_setup_outcome o, enum lw_phase phase)
{
    if (o == LW_SETUP_UNCHANGED)
        return "unchanged";
    return phase == LW_PHASE_INSTALLED ? "installed"
                                       : "waiting-for-certificate";
}

static int
cmd_setup(const struct opts *o, const struct lw_profile *prof)
{
    struct lw_setup_report rep;
    struct lw_setup_env env;
    struct setup_out so = {o->json, NULL};
    struct lw_config cfg;
    struct lw_err err;
    enum lw_status st;
    int rc = EXIT_FAILED;

    lw_err_clear(&err);
    lw_config_init(&cfg);
    lw_setup_report_init(&rep);
    if (o->answers == NULL) {
        lw_config_free(&cfg);
        return usage_error(_("setup needs --answers FILE (or run "
                             "`linkwiz` for the interactive wizard)"));
    }
    if (o->json)
        so.notices = json_array();
    st = lw_answers_load(o->answers, prof, &cfg, &err);
    if (st != LW_OK)
        goto out;

    memset(&env, 0, sizeof(env));
    env.root = o->root;
    env.state_path = o->state;
    env.profile = prof;
    env.ca_file = o->ca_file;
    env.dry_run = o->dry_run;
    env.run_nginx = root_is_slash(o->root);
    env.lock_wait_ms = 10000;
    env.ops.notice = on_notice;
    env.ops.ud = &so;
    if (!env.run_nginx && !o->dry_run && cfg.method == LW_METHOD_NGINX)
        on_notice(&so, LW_NOTICE_INFO,
                  _("--root is not /, so nginx is not run (no nginx -t, no "
                    "reload)."));

    /* Ctrl-C, SIGTERM or SIGHUP must not leave the transaction half done:
     * they set a flag that cancels key generation, and interrupt a
     * blocking call (no SA_RESTART), so the run fails and puts every file
     * back; a run past that point finishes in milliseconds. */
    catch_interrupts(true);
    env.ops.progress = setup_progress;
    st = lw_setup_run(&env, &cfg, &rep, &err);
    catch_interrupts(false);
    if (st != LW_OK && interrupted != 0) {
        lw_err_set(&err, LW_ERR_INPUT, "%s",
                   _("interrupted: every file was left as it was"));
        lw_err_hint(&err, "%s", _("Run the same command again to set up."));
    }

out:
    if (o->json) {
        json_t *j = st == LW_OK ? json_object() : json_error(&err);
        if (st == LW_OK) {
            json_t *changes = json_array();
            char *line, *save = NULL;
            json_object_set_new(j, "outcome",
                                json_string(outcome_word(rep.outcome,
                                                         rep.phase)));
            json_object_set_new(j, "domain", json_string(cfg.domain));
            json_object_set_new(j, "phase",
                                json_string(lw_phase_word(rep.phase)));
            for (line = rep.changes.data != NULL
                            ? strtok_r(rep.changes.data, "\n", &save)
                            : NULL;
                 line != NULL; line = strtok_r(NULL, "\n", &save))
                json_array_append_new(changes, json_string(line));
            json_object_set_new(j, "changes", changes);
            json_object_set_new(j, "csr", json_string(rep.csr_pem.data
                                                          ? rep.csr_pem.data
                                                          : ""));
            json_object_set_new(j, "dry_run", json_boolean(o->dry_run));
            if (o->dry_run)
                json_object_set_new(j, "diff",
                                    json_string(rep.diff.data ? rep.diff.data
                                                              : ""));
        }
        json_object_set_new(j, "notices", so.notices);
        so.notices = NULL;
        json_print(j);
        rc = st == LW_OK ? EXIT_DONE : EXIT_FAILED;
        goto done;
    }
    if (st != LW_OK) {
        print_error(&err);
        goto done;
    }
    rc = EXIT_DONE;
    if (o->dry_run) {
        if (rep.diff.len > 0)
            fputs(rep.diff.data, stdout);
        printf("%s\n", rep.outcome == LW_SETUP_UNCHANGED
                           ? _("Dry run: nothing would change.")
                           : _("Dry run: nothing was written."));
        goto done;
    }
    if (rep.changes.len > 0)
        fputs(rep.changes.data, stdout);
    if (rep.phase == LW_PHASE_WAITING_CERT) {
        if (rep.outcome == LW_SETUP_UNCHANGED)
            printf("%s\n", _("Nothing to change: still waiting for the "
                             "certificate."));
        /* TRANSLATORS: key type (RSA 2048), key path, CSR path; %1$s %2$s
         * %3$s to reorder. */
        printf(_("\nThe private key (%s) is in %s.\n"
                 "Send this certificate signing request (also in %s) to "
                 "your certificate authority:\n\n"),
               rep.key_desc, rep.paths.key, rep.paths.csr);
        fputs(rep.csr_pem.data != NULL ? rep.csr_pem.data : "", stdout);
        /* TRANSLATORS: answers file, then the domain in an example path;
         * "certificate:" is a key of the answers file: keep it. */
        printf(_("\nWhen the certificate arrives, add it to %s:\n"
                 "  certificate: /path/to/%s-chain.pem\n"
                 "and run the same command again.\n"),
               o->answers, cfg.domain);
        goto done;
    }
    if (rep.outcome == LW_SETUP_UNCHANGED) {
        char date[64];
        format_date(rep.cert_not_after, date, sizeof(date));
        /* TRANSLATORS: domain, method word (nginx or cloudfront, not
         * translated), region key (us, eu), a date in the locale's form;
         * %1$s ... %4$s to reorder. */
        printf(_("Nothing to change: %s is set up (%s, region %s); the "
                 "certificate is valid until %s.\n"),
               cfg.domain, lw_method_word(cfg.method), cfg.region, date);
        goto done;
    }
    if (rep.nginx_tested)
        printf("%s\n", _("nginx -t: the configuration is valid."));
    if (rep.nginx_reloaded)
        printf("%s\n", _("nginx reloaded: the proxy is live."));
    else if (env.run_nginx && !cfg.nginx_reload)
        printf("%s\n", _("nginx was not reloaded (nginx: reload is not "
                         "true): run `nginx -s reload` when ready."));
    {
        int left = days_left(rep.cert_not_after, time(NULL));
        char date[64];

        format_date(rep.cert_not_after, date, sizeof(date));
        /* TRANSLATORS: domain, a date in the locale's form, days left
         * (the plural follows it); %1$s %2$s %3$d to reorder. */
        printf(P_("%s is set up; the certificate is valid until %s (%d day "
                  "left).\n",
                  "%s is set up; the certificate is valid until %s (%d days "
                  "left).\n",
                  left),
               cfg.domain, date, left);
    }
    print_next_steps(&cfg, prof, &rep);
done:
    json_decref(so.notices);
    lw_setup_report_free(&rep);
    lw_config_free(&cfg);
    return rc;
}

/* ---- show ---- */

static const char *
phase_text(enum lw_phase p)
{
    switch (p) {
    case LW_PHASE_WAITING_CERT:
        /* TRANSLATORS: a setup's state, after "Status:". */
        return _("waiting for the certificate");
    case LW_PHASE_INSTALLED:
        /* TRANSLATORS: a setup's state, after "Status:". */
        return _("installed");
    default:
        /* TRANSLATORS: a setup's state, after "Status:". */
        return _("not set up");
    }
}

static int
cmd_show(const struct opts *o, const struct lw_profile *prof)
{
    struct lw_paths paths;
    struct lw_state s;
    struct lw_err err;
    const struct lw_region *reg;
    char date[64];
    enum lw_status st;
    size_t i;

    lw_state_init(&s);
    st = lw_state_load(o->state, &s, &err);
    if (st == LW_OK)
        st = lw_paths_for(s.config.domain, &paths, &err);
    if (st != LW_OK) {
        if (st == LW_ERR_NOTFOUND)
            lw_err_hint(&err, "%s",
                        _("Nothing is set up yet: run `linkwiz` or `linkwiz "
                          "setup --answers FILE`."));
        if (o->json)
            json_print(json_error(&err));
        else
            print_error(&err);
        lw_state_free(&s);
        return EXIT_UNUSABLE;
    }
    reg = lw_profile_region(prof, s.config.region);
    if (o->json) {
        struct lw_buf y = LW_BUF_INIT;
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s}", "domain", s.config.domain,
            "method", lw_method_word(s.config.method), "region",
            s.config.region, "origin", reg != NULL ? reg->origin : "",
            "phase", lw_phase_word(s.phase), "key",
            lw_keyspec_name(&s.config.key));
        json_t *files = json_pack("{s:s, s:s}", "key", paths.key, "csr",
                                  paths.csr);
        if (s.phase == LW_PHASE_INSTALLED) {
            json_object_set_new(files, "certificate", json_string(paths.crt));
            if (s.config.method == LW_METHOD_NGINX)
                json_object_set_new(files, "nginx", json_string(paths.conf));
        }
        json_object_set_new(j, "files", files);
        if (s.cert_not_after != 0) {
            char iso[32];
            struct tm tm;
            if (gmtime_r(&s.cert_not_after, &tm) != NULL &&
                strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm) != 0)
                json_object_set_new(j, "certificate_not_after",
                                    json_string(iso));
        }
        if (s.cert_fingerprint != NULL)
            json_object_set_new(j, "certificate_sha256",
                                json_string(s.cert_fingerprint));
        if (s.key_fingerprint != NULL)
            json_object_set_new(j, "key_sha256",
                                json_string(s.key_fingerprint));
        json_print(j);
        lw_buf_free(&y);
        lw_state_free(&s);
        return EXIT_DONE;
    }
    /* TRANSLATORS: output of `linkwiz show`: the labels (Domain:, Method:,
     * Region:, Status:, Private key:, CSR:, Certificate:, nginx:, Changed:,
     * Last check:) are padded with spaces so the values line up; keep them
     * aligned in your language. */
    printf(_("Domain:       %s\n"), s.config.domain);
    printf(_("Method:       %s\n"), lw_method_word(s.config.method));
    if (reg != NULL)
        /* TRANSLATORS: region key (us), region label (United States), host
         * name; %1$s %2$s %3$s to reorder. */
        printf(_("Region:       %s (%s), tracking host %s\n"), reg->key,
               _(reg->label), reg->origin);
    else
        printf(_("Region:       %s (not in the current profile)\n"),
               s.config.region);
    printf(_("Status:       %s\n"), phase_text(s.phase));
    /* TRANSLATORS: path, then key type (RSA 2048). */
    printf(_("Private key:  %s (%s)\n"), paths.key,
           lw_keyspec_name(&s.config.key));
    printf(_("CSR:          %s\n"), paths.csr);
    if (s.phase == LW_PHASE_INSTALLED) {
        int left = days_left(s.cert_not_after, time(NULL));
        format_date(s.cert_not_after, date, sizeof(date));
        /* TRANSLATORS: path, a date in the locale's form, days left (the
         * plural follows it).  Keep the label padded like the others. */
        printf(P_("Certificate:  %s, valid until %s (%d day left)\n",
                  "Certificate:  %s, valid until %s (%d days left)\n", left),
               paths.crt, date, left);
        if (s.config.method == LW_METHOD_NGINX)
            printf(_("nginx:        %s\n"), paths.conf);
    }
    format_date(s.updated, date, sizeof(date));
    printf(_("Changed:      %s\n"), date);
    if (s.checked_at != 0) {
        size_t bad = 0;
        for (i = 0; i < s.n_checks; i++)
            if (strcmp(s.checks[i].status, "pass") != 0 &&
                strcmp(s.checks[i].status, "skip") != 0)
                bad++;
        format_date(s.checked_at, date, sizeof(date));
        /* TRANSLATORS: a date in the locale's form, then how many checks did
         * not pass (the plural follows it). */
        printf(P_("Last check:   %s, %zu check not passing\n",
                  "Last check:   %s, %zu checks not passing\n", bad),
               date, bad);
    } else {
        printf("%s\n", _("Last check:   never"));
    }
    lw_state_free(&s);
    return EXIT_DONE;
}

/* ---- rollback ---- */

static int
cmd_rollback(const struct opts *o, const struct lw_profile *prof)
{
    struct lw_setup_env env;
    struct lw_buf report = LW_BUF_INIT;
    struct lw_err err;
    enum lw_status st;
    int rc;

    memset(&env, 0, sizeof(env));
    env.root = o->root;
    env.state_path = o->state;
    env.profile = prof;
    env.run_nginx = root_is_slash(o->root);
    env.lock_wait_ms = 10000;
    lw_err_clear(&err);
    st = lw_setup_rollback(&env, &report, &err);
    if (st == LW_ERR_NOTFOUND) {
        /* Nothing to put back is "nothing to change", not a failure. */
        lw_buf_printf(&report, "%s\n",
                      _("Nothing to roll back: no run that changed files is "
                        "left (each rollback goes one run further back)."));
        st = LW_OK;
    }
    if (o->json) {
        json_t *j = st == LW_OK ? json_object() : json_error(&err);
        json_object_set_new(j, "report",
                            json_string(report.data != NULL ? report.data
                                                            : ""));
        json_print(j);
    } else {
        if (report.len > 0)
            fputs(report.data, stdout);
        if (st != LW_OK)
            print_error(&err);
    }
    rc = st == LW_OK ? EXIT_DONE : EXIT_FAILED;
    lw_buf_free(&report);
    return rc;
}

/* ---- the wizard ---- */

static int
run_wizard(const struct opts *o, const struct lw_profile *prof)
{
    struct lw_wizard_opts wo;
    struct lw_wizard_result res;
    const char *connect_to[MAX_RESOLVERS + 1];
    struct lw_err err;
    size_t i;

    for (i = 0; i < o->n_connect_to; i++)
        connect_to[i] = o->connect_to[i];
    connect_to[i] = NULL;
    memset(&wo, 0, sizeof(wo));
    wo.root = o->root;
    wo.state_path = o->state;
    wo.profile = prof;
    wo.ca_file = o->ca_file;
    wo.resolvers = o->resolvers;
    wo.n_resolvers = o->n_resolvers;
    wo.connect_to = connect_to;
    wo.timeout_ms = o->timeout_s * 1000;
    wo.no_color = o->no_color;
    wo.run_nginx = root_is_slash(o->root);
    lw_err_clear(&err);
    if (lw_wizard_run(&wo, &res, &err) != LW_OK) {
        print_error(&err);
        return EXIT_FAILED;
    }
    if (res.message[0] != '\0')
        fputs(res.message, res.end == LW_WIZARD_INTERRUPTED ? stderr : stdout);
    return res.end == LW_WIZARD_INTERRUPTED ? EXIT_FAILED : EXIT_DONE;
}

/* ---- check ---- */

static void
on_check_done(void *ud, struct lw_check_run *run)
{
    (void)run;
    lw_loop_stop(ud);
}

/* The check could not run: say why in the requested form; exit 3. */
static int
check_unusable(const struct opts *o, const struct lw_err *err)
{
    if (o->monitoring) {
        /* One line for the monitoring system, whatever happened. */
        printf("LINKWIZ UNKNOWN - %s\n", err->msg);
    } else if (o->json) {
        json_t *j = json_error(err);
        json_object_set_new(j, "status", json_string("unknown"));
        json_print(j);
    } else {
        print_error(err);
    }
    return EXIT_UNUSABLE;
}

/* Keep this run's results in the state, under the lock, on top of the
 * state as it is now (another run may have changed it meanwhile).  A
 * failure is a warning: the checks themselves ran. */
static void
save_check(const struct opts *o, const struct lw_check_run *run)
{
    struct lw_lock *lock = NULL;
    struct lw_state cur;
    struct lw_err err;

    lw_err_clear(&err);
    lw_state_init(&cur);
    if (lw_lock_acquire(o->state, 5000, &lock, &err) != LW_OK ||
        lw_state_load(o->state, &cur, &err) != LW_OK ||
        lw_report_store(run, &cur, time(NULL), &err) != LW_OK ||
        lw_state_save(o->state, &cur, &err) != LW_OK) {
        /* TRANSLATORS: state file path, then the reason. */
        fprintf(stderr, _("linkwiz: warning: the results were not saved in "
                          "%s: %s\n"),
                o->state, err.msg);
        if (err.hint[0] != '\0')
            fprintf(stderr, "%s\n", err.hint);
    }
    lw_state_free(&cur);
    lw_lock_release(lock);
}

static int
cmd_check(const struct opts *o, const struct lw_profile *prof)
{
    struct lw_dns_server servers[MAX_RESOLVERS];
    const char *connect_to[MAX_RESOLVERS + 1];
    struct lw_check_run *run = NULL;
    struct lw_loop *loop = NULL;
    struct lw_buf out = LW_BUF_INIT;
    struct lw_check_opts co;
    struct lw_state s;
    struct lw_err err;
    enum lw_status st;
    int rc;
    size_t i;

    lw_err_clear(&err);
    lw_state_init(&s);
    for (i = 0; i < o->n_resolvers; i++)
        if (lw_dns_server_parse(o->resolvers[i], &servers[i], &err) !=
            LW_OK) {
            lw_err_prefix(&err, "--resolver");
            rc = check_unusable(o, &err);
            goto done;
        }
    for (i = 0; i < o->n_connect_to; i++)
        connect_to[i] = o->connect_to[i];
    connect_to[i] = NULL;
    st = lw_state_load(o->state, &s, &err);
    if (st == LW_ERR_NOTFOUND)
        lw_err_hint(&err, "%s",
                    _("Nothing is set up yet: run `linkwiz` or `linkwiz "
                      "setup --answers FILE` first."));
    if (st == LW_OK && s.phase != LW_PHASE_INSTALLED) {
        lw_err_set(&err, LW_ERR_INPUT,
                   /* TRANSLATORS: %s is the domain. */
                   _("The setup of %s is not finished: it is waiting for the "
                     "certificate."),
                   s.config.domain);
        lw_err_hint(&err, "%s",
                    _("Add the signed certificate (`certificate:` in the "
                      "answers file, then `linkwiz setup --answers FILE`, or "
                      "run `linkwiz`), then check again."));
        st = LW_ERR_INPUT;
    }
    if (st != LW_OK) {
        rc = check_unusable(o, &err);
        goto done;
    }

    memset(&co, 0, sizeof(co));
    co.state = &s;
    co.profile = prof;
    co.root = o->root;
    co.resolvers = o->n_resolvers > 0 ? servers : NULL;
    co.n_resolvers = o->n_resolvers;
    co.connect_to = connect_to;
    co.ca_file = o->ca_file;
    co.timeout_ms = o->timeout_s * 1000;
    co.run_nginx = root_is_slash(o->root);
    if (lw_loop_new(&loop, &err) != LW_OK ||
        lw_check_start(loop, &co, NULL, on_check_done, loop, &run, &err) !=
            LW_OK ||
        lw_loop_run(loop, &err) != LW_OK) {
        rc = check_unusable(o, &err);
        goto done;
    }

    if (o->monitoring)
        st = lw_report_monitoring(run, &s, &out, &err);
    else if (o->json)
        st = lw_report_json(run, &s, &out, &err);
    else
        st = lw_report_text(run, &s, !o->no_color && isatty(STDOUT_FILENO),
                            &out, &err);
    if (st != LW_OK) {
        rc = check_unusable(o, &err);
        goto done;
    }
    fputs(out.data != NULL ? out.data : "", stdout);
    /* Out before the state is saved; the exit code tells the result. */
    (void)fflush(stdout);
    save_check(o, run);
    switch (lw_check_overall(run)) {
    case LW_CHECK_PASS:
    case LW_CHECK_SKIP:
        rc = EXIT_DONE;
        break;
    case LW_CHECK_WARN:
        rc = EXIT_WARNING;
        break;
    default:
        rc = EXIT_FAILED;
        break;
    }
done:
    lw_buf_free(&out);
    lw_check_free(run);
    lw_loop_free(loop);
    lw_state_free(&s);
    return rc;
}

int
main(int argc, char **argv)
{
    struct lw_profile *prof = NULL;
    struct lw_err err;
    struct opts o;
    int rc;

    lw_nls_init();
    rc = parse_opts(argc, argv, &o);
    if (rc >= 0)
        return rc;
    /* Machines read --json and --monitoring: every message in them (check
     * summaries, errors) is English, and dates are ISO 8601. */
    if (o.json || o.monitoring)
        lw_nls_machine();

    lw_err_clear(&err);
    if (lw_profile_load(o.profiles, &prof, &err) != LW_OK) {
        print_error(&err);
        return EXIT_UNUSABLE;
    }
    if (o.command == NULL) {
        if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
            fprintf(stderr, "%s\n",
                    _("linkwiz: the interactive wizard needs a terminal. "
                      "Use `linkwiz setup --answers FILE` to set up, or "
                      "`linkwiz check` to revalidate."));
            rc = EXIT_UNUSABLE;
        } else {
            rc = run_wizard(&o, prof);
        }
    } else if (strcmp(o.command, "setup") == 0) {
        rc = cmd_setup(&o, prof);
    } else if (strcmp(o.command, "show") == 0) {
        rc = cmd_show(&o, prof);
    } else if (strcmp(o.command, "rollback") == 0) {
        rc = cmd_rollback(&o, prof);
    } else {
        rc = cmd_check(&o, prof);
    }
    lw_profile_free(prof);
    return rc;
}
