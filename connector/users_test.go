package connector_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCreateUser(t *testing.T) {
	b := newBed(t)
	r := b.do("POST", "/Users", userBody("test.user@okta.local", "Test", "User", "1mz050nq")).want(t, http.StatusCreated)
	id := str(r.body, "id")

	t.Run("answer", func(t *testing.T) {
		if loc := r.header.Get("Location"); loc != b.base+"/Users/"+id {
			t.Errorf("Location %q, want %q", loc, b.base+"/Users/"+id)
		}
		if str(r.body, "meta.location") != b.base+"/Users/"+id {
			t.Errorf("meta.location %q", str(r.body, "meta.location"))
		}
		if strings.Contains(string(r.raw), "1mz050nq") || get(r.body, "password") != nil {
			t.Errorf("password returned: %s", r.raw)
		}
		if str(r.body, "externalId") != "00uTest" || str(r.body, "emails.0.type") != "work" || str(r.body, "emails.0.primary") != "true" {
			t.Errorf("attributes: %s", r.raw)
		}
	})
	t.Run("directory", func(t *testing.T) {
		e := b.entry("test.user@okta.local", "entryUUID", "objectClass", "givenName", "sn", "cn", "mail", "displayName", "employeeNumber", "userPassword")
		if e == nil {
			t.Fatal("no entry uid=test.user@okta.local in ou=People")
		}
		want := map[string]string{"entryuuid": id, "givenname": "Test", "sn": "User", "cn": "Test User", "mail": "test.user@okta.local", "displayname": "Test User", "employeenumber": "00uTest"}
		for k, v := range want {
			if len(e[k]) != 1 || e[k][0] != v {
				t.Errorf("%s = %v, want %q", k, e[k], v)
			}
		}
		if len(e["userpassword"]) != 1 || !strings.HasPrefix(e["userpassword"][0], "{SSHA}") {
			t.Errorf("userPassword not stored hashed: %q", e["userpassword"])
		}
		if err := b.dir.CanBind("uid=test.user@okta.local,"+b.dir.PeopleDN, "1mz050nq"); err != nil {
			t.Errorf("user cannot bind with the SCIM password: %v", err)
		}
	})
	t.Run("duplicate userName, any case, is 409", func(t *testing.T) {
		for _, name := range []string{"test.user@okta.local", "TEST.USER@OKTA.LOCAL"} {
			b.do("POST", "/Users", userBody(name, "X", "Y", "pw-123456")).wantError(t, http.StatusConflict, "uniqueness")
		}
		if n := len(b.dir.Search(t, b.dir.PeopleDN, "(uid=test.user@okta.local)", "uid")); n != 1 {
			t.Errorf("%d entries after duplicates, want 1", n)
		}
	})
	t.Run("minimal body gets required attributes from defaults", func(t *testing.T) {
		b.create(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bare"}`)
		e := b.entry("bare", "sn", "cn")
		if e["sn"][0] != "bare" || e["cn"][0] != "bare" {
			t.Errorf("defaults: %v", e)
		}
	})
	t.Run("Entra create with application/json and enterprise extension", func(t *testing.T) {
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee","active":true,"emails":[{"primary":true,"type":"work","value":"Test_User_11bb11bb@testuser.com"}],"meta":{"resourceType":"User"},"name":{"formatted":"givenName familyName","familyName":"familyName","givenName":"givenName"},"roles":[],"addresses":null,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"}}`
		r := b.do("POST", "/Users", body, "Content-Type: application/json").want(t, http.StatusCreated)
		if str(r.body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"], "department") != "Sales" {
			t.Errorf("enterprise department not returned: %s", r.raw)
		}
		e := b.entry("Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee", "departmentNumber", "employeeNumber")
		if e["departmentnumber"][0] != "Sales" || e["employeenumber"][0] != "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" {
			t.Errorf("directory: %v", e)
		}
	})
	t.Run("bad input leaves the directory unchanged", func(t *testing.T) {
		before := b.snapshot()
		for _, body := range []string{`{`, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}`, `{"userName":"x","active":"maybe"}`, `[]`} {
			r := b.do("POST", "/Users", body)
			if r.status != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", body, r.status)
			}
		}
		b.unchanged(t, before)
	})
}

func TestGetAndList(t *testing.T) {
	b := newBed(t)
	t.Run("empty directory is a full ListResponse", func(t *testing.T) {
		r := b.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "nobody@x"`)+"&startIndex=1&count=100", "").want(t, http.StatusOK)
		for _, want := range []string{`"Resources":[]`, `"totalResults":0`, `"itemsPerPage":0`, `"startIndex":1`} {
			if !strings.Contains(string(r.raw), want) {
				t.Errorf("missing %s in %s", want, r.raw)
			}
		}
		r = b.do("GET", "/Users?startIndex=1&count=100", "").want(t, http.StatusOK)
		if !strings.Contains(string(r.raw), `"Resources":[]`) {
			t.Errorf("empty list: %s", r.raw)
		}
	})
	ids := map[string]string{}
	for i := 0; i < 7; i++ {
		name := fmt.Sprintf("user%02d@corp.local", i)
		ids[name] = b.create(userBody(name, fmt.Sprintf("Given%d", i), "Family", "Pass-word-1"))
	}
	t.Run("get by id", func(t *testing.T) {
		r := b.do("GET", "/Users/"+ids["user03@corp.local"], "").want(t, http.StatusOK)
		if str(r.body, "userName") != "user03@corp.local" || str(r.body, "name.givenName") != "Given3" {
			t.Errorf("%s", r.raw)
		}
	})
	t.Run("pages are stable and complete", func(t *testing.T) {
		seen := map[string]int{}
		var order []string
		for start := 1; start <= 7; start += 3 {
			r := b.do("GET", fmt.Sprintf("/Users?startIndex=%d&count=3", start), "").want(t, http.StatusOK)
			if str(r.body, "totalResults") != "7" || str(r.body, "startIndex") != fmt.Sprint(start) {
				t.Errorf("page %d: %s", start, r.raw)
			}
			res, _ := r.body["Resources"].([]interface{})
			if want := min(3, 8-start); len(res) != want || str(r.body, "itemsPerPage") != fmt.Sprint(want) {
				t.Errorf("page %d: %d resources, itemsPerPage %s, want %d", start, len(res), str(r.body, "itemsPerPage"), want)
			}
			for _, x := range res {
				seen[str(x, "id")]++
				order = append(order, str(x, "id"))
			}
		}
		if len(seen) != 7 {
			t.Errorf("saw %d distinct users, want 7: %v", len(seen), seen)
		}
		r := b.do("GET", "/Users?startIndex=1&count=7", "").want(t, http.StatusOK)
		for i := range order {
			if str(r.body, fmt.Sprintf("Resources.%d.id", i)) != order[i] {
				t.Errorf("order differs at %d", i)
			}
		}
		r = b.do("GET", "/Users?startIndex=100&count=10", "").want(t, http.StatusOK)
		if str(r.body, "totalResults") != "7" || !strings.Contains(string(r.raw), `"Resources":[]`) {
			t.Errorf("past the end: %s", r.raw)
		}
		r = b.do("GET", "/Users?count=0", "").want(t, http.StatusOK)
		if str(r.body, "totalResults") != "7" || str(r.body, "itemsPerPage") != "0" {
			t.Errorf("count=0: %s", r.raw)
		}
	})
	t.Run("attributes and excludedAttributes", func(t *testing.T) {
		id := ids["user01@corp.local"]
		r := b.do("GET", "/Users/"+id+"?attributes=userName", "").want(t, http.StatusOK)
		if str(r.body, "userName") == "" || get(r.body, "name") != nil || get(r.body, "emails") != nil || str(r.body, "id") != id {
			t.Errorf("attributes=userName: %s", r.raw)
		}
		r = b.do("GET", "/Users/"+id+"?excludedAttributes=emails,name.familyName", "").want(t, http.StatusOK)
		if get(r.body, "emails") != nil || get(r.body, "name.familyName") != nil || str(r.body, "name.givenName") != "Given1" {
			t.Errorf("excludedAttributes: %s", r.raw)
		}
		r = b.do("GET", "/Users?attributes=name.givenName&filter="+url.QueryEscape(`userName eq "user01@corp.local"`), "").want(t, http.StatusOK)
		if str(r.body, "Resources.0.name.givenName") != "Given1" || get(r.body, "Resources.0.userName") != nil {
			t.Errorf("list attributes: %s", r.raw)
		}
	})
}

func TestFilters(t *testing.T) {
	b := newBed(t)
	alice := b.create(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice@corp.local","externalId":"ext-a","name":{"givenName":"Alice","familyName":"Anders"},"emails":[{"value":"alice@corp.local","type":"work","primary":true}],"title":"Engineer","active":true}`)
	bob := b.create(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob@corp.local","externalId":"ext-b","name":{"givenName":"Bob","familyName":"Brown"},"emails":[{"value":"bob@corp.local","type":"work"}],"active":false}`)
	carol := b.create(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"carol*(x)\\@corp.local","name":{"givenName":"Carol","familyName":"Anders"}}`)
	cases := []struct {
		filter string
		want   []string
	}{
		{`userName eq "alice@corp.local"`, []string{alice}},
		{`USERNAME EQ "ALICE@CORP.LOCAL"`, []string{alice}},
		{`userName ne "alice@corp.local"`, []string{bob, carol}},
		{`userName co "ce@corp"`, []string{alice}},
		{`userName sw "bo"`, []string{bob}},
		{`userName ew "corp.local"`, []string{alice, bob, carol}},
		{`title pr`, []string{alice}},
		{`name.familyName eq "Anders" and name.givenName eq "Alice"`, []string{alice}},
		{`name.familyName eq "Brown" or name.givenName eq "Carol"`, []string{bob, carol}},
		{`not (name.familyName eq "Anders")`, []string{bob}},
		{`id eq "` + bob + `"`, []string{bob}},
		{`id eq "not-a-uuid"`, nil},
		{`externalId eq "ext-a"`, []string{alice}},
		{`emails.value eq "bob@corp.local"`, []string{bob}},
		{`emails eq "bob@corp.local"`, []string{bob}},
		{`emails[type eq "work"].value eq "alice@corp.local"`, []string{alice}},
		{`emails[type eq "work" and value co "bob"]`, []string{bob}},
		{`emails[type eq "home"].value eq "alice@corp.local"`, nil},
		{`active eq false`, []string{bob}},
		{`active eq true`, []string{alice, carol}},
		{`meta.lastModified gt "2000-01-01T00:00:00Z"`, []string{alice, bob, carol}},
		{`meta.lastModified gt "2999-01-01T00:00:00Z"`, nil},
		// values are escaped, never interpreted as LDAP filter syntax
		{`userName eq "carol*(x)\\@corp.local"`, []string{carol}},
		{`userName eq "*"`, nil},
		{`userName eq "a)(uid=*"`, nil},
	}
	for _, c := range cases {
		t.Run(c.filter, func(t *testing.T) {
			r := b.do("GET", "/Users?filter="+url.QueryEscape(c.filter), "").want(t, http.StatusOK)
			got := map[string]bool{}
			res, _ := r.body["Resources"].([]interface{})
			for _, x := range res {
				got[str(x, "id")] = true
			}
			if len(got) != len(c.want) || str(r.body, "totalResults") != fmt.Sprint(len(c.want)) {
				t.Fatalf("got %d (totalResults %s), want %d: %s", len(got), str(r.body, "totalResults"), len(c.want), r.raw)
			}
			for _, id := range c.want {
				if !got[id] {
					t.Errorf("missing %s", id)
				}
			}
		})
	}
	t.Run("Okta agent form with + for spaces", func(t *testing.T) {
		r := b.do("GET", "/Users?filter=userName+eq+%22ALICE%40corp.local%22&startIndex=1&count=100", "").want(t, http.StatusOK)
		if str(r.body, "Resources.0.id") != alice {
			t.Errorf("%s", r.raw)
		}
	})
	for _, bad := range []string{`userName`, `userName eq`, `nickName eq "x"`, `foo eq "x"`, `userName eq "x"))`, `active gt true`, strings.Repeat("(", 100) + `userName eq "x"` + strings.Repeat(")", 100)} {
		t.Run("invalid "+bad[:min(len(bad), 20)], func(t *testing.T) {
			b.do("GET", "/Users?filter="+url.QueryEscape(bad), "").wantError(t, http.StatusBadRequest, "invalidFilter")
		})
	}
}
