package testpki

import (
	"crypto/x509"
	"net"
	"testing"
)

// TestServerVerifies: the server certificate verifies for its names and
// address against the returned CA, and not for another name.
func TestServerVerifies(t *testing.T) {
	cert, caPEM, err := Server([]string{"api.test", "*.wild.test"}, net.ParseIP("127.0.0.2"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA PEM not accepted")
	}
	for name, ok := range map[string]bool{"api.test": true, "a.wild.test": true, "127.0.0.2": true, "other.test": false} {
		_, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: pool})
		if (err == nil) != ok {
			t.Errorf("verify for %s: %v, want ok=%v", name, err, ok)
		}
	}
}
