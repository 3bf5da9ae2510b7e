package mapping

import (
	"reflect"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
)

const entURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// TestReferenceValues: the example's manager reference in the shapes
// clients send. Ids are what MapRefs hands the connector to resolve; only
// resolved DNs (DN) ever reach ToLDAP, so an unresolved id is never
// written as if it were a DN.
func TestReferenceValues(t *testing.T) {
	m := exampleUsers(t)
	tests := []struct {
		name    string
		doc     map[string]interface{}
		ids     []interface{} // what MapRefs sees
		toLDAP  []string      // manager after ToLDAP
		present bool          // MapRefs is called at all
	}{
		{"{value: id}", map[string]interface{}{entURN: map[string]interface{}{"manager": map[string]interface{}{"value": "id1"}}}, []interface{}{"id1"}, nil, true},
		{"Entra's bare id", map[string]interface{}{entURN: map[string]interface{}{"manager": "id1"}}, []interface{}{"id1"}, nil, true},
		{"key case", map[string]interface{}{strings.ToLower(entURN): map[string]interface{}{"Manager": map[string]interface{}{"Value": " id1 "}}}, []interface{}{"id1"}, nil, true},
		{"stored DN", map[string]interface{}{entURN: map[string]interface{}{"manager": map[string]interface{}{"value": DN("uid=b,ou=p")}}}, []interface{}{DN("uid=b,ou=p")}, []string{"uid=b,ou=p"}, true},
		{"empty value", map[string]interface{}{entURN: map[string]interface{}{"manager": map[string]interface{}{"value": ""}}}, nil, nil, true},
		{"absent", map[string]interface{}{entURN: map[string]interface{}{"department": "D"}}, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.ToLDAP(tt.doc)["manager"]; !reflect.DeepEqual(got, tt.toLDAP) {
				t.Errorf("ToLDAP manager %q, want %q", got, tt.toLDAP)
			}
			called := false
			_ = m.MapRefs(tt.doc, func(f *Field, vals []interface{}) ([]interface{}, error) {
				called = true
				if !reflect.DeepEqual(vals, tt.ids) {
					t.Errorf("MapRefs values %#v, want %#v", vals, tt.ids)
				}
				return []interface{}{DN("uid=x,ou=p")}, nil
			})
			if called != tt.present {
				t.Fatalf("MapRefs called %v, want %v", called, tt.present)
			}
			if called {
				if got := m.ToLDAP(tt.doc)["manager"]; !reflect.DeepEqual(got, []string{"uid=x,ou=p"}) {
					t.Errorf("ToLDAP after resolving %q", got)
				}
			}
		})
	}
}

// TestReferenceRead: a stored DN reads back as a DN for the connector to
// resolve; the value object it resolves to keeps the sub-attributes the
// schema has (displayName, not display; no type for manager).
func TestReferenceRead(t *testing.T) {
	m := exampleUsers(t)
	doc := map[string]interface{}{}
	m.FromLDAP(func(attr string) []string {
		if attr == "manager" {
			return []string{"uid=b,ou=p"}
		}
		return nil
	}, doc)
	if got := m.StoredRefs(doc)["user"]; !reflect.DeepEqual(got, []string{"uid=b,ou=p"}) {
		t.Fatalf("StoredRefs %q", got)
	}
	_ = m.MapRefs(doc, func(*Field, []interface{}) ([]interface{}, error) {
		return []interface{}{map[string]interface{}{"value": "id1", "display": "Bo", "$ref": "https://x/Users/id1", "type": "User"}}, nil
	})
	want := map[string]interface{}{entURN: map[string]interface{}{"manager": map[string]interface{}{"value": "id1", "displayName": "Bo", "$ref": "https://x/Users/id1"}}}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("resolved %v, want %v", doc, want)
	}
	// A reference that resolves to nothing leaves no empty extension.
	_ = m.MapRefs(doc, func(*Field, []interface{}) ([]interface{}, error) { return nil, nil })
	if len(doc) != 0 {
		t.Errorf("after dropping the reference: %v", doc)
	}
}

// TestReferenceCompile: a complex reference is stored from value.
func TestReferenceCompile(t *testing.T) {
	schemas, _ := UserSchemas(nil)
	for _, tt := range []struct{ scim, err string }{
		{entURN + ":manager", ""},
		{entURN + ":manager.value", ""},
		{entURN + ":manager.displayName", "a reference is the target's id, in manager.value"},
	} {
		_, err := Compile("users", []config.AttributeMapping{{SCIM: tt.scim, LDAP: "manager", Reference: "user"}}, schemas, UserReserved)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: %v, want %q", tt.scim, err, tt.err)
		}
	}
}
