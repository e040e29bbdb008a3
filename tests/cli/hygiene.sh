#!/bin/sh
# hygiene.sh - private key hygiene of `linkwiz setup` (DESIGN.md, "Rules
# that never bend"; issue 7):
#   a) the key file is created 0600 before any byte is written (strace of
#      the real binary, under umask 000 so nothing relies on the umask), is
#      never chmod'ed wider, and nothing under etc/pki/tls/private ever
#      exists with group or other bits;
#   b) the key is never printed: its PEM body is in no output of setup
#      (text, --json, --dry-run), show, check, rollback, and in no file
#      but the key itself and its backups under the 0700 backup directory;
#   c) the key is never in the argv, environment or open files of a child:
#      nginx is a wrapper that records them (root "/" in a private mount
#      namespace, with /etc and /var/lib on tmpfs; needs root + unshare).
# Environment: LINKWIZ (may be a wrapper, e.g. valgrind), LINKWIZ_REAL (the
# binary itself, for strace; default LINKWIZ), TOP_SRCDIR.  TAP on stdout.
# shellcheck source=tests/cli/tap.sh
. "${TOP_SRCDIR:-.}/tests/cli/tap.sh"

command -v openssl >/dev/null || { echo "1..0 # SKIP openssl not installed"; exit 0; }
real=${LINKWIZ_REAL:-$LINKWIZ}
D=link.example.com
root=$T/root
key=$root/etc/pki/tls/private/$D.key
csr=$root/etc/pki/tls/certs/$D.csr
# ------------------------------------------- c) (inside the namespace)
# inside W C: runs in a private mount namespace (root "/").  W becomes a
# tmpfs holding the nginx wrapper and its records; /etc is a copy on it,
# /var/lib an empty directory on it.  Inputs come from C, results go to C.
inside() {
    W=$1 C=$2
    mount --make-rprivate / || exit 3
    mount -t tmpfs -o mode=700 lwhyg "$W" || exit 3
    mkdir "$W/etc" "$W/varlib" "$W/dump" || exit 3
    cp -r "$C/ca" "$W/ca" && cp "$C/a.yaml" "$W/a.yaml" || exit 3
    cp -a /etc/. "$W/etc/" 2>/dev/null
    mount --bind "$W/etc" /etc || exit 3
    mount --bind "$W/varlib" /var/lib || exit 3
    rm -rf /etc/pki /etc/nginx
    mkdir -p /etc/nginx/conf.d
    printf 'events {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n' \
        >/etc/nginx/nginx.conf
    # The wrapper records how linkwiz ran it: argv, environment, open
    # files, stdin.  Its text is written literally.
    # shellcheck disable=SC2016
    {
        echo '#!/bin/sh'
        echo "d=$W/dump"
        echo 'n=$(ls "$d" | wc -l)'
        echo '{ printf "argv:"; printf " [%s]" "$0" "$@"; echo'
        echo '  echo "env:"; env'
        echo '  echo "fds:"; for f in /proc/$$/fd/*; do readlink "$f"; done'
        echo '  echo "stdin:"; timeout 2 cat'
        echo '} >"$d/$n" 2>&1'
        echo 'exit 0'
    } >"$W/nginx"
    chmod 755 "$W/nginx"
    LINKWIZ_NGINX=$W/nginx "$LINKWIZ" setup --answers "$W/a.yaml" \
        >"$W/out1" 2>&1 </dev/null
    echo "rc1=$?" >"$W/rc"
    sign_csr "$W/ca" "/etc/pki/tls/certs/$D.csr" "$W/chain.pem" "$D"
    printf 'certificate: %s\n' "$W/chain.pem" >>"$W/a.yaml"
    LINKWIZ_NGINX=$W/nginx "$LINKWIZ" --ca-file "$W/ca/ca.crt" setup \
        --answers "$W/a.yaml" >"$W/out2" 2>&1 </dev/null
    echo "rc2=$?" >>"$W/rc"
    cp -r "$W/dump" "$W/out1" "$W/out2" "$W/rc" "$C/"
    cp "/etc/pki/tls/private/$D.key" "$C/key"
}
if [ "${1:-}" = --inside ]; then
    inside "$2" "$3"
    exit 0
fi

mkdir -p "$root"
make_ca "$T/ca" || { echo "Bail out! cannot make a test CA"; exit 1; }

cat >"$T/a.yaml" <<YAML
domain: $D
region: us
method: nginx
subject: { organization: "Example, Inc.", country: us }
YAML

# ------------------------------------------------------------ a) modes
# audit_trace TRACE KEYPATH: reads `strace -f -y` output; prints one line
# per problem (nothing when all is well) and, last, "key-created MODE"
# for the temporary file that was renamed onto KEYPATH.
audit_trace() {
    awk -v key="$2" '
    function under(p) { return index(p, priv) == 1 }
    function wide(m) { return m !~ /^0[0-7]*00$/ }   # any group/other bit
    function fdpath(s) {            # "5</a/b>" -> "/a/b"
        if (match(s, /<[^>]*>/)) return substr(s, RSTART + 1, RLENGTH - 2)
        return ""
    }
    function qstr(s, n,   a, i, c) { # the n-th "quoted" argument
        c = 0
        while (match(s, /"[^"]*"/)) {
            if (++c == n) return substr(s, RSTART + 1, RLENGTH - 2)
            s = substr(s, RSTART + RLENGTH)
        }
        return ""
    }
    BEGIN { priv = key; sub(/[^\/]*$/, "", priv) }
    {
        line = $0
        sub(/^[0-9]+ +/, "", line)
        call = line; sub(/\(.*/, "", call)
        failed = line ~ /\) += -1 /
    }
    call ~ /^(openat|open|creat)$/ && !failed {
        p = qstr(line, 1)
        if (under(p) && (line ~ /O_CREAT/ || call == "creat")) {
            m = line; sub(/\) += .*/, "", m); sub(/.*, */, "", m)
            created[p] = m
            if (wide(m)) print "created with mode " m ": " p
            if (line !~ /O_EXCL/) print "created without O_EXCL: " p
        }
    }
    call == "fchmod" && !failed {
        a = line; sub(/^fchmod\(/, "", a)
        p = fdpath(a)
        m = line; sub(/\) += .*/, "", m); sub(/.*, */, "", m)
        if (under(p) && wide(m)) print "fchmod " m ": " p
    }
    call ~ /^(mkdir|mkdirat)$/ && !failed {
        p = qstr(line, 1)
        m = line; sub(/\) += .*/, "", m); sub(/.*, */, "", m)
        if ((under(p) || p == substr(priv, 1, length(priv) - 1)) && wide(m))
            print call " " m ": " p
    }
    call ~ /^(chmod|fchmodat)$/ && !failed {
        p = qstr(line, 1)
        m = line; sub(/\) += .*/, "", m); sub(/.*, */, "", m)
        sub(/, AT_.*$/, "", m)
        if ((under(p) || p == substr(priv, 1, length(priv) - 1)) && wide(m))
            print call " " m ": " p
    }
    call ~ /^(rename|renameat|renameat2)$/ && !failed {
        s = qstr(line, 1); d = qstr(line, 2)
        if (under(d) && !under(s))
            print "moved in from outside: " s " -> " d
        if (under(d) && !(s in created))
            print "renamed a file not created here: " s " -> " d
        if (d == key) keysrc = s
    }
    call ~ /^(link|linkat|symlink|symlinkat)$/ && !failed {
        if (under(qstr(line, 2)) || under(qstr(line, 1)))
            print call " under the key directory: " line
    }
    call == "write" && !failed {
        a = line; sub(/^write\(/, "", a)
        p = fdpath(a)
        if (under(p) && !(p in created)) print "write to a file not created 0600 here: " p
        if (under(p)) written[p] = 1
    }
    END {
        if (keysrc == "") print "no rename onto the key file"
        else if (!(keysrc in written)) print "the key temp file was never written"
        else print "key-created " created[keysrc]
    }' "$1"
}

if ! command -v strace >/dev/null; then
    ok "key created 0600, never wider # SKIP strace not installed"
    ok "key rewritten 0600 when it was 0644 # SKIP strace not installed"
elif ! strace -f -o /dev/null true 2>/dev/null; then
    ok "key created 0600, never wider # SKIP ptrace not permitted here"
    ok "key rewritten 0600 when it was 0644 # SKIP ptrace not permitted here"
else
    trace="trace=mkdir,mkdirat,openat,open,creat,fchmod,chmod,fchmodat,write,rename,renameat,renameat2,link,linkat,symlink,symlinkat"
    # LeakSanitizer cannot run under ptrace and would fail a sanitizer
    # build's run here; leaks are checked by every other run.
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
    export ASAN_OPTIONS
    (umask 000 && strace -f -y -qq -s 0 -o "$T/trace" -e "$trace" \
        "$real" --root "$root" setup --answers "$T/a.yaml") \
        >"$T/out" 2>"$T/err"
    rc=$?
    audit_trace "$T/trace" "$key" >"$T/audit"
    check "strace: setup under umask 000 succeeded" test "$rc" -eq 0
    check "key: temp file created O_CREAT|O_EXCL 0600, written, renamed; nothing under private/ ever wider" \
        test "$(cat "$T/audit")" = "key-created 0600"
    [ "$(cat "$T/audit")" = "key-created 0600" ] || sed 's/^/#   /' "$T/audit"

    # A key left 0644 by someone: the rewrite must not go through a wider
    # file either, and the result is 0600.
    chmod 644 "$key"
    (umask 000 && strace -f -y -qq -s 0 -o "$T/trace2" -e "$trace" \
        "$real" --root "$root" setup --answers "$T/a.yaml") \
        >"$T/out" 2>"$T/err"
    rc=$?
    audit_trace "$T/trace2" "$key" >"$T/audit2"
    check "key rewritten through a 0600 temp file when it was 0644; now 0600" \
        sh -c "[ $rc -eq 0 ] && [ \"\$(cat '$T/audit2')\" = 'key-created 0600' ] && [ \$(stat -c %a '$key') = 600 ]"
    [ "$(cat "$T/audit2")" = "key-created 0600" ] || sed 's/^/#   /' "$T/audit2"
    rm -rf "$root"; mkdir -p "$root"
fi

# -------------------------------------------------------- b) not printed
# The base64 lines of the key (each 64 characters) must appear nowhere.
body() { sed -n '/-----BEGIN/,/-----END/{/-----/d;p}' "$1"; }
# leaks FILE...: the files that hold any line of the key body.
leaks() {
    [ -s "$T/body" ] || { echo "(no key body to look for)"; return; }
    grep -l -F -f "$T/body" "$@" 2>/dev/null
    grep -l 'PRIVATE KEY' "$@" 2>/dev/null
}
n=0
run() {
    n=$((n + 1))
    "$LINKWIZ" "$@" >"$T/o.$n" 2>"$T/e.$n" </dev/null
    echo $? >"$T/rc.$n"
    echo "# run $n: exit $(cat "$T/rc.$n"): $*" | sed "s|$T|T|g"
}

run --root "$root" setup --answers "$T/a.yaml"
body "$key" >"$T/body"
check "setup made a key" test -s "$T/body"
run --root "$root" setup --answers "$T/a.yaml" --json
run --root "$root" setup --answers "$T/a.yaml" --dry-run
run --root "$root" setup --answers "$T/a.yaml" --dry-run --json
sign_csr "$T/ca" "$csr" "$T/chain.pem" "$D"
printf 'certificate: %s\n' "$T/chain.pem" >>"$T/a.yaml"
run --root "$root" --ca-file "$T/ca/ca.crt" setup --answers "$T/a.yaml" --dry-run
run --root "$root" --ca-file "$T/ca/ca.crt" setup --answers "$T/a.yaml"
check "setup with the certificate installed it" \
    test -s "$root/etc/pki/tls/certs/$D.crt"
run --root "$root" --ca-file "$T/ca/ca.crt" setup --answers "$T/a.yaml" --json
run --root "$root" show
run --root "$root" show --json
# Nothing answers here: a short, failing check still prints its report.
run --root "$root" --timeout 1 --resolver 127.0.0.1:9 check
run --root "$root" --timeout 1 --resolver 127.0.0.1:9 check --json
run --root "$root" --timeout 1 --resolver 127.0.0.1:9 check --monitoring
# Files: the key and its backups (0700 directories) only.
files_clean() {
    find "$root" -type f ! -path "$root/etc/pki/tls/private/*" \
        ! -path "$root/var/lib/linkwiz/backups/*/etc/pki/tls/private/*" \
        -exec grep -l -F -f "$T/body" {} + | sed 's/^/#   holds key bytes: /'
}
files_clean >"$T/files"
check "installed: no other file (state, journal, conf, CSR) holds key bytes" \
    test ! -s "$T/files"
cat "$T/files"
check "backup copies of the key are only in 0700 directories" \
    sh -c "find '$root/var/lib/linkwiz/backups' -maxdepth 1 -mindepth 1 \
        ! -perm 700 | grep -q . && exit 1; \
        [ \$(stat -c %a '$root/var/lib/linkwiz/backups') = 700 ]"
# A key the operator brings: already at the key path, reused.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$T/own.key" 2>/dev/null
body "$T/own.key" >>"$T/body"
cp "$T/own.key" "$root/etc/pki/tls/private/own.example.com.key"
sed "s|^domain:.*|domain: own.example.com|" "$T/a.yaml" |
    grep -v '^certificate:' >"$T/b.yaml"
printf 'key: { type: ec, curve: p256 }\nallow_domain_change: true\n' >>"$T/b.yaml"
run --root "$root" setup --answers "$T/b.yaml"
check "setup reused the operator's key" \
    sh -c "[ \$(cat '$T/rc.$n') = 0 ] && grep -q 'Reusing' '$T/o.$n' '$T/e.$n'"
run --root "$root" rollback
run --root "$root" rollback --json
run --root "$root" show --json
check "no output of setup/show/check/rollback holds key bytes" \
    test -z "$(leaks "$T"/o.* "$T"/e.*)"
leaks "$T"/o.* "$T"/e.* | sed 's/^/#   leaked in: /'
files_clean >"$T/files"
check "after rollbacks: no file but keys and backups holds key bytes" \
    test ! -s "$T/files"
cat "$T/files"

# ------------------------------------------- c) not given to a child
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null ||
    ! unshare --mount true 2>/dev/null; then
    ok "nginx child: no key in argv, environment or fds # SKIP needs root and unshare --mount"
else
    W=$(mktemp -d /tmp/lw-hyg.XXXXXX)
    C=$T/c
    mkdir "$C" && cp -r "$T/ca" "$C/ca" &&
        grep -v '^certificate:' "$T/a.yaml" >"$C/a.yaml"
    LINKWIZ=$LINKWIZ TOP_SRCDIR=${TOP_SRCDIR:-.} \
        unshare --mount sh "$0" --inside "$W" "$C" >"$C/ns.log" 2>&1
    rmdir "$W" 2>/dev/null || echo "# warning: $W not empty on the host"
    check "nginx child: setup with root / and a certificate succeeded" \
        grep -q '^rc2=0' "$C/rc"
    grep -q '^rc2=0' "$C/rc" 2>/dev/null ||
        tail -n 15 "$C/ns.log" "$C/out1" "$C/out2" 2>&1 | sed 's/^/#   /'
    check "nginx child: linkwiz ran nginx -t" \
        sh -c "grep -q '^argv:.* \[-t\]' '$C/dump'/* 2>/dev/null"
    body "$C/key" >"$C/body"
    check "nginx child: no key bytes in argv, environment or stdin" \
        sh -c "[ -s '$C/body' ] && ! grep -q -F -f '$C/body' '$C/dump'/* &&
            ! grep -q 'PRIVATE KEY' '$C/dump'/*"
    check "nginx child: no file under private/ among its open files" \
        sh -c "! grep -q 'private/' '$C/dump'/*"
    # Only what linkwiz sets, plus what sh itself adds.
    sed -n '/^env:$/,/^fds:$/p' "$C"/dump/* 2>/dev/null |
        grep -v '^env:$\|^fds:$\|^PATH=\|^LANG=\|^PWD=\|^SHLVL=\|^_=' \
        >"$C/extra-env"
    check "nginx child: environment is only PATH and LANG" \
        test ! -s "$C/extra-env"
    sed 's/^/#   extra: /' "$C/extra-env"
    for f in "$C"/dump/*; do
        [ -f "$f" ] && sed -n 1p "$f" | sed 's/^/# nginx run: /'
    done
fi

done_testing
