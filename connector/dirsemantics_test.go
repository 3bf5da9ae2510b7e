package connector_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// What only Active Directory does, on a real Samba AD DC: the preset's
// GUID ids, userAccountControl bits, sAMAccountName's length, password
// policy errors, ranged member reads, and the bridge's own refusal to send
// unicodePwd in clear (Samba would accept it, real AD would not).
func TestActiveDirectorySemantics(t *testing.T) {
	dir := testldap.Start(t, testldap.Options{Kind: testldap.SambaAD})
	cfg := presetConfig(t, dir)
	b := bridgeFor(t, dir, cfg)
	store, err := ldapstore.Open(ldapstore.Options{URLs: []string{dir.LDAPSURL}, BindDN: dir.BindDN, BindPassword: dir.BindPassword, CAFile: dir.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := t.Context()
	dnOf := func(userName string) string { return "CN=" + userName + "," + dir.PeopleDN }
	uac := func(userName string) string {
		return first(dir.Entry(t, dnOf(userName), "userAccountControl"), "useraccountcontrol")
	}

	t.Run("GUID id", func(t *testing.T) {
		id := b.create(userBody("ad.guid", "Gu", "Id", dirPass1))
		raw := first(dir.Entry(t, dnOf("ad.guid"), "objectGUID"), "objectguid")
		if want, err := ldapstore.GUIDString([]byte(raw)); err != nil || id != want {
			t.Fatalf("id %q, objectGUID %q (%v)", id, want, err)
		}
		// Windows tools print GUIDs upper-case in braces.
		b.do("GET", "/Users/"+url.PathEscape("{"+strings.ToUpper(id)+"}"), "").want(t, http.StatusOK)
		r := b.do("GET", "/Users?filter="+url.QueryEscape(`id eq "`+id+`"`), "").want(t, http.StatusOK)
		if str(r.body, "totalResults") != "1" || str(r.body, "Resources.0.userName") != "ad.guid" {
			t.Errorf("filter id eq: %s", r.raw)
		}
		g := b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"ad.guids",`+
			`"members":[{"value":"{`+strings.ToUpper(id)+`}"}]}`).want(t, http.StatusCreated)
		if str(g.body, "members.0.value") != id {
			t.Errorf("member given as {GUID}: %s", g.raw)
		}
		for _, bad := range []string{"not-a-guid", "00000000-0000-0000-0000-000000000000"} {
			b.do("GET", "/Users/"+bad, "").wantError(t, http.StatusNotFound, "")
		}
		r = b.do("GET", "/Users?filter="+url.QueryEscape(`id eq "*"`), "").want(t, http.StatusOK)
		if str(r.body, "totalResults") != "0" {
			t.Errorf(`id eq "*" matched: %s`, r.raw)
		}
	})

	t.Run("sAMAccountName length", func(t *testing.T) {
		long := "a23456789012345678901" // 21
		r := b.do("POST", "/Users", userBody(long, "Lo", "Ng", dirPass1)).wantError(t, http.StatusBadRequest, "invalidValue")
		if !strings.Contains(str(r.body, "detail"), "sAMAccountName") {
			t.Errorf("detail: %s", r.raw)
		}
		if dir.Entry(t, dnOf(long)) != nil {
			t.Error("entry created")
		}
		b.create(userBody(long[:20], "Lo", "Ng", dirPass1))
	})

	t.Run("password policy", func(t *testing.T) {
		r := b.do("POST", "/Users", userBody("ad.weak", "We", "Ak", "abc")).wantError(t, http.StatusBadRequest, "invalidValue")
		if !strings.Contains(str(r.body, "detail"), "password policy") || !strings.Contains(str(r.body, "detail"), "too short") {
			t.Errorf("detail: %s", r.raw)
		}
		if dir.Entry(t, dnOf("ad.weak")) != nil {
			t.Error("entry created without its password")
		}
	})

	t.Run("userAccountControl", func(t *testing.T) {
		inactive := strings.Replace(userBody("ad.pending", "Pe", "Nd", dirPass1), `"active":true`, `"active":false`, 1)
		id := b.create(inactive)
		if got := uac("ad.pending"); got != "514" {
			t.Errorf("created inactive: userAccountControl %s, want 514", got)
		}
		if err := store.Bind(ctx, dnOf("ad.pending"), dirPass1); err == nil {
			t.Error("a disabled account can bind")
		}
		// An admin's DONT_EXPIRE_PASSWORD (0x10000) survives both ways.
		dir.MustModify(t, dnOf("ad.pending"), map[string][]string{"userAccountControl": {"66050"}})
		active := func(v bool) string {
			return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":` + map[bool]string{true: "true", false: "false"}[v] + `}}]}`
		}
		b.do("PATCH", "/Users/"+id, active(true)).want(t, http.StatusOK)
		if got := uac("ad.pending"); got != "66048" {
			t.Errorf("reactivated: userAccountControl %s, want 66048", got)
		}
		if err := store.Bind(ctx, dnOf("ad.pending"), dirPass1); err != nil {
			t.Errorf("bind after reactivation: %v", err)
		}
		b.do("PATCH", "/Users/"+id, active(false)).want(t, http.StatusOK)
		if got := uac("ad.pending"); got != "66050" {
			t.Errorf("deactivated: userAccountControl %s, want 66050", got)
		}
		r := b.do("GET", "/Users?filter="+url.QueryEscape(`active eq false`), "").want(t, http.StatusOK)
		if str(r.body, "totalResults") != "1" || str(r.body, "Resources.0.id") != id {
			t.Errorf("active eq false: %s", r.raw)
		}
	})

	t.Run("ranged members and permissive modify", func(t *testing.T) {
		gdn := "CN=ad.ranged," + dir.GroupsDN
		var members []string
		for _, n := range []string{"ad.r0", "ad.r1", "ad.r2", "ad.r3", "ad.r4"} {
			dir.MustAdd(t, dnOf(n), map[string][]string{"objectClass": {"user"}, "sAMAccountName": {n}})
			members = append(members, dnOf(n))
		}
		dir.MustAdd(t, gdn, map[string][]string{"objectClass": {"group"}, "member": members[:4]})
		// As AD hands out a group bigger than MaxValRange.
		e := &ldapstore.Entry{DN: gdn, Attrs: map[string][]string{"member;range=0-1": members[:2]}}
		all, err := store.AllValues(ctx, e, "member")
		if err != nil || len(all) != 4 {
			t.Errorf("AllValues = %v, %v; want 4 members", all, err)
		}
		// Samba ignores Permissive Modify for member (68 and 53).
		for _, c := range []ldapstore.Change{
			{Op: ldapstore.ChangeAdd, Attr: "member", Values: []string{members[0], members[4]}},
			{Op: ldapstore.ChangeDelete, Attr: "member", Values: []string{members[4]}},
			{Op: ldapstore.ChangeDelete, Attr: "member", Values: []string{members[4], members[3]}},
		} {
			if err := store.ModifyPermissive(ctx, gdn, []ldapstore.Change{c}); err != nil {
				t.Errorf("ModifyPermissive %+v: %v", c, err)
			}
		}
		if got := dir.Entry(t, gdn, "member")["member"]; len(got) != 3 {
			t.Errorf("members = %v, want r0..r2", got)
		}
	})

	t.Run("no password in clear", func(t *testing.T) {
		// Validation refuses this configuration; the run-time guard must
		// hold even when it is bypassed.
		plain := presetConfig(t, dir)
		plain.LDAP.URLs, plain.LDAP.CAFile = []string{dir.URL}, ""
		if err := plain.Validate(); err == nil || !strings.Contains(err.Error(), "ldap.urls[0]") {
			t.Errorf("Validate = %v, want an ldap.urls[0] error", err)
		}
		pb := bridgeFor(t, dir, plain)
		r := pb.do("POST", "/Users", userBody("ad.clear", "Cl", "Ear", dirPass1)).wantError(t, http.StatusInternalServerError, "")
		if !strings.Contains(str(r.body, "detail"), "TLS") {
			t.Errorf("detail: %s", r.raw)
		}
		if dir.Entry(t, dnOf("ad.clear")) != nil {
			t.Error("entry created")
		}
		if !bytes.Contains([]byte(pb.logs.String()), []byte("not encrypted")) {
			t.Error("the log does not say why")
		}
	})
}

// What only 389 DS does, on a real instance: nsUniqueId ids, no Permissive
// Modify control (it answers 12), and Password Modify only over TLS.
func TestDS389Semantics(t *testing.T) {
	dir := testldap.Start(t, testldap.Options{Kind: testldap.DS389})
	cfg := presetConfig(t, dir)
	b := bridgeFor(t, dir, cfg)
	ctx := t.Context()

	id := b.create(userBody("ds.ann", "Ann", "Dee", dirPass1))
	if want := first(dir.Entry(t, "uid=ds.ann,"+dir.PeopleDN, "nsUniqueId"), "nsuniqueid"); id != want {
		t.Errorf("id %q, nsUniqueId %q", id, want)
	}
	for _, bad := range []string{"not-an-id", "*", strings.ToUpper(id) + "0"} {
		b.do("GET", "/Users/"+url.PathEscape(bad), "").wantError(t, http.StatusNotFound, "")
	}

	store, err := ldapstore.Open(ldapstore.Options{URLs: []string{dir.URL}, BindDN: dir.BindDN, BindPassword: dir.BindPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	gdn := "cn=ds.group," + dir.GroupsDN
	u1, u2 := "uid=ds.ann,"+dir.PeopleDN, "uid=ds.nobody,"+dir.PeopleDN
	dir.MustAdd(t, gdn, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"ds.group"}, "member": {u1}})
	for _, c := range []ldapstore.Change{
		{Op: ldapstore.ChangeAdd, Attr: "member", Values: []string{u1, u2}},
		{Op: ldapstore.ChangeDelete, Attr: "member", Values: []string{u2}},
		{Op: ldapstore.ChangeDelete, Attr: "member", Values: []string{u2}},
		{Op: ldapstore.ChangeAdd, Attr: "member", Values: []string{u1}},
	} {
		if err := store.ModifyPermissive(ctx, gdn, []ldapstore.Change{c}); err != nil {
			t.Errorf("ModifyPermissive %+v: %v", c, err)
		}
	}
	if got := dir.Entry(t, gdn, "member")["member"]; len(got) != 1 {
		t.Errorf("members = %v, want only %s", got, u1)
	}

	// Plain LDAP: 389 DS refuses the Password Modify operation (13).
	// Validation says so; a bridge started anyway says it per request.
	plain := presetConfig(t, dir)
	plain.LDAP.URLs, plain.LDAP.CAFile, plain.LDAP.ServerName = []string{dir.URL}, "", ""
	if err := plain.Validate(); err == nil || !strings.Contains(err.Error(), "ldap.urls[0]") {
		t.Errorf("Validate = %v, want an ldap.urls[0] error", err)
	}
	r := bridgeFor(t, dir, plain).do("POST", "/Users", userBody("ds.clear", "Cl", "Ear", dirPass1)).wantError(t, http.StatusInternalServerError, "")
	if !strings.Contains(str(r.body, "detail"), "encrypted") {
		t.Errorf("detail: %s", r.raw)
	}
	if dir.Entry(t, "uid=ds.clear,"+dir.PeopleDN) != nil {
		t.Error("entry left behind without its password")
	}
}
