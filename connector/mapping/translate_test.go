package mapping

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
)

// exampleUsers compiles users.attributes of examples/openldap.yaml, the
// mapping most installations start from.
func exampleUsers(t *testing.T) *Mapping {
	t.Helper()
	cfg, err := config.Load("../../examples/openldap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	schemas, _ := UserSchemas(cfg.Users.Attributes)
	m, err := Compile("users", cfg.Users.Attributes, schemas, UserReserved)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func decode(t *testing.T, body string) map[string]interface{} {
	t.Helper()
	var doc map[string]interface{}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return doc
}

// TestToLDAP: the documents real clients send become these attributes.
// Only attributes with a value are listed; every other mapped attribute
// must come out empty (nil: "clear it").
func TestToLDAP(t *testing.T) {
	m := exampleUsers(t)
	tests := []struct {
		name string
		doc  string
		want map[string][]string
	}{
		{"Okta cloud create",
			`{"userName":"alice@example.com","name":{"givenName":"Alice","familyName":"Anders"},
			  "emails":[{"primary":true,"value":"alice@example.com","type":"work"}],"displayName":"Alice Anders","active":true}`,
			map[string][]string{"givenName": {"Alice"}, "sn": {"Anders"}, "cn": {"Alice Anders"}, "displayName": {"Alice Anders"}, "mail": {"alice@example.com"}}},
		{"no name: sn and cn fall back to userName",
			`{"userName":"bob"}`,
			map[string][]string{"sn": {"bob"}, "cn": {"bob"}}},
		{"attribute names are case-insensitive",
			`{"USERNAME":"c","Name":{"GivenName":"Cé"},"EMAILS":[{"VALUE":"c@x.org","TYPE":"Work"}]}`,
			map[string][]string{"givenName": {"Cé"}, "sn": {"c"}, "cn": {"Cé"}, "mail": {"c@x.org"}}},
		{"Okta agent: type primary falls back to the first mapping",
			`{"userName":"d","emails":[{"value":"d@x.org","type":"primary","primary":true}]}`,
			map[string][]string{"sn": {"d"}, "cn": {"d"}, "mail": {"d@x.org"}}},
		{"phone numbers by type",
			`{"userName":"e","phoneNumbers":[{"value":"+1 555","type":"work"},{"value":"+1 666","type":"mobile"}]}`,
			map[string][]string{"sn": {"e"}, "cn": {"e"}, "telephoneNumber": {"+1 555"}, "mobile": {"+1 666"}}},
		{"extensions and externalId",
			`{"userName":"f","externalId":"00u1","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","organization":"Example"},
			  "urn:okta:onprem_app:1.0:user:custom":{"departmentName":"Research"}}`,
			map[string][]string{"sn": {"f"}, "cn": {"f"}, "employeeNumber": {"00u1"}, "departmentNumber": {"R&D"}, "o": {"Example"}, "ou": {"Research"}}},
		{"the same value twice is one value (RFC 7643 §2.4)",
			`{"userName":"h","emails":[{"value":"h@x.org","type":"work"},{"value":"H@X.org","type":"work"},{"value":"h2@x.org","type":"work"}]}`,
			map[string][]string{"sn": {"h"}, "cn": {"h"}, "mail": {"h@x.org", "h2@x.org"}}},
		{"a typed element of another type is not taken",
			`{"userName":"g","emails":[{"value":"home@x.org","type":"home"},{"value":"other@x.org","type":"other"}]}`,
			map[string][]string{"sn": {"g"}, "cn": {"g"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.ToLDAP(decode(t, tt.doc))
			for _, f := range m.Fields {
				if want := tt.want[f.LDAP]; !reflect.DeepEqual(got[f.LDAP], want) {
					t.Errorf("%s = %q, want %q", f.LDAP, got[f.LDAP], want)
				}
			}
			for attr := range tt.want {
				if _, ok := got[attr]; !ok {
					t.Errorf("%s is not mapped at all", attr)
				}
			}
		})
	}
}

// TestFromLDAP: an entry's attributes become this document. Derived
// attributes (cn) are never read back.
func TestFromLDAP(t *testing.T) {
	m := exampleUsers(t)
	tests := []struct {
		name  string
		entry map[string][]string
		want  string
	}{
		{"names, mail and derived cn",
			map[string][]string{"givenname": {"Alice"}, "sn": {"Anders"}, "cn": {"Alice Anders"}, "mail": {"alice@example.com"}},
			`{"name":{"givenName":"Alice","familyName":"Anders"},"emails":[{"value":"alice@example.com","type":"work","primary":true}]}`},
		{"two phone numbers, extensions",
			map[string][]string{"telephonenumber": {"+1 555"}, "mobile": {"+1 666"}, "departmentnumber": {"R&D"}, "ou": {"Research"}, "employeenumber": {"00u1"}},
			`{"phoneNumbers":[{"value":"+1 555","type":"work","primary":true},{"value":"+1 666","type":"mobile"}],"externalId":"00u1",
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D"},
			  "urn:okta:onprem_app:1.0:user:custom":{"departmentName":"Research"}}`},
		{"nothing mapped", map[string][]string{"objectclass": {"inetOrgPerson"}}, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := map[string]interface{}{}
			m.FromLDAP(func(attr string) []string { return tt.entry[strings.ToLower(attr)] }, doc)
			got, _ := json.Marshal(doc)
			want, _ := json.Marshal(decode(t, tt.want))
			if string(got) != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// TestRoundTrip: what a client writes reads back the same, for every
// non-derived attribute of the example.
func TestRoundTrip(t *testing.T) {
	m := exampleUsers(t)
	in := decode(t, `{"name":{"givenName":"Zoë","familyName":"Núñez"},"displayName":"Zoë Núñez","title":"Engineer","preferredLanguage":"es",
		"emails":[{"value":"zoe@example.com","type":"work","primary":true}],
		"phoneNumbers":[{"value":"+34 1","type":"work","primary":true},{"value":"+34 2","type":"mobile"}],"externalId":"x1",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D","organization":"O"},
		"urn:okta:onprem_app:1.0:user:custom":{"departmentName":"DN"}}`)
	attrs := m.ToLDAP(in)
	lower := map[string][]string{}
	for k, v := range attrs {
		lower[strings.ToLower(k)] = v
	}
	delete(lower, "cn") // derived: written, never read back
	out := map[string]interface{}{}
	m.FromLDAP(func(attr string) []string { return lower[strings.ToLower(attr)] }, out)
	a, _ := json.Marshal(in)
	b, _ := json.Marshal(out)
	if string(a) != string(b) {
		t.Errorf("round trip changed the document:\nin  %s\nout %s", a, b)
	}
}

// TestProjection: which attributes a response keeps (RFC 7644 §3.4.2.5).
func TestProjection(t *testing.T) {
	doc := func() map[string]interface{} {
		return decode(t, `{"schemas":["s"],"id":"1","userName":"u","name":{"givenName":"g","familyName":"f"},
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d","organization":"o"}}`)
	}
	tests := []struct {
		name, attributes, excluded string
		want                       string
	}{
		{"default", "", "", `{"id":"1","name":{"familyName":"f","givenName":"g"},"schemas":["s"],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d","organization":"o"},"userName":"u"}`},
		{"attributes keeps id and schemas", "userName", "", `{"id":"1","schemas":["s"],"userName":"u"}`},
		{"sub-attribute", "name.givenName", "", `{"id":"1","name":{"givenName":"g"},"schemas":["s"]}`},
		{"URN-prefixed core name", "urn:ietf:params:scim:schemas:core:2.0:User:userName", "", `{"id":"1","schemas":["s"],"userName":"u"}`},
		{"extension attribute", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "", `{"id":"1","schemas":["s"],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d"}}`},
		{"excluded", "", "name,userName", `{"id":"1","schemas":["s"],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d","organization":"o"}}`},
		{"id cannot be excluded", "", "id", `{"id":"1","name":{"familyName":"f","givenName":"g"},"schemas":["s"],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"d","organization":"o"},"userName":"u"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := doc()
			ParseProjection(map[string][]string{"attributes": {tt.attributes}, "excludedAttributes": {tt.excluded}}).Apply(d)
			got, _ := json.Marshal(d)
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestUnmapped: what a client sends that the example does not store is
// named by its path; what it stores, what the bridge keeps itself and
// empty values are not.
func TestUnmapped(t *testing.T) {
	m := exampleUsers(t)
	builtin := func(k string) bool {
		return ContainsFold([]string{"userName", "id", "meta", "schemas", "groups", "active", "password"}, k)
	}
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"Okta create: locale is not stored", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","name":{"givenName":"A","familyName":"B"},
			"emails":[{"primary":true,"value":"a@x.org","type":"work","display":"a@x.org"}],"displayName":"A B","locale":"en-US","externalId":"1","groups":[],"password":"p","active":true}`,
			[]string{"locale"}},
		{"sub-attributes and elements", `{"name":{"givenName":"A","formatted":"A B","middleName":""},"nickName":"Al",
			"emails":[{"value":"a@x.org","type":"work"},{"value":"h@x.org","type":"home"}],"phoneNumbers":[{"value":"1","type":"mobile"}],
			"addresses":[{"streetAddress":"x"}]}`,
			[]string{"addresses", "emails[type eq \"home\"]", "name.formatted", "nickName"}},
		{"extensions", `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"D","costCenter":"C","division":"V"},
			"urn:example:unknown:1.0":{"x":"y"},"urn:okta:onprem_app:1.0:user:custom":{"departmentName":"N"}}`,
			[]string{"urn:example:unknown:1.0", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division"}},
		// The example maps manager as a reference: its id and the computed
		// displayName and $ref are all accepted.
		{"a reference", `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"x","displayName":"M","$ref":"../Users/x"}}}`, nil},
		{"nothing to report", `{"userName":"a","title":null,"emails":[],"name":{}}`, nil},
		{"core URN as a key", `{"urn:ietf:params:scim:schemas:core:2.0:User":{"title":"T","nickName":"N"}}`, []string{"nickName"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.Unmapped(decode(t, tt.doc), "urn:ietf:params:scim:schemas:core:2.0:User", builtin)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		urn, name, sub string
		value          string
		want           []string
	}{
		{"", "name", "givenName", `"A"`, nil},
		{"", "name", "honorificPrefix", `"Dr"`, []string{"name.honorificPrefix"}},
		{"", "emails", "", `[{"value":"a@x.org","type":"other"}]`, []string{`emails[type eq "other"]`}},
		{"", "emails", "", `{"value":"a@x.org","type":"work"}`, nil},
		{"urn:okta:onprem_app:1.0:user:custom", "departmentName", "", `"x"`, nil},
		{"urn:okta:onprem_app:1.0:user:custom", "costCenter", "", `"x"`, []string{"urn:okta:onprem_app:1.0:user:custom:costCenter"}},
	} {
		var v interface{}
		if err := json.Unmarshal([]byte(tt.value), &v); err != nil {
			t.Fatal(err)
		}
		if got := m.UnmappedAt(tt.urn, tt.name, tt.sub, v); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("UnmappedAt(%q, %q, %q, %s) = %q, want %q", tt.urn, tt.name, tt.sub, tt.value, got, tt.want)
		}
	}
}
