package connector

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// The directory as a tree (issue 13): users are searched under several
// bases, placed in a container chosen by rules, moved when the rules'
// answer changes or when they are deactivated, and given generated unique
// values (generate.go).

// tree is the compiled placement of users.
type tree struct {
	rules  []placeRule
	def    string // users.createDN
	create bool
	class  string
	// moveTo and set are users.onDeactivate.
	moveTo string
	set    []setAttr
	// known holds containers seen to exist, so a create into an existing
	// department OU costs no extra read.
	known sync.Map
}

type placeRule struct {
	when      *mapping.Condition // nil: always
	container *mapping.Template
}

type setAttr struct {
	attr string
	tmpl *mapping.Template
}

// searchBases is nil for one base (the plain BaseDN search), else all.
func searchBases(bases []string) []string {
	if len(bases) < 2 {
		return nil
	}
	return bases
}

// mappedOnly leaves out the allocated numbers, which are not a
// translation of the document (generate.go handles them).
func mappedOnly(list []config.AttributeMapping) []config.AttributeMapping {
	var out []config.AttributeMapping
	for _, a := range list {
		if a.AllocateFrom == 0 {
			out = append(out, a)
		}
	}
	return out
}

// initTree compiles the users' bases, placement, onDeactivate and
// generated values; every error names the YAML path.
func (u *users) initTree(cfg *config.Config) error {
	var err error
	u.tree, err = compileTree("users", cfg.Users.Bases(), cfg.Users.CreateDN, cfg.Users.Placement, cfg.Users.OnDeactivate)
	if err != nil {
		return err
	}
	u.bases = searchBases(cfg.Users.Bases())
	return u.initGenerated(cfg)
}

// initTree compiles the groups' bases and placement.
func (g *groups) initTree(cfg *config.Config) error {
	var err error
	g.tree, err = compileTree("groups", cfg.Groups.Bases(), cfg.Groups.CreateDN, cfg.Groups.Placement, config.OnDeactivate{})
	g.bases = searchBases(cfg.Groups.Bases())
	return err
}

// compileTree compiles one section's placement; section is "users" or
// "groups", for the YAML paths in errors.
func compileTree(section string, bases []string, createDN string, p config.Placement, od config.OnDeactivate) (*tree, error) {
	for i, a := range bases {
		for _, b := range bases[i+1:] {
			if ldapstore.IsUnder(a, b) || ldapstore.IsUnder(b, a) {
				return nil, fmt.Errorf("%s.baseDNs: %q and %q overlap, so entries below both would be listed twice; list only the outer one", section, a, b)
			}
		}
	}
	under := func(path, dn string) error {
		if err := ldapstore.ValidateDN(dn); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, b := range bases {
			if ldapstore.IsUnder(dn, b) {
				return nil
			}
		}
		return fmt.Errorf("%s: %q is not below %s.baseDN or %s.baseDNs, so entries put there would not be found; add its base to %s.baseDNs", path, dn, section, section, section)
	}
	t := &tree{def: createDN, create: p.CreateContainers, class: p.ContainerClass, moveTo: od.MoveTo}
	if t.class == "" {
		t.class = "organizationalUnit"
	}
	if err := under(section+".createDN", t.def); err != nil {
		return nil, err
	}
	for i, r := range p.Rules {
		path := fmt.Sprintf("%s.placement.rules[%d]", section, i)
		var pr placeRule
		var err error
		if strings.TrimSpace(r.When) != "" {
			if pr.when, err = mapping.CompileCondition(path+".when", r.When); err != nil {
				return nil, err
			}
		}
		if pr.container, err = mapping.CompileTemplate(path+".container", r.Container); err != nil {
			return nil, err
		}
		if err := under(path+".container", pr.container.Sample("x")); err != nil {
			return nil, err
		}
		t.rules = append(t.rules, pr)
	}
	if t.moveTo != "" {
		if err := under(section+".onDeactivate.moveTo", t.moveTo); err != nil {
			return nil, err
		}
	}
	for i, s := range od.Set {
		tm, err := mapping.CompileTemplate(fmt.Sprintf("%s.onDeactivate.set[%d].template", section, i), s.Template)
		if err != nil {
			return nil, err
		}
		t.set = append(t.set, setAttr{attr: s.LDAP, tmpl: tm})
	}
	return t, nil
}

// moves reports whether placement decides containers at all; without rules
// or a disabled container, users stay wherever they are (as always).
func (t *tree) moves() bool { return len(t.rules) > 0 || t.moveTo != "" }

// parentFor is the container a user with doc and this active state belongs
// in.
func (t *tree) parentFor(doc map[string]interface{}, active bool) string {
	if !active && t.moveTo != "" {
		return t.moveTo
	}
	for _, r := range t.rules {
		if r.when != nil && !r.when.True(doc) {
			continue
		}
		if dn, ok := r.container.RenderDN(doc, ldapstore.EscapeDNValue); ok {
			return dn
		}
	}
	return t.def
}

// ensureContainer makes sure the container exists, creating it (and its missing
// parents below a search base) when placement.createContainers is on.
func (d *dirType) ensureContainer(ctx context.Context, dn string) error {
	t := d.tree
	key := ldapstore.NormalizeDN(dn)
	if _, ok := t.known.Load(key); ok || !t.create {
		return nil // without createContainers the add or move itself fails
	}
	stop := ""
	for _, b := range append([]string{d.baseDN}, d.bases...) {
		if ldapstore.IsUnder(dn, b) {
			stop, _ = ldapstore.ParentDN(b)
			break
		}
	}
	created, err := d.store.EnsureContainer(ctx, dn, stop, t.class)
	for _, c := range created {
		d.audit.Write(ctx, "add container", c, []string{"objectClass"}, nil)
	}
	if err != nil {
		return fmt.Errorf("creating container %s: %w", dn, err)
	}
	t.known.Store(key, true)
	return nil
}

// place moves the entry at dn where the rules put a user with doc and this
// active state, when that is elsewhere; it returns the entry's DN after.
func (d *dirType) place(ctx context.Context, dn string, doc map[string]interface{}, active bool) (string, error) {
	if !d.tree.moves() {
		return dn, nil
	}
	want := d.tree.parentFor(doc, active)
	parent, err := ldapstore.ParentDN(dn)
	if err != nil || ldapstore.EqualDN(parent, want) {
		return dn, err
	}
	if err := d.ensureContainer(ctx, want); err != nil {
		return dn, err
	}
	newDN, err := d.store.Move(ctx, dn, want)
	d.audit.Write(ctx, "move", dn, []string{"newSuperior"}, err)
	if err != nil {
		if ldapstore.Code(err) == ldapstore.CodeNoSuchObject {
			// An admin removed a container seen before: look again next time.
			d.tree.known.Delete(ldapstore.NormalizeDN(want))
		}
		return dn, err
	}
	d.log.InfoContext(ctx, "entry moved", "from", dn, "to", newDN)
	return newDN, nil
}

// lifecycleChanges are onDeactivate's attributes: written on deactivation,
// removed on reactivation.
func (u *users) lifecycleChanges(doc map[string]interface{}, active bool) []ldapstore.Change {
	var cs []ldapstore.Change
	for _, s := range u.tree.set {
		c := ldapstore.Change{Op: ldapstore.ChangeReplace, Attr: s.attr}
		if !active {
			v := s.tmpl.Render(doc)
			if v == "" {
				continue
			}
			c.Values = []string{v}
		}
		cs = append(cs, c)
	}
	return cs
}

// lifecycleOnCreate adds onDeactivate's attributes to a user created with
// active:false.
func (u *users) lifecycleOnCreate(entry map[string][]string, doc map[string]interface{}, active bool) {
	if active {
		return
	}
	for _, c := range u.lifecycleChanges(doc, false) {
		entry[c.Attr] = c.Values
	}
}
