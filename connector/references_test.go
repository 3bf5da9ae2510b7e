package connector_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// withManager is the suite's preset config plus the manager reference the
// examples map.
func (d *dirSuite) withManager(t *testing.T) *bed {
	t.Helper()
	cfg := presetConfig(t, d.dir)
	cfg.Users.Attributes = append(cfg.Users.Attributes, config.AttributeMapping{SCIM: enterpriseURN + ":manager", LDAP: "manager", Reference: "user"})
	return bridgeFor(t, d.dir, cfg)
}

// managerOf is the manager DN the directory holds for a user, lower-cased.
func (d *dirSuite) managerOf(t *testing.T, dn string) string {
	t.Helper()
	return strings.ToLower(first(d.dir.Entry(t, dn, "manager"), "manager"))
}

// manager: the enterprise manager in every shape Okta and Entra send it,
// stored as the manager's DN, read back as the id, kept through the
// manager's rename and move, gone after the manager's deletion.
func (d *dirSuite) manager(t *testing.T) {
	b := d.withManager(t)
	b.t = t
	boss1 := b.create(userBody("ref.boss1", "Bo", "One", dirPass1))
	boss2 := b.create(userBody("ref.boss2", "Bo", "Two", dirPass1))
	boss1DN, boss2DN := strings.ToLower(d.mustUserDN(t, "ref.boss1")), strings.ToLower(d.mustUserDN(t, "ref.boss2"))

	r := b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+enterpriseURN+`"],"userName":"ref.emp",`+
		`"name":{"givenName":"Em","familyName":"Ployee"},"password":"`+dirPass1+`","active":true,`+
		`"`+enterpriseURN+`":{"department":"D","manager":{"value":"`+boss1+`"}}}`).want(t, http.StatusCreated)
	emp := str(r.body, "id")
	if got := managerID(r); got != boss1 {
		t.Errorf("POST answer manager %q, want %s: %s", got, boss1, r.raw)
	}
	empDN := d.mustUserDN(t, "ref.emp")
	if got := d.managerOf(t, empDN); got != boss1DN {
		t.Fatalf("manager stored after POST %q, want %s", got, boss1DN)
	}
	r = b.do("GET", "/Users/"+emp, "").want(t, http.StatusOK)
	m, _ := managerObj(r).(map[string]interface{})
	if m["value"] != boss1 || !strings.HasSuffix(str(m, "$ref"), "/Users/"+boss1) || str(m, "displayName") == "" {
		t.Errorf("GET manager %v, want value %s with $ref and displayName", m, boss1)
	}

	path := enterpriseURN + ":manager"
	steps := []struct {
		name, ops string
		want      string // stored DN, "" for none
	}{
		{"Entra: Replace with a bare id", `{"op":"Replace","path":"` + path + `","value":"` + boss2 + `"}`, boss2DN},
		{"Entra: Replace with {value}", `{"op":"Replace","path":"` + path + `","value":{"value":"` + boss1 + `"}}`, boss1DN},
		{"Add with a bare id", `{"op":"Add","path":"` + path + `","value":"` + boss2 + `"}`, boss2DN},
		{"no path, extension object", `{"op":"replace","value":{"` + enterpriseURN + `":{"manager":{"value":"` + boss1 + `"}}}}`, boss1DN},
		{"remove", `{"op":"remove","path":"` + path + `"}`, ""},
		{"set again by sub-path", `{"op":"replace","path":"` + path + `.value","value":"` + boss2 + `"}`, boss2DN},
		{"empty value object removes", `{"op":"Replace","path":"` + path + `","value":{"value":""}}`, ""},
		{"set again", `{"op":"Replace","path":"` + path + `","value":"` + boss1 + `"}`, boss1DN},
		{"empty string removes", `{"op":"Replace","path":"` + path + `","value":""}`, ""},
		{"and once more", `{"op":"Replace","path":"` + path + `","value":"` + boss2 + `"}`, boss2DN},
	}
	for _, s := range steps {
		r := b.do("PATCH", "/Users/"+emp, `{`+patchOp+`,"Operations":[`+s.ops+`]}`).want(t, http.StatusOK)
		if got := d.managerOf(t, empDN); got != s.want {
			t.Errorf("%s: stored manager %q, want %q", s.name, got, s.want)
		}
		want := ""
		switch s.want {
		case boss1DN:
			want = boss1
		case boss2DN:
			want = boss2
		}
		if got := managerID(r); got != want {
			t.Errorf("%s: answer manager %q, want %q: %s", s.name, got, want, r.raw)
		}
	}

	// Okta's PUT carries the whole user, manager included.
	put := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterpriseURN + `"],"id":"` + emp + `","userName":"ref.emp",` +
		`"name":{"givenName":"Em","familyName":"Ployee"},"active":true,"` + enterpriseURN + `":{"manager":{"value":"` + boss1 + `"}}}`
	b.do("PUT", "/Users/"+emp, put).want(t, http.StatusOK)
	if got := d.managerOf(t, empDN); got != boss1DN {
		t.Errorf("manager after PUT %q, want %s", got, boss1DN)
	}

	// An unknown id is refused by name; nothing is written.
	unknown := "00000000-0000-0000-0000-000000000000"
	if d.dir.Kind == testldap.DS389 {
		unknown = "00000000-00000000-00000000-00000000"
	}
	for _, body := range []string{
		`{` + patchOp + `,"Operations":[{"op":"Replace","path":"` + path + `","value":"` + unknown + `"},{"op":"replace","path":"displayName","value":"Changed"}]}`,
		`{` + patchOp + `,"Operations":[{"op":"Replace","path":"` + path + `","value":"not-an-id"}]}`,
	} {
		r := b.do("PATCH", "/Users/"+emp, body).wantError(t, http.StatusBadRequest, "invalidValue")
		if !strings.Contains(string(r.raw), "manager") {
			t.Errorf("the error does not name the attribute: %s", r.raw)
		}
	}
	if e := d.dir.Entry(t, empDN, "manager", "displayName"); strings.ToLower(first(e, "manager")) != boss1DN || first(e, "displayname") == "Changed" {
		t.Errorf("a refused PATCH wrote: %v", e)
	}
	b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ref.nobody","`+enterpriseURN+`":{"manager":{"value":"`+unknown+`"}}}`).
		wantError(t, http.StatusBadRequest, "invalidValue")
	if d.userDN(t, "ref.nobody") != "" {
		t.Error("a POST with an unknown manager created the user")
	}

	// The manager renamed through the bridge, then moved by an admin: the
	// reference follows (refint, the 389 DS plug-in, AD's linked attribute).
	b.do("PATCH", "/Users/"+boss1, `{`+patchOp+`,"Operations":[{"op":"replace","path":"userName","value":"ref.boss1b"}]}`).want(t, http.StatusOK)
	staff := "ou=Staff," + d.dir.PeopleDN
	d.dir.MustAdd(t, staff, map[string][]string{"objectClass": {"top", "organizationalUnit"}, "ou": {"Staff"}})
	moved := strings.ToLower(d.dir.MustMove(t, d.mustUserDN(t, "ref.boss1b"), staff))
	// OpenLDAP's refint applies its updates in a background task.
	if got := d.eventually(t, func() string { return d.managerOf(t, empDN) }, moved); got != moved {
		t.Errorf("manager after rename and move %q, want %s", got, moved)
	}
	r = b.do("GET", "/Users/"+emp, "").want(t, http.StatusOK)
	if got := managerID(r); got != boss1 {
		t.Errorf("manager after rename and move %q, want %s: %s", got, boss1, r.raw)
	}

	// A reference outside the users' subtree is left out, never a 500 (AD
	// keeps manager pointing at existing objects only, so at the groups OU).
	d.dir.MustModify(t, empDN, map[string][]string{"manager": {d.dir.GroupsDN}})
	r = b.do("GET", "/Users/"+emp, "").want(t, http.StatusOK)
	if v := managerObj(r); v != nil {
		t.Errorf("a manager outside the users' base is shown: %s", r.raw)
	}
	list := b.do("GET", "/Users?filter=userName%20sw%20%22ref.%22", "").want(t, http.StatusOK)
	if str(list.body, "totalResults") == "" {
		t.Errorf("list with a dangling manager: %s", list.raw)
	}
	b.do("GET", "/Users/"+emp, "").want(t, http.StatusOK)
	if n := strings.Count(b.logs.String(), `dn="`+d.dir.GroupsDN+`"`); n != 1 {
		t.Errorf("the dangling reference was logged %d times, want once", n)
	}

	// The manager deleted: the reference is gone.
	b.do("PATCH", "/Users/"+emp, `{`+patchOp+`,"Operations":[{"op":"Replace","path":"`+path+`","value":"`+boss2+`"}]}`).want(t, http.StatusOK)
	b.do("DELETE", "/Users/"+boss2, "").want(t, http.StatusNoContent)
	// OpenLDAP's refint writes its placeholder (refint_nothing, the test
	// bed's cn=nobody) where it removed the last value.
	gone := func() string {
		if got := d.managerOf(t, empDN); got != "" && !strings.EqualFold(got, "cn=nobody") {
			return got
		}
		return ""
	}
	if got := d.eventually(t, gone, ""); got != "" {
		t.Errorf("manager after the manager's deletion %q", got)
	}
	r = b.do("GET", "/Users/"+emp, "").want(t, http.StatusOK)
	if v := managerObj(r); v != nil {
		t.Errorf("a deleted manager is shown: %s", r.raw)
	}
}

// managerObj is the enterprise manager of a user answer, nil if none.
func managerObj(r resp) interface{} {
	ext, _ := r.body[enterpriseURN].(map[string]interface{})
	return ext["manager"]
}

// managerID is the id of the enterprise manager of a user answer.
func managerID(r resp) string {
	return str(managerObj(r), "value")
}

// eventually polls read until it returns want (at most 10 s) and returns
// the last value read: OpenLDAP's refint follows renames and deletions in
// a background task, a moment after the operation returned.
func (d *dirSuite) eventually(t *testing.T, read func() string, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := read()
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSchemasAdvertiseManager: the example's manager reference is
// advertised as the complex attribute RFC 7643 defines, the id writable,
// $ref and displayName computed.
func TestSchemasAdvertiseManager(t *testing.T) {
	b := newBed(t)
	r := b.do("GET", "/Schemas/"+enterpriseURN, "").want(t, http.StatusOK)
	var manager map[string]interface{}
	for _, a := range asSlice(r.body["attributes"]) {
		if str(a, "name") == "manager" {
			manager = a.(map[string]interface{})
		}
	}
	if manager == nil || str(manager, "type") != "complex" || str(manager, "mutability") != "readWrite" {
		t.Fatalf("manager not advertised as a writable complex attribute: %s", r.raw)
	}
	want := map[string]string{"value": "readWrite", "$ref": "readOnly", "displayName": "readOnly"}
	got := map[string]string{}
	for _, sa := range asSlice(manager["subAttributes"]) {
		got[str(sa, "name")] = str(sa, "mutability")
	}
	if len(got) != len(want) {
		t.Errorf("manager sub-attributes %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("manager.%s: mutability %q, want %q", k, got[k], v)
		}
	}
}

// TestReferenceCleanupByBridge: where no directory plug-in follows an
// attribute (the test bed's refint does not list secretary), the bridge
// updates the references to a user it renames and removes those to a
// user it deletes. The attribute is a plain string of a custom extension:
// the reference is the id itself.
func TestReferenceCleanupByBridge(t *testing.T) {
	const ext = "urn:example:acme:1.0:User"
	b := newBed(t, func(c *config.Config) {
		c.Users.Attributes = append(c.Users.Attributes, config.AttributeMapping{SCIM: ext + ":assistant", LDAP: "secretary", Reference: "user", ReferenceCleanup: "bridge"})
	})
	helper := b.create(userBody("ref.helper", "He", "Lper", ""))
	r := b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","`+ext+`"],"userName":"ref.chief","`+ext+`":{"assistant":"`+helper+`"}}`).want(t, http.StatusCreated)
	chief := str(r.body, "id")
	if got := str(r.body[ext], "assistant"); got != helper {
		t.Fatalf("assistant %q, want %s: %s", got, helper, r.raw)
	}
	chiefDN := "uid=ref.chief," + b.dir.PeopleDN
	tests := []struct {
		name, method, path, body string
		want                     string // stored DN
	}{
		{"rename", "PATCH", "/Users/" + helper, `{` + patchOp + `,"Operations":[{"op":"replace","path":"userName","value":"ref.helper2"}]}`, "uid=ref.helper2," + b.dir.PeopleDN},
		{"delete", "DELETE", "/Users/" + helper, "", ""},
	}
	for _, tt := range tests {
		status := http.StatusOK
		if tt.method == "DELETE" {
			status = http.StatusNoContent
		}
		b.do(tt.method, tt.path, tt.body).want(t, status)
		if got := first(b.dir.Entry(t, chiefDN, "secretary"), "secretary"); !strings.EqualFold(got, tt.want) {
			t.Errorf("after %s: secretary %q, want %q", tt.name, got, tt.want)
		}
		r := b.do("GET", "/Users/"+chief, "").want(t, http.StatusOK)
		want := ""
		if tt.want != "" {
			want = helper
		}
		if got := str(r.body[ext], "assistant"); got != want {
			t.Errorf("after %s: assistant %q, want %q: %s", tt.name, got, want, r.raw)
		}
	}
}

// TestFilterByManager: a filter on the manager compares the id as the DN
// the directory holds.
func TestFilterByManager(t *testing.T) {
	b := newBed(t)
	boss := b.create(userBody("fm.boss", "B", "Oss", ""))
	emp := str(b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"fm.emp","`+enterpriseURN+`":{"manager":{"value":"`+boss+`"}}}`).want(t, http.StatusCreated).body, "id")
	b.create(userBody("fm.other", "O", "Ther", ""))
	path := enterpriseURN + ":manager.value"
	for _, tt := range []struct {
		name, filter string
		want         []string
	}{
		{"eq", path + ` eq "` + boss + `"`, []string{emp}},
		{"pr", path + ` pr`, []string{emp}},
		{"ne", path + ` ne "` + boss + `"`, []string{boss, "other"}},
		{"unknown id", path + ` eq "00000000-0000-0000-0000-000000000000"`, nil},
	} {
		r := b.do("GET", "/Users?filter="+url.QueryEscape(`userName sw "fm." and `+tt.filter), "").want(t, http.StatusOK)
		var got []string
		for _, res := range asSlice(r.body["Resources"]) {
			id := str(res, "id")
			if str(res, "userName") == "fm.other" {
				id = "other"
			}
			got = append(got, id)
		}
		if !equalStrings(sorted(got...), sorted(tt.want...)) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	b.do("GET", "/Users?filter="+url.QueryEscape(path+` co "x"`), "").wantError(t, http.StatusBadRequest, "invalidFilter")
}
