package interp

// pyenv shims choose the Python version at every start: from
// PYENV_VERSION, else the first .python-version file found walking up from
// the current folder (or PYENV_DIR), else $PYENV_ROOT/version. The cache
// key of a shim includes all of that, so `pyenv global 3.12` or a project's
// .python-version file is noticed without running the shim.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func isPyenvShim(candidate string) bool {
	return filepath.Base(filepath.Dir(candidate)) == "shims"
}

func pyenvSelection(candidate string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "PYENV_VERSION=%s", os.Getenv("PYENV_VERSION"))
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		root = filepath.Dir(filepath.Dir(candidate))
	}
	start := os.Getenv("PYENV_DIR")
	if start == "" {
		start, _ = os.Getwd()
	}
	for d := start; d != ""; {
		f := filepath.Join(d, ".python-version")
		if id, err := statID(f); err == nil {
			fmt.Fprintf(&b, ";local=%s:%v", f, id)
			break
		}
		up := filepath.Dir(d)
		if up == d {
			break
		}
		d = up
	}
	for _, f := range []string{filepath.Join(root, "version"), filepath.Join(root, "global"), filepath.Join(root, "default")} {
		if id, err := statID(f); err == nil {
			fmt.Fprintf(&b, ";global=%s:%v", f, id)
			break
		}
	}
	return b.String()
}
