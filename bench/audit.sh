#!/bin/sh
# bench/audit.sh: the audit log's figures against their targets.
#
#   appends/s, group commit         target >= 50,000
#   appends/s, fsync per record     (the disk's fsync latency)
#   appends/s, every append durable (64 goroutines sharing group fsyncs)
#   verify, records/s (1,000,000)   target >= 200,000
#   inclusion proof at 1,000,000    target < 1 ms; size in bytes
#
# Usage: bench/audit.sh   (from the repository root; TMPDIR picks the disk)
set -eu
cd "$(dirname "$0")/.."
out=$(go test -run '^$' -bench 'Append|Verify1M|Prove1M' -benchtime 2s ./audit/)
echo "$out" | grep -E '^(goos|goarch|cpu|Benchmark)' >&2
echo "$out" | awk '
/^BenchmarkAppendGrouped-/        { for (i=1;i<=NF;i++) if ($(i+1)=="appends/s") g=$i }
/^BenchmarkAppendGroupedDurable-/ { for (i=1;i<=NF;i++) if ($(i+1)=="appends/s") d=$i }
/^BenchmarkAppendPerRecordFsync-/ { for (i=1;i<=NF;i++) if ($(i+1)=="appends/s") r=$i }
/^BenchmarkVerify1M-/             { for (i=1;i<=NF;i++) if ($(i+1)=="records/s") v=$i }
/^BenchmarkProve1M-/              { for (i=1;i<=NF;i++) { if ($(i+1)=="ns/op") p=$i; if ($(i+1)=="proof-bytes") s=$i } }
END {
	printf "%-44s %14s %14s %s\n", "measure", "value", "target", "ok"
	printf "%-44s %14.0f %14s %s\n", "appends/s, group commit", g, ">= 50000", (g >= 50000 ? "yes" : "NO")
	printf "%-44s %14.0f %14s %s\n", "appends/s, group commit, each durable", d, "-", "-"
	printf "%-44s %14.0f %14s %s\n", "appends/s, fsync per record", r, "-", "-"
	printf "%-44s %14.0f %14s %s\n", "verify records/s (1,000,000 records)", v, ">= 200000", (v >= 200000 ? "yes" : "NO")
	printf "%-44s %14.1f %14s %s\n", "inclusion proof + check, us (1,000,000)", p/1000, "< 1000", (p < 1000000 ? "yes" : "NO")
	printf "%-44s %14d %14s %s\n", "inclusion proof size, bytes", s, "-", "-"
}'
