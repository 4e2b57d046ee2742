package host

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// hybridMountinfo is this project's CI host: v1 controllers beside a v2
// mount holding only hugetlb.
const hybridMountinfo = `23 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
`

func TestParseMountinfo(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Mount
		err  bool
	}{
		{"optional fields", "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n",
			[]Mount{{ID: 36, Parent: 35, Root: "/mnt1", Point: "/mnt2", Options: "rw,noatime", FSType: "ext3", Source: "/dev/root", SuperOptions: "rw,errors=continue"}}, false},
		{"escaped space and newline", `50 1 0:40 / /mnt/a\040b rw - tmpfs my\012src rw` + "\n",
			[]Mount{{ID: 50, Parent: 1, Root: "/", Point: "/mnt/a b", Options: "rw", FSType: "tmpfs", Source: "my\nsrc", SuperOptions: "rw"}}, false},
		{"no super options", "1 0 0:1 / / rw - rootfs rootfs\n",
			[]Mount{{ID: 1, Root: "/", Point: "/", Options: "rw", FSType: "rootfs", Source: "rootfs"}}, false},
		{"blank lines", "\n\n", nil, false},
		{"no separator", "1 0 0:1 / / rw rootfs rootfs rw\n", nil, true},
		{"too few fields", "1 0 0:1 / - tmpfs x rw\n", nil, true},
		{"bad id", "x 0 0:1 / / rw - tmpfs x rw\n", nil, true},
		{"bad device", "1 0 01 / / rw - tmpfs x rw\n", nil, true},
		{"bad escape", `1 0 0:1 / /a\04 rw - tmpfs x rw` + "\n", nil, true},
		{"bad octal", `1 0 0:1 / /a\999 rw - tmpfs x rw` + "\n", nil, true},
		{"nothing after separator", "1 0 0:1 / / rw - tmpfs\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMountinfo(strings.NewReader(tt.in))
			if tt.err {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestLayoutFromMounts(t *testing.T) {
	ms, err := ParseMountinfo(strings.NewReader(hybridMountinfo +
		"99 31 0:29 / /mnt/cpu-again rw - cgroup cgroup rw,cpu\n"))
	if err != nil {
		t.Fatal(err)
	}
	l := layoutFromMounts(ms)
	want := []Hierarchy{
		{"/sys/fs/cgroup/cpu", []string{"cpu"}},
		{"/sys/fs/cgroup/memory", []string{"memory"}},
		{"/sys/fs/cgroup/pids", []string{"pids"}},
		{"/sys/fs/cgroup/systemd", []string{"name=systemd"}},
	}
	if !reflect.DeepEqual(l.v1, want) {
		t.Fatalf("v1 %+v", l.v1)
	}
	if l.v2 == nil || l.v2.Mount != "/sys/fs/cgroup/unified" {
		t.Fatalf("v2 %+v", l.v2)
	}
	l.v2.Controllers = []string{"hugetlb"}
	l.own, _ = ParseProcCgroup(strings.NewReader("4:memory:/job/7\n1:cpu:/\n8:pids:/\n0::/\n"))
	mem := l.locate("memory")
	if mem.Version != "v1" || mem.Group != "/sys/fs/cgroup/memory/job/7" {
		t.Fatalf("memory %+v", mem)
	}
	if io := l.locate("io"); io.Version != "" || io.Error == "" {
		t.Fatalf("io %+v", io)
	}
	if h := l.locate("hugetlb"); h.Version != "v2" || h.Group != "/sys/fs/cgroup/unified" {
		t.Fatalf("hugetlb %+v", h)
	}
}

func TestOwnGroup(t *testing.T) {
	tests := []struct {
		mount, root, path, want string
		err                     bool
	}{
		{"/sys/fs/cgroup", "/", "/user.slice/a", "/sys/fs/cgroup/user.slice/a", false},
		{"/sys/fs/cgroup", "/ctr", "/ctr/job", "/sys/fs/cgroup/job", false},
		{"/sys/fs/cgroup", "/ctr", "/ctr", "/sys/fs/cgroup", false},
		{"/sys/fs/cgroup", "/ctr", "/ctrl/x", "", true},
	}
	for _, tt := range tests {
		got, err := ownGroup(tt.mount, tt.root, tt.path)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ownGroup(%q, %q, %q) = %q, %v", tt.mount, tt.root, tt.path, got, err)
		}
	}
}

func TestParseProcCgroup(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []CgroupLine
		err  bool
	}{
		{"hybrid", "4:memory:/a/b\n2:cpu,cpuacct:/\n1:name=systemd:/init.scope\n0::/\n", []CgroupLine{
			{4, []string{"memory"}, "/a/b"}, {2, []string{"cpu", "cpuacct"}, "/"},
			{1, []string{"name=systemd"}, "/init.scope"}, {0, nil, "/"},
		}, false},
		{"pure v2", "0::/user.slice/user-1000.slice/session-1.scope\n", []CgroupLine{
			{0, nil, "/user.slice/user-1000.slice/session-1.scope"},
		}, false},
		{"path with colon", "0::/a:b\n", []CgroupLine{{0, nil, "/a:b"}}, false},
		{"missing fields", "4:memory\n", nil, true},
		{"relative path", "0::a\n", nil, true},
		{"bad id", "x::/\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProcCgroup(strings.NewReader(tt.in))
			if tt.err {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

func TestParseControllers(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"cpuset cpu io memory hugetlb pids rdma misc\n", []string{"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"}, false},
		{"hugetlb\n", []string{"hugetlb"}, false},
		{"\n", []string{}, false},
		{"", []string{}, false},
		{"+memory", nil, true},
		{"mem/ory", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseControllers(tt.in)
		if (err != nil) != tt.err || (!tt.err && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("ParseControllers(%q) = %q, %v", tt.in, got, err)
		}
	}
}

// FuzzParseMountinfo: never panics; a parsed line's fields hold no
// unescaped separator and re-parse the same once escaped back.
func FuzzParseMountinfo(f *testing.F) {
	f.Add(hybridMountinfo)
	f.Add(`50 1 0:40 / /mnt/a\040b rw - tmpfs my\012src rw`)
	f.Add("1 0 0:1 / / rw - rootfs rootfs\n")
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseMountinfo(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, m := range ms {
			line := strings.Join([]string{
				strconv.Itoa(m.ID), strconv.Itoa(m.Parent), "0:0", escape(m.Root), escape(m.Point), m.Options,
				"-", m.FSType, escape(m.Source), m.SuperOptions}, " ")
			again, err := ParseMountinfo(strings.NewReader(line))
			if err != nil || len(again) != 1 {
				t.Fatalf("round trip of %+v: %q: %v", m, line, err)
			}
			m2 := again[0]
			if m2.Root != m.Root || m2.Point != m.Point || m2.Source != m.Source || m2.FSType != m.FSType {
				t.Fatalf("round trip changed %+v to %+v", m, m2)
			}
		}
	})
}

func FuzzParseProcCgroup(f *testing.F) {
	f.Add("4:memory:/a/b\n0::/\n")
	f.Fuzz(func(t *testing.T, s string) {
		ls, err := ParseProcCgroup(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, l := range ls {
			if !strings.HasPrefix(l.Path, "/") || l.ID < 0 {
				t.Fatalf("bad line %+v", l)
			}
		}
	})
}

// escape is the kernel's mangle() (space, tab, newline, backslash as
// octal), extended to every control and non-ASCII byte.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			b.WriteString(`\` + string([]byte{'0' + c>>6, '0' + c>>3&7, '0' + c&7}))
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
