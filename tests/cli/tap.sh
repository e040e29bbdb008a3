# tap.sh - TAP output and small helpers for the CLI tests (sourced).
# Needs LINKWIZ (the binary under test).
tap_n=0
tap_failed=0
T=$(mktemp -d /tmp/linkwiz-test.XXXXXX)
trap 'rm -rf "$T"' EXIT

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() {
    tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1))
    echo "not ok $tap_n - $1"
    for f in "$T/out" "$T/err"; do
        [ -s "$f" ] && sed 's/^/#   /' "$f" | head -n 30
    done
    return 0
}
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }

# lw ARGS...: run linkwiz, output in $T/out and $T/err, status in $rc.
lw() { "$LINKWIZ" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
out_has() { grep -q -- "$1" "$T/out"; }
err_has() { grep -q -- "$1" "$T/err"; }
any_has() { grep -q -- "$1" "$T/out" "$T/err"; }

# mode_of FILE: octal permission bits.
mode_of() { stat -c %a "$1"; }
# snapshot DIR: checksums and modes of every file below DIR.
snapshot() { (cd "$1" && find . -type f ! -path './var/lib/linkwiz/backups/*' \
    -exec sh -c 'for f; do printf "%s %s " "$(stat -c %a "$f")" "$f"; sha256sum <"$f"; done' _ {} + | sort); }

# make_ca DIR: a test root CA and an intermediate (ca.crt/key, int.crt/key).
make_ca() {
    d=$1
    mkdir -p "$d"
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' >"$d/ca.ext"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" \
        -out "$d/ca.crt" -subj "/CN=linkwiz Test Root" -days 30 \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null &&
    openssl req -newkey rsa:2048 -nodes -keyout "$d/int.key" \
        -out "$d/int.csr" -subj "/CN=linkwiz Test Intermediate" 2>/dev/null &&
    openssl x509 -req -in "$d/int.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
        -CAcreateserial -out "$d/int.crt" -days 30 \
        -extfile "$d/ca.ext" 2>/dev/null
}

# sign_csr CADIR CSR OUT NAME [DAYS]: leaf for NAME signed by the
# intermediate; OUT gets leaf + intermediate.
sign_csr() {
    printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s\n' "$4" >"$1/leaf.ext"
    openssl x509 -req -in "$2" -CA "$1/int.crt" -CAkey "$1/int.key" \
        -CAcreateserial -out "$3.leaf" -days "${5:-30}" \
        -extfile "$1/leaf.ext" 2>/dev/null &&
    cat "$3.leaf" "$1/int.crt" >"$3" && rm -f "$3.leaf"
}
