package connector

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// Generated values (users.attributes entries with unique: true or
// allocateFrom) are chosen at create, checked against every user, and kept
// afterwards: a login must not change under its user.
//
// Race safety, across bridges too: a value is chosen free, written with
// the add, and then claimed: after the add each create looks its value up
// again, and if any other user holds it the create moves on to another
// free value (picked at random among the first few, so that racers spread
// out), writes it, and looks again. Of two creates holding one value, the
// one that looks later sees the other (each looks after its own write),
// so at most one keeps it; both may move on, leaving a value unused.
// Change markers (entryCSN) cannot order the claims: every later write of
// the winner (its uidNumber claim, its password) moves its marker past
// the rival's. The rounds are bounded.

// genField is one generated attribute.
type genField struct {
	attr  string
	path  string // users.attributes[i], for messages
	tmpl  *mapping.Template
	max   int  // characters, 0 = no limit
	regen bool // recompute when the inputs change
	from  int  // allocateFrom: a number, not a template
}

// settleRounds bounds the claim loop of one create.
const settleRounds = 40

func (u *users) initGenerated(cfg *config.Config) error {
	for i, a := range cfg.Users.Attributes {
		path := fmt.Sprintf("users.attributes[%d]", i)
		switch {
		case a.AllocateFrom > 0:
			u.gen = append(u.gen, genField{attr: a.LDAP, path: path, from: a.AllocateFrom})
		case a.Unique:
			t, err := mapping.CompileTemplate(path+".template", a.Template)
			if err != nil {
				return err
			}
			u.gen = append(u.gen, genField{attr: a.LDAP, path: path, tmpl: t, max: a.MaxLength, regen: a.Regenerate})
			u.genAttrs = append(u.genAttrs, a.LDAP)
		}
	}
	for _, f := range u.m.Fields {
		if f.UsesGenerated() {
			u.genAttrs = append(u.genAttrs, f.LDAP)
		}
	}
	return nil
}

// candidate is the i-th try for base: base itself, then base1, base2, …,
// cut so that the whole fits in max characters.
func (g genField) candidate(base string, i int) string {
	suffix := ""
	if i > 0 {
		suffix = strconv.Itoa(i)
	}
	if g.max > 0 {
		base = mapping.Truncate(base, g.max-len(suffix))
	}
	return base + suffix
}

// generate fills the generated attributes of a new entry.
func (u *users) generate(ctx context.Context, entry map[string][]string, doc map[string]interface{}) error {
	for _, g := range u.gen {
		v, err := u.freeValue(ctx, g, doc, 0, "")
		if err != nil {
			return err
		}
		entry[g.attr] = []string{v}
	}
	for attr, v := range u.dependents(doc, entry) {
		if v != "" {
			entry[attr] = []string{v}
		}
	}
	return nil
}

// freeValue is a value of g no user holds: the lowest, or with spread > 0
// one of the lowest spread+1 (racers that collided spread out). not is a
// value to skip (the one just lost).
func (u *users) freeValue(ctx context.Context, g genField, doc map[string]interface{}, spread int, not string) (string, error) {
	pick := 0
	if spread > 0 {
		pick = rand.IntN(spread + 1)
	}
	if g.from > 0 {
		es, err := u.store.Search(ctx, ldapstore.SearchRequest{BaseDN: u.baseDN, Bases: u.bases, Scope: ldapstore.ScopeSub,
			Filter: ldapstore.Present(g.attr), Attributes: []string{g.attr}})
		if err != nil {
			return "", err
		}
		next := g.from
		for _, e := range es {
			if n, err := strconv.Atoi(e.First(g.attr)); err == nil && n >= next {
				next = n + 1
			}
		}
		return strconv.Itoa(next + pick), nil
	}
	base := g.tmpl.Render(doc)
	if base == "" {
		return "", badValue(fmt.Sprintf("%s (%s) is generated from the user's attributes, which gave an empty value; send the attributes its template uses", g.attr, g.path))
	}
	// Every candidate starts with the shortest cut of base.
	prefix := base
	if g.max > 0 {
		prefix = mapping.Left(base, max(1, g.max-4))
	}
	es, err := u.store.Search(ctx, ldapstore.SearchRequest{BaseDN: u.baseDN, Bases: u.bases, Scope: ldapstore.ScopeSub,
		Filter: ldapstore.Substring(g.attr, prefix, nil, ""), Attributes: []string{g.attr}})
	if err != nil {
		return "", err
	}
	taken := map[string]bool{strings.ToLower(not): not != ""}
	for _, e := range es {
		for _, v := range e.Get(g.attr) {
			taken[strings.ToLower(v)] = true
		}
	}
	for i := 0; i < 100000; i++ {
		c := g.candidate(base, i)
		if utf8.RuneCountInString(c) == 0 || taken[strings.ToLower(c)] {
			continue
		}
		if pick == 0 {
			return c, nil
		}
		pick--
	}
	return "", badValue(fmt.Sprintf("no free value for %s (%s) within %d characters", g.attr, g.path, g.max))
}

// settleGenerated claims the generated values of the entry just added at
// dn (see the top of this file). It returns the entry's DN (a generated RDN
// changes it) and whether any value changed since the add.
func (u *users) settleGenerated(ctx context.Context, dn string, entry map[string][]string, doc map[string]interface{}) (string, bool, error) {
	changed := false
	for round := 0; round < settleRounds; round++ {
		lost := false
		for _, g := range u.gen {
			v := entry[g.attr][0]
			rivals, err := u.rivals(ctx, dn, g.attr, v)
			if err != nil {
				return dn, changed, err
			}
			if rivals == 0 {
				continue
			}
			nv, err := u.freeValue(ctx, g, doc, rivals+1, v)
			if err != nil {
				return dn, changed, err
			}
			u.log.InfoContext(ctx, "generated value taken by a concurrent create; trying another", "attr", g.attr, "value", v, "next", nv)
			if dn, err = u.setOwn(ctx, dn, g.attr, nv); err != nil {
				return dn, changed, err
			}
			entry[g.attr] = []string{nv}
			lost, changed = true, true
		}
		if !lost {
			return dn, changed, u.updateDependents(ctx, dn, entry, doc, changed)
		}
	}
	return dn, changed, fmt.Errorf("generated values of %s still collide after %d rounds", dn, settleRounds)
}

// rivals counts the other users holding value in attr (see the top of
// this file).
func (u *users) rivals(ctx context.Context, dn, attr, value string) (int, error) {
	found, err := u.store.Search(ctx, ldapstore.SearchRequest{BaseDN: u.baseDN, Bases: u.bases, Scope: ldapstore.ScopeSub,
		Filter: ldapstore.Eq(attr, value), Attributes: []string{attr}})
	if err != nil {
		return 0, err
	}
	n, mine := 0, false
	for _, e := range found {
		if ldapstore.EqualDN(e.DN, dn) {
			mine = true
		} else {
			n++
		}
	}
	if !mine {
		return 0, fmt.Errorf("entry %s vanished after add", dn)
	}
	return n, nil
}

// setOwn writes a new generated value to the entry at dn: a rename when it
// is the RDN.
func (u *users) setOwn(ctx context.Context, dn, attr, value string) (string, error) {
	if strings.EqualFold(attr, u.cfg.RDNAttribute) {
		newDN, err := u.store.Rename(ctx, dn, attr, value)
		u.audit.Write(ctx, "rename", dn, []string{attr}, err)
		if err != nil {
			return dn, err
		}
		return newDN, nil
	}
	return dn, u.modify(ctx, dn, []ldapstore.Change{{Op: ldapstore.ChangeReplace, Attr: attr, Values: []string{value}}})
}

// regenerated are the changes for generated values marked regenerate whose
// template gives something else for doc than for the entry's document.
func (u *users) regenerated(ctx context.Context, dn string, doc, current map[string]interface{}) (string, []ldapstore.Change, error) {
	var cs []ldapstore.Change
	for _, g := range u.gen {
		if !g.regen || g.tmpl == nil || g.tmpl.Render(doc) == g.tmpl.Render(current) {
			continue
		}
		v, err := u.freeValue(ctx, g, doc, 0, "")
		if err != nil {
			return dn, nil, err
		}
		if strings.EqualFold(g.attr, u.cfg.RDNAttribute) {
			if dn, err = u.setOwn(ctx, dn, g.attr, v); err != nil {
				return dn, nil, err
			}
			continue
		}
		cs = append(cs, ldapstore.Change{Op: ldapstore.ChangeReplace, Attr: g.attr, Values: []string{v}})
	}
	return dn, cs, nil
}

// withGenerated is doc plus the generated values of entry under
// "generated", for the templates that use them.
func (u *users) withGenerated(doc map[string]interface{}, entry map[string][]string) map[string]interface{} {
	gen := map[string]interface{}{}
	for _, g := range u.gen {
		if v := entry[g.attr]; len(v) > 0 {
			gen[g.attr] = v[0]
		}
	}
	out := make(map[string]interface{}, len(doc)+1)
	for k, v := range doc {
		out[k] = v
	}
	out[mapping.GeneratedKey] = gen
	return out
}

// dependents renders the fields whose templates use generated values; they
// are kept on update like the generated values themselves.
func (u *users) dependents(doc map[string]interface{}, entry map[string][]string) map[string]string {
	out := map[string]string{}
	full := u.withGenerated(doc, entry)
	for _, f := range u.m.Fields {
		if f.UsesGenerated() {
			out[f.LDAP] = f.Render(full)
		}
	}
	return out
}

// updateDependents rewrites the fields that use generated values after the
// claim changed one of those.
func (u *users) updateDependents(ctx context.Context, dn string, entry map[string][]string, doc map[string]interface{}, changed bool) error {
	if !changed {
		return nil
	}
	var cs []ldapstore.Change
	for attr, v := range u.dependents(doc, entry) {
		if v != "" && (len(entry[attr]) == 0 || entry[attr][0] != v) {
			entry[attr] = []string{v}
			cs = append(cs, ldapstore.Change{Op: ldapstore.ChangeReplace, Attr: attr, Values: []string{v}})
		}
	}
	return u.modify(ctx, dn, cs)
}

// addRetries bounds the adds of one create that the directory refuses for
// a generated value a concurrent create took.
const addRetries = 8

// generatedClash reports an add refused as a duplicate when values are
// generated: the next try takes other values.
func (u *users) generatedClash(err error, try int) bool {
	if len(u.gen) == 0 || try >= addRetries {
		return false
	}
	if _, policy := ldapstore.PasswordPolicyRejection(err); policy {
		return false
	}
	c := ldapstore.Code(err)
	return c == ldapstore.CodeEntryAlreadyExists || c == ldapstore.CodeConstraintViolation
}

// regenerate picks other free values for a new entry after a refused add
// and returns its DN (a generated RDN changes it).
func (u *users) regenerate(ctx context.Context, entry map[string][]string, doc map[string]interface{}, parent string, try int) (string, error) {
	for _, g := range u.gen {
		v, err := u.freeValue(ctx, g, doc, try, entry[g.attr][0])
		if err != nil {
			return "", err
		}
		entry[g.attr] = []string{v}
	}
	for attr, v := range u.dependents(doc, entry) {
		if v != "" {
			entry[attr] = []string{v}
		}
	}
	rdn := entry[u.cfg.RDNAttribute]
	if strings.EqualFold(u.cfg.RDNAttribute, u.cfg.UserNameAttribute) || len(rdn) == 0 {
		rdn = entry[u.cfg.UserNameAttribute]
	}
	return ldapstore.ChildDN(u.cfg.RDNAttribute, rdn[0], parent), nil
}
