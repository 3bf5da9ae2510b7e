package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// TestInit is the acceptance test, on each directory kind: init
// without a terminal, then check, then serve (the real binary), then
// Okta's user and group flow, all on the generated file as written.
func TestInit(t *testing.T) {
	bin := buildBinary(t)
	tests := []struct {
		name         string
		kind         testldap.Kind
		passwordFile bool     // --bind-password-file instead of SCIM2LDAP_BIND_PASSWORD
		answers      string   // typed at init's questions, as on a terminal; "" = no terminal
		builtin      bool     // the answers chose CN=Users for users and groups
		want         []string // lines of the file that follow from what the directory has
	}{
		// The test bed's slapd.conf has no cn=config or cn=Monitor to read:
		// refint cannot be seen, so the bridge cleans up; memberof's and
		// ppolicy's schema show.
		{name: "openldap", kind: testldap.OpenLDAP, want: []string{`memberOfAttribute: "memberOf"`, "membershipCleanup: bridge",
			"attribute: pwdAccountLockedTime", "idAttribute: entryUUID", "ppolicy overlay: on", "refint overlay: unknown"}},
		{name: "openldap, password file", kind: testldap.OpenLDAP, passwordFile: true, want: []string{"bindPasswordFile: "}},
		// Directory Manager may read cn=plugins,cn=config.
		{name: "389ds", kind: testldap.DS389, want: []string{"startTLS: true", `memberOfAttribute: "memberOf"`, "membershipCleanup: directory",
			"attribute: nsAccountLock", "MemberOf plug-in: on", "Referential Integrity plug-in: on"}},
		{name: "activedirectory", kind: testldap.SambaAD, want: []string{"startTLS: true", "model: activeDirectory", "idFormat: guid",
			"membershipCleanup: directory", "strategy: flag"}},
		// On a terminal: Enter for the directory kind, then 2 for the
		// users and the groups container (after OU=People and OU=Groups:
		// CN=Users). It holds the built-in accounts and groups, which the
		// filters init writes keep away from SCIM.
		{name: "activedirectory, CN=Users chosen on a terminal", kind: testldap.SambaAD, answers: "\n2\n2\n", builtin: true,
			want: []string{"(!(isCriticalSystemObject=TRUE))", `baseDN: "CN=Users,DC=example,DC=com"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind := tt.kind
			dir := testldap.Start(t, testldap.Options{Kind: kind})
			out := filepath.Join(t.TempDir(), "scim2ldap.yaml")
			listen := testldap.FreeAddr(t)
			// The plain ldap:// URL everywhere: for 389 DS and AD, init
			// itself must find that passwords need TLS and turn on
			// StartTLS; the CA (and 389 DS's certificate name) are what an
			// admin would have to give.
			args := []string{"init", "--ldap-url", dir.URL, "--bind-dn", dir.BindDN, "--out", out, "--listen", listen}
			if kind != testldap.OpenLDAP {
				args = append(args, "--ca-file", dir.CAFile)
			}
			if dir.ServerName != "" {
				args = append(args, "--server-name", dir.ServerName)
			}
			bindPassword := `bindPassword: "${SCIM2LDAP_BIND_PASSWORD}"`
			if tt.passwordFile {
				pwFile := filepath.Join(t.TempDir(), "bind.pw")
				if err := os.WriteFile(pwFile, []byte(dir.BindPassword+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--bind-password-file", pwFile)
				t.Setenv("SCIM2LDAP_BIND_PASSWORD", "")
				bindPassword = "bindPasswordFile: " + q(pwFile)
			} else {
				t.Setenv("SCIM2LDAP_BIND_PASSWORD", dir.BindPassword)
			}
			t.Setenv("SCIM2LDAP_TOKEN", checkToken)

			stamp := "modifyTimestamp"
			before := dir.Search(t, dir.BaseDN, "(objectClass=*)", stamp)
			var stdout, stderr bytes.Buffer
			if tt.answers != "" {
				initPrompter = func(out io.Writer, _ bool) *prompter {
					return &prompter{in: bufio.NewReader(strings.NewReader(tt.answers)), out: out, interactive: true}
				}
				t.Cleanup(func() { initPrompter = newPrompter })
			}
			code := run(args, &stdout, &stderr)
			t.Logf("init → %d\n%s%s", code, stdout.String(), stderr.String())
			if code != 0 {
				t.Fatalf("init failed")
			}
			if after := dir.Search(t, dir.BaseDN, "(objectClass=*)", stamp); !reflect.DeepEqual(before, after) {
				t.Errorf("init changed the directory")
			}
			text, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s:\n%s", out, text)
			for _, want := range append(tt.want, "directory: "+string(kind), bindPassword, `- "${SCIM2LDAP_TOKEN}"`,
				`"${SCIM2LDAP_LISTEN:-`+listen+`}"`, `"${SCIM2LDAP_LDAP_URL:-`+dir.URL+`}"`, `"${SCIM2LDAP_BIND_DN:-`+dir.BindDN+`}"`) {
				if !strings.Contains(string(text), want) {
					t.Errorf("the file lacks %q", want)
				}
			}
			if kind != testldap.OpenLDAP && !strings.Contains(string(text), "startTLS: true") {
				t.Errorf("no startTLS: %s needs TLS for passwords", kind)
			}
			// OpenLDAP's test password "admin" is also a word of the bind
			// DN and the comments; the bindPassword line is checked above.
			if len(dir.BindPassword) > 5 && (strings.Contains(string(text), dir.BindPassword) || strings.Contains(stdout.String(), dir.BindPassword)) {
				t.Errorf("the bind password was written or printed")
			}
			cfg, err := config.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			usersDN, groupsDN := dir.PeopleDN, dir.GroupsDN
			if tt.builtin {
				usersDN, groupsDN = "CN=Users,"+dir.BaseDN, "CN=Users,"+dir.BaseDN
			}
			if !ldapstore.EqualDN(cfg.Users.BaseDN, usersDN) || !ldapstore.EqualDN(cfg.Groups.BaseDN, groupsDN) {
				t.Errorf("containers %s and %s, want %s and %s", cfg.Users.BaseDN, cfg.Groups.BaseDN, usersDN, groupsDN)
			}
			said := []string{"directory: " + string(kind), "users container: ", "groups container: ", "Wrote " + out}
			if tt.answers != "" {
				said = []string{"Choice [1]: ", "  2) CN=Users,DC=example,DC=com", "Wrote " + out}
			}
			for _, want := range said {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("init did not say %q", want)
				}
			}

			// A second init does not replace the file.
			stdout.Reset()
			stderr.Reset()
			if code := run(args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "--force") {
				t.Errorf("second init: %d %s", code, stderr.String())
			}
			if again, _ := os.ReadFile(out); !bytes.Equal(again, text) {
				t.Errorf("the second init changed the file")
			}

			if code, report := runCheck(t, "--config", out); code != 0 || strings.Contains(report, "FAIL") {
				t.Fatalf("check on the generated file: %d", code)
			}

			_, logs := serveBinary(t, bin, "--config", out)
			base := "http://" + listen + "/scim/v2"
			waitReady(t, base, logs)
			for _, want := range []string{"msg=connect", "http://" + listen + "/scim/v1/", "http://" + listen + "/scim/v2?aadOptscim062020"} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("serve's log lacks the connect line %q", want)
				}
			}
			oktaFlow(t, dir, base, groupsDN)
			if tt.builtin {
				for _, q := range []string{`/Users?filter=` + url.PathEscape(`userName eq "Administrator"`), `/Groups?filter=` + url.PathEscape(`displayName eq "Domain Admins"`)} {
					if status, r := scimDo(t, "GET", base+q, ""); status != http.StatusOK || r["totalResults"] != 0.0 {
						t.Errorf("a built-in object is visible over SCIM: GET %s → %d %v", q, status, r)
					}
				}
			}

			if code, report := runCheck(t, "--config", out); code != 0 || !strings.Contains(report, "PASS scim GET /Users?startIndex=1&count=2") {
				t.Errorf("check against the running bridge: %d", code)
			}
		})
	}
}

// serveBinary runs "scim2ldap serve" with args until the test ends and
// returns the process and its log; its environment is the test's (the
// secrets set with t.Setenv).
func serveBinary(t *testing.T, bin string, args ...string) (*exec.Cmd, *testldap.LogBuffer) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	logs := &testldap.LogBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("serve log:\n%s", logs.String())
		}
	})
	return cmd, logs
}

func waitReady(t *testing.T, base string, logs *testldap.LogBuffer) {
	t.Helper()
	for i := 0; i < 150; i++ {
		if status, _ := scimDo(t, "GET", base+"/ServiceProviderConfig", ""); status == http.StatusOK {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the bridge never answered\n%s", logs.String())
}

func scimDo(t *testing.T, method, u, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+checkToken)
	req.Header.Set("Accept", "application/scim+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1, nil
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	if res.StatusCode >= 300 {
		t.Logf("%s %s → %d %s", method, u, res.StatusCode, raw)
	}
	return res.StatusCode, m
}

// oktaFlow is Okta cloud's assignment of a user and push of a group with
// it as member, with the bodies of /work/shared/notes/clients.md §1.
func oktaFlow(t *testing.T, dir *testldap.Server, base, groupsDN string) {
	t.Helper()
	// Okta's example password is 8 lower-case letters and digits, which
	// AD's default complexity rules refuse (a 400 with the reason, as they
	// should); an AD-worthy one stands in for it there.
	password := "1mz050nq"
	if dir.Kind == testldap.SambaAD {
		password = "Str0ng-Pass-1"
	}
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"test.user@okta.local","name":{"givenName":"Test","familyName":"User"},` +
		`"emails":[{"primary":true,"value":"test.user@okta.local","type":"work"}],"displayName":"Test User","locale":"en-US",` +
		`"externalId":"00ujl29u0le5T6Aj10h7","groups":[],"password":"` + password + `","active":true}`
	filter := base + "/Users?filter=" + url.PathEscape(`userName eq "test.user@okta.local"`) + "&startIndex=1&count=100"
	if status, r := scimDo(t, "GET", filter, ""); status != http.StatusOK || r["totalResults"] != 0.0 {
		t.Fatalf("exists check before create: %d %v", status, r)
	}
	status, r := scimDo(t, "POST", base+"/Users", user)
	id, _ := r["id"].(string)
	if status != http.StatusCreated || id == "" {
		t.Fatalf("create user: %d %v", status, r)
	}
	status, r = scimDo(t, "GET", filter, "")
	res, _ := r["Resources"].([]any)
	if status != http.StatusOK || r["totalResults"] != 1.0 || len(res) != 1 || res[0].(map[string]any)["id"] != id {
		t.Fatalf("GET by userName eq: %d %v", status, r)
	}
	group := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Test SCIMv2","members":[{"value":"` + id + `","display":"test.user@okta.local"}]}`
	status, r = scimDo(t, "POST", base+"/Groups", group)
	gid, _ := r["id"].(string)
	if status != http.StatusCreated || gid == "" {
		t.Fatalf("create group: %d %v", status, r)
	}
	status, r = scimDo(t, "GET", base+"/Groups/"+gid, "")
	if members, _ := r["members"].([]any); status != http.StatusOK || len(members) != 1 || members[0].(map[string]any)["value"] != id {
		t.Errorf("GET group: %d %v", status, r)
	}
	status, r = scimDo(t, "GET", base+"/Users/"+id, "")
	if groups, _ := r["groups"].([]any); status != http.StatusOK || len(groups) != 1 || groups[0].(map[string]any)["value"] != gid {
		t.Errorf("the user's groups: %d %v", status, r)
	}
	found := dir.Search(t, groupsDN, "(cn=Test SCIMv2)", "member")
	if len(found) != 1 {
		t.Fatalf("group entries named Test SCIMv2 below %s: %v", groupsDN, found)
	}
	for _, e := range found {
		if len(e["member"]) != 1 {
			t.Errorf("group members in the directory: %v", e["member"])
		}
	}
}

// TestInitRefusesToOverwrite: the file is not touched, and the directory
// not contacted, without --force.
func TestInitRefusesToOverwrite(t *testing.T) {
	out := filepath.Join(t.TempDir(), "scim2ldap.yaml")
	if err := os.WriteFile(out, []byte("keep me\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"exists", []string{"--ldap-url", "ldap://127.0.0.1:1", "--bind-dn", "cn=x", "--out", out}, 1, "--force"},
		{"missing flags", []string{"--out", out}, 2, "--ldap-url, --bind-dn missing"},
		{"no password", []string{"--ldap-url", "ldap://127.0.0.1:1", "--bind-dn", "cn=x", "--out", out + ".new"}, 1, "SCIM2LDAP_BIND_PASSWORD"},
	}
	t.Setenv("SCIM2LDAP_BIND_PASSWORD", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"init"}, tt.args...), &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("init %v → %d %s, want %d and %q", tt.args, code, stderr.String(), tt.code, tt.want)
			}
			if b, _ := os.ReadFile(out); string(b) != "keep me\n" {
				t.Errorf("the file was changed: %q", b)
			}
		})
	}
}

// TestPrompterChoose: numbered choices, Enter takes the proposal, a wrong
// answer is asked again; without a terminal the proposal is printed.
func TestPrompterChoose(t *testing.T) {
	cs := []choice{{"ou=People,dc=x", "3 entries"}, {"ou=Staff,dc=x", "1 entry"}, {"dc=x", ""}}
	tests := []struct {
		name        string
		interactive bool
		input       string
		want        string
		printed     string
	}{
		{"enter takes the proposal", true, "\n", "ou=People,dc=x", "1) ou=People,dc=x"},
		{"a number", true, "2\n", "ou=Staff,dc=x", "Choice [1]"},
		{"asked again", true, "9\nx\n3\n", "dc=x", "Type a number from 1 to 3"},
		{"end of input takes the proposal", true, "", "ou=People,dc=x", "Choice [1]"},
		{"no terminal", false, "2\n", "ou=People,dc=x", "users container: ou=People,dc=x (holds most)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &prompter{in: bufio.NewReader(strings.NewReader(tt.input)), out: &out, interactive: tt.interactive}
			got, err := p.choose("users container", "holds most", cs)
			if err != nil || got != tt.want {
				t.Errorf("choose = %q, %v; want %q", got, err, tt.want)
			}
			if !strings.Contains(out.String(), tt.printed) {
				t.Errorf("printed %q, want %q in it", out.String(), tt.printed)
			}
		})
	}
}

// TestInitRender: every combination of what Discover can report renders a
// file that loads, with the settings the comments promise.
func TestInitRender(t *testing.T) {
	on := ldapstore.Feature{State: ldapstore.FeatureOn, Evidence: "test"}
	off := ldapstore.Feature{State: ldapstore.FeatureOff, Evidence: "test"}
	unknown := ldapstore.Feature{State: ldapstore.FeatureUnknown, Evidence: "test"}
	tests := []struct {
		name     string
		kind     string
		features map[string]ldapstore.Feature
		want     func(c *config.Config) string // "" when right
	}{
		{"openldap, all off", ldapstore.KindOpenLDAP, map[string]ldapstore.Feature{"memberof": off, "refint": off, "ppolicy": off}, func(c *config.Config) string {
			if c.Groups.MemberOfAttribute != "" || c.Groups.MembershipCleanup != "bridge" || c.Users.Deactivation.Strategy != "none" {
				return "want no memberOf, bridge cleanup, no deactivation"
			}
			return ""
		}},
		{"openldap, all on", ldapstore.KindOpenLDAP, map[string]ldapstore.Feature{"memberof": on, "refint": on, "ppolicy": on}, func(c *config.Config) string {
			if c.Groups.MemberOfAttribute != "memberOf" || c.Groups.MembershipCleanup != "directory" || c.Users.Deactivation.Attribute != "pwdAccountLockedTime" {
				return "want memberOf, directory cleanup, the ppolicy lock"
			}
			return ""
		}},
		{"389ds, unknown", ldapstore.Kind389DS, map[string]ldapstore.Feature{"memberof": unknown, "refint": unknown}, func(c *config.Config) string {
			if c.Groups.MemberOfAttribute != "" || c.Groups.MembershipCleanup != "bridge" || c.Users.IDAttribute != "nsUniqueId" {
				return "want no memberOf and bridge cleanup where the plug-ins cannot be seen"
			}
			return ""
		}},
		{"activedirectory", ldapstore.KindActiveDirectory, nil, func(c *config.Config) string {
			if c.Groups.Model != "activeDirectory" || c.Users.IDFormat != "guid" || c.Users.Password.Method != "unicodePwd" {
				return "want the AD model, GUID ids and unicodePwd"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := &initPlan{
				Opts:    initOptions{LDAPURL: "ldaps://dir.example.com", BindDN: "cn=svc,dc=example,dc=com", Out: "x.yaml"},
				Version: "test", Kind: tt.kind, Features: tt.features, Listen: "0.0.0.0:8443",
				BaseDN: "dc=example,dc=com", UsersDN: "ou=People,dc=example,dc=com", GroupsDN: "ou=Groups,dc=example,dc=com",
				UsersWhy: "test", GroupsWhy: "test", GroupModel: "groupOfNames",
			}
			if tt.kind == ldapstore.KindActiveDirectory {
				plan.GroupModel = "activeDirectory"
			}
			plan.mapAttributes(nil)
			text, err := plan.render()
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv("SCIM2LDAP_BIND_PASSWORD", "pw")
			t.Setenv("SCIM2LDAP_TOKEN", "tok")
			c, err := config.Parse([]byte(text), tt.name)
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			if msg := tt.want(c); msg != "" {
				t.Errorf("%s\n%s", msg, text)
			}
		})
	}
}
