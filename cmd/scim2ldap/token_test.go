package main

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"golang.org/x/crypto/bcrypt"
)

// TestToken: a bearer token is 256 random bits, different each time, and
// the YAML lines printed load as a configuration that accepts it; Basic
// credentials come with a bcrypt hash that verifies the password.
func TestToken(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"bearer", nil, 0, []string{"Header Value: Bearer ", "Secret Token: ", `- "${SCIM2LDAP_TOKEN}"`, "SCIM2LDAP_TOKEN="}},
		{"basic", []string{"--basic", "okta"}, 0, []string{"user:     okta", "passwordHash: '$2a$", "Basic Auth; Username: okta", "only a bearer token"}},
		{"basic user with a colon", []string{"--basic", "ok:ta"}, 1, []string{"colon"}},
		{"basic user with a space", []string{"--basic", "ok ta"}, 1, []string{"spaces"}},
		{"stray argument", []string{"extra"}, 2, []string{"unexpected arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"token"}, tt.args...), &out, &errb)
			all := out.String() + errb.String()
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, all)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
		})
	}
}

var secretLine = regexp.MustCompile(`(?m)^  ([A-Za-z0-9_-]{20,})$`)

func TestTokenDecodesTo32Bytes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		var out, errb bytes.Buffer
		if code := run([]string{"token"}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		m := secretLine.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("no token line in:\n%s", out.String())
		}
		tok := m[1]
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) != 32 {
			t.Errorf("token %q decodes to %d bytes (%v), want 32", tok, len(raw), err)
		}
		if seen[tok] {
			t.Errorf("token %q came twice", tok)
		}
		seen[tok] = true
		// Every place the token is shown is the same token.
		if n := strings.Count(out.String(), tok); n != 5 {
			t.Errorf("token shown %d times, want 5 (alone, env line, 2× Okta, Entra)", n)
		}
		// The configuration lines, with the variable set, accept it.
		t.Setenv("SCIM2LDAP_TOKEN", tok)
		cfg, err := config.Parse([]byte(yamlBlock(t, out.String())+"ldap:\n  urls: [ldap://127.0.0.1]\nusers:\n  baseDN: ou=People,dc=example,dc=com\n"), "token lines")
		if err != nil {
			t.Fatalf("the printed lines do not load: %v", err)
		}
		if len(cfg.Server.Auth.BearerTokens) != 1 || cfg.Server.Auth.BearerTokens[0] != tok {
			t.Errorf("bearerTokens = %d entries, want the token", len(cfg.Server.Auth.BearerTokens))
		}
	}
}

func TestTokenBasicHashVerifies(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"token", "--basic", "okta-agent"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	m := regexp.MustCompile(`(?m)^  password: (\S+)$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no password line in:\n%s", out.String())
	}
	pw := m[1]
	if raw, err := base64.RawURLEncoding.DecodeString(pw); err != nil || len(raw) != basicPasswordBytes {
		t.Errorf("password decodes to %d bytes (%v)", len(raw), err)
	}
	cfg, err := config.Parse([]byte(yamlBlock(t, out.String())+"ldap:\n  urls: [ldap://127.0.0.1]\nusers:\n  baseDN: ou=People,dc=example,dc=com\n"), "token lines")
	if err != nil {
		t.Fatalf("the printed lines do not load: %v", err)
	}
	b := cfg.Server.Auth.Basic
	if len(b) != 1 || b[0].Username != "okta-agent" {
		t.Fatalf("basic = %+v", b)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(b[0].PasswordHash), []byte(pw)); err != nil {
		t.Errorf("the hash does not verify the password: %v", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(b[0].PasswordHash), []byte(pw+"x")) == nil {
		t.Error("the hash verifies another password")
	}
}

// yamlBlock is the printed configuration snippet: the lines from
// "   server:" to the next blank line, with their common indent removed.
func yamlBlock(t *testing.T, out string) string {
	t.Helper()
	start := strings.Index(out, "   server:\n")
	if start < 0 {
		t.Fatalf("no server: block in:\n%s", out)
	}
	block, _, _ := strings.Cut(out[start:], "\n\n")
	var b strings.Builder
	for _, l := range strings.Split(block, "\n") {
		b.WriteString(strings.TrimPrefix(l, "   "))
		b.WriteByte('\n')
	}
	return b.String()
}
