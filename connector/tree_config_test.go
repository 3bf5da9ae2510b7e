package connector_test

import (
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// TestTreeConfigErrors: a tree the bridge could not serve is refused at
// start-up, and the error names the YAML path and the fix. No directory is
// contacted.
func TestTreeConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		tweak func(u *config.Users)
		want  []string
	}{
		{"overlapping bases", func(u *config.Users) { u.BaseDNs = []string{"ou=Staff,ou=People,dc=example,dc=com"} },
			[]string{"users.baseDNs", "overlap", "listed twice"}},
		{"container outside the bases", func(u *config.Users) {
			u.Placement.Rules = []config.PlacementRule{{Container: "ou={enterprise.department},ou=Staff,dc=example,dc=com"}}
		}, []string{"users.placement.rules[0].container", "not below users.baseDN or users.baseDNs", "add its base to users.baseDNs"}},
		{"disabled container outside the bases", func(u *config.Users) { u.OnDeactivate.MoveTo = "ou=Disabled Users,dc=example,dc=com" },
			[]string{"users.onDeactivate.moveTo", "not below"}},
		{"bad condition", func(u *config.Users) {
			u.Placement.Rules = []config.PlacementRule{{When: `enterprise.department ==`, Container: "ou=People,dc=example,dc=com"}}
		}, []string{"users.placement.rules[0].when"}},
		{"bad generated template", func(u *config.Users) {
			u.Attributes = append(u.Attributes, config.AttributeMapping{LDAP: "employeeType", Template: "{lower(userName, 3)}", Unique: true})
		}, []string{"users.attributes[", ".template"}},
		{"bad set template", func(u *config.Users) {
			u.OnDeactivate.Set = []config.SetAttribute{{LDAP: "description", Template: "Disabled {nosuch(now)}"}}
		}, []string{"users.onDeactivate.set[0].template", "nosuch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load("../examples/openldap.yaml")
			if err != nil {
				t.Fatal(err)
			}
			tt.tweak(&cfg.Users)
			store, err := ldapstore.Open(connector.StoreOptions(cfg, nil))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			_, err = connector.New(cfg, store, nil)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
