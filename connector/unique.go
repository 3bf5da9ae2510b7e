package connector

import (
	"context"
	"fmt"
	"strings"

	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// settleCreateRace keeps userName unique when two creates race, from one
// bridge or from several behind a load balancer (a lock in the process
// would not see the others).
//
// When the RDN carries userName (the default, uid=<userName>), the
// directory decides: the second add fails with entryAlreadyExists. When
// the RDN is another attribute (cn=<display name>), both adds succeed, so
// after its add each create looks the userName up again; if it finds
// another entry with it that was added earlier, it answers 409 and the
// caller deletes its own entry (the create's rollback). "Earlier" is the
// order of entryCSN, which the directory assigns in commit order: a create
// that saw no rival was committed before any rival it missed, so exactly
// one entry survives. Directories without entryCSN (389-ds, AD) give no
// order: then every create that sees a rival yields, so two racing creates
// can both answer 409 (Okta retries) but never leave a duplicate.
func (u *users) settleCreateRace(ctx context.Context, dn, userName string) error {
	if strings.EqualFold(u.cfg.RDNAttribute, u.cfg.UserNameAttribute) {
		return nil
	}
	found, err := u.store.Search(ctx, ldapstore.SearchRequest{
		BaseDN: u.baseDN, Bases: u.bases, Scope: ldapstore.ScopeSub, Filter: ldapstore.Eq(u.cfg.UserNameAttribute, userName),
		Attributes: []string{"entryCSN"},
	})
	if err != nil {
		return err
	}
	var mine *ldapstore.Entry
	for _, e := range found {
		if ldapstore.EqualDN(e.DN, dn) {
			mine = e
		}
	}
	if mine == nil {
		return fmt.Errorf("entry %s vanished after add", dn)
	}
	for _, e := range found {
		if e != mine && addedBefore(e, mine) {
			u.log.InfoContext(ctx, "create lost a race for the same userName; removing its entry", "dn", dn, "winner", e.DN)
			return alreadyExists(u.kind, userName)
		}
	}
	return nil
}

// addedBefore orders two entries by entryCSN; without one, the other entry
// counts as earlier (see settleCreateRace).
func addedBefore(other, mine *ldapstore.Entry) bool {
	a, b := other.First("entryCSN"), mine.First("entryCSN")
	if a == "" || b == "" {
		return true
	}
	return a < b
}
