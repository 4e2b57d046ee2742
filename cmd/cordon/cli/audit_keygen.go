package cli

// `cordon audit keygen`: a new checkpoint signing key (0600) and its
// verifier key, which auditors pin.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cordonsec/cordon/audit"
)

const auditKeygenUsage = `Usage:
    cordon audit keygen [--dir DIR] [--name NAME] [--key FILE] [--pub FILE]

Writes a new Ed25519 checkpoint signing key (mode 0600, never overwriting
a file) and its verifier key, and prints the verifier key. Give the
verifier key to whoever checks the log (verify --key, check-proof --key):
a verifier that trusts only the log's own copy can be fooled by someone
who re-signs the log with a key of their own.

Flags:
    --dir DIR    the log dir; the key goes to DIR/checkpoint.key (default: the default log dir)
    --name NAME  key name and checkpoint origin (default: cordon.audit/<hostname>)
    --key FILE   where to write the signing key (default: DIR/checkpoint.key)
    --pub FILE   where to write the verifier key (default: the key file with .pub)

Examples:
    cordon audit keygen
    cordon audit keygen --name cordon.audit/ci-1 --key /etc/cordon/audit.key
`

func init() {
	registerAudit("keygen", "create a checkpoint signing key and its verifier key", runAuditKeygen)
}

func runAuditKeygen(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "audit keygen", auditKeygenUsage)
	dir := fs.dirFlag()
	name := fs.String("name", "", "key name")
	key := fs.String("key", "", "signing key file")
	pub := fs.String("pub", "", "verifier key file")
	if ok, err := fs.parseNoArgs(args); !ok {
		return err
	}
	if *dir == "" {
		*dir = audit.DefaultDir()
	}
	if *key == "" {
		*key = filepath.Join(*dir, "checkpoint.key")
	}
	if *pub == "" {
		*pub = strings.TrimSuffix(*key, ".key") + ".pub"
	}
	if *name == "" {
		host, _ := os.Hostname()
		if host == "" {
			host = "localhost"
		}
		*name = "cordon.audit/" + host
	}
	vkey, err := audit.GenerateKey(*name, *key, *pub)
	if err != nil {
		return withHint(err, "keygen never overwrites a key; move the old one away first if you mean to replace it")
	}
	fmt.Fprintln(env.Stdout, vkey)
	infof(env, "signing key %s (keep it private), verifier key %s", *key, *pub)
	return nil
}
