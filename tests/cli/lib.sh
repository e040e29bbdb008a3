# lib.sh - TAP helpers for the CLI test scripts (POSIX sh; source it).
#
#   . "$TOP_SRCDIR/tests/cli/lib.sh"
#   t_ok "description"            ok N - description
#   t_not_ok "description"        not ok N - description
#   t_check "description" CMD...  ok when CMD exits 0
#   t_skip "description" REASON   ok N - description # SKIP REASON
#   t_diag TEXT... | t_diag_file FILE [LINES]   "# " diagnostic lines
#   t_run OUT CMD...              run CMD, stdout+stderr into OUT, $t_rc
#   t_skip_all REASON             "1..0 # SKIP REASON", exit 0
#   t_bail REASON                 "Bail out! REASON", plan, exit 1
#   t_done                        print the plan "1..N", exit 1 on failures
#
# The plan is printed at the end, so a script may decide its steps as it
# goes.  Results are counted in t_n (tests) and t_failed (failures).

# t_rc is read by the scripts that source this file.
# shellcheck disable=SC2034

t_n=0
t_failed=0
t_rc=0

# "# " before every line of the arguments (or of stdin when none).
t_diag() {
    if [ $# -gt 0 ]; then
        printf '%s\n' "$*" | sed 's/^/# /'
    else
        sed 's/^/# /'
    fi
}

# The last LINES (default 20) lines of FILE as diagnostics, with a title.
t_diag_file() {
    if [ -s "$1" ]; then
        printf '# --- %s (last %s lines)\n' "$1" "${2:-20}"
        tail -n "${2:-20}" "$1" | sed 's/^/#   /'
    else
        printf '# --- %s: empty or missing\n' "$1"
    fi
}

t_ok() {
    t_n=$((t_n + 1))
    printf 'ok %d - %s\n' "$t_n" "$1"
}

t_not_ok() {
    t_n=$((t_n + 1))
    t_failed=$((t_failed + 1))
    printf 'not ok %d - %s\n' "$t_n" "$1"
}

t_skip() {
    t_n=$((t_n + 1))
    printf 'ok %d - %s # SKIP %s\n' "$t_n" "$1" "$2"
}

# t_check DESC CMD...: one test, ok when CMD succeeds.  Returns CMD's verdict
# (0/1) so callers can add diagnostics on failure.
t_check() {
    _t_desc=$1
    shift
    if "$@"; then
        t_ok "$_t_desc"
        return 0
    fi
    t_not_ok "$_t_desc"
    return 1
}

# t_run OUT CMD...: run CMD with stdin from /dev/null, its stdout and stderr
# into OUT; the exit status in t_rc (the function itself always succeeds).
t_run() {
    _t_out=$1
    shift
    t_rc=0
    "$@" </dev/null >"$_t_out" 2>&1 || t_rc=$?
    return 0
}

t_skip_all() {
    printf '1..0 # SKIP %s\n' "$1"
    exit 0
}

t_bail() {
    printf 'Bail out! %s\n' "$1"
    t_not_ok "bail out: $1"
    printf '1..%d\n' "$t_n"
    exit 1
}

t_done() {
    printf '1..%d\n' "$t_n"
    [ "$t_failed" -eq 0 ]
    exit $?
}
