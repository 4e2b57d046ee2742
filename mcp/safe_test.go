package mcp

import (
	"context"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestSafe: a panicking tool handler answers a tool error, the server
// goes on.
func TestSafe(t *testing.T) {
	h := safe(func(context.Context, *sdk.CallToolRequest, ExplainInput) (*sdk.CallToolResult, ExplainOutput, error) {
		panic("boom")
	})
	_, _, err := h(context.Background(), nil, ExplainInput{})
	if err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("err %v", err)
	}
}

// TestLimiter: a client's burst, then one call per refill interval; other
// clients are not held back.
func TestLimiter(t *testing.T) {
	l := newLimiter(60, 2)
	now := time.Unix(1000, 0)
	for i, want := range []bool{true, true, false} {
		if ok, _ := l.take("a", now); ok != want {
			t.Errorf("call %d: %v", i, ok)
		}
	}
	if ok, wait := l.take("a", now); ok || wait != time.Second {
		t.Errorf("over the burst: ok %v wait %v", ok, wait)
	}
	if ok, _ := l.take("b", now); !ok {
		t.Error("another client was limited")
	}
	if ok, _ := l.take("a", now.Add(time.Second)); !ok {
		t.Error("no call after a refill")
	}
}
