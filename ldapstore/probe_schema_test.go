package ldapstore

import (
	"reflect"
	"testing"
)

func TestParseSchema(t *testing.T) {
	s := ParseSchema([]string{
		"( 2.5.6.0 NAME 'top' DESC 'top of the superclass chain' ABSTRACT MUST objectClass )",
		"( 2.5.6.6 NAME 'person' DESC 'RFC2256: a person' SUP top STRUCTURAL MUST ( sn $ cn ) MAY ( userPassword $ telephoneNumber $ seeAlso $ description ) )",
		"( 2.16.840.1.113730.3.2.2 NAME 'inetOrgPerson' SUP organizationalPerson STRUCTURAL MAY ( mail $ uid ) )",
		"( 2.5.6.7 NAME 'organizationalPerson' SUP person STRUCTURAL MAY ( title $ ou ) )",
		"( 1.3.6.1.4.1.42.2.27.8.2.1 NAME 'pwdPolicy' SUP top AUXILIARY MUST pwdAttribute )",
		"( 1.2.840.113556.1.5.9 NAME 'user' SUP organizationalPerson STRUCTURAL MAY ( sAMAccountName ) X-ORIGIN 'AD' )",
	}, []string{
		"( 2.5.4.3 NAME ( 'cn' 'commonName' ) DESC 'RFC4519: common name(s)' SUP name )",
		"( 2.5.4.4 NAME ( 'sn' 'surname' ) SUP name )",
		"( 2.5.4.0 NAME 'objectClass' EQUALITY objectIdentifierMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.38 )",
		"( 0.9.2342.19200300.100.1.3 NAME ( 'mail' 'rfc822Mailbox' ) EQUALITY caseIgnoreIA5Match SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} )",
		"( 0.9.2342.19200300.100.1.1 NAME ( 'uid' 'userid' ) SYNTAX 1.3.6.1.4.1.1466.115.121.1.15{256} )",
		"( 1.3.6.1.1.16.4 NAME 'entryUUID' DESC 'UUID of the entry' EQUALITY UUIDMatch SINGLE-VALUE NO-USER-MODIFICATION USAGE directoryOperation )",
	})
	if s.Class("INETORGPERSON") == nil || s.Class("pwdPolicy").Kind != "AUXILIARY" || s.Class("top").Kind != "ABSTRACT" || s.Class("nope") != nil {
		t.Errorf("classes: %+v", s.classes)
	}
	for _, a := range []string{"cn", "commonName", "SN", "mail", "rfc822Mailbox", "entryUUID", "mail;lang-de"} {
		if !s.HasAttribute(a) {
			t.Errorf("HasAttribute(%q) = false", a)
		}
	}
	if s.HasAttribute("departmentNam") {
		t.Error("HasAttribute of an unknown name")
	}
	if got := s.Required([]string{"inetOrgPerson"}); !reflect.DeepEqual(got, []string{"cn", "objectClass", "sn"}) {
		t.Errorf("Required(inetOrgPerson) = %v", got)
	}
	_, may := s.Allowed([]string{"inetOrgPerson"})
	for _, a := range []string{"mail", "rfc822mailbox", "title", "userpassword"} {
		if !may[a] {
			t.Errorf("inetOrgPerson should allow %s", a)
		}
	}
	if s.Canonical("COMMONNAME") != "cn" || s.Canonical("unknownAttr") != "unknownAttr" {
		t.Errorf("Canonical: %q %q", s.Canonical("COMMONNAME"), s.Canonical("unknownAttr"))
	}
}
