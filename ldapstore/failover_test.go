package ldapstore

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// tookIt returns the serverID of the provider that made the last change
// to dn, from its entryCSN on srv: the directory's own record of where a
// write went.
func tookIt(t *testing.T, srv *testldap.Server, dn string) int {
	t.Helper()
	e := srv.Entry(t, dn, "entryCSN")
	if e == nil {
		t.Fatalf("%s missing on %s", dn, srv.URL)
	}
	return testldap.CSNServerID(e["entrycsn"][0])
}

// events records the failover and failback events the Observer gets.
type events struct {
	mu  sync.Mutex
	ops []string
}

func (e *events) observe(op string, _ time.Duration, _ error) {
	if op == "failover" || op == "failback" {
		e.mu.Lock()
		e.ops = append(e.ops, op)
		e.mu.Unlock()
	}
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.ops)
}

// TestFailback: with URLs [a, b] of a replicated pair and a killed, the
// store writes to b; once a is back it keeps writing to b (a may still be
// catching up) until a has answered for FailbackAfter, then every write,
// on new and formerly pooled connections alike, goes to a again. With a
// negative FailbackAfter it stays on b.
func TestFailback(t *testing.T) {
	const quiet = 2 * time.Second
	for _, tc := range []struct {
		name     string
		failback time.Duration
		want     []string // failover/failback events, in order
	}{
		{"quiet period", quiet, []string{"failover", "failback"}},
		{"off", -1, []string{"failover"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := testldap.StartReplicated(t, testldap.Options{NoSync: true})
			o := adminOpts(a.URL, b.URL)
			// A short DialTimeout would make a starved machine fail over again.
			o.FailbackAfter, o.PoolSize, o.DialTimeout = tc.failback, 4, 5*time.Second
			ev := &events{}
			o.Observer = ev.observe
			s, logs := openStoreOpts(t, o)
			ctx := t.Context()
			dn := func(uid string) string { return ChildDN("uid", uid, a.PeopleDN) }
			// Writes on several connections at once, so that the pool holds
			// more than one connection to the URL in use.
			writeAll := func(round string) []string {
				var wg sync.WaitGroup
				uids := make([]string, 4)
				for i := range uids {
					uids[i] = round + string(rune('0'+i))
					wg.Go(func() {
						if err := s.Add(ctx, dn(uids[i]), person(uids[i])); err != nil {
							t.Errorf("Add %s: %v", uids[i], err)
						}
					})
				}
				wg.Wait()
				return uids
			}
			// wantOn checks on which provider the writes were made, as
			// b records it (with a up, once the two agree).
			aUp := true
			wantOn := func(uids []string, id int) {
				t.Helper()
				if aUp {
					testldap.WaitInSync(t, a, b, 20*time.Second)
				}
				for _, u := range uids {
					if got := tookIt(t, b, dn(u)); got != id {
						t.Errorf("%s was written on provider %d, want %d", u, got, id)
					}
				}
			}
			wantActive := func(i int) {
				t.Helper()
				if url, idx := s.ActiveURL(); idx != i || url != o.URLs[i] {
					t.Errorf("ActiveURL = %s, %d; want %s, %d", url, idx, o.URLs[i], i)
				}
			}

			wantOn(writeAll("before"), 1)
			wantActive(0)
			if err := a.Kill(); err != nil {
				t.Fatal(err)
			}
			aUp = false
			wantOn(writeAll("down"), 2)
			wantActive(1)
			if err := a.Restart(); err != nil {
				t.Fatal(err)
			}
			back := time.Now()
			aUp = true
			// Within the quiet period, writes stay on b: a restarted
			// provider may not have caught up yet.
			early := writeAll("early")
			if time.Since(back) < quiet {
				wantOn(early, 2)
				wantActive(1)
			}
			if tc.failback < 0 {
				time.Sleep(quiet + time.Second)
				wantOn(writeAll("stays"), 2)
				wantActive(1)
			} else {
				deadline := time.Now().Add(quiet + 15*time.Second)
				for _, idx := s.ActiveURL(); idx != 0; _, idx = s.ActiveURL() {
					if time.Now().After(deadline) {
						t.Fatalf("no failback within %v of the restart", time.Since(back))
					}
					time.Sleep(50 * time.Millisecond)
				}
				away := time.Since(back)
				if away < quiet {
					t.Errorf("failed back %v after the restart, before the quiet period of %v", away, quiet)
				}
				t.Logf("failed back %v after the restart", away)
				wantOn(writeAll("after"), 1)
				if !strings.Contains(logs.String(), "level=INFO msg=\"ldap: returned to the preferred directory URL\" url="+a.URL) {
					t.Errorf("failback not logged at info")
				}
			}
			if got := ev.get(); !slices.Equal(got, tc.want) {
				t.Errorf("Observer events %v, want %v", got, tc.want)
			}
		})
	}
}

// A failover to a later URL when the first one fails while the second is
// active goes back to the first at once: it is the one that answers.
func TestFailoverBothWays(t *testing.T) {
	a, b := testldap.StartReplicated(t, testldap.Options{NoSync: true})
	o := adminOpts(a.URL, b.URL)
	o.FailbackAfter = time.Hour
	s, _ := openStoreOpts(t, o)
	for _, step := range []struct {
		kill, restart *testldap.Server
		want          int
	}{
		{a, nil, 1},
		{b, a, 0},
	} {
		if err := step.kill.Kill(); err != nil {
			t.Fatal(err)
		}
		if step.restart != nil {
			if err := step.restart.Restart(); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping after killing %s: %v", step.kill.URL, err)
		}
		if _, idx := s.ActiveURL(); idx != step.want {
			t.Errorf("after killing %s: active URL %d, want %d", step.kill.URL, idx, step.want)
		}
	}
}

func TestDialOrderAndProbeInterval(t *testing.T) {
	s := &Store{servers: make([]server, 3)}
	for _, tc := range []struct {
		active int
		want   []int
	}{{0, []int{0, 1, 2}}, {1, []int{1, 0, 2}}, {2, []int{2, 0, 1}}} {
		if got := s.dialOrder(tc.active); !slices.Equal(got, tc.want) {
			t.Errorf("dialOrder(%d) = %v, want %v", tc.active, got, tc.want)
		}
	}
	for _, tc := range []struct{ quiet, want time.Duration }{
		{time.Second, 100 * time.Millisecond},
		{10 * time.Millisecond, 100 * time.Millisecond},
		{30 * time.Second, 3 * time.Second},
		{time.Hour, 5 * time.Second},
	} {
		if got := probeInterval(tc.quiet); got != tc.want {
			t.Errorf("probeInterval(%v) = %v, want %v", tc.quiet, got, tc.want)
		}
	}
}
