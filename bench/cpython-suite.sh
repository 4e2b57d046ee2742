#!/usr/bin/env bash
# CPython's own regression tests inside `cordon run` and on the bare
# /usr/bin/python3, module by module, with the cause of every difference
# (bench/scripts/cpython_suite.py prints the table). Installs Debian's
# libpython3.11-testsuite (the test package of the interpreter's exact
# version) when it is missing. CI runs a fast subset through
# cmd/cordon/testdata/run_cpython_suite.txt.
#
#   bench/cpython-suite.sh [MODULE,MODULE,...]   (default: the full list)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d /usr/lib/python3.11/test/libregrtest ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq libpython3.11-testsuite
fi
# Not under /tmp: the sandbox gives the script a private /tmp.
tmp=$(mktemp -d "$PWD/bench/.work.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/cordon" ./cmd/cordon
cd "$tmp"
args=(--cordon "$tmp/cordon")
[ $# -gt 0 ] && args+=(--modules "$1")
/usr/bin/python3 "$OLDPWD/bench/scripts/cpython_suite.py" "${args[@]}"
