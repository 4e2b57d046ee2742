#!/bin/sh
# Speed of `cordon check` against `bandit -r` on the same directory, in one
# run: files/s, MB/s and the ratio, in wall time and in CPU time (the CPU
# ratio does not depend on how busy the machine is; the wall ratio also
# counts cordon's parallel parsing on every CPU).
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
# Wall and CPU (user+system) seconds of one command, from the interpreter's
# rusage of its child.
timed() {
	/usr/bin/python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
w = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{w:.3f} {r.ru_utime + r.ru_stime:.3f}")' "$@"
}
best= bestcpu=
for i in 1 2 3; do
	set -- $(timed "$tmp/cordon" check --format json --fail-on never "$corpus")
	if [ -z "$best" ] || [ "$(echo "$1 < $best" | bc -l)" = 1 ]; then best=$1 bestcpu=$2; fi
done
set -- $(timed bandit -q -r -f json -o /dev/null "$corpus")
bt=$1 bcpu=$2
mb=$(echo "$bytes / 1048576" | bc -l)
printf 'corpus: %d files, %.1f MB, %d CPUs, load %s\n' "$files" "$mb" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %8s %8s %10s %8s\n' tool wall-s cpu-s files/s MB/s
printf '%-8s %8.2f %8.2f %10.1f %8.2f\n' cordon "$best" "$bestcpu" "$(echo "$files / $best" | bc -l)" "$(echo "$mb / $best" | bc -l)"
printf '%-8s %8.2f %8.2f %10.1f %8.2f\n' bandit "$bt" "$bcpu" "$(echo "$files / $bt" | bc -l)" "$(echo "$mb / $bt" | bc -l)"
printf 'cordon is %.1fx bandit in wall time (%.2f s against %.2f s), %.1fx in CPU time\n' "$(echo "$bt / $best" | bc -l)" "$best" "$bt" "$(echo "$bcpu / $bestcpu" | bc -l)"
