package connector

import (
	"context"
	"encoding/json"
	stderrors "errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/elimity-com/scim/errors"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// The SCIM filter → LDAP filter translation is where client text meets the
// directory's query language. These fuzz targets use the shipped example
// mapping (examples/openldap.yaml) and check what the directory would see,
// by compiling the produced filter back with go-ldap (ldapstore.Inspect).

// exampleUsers is the users handler of examples/openldap.yaml, without a
// directory: translation never needs one for users.
func exampleUsers(tb testing.TB) *users {
	tb.Helper()
	cfg, err := config.Load("../examples/openldap.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	types, err := resourceTypes(cfg, nil, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		tb.Fatal(err)
	}
	return types[0].Handler.(*users)
}

// fuzzAttrs are filterable SCIM attributes and the LDAP attributes the
// example maps them to.
var fuzzAttrs = []struct {
	scim string
	ldap []string
}{
	{"userName", []string{"uid"}},
	{"name.givenName", []string{"givenName"}},
	{"NAME.FAMILYNAME", []string{"sn"}},
	{"displayName", []string{"displayName"}},
	{`emails[type eq "work"].value`, []string{"mail"}},
	{"emails", []string{"mail"}},
	{"email", []string{"mail"}}, // SCIM 1.1 alias (Okta agent)
	{"phoneNumbers.value", []string{"telephoneNumber", "mobile"}},
	{`phoneNumbers[type eq "mobile"].value`, []string{"mobile"}},
	{"externalId", []string{"employeeNumber"}},
	{"title", []string{"title"}},
	{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", []string{"departmentNumber"}},
	{"urn:okta:onprem_app:1.0:user:custom:departmentName", []string{"ou"}},
}

var fuzzOps = []string{"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Co"}

// fuzzShapes embed the comparison X in larger filters; the other leaves
// are on attributes outside fuzzAttrs' LDAP attributes or are presence
// tests.
var fuzzShapes = []string{"X", "not (X)", "X and active eq true", "(X) or meta.created pr", `X and not (meta.lastModified gt "2020-01-01T00:00:00Z")`}

// otherLeafAttrs are what fuzzShapes add (and None's objectClass).
var otherLeafAttrs = []string{"pwdAccountLockedTime", "createTimestamp", "modifyTimestamp", "objectClass"}

func pick[T any](list []T, i int) T {
	if i < 0 {
		i = -(i + 1)
	}
	return list[i%len(list)]
}

// FuzzFilterTranslation: for `<attr> <op> "<v>"` in any of the shapes, the
// LDAP filter parses, and every leaf on the mapped attribute compares with
// exactly v (equality, ordering, or the right substring part) — whatever
// bytes v holds, it never becomes filter syntax.
func FuzzFilterTranslation(f *testing.F) {
	for i, v := range []string{"alice@corp.local", "*", "*)(uid=*", `\2a`, "a\x00b", "(|(objectClass=*))", "ü日本", `"quoted"`, "", " ", `\`, "a*b*c"} {
		f.Add(i, i, i, v)
	}
	u := exampleUsers(f)
	f.Fuzz(func(t *testing.T, attr, op, shape int, v string) {
		if !utf8.ValidString(v) {
			return // JSON strings hold text; Parse's own fuzz covers bad bytes
		}
		a, o := pick(fuzzAttrs, attr), pick(fuzzOps, op)
		quoted, _ := json.Marshal(v)
		raw := strings.Replace(pick(fuzzShapes, shape), "X", a.scim+" "+o+" "+string(quoted), 1)
		lf, err := u.filter.translate(context.Background(), raw)
		if err != nil {
			var se errors.ScimError
			if stderrors.As(err, &se) && se.ScimType == errors.ScimTypeInvalidFilter && len(raw) > scimfilter.DefaultMaxLength {
				return
			}
			t.Fatalf("%s: %v", raw, err)
		}
		tree := inspect(t, raw, lf)
		onAttr := 0
		for _, l := range tree.Leaves() {
			if !mapping.ContainsFold(a.ldap, l.Attr) {
				if !mapping.ContainsFold(otherLeafAttrs, l.Attr) {
					t.Fatalf("%s → %s: leaf on %q, which the filter does not name", raw, lf, l.Attr)
				}
				continue
			}
			onAttr++
			checkLeaf(t, raw, lf, l, strings.ToLower(o), v)
		}
		if onAttr == 0 {
			t.Fatalf("%s → %s: no comparison on %v", raw, lf, a.ldap)
		}
	})
}

func inspect(t *testing.T, raw string, lf ldapstore.Filter) *ldapstore.FilterNode {
	t.Helper()
	if err := ldapstore.Validate(lf); err != nil {
		t.Fatalf("%s → %s: invalid: %v", raw, lf, err)
	}
	tree, err := ldapstore.Inspect(lf)
	if err != nil {
		t.Fatalf("%s → %s: does not compile: %v", raw, lf, err)
	}
	if _, err := ldapstore.ParseFilter(lf.String()); err != nil {
		t.Fatalf("%s → %s: ParseFilter: %v", raw, lf, err)
	}
	return tree
}

func checkLeaf(t *testing.T, raw string, lf ldapstore.Filter, l *ldapstore.FilterNode, op, v string) {
	t.Helper()
	bad := func() { t.Fatalf("%s → %s: leaf %+v does not compare with %q", raw, lf, *l, v) }
	switch op {
	case "eq", "ne":
		if l.Op != "eq" || l.Value != v {
			bad()
		}
	case "gt", "ge", "lt", "le":
		if (l.Op != "eq" && l.Op != "ge" && l.Op != "le") || l.Value != v {
			bad()
		}
	case "co", "sw", "ew":
		if v == "" {
			if l.Op != "present" {
				bad()
			}
			return
		}
		want := ldapstore.FilterNode{Op: "substr", Attr: l.Attr}
		switch op {
		case "co":
			want.Any = []string{v}
		case "sw":
			want.Initial = v
		case "ew":
			want.Final = v
		}
		if l.Op != "substr" || l.Initial != want.Initial || l.Final != want.Final || !slices.Equal(l.Any, want.Any) {
			bad()
		}
	default:
		bad()
	}
}

// mappedLDAPAttrs is every LDAP attribute a users filter may reach: the
// mapping's and the specials' (userName, id, active, meta.*).
func mappedLDAPAttrs(u *users) []string {
	out := []string{"uid", "entryUUID", "pwdAccountLockedTime", "createTimestamp", "modifyTimestamp", "objectClass"}
	for _, f := range u.m.Fields {
		if !f.IsDerived() {
			out = append(out, f.LDAP)
		}
	}
	return out
}

// FuzzFilterAny: any text as ?filter= either is refused with a 400
// invalidFilter (never a 500, never a panic), or becomes a filter that
// compiles and reaches only mapped attributes — never userPassword or
// anything else the mapping does not name.
func FuzzFilterAny(f *testing.F) {
	for _, s := range []string{
		`userName eq "bjensen"`, `emails[type eq "work" and value co "@corp"]`, `userName eq "a" OR userName eq "b"`,
		`not (active eq false) and meta.lastModified gt "2011-05-13T04:42:34Z"`, `id eq "2819c223-7f76-453a-919d-413861904646"`,
		`urn:okta:onprem_app:1.0:user:custom:departmentName eq "Eng"`, `email eq "x@y"`, `userPassword pr`, `name.givenName sw "J" and title pr`,
		`(displayName co "*)(uid=*")`, `phoneNumbers[type eq "mobile"].value ew "42"`, `externalId eq null`, `active ne true`,
	} {
		f.Add(s)
	}
	u := exampleUsers(f)
	allowed := mappedLDAPAttrs(u)
	f.Fuzz(func(t *testing.T, raw string) {
		lf, err := u.filter.translate(context.Background(), raw)
		if err != nil {
			var se errors.ScimError
			if !stderrors.As(err, &se) || se.Status != http.StatusBadRequest || se.ScimType != errors.ScimTypeInvalidFilter {
				t.Fatalf("%q: error %#v is not a 400 invalidFilter", raw, err)
			}
			return
		}
		for _, l := range inspect(t, raw, lf).Leaves() {
			if !mapping.ContainsFold(allowed, l.Attr) {
				t.Fatalf("%q → %s reaches %q, which is not mapped", raw, lf, l.Attr)
			}
		}
	})
}
