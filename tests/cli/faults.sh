#!/bin/sh
# faults.sh - fault injection into `linkwiz setup` (DESIGN.md, "Rules that
# never bend": an interrupted or failed run leaves the old files whole).
#
# Each fault is injected into a real run under --root, and afterwards the
# old files are proved byte-for-byte intact (sha256 and mode of every file,
# except the backups and the lock file, which a run may write) and the
# message is checked to say what happened:
#
#   disk full          a 64 KiB tmpfs as --root, filled so that 0..5 pages
#                      are free, then a change that needs space -> exit 2,
#                      "No space left", intact; with space again it succeeds
#   read-only          the tmpfs remounted read-only -> exit 2, intact
#   permission denied  as an unprivileged user (uid 65534) on a root it
#                      owns, with one directory 0555 -> exit 2, intact
#   SIGKILL            kill -9 at fixed times from the start (5/20/50 ms)
#                      and at 0..45 ms after the first write of a setup
#                      with an RSA 4096 key, and of a certificate renewal;
#                      every file left parses (openssl pkey/req/x509,
#                      linkwiz show), a temporary file left over is never a
#                      readable key, and a rerun makes it consistent
#   two runs at once   the second waits ("another linkwiz run (PID n)"),
#                      never interleaves; a lock held too long is refused
#                      with a clear message
#
# `nginx -t` failing is covered by tests/cli/e2e-nginx.sh.
#
# Needs root (mounts; setpriv), unshare, openssl, python3; otherwise skipped.
# Runs itself again in a private mount namespace, so its mounts vanish with
# it.  TAP on stdout.

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
LINKWIZ=${LINKWIZ:-$TOP_BUILDDIR/linkwiz}
export TOP_SRCDIR TOP_BUILDDIR LINKWIZ

if [ "${1:-}" != --inside ]; then
    [ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (mounts)"; exit 0; }
    for c in unshare openssl python3 setpriv mount flock; do
        command -v "$c" >/dev/null 2>&1 ||
            { echo "1..0 # SKIP $c not found"; exit 0; }
    done
    if ! unshare --mount --propagation private true 2>/dev/null; then
        echo "1..0 # SKIP cannot create a mount namespace"
        exit 0
    fi
    exec unshare --mount --propagation private sh "$0" --inside
fi

. "$TOP_SRCDIR/tests/cli/tap.sh"
export LC_ALL=C
unset LANGUAGE LANG
# Mounts first, then the directory (tap.sh's trap would trip on them).
cleanup() {
    for m in $(awk -v t="$T" 'index($2, t) == 1 { print $2 }' /proc/mounts |
        sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
# Readable by uid 65534 (the permission test) below here.
chmod 0711 "$T"

D=link.example.com
KEY=etc/pki/tls/private/$D.key
CSR=etc/pki/tls/certs/$D.csr
CRT=etc/pki/tls/certs/$D.crt
CONF=etc/nginx/conf.d/$D.conf
STATE=var/lib/linkwiz/state.yaml

# snap ROOT: mode, path and sha256 of every file below ROOT but the backups
# and the lock file (what a failed run is allowed to write).
snap() {
    (cd "$1" && find . -type f ! -path './var/lib/linkwiz/backups/*' \
        ! -path './var/lib/linkwiz/lock' \
        -exec sh -c 'for f; do printf "%s %s " "$(stat -c %a "$f")" "$f";
            sha256sum <"$f"; done' _ {} + | sort)
}

# intact DESC ROOT BEFORE: one test, the snapshot of ROOT is BEFORE.
intact() {
    _now=$(snap "$2")
    if [ "$_now" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1"
        printf '%s\n' "$3" >"$T/snap.before"
        printf '%s\n' "$_now" >"$T/snap.after"
        diff "$T/snap.before" "$T/snap.after" | sed 's/^/#   /' | head -20
    fi
}

# expect_fail DESC PATTERN: the last run exited 2 and said PATTERN (ERE,
# any case) on stderr.
expect_fail() {
    if [ "$rc" -eq 2 ] && grep -qiE -- "$2" "$T/err"; then
        ok "$1"
    else
        not_ok "$1"
        echo "#   exit status $rc, expected 2 and /$2/ on stderr"
    fi
}

answers() { # FILE BITS [CERTIFICATE]
    {
        echo "domain: $D"
        echo "region: us"
        echo "method: nginx"
        echo "key: { type: rsa, bits: $2 }"
        [ -n "${3:-}" ] && echo "certificate: $3"
    } >"$1"
    chmod 0644 "$1"
}

# fill DIR PAGES: fill the file system of DIR, then free PAGES 4 KiB pages.
fill() {
    dd if=/dev/zero of="$1/filler" bs=4k >/dev/null 2>&1
    [ "$2" -gt 0 ] && truncate -s "-$(($2 * 4))k" "$1/filler"
    sync
}

make_ca "$T/ca" || { echo "Bail out! cannot make a test CA"; exit 1; }
chmod -R a+rX "$T/ca"
CA="--ca-file $T/ca/ca.crt"
answers "$T/a.yaml" 2048

# -------------------------------------------------------------- disk full

R=$T/full
mkdir "$R"
if ! mount -t tmpfs -o size=64k,mode=0755 lw-faults "$R"; then
    echo "Bail out! cannot mount a tmpfs"
    exit 1
fi
lw --root "$R" setup --answers "$T/a.yaml"
check "disk full: first setup on a 64 KiB tmpfs (key + CSR): exit 0" \
    test "$rc" -eq 0
sign_csr "$T/ca" "$R/$CSR" "$T/chain.pem" "$D" &&
    chmod 0644 "$T/chain.pem" || echo "# could not sign the CSR"
answers "$T/b.yaml" 2048 "$T/chain.pem"
# Each amount of free space makes a different write the one that fails
# (lock, journal, certificate, nginx conf, backup of the state, state).
refused=0
for free in 0 1 2 3 4 5; do
    fill "$R" "$free"
    before=$(snap "$R")
    lw --root "$R" $CA setup --answers "$T/b.yaml"
    if [ "$rc" -eq 0 ]; then
        # Enough space for the whole change: nothing more to prove.
        echo "# $free free pages were enough for the change"
        break
    fi
    refused=$((refused + 1))
    expect_fail "disk full ($free pages free): exit 2, says 'No space left'" \
        'no space left on device'
    intact "disk full ($free pages free): old files intact" "$R" "$before"
    check "disk full ($free pages free): no temporary file left" \
        test -z "$(find "$R" -name '.*.lwtmp.*')"
done
check "disk full: refused with 0, 1 and 2 free pages at least ($refused)" \
    test "$refused" -ge 3
rm -f "$R/filler"
lw --root "$R" $CA setup --answers "$T/b.yaml"
check "disk full: with space again the same change succeeds" \
    sh -c "[ $rc -eq 0 ] && [ -f '$R/$CRT' ] && [ -f '$R/$CONF' ]"

# -------------------------------------------------------------- read-only

R=$T/ro
mkdir "$R"
mount -t tmpfs -o size=1m,mode=0755 lw-faults "$R"
lw --root "$R" setup --answers "$T/a.yaml"
sign_csr "$T/ca" "$R/$CSR" "$T/chain-ro.pem" "$D" && chmod 0644 "$T/chain-ro.pem"
answers "$T/c.yaml" 2048 "$T/chain-ro.pem"
before=$(snap "$R")
if mount -o remount,ro "$R"; then
    lw --root "$R" $CA setup --answers "$T/c.yaml"
    expect_fail "read-only root: exit 2, says 'Read-only file system'" \
        'read-only file system'
    intact "read-only root: old files intact" "$R" "$before"
    mount -o remount,rw "$R"
    lw --root "$R" $CA setup --answers "$T/c.yaml"
    check "read-only root: writable again, the change succeeds" \
        test "$rc" -eq 0
else
    not_ok "read-only root: remount read-only"
fi

# ------------------------------------------------ permission denied (uid)

R=$T/perm
mkdir -p "$R"
chown 65534:65534 "$R"
# as_nobody CMD...: as uid/gid 65534, without supplementary groups or
# capabilities.
as_nobody() {
    setpriv --reuid 65534 --regid 65534 --clear-groups \
        --inh-caps=-all --bounding-set=-all "$@"
}
as_nobody "$LINKWIZ" --root "$R" setup --answers "$T/a.yaml" \
    >"$T/out" 2>"$T/err"
rc=$?
check "permission: first setup as uid 65534 on its own root: exit 0" \
    test "$rc" -eq 0
sign_csr "$T/ca" "$R/$CSR" "$T/chain-p.pem" "$D" && chmod 0644 "$T/chain-p.pem"
answers "$T/p.yaml" 2048 "$T/chain-p.pem"
chmod 0555 "$R/etc/pki/tls/certs"
before=$(snap "$R")
as_nobody "$LINKWIZ" --root "$R" $CA setup --answers "$T/p.yaml" \
    >"$T/out" 2>"$T/err"
rc=$?
expect_fail "permission: certs/ 0555 as uid 65534: exit 2, 'Permission denied'" \
    'permission denied'
check "permission: the message names the directory it could not write" \
    grep -q 'etc/pki/tls/certs' "$T/err"
intact "permission: old files intact" "$R" "$before"
chmod 0755 "$R/etc/pki/tls/certs"
as_nobody "$LINKWIZ" --root "$R" $CA setup --answers "$T/p.yaml" \
    >"$T/out" 2>"$T/err"
rc=$?
check "permission: directory writable again, the change succeeds" \
    test "$rc" -eq 0

# -------------------------------------------------------------- SIGKILL

# killrun MODE MS ROOT ARGS...: run linkwiz ARGS and SIGKILL it MS ms after
# its start (MODE start) or after the first file of the run appeared below
# ROOT/var/lib/linkwiz/backups (MODE write: the journal, written just before
# the first real file).  Prints "killed", "finished RC" or "no-trigger".
killrun() {
    python3 - "$@" <<'PY'
import os, signal, subprocess, sys, time
mode, ms, root, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
bk = os.path.join(root, "var/lib/linkwiz/backups")
seen = set(os.listdir(bk)) if os.path.isdir(bk) else set()
p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t0 = time.monotonic()
if mode == "write":
    trig = None
    while p.poll() is None and time.monotonic() - t0 < 60:
        try:
            new = [d for d in os.listdir(bk) if d not in seen]
        except OSError:
            new = []
        if new and os.listdir(os.path.join(bk, new[0])):
            trig = time.monotonic()
            break
        time.sleep(0.0002)
    if trig is None:
        p.wait()
        print("no-trigger")
        sys.exit(0)
    t0 = trig
time.sleep(max(0.0, t0 + ms / 1000 - time.monotonic()))
if p.poll() is None:
    p.send_signal(signal.SIGKILL)
    p.wait()
    print("killed")
else:
    print("finished", p.returncode)
PY
}

# parses ROOT: every final file there parses; a temporary file is never a
# key that others can read.  Diagnostics on stdout when not.
parses() {
    _r=$1
    _bad=0
    if [ -e "$_r/$KEY" ]; then
        [ "$(stat -c %a "$_r/$KEY")" = 600 ] || { echo "key mode"; _bad=1; }
        openssl pkey -in "$_r/$KEY" -noout 2>/dev/null ||
            { echo "key does not parse"; _bad=1; }
    fi
    if [ -e "$_r/$CSR" ]; then
        openssl req -in "$_r/$CSR" -noout 2>/dev/null ||
            { echo "CSR does not parse"; _bad=1; }
    fi
    if [ -e "$_r/$CRT" ]; then
        openssl x509 -in "$_r/$CRT" -noout 2>/dev/null ||
            { echo "certificate does not parse"; _bad=1; }
    fi
    if [ -e "$_r/$STATE" ]; then
        "$LINKWIZ" --root "$_r" show >/dev/null 2>"$T/show.err" ||
            { echo "linkwiz show fails: $(head -1 "$T/show.err")"; _bad=1; }
    fi
    # (The paths are linkwiz's own: no spaces.)
    # shellcheck disable=SC2044
    for _f in $(find "$_r" -name '.*.lwtmp.*'); do
        if [ "$(stat -c %a "$_f")" != 600 ] &&
            grep -q 'PRIVATE KEY' "$_f"; then
            echo "readable temporary key $_f"
            _bad=1
        fi
    done
    return $_bad
}

# consistent ROOT: the key, the CSR (and the certificate) belong together.
consistent() {
    _k=$(openssl pkey -in "$1/$KEY" -pubout 2>/dev/null | sha256sum)
    _c=$(openssl req -in "$1/$CSR" -pubkey -noout 2>/dev/null | sha256sum)
    [ "$_k" = "$_c" ] || { echo "CSR is not for the key"; return 1; }
    if [ -e "$1/$CRT" ]; then
        _x=$(openssl x509 -in "$1/$CRT" -pubkey -noout 2>/dev/null |
            sha256sum)
        [ "$_k" = "$_x" ] || { echo "certificate is not for the key"; return 1; }
    fi
    "$LINKWIZ" --root "$1" show >/dev/null 2>&1 ||
        { echo "linkwiz show fails"; return 1; }
}

answers "$T/k.yaml" 4096
leftover=0
kills=0
n=0
for spec in start:5 start:20 start:50 write:0 write:2 write:5 write:10 \
    write:20 write:30 write:45 write:0 write:10 write:20; do
    n=$((n + 1))
    R=$T/kill$n
    mkdir "$R"
    what=$(killrun "${spec%%:*}" "${spec#*:}" "$R" \
        "$LINKWIZ" --root "$R" setup --answers "$T/k.yaml")
    [ "$what" = killed ] && kills=$((kills + 1))
    why=$(parses "$R")
    check "SIGKILL setup (RSA 4096) at $spec ms [$what]: every file left parses" \
        test -z "$why"
    [ -n "$why" ] && echo "$why" | sed 's/^/#   /'
    tmp=$(find "$R" -name '.*.lwtmp.*' | wc -l)
    lw --root "$R" setup --answers "$T/k.yaml"
    why=$(consistent "$R")
    if [ "$rc" -eq 0 ] && [ -z "$why" ]; then
        ok "SIGKILL setup at $spec ms: a rerun makes it consistent"
    else
        not_ok "SIGKILL setup at $spec ms: a rerun makes it consistent"
        echo "#   rerun exit $rc; $why"
    fi
    left=$(find "$R" -name '.*.lwtmp.*' | wc -l)
    [ "$left" -gt 0 ] && leftover=$((leftover + 1)) &&
        echo "# $spec: $tmp temporary file(s) after the kill, $left after the rerun"
    rm -rf "$R"
done
check "SIGKILL setup: most runs really were killed ($kills of $n)" \
    test "$kills" -ge $((n / 2))

# A renewal (certificate, nginx conf and state replaced) killed while it
# writes: every file is the old one or the new one, never a mix.
R=$T/renew
mkdir "$R"
lw --root "$R" setup --answers "$T/a.yaml"
sign_csr "$T/ca" "$R/$CSR" "$T/r1.pem" "$D" 30
sign_csr "$T/ca" "$R/$CSR" "$T/r2.pem" "$D" 60
answers "$T/r1.yaml" 2048 "$T/r1.pem"
answers "$T/r2.yaml" 2048 "$T/r2.pem"
lw --root "$R" $CA setup --answers "$T/r1.yaml"
check "renewal: installed with the first certificate" test "$rc" -eq 0
old_crt=$(sha256sum <"$R/$CRT")
new_crt=$(openssl x509 -in "$T/r2.pem" | sha256sum)
rkills=0
for ms in 0 1 2 4 8 16; do
    what=$(killrun write "$ms" "$R" \
        "$LINKWIZ" --root "$R" $CA setup --answers "$T/r2.yaml")
    [ "$what" = killed ] && rkills=$((rkills + 1))
    why=$(parses "$R")
    now_crt=$(sha256sum <"$R/$CRT")
    leaf_now=$(openssl x509 -in "$R/$CRT" 2>/dev/null | sha256sum)
    if [ -z "$why" ] && { [ "$now_crt" = "$old_crt" ] ||
        [ "$leaf_now" = "$new_crt" ]; }; then
        ok "SIGKILL renewal at write+$ms ms [$what]: files parse, certificate old or new"
    else
        not_ok "SIGKILL renewal at write+$ms ms [$what]: files parse, certificate old or new"
        echo "$why" | sed 's/^/#   /'
    fi
    # Back to the first certificate for the next round.
    lw --root "$R" $CA setup --answers "$T/r1.yaml"
    if [ "$rc" -ne 0 ] || [ "$(sha256sum <"$R/$CRT")" != "$old_crt" ]; then
        lw --root "$R" rollback
    fi
    why=$(consistent "$R")
    check "SIGKILL renewal at write+$ms ms: a rerun makes it consistent" \
        sh -c "[ $rc -eq 0 ] && [ -z '$why' ]"
done
echo "# renewal runs killed while writing: $rkills of 6"
[ "$leftover" -gt 0 ] &&
    echo "# note: $leftover killed setups left .lwtmp files a rerun did not remove"

# -------------------------------------------------------- two runs at once

R=$T/two
mkdir "$R"
"$LINKWIZ" --root "$R" setup --answers "$T/k.yaml" >"$T/one.out" 2>"$T/one.err" &
p1=$!
# The first holds the lock while it makes its key (about a second or more).
i=0
while [ ! -s "$R/var/lib/linkwiz/lock" ] && [ $i -lt 200 ]; do
    sleep 0.01
    i=$((i + 1))
done
lw --root "$R" setup --answers "$T/k.yaml"
wait $p1
rc1=$?
check "two runs: the first finishes, exit 0" test "$rc1" -eq 0
check "two runs: the second says 'another linkwiz run (PID $p1)' and waits" \
    grep -q "another linkwiz run (PID $p1)" "$T/out" "$T/err"
check "two runs: the second then finds nothing to change, exit 0" \
    sh -c "[ $rc -eq 0 ] && grep -qi 'nothing to change' '$T/out'"
why=$(consistent "$R")
check "two runs: one key, its CSR, a readable state (never interleaved)" \
    test -z "$why"
check "two runs: exactly one key and one CSR file" \
    test "$(find "$R/etc" -type f | wc -l)" -eq 2

# A lock held longer than the second run waits (10 s): refused clearly.
before=$(snap "$R")
(exec 9>>"$R/var/lib/linkwiz/lock" && flock 9 && exec sleep 14) &
fp=$!
sleep 0.3
lw --root "$R" $CA setup --answers "$T/k.yaml"
kill $fp 2>/dev/null
wait $fp 2>/dev/null
expect_fail "lock held too long: exit 2, 'another linkwiz run is writing'" \
    'another linkwiz run.*writing the setup'
intact "lock held too long: nothing changed" "$R" "$before"

done_testing
