package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
)

const checkUsage = `Usage: scim2ldap check --config FILE [--url URL] [--token TOKEN] [--write-probe]

Checks what an installation needs, one line per step (PASS, FAIL, WARN or
SKIP; a FAIL says the cause and the fix), and exits 0 only if nothing
failed:

  config   the file loads and validates
  ldap     per URL: TCP reachability (bounded by ldap.dialTimeout), TLS
           handshake and certificate trust, bind as ldap.bindDN; then that
           users/groups base DNs exist, that the object classes and mapped
           attributes exist in the directory's schema (auxiliary classes
           of its DIT content rules included), that the id attribute is
           returned, that every user and group can be listed as an import
           lists them (a directory limit such as 389 DS's look-through
           limit fails here, named); with --write-probe also creates a test
           user in users.createDN the way the bridge does, and deletes it
  scim     against a running bridge (--url, default from server.listen and
           server.basePath): replays Okta's "Test Connector Configuration"
           and "Test API Credentials" requests and checks the answers; it
           recognises a base URL ending in /Users, a missing /v2, a token
           pasted with "Bearer ", and an HTML page from a proxy

Without --url the scim steps are skipped when nothing listens at the
configured address (run check again once the bridge is started).

Flags:
`

func check(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", checkUsage, stderr)
	path := fs.String("config", "scim2ldap.yaml", "configuration file (YAML)")
	url := fs.String("url", "", "SCIM base URL of a running bridge, as given to the client (default: from server.listen and server.basePath)")
	token := fs.String("token", "", "token to authenticate with (default: the first of server.auth.bearerTokens); prefer the SCIM2LDAP_CHECK_TOKEN environment variable, which other users cannot see")
	writeProbe := fs.Bool("write-probe", false, "also create and delete a test entry in users.createDN")
	timeout := fs.Duration("timeout", 10*time.Second, "bound of each SCIM request")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	r := &report{w: stdout}
	cfg, err := config.Load(*path)
	if err != nil {
		r.fail("config "+*path, oneLine(err.Error()), "correct each setting named (YAML path and line), then run check again")
		return r.exit()
	}
	r.pass("config "+*path, "valid")
	for _, w := range cfg.Warnings() {
		r.warn("config", w)
	}
	ctx := context.Background()
	checkLDAP(ctx, r, cfg, *writeProbe)
	checkSCIM(ctx, r, cfg, scimTarget{url: *url, token: cmp.Or(*token, envToken()), timeout: *timeout})
	// The URLs serve logs at start-up, for the admin who runs check first.
	targets, notes := connectInfo(cfg, cfg.Server.Listen, os.Hostname)
	writeConnect(stdout, targets, notes)
	return r.exit()
}

// report prints one line per step.
type report struct {
	w      io.Writer
	failed int
}

func (r *report) pass(step, detail string) { fmt.Fprintf(r.w, "PASS %s: %s\n", step, detail) }
func (r *report) warn(step, detail string) { fmt.Fprintf(r.w, "WARN %s: %s\n", step, detail) }
func (r *report) skip(step, why string)    { fmt.Fprintf(r.w, "SKIP %s: %s\n", step, why) }

func (r *report) fail(step, cause, fix string) {
	r.failed++
	fmt.Fprintf(r.w, "FAIL %s: %s. Fix: %s\n", step, strings.TrimSuffix(cause, "."), fix)
}

func (r *report) exit() int {
	if r.failed > 0 {
		fmt.Fprintf(r.w, "%d check(s) failed\n", r.failed)
		return 1
	}
	fmt.Fprintln(r.w, "all checks passed")
	return 0
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// isRefused: nothing listens at the address. Windows reports WSAECONNREFUSED,
// which is not syscall.ECONNREFUSED there, in words.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(err.Error(), "actively refused")
}
