package connector_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestOktaSpecTest replays Okta's "SCIM 2.0 SPEC Test" (the Runscope suite
// Okta asks integrators to pass; step list in shared/notes/clients.md §6)
// with its headers, bodies and assertions, and checks the directory after
// the create.
func TestOktaSpecTest(t *testing.T) {
	b := newBed(t)
	oktaGET := []string{
		"Accept: application/scim+json", "Content-Type: application/scim+json; charset=utf-8",
		"Accept-Charset: utf-8", "User-Agent: OKTA SCIM Integration",
	}
	// "Create at least one user in your SCIM server before running".
	b.create(userBody("seed.user@example.com", "Seed", "User", "Seed-Pass-1"))

	const (
		invalidUserEmail       = "abcdefgh@example.com"
		userIDThatDoesNotExist = "010101001010101011001010101011"
		given, family          = "Runscope301", "random"
		userName               = given + family + "@example.com"
	)
	q := func(f string) string { return "/Users?filter=" + url.QueryEscape(f) }

	// 1. Required: Test Users endpoint.
	r := b.do("GET", "/Users?count=1&startIndex=1", "", oktaGET...).want(t, http.StatusOK)
	if !hasSchema(r.body, "urn:ietf:params:scim:api:messages:2.0:ListResponse") {
		t.Fatalf("step 1: no ListResponse schema: %s", r.raw)
	}
	for _, k := range []string{"itemsPerPage", "startIndex", "totalResults"} {
		if _, isNum := get(r.body, k).(interface{ Int64() (int64, error) }); !isNum {
			t.Errorf("step 1: %s is not a number: %s", k, r.raw)
		}
	}
	for _, k := range []string{"id", "name.familyName", "name.givenName", "userName", "active", "emails.0.value"} {
		if str(r.body, "Resources.0."+k) == "" {
			t.Errorf("step 1: Resources[0].%s is empty: %s", k, r.raw)
		}
	}
	isvUserID := str(r.body, "Resources.0.id")

	// 2. Required: Get Users/{{id}}.
	r = b.do("GET", "/Users/"+isvUserID, "", oktaGET...).want(t, http.StatusOK)
	if str(r.body, "id") != isvUserID || str(r.body, "emails.0.value") == "" || str(r.body, "active") != "true" {
		t.Errorf("step 2: %s", r.raw)
	}

	// 3. Required: Test invalid User by username.
	r = b.do("GET", q(`userName eq "`+invalidUserEmail+`"`), "", oktaGET...).want(t, http.StatusOK)
	if str(r.body, "totalResults") != "0" || !hasSchema(r.body, "urn:ietf:params:scim:api:messages:2.0:ListResponse") {
		t.Errorf("step 3: %s", r.raw)
	}

	// 4. Required: Test invalid User by ID.
	b.do("GET", "/Users/"+userIDThatDoesNotExist, "", oktaGET...).wantError(t, http.StatusNotFound, "")

	// 5. Required: Make sure random user doesn't exist.
	r = b.do("GET", q(`userName eq "`+userName+`"`), "", oktaGET...).want(t, http.StatusOK)
	if str(r.body, "totalResults") != "0" {
		t.Errorf("step 5: %s", r.raw)
	}

	// 6. Required: Create Okta user with realistic values (POST sends
	// application/json).
	create := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + userName +
		`","name":{"givenName":"` + given + `","familyName":"` + family + `"},"emails":[{"primary":true,"value":"` + userName +
		`","type":"work"}],"displayName":"` + given + ` ` + family + `","active":true}`
	post := []string{"Content-Type: application/json", "Accept: application/scim+json; charset=utf-8"}
	r = b.do("POST", "/Users", create, post...).want(t, http.StatusCreated)
	idUserOne := str(r.body, "id")
	if idUserOne == "" || str(r.body, "active") != "true" || str(r.body, "name.familyName") != family ||
		str(r.body, "name.givenName") != given || str(r.body, "userName") != userName ||
		!hasSchema(r.body, "urn:ietf:params:scim:schemas:core:2.0:User") {
		t.Errorf("step 6: %s", r.raw)
	}
	e := b.entry(userName, "entryUUID", "sn", "givenName", "mail", "cn", "displayName")
	if e == nil || e["entryuuid"][0] != idUserOne || e["sn"][0] != family || e["mail"][0] != userName || e["cn"][0] != given+" "+family {
		t.Errorf("step 6: directory entry %v", e)
	}

	// 7. Required: Verify that user was created.
	r = b.do("GET", "/Users/"+idUserOne, "", oktaGET...).want(t, http.StatusOK)
	if str(r.body, "userName") != userName || str(r.body, "name.familyName") != family || str(r.body, "name.givenName") != given {
		t.Errorf("step 7: %s", r.raw)
	}

	// 8. Required: Expect failure when recreating user with same values.
	b.do("POST", "/Users", create, post...).wantError(t, http.StatusConflict, "uniqueness")

	// 9. Required: Username Case Sensitivity Check.
	r = b.do("GET", q(`userName eq "`+strings.ToUpper(userName)+`"`), "", oktaGET...).want(t, http.StatusOK)
	if str(r.body, "totalResults") != "1" || str(r.body, "Resources.0.id") != idUserOne {
		t.Errorf("step 9: uppercase userName did not find the user: %s", r.raw)
	}

	// 11. Required: Check status 401.
	r = b.do("GET", q(`userName eq "`+strings.ToUpper(userName)+`"`), "", append(oktaGET, "Authorization: non-token")...)
	r.wantError(t, http.StatusUnauthorized, "")
	if r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("step 11: 401 without WWW-Authenticate")
	}

	// 12. Required: Check status 404.
	b.do("GET", "/Users/00919288221112222", "", oktaGET...).wantError(t, http.StatusNotFound, "")
}
