// Command scim2ldap is a SCIM 2.0 (and Okta SCIM 1.1) server that writes
// users and groups into an LDAP directory.
//
//	scim2ldap init --ldap-url URL --bind-dn DN --out FILE   write a configuration for a directory
//	scim2ldap token [--basic USER]              make a client credential
//	scim2ldap preview --config FILE [REQUEST]   print the LDIF a SCIM request would write
//	scim2ldap serve --config FILE [--dry-run]   run in the foreground (or under a service manager)
//	scim2ldap check --config FILE [--url URL]   diagnose the directory and a running bridge
//	scim2ldap service install|uninstall|start|stop|status --config FILE
//	scim2ldap version                           print the version
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

// version is set at build time with -ldflags "-X main.version=…"; without
// it, buildVersion reads what the Go toolchain stamped into the binary, so
// a bug report from "scim2ldap version" still names the commit.
var version = buildVersion("dev")

const usage = `scim2ldap — SCIM to LDAP bridge

Usage:
  scim2ldap init --ldap-url URL --bind-dn DN --out FILE
                                                read the directory (only read) and write a configuration for it
  scim2ldap token [--basic USER]                make a bearer token (or Basic credentials) and say where it goes
  scim2ldap preview --config FILE [--entries FILE.ldif | --live] [REQUEST-FILE]
                                                print, as LDIF, the LDAP writes one SCIM request would send
  scim2ldap serve --config FILE [--dry-run]     serve SCIM (SIGTERM/SIGINT stop it, SIGHUP reloads)
  scim2ldap check --config FILE [--url URL] [--write-probe]
                                                check the configuration, the directory and a running bridge
  scim2ldap service install|uninstall|start|stop|status --config FILE
                                                run as a Windows service or systemd unit
  scim2ldap version                             print the version

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
	case "init":
		return initCmd(args[1:], stdout, stderr)
	case "token":
		return tokenCmd(args[1:], stdout, stderr)
	case "serve":
		return serve(args[1:], stderr)
	case "preview":
		return previewCmd(args[1:], os.Stdin, stdout, stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "service":
		return serviceCmd(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "scim2ldap %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
	return 2
}

// newLogger builds the process logger; level is shared so that a reload
// (SIGHUP) can change log.level without rebuilding handlers.
func newLogger(c config.Log, w io.Writer, level *slog.LevelVar) *slog.Logger {
	level.Set(parseLevel(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(web.LogHandler(h))
}

func parseLevel(s string) slog.Level {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(s)))
	return level
}

// newFlags is a subcommand's flag set: errors, and on -h the usage text
// followed by the flags, go to stderr.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; when it fails, ok is false and code is the exit
// code: 0 for -h (usage asked for), 2 for a wrong flag (flag printed why).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}
