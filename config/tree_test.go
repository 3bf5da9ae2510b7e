package config

import (
	"strings"
	"testing"
)

func TestTreeValidation(t *testing.T) {
	base := `
ldap:
  urls: [ldap://127.0.0.1:389]
server:
  auth:
    bearerTokens: [t0123456789abcdef]
users:
  baseDN: ou=People,dc=example,dc=com
`
	tests := []struct {
		name, yaml string
		want       []string // empty: valid
	}{
		{"valid tree", `  baseDNs: ["ou=Disabled Users,dc=example,dc=com"]
  placement:
    createContainers: true
    containerClass: organizationalUnit
    rules:
      - when: 'enterprise.department != ""'
        container: "ou={enterprise.department},ou=People,dc=example,dc=com"
  onDeactivate:
    moveTo: "ou=Disabled Users,dc=example,dc=com"
    set: [{ldap: description, template: "Disabled by scim2ldap {now}"}]
  attributes:
    - {ldap: uid, template: '{regexReplace(lower(userName), "a{2}", "")}', unique: true, maxLength: 20}
    - {ldap: uidNumber, allocateFrom: 10000}
`, nil},
		{"bad base", "  baseDNs: [\"not a dn\"]\n", []string{"users.baseDNs[0]"}},
		{"container class", "  placement: {containerClass: folder}\n", []string{"users.placement.containerClass"}},
		{"rule without container", "  placement: {rules: [{when: 'true'}]}\n", []string{"users.placement.rules[0].container", "missing"}},
		{"set without template", "  onDeactivate: {set: [{ldap: description}]}\n", []string{"users.onDeactivate.set[0].template"}},
		{"unique without template", "  attributes: [{ldap: uid, scim: userName, unique: true}]\n", []string{"users.attributes[0].unique", "needs a template"}},
		{"allocate with template", "  attributes: [{ldap: uidNumber, template: x, allocateFrom: 1}]\n", []string{"users.attributes[0].allocateFrom", "stands alone"}},
		{"maxLength alone", "  attributes: [{ldap: uid, template: x, maxLength: 3}]\n", []string{"users.attributes[0].maxLength"}},
		{"regenerate alone", "  attributes: [{ldap: uid, template: x, regenerate: true}]\n", []string{"users.attributes[0].regenerate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(base+tt.yaml), "test.yaml")
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
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
