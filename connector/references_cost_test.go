package connector_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// TestUserPageManagersCostOneSearch measures what the manager reference
// costs a page of users: the DN→id resolution is batched, so a page of 100
// users, each with a manager (20 distinct), costs one search more than the
// same page without managers, not one per user.
func TestUserPageManagersCostOneSearch(t *testing.T) {
	dir := testldap.Start(t)
	b := newBenchBridge(t, dir)
	const n, bosses = 100, 20
	person := func(name string, extra map[string][]string) (string, map[string][]string) {
		attrs := map[string][]string{"objectClass": {"top", "person", "organizationalPerson", "inetOrgPerson"}, "uid": {name}, "cn": {name}, "sn": {name}}
		for k, v := range extra {
			attrs[k] = v
		}
		return "uid=" + name + "," + dir.PeopleDN, attrs
	}
	dir.MustAddMany(t, bosses, func(i int) (string, map[string][]string) { return person(fmt.Sprintf("boss%02d", i), nil) })
	dir.MustAddMany(t, n, func(i int) (string, map[string][]string) { return person(fmt.Sprintf("plain%03d", i), nil) })
	dir.MustAddMany(t, n, func(i int) (string, map[string][]string) {
		return person(fmt.Sprintf("managed%03d", i), map[string][]string{"manager": {fmt.Sprintf("uid=boss%02d,%s", i%bosses, dir.PeopleDN)}})
	})

	page := func(prefix string) (map[string]int, []byte) {
		b.ops.take()
		raw := b.do(http.StatusOK, "GET", "/Users?count=100&filter=userName%20sw%20%22"+prefix+"%22", "")
		return b.ops.take(), raw
	}
	// The bridge's first request also discovers the directory (root DSE,
	// schema): warm up before counting.
	page("plain")
	plainOps, _ := page("plain")
	managedOps, raw := page("managed")
	t.Logf("a page of %d users: %v without managers, %v with %d distinct managers", n, plainOps, managedOps, bosses)
	if managedOps["search"] != plainOps["search"]+1 {
		t.Errorf("searches for a page with managers: %d, want %d (one more than without)", managedOps["search"], plainOps["search"]+1)
	}
	var r struct {
		Resources []map[string]json.RawMessage
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Resources) != n {
		t.Fatalf("page: %v %s", err, raw)
	}
	for _, res := range r.Resources {
		var ext struct {
			Manager struct{ Value, DisplayName string } `json:"manager"`
		}
		_ = json.Unmarshal(res[enterpriseURN], &ext)
		if ext.Manager.Value == "" || ext.Manager.DisplayName == "" {
			t.Fatalf("a user without its manager on the page: %s", res[enterpriseURN])
		}
	}
}
