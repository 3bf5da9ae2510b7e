package connector_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
)

// The faults public RFC 7643/7644 checkers and Okta's SCIM 1.1 SPEC test
// found in the shipped example (issue 12, item 3), each through the real
// HTTP server on real OpenLDAP.

const enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// v1 is the same bridge seen through its SCIM 1.1 front.
func (b *bed) v1() *bed {
	c := *b
	c.base = b.http.URL + "/scim/v1"
	return &c
}

// TestDuplicateValuesAreOneValue: RFC 7643 §2.4 — a multi-valued attribute
// holding the same value twice is one value, not a uniqueness conflict.
func TestDuplicateValuesAreOneValue(t *testing.T) {
	b := newBed(t)
	r := b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"twice@example.com",
		"emails":[{"value":"twice@example.com","type":"work","primary":true},{"value":"twice@example.com","type":"work"}]}`).want(t, http.StatusCreated)
	if got := b.entry("twice@example.com", "mail")["mail"]; !slices.Equal(got, []string{"twice@example.com"}) {
		t.Errorf("mail = %q, want the one address", got)
	}
	id := str(r.body, "id")
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"phoneNumbers","value":[{"value":"+1 555","type":"work"},{"value":"+1 555","type":"work"}]}]}`).want(t, http.StatusOK)
	if got := b.entry("twice@example.com", "telephoneNumber")["telephonenumber"]; !slices.Equal(got, []string{"+1 555"}) {
		t.Errorf("telephoneNumber = %q, want the one number", got)
	}
}

// TestEveryMappedPathPatches: a mapped attribute works as a PATCH path, in
// a no-path value (flat and nested under its extension) and in a filter,
// whatever characters its URN holds.
func TestEveryMappedPathPatches(t *testing.T) {
	b := newBed(t)
	id := b.create(userBody("paths@example.com", "Pat", "Hs", "Pass-word-1"))
	const okta = "urn:okta:onprem_app:1.0:user:custom"
	tests := []struct {
		name, ops string
		attr      string
		want      string
	}{
		{"URN with _ as path", `[{"op":"replace","path":"` + okta + `:departmentName","value":"Research"}]`, "ou", "Research"},
		{"enterprise path", `[{"op":"replace","path":"` + enterpriseURN + `:department","value":"D1"}]`, "departmentNumber", "D1"},
		{"flat URN key without path", `[{"op":"replace","value":{"` + enterpriseURN + `:department":"D2"}}]`, "departmentNumber", "D2"},
		{"nested extension without path (RFC 7644 §3.5.2.1)", `[{"op":"add","value":{"` + enterpriseURN + `":{"department":"D3"}}}]`, "departmentNumber", "D3"},
		{"nested custom extension without path", `[{"op":"replace","value":{"` + okta + `":{"departmentName":"Sales"}}}]`, "ou", "Sales"},
		{"remove by URN path", `[{"op":"remove","path":"` + okta + `:departmentName"}]`, "ou", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":`+tt.ops+`}`).want(t, http.StatusOK)
			got := strings.Join(b.entry("paths@example.com", tt.attr)[strings.ToLower(tt.attr)], ",")
			if got != tt.want {
				t.Errorf("%s = %q, want %q", tt.attr, got, tt.want)
			}
		})
	}
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"`+okta+`:departmentName","value":"Ops"}]}`).want(t, http.StatusOK)
	r := b.do("GET", "/Users?filter="+urlEscape(okta+`:departmentName eq "Ops"`), "").want(t, http.StatusOK)
	if str(r.body, "totalResults") != "1" {
		t.Errorf("filter on the URN path: %s", r.raw)
	}
	// Paths that are not attributes of any schema stay errors.
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"noSuchAttribute","value":"x"}]}`).wantError(t, http.StatusBadRequest, "invalidPath")
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"name[","value":"x"}]}`).wantError(t, http.StatusBadRequest, "invalidPath")
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[]}`).wantError(t, http.StatusBadRequest, "invalidValue")
}

// TestWritesHonourAttributes: RFC 7644 §3.5.2 — with attributes= or
// excludedAttributes=, a PATCH MUST answer 200 with the resource.
func TestWritesHonourAttributes(t *testing.T) {
	b := newBed(t)
	uid := b.create(userBody("proj@example.com", "Pro", "Jection", "Pass-word-1"))
	r := b.do("PATCH", "/Users/"+uid+"?attributes=userName", `{`+patchOp+`,"Operations":[{"op":"replace","path":"title","value":"Boss"}]}`).want(t, http.StatusOK)
	if str(r.body, "userName") != "proj@example.com" || get(r.body, "name") != nil || get(r.body, "title") != nil || str(r.body, "id") != uid {
		t.Errorf("user PATCH ?attributes=userName: %s", r.raw)
	}
	r = b.do("PUT", "/Users/"+uid+"?excludedAttributes=emails", userBody("proj@example.com", "Pro", "Jection", "Pass-word-1")).want(t, http.StatusOK)
	if get(r.body, "emails") != nil || str(r.body, "name.givenName") != "Pro" {
		t.Errorf("user PUT ?excludedAttributes=emails: %s", r.raw)
	}
	r = b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Projected","members":[]}`).want(t, http.StatusCreated)
	gid := str(r.body, "id")
	add := `{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + uid + `"}]}]}`
	b.do("PATCH", "/Groups/"+gid, add).want(t, http.StatusNoContent)
	r = b.do("PATCH", "/Groups/"+gid+"?attributes=members", add).want(t, http.StatusOK)
	if str(r.body, "members.0.value") != uid || str(r.body, "id") != gid || get(r.body, "displayName") != nil {
		t.Errorf("group PATCH ?attributes=members: %s", r.raw)
	}
	r = b.do("PATCH", "/Groups/"+gid+"?excludedAttributes=members", `{`+patchOp+`,"Operations":[{"op":"replace","path":"displayName","value":"Projected 2"}]}`).want(t, http.StatusOK)
	if str(r.body, "displayName") != "Projected 2" || get(r.body, "members") != nil {
		t.Errorf("group PATCH ?excludedAttributes=members: %s", r.raw)
	}
}

// TestFilterPathWithoutSlot: a value-filter path that matches no element
// and that the mapping has no slot for is 400 noTarget (RFC 7644
// §3.5.2.3); one the mapping stores creates the element (Entra).
func TestFilterPathWithoutSlot(t *testing.T) {
	b := newBed(t)
	id := b.create(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"slots@example.com"}`)
	before := b.snapshot()
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"emails[type eq \"nonexistent\"].value","value":"x@example.com"}]}`).
		wantError(t, http.StatusBadRequest, "noTarget")
	b.unchanged(t, before)
	b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"slots@example.com"}]}`).want(t, http.StatusOK)
	if got := b.entry("slots@example.com", "mail")["mail"]; !slices.Equal(got, []string{"slots@example.com"}) {
		t.Errorf("mail = %q after Entra's replace", got)
	}
}

// TestDiscoveryIsReadOnly: RFC 7644 §4 — the discovery endpoints answer
// 405 with Allow: GET to any other method, on both fronts, whatever the
// body.
func TestDiscoveryIsReadOnly(t *testing.T) {
	b := newBed(t)
	for _, front := range []*bed{b, b.v1()} {
		for _, path := range []string{"/Schemas", "/ResourceTypes", "/ServiceProviderConfig", "/ServiceProviderConfigs", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", "/ResourceTypes/User"} {
			for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
				r := front.do(method, path, "not json")
				if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET" {
					t.Errorf("%s %s%s: %d, Allow %q: %s", method, strings.TrimPrefix(front.base, b.http.URL), path, r.status, r.header.Get("Allow"), r.raw)
				}
				if !strings.HasPrefix(r.header.Get("Content-Type"), "application/scim+json") {
					t.Errorf("%s %s: Content-Type %q", method, path, r.header.Get("Content-Type"))
				}
			}
		}
	}
}

// TestTrailingSlashIsTheList: GET /Users/?filter=… lists, as /Users does.
func TestTrailingSlashIsTheList(t *testing.T) {
	b := newBed(t)
	b.create(userBody("slash@example.com", "Sla", "Sh", "Pass-word-1"))
	for _, p := range []string{"/Users/?filter=" + urlEscape(`userName eq "slash@example.com"`), "/Users/"} {
		r := b.do("GET", p, "").want(t, http.StatusOK)
		if str(r.body, "totalResults") != "1" || str(r.body, "Resources.0.userName") != "slash@example.com" {
			t.Errorf("GET %s: %s", p, r.raw)
		}
	}
	r := b.do("GET", "/Groups/", "").want(t, http.StatusOK)
	if !hasSchema(r.body, "urn:ietf:params:scim:api:messages:2.0:ListResponse") {
		t.Errorf("GET /Groups/: %s", r.raw)
	}
}

// TestSchemasListWhatTheResourceCarries: a resource's "schemas" names the
// extensions it has data in, not every one configured.
func TestSchemasListWhatTheResourceCarries(t *testing.T) {
	b := newBed(t)
	plain := b.create(userBody("plain@example.com", "Pla", "In", "Pass-word-1"))
	r := b.do("GET", "/Users/"+plain, "").want(t, http.StatusOK)
	if got := r.body["schemas"].([]interface{}); len(got) != 1 || got[0] != "urn:ietf:params:scim:schemas:core:2.0:User" {
		t.Errorf("user without extension data: schemas %v", got)
	}
	ext := b.create(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + enterpriseURN + `"],"userName":"ext@example.com","` + enterpriseURN + `":{"department":"D"}}`)
	r = b.do("GET", "/Users/"+ext, "").want(t, http.StatusOK)
	if !hasSchema(r.body, enterpriseURN) || hasSchema(r.body, "urn:okta:onprem_app:1.0:user:custom") {
		t.Errorf("user with enterprise data: schemas %v", r.body["schemas"])
	}
	r = b.do("GET", "/Users?filter="+urlEscape(`userName eq "plain@example.com"`), "").want(t, http.StatusOK)
	if got := get(r.body, "Resources.0.schemas").([]interface{}); len(got) != 1 {
		t.Errorf("listed user without extension data: schemas %v", got)
	}
}

// TestSCIM11Discovery: Okta's SCIM 1.1 SPEC test reads bulk limits from
// /ServiceProviderConfigs and detail from a 404.
func TestSCIM11Discovery(t *testing.T) {
	b := newBed(t).v1()
	r := b.do("GET", "/ServiceProviderConfigs", "").want(t, http.StatusOK)
	if str(r.body, "bulk.maxOperations") != "0" || str(r.body, "bulk.maxPayloadSize") != "0" || str(r.body, "bulk.supported") != "false" {
		t.Errorf("1.1 bulk: %s", r.raw)
	}
	r = b.do("GET", "/Users/00000000-0000-0000-0000-000000000000", "").want(t, http.StatusNotFound)
	if str(r.body, "detail") == "" || str(r.body, "Errors.0.description") == "" || str(r.body, "Errors.0.code") != "404" {
		t.Errorf("1.1 404: %s", r.raw)
	}
}

// TestUnmappedAttributesAreNeverSilent (issue 12 item 2): a write with an
// attribute no mapping entry stores is accepted with a WARN once per
// client and path and a count in /metrics, or, with
// server.unmappedAttributes: reject, refused with 400 and nothing written.
func TestUnmappedAttributesAreNeverSilent(t *testing.T) {
	const body = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s","nickName":"Nick",
		"name":{"givenName":"Un","familyName":"Mapped","formatted":"Un Mapped"},"emails":[{"value":"%s","type":"work"},{"value":"home@example.com","type":"home"}]}`
	user := func(name string) string { return fmt.Sprintf(body, name, name) }
	t.Run("warn", func(t *testing.T) {
		b := newBed(t)
		id := b.create(user("warn@example.com"))
		b.create(user("warn2@example.com"))
		b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"add","path":"addresses","value":[{"streetAddress":"1 Main St","type":"work"}]},
			{"op":"replace","value":{"`+enterpriseURN+`":{"costCenter":"CC"},"title":"T"}}]}`).want(t, http.StatusOK)
		logs := b.logs.String()
		for _, path := range []string{"nickName", "name.formatted", `emails[type eq \"home\"]`, "addresses", enterpriseURN + ":costCenter"} {
			if n := strings.Count(logs, "attribute="+path+" ") + strings.Count(logs, `attribute="`+path+`"`); n != 1 {
				t.Errorf("%s warned of %d times, want once:\n%s", path, n, grepLines(logs, "does not store"))
			}
		}
		if !strings.Contains(logs, "users.attributes: - scim: 'nickName'") {
			t.Errorf("the WARN does not say how to map it:\n%s", grepLines(logs, "does not store"))
		}
		_, metrics := plainGet(t, b.http.URL+"/metrics")
		for _, want := range []string{
			`scim2ldap_unmapped_attributes_total{path="nickName",resource="User"} 2`,
			`scim2ldap_unmapped_attributes_total{path="addresses",resource="User"} 1`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s:\n%s", want, grepLines(metrics, "unmapped"))
			}
		}
		if e := b.entry("warn@example.com", "title"); first(e, "title") != "T" {
			t.Errorf("the mapped part of the PATCH was not written: %v", e)
		}
	})
	t.Run("reject", func(t *testing.T) {
		b := newBed(t, func(c *config.Config) { c.Server.UnmappedAttributes = config.UnmappedReject })
		id := b.create(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"strict@example.com","title":"T"}`)
		before := b.snapshot()
		r := b.do("POST", "/Users", user("strict2@example.com")).wantError(t, http.StatusBadRequest, "invalidValue")
		if d := str(r.body, "detail"); !strings.Contains(d, "nickName") || !strings.Contains(d, "users.attributes") {
			t.Errorf("detail does not name the attribute and the fix: %s", d)
		}
		b.do("PUT", "/Users/"+id, user("strict@example.com")).wantError(t, http.StatusBadRequest, "invalidValue")
		b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"title","value":"X"},{"op":"add","path":"nickName","value":"N"}]}`).
			wantError(t, http.StatusBadRequest, "invalidValue")
		b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","externalId":"e1"}`).
			wantError(t, http.StatusBadRequest, "invalidValue")
		b.unchanged(t, before)
		// What the mapping stores still passes.
		b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"title","value":"X"},{"op":"remove","path":"nickName"}]}`).want(t, http.StatusOK)
		b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ok@example.com","active":true,"password":"Pass-word-1","groups":[],
			"emails":[{"value":"ok@example.com","type":"work","primary":true,"display":"ok@example.com"}]}`).want(t, http.StatusCreated)
	})
}

// TestSearchByPost: POST /.search (RFC 7644 §3.4.3) under /Users and
// /Groups answers as the GET with the same parameters; at the root it
// lists Users then Groups as one page sequence.
func TestSearchByPost(t *testing.T) {
	b := newBed(t)
	var ids []string
	for _, n := range []string{"s1", "s2", "s3"} {
		ids = append(ids, b.create(userBody(n+"@search.example", "S", n, "Pass-word-1")))
	}
	b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"search group"}`).want(t, http.StatusCreated)
	const req = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],`
	r := b.do("POST", "/Users/.search", req+`"filter":"userName ew \"@search.example\"","attributes":["userName"],"startIndex":2,"count":1}`).want(t, http.StatusOK)
	if str(r.body, "totalResults") != "3" || str(r.body, "itemsPerPage") != "1" || str(r.body, "startIndex") != "2" ||
		str(r.body, "Resources.0.userName") == "" || get(r.body, "Resources.0.name") != nil {
		t.Errorf("/Users/.search: %s", r.raw)
	}
	get1 := b.do("GET", "/Users?filter="+urlEscape(`userName ew "@search.example"`)+"&attributes=userName&startIndex=2&count=1", "").want(t, http.StatusOK)
	if string(get1.raw) != string(r.raw) {
		t.Errorf("POST .search and GET differ:\n%s\n%s", r.raw, get1.raw)
	}
	r = b.do("POST", "/Groups/.search", req+`"filter":"displayName eq \"search group\""}`).want(t, http.StatusOK)
	if str(r.body, "totalResults") != "1" {
		t.Errorf("/Groups/.search: %s", r.raw)
	}
	// The root: 3 users then 1 group; a page across the boundary.
	r = b.do("POST", "/.search", req+`"startIndex":3,"count":2}`).want(t, http.StatusOK)
	if str(r.body, "totalResults") != "4" || str(r.body, "itemsPerPage") != "2" ||
		!strings.Contains(str(r.body, "Resources.0.meta.location"), "/Users/") || str(r.body, "Resources.1.displayName") != "search group" {
		t.Errorf("/.search across types: %s", r.raw)
	}
	// A filter only Users understand finds users only.
	r = b.do("POST", "/.search", req+`"filter":"userName eq \"s2@search.example\""}`).want(t, http.StatusOK)
	if str(r.body, "totalResults") != "1" || str(r.body, "Resources.0.id") != ids[1] {
		t.Errorf("/.search by userName: %s", r.raw)
	}
	b.do("POST", "/.search", req+`"filter":"nosuch eq \"x\""}`).wantError(t, http.StatusBadRequest, "invalidFilter")
	b.do("POST", "/Users/.search", `{"filter":5}`).wantError(t, http.StatusBadRequest, "invalidSyntax")
	b.do("GET", "/Users/.search", "").wantError(t, http.StatusMethodNotAllowed, "")
}
