package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// validConfig passes Validate; each test case breaks one thing.
func validConfig() *Config {
	c := &Config{
		Server: Server{Auth: Auth{BearerTokens: []string{"demo-token"}}},
		LDAP: LDAP{
			URLs:         []string{"ldap://localhost:389"},
			BindDN:       "cn=admin,dc=example,dc=com",
			BindPassword: "admin-secret",
		},
		Users:  Users{BaseDN: "ou=People,dc=example,dc=com"},
		Groups: Groups{BaseDN: "ou=Groups,dc=example,dc=com"},
	}
	c.ApplyDefaults()
	return c
}

func TestValidConfig(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	c := validConfig()
	c.Groups = Groups{} // groups disabled
	c.Server.Auth = Auth{None: true}
	c.LDAP.BindDN, c.LDAP.BindPassword = "", "" // anonymous bind
	c.Server.BasePath = "/"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string // one problem per line
	}{
		// directory and log
		{"directory", func(c *Config) { c.Directory = "OpenLDAP" },
			`directory: "OpenLDAP" is not valid; use openldap, activedirectory, 389ds or generic (did you mean "openldap"?)`},
		{"log level", func(c *Config) { c.Log.Level = "warning" },
			`log.level: "warning" is not valid; use debug, info, warn or error (did you mean "warn"?)`},
		{"log format", func(c *Config) { c.Log.Format = "logfmt" },
			`log.format: "logfmt" is not valid; use text or json`},

		// server
		{"listen without port", func(c *Config) { c.Server.Listen = "8080" },
			`server.listen: "8080" is not host:port; write e.g. 127.0.0.1:8080, or :8080 for every interface`},
		{"listen bad port", func(c *Config) { c.Server.Listen = "localhost:http" },
			`server.listen: port "http" is not a number from 1 to 65535; write e.g. localhost:8080`},
		{"basePath relative", func(c *Config) { c.Server.BasePath = "scim" },
			`server.basePath: "scim" must start with "/"; write e.g. /scim/v2`},
		{"basePath query", func(c *Config) { c.Server.BasePath = "/scim?x=1" },
			`server.basePath: "/scim?x=1" must be a plain URL path without query, fragment, spaces or %-escapes; write e.g. /scim/v2`},
		{"basePath unclean", func(c *Config) { c.Server.BasePath = "/scim/../v2" },
			`server.basePath: "/scim/../v2" is not a clean path; write /v2`},
		{"basePath Users", func(c *Config) { c.Server.BasePath = "/scim/v2/Users" },
			`server.basePath: "/scim/v2/Users" ends in /Users, but the base path must be the SCIM root, e.g. /scim/v2; write /scim/v2 and clients add /Users themselves`},
		{"basePath Groups", func(c *Config) { c.Server.BasePath = "/groups" },
			`server.basePath: "/groups" ends in /Groups, but the base path must be the SCIM root, e.g. /scim/v2; write / and clients add /Groups themselves`},
		{"bodyLimit", func(c *Config) { c.Server.BodyLimit = -1 },
			`server.bodyLimit: must be more than 0; write e.g. 4MiB`},
		{"maxResults low", func(c *Config) { c.Server.MaxResults = 0 },
			`server.maxResults: 0 is out of range; use 1 to 10000`},
		{"maxResults high", func(c *Config) { c.Server.MaxResults = 10001 },
			`server.maxResults: 10001 is out of range; use 1 to 10000`},
		{"protection limits", func(c *Config) {
			c.Server.RequestTimeout, c.Server.MaxInFlight, c.Server.QueueTimeout = -1, 0, 2*time.Minute
			c.Server.MaxMembersPerPatch, c.Server.MaxStringLength = -5, 10
			c.Server.MaxAuthFailures, c.Server.AuthFailureWindow = -2, -time.Second
		}, "server.requestTimeout: must be more than 0; write e.g. 30s (Okta gives up after 60s)\n" +
			"server.maxInFlight: 0 is out of range; use 1 to 100000, e.g. 32\n" +
			"server.queueTimeout: 2m0s is out of range; use more than 0 and at most 1m, e.g. 1s\n" +
			"server.maxMembersPerPatch: -5 is out of range; use 1 or more, e.g. 1000\n" +
			"server.maxStringLength: 10 is too small for real requests; use at least 1KiB, e.g. 64KiB\n" +
			"server.maxAuthFailures: -2 is out of range; use 1 or more (e.g. 10), or -1 to turn the limit off\n" +
			"server.authFailureWindow: must be more than 0; write e.g. 1m"},
		{"tls cert only", func(c *Config) { c.Server.TLS.CertFile = "testdata/full.yaml" },
			`server.tls.keyFile: missing while server.tls.certFile is set; set the PEM private key file, or remove certFile to serve plain HTTP`},
		{"tls key only", func(c *Config) { c.Server.TLS.KeyFile = "testdata/full.yaml" },
			`server.tls.certFile: missing while server.tls.keyFile is set; set the PEM certificate file, or remove keyFile to serve plain HTTP`},
		{"tls files missing", func(c *Config) { c.Server.TLS = ServerTLS{CertFile: missing, KeyFile: missing} },
			"server.tls.certFile: stat " + missing + ": no such file or directory; check the path\n" +
				"server.tls.keyFile: stat " + missing + ": no such file or directory; check the path"},

		// server.auth
		{"no auth", func(c *Config) { c.Server.Auth = Auth{} },
			`server.auth: no authentication configured; set server.auth.bearerTokens, server.auth.tokenFile or server.auth.basic, or set server.auth.none: true to accept every request`},
		{"none and tokens", func(c *Config) { c.Server.Auth.None = true },
			`server.auth.none: true cannot be combined with other methods; remove none: true, or remove bearerTokens, tokenFile and basic`},
		{"none and token file", func(c *Config) { c.Server.Auth = Auth{None: true, TokenFile: "t"} },
			`server.auth.none: true cannot be combined with other methods; remove none: true, or remove bearerTokens, tokenFile and basic`},
		{"empty token", func(c *Config) { c.Server.Auth.BearerTokens = []string{"ok", ""} },
			`server.auth.bearerTokens[1]: empty token (an unset ${VAR}?); remove the entry or give the variable a value`},
		{"token with newline", func(c *Config) { c.Server.Auth.BearerTokens = []string{"tok\n"} },
			`server.auth.bearerTokens[0]: the token contains spaces or line breaks, which clients cannot send; remove them`},
		{"short token allowed", func(c *Config) { c.Server.Auth.BearerTokens = []string{"x"} }, ""},
		{"basic ok", func(c *Config) {
			c.Server.Auth = Auth{Basic: []BasicUser{{Username: "a", Password: "p"}, {Username: "b", PasswordHash: testBcrypt}}}
		}, ""},
		{"basic no username", func(c *Config) { c.Server.Auth.Basic = []BasicUser{{Password: "p"}} },
			`server.auth.basic[0].username: missing; set the user name the SCIM client sends`},
		{"basic colon", func(c *Config) { c.Server.Auth.Basic = []BasicUser{{Username: "a:b", Password: "p"}} },
			`server.auth.basic[0].username: "a:b" contains ":", which HTTP Basic uses as the separator; choose a name without it`},
		{"basic both", func(c *Config) {
			c.Server.Auth.Basic = []BasicUser{{Username: "a", Password: "p", PasswordHash: testBcrypt}}
		},
			`server.auth.basic[0]: set exactly one of password or passwordHash, not both`},
		{"basic neither", func(c *Config) { c.Server.Auth.Basic = []BasicUser{{Username: "a"}} },
			`server.auth.basic[0]: set exactly one of password (prefer ${VAR}) or passwordHash (a bcrypt hash)`},
		{"basic bad hash", func(c *Config) { c.Server.Auth.Basic = []BasicUser{{Username: "a", PasswordHash: "{SSHA}abc"}} },
			`server.auth.basic[0].passwordHash: not a bcrypt hash; it must start with $2a$, $2b$ or $2y$ and be 60 characters long (create one with: htpasswd -nB user | cut -d: -f2)`},
		{"basic duplicate", func(c *Config) {
			c.Server.Auth.Basic = []BasicUser{{Username: "a", Password: "p"}, {Username: "a", Password: "q"}}
		}, `server.auth.basic[1].username: "a" is already listed as server.auth.basic[0]; remove one`},

		// ldap
		{"no urls", func(c *Config) { c.LDAP.URLs = nil },
			`ldap.urls: missing; list at least one directory URL, e.g. [ldap://localhost:389] or [ldaps://ldap.example.com]`},
		{"url without scheme", func(c *Config) { c.LDAP.URLs = []string{"localhost:389"} },
			`ldap.urls[0]: "localhost:389" has no scheme; write ldap://localhost:389 or ldaps://localhost:389`},
		{"url bad scheme", func(c *Config) { c.LDAP.URLs = []string{"ldap://ok", "http://localhost"} },
			`ldap.urls[1]: scheme "http" is not supported; use ldap:// or ldaps://`},
		{"url unparsable", func(c *Config) { c.LDAP.URLs = []string{"ldap://[::1"} },
			`ldap.urls[0]: parse "ldap://[::1": missing ']' in host; write e.g. ldap://localhost:389`},
		{"url no host", func(c *Config) { c.LDAP.URLs = []string{"ldaps://:636"} },
			`ldap.urls[0]: "ldaps://:636" has no host; write e.g. ldap://localhost:389`},
		{"url with DN", func(c *Config) { c.LDAP.URLs = []string{"ldap://localhost/dc=example,dc=com"} },
			`ldap.urls[0]: "ldap://localhost/dc=example,dc=com" has a path or query, which is not used; write only scheme, host and port, and put base DNs in users.baseDN and groups.baseDN`},
		{"startTLS with ldaps", func(c *Config) { c.LDAP.URLs = []string{"ldap://a", "ldaps://b"}; c.LDAP.StartTLS = true },
			`ldap.startTLS: cannot be used with ldap.urls[1] (ldaps://b), which is TLS already; use ldap:// URLs with startTLS, or turn startTLS off`},
		{"startTLS with ldap", func(c *Config) { c.LDAP.StartTLS = true }, ""},
		{"caFile missing", func(c *Config) { c.LDAP.CAFile = missing },
			"ldap.caFile: stat " + missing + ": no such file or directory; check the path"},
		{"bindDN without password", func(c *Config) { c.LDAP.BindPassword = "" },
			`ldap.bindPassword: missing while ldap.bindDN is set; set it (e.g. ${SCIM2LDAP_BIND_PASSWORD}) or ldap.bindPasswordFile, or remove ldap.bindDN to bind anonymously`},
		{"password without bindDN", func(c *Config) { c.LDAP.BindDN = "" },
			`ldap.bindDN: missing while a bind password is set; set the DN of the service account, e.g. cn=scim2ldap,ou=services,dc=example,dc=com`},
		{"bindDN not a DN", func(c *Config) { c.LDAP.BindDN = "admin" },
			`ldap.bindDN: "admin" is not a DN; write the full DN, e.g. cn=scim2ldap,ou=services,dc=example,dc=com`},
		{"dialTimeout", func(c *Config) { c.LDAP.DialTimeout = -time.Second },
			`ldap.dialTimeout: must be more than 0; write e.g. 5s`},
		{"requestTimeout", func(c *Config) { c.LDAP.RequestTimeout = 0 },
			`ldap.requestTimeout: must be more than 0; write e.g. 30s`},
		{"poolSize", func(c *Config) { c.LDAP.PoolSize = 257 },
			`ldap.poolSize: 257 is out of range; use 1 to 256`},
		{"failbackAfter short", func(c *Config) { c.LDAP.FailbackAfter = 500 * time.Millisecond },
			`ldap.failbackAfter: 500ms is out of range; use 1s or more (e.g. 30s), or -1s never to return to the first URL by itself`},
		{"failbackAfter negative", func(c *Config) { c.LDAP.FailbackAfter = -time.Minute },
			`ldap.failbackAfter: -1m0s is out of range; use 1s or more (e.g. 30s), or -1s never to return to the first URL by itself`},

		// users
		{"users baseDN missing", func(c *Config) { c.Users.BaseDN = "" },
			`users.baseDN: missing; set users.baseDN to the DN that contains your users, e.g. ou=People,dc=example,dc=com`},
		{"users baseDN not a DN", func(c *Config) { c.Users.BaseDN = "People" },
			`users.baseDN: "People" is not a DN; write the full DN, e.g. ou=People,dc=example,dc=com`},
		{"users createDN not a DN", func(c *Config) { c.Users.CreateDN = "=x" },
			`users.createDN: "=x" is not a DN; write the full DN, e.g. ou=People,dc=example,dc=com`},
		{"rdnAttribute missing", func(c *Config) { c.Users.RDNAttribute = "" },
			`users.rdnAttribute: missing; set the attribute that names user entries, e.g. uid`},
		{"idAttribute invalid", func(c *Config) { c.Users.IDAttribute = "entry_uuid" },
			`users.idAttribute: "entry_uuid" is not an LDAP attribute name; use letters, digits and "-", starting with a letter, or a numeric OID`},
		{"idAttribute OID", func(c *Config) { c.Users.IDAttribute = "1.3.6.1.1.16.4" }, ""},
		{"userNameAttribute missing", func(c *Config) { c.Users.UserNameAttribute = "" },
			`users.userNameAttribute: missing; set the attribute holding userName, e.g. uid`},
		{"objectClasses missing", func(c *Config) { c.Users.ObjectClasses = nil },
			`users.objectClasses: missing; list the object classes written on create, e.g. [top, person, organizationalPerson, inetOrgPerson]`},
		{"objectClass invalid", func(c *Config) { c.Users.ObjectClasses = []string{"top", "inet orgPerson"} },
			`users.objectClasses[1]: "inet orgPerson" is not an LDAP attribute name; use letters, digits and "-", starting with a letter, or a numeric OID`},
		{"filter unwrapped", func(c *Config) { c.Users.Filter = "objectClass=person" },
			`users.filter: "objectClass=person" is not an LDAP filter; wrap it in parentheses, e.g. (objectClass=inetOrgPerson)`},
		{"filter unbalanced", func(c *Config) { c.Users.Filter = "(&(objectClass=person)" },
			`users.filter: "(&(objectClass=person)" has unbalanced parentheses; close every (`},
		{"filter two filters", func(c *Config) { c.Users.Filter = "(a=b)(c=d)" },
			`users.filter: "(a=b)(c=d)" has unbalanced parentheses or is several filters; combine filters with (&…), e.g. (&(objectClass=inetOrgPerson)(mail=*))`},
		{"filter nested ok", func(c *Config) { c.Users.Filter = `(&(objectClass=person)(!(cn=a\29b)))` }, ""},
		{"password attribute dash", func(c *Config) { c.Users.Password.Attribute = "-" }, ""},
		{"password attribute invalid", func(c *Config) { c.Users.Password.Attribute = "user password" },
			`users.password.attribute: "user password" is not an LDAP attribute name; use letters, digits and "-", starting with a letter, or a numeric OID`},
		{"password method", func(c *Config) { c.Users.Password.Method = "hash" },
			`users.password.method: "hash" is not valid; use exop, attribute or unicodePwd`},
		{"on create without", func(c *Config) { c.Users.Password.OnCreateWithout = "generated" },
			`users.password.onCreateWithout: "generated" is not valid; use generate, disabled, refuse or allow (did you mean "generate"?)`},
		{"digest attribute", func(c *Config) { c.Users.Password.DigestAttribute = "my digest" },
			`users.password.digestAttribute: "my digest" is not an LDAP attribute name; use letters, digits and "-", starting with a letter, or a numeric OID`},
		{"digest ok", func(c *Config) { c.Users.Password.DigestAttribute = "description" }, ""},
		{"digest off", func(c *Config) { c.Users.Password.DigestAttribute = "-" }, ""},
		{"digest with passwords ignored", func(c *Config) { c.Users.Password.DigestAttribute, c.Users.Password.Attribute = "description", "-" },
			`users.password.digestAttribute: is set while users.password.attribute is "-" (passwords ignored); remove it`},
		{"digest key short", func(c *Config) { c.Users.Password.DigestKey = "short" },
			"users.password.digestKey: is shorter than 16 characters; use a long random key, e.g. from `openssl rand -base64 32`"},
		{"digest key anonymous", func(c *Config) {
			c.Users.Password.DigestAttribute = "description"
			c.LDAP.BindDN, c.LDAP.BindPassword = "", ""
		}, `users.password.digestKey: is needed for users.password.digestAttribute when the bridge binds anonymously; set it (e.g. ${SCIM2LDAP_DIGEST_KEY}) or users.password.digestKeyFile, or set digestAttribute: "-"`},
		{"must change without unicodePwd", func(c *Config) { c.Users.Password.MustChangeGenerated = true },
			"users.password.mustChangeGenerated: works only with users.password.method unicodePwd and onCreateWithout generate; remove it"},
		{"deactivation strategy", func(c *Config) { c.Users.Deactivation.Strategy = "delete" },
			`users.deactivation.strategy: "delete" is not valid; use attribute, flag or none`},
		{"deactivation none", func(c *Config) { c.Users.Deactivation = Deactivation{Strategy: "none"} }, ""},
		{"deactivation attribute missing", func(c *Config) { c.Users.Deactivation.Attribute = "" },
			`users.deactivation.attribute: missing; set the attribute that marks a deactivated user, e.g. pwdAccountLockedTime`},
		{"deactivation inactiveValue missing", func(c *Config) { c.Users.Deactivation.InactiveValue = "" },
			`users.deactivation.inactiveValue: missing; set the value that marks a deactivated user, e.g. 000001010000Z for pwdAccountLockedTime`},
		{"deactivation same values", func(c *Config) { c.Users.Deactivation.ActiveValue = "000001010000Z" },
			`users.deactivation.activeValue: equals inactiveValue, so active users would look deactivated; change it, or leave it empty to remove the attribute on reactivation`},
		{"unknown directory skips users", func(c *Config) { c.Directory = "ad"; c.Users = Users{} },
			`directory: "ad" is not valid; use openldap, activedirectory, 389ds or generic`},

		// users.attributes
		{"mapping ok", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{
				{SCIM: "name.givenName", LDAP: "givenName"},
				{SCIM: "name.familyName", LDAP: "sn", Default: "{userName}"},
				{LDAP: "cn", Template: "{name.givenName} {name.familyName}"},
				{SCIM: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", LDAP: "departmentNumber"},
			}
		}, ""},
		{"mapping no ldap", func(c *Config) { c.Users.Attributes = []AttributeMapping{{SCIM: "title"}} },
			`users.attributes[0].ldap: missing; set the LDAP attribute to store it in, e.g. mail`},
		{"mapping bad ldap", func(c *Config) { c.Users.Attributes = []AttributeMapping{{SCIM: "title", LDAP: "given name"}} },
			`users.attributes[0].ldap: "given name" is not an LDAP attribute name; use letters, digits and "-", starting with a letter, or a numeric OID`},
		{"mapping scim and template", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "title", LDAP: "title", Template: "{x}"}}
		},
			`users.attributes[0]: set scim or template, not both; a template entry is derived and never read back`},
		{"mapping neither", func(c *Config) { c.Users.Attributes = []AttributeMapping{{LDAP: "title"}} },
			`users.attributes[0]: set scim (the SCIM attribute stored in title) or template (to derive its value)`},
		{"mapping default with template", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{LDAP: "cn", Template: "{name.givenName} {name.familyName}", Default: "{userName}"}}
		}, ""},
		{"mapping default template checked", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{LDAP: "cn", Template: "{name.givenName}", Default: "{userName"}}
		}, `users.attributes[0].default: "{userName": "{" is not closed; placeholders look like {name.givenName}`},
		{"mapping type", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "urn:example:custom:2.0:User:vip", LDAP: "x", Type: "boolean"}}
		}, ""},
		{"mapping type invalid", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "urn:example:custom:2.0:User:vip", LDAP: "x", Type: "bool"}}
		}, `users.attributes[0].type: "bool" is not valid; use string, boolean or integer (did you mean "boolean"?)`},
		{"mapping type with template", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{LDAP: "cn", Template: "{userName}", Type: "string"}}
		}, `users.attributes[0].type: only allowed together with scim; a template entry has no SCIM type`},
		{"reference", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", LDAP: "manager", Reference: "user", ReferenceCleanup: "bridge"}}
		}, ""},
		{"reference kind invalid", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", LDAP: "manager", Reference: "users"}}
		}, `users.attributes[0].reference: "users" is not valid; use user or group (did you mean "user"?)`},
		{"reference with default", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", LDAP: "manager", Reference: "user", Default: "{userName}"}}
		}, `users.attributes[0].reference: a reference holds a DN looked up from an id; remove default and type`},
		{"reference template", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{LDAP: "manager", Template: "{userName}", Reference: "user"}}
		}, `users.attributes[0].reference: a reference needs scim (the SCIM attribute holding the id, e.g. urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager)`},
		{"referenceCleanup without reference", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "title", LDAP: "title", ReferenceCleanup: "bridge"}}
		}, `users.attributes[0].referenceCleanup: only used with reference; remove it or add reference: user`},
		{"referenceCleanup invalid", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", LDAP: "manager", Reference: "user", ReferenceCleanup: "refint"}}
		}, `users.attributes[0].referenceCleanup: "refint" is not valid; use directory or bridge`},
		{"mapping duplicate", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "title", LDAP: "title"}, {SCIM: "name.givenName", LDAP: "gn"}, {SCIM: "urn:ietf:params:scim:schemas:core:2.0:User:Title", LDAP: "x"}}
		}, `users.attributes[2].scim: "urn:ietf:params:scim:schemas:core:2.0:User:Title" is already mapped by users.attributes[0]; remove one`},
		{"mapping userName", func(c *Config) { c.Users.Attributes = []AttributeMapping{{SCIM: "userName", LDAP: "uid"}} },
			`users.attributes[0].scim: userName is mapped by users.userNameAttribute; remove this entry`},
		{"mapping id", func(c *Config) { c.Users.Attributes = []AttributeMapping{{SCIM: "ID", LDAP: "uid"}} },
			`users.attributes[0].scim: id is mapped by users.idAttribute; remove this entry`},
		{"mapping active", func(c *Config) { c.Users.Attributes = []AttributeMapping{{SCIM: "active", LDAP: "x"}} },
			`users.attributes[0].scim: active is handled by users.deactivation; remove this entry`},
		{"mapping password", func(c *Config) { c.Users.Attributes = []AttributeMapping{{SCIM: "password", LDAP: "userPassword"}} },
			`users.attributes[0].scim: password is handled by users.password; remove this entry`},
		{"mapping meta", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "meta.created", LDAP: "createTimestamp"}}
		},
			`users.attributes[0].scim: meta is set by the bridge; remove this entry`},
		{"mapping groups", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "urn:ietf:params:scim:schemas:core:2.0:User:groups", LDAP: "memberOf"}}
		}, `users.attributes[0].scim: groups is derived from group membership (groups.memberAttribute); remove this entry`},
		{"template unclosed", func(c *Config) { c.Users.Attributes = []AttributeMapping{{LDAP: "cn", Template: "{a} {b"}} },
			`users.attributes[0].template: "{a} {b": "{" is not closed; placeholders look like {name.givenName}`},
		{"template stray close", func(c *Config) { c.Users.Attributes = []AttributeMapping{{LDAP: "cn", Template: "a}"}} },
			`users.attributes[0].template: "a}": "}" without "{"; placeholders look like {name.givenName}`},
		{"template nested", func(c *Config) { c.Users.Attributes = []AttributeMapping{{LDAP: "cn", Template: "{a{b}}"}} },
			`users.attributes[0].template: "{a{b}}": "{" inside a placeholder; placeholders look like {name.givenName} and cannot be nested`},
		{"template empty placeholder", func(c *Config) { c.Users.Attributes = []AttributeMapping{{LDAP: "cn", Template: "x{}"}} },
			`users.attributes[0].template: "x{}": empty placeholder {}; put a SCIM attribute path inside, e.g. {userName}`},
		{"default template checked", func(c *Config) {
			c.Users.Attributes = []AttributeMapping{{SCIM: "name.familyName", LDAP: "sn", Default: "{userName"}}
		},
			`users.attributes[0].default: "{userName": "{" is not closed; placeholders look like {name.givenName}`},

		// groups
		{"groups disabled", func(c *Config) { c.Groups = Groups{Model: "nonsense"} }, ""},
		{"groups baseDN", func(c *Config) { c.Groups.BaseDN = "Groups" },
			`groups.baseDN: "Groups" is not a DN; write the full DN, e.g. ou=Groups,dc=example,dc=com`},
		{"groups createDN", func(c *Config) { c.Groups.CreateDN = "Groups" },
			`groups.createDN: "Groups" is not a DN; write the full DN, e.g. ou=Groups,dc=example,dc=com`},
		{"groups model", func(c *Config) { c.Groups.Model = "posix" },
			`groups.model: "posix" is not valid; use groupOfNames, groupOfUniqueNames, posixGroup or activeDirectory (did you mean "posixGroup"?)`},
		{"groups model only reported once", func(c *Config) { c.Groups.Model = "x"; c.Groups.MemberAttribute = ""; c.Groups.ObjectClasses = nil },
			`groups.model: "x" is not valid; use groupOfNames, groupOfUniqueNames, posixGroup or activeDirectory`},
		{"groups objectClasses missing", func(c *Config) { c.Groups.ObjectClasses = nil },
			`groups.objectClasses: missing; list the object classes written on create, e.g. [top, groupOfNames]`},
		{"groups objectClasses wrong", func(c *Config) { c.Groups.ObjectClasses = []string{"top", "groupOfUniqueNames"} },
			`groups.objectClasses: does not include groupOfNames, which groups.model groupOfNames needs; add it, or change groups.model`},
		{"groups filter", func(c *Config) { c.Groups.Filter = "cn=*" },
			`groups.filter: "cn=*" is not an LDAP filter; wrap it in parentheses, e.g. (objectClass=groupOfNames)`},
		{"groups rdnAttribute", func(c *Config) { c.Groups.RDNAttribute = "" },
			`groups.rdnAttribute: missing; set the attribute that names group entries, e.g. cn`},
		{"groups idAttribute", func(c *Config) { c.Groups.IDAttribute = "-" },
			`groups.idAttribute: "-" is not an LDAP attribute name; use letters, digits and "-", starting with a letter, or a numeric OID`},
		{"groups displayNameAttribute", func(c *Config) { c.Groups.DisplayNameAttribute = "" },
			`groups.displayNameAttribute: missing; set the attribute holding displayName, e.g. cn`},
		{"groups memberAttribute", func(c *Config) { c.Groups.MemberAttribute = "" },
			`groups.memberAttribute: missing; set the attribute holding the members, e.g. member`},
		{"groups emptyMember missing", func(c *Config) { c.Groups.EmptyMember = "" },
			`groups.emptyMember: missing; groupOfNames requires a member, so set a placeholder DN, e.g. cn=nobody`},
		{"groups emptyMember not DN", func(c *Config) { c.Groups.EmptyMember = "nobody" },
			`groups.emptyMember: "nobody" is not a DN; write the full DN, e.g. cn=nobody`},
		{"groups emptyMember unused", func(c *Config) {
			c.Groups = Groups{BaseDN: "ou=Groups,dc=example,dc=com", Model: "posixGroup", EmptyMember: "cn=nobody"}
			c.Groups.applyDefaults()
		}, `groups.emptyMember: only used by groupOfNames and groupOfUniqueNames, not posixGroup; remove it`},
		{"groups mapping displayName", func(c *Config) { c.Groups.Attributes = []AttributeMapping{{SCIM: "displayName", LDAP: "cn"}} },
			`groups.attributes[0].scim: displayName is mapped by groups.displayNameAttribute; remove this entry`},
		{"groups mapping members", func(c *Config) { c.Groups.Attributes = []AttributeMapping{{SCIM: "members.value", LDAP: "member"}} },
			`groups.attributes[0].scim: members is mapped by groups.memberAttribute; remove this entry`},
		{"groups mapping id", func(c *Config) { c.Groups.Attributes = []AttributeMapping{{SCIM: "id", LDAP: "x"}} },
			`groups.attributes[0].scim: id is mapped by groups.idAttribute; remove this entry`},
		{"groups mapping meta", func(c *Config) {
			c.Groups.Attributes = []AttributeMapping{{SCIM: "urn:ietf:params:scim:schemas:core:2.0:Group:meta", LDAP: "x"}}
		}, `groups.attributes[0].scim: meta is set by the bridge; remove this entry`},
		{"groups mapping externalId", func(c *Config) {
			c.Groups.Attributes = []AttributeMapping{{SCIM: "externalId", LDAP: "businessCategory"}}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(c)
			err := c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// testBcrypt has the shape of a bcrypt hash; Validate does not verify it.
const testBcrypt = "$2y$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"

func TestValidateReportsEverything(t *testing.T) {
	c := validConfig()
	c.Server.MaxResults = 0
	c.LDAP.PoolSize = 0
	c.Users.BaseDN = ""
	c.Log.Format = "xml"
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{"server.maxResults: ", "ldap.poolSize: ", "users.baseDN: ", "log.format: "}
	if len(lines) != len(want) {
		t.Fatalf("Validate() =\n%s\nwant %d problems", err, len(want))
	}
	for i, prefix := range want {
		if !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("problem %d = %q; want it to start with %q", i, lines[i], prefix)
		}
	}
	var e *Error
	if !errors.As(err, &e) || e.Path != "server.maxResults" || e.Line != 0 {
		t.Errorf("errors.As(*Error) = %+v", e)
	}
}

func TestValidateHidesSecrets(t *testing.T) {
	const secret = "s3cret-Value"
	c := validConfig()
	c.LDAP.BindDN = ""
	c.LDAP.BindPassword = secret
	c.Server.Auth.BearerTokens = []string{secret + " x"}
	c.Server.Auth.Basic = []BasicUser{{Username: "u", Password: secret, PasswordHash: secret}, {Username: "v", PasswordHash: secret}}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("Validate() reveals a secret:\n%s", err)
	}
}
