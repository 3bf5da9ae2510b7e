package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"golang.org/x/term"
)

// connectTarget and connectInfo are the connect instructions, shared with
// the status page (connector/web/connect.go).
type connectTarget = web.ConnectTarget

func connectInfo(cfg *config.Config, listen string, hostname func() (string, error)) ([]connectTarget, []string) {
	return web.ConnectInfo(cfg, listen, hostname)
}

// writeConnect prints the block serve shows on a terminal and check prints.
func writeConnect(w io.Writer, targets []connectTarget, notes []string) {
	fmt.Fprintln(w, "Connect a SCIM client with:")
	for _, t := range targets {
		fmt.Fprintf(w, "  %s\n    %s: %s\n    auth: %s\n", t.Client, t.Field, t.URL, t.Auth)
		if t.Other != "" {
			fmt.Fprintf(w, "    %s\n", t.Other)
		}
	}
	for _, n := range notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// logConnect writes the same as log lines (the Windows Event Log and the
// journal are the only window into a service), and the block to stdout
// when that is a terminal.
func logConnect(log *slog.Logger, cfg *config.Config, listen string) {
	targets, notes := connectInfo(cfg, listen, os.Hostname)
	for _, t := range targets {
		log.Info("connect", "client", t.Client, "field", t.Field, "url", t.URL, "auth", t.Auth, "other", t.Other)
	}
	for _, n := range notes {
		log.Info("connect", "note", n)
	}
	if term.IsTerminal(int(os.Stdout.Fd())) {
		writeConnect(os.Stdout, targets, notes)
	}
}
