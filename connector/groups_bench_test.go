package connector_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// bigGroupMembers is the group size issue 3 asks about: Okta and Entra
// groups of everyone in a department or a company.
const bigGroupMembers = 10000

// bigGroupDir preloads bigGroupMembers users, all members of cn=big
// (groupOfNames), plus 100 users outside it to add and remove.
func bigGroupDir(tb testing.TB, debug string) *testldap.Server {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "biggroup.ldif")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range bigGroupMembers + 100 {
		uid := fmt.Sprintf("user%06d@example.com", i)
		fmt.Fprintf(w, "dn: uid=%s,ou=People,dc=example,dc=com\nobjectClass: inetOrgPerson\nuid: %s\ncn: User %d\nsn: %d\nmail: %s\n\n", uid, uid, i, i, uid)
	}
	fmt.Fprintf(w, "dn: cn=big,ou=Groups,dc=example,dc=com\nobjectClass: groupOfNames\ncn: big\n")
	for i := range bigGroupMembers {
		fmt.Fprintf(w, "member: uid=user%06d@example.com,ou=People,dc=example,dc=com\n", i)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return testldap.Start(tb, testldap.Options{NoSync: true, LDAPSPort: -1, PreloadLDIF: path, Debug: debug})
}

// groupID looks the big group up by displayName.
// slapdLogFrom returns a function giving the lines dir's slapd.log gained
// since slapdLogFrom was called; dir must run with a debug level.
func slapdLogFrom(t *testing.T, dir *testldap.Server) func() []string {
	t.Helper()
	path := filepath.Join(dir.Dir, "slapd.log")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return func() []string {
		t.Helper()
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(string(after[fi.Size():]), "\n")
	}
}

func (b *benchBridge) groupID() string {
	b.tb.Helper()
	raw := b.do(http.StatusOK, "GET", "/Groups?excludedAttributes=members&filter="+url.QueryEscape(`displayName eq "big"`), "")
	var r struct{ Resources []struct{ ID string } }
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Resources) != 1 {
		b.tb.Fatalf("group lookup: %s", raw)
	}
	return r.Resources[0].ID
}

// Okta's membership PATCHes.
func addMemberBody(id string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + id + `"}]}]}`
}

func removeMemberBody(id string) string {
	return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"` + id + `\"]"}]}`
}

// BenchmarkLargeGroup: one member added to or removed from a group of
// 10,000 costs one LDAP modify (ldap-modify/op) and a few indexed
// searches, and reading the group without its members does not read them.
func BenchmarkLargeGroup(bm *testing.B) {
	b := newBenchBridge(bm, bigGroupDir(bm, ""))
	gid := b.groupID()
	outsiders := make([]string, 100)
	for i := range outsiders {
		outsiders[i] = b.idOf(fmt.Sprintf("user%06d@example.com", bigGroupMembers+i))
	}
	bm.Run("PATCH add one member", func(bm *testing.B) {
		for i := range bm.N {
			bm.StopTimer()             // each iteration adds an outsider that is not in yet
			if i%len(outsiders) == 0 { // also what an earlier run added
				for _, id := range outsiders {
					b.do(http.StatusNoContent, "PATCH", "/Groups/"+gid, removeMemberBody(id))
				}
			}
			b.ops.take()
			bm.StartTimer()
			b.do(http.StatusNoContent, "PATCH", "/Groups/"+gid, addMemberBody(outsiders[i%len(outsiders)]))
			bm.StopTimer()
			b.ops.count(bm)
			bm.StartTimer()
		}
		b.ops.report(bm)
	})
	bm.Run("PATCH remove one member", func(bm *testing.B) {
		b.ops.take()
		for i := range bm.N {
			bm.StopTimer()
			id := outsiders[i%len(outsiders)]
			b.do(http.StatusNoContent, "PATCH", "/Groups/"+gid, addMemberBody(id))
			b.ops.take()
			bm.StartTimer()
			b.do(http.StatusNoContent, "PATCH", "/Groups/"+gid, removeMemberBody(id))
			bm.StopTimer()
			b.ops.count(bm)
			bm.StartTimer()
		}
		b.ops.report(bm)
	})
	for _, q := range []string{"?excludedAttributes=members", ""} {
		bm.Run("GET"+q, func(bm *testing.B) {
			b.ops.take()
			for range bm.N {
				b.do(http.StatusOK, "GET", "/Groups/"+gid+q, "")
			}
			b.reportOps(bm)
		})
	}
}

// TestLargeGroupPatchIsOneModify: the LDAP side of a membership PATCH on a
// group of 10,000, from slapd's own operation log: one modify of one value,
// and no search returns the member attribute.
func TestLargeGroupPatchIsOneModify(t *testing.T) {
	t.Parallel() // its own slapd
	dir := bigGroupDir(t, "stats")
	b := newBenchBridge(t, dir)
	gid := b.groupID()
	uid := fmt.Sprintf("user%06d@example.com", bigGroupMembers)
	id := b.idOf(uid)
	for _, tt := range []struct{ name, body string }{
		{"add", addMemberBody(id)},
		{"remove", removeMemberBody(id)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logged := slapdLogFrom(t, dir)
			b.ops.take()
			b.do(http.StatusNoContent, "PATCH", "/Groups/"+gid, tt.body)
			if n := b.ops.take()["modify"]; n != 1 {
				t.Errorf("%d LDAP modifies, want 1", n)
			}
			var mods, memberReads []string
			for _, line := range logged() {
				switch {
				case strings.Contains(line, " MOD attr="):
					mods = append(mods, line[strings.Index(line, "MOD attr="):])
				case strings.Contains(line, " SRCH attr=") && strings.Contains(strings.ToLower(line), " member"):
					memberReads = append(memberReads, line)
				}
			}
			if len(mods) != 1 || mods[0] != "MOD attr=member" {
				t.Errorf("slapd logged modifies %q, want one of member", mods)
			}
			if len(memberReads) > 0 {
				t.Errorf("searches returned the member attribute: %q", memberReads)
			}
			want := bigGroupMembers + map[string]int{"add": 1, "remove": 0}[tt.name]
			if got := len(dir.Entry(t, "cn=big,ou=Groups,dc=example,dc=com", "member")["member"]); got != want {
				t.Errorf("the group has %d members, want %d", got, want)
			}
		})
	}
}
