package server

// Tenants and their bearer tokens. A token is stored only as its SHA-256:
// tokens are 256-bit random strings made by `cordon serve --new-token`, so
// a fast hash loses nothing against guessing (2^256 candidates; no
// dictionary to search, which is what a slow hash such as argon2id defends
// against) and lets each request be checked in microseconds instead of the
// tens of milliseconds and megabytes argon2id would cost on every call. The
// lookup is by hash in a map: timing reveals at most a hash prefix, never
// the token.

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
)

// NewToken returns a fresh bearer token (256 random bits) and the hash to
// put in the config.
func NewToken() (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = "cdn_" + base64.RawURLEncoding.EncodeToString(b[:])
	return token, TokenHash(token)
}

// maxTokenLen bounds the Authorization header's token.
const maxTokenLen = 256

// authenticate returns the tenant of r's bearer token, or nil.
func (s *Server) authenticate(r *http.Request) *Tenant {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || len(tok) > maxTokenLen {
		return nil
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	s.tmu.RLock()
	defer s.tmu.RUnlock()
	return s.byToken[sum]
}

// bucket is a token bucket: rate per minute, burst tokens.
type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// take takes one token; if there is none it returns how long until there
// is.
func (b *bucket) take(now time.Time, perMinute, burst int) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	rate := float64(perMinute) / 60 // per second
	if b.last.IsZero() {
		b.tokens = float64(burst)
	} else {
		b.tokens = math.Min(float64(burst), b.tokens+now.Sub(b.last).Seconds()*rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	if rate <= 0 {
		return false, time.Minute
	}
	return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}
