package ldapstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Schema is what a directory's subschema subentry (RFC 4512 §4.2) says
// about object classes and attribute types, enough to tell an admin that a
// configured class or mapped attribute does not exist before the first
// SCIM request fails with "undefined attribute type".
type Schema struct {
	// DN is the subschema subentry read.
	DN      string
	classes map[string]*ObjectClass // every NAME, lower-cased
	attrs   map[string]string       // every NAME, lower-cased → first NAME
	rules   map[string]*ContentRule // the structural class's OID and every NAME, lower-cased
}

// ContentRule is one dITContentRules definition (RFC 4512 §4.1.6): the
// auxiliary classes an entry of a structural class may have, and extra
// attributes it must or may have. Active Directory publishes one per class
// in its subschema (CN=Aggregate), listing the auxiliary and system
// auxiliary classes (securityPrincipal, which brings sAMAccountName, for
// user and group); a schema check without them calls attributes missing
// that AD allows.
type ContentRule struct {
	OID       string
	Aux       []string
	Must, May []string
}

// ObjectClass is one objectClasses definition.
type ObjectClass struct {
	OID       string
	Name      string   // first NAME
	Sup       []string // superclasses
	Kind      string   // STRUCTURAL, AUXILIARY or ABSTRACT
	Must, May []string
}

// Schema reads the subschema subentry that governs dn (its
// subschemaSubentry attribute; else the root DSE's; else cn=Subschema).
func (p *Probe) Schema(ctx context.Context, dn string) (*Schema, error) {
	sub := ""
	for _, base := range []string{dn, ""} {
		e, err := p.Read(ctx, base, "subschemaSubentry")
		if err != nil {
			return nil, err
		}
		if sub = e.First("subschemaSubentry"); sub != "" {
			break
		}
	}
	if sub == "" {
		sub = "cn=Subschema"
	}
	e, err := p.first(ctx, SearchRequest{BaseDN: sub, Scope: ScopeBase, Filter: Eq("objectClass", "subschema"), Attributes: []string{"objectClasses", "attributeTypes", "dITContentRules"}})
	if err != nil {
		return nil, err
	}
	if e == nil || len(e.Get("objectClasses")) == 0 {
		return nil, fmt.Errorf("the subschema subentry %s lists no objectClasses (the service account may not read it)", sub)
	}
	s := ParseSchema(e.Get("objectClasses"), e.Get("attributeTypes"))
	s.AddContentRules(e.Get("dITContentRules"))
	s.DN = sub
	return s, nil
}

// ParseSchema builds a Schema from objectClasses and attributeTypes values.
// Definitions it cannot parse are skipped.
func ParseSchema(objectClasses, attributeTypes []string) *Schema {
	s := &Schema{classes: map[string]*ObjectClass{}, attrs: map[string]string{}, rules: map[string]*ContentRule{}}
	for _, def := range attributeTypes {
		d := parseDefinition(def)
		for _, n := range d["NAME"] {
			s.attrs[strings.ToLower(n)] = d["NAME"][0]
		}
	}
	for _, def := range objectClasses {
		d := parseDefinition(def)
		if len(d["NAME"]) == 0 {
			continue
		}
		oc := &ObjectClass{OID: oidOf(def), Name: d["NAME"][0], Sup: d["SUP"], Must: d["MUST"], May: d["MAY"], Kind: "STRUCTURAL"}
		for _, k := range []string{"AUXILIARY", "ABSTRACT"} {
			if _, ok := d[k]; ok {
				oc.Kind = k
			}
		}
		for _, n := range d["NAME"] {
			s.classes[strings.ToLower(n)] = oc
		}
	}
	return s
}

// AddContentRules adds dITContentRules values to s. Definitions it cannot
// parse are skipped.
func (s *Schema) AddContentRules(defs []string) {
	for _, def := range defs {
		oid := oidOf(def)
		if oid == "" {
			continue
		}
		d := parseDefinition(def)
		r := &ContentRule{OID: oid, Aux: d["AUX"], Must: d["MUST"], May: d["MAY"]}
		s.rules[strings.ToLower(oid)] = r
		for _, n := range d["NAME"] {
			s.rules[strings.ToLower(n)] = r
		}
	}
}

// rule returns the content rule of a structural class: the rule's OID is
// the class's (RFC 4512 §4.1.6); its NAME usually repeats the class's.
func (s *Schema) rule(oc *ObjectClass) *ContentRule {
	if r := s.rules[strings.ToLower(oc.OID)]; r != nil && oc.OID != "" {
		return r
	}
	return s.rules[strings.ToLower(oc.Name)]
}

// oidOf returns the numeric OID that opens a definition, "" if none.
func oidOf(def string) string {
	toks := tokenize(def)
	if len(toks) < 2 || toks[0] != "(" {
		return ""
	}
	return toks[1]
}

// Class returns the object class named name (any of its names, any case).
func (s *Schema) Class(name string) *ObjectClass { return s.classes[strings.ToLower(name)] }

// HasAttribute reports whether an attribute type named name exists
// (options such as ";binary" are ignored).
func (s *Schema) HasAttribute(name string) bool {
	name, _, _ = strings.Cut(name, ";")
	_, ok := s.attrs[strings.ToLower(name)]
	return ok
}

// Allowed returns the MUST and MAY attributes of classes and all their
// superclasses, lower-cased, with every name of each attribute type. The
// content rules of those classes count too: their own MUST and MAY, and
// every attribute of the auxiliary classes they allow (as MAY: an
// auxiliary class's MUST binds only entries that carry the class, and
// AD adds its system auxiliary classes by itself).
func (s *Schema) Allowed(classes []string) (must, may map[string]bool) {
	return s.allowed(classes, true)
}

func (s *Schema) allowed(classes []string, aux bool) (must, may map[string]bool) {
	must, may = map[string]bool{}, map[string]bool{}
	seen := map[*ObjectClass]bool{}
	var walk func(name string, auxiliary bool)
	walk = func(name string, auxiliary bool) {
		oc := s.Class(name)
		if oc == nil || seen[oc] {
			return
		}
		seen[oc] = true
		for _, a := range oc.Must {
			if auxiliary {
				s.addNames(may, a)
			} else {
				s.addNames(must, a)
			}
		}
		for _, a := range oc.May {
			s.addNames(may, a)
		}
		for _, sup := range oc.Sup {
			walk(sup, auxiliary)
		}
		if r := s.rule(oc); r != nil && aux {
			for _, a := range r.Must {
				s.addNames(must, a)
			}
			for _, a := range r.May {
				s.addNames(may, a)
			}
			for _, c := range r.Aux {
				walk(c, true)
			}
		}
	}
	for _, c := range classes {
		walk(c, false)
	}
	return must, may
}

// Required returns the MUST attributes of classes and their superclasses,
// each once under its first NAME, sorted. Content rules are left out: on
// AD their MUST lists what the DC fills in itself (objectSid).
func (s *Schema) Required(classes []string) []string {
	must, _ := s.allowed(classes, false)
	seen := map[string]bool{}
	for a := range must {
		seen[s.Canonical(a)] = true
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Canonical is the first NAME of the attribute type called name (any of
// its names, any case), or name itself if the schema does not know it.
func (s *Schema) Canonical(name string) string {
	if c, ok := s.attrs[strings.ToLower(name)]; ok {
		return c
	}
	return name
}

// addNames adds every name of attribute a (cn and commonName are one type).
func (s *Schema) addNames(set map[string]bool, a string) {
	set[strings.ToLower(a)] = true
	first, ok := s.attrs[strings.ToLower(a)]
	if !ok {
		return
	}
	for n, f := range s.attrs {
		if f == first {
			set[n] = true
		}
	}
}

// parseDefinition splits an RFC 4512 definition, "( oid NAME ( 'a' 'b' )
// SUP top STRUCTURAL MUST ( x $ y ) MAY z )", into keyword → values.
// Keywords without values (STRUCTURAL) map to an empty list.
func parseDefinition(def string) map[string][]string {
	toks := tokenize(def)
	out := map[string][]string{}
	if len(toks) < 2 || toks[0] != "(" {
		return out
	}
	i := 2 // skip "(" and the OID
	for i < len(toks) {
		kw := toks[i]
		i++
		if kw == ")" {
			break
		}
		var vals []string
		switch {
		case i < len(toks) && toks[i] == "(":
			i++
			for i < len(toks) && toks[i] != ")" {
				if toks[i] != "$" {
					vals = append(vals, toks[i])
				}
				i++
			}
			i++
		case i < len(toks) && isValueToken(toks[i]):
			vals = append(vals, strings.Trim(toks[i], "'"))
			i++
		}
		for k := range vals {
			vals[k] = strings.Trim(vals[k], "'")
		}
		out[kw] = append(out[kw], vals...)
	}
	return out
}

// isValueToken separates a keyword's value from the next keyword: values
// are quoted strings, OIDs and descriptors in lower or mixed case, while
// RFC 4512 keywords are upper case (and X- extensions start with X-).
func isValueToken(t string) bool {
	if t == "(" || t == ")" || t == "$" {
		return false
	}
	if strings.HasPrefix(t, "'") {
		return true
	}
	return t != strings.ToUpper(t) || strings.ContainsAny(t, "0123456789.")
}

func tokenize(s string) []string {
	var toks []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '$':
			toks = append(toks, string(c))
			i++
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return append(toks, s[i:])
			}
			toks = append(toks, s[i:i+j+2])
			i += j + 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n()$'", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks
}
