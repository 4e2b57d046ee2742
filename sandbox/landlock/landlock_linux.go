//go:build linux

package landlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Policy is the view to enforce. Paths must exist; anything not listed is
// denied.
type Policy struct {
	ReadOnly  []string // read and execute
	ReadWrite []string // read and write, no execute unless ExecWritable
	// Deny are paths below ReadOnly and ReadWrite entries that get no
	// right from them: an entry with a denied path below it is granted
	// around it — each folder on the way to the denied path gets only
	// FSReadDir, every other entry of those folders the entry's rights.
	// (Landlock rights are inherited by everything below a rule, so a
	// folder holding a denied path cannot itself be given write rights:
	// the script cannot create new entries right beside a denied path,
	// only in the sibling folders.) An entry equal to or below a denied
	// path is left out. Rules are not affected.
	Deny []string
	// ExecWritable lets ReadWrite paths be executed too.
	ExecWritable bool
	// Rules grant exact rights below a path, e.g. {"/", FSReadDir} to list
	// the root only, or {"/proc", FSReadFile | FSReadDir}.
	Rules []Rule
	// Net restricts the network when non-nil: TCP bind and connect only to
	// the listed ports (empty lists deny all TCP); from ABI 10 all UDP is
	// denied too. Nil leaves the network to other layers.
	Net *Net
	// Scope confines signals and abstract unix sockets to the sandbox
	// (ABI 6).
	Scope bool
	// MinABI is the lowest Landlock ABI the caller accepts; 0 accepts
	// running without Landlock (Status.ABI is then 0).
	MinABI int
}

// Rule grants Access (FS* rights) below Path; on a non-directory only the
// file rights apply.
type Rule struct {
	Path   string
	Access uint64
}

// Net lists the TCP ports allowed.
type Net struct {
	BindTCP    []uint16
	ConnectTCP []uint16
	// AnyConnect leaves TCP connect, and UDP, unrestricted: only TCP bind
	// is handled (refused but on BindTCP's ports).
	AnyConnect bool
}

// Status is what a ruleset really enforces: the rights it handles (denied
// unless a rule allows them).
type Status struct {
	ABI    int    // ABI the ruleset was built for (kernel's, capped at maxKnownABI); 0: none
	FS     uint64 // LANDLOCK_ACCESS_FS_* handled
	Net    uint64 // LANDLOCK_ACCESS_NET_* handled
	Scoped uint64 // LANDLOCK_SCOPE_* in force
}

// Enforced reports whether anything is restricted.
func (s Status) Enforced() bool { return s.FS != 0 || s.Net != 0 || s.Scoped != 0 }

// NetRestricted reports whether TCP bind/connect are restricted.
func (s Status) NetRestricted() bool {
	return s.Net&(netBindTCP|netConnectTCP) == netBindTCP|netConnectTCP
}

// ScopedSignals reports whether signals to processes outside are refused.
func (s Status) ScopedSignals() bool { return s.Scoped&scopeSignal != 0 }

func (s Status) String() string {
	if !s.Enforced() {
		return fmt.Sprintf("landlock off (ABI %d)", s.ABI)
	}
	parts := []string{fmt.Sprintf("landlock ABI %d", s.ABI)}
	if s.FS != 0 {
		parts = append(parts, "fs "+names(s.FS, fsNames))
	}
	if s.Net != 0 {
		parts = append(parts, "net "+names(s.Net, netNames))
	}
	if s.Scoped != 0 {
		parts = append(parts, "scoped "+names(s.Scoped, scopeNames))
	}
	return strings.Join(parts, "; ")
}

// Ruleset is a prepared, not yet enforced ruleset.
type Ruleset struct {
	// FD is the ruleset (close-on-exec); -1 when there is nothing to
	// enforce (no Landlock and MinABI 0).
	FD int
	// Flags for landlock_restrict_self (TSYNC from ABI 8).
	Flags  uint32
	Status Status
}

// ABI returns the kernel's Landlock ABI version, 0 without Landlock.
func ABI() int {
	v, err := createRuleset(nil, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// Rights granted by the rules (intersected with what the ABI handles).
const (
	roDir  = fsExecute | fsReadFile | fsReadDir
	roFile = fsExecute | fsReadFile
	rwDir  = fsWriteFile | fsReadFile | fsReadDir | fsRemoveDir | fsRemoveFile | fsMakeChar |
		fsMakeDir | fsMakeReg | fsMakeSock | fsMakeFifo | fsMakeBlock | fsMakeSym | fsRefer |
		fsTruncate | fsResolveUnix
	rwFile = fsWriteFile | fsReadFile | fsTruncate | fsIoctlDev
)

// Prepare builds the ruleset for p without enforcing it.
func Prepare(p Policy) (*Ruleset, error) {
	kernel := ABI()
	if p.MinABI > kernel {
		reason := "the policy requires Landlock"
		if kernel == 0 {
			reason += "; the kernel has none (CONFIG_SECURITY_LANDLOCK, lsm=landlock)"
		}
		return nil, &UnavailableError{Have: kernel, Want: p.MinABI, Reason: reason}
	}
	v := min(kernel, maxKnownABI)
	fs, net, scoped := handled(v)
	if p.Net == nil {
		net = 0
	} else if p.Net.AnyConnect {
		net &= netBindTCP
	}
	if !p.Scope {
		scoped = 0
	}
	st := Status{ABI: v, FS: fs, Net: net, Scoped: scoped}
	if !st.Enforced() {
		return &Ruleset{FD: -1, Status: st}, nil
	}
	fd, err := newRuleset(st)
	if err != nil {
		return nil, fmt.Errorf("landlock: creating the ruleset: %w", err)
	}
	rs := &Ruleset{FD: fd, Status: st}
	if v >= abiTSync {
		rs.Flags |= restrictTSync
	}
	rwd, rwf := uint64(rwDir), uint64(rwFile)
	if p.ExecWritable {
		rwd |= fsExecute
		rwf |= fsExecute
	}
	for _, set := range []struct {
		paths     []string
		dir, file uint64
	}{{p.ReadOnly, roDir, roFile}, {p.ReadWrite, rwd, rwf}} {
		for _, path := range set.paths {
			if err := addAround(fd, path, p.Deny, set.dir&fs, set.file&fs&fileRights, fs&fsReadDir); err != nil {
				rs.Close()
				return nil, fmt.Errorf("landlock: rule for %s: %w", path, err)
			}
		}
	}
	for _, r := range p.Rules {
		if err := addPath(fd, r.Path, r.Access&fs, r.Access&fs&fileRights); err != nil {
			rs.Close()
			return nil, fmt.Errorf("landlock: rule for %s: %w", r.Path, err)
		}
	}
	if net != 0 {
		for _, r := range []struct {
			ports  []uint16
			access uint64
		}{{p.Net.BindTCP, netBindTCP}, {p.Net.ConnectTCP, netConnectTCP}} {
			ports := slices.Clone(r.ports)
			slices.Sort(ports)
			for _, port := range slices.Compact(ports) {
				if err := addPort(fd, port, r.access); err != nil {
					rs.Close()
					return nil, fmt.Errorf("landlock: rule for port %d: %w", port, err)
				}
			}
		}
	}
	return rs, nil
}

// addPath allows access below path: dir rights for a directory, file
// rights for anything else (the kernel refuses directory-only rights on a
// file).
func addPath(ruleset int, path string, dir, file uint64) error {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	access := file
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		access = dir
	}
	if access == 0 {
		return nil
	}
	return addPathRule(ruleset, fd, access)
}

// addAround grants path its rights (dir for folders, file for the rest)
// except below the denied paths: a path equal to or below one gets
// nothing; a folder with one below it gets only list (FSReadDir) and each
// of its entries is granted the same way. Symlinks among those entries
// get no rule: access through them is checked where they lead.
func addAround(ruleset int, path string, deny []string, dir, file, list uint64) error {
	var below bool
	for _, d := range deny {
		if within(path, d) {
			return nil
		}
		below = below || within(d, path)
	}
	if !below {
		return addPath(ruleset, path, dir, file)
	}
	if err := addPath(ruleset, path, list, 0); err != nil {
		return err
	}
	ents, err := os.ReadDir(path)
	if errors.Is(err, os.ErrPermission) {
		// A folder the caller may not list (the sandbox's traverse-only
		// folders on the way to a bind below its own /tmp, a host folder
		// of mode 0711): its entries get no right from this rule. What
		// the sandbox put there are binds with rules of their own.
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Type()&os.ModeSymlink != 0 {
			continue
		}
		if err := addAround(ruleset, filepath.Join(path, e.Name()), deny, dir, file, list); err != nil {
			return err
		}
	}
	return nil
}

// within reports whether p is dir or lies below it.
func within(p, dir string) bool {
	p, dir = filepath.Clean(p), filepath.Clean(dir)
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// RestrictThread enforces the ruleset on the calling goroutine's thread,
// which it locks for good (from ABI 8, TSYNC: on every thread). Call
// execve from the same goroutine afterwards.
func (r *Ruleset) RestrictThread() error {
	if r.FD < 0 {
		return nil
	}
	runtime.LockOSThread() // never unlocked: the restricted thread must not serve other goroutines
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("landlock: no_new_privs: %w", err)
	}
	if err := restrictSelf(r.FD, r.Flags); err != nil {
		return fmt.Errorf("landlock: landlock_restrict_self: %w", err)
	}
	return nil
}

// Close releases the ruleset fd.
func (r *Ruleset) Close() error {
	if r.FD < 0 {
		return nil
	}
	err := unix.Close(r.FD)
	r.FD = -1
	return err
}

// Apply prepares p and enforces it on the calling thread (see
// RestrictThread), returning what is enforced.
func Apply(p Policy) (Status, error) {
	rs, err := Prepare(p)
	if err != nil {
		return Status{}, err
	}
	defer rs.Close()
	if err := rs.RestrictThread(); err != nil {
		return Status{}, err
	}
	return rs.Status, nil
}
