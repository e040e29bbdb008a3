#!/bin/sh
# wizard.sh - the interactive wizard, driven in tmux at 80x24 under --root
# (nginx is not run there): the whole NGINX path to the live checks, Esc
# back keeping typed values, the rerun (Revalidate), the domain change
# warning, resize below 80x24 and back, Ctrl-C in the middle of key
# generation, and the refusal without a terminal.  Golden captures of the
# main screens in tests/screens/golden (LW_GOLDEN_UPDATE=1 rewrites them).
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
LINKWIZ=${LINKWIZ:-$TOP_BUILDDIR/linkwiz}
. "$TOP_SRCDIR/tests/cli/tap.sh"
. "$TOP_SRCDIR/tests/screens/tmux.sh"

command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
command -v openssl >/dev/null || { echo "1..0 # SKIP openssl not installed"; exit 0; }

root=$T/root
mkdir -p "$root"
make_ca "$T/ca" || { echo "Bail out! cannot make a test CA"; exit 1; }
key=$root/etc/pki/tls/private/link.example.com.key
csr=$root/etc/pki/tls/certs/link.example.com.csr
conf=$root/etc/nginx/conf.d/link.example.com.conf
state=$root/var/lib/linkwiz/state.yaml
# Every network step fails fast: no resolver answers, the proxy address
# refuses, and a one-second limit bounds the rest.
net="--resolver 127.0.0.1:9 --connect-to link.example.com:443:127.0.0.1:9 --connect-to link.example.com:80:127.0.0.1:9 --timeout 1"
wiz="$LINKWIZ --root $root --ca-file $T/ca/ca.crt $net"

# ---- no terminal
"$LINKWIZ" --root "$root" </dev/null >"$T/out" 2>"$T/err"
rc=$?
check "no terminal: refused with exit 3 and what to use instead" \
    sh -c "[ $rc -eq 3 ] && grep -q 'needs a terminal' '$T/err' && grep -q 'setup --answers' '$T/err'"
rm -f "$T/out" "$T/err"

# ---- first run: the NGINX path
tm_start
tm_run "$wiz; echo EXIT=\$?"
screen_has "welcome screen on a fresh system" "Start the setup"
tm_golden welcome-new
tm_keys Enter
screen_has "domain step" "Domain:"
tm_keys -l "Link.Example.COM."
screen_has "domain checked as typed: normalized form shown" \
    "link.example.com will be used."
tm_golden domain
tm_keys Enter
screen_has "region step lists the profile's regions" "tracking host track-eu.customer.io"
tm_golden region
tm_keys Enter
screen_has "method step" "Amazon CloudFront"
tm_golden method
tm_keys Down Enter
screen_has "CloudFront: key step offers only RSA 2048, with the reason" \
    "at most 2048 bits"
check "CloudFront: no RSA 4096 offered" sh -c "! grep -q 'RSA 4096' '$T/screen'"
screen_has "CloudFront: the key step also offers the request in ACM" \
    "request the certificate in ACM"
tm_keys Escape
tm_wait "Where HTTPS ends" 5
tm_keys Up Enter
screen_has "key step (NGINX) offers RSA 4096 and EC" "EC P-384"
tm_golden key
tm_keys Enter
screen_has "key and CSR made in the background, CSR shown" "Send this CSR to your CA" 60
check "key written 0600" test "$(stat -c %a "$key" 2>/dev/null)" = 600
check "CSR written" grep -q 'BEGIN CERTIFICATE REQUEST' "$csr"
check "state says waiting for the certificate" grep -q waiting-for-certificate "$state"
tm_keys Enter
screen_has "certificate step" "Or paste the PEM text"
tm_golden cert

# Esc back to the domain: the typed value is kept.
tm_keys Escape
tm_wait "Send this CSR" 5
tm_keys Escape
tm_wait "Certificate subject" 5
tm_keys Escape
tm_wait "Where HTTPS ends" 5
tm_keys Escape
tm_wait "tracking host track.customer.io" 5
tm_keys Escape
screen_has "Esc back from the certificate step reaches the domain step" "Domain:"
check "the typed domain is still there" grep -qF "Link.Example.COM." "$T/screen"
tm_keys Enter Enter Enter Enter
screen_has "forward again: the existing key is reused" "Send this CSR to your CA" 30
tm_keys Enter
tm_wait "Or paste the PEM text" 5

# A certificate that does not verify without its intermediate: in place.
sign_csr "$T/ca" "$csr" "$T/chain.pem" link.example.com
openssl x509 -in "$T/chain.pem" -out "$T/leaf.pem"
tm_keys -l "$T/leaf.pem"
tm_keys Enter
screen_has "a chain without its intermediate is refused in place" "does not verify"
tm_keys C-u
# The chain pasted into the text area instead.
tm_keys Tab
tmux -L "$TM_SOCK" load-buffer "$T/chain.pem"
tm paste-buffer -t w
screen_has "pasted chain checked as it arrives" "valid until" 10
tm_keys Enter
screen_has "nginx block shown before it is written" "To be written to /etc/nginx/conf.d/link.example.com.conf" 10
tm_keys NPage
screen_has "the block scrolls: Host header" "proxy_set_header Host link.example.com;" 5
tm_keys F1
screen_has "F1: help for the step" "Invalid link security token" 5
tm_keys Escape
tm_wait "To be written to" 5
check "nothing written before Enter" test ! -e "$conf"
tm_keys Enter
screen_has "files written, nginx not run under --root" "created /etc/nginx/conf.d/link.example.com.conf" 20
check "nginx conf written with the Host header" grep -q 'proxy_set_header Host link.example.com;' "$conf"
check "state installed" grep -q 'phase: installed' "$state"
tm_keys Enter
screen_has "DNS step names the record" "link.example.com.  " 5
tm_keys Enter
screen_has "live checks table appears" "origin.health" 10
screen_has "the table fills in and the run ends" "agree" 30
check "every check has a status" sh -c "[ \$(grep -cE '(pass|warn|fail|skip|error) +[a-z]+\.[a-z_]+' '$T/screen') -eq 13 ]"
tm_keys a
screen_has "a: per-resolver view" "a checks" 5
check "per-resolver view lists the --resolver" sh -c "grep -q '127.0.0.1:9' '$T/screen' && ! grep -q 'origin.health' '$T/screen'"
tm_keys a r
screen_has "r reruns" "agree" 30
tm_keys w
screen_has "w watches with a countdown" "checking again in" 30
tm_keys w Enter
screen_has "done screen: the provider's last step" "press Verify" 5
tm_keys s C-u
tm_keys -l "$T/answers.yaml"
tm_keys Enter
screen_has "answers file saved" "answers.yaml. It has no" 5
mkdir -p "$T/root2"
check "answers file written and parsable by setup" \
    sh -c "grep -q 'domain: link.example.com' '$T/answers.yaml' && '$LINKWIZ' --root '$T/root2' setup --answers '$T/answers.yaml' --dry-run >/dev/null"
tm_keys Enter
screen_has "wizard ends with exit 0 and the last step" "EXIT=0" 5
check "the terminal is back: prompt shown" grep -q 'lwtest\$' "$T/screen"

# ---- rerun: Revalidate
tm_run "clear; $wiz; echo EXIT=\$?"
screen_has "rerun: Revalidate offered with what is set up" "Revalidate" 10
check "rerun shows the domain and expiry" sh -c "grep -q 'link.example.com' '$T/screen' && grep -q 'valid until' '$T/screen'"
tm_golden welcome-installed
tm_keys Enter
screen_has "Revalidate goes straight to the check table" "agree" 30
tm_keys q
screen_has "q leaves at once when nothing is unsaved" "EXIT=0" 5

# ---- domain change warning
tm_run "clear; $wiz; echo EXIT=\$?"
tm_wait "Revalidate" 10
tm_keys Down Enter
tm_wait "Domain:" 5
tm_keys C-u
tm_keys -l "other.example.com"
tm_keys Enter
screen_has "domain change warning" "link.example.com is already set up" 5
tm_golden change
tm_keys Down
tm_keys -l "other.example.org"
tm_keys Enter
screen_has "a wrong confirmation blocks" "not the same name" 5
tm_keys C-u
tm_keys -l "other.example.com"
tm_keys Enter
screen_has "typing the new domain exactly proceeds" "The provider's region" 5
check "title shows the new domain" grep -q 'HTTPS for other.example.com' "$T/screen"
tm_keys Escape
tm_wait "already set up" 5
tm_keys Up Enter
screen_has "keep (the default) goes on with the old domain" "HTTPS for link.example.com" 5

# ---- resize
tm resize-window -t w -x 60 -y 20
screen_has "60x20: terminal too small" "too small (need 80" 5
tm_golden too-small
tm resize-window -t w -x 80 -y 24
screen_has "80x24 again: the step is back" "The provider's region" 5
tm_keys q
screen_has "q with unsaved choices asks first" "y quit, n stay" 5
tm_keys n
tm_wait "The provider's region" 5
tm_keys q y
screen_has "y quits" "EXIT=0" 5
check "the saved setup is untouched by the abandoned change" grep -q 'domain: link.example.com' "$state"

# ---- Ctrl-C during RSA 4096 generation
root3=$T/root3
mkdir -p "$root3"
tm_run "clear; $LINKWIZ --root $root3 $net; echo EXIT=\$?"
tm_wait "Start the setup" 10
tm_keys Enter
tm_wait "Domain:" 5
tm_keys -l "link.example.net"
tm_keys Enter Enter Enter
tm_wait "EC P-384" 5
tm_keys Down Down Enter
tm_wait "candidate" 10
tm_keys C-c
screen_has "Ctrl-C: the shell prompt is back" "EXIT=2" 30
check "Ctrl-C: says nothing was left half-written" grep -q "interrupted" "$T/screen"
check "Ctrl-C: no key, CSR or state left" \
    sh -c "[ ! -e '$root3/etc/pki/tls/private/link.example.net.key' ] && [ ! -e '$root3/etc/pki/tls/certs/link.example.net.csr' ] && [ ! -e '$root3/var/lib/linkwiz/state.yaml' ]"
check "Ctrl-C: no temporary files" \
    sh -c "[ -z \"\$(find '$root3' -type f ! -path '*/backups/*' ! -name lock)\" ]"
# The marker is computed, so the typed command line cannot match it.
tm_run "clear; stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(icanon|echo|isig|icrnl|opost)' | tr '\n' ' '; echo STTY=\$((6*7))"
tm_wait "STTY=42" 5
check "Ctrl-C: stty sane (icanon echo isig icrnl opost)" \
    grep -q '^icanon echo isig icrnl opost STTY=42\|icanon.*echo.*STTY=42' "$T/screen"
check "stty: no mode left off" sh -c "! grep -qE -- '-(icanon|echo|isig)' '$T/screen'"

done_testing
