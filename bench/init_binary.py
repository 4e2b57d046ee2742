#!/usr/bin/env python3
"""cordon run with and without cordon-init beside it, paired: DIR_WITH holds
cordon and cordon-init, DIR_WITHOUT cordon alone (the same build). Each
pair runs a hello-world with --json (audit off, /usr/bin/python3) in
alternating order; medians of the end-to-end time and of the spawn phase,
and the paired differences.

    go build -o /tmp/with/ ./cmd/cordon ./cmd/cordon-init && mkdir -p /tmp/without && cp /tmp/with/cordon /tmp/without/
    bench/init_binary.py /tmp/with /tmp/without 30
"""
import json, os, statistics, subprocess, sys, tempfile, time

with_dir, without_dir = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 30
tmp = tempfile.mkdtemp(prefix="cordon-initbench-")
hello, pol = os.path.join(tmp, "hello.py"), os.path.join(tmp, "policy.yaml")
open(hello, "w").write('print("hello")\n')
open(pol, "w").write("runtime:\n  interpreter: /usr/bin/python3\naudit:\n  enabled: false\n")
bins = {"init-binary": os.path.join(with_dir, "cordon"), "re-exec": os.path.join(without_dir, "cordon")}
res = {k: {"spawn": [], "e2e": []} for k in bins}
for i in range(n):
    for k in (list(bins) if i % 2 == 0 else list(bins)[::-1]):
        t = time.perf_counter()
        out = subprocess.run([bins[k], "run", "--json", "--policy", pol, hello], capture_output=True, text=True, cwd=tmp)
        res[k]["e2e"].append((time.perf_counter() - t) * 1000)
        res[k]["spawn"].append(json.loads(out.stdout)["usage"]["phases"]["spawn_us"] / 1000)
for k in bins:
    print(f"{k:12} end to end median {statistics.median(res[k]['e2e']):7.1f} ms, spawn phase median {statistics.median(res[k]['spawn']):6.1f} ms")
d = [a - b for a, b in zip(res["re-exec"]["e2e"], res["init-binary"]["e2e"])]
ds = [a - b for a, b in zip(res["re-exec"]["spawn"], res["init-binary"]["spawn"])]
print(f"paired, re-exec minus init binary: end to end {statistics.median(d):+.1f} ms, spawn {statistics.median(ds):+.1f} ms")
