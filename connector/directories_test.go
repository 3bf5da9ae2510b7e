package connector_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// TestDirectories runs one suite against every directory the bridge has a
// preset for, each a real server started once for all its scenarios. The
// bridge config is the preset plus only what a site must say itself (where
// the directory is, who binds, which containers, the attribute mapping),
// so the suite proves the presets' defaults work on the real thing.
func TestDirectories(t *testing.T) {
	for _, kind := range testldap.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			t0 := time.Now()
			dir := testldap.Start(t, testldap.Options{Kind: kind})
			t.Logf("%s ready in %v", kind, time.Since(t0).Round(time.Millisecond))
			d := &dirSuite{dir: dir, cfg: presetConfig(t, dir)}
			d.bed = bridgeFor(t, dir, d.cfg)
			// In order: later scenarios use users of earlier ones only by
			// making their own, so each can also run alone with -run.
			t.Run("users lifecycle", d.usersLifecycle)
			t.Run("password push", d.passwordPush)
			t.Run("deactivate and reactivate", d.deactivate)
			t.Run("rename", d.rename)
			t.Run("groups", d.groups)
			t.Run("paging", d.paging)
			t.Run("schemas say what is stored", d.honestSchema)
			t.Run("unmapped attributes", d.unmappedPolicy)
			t.Run("etags where writes can be conditional", d.etagsTruthful)
			t.Run("sorting", d.sorting)
			t.Run("search by POST", d.searchByPost)
			t.Run("manager", d.manager)
			t.Run("nested groups", d.nesting)
			t.Run("indirect memberships", d.indirectMemberships)
			removedMembers(t, d.bed)
			t.Run("tree", d.tree)
		})
	}
}

// presetConfig is a site's config for dir: the directory preset does the
// rest. 389-ds and AD are reached over LDAPS, as their presets expect (AD
// takes passwords only over TLS, 389-ds's Password Modify operation too).
func presetConfig(t *testing.T, dir *testldap.Server) *config.Config {
	t.Helper()
	conn := fmt.Sprintf("  urls: [%q]\n", dir.URL)
	if dir.Kind != testldap.OpenLDAP {
		conn = fmt.Sprintf("  urls: [%q]\n  caFile: %q\n", dir.LDAPSURL, dir.CAFile)
		if dir.ServerName != "" {
			conn += fmt.Sprintf("  serverName: %q\n", dir.ServerName)
		}
	}
	// cn is AD's RDN, written from userName; elsewhere it is a required
	// attribute that gets the full name.
	cn := `
    - ldap: cn
      template: "{name.givenName} {name.familyName}"
      default: "{userName}"`
	if dir.Kind == testldap.SambaAD {
		cn = ""
	}
	yaml := fmt.Sprintf(`directory: %s
server:
  auth:
    bearerTokens: [%q]
ldap:
%s  bindDN: %q
  bindPassword: %q
users:
  baseDN: %q
  attributes:
    - scim: name.givenName
      ldap: givenName
    - scim: name.familyName
      ldap: sn
      default: "{userName}"
    - scim: displayName
      ldap: displayName
    - scim: emails[type eq "work"].value
      ldap: mail%s
groups:
  baseDN: %q
`, dir.Kind, exampleToken, conn, dir.BindDN, dir.BindPassword, dir.PeopleDN, cn, dir.GroupsDN)
	cfg, err := config.Parse([]byte(yaml), string(dir.Kind)+" preset")
	if err != nil {
		t.Fatalf("config for %s: %v\n%s", dir.Kind, err, yaml)
	}
	return cfg
}

// bridgeFor puts a bridge configured with cfg in front of dir.
func bridgeFor(t *testing.T, dir *testldap.Server, cfg *config.Config) *bed {
	t.Helper()
	b, _ := startBridge(t, dir, cfg, nil)
	return b
}

type dirSuite struct {
	dir *testldap.Server
	cfg *config.Config
	bed *bed
}

// at is the shared bridge reporting to t.
func (d *dirSuite) at(t *testing.T) *bed {
	b := *d.bed
	b.t = t
	return &b
}

// Passwords meet AD's complexity rules (three character classes, 7+).
const (
	dirPass1 = "Str0ng-Pass-1"
	dirPass2 = "Str0ng-Pass-2"
)

// userDN finds a user's entry by its userName attribute, "" if none.
func (d *dirSuite) userDN(t *testing.T, userName string) string {
	t.Helper()
	found := d.dir.Search(t, d.cfg.Users.BaseDN, "("+d.cfg.Users.UserNameAttribute+"="+userName+")", "cn")
	if len(found) > 1 {
		t.Fatalf("%d entries with %s=%s", len(found), d.cfg.Users.UserNameAttribute, userName)
	}
	for dn := range found {
		return dn
	}
	return ""
}

func (d *dirSuite) mustUserDN(t *testing.T, userName string) string {
	t.Helper()
	dn := d.userDN(t, userName)
	if dn == "" {
		t.Fatalf("no entry with %s=%s below %s", d.cfg.Users.UserNameAttribute, userName, d.cfg.Users.BaseDN)
	}
	return dn
}

// create makes a user the way Okta cloud does and returns its id.
func (d *dirSuite) create(t *testing.T, userName, given, family string) string {
	t.Helper()
	return d.at(t).create(userBody(userName, given, family, dirPass1))
}

func (d *dirSuite) patchUser(t *testing.T, id, ops string) resp {
	t.Helper()
	return d.at(t).do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[`+ops+`]}`).want(t, http.StatusOK)
}

func (d *dirSuite) usersLifecycle(t *testing.T) {
	b := d.at(t)
	id := d.create(t, "dir.alice", "Alice", "Doe")

	r := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK)
	if str(r.body, "userName") != "dir.alice" || str(r.body, "name.givenName") != "Alice" || str(r.body, "active") != "true" {
		t.Errorf("GET: %s", r.raw)
	}
	r = b.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "dir.alice"`), "").want(t, http.StatusOK)
	if str(r.body, "totalResults") != "1" || str(r.body, "Resources.0.id") != id {
		t.Errorf("filter userName eq: %s", r.raw)
	}
	dn := d.mustUserDN(t, "dir.alice")
	if e := d.dir.Entry(t, dn, "givenName", "sn", "mail"); first(e, "givenname") != "Alice" || first(e, "sn") != "Doe" || first(e, "mail") != "dir.alice" {
		t.Errorf("entry after create: %v", e)
	}

	// Okta sends every change as a full PUT, password included.
	put := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"` + id + `","userName":"dir.alice",` +
		`"name":{"givenName":"Alice","familyName":"Smith"},"emails":[{"primary":true,"value":"alice@example.com","type":"work"}],` +
		`"displayName":"Alice Smith","password":"` + dirPass1 + `","active":true}`
	r = b.do("PUT", "/Users/"+id, put).want(t, http.StatusOK)
	if str(r.body, "name.familyName") != "Smith" || str(r.body, "id") != id {
		t.Errorf("PUT answer: %s", r.raw)
	}
	if e := d.dir.Entry(t, dn, "sn", "mail", "displayName"); first(e, "sn") != "Smith" || first(e, "mail") != "alice@example.com" || first(e, "displayname") != "Alice Smith" {
		t.Errorf("entry after PUT: %v", e)
	}

	// Entra's dialect: capitalised op, a path per attribute.
	d.patchUser(t, id, `{"op":"Replace","path":"displayName","value":"Alice S."},{"op":"Add","path":"name.givenName","value":"Alicia"}`)
	if e := d.dir.Entry(t, dn, "displayName", "givenName"); first(e, "displayname") != "Alice S." || first(e, "givenname") != "Alicia" {
		t.Errorf("entry after PATCH: %v", e)
	}

	b.do("DELETE", "/Users/"+id, "").want(t, http.StatusNoContent)
	b.do("GET", "/Users/"+id, "").wantError(t, http.StatusNotFound, "")
	if d.userDN(t, "dir.alice") != "" {
		t.Error("entry still there after DELETE")
	}
}

func (d *dirSuite) passwordPush(t *testing.T) {
	id := d.create(t, "dir.pat", "Pat", "Push")
	dn := d.mustUserDN(t, "dir.pat")
	if err := d.dir.CanBind(dn, dirPass1); err != nil {
		t.Fatalf("bind with the password given at create: %v", err)
	}
	// Okta cloud's password push.
	d.patchUser(t, id, `{"op":"replace","value":{"password":"`+dirPass2+`"}}`)
	if err := d.dir.CanBind(dn, dirPass2); err != nil {
		t.Errorf("bind with the pushed password: %v", err)
	}
	if err := d.dir.CanBind(dn, dirPass1); err == nil {
		t.Error("the old password still binds")
	}
}

func (d *dirSuite) deactivate(t *testing.T) {
	b := d.at(t)
	id := d.create(t, "dir.dee", "Dee", "Active")
	dn := d.mustUserDN(t, "dir.dee")
	if err := d.dir.CanBind(dn, dirPass1); err != nil {
		t.Fatalf("bind before deactivation: %v", err)
	}
	d.patchUser(t, id, `{"op":"replace","value":{"active":false}}`)
	if r := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK); str(r.body, "active") != "false" {
		t.Errorf("active after deactivation: %s", r.raw)
	}
	if err := d.dir.CanBind(dn, dirPass1); err == nil {
		t.Error("a deactivated user can still bind")
	}
	d.patchUser(t, id, `{"op":"replace","value":{"active":true}}`)
	if r := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK); str(r.body, "active") != "true" {
		t.Errorf("active after reactivation: %s", r.raw)
	}
	if err := d.dir.CanBind(dn, dirPass1); err != nil {
		t.Errorf("bind after reactivation: %v", err)
	}
}

func (d *dirSuite) rename(t *testing.T) {
	b := d.at(t)
	id := d.create(t, "dir.ren", "Ren", "Old")
	oldDN := d.mustUserDN(t, "dir.ren")
	d.patchUser(t, id, `{"op":"replace","path":"userName","value":"dir.ren2"}`)
	r := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK)
	if str(r.body, "userName") != "dir.ren2" || str(r.body, "id") != id {
		t.Errorf("after rename: %s", r.raw)
	}
	newDN := d.mustUserDN(t, "dir.ren2")
	if d.userDN(t, "dir.ren") != "" {
		t.Error("the old userName is still stored")
	}
	// The entry moves: where the RDN is the userName (OpenLDAP, 389-ds),
	// and in AD, whose CN was made from the old userName and would
	// otherwise block it for the next user (issue 18 item 4).
	rdn, _, _ := strings.Cut(newDN, ",")
	if !strings.EqualFold(rdn, d.cfg.Users.RDNAttribute+"=dir.ren2") {
		t.Errorf("DN after rename %s, want RDN %s=dir.ren2", newDN, d.cfg.Users.RDNAttribute)
	}
	if d.dir.Entry(t, oldDN) != nil {
		t.Errorf("old entry %s still there", oldDN)
	}
	if err := d.dir.CanBind(newDN, dirPass1); err != nil {
		t.Errorf("bind after rename: %v", err)
	}
}

func (d *dirSuite) groups(t *testing.T) {
	b := d.at(t)
	alice := d.create(t, "dir.gina", "Gina", "Member")
	bob := d.create(t, "dir.gus", "Gus", "Member")
	aliceDN, bobDN := d.mustUserDN(t, "dir.gina"), d.mustUserDN(t, "dir.gus")
	members := func(name string) []string { t.Helper(); return d.groupMembers(t, name) }

	r := b.do("POST", "/Groups", `{`+groupURN+`,"displayName":"dir-devs","members":[{"value":"`+alice+`"}]}`).want(t, http.StatusCreated)
	gid := str(r.body, "id")
	if got := members("dir-devs"); !equalStrings(got, []string{strings.ToLower(aliceDN)}) {
		t.Errorf("members after create %v, want %s", got, aliceDN)
	}
	both := sorted(strings.ToLower(aliceDN), strings.ToLower(bobDN))
	// Okta re-sends adds and removes: the second of each must be a no-op,
	// also where the directory has no Permissive Modify.
	for i := range 2 {
		b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"`+bob+`"}]}]}`).want(t, http.StatusNoContent)
		if got := members("dir-devs"); !equalStrings(got, both) {
			t.Errorf("members after add #%d: %v, want %v", i+1, got, both)
		}
	}
	if r := b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK); !equalStrings(memberValues(r), sorted(alice, bob)) {
		t.Errorf("SCIM members %v, want %v", memberValues(r), sorted(alice, bob))
	}
	for i := range 2 {
		b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members[value eq \"`+bob+`\"]"}]}`).want(t, http.StatusNoContent)
		if got := members("dir-devs"); !equalStrings(got, []string{strings.ToLower(aliceDN)}) {
			t.Errorf("members after remove #%d: %v", i+1, got)
		}
	}
	// The last member out: AD keeps an empty group, the others the placeholder.
	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"remove","path":"members","value":[{"value":"`+alice+`"}]}]}`).want(t, http.StatusNoContent)
	if got := members("dir-devs"); len(got) != 0 {
		t.Errorf("members after removing all: %v", got)
	}
	if r := b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK); len(memberValues(r)) != 0 {
		t.Errorf("SCIM members of an empty group: %s", r.raw)
	}

	b.do("PATCH", "/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"Replace","path":"displayName","value":"dir-ops"}]}`).want(t, http.StatusNoContent)
	if r := b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK); str(r.body, "displayName") != "dir-ops" {
		t.Errorf("after rename: %s", r.raw)
	}
	if n := len(d.dir.Search(t, d.cfg.Groups.BaseDN, "(cn=dir-devs)", "cn")); n != 0 {
		t.Errorf("%d entries still named dir-devs", n)
	}
	members("dir-ops")

	b.do("DELETE", "/Groups/"+gid, "").want(t, http.StatusNoContent)
	b.do("GET", "/Groups/"+gid, "").wantError(t, http.StatusNotFound, "")
	if n := len(d.dir.Search(t, d.cfg.Groups.BaseDN, "(cn=dir-ops)", "cn")); n != 0 {
		t.Errorf("group entry still there after DELETE")
	}
}

// pagedDirUsers is a few pages of Okta's 100, loaded straight into the
// directory (adds through the bridge would only make this slower).
const pagedDirUsers = 250

func (d *dirSuite) paging(t *testing.T) {
	b := d.at(t)
	d.dir.MustAddMany(t, pagedDirUsers, func(i int) (string, map[string][]string) {
		return d.plainUser(fmt.Sprintf("pg%03d", i))
	})
	seen := map[string]bool{}
	for start := 1; start <= pagedDirUsers; start += 100 {
		r := b.do("GET", fmt.Sprintf("/Users?filter=%s&startIndex=%d&count=100", url.QueryEscape(`userName sw "pg"`), start), "").want(t, http.StatusOK)
		if str(r.body, "totalResults") != fmt.Sprint(pagedDirUsers) {
			t.Fatalf("startIndex %d: totalResults %s, want %d", start, str(r.body, "totalResults"), pagedDirUsers)
		}
		list, _ := r.body["Resources"].([]interface{})
		if want := min(100, pagedDirUsers-start+1); len(list) != want {
			t.Errorf("startIndex %d: %d resources, want %d", start, len(list), want)
		}
		for _, u := range list {
			name := str(u, "userName")
			if seen[name] {
				t.Errorf("%s on two pages", name)
			}
			seen[name] = true
		}
	}
	if len(seen) != pagedDirUsers {
		t.Errorf("pages held %d distinct users, want %d", len(seen), pagedDirUsers)
	}
}

// plainUser is a user entry as the preset's directory would hold it.
func (d *dirSuite) plainUser(name string) (string, map[string][]string) {
	u := d.cfg.Users
	attrs := map[string][]string{"objectClass": u.ObjectClasses, "cn": {name}, "sn": {name}}
	attrs[u.UserNameAttribute] = []string{name}
	return u.RDNAttribute + "=" + name + "," + u.CreateDN, attrs
}

func first(e map[string][]string, attr string) string {
	if len(e[attr]) == 0 {
		return ""
	}
	return e[attr][0]
}
