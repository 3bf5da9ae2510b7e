package connector_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
)

// TestWriteRoundTrips pins the LDAP operations each SCIM write sends with
// examples/openldap.yaml (memberOf, membershipCleanup: directory), after
// the bridge's one-time root DSE read: a round trip more is a regression
// of issue 16's "writes at the directory's speed".
func TestWriteRoundTrips(t *testing.T) {
	dir := usersDir(t, 20)
	b := newBenchBridge(t, dir)
	// Connections and the root DSE (Post-Read, Assertion) are read once.
	warm := b.idOf("user000000@example.com")
	b.do(http.StatusOK, "PATCH", "/Users/"+warm, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Warm"}]}`)
	b.ops.take()
	want := func(what string, ops map[string]int) {
		t.Helper()
		if got := b.ops.take(); !maps.Equal(got, ops) {
			t.Errorf("%s: LDAP operations %v, want %v", what, got, ops)
		}
	}
	id := b.idOf("user000001@example.com")
	want("lookup by userName", map[string]int{"search": 1})
	patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` +
		`{"op":"Replace","path":"title","value":"Engineer"},` +
		`{"op":"Replace","path":"phoneNumbers[type eq \"work\"].value","value":"+1 555 0100"}]}`
	b.do(http.StatusOK, "PATCH", "/Users/"+id, patch)
	// A lookup by filter leaves the DN only: the id lookup (the PATCH
	// needs the values it applies to) and the modify, which answers with
	// the entry (Post-Read).
	want("PATCH after a lookup by filter", map[string]int{"search": 1, "modify": 1})
	// That answer is the entry with its version: the next PATCH is
	// computed against it and sent as one modify, conditional on that
	// version.
	b.do(http.StatusOK, "PATCH", "/Users/"+id+"?attributes=userName", strings.ReplaceAll(patch, "Engineer", "Lead"))
	want("PATCH after a PATCH", map[string]int{"modify": 1})
	unseen := "/Users/" + newBenchBridge(t, dir).idOf("user000003@example.com")
	b.do(http.StatusOK, "PATCH", unseen, patch)
	want("PATCH of a user this bridge has not seen", map[string]int{"search": 1, "modify": 1})
	b.do(http.StatusOK, "GET", unseen, "")
	b.ops.take()
	b.do(http.StatusOK, "PATCH", unseen, strings.ReplaceAll(patch, "Engineer", "Lead"))
	want("PATCH after a GET", map[string]int{"modify": 1})
	b.do(http.StatusOK, "PATCH", "/Users/"+id, strings.ReplaceAll(patch, "Engineer", "Lead"))
	// Nothing to write: the remembered entry may be stale, so it is read,
	// and answered as read.
	want("PATCH that changes nothing", map[string]int{"search": 1})
	raw := b.do(http.StatusOK, "GET", "/Users/"+id, "")
	want("GET", map[string]int{"search": 1})
	var doc map[string]interface{}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	same, _ := json.Marshal(doc)
	b.do(http.StatusOK, "PUT", "/Users/"+id, string(same))
	want("PUT that changes nothing", map[string]int{"search": 1})
	doc["title"] = "Manager"
	put, _ := json.Marshal(doc)
	b.do(http.StatusOK, "PUT", "/Users/"+id, string(put))
	want("PUT", map[string]int{"modify": 1})
	doc["password"] = "Secret-123-abc"
	pw, _ := json.Marshal(doc)
	b.do(http.StatusOK, "PUT", "/Users/"+id, string(pw))
	// A password takes the usual way: the id lookup, the stored hash
	// read to compare (a PUT must not rewrite an unchanged password), the
	// Password Modify operation and the entry read back after it.
	want("PUT with a new password", map[string]int{"search": 3, "password modify": 1})
	created := b.do(http.StatusCreated, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new@example.com","name":{"givenName":"N","familyName":"W"}}`)
	// The userName check, the add, and the read back of the new entry
	// (go-ldap returns no Post-Read answer for an add).
	want("POST", map[string]int{"search": 2, "add": 1})
	var c struct{ ID string }
	if err := json.Unmarshal(created, &c); err != nil {
		t.Fatal(err)
	}
	b.do(http.StatusNoContent, "DELETE", "/Users/"+c.ID, "")
	// By the DN the create left, with the Assertion control on the id.
	want("DELETE of a user this bridge created", map[string]int{"delete": 1})
	b.do(http.StatusNoContent, "DELETE", "/Users/"+id, "")
	want("DELETE of a user this bridge read", map[string]int{"delete": 1})
	other := b.idOf("user000002@example.com")
	b.ops.take()
	b.do(http.StatusNoContent, "DELETE", "/Users/"+other, "")
	want("DELETE after a lookup by filter", map[string]int{"delete": 1})
	never := "0a1b2c3d-0000-4000-8000-000000000000"
	b.do(http.StatusNotFound, "DELETE", "/Users/"+never, "")
	want("DELETE of an unknown id", map[string]int{"search": 1})
}

// TestRememberedDNHeals changes entries through a second bridge (a cache
// is per process) and checks that the first, which remembers their DNs,
// neither deletes the wrong entry nor keeps a stale DN: its write fails,
// it forgets the DN, looks the id up again and retries once.
func TestRememberedDNHeals(t *testing.T) {
	dir := usersDir(t, 20)
	a, b := newBenchBridge(t, dir), newBenchBridge(t, dir)
	user := func(name string) string {
		raw := b.do(http.StatusCreated, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+name+`","name":{"givenName":"N","familyName":"W"}}`)
		var c struct{ ID string }
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	rename := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"userName","value":"renamed@example.com"}]}`

	// Renamed (a new DN) by the other bridge: a's delete by the old DN
	// finds nothing there, and the retry deletes the entry at its new DN.
	moved := user("moved@example.com")
	a.do(http.StatusOK, "GET", "/Users/"+moved, "")
	b.do(http.StatusOK, "PATCH", "/Users/"+moved, rename)
	a.ops.take()
	a.do(http.StatusNoContent, "DELETE", "/Users/"+moved, "")
	if got := a.ops.take(); got["delete"] != 2 || got["search"] != 1 {
		t.Errorf("delete after a rename elsewhere: %v, want 2 deletes and 1 search", got)
	}
	b.do(http.StatusNotFound, "GET", "/Users/"+moved, "")

	// Deleted and created again with the same userName (so the same DN,
	// a new id) by the other bridge: a must not delete the new user.
	old := user("again@example.com")
	a.do(http.StatusOK, "GET", "/Users/"+old, "")
	b.do(http.StatusNoContent, "DELETE", "/Users/"+old, "")
	fresh := user("again@example.com")
	a.do(http.StatusNotFound, "DELETE", "/Users/"+old, "")
	b.do(http.StatusOK, "GET", "/Users/"+fresh, "")
	// The stale DN is forgotten: the next delete of the old id searches.
	a.ops.take()
	a.do(http.StatusNotFound, "DELETE", "/Users/"+old, "")
	if got := a.ops.take(); got["delete"] != 0 || got["search"] != 1 {
		t.Errorf("second delete of a gone id: %v, want one search and no delete", got)
	}
	a.do(http.StatusNoContent, "DELETE", "/Users/"+fresh, "")
	b.do(http.StatusNotFound, "GET", "/Users/"+fresh, "")

	// Changed by the other bridge since a read it: a's PATCH computed
	// against the remembered entry fails its version assertion, so a
	// reads the entry, applies the PATCH to what b wrote, and remembers
	// the new version.
	title := func(v string) string {
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"` + v + `"}]}`
	}
	display := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Shown Elsewhere"}]}`
	changed := user("changed@example.com")
	a.do(http.StatusOK, "PATCH", "/Users/"+changed, title("Warm")) // a reads the root DSE once
	a.do(http.StatusOK, "GET", "/Users/"+changed, "")
	b.do(http.StatusOK, "PATCH", "/Users/"+changed, display)
	a.ops.take()
	raw := a.do(http.StatusOK, "PATCH", "/Users/"+changed, title("Changed"))
	if got := a.ops.take(); got["modify"] != 2 || got["search"] != 1 {
		t.Errorf("PATCH after a change elsewhere: %v, want 2 modifies and 1 search", got)
	}
	if !strings.Contains(string(raw), "Shown Elsewhere") || !strings.Contains(string(raw), `"Changed"`) {
		t.Errorf("PATCH after a change elsewhere answered %s, want both changes", raw)
	}
	raw = b.do(http.StatusOK, "GET", "/Users/"+changed, "")
	if !strings.Contains(string(raw), "Shown Elsewhere") || !strings.Contains(string(raw), `"Changed"`) {
		t.Errorf("after both PATCHes the user is %s, want both changes", raw)
	}
	a.ops.take()
	a.do(http.StatusOK, "PATCH", "/Users/"+changed, title("Again"))
	if got := a.ops.take(); got["modify"] != 1 || got["search"] != 0 {
		t.Errorf("PATCH after the retry: %v, want one modify", got)
	}

	// Deleted by the other bridge: a answers 404, not a stale entry.
	b.do(http.StatusNoContent, "DELETE", "/Users/"+changed, "")
	a.do(http.StatusNotFound, "PATCH", "/Users/"+changed, title("Gone"))
}
