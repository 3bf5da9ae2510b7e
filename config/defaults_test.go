package config

import (
	"reflect"
	"testing"
	"time"
)

func TestApplyDefaultsOpenLDAP(t *testing.T) {
	c := &Config{Users: Users{BaseDN: "ou=People,dc=example,dc=com"}, Groups: Groups{BaseDN: "ou=Groups,dc=example,dc=com"}}
	c.ApplyDefaults()
	want := &Config{
		Directory: "openldap",
		Server: Server{
			Listen:      "127.0.0.1:8080",
			BasePath:    "/scim/v2",
			BodyLimit:   4 << 20,
			MaxResults:  100,
			V1BasePaths: []string{"/scim/v1", "/scim"},
			// protection limits (README "Security")
			RequestTimeout: 30 * time.Second, MaxInFlight: 32, QueueTimeout: time.Second,
			MaxMembersPerPatch: 1000, UnmappedAttributes: UnmappedWarn, MaxStringLength: 64 << 10, MaxAuthFailures: 10, AuthFailureWindow: time.Minute,
		},
		LDAP: LDAP{DialTimeout: 5 * time.Second, RequestTimeout: 30 * time.Second, PoolSize: 4, FailbackAfter: 30 * time.Second},
		Users: Users{
			BaseDN:           "ou=People,dc=example,dc=com",
			CreateDN:         "ou=People,dc=example,dc=com",
			Filter:           "(objectClass=inetOrgPerson)",
			ObjectClasses:    []string{"top", "person", "organizationalPerson", "inetOrgPerson"},
			RDNAttribute:     "uid",
			IDAttribute:      "entryUUID",
			IDFormat:         "string",
			CreatedAttribute: "createTimestamp", ModifiedAttribute: "modifyTimestamp", VersionAttribute: "entryCSN",
			UserNameAttribute: "uid",
			Password:          Password{Attribute: "userPassword", Method: "exop", OnCreateWithout: "allow"},
			Deactivation:      Deactivation{Strategy: "attribute", Attribute: "pwdAccountLockedTime", InactiveValue: "000001010000Z"},
		},
		Groups: Groups{
			BaseDN:           "ou=Groups,dc=example,dc=com",
			CreateDN:         "ou=Groups,dc=example,dc=com",
			Filter:           "(objectClass=groupOfNames)",
			Model:            "groupOfNames",
			ObjectClasses:    []string{"top", "groupOfNames"},
			RDNAttribute:     "cn",
			IDAttribute:      "entryUUID",
			IDFormat:         "string",
			CreatedAttribute: "createTimestamp", ModifiedAttribute: "modifyTimestamp", VersionAttribute: "entryCSN",
			DisplayNameAttribute: "cn",
			MemberAttribute:      "member",
			EmptyMember:          "cn=nobody",
			MemberOfAttribute:    "memberOf",
			MembershipCleanup:    "directory",
		},
		Log: Log{Level: "info", Format: "text"},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("ApplyDefaults() =\n%+v\nwant\n%+v", c, want)
	}
	again := *c
	again.ApplyDefaults()
	if !reflect.DeepEqual(&again, c) {
		t.Errorf("ApplyDefaults is not idempotent:\n%+v\nthen\n%+v", c, &again)
	}
}

func TestApplyDefaultsGeneric(t *testing.T) {
	c := &Config{Directory: "generic", Users: Users{
		BaseDN:        "ou=People,dc=example,dc=com",
		RDNAttribute:  "cn",
		ObjectClasses: []string{"top", "person", "user"},
	}}
	c.ApplyDefaults()
	want := Users{
		BaseDN:           "ou=People,dc=example,dc=com",
		CreateDN:         "ou=People,dc=example,dc=com",
		Filter:           "(objectClass=user)",
		ObjectClasses:    []string{"top", "person", "user"},
		RDNAttribute:     "cn",
		IDAttribute:      "entryUUID",
		IDFormat:         "string",
		CreatedAttribute: "createTimestamp", ModifiedAttribute: "modifyTimestamp", VersionAttribute: "-",
		UserNameAttribute: "cn",
		Password:          Password{Attribute: "userPassword", Method: "attribute", OnCreateWithout: "allow"},
		Deactivation:      Deactivation{Strategy: "none"},
	}
	if !reflect.DeepEqual(c.Users, want) {
		t.Errorf("Users =\n%+v\nwant\n%+v", c.Users, want)
	}

	// The generic preset has no user schema to offer.
	c = &Config{Directory: "generic"}
	c.ApplyDefaults()
	if c.Users.RDNAttribute != "" || c.Users.ObjectClasses != nil || c.Users.Filter != "" {
		t.Errorf("generic preset filled in %+v", c.Users)
	}
}

func TestApplyDefaultsKeepsSettings(t *testing.T) {
	c := &Config{
		Server: Server{BasePath: "api/scim/", BodyLimit: 1, MaxResults: 7, Listen: ":9"},
		LDAP:   LDAP{DialTimeout: time.Second, RequestTimeout: time.Minute, PoolSize: 9, FailbackAfter: -time.Second},
		Users: Users{
			BaseDN: "ou=a", CreateDN: "ou=b", Filter: "(x=y)", ObjectClasses: []string{"account"},
			RDNAttribute: "cn", IDAttribute: "nsUniqueId", UserNameAttribute: "mail",
			Password:     Password{Attribute: "-", Method: "attribute", OnCreateWithout: "allow"},
			Deactivation: Deactivation{Attribute: "nsAccountLock", InactiveValue: "TRUE"},
		},
		Log: Log{Level: "debug", Format: "json"},
	}
	c.ApplyDefaults()
	if c.Server.BasePath != "/api/scim" || c.Server.BodyLimit != 1 || c.Server.MaxResults != 7 || c.Server.Listen != ":9" {
		t.Errorf("Server = %+v", c.Server)
	}
	if c.LDAP.DialTimeout != time.Second || c.LDAP.RequestTimeout != time.Minute || c.LDAP.PoolSize != 9 || c.LDAP.FailbackAfter != -time.Second {
		t.Errorf("LDAP = %+v", c.LDAP)
	}
	wantUsers := Users{
		BaseDN: "ou=a", CreateDN: "ou=b", Filter: "(x=y)", ObjectClasses: []string{"account"},
		RDNAttribute: "cn", IDAttribute: "nsUniqueId", IDFormat: "string", UserNameAttribute: "mail",
		CreatedAttribute: "createTimestamp", ModifiedAttribute: "modifyTimestamp", VersionAttribute: "entryCSN",
		Password: Password{Attribute: "-", Method: "attribute", OnCreateWithout: "allow"},
		// An attribute alone chooses the attribute strategy.
		Deactivation: Deactivation{Strategy: "attribute", Attribute: "nsAccountLock", InactiveValue: "TRUE"},
	}
	if !reflect.DeepEqual(c.Users, wantUsers) {
		t.Errorf("Users =\n%+v\nwant\n%+v", c.Users, wantUsers)
	}
	if c.Log != (Log{Level: "debug", Format: "json"}) {
		t.Errorf("Log = %+v", c.Log)
	}
}

func TestNormaliseBasePath(t *testing.T) {
	tests := map[string]string{
		"":          "/scim/v2",
		"/":         "/",
		"scim":      "/scim",
		"/scim/v2/": "/scim/v2",
		"/scim/v2":  "/scim/v2",
		"//x//":     "/x",
	}
	for in, want := range tests {
		if got := normaliseBasePath(in); got != want {
			t.Errorf("normaliseBasePath(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestGroupModelDefaults(t *testing.T) {
	tests := []struct {
		model, member, filter, emptyMember string
		classes                            []string
	}{
		{"groupOfNames", "member", "(objectClass=groupOfNames)", "cn=nobody", []string{"top", "groupOfNames"}},
		{"groupOfUniqueNames", "uniqueMember", "(objectClass=groupOfUniqueNames)", "cn=nobody", []string{"top", "groupOfUniqueNames"}},
		{"posixGroup", "memberUid", "(objectClass=posixGroup)", "", []string{"top", "posixGroup"}},
		{"activeDirectory", "member", "(objectClass=group)", "", []string{"top", "group"}},
	}
	for _, tt := range tests {
		g := Groups{BaseDN: "ou=Groups,dc=example,dc=com", Model: tt.model, RDNAttribute: "ou"}
		g.applyDefaults()
		if g.MemberAttribute != tt.member || g.Filter != tt.filter || g.EmptyMember != tt.emptyMember ||
			!reflect.DeepEqual(g.ObjectClasses, tt.classes) || g.DisplayNameAttribute != "ou" {
			t.Errorf("model %s: got %+v", tt.model, g)
		}
	}
	// The default object classes must be a copy: the connector may append.
	g := Groups{}
	g.applyDefaults()
	g.ObjectClasses[0] = "changed"
	if groupModels[GroupOfNames].objectClasses[0] != "top" {
		t.Error("applyDefaults shares its object class slice with groupModels")
	}
}
