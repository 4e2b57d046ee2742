package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// attempt is one connection a client asked for, from its request to its
// event.
type attempt struct {
	p     *Proxy
	ev    Event
	start time.Time

	out, in atomic.Int64
	// outHit, inHit: a counting writer or reader ran out of budget.
	outHit, inHit atomic.Bool
	reason        atomic.Pointer[Reason] // first cut wins
	upstream      net.Conn               // set by register
	client        net.Conn
	reported      bool
	// refusal, when set once the connection was dialled, turns the
	// attempt into a refused one (a SOCKS TLS stream naming another host).
	refusal *refusal
}

func (p *Proxy) newAttempt(proto Protocol, client net.Conn) *attempt {
	now := time.Now()
	return &attempt{p: p, start: now, client: client, ev: Event{Time: now, Protocol: proto}}
}

// refuse reports the attempt refused.
func (a *attempt) refuse(r *refusal) {
	if a.reported {
		return
	}
	a.reported = true
	if a.p.closed.Load() && (r.reason == ReasonBadRequest || r.reason == ReasonNotTLS || r.reason == ReasonClientGone) {
		// Undecided when the run ended: the read failed because Close
		// closed the connection, not because of the client.
		r = refuse(ReasonClosed, "the run ended before the request to the proxy was complete")
	}
	a.ev.Allowed = false
	a.ev.Reason = r.reason
	a.ev.Message = r.msg
	a.ev.Duration = time.Since(a.start)
	a.ev.BytesOut, a.ev.BytesIn = a.out.Load(), a.in.Load()
	a.p.emit(a.ev)
}

// finish reports an allowed attempt that ended.
func (a *attempt) finish() {
	if a.reported {
		return
	}
	if a.refusal != nil {
		a.refuse(a.refusal)
		return
	}
	a.reported = true
	a.ev.Allowed = true
	if r := a.reason.Load(); r != nil {
		a.ev.Reason = *r
		a.ev.Message = fmt.Sprintf("connection to %s cut: %s", a.target(), cutText[*r])
	} else {
		a.ev.Message = fmt.Sprintf("connection to %s", a.target())
	}
	a.ev.Duration = time.Since(a.start)
	a.ev.BytesOut, a.ev.BytesIn = a.out.Load(), a.in.Load()
	a.p.emit(a.ev)
}

var cutText = map[Reason]string{
	ReasonBytesOut: "network.max_bytes_out reached",
	ReasonBytesIn:  "network.max_bytes_in reached",
	ReasonTime:     "network.connection_time reached",
	ReasonClosed:   "the run ended",
}

func (a *attempt) target() string {
	return net.JoinHostPort(a.ev.Host, fmt.Sprint(a.ev.Port))
}

// cut records why an allowed connection ends early and closes both sides.
func (a *attempt) cut(r Reason) {
	if r != "" {
		a.reason.CompareAndSwap(nil, &r)
	}
	if a.upstream != nil {
		a.upstream.Close()
	}
	a.client.Close()
}

// admit decides a destination the rules allow against the run's limits
// and resolves it: byte budgets left, a connection slot (taken here,
// given back on any refusal), then the name. Limits come before the
// lookup: a script past its limits must not push data out in names it
// asks the resolver for.
func (p *Proxy) admit(ctx context.Context, a *attempt, d destination) ([]netip.AddrPort, *refusal) {
	for _, b := range []struct {
		b      *budget
		reason Reason
		field  string
	}{{p.out, ReasonBytesOut, "max_bytes_out"}, {p.in, ReasonBytesIn, "max_bytes_in"}} {
		if b.b.spent() {
			return nil, refuse(b.reason, "network.%s is spent for this run", b.field)
		}
	}
	if !p.connectionSlot() {
		return nil, refuse(ReasonConnLimit, "network.max_connections (%d) reached", p.connLimit)
	}
	addrs, r := p.resolve(ctx, a, d)
	if r != nil {
		p.releaseSlot()
	}
	return addrs, r
}

// resolve turns a checked destination into the addresses that may be
// dialled: an IP literal as it is; a name through the resolver (once per
// run: answers, failures included, are kept), keeping only addresses the
// rules allow.
func (p *Proxy) resolve(ctx context.Context, a *attempt, d destination) ([]netip.AddrPort, *refusal) {
	port := uint16(d.port)
	if d.literal.IsValid() {
		return []netip.AddrPort{netip.AddrPortFrom(d.literal, port)}, nil
	}
	ips, r := p.lookup(ctx, d.host)
	if r != nil {
		return nil, r
	}
	var ok []netip.AddrPort
	var bad []string
	seen := map[netip.Addr]bool{}
	for _, ip := range ips {
		ip = ip.Unmap().WithZone("")
		if seen[ip] {
			continue
		}
		seen[ip] = true
		if p.rules.allowAddr(ip) {
			ok = append(ok, netip.AddrPortFrom(ip, port))
		} else {
			bad = append(bad, ip.String())
		}
	}
	if len(ok) == 0 {
		a.ev.Address = strings.Join(bad, ",")
		return nil, refuse(ReasonAddress, "%s resolves only to addresses that are not allowed (%s): special addresses need a network.cidrs entry",
			d.host, p.classList(ips))
	}
	return ok, nil
}

// lookupResult is one name's answer, kept for the run.
type lookupResult struct {
	done chan struct{}
	ips  []netip.Addr
	r    *refusal
}

// lookup resolves name once per run. The name is looked up absolute
// (with a final dot) so that no resolv.conf search domain turns it into
// another name. At most maxLookups distinct names are asked per run.
func (p *Proxy) lookup(ctx context.Context, name string) ([]netip.Addr, *refusal) {
	p.mu.Lock()
	res, found := p.lookups[name]
	if !found {
		if len(p.lookups) >= p.maxLookups {
			p.mu.Unlock()
			return nil, refuse(ReasonResolve, "%s not looked up: this run already asked for %d names", name, p.maxLookups)
		}
		res = &lookupResult{done: make(chan struct{})}
		p.lookups[name] = res
	}
	p.mu.Unlock()
	if found {
		select {
		case <-res.done:
			return res.ips, res.r
		case <-ctx.Done():
			return nil, refuse(ReasonClosed, "the run ended during the lookup of %s", name)
		}
	}
	defer close(res.done)
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ips, err := p.cfg.Resolver.LookupNetIP(lctx, "ip", name+".")
	if err != nil || len(ips) == 0 {
		why := "no address"
		var de *net.DNSError
		if errors.As(err, &de) {
			why = de.Err
		} else if err != nil {
			why = err.Error()
		}
		res.r = refuse(ReasonResolve, "%s did not resolve: %s", name, why)
		return nil, res.r
	}
	res.ips = ips
	return ips, nil
}

func (p *Proxy) classList(ips []netip.Addr) string {
	var s []string
	for _, ip := range ips {
		s = append(s, fmt.Sprintf("%s %s", ip.Unmap(), p.rules.className(ip)))
	}
	return strings.Join(s, ", ")
}

// dial dials the addresses admit gave in order, with the slot it took;
// the first that answers wins. If none does, the slot is given back.
func (p *Proxy) dial(ctx context.Context, a *attempt, addrs []netip.AddrPort) (net.Conn, *refusal) {
	var errs []string
	for _, ap := range addrs {
		c, err := p.cfg.Dialer.DialContext(ctx, "tcp", ap.String())
		if err == nil {
			a.ev.Address = ap.String()
			return c, nil
		}
		errs = append(errs, err.Error())
	}
	p.releaseSlot()
	a.ev.Address = addrs[0].String()
	return nil, refuse(ReasonDial, "could not connect to %s: %s", a.target(), strings.Join(errs, "; "))
}

func (p *Proxy) releaseSlot() {
	p.mu.Lock()
	p.granted--
	p.mu.Unlock()
}

// setLife bounds both connections by network.connection_time from the
// request, replacing the request's own read bound.
func (a *attempt) setLife(client, upstream net.Conn) {
	if a.p.life <= 0 {
		_ = client.SetDeadline(time.Time{})
		return
	}
	dl := a.start.Add(a.p.life)
	_ = client.SetDeadline(dl)
	_ = upstream.SetDeadline(dl)
}

// relay copies between client and upstream both ways until both ends
// are done, a limit cuts the connection, or the proxy closes; pending
// are bytes already read from the client, sent first, and inspect (when
// set) reads and checks the client's first bytes, returning them to send
// (false: refused, the connection is cut). The connection's life runs
// from the request.
func (a *attempt) relay(client, upstream net.Conn, pending []byte, inspect func() ([]byte, bool)) {
	p := a.p
	a.setLife(client, upstream)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if inspect != nil {
			more, ok := inspect()
			if !ok {
				return
			}
			pending = append(pending, more...)
		}
		if len(pending) > 0 {
			w := countingWriter{w: upstream, b: p.out, n: &a.out, hit: &a.outHit}
			if _, err := w.Write(pending); err != nil {
				a.cut(a.cause(err, ReasonBytesOut))
				return
			}
		}
		a.pipe(upstream, client, p.out, &a.out, ReasonBytesOut)
	}()
	go func() {
		defer wg.Done()
		a.pipe(client, upstream, p.in, &a.in, ReasonBytesIn)
	}()
	wg.Wait()
}

// pipe copies src to dst within budget b; at src's end it half-closes
// dst, on an error it cuts the connection.
func (a *attempt) pipe(dst, src net.Conn, b *budget, n *atomic.Int64, limit Reason) {
	err := copyBudget(dst, src, b, n)
	if err == nil {
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
			return
		}
		a.cut("")
		return
	}
	a.cut(a.cause(err, limit))
}

// cause names the reason an error ends a connection: a limit, the
// connection time, the run's end, or nothing (a peer closed or failed).
func (a *attempt) cause(err error, limit Reason) Reason {
	switch {
	case errors.Is(err, errBudget),
		limit == ReasonBytesOut && a.outHit.Load(),
		limit == ReasonBytesIn && a.inHit.Load():
		return limit
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ReasonTime
	}
	return ""
}

// copyBudget copies src to dst until src ends (nil) or an error
// (errBudget when b is spent). Between TCP sockets it splices in the
// kernel (no copy through this process): it waits until src has bytes
// queued, takes exactly that many from the budget, and splices them, so
// an idle connection holds no share of the budget and the count is exact.
func copyBudget(dst, src net.Conn, b *budget, n *atomic.Int64) error {
	rf, okDst := dst.(io.ReaderFrom)
	sc, okSrc := src.(syscall.Conn)
	if !okDst || !okSrc || !canQueue {
		return bufferCopy(dst, src, b, n)
	}
	if b.unlimited {
		m, err := rf.ReadFrom(src)
		n.Add(m)
		return err
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return bufferCopy(dst, src, b, n)
	}
	for {
		q, err := queued(rc)
		if err != nil {
			return err
		}
		if q == 0 {
			return nil // src ended
		}
		got := b.take(min(int64(q), maxChunk))
		if got == 0 {
			return errBudget
		}
		m, err := rf.ReadFrom(&io.LimitedReader{R: src, N: got})
		b.give(got - m)
		n.Add(m)
		if err != nil {
			return err
		}
		if m < got {
			return nil // src ended early
		}
	}
}

// maxChunk bounds one splice: the budget is charged per chunk.
const maxChunk = 4 << 20

// bufferCopy is copyBudget for connections that cannot splice: read,
// then charge what was read.
func bufferCopy(dst, src net.Conn, b *budget, n *atomic.Int64) error {
	buf := make([]byte, 32<<10)
	for {
		m, rerr := src.Read(buf)
		if m > 0 {
			got := b.take(int64(m))
			w, werr := dst.Write(buf[:got])
			n.Add(int64(w))
			b.give(got - int64(w))
			if werr != nil {
				return werr
			}
			if got < int64(m) {
				return errBudget
			}
		}
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}
