package scimfilter

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{`userName Eq "x"`, `userName eq "x"`},
		{`  ( (a pr) )  `, `a pr`},
		{`a pr OR b pr AND c pr`, `a pr or b pr and c pr`},
		{`(a pr or b pr) and c pr`, `(a pr or b pr) and c pr`},
		{`a pr or (b pr or c pr)`, `a pr or (b pr or c pr)`},
		{`(a pr or b pr) or c pr`, `a pr or b pr or c pr`},
		{`a pr and (b pr and c pr)`, `a pr and (b pr and c pr)`},
		{`NOT(a eq TRUE)`, `not (a eq true)`},
		{`x eq "\u00e9\"\\\u0001\n"`, `x eq "é\"\\\u0001\n"`},
		{`x eq -0.5E3`, `x eq -0.5E3`},
		{`emails [type eq "work"] .value eq "x"`, `emails[type eq "work"].value eq "x"`},
		{`urn:okta:onprem_app:1.0:user:custom:departmentName eq "Cloud Service"`, `urn:okta:onprem_app:1.0:user:custom:departmentName eq "Cloud Service"`},
	}
	for _, tc := range cases {
		e, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := String(e); got != tc.want {
			t.Errorf("String(Parse(%q)) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRoundTripRandom is a property test from the other side of the fuzz
// targets: it builds random ASTs of every shape the parser can produce,
// including ones a byte-level fuzzer rarely reaches, and checks that String
// parses back to the same AST.
func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		e := randExpr(r, 4, false)
		text := String(e)
		got, err := ParseWithLimits(text, roundTripLimits)
		if err != nil {
			t.Fatalf("String(%#v) = %q does not parse: %v", e, text, err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Fatalf("round trip through %q:\n got %#v\nwant %#v", text, got, e)
		}
		p := randPath(r, 3, false)
		if got, err := ParsePath(p.String()); err != nil || !reflect.DeepEqual(got, p) {
			t.Fatalf("ParsePath(%q) = %#v, %v; want %#v", p.String(), got, err, p)
		}
	}
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

func randName(r *rand.Rand) string {
	return pick(r, "userName", "EMAILS", "x", "a-b_9", "$ref", "and", "or", "pr", "eq", "true", "urn")
}

func randPath(r *rand.Rand, depth int, inBracket bool) AttrPath {
	p := AttrPath{Name: randName(r)}
	if r.IntN(3) == 0 {
		p.URN = pick(r, enterpriseURN, "urn:okta:onprem_app:1.0:user:custom", "URN:x:a.b-c~d@e")
	}
	if !inBracket && depth > 0 && r.IntN(3) == 0 {
		p.Filter = randExpr(r, depth-1, true)
	}
	if r.IntN(2) == 0 {
		p.Sub = randName(r)
	}
	return p
}

func randValue(r *rand.Rand) Value {
	switch r.IntN(5) {
	case 0:
		return Value{Kind: KindNumber, Str: pick(r, "0", "-1", "3.25", "1e9", "-0.0E-7", "12345678901234567890")}
	case 1:
		return Value{Kind: KindBool, Bool: r.IntN(2) == 0}
	case 2:
		return Value{Kind: KindNull}
	}
	var b strings.Builder
	for n := r.IntN(6); n > 0; n-- {
		b.WriteString(pick(r, "a", " ", `"`, `\`, "\x00", "\n", "\x1f", "é", "😀", "\u2028", "and", ")", "]", "\ufffd"))
	}
	return Value{Kind: KindString, Str: b.String()}
}

func randExpr(r *rand.Rand, depth int, inBracket bool) Expr {
	n := 3
	if depth > 0 {
		n = 7
	}
	switch r.IntN(n) {
	case 0, 1:
		p := randPath(r, depth, inBracket)
		if p.Filter != nil && p.Sub == "" {
			p.Sub = "value" // a bare [filter] is a ValuePath, not a path
		}
		return Compare{Path: p, Op: pick(r, OpEq, OpNe, OpCo, OpSw, OpEw, OpGt, OpGe, OpLt, OpLe), Value: randValue(r)}
	case 2:
		return Compare{Path: randPath(r, 0, true), Op: OpPr}
	case 3:
		return Not{X: randExpr(r, depth-1, inBracket)}
	case 4:
		if !inBracket {
			return ValuePath{Path: AttrPath{URN: randPath(r, 0, true).URN, Name: randName(r)}, Filter: randExpr(r, depth-1, true)}
		}
		fallthrough
	default:
		return Logical{Op: pick(r, OpAnd, OpOr), Left: randExpr(r, depth-1, inBracket), Right: randExpr(r, depth-1, inBracket)}
	}
}
