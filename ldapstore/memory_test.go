package ldapstore

import (
	"context"
	"slices"
	"strings"
	"testing"
)

const memoryLDIF = `version: 1
# a comment
dn: ou=People,dc=example,dc=com
objectClass: organizationalUnit
ou: People

dn: uid=ann,ou=People,dc=example,dc=com
objectClass: inetOrgPerson
uid: ann
cn: Ann Example
sn:: RXhhbXBsw6k=
entryUUID: 11111111-1111-4111-8111-111111111111
userAccountControl: 514
description: a long line that
 continues here

dn: uid=bob,ou=People,dc=example,dc=com
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: Builder
manager: UID=Ann, ou=People,dc=example,dc=com
employeeNumber: 42
`

// TestMemorySearch evaluates the filters the handlers send against
// entries read from LDIF, as preview's offline store does.
func TestMemorySearch(t *testing.T) {
	entries, err := ParseLDIF(strings.NewReader(memoryLDIF))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[1].First("sn") != "Examplé" || entries[1].First("description") != "a long line thatcontinues here" {
		t.Fatalf("ParseLDIF: %+v", entries)
	}
	s, err := Open(Options{URLs: []string{"ldap://127.0.0.1:1"}, Memory: NewMemory(entries)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.DryRun() {
		t.Error("a Store on a Memory must be dry-run")
	}
	people := "ou=People,dc=example,dc=com"
	for _, tc := range []struct {
		name   string
		base   string
		scope  Scope
		filter Filter
		want   []string // uids
	}{
		{"eq ignores case", people, ScopeSub, Eq("cn", "ann example"), []string{"ann"}},
		{"and with objectClass", people, ScopeSub, And(Eq("objectClass", "inetOrgPerson"), Eq("uid", "bob")), []string{"bob"}},
		{"or", people, ScopeSub, Or(Eq("uid", "ann"), Eq("uid", "bob")), []string{"ann", "bob"}},
		{"not", people, ScopeOne, And(Present("uid"), Not(Eq("uid", "ann"))), []string{"bob"}},
		{"substring", people, ScopeSub, Substring("cn", "a", []string{"ex"}, "le"), []string{"ann"}},
		{"DN value", people, ScopeSub, Eq("manager", "uid=ann,ou=people,dc=example,dc=com"), []string{"bob"}},
		{"ordering is numeric", people, ScopeSub, Ge("employeeNumber", "5"), []string{"bob"}},
		{"AD bit", people, ScopeSub, BitsSet("userAccountControl", 2), []string{"ann"}},
		{"raw config filter", people, ScopeSub, mustParse(t, "(&(objectClass=inetOrgPerson)(sn=Build*))"), []string{"bob"}},
		{"base", "uid=bob," + people, ScopeBase, All(), []string{"bob"}},
		{"missing container is empty", "ou=Groups,dc=example,dc=com", ScopeSub, All(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es, err := s.Search(context.Background(), SearchRequest{BaseDN: tc.base, Scope: tc.scope, Filter: tc.filter, Attributes: []string{"uid"}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.First("uid"))
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	_, err = s.Search(context.Background(), SearchRequest{BaseDN: "uid=nobody," + people, Scope: ScopeBase})
	if Code(err) != CodeNoSuchObject {
		t.Errorf("base search of an entry not held: %v, want noSuchObject", err)
	}
	if _, err := ParseLDIF(strings.NewReader("dn: cn=x\nchangetype: add\ncn: x\n")); err == nil || !strings.Contains(err.Error(), "change record") {
		t.Errorf("a change record must be refused: %v", err)
	}
}

// TestDryRunJournal: the journal keeps the writes in order with values,
// and masks passwords.
func TestDryRunJournal(t *testing.T) {
	s, err := Open(Options{URLs: []string{"ldap://127.0.0.1:1"}, Memory: NewMemory(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	j := &DryRunJournal{}
	ctx := WithDryRunScope(WithDryRunJournal(context.Background(), j))
	dn := "uid=c,ou=People,dc=example,dc=com"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Add(ctx, dn, map[string][]string{"uid": {"c"}, "userPassword": {"secret-1"}}))
	must(s.Modify(ctx, dn, []Change{{Op: ChangeReplace, Attr: "sn", Values: []string{"C"}}, {Op: ChangeReplace, Attr: "unicodePwd", Values: []string{"secret-2"}}}))
	must(s.SetPassword(ctx, dn, "secret-3"))
	_, err = s.Rename(ctx, dn, "uid", "d")
	must(err)
	must(s.Delete(ctx, "uid=d,ou=People,dc=example,dc=com"))
	ops := j.Ops()
	var kinds []string
	for _, op := range ops {
		kinds = append(kinds, op.Kind)
	}
	if !slices.Equal(kinds, []string{"add", "modify", "password", "modrdn", "delete"}) {
		t.Fatalf("kinds %v", kinds)
	}
	if ops[0].Attrs["userPassword"][0] != Masked || ops[1].Changes[1].Values[0] != Masked || ops[1].Changes[0].Values[0] != "C" || ops[3].NewRDN != "uid=d" {
		t.Errorf("ops %+v", ops)
	}
	for _, op := range ops {
		if strings.Contains(strings.ToLower(fmtOp(op)), "secret") {
			t.Errorf("the journal holds a password: %+v", op)
		}
	}
}

func fmtOp(op DryRunOp) string {
	var b strings.Builder
	for _, v := range op.Attrs {
		b.WriteString(strings.Join(v, ","))
	}
	for _, c := range op.Changes {
		b.WriteString(strings.Join(c.Values, ","))
	}
	return b.String()
}

func mustParse(t *testing.T, s string) Filter {
	t.Helper()
	f, err := ParseFilter(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
