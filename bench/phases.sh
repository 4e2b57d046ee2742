#!/usr/bin/env bash
# Where a cold `cordon run` spends its time: the median of every phase
# (usage.phases, microseconds) over RUNS runs of a hello-world, for the
# default policy (analysis and audit on, audit log in a folder of its own)
# and with audit off, interpreter /usr/bin/python3.
#
#   bench/phases.sh [RUNS]        (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
tmp=$(mktemp -d "$PWD/bench/.work.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/cordon" ./cmd/cordon
printf 'print("hello")\n' > "$tmp/hello.py"
printf 'runtime:\n  interpreter: /usr/bin/python3\naudit:\n  dir: %s/audit\n' "$tmp" > "$tmp/default.yaml"
printf 'runtime:\n  interpreter: /usr/bin/python3\naudit:\n  enabled: false\n' > "$tmp/noaudit.yaml"
for pol in default noaudit; do
  for i in $(seq "$runs"); do
    "$tmp/cordon" run --json --policy "$tmp/$pol.yaml" "$tmp/hello.py"
  done > "$tmp/$pol.jsonl"
  echo "== $pol policy, $runs runs (median µs)"
  python3 - "$tmp/$pol.jsonl" <<'PY'
import json, sys, statistics
dec, text, runs = json.JSONDecoder(), open(sys.argv[1]).read(), []
i = 0
while i < len(text):
    while i < len(text) and text[i].isspace(): i += 1
    if i >= len(text): break
    obj, i = dec.raw_decode(text, i); runs.append(obj)
keys = list(runs[0]["usage"]["phases"])
tot = 0
for k in keys:
    m = statistics.median(r["usage"]["phases"][k] for r in runs); tot += m
    print(f"  {k:<15} {m:8.0f}")
print(f"  {'sum of medians':<15} {tot:8.0f}   wall_ms median {statistics.median(r['usage']['wall_ms'] for r in runs)}")
PY
done
