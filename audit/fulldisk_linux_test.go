package audit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// mountTmpfs mounts a small tmpfs on a dir the test owns.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); run the suite as root to test a full disk")
	}
	mnt := filepath.Join(t.TempDir(), "mnt")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("cordon-audit-test", mnt, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size="+size+",mode=0700"); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(mnt, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", mnt, err)
		}
	})
	return mnt
}

// TestFullDiskFailsClosed fills a small tmpfs: the run-start record that
// does not fit is refused with ENOSPC (the run must not start), nothing
// half-written stays, and the log still verifies.
func TestFullDiskFailsClosed(t *testing.T) {
	mnt := mountTmpfs(t, "64k")
	dir := filepath.Join(mnt, "audit")
	l, err := Open(testOptions(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	var appended int64
	var appendErr error
	for i := 0; i < 100000; i++ {
		rec := startRecord("fill")
		rec.Start.Script = string(make([]byte, 2000))
		if _, appendErr = l.Append(context.Background(), rec); appendErr != nil {
			break
		}
		appended++
	}
	if appendErr == nil {
		t.Fatal("a 64k tmpfs never filled")
	}
	if !errors.Is(appendErr, unix.ENOSPC) {
		t.Fatalf("append on a full disk: %v, want ENOSPC", appendErr)
	}
	if appended == 0 {
		t.Fatal("nothing fit")
	}
	// Still refused while full.
	rec := startRecord("again")
	rec.Start.Script = string(make([]byte, 8000))
	if _, err := l.Append(context.Background(), rec); err == nil {
		t.Fatal("append succeeded on a full disk")
	}
	l.closeFiles()
	// Make room elsewhere is not possible on this tmpfs; verify what is
	// there: every acknowledged record, no torn line.
	key := pinnedKey(t, dir)
	rep := mustVerify(t, dir, key)
	if rep.Records != appended {
		t.Fatalf("%d records on disk, %d acknowledged", rep.Records, appended)
	}
	for _, f := range rep.Findings {
		if f.Attack != AttackMissingCheckpoint {
			t.Fatalf("full disk left damage: %v", rep.Findings)
		}
	}
}

// TestReadOnlyFailsClosed: a log whose file system is read-only cannot be
// opened for writing, so no run starts.
func TestReadOnlyFailsClosed(t *testing.T) {
	mnt := mountTmpfs(t, "1m")
	dir := filepath.Join(mnt, "audit")
	l, err := Open(testOptions(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(context.Background(), startRecord("ok")); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("", mnt, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		t.Fatalf("remount read-only: %v", err)
	}
	if _, err := Open(testOptions(t, dir)); !errors.Is(err, unix.EROFS) {
		t.Fatalf("open of a log on a read-only fs: %v, want EROFS", err)
	}
	// The records already there still verify.
	if rep := mustVerify(t, dir, pinnedKey(t, dir)); !rep.Clean() {
		t.Fatal(rep.Findings)
	}
}

// TestUnwritableDirFailsClosed: as a user who may not write the dir, Open
// fails (as root the check is meaningless: root writes anyway).
func TestUnwritableDirFailsClosed(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root bypasses directory permissions; TestReadOnlyFailsClosed covers the root case")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(testOptions(t, filepath.Join(dir, "audit"))); !errors.Is(err, os.ErrPermission) {
		t.Fatalf("open in an unwritable dir: %v", err)
	}
}
