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
	types, err := resourceTypes(cfg, nil, slog.New(slog.DiscardHandler))
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

// FuzzCheckJSON: the body check never panics, accepts only valid JSON, and
// what it accepts decodes with every object's keys unique (ignoring case)
// and every string within the limit — so the library and the PATCH parser,
// which keep the last of two equal keys, read the body as the client meant.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","name":{"givenName":"b"}}`,
		`{"userName":"a","USERNAME":"b"}`, `{"a":{"b":1,"b":2}}`, `[{"a":1},{"a":1}]`, `{"a":1} {}`, `{"a":`,
		`{"Operations":[{"op":"add","path":"members","value":[{"value":"1"},{"value":"2"}]}]}`, `"\u00e9"`, `{"\u0061":1,"a":2}`, `[[[[]]]]`,
	} {
		f.Add([]byte(s))
	}
	const maxString = 64
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(strings.TrimSpace(string(body))) == 0 {
			return // the middleware passes empty bodies on (GET, DELETE) without checking
		}
		if checkJSON(body, maxString) != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		var v interface{}
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("accepted %q, which does not decode: %v", body, err)
		}
		var walk func(v interface{}, depth int)
		walk = func(v interface{}, depth int) {
			if depth > maxJSONDepth {
				t.Fatalf("accepted %q nesting deeper than %d", body, maxJSONDepth)
			}
			switch x := v.(type) {
			case string:
				if len(x) > maxString {
					t.Fatalf("accepted a string of %d bytes in %q", len(x), body)
				}
			case []interface{}:
				for _, e := range x {
					walk(e, depth+1)
				}
			case map[string]interface{}:
				for k, e := range x {
					walk(k, depth+1)
					walk(e, depth+1)
				}
			}
		}
		walk(v, 0)
		// Unique keys: decoding into a map loses duplicates, so count the
		// keys token by token and compare with the map sizes.
		if n, m := countKeys(body), countMapKeys(v); n != m {
			t.Fatalf("accepted %q with a duplicate key (%d keys, %d distinct)", body, n, m)
		}
	})
}

func countKeys(body []byte) int {
	d := json.NewDecoder(strings.NewReader(string(body)))
	n := 0
	type frame struct{ object, key bool }
	var stack []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return n
		}
		if len(stack) > 0 {
			if top := stack[len(stack)-1]; top.object && top.key {
				if _, ok := tok.(string); ok {
					n++
					top.key = false
					continue
				}
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

// countMapKeys counts distinct keys ignoring case, as checkJSON compares.
func countMapKeys(v interface{}) int {
	switch x := v.(type) {
	case []interface{}:
		n := 0
		for _, e := range x {
			n += countMapKeys(e)
		}
		return n
	case map[string]interface{}:
		seen := map[string]bool{}
		n := 0
		for k, e := range x {
			seen[strings.ToLower(k)] = true
			n += countMapKeys(e)
		}
		return n + len(seen)
	}
	return 0
}
