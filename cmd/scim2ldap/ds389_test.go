package main

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testbridge"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// TestDS389ReadmeAccount sets up 389 DS exactly as the README's section
// "389 DS" says (its LDIF, applied with ldapmodify) and puts more users in
// it than the look-through limit (5,000) lets a search examine. As the
// README's service account: an import in Okta's pages of 100 returns
// every user with the exact total on every page, check passes, and with
// password history on an unchanged password is recognised (389 DS refuses
// to write it again). Without the account's limits lifted, check fails
// naming the limit, and so does the import's first page.
func TestDS389ReadmeAccount(t *testing.T) {
	const users = 5100
	dir := testldap.Start(t, testldap.Options{Kind: testldap.DS389})
	ldif := testldap.DocBlock(t, "../../README.md", "Save this as `scim2ldap-389ds.ldif`", "ldif")
	dir.LDAPModify(t, ldif)
	svcDN := "uid=scim2ldap,ou=services,dc=example,dc=com"
	m := regexp.MustCompile(`(?m)^userPassword: (.+)$`).FindStringSubmatch(ldif)
	if m == nil {
		t.Fatal("the README's LDIF sets no userPassword")
	}
	svcPW := m[1]
	dir.MustAddMany(t, users, func(i int) (string, map[string][]string) {
		uid := fmt.Sprintf("imp%05d", i)
		return "uid=" + uid + "," + dir.PeopleDN, map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {uid}, "cn": {uid}, "sn": {uid}}
	})

	store, err := ldapstore.Open(ldapstore.Options{URLs: []string{dir.URL}, StartTLS: true, CAFile: dir.CAFile, ServerName: dir.ServerName,
		BindDN: svcDN, BindPassword: svcPW})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	people := ldapstore.SearchRequest{BaseDN: dir.PeopleDN, Scope: ldapstore.ScopeSub, Filter: ldapstore.Eq("objectClass", "inetOrgPerson"), Attributes: []string{"uid"}}
	ctx := t.Context()

	t.Run("import as the README's account", func(t *testing.T) {
		seen := map[string]bool{}
		for off := 0; off < users; off += 100 {
			es, total, err := store.SearchPage(ctx, people, off, 100)
			if err != nil {
				t.Fatalf("page at %d: %v", off, err)
			}
			if total != users {
				t.Fatalf("page at %d: totalResults %d, want %d", off, total, users)
			}
			for _, e := range es {
				seen[e.First("uid")] = true
			}
		}
		if len(seen) != users {
			t.Errorf("the import returned %d users, want %d", len(seen), users)
		}
	})

	t.Setenv("SCIM2LDAP_LISTEN", testldap.FreeAddr(t))
	t.Setenv("SCIM2LDAP_LDAP_URL", dir.URL)
	t.Setenv("SCIM2LDAP_LDAP_CA_FILE", dir.CAFile)
	t.Setenv("SCIM2LDAP_LDAP_SERVER_NAME", dir.ServerName)
	t.Setenv("SCIM2LDAP_BIND_DN", svcDN)
	t.Setenv("SCIM2LDAP_BIND_PASSWORD", svcPW)
	t.Run("check as the README's account", func(t *testing.T) {
		code, out := runCheck(t, "--config", "../../examples/389ds.yaml", "--write-probe")
		if code != 0 {
			t.Errorf("exit %d, want 0", code)
		}
		for _, w := range []string{fmt.Sprintf("PASS ldap users import: a full import reads %d users", users), "PASS ldap write probe", "all checks passed"} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q", w)
			}
		}
		for _, n := range []string{"FAIL", "WARN", svcPW} {
			if strings.Contains(out, n) {
				t.Errorf("output contains %q", n)
			}
		}
	})

	t.Run("password history on: an unchanged password is recognised", func(t *testing.T) {
		dir.LDAPModify(t, "dn: cn=config\nchangetype: modify\nreplace: passwordHistory\npasswordHistory: on\n-\nreplace: passwordInHistory\npasswordInHistory: 6\n")
		user := "uid=imp00007," + dir.PeopleDN
		const pw = "Str0ng-Pass-1"
		if err := store.SetPassword(ctx, user, pw); err != nil {
			t.Fatal(err)
		}
		stored := dir.Entry(t, user, "userPassword")["userpassword"]
		if len(stored) != 1 || !strings.HasPrefix(stored[0], "{PBKDF2-SHA512}") {
			t.Errorf("stored %q, want 389 DS's default {PBKDF2-SHA512}", stored)
		}
		// What the bridge must avoid: the same password again is refused.
		if err := store.SetPassword(ctx, user, pw); ldapstore.Code(err) != ldapstore.CodeConstraintViolation {
			t.Errorf("rewriting the current password with history on: %v, want Constraint Violation (19)", err)
		}
		if same, err := store.PasswordMatches(ctx, user, "userPassword", pw); !same || err != nil {
			t.Errorf("PasswordMatches(current) = %v, %v; want true: the bridge would rewrite it", same, err)
		}
		if same, err := store.PasswordMatches(ctx, user, "userPassword", "Str0ng-Pass-2"); same || err != nil {
			t.Errorf("PasswordMatches(other) = %v, %v; want false", same, err)
		}
	})

	t.Run("without the README's limits", func(t *testing.T) {
		dir.LDAPModify(t, "dn: "+svcDN+"\nchangetype: modify\ndelete: nsLookThroughLimit\n-\ndelete: nsPagedLookThroughLimit\n")
		code, out := runCheck(t, "--config", "../../examples/389ds.yaml")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		for _, w := range []string{"FAIL ldap users import: a full import of " + dir.PeopleDN + " stops after", "look-through limit", "nsLookThroughLimit: -1"} {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q", w)
			}
		}
		fresh, err := ldapstore.Open(ldapstore.Options{URLs: []string{dir.URL}, StartTLS: true, CAFile: dir.CAFile, ServerName: dir.ServerName,
			BindDN: svcDN, BindPassword: svcPW})
		if err != nil {
			t.Fatal(err)
		}
		defer fresh.Close()
		_, _, err = fresh.SearchPage(ctx, people, 0, 100)
		if advice, ok := ldapstore.DirectoryLimit(err); !ok || !strings.Contains(err.Error(), "nsLookThroughLimit: -1") {
			t.Errorf("first page of the import: %v (%q); want the look-through limit named", err, advice)
		}
		// What Okta's import sees: the limit and its fix, not "narrow the
		// filter" for a request that has none.
		cfg, err := config.Load("../../examples/389ds.yaml")
		if err != nil {
			t.Fatal(err)
		}
		br := testbridge.Start(t, cfg, nil, "389ds")
		req, _ := http.NewRequest("GET", br.HTTP.URL+cfg.Server.BasePath+"/Users?startIndex=1&count=100", nil)
		req.Header.Set("Authorization", "Bearer "+cfg.Server.Auth.BearerTokens[0])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "nsLookThroughLimit: -1") {
			t.Errorf("import page through the bridge: %d %s; want 500 naming nsLookThroughLimit: -1", res.StatusCode, body)
		}
	})
}
