#!/bin/sh
# tools/valgrind.sh - valgrind memcheck over the unit test programs and the
# linkwiz runs of the CLI tests.  Run from a configured build directory in
# which `make linkwiz` and the unit tests are built (not a sanitizer
# build: ASan and valgrind do not mix):
#
#   sh tools/valgrind.sh                  all unit tests + the CLI scripts
#   sh tools/valgrind.sh test_buf ...     only these unit tests
#   VG_CLI=0 sh tools/valgrind.sh         unit tests only
#   VG_UNIT=0 sh tools/valgrind.sh        CLI scripts only
#
# Every program runs under
#   valgrind --error-exitcode=99 --leak-check=full
#            --errors-for-leak-kinds=definite --track-origins=yes
# with tests/valgrind.supp.  For the CLI scripts, LINKWIZ is a wrapper
# that execs valgrind on the real binary and logs each run to its own
# file.  Memory errors and definite leaks fail; "still reachable" blocks
# (library globals at exit) do not.
#
# Environment: TOP_SRCDIR (default: this script's ..), TOP_BUILDDIR
# (default: .), VG_LOGDIR (default: tests/logs/valgrind), VG_CLI (1),
# VG_CLI_TESTS (default: cli-basic.sh setup-root.sh hygiene.sh; the
# wizard, tmux and e2e scripts are too slow under valgrind), VG_NO_ORIGINS
# (unit tests run without --track-origins because of their time limits;
# default: test_http test_check), VALGRIND.
#
# Prints one line per program ("name: N errors, N definitely lost
# bytes"), then a summary; exits 1 when anything is not clean, 2 when
# valgrind or a program is missing.
# vgopts and the counts are lists of words on purpose (unquoted):
# shellcheck disable=SC2086,SC2046,SC2116
set -u

srcdir=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=$(cd "${TOP_BUILDDIR:-.}" && pwd)
logdir=${VG_LOGDIR:-$builddir/tests/logs/valgrind}
valgrind=${VALGRIND:-valgrind}
cli=${VG_CLI:-1}
cli_tests=${VG_CLI_TESTS:-"cli-basic.sh setup-root.sh hygiene.sh"}
no_origins=${VG_NO_ORIGINS:-"test_http test_check"}
supp=$srcdir/tests/valgrind.supp

command -v "$valgrind" >/dev/null 2>&1 || {
    echo "valgrind.sh: $valgrind not found (apt-get install valgrind)" >&2
    exit 2
}
[ -x "$builddir/linkwiz" ] || {
    echo "valgrind.sh: no $builddir/linkwiz: build it first" >&2
    exit 2
}
mkdir -p "$logdir" || exit 2
rm -f "$logdir"/*.log

vgopts="--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
 --track-origins=yes --show-leak-kinds=definite --num-callers=30
 --child-silent-after-fork=yes"
[ -f "$supp" ] && vgopts="$vgopts --suppressions=$supp"

bad=0

# summarize LOG...: "E errors, L definitely lost bytes" over the logs, and
# bad=1 when either is not zero.
summarize() {
    awk '
        /ERROR SUMMARY:/ { for (i = 1; i <= NF; i++)
                               if ($i == "SUMMARY:") e += $(i + 1) }
        /definitely lost:/ { v = $4; gsub(",", "", v); l += v }
        END { printf "%d %d\n", e, l }' "$@"
}

report() {
    name=$1
    shift
    set -- $(summarize "$@")
    printf '%-28s %d errors, %d definitely lost bytes\n' "$name" "$1" "$2"
    if [ "$1" -ne 0 ] || [ "$2" -ne 0 ]; then
        bad=1
    fi
}

# ---------------------------------------------------------------- unit
if [ $# -gt 0 ]; then
    units=$*
elif [ "${VG_UNIT:-1}" = 0 ]; then
    units=
else
    units=$(sed -n '/^UNIT_TESTS = /,/^$/p' "$srcdir/Makefile.am" |
        grep -o 'tests/unit/test_[a-z0-9_]*' | sed 's|tests/unit/||')
fi
for u in $units; do
    prog=$builddir/tests/unit/$u
    if [ ! -x "$prog" ]; then
        echo "valgrind.sh: $prog not built" >&2
        bad=2
        continue
    fi
    log=$logdir/$u.log
    rc=0
    # Tests with time limits (a TLS handshake, a 4 s check deadline) miss
    # them with --track-origins, which doubles valgrind's cost; without it
    # every error and leak is still found, only the origin of an
    # uninitialised value is not named.
    opts=$vgopts
    case " $no_origins " in
    *" $u "*) opts=$(echo $vgopts | sed 's/--track-origins=yes//') ;;
    esac
    # Children (test_proc runs /bin/true and friends) are not traced:
    # they are not our code.
    (cd "$builddir" && CMOCKA_MESSAGE_OUTPUT=TAP \
        LINKWIZ_LOCALEDIR="$builddir/po/locale" \
        TOP_SRCDIR="$srcdir" TOP_BUILDDIR="$builddir" \
        $valgrind $opts --log-file="$log" "$prog") \
        >"$logdir/$u.tap" 2>&1 || rc=$?
    # A test that fails under valgrind (a time limit met at native speed
    # but not at valgrind's) is cut short by cmocka: what it had allocated
    # then shows as lost.  Say so, next to the counts.
    if grep -q '^not ok' "$logdir/$u.tap"; then
        echo "$u: the test itself failed under valgrind; leaks below may" \
            "come from the aborted test:"
        grep -A2 '^not ok' "$logdir/$u.tap" | sed 's/^/    /'
        bad=1
    elif [ "$rc" -ne 0 ] && [ "$rc" -ne 99 ]; then
        echo "$u: the test program failed (status $rc): see $logdir/$u.tap"
        bad=1
    fi
    report "$u" "$log"
done

# ---------------------------------------------------------------- CLI
if [ "$cli" = 1 ] && [ $# -eq 0 ]; then
    wrap=$logdir/linkwiz-vg
    # One log per run (%p): a failing run is easy to find.
    cat >"$wrap" <<EOF
#!/bin/sh
exec $valgrind $(echo $vgopts) --log-file=$logdir/cli.%q{VG_TEST}.%p.log \\
    "$builddir/linkwiz" "\$@"
EOF
    chmod 755 "$wrap"
    for t in $cli_tests; do
        script=$srcdir/tests/cli/$t
        [ -f "$script" ] || { echo "valgrind.sh: no $script" >&2; bad=2; continue; }
        rc=0
        (cd "$builddir" && VG_TEST=${t%.sh} LINKWIZ=$wrap \
            LINKWIZ_REAL="$builddir/linkwiz" \
            LINKWIZ_LOCALEDIR="$builddir/po/locale" \
            TOP_SRCDIR="$srcdir" TOP_BUILDDIR="$builddir" \
            sh "$script") >"$logdir/cli.$t.tap" 2>&1 || rc=$?
        if [ "$rc" -ne 0 ]; then
            echo "$t: the script failed (status $rc): see $logdir/cli.$t.tap"
            grep '^not ok' "$logdir/cli.$t.tap" | sed 's/^/    /'
            bad=1
        fi
        set -- "$logdir"/cli."${t%.sh}".*.log
        if [ -f "$1" ]; then
            report "$t ($# runs)" "$@"
            grep -l 'ERROR SUMMARY: [1-9]\|definitely lost: [1-9]' "$@" |
                sed 's/^/    not clean: /'
        else
            echo "$t: no linkwiz run was logged"
            bad=1
        fi
    done
fi

if [ "$bad" -eq 0 ]; then
    echo "valgrind: clean (logs in $logdir)"
else
    echo "valgrind: NOT clean (logs in $logdir)"
fi
[ "$bad" -eq 2 ] && exit 2
[ "$bad" -eq 0 ]
