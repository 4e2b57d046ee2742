package server

// Errors as application/problem+json (RFC 9457). Each error has a stable
// type URI under problemBase; the list is the table in docs/server.md and
// the OpenAPI document.

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

const problemBase = "https://cordon.dev/problems/"

// Problem is one error answer.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Errors lists the problems of a policy override or a request field,
	// each with its place.
	Errors []FieldError `json:"errors,omitempty"`

	retryAfter time.Duration
}

// FieldError is one problem in a request, with its place when known.
type FieldError struct {
	Field   string `json:"field,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// The problem types: name -> (HTTP status, title).
var problemTypes = map[string]struct {
	status int
	title  string
}{
	"unauthorized":         {http.StatusUnauthorized, "No valid bearer token"},
	"not-found":            {http.StatusNotFound, "No such resource"},
	"method-not-allowed":   {http.StatusMethodNotAllowed, "Method not allowed"},
	"bad-json":             {http.StatusBadRequest, "The body is not valid JSON"},
	"unknown-field":        {http.StatusBadRequest, "Unknown field in the request"},
	"invalid-request":      {http.StatusUnprocessableEntity, "The request is not valid"},
	"body-too-large":       {http.StatusRequestEntityTooLarge, "The body is larger than the limit"},
	"unsupported-media":    {http.StatusUnsupportedMediaType, "The body must be application/json"},
	"policy-invalid":       {http.StatusUnprocessableEntity, "The policy override is not valid"},
	"policy-loosens":       {http.StatusForbidden, "The policy override loosens the tenant's ceiling"},
	"wait-too-long":        {http.StatusBadRequest, "wait is past the server's cap"},
	"idempotency-conflict": {http.StatusConflict, "The idempotency key was used with another request"},
	"run-finished":         {http.StatusConflict, "The run has already finished"},
	"rate-limited":         {http.StatusTooManyRequests, "Over the tenant's rate limit"},
	"tenant-quota":         {http.StatusTooManyRequests, "Over the tenant's queued-runs quota"},
	"server-busy":          {http.StatusServiceUnavailable, "The server's queue is full"},
	"shutting-down":        {http.StatusServiceUnavailable, "The server is shutting down"},
	"callback-not-allowed": {http.StatusUnprocessableEntity, "The callback cannot be used"},
	"output-not-found":     {http.StatusNotFound, "No such output file"},
	"evidence-unavailable": {http.StatusServiceUnavailable, "The audit log cannot give evidence now"},
	"internal":             {http.StatusInternalServerError, "Internal error"},
	"not-ready":            {http.StatusServiceUnavailable, "Not ready"},
	"record-not-covered":   {http.StatusNotFound, "No such record under the newest checkpoint"},
}

// problem builds the Problem of type name.
func problem(name, format string, args ...any) *Problem {
	t, ok := problemTypes[name]
	if !ok {
		panic("server: unknown problem type " + name)
	}
	return &Problem{Type: problemBase + name, Title: t.title, Status: t.status, Detail: fmt.Sprintf(format, args...)}
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// after sets Retry-After.
func (p *Problem) after(d time.Duration) *Problem {
	p.retryAfter = d
	return p
}

func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if r != nil {
		p.Instance = r.URL.Path
	}
	if p.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(p.retryAfter.Seconds()))))
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cordon"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}
