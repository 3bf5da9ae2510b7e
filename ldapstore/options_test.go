package ldapstore

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenValidates(t *testing.T) {
	badPEM := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(badPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := Options{URLs: []string{"ldap://127.0.0.1:1"}}
	tests := []struct {
		name string
		edit func(*Options)
	}{
		{"no urls", func(o *Options) { o.URLs = nil }},
		{"bad scheme", func(o *Options) { o.URLs = []string{"http://x"} }},
		{"ldapi", func(o *Options) { o.URLs = []string{"ldapi:///var/run/slapd/ldapi"} }},
		{"no host", func(o *Options) { o.URLs = []string{"ldap://"} }},
		{"base dn in url", func(o *Options) { o.URLs = []string{"ldap://h/dc=example,dc=com"} }},
		{"starttls on ldaps", func(o *Options) { o.URLs = []string{"ldaps://h"}; o.StartTLS = true }},
		{"dn without password", func(o *Options) { o.BindDN = "cn=admin,dc=example,dc=com" }},
		{"password without dn", func(o *Options) { o.BindPassword = "pw" }},
		{"bad bind dn", func(o *Options) { o.BindDN = "not a dn"; o.BindPassword = "pw" }},
		{"negative timeout", func(o *Options) { o.DialTimeout = -1 }},
		{"negative pool", func(o *Options) { o.PoolSize = -1 }},
		{"missing CA", func(o *Options) { o.CAFile = "/nonexistent/ca.pem" }},
		{"bad CA", func(o *Options) { o.CAFile = badPEM }},
	}
	for _, tt := range tests {
		o := ok
		tt.edit(&o)
		if s, err := Open(o); err == nil {
			s.Close()
			t.Errorf("%s: Open(%v) succeeded", tt.name, o)
		}
	}
	// A directory that is not there is no reason to refuse to open.
	s, err := Open(ok)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if s.opts.DialTimeout != DefaultDialTimeout || s.opts.RequestTimeout != DefaultRequestTimeout || s.opts.PoolSize != DefaultPoolSize {
		t.Errorf("defaults not applied: %v", s.opts)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Search(t.Context(), SearchRequest{}); !errors.Is(err, ErrClosed) || IsUnavailable(err) {
		t.Errorf("Search after Close = %v, want ErrClosed", err)
	}
}

func TestOpenURLs(t *testing.T) {
	s, err := Open(Options{URLs: []string{"ldap://h1", "ldaps://h2", "LDAP://[::1]:1389/", "ldaps://h3:1636"}, ServerName: ""})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := []struct {
		addr, name string
		tls        bool
	}{{"h1:389", "h1", false}, {"h2:636", "h2", true}, {"[::1]:1389", "::1", false}, {"h3:1636", "h3", true}}
	for i, w := range want {
		got := s.servers[i]
		if got.addr != w.addr || got.tls != w.tls || got.tlsc.ServerName != w.name {
			t.Errorf("URL %d: %+v, want %+v", i, got, w)
		}
	}
}

// The password must not leak through any way of printing Options.
func TestOptionsRedacted(t *testing.T) {
	const secret = "hunter2-very-secret"
	o := Options{URLs: []string{"ldap://h"}, BindDN: "cn=svc", BindPassword: secret}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("opening", "opts", o)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("opening", "opts", o)
	for _, out := range []string{fmt.Sprint(o), fmt.Sprintf("%v %+v %#v %s", o, o, o, o), fmt.Sprint(&o), logs.String()} {
		if strings.Contains(out, secret) {
			t.Errorf("password leaked: %s", out)
		}
	}
	// Nor through Open's errors.
	o.BindDN = "bad dn"
	if _, err := Open(o); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("Open error = %v", err)
	}
}
