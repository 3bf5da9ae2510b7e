package ldapstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

const bulkN = 1200

// bulkServer starts a server preloaded (slapadd, fast) with bulkN people
// under ou=Bulk and a non-root reader account: the root DN is exempt from
// size limits, so only a plain account shows what paging is for.
func bulkServer(t *testing.T) (srv *testldap.Server, bulkDN, readerDN string) {
	t.Helper()
	const base = "dc=example,dc=com"
	bulkDN, readerDN = "ou=Bulk,"+base, "cn=reader,"+base
	var b strings.Builder
	fmt.Fprintf(&b, "dn: %s\nobjectClass: organizationalUnit\nou: Bulk\n\n", bulkDN)
	fmt.Fprintf(&b, "dn: %s\nobjectClass: person\ncn: reader\nsn: reader\nuserPassword: readerpw\n\n", readerDN)
	for i := range bulkN {
		uid := fmt.Sprintf("bulk%04d", i)
		fmt.Fprintf(&b, "dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: Bulk\n\n", uid, bulkDN, uid, uid)
	}
	ldif := filepath.Join(t.TempDir(), "bulk.ldif")
	if err := os.WriteFile(ldif, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	srv = startServer(t, testldap.Options{PreloadLDIF: ldif})
	if srv.BaseDN != base {
		t.Fatalf("base DN %s", srv.BaseDN)
	}
	return srv, bulkDN, readerDN
}

func TestSearchPaged(t *testing.T) {
	srv, bulkDN, readerDN := bulkServer(t)
	ctx := t.Context()
	people := SearchRequest{BaseDN: bulkDN, Scope: ScopeOne, Filter: Eq("objectClass", "inetOrgPerson"), Attributes: []string{"uid"}}

	// The limit is real: a plain search as the reader stops at 500.
	c, err := ldap.DialURL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Bind(readerDN, "readerpw"); err != nil {
		t.Fatal(err)
	}
	res, err := c.Search(ldap.NewSearchRequest(bulkDN, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false, people.Filter.String(), []string{"uid"}, nil))
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) || res == nil || len(res.Entries) != 500 {
		t.Fatalf("unpaged search as reader: %d entries, %v; want 500 and sizeLimitExceeded", len(res.Entries), err)
	}

	s, _ := openStore(t, srv, func(o *Options) { o.BindDN, o.BindPassword = readerDN, "readerpw" })

	t.Run("Search returns everything", func(t *testing.T) {
		es, err := s.Search(ctx, people)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != bulkN || len(uniqueUIDs(t, es)) != bulkN {
			t.Fatalf("Search: %d entries, want %d distinct", len(es), bulkN)
		}
	})

	t.Run("SizeLimit", func(t *testing.T) {
		for _, n := range []int{1, 10, 499, 500, 501, 700, bulkN, bulkN + 1} {
			r := people
			r.SizeLimit = n
			es, err := s.Search(ctx, r)
			if want := min(n, bulkN); err != nil || len(es) != want {
				t.Errorf("SizeLimit %d: %d entries, %v; want %d", n, len(es), err, want)
			}
		}
		// An early stop leaves the connection usable.
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("SearchPage", func(t *testing.T) {
		seen := map[string]int{}
		for offset := 0; offset < bulkN; offset += 100 {
			es, total, err := s.SearchPage(ctx, people, offset, 100)
			if err != nil {
				t.Fatal(err)
			}
			if total != bulkN || len(es) != 100 {
				t.Fatalf("page at %d: %d entries, total %d", offset, len(es), total)
			}
			for _, e := range es {
				seen[e.First("uid")]++
			}
		}
		if len(seen) != bulkN {
			t.Errorf("pages covered %d distinct entries, want %d", len(seen), bulkN)
		}
		for uid, n := range seen {
			if n != 1 {
				t.Errorf("%s seen %d times", uid, n)
			}
		}

		tests := []struct{ offset, limit, want int }{
			{1150, 100, 50},
			{bulkN - 1, 10, 1},
			{bulkN, 10, 0},
			{5000, 100, 0},
			{0, 0, 0},
			{700, 0, 0},
			{0, bulkN + 5, bulkN},
		}
		for _, tt := range tests {
			es, total, err := s.SearchPage(ctx, people, tt.offset, tt.limit)
			if err != nil || total != bulkN || len(es) != tt.want {
				t.Errorf("SearchPage(%d, %d) = %d entries, total %d, %v; want %d, %d", tt.offset, tt.limit, len(es), total, err, tt.want, bulkN)
			}
		}
		// Pages agree with the full search's order.
		all, _ := s.Search(ctx, people)
		page, _, _ := s.SearchPage(ctx, people, 600, 3)
		for i, e := range page {
			if e.DN != all[600+i].DN {
				t.Errorf("page entry %d = %s, full search has %s", i, e.DN, all[600+i].DN)
			}
		}
		if _, _, err := s.SearchPage(ctx, people, -1, 10); err == nil {
			t.Error("negative offset accepted")
		}
		none := people
		none.Filter = Eq("uid", "nobody")
		if es, total, err := s.SearchPage(ctx, none, 0, 10); err != nil || total != 0 || len(es) != 0 {
			t.Errorf("no matches: %d, %d, %v", len(es), total, err)
		}
	})

	t.Run("SearchOne", func(t *testing.T) {
		e, err := s.SearchOne(ctx, SearchRequest{BaseDN: bulkDN, Scope: ScopeSub, Filter: Eq("uid", "bulk0042"), Attributes: []string{"uid"}})
		if err != nil || e == nil || e.First("uid") != "bulk0042" {
			t.Fatalf("SearchOne = %v, %v", e, err)
		}
		e, err = s.SearchOne(ctx, people)
		if e != nil || !errors.Is(err, ErrNotUnique) || Code(err) != 0 {
			t.Errorf("SearchOne of many = %v, %v; want ErrNotUnique", e, err)
		}
		e, err = s.SearchOne(ctx, SearchRequest{BaseDN: bulkDN, Scope: ScopeBase, Attributes: []string{"ou"}})
		if err != nil || e == nil || e.First("ou") != "Bulk" {
			t.Errorf("base search = %v, %v", e, err)
		}
	})

	t.Run("RootDSE", func(t *testing.T) {
		root, err := s.RootDSE(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, oid := range []string{"1.2.840.113556.1.4.319", "1.3.6.1.4.1.42.2.27.8.5.1"} {
			if !containsFold(root.Get("supportedControl"), oid) {
				t.Errorf("supportedControl lacks %s", oid)
			}
		}
		if !containsFold(root.Get("supportedExtension"), "1.3.6.1.4.1.4203.1.11.1") || !containsFold(root.Get("namingContexts"), srv.BaseDN) {
			t.Errorf("root DSE = %v", root.Attrs)
		}
	})
}

func uniqueUIDs(t *testing.T, es []*Entry) map[string]bool {
	t.Helper()
	m := map[string]bool{}
	for _, e := range es {
		m[e.First("uid")] = true
	}
	return m
}
