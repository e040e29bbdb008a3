#!/bin/sh
# e2e-cloudfront.sh - end to end, the CloudFront method: `linkwiz setup
# --answers` with method: cloudfront (key and CSR, then the certificate,
# the ARN and the distribution's domain), the files for ACM and the
# distribution config, then `linkwiz check` against a stand-in for the
# distribution, then one fault at a time: an ARN in eu-west-1 (setup
# refuses, exit 2, nothing written), a CNAME to another distribution
# (dns.record fails, exit 2), a distribution that rewrites Host to the
# origin's name (the tracked link answers "Invalid link security token":
# http.health fails, exit 2, and the hint says to forward all headers).
#
# The world is tests/fixtures/check/lib-check.sh's (private mount, network
# and pid namespaces, a test CA in the system trust bundle, DNS from
# tests/fixtures/dnsserver.py, the mock origin of
# tests/fixtures/check/servers-nginx.conf.in in a second network
# namespace).  The distribution d1234567890abc.cloudfront.net resolves to
# 127.0.0.1, where an nginx (tests/fixtures/cloudfront/
# distribution-nginx.conf.in) does what the distribution does.
#
# Needs root, unshare, nsenter, nginx, openssl, curl, ip, python3;
# otherwise skipped ("1..0 # SKIP"), unless LW_E2E_REQUIRED=1.
# LW_E2E_VERBOSE=1 shows every check's table.  TAP on stdout.

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

CF_FIX=$TOP_SRCDIR/tests/fixtures/cloudfront
KEY=/etc/pki/tls/private/$D.key
CSR=/etc/pki/tls/certs/$D.csr
CRT=/etc/pki/tls/certs/$D.crt
CFDIR=/var/lib/linkwiz/cloudfront
JSON=$CFDIR/$D.json
PROFILES="--profiles $CK_FIX/profiles.yaml"
R1=127.0.0.1
AUTH=127.0.0.10
DIST=d1234567890abc.cloudfront.net
OLD_DIST=d9999999999xyz.cloudfront.net
ARN=arn:aws:acm:us-east-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef
ARN_EU=arn:aws:acm:eu-west-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef

server_logs() {
    t_diag_file "$W/dist/error.log" 10
    t_diag_file "$W/servers/error.log" 10
    for _f in "$W"/dns-*.log; do
        t_diag_file "$_f" 5
    done
}

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

ck_diag() {
    t_diag "command: $ck_cmd"
    t_diag "exit status: $ck_rc, ${ck_ms} ms"
    ckjson table "$1.json" 2>&1 | head -60 | t_diag
    t_diag_file "$1.err" 10
}

# expect DESC OUT RC ID=STATUS...
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

# names DESC OUT PATTERN [ID...]
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

# dns CASE ZONE: the resolver and ns1.example.com answer from ZONE now.
dns() {
    if ck_dns_restart r1 "$R1:53" "$2" &&
        ck_dns_restart auth "$AUTH:53" "$2" --aa; then
        t_ok "DNS $1"
    else
        t_not_ok "DNS $1"
        server_logs
    fi
}

# distribution HOST: (re)start the stand-in with this Host header to the
# origin, and wait until it answers /health.
distribution() {
    mkdir -p "$W/dist/tmp"
    sed -e "s|@W@|$W|g" -e "s|@CRT@|$CRT|g" -e "s|@KEY@|$KEY|g" \
        -e "s|@HOST@|$1|g" "$CF_FIX/distribution-nginx.conf.in" \
        >"$W/dist/nginx.conf"
    if [ -f "$W/dist/nginx.pid" ]; then
        nginx -p "$W/dist/" -c "$W/dist/nginx.conf" -s reload \
            >>"$W/dist/start.log" 2>&1 || return 1
    else
        nginx -p "$W/dist/" -c "$W/dist/nginx.conf" \
            >>"$W/dist/start.log" 2>&1 || return 1
        CK_PIDS="$CK_PIDS $(cat "$W/dist/nginx.pid" 2>/dev/null)"
    fi
    _dist_ok() {
        [ "$(curl -sS --noproxy '*' --max-time 2 --cacert "$BUNDLE" \
            --resolve "$D:443:127.0.0.1" "https://$D/health" 2>/dev/null)" \
            = "{}" ]
    }
    wait_until _dist_ok
}

# link_status: what a tracked link through the stand-in answers.
link_status() {
    curl -s --noproxy '*' --max-time 2 --cacert "$BUNDLE" \
        --resolve "$D:443:127.0.0.1" -o /dev/null -w '%{http_code}' \
        "https://$D/e/c/abc/def?x=1"
}

# link_is CODE: a tracked link answers CODE (after a reload, the old
# workers may answer for a moment: callers wait for it).
link_is() {
    [ "$(link_status)" = "$1" ]
}

# ------------------------------------------------- the private world

if ! ck_world; then
    t_bail "could not set up the private namespace (mounts, lo)"
fi
t_ok "private /etc, /var/lib, /run and network namespace"

if ck_make_ca &&
    ck_leaf origin "track.customer.io,track-eu.customer.io" 3 &&
    ck_leaf stale www.example.net 4; then
    t_ok "test CA in the system trust bundle; origin leaf"
else
    t_diag_file "$W/openssl.log" 20
    t_bail "could not make the test CA"
fi

# The zones: the link domain CNAMEd to the distribution (good), or to an
# old distribution (fault); both distributions' names resolve.
Z=$W/zones
mkdir -p "$Z"
cf_extra() {
    printf '"cloudfront.net.": [{"type": "SOA", "ttl": 3600, "data": '
    printf '"ns1.cloudfront.net. hostmaster.cloudfront.net. 1 3600 600 '
    printf '86400 300"}],\n'
    printf '"%s.": %s,\n' "$DIST" "$(ck_rr A 127.0.0.1)"
    printf '"%s.": %s\n' "$OLD_DIST" "$(ck_rr A 127.0.0.3)"
}
ck_zone "$Z/good.json" "$(ck_rr CNAME "$DIST.")" "$(cf_extra)" &&
    ck_zone "$Z/old-dist.json" "$(ck_rr CNAME "$OLD_DIST.")" "$(cf_extra)" ||
    t_bail "could not write the zone files"

if ck_dns_start r1 "$R1:53" "$Z/good.json" &&
    ck_dns_start auth "$AUTH:53" "$Z/good.json" --aa &&
    wait_until sh -c "getent ahostsv4 $D | grep -q 127.0.0.1"; then
    t_ok "dnsserver.py: $D CNAME $DIST (127.0.0.1)"
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
    t_ok "remote network: the mock tracking origin (nginx)"
else
    t_diag_file "$W/servers/start.log" 10
    server_logs
    t_bail "the mock origin did not start"
fi

# ------------------------------------------------- linkwiz setup

# answers FILE [CERTIFICATE [ARN [DISTRIBUTION]]]
answers() {
    {
        echo "domain: $D"
        echo "region: us"
        echo "method: cloudfront"
        [ -n "${2:-}" ] && echo "certificate: $2"
        if [ -n "${3:-}" ]; then
            echo "cloudfront:"
            echo "  acm_certificate_arn: $3"
            [ -n "${4:-}" ] && echo "  distribution_domain: $4"
        fi
    } >"$1"
}

answers "$W/a1.yaml"
lw "$W/setup1" setup --answers "$W/a1.yaml" $PROFILES
if [ "$t_rc" = 0 ] && [ -f "$CSR" ] &&
    openssl rsa -in "$KEY" -noout -text 2>/dev/null |
    grep -q 'Private-Key: (2048 bit'; then
    t_ok "setup, method cloudfront: an RSA 2048 key and the CSR"
else
    lw_diag "$W/setup1"
    t_bail "linkwiz setup (key and CSR) failed"
fi

if ck_sign "$CSR" "$D" 5000 "$W/good.crt" &&
    cat "$W/good.crt" "$P/inter.crt" >"$W/good-chain.pem"; then
    t_ok "test CA signs the CSR"
else
    t_diag_file "$W/openssl.log" 20
    t_bail "could not sign the leaf"
fi

# The certificate, the ARN and the distribution's domain at once.
answers "$W/a2.yaml" "$W/good-chain.pem" "$ARN" "$DIST"
lw "$W/setup2" setup --answers "$W/a2.yaml" $PROFILES
if [ "$t_rc" = 0 ] && [ -f "$JSON" ] && [ -f "$CRT" ]; then
    t_ok "setup with the certificate, ARN and distribution: exit 0"
else
    lw_diag "$W/setup2"
    t_bail "linkwiz setup with the certificate failed"
fi

# The files ACM wants: the leaf alone, the intermediate alone.
if [ "$(ck_fp "$CFDIR/$D.leaf.pem")" = "$(ck_fp "$W/good.crt")" ] &&
    [ "$(grep -c 'BEGIN CERTIFICATE' "$CFDIR/$D.leaf.pem")" = 1 ] &&
    [ "$(ck_fp "$CFDIR/$D.chain.pem")" = "$(ck_fp "$P/inter.crt")" ] &&
    [ "$(grep -c 'BEGIN CERTIFICATE' "$CFDIR/$D.chain.pem")" = 1 ]; then
    t_ok "for ACM: $D.leaf.pem is the leaf, $D.chain.pem the intermediate"
else
    t_not_ok "for ACM: $D.leaf.pem is the leaf, $D.chain.pem the intermediate"
    ls -l "$CFDIR" 2>&1 | t_diag
fi

# The distribution config: JSON (python's parser), mode 0644, the fields.
if [ "$(stat -c %a "$JSON")" = 644 ] &&
    "$PY" -m json.tool "$JSON" >/dev/null 2>"$W/json.err" &&
    "$PY" - "$JSON" "$D" "$ARN" >"$W/json.why" 2>&1 <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
d, arn = sys.argv[2], sys.argv[3]
o = c["Origins"]["Items"][0]
b = c["DefaultCacheBehavior"]
assert c["Aliases"] == {"Quantity": 1, "Items": [d]}, c["Aliases"]
assert o["DomainName"] == "track.customer.io", o
assert o["CustomOriginConfig"]["HTTPSPort"] == 8443, o
assert o["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
assert b["ForwardedValues"]["Headers"]["Items"] == ["*"], b
assert b["ForwardedValues"]["QueryString"] is True
assert b["AllowedMethods"]["Quantity"] == 7
assert c["ViewerCertificate"]["ACMCertificateArn"] == arn
assert c["CallerReference"].startswith("linkwiz-" + d + "-")
EOF
then
    t_ok "$JSON: 0644, valid JSON, origin, alias, all headers, the ARN"
else
    t_not_ok "$JSON: 0644, valid JSON, origin, alias, all headers, the ARN"
    t_diag_file "$W/json.err" 5
    t_diag_file "$W/json.why" 10
fi

# A rerun changes nothing (the caller reference is kept).
cp "$JSON" "$W/json-before"
lw "$W/setup3" setup --answers "$W/a2.yaml" $PROFILES
if [ "$t_rc" = 0 ] && cmp -s "$JSON" "$W/json-before" &&
    grep -q 'Nothing to change' "$W/setup3"; then
    t_ok "setup again: nothing to change, the config is the same file"
else
    t_not_ok "setup again: nothing to change, the config is the same file"
    lw_diag "$W/setup3"
fi

# ------------------------------------------------- fault: ARN in eu-west-1

snapshot() {
    find /etc/pki/tls /var/lib/linkwiz -type f 2>/dev/null | sort |
        while read -r _f; do
            printf '%s %s ' "$(stat -c %a "$_f")" "$_f"
            sha256sum <"$_f"
        done
}
snapshot >"$W/snap-before"
answers "$W/a-eu.yaml" "$W/good-chain.pem" "$ARN_EU" "$DIST"
lw "$W/setup-eu" setup --answers "$W/a-eu.yaml" $PROFILES
snapshot >"$W/snap-after"
if [ "$t_rc" = 2 ] && cmp -s "$W/snap-before" "$W/snap-after"; then
    t_ok "ARN in eu-west-1: setup refuses, exit 2, nothing written"
else
    t_not_ok "ARN in eu-west-1: setup refuses, exit 2, nothing written"
    lw_diag "$W/setup-eu"
    diff "$W/snap-before" "$W/snap-after" | t_diag
fi
if grep -q 'eu-west-1' "$W/setup-eu" &&
    grep -q 'only uses certificates from ACM in us-east-1' "$W/setup-eu"; then
    t_ok "ARN in eu-west-1: the message gives the reason (us-east-1 only)"
else
    t_not_ok "ARN in eu-west-1: the message gives the reason (us-east-1 only)"
    lw_diag "$W/setup-eu"
fi

# ------------------------------------------------- the distribution

if distribution '$http_host'; then
    t_ok "the distribution stand-in serves $D on 127.0.0.1 (Host forwarded)"
else
    t_diag_file "$W/dist/start.log" 10
    server_logs
    t_bail "the distribution stand-in did not start"
fi
if wait_until link_is 302; then
    t_ok "a tracked link through it reaches the origin with Host $D (302)"
else
    t_not_ok "a tracked link through it reaches the origin with Host $D (302)"
    server_logs
fi

ALL_PASS="dns.record=pass dns.authoritative=pass dns.caa=pass
    tls.handshake=pass tls.chain=pass tls.hostname=pass tls.expiry=pass
    tls.key=pass files.key=pass nginx.config=skip http.health=pass
    http.health_plain=pass origin.health=skip"

ck_check "$W/pass" --resolver "$R1" $PROFILES
# shellcheck disable=SC2086
expect "correct CloudFront setup: every check passes, exit 0" "$W/pass" 0 \
    $ALL_PASS
names "dns.record names the distribution" "$W/pass" "$DIST" dns.record
names "origin.health says why it is skipped" "$W/pass" \
    'CloudFront reaches the tracking host' origin.health

# ------------------------------------------------- fault: old distribution

dns "$D CNAME $OLD_DIST (an old distribution)" "$Z/old-dist.json"
ck_check "$W/old" --resolver "$R1" $PROFILES
expect "CNAME to another distribution: dns.record fails, exit 2" "$W/old" 2 \
    dns.record=fail
names "CNAME to another distribution: both distributions are named" \
    "$W/old" "$OLD_DIST.*$DIST" dns.record
dns "back to $DIST" "$Z/good.json"

# ------------------------------------------------- fault: Host rewritten

if distribution 'track.customer.io' && wait_until link_is 403; then
    t_ok "the stand-in now rewrites Host: a tracked link answers 403"
    ck_check "$W/host" --resolver "$R1" $PROFILES
    expect "Host rewritten by the distribution: http.health fails, exit 2" \
        "$W/host" 2 http.health=fail
    names "Host rewritten: the check says Invalid link security token" \
        "$W/host" 'Invalid link security token' http.health
    names "Host rewritten: the hint says to forward all headers" \
        "$W/host" 'forward all headers' http.health
else
    t_not_ok "the stand-in now rewrites Host: a tracked link answers 403"
    server_logs
fi

# ------------------------------------------------- all pass again

{ distribution '$http_host' && wait_until link_is 302; } ||
    t_diag "the stand-in did not come back"
ck_check "$W/pass2" --resolver "$R1" $PROFILES
# shellcheck disable=SC2086
expect "faults undone: every check passes again, exit 0" "$W/pass2" 0 \
    $ALL_PASS

t_done
