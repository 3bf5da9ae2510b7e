package ldapstore

import (
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// fuzzContainers are createDN values as admins write them: other case,
// spaces after commas, escaped and multi-valued RDNs, an AD container.
var fuzzContainers = []string{
	"ou=People,dc=example,dc=com",
	"OU=Users, DC=corp, DC=local",
	`ou=R\2CD,dc=example,dc=com`,
	`o=Acme\, Inc.,c=US`,
	"cn=Users,dc=samba,dc=test",
	"ou=People+l=Berlin,dc=example,dc=com",
	"dc=com",
}

// FuzzUserDN is the DN property of users and groups: whatever value a
// client sends as userName or displayName, the DN created for it (ChildDN,
// as connector's create does) and the DN a rename gives it (ChildDN under
// ParentDN, as Rename does) are direct children of the configured
// container, with exactly that value as their RDN.
func FuzzUserDN(f *testing.F) {
	for i, v := range nastyValues {
		f.Add(i, v, "renamed")
	}
	f.Fuzz(func(t *testing.T, container int, v, renamed string) {
		if container < 0 {
			container = -(container + 1)
		}
		parent := fuzzContainers[container%len(fuzzContainers)]
		for _, attr := range []string{"uid", "cn"} {
			dn := ChildDN(attr, v, parent)
			assertDirectChild(t, dn, attr, v, parent)
			p, err := ParentDN(dn)
			if err != nil {
				t.Fatal(err)
			}
			assertDirectChild(t, ChildDN(attr, renamed, p), attr, renamed, parent)
		}
	})
}

func assertDirectChild(t *testing.T, dn, attr, v, parent string) {
	t.Helper()
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		t.Fatalf("ChildDN(%s, %q, %q) = %q does not parse: %v", attr, v, parent, dn, err)
	}
	pp, err := ldap.ParseDN(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.RDNs) != len(pp.RDNs)+1 || len(parsed.RDNs[0].Attributes) != 1 {
		t.Fatalf("%q is not one single-valued RDN below %q", dn, parent)
	}
	p, err := ParentDN(dn)
	if err != nil || !EqualDN(p, parent) {
		t.Fatalf("ParentDN(%q) = %q, %v; want %q", dn, p, err, parent)
	}
	if a := parsed.RDNs[0].Attributes[0]; a.Type != attr || a.Value != v {
		t.Fatalf("%q: RDN %s=%q, want %s=%q", dn, a.Type, a.Value, attr, v)
	}
}
