#!/bin/sh
# Detection of `cordon check` against bandit on the same files.
#
#   bench/check_compare.sh [DIR]     (default: analysis/testdata)
#
# Files named bad_* are malicious or unsafe, good_* (and every file of a
# directory named benign) are clean; a bad file's `# expect:` header names
# the rules and severities it deserves. A file is
# "flagged" at a level when a tool reports at least one finding of that
# severity or above; "blocked" is flagged at high (what `cordon run` refuses
# by default). Prints detection rate on bad files and false-positive rate on
# good files for both tools. Needs bandit (Debian: apt-get install bandit)
# and python3.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/analysis/testdata}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/cordon" ./cmd/cordon)
"$tmp/cordon" check --format json --fail-on never "$dir" >"$tmp/cordon.json" || true
bandit -q -r -f json -o "$tmp/bandit.json" "$dir" >/dev/null 2>&1 || true
/usr/bin/python3 - "$dir" "$tmp/cordon.json" "$tmp/bandit.json" <<'PY'
import json, os, sys
d, cj, bj = sys.argv[1:4]
rank = {"low": 1, "medium": 2, "high": 3, "LOW": 1, "MEDIUM": 2, "HIGH": 3}
files = sorted(f for f in os.listdir(d) if f.endswith(".py"))
def worst(findings, key_file, key_sev):
    w = {}
    for f in findings:
        b = os.path.basename(f[key_file])
        w[b] = max(w.get(b, 0), rank[f[key_sev]])
    return w
c = worst(json.load(open(cj))["findings"], "file", "severity")
bd = json.load(open(bj))
b = worst(bd["results"], "filename", "issue_severity")
b_err = {os.path.basename(e["filename"]) for e in bd.get("errors", [])}
bad = [f for f in files if f.startswith("bad_")]
# In a directory named benign every file is a clean program.
good = [f for f in files if f.startswith("good_") or os.path.basename(d.rstrip("/")) == "benign"]
print(f"{len(bad)} bad and {len(good)} good files in {d}")
print(f"{'':28s} {'cordon':>10s} {'bandit':>10s}")
for name, lvl in (("bad flagged (>= low)", 1), ("bad flagged (>= medium)", 2), ("bad blocked (high)", 3)):
    print(f"{name:28s} {sum(c.get(f,0)>=lvl for f in bad):>6d}/{len(bad):<3d} {sum(b.get(f,0)>=lvl for f in bad):>6d}/{len(bad):<3d}")
for name, lvl in (("good with >= medium", 2), ("good with high", 3)):
    print(f"{name:28s} {sum(c.get(f,0)>=lvl for f in good):>6d}/{len(good):<3d} {sum(b.get(f,0)>=lvl for f in good):>6d}/{len(good):<3d}")
# At the expected severity: a bad vector's `# expect: RULE[:SEV]` header.
# cordon must reach each expected rule at its severity; bandit, having
# other ids, is credited when its worst finding reaches the worst expected
# severity.
exp = {}
for f in bad:
    want = []
    for line in open(os.path.join(d, f), encoding="utf-8", errors="replace").read().splitlines()[:5]:
        if line.strip().startswith("# expect:"):
            want = [w.split(":") for w in line.split(":", 1)[1].split()]
    exp[f] = want
cr = {}
for x in json.load(open(cj))["findings"]:
    k = (os.path.basename(x["file"]), x["rule"])
    cr[k] = max(cr.get(k, 0), rank[x["severity"]])
def c_ok(f):
    return all((f, w[0]) in cr and (len(w) < 2 or cr[(f, w[0])] == rank[w[1]]) for w in exp[f]) and exp[f]
def want_lvl(f):
    return max([rank[w[1]] for w in exp[f] if len(w) > 1] or [1])
print(f"{'bad at expected severity':28s} {sum(bool(c_ok(f)) for f in bad):>6d}/{len(bad):<3d} {sum(b.get(f,0)>=want_lvl(f) for f in bad):>6d}/{len(bad):<3d}")
print(f"bandit could not parse: {len(b_err)} files")
missed = [f for f in bad if not c_ok(f)]
if missed:
    print("bad files cordon does not find at the expected rule and severity:", " ".join(missed))
PY
