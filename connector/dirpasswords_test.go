package connector_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// adPasswords: what the bridge does with passwords on a Samba AD DC
// (issue 18 items 8, 12, 13): profile pushes that resend the password do
// not reset its clock, creates without one follow
// users.password.onCreateWithout, and a refused password never stops a
// deactivation.
func adPasswords(t *testing.T, dir *testldap.Server, parent *bed) {
	dnOf := func(cn string) string { return "CN=" + cn + "," + dir.PeopleDN }
	attr := func(userName, name string) string {
		return first(dir.Entry(t, dnOf(userName), name), strings.ToLower(name))
	}
	put := func(b *bed, id, body string) resp {
		return b.do("PUT", "/Users/"+id, body)
	}
	withoutPassword := func(body string) string { return strings.Replace(body, `"password":"",`, "", 1) }

	t.Run("password clock", func(t *testing.T) {
		b := parent.on(t)
		id := b.create(userBody("ad.clock", "Cl", "Ock", dirPass1))
		set := attr("ad.clock", "pwdLastSet")
		digest := attr("ad.clock", "msDS-cloudExtensionAttribute20")
		if set == "" || set == "0" || !strings.HasPrefix(digest, "scim2ldap-hmac1$") || strings.Contains(digest, dirPass1) {
			t.Fatalf("after create: pwdLastSet %q, digest %q", set, digest)
		}
		// The Okta agent's profile push: same password, new title.
		put(b, id, strings.Replace(userBody("ad.clock", "Cl", "Ock", dirPass1), `"Cl"`, `"Clo"`, 1)).want(t, http.StatusOK)
		if got := attr("ad.clock", "pwdLastSet"); got != set {
			t.Errorf("unchanged password rewritten: pwdLastSet %s → %s", set, got)
		}
		if attr("ad.clock", "givenName") != "Clo" {
			t.Error("profile change not written")
		}
		// An admin's "must change password at next logon" survives pushes.
		dir.MustModify(t, dnOf("ad.clock"), map[string][]string{"pwdLastSet": {"0"}})
		put(b, id, userBody("ad.clock", "Cl", "Ock", dirPass1)).want(t, http.StatusOK)
		if got := attr("ad.clock", "pwdLastSet"); got != "0" {
			t.Errorf("must-change flag cleared by a push: pwdLastSet %s", got)
		}
		// A new password is written, and then is the unchanged one.
		put(b, id, userBody("ad.clock", "Cl", "Ock", dirPass2)).want(t, http.StatusOK)
		changed := attr("ad.clock", "pwdLastSet")
		if changed == "0" || changed == set {
			t.Errorf("changed password not written: pwdLastSet %s", changed)
		}
		if err := dir.CanBind(dnOf("ad.clock"), dirPass2); err != nil {
			t.Errorf("bind with the new password: %v", err)
		}
		put(b, id, userBody("ad.clock", "Cl", "Ock", dirPass2)).want(t, http.StatusOK)
		if got := attr("ad.clock", "pwdLastSet"); got != changed {
			t.Errorf("pwdLastSet %s → %s", changed, got)
		}
		// The same password is a different digest on another user.
		b.create(userBody("ad.clock2", "Cl", "Ock", dirPass2))
		if d1, d2 := attr("ad.clock", "msDS-cloudExtensionAttribute20"), attr("ad.clock2", "msDS-cloudExtensionAttribute20"); d1 == d2 {
			t.Errorf("same digest for the same password: %s", d1)
		}

		// digestAttribute "-": every password sent is written.
		cfg := presetConfig(t, dir)
		cfg.Users.Password.DigestAttribute = "-"
		ob := bridgeFor(t, dir, cfg)
		ob.do("PUT", "/Users/"+id, userBody("ad.clock", "Cl", "Ock", dirPass2)).want(t, http.StatusOK)
		if got := attr("ad.clock", "pwdLastSet"); got == changed {
			t.Errorf("digestAttribute \"-\" did not write the password")
		}
	})

	t.Run("create without password", func(t *testing.T) {
		b := parent.on(t)
		with := func(mode string, mustChange bool) *bed {
			cfg := presetConfig(t, dir)
			cfg.Users.Password.OnCreateWithout, cfg.Users.Password.MustChangeGenerated = mode, mustChange
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			return bridgeFor(t, dir, cfg)
		}
		for _, tt := range []struct {
			name, userName string
			b              *bed
			uac, pwdLast   string // "" = anything but 0
			active         bool
		}{
			{"generate (default)", "ad.gen", b, "512", "", true},
			{"generate, must change", "ad.genmust", with(config.OnCreateGenerate, true), "512", "0", true},
			{"disabled", "ad.disabled", with(config.OnCreateDisabled, false), "514", "", false},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.b.on(t).do("POST", "/Users", withoutPassword(userBody(tt.userName, "No", "Pw", ""))).want(t, http.StatusCreated)
				if get(r.body, "password") != nil || strings.Contains(string(r.raw), "assword") {
					t.Errorf("answer mentions a password: %s", r.raw)
				}
				if got, _ := get(r.body, "active").(bool); got != tt.active {
					t.Errorf("active %v, want %v", got, tt.active)
				}
				if got := attr(tt.userName, "userAccountControl"); got != tt.uac {
					t.Errorf("userAccountControl %s, want %s", got, tt.uac)
				}
				got := attr(tt.userName, "pwdLastSet")
				if tt.pwdLast == "0" && got != "0" || tt.pwdLast == "" && tt.active && (got == "0" || got == "") {
					t.Errorf("pwdLastSet %q", got)
				}
				if attr(tt.userName, "msDS-cloudExtensionAttribute20") != "" {
					t.Error("a generated password got a digest")
				}
				if strings.Contains(tt.b.logs.String(), "assword=") {
					t.Error("a password reached the log")
				}
			})
		}
		rb := with(config.OnCreateRefuse, false)
		r := rb.do("POST", "/Users", withoutPassword(userBody("ad.refused", "No", "Pw", ""))).wantError(t, http.StatusBadRequest, "invalidValue")
		if !strings.Contains(str(r.body, "detail"), "password is required") || dir.Entry(t, dnOf("ad.refused")) != nil {
			t.Errorf("refuse: %s", r.raw)
		}
		rb.create(strings.Replace(withoutPassword(userBody("ad.pending2", "No", "Pw", "")), `"active":true`, `"active":false`, 1))
		if got := attr("ad.pending2", "userAccountControl"); got != "514" {
			t.Errorf("pending user: userAccountControl %s", got)
		}
	})

	// Deprovisioning comes first: a password the domain refuses, sent with
	// active:false, still disables the account.
	t.Run("deactivation despite a refused password", func(t *testing.T) {
		b := parent.on(t)
		id := b.create(userBody("ad.depro", "De", "Pro", dirPass1))
		r := put(b, id, strings.Replace(userBody("ad.depro", "De", "Pro", "abc"), `"active":true`, `"active":false`, 1)).wantError(t, http.StatusBadRequest, "invalidValue")
		if !strings.Contains(str(r.body, "detail"), "password policy") {
			t.Errorf("detail: %s", r.raw)
		}
		if got := attr("ad.depro", "userAccountControl"); got != "514" {
			t.Errorf("userAccountControl %s, want 514 (disabled)", got)
		}
		if err := dir.CanBind(dnOf("ad.depro"), dirPass1); err == nil {
			t.Error("the user can still bind")
		}
	})
}

// ds389DeprovisionFirst: with password history on (a common policy), a
// PUT that deactivates and carries a password from the history is refused
// for the password, and the lock is written all the same (issue 18 item
// 8). sb binds as the README's service account: the Directory Manager
// is exempt from password policy.
func ds389DeprovisionFirst(t *testing.T, dir *testldap.Server, parent *bed) {
	t.Run("deactivation despite password history", func(t *testing.T) {
		b := parent.on(t)
		dir.MustModify(t, "cn=config", map[string][]string{"passwordHistory": {"on"}, "passwordInHistory": {"6"}})
		t.Cleanup(func() { dir.MustModify(t, "cn=config", map[string][]string{"passwordHistory": {"off"}}) })
		id := b.create(userBody("ds.hist", "Hi", "St", dirPass1))
		b.do("PUT", "/Users/"+id, userBody("ds.hist", "Hi", "St", dirPass2)).want(t, http.StatusOK)
		body := strings.Replace(userBody("ds.hist", "Hi", "Story", dirPass1), `"active":true`, `"active":false`, 1)
		r := b.do("PUT", "/Users/"+id, body).wantError(t, http.StatusBadRequest, "invalidValue")
		if d := str(r.body, "detail"); strings.Contains(d, dirPass1) || !strings.Contains(d, "refused the password") {
			t.Errorf("detail: %s", d)
		}
		dn := "uid=ds.hist," + dir.PeopleDN
		if e := dir.Entry(t, dn, "nsAccountLock"); first(e, "nsaccountlock") != "true" {
			t.Errorf("not deactivated: %v", e)
		}
		if err := dir.CanBind(dn, dirPass2); err == nil {
			t.Error("the user can still bind")
		}
	})
}
