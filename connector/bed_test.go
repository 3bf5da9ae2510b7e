package connector_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
	"github.com/scim2ldap/scim2ldap/internal/testbridge"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// exampleToken is the demo default of examples/openldap.yaml.
const exampleToken = "demo-token-change-me"

// bed is one private slapd plus the bridge in front of it, configured from
// examples/openldap.yaml, so the tests also prove the shipped example works.
type bed struct {
	t    *testing.T
	dir  *testldap.Server
	http *httptest.Server
	base string
	logs *testldap.LogBuffer
}

func newBed(t *testing.T, tweak ...func(*config.Config)) *bed {
	t.Helper()
	b, _, _ := opsBed(t, nil, tweak...)
	return b
}

// opsBed is newBed with a say over the store's options (dry run, cursors)
// and access to the Server (Reload, Listen) and its configuration.
func opsBed(t *testing.T, storeOpts func(*ldapstore.Options), tweak ...func(*config.Config)) (*bed, *connector.Server, *config.Config) {
	t.Helper()
	dir := testldap.Start(t)
	cfg := exampleConfig(t, dir)
	for _, f := range tweak {
		f(cfg)
	}
	b, srv := startBridge(t, dir, cfg, storeOpts)
	return b, srv, cfg
}

// exampleConfig is examples/openldap.yaml pointed at dir.
func exampleConfig(t testing.TB, dir *testldap.Server) *config.Config {
	t.Helper()
	cfg, err := config.Load("../examples/openldap.yaml")
	if err != nil {
		t.Fatalf("examples/openldap.yaml: %v", err)
	}
	cfg.LDAP.URLs = []string{dir.URL}
	return cfg
}

// startBridge puts a bridge configured by cfg in front of dir, with its
// store built as serve builds it; storeOpts adjusts the store. Every bed
// in this package comes from here; the bridge's log (debug level) is
// printed when the test fails.
func startBridge(t *testing.T, dir *testldap.Server, cfg *config.Config, storeOpts func(*ldapstore.Options)) (*bed, *connector.Server) {
	t.Helper()
	br := testbridge.Start(t, cfg, storeOpts, string(cfg.Directory))
	return &bed{t: t, dir: dir, http: br.HTTP, base: br.HTTP.URL + cfg.Server.BasePath, logs: br.Logs}, br.Server
}

// resp is an answer with its JSON decoded.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]interface{}
}

// do sends a request the way Okta does: bearer token, SCIM content types.
// Extra headers come as "Name: value" strings; "Authorization: " with no
// value removes the header.
func (b *bed) do(method, path, body string, headers ...string) resp {
	b.t.Helper()
	h := map[string]string{"Authorization": "Bearer " + exampleToken}
	if body != "" {
		h["Content-Type"] = "application/scim+json; charset=utf-8"
	}
	for _, kv := range headers {
		k, v, _ := strings.Cut(kv, ":")
		h[http.CanonicalHeaderKey(k)] = strings.TrimSpace(v)
	}
	r, err := b.send(http.DefaultClient, method, path, body, h)
	if err != nil {
		b.t.Fatal(err)
	}
	if len(r.raw) > 0 && r.body == nil {
		if err := jsonDecoder(r.raw).Decode(&r.body); err != nil {
			b.t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", method, path, err, r.raw)
		}
	}
	return r
}

// basicHeader is the Authorization value of HTTP Basic authentication.
func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// want fails the test unless the status matches; SCIM bodies must always
// come as application/scim+json.
func (r resp) want(t *testing.T, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.raw)
	}
	if len(r.raw) > 0 && !strings.HasPrefix(r.header.Get("Content-Type"), "application/scim+json") {
		t.Fatalf("Content-Type %q, want application/scim+json", r.header.Get("Content-Type"))
	}
	return r
}

// wantError checks a SCIM Error body.
func (r resp) wantError(t *testing.T, status int, scimType string) resp {
	t.Helper()
	r.want(t, status)
	if got := str(r.body, "status"); got != itoa(status) {
		t.Errorf("error status %q, want %q (a string)", got, itoa(status))
	}
	if str(r.body, "detail") == "" {
		t.Errorf("error without detail: %s", r.raw)
	}
	if !hasSchema(r.body, "urn:ietf:params:scim:api:messages:2.0:Error") {
		t.Errorf("error without the Error schema: %s", r.raw)
	}
	if got := str(r.body, "scimType"); got != scimType {
		t.Errorf("scimType %q, want %q; body %s", got, scimType, r.raw)
	}
	return r
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// get walks a decoded JSON document: "name.givenName", "emails.0.value",
// "Resources.0.id".
func get(m interface{}, path string) interface{} {
	cur := m
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]interface{}:
			cur = c[part]
		case []interface{}:
			i := 0
			if err := json.Unmarshal([]byte(part), &i); err != nil || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

func str(m interface{}, path string) string {
	switch v := get(m, path).(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return ""
}

func hasSchema(m map[string]interface{}, urn string) bool {
	list, _ := m["schemas"].([]interface{})
	for _, s := range list {
		if s == urn {
			return true
		}
	}
	return false
}

// entry reads a user entry by uid from the directory itself.
func (b *bed) entry(uid string, attrs ...string) map[string][]string {
	b.t.Helper()
	return b.dir.Entry(b.t, "uid="+uid+","+b.dir.PeopleDN, attrs...)
}

// create posts a user and returns its id.
func (b *bed) create(body string) string {
	b.t.Helper()
	r := b.do("POST", "/Users", body).want(b.t, http.StatusCreated)
	id := str(r.body, "id")
	if id == "" {
		b.t.Fatalf("created user has no id: %s", r.raw)
	}
	return id
}

// userBody is Okta cloud's create body for one user.
func userBody(userName, given, family, password string) string {
	return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + userName +
		`","name":{"givenName":"` + given + `","familyName":"` + family + `"},"emails":[{"primary":true,"value":"` + userName +
		`","type":"work"}],"displayName":"` + given + ` ` + family + `","locale":"en-US","externalId":"00u` + given +
		`","groups":[],"password":"` + password + `","active":true}`
}
