#!/bin/sh
# check-bench.sh - how long `linkwiz check` takes against slow servers,
# against asking the same questions by hand, one after the other, the way
# the provider's guide suggests (dig per resolver, openssl s_client, curl).
# Not a timed test: it prints figures and the targets of issue 3 beside
# them.  See tests/bench/README.
#
# In private mount, network and pid namespaces (tests/fixtures/check/
# lib-check.sh): 8 resolvers (tests/fixtures/dnsserver.py --delay-ms) and
# the zone's authoritative server, each answering after DELAY ms; an HTTPS
# endpoint for the link domain (and plain HTTP, and the provider's origin)
# that waits DELAY ms on every connection (tests/fixtures/check/
# https-delay.py); the setup itself made by `linkwiz setup` (nginx method;
# nginx is not started, the slow endpoint answers instead).
#
# Environment: LINKWIZ (default ./linkwiz), TOP_SRCDIR, LW_BENCH_DELAY_MS
# (300), LW_BENCH_AUTH_DELAY_MS (the authoritative server's; default the
# same), LW_BENCH_RUNS (5).  Needs root, unshare, nginx (for `nginx -t`),
# openssl, curl, dig, ip, python3; /usr/bin/time (or valgrind) for memory.
# Besides the overall figures it prints each check's median time and
# dns.authoritative apart: it needs two round trips in a row (a resolver
# names the zone's servers, then one of them answers), so its floor is
# the resolvers' delay plus the authoritative server's.
# Exit: 0 when it ran (whatever the figures), 1 when it could not measure,
# 77 when it cannot run here.
set -u

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
LINKWIZ=${LINKWIZ:-$(pwd)/linkwiz}
export TOP_SRCDIR LINKWIZ
. "$TOP_SRCDIR/tests/fixtures/check/lib-check.sh"

DELAY=${LW_BENCH_DELAY_MS:-300}
# The zone's authoritative server: as slow as the resolvers unless told.
AUTH_DELAY=${LW_BENCH_AUTH_DELAY_MS:-$DELAY}
RUNS=${LW_BENCH_RUNS:-5}
# The 8 resolvers; the first is also the system's (/etc/resolv.conf).
RESOLVERS="127.0.0.1 127.0.0.11 127.0.0.12 127.0.0.13 127.0.0.14 127.0.0.15
127.0.0.16 127.0.0.17"
AUTH=127.0.0.10

if [ "${1:-}" != --inside ]; then
    why=$(ck_missing unshare nginx openssl curl dig ip mount timeout python3)
    if [ -n "$why" ]; then
        echo "check-bench: cannot run: $why" >&2
        exit 77
    fi
    case $LINKWIZ in
    /*) ;;
    *) LINKWIZ=$(pwd)/$LINKWIZ ;;
    esac
    export LINKWIZ
    if [ ! -x "$LINKWIZ" ]; then
        echo "check-bench: $LINKWIZ not found (build it, or set LINKWIZ)" >&2
        exit 1
    fi
    ck_enter "$0" || {
        echo "check-bench: cannot run: $ck_why" >&2
        exit 77
    }
fi

# ---------------------------------------------------------------- inside

W=$2
ck_inside_env
trap ck_cleanup EXIT
trap 'exit 143' TERM INT HUP

die() {
    echo "check-bench: $*" >&2
    for _f in "$W"/*.log "$W"/*.err; do
        [ -s "$_f" ] && { echo "--- $_f" >&2; tail -n 15 "$_f" >&2; }
    done
    exit 1
}

# median N...: the middle value (the lower middle for an even count).
median() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
        END { print v[int((NR + 1) / 2)] }'
}

ck_world || die "could not set up the private namespace"
# Here the provider's origin is the slow endpoint on 127.0.0.2.
printf '%s\n' '127.0.0.1 localhost' '::1 localhost' \
    '127.0.0.2 track.customer.io track-eu.customer.io' >/etc/hosts
ck_make_ca && ck_leaf origin "track.customer.io,track-eu.customer.io" 3 ||
    die "could not make the test CA"

# linkwiz's setup: key, CSR, the CA signs, certificate installed.
cat >"$W/profiles.yaml" <<EOF
provider: Customer.io
health: { path: /health, body: "{}" }
resolvers: [$(echo $RESOLVERS | sed 's/ /, /g')]
regions:
  - { key: us, label: "United States", origin: track.customer.io,
      port: 8443, address: 127.0.0.2 }
EOF
answers() {
    {
        echo "domain: $D"
        echo "region: us"
        echo "method: nginx"
        echo "key: { type: rsa, bits: 2048 }"
        [ -n "${2:-}" ] && echo "certificate: $2"
        echo "nginx:"
        echo "  reload: false"
        echo "  addresses: [127.0.0.1]"
    } >"$1"
}
PROFILES="--profiles $W/profiles.yaml"
answers "$W/a1.yaml"
"$LINKWIZ" setup --answers "$W/a1.yaml" $PROFILES >"$W/setup1.log" 2>&1 ||
    die "linkwiz setup (key and CSR) failed"
ck_sign "/etc/pki/tls/certs/$D.csr" "$D" 5000 "$W/leaf.crt" &&
    cat "$W/leaf.crt" "$P/inter.crt" >"$W/chain.pem" ||
    die "could not sign the CSR"
answers "$W/a2.yaml" "$W/chain.pem"
"$LINKWIZ" setup --answers "$W/a2.yaml" $PROFILES >"$W/setup2.log" 2>&1 ||
    die "linkwiz setup with the certificate failed"

# The slow servers.
ck_zone "$W/zone.json" '[{"type": "A", "ttl": 300, "data": "127.0.0.1"}]' ||
    die "could not write the zone"
n=0
for r in $RESOLVERS; do
    n=$((n + 1))
    ck_dns_start "r$n" "$r:53" "$W/zone.json" --delay-ms "$DELAY" ||
        die "resolver $r did not start"
done
ck_dns_start auth "$AUTH:53" "$W/zone.json" --aa --delay-ms "$AUTH_DELAY" ||
    die "the authoritative server did not start"
"$PY" "$CK_FIX/https-delay.py" --delay-ms "$DELAY" \
    --tls "127.0.0.1:443:/etc/pki/tls/certs/$D.crt:/etc/pki/tls/private/$D.key" \
    --plain 127.0.0.1:80 \
    --tls "127.0.0.2:8443:$P/origin-chain.pem:$P/origin.key" \
    >"$W/https.log" 2>&1 &
CK_PIDS="$CK_PIDS $!"
wait_until grep -q ready "$W/https.log" || die "the HTTPS endpoint did not start"

CONNECT="--connect-to $D:443:127.0.0.1:443 --connect-to $D:80:127.0.0.1:80"
RARGS=
for r in $RESOLVERS; do
    RARGS="$RARGS --resolver $r"
done

# ------------------------------------------------- linkwiz check

# One run: wall ms in run_ms, peak RSS (kB) in run_kb when measurable.
run_check() {
    run_kb=
    _t0=$(now_ms)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v -o "$W/time.txt" "$LINKWIZ" check --json $PROFILES \
            $RARGS $CONNECT </dev/null >"$W/check.json" 2>"$W/check.err"
        run_rc=$?
        run_ms=$(($(now_ms) - _t0))
        run_kb=$(awk -F': *' '/Maximum resident set size/ { print $2 }' \
            "$W/time.txt")
    else
        "$LINKWIZ" check --json $PROFILES $RARGS $CONNECT </dev/null \
            >"$W/check.json" 2>"$W/check.err"
        run_rc=$?
        run_ms=$(($(now_ms) - _t0))
    fi
}

run_check # warm-up: page cache, the state's first save
[ "$run_rc" -le 2 ] || die "linkwiz check exited $run_rc: $(head -c 300 "$W/check.err")"
times=
peak_kb=0
: >"$W/times.all"
i=0
while [ $i -lt "$RUNS" ]; do
    run_check
    times="$times $run_ms"
    # "ID MS" per check, for the medians below.
    ckjson times "$W/check.json" 2>/dev/null |
        awk '{ print $1, $2 }' >>"$W/times.all"
    if [ -n "$run_kb" ] && [ "$run_kb" -gt "$peak_kb" ]; then
        peak_kb=$run_kb
    fi
    i=$((i + 1))
done
# shellcheck disable=SC2086
check_ms=$(median $times)
json_ms=$(ckjson get "$W/check.json" elapsed_ms 2>/dev/null)
json_status=$(ckjson get "$W/check.json" status 2>/dev/null)

# Peak memory without /usr/bin/time: massif (heap and stacks only).
mem_how="/usr/bin/time -v, maximum resident set size"
if [ "$peak_kb" = 0 ] && command -v valgrind >/dev/null 2>&1; then
    valgrind --tool=massif --stacks=yes --massif-out-file="$W/massif.out" \
        "$LINKWIZ" check --json --timeout 10 $PROFILES $RARGS $CONNECT \
        </dev/null >/dev/null 2>"$W/massif.err"
    peak_kb=$(awk -F= '/^mem_(heap|heap_extra|stacks)_B/ { s += $2 }
        /^snapshot/ { if (s > m) m = s; s = 0 }
        END { if (s > m) m = s; printf "%d", m / 1024 }' "$W/massif.out")
    mem_how="valgrind massif, heap + stacks"
fi

# Start-up: the same binary, no saved setup (exits 3 before any network).
mkdir -p "$W/empty"
st=
i=0
while [ $i -lt 5 ]; do
    _t0=$(now_ms)
    "$LINKWIZ" check --json --root "$W/empty" $PROFILES </dev/null \
        >/dev/null 2>&1
    st="$st $(($(now_ms) - _t0))"
    i=$((i + 1))
done
# shellcheck disable=SC2086
startup_ms=$(median $st)

# ------------------------------------------------- by hand, in sequence

by_hand() {
    for r in $RESOLVERS; do
        dig @"$r" +tries=1 +time=5 "$D" A || return 1
    done
    openssl s_client -connect 127.0.0.1:443 -servername "$D" \
        -verify_return_error </dev/null || return 1
    curl -sS --max-time 10 --connect-to "$D:443:127.0.0.1:443" \
        "https://$D/health" || return 1
}
hand=
i=0
while [ $i -lt 3 ]; do
    _t0=$(now_ms)
    by_hand >"$W/by-hand.log" 2>&1 || die "the manual baseline failed"
    hand="$hand $(($(now_ms) - _t0))"
    i=$((i + 1))
done
# shellcheck disable=SC2086
hand_ms=$(median $hand)

# ------------------------------------------------- figures

verdict() {
    if [ "$1" = 1 ]; then echo "meets the target"; else echo "MISSES the target"; fi
}
limit_ms=$((DELAY * 3 / 2 + startup_ms))
ratio=$(awk -v h="$hand_ms" -v c="$check_ms" 'BEGIN {
    if (c > 0) printf "%.1f", h / c; else print "inf" }')
ratio_ok=$(awk -v h="$hand_ms" -v c="$check_ms" \
    'BEGIN { print (h >= 5 * c) ? 1 : 0 }')
mem_mb=$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')

# line LABEL VALUE NOTE
line() {
    printf '%-38s %9s  %s\n' "$1" "$2" "$3"
}
echo "check-bench: 8 resolvers and the HTTPS endpoint answer after ${DELAY} ms,"
echo "the authoritative server after ${AUTH_DELAY} ms ($(uname -m), $(nproc) CPUs)"
echo
line "linkwiz check (median of $RUNS runs):" "${check_ms} ms" \
    "runs:$times; last: status $json_status, elapsed_ms $json_ms"
line "  target < 1.5 x ${DELAY} + start-up:" "${limit_ms} ms" \
    "$(verdict "$([ "$check_ms" -lt "$limit_ms" ] && echo 1)")"
line "  start-up (check, no saved setup):" "${startup_ms} ms" \
    "runs:$st"
line "by hand, in sequence (median of 3):" "${hand_ms} ms" \
    "runs:$hand; 8 x dig, openssl s_client, curl"
line "ratio by hand / linkwiz:" "${ratio}x" \
    "target >= 5x: $(verdict "$ratio_ok")"
if [ "$peak_kb" -gt 0 ]; then
    line "peak memory of linkwiz check:" "${mem_mb} MB" \
        "target < 20 MB: $(verdict "$([ "$peak_kb" -lt 20480 ] && echo 1)"); $mem_how"
else
    line "peak memory of linkwiz check:" "-" \
        "not measured (neither /usr/bin/time nor valgrind)"
fi

# dns.authoritative cannot start its last question before a resolver has
# named the zone's servers: two round trips in a row, whatever the
# engine does.  The other checks need one each.
floor_ms=$((DELAY + AUTH_DELAY))
# checkmed ID: the median of ID's times over the runs.
checkmed() {
    # shellcheck disable=SC2046
    median $(awk -v id="$1" '$1 == id { print $2 }' "$W/times.all")
}
auth_med=$(checkmed dns.authoritative)
rest_med=0
rest_id=-
# shellcheck disable=SC2013 # check ids are words
for _id in $(awk '{ print $1 }' "$W/times.all" | sort -u); do
    [ "$_id" = dns.authoritative ] && continue
    _m=$(checkmed "$_id")
    if [ "$_m" -gt "$rest_med" ]; then
        rest_med=$_m
        rest_id=$_id
    fi
done
line "dns.authoritative (median):" "${auth_med} ms" \
    "two round trips in a row: at least ${DELAY} + ${AUTH_DELAY} = ${floor_ms} ms"
line "slowest other check (median):" "${rest_med} ms" \
    "$rest_id; < 1.5 x ${DELAY} + start-up: $(verdict "$([ "$rest_med" -lt "$limit_ms" ] && echo 1)")"
echo
echo "each check, median of $RUNS runs (ms from the start of the run):"
# shellcheck disable=SC2013 # check ids are words
for _id in $(awk '{ print $1 }' "$W/times.all" | sort -u); do
    printf '%s %s\n' "$(checkmed "$_id")" "$_id"
done | sort -rn | awk '{ printf "  %-18s %6s ms\n", $2, $1 }'
echo
echo "last run, slowest checks first:"
ckjson times "$W/check.json" 2>&1 | sed 's/^/  /'
if [ "$json_status" != ok ]; then
    echo
    echo "not every check passed in the last run (the figures may not compare):"
    ckjson table "$W/check.json" 2>&1 | sed 's/^/  /'
fi
exit 0
