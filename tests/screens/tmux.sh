# tmux.sh - drive the real linkwiz in a private tmux server at 80x24 for
# the screen tests (sourced, after tests/cli/tap.sh).
#
#   tm ARGS...              tmux on this test's own socket
#   tm_start                a pane with a plain sh (prompt "lwtest$ ")
#   tm_run CMD              type CMD and Enter at that prompt
#   tm_keys KEYS...         tmux send-keys
#   tm_screen [FILE]        the pane's text (default $T/screen)
#   tm_wait TEXT [SECONDS]  until the pane shows TEXT (fixed string);
#                           1 after SECONDS (default 10)
#   tm_golden NAME          compare the pane with golden/NAME.txt after
#                           masking dates, stamps, fingerprints and the
#                           temp dir; LW_GOLDEN_UPDATE=1 rewrites it
#
# Golden files live in $TOP_SRCDIR/tests/screens/golden.
TM_SOCK=lwtest-$$
GOLDEN=$TOP_SRCDIR/tests/screens/golden

tm() { tmux -L "$TM_SOCK" -f /dev/null "$@"; }

tm_cleanup() {
    tm kill-server 2>/dev/null
    rm -rf "$T"
}
trap tm_cleanup EXIT

tm_start() {
    tm kill-server 2>/dev/null
    # A bare environment: the locale and colours are the test's choice.
    tm new-session -d -x 80 -y 24 -s w \
        "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$T TERM=xterm-256color LANG=${TM_LANG:-C.UTF-8} ${TM_ENV:-} LINKWIZ_LOCALEDIR=${LINKWIZ_LOCALEDIR:-} PS1='lwtest\$ ' sh"
    tm set-option -g status off >/dev/null
    tm_wait 'lwtest$' 5
}

tm_run() { tm send-keys -t w -l "$1"; tm send-keys -t w Enter; }
tm_keys() { tm send-keys -t w "$@"; }
tm_screen() { tm capture-pane -p -t w >"${1:-$T/screen}"; }

tm_wait() {
    _n=0
    _max=$(( ${2:-10} * 10 ))
    while [ "$_n" -lt "$_max" ]; do
        tm_screen
        grep -qF -- "$1" "$T/screen" && return 0
        sleep 0.1
        _n=$((_n + 1))
    done
    return 1
}

# Show the pane as TAP diagnostics (after a failure).
tm_diag() { sed 's/^/#   | /' "$T/screen"; }

# ok when the pane shows TEXT within SECONDS; shows the pane otherwise.
screen_has() {
    if tm_wait "$2" "${3:-10}"; then ok "$1"; else not_ok "$1"; tm_diag; fi
}

tm_mask() {
    sed -e "s|$T|<T>|g" \
        -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]/YYYY-MM-DD/g' \
        -e 's/[0-9]\{8\}T[0-9]\{6\}Z/YYYYMMDDTHHMMSSZ/g' \
        -e 's/\([0-9A-F][0-9A-F]:\)\{7,\}[0-9A-F][0-9A-F]/<FINGERPRINT>/g' \
        -e 's/([0-9]* days\{0,1\} left)/(N days left)/g' \
        -e 's/[0-9]* checks\{0,1\} not passing/N checks not passing/' \
        -e 's/ *$//'
}

tm_golden() {
    tm_screen
    tm_mask <"$T/screen" >"$T/golden.$1"
    if [ "${LW_GOLDEN_UPDATE:-0}" = 1 ]; then
        mkdir -p "$GOLDEN"
        cp "$T/golden.$1" "$GOLDEN/$1.txt"
        ok "golden $1 (rewritten)"
        return
    fi
    if [ ! -f "$GOLDEN/$1.txt" ]; then
        not_ok "golden $1: $GOLDEN/$1.txt is missing (LW_GOLDEN_UPDATE=1 makes it)"
        return
    fi
    if diff -u "$GOLDEN/$1.txt" "$T/golden.$1" >"$T/golden.diff"; then
        ok "golden $1"
    else
        not_ok "golden $1 differs (LW_GOLDEN_UPDATE=1 rewrites it)"
        sed 's/^/#   /' "$T/golden.diff"
    fi
}
