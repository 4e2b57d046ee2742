package policy

import (
	"strings"
	"testing"
	"time"
)

func TestOver(t *testing.T) {
	base := Default()
	p, err := Over(base, "req", []byte(`{"limits": {"wall_time": "2s", "cpu_time": "1s"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Limits.WallTime.D() != 2*time.Second || p.Limits.Memory != base.Limits.Memory {
		t.Fatalf("override not applied onto the base: %+v", p.Limits)
	}
	if base.Limits.WallTime.D() == 2*time.Second {
		t.Fatal("base changed")
	}
	for _, c := range []struct{ doc, want string }{
		{`{"limits": {"memroy": "1MiB"}}`, `req:1:13: limits: unknown key "memroy" (did you mean "memory"?)`},
		{`{"extends": "builtin:default"}`, "req:1:13: extends: not allowed here"},
		{"limits:\n  wall_time: -1s\n", "req:2:14: limits.wall_time"},
	} {
		if _, err := Over(base, "req", []byte(c.doc)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.doc, err, c.want)
		}
	}
}

func TestDecodeYAML(t *testing.T) {
	var v struct {
		Name  string   `yaml:"name"`
		Wait  Duration `yaml:"wait"`
		Items []struct {
			N int `yaml:"n"`
		} `yaml:"items"`
	}
	pos, err := DecodeYAML("c.yaml", []byte("name: x\nwait: 3s\nitems:\n  - n: 1\n  - n: 2\n"), &v)
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "x" || v.Wait.D() != 3*time.Second || len(v.Items) != 2 || v.Items[1].N != 2 {
		t.Fatalf("decoded %+v", v)
	}
	if p := pos["items[1].n"]; p.Line != 5 || p.Column != 8 {
		t.Fatalf("position of items[1].n: %+v", p)
	}
	_, err = DecodeYAML("c.yaml", []byte("name: x\nitems:\n  - m: 1\n"), &v)
	if err == nil || !strings.Contains(err.Error(), `c.yaml:3:5: items[0]: unknown key "m"`) {
		t.Fatalf("got %v", err)
	}
}
