#!/bin/sh
# tools/lint.sh - static analysis of the tree: cppcheck, then clang-tidy,
# with the committed configuration (.cppcheck-suppressions, .clang-tidy).
# Run by `make lint` (tests/fuzz/fuzz.am) from a configured build
# directory, which passes the include flags; by hand:
#
#   sh tools/lint.sh                      every .c under src/ and ui/
#   sh tools/lint.sh src/state.c ui/x.c   only these (paths from the top)
#
# Environment: LINT_SRCDIR (top source dir; default: this script's ..),
# LINT_BUILDDIR (where config.h is; default .), LINT_CPPFLAGS (-D/-I
# flags; default: what a build directory needs), CPPCHECK, CLANG_TIDY,
# LINT_JOBS (clang-tidy processes; default 1), LINT_TOOLS ("cppcheck
# clang-tidy", or one of them).
#
# Prints each finding as file:line: message [check], then one summary
# line per tool; exits 1 when there is any finding, 2 when a tool is
# missing.
set -u

srcdir=${LINT_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${LINT_BUILDDIR:-.}
cppcheck=${CPPCHECK:-cppcheck}
tidy=${CLANG_TIDY:-clang-tidy}
jobs=${LINT_JOBS:-1}
tools=${LINT_TOOLS:-"cppcheck clang-tidy"}
cppflags=${LINT_CPPFLAGS:-"-DHAVE_CONFIG_H -I$builddir -I$srcdir/include
 -DLOCALEDIR=\"/nonexistent\" -DSYSCONFDIR=\"/etc\""}

cd "$srcdir" || exit 2
if [ $# -gt 0 ]; then
    files=$*
else
    files=$(ls src/*.c ui/*.c 2>/dev/null)
fi
if [ ! -f "$builddir/config.h" ]; then
    echo "lint: no config.h in $builddir: run configure and make first," \
        "or set LINT_BUILDDIR" >&2
    exit 2
fi

status=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lw-lint-XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM

for tool in $tools; do
    case $tool in
    cppcheck)
        if ! command -v "$cppcheck" >/dev/null 2>&1; then
            echo "lint: $cppcheck not found (apt-get install cppcheck)" >&2
            exit 2
        fi
        # Only -D and -I: cppcheck does not take compiler options.
        cflags=$(for f in $cppflags; do
            case $f in -D*|-I*) printf '%s\n' "$f" ;; esac
        done)
        # shellcheck disable=SC2086
        "$cppcheck" -q --std=c11 --language=c \
            --enable=warning,style,performance,portability \
            --inline-suppr --suppressions-list=.cppcheck-suppressions \
            --error-exitcode=1 -j "$jobs" \
            --template='{file}:{line}: {severity}: {message} [{id}]' \
            $cflags $files 2>"$tmp/cppcheck"
        rc=$?
        cat "$tmp/cppcheck"
        n=$(grep -c '\[[A-Za-z0-9_]*\]$' "$tmp/cppcheck")
        echo "lint: cppcheck: $n findings"
        [ $rc -ne 0 ] || [ "$n" -ne 0 ] && status=1
        ;;
    clang-tidy)
        if ! command -v "$tidy" >/dev/null 2>&1; then
            echo "lint: $tidy not found (apt-get install clang-tidy)" >&2
            exit 2
        fi
        # One file per process; -quiet keeps only the findings.  The
        # flags go through the environment and are split there, unquoted,
        # so -DLOCALEDIR="/x" keeps its quotes.
        # shellcheck disable=SC2086,SC2016
        printf '%s\n' $files | LW_LINT_FLAGS=$cppflags \
            xargs -P "$jobs" -I{} sh -c \
            '"$0" -quiet --config-file=.clang-tidy "$1" -- -std=gnu17 \
                $LW_LINT_FLAGS >"$2/tidy.$(echo "$1" | tr / _)" 2>&1 || true' \
            "$tidy" {} "$tmp"
        cat "$tmp"/tidy.* 2>/dev/null |
            grep -E '(warning|error):' | sort -u >"$tmp/tidy"
        cat "$tmp/tidy"
        n=$(grep -c . "$tmp/tidy")
        echo "lint: clang-tidy: $n findings"
        [ "$n" -ne 0 ] && status=1
        ;;
    *)
        echo "lint: unknown tool $tool" >&2
        exit 2
        ;;
    esac
done
exit $status
