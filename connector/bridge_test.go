package connector_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/internal/testbridge"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// snapshot is every entry of the test directory with its user and
// operational attributes (entryCSN, modifyTimestamp): any write, even one
// that rewrites a value with itself, shows up as a difference.
func (b *bed) snapshot() map[string]map[string][]string {
	b.t.Helper()
	return b.dir.Search(b.t, b.dir.BaseDN, "(objectClass=*)", "*", "+")
}

// unchanged fails the test when the directory differs from before.
func (b *bed) unchanged(t *testing.T, before map[string]map[string][]string) {
	t.Helper()
	after := b.snapshot()
	if reflect.DeepEqual(before, after) {
		return
	}
	var diff []string
	for dn, e := range after {
		if before[dn] == nil {
			diff = append(diff, "added "+dn)
		} else if !reflect.DeepEqual(before[dn], e) {
			diff = append(diff, "changed "+dn)
		}
	}
	for dn := range before {
		if after[dn] == nil {
			diff = append(diff, "deleted "+dn)
		}
	}
	sort.Strings(diff)
	t.Errorf("the directory changed: %s", strings.Join(diff, "; "))
}

// bridge is a bed whose store options and listener the test chooses:
// several URLs, TLS to the directory, HTTPS serving.
type bridge struct {
	dir   *testldap.Server // entries are checked here
	urls  []string         // default: dir.URL
	cfg   func(*config.Config)
	store func(*ldapstore.Options)
	serve bool // through Server.Serve (HTTPS when cfg sets server.tls)
}

func (o bridge) start(t *testing.T) *bed {
	t.Helper()
	if o.dir == nil {
		o.dir = testldap.Start(t)
	}
	cfg := exampleConfig(t, o.dir)
	if o.urls != nil {
		cfg.LDAP.URLs = o.urls
	}
	if o.serve {
		cfg.Server.Listen = "127.0.0.1:0"
	}
	if o.cfg != nil {
		o.cfg(cfg)
	}
	b, srv := startBridge(t, o.dir, cfg, o.store)
	if !o.serve {
		return b
	}
	addr, _ := testbridge.Serve(t, srv)
	scheme := "http"
	if cfg.Server.TLS.CertFile != "" {
		scheme = "https"
	}
	b.base = scheme + "://" + addr.String() + cfg.Server.BasePath
	return b
}

// send is do with a chosen client and full control of the headers; an
// empty value removes the header.
func (b *bed) send(client *http.Client, method, path, body string, headers map[string]string) (resp, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		return resp{}, err
	}
	req.Header.Set("Accept", "application/scim+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return roundTrip(client, req)
}

// roundTrip sends req and reads the whole answer; body is nil unless the
// answer is a JSON object.
func roundTrip(client *http.Client, req *http.Request) (resp, error) {
	res, err := client.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, raw: raw, body: decodeObject(raw)}, nil
}

func decodeObject(raw []byte) map[string]interface{} {
	var m map[string]interface{}
	if len(raw) == 0 {
		return nil
	}
	d := jsonDecoder(raw)
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

func jsonDecoder(raw []byte) *json.Decoder {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d
}

func urlEscape(s string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", ";", "%3B", "=", "%3D", `"`, "%22", "&", "%26", "+", "%2B", "#", "%23", "(", "%28", ")", "%29", "\\", "%5C", "\x00", "%00", "*", "%2A", "|", "%7C")
	return r.Replace(s)
}

// ldapEscape is RFC 4515 escaping for the test's own filters.
func ldapEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*', '(', ')', '\\', 0:
			fmt.Fprintf(&b, `\%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// hungBound is how long a test waits for an answer that the configured
// timeouts (a few seconds here) should produce. It is not a speed check:
// reaching it means the request hung, which is the failure looked for.
const hungBound = 60 * time.Second

// timed sends a request with the hang bound and reports how long it took.
func (b *bed) timed(method, path, body string) (resp, time.Duration) {
	b.t.Helper()
	client := &http.Client{Timeout: hungBound}
	start := time.Now()
	r, err := b.send(client, method, path, body, map[string]string{"Authorization": "Bearer " + exampleToken})
	if err != nil {
		b.t.Fatalf("%s %s: %v (the request hung)", method, path, err)
	}
	return r, time.Since(start)
}

func (b *bed) ready() int {
	b.t.Helper()
	root := strings.TrimSuffix(b.base, "/scim/v2")
	res, err := (&http.Client{Timeout: hungBound}).Get(root + "/readyz")
	if err != nil {
		b.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func want5xx(t *testing.T, r resp) {
	t.Helper()
	if r.status < 500 {
		t.Fatalf("status %d, want a SCIM 5xx: %s", r.status, r.raw)
	}
	r.wantError(t, r.status, "")
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
