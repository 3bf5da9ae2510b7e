package connector

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

// tlsState is the SCIM listener's TLS configuration, swappable while the
// server runs: every new handshake picks up the current one (through
// GetConfigForClient), so a reload (SIGHUP) changes the certificate, key
// and client CAs without closing a connection. Connections already open
// keep the certificate they started with.
type tlsState struct {
	cur atomic.Pointer[tls.Config]
}

func newTLSState(c config.ServerTLS) (*tlsState, error) {
	t := &tlsState{}
	if err := t.load(c); err != nil {
		return nil, err
	}
	return t, nil
}

// load reads the files and installs them; on any error the current
// configuration stays.
func (t *tlsState) load(c config.ServerTLS) error {
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
func (t *tlsState) serverConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return t.cur.Load(), nil
		},
	}
}

// notAfter is the expiry of the current certificate.
func (t *tlsState) notAfter() time.Time {
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

// CertificateNotAfter is the expiry of the certificate new handshakes
// get (zero when serving plain HTTP), for the start-up and reload logs.
func (s *Server) CertificateNotAfter() time.Time {
	if s.ops.tls == nil {
		return time.Time{}
	}
	return s.ops.tls.notAfter()
}
