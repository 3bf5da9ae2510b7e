package connector_test

import (
	"net/http"
	"strings"
	"testing"
)

const patchOp = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`

func TestPutUser(t *testing.T) {
	b := newBed(t)
	id := b.create(userBody("test.user@okta.local", "Test", "User", "1mz050nq"))
	dn := "uid=test.user@okta.local," + b.dir.PeopleDN
	// Something the mapping does not cover, set by an admin: PUT must keep it.
	b.dir.MustModify(t, dn, map[string][]string{"description": {"set by hand"}, "title": {"Boss"}})
	pw := b.entry("test.user@okta.local", "userPassword")["userpassword"]

	// Okta's profile update: GET, then PUT of the returned object + changes,
	// with id, meta and groups echoed back.
	body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"` + id + `","userName":"test.user@okta.local","name":{"givenName":"Another","middleName":"Excited","familyName":"User"},"emails":[{"primary":true,"value":"test.user@okta.local","type":"work","display":"test.user@okta.local"}],"active":true,"password":"1mz050nq","groups":[],"meta":{"resourceType":"User"}}`
	r := b.do("PUT", "/Users/"+id, body).want(t, http.StatusOK)
	if str(r.body, "name.givenName") != "Another" || str(r.body, "id") != id {
		t.Errorf("answer: %s", r.raw)
	}
	e := b.entry("test.user@okta.local", "givenName", "cn", "description", "title", "userPassword", "displayName")
	if e["givenname"][0] != "Another" || e["cn"][0] != "Another User" {
		t.Errorf("mapped attributes not replaced: %v", e)
	}
	if e["description"] == nil || e["description"][0] != "set by hand" {
		t.Errorf("unmapped attribute lost: %v", e)
	}
	if e["title"] != nil || e["displayname"] != nil {
		t.Errorf("mapped attributes absent from the PUT body must be removed: %v", e)
	}
	if strings.Join(e["userpassword"], "") != strings.Join(pw, "") {
		t.Errorf("unchanged password was rewritten (hash changed)")
	}

	// Okta agent password push: same PUT with a new password.
	body = strings.Replace(body, `"password":"1mz050nq"`, `"password":"New-Pass-9"`, 1)
	b.do("PUT", "/Users/"+id, body).want(t, http.StatusOK)
	if err := b.dir.CanBind(dn, "New-Pass-9"); err != nil {
		t.Errorf("new password does not bind: %v", err)
	}
	if b.dir.CanBind(dn, "1mz050nq") == nil {
		t.Errorf("old password still binds")
	}

	// Deactivate and reactivate by PUT (Okta AIW apps and the agent).
	b.do("PUT", "/Users/"+id, strings.Replace(body, `"active":true`, `"active":false`, 1)).want(t, http.StatusOK)
	if b.dir.CanBind(dn, "New-Pass-9") == nil {
		t.Errorf("deactivated user can still bind")
	}
	b.do("PUT", "/Users/"+id, body).want(t, http.StatusOK)
	if err := b.dir.CanBind(dn, "New-Pass-9"); err != nil {
		t.Errorf("reactivated user cannot bind: %v", err)
	}
	b.do("PUT", "/Users/00000000-0000-0000-0000-000000000000", body).wantError(t, http.StatusNotFound, "")
}

func TestPatchUser(t *testing.T) {
	b := newBed(t)
	id := b.create(userBody("pat@corp.local", "Pat", "Smith", "Pass-1-word"))
	dn := "uid=pat@corp.local," + b.dir.PeopleDN
	patch := func(ops string, headers ...string) resp {
		return b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[`+ops+`]}`, headers...)
	}
	cases := []struct {
		name  string
		ops   string
		check func(t *testing.T, e map[string][]string, r resp)
	}{
		{"Okta deactivate", `{"op":"replace","value":{"active":false}}`, func(t *testing.T, e map[string][]string, r resp) {
			if e["pwdaccountlockedtime"] == nil || str(r.body, "active") != "false" {
				t.Errorf("not locked: %v %s", e, r.raw)
			}
			if b.dir.CanBind(dn, "Pass-1-word") == nil {
				t.Errorf("deactivated user can bind")
			}
		}},
		{"Okta reactivate", `{"op":"replace","value":{"active":true}}`, func(t *testing.T, e map[string][]string, r resp) {
			if e["pwdaccountlockedtime"] != nil || b.dir.CanBind(dn, "Pass-1-word") != nil {
				t.Errorf("still locked: %v", e)
			}
		}},
		{"Entra disable with string False", `{"op":"Replace","path":"active","value":"False"}`, func(t *testing.T, e map[string][]string, r resp) {
			if e["pwdaccountlockedtime"] == nil {
				t.Errorf("not locked: %v", e)
			}
		}},
		{"Entra enable with string True", `{"op":"Replace","path":"active","value":"True"}`, func(t *testing.T, e map[string][]string, r resp) {
			if e["pwdaccountlockedtime"] != nil {
				t.Errorf("still locked: %v", e)
			}
		}},
		{"Okta password", `{"op":"replace","value":{"password":"Second-Pass-2"}}`, func(t *testing.T, e map[string][]string, r resp) {
			if err := b.dir.CanBind(dn, "Second-Pass-2"); err != nil {
				t.Errorf("new password: %v", err)
			}
			if strings.Contains(string(r.raw), "Second-Pass-2") {
				t.Errorf("password echoed")
			}
		}},
		{"Entra value path and sub-attribute", `{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updated@microsoft.com"},{"op":"Replace","path":"name.familyName","value":"updatedFamilyName"}`, func(t *testing.T, e map[string][]string, r resp) {
			if e["mail"][0] != "updated@microsoft.com" || e["sn"][0] != "updatedFamilyName" || e["cn"][0] != "Pat updatedFamilyName" {
				t.Errorf("%v", e)
			}
		}},
		{"Entra aadOptscim062020 dotted keys", `{"op":"replace","value":{"displayName":"Bjfe","name.givenName":"Kkom","name.familyName":"Unua","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Aklq"}}`, func(t *testing.T, e map[string][]string, r resp) {
			if e["displayname"][0] != "Bjfe" || e["givenname"][0] != "Kkom" || e["sn"][0] != "Unua" || e["departmentnumber"][0] != "Aklq" {
				t.Errorf("%v", e)
			}
		}},
		{"add with path", `{"op":"add","path":"title","value":"Lead"},{"op":"add","path":"phoneNumbers","value":[{"type":"mobile","value":"+1 555 0100"}]}`, func(t *testing.T, e map[string][]string, r resp) {
			if e["title"][0] != "Lead" || e["mobile"][0] != "+1 555 0100" {
				t.Errorf("%v", e)
			}
		}},
		{"remove with path and element filter", `{"op":"remove","path":"title"},{"op":"remove","path":"phoneNumbers[type eq \"mobile\"]"}`, func(t *testing.T, e map[string][]string, r resp) {
			if e["title"] != nil || e["mobile"] != nil {
				t.Errorf("%v", e)
			}
		}},
		{"Entra enterprise path", `{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization","value":"ACME"}`, func(t *testing.T, e map[string][]string, r resp) {
			if e["o"][0] != "ACME" {
				t.Errorf("%v", e)
			}
		}},
		{"no-op repeat is harmless", `{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization","value":"ACME"}`, func(t *testing.T, e map[string][]string, r resp) {
			if e["o"][0] != "ACME" {
				t.Errorf("%v", e)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := patch(c.ops).want(t, http.StatusOK)
			if str(r.body, "id") != id {
				t.Errorf("id changed: %s", r.raw)
			}
			c.check(t, b.entry("pat@corp.local", "pwdAccountLockedTime", "mail", "sn", "cn", "givenName", "displayName", "departmentNumber", "title", "mobile", "o"), r)
		})
	}
	t.Run("Entra PATCH without schemas", func(t *testing.T) {
		b.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"Replace","path":"title","value":"CTO"}]}`).want(t, http.StatusOK)
		if e := b.entry("pat@corp.local", "title"); e["title"][0] != "CTO" {
			t.Errorf("%v", e)
		}
	})
	t.Run("rename by userName", func(t *testing.T) {
		r := patch(`{"op":"replace","value":{"userName":"pat.renamed@corp.local"}}`).want(t, http.StatusOK)
		if str(r.body, "id") != id || str(r.body, "userName") != "pat.renamed@corp.local" {
			t.Errorf("%s", r.raw)
		}
		if b.entry("pat@corp.local") != nil {
			t.Errorf("old entry still there")
		}
		e := b.entry("pat.renamed@corp.local", "entryUUID", "uid")
		if e == nil || e["entryuuid"][0] != id || len(e["uid"]) != 1 {
			t.Errorf("renamed entry: %v", e)
		}
		if err := b.dir.CanBind("uid=pat.renamed@corp.local,"+b.dir.PeopleDN, "Second-Pass-2"); err != nil {
			t.Errorf("renamed user cannot bind: %v", err)
		}
		// Entra form, back again.
		patch(`{"op":"Replace","path":"userName","value":"pat@corp.local"}`).want(t, http.StatusOK)
		if b.entry("pat@corp.local") == nil {
			t.Errorf("not renamed back")
		}
	})
	t.Run("rename onto an existing userName is 409", func(t *testing.T) {
		b.create(userBody("other@corp.local", "O", "T", "Pass-1-word"))
		patch(`{"op":"replace","path":"userName","value":"OTHER@corp.local"}`).wantError(t, http.StatusConflict, "uniqueness")
		if b.entry("pat@corp.local") == nil {
			t.Errorf("entry moved despite 409")
		}
	})
	t.Run("bad operations are 400 and change nothing", func(t *testing.T) {
		before := b.entry("pat@corp.local", "*")
		for _, ops := range []string{`{"op":"remove"}`, `{"op":"explode","path":"title","value":"x"}`, `{"op":"replace","path":"id","value":"x"}`, `{"op":"replace","path":"nosuch[","value":"x"}`} {
			if r := patch(ops); r.status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", ops, r.status, r.raw)
			}
		}
		if after := b.entry("pat@corp.local", "*"); len(after) != len(before) {
			t.Errorf("entry changed: %v → %v", before, after)
		}
	})
	b.do("PATCH", "/Users/00000000-0000-0000-0000-000000000000", `{`+patchOp+`,"Operations":[{"op":"replace","value":{"active":false}}]}`).wantError(t, http.StatusNotFound, "")
}

func TestDeactivatedUserStaysVisible(t *testing.T) {
	b := newBed(t)
	id := b.create(userBody("gone@corp.local", "G", "One", "Pass-1-word"))
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","value":{"active":false}}]}`).want(t, http.StatusOK)
	r := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK)
	if str(r.body, "active") != "false" {
		t.Errorf("get: %s", r.raw)
	}
	r = b.do("GET", "/Users?startIndex=1&count=100", "").want(t, http.StatusOK)
	if str(r.body, "totalResults") != "1" || str(r.body, "Resources.0.active") != "false" {
		t.Errorf("list: %s", r.raw)
	}
}

func TestDeleteUser(t *testing.T) {
	b := newBed(t)
	id := b.create(userBody("del@corp.local", "D", "El", "Pass-1-word"))
	r := b.do("DELETE", "/Users/"+id, "").want(t, http.StatusNoContent)
	if len(r.raw) != 0 {
		t.Errorf("204 with a body: %s", r.raw)
	}
	if b.entry("del@corp.local") != nil {
		t.Errorf("entry still in the directory")
	}
	b.do("DELETE", "/Users/"+id, "").wantError(t, http.StatusNotFound, "")
	b.do("GET", "/Users/"+id, "").wantError(t, http.StatusNotFound, "")
}
