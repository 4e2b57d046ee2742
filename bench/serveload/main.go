// Command serveload measures `cordon serve` against the library it wraps,
// on this machine in one run: hello-world runs/s and p50/p99 latency at
// concurrency 1, 8 and 32 through cordon.Executor directly and through the
// HTTP API (POST /v1/runs?wait=60, server in a child process on
// 127.0.0.1), then an overload phase that must see 429 and 503 with
// Retry-After, lose no accepted run and leave none unaudited (the audit
// log's end records are counted against the client's accepted ids), with
// the server's RSS sampled throughout.
//
//	go run ./bench/serveload [-d 8s] [-python /usr/bin/python3]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cordonsec/cordon"
	"github.com/cordonsec/cordon/audit"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/server"
)

const hello = `print("hello")`

var (
	dur    = flag.Duration("d", 8*time.Second, "length of each measured phase")
	python = flag.String("python", "/usr/bin/python3", "interpreter")
	child  = flag.String("child", "", "internal: serve this config")
)

func main() {
	flag.Parse()
	if *child != "" {
		serveChild(*child)
		return
	}
	dir, err := os.MkdirTemp("", "serveload")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ceiling := fmt.Sprintf("runtime:\n  interpreter: %s\nanalysis:\n  block: \"off\"\naudit:\n  dir: %s\n", *python, filepath.Join(dir, "audit"))
	must(os.WriteFile(filepath.Join(dir, "ceiling.yaml"), []byte(ceiling), 0o600))
	pol, err := policy.Load(filepath.Join(dir, "ceiling.yaml"))
	must(err)

	// The library: the same policy, the same audit log kind (its own dir).
	libPol := pol.Clone()
	libPol.Audit.Dir = filepath.Join(dir, "libaudit")
	ex, err := cordon.NewExecutor(cordon.Options{})
	must(err)
	// The server, in a child process.
	tok, hash := server.NewToken()
	tokSmall, hashSmall := server.NewToken()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	addr := ln.Addr().String()
	ln.Close()
	cfg := fmt.Sprintf(`listen: %s
state_dir: state
audit_dir: audit
workers: 32
queue: 64
max_wait: 60s
retain: 100000
tenants:
  - name: load
    token_sha256: [%s]
    policy: ceiling.yaml
    concurrency: 32
    queued: 64
    runs_per_minute: 1000000
    burst: 100000
  - name: small
    token_sha256: [%s]
    policy: ceiling.yaml
    concurrency: 2
    queued: 4
    runs_per_minute: 600
    burst: 10
`, addr, hash, hashSmall)
	must(os.WriteFile(filepath.Join(dir, "server.yaml"), []byte(cfg), 0o600))
	self, _ := os.Executable()
	cmd := exec.Command(self, "-child", filepath.Join(dir, "server.yaml"))
	slog, err := os.Create(filepath.Join(os.TempDir(), "serveload-server.log"))
	must(err)
	cmd.Stderr = slog
	must(cmd.Start())
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	base := "http://" + addr
	waitReady(base)
	rss := startRSS(cmd.Process.Pid)
	client := &http.Client{Timeout: 90 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}

	fmt.Printf("hello-world, %s per phase, interpreter %s, GOMAXPROCS %d\n\n", *dur, *python, nproc())
	fmt.Printf("%-4s | %-28s | %-28s | %s\n", "conc", "library runs/s  p50   p99", "server  runs/s  p50   p99", "server/library")
	for _, c := range []int{1, 8, 32} {
		log.Printf("library, concurrency %d", c)
		lib := load(c, *dur, func() (bool, error) {
			res, err := ex.Run(context.Background(), cordon.Job{Source: []byte(hello), Policy: libPol})
			return err == nil && res.Status == cordon.StatusOK, err
		})
		log.Printf("server, concurrency %d", c)
		srv := load(c, *dur, func() (bool, error) {
			st, body, _, err := post(client, base+"/v1/runs?wait=60", tok, hello)
			if err != nil {
				return false, err
			}
			return st == 200 && bytes.Contains(body, []byte(`"status":"ok"`)), nil
		})
		fmt.Printf("%-4d | %7.1f %6.1fms %6.1fms | %7.1f %6.1fms %6.1fms | %5.1f%%  (p50 %+.1f ms, p99/p50 %.2f)\n",
			c, lib.rate, ms(lib.p50), ms(lib.p99), srv.rate, ms(srv.p50), ms(srv.p99),
			100*srv.rate/lib.rate, ms(srv.p50-lib.p50), float64(srv.p99)/float64(max(srv.p50, 1)))
		if lib.failed+srv.failed > 0 {
			fmt.Printf("     failures: library %d, server %d\n", lib.failed, srv.failed)
		}
	}
	ex.Close()

	// Overload: 64 clients posting without waiting, to both tenants.
	fmt.Printf("\noverload: 64 clients for %s, no wait (tenant load: queued 64 of a 64 queue; tenant small: queued 4, 10/s burst)\n", *dur)
	var mu sync.Mutex
	accepted := map[string]bool{}
	codes := map[int]int{}
	retryAfter := 0
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := tok
			if i%4 == 0 {
				t = tokSmall
			}
			for !stop.Load() {
				st, body, hdr, err := post(client, base+"/v1/runs", t, hello)
				mu.Lock()
				if err != nil {
					codes[-1]++
				} else {
					codes[st]++
				}
				if st == 202 || st == 200 {
					var v struct{ ID string }
					json.Unmarshal(body, &v)
					accepted[v.ID] = true
				}
				if (st == 429 || st == 503) && hdr.Get("Retry-After") != "" {
					retryAfter++
				}
				mu.Unlock()
				if st == 429 || st == 503 {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	time.Sleep(*dur)
	stop.Store(true)
	wg.Wait()
	fmt.Printf("answers: %v (of 429/503, %d with Retry-After)\n", codes, retryAfter)
	// Every accepted run finishes.
	deadline := time.Now().Add(90 * time.Second)
	pending := len(accepted)
	for pending > 0 && time.Now().Before(deadline) {
		pending = 0
		for _, t := range []string{tok, tokSmall} {
			for _, st := range []string{"queued", "running"} {
				req, _ := http.NewRequest("GET", base+"/v1/runs?limit=200&status="+st, nil)
				req.Header.Set("Authorization", "Bearer "+t)
				resp, err := client.Do(req)
				if err == nil {
					var l server.RunList
					json.NewDecoder(resp.Body).Decode(&l)
					resp.Body.Close()
					pending += len(l.Runs)
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	r := rss.stop()
	if resp, err := client.Get(base + "/metrics"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var sum, n float64
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "cordon_evidence_seconds_sum "); ok {
				sum, _ = strconv.ParseFloat(v, 64)
			}
			if v, ok := strings.CutPrefix(l, "cordon_evidence_seconds_count "); ok {
				n, _ = strconv.ParseFloat(v, 64)
			}
		}
		if n > 0 {
			fmt.Printf("evidence (checkpoint + proof) per run: %.1f ms on average over %.0f runs\n", 1000*sum/n, n)
		}
	}
	// Stop the server (it seals the log).
	cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(90 * time.Second):
		// Runs stuck inside the library: dump the server's goroutines
		// (SIGQUIT also ends it), then start it once more: it records
		// the runs it left unfinished as interrupted.
		fmt.Printf("server did not stop: %d runs stuck; goroutines in %s; restarting it to record them\n", pending, slog.Name())
		cmd.Process.Signal(syscall.SIGQUIT)
		<-exited
		again := exec.Command(self, "-child", filepath.Join(dir, "server.yaml"))
		must(again.Start())
		waitReady(base)
		again.Process.Signal(syscall.SIGTERM)
		again.Wait()
	}
	ends := map[string]string{}
	must(audit.ReadRecords(filepath.Join(dir, "audit"), func(_ int64, rec audit.Record) error {
		if rec.Kind == audit.KindRunEnd {
			ends[rec.RunID] = rec.End.Status
		}
		return nil
	}))
	byStatus := map[string]int{}
	for id := range accepted {
		byStatus[ends[id]]++
	}
	lost := 0
	for id := range accepted {
		if ends[id] == "" {
			lost++
		}
	}
	rep, err := audit.Verify(filepath.Join(dir, "audit"), audit.VerifyOptions{})
	must(err)
	fmt.Printf("accepted %d runs; audit end records for them: %d %v; lost or unaudited: %d; log verifies clean: %v (%d records, sealed %d)\n",
		len(accepted), len(accepted)-lost, byStatus, lost, rep.Clean(), rep.Records, rep.Sealed)
	fmt.Printf("server RSS: first sample %.1f MiB, peak %.1f MiB, last %.1f MiB (%d samples, every 250 ms)\n",
		mib(r.first), mib(r.peak), mib(r.last), r.n)
}

func serveChild(cfgFile string) {
	cfg, err := server.LoadConfig(cfgFile)
	must(err)
	srv, err := server.New(cfg, nil)
	must(err)
	hs := srv.HTTPServer()
	ln, err := net.Listen("tcp", cfg.Listen)
	must(err)
	go hs.Serve(ln)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	<-ctx.Done()
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Print(err)
	}
	hs.Close()
}

func post(c *http.Client, url, tok, src string) (int, []byte, http.Header, error) {
	body, _ := json.Marshal(map[string]string{"source": src})
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header, err
}

type stats struct {
	rate     float64
	p50, p99 time.Duration
	failed   int
}

// load runs fn from c goroutines for d and reports runs/s and latency.
func load(c int, d time.Duration, fn func() (bool, error)) stats {
	var mu sync.Mutex
	var lat []time.Duration
	failed := 0
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				t := time.Now()
				ok, _ := fn()
				el := time.Since(t)
				mu.Lock()
				if ok {
					lat = append(lat, el)
				} else {
					failed++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	total := time.Since(start)
	slices.Sort(lat)
	s := stats{failed: failed, rate: float64(len(lat)) / total.Seconds()}
	if len(lat) > 0 {
		s.p50 = lat[len(lat)/2]
		s.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return s
}

func waitReady(base string) {
	for i := 0; i < 300; i++ {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatal("server did not get ready")
}

type rssSampler struct {
	stopc                chan struct{}
	done                 chan struct{}
	first, peak, last, n int64
}

func startRSS(pid int) *rssSampler {
	s := &rssSampler{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			if v := readRSS(pid); v > 0 {
				if s.n == 0 {
					s.first = v
				}
				s.peak = max(s.peak, v)
				s.last = v
				s.n++
			}
			select {
			case <-t.C:
			case <-s.stopc:
				return
			}
		}
	}()
	return s
}

func (s *rssSampler) stop() *rssSampler { close(s.stopc); <-s.done; return s }

func readRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n << 10
		}
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
func mib(n int64) float64        { return float64(n) / (1 << 20) }

func nproc() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(bytes.Count(b, []byte("processor\t:")), 1)
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
