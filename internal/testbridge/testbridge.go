// Package testbridge runs a connector.Server on its configured listeners
// for a test, the way "scim2ldap serve" does, so tests in every package
// serve and stop it the same way.
package testbridge

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/scim2ldap/scim2ldap/connector"
)

// Serve runs srv until the test ends and returns the SCIM listener's
// address and the health listener's (nil without server.healthListen).
func Serve(tb testing.TB, srv *connector.Server) (scim, health net.Addr) {
	tb.Helper()
	l, h, err := srv.Listen()
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, l, h) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			tb.Errorf("Serve: %v", err)
		}
	})
	if h != nil {
		health = h.Addr()
	}
	return l.Addr(), health
}
