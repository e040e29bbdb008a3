#!/bin/sh
# e2e-nginx.sh - end to end: linkwiz, run with its real default paths
# (/etc/pki/tls, /etc/nginx/conf.d, /var/lib/linkwiz), sets up a working
# HTTPS link-tracking proxy in front of a real (mock) tracking origin.
#
# Everything happens in private mount, network and pid namespaces
# (unshare): /etc is a copy on a tmpfs, /var/lib, /var/log/nginx and /run
# are fresh tmpfs, the network is a private loopback.  Inside run dnsmasq
# (DNS for link.example.com and track.customer.io), a mock origin (nginx on
# 127.0.0.2:8443 with a certificate from a test CA) and the system nginx
# with its distribution configuration as the proxy.  The host's /etc, /var
# and /run are never written; the namespaces die with the test.
#
# Needs root, unshare, nginx, dnsmasq, openssl, curl, ip; otherwise skipped
# ("1..0 # SKIP"), unless LW_E2E_REQUIRED=1 (CI), where that is a failure.
# Environment: LINKWIZ, TOP_SRCDIR (from the test runner); LW_E2E_VERBOSE=1
# shows every linkwiz run's output.  TAP on stdout.

# t_rc and the other t_* variables come from lib.sh.
# shellcheck disable=SC2154
set -u

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
LINKWIZ=${LINKWIZ:-$TOP_BUILDDIR/linkwiz}
export TOP_SRCDIR TOP_BUILDDIR LINKWIZ
. "$TOP_SRCDIR/tests/cli/lib.sh"

FIX=$TOP_SRCDIR/tests/fixtures/e2e
D=link.example.com
BUNDLE=/etc/ssl/certs/ca-certificates.crt

# ---------------------------------------------------------------- outside

# Cannot run here: skip, or fail when the environment says it must run.
cannot_run() {
    if [ "${LW_E2E_REQUIRED:-0}" = 1 ]; then
        echo "1..1"
        echo "not ok 1 - e2e prerequisites: $1 (LW_E2E_REQUIRED=1)"
        exit 1
    fi
    t_skip_all "$1"
}

if [ "${1:-}" != --inside ]; then
    [ "$(id -u)" = 0 ] ||
        cannot_run "needs root (private mount and network namespaces)"
    for c in unshare nginx dnsmasq openssl curl ip mount timeout sha256sum; do
        PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null 2>&1 ||
            cannot_run "$c not found"
    done
    if [ ! -x "$LINKWIZ" ]; then
        echo "1..1"
        echo "not ok 1 - linkwiz binary $LINKWIZ: not found (build it first)"
        exit 1
    fi
    W=$(mktemp -d /tmp/lw-e2e.XXXXXX) || cannot_run "mktemp failed"
    # A pid namespace too when possible: killing unshare then kills the
    # script inside (--kill-child), and with it, as the namespace's init,
    # every server it started.
    ns="--mount --net --pid --fork --mount-proc --kill-child"
    if ! unshare $ns true 2>/dev/null; then
        ns="--mount --net --fork"
        if ! err=$(unshare $ns true 2>&1); then
            rmdir "$W"
            cannot_run "unshare $ns failed: $err"
        fi
    fi
    PATH=$PATH:/usr/sbin:/sbin unshare $ns sh "$0" --inside "$W" &
    upid=$!
    # unshare ignores SIGTERM while it waits, and the script inside only
    # acts on it after its current command: on a timeout, end it all.
    trap 'kill -KILL $upid 2>/dev/null; wait $upid; rmdir "$W"; exit 143' \
        TERM INT HUP
    rc=0
    wait $upid || rc=$?
    # The tmpfs was mounted inside the namespace: on the host, W is empty.
    rmdir "$W" 2>/dev/null || echo "# warning: $W not empty on the host"
    exit "$rc"
fi

# ---------------------------------------------------------------- inside

W=$2
P=$W/pki
export LC_ALL=C
unset LANGUAGE LANG http_proxy https_proxy HTTP_PROXY HTTPS_PROXY \
    ALL_PROXY all_proxy no_proxy NO_PROXY SSL_CERT_FILE SSL_CERT_DIR \
    CURL_CA_BUNDLE LINKWIZ_NGINX 2>/dev/null || true

DNSMASQ_PID=
cleanup() {
    trap - EXIT
    pids="$DNSMASQ_PID $(cat /run/nginx.pid "$W/origin/nginx.pid" \
        2>/dev/null)"
    for p in $pids; do
        kill "$p" 2>/dev/null
    done
    # Give them a moment to exit so the mounts they hold go away with us.
    i=0
    while [ $i -lt 30 ]; do
        alive=
        for p in $pids; do
            kill -0 "$p" 2>/dev/null && alive=1
        done
        [ -z "$alive" ] && break
        sleep 0.1
        i=$((i + 1))
    done
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# wait_until CMD...: retry CMD every 0.1 s for at most 5 s.
wait_until() {
    _i=0
    while [ $_i -lt 50 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        _i=$((_i + 1))
    done
    return 1
}

server_logs() {
    t_diag_file /var/log/nginx/error.log 15
    t_diag_file "$W/origin/error.log" 10
    t_diag_file "$W/dnsmasq.log" 10
}

# fetch URL [CURL ARGS]: f_code, f_loc (redirect), f_body; errors in
# $W/curl.err.  Trust comes from the namespace's system bundle only.
fetch() {
    _u=$1
    shift
    rm -f "$W/body"
    f_out=$(curl -sS --noproxy '*' --max-time 5 --cacert "$BUNDLE" \
        -o "$W/body" -w '%{http_code} %{redirect_url}' "$@" "$_u" \
        2>"$W/curl.err")
    f_code=${f_out%% *}
    f_loc=${f_out#* }
    f_body=$(cat "$W/body" 2>/dev/null)
}

health_ok() {
    fetch "$1://$D/health"
    [ "$f_code" = 200 ] && [ "$f_body" = "{}" ]
}

fetch_diag() {
    t_diag "status $f_code, location '$f_loc', body: $(printf '%s' \
        "$f_body" | head -c 200)"
    t_diag_file "$W/curl.err" 5
}

# check_health DESC: https://D/health answers 200 {} (retried for 5 s).
check_health() {
    if wait_until health_ok https; then
        t_ok "$1"
    else
        t_not_ok "$1"
        fetch_diag
        server_logs
    fi
}

ossl() {
    openssl "$@" >>"$W/openssl.log" 2>&1
}

# The test CA: EC keys (fast); the leaf keys come from linkwiz.
export SAN=DNS:unused.invalid
CNF=$FIX/ca.cnf
newkey() {
    ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
}
# sign CSR NAME SERIAL OUT: a 90-day serverAuth leaf for NAME from the
# intermediate.
sign() {
    SAN="DNS:$2" ossl x509 -req -in "$1" -CA "$P/inter.crt" \
        -CAkey "$P/inter.key" -set_serial "$3" -days 90 -sha256 \
        -extfile "$CNF" -extensions v3_leaf -out "$4"
}

# Fingerprints of every certificate in a PEM file, in file order.
cert_fps() {
    rm -f "$W"/split.*
    awk -v d="$W/split" '/-----BEGIN CERTIFICATE-----/ { n++; f = d "." n }
        f != "" { print > f }
        /-----END CERTIFICATE-----/ { close(f); f = "" }' "$1"
    for _f in $(ls "$W"/split.* 2>/dev/null | sort -t. -k2 -n); do
        openssl x509 -in "$_f" -noout -fingerprint -sha256 2>&1
    done
}

# The certificate the proxy serves for D, as a fingerprint.
served_fp() {
    openssl s_client -connect 127.0.0.1:443 -servername "$D" \
        </dev/null 2>/dev/null |
        openssl x509 -noout -fingerprint -sha256 2>/dev/null
}

# snap full|content DIR...: one line per file (sha256, mode[, mtime], path).
snap() {
    _mode=$1
    shift
    find "$@" -type f 2>/dev/null | sort | while IFS= read -r _f; do
        _s=$(sha256sum <"$_f" | cut -c1-64)
        if [ "$_mode" = full ]; then
            _m=$(stat -c '%a %y' "$_f")
        else
            _m=$(stat -c '%a' "$_f")
        fi
        printf '%s %s %s\n' "$_s" "$_m" "$_f"
    done
}
LW_FILES="/etc/pki/tls /etc/nginx/conf.d"

# snap_all: linkwiz's files and its state directory, but not the run lock
# (it holds the PID of the run while it runs, by design).
snap_all() {
    snap full $LW_FILES /var/lib/linkwiz | grep -v ' /var/lib/linkwiz/lock$'
}

# same_snap DESC BEFORE AFTER: a test that the two listings are equal.
same_snap() {
    if cmp -s "$2" "$3"; then
        t_ok "$1"
    else
        t_not_ok "$1"
        diff "$2" "$3" | head -20 | t_diag
    fi
}

# answers FILE REGION [CERTIFICATE]
answers() {
    {
        echo "domain: $D"
        echo "region: $2"
        echo "method: nginx"
        echo "key: { type: rsa, bits: 2048 }"
        [ -n "${3:-}" ] && echo "certificate: $3"
        echo "nginx:"
        echo "  reload: true"
        echo "allow_domain_change: false"
    } >"$1"
}

# lw OUT ARGS...: run linkwiz (bounded), output in OUT, status in t_rc.
lw() {
    _o=$1
    shift
    lw_cmd="linkwiz $*"
    t_run "$_o" timeout 60 "$LINKWIZ" "$@"
    if [ "${LW_E2E_VERBOSE:-0}" = 1 ]; then
        lw_diag "$_o"
    fi
}

lw_diag() {
    t_diag "command: $lw_cmd"
    t_diag "exit status: $t_rc"
    t_diag_file "$1" 30
}

# lw_expect DESC STATUS OUT [GREP-PATTERN]: the last linkwiz run exited with
# STATUS (and its output matches the pattern, case-insensitively).
lw_expect() {
    if [ "$t_rc" = "$2" ] &&
        { [ -z "${4:-}" ] || grep -qiE "$4" "$3"; }; then
        t_ok "$1"
        return 0
    fi
    t_not_ok "$1"
    t_diag "expected exit status $2${4:+ and output matching /$4/}"
    lw_diag "$3"
    return 1
}

KEY=/etc/pki/tls/private/$D.key
CSR=/etc/pki/tls/certs/$D.csr
CRT=/etc/pki/tls/certs/$D.crt
CONF=/etc/nginx/conf.d/$D.conf
STATE=/var/lib/linkwiz/state.yaml
PROFILES="--profiles $FIX/profiles.yaml"

# ------------------------------------------------- the private world

setup_world() {
    mount --make-rprivate / || return 1
    mount -t tmpfs -o mode=0700 lw-e2e "$W" || return 1
    mkdir -p "$W/etc" "$P" "$W/origin/tmp" || return 1
    ip link set lo up || return 1
    # glibc's AI_ADDRCONFIG ignores loopback addresses: without another
    # address, getaddrinfo() would not even ask the DNS server.
    ip addr add 192.0.2.1/32 dev lo || return 1

    # /etc: a copy (what cannot be copied is not needed here).
    cp -a /etc/. "$W/etc/" 2>"$W/cp-etc.err" || true
    rm -f "$W/etc/resolv.conf" "$W/etc/hosts"
    echo "nameserver 127.0.0.1" >"$W/etc/resolv.conf"
    printf '127.0.0.1 localhost\n::1 localhost\n' >"$W/etc/hosts"
    if [ -f "$W/etc/nsswitch.conf" ]; then
        sed -i 's/^hosts:.*/hosts: files dns/' "$W/etc/nsswitch.conf"
    else
        echo "hosts: files dns" >"$W/etc/nsswitch.conf"
    fi
    # A clean start even if the host has a setup for the test domain.
    rm -f "$W/etc/pki/tls/private/$D.key" "$W/etc/pki/tls/certs/$D."* \
        "$W/etc/nginx/conf.d/$D.conf"
    mount --bind "$W/etc" /etc || return 1

    mount -t tmpfs -o mode=0755 lw-var-lib /var/lib || return 1
    mkdir -p /var/lib/nginx /var/lib/misc
    for d in /var/log/nginx /var/cache/nginx; do
        if [ -d "$d" ]; then
            mount -t tmpfs -o mode=0755 lw-e2e "$d" || return 1
        fi
    done
    mount -t tmpfs -o mode=0755 lw-run /run || return 1
    mkdir /run/lock && chmod 1777 /run/lock
}

make_ca() {
    newkey "$P/root.key" &&
        ossl req -new -x509 -config "$CNF" -extensions v3_root \
            -key "$P/root.key" -subj "/CN=linkwiz e2e test root" \
            -days 30 -sha256 -out "$P/root.crt" &&
        newkey "$P/inter.key" &&
        ossl req -new -config "$CNF" -key "$P/inter.key" \
            -subj "/CN=linkwiz e2e test intermediate" -out "$P/inter.csr" &&
        ossl x509 -req -in "$P/inter.csr" -CA "$P/root.crt" \
            -CAkey "$P/root.key" -set_serial 2 -days 30 -sha256 \
            -extfile "$CNF" -extensions v3_inter -out "$P/inter.crt" &&
        newkey "$P/origin.key" &&
        ossl req -new -config "$CNF" -key "$P/origin.key" \
            -subj "/CN=track.customer.io" -out "$P/origin.csr" &&
        SAN="DNS:track.customer.io,DNS:track-eu.customer.io" \
            ossl x509 -req -in "$P/origin.csr" -CA "$P/inter.crt" \
            -CAkey "$P/inter.key" -set_serial 3 -days 30 -sha256 \
            -extfile "$CNF" -extensions v3_leaf -out "$P/origin.crt" &&
        cat "$P/origin.crt" "$P/inter.crt" >"$P/origin-chain.pem" &&
        ossl verify -CAfile "$P/root.crt" -untrusted "$P/inter.crt" \
            "$P/origin.crt" || return 1
    # The root joins the system trust bundle (a regular file, even if the
    # distribution's is a symlink).
    mkdir -p "$(dirname "$BUNDLE")"
    { cat "$BUNDLE" 2>/dev/null; cat "$P/root.crt"; } >"$W/bundle.new" &&
        rm -f "$BUNDLE" && cp "$W/bundle.new" "$BUNDLE"
}

start_dns() {
    dnsmasq --conf-file=/dev/null --keep-in-foreground --no-resolv \
        --no-hosts --bind-interfaces --listen-address=127.0.0.1 --port=53 \
        --user=root --pid-file="$W/dnsmasq.pid" \
        --log-facility="$W/dnsmasq.log" --log-queries \
        --local=/example.com/ --local=/customer.io/ \
        --host-record=$D,127.0.0.1 \
        --host-record=other.example.com,127.0.0.1 \
        --host-record=track.customer.io,127.0.0.2 \
        --host-record=track-eu.customer.io,127.0.0.2 \
        >"$W/dnsmasq.out" 2>&1 &
    DNSMASQ_PID=$!
    wait_until sh -c "getent ahostsv4 track.customer.io | grep -q 127.0.0.2"
}

start_origin() {
    sed "s|@W@|$W|g" "$FIX/origin-nginx.conf.in" >"$W/origin/nginx.conf" &&
        nginx -p "$W/origin/" -c "$W/origin/nginx.conf" \
            >"$W/origin/start.log" 2>&1 &&
        wait_until sh -c "curl -sf --noproxy '*' --max-time 2 \
            --cacert $BUNDLE https://track.customer.io:8443/health \
            | grep -qx '{}'"
}

start_proxy() {
    nginx >"$W/proxy-start.log" 2>&1 &&
        wait_until sh -c "curl -s --noproxy '*' --max-time 2 \
            -o /dev/null http://127.0.0.1/"
}

if ! setup_world; then
    t_bail "could not set up the private namespace (mounts, lo)"
fi
t_ok "private /etc, /var/lib, /run and network namespace"

if make_ca; then
    t_ok "test CA (root + intermediate) in the system trust bundle"
else
    t_diag_file "$W/openssl.log" 20
    t_bail "could not make the test CA"
fi

if start_dns; then
    t_ok "dnsmasq resolves track.customer.io to 127.0.0.2"
else
    t_diag_file "$W/dnsmasq.out" 10
    t_diag_file "$W/dnsmasq.log" 10
    t_bail "dnsmasq did not start"
fi

if start_origin; then
    t_ok "mock origin answers https://track.customer.io:8443/health"
else
    t_diag_file "$W/origin/start.log" 10
    t_diag_file "$W/origin/error.log" 10
    t_bail "the mock origin did not start"
fi

fetch https://track.customer.io:8443/r/abc
if [ "$f_code" = 403 ] && [ "$f_body" = "Invalid link security token" ]; then
    t_ok "origin refuses a link whose Host is not the link domain (403)"
else
    t_not_ok "origin refuses a link whose Host is not the link domain (403)"
    fetch_diag
fi

if start_proxy; then
    t_ok "system nginx (distribution config) runs as the proxy"
else
    t_diag_file "$W/proxy-start.log" 10
    t_diag_file /var/log/nginx/error.log 10
    t_bail "the system nginx did not start"
fi

# ------------------------------------------------- 1. key and CSR

answers "$W/a-nocert.yaml" us
lw "$W/out1" setup --answers "$W/a-nocert.yaml" $PROFILES
lw_expect "setup without certificate exits 0 and prints the CSR" 0 \
    "$W/out1" "BEGIN CERTIFICATE REQUEST"

if [ "$(stat -c %a "$KEY" 2>/dev/null)" = 600 ] &&
    [ "$(stat -c %a /etc/pki/tls/private 2>/dev/null)" = 700 ] &&
    openssl pkey -in "$KEY" -noout -text 2>/dev/null |
    grep -q "Private-Key: (2048 bit"; then
    t_ok "key $KEY: RSA 2048, mode 0600, directory 0700"
else
    t_not_ok "key $KEY: RSA 2048, mode 0600, directory 0700"
    ls -ld /etc/pki/tls/private "$KEY" 2>&1 | t_diag
fi

openssl req -in "$CSR" -noout -text >"$W/csr.txt" 2>&1
if openssl req -in "$CSR" -noout -verify >/dev/null 2>&1 &&
    grep -q "Subject:.*CN *= *$D\$" "$W/csr.txt" &&
    grep -q "DNS:$D\$" "$W/csr.txt"; then
    t_ok "CSR $CSR: signed, CN=$D, DNS:$D"
else
    t_not_ok "CSR $CSR: signed, CN=$D, DNS:$D"
    grep -E "Subject:|DNS:|rror" "$W/csr.txt" | t_diag
fi

if [ -f "$CSR" ] && [ -f "$KEY" ] &&
    [ "$(openssl req -in "$CSR" -noout -pubkey 2>&1)" = \
        "$(openssl pkey -in "$KEY" -pubout 2>&1)" ]; then
    t_ok "CSR is for the installed key"
else
    t_not_ok "CSR is for the installed key"
fi

sed -n '/-----BEGIN CERTIFICATE REQUEST-----/,/-----END CERTIFICATE REQUEST/p' \
    "$W/out1" >"$W/csr-stdout.pem"
if [ -s "$W/csr-stdout.pem" ] && cmp -s "$W/csr-stdout.pem" "$CSR"; then
    t_ok "the CSR printed is the CSR written"
else
    t_not_ok "the CSR printed is the CSR written"
fi

if [ "$(stat -c %a "$STATE" 2>/dev/null)" = 600 ] &&
    grep -q "waiting-for-certificate" "$STATE"; then
    t_ok "state $STATE (0600) says waiting-for-certificate"
else
    t_not_ok "state $STATE (0600) says waiting-for-certificate"
    ls -l "$STATE" 2>&1 | t_diag
    t_diag_file "$STATE" 20
fi

if [ ! -e "$CRT" ] && [ ! -e "$CONF" ]; then
    t_ok "no certificate or nginx config written yet"
else
    t_not_ok "no certificate or nginx config written yet"
    ls -l "$CRT" "$CONF" 2>&1 | t_diag
fi

[ -f "$CSR" ] || t_bail "no CSR: the remaining steps need one"

# ------------------------------------------------- 2. the CA signs

cp "$CSR" "$W/link.csr"
if sign "$W/link.csr" "$D" 4097 "$W/leaf1.crt" &&
    cat "$W/leaf1.crt" "$P/inter.crt" >"$W/chain1.pem" &&
    sign "$W/link.csr" "$D" 4098 "$W/leaf2.crt" &&
    cat "$P/inter.crt" "$W/leaf2.crt" >"$W/chain2-reversed.pem"; then
    t_ok "test intermediate signs the CSR (chain1, and a renewal)"
else
    t_diag_file "$W/openssl.log" 20
    t_bail "could not sign the CSR"
fi
{ cert_fps "$W/leaf1.crt"; cert_fps "$P/inter.crt"; } >"$W/fp-chain1"
{ cert_fps "$W/leaf2.crt"; cert_fps "$P/inter.crt"; } >"$W/fp-chain2"

# ------------------------------------------------- 3. install

answers "$W/a-us.yaml" us "$W/chain1.pem"
lw "$W/out3" setup --answers "$W/a-us.yaml" $PROFILES
lw_expect "setup with the certificate exits 0" 0 "$W/out3"

cert_fps "$CRT" >"$W/fp-installed" 2>&1
if [ "$(stat -c %a "$CRT" 2>/dev/null)" = 644 ] &&
    cmp -s "$W/fp-installed" "$W/fp-chain1"; then
    t_ok "$CRT (0644) is leaf + intermediate, leaf first, no root"
else
    t_not_ok "$CRT (0644) is leaf + intermediate, leaf first, no root"
    ls -l "$CRT" 2>&1 | t_diag
    t_diag "installed:"
    t_diag <"$W/fp-installed"
    t_diag "expected:"
    t_diag <"$W/fp-chain1"
fi

if [ -f "$CONF" ] && [ "$(stat -c %a "$CONF")" = 644 ]; then
    t_ok "$CONF written (0644)"
else
    t_not_ok "$CONF written (0644)"
    ls -l /etc/nginx/conf.d 2>&1 | t_diag
fi

if nginx -t >"$W/nginx-t.out" 2>&1; then
    t_ok "nginx -t accepts the configuration"
else
    t_not_ok "nginx -t accepts the configuration"
    t_diag_file "$W/nginx-t.out" 10
    t_diag_file "$CONF" 40
fi

[ -f "$CONF" ] && [ -f "$CRT" ] ||
    t_bail "no nginx config or certificate: the proxy steps need them"

# ------------------------------------------------- 4. the proxy works

check_health "https://$D/health through the proxy answers 200 {}"

# Retried: right after a reload, old workers may still take a connection.
if wait_until health_ok http; then
    t_ok "http://$D/health answers 200 {}"
else
    t_not_ok "http://$D/health answers 200 {}"
    fetch_diag
fi

link_redirects() {
    fetch "https://$D/r/abc123"
    [ "$f_code" = 302 ] && [ "$f_loc" = https://www.example.com/landing ]
}
if wait_until link_redirects; then
    t_ok "a tracked link redirects (the origin got Host: $D)"
else
    t_not_ok "a tracked link redirects (the origin got Host: $D)"
    fetch_diag
    t_diag_file "$W/origin/access.log" 5
    t_diag_file "$CONF" 40
fi

leaf1_fp=$(head -n1 "$W/fp-chain1")
served_is_leaf1() {
    [ "$(served_fp)" = "$leaf1_fp" ]
}
if wait_until served_is_leaf1; then
    t_ok "the proxy serves the installed certificate"
else
    t_not_ok "the proxy serves the installed certificate"
    t_diag "served: $(served_fp)"
fi

lw "$W/out-show" show $PROFILES
lw_expect "show prints the saved setup" 0 "$W/out-show" "$D"

# ------------------------------------------------- 5. idempotent

snap_all >"$W/snap5.before"
lw "$W/out5" setup --answers "$W/a-us.yaml" $PROFILES
lw_expect "the same answers again: exit 0, nothing to change" 0 "$W/out5" \
    "nothing to change"
snap_all >"$W/snap5.after"
same_snap "the same answers again: no file written" "$W/snap5.before" \
    "$W/snap5.after"

answers "$W/a-eu.yaml" eu "$W/chain1.pem"
lw "$W/out5d" setup --answers "$W/a-eu.yaml" $PROFILES --dry-run
lw_expect "dry run of a region change shows the new origin" 0 "$W/out5d" \
    "track-eu\\.customer\\.io"
snap_all >"$W/snap5d.after"
same_snap "the dry run writes nothing" "$W/snap5.before" "$W/snap5d.after"

# ------------------------------------------------- 6. refusals

# refused NAME DESC ANSWERS [PATTERN]: setup refuses (exit 2), the files
# stay as they were, the proxy still serves.
refused() {
    snap content $LW_FILES >"$W/snap-$1.before"
    lw "$W/out-$1" setup --answers "$3" $PROFILES
    lw_expect "$2: setup refuses (exit 2)" 2 "$W/out-$1" "${4:-}"
    # A file of the test itself (the broken config) is not linkwiz's.
    snap content $LW_FILES | grep -v 00-broken.conf >"$W/snap-$1.after"
    grep -v 00-broken.conf "$W/snap-$1.before" >"$W/snap-$1.b"
    same_snap "$2: every file as before" "$W/snap-$1.b" "$W/snap-$1.after"
}

# (a) a certificate for another name, same key.
openssl req -new -key "$KEY" -subj /CN=other.example.com \
    -out "$W/other.csr" >>"$W/openssl.log" 2>&1 &&
    sign "$W/other.csr" other.example.com 4099 "$W/other.crt" &&
    cat "$W/other.crt" "$P/inter.crt" >"$W/chain-other.pem"
answers "$W/a-other.yaml" us "$W/chain-other.pem"
refused wrongname "certificate for other.example.com" "$W/a-other.yaml"
check_health "after the wrong-name certificate, the proxy still serves {}"

# (b) a certificate for the domain, but for another key.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$W/stranger.key" >>"$W/openssl.log" 2>&1 &&
    openssl req -new -key "$W/stranger.key" -subj "/CN=$D" \
        -out "$W/stranger.csr" >>"$W/openssl.log" 2>&1 &&
    sign "$W/stranger.csr" "$D" 4100 "$W/stranger.crt" &&
    cat "$W/stranger.crt" "$P/inter.crt" >"$W/chain-stranger.pem"
answers "$W/a-stranger.yaml" us "$W/chain-stranger.pem"
refused wrongkey "certificate for another key" "$W/a-stranger.yaml"
check_health "after the other-key certificate, the proxy still serves {}"

# (c) nginx -t fails: a broken file of someone else, and a change (region
# eu) that rewrites linkwiz's server block.
echo "this is not nginx syntax" >/etc/nginx/conf.d/00-broken.conf
refused nginxt "nginx -t fails" "$W/a-eu.yaml" \
    "00-broken\\.conf|unknown directive"
rm -f /etc/nginx/conf.d/00-broken.conf
if nginx -t >"$W/nginx-t.out" 2>&1; then
    t_ok "after the failed nginx -t, the configuration is valid again"
else
    t_not_ok "after the failed nginx -t, the configuration is valid again"
    t_diag_file "$W/nginx-t.out" 10
fi
check_health "after the failed nginx -t, the proxy still serves {}"

# ------------------------------------------------- 7. renewal, rollback

crt_before=$(sha256sum <"$CRT")
answers "$W/a-renew.yaml" us "$W/chain2-reversed.pem"
lw "$W/out7" setup --answers "$W/a-renew.yaml" $PROFILES
lw_expect "renewal (chain given intermediate first): exit 0" 0 "$W/out7"

cert_fps "$CRT" >"$W/fp-installed" 2>&1
if cmp -s "$W/fp-installed" "$W/fp-chain2"; then
    t_ok "renewed $CRT is reordered: leaf first, then intermediate"
else
    t_not_ok "renewed $CRT is reordered: leaf first, then intermediate"
    t_diag "installed:"
    t_diag <"$W/fp-installed"
    t_diag "expected:"
    t_diag <"$W/fp-chain2"
fi

leaf2_fp=$(head -n1 "$W/fp-chain2")
served_is_leaf2() {
    [ "$(served_fp)" = "$leaf2_fp" ]
}
if wait_until served_is_leaf2; then
    t_ok "nginx was reloaded: the proxy serves the renewed certificate"
else
    t_not_ok "nginx was reloaded: the proxy serves the renewed certificate"
    t_diag "served: $(served_fp)"
    t_diag "expected: $leaf2_fp"
    lw_diag "$W/out7"
fi
check_health "after the renewal, the proxy serves {}"

conf_before=$(sha256sum <"$CONF")
lw "$W/out-rb" rollback $PROFILES
lw_expect "rollback exits 0" 0 "$W/out-rb"
if [ "$(sha256sum <"$CRT")" = "$crt_before" ] &&
    [ "$(sha256sum <"$CONF")" = "$conf_before" ]; then
    t_ok "rollback put the previous certificate back"
else
    t_not_ok "rollback put the previous certificate back"
    cert_fps "$CRT" | t_diag
fi
if nginx -t >"$W/nginx-t.out" 2>&1; then
    t_ok "after the rollback, nginx -t accepts the configuration"
else
    t_not_ok "after the rollback, nginx -t accepts the configuration"
    t_diag_file "$W/nginx-t.out" 10
fi
if wait_until served_is_leaf1; then
    t_ok "after the rollback, the proxy serves the previous certificate"
else
    t_not_ok "after the rollback, the proxy serves the previous certificate"
    t_diag "served: $(served_fp)"
    t_diag "expected: $leaf1_fp"
    lw_diag "$W/out-rb"
fi
check_health "after the rollback, the proxy serves {}"

t_done
