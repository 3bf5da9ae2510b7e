package ldapstore

import (
	"reflect"
	"strings"
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

// TestContentRules (no attributeTypes given: names come back lower-case):
// Active Directory allows sAMAccountName on user and
// group through the auxiliary class securityPrincipal, which only its
// dITContentRules name (values as Samba 4.17 publishes them, shortened).
func TestContentRules(t *testing.T) {
	s := ParseSchema([]string{
		"( 2.5.6.0 NAME 'top' ABSTRACT MUST (objectClass $ objectCategory $ nTSecurityDescriptor $ instanceType ) MAY (description ) )",
		"( 2.5.6.6 NAME 'person' SUP top STRUCTURAL MUST (cn ) MAY (sn ) )",
		"( 2.5.6.7 NAME 'organizationalPerson' SUP person STRUCTURAL MAY (title ) )",
		"( 1.2.840.113556.1.5.9 NAME 'user' SUP organizationalPerson STRUCTURAL MAY (givenName ) )",
		"( 1.2.840.113556.1.5.8 NAME 'group' SUP top STRUCTURAL MUST (groupType ) MAY (member ) )",
		"( 1.2.840.113556.1.5.6 NAME 'securityPrincipal' SUP top AUXILIARY MUST (sAMAccountName $ objectSid ) MAY (sIDHistory ) )",
		"( 1.2.840.113556.1.3.46 NAME 'mailRecipient' SUP top AUXILIARY MUST (cn ) MAY (telephoneNumber ) )",
	}, nil)
	s.AddContentRules([]string{
		"( 1.2.840.113556.1.5.9 NAME 'user' AUX ( securityPrincipal $ mailRecipient ) MUST (sAMAccountName $ objectSid $ cn ) MAY (msDS-cloudExtensionAttribute1 ) )",
		"( 1.2.840.113556.1.5.8 NAME 'group' AUX ( mailRecipient $ securityPrincipal ) MUST (cn $ sAMAccountName $ objectSid ) )",
	})
	tests := []struct {
		classes []string
		allowed []string
		not     []string
		req     []string
	}{
		{[]string{"top", "person", "organizationalPerson", "user"},
			[]string{"samaccountname", "telephonenumber", "sidhistory", "givenname", "msds-cloudextensionattribute1", "cn"},
			[]string{"groupType", "member"},
			[]string{"cn", "instancetype", "ntsecuritydescriptor", "objectcategory", "objectclass"}},
		{[]string{"top", "group"}, []string{"samaccountname", "member", "grouptype"}, []string{"givenname"},
			[]string{"grouptype", "instancetype", "ntsecuritydescriptor", "objectcategory", "objectclass"}},
		// person has no content rule: nothing auxiliary.
		{[]string{"top", "person"}, []string{"sn"}, []string{"samaccountname"}, nil},
	}
	for _, tt := range tests {
		must, may := s.Allowed(tt.classes)
		for _, a := range tt.allowed {
			if !must[a] && !may[a] {
				t.Errorf("%v should allow %s", tt.classes, a)
			}
		}
		for _, a := range tt.not {
			if must[strings.ToLower(a)] || may[strings.ToLower(a)] {
				t.Errorf("%v should not allow %s", tt.classes, a)
			}
		}
		if tt.req != nil {
			if got := s.Required(tt.classes); !reflect.DeepEqual(got, tt.req) {
				t.Errorf("Required(%v) = %v, want %v (no objectSid or sAMAccountName: the DC fills them)", tt.classes, got, tt.req)
			}
		}
	}
}
