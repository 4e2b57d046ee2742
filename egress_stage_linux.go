//go:build linux

package cordon

// The egress stage of a run in network mode allowlist: the host-side
// proxy serving the listening socket the sandbox's init opened on
// 127.0.0.1 inside, its variables in the script's environment, and every
// attempt as an event of the run (and so of the audit log).

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"github.com/cordonsec/cordon/egress"
	"github.com/cordonsec/cordon/policy"
)

// maxRefusedEvents bounds the network-refused events kept for one run.
// Allowed connections are always kept (there are at most
// network.max_connections of them): a script cannot push its real
// connections out of the record with a flood of refusals. The summary
// event counts every attempt, refusals by reason.
const maxRefusedEvents = 256

// egressRun is the proxy of one run.
type egressRun struct {
	proxy  *egress.Proxy
	served sync.WaitGroup
	log    *runLog

	mu       sync.Mutex
	refused  int
	byReason map[string]int
}

// proxyEnv are the proxy variables the script gets (they replace any of
// the same names the policy passes or sets).
var proxyEnv = egress.Env(net.JoinHostPort("127.0.0.1", strconv.Itoa(egress.Port)))

// withProxyEnv returns env with the proxy variables in place of any of
// the same names.
func withProxyEnv(env []string) []string {
	names := map[string]bool{}
	for _, kv := range proxyEnv {
		n, _, _ := strings.Cut(kv, "=")
		names[n] = true
	}
	out := make([]string, 0, len(env)+len(proxyEnv))
	for _, kv := range env {
		if n, _, _ := strings.Cut(kv, "="); !names[n] {
			out = append(out, kv)
		}
	}
	return append(out, proxyEnv...)
}

// startEgress serves the sandbox's proxy socket with the policy's rules,
// before the script can connect; nil without network mode allowlist.
// Every attempt becomes an event in log.
func (p *Prepared) startEgress(log *runLog) (*egressRun, error) {
	if p.pol.Network.Mode != policy.NetworkAllowlist {
		return nil, nil
	}
	f := p.sb.ProxySocket()
	if f == nil {
		return nil, fmt.Errorf("the sandbox has no proxy socket")
	}
	l, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("proxy socket: %w", err)
	}
	r := &egressRun{log: log, byReason: map[string]int{}}
	r.proxy, err = egress.New(egress.Config{
		Network:  p.pol.Network,
		Resolver: p.e.opts.Resolver,
		OnEvent:  r.event,
	})
	if err != nil {
		l.Close()
		return nil, err
	}
	r.served.Add(1)
	go func() {
		defer r.served.Done()
		_ = r.proxy.Serve(l)
	}()
	return r, nil
}

// stop cuts what is still open (the run is over), waits for every
// attempt's event and adds the run's network summary.
func (r *egressRun) stop() {
	_ = r.proxy.Close()
	r.served.Wait()
	st := r.proxy.Stats()
	if st.Allowed+st.Refused == 0 {
		return
	}
	r.log.event(Event{
		Type: EventNetworkSummary,
		Message: fmt.Sprintf("network: %d connection(s) allowed, %d refused; %d bytes out, %d in",
			st.Allowed, st.Refused, st.BytesOut, st.BytesIn),
		Detail: map[string]any{"allowed": st.Allowed, "refused": st.Refused,
			"bytes_out": st.BytesOut, "bytes_in": st.BytesIn, "refused_by_reason": r.byReason,
			"refused_events_dropped": max(st.Refused-maxRefusedEvents, 0)},
	})
}

// event turns one proxy attempt into a run event: network-connection when
// allowed, network-refused when not.
func (r *egressRun) event(ev egress.Event) {
	if !ev.Allowed {
		r.mu.Lock()
		r.refused++
		r.byReason[string(ev.Reason)]++
		n := r.refused
		r.mu.Unlock()
		if n > maxRefusedEvents {
			return
		}
	}
	typ := EventNetworkConnection
	if !ev.Allowed {
		typ = EventNetworkRefused
	}
	d := map[string]any{
		"protocol": string(ev.Protocol), "host": ev.Host, "port": ev.Port,
		"allowed": ev.Allowed, "bytes_out": ev.BytesOut, "bytes_in": ev.BytesIn,
		"duration_ms": ev.Duration.Milliseconds(),
	}
	if ev.Address != "" {
		d["address"] = ev.Address
	}
	if ev.Reason != "" {
		d["reason"] = string(ev.Reason)
	}
	msg := ev.Message
	if !ev.Allowed {
		msg = "refused: " + msg
	} else {
		msg += fmt.Sprintf(" (%s; %d bytes out, %d in; %d ms)", ev.Address, ev.BytesOut, ev.BytesIn, ev.Duration.Milliseconds())
	}
	r.log.event(Event{Type: typ, Message: msg, Detail: d})
}
