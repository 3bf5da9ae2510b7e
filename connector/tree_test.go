package connector_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

const enterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// genAttr is the generated login of treeConfig: on AD the sAMAccountName
// (which AD itself keeps unique), with the UPN as userName.
func (d *dirSuite) genAttr() string {
	if d.dir.Kind == testldap.SambaAD {
		return "sAMAccountName"
	}
	return "employeeNumber"
}

// treeConfig is the suite's preset config plus issue 13's tree: department
// OUs made on demand, a disabled OU searched as a second base, a generated
// unique login (≤ 12 characters) and uidNumber from 10000.
func (d *dirSuite) treeConfig(t *testing.T) *config.Config {
	cfg := presetConfig(t, d.dir)
	people, disabled := d.dir.PeopleDN, "ou=Disabled Users,"+d.dir.BaseDN
	deptAttr := "departmentNumber"
	if d.dir.Kind == testldap.SambaAD {
		deptAttr = "department"
		people, disabled = "OU=People,"+d.dir.BaseDN, "OU=Disabled Users,"+d.dir.BaseDN
	}
	u := &cfg.Users
	u.BaseDNs = []string{disabled}
	u.Placement = config.Placement{CreateContainers: true, Rules: []config.PlacementRule{
		{When: `enterprise.department != ""`, Container: "ou={enterprise.department}," + people},
	}}
	u.OnDeactivate = config.OnDeactivate{MoveTo: disabled, Set: []config.SetAttribute{{LDAP: "description", Template: "Disabled by scim2ldap {now}"}}}
	u.Attributes = append(u.Attributes,
		config.AttributeMapping{SCIM: enterpriseUser + ":department", LDAP: deptAttr},
		config.AttributeMapping{LDAP: d.genAttr(), Template: `{lower(ascii(name.givenName + "." + name.familyName))}`, Unique: true, MaxLength: 12},
		config.AttributeMapping{LDAP: "uidNumber", AllocateFrom: 10000},
	)
	cfg.Groups.Placement = config.Placement{CreateContainers: true, Rules: []config.PlacementRule{
		{When: `displayName startsWith "eng-"`, Container: "ou=Engineering," + cfg.Groups.BaseDN},
	}}
	if d.dir.Kind == testldap.SambaAD {
		u.UserNameAttribute, u.UserNameMaxLength = "userPrincipalName", -1
	} else {
		// posixAccount holds uidNumber; AD's user class has it already.
		u.ObjectClasses = append(u.ObjectClasses, "posixAccount")
		u.Attributes = append(u.Attributes,
			config.AttributeMapping{LDAP: "gidNumber", Template: "10000"},
			config.AttributeMapping{LDAP: "homeDirectory", Template: "/home/{lower(ascii(userName))}"})
	}
	return cfg
}

func (d *dirSuite) tree(t *testing.T) {
	cfg := d.treeConfig(t)
	b := bridgeFor(t, d.dir, cfg)
	people, disabled := cfg.Users.BaseDN, cfg.Users.BaseDNs[0]
	find := func(userName string) string {
		t.Helper()
		found := d.dir.Search(t, d.dir.BaseDN, "("+cfg.Users.UserNameAttribute+"="+userName+")", "description")
		if len(found) != 1 {
			t.Fatalf("%d entries for %s: %v", len(found), userName, found)
		}
		for dn := range found {
			return dn
		}
		return ""
	}
	var id string
	patch := func(ops string) {
		t.Helper()
		b.do("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[`+ops+`]}`).want(t, http.StatusOK)
	}
	parentOf := func(dn string) string { p, _ := ldapstore.ParentDN(dn); return p }
	body := func(userName, dept string, active bool) string {
		ext := ""
		if dept != "" {
			ext = fmt.Sprintf(`,%q:{"department":%q}`, enterpriseUser, dept)
		}
		return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"name":{"givenName":"T","familyName":"Ree"},"password":%q,"active":%v%s}`,
			userName, dirPass1, active, ext)
	}

	// Placement, with the OU created on demand (its name needs escaping).
	dept := "Sales, EMEA"
	salesOU := "ou=" + ldapstore.EscapeDNValue(dept) + "," + people
	id = b.create(body("tree.ann", dept, true))
	if dn := find("tree.ann"); !ldapstore.EqualDN(parentOf(dn), salesOU) {
		t.Fatalf("placed at %s, want below %s", dn, salesOU)
	}
	plain := b.create(body("tree.bob", "", true))
	if dn := find("tree.bob"); !ldapstore.EqualDN(parentOf(dn), people) {
		t.Errorf("user without department at %s, want below %s", dn, people)
	}

	// A move on update: id and group membership follow.
	gid := str(b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"tree-crew","members":[{"value":"`+id+`"}]}`).want(t, http.StatusCreated).body, "id")
	patch(`{"op":"replace","path":"` + enterpriseUser + `:department","value":"Support"}`)
	supportOU := "ou=Support," + people
	moved := find("tree.ann")
	if !ldapstore.EqualDN(parentOf(moved), supportOU) {
		t.Fatalf("after the department change at %s, want below %s", moved, supportOU)
	}
	if r := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK); !strings.Contains(string(r.raw), `"department":"Support"`) {
		t.Errorf("GET after move: %s", r.raw)
	}
	if r := b.do("GET", "/Groups/"+gid, "").want(t, http.StatusOK); !strings.Contains(string(r.raw), id) {
		t.Errorf("group lost the moved member: %s", r.raw)
	}
	if d.dir.Kind != testldap.OpenLDAP || cfg.Groups.Model != config.PosixGroup {
		ge := d.dir.Search(t, d.dir.BaseDN, "(cn=tree-crew)", "member")
		ok := false
		for _, e := range ge {
			for _, m := range e["member"] {
				ok = ok || ldapstore.EqualDN(m, moved)
			}
		}
		if !ok {
			t.Errorf("group member values do not name the new DN %s: %v", moved, ge)
		}
	}

	// The disabled-OU round trip.
	patch(`{"op":"replace","value":{"active":false}}`)
	dn := find("tree.ann")
	if !ldapstore.EqualDN(parentOf(dn), disabled) {
		t.Fatalf("deactivated user at %s, want below %s", dn, disabled)
	}
	if e := d.dir.Entry(t, dn, "description"); !strings.HasPrefix(first(e, "description"), "Disabled by scim2ldap 20") {
		t.Errorf("description after deactivation: %v", e)
	}
	if r := b.do("GET", "/Users/"+id, "").want(t, http.StatusOK); str(r.body, "active") != "false" {
		t.Errorf("GET of a disabled user: %s", r.raw)
	}
	r := b.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "tree.ann"`), "").want(t, http.StatusOK)
	if str(r.body, "totalResults") != "1" || str(r.body, "Resources.0.id") != id || str(r.body, "Resources.0.active") != "false" {
		t.Errorf("userName eq finds no disabled user: %s", r.raw)
	}
	patch(`{"op":"replace","value":{"active":true}}`)
	dn = find("tree.ann")
	if !ldapstore.EqualDN(parentOf(dn), supportOU) {
		t.Errorf("reactivated user at %s, want back below %s", dn, supportOU)
	}
	if e := d.dir.Entry(t, dn, "description"); len(e["description"]) != 0 {
		t.Errorf("description kept after reactivation: %v", e)
	}
	b.do("DELETE", "/Users/"+plain, "").want(t, http.StatusNoContent)

	// Groups are placed too: a rename that changes the rule's answer moves
	// the group; its id and members stay.
	eng := b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"eng-core","members":[{"value":"`+id+`"}]}`).want(t, http.StatusCreated)
	engID := str(eng.body, "id")
	groupDN := func(cn string) string {
		t.Helper()
		for dn := range d.dir.Search(t, cfg.Groups.BaseDN, "(cn="+cn+")", "cn") {
			return dn
		}
		t.Fatalf("no group cn=%s", cn)
		return ""
	}
	if dn := groupDN("eng-core"); !ldapstore.EqualDN(parentOf(dn), "ou=Engineering,"+cfg.Groups.BaseDN) {
		t.Errorf("group placed at %s", dn)
	}
	b.do("PATCH", "/Groups/"+engID, `{`+patchOp+`,"Operations":[{"op":"replace","path":"displayName","value":"core"}]}`).want(t, http.StatusNoContent)
	if dn := groupDN("core"); !ldapstore.EqualDN(parentOf(dn), cfg.Groups.BaseDN) {
		t.Errorf("renamed group at %s, want moved to %s", dn, cfg.Groups.BaseDN)
	}
	if r := b.do("GET", "/Groups/"+engID, "").want(t, http.StatusOK); !strings.Contains(string(r.raw), id) || str(r.body, "displayName") != "core" {
		t.Errorf("moved group: %s", r.raw)
	}

	t.Run("import across two bases", func(t *testing.T) { d.importTwoBases(t, b, disabled) })
	t.Run("concurrent generated values", func(t *testing.T) { d.concurrentGenerated(t, b) })
	if d.dir.Kind == testldap.SambaAD {
		t.Run("examples/active-directory.yaml with a generated sAMAccountName", d.adExampleGenerated)
	}
}

// importTwoBases creates 250 users, half in each base, and pages through
// /Users as Okta's import does: each is listed exactly once.
func (d *dirSuite) importTwoBases(t *testing.T, b *bed, disabled string) {
	b.t = t
	const n = 250
	ids := make([]string, n)
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"imp.%03d","name":{"givenName":"I","familyName":"Mp"},"password":%q,"active":%v}`, i, dirPass1, i%2 == 0)
				r := b.do("POST", "/Users", body)
				if r.status != http.StatusCreated {
					t.Errorf("create %d: %d %s", i, r.status, r.raw)
					continue
				}
				ids[i] = str(r.body, "id")
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		return
	}
	if got := len(d.dir.Search(t, disabled, "(objectClass=*)", "1.1")); got < n/2 {
		t.Fatalf("%d entries below %s, want at least %d", got, disabled, n/2)
	}
	seen := map[string]int{}
	total := 0
	for start := 1; start < 5000; start += 100 {
		r := b.do("GET", "/Users?startIndex="+strconv.Itoa(start)+"&count=100&attributes=userName", "").want(t, http.StatusOK)
		total, _ = strconv.Atoi(str(r.body, "totalResults"))
		res, _ := get(r.body, "Resources").([]interface{})
		for _, x := range res {
			seen[str(x, "id")]++
		}
		if len(res) < 100 {
			break
		}
	}
	for i, id := range ids {
		if seen[id] != 1 {
			t.Errorf("imp.%03d listed %d times", i, seen[id])
		}
	}
	if total != len(seen) {
		t.Errorf("totalResults %d, listed %d distinct users", total, len(seen))
	}
}

// concurrentGenerated makes 20 users at once whose generated login and
// uidNumber collide; all 20 end with distinct values.
func (d *dirSuite) concurrentGenerated(t *testing.T, b *bed) {
	b.t = t
	const n = 20
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"zn.%02d","name":{"givenName":"Zoë","familyName":"Núñez"},"password":%q,"active":true}`, i, dirPass1)
			r := b.do("POST", "/Users", body)
			if r.status != http.StatusCreated {
				t.Errorf("create %d: %d %s", i, r.status, r.raw)
				return
			}
			ids[i] = str(r.body, "id")
		}()
	}
	wg.Wait()
	found := d.dir.Search(t, d.dir.BaseDN, "("+d.genAttr()+"=zoe.nunez*)", d.genAttr(), "uidNumber")
	logins, numbers := map[string]bool{}, map[string]bool{}
	for dn, e := range found {
		login, num := first(e, strings.ToLower(d.genAttr())), first(e, "uidnumber")
		if len(login) > 12 || !strings.HasPrefix(login, "zoe.nunez") {
			t.Errorf("%s: generated %q", dn, login)
		}
		if v, err := strconv.Atoi(num); err != nil || v < 10000 {
			t.Errorf("%s: uidNumber %q", dn, num)
		}
		logins[login], numbers[num] = true, true
	}
	if len(found) != n || len(logins) != n || len(numbers) != n {
		t.Errorf("%d entries, %d distinct logins, %d distinct uidNumbers; want %d each: %v", len(found), len(logins), len(numbers), n, found)
	}
}

// adExampleGenerated runs examples/active-directory.yaml with the edits its
// comments give for a generated sAMAccountName, on Samba: placement by
// division, jdoe then jdoe1, and the disabled OU.
func (d *dirSuite) adExampleGenerated(t *testing.T) {
	raw, err := os.ReadFile("../examples/active-directory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for _, r := range [][2]string{
		{"    - ldap: sAMAccountName\n      template: \"{userName|localPart|samAccountName}\"\n", ""},
		{"    # - ldap: sAMAccountName\n", "    - ldap: sAMAccountName\n"},
		{"    #   template: ", "      template: "},
		{"    #   unique: true\n", "      unique: true\n"},
		{"    #   maxLength: 20\n", "      maxLength: 20\n"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("examples/active-directory.yaml no longer has %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	disabled := "OU=Disabled Users," + d.dir.BaseDN
	for k, v := range map[string]string{
		"SCIM2LDAP_LDAP_URL": d.dir.LDAPSURL, "SCIM2LDAP_LDAP_CA_FILE": d.dir.CAFile, "SCIM2LDAP_LDAP_SERVER_NAME": d.dir.ServerName,
		"SCIM2LDAP_BIND_DN": d.dir.BindDN, "SCIM2LDAP_BIND_PASSWORD": d.dir.BindPassword,
		"SCIM2LDAP_USERS_DN": d.dir.PeopleDN, "SCIM2LDAP_GROUPS_DN": d.dir.GroupsDN, "SCIM2LDAP_DISABLED_DN": disabled,
	} {
		t.Setenv(k, v)
	}
	cfg, err := config.Parse([]byte(s), "active-directory.yaml, generated sAMAccountName")
	if err != nil {
		t.Fatal(err)
	}
	b := bridgeFor(t, d.dir, cfg)
	body := func(upn, division string) string {
		return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + upn + `","name":{"givenName":"John","familyName":"Doe"},"password":"` + dirPass1 +
			`","` + enterpriseUser + `":{"division":"` + division + `"}}`
	}
	id1 := b.create(body("john.doe@example.com", "Research"))
	b.create(body("john.doe@other.example.com", ""))
	byUPN := func(upn string) (string, map[string][]string) {
		t.Helper()
		for dn, e := range d.dir.Search(t, d.dir.BaseDN, "(userPrincipalName="+upn+")", "sAMAccountName", "description") {
			return dn, e
		}
		t.Fatalf("no entry with userPrincipalName=%s", upn)
		return "", nil
	}
	dn, e := byUPN("john.doe@example.com")
	if first(e, "samaccountname") != "jdoe" || !ldapstore.EqualDN(dn, "CN=john.doe@example.com,OU=Research,"+d.dir.PeopleDN) {
		t.Errorf("first John Doe: %s %v", dn, e)
	}
	if _, e := byUPN("john.doe@other.example.com"); first(e, "samaccountname") != "jdoe1" {
		t.Errorf("second John Doe: %v", e)
	}
	b.do("PATCH", "/Users/"+id1, `{`+patchOp+`,"Operations":[{"op":"replace","path":"active","value":false}]}`).want(t, http.StatusOK)
	if dn, e = byUPN("john.doe@example.com"); !strings.HasSuffix(strings.ToLower(dn), strings.ToLower(disabled)) || first(e, "description") == "" {
		t.Errorf("disabled John Doe: %s %v", dn, e)
	}
	b.do("PATCH", "/Users/"+id1, `{`+patchOp+`,"Operations":[{"op":"replace","path":"active","value":true}]}`).want(t, http.StatusOK)
	if dn, _ = byUPN("john.doe@example.com"); !ldapstore.EqualDN(dn, "CN=john.doe@example.com,OU=Research,"+d.dir.PeopleDN) {
		t.Errorf("reactivated John Doe at %s", dn)
	}
}
