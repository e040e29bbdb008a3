#!/bin/sh
# setup-root.sh - `linkwiz setup` under --root (no nginx is run there):
# key + CSR, certificate, rerun, dry run, domain change, rollback, corrupt
# state.  Real files, a test CA made with openssl.
. "${TOP_SRCDIR:-.}/tests/cli/tap.sh"

command -v openssl >/dev/null || { echo "1..0 # SKIP openssl not installed"; exit 0; }
root="$T/root"
mkdir -p "$root"
make_ca "$T/ca" || { echo "Bail out! cannot make a test CA"; exit 1; }
ca="--ca-file $T/ca/ca.crt"
key=$root/etc/pki/tls/private/link.example.com.key
csr=$root/etc/pki/tls/certs/link.example.com.csr
crt=$root/etc/pki/tls/certs/link.example.com.crt
conf=$root/etc/nginx/conf.d/link.example.com.conf
state=$root/var/lib/linkwiz/state.yaml

# Upper case and a trailing dot: every artefact uses the normalized name.
cat >"$T/a.yaml" <<'YAML'
domain: Link.Example.COM.
region: us
method: nginx
subject: { organization: "Example, Inc.", country: us }
YAML

lw --root "$root" setup --answers "$T/a.yaml"
check "setup without certificate: exit 0" test "$rc" -eq 0
check "key written with mode 0600" test "$(mode_of "$key")" = 600
check "key directory mode 0700" test "$(mode_of "$(dirname "$key")")" = 700
check "CSR printed and written" sh -c "grep -q 'BEGIN CERTIFICATE REQUEST' '$T/out' && [ -f '$csr' ]"
openssl req -in "$csr" -noout -text >"$T/req.txt" 2>&1
check "CSR: CN and SAN are the normalized domain" \
    sh -c "grep -q 'CN *= *link.example.com' '$T/req.txt' && grep -q 'DNS:link.example.com' '$T/req.txt'"
check "CSR: organization with a comma kept whole, country upper case" \
    sh -c "grep -q 'O *= *\"\\{0,1\\}Example, Inc.' '$T/req.txt' && grep -q 'C *= *US' '$T/req.txt'"
check "state file 0600, waiting for the certificate" \
    sh -c "[ \$(stat -c %a '$state') = 600 ] && grep -q 'waiting-for-certificate' '$state'"
check "no private key material on stdout" sh -c "! grep -q 'PRIVATE KEY' '$T/out'"
check "output says what to do next" grep -q 'certificate:' "$T/out"
check "no nginx conf yet" test ! -e "$conf"

before=$(snapshot "$root")
lw --root "$root" setup --answers "$T/a.yaml"
check "rerun while waiting: exit 0, nothing changed" \
    eval "[ $rc -eq 0 ] && [ \"\$(snapshot '$root')\" = '$before' ] && grep -qi 'nothing to change' '$T/out'"

sign_csr "$T/ca" "$csr" "$T/chain.pem" link.example.com
# Intermediate first: linkwiz must put the leaf first.
cat "$T/ca/int.crt" >"$T/rev.pem"; openssl x509 -in "$T/chain.pem" >>"$T/rev.pem"
printf 'certificate: %s\n' "$T/rev.pem" >>"$T/a.yaml"

lw --root "$root" $ca setup --answers "$T/a.yaml" --dry-run
check "dry run: exit 0, shows the nginx block as a diff, writes nothing" \
    eval "[ $rc -eq 0 ] && grep -q '^+.*proxy_set_header Host link.example.com;' '$T/out' && [ ! -e '$conf' ] && [ \"\$(snapshot '$root')\" = '$before' ]"

lw --root "$root" $ca setup --answers "$T/a.yaml"
check "setup with certificate: exit 0" test "$rc" -eq 0
check "certificate installed leaf first" \
    sh -c "openssl x509 -in '$crt' -noout -subject | grep -q link.example.com"
check "chain file has 2 certificates, no root" \
    test "$(grep -c 'BEGIN CERTIFICATE' "$crt")" -eq 2
check "nginx conf: Host header, SNI, verify" \
    sh -c "grep -q 'proxy_set_header Host link.example.com;' '$conf' && grep -q 'proxy_ssl_server_name on;' '$conf' && grep -q 'proxy_pass https://track.customer.io;' '$conf'"
check "nginx conf names run-time paths, not --root" \
    sh -c "grep -q 'ssl_certificate /etc/pki/tls/certs/link.example.com.crt;' '$conf' && ! grep -q '$root' '$conf'"
check "state installed" grep -q 'installed' "$state"

lw --root "$root" show
check "show: domain, status, expiry" \
    sh -c "[ $rc -eq 0 ] && grep -q link.example.com '$T/out' && grep -q 'valid until' '$T/out'"
lw --root "$root" show --json
check "show --json is JSON with the domain" \
    sh -c "[ $rc -eq 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"domain\"]==\"link.example.com\"' '$T/out'"

before=$(snapshot "$root")
lw --root "$root" $ca setup --answers "$T/a.yaml"
check "same answers again: exit 0, 'Nothing to change', no file touched" \
    eval "[ $rc -eq 0 ] && grep -qi 'nothing to change' '$T/out' && [ \"\$(snapshot '$root')\" = '$before' ]"

# A certificate for another name: refused, nothing changed.
openssl req -new -key "$key" -subj /CN=other.example.com -out "$T/other.csr" 2>/dev/null
sign_csr "$T/ca" "$T/other.csr" "$T/other.pem" other.example.com
sed "s#^certificate:.*#certificate: $T/other.pem#" "$T/a.yaml" >"$T/b.yaml"
lw --root "$root" $ca setup --answers "$T/b.yaml"
check "certificate for another name: exit 2, names what it covers" \
    sh -c "[ $rc -eq 2 ] && grep -q 'other.example.com' '$T/err'"
check "... and nothing changed" test "$(snapshot "$root")" = "$before"

# A different domain: refused unless allow_domain_change.
cat >"$T/c.yaml" <<'YAML'
domain: new.example.com
region: us
method: nginx
YAML
lw --root "$root" setup --answers "$T/c.yaml"
check "domain change refused: exit 2, warns that sent links break" \
    sh -c "[ $rc -eq 2 ] && grep -q 'link.example.com' '$T/err' && grep -qi 'already sent' '$T/err'"
check "... and nothing changed" test "$(snapshot "$root")" = "$before"

# Renew: a new certificate for the same key, then roll it back.
sign_csr "$T/ca" "$csr" "$T/renew.pem" link.example.com 60
sed "s#^certificate:.*#certificate: $T/renew.pem#" "$T/a.yaml" >"$T/d.yaml"
old_crt=$(sha256sum <"$crt")
lw --root "$root" $ca setup --answers "$T/d.yaml"
check "renewed certificate installed" \
    sh -c "[ $rc -eq 0 ] && [ \"\$(sha256sum <'$crt')\" != '$old_crt' ]"
check "the replaced certificate is backed up" \
    sh -c "ls '$root'/var/lib/linkwiz/backups/*/etc/pki/tls/certs/link.example.com.crt >/dev/null 2>&1"
lw --root "$root" rollback
check "rollback: exit 0, the previous certificate is back" \
    sh -c "[ $rc -eq 0 ] && [ \"\$(sha256sum <'$crt')\" = '$old_crt' ]"

# A corrupt state file is kept aside, never overwritten.
printf '\001\002 not: [yaml' >"$state"
lw --root "$root" $ca setup --answers "$T/a.yaml"
check "corrupt state: exit 2, moved aside and named" \
    sh -c "[ $rc -eq 2 ] && ls '$state'.bad-* >/dev/null 2>&1 && grep -q 'bad-' '$T/err'"
lw --root "$root" $ca setup --answers "$T/a.yaml" --json
check "then setup runs again (--json output is JSON)" \
    sh -c "[ $rc -eq 0 ] && python3 -m json.tool '$T/out' >/dev/null"

done_testing
