package connector_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
)

// groupEntry reads a group by cn; member values are lower-cased DNs (or
// uids), sorted.
func (b *bed) groupEntry(cn string) (map[string][]string, []string) {
	b.t.Helper()
	e := b.dir.Entry(b.t, "cn="+cn+","+b.dir.GroupsDN, "entryUUID", "member", "memberUid", "description", "gidNumber", "cn")
	if e == nil {
		return nil, nil
	}
	var members []string
	for _, m := range append(e["member"], e["memberuid"]...) {
		members = append(members, strings.ToLower(m))
	}
	sort.Strings(members)
	return e, members
}

func (b *bed) userDN(uid string) string { return strings.ToLower("uid=" + uid + "," + b.dir.PeopleDN) }

func memberValues(r resp) []string {
	var ids []string
	list, _ := r.body["members"].([]interface{})
	for _, m := range list {
		ids = append(ids, str(m, "value"))
	}
	sort.Strings(ids)
	return ids
}

func sorted(s ...string) []string { sort.Strings(s); return s }

func equalStrings(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }

const groupURN = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]`

func TestOktaGroupPush(t *testing.T) {
	b := newBed(t)
	alice := b.create(userBody("alice@corp.local", "Alice", "A", "Pass-word-1"))
	bob := b.create(userBody("bob@corp.local", "Bob", "B", "Pass-word-1"))

	// Lookup of the absent group.
	r := b.do("GET", "/Groups?filter="+url.QueryEscape(`displayName eq "Test SCIMv2"`)+"&startIndex=1&count=100", "").want(t, http.StatusOK)
	if str(r.body, "totalResults") != "0" || !strings.Contains(string(r.raw), `"Resources":[]`) {
		t.Fatalf("absent group: %s", r.raw)
	}
	// Create with a member.
	r = b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"Test SCIMv2","members":[{"value":"`+alice+`","display":"alice@corp.local"}]}`).want(t, http.StatusCreated)
	gid := str(r.body, "id")
	if !equalStrings(memberValues(r), []string{alice}) || r.header.Get("Location") == "" {
		t.Errorf("create: %s", r.raw)
	}
	e, members := b.groupEntry("Test SCIMv2")
	if e == nil || e["entryuuid"][0] != gid || !equalStrings(members, []string{b.userDN("alice@corp.local")}) {
		t.Fatalf("directory after create: %v", e)
	}
	b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"test scimv2","members":[]}`).wantError(t, http.StatusConflict, "uniqueness")

	// Okta sends a rename PATCH with the id inside the value before every
	// membership change.
	rename := `{` + patchOp + `,"Operations":[{"op":"replace","value":{"id":"` + gid + `","displayName":"Test SCIMv2"}}]}`
	b.do("PATCH", "/Groups/"+gid, rename).want(t, http.StatusNoContent)

	// remove alice, add bob, in one PATCH.
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members[value eq \"`+alice+`\"]"},{"op":"add","path":"members","value":[{"value":"`+bob+`","display":"bob@corp.local"}]}]}`).want(t, http.StatusNoContent)
	if _, members = b.groupEntry("Test SCIMv2"); !equalStrings(members, []string{b.userDN("bob@corp.local")}) {
		t.Errorf("after remove+add: %v", members)
	}
	// Okta re-sends: the same PATCH again changes nothing and succeeds.
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members[value eq \"`+alice+`\"]"},{"op":"add","path":"members","value":[{"value":"`+bob+`"}]}]}`).want(t, http.StatusNoContent)
	if _, members = b.groupEntry("Test SCIMv2"); !equalStrings(members, []string{b.userDN("bob@corp.local")}) {
		t.Errorf("after repeat: %v", members)
	}

	// Full replacement.
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"replace","path":"members","value":[{"value":"`+alice+`"},{"value":"`+bob+`"}]}]}`).want(t, http.StatusNoContent)
	if _, members = b.groupEntry("Test SCIMv2"); !equalStrings(members, sorted(b.userDN("alice@corp.local"), b.userDN("bob@corp.local"))) {
		t.Errorf("after replace: %v", members)
	}
	r = b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK)
	if !equalStrings(memberValues(r), sorted(alice, bob)) || str(r.body, "displayName") != "Test SCIMv2" {
		t.Errorf("get: %s", r.raw)
	}

	// AIW apps PUT the group: rename and members in one request.
	r = b.do("PUT", "/Groups/"+gid, `{`+groupURN+`,"id":"`+gid+`","displayName":"Test SCIMv2 renamed","members":[{"value":"`+bob+`"}]}`).want(t, http.StatusOK)
	if str(r.body, "id") != gid || !equalStrings(memberValues(r), []string{bob}) {
		t.Errorf("put: %s", r.raw)
	}
	if e, _ := b.groupEntry("Test SCIMv2"); e != nil {
		t.Errorf("old entry still there")
	}
	e, members = b.groupEntry("Test SCIMv2 renamed")
	if e == nil || e["entryuuid"][0] != gid || !equalStrings(members, []string{b.userDN("bob@corp.local")}) {
		t.Errorf("after PUT: %v", e)
	}

	// The user's groups attribute (read-only, from memberOf).
	r = b.do("GET", "/Users/"+bob, "").want(t, http.StatusOK)
	if str(r.body, "groups.0.value") != gid || str(r.body, "groups.0.display") != "Test SCIMv2 renamed" {
		t.Errorf("bob's groups: %s", r.raw)
	}
	r = b.do("GET", "/Users/"+alice+"?excludedAttributes=groups", "").want(t, http.StatusOK)
	if get(r.body, "groups") != nil {
		t.Errorf("groups not excluded: %s", r.raw)
	}

	b.do("DELETE", "/Groups/"+gid, "").want(t, http.StatusNoContent)
	if e, _ := b.groupEntry("Test SCIMv2 renamed"); e != nil {
		t.Errorf("group still in the directory")
	}
	b.do("DELETE", "/Groups/"+gid, "").wantError(t, http.StatusNotFound, "")
	b.do("GET", "/Groups/"+gid, "").wantError(t, http.StatusNotFound, "")
}

func TestEntraGroups(t *testing.T) {
	b := newBed(t)
	var ids []string
	for _, n := range []string{"u1", "u2", "u3"} {
		ids = append(ids, b.create(userBody(n+"@corp.local", n, "X", "Pass-word-1")))
	}
	// Created without members, with Microsoft's schema URN.
	r := b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"externalId":"8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159","displayName":"Sales","meta":{"resourceType":"Group"}}`).want(t, http.StatusCreated)
	gid := str(r.body, "id")
	if m, ok := r.body["members"].([]interface{}); !ok || len(m) != 0 {
		t.Errorf(`create must answer "members":[]: %s`, r.raw)
	}
	e, members := b.groupEntry("Sales")
	if e == nil || !equalStrings(members, []string{"cn=nobody"}) {
		t.Errorf("empty groupOfNames must hold the placeholder: %v", e)
	}
	r = b.do("GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "sales"`), "").want(t, http.StatusOK)
	if str(r.body, "Resources.0.id") != gid || get(r.body, "Resources.0.members") != nil {
		t.Errorf("excludedAttributes=members lookup: %s", r.raw)
	}
	b.do("GET", "/Groups/"+gid+"?excludedAttributes=members", "").want(t, http.StatusOK)

	// Add several in one operation, $ref null, capitalised op.
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"`+ids[0]+`"},{"$ref":null,"value":"`+ids[1]+`"},{"$ref":null,"value":"`+ids[2]+`"}]}]}`).want(t, http.StatusNoContent)
	if _, members = b.groupEntry("Sales"); !equalStrings(members, sorted(b.userDN("u1@corp.local"), b.userDN("u2@corp.local"), b.userDN("u3@corp.local"))) {
		t.Errorf("after Add (placeholder must be gone): %v", members)
	}
	// Remove by value list (Entra's default).
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"Remove","path":"members","value":[{"value":"`+ids[0]+`"},{"value":"`+ids[1]+`"}]}]}`).want(t, http.StatusNoContent)
	if _, members = b.groupEntry("Sales"); !equalStrings(members, []string{b.userDN("u3@corp.local")}) {
		t.Errorf("after Remove: %v", members)
	}
	// Rename.
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"Replace","path":"displayName","value":"Sales EMEA"}]}`).want(t, http.StatusNoContent)
	if e, members = b.groupEntry("Sales EMEA"); e == nil || e["entryuuid"][0] != gid || len(members) != 1 {
		t.Errorf("after rename: %v", e)
	}
	// The last member leaves: the group survives and reads as empty.
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members[value eq \"`+ids[2]+`\"]"}]}`).want(t, http.StatusNoContent)
	if e, members = b.groupEntry("Sales EMEA"); e == nil || !equalStrings(members, []string{"cn=nobody"}) {
		t.Errorf("after the last member left: %v", e)
	}
	r = b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK)
	if m, ok := r.body["members"].([]interface{}); !ok || len(m) != 0 {
		t.Errorf("empty group must read as members:[]: %s", r.raw)
	}
	// Removing a member that is not there is not an error.
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"Remove","path":"members","value":[{"value":"`+ids[0]+`"}]}]}`).want(t, http.StatusNoContent)
}

func TestGroupMembershipErrors(t *testing.T) {
	b := newBed(t)
	alice := b.create(userBody("alice@corp.local", "Alice", "A", "Pass-word-1"))
	r := b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"Eng","members":[{"value":"`+alice+`"}]}`).want(t, http.StatusCreated)
	gid := str(r.body, "id")
	for _, bad := range []string{"00000000-0000-0000-0000-000000000000", "not-an-id"} {
		b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"`+bad+`"}]}]}`).wantError(t, http.StatusBadRequest, "invalidValue")
		b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"Other","members":[{"value":"`+bad+`"}]}`).wantError(t, http.StatusBadRequest, "invalidValue")
	}
	if _, members := b.groupEntry("Eng"); !equalStrings(members, []string{b.userDN("alice@corp.local")}) {
		t.Errorf("group changed by a refused PATCH: %v", members)
	}
	if e, _ := b.groupEntry("Other"); e != nil {
		t.Errorf("group created with an unknown member")
	}
	// A deleted user disappears from its groups. OpenLDAP's refint overlay
	// does it in the background right after the delete answers (leaving
	// refint_nothing = the placeholder), so wait for it, boundedly.
	b.do("DELETE", "/Users/"+alice, "").want(t, http.StatusNoContent)
	var members []string
	for i := 0; i < 100; i++ {
		if _, members = b.groupEntry("Eng"); equalStrings(members, []string{"cn=nobody"}) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !equalStrings(members, []string{"cn=nobody"}) {
		t.Errorf("deleted user still a member: %v", members)
	}
	r = b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK)
	if len(memberValues(r)) != 0 {
		t.Errorf("%s", r.raw)
	}
}

func posixGroups(c *config.Config) {
	g := &c.Groups
	g.Model, g.ObjectClasses, g.Filter = config.PosixGroup, []string{"top", "posixGroup"}, "(objectClass=posixGroup)"
	g.MemberAttribute, g.EmptyMember, g.MemberOfAttribute, g.MembershipCleanup, g.GIDNumberMin = "memberUid", "", "", "bridge", 5000
	g.Attributes = nil
}

func TestPosixGroupMemberUID(t *testing.T) {
	b := newBed(t, posixGroups)
	alice := b.create(userBody("alice", "Alice", "A", "Pass-word-1"))
	bob := b.create(userBody("bob", "Bob", "B", "Pass-word-1"))
	r := b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"devs","members":[{"value":"`+alice+`"},{"value":"`+bob+`"}]}`).want(t, http.StatusCreated)
	gid := str(r.body, "id")
	e, members := b.groupEntry("devs")
	if e == nil || !equalStrings(members, []string{"alice", "bob"}) || e["gidnumber"][0] != "5000" {
		t.Fatalf("posixGroup entry: %v", e)
	}
	if !equalStrings(memberValues(r), sorted(alice, bob)) {
		t.Errorf("members read back: %s", r.raw)
	}
	b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"ops"}`).want(t, http.StatusCreated)
	if e, _ := b.groupEntry("ops"); e == nil || e["gidnumber"][0] != "5001" || e["memberuid"] != nil {
		t.Errorf("second posixGroup: %v", e)
	}
	r = b.do("GET", "/Users/"+alice, "").want(t, http.StatusOK)
	if str(r.body, "groups.0.value") != gid {
		t.Errorf("alice's groups: %s", r.raw)
	}
	// Renaming a user follows into memberUid; deleting removes it (bridge cleanup).
	b.do("PATCH", "/Users/"+alice, `{`+patchOp+`,"Operations":[{"op":"replace","path":"userName","value":"alice2"}]}`).want(t, http.StatusOK)
	if _, members = b.groupEntry("devs"); !equalStrings(members, []string{"alice2", "bob"}) {
		t.Errorf("after rename: %v", members)
	}
	b.do("DELETE", "/Users/"+bob, "").want(t, http.StatusNoContent)
	if _, members = b.groupEntry("devs"); !equalStrings(members, []string{"alice2"}) {
		t.Errorf("after delete: %v", members)
	}
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members","value":[{"value":"`+alice+`"}]}]}`).want(t, http.StatusNoContent)
	if e, members = b.groupEntry("devs"); e == nil || len(members) != 0 {
		t.Errorf("posixGroup may be empty: %v", e)
	}
}

func TestGroupOfUniqueNames(t *testing.T) {
	b := newBed(t, func(c *config.Config) {
		g := &c.Groups
		g.Model, g.ObjectClasses, g.Filter, g.MemberAttribute = config.GroupOfUniqueNames, []string{"top", "groupOfUniqueNames"}, "(objectClass=groupOfUniqueNames)", "uniqueMember"
		// The test bed's memberof overlay follows groupOfNames only: find
		// a user's groups by searching uniqueMember instead.
		g.MemberOfAttribute = ""
	})
	alice := b.create(userBody("alice", "Alice", "A", "Pass-word-1"))
	bob := b.create(userBody("bob", "Bob", "B", "Pass-word-1"))
	r := b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"uniq","members":[{"value":"`+alice+`"}]}`).want(t, http.StatusCreated)
	gid := str(r.body, "id")
	read := func() []string {
		e := b.dir.Entry(t, "cn=uniq,"+b.dir.GroupsDN, "uniqueMember")
		var out []string
		for _, v := range e["uniquemember"] {
			out = append(out, strings.ToLower(v))
		}
		sort.Strings(out)
		return out
	}
	if got := read(); !equalStrings(got, []string{b.userDN("alice")}) {
		t.Fatalf("uniqueMember after create: %v", got)
	}
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"`+bob+`"},{"value":"`+alice+`"}]}]}`).want(t, http.StatusNoContent)
	if got := read(); !equalStrings(got, sorted(b.userDN("alice"), b.userDN("bob"))) {
		t.Errorf("after add: %v", got)
	}
	r = b.do("GET", "/Users/"+bob, "").want(t, http.StatusOK)
	if str(r.body, "groups.0.value") != gid {
		t.Errorf("bob's groups by search: %s", r.raw)
	}
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members[value eq \"`+alice+`\" or value eq \"`+bob+`\"]"}]}`).want(t, http.StatusNoContent)
	if got := read(); !equalStrings(got, []string{"cn=nobody"}) {
		t.Errorf("empty groupOfUniqueNames keeps the placeholder: %v", got)
	}
	if r = b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK); len(memberValues(r)) != 0 {
		t.Errorf("%s", r.raw)
	}
}
