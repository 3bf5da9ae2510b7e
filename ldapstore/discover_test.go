package ldapstore

import (
	"reflect"
	"strings"
	"testing"
)

func rootDSE(attrs map[string][]string) *Entry {
	e := &Entry{Attrs: map[string][]string{}}
	for k, v := range attrs {
		e.Attrs[strings.ToLower(k)] = v
	}
	return e
}

// TestDirectoryKind: root DSEs as the three servers (and Red Hat DS, and
// an unknown server) answer them.
func TestDirectoryKind(t *testing.T) {
	tests := []struct {
		name string
		root map[string][]string
		want string
	}{
		{"samba", map[string][]string{"supportedCapabilities": {"1.2.840.113556.1.4.800"}, "domainControllerFunctionality": {"4"}, "vendorName": {"Samba Team (https://www.samba.org)"}}, KindActiveDirectory},
		{"windows", map[string][]string{"domainControllerFunctionality": {"7"}}, KindActiveDirectory},
		{"389", map[string][]string{"vendorName": {"389 Project"}, "vendorVersion": {"389-Directory/2.3.1 B2023.010.0000"}}, Kind389DS},
		{"red hat", map[string][]string{"vendorName": {"Red Hat, Inc."}, "vendorVersion": {"Red Hat-Directory/11.7"}}, Kind389DS},
		{"openldap", map[string][]string{"objectClass": {"top", "OpenLDAProotDSE"}}, KindOpenLDAP},
		{"openldap, operational only", map[string][]string{"structuralObjectClass": {"OpenLDAProotDSE"}}, KindOpenLDAP},
		{"unknown", map[string][]string{"vendorName": {"Example Corp"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DirectoryKind(rootDSE(tt.root)); got != tt.want {
				t.Errorf("DirectoryKind = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDataContexts(t *testing.T) {
	tests := []struct {
		name string
		root map[string][]string
		want []string
	}{
		{"ad: default first, no configuration, schema or DNS partitions", map[string][]string{
			"defaultNamingContext":       {"DC=example,DC=com"},
			"configurationNamingContext": {"CN=Configuration,DC=example,DC=com"},
			"schemaNamingContext":        {"CN=Schema,CN=Configuration,DC=example,DC=com"},
			"namingContexts": {"DC=example,DC=com", "CN=Configuration,DC=example,DC=com", "CN=Schema,CN=Configuration,DC=example,DC=com",
				"DC=DomainDnsZones,DC=example,DC=com", "DC=ForestDnsZones,DC=example,DC=com"},
		}, []string{"DC=example,DC=com"}},
		{"openldap with cn=config exposed", map[string][]string{
			"configContext": {"cn=config"}, "namingContexts": {"dc=example,dc=com", "dc=other,dc=org"},
		}, []string{"dc=example,dc=com", "dc=other,dc=org"}},
		{"389 with netscaperoot", map[string][]string{"namingContexts": {"o=netscaperoot", "dc=example,dc=com"}}, []string{"dc=example,dc=com"}},
		{"none", map[string][]string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dataContexts(rootDSE(tt.root)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("dataContexts = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSortContainers(t *testing.T) {
	cs := []Container{
		{"CN=Users,DC=example,DC=com", 3},
		{"ou=b,dc=x", 1},
		{"OU=Staff,DC=example,DC=com", 3},
		{"ou=a,dc=x", 1},
		{"ou=Big,dc=x", 9},
	}
	SortContainers(cs)
	var got []string
	for _, c := range cs {
		got = append(got, c.DN)
	}
	want := []string{"ou=Big,dc=x", "OU=Staff,DC=example,DC=com", "CN=Users,DC=example,DC=com", "ou=a,dc=x", "ou=b,dc=x"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
}
