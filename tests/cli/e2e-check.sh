#!/bin/sh
# e2e-check.sh - end to end: `linkwiz check` against real servers.  First a
# correct setup where every check passes (exit 0), then one fault at a time,
# each asserting the failing check's id, its status and the exit code.
#
# Everything happens in private mount, network and pid namespaces (see
# tests/fixtures/check/lib-check.sh): a private /etc, a test CA in the
# system trust bundle, DNS from tests/fixtures/dnsserver.py (a resolver on
# 127.0.0.1, the zone's authoritative server ns1.example.com on
# 127.0.0.10, more resolvers for the faults), the system nginx as the proxy
# under test on 127.0.0.1 (set up by `linkwiz setup`), and, in a second
# network namespace behind a veth pair, one more nginx
# (tests/fixtures/check/servers-nginx.conf.in) for the mock origin
# (198.18.0.2), a broken origin and a stale host (198.18.0.3).  Faults in
# the certificate are installed straight into the proxy's files (bypassing
# linkwiz's own checks) and nginx is reloaded.
#
# Needs root, unshare, nsenter, nginx, openssl, curl, ip, python3;
# otherwise skipped ("1..0 # SKIP"), unless LW_E2E_REQUIRED=1 (CI), where
# that is a failure.
# Environment: LINKWIZ, TOP_SRCDIR (from the test runner); LW_E2E_VERBOSE=1
# shows every check's table; LW_E2E_VALGRIND=1 also runs the passing and one
# failing check under valgrind (memcheck errors fail).  TAP on stdout.

# t_rc and the other t_* variables come from lib.sh.
# shellcheck disable=SC2154
set -u

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
LINKWIZ=${LINKWIZ:-$TOP_BUILDDIR/linkwiz}
export TOP_SRCDIR TOP_BUILDDIR LINKWIZ
. "$TOP_SRCDIR/tests/cli/lib.sh"
. "$TOP_SRCDIR/tests/fixtures/check/lib-check.sh"

# ---------------------------------------------------------------- outside

cannot_run() {
    if [ "${LW_E2E_REQUIRED:-0}" = 1 ]; then
        echo "1..1"
        echo "not ok 1 - e2e prerequisites: $1 (LW_E2E_REQUIRED=1)"
        exit 1
    fi
    t_skip_all "$1"
}

if [ "${1:-}" != --inside ]; then
    why=$(ck_missing unshare nsenter nginx openssl curl ip mount timeout \
        python3)
    [ -z "$why" ] || cannot_run "$why"
    if [ ! -x "$LINKWIZ" ]; then
        echo "1..1"
        echo "not ok 1 - linkwiz binary $LINKWIZ: not found (build it first)"
        exit 1
    fi
    ck_enter "$0" || cannot_run "$ck_why"
fi

# ---------------------------------------------------------------- inside

W=$2
ck_inside_env
trap ck_cleanup EXIT
trap 'exit 143' TERM INT HUP

KEY=/etc/pki/tls/private/$D.key
CSR=/etc/pki/tls/certs/$D.csr
CRT=/etc/pki/tls/certs/$D.crt
CONF=/etc/nginx/conf.d/$D.conf
PROFILES="--profiles $CK_FIX/profiles.yaml"
R1=127.0.0.1   # the resolver of every case (and of /etc/resolv.conf)
R2=127.0.0.5   # a second resolver that has not seen the change yet
RDEAD=127.0.0.9 # a resolver that never answers
AUTH=127.0.0.10 # ns1.example.com, the zone's authoritative server

server_logs() {
    t_diag_file /var/log/nginx/error.log 10
    t_diag_file "$W/servers/error.log" 10
    for _f in "$W"/dns-*.log; do
        t_diag_file "$_f" 5
    done
}

# lw OUT ARGS...: run linkwiz (bounded), output in OUT, status in t_rc.
lw() {
    _o=$1
    shift
    lw_cmd="linkwiz $*"
    t_run "$_o" timeout 60 "$LINKWIZ" "$@"
}

lw_diag() {
    t_diag "command: $lw_cmd"
    t_diag "exit status: $t_rc"
    t_diag_file "$1" 30
}

# The last check run, for people: command, status, time, table, stderr.
ck_diag() {
    t_diag "command: $ck_cmd"
    t_diag "exit status: $ck_rc, ${ck_ms} ms"
    ckjson table "$1.json" 2>&1 | head -60 | t_diag
    t_diag_file "$1.err" 10
}

# expect DESC OUT RC ID=STATUS...: the last check run exited with RC, its
# JSON says so, and every ID has its STATUS.
expect() {
    _d=$1
    _o=$2
    _rc=$3
    shift 3
    _why=0
    ckjson expect "$_o.json" "$_rc" "$@" >"$_o.why" 2>&1 || _why=1
    if [ "$ck_rc" = "$_rc" ] && [ "$_why" = 0 ]; then
        t_ok "$_d"
        [ "${LW_E2E_VERBOSE:-0}" = 1 ] && ck_diag "$_o"
        return 0
    fi
    t_not_ok "$_d"
    t_diag "expected exit status $_rc and $*"
    t_diag_file "$_o.why" 10
    ck_diag "$_o"
    return 1
}

# names DESC OUT PATTERN [ID...]: the summary, detail or hint of the ID
# checks (all when none) match PATTERN (extended regex, any case).
names() {
    _d=$1
    _o=$2
    _pat=$3
    shift 3
    if ckjson text "$_o.json" "$@" 2>/dev/null | grep -qiE -- "$_pat"; then
        t_ok "$_d"
        return 0
    fi
    t_not_ok "$_d"
    t_diag "expected /$_pat/ in the text of ${*:-every check}:"
    ckjson text "$_o.json" "$@" 2>&1 | head -20 | t_diag
    return 1
}

# serve CHAIN: install CHAIN as the proxy's certificate file, reload nginx
# and wait until it serves the new leaf.
serve() {
    cp "$1" "$CRT" && nginx -s reload >>"$W/reload.log" 2>&1 || return 1
    _want=$(ck_fp "$1")
    _served() { [ "$(ck_served_fp 127.0.0.1)" = "$_want" ]; }
    wait_until _served
}

# dns CASE ZONE ADDRESSES: the resolver and ns1.example.com answer from
# ZONE now, and the system's resolver (the same) gives ADDRESSES for D
# (the fault is really there; a failure here is the harness's).
dns() {
    ck_dns_restart r1 "$R1:53" "$2" &&
        ck_dns_restart auth "$AUTH:53" "$2" --aa
    _got=$(getent ahostsv4 "$D" 2>/dev/null | awk '{ print $1 }' |
        sort -u | tr '\n' ' ')
    if [ "$_got" = "$3 " ]; then
        t_ok "DNS $1: $D resolves to $3"
    else
        t_not_ok "DNS $1: $D resolves to $3"
        t_diag "getent ahostsv4 $D: '$_got'"
        server_logs
    fi
}

# ------------------------------------------------- the private world

if ! ck_world; then
    t_bail "could not set up the private namespace (mounts, lo)"
fi
t_ok "private /etc, /var/lib, /run and network namespace"

if ck_make_ca &&
    ck_leaf origin "track.customer.io,track-eu.customer.io" 3 &&
    ck_leaf stale www.example.net 4; then
    t_ok "test CA in the system trust bundle; origin and stale-host leaves"
else
    t_diag_file "$W/openssl.log" 20
    t_bail "could not make the test CA"
fi

# The zones of the cases: the link domain as linkwiz's guide says (an A
# record with the server's address, or a CNAME to the server's host name in
# another zone), then one DNS fault each.
Z=$W/zones
mkdir -p "$Z"
txt=$(ck_rr TXT google-site-verification=4f2a)
ck_zone "$Z/good.json" "$(ck_rr A 127.0.0.1)" &&
    ck_zone "$Z/good-cname.json" "$(ck_rr CNAME srv.hosting.test.)" &&
    ck_zone "$Z/provider.json" "$(ck_rr CNAME track.customer.io.)" &&
    ck_zone "$Z/cname-txt.json" \
        "$(ck_rr CNAME srv.hosting.test. | sed 's/]$//'), ${txt#[}" &&
    ck_zone "$Z/stale-a.json" "$(ck_rr A 127.0.0.1 "$CK_STALE")" &&
    ck_zone "$Z/not-yet.json" '' ||
    t_bail "could not write the zone files"

if ck_dns_start r1 "$R1:53" "$Z/good.json" &&
    ck_dns_start auth "$AUTH:53" "$Z/good.json" --aa &&
    wait_until sh -c "getent ahostsv4 $D | grep -q 127.0.0.1"
then
    t_ok "dnsserver.py: resolver on $R1, ns1.example.com on $AUTH"
else
    server_logs
    t_bail "the DNS servers did not start"
fi

sed "s|@W@|$W|g; s|@ORIGIN@|$CK_ORIGIN|g; s|@STALE@|$CK_STALE|g" \
    "$CK_FIX/servers-nginx.conf.in" >"$W/servers/nginx.conf"
if ck_remote_net &&
    ck_remote nginx -p "$W/servers/" -c "$W/servers/nginx.conf" \
        >"$W/servers/start.log" 2>&1 &&
    wait_until sh -c "curl -sf --noproxy '*' --max-time 2 \
        --cacert $BUNDLE https://track.customer.io:8443/health | grep -qx '{}'"
then
    t_ok "remote network: mock origin, broken origin, stale host (nginx)"
    if [ "$(ck_served_fp "$CK_STALE")" = "$(ck_fp "$P/stale.crt")" ] &&
        [ "$(ck_served_fp "$CK_ORIGIN")" = "$(ck_fp "$P/origin.crt")" ]; then
        t_ok "the stale host and the origin serve their own certificates"
    else
        t_not_ok "the stale host and the origin serve their own certificates"
        server_logs
    fi
else
    t_diag_file "$W/servers/start.log" 10
    server_logs
    t_bail "the mock servers did not start"
fi

if nginx >"$W/proxy-start.log" 2>&1 &&
    wait_until sh -c "curl -s --noproxy '*' --max-time 2 -o /dev/null \
        http://127.0.0.1/"; then
    t_ok "system nginx (distribution config) runs as the proxy"
else
    t_diag_file "$W/proxy-start.log" 10
    server_logs
    t_bail "the system nginx did not start"
fi

# ------------------------------------------------- linkwiz setup

# answers FILE [CERTIFICATE]: the server's public address is 127.0.0.1.
answers() {
    {
        echo "domain: $D"
        echo "region: us"
        echo "method: nginx"
        echo "key: { type: rsa, bits: 2048 }"
        [ -n "${2:-}" ] && echo "certificate: $2"
        echo "nginx:"
        echo "  reload: true"
        echo "  addresses: [127.0.0.1]"
    } >"$1"
}

answers "$W/a1.yaml"
lw "$W/setup1" setup --answers "$W/a1.yaml" $PROFILES
if [ "$t_rc" = 0 ] && [ -f "$CSR" ]; then
    t_ok "linkwiz setup: key and CSR"
else
    lw_diag "$W/setup1"
    t_bail "linkwiz setup (key and CSR) failed"
fi

# The leaves for linkwiz's key: the good one, and the faulty ones.
cp "$CSR" "$W/link.csr"
openssl req -new -key "$KEY" -subj /CN=other.example.com \
    -out "$W/other.csr" >>"$W/openssl.log" 2>&1
if ck_sign "$W/link.csr" "$D" 5000 "$W/good.crt" &&
    cat "$W/good.crt" "$P/inter.crt" >"$W/good-chain.pem" &&
    ck_sign "$W/other.csr" other.example.com 5001 "$W/other.crt" &&
    cat "$W/other.crt" "$P/inter.crt" >"$W/other-chain.pem" &&
    ck_sign_dates "$W/link.csr" "$D" 20200101000000Z 20200401000000Z \
        "$W/expired.crt" &&
    cat "$W/expired.crt" "$P/inter.crt" >"$W/expired-chain.pem"; then
    t_ok "test CA signs: good, other-name and expired (2020) leaves"
else
    t_diag_file "$W/openssl.log" 20
    t_bail "could not sign the leaves"
fi

answers "$W/a2.yaml" "$W/good-chain.pem"
lw "$W/setup2" setup --answers "$W/a2.yaml" $PROFILES
health_ok() {
    [ "$(curl -sS --noproxy '*' --max-time 2 --cacert "$BUNDLE" \
        "https://$D/health" 2>/dev/null)" = "{}" ]
}
if [ "$t_rc" = 0 ] && wait_until health_ok; then
    t_ok "linkwiz setup with the certificate; https://$D/health answers {}"
else
    lw_diag "$W/setup2"
    server_logs
    t_bail "linkwiz setup with the certificate failed"
fi
cp "$CONF" "$W/good.conf"

# ------------------------------------------------- all pass

ALL_PASS="dns.record=pass dns.authoritative=pass dns.caa=pass
    tls.handshake=pass tls.chain=pass tls.hostname=pass tls.expiry=pass
    tls.key=pass files.key=pass nginx.config=pass http.health=pass
    http.health_plain=pass origin.health=pass"

ck_check "$W/pass" --resolver "$R1" $PROFILES
if ckjson schema "$W/pass.json" >"$W/pass.why" 2>&1; then
    t_ok "check --json: DESIGN.md's keys and words, each check id once"
else
    t_not_ok "check --json: DESIGN.md's keys and words, each check id once"
    t_diag_file "$W/pass.why" 20
fi
# shellcheck disable=SC2086
expect "correct setup: every check passes, exit 0" "$W/pass" 0 $ALL_PASS

# Once with what it finds by itself: /etc/resolv.conf and the profile's
# resolvers (both 127.0.0.1 here).
ck_check "$W/pass-default" $PROFILES
# shellcheck disable=SC2086
expect "correct setup, default resolvers: every check passes, exit 0" \
    "$W/pass-default" 0 $ALL_PASS

# The other two outputs: text (one line per check id) and monitoring.
lw "$W/pass-text" check --resolver "$R1" $PROFILES
_missing=
for _id in dns.record dns.authoritative dns.caa tls.handshake tls.chain \
    tls.hostname tls.expiry tls.key files.key nginx.config http.health \
    http.health_plain origin.health; do
    grep -qF "$_id" "$W/pass-text" || _missing="$_missing $_id"
done
if [ "$t_rc" = 0 ] && [ -z "$_missing" ]; then
    t_ok "check (text): exit 0, a line for every check"
else
    t_not_ok "check (text): exit 0, a line for every check"
    [ -n "$_missing" ] && t_diag "missing:$_missing"
    lw_diag "$W/pass-text"
fi
lw "$W/pass-mon" check --monitoring --resolver "$R1" $PROFILES
if [ "$t_rc" = 0 ] && [ "$(wc -l <"$W/pass-mon")" -eq 1 ] &&
    grep -qE '^LINKWIZ OK .*\|.*elapsed_ms=[0-9]+' "$W/pass-mon"; then
    t_ok "check --monitoring: exit 0, one 'LINKWIZ OK - … | elapsed_ms=…'"
else
    t_not_ok "check --monitoring: exit 0, one 'LINKWIZ OK - … | elapsed_ms=…'"
    lw_diag "$W/pass-mon"
fi

# A CNAME to the server's host name in another zone: the zone's own
# servers (asked without recursion) answer with the CNAME alone, as real
# authoritative servers do for a target outside their zone.
dns good-cname "$Z/good-cname.json" 127.0.0.1
ck_check "$W/pass-cname" --resolver "$R1" $PROFILES
# shellcheck disable=SC2086
expect "correct setup, CNAME to srv.hosting.test: every check passes, exit 0" \
    "$W/pass-cname" 0 $ALL_PASS

# ------------------------------------------------- DNS faults

# 1. The link domain CNAMEd straight to the provider's tracking host: the
# provider's certificate is served (the origin listens on 127.0.0.2:443).
dns provider "$Z/provider.json" "$CK_ORIGIN"
ck_check "$W/provider" --resolver "$R1" $PROFILES
expect "CNAME to track.customer.io: dns.record fails, exit 2" "$W/provider" \
    2 dns.record=fail
names "CNAME to track.customer.io: dns.record names the provider's host" \
    "$W/provider" 'track\.customer\.io' dns.record

# 2. A CNAME and a TXT at the same name.
dns cname-txt "$Z/cname-txt.json" 127.0.0.1
ck_check "$W/cname-txt" --resolver "$R1" $PROFILES
expect "CNAME plus TXT at the name: dns.record fails, exit 2" \
    "$W/cname-txt" 2 dns.record=fail
names "CNAME plus TXT at the name: dns.record says TXT is beside the CNAME" \
    "$W/cname-txt" 'TXT' dns.record

# 3. A stale extra A record: the old host still serves another certificate.
dns stale-a "$Z/stale-a.json" "127.0.0.1 $CK_STALE"
ck_check "$W/stale-a" --resolver "$R1" $PROFILES
expect "stale extra A $CK_STALE: dns.record and tls.hostname fail, exit 2" \
    "$W/stale-a" 2 dns.record=fail tls.hostname=fail
names "stale extra A: the address that is wrong, $CK_STALE, is named" \
    "$W/stale-a" "$(echo "$CK_STALE" | sed 's/\./\\./g')" dns.record \
    tls.hostname

# 4. Two resolvers disagree: the second has not seen the name yet.
dns good "$Z/good.json" 127.0.0.1
ck_dns_start r2 "$R2:53" "$Z/not-yet.json" ||
    t_diag "the second resolver did not start"
ck_check "$W/disagree" --resolver "$R1" --resolver "$R2" $PROFILES
expect "two resolvers disagree: dns.record warns, exit 1" "$W/disagree" 1 \
    dns.record=warn
names "two resolvers disagree: the one without the answer ($R2) is named" \
    "$W/disagree" "127\\.0\\.0\\.5" dns.record
ck_dns_stop r2

# 5. A resolver that never answers: the run costs about one timeout.
ck_dns_start dead "$RDEAD:53" "$Z/good.json" --drop ||
    t_diag "the silent resolver did not start"
ck_check "$W/dead" --timeout 2 --resolver "$R1" --resolver "$RDEAD" \
    $PROFILES
expect "a resolver never answers: dns.record warns, exit 1" "$W/dead" 1 \
    dns.record=warn
names "a resolver never answers: it ($RDEAD) is named" "$W/dead" \
    "127\\.0\\.0\\.9" dns.record
# (A run that did not get as far as checking proves nothing here.)
_d="a resolver never answers: --timeout 2 run took ${ck_ms} ms (< 4 s)"
if [ "$ck_rc" -le 2 ] && [ "$ck_ms" -lt 4000 ]; then
    t_ok "$_d"
else
    t_not_ok "$_d"
    ckjson times "$W/dead.json" 2>&1 | t_diag
fi
ck_dns_stop dead

# ------------------------------------------------- certificate faults

# 6. Expired (2020-01-01 to 2020-04-01).
if serve "$W/expired-chain.pem"; then
    ck_check "$W/expired" --resolver "$R1" $PROFILES
    expect "expired certificate: tls.expiry fails, exit 2" "$W/expired" 2 \
        tls.expiry=fail
    names "expired certificate: tls.expiry shows the end date (2020)" \
        "$W/expired" '2020' tls.expiry
else
    t_not_ok "expired certificate: the proxy serves it"
    server_logs
fi

# 7. A certificate for another name (same key).
if serve "$W/other-chain.pem"; then
    ck_check "$W/other" --resolver "$R1" $PROFILES
    expect "certificate for other.example.com: tls.hostname fails, exit 2" \
        "$W/other" 2 tls.hostname=fail
    names "certificate for another name: the names it has are shown" \
        "$W/other" 'other\.example\.com' tls.hostname
else
    t_not_ok "certificate for other.example.com: the proxy serves it"
    server_logs
fi

# 8. The leaf alone, without its intermediate.
if serve "$W/good.crt"; then
    ck_check "$W/no-inter" --resolver "$R1" $PROFILES
    expect "leaf without its intermediate: tls.chain fails, exit 2" \
        "$W/no-inter" 2 tls.chain=fail
    names "leaf without its intermediate: the missing issuer is named" \
        "$W/no-inter" 'intermediate|issuer' tls.chain
else
    t_not_ok "leaf without its intermediate: the proxy serves it"
    server_logs
fi

serve "$W/good-chain.pem" || t_diag "could not put the good chain back"

# ------------------------------------------------- the origin answers 502

# 9. The proxy's upstream answers /health with 502 and an HTML page.
sed 's/:8443;/:8444;/' "$W/good.conf" >"$CONF"
nginx -s reload >>"$W/reload.log" 2>&1
bad_gateway() {
    [ "$(curl -s --noproxy '*' --max-time 2 --cacert "$BUNDLE" \
        -o /dev/null -w '%{http_code}' "https://$D/health")" = 502 ]
}
if wait_until bad_gateway; then
    ck_check "$W/502" --resolver "$R1" $PROFILES
    expect "/health answers 502 (HTML): http.health fails, exit 2" "$W/502" \
        2 http.health=fail
    names "/health answers 502: the status and the content type are shown" \
        "$W/502" '502' http.health
    names "/health answers 502: the content type is shown" \
        "$W/502" 'text/html' http.health
else
    t_not_ok "/health answers 502 (HTML): the proxy passes the 502 on"
    server_logs
fi
cp "$W/good.conf" "$CONF"
nginx -s reload >>"$W/reload.log" 2>&1
wait_until health_ok || t_diag "the proxy does not answer {} again"

# ------------------------------------------------- all pass again

ck_check "$W/pass2" --resolver "$R1" $PROFILES
# shellcheck disable=SC2086
expect "faults undone: every check passes again, exit 0" "$W/pass2" 0 \
    $ALL_PASS

# ------------------------------------------------- valgrind (optional)

if [ "${LW_E2E_VALGRIND:-0}" = 1 ]; then
    if command -v valgrind >/dev/null 2>&1; then
        LW_CHECK_WRAP="valgrind -q --error-exitcode=97 --leak-check=full \
            --errors-for-leak-kinds=definite --log-file=$W/vg-%p.log"
        # Everything is slower under valgrind: a generous timeout.
        ck_check "$W/vg-pass" --timeout 30 --resolver "$R1" $PROFILES
        expect "valgrind: correct setup: exit 0, no memcheck error" \
            "$W/vg-pass" 0 || t_diag_file "$(ls "$W"/vg-*.log | head -1)" 30
        ck_dns_start dead "$RDEAD:53" "$Z/good.json" --drop
        serve "$W/good.crt"
        ck_check "$W/vg-fault" --timeout 2 --resolver "$R1" \
            --resolver "$RDEAD" $PROFILES
        expect "valgrind: silent resolver, no intermediate: exit 2, no error" \
            "$W/vg-fault" 2 ||
            cat "$W"/vg-*.log 2>/dev/null | head -40 | t_diag
        LW_CHECK_WRAP=
    else
        t_skip "valgrind runs" "valgrind not installed"
    fi
fi

t_done
