package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
	"github.com/scim2ldap/scim2ldap/internal/testbridge"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

const checkToken = "check-token-4711"

// writeConfig writes examples/openldap.yaml with the replacements (old,
// new pairs) into a temp file, for a directory at ldapURL and a bridge at
// listen.
func writeConfig(t *testing.T, ldapURL, listen string, replace ...string) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/openldap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	replace = append(replace,
		"${SCIM2LDAP_LDAP_URL:-ldap://127.0.0.1:3389}", ldapURL,
		"${SCIM2LDAP_LISTEN:-127.0.0.1:8080}", listen,
		"${SCIM2LDAP_TOKEN:-demo-token-change-me}", checkToken)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("examples/openldap.yaml has no %q", replace[i])
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	path := filepath.Join(t.TempDir(), "scim2ldap.yaml")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startBridge serves the configuration at path in-process until the test
// ends.
func startBridge(t *testing.T, path string) {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	store, err := ldapstore.Open(connector.StoreOptions(cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := connector.New(cfg, store, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-registered first: the server stops before the
	// store closes.
	t.Cleanup(func() { store.Close() })
	testbridge.Serve(t, srv)
}

func runCheck(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"check"}, args...), &out, &errb)
	t.Logf("check %s → %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	return code, out.String() + errb.String()
}

func TestCheck(t *testing.T) {
	dir := testldap.Start(t)
	listen := testldap.FreeAddr(t)
	healthy := writeConfig(t, dir.URL, listen)
	startBridge(t, healthy)
	bridge := "http://" + listen + "/scim/v2/"

	// The bridge over HTTPS with the test bed's self-signed certificate,
	// which this machine does not trust.
	tlsListen := testldap.FreeAddr(t)
	tlsBridge := writeConfig(t, dir.URL, tlsListen, "  # tls:\n  #   certFile: /etc/scim2ldap/tls.crt\n  #   keyFile: /etc/scim2ldap/tls.key\n",
		"  tls:\n    certFile: "+dir.CAFile+"\n    keyFile: "+filepath.Join(dir.Dir, "tls.key")+"\n")
	startBridge(t, tlsBridge)

	// A directory that accepts TCP but never answers: what a hung server
	// (or a middlebox that swallows the bind) looks like.
	hung := testldap.Start(t)

	tests := []struct {
		name     string
		config   string
		args     []string
		pause    bool
		wantCode int
		want     []string // substrings of the output
		never    []string
	}{
		{name: "healthy directory and bridge", config: healthy, args: []string{"--write-probe"}, wantCode: 0,
			want: []string{"PASS ldap bind", "PASS ldap users.baseDN", "PASS ldap schema attributes", "PASS ldap users.idAttribute: entryUUID",
				"PASS ldap write probe: created and deleted uid=scim2ldap-check-", "PASS scim GET /ServiceProviderConfig",
				"PASS scim GET /Users?startIndex=1&count=2", "PASS scim auth", "all checks passed"},
			never: []string{"FAIL", "WARN", checkToken, dir.BindPassword + "\n"}},
		// Config warnings do not fail the check, but each is a WARN line
		// that names the setting and the fix.
		{name: "insecureSkipVerify", config: writeConfig(t, dir.LDAPSURL, listen, "ldap:\n  urls:", "ldap:\n  insecureSkipVerify: true\n  urls:"), wantCode: 0,
			want: []string{"WARN config: ldap.insecureSkipVerify: true", "NOT verified", "set ldap.caFile", "PASS ldap tls", "all checks passed"}},
		// 0.0.0.0 is not a loopback address to the config, so the warning
		// fires, yet Linux delivers a connection to it on this machine.
		{name: "plain LDAP with a password to another host", config: writeConfig(t, strings.Replace(dir.URL, "127.0.0.1", "0.0.0.0", 1), listen), wantCode: 0,
			want:  []string{"WARN config: ldap.urls[0]: ldap://0.0.0.0:", "in clear text", "use ldaps:// or set ldap.startTLS: true", "PASS ldap bind", "all checks passed"},
			never: []string{dir.BindPassword + "\n"}},
		{name: "wrong bind password", config: writeConfig(t, dir.URL, listen, `"${SCIM2LDAP_BIND_PASSWORD:-admin}"`, "Wr0ng-Secret-99"), wantCode: 1,
			want:  []string{"FAIL ldap bind", "rejected the credentials", "ldap.bindPassword", "SKIP ldap directory checks"},
			never: []string{"Wr0ng-Secret-99"}},
		{name: "unreachable URL", config: writeConfig(t, "ldap://"+testldap.FreeAddr(t), listen), wantCode: 1,
			want: []string{"FAIL ldap connect", "could not connect", "connection refused"}},
		{name: "directory does not answer", config: writeConfig(t, hung.URL, listen, "ldap:\n  urls:", "ldap:\n  dialTimeout: 1s\n  urls:"), pause: true, wantCode: 1,
			want: []string{"PASS ldap connect", "FAIL ldap bind", "timed out", "within ldap.dialTimeout 1s"}},
		{name: "ldaps with an untrusted certificate", config: writeConfig(t, dir.LDAPSURL, listen), wantCode: 1,
			want: []string{"PASS ldap connect", "FAIL ldap tls", "not trusted", "ldap.caFile"}},
		{name: "ldaps with caFile", config: writeConfig(t, dir.LDAPSURL, listen, "ldap:\n  urls:", "ldap:\n  caFile: "+dir.CAFile+"\n  urls:"), wantCode: 0,
			want: []string{"PASS ldap tls", "trusted, valid until", "PASS ldap bind"}},
		{name: "StartTLS with caFile", config: writeConfig(t, dir.URL, listen, "ldap:\n  urls:", "ldap:\n  startTLS: true\n  caFile: "+dir.CAFile+"\n  urls:"), wantCode: 0,
			want: []string{"PASS ldap tls", "PASS ldap bind"}},
		{name: "ldaps URL on the plain port", config: writeConfig(t, strings.Replace(dir.URL, "ldap://", "ldaps://", 1), listen), wantCode: 1,
			want: []string{"FAIL ldap tls", "does not speak TLS"}},
		{name: "missing base DN", config: writeConfig(t, dir.URL, listen, "baseDN: ou=People,dc=example,dc=com", "baseDN: ou=Staff,dc=example,dc=com"), wantCode: 1,
			want:  []string{"FAIL ldap users.baseDN: ou=Staff,dc=example,dc=com does not exist", "dc=example,dc=com", "PASS ldap groups.baseDN", "SKIP ldap users import"},
			never: []string{"FAIL ldap users import"}},
		{name: "unknown mapped attribute", config: writeConfig(t, dir.URL, listen, "ldap: ou\n", "ldap: departmentNam\n"), wantCode: 1,
			want: []string{"FAIL ldap schema attributes", "departmentNam (users.attributes[12].ldap)"}},
		// A class whose required attributes the mapping does not write:
		// the probe leaves them out, as a SCIM create would, and names them.
		{name: "write probe: required attributes not mapped", config: writeConfig(t, dir.URL, listen,
			"objectClasses: [top, person, organizationalPerson, inetOrgPerson]", "objectClasses: [top, person, organizationalPerson, inetOrgPerson, posixAccount]"),
			args: []string{"--write-probe"}, wantCode: 1,
			want:  []string{"FAIL ldap write probe", "Object Class Violation", "require gidNumber, homeDirectory, uidNumber, which the mapping does not write", "default:"},
			never: []string{"grant the service account write access"}},
		{name: "base URL ending in /Users", config: healthy, args: []string{"--url", bridge + "Users"}, wantCode: 1,
			want: []string{"FAIL scim base URL", "ends in /Users", "use " + bridge, "PASS scim GET /Users?startIndex=1&count=2"}},
		{name: "token pasted with Bearer", config: healthy, args: []string{"--url", bridge, "--token", "Bearer " + checkToken}, wantCode: 0,
			want: []string{"WARN scim auth", "starts with \"Bearer \"", "PASS scim auth"}},
		{name: "wrong token", config: healthy, args: []string{"--url", bridge, "--token", "not-the-token"}, wantCode: 1,
			want: []string{"FAIL scim GET /ServiceProviderConfig: 401 Unauthorized"}, never: []string{"not-the-token"}},
		{name: "SCIM 1.1 base URL", config: healthy, args: []string{"--url", "http://" + listen + "/scim/"}, wantCode: 0,
			want: []string{"SCIM 1.1", "PASS scim GET /ServiceProviderConfigs", "PASS scim GET /Users?startIndex=1&count=2"}},
		// At the configured address an untrusted certificate is a warning
		// (clients may trust what this machine does not); the probes go on.
		{name: "bridge certificate not trusted, no --url", config: tlsBridge, wantCode: 0,
			want:  []string{"WARN scim tls " + tlsListen, "not trusted", "PASS scim GET /ServiceProviderConfig", "all checks passed"},
			never: []string{"PASS scim tls"}},
		{name: "bridge certificate not trusted, --url", config: tlsBridge, args: []string{"--url", "https://" + tlsListen + "/scim/v2/"}, wantCode: 1,
			want: []string{"FAIL scim tls " + tlsListen, "not trusted", "import it into every client", "PASS scim GET /ServiceProviderConfig"}},
		{name: "bridge not running, no --url", config: writeConfig(t, dir.URL, testldap.FreeAddr(t)), wantCode: 0,
			want: []string{"SKIP scim: nothing listens at"}},
		{name: "bridge not running, --url", config: healthy, args: []string{"--url", "http://" + testldap.FreeAddr(t) + "/scim/v2/"}, wantCode: 1,
			want: []string{"FAIL scim connect", "connection refused"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.pause {
				if err := hung.Pause(); err != nil {
					t.Fatal(err)
				}
				defer hung.Resume()
			}
			code, out := runCheck(t, append([]string{"--config", tc.config}, tc.args...)...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d", code, tc.wantCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(out, n) {
					t.Errorf("output contains %q", n)
				}
			}
		})
	}
}

// TestCheckRecognisesSeedMistakes points check at what an admin may paste
// instead of the bridge's SCIM root: an HTML page from a proxy, and a URL
// without /v2 on a bridge that serves SCIM 2.0 only.
func TestCheckRecognisesSeedMistakes(t *testing.T) {
	dir := testldap.Start(t)
	listen := testldap.FreeAddr(t)
	v2only := writeConfig(t, dir.URL, listen, "basePath: /scim/v2\n", "basePath: /scim/v2\n  v1BasePaths: []\n")
	startBridge(t, v2only)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<!DOCTYPE html><html><head><title>Corporate Login\n Portal</title></head><body>Sign in</body></html>"))
	}))
	t.Cleanup(proxy.Close)

	tests := []struct {
		name string
		url  string
		want []string
	}{
		{"HTML from a proxy", proxy.URL + "/scim/v2/", []string{"FAIL scim GET /ServiceProviderConfig: got an HTML page (HTTP 200, title \"Corporate Login Portal\")", "proxy"}},
		{"missing /v2", "http://" + listen + "/scim/", []string{"FAIL scim GET /ServiceProviderConfigs: 404", "misses /v2: use http://" + listen + "/scim/v2/"}},
		{"not the SCIM root", "http://" + listen + "/api/", []string{"WARN scim base URL", "FAIL scim GET /ServiceProviderConfigs: 404"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runCheck(t, "--config", v2only, "--url", tc.url)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
		})
	}
}

// TestExpiryWarning: check warns about the bridge's and the directory's
// certificates within certWarning of their end, and says when one is over.
func TestExpiryWarning(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		notAfter time.Time
		want     string
	}{
		{time.Time{}, ""},
		{now.Add(certWarning + time.Hour), ""},
		{now.Add(3*24*time.Hour + time.Hour), "the bridge's certificate expires in 3 days (2026-11-26)"},
		{now.Add(-time.Hour), "the bridge's certificate expired on 2026-11-23; clients refuse it"},
	}
	for _, tt := range tests {
		if got := expiryWarning("the bridge's", tt.notAfter, now); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.notAfter, got, tt.want)
		}
	}
}
