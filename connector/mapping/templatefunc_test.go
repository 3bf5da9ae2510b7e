package mapping

import (
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
)

// Template functions turn a client's userName or displayName into what
// Active Directory takes: a UPN whichever shape userName has, and a
// sAMAccountName within its length and characters.
func TestTemplateFunctions(t *testing.T) {
	tests := []struct {
		template, userName, want string
	}{
		{"{userName|upn:example.com}", "jo", "jo@example.com"},
		{"{userName|upn:example.com}", "jo@example.com", "jo@example.com"},
		{"{userName|upn:@example.com}", "jo", "jo@example.com"},
		{"{userName}@example.com", "jo", "jo@example.com"},
		{"{userName|localPart}", "jo.smith@example.com", "jo.smith"},
		{"{userName|localPart}", "jo", "jo"},
		{"{userName|localPart|samAccountName}", "jonathan.maximilian.smith@example.com", "jonathan.maximilian."[:19]},
		{"{userName|samAccountName}", `a/b\c[d]:e;f|g=h,i+j*k?l<m>n"`, "a_b_c_d__e_f_g_h_i_j"},
		{"{userName|samAccountName}", "trailing.dots...", "trailing.dots"},
		{"{userName|samAccountName:64}", "R&D / EMEA", "R&D _ EMEA"},
		{"{userName|samAccountName:5}", "ü-ñü-ñ", "ü-ñü-"},
		{"{userName|maxLength:3}", "abcdef", "abc"},
		{"{userName|lower}", "Jo.Smith", "jo.smith"},
		{"{ userName | LOCALPART | samaccountname }", "a.b@c", "a.b"},
	}
	for _, tt := range tests {
		t.Run(tt.template+" "+tt.userName, func(t *testing.T) {
			list := []config.AttributeMapping{{LDAP: "x", Template: tt.template}}
			schemas, _ := UserSchemas(list)
			m, err := Compile("users", list, schemas, UserReserved)
			if err != nil {
				t.Fatal(err)
			}
			got := m.ToLDAP(map[string]interface{}{"userName": tt.userName})["x"]
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("%s with userName %q = %q, want %q", tt.template, tt.userName, got, tt.want)
			}
		})
	}
}

func TestTemplateFunctionErrors(t *testing.T) {
	tests := []struct{ template, want string }{
		{"{userName|nope}", `unknown function "nope"; known: localPart, lower, maxLength, samAccountName, upn`},
		{"{userName|upn}", "upn needs the UPN suffix"},
		{"{userName|upn:}", "upn needs the UPN suffix"},
		{"{userName|samAccountName:0}", "from 1 to 256"},
		{"{userName|maxLength}", "positive number"},
		{"{userName|localPart:3}", "takes no argument"},
		{"{userName|}", "unknown function"},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			list := []config.AttributeMapping{{LDAP: "x"}, {LDAP: "y", Template: tt.template}}
			list[0].Template = "{userName}"
			schemas, _ := UserSchemas(list)
			_, err := Compile("users", list, schemas, UserReserved)
			if err == nil || !strings.Contains(err.Error(), "users.attributes[1].template") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want users.attributes[1].template and %q", err, tt.want)
			}
		})
	}
}
