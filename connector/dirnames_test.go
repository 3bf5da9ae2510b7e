package connector_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// adNames: names as Okta and Entra send them (UPNs, names AD refuses,
// names an earlier user had) on a Samba AD DC (issue 18 items 3, 4, 6).
func adNames(t *testing.T, dir *testldap.Server, parent *bed) {
	dnOf := func(cn string) string { return "CN=" + cn + "," + dir.PeopleDN }

	// Okta's and Entra's usernames are emails or UPNs: used as the UPN as
	// they are, and a plain name gets the suffix.
	t.Run("userName with @", func(t *testing.T) {
		// The example: userName is the UPN, sAMAccountName is made from it.
		eb := bridgeFor(t, dir, exampleFor(t, dir, "active-directory.yaml", dir.LDAPSURL))
		for _, tt := range []struct{ userName, sam string }{
			{"jonathan.maximilian.smith@example.com", "jonathan.maximilian"},
			{"a/b[c]@example.com", "a_b_c_"},
			{"jo@example.com", "jo"},
			{"jo.plain", "jo.plain"},
		} {
			id := eb.create(userBody(tt.userName, "Jo", "At", dirPass1))
			e := dir.Entry(t, dnOf(tt.userName), "userPrincipalName", "sAMAccountName")
			if first(e, "userprincipalname") != tt.userName || first(e, "samaccountname") != tt.sam {
				t.Errorf("%s: %v, want sAMAccountName %s", tt.userName, e, tt.sam)
			}
			if r := eb.do("GET", "/Users/"+id, "").want(t, http.StatusOK); str(r.body, "userName") != tt.userName {
				t.Errorf("read back: %s", r.raw)
			}
		}
		// Another domain, the same logon name: AD refuses the second
		// sAMAccountName, and says so.
		r := eb.do("POST", "/Users", userBody("jo@example.org", "Jo", "Org", dirPass1))
		if r.status != http.StatusConflict && r.status != http.StatusBadRequest || !strings.Contains(str(r.body, "detail"), "sAMAccountName") {
			t.Errorf("same logon name: %d %s", r.status, r.raw)
		}
		// Group names become sAMAccountNames too.
		eb.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"R&D / EMEA"}`).want(t, http.StatusCreated)
		if e := dir.Entry(t, "CN=R&D / EMEA,"+dir.GroupsDN, "sAMAccountName"); first(e, "samaccountname") != "R&D _ EMEA" {
			t.Errorf("group: %v", e)
		}
		r = eb.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"R&D : EMEA"}`).wantError(t, http.StatusConflict, "uniqueness")
		if d := str(r.body, "detail"); !strings.Contains(d, "sAMAccountName") || !strings.Contains(d, "already in use") {
			t.Errorf("same group sAMAccountName: %s", d)
		}

		// The example's alternative: userName is the logon name, and the
		// UPN keeps a userName that already is one.
		cfg := exampleFor(t, dir, "active-directory.yaml", dir.LDAPSURL)
		cfg.Users.UserNameAttribute, cfg.Users.UserNameMaxLength = "sAMAccountName", 20
		var attrs []config.AttributeMapping
		for _, a := range cfg.Users.Attributes {
			if !strings.EqualFold(a.LDAP, "sAMAccountName") {
				attrs = append(attrs, a)
			}
		}
		cfg.Users.Attributes = append(attrs, config.AttributeMapping{LDAP: "userPrincipalName", Template: "{userName|upn:example.com}"})
		sb := bridgeFor(t, dir, cfg)
		for userName, upn := range map[string]string{"al@example.com": "al@example.com", "al.plain": "al.plain@example.com"} {
			sb.create(userBody(userName, "Al", "At", dirPass1))
			e := dir.Entry(t, dnOf(userName), "userPrincipalName", "sAMAccountName")
			if first(e, "userprincipalname") != upn || first(e, "samaccountname") != userName {
				t.Errorf("%s: %v, want UPN %s", userName, e, upn)
			}
		}
		// The template the example had: the UPN the DC cannot use is a
		// 400 that names it, not a 500.
		cfg.Users.Attributes = append(attrs, config.AttributeMapping{LDAP: "userPrincipalName", Template: "{userName}@example.com"})
		r = bridgeFor(t, dir, cfg).do("POST", "/Users", userBody("ed@example.com", "Ed", "At", dirPass1)).wantError(t, http.StatusBadRequest, "invalidValue")
		if d := str(r.body, "detail"); !strings.Contains(d, "userPrincipalName") || !strings.Contains(d, "principal") {
			t.Errorf("detail: %s", d)
		}
	})

	// The RDN must not block a userName that is free: a rename takes a CN
	// made from the userName along, and a CN another entry holds is
	// numbered as AD administrators do.
	t.Run("rename frees the name", func(t *testing.T) {
		b := parent.on(t)
		rename := func(id, userName string) {
			b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"userName","value":"`+userName+`"}]}`).want(t, http.StatusOK)
		}
		id := b.create(userBody("ad.alice", "Alice", "Anders", dirPass1))
		rename(id, "ad.alice.a")
		if dir.Entry(t, dnOf("ad.alice")) != nil || first(dir.Entry(t, dnOf("ad.alice.a"), "sAMAccountName"), "samaccountname") != "ad.alice.a" {
			t.Errorf("rename kept the old CN")
		}
		b.create(userBody("ad.alice", "Alice", "Anders", dirPass1))
		if first(dir.Entry(t, dnOf("ad.alice"), "sAMAccountName"), "samaccountname") != "ad.alice" {
			t.Errorf("second ad.alice")
		}

		// An entry the bridge does not manage holds the CN.
		dir.MustAdd(t, dnOf("ad.bob"), map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"bob.other"}})
		bob := b.create(userBody("ad.bob", "Bob", "Other", dirPass1))
		if first(dir.Entry(t, dnOf("ad.bob 2"), "sAMAccountName"), "samaccountname") != "ad.bob" {
			t.Errorf("ad.bob did not get CN=ad.bob 2")
		}
		rename(bob, "ad.bob.b")
		if first(dir.Entry(t, dnOf("ad.bob.b"), "sAMAccountName"), "samaccountname") != "ad.bob.b" || dir.Entry(t, dnOf("ad.bob")) == nil {
			t.Errorf("renamed ad.bob")
		}
		// A rename onto a CN that is taken numbers it too.
		rename(id, "ad.bob")
		if first(dir.Entry(t, dnOf("ad.bob 2"), "sAMAccountName"), "samaccountname") != "ad.bob" {
			t.Errorf("rename onto a taken CN")
		}

		// Namesakes, with the CN made from the name.
		cfg := presetConfig(t, dir)
		cfg.Users.Attributes = append(cfg.Users.Attributes, config.AttributeMapping{LDAP: "cn", Template: "{name.givenName} {name.familyName}"})
		nb := bridgeFor(t, dir, cfg)
		for i, userName := range []string{"ad.anders1", "ad.anders2", "ad.anders3"} {
			nb.create(userBody(userName, "Alice", "Anders", dirPass1))
			cn := "Alice Anders"
			if i > 0 {
				cn += " " + itoa(i+1)
			}
			if e := dir.Entry(t, dnOf(cn), "sAMAccountName", "cn"); first(e, "samaccountname") != userName || first(e, "cn") != cn {
				t.Errorf("%s: CN=%s holds %v", userName, cn, e)
			}
		}
	})

	// What the DC refuses is a 400 that names the attribute and gives the
	// DC's reason, without the entry's DN or the password.
	t.Run("refused names", func(t *testing.T) {
		b := parent.on(t)
		long := strings.Repeat("g", 65)
		for _, tt := range []struct {
			name, path, body string
			want             []string
		}{
			{"slash", "/Users", userBody("a/b", "Sl", "Ash", dirPass1), []string{"sAMAccountName", "invalid '/' character"}},
			{"trailing dot", "/Users", userBody("ends.", "Tr", "Dot", dirPass1), []string{"sAMAccountName", "ends with '.'"}},
			{"65 characters", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"` + long + `"}`, []string{"of cn", "invalid value"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := b.do("POST", tt.path, tt.body).wantError(t, http.StatusBadRequest, "invalidValue")
				d := str(r.body, "detail")
				for _, w := range tt.want {
					if !strings.Contains(d, w) {
						t.Errorf("detail %q lacks %q", d, w)
					}
				}
				if strings.Contains(d, "DC=") || strings.Contains(d, dirPass1) {
					t.Errorf("detail %q names an entry or the password", d)
				}
			})
		}
		id := b.create(userBody("ad.slash", "Sl", "Ash", dirPass1))
		r := b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"userName","value":"x/y"}]}`).wantError(t, http.StatusBadRequest, "invalidValue")
		if d := str(r.body, "detail"); !strings.Contains(d, "sAMAccountName") || !strings.Contains(d, "invalid '/' character") {
			t.Errorf("rename detail: %s", d)
		}
	})
}

// ds389Refusals: 389 DS's own reasons reach the client, and members that
// are gone can be removed (issue 18 items 10, 11).
func ds389Refusals(t *testing.T, dir *testldap.Server, parent *bed) {
	t.Run("7-bit check", func(t *testing.T) {
		b := parent.on(t)
		body := strings.Replace(userBody("ü-ñ", "Ue", "Nn", dirPass1), `"value":"ü-ñ"`, `"value":"u-n@example.com"`, 1)
		r := b.do("POST", "/Users", body).wantError(t, http.StatusBadRequest, "invalidValue")
		if d := str(r.body, "detail"); !strings.Contains(d, "uid") || !strings.Contains(d, "7-bit clean") {
			t.Errorf("detail: %s", d)
		}
		if dir.Entry(t, "uid=ü-ñ,"+dir.PeopleDN) != nil {
			t.Error("entry created")
		}
	})
	removedMembers(t, parent)
}

// on is b reporting to t (a subtest's).
func (b *bed) on(t *testing.T) *bed {
	c := *b
	c.t = t
	return &c
}

// removedMembers: removing a member whose user is gone leaves the group as
// asked, in Okta's and Entra's shapes; adding one is still a 400.
func removedMembers(t *testing.T, parent *bed) {
	t.Run("remove a deleted member", func(t *testing.T) {
		b := parent.on(t)
		keep := b.create(userBody("gone.keep", "Ke", "Ep", dirPass1))
		var gone []string
		for _, n := range []string{"gone.one", "gone.two"} {
			gone = append(gone, b.create(userBody(n, "Go", "Ne", dirPass1)))
		}
		g := b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"gone.group","members":[`+
			`{"value":"`+keep+`"},{"value":"`+gone[0]+`"},{"value":"`+gone[1]+`"}]}`).want(t, http.StatusCreated)
		gid := str(g.body, "id")
		for _, id := range gone {
			b.do("DELETE", "/Users/"+id, "").want(t, http.StatusNoContent)
		}
		b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members[value eq \"`+gone[0]+`\"]"}]}`).want(t, http.StatusNoContent)
		b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"Remove","path":"members","value":[{"value":"`+gone[1]+`"},{"value":"`+gone[0]+`"}]}]}`).want(t, http.StatusNoContent)
		b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"`+gone[0]+`"}]}]}`).wantError(t, http.StatusBadRequest, "invalidValue")
		r := b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK)
		if str(r.body, "members.0.value") != keep || get(r.body, "members.1") != nil {
			t.Errorf("members: %s", r.raw)
		}
	})
}
