package ldapstore

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// heldReader keeps go-ldap's reader from learning that the server closed
// the connection until release is closed: the window, between a server's
// death and the reader goroutine running, in which a write used to go out
// into the dead socket and fail as "maybe applied". On a loaded machine it
// opens by itself (1 run in 8 here); holding it makes every run take it.
type heldReader struct {
	net.Conn
	release <-chan struct{}
}

func (c heldReader) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		<-c.release
	}
	return n, err
}

// openHeld opens a store whose connections hold back read errors until
// the test ends, and fills its pool with connections to the first URL.
func openHeld(t *testing.T, o Options) (*Store, *testldap.LogBuffer) {
	t.Helper()
	o.PoolSize, o.RequestTimeout = 3, 2*time.Second
	s, logs := openStoreOpts(t, o)
	release := make(chan struct{})
	s.wrapConn = func(c net.Conn) net.Conn { return heldReader{c, release} }
	t.Cleanup(func() { close(release) }) // runs before the store's Close
	var cs []*conn
	for range o.PoolSize {
		c, err := s.pool.get(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	for _, c := range cs {
		s.pool.put(c, nil)
	}
	return s, logs
}

func wantLogged(t *testing.T, logs *testldap.LogBuffer, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if !strings.Contains(logs.String(), m) {
			t.Errorf("log lacks %q:\n%s", m, logs)
		}
	}
}

// The first write after the directory was killed, with a second URL to
// fail over to, succeeds: its request was refused on the dead pooled
// connection before being sent, so it was safe to retry.
func TestWriteAfterFailover(t *testing.T) {
	first, second := startServer(t), startServer(t)
	s, logs := openHeld(t, adminOpts(first.URL, second.URL))
	if err := first.Kill(); err != nil {
		t.Fatal(err)
	}
	dn := ChildDN("uid", "after", second.PeopleDN)
	if err := s.Add(t.Context(), dn, person("after")); err != nil {
		t.Fatalf("first Add after the failover: %v", err)
	}
	if second.Entry(t, dn) == nil {
		t.Error("the entry is not in the second directory")
	}
	wantLogged(t, logs, "retrying on a fresh one", "connected to a fallback URL")
}

// Same after the directory restarted on the same port.
func TestWriteAfterRestart(t *testing.T) {
	srv := startServer(t)
	dn := ChildDN("uid", "r", srv.PeopleDN)
	srv.MustAdd(t, dn, person("r"))
	s, logs := openHeld(t, adminOpts(srv.URL))
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	err := s.Modify(t.Context(), dn, []Change{{Op: ChangeReplace, Attr: "description", Values: []string{"back"}}})
	if err != nil {
		t.Fatalf("first Modify after the restart: %v", err)
	}
	if e := srv.Entry(t, dn, "description"); len(e["description"]) != 1 || e["description"][0] != "back" {
		t.Errorf("entry after the Modify: %v", e)
	}
	wantLogged(t, logs, "retrying on a fresh one")
}

// notSent must hold only for errors that prove the request never left:
// anything else may have been applied, and a write is then not retried.
func TestNotSent(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{errors.New("unable to send request: write tcp 127.0.0.1:1->127.0.0.1:2: write: broken pipe"), true},
		{errors.New("unable to send request: " + errPeerClosed.Error()), true},
		{ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: connection closed")), true},
		{ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: could not send message for unknown reason")), true},
		{errors.New("unable to read LDAP response packet: EOF"), false},
		{ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: connection timed out")), false},
		{ldap.NewError(ldap.ErrorNetwork, errors.New("ldap: response channel closed")), false},
		{ldap.NewError(ldap.LDAPResultUnavailable, errors.New("")), false},
		{context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		if got := notSent(wrapErr("add", "uid=a,dc=x", tt.err)); got != tt.want {
			t.Errorf("notSent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
