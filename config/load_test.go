package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// minimalYAML is the smallest valid configuration for the openldap preset.
const minimalYAML = `
server:
  auth:
    bearerTokens: [demo]
ldap:
  urls: [ldap://localhost]
users:
  baseDN: ou=People,dc=example,dc=com
`

func TestParseMinimal(t *testing.T) {
	c, err := Parse([]byte(minimalYAML), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Server: Server{Auth: Auth{BearerTokens: []string{"demo"}}},
		LDAP:   LDAP{URLs: []string{"ldap://localhost"}},
		Users:  Users{BaseDN: "ou=People,dc=example,dc=com"},
	}
	want.ApplyDefaults()
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Parse() =\n%+v\nwant\n%+v", c, want)
	}
	if c.Groups.Enabled() {
		t.Error("groups are enabled without groups.baseDN")
	}
}

func TestParseErrors(t *testing.T) {
	unset(t, "SCIM2LDAP_BIND_PASSWORD")
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key with suggestion", "server:\n  auth:\n    bearerToken: x\n",
			`c.yaml: server.auth.bearerToken (line 3): unknown key; did you mean "bearerTokens"?`},
		{"unknown key in a list entry", "users:\n  attributes:\n    - scim: a\n      ldap: b\n    - scim: c\n      ldap: d\n    - scm: e\n      ldap: f\n",
			`c.yaml: users.attributes[2].scm (line 7): unknown key; did you mean "scim"?`},
		{"unknown key, case", "ldap:\n  bindDn: x\n",
			`c.yaml: ldap.bindDn (line 2): unknown key; did you mean "bindDN"?`},
		{"unknown key, wrong section", "bindDN: cn=x\n",
			`c.yaml: bindDN (line 1): unknown key here; bindDN belongs under ldap (check the indentation)`},
		{"unknown key, no idea", "server:\n  tls:\n    ciphers: x\n",
			`c.yaml: server.tls.ciphers (line 3): unknown key; the keys here are certFile, keyFile, clientCAFile`},
		{"every unknown key", "foo: 1\nldap:\n  url: x\n  bar: 2\n",
			"c.yaml: foo (line 1): unknown key; the keys here are directory, server, ldap, users, groups, log\n" +
				`c.yaml: ldap.url (line 3): unknown key; did you mean "urls"?` + "\n" +
				"c.yaml: ldap.bar (line 4): unknown key; the keys here are urls, bindDN, bindPassword, bindPasswordFile, startTLS, caFile, serverName, insecureSkipVerify, dialTimeout, requestTimeout, poolSize, failbackAfter"},
		{"duplicate key", "log:\n  level: info\n  level: debug\n",
			`c.yaml: log.level (line 3): duplicate key; it is already set on line 2, remove one`},
		{"key not a name", "? [a]\n: b\n",
			`c.yaml: top level (line 1): a key must be a plain name, got a list`},
		{"whole number", "ldap:\n  poolSize: four\n",
			`c.yaml: ldap.poolSize (line 2): want a whole number, got "four"`},
		{"boolean", "ldap:\n  startTLS: maybe\n",
			`c.yaml: ldap.startTLS (line 2): want true or false, got "maybe"`},
		{"duration without unit", "ldap:\n  dialTimeout: 5\n",
			`c.yaml: ldap.dialTimeout (line 2): want a duration such as 5s, 30s or 1m30s, got "5"; add a unit, e.g. 5s`},
		{"duration", "ldap:\n  requestTimeout: soon\n",
			`c.yaml: ldap.requestTimeout (line 2): want a duration such as 5s, 30s or 1m30s, got "soon"`},
		{"byte size", "server:\n  bodyLimit: 4 gigs\n",
			`c.yaml: server.bodyLimit (line 2): want a size such as 4MiB, 512KiB, 1MB or 1048576 (bytes), got "4 gigs"; KB, MB and GB are powers of 1000, KiB, MiB and GiB powers of 1024`},
		{"byte size list", "server:\n  bodyLimit: [1]\n",
			`c.yaml: server.bodyLimit (line 2): want a size such as 4MiB, 512KiB, 1MB or 1048576 (bytes), got a list`},
		{"list given a value", "ldap:\n  urls: ldap://x\n",
			`c.yaml: ldap.urls (line 2): want a list, got "ldap://x"; write each item on its own line starting with "- "`},
		{"list given a mapping", "users:\n  attributes:\n    scim: title\n    ldap: title\n",
			`c.yaml: users.attributes (line 3): want a list, got a mapping; write each item on its own line starting with "- "`},
		{"section given a list", "log:\n  - level: info\n",
			`c.yaml: log (line 2): want a mapping of keys, got a list`},
		{"section given a value", "server:\n  tls: true\n",
			`c.yaml: server.tls (line 2): want a mapping of keys, got "true"`},
		{"string given a mapping", "ldap:\n  bindDN: {cn: admin}\n",
			`c.yaml: ldap.bindDN (line 2): want a string, got a mapping`},
		{"number given a list", "server:\n  maxResults: [1, 2]\n",
			`c.yaml: server.maxResults (line 2): want a whole number, got a list`},
		{"top level a list", "- a\n",
			`c.yaml: top level (line 1): want a mapping of keys, got a list`},
		{"unset variable", "ldap:\n  bindDN: cn=admin\n  bindPassword: ${SCIM2LDAP_BIND_PASSWORD}\n",
			`c.yaml: ldap.bindPassword (line 3): environment variable SCIM2LDAP_BIND_PASSWORD is not set; export it, or write ${SCIM2LDAP_BIND_PASSWORD:-value} to give a default`},
		{"unset variable in a list", "ldap:\n  urls: [ldap://a, \"ldap://${SCIM2LDAP_BIND_PASSWORD}\"]\n",
			`c.yaml: ldap.urls[1] (line 2): environment variable SCIM2LDAP_BIND_PASSWORD is not set; export it, or write ${SCIM2LDAP_BIND_PASSWORD:-value} to give a default`},
		{"unset variable in a number", "ldap:\n  poolSize: ${SCIM2LDAP_BIND_PASSWORD}\n",
			`c.yaml: ldap.poolSize (line 2): environment variable SCIM2LDAP_BIND_PASSWORD is not set; export it, or write ${SCIM2LDAP_BIND_PASSWORD:-value} to give a default`},
		{"unclosed variable", "log:\n  level: ${LEVEL\n",
			`c.yaml: log.level (line 2): "${" is not closed by "}"; write $$ for a literal $`},
		{"expanded number checked", "ldap:\n  poolSize: ${SCIM2LDAP_BIND_PASSWORD:-many}\n",
			`c.yaml: ldap.poolSize (line 2): want a whole number, got "many"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "c.yaml")
			if err == nil || err.Error() != tt.want {
				t.Errorf("Parse() error =\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
}

func TestParseInvalidYAML(t *testing.T) {
	_, err := Parse([]byte("ldap:\n  urls: [a\n"), "c.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "c.yaml: not valid YAML: yaml: line ") {
		t.Errorf("Parse() error = %v", err)
	}
}

func TestParseTwoDocuments(t *testing.T) {
	_, err := Parse([]byte(minimalYAML+"---\nlog:\n  level: debug\n"), "c.yaml")
	want := `c.yaml: a second YAML document starts at line 9; scim2ldap reads one document, so merge them or remove the "---"`
	if err == nil || err.Error() != want {
		t.Errorf("Parse() error = %v; want %s", err, want)
	}
	// A leading "---" is one document.
	if _, err := Parse([]byte("---\n"+minimalYAML), "c.yaml"); err != nil {
		t.Error(err)
	}
}

func TestParseEmpty(t *testing.T) {
	_, err := Parse(nil, "empty.yaml")
	want := "empty.yaml: server.auth: no authentication configured; set server.auth.bearerTokens, server.auth.tokenFile or server.auth.basic, or set server.auth.none: true to accept every request\n" +
		"empty.yaml: ldap.urls: missing; list at least one directory URL, e.g. [ldap://localhost:389] or [ldaps://ldap.example.com]\n" +
		"empty.yaml: users.baseDN: missing; set users.baseDN to the DN that contains your users, e.g. ou=People,dc=example,dc=com"
	if err == nil || err.Error() != want {
		t.Errorf("Parse() error =\n%v\nwant\n%s", err, want)
	}
}

func TestParseLocatesValidationErrors(t *testing.T) {
	_, err := Parse([]byte(minimalYAML+"  filter: objectClass=person\n  attributes:\n    - scim: userName\n      ldap: uid\n"), "c.yaml")
	want := "c.yaml: users.filter (line 9): \"objectClass=person\" is not an LDAP filter; wrap it in parentheses, e.g. (objectClass=inetOrgPerson)\n" +
		"c.yaml: users.attributes[0].scim (line 11): userName is mapped by users.userNameAttribute; remove this entry"
	if err == nil || err.Error() != want {
		t.Fatalf("Parse() error =\n%v\nwant\n%s", err, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.Path != "users.filter" || e.Line != 9 {
		t.Errorf("errors.As(*Error) = %+v", e)
	}
}

func TestParseEnv(t *testing.T) {
	t.Setenv("T_URL", "ldaps://ldap.example.com")
	t.Setenv("T_POOL", "7")
	t.Setenv("T_EMPTY", "")
	t.Setenv("T_TLS", "true")
	unset(t, "T_UNSET")
	// $$ escapes: ldap.urls[0] stays "${T_URL}", which Validate rejects.
	_, err := Parse([]byte(strings.Replace(minimalYAML, "[ldap://localhost]", `["$${T_URL}"]`, 1)), "")
	want := `ldap.urls[0] (line 6): "${T_URL}" has no scheme; write ldap://${T_URL} or ldaps://${T_URL}`
	if err == nil || err.Error() != want {
		t.Fatalf("Parse() error =\n%v\nwant\n%s", err, want)
	}

	c, err := Parse([]byte(`
server:
  auth:
    bearerTokens: ["${T_EMPTY:-from-default}", "pa$$word", $2y$10$notexpanded]
  bodyLimit: ${T_UNSET:-1MiB}
ldap:
  urls: ["${T_URL}/"]
  poolSize: "${T_POOL}"
  dialTimeout: ${T_UNSET:-2s}
  serverName: ${T_EMPTY}
  insecureSkipVerify: ${T_TLS}
users:
  baseDN: ${T_UNSET:-ou=People,dc=example,dc=com}
log:
  level: "${T_UNSET:-}"
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Server.Auth.BearerTokens, []string{"from-default", "pa$word", "$2y$10$notexpanded"}; !reflect.DeepEqual(got, want) {
		t.Errorf("bearerTokens = %q; want %q", got, want)
	}
	if c.Server.BodyLimit != 1<<20 || c.LDAP.PoolSize != 7 || c.LDAP.DialTimeout != 2*time.Second || !c.LDAP.InsecureSkipVerify {
		t.Errorf("typed values: %+v %+v", c.Server, c.LDAP)
	}
	if c.LDAP.URLs[0] != "ldaps://ldap.example.com/" || c.LDAP.ServerName != "" || c.Users.BaseDN != "ou=People,dc=example,dc=com" {
		t.Errorf("strings: %q %q %q", c.LDAP.URLs, c.LDAP.ServerName, c.Users.BaseDN)
	}
	if c.Log.Level != "info" {
		t.Errorf("log.level = %q; an empty default should leave the setting to ApplyDefaults", c.Log.Level)
	}
}

func TestParseDoesNotExpandKeys(t *testing.T) {
	t.Setenv("T_KEY", "directory")
	_, err := Parse([]byte("${T_KEY}: generic\n"), "c.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "c.yaml: ${T_KEY} (line 1): unknown key") {
		t.Errorf("Parse() error = %v", err)
	}
}

func TestParseKeepsValuesAsWritten(t *testing.T) {
	c, err := Parse([]byte(minimalYAML+"  createDN: ou=New,dc=example,dc=com\n  deactivation:\n    attribute: x\n    inactiveValue: 0123\n    activeValue: 1.10\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Users.Deactivation; d.InactiveValue != "0123" || d.ActiveValue != "1.10" {
		t.Errorf("deactivation = %+v; want the values as written", d)
	}
}

func TestParseAnchorsAndMerge(t *testing.T) {
	c, err := Parse([]byte(`
ldap:
  urls: [ldap://localhost]
server:
  auth:
    bearerTokens: [demo]
users:
  baseDN: &base ou=People,dc=example,dc=com
  createDN: *base
groups:
  <<: {baseDN: ou=Old, model: posixGroup}
  baseDN: ou=Groups,dc=example,dc=com
`), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Users.CreateDN != "ou=People,dc=example,dc=com" || c.Groups.BaseDN != "ou=Groups,dc=example,dc=com" || c.Groups.Model != "posixGroup" {
		t.Errorf("users = %+v, groups = %+v", c.Users, c.Groups)
	}

	_, err = Parse([]byte("log:\n  <<: {level: info, colour: true}\n"), "c.yaml")
	if want := "c.yaml: log.colour (line 2): unknown key; the keys here are level, format"; err == nil || err.Error() != want {
		t.Errorf("Parse() error = %v; want %s", err, want)
	}
}

func TestErrorsHideSecrets(t *testing.T) {
	const secret = "Sup3r-secret"
	t.Setenv("T_SECRET", secret)
	for _, doc := range []string{
		"server:\n  auth:\n    bearerTokens: " + secret + "\n",
		"server:\n  auth:\n    bearerTokens: ${T_SECRET}\n",
		"server:\n  auth:\n    basic:\n      - username: u\n        password: " + secret + "\n        passwordHash: " + secret + "\n" + minimalYAML[strings.Index(minimalYAML, "ldap:"):],
		"server:\n  auth:\n    basic:\n      - username: u\n        passwordHash: ${T_SECRET}\n" + minimalYAML[strings.Index(minimalYAML, "ldap:"):],
		"server:\n  auth:\n    bearerTokens: [\"" + secret + " x\"]\n" + minimalYAML[strings.Index(minimalYAML, "ldap:"):],
		"ldap:\n  bindPassword: " + secret + "\n  bindDN: x\n",
		"ldap:\n  bindPassword: \"${T_SECRET}${\"\n",
		"ldap:\n  bindPassword: [" + secret + "]\n",
	} {
		_, err := Parse([]byte(doc), "c.yaml")
		if err == nil {
			t.Errorf("Parse(%q) succeeded", doc)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("Parse(%q) reveals a secret:\n%v", doc, err)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if err == nil || !strings.HasPrefix(err.Error(), "read configuration: open ") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load() error = %v", err)
	}
}

// unset removes name from the environment for the duration of the test.
func unset(t *testing.T, name string) {
	t.Setenv(name, "")
	os.Unsetenv(name)
}

// TestParseMemberOfNone: "-" turns memberOf off for a DN-based model (the
// bridge then searches the groups); for posixGroup it says what the model
// does anyway.
func TestParseMemberOfNone(t *testing.T) {
	tests := []struct {
		name, groups, want string
	}{
		{"default", "groups:\n  baseDN: ou=Groups,dc=example,dc=com\n", "memberOf"},
		{"none", "groups:\n  baseDN: ou=Groups,dc=example,dc=com\n  memberOfAttribute: \"-\"\n", ""},
		{"posixGroup none", "groups:\n  baseDN: ou=Groups,dc=example,dc=com\n  model: posixGroup\n  memberOfAttribute: \"-\"\n", ""},
		{"explicit", "groups:\n  baseDN: ou=Groups,dc=example,dc=com\n  memberOfAttribute: isMemberOf\n", "isMemberOf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(minimalYAML+tt.groups), "c.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if c.Groups.MemberOfAttribute != tt.want {
				t.Errorf("memberOfAttribute = %q, want %q", c.Groups.MemberOfAttribute, tt.want)
			}
		})
	}
}
