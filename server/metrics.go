package server

// /metrics in the Prometheus text format. Names follow the Prometheus
// conventions (cordon_ prefix, _total for counters, base units); the
// tenant is never a label (unbounded cardinality, and a tenant's name is
// not for every scraper to see).

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cordonsec/cordon"
)

type metrics struct {
	reg      *prometheus.Registry
	accepted prometheus.Counter
	runs     *prometheus.CounterVec // by final status
	refused  *prometheus.CounterVec // by problem type
	requests *prometheus.CounterVec // by code
	inflight prometheus.Gauge
	wall     prometheus.Histogram
	evidence prometheus.Histogram
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.accepted = prometheus.NewCounter(prometheus.CounterOpts{Name: "cordon_runs_accepted_total",
		Help: "Runs accepted (queued) by POST /v1/runs."})
	m.runs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cordon_runs_finished_total",
		Help: "Runs finished, by final status."}, []string{"status"})
	m.refused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cordon_runs_refused_total",
		Help: "POST /v1/runs refused before any work, by reason (rate-limited, tenant-quota, server-busy)."}, []string{"reason"})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cordon_http_requests_total",
		Help: "HTTP requests answered, by status code."}, []string{"code"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "cordon_runs_in_flight",
		Help: "Runs executing now."})
	m.wall = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cordon_run_wall_seconds",
		Help: "Wall-clock time of finished runs.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)})
	m.evidence = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cordon_evidence_seconds",
		Help:    "Time from a run's end to its evidence: a checkpoint covering its record, and the inclusion proof.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)})
	queued := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cordon_queue_depth",
		Help: "Runs waiting for a worker."}, func() float64 { return float64(s.q.Len()) })
	workers := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cordon_workers",
		Help: "Workers (runs that may execute at once)."}, func() float64 { return float64(s.cfg.Workers) })
	m.reg.MustRegister(m.accepted, m.runs, m.refused, m.requests, m.inflight, m.wall, m.evidence, queued, workers,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, st := range cordon.Statuses {
		m.runs.WithLabelValues(string(st))
	}
	m.runs.WithLabelValues(statusCanceled)
	for _, r := range []string{"rate-limited", "tenant-quota", "server-busy"} {
		m.refused.WithLabelValues(r)
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *metrics) finished(status string, res *cordon.Result) {
	m.runs.WithLabelValues(status).Inc()
	if res.Usage.WallMS > 0 {
		m.wall.Observe(float64(res.Usage.WallMS) / 1000)
	}
}

// count counts every answer by status code.
func (m *metrics) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &codeWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(cw, r)
		m.requests.WithLabelValues(strconv.Itoa(cw.code)).Inc()
	})
}

type codeWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (c *codeWriter) WriteHeader(code int) {
	if !c.wroteHeader {
		c.code, c.wroteHeader = code, true
	}
	c.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (flush, write
// deadlines for server-sent events).
func (c *codeWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
