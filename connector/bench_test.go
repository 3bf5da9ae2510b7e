package connector_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// Benchmarks measure; they never assert a time. The full raw-vs-bridge
// comparison is go run ./internal/bench; these isolate one request type
// for go test -cpuprofile.

// opCounter counts the LDAP operations a Store sends, by kind, through
// ldapstore's observer hook.
type opCounter struct {
	mu  sync.Mutex
	n   map[string]int // since the last take
	sum map[string]int // counted for the running benchmark
}

func (c *opCounter) observe(op string, _ time.Duration, _ error) {
	c.mu.Lock()
	c.n[op]++
	c.mu.Unlock()
}

// take returns the counts since the last take.
func (c *opCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

// benchBridge is a bridge (examples/openldap.yaml) in front of dir, with
// its LDAP operations counted.
type benchBridge struct {
	tb   testing.TB
	base string
	ops  *opCounter
	dir  *testldap.Server
}

func newBenchBridge(tb testing.TB, dir *testldap.Server, tweak ...func(*config.Config)) *benchBridge {
	tb.Helper()
	cfg := exampleConfig(tb, dir)
	for _, f := range tweak {
		f(cfg)
	}
	log := slog.New(web.LogHandler(slog.NewTextHandler(io.Discard, nil)))
	ops := &opCounter{n: map[string]int{}}
	store, err := ldapstore.Open(connector.StoreOptions(cfg, log))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	srv, err := connector.New(cfg, store, log)
	if err != nil {
		tb.Fatal(err)
	}
	// After New, which installs the metrics observer.
	store.SetObserver(ops.observe)
	hs := httptest.NewServer(srv.Handler())
	tb.Cleanup(hs.Close)
	return &benchBridge{tb: tb, base: hs.URL + cfg.Server.BasePath, ops: ops, dir: dir}
}

// do sends one request and fails unless the status matches; it returns the
// body.
func (b *benchBridge) do(status int, method, path, body string) []byte {
	b.tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+exampleToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		b.tb.Fatalf("%s %s: status %d, want %d: %s", method, path, res.StatusCode, status, raw)
	}
	return raw
}

// idOf looks a user up by userName and returns its id.
func (b *benchBridge) idOf(userName string) string {
	b.tb.Helper()
	raw := b.do(http.StatusOK, "GET", "/Users?filter="+url.QueryEscape(`userName eq "`+userName+`"`), "")
	var r struct{ Resources []struct{ ID string } }
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Resources) != 1 {
		b.tb.Fatalf("lookup %s: %s", userName, raw)
	}
	return r.Resources[0].ID
}

// reportOps reports LDAP operations per benchmark iteration.
func (b *benchBridge) reportOps(bm *testing.B) {
	b.ops.count(bm)
	b.ops.report(bm)
}

// count moves the operations since the last take into the running totals
// of a benchmark whose iterations also do untimed set-up requests.
func (c *opCounter) count(bm *testing.B) {
	n := c.take()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sum == nil {
		c.sum = map[string]int{}
	}
	for op, k := range n {
		c.sum[op] += k
	}
}

// report reports the counted totals per iteration and resets them.
func (c *opCounter) report(bm *testing.B) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for op, k := range c.sum {
		bm.ReportMetric(float64(k)/float64(bm.N), "ldap-"+strings.ReplaceAll(op, " ", "-")+"/op")
	}
	c.sum = nil
}

// usersDir is a slapd preloaded with n users (user000000@example.com …).
func usersDir(tb testing.TB, n int) *testldap.Server {
	return testldap.Start(tb, testldap.Options{NoSync: true, LDAPSPort: -1, PreloadLDIF: usersLDIF(tb, n)})
}

func BenchmarkUserLookup(bm *testing.B) {
	b := newBenchBridge(bm, usersDir(bm, 10000))
	b.ops.take()
	bm.ResetTimer()
	for i := range bm.N {
		b.do(http.StatusOK, "GET", "/Users?filter="+url.QueryEscape(fmt.Sprintf(`userName eq "user%06d@example.com"`, i*7919%10000)), "")
	}
	b.reportOps(bm)
}

func BenchmarkUserPatch(bm *testing.B) {
	b := newBenchBridge(bm, usersDir(bm, 1000))
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = b.idOf(fmt.Sprintf("user%06d@example.com", i))
	}
	b.ops.take()
	bm.ResetTimer()
	for i := range bm.N {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"title","value":"Engineer %d"}]}`, i)
		b.do(http.StatusOK, "PATCH", "/Users/"+ids[i%len(ids)], body)
	}
	b.reportOps(bm)
}

// BenchmarkImport walks all users at count=100, as Okta's import does; one
// iteration is one whole import.
func BenchmarkImport(bm *testing.B) {
	const n = 20000
	b := newBenchBridge(bm, usersDir(bm, n))
	b.ops.take()
	bm.ResetTimer()
	for range bm.N {
		users := 0
		for si := 1; si <= n; si += 100 {
			raw := b.do(http.StatusOK, "GET", fmt.Sprintf("/Users?startIndex=%d&count=100", si), "")
			users += bytes.Count(raw, []byte(`"userName"`))
		}
		if users != n {
			bm.Fatalf("import returned %d users, want %d", users, n)
		}
	}
	b.reportOps(bm)
}

// BenchmarkUserCreate posts Okta cloud's create body without a password
// (the bench's create phase).
func BenchmarkUserCreate(bm *testing.B) {
	b := newBenchBridge(bm, usersDir(bm, 1000))
	b.ops.take()
	bm.ResetTimer()
	for i := range bm.N {
		u := fmt.Sprintf("create%07d@example.com", i)
		b.do(http.StatusCreated, "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+u+
			`","name":{"givenName":"Bench","familyName":"B"},"emails":[{"primary":true,"value":"`+u+`","type":"work"}],"displayName":"Bench B","externalId":"00u`+u+`","active":true}`)
	}
	b.reportOps(bm)
}
