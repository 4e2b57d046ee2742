package audit

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// ErrKeyPermissions is returned for a signing key file that others could
// read or write; the error names the file and the fix.
var ErrKeyPermissions = errors.New("signing key file has loose permissions")

// KeyPermissionError is the typed form of [ErrKeyPermissions].
type KeyPermissionError struct {
	File string
	Mode fs.FileMode
	Msg  string
}

func (e *KeyPermissionError) Error() string {
	return fmt.Sprintf("signing key %s: %s (mode %04o); fix with: chmod 600 %s", e.File, e.Msg, e.Mode.Perm(), e.File)
}

func (e *KeyPermissionError) Unwrap() error { return ErrKeyPermissions }

// GenerateKey writes a new Ed25519 note signing key to privFile (mode 0600,
// never overwriting an existing file) and its verifier key to pubFile
// (mode 0644). name is the key name, also the checkpoints' origin line.
// It returns the verifier key text.
func GenerateKey(name, privFile, pubFile string) (string, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", fmt.Errorf("generating key %q: %w", name, err)
	}
	if err := os.MkdirAll(filepath.Dir(privFile), 0o700); err != nil {
		return "", fmt.Errorf("key dir: %w", err)
	}
	if err := writeNew(privFile, []byte(skey+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing signing key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(pubFile), 0o755); err != nil {
		return "", fmt.Errorf("key dir: %w", err)
	}
	if err := writeNew(pubFile, []byte(vkey+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("writing verifier key: %w", err)
	}
	return vkey, nil
}

// writeNew creates path exclusively with data, fsyncs it and its dir.
func writeNew(path string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// LoadSigner reads a signing key file, refusing one that is a symlink,
// not a regular file, or readable or writable by group or others.
func LoadSigner(file string) (note.Signer, error) {
	st, err := os.Lstat(file)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, &KeyPermissionError{File: file, Mode: st.Mode(), Msg: "not a regular file"}
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, &KeyPermissionError{File: file, Mode: st.Mode(), Msg: "readable or writable by group or others"}
	}
	if err := checkOwner(file, st); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	s, err := note.NewSigner(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", file, err)
	}
	return s, nil
}

// LoadVerifier reads a verifier key: a file holding "name+hash+key", or
// that text itself.
func LoadVerifier(fileOrKey string) (note.Verifier, error) {
	text := fileOrKey
	if b, err := os.ReadFile(fileOrKey); err == nil {
		text = string(b)
	} else if !strings.Contains(fileOrKey, "+") {
		return nil, fmt.Errorf("verifier key: %w", err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(text))
	if err != nil {
		return nil, fmt.Errorf("verifier key %s: %w", fileOrKey, err)
	}
	return v, nil
}
