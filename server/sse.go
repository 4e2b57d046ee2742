package server

// GET /v1/runs/{id}/events: server-sent events of a run. Events:
//
//	status  {"status": "queued"|"running"}           sent first, no id
//	stdout  {"offset": N, "text": "..."}              id "O-E"
//	stderr  {"offset": N, "text": "..."}              id "O-E"
//	result  the run (as GET /v1/runs/{id})            id "end"
//
// An id "O-E" says O bytes of stdout and E of stderr were sent up to and
// including this event; reconnecting with Last-Event-ID: O-E resumes
// after them. Output is sent as it comes, in chunks of at most 32 KiB cut
// on UTF-8 boundaries. Every write has a deadline: a client that stops
// reading is disconnected, and it never slows the run (the run's writes
// go to memory bounded by the output cap, never to the connection).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	sseChunk     = 32 << 10
	sseWriteWait = 10 * time.Second
	sseKeepalive = 15 * time.Second
)

func (s *Server) runEvents(w http.ResponseWriter, r *http.Request, t *Tenant) {
	run := s.st.get(t.Name, r.PathValue("id"))
	if run == nil {
		writeProblem(w, r, problem("not-found", "no run %q", r.PathValue("id")))
		return
	}
	var off [2]int
	if last := r.Header.Get("Last-Event-ID"); last != "" && last != "end" {
		o, e, ok := strings.Cut(last, "-")
		a, err1 := strconv.Atoi(o)
		b, err2 := strconv.Atoi(e)
		if !ok || err1 != nil || err2 != nil || a < 0 || b < 0 {
			writeProblem(w, r, problem("invalid-request", "Last-Event-ID %q: want an id this stream sent", last))
			return
		}
		off = [2]int{a, b}
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event, id string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteWait))
		if id != "" {
			_, err = fmt.Fprintf(w, "event: %s\nid: %s\ndata: %s\n\n", event, id, b)
		} else {
			_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		}
		if err == nil {
			err = rc.Flush()
		}
		return err == nil
	}
	if st := run.state(); st == stateQueued || st == stateRunning {
		if !send("status", "", map[string]string{"status": st}) {
			return
		}
	}
	names := [2]string{"stdout", "stderr"}
	keep := time.NewTicker(sseKeepalive)
	defer keep.Stop()
	sentRunning := run.state() == stateRunning
	for {
		progressed := false
		var ended bool
		var wake <-chan struct{}
		for i := range 2 {
			chunk, _, e, wk := run.out.read(i, off[i], sseChunk)
			ended, wake = e, wk
			if len(chunk) == 0 {
				continue
			}
			if !e {
				chunk = trimPartialRune(chunk)
				if len(chunk) == 0 {
					continue
				}
			}
			start := off[i]
			off[i] += len(chunk)
			if !send(names[i], fmt.Sprintf("%d-%d", off[0], off[1]),
				map[string]any{"offset": start, "text": string(chunk)}) {
				return
			}
			progressed = true
		}
		if progressed {
			continue
		}
		if ended && run.isDone() {
			send("result", "end", run.view())
			return
		}
		if !sentRunning && run.state() == stateRunning {
			sentRunning = true
			if !send("status", "", map[string]string{"status": stateRunning}) {
				return
			}
		}
		select {
		case <-wake:
		case <-run.done:
		case <-keep.C:
			_ = rc.SetWriteDeadline(time.Now().Add(sseWriteWait))
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-time.After(time.Second):
			// The queued -> running change has no wake-up of its own.
		}
	}
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b (it
// is sent with the next chunk).
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}
