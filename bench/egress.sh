#!/bin/sh
# bench/egress.sh: what the egress proxy costs against a direct connection
# on loopback (issue 6), from the benchmarks in egress/bench_test.go.
#
#   throughput, MB/s, one long connection, down and up:
#     TLS end to end: direct, CONNECT tunnel, SOCKS5      target >= 0.80 x direct
#     plain TCP: direct, SOCKS5                           target >= 0.80 x direct
#   latency of one short connection (connect, handshake, 64-byte echo or
#   one GET, close), and what the proxy adds to it:       target <= 1000 us added
#
# The "relay" column is a bare splicing relay (io.Copy both ways, no
# rules): the cost of the extra loopback hop that any relaying proxy pays,
# so the gap between it and the proxy is the proxy's own cost.
#
# The test binary is built once and run ROUNDS times, every variant once a
# round, so that a burst of load from elsewhere hits all variants alike;
# the table shows medians over the rounds. Same figures, one variant at a
# time: go test -run '^$' -bench . -benchtime 0.5s -count 5 ./egress
#
# Last, CPU seconds per GiB moved (user + sys of the whole test process:
# client, server and proxy) for the download variants: unlike MB/s this
# hardly moves when other work shares the machine, and it says where the
# time goes (sys: the kernel's TCP work; user: Go code and TLS).
#
# Usage: bench/egress.sh [ROUNDS]   (default 5; about 10 s a round on 2 cores)
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/egress.test" ./egress
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
i=0
while [ "$i" -lt "$rounds" ]; do
	i=$((i + 1))
	"$tmp/egress.test" -test.run '^$' -test.bench 'Throughput' -test.benchtime 512x
	"$tmp/egress.test" -test.run '^$' -test.bench 'ConnectLatency' -test.benchtime 0.3s
done >"$tmp/out"
grep -m1 '^cpu:' "$tmp/out" >&2 || true

# One line per variant: name, median (MB/s for throughput, ns/op for latency).
awk '/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
	v = $3
	for (i = 4; i <= NF; i++) if ($(i+1) == "MB/s") v = $i
	print name, v
}' "$tmp/out" | sort -k1,1 -k2,2g | awk '
{ n[$1]++; v[$1, n[$1]] = $2 }
END { for (k in n) { c = n[k]; m = (c % 2) ? v[k, (c+1)/2] : (v[k, c/2] + v[k, c/2+1]) / 2; print k, m, c } }' |
	sort >"$tmp/med"

awk -v rounds="$rounds" '
{ m[$1] = $2; c[$1] = $3 }
function ratio(a, b) { return (b > 0 && a != "") ? a / b : 0 }
function tp(kind, via,   d, x) {
	d = m["Throughput/" kind "/direct"]; x = m["Throughput/" kind "/" via]
	if (x == "") return sprintf("%16s", "-")
	return sprintf("%8.0f (%4.2f)", x, ratio(x, d))
}
function tpok(kind, vias,   n, a, i, d, x, ok) {
	d = m["Throughput/" kind "/direct"]; ok = "yes"
	n = split(vias, a, " ")
	for (i = 1; i <= n; i++) { x = m["Throughput/" kind "/" a[i]]; if (x != "" && ratio(x, d) < 0.80) ok = "NO" }
	return ok
}
function lat(kind, via, direct,   d, x) {
	d = m["ConnectLatency/" kind "-" direct]; x = m["ConnectLatency/" kind "-" via]
	if (x == "") return sprintf("%16s", "-")
	return sprintf("%7.0f (%+5.0f)", x / 1000, (x - d) / 1000)
}
function latok(kind, vias, direct,   n, a, i, d, x, ok) {
	d = m["ConnectLatency/" kind "-" direct]; ok = "yes"
	n = split(vias, a, " ")
	for (i = 1; i <= n; i++) { x = m["ConnectLatency/" kind "-" a[i]]; if (x != "" && x - d > 1000000) ok = "NO" }
	return ok
}
END {
	printf "throughput, MB/s (ratio to direct), median of %d rounds       target: proxied >= 0.80\n", rounds
	printf "%-9s %10s %16s %16s %16s  %s\n", "", "direct", "bare relay", "connect", "socks5", "ok"
	split("tls-down tls-up tcp-down tcp-up", ks, " ")
	for (i = 1; i <= 4; i++) {
		k = ks[i]
		printf "%-9s %10.0f %16s %16s %16s  %s\n", k, m["Throughput/" k "/direct"], tp(k, "relay"), tp(k, "connect"), tp(k, "socks5"), tpok(k, "connect socks5")
	}
	printf "\nlatency per connection, us (added to direct)                 target: added <= 1000 us\n"
	printf "%-9s %10s %16s %16s %16s  %s\n", "", "direct", "bare relay", "connect", "socks5", "ok"
	split("tls tcp", ks, " ")
	for (i = 1; i <= 2; i++) {
		k = ks[i]
		printf "%-9s %10.0f %16s %16s %16s  %s\n", k, m["ConnectLatency/" k "-direct"] / 1000, lat(k, "relay", "direct"), lat(k, "connect", "direct"), lat(k, "socks5", "direct"), latok(k, "connect socks5", "direct")
	}
	printf "%-9s %10.0f %16s  %s  (plain HTTP forwarded)\n", "http GET", m["ConnectLatency/http-direct"] / 1000, lat("http", "proxy", "direct"), latok("http", "proxy", "direct")
}' "$tmp/med"

[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time absent, CPU per GiB skipped" >&2; exit 0; }
printf "\nCPU seconds per GiB downloaded (whole process: client + server + proxy), one run each\n"
printf "%-9s %-8s %8s %8s %8s\n" "" "route" "user" "sys" "total"
for v in tcp-down/direct tcp-down/relay tcp-down/socks5 tls-down/direct tls-down/relay tls-down/connect tls-down/socks5; do
	/usr/bin/time -f "%U %S" -o "$tmp/time" "$tmp/egress.test" -test.run '^$' -test.bench "Throughput/$v\$" -test.benchtime 2048x >/dev/null
	read -r u s <"$tmp/time"
	# 2048 MiB timed plus the 1 MiB of the calibration run.
	awk -v k="${v%/*}" -v r="${v#*/}" -v u="$u" -v s="$s" 'BEGIN { g = 2049 / 1024; printf "%-9s %-8s %8.2f %8.2f %8.2f\n", k, r, u / g, s / g, (u + s) / g }'
done

# End to end, as a user sees it: Python's urllib downloading 256 MiB from a
# Python server on 127.0.0.2, bare python3 straight to it against the same
# script under `cordon run` (sandbox, proxy, limits, events). Both ends
# are Python, so on a 2-core machine the client, the server and the
# proxy's kernel work share two CPUs: the ratio says what the extra
# loopback hop costs when nothing else is the bottleneck. With a remote
# server the network link, not this hop, usually sets the speed.
py=$(pyenv which python3 2>/dev/null || command -v python3) # the real binary, not a shim
go build -o "$tmp/cordon" ./cmd/cordon
port=28402
/usr/bin/python3 bench/scripts/egress_server.py 127.0.0.2 $port &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$tmp"' EXIT
sleep 0.5
cat >"$tmp/pol.yaml" <<POL
extends: builtin:network-allowlist
network:
  domains: [bench.test]
  ports: [$port]
  cidrs: [127.0.0.2/32]
  max_bytes_in: 1GiB
  connection_time: 60s
limits: {wall_time: 60s, cpu_time: 60s}
analysis: {block: "off"}
audit: {enabled: false}
POL
printf "\nend to end: urllib download of 256 MiB, MB/s, %d rounds (median)\n" "$rounds"
i=0
while [ "$i" -lt "$rounds" ]; do
	i=$((i + 1))
	printf "direct "
	env -u HTTP_PROXY -u http_proxy "$py" bench/scripts/egress_fetch.py "http://127.0.0.2:$port/"
	printf "cordon "
	"$tmp/cordon" run --policy "$tmp/pol.yaml" --resolve bench.test=127.0.0.2 bench/scripts/egress_fetch.py -- "http://bench.test:$port/"
done >"$tmp/e2e"
median() { grep "^$1 " "$tmp/e2e" | cut -d' ' -f2 | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
d=$(median direct)
c=$(median cordon)
awk -v d="$d" -v c="$c" 'BEGIN { printf "%-28s %8.0f\n%-28s %8.0f  (%.2f x direct)\n", "bare python3, direct", d, "cordon run, through proxy", c, c / d }'
