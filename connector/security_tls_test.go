package connector_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

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

func newCA(t *testing.T, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	return certify(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: cn}, NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil, nil)
}

func issue(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, name string, server bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: name}, NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP(name)}
	}
	return certify(t, tmpl, ca, caKey)
}

// certify makes a new P-256 key and a certificate for it from tmpl, signed
// by parent (self-signed when parent is nil), valid from an hour ago to
// tolerate clock skew.
func certify(t *testing.T, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
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
