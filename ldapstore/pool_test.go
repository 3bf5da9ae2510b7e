package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

var everyone = SearchRequest{BaseDN: "dc=example,dc=com", Scope: ScopeSub, Filter: Present("objectClass")}

func TestFailover(t *testing.T) {
	srv := startServer(t)
	s, logs := openStore(t, srv, func(o *Options) { o.URLs = []string{deadURL(t), srv.URL} })
	if _, err := s.Search(t.Context(), everyone); err != nil {
		t.Fatalf("Search with a dead first URL: %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "fallback") {
		t.Errorf("failover not logged at warn:\n%s", logs)
	}
}

func TestAllURLsDown(t *testing.T) {
	dead1, dead2 := deadURL(t), deadURL(t)
	o := adminOpts(dead1, dead2)
	o.DialTimeout = time.Second
	s, _ := openStoreOpts(t, o)
	err := s.Ping(t.Context())
	if !IsUnavailable(err) || Code(err) != 0 {
		t.Fatalf("Ping = %v, want unavailable", err)
	}
	for _, u := range []string{dead1, dead2} {
		if !strings.Contains(err.Error(), u) {
			t.Errorf("error does not name %s: %v", u, err)
		}
	}
}

// The bridge starts while the directory is down and recovers by itself.
func TestDirectoryComesUpLater(t *testing.T) {
	port := testldap.FreePort(t)
	url := "ldap://127.0.0.1:" + strconv.Itoa(port)
	s, _ := openStoreOpts(t, adminOpts(url))
	if err := s.Ping(t.Context()); !IsUnavailable(err) {
		t.Fatalf("Ping before the server exists = %v, want unavailable", err)
	}
	startServer(t, testldap.Options{Port: port})
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping once the server is up: %v", err)
	}
}

func TestOutageAndRecovery(t *testing.T) {
	srv := startServer(t)
	const dialTimeout, requestTimeout = time.Second, 2 * time.Second
	s, _ := openStore(t, srv, func(o *Options) { o.DialTimeout, o.RequestTimeout, o.PoolSize = dialTimeout, requestTimeout, 2 })
	ctx := t.Context()
	// Fill the pool, so the outage hits idle pooled connections.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := s.Search(ctx, everyone); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"search", func() error { _, err := s.Search(ctx, everyone); return err }},
		{"add", func() error { return s.Add(ctx, ChildDN("uid", "x", srv.PeopleDN), person("x")) }},
		{"ping", func() error { return s.Ping(ctx) }},
	} {
		start := time.Now()
		err := op.run()
		took := time.Since(start)
		t.Logf("%s during outage: %v after %v", op.name, err, took)
		if !IsUnavailable(err) {
			t.Errorf("%s during outage: IsUnavailable(%v) = false", op.name, err)
		}
		if took > dialTimeout+requestTimeout+5*time.Second { // generous: only catches hangs
			t.Errorf("%s took %v", op.name, took)
		}
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if es, err := s.Search(ctx, everyone); err != nil || len(es) == 0 {
		t.Fatalf("Search after restart = %d entries, %v", len(es), err)
	}
	if err := s.Add(ctx, ChildDN("uid", "back", srv.PeopleDN), person("back")); err != nil {
		t.Fatalf("Add after restart: %v", err)
	}
}

// A directory that accepts connections but does not answer (here: slapd
// paused by testldap) must not hang the bridge: requests end after
// RequestTimeout, or earlier when the caller's context ends.
func TestHungDirectory(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv, func(o *Options) {
		o.DialTimeout, o.RequestTimeout, o.PoolSize = 500*time.Millisecond, 700*time.Millisecond, 1
	})
	ctx := t.Context()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// Pause returns only once every slapd thread is stopped: a bare SIGSTOP
	// takes effect asynchronously, and a loaded machine let slapd answer
	// the next search after it.
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	// No cleanup needed: testldap's Stop resumes a paused slapd first.

	start := time.Now()
	_, err := s.Search(ctx, everyone)
	t.Logf("Search against a hung slapd: %v after %v", err, time.Since(start))
	if !IsUnavailable(err) {
		t.Errorf("IsUnavailable(%v) = false", err)
	}

	start = time.Now()
	_, err = s.Search(ctxTimeout(t, 200*time.Millisecond), everyone)
	t.Logf("Search with a 200ms context: %v after %v", err, time.Since(start))
	if !errors.Is(err, context.DeadlineExceeded) || !IsUnavailable(err) {
		t.Errorf("err = %v, want context.DeadlineExceeded and unavailable", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel)
	err = s.Add(cctx, ChildDN("uid", "c", srv.PeopleDN), person("c"))
	if !errors.Is(err, context.Canceled) || IsUnavailable(err) {
		t.Errorf("cancelled Add = %v, want context.Canceled, not unavailable", err)
	}

	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Search(ctx, everyone); err != nil {
		t.Fatalf("Search after Resume: %v", err)
	}
}

// flakyConn lets a test break a pooled connection while the server is
// fine: failWrite fails writes the way a dropped TCP connection does (the
// request never leaves); cutAfterWrite lets the request through and then
// cuts the connection, so its reply is lost after the server got it.
type flakyConn struct {
	net.Conn
	mode *atomic.Int32
}

const (
	connOK int32 = iota
	failWrite
	cutAfterWrite
)

func (c flakyConn) Write(p []byte) (int, error) {
	switch c.mode.Load() {
	case failWrite:
		return 0, &net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}
	case cutAfterWrite:
		n, err := c.Conn.Write(p)
		c.Conn.Close()
		return n, err
	}
	return c.Conn.Write(p)
}

// Read drops whatever arrives once the connection is cut. Write closes it
// right after the request, but on loopback the server's reply can come in
// (and be read) between the two, which made the lost reply a lucky one
// about one run in five under -race.
func (c flakyConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.mode.Load() == cutAfterWrite {
		c.Conn.Close()
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}
	}
	return n, err
}

func TestStalePooledConnection(t *testing.T) {
	srv := startServer(t)
	s, logs := openStore(t, srv, func(o *Options) { o.PoolSize = 1 })
	var conns []*atomic.Int32
	var mu sync.Mutex
	s.wrapConn = func(c net.Conn) net.Conn {
		m := &atomic.Int32{}
		mu.Lock()
		conns = append(conns, m)
		mu.Unlock()
		return flakyConn{c, m}
	}
	ctx := t.Context()
	breakAll := func(mode int32) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range conns {
			m.Store(mode)
		}
	}
	dialled := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(conns)
	}

	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	breakAll(failWrite)
	// A read on the stale connection is retried once on a fresh one.
	if _, err := s.Search(ctx, everyone); err != nil {
		t.Fatalf("Search on a stale pooled connection: %v\n%s", err, logs)
	}
	if !strings.Contains(logs.String(), "retrying on a fresh one") {
		t.Errorf("retry not logged:\n%s", logs)
	}

	// A write that never left is retried too: nothing was applied.
	breakAll(failWrite)
	if err := s.Add(ctx, ChildDN("uid", "w", srv.PeopleDN), person("w")); err != nil {
		t.Fatalf("Add on a stale connection: %v", err)
	}
	if srv.Entry(t, ChildDN("uid", "w", srv.PeopleDN)) == nil {
		t.Error("the retried Add is not in the directory")
	}
	if n := dialled(); n != 3 {
		t.Errorf("dialled %d connections, want 3 (initial, read retry, write retry)", n)
	}

	// A write whose reply was lost is not: the server may have applied it.
	breakAll(cutAfterWrite)
	err := s.Add(ctx, ChildDN("uid", "v", srv.PeopleDN), person("v"))
	if !IsUnavailable(err) {
		t.Fatalf("Add whose reply was lost = %v, want unavailable", err)
	}
	t.Logf("Add whose reply was lost: %v; applied: %v", err, srv.Entry(t, ChildDN("uid", "v", srv.PeopleDN)) != nil)
	if n := dialled(); n != 3 {
		t.Errorf("dialled %d connections, want still 3: a write that may have been applied was retried", n)
	}
	// The cut connection was dropped, so the next write works.
	if err := s.Add(ctx, ChildDN("uid", "x", srv.PeopleDN), person("x")); err != nil {
		t.Fatalf("Add after dropping the cut connection: %v", err)
	}
}

func TestTLS(t *testing.T) {
	srv := startServer(t)
	tests := []struct {
		name        string
		edit        func(*Options)
		ok          bool
		unavailable bool
	}{
		{"ldaps with CA", func(o *Options) { o.URLs, o.CAFile = []string{srv.LDAPSURL}, srv.CAFile }, true, false},
		{"ldaps localhost name", func(o *Options) {
			o.URLs, o.CAFile, o.ServerName = []string{srv.LDAPSURL}, srv.CAFile, "localhost"
		}, true, false},
		{"starttls with CA", func(o *Options) { o.StartTLS, o.CAFile = true, srv.CAFile }, true, false},
		{"ldaps without CA", func(o *Options) { o.URLs = []string{srv.LDAPSURL} }, false, false},
		{"ldaps wrong name", func(o *Options) {
			o.URLs, o.CAFile, o.ServerName = []string{srv.LDAPSURL}, srv.CAFile, "ldap.example.org"
		}, false, false},
		{"starttls without CA", func(o *Options) { o.StartTLS = true }, false, false},
		{"ldaps insecure", func(o *Options) { o.URLs, o.InsecureSkipVerify = []string{srv.LDAPSURL}, true }, true, false},
		{"wrong password", func(o *Options) { o.BindPassword = "leak-canary-pw" }, false, false},
		{"wrong password, failover", func(o *Options) {
			o.URLs, o.BindPassword = []string{deadURL(t), srv.URL}, "leak-canary-pw"
		}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, logs := openStore(t, srv, tt.edit)
			err := s.Ping(t.Context())
			if (err == nil) != tt.ok || IsUnavailable(err) != tt.unavailable {
				t.Errorf("Ping = %v (unavailable %v); want ok=%v unavailable=%v", err, IsUnavailable(err), tt.ok, tt.unavailable)
			}
			t.Logf("Ping: %v", err)
			if err != nil && strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), "leak-canary") || strings.Contains(logs.String(), "leak-canary") {
				t.Errorf("the password leaked: %v\n%s", err, logs)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv, func(o *Options) { o.PoolSize = 3 })
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 40 {
		wg.Go(func() {
			uid := fmt.Sprintf("c%02d", i)
			dn := ChildDN("uid", uid, srv.PeopleDN)
			if err := s.Add(ctx, dn, person(uid)); err != nil {
				errs <- err
				return
			}
			for range 5 {
				e, err := s.SearchOne(ctx, SearchRequest{BaseDN: srv.PeopleDN, Scope: ScopeOne, Filter: Eq("uid", uid), Attributes: []string{"uid"}})
				if err != nil || e == nil {
					errs <- fmt.Errorf("SearchOne %s: %v, %v", uid, e, err)
					return
				}
			}
			if err := s.Delete(ctx, dn); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := len(s.pool.slots); got != 3 {
		t.Errorf("pool holds %d slots after use, want 3", got)
	}
}

// A checkout waits for a free connection only as long as its context.
func TestPoolWaitBoundedByContext(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv, func(o *Options) { o.PoolSize = 1 })
	c, err := s.pool.get(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Search(ctxTimeout(t, 100*time.Millisecond), everyone)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Search with the pool exhausted = %v, want DeadlineExceeded", err)
	}
	s.pool.put(c, nil)
	if _, err := s.Search(t.Context(), everyone); err != nil {
		t.Errorf("Search after the connection came back: %v", err)
	}
	// Close while a connection is checked out: it is closed on return.
	c, err = s.pool.get(t.Context(), false)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Search(t.Context(), everyone); !errors.Is(err, ErrClosed) {
		t.Errorf("Search after Close = %v", err)
	}
	s.pool.put(c, nil)
	if !c.l.IsClosing() {
		t.Error("connection returned after Close was not closed")
	}
}
