package main

import (
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// TestCheckStockExamples runs check --write-probe with each stock example
// against its directory's stock test bed, changed only through the
// environment variables the example documents: an admin who follows the
// example must get no FAIL and no WARN (a WARN that is wrong, such as AD's
// sAMAccountName said not to be allowed, teaches admins to ignore them).
func TestCheckStockExamples(t *testing.T) {
	for _, kind := range testldap.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			dir := testldap.Start(t, testldap.Options{Kind: kind})
			t.Setenv("SCIM2LDAP_LISTEN", testldap.FreeAddr(t))
			t.Setenv("SCIM2LDAP_BIND_DN", dir.BindDN)
			t.Setenv("SCIM2LDAP_BIND_PASSWORD", dir.BindPassword)
			example := "../../examples/openldap.yaml"
			rdn := "uid"
			switch kind {
			case testldap.OpenLDAP:
				t.Setenv("SCIM2LDAP_LDAP_URL", dir.URL)
			case testldap.DS389:
				example = "../../examples/389ds.yaml"
				t.Setenv("SCIM2LDAP_LDAP_URL", dir.URL) // with the example's startTLS
				t.Setenv("SCIM2LDAP_LDAP_CA_FILE", dir.CAFile)
				t.Setenv("SCIM2LDAP_LDAP_SERVER_NAME", dir.ServerName)
			case testldap.SambaAD:
				example = "../../examples/active-directory.yaml"
				rdn = "cn"
				t.Setenv("SCIM2LDAP_LDAP_URL", dir.LDAPSURL)
				t.Setenv("SCIM2LDAP_LDAP_CA_FILE", dir.CAFile)
			}
			code, out := runCheck(t, "--config", example, "--write-probe")
			if code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
			for _, w := range []string{"PASS ldap schema attributes", "PASS ldap write probe: created and deleted " + rdn + "=scim2ldap-check-", "all checks passed"} {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			if kind == testldap.DS389 {
				// The README's switch to LDAPS: the URL and startTLS off.
				t.Setenv("SCIM2LDAP_LDAP_URL", dir.LDAPSURL)
				t.Setenv("SCIM2LDAP_LDAP_STARTTLS", "false")
				code, ldaps := runCheck(t, "--config", example, "--write-probe")
				if code != 0 || !strings.Contains(ldaps, "PASS ldap tls "+dir.LDAPSURL) {
					t.Errorf("with ldaps://: exit %d, want 0 and PASS ldap tls %s", code, dir.LDAPSURL)
				}
				out += ldaps
			}
			// OpenLDAP's password "admin" is also in its bind DN.
			rest := strings.ReplaceAll(out, dir.BindDN, "")
			for _, n := range []string{"FAIL", "WARN", dir.BindPassword} {
				if strings.Contains(rest, n) {
					t.Errorf("output contains %q", n)
				}
			}
		})
	}
}
