package testldap

import (
	"slices"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// TestReplicated checks the multi-provider pair: writes on either side
// reach the other, with the serverID of their origin in entryCSN, the
// derived attributes (memberOf, refint) agree, and a provider killed with
// SIGKILL catches up with what the other took meanwhile once restarted.
func TestReplicated(t *testing.T) {
	t0 := time.Now()
	a, b := StartReplicated(t, Options{NoSync: true})
	t.Logf("pair started and in sync in %v (%s, %s)", time.Since(t0), a.URL, b.URL)
	if a.ServerID() != 1 || b.ServerID() != 2 {
		t.Fatalf("ServerID = %d, %d", a.ServerID(), b.ServerID())
	}
	if b.Entry(t, a.PeopleDN) == nil || b.Entry(t, "cn=default,ou=Policies,"+a.BaseDN) == nil {
		t.Fatal("b did not get a's base entries")
	}

	person := func(uid string) map[string][]string {
		return map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {uid}, "cn": {uid}, "sn": {uid}}
	}
	alice, bob := "uid=alice,"+a.PeopleDN, "uid=bob,"+a.PeopleDN
	group := "cn=devs," + a.GroupsDN
	a.MustAdd(t, alice, person("alice"))
	b.MustAdd(t, bob, person("bob"))
	a.MustAdd(t, group, map[string][]string{"objectClass": {"groupOfNames"}, "cn": {"devs"}, "member": {alice, bob}})
	t.Logf("caught up after three adds in %v", WaitInSync(t, a, b, 10*time.Second))

	for _, tc := range []struct {
		dn     string
		origin int
	}{{alice, 1}, {bob, 2}, {group, 1}} {
		for _, s := range []*Server{a, b} {
			e := s.Entry(t, tc.dn, "entryCSN", "entryUUID")
			if e == nil {
				t.Fatalf("%s: %s missing", s.URL, tc.dn)
			}
			if got := CSNServerID(e["entrycsn"][0]); got != tc.origin {
				t.Errorf("%s: %s entryCSN %v: serverID %d, want %d", s.URL, tc.dn, e["entrycsn"], got, tc.origin)
			}
		}
		if ua, ub := a.Entry(t, tc.dn, "entryUUID")["entryuuid"], b.Entry(t, tc.dn, "entryUUID")["entryuuid"]; !slices.Equal(ua, ub) {
			t.Errorf("%s: entryUUID %v on a, %v on b", tc.dn, ua, ub)
		}
	}
	for _, s := range []*Server{a, b} {
		for _, dn := range []string{alice, bob} {
			if got := s.Entry(t, dn, "memberOf")["memberof"]; !slices.Equal(got, []string{group}) {
				t.Errorf("%s: memberOf of %s = %v, want [%s]", s.URL, dn, got, group)
			}
		}
	}

	// An outage of a: b takes writes, including a delete that refint
	// follows into the group; a restarted a catches up.
	if err := a.Kill(); err != nil {
		t.Fatal(err)
	}
	carol := "uid=carol," + a.PeopleDN
	b.MustAdd(t, carol, person("carol"))
	b.MustModify(t, alice, map[string][]string{"sn": {"Smith"}})
	c := b.admin(t)
	if err := c.Del(ldap.NewDelRequest(bob, nil)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	t1 := time.Now()
	if err := a.Restart(); err != nil {
		t.Fatal(err)
	}
	t.Logf("a restarted in %v, caught up %v later", time.Since(t1), WaitInSync(t, a, b, 20*time.Second))
	if a.Entry(t, carol) == nil {
		t.Error("a lacks carol, added on b while a was down")
	}
	if got := a.Entry(t, alice, "sn")["sn"]; !slices.Equal(got, []string{"Smith"}) {
		t.Errorf("a: sn of alice = %v, want [Smith]", got)
	}
	if a.Entry(t, bob) != nil {
		t.Error("a still has bob, deleted on b while a was down")
	}
	for _, s := range []*Server{a, b} {
		if got := s.Entry(t, group, "member")["member"]; !slices.Equal(got, []string{alice}) {
			t.Errorf("%s: members of %s = %v, want [%s]", s.URL, group, got, alice)
		}
	}
}

func TestCSNServerID(t *testing.T) {
	for _, tc := range []struct {
		csn  string
		want int
	}{
		{"20261204231000.123456Z#000000#001#000000", 1},
		{"20261204231000.123456Z#000000#00a#000000", 10},
		{"20261204231000.123456Z", -1},
		{"x#y#zz#w", -1},
	} {
		if got := CSNServerID(tc.csn); got != tc.want {
			t.Errorf("CSNServerID(%q) = %d, want %d", tc.csn, got, tc.want)
		}
	}
}
