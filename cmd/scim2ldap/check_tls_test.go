package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// cnOnlyLDAPS serves TLS on loopback with a self-signed certificate that
// names its host only in the Common Name, as Samba's self-made one does
// (CN=dc1.example.com, no subjectAltName). The TLS step of check fails
// before any LDAP is spoken, so nothing answers after the handshake.
func cnOnlyLDAPS(t *testing.T) (url, caFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "dc1.example.com", Organization: []string{"Samba Administration"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "dc-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.(*tls.Conn).Handshake()
			}()
		}
	}()
	return "ldaps://" + l.Addr().String(), caFile
}

// TestCheckCertificateWithoutSAN: check says what is wrong with a DC
// certificate without subjectAltName and what fixes it, and does not send
// the admin from "set ldap.serverName" to "set ldap.serverName".
func TestCheckCertificateWithoutSAN(t *testing.T) {
	url, caFile := cnOnlyLDAPS(t)
	listen := testldap.FreeAddr(t)
	for _, tc := range []struct{ name, serverName string }{
		{"URL with an IP address", ""},
		{"ldap.serverName set to the Common Name", "dc1.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			extra := "ldap:\n  caFile: " + caFile + "\n"
			if tc.serverName != "" {
				extra += "  serverName: " + tc.serverName + "\n"
			}
			code, out := runCheck(t, "--config", writeConfig(t, url, listen, "ldap:\n", extra))
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			for _, w := range []string{"FAIL ldap tls", "has no subjectAltName", "(dc1.example.com)", "Go", "subjectAltName lists the host name", "ldap.serverName cannot work around it"} {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, n := range []string{"set ldap.serverName to", "does not name the host"} {
				if strings.Contains(out, n) {
					t.Errorf("output contains %q", n)
				}
			}
		})
	}
}

// TestTLSProblemStartTLS: over StartTLS go-ldap flattens the x509 error
// into text; the no-SAN advice must still be given.
func TestTLSProblemStartTLS(t *testing.T) {
	err := errors.New(`LDAP Result Code 200 "Network Error": TLS handshake failed (tls: failed to verify certificate: x509: certificate relies on legacy Common Name field, use SANs instead)`)
	cause, fix := tlsProblem(time.Second, err)
	if !strings.Contains(cause, "no subjectAltName") || !strings.Contains(fix, "subjectAltName lists") {
		t.Errorf("tlsProblem = %q, %q", cause, fix)
	}
}
