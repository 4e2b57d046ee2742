// Package mcp serves Cordon's tools to AI agents over the Model Context
// Protocol: run_python (run a script in the sandbox), check_python (static
// analysis only) and explain_policy (what a run may and may not do). It is
// a thin layer over the service (package server): every tool call is a
// request of the service's own shape (server.RunRequest), checked,
// tightened, queued, audited and given evidence exactly like one sent to
// `cordon serve`, with the MCP client's name in the audit start record.
//
// Use [NewServer] for one tenant over any transport (`cordon mcp` serves
// it on stdio through a [server.NewLocal] service), or [NewHTTPHandler]
// for MCP's streamable HTTP transport beside the HTTP API, where the
// bearer token picks the tenant.
//
// An agent can never widen its sandbox: it may name one of the policies
// the service offers its tenant and tighten limits and the network
// allow-list; the service's policy.Tighten refuses anything else.
package mcp

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/modelcontextprotocol/go-sdk/auth"

	"github.com/cordonsec/cordon/server"
)

// Options tune the tools. The zero value is the normal case.
type Options struct {
	// CallsPerMinute and Burst bound the tool calls of one client (a
	// tenant and the client's name); default 60 and 20.
	CallsPerMinute int
	Burst          int
	// MaxText caps stdout and stderr each as returned to the agent
	// (default 16 KiB; the policy's limits.output caps what is kept).
	MaxText int
	// MaxFile caps one returned output file, MaxFiles all of them
	// together (default 1 MiB and 4 MiB); files past the caps are listed,
	// not returned.
	MaxFile  int64
	MaxFiles int64
	// Version is the implementation version told to clients.
	Version string
}

func (o *Options) fill() {
	if o.CallsPerMinute <= 0 {
		o.CallsPerMinute = 60
	}
	if o.Burst <= 0 {
		o.Burst = 20
	}
	if o.MaxText <= 0 {
		o.MaxText = 16 << 10
	}
	if o.MaxFile <= 0 {
		o.MaxFile = 1 << 20
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = 4 << 20
	}
	if o.Version == "" {
		o.Version = "dev"
	}
}

// tools is the state the tool handlers of one tenant share.
type tools struct {
	srv    *server.Server
	tenant string
	opts   Options
	limit  *limiter
}

// NewServer returns an MCP server with the tools for tenant of srv. Run it
// on a transport (sdk.StdioTransport for `cordon mcp`).
func NewServer(srv *server.Server, tenant string, opts Options) (*sdk.Server, error) {
	opts.fill()
	return newServer(srv, tenant, opts, newLimiter(opts.CallsPerMinute, opts.Burst))
}

func newServer(srv *server.Server, tenant string, opts Options, lim *limiter) (*sdk.Server, error) {
	t := srv.Tenant(tenant)
	if t == nil {
		return nil, fmt.Errorf("mcp: no tenant %q", tenant)
	}
	tl := &tools{srv: srv, tenant: tenant, opts: opts, limit: lim}
	s := sdk.NewServer(&sdk.Implementation{Name: "cordon", Title: "Cordon sandbox", Version: opts.Version},
		&sdk.ServerOptions{Instructions: instructions(t)})
	if err := tl.add(s, t); err != nil {
		return nil, err
	}
	return s, nil
}

// NewHTTPHandler serves the tools over MCP's streamable HTTP transport.
// Every request needs a tenant's bearer token (as the HTTP API); the
// token picks the tenant and its policies, and a session stays with the
// tenant that opened it.
func NewHTTPHandler(srv *server.Server, opts Options) http.Handler {
	opts.fill()
	h := &httpTools{srv: srv, opts: opts, limit: newLimiter(opts.CallsPerMinute, opts.Burst), byTenant: map[string]httpEntry{}}
	sh := sdk.NewStreamableHTTPHandler(h.serverFor, &sdk.StreamableHTTPOptions{SessionTimeout: 30 * time.Minute})
	verify := func(_ context.Context, token string, _ *http.Request) (*auth.TokenInfo, error) {
		t := srv.TenantOf(token)
		if t == nil {
			return nil, fmt.Errorf("%w: send Authorization: Bearer TOKEN with a token the server knows", auth.ErrInvalidToken)
		}
		return &auth.TokenInfo{UserID: t.Name}, nil
	}
	authed := auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(sh)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A tool call answers when its run ends: past the service's
		// write timeout for long runs.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(15 * time.Minute))
		authed.ServeHTTP(w, r)
	})
}

type httpTools struct {
	srv   *server.Server
	opts  Options
	limit *limiter

	mu       sync.Mutex
	byTenant map[string]httpEntry
}

// httpEntry is a tenant's MCP server, made again when the tenant's
// policies change (SIGHUP) so that its tool descriptions stay true.
type httpEntry struct {
	key string
	s   *sdk.Server
}

func (h *httpTools) serverFor(r *http.Request) *sdk.Server {
	ti := auth.TokenInfoFromContext(r.Context())
	if ti == nil {
		return nil
	}
	t := h.srv.Tenant(ti.UserID)
	if t == nil {
		return nil
	}
	key := policiesKey(t)
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.byTenant[t.Name]; ok && e.key == key {
		return e.s
	}
	s, err := newServer(h.srv, t.Name, h.opts, h.limit)
	if err != nil {
		return nil
	}
	h.byTenant[t.Name] = httpEntry{key, s}
	return s
}

func policiesKey(t *server.Tenant) string {
	k := t.Ceiling.Hash()
	for _, n := range offerNames(t) {
		k += "," + n + "=" + t.Offers[n].Hash()
	}
	return k
}

// limiter is a token bucket per client: the MCP specification asks
// servers to rate-limit tool calls.
type limiter struct {
	perMinute, burst int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, burst int) *limiter {
	return &limiter{perMinute: perMinute, burst: burst, buckets: map[string]*bucket{}}
}

// take takes one call for key; when there is none it says how long until
// there is.
func (l *limiter) take(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) > 10000 {
			// Forget idle clients rather than grow without bound.
			for k, ob := range l.buckets {
				if now.Sub(ob.last) > time.Minute {
					delete(l.buckets, k)
				}
			}
		}
		b = &bucket{tokens: float64(l.burst), last: now}
		l.buckets[key] = b
	}
	rate := float64(l.perMinute) / 60
	b.tokens = min(float64(l.burst), b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}
