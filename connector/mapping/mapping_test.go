package mapping

import (
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
)

// TestMappingErrorsNameTheYAMLPath: a mapping the translation cannot honour
// fails at start-up, naming the entry and how to write it, rather than
// writing nothing at the first request.
func TestMappingErrorsNameTheYAMLPath(t *testing.T) {
	tests := []struct {
		name string
		m    config.AttributeMapping
		want []string
	}{
		{"template selector render cannot use", config.AttributeMapping{LDAP: "cn", Template: `{emails[value eq "a"].value}`},
			[]string{"users.attributes[0].template", `[type eq "work"]`}},
		{"default selector render cannot use", config.AttributeMapping{LDAP: "cn", SCIM: "displayName", Default: `{emails[primary eq false].value}`},
			[]string{"users.attributes[0].default", "[primary eq true]"}},
		{"template not a path", config.AttributeMapping{LDAP: "cn", Template: `{name..givenName}`},
			[]string{"users.attributes[0].template", "not a SCIM attribute path"}},
		{"template unclosed", config.AttributeMapping{LDAP: "cn", Template: `{userName`},
			[]string{"users.attributes[0].template", "without '}'"}},
		{"scim selector", config.AttributeMapping{LDAP: "mail", SCIM: `emails[display eq "x"].value`},
			[]string{"users.attributes[0].scim", `[type eq "work"]`}},
		{"reserved", config.AttributeMapping{LDAP: "uid", SCIM: "userName"},
			[]string{"users.attributes[0].scim", "users.userNameAttribute"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := []config.AttributeMapping{tt.m}
			schemas, _ := UserSchemas(list)
			_, err := Compile("users", list, schemas, UserReserved)
			if err == nil {
				t.Fatalf("%+v compiled", tt.m)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	ok := []config.AttributeMapping{
		{LDAP: "cn", Template: `{name.givenName} {name.familyName}`},
		{LDAP: "mail", Template: `{emails[type eq "work"].value}`},
		{LDAP: "displayName", Template: `{emails[primary eq true].value}`},
	}
	schemas, _ := UserSchemas(ok)
	if _, err := Compile("users", ok, schemas, UserReserved); err != nil {
		t.Errorf("valid templates refused: %v", err)
	}
}
