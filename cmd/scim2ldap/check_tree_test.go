package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// TestCheckTree runs check on examples/openldap-tree.yaml against a stock
// OpenLDAP, where ou=Disabled Users does not exist yet.
func TestCheckTree(t *testing.T) {
	dir := testldap.Start(t)
	raw, err := os.ReadFile("../../examples/openldap-tree.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write := func(replace ...string) string {
		s := strings.NewReplacer(append([]string{"${SCIM2LDAP_LDAP_URL:-ldap://127.0.0.1:3389}", dir.URL,
			"${SCIM2LDAP_LISTEN:-127.0.0.1:8080}", testldap.FreeAddr(t)}, replace...)...).Replace(string(raw))
		path := filepath.Join(t.TempDir(), "tree.yaml")
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name     string
		config   string
		wantCode int
		want     []string
	}{
		{name: "containers made on demand", config: write(), wantCode: 0, want: []string{
			"PASS ldap users.baseDNs[0]: ou=Disabled Users,dc=example,dc=com does not exist yet; the bridge creates it",
			"PASS ldap users.placement.rules[0].container: the parent of its containers, ou=People,dc=example,dc=com, exists",
			"PASS ldap container probe users.placement.rules[0].container: created and deleted ou=scim2ldap-check-",
			"PASS ldap write probe: created and deleted uid=scim2ldap-check-",
		}},
		{name: "containers not made", config: write("createContainers: true", "createContainers: false"), wantCode: 1, want: []string{
			"FAIL ldap users.onDeactivate.moveTo: ou=Disabled Users,dc=example,dc=com does not exist",
			"set users.placement.createContainers: true",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runCheck(t, "--config", tc.config, "--write-probe")
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d", code, tc.wantCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
		})
	}
}
