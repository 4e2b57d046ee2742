//go:build linux

package sandbox

// Copy mode for read-only paths (filesystem.read_only_mode copy) and the
// shared scratch tmpfs of a sandbox without a memory cgroup.
//
// A bind is the host's file itself: a flock or fcntl lock the script takes
// on it is a lock host processes see (a host INSERT into an SQLite
// database given read-only fails with "database is locked"). A copy lives
// in a tmpfs of the sandbox's own mount namespace, read-only once filled:
// nothing the script does to it reaches the host. The copy is made by the
// init with its own rights, so it shows exactly what a bind would: a file
// the init may not read becomes an empty file of mode 000, a folder it
// may not list an empty folder of mode 000. Only regular files, folders
// and symlinks are copied (symlinks as links, never followed); device
// nodes, fifos and sockets are left out. Denied paths (masks) inside a
// copied folder are never read: an empty stand-in is created for the mask
// to cover.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"

	"golang.org/x/sys/unix"
)

// copyIn copies the file or folder behind the O_PATH fd src into a new
// tmpfs and mounts it read-only at p inside the new root. budget holds
// the bytes still allowed and is charged for each file's data.
func copyIn(src int, p string, spec *Spec, budget *int64) error {
	failf := func(err error) error { return fail("rootfs: copy "+p, err) }
	var st unix.Stat_t
	if err := unix.Fstat(src, &st); err != nil {
		return failf(err)
	}
	dir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	dst := filepath.Join(newRoot, p)
	if err := mkMountpoint(dst, dir); err != nil {
		return failf(err)
	}
	// The root of the tmpfs is the folder's copy; it is filled through
	// the mount's fd (O_PATH: it takes *at calls, not fchmod), so it gets
	// its mode now.
	mode := fmt.Sprintf("%o", st.Mode&0o777)
	if dir && !listable(src) {
		mode = "0"
	}
	mnt, err := newTmpfs(spec.CopySize, tmpfsInodes(spec.CopySize), mode, 0)
	if err != nil {
		return failf(err)
	}
	defer unix.Close(mnt)
	c := copier{masks: spec.Masks, budget: budget}
	tree := mnt
	if dir {
		if mode != "0" {
			if err := c.dir(src, ".", mnt, p); err != nil {
				return err
			}
		}
	} else {
		if st.Mode&unix.S_IFMT != unix.S_IFREG {
			return failf(fmt.Errorf("not a regular file or a folder"))
		}
		if err := c.file(src, "", mnt, "f", p, &st); err != nil {
			return err
		}
		tree, err = unix.OpenTree(mnt, "f", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
		if err != nil {
			return failf(err)
		}
		defer unix.Close(tree)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, attr); err != nil {
		return failf(err)
	}
	if err := unix.MoveMount(tree, "", unix.AT_FDCWD, dst, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return failf(err)
	}
	return nil
}

// newTmpfs makes a detached tmpfs mount (an fd) of size bytes and inodes
// files, its root of mode mode, with the mount attributes attrs.
func newTmpfs(size, inodes int64, mode string, attrs int) (int, error) {
	fs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, err
	}
	defer unix.Close(fs)
	for _, kv := range [][2]string{{"size", strconv.FormatInt(size, 10)},
		{"nr_inodes", strconv.FormatInt(inodes, 10)}, {"mode", mode}} {
		if err := unix.FsconfigSetString(fs, kv[0], kv[1]); err != nil {
			return -1, fmt.Errorf("tmpfs %s=%s: %w", kv[0], kv[1], err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, err
	}
	return unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, attrs)
}

// ErrCopyTooLarge: the read-only paths to copy hold more than the copy
// budget.
var ErrCopyTooLarge = errors.New("more than the copy budget")

// errUnlistable: a folder the init may not list, copied empty.
var errUnlistable = errors.New("folder not listable")

// listable reports whether the folder behind the O_PATH fd can be listed.
func listable(dir int) bool {
	fd, err := unix.Openat(dir, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

type copier struct {
	masks  []string
	budget *int64
}

// masked reports whether the inside path p is a denied path.
func (c *copier) masked(p string) bool { return slices.Contains(c.masks, p) }

func (c *copier) charge(p string, size int64) error {
	pages := (size + 4095) &^ 4095
	if pages > *c.budget {
		return fail("rootfs: copy "+p, ErrCopyTooLarge)
	}
	*c.budget -= pages
	return nil
}

// dir copies the entries of folder name (beneath srcDir) into the folder
// dst (an fd); p is the folder's path inside.
func (c *copier) dir(srcDir int, name string, dst int, p string) error {
	fd, err := unix.Openat(srcDir, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.EACCES) {
		return errUnlistable
	}
	if err != nil {
		return fail("rootfs: copy "+p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	defer f.Close()
	ents, err := f.ReadDir(-1)
	if err != nil {
		return fail("rootfs: copy "+p, err)
	}
	for _, e := range ents {
		child := filepath.Join(p, e.Name())
		var st unix.Stat_t
		if err := unix.Fstatat(fd, e.Name(), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fail("rootfs: copy "+child, err)
		}
		mode := uint32(st.Mode & 0o777)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			if err := unix.Mkdirat(dst, e.Name(), 0o700); err != nil {
				return fail("rootfs: copy "+child, err)
			}
			sub, err := unix.Openat(dst, e.Name(), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err != nil {
				return fail("rootfs: copy "+child, err)
			}
			if !c.masked(child) {
				err = c.dir(fd, e.Name(), sub, child)
			}
			if errors.Is(err, errUnlistable) {
				// Left empty, and unreadable as it was.
				mode, err = 0, nil
			}
			if err == nil {
				err = unix.Fchmod(sub, mode)
			}
			unix.Close(sub)
			if err != nil {
				return err
			}
		case unix.S_IFREG:
			if err := c.file(fd, e.Name(), dst, e.Name(), child, &st); err != nil {
				return err
			}
		case unix.S_IFLNK:
			if c.masked(child) {
				// A stand-in for the mask (a file mask covers it).
				if err := c.empty(dst, e.Name(), child); err != nil {
					return err
				}
				continue
			}
			target, err := readlinkat(fd, e.Name())
			if err != nil {
				return fail("rootfs: copy "+child, err)
			}
			if err := unix.Symlinkat(target, dst, e.Name()); err != nil {
				return fail("rootfs: copy "+child, err)
			}
		default:
			// Devices, fifos, sockets: not copied.
		}
	}
	return nil
}

// file copies the regular file name beneath srcDir ("" for srcDir
// itself) to name in the folder dst.
func (c *copier) file(srcDir int, name string, dst int, dstName, p string, st *unix.Stat_t) error {
	mode := uint32(st.Mode & 0o777)
	if c.masked(p) {
		return c.empty(dst, dstName, p)
	}
	pathFD := srcDir
	if name != "" {
		// The host's tree may change under the copy: what name is now
		// is looked at before it is opened for reading — a file swapped
		// for a fifo or a device since it was listed would hang the
		// init in open or read, or open the device.
		var err error
		pathFD, err = unix.Openat(srcDir, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fail("rootfs: copy "+p, err)
		}
		defer unix.Close(pathFD)
		var now unix.Stat_t
		if err := unix.Fstat(pathFD, &now); err != nil {
			return fail("rootfs: copy "+p, err)
		}
		if now.Mode&unix.S_IFMT != unix.S_IFREG {
			return fail("rootfs: copy "+p, errors.New("no longer a regular file (the folder changed while it was copied)"))
		}
	}
	// An O_PATH fd of the file itself: reopened through /proc.
	in, err := unix.Open("/proc/self/fd/"+strconv.Itoa(pathFD), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.EACCES) {
		return c.empty(dst, dstName, p)
	}
	if err != nil {
		return fail("rootfs: copy "+p, err)
	}
	src := os.NewFile(uintptr(in), p)
	defer src.Close()
	if err := c.charge(p, st.Size); err != nil {
		return err
	}
	out, err := unix.Openat(dst, dstName, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fail("rootfs: copy "+p, err)
	}
	w := os.NewFile(uintptr(out), p)
	defer w.Close()
	// At most the charged size: a file growing while it is copied is
	// cut there, never past the budget.
	if _, err := io.Copy(w, io.LimitReader(src, st.Size)); err != nil {
		return fail("rootfs: copy "+p, err)
	}
	if err := unix.Fchmod(out, mode); err != nil {
		return fail("rootfs: copy "+p, err)
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	_ = unix.UtimesNanoAt(dst, dstName, ts, unix.AT_SYMLINK_NOFOLLOW)
	return nil
}

// empty creates an empty file of mode 000: a stand-in for a file the
// init may not read, or for a mask to cover.
func (c *copier) empty(dst int, name, p string) error {
	fd, err := unix.Openat(dst, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("rootfs: copy "+p, err)
	}
	unix.Fchmod(fd, 0)
	unix.Close(fd)
	return nil
}

func readlinkat(dir int, name string) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dir, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// scratch is the one tmpfs of a sandbox with Spec.ScratchSize: the work
// dir, /tmp and /dev/shm are its folders, each bound at its place.
type scratch struct{ fd int }

// newScratch makes the scratch tmpfs (detached: it has no path of its
// own, inside or out) and its three folders.
func newScratch(spec *Spec) (*scratch, error) {
	fd, err := newTmpfs(spec.ScratchSize, tmpfsInodes(spec.TmpSize), "0755",
		unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return nil, fail("rootfs: scratch tmpfs", err)
	}
	for _, d := range []struct {
		name string
		mode uint32
	}{{"work", 0o700}, {"tmp", 0o1777}, {"shm", 0o1777}} {
		if err := unix.Mkdirat(fd, d.name, 0o700); err != nil {
			unix.Close(fd)
			return nil, fail("rootfs: scratch "+d.name, err)
		}
		if err := unix.Fchmodat(fd, d.name, d.mode, 0); err != nil {
			unix.Close(fd)
			return nil, fail("rootfs: scratch "+d.name, err)
		}
	}
	return &scratch{fd: fd}, nil
}

// attach binds the scratch folder name at p inside the new root.
func (s *scratch) attach(name, p string) error {
	dst := filepath.Join(newRoot, p)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fail("rootfs: mkdir "+p, err)
	}
	tree, err := unix.OpenTree(s.fd, name, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return fail("rootfs: scratch "+p, err)
	}
	defer unix.Close(tree)
	if err := unix.MoveMount(tree, "", unix.AT_FDCWD, dst, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fail("rootfs: scratch "+p, err)
	}
	return nil
}

func (s *scratch) close() {
	if s != nil {
		unix.Close(s.fd)
	}
}

// boundSysV writes the SysV shared memory sysctls of the IPC namespace of
// pid, from a thread that joins that namespace and then ends with its
// goroutine (a locked thread is never reused). Since Linux 5.x the
// kernel.shm* files under /proc/sys are those of the writer's IPC
// namespace, writable only by the uid that is root of the namespace's
// owning user namespace — host root for a sandbox, which maps no uid 0 —
// whatever capabilities the writer holds (ipc_permissions): the init
// itself cannot.
func boundSysV(pid int, l SysVShm) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread leaves with the namespace
		errc <- func() error {
			ns, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/ns/ipc", unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			defer unix.Close(ns)
			if err := unix.Setns(ns, unix.CLONE_NEWIPC); err != nil {
				return fmt.Errorf("setns: %w", err)
			}
			page := int64(os.Getpagesize())
			for _, kv := range []struct {
				name string
				v    int64
			}{
				{"shmmni", int64(l.Segments)},
				{"shmmax", l.Bytes},
				{"shmall", (l.Bytes + page - 1) / page},
			} {
				if err := os.WriteFile("/proc/sys/kernel/"+kv.name, []byte(strconv.FormatInt(kv.v, 10)), 0); err != nil {
					return err
				}
			}
			return nil
		}()
	}()
	return <-errc
}

// CopyBytes is what copying paths takes of a copy budget: the data of
// every regular file below them, in pages, denied paths (masks) left out.
// The supervisor checks it before building the sandbox; the init charges
// the same as it copies (a file grown in between is cut at the budget).
func CopyBytes(paths, masks []string) (int64, error) {
	var n int64
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if slices.Contains(masks, p) {
				if d != nil && d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if err != nil {
				if errors.Is(err, os.ErrPermission) {
					return nil // copied as an empty stand-in
				}
				return err
			}
			if d.Type().IsRegular() {
				info, err := d.Info()
				if err != nil {
					return err
				}
				n += (info.Size() + 4095) &^ 4095
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}
