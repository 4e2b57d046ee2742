package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// sendWitness copies a signed checkpoint to the witness: a directory
// (a file per checkpoint, created exclusively, never rewritten: the
// directory can be made append-only with chattr +a or owned by another
// user with the sticky bit), or "exec:COMMAND" run with sh -c and the
// checkpoint on stdin.
func sendWitness(w string, c Checkpoint, msg []byte) error {
	if cmd, ok := strings.CutPrefix(w, "exec:"); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		x := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
		x.Stdin = bytes.NewReader(msg)
		x.Env = append(os.Environ(), "CORDON_CHECKPOINT_SIZE="+strconv.FormatInt(c.Size, 10))
		var stderr bytes.Buffer
		x.Stderr = &stderr
		if err := x.Run(); err != nil {
			return fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
		}
		return nil
	}
	path := filepath.Join(w, ckptName(c.Size))
	err := writeNew(path, msg, 0o644)
	if errors.Is(err, os.ErrExist) {
		old, rerr := os.ReadFile(path)
		if rerr == nil && bytes.Equal(old, msg) {
			return nil
		}
		// Another checkpoint of the same size (a heartbeat of another
		// process): keep both, never overwrite.
		for k := 1; k < 100 && errors.Is(err, os.ErrExist); k++ {
			err = writeNew(fmt.Sprintf("%s.%d%s", strings.TrimSuffix(path, ckptSuffix), k, ckptSuffix), msg, 0o644)
		}
	}
	return err
}
