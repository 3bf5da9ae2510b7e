package config

import (
	"fmt"
	"strings"
)

// Directory presets beyond openldap and generic, and the settings values
// they introduced. A preset only fills in what the admin left empty, and it
// runs before the generic defaults, so every choice stays overridable.
const (
	DirectoryActiveDirectory = "activedirectory"
	Directory389DS           = "389ds"

	// What users.password.onCreateWithout may say.
	OnCreateGenerate = "generate"
	OnCreateDisabled = "disabled"
	OnCreateRefuse   = "refuse"
	OnCreateAllow    = "allow"
	// PasswordUnicodePwd writes Active Directory's unicodePwd: the
	// password in double quotes, UTF-16LE encoded, only over TLS.
	PasswordUnicodePwd = "unicodePwd"

	// DeactivateFlag sets and clears bits of an integer attribute
	// (userAccountControl), keeping the other bits.
	DeactivateFlag = "flag"

	IDFormatString = "string"
	IDFormatGUID   = "guid"
)

// Active Directory values the preset uses.
const (
	adAccountDisable   = 0x2   // userAccountControl ACCOUNTDISABLE
	adNormalAccount    = 0x200 // userAccountControl NORMAL_ACCOUNT
	adGlobalSecurity   = -2147483646
	adSAMAccountMaxLen = 20 // sAMAccountName of a user (pre-Windows 2000 logon name)
)

var directories = []string{DirectoryOpenLDAP, DirectoryActiveDirectory, Directory389DS, DirectoryGeneric}

// applyPreset fills the directory-specific defaults of c.Directory.
func (c *Config) applyPreset() {
	switch c.Directory {
	case DirectoryActiveDirectory:
		c.Users.presetActiveDirectory()
		c.Groups.presetActiveDirectory()
	case Directory389DS:
		c.Users.preset389DS()
		setDefault(&c.Groups.IDAttribute, "nsUniqueId")
	}
}

func (u *Users) presetActiveDirectory() {
	// CN names the entry; the logon name is an attribute. A SCIM rename
	// changes sAMAccountName, and the CN too when it was made from the old
	// userName, so that the old name does not block the next user's CN.
	setDefault(&u.RDNAttribute, "cn")
	if len(u.ObjectClasses) == 0 {
		u.ObjectClasses = []string{"top", "person", "organizationalPerson", "user"}
	}
	// Computer accounts are objectClass user too; objectCategory person
	// leaves them out.
	setDefault(&u.Filter, "(&(objectCategory=person)(objectClass=user))")
	setDefault(&u.IDAttribute, "objectGUID")
	adTimestamps(&u.CreatedAttribute, &u.ModifiedAttribute)
	setDefault(&u.UserNameAttribute, "sAMAccountName")
	setDefault(&u.Password.Attribute, "unicodePwd")
	if strings.EqualFold(u.Password.Attribute, "unicodePwd") {
		setDefault(&u.Password.Method, PasswordUnicodePwd)
	}
	if u.Password.Method == PasswordUnicodePwd {
		// unicodePwd cannot be read back to compare (README "Passwords
		// that did not change").
		setDefault(&u.Password.DigestAttribute, "msDS-cloudExtensionAttribute20")
	}
	// Windows AD does not enable an account without a password, and
	// Entra never sends one.
	setDefault(&u.Password.OnCreateWithout, OnCreateGenerate)
	d := &u.Deactivation
	if d.Strategy == "" && d.Attribute == "" {
		d.Strategy = DeactivateFlag
	}
	if d.Strategy == DeactivateFlag {
		setDefault(&d.Attribute, "userAccountControl")
		if strings.EqualFold(d.Attribute, "userAccountControl") {
			setDefault(&d.Mask, adAccountDisable)
			setDefault(&d.CreateValue, adNormalAccount)
		}
	}
}

func (g *Groups) presetActiveDirectory() {
	setDefault(&g.Model, ActiveDirectory)
	setDefault(&g.IDAttribute, "objectGUID")
	adTimestamps(&g.CreatedAttribute, &g.ModifiedAttribute)
	if g.Model == ActiveDirectory && g.GroupType == 0 {
		g.GroupType = adGlobalSecurity
	}
}

func (u *Users) preset389DS() {
	setDefault(&u.RDNAttribute, "uid")
	if len(u.ObjectClasses) == 0 {
		u.ObjectClasses = []string{"top", "person", "organizationalPerson", "inetOrgPerson"}
	}
	// nsUniqueId is on every entry; entryUUID only on entries made while
	// the entryUUID plugin was on.
	setDefault(&u.IDAttribute, "nsUniqueId")
	setDefault(&u.Password.Method, PasswordExop)
	d := &u.Deactivation
	if d.Strategy == "" && d.Attribute == "" {
		// Account inactivation: a bind as the user fails while set.
		d.Strategy = DeactivateAttribute
		d.Attribute = "nsAccountLock"
		setDefault(&d.InactiveValue, "true")
	}
}

// adTimestamps: AD computes createTimestamp and modifyTimestamp from
// whenCreated and whenChanged, and Samba ignores filters on the computed
// ones ((modifyTimestamp>=20990101000000Z) matched every user), so the
// stored attributes are used.
func adTimestamps(created, modified *string) {
	setDefault(created, "whenCreated")
	setDefault(modified, "whenChanged")
}

func defaultTimestamps(created, modified *string) {
	setDefault(created, "createTimestamp")
	setDefault(modified, "modifyTimestamp")
}

// defaultIDFormat is guid for the attributes known to hold binary GUIDs.
func defaultIDFormat(format *string, idAttribute string) {
	if strings.EqualFold(idAttribute, "objectGUID") {
		setDefault(format, IDFormatGUID)
	}
	setDefault(format, IDFormatString)
}

// usesTLS reports whether every connection to the directory is encrypted.
func (l *LDAP) usesTLS() bool {
	if l.StartTLS {
		return true
	}
	for _, raw := range l.URLs {
		if !strings.HasPrefix(strings.ToLower(raw), "ldaps://") {
			return false
		}
	}
	return len(l.URLs) > 0
}

func checkIDFormat(p *problems, path, format string) {
	checkOneOf(p, path, format, IDFormatString, IDFormatGUID)
}

func (d *Deactivation) checkFlag(p *problems) {
	checkAttribute(p, "users.deactivation.attribute", d.Attribute, "the integer attribute holding the flags", "userAccountControl")
	if d.Mask <= 0 {
		p.add("users.deactivation.mask", "%d is out of range; set the bits that mark a deactivated user, e.g. 2 (userAccountControl's ACCOUNTDISABLE)", d.Mask)
	}
	if d.CreateValue < 0 {
		p.add("users.deactivation.createValue", "%d is out of range; use the value new active users get, e.g. 512, or 0 to write none", d.CreateValue)
	} else if d.Mask > 0 && d.CreateValue&d.Mask != 0 {
		p.add("users.deactivation.createValue", "%d has bits of mask %d set, so every new user would start deactivated; "+
			"give the value of an active user, e.g. 512 (the bridge adds the mask for users created with active: false)", d.CreateValue, d.Mask)
	}
	if d.InactiveValue != "" || d.ActiveValue != "" {
		p.add("users.deactivation.inactiveValue", "not used by strategy flag, which sets and clears users.deactivation.mask; remove inactiveValue and activeValue")
	}
}

// checkPasswordTLS refuses a configuration that would send Active
// Directory passwords in clear text. AD itself refuses unicodePwd without
// an encrypted connection; other servers (Samba) accept it, exposing the
// password to anyone on the network path.
//
// 389 DS runs the Password Modify operation only over TLS (its answer is
// confidentialityRequired, 13, for every password otherwise), so that
// combination is refused at start-up too rather than at the first password.
func (c *Config) checkPasswordTLS(p *problems) {
	if c.Users.Password.Attribute == "-" || c.LDAP.usesTLS() {
		return
	}
	var why string
	switch {
	case c.Users.Password.Method == PasswordUnicodePwd:
		why = "users.password.method unicodePwd sends passwords, which must never cross the network in clear (Active Directory refuses them without TLS)"
	case c.Directory == Directory389DS && c.Users.Password.Method == PasswordExop:
		why = "389 DS runs the Password Modify operation (users.password.method exop) only over TLS"
	default:
		return
	}
	for i, raw := range c.LDAP.URLs {
		if !strings.HasPrefix(strings.ToLower(raw), "ldaps://") {
			p.add(fmt.Sprintf("ldap.urls[%d]", i), "%s is plain LDAP, but %s; use ldaps://, or set ldap.startTLS: true, "+
				"or stop writing passwords with users.password.attribute: \"-\"", raw, why)
			return
		}
	}
}
