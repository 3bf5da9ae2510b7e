package ldapstore

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// pagedServer is a slapd preloaded with n people under ou=People.
func pagedServer(t *testing.T, n int) *testldap.Server {
	t.Helper()
	path := filepath.Join(t.TempDir(), "people.ldif")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, "dn: uid=p%05d,ou=People,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: p%05d\ncn: p\nsn: p\n\n", i, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return startServer(t, testldap.Options{LDAPSPort: -1, PreloadLDIF: path})
}

var peopleReq = SearchRequest{BaseDN: "ou=People,dc=example,dc=com", Scope: ScopeSub, Filter: Eq("objectClass", "inetOrgPerson"), Attributes: []string{"uid"}}

// TestSearchPageWalks: every way of walking a result page by page returns
// the directory's order exactly, with the right total, and a walk on one
// Store continues its cursor: one LDAP search per page after the first.
func TestSearchPageWalks(t *testing.T) {
	const n = 1234
	srv := pagedServer(t, n)
	var searches atomic.Int64
	count := func(o *Options) {
		o.Observer = func(op string, _ time.Duration, _ error) {
			if op == "search" {
				searches.Add(1)
			}
		}
	}
	withCursors, _ := openStore(t, srv, count)
	noCursors, _ := openStore(t, srv, count, func(o *Options) { o.Cursors = -1 })
	oneCursor, _ := openStore(t, srv, count, func(o *Options) { o.Cursors = 1 })
	all, err := withCursors.Search(t.Context(), peopleReq)
	if err != nil || len(all) != n {
		t.Fatalf("Search: %d entries, %v", len(all), err)
	}

	tests := []struct {
		name   string
		stores []*Store // page i goes to stores[i%len]
		limit  int
		// LDAP searches a page may cost once the walk is under way; 0 = not checked
		perPage int
	}{
		{"cursor, Okta's 100", []*Store{withCursors}, 100, 1},
		{"cursor, odd page size", []*Store{withCursors}, 37, 1},
		{"cursor, pages larger than an LDAP page", []*Store{withCursors}, 700, 2},
		{"no cursors: every page a skip", []*Store{noCursors}, 100, 0},
		// The second store's cursor is keys-only (it began with a skip):
		// one search for the DNs, one pipelined read of the entries.
		{"two stores taking turns", []*Store{withCursors, oneCursor}, 100, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []*Entry
			for i, off := 0, 0; off < n+tt.limit; i, off = i+1, off+tt.limit { // bounded
				for _, s := range tt.stores {
					s.pg.bg.Wait() // a cursor catching up after a VLV page is not the next page's cost
				}
				before := searches.Load()
				es, total, err := tt.stores[i%len(tt.stores)].SearchPage(t.Context(), peopleReq, off, tt.limit)
				if err != nil {
					t.Fatalf("page at %d: %v", off, err)
				}
				if total != n {
					t.Errorf("page at %d: total %d, want %d", off, total, n)
				}
				if want := min(tt.limit, max(n-off, 0)); len(es) != want {
					t.Fatalf("page at %d: %d entries, want %d", off, len(es), want)
				}
				if d := searches.Load() - before; tt.perPage > 0 && i > 1 && d > int64(tt.perPage) {
					t.Errorf("page at %d cost %d LDAP searches, want at most %d", off, d, tt.perPage)
				}
				got = append(got, es...)
				if off+tt.limit >= n {
					break
				}
			}
			if len(got) != n {
				t.Fatalf("walk returned %d entries, want %d", len(got), n)
			}
			for i := range got {
				if got[i].DN != all[i].DN {
					t.Fatalf("entry %d is %s, the directory's order has %s", i, got[i].DN, all[i].DN)
				}
			}
		})
	}

	t.Run("a result that fits keeps no cursor", func(t *testing.T) {
		req := peopleReq
		for _, limit := range []int{100, 1} { // count=1: the page is exactly full
			idleBefore, _ := withCursors.pg.cursors.stats()
			// The unindexed title leaves every entry a candidate; slapd
			// still scans on after a full page and sends no cookie when
			// nothing more matched, so no cursor is opened.
			req.Filter = Or(Eq("uid", fmt.Sprintf("p%05d", 42+limit)), Eq("title", "none"))
			es, total, err := withCursors.SearchPage(t.Context(), req, 0, limit)
			if err != nil || len(es) != 1 || total != 1 {
				t.Fatalf("lookup with limit %d: %d entries, total %d, %v", limit, len(es), total, err)
			}
			idle, live := withCursors.pg.cursors.stats()
			if idle != live {
				t.Errorf("%d cursors in use after the walks ended", live-idle)
			}
			if idle > idleBefore {
				t.Errorf("lookup with limit %d left a cursor: %d idle, %d before", limit, idle, idleBefore)
			}
		}
	})
	t.Run("past the end and count only", func(t *testing.T) {
		es, total, err := noCursors.SearchPage(t.Context(), peopleReq, n+5, 100)
		if err != nil || len(es) != 0 || total != n {
			t.Errorf("past the end: %d entries, total %d, %v", len(es), total, err)
		}
		es, total, err = noCursors.SearchPage(t.Context(), peopleReq, 0, 0)
		if err != nil || len(es) != 0 || total != n {
			t.Errorf("limit 0: %d entries, total %d, %v", len(es), total, err)
		}
	})
}

// TestCursorIdleTimeout: an abandoned walk's cursor closes after
// CursorIdle, giving its connection back.
func TestCursorIdleTimeout(t *testing.T) {
	srv := pagedServer(t, 300)
	s, _ := openStore(t, srv, func(o *Options) { o.CursorIdle = 200 * time.Millisecond })
	if _, _, err := s.SearchPage(t.Context(), peopleReq, 0, 100); err != nil {
		t.Fatal(err)
	}
	if idle, _ := s.pg.cursors.stats(); idle != 1 {
		t.Fatalf("%d idle cursors after the first page, want 1", idle)
	}
	for range 50 { // bounded wait: 5 s
		if _, live := s.pg.cursors.stats(); live == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("the cursor is still open after %s idle", 5*time.Second)
}

// TestTotalResultsExact: totalResults is the number of matching entries on
// every page of a walk, on every directory, including a page that ends on
// the last entry (Samba still sends a paging cookie after it, which made
// the total one too many: 35 users, startIndex=1&count=35 → 36), and a
// second walk that reuses the cached count.
func TestTotalResultsExact(t *testing.T) {
	const n = 35
	for _, kind := range testldap.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			srv := testldap.Start(t, testldap.Options{Kind: kind})
			filter := Eq("objectClass", "inetOrgPerson")
			srv.MustAddMany(t, n, func(i int) (string, map[string][]string) {
				uid := fmt.Sprintf("tot%02d", i)
				if kind == testldap.SambaAD {
					return ChildDN("CN", uid, srv.PeopleDN), map[string][]string{"objectClass": {"user"}, "sAMAccountName": {uid}}
				}
				return ChildDN("uid", uid, srv.PeopleDN), person(uid)
			})
			if kind == testldap.SambaAD {
				filter = And(Eq("objectCategory", "person"), Eq("objectClass", "user"))
			}
			req := SearchRequest{BaseDN: srv.PeopleDN, Scope: ScopeSub, Filter: filter, Attributes: []string{"cn"}}
			withCursors, _ := openStore(t, srv)
			noCursors, _ := openStore(t, srv, func(o *Options) { o.Cursors = -1 })
			for _, tc := range []struct {
				name  string
				s     *Store
				limit int
			}{
				{"one page of exactly all", withCursors, n},
				{"the same again, count cached", withCursors, n},
				{"pages ending on the last entry", withCursors, 7},
				{"pages of 10", withCursors, 10},
				{"one page of more than all", withCursors, n + 1},
				{"skips, pages ending on the last entry", noCursors, 7},
			} {
				t.Run(tc.name, func(t *testing.T) {
					seen := 0
					for off := 0; off < n; off += tc.limit {
						es, total, err := tc.s.SearchPage(t.Context(), req, off, tc.limit)
						if err != nil {
							t.Fatalf("page at %d: %v", off, err)
						}
						if total != n {
							t.Errorf("page at %d (count %d): totalResults %d, want %d", off, tc.limit, total, n)
						}
						seen += len(es)
					}
					if seen != n {
						t.Errorf("the walk returned %d entries, want %d", seen, n)
					}
				})
			}
		})
	}
}
