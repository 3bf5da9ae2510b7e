package connector

import (
	"context"
	"net/http"
	"sync"

	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// dnCache remembers the DN of each id this process has seen, so that a
// write can go straight to the entry instead of searching for its id first
// (issue 16: writes at the directory's speed). It is per process and is
// never trusted blindly: a write by a remembered DN carries the Assertion
// control (the entry must still hold the id and match the type's filter),
// so an entry another bridge or an admin renamed, moved or deleted answers
// noSuchObject, and a new entry at the old DN answers assertionFailed;
// either way the id is forgotten and the write is made again the slow way,
// once. Nothing is ever answered from the cache itself.
//
// Where the whole entry was read (every attribute an update diffs, and
// the version), it is kept too: an update can then be computed against it
// and sent as one modify conditional on the version still being the one
// read (cachedUpdate), which is exactly what If-Match does for a client.
type dnCache struct {
	mu   sync.Mutex
	dns  map[string]known // canonical id → where, and maybe what
	full int              // how many keep their entry
}

type known struct {
	dn   string
	full *ldapstore.Entry // nil unless read with every update attribute
}

// The cache is bounded: an id costs about 150 bytes, an entry kept whole
// about 1 KiB, and the service runs with GOGC=400, so each byte that
// stays live costs up to five of RSS. At the bounds an arbitrary id (or
// entry, then kept as a DN) makes room: it costs that id one search
// later, never a wrong answer.
const (
	dnCacheMax   = 20000 // ids
	dnCacheWhole = 2000  // of which kept with their entry
)

func (c *dnCache) get(id string) (known, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.dns[id]
	return k, ok
}

func (c *dnCache) put(id string, k known) {
	if id == "" || k.dn == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dns == nil {
		c.dns = make(map[string]known)
	}
	c.drop(id)
	for other := range c.dns { // map order is arbitrary: a cheap random pick
		if len(c.dns) < dnCacheMax {
			break
		}
		c.drop(other)
	}
	if k.full != nil && c.full >= dnCacheWhole {
		for other, ko := range c.dns {
			if ko.full != nil {
				c.dns[other] = known{dn: ko.dn}
				c.full--
				break
			}
		}
	}
	if k.full != nil {
		c.full++
	}
	c.dns[id] = k
}

// drop forgets id; c.mu is held.
func (c *dnCache) drop(id string) {
	if k, ok := c.dns[id]; ok {
		if k.full != nil {
			c.full--
		}
		delete(c.dns, id)
	}
}

func (c *dnCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop(id)
}

// remember notes where the entry of a SCIM id lives.
func (d *dirType) remember(e *ldapstore.Entry) {
	if d.dns != nil && e != nil {
		d.dns.put(d.canonicalID(d.entryID(e)), known{dn: e.DN})
	}
}

// rememberFull is remember for an entry read with every attribute an
// update needs (ldapAttributes of the default projection): it is kept
// whole when it carries its version, which makes a later write by it
// safe.
func (d *dirType) rememberFull(e *ldapstore.Entry) {
	if d.dns == nil || e == nil {
		return
	}
	k := known{dn: e.DN}
	if d.etagsOn() && e.First(d.version) != "" {
		k.full = e
	}
	d.dns.put(d.canonicalID(d.entryID(e)), k)
}

// forgetID drops a remembered DN (the entry was deleted, or a write by it
// failed).
func (d *dirType) forgetID(id string) {
	if d.dns != nil {
		d.dns.forget(d.canonicalID(id))
	}
}

// knownDN returns the remembered DN of id and the context that makes the
// request's next write conditional on the entry there still being that
// id's, when a write may go by it: the directory must check the Assertion
// control, the request must carry no precondition (If-Match needs the
// version, which only a read gives), and the store must write for real
// (a dry run does not check assertions).
func (d *dirType) knownDN(ctx context.Context, r *http.Request, id string) (string, context.Context, bool) {
	if d.dns == nil || d.store == nil || d.store.DryRun() || !d.store.AssertionKnown() ||
		r.Header.Get("If-Match") != "" || r.Header.Get("If-None-Match") != "" {
		return "", ctx, false
	}
	idf, ok := d.idFilter(id)
	if !ok {
		return "", ctx, false
	}
	k, ok := d.dns.get(d.canonicalID(id))
	if !ok {
		return "", ctx, false
	}
	return k.dn, ldapstore.WithAssertionFilter(ctx, ldapstore.And(d.scope, idf)), true
}

// knownEntry is knownDN for an update: the remembered entry, and the
// context whose first write is conditional on the entry still being that
// id's at that version (so unchanged since it was read, by anyone).
func (d *dirType) knownEntry(ctx context.Context, r *http.Request, id string) (*ldapstore.Entry, context.Context, bool) {
	if _, _, ok := d.knownDN(ctx, r, id); !ok || !d.etagsOn() {
		return nil, ctx, false
	}
	idf, _ := d.idFilter(id)
	k, ok := d.dns.get(d.canonicalID(id))
	if !ok || k.full == nil {
		return nil, ctx, false
	}
	f := ldapstore.And(d.scope, idf, ldapstore.Eq(d.version, k.full.First(d.version)))
	return k.full, ldapstore.WithAssertionFilter(ctx, f), true
}

// staleDN reports whether a write by a remembered DN failed because the
// entry there is no longer the id's: the DN is forgotten and the caller
// looks the id up again.
func (d *dirType) staleDN(id string, err error) bool {
	switch ldapstore.Code(err) {
	case ldapstore.CodeNoSuchObject, ldapstore.CodeAssertionFailed:
		d.forgetID(id)
		return true
	}
	return false
}
