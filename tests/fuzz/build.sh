#!/bin/sh
# tests/fuzz/build.sh - build the fuzz targets with clang and libFuzzer, and
# run them.  Called by `make fuzz`, `make fuzz-smoke` and `make fuzz-build`
# (tests/fuzz/fuzz.am), which pass the configure results in the
# environment; it also runs by hand from a configured build directory:
#
#   FUZZ_SRCDIR=/path/to/linkwiz FUZZ_BUILDDIR=. sh tests/fuzz/build.sh run
#
#   build.sh build        compile the core and every target into
#                         $FUZZ_BUILDDIR/fuzz/
#   build.sh run [T...]   build, then run each target (default: all) for
#                         $FUZZ_SECONDS seconds on its corpus copy in
#                         fuzz/corpus/<target>/ (seeded from
#                         tests/fuzz/corpus/<target>/)
#
# Environment: FUZZ_SRCDIR (top source dir), FUZZ_BUILDDIR (top build dir,
# for config.h), FUZZ_CC (clang), FUZZ_SECONDS (60), FUZZ_JOBS (1: targets
# run one after the other; libFuzzer itself uses one core), FUZZ_NICE (10),
# FUZZ_SOURCES (the core's .c files, relative to FUZZ_SRCDIR; default
# src/*.c but main.c), FUZZ_PKG_CFLAGS / FUZZ_PKG_LIBS (what configure
# found), FUZZ_CPPFLAGS, FUZZ_EXTRA (more libFuzzer options).
#
# Exit: 0 when every target ran its time without a finding; 1 when one
# crashed, leaked, timed out or broke an invariant (the input is kept as
# fuzz/crashes/<target>-crash-<sha1>; replay it with
# `fuzz/<target> fuzz/crashes/<file>`); 2 when the build failed.
set -u

srcdir=${FUZZ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${FUZZ_BUILDDIR:-.}
cc=${FUZZ_CC:-clang}
seconds=${FUZZ_SECONDS:-60}
niceness=${FUZZ_NICE:-10}
out=$builddir/fuzz
here=$srcdir/tests/fuzz

TARGETS="fuzz_domain fuzz_answers fuzz_profile fuzz_state fuzz_cert
 fuzz_key fuzz_nginx fuzz_yaml fuzz_dns fuzz_health"

# The same instrumentation for the core and the targets; the core gets
# fuzzer-no-link so only the targets bring libFuzzer's main().
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS_ALL="-std=gnu17 -g -O1 -fno-omit-frame-pointer $SAN
 -Wall -Wextra -Wno-unused-parameter"
# The quotes around the macro values are meant literally (C strings).
# shellcheck disable=SC2089
CPPFLAGS_ALL="-DHAVE_CONFIG_H -I$builddir -I$srcdir/include
 -I$srcdir/tests/fuzz -DLOCALEDIR=\"/nonexistent\"
 -DSYSCONFDIR=\"/etc\" ${FUZZ_CPPFLAGS:-}"
PKG_CFLAGS=${FUZZ_PKG_CFLAGS:-}
PKG_LIBS=${FUZZ_PKG_LIBS:-"-lcurl -lcares -lssl -lcrypto -lyaml -ljansson
 -lidn2 -lpsl"}

say() { printf 'fuzz: %s\n' "$*"; }

build() {
    if ! command -v "$cc" >/dev/null 2>&1; then
        say "$cc not found: install the Debian packages clang and" \
            "libclang-rt-14-dev" >&2
        return 2
    fi
    if [ ! -f "$builddir/config.h" ]; then
        say "no config.h in $builddir: run configure first" >&2
        return 2
    fi
    mkdir -p "$out/obj" || return 2
    if [ -n "${FUZZ_SOURCES:-}" ]; then
        sources=$FUZZ_SOURCES
    else
        sources=""
        for f in "$srcdir"/src/*.c; do
            sources="$sources src/${f##*/}"
        done
    fi
    objs=""
    for s in $sources; do
        case $s in *.c) ;; *) continue ;; esac
        [ "$s" = src/main.c ] && continue
        o=$out/obj/$(basename "$s" .c).o
        objs="$objs $o"
        # Rebuild when the source or any header is newer than the object.
        if [ -f "$o" ] && [ -z "$(find "$srcdir/$s" "$srcdir/include" \
                "$builddir/config.h" -newer "$o" 2>/dev/null | head -n 1)" ]
        then
            continue
        fi
        say "CC $s"
        # A module that does not compile (someone's work in progress) is
        # left out: the normal build reports it, and only a target that
        # needs it fails, at link time.
        # shellcheck disable=SC2086,SC2090
        if ! $cc $CPPFLAGS_ALL $PKG_CFLAGS $CFLAGS_ALL \
            -fsanitize=fuzzer-no-link -c "$srcdir/$s" -o "$o"; then
            say "$s does not compile; left out of the fuzz build" >&2
            rm -f "$o"
            objs=${objs% "$o"}
        fi
    done
    rm -f "$out/libcore.a"
    # shellcheck disable=SC2086
    ar rcs "$out/libcore.a" $objs || return 2
    for t in $TARGETS; do
        say "LD $t"
        # shellcheck disable=SC2086,SC2090
        $cc $CPPFLAGS_ALL $PKG_CFLAGS $CFLAGS_ALL -fsanitize=fuzzer \
            "$here/$t.c" "$out/libcore.a" $PKG_LIBS -o "$out/$t" || return 2
    done
    return 0
}

# Pull "stat::number_of_executed_units: N" out of libFuzzer's log.
execs_of() {
    sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1
}

run() {
    failed=""
    summary=$out/summary.txt
    : >"$summary"
    mkdir -p "$out/crashes" || return 2
    # Target names are words; split on purpose.
    # shellcheck disable=SC2048,SC2086
    for t in ${*:-$TARGETS}; do
        corpus=$out/corpus/$t
        mkdir -p "$corpus" || return 2
        # Seeds first; what earlier runs found stays (cp -n).
        if [ -d "$here/corpus/$t" ]; then
            cp -n "$here/corpus/$t"/* "$corpus"/ 2>/dev/null
        fi
        dict=""
        [ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
        say "run $t for ${seconds}s"
        # shellcheck disable=SC2086
        nice -n "$niceness" "$out/$t" -max_total_time="$seconds" \
            -rss_limit_mb=2048 -timeout=10 \
            -print_final_stats=1 -artifact_prefix="$out/crashes/$t-" \
            $dict ${FUZZ_EXTRA:-} "$corpus" >"$out/$t.log" 2>&1
        rc=$?
        n=$(execs_of "$out/$t.log")
        if [ $rc -eq 0 ]; then
            printf '%-14s ok    %10s executions in %ss\n' "$t" "${n:-?}" \
                "$seconds" | tee -a "$summary"
        else
            printf '%-14s FAIL  (exit %s) after %s executions; see %s\n' \
                "$t" "$rc" "${n:-?}" "$out/$t.log" | tee -a "$summary"
            grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant broken|.*runtime error)' \
                "$out/$t.log" | head -n 5
            failed="$failed $t"
        fi
    done
    if [ -n "$failed" ]; then
        say "findings in:$failed (inputs in $out/crashes/)"
        return 1
    fi
    return 0
}

cmd=${1:-run}
[ $# -gt 0 ] && shift
case $cmd in
build) build ;;
run) build || exit 2; run "$@" ;;
*) echo "usage: build.sh build | run [TARGET...]" >&2; exit 2 ;;
esac
