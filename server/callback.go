package server

// Callbacks: when a run with a callback URL finishes, its JSON (as GET
// /v1/runs/{id}) is POSTed there, signed with the tenant's secret:
//
//	Cordon-Signature: t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, "UNIX_SECONDS." + body))
//
// A receiver recomputes the HMAC over the timestamp, a dot and the raw
// body, compares in constant time and refuses a timestamp more than five
// minutes from its clock (the replay window). Delivery is retried with
// exponential back-off (1 s doubling, at most 5 min between attempts)
// until a 2xx answer or callback.deadline; every attempt is recorded in
// the run's callback.deliveries.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/cordonsec/cordon/policy"
)

// Sign returns the Cordon-Signature header value for body at time ts.
func Sign(secret, body []byte, ts time.Time) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(t))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + t + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// ReplayWindow is how far a callback's timestamp may be from the
// receiver's clock.
const ReplayWindow = 5 * time.Minute

// Verify checks a Cordon-Signature header for body against secret at
// time now.
func Verify(secret, body []byte, header string, now time.Time) error {
	var ts int64
	var sig string
	for _, part := range bytes.Split([]byte(header), []byte(",")) {
		k, v, _ := bytes.Cut(part, []byte("="))
		switch string(k) {
		case "t":
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return errors.New("bad timestamp")
			}
			ts = n
		case "v1":
			sig = string(v)
		}
	}
	if ts == 0 || sig == "" {
		return errors.New("missing t= or v1=")
	}
	d := now.Sub(time.Unix(ts, 0))
	if d > ReplayWindow || d < -ReplayWindow {
		return errors.New("timestamp outside the replay window")
	}
	want := Sign(secret, body, time.Unix(ts, 0))
	if !hmac.Equal([]byte(want), []byte("t="+strconv.FormatInt(ts, 10)+",v1="+sig)) {
		return errors.New("signature does not match")
	}
	return nil
}

func (s *Server) checkCallback(t *Tenant, raw string) *Problem {
	if len(raw) > maxURLLen {
		return problem("callback-not-allowed", "callback URL longer than %d bytes", maxURLLen)
	}
	if t.callbackSecret == nil {
		return problem("callback-not-allowed", "tenant %s has no callback_secret_file: callbacks could not be signed", t.Name)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return problem("callback-not-allowed", "callback %q: want an absolute http(s) URL without credentials", raw)
	}
	return nil
}

// callbackClient refuses connections to loopback, private, link-local
// and other special addresses unless the config allows them; the check is
// on the address actually dialled, so a name that resolves differently
// later cannot get around it.
func (s *Server) callbackClient() *http.Client {
	allow := s.cfg.Callback.AllowLoopback
	d := &net.Dialer{Timeout: s.cfg.Callback.Timeout.D(), Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if !allow && policy.Classify(ap.Addr().Unmap()) != policy.ClassPublic {
			return fmt.Errorf("callback to %s refused: not a public address", ap.Addr())
		}
		return nil
	}}
	return &http.Client{
		Timeout:   s.cfg.Callback.Timeout.D(),
		Transport: &http.Transport{DialContext: d.DialContext, Proxy: nil, MaxIdleConns: 16},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// deliver POSTs the run's result to its callback until a 2xx answer or
// the deadline.
func (s *Server) deliver(r *Run) {
	t := s.tenant(r.tenant)
	if t == nil || t.callbackSecret == nil {
		s.recordDelivery(r, Delivery{Time: time.Now(), Error: "tenant has no callback secret any more"})
		return
	}
	body, err := json.Marshal(r.view())
	if err != nil {
		return
	}
	client := s.callbackClient()
	deadline := time.Now().Add(s.cfg.Callback.Deadline.D())
	backoff := time.Second
	for {
		d := Delivery{Time: time.Now()}
		req, err := http.NewRequestWithContext(s.popCtx, http.MethodPost, r.callback, bytes.NewReader(body))
		if err != nil {
			d.Error = err.Error()
			s.recordDelivery(r, d)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "cordon-serve")
		req.Header.Set("Cordon-Run", r.ID)
		req.Header.Set("Cordon-Signature", Sign(t.callbackSecret, body, d.Time))
		resp, err := client.Do(req)
		if err != nil {
			d.Error = err.Error()
		} else {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			d.Status = resp.StatusCode
		}
		s.recordDelivery(r, d)
		if d.Status >= 200 && d.Status < 300 {
			return
		}
		if time.Now().Add(backoff).After(deadline) {
			return
		}
		select {
		case <-time.After(backoff):
		case <-s.popCtx.Done():
			return
		}
		backoff = min(backoff*2, 5*time.Minute)
	}
}

func (s *Server) recordDelivery(r *Run, d Delivery) {
	r.mu.Lock()
	r.deliveries = append(r.deliveries, d)
	r.mu.Unlock()
	s.log.Info("callback", "run", r.ID, "status", d.Status, "err", d.Error)
}
