package ldapstore

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestGUIDRoundTrip(t *testing.T) {
	tests := []struct {
		raw  []byte
		want string
	}{
		// Windows prints the first three fields of these bytes reversed.
		{[]byte{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff},
			"00112233-4455-6677-8899-aabbccddeeff"},
		{make([]byte, 16), "00000000-0000-0000-0000-000000000000"},
		{bytes.Repeat([]byte{0xff}, 16), "ffffffff-ffff-ffff-ffff-ffffffffffff"},
		// Bytes that are filter syntax when sent unescaped: ( ) * \ NUL.
		{[]byte{'(', ')', '*', '\\', 0, 0x28, 0x29, 0x2a, 0x5c, 0, 1, 2, 3, 4, 5, 6},
			"5c2a2928-2800-2a29-5c00-010203040506"},
	}
	for _, tt := range tests {
		got, err := GUIDString(tt.raw)
		if err != nil || got != tt.want {
			t.Errorf("GUIDString(% x) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
		for _, in := range []string{tt.want, "{" + tt.want + "}", strings.ToUpper(tt.want)} {
			back, err := ParseGUID(in)
			if err != nil || !bytes.Equal(back, tt.raw) {
				t.Errorf("ParseGUID(%q) = % x, %v; want % x", in, back, err, tt.raw)
			}
		}
		if got := IDGUID.Format(string(tt.raw)); got != tt.want {
			t.Errorf("IDGUID.Format = %q", got)
		}
		if got := IDGUID.Canonical("{" + strings.ToUpper(tt.want) + "}"); got != tt.want {
			t.Errorf("IDGUID.Canonical = %q", got)
		}
	}
}

func TestParseGUIDRejects(t *testing.T) {
	for _, in := range []string{"", "x", "00112233445566778899aabbccddeeff", "00112233-4455-6677-8899-aabbccddeeffaa",
		"0011223g-4455-6677-8899-aabbccddeeff", "00112233_4455-6677-8899-aabbccddeeff", "{00112233-4455-6677-8899-aabbccddeef}",
		"*", ")(objectClass=*"} {
		if b, err := ParseGUID(in); err == nil {
			t.Errorf("ParseGUID(%q) = % x, want an error", in, b)
		}
		if f, ok := IDGUID.Filter("objectGUID", in); ok || f.String() != noneString {
			t.Errorf("IDGUID.Filter(%q) = %s, %v; want None, false", in, f, ok)
		}
	}
	if _, err := GUIDString(make([]byte, 15)); err == nil {
		t.Error("GUIDString of 15 bytes: no error")
	}
	if got := IDGUID.Format("short"); got != "" {
		t.Errorf("IDGUID.Format(short) = %q, want empty", got)
	}
}

func TestBinaryFilters(t *testing.T) {
	tests := []struct {
		f    Filter
		want string
	}{
		{EqBytes("objectGUID", []byte{0x33, 0x22, 0x11, 0x00, '(', ')', '*', '\\'}), `(objectGUID=\33\22\11\00\28\29\2a\5c)`},
		{EqBytes("objectGUID", nil), `(objectGUID=)`},
		{first(IDGUID.Filter("objectGUID", "00112233-4455-6677-8899-aabbccddeeff")),
			`(objectGUID=\33\22\11\00\55\44\77\66\88\99\aa\bb\cc\dd\ee\ff)`},
		{first(IDString.Filter("nsUniqueId", "a*b")), `(nsUniqueId=a\2ab)`},
		{BitsSet("userAccountControl", 2), `(userAccountControl:1.2.840.113556.1.4.803:=2)`},
		{Not(BitsSet("userAccountControl", 2)), `(!(userAccountControl:1.2.840.113556.1.4.803:=2))`},
		// Invalid pieces never widen a search.
		{EqBytes("object GUID", []byte{1}), noneString},
		{BitsSet("userAccountControl", 0), noneString},
		{BitsSet("a)(b", 2), noneString},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("filter = %s, want %s", got, tt.want)
		}
		if tt.want != noneString {
			if _, err := ParseFilter(tt.want); err != nil {
				t.Errorf("ParseFilter(%s): %v", tt.want, err)
			}
		}
	}
}

func first(f Filter, _ bool) Filter { return f }

func TestSetBits(t *testing.T) {
	tests := []struct {
		stored   string
		fallback int64
		on       bool
		want     string
	}{
		{"512", 0, true, "514"},                 // disable a normal account
		{"514", 0, false, "512"},                // enable it
		{"514", 0, true, "514"},                 // already disabled
		{"512", 0, false, "512"},                // already enabled
		{"66048", 0, true, "66050"},             // DONT_EXPIRE_PASSWORD (0x10000) is kept
		{"66050", 0, false, "66048"},            // and kept on enable
		{"546", 0, false, "544"},                // PASSWD_NOTREQD (0x20) is kept
		{"", 512, true, "514"},                  // no value: the fallback
		{" 512 ", 0, true, "514"},               // stray spaces
		{"-2147483646", 0, true, "-2147483646"}, // signed 32-bit values stay signed
	}
	for _, tt := range tests {
		got, err := SetBits(tt.stored, tt.fallback, 2, tt.on)
		if err != nil || got != tt.want {
			t.Errorf("SetBits(%q, %d, 2, %v) = %q, %v; want %q", tt.stored, tt.fallback, tt.on, got, err, tt.want)
		}
		if BitsOn(got, 2) != tt.on {
			t.Errorf("BitsOn(%q, 2) = %v", got, !tt.on)
		}
	}
	if _, err := SetBits("five", 0, 2, true); err == nil {
		t.Error("SetBits of a non-integer: no error")
	}
	for _, v := range []string{"", "x", "512", "1"} {
		if BitsOn(v, 2) {
			t.Errorf("BitsOn(%q, 2) = true", v)
		}
	}
}

func TestUnicodePwdValue(t *testing.T) {
	got := []byte(UnicodePwdValue("Pässw0rd€"))
	var units []uint16
	for i := 0; i+1 < len(got); i += 2 {
		units = append(units, uint16(got[i])|uint16(got[i+1])<<8)
	}
	if s := string(utf16.Decode(units)); s != `"Pässw0rd€"` || len(got)%2 != 0 {
		t.Errorf("UnicodePwdValue decodes to %q", s)
	}
	if !bytes.Equal([]byte(UnicodePwdValue("a")), []byte{'"', 0, 'a', 0, '"', 0}) {
		t.Errorf("UnicodePwdValue(a) = % x", UnicodePwdValue("a"))
	}
}

func TestPasswordPolicyRejection(t *testing.T) {
	tests := []struct {
		err    error
		ok     bool
		reason string
	}{
		{&Error{Op: "modify", Code: CodeConstraintViolation, Diagnostic: "0000052D: Constraint violation - check_password_restrictions: the password is too short. It should be equal or longer than 7 characters!"},
			true, "the password is too short. It should be equal or longer than 7 characters!"},
		{&Error{Op: "modify", Code: CodeUnwillingToPerform, Diagnostic: "0000052D: SvcErr: DSID-031A126C, problem 5003 (WILL_NOT_PERFORM), data 0\n"}, true, ""},
		{&Error{Op: "modify", Code: CodeConstraintViolation, Diagnostic: "0000202F: size limit"}, false, ""},
		{&Error{Op: "modify", Code: CodeInsufficientAccessRights, Diagnostic: "0000052D"}, false, ""},
		{errors.New("0000052D"), false, ""},
	}
	for _, tt := range tests {
		reason, ok := PasswordPolicyRejection(tt.err)
		if ok != tt.ok || reason != tt.reason {
			t.Errorf("PasswordPolicyRejection(%v) = %q, %v; want %q, %v", tt.err, reason, ok, tt.reason, tt.ok)
		}
	}
}

func TestRangedKey(t *testing.T) {
	e := &Entry{DN: "cn=g", Attrs: map[string][]string{"cn": {"g"}, "member;range=0-1499": {"a"}}}
	if k, h, ok := rangedKey(e, "Member"); !ok || k != "member;range=0-1499" || h != "1499" {
		t.Errorf("rangedKey = %q, %q, %v", k, h, ok)
	}
	if _, _, ok := rangedKey(e, "cn"); ok {
		t.Error("rangedKey found a range on cn")
	}
	plain := &Entry{Attrs: map[string][]string{"member": {"a", "b"}}}
	if vals, err := (&Store{}).AllValues(t.Context(), plain, "member"); err != nil || len(vals) != 2 {
		t.Errorf("AllValues without ranges = %v, %v", vals, err)
	}
}

// unicodePwd is refused on a connection without TLS before anything is
// sent, and let through on a StartTLS connection (where slapd, which has no
// such attribute, answers with its own error).
func TestUnicodePwdNeedsTLS(t *testing.T) {
	srv := startServer(t)
	ctx := t.Context()
	plain, _ := openStore(t, srv)
	dn := ChildDN("uid", "tls", srv.PeopleDN)
	if err := plain.Add(ctx, dn, person("tls", "unicodePwd", UnicodePwdValue("x"))); !errors.Is(err, ErrPasswordNeedsTLS) {
		t.Fatalf("Add with unicodePwd in clear = %v, want ErrPasswordNeedsTLS", err)
	}
	if got := srv.Entry(t, dn, "uid"); got != nil {
		t.Fatalf("entry was created: %v", got)
	}
	if err := plain.Add(ctx, dn, person("tls")); err != nil {
		t.Fatal(err)
	}
	set := []Change{{Op: ChangeReplace, Attr: "unicodePwd", Values: []string{UnicodePwdValue("x")}}}
	if err := plain.Modify(ctx, dn, set); !errors.Is(err, ErrPasswordNeedsTLS) {
		t.Errorf("Modify of unicodePwd in clear = %v, want ErrPasswordNeedsTLS", err)
	}
	secure, _ := openStore(t, srv, func(o *Options) { o.StartTLS, o.CAFile = true, srv.CAFile })
	if err := secure.Modify(ctx, dn, set); err == nil || errors.Is(err, ErrPasswordNeedsTLS) || Code(err) == 0 {
		t.Errorf("Modify of unicodePwd over StartTLS = %v, want slapd's own refusal", err)
	}
}
