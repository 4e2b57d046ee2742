package policy

import (
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		ok   bool
	}{
		{"0", 0, true},
		{"512", 512, true},
		{"512B", 512, true},
		{"1KiB", 1024, true},
		{"256MiB", 256 << 20, true},
		{"2GiB", 2 << 30, true},
		{"1TiB", 1 << 40, true},
		{"10KB", 10_000, true},
		{"10MB", 10_000_000, true},
		{"3GB", 3_000_000_000, true},
		{"256MB!", 0, false},
		{"256 MiB", 0, false},
		{"256mib", 0, false},
		{"1.5GiB", 0, false},
		{"-1MiB", 0, false},
		{"MiB", 0, false},
		{"", 0, false},
		{"+5", 0, false},
		{"9999999999TiB", 0, false},
		{"99999999999999999999", 0, false},
	} {
		got, err := ParseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestSizeRoundTrip(t *testing.T) {
	for _, n := range []Size{0, 1, 1023, 1024, 10_000_000, 256 << 20, 1 << 40, 3 << 41} {
		got, err := ParseSize(n.String())
		if err != nil || got != n {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", n.String(), got, err, n)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"10s", 10 * time.Second, true},
		{"1m30s", 90 * time.Second, true},
		{"250ms", 250 * time.Millisecond, true},
		{"1.5h", 90 * time.Minute, true},
		{"10", 0, false},
		{"0", 0, false},
		{"-1s", 0, false},
		{"10 s", 0, false},
		{"1d", 0, false},
		{"", 0, false},
	} {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || got.D() != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
