#!/bin/sh
# run-tests.sh - run test programs and scripts that speak TAP, show each
# result, and end with the one line CI reads: "N passed, N failed[, N skipped]".
#
#   run-tests.sh PROGRAM|SCRIPT.sh ...
#
# cmocka programs are run with CMOCKA_MESSAGE_OUTPUT=TAP; *.sh with sh.
# A program that exits non-zero without reporting a failure, or reports no
# result at all, counts as one failure.  Logs go to tests/logs/ in the
# current directory.  LW_RESULTS=FILE appends "passed failed skipped" there.
# LW_TEST_TIMEOUT (seconds, default 900) bounds each program.
set -u
logdir=tests/logs
mkdir -p "$logdir"
passed=0 failed=0 skipped=0
limit=${LW_TEST_TIMEOUT:-900}

for t in "$@"; do
    name=$(basename "$t")
    log="$logdir/$name.log"
    # LW_SKIP_PATTERN ("pat|pat|…" of shell patterns) skips matching
    # tests: distcheck uses it for the slow real-server scripts the main
    # run has just run.
    skip=""
    oldifs=$IFS
    IFS='|'
    set -f # the patterns are for case, not for file names
    for pat in ${LW_SKIP_PATTERN:-}; do
        # shellcheck disable=SC2254
        case "$name" in $pat) skip=yes ;; esac
    done
    set +f
    IFS=$oldifs
    if [ -n "$skip" ]; then
        echo "1..0 # SKIP not run here (LW_SKIP_PATTERN)" >"$log"
        rc=0
    else
    case "$t" in
    *.sh) CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 "$limit" sh "$t" >"$log" 2>&1 ;;
    *) CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 "$limit" "./$t" >"$log" 2>&1 ;;
    esac
    rc=$?
    fi
    # ok / not ok lines; "# SKIP" directives count as skipped.
    counts=$(awk -v name="$name" '
        /^1\.\.0.*# *[Ss][Kk][Ii][Pp]/ { s++; sub(/^1\.\.0 *# *[Ss][Kk][Ii][Pp] */, ""); print "SKIP: " name ": " $0 > "/dev/stderr"; next }
        /^not ok.*# *[Ss][Kk][Ii][Pp]/ { s++; sub(/^not ok[ 0-9]*-? */, ""); print "SKIP: " name ": " $0 > "/dev/stderr"; next }
        /^not ok/ { f++; sub(/^not ok[ 0-9]*-? */, ""); print "FAIL: " name ": " $0 > "/dev/stderr"; next }
        /^ok/ {
            if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) { s++; sub(/^ok[ 0-9]*-? */, ""); print "SKIP: " name ": " $0 > "/dev/stderr" }
            else p++
            next }
        END { printf "%d %d %d\n", p, f, s }' "$log")
    set -- $counts "$@"
    p=$1 f=$2 s=$3
    shift 3
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            echo "FAIL: $name: timed out after ${limit}s (see $log)" >&2
        else
            echo "FAIL: $name: exited with status $rc (see $log)" >&2
        fi
    fi
    if [ $((p + f + s)) -eq 0 ]; then
        f=1
        echo "FAIL: $name: reported no result (see $log)" >&2
    fi
    if [ "$f" -ne 0 ]; then
        echo "---- last lines of $log ----" >&2
        tail -n 25 "$log" >&2
        echo "----" >&2
    fi
    printf '%-28s %3d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

[ -n "${LW_RESULTS:-}" ] && echo "$passed $failed $skipped" >>"$LW_RESULTS"
if [ "$skipped" -ne 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
