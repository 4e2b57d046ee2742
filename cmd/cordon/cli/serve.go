package cli

// `cordon serve`: the HTTP service (package server). SIGTERM or SIGINT
// stops it gracefully; SIGHUP reloads the config's tenants (tokens,
// quotas, ceilings) without dropping runs.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/cordonsec/cordon/mcp"
	"github.com/cordonsec/cordon/policy"
	"github.com/cordonsec/cordon/server"
)

const serveUsage = `Usage:
    cordon serve --config FILE [--listen ADDR]
    cordon serve --new-token

Serves the HTTP API (docs/server.md; OpenAPI at /v1/openapi.json): tenants
with bearer tokens, each with a ceiling policy, a concurrency quota, a
queued-runs quota and a rate limit; runs queued for a fixed number of
workers; 429 and 503 with Retry-After when full; server-sent events of a
run's output; an audit inclusion proof with every result; the MCP tools
(as cordon mcp) over streamable HTTP at /mcp, with the same tokens.

SIGTERM stops accepting runs, lets running ones finish until
shutdown_timeout, cancels the rest, writes their audit end records and a
final checkpoint. SIGHUP reloads the tenants from the config.

Flags:
    --config FILE  the service's config (YAML; see docs/server.md)
    --listen ADDR  listen here instead of the config's listen
    --new-token    print a fresh bearer token and the SHA-256 to put in
                   the config's token_sha256, and exit

Examples:
    cordon serve --new-token
    cordon serve --config /etc/cordon/server.yaml
    curl -H "Authorization: Bearer $TOKEN" -d '{"source":"print(1)"}' \
        'http://127.0.0.1:8080/v1/runs?wait=30'
`

func init() {
	register(&command{
		name:    "serve",
		summary: "serve the HTTP API",
		run:     runServe,
	})
}

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "serve", serveUsage)
	configFile := fs.String("config", "", "config file")
	listen := fs.String("listen", "", "listen address")
	newToken := fs.Bool("new-token", false, "print a new token")
	if ok, err := fs.parseNoArgs(args); !ok {
		return err
	}
	if *newToken {
		tok, hash := server.NewToken()
		fmt.Fprintf(env.Stdout, "token:        %s\ntoken_sha256: %s\n", tok, hash)
		return nil
	}
	if *configFile == "" {
		return usagef("serve", "no --config given")
	}
	cfg, err := server.LoadConfig(*configFile)
	if err != nil {
		var pe policy.Errors
		if !errors.As(err, &pe) {
			return withHint(err, "docs/server.md describes every key of the config")
		}
		for _, e := range pe {
			errorf(env, "%v", e)
		}
		hintf(env, "docs/server.md describes every key of the config")
		return exitCode(1)
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, nil))
	srv, err := server.New(cfg, logger)
	if err != nil {
		return err
	}
	// The MCP tools over streamable HTTP, beside the API (docs/clients.md).
	srv.Mount("/mcp", mcp.NewHTTPHandler(srv, mcp.Options{Version: Version}))
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		_ = srv.Shutdown(context.Background())
		return err
	}
	hs := srv.HTTPServer()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			c, err := server.LoadConfig(*configFile)
			if err == nil {
				err = srv.Reload(c)
			}
			if err != nil {
				logger.Error("reload refused; the previous tenants stay", "err", err)
				continue
			}
			logger.Info("reloaded tenants", "config", *configFile)
		}
	}()
	errc := make(chan error, 1)
	go func() {
		logger.Info("serving", "addr", ln.Addr().String(), "tls", cfg.TLS.Cert != "")
		if cfg.TLS.Cert != "" {
			errc <- hs.ServeTLS(ln, cfg.TLSFile(cfg.TLS.Cert), cfg.TLSFile(cfg.TLS.Key))
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		_ = srv.Shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "deadline", cfg.ShutdownTimeout.D().String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout.D())
	defer cancel()
	// Runs first (their waiting clients still get answers), then the
	// listener.
	err = srv.Shutdown(sctx)
	hctx, hcancel := context.WithTimeout(context.Background(), 5e9)
	defer hcancel()
	_ = hs.Shutdown(hctx)
	if err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
