#!/bin/sh
# cli-basic.sh - options, help, usage errors and answers errors, no root.
. "${TOP_SRCDIR:-.}/tests/cli/tap.sh"

lw --help
check "--help exits 0 and lists the commands" \
    test "$rc" -eq 0 -a -n "$(grep -l 'linkwiz setup --answers FILE' "$T/out")"
lw --version
check "--version prints the version" test "$rc" -eq 0 -a -n "$(grep -l '^linkwiz [0-9]' "$T/out")"
lw --bogus
check "unknown option: exit 3, named" sh -c "[ $rc -eq 3 ] && grep -q -- '--bogus' '$T/err'"
lw frobnicate
check "unknown command: exit 3, named" sh -c "[ $rc -eq 3 ] && grep -q frobnicate '$T/err'"
lw setup
check "setup without --answers: exit 3" sh -c "[ $rc -eq 3 ] && grep -q -- '--answers' '$T/err'"
lw check --dry-run
check "--dry-run outside setup: exit 3" test "$rc" -eq 3
lw --timeout 0 show
check "--timeout 0 refused: exit 3" test "$rc" -eq 3
lw </dev/null
check "wizard without a terminal refuses, points to setup --answers" \
    sh -c "[ $rc -eq 3 ] && grep -q 'setup --answers' '$T/err'"

root="$T/root"
mkdir -p "$root"
lw --root "$root" show
check "show with nothing set up: exit 3, says what to run" \
    sh -c "[ $rc -eq 3 ] && grep -q 'linkwiz setup' '$T/err'"

cat >"$T/unknown.yaml" <<'YAML'
domain: link.example.com
region: us
method: nginx
colour: blue
YAML
lw --root "$root" setup --answers "$T/unknown.yaml"
check "answers with an unknown key: exit 2, names key and line" \
    sh -c "[ $rc -eq 2 ] && grep -q 'colour' '$T/err' && grep -q ':4' '$T/err'"

cat >"$T/moon.yaml" <<'YAML'
domain: link.example.com
region: moon
method: nginx
YAML
lw --root "$root" setup --answers "$T/moon.yaml"
check "region: moon: exit 2, lists the regions" \
    sh -c "[ $rc -eq 2 ] && grep -q moon '$T/err' && grep -q 'us, eu' '$T/err'"

cat >"$T/semi.yaml" <<'YAML'
domain: "link.example.com;"
region: us
method: nginx
YAML
lw --root "$root" setup --answers "$T/semi.yaml"
check "domain with ';': exit 2, nothing written" \
    sh -c "[ $rc -eq 2 ] && [ -z \"\$(find '$root' -type f)\" ]"

lw --root "$root" setup --answers "$T/does-not-exist.yaml"
check "missing answers file: exit 2, names the file" \
    sh -c "[ $rc -eq 2 ] && grep -q 'does-not-exist.yaml' '$T/err'"

lw --root "$root" rollback
check "rollback with nothing to roll back: exit 0 (nothing to change), says so" \
    sh -c "[ $rc -eq 0 ] && grep -q 'Nothing to roll back' '$T/out'"

done_testing
