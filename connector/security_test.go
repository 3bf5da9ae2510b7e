package connector_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
	"golang.org/x/crypto/bcrypt"
)

// snapshot is every entry of the test directory with its user and
// operational attributes (entryCSN, modifyTimestamp): any write, even one
// that rewrites a value with itself, shows up as a difference.
func (b *bed) snapshot() map[string]map[string][]string {
	b.t.Helper()
	return b.dir.Search(b.t, b.dir.BaseDN, "(objectClass=*)", "*", "+")
}

// unchanged fails the test when the directory differs from before.
func (b *bed) unchanged(t *testing.T, before map[string]map[string][]string) {
	t.Helper()
	after := b.snapshot()
	if reflect.DeepEqual(before, after) {
		return
	}
	var diff []string
	for dn, e := range after {
		if before[dn] == nil {
			diff = append(diff, "added "+dn)
		} else if !reflect.DeepEqual(before[dn], e) {
			diff = append(diff, "changed "+dn)
		}
	}
	for dn := range before {
		if after[dn] == nil {
			diff = append(diff, "deleted "+dn)
		}
	}
	sort.Strings(diff)
	t.Errorf("the directory changed: %s", strings.Join(diff, "; "))
}

// bridge is a bed whose store options and listener the test chooses:
// several URLs, TLS to the directory, HTTPS serving.
type bridge struct {
	dir    *testldap.Server // entries are checked here
	urls   []string         // default: dir.URL
	cfg    func(*config.Config)
	store  func(*ldapstore.Options)
	serve  bool // through Server.Serve (HTTPS when cfg sets server.tls)
	client *http.Client
}

func (o bridge) start(t *testing.T) *bed {
	t.Helper()
	if o.dir == nil {
		o.dir = testldap.Start(t)
	}
	cfg, err := config.Load("../examples/openldap.yaml")
	if err != nil {
		t.Fatalf("examples/openldap.yaml: %v", err)
	}
	cfg.LDAP.URLs = []string{o.dir.URL}
	if o.urls != nil {
		cfg.LDAP.URLs = o.urls
	}
	if o.cfg != nil {
		o.cfg(cfg)
	}
	logs := &syncBuffer{}
	log := slog.New(connector.LogHandler(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	opts := ldapstore.Options{
		URLs: cfg.LDAP.URLs, BindDN: cfg.LDAP.BindDN, BindPassword: cfg.LDAP.BindPassword,
		StartTLS: cfg.LDAP.StartTLS, CAFile: cfg.LDAP.CAFile, ServerName: cfg.LDAP.ServerName, InsecureSkipVerify: cfg.LDAP.InsecureSkipVerify,
		DialTimeout: cfg.LDAP.DialTimeout, RequestTimeout: cfg.LDAP.RequestTimeout, PoolSize: cfg.LDAP.PoolSize, Logger: log,
	}
	if o.store != nil {
		o.store(&opts)
	}
	store, err := ldapstore.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	srv, err := connector.New(cfg, store, log)
	if err != nil {
		t.Fatal(err)
	}
	b := &bed{t: t, dir: o.dir, logs: logs}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("bridge log:\n%s", logs.String())
		}
	})
	if !o.serve {
		hs := newHTTPTest(t, srv.Handler())
		b.base = hs + cfg.Server.BasePath
		return b
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l, nil) }()
	t.Cleanup(func() { cancel(); <-done })
	scheme := "http"
	if cfg.Server.TLS.CertFile != "" {
		scheme = "https"
	}
	b.base = scheme + "://" + l.Addr().String() + cfg.Server.BasePath
	return b
}

// send is do with a chosen client and full control of the headers.
func (b *bed) send(client *http.Client, method, path, body string, headers map[string]string) (resp, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		return resp{}, err
	}
	req.Header.Set("Accept", "application/scim+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	r.body = decodeObject(raw)
	return r, nil
}

// TestBadInputLeavesDirectoryUnchanged sends every kind of input the limits
// refuse; each gets a SCIM Error and nothing reaches the directory.
func TestBadInputLeavesDirectoryUnchanged(t *testing.T) {
	const bodyLimit, maxString, maxMembers = 256 << 10, 4 << 10, 5
	b := bridge{cfg: func(c *config.Config) {
		c.Server.BodyLimit = bodyLimit
		c.Server.MaxStringLength = maxString
		c.Server.MaxMembersPerPatch = maxMembers
		c.Server.MaxResults = 2
	}}.start(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, b.create(userBody(fmt.Sprintf("u%d@corp.local", i), "U", strconv.Itoa(i), "Pass-word-1")))
	}
	g := b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"limits"}`).want(t, http.StatusCreated)
	gid := str(g.body, "id")

	long := strings.Repeat("x", maxString+1)
	deep := strings.Repeat("(", 40) + `userName eq "a"` + strings.Repeat(")", 40)
	members := `[`
	for i := range maxMembers + 1 {
		if i > 0 {
			members += ","
		}
		members += `{"value":"` + ids[i%len(ids)] + `"}`
	}
	members += `]`
	user := func(extra string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bad@corp.local",` + extra + `}`
	}
	tests := []struct {
		name, method, path, body string
		chunked                  bool // no Content-Length: the limit must hold while reading
		status                   int
		scimType                 string
	}{
		{"body over the limit", "POST", "/Users", user(`"displayName":"` + strings.Repeat("a", bodyLimit) + `"`), false, 413, ""},
		{"chunked body over the limit", "POST", "/Users", user(`"displayName":"` + strings.Repeat("a", bodyLimit) + `"`), true, 413, ""},
		{"huge string", "POST", "/Users", user(`"displayName":"` + long + `"`), false, 400, "invalidValue"},
		{"huge key", "POST", "/Users", user(`"` + long + `":"x"`), false, 400, "invalidValue"},
		{"huge number", "POST", "/Users", user(`"x":` + strings.Repeat("9", maxString+1)), false, 400, "invalidValue"},
		{"duplicate key", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@corp.local","userName":"b@corp.local"}`, false, 400, "invalidSyntax"},
		{"duplicate key in other case", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@corp.local","USERNAME":"b@corp.local"}`, false, 400, "invalidSyntax"},
		{"duplicate nested key", "POST", "/Users", user(`"name":{"givenName":"A","givenName":"B"}`), false, 400, "invalidSyntax"},
		{"duplicate key in a PATCH op", "PATCH", "/Users/" + ids[0], `{` + patchOp + `,"Operations":[{"op":"replace","path":"title","value":"a","value":"b"}]}`, false, 400, "invalidSyntax"},
		{"nesting too deep", "POST", "/Users", user(`"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40)), false, 400, "invalidValue"},
		{"two JSON values", "POST", "/Users", user(`"title":"a"`) + `{}`, false, 400, "invalidSyntax"},
		{"not JSON", "POST", "/Users", `{"userName":`, false, 400, "invalidSyntax"},
		{"userName a number", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":12}`, false, 400, "invalidValue"},
		{"name a string", "POST", "/Users", user(`"name":"Bad Name"`), false, 400, "invalidValue"},
		{"emails a string", "POST", "/Users", user(`"emails":"x@corp.local"`), false, 400, "invalidSyntax"},
		{"givenName a number", "POST", "/Users", user(`"name":{"givenName":12}`), false, 400, "invalidValue"},
		{"emails value an object", "POST", "/Users", user(`"emails":[{"value":{"a":1}}]`), false, 400, "invalidValue"},
		{"active not a boolean", "POST", "/Users", user(`"active":"maybe"`), false, 400, "invalidValue"},
		{"PUT with userName an array", "PUT", "/Users/" + ids[0], `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":["a","b"]}`, false, 400, "invalidValue"},
		{"members over the cap", "PATCH", "/Groups/" + gid, `{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":` + members + `}]}`, false, 400, "invalidValue"},
		{"members over the cap without path", "PATCH", "/Groups/" + gid, `{` + patchOp + `,"Operations":[{"op":"add","value":{"members":` + members + `}}]}`, false, 400, "invalidValue"},
		{"filter too long", "GET", "/Users?filter=" + urlEscape(`userName eq "`+strings.Repeat("a", 5000)+`"`), "", false, 400, "invalidFilter"},
		{"filter too deep", "GET", "/Users?filter=" + urlEscape(deep), "", false, 400, "invalidFilter"},
		// The library answers bad paging parameters without a scimType (RFC
		// 7644 makes it optional); the detail names the parameter.
		{"count not a number", "GET", "/Users?count=ten", "", false, 400, ""},
		{"startIndex not a number", "GET", "/Users?startIndex=1e9", "", false, 400, ""},
		// An unencoded ";" makes Go's query parser drop the whole filter
		// silently; listing everyone instead would let Okta link the wrong
		// user.
		{"filter with a raw semicolon", "GET", `/Users?filter=userName%20eq%20%22a;b%22`, "", false, 400, "invalidFilter"},
		{"query with a raw semicolon", "GET", `/Users?count=1;startIndex=2`, "", false, 400, "invalidValue"},
		{"filter on an unmapped attribute", "GET", "/Users?filter=" + urlEscape(`userPassword pr`), "", false, 400, "invalidFilter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := b.snapshot()
			var rd io.Reader
			if tt.body != "" {
				rd = strings.NewReader(tt.body)
				if tt.chunked {
					rd = io.MultiReader(rd) // hides the length from net/http
				}
			}
			req, err := http.NewRequest(tt.method, b.base+tt.path, rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+exampleToken)
			req.Header.Set("Content-Type", "application/scim+json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			r := resp{status: res.StatusCode, header: res.Header, raw: raw, body: decodeObject(raw)}
			r.wantError(t, tt.status, tt.scimType)
			b.unchanged(t, before)
		})
	}

	t.Run("SCIM 1.1 front (Okta agent)", func(t *testing.T) {
		v1 := strings.TrimSuffix(b.base, "/v2") + "/v1"
		for _, body := range []string{
			`{"schemas":["urn:scim:schemas:core:1.0"],"userName":"a@corp.local","userName":"b@corp.local"}`,
			`{"schemas":["urn:scim:schemas:core:1.0"],"userName":"a@corp.local","displayName":"` + long + `"}`,
			`{"schemas":["urn:scim:schemas:core:1.0"],"userName":"a@corp.local","displayName":"` + strings.Repeat("a", bodyLimit) + `"}`,
		} {
			before := b.snapshot()
			req, _ := http.NewRequest("POST", v1+"/Users", strings.NewReader(body))
			req.Header.Set("Authorization", exampleToken)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			m := decodeObject(raw)
			if res.StatusCode != 400 && res.StatusCode != 413 || str(m, "Errors.0.code") != strconv.Itoa(res.StatusCode) || str(m, "Errors.0.description") == "" {
				t.Errorf("%d %s, want a 1.1 Errors body with 400 or 413", res.StatusCode, raw)
			}
			b.unchanged(t, before)
		}
	})
	t.Run("count above maxResults is capped", func(t *testing.T) {
		before := b.snapshot()
		r := b.do("GET", "/Users?count=100000", "").want(t, http.StatusOK)
		if str(r.body, "itemsPerPage") != "2" || len(get(r.body, "Resources").([]interface{})) != 2 || str(r.body, "totalResults") != "3" {
			t.Errorf("count not capped at maxResults 2: %s", r.raw)
		}
		b.unchanged(t, before)
	})
	t.Run("filter values cannot widen the search", func(t *testing.T) {
		for _, f := range []string{`userName eq "*"`, `userName eq "*)(uid=*"`, `userName sw "u0@corp.local)(|(uid=*"`, `userName eq "\u0000"`, `displayName co "\\2a"`} {
			r := b.do("GET", "/Users?filter="+urlEscape(f), "").want(t, http.StatusOK)
			if str(r.body, "totalResults") != "0" {
				t.Errorf("%s matched: %s", f, r.raw)
			}
		}
	})
}

func urlEscape(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", ";", "%3B", "=", "%3D", `"`, "%22", "&", "%26", "+", "%2B", "#", "%23", "(", "%28", ")", "%29", "\\", "%5C", "\x00", "%00", "*", "%2A", "|", "%7C")
	return r.Replace(s)
}

func decodeObject(raw []byte) map[string]interface{} {
	var m map[string]interface{}
	if len(raw) == 0 {
		return nil
	}
	d := jsonDecoder(raw)
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

func TestAuthenticationMethods(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("agent-Secret-9"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	b := bridge{cfg: func(c *config.Config) {
		c.Server.Auth.BearerTokens = []string{"old-token-AAAA", "new-token-BBBB"}
		c.Server.Auth.Basic = []config.BasicUser{{Username: "okta-agent", PasswordHash: string(hash)}}
		c.Server.MaxAuthFailures = -1 // the limit has its own test
	}}.start(t)
	basic := func(user, pw string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
	}
	tests := []struct {
		name, auth string
		status     int
	}{
		{"first token", "Bearer old-token-AAAA", 200},
		{"second token (rotation)", "Bearer new-token-BBBB", 200},
		{"bare token (Okta HTTP Header)", "new-token-BBBB", 200},
		{"scheme in other case", "bearer old-token-AAAA", 200},
		{"Basic with the bcrypt password", basic("okta-agent", "agent-Secret-9"), 200},
		{"retired token", "Bearer " + exampleToken, 401},
		{"token prefix", "Bearer old-token-AAA", 401},
		{"token with a suffix", "Bearer old-token-AAAAx", 401},
		{"Basic wrong password", basic("okta-agent", "guess-Wrong-1"), 401},
		{"Basic unknown user", basic("P@ssw0rd-typed-as-user", "x"), 401},
		{"Basic not base64", "Basic %%%", 401},
		{"missing", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.auth != "" {
				h["Authorization"] = tt.auth
			}
			r, err := b.send(http.DefaultClient, "GET", "/Users?count=1", "", h)
			if err != nil {
				t.Fatal(err)
			}
			if tt.status == 200 {
				r.want(t, 200)
				return
			}
			r.wantError(t, tt.status, "")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
	t.Run("failures are logged without the secret", func(t *testing.T) {
		logs := b.logs.String()
		if n := strings.Count(logs, "authentication failed"); n < 6 {
			t.Errorf("%d failures logged, want every one:\n%s", n, logs)
		}
		for _, secret := range []string{"old-token", "new-token", exampleToken, "agent-Secret-9", "guess-Wrong-1", "P@ssw0rd-typed-as-user", string(hash), "old-token-AAA"} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log contains the secret %q", secret)
			}
		}
		if !strings.Contains(logs, `wrong password for Basic user \"okta-agent\"`) && !strings.Contains(logs, `wrong password for Basic user "okta-agent"`) {
			t.Errorf("the log does not say which configured user failed")
		}
	})
}

// TestAuthFailureLimit: after maxAuthFailures failures an address gets 429
// with an integer Retry-After, even with right credentials, until the
// window refills.
func TestAuthFailureLimit(t *testing.T) {
	b := bridge{cfg: func(c *config.Config) {
		c.Server.MaxAuthFailures = 3
		c.Server.AuthFailureWindow = time.Hour
	}}.start(t)
	wrong := map[string]string{"Authorization": "Bearer guessed-token-1"}
	for i := range 3 {
		r, err := b.send(http.DefaultClient, "GET", "/Users", "", wrong)
		if err != nil {
			t.Fatal(err)
		}
		r.wantError(t, http.StatusUnauthorized, "")
		_ = i
	}
	for _, h := range []map[string]string{wrong, {"Authorization": "Bearer " + exampleToken}} {
		r, err := b.send(http.DefaultClient, "GET", "/Users", "", h)
		if err != nil {
			t.Fatal(err)
		}
		r.wantError(t, http.StatusTooManyRequests, "")
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 3600 {
			t.Errorf("Retry-After %q, want integer seconds within the window", r.header.Get("Retry-After"))
		}
	}
	if strings.Contains(b.logs.String(), "guessed-token-1") {
		t.Errorf("the log contains the presented token")
	}
}

// TestClientCertificate: with server.tls.clientCAFile, a client certificate
// from that CA authenticates without a token; a certificate from another CA
// fails the handshake; clients without one still use tokens.
func TestClientCertificate(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := newCA(t, "scim2ldap test CA")
	writePEM(t, filepath.Join(dir, "ca.crt"), "CERTIFICATE", ca.Raw)
	srvCert, srvKey := issue(t, ca, caKey, "127.0.0.1", true)
	writePEM(t, filepath.Join(dir, "server.crt"), "CERTIFICATE", srvCert.Raw)
	writeKey(t, filepath.Join(dir, "server.key"), srvKey)
	agent, agentKey := issue(t, ca, caKey, "okta-agent", false)
	rogueCA, rogueKey := newCA(t, "rogue CA")
	rogue, rogueLeafKey := issue(t, rogueCA, rogueKey, "okta-agent", false)

	b := bridge{serve: true, cfg: func(c *config.Config) {
		c.Server.TLS = config.ServerTLS{CertFile: filepath.Join(dir, "server.crt"), KeyFile: filepath.Join(dir, "server.key"), ClientCAFile: filepath.Join(dir, "ca.crt")}
	}}.start(t)
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	client := func(cert *x509.Certificate, key *ecdsa.PrivateKey) *http.Client {
		tc := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		if cert != nil {
			// Sent whatever CAs the server asks for: Go's default would
			// quietly send no certificate from a CA the server does not name.
			c := &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
			tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return c, nil }
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: 20 * time.Second}
	}

	r, err := b.send(client(agent, agentKey), "POST", "/Users", userBody("cert@corp.local", "Cert", "User", "Pass-word-1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.want(t, http.StatusCreated)
	if !strings.Contains(b.logs.String(), "client=cert:okta-agent") {
		t.Errorf("the request log does not name the certificate's client")
	}
	if e := b.entry("cert@corp.local", "uid"); e == nil {
		t.Errorf("user not in the directory")
	}

	r, err = b.send(client(nil, nil), "GET", "/Users", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.wantError(t, http.StatusUnauthorized, "")
	r, err = b.send(client(nil, nil), "GET", "/Users", "", map[string]string{"Authorization": "Bearer " + exampleToken})
	if err != nil {
		t.Fatal(err)
	}
	r.want(t, http.StatusOK)

	before := b.snapshot()
	if r, err := b.send(client(rogue, rogueLeafKey), "POST", "/Users", userBody("rogue@corp.local", "R", "Ogue", "Pass-word-1"), nil); err == nil {
		t.Errorf("a certificate from another CA was accepted: %d %s", r.status, r.raw)
	}
	b.unchanged(t, before)
}

func newCA(t *testing.T, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func issue(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, name string, server bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP(name)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeKey(t *testing.T, path string, key *ecdsa.PrivateKey) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, path, "PRIVATE KEY", der)
}

func jsonDecoder(raw []byte) *json.Decoder {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d
}

func newHTTPTest(t *testing.T, h http.Handler) string {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}

// TestDirectoryTLS: LDAPS and StartTLS verify the directory's certificate
// against ldap.caFile; a certificate from another CA fails every request
// (SCIM 5xx, /readyz red) instead of being trusted; insecureSkipVerify and
// plain LDAP with a password to another host work but are logged loudly.
func TestDirectoryTLS(t *testing.T) {
	dir := testldap.Start(t)
	other, _ := newCA(t, "not the directory's CA")
	otherCA := filepath.Join(t.TempDir(), "other.crt")
	writePEM(t, otherCA, "CERTIFICATE", other.Raw)
	tests := []struct {
		name    string
		cfg     func(*config.Config)
		works   bool
		warning string // expected in the log after "SECURITY: "
	}{
		{"ldaps verified against caFile", func(c *config.Config) { c.LDAP.URLs, c.LDAP.CAFile = []string{dir.LDAPSURL}, dir.CAFile }, true, ""},
		{"StartTLS verified against caFile", func(c *config.Config) { c.LDAP.StartTLS, c.LDAP.CAFile = true, dir.CAFile }, true, ""},
		{"ldaps with another CA", func(c *config.Config) { c.LDAP.URLs, c.LDAP.CAFile = []string{dir.LDAPSURL}, otherCA }, false, ""},
		{"StartTLS with the system roots", func(c *config.Config) { c.LDAP.StartTLS = true }, false, ""},
		{"insecureSkipVerify", func(c *config.Config) { c.LDAP.URLs, c.LDAP.InsecureSkipVerify = []string{dir.LDAPSURL}, true }, true,
			"ldap.insecureSkipVerify: true: the directory's TLS certificate is NOT verified"},
		{"plain LDAP to another host", func(c *config.Config) { c.LDAP.URLs = []string{dir.URL, "ldap://192.0.2.10:389"} }, true,
			"ldap.urls[1]: ldap://192.0.2.10:389 is plain LDAP to another host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bridge{dir: dir, cfg: func(c *config.Config) {
				c.LDAP.DialTimeout = 2 * time.Second
				tt.cfg(c)
			}}.start(t)
			r, _ := b.timed("GET", "/Users?count=1", "")
			if tt.works {
				r.want(t, http.StatusOK)
			} else {
				want5xx(t, r)
				if got := b.ready(); got != http.StatusServiceUnavailable {
					t.Errorf("/readyz %d, want 503", got)
				}
				if !strings.Contains(b.logs.String(), "certificate") {
					t.Errorf("the log does not name the certificate problem")
				}
			}
			logs := b.logs.String()
			if tt.warning == "" && strings.Contains(logs, "SECURITY:") {
				t.Errorf("unexpected security warning:\n%s", grepLines(logs, "SECURITY"))
			}
			if tt.warning != "" && !strings.Contains(logs, "level=WARN msg=\"SECURITY: "+tt.warning) {
				t.Errorf("no WARN line with %q", tt.warning)
			}
		})
	}
}

// TestSecretsNotLogged runs the requests that carry passwords, at debug
// level, through successes and failures, and looks for them in the log.
func TestSecretsNotLogged(t *testing.T) {
	b := newBed(t)
	id := b.create(userBody("secret@corp.local", "Sec", "Ret", "Zebra-Secret-77"))
	b.do("PUT", "/Users/"+id, userBody("secret@corp.local", "Sec", "Ret", "Other-Secret-88")).want(t, http.StatusOK)
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","value":{"password":"Third-Secret-99"}}]}`).want(t, http.StatusOK)
	b.do("POST", "/Users", userBody("secret@corp.local", "Sec", "Ret", "Dup-Secret-11")).wantError(t, http.StatusConflict, "uniqueness")
	b.do("POST", "/Users", `{"userName":"x","password":"Bad-Secret-22",`).wantError(t, http.StatusBadRequest, "invalidSyntax")
	b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"y","password":"Dup-Key-33","password":"Dup-Key-44"}`).wantError(t, http.StatusBadRequest, "invalidSyntax")
	b.do("GET", "/Users", "", "Authorization: Bearer Guess-Token-55").wantError(t, http.StatusUnauthorized, "")
	if err := b.dir.CanBind("uid=secret@corp.local,"+b.dir.PeopleDN, "Third-Secret-99"); err != nil {
		t.Errorf("the last password was not written: %v", err)
	}
	logs := b.logs.String()
	for _, s := range []string{"Zebra-Secret-77", "Other-Secret-88", "Third-Secret-99", "Dup-Secret-11", "Bad-Secret-22", "Dup-Key-33", "Dup-Key-44", "Guess-Token-55", exampleToken} {
		if strings.Contains(logs, s) {
			t.Errorf("the log contains %q:\n%s", s, grepLines(logs, s))
		}
	}
}

// TestNastyNamesStayInTheirContainer: userNames and displayNames with DN
// syntax in them name exactly one entry, directly below users.createDN or
// groups.createDN, created and renamed, and are found again by filter.
func TestNastyNamesStayInTheirContainer(t *testing.T) {
	b := newBed(t)
	names := []string{
		"evil,ou=Groups,dc=example,dc=com", "#lead", " spaced ", "a+cn=b", `back\,slash`, `"quoted"`, "<>;=", "*)(uid=*", "ü,日本",
	}
	inContainer := func(t *testing.T, base, filter, container string) {
		t.Helper()
		found := b.dir.Search(t, base, filter, "entryUUID")
		if len(found) != 1 {
			t.Fatalf("%s: %d entries, want 1: %v", filter, len(found), found)
		}
		for dn := range found {
			if p, err := ldapstore.ParentDN(dn); err != nil || !ldapstore.EqualDN(p, container) {
				t.Errorf("%q is not directly below %s", dn, container)
			}
		}
	}
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			q, _ := json.Marshal(name)
			r := b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":`+string(q)+`,"name":{"givenName":"N","familyName":"Asty"}}`).want(t, http.StatusCreated)
			id := str(r.body, "id")
			if got := str(r.body, "userName"); got != strings.TrimSpace(name) {
				t.Errorf("userName %q, want %q", got, strings.TrimSpace(name))
			}
			inContainer(t, b.dir.BaseDN, "(uid="+ldapEscape(strings.TrimSpace(name))+")", b.dir.PeopleDN)
			list := b.do("GET", "/Users?filter="+urlEscape(`userName eq `+string(q)), "").want(t, http.StatusOK)
			if str(list.body, "totalResults") != "1" || str(list.body, "Resources.0.id") != id {
				t.Errorf("filter by userName: %s", list.raw)
			}
			renamed := fmt.Sprintf("renamed%d,ou=Groups,dc=example,dc=com", i)
			b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"userName","value":"`+renamed+`"}]}`).want(t, http.StatusOK)
			inContainer(t, b.dir.BaseDN, "(uid="+ldapEscape(renamed)+")", b.dir.PeopleDN)

			g := b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":`+string(q)+`}`).want(t, http.StatusCreated)
			if str(g.body, "displayName") != strings.TrimSpace(name) {
				t.Errorf("displayName %s", g.raw)
			}
			inContainer(t, b.dir.BaseDN, "(&(objectClass=groupOfNames)(cn="+ldapEscape(strings.TrimSpace(name))+"))", b.dir.GroupsDN)
		})
	}
}

// ldapEscape is RFC 4515 escaping for the test's own filters.
func ldapEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*', '(', ')', '\\', 0:
			fmt.Fprintf(&b, `\%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
