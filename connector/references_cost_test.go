package connector_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// TestUserPageManagersCostOneSearch measures what the manager reference
// costs a page of users: the DN→id resolution is batched, so a page of 100
// users, each with a manager (20 distinct), costs one search more than the
// same page without managers, not one per user.
func TestUserPageManagersCostOneSearch(t *testing.T) {
	dir := testldap.Start(t)
	b := newBenchBridge(t, dir)
	const n, bosses = 100, 20
	person := func(name string, extra map[string][]string) (string, map[string][]string) {
		attrs := map[string][]string{"objectClass": {"top", "person", "organizationalPerson", "inetOrgPerson"}, "uid": {name}, "cn": {name}, "sn": {name}}
		for k, v := range extra {
			attrs[k] = v
		}
		return "uid=" + name + "," + dir.PeopleDN, attrs
	}
	dir.MustAddMany(t, bosses, func(i int) (string, map[string][]string) { return person(fmt.Sprintf("boss%02d", i), nil) })
	dir.MustAddMany(t, n, func(i int) (string, map[string][]string) { return person(fmt.Sprintf("plain%03d", i), nil) })
	dir.MustAddMany(t, n, func(i int) (string, map[string][]string) {
		return person(fmt.Sprintf("managed%03d", i), map[string][]string{"manager": {fmt.Sprintf("uid=boss%02d,%s", i%bosses, dir.PeopleDN)}})
	})

	page := func(prefix string) (map[string]int, []byte) {
		b.ops.take()
		raw := b.do(http.StatusOK, "GET", "/Users?count=100&filter=userName%20sw%20%22"+prefix+"%22", "")
		return b.ops.take(), raw
	}
	// The bridge's first request also discovers the directory (root DSE,
	// schema): warm up before counting.
	page("plain")
	plainOps, _ := page("plain")
	managedOps, raw := page("managed")
	t.Logf("a page of %d users: %v without managers, %v with %d distinct managers", n, plainOps, managedOps, bosses)
	if managedOps["search"] != plainOps["search"]+1 {
		t.Errorf("searches for a page with managers: %d, want %d (one more than without)", managedOps["search"], plainOps["search"]+1)
	}
	var r struct {
		Resources []map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Resources) != n {
		t.Fatalf("page: %v %s", err, raw)
	}
	for _, res := range r.Resources {
		var ext struct {
			Manager struct{ Value, DisplayName string } `json:"manager"`
		}
		_ = json.Unmarshal(res[enterpriseURN], &ext)
		if ext.Manager.Value == "" || ext.Manager.DisplayName == "" {
			t.Fatalf("a user without its manager on the page: %s", res[enterpriseURN])
		}
	}
}

// TestUserPageGroupsCost measures a page of 100 users with their groups
// where groups nest (each user in one of 10 groups, those in ind-top, that
// in ind-root): with indirect memberships off, the page costs what it did
// before nesting existed (the page, one lookup of the groups); on, one
// search more per level of nesting, for the whole page.
func TestUserPageGroupsCost(t *testing.T) {
	dir := testldap.Start(t)
	const n, groups = 100, 10
	group := func(name string, members ...string) (string, map[string][]string) {
		return "cn=" + name + "," + dir.GroupsDN, map[string][]string{"objectClass": {"top", "groupOfNames"}, "cn": {name}, "member": members}
	}
	dir.MustAddMany(t, n, func(i int) (string, map[string][]string) {
		name := fmt.Sprintf("gu%03d", i)
		return "uid=" + name + "," + dir.PeopleDN, map[string][]string{"objectClass": {"top", "person", "organizationalPerson", "inetOrgPerson"}, "uid": {name}, "cn": {name}, "sn": {name}}
	})
	dir.MustAddMany(t, groups, func(i int) (string, map[string][]string) {
		var members []string
		for u := i; u < n; u += groups {
			members = append(members, fmt.Sprintf("uid=gu%03d,%s", u, dir.PeopleDN))
		}
		return group(fmt.Sprintf("ind-g%d", i), members...)
	})
	var level []string
	for i := range groups {
		level = append(level, fmt.Sprintf("cn=ind-g%d,%s", i, dir.GroupsDN))
	}
	dir.MustAdd(t, "cn=ind-top,"+dir.GroupsDN, map[string][]string{"objectClass": {"top", "groupOfNames"}, "cn": {"ind-top"}, "member": level})
	dir.MustAdd(t, "cn=ind-root,"+dir.GroupsDN, map[string][]string{"objectClass": {"top", "groupOfNames"}, "cn": {"ind-root"}, "member": {"cn=ind-top," + dir.GroupsDN}})

	count := func(b *benchBridge) (map[string]int, []byte) {
		path := "/Users?count=100&filter=userName%20sw%20%22gu%22"
		b.do(http.StatusOK, "GET", path, "") // warm-up: discovery, connections
		b.ops.take()
		raw := b.do(http.StatusOK, "GET", path, "")
		return b.ops.take(), raw
	}
	off, _ := count(newBenchBridge(t, dir))
	on, raw := count(newBenchBridge(t, dir, func(c *config.Config) { c.Groups.IndirectMemberships = true }))
	t.Logf("a page of %d users with groups nested 2 levels above their own: %v with indirect memberships off, %v on", n, off, on)
	if off["search"] != 2 {
		t.Errorf("indirect memberships off: %d searches, want 2 (the page, the groups' lookup)", off["search"])
	}
	if on["search"] > 2+3 {
		t.Errorf("indirect memberships on: %d searches, want at most 5 (one per level for the page)", on["search"])
	}
	var r struct {
		Resources []struct {
			Groups []struct{ Display, Type string }
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Resources) != n {
		t.Fatalf("page: %v %s", err, raw)
	}
	for _, res := range r.Resources {
		var got []string
		for _, g := range res.Groups {
			got = append(got, g.Type+":"+g.Display[:min(len(g.Display), 5)])
		}
		if want := []string{"direct:ind-g", "indirect:ind-r", "indirect:ind-t"}; !equalStrings(sorted(got...), want) {
			t.Fatalf("groups %v, want %v", sorted(got...), want)
		}
	}
}

// TestNestedGroupPatchIsOneModify: adding and removing a group as a member
// is one LDAP modify, like a user; a re-sent add or remove is none.
func TestNestedGroupPatchIsOneModify(t *testing.T) {
	dir := testldap.Start(t)
	b := newBenchBridge(t, dir)
	mk := func(name, members string) string {
		var r struct{ ID string }
		_ = json.Unmarshal(b.do(http.StatusCreated, "POST", "/Groups", `{`+groupURN+`,"displayName":"`+name+`","members":[`+members+`]}`), &r)
		return r.ID
	}
	var u struct{ ID string }
	_ = json.Unmarshal(b.do(http.StatusCreated, "POST", "/Users", userBody("one.user", "O", "Ne", "")), &u)
	// A user stays in, so removing the group never empties the group
	// (which costs a second modify with the placeholder, for users too).
	outer, inner := mk("one-outer", `{"value":"`+u.ID+`"}`), mk("one-inner", "")
	for _, tt := range []struct {
		name, body string
		modifies   int
	}{
		{"add", addMemberBody(inner), 1},
		{"add again", addMemberBody(inner), 0},
		{"remove", removeMemberBody(inner), 1},
		{"remove again", removeMemberBody(inner), 0},
	} {
		b.ops.take()
		b.do(http.StatusNoContent, "PATCH", "/Groups/"+outer, tt.body)
		ops := b.ops.take()
		t.Logf("%s: %v", tt.name, ops)
		if ops["modify"] != tt.modifies {
			t.Errorf("%s: %d modifies, want %d", tt.name, ops["modify"], tt.modifies)
		}
	}
}
