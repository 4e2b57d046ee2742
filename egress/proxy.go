package egress

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// Config configures a Proxy.
type Config struct {
	// Network is the policy's network section: domains, ports, cidrs and
	// the per-run limits (max_connections, max_bytes_out, max_bytes_in,
	// connection_time). A zero limit means none (the policy validator
	// requires all four; library callers and tests may leave them out).
	Network policy.Network
	// Resolver looks names up (nil: net.DefaultResolver).
	Resolver Resolver
	// Dialer opens upstream connections (nil: a net.Dialer with a 10 s
	// timeout).
	Dialer Dialer
	// OnEvent receives every attempt once, as it is refused or when an
	// allowed connection ends. It may be called from many goroutines at
	// once and must not block for long.
	OnEvent func(Event)
	// RequestTimeout bounds how long a client may take to send its request
	// (and a CONNECT client its ClientHello); 0 means 10 s.
	RequestTimeout time.Duration
}

// maxHeader bounds an HTTP request's head (request line and headers).
const maxHeader = 64 << 10

// Proxy is the filtering proxy of one run. Serve it on the listener from
// inside the sandbox; Close it when the run ends.
type Proxy struct {
	cfg   Config
	rules *Rules
	// ctx ends with Close: lookups and dials in flight stop with the run.
	ctx    context.Context
	cancel context.CancelFunc

	connLimit int64
	out, in   *budget
	life      time.Duration

	allowed, refused atomic.Int64
	// closed is set once, by Close, under mu: readers holding mu see it
	// in step with the connection table.
	closed            atomic.Bool
	bytesOut, bytesIn atomic.Int64

	mu         sync.Mutex
	lookups    map[string]*lookupResult // names asked this run
	maxLookups int
	listeners  map[net.Listener]struct{}
	conns      map[net.Conn]*attempt // live connections; attempt nil while undecided
	handlers   sync.WaitGroup
	// open bounds the client connections being served at once (decided
	// or not): each costs a goroutine and a request buffer in the
	// supervisor, outside the sandbox's memory limit. When it is full the
	// proxy stops accepting, and the script's connects wait in its own
	// listen backlog.
	open    chan struct{}
	granted int64 // connections allowed so far (max_connections)
}

// New checks cfg's rules and returns a proxy ready to Serve.
func New(cfg Config) (*Proxy, error) {
	rules, err := NewRules(cfg.Network)
	if err != nil {
		return nil, fmt.Errorf("egress: %w", err)
	}
	rules.withHostAddrs()
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Dialer == nil {
		cfg.Dialer = &net.Dialer{Timeout: 10 * time.Second}
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	n := cfg.Network
	ctx, cancel := context.WithCancel(context.Background())
	return &Proxy{
		cfg: cfg, rules: rules, ctx: ctx, cancel: cancel,
		connLimit:  int64(n.MaxConnections),
		out:        newBudget(int64(n.MaxBytesOut)),
		in:         newBudget(int64(n.MaxBytesIn)),
		life:       n.ConnectionTime.D(),
		listeners:  map[net.Listener]struct{}{},
		conns:      map[net.Conn]*attempt{},
		lookups:    map[string]*lookupResult{},
		maxLookups: max(4*n.MaxConnections, 64),
		open:       make(chan struct{}, max(4*n.MaxConnections, 64)),
	}, nil
}

// ErrClosed is returned by Serve on a proxy closed before it was called.
var ErrClosed = errors.New("egress: proxy closed")

// Serve accepts connections on l until Close, and returns nil then; any
// other accept error ends it with that error. Serve closes l.
func (p *Proxy) Serve(l net.Listener) error {
	p.mu.Lock()
	if p.closed.Load() {
		p.mu.Unlock()
		l.Close()
		return ErrClosed
	}
	p.listeners[l] = struct{}{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.listeners, l)
		p.mu.Unlock()
		l.Close()
	}()
	var backoff time.Duration
	for {
		select {
		case p.open <- struct{}{}:
		case <-p.ctx.Done():
			return nil
		}
		c, err := l.Accept()
		if err != nil {
			<-p.open
			if p.closed.Load() {
				return nil
			}
			if temporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("egress: accept: %w", err)
		}
		backoff = 0
		if !p.track(c) {
			<-p.open
			c.Close()
			return nil
		}
		go p.handle(c)
	}
}

// temporary says an accept error passes (EMFILE, ECONNABORTED): the
// loop backs off and goes on, as net/http's server does.
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// track registers a live client connection; false once closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed.Load() {
		return false
	}
	p.conns[c] = nil
	p.handlers.Add(1)
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// Close stops accepting, cuts every live connection (their events say
// proxy-closed) and waits until every handler has ended and reported.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed.Swap(true) {
		p.mu.Unlock()
		p.handlers.Wait()
		return nil
	}
	p.cancel()
	for l := range p.listeners {
		l.Close()
	}
	for c, a := range p.conns {
		if a != nil {
			a.cut(ReasonClosed)
		}
		c.Close()
	}
	p.mu.Unlock()
	p.handlers.Wait()
	return nil
}

// Stats returns the totals so far.
func (p *Proxy) Stats() Stats {
	return Stats{
		Allowed: int(p.allowed.Load()), Refused: int(p.refused.Load()),
		BytesOut: p.bytesOut.Load(), BytesIn: p.bytesIn.Load(),
	}
}

// handle serves one client connection: SOCKS5 when its first byte says
// so, HTTP otherwise.
func (p *Proxy) handle(c net.Conn) {
	defer func() { <-p.open }()
	defer p.handlers.Done()
	defer p.untrack(c)
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(p.cfg.RequestTimeout))
	br := readers.Get().(*bufio.Reader)
	br.Reset(c)
	defer func() {
		br.Reset(nil)
		readers.Put(br)
	}()
	first, err := br.Peek(1)
	if err != nil {
		return // closed without a word: no attempt
	}
	if first[0] == socksVersion {
		p.serveSOCKS(c, br)
		return
	}
	p.serveHTTP(c, br)
}

// readers holds the request readers (maxHeader bytes each, the most a
// request head may take) between connections: most of what a proxied
// connection would allocate otherwise.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, maxHeader) }}

// connectionSlot takes one of the run's max_connections; false when none
// is left.
func (p *Proxy) connectionSlot() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.connLimit > 0 && p.granted >= p.connLimit {
		return false
	}
	p.granted++
	return true
}

// register ties a decided attempt and its upstream connection to the
// client connection, so Close can cut both. When the proxy is already
// closed it reports the attempt cut (proxy-closed) and returns false.
func (p *Proxy) register(client net.Conn, a *attempt, upstream net.Conn) bool {
	p.mu.Lock()
	closed := p.closed.Load()
	if !closed {
		p.conns[client] = a
		a.upstream = upstream
	}
	p.mu.Unlock()
	if closed {
		a.upstream = upstream
		a.cut(ReasonClosed)
		a.finish()
	}
	return !closed
}

// emit reports a finished attempt.
func (p *Proxy) emit(ev Event) {
	p.bytesOut.Add(ev.BytesOut)
	p.bytesIn.Add(ev.BytesIn)
	if ev.Allowed {
		p.allowed.Add(1)
	} else {
		p.refused.Add(1)
	}
	if p.cfg.OnEvent != nil {
		p.cfg.OnEvent(ev)
	}
}

// budget is a per-run byte allowance shared by every connection; copies
// take it in chunks so that kernel splicing stays possible.
type budget struct {
	unlimited bool
	left      atomic.Int64
}

func newBudget(n int64) *budget {
	b := &budget{unlimited: n <= 0}
	b.left.Store(n)
	return b
}

// take reserves up to n bytes; 0 means the budget is spent.
func (b *budget) take(n int64) int64 {
	if b.unlimited {
		return n
	}
	for {
		left := b.left.Load()
		if left <= 0 {
			return 0
		}
		got := min(n, left)
		if b.left.CompareAndSwap(left, left-got) {
			return got
		}
	}
}

// spent says no byte is left.
func (b *budget) spent() bool { return !b.unlimited && b.left.Load() <= 0 }

// give returns an unused reservation.
func (b *budget) give(n int64) {
	if !b.unlimited && n > 0 {
		b.left.Add(n)
	}
}

// errBudget ends a copy whose direction spent the run's bytes.
var errBudget = errors.New("byte limit reached")

// countingWriter writes through to w within budget b, counting into n.
type countingWriter struct {
	w   io.Writer
	b   *budget
	n   *atomic.Int64
	hit *atomic.Bool // set when the budget ran out (net/http may hide errBudget in its own error types)
}

func (cw countingWriter) Write(p []byte) (int, error) {
	got := cw.b.take(int64(len(p)))
	m, err := cw.w.Write(p[:got])
	cw.b.give(got - int64(m))
	cw.n.Add(int64(m))
	if err == nil && got < int64(len(p)) {
		err = errBudget
		if cw.hit != nil {
			cw.hit.Store(true)
		}
	}
	return m, err
}

// countingReader reads from r within budget b, counting into n.
type countingReader struct {
	r   io.Reader
	b   *budget
	n   *atomic.Int64
	hit *atomic.Bool
}

func (cr countingReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	got := cr.b.take(int64(len(p)))
	if got == 0 {
		if cr.hit != nil {
			cr.hit.Store(true)
		}
		return 0, errBudget
	}
	m, err := cr.r.Read(p[:got])
	cr.b.give(got - int64(m))
	cr.n.Add(int64(m))
	return m, err
}
