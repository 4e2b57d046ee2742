//go:build linux

package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A file of a copied folder swapped for a fifo after it was listed (the
// host's tree changes under the copy) must not hang the init: the copy
// looks at what the name is before opening it for reading. The swap is
// made deterministic by handing the copier the listing's stat of a
// regular file for a name that is a fifo by now.
func TestCopySwappedForFifo(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	var listed unix.Stat_t
	if err := unix.Stat(filepath.Join(src, "f"), &listed); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(src, "f")); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(src, "f"), 0o644); err != nil {
		t.Fatal(err)
	}
	srcFD, err := unix.Open(src, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(srcFD)
	dstFD, err := unix.Open(dst, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dstFD)
	budget := int64(1 << 20)
	c := copier{budget: &budget}
	done := make(chan error, 1)
	go func() { done <- c.file(srcFD, "f", dstFD, "f", "/in/f", &listed) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "regular file") {
			t.Fatalf("copying a name swapped for a fifo: %v, want a refusal", err)
		}
	case <-time.After(10 * time.Second):
		// Unblock the copier's open so the test binary can end.
		if w, err := os.OpenFile(filepath.Join(src, "f"), os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("the copy hangs on a name swapped for a fifo")
	}
}
