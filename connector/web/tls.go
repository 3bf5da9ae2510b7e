package web

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/config"
)

// TLSState is the SCIM listener's TLS configuration, swappable while the
// server runs: every new handshake picks up the current one (through
// GetConfigForClient), so a reload (SIGHUP) changes the certificate, key
// and client CAs without closing a connection. Connections already open
// keep the certificate they started with.
type TLSState struct {
	cur atomic.Pointer[tls.Config]
}

// NewTLSState loads the files of c.
func NewTLSState(c config.ServerTLS) (*TLSState, error) {
	t := &TLSState{}
	if err := t.Load(c); err != nil {
		return nil, err
	}
	return t, nil
}

// Load reads the files and installs them; on any error the current
// configuration stays.
func (t *TLSState) Load(c config.ServerTLS) error {
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return fmt.Errorf("server.tls: certFile %s / keyFile %s: %w; check that both are PEM and that the key belongs to the certificate", c.CertFile, c.KeyFile, err)
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{"h2", "http/1.1"},
	}
	if c.ClientCAFile != "" {
		pem, err := os.ReadFile(c.ClientCAFile)
		if err != nil {
			return fmt.Errorf("server.tls.clientCAFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("server.tls.clientCAFile: %s holds no PEM certificate; write the CA certificates of the client certificates into it", c.ClientCAFile)
		}
		cfg.ClientCAs = pool
		// Optional: clients without a certificate authenticate with a
		// token or Basic; a certificate that does not verify fails the
		// handshake.
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	t.cur.Store(cfg)
	return nil
}

// serverConfig is the tls.Config to serve with.
func (t *TLSState) serverConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return t.cur.Load(), nil
		},
	}
}

// NotAfter is the expiry of the current certificate.
func (t *TLSState) NotAfter() time.Time {
	c := t.cur.Load()
	if c == nil || len(c.Certificates) == 0 || c.Certificates[0].Leaf == nil {
		return time.Time{}
	}
	return c.Certificates[0].Leaf.NotAfter
}

// ClientCertIdentity returns "cert:<subject CN>" for a request that came
// with a client certificate verified against server.tls.clientCAFile, and
// ok=false otherwise (plain HTTP, no certificate, or no clientCAFile: the
// handshake only verifies certificates when one is configured). A
// certificate without a CN is named by its full subject.
func ClientCertIdentity(r *http.Request) (string, bool) {
	if r == nil || r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return "", false
	}
	leaf := r.TLS.VerifiedChains[0][0]
	name := leaf.Subject.CommonName
	if name == "" {
		name = leaf.Subject.String()
	}
	return "cert:" + name, true
}

// withClient records who authenticated, for the audit log.
func withClient(c echo.Context, client string) echo.Context {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), ctxClient, client)))
	return c
}
