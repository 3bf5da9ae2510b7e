package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// TestADReadmeSteps runs the README's Samba commands for the service
// account (section "Active Directory", step 2) as written on the Samba AD
// DC test bed, as root on the DC would (samba-tool on the DC's own
// configuration), then check with the stock example bound as that
// account: every step passes, the write probe included, without WARN.
func TestADReadmeSteps(t *testing.T) {
	dir := testldap.Start(t, testldap.Options{Kind: testldap.SambaAD})
	steps := testldap.DocBlock(t, "../../README.md", "On Samba (run as a whole", "sh")
	m := regexp.MustCompile(`samba-tool user create svc-scim2ldap '([^']+)'`).FindStringSubmatch(steps)
	if m == nil {
		t.Fatal("the README's steps create no svc-scim2ldap with a password")
	}
	// The test bed has OU=People and OU=Groups (step 1); the other OUs
	// of step 1 are made the README's way.
	script := `samba-tool() { command samba-tool "$@" -s "$CONF"; }
set -e
samba-tool ou create "OU=Disabled Users,DC=example,DC=com"
samba-tool ou create "OU=Service Accounts,DC=example,DC=com"
` + steps
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = append(cmd.Environ(), "CONF="+filepath.Join(dir.Dir, "etc/smb.conf"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's steps failed: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`service account SID: S-1-5-21-[0-9-]+`).Match(out) {
		t.Errorf("no SID read:\n%s", out)
	}

	t.Setenv("SCIM2LDAP_LISTEN", testldap.FreeAddr(t))
	t.Setenv("SCIM2LDAP_LDAP_URL", dir.LDAPSURL)
	t.Setenv("SCIM2LDAP_LDAP_CA_FILE", dir.CAFile)
	t.Setenv("SCIM2LDAP_BIND_DN", "CN=svc-scim2ldap,OU=Service Accounts,DC=example,DC=com")
	t.Setenv("SCIM2LDAP_BIND_PASSWORD", m[1])
	code, report := runCheck(t, "--config", "../../examples/active-directory.yaml", "--write-probe")
	if code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	for _, w := range []string{"PASS ldap bind ldaps://127.0.0.1:636: bound as CN=svc-scim2ldap", "PASS ldap users import", "PASS ldap write probe", "all checks passed"} {
		if !strings.Contains(report, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	for _, n := range []string{"FAIL", "WARN", m[1]} {
		if strings.Contains(report, n) {
			t.Errorf("output contains %q", n)
		}
	}
}
