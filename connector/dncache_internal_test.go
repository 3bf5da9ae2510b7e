package connector

import (
	"fmt"
	"testing"

	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// The cache stays within its bounds whatever is put in it, and counts the
// entries it keeps whole right.
func TestDNCacheBounds(t *testing.T) {
	var c dnCache
	for i := range 3 * dnCacheMax {
		k := known{dn: fmt.Sprintf("uid=%d", i)}
		if i%2 == 0 {
			k.full = &ldapstore.Entry{DN: k.dn}
		}
		c.put(fmt.Sprint(i%(2*dnCacheMax)), k)
		if i%997 == 0 {
			c.forget(fmt.Sprint(i / 2))
		}
	}
	whole := 0
	for _, k := range c.dns {
		if k.full != nil {
			whole++
		}
	}
	if len(c.dns) > dnCacheMax || whole > dnCacheWhole || whole != c.full {
		t.Errorf("%d ids, %d whole (counted %d); bounds %d and %d", len(c.dns), whole, c.full, dnCacheMax, dnCacheWhole)
	}
	if k, ok := c.get(fmt.Sprint((3*dnCacheMax - 1) % (2 * dnCacheMax))); !ok || k.dn != fmt.Sprintf("uid=%d", 3*dnCacheMax-1) {
		t.Errorf("the last id put is %v, %v", k, ok)
	}
}
