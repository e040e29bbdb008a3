#!/bin/sh
# hostile.sh - `linkwiz check --json --timeout 2` against hostile network
# peers (issue 7): DNS that answers garbage, truncated (UDP TC, the whole
# answer over TCP), oversized (400 A records, > 4 KiB over TCP) or a CNAME
# loop; HTTPS that stalls after the handshake, sends an endless body, sends
# terminal escape sequences and control characters in the status line,
# headers and body, or presents a 20-certificate chain.
#
# Each run must finish in under 2 x timeout + 2 s, with a maximum RSS under
# 50 MB (/usr/bin/time -v; LW_HOSTILE_RSS_KB for sanitizer builds), exit 1
# or 2 (never >= 128, never a hang), and
# give the relevant check a clear status with a readable one-line summary;
# no string of the output holds a control character
# (tests/fixtures/hostile/verdict.py), and for the escapes no ESC, BEL or
# 0x9b byte reaches stdout or stderr, in --json and text mode.
#
# Private mount, network and pid namespaces (the approach of
# tests/fixtures/check/lib-check.sh): loopback only, a private
# /etc/resolv.conf and /etc/hosts, everything under --root in a tmpfs.  The
# setup is made by `linkwiz setup --root` with a test CA (trusted through
# --ca-file); --connect-to sends the link domain's HTTPS/HTTP and the
# origin to the servers of tests/fixtures/hostile/hostile-http.py; DNS is
# tests/fixtures/dnsserver.py on 127.0.0.1 (resolver) and 127.0.0.10
# (ns1.example.com).
#
# Needs root, unshare, ip, openssl, python3, /usr/bin/time; otherwise
# skipped.  TAP on stdout.

set -u
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
LINKWIZ=${LINKWIZ:-$TOP_BUILDDIR/linkwiz}
export TOP_SRCDIR TOP_BUILDDIR LINKWIZ
. "$TOP_SRCDIR/tests/cli/lib.sh"

HFIX=$TOP_SRCDIR/tests/fixtures/hostile
CFIX=$TOP_SRCDIR/tests/fixtures/check
DNSSERVER=$TOP_SRCDIR/tests/fixtures/dnsserver.py
D=link.example.com
TIMEOUT=2
BOUND_MS=$((2 * TIMEOUT * 1000 + 2000))
# A sanitizer build needs more (LW_HOSTILE_RSS_KB raises the bound).
RSS_KB=${LW_HOSTILE_RSS_KB:-51200}
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

# ---------------------------------------------------------------- outside

if [ "${1:-}" != --inside ]; then
    [ "$(id -u)" = 0 ] || t_skip_all "needs root (network namespace)"
    for c in unshare ip openssl mount timeout; do
        PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null 2>&1 ||
            t_skip_all "$c not found"
    done
    [ -x /usr/bin/time ] || t_skip_all "/usr/bin/time not found"
    "$PY" -c 'import ssl' 2>/dev/null || t_skip_all "python3 with ssl"
    [ -x "$LINKWIZ" ] || t_bail "linkwiz binary $LINKWIZ: not found"
    W=$(mktemp -d /tmp/lw-hostile.XXXXXX) || t_bail "mktemp failed"
    ns="--mount --net --pid --fork --mount-proc --kill-child"
    unshare $ns true 2>/dev/null || ns="--mount --net --fork"
    unshare $ns true 2>/dev/null || { rmdir "$W"; t_skip_all "unshare failed"; }
    PATH=$PATH:/usr/sbin:/sbin unshare $ns sh "$0" --inside "$W" &
    upid=$!
    trap 'kill -KILL $upid 2>/dev/null; wait $upid; rmdir "$W"; exit 143' \
        TERM INT HUP
    rc=0
    wait $upid || rc=$?
    rmdir "$W" 2>/dev/null
    exit "$rc"
fi

# ---------------------------------------------------------------- inside

W=$2
export LC_ALL=C
unset LANGUAGE LANG http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY \
    all_proxy no_proxy NO_PROXY SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE \
    NO_COLOR 2>/dev/null || true
PIDS=
cleanup() {
    trap - EXIT
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    sleep 0.2
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# wait_until CMD...: retry every 0.1 s for at most 5 s.
wait_until() {
    _i=0
    while [ $_i -lt 50 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        _i=$((_i + 1))
    done
    return 1
}

world() {
    mount --make-rprivate / &&
        mount -t tmpfs -o mode=0700 lw-hostile "$W" &&
        ip link set lo up &&
        ip addr add 192.0.2.1/32 dev lo &&
        echo "nameserver 127.0.0.1" >"$W/resolv.conf" &&
        printf '127.0.0.1 localhost\n::1 localhost\n' >"$W/hosts" &&
        mount --bind "$W/resolv.conf" /etc/resolv.conf &&
        mount --bind "$W/hosts" /etc/hosts
}
world || t_bail "could not set up the private namespace"
t_ok "private mount, network and pid namespaces"

# ------------------------------------------------------------ test PKI

P=$W/pki
R=$W/root
mkdir -p "$P" "$R"
export CADIR=$P SAN=DNS:unused.invalid
CNF=$CFIX/ca.cnf
ossl() { openssl "$@" >>"$W/openssl.log" 2>&1; }
newkey() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
# sign CSR SAN-NAME CA-CRT CA-KEY SERIAL EXT OUT
sign() {
    SAN=DNS:$2 ossl x509 -req -in "$1" -CA "$3" -CAkey "$4" -set_serial "$5" \
        -days 30 -sha256 -extfile "$CNF" -extensions "$6" -out "$7"
}
# ca NAME SUBJECT [PARENT]: a CA certificate (self-signed without PARENT).
ca() {
    newkey "$P/$1.key" || return 1
    if [ -z "${3:-}" ]; then
        ossl req -new -x509 -config "$CNF" -extensions v3_root \
            -key "$P/$1.key" -subj "/CN=$2" -days 30 -sha256 -out "$P/$1.crt"
    else
        ossl req -new -config "$CNF" -key "$P/$1.key" -subj "/CN=$2" \
            -out "$P/$1.csr" &&
            SAN=DNS:unused.invalid ossl x509 -req -in "$P/$1.csr" \
                -CA "$P/$3.crt" -CAkey "$P/$3.key" -set_serial "$4" \
                -days 30 -sha256 -extfile "$CNF" -extensions v3_root \
                -out "$P/$1.crt"
    fi
}
if ca root "hostile test root" && ca inter "hostile test intermediate" root 2 &&
    newkey "$P/origin.key" &&
    ossl req -new -config "$CNF" -key "$P/origin.key" \
        -subj /CN=track.customer.io -out "$P/origin.csr" &&
    sign "$P/origin.csr" track.customer.io "$P/inter.crt" "$P/inter.key" 3 \
        v3_leaf "$P/origin.crt" &&
    cat "$P/origin.crt" "$P/inter.crt" >"$P/origin-chain.pem"; then
    t_ok "test CA (root, intermediate) and the origin's certificate"
else
    t_diag_file "$W/openssl.log"
    t_bail "could not make the test CA"
fi
CA="--ca-file $P/root.crt"

# ------------------------------------------------------- linkwiz setup

sed 's/^resolvers:.*/resolvers: [127.0.0.1]/' "$CFIX/profiles.yaml" \
    >"$W/profiles.yaml"
PROFILES="--profiles $W/profiles.yaml"
answers() {
    {
        echo "domain: $D"
        echo "region: us"
        echo "method: nginx"
        echo "key: { type: ec, curve: p256 }"
        [ -n "${2:-}" ] && echo "certificate: $2"
        echo "nginx:"
        echo "  addresses: [127.0.0.1]"
    } >"$1"
}
answers "$W/a1.yaml"
t_run "$W/setup1" "$LINKWIZ" --root "$R" setup --answers "$W/a1.yaml" $PROFILES
KEY=$R/etc/pki/tls/private/$D.key
CSR=$R/etc/pki/tls/certs/$D.csr
if [ "$t_rc" = 0 ] && [ -f "$CSR" ] &&
    sign "$CSR" "$D" "$P/inter.crt" "$P/inter.key" 10 v3_leaf "$P/link.crt" &&
    cat "$P/link.crt" "$P/inter.crt" >"$P/link-chain.pem"; then
    answers "$W/a2.yaml" "$P/link-chain.pem"
    t_run "$W/setup2" "$LINKWIZ" --root "$R" $CA setup \
        --answers "$W/a2.yaml" $PROFILES
else
    t_rc=1
fi
if [ "$t_rc" = 0 ]; then
    t_ok "linkwiz setup --root: key, CSR, certificate from the test CA"
else
    t_diag_file "$W/setup1"
    t_diag_file "$W/setup2"
    t_bail "linkwiz setup failed"
fi

# A 20-certificate chain for linkwiz's key: an untrusted root, 18
# intermediates, the leaf (served: leaf + 18 intermediates + root).
_ok=1
ca c0 "chain20 root" || _ok=0
i=1
while [ $i -le 18 ] && [ $_ok = 1 ]; do
    ca "c$i" "chain20 intermediate $i" "c$((i - 1))" $((100 + i)) || _ok=0
    i=$((i + 1))
done
if [ $_ok = 1 ] &&
    sign "$CSR" "$D" "$P/c18.crt" "$P/c18.key" 200 v3_leaf "$P/c-leaf.crt"; then
    {
        cat "$P/c-leaf.crt"
        i=18
        while [ $i -ge 0 ]; do cat "$P/c$i.crt"; i=$((i - 1)); done
    } >"$P/chain20.pem"
fi
if [ "$(grep -c 'BEGIN CERTIFICATE' "$P/chain20.pem" 2>/dev/null)" = 20 ]; then
    t_ok "a 20-certificate chain for linkwiz's key"
else
    t_not_ok "a 20-certificate chain for linkwiz's key"
    t_diag_file "$W/openssl.log"
fi

# -------------------------------------------------------------- servers

# zone FILE LINK-RECORDS [EXTRA]: example.com with ns1 on 127.0.0.10, the
# origin, and LINK-RECORDS (a JSON list) at the link domain.
zone() {
    {
        echo '{'
        echo '"example.com.": [{"type": "SOA", "data": "ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300"},'
        echo '    {"type": "NS", "data": "ns1.example.com."}],'
        echo '"ns1.example.com.": [{"type": "A", "data": "127.0.0.10"}],'
        echo '"customer.io.": [{"type": "SOA", "data": "ns1.customer.io. hostmaster.customer.io. 1 3600 600 86400 300"}],'
        echo '"track.customer.io.": [{"type": "A", "data": "127.0.0.1"}]'
        [ -n "${3:-}" ] && printf ',%s\n' "$3"
        printf ',"%s.": %s\n' "$D" "$2"
        echo '}'
    } >"$1"
    "$PY" -c 'import json, sys; json.load(open(sys.argv[1]))' "$1"
}
Z=$W/zones
mkdir -p "$Z"
zone "$Z/good.json" '[{"type": "A", "data": "127.0.0.1"}]' &&
    zone "$Z/loop.json" '[{"type": "CNAME", "data": "loop.example.com."}]' \
        '"loop.example.com.": [{"type": "CNAME", "data": "link.example.com."}]' &&
    zone "$Z/big.json" "$("$PY" -c '
import json
print(json.dumps([{"type": "A", "data": "10.1.%d.%d" % (i // 250, i % 250 + 1)}
                  for i in range(400)]))')" ||
    t_bail "could not write the zone files"

# start NAME CMD...: a server in the background, waits for "ready".
start() {
    _n=$1
    shift
    stop "$_n"
    "$@" >"$W/$_n.log" 2>&1 &
    echo $! >"$W/$_n.pid"
    PIDS="$PIDS $!"
    wait_until grep -q ready "$W/$_n.log"
}
stop() {
    [ -f "$W/$1.pid" ] || return 0
    _p=$(cat "$W/$1.pid")
    kill "$_p" 2>/dev/null
    _i=0
    while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do
        sleep 0.05
        _i=$((_i + 1))
    done
    kill -9 "$_p" 2>/dev/null
    wait "$_p" 2>/dev/null
    rm -f "$W/$1.pid"
}
# dns ZONE [OPTIONS]: the resolver and ns1.example.com, both from ZONE.
dns() {
    _z=$1
    shift
    start dns-r "$PY" "$DNSSERVER" --listen 127.0.0.1:53 --zone "$_z" "$@" &&
        start dns-a "$PY" "$DNSSERVER" --listen 127.0.0.10:53 --zone "$_z" \
            --aa "$@"
}
# web MODE [CHAIN]: the link domain's HTTPS (4443) and HTTP (8080).
web() {
    start web "$PY" "$HFIX/hostile-http.py" --mode "$1" \
        --tls "127.0.0.1:4443:${2:-$P/link-chain.pem}:$KEY" \
        --plain 127.0.0.1:8080
}

if dns "$Z/good.json" && web good &&
    start origin "$PY" "$HFIX/hostile-http.py" --mode good \
        --tls "127.0.0.1:8443:$P/origin-chain.pem:$P/origin.key"; then
    t_ok "servers: DNS (dnsserver.py), link domain and origin (hostile-http.py)"
else
    for f in "$W"/*.log; do t_diag_file "$f" 5; done
    t_bail "the servers did not start"
fi

# ------------------------------------------------------------ the runs

CONNECT="--connect-to $D:443:127.0.0.1:4443 --connect-to $D:80:127.0.0.1:8080
    --connect-to track.customer.io:8443:127.0.0.1:8443"

# run OUT [ARGS...]: linkwiz check (--json unless ARGS say otherwise)
# under /usr/bin/time -v, bounded by timeout 60: OUT (stdout), OUT.err,
# OUT.time; exit status in rc, wall time in ms, max RSS in rss (KiB).
run() {
    _o=$1
    shift
    # shellcheck disable=SC2086
    timeout -k 5 60 /usr/bin/time -v -o "$_o.time" "$LINKWIZ" --root "$R" \
        check --timeout "$TIMEOUT" --resolver 127.0.0.1 $CA $PROFILES \
        $CONNECT "$@" </dev/null >"$_o" 2>"$_o.err"
    rc=$?
    # time reports a child killed by a signal as "Command terminated by
    # signal N" and exits 128+N itself.
    _st=$(sed -n 's/.*Exit status: //p' "$_o.time" 2>/dev/null)
    [ -n "$_st" ] && rc=$_st
    grep -q 'terminated by signal' "$_o.time" 2>/dev/null && rc=$((rc | 128))
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$_o.time")
    _el=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' \
        "$_o.time")
    ms=$(echo "${_el:-99:99}" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++)
        s = s * 60 + $i; printf "%d\n", s * 1000 }')
    : "${rss:=999999}"
}

# judge NAME OUT ID STATUSES [EXITS]: the bounds, the exit code (one of
# EXITS, default "1 2"), the verdict.
judge() {
    _name=$1
    _o=$2
    _exits=${5:-1 2}
    _v=0
    "$PY" "$HFIX/verdict.py" "$_o" "$3" "$4" >"$_o.verdict" 2>&1 || _v=1
    t_diag "$(head -1 "$_o.verdict")"
    if [ "$ms" -lt "$BOUND_MS" ] && [ "$rss" -lt "$RSS_KB" ]; then
        t_ok "$_name: done in $ms ms (< $BOUND_MS), max RSS $rss KiB (< $RSS_KB KiB)"
    else
        t_not_ok "$_name: done in $ms ms (< $BOUND_MS), max RSS $rss KiB (< $RSS_KB KiB)"
    fi
    # A sanitizer build reports with exit 1: its report counts as a crash.
    grep -qE 'Sanitizer|runtime error:' "$_o.err" 2>/dev/null && rc=134
    case " $_exits " in
    *" $rc "*) t_ok "$_name: exit $rc ($_exits)" ;;
    *)
        t_not_ok "$_name: exit $rc ($_exits)"
        t_diag_file "$_o.err" 10
        ;;
    esac
    if [ $_v = 0 ]; then
        t_ok "$_name: $3 is $4, readable summary, no control character"
    else
        t_not_ok "$_name: $3 is $4, readable summary, no control character"
        sed 1d "$_o.verdict" | head -10 | t_diag
        t_diag_file "$_o.err" 5
    fi
}

# no_raw NAME FILE...: no ESC, BEL or 0x9b byte in FILE...
no_raw() {
    _n=$1
    shift
    if cat "$@" | LC_ALL=C grep -q "$(printf '[\033\007\233]')"; then
        t_not_ok "$_n"
        cat "$@" | LC_ALL=C grep -n "$(printf '[\033\007\233]')" |
            head -5 | od -c | head -10 | t_diag
    else
        t_ok "$_n"
    fi
}

O=$W/out
mkdir -p "$O"

# Baseline: the harness works (every check passes or is skipped).
run "$O/base" --json
check_rc() { [ "$rc" -eq 0 ]; }
t_check "baseline: exit 0 (nginx.config is skipped under --root)" check_rc ||
    t_diag_file "$O/base" 30
for id in dns.record tls.chain http.health; do
    if "$PY" "$HFIX/verdict.py" "$O/base" "$id" pass >"$O/base.v" 2>&1; then
        t_ok "baseline: $id passes"
    else
        t_not_ok "baseline: $id passes"
        t_diag_file "$O/base.v" 5
        t_diag_file "$O/base.err" 5
    fi
done

# --- DNS
dns "$Z/good.json" --garbage || t_diag "dnsserver --garbage did not start"
run "$O/garbage" --json
judge "DNS garbage" "$O/garbage" dns.record "fail|warn|error"

dns "$Z/good.json" --truncate || t_diag "dnsserver --truncate did not start"
run "$O/trunc" --json
# TC over UDP, then the whole answer over TCP: the right answer is found.
# Everything else is as in the baseline, so the whole run passes.
judge "DNS truncated (TC, retried over TCP)" "$O/trunc" dns.record "pass" 0

dns "$Z/big.json" --truncate || t_diag "dnsserver (big zone) did not start"
run "$O/big" --json
judge "DNS oversized (400 A records over TCP)" "$O/big" dns.record "fail"
# The list of addresses is cut to fit: never with an empty item.
if "$PY" -c 'import json, sys
c = [c for c in json.load(open(sys.argv[1]))["checks"]
     if c["id"] == "dns.record"][0]
sys.exit(1 if ", ," in c["summary"] or ", ," in (c["hint"] or "") else 0)' \
    "$O/big"; then
    t_ok "DNS oversized: the cut list of addresses has no empty item"
else
    t_not_ok "DNS oversized: the cut list of addresses has no empty item"
    t_diag "$(sed -n 1p "$O/big.verdict")"
fi

dns "$Z/loop.json" || t_diag "dnsserver (CNAME loop) did not start"
run "$O/loop" --json
judge "DNS CNAME loop" "$O/loop" dns.record "fail|error"

dns "$Z/good.json" || t_diag "dnsserver did not start again"

# --- HTTPS
web stall || t_diag "stalling server did not start"
run "$O/stall" --json
judge "HTTPS stalls after the handshake" "$O/stall" http.health "fail|error"

web endless || t_diag "endless server did not start"
run "$O/endless" --json
judge "HTTPS endless body" "$O/endless" http.health "fail|error"

web escape || t_diag "escape server did not start"
run "$O/escape" --json
judge "HTTPS escape sequences (--json)" "$O/escape" http.health "fail"
no_raw "HTTPS escape sequences (--json): no ESC, BEL or 0x9b byte in the output" \
    "$O/escape" "$O/escape.err"
run "$O/escape-text"
if [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]; then
    t_ok "HTTPS escape sequences (text): exit $rc"
else
    t_not_ok "HTTPS escape sequences (text): exit $rc"
fi
no_raw "HTTPS escape sequences (text): no ESC, BEL or 0x9b byte in the output" \
    "$O/escape-text" "$O/escape-text.err"
grep -F 'http.health' "$O/escape-text" | head -3 | t_diag
run "$O/escape-mon" --monitoring
no_raw "HTTPS escape sequences (--monitoring): no ESC, BEL or 0x9b byte" \
    "$O/escape-mon" "$O/escape-mon.err"

web good "$P/chain20.pem" || t_diag "20-certificate server did not start"
run "$O/chain20" --json
judge "HTTPS 20-certificate chain (untrusted root)" "$O/chain20" tls.chain \
    "fail"

if [ "${LW_HOSTILE_VERBOSE:-0}" = 1 ]; then
    for f in "$O"/*.verdict; do t_diag_file "$f" 5; done
fi
t_done
