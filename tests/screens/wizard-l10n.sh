#!/bin/sh
# wizard-l10n.sh - the wizard in tmux at 80x24 under de_DE.UTF-8 and
# ja_JP.UTF-8: the first screens (welcome, domain, region, method, key) and
# the live check table show the translated text, no line is wider than the
# terminal, no English phrase of the catalog is left on them, and the key
# hints are whole.  F2 switches the language in place without losing what
# was typed.
#
# "English left" is measured against the catalog itself: every piece of
# two or more words of an English message whose translation differs must
# not be on the screen (l10n_english in tests/cli/l10n-lib.sh).
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
LINKWIZ=${LINKWIZ:-$TOP_BUILDDIR/linkwiz}
. "$TOP_SRCDIR/tests/cli/tap.sh"
. "$TOP_SRCDIR/tests/screens/tmux.sh"
. "$TOP_SRCDIR/tests/cli/l10n-lib.sh"

command -v tmux >/dev/null || { echo "1..0 # SKIP tmux not installed"; exit 0; }
command -v msgfmt >/dev/null ||
    { echo "1..0 # SKIP msgfmt not installed (Debian: gettext)"; exit 0; }
command -v openssl >/dev/null ||
    { echo "1..0 # SKIP openssl not installed"; exit 0; }

l10n_catalogs "$T/locale"
LINKWIZ_LOCALEDIR=$T/locale
if ! l10n_locales C.UTF-8 de_DE.UTF-8 ja_JP.UTF-8; then
    not_ok "locales de_DE.UTF-8 and ja_JP.UTF-8 available: $l10n_why"
    done_testing
    exit 1
fi

net="--resolver 127.0.0.1:9 --connect-to link.example.com:443:127.0.0.1:9 --connect-to link.example.com:80:127.0.0.1:9 --timeout 1"

# An installed setup for the check table (Revalidate goes straight there).
make_ca "$T/ca" || { echo "Bail out! cannot make a test CA"; exit 1; }
done_root=$T/installed
mkdir -p "$done_root"
printf 'domain: link.example.com\nregion: us\nmethod: nginx\n' >"$T/a.yaml"
LC_ALL=C.UTF-8 "$LINKWIZ" --root "$done_root" setup --answers "$T/a.yaml" \
    >/dev/null 2>&1
sign_csr "$T/ca" "$done_root/etc/pki/tls/certs/link.example.com.csr" \
    "$T/chain.pem" link.example.com
printf 'certificate: %s\n' "$T/chain.pem" >>"$T/a.yaml"
LC_ALL=C.UTF-8 "$LINKWIZ" --root "$done_root" --ca-file "$T/ca/ca.crt" \
    setup --answers "$T/a.yaml" >"$T/out" 2>"$T/err" ||
    { echo "Bail out! setup for the check table failed"; exit 1; }
rm -f "$T/out" "$T/err"

# Up n times (Home is not a key every terminal type sends the same way).
ups() {
    _i=0
    while [ "$_i" -lt "$1" ]; do
        tm_keys Up
        _i=$((_i + 1))
    done
}

# screen_checks NAME: the pane fits, shows no English phrase, and the hint
# bar shows the whole "Enter next" hint.
screen_checks() {
    tm_screen
    cols=$(LC_ALL=$loc wc -L <"$T/screen")
    if [ "$cols" -le 80 ]; then
        ok "$1: no line wider than 80 columns"
    else
        not_ok "$1: no line wider than 80 columns ($cols)"
        tm_diag
    fi
    if grep -F -f "$T/en.$ll" "$T/screen" >"$T/english"; then
        not_ok "$1: no English left"
        grep -o -F -f "$T/en.$ll" "$T/screen" | sort -u | head -n 10 |
            sed 's/^/#   English: /'
        tm_diag
    else
        ok "$1: no English left"
    fi
    if tail -n 1 "$T/screen" | grep -qF -- "$hint_next"; then
        ok "$1: the key hints are whole (\"$hint_next\")"
    else
        not_ok "$1: the key hints are whole (\"$hint_next\")"
        tail -n 1 "$T/screen" | sed 's/^/#   | /'
    fi
}

# screen_tr DESC MSGID [SECONDS]: the pane shows the translation of MSGID
# (its longest fixed piece); a message without a translation fails.
screen_tr() {
    _frag=$(po_frag "$po" "$2")
    if [ -z "$_frag" ]; then
        not_ok "$1 (\"$2\" has no translation in $ll.po)"
        return
    fi
    screen_has "$1" "$_frag" "${3:-10}"
}

# run_lang LL LOCALE: the first screens, F2 and the check table.
run_lang() {
    ll=$1
    loc=$2
    po=$PO_DIR/$ll.po
    case " $l10n_langs " in
    *" $ll "*) ;;
    *)
        not_ok "$ll: po/$ll.po exists and compiles"
        return
        ;;
    esac
    l10n_english "$po" "$T/en.$ll"
    touch "$T/en.$ll"
    # A missing translation becomes a text no screen shows: its tests fail.
    hint_next=$(po_msgstr "$po" "Enter next")
    hint_next=${hint_next:-<no translation of Enter next>}
    TM_LANG=$loc
    TM_ENV=${LOCPATH:+LOCPATH=$LOCPATH}
    root=$T/root-$ll
    mkdir -p "$root"
    wiz="$LINKWIZ --root $root --ca-file $T/ca/ca.crt $net"

    # A fresh tmux server in this locale (the last one fully gone first).
    tm kill-server 2>/dev/null
    sleep 0.3
    tm_start
    tm_run "clear; $wiz; echo EXIT=\$?"
    screen_tr "$ll: welcome screen translated" "Start the setup"
    screen_checks "$ll welcome"
    tm_keys Enter
    screen_tr "$ll: domain step translated" "Domain:" 5
    tm_keys -l "link.example.com"
    used=$(po_frag "$po" "%s %s will be used.")
    screen_tr "$ll: the domain checked as typed, in $ll" "%s %s will be used." 5
    screen_checks "$ll domain"
    tm_keys Enter
    screen_tr "$ll: region step translated" "%s (%s): tracking host %s" 5
    screen_checks "$ll region"
    tm_keys Enter
    screen_tr "$ll: method step translated" \
        "Where HTTPS ends for the link domain:" 5
    screen_checks "$ll method"
    tm_keys Enter
    screen_tr "$ll: key step translated" \
        "Certificate subject (optional; Tab moves between fields):" 5
    screen_checks "$ll key"

    # F2: English, then back; the typed domain stays.
    tm_keys F2
    screen_has "$ll: F2 lists the languages by their own names" "English" 5
    check "$ll: F2 lists Deutsch and 日本語" \
        sh -c "grep -q 'Deutsch' '$T/screen' && grep -q '日本語' '$T/screen'"
    ups 10
    tm_keys Enter
    screen_has "$ll: switched to English on the same step" \
        "Certificate subject (optional" 5
    tm_keys Escape Escape Escape
    screen_has "$ll: in English, the typed domain is kept" \
        "link.example.com will be used." 5
    # The menu lists English, then the catalogs sorted.
    n=1
    for x in $(printf '%s\n' $l10n_langs | sort); do
        [ "$x" = "$ll" ] && break
        n=$((n + 1))
    done
    tm_keys F2
    tm_wait "English" 5
    ups 10
    while [ "$n" -gt 0 ]; do
        tm_keys Down
        n=$((n - 1))
    done
    tm_keys Enter
    screen_has "$ll: F2 back to $ll, the domain still there" "$used" 5
    check "$ll: the field still holds the typed domain" \
        grep -q 'link.example.com' "$T/screen"
    tm_keys C-q
    tm_keys y
    tm_wait "EXIT=" 5

    # The check table.
    tm_run "clear; $LINKWIZ --root $done_root --ca-file $T/ca/ca.crt $net; echo EXIT=\$?"
    screen_tr "$ll: rerun offers Revalidate, translated" \
        "Revalidate: run the live checks now" 10
    screen_checks "$ll welcome (installed)"
    tm_keys Enter
    tm_wait "origin.health" 10
    running=$(po_msgstr "$po" "running")
    running=${running:-<no translation of running>}
    i=0
    while [ "$i" -lt 300 ]; do
        tm_screen
        grep -qF -- "$running" "$T/screen" || break
        sleep 0.1
        i=$((i + 1))
    done
    sleep 0.5
    tm_screen
    if [ "$(grep -cE '[a-z]+\.[a-z_]+( |$)' "$T/screen")" -ge 13 ] &&
        ! grep -qF -- "$running" "$T/screen"; then
        ok "$ll: the check table is complete (13 checks, none running)"
    else
        not_ok "$ll: the check table is complete (13 checks, none running)"
        tm_diag
    fi
    failw=$(po_msgstr "$po" "fail")
    failw=${failw:-<no translation of fail>}
    check "$ll: statuses in $ll (\"$failw\")" \
        sh -c "grep -qF -- \"\$1\" '$T/screen'" _ "$failw"
    screen_checks "$ll check table"
    tm_keys q
    tm_wait "EXIT=" 5
}

run_lang de de_DE.UTF-8
run_lang ja ja_JP.UTF-8

done_testing
