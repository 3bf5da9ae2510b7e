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

// initTree compiles bases, placement, onDeactivate and generated values;
// every error names the YAML path.
func (u *users) initTree(cfg *config.Config) error {
	bases := cfg.Users.Bases()
	for i, a := range bases {
		for _, b := range bases[i+1:] {
			if ldapstore.IsUnder(a, b) || ldapstore.IsUnder(b, a) {
				return fmt.Errorf("users.baseDNs: %q and %q overlap, so entries below both would be listed twice; list only the outer one", a, b)
			}
		}
	}
	u.bases = searchBases(bases)
	under := func(path, dn string) error {
		if err := ldapstore.ValidateDN(dn); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, b := range bases {
			if ldapstore.IsUnder(dn, b) {
				return nil
			}
		}
		return fmt.Errorf("%s: %q is not below users.baseDN or users.baseDNs, so users put there would not be found; add its base to users.baseDNs", path, dn)
	}
	p := cfg.Users.Placement
	t := &tree{def: cfg.Users.CreateDN, create: p.CreateContainers, class: p.ContainerClass, moveTo: cfg.Users.OnDeactivate.MoveTo}
	if t.class == "" {
		t.class = "organizationalUnit"
	}
	if err := under("users.createDN", t.def); err != nil {
		return err
	}
	for i, r := range p.Rules {
		path := fmt.Sprintf("users.placement.rules[%d]", i)
		var pr placeRule
		var err error
		if strings.TrimSpace(r.When) != "" {
			if pr.when, err = mapping.CompileCondition(path+".when", r.When); err != nil {
				return err
			}
		}
		if pr.container, err = mapping.CompileTemplate(path+".container", r.Container); err != nil {
			return err
		}
		if err := under(path+".container", pr.container.Sample("x")); err != nil {
			return err
		}
		t.rules = append(t.rules, pr)
	}
	if t.moveTo != "" {
		if err := under("users.onDeactivate.moveTo", t.moveTo); err != nil {
			return err
		}
	}
	for i, s := range cfg.Users.OnDeactivate.Set {
		tm, err := mapping.CompileTemplate(fmt.Sprintf("users.onDeactivate.set[%d].template", i), s.Template)
		if err != nil {
			return err
		}
		t.set = append(t.set, setAttr{attr: s.LDAP, tmpl: tm})
	}
	u.tree = t
	return u.initGenerated(cfg)
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
func (u *users) ensureContainer(ctx context.Context, dn string) error {
	t := u.tree
	key := ldapstore.NormalizeDN(dn)
	if _, ok := t.known.Load(key); ok || !t.create {
		return nil // without createContainers the add or move itself fails
	}
	stop := ""
	for _, b := range append([]string{u.baseDN}, u.bases...) {
		if ldapstore.IsUnder(dn, b) {
			stop, _ = ldapstore.ParentDN(b)
			break
		}
	}
	created, err := u.store.EnsureContainer(ctx, dn, stop, t.class)
	for _, c := range created {
		u.audit.Write(ctx, "add container", c, []string{"objectClass"}, nil)
	}
	if err != nil {
		return fmt.Errorf("creating container %s: %w", dn, err)
	}
	t.known.Store(key, true)
	return nil
}

// place moves the entry at dn where the rules put a user with doc and this
// active state, when that is elsewhere; it returns the entry's DN after.
func (u *users) place(ctx context.Context, dn string, doc map[string]interface{}, active bool) (string, error) {
	if !u.tree.moves() {
		return dn, nil
	}
	want := u.tree.parentFor(doc, active)
	parent, err := ldapstore.ParentDN(dn)
	if err != nil || ldapstore.EqualDN(parent, want) {
		return dn, err
	}
	if err := u.ensureContainer(ctx, want); err != nil {
		return dn, err
	}
	newDN, err := u.store.Move(ctx, dn, want)
	u.audit.Write(ctx, "move", dn, []string{"newSuperior"}, err)
	if err != nil {
		if ldapstore.Code(err) == ldapstore.CodeNoSuchObject {
			// An admin removed a container seen before: look again next time.
			u.tree.known.Delete(ldapstore.NormalizeDN(want))
		}
		return dn, err
	}
	u.log.InfoContext(ctx, "user moved", "from", dn, "to", newDN)
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
