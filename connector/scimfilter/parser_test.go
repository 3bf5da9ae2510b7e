package scimfilter

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Helpers that keep the expected ASTs in the tables readable.
func attr(name string) AttrPath           { return AttrPath{Name: name} }
func sub(name, s string) AttrPath         { return AttrPath{Name: name, Sub: s} }
func urn(u, name string) AttrPath         { return AttrPath{URN: u, Name: name} }
func str(s string) Value                  { return Value{Kind: KindString, Str: s} }
func num(s string) Value                  { return Value{Kind: KindNumber, Str: s} }
func cmp(p AttrPath, op Op, v Value) Expr { return Compare{Path: p, Op: op, Value: v} }
func eq(name, s string) Expr              { return cmp(attr(name), OpEq, str(s)) }
func and(l, r Expr) Expr                  { return Logical{Op: OpAnd, Left: l, Right: r} }
func or(l, r Expr) Expr                   { return Logical{Op: OpOr, Left: l, Right: r} }

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// parseCases are the forms real clients send (Okta, the Okta Provisioning
// Agent, Entra ID) plus the grammar corners around them. They also seed the
// fuzz targets.
var parseCases = []struct {
	in   string
	want Expr
}{
	{`userName eq "test.user@okta.local"`, eq("userName", "test.user@okta.local")},
	{`userName Eq "x"`, eq("userName", "x")},
	{`USERNAME eq "X"`, eq("USERNAME", "X")},
	{`userName eq "ALICE@corp.local"`, eq("userName", "ALICE@corp.local")},
	{`email eq "alice@corp.local" OR email eq "x@y.z"`, or(eq("email", "alice@corp.local"), eq("email", "x@y.z"))},
	{`id eq "A"`, eq("id", "A")},
	{`name.givenName eq "john"`, cmp(sub("name", "givenName"), OpEq, str("john"))},
	{`externalId eq "00u1"`, eq("externalId", "00u1")},
	{`meta.lastModified gt "2030-01-01T00:00:00Z"`, cmp(sub("meta", "lastModified"), OpGt, str("2030-01-01T00:00:00Z"))},
	{`emails[type eq "work"].value eq "a@b.c"`, cmp(AttrPath{Name: "emails", Filter: eq("type", "work"), Sub: "value"}, OpEq, str("a@b.c"))},
	{`emails[type eq "work" and value eq "a@b.c"]`, ValuePath{Path: attr("emails"), Filter: and(eq("type", "work"), eq("value", "a@b.c"))}},
	{`emails.value eq "a@b.c"`, cmp(sub("emails", "value"), OpEq, str("a@b.c"))},
	{`displayName eq "Test SCIMv2"`, eq("displayName", "Test SCIMv2")},
	{`title pr`, Compare{Path: attr("title"), Op: OpPr}},
	{`userName sw "J" and not (userName ew "x")`, and(cmp(attr("userName"), OpSw, str("J")), Not{X: cmp(attr("userName"), OpEw, str("x"))})},
	{`active eq true`, cmp(attr("active"), OpEq, Value{Kind: KindBool, Bool: true})},
	{`active eq FALSE`, cmp(attr("active"), OpEq, Value{Kind: KindBool})},
	{`x eq 5`, cmp(attr("x"), OpEq, num("5"))},
	{`x gt -1.50e+3`, cmp(attr("x"), OpGt, num("-1.50e+3"))},
	{`x eq null`, cmp(attr("x"), OpEq, Value{Kind: KindNull})},
	{`displayName eq "say \"hi\" C:\\temp caf\u00e9"`, eq("displayName", `say "hi" C:\temp café`)},
	{`x eq "\ud83d\ude00 \/ \b\f\n\r\t \ud800"`, eq("x", "😀 / \b\f\n\r\t \uFFFD")},
	{`x eq "café 😀"`, eq("x", "café 😀")},
	{`urn:okta:onprem_app:1.0:user:custom:departmentName eq "Cloud Service"`, cmp(urn("urn:okta:onprem_app:1.0:user:custom", "departmentName"), OpEq, str("Cloud Service"))},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7"`, cmp(urn(enterpriseURN, "employeeNumber"), OpEq, str("7"))},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`, cmp(AttrPath{URN: enterpriseURN, Name: "manager", Sub: "value"}, OpEq, str("x"))},
	{`URN:IETF:params:scim:schemas:core:2.0:User:userName eq "x"`, cmp(urn("URN:IETF:params:scim:schemas:core:2.0:User", "userName"), OpEq, str("x"))},
	{`members.$ref pr`, Compare{Path: sub("members", "$ref"), Op: OpPr}},
	// Precedence: not > and > or; parentheses group.
	{`a pr or b pr and c pr`, or(Compare{Path: attr("a"), Op: OpPr}, and(Compare{Path: attr("b"), Op: OpPr}, Compare{Path: attr("c"), Op: OpPr}))},
	{`(a pr or b pr) and c pr`, and(or(Compare{Path: attr("a"), Op: OpPr}, Compare{Path: attr("b"), Op: OpPr}), Compare{Path: attr("c"), Op: OpPr})},
	{`a eq "1" and b eq "2" and c eq "3"`, and(and(eq("a", "1"), eq("b", "2")), eq("c", "3"))},
	{`NOT (a eq "1") Or not(b eq "2")`, or(Not{X: eq("a", "1")}, Not{X: eq("b", "2")})},
	// Extra whitespace, and none where tokens delimit themselves.
	{"  ( userName  eq\t\"x\" )  ", eq("userName", "x")},
	{`(a eq "1")and(b eq "2")`, and(eq("a", "1"), eq("b", "2"))},
	{`emails [ type eq "work" ] .value eq "x"`, cmp(AttrPath{Name: "emails", Filter: eq("type", "work"), Sub: "value"}, OpEq, str("x"))},
	// Value paths combine like any other expression.
	{`userType eq "Employee" and (emails[type eq "work"] or not (emails pr))`, and(eq("userType", "Employee"), or(ValuePath{Path: attr("emails"), Filter: eq("type", "work")}, Not{X: Compare{Path: attr("emails"), Op: OpPr}}))},
	{`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]`, ValuePath{Path: urn("urn:ietf:params:scim:schemas:core:2.0:User", "emails"), Filter: eq("type", "work")}},
	// Keywords are only keywords where one is expected.
	{`and eq "x" or pr pr`, or(eq("and", "x"), Compare{Path: attr("pr"), Op: OpPr})},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q)\n got %#v\nwant %#v", tc.in, got, tc.want)
		}
		// The canonical form must mean the same thing.
		again, err := Parse(String(got))
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("Parse(String(Parse(%q))) = %#v, %v; String was %q", tc.in, again, err, String(got))
		}
	}
}

// errorCases give the expected position and a part of the message, which is
// what an admin sees.
var errorCases = []struct {
	in      string
	pos     int
	message string
}{
	{``, 1, "empty filter"},
	{`   `, 4, "empty filter"},
	{`userName`, 9, `expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr), got end of filter`},
	{`userName eq`, 12, `expected a value after "eq" (a quoted string, number, true, false or null), got end of filter`},
	{`userName eq "unterminated`, 13, `unterminated string`},
	{`userName equals "x"`, 10, `expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr), got "equals"`},
	{`(userName eq "x"`, 17, `expected ")" to close the "(" at position 1, got end of filter`},
	{`userName eq "x")`, 16, `unexpected ")" without a matching "("`},
	{`emails[type eq "work"`, 22, `expected "]" to close the "[" at position 7, got end of filter`},
	{`a[b[c eq "d"]]`, 4, `value filters cannot be nested`},
	{`a[b[c eq "d"].e eq "f"]`, 4, `value filters cannot be nested`},
	{`not userName eq "x"`, 5, `expected "(" after "not" (write not (filter)), got "userName"`},
	{`userName eq x`, 13, `got "x"; strings must be in double quotes`},
	{`value eq 2819c223`, 10, `got "2819c223"; strings must be in double quotes`},
	{`x eq 01`, 6, `invalid number "01"`},
	{`x eq 1.`, 6, `invalid number "1."`},
	{`x eq truex`, 6, `got "truex"`},
	{`userName eq "x" y`, 17, `expected "and", "or" or end of filter, got "y"`},
	{`userName eq "x" "y"`, 17, `expected "and", "or" or end of filter, got '"y"'`},
	{`a pr and`, 9, `expected an attribute name, got end of filter`},
	{`a pr or or`, 11, `expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr), got end of filter`},
	{`(a pr]`, 6, `expected "and", "or" or ")" (to close the "(" at position 1), got "]"`},
	{`a[b pr)`, 7, `expected "and", "or" or "]" (to close the "[" at position 2), got ")"`},
	{`a pr]`, 5, `unexpected "]" without a matching "["`},
	{`name.givenName.x eq "y"`, 15, `only one sub-attribute`},
	{`name.givenName[x eq "y"]`, 15, `a value filter must come right after the attribute name`},
	{`emails[type eq "w"].value.x eq "y"`, 26, `only one sub-attribute`},
	{`custom:attr eq "y"`, 7, `a schema URN prefix must start with "urn:"`},
	{`urn:attr eq "y"`, 1, `incomplete schema URN`},
	{`urn:x:y: eq "y"`, 9, `expected an attribute name after the schema URN "urn:x:y"`},
	{`urn:x:y:na@me eq "y"`, 11, `invalid character "@" in attribute name`},
	{`nämé eq "y"`, 2, `invalid character "ä" in attribute name`},
	{`1abc eq "y"`, 1, `expected an attribute name, got "1abc"`},
	{`$refs eq "y"`, 1, `expected an attribute name, got "$refs"`},
	{`x eq "a\qb"`, 8, `invalid escape "\q"`},
	{`x eq "\u12G4"`, 7, `invalid \u escape`},
	{"x eq \"a\tb\"", 8, `control character '\t' in a string must be escaped`},
	{"x eq \"\xff\"", 7, `not valid UTF-8`},
	{`emails[]`, 8, `expected an attribute name, got "]"`},
	{`emails[type eq "work"] eq "x"`, 24, `expected "and", "or" or end of filter, got "eq"`},
	{`title pr "x"`, 10, `expected "and", "or" or end of filter`},
	{strings.Repeat(" ", DefaultMaxLength+1), 0, `the filter is too long (4097 bytes; at most 4096 are accepted)`},
	{strings.Repeat("(", 33) + "a pr" + strings.Repeat(")", 33), 33, `nested too deeply: more than 32 levels`},
	{strings.Repeat("not (", 33) + "a pr" + strings.Repeat(")", 33), 165, `nested too deeply`},
	{"a pr" + strings.Repeat(" or a pr", 33), 262, `nested too deeply`},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range errorCases {
		e, err := Parse(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, %v; want a *SyntaxError", tc.in, e, err)
			continue
		}
		if se.Pos != tc.pos || !strings.Contains(se.Msg, tc.message) {
			t.Errorf("Parse(%q) error = %q (pos %d); want pos %d and a message containing %q", tc.in, se.Error(), se.Pos, tc.pos, tc.message)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := Parse(`userName equals "x"`)
	want := `position 10: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr), got "equals"`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestLimits(t *testing.T) {
	// Exactly at the limits is fine.
	atDepth := strings.Repeat("(", 32) + "a pr" + strings.Repeat(")", 32)
	if _, err := Parse(atDepth); err != nil {
		t.Errorf("depth 32: %v", err)
	}
	chain := "a pr" + strings.Repeat(" or a pr", 32)
	if _, err := Parse(chain); err != nil {
		t.Errorf("chain of 33: %v", err)
	}
	long := `a eq "` + strings.Repeat("x", DefaultMaxLength-7) + `"`
	if _, err := Parse(long); err != nil {
		t.Errorf("length %d: %v", len(long), err)
	}

	custom := Limits{MaxLength: 10, MaxDepth: 1}
	if _, err := ParseWithLimits(`userName pr`, custom); err == nil {
		t.Error("MaxLength 10 accepted 11 bytes")
	}
	if _, err := ParseWithLimits(`(a pr)`, custom); err != nil {
		t.Errorf("MaxDepth 1 rejected one level: %v", err)
	}
	if _, err := ParseWithLimits(`a pr or (b pr)`, custom); err == nil {
		t.Error("MaxDepth 1 accepted two levels")
	}
	if _, err := ParseWithLimits(`e[a pr]`, custom); err != nil {
		t.Errorf("MaxDepth 1 rejected one bracket: %v", err)
	}
	if _, err := ParseWithLimits(`e[a pr or b pr]`, custom); err == nil {
		t.Error("MaxDepth 1 accepted a chain inside a bracket")
	}
}

// TestDeepInput makes sure pathological nesting is rejected by the limit,
// not by a stack overflow, even when the length limit lets it through.
func TestDeepInput(t *testing.T) {
	const n = 100000
	huge := Limits{MaxLength: 10 * n}
	inputs := map[string]string{
		"parens":     strings.Repeat("(", n) + "a pr" + strings.Repeat(")", n),
		"not":        strings.Repeat("not(", n) + "a pr" + strings.Repeat(")", n),
		"open only":  strings.Repeat("(", n),
		"or chain":   "a pr" + strings.Repeat(" or a pr", n),
		"and chain":  "a pr" + strings.Repeat(" and a pr", n),
		"brackets":   strings.Repeat("a[", n),
		"right-deep": strings.Repeat("a pr or (", n) + "a pr" + strings.Repeat(")", n),
	}
	for name, in := range inputs {
		for _, l := range []Limits{{}, huge} {
			_, err := ParseWithLimits(in, l)
			if err == nil {
				t.Errorf("%s with %+v: accepted", name, l)
			}
		}
	}
	// A generous depth limit must still not crash on deep input.
	if _, err := ParseWithLimits(inputs["parens"], Limits{MaxLength: 10 * n, MaxDepth: 2 * n}); err != nil {
		t.Errorf("parens with a depth limit above the input: %v", err)
	}
}

var pathCases = []struct {
	in   string
	want AttrPath
}{
	{`members[value eq "2819c223"]`, AttrPath{Name: "members", Filter: eq("value", "2819c223")}},
	{`members[value eq "a" or value eq "b"]`, AttrPath{Name: "members", Filter: or(eq("value", "a"), eq("value", "b"))}},
	{`emails[type eq "work"].value`, AttrPath{Name: "emails", Filter: eq("type", "work"), Sub: "value"}},
	{`addresses[type eq "work"].streetAddress`, AttrPath{Name: "addresses", Filter: eq("type", "work"), Sub: "streetAddress"}},
	{`name.familyName`, sub("name", "familyName")},
	{`userName`, attr("userName")},
	{`active`, attr("active")},
	{`not`, attr("not")},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`, urn(enterpriseURN, "manager")},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`, AttrPath{URN: enterpriseURN, Name: "manager", Sub: "value"}},
	{`urn:okta:onprem_app:1.0:user:custom:departmentName`, urn("urn:okta:onprem_app:1.0:user:custom", "departmentName")},
	{`urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value`, AttrPath{URN: "urn:ietf:params:scim:schemas:core:2.0:User", Name: "emails", Filter: eq("type", "work"), Sub: "value"}},
	{` emails[ not (type eq "home") ] `, AttrPath{Name: "emails", Filter: Not{X: eq("type", "home")}}},
	{`members.$ref`, sub("members", "$ref")},
}

func TestParsePath(t *testing.T) {
	for _, tc := range pathCases {
		got, err := ParsePath(tc.in)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePath(%q)\n got %#v\nwant %#v", tc.in, got, tc.want)
		}
		again, err := ParsePath(got.String())
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("ParsePath(%q.String()) = %#v, %v; String was %q", tc.in, again, err, got.String())
		}
	}
}

var pathErrorCases = []struct {
	in      string
	pos     int
	message string
}{
	{``, 1, "empty path"},
	{`members[value eq 2819c223]`, 18, `strings must be in double quotes`},
	{`members[value eq "a"`, 21, `expected "]" to close the "[" at position 8, got end of path`},
	{`members[value eq "a"]]`, 22, `expected end of path, got "]"`},
	{`userName eq "x"`, 10, `expected end of path, got "eq"`},
	{`a[b[c eq "d"]]`, 4, `value filters cannot be nested`},
	{`emails[type eq "work"].value.x`, 29, `only one sub-attribute`},
	{`emails.`, 8, `expected an attribute name, got end of path`},
	{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:`, 60, `expected an attribute name after the schema URN`},
	{`emails[` + strings.Repeat("(", 32) + `a pr` + strings.Repeat(")", 32) + `]`, 39, `nested too deeply`},
}

func TestParsePathErrors(t *testing.T) {
	for _, tc := range pathErrorCases {
		p, err := ParsePath(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParsePath(%q) = %#v, %v; want a *SyntaxError", tc.in, p, err)
			continue
		}
		if se.Pos != tc.pos || !strings.Contains(se.Msg, tc.message) {
			t.Errorf("ParsePath(%q) error = %q (pos %d); want pos %d and a message containing %q", tc.in, se.Error(), se.Pos, tc.pos, tc.message)
		}
	}
}
