package cgroup

import (
	"slices"
	"strings"
	"testing"
)

const hybridMountinfo = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
42 31 0:39 /sub /mnt/cg\040x rw - cgroup cgroup rw,cpu,cpuacct
`

func TestParseMountinfo(t *testing.T) {
	got := parseMountinfo(hybridMountinfo)
	want := []mount{
		{point: "/sys/fs/cgroup/cpu", root: "/", controllers: []string{"cpu"}},
		{point: "/sys/fs/cgroup/memory", root: "/", controllers: []string{"memory"}},
		{point: "/sys/fs/cgroup/pids", root: "/", controllers: []string{"pids"}},
		{point: "/sys/fs/cgroup/systemd", root: "/"},
		{point: "/sys/fs/cgroup/unified", root: "/", v2: true},
		{point: "/mnt/cg x", root: "/sub", controllers: []string{"cpu", "cpuacct"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d mounts %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.point != w.point || g.root != w.root || g.v2 != w.v2 || !slices.Equal(g.controllers, w.controllers) {
			t.Errorf("mount %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestParseProcCgroup(t *testing.T) {
	tests := []struct {
		in      string
		want    []procCgroup
		wantErr bool
	}{
		{in: "0::/\n", want: []procCgroup{{id: 0, path: "/"}}},
		{in: "4:memory:/process_api/x\n1:cpu,cpuacct:/a\n0::/b/c\n", want: []procCgroup{
			{id: 4, controllers: []string{"memory"}, path: "/process_api/x"},
			{id: 1, controllers: []string{"cpu", "cpuacct"}, path: "/a"},
			{id: 0, path: "/b/c"},
		}},
		{in: "9:name=systemd:/\n", want: []procCgroup{{id: 9, controllers: []string{"name=systemd"}, path: "/"}}},
		{in: "x::/\n", wantErr: true},
		{in: "0:/\n", wantErr: true},
		{in: "0::relative\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSpace(tt.in), func(t *testing.T) {
			got, err := parseProcCgroup(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i].id != tt.want[i].id || got[i].path != tt.want[i].path || !slices.Equal(got[i].controllers, tt.want[i].controllers) {
					t.Errorf("line %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestJoinMount(t *testing.T) {
	tests := []struct {
		root, path, want string
		ok               bool
	}{
		{"/", "/process_api/x", "/m/process_api/x", true},
		{"/", "/", "/m", true},
		{"/sub", "/sub/a", "/m/a", true},
		{"/sub", "/sub", "/m", true},
		{"/sub", "/subway/a", "", false},
		{"/sub", "/other", "", false},
		{"/", "/a/../b", "", false},
	}
	for _, tt := range tests {
		got, ok := joinMount(mount{point: "/m", root: tt.root}, tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("joinMount(root %q, %q) = %q, %v; want %q, %v", tt.root, tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseKeyed(t *testing.T) {
	got := parseKeyed("oom_kill_disable 0\nunder_oom 0\noom_kill 3\nbogus\nneg -1\n")
	if got["oom_kill"] != 3 || got["under_oom"] != 0 || len(got) != 3 {
		t.Fatalf("parseKeyed = %v", got)
	}
	if parseKeyed("max 7\n")["max"] != 7 {
		t.Fatal("pids.events max not parsed")
	}
}

func TestGroupName(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"123-456-run-1", true},
		{"1-0-a", true},
		{"0-1-a", false},
		{"01-1-a", false},
		{"1-01-a", false},
		{"1-2-", false},
		{"1-2-.hidden", false},
		{"1-2-a/b", false},
		{"x-2-a", false},
		{"cordon", false},
		{"1-2", false},
		{"-1-2-a", false},
	}
	for _, tt := range tests {
		gn, err := parseGroupName(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("parseGroupName(%q) err = %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && gn.String() != tt.in {
			t.Errorf("round trip %q → %q", tt.in, gn.String())
		}
	}
}

func TestParseStatStart(t *testing.T) {
	stat := "4242 (a) b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100\n"
	got, err := parseStatStart(stat)
	if err != nil || got != 987654 {
		t.Fatalf("parseStatStart = %d, %v; want 987654", got, err)
	}
	if _, err := parseStatStart("4242 (short) S 1"); err == nil {
		t.Fatal("short stat accepted")
	}
}

func FuzzParseGroupName(f *testing.F) {
	for _, s := range []string{"123-456-run-1", "1-2-", "cordon", "-", "1--a", "99999999999999999999-1-a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		gn, err := parseGroupName(s)
		if err != nil {
			return
		}
		if gn.String() != s {
			t.Fatalf("accepted %q but prints %q", s, gn.String())
		}
		if strings.ContainsAny(gn.name, "/\x00") || gn.pid <= 0 {
			t.Fatalf("accepted unsafe name %+v", gn)
		}
	})
}

func FuzzParsers(f *testing.F) {
	f.Add(hybridMountinfo)
	f.Add("4:memory:/x\n0::/\n")
	f.Add("1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n")
	f.Add("max 3\noom_kill 1\n")
	f.Add(`1 2 3 / /a\1 - cgroup c rw,\`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range parseMountinfo(s) {
			if m.v2 && len(m.controllers) > 0 {
				t.Fatalf("v2 mount with v1 controllers: %+v", m)
			}
		}
		if lines, err := parseProcCgroup(s); err == nil {
			for _, l := range lines {
				if !strings.HasPrefix(l.path, "/") {
					t.Fatalf("relative path accepted: %+v", l)
				}
			}
		}
		_ = parseKeyed(s)
		if pids, err := parsePids(s); err == nil {
			for _, p := range pids {
				if p <= 0 {
					t.Fatalf("pid %d accepted", p)
				}
			}
		}
		_, _ = parseStatStart(s)
	})
}
