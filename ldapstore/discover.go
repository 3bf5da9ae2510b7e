package ldapstore

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Discovery is what `scim2ldap init` learns from a directory by reading
// it: the kind of server, its naming contexts, its schema and which of the
// overlays or plug-ins the bridge relies on are on. Discovery never
// writes.
type Discovery struct {
	// Kind is KindOpenLDAP, Kind389DS, KindActiveDirectory or "" when the
	// root DSE matches none of them.
	Kind string
	// Product names the server for the admin, e.g. "389-Directory/2.3.1".
	Product string
	// NamingContexts are the data naming contexts, the default one
	// (Active Directory's defaultNamingContext) first; configuration,
	// schema and monitor contexts are left out.
	NamingContexts []string
	// StartTLS says whether the root DSE lists the StartTLS extended
	// operation.
	StartTLS bool
	// Schema is the subschema of the first naming context.
	Schema *Schema
	// Features are the overlays (OpenLDAP) or plug-ins (389 DS) the bridge
	// relies on, by name: FeatureMemberOf, FeatureRefint, FeaturePPolicy.
	Features map[string]Feature
}

// Directory kinds; the same words as the configuration's directory presets.
const (
	KindOpenLDAP        = "openldap"
	Kind389DS           = "389ds"
	KindActiveDirectory = "activedirectory"
)

// Features Discover looks for.
const (
	FeatureMemberOf = "memberof" // keeps memberOf on users
	FeatureRefint   = "refint"   // referential integrity: deletes and renames follow into groups
	FeaturePPolicy  = "ppolicy"  // password policy: pwdAccountLockedTime locks an account
)

// Feature is whether one overlay or plug-in is on, and how that was found.
type Feature struct {
	State    FeatureState
	Evidence string // e.g. "olcOverlay in cn=config", "cn=config not readable"
}

// FeatureState is what Discover could tell about a feature.
type FeatureState int

const (
	FeatureUnknown FeatureState = iota // the service account could not see it
	FeatureOn
	FeatureOff
)

const (
	startTLSOID       = "1.3.6.1.4.1.1466.20037"
	ppolicyControlOID = "1.3.6.1.4.1.42.2.27.8.5.1"
	adCapabilityOID   = "1.2.840.113556.1.4.800" // LDAP_CAP_ACTIVE_DIRECTORY_OID
)

// Discover reads the root DSE, the schema and the overlay or plug-in
// configuration (as far as the bound account may read it). p must be
// connected and bound.
func (p *Probe) Discover(ctx context.Context) (*Discovery, error) {
	// Named as well as "*" and "+": servers differ in what a root DSE
	// read returns without names.
	root, err := p.Read(ctx, "", "*", "+", "supportedExtension", "supportedControl", "supportedCapabilities",
		"namingContexts", "defaultNamingContext", "vendorName", "vendorVersion")
	if err != nil {
		return nil, err
	}
	if root == nil {
		root = &Entry{Attrs: map[string][]string{}}
	}
	d := &Discovery{
		Kind:           DirectoryKind(root),
		Product:        product(root),
		NamingContexts: dataContexts(root),
		StartTLS:       slices.Contains(root.Get("supportedExtension"), startTLSOID),
		Features:       map[string]Feature{},
	}
	base := ""
	if len(d.NamingContexts) > 0 {
		base = d.NamingContexts[0]
	}
	if d.Schema, err = p.Schema(ctx, base); err != nil {
		return nil, err
	}
	switch d.Kind {
	case KindOpenLDAP:
		p.openLDAPFeatures(ctx, d, root)
	case Kind389DS:
		p.ds389Features(ctx, d)
	}
	return d, nil
}

// DirectoryKind recognises the server from its root DSE: Active Directory
// (and Samba AD) by its capability OID and functional levels, 389 DS (and
// Red Hat DS) by its vendor strings, OpenLDAP by its root DSE class.
func DirectoryKind(root *Entry) string {
	has := func(attr, v string) bool {
		return slices.ContainsFunc(root.Get(attr), func(s string) bool { return strings.EqualFold(s, v) })
	}
	switch {
	case has("supportedCapabilities", adCapabilityOID) || root.First("domainControllerFunctionality") != "":
		return KindActiveDirectory
	case strings.Contains(root.First("vendorVersion"), "-Directory/") || strings.Contains(root.First("vendorName"), "389") ||
		root.First("netscapemdsuffix") != "":
		return Kind389DS
	case has("objectClass", "OpenLDAProotDSE") || has("structuralObjectClass", "OpenLDAProotDSE"):
		return KindOpenLDAP
	}
	return ""
}

func product(root *Entry) string {
	if v := root.First("vendorVersion"); v != "" {
		return v
	}
	if v := root.First("vendorName"); v != "" {
		return v
	}
	if root.First("dsServiceName") != "" {
		return "Active Directory"
	}
	return ""
}

// dataContexts lists the naming contexts that hold entries (not
// configuration, schema or monitoring), the default one first.
func dataContexts(root *Entry) []string {
	var out []string
	if d := root.First("defaultNamingContext"); d != "" {
		out = append(out, d)
	}
	skip := []string{
		root.First("configurationNamingContext"), root.First("schemaNamingContext"),
		root.First("configContext"), root.First("monitorContext"), root.First("subschemaSubentry"),
		"cn=config", "cn=monitor", "cn=schema", "cn=changelog", "o=netscaperoot",
	}
	for _, nc := range root.Get("namingContexts") {
		attr, value, err := RDNValue(nc)
		// Active Directory's application partitions hold DNS zones.
		if err == nil && strings.EqualFold(attr, "dc") && strings.HasSuffix(strings.ToLower(value), "dnszones") {
			continue
		}
		if nc == "" || slices.ContainsFunc(out, func(o string) bool { return EqualDN(o, nc) }) ||
			slices.ContainsFunc(skip, func(s string) bool { return s != "" && EqualDN(s, nc) }) {
			continue
		}
		out = append(out, nc)
	}
	return out
}

// openLDAPFeatures reads the overlays from cn=config when the account may
// (olcOverlay), else from cn=Monitor; failing both, it falls back on what
// every bound account can see: the schema the memberof and ppolicy
// overlays define and ppolicy's control in the root DSE. refint leaves no
// such trace.
func (p *Probe) openLDAPFeatures(ctx context.Context, d *Discovery, root *Entry) {
	on := map[string]bool{}
	where := ""
	if es, err := p.List(ctx, SearchRequest{BaseDN: "cn=config", Scope: ScopeSub, Filter: Eq("objectClass", "olcOverlayConfig"), Attributes: []string{"olcOverlay"}}, 1000); err == nil && len(es) > 0 {
		where = "olcOverlay in cn=config"
		for _, e := range es {
			for _, v := range e.Get("olcOverlay") {
				// "{0}memberof" → "memberof"
				if i := strings.IndexByte(v, '}'); i >= 0 {
					v = v[i+1:]
				}
				on[strings.ToLower(v)] = true
			}
		}
	} else if es, err := p.List(ctx, SearchRequest{BaseDN: "cn=Overlays,cn=Monitor", Scope: ScopeOne, Attributes: []string{"monitoredInfo"}}, 1000); err == nil && len(es) > 0 {
		where = "cn=Overlays,cn=Monitor"
		for _, e := range es {
			for _, v := range e.Get("monitoredInfo") {
				on[strings.ToLower(v)] = true
			}
		}
	}
	for _, f := range []string{FeatureMemberOf, FeatureRefint, FeaturePPolicy} {
		if where != "" {
			if on[f] {
				d.Features[f] = Feature{FeatureOn, where}
			} else {
				d.Features[f] = Feature{FeatureOff, "not in " + where}
			}
			continue
		}
		switch f {
		case FeatureMemberOf:
			if d.Schema.HasAttribute("memberOf") {
				d.Features[f] = Feature{FeatureOn, "the schema has memberOf, which the overlay defines (cn=config not readable)"}
			} else {
				d.Features[f] = Feature{FeatureOff, "the schema has no memberOf"}
			}
		case FeaturePPolicy:
			switch {
			case slices.Contains(root.Get("supportedControl"), ppolicyControlOID):
				d.Features[f] = Feature{FeatureOn, "the root DSE lists the password policy control"}
			case d.Schema.HasAttribute("pwdAccountLockedTime"):
				d.Features[f] = Feature{FeatureOn, "the schema has pwdAccountLockedTime (cn=config not readable)"}
			default:
				d.Features[f] = Feature{FeatureOff, "no password policy control or schema"}
			}
		default:
			d.Features[f] = Feature{FeatureUnknown, "cn=config and cn=Monitor not readable by the bind DN"}
		}
	}
}

// ds389Features reads the MemberOf and Referential Integrity plug-ins'
// entries (nsslapd-pluginEnabled); 389 DS has no ppolicy overlay (its
// password policy is built in).
func (p *Probe) ds389Features(ctx context.Context, d *Discovery) {
	for f, dn := range map[string]string{
		FeatureMemberOf: "cn=MemberOf Plugin,cn=plugins,cn=config",
		FeatureRefint:   "cn=referential integrity postoperation,cn=plugins,cn=config",
	} {
		e, err := p.Read(ctx, dn, "nsslapd-pluginEnabled")
		switch {
		case err != nil || e == nil:
			d.Features[f] = Feature{FeatureUnknown, dn + " not readable by the bind DN"}
		case strings.EqualFold(e.First("nsslapd-pluginEnabled"), "on"):
			d.Features[f] = Feature{FeatureOn, "nsslapd-pluginEnabled: on in " + dn}
		default:
			d.Features[f] = Feature{FeatureOff, "nsslapd-pluginEnabled: off in " + dn}
		}
	}
}

// List runs a paged search on the probe's connection and returns at most
// limit entries (0: all). It only reads.
func (p *Probe) List(ctx context.Context, r SearchRequest, limit int) ([]*Entry, error) {
	if p.l == nil {
		return nil, ErrProbeOrder
	}
	req, err := r.ldapRequest()
	if err != nil {
		return nil, wrapErr("search", r.BaseDN, err)
	}
	ctx, cancel := context.WithTimeout(ctx, p.st.opts.RequestTimeout)
	defer cancel()
	var out []*Entry
	err = p.run(ctx, func(l *ldap.Conn) error {
		out = nil
		return scan(l, req, pageSize, func(e *ldap.Entry) bool {
			out = append(out, toEntry(e))
			return limit == 0 || len(out) < limit
		})
	})
	if err != nil {
		return nil, timeoutErr(ctx, "search", wrapErr("search", r.BaseDN, err))
	}
	return out, nil
}

// Container is a parent entry and how many of the searched entries it
// holds directly.
type Container struct {
	DN      string
	Entries int
}

// CountByParent counts the entries r finds (up to limit) per parent DN,
// the containers with most entries first (ties: organizational units
// before other containers, then by DN).
func (p *Probe) CountByParent(ctx context.Context, r SearchRequest, limit int) ([]Container, error) {
	es, err := p.List(ctx, r, limit)
	if err != nil {
		return nil, err
	}
	counts := map[string]*Container{}
	for _, e := range es {
		parent, err := ParentDN(e.DN)
		if err != nil || parent == "" {
			continue
		}
		k := NormalizeDN(parent)
		if counts[k] == nil {
			counts[k] = &Container{DN: parent}
		}
		counts[k].Entries++
	}
	out := make([]Container, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	SortContainers(out)
	return out, nil
}

// SortContainers orders containers most entries first; ties put
// organizational units (ou=) first, then sort by DN.
func SortContainers(cs []Container) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Entries != b.Entries {
			return a.Entries > b.Entries
		}
		if oa, ob := isOU(a.DN), isOU(b.DN); oa != ob {
			return oa
		}
		return strings.ToLower(a.DN) < strings.ToLower(b.DN)
	})
}

func isOU(dn string) bool {
	attr, _, err := RDNValue(dn)
	return err == nil && strings.EqualFold(attr, "ou")
}
