package ldapstore

import (
	"context"
	"testing"
)

// TestAssertionMakesTheFirstWriteConditional: with a stale version, each
// kind of write fails with assertionFailed and changes nothing; with the
// current one it goes through, and only the first write carries it.
func TestAssertionMakesTheFirstWriteConditional(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv)
	ctx := context.Background()
	if !s.AssertionSupported(ctx) || !s.AssertionKnown() {
		t.Fatal("OpenLDAP advertises the Assertion control (1.3.6.1.1.12); the store does not see it")
	}
	dn := "uid=asserted," + srv.PeopleDN
	srv.MustAdd(t, dn, map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {"asserted"}, "cn": {"A"}, "sn": {"B"}})
	csn := func() string { return srv.Entry(t, dn, "entryCSN")["entrycsn"][0] }
	stale := csn()
	srv.MustModify(t, dn, map[string][]string{"title": {"changed by someone else"}})

	writes := []struct {
		name string
		do   func(ctx context.Context) error
	}{
		{"modify", func(ctx context.Context) error {
			return s.Modify(ctx, dn, []Change{{Op: ChangeReplace, Attr: "title", Values: []string{"mine"}}})
		}},
		{"modify with post-read", func(ctx context.Context) error {
			_, err := s.ModifyRead(ctx, dn, []Change{{Op: ChangeReplace, Attr: "title", Values: []string{"mine"}}}, []string{"title"})
			return err
		}},
		{"password", func(ctx context.Context) error { return s.SetPassword(ctx, dn, "Secret-Pass-1") }},
		{"rename", func(ctx context.Context) error { _, err := s.Rename(ctx, dn, "uid", "renamed"); return err }},
		{"delete", func(ctx context.Context) error { return s.Delete(ctx, dn) }},
	}
	for _, w := range writes {
		before := srv.Entry(t, dn)
		err := w.do(WithAssertion(ctx, "entryCSN", stale))
		if Code(err) != CodeAssertionFailed {
			t.Errorf("%s with a stale version: %v, want assertionFailed (122)", w.name, err)
		}
		if after := srv.Entry(t, dn); len(after) != len(before) || after["title"][0] != before["title"][0] {
			t.Errorf("%s with a stale version changed the entry: %v → %v", w.name, before, after)
		}
	}
	// The current version passes; the second write of the same request is
	// not conditional any more (the first changed the version).
	ctx = WithAssertion(ctx, "entryCSN", csn())
	if err := s.SetPassword(ctx, dn, "Secret-Pass-1"); err != nil {
		t.Fatalf("password with the current version: %v", err)
	}
	if err := s.Modify(ctx, dn, []Change{{Op: ChangeReplace, Attr: "title", Values: []string{"mine"}}}); err != nil {
		t.Fatalf("second write of the request: %v", err)
	}
	if err := srv.CanBind(dn, "Secret-Pass-1"); err != nil {
		t.Errorf("password set with an assertion does not bind: %v", err)
	}
}
