#!/bin/sh
# Speed of `cordon check` against `bandit -r` on the same directory, in one
# run: files/s, MB/s and the ratio.
#
#   bench/check.sh [DIR]
#
# Without DIR the corpus is a copy of the Debian interpreter's standard
# library (/usr/lib/python3.*, every *.py file: several hundred realistic
# modules). cordon is timed best of 3 (it is fast enough for noise to
# matter); bandit once. Both write JSON to /dev/null so output formatting
# costs the same for both. Needs bandit (Debian: apt-get install bandit).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ $# -ge 1 ]; then
	corpus=$1
else
	lib=$(ls -d /usr/lib/python3.[0-9]* | sort -V | tail -1)
	corpus=$tmp/corpus
	mkdir -p "$corpus"
	(cd "$lib" && find . -name '*.py' -type f ! -path './site-packages/*' ! -path './dist-packages/*' -print0 |
		xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$corpus"
fi
(cd "$root" && go build -o "$tmp/cordon" ./cmd/cordon)
files=$(find "$corpus" -name '*.py' -type f | wc -l)
bytes=$(find "$corpus" -name '*.py' -type f -print0 | xargs -0 cat | wc -c)
now() { date +%s.%N; }
best=
for i in 1 2 3; do
	t0=$(now)
	"$tmp/cordon" check --format json --fail-on never "$corpus" >/dev/null || true
	t1=$(now)
	t=$(echo "$t1 - $t0" | bc -l)
	if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
t0=$(now)
bandit -q -r -f json -o /dev/null "$corpus" >/dev/null 2>&1 || true
t1=$(now)
bt=$(echo "$t1 - $t0" | bc -l)
mb=$(echo "$bytes / 1048576" | bc -l)
printf 'corpus: %d files, %.1f MB, %d CPUs\n' "$files" "$mb" "$(nproc)"
printf '%-8s %8s %10s %8s\n' tool seconds files/s MB/s
printf '%-8s %8.2f %10.1f %8.2f\n' cordon "$best" "$(echo "$files / $best" | bc -l)" "$(echo "$mb / $best" | bc -l)"
printf '%-8s %8.2f %10.1f %8.2f\n' bandit "$bt" "$(echo "$files / $bt" | bc -l)" "$(echo "$mb / $bt" | bc -l)"
printf 'cordon is %.1fx bandit\n' "$(echo "$bt / $best" | bc -l)"
