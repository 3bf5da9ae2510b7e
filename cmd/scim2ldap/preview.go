package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

const previewUsage = `Usage: scim2ldap preview --config FILE [--entries FILE.ldif | --live] [REQUEST-FILE]

Prints the LDAP writes the bridge would send for one SCIM request, as LDIF
(passwords masked). REQUEST-FILE (default: standard input, also "-") is:

  PATCH /scim/v2/Users/2819c223-7f76-453a-919d-413861904646
  Content-Type: application/scim+json        (optional header lines)

  {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"], ...}

A path without the SCIM base path (/Users/…) gets server.basePath in front.

`

// preview runs one SCIM request through the real server (connector.New,
// the same handlers, mapping and PATCH code serve uses) on a dry-run store
// and prints, as LDIF, the writes it would send. Offline the store's reads
// come from an ldapstore.Memory (empty, or the entries of --entries); with
// --live they go to the directory, which is only read.
func previewCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("preview", previewUsage, stderr)
	path := fs.String("config", "scim2ldap.yaml", "configuration file (YAML)")
	entries := fs.String("entries", "", "LDIF file with the directory's current entries (as ldapsearch prints them, with entryUUID or the configured id attribute); default: an empty directory")
	live := fs.Bool("live", false, "read the current entries from the directory in ldap.urls (only reads; nothing is written)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *live && *entries != "" {
		fmt.Fprintln(stderr, "preview: --live and --entries exclude each other: either the directory or the file is the current state")
		return 2
	}
	in := stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "preview: %v\n", err)
			return 1
		}
		defer f.Close()
		in = f
	}
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintf(stderr, "config %s:\n%v\n", *path, err)
		return 1
	}
	req, err := parsePreviewRequest(in, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "preview: request: %v\n", err)
		return 2
	}
	// Warnings only: the unmapped attributes a request carries, config
	// warnings; the dry-run and audit lines would repeat the LDIF.
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	opts := connector.StoreOptions(cfg, log)
	opts.DryRun = true
	source := "live: current entries read from " + strings.Join(cfg.LDAP.URLs, ", ")
	if !*live {
		var list []*ldapstore.Entry
		source = "offline: an empty directory"
		if *entries != "" {
			f, err := os.Open(*entries)
			if err != nil {
				fmt.Fprintf(stderr, "preview: %v\n", err)
				return 1
			}
			list, err = ldapstore.ParseLDIF(f)
			f.Close()
			if err != nil {
				fmt.Fprintf(stderr, "preview: --entries %s: %v\n", *entries, err)
				return 1
			}
			source = fmt.Sprintf("offline: %d entries from %s", len(list), *entries)
		}
		opts.Memory = ldapstore.NewMemory(list)
	}
	store, err := ldapstore.Open(opts)
	if err != nil {
		fmt.Fprintf(stderr, "preview: ldap settings: %v\n", err)
		return 1
	}
	defer store.Close()
	// The request is handed to the handler in-process, so the listener's
	// authentication has nothing to check; turning it off keeps the
	// configured secrets out of this command entirely.
	cfg.Server.Auth = config.Auth{None: true}
	srv, err := connector.New(cfg, store, log)
	if err != nil {
		fmt.Fprintf(stderr, "config %s:\n%v\n", *path, err)
		return 1
	}
	secret := secretAttrs(cfg)
	j := &ldapstore.DryRunJournal{Secret: secret}
	req = req.WithContext(ldapstore.WithDryRunJournal(req.Context(), j))
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)

	fmt.Fprintf(stdout, "# scim2ldap preview: %s %s -> %d %s\n# %s\n", req.Method, req.URL.RequestURI(), rec.Code, http.StatusText(rec.Code), source)
	ops := j.Ops()
	if len(ops) == 0 {
		fmt.Fprintln(stdout, "# no LDAP writes")
	}
	for _, op := range ops {
		fmt.Fprintln(stdout)
		writeLDIFOp(stdout, op)
	}
	if rec.Code >= 400 {
		fmt.Fprintf(stderr, "preview: the bridge would answer %d: %s\n", rec.Code, scimDetail(rec.Body.Bytes()))
		return 1
	}
	return 0
}

// secretAttrs are the attributes whose values preview masks: the
// configured password attribute, userPassword and unicodePwd.
func secretAttrs(cfg *config.Config) func(string) bool {
	return func(a string) bool {
		return strings.EqualFold(a, "userPassword") || strings.EqualFold(a, "unicodePwd") ||
			cfg.Users.Password.Attribute != "" && strings.EqualFold(a, cfg.Users.Password.Attribute)
	}
}

// parsePreviewRequest reads "METHOD PATH", optional "Header: value" lines,
// a blank line (optional when the body starts with "{") and the body.
func parsePreviewRequest(r io.Reader, cfg *config.Config) (*http.Request, error) {
	br := bufio.NewReader(r)
	var first string
	for first == "" {
		l, err := br.ReadString('\n')
		first = strings.TrimSpace(l)
		if err != nil && first == "" {
			return nil, fmt.Errorf("empty; the first line is the method and path, e.g. POST /scim/v2/Users")
		}
		if strings.HasPrefix(first, "#") {
			first = ""
		}
	}
	method, target, ok := strings.Cut(first, " ")
	target = strings.TrimSpace(target)
	if !ok || target == "" || !strings.HasPrefix(target, "/") {
		return nil, fmt.Errorf("first line %q: write the method and the path, e.g. PATCH /scim/v2/Users/<id>", first)
	}
	if t, _, ok := strings.Cut(target, " HTTP/"); ok {
		target = t
	}
	method = strings.ToUpper(method)
	header := http.Header{}
	for {
		peek, _ := br.Peek(1)
		if len(peek) == 0 || peek[0] == '{' || peek[0] == '[' {
			break
		}
		l, err := br.ReadString('\n')
		l = strings.TrimSpace(l)
		if l == "" {
			break
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, fmt.Errorf("header line %q: write Name: value, or a blank line before the body", l)
		}
		header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
		if err != nil {
			break
		}
	}
	body, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	body = bytes.TrimSpace(body)
	if !hasBasePath(target, cfg) {
		target = strings.TrimSuffix(cfg.Server.BasePath, "/") + target
	}
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.RemoteAddr = "127.0.0.1:0"
	for k, v := range header {
		req.Header[k] = v
	}
	if req.Header.Get("Content-Type") == "" && len(body) > 0 {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	return req, nil
}

func hasBasePath(target string, cfg *config.Config) bool {
	for _, b := range append([]string{cfg.Server.BasePath}, cfg.Server.V1BasePaths...) {
		b = strings.TrimSuffix(b, "/")
		if b != "" && (target == b || strings.HasPrefix(target, b+"/") || strings.HasPrefix(target, b+"?")) {
			return true
		}
	}
	return false
}

// scimDetail is an error answer's detail, for the message on stderr.
func scimDetail(body []byte) string {
	var e struct {
		Detail   string `json:"detail"`
		ScimType string `json:"scimType"`
	}
	if json.Unmarshal(body, &e) != nil || e.Detail == "" {
		return strings.TrimSpace(string(body))
	}
	if e.ScimType != "" {
		return e.Detail + " (scimType " + e.ScimType + ")"
	}
	return e.Detail
}

// writeLDIFOp prints one pretended write as an LDIF change record
// (RFC 2849). A Password Modify extended operation has no LDIF form: it
// is printed as comments.
func writeLDIFOp(w io.Writer, op ldapstore.DryRunOp) {
	if op.Kind == "password" {
		fmt.Fprintf(w, "# Password Modify extended operation (RFC 3062); the directory hashes it\n# dn: %s\n# newPassword: %s\n", op.DN, ldapstore.Masked)
		return
	}
	ldifLine(w, "dn", op.DN)
	fmt.Fprintf(w, "changetype: %s\n", op.Kind)
	switch op.Kind {
	case "add":
		for _, n := range op.Names {
			for _, v := range op.Attrs[n] {
				ldifLine(w, n, v)
			}
		}
	case "modify":
		for _, c := range op.Changes {
			kind := map[ldapstore.ChangeOp]string{ldapstore.ChangeAdd: "add", ldapstore.ChangeDelete: "delete", ldapstore.ChangeReplace: "replace"}[c.Op]
			fmt.Fprintf(w, "%s: %s\n", kind, c.Attr)
			for _, v := range c.Values {
				ldifLine(w, c.Attr, v)
			}
			fmt.Fprintln(w, "-")
		}
	case "modrdn":
		ldifLine(w, "newrdn", op.NewRDN)
		fmt.Fprintln(w, "deleteoldrdn: 1")
	}
}

// ldifLine writes name: value, or name:: base64 for a value LDIF cannot
// carry as is (RFC 2849 SAFE-STRING).
func ldifLine(w io.Writer, name, value string) {
	if safeLDIF(value) {
		fmt.Fprintf(w, "%s: %s\n", name, value)
		return
	}
	fmt.Fprintf(w, "%s:: %s\n", name, base64.StdEncoding.EncodeToString([]byte(value)))
}

func safeLDIF(v string) bool {
	if v == "" {
		return true
	}
	if v[0] == ' ' || v[0] == ':' || v[0] == '<' || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\n' || c == '\r' || c > 127 {
			return false
		}
	}
	return true
}
