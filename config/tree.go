package config

import (
	"fmt"
	"strings"
)

// Placement puts each user in a container chosen from its attributes.
//
//	placement:
//	  createContainers: true
//	  rules:
//	    - when: 'enterprise.department != ""'
//	      container: "ou={enterprise.department},ou=People,dc=example,dc=com"
//
// The first rule whose condition holds and whose container template fills
// wins; none: users.createDN. Values are DN-escaped. An update that changes
// the outcome moves the entry (its id stays).
type Placement struct {
	// Rules are tried in order.
	Rules []PlacementRule `yaml:"rules"`
	// CreateContainers creates a missing container (and missing parents
	// below the base it lies in) before the first entry goes into it.
	// Default false: a missing container is an error.
	CreateContainers bool `yaml:"createContainers"`
	// ContainerClass is the objectClass of created containers:
	// "organizationalUnit" (named ou=, default) or "container" (named
	// cn=, Active Directory only).
	ContainerClass string `yaml:"containerClass"`
}

// OnDeactivate is what active:false does besides the deactivation
// strategy's mark, undone by active:true.
//
//	onDeactivate:
//	  moveTo: "ou=Disabled Users,dc=example,dc=com"
//	  set:
//	    - ldap: description
//	      template: "Disabled by scim2ldap {now}"
type OnDeactivate struct {
	// MoveTo is the container a deactivated user is moved to; reactivation
	// moves it back to where placement puts it. It must be searched (in
	// users.baseDN or users.baseDNs). Empty: no move.
	MoveTo string `yaml:"moveTo"`
	// Set lists attributes written from templates on deactivation and
	// removed on reactivation.
	Set []SetAttribute `yaml:"set"`
}

// SetAttribute is one attribute written from a template.
type SetAttribute struct {
	// LDAP is the attribute written.
	LDAP string `yaml:"ldap"`
	// Template is its value, e.g. "Disabled by scim2ldap {now}".
	Template string `yaml:"template"`
}

// PlacementRule is one condition → container pair.
type PlacementRule struct {
	// When is an expression that must hold (optional), e.g.
	// 'enterprise.employeeNumber startsWith "C"'.
	When string `yaml:"when"`
	// Container is a DN or DN template, e.g.
	// "ou={enterprise.department},ou=People,dc=example,dc=com". A rule
	// whose template has an empty value does not match.
	Container string `yaml:"container"`
}

// Bases is every subtree searched for users: BaseDN then BaseDNs.
func (u Users) Bases() []string { return bases(u.BaseDN, u.BaseDNs) }

// Bases is every subtree searched for groups.
func (g Groups) Bases() []string { return bases(g.BaseDN, g.BaseDNs) }

func bases(first string, more []string) []string {
	out := []string{first}
	for _, b := range more {
		dup := false
		for _, o := range out {
			dup = dup || strings.EqualFold(o, b)
		}
		if !dup {
			out = append(out, b)
		}
	}
	return out
}

func (u *Users) checkTree(p *problems) {
	for i, b := range u.BaseDNs {
		checkDN(p, fmt.Sprintf("users.baseDNs[%d]", i), b, "ou=Disabled Users,dc=example,dc=com")
	}
	checkPlacement(p, "users", u.Placement)
	if u.OnDeactivate.MoveTo != "" {
		checkDN(p, "users.onDeactivate.moveTo", u.OnDeactivate.MoveTo, "ou=Disabled Users,dc=example,dc=com")
	}
	for i, s := range u.OnDeactivate.Set {
		path := fmt.Sprintf("users.onDeactivate.set[%d]", i)
		checkAttribute(p, path+".ldap", s.LDAP, "the attribute deactivation writes", "description")
		if s.Template == "" {
			p.add(path+".template", "missing; set what is written, e.g. \"Disabled by scim2ldap {now}\"")
		}
	}
	for i, a := range u.Attributes {
		path := fmt.Sprintf("users.attributes[%d]", i)
		switch {
		case a.Unique && a.Template == "":
			p.add(path+".unique", "needs a template to generate the value from, e.g. template: \"{lower(ascii(localpart(userName)))}\"")
		case a.AllocateFrom != 0 && (a.SCIM != "" || a.Template != "" || a.Unique):
			p.add(path+".allocateFrom", "an allocated number stands alone; remove scim, template and unique from this entry")
		case a.AllocateFrom < 0:
			p.add(path+".allocateFrom", "%d is negative; use the lowest number to give, e.g. 10000", a.AllocateFrom)
		case a.MaxLength < 0 || a.MaxLength > 0 && !a.Unique:
			p.add(path+".maxLength", "applies to a generated value (unique: true) and is a positive number of characters, e.g. 20")
		case a.Regenerate && !a.Unique:
			p.add(path+".regenerate", "applies to a generated value (unique: true)")
		}
	}
}

func (g *Groups) checkTree(p *problems) {
	for i, b := range g.BaseDNs {
		checkDN(p, fmt.Sprintf("groups.baseDNs[%d]", i), b, "ou=Groups,dc=example,dc=com")
	}
	checkPlacement(p, "groups", g.Placement)
}

func checkPlacement(p *problems, section string, pl Placement) {
	if pl.ContainerClass != "" {
		checkOneOf(p, section+".placement.containerClass", pl.ContainerClass, "organizationalUnit", "container")
	}
	for i, r := range pl.Rules {
		if strings.TrimSpace(r.Container) == "" {
			p.add(fmt.Sprintf("%s.placement.rules[%d].container", section, i), "missing; set the container DN (a template like ou={enterprise.department},ou=People,dc=example,dc=com)")
		}
	}
}
