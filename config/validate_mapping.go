package config

import (
	"fmt"
	"strings"
)

func (u *Users) check(p *problems) {
	if u.BaseDN == "" {
		p.add("users.baseDN", "missing; set users.baseDN to the DN that contains your users, e.g. ou=People,dc=example,dc=com")
	} else {
		checkDN(p, "users.baseDN", u.BaseDN, "ou=People,dc=example,dc=com")
	}
	if u.CreateDN != "" {
		checkDN(p, "users.createDN", u.CreateDN, "ou=People,dc=example,dc=com")
	}
	checkAttribute(p, "users.rdnAttribute", u.RDNAttribute, "the attribute that names user entries", "uid")
	checkAttribute(p, "users.idAttribute", u.IDAttribute, "the attribute holding the immutable SCIM id", "entryUUID")
	checkAttribute(p, "users.userNameAttribute", u.UserNameAttribute, "the attribute holding userName", "uid")
	checkIDFormat(p, "users.idFormat", u.IDFormat)
	checkAttribute(p, "users.createdAttribute", u.CreatedAttribute, "the attribute holding the creation time", "createTimestamp")
	checkAttribute(p, "users.modifiedAttribute", u.ModifiedAttribute, "the attribute holding the last change time", "modifyTimestamp")
	if u.UserNameMaxLength < -1 {
		p.add("users.userNameMaxLength", "%d is out of range; use a positive number of characters, e.g. 20, or -1 for no limit", u.UserNameMaxLength)
	}
	checkObjectClasses(p, "users.objectClasses", u.ObjectClasses, "[top, person, organizationalPerson, inetOrgPerson]")
	if u.Filter != "" {
		checkFilter(p, "users.filter", u.Filter, "(objectClass=inetOrgPerson)")
	}
	if u.Password.Attribute != "-" {
		checkAttribute(p, "users.password.attribute", u.Password.Attribute,
			`the attribute holding the password, or "-" to ignore passwords`, "userPassword")
	}
	checkOneOf(p, "users.password.method", u.Password.Method, PasswordExop, PasswordAttribute, PasswordUnicodePwd)
	u.Password.check(p)
	u.Deactivation.check(p)
	checkMappings(p, "users.attributes", u.Attributes, userReserved, "User")
	u.checkTree(p)
}

func (d *Deactivation) check(p *problems) {
	checkOneOf(p, "users.deactivation.strategy", d.Strategy, DeactivateAttribute, DeactivateFlag, DeactivateNone)
	if d.Strategy == DeactivateFlag {
		d.checkFlag(p)
		return
	}
	if d.Strategy != DeactivateAttribute {
		return
	}
	checkAttribute(p, "users.deactivation.attribute", d.Attribute, "the attribute that marks a deactivated user", "pwdAccountLockedTime")
	switch {
	case d.InactiveValue == "":
		p.add("users.deactivation.inactiveValue", "missing; set the value that marks a deactivated user, e.g. 000001010000Z for pwdAccountLockedTime")
	case d.InactiveValue == d.ActiveValue:
		p.add("users.deactivation.activeValue", "equals inactiveValue, so active users would look deactivated; change it, or leave it empty to remove the attribute on reactivation")
	}
}

func (g *Groups) check(p *problems) {
	if !g.Enabled() {
		return
	}
	checkDN(p, "groups.baseDN", g.BaseDN, "ou=Groups,dc=example,dc=com")
	if g.CreateDN != "" {
		checkDN(p, "groups.createDN", g.CreateDN, "ou=Groups,dc=example,dc=com")
	}
	checkAttribute(p, "groups.rdnAttribute", g.RDNAttribute, "the attribute that names group entries", "cn")
	checkAttribute(p, "groups.idAttribute", g.IDAttribute, "the attribute holding the immutable SCIM id", "entryUUID")
	checkAttribute(p, "groups.displayNameAttribute", g.DisplayNameAttribute, "the attribute holding displayName", "cn")
	checkIDFormat(p, "groups.idFormat", g.IDFormat)
	checkAttribute(p, "groups.createdAttribute", g.CreatedAttribute, "the attribute holding the creation time", "createTimestamp")
	checkAttribute(p, "groups.modifiedAttribute", g.ModifiedAttribute, "the attribute holding the last change time", "modifyTimestamp")
	if g.GroupType != 0 && g.Model != ActiveDirectory {
		p.add("groups.groupType", "only used by groups.model activeDirectory, not %s; remove it", g.Model)
	}
	if g.Filter != "" {
		checkFilter(p, "groups.filter", g.Filter, "(objectClass=groupOfNames)")
	}
	checkOneOf(p, "groups.model", g.Model, GroupOfNames, GroupOfUniqueNames, PosixGroup, ActiveDirectory)
	// The rest defaults from the model; with an unknown model, reporting
	// them as missing would only repeat that.
	if model, known := groupModels[g.Model]; known {
		g.checkModel(p, model)
	}
	checkMappings(p, "groups.attributes", g.Attributes, groupReserved, "Group")
	g.checkTree(p)
}

func (g *Groups) checkModel(p *problems, model groupModel) {
	checkObjectClasses(p, "groups.objectClasses", g.ObjectClasses, "["+strings.Join(model.objectClasses, ", ")+"]")
	if len(g.ObjectClasses) > 0 && !containsFold(g.ObjectClasses, model.structuralClass) {
		p.add("groups.objectClasses", "does not include %s, which groups.model %s needs; add it, or change groups.model",
			model.structuralClass, g.Model)
	}
	checkAttribute(p, "groups.memberAttribute", g.MemberAttribute, "the attribute holding the members", model.memberAttribute)
	checkOneOf(p, "groups.membershipCleanup", g.MembershipCleanup, "directory", "bridge")
	if g.IndirectMemberships && g.MemberOfAttribute == "" {
		p.add("groups.indirectMemberships", "indirect memberships are computed from the groups' memberOf; set groups.memberOfAttribute (a posixGroup cannot nest), or remove indirectMemberships")
	}
	if g.Model == PosixGroup {
		if g.MembershipCleanup == "directory" {
			p.add("groups.membershipCleanup", "no directory overlay follows memberUid; use bridge (or remove the key)")
		}
		if g.MemberOfAttribute != "" {
			p.add("groups.memberOfAttribute", "posixGroup members are uids, not DNs, so no memberOf attribute lists them; remove it")
		}
		if g.GIDNumberMin < 1 {
			p.add("groups.gidNumberMin", "%d is out of range; use a positive number, e.g. 10000", g.GIDNumberMin)
		}
	}
	if g.MemberOfAttribute != "" {
		checkAttribute(p, "groups.memberOfAttribute", g.MemberOfAttribute, "the user attribute listing group DNs", "memberOf")
	}
	switch {
	case model.needsMember && g.EmptyMember == "":
		p.add("groups.emptyMember", "missing; %s requires a member, so set a placeholder DN, e.g. cn=nobody", g.Model)
	case model.needsMember:
		checkDN(p, "groups.emptyMember", g.EmptyMember, "cn=nobody")
	case g.EmptyMember != "":
		p.add("groups.emptyMember", "only used by groupOfNames and groupOfUniqueNames, not %s; remove it", g.Model)
	}
}

func checkObjectClasses(p *problems, path string, classes []string, example string) {
	if len(classes) == 0 {
		p.add(path, "missing; list the object classes written on create, e.g. %s", example)
	}
	for i, c := range classes {
		checkAttribute(p, fmt.Sprintf("%s[%d]", path, i), c, "an object class name", "inetOrgPerson")
	}
}

// userReserved and groupReserved are the SCIM attributes that have their
// own settings; mapping them again in attributes would give two sources.
var userReserved = map[string]string{
	"username": "userName is mapped by users.userNameAttribute; remove this entry",
	"id":       "id is mapped by users.idAttribute; remove this entry",
	"active":   "active is handled by users.deactivation; remove this entry",
	"password": "password is handled by users.password; remove this entry",
	"meta":     "meta is set by the bridge; remove this entry",
	"groups":   "groups is derived from group membership (groups.memberAttribute); remove this entry",
}

var groupReserved = map[string]string{
	"displayname": "displayName is mapped by groups.displayNameAttribute; remove this entry",
	"members":     "members is mapped by groups.memberAttribute; remove this entry",
	"id":          "id is mapped by groups.idAttribute; remove this entry",
	"meta":        "meta is set by the bridge; remove this entry",
}

// checkMappings checks attribute mappings; resource is "User" or "Group",
// for the core schema URN that may prefix SCIM paths.
func checkMappings(p *problems, path string, mappings []AttributeMapping, reserved map[string]string, resource string) {
	first := map[string]int{} // normalised SCIM path → index
	for i, m := range mappings {
		at := fmt.Sprintf("%s[%d]", path, i)
		checkAttribute(p, at+".ldap", m.LDAP, "the LDAP attribute to store it in", "mail")
		scim := strings.TrimSpace(m.SCIM)
		switch {
		case scim != "" && m.Template != "":
			p.add(at, "set scim or template, not both; a template entry is derived and never read back")
		case scim == "" && m.Template == "" && m.AllocateFrom == 0:
			p.add(at, "set scim (the SCIM attribute stored in %s) or template (to derive its value)", nonEmpty(m.LDAP, "ldap"))
		case m.Template != "":
			checkTemplate(p, at+".template", m.Template)
		}
		// A template whose placeholders are all empty renders nothing, so
		// default is the fallback for templates too (cn from the name, else
		// the userName).
		if m.Default != "" {
			checkTemplate(p, at+".default", m.Default)
		}
		if m.Type != "" {
			if scim == "" {
				p.add(at+".type", "only allowed together with scim; a template entry has no SCIM type")
			} else {
				checkOneOf(p, at+".type", m.Type, "string", "boolean", "integer")
			}
		}
		checkReference(p, at, m, scim)
		if scim == "" {
			continue
		}
		key := normaliseSCIMPath(scim, resource)
		if msg, ok := reserved[topAttribute(key)]; ok {
			p.add(at+".scim", "%s", msg)
		} else if j, dup := first[key]; dup {
			p.add(at+".scim", "%q is already mapped by %s[%d]; remove one", scim, path, j)
		} else {
			first[key] = i
		}
	}
}

// normaliseSCIMPath makes equal paths compare equal: SCIM names are
// case-insensitive and core attributes may carry their schema URN.
func normaliseSCIMPath(scim, resource string) string {
	s := strings.ToLower(scim)
	return strings.TrimPrefix(s, strings.ToLower("urn:ietf:params:scim:schemas:core:2.0:"+resource+":"))
}

// topAttribute is "name" for "name.givenName" and "emails" for
// `emails[type eq "work"].value`.
func topAttribute(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// checkReference checks reference and referenceCleanup of one mapping.
func checkReference(p *problems, at string, m AttributeMapping, scim string) {
	if m.Reference == "" {
		if m.ReferenceCleanup != "" {
			p.add(at+".referenceCleanup", "only used with reference; remove it or add reference: user")
		}
		return
	}
	checkOneOf(p, at+".reference", m.Reference, "user", "group")
	switch {
	case scim == "":
		p.add(at+".reference", "a reference needs scim (the SCIM attribute holding the id, e.g. urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager)")
	case m.Default != "" || m.Type != "":
		p.add(at+".reference", "a reference holds a DN looked up from an id; remove default and type")
	}
	if m.ReferenceCleanup != "" {
		checkOneOf(p, at+".referenceCleanup", m.ReferenceCleanup, "directory", "bridge")
	}
}
