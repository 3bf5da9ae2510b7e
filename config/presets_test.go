package config

import (
	"reflect"
	"testing"
)

func presetConfig(directory string, urls ...string) *Config {
	return &Config{
		Directory: directory,
		Server:    Server{Auth: Auth{BearerTokens: []string{"t"}}},
		LDAP:      LDAP{URLs: urls, BindDN: "cn=svc,dc=example,dc=com", BindPassword: "pw"},
		Users:     Users{BaseDN: "ou=People,dc=example,dc=com"},
		Groups:    Groups{BaseDN: "ou=Groups,dc=example,dc=com"},
	}
}

func TestPresetDefaults(t *testing.T) {
	tests := []struct {
		directory  string
		wantUsers  Users
		wantGroups Groups
	}{
		{DirectoryActiveDirectory,
			Users{
				BaseDN: "ou=People,dc=example,dc=com", CreateDN: "ou=People,dc=example,dc=com",
				Filter:        "(&(objectCategory=person)(objectClass=user))",
				ObjectClasses: []string{"top", "person", "organizationalPerson", "user"},
				RDNAttribute:  "cn", IDAttribute: "objectGUID", IDFormat: "guid",
				CreatedAttribute: "whenCreated", ModifiedAttribute: "whenChanged", VersionAttribute: "uSNChanged",
				UserNameAttribute: "sAMAccountName", UserNameMaxLength: 20,
				Password:     Password{Attribute: "unicodePwd", Method: "unicodePwd", DigestAttribute: "msDS-cloudExtensionAttribute20", OnCreateWithout: "generate"},
				Deactivation: Deactivation{Strategy: "flag", Attribute: "userAccountControl", Mask: 2, CreateValue: 512},
			},
			Groups{
				BaseDN: "ou=Groups,dc=example,dc=com", CreateDN: "ou=Groups,dc=example,dc=com",
				Filter: "(objectClass=group)", Model: "activeDirectory", ObjectClasses: []string{"top", "group"},
				RDNAttribute: "cn", IDAttribute: "objectGUID", IDFormat: "guid", GroupType: -2147483646,
				CreatedAttribute: "whenCreated", ModifiedAttribute: "whenChanged", VersionAttribute: "uSNChanged",
				DisplayNameAttribute: "cn", MemberAttribute: "member", MemberOfAttribute: "memberOf", MembershipCleanup: "directory",
			}},
		{Directory389DS,
			Users{
				BaseDN: "ou=People,dc=example,dc=com", CreateDN: "ou=People,dc=example,dc=com",
				Filter:        "(objectClass=inetOrgPerson)",
				ObjectClasses: []string{"top", "person", "organizationalPerson", "inetOrgPerson"},
				RDNAttribute:  "uid", IDAttribute: "nsUniqueId", IDFormat: "string", UserNameAttribute: "uid",
				CreatedAttribute: "createTimestamp", ModifiedAttribute: "modifyTimestamp", VersionAttribute: "-",
				Password:     Password{Attribute: "userPassword", Method: "exop", OnCreateWithout: "allow"},
				Deactivation: Deactivation{Strategy: "attribute", Attribute: "nsAccountLock", InactiveValue: "true"},
			},
			Groups{
				BaseDN: "ou=Groups,dc=example,dc=com", CreateDN: "ou=Groups,dc=example,dc=com",
				Filter: "(objectClass=groupOfNames)", Model: "groupOfNames", ObjectClasses: []string{"top", "groupOfNames"},
				RDNAttribute: "cn", IDAttribute: "nsUniqueId", IDFormat: "string", EmptyMember: "cn=nobody",
				CreatedAttribute: "createTimestamp", ModifiedAttribute: "modifyTimestamp", VersionAttribute: "-",
				DisplayNameAttribute: "cn", MemberAttribute: "member", MemberOfAttribute: "memberOf", MembershipCleanup: "directory",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.directory, func(t *testing.T) {
			c := presetConfig(tt.directory, "ldaps://dc.example.com")
			c.ApplyDefaults()
			if !reflect.DeepEqual(c.Users, tt.wantUsers) {
				t.Errorf("Users =\n%+v\nwant\n%+v", c.Users, tt.wantUsers)
			}
			if !reflect.DeepEqual(c.Groups, tt.wantGroups) {
				t.Errorf("Groups =\n%+v\nwant\n%+v", c.Groups, tt.wantGroups)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			again := *c
			again.ApplyDefaults()
			if !reflect.DeepEqual(&again, c) {
				t.Errorf("ApplyDefaults is not idempotent")
			}
		})
	}
}

// Every preset default gives way to what the admin wrote.
func TestPresetOverrides(t *testing.T) {
	tests := []struct {
		name   string
		set    func(c *Config)
		check  func(c *Config) bool
		detail string
	}{
		{"userPrincipalName", func(c *Config) { c.Users.UserNameAttribute = "userPrincipalName" },
			func(c *Config) bool {
				return c.Users.UserNameAttribute == "userPrincipalName" && c.Users.UserNameMaxLength == 0
			},
			"userName in userPrincipalName has no 20-character limit"},
		{"no length limit", func(c *Config) { c.Users.UserNameMaxLength = -1 },
			func(c *Config) bool { return c.Users.UserNameMaxLength == -1 }, "-1 stays"},
		{"no passwords", func(c *Config) { c.Users.Password.Attribute = "-" },
			func(c *Config) bool {
				return c.Users.Password.Attribute == "-" && c.Users.Password.Method == "attribute"
			}, "- stays"},
		{"deactivation attribute", func(c *Config) {
			c.Users.Deactivation = Deactivation{Attribute: "extensionAttribute1", InactiveValue: "disabled"}
		}, func(c *Config) bool {
			return c.Users.Deactivation == Deactivation{Strategy: "attribute", Attribute: "extensionAttribute1", InactiveValue: "disabled"}
		}, "an attribute alone chooses the attribute strategy"},
		{"no deactivation", func(c *Config) { c.Users.Deactivation.Strategy = "none" },
			func(c *Config) bool { return c.Users.Deactivation == Deactivation{Strategy: "none"} }, "none stays"},
		{"universal group", func(c *Config) { c.Groups.GroupType = -2147483640 },
			func(c *Config) bool { return c.Groups.GroupType == -2147483640 }, "groupType stays"},
		{"entryUUID id", func(c *Config) { c.Users.IDAttribute = "objectSid"; c.Users.IDFormat = "string" },
			func(c *Config) bool { return c.Users.IDAttribute == "objectSid" && c.Users.IDFormat == "string" }, "id settings stay"},
		{"uid RDN", func(c *Config) { c.Users.RDNAttribute = "uid"; c.Users.ObjectClasses = []string{"user"} },
			func(c *Config) bool {
				return c.Users.RDNAttribute == "uid" && c.Users.Filter == "(&(objectCategory=person)(objectClass=user))" && len(c.Users.ObjectClasses) == 1
			}, "rdn and classes stay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := presetConfig(DirectoryActiveDirectory, "ldaps://dc.example.com")
			tt.set(c)
			c.ApplyDefaults()
			if !tt.check(c) {
				t.Errorf("%s: Users = %+v, Groups = %+v", tt.detail, c.Users, c.Groups)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestPresetValidation(t *testing.T) {
	tests := []struct {
		name      string
		directory string
		urls      []string
		set       func(c *Config)
		want      string // one problem per line; "" = valid
	}{
		{"ad over ldaps", DirectoryActiveDirectory, []string{"ldaps://dc1", "ldaps://dc2"}, nil, ""},
		{"ad with startTLS", DirectoryActiveDirectory, []string{"ldap://dc1"}, func(c *Config) { c.LDAP.StartTLS = true }, ""},
		{"ad in clear", DirectoryActiveDirectory, []string{"ldaps://dc1", "ldap://dc2"}, nil,
			`ldap.urls[1]: ldap://dc2 is plain LDAP, but users.password.method unicodePwd sends passwords, which must never cross the network in clear ` +
				`(Active Directory refuses them without TLS); use ldaps://, or set ldap.startTLS: true, or stop writing passwords with users.password.attribute: "-"`},
		{"ad in clear without passwords", DirectoryActiveDirectory, []string{"ldap://dc1"},
			func(c *Config) { c.Users.Password.Attribute = "-" }, ""},
		{"389ds in clear", Directory389DS, []string{"ldap://localhost:389"}, nil,
			`ldap.urls[0]: ldap://localhost:389 is plain LDAP, but 389 DS runs the Password Modify operation (users.password.method exop) only over TLS; ` +
				`use ldaps://, or set ldap.startTLS: true, or stop writing passwords with users.password.attribute: "-"`},
		{"389ds with startTLS", Directory389DS, []string{"ldap://localhost:389"}, func(c *Config) { c.LDAP.StartTLS = true }, ""},
		{"389ds in clear, password as attribute", Directory389DS, []string{"ldap://localhost:389"},
			func(c *Config) { c.Users.Password.Method = "attribute" }, ""},
		{"flag without mask", DirectoryActiveDirectory, []string{"ldaps://dc1"},
			func(c *Config) { c.Users.Deactivation = Deactivation{Strategy: "flag", Attribute: "flags"} },
			`users.deactivation.mask: 0 is out of range; set the bits that mark a deactivated user, e.g. 2 (userAccountControl's ACCOUNTDISABLE)`},
		{"flag createValue disabled", DirectoryActiveDirectory, []string{"ldaps://dc1"},
			func(c *Config) { c.Users.Deactivation.CreateValue = 514 },
			`users.deactivation.createValue: 514 has bits of mask 2 set, so every new user would start deactivated; ` +
				`give the value of an active user, e.g. 512 (the bridge adds the mask for users created with active: false)`},
		{"flag with values", DirectoryActiveDirectory, []string{"ldaps://dc1"},
			func(c *Config) { c.Users.Deactivation.InactiveValue = "514" },
			`users.deactivation.inactiveValue: not used by strategy flag, which sets and clears users.deactivation.mask; remove inactiveValue and activeValue`},
		{"id format", DirectoryActiveDirectory, []string{"ldaps://dc1"},
			func(c *Config) { c.Users.IDFormat = "binary" },
			`users.idFormat: "binary" is not valid; use string or guid`},
		{"userName limit", Directory389DS, nil,
			func(c *Config) { c.LDAP.URLs = []string{"ldaps://x"}; c.Users.UserNameMaxLength = -5 },
			`users.userNameMaxLength: -5 is out of range; use a positive number of characters, e.g. 20, or -1 for no limit`},
		{"groupType elsewhere", Directory389DS, []string{"ldaps://x"},
			func(c *Config) { c.Groups.GroupType = 2 },
			`groups.groupType: only used by groups.model activeDirectory, not groupOfNames; remove it`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := presetConfig(tt.directory, tt.urls...)
			if tt.set != nil {
				tt.set(c)
			}
			c.ApplyDefaults()
			got := ""
			if err := c.Validate(); err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// The examples must load as shipped, with their environment defaults.
func TestExamplesLoad(t *testing.T) {
	for file, directory := range map[string]string{
		"openldap": DirectoryOpenLDAP, "active-directory": DirectoryActiveDirectory, "389ds": Directory389DS,
	} {
		t.Run(file, func(t *testing.T) {
			c, err := Load("../examples/" + file + ".yaml")
			if err != nil {
				t.Fatal(err)
			}
			if c.Directory != directory {
				t.Errorf("directory = %q, want %q", c.Directory, directory)
			}
		})
	}
}
