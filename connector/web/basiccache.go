package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// verifiedCache remembers Basic credentials that passed their bcrypt check,
// for verifiedTTL. The Okta agent sends Basic credentials with every request
// (thousands in an import) and a bcrypt comparison at cost 12 takes about a
// quarter second of CPU, so without it Basic auth would be the bridge's
// bottleneck. Entries are HMAC-SHA256 digests under a key made at start-up,
// never the password; the cache is rebuilt on reload (a changed hash or a
// removed user is never served from it). Failures are never cached.
type verifiedCache struct {
	key [32]byte

	mu    sync.Mutex
	until map[[32]byte]time.Time
}

const (
	verifiedTTL = 5 * time.Minute
	verifiedMax = 1024 // distinct credentials; more clears the cache
)

func newVerifiedCache() *verifiedCache {
	c := &verifiedCache{until: map[[32]byte]time.Time{}}
	_, _ = rand.Read(c.key[:])
	return c
}

// digest names a credential: the configured hash is part of it, so a user
// whose hash changes is checked again.
func (c *verifiedCache) digest(user, pass, hash string) [32]byte {
	m := hmac.New(sha256.New, c.key[:])
	for _, s := range []string{hash, user, pass} {
		m.Write([]byte(s))
		m.Write([]byte{0})
	}
	var d [32]byte
	copy(d[:], m.Sum(nil))
	return d
}

func (c *verifiedCache) has(d [32]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.until[d]
	if ok && now.After(until) {
		delete(c.until, d)
		return false
	}
	return ok
}

func (c *verifiedCache) add(d [32]byte, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.until) >= verifiedMax {
		clear(c.until)
	}
	c.until[d] = now.Add(verifiedTTL)
}
