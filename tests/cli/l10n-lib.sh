# l10n-lib.sh - message catalogs and locales for the localization tests
# (POSIX sh; sourced after tests/cli/tap.sh, which sets T).
#
#   l10n_catalogs DIR        msgfmt every po/*.po of the source tree into
#                            DIR/<ll>/LC_MESSAGES/linkwiz.mo (the catalogs
#                            of an uninstalled build: LINKWIZ_LOCALEDIR=DIR);
#                            the languages made in $l10n_langs
#   l10n_locales NAME...     make the locales usable (de_DE.UTF-8 ...):
#                            installed ones are used as they are; when one
#                            is missing, all are built with localedef into
#                            $T/locales and LOCPATH points there (no root,
#                            /etc/locale.gen untouched).  1 when impossible,
#                            with the reason in $l10n_why
#   po_msgstr PO PREFIX      the translation of the first message whose
#                            msgid starts with PREFIX (empty when none)
#   po_line1 TEXT            its first line, without printf directives and
#                            what follows them (a fixed string to grep for)
PO_DIR=${TOP_SRCDIR:-.}/po
l10n_langs=

l10n_catalogs() {
    _dir=$1
    l10n_langs=
    for _po in "$PO_DIR"/*.po; do
        [ -f "$_po" ] || continue
        _ll=$(basename "$_po" .po)
        mkdir -p "$_dir/$_ll/LC_MESSAGES"
        msgfmt -c -o "$_dir/$_ll/LC_MESSAGES/linkwiz.mo" "$_po" \
            2>/dev/null && l10n_langs="$l10n_langs $_ll"
    done
}

# "de_DE.UTF-8" -> "de_DE.utf8", as `locale -a` writes it.
_l10n_norm() {
    printf '%s\n' "$1" | sed 's/\.[Uu][Tt][Ff]-\{0,1\}8$/.utf8/'
}

l10n_locales() {
    l10n_why=
    _missing=0
    for _loc in "$@"; do
        locale -a 2>/dev/null | grep -qx "$(_l10n_norm "$_loc")" ||
            _missing=1
    done
    [ "$_missing" -eq 0 ] && return 0
    if ! command -v localedef >/dev/null; then
        l10n_why="localedef not found (Debian: apt-get install locales)"
        return 1
    fi
    # With LOCPATH set glibc reads no locale archive: every locale the
    # tests use is built here.
    mkdir -p "$T/locales"
    for _loc in "$@"; do
        _in=${_loc%%.*}
        if ! localedef -i "$_in" -f UTF-8 "$T/locales/$_loc" \
            >/dev/null 2>&1 && [ ! -d "$T/locales/$_loc" ]; then
            l10n_why="cannot build the locale $_loc (Debian: apt-get install locales)"
            return 1
        fi
    done
    LOCPATH=$T/locales
    export LOCPATH
    return 0
}

po_msgstr() {
    # Records "=" (the msgid itself) or "~" (starts with it), then the
    # translation, then a 036 line; an exact match wins.
    LW_PREFIX=$2 msgexec -i "$1" sh -c '
        case "$MSGEXEC_MSGID" in
        "") ;;
        "$LW_PREFIX") echo "="; cat; printf "\n\036\n" ;;
        "$LW_PREFIX"*) echo "~"; cat; printf "\n\036\n" ;;
        esac' 2>/dev/null | awk '
        rec == "" { rec = $0; text = ""; nl = 0; next }
        /^\036$/ {
            if (rec == "=" && exact == "") { exact = text; got = 1 }
            if (rec == "~" && prefix == "" && !pgot) { prefix = text; pgot = 1 }
            rec = ""; next
        }
        { text = nl ? text "\n" $0 : $0; nl = 1 }
        END { if (got) print exact; else if (pgot) print prefix }'
}

po_line1() {
    printf '%s\n' "$1" | head -n 1 | sed 's/%.*//'
}

# The longest piece of text between printf directives and newlines in s.
l10n_longest() {
    printf '%s\n' "$1" |
        sed 's/%[0-9]*\$\{0,1\}[-#0 +]*[0-9*]*\(\.[0-9*]*\)\{0,1\}[hlzjtL]*[diouxXeEfgGcsp%]/\n/g' |
        awk '{ sub(/^ +/, ""); sub(/ +$/, ""); if (length($0) > length(b)) b = $0 } END { print b }'
}

# po_frag PO PREFIX: the longest fixed piece of that translation.
po_frag() {
    l10n_longest "$(po_msgstr "$1" "$2")"
}

# l10n_english PO OUT: the English phrases a screen in PO's language must
# not show - pieces of at least two words of every msgid whose translation
# differs, or that has none (untranslated or fuzzy: shown in English), cut
# at directives, newlines and punctuation; pieces found in any translation
# (kept names such as "Amazon CloudFront") are left out.
l10n_english() {
    msgcat --no-wrap "$1" 2>/dev/null | awk -v out="$2" '
        function unq(s) {
            sub(/^[a-z_\[\]0-9]* "/, "", s); sub(/"$/, "", s)
            gsub(/\\"/, "\"", s); gsub(/\\n/, "\n", s); gsub(/\\\\/, "\\", s)
            return s
        }
        /^#,.*fuzzy/ { fz = 1; next }
        /^msgid "/ { id = unq($0); next }
        /^msgid_plural "/ { idp = unq($0); next }
        /^msgstr(\[0\])? "/ {
            str = unq($0)
            if (id != "" && (str != id || fz)) {
                n++; ids[n] = id; if (idp != "") { n++; ids[n] = idp }
            }
            if (!fz)
                all = all "\n" str
            id = ""; idp = ""; next
        }
        /^msgstr\[[1-9]\] "/ { if (!fz) all = all "\n" unq($0); next }
        /^$/ { fz = 0 }
        END {
            for (i = 1; i <= n; i++) {
                s = ids[i]
                gsub(/%[0-9]*\$?[-#0 +]*[0-9*]*(\.[0-9*]*)?[hlzjtL]*[diouxXeEfgGcsp%]/, "\n", s)
                gsub(/[.:;,!?]( |$)|[()"`]|\n/, "\n", s)
                k = split(s, p, "\n")
                for (j = 1; j <= k; j++) {
                    f = p[j]; sub(/^ +/, "", f); sub(/ +$/, "", f)
                    if (length(f) < 6 || index(f, " ") == 0) continue
                    if (index(all, f) > 0 || seen[f]++) continue
                    print f > out
                }
            }
        }'
}
