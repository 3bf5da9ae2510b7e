package connector_test

import (
	"net/http"
	"strings"
	"testing"
)

// groupMembers is a group's member attribute as the directory holds it,
// lower-cased, without the placeholder.
func (d *dirSuite) groupMembers(t *testing.T, name string) []string {
	t.Helper()
	found := d.dir.Search(t, d.cfg.Groups.BaseDN, "(cn="+name+")", d.cfg.Groups.MemberAttribute)
	if len(found) != 1 {
		t.Fatalf("%d groups named %s", len(found), name)
	}
	var out []string
	for _, e := range found {
		for _, m := range e[strings.ToLower(d.cfg.Groups.MemberAttribute)] {
			if !strings.EqualFold(m, d.cfg.Groups.EmptyMember) {
				out = append(out, strings.ToLower(m))
			}
		}
	}
	return sorted(out...)
}

func (d *dirSuite) groupDN(t *testing.T, name string) string {
	t.Helper()
	for dn := range d.dir.Search(t, d.cfg.Groups.BaseDN, "(cn="+name+")", "cn") {
		return strings.ToLower(dn)
	}
	t.Fatalf("no group named %s", name)
	return ""
}

// memberTypes lists a group answer's members as "type:id" with their
// $ref checked.
func memberTypes(t *testing.T, r resp) []string {
	t.Helper()
	var out []string
	for _, m := range asSlice(r.body["members"]) {
		typ, id := str(m, "type"), str(m, "value")
		endpoint := map[string]string{"User": "/Users/", "Group": "/Groups/"}[typ]
		if endpoint == "" || !strings.HasSuffix(str(m, "$ref"), endpoint+id) {
			t.Errorf("member %v: want type User or Group and $ref …%s%s", m, endpoint, id)
		}
		out = append(out, typ+":"+id)
	}
	return sorted(out...)
}

// nesting: a group as a member of a group, stored as its DN, read back
// with type Group; re-sent adds and removes are no-ops; a membership that
// would close a cycle is refused with nothing written.
func (d *dirSuite) nesting(t *testing.T) {
	b := d.at(t)
	user := d.create(t, "nest.user", "Nes", "Ted")
	userDN := strings.ToLower(d.mustUserDN(t, "nest.user"))
	mk := func(name string, members string) string {
		t.Helper()
		return str(b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"`+name+`","members":[`+members+`]}`).want(t, http.StatusCreated).body, "id")
	}
	child := mk("nest-child", "")
	grandchild := mk("nest-grandchild", "")
	// Created with a user and a group (typed) as members.
	parent := mk("nest-parent", `{"value":"`+user+`"},{"value":"`+child+`","type":"Group"}`)
	childDN, grandDN := d.groupDN(t, "nest-child"), d.groupDN(t, "nest-grandchild")
	if got, want := d.groupMembers(t, "nest-parent"), sorted(userDN, childDN); !equalStrings(got, want) {
		t.Errorf("parent's members after POST %v, want %v", got, want)
	}
	r := b.do("GET", "/Groups/"+parent, "").want(t, http.StatusOK)
	if got, want := memberTypes(t, r), sorted("User:"+user, "Group:"+child); !equalStrings(got, want) {
		t.Errorf("SCIM members %v, want %v", got, want)
	}

	// Entra's add, without a type: the id is a group's. Twice: the second is a no-op.
	add := func(group, member string) resp {
		return b.do("PATCH", "/Groups/"+group, `{`+patchOp+`,"Operations":[{"op":"Add","path":"members","value":[{"value":"`+member+`"}]}]}`)
	}
	for i := range 2 {
		add(child, grandchild).want(t, http.StatusNoContent)
		if got := d.groupMembers(t, "nest-child"); !equalStrings(got, []string{grandDN}) {
			t.Errorf("child's members after add #%d: %v", i+1, got)
		}
	}

	// Cycles, direct and through two levels, and a group in itself.
	for _, c := range []struct{ name, group, member, groupName string }{
		{"itself", parent, parent, "nest-parent"},
		{"direct", child, parent, "nest-child"},
		{"two levels", grandchild, parent, "nest-grandchild"},
	} {
		before := d.groupMembers(t, c.groupName)
		add(c.group, c.member).wantError(t, http.StatusBadRequest, "invalidValue")
		if got := d.groupMembers(t, c.groupName); !equalStrings(got, before) {
			t.Errorf("%s: a refused cycle wrote: %v, was %v", c.name, got, before)
		}
	}
	// By PUT (a replacement) too.
	before := d.groupMembers(t, "nest-grandchild")
	b.do("PUT", "/Groups/"+grandchild, `{`+groupURN+`,"displayName":"nest-grandchild","members":[{"value":"`+user+`"},{"value":"`+parent+`","type":"Group"}]}`).
		wantError(t, http.StatusBadRequest, "invalidValue")
	if got := d.groupMembers(t, "nest-grandchild"); !equalStrings(got, before) {
		t.Errorf("a refused PUT wrote: %v", got)
	}

	// Removal by filter, twice: the second is a no-op.
	for i := range 2 {
		b.do("PATCH", "/Groups/"+parent, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members[value eq \"`+child+`\"]"}]}`).want(t, http.StatusNoContent)
		if got := d.groupMembers(t, "nest-parent"); !equalStrings(got, []string{userDN}) {
			t.Errorf("parent's members after remove #%d: %v", i+1, got)
		}
	}
}

// TestPosixGroupCannotNest: memberUid holds user names, so a group as a
// member is a clear 400 and nothing is written.
func TestPosixGroupCannotNest(t *testing.T) {
	b := newBed(t, posixGroups)
	user := b.create(userBody("px.user", "P", "X", ""))
	inner := str(b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"px-inner"}`).want(t, http.StatusCreated).body, "id")
	outer := str(b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"px-outer","members":[{"value":"`+user+`"}]}`).want(t, http.StatusCreated).body, "id")
	for _, tt := range []struct{ name, method, path, body string }{
		{"PATCH add", "PATCH", "/Groups/" + outer, `{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + inner + `","type":"Group"}]}]}`},
		{"PUT", "PUT", "/Groups/" + outer, `{` + groupURN + `,"displayName":"px-outer","members":[{"value":"` + inner + `"}]}`},
		{"POST", "POST", "/Groups", `{` + groupURN + `,"displayName":"px-new","members":[{"value":"` + inner + `"}]}`},
	} {
		r := b.do(tt.method, tt.path, tt.body).wantError(t, http.StatusBadRequest, "invalidValue")
		if !strings.Contains(string(r.raw), "posixGroup") {
			t.Errorf("%s: the error does not say why: %s", tt.name, r.raw)
		}
	}
	if e := b.dir.Entry(t, "cn=px-outer,"+b.dir.GroupsDN, "memberUid"); !equalStrings(e["memberuid"], []string{"px.user"}) {
		t.Errorf("memberUid after refused nesting: %v", e)
	}
	if len(b.dir.Search(t, b.dir.GroupsDN, "(cn=px-new)", "cn")) != 0 {
		t.Error("the refused POST created the group")
	}
}

// userGroups lists a user answer's groups as "type:displayName".
func userGroups(r map[string]interface{}) []string {
	var out []string
	for _, g := range asSlice(r["groups"]) {
		out = append(out, str(g, "type")+":"+str(g, "display"))
	}
	return sorted(out...)
}

// indirectMemberships: a user in ind-c, ind-c in ind-p, ind-p in ind-gp:
// its groups are ind-c (direct) and, with groups.indirectMemberships, ind-p
// and ind-gp (indirect); without the setting, ind-c alone.
func (d *dirSuite) indirectMemberships(t *testing.T) {
	b := d.at(t)
	user := d.create(t, "ind.user", "In", "Direct")
	mk := func(name, member string) string {
		t.Helper()
		return str(b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"`+name+`","members":[{"value":"`+member+`"}]}`).want(t, http.StatusCreated).body, "id")
	}
	c := mk("ind-c", user)
	p := mk("ind-p", c)
	mk("ind-gp", p)

	cfg := presetConfig(t, d.dir)
	cfg.Groups.IndirectMemberships = true
	withIndirect := bridgeFor(t, d.dir, cfg)
	withIndirect.t = t
	for _, tt := range []struct {
		name string
		b    *bed
		want []string
	}{
		{"direct only (default)", b, []string{"direct:ind-c"}},
		{"with indirect memberships", withIndirect, []string{"direct:ind-c", "indirect:ind-gp", "indirect:ind-p"}},
	} {
		r := tt.b.do("GET", "/Users/"+user, "").want(t, http.StatusOK)
		if got := userGroups(r.body); !equalStrings(got, tt.want) {
			t.Errorf("%s: GET groups %v, want %v", tt.name, got, tt.want)
		}
		r = tt.b.do("GET", "/Users?filter=userName%20eq%20%22ind.user%22", "").want(t, http.StatusOK)
		res, _ := get(r.body, "Resources.0").(map[string]interface{})
		if got := userGroups(res); !equalStrings(got, tt.want) {
			t.Errorf("%s: list groups %v, want %v", tt.name, got, tt.want)
		}
	}
}
