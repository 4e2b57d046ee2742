#!/usr/bin/env bash
# Side-by-side wall time of a hello-world and a 0.5 s CPU-bound script:
# bare python3, cordon run (every layer on, audit off so the log's fsync is
# not counted), bubblewrap and firejail configured for comparable isolation
# (new namespaces, no network, read-only system). Every one runs the system
# interpreter /usr/bin/python3 (a pyenv python3 on PATH starts three times
# slower and would hide the sandboxes' own cost). Ratios are to bare
# /usr/bin/python3, measured in the same run, with the milliseconds added
# beside each. A peer that is absent is skipped.
#
#   bench/sandbox.sh [RUNS]        (default 30; needs hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed (apt-get install hyperfine)"; exit 1; }
# Not under /tmp: the sandboxes give the script a private /tmp.
tmp=$(mktemp -d "$PWD/bench/.work.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/cordon" ./cmd/cordon
py=/usr/bin/python3
printf 'print("hello")\n' > "$tmp/hello.py"
cat > "$tmp/cpu.py" <<'PY'
import time
t = time.process_time()
n = 0
while time.process_time() - t < 0.5:
    for i in range(10000):
        n += i
PY
printf 'runtime:\n  interpreter: %s\nanalysis:\n  block: "off"\naudit:\n  enabled: false\n' "$py" > "$tmp/bench.yaml"

declare -A cmd
cmd[bare]="$py -E -s SCRIPT"
cmd[cordon]="$tmp/cordon run --policy $tmp/bench.yaml SCRIPT"
if command -v bwrap >/dev/null; then
  cmd[bwrap]="bwrap --unshare-all --die-with-parent --new-session --ro-bind /usr /usr --symlink usr/lib64 /lib64 --symlink usr/lib /lib --symlink usr/bin /bin --ro-bind $tmp $tmp --proc /proc --dev /dev --tmpfs /tmp $py -E -s SCRIPT"
else echo "bench: bwrap absent, skipped"; fi
if command -v firejail >/dev/null; then
  cmd[firejail]="firejail --quiet --noprofile --net=none --private-tmp --caps.drop=all --seccomp --nonewprivs $py -E -s SCRIPT"
else echo "bench: firejail absent, skipped"; fi

order=(bare cordon bwrap firejail)
for script in hello cpu; do
  args=()
  for k in "${order[@]}"; do
    [ -n "${cmd[$k]:-}" ] || continue
    args+=(-n "$k" "${cmd[$k]//SCRIPT/$tmp/$script.py}")
  done
  echo "== $script.py ($runs runs each)"
  hyperfine -N -w 3 -r "$runs" --export-json "$tmp/$script.json" "${args[@]}" >/dev/null 2>&1 || \
    hyperfine -w 3 -r "$runs" --export-json "$tmp/$script.json" "${args[@]}" >/dev/null
  python3 - "$tmp/$script.json" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
base = sorted(res[0]["times"])[len(res[0]["times"])//2]
for r in res:
    med = sorted(r["times"])[len(r["times"])//2]
    print(f"  {r['command']:<9} median {med*1000:7.1f} ms  x{med/base:5.2f} ({(med-base)*1000:+.1f} ms)")
PY
done

echo "== runs/s, hello.py, cold (cordon vs bare)"
for par in 1 2 8; do
  for k in bare cordon; do
    c=${cmd[$k]//SCRIPT/$tmp/hello.py}
    n=$((par * 10))
    start=$(date +%s.%N)
    seq "$n" | xargs -P "$par" -I{} sh -c "$c >/dev/null"
    end=$(date +%s.%N)
    printf '  %-7s parallel %d: %6.1f runs/s\n' "$k" "$par" "$(echo "$n / ($end - $start)" | bc -l)"
  done
done
echo "prepared sandboxes (timed from hand-over): go test -run '^\$' -bench Prepared -benchtime 40x ."
