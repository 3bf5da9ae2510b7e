package connector_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
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

	// Okta's incremental import filters on meta.lastModified; Samba ignores
	// such filters on the computed modifyTimestamp, so the preset uses
	// whenChanged.
	t.Run("meta times", func(t *testing.T) {
		b.create(userBody("ad.meta", "Me", "Ta", dirPass1))
		for filter, want := range map[string]string{
			`userName eq "ad.meta" and meta.lastModified gt "2020-01-01T00:00:00Z"`: "1",
			`userName eq "ad.meta" and meta.lastModified gt "2099-01-01T00:00:00Z"`: "0",
			`userName eq "ad.meta" and meta.created lt "2020-01-01T00:00:00Z"`:      "0",
		} {
			r := b.do("GET", "/Users?filter="+url.QueryEscape(filter), "").want(t, http.StatusOK)
			if str(r.body, "totalResults") != want {
				t.Errorf("%s: %s", filter, r.raw)
			}
			if want == "1" && (str(r.body, "Resources.0.meta.lastModified") == "" || str(r.body, "Resources.0.meta.created") == "") {
				t.Errorf("no meta times: %s", r.raw)
			}
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

	t.Run("examples/active-directory.yaml", func(t *testing.T) {
		eb := bridgeFor(t, dir, exampleFor(t, dir, "active-directory.yaml", dir.LDAPSURL))
		body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
			`"userName":"ad.example@example.com","name":{"givenName":"Ex","familyName":"Ample"},"password":"` + dirPass1 + `",` +
			`"externalId":"00u1a2b3c4d5e6f7g8h9","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D","organization":"Example"}}`
		id := eb.create(body)
		e := dir.Entry(t, dnOf("ad.example@example.com"), "userPrincipalName", "sAMAccountName", "employeeNumber", "department", "company", "userAccountControl")
		if first(e, "userprincipalname") != "ad.example@example.com" || first(e, "samaccountname") != "ad.example" || first(e, "employeenumber") != "00u1a2b3c4d5e6f7g8h9" ||
			first(e, "department") != "R&D" || first(e, "company") != "Example" || first(e, "useraccountcontrol") != "512" {
			t.Errorf("user entry: %v", e)
		}
		g := eb.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"ad.example.group","members":[{"value":"`+id+`"}]}`).want(t, http.StatusCreated)
		ge := dir.Entry(t, "CN=ad.example.group,"+dir.GroupsDN, "groupType", "sAMAccountName", "member")
		if first(ge, "grouptype") != "-2147483646" || first(ge, "samaccountname") != "ad.example.group" || len(ge["member"]) != 1 {
			t.Errorf("group entry: %v", ge)
		}
		eb.do("PATCH", "/Groups/"+str(g.body, "id"), `{`+patchOp+`,"Operations":[{"op":"replace","path":"displayName","value":"ad.renamed"}]}`).want(t, http.StatusNoContent)
		if ge := dir.Entry(t, "CN=ad.renamed,"+dir.GroupsDN, "sAMAccountName"); first(ge, "samaccountname") != "ad.renamed" {
			t.Errorf("renamed group: %v", ge)
		}
	})

	// The README's delegation, as SDDL for samba-tool: the service account
	// can do everything with exactly these rights, and the reset-password
	// right is needed (the initial password rides on the add, which the
	// create-child right covers).
	t.Run("delegated service account", func(t *testing.T) {
		svc := "CN=svc-scim2ldap,CN=Users," + dir.BaseDN
		dir.MustAdd(t, svc, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"svc-scim2ldap"}})
		if err := store.Modify(ctx, svc, []ldapstore.Change{
			{Op: ldapstore.ChangeReplace, Attr: "unicodePwd", Values: []string{ldapstore.UnicodePwdValue(dirPass2)}},
			{Op: ldapstore.ChangeReplace, Attr: "userAccountControl", Values: []string{"512"}},
		}); err != nil {
			t.Fatal(err)
		}
		sid := sidString([]byte(first(dir.Entry(t, svc, "objectSid"), "objectsid")))
		const user, group = "bf967aba-0de6-11d0-a285-00aa003049e2", "bf967a9c-0de6-11d0-a285-00aa003049e2"
		const resetPassword = "00299570-246d-11d0-a768-00aa006e0529"
		grant := func(dn, sddl string) {
			out, err := exec.Command("samba-tool", "dsacl", "set", "-H", dir.URL, "--simple-bind-dn="+dir.BindDN,
				"--password="+dir.BindPassword, "--objectdn="+dn, "--sddl="+sddl).CombinedOutput()
			if err != nil {
				t.Fatalf("samba-tool dsacl set %s: %v\n%s", sddl, err, out)
			}
		}
		grant(dir.PeopleDN, "(OA;CI;CCDC;"+user+";;"+sid+")")
		grant(dir.PeopleDN, "(OA;CIIO;RPWP;;"+user+";"+sid+")")
		grant(dir.GroupsDN, "(OA;CI;CCDC;"+group+";;"+sid+")")
		grant(dir.GroupsDN, "(OA;CIIO;RPWP;;"+group+";"+sid+")")
		dcfg := presetConfig(t, dir)
		dcfg.LDAP.BindDN, dcfg.LDAP.BindPassword = svc, dirPass2
		db := bridgeFor(t, dir, dcfg)
		id := db.create(userBody("ad.delegated", "De", "Legated", dirPass1))
		if err := store.Bind(ctx, dnOf("ad.delegated"), dirPass1); err != nil {
			t.Errorf("bind with the initial password: %v", err)
		}
		newPassword := `{` + patchOp + `,"Operations":[{"op":"replace","value":{"password":"` + dirPass2 + `"}}]}`
		db.do("PATCH", "/Users/"+id, newPassword).wantError(t, http.StatusForbidden, "")
		grant(dir.PeopleDN, "(OA;CIIO;CR;"+resetPassword+";"+user+";"+sid+")")
		db.do("PATCH", "/Users/"+id, newPassword).want(t, http.StatusOK)
		db.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","value":{"active":false,"userName":"ad.delegated2"}}]}`).want(t, http.StatusOK)
		g := db.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"ad.delegated",`+
			`"members":[{"value":"`+id+`"}]}`).want(t, http.StatusCreated)
		gid := str(g.body, "id")
		db.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members[value eq \"`+id+`\"]"},`+
			`{"op":"replace","path":"displayName","value":"ad.delegated2"}]}`).want(t, http.StatusNoContent)
		db.do("DELETE", "/Users/"+id, "").want(t, http.StatusNoContent)
		db.do("DELETE", "/Groups/"+gid, "").want(t, http.StatusNoContent)
	})

	adNames(t, dir, b)
	adPasswords(t, dir, b)

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

	// The shipped example, as an admin would point it at this server.
	eb := bridgeFor(t, dir, exampleFor(t, dir, "389ds.yaml", dir.URL))
	eid := eb.create(userBody("ds.example", "Ex", "Ample", dirPass1))
	eb.do("PATCH", "/Users/"+eid, `{`+patchOp+`,"Operations":[{"op":"replace","value":{"active":false}}]}`).want(t, http.StatusOK)
	if e := dir.Entry(t, "uid=ds.example,"+dir.PeopleDN, "nsAccountLock", "cn"); first(e, "nsaccountlock") != "true" || first(e, "cn") != "Ex Ample" {
		t.Errorf("example user entry: %v", e)
	}
	if err := dir.CanBind("uid=ds.example,"+dir.PeopleDN, dirPass1); err == nil {
		t.Error("a user with nsAccountLock: true can bind")
	}

	// The README's ACI is all a service account needs.
	svc := "uid=scim2ldap,ou=services," + dir.BaseDN
	dir.MustAdd(t, "ou=services,"+dir.BaseDN, map[string][]string{"objectClass": {"organizationalUnit"}, "ou": {"services"}})
	dir.MustAdd(t, svc, map[string][]string{"objectClass": {"account", "simpleSecurityObject"}, "uid": {"scim2ldap"}, "userPassword": {dirPass2}})
	who := `userdn="ldap:///` + svc + `";)`
	if err := store.Modify(ctx, dir.BaseDN, []ldapstore.Change{{Op: ldapstore.ChangeAdd, Attr: "aci", Values: []string{
		`(targetattr="*||nsAccountLock||nsUniqueId||entryUUID")(target="ldap:///` + dir.PeopleDN + `")(version 3.0; acl "scim2ldap users"; allow (read,search,compare,write,add,delete) ` + who,
		`(targetattr="*||nsUniqueId||entryUUID")(target="ldap:///` + dir.GroupsDN + `")(version 3.0; acl "scim2ldap groups"; allow (read,search,compare,write,add,delete) ` + who,
	}}}); err != nil {
		t.Fatal(err)
	}
	dir.MustModify(t, svc, map[string][]string{"nsPagedSizeLimit": {"-1"}})
	scfg := presetConfig(t, dir)
	scfg.LDAP.BindDN, scfg.LDAP.BindPassword = svc, dirPass2
	sb := bridgeFor(t, dir, scfg)
	sid := sb.create(userBody("ds.svc", "Sv", "C", dirPass1))
	sb.do("PATCH", "/Users/"+sid, `{`+patchOp+`,"Operations":[{"op":"replace","value":{"active":false,"userName":"ds.svc2","password":"`+dirPass2+`"}}]}`).want(t, http.StatusOK)
	if e := dir.Entry(t, "uid=ds.svc2,"+dir.PeopleDN, "nsAccountLock"); first(e, "nsaccountlock") != "true" {
		t.Errorf("service account's deactivation: %v", e)
	}
	sg := sb.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"ds.svc","members":[{"value":"`+sid+`"}]}`).want(t, http.StatusCreated)
	if r := sb.do("GET", "/Users/"+sid, "").want(t, http.StatusOK); str(r.body, "groups.0.value") != str(sg.body, "id") {
		t.Errorf("groups read by the service account: %s", r.raw)
	}
	sb.do("DELETE", "/Users/"+sid, "").want(t, http.StatusNoContent)
	sb.do("DELETE", "/Groups/"+str(sg.body, "id"), "").want(t, http.StatusNoContent)
	ds389DeprovisionFirst(t, dir, sb)

	ds389Refusals(t, dir, b)

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

// exampleFor loads a shipped example and points it at dir the way a site
// would: with the environment variables the example documents, plus the
// test server's base DNs where the example writes them literally.
func exampleFor(t *testing.T, dir *testldap.Server, file, url string) *config.Config {
	t.Helper()
	for k, v := range map[string]string{
		"SCIM2LDAP_LDAP_URL": url, "SCIM2LDAP_LDAP_CA_FILE": dir.CAFile, "SCIM2LDAP_LDAP_SERVER_NAME": dir.ServerName,
		"SCIM2LDAP_BIND_DN": dir.BindDN, "SCIM2LDAP_BIND_PASSWORD": dir.BindPassword,
		"SCIM2LDAP_USERS_DN": dir.PeopleDN, "SCIM2LDAP_GROUPS_DN": dir.GroupsDN,
	} {
		t.Setenv(k, v)
	}
	cfg, err := config.Load("../examples/" + file)
	if err != nil {
		t.Fatalf("examples/%s: %v", file, err)
	}
	cfg.Users.BaseDN, cfg.Users.CreateDN = dir.PeopleDN, dir.PeopleDN
	cfg.Groups.BaseDN, cfg.Groups.CreateDN = dir.GroupsDN, dir.GroupsDN
	return cfg
}

// sidString renders a binary objectSid as S-1-5-21-…, as SDDL writes it.
func sidString(b []byte) string {
	if len(b) < 8 || len(b) < 8+4*int(b[1]) {
		return ""
	}
	var authority uint64
	for _, c := range b[2:8] {
		authority = authority<<8 | uint64(c)
	}
	s := fmt.Sprintf("S-%d-%d", b[0], authority)
	for i := 0; i < int(b[1]); i++ {
		s += fmt.Sprintf("-%d", binary.LittleEndian.Uint32(b[8+4*i:]))
	}
	return s
}
