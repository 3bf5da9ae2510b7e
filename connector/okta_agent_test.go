package connector_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
)

// dialect is what differs between the Okta Provisioning Agent's SCIM 1.1
// (its default) and 2.0 (a base URL with /v2) runs of the same script.
type dialect struct {
	name                         string
	base                         string // path below the server root
	spc                          string
	userURN, groupURN, entURN    string
	listURN, errorShape, oktaURN string
}

var agentDialects = []dialect{
	{name: "SCIM 1.1 at /scim/v1", base: "/scim/v1", spc: "/ServiceProviderConfigs",
		userURN: "urn:scim:schemas:core:1.0", groupURN: "urn:scim:schemas:core:1.0", entURN: "urn:scim:schemas:extension:enterprise:1.0",
		listURN: "urn:scim:schemas:core:1.0", errorShape: "Errors"},
	{name: "SCIM 1.1 at /scim (no version)", base: "/scim", spc: "/ServiceProviderConfigs",
		userURN: "urn:scim:schemas:core:1.0", groupURN: "urn:scim:schemas:core:1.0", entURN: "urn:scim:schemas:extension:enterprise:1.0",
		listURN: "urn:scim:schemas:core:1.0", errorShape: "Errors"},
	{name: "SCIM 2.0 at /scim/v2", base: "/scim/v2", spc: "/ServiceProviderConfig",
		userURN: "urn:ietf:params:scim:schemas:core:2.0:User", groupURN: "urn:ietf:params:scim:schemas:core:2.0:Group",
		entURN: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", listURN: "urn:ietf:params:scim:api:messages:2.0:ListResponse", errorShape: "detail"},
}

// TestOktaAgentScript replays the Okta Provisioning Agent's end-to-end
// script (shared/notes/clients.md §5): Basic auth, full PUTs for every user
// change, group push by PUT, with the directory checked after each step.
func TestOktaAgentScript(t *testing.T) {
	for _, d := range agentDialects {
		t.Run(d.name, func(t *testing.T) { runAgentScript(t, d) })
	}
}

func runAgentScript(t *testing.T, d dialect) {
	b := newBed(t, func(c *config.Config) {
		c.Server.Auth.Basic = []config.BasicUser{{Username: "okta-agent", Password: "agent-pass-123"}}
	})
	root := strings.TrimSuffix(b.base, "/scim/v2")
	basic := "Authorization: " + basicHeader("okta-agent", "agent-pass-123")
	call := func(method, path, body string) resp {
		t.Helper()
		saved := b.base
		b.base = root + d.base
		defer func() { b.base = saved }()
		return b.do(method, path, body, basic, "Content-Type: application/json", "User-Agent: Okta Provisioning Agent")
	}
	sub := func(s string) string {
		return strings.NewReplacer("$C1", `"`+d.userURN+`"`, "$G1", `"`+d.groupURN+`"`, "$EN", `"`+d.entURN+`"`,
			"$CU", `"urn:okta:onprem_app:1.0:user:custom"`, "$GX", `"urn:okta:custom:group:1.0"`).Replace(s)
	}
	list := func(r resp, total string) {
		t.Helper()
		r.want(t, http.StatusOK)
		if str(r.body, "totalResults") != total || !hasSchema(r.body, d.listURN) || r.body["Resources"] == nil {
			t.Fatalf("want a ListResponse with totalResults %s: %s", total, r.raw)
		}
	}
	wantErr := func(r resp, status int) {
		t.Helper()
		r.want(t, status)
		if d.errorShape == "Errors" {
			if str(r.body, "Errors.0.description") == "" || str(r.body, "Errors.0.code") != itoa(status) {
				t.Errorf("want a SCIM 1.1 error: %s", r.raw)
			}
		} else if str(r.body, "detail") == "" || str(r.body, "status") != itoa(status) {
			t.Errorf("want a SCIM 2.0 error: %s", r.raw)
		}
	}

	// 1. Test Connector Configuration.
	r := call("GET", d.spc, "").want(t, http.StatusOK)
	caps := strings.Join(stringsOf(get(r.body["urn:okta:schemas:scim:providerconfig:1.0"], "userManagementCapabilities")), " ")
	for _, c := range []string{"GROUP_PUSH", "IMPORT_NEW_USERS", "IMPORT_PROFILE_UPDATES", "PUSH_NEW_USERS", "PUSH_PASSWORD_UPDATES", "PUSH_PROFILE_UPDATES", "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS"} {
		if !strings.Contains(caps, c) {
			t.Errorf("step 1: capability %s missing: %s", c, r.raw)
		}
	}
	if str(r.body, "filter.supported") != "true" {
		t.Errorf("step 1: %s", r.raw)
	}
	// 2. Initial import.
	list(call("GET", "/Users?startIndex=1&count=100", ""), "0")
	list(call("GET", "/Groups?startIndex=1&count=100", ""), "0")

	// 3.–4. Assign alice and bob.
	create := func(name, family, given, pw string) string {
		t.Helper()
		list(call("GET", "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`)+"&startIndex=1&count=100", ""), "0")
		r := call("POST", "/Users", sub(`{"schemas":[$C1,$CU],"userName":"`+name+`","emails":[{"primary":true,"value":"`+name+`","type":"primary"}],"name":{"familyName":"`+family+`","givenName":"`+given+`"},"active":true,"password":"`+pw+`",$CU:{"departmentName":"R&D"}}`)).want(t, http.StatusCreated)
		if !hasSchema(r.body, d.userURN) || str(r.body, "id") == "" {
			t.Fatalf("create %s: %s", name, r.raw)
		}
		return str(r.body, "id")
	}
	alice := create("alice@corp.local", "Anders", "Alice", "Init-Pass-1")
	bob := create("bob@corp.local", "Brown", "Bob", "Init-Pass-2")
	e := b.entry("alice@corp.local", "mail", "sn", "ou", "entryUUID")
	if e == nil || e["mail"][0] != "alice@corp.local" || e["ou"][0] != "R&D" || e["entryuuid"][0] != alice {
		t.Fatalf("step 3: directory %v", e)
	}
	if err := b.dir.CanBind("uid=bob@corp.local,"+b.dir.PeopleDN, "Init-Pass-2"); err != nil {
		t.Errorf("step 4: bob cannot bind: %v", err)
	}

	// 5. Duplicate.
	wantErr(call("POST", "/Users", sub(`{"schemas":[$C1,$CU],"userName":"alice@corp.local","name":{"familyName":"Anders","givenName":"Alice"},"active":true,"password":"Init-Pass-1"}`)), http.StatusConflict)

	// 6. Profile update by full PUT, password unchanged.
	pwBefore := b.entry("alice@corp.local", "userPassword")["userpassword"]
	userPUT := func(id, name, given, family, pw, active string) resp {
		return call("PUT", "/Users/"+id, sub(`{"schemas":[$C1,$EN,$CU],"id":"`+id+`","userName":"`+name+`","name":{"givenName":"`+given+`","familyName":"`+family+`"},"emails":[{"value":"`+name+`","primary":true,"type":"primary"}],"active":`+active+`,"password":"`+pw+`","groups":[],$CU:{"departmentName":"R&D"}}`))
	}
	r = userPUT(alice, "alice@corp.local", "Alice", "Anderson", "Init-Pass-1", "true").want(t, http.StatusOK)
	if str(r.body, "name.familyName") != "Anderson" {
		t.Errorf("step 6: %s", r.raw)
	}
	e = b.entry("alice@corp.local", "sn", "userPassword")
	if e["sn"][0] != "Anderson" || strings.Join(e["userpassword"], "") != strings.Join(pwBefore, "") {
		t.Errorf("step 6: sn %v, password rewritten: %v", e["sn"], strings.Join(e["userpassword"], "") != strings.Join(pwBefore, ""))
	}

	// 7. Push group (with description), and again → 409.
	groupBody := func(name string, members ...string) string {
		var ms []string
		for _, m := range members {
			ms = append(ms, `{"value":"`+m+`"}`)
		}
		return sub(`{"schemas":[$G1,$GX],"displayName":"` + name + `","members":[` + strings.Join(ms, ",") + `],$GX:{"description":"Eng team"}}`)
	}
	r = call("POST", "/Groups", groupBody("Engineering", alice)).want(t, http.StatusCreated)
	gid := str(r.body, "id")
	if !hasSchema(r.body, d.groupURN) || !equalStrings(memberValues(r), []string{alice}) {
		t.Errorf("step 7: %s", r.raw)
	}
	ge, members := b.groupEntry("Engineering")
	if ge == nil || ge["description"][0] != "Eng team" || !equalStrings(members, []string{b.userDN("alice@corp.local")}) {
		t.Errorf("step 7: directory %v", ge)
	}
	wantErr(call("POST", "/Groups", groupBody("Engineering", alice)), http.StatusConflict)

	// 8. Add bob by PUT; 9. remove alice by PUT.
	call("PUT", "/Groups/"+gid, groupBody("Engineering", alice, bob)).want(t, http.StatusOK)
	if _, members = b.groupEntry("Engineering"); !equalStrings(members, sorted(b.userDN("alice@corp.local"), b.userDN("bob@corp.local"))) {
		t.Errorf("step 8: %v", members)
	}
	call("PUT", "/Groups/"+gid, groupBody("Engineering", bob)).want(t, http.StatusOK)
	if _, members = b.groupEntry("Engineering"); !equalStrings(members, []string{b.userDN("bob@corp.local")}) {
		t.Errorf("step 9: %v", members)
	}
	if r = call("GET", "/Groups/"+gid, "").want(t, http.StatusOK); !equalStrings(memberValues(r), []string{bob}) {
		t.Errorf("step 9: %s", r.raw)
	}

	// 10. Password push for bob.
	userPUT(bob, "bob@corp.local", "Bob", "Brown", "New-Pass-9", "true").want(t, http.StatusOK)
	bobDN := "uid=bob@corp.local," + b.dir.PeopleDN
	if err := b.dir.CanBind(bobDN, "New-Pass-9"); err != nil {
		t.Errorf("step 10: new password does not bind: %v", err)
	}
	// 11. Deactivate: bind fails, still readable with active false.
	userPUT(bob, "bob@corp.local", "Bob", "Brown", "New-Pass-9", "false").want(t, http.StatusOK)
	if b.dir.CanBind(bobDN, "New-Pass-9") == nil {
		t.Errorf("step 11: deactivated bob can bind")
	}
	if r = call("GET", "/Users/"+bob, "").want(t, http.StatusOK); str(r.body, "active") != "false" {
		t.Errorf("step 11: %s", r.raw)
	}
	// 12. Reactivate.
	userPUT(bob, "bob@corp.local", "Bob", "Brown", "New-Pass-9", "true").want(t, http.StatusOK)
	if err := b.dir.CanBind(bobDN, "New-Pass-9"); err != nil {
		t.Errorf("step 12: reactivated bob cannot bind: %v", err)
	}

	// 13. Import, paging, incremental.
	r = call("GET", "/Users?startIndex=1&count=100", "")
	list(r, "2")
	first, second := str(r.body, "Resources.0.id"), str(r.body, "Resources.1.id")
	if r = call("GET", "/Users/"+alice, "").want(t, http.StatusOK); str(r.body, "name.familyName") != "Anderson" {
		t.Errorf("step 13: %s", r.raw)
	}
	r = call("GET", "/Groups?startIndex=1&count=100", "")
	list(r, "1")
	if str(r.body, "Resources.0.members.0.value") != bob {
		t.Errorf("step 13 groups: %s", r.raw)
	}
	r = call("GET", "/Users?startIndex=2&count=1", "")
	list(r, "2")
	if str(r.body, "itemsPerPage") != "1" || str(r.body, "Resources.0.id") != second || first == second {
		t.Errorf("step 13 paging: %s", r.raw)
	}
	list(call("GET", "/Users?filter="+url.QueryEscape(`meta.lastModified gt "2030-01-01T00:00:00Z"`)+"&startIndex=1&count=100", ""), "0")
	list(call("GET", "/Users?filter="+url.QueryEscape(`meta.lastModified gt "2001-01-01T00:00:00Z"`)+"&startIndex=1&count=100", ""), "2")

	// 14. Filter variants, all → alice.
	for _, q := range []string{
		"filter=userName+eq+%22ALICE%40corp.local%22",
		"filter=email+eq+%22alice%40corp.local%22+OR+email+eq+%22x%40y.z%22",
		"filter=id%20eq%20%22" + alice + "%22",
		"filter=name.givenName+eq+%22alice%22",
		"filter=urn%3Aokta%3Aonprem_app%3A1.0%3Auser%3Acustom%3AdepartmentName+eq+%22R%26D%22+and+userName+sw+%22a%22",
	} {
		r = call("GET", "/Users?"+q+"&startIndex=1&count=100", "")
		list(r, "1")
		if str(r.body, "Resources.0.id") != alice {
			t.Errorf("step 14 %s: %s", q, r.raw)
		}
	}

	// 15. Rename group by PUT: same id, member kept.
	call("PUT", "/Groups/"+gid, groupBody("Engineering-Platform", bob)).want(t, http.StatusOK)
	if r = call("GET", "/Groups/"+gid, "").want(t, http.StatusOK); str(r.body, "displayName") != "Engineering-Platform" || !equalStrings(memberValues(r), []string{bob}) {
		t.Errorf("step 15: %s", r.raw)
	}
	if ge, _ = b.groupEntry("Engineering-Platform"); ge == nil || ge["entryuuid"][0] != gid {
		t.Errorf("step 15: directory %v", ge)
	}
	// 16. Delete group; again → 404.
	call("DELETE", "/Groups/"+gid, "").want(t, http.StatusNoContent)
	if ge, _ = b.groupEntry("Engineering-Platform"); ge != nil {
		t.Errorf("step 16: group still there")
	}
	wantErr(call("GET", "/Groups/"+gid, ""), http.StatusNotFound)
	wantErr(call("DELETE", "/Groups/"+gid, ""), http.StatusNotFound)
	// 17. Unknown user.
	wantErr(call("GET", "/Users/nope", ""), http.StatusNotFound)
}

func stringsOf(v interface{}) []string {
	list, _ := v.([]interface{})
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// TestAgentCapabilitiesFollowConfig: a function the configuration turns off
// is not advertised, so Okta does not try it.
func TestAgentCapabilitiesFollowConfig(t *testing.T) {
	cases := []struct {
		name   string
		tweak  func(*config.Config)
		absent []string
	}{
		{"passwords ignored", func(c *config.Config) { c.Users.Password.Attribute = "-" }, []string{"PUSH_PASSWORD_UPDATES"}},
		{"no deactivation", func(c *config.Config) { c.Users.Deactivation.Strategy = "none" }, []string{"PUSH_USER_DEACTIVATION", "REACTIVATE_USERS"}},
		{"no groups", func(c *config.Config) { c.Groups = config.Groups{} }, []string{"GROUP_PUSH"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBed(t, c.tweak)
			root := strings.TrimSuffix(b.base, "/scim/v2")
			for _, p := range []string{root + "/scim/v1/ServiceProviderConfigs", b.base + "/ServiceProviderConfig"} {
				saved := b.base
				b.base = p
				r := b.do("GET", "", "").want(t, http.StatusOK)
				b.base = saved
				caps := strings.Join(stringsOf(get(r.body["urn:okta:schemas:scim:providerconfig:1.0"], "userManagementCapabilities")), " ")
				for _, a := range c.absent {
					if strings.Contains(caps, a) {
						t.Errorf("%s advertises %s: %s", p, a, caps)
					}
				}
				if !strings.Contains(caps, "PUSH_NEW_USERS") {
					t.Errorf("%s: %s", p, caps)
				}
			}
		})
	}
	t.Run("PATCH on the 1.1 front", func(t *testing.T) {
		b := newBed(t)
		b.base = strings.TrimSuffix(b.base, "/v2") + "/v1"
		r := b.do("PATCH", "/Users/00000000-0000-0000-0000-000000000000", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`).want(t, http.StatusNotImplemented)
		if !strings.Contains(str(r.body, "Errors.0.description"), "/scim/v2/") {
			t.Errorf("%s", r.raw)
		}
	})
}
