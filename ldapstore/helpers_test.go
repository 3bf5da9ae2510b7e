package ldapstore

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// Every test that touches LDAP runs against a real slapd of its own
// (internal/testldap), so tests cannot disturb each other and may kill or
// restart their server.

func startServer(t *testing.T, opts ...testldap.Options) *testldap.Server {
	t.Helper()
	o := testldap.Options{NoSync: true}
	if len(opts) > 0 {
		o = opts[0]
		o.NoSync = true
	}
	return testldap.Start(t, o)
}

// openStore opens a Store bound as the server's admin; edit adjusts the
// options. See openStoreOpts.
func openStore(t *testing.T, srv *testldap.Server, edit ...func(*Options)) (*Store, *testldap.LogBuffer) {
	t.Helper()
	o := Options{URLs: []string{srv.URL}, BindDN: srv.BindDN, BindPassword: srv.BindPassword}
	for _, e := range edit {
		e(&o)
	}
	return openStoreOpts(t, o)
}

// openStoreOpts opens a Store with short timeouts unless o sets them, and
// closes it at the end of the test. Logs (debug and up) are returned, and
// shown when the test fails.
func openStoreOpts(t *testing.T, o Options) (*Store, *testldap.LogBuffer) {
	t.Helper()
	logs := &testldap.LogBuffer{}
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.DialTimeout == 0 {
		o.DialTimeout = 2 * time.Second
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 5 * time.Second
	}
	s, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		if t.Failed() {
			t.Logf("store log:\n%s", logs.String())
		}
	})
	return s, logs
}

// adminOpts are the Options for testldap's admin account at urls.
func adminOpts(urls ...string) Options {
	return Options{URLs: urls, BindDN: "cn=admin,dc=example,dc=com", BindPassword: "admin"}
}

func person(uid string, extra ...string) map[string][]string {
	m := map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {uid}, "cn": {uid}, "sn": {uid}}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = append(m[extra[i]], extra[i+1])
	}
	return m
}

// deadURL is an ldap:// URL on a loopback port nobody listens on.
func deadURL(t *testing.T) string {
	return "ldap://127.0.0.1:" + strconv.Itoa(testldap.FreePort(t))
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}
