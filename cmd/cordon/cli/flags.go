package cli

// Flags: every subcommand builds its flag set with newFlagSet and parses it
// with parse or parseInterspersed, so a mistake reads the same everywhere:
// the flag package prints nothing itself, the error is printed once by
// Main (`cordon: error: ...`) with a hint to the subcommand's help, and
// -h/-help prints the subcommand's usage text. Two conventions hold across
// subcommands: the audit log dir is --dir, and the output format is
// --format (--json is its shorthand for --format json).

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/cordonsec/cordon/audit"
)

// flagSet is one subcommand's flags and its usage text.
type flagSet struct {
	*flag.FlagSet
	env    *Env
	usage  string
	format *format // when the subcommand has --format
}

// newFlagSet returns the flag set of subcommand cmd ("run", "audit show").
func newFlagSet(env *Env, cmd, usage string) *flagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, env: env, usage: usage}
}

// parse parses args, flags first. ok is false when -help was asked (the
// usage text is printed, there is nothing else to do); a bad flag is a
// usage error.
func (fs *flagSet) parse(args []string) (ok bool, err error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(fs.env.Stderr, fs.usage)
			return false, nil
		}
		return false, usagef(fs.Name(), "%v", err)
	}
	if fs.format != nil {
		v, err := fs.format.get()
		if err != nil {
			return false, err
		}
		fs.format.chosen = v
	}
	return true, nil
}

// parseNoArgs parses args of a subcommand that takes flags only.
func (fs *flagSet) parseNoArgs(args []string) (ok bool, err error) {
	pos, ok, err := fs.parseInterspersed(args)
	if !ok {
		return false, err
	}
	if err := fs.noArgs(pos); err != nil {
		return false, err
	}
	return true, nil
}

// parseInterspersed parses flags that may come after positional
// arguments ("prove ID --checkpoint FILE") and returns the positionals.
func (fs *flagSet) parseInterspersed(args []string) (pos []string, ok bool, err error) {
	for {
		if ok, err := fs.parse(args); !ok {
			return nil, false, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, true, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), true, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// dirFlag registers --dir, the audit log dir, which every audit subcommand
// takes the same way (never as a positional argument).
func (fs *flagSet) dirFlag() *string {
	return fs.String("dir", audit.DefaultDir(), "log dir")
}

// noArgs refuses positional arguments of a subcommand that takes none; for
// an audit subcommand a folder there is most likely the log dir given the
// old way.
func (fs *flagSet) noArgs(pos []string) error {
	if len(pos) == 0 {
		return nil
	}
	if st, err := os.Stat(pos[0]); err == nil && st.IsDir() && strings.HasPrefix(fs.Name(), "audit ") {
		return usagef(fs.Name(), "unexpected argument %q: the log dir is given as --dir %s (as for every audit subcommand)", pos[0], pos[0])
	}
	return usagef(fs.Name(), "unexpected argument %q", pos[0])
}

// format is the --format flag, with --json as a shorthand for --format
// json.
type format struct {
	fs      *flagSet
	value   *string
	json    *bool
	allowed []string
	chosen  string
}

// formatFlag registers --format (allowed[0] is the default) and, when
// json is allowed, --json as its shorthand; parse checks the value,
// Format returns it.
func (fs *flagSet) formatFlag(allowed ...string) {
	f := &format{fs: fs, allowed: allowed}
	f.value = fs.String("format", allowed[0], "output format: "+strings.Join(allowed, ", "))
	if slices.Contains(allowed, "json") {
		f.json = fs.Bool("json", false, "same as --format json")
	}
	fs.format = f
}

// Format is the output format chosen, after parse.
func (fs *flagSet) Format() string { return fs.format.chosen }

// get checks the flags' values and returns the format they choose.
func (f *format) get() (string, error) {
	v := *f.value
	if f.json != nil && *f.json {
		set := false
		f.fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == "format" })
		if set && v != "json" {
			return "", usagef(f.fs.Name(), "--json and --format %s disagree", v)
		}
		v = "json"
	}
	if !slices.Contains(f.allowed, v) {
		n := len(f.allowed)
		return "", usagef(f.fs.Name(), "unknown format %q: --format is %s or %s", v, strings.Join(f.allowed[:n-1], ", "), f.allowed[n-1])
	}
	return v, nil
}
