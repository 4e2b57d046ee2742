//go:build linux

package sandbox

// The root file system of a sandbox, built by the stage-2 init in its own
// mount namespace: a fresh tmpfs, read-only binds of exactly the paths the
// spec lists, a tmpfs work dir, /tmp and /dev/shm, a fresh /proc, /dev with
// five devices, then pivot_root. Without a memory cgroup (Spec.ScratchSize)
// the work dir, /tmp and /dev/shm are folders of one tmpfs; copied
// read-only paths (Spec.Copies) get a tmpfs each (copy_linux.go). Every place the script can write (the
// work dir, /tmp, /dev/shm, read_write binds) is noexec. The bind sources arrive as O_PATH fds
// opened by the supervisor: the init (an unprivileged host uid) never has
// to traverse host directories such as /root, and mounting from
// /proc/self/fd/N does not resolve the host path again.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// newRoot is where the tmpfs root is mounted before pivot_root. Any
// existing directory does: it is shadowed only in this mount namespace, and
// the bind sources are fds, not paths.
const newRoot = "/tmp"

// devices are the only device nodes of /dev, bound from the host's.
var devices = []string{"null", "zero", "full", "random", "urandom"}

type step struct {
	name string
	err  error
}

func (s *step) Error() string { return s.name + ": " + s.err.Error() }
func (s *step) Unwrap() error { return s.err }

func fail(name string, err error) error { return &step{name: name, err: err} }

// buildRoot builds the root and pivots into it. ro and rw are the O_PATH
// fds of spec.ReadOnly and spec.ReadWrite.
func buildRoot(spec *Spec, ro, rw []int) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fail("rootfs: make / private", err)
	}
	if err := unix.Mount("tmpfs", newRoot, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=1m,mode=0755"); err != nil {
		return fail("rootfs: tmpfs root", err)
	}
	if err := writeEtc(); err != nil {
		return err
	}
	// The work dir and /tmp come before the binds: a policy path under
	// /work or /tmp on the host (a project checked out under /work, data
	// in /tmp) is bound at the same place inside them, not shadowed by
	// them.
	var scr *scratch
	if spec.ScratchSize > 0 {
		var err error
		if scr, err = newScratch(spec); err != nil {
			return err
		}
		defer scr.close()
		if err := scr.attach("tmp", "/tmp"); err != nil {
			return err
		}
		if err := scr.attach("work", WorkDir); err != nil {
			return err
		}
	} else {
		tmp := fmt.Sprintf("size=%d,nr_inodes=%d,mode=1777", spec.TmpSize, tmpfsInodes(spec.TmpSize))
		if err := mountDir("tmpfs", "/tmp", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, tmp); err != nil {
			return err
		}
		work := fmt.Sprintf("size=%d,nr_inodes=%d,mode=0700,uid=%d,gid=%d", spec.WorkSize, tmpfsInodes(spec.WorkSize), UID, GID)
		if err := mountDir("tmpfs", WorkDir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, work); err != nil {
			return err
		}
	}
	budget := spec.CopySize
	for i, p := range spec.ReadOnly {
		if slices.Contains(spec.Copies, p) {
			if err := copyIn(ro[i], p, spec, &budget); err != nil {
				return err
			}
			continue
		}
		if err := bind(ro[i], p, true, spec.Detached); err != nil {
			return err
		}
	}
	for i, p := range spec.ReadWrite {
		if err := bind(rw[i], p, false, spec.Detached); err != nil {
			return err
		}
	}
	for _, p := range spec.Masks {
		if err := mask(p); err != nil {
			return err
		}
	}
	for _, l := range spec.Symlinks {
		dst := filepath.Join(newRoot, l.Path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fail("rootfs: symlink "+l.Path, err)
		}
		if err := os.Symlink(l.Target, dst); err != nil && !os.IsExist(err) {
			return fail("rootfs: symlink "+l.Path, err)
		}
	}
	if err := sealDirs(spec); err != nil {
		return err
	}
	if err := mountDir("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return err
	}
	if err := maskProc(); err != nil {
		return err
	}
	if err := buildDev(spec, scr); err != nil {
		return err
	}
	return pivot()
}

// etcFiles are the sandbox's own identity files, written before the binds
// (a policy that binds the host's file at the same path shadows ours).
// They name only the sandbox's user and group, localhost and the sandbox's
// host name: getpass.getuser(), pwd.getpwuid(os.getuid()), grp,
// socket.getaddrinfo("localhost") and gethostbyname(gethostname()) work as
// on any system, and nothing of the host's accounts is revealed. glibc 2.34
// and later has the "files" and "dns" sources built in.
var etcFiles = map[string]string{
	"etc/passwd": fmt.Sprintf("root:x:0:0:root:/root:/usr/sbin/nologin\n"+
		"sandbox:x:%d:%d:sandbox:%s:/bin/sh\n"+
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", UID, GID, HomeDir),
	"etc/group": fmt.Sprintf("root:x:0:\nsandbox:x:%d:\nnogroup:x:65534:\n", GID),
	"etc/hosts": "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" +
		"127.0.1.1\t" + stage2Host + "\n",
	"etc/nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n" +
		"networks: files\nprotocols: files\nservices: files\n",
}

func writeEtc() error {
	for name, body := range etcFiles {
		dst := filepath.Join(newRoot, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fail("rootfs: /"+name, err)
		}
		if err := os.WriteFile(dst, []byte(body), 0o444); err != nil {
			return fail("rootfs: /"+name, err)
		}
	}
	return nil
}

// sealDirs makes the folders created on the way to the binds and symlinks
// (/root, /root/.pyenv, /usr/lib, /etc, ...) traverse-only (0111): the
// script reaches what it was given by path, but cannot list the folders
// and learn which host paths exist beside it. The binds themselves keep
// their own modes; "/" stays listable.
func sealDirs(spec *Spec) error {
	bound := map[string]bool{}
	for _, p := range append(append([]string(nil), spec.ReadOnly...), spec.ReadWrite...) {
		bound[filepath.Clean(p)] = true
	}
	seal := map[string]bool{}
	paths := append(append([]string(nil), spec.ReadOnly...), spec.ReadWrite...)
	for _, l := range spec.Symlinks {
		paths = append(paths, l.Path)
	}
	for _, p := range paths {
		for d := filepath.Dir(filepath.Clean(p)); d != "/" && d != "."; d = filepath.Dir(d) {
			if d == WorkDir || d == "/tmp" {
				// The script's own writable dirs keep their modes.
				continue
			}
			if !bound[d] {
				seal[d] = true
			}
		}
	}
	for d := range seal {
		if err := os.Chmod(filepath.Join(newRoot, d), 0o111); err != nil {
			return fail("rootfs: seal "+d, err)
		}
	}
	return nil
}

// bind mounts the file or folder behind fd at p inside the new root.
func bind(fd int, p string, readOnly, detached bool) error {
	dst := filepath.Join(newRoot, p)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fail("rootfs: stat "+p, err)
	}
	if err := mkMountpoint(dst, st.Mode&unix.S_IFMT == unix.S_IFDIR); err != nil {
		return fail("rootfs: mountpoint "+p, err)
	}
	if detached {
		if err := unix.MoveMount(fd, "", unix.AT_FDCWD, dst, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
			return fail("rootfs: attach "+p, err)
		}
	} else {
		src := "/proc/self/fd/" + strconv.Itoa(fd)
		if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fail("rootfs: bind "+p, err)
		}
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if readOnly {
		attr.Attr_set |= unix.MOUNT_ATTR_RDONLY
	} else {
		// Nothing the script can write is executable: noexec also
		// stops the dynamic loader mapping such a file executable.
		attr.Attr_set |= unix.MOUNT_ATTR_NOEXEC
	}
	// mount_setattr with AT_RECURSIVE makes every submount read-only
	// too, and only adds flags, so the locked flags of a bind made in a
	// user namespace never get in the way (a MS_REMOUNT would have to
	// repeat them).
	if err := unix.MountSetattr(-1, dst, unix.AT_RECURSIVE|unix.AT_SYMLINK_NOFOLLOW, attr); err != nil {
		return fail("rootfs: read-only "+p, err)
	}
	return nil
}

// mask covers the path p inside the new root (a path inside a bind) with an
// empty read-only mount: a tmpfs of mode 000 over a folder, /dev/null on a
// nodev mount (so opening it fails) over anything else. The path is
// resolved beneath the new root without following any symlink: a symlink
// in a bound host folder cannot redirect the mask elsewhere. A path that
// does not exist needs no mount.
func mask(p string) error {
	root, err := unix.Open(newRoot, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("rootfs: mask "+p, err)
	}
	defer unix.Close(root)
	fd, err := unix.Openat2(root, strings.TrimPrefix(filepath.Clean(p), "/"), &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fail("rootfs: mask "+p, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fail("rootfs: mask "+p, err)
	}
	cover, err := maskMount(st.Mode&unix.S_IFMT == unix.S_IFDIR)
	if err != nil {
		return fail("rootfs: mask "+p, err)
	}
	defer unix.Close(cover)
	if err := unix.MoveMount(cover, "", fd, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fail("rootfs: mask "+p, err)
	}
	return nil
}

// procMasks are the /proc entries hidden as container runtimes hide them
// (runc's masked paths), plus what tells about the host kernel: its
// command line and its symbol table. /proc/self/mountinfo (which names the
// host's block devices), /proc/stat, /proc/uptime, /proc/meminfo,
// /proc/cpuinfo and /proc/version stay: programs read them, and each says
// only what the machine is, not what runs on it (docs/sandbox.md).
var procMasks = []string{
	"/proc/acpi", "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/scsi", "/proc/driver",
	"/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/key-users", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/sysrq-trigger",
	"/proc/kallsyms", "/proc/kmsg", "/proc/kpagecount", "/proc/kpageflags", "/proc/kpagecgroup",
	"/proc/config.gz", "/proc/iomem", "/proc/ioports", "/proc/vmallocinfo", "/proc/slabinfo",
	"/proc/cmdline",
}

// procStandIns replace /proc files whose content is the host's with the
// sandbox's own: no host boot id, no host task count. A program reading
// them still gets the format it expects.
func procStandIns() map[string]string {
	return map[string]string{
		"/proc/sys/kernel/random/boot_id": randomUUID() + "\n",
		// load averages 0, one task running of one (the kernel's own
		// count is of the whole host).
		"/proc/loadavg": "0.00 0.00 0.00 1/1 1\n",
	}
}

// maskProc hides procMasks and puts procStandIns over their files.
func maskProc() error {
	for _, p := range procMasks {
		if err := mask(p); err != nil {
			return err
		}
	}
	for p, content := range procStandIns() {
		if err := standIn(p, content); err != nil {
			return err
		}
	}
	return nil
}

// standIn puts a read-only file holding content over the file p inside
// the new root (p must exist; a missing one is left alone). The file lives
// on a small detached tmpfs that only the mount keeps alive.
func standIn(p, content string) error {
	root, err := unix.Open(newRoot, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("rootfs: stand-in "+p, err)
	}
	defer unix.Close(root)
	target, err := unix.Openat2(root, strings.TrimPrefix(p, "/"), &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS,
	})
	if err == unix.ENOENT {
		return nil
	}
	if err != nil {
		return fail("rootfs: stand-in "+p, err)
	}
	defer unix.Close(target)
	fs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return fail("rootfs: stand-in "+p, err)
	}
	defer unix.Close(fs)
	for k, v := range map[string]string{"size": "4k", "nr_inodes": "4", "mode": "0700"} {
		if err := unix.FsconfigSetString(fs, k, v); err != nil {
			return fail("rootfs: stand-in "+p, err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return fail("rootfs: stand-in "+p, err)
	}
	mnt, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, maskAttrs&^unix.MOUNT_ATTR_RDONLY)
	if err != nil {
		return fail("rootfs: stand-in "+p, err)
	}
	defer unix.Close(mnt)
	f, err := unix.Openat(mnt, "f", unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o444)
	if err != nil {
		return fail("rootfs: stand-in "+p, err)
	}
	_, err = unix.Write(f, []byte(content))
	unix.Close(f)
	if err != nil {
		return fail("rootfs: stand-in "+p, err)
	}
	file, err := unix.OpenTree(mnt, "f", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return fail("rootfs: stand-in "+p, err)
	}
	defer unix.Close(file)
	if err := unix.MountSetattr(file, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Attr_set: maskAttrs}); err != nil {
		return fail("rootfs: stand-in "+p, err)
	}
	if err := unix.MoveMount(file, "", target, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fail("rootfs: stand-in "+p, err)
	}
	return nil
}

// randomUUID is a random (version 4) UUID in the kernel's boot_id form.
func randomUUID() string {
	var b [16]byte
	if _, err := unix.Getrandom(b[:], 0); err != nil {
		return "00000000-0000-4000-8000-000000000000"
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// maskAttrs are the flags of every mask mount.
const maskAttrs = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC

// maskMount makes a detached mount to put over a denied path: for a folder
// an empty tmpfs of mode 000 (two inodes, no room), for anything else a
// clone of /dev/null, which the nodev flag makes impossible to open.
func maskMount(dir bool) (int, error) {
	if !dir {
		tree, err := unix.OpenTree(unix.AT_FDCWD, "/dev/null", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
		if err != nil {
			return -1, err
		}
		attr := &unix.MountAttr{Attr_set: maskAttrs}
		if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, attr); err != nil {
			unix.Close(tree)
			return -1, err
		}
		return tree, nil
	}
	fs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, err
	}
	defer unix.Close(fs)
	for k, v := range map[string]string{"size": "4k", "nr_inodes": "2", "mode": "000"} {
		if err := unix.FsconfigSetString(fs, k, v); err != nil {
			return -1, fmt.Errorf("tmpfs %s=%s: %w", k, v, err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, err
	}
	return unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, maskAttrs)
}

func mkMountpoint(dst string, dir bool) error {
	if dir {
		return os.MkdirAll(dst, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_RDONLY, 0o444)
	if err != nil {
		return err
	}
	return f.Close()
}

func mountDir(src, p, fstype string, flags uintptr, data string) error {
	dst := filepath.Join(newRoot, p)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fail("rootfs: mkdir "+p, err)
	}
	if err := unix.Mount(src, dst, fstype, flags, data); err != nil {
		return fail("rootfs: mount "+fstype+" on "+p, err)
	}
	return nil
}

// tmpfsInodes bounds the files of a tmpfs of size bytes: one per 4 KiB
// of its size (at least 1024). The size bounds only the data: without it,
// a million empty files grew the host's slab by 1 GiB.
func tmpfsInodes(size int64) int64 {
	return max(size/4096, 1024)
}

// buildDev makes /dev a small tmpfs with null, zero, full, random and
// urandom bound from the host, a private /dev/shm (multiprocessing needs
// it), a private devpts instance and the usual links.
//
// devpts is mounted with newinstance: its pseudo-terminals are the
// sandbox's own (os.openpty, pty.spawn, terminal-emulating libraries
// work) and none of the host's terminals is visible or reachable through
// it. ptmxmode=0666 lets the sandbox user open its ptmx (the
// /dev/ptmx link points there); mode=0620 is the usual mode of a pty.
func buildDev(spec *Spec, scr *scratch) error {
	if err := mountDir("tmpfs", "/dev", "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755"); err != nil {
		return err
	}
	for _, d := range devices {
		dst := filepath.Join(newRoot, "dev", d)
		if err := mkMountpoint(dst, false); err != nil {
			return fail("rootfs: /dev/"+d, err)
		}
		if err := unix.Mount("/dev/"+d, dst, "", unix.MS_BIND, ""); err != nil {
			return fail("rootfs: bind /dev/"+d, err)
		}
	}
	if scr != nil {
		if err := scr.attach("shm", "/dev/shm"); err != nil {
			return err
		}
	} else {
		shm := fmt.Sprintf("size=%d,nr_inodes=%d,mode=1777", spec.TmpSize, tmpfsInodes(spec.TmpSize))
		if err := mountDir("tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, shm); err != nil {
			return err
		}
	}
	if err := mountDir("devpts", "/dev/pts", "devpts", unix.MS_NOSUID|unix.MS_NOEXEC,
		"newinstance,ptmxmode=0666,mode=0620"); err != nil {
		return err
	}
	for name, target := range map[string]string{
		"ptmx": "pts/ptmx",
		"fd":   "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
	} {
		if err := os.Symlink(target, filepath.Join(newRoot, "dev", name)); err != nil {
			return fail("rootfs: /dev/"+name, err)
		}
	}
	return nil
}

// pivot makes the new root / and detaches the old one, then makes the
// root tmpfs itself read-only: the script may write only in the work dir,
// /tmp and /dev/shm.
func pivot() error {
	if err := unix.Chdir(newRoot); err != nil {
		return fail("rootfs: chdir", err)
	}
	// pivot_root(".", ".") stacks the old root on top of the new one;
	// detaching it leaves only the new root.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fail("rootfs: pivot_root", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fail("rootfs: detach old root", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fail("rootfs: chdir /", err)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(-1, "/", 0, attr); err != nil {
		return fail("rootfs: read-only root", err)
	}
	return nil
}
