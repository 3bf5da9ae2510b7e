package ldapstore

import (
	"errors"
	"testing"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// nastyValues are the values every escaping test runs through.
var nastyValues = []string{
	"", "plain", "*", "(", ")", `\`, "\x00", "a,b", "+", `"`, "<>", ";", "=",
	"#lead", " lead", "trail ", "  ", "ünïcødé", "日本語", "\xff\xfe", "a*b(c)d\\e",
	`\2a`, "x)(uid=*", "*)(|(objectClass=*", "\n\r\t", "\ufffd",
}

func TestFilterString(t *testing.T) {
	tests := []struct {
		name string
		f    Filter
		want string
	}{
		{"eq", Eq("uid", "alice"), "(uid=alice)"},
		{"eq star", Eq("uid", "*"), `(uid=\2a)`},
		{"eq parens", Eq("cn", "a(b)c"), `(cn=a\28b\29c)`},
		{"eq backslash", Eq("cn", `a\b`), `(cn=a\5cb)`},
		{"eq nul", Eq("cn", "a\x00b"), `(cn=a\00b)`},
		{"eq injection", Eq("uid", "x)(uid=*"), `(uid=x\29\28uid=\2a)`},
		{"eq unicode", Eq("cn", "é"), `(cn=\c3\a9)`},
		{"eq empty", Eq("cn", ""), "(cn=)"},
		{"eq option", Eq("cn;lang-de", "x"), "(cn;lang-de=x)"},
		{"eq oid", Eq("2.5.4.3", "x"), "(2.5.4.3=x)"},
		{"ge", Ge("uidNumber", "1000"), "(uidNumber>=1000)"},
		{"le", Le("uidNumber", "10*"), `(uidNumber<=10\2a)`},
		{"present", Present("mail"), "(mail=*)"},
		{"substring all", Substring("cn", "a*", []string{"b", "", "c)"}, "d"), `(cn=a\2a*b*c\29*d)`},
		{"substring initial", Substring("cn", "ab", nil, ""), "(cn=ab*)"},
		{"substring final", Substring("cn", "", nil, "yz"), "(cn=*yz)"},
		{"substring any", Substring("cn", "", []string{"mid"}, ""), "(cn=*mid*)"},
		{"and", And(Eq("a", "1"), Eq("b", "2")), "(&(a=1)(b=2))"},
		{"or", Or(Eq("a", "1"), Present("b")), "(|(a=1)(b=*))"},
		{"not", Not(Eq("a", "1")), "(!(a=1))"},
		{"and of none", And(), "(objectClass=*)"},
		{"or of none", Or(), "(!(objectClass=*))"},
		{"and of one", And(Eq("a", "1")), "(a=1)"},
		{"or of one", Or(Eq("a", "1")), "(a=1)"},
		{"nested", And(Or(Eq("a", "1"), Not(Present("b"))), Substring("c", "x", nil, "")), "(&(|(a=1)(!(b=*)))(c=x*))"},
		{"all", All(), "(objectClass=*)"},
		{"none", None(), "(!(objectClass=*))"},
		// Invalid parts turn the whole filter into None, never into
		// something wider.
		{"bad attr", Eq("u id", "x"), noneString},
		{"bad attr paren", Eq("uid)(objectClass=*", "x"), noneString},
		{"bad attr in and", And(Eq("a", "1"), Eq("", "x")), noneString},
		{"bad attr in or", Or(Eq("a", "1"), Present("1a")), noneString},
		{"bad attr under not", Not(Eq("a b", "1")), noneString},
		{"empty substring", Substring("cn", "", []string{""}, ""), noneString},
		{"nil child", And(Eq("a", "1"), nil), noneString},
		{"nil alone", And(nil), noneString},
		{"not nil", Not(nil), noneString},
		{"foreign", And(foreign("(uid=*)"), Eq("a", "1")), noneString},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if _, err := ldap.CompileFilter(tt.f.String()); err != nil {
				t.Errorf("CompileFilter(%q): %v", tt.f.String(), err)
			}
			err := Validate(tt.f)
			if invalid := tt.want == noneString && tt.name != "none" && tt.name != "or of none"; invalid != (err != nil) {
				t.Errorf("Validate = %v, want invalid=%v", err, invalid)
			} else if err != nil && !errors.Is(err, ErrInvalidFilter) {
				t.Errorf("Validate error %v does not wrap ErrInvalidFilter", err)
			}
		})
	}
}

type foreign string

func (f foreign) String() string { return string(f) }

func TestValidateAttributeName(t *testing.T) {
	for _, name := range []string{"uid", "cn", "objectClass", "x-custom-Attr2", "2.5.4.3", "1.3.6.1.4.1.42.2.27.8.1.1", "cn;lang-en", "userCertificate;binary", "a;x;y"} {
		if err := ValidateAttributeName(name); err != nil {
			t.Errorf("ValidateAttributeName(%q) = %v, want nil", name, err)
		}
	}
	for _, name := range []string{"", "1cn", "-cn", "c n", "cn=", "cn)", "cn*", "cn;", "cn;;x", "cn;a b", "2", "2.05.4", "2..5", "2.5.", "é", "cn\x00", "*", "1.1x"} {
		if err := ValidateAttributeName(name); err == nil {
			t.Errorf("ValidateAttributeName(%q) = nil, want error", name)
		}
	}
}

// assertEq checks the property behind every value filter: the string
// compiles, and what the server receives is an equality match on attr with
// exactly value.
func assertEq(t *testing.T, attr, value string) {
	t.Helper()
	s := Eq(attr, value).String()
	p, err := ldap.CompileFilter(s)
	if err != nil {
		t.Fatalf("Eq(%q, %q) = %q does not compile: %v", attr, value, s, err)
	}
	if p.Tag != ldap.FilterEqualityMatch || len(p.Children) != 2 {
		t.Fatalf("Eq(%q, %q) = %q compiles to %s, not an equality match", attr, value, s, ldap.FilterMap[uint64(p.Tag)])
	}
	gotAttr := ber.DecodeString(p.Children[0].Data.Bytes())
	gotValue := ber.DecodeString(p.Children[1].Data.Bytes())
	if gotAttr != attr || gotValue != value {
		t.Fatalf("Eq(%q, %q) = %q compiles to (%q=%q)", attr, value, s, gotAttr, gotValue)
	}
	// And back through go-ldap's decompiler: same string.
	if d, err := ldap.DecompileFilter(p); err != nil || d != s {
		t.Fatalf("DecompileFilter = %q, %v; want %q", d, err, s)
	}
}

func TestEqRoundTrip(t *testing.T) {
	for _, v := range nastyValues {
		assertEq(t, "uid", v)
	}
}

func TestSubstringRoundTrip(t *testing.T) {
	for _, v := range nastyValues {
		if v == "" {
			continue
		}
		p, err := ldap.CompileFilter(Substring("cn", v, []string{v}, v).String())
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if p.Tag != ldap.FilterSubstrings {
			t.Fatalf("%q: tag %d", v, p.Tag)
		}
		parts := p.Children[1].Children
		if len(parts) != 3 {
			t.Fatalf("%q: %d parts", v, len(parts))
		}
		for i, part := range parts {
			if got := ber.DecodeString(part.Data.Bytes()); got != v || int(part.Tag) != i {
				t.Errorf("%q: part %d = %q (tag %d)", v, i, got, part.Tag)
			}
		}
	}
}

func FuzzEqFilter(f *testing.F) {
	for _, v := range nastyValues {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		assertEq(t, "uid", v)
	})
}

func TestParseFilter(t *testing.T) {
	good := []struct{ in, want string }{
		{"(objectClass=inetOrgPerson)", "(objectClass=inetOrgPerson)"},
		{"  (objectClass=person)\n", "(objectClass=person)"},
		{"objectClass=person", "(objectClass=person)"},
		{"(&(objectClass=person)(!(pwdAccountLockedTime=*)))", "(&(objectClass=person)(!(pwdAccountLockedTime=*)))"},
		{"(|(cn=a*b)(sn>=x)(sn<=y)(cn~=z))", "(|(cn=a*b)(sn>=x)(sn<=y)(cn~=z))"},
		{`(cn=a\2ab)`, `(cn=a\2ab)`},
		{"(cn:caseExactMatch:=Foo)", "(cn:caseExactMatch:=Foo)"},
		{"(cn:dn:2.5.13.5:=Foo)", "(cn:dn:2.5.13.5:=Foo)"},
		{"(memberOf=cn=admins,ou=Groups,dc=example,dc=com)", "(memberOf=cn=admins,ou=Groups,dc=example,dc=com)"},
	}
	for _, tt := range good {
		f, err := ParseFilter(tt.in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", tt.in, err)
			continue
		}
		if f.String() != tt.want || Validate(f) != nil {
			t.Errorf("ParseFilter(%q) = %q (Validate %v), want %q", tt.in, f, Validate(f), tt.want)
		}
		// It composes like any other filter.
		if got := And(f, Eq("uid", "x")).String(); got != "(&"+tt.want+"(uid=x))" {
			t.Errorf("And(parsed) = %q", got)
		}
	}
	for _, in := range []string{"", "   ", "(", "(cn=a", "(cn=a))", "(cn=a)(cn=b)", "(&(cn=a)", `(cn=\zz)`, "(c n=a)", "(cn)", "(=a)", "(&(objectClass=*)(bad attr=1))", "(cn:bad rule:=x)", "(1cn=x)"} {
		if f, err := ParseFilter(in); err == nil {
			t.Errorf("ParseFilter(%q) = %q, want error", in, f)
		} else if !errors.Is(err, ErrInvalidFilter) {
			t.Errorf("ParseFilter(%q) error %v does not wrap ErrInvalidFilter", in, err)
		}
	}
}
