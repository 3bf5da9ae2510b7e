// Command scim2ldap is a SCIM 2.0 (and Okta SCIM 1.1) server that writes
// users and groups into an LDAP directory.
//
//	scim2ldap serve --config FILE   run in the foreground
//	scim2ldap version               print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `scim2ldap — SCIM to LDAP bridge

Usage:
  scim2ldap serve --config FILE   serve SCIM in the foreground (SIGTERM/SIGINT stop it)
  scim2ldap version               print the version

Run "scim2ldap <command> --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "scim2ldap %s\n", version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return 2
}

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "scim2ldap.yaml", "configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintf(stderr, "config %s:\n%v\n", *path, err)
		return 1
	}
	log := newLogger(cfg.Log, stderr)
	store, err := ldapstore.Open(ldapOptions(cfg, log))
	if err != nil {
		log.Error("ldap settings", "err", err)
		return 1
	}
	defer store.Close()
	srv, err := connector.New(cfg, store, log)
	if err != nil {
		fmt.Fprintf(stderr, "config %s:\n%v\n", *path, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The bridge starts even when the directory is down (it reconnects by
	// itself), but says so at once.
	if err := store.Ping(ctx); err != nil {
		log.Warn("directory not reachable yet; requests fail until it is", "err", err)
	}
	log.Info("serving SCIM", "listen", cfg.Server.Listen, "base", cfg.Server.BasePath, "tls", cfg.Server.TLS.CertFile != "", "version", version)
	if err := srv.ListenAndServe(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(c.Level)))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(connector.LogHandler(h))
}

func ldapOptions(cfg *config.Config, log *slog.Logger) ldapstore.Options {
	l := cfg.LDAP
	return ldapstore.Options{
		URLs: l.URLs, BindDN: l.BindDN, BindPassword: l.BindPassword,
		StartTLS: l.StartTLS, CAFile: l.CAFile, ServerName: l.ServerName, InsecureSkipVerify: l.InsecureSkipVerify,
		DialTimeout: l.DialTimeout, RequestTimeout: l.RequestTimeout, PoolSize: l.PoolSize,
		Logger: log,
	}
}
