package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// treeContainer is a container of users.baseDNs, placement or
// onDeactivate, as check sees it.
type treeContainer struct {
	path, dn string
	exists   bool
	// parentOf is set for a templated container: dn is then the static
	// part below which the bridge makes containers.
	parentOf bool
}

// checkTree reports that every static container of the tree exists, or
// will be made on first use (placement.createContainers), and returns them
// for the write probe.
func checkTree(ctx context.Context, r *report, cfg *config.Config, p *ldapstore.Probe) []treeContainer {
	u := cfg.Users
	var cs []treeContainer
	for i, b := range u.BaseDNs {
		cs = append(cs, treeContainer{path: fmt.Sprintf("users.baseDNs[%d]", i), dn: b})
	}
	type ruleAt struct {
		path string
		rule config.PlacementRule
	}
	var rules []ruleAt
	for i, rule := range u.Placement.Rules {
		rules = append(rules, ruleAt{fmt.Sprintf("users.placement.rules[%d].container", i), rule})
	}
	if cfg.Groups.Enabled() {
		for i, b := range cfg.Groups.BaseDNs {
			cs = append(cs, treeContainer{path: fmt.Sprintf("groups.baseDNs[%d]", i), dn: b})
		}
		for i, rule := range cfg.Groups.Placement.Rules {
			rules = append(rules, ruleAt{fmt.Sprintf("groups.placement.rules[%d].container", i), rule})
		}
	}
	for _, ra := range rules {
		path, rule := ra.path, ra.rule
		t, err := mapping.CompileTemplate(path, rule.Container)
		if err != nil {
			r.fail("ldap "+path, err.Error(), "correct the template")
			continue
		}
		if t.Static() {
			cs = append(cs, treeContainer{path: path, dn: rule.Container})
			continue
		}
		parent, err := ldapstore.ParentDN(t.Sample("x"))
		if err != nil {
			r.fail("ldap "+path, err.Error(), "correct the template")
			continue
		}
		cs = append(cs, treeContainer{path: path, dn: parent, parentOf: true})
	}
	if u.OnDeactivate.MoveTo != "" {
		cs = append(cs, treeContainer{path: "users.onDeactivate.moveTo", dn: u.OnDeactivate.MoveTo})
	}
	for i := range cs {
		c := &cs[i]
		step := "ldap " + c.path
		e, err := p.Read(ctx, c.dn, "objectClass")
		c.exists = err == nil && e != nil
		what := c.dn
		if c.parentOf {
			what = "the parent of its containers, " + c.dn + ","
		}
		switch {
		case err != nil:
			r.fail(step, fmt.Sprintf("cannot read %s: %v", c.dn, err), "check that the service account may read it")
		case c.exists:
			r.pass(step, what+" exists")
		case createsContainers(cfg, c.path) && !c.parentOf && madeByBridge(cfg, c.dn):
			r.pass(step, c.dn+" does not exist yet; the bridge creates it before the first user goes in (placement.createContainers)")
		default:
			r.fail(step, what+" does not exist", fmt.Sprintf("create it (an organizationalUnit), or set users.placement.createContainers: true, or correct %s", c.path))
		}
	}
	return cs
}

// checkTreeWrites probes, with --write-probe, that a user can be created in
// every existing static container of users, and that a container can be
// made where the bridge makes them for users. (Groups' containers are
// checked for existence only.)
func checkTreeWrites(ctx context.Context, r *report, cfg *config.Config, p *ldapstore.Probe, s *ldapstore.Schema, cs []treeContainer) {
	for _, c := range cs {
		if !c.exists {
			continue
		}
		if !c.parentOf && !strings.HasPrefix(c.path, "groups.") {
			checkWriteIn(ctx, r, cfg, p, s, "ldap write probe "+c.path, c.dn)
		}
		if c.parentOf && createsContainers(cfg, c.path) && !strings.HasPrefix(c.path, "groups.") {
			checkContainerWrite(ctx, r, cfg, p, "ldap container probe "+c.path, c.dn)
		}
	}
}

// checkContainerWrite creates and deletes a container below parent.
func checkContainerWrite(ctx context.Context, r *report, cfg *config.Config, p *ldapstore.Probe, step, parent string) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "scim2ldap-check-" + hex.EncodeToString(b[:])
	class, attr := "organizationalUnit", "ou"
	if cfg.Users.Placement.ContainerClass == "container" {
		class, attr = "container", "cn"
	}
	dn := ldapstore.ChildDN(attr, name, parent)
	if err := p.Add(ctx, dn, map[string][]string{"objectClass": {"top", class}, attr: {name}}); err != nil {
		r.fail(step, fmt.Sprintf("could not create the test container %s: %v", dn, err),
			"grant the service account the right to create "+class+" entries below "+parent+" (README: Directory as a tree, rights)")
		return
	}
	if err := p.Delete(ctx, dn); err != nil {
		r.fail(step, fmt.Sprintf("created %s but could not delete it: %v", dn, err), "delete it by hand")
		return
	}
	r.pass(step, "created and deleted "+dn)
}

// madeByBridge reports a container the bridge creates when it is missing:
// the disabled container and static rule containers (a base that is one of
// them too).
func madeByBridge(cfg *config.Config, dn string) bool {
	if m := cfg.Users.OnDeactivate.MoveTo; m != "" && ldapstore.EqualDN(dn, m) {
		return true
	}
	for _, r := range append(cfg.Users.Placement.Rules, cfg.Groups.Placement.Rules...) {
		if ldapstore.EqualDN(dn, r.Container) {
			return true
		}
	}
	return false
}

// createsContainers reports placement.createContainers of the section a
// YAML path is in.
func createsContainers(cfg *config.Config, path string) bool {
	if strings.HasPrefix(path, "groups.") {
		return cfg.Groups.Placement.CreateContainers
	}
	return cfg.Users.Placement.CreateContainers
}

// probeValue is the value the write probe gives a required attribute: what
// the mapping writes when that is fixed (gidNumber "10000"), a number for an
// allocated one, else the probe's name.
func probeValue(cfg *config.Config, attr, name string) string {
	for _, a := range cfg.Users.Attributes {
		if !strings.EqualFold(a.LDAP, attr) {
			continue
		}
		if a.AllocateFrom > 0 {
			return strconv.Itoa(a.AllocateFrom)
		}
		if a.SCIM == "" && a.Template != "" && !strings.Contains(a.Template, "{") {
			return a.Template
		}
	}
	return name
}
