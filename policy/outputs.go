package policy

import (
	"fmt"
	"path"
	"strings"
)

// Outputs says which files of the work dir are collected after a run when
// the caller names a folder to put them in (`cordon run --output DIR`,
// Job.OutputDir): regular files only, never through a symlink, within
// the caps; files past a cap are listed as refused.
type Outputs struct {
	// Paths are glob patterns relative to the work dir: path.Match syntax
	// per path element ("*.csv", "out/*.png"), and "**" as a whole
	// element for any number of folders ("out/**", "**/*.json"). Empty:
	// every file but the script and its inputs.
	Paths []string `yaml:"paths" json:"paths"`
	// MaxFiles bounds the files collected, MaxSize their total size.
	MaxFiles int  `yaml:"max_files" json:"max_files"`
	MaxSize  Size `yaml:"max_size" json:"max_size"`
}

// CheckOutputPattern reports what is wrong with an outputs pattern.
func CheckOutputPattern(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("empty pattern")
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("pattern %q is absolute; patterns are relative to the work dir (/work)", p)
	}
	for _, el := range strings.Split(p, "/") {
		switch {
		case el == "":
			return fmt.Errorf("pattern %q has an empty path element", p)
		case el == "." || el == "..":
			return fmt.Errorf("pattern %q has a %q element", p, el)
		case el == "**":
		case strings.Contains(el, "**"):
			return fmt.Errorf("pattern %q: ** must be a whole path element (out/**/*.csv)", p)
		default:
			if _, err := path.Match(el, ""); err != nil {
				return fmt.Errorf("bad pattern %q (path.Match syntax: *, ?, [a-z], and ** for folders)", p)
			}
		}
	}
	return nil
}

// MatchOutput reports whether the slash-separated path rel (relative to
// the work dir) matches the outputs pattern. A bad pattern matches nothing.
func MatchOutput(pattern, rel string) bool {
	return matchElems(strings.Split(pattern, "/"), strings.Split(rel, "/"))
}

func matchElems(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			// ** takes zero or more elements, but never the last one
			// (the file's own name).
			for i := 0; i < len(name); i++ {
				if matchElems(pat[1:], name[i:]) {
					return true
				}
			}
			return len(pat) == 1 && len(name) > 0
		}
		if len(name) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], name[0]); err != nil || !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}
