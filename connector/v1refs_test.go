package connector_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestV1References: on the SCIM 1.1 front the manager is the 1.1
// enterprise {"managerId", "displayName"} and nested groups work as on
// 2.0, without $ref, which SCIM 1.1 does not have.
func TestV1References(t *testing.T) {
	b := newBed(t)
	b.base = strings.TrimSuffix(b.base, "/v2") + "/v1"
	const core, ent = `"urn:scim:schemas:core:1.0"`, `"urn:scim:schemas:extension:enterprise:1.0"`
	user := func(name, extra string) string {
		t.Helper()
		return str(b.do("POST", "/Users", `{"schemas":[`+core+`,`+ent+`],"userName":"`+name+`","name":{"givenName":"V","familyName":"One"}`+extra+`}`).want(t, http.StatusCreated).body, "id")
	}
	boss, boss2 := user("v1.boss", ""), user("v1.boss2", "")
	r := b.do("POST", "/Users", `{"schemas":[`+core+`,`+ent+`],"userName":"v1.emp",`+ent+`:{"manager":{"managerId":"`+boss+`"}}}`).want(t, http.StatusCreated)
	emp := str(r.body, "id")
	manager := func(r resp) map[string]interface{} {
		ext, _ := r.body["urn:scim:schemas:extension:enterprise:1.0"].(map[string]interface{})
		m, _ := ext["manager"].(map[string]interface{})
		return m
	}
	if m := manager(r); m["managerId"] != boss || str(m, "displayName") == "" || m["value"] != nil || m["$ref"] != nil {
		t.Errorf("1.1 manager %v, want managerId %s with displayName only", m, boss)
	}
	if got := first(b.entry("v1.emp", "manager"), "manager"); !strings.EqualFold(got, "uid=v1.boss,"+b.dir.PeopleDN) {
		t.Errorf("stored manager %q", got)
	}
	// The agent's full PUT changes it.
	b.do("PUT", "/Users/"+emp, `{"schemas":[`+core+`,`+ent+`],"userName":"v1.emp",`+ent+`:{"manager":{"managerId":"`+boss2+`"}}}`).want(t, http.StatusOK)
	if got := first(b.entry("v1.emp", "manager"), "manager"); !strings.EqualFold(got, "uid=v1.boss2,"+b.dir.PeopleDN) {
		t.Errorf("stored manager after PUT %q", got)
	}
	if m := manager(b.do("GET", "/Users/"+emp, "").want(t, http.StatusOK)); m["managerId"] != boss2 {
		t.Errorf("GET 1.1 manager %v, want %s", m, boss2)
	}

	inner := str(b.do("POST", "/Groups", `{"schemas":[`+core+`],"displayName":"v1-inner"}`).want(t, http.StatusCreated).body, "id")
	outer := str(b.do("POST", "/Groups", `{"schemas":[`+core+`],"displayName":"v1-outer","members":[{"value":"`+emp+`"},{"value":"`+inner+`"}]}`).want(t, http.StatusCreated).body, "id")
	r = b.do("GET", "/Groups/"+outer, "").want(t, http.StatusOK)
	var got []string
	for _, m := range asSlice(r.body["members"]) {
		if get(m, "$ref") != nil {
			t.Errorf("a 1.1 member with $ref: %v", m)
		}
		got = append(got, str(m, "type")+":"+str(m, "value"))
	}
	if want := sorted("User:"+emp, "Group:"+inner); !equalStrings(sorted(got...), want) {
		t.Errorf("1.1 members %v, want %v", got, want)
	}
	// A cycle is refused on 1.1 too (the agent pushes groups by PUT).
	b.do("PUT", "/Groups/"+inner, `{"schemas":[`+core+`],"displayName":"v1-inner","members":[{"value":"`+outer+`"}]}`).want(t, http.StatusBadRequest)
}
