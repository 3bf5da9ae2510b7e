package web

import (
	"math"
	"net"
	"net/http"
	"sync"
	"time"
)

// FailureLimiter counts failed authentications per client address in a
// token bucket (max failures, refilled over the window). An address whose
// bucket is empty is refused before its credentials are checked, so
// guessing tokens or Basic passwords is slow, and bcrypt comparisons cannot
// be used to load the CPU. Successful requests give back the failure they
// reserved (see admit).
//
// The key is the TCP peer address, never X-Forwarded-For (a client sets
// that header itself). The map is bounded: when full, addresses whose
// bucket has refilled are dropped (they are indistinguishable from new
// ones), then arbitrary ones.
type FailureLimiter struct {
	perSecond float64 // failures given back per second
	burst     float64
	max       int // addresses tracked at most

	mu      sync.Mutex
	clients map[string]*failures
}

// failures is one address's bucket: how many failures it may still make.
type failures struct {
	left float64
	last time.Time
}

// maxTrackedClients bounds the memory an attack from many addresses can
// take: about 100 bytes per address.
const maxTrackedClients = 10000

// NewFailureLimiter returns nil (no limit) when maxFailures < 1.
func NewFailureLimiter(maxFailures int, window time.Duration) *FailureLimiter {
	if maxFailures < 1 || window <= 0 {
		return nil
	}
	return &FailureLimiter{
		perSecond: float64(maxFailures) / window.Seconds(),
		burst:     float64(maxFailures),
		max:       maxTrackedClients,
		clients:   map[string]*failures{},
	}
}

// admit reserves one failure of addr before its credentials are checked:
// checking first and counting afterwards would let a burst of concurrent
// guesses (each a bcrypt comparison) all pass while the bucket still
// showed a failure left. ok=false means addr has none left, and wait is
// how long until it has one. Otherwise settle must be called with the
// outcome: a success gives the reserved failure back.
func (f *FailureLimiter) admit(addr string, now time.Time) (wait time.Duration, settle func(failed bool), ok bool) {
	if f == nil {
		return 0, func(bool) {}, true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.clients[addr]
	if c == nil {
		if len(f.clients) >= f.max {
			f.evict(now)
		}
		c = &failures{left: f.burst, last: now}
		f.clients[addr] = c
	}
	if now.After(c.last) {
		c.left = min(f.burst, c.left+now.Sub(c.last).Seconds()*f.perSecond)
		c.last = now
	}
	if c.left < 1 {
		return time.Duration((1 - c.left) / f.perSecond * float64(time.Second)), nil, false
	}
	c.left--
	return 0, func(failed bool) {
		if !failed {
			f.mu.Lock()
			c.left = min(f.burst, c.left+1)
			f.mu.Unlock()
		}
	}, true
}

// evict makes room for one address; f.mu is held.
func (f *FailureLimiter) evict(now time.Time) {
	full := time.Duration(f.burst / f.perSecond * float64(time.Second))
	for k, c := range f.clients {
		if now.Sub(c.last) >= full {
			delete(f.clients, k)
		}
	}
	for k := range f.clients {
		if len(f.clients) < f.max {
			break
		}
		delete(f.clients, k)
	}
}

// retryAfter is the integer seconds of a Retry-After header (the only form
// Okta honours), at least 1.
func retryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// clientAddr is the IP of the TCP peer.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
