package connector_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// On slapd, which offers the Post-Read control, a PATCH or PUT is the id
// lookup and the modify: the modify's answer carries the entry, so there
// is no read back. Here the bridge has read the entry (the lookup, then the
// GET of each step), so the lookup goes too: the update is computed against
// the entry it remembers and the modify is conditional on its version
// (TestWriteRoundTrips pins the lookup for an entry not seen). The answer
// must still be the resource exactly as a GET reads it afterwards.
func TestUpdateWithoutReadBack(t *testing.T) {
	t.Parallel() // its own slapd
	b := newBenchBridge(t, usersDir(t, 10))
	for range ldapstore.DefaultPoolSize { // the pool dials lazily: fill it first
		b.idOf("user000001@example.com")
	}
	id := b.idOf("user000003@example.com")
	// The first write reads the root DSE for supportedControl.
	b.do(http.StatusOK, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"warm-up"}]}`)
	tests := []struct {
		name, method, body string
	}{
		{"PATCH", "PATCH", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Engineer"}]}`},
		{"PUT", "PUT", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"user000003@example.com","name":{"givenName":"Given","familyName":"Family"},"title":"Lead","active":true}`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.ops.take()
			got := b.do(http.StatusOK, tt.method, "/Users/"+id, tt.body)
			if ops := b.ops.take(); len(ops) != 1 || ops["modify"] != 1 {
				t.Errorf("LDAP operations %v, want the modify alone", ops)
			}
			want := b.do(http.StatusOK, "GET", "/Users/"+id, "")
			if !bytes.Equal(got, want) {
				t.Errorf("%s answered\n%s\nGET reads\n%s", tt.method, got, want)
			}
			title := []string{"Engineer", "Lead"}[i]
			if e := b.dir.Entry(t, "uid=user000003@example.com,ou=People,dc=example,dc=com", "title"); fmt.Sprint(e["title"]) != "["+title+"]" {
				t.Errorf("directory holds title %v, want %s", e["title"], title)
			}
		})
	}
}
