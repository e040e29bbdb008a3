#!/bin/sh
# l10n.sh - the message catalogs and the localized command line: every
# po/*.po compiles with `msgfmt -c` and has no fuzzy or untranslated entry,
# covers every string of the sources and is listed in po/LINGUAS; the
# language follows LANGUAGE / LC_ALL / LC_MESSAGES / LANG and falls back to
# English; `--help`, a usage error and a failing `check` speak German
# under de_DE.UTF-8, dates there are in the locale's form, while --json
# and --monitoring stay English with ISO 8601 dates.
#
# The catalogs are compiled from the source tree's po/*.po into a private
# directory that LINKWIZ_LOCALEDIR names (an uninstalled build has no
# locale tree); missing locales are built with localedef (LOCPATH).
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
LINKWIZ=${LINKWIZ:-$TOP_BUILDDIR/linkwiz}
. "$TOP_SRCDIR/tests/cli/tap.sh"
. "$TOP_SRCDIR/tests/cli/l10n-lib.sh"

command -v msgfmt >/dev/null ||
    { echo "1..0 # SKIP msgfmt not installed (Debian: gettext)"; exit 0; }

# ---- the catalogs
npo=0
for po in "$PO_DIR"/*.po; do
    [ -f "$po" ] || continue
    npo=$((npo + 1))
    ll=$(basename "$po" .po)
    if msgfmt -c --statistics -o /dev/null "$po" >"$T/out" 2>"$T/err"; then
        ok "$ll.po: msgfmt -c accepts it"
    else
        not_ok "$ll.po: msgfmt -c accepts it"
    fi
    # "N translated messages, M fuzzy translations, K untranslated
    # messages." (the parts that are 0 are left out)
    stats=$(cat "$T/err" "$T/out" | grep 'translated message' | tail -n 1)
    if printf '%s\n' "$stats" | grep -q 'fuzzy\|untranslated' ||
        ! printf '%s\n' "$stats" | grep -q '^[1-9][0-9]* translated'; then
        not_ok "$ll.po: every entry translated, none fuzzy ($stats)"
        msgattrib --only-fuzzy --no-obsolete "$po" 2>/dev/null |
            grep '^msgid' | head -n 5 | sed 's/^/#   fuzzy: /'
        msgattrib --untranslated --no-obsolete "$po" 2>/dev/null |
            grep '^msgid' | head -n 5 | sed 's/^/#   untranslated: /'
    else
        ok "$ll.po: every entry translated, none fuzzy ($stats)"
    fi
    check "$ll.po: listed in po/LINGUAS" \
        grep -qw "$ll" "$PO_DIR/LINGUAS"
done
[ "$npo" -gt 0 ] || not_ok "po/ has catalogs"
for ll in $(sed 's/#.*//' "$PO_DIR/LINGUAS"); do
    check "LINGUAS: $ll has a catalog" test -f "$PO_DIR/$ll.po"
done

# Every string of the sources is in every catalog (no catalog left behind
# a new message): a template made now from po/POTFILES.in with the options
# of po/Makevars.
if command -v xgettext >/dev/null && command -v msgcmp >/dev/null; then
    opts=$(sed -n '/^XGETTEXT_OPTIONS/,/^[A-Z_]* =/p' "$PO_DIR/Makevars" |
        sed '$d' | sed 's/^XGETTEXT_OPTIONS *= *//; s/\\$//' | tr '\n' ' ')
    # shellcheck disable=SC2086
    (cd "$TOP_SRCDIR" && xgettext $opts --default-domain=linkwiz \
        --files-from=po/POTFILES.in -o "$T/now.pot") >"$T/out" 2>"$T/err"
    check "xgettext: the sources give a template without warnings" \
        sh -c "[ -s '$T/now.pot' ] && ! grep -q 'warning' '$T/err'"
    for po in "$PO_DIR"/*.po; do
        [ -f "$po" ] || continue
        ll=$(basename "$po" .po)
        if msgcmp -N "$po" "$T/now.pot" >"$T/out" 2>"$T/err"; then
            ok "$ll.po: covers every message of the sources"
        else
            not_ok "$ll.po: covers every message of the sources (make update-po, then translate)"
            grep -c 'this message' "$T/err" | sed 's/^/#   messages missing or untranslated: /'
            head -n 6 "$T/err" | sed 's/^/#   /'
        fi
    done
else
    t=xgettext/msgcmp
    ok "catalogs cover the sources # SKIP $t not installed"
fi

# ---- the command line in German
l10n_catalogs "$T/locale"
LINKWIZ_LOCALEDIR=$T/locale
export LINKWIZ_LOCALEDIR
case " $l10n_langs " in
*" de "*) ;;
*)
    not_ok "po/de.po compiles: the German tests need it"
    done_testing
    exit 1
    ;;
esac
if ! l10n_locales C.UTF-8 de_DE.UTF-8; then
    not_ok "locale de_DE.UTF-8 available: $l10n_why"
    done_testing
    exit 1
fi
de=$PO_DIR/de.po
# de LINKWIZ...: run with a clean locale environment and these settings.
run_env() {
    env -u LANGUAGE -u LC_ALL -u LC_MESSAGES -u LANG "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

run_env LANG=C.UTF-8 "$LINKWIZ" --help
cp "$T/out" "$T/help.en"
run_env LANG=de_DE.UTF-8 "$LINKWIZ" --help
cp "$T/out" "$T/help.de"
usage_de=$(po_line1 "$(po_msgstr "$de" 'Sets up HTTPS for an email')")
opts_de=$(po_line1 "$(po_msgstr "$de" 'Options:')")
check "LANG=de_DE.UTF-8 --help: exit 0, German (\"$usage_de\")" \
    sh -c "[ $rc -eq 0 ] && [ -n \"\$1\" ] && grep -qF -- \"\$1\" '$T/help.de' && grep -qF -- \"\$2\" '$T/help.de'" _ "$usage_de" "$opts_de"
check "--help in German: no English paragraph left" \
    sh -c "! grep -q 'Sets up HTTPS for an email\|^Options:\|^Exit status' '$T/help.de'"
check "--help in German keeps the options and commands" \
    sh -c "grep -q -- '--answers FILE' '$T/help.de' && grep -q -- '--monitoring' '$T/help.de' && grep -q 'linkwiz setup --answers FILE' '$T/help.de'"
# wc -L counts columns in the locale (mawk's length() counts bytes).
check "--help lines fit 80 columns in German" \
    sh -c "[ \$(LC_ALL=de_DE.UTF-8 wc -L <'$T/help.de') -le 80 ]"

# The order of the environment variables.
run_env LANG=C.UTF-8 LC_MESSAGES=de_DE.UTF-8 "$LINKWIZ" --help
check "LC_MESSAGES=de_DE.UTF-8 (LANG=C.UTF-8): German" \
    grep -qF -- "$usage_de" "$T/out"
run_env LANG=de_DE.UTF-8 LC_ALL=C.UTF-8 "$LINKWIZ" --help
check "LC_ALL=C.UTF-8 wins over LANG=de_DE.UTF-8: English" \
    cmp -s "$T/out" "$T/help.en"
run_env LANG=C.UTF-8 LANGUAGE=de "$LINKWIZ" --help
check "LANGUAGE=de (LANG=C.UTF-8): German" grep -qF -- "$usage_de" "$T/out"
run_env LANG=de_DE.UTF-8 LANGUAGE=xx "$LINKWIZ" --help
check "LANGUAGE=xx (no catalog): English" cmp -s "$T/out" "$T/help.en"
run_env LANG=de_DE.UTF-8 LINKWIZ_LOCALEDIR=$T/nowhere "$LINKWIZ" --help
check "no catalog installed: English, no error" \
    sh -c "[ $rc -eq 0 ] && cmp -s '$T/out' '$T/help.en'"

# A usage error.
run_env LANG=de_DE.UTF-8 "$LINKWIZ" --bogus
hint_de=$(po_msgstr "$de" 'Run `linkwiz --help` for the options.')
check "usage error in German: exit 3, the option named" \
    sh -c "[ $rc -eq 3 ] && grep -q -- '--bogus' '$T/err' && [ -n \"\$1\" ] && grep -qF -- \"\$1\" '$T/err'" _ "$hint_de"

# ---- a failing check, in German
if ! command -v openssl >/dev/null; then
    ok "a failing check in German # SKIP openssl not installed"
    done_testing
    exit $?
fi
root=$T/root
mkdir -p "$root"
make_ca "$T/ca" || { echo "Bail out! cannot make a test CA"; exit 1; }
cat >"$T/a.yaml" <<'YAML'
domain: link.example.com
region: us
method: nginx
YAML
csr=$root/etc/pki/tls/certs/link.example.com.csr
run_env LANG=C.UTF-8 "$LINKWIZ" --root "$root" setup --answers "$T/a.yaml"
sign_csr "$T/ca" "$csr" "$T/chain.pem" link.example.com
printf 'certificate: %s\n' "$T/chain.pem" >>"$T/a.yaml"
run_env LANG=C.UTF-8 "$LINKWIZ" --root "$root" --ca-file "$T/ca/ca.crt" \
    setup --answers "$T/a.yaml"
if [ "$rc" -ne 0 ]; then
    not_ok "setup with a certificate for the check (exit $rc)"
    sed 's/^/#   /' "$T/err" | head -n 10
    done_testing
    exit 1
fi
# Nothing answers: every network check fails fast.
net="--resolver 127.0.0.1:9 --connect-to link.example.com:443:127.0.0.1:9 --connect-to link.example.com:80:127.0.0.1:9 --timeout 1"
# shellcheck disable=SC2086
run_env LANG=de_DE.UTF-8 "$LINKWIZ" --root "$root" --ca-file "$T/ca/ca.crt" \
    --no-color $net check
cp "$T/out" "$T/check.de"
fail_de=$(po_msgstr "$de" 'FAIL')
fix_de=$(po_line1 "$(po_msgstr "$de" 'Fix: %s')")
check "check in German: exit 2 (failures)" test "$rc" -eq 2
check "check in German: status word \"$fail_de\" and \"$fix_de\" hints" \
    sh -c "[ -n \"\$1\" ] && [ -n \"\$2\" ] && grep -qF -- \"\$1\" '$T/check.de' && grep -qF -- \"\$2\" '$T/check.de'" _ "$fail_de" "$fix_de"
check "check in German: no English summary line, no English hint" \
    sh -c "! grep -q ' checks\{0,1\} in [0-9.]* s: \|^ *Fix: ' '$T/check.de'"
check "check in German: check ids not translated" \
    sh -c "grep -q 'tls.handshake' '$T/check.de' && grep -q 'http.health' '$T/check.de'"

# --json and --monitoring: English whatever the language.
# shellcheck disable=SC2086
run_env LANG=de_DE.UTF-8 "$LINKWIZ" --root "$root" --ca-file "$T/ca/ca.crt" \
    $net check --json
cp "$T/out" "$T/check.de.json"
# shellcheck disable=SC2086
run_env LANG=C.UTF-8 "$LINKWIZ" --root "$root" --ca-file "$T/ca/ca.crt" \
    $net check --json
cp "$T/out" "$T/check.en.json"
# (numbers masked: curl's messages carry milliseconds)
grep '"summary"' "$T/check.de.json" | sed 's/[0-9][0-9]*/N/g' >"$T/s.de"
grep '"summary"' "$T/check.en.json" | sed 's/[0-9][0-9]*/N/g' >"$T/s.en"
if [ -s "$T/s.de" ] && cmp -s "$T/s.de" "$T/s.en"; then
    ok "--json under German: the same English summaries as under C.UTF-8"
else
    not_ok "--json under German: the same English summaries as under C.UTF-8"
    diff "$T/s.en" "$T/s.de" | head -n 10 | sed 's/^/#   /'
fi
check "--json under German: English status words, ISO 8601 times" \
    sh -c "grep -q '\"status\": \"critical\"' '$T/check.de.json' && grep -q '\"status\": \"fail\"' '$T/check.de.json' && grep -q '\"checked_at\": \"[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z\"' '$T/check.de.json'"
# shellcheck disable=SC2086
run_env LANG=de_DE.UTF-8 "$LINKWIZ" --root "$root" --ca-file "$T/ca/ca.crt" \
    $net check --monitoring
check "--monitoring under German: the English line" \
    sh -c "[ $rc -eq 2 ] && grep -q '^LINKWIZ CRITICAL - link.example.com: fail: ' '$T/out'"

# Dates: the locale's form for people, ISO 8601 for machines.
run_env LANG=de_DE.UTF-8 "$LINKWIZ" --root "$root" show
check "show in German: dates as the locale writes them (dd.mm.yyyy)" \
    sh -c "grep -q '[0-3][0-9]\.[01][0-9]\.[0-9]\{4\} [0-9][0-9]:[0-9][0-9] UTC' '$T/out' && ! grep -q '[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]' '$T/out'"
run_env LANG=C.UTF-8 "$LINKWIZ" --root "$root" show
check "show under C.UTF-8: ISO dates" \
    grep -q '[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9] UTC' "$T/out"
run_env LANG=de_DE.UTF-8 "$LINKWIZ" --root "$root" show --json
check "show --json under German: ISO 8601, English keys" \
    grep -q '"certificate_not_after": "[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T' "$T/out"

done_testing
