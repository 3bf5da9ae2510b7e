// Package testbridge runs a connector.Server on its configured listeners
// for a test, the way "scim2ldap serve" does, so tests in every package
// serve and stop it the same way.
package testbridge

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
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

// Bridge is a bridge built the way serve builds it (store from
// connector.StoreOptions, then connector.New), behind an httptest server.
type Bridge struct {
	Server *connector.Server
	Store  *ldapstore.Store
	HTTP   *httptest.Server
	Logs   *testldap.LogBuffer // the bridge's log, debug and up
}

// Start builds and serves a bridge for cfg until the test ends;
// storeOpts, if not nil, adjusts the store's options. The bridge's log is
// printed, headed by name, when the test fails.
func Start(tb testing.TB, cfg *config.Config, storeOpts func(*ldapstore.Options), name string) *Bridge {
	tb.Helper()
	logs := &testldap.LogBuffer{}
	log := slog.New(web.LogHandler(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	opts := connector.StoreOptions(cfg, log)
	if storeOpts != nil {
		storeOpts(&opts)
	}
	store, err := ldapstore.Open(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	srv, err := connector.New(cfg, store, log)
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	tb.Cleanup(hs.Close)
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("log of bridge %s:\n%s", name, logs.String())
		}
	})
	return &Bridge{Server: srv, Store: store, HTTP: hs, Logs: logs}
}
