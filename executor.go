// Package cordon is the library face of Cordon: an [Executor] runs a [Job]
// (a Python script, its arguments, input files and stdin, under a policy)
// in a kernel-enforced sandbox and returns a [Result].
//
//	ex, err := cordon.NewExecutor(cordon.Options{})
//	res, err := ex.Run(ctx, cordon.Job{Script: "hello.py"})
//	fmt.Println(res.Status, res.Stdout)
//
// A sandbox can be built before its job is known ([Executor.Prepare]) and
// handed the job later ([Prepared.Run]); a [Pool] keeps such sandboxes
// ready per policy with the interpreter already started.
package cordon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/cordonsec/cordon/egress"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/sandbox"
)

// Errors callers branch on.
var (
	// ErrBadInput: the job cannot run as given (missing, unreadable,
	// binary or directory script, colliding file names); nothing started.
	ErrBadInput = errors.New("bad job input")
	// ErrInputLink: an input file is a symbolic link and Job.FollowLinks
	// is not set (wrapped in ErrBadInput).
	ErrInputLink = errors.New("is a symbolic link (not followed unless asked)")
	// ErrPolicyMismatch: a prepared sandbox was handed a job with another
	// policy.
	ErrPolicyMismatch = errors.New("job policy differs from the prepared sandbox's")
	// ErrUsed: a prepared sandbox runs one job only.
	ErrUsed = errors.New("prepared sandbox already used")
)

// Options configure an Executor. The zero value is the normal case.
type Options struct {
	// HostUID and HostGID are the host ids the sandbox's uid maps to. Zero
	// means the default: the caller's own ids, or for root a uid leased
	// per run from an unprivileged range no account uses
	// (sandbox.HostUIDBase, sandbox.HostUIDCount) with the gid
	// sandbox.DefaultHostID. Host root is refused. As root, the sandbox's
	// user namespace is created by that uid, so the kernel's per-user
	// limits (inotify instances, processes) are charged to it, not root.
	HostUID, HostGID int
	// CgroupParent names the project's cgroup directory under the
	// supervisor's own group ("cordon" when empty).
	CgroupParent string
	// InitBinary, when set, is the sandbox's stage-2 init as a binary of
	// its own (a build of cmd/cordon-init from the same tree; the CLI uses
	// the one beside it, DefaultInitBinary): the init then skips the
	// package inits of the caller's binary. Empty: the caller's binary is
	// re-executed as the init.
	InitBinary string
	// Resolver looks names up for the egress proxy (network mode
	// allowlist); nil: the system's resolver. egress.Pinned fixes some
	// names and asks another resolver for the rest.
	Resolver egress.Resolver
}

// Job is one script to run.
type Job struct {
	// Script is the path of the script on the host; or Source holds its
	// text and Name its file name in the work dir ("script.py" if empty).
	Script string
	Source []byte
	Name   string
	// Args follow the script on the interpreter's command line.
	Args []string
	// Stdin feeds the script's standard input (nil: empty).
	Stdin io.Reader
	// Files are host paths copied into the work dir under their base
	// names, next to the script: regular files only (never a FIFO,
	// device or socket), not from /proc, /sys or another kernel file
	// system, not inside the policy's filesystem.deny, and not a
	// symbolic link unless FollowLinks (then its target is checked).
	// Their names, real paths, sizes and SHA-256 are in Result.Inputs and
	// the audit start record. They do not count against
	// limits.file_size, but must fit the work dir (limits.tmp +
	// limits.file_size).
	Files       []string
	FollowLinks bool
	// Env gives values to variables the policy passes
	// (environment.pass), instead of the supervisor's own; any other name
	// is refused.
	Env map[string]string
	// Policy is the effective policy (nil: policy.Default()).
	Policy *policy.Policy
	// Stdout and Stderr, when set, receive the output live as well (up to
	// the output cap); Result keeps a copy either way.
	Stdout, Stderr io.Writer
	// Unbuffered runs the interpreter with unbuffered output (python -u),
	// so Stdout and Stderr see each write as it happens rather than in
	// blocks when the buffer fills or the script ends; what is captured is
	// the same bytes either way. The CLI sets it for its live output.
	Unbuffered bool
	// OutputDir, when set, is the host folder (created if missing) that
	// files of the work dir are copied into after the run, at the same
	// relative paths, within the policy's outputs caps; Result.Outputs
	// lists them with their SHA-256, and the refused ones with the reason.
	// Existing files of the same name are replaced. Nothing is collected
	// from a canceled run.
	OutputDir string
	// Outputs are glob patterns relative to the work dir selecting the
	// files to collect ("*.csv", "out/**"); nil: the policy's
	// outputs.paths, and when that is empty every file but the script
	// and the inputs.
	Outputs []string
	// ID, when set, is the run's id (Result.ID and the audit records'
	// run_id) instead of a fresh random one; a service passes its own so
	// that its run and the audit log's are one name. It must be unique.
	ID string
	// Tenant names who asked for the run (a service's tenant); it is
	// written into every audit record of the run.
	Tenant string
	// Client names the program that asked for the run on the caller's
	// behalf (an MCP client's name); it is written into the audit start
	// record.
	Client string
}

// Executor runs jobs. It is safe for concurrent use.
type Executor struct {
	opts Options
	// The layers around the sandbox: static analysis before anything is
	// spawned for a job (for a prepared sandbox: before hand-over), and
	// the audit log's start and end records. A nil one does nothing and
	// its layer (analysis, audit) is reported off.
	analyzer analyzer
	recorder recorder
	aud      *auditor

	kernelOnce sync.Once
	kernel     sandbox.Host // the kernel's probes a run plans on (kernelFacts)

	cgOnce sync.Once
	cg     cgroupManager
	cgErr  error
}

// NewExecutor returns an Executor. It cleans what supervisors that died
// left behind (cgroups) lazily, on first use of cgroups.
func NewExecutor(opts Options) (*Executor, error) {
	if opts.HostUID < 0 || opts.HostGID < 0 {
		return nil, fmt.Errorf("negative host id")
	}
	aud := &auditor{}
	return &Executor{opts: opts, aud: aud, analyzer: pythonAnalyzer{}, recorder: aud}, nil
}

// Close closes the audit logs the Executor opened, each with a final signed
// checkpoint. Runs must have finished.
func (e *Executor) Close() error {
	if e.aud == nil {
		return nil
	}
	return e.aud.close()
}

// Run runs job in a fresh sandbox and returns its result. An error means
// the job could not be started for a reason of the caller's (ErrBadInput)
// or the context ended before the run; everything else, including a layer
// that cannot be applied, is a Result with its status.
func (e *Executor) Run(ctx context.Context, job Job) (Result, error) {
	pol := job.Policy
	if pol == nil {
		pol = policy.Default()
	}
	in, err := loadInput(ctx, &job, pol)
	if err != nil {
		return Result{}, err
	}
	// Analysis comes before anything is spawned for the job.
	an, res, blocked, err := e.analyze(ctx, &job, in, pol)
	if err != nil || blocked {
		if blocked {
			res.Inputs = in.inputs
			if job.ID != "" {
				res.ID = job.ID
			}
			e.auditRejected(ctx, &res, &job, pol, in.files[0])
		}
		in.close()
		return res, err
	}
	p, res, _ := e.prepare(ctx, pol, nil)
	if p == nil {
		in.close()
		if ctx.Err() != nil {
			res.Status, res.Error = StatusCanceled, "run canceled before the sandbox was ready"
		}
		if job.ID != "" {
			res.ID = job.ID
		}
		return res, ctx.Err()
	}
	if job.ID != "" {
		p.id = job.ID
	}
	p.cold = true
	return p.run(ctx, &job, in, an)
}

// Prepare builds a sandbox for policy pol (nil: the default) that waits
// for its job: namespaces, root, cgroup placement are done; Prepared.Run
// hands a job over. A setup failure is returned as an error wrapping the
// result's message; call Close on a Prepared that will not run.
func (e *Executor) Prepare(ctx context.Context, pol *policy.Policy) (*Prepared, error) {
	if pol == nil {
		pol = policy.Default()
	}
	p, res, cause := e.prepare(ctx, pol, nil)
	if p == nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, &SetupError{Result: res, Err: cause}
	}
	return p, nil
}

// SetupError is returned by Prepare when the sandbox cannot be built; its
// Result has status internal-error and names the layer that failed
// (Result.FailedLayer), and Err is the cause (a *sandbox.SetupError, a
// cgroup or interpreter error, ...).
type SetupError struct {
	Result Result
	Err    error
}

func (e *SetupError) Error() string { return e.Result.Error }

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *SetupError) Unwrap() error { return e.Err }

// Run hands job over to the prepared sandbox. job.Policy must be nil or
// equal (by hash) to the prepared one.
func (p *Prepared) Run(ctx context.Context, job Job) (Result, error) {
	if job.Policy != nil && job.Policy.Hash() != p.pol.Hash() {
		return Result{}, ErrPolicyMismatch
	}
	in, err := loadInput(ctx, &job, p.pol)
	if err != nil {
		return Result{}, err
	}
	if job.ID != "" && !p.used.Load() {
		p.id = job.ID
	}
	return p.run(ctx, &job, in, nil)
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// since returns milliseconds from t.
func since(t time.Time) int64 { return time.Since(t).Milliseconds() }

// hostEnv is the supervisor's environment, for environment.pass.
var hostEnv = os.LookupEnv
