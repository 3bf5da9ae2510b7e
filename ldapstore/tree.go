package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// EscapeDNValue escapes a value for one RDN (RFC 4514), as ChildDN does:
// for DN templates whose values come from clients (a department OU).
func EscapeDNValue(v string) string { return escapeDNValue(v) }

// ValidateDN reports whether dn parses as a DN.
func ValidateDN(dn string) error {
	if _, err := ldap.ParseDN(dn); err != nil {
		return fmt.Errorf("%q is not a DN: %w", dn, err)
	}
	return nil
}

// IsUnder reports whether dn is parent or below it (both parsed, case
// ignored).
func IsUnder(dn, parent string) bool {
	pd, err := ldap.ParseDN(dn)
	if err != nil {
		return false
	}
	pp, err := ldap.ParseDN(parent)
	if err != nil {
		return false
	}
	return pp.AncestorOfFold(pd) || pp.EqualFold(pd)
}

// Move gives the entry at dn a new parent, keeping its RDN (modrdn with
// newSuperior): the entry keeps its entryUUID / objectGUID, so its SCIM id
// stays. It returns the new DN.
func (s *Store) Move(ctx context.Context, dn, newParent string) (string, error) {
	rdn, err := firstRDN(dn)
	if err != nil {
		return "", wrapErr("move", dn, err)
	}
	if s.opts.DryRun {
		attr, value, err := RDNValue(dn)
		if err != nil {
			return "", wrapErr("move", dn, err)
		}
		return s.dryRename(ctx, dn, attr, value, newParent)
	}
	req := ldap.NewModifyDNRequest(dn, rdn, true, newParent)
	if req.Controls, err = assertionControls(ctx, "move", dn); err != nil {
		return "", err
	}
	if err := s.exec(ctx, "move", dn, func(l *ldap.Conn) error { return l.ModifyDN(req) }); err != nil {
		return "", err
	}
	return rdn + "," + newParent, nil
}

// firstRDN is dn's first RDN as written (escaping preserved).
func firstRDN(dn string) (string, error) {
	parent, err := ParentDN(dn)
	if err != nil {
		return "", err
	}
	if parent == "" {
		return dn, nil
	}
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',', ';':
			return strings.TrimSpace(dn[:i]), nil
		}
	}
	return dn, nil
}

// Exists reports whether an entry named dn exists.
func (s *Store) Exists(ctx context.Context, dn string) (bool, error) {
	e, err := s.SearchOne(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Filter: All()})
	if Code(err) == ldap.LDAPResultNoSuchObject {
		return false, nil
	}
	return e != nil, err
}

// EnsureContainer creates dn, and any missing parent up to stop (which
// must exist), as containers of objectClass class ("organizationalUnit":
// RDN ou; "container": RDN cn): each level's RDN attribute must be the
// class's naming attribute. Another writer creating the same container at
// the same time is fine (entryAlreadyExists counts as done).
func (s *Store) EnsureContainer(ctx context.Context, dn, stop, class string) (created []string, err error) {
	var missing []string
	for cur := dn; !EqualDN(cur, stop); {
		ok, err := s.Exists(ctx, cur)
		if err != nil {
			return nil, err
		}
		if ok {
			break
		}
		missing = append(missing, cur)
		if cur, err = ParentDN(cur); err != nil || cur == "" {
			return nil, wrapErr("add", dn, fmt.Errorf("no parent below %s exists", stop))
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		cdn := missing[i]
		attr, value, err := RDNValue(cdn)
		if err != nil {
			return created, wrapErr("add", cdn, err)
		}
		want := "ou"
		if strings.EqualFold(class, "container") {
			want = "cn"
		}
		if !strings.EqualFold(attr, want) {
			return created, wrapErr("add", cdn, fmt.Errorf("a %s is named by %s=, not %s=", class, want, attr))
		}
		err = s.Add(ctx, cdn, map[string][]string{"objectClass": {"top", class}, want: {value}})
		if err != nil && Code(err) != ldap.LDAPResultEntryAlreadyExists {
			return created, err
		}
		if err == nil {
			created = append(created, cdn)
		}
	}
	return created, nil
}

// ErrBasesOverlap is returned for search bases where one lies below
// another: every entry below both would be listed twice.
var ErrBasesOverlap = errors.New("search bases overlap")
