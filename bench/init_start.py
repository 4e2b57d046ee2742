#!/usr/bin/env python3
"""The stage-2 init's start alone, paired: BIN_A and BIN_B are each run as
the init (argv[0] cordon-sandbox-init) without a control socket, so each
ends right after its package inits; alternating pairs, medians and the
paired difference.

    go build -o /tmp/a/cordon ./cmd/cordon && go build -o /tmp/b/cordon-init ./cmd/cordon-init
    bench/init_start.py /tmp/a/cordon /tmp/b/cordon-init 200
"""
import statistics, subprocess, sys, time

bins = sys.argv[1:3]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
t = {b: [] for b in bins}
for i in range(n):
    for b in (bins if i % 2 == 0 else bins[::-1]):
        s = time.perf_counter()
        subprocess.run(["cordon-sandbox-init"], executable=b, env={}, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t[b].append((time.perf_counter() - s) * 1000)
for b in bins:
    print(f"{b}: median {statistics.median(t[b]):.2f} ms  p10 {sorted(t[b])[n // 10]:.2f} ms")
d = [a - b for a, b in zip(t[bins[0]], t[bins[1]])]
print(f"paired difference (first minus second) median {statistics.median(d):+.2f} ms")
