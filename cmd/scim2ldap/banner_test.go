package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
)

// TestConnectInfo: the URLs each client is given, per listener shape.
func TestConnectInfo(t *testing.T) {
	host := func() (string, error) { return "scim.corp.local", nil }
	tests := []struct {
		name     string
		yaml     string // added to a minimal configuration
		https    bool   // server.tls set (its files are not read here)
		listen   string
		hostname func() (string, error)
		want     []string // agent 1.1, agent 2.0, Okta app, Entra
		notes    []string // substrings of the notes
		auth     []string // substrings of the auth texts
	}{
		{name: "every interface, HTTPS", listen: "0.0.0.0:8443", hostname: host,
			https: true,
			want: []string{"https://scim.corp.local:8443/scim/v1/", "https://scim.corp.local:8443/scim/v2/",
				"https://scim.corp.local:8443/scim/v2", "https://scim.corp.local:8443/scim/v2?aadOptscim062020"},
			auth: []string{`"Bearer <token>"`, `without "Bearer "`}},
		{name: "IPv6 any, plain HTTP", listen: "[::]:8080", hostname: host,
			want:  []string{"http://scim.corp.local:8080/scim/v1/", "http://scim.corp.local:8080/scim/v2/", "http://scim.corp.local:8080/scim/v2", "http://scim.corp.local:8080/scim/v2?aadOptscim062020"},
			notes: []string{"only over HTTPS"}},
		{name: "empty host", listen: ":9000", hostname: host,
			want: []string{"http://scim.corp.local:9000/scim/v1/", "http://scim.corp.local:9000/scim/v2/", "http://scim.corp.local:9000/scim/v2", "http://scim.corp.local:9000/scim/v2?aadOptscim062020"}},
		{name: "loopback", listen: "127.0.0.1:8080", hostname: host,
			want:  []string{"http://127.0.0.1:8080/scim/v1/", "http://127.0.0.1:8080/scim/v2/", "http://127.0.0.1:8080/scim/v2", "http://127.0.0.1:8080/scim/v2?aadOptscim062020"},
			notes: []string{"is loopback: only a client on this machine"}},
		{name: "IPv6 loopback", listen: "[::1]:8080", hostname: host,
			want:  []string{"http://[::1]:8080/scim/v1/", "http://[::1]:8080/scim/v2/", "http://[::1]:8080/scim/v2", "http://[::1]:8080/scim/v2?aadOptscim062020"},
			notes: []string{"is loopback"}},
		{name: "a given address", listen: "10.1.2.3:8443", hostname: host,
			want: []string{"http://10.1.2.3:8443/scim/v1/", "http://10.1.2.3:8443/scim/v2/", "http://10.1.2.3:8443/scim/v2", "http://10.1.2.3:8443/scim/v2?aadOptscim062020"}},
		{name: "no host name", listen: "0.0.0.0:8443", hostname: func() (string, error) { return "", errors.New("no") },
			want:  []string{"http://<this host's name>:8443/scim/v1/", "http://<this host's name>:8443/scim/v2/", "http://<this host's name>:8443/scim/v2", "http://<this host's name>:8443/scim/v2?aadOptscim062020"},
			notes: []string{"could not read this host's name"}},
		{name: "own base path, SCIM 2.0 only", listen: "0.0.0.0:443", hostname: host,
			yaml: "  basePath: /api/scim/\n  v1BasePaths: []\n",
			want: []string{"http://scim.corp.local:443/api/scim/", "http://scim.corp.local:443/api/scim", "http://scim.corp.local:443/api/scim?aadOptscim062020"}},
		{name: "Basic only", listen: "0.0.0.0:8443", hostname: host,
			yaml: "  auth:\n    basic:\n      - username: okta\n        password: basic-pass-value\n",
			want: []string{"http://scim.corp.local:8443/scim/v1/", "http://scim.corp.local:8443/scim/v2/", "http://scim.corp.local:8443/scim/v2", "http://scim.corp.local:8443/scim/v2?aadOptscim062020"},
			auth: []string{"Basic Auth as okta", "needs a bearer token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := "  auth:\n    bearerTokens: [secret-token-value]\n"
			if strings.Contains(tt.yaml, "auth:") {
				auth = ""
			}
			cfg, err := config.Parse([]byte("server:\n"+auth+tt.yaml+"ldap:\n  urls: [ldap://127.0.0.1]\nusers:\n  baseDN: ou=People,dc=example,dc=com\n"), tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if tt.https {
				cfg.Server.TLS.CertFile, cfg.Server.TLS.KeyFile = "c.pem", "k.pem"
			}
			targets, notes := connectInfo(cfg, tt.listen, tt.hostname)
			var got []string
			for _, c := range targets {
				got = append(got, c.URL)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("URLs\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			var b bytes.Buffer
			writeConnect(&b, targets, notes)
			for _, n := range append(tt.notes, tt.auth...) {
				if !strings.Contains(b.String(), n) {
					t.Errorf("block lacks %q:\n%s", n, b.String())
				}
			}
			for _, secret := range []string{"secret-token-value", "basic-pass-value"} {
				if strings.Contains(b.String(), secret) {
					t.Errorf("the block shows a secret:\n%s", b.String())
				}
			}
		})
	}
}
