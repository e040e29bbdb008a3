#!/bin/sh
# wizard-cloudfront.sh - the wizard's CloudFront path, driven in tmux at
# 80x24 under --root, start to finish: RSA 2048 only (and the request in
# ACM offered), key and CSR, the certificate, the import command and the
# files for ACM, an ARN in eu-west-1 refused in place, the ARN, the
# distribution config and the create command, a wrong distribution name
# refused, the distribution's domain, the CNAME record, the live checks,
# the done screen; then the request-in-ACM path (no key made here).
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
LINKWIZ=${LINKWIZ:-$TOP_BUILDDIR/linkwiz}
. "$TOP_SRCDIR/tests/cli/tap.sh"
. "$TOP_SRCDIR/tests/screens/tmux.sh"

command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
command -v openssl >/dev/null || { echo "1..0 # SKIP openssl not installed"; exit 0; }

D=link.example.com
DIST=d1234567890abc.cloudfront.net
ARN=arn:aws:acm:us-east-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef
ARN_EU=arn:aws:acm:eu-west-1:123456789012:certificate/12345678-90ab-cdef-1234-567890abcdef
root=$T/root
mkdir -p "$root"
make_ca "$T/ca" || { echo "Bail out! cannot make a test CA"; exit 1; }
key=$root/etc/pki/tls/private/$D.key
csr=$root/etc/pki/tls/certs/$D.csr
cfdir=$root/var/lib/linkwiz/cloudfront
state=$root/var/lib/linkwiz/state.yaml
# Every network step fails fast (see wizard.sh).
net="--resolver 127.0.0.1:9 --connect-to $D:443:127.0.0.1:9 --connect-to $D:80:127.0.0.1:9 --timeout 1"
wiz="$LINKWIZ --root $root --ca-file $T/ca/ca.crt $net"

# to_method: from the welcome screen of a fresh root to the key step with
# CloudFront chosen.
to_key_step() {
    screen_has "$1: welcome screen" "Start the setup"
    tm_keys Enter
    tm_wait "Domain:" 5
    tm_keys -l "$D"
    tm_keys Enter
    tm_wait "tracking host track-eu.customer.io" 5
    tm_keys Enter
    tm_wait "Amazon CloudFront" 5
    tm_keys Down Enter
}

# ---- the import path
tm_start
tm_run "$wiz; echo EXIT=\$?"
to_key_step "import"
screen_has "key step: RSA 2048 only, with the reason" "at most 2048 bits"
check "key step: no other size offered" \
    sh -c "! grep -qE 'RSA (3072|4096)|EC P-' '$T/screen'"
check "key step: the request in ACM offered" \
    grep -q "request the certificate in ACM" "$T/screen"
tm_keys Enter
screen_has "key and CSR made, CSR shown" "Send this CSR to your CA" 60
check "the key is RSA 2048, mode 0600" sh -c \
    "[ \"\$(stat -c %a '$key')\" = 600 ] && openssl rsa -in '$key' -noout -text 2>/dev/null | grep -q 'Private-Key: (2048 bit'"
tm_keys Enter
tm_wait "Or paste the PEM text" 5
sign_csr "$T/ca" "$csr" "$T/chain.pem" "$D"
tm_keys -l "$T/chain.pem"
tm_keys Enter
screen_has "certificate accepted: the CloudFront step shows the import command" \
    "aws acm import-certificate" 20
check "the import command names the three files, one option a line" sh -c \
    "grep -q -- '--certificate fileb:///var/lib/linkwiz/cloudfront/$D.leaf.pem' '$T/screen' && grep -q -- '--certificate-chain' '$T/screen' && grep -q 'fileb:///var/lib/linkwiz/cloudfront/$D.chain.pem' '$T/screen' && grep -q -- '--private-key fileb:///etc/pki/tls/private/$D.key' '$T/screen'"
check "the leaf and the chain for ACM are written" \
    sh -c "[ -f '$cfdir/$D.leaf.pem' ] && [ -f '$cfdir/$D.chain.pem' ]"
check "no distribution config before the ARN" test ! -e "$cfdir/$D.json"
tm_golden cloudfront-import
tm_keys -l "$ARN_EU"
tm_keys Enter
screen_has "an ARN in eu-west-1 is refused in place, with the reason" \
    "CloudFront only uses" 5
tm_keys C-u
tm_keys -l "$ARN"
tm_keys Enter
screen_has "the ARN: the config is written, the create command shown" \
    "aws cloudfront create-distribution" 20
check "the distribution config is written, 0644, with the ARN" sh -c \
    "[ \"\$(stat -c %a '$cfdir/$D.json')\" = 644 ] && grep -q '\"ACMCertificateArn\": \"$ARN\"' '$cfdir/$D.json'"
tm_keys NPage
screen_has "the console steps and the viewer policy explained" \
    "TLSv1.2_2021" 5
tm_keys -l "cdn.example.net"
tm_keys Enter
screen_has "a name that is not a distribution's is refused in place" \
    "is not a CloudFront distribution domain" 5
tm_keys C-u
tm_keys -l "$DIST"
tm_keys Enter
screen_has "the distribution's domain is saved" "Saved. Enter shows the DNS" 20
check "state: ARN and distribution saved, installed" sh -c \
    "grep -q 'distribution_domain: $DIST' '$state' && grep -q 'acm_certificate_arn: $ARN' '$state' && grep -q 'phase: installed' '$state'"
tm_keys Enter
screen_has "DNS step: the CNAME to the distribution" "$D.  CNAME  $DIST." 5
tm_golden cloudfront-dns
tm_keys Enter
screen_has "live checks table appears" "origin.health" 10
screen_has "the table fills in and the run ends" "agree" 30
check "origin.health and nginx.config are skipped" sh -c \
    "grep -qE 'skip +origin\.health' '$T/screen' && grep -qE 'skip +nginx\.config' '$T/screen'"
tm_keys Enter
screen_has "done screen: the provider's last step" "press Verify" 5
tm_keys Enter
screen_has "wizard ends with exit 0" "EXIT=0" 5

# ---- the request path: no key here
rm -rf "$root"
mkdir -p "$root"
tm_run "clear; $wiz; echo EXIT=\$?"
to_key_step "request"
tm_wait "request the certificate in ACM" 5
tm_keys Down Enter
screen_has "request path: the request command, no key leaves AWS" \
    "aws acm request-certificate" 10
check "request path: us-east-1, DNS validation, RSA 2048" sh -c \
    "grep -q -- '--region us-east-1' '$T/screen' && grep -q -- '--validation-method DNS' '$T/screen' && grep -q -- '--key-algorithm RSA_2048' '$T/screen'"
check "request path: the key never leaves AWS is said" \
    grep -q "never" "$T/screen"
check "request path: no key or CSR made" \
    sh -c "[ ! -e '$key' ] && [ ! -e '$csr' ]"
tm_keys -l "$ARN"
tm_keys Enter
screen_has "request path: the config is written" \
    "aws cloudfront create-distribution" 20
check "request path: config written, still no key" \
    sh -c "[ -f '$cfdir/$D.json' ] && [ ! -e '$key' ]"
tm_keys C-q
tm_wait "EXIT=" 3 || tm_keys y
screen_has "quit: the wizard ends" "EXIT=" 5

done_testing
