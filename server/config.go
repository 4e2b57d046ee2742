package server

// The service's configuration file: YAML decoded by the policy's decoder
// (policy.DecodeYAML), so every problem carries file:line:column and the
// field path, like a policy file's.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/cordonsec/cordon/policy"
)

// Config is the service's configuration file.
type Config struct {
	// Listen is the address to serve on (host:port).
	Listen string `yaml:"listen"`
	TLS    TLS    `yaml:"tls"`
	// StateDir holds the journal of accepted runs (to find, after a
	// crash, the runs that never finished) and the runs' input files.
	StateDir string `yaml:"state_dir"`
	// AuditDir is the audit log every tenant's runs are written to; it
	// replaces audit.dir of every ceiling.
	AuditDir string `yaml:"audit_dir"`
	// Workers is how many runs execute at once, Queue how many accepted
	// runs may wait for a worker (all tenants together).
	Workers int `yaml:"workers"`
	Queue   int `yaml:"queue"`
	// MaxWait caps ?wait=SECONDS.
	MaxWait policy.Duration `yaml:"max_wait"`
	// MaxBody caps a request body.
	MaxBody policy.Size `yaml:"max_body"`
	// Retain is how many finished runs are kept in memory for GET.
	Retain int `yaml:"retain"`
	// ShutdownTimeout is how long SIGTERM waits for running runs before
	// canceling them.
	ShutdownTimeout policy.Duration `yaml:"shutdown_timeout"`
	// Timeouts of client connections.
	ReadTimeout  policy.Duration `yaml:"read_timeout"`
	WriteTimeout policy.Duration `yaml:"write_timeout"`
	IdleTimeout  policy.Duration `yaml:"idle_timeout"`
	// Callback bounds callback delivery.
	Callback CallbackConfig `yaml:"callback"`
	Tenants  []TenantConfig `yaml:"tenants"`

	// file is where the config was read from (relative paths resolve
	// against its folder).
	file string
}

// TLS names the certificate and key files; both empty: plain HTTP.
type TLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

// CallbackConfig bounds callback delivery.
type CallbackConfig struct {
	// Deadline is how long delivery of one result is retried.
	Deadline policy.Duration `yaml:"deadline"`
	// Timeout bounds one attempt.
	Timeout policy.Duration `yaml:"timeout"`
	// AllowLoopback lets callbacks go to loopback and private addresses
	// (tests, a sidecar); off, such URLs are refused.
	AllowLoopback bool `yaml:"allow_loopback"`
}

// TenantConfig is one tenant.
type TenantConfig struct {
	Name string `yaml:"name"`
	// TokenSHA256 lists the hex SHA-256 of each bearer token the tenant
	// may use (several: rotation). The tokens themselves are never stored.
	TokenSHA256 []string `yaml:"token_sha256"`
	// Policy is the ceiling: the policy file every run of the tenant
	// starts from; a request may only tighten it.
	Policy string `yaml:"policy"`
	// Concurrency is how many of the tenant's runs execute at once,
	// Queued how many may wait.
	Concurrency int `yaml:"concurrency"`
	Queued      int `yaml:"queued"`
	// RunsPerMinute is the sustained rate of POST /v1/runs, Burst the
	// bucket size.
	RunsPerMinute int `yaml:"runs_per_minute"`
	Burst         int `yaml:"burst"`
	// CallbackSecretFile holds the HMAC-SHA256 key callbacks of this
	// tenant are signed with; without it, callbacks are refused.
	CallbackSecretFile string `yaml:"callback_secret_file"`
	// Policies are further policies the tenant may name in a request
	// (policy_name) instead of the ceiling: name -> file. Each must
	// tighten the ceiling.
	Policies map[string]string `yaml:"policies"`

	// ceiling and offers, when set, are the loaded policies (NewLocal);
	// Policy and Policies are then not read.
	ceiling *policy.Policy
	offers  map[string]*policy.Policy
}

// Defaults of a Config.
const (
	DefaultListen = "127.0.0.1:8080"
)

func (c *Config) fill() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defD := func(v *policy.Duration, d string) {
		if *v == 0 {
			x, _ := policy.ParseDuration(d)
			*v = x
		}
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	def(&c.Workers, 4)
	def(&c.Queue, 64)
	def(&c.Retain, 1000)
	defD(&c.MaxWait, "60s")
	defD(&c.ShutdownTimeout, "30s")
	defD(&c.ReadTimeout, "30s")
	defD(&c.WriteTimeout, "60s")
	defD(&c.IdleTimeout, "120s")
	defD(&c.Callback.Deadline, "10m")
	defD(&c.Callback.Timeout, "10s")
	if c.MaxBody == 0 {
		c.MaxBody = 16 << 20
	}
	for i := range c.Tenants {
		t := &c.Tenants[i]
		def(&t.Concurrency, 2)
		def(&t.Queued, 16)
		def(&t.RunsPerMinute, 600)
		def(&t.Burst, 20)
	}
}

var tenantName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// LoadConfig reads and checks the config file at path, and loads every
// tenant's ceiling policy. Problems are policy.Errors with positions.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return ParseConfig(path, data)
}

// ParseConfig is LoadConfig for a config in memory named path.
func ParseConfig(path string, data []byte) (*Config, error) {
	c := &Config{file: path}
	pos, err := policy.DecodeYAML(path, data, c)
	var errs policy.Errors
	if err != nil && !errors.As(err, &errs) {
		return nil, err
	}
	// The checks below run too, so every problem is reported at once; a
	// field that failed to decode is not reported again.
	decoded := map[string]bool{}
	for _, e := range errs {
		decoded[e.Field] = true
	}
	c.fill()
	bad := func(field, format string, args ...any) {
		// A list element that failed to decode was zeroed: nothing
		// under it is worth a second message.
		for f := range decoded {
			if field == f || strings.HasPrefix(field, f+".") || strings.HasPrefix(field, f+"[") {
				return
			}
		}
		e := &policy.Error{File: path, Field: field, Msg: fmt.Sprintf(format, args...)}
		// The value's own place, else its parent's (a missing key).
		for f := field; f != ""; {
			if p, ok := pos[f]; ok {
				e.Line, e.Column = p.Line, p.Column
				break
			}
			i := strings.LastIndexAny(f, ".[")
			if i < 0 {
				break
			}
			f = f[:i]
		}
		errs = append(errs, e)
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		bad("tls", "give both cert and key, or neither")
	}
	if c.StateDir == "" {
		bad("state_dir", "required: where the journal of accepted runs lives")
	}
	if c.AuditDir == "" {
		bad("audit_dir", "required: the audit log every run is written to")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"workers", c.Workers}, {"queue", c.Queue}, {"retain", c.Retain}} {
		if f.v < 0 {
			bad(f.name, "must be positive")
		}
	}
	if len(c.Tenants) == 0 {
		bad("tenants", "no tenant: nobody could run anything")
	}
	names := map[string]bool{}
	tokens := map[string]string{}
	for i, t := range c.Tenants {
		f := fmt.Sprintf("tenants[%d]", i)
		if !tenantName.MatchString(t.Name) {
			bad(f+".name", "want a name of lower-case letters, digits, '.', '_' and '-', got %q", t.Name)
		}
		if names[t.Name] {
			bad(f+".name", "duplicate tenant %q", t.Name)
		}
		names[t.Name] = true
		if len(t.TokenSHA256) == 0 {
			bad(f+".token_sha256", "no token: the tenant could never authenticate (make one with: cordon serve --new-token)")
		}
		for j, h := range t.TokenSHA256 {
			ff := fmt.Sprintf("%s.token_sha256[%d]", f, j)
			if !sha256Hex.MatchString(h) {
				bad(ff, "want 64 lower-case hex digits (the SHA-256 of the token), got %q", h)
				continue
			}
			if other, dup := tokens[h]; dup {
				bad(ff, "the same token is already listed for tenant %q", other)
			}
			tokens[h] = t.Name
		}
		if t.Policy == "" && t.ceiling == nil {
			bad(f+".policy", "required: the tenant's ceiling policy file")
		}
		for n := range t.Policies {
			if !tenantName.MatchString(n) {
				bad(f+".policies."+n, "want a name of lower-case letters, digits, '.', '_' and '-', got %q", n)
			}
		}
		for _, q := range []struct {
			name string
			v    int
		}{{"concurrency", t.Concurrency}, {"queued", t.Queued}, {"runs_per_minute", t.RunsPerMinute}, {"burst", t.Burst}} {
			if q.v < 0 {
				bad(f+"."+q.name, "must be positive")
			}
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool {
			if errs[i].Line != errs[j].Line {
				return errs[i].Line < errs[j].Line
			}
			return errs[i].Column < errs[j].Column
		})
		return nil, errs
	}
	return c, nil
}

// path resolves p against the config file's folder.
func (c *Config) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(c.file), p)
}

// Tenant is a tenant ready to serve: its ceiling loaded.
type Tenant struct {
	TenantConfig
	Ceiling *policy.Policy
	// Offers are the policies a request may name (policy_name), each a
	// tightening of Ceiling.
	Offers         map[string]*policy.Policy
	callbackSecret []byte
}

// tenants loads every tenant's ceiling and callback secret. Each ceiling's
// audit section is made the service's: dir set to audit_dir, enabled.
func (c *Config) tenants() (map[string]*Tenant, map[[32]byte]*Tenant, error) {
	byName := map[string]*Tenant{}
	byToken := map[[32]byte]*Tenant{}
	var auditSec *policy.Audit
	for _, tc := range c.Tenants {
		pol := tc.ceiling
		if pol == nil {
			var err error
			if pol, err = policy.Load(c.path(tc.Policy)); err != nil {
				return nil, nil, fmt.Errorf("tenant %s: %w", tc.Name, err)
			}
		}
		if !pol.Audit.Enabled {
			return nil, nil, fmt.Errorf("tenant %s: policy %s turns the audit log off; the service records every run", tc.Name, tc.Policy)
		}
		pol.Audit.Dir = c.path(c.AuditDir)
		if auditSec == nil {
			a := pol.Audit
			auditSec = &a
		} else if !auditEqual(*auditSec, pol.Audit) {
			return nil, nil, fmt.Errorf("tenant %s: policy %s has another audit section than the first tenant's; every tenant's runs go to one log with one key and one fsync mode", tc.Name, tc.Policy)
		}
		offers, err := c.offers(tc, pol)
		if err != nil {
			return nil, nil, err
		}
		t := &Tenant{TenantConfig: tc, Ceiling: pol, Offers: offers}
		if tc.CallbackSecretFile != "" {
			b, err := os.ReadFile(c.path(tc.CallbackSecretFile))
			if err != nil {
				return nil, nil, fmt.Errorf("tenant %s: callback secret: %w", tc.Name, err)
			}
			if len(b) < 32 {
				return nil, nil, fmt.Errorf("tenant %s: callback secret %s holds %d bytes; use at least 32 random bytes", tc.Name, tc.CallbackSecretFile, len(b))
			}
			t.callbackSecret = b
		}
		byName[tc.Name] = t
		for _, h := range tc.TokenSHA256 {
			var k [32]byte
			if _, err := hex.Decode(k[:], []byte(h)); err != nil {
				return nil, nil, errors.New("token hash: " + err.Error())
			}
			byToken[k] = t
		}
	}
	return byName, byToken, nil
}

// offers loads the tenant's named policies; each gets the ceiling's audit
// section (one log) and must tighten the ceiling.
func (c *Config) offers(tc TenantConfig, ceiling *policy.Policy) (map[string]*policy.Policy, error) {
	out := map[string]*policy.Policy{}
	for name, p := range tc.offers {
		out[name] = p
	}
	for name, file := range tc.Policies {
		p, err := policy.Load(c.path(file))
		if err != nil {
			return nil, fmt.Errorf("tenant %s: policies.%s: %w", tc.Name, name, err)
		}
		out[name] = p
	}
	for name, p := range out {
		p.Audit = ceiling.Audit
		tp, err := policy.Tighten(ceiling, p)
		if err != nil {
			return nil, fmt.Errorf("tenant %s: policies.%s does not tighten the ceiling: %w", tc.Name, name, err)
		}
		out[name] = tp
	}
	return out, nil
}

func auditEqual(a, b policy.Audit) bool {
	return a.Dir == b.Dir && a.SigningKey == b.SigningKey && a.Fsync == b.Fsync && a.Witness == b.Witness &&
		a.RotateSize == b.RotateSize && a.RotateAge == b.RotateAge && a.CheckpointEvery == b.CheckpointEvery &&
		a.CheckpointInterval == b.CheckpointInterval
}

// TokenHash is the form a token is stored in: hex SHA-256.
func TokenHash(token string) string {
	s := sha256.Sum256([]byte(token))
	return hex.EncodeToString(s[:])
}
