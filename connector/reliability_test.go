package connector_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// TestConcurrentCreates: 20 creates of one userName at once, as Okta's
// retries or two bridges behind a load balancer produce, leave exactly one
// entry; one client gets 201 and the others 409 uniqueness.
func TestConcurrentCreates(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*config.Config)
	}{
		// uid=<userName>: the directory's entryAlreadyExists decides.
		{"RDN is userName", nil},
		// cn=<given family>: every add succeeds; the re-check after the
		// add removes the later entries.
		{"RDN is another attribute", func(c *config.Config) { c.Users.RDNAttribute, c.Users.UserNameAttribute = "cn", "uid" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bridge{cfg: tt.cfg}.start(t)
			const n = 20
			statuses := make([]resp, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					// Different given names: with cn as RDN no two adds collide.
					r, err := b.send(http.DefaultClient, "POST", "/Users", userBody("race@corp.local", "Racer"+strconv.Itoa(i), "Same", "Pass-word-1"),
						map[string]string{"Authorization": "Bearer " + exampleToken})
					if err != nil {
						t.Error(err)
					}
					statuses[i] = r
				}()
			}
			close(start)
			wg.Wait()
			created := 0
			for _, r := range statuses {
				switch r.status {
				case http.StatusCreated:
					created++
				case http.StatusConflict:
					r.wantError(t, http.StatusConflict, "uniqueness")
				default:
					t.Errorf("status %d: %s", r.status, r.raw)
				}
			}
			if created != 1 {
				t.Errorf("%d creates succeeded, want exactly 1", created)
			}
			if got := b.dir.Search(t, b.dir.PeopleDN, "(uid=race@corp.local)", "uid", "cn"); len(got) != 1 {
				t.Errorf("%d entries with the userName, want 1: %v", len(got), got)
			}
			if got := b.dir.Search(t, b.dir.PeopleDN, "(sn=Same)", "cn"); len(got) != 1 {
				t.Errorf("%d entries left by the race, want 1: %v", len(got), got)
			}
		})
	}
}

// TestRepeatedRequests: Okta re-sends a request whose answer it did not
// get. The repeat must reach the same end state, and writes nothing when
// the first one was applied.
func TestRepeatedRequests(t *testing.T) {
	b := newBed(t)
	uid := b.create(userBody("again@corp.local", "Again", "User", "Pass-word-1"))
	other := b.create(userBody("other@corp.local", "Other", "User", "Pass-word-1"))
	g := b.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Repeat"}`).want(t, http.StatusCreated)
	gid := str(g.body, "id")

	tests := []struct {
		name, method, path, body string
		first, again             int
	}{
		{"PATCH user (Okta deactivate)", "PATCH", "/Users/" + uid, `{` + patchOp + `,"Operations":[{"op":"replace","value":{"active":false}}]}`, 200, 200},
		{"PATCH user attribute", "PATCH", "/Users/" + uid, `{` + patchOp + `,"Operations":[{"op":"replace","path":"title","value":"Engineer"}]}`, 200, 200},
		{"PUT user (Okta agent)", "PUT", "/Users/" + uid, userBody("again@corp.local", "Again", "Renamed", "Pass-word-2"), 200, 200},
		{"add member", "PATCH", "/Groups/" + gid, `{` + patchOp + `,"Operations":[{"op":"add","path":"members","value":[{"value":"` + uid + `"},{"value":"` + other + `"}]}]}`, 204, 204},
		{"remove member (Entra)", "PATCH", "/Groups/" + gid, `{` + patchOp + `,"Operations":[{"op":"Remove","path":"members","value":[{"value":"` + other + `"}]}]}`, 204, 204},
		{"remove member by filter", "PATCH", "/Groups/" + gid, `{` + patchOp + `,"Operations":[{"op":"remove","path":"members[value eq \"` + uid + `\"]"}]}`, 204, 204},
		// clients.md: a second DELETE gets 404, which Okta and Entra treat
		// as done.
		{"DELETE group", "DELETE", "/Groups/" + gid, "", 204, 404},
		{"DELETE user", "DELETE", "/Users/" + other, "", 204, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.do(tt.method, tt.path, tt.body).want(t, tt.first)
			after := b.snapshot()
			r := b.do(tt.method, tt.path, tt.body)
			if tt.again >= 400 {
				r.wantError(t, tt.again, "")
			} else {
				r.want(t, tt.again)
			}
			b.unchanged(t, after)
		})
	}
	// The PUT came last: it removed title (PUT replaces the mapped
	// attributes) and reactivated the user.
	if e := b.entry("again@corp.local", "title", "sn", "pwdAccountLockedTime"); len(e["sn"]) != 1 || e["sn"][0] != "Renamed" || e["title"] != nil || e["pwdaccountlockedtime"] != nil {
		t.Errorf("end state: %v", e)
	}
}

// outageBridge is a bridge with small bounds, so that outages show within
// seconds.
func outageBridge(t *testing.T, o bridge) *bed {
	t.Helper()
	tweak := o.cfg
	o.cfg = func(c *config.Config) {
		c.Server.RequestTimeout = 3 * time.Second
		c.LDAP.DialTimeout, c.LDAP.RequestTimeout = time.Second, 2*time.Second
		if tweak != nil {
			tweak(c)
		}
	}
	return o.start(t)
}

// TestDirectoryKilledAndRestarted: with slapd gone every request fails
// within the configured bound as a SCIM 5xx and /readyz is red; once slapd
// is back on its port, the next request succeeds with the same bridge.
func TestDirectoryKilledAndRestarted(t *testing.T) {
	b := outageBridge(t, bridge{})
	id := b.create(userBody("outage@corp.local", "Out", "Age", "Pass-word-1"))
	if got := b.ready(); got != http.StatusOK {
		t.Fatalf("/readyz %d before the outage", got)
	}
	// Killed mid-run: four clients create users one after the other; slapd
	// dies once a few have succeeded. Every request ends as 201 or a SCIM
	// 5xx, none hangs, and every 201 is in the directory after the restart.
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := map[string]bool{}
	codes := map[int]int{}
	killed := make(chan struct{})
	enough := make(chan struct{}, 16)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 50 {
				name := fmt.Sprintf("mid%d-%d@corp.local", w, k)
				r, _ := b.timed("POST", "/Users", userBody(name, "Mid", "Run", "Pass-word-1"))
				mu.Lock()
				codes[r.status]++
				mu.Unlock()
				if r.status != http.StatusCreated {
					want5xx(t, r)
					select {
					case <-killed:
						return
					default: // a failure before the kill: the directory had a hiccup; go on
					}
					continue
				}
				mu.Lock()
				created[name] = true
				mu.Unlock()
				select {
				case enough <- struct{}{}:
				default:
				}
			}
		}()
	}
	for range 4 {
		<-enough
	}
	if err := b.dir.Kill(); err != nil {
		t.Fatal(err)
	}
	close(killed)
	wg.Wait()
	t.Logf("creates around the kill: %v (status: count)", codes)
	for _, rq := range []struct{ method, path, body string }{
		{"GET", "/Users/" + id, ""},
		{"GET", "/Users?filter=" + urlEscape(`userName eq "outage@corp.local"`), ""},
		{"POST", "/Users", userBody("during@corp.local", "Dur", "Ing", "Pass-word-1")},
		{"PATCH", "/Users/" + id, `{` + patchOp + `,"Operations":[{"op":"replace","path":"title","value":"x"}]}`},
	} {
		r, took := b.timed(rq.method, rq.path, rq.body)
		t.Logf("%s %s with slapd killed: %d after %v", rq.method, rq.path, r.status, took.Round(time.Millisecond))
		want5xx(t, r)
	}
	if got := b.ready(); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz %d with slapd killed, want 503", got)
	}
	if err := b.dir.Restart(); err != nil {
		t.Fatal(err)
	}
	// A write first: it may meet a pooled connection of the dead slapd, and
	// must then be retried on a fresh one (it never left), not fail.
	r, _ := b.timed("PATCH", "/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"title","value":"back"}]}`)
	r.want(t, http.StatusOK)
	r, _ = b.timed("GET", "/Users/"+id, "")
	r.want(t, http.StatusOK)
	if str(r.body, "title") != "back" {
		t.Errorf("after restart: %s", r.raw)
	}
	if got := b.ready(); got != http.StatusOK {
		t.Errorf("/readyz %d after restart", got)
	}
	b.create(userBody("after@corp.local", "Aft", "Er", "Pass-word-1"))
	for name := range created {
		if e := b.entry(name, "uid"); e == nil {
			t.Errorf("%s got 201 but is not in the directory", name)
		}
	}
	// A create cut after its add cannot roll back with the directory gone:
	// its entry stays (logged as "create rollback failed"), see README.
	if left := len(b.dir.Search(t, b.dir.PeopleDN, "(sn=Run)", "uid")) - len(created); left > 0 {
		t.Logf("%d creates cut by the kill left their entry; the log names them: %v", left, strings.Count(b.logs.String(), "create rollback failed") == left)
	}
	if e := b.entry("during@corp.local"); e != nil {
		t.Errorf("the create sent during the outage left an entry: %v", e)
	}
}

// TestDirectoryHung: a slapd that accepts connections but answers nothing
// (SIGSTOP) makes requests fail within the bound, not hang; after it
// resumes the bridge works again.
func TestDirectoryHung(t *testing.T) {
	b := outageBridge(t, bridge{})
	id := b.create(userBody("hung@corp.local", "Hu", "Ng", "Pass-word-1"))
	if err := b.dir.Pause(); err != nil {
		t.Fatal(err)
	}
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			_ = b.dir.Resume()
		}
	})
	for _, rq := range []struct{ method, path, body string }{
		{"GET", "/Users/" + id, ""},
		{"POST", "/Users", userBody("frozen@corp.local", "Fro", "Zen", "Pass-word-1")},
	} {
		r, took := b.timed(rq.method, rq.path, rq.body)
		t.Logf("%s %s with slapd paused: %d after %v", rq.method, rq.path, r.status, took.Round(time.Millisecond))
		want5xx(t, r)
	}
	if got := b.ready(); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz %d with slapd paused, want 503", got)
	}
	resumed = true
	if err := b.dir.Resume(); err != nil {
		t.Fatal(err)
	}
	r, _ := b.timed("GET", "/Users/"+id, "")
	r.want(t, http.StatusOK)
}

// TestFailover: with two URLs and the first directory killed, requests go
// to the second without a restart of the bridge.
func TestFailover(t *testing.T) {
	first, second := testldap.Start(t), testldap.Start(t)
	b := outageBridge(t, bridge{dir: second, urls: []string{first.URL, second.URL}})
	b.do("GET", "/Users", "").want(t, http.StatusOK)
	if err := first.Kill(); err != nil {
		t.Fatal(err)
	}
	// The create goes first: a request that provably never left on a dead
	// pooled connection is retried once on a fresh one, which fails over.
	b.create(userBody("failover@corp.local", "Fail", "Over", "Pass-word-1"))
	r, _ := b.timed("GET", "/Users?filter="+urlEscape(`userName eq "failover@corp.local"`), "")
	r.want(t, http.StatusOK)
	if str(r.body, "totalResults") != "1" {
		t.Errorf("lookup after failover: %s", r.raw)
	}
	if e := b.entry("failover@corp.local", "uid"); e == nil {
		t.Errorf("user not in the second directory")
	}
	if !strings.Contains(b.logs.String(), "connected to a fallback URL") {
		t.Errorf("the failover is not logged")
	}
	// Ready, on the second URL, and visible to monitoring.
	if status, body := plainGet(t, b.http.URL+"/readyz"); status != http.StatusOK || !strings.Contains(body, `"ldapURL":"ldap.urls[1]"`) {
		t.Errorf("/readyz after failover: %d %s", status, body)
	}
	if _, body := plainGet(t, b.http.URL+"/metrics"); !strings.Contains(body, "scim2ldap_ldap_active_url_index 1") {
		t.Errorf("/metrics after failover: %s", grepLines(body, "active_url"))
	}
}

// TestThrottle: with maxInFlight 1 and a hung directory, the request that
// holds the slot fails at the request timeout and the others get 429 with
// an integer Retry-After after queueTimeout.
func TestThrottle(t *testing.T) {
	b := outageBridge(t, bridge{cfg: func(c *config.Config) {
		c.Server.MaxInFlight, c.Server.QueueTimeout = 1, 200*time.Millisecond
	}})
	b.do("GET", "/Users", "").want(t, http.StatusOK)
	if err := b.dir.Pause(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.dir.Resume() })
	const n = 3
	got := make([]resp, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var took time.Duration
			got[i], took = b.timed("GET", "/Users", "")
			t.Logf("request %d: %d after %v", i, got[i].status, took.Round(time.Millisecond))
		}()
	}
	wg.Wait()
	throttled := 0
	for _, r := range got {
		if r.status != http.StatusTooManyRequests {
			want5xx(t, r)
			continue
		}
		throttled++
		r.wantError(t, http.StatusTooManyRequests, "")
		if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 {
			t.Errorf("Retry-After %q, want integer seconds ≥ 1", r.header.Get("Retry-After"))
		}
	}
	if throttled != n-1 {
		t.Errorf("%d of %d requests throttled, want %d", throttled, n, n-1)
	}
}

// TestCreateRollback: a create is add + password + lock; when a later step
// fails, the entry is deleted again and the client gets the step's error.
func TestCreateRollback(t *testing.T) {
	tests := []struct {
		name     string
		cfg      func(*config.Config)
		body     string
		status   int
		scimType string
	}{
		// The account class has no userPassword: the add succeeds, the
		// Password Modify fails with objectClassViolation. (A password
		// policy cannot make it fail: it does not apply to the rootdn the
		// test bed binds as.)
		{"password refused", func(c *config.Config) {
			c.Users.ObjectClasses, c.Users.Filter, c.Users.Attributes = []string{"top", "account"}, "(objectClass=account)", nil
		}, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"nopw@corp.local","password":"Pass-word-1"}`, http.StatusBadRequest, "invalidValue"},
		{"lock refused", func(c *config.Config) {
			c.Users.Deactivation.Attribute = "description"
			c.Users.Deactivation.InactiveValue = ""
		},
			`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"pending@corp.local","name":{"givenName":"P","familyName":"End"},"password":"Pass-word-1","active":false}`,
			http.StatusBadRequest, "invalidValue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bridge{cfg: tt.cfg}.start(t)
			before := b.snapshot()
			b.do("POST", "/Users", tt.body).wantError(t, tt.status, tt.scimType)
			after := b.snapshot()
			if len(after) != len(before) {
				t.Errorf("%d entries before, %d after: the entry was not rolled back", len(before), len(after))
			}
			if !strings.Contains(b.logs.String(), "delete (rollback)") {
				t.Errorf("no rollback in the audit log")
			}
			t.Logf("audit: %s", grepLines(b.logs.String(), "msg=audit"))
		})
	}
}

// TestUpdateFailsMidway documents what a failed step of an update leaves
// (README, multi-step writes): the rename before it stays, the modify is
// not applied, and the next request with the same userName completes it.
func TestUpdateFailsMidway(t *testing.T) {
	b := newBed(t)
	id := b.create(userBody("midway@corp.local", "Mid", "Way", "Pass-word-1"))
	// mail is IA5String: the directory refuses a non-ASCII value, after
	// the modrdn that the new userName needed.
	bad := strings.Replace(userBody("moved@corp.local", "Mid", "Way", "Pass-word-1"), `"value":"moved@corp.local"`, `"value":"müller@corp.local"`, 1)
	b.do("PUT", "/Users/"+id, bad).wantError(t, http.StatusBadRequest, "invalidValue")
	e := b.entry("moved@corp.local", "mail")
	if e == nil || e["mail"][0] != "midway@corp.local" {
		t.Fatalf("after the failed PUT: %v, want renamed with the old mail", e)
	}
	r := b.do("PUT", "/Users/"+id, userBody("moved@corp.local", "Mid", "Way", "Pass-word-1")).want(t, http.StatusOK)
	if str(r.body, "id") != id {
		t.Errorf("id changed: %s", r.raw)
	}
	if e := b.entry("moved@corp.local", "mail"); e["mail"][0] != "moved@corp.local" {
		t.Errorf("the retry did not complete the update: %v", e)
	}
}
