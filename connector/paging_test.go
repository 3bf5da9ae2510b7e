package connector_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// pagedUsers is enough for 30 pages of Okta's 100, and several of the
// store's 500-entry LDAP pages, while slapadd loads it in about a second.
const pagedUsers = 3000

// usersLDIF writes n inetOrgPerson entries under ou=People for slapadd,
// shaped like the users the bridge creates (uid = userName).
func usersLDIF(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "users.ldif")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		uid := fmt.Sprintf("user%06d@example.com", i)
		fmt.Fprintf(w, "dn: uid=%s,ou=People,dc=example,dc=com\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: inetOrgPerson\n"+
			"uid: %s\ncn: Given%d Family%d\nsn: Family%d\ngivenName: Given%d\nmail: %s\nemployeeNumber: 00u%07d\n\n", uid, uid, i, i, i, i, uid, i)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

func noCursors(o *ldapstore.Options) { o.Cursors = -1 }

// page is one answer of an Okta import page.
type page struct {
	total int
	names []string
}

// importPage asks for the page at startIndex the way Okta's import does.
func importPage(b *bed, startIndex int) page {
	b.t.Helper()
	r := b.do("GET", "/Users?startIndex="+strconv.Itoa(startIndex)+"&count=100", "").want(b.t, http.StatusOK)
	total, err := strconv.Atoi(str(r.body, "totalResults"))
	if err != nil {
		b.t.Fatalf("totalResults: %s", r.raw)
	}
	list, _ := r.body["Resources"].([]interface{})
	p := page{total: total}
	for _, res := range list {
		p.names = append(p.names, str(res, "userName"))
	}
	if got := str(r.body, "itemsPerPage"); got != strconv.Itoa(len(p.names)) && got != "100" {
		b.t.Errorf("itemsPerPage %s with %d resources", got, len(p.names))
	}
	return p
}

// walk imports every user like Okta: startIndex 1, 101, 201, … until it
// passes totalResults, sending page i to instances[i % len]; between(i) runs
// after page i. Bounded: a walk never asks for more than 2×pagedUsers.
func walk(t *testing.T, instances []*bed, between func(i int)) []string {
	t.Helper()
	var names []string
	for i, start := 0, 1; start <= 2*pagedUsers; i, start = i+1, start+100 {
		p := importPage(instances[i%len(instances)], start)
		names = append(names, p.names...)
		if start+100 > p.total {
			return names
		}
		if between != nil {
			between(i)
		}
	}
	t.Fatalf("import did not end within %d pages", 2*pagedUsers/100)
	return nil
}

// TestImportPaging: an Okta-style import sees every user exactly once, in
// the directory's order, whether its pages continue a cursor, are found by
// a skip (a second bridge instance without the cursor), or alternate
// between instances behind a round-robin load balancer.
func TestImportPaging(t *testing.T) {
	t.Parallel() // its own slapd; the longest tests of the package
	dir := testldap.Start(t, testldap.Options{NoSync: true, LDAPSPort: -1, PreloadLDIF: usersLDIF(t, pagedUsers)})
	withCursors := bridge{dir: dir}.start(t)
	another := bridge{dir: dir}.start(t)
	without := bridge{dir: dir, store: noCursors}.start(t)

	// The directory's own order of a paged search is what every path must
	// reproduce.
	var order []string
	for _, e := range sortedByDirectory(t, dir) {
		order = append(order, e)
	}

	tests := []struct {
		name      string
		instances []*bed
	}{
		{"one instance, cursor", []*bed{withCursors}},
		{"cursor off: every page a skip", []*bed{without}},
		{"round robin, both with cursors", []*bed{withCursors, another}},
		{"round robin, one without cursor", []*bed{withCursors, without}},
		{"round robin, three instances", []*bed{another, without, withCursors}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := walk(t, tt.instances, nil)
			if len(got) != len(order) {
				t.Fatalf("import returned %d users, the directory has %d", len(got), len(order))
			}
			for i := range got {
				if got[i] != order[i] {
					t.Fatalf("entry %d is %s, the directory's order has %s", i, got[i], order[i])
				}
			}
		})
	}

	t.Run("totalResults and the last page", func(t *testing.T) {
		for _, b := range []*bed{withCursors, without} {
			p := importPage(b, pagedUsers-49)
			if p.total != pagedUsers || len(p.names) != 50 {
				t.Errorf("last page: %d users, totalResults %d", len(p.names), p.total)
			}
			p = importPage(b, pagedUsers+1)
			if p.total != pagedUsers || len(p.names) != 0 {
				t.Errorf("past the end: %d users, totalResults %d", len(p.names), p.total)
			}
			r := b.do("GET", "/Users?count=0", "").want(t, http.StatusOK)
			if str(r.body, "totalResults") != strconv.Itoa(pagedUsers) {
				t.Errorf("count=0: %s", r.raw)
			}
		}
	})
}

// sortedByDirectory lists the uids of ou=People in the order the directory
// returns them.
func sortedByDirectory(t *testing.T, dir *testldap.Server) []string {
	t.Helper()
	store, err := ldapstore.Open(ldapstore.Options{URLs: []string{dir.URL}, BindDN: dir.BindDN, BindPassword: dir.BindPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	es, err := store.Search(t.Context(), ldapstore.SearchRequest{
		BaseDN: dir.PeopleDN, Scope: ldapstore.ScopeSub, Filter: ldapstore.Eq("objectClass", "inetOrgPerson"), Attributes: []string{"uid"},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.First("uid")
	}
	return out
}

// TestImportPagingWhileChanging: users created and deleted between the pages
// of an import, on one instance or several behind a round-robin balancer.
// No user is returned after its deletion, none twice, and new users come
// at the end. With one cursor every unchanged user comes exactly once. A
// walk whose pages are found by skips (no cursor) counts offsets in the
// directory as it is at each page, so it may miss at most as many
// unchanged users as were deleted behind its position.
//
// Instances taking turns agree on offsets as long as a deleted user was
// passed by all their cursors or by none: deletions far behind the walk or
// ahead of it. A deletion inside the page one instance has just served and
// the other has not passed shifts one cursor against the other until the
// walk ends (README, Performance); the round-robin cases delete where
// offsets stay shared and then require exactly once.
func TestImportPagingWhileChanging(t *testing.T) {
	t.Parallel() // its own slapd; the longest tests of the package
	tests := []struct {
		name    string
		opts    []func(*ldapstore.Options) // one per instance, pages go round robin
		deletes []int                      // users deleted every fifth page, relative to the walk's position
		exact   bool                       // every unchanged user exactly once
	}{
		{"cursor", []func(*ldapstore.Options){nil}, []int{-50, 150, 700}, true},
		{"cursor off", []func(*ldapstore.Options){noCursors}, []int{-50, 150, 700}, false},
		{"round robin, both with cursors", []func(*ldapstore.Options){nil, nil}, []int{-250, 150, 700}, true},
		{"round robin, one without cursor", []func(*ldapstore.Options){nil, noCursors}, []int{150, 700}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testldap.Start(t, testldap.Options{NoSync: true, LDAPSPort: -1, PreloadLDIF: usersLDIF(t, pagedUsers)})
			var instances []*bed
			for _, o := range tt.opts {
				instances = append(instances, bridge{dir: dir, store: o}.start(t))
			}
			b := instances[0]
			uid := func(i int) string { return fmt.Sprintf("user%06d@example.com", i) }
			deleted := map[string]bool{}
			added := map[string]bool{}
			deletedBehind := 0
			deletedAhead := map[string]bool{}
			between := func(i int) {
				if i%5 != 2 { // every fifth page
					return
				}
				seen := (i + 1) * 100
				for _, rel := range tt.deletes {
					n := seen + rel
					if n >= pagedUsers || deleted[uid(n)] {
						continue
					}
					r := b.do("GET", "/Users?filter=userName%20eq%20%22"+uid(n)+"%22", "").want(t, http.StatusOK)
					id := str(r.body, "Resources.0.id")
					b.do("DELETE", "/Users/"+id, "").want(t, http.StatusNoContent)
					deleted[uid(n)] = true
					if n < seen {
						deletedBehind++
					} else {
						deletedAhead[uid(n)] = true
					}
				}
				name := fmt.Sprintf("new%03d@example.com", i)
				b.create(userBody(name, "New", strconv.Itoa(i), "Pass-word-1"))
				added[name] = true
			}
			got := walk(t, instances, between)

			count := map[string]int{}
			for _, n := range got {
				count[n]++
			}
			missed := 0
			for i := range pagedUsers {
				n := uid(i)
				switch {
				case count[n] > 1:
					t.Errorf("%s returned %d times", n, count[n])
				case count[n] == 0 && !deleted[n]:
					missed++
				}
			}
			for n := range added {
				if count[n] > 1 {
					t.Errorf("new user %s returned %d times", n, count[n])
				}
			}
			// Deleted before the walk reached them: never returned.
			for n := range deletedAhead {
				if count[n] > 0 {
					t.Errorf("user %s returned after it was deleted", n)
				}
			}
			if len(deleted) == 0 || len(added) == 0 {
				t.Fatalf("nothing changed during the walk: %d deleted, %d added", len(deleted), len(added))
			}
			switch {
			case tt.exact && missed > 0:
				t.Errorf("%d unchanged users missed with a cursor", missed)
			case tt.exact && len(got) != pagedUsers-len(deleted)+len(added)+deletedBehind:
				// deletedBehind users were returned before their deletion.
				t.Errorf("returned %d users, want %d", len(got), pagedUsers-len(deleted)+len(added)+deletedBehind)
			case missed > deletedBehind:
				t.Errorf("%d unchanged users missed, more than the %d deleted behind the walk", missed, deletedBehind)
			}
			if tt.exact {
				// New users come after every user that was there before.
				last := got[len(got)-len(added):]
				for _, n := range last {
					if !added[n] {
						t.Errorf("the walk ends with %v, want the new users last", last)
						break
					}
				}
			}
		})
	}
}

// TestLookupIsOneIndexedSearch: the lookups clients send before every
// create and update are pushed down whole: one LDAP search per request,
// answered from slapd's indexes (its trace log gives the number of
// candidate entries the indexes left).
func TestLookupIsOneIndexedSearch(t *testing.T) {
	t.Parallel() // its own slapd
	dir := testldap.Start(t, testldap.Options{NoSync: true, LDAPSPort: -1, PreloadLDIF: usersLDIF(t, 50), Debug: "trace"})
	b := newBenchBridge(t, dir)
	for range ldapstore.DefaultPoolSize { // the pool dials lazily: fill it first
		b.idOf("user000001@example.com")
	}
	id := b.idOf("user000007@example.com")
	tests := []struct{ name, filter string }{
		{"userName eq", `userName eq "user000007@example.com"`},
		{"userName eq, other case", `userName eq "USER000007@example.com"`},
		{"externalId eq", `externalId eq "00u0000007"`},
		{"id eq", `id eq "` + id + `"`},
		{"Okta agent's email eq", `emails.value eq "user000007@example.com"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logged := slapdLogFrom(t, dir)
			b.ops.take()
			raw := b.do(http.StatusOK, "GET", "/Users?filter="+url.QueryEscape(tt.filter), "")
			if !strings.Contains(string(raw), `"totalResults":1`) || !strings.Contains(string(raw), "user000007@example.com") {
				t.Fatalf("lookup answered %s", raw)
			}
			if ops := b.ops.take(); len(ops) != 1 || ops["search"] != 1 {
				t.Errorf("LDAP operations %v, want one search", ops)
			}
			var searches []string
			for _, line := range logged() {
				if i := strings.Index(line, "mdb_search_candidates: id="); i >= 0 {
					searches = append(searches, line[i:])
				}
			}
			// "id=1": the indexes narrowed the candidates to the one
			// entry (an unindexed term would leave every user of the
			// objectClass index, or -1 for all entries).
			if len(searches) != 1 || !strings.HasPrefix(searches[0], "mdb_search_candidates: id=1 ") {
				t.Errorf("slapd searched %q, want one search narrowed by an index to one entry", searches)
			}
		})
	}
}

// TestImportAcrossInstances: the pages of one import go to whichever
// bridge a load balancer picks, alternating on every page, and a bridge
// started in the middle of the import answers the next page. Every user
// comes exactly once, in the directory's order. The page the new bridge
// answers reads O(page) entries from the directory, not O(offset): it
// jumps with VLV (OpenLDAP's sssvlv) instead of counting to the offset.
// Cost is counted in entries slapd sent (its stats log), never in time.
func TestImportAcrossInstances(t *testing.T) {
	t.Parallel() // its own slapd
	dir := testldap.Start(t, testldap.Options{NoSync: true, LDAPSPort: -1, PreloadLDIF: usersLDIF(t, pagedUsers), Debug: "stats"})
	order := sortedByDirectory(t, dir)
	a := bridge{dir: dir}.start(t)
	b := bridge{dir: dir}.start(t)

	const joinAt = 15 // page index (startIndex 1501) the new bridge answers first
	instances := []*bed{a, b}
	var got []string
	for i, start := 0, 1; start <= 2*pagedUsers; i, start = i+1, start+100 { // bounded
		if i == joinAt {
			instances = append(instances, bridge{dir: dir}.start(t))
		}
		in := instances[i%len(instances)]
		if i == joinAt {
			in = instances[2]
		}
		p := importPage(in, start)
		if p.total != pagedUsers {
			t.Errorf("page at %d: totalResults %d, want %d", start, p.total, pagedUsers)
		}
		got = append(got, p.names...)
		if start+100 > p.total {
			break
		}
	}
	if len(got) != len(order) {
		t.Fatalf("import returned %d users, the directory has %d", len(got), len(order))
	}
	for i := range got {
		if got[i] != order[i] {
			t.Fatalf("entry %d is %s, the directory's order has %s", i, got[i], order[i])
		}
	}

	// The cost of one page answered by a bridge that has served nothing
	// of this walk. Cursors are off, so that nothing runs in the
	// background (a bridge with cursors then brings a keys-only cursor up
	// to the offset, after answering) and the log holds this page only.
	const offset = 2000
	cost := func(o func(*ldapstore.Options)) (entries, searches int) {
		t.Helper()
		fresh := bridge{dir: dir, store: o}.start(t)
		fresh.do("GET", "/ServiceProviderConfig", "").want(t, http.StatusOK)
		logged := slapdLogFrom(t, dir)
		p := importPage(fresh, offset+1)
		if len(p.names) != 100 || p.names[0] != order[offset] || p.total != pagedUsers {
			t.Fatalf("page at %d: %d users from %v, totalResults %d", offset+1, len(p.names), p.names[:min(1, len(p.names))], p.total)
		}
		for _, line := range logged() {
			if i := strings.Index(line, " nentries="); i >= 0 && strings.Contains(line, "SEARCH RESULT") {
				n, _ := strconv.Atoi(strings.Fields(line[i+len(" nentries="):])[0])
				entries += n
				searches++
			}
		}
		return entries, searches
	}
	vlvEntries, vlvSearches := cost(noCursors)
	skipEntries, skipSearches := cost(func(o *ldapstore.Options) { o.Cursors, o.NoVLV = -1, true })
	t.Logf("page at startIndex %d of %d on a fresh bridge: VLV %d entries in %d searches; counting to it %d entries in %d searches",
		offset+1, pagedUsers, vlvEntries, vlvSearches, skipEntries, skipSearches)
	if vlvEntries > 3*100 {
		t.Errorf("the fresh bridge's page read %d entries from the directory, want O(page): at most %d", vlvEntries, 3*100)
	}
	if skipEntries < offset {
		t.Errorf("without VLV the page read %d entries; the measure should see the %d counted to the offset", skipEntries, offset)
	}
}
