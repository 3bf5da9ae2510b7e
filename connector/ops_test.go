package connector_test

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testbridge"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// plainGet fetches a health endpoint: no token, no SCIM headers.
func plainGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestMetricsShowHTTPAndLDAPAfterTraffic(t *testing.T) {
	b, _, _ := opsBed(t, nil)
	id := b.create(userBody("metrics.user@okta.local", "Metrics", "User", "Pw-metrics-1"))
	b.do("GET", "/Users/"+id, "").want(t, http.StatusOK)
	b.do("GET", "/Users?filter=userName%20eq%20%22nobody%22&startIndex=1&count=100", "").want(t, http.StatusOK)
	b.do("GET", "/Users/"+id, "", "Authorization: Bearer wrong").want(t, http.StatusUnauthorized)

	status, body := plainGet(t, b.http.URL+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d %s", status, body)
	}
	for _, want := range []string{
		`scim2ldap_http_requests_total{endpoint="/scim/v2/Users",method="POST",status="201"} 1`,
		`scim2ldap_http_requests_total{endpoint="/scim/v2/Users/{id}",method="GET",status="200"} 1`,
		`scim2ldap_http_requests_total{endpoint="/scim/v2/Users/{id}",method="GET",status="401"} 1`,
		`scim2ldap_http_requests_total{endpoint="/scim/v2/Users",method="GET",status="200"} 1`,
		`scim2ldap_http_request_duration_seconds_bucket{endpoint="/scim/v2/Users",method="POST",status="201",le="+Inf"} 1`,
		`scim2ldap_ldap_operations_total{op="add"} 1`,
		`scim2ldap_ldap_operations_total{op="password modify"} 1`,
		`scim2ldap_ldap_operations_total{op="connect"}`,
		`scim2ldap_ldap_operation_duration_seconds_count{op="search"}`,
		`go_build_info{`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Ids must not become labels: one series per endpoint, whatever the id.
	if strings.Contains(body, id) {
		t.Errorf("/metrics contains the user id %s: unbounded label values", id)
	}

	t.Run("LDAP errors by result code", func(t *testing.T) {
		b.do("POST", "/Users", userBody("metrics.user@okta.local", "Metrics", "User", "Pw-metrics-1")).want(t, http.StatusConflict)
		_, body := plainGet(t, b.http.URL+"/metrics")
		if !strings.Contains(body, `scim2ldap_http_requests_total{endpoint="/scim/v2/Users",method="POST",status="409"} 1`) {
			t.Errorf("the 409 is not counted:\n%s", grepLines(body, "scim2ldap_http_requests_total"))
		}
	})
}

func TestHealthEndpoints(t *testing.T) {
	b, _, _ := opsBed(t, nil)
	get := func(path string) (int, string) { return plainGet(t, b.http.URL+path) }

	if code, body := get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz: %d %s", code, body)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz with the directory up: %d %s", code, body)
	}
	if err := b.dir.Kill(); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "not ready") {
		t.Errorf("/readyz with the directory down: %d %s, want 503", code, body)
	}
	// The process is still up: a directory outage must not get the bridge
	// restarted by its supervisor.
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with the directory down: %d, want 200", code)
	}
	if err := b.dir.Restart(); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after the directory came back: %d %s", code, body)
	}
	if strings.Contains(b.logs.String(), `"request" method=GET path=/readyz`) {
		t.Errorf("probes are in the request log")
	}
}

// TestHealthOnItsOwnListener: with server.healthListen the probes and
// metrics move there, and the SCIM listener no longer answers them.
func TestHealthOnItsOwnListener(t *testing.T) {
	healthAddr := testldap.FreeAddr(t)
	_, srv, cfg := opsBed(t, nil, func(c *config.Config) { c.Server.Listen = "127.0.0.1:0"; c.Server.HealthListen = healthAddr })
	scim, health := testbridge.Serve(t, srv)
	if health == nil {
		t.Fatal("no health listener")
	}
	if code, body := plainGet(t, "http://"+healthAddr+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz on healthListen: %d %s", code, body)
	}
	if code, _ := plainGet(t, "http://"+healthAddr+"/metrics"); code != http.StatusOK {
		t.Errorf("/metrics on healthListen: %d", code)
	}
	if code, _ := plainGet(t, "http://"+healthAddr+cfg.Server.BasePath+"/Users"); code != http.StatusNotFound {
		t.Errorf("SCIM on healthListen: %d, want 404", code)
	}
	if code, _ := plainGet(t, "http://"+scim.String()+"/metrics"); code == http.StatusOK {
		t.Errorf("/metrics still on the SCIM listener")
	}
}

// TestSecretsNeverLogged runs a user's whole life with password pushes,
// the way Okta and Entra send them, plus failed authentications and bad
// bodies, at log level debug, and looks for every secret in everything
// the bridge logged (request log, audit lines, LDAP and error lines).
func TestSecretsNeverLogged(t *testing.T) {
	b, _, _ := opsBed(t, nil)
	secrets := []string{exampleToken, "Init-Secret-111", "Put-Secret-222", "Patch-Secret-333", "Wrong-Token-444", "Basic-Secret-555",
		"Bad-Body-Secret-666", "Dup-Secret-777", "Down-Secret-888"}

	id := b.create(userBody("secret.user@okta.local", "Secret", "User", "Init-Secret-111"))
	put := strings.Replace(userBody("secret.user@okta.local", "Secret", "User", "Put-Secret-222"), `"schemas"`, `"id":"`+id+`","schemas"`, 1)
	b.do("PUT", "/Users/"+id, put).want(t, http.StatusOK)
	if err := b.dir.CanBind("uid=secret.user@okta.local,"+b.dir.PeopleDN, "Put-Secret-222"); err != nil {
		t.Fatalf("PUT did not set the password: %v", err)
	}
	b.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"Patch-Secret-333"}}]}`).want(t, http.StatusOK)
	if err := b.dir.CanBind("uid=secret.user@okta.local,"+b.dir.PeopleDN, "Patch-Secret-333"); err != nil {
		t.Fatalf("PATCH did not set the password: %v", err)
	}
	b.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`).want(t, http.StatusOK)
	b.do("GET", "/Users/"+id, "", "Authorization: Bearer Wrong-Token-444").want(t, http.StatusUnauthorized)
	b.do("GET", "/Users/"+id, "", "Authorization: Wrong-Token-444").want(t, http.StatusUnauthorized)
	b.do("GET", "/Users/"+id, "", "Authorization: "+basicHeader("okta", "Basic-Secret-555")).want(t, http.StatusUnauthorized)
	b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bad","password":"Bad-Body-Secret-666","active":"maybe",`).wantError(t, http.StatusBadRequest, "invalidSyntax")
	b.do("POST", "/Users", userBody("secret.user@okta.local", "Secret", "User", "Dup-Secret-777")).wantError(t, http.StatusConflict, "uniqueness")
	b.do("DELETE", "/Users/"+id, "").want(t, http.StatusNoContent)
	// Errors log their causes: a directory that is gone while a password
	// is pushed.
	if err := b.dir.Kill(); err != nil {
		t.Fatal(err)
	}
	if r := b.do("POST", "/Users", userBody("down.user@okta.local", "Down", "User", "Down-Secret-888")); r.status < 500 {
		t.Errorf("create with the directory down: %d", r.status)
	}

	logs := b.logs.String()
	for _, want := range []string{"level=INFO msg=request", "msg=audit op=add", "op=password", "op=delete", "request_id=", "authentication failed", "level=ERROR"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q: the test would not see secrets in lines that are missing", want)
		}
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("secret %q in the log:\n%s", s, grepLines(logs, s))
		}
	}
	// The test directory's bind password is "admin", which is also in the
	// bind DN cn=admin: every other occurrence would be the password.
	if rest := strings.ReplaceAll(logs, "cn=admin", ""); strings.Contains(rest, b.dir.BindPassword) {
		t.Errorf("bind password in the log:\n%s", grepLines(rest, b.dir.BindPassword))
	}
}

// TestDryRun: writes are answered as if applied and logged, and the
// directory is unchanged.
func TestDryRun(t *testing.T) {
	b, _, _ := opsBed(t, func(o *ldapstore.Options) { o.DryRun = true })
	r := b.do("POST", "/Users", userBody("dry.user@okta.local", "Dry", "Run", "Dry-Pass-1")).want(t, http.StatusCreated)
	if str(r.body, "id") == "" || str(r.body, "userName") != "dry.user@okta.local" || str(r.body, "name.familyName") != "Run" {
		t.Errorf("dry-run create answer: %s", r.raw)
	}
	if r.header.Get("X-Scim2ldap-Dry-Run") != "true" {
		t.Errorf("no X-Scim2ldap-Dry-Run header")
	}
	if e := b.entry("dry.user@okta.local"); e != nil {
		t.Fatalf("dry run created the entry: %v", e)
	}

	// An existing user: update and delete are answered, nothing changes.
	dn := "uid=real.user," + b.dir.PeopleDN
	b.dir.MustAdd(t, dn, map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {"real.user"}, "cn": {"Real User"}, "sn": {"User"}, "givenName": {"Real"}})
	id := b.dir.Entry(t, dn, "entryUUID")["entryuuid"][0]
	r = b.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"name.givenName":"Changed","active":false}}]}`).want(t, http.StatusOK)
	if str(r.body, "name.givenName") != "Changed" || str(r.body, "active") != "false" {
		t.Errorf("dry-run PATCH answer does not show the change: %s", r.raw)
	}
	b.do("DELETE", "/Users/"+id, "").want(t, http.StatusNoContent)
	e := b.dir.Entry(t, dn, "givenName", "pwdAccountLockedTime")
	if e == nil || e["givenname"][0] != "Real" || len(e["pwdaccountlockedtime"]) != 0 {
		t.Errorf("dry run changed the directory: %v", e)
	}
	logs := b.logs.String()
	for _, want := range []string{`msg="dry-run: not sent" op=add dn="uid=dry.user@okta.local,ou=People,dc=example,dc=com"`, `msg="dry-run: not sent" op=delete`, `result="dry-run (not sent)"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	if strings.Contains(logs, "Dry-Pass-1") {
		t.Errorf("dry run logged the password")
	}
}

// TestTLSServingAndReload serves HTTPS from cert/key files, then swaps the
// files and reloads: new connections get the new certificate, and a
// connection opened before the reload keeps working.
func TestTLSServingAndReload(t *testing.T) {
	dir := t.TempDir()
	cert1, key1, pool1 := writeCert(t, dir, "one")
	_, srv, cfg := opsBed(t, nil, func(c *config.Config) {
		c.Server.Listen = "127.0.0.1:0"
		c.Server.TLS = config.ServerTLS{CertFile: cert1, KeyFile: key1}
	})
	addr, _ := testbridge.Serve(t, srv)
	url := "https://localhost:" + portOf(addr) + cfg.Server.BasePath + "/ServiceProviderConfig"

	cert2, key2, pool2 := writeCert(t, dir, "two")
	pools := x509.NewCertPool()
	pools.AppendCertsFromPEM(pool1)
	pools.AppendCertsFromPEM(pool2)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pools}}}
	get := func() (cn string, reused bool) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+exampleToken)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}))
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.TLS == nil {
			t.Fatalf("status %d, TLS %v", res.StatusCode, res.TLS != nil)
		}
		return res.TLS.PeerCertificates[0].Subject.CommonName, reused
	}
	if cn, _ := get(); cn != "one" {
		t.Fatalf("certificate %q, want one", cn)
	}
	if end := srv.CertificateNotAfter(); end.IsZero() || end.Before(time.Now()) {
		t.Errorf("CertificateNotAfter %v", end)
	}

	next := *cfg
	next.Server.TLS = config.ServerTLS{CertFile: cert2, KeyFile: key2}
	next.Server.Auth.BearerTokens = append([]string{"rotated-token"}, cfg.Server.Auth.BearerTokens...)
	needRestart, err := srv.Reload(&next)
	if err != nil || len(needRestart) != 0 {
		t.Fatalf("Reload: %v, restart needed for %v", err, needRestart)
	}
	if cn, reused := get(); cn != "one" || !reused {
		t.Errorf("the open connection: certificate %q reused %v, want the old one, kept open", cn, reused)
	}
	client.CloseIdleConnections()
	if cn, _ := get(); cn != "two" {
		t.Errorf("a new connection after the reload got certificate %q, want two", cn)
	}

	t.Run("bad files keep the running certificate", func(t *testing.T) {
		bad := next
		bad.Server.TLS = config.ServerTLS{CertFile: cert1, KeyFile: key2}
		if _, err := srv.Reload(&bad); err == nil || !strings.Contains(err.Error(), "server.tls") {
			t.Errorf("mismatched key: %v", err)
		}
		client.CloseIdleConnections()
		if cn, _ := get(); cn != "two" {
			t.Errorf("after a failed reload: certificate %q, want two", cn)
		}
	})
	t.Run("what a reload cannot change is named", func(t *testing.T) {
		moved := next
		moved.Server.Listen = "127.0.0.1:1"
		moved.LDAP.PoolSize = 9
		got, err := srv.Reload(&moved)
		if err != nil || strings.Join(got, ",") != "server.listen,ldap" {
			t.Errorf("needRestart %v (%v), want server.listen and ldap", got, err)
		}
	})
}

func portOf(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// writeCert writes a self-signed certificate for localhost named cn.
func writeCert(t *testing.T, dir, cn string) (certFile, keyFile string, certPEM []byte) {
	t.Helper()
	c, key := certify(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: cn}, NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, nil, nil)
	certFile, keyFile = filepath.Join(dir, cn+".crt"), filepath.Join(dir, cn+".key")
	writePEM(t, certFile, "CERTIFICATE", c.Raw)
	writeKey(t, keyFile, key)
	return certFile, keyFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// TestMisconfigurationHints: the two seed mistakes that reach the bridge
// as requests get a SCIM Error naming the fix.
func TestMisconfigurationHints(t *testing.T) {
	b, _, _ := opsBed(t, nil)
	tests := []struct {
		name, method, path, body string
		status                   int
		scimType                 string
		want                     []string
	}{
		{"base URL ending in /Users", "GET", "/Users/Users?filter=userName%20eq%20%22a%22", "", 404, "", []string{"must not end in /Users", b.base + "/"}},
		{"base URL ending in /Users, SPC", "GET", "/Users/ServiceProviderConfig", "", 404, "", []string{"must not end in /Users"}},
		{"base URL ending in /Groups", "GET", "/Groups/Users", "", 404, "", []string{"must not end in /Groups"}},
		{"SCIM 1.1 body on the 2.0 front", "POST", "/Users", `{"schemas":["urn:scim:schemas:core:1.0"],"userName":"v1.user","name":{"familyName":"V","givenName":"One"}}`, 400, "invalidSyntax",
			[]string{"SCIM 1.1 request", b.http.URL + "/scim/v1/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := b.do(tc.method, tc.path, tc.body).wantError(t, tc.status, tc.scimType)
			for _, w := range tc.want {
				if !strings.Contains(str(r.body, "detail"), w) {
					t.Errorf("detail %q lacks %q", str(r.body, "detail"), w)
				}
			}
		})
	}
	if e := b.entry("v1.user"); e != nil {
		t.Errorf("the refused 1.1 body created an entry")
	}

	// The Okta Provisioning Agent speaks SCIM 1.1 by default: the same
	// mistake on the 1.1 front is answered in its error shape.
	for _, p := range []string{"/scim/v1/Users/Users?filter=userName%20eq%20%22a%22", "/scim/Users/ServiceProviderConfigs"} {
		req, _ := http.NewRequest("GET", b.http.URL+p, nil)
		req.Header.Set("Authorization", "Bearer "+exampleToken)
		r, err := roundTrip(http.DefaultClient, req)
		if err != nil {
			t.Fatal(err)
		}
		if r.status != http.StatusNotFound || !strings.Contains(string(r.raw), `"Errors"`) || !strings.Contains(string(r.raw), "must not end in /Users") {
			t.Errorf("%s: %d %s", p, r.status, r.raw)
		}
	}
}
