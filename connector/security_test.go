package connector_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// TestBadInputLeavesDirectoryUnchanged sends every kind of input the limits
// refuse; each gets a SCIM Error and nothing reaches the directory.
func TestBadInputLeavesDirectoryUnchanged(t *testing.T) {
	const bodyLimit, maxString, maxMembers = 256 << 10, 4 << 10, 5
	b := bridge{cfg: func(c *config.Config) {
		c.Server.BodyLimit = bodyLimit
		c.Server.MaxStringLength = maxString
		c.Server.MaxMembersPerPatch = maxMembers
		c.Server.MaxResults = 2
	}}.start(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, b.create(userBody(fmt.Sprintf("u%d@corp.local", i), "U", strconv.Itoa(i), "Pass-word-1")))
	}
	g := b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"limits"}`).want(t, http.StatusCreated)
	gid := str(g.body, "id")

	long := strings.Repeat("x", maxString+1)
	deep := strings.Repeat("(", 40) + `userName eq "a"` + strings.Repeat(")", 40)
	members := `[`
	for i := range maxMembers + 1 {
		if i > 0 {
			members += ","
		}
		members += `{"value":"` + ids[i%len(ids)] + `"}`
	}
	members += `]`
	user := func(extra string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bad@corp.local",` + extra + `}`
	}
	tests := []struct {
		name, method, path, body string
		chunked                  bool // no Content-Length: the limit must hold while reading
		status                   int
		scimType                 string
	}{
		{"body over the limit", "POST", "/Users", user(`"displayName":"` + strings.Repeat("a", bodyLimit) + `"`), false, 413, ""},
		{"chunked body over the limit", "POST", "/Users", user(`"displayName":"` + strings.Repeat("a", bodyLimit) + `"`), true, 413, ""},
		{"huge string", "POST", "/Users", user(`"displayName":"` + long + `"`), false, 400, "invalidValue"},
		{"huge key", "POST", "/Users", user(`"` + long + `":"x"`), false, 400, "invalidValue"},
		{"huge number", "POST", "/Users", user(`"x":` + strings.Repeat("9", maxString+1)), false, 400, "invalidValue"},
		{"number beyond float64", "POST", "/Users", user(`"x":1E1000`), false, 400, "invalidValue"},
		{"duplicate key", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@corp.local","userName":"b@corp.local"}`, false, 400, "invalidSyntax"},
		{"duplicate key in other case", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a@corp.local","USERNAME":"b@corp.local"}`, false, 400, "invalidSyntax"},
		{"duplicate nested key", "POST", "/Users", user(`"name":{"givenName":"A","givenName":"B"}`), false, 400, "invalidSyntax"},
		{"duplicate key in a PATCH op", "PATCH", "/Users/" + ids[0], `{` + patchOp + `,"Operations":[{"op":"replace","path":"title","value":"a","value":"b"}]}`, false, 400, "invalidSyntax"},
		{"nesting too deep", "POST", "/Users", user(`"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40)), false, 400, "invalidValue"},
		{"two JSON values", "POST", "/Users", user(`"title":"a"`) + `{}`, false, 400, "invalidSyntax"},
		{"not JSON", "POST", "/Users", `{"userName":`, false, 400, "invalidSyntax"},
		{"userName a number", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":12}`, false, 400, "invalidValue"},
		{"name a string", "POST", "/Users", user(`"name":"Bad Name"`), false, 400, "invalidValue"},
		{"emails a string", "POST", "/Users", user(`"emails":"x@corp.local"`), false, 400, "invalidSyntax"},
		{"givenName a number", "POST", "/Users", user(`"name":{"givenName":12}`), false, 400, "invalidValue"},
		{"emails value an object", "POST", "/Users", user(`"emails":[{"value":{"a":1}}]`), false, 400, "invalidValue"},
		{"active not a boolean", "POST", "/Users", user(`"active":"maybe"`), false, 400, "invalidValue"},
		{"PUT with userName an array", "PUT", "/Users/" + ids[0], `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":["a","b"]}`, false, 400, "invalidValue"},
		{"members over the cap", "PATCH", "/Groups/" + gid, `{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":` + members + `}]}`, false, 400, "invalidValue"},
		{"members over the cap without path", "PATCH", "/Groups/" + gid, `{` + patchOp + `,"Operations":[{"op":"add","value":{"members":` + members + `}}]}`, false, 400, "invalidValue"},
		{"filter too long", "GET", "/Users?filter=" + urlEscape(`userName eq "`+strings.Repeat("a", 5000)+`"`), "", false, 400, "invalidFilter"},
		{"filter too deep", "GET", "/Users?filter=" + urlEscape(deep), "", false, 400, "invalidFilter"},
		// The library answers bad paging parameters without a scimType (RFC
		// 7644 makes it optional); the detail names the parameter.
		{"count not a number", "GET", "/Users?count=ten", "", false, 400, ""},
		{"startIndex not a number", "GET", "/Users?startIndex=1e9", "", false, 400, ""},
		// An unencoded ";" makes Go's query parser drop the whole filter
		// silently; listing everyone instead would let Okta link the wrong
		// user.
		{"filter with a raw semicolon", "GET", `/Users?filter=userName%20eq%20%22a;b%22`, "", false, 400, "invalidFilter"},
		{"query with a raw semicolon", "GET", `/Users?count=1;startIndex=2`, "", false, 400, "invalidValue"},
		{"filter on an unmapped attribute", "GET", "/Users?filter=" + urlEscape(`userPassword pr`), "", false, 400, "invalidFilter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := b.snapshot()
			var rd io.Reader
			if tt.body != "" {
				rd = strings.NewReader(tt.body)
				if tt.chunked {
					rd = io.MultiReader(rd) // hides the length from net/http
				}
			}
			req, err := http.NewRequest(tt.method, b.base+tt.path, rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+exampleToken)
			req.Header.Set("Content-Type", "application/scim+json")
			r, err := roundTrip(http.DefaultClient, req)
			if err != nil {
				t.Fatal(err)
			}
			r.wantError(t, tt.status, tt.scimType)
			b.unchanged(t, before)
		})
	}

	t.Run("SCIM 1.1 front (Okta agent)", func(t *testing.T) {
		v1 := strings.TrimSuffix(b.base, "/v2") + "/v1"
		for _, body := range []string{
			`{"schemas":["urn:scim:schemas:core:1.0"],"userName":"a@corp.local","userName":"b@corp.local"}`,
			`{"schemas":["urn:scim:schemas:core:1.0"],"userName":"a@corp.local","displayName":"` + long + `"}`,
			`{"schemas":["urn:scim:schemas:core:1.0"],"userName":"a@corp.local","displayName":"` + strings.Repeat("a", bodyLimit) + `"}`,
		} {
			before := b.snapshot()
			req, _ := http.NewRequest("POST", v1+"/Users", strings.NewReader(body))
			req.Header.Set("Authorization", exampleToken)
			req.Header.Set("Content-Type", "application/json")
			r, err := roundTrip(http.DefaultClient, req)
			if err != nil {
				t.Fatal(err)
			}
			if r.status != 400 && r.status != 413 || str(r.body, "Errors.0.code") != strconv.Itoa(r.status) || str(r.body, "Errors.0.description") == "" {
				t.Errorf("%d %s, want a 1.1 Errors body with 400 or 413", r.status, r.raw)
			}
			b.unchanged(t, before)
		}
	})
	t.Run("count above maxResults is capped", func(t *testing.T) {
		before := b.snapshot()
		r := b.do("GET", "/Users?count=100000", "").want(t, http.StatusOK)
		if str(r.body, "itemsPerPage") != "2" || len(get(r.body, "Resources").([]interface{})) != 2 || str(r.body, "totalResults") != "3" {
			t.Errorf("count not capped at maxResults 2: %s", r.raw)
		}
		b.unchanged(t, before)
	})
	t.Run("filter values cannot widen the search", func(t *testing.T) {
		for _, f := range []string{`userName eq "*"`, `userName eq "*)(uid=*"`, `userName sw "u0@corp.local)(|(uid=*"`, `userName eq "\u0000"`, `displayName co "\\2a"`} {
			r := b.do("GET", "/Users?filter="+urlEscape(f), "").want(t, http.StatusOK)
			if str(r.body, "totalResults") != "0" {
				t.Errorf("%s matched: %s", f, r.raw)
			}
		}
	})
}

// TestNastyNamesStayInTheirContainer: userNames and displayNames with DN
// syntax in them name exactly one entry, directly below users.createDN or
// groups.createDN, created and renamed, and are found again by filter.
func TestNastyNamesStayInTheirContainer(t *testing.T) {
	b := newBed(t)
	names := []string{
		"evil,ou=Groups,dc=example,dc=com", "#lead", " spaced ", "a+cn=b", `back\,slash`, `"quoted"`, "<>;=", "*)(uid=*", "ü,日本",
	}
	inContainer := func(t *testing.T, base, filter, container string) {
		t.Helper()
		found := b.dir.Search(t, base, filter, "entryUUID")
		if len(found) != 1 {
			t.Fatalf("%s: %d entries, want 1: %v", filter, len(found), found)
		}
		for dn := range found {
			if p, err := ldapstore.ParentDN(dn); err != nil || !ldapstore.EqualDN(p, container) {
				t.Errorf("%q is not directly below %s", dn, container)
			}
		}
	}
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			q, _ := json.Marshal(name)
			r := b.do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":`+string(q)+`,"name":{"givenName":"N","familyName":"Asty"}}`).want(t, http.StatusCreated)
			id := str(r.body, "id")
			if got := str(r.body, "userName"); got != strings.TrimSpace(name) {
				t.Errorf("userName %q, want %q", got, strings.TrimSpace(name))
			}
			inContainer(t, b.dir.BaseDN, "(uid="+ldapEscape(strings.TrimSpace(name))+")", b.dir.PeopleDN)
			list := b.do("GET", "/Users?filter="+urlEscape(`userName eq `+string(q)), "").want(t, http.StatusOK)
			if str(list.body, "totalResults") != "1" || str(list.body, "Resources.0.id") != id {
				t.Errorf("filter by userName: %s", list.raw)
			}
			renamed := fmt.Sprintf("renamed%d,ou=Groups,dc=example,dc=com", i)
			b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"userName","value":"`+renamed+`"}]}`).want(t, http.StatusOK)
			inContainer(t, b.dir.BaseDN, "(uid="+ldapEscape(renamed)+")", b.dir.PeopleDN)

			g := b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":`+string(q)+`}`).want(t, http.StatusCreated)
			if str(g.body, "displayName") != strings.TrimSpace(name) {
				t.Errorf("displayName %s", g.raw)
			}
			inContainer(t, b.dir.BaseDN, "(&(objectClass=groupOfNames)(cn="+ldapEscape(strings.TrimSpace(name))+"))", b.dir.GroupsDN)
		})
	}
}
