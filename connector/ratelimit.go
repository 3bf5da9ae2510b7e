package connector

import (
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// failureLimiter counts failed authentications per client address in a
// token bucket (max failures, refilled over the window). An address whose
// bucket is empty is refused before its credentials are checked, so
// guessing tokens or Basic passwords is slow, and bcrypt comparisons cannot
// be used to load the CPU. Successful requests cost nothing.
//
// The key is the TCP peer address, never X-Forwarded-For (a client sets
// that header itself). The map is bounded: when full, addresses whose
// bucket has refilled are dropped (they are indistinguishable from new
// ones), then arbitrary ones.
type failureLimiter struct {
	limit rate.Limit
	burst int
	max   int // addresses tracked at most

	mu      sync.Mutex
	clients map[string]*failures
}

type failures struct {
	lim  *rate.Limiter
	last time.Time
}

// maxTrackedClients bounds the memory an attack from many addresses can
// take: about 100 bytes per address.
const maxTrackedClients = 10000

// newFailureLimiter returns nil (no limit) when maxFailures < 1.
func newFailureLimiter(maxFailures int, window time.Duration) *failureLimiter {
	if maxFailures < 1 || window <= 0 {
		return nil
	}
	return &failureLimiter{
		limit:   rate.Limit(float64(maxFailures) / window.Seconds()),
		burst:   maxFailures,
		max:     maxTrackedClients,
		clients: map[string]*failures{},
	}
}

// blocked reports whether addr has no failures left, and then how long until
// it has one again.
func (f *failureLimiter) blocked(addr string, now time.Time) (time.Duration, bool) {
	if f == nil {
		return 0, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.clients[addr]
	if c == nil {
		return 0, false
	}
	tokens := c.lim.TokensAt(now)
	if tokens >= 1 {
		return 0, false
	}
	return time.Duration((1 - tokens) / float64(f.limit) * float64(time.Second)), true
}

// fail records one failed authentication of addr.
func (f *failureLimiter) fail(addr string, now time.Time) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.clients[addr]
	if c == nil {
		if len(f.clients) >= f.max {
			f.evict(now)
		}
		c = &failures{lim: rate.NewLimiter(f.limit, f.burst)}
		f.clients[addr] = c
	}
	c.lim.AllowN(now, 1)
	c.last = now
}

// evict makes room for one address; f.mu is held.
func (f *failureLimiter) evict(now time.Time) {
	full := time.Duration(float64(f.burst) / float64(f.limit) * float64(time.Second))
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
