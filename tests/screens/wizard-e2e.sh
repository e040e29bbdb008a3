#!/bin/sh
# wizard-e2e.sh - the interactive wizard end to end on a real server: the
# real binary driven in tmux at 80x24 through the whole NGINX path, with
# root "/" (nginx -t and the reload really run), ending with every live
# check passing and https://link.example.com/health answering {} through
# the proxy.
#
# The world is the one of tests/cli/e2e-check.sh (see
# tests/fixtures/check/lib-check.sh): private mount, network and pid
# namespaces, a private /etc and /var/lib, a test CA in the system trust
# bundle, DNS from tests/fixtures/dnsserver.py (a resolver on 127.0.0.1,
# ns1.example.com on 127.0.0.10) with link.example.com already pointing at
# the proxy, the mock origin in a second network namespace, and the system
# nginx as the proxy under test on 127.0.0.1.  The tmux server runs inside
# the namespaces, on a socket in the private work directory.
#
# Walk: welcome, domain, region us, method NGINX, key RSA 2048 (the
# default), key and CSR made, the CSR signed here by the test CA (leaf +
# intermediate), its path typed at the certificate step, the nginx block
# shown, written, nginx -t, reload, the DNS step, the live checks (every
# one passes), the Done screen, exit 0.  Every screen is asserted with
# capture-pane.
#
# Needs root, unshare, nsenter, nginx, openssl, curl, ip, python3, tmux;
# otherwise skipped ("1..0 # SKIP"), unless LW_E2E_REQUIRED=1 (CI), where
# that is a failure.  Environment: LINKWIZ, TOP_SRCDIR (from the test
# runner).  TAP on stdout.

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
        python3 tmux)
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
# The tmux socket lives in the private tmpfs: no clash with other tests
# (the pid of this script is the same small number in every pid namespace).
TMUX_TMPDIR=$W
export TMUX_TMPDIR

KEY=/etc/pki/tls/private/$D.key
CSR=/etc/pki/tls/certs/$D.csr
CRT=/etc/pki/tls/certs/$D.crt
CONF=/etc/nginx/conf.d/$D.conf
STATE=/var/lib/linkwiz/state.yaml
R1=127.0.0.1    # the resolver (and the one of /etc/resolv.conf)
AUTH=127.0.0.10 # ns1.example.com, the zone's authoritative server
SCREEN=$W/screen

# ------------------------------------------------------------- tmux

# Copied and adapted from tests/screens/tmux.sh (which stays as it is):
# the counting is lib.sh's here.  tmux wants a UTF-8 locale for itself;
# the pane's environment is set apart (env -i).
tm() { LC_ALL=C.UTF-8 tmux -L lw-wizard-e2e -f /dev/null "$@"; }

tm_start() {
    _env="PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$W TERM=xterm-256color"
    tm new-session -d -x 80 -y 24 -s w \
        "env -i $_env LANG=C.UTF-8 PS1='lwtest\$ ' sh"
    tm set-option -g status off >/dev/null
    tm_wait 'lwtest$' 5
}

tm_run() { tm send-keys -t w -l "$1"; tm send-keys -t w Enter; }
tm_keys() { tm send-keys -t w "$@"; }
tm_screen() { tm capture-pane -p -t w >"$SCREEN" 2>/dev/null; }

# tm_wait TEXT [SECONDS]: until the pane shows TEXT (a fixed string); 1
# after SECONDS (default 10).
tm_wait() {
    _n=0
    _max=$((${2:-10} * 10))
    while [ "$_n" -lt "$_max" ]; do
        tm_screen
        grep -qF -- "$1" "$SCREEN" && return 0
        sleep 0.1
        _n=$((_n + 1))
    done
    return 1
}

# tm_wait_re REGEX [SECONDS]: the same for an extended regex.
tm_wait_re() {
    _n=0
    _max=$((${2:-10} * 10))
    while [ "$_n" -lt "$_max" ]; do
        tm_screen
        grep -qE -- "$1" "$SCREEN" && return 0
        sleep 0.1
        _n=$((_n + 1))
    done
    return 1
}

tm_diag() {
    printf '# --- the pane (80x24)\n'
    sed 's/^/#   | /' "$SCREEN"
}

# screen_has DESC TEXT [SECONDS]: ok when the pane shows TEXT in time;
# the pane as diagnostics otherwise.
screen_has() {
    if tm_wait "$2" "${3:-10}"; then
        t_ok "$1"
        return 0
    fi
    t_not_ok "$1"
    t_diag "expected on the screen: $2"
    tm_diag
    return 1
}

# on_screen DESC TEXT: the pane, as last captured, shows TEXT.
on_screen() {
    if grep -qF -- "$2" "$SCREEN"; then
        t_ok "$1"
        return 0
    fi
    t_not_ok "$1"
    t_diag "expected on the screen: $2"
    tm_diag
    return 1
}

server_logs() {
    t_diag_file /var/log/nginx/error.log 10
    t_diag_file "$W/servers/error.log" 10
    for _f in "$W"/dns-*.log; do
        t_diag_file "$_f" 5
    done
}

# Stops on the first step that did not come: the rest would only time out.
give_up() {
    t_diag "the walk stops here"
    server_logs
    t_done
}

# Run by the EXIT trap.
# shellcheck disable=SC2317
cleanup() {
    tm kill-server 2>/dev/null
    ck_cleanup
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# ------------------------------------------------- the private world

if ! ck_world; then
    t_bail "could not set up the private namespace (mounts, lo)"
fi
t_ok "private /etc, /var/lib, /run and network namespace"

if ck_make_ca && ck_leaf origin "track.customer.io,track-eu.customer.io" 3
then
    t_ok "test CA in the system trust bundle; origin leaf"
else
    t_diag_file "$W/openssl.log" 20
    t_bail "could not make the test CA"
fi

# link.example.com points at the proxy (127.0.0.1) before the wizard runs.
Z=$W/zones
mkdir -p "$Z"
ck_zone "$Z/good.json" "$(ck_rr A 127.0.0.1)" ||
    t_bail "could not write the zone file"
if ck_dns_start r1 "$R1:53" "$Z/good.json" &&
    ck_dns_start auth "$AUTH:53" "$Z/good.json" --aa &&
    wait_until sh -c "getent ahostsv4 $D | grep -q 127.0.0.1"
then
    t_ok "dnsserver.py: resolver $R1, ns1.example.com $AUTH; $D 127.0.0.1"
else
    server_logs
    t_bail "the DNS servers did not start"
fi

sed "s|@W@|$W|g; s|@ORIGIN@|$CK_ORIGIN|g; s|@STALE@|$CK_STALE|g" \
    "$CK_FIX/servers-nginx.conf.in" >"$W/servers/nginx.conf"
# The stale host's certificate is named by the shared configuration.
ck_leaf stale www.example.net 4 || t_bail "could not make the stale leaf"
if ck_remote_net &&
    ck_remote nginx -p "$W/servers/" -c "$W/servers/nginx.conf" \
        >"$W/servers/start.log" 2>&1 &&
    wait_until sh -c "curl -sf --noproxy '*' --max-time 2 \
        --cacert $BUNDLE https://track.customer.io:8443/health | grep -qx '{}'"
then
    t_ok "remote network: the mock origin answers /health"
else
    t_diag_file "$W/servers/start.log" 10
    server_logs
    t_bail "the mock origin did not start"
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

if tm_start; then
    t_ok "tmux at 80x24 inside the namespaces"
else
    tm_screen
    tm_diag
    t_bail "tmux did not start"
fi

# ------------------------------------------------- the wizard

WIZ="$LINKWIZ --profiles $CK_FIX/profiles.yaml --resolver $R1"
tm_run "$WIZ --ca-file $P/root.crt; echo EXIT=\$?"
screen_has "welcome screen on a fresh server" "Start the setup" || give_up

tm_keys Enter
screen_has "domain step" "Domain:" 5 || give_up
tm_keys -l "$D"
screen_has "domain accepted as typed" "$D will be used." 5 || give_up

tm_keys Enter
screen_has "region step: us first, its tracking host" \
    "tracking host track.customer.io" 5 || give_up
on_screen "region step: the profile's provider" "Customer.io"

tm_keys Enter
screen_has "method step: NGINX on this server" "NGINX on this server" 5 ||
    give_up
on_screen "method step: CloudFront offered too" "Amazon CloudFront"

tm_keys Enter
screen_has "key step: RSA 2048 recommended" "RSA 2048 (recommended)" 5 ||
    give_up

tm_keys Enter
screen_has "key and CSR made, CSR shown" "Send this CSR to your CA" 60 ||
    give_up
on_screen "CSR screen shows the PEM" "BEGIN CERTIFICATE REQUEST"
t_check "key written, mode 0600" \
    test "$(stat -c %a "$KEY" 2>/dev/null)" = 600
if openssl pkey -in "$KEY" -noout -text 2>/dev/null |
    grep -q 'Private-Key: (2048 bit'; then
    t_ok "key is RSA 2048 (the default)"
else
    t_not_ok "key is RSA 2048 (the default)"
    openssl pkey -in "$KEY" -noout -text 2>&1 | head -3 | t_diag
fi
t_check "CSR saved at $CSR" grep -q 'BEGIN CERTIFICATE REQUEST' "$CSR"

# The CA's part: the leaf for the CSR, with the intermediate.
if ck_sign "$CSR" "$D" 5000 "$W/good.crt" &&
    cat "$W/good.crt" "$P/inter.crt" >"$W/good-chain.pem"; then
    t_ok "test CA signs the wizard's CSR (leaf + intermediate)"
else
    t_diag_file "$W/openssl.log" 20
    t_bail "could not sign the CSR"
fi

tm_keys Enter
screen_has "certificate step" "Or paste the PEM text" 5 || give_up
tm_keys -l "$W/good-chain.pem"
tm_keys Enter
screen_has "nginx block shown before it is written" \
    "To be written to $CONF:" 10 || give_up
on_screen "nginx step offers write, test and reload" \
    "Write the files, test with nginx -t, and reload nginx"
t_check "nothing written before Enter" test ! -e "$CONF"

tm_keys Enter
screen_has "nginx -t passes" "nginx -t: the configuration is valid." 30 ||
    give_up
screen_has "nginx reloaded" "nginx reloaded: the proxy is live." 5
t_check "nginx conf written with the Host header" \
    grep -q "proxy_set_header Host $D;" "$CONF"
t_check "certificate installed" test -s "$CRT"
t_check "state says installed" grep -q 'phase: installed' "$STATE"

tm_keys Enter
screen_has "DNS step names the zone" \
    "Create this record in the DNS zone of example.com" 5 || give_up
on_screen "DNS step shows the record" "$D.  "

tm_keys Enter
screen_has "live checks table appears" "origin.health" 10 || give_up
# The run ends: the heading says "link.example.com: STATUS in N s; ...".
if tm_wait_re "$D: [^ ]+ in [0-9.]+ s; " 30; then
    t_ok "the live checks finish within 30 s"
else
    t_not_ok "the live checks finish within 30 s"
    tm_diag
    give_up
fi
# Once more, a moment later: the last row may have been drawn after the
# heading was read.
sleep 0.3
tm_screen
on_screen "the overall result is pass" "$D: pass in "
_ids='(dns|tls|files|nginx|http|origin)\.[a-z_]+'
_missing=
for _id in dns.record dns.authoritative dns.caa tls.handshake tls.chain \
    tls.hostname tls.expiry tls.key files.key nginx.config http.health \
    http.health_plain origin.health; do
    grep -qE "pass +$(echo "$_id" | sed 's/\./\\./g')( |\$)" "$SCREEN" ||
        _missing="$_missing $_id"
done
_bad=$(grep -cE "(warn|fail|skip|error|running) +$_ids" "$SCREEN")
if [ -z "$_missing" ] && [ "$_bad" -eq 0 ] &&
    [ "$(grep -cE "pass +$_ids" "$SCREEN")" -eq 13 ]; then
    t_ok "every one of the 13 checks passes; no warn or fail row"
else
    t_not_ok "every one of the 13 checks passes; no warn or fail row"
    [ -n "$_missing" ] && t_diag "not shown as passing:$_missing"
    tm_diag
    # The same run's details, for people: the CLI's view.
    ck_check "$W/after" --resolver "$R1" --profiles "$CK_FIX/profiles.yaml"
    ckjson table "$W/after.json" 2>&1 | head -40 | t_diag
fi

tm_keys Enter
screen_has "Done screen: the provider's last step" "press Verify" 5 ||
    give_up
on_screen "Done screen lists what was written" "Written:"
tm_keys Enter
screen_has "the wizard ends with exit 0" "EXIT=0" 10
on_screen "the terminal is back: prompt shown" 'lwtest$'

# ------------------------------------------------- afterwards

health() {
    curl -sS --noproxy '*' --max-time 5 --cacert "$P/root.crt" \
        "https://$D/health" 2>"$W/curl.err"
}
_body=$(health)
if [ "$_body" = "{}" ]; then
    t_ok "curl https://$D/health (test root only, no -k) answers {}"
else
    t_not_ok "curl https://$D/health (test root only, no -k) answers {}"
    t_diag "body: '$_body'"
    t_diag_file "$W/curl.err" 5
    server_logs
fi
if [ "$(ck_served_fp 127.0.0.1)" = "$(ck_fp "$W/good.crt")" ]; then
    t_ok "the proxy serves the certificate signed for the wizard's CSR"
else
    t_not_ok "the proxy serves the certificate signed for the wizard's CSR"
fi

t_done
