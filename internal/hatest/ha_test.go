// Package hatest runs several bridges in front of one replicated directory
// (issue 16): the deployment production sites use for availability, with a
// provider killed in the middle of an Okta-like workload.
package hatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testbridge"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

const (
	// quiet is ldap.failbackAfter of the bridges: short, so that the test
	// sees the failback, and long enough that the restarted provider is
	// caught up (it takes milliseconds here) before writes return to it.
	quiet = 3 * time.Second
	// clientTimeout bounds every request: an answer that does not come
	// within it is a hang, which fails the test.
	clientTimeout = 15 * time.Second
	// failureWindow bounds when requests may fail: from the kill until
	// this much later. The bridges notice the dead provider on their next
	// request (connection refused, or a reset pooled connection), so only
	// requests in flight at the kill can fail; the bound leaves room for a
	// loaded machine (ldap.requestTimeout is 5s).
	failureWindow = 8 * time.Second
)

// bridge is one scim2ldap instance with its own store, as serve builds it.
type bridge struct {
	name  string
	store *ldapstore.Store
	base  string // SCIM base URL
	token string
	logs  *testldap.LogBuffer
}

func startBridge(t *testing.T, name string, a, b *testldap.Server) *bridge {
	t.Helper()
	cfg, err := config.Load("../../examples/openldap.yaml")
	if err != nil {
		t.Fatalf("examples/openldap.yaml: %v", err)
	}
	// Every bridge lists the providers in the same order: that is what
	// makes them all write to the same one.
	cfg.LDAP.URLs = []string{a.URL, b.URL}
	cfg.LDAP.FailbackAfter = quiet
	// The default dialTimeout (5s): a killed provider refuses connections
	// at once anyway, and a short one makes a starved machine fail over
	// (correctly, but not what this test is about).
	cfg.LDAP.RequestTimeout = 5 * time.Second
	br := testbridge.Start(t, cfg, nil, name)
	return &bridge{name: name, store: br.Store, base: br.HTTP.URL + cfg.Server.BasePath, token: cfg.Server.Auth.BearerTokens[0], logs: br.Logs}
}

// metrics reads the bridge's /metrics (served on the SCIM listener, since
// the example sets no server.healthListen).
func (br *bridge) metrics(t *testing.T) string {
	t.Helper()
	u := strings.TrimSuffix(br.base, "/scim/v2") + "/metrics"
	resp, err := (&http.Client{Timeout: clientTimeout}).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return string(b)
}

// result is one request as the client saw it.
type result struct {
	bridge, method, path string
	at                   time.Time // when it was sent
	took                 time.Duration
	status               int // 0: no answer (transport error or timeout)
	err                  error
	body                 map[string]any
}

func (r result) ok() bool { return r.status >= 200 && r.status < 300 }

func (r result) String() string {
	if r.err != nil {
		return fmt.Sprintf("%s %s %s: %v after %v", r.bridge, r.method, r.path, r.err, r.took)
	}
	return fmt.Sprintf("%s %s %s: %d after %v %v", r.bridge, r.method, r.path, r.status, r.took, r.body)
}

// client sends SCIM requests the way Okta does and records every answer.
type client struct {
	http *http.Client
	mu   sync.Mutex
	all  []result
}

func (c *client) do(br *bridge, method, path string, body any) result {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(b)
	}
	r := result{bridge: br.name, method: method, path: path, at: time.Now()}
	req, err := http.NewRequest(method, br.base+path, rd)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Authorization", "Bearer "+br.token)
	req.Header.Set("Accept", "application/scim+json")
	req.Header.Set("User-Agent", "Okta SCIM Client 1.0.0")
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err == nil {
		var raw []byte
		raw, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		r.status = resp.StatusCode
		if err == nil && len(raw) > 0 {
			if jerr := json.Unmarshal(raw, &r.body); jerr != nil {
				r.body = map[string]any{"unparsed": string(raw)}
			}
		}
	}
	r.took, r.err = time.Since(r.at), err
	c.mu.Lock()
	c.all = append(c.all, r)
	c.mu.Unlock()
	return r
}

const (
	userSchema  = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group"
	patchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	errorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"
)

func userBody(userName, family, password string, active bool) map[string]any {
	return map[string]any{
		"schemas": []string{userSchema}, "userName": userName,
		"name":   map[string]any{"givenName": "Test", "familyName": family},
		"emails": []any{map[string]any{"primary": true, "value": userName + "@example.com", "type": "work"}},
		"active": active, "password": password,
	}
}

// want is what the directory must hold after catch-up: only what the
// bridges acknowledged with 2xx.
type want struct {
	mu          sync.Mutex
	users       map[string]string // userName -> SCIM id, for 201 creates
	createdAt   map[string]time.Time
	family      map[string]string // userName -> familyName of an acknowledged PUT
	password    map[string]string // userName -> password of the last acknowledged write (active users)
	inactive    map[string]bool   // userName -> acknowledged active:false
	groups      map[string]string // displayName -> id, for 201 creates
	members     map[string][]string
	ryw, rywGap atomic.Int32 // read-your-writes checks made; ones during a failback transition
}

func (w *want) set(f func()) { w.mu.Lock(); f(); w.mu.Unlock() }

// TestBridgesOverReplicatedDirectory: two bridges, both configured with
// ldap.urls [A, B] of a multi-provider pair, take an Okta-like workload
// round-robin from two concurrent clients; A is killed with SIGKILL in the
// middle, restarted later, and catches up. See the assertions at the end.
func TestBridgesOverReplicatedDirectory(t *testing.T) {
	a, b := testldap.StartReplicated(t, testldap.Options{NoSync: true})
	bridges := []*bridge{startBridge(t, "one", a, b), startBridge(t, "two", a, b)}
	cl := &client{http: &http.Client{Timeout: clientTimeout}}
	w := &want{users: map[string]string{}, createdAt: map[string]time.Time{}, family: map[string]string{}, password: map[string]string{},
		inactive: map[string]bool{}, groups: map[string]string{}, members: map[string][]string{}}

	// The workers go on until the coordinator below has seen the kill,
	// the restart and the failback; maxRounds and the coordinator's
	// deadlines bound the run.
	const workers, maxRounds = 2, 400
	var progress atomic.Int32 // rounds done, all workers
	var stop atomic.Bool
	// actives is where each bridge sends new requests: [2]int{0, 0} is
	// both on A.
	actives := func() [2]int {
		_, i := bridges[0].store.ActiveURL()
		_, j := bridges[1].store.ActiveURL()
		return [2]int{i, j}
	}

	worker := func(wk int) {
		next := wk // round-robin over the bridges, offset per worker
		pick := func() *bridge { next++; return bridges[next%len(bridges)] }
		group := fmt.Sprintf("ha-group-w%d", wk)
		var groupID string
		var created []string
		for r := 0; r < maxRounds && !stop.Load(); r++ {
			time.Sleep(10 * time.Millisecond) // an agent's pace, not a flood
			name := fmt.Sprintf("ha-w%d-u%02d", wk, r)
			pw := fmt.Sprintf("Init-Pass-%d-%d", wk, r)
			// The exists check, then the create, then the create's
			// confirmation read on the other bridge.
			br := pick()
			cl.do(br, "GET", "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`)+"&startIndex=1&count=100", nil)
			before := actives()
			res := cl.do(br, "POST", "/Users", userBody(name, "User", pw, true))
			if res.ok() {
				id, _ := res.body["id"].(string)
				w.set(func() { w.users[name], w.password[name], w.createdAt[name] = id, pw, res.at })
				created = append(created, name)
				other := pick()
				get := cl.do(other, "GET", "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`)+"&startIndex=1&count=100", nil)
				// While the bridges' active URLs differ (one has noticed
				// a failover or made its failback, the other not yet), the
				// read may reach the provider the write did not, and
				// replication takes a moment: the user must then appear
				// within a bounded time instead.
				after := actives()
				transition := before != after || before[0] != before[1]
				found := func(r result) bool { n, _ := r.body["totalResults"].(float64); return r.ok() && n == 1 }
				switch {
				case !get.ok():
				case !transition:
					w.ryw.Add(1)
					if !found(get) {
						t.Errorf("read-your-writes: %s created %s (both bridges on one provider), but %s lists %v",
							br.name, name, other.name, get.body)
					}
				default:
					w.rywGap.Add(1)
					for deadline := time.Now().Add(5 * time.Second); !found(get); time.Sleep(20 * time.Millisecond) {
						if time.Now().After(deadline) {
							t.Errorf("%s created %s, but %s did not list it within 5s: %v", br.name, name, other.name, get)
							break
						}
						get = cl.do(other, "GET", "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`)+"&startIndex=1&count=100", nil)
					}
				}
				// Okta's profile push: the whole user with a new
				// password, on the next bridge.
				pw2 := pw + "-new"
				if put := cl.do(pick(), "PUT", "/Users/"+id, userBody(name, "Family"+name, pw2, true)); put.ok() {
					w.set(func() { w.family[name], w.password[name] = "Family"+name, pw2 })
				}
			}
			// Deactivate every third user created so far (OIN PATCH).
			if r%3 == 2 && len(created) > 1 {
				victim := created[len(created)-2]
				w.mu.Lock()
				id := w.users[victim]
				w.mu.Unlock()
				patch := map[string]any{"schemas": []string{patchSchema},
					"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}}}
				if res := cl.do(pick(), "PATCH", "/Users/"+id, patch); res.ok() {
					w.set(func() { w.inactive[victim] = true; delete(w.password, victim) })
				}
			}
			// Group push: create once, then add the newest user by PATCH.
			if groupID == "" && len(created) > 0 {
				res := cl.do(pick(), "POST", "/Groups", map[string]any{"schemas": []string{groupSchema}, "displayName": group,
					"members": []any{map[string]any{"value": w.id(created[0])}}})
				if res.ok() {
					groupID, _ = res.body["id"].(string)
					w.set(func() { w.groups[group] = groupID; w.members[group] = []string{created[0]} })
				}
			} else if groupID != "" && len(created) > 0 {
				newest := created[len(created)-1]
				patch := map[string]any{"schemas": []string{patchSchema}, "Operations": []any{
					map[string]any{"op": "add", "path": "members", "value": []any{map[string]any{"value": w.id(newest), "display": newest}}}}}
				if res := cl.do(pick(), "PATCH", "/Groups/"+groupID, patch); res.ok() {
					w.set(func() { w.members[group] = append(w.members[group], newest) })
				}
			}
			// An import by startIndex pages, every page on the next bridge.
			if wk == 0 && r%12 == 11 {
				importUsers(t, cl, pick, w)
			}
			progress.Add(1)
		}
	}

	var wg sync.WaitGroup
	for wk := range workers {
		wg.Go(func() { worker(wk) })
	}
	// The timeline, driven by the workers' progress so that each phase
	// sees requests: A dies with requests in flight, the workload goes on
	// on B for at least a second, A comes back and catches up while the
	// workload goes on, and the bridges fail back to A.
	waitFor := func(more int32) {
		n := progress.Load() + more
		for deadline := time.Now().Add(2 * time.Minute); progress.Load() < n; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) || stop.Load() {
				t.Fatalf("workload stuck at %d rounds", progress.Load())
			}
		}
	}
	defer func() { stop.Store(true); wg.Wait() }() // also when a phase fails
	waitFor(16)
	killedAt := time.Now()
	if err := a.Kill(); err != nil {
		t.Fatal(err)
	}
	waitFor(16)
	time.Sleep(time.Until(killedAt.Add(time.Second)))
	// A marker written on B while A is down: A has caught up once it
	// holds it (contextCSNs cannot be compared while writes go on).
	marker := "uid=ha-marker," + b.PeopleDN
	b.MustAdd(t, marker, map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {"ha-marker"}, "cn": {"m"}, "sn": {"m"}})
	if err := a.Restart(); err != nil {
		t.Fatal(err)
	}
	restartedAt := time.Now()
	for deadline := restartedAt.Add(30 * time.Second); a.Entry(t, marker) == nil; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("A has not caught up 30s after its restart")
		}
	}
	caughtUp := time.Since(restartedAt)
	t.Logf("A killed at %v, restarted %v later, caught up %v after its restart (under load)",
		killedAt.Format("15:04:05.000"), restartedAt.Sub(killedAt).Round(time.Millisecond), caughtUp.Round(time.Millisecond))

	// Failback: both bridges return to A after the quiet period, while
	// the workload goes on, and their writes go to A again.
	for _, br := range bridges {
		for deadline := restartedAt.Add(quiet + 20*time.Second); ; time.Sleep(5 * time.Millisecond) {
			if _, i := br.store.ActiveURL(); i == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("bridge %s did not return to A within %v of its restart", br.name, time.Since(restartedAt))
			}
		}
		if !strings.Contains(br.logs.String(), "returned to the preferred directory URL") {
			t.Errorf("bridge %s: failback not logged", br.name)
		}
		// The store's failover and failback events reach /metrics through
		// the Observer the bridge installs.
		m := br.metrics(t)
		for _, series := range []string{`scim2ldap_ldap_operations_total{op="failover"}`, `scim2ldap_ldap_operations_total{op="failback"} 1`, "scim2ldap_ldap_active_url_index 0"} {
			if !strings.Contains(m, series) {
				t.Errorf("bridge %s: /metrics lacks %s", br.name, series)
			}
		}
	}
	backAt := time.Now()
	failovers := func() (n int) {
		for _, br := range bridges {
			n += strings.Count(br.logs.String(), "connected to a fallback URL")
		}
		return n
	}
	failoversAtBack := failovers()
	t.Logf("both bridges back on A %v after its restart (ldap.failbackAfter %v)", backAt.Sub(restartedAt).Round(time.Millisecond), quiet)
	waitFor(16)
	stop.Store(true)
	wg.Wait()
	testldap.WaitInSync(t, a, b, 30*time.Second)
	// The directory's own record of where writes went: every user created
	// after the failback was written on A, create and later writes alike,
	// unless a bridge failed over again meanwhile (a dial to A that timed
	// out on a starved machine), which its log says.
	after := 0
	if n := failovers() - failoversAtBack; n > 0 {
		t.Logf("%d more failovers after the failback; where writes went after it is not checked", n)
		w.createdAt = nil
	}
	for name, at := range w.createdAt {
		if at.Before(backAt) {
			continue
		}
		after++
		if e := b.Entry(t, "uid="+name+","+b.PeopleDN, "entryCSN"); e == nil || testldap.CSNServerID(e["entrycsn"][0]) != a.ServerID() {
			t.Errorf("%s, created after the failback, was last written elsewhere than on A: %v", name, e)
		}
	}
	if after == 0 && w.createdAt != nil {
		t.Error("no user was created after the failback")
	}

	checkAnswers(t, cl, killedAt)
	checkDirectory(t, w, a, b)
	t.Logf("read-your-writes across bridges: %d checked with both bridges on one provider, %d while their active URLs differed (found within the bound)",
		w.ryw.Load(), w.rywGap.Load())
}

func (w *want) id(name string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.users[name]
}

// importUsers lists all users by pages of 20, each page from the next
// bridge, as Okta's import does, and checks that no user comes twice and
// that every user acknowledged before the import started is listed.
func importUsers(t *testing.T, cl *client, pick func() *bridge, w *want) {
	w.mu.Lock()
	before := make([]string, 0, len(w.users))
	for name := range w.users {
		before = append(before, name)
	}
	w.mu.Unlock()
	seen := map[string]bool{}
	for start, total := 1, 1; start <= total; start += 20 {
		res := cl.do(pick(), "GET", fmt.Sprintf("/Users?startIndex=%d&count=20", start), nil)
		if !res.ok() {
			return // a failed page is checked with every answer; the walk is not
		}
		n, _ := res.body["totalResults"].(float64)
		total = int(n)
		rs, _ := res.body["Resources"].([]any)
		for _, r := range rs {
			name, _ := r.(map[string]any)["userName"].(string)
			if seen[name] {
				t.Errorf("import: %s listed twice (page at %d)", name, start)
			}
			seen[name] = true
		}
		if len(rs) == 0 {
			break
		}
	}
	for _, name := range before {
		if !seen[name] {
			t.Errorf("import: %s, created before the import, not listed", name)
		}
	}
}

// checkAnswers: no request hung or went unanswered, and every failure was
// a SCIM error within failureWindow of the kill.
func checkAnswers(t *testing.T, cl *client, killedAt time.Time) {
	t.Helper()
	cl.mu.Lock()
	defer cl.mu.Unlock()
	var failed []result
	for _, r := range cl.all {
		if r.err != nil {
			t.Errorf("no answer (hang or transport error): %v", r)
			continue
		}
		if r.ok() || (r.method == "GET" && r.status == http.StatusNotFound) {
			continue
		}
		failed = append(failed, r)
		if schemas, _ := r.body["schemas"].([]any); !slices.Contains(schemas, any(errorSchema)) || r.body["detail"] == nil {
			t.Errorf("failure without a SCIM error body: %v", r)
		}
		end := r.at.Add(r.took)
		if r.at.Before(killedAt.Add(-time.Second)) || end.After(killedAt.Add(failureWindow)) {
			t.Errorf("failure outside the window [kill-1s, kill+%v]: sent %v after the kill: %v", failureWindow, r.at.Sub(killedAt), r)
		}
	}
	if len(failed) == 0 {
		t.Logf("%d requests, none failed", len(cl.all))
		return
	}
	first, last := failed[0].at, failed[0].at.Add(failed[0].took)
	for _, r := range failed {
		if r.at.Before(first) {
			first = r.at
		}
		if e := r.at.Add(r.took); e.After(last) {
			last = e
		}
	}
	t.Logf("%d requests, %d failed, all with SCIM errors, between %v and %v after the kill: %v",
		len(cl.all), len(failed), first.Sub(killedAt).Round(time.Millisecond), last.Sub(killedAt).Round(time.Millisecond), statuses(failed))
}

func statuses(rs []result) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		detail, _ := r.body["detail"].(string)
		m[fmt.Sprintf("%s %d %q", r.method, r.status, detail)]++
	}
	return m
}

// checkDirectory: after catch-up, both providers hold every acknowledged
// write, and no userName exists twice.
func checkDirectory(t *testing.T, w *want, a, b *testldap.Server) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range []*testldap.Server{a, b} {
		users := s.Search(t, s.PeopleDN, "(objectClass=inetOrgPerson)", "uid", "entryUUID", "sn", "pwdAccountLockedTime")
		byUID := map[string][]string{}
		for dn, e := range users {
			for _, uid := range e["uid"] {
				byUID[strings.ToLower(uid)] = append(byUID[strings.ToLower(uid)], dn)
			}
		}
		for uid, dns := range byUID {
			if len(dns) > 1 {
				t.Errorf("%s: userName %s exists %d times: %v", s.URL, uid, len(dns), dns)
			}
		}
		for name, id := range w.users {
			dns := byUID[name]
			if len(dns) != 1 {
				t.Errorf("%s: user %s (answered 201) missing", s.URL, name)
				continue
			}
			e := users[dns[0]]
			if !slices.Equal(e["entryuuid"], []string{id}) {
				t.Errorf("%s: %s has entryUUID %v, the bridge answered id %s", s.URL, name, e["entryuuid"], id)
			}
			if f, ok := w.family[name]; ok && !slices.Equal(e["sn"], []string{f}) {
				t.Errorf("%s: %s has sn %v after an acknowledged PUT of %s", s.URL, name, e["sn"], f)
			}
			if w.inactive[name] && len(e["pwdaccountlockedtime"]) == 0 {
				t.Errorf("%s: %s is not locked after an acknowledged active:false", s.URL, name)
			}
			if pw, ok := w.password[name]; ok {
				if err := s.CanBind(dns[0], pw); err != nil {
					t.Errorf("%s: %s cannot bind with its acknowledged password: %v", s.URL, name, err)
				}
			}
		}
		for g, id := range w.groups {
			e := s.Entry(t, "cn="+g+","+s.GroupsDN, "entryUUID", "member")
			if e == nil || !slices.Equal(e["entryuuid"], []string{id}) {
				t.Errorf("%s: group %s (answered 201 with id %s) = %v", s.URL, g, id, e)
				continue
			}
			for _, m := range w.members[g] {
				if !slices.Contains(e["member"], "uid="+m+","+s.PeopleDN) {
					t.Errorf("%s: group %s lacks %s, added with an acknowledged PATCH", s.URL, g, m)
				}
			}
		}
	}
	t.Logf("directory checked on both providers: %d users, %d with an acknowledged PUT, %d deactivated, %d groups",
		len(w.users), len(w.family), len(w.inactive), len(w.groups))
}
