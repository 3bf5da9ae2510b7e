package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeFiles creates name → content files in dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadSecretFiles(t *testing.T) {
	// base ends inside the ldap section, so that cases can add to it.
	const base = `
users:
  baseDN: ou=People,dc=example,dc=com
ldap:
  urls: [ldap://localhost]
  bindDN: cn=admin,dc=example,dc=com
`
	tests := []struct {
		name     string
		yaml     string
		files    map[string]string
		password string
		tokens   []string
	}{
		{"password file", base + "  bindPasswordFile: pw\nserver: {auth: {none: true}}\n",
			map[string]string{"pw": "hunter2\n"}, "hunter2", nil},
		{"password file CRLF", base + "  bindPasswordFile: pw\nserver: {auth: {none: true}}\n",
			map[string]string{"pw": "hunter2\r\n"}, "hunter2", nil},
		{"password file only one newline stripped", base + "  bindPasswordFile: pw\nserver: {auth: {none: true}}\n",
			map[string]string{"pw": " two words \n\n"}, " two words \n", nil},
		{"password file without newline", base + "  bindPasswordFile: ./secrets/pw\nserver: {auth: {none: true}}\n",
			map[string]string{"secrets/pw": "x"}, "x", nil},
		{"token file", base + "  bindPassword: p\nserver:\n  auth:\n    bearerTokens: [inline]\n    tokenFile: tokens\n",
			map[string]string{"tokens": "# okta\nabc\n\n  def  \r\n#ghi\n"}, "p", []string{"inline", "abc", "def"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "secrets"), 0o700)
			writeFiles(t, dir, tt.files)
			writeFiles(t, dir, map[string]string{"c.yaml": tt.yaml})
			c, err := Load(filepath.Join(dir, "c.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if c.LDAP.BindPassword != tt.password {
				t.Errorf("bindPassword = %q; want %q", c.LDAP.BindPassword, tt.password)
			}
			if !reflect.DeepEqual(c.Server.Auth.BearerTokens, tt.tokens) {
				t.Errorf("bearerTokens = %q; want %q", c.Server.Auth.BearerTokens, tt.tokens)
			}
		})
	}
}

func TestLoadSecretFileErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"empty": "", "comments": "# none yet\n\n", "pw": "secret-in-file"})
	src := filepath.Join(dir, "c.yaml")
	ldap := func(lines string) string {
		return "ldap:\n  urls: [ldap://localhost]\n  bindDN: cn=admin,dc=example,dc=com\n" + lines +
			"users:\n  baseDN: ou=People,dc=example,dc=com\n"
	}
	tokens := func(file string) string {
		return "server:\n  auth:\n    tokenFile: " + file + "\n" + ldap("  bindPassword: p\n")
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"both passwords", ldap("  bindPassword: p\n  bindPasswordFile: pw\n"),
			src + ": ldap.bindPasswordFile (line 5): set either ldap.bindPassword or ldap.bindPasswordFile, not both; remove one"},
		{"missing password file", ldap("  bindPasswordFile: missing\n"),
			src + ": ldap.bindPasswordFile (line 4): cannot read the password file: open " + filepath.Join(dir, "missing") +
				": no such file or directory; check the path and that scim2ldap may read it"},
		{"empty password file", ldap("  bindPasswordFile: empty\n"),
			src + ": ldap.bindPasswordFile (line 4): " + filepath.Join(dir, "empty") + " is empty; write the bind password into it"},
		{"missing token file", tokens("/nonexistent/tokens"),
			src + ": server.auth.tokenFile (line 3): cannot read the token file: open /nonexistent/tokens: no such file or directory; check the path and that scim2ldap may read it"},
		{"token file without tokens", tokens("comments"),
			src + ": server.auth.tokenFile (line 3): " + filepath.Join(dir, "comments") + " holds no tokens; write one token per line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeFiles(t, dir, map[string]string{"c.yaml": tt.yaml})
			_, err := Load(src)
			if err == nil || err.Error() != tt.want {
				t.Errorf("Load() error =\n%v\nwant\n%s", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret-in-file") {
				t.Errorf("Load() reveals the password file's content: %v", err)
			}
		})
	}
}

func TestParseFilesRelativeToWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"pw": "from-cwd\n"})
	t.Chdir(dir)
	c, err := Parse([]byte(strings.Replace(minimalYAML, "ldap:\n", "ldap:\n  bindDN: cn=a\n  bindPasswordFile: pw\n", 1)), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.LDAP.BindPassword != "from-cwd" || c.LDAP.BindPasswordFile != "pw" {
		t.Errorf("ldap = %+v", c.LDAP)
	}
}

func TestLoadFull(t *testing.T) {
	dir := t.TempDir()
	full, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{
		"c.yaml":     string(full),
		"bindpw.txt": "hunter2\n",
		"tokens.txt": "# okta\ntok-from-file\n",
		"cert.pem":   "", "key.pem": "", "ca.pem": "",
	})
	t.Setenv("SCIM2LDAP_TEST_TOKEN", "tok-from-env")
	unset(t, "SCIM2LDAP_TEST_BASIC")
	unset(t, "SCIM2LDAP_TEST_TIMEOUT")
	t.Setenv("SCIM2LDAP_TEST_POOL", "")

	c, err := Load(filepath.Join(dir, "c.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Directory: "openldap",
		Server: Server{
			Listen:      "0.0.0.0:8443",
			BasePath:    "/scim/v2",
			BodyLimit:   512 << 10,
			MaxResults:  200,
			V1BasePaths: []string{"/scim/v1", "/scim"},
			// protection limits: defaults (README "Security")
			RequestTimeout: 30 * time.Second, MaxInFlight: 32, QueueTimeout: time.Second,
			MaxMembersPerPatch: 1000, UnmappedAttributes: UnmappedWarn, MaxStringLength: 64 << 10, MaxAuthFailures: 10, AuthFailureWindow: time.Minute,
			TLS: ServerTLS{CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem")},
			Auth: Auth{
				BearerTokens: []string{"tok-from-env", "tok-from-file"},
				TokenFile:    filepath.Join(dir, "tokens.txt"),
				Basic: []BasicUser{
					{Username: "okta", PasswordHash: testBcrypt},
					{Username: "azure", Password: "s3cret"},
				},
			},
		},
		LDAP: LDAP{
			URLs:             []string{"ldap://ldap1.example.com:389", "ldap://ldap2.example.com"},
			BindDN:           "cn=scim2ldap,ou=services,dc=example,dc=com",
			BindPassword:     "hunter2",
			BindPasswordFile: filepath.Join(dir, "bindpw.txt"),
			StartTLS:         true,
			CAFile:           filepath.Join(dir, "ca.pem"),
			ServerName:       "ldap.example.com",
			DialTimeout:      3 * time.Second,
			RequestTimeout:   time.Minute,
			PoolSize:         8,
			FailbackAfter:    2 * time.Minute,
		},
		Users: Users{
			BaseDN:           "ou=People,dc=example,dc=com",
			CreateDN:         "ou=New,ou=People,dc=example,dc=com",
			Filter:           "(&(objectClass=inetOrgPerson)(!(ou=robots)))",
			ObjectClasses:    []string{"top", "person", "organizationalPerson", "inetOrgPerson", "posixAccount"},
			RDNAttribute:     "uid",
			IDAttribute:      "entryUUID",
			IDFormat:         "string",
			CreatedAttribute: "createTimestamp", ModifiedAttribute: "modifyTimestamp", VersionAttribute: "entryCSN",
			UserNameAttribute: "mail",
			Attributes: []AttributeMapping{
				{SCIM: "name.givenName", LDAP: "givenName"},
				{SCIM: "name.familyName", LDAP: "sn", Default: "{userName}"},
				{SCIM: `emails[type eq "work"].value`, LDAP: "mail"},
				{LDAP: "cn", Template: "{name.givenName} {name.familyName}", Default: "{userName}"},
				{SCIM: "urn:example:params:scim:schemas:extension:acme:2.0:User:vip", LDAP: "acmeVIP", Type: "boolean"},
			},
			Password:     Password{Attribute: "userPassword", Method: "exop", OnCreateWithout: "allow"},
			Deactivation: Deactivation{Strategy: "attribute", Attribute: "pwdAccountLockedTime", InactiveValue: "000001010000Z"},
		},
		Groups: Groups{
			BaseDN:           "ou=Groups,dc=example,dc=com",
			CreateDN:         "ou=Groups,dc=example,dc=com",
			Filter:           "(objectClass=groupOfUniqueNames)",
			Model:            "groupOfUniqueNames",
			ObjectClasses:    []string{"top", "groupOfUniqueNames"},
			RDNAttribute:     "cn",
			IDAttribute:      "entryUUID",
			IDFormat:         "string",
			CreatedAttribute: "createTimestamp", ModifiedAttribute: "modifyTimestamp", VersionAttribute: "entryCSN",
			DisplayNameAttribute: "description",
			MemberAttribute:      "uniqueMember",
			EmptyMember:          "cn=empty,dc=example,dc=com",
			MemberOfAttribute:    "memberOf",
			MembershipCleanup:    "directory",
			Attributes:           []AttributeMapping{{SCIM: "externalId", LDAP: "businessCategory"}},
		},
		Log: Log{Level: "debug", Format: "json"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load() =\n%+v\nwant\n%+v", c, want)
	}
}
