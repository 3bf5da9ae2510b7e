package connector

// Names a user entry must not share: its RDN among its siblings (numbered
// when taken, as AD administrators do) and its userName among all users
// (two racing creates settle who keeps it).

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// maxRDNSuffix bounds the search for a free RDN: "CN=Alice Anders 2" …
// "CN=Alice Anders 50"; more namesakes than that in one container is
// not a naming problem the bridge should paper over.
const maxRDNSuffix = 50

// rdnSuffix is the " <n>" a free RDN got.
var rdnSuffix = regexp.MustCompile(` [0-9]+$`)

// rdnFree reports whether a name collision can be solved by numbering the
// RDN: only when the RDN is not the userName itself (then the userName is
// taken, a real 409), as in Active Directory's CN=<name>.
func (u *users) rdnFree() bool {
	return !strings.EqualFold(u.cfg.RDNAttribute, u.cfg.UserNameAttribute)
}

// addUser adds the entry at dn. When another entry already holds that
// RDN (a renamed user kept CN=alice, or two people share a name) it
// numbers the RDN as AD administrators do (CN=Alice Anders 2) and tries
// again: the userName was checked free, so the RDN must not block it.
// It returns the DN the entry got and, with read, the entry as added.
func (u *users) addUser(ctx context.Context, dn string, entry map[string][]string, read bool, readAttrs []string) (string, *ldapstore.Entry, error) {
	rdnAttr := u.cfg.RDNAttribute
	_, first, err := ldapstore.RDNValue(dn)
	if err != nil {
		return dn, nil, err
	}
	for n := 2; ; n++ {
		var e *ldapstore.Entry
		if read {
			e, err = u.store.AddRead(ctx, dn, entry, readAttrs)
		} else {
			err = u.store.Add(ctx, dn, entry)
		}
		if ldapstore.Code(err) != ldapstore.CodeEntryAlreadyExists || !u.rdnFree() || n > maxRDNSuffix {
			return dn, e, err
		}
		// AD answers 68 also for a sAMAccountName another entry has; only
		// an existing entry at dn is an RDN collision.
		if taken, lerr := u.dnExists(ctx, dn); lerr != nil || !taken {
			// With generated values the caller retries with others first.
			if e, ok := refusedValue(refused(err, entry, u.cfg.Password.Attribute)); ok && len(u.gen) == 0 {
				return dn, nil, e
			}
			return dn, nil, err
		}
		value := first + " " + strconv.Itoa(n)
		for a := range entry {
			if strings.EqualFold(a, rdnAttr) {
				entry[a] = []string{value}
			}
		}
		parent, perr := ldapstore.ParentDN(dn)
		if perr != nil {
			return dn, nil, perr
		}
		dn = ldapstore.ChildDN(rdnAttr, value, parent)
	}
}

func (u *users) dnExists(ctx context.Context, dn string) (bool, error) {
	es, err := u.store.Search(ctx, ldapstore.SearchRequest{BaseDN: dn, Scope: ldapstore.ScopeBase, Filter: ldapstore.All(), Attributes: []string{"1.1"}})
	if ldapstore.Code(err) == ldapstore.CodeNoSuchObject {
		return false, nil
	}
	return len(es) > 0, err
}

// followRDN renames the entry with its userName when its RDN was made from
// the old one (CN=alice, or CN=alice 2), so that the old userName no
// longer blocks a new user's RDN. The userName change is already written;
// a rename that fails leaves the old RDN, which is logged, not an error:
// the next create with that name numbers its RDN instead.
func (u *users) followRDN(ctx context.Context, e *ldapstore.Entry, oldName, newName string) *ldapstore.Entry {
	if !u.rdnFree() || strings.EqualFold(oldName, newName) {
		return e
	}
	attr, value, err := ldapstore.RDNValue(e.DN)
	if err != nil || !strings.EqualFold(attr, u.cfg.RDNAttribute) {
		return e
	}
	if !strings.EqualFold(value, oldName) && !strings.EqualFold(rdnSuffix.ReplaceAllString(value, ""), oldName) {
		return e
	}
	target := newName
	for n := 2; n <= maxRDNSuffix+1; n++ {
		newDN, rerr := u.store.Rename(ctx, e.DN, u.cfg.RDNAttribute, target)
		u.audit.Write(ctx, "rename", e.DN, []string{u.cfg.RDNAttribute}, rerr)
		if rerr == nil {
			fresh, err := u.readUser(ctx, newDN)
			if err != nil {
				u.log.WarnContext(ctx, "renamed entry could not be read back", "dn", newDN, "err", err)
				return e
			}
			return fresh
		}
		if ldapstore.Code(rerr) != ldapstore.CodeEntryAlreadyExists {
			err = rerr
			break
		}
		target = fmt.Sprintf("%s %d", newName, n)
	}
	u.log.WarnContext(ctx, "entry keeps its old name after a userName change", "dn", e.DN, "userName", newName, "err", err)
	return e
}

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
