package connector_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// TestOpenLDAPTreeExample runs examples/openldap-tree.yaml unchanged (but
// for the URL) against a stock OpenLDAP and checks each promise of its
// header comment in the directory itself.
func TestOpenLDAPTreeExample(t *testing.T) {
	dir := testldap.Start(t)
	cfg, err := config.Load("../examples/openldap-tree.yaml")
	if err != nil {
		t.Fatalf("examples/openldap-tree.yaml: %v", err)
	}
	cfg.LDAP.URLs = []string{dir.URL}
	b, _ := startBridge(t, dir, cfg, nil)
	user := func(userName, dept string, active bool) string {
		ext := ""
		if dept != "" {
			ext = `,"` + enterpriseUser + `":{"department":"` + dept + `"}`
		}
		a := "true"
		if !active {
			a = "false"
		}
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + userName +
			`","name":{"givenName":"Alice","familyName":"Liddell"},"password":"Str0ng-Pass-1","active":` + a + ext + `}`
	}
	entryOf := func(mail string) (string, map[string][]string) {
		t.Helper()
		found := dir.Search(t, dir.BaseDN, "(mail="+mail+")", "uid", "uidNumber", "gidNumber", "homeDirectory", "loginShell", "description", "objectClass")
		if len(found) != 1 {
			t.Fatalf("%d entries with mail=%s", len(found), mail)
		}
		for dn, e := range found {
			return dn, e
		}
		return "", nil
	}
	parentOf := func(dn string) string { p, _ := ldapstore.ParentDN(dn); return p }

	alice := b.create(user("alice@example.com", "Sales", true))
	dn, e := entryOf("alice@example.com")
	if dn != "uid=alice,ou=Sales,ou=People,dc=example,dc=com" || first(e, "uidnumber") != "10000" || first(e, "gidnumber") != "10000" ||
		first(e, "homedirectory") != "/home/alice" || first(e, "loginshell") != "/bin/bash" {
		t.Errorf("alice: %s %v", dn, e)
	}
	other := b.create(user("Alice@other.org", "", true))
	dn, e = entryOf("Alice@other.org")
	if dn != "uid=alice1,ou=People,dc=example,dc=com" || first(e, "uidnumber") != "10001" || first(e, "homedirectory") != "/home/alice1" {
		t.Errorf("the second alice: %s %v", dn, e)
	}
	// mail is IA5 (ASCII), so accents are folded in the table tests of
	// connector/mapping and in TestDirectories/*/tree (from the names).
	folded := b.create(user("Bob.O'Neil+news@Example.com", "", true))
	if dn, _ = entryOf("Bob.O'Neil+news@Example.com"); dn != "uid=bob.oneilnews,ou=People,dc=example,dc=com" {
		t.Errorf("lower-cased login: %s", dn)
	}
	b.do("DELETE", "/Users/"+folded, "").want(t, http.StatusNoContent)

	// A department change moves alice; a userName change keeps her uid.
	gid := str(b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"readers","members":[{"value":"`+alice+`"}]}`).want(t, http.StatusCreated).body, "id")
	b.do("PATCH", "/Users/"+alice, `{`+patchOp+`,"Operations":[{"op":"replace","value":{"userName":"alice.liddell@example.com","`+enterpriseUser+`:department":"Support"}}]}`).want(t, http.StatusOK)
	dn, _ = entryOf("alice.liddell@example.com")
	if dn != "uid=alice,ou=Support,ou=People,dc=example,dc=com" {
		t.Errorf("after department and userName change: %s", dn)
	}
	if g := dir.Entry(t, "cn=readers,ou=Groups,dc=example,dc=com", "member"); !containsFold(g["member"], dn) {
		t.Errorf("group members after the move: %v", g)
	}

	// The disabled-OU round trip.
	b.do("PATCH", "/Users/"+alice, `{`+patchOp+`,"Operations":[{"op":"replace","path":"active","value":false}]}`).want(t, http.StatusOK)
	dn, e = entryOf("alice.liddell@example.com")
	if parentOf(dn) != "ou=Disabled Users,dc=example,dc=com" || !strings.HasPrefix(first(e, "description"), "Disabled by scim2ldap") {
		t.Errorf("disabled: %s %v", dn, e)
	}
	if err := dir.CanBind(dn, "Str0ng-Pass-1"); err == nil {
		t.Error("a disabled user can bind")
	}
	r := b.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "alice.liddell@example.com"`), "").want(t, http.StatusOK)
	if str(r.body, "Resources.0.id") != alice || str(r.body, "Resources.0.active") != "false" {
		t.Errorf("userName eq for a disabled user: %s", r.raw)
	}
	r = b.do("GET", "/Users?startIndex=1&count=10", "").want(t, http.StatusOK)
	if str(r.body, "totalResults") != "2" || !strings.Contains(string(r.raw), alice) || !strings.Contains(string(r.raw), other) {
		t.Errorf("import with a disabled user: %s", r.raw)
	}
	if r := b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK); !strings.Contains(string(r.raw), alice) {
		t.Errorf("group after disabling: %s", r.raw)
	}
	b.do("PATCH", "/Users/"+alice, `{`+patchOp+`,"Operations":[{"op":"replace","path":"active","value":true}]}`).want(t, http.StatusOK)
	dn, e = entryOf("alice.liddell@example.com")
	if dn != "uid=alice,ou=Support,ou=People,dc=example,dc=com" || len(e["description"]) != 0 {
		t.Errorf("reactivated: %s %v", dn, e)
	}
	if err := dir.CanBind(dn, "Str0ng-Pass-1"); err != nil {
		t.Errorf("a reactivated user cannot bind: %v", err)
	}
	// Created inactive: straight into the disabled OU.
	b.create(user("carol@example.com", "Sales", false))
	if dn, _ = entryOf("carol@example.com"); dn != "uid=carol,ou=Disabled Users,dc=example,dc=com" {
		t.Errorf("created inactive at %s", dn)
	}
}

func containsFold(list []string, dn string) bool {
	for _, v := range list {
		if ldapstore.EqualDN(v, dn) {
			return true
		}
	}
	return false
}

// TestTreeRegenerateAndGroupBases: a generated value marked regenerate
// follows its inputs (a rename, uid being the RDN), and groups are found
// in every groups.baseDNs subtree.
func TestTreeRegenerateAndGroupBases(t *testing.T) {
	dir := testldap.Start(t)
	cfg, err := config.Load("../examples/openldap-tree.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.LDAP.URLs = []string{dir.URL}
	for i := range cfg.Users.Attributes {
		if cfg.Users.Attributes[i].LDAP == "uid" {
			cfg.Users.Attributes[i].Regenerate = true
		}
	}
	teams := "ou=Teams,dc=example,dc=com"
	cfg.Groups.BaseDNs = []string{teams}
	dir.MustAdd(t, teams, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"Teams"}})
	dir.MustAdd(t, "cn=team1,"+teams, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"team1"}, "member": {"cn=nobody"}})
	b, _ := startBridge(t, dir, cfg, nil)

	id := b.create(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"dora@example.com","name":{"givenName":"Dora","familyName":"E"}}`)
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"userName","value":"dorothy@example.com"}]}`).want(t, http.StatusOK)
	found := dir.Search(t, dir.BaseDN, "(mail=dorothy@example.com)", "uid")
	if _, ok := found["uid=dorothy,ou=People,dc=example,dc=com"]; !ok || len(found) != 1 {
		t.Errorf("regenerated uid: %v", found)
	}

	r := b.do("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "team1"`), "").want(t, http.StatusOK)
	gid := str(r.body, "Resources.0.id")
	if str(r.body, "totalResults") != "1" || gid == "" {
		t.Fatalf("group in the second base: %s", r.raw)
	}
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"`+id+`"}]}]}`).want(t, http.StatusNoContent)
	if g := dir.Entry(t, "cn=team1,"+teams, "member"); !containsFold(g["member"], "uid=dorothy,ou=People,dc=example,dc=com") {
		t.Errorf("member of a group in the second base: %v", g)
	}
	r = b.do("GET", "/Groups?startIndex=1&count=10", "").want(t, http.StatusOK)
	if str(r.body, "totalResults") != "1" {
		t.Errorf("groups across both bases: %s", r.raw)
	}
}
