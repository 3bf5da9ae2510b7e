package ldapstore

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCRUD(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv)
	ctx := t.Context()

	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	dn := ChildDN("uid", "a", srv.PeopleDN)
	if err := s.Add(ctx, dn, person("a", "mail", "a@example.com", "description", "one", "description", "two")); err != nil {
		t.Fatalf("Add: %v", err)
	}

	// Search by uid; entryUUID only when asked for.
	find := func(uid string, attrs ...string) *Entry {
		t.Helper()
		es, err := s.Search(ctx, SearchRequest{BaseDN: srv.PeopleDN, Scope: ScopeSub, Filter: Eq("uid", uid), Attributes: attrs})
		if err != nil {
			t.Fatalf("Search uid=%s: %v", uid, err)
		}
		if len(es) != 1 {
			t.Fatalf("Search uid=%s: %d entries", uid, len(es))
		}
		return es[0]
	}
	e := find("a", "*")
	if !EqualDN(e.DN, dn) || e.First("MAIL") != "a@example.com" || !slices.Equal(e.Get("Description"), []string{"one", "two"}) {
		t.Errorf("entry = %+v", e)
	}
	if e.Get("entryUUID") != nil {
		t.Error(`"*" returned the operational attribute entryUUID`)
	}
	e = find("a", "uid", "entryUUID")
	uuid := e.First("entryuuid")
	if len(uuid) != 36 {
		t.Errorf("entryUUID = %q", uuid)
	}
	if _, ok := e.Attrs["entryuuid"]; !ok {
		t.Errorf("Attrs keys are not lower-cased: %v", e.Attrs)
	}
	if e := find("a"); len(e.Attrs) != 0 {
		t.Errorf("nil Attributes returned attributes: %v", e.Attrs)
	}

	// Modify: add, replace, delete a value, delete an attribute.
	err := s.Modify(ctx, dn, []Change{
		{Op: ChangeAdd, Attr: "telephoneNumber", Values: []string{"+1 555 0100"}},
		{Op: ChangeReplace, Attr: "mail", Values: []string{"new@example.com", "alt@example.com"}},
		{Op: ChangeDelete, Attr: "description", Values: []string{"one"}},
		{Op: ChangeAdd, Attr: "title", Values: []string{"x"}},
	})
	if err != nil {
		t.Fatalf("Modify: %v", err)
	}
	got := srv.Entry(t, dn)
	if !slices.Equal(got["telephonenumber"], []string{"+1 555 0100"}) || len(got["mail"]) != 2 || !slices.Equal(got["description"], []string{"two"}) {
		t.Errorf("after Modify: %v", got)
	}
	if err := s.Modify(ctx, dn, []Change{{Op: ChangeDelete, Attr: "title"}, {Op: ChangeReplace, Attr: "telephoneNumber"}}); err != nil {
		t.Fatalf("Modify delete/replace-empty: %v", err)
	}
	if got := srv.Entry(t, dn); got["title"] != nil || got["telephonenumber"] != nil {
		t.Errorf("attributes not removed: %v", got)
	}
	if err := s.Modify(ctx, "uid=nobody,"+srv.PeopleDN, nil); err != nil {
		t.Errorf("empty Modify sent a request: %v", err)
	}

	// Rename keeps the entry (same entryUUID).
	newDN, err := s.Rename(ctx, dn, "uid", "b")
	if err != nil {
		t.Fatalf("Rename: %v", err)
	}
	if !EqualDN(newDN, "uid=b,"+srv.PeopleDN) {
		t.Errorf("Rename returned %q", newDN)
	}
	e = find("b", "uid", "entryUUID")
	if e.First("entryUUID") != uuid || !slices.Equal(e.Get("uid"), []string{"b"}) || !EqualDN(e.DN, newDN) {
		t.Errorf("after Rename: %+v (uuid was %s)", e, uuid)
	}
	if srv.Entry(t, dn) != nil {
		t.Error("old DN still exists")
	}

	if err := s.Delete(ctx, newDN); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if srv.Entry(t, newDN) != nil {
		t.Error("entry still exists after Delete")
	}
	if e, err := s.SearchOne(ctx, SearchRequest{BaseDN: srv.PeopleDN, Scope: ScopeOne, Filter: Eq("uid", "b")}); e != nil || err != nil {
		t.Errorf("SearchOne after Delete = %v, %v", e, err)
	}
}

func TestResultCodes(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv)
	ctx := t.Context()
	dn := ChildDN("uid", "x", srv.PeopleDN)
	if err := s.Add(ctx, dn, person("x")); err != nil {
		t.Fatal(err)
	}
	noSn := person("y")
	delete(noSn, "sn")
	missing := ChildDN("uid", "missing", srv.PeopleDN)

	tests := []struct {
		name string
		run  func() error
		code int
	}{
		{"add twice", func() error { return s.Add(ctx, dn, person("x")) }, CodeEntryAlreadyExists},
		{"add without sn", func() error { return s.Add(ctx, ChildDN("uid", "y", srv.PeopleDN), noSn) }, CodeObjectClassViolation},
		{"add under missing parent", func() error { return s.Add(ctx, ChildDN("uid", "z", "ou=Nowhere,"+srv.BaseDN), person("z")) }, CodeNoSuchObject},
		{"add bad dn", func() error { return s.Add(ctx, "uid=x,,"+srv.PeopleDN, person("x")) }, CodeInvalidDNSyntax},
		{"add undefined attribute", func() error { return s.Add(ctx, ChildDN("uid", "u", srv.PeopleDN), person("u", "noSuchAttr", "1")) }, CodeUndefinedAttributeType},
		{"modify missing", func() error {
			return s.Modify(ctx, missing, []Change{{Op: ChangeReplace, Attr: "mail", Values: []string{"m"}}})
		}, CodeNoSuchObject},
		{"modify add existing value", func() error {
			return s.Modify(ctx, dn, []Change{{Op: ChangeAdd, Attr: "cn", Values: []string{"x"}}})
		}, CodeAttributeOrValueExists},
		{"modify delete absent attribute", func() error { return s.Modify(ctx, dn, []Change{{Op: ChangeDelete, Attr: "mail"}}) }, CodeNoSuchAttribute},
		{"modify remove required", func() error { return s.Modify(ctx, dn, []Change{{Op: ChangeDelete, Attr: "sn"}}) }, CodeObjectClassViolation},
		{"delete missing", func() error { return s.Delete(ctx, missing) }, CodeNoSuchObject},
		{"delete non-leaf", func() error { return s.Delete(ctx, srv.PeopleDN) }, CodeNotAllowedOnNonLeaf},
		{"rename missing", func() error { _, err := s.Rename(ctx, missing, "uid", "q"); return err }, CodeNoSuchObject},
		{"search missing base", func() error {
			_, err := s.Search(ctx, SearchRequest{BaseDN: "ou=Nowhere," + srv.BaseDN, Scope: ScopeSub})
			return err
		}, CodeNoSuchObject},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if Code(err) != tt.code {
				t.Fatalf("Code(%v) = %d, want %d", err, Code(err), tt.code)
			}
			var e *Error
			if !errors.As(err, &e) || e.Op == "" || IsUnavailable(err) {
				t.Errorf("error %v: not a classified *Error (or says unavailable)", err)
			}
			if !strings.Contains(err.Error(), "("+strconv.Itoa(tt.code)+")") {
				t.Errorf("Error() = %q lacks the code", err)
			}
		})
	}

	// Local validation happens before any request.
	for name, err := range map[string]error{
		"add bad attr":     s.Add(ctx, dn, map[string][]string{"bad attr": {"x"}}),
		"add no values":    s.Add(ctx, dn, map[string][]string{"mail": nil}),
		"modify bad attr":  s.Modify(ctx, dn, []Change{{Op: ChangeReplace, Attr: "a b"}}),
		"modify add empty": s.Modify(ctx, dn, []Change{{Op: ChangeAdd, Attr: "mail"}}),
		"modify bad op":    s.Modify(ctx, dn, []Change{{Op: 42, Attr: "mail"}}),
		"bad filter":       searchErr(t, s, SearchRequest{BaseDN: srv.BaseDN, Filter: Eq("bad attr", "x")}),
		"foreign filter":   searchErr(t, s, SearchRequest{BaseDN: srv.BaseDN, Filter: foreign("(uid=*)")}),
		"bad attribute":    searchErr(t, s, SearchRequest{BaseDN: srv.BaseDN, Attributes: []string{"cn,sn"}}),
		"bad scope":        searchErr(t, s, SearchRequest{BaseDN: srv.BaseDN, Scope: 7}),
	} {
		if err == nil || Code(err) != 0 || IsUnavailable(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := searchErr(t, s, SearchRequest{BaseDN: srv.BaseDN, Filter: And(Eq("uid", "x"), Present("1bad"))}); !errors.Is(err, ErrInvalidFilter) {
		t.Errorf("invalid filter error = %v, want ErrInvalidFilter", err)
	}
}

func searchErr(t *testing.T, s *Store, r SearchRequest) error {
	_, err := s.Search(t.Context(), r)
	return err
}

// Values with every character that needs escaping, as DN values and in
// filters, against the real server.
func TestNastyValuesOnServer(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv)
	ctx := t.Context()
	for _, v := range nastyValues {
		if v == "" || !utf8.ValidString(v) || strings.Trim(v, " ") == "" {
			continue // not a valid uid for the server (empty, not UTF-8, only spaces)
		}
		t.Run(v, func(t *testing.T) {
			dn := ChildDN("uid", v, srv.PeopleDN)
			if err := s.Add(ctx, dn, person(v)); err != nil {
				t.Fatalf("Add %q: %v", dn, err)
			}
			e, err := s.SearchOne(ctx, SearchRequest{BaseDN: srv.PeopleDN, Scope: ScopeOne, Filter: Eq("uid", v), Attributes: []string{"uid"}})
			if err != nil || e == nil {
				t.Fatalf("SearchOne(uid=%q) = %v, %v", v, e, err)
			}
			if !EqualDN(e.DN, dn) || e.First("uid") != v {
				t.Errorf("found %q uid=%q, want %q", e.DN, e.First("uid"), dn)
			}
			// The server's spelling of the DN parses back to the same value.
			if _, got, err := RDNValue(e.DN); err != nil || got != v {
				t.Errorf("RDNValue(%q) = %q, %v", e.DN, got, err)
			}
			if p, err := ParentDN(e.DN); err != nil || !EqualDN(p, srv.PeopleDN) {
				t.Errorf("ParentDN(%q) = %q, %v", e.DN, p, err)
			}
			// A substring search with the value as a part finds it too
			// (not for outer spaces: the server's substring rule drops the
			// value's trailing space but keeps the assertion's).
			if strings.TrimSpace(v) == v {
				es, err := s.Search(ctx, SearchRequest{BaseDN: srv.PeopleDN, Scope: ScopeOne, Filter: Substring("uid", v, nil, "")})
				if err != nil || len(es) != 1 {
					t.Errorf("Substring search: %d entries, %v", len(es), err)
				}
			}
			if err := s.Delete(ctx, e.DN); err != nil {
				t.Errorf("Delete %q: %v", e.DN, err)
			}
		})
	}
	// Wildcards in values are literal: nothing matches "*" when no uid is "*".
	if err := s.Add(ctx, ChildDN("uid", "plain", srv.PeopleDN), person("plain")); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"*", "pl*", "*)(uid=*", "plain)(|(uid=*"} {
		if es, err := s.Search(ctx, SearchRequest{BaseDN: srv.PeopleDN, Scope: ScopeOne, Filter: Eq("uid", v)}); err != nil || len(es) != 0 {
			t.Errorf("Eq(uid, %q) matched %d entries, %v", v, len(es), err)
		}
	}
}

func TestModifyPermissive(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv)
	ctx := t.Context()
	dn := ChildDN("uid", "p", srv.PeopleDN)
	if err := s.Add(ctx, dn, person("p", "mail", "p@example.com")); err != nil {
		t.Fatal(err)
	}
	addExisting := []Change{{Op: ChangeAdd, Attr: "mail", Values: []string{"p@example.com", "second@example.com"}}}
	if err := s.Modify(ctx, dn, addExisting); Code(err) != CodeAttributeOrValueExists {
		t.Fatalf("plain Modify adding an existing value: %v, want 20", err)
	}
	if err := s.ModifyPermissive(ctx, dn, addExisting); err != nil {
		t.Fatalf("ModifyPermissive adding an existing value: %v", err)
	}
	if got := srv.Entry(t, dn, "mail")["mail"]; len(got) != 2 {
		t.Errorf("mail = %v, want both values", got)
	}
	deleteAbsent := []Change{{Op: ChangeDelete, Attr: "title"}}
	if err := s.Modify(ctx, dn, deleteAbsent); Code(err) != CodeNoSuchAttribute {
		t.Fatalf("plain Modify deleting an absent attribute: %v, want 16", err)
	}
	if err := s.ModifyPermissive(ctx, dn, deleteAbsent); err != nil {
		t.Errorf("ModifyPermissive deleting an absent attribute: %v", err)
	}
	// OpenLDAP's control does not cover an absent value of a present
	// attribute (16); the per-value fallback does, and still deletes the
	// value that is there.
	mixed := []Change{{Op: ChangeDelete, Attr: "mail", Values: []string{"nope@example.com", "second@example.com"}}}
	if err := s.ModifyPermissive(ctx, dn, mixed); err != nil {
		t.Errorf("ModifyPermissive deleting an absent and a present value: %v", err)
	}
	if got := srv.Entry(t, dn, "mail")["mail"]; len(got) != 1 || got[0] != "p@example.com" {
		t.Errorf("mail = %v, want only p@example.com", got)
	}
	if err := s.ModifyPermissive(ctx, dn, nil); err != nil {
		t.Errorf("empty ModifyPermissive: %v", err)
	}
}
