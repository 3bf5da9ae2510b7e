package config

import (
	"fmt"
	"strings"
	"time"
)

// ApplyDefaults fills in every setting left empty. It is idempotent, and
// leaves values it does not recognise for Validate to report.
func (c *Config) ApplyDefaults() {
	setDefault(&c.Directory, DirectoryOpenLDAP)
	c.applyPreset()
	c.Server.applyDefaults()
	c.LDAP.applyDefaults()
	c.Users.applyDefaults(c.Directory)
	c.Groups.applyDefaults()
	defaultVersion(&c.Users.VersionAttribute, c.Directory)
	defaultVersion(&c.Groups.VersionAttribute, c.Directory)
	setDefault(&c.Log.Level, "info")
	setDefault(&c.Log.Format, "text")
}

func (s *Server) applyDefaults() {
	setDefault(&s.Listen, "127.0.0.1:8080")
	s.BasePath = normaliseBasePath(s.BasePath)
	if s.V1BasePaths == nil {
		if parent, ok := strings.CutSuffix(s.BasePath, "/v2"); ok {
			s.V1BasePaths = []string{parent + "/v1"}
			if parent != "" {
				s.V1BasePaths = append(s.V1BasePaths, parent)
			}
		}
	}
	for i, p := range s.V1BasePaths {
		s.V1BasePaths[i] = normaliseBasePath(p)
	}
	setDefault(&s.BodyLimit, 4<<20)
	setDefault(&s.MaxResults, 100)
	setDefault(&s.RequestTimeout, 30*time.Second)
	setDefault(&s.MaxInFlight, 32)
	setDefault(&s.QueueTimeout, time.Second)
	setDefault(&s.MaxMembersPerPatch, 1000)
	setDefault(&s.UnmappedAttributes, UnmappedWarn)
	setDefault(&s.MaxStringLength, 64<<10)
	setDefault(&s.MaxAuthFailures, 10)
	setDefault(&s.AuthFailureWindow, time.Minute)
}

// normaliseBasePath turns "scim/v2/" into "/scim/v2", so that handlers can
// append "/Users". The root stays "/".
func normaliseBasePath(p string) string {
	if p == "" {
		return "/scim/v2"
	}
	return "/" + strings.Trim(p, "/")
}

func (l *LDAP) applyDefaults() {
	setDefault(&l.DialTimeout, 5*time.Second)
	setDefault(&l.RequestTimeout, 30*time.Second)
	setDefault(&l.PoolSize, 4)
	setDefault(&l.FailbackAfter, 30*time.Second)
}

func (u *Users) applyDefaults(directory string) {
	if directory == DirectoryOpenLDAP {
		setDefault(&u.RDNAttribute, "uid")
		if len(u.ObjectClasses) == 0 {
			u.ObjectClasses = []string{"top", "person", "organizationalPerson", "inetOrgPerson"}
		}
	}
	setDefault(&u.CreateDN, u.BaseDN)
	setDefault(&u.IDAttribute, "entryUUID")
	defaultIDFormat(&u.IDFormat, u.IDAttribute)
	defaultTimestamps(&u.CreatedAttribute, &u.ModifiedAttribute)
	setDefault(&u.UserNameAttribute, u.RDNAttribute)
	if u.UserNameMaxLength == 0 && strings.EqualFold(u.UserNameAttribute, "sAMAccountName") {
		u.UserNameMaxLength = adSAMAccountMaxLen
	}
	if len(u.ObjectClasses) > 0 {
		setDefault(&u.Filter, objectClassFilter(u.ObjectClasses[len(u.ObjectClasses)-1]))
	}
	setDefault(&u.Password.Attribute, "userPassword")
	switch directory {
	case DirectoryOpenLDAP:
		setDefault(&u.Password.Method, PasswordExop)
	case DirectoryGeneric, DirectoryActiveDirectory:
		// activedirectory only gets here when password.attribute is not
		// unicodePwd (the preset set the method for that).
		setDefault(&u.Password.Method, PasswordAttribute)
	}
	setDefault(&u.Password.OnCreateWithout, OnCreateAllow)
	u.Deactivation.applyDefaults(directory)
}

func (d *Deactivation) applyDefaults(directory string) {
	// An attribute without a strategy says what the admin wants.
	if d.Strategy == "" && d.Attribute != "" {
		d.Strategy = DeactivateAttribute
	}
	switch directory {
	case DirectoryOpenLDAP:
		if d.Strategy == "" {
			d.Strategy = DeactivateAttribute
			// ppolicy's administrative lock: the account cannot bind
			// until the attribute is removed.
			setDefault(&d.Attribute, "pwdAccountLockedTime")
			setDefault(&d.InactiveValue, "000001010000Z")
		}
	case DirectoryGeneric:
		setDefault(&d.Strategy, DeactivateNone)
	}
}

func (g *Groups) applyDefaults() {
	setDefault(&g.Model, GroupOfNames)
	model, known := groupModels[g.Model]
	if known {
		if len(g.ObjectClasses) == 0 {
			g.ObjectClasses = append([]string(nil), model.objectClasses...)
		}
		setDefault(&g.MemberAttribute, model.memberAttribute)
		setDefault(&g.Filter, objectClassFilter(model.structuralClass))
		if model.needsMember {
			setDefault(&g.EmptyMember, "cn=nobody")
		}
	}
	if g.Model == PosixGroup {
		setDefault(&g.MembershipCleanup, "bridge")
		setDefault(&g.GIDNumberMin, 10000)
	} else if known {
		setDefault(&g.MemberOfAttribute, "memberOf")
	}
	setDefault(&g.MembershipCleanup, "directory")
	setDefault(&g.RDNAttribute, "cn")
	setDefault(&g.DisplayNameAttribute, g.RDNAttribute)
	setDefault(&g.IDAttribute, "entryUUID")
	defaultIDFormat(&g.IDFormat, g.IDAttribute)
	defaultTimestamps(&g.CreatedAttribute, &g.ModifiedAttribute)
	setDefault(&g.CreateDN, g.BaseDN)
}

// defaultVersion is the change marker each directory keeps on every
// entry; "-" where there is none that is on by default (389 DS's entryusn
// needs its USN plug-in).
func defaultVersion(attr *string, directory string) {
	switch directory {
	case DirectoryOpenLDAP:
		setDefault(attr, "entryCSN")
	case DirectoryActiveDirectory:
		setDefault(attr, "uSNChanged")
	}
	setDefault(attr, "-")
}

func objectClassFilter(class string) string {
	return fmt.Sprintf("(objectClass=%s)", class)
}

// setDefault sets a field the admin left empty (or zero).
func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// resolveNone turns groups.memberOfAttribute "-" (as for
// users.password.attribute: none) into "", which the bridge reads as "no
// attribute lists a user's groups; search the groups instead", e.g. where
// the memberof overlay is off. Not part of ApplyDefaults, which would fill
// the "" in again when run twice.
func (c *Config) resolveNone() {
	if c.Groups.MemberOfAttribute == "-" {
		c.Groups.MemberOfAttribute = ""
	}
}
